// SPDX-License-Identifier: MIT
/*
 * report.c - the county report and the duplicates list (report.h): SQL
 * over the live rows, grouped; nothing printed.
 *
 * Invariants (the definitions are report.h's):
 *  RP1. Every count of a group is over the same range: orders placed in
 *       [from, to), points rows of that time, volunteers registered
 *       before to; 0 leaves an end open.
 *  RP2. The total is its own query, never a sum of the groups (a
 *       volunteer active in two groups is one active volunteer).
 *  RP3. A group is found by binary search in the sorted array, so a
 *       report by volunteer at the hub (thousands of groups) is not
 *       quadratic; the groups come out sorted by key.
 *  RP4. Texts of the replica are only ever bound or compared in SQL,
 *       never pasted into it; a group key is a column value.
 *  RP5. Active means did credited service in the range (decided in
 *       issue 17's QA): a finished order placed in the range, or an
 *       hours credit (an activity's check-out, `hours add`) written in
 *       it; one volunteer who did both is one active volunteer.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sodium.h>
#include <sqlite3.h>

#include "base/err.h"
#include "base/mem.h"
#include "app/app.h"
#include "app/peer.h"
#include "app/report.h"
#include "app/category.h"

const char *const app_report_status[APP_ST_N] = { "open", "dispatched", "accepted",
						  "done", "rated", "cancelled" };

int app_report_by_parse(const char *s, enum app_report_by *by)
{
	static const char *const names[] = { "station", "town", "category", "month", "team",
					     "volunteer" };
	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		if (strcmp(s, names[i]) == 0) {
			*by = (enum app_report_by)i;
			return 0;
		}
	return ERR_USAGE;
}

const char *app_report_by_name(enum app_report_by by)
{
	switch (by) {
	case APP_BY_STATION: return "station";
	case APP_BY_TOWN: return "town";
	case APP_BY_CATEGORY: return "category";
	case APP_BY_MONTH: return "month";
	case APP_BY_TEAM: return "team";
	case APP_BY_VOLUNTEER: return "volunteer";
	}
	return "station";
}

/* The group of key, added in its place when new and add (RP3); NULL:
 * none (not add), or out of memory. */
static struct app_report_group *report_find(struct app_report *r, const char *key, bool add)
{
	size_t lo = 0, hi = r->n;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		int c = strcmp(r->g[mid].key, key);
		if (c == 0)
			return &r->g[mid];
		if (c < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	if (!add || MEM_GROW(r->g, r->cap, r->n + 1))
		return NULL;
	memmove(&r->g[lo + 1], &r->g[lo], (r->n - lo) * sizeof(*r->g));
	r->n++;
	struct app_report_group *g = &r->g[lo];
	memset(g, 0, sizeof(*g));
	snprintf(g->key, sizeof(g->key), "%s", key);
	return g;
}

static struct app_report_group *report_group(struct app_report *r, const char *key)
{
	return report_find(r, key, true);
}

/* The group key as SQL, given the SQL for the row's station. */
static void report_key(const char *by, const char *station, char *out, size_t n)
{
	if (strcmp(by, "station") == 0)
		snprintf(out, n, "%s", station);
	else if (strcmp(by, "town") == 0)
		snprintf(out, n, "coalesce(nullif(s.parent, ''), '-')");
	else if (strcmp(by, "team") == 0) /* teams (team.c): the volunteer's team now */
		snprintf(out, n, "coalesce(nullif((SELECT tv.team FROM volunteers_live tv"
			 " WHERE tv.pk = %s), ''), '-')", station);
	else if (strcmp(by, "volunteer") == 0)
		snprintf(out, n, "coalesce(nullif(%s, ''), '-')", station);
	else if (strcmp(by, "category") == 0)
		snprintf(out, n, "coalesce(o.category, '-')");
	else
		snprintf(out, n, "coalesce(strftime('%%Y-%%m', o.created_at / 1000, 'unixepoch',"
			 " 'localtime'), '-')");
}

/* The range as SQL on a time column (ms): "" when unbounded. */
static void report_range(const struct app_report *r, const char *col, char *out, size_t n)
{
	if (r->from_ms && r->to_ms)
		snprintf(out, n, " WHERE %s >= %lld AND %s < %lld", col, (long long)r->from_ms, col,
			 (long long)r->to_ms);
	else if (r->from_ms)
		snprintf(out, n, " WHERE %s >= %lld", col, (long long)r->from_ms);
	else if (r->to_ms)
		snprintf(out, n, " WHERE %s < %lld", col, (long long)r->to_ms);
	else
		out[0] = '\0';
}

/* Fill a group from one row of a grouped query (column 0 is the key). */
typedef void (*report_fill_fn)(struct app_report_group *g, sqlite3_stmt *st);

/* Run sql, grouped by its column 0, and fill each row's group (added
 * when new) or, for total, the total. */
static int report_rows(struct app *a, struct app_report *r, const char *sql, bool total,
		       report_fill_fn fill)
{
	sqlite3_stmt *st;
	int rc;
	if ((rc = app_sql(a, &st, sql, NULL)))
		return rc;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		char k[APP_NAME_MAX + 1];
		app_col_text(st, 0, k, sizeof(k));
		struct app_report_group *g = total ? &r->total : report_group(r, k);
		if (!g) {
			sqlite3_finalize(st);
			return -ENOMEM;
		}
		fill(g, st);
	}
	sqlite3_finalize(st);
	return rc == SQLITE_DONE ? 0 : app_fail_store(a, ERR_STORAGE);
}

