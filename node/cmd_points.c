// SPDX-License-Identifier: MIT
/*
 * cmd_points.c - volunteer points: balance, history, redeem; and the
 * county settings that decide how points and star levels are earned.
 *
 * Rules:
 *  P1. Points are a ledger: rows are only ever added; a balance is the sum.
 *  P2. Only the node holding a volunteer's spending right may redeem: the
 *      volunteer's home station, or the hub. So two disconnected stations
 *      can never both spend the same points.
 *  P3. A redemption that would take the balance below zero is refused,
 *      showing the balance.
 *  P4. Settings are county-wide (scope ""), written at the hub.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <sqlite3.h>

#include "base/err.h"
#include "node/node.h"

#define NOPTS(a) (sizeof(a) / sizeof((a)[0]))

/* The volunteer named on the command line; to spend (P2), a visiting
 * volunteer of another station is refused by the rule, not unknown. */
static int node_points_volunteer(struct node_ctx *ctx, int argc, char **argv, struct node_opt *op,
				 size_t nop, bool spend, struct node_volunteer *v, bool *help)
{
	char home[CRDT_SCOPE_MAX + 1];
	const char *id;
	int rc = node_parse_id(ctx, argc, argv, op, nop, M_NEED_VID, &id);
	*help = rc > 0;
	if (rc)
		return rc > 0 ? 0 : rc;
	if (spend && node_volunteer_load(ctx, id, v) == ERR_NOTFOUND &&
	    node_volunteer_visiting(ctx, id, home, sizeof(home)))
		return node_fail(ctx, ERR_RULE, M_REDEEM_VISITING, id, home, ctx->app.conf.station, home);
	return node_volunteer_need(ctx, id, v);
}

int node_cmd_points_balance(struct node_ctx *ctx, int argc, char **argv)
{
	struct node_volunteer v;
	int64_t bal;
	bool help;
	int rc = node_points_volunteer(ctx, argc, argv, NULL, 0, false, &v, &help);
	if (rc || help)
		return rc;
	if ((rc = node_points_balance(ctx, v.id, &bal)))
		return rc;
	if (ctx->json) {
		struct node_json j;
		node_json_init(&j, stdout);
		node_json_obj(&j);
		node_json_kstr(&j, "volunteer", v.id);
		node_json_kstr(&j, "name", v.name);
		node_json_kint(&j, "balance", bal);
		node_json_end_obj(&j);
	} else {
		node_say(ctx, M_BALANCE, v.name, v.id, (long long)bal);
	}
	return 0;
}

static const char *node_reason_name(const struct node_ctx *ctx, const char *r)
{
	if (strcmp(r, "service") == 0)
		return node_msg(ctx->lang, M_REASON_SERVICE);
	if (strcmp(r, "redeem") == 0)
		return node_msg(ctx->lang, M_REASON_REDEEM);
	if (strcmp(r, "adjust") == 0)
		return node_msg(ctx->lang, M_REASON_ADJUST);
	if (strcmp(r, "reversal") == 0)
		return node_msg(ctx->lang, M_REASON_REVERSAL);
	return r;
}

