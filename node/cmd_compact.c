// SPDX-License-Identifier: MIT
/*
 * cmd_compact.c - cunlian compact [--dry-run]: prune the log by the rule
 * (sync/compact.c R1-R7) with this node's retention, and say what went,
 * per scope, what was kept whole and why, and the space in the file.
 * serve runs the same once a day (node_compact_daily).
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "base/err.h"
#include "app/compact.h"
#include "node/net.h"

#define NOPTS(a) (sizeof(a) / sizeof((a)[0]))

/* compact_keep_days of node.conf: -1 (the role's) when absent or the
 * file is not there; ERR_USAGE said when a line is bad. */
static int node_compact_keep(struct node_ctx *ctx, int *keep)
{
	char path[NODE_PATH_MAX + 16];
	struct node_net_conf *nc = calloc(1, sizeof(*nc));
	enum node_msg_id why;
	int line, rc;
	*keep = -1;
	if (!nc)
		return -ENOMEM;
	app_path(&ctx->app, path, sizeof(path), "node.conf");
	rc = node_net_conf_read(path, nc, &line, &why);
	if (rc == 0)
		*keep = nc->compact_keep_days;
	free(nc);
	if (rc == ERR_USAGE)
		return node_fail(ctx, rc, M_NET_CONF_BAD, path, line, node_msg(ctx->lang, why));
	return rc == ERR_NOTFOUND ? 0 : rc;
}

static void node_compact_print(struct node_ctx *ctx, const struct app_compact *c, bool dry)
{
	const struct sync_compact_report *r = &c->r;
	char b[32], fb[32], ff[32];
	node_bytes_fmt(r->bytes, b, sizeof(b));
	if (ctx->json) {
		struct node_json j;
		node_json_init(&j, stdout);
		node_json_obj(&j);
		node_json_key(&j, "dry_run");
		node_json_bool(&j, dry);
		node_json_kint(&j, "keep_days", c->keep_days);
		node_json_kint(&j, "commits", (int64_t)r->commits);
		node_json_kint(&j, "bytes", (int64_t)r->bytes);
		node_json_kint(&j, "feeds", (int64_t)r->feeds);
		node_json_kint(&j, "transactions", (int64_t)r->txns);
		node_json_key(&j, "scopes");
		node_json_arr(&j);
		for (size_t i = 0; i < r->nscopes; i++) {
			node_json_obj(&j);
			node_json_kstr(&j, "scope", r->scopes[i].scope);
			node_json_kint(&j, "commits", (int64_t)r->scopes[i].commits);
			node_json_kint(&j, "bytes", (int64_t)r->scopes[i].bytes);
			node_json_end_obj(&j);
		}
		node_json_end_arr(&j);
		node_json_key(&j, "kept");
		node_json_obj(&j);
		node_json_kint(&j, "unacknowledged", (int64_t)r->kept_unacked);
		node_json_kint(&j, "no_checkpoint", (int64_t)r->kept_unsigned);
		node_json_kint(&j, "recent", (int64_t)r->kept_recent);
		node_json_kint(&j, "relayed", (int64_t)r->kept_carried);
		node_json_end_obj(&j);
		node_json_kint(&j, "file_bytes", (int64_t)c->file_bytes);
		node_json_kint(&j, "file_free_bytes", (int64_t)c->file_free_bytes);
		node_json_end_obj(&j);
		return;
	}
	if (r->commits == 0)
		node_say(ctx, M_COMPACT_NOTHING);
	else if (dry)
		node_say(ctx, M_COMPACT_DRY, (unsigned long long)r->commits, b, (unsigned long long)r->feeds,
			 c->keep_days);
	else
		node_say(ctx, M_COMPACT_DONE, (unsigned long long)r->commits, b, (unsigned long long)r->feeds,
			 (unsigned long long)r->txns, c->keep_days);
	for (size_t i = 0; i < r->nscopes; i++) {
		node_bytes_fmt(r->scopes[i].bytes, b, sizeof(b));
		node_say(ctx, M_COMPACT_SCOPE,
			 r->scopes[i].scope[0] ? r->scopes[i].scope : node_msg(ctx->lang, M_COUNTY_SCOPE),
			 (unsigned long long)r->scopes[i].commits, b);
	}
	if (r->kept_unacked || r->kept_unsigned || r->kept_recent || r->kept_carried)
		node_say(ctx, M_COMPACT_KEPT, (unsigned long long)r->kept_unacked,
			 (unsigned long long)r->kept_unsigned, (unsigned long long)r->kept_recent,
			 (unsigned long long)r->kept_carried);
	node_bytes_fmt(c->file_bytes, fb, sizeof(fb));
	node_bytes_fmt(c->file_free_bytes, ff, sizeof(ff));
	node_say(ctx, M_COMPACT_SPACE, fb, ff);
}

int node_cmd_compact(struct node_ctx *ctx, int argc, char **argv)
{
	struct node_opt o[] = { { "dry-run", false, NULL } };
	const char *pos[1];
	size_t npos;
	struct app_compact c;
	int keep, rc = node_opts_parse(ctx, argc, argv, o, NOPTS(o), pos, 0, &npos);
	if (rc)
		return rc > 0 ? 0 : rc;
	if ((rc = node_open(ctx)) || (rc = node_compact_keep(ctx, &keep)))
		return rc;
	rc = app_compact_run(&ctx->app, app_compact_keep(&ctx->app, keep), o[0].val != NULL, &c);
	if (!rc)
		node_compact_print(ctx, &c, o[0].val != NULL);
	app_compact_release(&c);
	return rc ? node_fail_app(ctx, rc) : 0;
}

bool node_compact_daily(struct node_ctx *ctx, const struct node_log *log, int keep_days, uint64_t wall_ms,
			bool going)
{
	unsigned keep = app_compact_keep(&ctx->app, keep_days);
	if (keep == 0 || (!going && !app_compact_due(&ctx->app, wall_ms)))
		return false;
	struct app_compact c;
	char b[32];
	uint64_t was = ctx->app.now_ms;
	ctx->app.now_ms = wall_ms;
	int rc = app_compact_step(&ctx->app, keep, 1, &c); /* one transaction a turn */
	ctx->app.now_ms = was;
	bool more = !rc && c.r.more;
	node_bytes_fmt(c.r.bytes, b, sizeof(b));
	if (rc)
		node_net_log(ctx, log, NODE_LOG_WARNING, M_LOG_COMPACT_FAILED, node_reason(ctx->lang, rc));
	else if (c.r.commits)
		node_net_log(ctx, log, NODE_LOG_INFO, M_LOG_COMPACT, (unsigned long long)c.r.commits, b,
			     (unsigned long long)c.r.feeds);
	app_fail_clear(&ctx->app);
	app_compact_release(&c);
	return more;
}
