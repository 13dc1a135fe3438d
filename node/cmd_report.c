// SPDX-License-Identifier: MIT
/*
 * cmd_report.c - `cunlian report`: the county report (app/report.c) as a
 * table, JSON or CSV, and `report --duplicates` (hub only).
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "base/err.h"
#include "base/mem.h"
#include "app/activity.h"
#include "app/idnum.h"
#include "app/range.h"
#include "app/report.h"
#include "node/node.h"

static double node_ratio(int64_t a, int64_t b)
{
	return b ? (double)a / (double)b : 0;
}

static void node_report_json_group(struct node_json *j, const struct app_report *r,
				   const struct app_report_group *g, bool named, bool last)
{
	node_json_obj(j);
	if (named) {
		node_json_kstr(j, "key", g->key);
		node_json_kstr(j, "name", g->name[0] ? g->name : NULL);
	}
	node_json_kint(j, "orders", g->orders);
	for (int i = 0; i < APP_ST_N; i++)
		node_json_kint(j, app_report_status[i], g->st[i]);
	node_json_kreal(j, "completion_rate", node_ratio(g->st[APP_ST_DONE] + g->st[APP_ST_RATED], g->orders));
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
	node_json_kint(j, "registered_volunteers", g->registered);
	node_json_kint(j, "new_volunteers", g->new_vols);
	node_json_kint(j, "wishes", g->wishes);
	node_json_kint(j, "wishes_done", g->wishes_done);
	node_json_key(j, "activities");
	if (r->has_activities)
		node_json_int(j, g->activities);
	else
		node_json_null(j);
	if (last) {
		node_json_key(j, "last_sync");
		if (g->last_sync)
			node_json_int(j, (int64_t)g->last_sync);
		else
			node_json_null(j);
	}
	node_json_end_obj(j);
}

/* By category: a category not on the service menu (an old free-text,
 * renamed or retired one) is named so (app/report.h). */
static void node_report_unlisted(const struct node_ctx *ctx, struct app_report *r)
{
	for (size_t i = 0; r->by == APP_BY_CATEGORY && i < r->n; i++)
		if (r->g[i].unlisted)
			snprintf(r->g[i].name, sizeof(r->g[i].name), "%s",
				 node_msg(ctx->lang, M_REPORT_NOT_LISTED));
}

/* The report's columns: these, then activities when counted, then last
 * sync by station. */
enum { NODE_RC_BASE = 21, NODE_RC_MAX = 26 };

/* The cells of one group, as text; cells point into buf. Returns how
 * many. */
static int node_report_cells(const struct app_report *r, const struct app_report_group *g,
			     const char *key, const char *name, char buf[NODE_RC_MAX][48],
			     const char **cells)
{
	int c = 0;
#define NODE_RC_INT(v) (snprintf(buf[c], 48, "%lld", (long long)(v)), cells[c] = buf[c], c++)
	cells[c++] = key;
	cells[c++] = name;
	NODE_RC_INT(g->orders);
	for (int i = 0; i < APP_ST_N; i++)
		NODE_RC_INT(g->st[i]);
	snprintf(buf[c], 48, "%.1f%%",
		 100 * node_ratio(g->st[APP_ST_DONE] + g->st[APP_ST_RATED], g->orders));
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
	NODE_RC_INT(g->active);
	app_real_fmt(g->hours, buf[c], 48);
	cells[c] = buf[c];
	c++;
	NODE_RC_INT(g->issued);
	NODE_RC_INT(g->redeemed);
	NODE_RC_INT(g->registered);
	NODE_RC_INT(g->new_vols);
	NODE_RC_INT(g->wishes);
	NODE_RC_INT(g->wishes_done);
	if (r->has_activities)
		NODE_RC_INT(g->activities);
#undef NODE_RC_INT
	if (r->by == APP_BY_STATION) {
		if (g == &r->total)
			buf[c][0] = '\0';
		else if (g->last_sync)
			app_time_fmt(g->last_sync, buf[c], 48);
		else
			snprintf(buf[c], 48, "-");
		cells[c] = buf[c];
		c++;
	}
	return c;
}

