// SPDX-License-Identifier: MIT
/*
 * compact.c - the rule of what the log may lose (log compaction), and
 * running it in bounded transactions. crdt/compact.c keeps the bases and
 * the acks and deletes; this file decides.
 *
 * A commit (A, S, q) of feed (author A, scope S) may be pruned at node N
 * only if all of these hold:
 *  R1. Every reader of S that N must serve has acknowledged q: reported
 *      holding the feed up to q or past it, in a HELLO or an ACK
 *      (session.c S12, kept in _acks). At a station, the readers are the
 *      hubs (the reader and relay of last resort, which serves everyone
 *      else); at the hub, every enrolled, unrevoked node whose statement
 *      is not expired and whose scopes include S (a station: its own and
 *      ""; a hub: all), N itself excepted. A reader that never reported
 *      acks nothing, so it blocks S; no readers at all (no county root,
 *      no statements) prunes nothing.
 *  R2. q is at or below a commit c of the feed whose checkpoint (author's
 *      signature over its chain hash) N holds, and N prunes exactly up to
 *      such a c: every base carries a signature, so a base can be shown
 *      to a peer (a snapshot) and verified.
 *  R3. q is older than the retention: its HLC's wall time is at most
 *      now - keep_ms (node.conf compact_keep_days; 0 days there disables
 *      compaction), so `cunlian log ID` keeps recent history.
 *  R4. Of N's own feeds, nothing the hub has not acknowledged: at a
 *      station the hub is a reader of every scope (R1), so R1 implies it.
 *  R5. The newest commit of a feed that N holds always stays in _log, so
 *      the next local commit chains from its seal, and a peer one commit
 *      behind still gets a range (crdt_store_prune refuses otherwise).
 *  R6. Only merged commits go: a carried or held-back commit (not in the
 *      tables) stops the feed there, so a base always means "merged into
 *      the tables up to here".
 *  R7. Feeds are pruned in seq order, in transactions of at most
 *      txn_commits commits (the cut being the highest checkpoint within
 *      that many, or the first past it when none is), each setting the
 *      base and deleting the rows under it together (crdt/compact.c B3).
 *      A power cut between two leaves a valid, smaller compaction.
 *  R8. The county root's feed is never pruned: a node learns who may
 *      write what, and its scope keys, from the root's commits in its log
 *      each time it opens (trust.c, sync_trust_refresh), and statements
 *      are few.
 *
 * The simulation (tests/sim/test_sim.c) checks the rule's point after
 * every compaction: every base a node holds is held by every reader it
 * must serve.
 *
 * What is not pruned: _conflicts (the losers of append conflicts are
 * part of the tables' state, and the digest, not of the log); the tables
 * themselves. The audit view (app/log.c) shows "history before <date>
 * compacted" for a record whose oldest commits are gone.
 */
#include <errno.h>
#include <string.h>

#include "base/err.h"
#include "base/mem.h"
#include "sync/sync_internal.h"

struct compact_cut {
	uint64_t seq, hlc, commits, bytes;
	uint8_t hash[SYNC_HASH_LEN], sig[SYNC_SIG_LEN];
};

struct compact_walk {
	const struct sync_compact_options *o;
	uint64_t limit, txn;
	uint64_t commits, bytes;          /* walked past the last cut */
	struct compact_cut cand;          /* the highest checkpoint walked since the last cut */
	bool has_cand;
	struct compact_cut *cuts;
	size_t ncuts, cap;
	int stop;                         /* 0, or the rule that stopped the walk (R3, R6) */
	int rc;
};

static int compact_push(struct compact_walk *w)
{
	int rc = MEM_GROW(w->cuts, w->cap, w->ncuts + 1);
	if (rc)
		return rc;
	w->cuts[w->ncuts++] = w->cand;
	w->has_cand = false;
	w->commits = 0;
	w->bytes = 0;
	return 0;
}

static int compact_one(void *arg, const struct crdt_log_entry *e)
{
	struct compact_walk *w = arg;
	const uint8_t *h, *sig;
	if (e->seq > w->limit || (w->o->max_txns && w->ncuts >= w->o->max_txns))
		return 1; /* past the limit, or cuts enough for this call */
	if (e->carried) {
		w->stop = 6; /* R6 */
		return 1;
	}
	if (CRDT_HLC_MS(e->hlc) > w->o->now_ms || w->o->now_ms - CRDT_HLC_MS(e->hlc) < w->o->keep_ms) {
		w->stop = 3; /* R3: HLCs grow along a feed, so the rest is newer */
		return 1;
	}
	w->commits++;
	w->bytes += e->body_len + e->seal_len;
	if (sync_seal_parse(e->seal, e->seal_len, &h, &sig) == 0 && sig) { /* R2 */
		w->cand.seq = e->seq;
		w->cand.hlc = e->hlc;
		w->cand.commits = w->commits;
		w->cand.bytes = w->bytes;
		memcpy(w->cand.hash, h, SYNC_HASH_LEN);
		memcpy(w->cand.sig, sig, SYNC_SIG_LEN);
		w->has_cand = true;
		if (w->commits >= w->txn && (w->rc = compact_push(w)))
			return 1; /* R7 */
	} else if (w->commits >= w->txn && w->has_cand) {
		uint64_t c = w->commits - w->cand.commits, b = w->bytes - w->cand.bytes;
		if ((w->rc = compact_push(w)))
			return 1;
		w->commits = c; /* what is past the cut starts the next */
		w->bytes = b;
	}
	return 0;
}

