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
 */
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sqlite3.h>

#include "base/err.h"
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

/* R1: (volunteer, ms, hours) of every piece of work counted. */
#define TOP_WORK \
	"SELECT o.volunteer AS vid, coalesce((SELECT max(e.at) FROM order_events_live e" \
	"  WHERE e.\"order\" = o.pk AND e.to_status = 'done'), o.updated_at, o.created_at) AS at," \
	"  o.hours AS h FROM orders_live o WHERE o.status IN ('done', 'rated') AND o.hours > 0" \
	" UNION ALL SELECT p.volunteer, p.at, p.hours FROM points_live p" \
	"  WHERE p.hours > 0 AND p.at IS NOT NULL AND (p.reason = 'hours' OR (p.reason = 'service'" \
	"  AND NOT EXISTS (SELECT 1 FROM orders_live o WHERE o.pk = p.\"order\")))"

static const char *const top_period_sql[] = {
	[APP_TOP_MONTH] = "strftime('%Y-%m', w.at / 1000, 'unixepoch', 'localtime')",
	[APP_TOP_QUARTER] = "strftime('%Y', w.at / 1000, 'unixepoch', 'localtime') || '-Q' ||"
			    " ((CAST(strftime('%m', w.at / 1000, 'unixepoch', 'localtime') AS INTEGER) + 2) / 3)",
};
static const char *const top_group_sql[] = {
	[APP_TOP_COUNTY] = "''",
	[APP_TOP_STATION] = "v.station",
	[APP_TOP_TOWN] = "coalesce(nullif((SELECT s.parent FROM stations_live s WHERE s.pk = v.station), ''), '-')",
};

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
	char sql[2048], lim[16], from[24], to[24];
	sqlite3_stmt *st;
	double all;
	int rc, stop = 0;

	if (limit < 1 || limit > 100)
		limit = 10;
	snprintf(lim, sizeof(lim), "%d", limit);
	/* the range (range.h): work done in [from, to); open ends as far as
	 * an int64 reaches */
	snprintf(from, sizeof(from), "%lld", (long long)(from_ms > 0 ? from_ms : INT64_MIN));
	snprintf(to, sizeof(to), "%lld", (long long)(to_ms > 0 ? to_ms : INT64_MAX));
	if ((rc = app_settings_load(a, &set)))
		return rc;
	int len = snprintf(sql, sizeof(sql),
			   "SELECT period, grp, rnk, vid, name, station, hours FROM ("
			   " SELECT period, grp, vid, name, station, hours, row_number() OVER"
			   "  (PARTITION BY period, grp ORDER BY hours DESC, vid) AS rnk FROM ("
			   "  SELECT %s AS period, %s AS grp, v.pk AS vid, v.name AS name,"
			   "   v.station AS station, sum(w.h) AS hours"
			   "  FROM (" TOP_WORK ") w JOIN volunteers_live v ON v.pk = w.vid"
			   "  WHERE w.at >= CAST(?2 AS INTEGER) AND w.at < CAST(?3 AS INTEGER)"
			   "  GROUP BY period, grp, v.pk))"
			   " WHERE rnk <= CAST(?1 AS INTEGER) ORDER BY period DESC, grp, rnk",
			   top_period_sql[p], top_group_sql[by]);
	if (len < 0 || (size_t)len >= sizeof(sql))
		return app_failf(a, ERR_TOOBIG, APP_W_FAILED, 0);
	if ((rc = app_sql(a, &st, sql, lim, from, to, NULL)))
		return rc;
	while (!stop && (rc = sqlite3_step(st)) == SQLITE_ROW) {
		memset(&r, 0, sizeof(r));
		app_col_text(st, 0, r.period, sizeof(r.period));
		app_col_text(st, 1, r.group, sizeof(r.group));
		r.rank = sqlite3_column_int(st, 2);
		app_col_text(st, 3, r.id, sizeof(r.id));
		app_col_text(st, 4, r.name, sizeof(r.name));
		app_col_text(st, 5, r.station, sizeof(r.station));
		r.hours = sqlite3_column_double(st, 6);
		if (app_volunteer_hours(a, r.id, &all)) {
			sqlite3_finalize(st);
			return app_fail_store(a, ERR_STORAGE);
		}
		r.stars = app_stars(&set, all);
		stop = fn(arg, &r);
	}
	sqlite3_finalize(st);
	if (stop)
		return stop;
	return rc == SQLITE_DONE ? 0 : app_fail_store(a, ERR_STORAGE);
}