/* The table or CSV of the report: the same columns and cells; CSV
 * streams after its BOM (list.c). The table then says the activities'
 * seats, check-ins and hours in a line (node_activity_report); CSV has
 * no room for a line of prose, so it carries them in three more
 * columns, filled on the total row only (c: NULL when not counted). */
static int node_report_table(struct node_ctx *ctx, const struct app_report *r,
			     const struct app_activity_counts *c)
{
	static const enum node_msg_id heads[NODE_RC_BASE] = {
		M_RCOL_GROUP,	  M_COL_NAME,	    M_RCOL_ORDERS,  M_ST_OPEN,	      M_ST_DISPATCHED,
		M_ST_ACCEPTED,	  M_ST_DONE,	    M_ST_RATED,	    M_ST_CANCELLED,   M_RCOL_RATE,
		M_RCOL_AVG,	  M_RCOL_SATISFIED, M_RCOL_ACTIVE,  M_RCOL_HOURS,     M_RCOL_ISSUED,
		M_RCOL_REDEEMED,  M_RCOL_REGISTERED, M_RCOL_NEW,    M_RCOL_WISHES,    M_RCOL_WISHES_DONE,
		M_RCOL_ACTIVITIES,
	};
	const char *head[NODE_RC_MAX];
	struct node_table t;
	char b[NODE_RC_MAX][48];
	const char *cells[NODE_RC_MAX];
	int n = 0, rc = 0;
	for (int i = 0; i < NODE_RC_BASE - 1; i++)
		head[n++] = node_msg(ctx->lang, heads[i]);
	if (r->has_activities)
		head[n++] = node_msg(ctx->lang, M_RCOL_ACTIVITIES);
	if (r->by == APP_BY_STATION)
		head[n++] = node_msg(ctx->lang, M_RCOL_LAST_SYNC);
	int extra = n; /* the CSV's activity columns start here */
	if (ctx->csv && c) {
		head[n++] = node_msg(ctx->lang, M_RCOL_ACT_SEATS);
		head[n++] = node_msg(ctx->lang, M_RCOL_ACT_IN);
		head[n++] = node_msg(ctx->lang, M_RCOL_ACT_HOURS);
	}
	node_table_init(&t, (size_t)n, head);
	for (int i = 2; i < n; i++)
		t.right[i] = true;
	if (r->by == APP_BY_STATION)
		t.right[n - 1] = false;
	if (ctx->csv)
		node_csv_begin(&t);
	for (int i = extra; i < n; i++)
		cells[i] = "";
	for (size_t i = 0; i < r->n; i++) {
		node_report_cells(r, &r->g[i], r->g[i].key, r->g[i].name[0] ? r->g[i].name : "-", b, cells);
		node_table_row(&t, cells);
	}
	node_report_cells(r, &r->total, node_msg(ctx->lang, M_RCOL_TOTAL), "", b, cells);
	char ab[3][48];
	if (ctx->csv && c) {
		snprintf(ab[0], sizeof(ab[0]), "%lld", (long long)c->seats);
		snprintf(ab[1], sizeof(ab[1]), "%lld", (long long)c->attended);
		app_real_fmt(c->hours, ab[2], sizeof(ab[2]));
		for (int i = 0; i < 3; i++)
			cells[extra + i] = ab[i];
	}
	node_table_row(&t, cells);
	if (t.err)
		rc = t.err;
	else if (!ctx->csv)
		node_table_print(&t, stdout);
	node_table_release(&t);
	return rc;
}

