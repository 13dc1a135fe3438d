// SPDX-License-Identifier: MIT
/*
 * recover.c - recovering a node whose replica lost its own commits
 * (recover.h has the steps).
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "app/bundle.h"
#include "app/mark.h"
#include "app/recover.h"
#include "base/err.h"
#include "base/mem.h"

bool app_recover_needed(const struct app *a)
{
	return a->mark && a->mark->mismatch;
}

/* The sum of this node's own seqs over its feeds (commits held). */
static int app_recover_own(struct app *a, uint64_t *total)
{
	struct crdt_vv_entry *vv = NULL;
	size_t n = 0;
	int rc = crdt_store_vv(a->store, &vv, &n);
	*total = 0;
	for (size_t i = 0; !rc && i < n; i++)
		if (memcmp(vv[i].author, a->author, CRDT_AUTHOR_LEN) == 0)
			*total += vv[i].seq;
	mem_free(vv);
	return rc ? app_fail_store(a, rc) : 0;
}

int app_recover_begin(struct app *a, uint64_t *own)
{
	return app_recover_own(a, own);
}

int app_recover_bundle(struct app *a, const char *path)
{
	struct sync_report rep;
	int rc = app_bundle_import(a, path, &rep);
	if (rc == ERR_RULE) { /* in part: what came back is judged next */
		app_fail_clear(a);
		rc = 0;
	}
	return rc;
}

/* Commits that left the node (a converged sync, a bundle export) but did
 * not come back are held elsewhere (a bundle on its way, a neighbour):
 * going on would number them again. ERR_CONFLICT: the node stays
 * refused, the mark as it was. */
static int app_recover_sent_check(struct app *a)
{
	const struct app_mark *m = a->mark;
	for (size_t i = 0; i < m->nfeed; i++) {
		uint64_t held;
		int rc = crdt_store_own_seq(a->store, m->feed[i].scope, &held);
		if (rc)
			return app_fail_store(a, rc);
		if (held < m->feed[i].sent) {
			char first[24], last[24];
			snprintf(first, sizeof(first), "%llu", (unsigned long long)held + 1);
			snprintf(last, sizeof(last), "%llu", (unsigned long long)m->feed[i].sent);
			return app_failf(a, ERR_CONFLICT, APP_W_RECOVER_SENT_MISSING, 3, m->feed[i].scope,
					 first, last);
		}
	}
	return 0;
}

/* One lost commit of a feed, from feed.journal (app_mark_journal_each). */
struct app_recover_collect {
	struct app_recover_feed *f;
	size_t cap;
	int err;
};

static void app_recover_lost_add(void *arg, uint64_t seq, const char *ids)
{
	struct app_recover_collect *c = arg;
	struct app_recover_feed *f = c->f;
	if (c->err)
		return;
	if ((c->err = MEM_GROW(f->lost, c->cap, f->nlost + 1)))
		return;
	if (!(f->lost[f->nlost].ids = mem_strndup(ids, strlen(ids)))) {
		c->err = -ENOMEM;
		return;
	}
	f->lost[f->nlost++].seq = seq;
}

/* What the result says, from the mark as it was (before) and as it is. */
static int app_recover_collect(struct app *a, const struct app_mark *before,
			       struct app_recover_result *res)
{
	const struct app_mark *m = a->mark;
	int rc = 0;
	if (!(res->feed = mem_calloc(m->nfeed + 1, sizeof(*res->feed))))
		return -ENOMEM;
	res->nfeed = m->nfeed;
	for (size_t i = 0; i < m->nfeed && !rc; i++) {
		struct app_recover_feed *f = &res->feed[i];
		struct app_recover_collect c = { f, 0, 0 };
		snprintf(f->scope, sizeof(f->scope), "%s", m->feed[i].scope);
		f->held = m->feed[i].floor;
		for (size_t k = 0; k < before->nfeed; k++)
			if (strcmp(before->feed[k].scope, f->scope) == 0 && before->feed[k].sent > f->held)
				f->sent_lost = before->feed[k].sent;
		rc = app_mark_journal_each(a, f->scope, f->held, app_recover_lost_add, &c);
		if (!rc)
			rc = c.err;
	}
	for (int k = 0; k < 26; k++)
		res->next_id[k] = m->id_floor[k] ? m->id_floor[k] + 1 : 0;
	return rc;
}

int app_recover_finish(struct app *a, uint64_t own_before, bool accept_loss,
		       struct app_recover_result *res)
{
	struct app_mark before;
	uint64_t own = 0;
	int rc;
	memset(res, 0, sizeof(*res));
	if ((rc = app_recover_own(a, &own)))
		return rc;
	if (!accept_loss && (rc = app_recover_sent_check(a)))
		return rc;
	if ((rc = app_mark_recovered(a, &before)))
		return rc;
	res->fetched = own - own_before;
	/* what was written after the last commit that came back (J1) */
	rc = app_recover_collect(a, &before, res);
	app_mark_release(&before);
	if (rc) {
		app_recover_result_release(res);
		return rc == -ENOMEM ? app_failf(a, rc, APP_W_FAILED, 0) : app_fail_store(a, rc);
	}
	app_mark_journal_clear(a); /* listed once; the seqs are numbered again */
	return 0;
}

void app_recover_result_release(struct app_recover_result *res)
{
	for (size_t i = 0; res->feed && i < res->nfeed; i++) {
		for (size_t k = 0; k < res->feed[i].nlost; k++)
			mem_free(res->feed[i].lost[k].ids);
		mem_free(res->feed[i].lost);
	}
	mem_free(res->feed);
	memset(res, 0, sizeof(*res));
}
