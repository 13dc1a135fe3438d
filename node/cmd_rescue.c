// SPDX-License-Identifier: MIT
/*
 * cmd_rescue.c - `cunlian clock rescue [--replay]` (node/cmd_clock.c
 * parses it): the field rescue of a station that committed far-future
 * times, done by app/rescue.c; here it is said (docs/field-guide.md
 * "Clock rescue").
 */
#include <stdio.h>

#include "app/enroll.h"
#include "node/node.h"

static int node_rescue_replay(struct node_ctx *ctx)
{
	char t[32];
	uint64_t n;
	int rc = app_rescue_replay(&ctx->app, &n);
	if (rc)
		return node_fail_app(ctx, rc);
	if (ctx->json) {
		struct node_json j;
		node_json_init(&j, stdout);
		node_json_obj(&j);
		node_json_kint(&j, "replayed", (int64_t)n);
		node_json_kint(&j, "at_ms", (int64_t)ctx->app.now_ms);
		node_json_end_obj(&j);
	} else {
		app_time_fmt(ctx->app.now_ms, t, sizeof(t));
		node_say(ctx, M_CLOCK_RESCUE_REPLAYED, (unsigned long long)n, t);
	}
	return 0;
}

int node_clock_rescue(struct node_ctx *ctx, bool replay)
{
	struct app_rescue r;
	char t[32];
	int rc;

	if ((rc = node_open(ctx)))
		return rc;
	if (replay)
		return node_rescue_replay(ctx);
	if ((rc = app_rescue(&ctx->app, &r)))
		return node_fail_app(ctx, rc);
	if (!r.needed) {
		node_say(ctx, M_CLOCK_RESCUE_NOTHING);
		return 0;
	}
	if (ctx->json) {
		struct node_json j;
		node_json_init(&j, stdout);
		node_json_obj(&j);
		node_json_kint(&j, "taken", (int64_t)r.taken);
		node_json_kint(&j, "first_ms", (int64_t)r.first_ms);
		node_json_kstr(&j, "kept_in", r.kept_in);
		node_json_kstr(&j, "old_key", r.old_key);
		node_json_kstr(&j, "new_key", r.new_key);
		node_json_end_obj(&j);
	} else {
		app_time_fmt(r.first_ms, t, sizeof(t));
		node_say(ctx, M_CLOCK_RESCUE_DONE, (unsigned long long)r.taken, t, r.kept_in, r.old_key,
			 r.old_key);
	}
	return 0;
}