static void report_fill_orders(struct app_report_group *g, sqlite3_stmt *st)
{
	g->orders = sqlite3_column_int64(st, 1);
	for (int i = 0; i < APP_ST_N; i++)
		g->st[i] = sqlite3_column_int64(st, 2 + i);
	g->hours = sqlite3_column_double(st, 8);
	g->rated = sqlite3_column_int64(st, 9);
	g->rating_sum = sqlite3_column_double(st, 10);
	g->satisfied = sqlite3_column_int64(st, 11);
	g->active = sqlite3_column_int64(st, 12);
	g->wishes = sqlite3_column_int64(st, 13);
	g->wishes_done = sqlite3_column_int64(st, 14);
}

static int report_orders(struct app *a, struct app_report *r, const char *key)
{
	char sql[1600], where[160];
	report_range(r, "o.created_at", where, sizeof(where));
	snprintf(sql, sizeof(sql),
		 "SELECT %s AS k, count(*),"
		 " sum(o.status = 'open'), sum(o.status = 'dispatched'), sum(o.status = 'accepted'),"
		 " sum(o.status = 'done'), sum(o.status = 'rated'), sum(o.status = 'cancelled'),"
		 " coalesce(sum(CASE WHEN o.status IN ('done', 'rated') THEN o.hours END), 0),"
		 " count(o.rating), coalesce(sum(o.rating), 0), sum(coalesce(o.rating, 0) >= 4),"
		 " 0," /* active volunteers: report_active */
		 " coalesce(sum(o.kind = 'wish'), 0),"
		 " coalesce(sum(o.kind = 'wish' AND o.status IN ('done', 'rated')), 0)"
		 " FROM orders_live o LEFT JOIN stations_live s ON s.pk = o.station%s"
		 " GROUP BY k ORDER BY k",
		 key, where);
	return report_rows(a, r, sql, strcmp(key, "'*'") == 0, report_fill_orders);
}

static void report_fill_points(struct app_report_group *g, sqlite3_stmt *st)
{
	g->issued = sqlite3_column_int64(st, 1);
	g->redeemed = sqlite3_column_int64(st, 2);
}

