// SPDX-License-Identifier: MIT
/*
 * cmd_report.c - the county report: orders by status, completion rate,
 * ratings, active volunteers, hours and points, grouped by station, town,
 * category or month, as a table, JSON or CSV.
 *
 * Definitions (docs/cli.md):
 *   completion rate   (done + rated) / all orders of the group
 *   average rating    over rated orders; satisfied = share rated 4 or 5
 *   active volunteers distinct volunteers with a finished order
 *   hours             hours of finished orders
 *   points issued     sum of positive ledger rows; redeemed: of negative
 *   last sync         (--by station) the latest time any node enrolled for
 *                     the station synced with this node (peers/node-*.last)
 * A points row counts in the group of its order; rows without an order
 * (redemptions, adjustments) count in their station's group for --by
 * station and town, and in the group "-" for category and month.
 *
 * report --duplicates (hub only; docs/security.md "Duplicate people
 * across stations"): the live volunteers whose ID number's county hash
 * (id_chash) is shared by volunteers of two or more stations, grouped by
 * number; printed are their ids, stations, names and the masked number,
 * never a hash.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sodium.h>
#include <sqlite3.h>

#include "base/err.h"
#include "base/mem.h"
#include "app/idnum.h"
#include "node/node.h"

#define NOPTS(a) (sizeof(a) / sizeof((a)[0]))

enum { ST_OPEN, ST_DISPATCHED, ST_ACCEPTED, ST_DONE, ST_RATED, ST_CANCELLED, ST_N };

static const char *const node_report_status[ST_N] = { "open", "dispatched", "accepted",
						      "done", "rated",	    "cancelled" };

struct node_group {
	char key[NODE_NAME_MAX + 1];
	char name[NODE_NAME_MAX + 1];
	int64_t orders, st[ST_N], rated, satisfied, active, issued, redeemed;
	double rating_sum, hours;
	uint64_t last_sync; /* ms; 0: never */
};

struct node_report {
	struct node_group *g;
	size_t n, cap;
	struct node_group total;
};

static struct node_group *node_report_group(struct node_report *r, const char *key)
{
	for (size_t i = 0; i < r->n; i++)
		if (strcmp(r->g[i].key, key) == 0)
			return &r->g[i];
	if (r->n == r->cap) {
		size_t cap = r->cap ? r->cap * 2 : 32;
		void *p = mem_realloc(r->g, cap * sizeof(*r->g));
		if (!p)
			return NULL;
		r->g = p;
		r->cap = cap;
	}
	struct node_group *g = &r->g[r->n++];
	memset(g, 0, sizeof(*g));
	snprintf(g->key, sizeof(g->key), "%s", key);
	return g;
}

/* The group key as SQL, given the SQL for the row's station. */
static void node_report_key(const char *by, const char *station, char *out, size_t n)
{
	if (strcmp(by, "station") == 0)
		snprintf(out, n, "%s", station);
	else if (strcmp(by, "town") == 0)
		snprintf(out, n, "coalesce(nullif(s.parent, ''), '-')");
	else if (strcmp(by, "category") == 0)
		snprintf(out, n, "coalesce(o.category, '-')");
	else
		snprintf(out, n, "coalesce(strftime('%%Y-%%m', o.created_at / 1000, 'unixepoch',"
			 " 'localtime'), '-')");
}

