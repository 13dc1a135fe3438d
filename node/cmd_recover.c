// SPDX-License-Identifier: MIT
/*
 * cmd_recover.c - `cunlian recover --from coap://HUB | --bundle FILE`: a
 * node whose replica lost its own commits (feed.mark says so, feedmark.c)
 * fetches its own feeds back, goes on after the last one the hub holds,
 * and lists what is lost.
 *
 *   1. The replica is opened; without a mismatch there is nothing to do
 *      (exit 0, nothing changed).
 *   2. The feeds come back: over CoAP by one sync session with the hub
 *      (the station's HELLO asks for its own scope and the county's, and
 *      its version vector lacks its own feeds, so the hub sends them: the
 *      session applies commits of the node's own key like any author's),
 *      or from a bundle (`bundle export FILE --for STATION` at the hub:
 *      without news of that station's version vector it holds the whole
 *      of both scopes, the station's own feed included).
 *   3. The local commit after that takes the highest own seq now held + 1
 *      (crdt/commit.c C3): the numbering goes on after the hub's last.
 *   3a. Commits that left the node but did not come back stop it (exit 3,
 *      nothing changed) unless --accept-loss: they are held elsewhere.
 *   4. feed.mark: floors set to what came back, id floors to the ids
 *      reserved (W5), lost cleared (app_mark_recovered). The seqs between
 *      the hub's last and the old floor were written and maybe sent
 *      (a bundle still on its way); those up to the reservation, if any
 *      were written, were never synced: both are listed.
 * A failure before 4 leaves the node refused as before (run it again).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "base/err.h"
#include "base/mem.h"
#include "node/node.h"

#define NOPTS(a) (sizeof(a) / sizeof((a)[0]))

/* The sum of this node's own seqs over its feeds (commits held). */
static int rc_own_total(struct node_ctx *ctx, uint64_t *total)
{
	struct crdt_vv_entry *vv = NULL;
	size_t n = 0;
	int rc = crdt_store_vv(ctx->app.store, &vv, &n);
	*total = 0;
	for (size_t i = 0; !rc && i < n; i++)
		if (memcmp(vv[i].author, ctx->app.author, CRDT_AUTHOR_LEN) == 0)
			*total += vv[i].seq;
	mem_free(vv);
	return rc;
}

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
			return node_fail(ctx, -errno, M_FAILED);
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

static int rc_fetch_bundle(struct node_ctx *ctx, const char *path)
{
	struct sync_report rep;
	memset(&rep, 0, sizeof(rep));
	int rc = sync_bundle_import(ctx->app.sync, path, ctx->app.now_ms, &rep);
	if (rc == ERR_CORRUPT)
		return node_fail(ctx, ERR_USAGE, M_BUNDLE_NOT_BUNDLE, path);
	if (rc == ERR_NOTFOUND || rc == -ENOENT)
		return node_fail(ctx, ERR_NOTFOUND, M_BUNDLE_READ, path, node_reason(ctx->lang, -ENOENT));
	if (rc)
		return node_fail(ctx, rc, M_BUNDLE_READ, path, node_reason(ctx->lang, rc));
	return 0;
}

/* Commits that left the node (a converged sync, a bundle export) but did
 * not come back are held elsewhere (a bundle on its way, a neighbour):
 * going on would number them again. Unless --accept-loss says they are
 * gone, stop (ERR_CONFLICT, exit 3): the node stays refused, the mark as
 * it was. */
static int rc_sent_check(struct node_ctx *ctx)
{
	const struct app_mark *m = ctx->app.mark;
	for (size_t i = 0; i < m->nfeed; i++) {
		uint64_t held;
		int rc = crdt_store_own_seq(ctx->app.store, m->feed[i].scope, &held);
		if (rc)
			return node_fail_store(ctx, rc);
		if (held < m->feed[i].sent)
			return node_fail(ctx, ERR_CONFLICT, M_RECOVER_SENT_MISSING,
					 m->feed[i].scope[0] ? m->feed[i].scope : node_msg(ctx->lang, M_MARK_COUNTY),
					 (unsigned long long)held + 1, (unsigned long long)m->feed[i].sent);
	}
	return 0;
}