static int report_points(struct app *a, struct app_report *r, const char *by,
			      bool total)
{
	char sql[1600], key[256], where[200];
	/* a row's time: its own, else (rows of old versions) its order's */
	report_range(r, "coalesce(p.at, o.created_at)", where, sizeof(where));
	if (total)
		snprintf(key, sizeof(key), "'*'");
	else if (strcmp(by, "category") == 0 || strcmp(by, "month") == 0)
		report_key(by, "", key, sizeof(key)); /* o.* is NULL without an order: "-" */
	else if (strcmp(by, "team") == 0 || strcmp(by, "volunteer") == 0)
		report_key(by, "p.volunteer", key, sizeof(key));
	else
		report_key(by, "coalesce(o.station, p.station)", key, sizeof(key));
	snprintf(sql, sizeof(sql),
		 "SELECT %s AS k,"
		 " coalesce(sum(CASE WHEN p.delta > 0 THEN p.delta END), 0),"
		 " coalesce(sum(CASE WHEN p.delta < 0 THEN -p.delta END), 0)"
		 " FROM points_live p LEFT JOIN orders_live o ON o.pk = p.\"order\""
		 " LEFT JOIN stations_live s ON s.pk = coalesce(o.station, p.station)%s"
		 " GROUP BY k ORDER BY k",
		 key, where);
	return report_rows(a, r, sql, total, report_fill_points);
}

/* Active volunteers (report.h, RP5): distinct volunteers with a
 * finished order placed in the range, or an hours credit (reason
 * "hours": an activity's check-out, `hours add`) written in the range;
 * an order in its order's group, an hours row in its points row's group
 * (as report_points). */
static int report_active(struct app *a, struct app_report *r, const char *by, bool total)
{
	char sql[2400], okey[256], pkey[256], ow[200], pw[200];
	sqlite3_stmt *st;
	int rc;
	report_range(r, "o.created_at", ow, sizeof(ow));
	report_range(r, "coalesce(p.at, o.created_at)", pw, sizeof(pw));
	if (total) {
		snprintf(okey, sizeof(okey), "'*'");
		snprintf(pkey, sizeof(pkey), "'*'");
	} else {
		report_key(by, strcmp(by, "team") == 0 || strcmp(by, "volunteer") == 0 ? "o.volunteer"
											: "o.station",
			   okey, sizeof(okey));
		if (strcmp(by, "category") == 0 || strcmp(by, "month") == 0)
			report_key(by, "", pkey, sizeof(pkey));
		else if (strcmp(by, "team") == 0 || strcmp(by, "volunteer") == 0)
			report_key(by, "p.volunteer", pkey, sizeof(pkey));
		else
			report_key(by, "coalesce(o.station, p.station)", pkey, sizeof(pkey));
	}
	snprintf(sql, sizeof(sql),
		 "SELECT k, count(DISTINCT vol) FROM ("
		 "SELECT %s AS k, o.volunteer AS vol"
		 " FROM orders_live o LEFT JOIN stations_live s ON s.pk = o.station%s%s"
		 " o.status IN ('done', 'rated') AND coalesce(o.volunteer, '') != ''"
		 " UNION ALL SELECT %s AS k, p.volunteer AS vol"
		 " FROM points_live p LEFT JOIN orders_live o ON o.pk = p.\"order\""
		 " LEFT JOIN stations_live s ON s.pk = coalesce(o.station, p.station)%s%s"
		 " p.reason = 'hours' AND coalesce(p.hours, 0) > 0 AND coalesce(p.volunteer, '') != ''"
		 ") GROUP BY k ORDER BY k",
		 okey, ow, ow[0] ? " AND" : " WHERE", pkey, pw, pw[0] ? " AND" : " WHERE");
	if ((rc = app_sql(a, &st, sql, NULL)))
		return rc;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		char k[APP_NAME_MAX + 1];
		app_col_text(st, 0, k, sizeof(k));
		struct app_report_group *g = total ? &r->total : report_group(r, k);
		if (!g) {
			sqlite3_finalize(st);
			return -ENOMEM;
		}
		g->active = sqlite3_column_int64(st, 1);
	}
	sqlite3_finalize(st);
	return rc == SQLITE_DONE ? 0 : app_fail_store(a, ERR_STORAGE);
}