static int node_report_orders(struct node_ctx *ctx, struct node_report *r, const char *key)
{
	char sql[1400];
	sqlite3_stmt *st;
	int rc;
	snprintf(sql, sizeof(sql),
		 "SELECT %s AS k, count(*),"
		 " sum(o.status = 'open'), sum(o.status = 'dispatched'), sum(o.status = 'accepted'),"
		 " sum(o.status = 'done'), sum(o.status = 'rated'), sum(o.status = 'cancelled'),"
		 " coalesce(sum(CASE WHEN o.status IN ('done', 'rated') THEN o.hours END), 0),"
		 " count(o.rating), coalesce(sum(o.rating), 0), sum(coalesce(o.rating, 0) >= 4),"
		 " count(DISTINCT CASE WHEN o.status IN ('done', 'rated') THEN o.volunteer END)"
		 " FROM orders o LEFT JOIN stations s ON s.pk = o.station AND s._dead IS NULL"
		 " WHERE o._dead IS NULL GROUP BY k ORDER BY k",
		 key);
	if ((rc = node_sql(ctx, &st, sql, NULL)))
		return rc;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		char k[NODE_NAME_MAX + 1];
		app_col_text(st, 0, k, sizeof(k));
		struct node_group *g = strcmp(key, "'*'") == 0 ? &r->total : node_report_group(r, k);
		if (!g) {
			sqlite3_finalize(st);
			return -ENOMEM;
		}
		g->orders = sqlite3_column_int64(st, 1);
		for (int i = 0; i < ST_N; i++)
			g->st[i] = sqlite3_column_int64(st, 2 + i);
		g->hours = sqlite3_column_double(st, 8);
		g->rated = sqlite3_column_int64(st, 9);
		g->rating_sum = sqlite3_column_double(st, 10);
		g->satisfied = sqlite3_column_int64(st, 11);
		g->active = sqlite3_column_int64(st, 12);
	}
	sqlite3_finalize(st);
	return rc == SQLITE_DONE ? 0 : node_fail_store(ctx, ERR_STORAGE);
}

static int node_report_points(struct node_ctx *ctx, struct node_report *r, const char *by,
			      bool total)
{
	char sql[1400], key[256];
	sqlite3_stmt *st;
	int rc;
	if (total)
		snprintf(key, sizeof(key), "'*'");
	else if (strcmp(by, "category") == 0 || strcmp(by, "month") == 0)
		node_report_key(by, "", key, sizeof(key)); /* o.* is NULL without an order: "-" */
	else
		node_report_key(by, "coalesce(o.station, p.station)", key, sizeof(key));
	snprintf(sql, sizeof(sql),
		 "SELECT %s AS k,"
		 " coalesce(sum(CASE WHEN p.delta > 0 THEN p.delta END), 0),"
		 " coalesce(sum(CASE WHEN p.delta < 0 THEN -p.delta END), 0)"
		 " FROM points p LEFT JOIN orders o ON o.pk = p.\"order\" AND o._dead IS NULL"
		 " LEFT JOIN stations s ON s.pk = coalesce(o.station, p.station) AND s._dead IS NULL"
		 " WHERE p._dead IS NULL GROUP BY k ORDER BY k",
		 key);
	if ((rc = node_sql(ctx, &st, sql, NULL)))
		return rc;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		char k[NODE_NAME_MAX + 1];
		app_col_text(st, 0, k, sizeof(k));
		struct node_group *g = total ? &r->total : node_report_group(r, k);
		if (!g) {
			sqlite3_finalize(st);
			return -ENOMEM;
		}
		g->issued = sqlite3_column_int64(st, 1);
		g->redeemed = sqlite3_column_int64(st, 2);
	}
	sqlite3_finalize(st);
	return rc == SQLITE_DONE ? 0 : node_fail_store(ctx, ERR_STORAGE);
}

