// SPDX-License-Identifier: MIT
/*
 * cmd_gift.c - the gift shelf (爱心超市): gift list, add, set, restock,
 * retire, and points redeem --gift. The command line only: the items,
 * the stock and the right to take it are app/gift.c's.
 */
#include <string.h>

#include "base/err.h"
#include "base/mem.h"
#include "app/gift.h"
#include "node/node.h"

static void node_gift_json(struct node_json *j, const struct app_gift *g)
{
	node_json_obj(j);
	node_json_kstr(j, "id", g->id);
	node_json_kstr(j, "name", g->name);
	node_json_kstr(j, "station", g->station);
	node_json_kint(j, "price", g->price);
	node_json_kint(j, "stock", g->stock);
	node_json_key(j, "retired");
	node_json_bool(j, g->retired);
	node_json_end_obj(j);
}

/* The item after a change: as JSON, or the message (name, id, a, b). */
static int node_gift_done(struct node_ctx *ctx, const struct app_gift *g, enum node_msg_id msg,
			  long long a, long long b)
{
	if (ctx->json) {
		struct node_json j;
		node_json_init(&j, stdout);
		node_gift_json(&j, g);
	} else if (msg == M_GIFT_RETIRED_DONE) {
		node_say(ctx, msg, g->name, g->id);
	} else {
		node_say(ctx, msg, g->name, g->id, a, b);
	}
	return 0;
}

int node_cmd_gift_list(struct node_ctx *ctx, const struct node_args *a)
{
	struct app_gift *v = NULL;
	struct node_table t;
	struct node_json j;
	const char *station = node_arg(a, "station");
	bool all = node_flag(a, "all");
	size_t n = 0;
	int rc;

	if ((rc = node_format_take(ctx, a)) || (rc = node_open(ctx))) /* --format csv (list.c) */
		return rc;
	if (!station && !ctx->app.hub)
		station = ctx->app.conf.station;
	if ((rc = app_gift_list(&ctx->app, station, all, &v, &n)))
		return rc;
	const char *head[] = { node_msg(ctx->lang, M_COL_ID),	   node_msg(ctx->lang, M_COL_NAME),
			       node_msg(ctx->lang, M_COL_PRICE),   node_msg(ctx->lang, M_COL_STOCK),
			       node_msg(ctx->lang, M_COL_STATION), node_msg(ctx->lang, M_COL_STATUS) };
	node_list_begin(ctx, &j, &t, all ? 6 : 5, head, "gifts");
	t.right[2] = t.right[3] = true;
	for (size_t i = 0; i < n; i++) {
		const struct app_gift *g = &v[i];
		char price[24], stock[24];
		if (ctx->json) {
			node_gift_json(&j, g);
			continue;
		}
		snprintf(price, sizeof(price), "%lld", (long long)g->price);
		snprintf(stock, sizeof(stock), "%lld", (long long)g->stock);
		const char *cells[] = { g->id, g->name, price, stock, g->station,
					node_msg(ctx->lang, g->retired ? M_GIFT_OFF_SHELF : M_GIFT_ON_SHELF) };
		node_table_row(&t, cells);
	}
	node_list_end(ctx, &j, &t, n, M_GIFT_LIST_EMPTY);
	mem_free(v);
	return 0;
}

int node_cmd_gift_add(struct node_ctx *ctx, const struct node_args *a)
{
	struct app_gift_new in = { .name = node_arg(a, "name"),
				   .price = node_arg(a, "price"),
				   .stock = node_arg(a, "stock"),
				   .station = node_arg(a, "station") };
	struct app_gift g;
	int rc;
	if ((rc = node_open(ctx)) || (rc = app_gift_add(&ctx->app, &in, &g)))
		return rc;
	if (ctx->json)
		return node_gift_done(ctx, &g, M_GIFT_ADDED, 0, 0);
	node_say(ctx, M_GIFT_ADDED, g.name, g.id, g.station, (long long)g.price, (long long)g.stock);
	return 0;
}

int node_cmd_gift_set(struct node_ctx *ctx, const struct node_args *a)
{
	struct app_gift g;
	int rc = node_args_one(ctx, a, M_NEED_GIFT);
	if (rc || (rc = app_gift_set(&ctx->app, a->pos[0], node_arg(a, "name"), node_arg(a, "price"), &g)))
		return rc;
	return node_gift_done(ctx, &g, M_GIFT_CHANGED, (long long)g.price, (long long)g.stock);
}

int node_cmd_gift_restock(struct node_ctx *ctx, const struct node_args *a)
{
	struct app_gift g;
	const char *count = node_arg(a, "count");
	int64_t n;
	int rc = node_args_one(ctx, a, M_NEED_GIFT);
	if (rc || (rc = app_gift_parse_count(&ctx->app, count ? count : "", APP_GIFT_STOCK_MAX, &n)) ||
	    (rc = app_gift_restock(&ctx->app, a->pos[0], count, &g)))
		return rc;
	return node_gift_done(ctx, &g, M_GIFT_RESTOCKED, (long long)n, (long long)g.stock);
}

int node_cmd_gift_retire(struct node_ctx *ctx, const struct node_args *a)
{
	struct app_gift g;
	int rc = node_args_one(ctx, a, M_NEED_GIFT);
	if (rc || (rc = app_gift_retire(&ctx->app, a->pos[0], &g)))
		return rc;
	return node_gift_done(ctx, &g, M_GIFT_RETIRED_DONE, 0, 0);
}

int node_gift_redeem(struct node_ctx *ctx, const struct node_args *a)
{
	struct app_volunteer_found f;
	struct app_gift_redeem_result r;
	const char *count = node_arg(a, "count");
	int64_t n = 1;
	int rc;

	memset(&f, 0, sizeof(f));
	if (node_arg(a, "points") || node_arg(a, "item"))
		return node_fail(ctx, ERR_USAGE, M_GIFT_REDEEM_MIXED);
	if ((rc = node_args_one(ctx, a, M_NEED_VID)) ||
	    (count && (rc = app_gift_parse_count(&ctx->app, count, APP_GIFT_COUNT_MAX, &n))))
		return rc;
	if ((rc = app_gift_redeem(&ctx->app, a->pos[0], node_arg(a, "gift"), n, &f, &r)))
		return node_fail_found(ctx, rc, &f);
	if (ctx->json) {
		struct node_json j;
		node_json_init(&j, stdout);
		node_json_obj(&j);
		node_json_kstr(&j, "id", r.points_id);
		node_json_kstr(&j, "move", r.move_id);
		node_json_kstr(&j, "volunteer", r.v.id);
		node_json_kstr(&j, "gift", r.gift.id);
		node_json_kint(&j, "count", r.count);
		node_json_kint(&j, "points", r.points);
		node_json_kint(&j, "balance", r.balance);
		node_json_kint(&j, "stock", r.gift.stock);
		node_json_end_obj(&j);
	} else {
		node_say(ctx, M_GIFT_REDEEMED, r.v.name, r.v.id, (long long)r.points, r.gift.name,
			 (long long)r.count, (long long)r.balance, (long long)r.gift.stock, r.points_id);
	}
	return 0;
}
