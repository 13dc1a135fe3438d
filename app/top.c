// SPDX-License-Identifier: MIT
/*
 * top.c - recognition (team.h): the volunteers with the most hours in
 * each month or quarter, county-wide or by station or town (优秀志愿者).
 *
 * Rules:
 *  R1. A volunteer's hours of a period are the hours of its finished
 *      orders held here, by when the order was finished (its last event
 *      to done, else its last change), the hours of service credits of
 *      orders not held here and of hours recorded outside orders (points
 *      rows "service" and "hours"), by when they were written. So the
 *      hours counted are app_volunteer_hours()'s, split by time.
 *  R2. Periods are local-time calendar months ("2026-12") or quarters
 *      ("2026-Q4"); newest first. Within a period and group, the most
 *      hours first, ties by volunteer id; at most limit per group.
 *  R3. Only volunteers held here (volunteers_live) are listed; a
 *      volunteer's group is its home station, or that station's parent
 *      (its town; "-" when none is known).
 *  R4. One pass (issue 15: the grouped SQL took 2.8 s of CPU at a city
 *      hub of 600,000 finished orders): the work of both kinds read by
 *      volunteer id from their indexes beside the volunteers read by id,
 *      summed per volunteer and period in C, then sorted once by R2's
 *      order and cut at limit per period and group.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <sqlite3.h>

#include "base/err.h"
#include "base/mem.h"
#include "app/team.h"
#include "app/volunteer.h"

int app_top_period_parse(const char *s, enum app_top_period *p)
{
	if (s && strcmp(s, "month") == 0)
		*p = APP_TOP_MONTH;
	else if (s && strcmp(s, "quarter") == 0)
		*p = APP_TOP_QUARTER;
	else
		return ERR_USAGE;
	return 0;
}

int app_top_by_parse(const char *s, enum app_top_by *by)
{
	if (s && strcmp(s, "station") == 0)
		*by = APP_TOP_STATION;
	else if (s && strcmp(s, "town") == 0)
		*by = APP_TOP_TOWN;
	else if (s && strcmp(s, "county") == 0)
		*by = APP_TOP_COUNTY;
	else
		return ERR_USAGE;
	return 0;
}

/* R1: the work of finished orders, then of points rows, each by
 * volunteer in id order, so one pass beside the volunteers in id order
 * joins them (R4). Each table is read whole and what qualifies sorted
 * ("+": not by the volunteer indexes, which would fetch every row of the
 * table by its pk to test the rest: 0.47 s against 0.09 s for the points
 * of the city hub, none of which qualify). */
#define TOP_WORK_ORDERS \
	"SELECT o.volunteer, coalesce((SELECT max(e.at) FROM order_events_live e" \
	"  WHERE e.\"order\" = o.pk AND e.to_status = 'done'), o.updated_at, o.created_at), o.hours" \
	" FROM orders_live o WHERE o.status IN ('done', 'rated') AND o.hours > 0" \
	" AND +o.volunteer IS NOT NULL ORDER BY +o.volunteer"
#define TOP_WORK_POINTS \
	"SELECT p.volunteer, p.at, p.hours FROM points_live p" \
	"  WHERE p.hours > 0 AND p.at IS NOT NULL AND (p.reason = 'hours' OR (p.reason = 'service'" \
	"  AND NOT EXISTS (SELECT 1 FROM orders_live o WHERE o.pk = p.\"order\")))" \
	"  AND +p.volunteer IS NOT NULL ORDER BY +p.volunteer"

static const char *const top_period_sql[] = {
	[APP_TOP_MONTH] = "SELECT strftime('%Y-%m', ?1 / 1000, 'unixepoch', 'localtime')",
	[APP_TOP_QUARTER] = "SELECT strftime('%Y', ?1 / 1000, 'unixepoch', 'localtime') || '-Q' ||"
			    " ((CAST(strftime('%m', ?1 / 1000, 'unixepoch', 'localtime') AS INTEGER) + 2) / 3)",
};
static const char *const top_group_sql[] = {
	[APP_TOP_COUNTY] = "''",
	[APP_TOP_STATION] = "v.station",
	[APP_TOP_TOWN] = "coalesce(nullif((SELECT s.parent FROM stations_live s WHERE s.pk = v.station), ''), '-')",
};

/* One volunteer's hours of one period and group (R4). */
struct top_sum {
	char period[16];
	size_t grp, vid; /* offsets in the run's texts */
	const char *gp, *vp; /* the same, once every text is in */
	double hours;
};

/* A run of app_top_list_range: the three streams, the sums made, their
 * texts. */
struct top_run {
	struct app *a;
	enum app_top_period p;
	sqlite3_stmt *work[2], *vols, *period;
	bool more[2], vmore;
	int64_t from, to;
	struct top_sum *s;
	size_t n, cap;
	char *text;
	size_t tlen, tcap;
};

static int top_text(struct top_run *t, const char *s, size_t *off)
{
	size_t len = strlen(s);
	int rc = MEM_GROW(t->text, t->tcap, t->tlen + len + 1);
	if (rc)
		return rc;
	memcpy(t->text + t->tlen, s, len + 1);
	*off = t->tlen;
	t->tlen += len + 1;
	return 0;
}