static int node_report_duplicates(struct node_ctx *ctx)
{
	struct app_dup *d = NULL;
	size_t n = 0, groups = 0;
	int64_t uncovered = 0;
	int rc = app_report_duplicates(&ctx->app, &d, &n, &groups, &uncovered);
	if (rc)
		return node_fail_app(ctx, rc);
	char mask[32]; /* the number masked: its last four only */
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
				app_idnum_mask(d[i].last4, mask, sizeof(mask));
				node_json_kstr(&j, "id_number", mask);
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
		node_json_kint(&j, "uncovered", uncovered);
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
			const char *cells[5] = { g, d[i].id, d[i].station, d[i].name, mask };
			snprintf(g, sizeof(g), "%zu", d[i].group);
			app_idnum_mask(d[i].last4, mask, sizeof(mask));
			node_table_row(&t, cells);
		}
		if (t.err)
			rc = node_fail(ctx, t.err, M_FAILED, node_reason(ctx->lang, t.err));
		else
			node_table_print(&t, stdout);
		node_table_release(&t);
	}
	if (!ctx->json && uncovered > 0)
		node_say(ctx, M_DUP_UNCOVERED, (long long)uncovered);
	mem_free(d);
	return rc;
}

int node_cmd_report(struct node_ctx *ctx, const struct node_args *a)
{
	struct app_report r;
	struct app_range range;
	enum app_report_by by = APP_BY_STATION;
	const char *byname = node_arg(a, "by"), *format = node_arg(a, "format");
	int rc;

	if (node_flag(a, "duplicates")) {
		if (byname || node_arg(a, "from") || node_arg(a, "to") ||
		    (format && strcmp(format, "table") && strcmp(format, "json")))
			return node_fail(ctx, ERR_USAGE, M_DUP_BAD_WITH);
		if (format && strcmp(format, "json") == 0)
			ctx->json = true;
		if ((rc = node_open(ctx)))
			return rc;
		return node_report_duplicates(ctx);
	}
	if ((rc = node_format_take(ctx, a)) || (rc = node_range_take(ctx, a, &range)))
		return rc;
	if (node_flag(a, "top")) /* recognition (cmd_team.c) */
		return node_report_top(ctx, node_arg(a, "period"), byname, &range);
	if (byname && app_report_by_parse(byname, &by))
		return node_fail(ctx, ERR_USAGE, M_BAD_BY, byname);
	if ((rc = node_open(ctx)))
		return rc;
	if ((rc = app_report_build_range(&ctx->app, by, range.from_ms, range.to_ms, &r)))
		return node_fail_app(ctx, rc);
	node_report_unlisted(ctx, &r);
	bool last = by == APP_BY_STATION;
	/* the activities' seats, check-ins and hours in the range (issue 17) */
	struct app_activity_counts ac;
	bool has_ac = r.has_activities && !app_activity_counts(&ctx->app, r.from_ms, r.to_ms, &ac);
	app_fail_clear(&ctx->app);

	if (ctx->json) {
		struct node_json j;
		node_json_init(&j, stdout);
		node_json_obj(&j);
		node_json_kstr(&j, "by", app_report_by_name(by));
		node_json_kstr(&j, "from", node_arg(a, "from"));
		node_json_kstr(&j, "to", node_arg(a, "to"));
		node_json_key(&j, "groups");
		node_json_arr(&j);
		for (size_t i = 0; i < r.n; i++)
			node_report_json_group(&j, &r, &r.g[i], true, last);
		node_json_end_arr(&j);
		node_json_key(&j, "total");
		node_report_json_group(&j, &r, &r.total, false, false);
		node_json_key(&j, "activity_summary");
		if (has_ac) {
			node_json_obj(&j);
			node_json_kint(&j, "activities", ac.activities);
			node_json_kint(&j, "open", ac.open);
			node_json_kint(&j, "seats", ac.seats);
			node_json_kint(&j, "checked_in", ac.attended);
			node_json_kreal(&j, "hours", ac.hours);
			node_json_end_obj(&j);
		} else {
			node_json_null(&j);
		}
		node_json_end_obj(&j);
	} else {
		rc = node_report_table(ctx, &r, has_ac ? &ac : NULL);
		if (!rc && !ctx->csv) /* seats, check-ins and hours of those activities */
			node_activity_report(ctx, r.from_ms, r.to_ms);
	}
	app_report_release(&r);
	return rc ? node_fail_store(ctx, rc) : 0;
}
