// SPDX-License-Identifier: MIT
/*
 * cmd_bundle.c - the command line of bundle files (app/bundle.c):
 *
 *   bundle export FILE [--for STATION|hub]   what that node may lack (named:
 *                                            opened ranges only it can read)
 *   bundle import FILE                       merge, relay, report
 *   bundle export FILE --snapshot SCOPE      the hub's signed snapshot of a
 *                                            scope ("-": the county's), for
 *                                            a new board without a link;
 *                                            import takes it (issue 15)
 */
#include <stdio.h>
#include <string.h>

#include "app/bundle.h"
#include "app/peer.h"
#include "base/err.h"
#include "node/net.h"
#include "node/node.h"

/* Say why a bundle call failed; a full stick's free room may be unknown. */
static int node_bundle_fail(struct node_ctx *ctx, int rc)
{
	struct app_fail *f = &ctx->app.fail;
	if (f->why == APP_W_BUNDLE_FULL && f->narg == 3 && !f->arg[2][0])
		snprintf(f->arg[2], sizeof(f->arg[2]), "%s", node_msg(ctx->lang, M_FULL_FREE_UNKNOWN));
	return node_fail_app(ctx, rc);
}

/* bundle export FILE --snapshot SCOPE (at a hub). */
static int node_snapshot_export(struct node_ctx *ctx, const char *file, const char *scope)
{
	uint64_t bytes;
	int rc;
	if (strcmp(scope, "-") == 0)
		scope = "";
	if (*scope && app_bundle_target(&ctx->app, scope))
		return node_fail_app(ctx, ERR_USAGE);
	if ((rc = node_open(ctx)))
		return rc;
	if ((rc = app_snapshot_export(&ctx->app, file, scope, &bytes)))
		return node_bundle_fail(ctx, rc);
	if (ctx->json) {
		struct node_json j;
		node_json_init(&j, stdout);
		node_json_obj(&j);
		node_json_kstr(&j, "file", file);
		node_json_kstr(&j, "snapshot", *scope ? scope : "-");
		node_json_kint(&j, "bytes", (int64_t)bytes);
		node_json_end_obj(&j);
	} else {
		node_say(ctx, M_SNAP_BUNDLE_EXPORTED, file, (size_t)bytes,
			 *scope ? scope : node_msg(ctx->lang, M_SCOPE_COUNTY), file);
	}
	return 0;
}

int node_run_bundle_export(struct node_ctx *ctx, const struct node_args *a)
{
	struct app_bundle_export_info info;
	const char *named = node_arg(a, "for"), *target = named ? named : "hub";
	const char *snap = node_arg(a, "snapshot");
	int rc;
	if (a->npos != 1)
		return node_fail(ctx, ERR_USAGE, M_BK_NEED_FILE, "bundle export");
	const char *file = a->pos[0];
	if (snap && named)
		return node_fail(ctx, ERR_USAGE, M_BUNDLE_BAD_FOR, named);
	if (snap)
		return node_snapshot_export(ctx, file, snap);
	if ((rc = app_bundle_target(&ctx->app, target)))
		return node_fail_app(ctx, rc);
	if ((rc = node_open(ctx)))
		return rc;
	if ((rc = app_bundle_export(&ctx->app, file, target, named != NULL, &info)))
		return node_bundle_fail(ctx, rc);
	if (ctx->json) {
		struct node_json j;
		node_json_init(&j, stdout);
		node_json_obj(&j);
		node_json_kstr(&j, "file", file);
		node_json_kstr(&j, "for", target);
		node_json_kint(&j, "bytes", (int64_t)info.bytes);
		node_json_kint(&j, "withheld", (int64_t)info.withheld);
		node_json_kint(&j, "too_large", (int64_t)info.too_large);
		node_json_kint(&j, "pruned_feeds", (int64_t)info.pruned);
		node_json_end_obj(&j);
	} else {
		node_say(ctx, M_BUNDLE_EXPORTED, file, (long long)info.bytes, target, file);
		if (info.withheld) /* docs/security.md "Data entered before enrolment" */
			node_say(ctx, M_BUNDLE_WITHHELD, (unsigned long long)info.withheld, file);
		if (info.too_large) /* sync/delta.c D7 */
			node_say(ctx, M_BUNDLE_TOO_LARGE, (unsigned long long)info.too_large, file);
		if (info.pruned) /* sync/delta.c D8: log compaction */
			node_say(ctx, M_BUNDLE_PRUNED, (unsigned long long)info.pruned, target);
	}
	return 0;
}