/* The period of a time (R2), as SQLite's strftime gives it: made here
 * with localtime_r for whole ms of 1971-2037 (where SQLite calls it),
 * else by SQLite (t->period bound with the value as it is). */
static int top_period(struct top_run *t, sqlite3_value *at, char *out, size_t n)
{
	int64_t ms = sqlite3_value_int64(at);
	if (sqlite3_value_type(at) == SQLITE_INTEGER && ms >= 34000000000LL && ms < 2100000000000LL) {
		time_t s = (time_t)(ms / 1000);
		struct tm tm;
		if (localtime_r(&s, &tm)) {
			if (t->p == APP_TOP_MONTH)
				snprintf(out, n, "%04d-%02d", (tm.tm_year + 1900) % 10000, (tm.tm_mon + 1) % 100);
			else
				snprintf(out, n, "%04d-Q%d", (tm.tm_year + 1900) % 10000, (tm.tm_mon + 3) / 3 % 10);
			return 0;
		}
	}
	sqlite3_reset(t->period);
	if (sqlite3_bind_value(t->period, 1, at) != SQLITE_OK ||
	    sqlite3_step(t->period) != SQLITE_ROW)
		return app_fail_store(t->a, ERR_STORAGE);
	app_col_text(t->period, 0, out, n);
	return 0;
}

/* Add the rows of volunteer vid (of group grp, when held) from both
 * work streams, summed by period. */
static int top_volunteer(struct top_run *t, const char *vid, const char *grp, bool held)
{
	size_t first = t->n, vo = 0, go = 0;
	int rc;
	if (held && ((rc = top_text(t, vid, &vo)) || (rc = top_text(t, grp, &go))))
		return rc;
	for (int w = 0; w < 2; w++) {
		sqlite3_stmt *st = t->work[w];
		while (t->more[w]) {
			const char *v = (const char *)sqlite3_column_text(st, 0);
			if (!v || strcmp(v, vid) != 0)
				break;
			sqlite3_value *at = sqlite3_column_value(st, 1);
			int ty = sqlite3_value_type(at);
			bool in = ty == SQLITE_INTEGER ? sqlite3_value_int64(at) >= t->from &&
							   sqlite3_value_int64(at) < t->to
				  : ty == SQLITE_FLOAT ? sqlite3_value_double(at) >= (double)t->from &&
							 sqlite3_value_double(at) < (double)t->to
						       : false;
			if (held && in) {
				char period[16];
				size_t i;
				if ((rc = top_period(t, at, period, sizeof(period))))
					return rc;
				for (i = first; i < t->n && strcmp(t->s[i].period, period) != 0; i++)
					;
				if (i == t->n) {
					if ((rc = MEM_GROW(t->s, t->cap, t->n + 1)))
						return rc;
					memset(&t->s[i], 0, sizeof(t->s[i]));
					memcpy(t->s[i].period, period, sizeof(period));
					t->s[i].vid = vo;
					t->s[i].grp = go;
					t->n++;
				}
				t->s[i].hours += sqlite3_column_double(st, 2);
			}
			if ((rc = sqlite3_step(st)) != SQLITE_ROW) {
				if (rc != SQLITE_DONE)
					return app_fail_store(t->a, ERR_STORAGE);
				t->more[w] = false;
			}
		}
	}
	return 0;
}

/* R2's order: newest period first, then group, most hours, volunteer. */
static int top_cmp(const void *x, const void *y)
{
	const struct top_sum *a = x, *b = y;
	int c = strcmp(b->period, a->period);
	if (!c)
		c = strcmp(a->gp, b->gp);
	if (!c)
		c = a->hours > b->hours ? -1 : a->hours < b->hours ? 1 : 0;
	if (!c)
		c = strcmp(a->vp, b->vp);
	return c;
}

static void top_run_release(struct top_run *t)
{
	sqlite3_finalize(t->work[0]);
	sqlite3_finalize(t->work[1]);
	sqlite3_finalize(t->vols);
	sqlite3_finalize(t->period);
	mem_free(t->s);
	mem_free(t->text);
}

/* R4: the sums of every held volunteer, by a merge of the work (by
 * volunteer id) with the volunteers (by id): no look-up per row, and no
 * sort of the work. */
