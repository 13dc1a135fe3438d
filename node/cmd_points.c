// SPDX-License-Identifier: MIT
/*
 * cmd_points.c - the points commands (balance, history, redeem) and the
 * county settings (settings show, set). The command line only: the
 * ledger, the spending right and the balance check are app/points.c's.
 */
#include <string.h>

#include "base/err.h"
#include "app/points.h"
#include "app/volunteer.h"
#include "app/range.h"
#include "node/node.h"

/* The volunteer a points command names, whose record is held here. */
static int node_points_who(struct node_ctx *ctx, const struct node_args *a,
			   struct app_volunteer_found *f)
{
	int rc = node_args_one(ctx, a, M_NEED_VID);
	if (rc)
		return rc;
	rc = app_volunteer_find_held(&ctx->app, a->pos[0], f);
	return rc ? node_fail_found(ctx, rc, f) : 0;
}

int node_cmd_points_balance(struct node_ctx *ctx, const struct node_args *a)
{
	struct app_volunteer_found f;
	struct app_settings set;
	char hs[32], stars[64] = "";
	double hours = 0;
	int64_t bal;
	int rc = node_points_who(ctx, a, &f);
	if (rc || (rc = app_points_balance(&ctx->app, f.c[0].id, &bal)))
		return rc;
	/* stars wherever a volunteer is shown (issue 17) */
	if ((rc = app_settings_load(&ctx->app, &set)) ||
	    (rc = app_volunteer_hours(&ctx->app, f.c[0].id, &hours)))
		return node_fail_app(ctx, rc);
	int nstars = app_stars(&set, hours);
	if (ctx->json) {
		struct node_json j;
		node_json_init(&j, stdout);
		node_json_obj(&j);
		node_json_kstr(&j, "volunteer", f.c[0].id);
		node_json_kstr(&j, "name", f.c[0].name);
		node_json_kint(&j, "balance", bal);
		node_json_kreal(&j, "hours", hours);
		node_json_kint(&j, "stars", nstars);
		node_json_end_obj(&j);
	} else {
		node_say(ctx, M_BALANCE, f.c[0].name, f.c[0].id, (long long)bal);
		app_real_fmt(hours, hs, sizeof(hs));
		for (int i = 0; i < 5; i++)
			strcat(stars, i < nstars ? "★" : "☆");
		node_say(ctx, M_STARS_LINE, hs, stars, nstars);
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
	if (strcmp(r, "hours") == 0)
		return node_msg(ctx->lang, M_REASON_HOURS);
	return r;
}

struct node_points_list {
	struct node_ctx *ctx;
	struct node_json j;
	struct node_table t;
};

static int node_points_row(void *arg, const struct app_points_entry *e)
{
	struct node_points_list *l = arg;
	char delta[32], when[32] = "-";
	if (l->ctx->json) {
		node_json_obj(&l->j);
		node_json_kstr(&l->j, "id", e->id);
		node_json_kint(&l->j, "delta", e->delta);
		node_json_kstr(&l->j, "reason", e->reason);
		node_json_kstr(&l->j, "order", e->order[0] ? e->order : NULL);
		node_json_kstr(&l->j, "item", e->item[0] ? e->item : NULL);
		node_json_kstr(&l->j, "station", e->station);
		node_json_key(&l->j, "at");
		if (e->has_at)
			node_json_int(&l->j, e->at);
		else
			node_json_null(&l->j);
		node_json_end_obj(&l->j);
		return 0;
	}
	snprintf(delta, sizeof(delta), "%+lld", (long long)e->delta);
	if (e->has_at)
		app_time_fmt((uint64_t)e->at, when, sizeof(when));
	const char *cells[] = { e->id,
				delta,
				node_reason_name(l->ctx, e->reason),
				e->order[0] ? e->order : e->item[0] ? e->item : "-",
				e->station,
				when };
	node_table_row(&l->t, cells);
	return 0;
}

int node_cmd_points_history(struct node_ctx *ctx, const struct node_args *a)
{
	struct app_volunteer_found f;
	struct node_points_list l = { .ctx = ctx };
	struct app_range range;
	int64_t total, balance = 0;
	bool ranged;
	int rc;
	/* reports (issue 17): --format, --from/--to (when the row was written) */
	if ((rc = node_format_take(ctx, a)) || (rc = node_range_take(ctx, a, &range)))
		return rc;
	ranged = range.from_ms || range.to_ms;
	if ((rc = node_points_who(ctx, a, &f)))
		return rc;
	const struct app_volunteer_hit *v = &f.c[0];
	const char *head[] = { node_msg(ctx->lang, M_COL_ID),	   node_msg(ctx->lang, M_COL_POINTS),
			       node_msg(ctx->lang, M_COL_REASON),  node_msg(ctx->lang, M_COL_FOR),
			       node_msg(ctx->lang, M_COL_STATION), node_msg(ctx->lang, M_COL_TIME) };
	node_table_init(&l.t, 6, head);
	l.t.right[1] = true;
	node_json_init(&l.j, stdout);
	if (ctx->json) {
		node_json_obj(&l.j);
		node_json_kstr(&l.j, "volunteer", v->id);
		node_json_key(&l.j, "entries");
		node_json_arr(&l.j);
	} else if (ctx->csv) {
		node_csv_begin(&l.t);
	}
	rc = app_points_history_range(&ctx->app, v->id, &range, node_points_row, &l, &total);
	if (!rc && ranged) /* the rows of the range; the balance is all of them */
		rc = app_points_balance(&ctx->app, v->id, &balance);
	else
		balance = total;
	if (!rc && ctx->json) {
		node_json_end_arr(&l.j);
		node_json_kint(&l.j, "balance", balance);
		if (ranged)
			node_json_kint(&l.j, "range_sum", total);
		node_json_end_obj(&l.j);
	} else if (!rc && !ctx->csv) {
		if (l.t.nrows)
			node_table_print(&l.t, stdout);
		node_say(ctx, M_BALANCE, v->name, v->id, (long long)balance);
	}
	node_table_release(&l.t);
	return rc;
}

int node_cmd_points_redeem(struct node_ctx *ctx, const struct node_args *a)
{
	struct app_volunteer_found f;
	struct app_redeem_result r;
	const char *item = node_arg(a, "item"), *text = node_arg(a, "points");
	int64_t n;
	if (node_arg(a, "gift")) /* by an item of the gift shelf (cmd_gift.c) */
		return node_gift_redeem(ctx, a);
	if (node_arg(a, "count"))
		return node_fail(ctx, ERR_USAGE, M_GIFT_COUNT_ALONE);
	int rc = node_args_one(ctx, a, M_NEED_VID);
	if (rc || (rc = app_points_parse(&ctx->app, text ? text : "", &n)))
		return rc;
	if ((rc = app_points_redeem(&ctx->app, a->pos[0], n, item, &f, &r)))
		return node_fail_found(ctx, rc, &f);
	if (ctx->json) {
		struct node_json j;
		node_json_init(&j, stdout);
		node_json_obj(&j);
		node_json_kstr(&j, "id", r.id);
		node_json_kstr(&j, "volunteer", r.v.id);
		node_json_kint(&j, "points", r.points);
		node_json_kint(&j, "balance", r.balance);
		node_json_end_obj(&j);
	} else {
		node_say(ctx, M_REDEEMED, r.v.name, r.v.id, (long long)r.points, item, (long long)r.balance,
			 r.id);
	}
	return 0;
}

/* ---- settings ---------------------------------------------------------- */

int node_cmd_settings_show(struct node_ctx *ctx, const struct node_args *a)
{
	struct app_settings s;
	char pph[32], stars[160];
	int rc;
	(void)a;
	if ((rc = node_open(ctx)) || (rc = app_settings_load(&ctx->app, &s)))
		return rc;
	app_real_fmt(s.points_per_hour, pph, sizeof(pph));
	app_settings_stars_fmt(&s, stars, sizeof(stars));
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

int node_cmd_settings_set(struct node_ctx *ctx, const struct node_args *a)
{
	int rc;
	if ((rc = node_open(ctx)) ||
	    (rc = app_settings_set(&ctx->app, node_arg(a, "points-per-hour"), node_arg(a, "star-hours"))))
		return rc;
	return node_cmd_settings_show(ctx, a);
}