int node_cmd_points_history(struct node_ctx *ctx, int argc, char **argv)
{
	struct node_volunteer v;
	sqlite3_stmt *st;
	int64_t total = 0;
	bool help;
	int rc = node_points_volunteer(ctx, argc, argv, NULL, 0, false, &v, &help);
	if (rc || help)
		return rc;
	/* Rows written before points had a time take the time their order
	 * was finished, when they have one. */
	if ((rc = node_sql(ctx, &st,
			   "SELECT p.pk, p.delta, p.reason, p.\"order\", p.item, p.station,"
			   " coalesce(p.at, (SELECT max(e.at) FROM order_events e WHERE e.\"order\" = p.\"order\""
			   "   AND e.to_status = 'done' AND e._dead IS NULL))"
			   " FROM points p WHERE p.volunteer = ?1 AND p._dead IS NULL"
			   " ORDER BY p.station, CAST(substr(p.pk, instr(p.pk, '-p') + 2) AS INTEGER), p.pk",
			   v.id, NULL)))
		return rc;
	const char *head[] = { node_msg(ctx->lang, M_COL_ID),	   node_msg(ctx->lang, M_COL_POINTS),
			       node_msg(ctx->lang, M_COL_REASON),  node_msg(ctx->lang, M_COL_FOR),
			       node_msg(ctx->lang, M_COL_STATION), node_msg(ctx->lang, M_COL_TIME) };
	struct node_table t;
	struct node_json j;
	node_table_init(&t, 6, head);
	t.right[1] = true;
	node_json_init(&j, stdout);
	if (ctx->json) {
		node_json_obj(&j);
		node_json_kstr(&j, "volunteer", v.id);
		node_json_key(&j, "entries");
		node_json_arr(&j);
	}
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		char pid[NODE_ID_MAX + 1], reason[16], order[NODE_ID_MAX + 1], item[NODE_TEXT_MAX + 1],
			station[CRDT_SCOPE_MAX + 1], delta[32], when[32] = "-";
		app_col_text(st, 0, pid, sizeof(pid));
		int64_t d = sqlite3_column_int64(st, 1);
		app_col_text(st, 2, reason, sizeof(reason));
		app_col_text(st, 3, order, sizeof(order));
		app_col_text(st, 4, item, sizeof(item));
		app_col_text(st, 5, station, sizeof(station));
		bool has_at = sqlite3_column_type(st, 6) != SQLITE_NULL;
		int64_t at = sqlite3_column_int64(st, 6);
		total += d;
		if (ctx->json) {
			node_json_obj(&j);
			node_json_kstr(&j, "id", pid);
			node_json_kint(&j, "delta", d);
			node_json_kstr(&j, "reason", reason);
			node_json_kstr(&j, "order", order[0] ? order : NULL);
			node_json_kstr(&j, "item", item[0] ? item : NULL);
			node_json_kstr(&j, "station", station);
			node_json_key(&j, "at");
			if (has_at)
				node_json_int(&j, at);
			else
				node_json_null(&j);
			node_json_end_obj(&j);
			continue;
		}
		snprintf(delta, sizeof(delta), "%+lld", (long long)d);
		if (has_at)
			app_time_fmt((uint64_t)at, when, sizeof(when));
		const char *cells[] = { pid, delta, node_reason_name(ctx, reason),
					order[0] ? order : item[0] ? item : "-", station, when };
		node_table_row(&t, cells);
	}
	sqlite3_finalize(st);
	if (ctx->json) {
		node_json_end_arr(&j);
		node_json_kint(&j, "balance", total);
		node_json_end_obj(&j);
	} else {
		if (t.nrows)
			node_table_print(&t, stdout);
		node_say(ctx, M_BALANCE, v.name, v.id, (long long)total);
	}
	node_table_release(&t);
	return rc == SQLITE_DONE ? 0 : node_fail_store(ctx, ERR_STORAGE);
}

int node_cmd_points_redeem(struct node_ctx *ctx, int argc, char **argv)
{
	struct node_opt op[] = { { "points", true, NULL }, { "item", true, NULL } };
	struct node_volunteer v;
	struct crdt_write w;
	char pid[NODE_ID_MAX + 1];
	int64_t n, bal;
	bool help;
	int rc = node_points_volunteer(ctx, argc, argv, op, NOPTS(op), true, &v, &help);
	if (rc || help)
		return rc;
	if (!op[0].val || app_parse_int(op[0].val, 1, 1000000, &n))
		return node_fail(ctx, ERR_USAGE, M_BAD_POINTS, op[0].val ? op[0].val : "");
	if (!op[1].val || !app_text_ok(op[1].val, NODE_NAME_MAX))
		return node_fail(ctx, ERR_USAGE, M_REDEEM_NEEDS_ITEM);
	if ((rc = node_points_balance(ctx, v.id, &bal)))
		return rc;
	if (!app_may_write(&ctx->app, v.station)) /* P2 */
		return node_fail(ctx, ERR_RULE, M_REDEEM_NO_RIGHT, v.name, v.id, v.station,
				 ctx->app.conf.station, (long long)bal, v.station);
	if (bal < n) /* P3 */
		return node_fail(ctx, ERR_RULE, M_REDEEM_OVERDRAW, v.name, v.id, (long long)bal,
				 (long long)n);
	if ((rc = app_id_next(&ctx->app, "points", 'p', pid, sizeof(pid))))
		return rc;
	crdt_write_init(&w, crdt_schema_find("points")->id, CRDT_UPSERT, pid);
	crdt_write_text(&w, "volunteer", v.id);
	crdt_write_int(&w, "delta", -n);
	crdt_write_text(&w, "reason", "redeem");
	crdt_write_text(&w, "item", op[1].val);
	crdt_write_text(&w, "station", v.station);
	crdt_write_int(&w, "at", (int64_t)ctx->app.now_ms);
	if ((rc = node_commit(ctx, v.station, &w, 1)))
		return rc;
	if (ctx->json) {
		struct node_json j;
		node_json_init(&j, stdout);
		node_json_obj(&j);
		node_json_kstr(&j, "id", pid);
		node_json_kstr(&j, "volunteer", v.id);
		node_json_kint(&j, "points", n);
		node_json_kint(&j, "balance", bal - n);
		node_json_end_obj(&j);
	} else {
		node_say(ctx, M_REDEEMED, v.name, v.id, (long long)n, op[1].val, (long long)(bal - n), pid);
	}
	return 0;
}