static void node_bundle_json(const char *file, const struct sync_report *rep)
{
	static const char *const checks[] = {
		[SYNC_BUNDLE_WHOLE] = "whole", [SYNC_BUNDLE_OLD] = "old", [SYNC_BUNDLE_CUT] = "cut",
		[SYNC_BUNDLE_ALTERED] = "altered", [SYNC_BUNDLE_HEADER] = "header",
	};
	struct node_json j;
	node_json_init(&j, stdout);
	node_json_obj(&j);
	node_json_kstr(&j, "file", file);
	node_json_kint(&j, "applied", (int64_t)rep->applied);
	node_json_kint(&j, "duplicate", (int64_t)rep->duplicate);
	node_json_kint(&j, "carried", (int64_t)rep->carried);
	node_json_kint(&j, "refused", (int64_t)rep->refused);
	node_json_kint(&j, "chunks", (int64_t)rep->chunks);
	node_json_kint(&j, "chunks_refused", (int64_t)rep->chunks_refused);
	node_json_kint(&j, "bytes_skipped", (int64_t)rep->bytes_skipped);
	node_json_kstr(&j, "check", checks[rep->bundle]);
	node_json_key(&j, "skipped");
	node_json_arr(&j);
	for (size_t i = 0; i < rep->nskips; i++) {
		node_json_obj(&j);
		node_json_kint(&j, "offset", (int64_t)rep->skips[i].offset);
		node_json_kint(&j, "bytes", (int64_t)rep->skips[i].len);
		node_json_kstr(&j, "reason", err_str(rep->skips[i].rc));
		node_json_end_obj(&j);
	}
	node_json_end_arr(&j);
	node_json_key(&j, "refusals");
	node_json_arr(&j);
	for (size_t i = 0; i < rep->nreasons; i++) {
		node_json_obj(&j);
		node_json_kstr(&j, "reason", err_str(rep->reasons[i].rc));
		node_json_kint(&j, "commits", (int64_t)rep->reasons[i].n);
		node_json_end_obj(&j);
	}
	node_json_end_arr(&j);
	node_json_end_obj(&j);
}

int node_run_bundle_import(struct node_ctx *ctx, const struct node_args *a)
{
	struct sync_report rep;
	int rc;
	if (a->npos != 1)
		return node_fail(ctx, ERR_USAGE, M_BK_NEED_FILE, "bundle import");
	const char *file = a->pos[0];
	if ((rc = node_open(ctx)))
		return rc;
	if (app_snapshot_file(file)) { /* a hub's snapshot (bundle export --snapshot) */
		struct sync_snap_info info;
		if ((rc = app_snapshot_import(&ctx->app, file, &info)))
			return node_fail_app(ctx, rc);
		/* kept to pass on to stations behind this node (snapkeep.c);
		 * best effort: the import is done either way */
		(void)node_snap_keep_file(ctx, info.scope, file);
		if (ctx->json) {
			struct node_json j;
			node_json_init(&j, stdout);
			node_json_obj(&j);
			node_json_kstr(&j, "file", file);
			node_json_kstr(&j, "snapshot", *info.scope ? info.scope : "-");
			node_json_kint(&j, "records", (int64_t)info.nentries);
			node_json_kint(&j, "feeds", (int64_t)info.nheads);
			node_json_end_obj(&j);
		} else {
			node_say(ctx, M_SNAP_BUNDLE_IMPORTED, file,
				 *info.scope ? info.scope : node_msg(ctx->lang, M_SCOPE_COUNTY), info.nentries,
				 info.nheads);
		}
		return 0;
	}
	rc = app_bundle_import(&ctx->app, file, &rep);
	if (rc && rc != ERR_RULE)
		return node_fail_app(ctx, rc); /* nothing was merged */
	if (ctx->json) {
		node_bundle_json(file, &rep);
	} else {
		node_say(ctx, M_BUNDLE_IMPORTED, file, (unsigned long long)rep.applied,
			 (unsigned long long)rep.duplicate, (unsigned long long)rep.carried);
		for (size_t i = 0; i < rep.nreasons; i++)
			node_say(ctx, M_BUNDLE_REFUSED, (unsigned long long)rep.reasons[i].n,
				 node_reason(ctx->lang, rep.reasons[i].rc));
		for (size_t i = 0; i < rep.nskips; i++)
			node_say(ctx, M_BUNDLE_SKIPPED, (unsigned long long)rep.skips[i].len,
				 (unsigned long long)rep.skips[i].offset, node_reason(ctx->lang, rep.skips[i].rc));
	}
	return rc ? node_fail_app(ctx, rc) : 0;
}
