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
#include "app/idnum.h"
#include "app/report.h"
#include "node/node.h"

static double node_ratio(int64_t a, int64_t b)
{
	return b ? (double)a / (double)b : 0;
}

static void node_report_json_group(struct node_json *j, const struct app_report_group *g, bool named,
				   bool last)
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
static void node_report_cells(const struct app_report_group *g, const char *key, const char *name,
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
	for (int i = 0; i < APP_ST_N; i++, c++) {
		snprintf(buf[c], 48, "%lld", (long long)g->st[i]);
		cells[c] = buf[c];
	}
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
static void node_report_csv_row(const struct app_report_group *g, const char *key, const char *name,
				int ncols)
{
	char b[17][48];
	const char *c[17];
	node_report_cells(g, key, name, b, c);
	/* CSV is for machines: plain ratios, not percentages */
	snprintf(b[9], 48, "%.4f", node_ratio(g->st[APP_ST_DONE] + g->st[APP_ST_RATED], g->orders));
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
	enum app_report_by by = APP_BY_STATION;
	const char *byname = node_arg(a, "by"), *format = node_arg(a, "format");
	int rc;

	if (node_flag(a, "duplicates")) {
		if (byname || (format && strcmp(format, "table") && strcmp(format, "json")))
			return node_fail(ctx, ERR_USAGE, M_DUP_BAD_WITH);
		if (format && strcmp(format, "json") == 0)
			ctx->json = true;
		if ((rc = node_open(ctx)))
			return rc;
		return node_report_duplicates(ctx);
	}
	if (node_flag(a, "top")) { /* recognition (cmd_team.c): a table or JSON */
		if (format && strcmp(format, "table") && strcmp(format, "json"))
			return node_fail(ctx, ERR_USAGE, M_BAD_FORMAT, format);
		if (format && strcmp(format, "json") == 0)
			ctx->json = true;
		return node_report_top(ctx, node_arg(a, "period"), byname);
	}
	if (byname && app_report_by_parse(byname, &by))
		return node_fail(ctx, ERR_USAGE, M_BAD_BY, byname);
	if (!format)
		format = ctx->json ? "json" : "table";
	if (strcmp(format, "table") && strcmp(format, "json") && strcmp(format, "csv"))
		return node_fail(ctx, ERR_USAGE, M_BAD_FORMAT, format);
	if ((rc = node_open(ctx)))
		return rc;
	if ((rc = app_report_build(&ctx->app, by, &r)))
		return node_fail_app(ctx, rc);
	const char *by_s = byname ? byname : "station";
	bool last = by == APP_BY_STATION;
	int ncols = last ? 17 : 16;

	if (strcmp(format, "json") == 0) {
		struct node_json j;
		node_json_init(&j, stdout);
		node_json_obj(&j);
		node_json_kstr(&j, "by", by_s);
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
		node_activity_report(ctx, 0, 0); /* activities counted (issue 17) */
	}
	app_report_release(&r);
	return rc ? node_fail_store(ctx, rc) : 0;
}