/* ---- settings ---------------------------------------------------------- */

int node_cmd_settings_show(struct node_ctx *ctx, int argc, char **argv)
{
	const char *pos[1];
	size_t npos;
	struct app_settings s;
	char pph[32], stars[160] = "", one[32];
	int rc = node_opts_parse(ctx, argc, argv, NULL, 0, pos, 0, &npos);
	if (rc)
		return rc > 0 ? 0 : rc;
	if ((rc = node_open(ctx)) || (rc = app_settings_load(&ctx->app, &s)))
		return rc;
	app_real_fmt(s.points_per_hour, pph, sizeof(pph));
	for (int i = 0; i < 5; i++) {
		app_real_fmt(s.star_hours[i], one, sizeof(one));
		if (i)
			strcat(stars, ",");
		strcat(stars, one);
	}
	if (ctx->json) {
		struct node_json j;
		node_json_init(&j, stdout);
		node_json_obj(&j);
		node_json_kreal(&j, "points_per_hour", s.points_per_hour);
		node_json_key(&j, "star_hours");
		node_json_arr(&j);
		for (int i = 0; i < 5; i++)
			node_json_real(&j, s.star_hours[i]);
		node_json_end_arr(&j);
		node_json_end_obj(&j);
	} else {
		node_say(ctx, M_SETTINGS_SHOW, pph, stars);
	}
	return 0;
}

int node_cmd_settings_set(struct node_ctx *ctx, int argc, char **argv)
{
	struct node_opt op[] = { { "points-per-hour", true, NULL }, { "star-hours", true, NULL } };
	const char *pos[1];
	size_t npos, nw = 0;
	struct crdt_write w[2];
	double pph, h[5];
	char stars[160] = "", one[32], pphs[32];
	int rc = node_opts_parse(ctx, argc, argv, op, NOPTS(op), pos, 0, &npos);
	if (rc)
		return rc > 0 ? 0 : rc;
	if (!op[0].val && !op[1].val)
		return node_fail(ctx, ERR_USAGE, M_SET_NOTHING);
	if (op[0].val && app_parse_real(op[0].val, 0, 10000, &pph))
		return node_fail(ctx, ERR_USAGE, M_BAD_NUMBER, "--points-per-hour", op[0].val);
	if (op[1].val) {
		char buf[160], *save = NULL;
		int k = 0;
		bool ok = strlen(op[1].val) < sizeof(buf);
		snprintf(buf, sizeof(buf), "%s", op[1].val);
		for (char *p = strtok_r(buf, ",", &save); ok && p; p = strtok_r(NULL, ",", &save)) {
			if (k == 5 || app_parse_real(p, 0, 1e6, &h[k]) || (k && h[k] <= h[k - 1]))
				ok = false;
			else
				k++;
		}
		if (!ok || k != 5)
			return node_fail(ctx, ERR_USAGE, M_BAD_STARS, op[1].val);
		for (int i = 0; i < 5; i++) {
			app_real_fmt(h[i], one, sizeof(one));
			if (i)
				strcat(stars, ",");
			strcat(stars, one);
		}
	}
	if ((rc = node_open(ctx)))
		return rc;
	if (!ctx->app.hub) /* P4 */
		return node_fail(ctx, ERR_RULE, M_HUB_ONLY, "settings set");
	unsigned t = crdt_schema_find("settings")->id;
	if (op[0].val) {
		app_real_fmt(pph, pphs, sizeof(pphs));
		crdt_write_init(&w[nw], t, CRDT_UPSERT, "points_per_hour");
		crdt_write_text(&w[nw++], "value", pphs);
	}
	if (op[1].val) {
		crdt_write_init(&w[nw], t, CRDT_UPSERT, "star_hours");
		crdt_write_text(&w[nw++], "value", stars);
	}
	if ((rc = node_commit(ctx, "", w, nw)))
		return rc;
	return node_cmd_settings_show(ctx, 0, NULL);
}