static const struct app_mark_feed *rc_feed(const struct app_mark *m, const char *scope)
{
	for (size_t i = 0; i < m->nfeed; i++)
		if (strcmp(m->feed[i].scope, scope) == 0)
			return &m->feed[i];
	return NULL;
}

/* The lost commits of one feed, from feed.journal. */
struct rc_lost {
	struct { uint64_t seq; char *ids; } *v;
	size_t n, cap;
	int err;
};

static void rc_lost_add(void *arg, uint64_t seq, const char *ids)
{
	struct rc_lost *l = arg;
	if (l->err)
		return;
	if ((l->err = MEM_GROW(l->v, l->cap, l->n + 1)))
		return;
	if (!(l->v[l->n].ids = mem_strndup(ids, strlen(ids)))) {
		l->err = -ENOMEM;
		return;
	}
	l->v[l->n++].seq = seq;
}

static void rc_lost_release(struct rc_lost *l, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		for (size_t k = 0; k < l[i].n; k++)
			mem_free(l[i].v[k].ids);
		mem_free(l[i].v);
	}
	mem_free(l);
}

static void rc_print(struct node_ctx *ctx, const char *source, uint64_t fetched,
		     const struct app_mark *before, const struct rc_lost *lost)
{
	const struct app_mark *m = ctx->app.mark;
	struct node_json j;
	char id[NODE_ID_MAX + 24];

	if (ctx->json) {
		node_json_init(&j, stdout);
		node_json_obj(&j);
		node_json_kstr(&j, "source", source);
		node_json_kint(&j, "fetched", (int64_t)fetched);
		node_json_key(&j, "feeds");
		node_json_arr(&j);
	} else {
		node_say(ctx, M_RECOVER_FETCHED, source, (unsigned long long)fetched);
	}
	for (size_t i = 0; i < m->nfeed; i++) {
		const struct app_mark_feed *f = &m->feed[i], *b = rc_feed(before, f->scope);
		uint64_t held = f->floor, bs = b ? b->sent : 0;
		const struct rc_lost *l = &lost[i];
		if (ctx->json) {
			node_json_obj(&j);
			node_json_kstr(&j, "scope", f->scope);
			node_json_kint(&j, "held", (int64_t)held);
			node_json_kint(&j, "next_seq", (int64_t)held + 1);
			node_json_key(&j, "sent_lost");
			if (bs > held) {
				node_json_arr(&j);
				node_json_int(&j, (int64_t)held + 1);
				node_json_int(&j, (int64_t)bs);
				node_json_end_arr(&j);
			} else {
				node_json_null(&j);
			}
			node_json_key(&j, "lost");
			node_json_arr(&j);
			for (size_t k = 0; k < l->n; k++) {
				node_json_obj(&j);
				node_json_kint(&j, "seq", (int64_t)l->v[k].seq);
				node_json_key(&j, "ids");
				node_json_arr(&j);
				char *save = NULL, buf[600];
				snprintf(buf, sizeof(buf), "%s", l->v[k].ids);
				for (char *t = strtok_r(buf, " ", &save); t; t = strtok_r(NULL, " ", &save))
					node_json_str(&j, t);
				node_json_end_arr(&j);
				node_json_end_obj(&j);
			}
			node_json_end_arr(&j);
			node_json_end_obj(&j);
			continue;
		}
		node_say(ctx, M_RECOVER_FEED, f->scope[0] ? f->scope : node_msg(ctx->lang, M_MARK_COUNTY),
			 (unsigned long long)held, (unsigned long long)held + 1);
		if (bs > held)
			node_say(ctx, M_RECOVER_SENT_LOST, (unsigned long long)held + 1, (unsigned long long)bs);
		for (size_t k = 0; k < l->n; k++)
			node_say(ctx, M_RECOVER_LOST, (unsigned long long)l->v[k].seq, l->v[k].ids);
		if (bs <= held && !l->n)
			node_say(ctx, M_RECOVER_NOLOSS);
	}
	if (ctx->json) {
		node_json_end_arr(&j);
		node_json_key(&j, "next_ids");
		node_json_obj(&j);
	}
	char ids[26 * (NODE_ID_MAX + 24)] = "";
	size_t used = 0;
	for (int k = 0; k < 26; k++) {
		if (!m->id_floor[k])
			continue;
		char key[2] = { (char)('a' + k), '\0' };
		snprintf(id, sizeof(id), "%s-%c%llu", app_id_prefix(&ctx->app), 'a' + k,
			 (unsigned long long)m->id_floor[k] + 1);
		if (ctx->json)
			node_json_kstr(&j, key, id);
		else if (used < sizeof(ids))
			used += (size_t)snprintf(ids + used, sizeof(ids) - used, "%s%s", used ? " " : "", id);
	}
	if (!ctx->json && used)
		node_say(ctx, M_RECOVER_IDS, ids);
	if (ctx->json) {
		node_json_end_obj(&j);
		node_json_end_obj(&j);
	} else {
		node_say(ctx, M_RECOVER_DONE);
	}
}