static int node_report_names(struct node_ctx *ctx, struct node_report *r)
{
	sqlite3_stmt *st;
	int rc;
	if ((rc = node_sql(ctx, &st, "SELECT name FROM stations WHERE pk = ?1 AND _dead IS NULL", NULL)))
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

/* For --by station: when each station's nodes (enrolments) last synced. */
static int node_report_last_sync(struct node_ctx *ctx, struct node_report *r)
{
	sqlite3_stmt *st;
	int rc;
	if ((rc = node_sql(ctx, &st, "SELECT node FROM enrolments WHERE station = ?1 AND _dead IS NULL",
			   NULL)))
		return rc;
	for (size_t i = 0; i < r->n; i++) {
		sqlite3_reset(st);
		sqlite3_bind_text(st, 1, r->g[i].key, -1, SQLITE_STATIC);
		while (sqlite3_step(st) == SQLITE_ROW) {
			char node[2 * CRDT_AUTHOR_LEN + 2], name[2 * CRDT_AUTHOR_LEN + 8];
			uint64_t ms = 0;
			bool hex = true;
			app_col_text(st, 0, node, sizeof(node));
			for (const char *c = node; *c; c++) /* replicated text: never a path */
				hex = hex && ((*c >= '0' && *c <= '9') || (*c >= 'a' && *c <= 'f'));
			if (!hex || strlen(node) != 2 * CRDT_AUTHOR_LEN)
				continue;
			snprintf(name, sizeof(name), "node-%s", node);
			if (node_peer_last_load(ctx, name, &ms) == 0 && ms > r->g[i].last_sync)
				r->g[i].last_sync = ms;
		}
	}
	sqlite3_finalize(st);
	return 0;
}

static int node_group_cmp(const void *a, const void *b)
{
	return strcmp(((const struct node_group *)a)->key, ((const struct node_group *)b)->key);
}

static double node_ratio(int64_t a, int64_t b)
{
	return b ? (double)a / (double)b : 0;
}

static void node_report_json_group(struct node_json *j, const struct node_group *g, bool named,
				   bool last)
{
	node_json_obj(j);
	if (named) {
		node_json_kstr(j, "key", g->key);
		node_json_kstr(j, "name", g->name[0] ? g->name : NULL);
	}
	node_json_kint(j, "orders", g->orders);
	for (int i = 0; i < ST_N; i++)
		node_json_kint(j, node_report_status[i], g->st[i]);
	node_json_kreal(j, "completion_rate", node_ratio(g->st[ST_DONE] + g->st[ST_RATED], g->orders));
	node_json_key(j, "avg_rating");
	if (g->rated)
		node_json_real(j, g->rating_sum / (double)g->rated);
	else
		node_json_null(j);
	node_json_key(j, "satisfied_share");
	if (g->rated)
		node_json_real(j, node_ratio(g->satisfied, g->rated));
	else
		node_json_null(j);
	node_json_kint(j, "active_volunteers", g->active);
	node_json_kreal(j, "hours", g->hours);
	node_json_kint(j, "points_issued", g->issued);
	node_json_kint(j, "points_redeemed", g->redeemed);
	if (last) {
		node_json_key(j, "last_sync");
		if (g->last_sync)
			node_json_int(j, (int64_t)g->last_sync);
		else
			node_json_null(j);
	}
	node_json_end_obj(j);
}

/* The cells of one group, as text; cells point into buf. */
static void node_report_cells(const struct node_group *g, const char *key, const char *name,
			      char buf[17][48], const char **cells)
{
	int c = 0;
	snprintf(buf[c], 48, "%s", key);
	cells[c] = key;
	c++;
	cells[c++] = name;
	snprintf(buf[c], 48, "%lld", (long long)g->orders);
	cells[c] = buf[c];
	c++;
	for (int i = 0; i < ST_N; i++, c++) {
		snprintf(buf[c], 48, "%lld", (long long)g->st[i]);
		cells[c] = buf[c];
	}
	snprintf(buf[c], 48, "%.1f%%",
		 100 * node_ratio(g->st[ST_DONE] + g->st[ST_RATED], g->orders));
	cells[c] = buf[c];
	c++;
	if (g->rated)
		snprintf(buf[c], 48, "%.2f", g->rating_sum / (double)g->rated);
	else
		snprintf(buf[c], 48, "-");
	cells[c] = buf[c];
	c++;
	if (g->rated)
		snprintf(buf[c], 48, "%.1f%%", 100 * node_ratio(g->satisfied, g->rated));
	else
		snprintf(buf[c], 48, "-");
	cells[c] = buf[c];
	c++;
	snprintf(buf[c], 48, "%lld", (long long)g->active);
	cells[c] = buf[c];
	c++;
	app_real_fmt(g->hours, buf[c], 48);
	cells[c] = buf[c];
	c++;
	snprintf(buf[c], 48, "%lld", (long long)g->issued);
	cells[c] = buf[c];
	c++;
	snprintf(buf[c], 48, "%lld", (long long)g->redeemed);
	cells[c] = buf[c];
	c++;
	if (g->last_sync) /* a table's cell; CSV puts ms */
		app_time_fmt(g->last_sync, buf[c], 48);
	else
		snprintf(buf[c], 48, "-");
	cells[c] = buf[c];
}

static const char *const node_report_csv_head[17] = {
	"key",	    "name",	 "orders",	    "open",	 "dispatched",	       "accepted",
	"done",	    "rated",	 "cancelled",	    "completion_rate", "avg_rating", "satisfied_share",
	"active_volunteers", "hours", "points_issued", "points_redeemed", "last_sync",
};

/* ncols: 16, or 17 with last_sync (--by station). */
static void node_report_csv_row(const struct node_group *g, const char *key, const char *name,
				int ncols)
{
	char b[17][48];
	const char *c[17];
	node_report_cells(g, key, name, b, c);
	/* CSV is for machines: plain ratios, not percentages */
	snprintf(b[9], 48, "%.4f", node_ratio(g->st[ST_DONE] + g->st[ST_RATED], g->orders));
	c[9] = b[9];
	if (g->rated) {
		snprintf(b[10], 48, "%.4f", g->rating_sum / (double)g->rated);
		snprintf(b[11], 48, "%.4f", node_ratio(g->satisfied, g->rated));
	} else {
		b[10][0] = b[11][0] = '\0';
	}
	c[10] = b[10];
	c[11] = b[11];
	if (g->last_sync)
		snprintf(b[16], 48, "%llu", (unsigned long long)g->last_sync);
	else
		b[16][0] = '\0';
	c[16] = b[16];
	for (int i = 0; i < ncols; i++)
		node_csv_field(stdout, c[i], i == ncols - 1);
}

/* One volunteer of a duplicates group. */
struct node_dup {
	char id[NODE_ID_MAX + 1], station[NODE_ID_MAX + 1], name[NODE_NAME_MAX + 1], mask[32];
	size_t group; /* 1, 2, ... */
};

static int node_report_duplicates(struct node_ctx *ctx)
{
	static const char *const sql =
		"SELECT id_chash, pk, station, name, id_last4 FROM volunteers"
		" WHERE _dead IS NULL AND id_chash IS NOT NULL AND id_chash IN"
		" (SELECT id_chash FROM volunteers WHERE _dead IS NULL AND id_chash IS NOT NULL"
		" GROUP BY id_chash HAVING COUNT(DISTINCT station) >= 2)"
		" ORDER BY id_chash, station, pk";
	static const char *const uncovered =
		"SELECT COUNT(*) FROM volunteers WHERE _dead IS NULL AND id_hash IS NOT NULL"
		" AND id_chash IS NULL";
	char hash[2 * SYNC_HASH_LEN + 1] = "", prev[2 * SYNC_HASH_LEN + 1] = "", last4[8];
	struct node_dup *d = NULL;
	size_t n = 0, cap = 0, groups = 0;
	long long nun = 0;
	sqlite3_stmt *st;
	int rc, step;

	if ((rc = node_sql(ctx, &st, sql, NULL)))
		return rc;
	while ((step = sqlite3_step(st)) == SQLITE_ROW) {
		if (n == cap) {
			size_t c2 = cap ? cap * 2 : 16;
			void *p = mem_realloc(d, c2 * sizeof(*d));
			if (!p) {
				sqlite3_finalize(st);
				mem_free(d);
				return node_fail(ctx, -ENOMEM, M_FAILED, node_reason(ctx->lang, -ENOMEM));
			}
			d = p;
			cap = c2;
		}
		struct node_dup *x = &d[n++];
		app_col_text(st, 0, hash, sizeof(hash));
		app_col_text(st, 1, x->id, sizeof(x->id));
		app_col_text(st, 2, x->station, sizeof(x->station));
		app_col_text(st, 3, x->name, sizeof(x->name));
		app_col_text(st, 4, last4, sizeof(last4));
		app_idnum_mask(last4, x->mask, sizeof(x->mask));
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
		return node_fail_store(ctx, ERR_STORAGE);
	}
	if ((rc = node_sql(ctx, &st, uncovered, NULL))) {
		mem_free(d);
		return rc;
	}
	if (sqlite3_step(st) == SQLITE_ROW)
		nun = sqlite3_column_int64(st, 0);
	sqlite3_finalize(st);

	if (ctx->json) {
		struct node_json j;
		node_json_init(&j, stdout);
		node_json_obj(&j);
		node_json_key(&j, "duplicates");
		node_json_arr(&j);
		for (size_t i = 0; i < n; i++) {
			if (i == 0 || d[i].group != d[i - 1].group) {
				if (i)
					node_json_end_arr(&j), node_json_end_obj(&j);
				node_json_obj(&j);
				node_json_kstr(&j, "id_number", d[i].mask);
				node_json_key(&j, "volunteers");
				node_json_arr(&j);
			}
			node_json_obj(&j);
			node_json_kstr(&j, "id", d[i].id);
			node_json_kstr(&j, "station", d[i].station);
			node_json_kstr(&j, "name", d[i].name);
			node_json_end_obj(&j);
		}
		if (n)
			node_json_end_arr(&j), node_json_end_obj(&j);
		node_json_end_arr(&j);
		node_json_kint(&j, "count", (int64_t)groups);
		node_json_kint(&j, "uncovered", nun);
		node_json_end_obj(&j);
	} else if (!n) {
		node_say(ctx, M_DUP_NONE);
	} else {
		const char *head[5] = { node_msg(ctx->lang, M_DCOL_GROUP), node_msg(ctx->lang, M_COL_ID),
					node_msg(ctx->lang, M_COL_STATION), node_msg(ctx->lang, M_COL_NAME),
					node_msg(ctx->lang, M_DCOL_IDNUM) };
		struct node_table t;
		char g[24];
		node_say(ctx, M_DUP_FOUND, groups);
		node_table_init(&t, 5, head);
		t.right[0] = true;
		for (size_t i = 0; i < n; i++) {
			const char *cells[5] = { g, d[i].id, d[i].station, d[i].name, d[i].mask };
			snprintf(g, sizeof(g), "%zu", d[i].group);
			node_table_row(&t, cells);
		}
		if (t.err)
			rc = node_fail(ctx, t.err, M_FAILED, node_reason(ctx->lang, t.err));
		else
			node_table_print(&t, stdout);
		node_table_release(&t);
	}
	if (!ctx->json && nun > 0)
		node_say(ctx, M_DUP_UNCOVERED, nun);
	mem_free(d);
	return rc;
}

int node_cmd_report(struct node_ctx *ctx, int argc, char **argv)
{
	struct node_opt op[] = { { "by", true, NULL }, { "format", true, NULL }, { "duplicates", false, NULL } };
	const char *pos[1];
	size_t npos;
	struct node_report r;
	char key[256];
	int rc = node_opts_parse(ctx, argc, argv, op, NOPTS(op), pos, 0, &npos);
	if (rc)
		return rc > 0 ? 0 : rc;
	if (op[2].val) {
		if (op[0].val || (op[1].val && strcmp(op[1].val, "table") && strcmp(op[1].val, "json")))
			return node_fail(ctx, ERR_USAGE, M_DUP_BAD_WITH);
		if (op[1].val && strcmp(op[1].val, "json") == 0)
			ctx->json = true;
		if ((rc = node_open(ctx)))
			return rc;
		if (!ctx->app.hub)
			return node_fail(ctx, ERR_RULE, M_DUP_HUB_ONLY);
		return node_report_duplicates(ctx);
	}
	const char *by = op[0].val ? op[0].val : "station";
	const char *format = op[1].val ? op[1].val : ctx->json ? "json" : "table";
	if (strcmp(by, "station") && strcmp(by, "town") && strcmp(by, "category") && strcmp(by, "month"))
		return node_fail(ctx, ERR_USAGE, M_BAD_BY, by);
	if (strcmp(format, "table") && strcmp(format, "json") && strcmp(format, "csv"))
		return node_fail(ctx, ERR_USAGE, M_BAD_FORMAT, format);
	if ((rc = node_open(ctx)))
		return rc;
	memset(&r, 0, sizeof(r));
	node_report_key(by, "o.station", key, sizeof(key));
	if ((rc = node_report_orders(ctx, &r, key)) || (rc = node_report_orders(ctx, &r, "'*'")) ||
	    (rc = node_report_points(ctx, &r, by, false)) ||
	    (rc = node_report_points(ctx, &r, by, true)))
		goto out;
	if ((strcmp(by, "station") == 0 || strcmp(by, "town") == 0) && (rc = node_report_names(ctx, &r)))
		goto out;
	bool last = strcmp(by, "station") == 0;
	int ncols = last ? 17 : 16;
	if (last && (rc = node_report_last_sync(ctx, &r)))
		goto out;
	if (r.n)
		qsort(r.g, r.n, sizeof(*r.g), node_group_cmp);

	if (strcmp(format, "json") == 0) {
		struct node_json j;
		node_json_init(&j, stdout);
		node_json_obj(&j);
		node_json_kstr(&j, "by", by);
		node_json_key(&j, "groups");
		node_json_arr(&j);
		for (size_t i = 0; i < r.n; i++)
			node_report_json_group(&j, &r.g[i], true, last);
		node_json_end_arr(&j);
		node_json_key(&j, "total");
		node_report_json_group(&j, &r.total, false, false);
		node_json_end_obj(&j);
	} else if (strcmp(format, "csv") == 0) {
		for (int i = 0; i < ncols; i++)
			node_csv_field(stdout, node_report_csv_head[i], i == ncols - 1);
		for (size_t i = 0; i < r.n; i++)
			node_report_csv_row(&r.g[i], r.g[i].key, r.g[i].name, ncols);
		node_report_csv_row(&r.total, "total", "", ncols);
	} else {
		static const enum node_msg_id heads[17] = {
			M_RCOL_GROUP, M_COL_NAME,   M_RCOL_ORDERS, M_ST_OPEN,	  M_ST_DISPATCHED,
			M_ST_ACCEPTED, M_ST_DONE,   M_ST_RATED,	   M_ST_CANCELLED, M_RCOL_RATE,
			M_RCOL_AVG,   M_RCOL_SATISFIED, M_RCOL_ACTIVE, M_RCOL_HOURS, M_RCOL_ISSUED,
			M_RCOL_REDEEMED, M_RCOL_LAST_SYNC,
		};
		const char *head[17];
		struct node_table t;
		char b[17][48];
		const char *cells[17];
		for (int i = 0; i < ncols; i++)
			head[i] = node_msg(ctx->lang, heads[i]);
		node_table_init(&t, (size_t)ncols, head);
		for (int i = 2; i < 16; i++)
			t.right[i] = true;
		for (size_t i = 0; i < r.n; i++) {
			node_report_cells(&r.g[i], r.g[i].key, r.g[i].name[0] ? r.g[i].name : "-", b, cells);
			node_table_row(&t, cells);
		}
		node_report_cells(&r.total, node_msg(ctx->lang, M_RCOL_TOTAL), "", b, cells);
		cells[16] = "";
		node_table_row(&t, cells);
		if (t.err)
			rc = t.err;
		else
			node_table_print(&t, stdout);
		node_table_release(&t);
	}
out:
	mem_free(r.g);
	return rc && !ctx->said ? node_fail_store(ctx, rc) : rc;
}
