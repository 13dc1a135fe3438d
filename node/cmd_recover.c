// SPDX-License-Identifier: MIT
/*
 * cmd_recover.c - `cunlian recover --from coap://HUB | --bundle FILE
 * [--accept-loss]`: the command line of app/recover.c (the steps and the
 * rules live there). Here: the sync session that fetches the feeds over
 * CoAP (`cunlian sync`'s), and the words.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "app/recover.h"
#include "base/err.h"
#include "node/node.h"

/* One sync session with the hub through `cunlian sync` (its messages;
 * with --json they go to stderr, so stdout holds recover's one object). */
static int rc_fetch_coap(struct node_ctx *ctx, const char *uri, const char *timeout)
{
	char *argv[4] = { (char *)uri, NULL, NULL, NULL };
	int argc = 1, rc, saved = -1;
	bool json = ctx->json;
	if (timeout) {
		argv[argc++] = (char *)"--timeout";
		argv[argc++] = (char *)timeout;
	}
	if (json) {
		fflush(stdout);
		saved = dup(STDOUT_FILENO);
		if (saved < 0 || dup2(STDERR_FILENO, STDOUT_FILENO) < 0) {
			if (saved >= 0)
				close(saved);
			return node_fail(ctx, -errno, M_FAILED, node_reason(ctx->lang, -errno));
		}
	}
	ctx->json = false;
	rc = node_cmd_sync(ctx, argc, argv);
	ctx->json = json;
	if (json) {
		fflush(stdout);
		dup2(saved, STDOUT_FILENO);
		close(saved);
	}
	return rc;
}

static const char *rc_scope(const struct node_ctx *ctx, const char *scope)
{
	return scope[0] ? scope : node_msg(ctx->lang, M_MARK_COUNTY);
}

static void rc_print_json(struct node_ctx *ctx, const char *source, const struct app_recover_result *res)
{
	struct node_json j;
	char id[NODE_ID_MAX + 24];
	node_json_init(&j, stdout);
	node_json_obj(&j);
	node_json_kstr(&j, "source", source);
	node_json_kint(&j, "fetched", (int64_t)res->fetched);
	node_json_key(&j, "feeds");
	node_json_arr(&j);
	for (size_t i = 0; i < res->nfeed; i++) {
		const struct app_recover_feed *f = &res->feed[i];
		node_json_obj(&j);
		node_json_kstr(&j, "scope", f->scope);
		node_json_kint(&j, "held", (int64_t)f->held);
		node_json_kint(&j, "next_seq", (int64_t)f->held + 1);
		node_json_key(&j, "sent_lost");
		if (f->sent_lost > f->held) {
			node_json_arr(&j);
			node_json_int(&j, (int64_t)f->held + 1);
			node_json_int(&j, (int64_t)f->sent_lost);
			node_json_end_arr(&j);
		} else {
			node_json_null(&j);
		}
		node_json_key(&j, "lost");
		node_json_arr(&j);
		for (size_t k = 0; k < f->nlost; k++) {
			char *save = NULL, buf[600];
			node_json_obj(&j);
			node_json_kint(&j, "seq", (int64_t)f->lost[k].seq);
			node_json_key(&j, "ids");
			node_json_arr(&j);
			snprintf(buf, sizeof(buf), "%s", f->lost[k].ids);
			for (char *t = strtok_r(buf, " ", &save); t; t = strtok_r(NULL, " ", &save))
				node_json_str(&j, t);
			node_json_end_arr(&j);
			node_json_end_obj(&j);
		}
		node_json_end_arr(&j);
		node_json_end_obj(&j);
	}
	node_json_end_arr(&j);
	node_json_key(&j, "next_ids");
	node_json_obj(&j);
	for (int k = 0; k < 26; k++) {
		char key[2] = { (char)('a' + k), '\0' };
		if (!res->next_id[k])
			continue;
		snprintf(id, sizeof(id), "%s-%c%llu", app_id_prefix(&ctx->app), 'a' + k,
			 (unsigned long long)res->next_id[k]);
		node_json_kstr(&j, key, id);
	}
	node_json_end_obj(&j);
	node_json_end_obj(&j);
}

static void rc_print(struct node_ctx *ctx, const char *source, const struct app_recover_result *res)
{
	char ids[26 * (NODE_ID_MAX + 24)] = "";
	size_t used = 0;
	node_say(ctx, M_RECOVER_FETCHED, source, (unsigned long long)res->fetched);
	for (size_t i = 0; i < res->nfeed; i++) {
		const struct app_recover_feed *f = &res->feed[i];
		node_say(ctx, M_RECOVER_FEED, rc_scope(ctx, f->scope), (unsigned long long)f->held,
			 (unsigned long long)f->held + 1);
		if (f->sent_lost > f->held)
			node_say(ctx, M_RECOVER_SENT_LOST, (unsigned long long)f->held + 1,
				 (unsigned long long)f->sent_lost);
		for (size_t k = 0; k < f->nlost; k++)
			node_say(ctx, M_RECOVER_LOST, (unsigned long long)f->lost[k].seq, f->lost[k].ids);
		if (f->sent_lost <= f->held && !f->nlost)
			node_say(ctx, M_RECOVER_NOLOSS);
	}
	for (int k = 0; k < 26 && used < sizeof(ids); k++)
		if (res->next_id[k])
			used += (size_t)snprintf(ids + used, sizeof(ids) - used, "%s%s-%c%llu", used ? " " : "",
						 app_id_prefix(&ctx->app), 'a' + k,
						 (unsigned long long)res->next_id[k]);
	if (used)
		node_say(ctx, M_RECOVER_IDS, ids);
	node_say(ctx, M_RECOVER_DONE);
}

int node_run_recover(struct node_ctx *ctx, const struct node_args *a)
{
	const char *from = node_arg(a, "from"), *bundle = node_arg(a, "bundle");
	const char *timeout = node_arg(a, "timeout");
	struct app_recover_result res;
	uint64_t own0 = 0;
	int64_t t;
	int rc;

	if (!from == !bundle || (timeout && bundle))
		return node_fail(ctx, ERR_USAGE, M_RECOVER_NEED_SOURCE);
	if (timeout && app_parse_int(timeout, 1, 86400, &t))
		return node_fail(ctx, ERR_USAGE, M_BAD_NUMBER, "--timeout", timeout);
	if ((rc = node_open(ctx)))
		return rc;
	if (!app_recover_needed(&ctx->app)) {
		if (ctx->json)
			printf("{\"recovered\":false}\n");
		else
			node_say(ctx, M_RECOVER_NOT_NEEDED);
		return 0;
	}
	if ((rc = app_recover_begin(&ctx->app, &own0)))
		return node_fail_app(ctx, rc);
	if (from && (rc = rc_fetch_coap(ctx, from, timeout)))
		return rc; /* said; the node stays refused: run it again */
	if (bundle && (rc = app_recover_bundle(&ctx->app, bundle)))
		return node_fail_app(ctx, rc);
	if ((rc = app_recover_finish(&ctx->app, own0, node_flag(a, "accept-loss"), &res)))
		return node_fail_app(ctx, rc);
	if (ctx->json)
		rc_print_json(ctx, from ? from : bundle, &res);
	else
		rc_print(ctx, from ? from : bundle, &res);
	app_recover_result_release(&res);
	return 0;
}