int node_cmd_recover(struct node_ctx *ctx, int argc, char **argv)
{
	struct node_opt o[] = { { "from", true, NULL },
				{ "bundle", true, NULL },
				{ "timeout", true, NULL },
				{ "accept-loss", false, NULL } };
	struct app_mark before;
	const char *pos[1];
	size_t npos;
	uint64_t own0 = 0, own1 = 0;
	int64_t t;
	int rc = node_opts_parse(ctx, argc, argv, o, NOPTS(o), pos, 0, &npos);

	if (rc)
		return rc > 0 ? 0 : rc;
	if (!o[0].val == !o[1].val)
		return node_fail(ctx, ERR_USAGE, M_RECOVER_NEED_SOURCE);
	if (o[2].val && app_parse_int(o[2].val, 1, 86400, &t))
		return node_fail(ctx, ERR_USAGE, M_BAD_NUMBER, "--timeout", o[2].val);
	if (o[2].val && o[1].val)
		return node_fail(ctx, ERR_USAGE, M_RECOVER_NEED_SOURCE);
	if ((rc = node_open(ctx)))
		return rc;
	if (!ctx->app.mark || !ctx->app.mark->mismatch) {
		if (ctx->json)
			printf("{\"recovered\":false}\n");
		else
			node_say(ctx, M_RECOVER_NOT_NEEDED);
		return 0;
	}
	if ((rc = rc_own_total(ctx, &own0)))
		return node_fail_store(ctx, rc);
	rc = o[0].val ? rc_fetch_coap(ctx, o[0].val, o[2].val) : rc_fetch_bundle(ctx, o[1].val);
	if (rc)
		return rc; /* said; the node stays refused: run it again */
	if ((rc = rc_own_total(ctx, &own1)))
		return node_fail_store(ctx, rc);
	if (!o[3].val && (rc = rc_sent_check(ctx)))
		return rc;
	if ((rc = app_mark_recovered(&ctx->app, &before)))
		return rc;
	/* what was written after the last commit that came back (J1) */
	size_t nfeed = ctx->app.mark->nfeed;
	struct rc_lost *lost = mem_calloc(nfeed + 1, sizeof(*lost));
	for (size_t i = 0; lost && i < nfeed && !rc; i++)
		if (!(rc = app_mark_journal_each(&ctx->app, ctx->app.mark->feed[i].scope, ctx->app.mark->feed[i].floor,
						  rc_lost_add, &lost[i])))
			rc = lost[i].err;
	if (lost && !rc)
		app_mark_journal_clear(&ctx->app); /* listed once; the seqs are numbered again */
	if (lost && !rc)
		rc_print(ctx, o[0].val ? o[0].val : o[1].val, own1 - own0, &before, lost);
	if (lost)
		rc_lost_release(lost, nfeed);
	app_mark_release(&before);
	return !lost ? node_fail(ctx, -ENOMEM, M_FAILED) : rc ? node_fail_store(ctx, rc) : 0;
}