static int compact_scope_add(struct sync_compact_report *r, const char *scope, uint64_t commits,
			     uint64_t bytes)
{
	size_t i;
	for (i = 0; i < r->nscopes; i++)
		if (strcmp(r->scopes[i].scope, scope) == 0)
			break;
	if (i == r->nscopes) {
		int rc = MEM_GROW(r->scopes, r->scopes_cap, r->nscopes + 1);
		if (rc)
			return rc;
		memset(&r->scopes[i], 0, sizeof(r->scopes[i]));
		memcpy(r->scopes[i].scope, scope, strlen(scope) + 1);
		r->nscopes++;
	}
	r->scopes[i].commits += commits;
	r->scopes[i].bytes += bytes;
	return 0;
}

/* R1: the highest seq of the feed every reader acknowledged; 0 when one
 * did not, or there is none. */
static int compact_acked(struct sync_ctx *c, const struct sync_compact_options *o,
			 const struct crdt_vv_entry *f, uint8_t (*rd)[SYNC_PK_LEN], uint64_t *acked)
{
	size_t n = 0;
	int rc;
	*acked = 0;
	if (o->readers) {
		int k = o->readers(o->readers_arg, f->scope, rd, SYNC_COMPACT_READERS_MAX);
		if (k < 0)
			return k;
		n = (size_t)k;
	} else if ((rc = sync_trust_compact_readers(c, f->scope, o->hub, o->now_ms, rd,
						    SYNC_COMPACT_READERS_MAX, &n))) {
		return rc == ERR_TOOBIG ? 0 : rc; /* too many to ask: keep it all */
	}
	if (n == 0)
		return 0;
	uint64_t low = UINT64_MAX;
	for (size_t i = 0; i < n && low; i++) {
		uint64_t a;
		if ((rc = crdt_store_ack_get(c->store, rd[i], f->author, f->scope, &a)))
			return rc;
		if (a < low)
			low = a;
	}
	*acked = low;
	return 0;
}

int sync_compact(struct sync_ctx *c, const struct sync_compact_options *o, struct sync_compact_report *r)
{
	struct crdt_vv_entry *feeds = NULL;
	uint8_t (*rd)[SYNC_PK_LEN] = NULL;
	size_t nfeeds = 0;
	int rc;

	memset(r, 0, sizeof(*r));
	if ((rc = crdt_store_vv(c->store, &feeds, &nfeeds)))
		return rc;
	rd = mem_alloc(SYNC_COMPACT_READERS_MAX * sizeof(*rd));
	if (!rd) {
		rc = -ENOMEM;
		goto out;
	}
	for (size_t i = 0; i < nfeeds; i++) {
		const struct crdt_vv_entry *f = &feeds[i];
		struct crdt_base base;
		uint64_t from = 0, acked;
		rc = crdt_store_base_get(c->store, f->author, f->scope, &base);
		if (rc == 0)
			from = base.seq;
		else if (rc != ERR_NOTFOUND)
			goto out;
		rc = 0;
		if (f->seq <= from + 1)
			continue; /* R5: nothing but the newest */
		if (c->trust && sync_trust_rank(c, f->author) == 0)
			continue; /* R8: the root's statements stay */
		if ((rc = compact_acked(c, o, f, rd, &acked)))
			goto out;
		if (acked <= from) {
			r->kept_unacked++;
			continue;
		}
		struct compact_walk w = { .o = o, .limit = acked < f->seq - 1 ? acked : f->seq - 1,
					  .txn = o->txn_commits ? o->txn_commits : SYNC_COMPACT_TXN };
		rc = crdt_log_each(c->store, f->author, f->scope, from, compact_one, &w);
		if (rc > 0)
			rc = 0; /* the walk stopped at the limit or a rule */
		if (!rc && w.rc)
			rc = w.rc;
		if (!rc && w.has_cand)
			rc = compact_push(&w);
		if (rc < 0) {
			mem_free(w.cuts);
			goto out;
		}
		rc = 0;
		if (w.ncuts == 0) {
			if (w.stop == 3)
				r->kept_recent++;
			else if (w.stop == 6)
				r->kept_carried++;
			else
				r->kept_unsigned++;
		} else {
			r->feeds++;
		}
		for (size_t k = 0; k < w.ncuts && !rc; k++) {
			struct crdt_base b;
			if (o->max_txns && r->txns == o->max_txns) {
				r->more = true;
				break;
			}
			uint64_t n = w.cuts[k].commits, bytes = w.cuts[k].bytes;
			memset(&b, 0, sizeof(b));
			memcpy(b.author, f->author, CRDT_AUTHOR_LEN);
			memcpy(b.scope, f->scope, sizeof(b.scope));
			b.seq = w.cuts[k].seq;
			b.hlc = w.cuts[k].hlc;
			memcpy(b.hash, w.cuts[k].hash, SYNC_HASH_LEN);
			memcpy(b.sig, w.cuts[k].sig, SYNC_SIG_LEN);
			b.has_sig = true;
			if (!o->dry_run) {
				rc = crdt_store_prune(c->store, &b, &n, &bytes);
				if (rc == ERR_USAGE) { /* changed meanwhile (another process): next time */
					rc = 0;
					break;
				}
				if (rc)
					break;
				r->txns++;
			}
			r->commits += n;
			r->bytes += bytes;
			rc = compact_scope_add(r, f->scope, n, bytes);
		}
		mem_free(w.cuts);
		if (rc)
			goto out;
		if (r->more)
			break;
	}
out:
	mem_free(rd);
	mem_free(feeds);
	return rc;
}

void sync_compact_report_release(struct sync_compact_report *r)
{
	mem_free(r->scopes);
	r->scopes = NULL;
	r->nscopes = r->scopes_cap = 0;
}