static int report_names(struct app *a, struct app_report *r)
{
	sqlite3_stmt *st;
	int rc;
	const char *sql = r->by == APP_BY_TEAM ? "SELECT name FROM teams_live WHERE pk = ?1"
			  : r->by == APP_BY_VOLUNTEER ? "SELECT name FROM volunteers_live WHERE pk = ?1"
						       : "SELECT name FROM stations_live WHERE pk = ?1";
	if ((rc = app_sql(a, &st, sql, NULL)))
		return rc;
	for (size_t i = 0; i < r->n; i++) {
		sqlite3_reset(st);
		sqlite3_bind_text(st, 1, r->g[i].key, -1, SQLITE_STATIC);
		if (sqlite3_step(st) == SQLITE_ROW)
			app_col_text(st, 0, r->g[i].name, sizeof(r->g[i].name));
	}
	sqlite3_finalize(st);
	return 0;
}

/* Registered and new volunteers (report.h), for the groups (by is not
 * category, whose volunteers have none) or the total. By volunteer only
 * the groups the orders and points made get theirs: a report by
 * volunteer lists those who did something, not the whole roll. */
static int report_volunteers(struct app *a, struct app_report *r, bool total)
{
	char sql[1200], key[200], to[64], in[200];
	sqlite3_stmt *st;
	int rc;
	const int64_t reg = 0; /* a record of an old version without a time: long ago */
	if (total || r->by == APP_BY_VOLUNTEER)
		snprintf(key, sizeof(key), total ? "'*'" : "v.pk");
	else if (r->by == APP_BY_STATION)
		snprintf(key, sizeof(key), "v.station");
	else if (r->by == APP_BY_TOWN)
		snprintf(key, sizeof(key), "coalesce(nullif(s.parent, ''), '-')");
	else if (r->by == APP_BY_TEAM)
		snprintf(key, sizeof(key), "coalesce(nullif(v.team, ''), '-')");
	else if (r->by == APP_BY_MONTH)
		snprintf(key, sizeof(key),
			 "coalesce(strftime('%%Y-%%m', v.registered_at / 1000, 'unixepoch', 'localtime'), '-')");
	else
		return 0;
	if (r->to_ms)
		snprintf(to, sizeof(to), "coalesce(v.registered_at, %lld) < %lld", (long long)reg,
			 (long long)r->to_ms);
	else
		snprintf(to, sizeof(to), "1");
	snprintf(in, sizeof(in), "%s AND coalesce(v.registered_at, %lld) >= %lld", to, (long long)reg,
		 (long long)r->from_ms);
	snprintf(sql, sizeof(sql),
		 "SELECT %s AS k, coalesce(sum(%s AND coalesce(v.status, '') != 'left'), 0),"
		 " coalesce(sum(%s), 0)"
		 " FROM volunteers_live v LEFT JOIN stations_live s ON s.pk = v.station"
		 " GROUP BY k ORDER BY k",
		 key, r->by == APP_BY_MONTH && !total ? in : to, in);
	if ((rc = app_sql(a, &st, sql, NULL)))
		return rc;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		char k[APP_NAME_MAX + 1];
		int64_t n = sqlite3_column_int64(st, 1), nw = sqlite3_column_int64(st, 2);
		app_col_text(st, 0, k, sizeof(k));
		if (!total && r->by == APP_BY_MONTH && !n && !nw)
			continue; /* not a month of this range */
		struct app_report_group *g = total ? &r->total : NULL;
		if (!g && r->by == APP_BY_VOLUNTEER) { /* only groups there are */
			if (!(g = report_find(r, k, false)))
				continue;
		} else if (!g && !(g = report_group(r, k))) {
			sqlite3_finalize(st);
			return -ENOMEM;
		}
		g->registered = n;
		g->new_vols = nw;
	}
	sqlite3_finalize(st);
	return rc == SQLITE_DONE ? 0 : app_fail_store(a, ERR_STORAGE);
}

/* Activities (activity.c, issue 17): the activities that start in the
 * range, counted in the group of their home station (by station, town)
 * or month, and in the total; a county-wide one (station "") in "-". By
 * category, team and volunteer an activity has no group: the total only. */
static void report_fill_activities(struct app_report_group *g, sqlite3_stmt *st)
{
	g->activities = sqlite3_column_int64(st, 1);
}