static int top_sums(struct top_run *t, enum app_top_by by)
{
	char sql[400];
	int rc;
	snprintf(sql, sizeof(sql), "SELECT v.pk, %s FROM volunteers_live v ORDER BY v.pk",
		 top_group_sql[by]);
	if ((rc = app_sql(t->a, &t->work[0], TOP_WORK_ORDERS, NULL)) ||
	    (rc = app_sql(t->a, &t->work[1], TOP_WORK_POINTS, NULL)) ||
	    (rc = app_sql(t->a, &t->vols, sql, NULL)) ||
	    (rc = app_sql(t->a, &t->period, top_period_sql[t->p], NULL)))
		return rc;
	for (int w = 0; w < 2; w++) {
		rc = sqlite3_step(t->work[w]);
		if (rc != SQLITE_ROW && rc != SQLITE_DONE)
			return app_fail_store(t->a, ERR_STORAGE);
		t->more[w] = rc == SQLITE_ROW;
	}
	rc = sqlite3_step(t->vols);
	if (rc != SQLITE_ROW && rc != SQLITE_DONE)
		return app_fail_store(t->a, ERR_STORAGE);
	t->vmore = rc == SQLITE_ROW;
	while (t->more[0] || t->more[1]) {
		char vid[APP_ID_MAX + 1], grp[APP_NAME_MAX + 1] = "";
		const char *v0 = t->more[0] ? (const char *)sqlite3_column_text(t->work[0], 0) : NULL;
		const char *v1 = t->more[1] ? (const char *)sqlite3_column_text(t->work[1], 0) : NULL;
		const char *v = !v0 ? v1 : !v1 ? v0 : strcmp(v0, v1) <= 0 ? v0 : v1;
		if (!v || strlen(v) > APP_ID_MAX) { /* no id a volunteer has: skip its rows */
			for (int w = 0; w < 2; w++)
				if (t->more[w] && (const char *)sqlite3_column_text(t->work[w], 0) == v &&
				    (rc = sqlite3_step(t->work[w])) != SQLITE_ROW) {
					if (rc != SQLITE_DONE)
						return app_fail_store(t->a, ERR_STORAGE);
					t->more[w] = false;
				}
			continue;
		}
		snprintf(vid, sizeof(vid), "%s", v);
		int c = 1;
		while (t->vmore) {
			const char *pk = (const char *)sqlite3_column_text(t->vols, 0);
			c = pk ? strcmp(pk, vid) : -1;
			if (c >= 0)
				break;
			if ((rc = sqlite3_step(t->vols)) != SQLITE_ROW) {
				if (rc != SQLITE_DONE)
					return app_fail_store(t->a, ERR_STORAGE);
				t->vmore = false;
			}
		}
		bool held = t->vmore && c == 0;
		if (held)
			app_col_text(t->vols, 1, grp, sizeof(grp));
		if ((rc = top_volunteer(t, vid, grp, held)))
			return rc;
	}
	return 0;
}

int app_top_list(struct app *a, enum app_top_period p, enum app_top_by by, int limit,
		 app_top_each_fn fn, void *arg)
{
	return app_top_list_range(a, p, by, limit, 0, 0, fn, arg);
}

int app_top_list_range(struct app *a, enum app_top_period p, enum app_top_by by, int limit,
		       int64_t from_ms, int64_t to_ms, app_top_each_fn fn, void *arg)
{
	struct app_settings set;
	struct app_top_row r;
	struct top_run t;
	sqlite3_stmt *who = NULL;
	double all;
	int rc, stop = 0, rank = 0;

	if (limit < 1 || limit > 100)
		limit = 10;
	if ((rc = app_settings_load(a, &set)))
		return rc;
	memset(&t, 0, sizeof(t));
	t.a = a;
	t.p = p;
	/* the range (range.h): work done in [from, to); open ends as far as
	 * an int64 reaches */
	t.from = from_ms > 0 ? from_ms : INT64_MIN;
	t.to = to_ms > 0 ? to_ms : INT64_MAX;
	if ((rc = top_sums(&t, by)) ||
	    (rc = app_sql(a, &who, "SELECT name, station FROM volunteers_live WHERE pk = ?1", NULL)))
		goto out;
	for (size_t i = 0; i < t.n; i++) {
		t.s[i].gp = t.text + t.s[i].grp;
		t.s[i].vp = t.text + t.s[i].vid;
	}
	if (t.n)
		qsort(t.s, t.n, sizeof(*t.s), top_cmp);
	for (size_t i = 0; i < t.n && !stop; i++) {
		const struct top_sum *s = &t.s[i];
		if (i == 0 || strcmp(s->period, t.s[i - 1].period) != 0 || strcmp(s->gp, t.s[i - 1].gp) != 0)
			rank = 0;
		if (++rank > limit)
			continue;
		memset(&r, 0, sizeof(r));
		snprintf(r.period, sizeof(r.period), "%s", s->period);
		snprintf(r.group, sizeof(r.group), "%s", s->gp);
		r.rank = rank;
		snprintf(r.id, sizeof(r.id), "%s", s->vp);
		r.hours = s->hours;
		sqlite3_reset(who);
		sqlite3_bind_text(who, 1, s->vp, -1, SQLITE_STATIC);
		if (sqlite3_step(who) == SQLITE_ROW) {
			app_col_text(who, 0, r.name, sizeof(r.name));
			app_col_text(who, 1, r.station, sizeof(r.station));
		}
		if (app_volunteer_hours(a, r.id, &all)) {
			rc = app_fail_store(a, ERR_STORAGE);
			goto out;
		}
		r.stars = app_stars(&set, all);
		stop = fn(arg, &r);
	}
	rc = stop;
out:
	sqlite3_finalize(who);
	top_run_release(&t);
	return rc;
}
