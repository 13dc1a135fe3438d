// SPDX-License-Identifier: MIT
/*
 * cmd_category.c - the service menu (需求清单): category list, add, set,
 * retire. The command line only: the menu and its rules are
 * app/category.c's.
 */
#include <string.h>

#include "base/err.h"
#include "base/mem.h"
#include "app/category.h"
#include "node/node.h"

static void node_category_json(struct node_json *j, const struct app_category *c)
{
	node_json_obj(j);
	node_json_kstr(j, "id", c->id);
	node_json_kstr(j, "name", c->name);
	node_json_kstr(j, "station", c->station[0] ? c->station : NULL);
	node_json_kstr(j, "description", c->description[0] ? c->description : NULL);
	node_json_key(j, "points_per_hour");
	if (c->has_pph)
		node_json_real(j, c->points_per_hour);
	else
		node_json_null(j);
	node_json_key(j, "retired");
	node_json_bool(j, c->retired);
	node_json_key(j, "builtin");
	node_json_bool(j, c->builtin);
	node_json_end_obj(j);
}

static const char *node_category_owner(const struct node_ctx *ctx, const struct app_category *c)
{
	return c->station[0] ? c->station : node_msg(ctx->lang, M_CAT_COUNTY_WORD);
}

int node_cmd_category_list(struct node_ctx *ctx, const struct node_args *a)
{
	struct app_category *v = NULL;
	struct node_table t;
	struct node_json j;
	bool all = node_flag(a, "all");
	const char *station = node_arg(a, "station");
	size_t n = 0;
	int rc;

	if (station && station[0] && !app_id_ok(station))
		return node_fail(ctx, ERR_USAGE, M_BAD_STATION_ID, station);
	if ((rc = node_open(ctx)) || (rc = app_category_list(&ctx->app, station, all, &v, &n)))
		return rc;
	const char *head[] = { node_msg(ctx->lang, M_COL_ID),	    node_msg(ctx->lang, M_COL_NAME),
			       node_msg(ctx->lang, M_COL_STATION),  node_msg(ctx->lang, M_COL_PPH),
			       node_msg(ctx->lang, M_COL_DESCRIPTION), node_msg(ctx->lang, M_COL_STATUS) };
	node_list_begin(ctx, &j, &t, all ? 6 : 5, head, "categories");
	t.right[3] = true;
	for (size_t i = 0; i < n; i++) {
		const struct app_category *c = &v[i];
		char pph[32], desc[APP_TEXT_MAX + 4];
		if (ctx->json) {
			node_category_json(&j, c);
			continue;
		}
		if (c->has_pph)
			app_real_fmt(c->points_per_hour, pph, sizeof(pph));
		else
			snprintf(pph, sizeof(pph), "%s", node_msg(ctx->lang, M_CAT_DEFAULT_PPH));
		node_trunc_width(c->description[0] ? c->description : "-", 30, desc, sizeof(desc));
		const char *cells[] = { c->id, c->name, node_category_owner(ctx, c), pph, desc,
					node_msg(ctx->lang, c->retired ? M_CAT_OFF : M_CAT_ON) };
		node_table_row(&t, cells);
	}
	node_list_end(ctx, &j, &t, n, M_CAT_LIST_EMPTY);
	mem_free(v);
	return 0;
}

/* The entry after a change: as JSON, or the message (name, id). */
static int node_category_done(struct node_ctx *ctx, const struct app_category *c, enum node_msg_id msg)
{
	if (ctx->json) {
		struct node_json j;
		node_json_init(&j, stdout);
		node_category_json(&j, c);
	} else if (msg == M_CAT_ADDED) {
		node_say(ctx, msg, c->name, c->id, node_category_owner(ctx, c));
	} else {
		node_say(ctx, msg, c->name, c->id);
	}
	return 0;
}

int node_cmd_category_add(struct node_ctx *ctx, const struct node_args *a)
{
	struct app_category_new in = { .name = node_arg(a, "name"),
				       .description = node_arg(a, "description"),
				       .points_per_hour = node_arg(a, "points-per-hour"),
				       .station = node_arg(a, "station") };
	struct app_category c;
	int rc;
	if ((rc = node_open(ctx)) || (rc = app_category_add(&ctx->app, &in, &c)))
		return rc;
	return node_category_done(ctx, &c, M_CAT_ADDED);
}

int node_cmd_category_set(struct node_ctx *ctx, const struct node_args *a)
{
	struct app_category c;
	int rc = node_args_one(ctx, a, M_NEED_CATEGORY);
	if (rc || (rc = app_category_set(&ctx->app, a->pos[0], node_arg(a, "name"), node_arg(a, "description"),
					 node_arg(a, "points-per-hour"), &c)))
		return rc;
	return node_category_done(ctx, &c, M_CAT_CHANGED);
}

int node_cmd_category_retire(struct node_ctx *ctx, const struct node_args *a)
{
	struct app_category c;
	int rc = node_args_one(ctx, a, M_NEED_CATEGORY);
	if (rc || (rc = app_category_retire(&ctx->app, a->pos[0], &c)))
		return rc;
	return node_category_done(ctx, &c, M_CAT_RETIRED_DONE);
}