static int report_activities(struct app *a, struct app_report *r, bool total)
{
	char sql[800], key[200], where[160];
	if (total)
		snprintf(key, sizeof(key), "'*'");
	else if (r->by == APP_BY_STATION)
		snprintf(key, sizeof(key), "coalesce(nullif(x.station, ''), '-')");
	else if (r->by == APP_BY_TOWN)
		snprintf(key, sizeof(key), "coalesce(nullif(s.parent, ''), '-')");
	else if (r->by == APP_BY_MONTH)
		snprintf(key, sizeof(key),
			 "coalesce(strftime('%%Y-%%m', x.start_at / 1000, 'unixepoch', 'localtime'), '-')");
	else
		return 0;
	report_range(r, "x.start_at", where, sizeof(where));
	snprintf(sql, sizeof(sql),
		 "SELECT %s AS k, count(*) FROM activities_live x LEFT JOIN stations_live s ON s.pk = x.station"
		 "%s GROUP BY k ORDER BY k",
		 key, where);
	r->has_activities = true;
	return report_rows(a, r, sql, total, report_fill_activities);
}

/* For --by station: when each station's nodes (enrolments) last synced. */
static int report_last_sync(struct app *a, struct app_report *r)
{
	sqlite3_stmt *st;
	int rc;
	if ((rc = app_sql(a, &st, "SELECT node FROM enrolments_live WHERE station = ?1",
			   NULL)))
		return rc;
	for (size_t i = 0; i < r->n; i++) {
		sqlite3_reset(st);
		sqlite3_bind_text(st, 1, r->g[i].key, -1, SQLITE_STATIC);
		while (sqlite3_step(st) == SQLITE_ROW) {
			char node[2 * CRDT_AUTHOR_LEN + 2], name[2 * CRDT_AUTHOR_LEN + 8];
			uint64_t ms;
			bool hex = true;
			app_col_text(st, 0, node, sizeof(node));
			for (const char *c = node; *c; c++) /* replicated text: never a path */
				hex = hex && ((*c >= '0' && *c <= '9') || (*c >= 'a' && *c <= 'f'));
			if (!hex || strlen(node) != 2 * CRDT_AUTHOR_LEN)
				continue;
			snprintf(name, sizeof(name), "node-%s", node);
			if (app_peer_last_load(a, name, &ms) == 0 && ms > r->g[i].last_sync)
				r->g[i].last_sync = ms;
		}
	}
	sqlite3_finalize(st);
	return 0;
}

/* By category: a group for every category on the menu of this node
 * (a station's, or at the hub the county's and every station's), and
 * the groups of names not on it marked (category.h C4). */
static int report_menu(struct app *a, struct app_report *r)
{
	struct app_category *v;
	size_t n;
	int rc = app_category_list(a, NULL, false, &v, &n);
	if (rc)
		return rc;
	for (size_t i = 0; i < r->n; i++) {
		r->g[i].unlisted = strcmp(r->g[i].key, "-") != 0;
		for (size_t k = 0; k < n && r->g[i].unlisted; k++)
			r->g[i].unlisted = strcmp(v[k].name, r->g[i].key) != 0;
	}
	for (size_t k = 0; k < n && !rc; k++)
		if (!report_group(r, v[k].name))
			rc = -ENOMEM;
	mem_free(v);
	return rc;
}

static int report_cmp(const void *a, const void *b)
{
	return strcmp(((const struct app_report_group *)a)->key, ((const struct app_report_group *)b)->key);
}

int app_report_build(struct app *a, enum app_report_by by, struct app_report *r)
{
	return app_report_build_range(a, by, 0, 0, r);
}

int app_report_build_range(struct app *a, enum app_report_by by, int64_t from_ms, int64_t to_ms,
			   struct app_report *r)
{
	char key[256];
	const char *byn = app_report_by_name(by);
	int rc;

	memset(r, 0, sizeof(*r));
	r->by = by;
	r->from_ms = from_ms > 0 ? from_ms : 0;
	r->to_ms = to_ms > 0 ? to_ms : 0;
	report_key(byn, by == APP_BY_TEAM || by == APP_BY_VOLUNTEER ? "o.volunteer" : "o.station", key,
		   sizeof(key));
	if ((rc = report_orders(a, r, key)) || (rc = report_orders(a, r, "'*'")) ||
	    (rc = report_points(a, r, byn, false)) || (rc = report_points(a, r, byn, true)) ||
	    (rc = report_active(a, r, byn, false)) || (rc = report_active(a, r, byn, true)) ||
	    (rc = report_volunteers(a, r, false)) || (rc = report_volunteers(a, r, true)) ||
	    (rc = report_activities(a, r, false)) || (rc = report_activities(a, r, true)))
		goto fail;
	if ((by == APP_BY_STATION || by == APP_BY_TOWN || by == APP_BY_TEAM || by == APP_BY_VOLUNTEER) &&
	    (rc = report_names(a, r)))
		goto fail;
	if (by == APP_BY_STATION && (rc = report_last_sync(a, r)))
		goto fail;
	if (by == APP_BY_CATEGORY && (rc = report_menu(a, r)))
		goto fail;
	if (r->n)
		qsort(r->g, r->n, sizeof(*r->g), report_cmp);
	return 0;
fail:
	app_report_release(r);
	return rc == -ENOMEM ? app_failf(a, rc, APP_W_FAILED, 0) : rc;
}

void app_report_release(struct app_report *r)
{
	mem_free(r->g);
	r->g = NULL;
	r->n = r->cap = 0;
}

int app_report_duplicates(struct app *a, struct app_dup **out, size_t *nout, size_t *ngroups,
			  int64_t *uncovered)
{
	static const char *const sql =
		"SELECT id_chash, pk, station, name, id_last4 FROM volunteers_live"
		" WHERE id_chash IS NOT NULL AND id_chash IN"
		" (SELECT id_chash FROM volunteers_live WHERE id_chash IS NOT NULL"
		" GROUP BY id_chash HAVING COUNT(DISTINCT station) >= 2)"
		" ORDER BY id_chash, station, pk";
	static const char *const uncovered_sql =
		"SELECT COUNT(*) FROM volunteers_live WHERE id_hash IS NOT NULL"
		" AND id_chash IS NULL";
	char hash[2 * SYNC_HASH_LEN + 1] = "", prev[2 * SYNC_HASH_LEN + 1] = "";
	struct app_dup *d = NULL;
	size_t n = 0, cap = 0, groups = 0;
	sqlite3_stmt *st;
	int rc, step;

	*out = NULL;
	*nout = *ngroups = 0;
	*uncovered = 0;
	if (!a->hub)
		return app_failf(a, ERR_RULE, APP_W_DUP_HUB_ONLY, 0);

	if ((rc = app_sql(a, &st, sql, NULL)))
		return rc;
	while ((step = sqlite3_step(st)) == SQLITE_ROW) {
		if ((rc = MEM_GROW(d, cap, n + 1))) {
			sqlite3_finalize(st);
			mem_free(d);
			return app_failf(a, rc, APP_W_FAILED, 0);
		}
		struct app_dup *x = &d[n++];
		app_col_text(st, 0, hash, sizeof(hash));
		app_col_text(st, 1, x->id, sizeof(x->id));
		app_col_text(st, 2, x->station, sizeof(x->station));
		app_col_text(st, 3, x->name, sizeof(x->name));
		app_col_text(st, 4, x->last4, sizeof(x->last4));
		if (strcmp(hash, prev) != 0) {
			groups++;
			memcpy(prev, hash, sizeof(prev));
		}
		x->group = groups;
	}
	sqlite3_finalize(st);
	sodium_memzero(hash, sizeof(hash));
	sodium_memzero(prev, sizeof(prev));
	if (step != SQLITE_DONE) {
		mem_free(d);
		return app_fail_store(a, ERR_STORAGE);
	}
	if ((rc = app_sql_int(a, uncovered, uncovered_sql, NULL))) {
		mem_free(d);
		return rc;
	}
	*out = d;
	*nout = n;
	*ngroups = groups;
	return 0;
}
