// SPDX-License-Identifier: MIT
/*
 * delta.c - the sync context, building the delta a peer lacks, and
 * verifying and applying a received DELTA chunk.
 *
 * Invariants:
 *  D1. Export sends, per feed, the commits above the peer's entry in seq
 *      order, stopping at the first commit that is missing or unsealed; a
 *      feed this node did not author is sent only up to its last held
 *      checkpoint, and every piece of it in a chunk ends at a checkpoint.
 *  D2. Apply checks a whole range (authorisation of every commit, the
 *      chain from the held commit before it, the checkpoint or the author
 *      being the chunk's signer, agreement with what is already held)
 *      before it changes anything, and refuses it whole when any check
 *      fails (but the author rules: P1).
 *  D3. A chunk is applied in one transaction (or in the caller's group):
 *      it is durable, or absent, when sync_chunk_apply returns.
 *  D4. A commit that verifies but that the rules of who may write what
 *      refuse (sync_trust_writes) is held back: kept in the log, counted
 *      and reported as refused, never merged while refused, and the
 *      author's feed goes on past it, so one refusal never stalls the
 *      commits after it. Each chunk that merged something judges the
 *      held-back commits again, a bounded number, going on in turn from
 *      where the last judging stopped (so commits refused for good never
 *      starve the others), and merges those the rules now allow (say a redemption whose volunteer
 *      had not arrived yet). Refusals of the author itself (unknown,
 *      revoked, expired) and of the bytes (forged, tampered, malformed)
 *      still refuse the rest of the range, as D2 says.
 *  D5. An opened range (trust.c O1-O5, G5) is exported only for a reader
 *      that holds its scope's key, and only when every commit is sealed
 *      F = 2 or 5 under a generation this node holds, or not encrypted.
 *      Received, its box is opened and each stored body rebuilt before
 *      sync_range_apply, which then checks those bodies as D2 says; a box
 *      this node cannot open refuses the range whole and changes nothing.
 *  D7. A chunk holds whole commits and, normally, at most chunk_max
 *      bytes. When nothing complete fits, the smallest complete piece
 *      goes alone in one chunk of up to SYNC_CHUNK_LONE bytes (a link
 *      carries it as it carries any large message: CoAP block-wise), and
 *      the chunks after it are of chunk_max again. For our own feed that
 *      piece is one commit with its checkpoint (one larger than that is
 *      ERR_TOOBIG); for a relayed feed it is the commits up to its
 *      author's next checkpoint held (D1), which may be many when the
 *      author sent them in large chunks. A relayed piece larger than
 *      that is left out with the rest of its feed, and counted in
 *      sync_ctx_too_large: the peer gets it from its author or by another
 *      path, and every other feed still goes.
 *  D8. Log compaction (crdt/compact.c): a feed pruned down to a base is
 *      held from base + 1 on. A received range's commits at or below the
 *      base are held already (duplicates) and the rest is chained from
 *      the base's hash, so chains verify across a base. A peer behind a
 *      base (its entry below it) gets nothing of that feed in a delta:
 *      the feed is named in sync_ctx_pruned instead, for a PRUNED
 *      message (session.c S11) that tells it to start from a snapshot.
 *  D9. A piece of this node's own feed of at least SYNC_BARE_MIN
 *      commits leaves out the checkpoint of its last commit, unless it
 *      ends the delta's part of that feed or SYNC_CKPT_EVERY - 1 chunks
 *      in a row before it held our feed without our checkpoint. The
 *      receiver takes the chunk's signature for those commits (D2) and
 *      keeps them sealed without a checkpoint: 64 bytes less in such a
 *      chunk. The delta's end is always a checkpoint; a relay's piece
 *      of our feed (D1) spans at most SYNC_CKPT_EVERY chunks of small
 *      commits (one larger chunk, D7), and a piece of fewer, larger
 *      commits keeps its checkpoint, so that a commit of up to
 *      SYNC_COMMIT_FIT still crosses a relay in chunks of the link's
 *      size. Only with chunks of at most SYNC_CHUNK_LONE /
 *      SYNC_CKPT_EVERY bytes: with larger ones (bundles) such a piece
 *      could not be relayed at all (D7), so every chunk keeps its own.
 *  D6. A commit that may travel only opened (trust.c G6: a station-scope
 *      body not encrypted) is never sent commit by commit: the range ends
 *      before it (a relayed one at its last checkpoint before it), so the
 *      rest of that feed waits for a reader's export; sync_ctx_withheld
 *      counts what was left out.
 *  P1. When the author rules (sync_trust_author: revoked, expired) refuse
 *      a range from a commit on, the commits before it are taken (a
 *      revocation covers a feed from a seq or a time on, and HLCs grow
 *      along a feed, so the refused ones are the range's end) once the
 *      whole range's chain and checkpoint verified (D2). Its checkpoint
 *      then sits on a refused commit, which is neither merged nor logged.
 *      So the last commit taken, when it holds no checkpoint of its own
 *      and no later commit of the feed is held, keeps in its seal (kind
 *      3, SYNC_SEAL_PROOF) its hash, the refused commits (HLC and stored
 *      body) and that checkpoint: the proof that the commits taken are
 *      their author's, as good as a checkpoint on the last of them (the
 *      same key signed it; whether a commit may be taken is judged per
 *      commit, by its seq and HLC, never by the signature). Without it
 *      no relay could send them on (D1): a carrier that learned the
 *      revocation first, or the hub, would hold them for good.
 *  P2. A range of the author's own feed without a checkpoint (D9) gives a
 *      proof still without one; the author's next ranges, refused whole,
 *      that chain on from it extend it (checked by their checkpoint or the
 *      chunk's signer, as D2), and the one ending with a checkpoint
 *      completes it. Nothing of them is merged or logged.
 *  P3. Export treats a kind-3 seal as the commit plus the commits of its
 *      proof, the last with its checkpoint (a waiting proof has none, so
 *      a relayed feed ends before it, D1); nothing of a feed is held past
 *      a proof. The receiver judges every commit of it again: it takes
 *      the same prefix and refuses the rest, with its reason, once.
 *  P4. A relay still offers a revoked author's commits it took before it
 *      learned the revocation (carried): the hub refuses them with their
 *      reason and its refused.log shows the attempt, at every session
 *      that brings them (the hub is where an administrator reads
 *      refusals). Not offering them (tried in session 8) left the hub
 *      with no record that the revoked board wrote on.
 */
#include <errno.h>
#include <sodium.h>
#include <stdlib.h>
#include <string.h>

#include "base/err.h"
#include "base/mem.h"
#include "sync/sync_internal.h"

/* ---- scopes, reports, version vectors --------------------------------- */

int sync_scopes_add(struct sync_scopes *s, const char *scope)
{
	size_t n = strlen(scope);
	if (n > CRDT_SCOPE_MAX)
		return ERR_TOOBIG;
	if (sync_scopes_has(s, scope) && !s->all)
		return 0;
	if (s->n == SYNC_SCOPES_MAX)
		return ERR_TOOBIG;
	memcpy(s->name[s->n], scope, n + 1);
	s->n++;
	return 0;
}

bool sync_scopes_has(const struct sync_scopes *s, const char *scope)
{
	if (!s || s->all)
		return true;
	for (size_t i = 0; i < s->n; i++)
		if (strcmp(s->name[i], scope) == 0)
			return true;
	return false;
}

void sync_report_reason(struct sync_report *r, int rc, uint64_t n)
{
	size_t i;
	for (i = 0; i < r->nreasons; i++)
		if (r->reasons[i].rc == rc)
			break;
	if (i == r->nreasons) {
		if (i == SYNC_REASONS_MAX)
			i--; /* the last slot collects the rest */
		else
			r->nreasons++;
		r->reasons[i].rc = rc;
	}
	r->reasons[i].n += n;
}

void sync_report_refuse(struct sync_report *r, int rc, uint64_t n)
{
	if (!r)
		return;
	r->refused += n;
	sync_report_reason(r, rc, n);
}

static void sync_report_merge(struct sync_report *dst, const struct sync_report *src)
{
	if (!dst)
		return;
	dst->chunks += src->chunks;
	dst->chunks_refused += src->chunks_refused;
	dst->applied += src->applied;
	dst->carried += src->carried;
	dst->held += src->held;
	dst->released += src->released;
	dst->duplicate += src->duplicate;
	dst->unwanted += src->unwanted;
	dst->bytes_skipped += src->bytes_skipped;
	dst->pruned += src->pruned;
	dst->refused += src->refused;
	for (size_t i = 0; i < src->nreasons; i++)
		sync_report_reason(dst, src->reasons[i].rc, src->reasons[i].n);
}

static int sync_vv_cmp(const void *a, const void *b)
{
	const struct crdt_vv_entry *x = a, *y = b;
	int c = memcmp(x->author, y->author, CRDT_AUTHOR_LEN);
	return c ? c : strcmp(x->scope, y->scope);
}

void sync_vv_sort(struct crdt_vv_entry *v, size_t n)
{
	if (n > 1)
		qsort(v, n, sizeof(*v), sync_vv_cmp);
}

const struct crdt_vv_entry *sync_vv_find(const struct crdt_vv_entry *v, size_t n,
					 const uint8_t author[SYNC_PK_LEN], const char *scope)
{
	struct crdt_vv_entry key;
	memcpy(key.author, author, CRDT_AUTHOR_LEN);
	snprintf(key.scope, sizeof(key.scope), "%s", scope);
	return n ? bsearch(&key, v, n, sizeof(*v), sync_vv_cmp) : NULL;
}

void sync_vv_put(struct buf *b, const struct crdt_vv_entry *v, size_t n)
{
	buf_put_varint(b, n);
	for (size_t i = 0; i < n; i++) {
		buf_put(b, v[i].author, CRDT_AUTHOR_LEN);
		buf_put_lenbytes(b, v[i].scope, strlen(v[i].scope));
		buf_put_varint(b, v[i].seq);
	}
}

/* Format 2 (docs/protocol.md §5): entries sorted by (author, scope), each
 * author once: varint nauthors, then per author: author[32], varint
 * nfeeds, nfeeds x (lenbytes scope, varint seq). Format 3 (self not NULL,
 * the chunk's sender): after nauthors, varint place: 0 when self is none
 * of the authors, else 1 + its place among them, and its 32 bytes are not
 * written (the chunk's header holds them). */
void sync_vv_put2(struct buf *b, const struct crdt_vv_entry *v, size_t n, const uint8_t *self)
{
	size_t nauthors = 0, place = 0;
	for (size_t i = 0; i < n; i++)
		if (i == 0 || memcmp(v[i].author, v[i - 1].author, CRDT_AUTHOR_LEN) != 0) {
			nauthors++;
			if (self && memcmp(v[i].author, self, CRDT_AUTHOR_LEN) == 0)
				place = nauthors;
		}
	buf_put_varint(b, nauthors);
	if (self)
		buf_put_varint(b, place);
	for (size_t i = 0, a = 0; i < n; a++) {
		size_t k = i + 1;
		while (k < n && memcmp(v[k].author, v[i].author, CRDT_AUTHOR_LEN) == 0)
			k++;
		if (!self || a + 1 != place)
			buf_put(b, v[i].author, CRDT_AUTHOR_LEN);
		buf_put_varint(b, k - i);
		for (; i < k; i++) {
			buf_put_lenbytes(b, v[i].scope, strlen(v[i].scope));
			buf_put_varint(b, v[i].seq);
		}
	}
}

int sync_vv_get2(struct cur *c, struct crdt_vv_entry **out, size_t *n, size_t max, const uint8_t *self)
{
	struct crdt_vv_entry *v = NULL;
	size_t len = 0, cap = 0;
	uint64_t nauthors, place = 0;
	int rc;

	*out = NULL;
	*n = 0;
	if ((rc = cur_get_varint(c, &nauthors)) || (self && (rc = cur_get_varint(c, &place))))
		return rc;
	if (place > nauthors)
		return ERR_CORRUPT;
	/* every author but self costs at least its key and 3 bytes, self 3 */
	if (nauthors > max || nauthors - (place != 0) > cur_left(c) / (CRDT_AUTHOR_LEN + 3) ||
	    (place && cur_left(c) < 3))
		return ERR_TOOBIG;
	for (uint64_t a = 0; a < nauthors; a++) {
		uint8_t author[CRDT_AUTHOR_LEN];
		uint64_t nf;
		if (place && a + 1 == place) {
			memcpy(author, self, CRDT_AUTHOR_LEN);
		} else if ((rc = cur_copy(c, author, CRDT_AUTHOR_LEN))) {
			goto fail;
		} else if (self && memcmp(author, self, CRDT_AUTHOR_LEN) == 0) {
			rc = ERR_CORRUPT; /* format 3 names the sender only by its place */
			goto fail;
		}
		if ((rc = cur_get_varint(c, &nf)))
			goto fail;
		if (nf == 0 || nf > max - len || nf > cur_left(c) / 2) {
			rc = nf == 0 ? ERR_CORRUPT : ERR_TOOBIG;
			goto fail;
		}
		if (len + nf > cap) {
			if ((rc = MEM_GROW(v, cap, len + nf)))
				goto fail;
		}
		for (uint64_t f = 0; f < nf; f++) {
			struct crdt_vv_entry *e = &v[len];
			const uint8_t *sp;
			size_t sl;
			memset(e, 0, sizeof(*e));
			memcpy(e->author, author, CRDT_AUTHOR_LEN);
			if ((rc = cur_get_lenbytes(c, CRDT_SCOPE_MAX, &sp, &sl)) || (rc = cur_get_varint(c, &e->seq)))
				goto fail;
			if (memchr(sp, 0, sl) || e->seq > INT64_MAX) {
				rc = ERR_CORRUPT;
				goto fail;
			}
			memcpy(e->scope, sp, sl);
			/* strictly ascending: one encoding per vector (in format 3
			 * also: self is at its place, not written out again) */
			if (len && sync_vv_cmp(&v[len - 1], e) >= 0) {
				rc = ERR_CORRUPT;
				goto fail;
			}
			len++;
		}
	}
	*out = v;
	*n = len;
	return 0;
fail:
	mem_free(v);
	return rc;
}

int sync_vv_get(struct cur *c, struct crdt_vv_entry **out, size_t *n, size_t max)
{
	uint64_t cnt;
	struct crdt_vv_entry *v;
	int rc;
	*out = NULL;
	*n = 0;
	if ((rc = cur_get_varint(c, &cnt)))
		return rc;
	if (cnt > max || cnt > cur_left(c) / (CRDT_AUTHOR_LEN + 2))
		return ERR_TOOBIG;
	v = mem_calloc(cnt ? (size_t)cnt : 1, sizeof(*v));
	if (!v)
		return -ENOMEM;
	for (uint64_t i = 0; i < cnt; i++) {
		const uint8_t *s;
		size_t sl;
		if ((rc = cur_copy(c, v[i].author, CRDT_AUTHOR_LEN)) ||
		    (rc = cur_get_lenbytes(c, CRDT_SCOPE_MAX, &s, &sl)) || (rc = cur_get_varint(c, &v[i].seq)))
			goto fail;
		if (memchr(s, 0, sl) || v[i].seq > INT64_MAX) {
			rc = ERR_CORRUPT;
			goto fail;
		}
		memcpy(v[i].scope, s, sl);
	}
	*out = v;
	*n = (size_t)cnt;
	return 0;
fail:
	mem_free(v);
	return rc;
}

int sync_vv_wanted(struct sync_ctx *c, const struct sync_scopes *wants, struct crdt_vv_entry **out,
		   size_t *n)
{
	const char *names[SYNC_SCOPES_MAX];
	if (!wants || wants->all)
		return crdt_store_vv(c->store, out, n);
	for (size_t i = 0; i < wants->n; i++)
		names[i] = wants->name[i];
	return crdt_store_vv_scopes(c->store, names, wants->n, out, n);
}

int sync_vv_hash(const struct crdt_vv_entry *v, size_t n, uint8_t out[SYNC_VV_HASH_LEN])
{
	crypto_generichash_state h;
	uint8_t full[16];
	struct crdt_vv_entry *s = NULL;

	memset(out, 0, SYNC_VV_HASH_LEN);
	if (n && !(s = mem_alloc(n * sizeof(*s))))
		return -ENOMEM;
	if (n)
		memcpy(s, v, n * sizeof(*s));
	sync_vv_sort(s, n);
	crypto_generichash_init(&h, NULL, 0, sizeof(full));
	crypto_generichash_update(&h, (const uint8_t *)"cunlian-vv-v1", 13);
	for (size_t i = 0; i < n; i++) {
		uint8_t e[CRDT_AUTHOR_LEN + 1 + CRDT_SCOPE_MAX + 8];
		size_t sl = strlen(s[i].scope), k = 0;
		if (!s[i].seq)
			continue;
		memcpy(e, s[i].author, CRDT_AUTHOR_LEN);
		k = CRDT_AUTHOR_LEN;
		e[k++] = (uint8_t)sl;
		memcpy(e + k, s[i].scope, sl);
		k += sl;
		for (int b = 7; b >= 0; b--)
			e[k++] = (uint8_t)(s[i].seq >> (8 * b));
		crypto_generichash_update(&h, e, k);
	}
	crypto_generichash_final(&h, full, sizeof(full));
	memcpy(out, full, SYNC_VV_HASH_LEN);
	mem_free(s);
	return 0;
}

/* ---- context --------------------------------------------------------- */

int sync_ctx_new(struct sync_ctx **out, struct crdt_store *store, const struct sync_identity *id,
		 const struct sync_options *opt)
{
	struct sync_ctx *c;
	struct crdt_sealer sealer;
	int rc;

	*out = NULL;
	if (!store || !id || !id->sk)
		return ERR_USAGE;
	if ((rc = sync_init()))
		return rc;
	c = mem_calloc(1, sizeof(*c));
	if (!c)
		return -ENOMEM;
	c->store = store;
	c->id = id;
	if (opt)
		c->opt = *opt;
	if (!c->opt.chunk_max)
		c->opt.chunk_max = SYNC_CHUNK_DEFAULT;
	if (c->opt.chunk_max < SYNC_CHUNK_MIN)
		c->opt.chunk_max = SYNC_CHUNK_MIN;
	if (c->opt.chunk_max > SYNC_CHUNK_MAX)
		c->opt.chunk_max = SYNC_CHUNK_MAX;
	if (!c->opt.decompress_max)
		c->opt.decompress_max = SYNC_DECOMPRESS_DEFAULT;
	if (!c->opt.level)
		c->opt.level = 19;
	buf_init(&c->plain, c->opt.decompress_max + 1);
	buf_init(&c->tmp, SYNC_ARENA_MAX);
	buf_init(&c->open, CRDT_BODY_MAX + 1);
	c->cctx = ZSTD_createCCtx();
	c->dctx = ZSTD_createDCtx();
	if (!c->cctx || !c->dctx) {
		rc = -ENOMEM;
		goto fail;
	}
	ZSTD_CCtx_setParameter(c->cctx, ZSTD_c_compressionLevel, c->opt.level);
	ZSTD_CCtx_setParameter(c->cctx, ZSTD_c_contentSizeFlag, 1);
	ZSTD_CCtx_setParameter(c->cctx, ZSTD_c_checksumFlag, 0);
	ZSTD_CCtx_setParameter(c->cctx, ZSTD_c_dictIDFlag, 0);
	if (c->opt.dict) {
		c->cdict = ZSTD_createCDict(c->opt.dict->bytes, c->opt.dict->len, c->opt.level);
		if (!c->cdict) {
			rc = -ENOMEM;
			goto fail;
		}
	}
	if ((rc = sync_trust_new(c)))
		goto fail;
	if (c->trust)
		sync_trust_sealer(&sealer, c);
	else
		sync_feed_sealer(&sealer, id);
	crdt_store_set_sealer(store, &sealer);
	*out = c;
	return 0;
fail:
	sync_ctx_free(c);
	return rc;
}

void sync_ctx_free(struct sync_ctx *c)
{
	if (!c)
		return;
	if (c->grouped)
		crdt_store_abort(c->store);
	crdt_store_set_sealer(c->store, NULL);
	ZSTD_freeCCtx(c->cctx);
	ZSTD_freeDCtx(c->dctx);
	ZSTD_freeCDict(c->cdict);
	buf_release(&c->plain);
	buf_release(&c->tmp);
	buf_release(&c->open);
	sync_trust_free(c->trust);
	mem_free(c);
}

/*
 * Groups (the daemon's transaction over the deltas of one turn, S1 of
 * session.c):
 *  G1. A group begun for a peer's acks (sync_ctx_group_begin_nowait: a
 *      HELLO's or an ACK's feeds, session.c S12) does not wait for the
 *      disk at its end: nothing in it is acknowledged, and losing it to a
 *      power cut only keeps history longer. The next group that waits
 *      syncs the WAL, and with it these frames before it.
 *  G2. A DELTA is applied only in a group that waits (or outside any):
 *      a group that does not is ended first (its acks kept) and one that
 *      waits begun, so whatever a DELTA brings is on disk before its ACK.
 *  G3. Not waiting is the group's alone: the store waits again for every
 *      commit after it (crdt_store_begin_nowait), the node's own too.
 */
static int sync_ctx_group_open(struct sync_ctx *c, bool wait)
{
	if (c->grouped)
		return ERR_USAGE;
	int rc = wait ? crdt_store_begin(c->store) : crdt_store_begin_nowait(c->store);
	if (!rc) {
		c->grouped = true;
		c->group_nowait = !wait;
		c->group_seq++;
	}
	return rc;
}

int sync_ctx_group_begin(struct sync_ctx *c)
{
	return sync_ctx_group_open(c, true);
}

int sync_ctx_group_begin_nowait(struct sync_ctx *c)
{
	return sync_ctx_group_open(c, false);
}

int sync_ctx_group_end(struct sync_ctx *c)
{
	if (!c->grouped)
		return ERR_USAGE;
	c->grouped = false;
	int rc = crdt_store_end(c->store);
	if (rc)
		c->group_lost = c->group_seq; /* rolled back: nothing of it is durable */
	c->group_nowait = false;
	return rc;
}

/* ---- export ---------------------------------------------------------- */

struct sync_collect {
	struct sync_batch *b;
	uint64_t next;
	int rc;
};

/* One commit (seq k->next) into the batch; 0, or a failure of memory. */
static int sync_collect_put(struct sync_collect *k, uint64_t hlc, const uint8_t *body, size_t len,
			    const uint8_t *sig)
{
	struct sync_commit *cm = sync_batch_commit(k->b);
	if (!cm)
		return -ENOMEM;
	cm->seq = k->next;
	cm->hlc = hlc;
	cm->body_off = k->b->arena.len;
	cm->body_len = len;
	buf_put(&k->b->arena, body, len);
	if (k->b->arena.err)
		return k->b->arena.err;
	if (sig) {
		cm->has_sig = true;
		memcpy(cm->sig, sig, SYNC_SIG_LEN);
	}
	k->next++;
	return 0;
}

/* A kind-3 seal's proof (SYNC_SEAL_PROOF), read: the n commits after
 * the one it seals, as (varint hlc, lenbytes body) in items (raw, the
 * same bytes), and their author's checkpoint of the last (NULL: the
 * proof still waits for it). */
struct sync_proof {
	uint64_t n;
	const uint8_t *raw;
	size_t raw_len;
	struct cur items;
	const uint8_t *sig;
};

static int sync_proof_read(const uint8_t *seal, size_t len, struct sync_proof *pf)
{
	const uint8_t *p;
	size_t plen, rest;
	uint8_t sgn;
	struct cur c;

	memset(pf, 0, sizeof(*pf));
	if (!sync_seal_proof(seal, len, &p, &plen))
		return ERR_NOTFOUND;
	cur_init(&c, p, plen);
	if (cur_get_u8(&c, &sgn) || sgn > 1 || cur_get_varint(&c, &pf->n) || pf->n == 0 || pf->n > plen)
		return ERR_CORRUPT;
	rest = cur_left(&c);
	if (sgn && rest < SYNC_SIG_LEN)
		return ERR_CORRUPT;
	pf->raw_len = rest - (sgn ? SYNC_SIG_LEN : 0);
	if (cur_get_bytes(&c, pf->raw_len, &pf->raw))
		return ERR_CORRUPT;
	cur_init(&pf->items, pf->raw, pf->raw_len);
	pf->sig = sgn ? p + plen - SYNC_SIG_LEN : NULL;
	return 0;
}

static int sync_proof_next(struct sync_proof *pf, uint64_t *hlc, const uint8_t **body, size_t *len)
{
	if (cur_get_varint(&pf->items, hlc) || cur_get_lenbytes(&pf->items, CRDT_BODY_MAX, body, len))
		return ERR_CORRUPT;
	return 0;
}

/* The start of a kind-3 seal: the sealed commit's hash, whether a
 * checkpoint ends it, how many commits it holds. */
static void sync_proof_head(struct buf *p, const uint8_t *hash, bool sig, uint64_t n)
{
	buf_put_u8(p, SYNC_SEAL_PROOF);
	buf_put(p, hash, SYNC_HASH_LEN);
	buf_put_u8(p, sig ? 1 : 0);
	buf_put_varint(p, n);
}

/* The end of a kind-3 seal: commits cm[0..n) of batch b (varint hlc,
 * lenbytes body), then the last one's checkpoint when it has one. */
static void sync_proof_tail(struct buf *p, const struct sync_batch *b, const struct sync_commit *cm, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		buf_put_varint(p, cm[i].hlc);
		buf_put_lenbytes(p, b->arena.data + cm[i].body_off, cm[i].body_len);
	}
	if (n && cm[n - 1].has_sig)
		buf_put(p, cm[n - 1].sig, SYNC_SIG_LEN);
}

/* P3: the commits of a kind-3 seal's proof, after the commit it seals,
 * the last with its author's checkpoint; none of a proof still without
 * one (so a relayed feed ends at its last checkpoint before). 0,
 * ERR_CORRUPT (a proof that does not read: none of it is put), or a
 * failure of memory. */
static int sync_collect_proof(struct sync_collect *k, const uint8_t *seal, size_t len)
{
	struct sync_proof pf;
	uint64_t hlc, next = k->next;
	const uint8_t *body;
	size_t body_len, mark = k->b->nc, arena = k->b->arena.len;
	int rc = sync_proof_read(seal, len, &pf);

	if (!rc && !pf.sig)
		return 0; /* waiting (P2): nothing to show yet */
	for (uint64_t i = 0; i < pf.n && !rc; i++)
		if (!(rc = sync_proof_next(&pf, &hlc, &body, &body_len)))
			rc = sync_collect_put(k, hlc, body, body_len, i + 1 == pf.n ? pf.sig : NULL);
	if (!rc && !cur_done(&pf.items))
		rc = ERR_CORRUPT;
	if (rc == ERR_CORRUPT || rc == ERR_NOTFOUND) {
		k->b->nc = mark;
		k->b->arena.len = arena;
		k->next = next;
		rc = ERR_CORRUPT;
	}
	return rc;
}

static int sync_collect_one(void *arg, const struct crdt_log_entry *e)
{
	struct sync_collect *k = arg;
	const uint8_t *h, *sig;
	if (e->seq != k->next || sync_seal_parse(e->seal, e->seal_len, &h, &sig))
		return 1; /* a gap or an unsealed commit: the feed stops here */
	if ((k->rc = sync_collect_put(k, e->hlc, e->body, e->body_len, sig)))
		return 1;
	if (e->seal[0] != SYNC_SEAL_PROOF) /* parsed: the seal is there */
		return 0;
	k->rc = sync_collect_proof(k, e->seal, e->seal_len);
	if (k->rc == ERR_CORRUPT)
		k->rc = 0;
	return 1; /* P3: nothing of the feed is held past a proof */
}

/* Open range r of b for a reader of its scope (trust.c O1, G5): when
 * this node holds the newest key of the scope and the key of every
 * commit's generation, and every commit is sealed F = 2 or 5 or not
 * encrypted, put their plaintexts in b->plain and mark r opened;
 * otherwise leave r as it is (it travels commit by commit, D6). */
static int sync_collect_open(struct sync_ctx *c, struct sync_batch *b, struct sync_range *r)
{
	uint8_t key[SYNC_KEY_LEN];
	size_t mark = b->plain.len;
	uint32_t gen;
	int rc = 0;

	if (!*r->scope || r->count == 0)
		return 0;
	for (size_t k = r->first_commit; k < r->first_commit + r->count; k++) {
		const struct sync_commit *cm = &b->cm[k];
		if (!sync_body_boxable(b->arena.data + cm->body_off, cm->body_len))
			return 0; /* an old compressed format: per commit */
	}
	if (!sync_trust_key_newest(c, r->scope, &gen, key))
		return 0;
	sodium_memzero(key, sizeof(key));
	for (size_t k = r->first_commit; k < r->first_commit + r->count && !rc; k++) {
		struct sync_commit *cm = &b->cm[k];
		const uint8_t *body = b->arena.data + cm->body_off;
		cm->plain_off = b->plain.len;
		if (!sync_body_sealed(body, cm->body_len)) { /* not encrypted: as it is */
			cm->plain_len = cm->body_len;
			buf_put(&b->plain, body, cm->body_len);
			rc = b->plain.err;
			continue;
		}
		if (sync_body_gen(body, cm->body_len, &gen) || !sync_trust_key_gen(c, r->scope, gen, key)) {
			rc = ERR_UNAUTH;
			break;
		}
		rc = sync_body_decrypt(c, key, r->author, r->scope, cm->seq, cm->hlc, body, cm->body_len, &c->open);
		sodium_memzero(key, sizeof(key));
		if (rc)
			break;
		cm->plain_len = c->open.len;
		buf_put(&b->plain, c->open.data, c->open.len);
		rc = b->plain.err;
	}
	if (c->open.data && c->open.cap)
		sodium_memzero(c->open.data, c->open.cap);
	buf_reset(&c->open);
	if (rc == -ENOMEM || rc == ERR_TOOBIG)
		goto out;
	if (rc) { /* a body that does not open here still travels as it is */
		sodium_memzero(b->plain.data + mark, b->plain.len - mark);
		b->plain.len = mark;
		b->plain.err = 0;
		rc = 0;
		goto out;
	}
	r->opened = true;
out:
	sodium_memzero(key, sizeof(key));
	return rc;
}

/* D6: cut range i of b before its first commit that may travel only in
 * an opened range (trust.c G6), a relayed feed at its last checkpoint
 * before that; the range goes when nothing is left. */
static void sync_withhold(struct sync_ctx *c, struct sync_batch *b, size_t i)
{
	struct sync_range *r = &b->r[i];
	size_t keep = 0, cut, end = r->first_commit + r->count;

	while (keep < r->count) {
		const struct sync_commit *cm = &b->cm[r->first_commit + keep];
		if (sync_trust_withheld(c, r->scope, b->arena.data + cm->body_off, cm->body_len, cm->hlc))
			break;
		keep++;
	}
	if (keep == r->count)
		return;
	if (memcmp(r->author, c->id->pk, SYNC_PK_LEN) != 0)
		while (keep > 0 && !b->cm[r->first_commit + keep - 1].has_sig)
			keep--;
	cut = r->count - keep;
	memmove(&b->cm[r->first_commit + keep], &b->cm[end], (b->nc - end) * sizeof(*b->cm));
	b->nc -= cut;
	r->count = keep;
	c->withheld += cut;
	for (size_t j = i + 1; j < b->nr; j++)
		b->r[j].first_commit -= cut;
	if (keep == 0) {
		memmove(&b->r[i], &b->r[i + 1], (b->nr - i - 1) * sizeof(*b->r));
		b->nr--;
	}
}

/* D8: nothing of feed r was sent from seq from + 1: when that is because
 * the feed is pruned here down to a base at or past it, name the feed
 * (sync_ctx_pruned) so the peer is told it must start from a snapshot. */
static int sync_collect_pruned(struct sync_ctx *c, const struct sync_range *r, uint64_t from)
{
	struct crdt_base base;
	int rc = crdt_store_base_get(c->store, r->author, r->scope, &base);
	if (rc == ERR_NOTFOUND || (rc == 0 && base.seq <= from))
		return 0;
	if (rc)
		return rc == ERR_CORRUPT ? ERR_STORAGE : rc;
	if (c->npruned < SYNC_PRUNED_MAX) {
		struct crdt_vv_entry *e = &c->pruned[c->npruned++];
		memcpy(e->author, r->author, CRDT_AUTHOR_LEN);
		memcpy(e->scope, r->scope, sizeof(e->scope));
		e->seq = base.seq;
	}
	c->pruned_feeds++;
	return 0;
}

uint64_t sync_ctx_pruned(const struct sync_ctx *c, const struct crdt_vv_entry **v, size_t *n)
{
	*v = c->pruned;
	*n = c->npruned;
	return c->pruned_feeds;
}

/* Fill b with what the peer lacks, one range per feed; ranges of a scope
 * in reads (may be NULL: none) are opened when they can be, and what may
 * travel only opened is left out of the others (D6). */
static int sync_collect(struct sync_ctx *c, const struct crdt_vv_entry *vv, size_t n,
			const struct sync_scopes *wants, const struct sync_scopes *reads,
			struct sync_batch *b)
{
	struct crdt_vv_entry *mine = NULL, *peer = NULL;
	size_t nmine = 0;
	int rc;

	c->withheld = 0;
	c->too_large = 0;
	c->npruned = 0;
	c->pruned_feeds = 0;
	if ((rc = sync_vv_wanted(c, wants, &mine, &nmine)))
		return rc;
	if (n) {
		peer = mem_alloc(n * sizeof(*peer));
		if (!peer) {
			rc = -ENOMEM;
			goto out;
		}
		memcpy(peer, vv, n * sizeof(*peer));
		sync_vv_sort(peer, n);
	}
	/* The root's statements first, then the hubs' feeds, so a receiver
	 * knows every author before their commits arrive (trust.c). */
	for (size_t ii = 0; ii < 3 * nmine; ii++) {
		size_t i = ii % nmine;
		if (sync_trust_rank(c, mine[i].author) != (int)(ii / nmine))
			continue;
		const struct crdt_vv_entry *p = sync_vv_find(peer, n, mine[i].author, mine[i].scope);
		uint64_t from = p ? p->seq : 0;
		if (mine[i].seq <= from || !sync_scopes_has(wants, mine[i].scope))
			continue;
		struct sync_range *r = sync_batch_range(b);
		if (!r) {
			rc = -ENOMEM;
			goto out;
		}
		memcpy(r->author, mine[i].author, SYNC_PK_LEN);
		memcpy(r->scope, mine[i].scope, sizeof(r->scope));
		r->first_seq = from + 1;
		r->first_commit = b->nc;
		struct sync_collect k = { b, from + 1, 0 };
		rc = crdt_log_each(c->store, r->author, r->scope, from, sync_collect_one, &k);
		if (k.rc) {
			rc = k.rc;
			goto out;
		}
		if (rc < 0)
			goto out;
		rc = 0;
		if (b->nc == r->first_commit && (rc = sync_collect_pruned(c, r, from)))
			goto out;
		size_t cnt = b->nc - r->first_commit;
		if (memcmp(r->author, c->id->pk, SYNC_PK_LEN) != 0)
			while (cnt > 0 && !b->cm[r->first_commit + cnt - 1].has_sig)
				cnt--; /* relayed: end at the author's last checkpoint held */
		b->nc = r->first_commit + cnt;
		r->count = cnt;
		if (cnt == 0)
			b->nr--;
	}
	if (reads && c->trust) {
		/* the plaintexts in one allocation made up front (they are
		 * shorter than the bodies), so growing never leaves a copy of
		 * them in freed memory (O5) */
		size_t total = 0;
		for (size_t i = 0; i < b->nr; i++)
			if (sync_scopes_has(reads, b->r[i].scope))
				for (size_t k = b->r[i].first_commit; k < b->r[i].first_commit + b->r[i].count; k++)
					total += b->cm[k].body_len;
		if (total && !buf_reserve(&b->plain, total)) {
			rc = b->plain.err;
			goto out;
		}
		for (size_t i = 0; i < b->nr && !rc; i++)
			if (sync_scopes_has(reads, b->r[i].scope))
				rc = sync_collect_open(c, b, &b->r[i]);
	}
	for (size_t i = b->nr; !rc && i-- > 0;)
		if (!b->r[i].opened)
			sync_withhold(c, b, i);
out:
	mem_free(mine);
	mem_free(peer);
	return rc;
}

/* Segments for commits [pos, pos + k): whole ranges, the last maybe cut.
 * A relayed piece must end at a checkpoint; returns the commits kept.
 * A piece of our own feed carries its checkpoint when it ends what this
 * delta sends of that feed, or when mid_sig says so (D9); never with
 * nosig_self (a lone commit too large for it). */
static size_t sync_segs(const struct sync_ctx *c, const struct sync_batch *b, size_t *ri,
			size_t pos, size_t k, bool nosig_self, bool mid_sig, struct sync_seg *segs,
			size_t *nsegs)
{
	size_t r = *ri, end = pos + k, kept = 0;
	*nsegs = 0;
	while (r < b->nr && b->r[r].first_commit + b->r[r].count <= pos)
		r++;
	*ri = r;
	for (; r < b->nr && b->r[r].first_commit < end; r++) {
		const struct sync_range *rg = &b->r[r];
		size_t lo = rg->first_commit > pos ? rg->first_commit : pos;
		size_t hi = rg->first_commit + rg->count < end ? rg->first_commit + rg->count : end;
		bool self = memcmp(rg->author, c->id->pk, SYNC_PK_LEN) == 0;
		if (!self)
			while (hi > lo && !b->cm[hi - 1].has_sig)
				hi--;
		if (hi == lo)
			break;
		bool ends = hi == rg->first_commit + rg->count;
		bool bare = !ends && !mid_sig && hi - lo >= SYNC_BARE_MIN;
		bool sig = b->cm[hi - 1].has_sig && !(self && (nosig_self || bare));
		segs[(*nsegs)++] = (struct sync_seg){ rg, lo, hi, sig };
		kept = hi - pos;
		if (hi < (rg->first_commit + rg->count < end ? rg->first_commit + rg->count : end))
			break;
	}
	return kept;
}

static int sync_try(struct sync_ctx *c, const struct sync_batch *b, const struct sync_seg *segs,
		    size_t nsegs, struct buf *out)
{
	int rc;
	buf_reset(&c->tmp);
	if ((rc = sync_payload_encode(&c->tmp, b, segs, nsegs, c->id->pk)))
		return rc;
	return sync_chunk_seal(c, SYNC_MSG_DELTA, c->tmp.data, c->tmp.len, true, out);
}

/* D7: nothing complete fits a chunk at pos. The smallest complete piece
 * at pos goes alone in one chunk of up to SYNC_CHUNK_LONE bytes: our own
 * next commit with its checkpoint, or a relayed feed's commits from pos
 * up to and including the first that carries its author's checkpoint
 * (sync_segs keeps no fewer). *good = the commits taken, the chunk in
 * *best; 0 when that piece does not fit even so. */
static int sync_pack_lone(struct sync_ctx *c, const struct sync_batch *b, size_t ri, size_t pos,
			  struct sync_seg *segs, struct buf *cand, struct buf *best, size_t *good)
{
	size_t r = ri, k = 0, nsegs, end, max = SYNC_CHUNK_LONE - 48;
	int rc;
	*good = 0;
	if (c->opt.chunk_max >= SYNC_CHUNK_LONE)
		return 0;
	while (r < b->nr && b->r[r].first_commit + b->r[r].count <= pos)
		r++;
	if (r == b->nr)
		return 0;
	end = b->r[r].first_commit + b->r[r].count;
	if (memcmp(b->r[r].author, c->id->pk, SYNC_PK_LEN) == 0) {
		k = 1;
	} else {
		/* relayed: up to the author's next checkpoint (a relayed
		 * range always ends at one, sync_collect) */
		while (pos + k < end && !b->cm[pos + k].has_sig)
			k++;
		if (pos + k == end)
			return 0;
		k++;
	}
	if (sync_segs(c, b, &r, pos, k, false, true, segs, &nsegs) != k)
		return 0;
	if ((rc = sync_try(c, b, segs, nsegs, cand)))
		return rc;
	if (cand->len <= max) {
		struct buf t = *best;
		*best = *cand;
		*cand = t;
		*good = k;
	}
	return 0;
}

static int sync_pack(struct sync_ctx *c, const struct sync_batch *b, sync_emit_fn emit, void *arg)
{
	struct sync_seg *segs = NULL;
	struct crdt_vv_entry *feeds = NULL;
	struct buf cand, best;
	/* Leave a relay room to name the author (33 bytes, and some for the
	 * compressor) when it re-wraps a piece in a chunk of the same size;
	 * LoRa-sized chunks cannot spare it (docs/protocol.md "Relays"). */
	size_t pos = 0, ri = 0, max = c->opt.chunk_max;
	size_t bare = 0; /* chunks in a row with a piece of our feed and none of our checkpoints (D9) */
	if (max >= 1024)
		max -= 48;
	int rc = 0;

	buf_init(&cand, SYNC_CHUNK_MAX * 2);
	buf_init(&best, SYNC_CHUNK_MAX * 2);
	segs = mem_calloc(b->nr + 1, sizeof(*segs));
	feeds = mem_calloc(b->nr + 1, sizeof(*feeds));
	if (!segs || !feeds) {
		rc = -ENOMEM;
		goto out;
	}
	while (pos < b->nc) {
		size_t left = b->nc - pos, lo = 0, hi = left + 1, good = 0, k = 0, raw = 0, nsegs;
		size_t good_segs = 0;
		/* D9: only where SYNC_CKPT_EVERY chunks fit one lone chunk */
		bool nosig = false, mid_sig = bare + 1 >= SYNC_CKPT_EVERY ||
					      c->opt.chunk_max > SYNC_CHUNK_LONE / SYNC_CKPT_EVERY;
		while (k < left && raw <= max * 6)
			raw += b->cm[pos + k++].body_len + 8;
		for (int iter = 0; iter < 24 && k > lo && k < hi; iter++) {
			size_t rj = ri;
			size_t kk = sync_segs(c, b, &rj, pos, k, nosig, mid_sig, segs, &nsegs);
			size_t size = SIZE_MAX;
			if (kk > 0) {
				if ((rc = sync_try(c, b, segs, nsegs, &cand)))
					goto out;
				size = cand.len;
			}
			if (kk > 0 && size <= max) {
				struct buf t = best;
				best = cand;
				cand = t;
				good = kk;
				good_segs = nsegs;
				if (kk < k || k == left)
					break;
				lo = k;
			} else if (kk == 0) {
				lo = k; /* nothing complete yet: take more */
			} else {
				hi = k;
			}
			size_t g = kk && size != SIZE_MAX ? (size_t)((double)kk * (double)max / (double)size * 0.97)
							  : k * 2;
			if (g <= lo)
				g = lo + 1;
			if (g >= hi)
				g = lo + (hi - lo) / 2;
			if (g <= lo || g >= hi) {
				if (!good && !nosig && hi <= 2) {
					nosig = true; /* a lone commit: drop our own checkpoint */
					lo = 0;
					hi = left + 1;
					g = 1;
				} else {
					break;
				}
			}
			k = g;
		}
		if (!good) {
			if ((rc = sync_pack_lone(c, b, ri, pos, segs, &cand, &best, &good)))
				goto out;
			nosig = false; /* D7: alone, with its checkpoint */
			mid_sig = true;
		}
		if (!good) {
			/* Not even alone in a large chunk (D7). The rest of a
			 * relayed feed is left out of this delta, and counted
			 * (sync_ctx_too_large), rather than stopping every
			 * other feed: the peer gets it from the author or by
			 * another path. Our own commit is the caller's to hear
			 * about (ERR_TOOBIG). */
			size_t r = ri;
			while (r < b->nr && b->r[r].first_commit + b->r[r].count <= pos)
				r++;
			if (r == b->nr || memcmp(b->r[r].author, c->id->pk, SYNC_PK_LEN) == 0) {
				rc = ERR_TOOBIG;
				goto out;
			}
			c->too_large += b->r[r].first_commit + b->r[r].count - pos;
			pos = b->r[r].first_commit + b->r[r].count;
			ri = r + 1;
			continue;
		}
		/* recompute the segments of the chunk kept, for the info */
		size_t rj = ri;
		sync_segs(c, b, &rj, pos, good, nosig, mid_sig, segs, &nsegs);
		(void)good_segs;
		bool own = false, own_sig = false;
		for (size_t i = 0; i < nsegs; i++) {
			if (memcmp(segs[i].r->author, c->id->pk, SYNC_PK_LEN) == 0) {
				own = true;
				own_sig |= segs[i].sig;
			}
			memcpy(feeds[i].author, segs[i].r->author, CRDT_AUTHOR_LEN);
			memcpy(feeds[i].scope, segs[i].r->scope, sizeof(feeds[i].scope));
			feeds[i].seq = b->cm[segs[i].hi - 1].seq;
		}
		struct sync_chunk_info info = { .nfeeds = nsegs, .feeds = feeds };
		memcpy(info.id, best.data + best.len - SYNC_SIG_LEN, SYNC_ID_LEN);
		if ((rc = emit(arg, best.data, best.len, &info)))
			goto out;
		pos += good;
		ri = rj;
		bare = own_sig ? 0 : bare + own;
	}
out:
	buf_release(&cand);
	buf_release(&best);
	mem_free(segs);
	mem_free(feeds);
	return rc;
}

int sync_delta_export_for(struct sync_ctx *c, const struct crdt_vv_entry *vv, size_t n,
			  const struct sync_scopes *wants, const struct sync_scopes *reads,
			  sync_emit_fn emit, void *arg)
{
	struct sync_batch b;
	int rc;
	if (sync_ctx_revoked(c))
		return ERR_REVOKED; /* a revoked node stops syncing */
	sync_batch_init(&b);
	b.box = sync_range_box;
	b.box_arg = c;
	rc = sync_collect(c, vv, n, wants, reads, &b);
	if (!rc)
		rc = sync_pack(c, &b, emit, arg);
	sync_batch_release(&b);
	return rc;
}

int sync_delta_export(struct sync_ctx *c, const struct crdt_vv_entry *vv, size_t n,
		      const struct sync_scopes *wants, sync_emit_fn emit, void *arg)
{
	return sync_delta_export_for(c, vv, n, wants, NULL, emit, arg);
}

/* ---- apply ----------------------------------------------------------- */

struct sync_seal_copy {
	uint8_t hash[SYNC_HASH_LEN];
	bool ok;
};

static int sync_seal_copy_one(void *arg, const struct crdt_log_entry *e)
{
	struct sync_seal_copy *s = arg;
	const uint8_t *h, *sig;
	if (sync_seal_parse(e->seal, e->seal_len, &h, &sig) == 0) {
		memcpy(s->hash, h, SYNC_HASH_LEN);
		s->ok = true;
	}
	return 0;
}

/* The held hash of (author, scope, seq): ERR_GAP if not held, ERR_CHAIN
 * if held without a seal. */
static int sync_held_hash(struct sync_ctx *c, const uint8_t *author, const char *scope, uint64_t seq,
			  uint8_t out[SYNC_HASH_LEN])
{
	struct sync_seal_copy s = { .ok = false };
	int rc = crdt_log_get(c->store, author, scope, seq, sync_seal_copy_one, &s);
	if (rc == ERR_NOTFOUND) { /* D8: pruned down to its base */
		struct crdt_base base;
		rc = crdt_store_base_get(c->store, author, scope, &base);
		if (rc == 0 && base.seq == seq) {
			memcpy(out, base.hash, SYNC_HASH_LEN);
			return 0;
		}
		return rc == 0 || rc == ERR_NOTFOUND ? ERR_GAP : rc;
	}
	if (rc)
		return rc;
	if (!s.ok)
		return ERR_CHAIN;
	memcpy(out, s.hash, SYNC_HASH_LEN);
	return 0;
}

/* Is the commit held already as this apply would leave it (merged, or
 * at least carried when carrying)? state is its crdt_log_states() state;
 * a held-back one counts as merged: sync_held_retry judges it again. */
static bool sync_held_merged(uint8_t state, bool carry)
{
	return state == CRDT_LOG_MERGED || state == CRDT_LOG_HELD || (carry && state == CRDT_LOG_CARRIED);
}

static void sync_refuse(struct sync_ctx *c, struct sync_report *rep, const struct sync_range *r,
			uint64_t seq, uint64_t n, int rc, const char *why)
{
	sync_report_refuse(rep, rc, n);
	if (c->opt.refused)
		c->opt.refused(c->opt.refused_arg, r->author, r->scope, seq, n, rc,
			       why ? why : err_str(rc));
}

/* One commit as sync_commit_check sees it, and what it found: the
 * plaintext body and its writes, decoded once here for the trust rules,
 * crdt_apply_remote_ex and sync_trust_learn alike. */
struct sync_check {
	const uint8_t *author;
	const char *scope;
	uint64_t seq, hlc;
	const uint8_t *body;
	size_t body_len;
	/* a sealed body's plaintext kept by sync_range_unbox, which sealed
	 * the body from it (trust.c O6); NULL: open it here */
	const uint8_t *opened;
	size_t opened_len;
	const uint8_t *plain; /* NULL: body is the plaintext */
	size_t plain_len;
	struct crdt_write *w; /* mem_alloc'd (sync_check_release); NULL when carried */
	size_t n;
};

static void sync_check_release(struct sync_check *k)
{
	mem_free(k->w);
	k->w = NULL;
	k->n = 0;
}

/* Decrypt (when sealed and this node holds the key, unless an opened
 * range gave the plaintext: trust.c O6), decode, and check
 * the writes of one commit against who may write what; *carry when it
 * cannot be read here, *hold when the rules refuse it (held back, judged
 * again). Whatever it returns, the caller releases k. */
static int sync_commit_check(struct sync_ctx *c, struct sync_check *k, bool *carry, bool *hold,
			     const char **why)
{
	uint8_t key[SYNC_KEY_LEN];
	uint32_t gen;
	int rc;

	k->plain = NULL;
	k->plain_len = 0;
	k->w = NULL;
	k->n = 0;
	*hold = false;
	*why = NULL;
	if (*carry)
		return 0;
	if (k->opened && sync_body_sealed(k->body, k->body_len)) {
		k->plain = k->opened;
		k->plain_len = k->opened_len;
	} else if (sync_body_sealed(k->body, k->body_len)) {
		if (sync_body_gen(k->body, k->body_len, &gen)) {
			*why = "the encrypted body's key generation is malformed";
			return ERR_CORRUPT;
		}
		if (!sync_trust_key_gen(c, k->scope, gen, key)) {
			*carry = true; /* ours to merge, but not ours to read: relay */
			return 0;
		}
		rc = sync_body_decrypt(c, key, k->author, k->scope, k->seq, k->hlc, k->body, k->body_len,
				       &c->open);
		sodium_memzero(key, sizeof(key));
		if (rc == ERR_NODICT)
			*why = "the encrypted body needs the zstd dictionary, which this node lacks";
		else if (rc == ERR_TOOBIG || rc == ERR_CORRUPT)
			*why = "the encrypted body's compressed frame is malformed or too large";
		else if (rc)
			*why = "the encrypted body does not open with the scope's key";
		if (rc)
			return rc == -ENOMEM || rc == ERR_NODICT || rc == ERR_TOOBIG || rc == ERR_CORRUPT
				       ? rc
				       : ERR_BADSIG;
		k->plain = c->open.data;
		k->plain_len = c->open.len;
	}
	rc = crdt_body_decode(k->plain ? k->plain : k->body, k->plain ? k->plain_len : k->body_len,
			      &k->w, &k->n);
	if (rc || !c->trust)
		return rc; /* crdt_apply_remote would refuse it the same way */
	rc = sync_trust_writes(c, k->author, k->scope, k->hlc, k->w, k->n, why);
	*hold = rc == ERR_UNAUTH;
	return rc;
}

/* The hash chain of range r (h: r->count hashes, from the hash held
 * before it, prev) and its author's checkpoint at its end; a relay must
 * show one. 0 or ERR_BADSIG. */
static int sync_range_chain(const struct sync_chunk *ch, const struct sync_batch *b,
			    const struct sync_range *r, const uint8_t *prev, uint8_t (*h)[SYNC_HASH_LEN])
{
	const struct sync_commit *cm = &b->cm[r->first_commit];
	for (size_t i = 0; i < r->count; i++)
		sync_feed_hash(h[i], i ? h[i - 1] : r->first_seq > 1 ? prev : NULL, r->author, r->scope,
			       cm[i].seq, cm[i].hlc, b->arena.data + cm[i].body_off, cm[i].body_len);
	const struct sync_commit *end = &cm[r->count - 1];
	if (end->has_sig)
		return sync_checkpoint_verify(r->author, h[r->count - 1], end->sig) ? 0 : ERR_BADSIG;
	if (memcmp(r->author, ch->sender, SYNC_PK_LEN) != 0)
		return ERR_BADSIG; /* a relay must show the author's checkpoint */
	return 0;
}

/* Commit i of range r, checked and merged (or carried, or held back:
 * D4). 0: go on with the next; 1: the rest of the range was refused
 * (said in rep); < 0: a failure of this node (memory, storage). */
static int sync_range_commit(struct sync_ctx *c, const struct sync_batch *b,
			     const struct sync_range *r, size_t i, const uint8_t *hash, bool carry,
			     uint64_t wall_ms, struct sync_report *rep)
{
	const struct sync_commit *cm = &b->cm[r->first_commit];
	uint8_t seal[1 + SYNC_HASH_LEN + SYNC_SIG_LEN];
	bool sig = cm[i].has_sig, cc = carry, hold = false;
	const uint8_t *body = b->arena.data + cm[i].body_off;
	const char *why = NULL;
	struct sync_check k = { .author = r->author, .scope = r->scope, .seq = cm[i].seq,
				.hlc = cm[i].hlc, .body = body, .body_len = cm[i].body_len,
				.opened = cm[i].plain_len ? b->plain.data + cm[i].plain_off : NULL,
				.opened_len = cm[i].plain_len };
	int rc = sync_commit_check(c, &k, &cc, &hold, &why);
	if (rc && !hold) {
		sync_check_release(&k);
		if (rc == -ENOMEM)
			return rc;
		sync_refuse(c, rep, r, cm[i].seq, r->count - i, rc, why);
		return 1;
	}
	cc = cc || hold; /* D4: held back, not merged; the feed goes on */
	seal[0] = sig ? SYNC_SEAL_SIGNED : SYNC_SEAL_HASH;
	memcpy(seal + 1, hash, SYNC_HASH_LEN);
	if (sig)
		memcpy(seal + 1 + SYNC_HASH_LEN, cm[i].sig, SYNC_SIG_LEN);
	struct crdt_remote rm = {
		.author = r->author, .scope = r->scope, .seq = cm[i].seq, .hlc = cm[i].hlc,
		.body = body, .body_len = cm[i].body_len, .plain = k.plain,
		.plain_len = k.plain_len, .seal = seal,
		.seal_len = sig ? sizeof(seal) : 1 + SYNC_HASH_LEN, .carry = cc, .held = hold,
		.writes = k.w, .nwrites = k.n,
	};
	rc = crdt_apply_remote_ex(c->store, wall_ms, &rm);
	if (rc == 1) {
		rep->duplicate++;
		rc = 0;
	} else if (rc == 0) {
		if (hold) {
			sync_refuse(c, rep, r, cm[i].seq, 1, ERR_UNAUTH, why);
			rep->held++;
		} else if (cc) {
			rep->carried++;
		} else {
			rep->applied++;
		}
		if (!cc && c->trust && sync_trust_rank(c, r->author) == 0)
			rc = sync_trust_learn(c, k.w, k.n);
	} else if (rc != -ENOMEM && rc != ERR_STORAGE) {
		sync_refuse(c, rep, r, cm[i].seq, r->count - i, rc, NULL);
		rc = 1;
	}
	sync_check_release(&k);
	return rc;
}

static int sync_range_apply_at(struct sync_ctx *c, const struct sync_chunk *ch, struct sync_batch *b,
			       const struct sync_range *r, uint64_t wall_ms, struct sync_report *rep,
			       uint64_t *held);

struct sync_seal_kind {
	uint8_t kind;
};

static int sync_seal_kind_one(void *arg, const struct crdt_log_entry *e)
{
	struct sync_seal_kind *k = arg;
	k->kind = e->seal && e->seal_len ? e->seal[0] : 0;
	return 0;
}

/* P1: commits [0, ok) of range r were taken and the author rules
 * refused the rest, so the range's checkpoint (at its end), if any, is
 * on a refused commit. When commit ok - 1 is held with its chain hash
 * (hash) and no checkpoint, its seal becomes kind 3: the hash and the
 * refused commits with that checkpoint, the proof that the prefix is
 * its author's, which this node shows when it relays the prefix (P3);
 * without one (a piece of its author's own feed, D9) the proof waits
 * for the author's next range (P2). 0, or a failure of storage or
 * memory. */
static int sync_proof_keep(struct sync_ctx *c, const struct sync_batch *b, const struct sync_range *r,
			   size_t ok, const uint8_t *hash)
{
	const struct sync_commit *cm = &b->cm[r->first_commit], *end = &cm[r->count - 1];
	struct sync_seal_kind k = { 0 };
	struct buf p;
	int rc;

	if (ok == 0 || cm[ok - 1].has_sig || crdt_store_has(c->store, r->author, r->scope, cm[ok].seq))
		return 0; /* a checkpoint of its own, or commits held past it */
	rc = crdt_log_get(c->store, r->author, r->scope, cm[ok - 1].seq, sync_seal_kind_one, &k);
	if (rc == ERR_NOTFOUND)
		return 0; /* not held as a log row (pruned to a base, which is a checkpoint) */
	if (rc || k.kind != SYNC_SEAL_HASH)
		return rc;
	buf_init(&p, CRDT_BODY_MAX);
	sync_proof_head(&p, hash, end->has_sig, r->count - ok);
	sync_proof_tail(&p, b, &cm[ok], r->count - ok);
	if (p.err)
		rc = p.err == ERR_TOOBIG ? 0 : p.err; /* larger than a seal may be: kept as it was */
	else
		rc = crdt_log_seal_set(c->store, r->author, r->scope, cm[ok - 1].seq, p.data, p.len);
	buf_release(&p);
	return rc == ERR_NOTFOUND ? 0 : rc;
}

static int sync_seal_buf_one(void *arg, const struct crdt_log_entry *e)
{
	buf_put(arg, e->seal, e->seal_len);
	return 0;
}

/* P2: range r, every commit of it refused by the author rules, goes on
 * from a proof still waiting for its checkpoint (P1) at the feed's head:
 * the proof takes its commits when they chain on, and is complete when
 * r ends with the author's checkpoint (or waits again when r is the
 * author's own piece without one). Nothing of r is merged or logged. 0
 * (extended or not), or a failure of storage or memory. */
static int sync_proof_extend(struct sync_ctx *c, const struct sync_chunk *ch, const struct sync_batch *b,
			     const struct sync_range *r)
{
	const struct sync_commit *cm = &b->cm[r->first_commit], *end = &cm[r->count - 1];
	struct crdt_vv_entry head;
	struct sync_proof pf;
	struct buf old, p;
	uint8_t h[2][SYNC_HASH_LEN];
	const uint8_t *body;
	size_t body_len;
	uint64_t hlc, seq;
	int rc, x = 0;

	memset(&head, 0, sizeof(head));
	memcpy(head.author, r->author, CRDT_AUTHOR_LEN);
	memcpy(head.scope, r->scope, sizeof(head.scope));
	if ((rc = crdt_store_heads(c->store, &head, 1)) || head.seq == 0 || head.seq >= r->first_seq)
		return rc;
	buf_init(&old, CRDT_BODY_MAX);
	buf_init(&p, CRDT_BODY_MAX);
	rc = crdt_log_get(c->store, r->author, r->scope, head.seq, sync_seal_buf_one, &old);
	if (rc || old.err || sync_proof_read(old.data, old.len, &pf) || pf.sig ||
	    head.seq + pf.n + 1 != r->first_seq)
		goto out; /* no proof waiting there (or not this range's) */
	memcpy(h[0], old.data + 1, SYNC_HASH_LEN);
	seq = head.seq;
	for (uint64_t i = 0; i < pf.n; i++, x ^= 1) {
		if (sync_proof_next(&pf, &hlc, &body, &body_len))
			goto out;
		sync_feed_hash(h[x ^ 1], h[x], r->author, r->scope, ++seq, hlc, body, body_len);
	}
	for (size_t i = 0; i < r->count; i++, x ^= 1)
		sync_feed_hash(h[x ^ 1], h[x], r->author, r->scope, ++seq, cm[i].hlc,
			       b->arena.data + cm[i].body_off, cm[i].body_len);
	if (end->has_sig ? !sync_checkpoint_verify(r->author, h[x], end->sig)
			 : memcmp(r->author, ch->sender, SYNC_PK_LEN) != 0)
		goto out; /* not its author's: the proof waits as it was */
	sync_proof_head(&p, old.data + 1, end->has_sig, pf.n + r->count);
	buf_put(&p, pf.raw, pf.raw_len);
	sync_proof_tail(&p, b, cm, r->count);
	if (!p.err)
		rc = crdt_log_seal_set(c->store, r->author, r->scope, head.seq, p.data, p.len);
	else if (p.err != ERR_TOOBIG)
		rc = p.err;
out:
	buf_release(&old);
	buf_release(&p);
	return rc == ERR_NOTFOUND || rc == ERR_CORRUPT || rc == ERR_TOOBIG ? 0 : rc;
}

/* D8: the commits of range r at or below the feed's base are held
 * (pruned here after they were merged): counted as duplicates, and the
 * rest of the range is verified from the base's chain hash. */
static int sync_range_apply(struct sync_ctx *c, const struct sync_chunk *ch, struct sync_batch *b,
			    const struct sync_range *r, uint64_t wall_ms, struct sync_report *rep,
			    uint64_t *held)
{
	struct crdt_base base;
	struct sync_range t;
	int rc = crdt_store_base_get(c->store, r->author, r->scope, &base);

	*held = 0;
	if (rc == ERR_NOTFOUND || (rc == 0 && base.seq < r->first_seq))
		return sync_range_apply_at(c, ch, b, r, wall_ms, rep, held);
	if (rc)
		return rc == ERR_CORRUPT ? ERR_STORAGE : rc;
	uint64_t skip = base.seq - r->first_seq + 1;
	if (skip >= r->count) {
		rep->duplicate += r->count;
		*held = r->first_seq + r->count - 1;
		return 0;
	}
	rep->duplicate += skip;
	t = *r;
	t.first_seq += skip;
	t.first_commit += (size_t)skip;
	t.count -= (size_t)skip;
	rc = sync_range_apply_at(c, ch, b, &t, wall_ms, rep, held);
	if (!rc && !*held)
		*held = base.seq;
	return rc;
}

static int sync_range_apply_at(struct sync_ctx *c, const struct sync_chunk *ch, struct sync_batch *b,
			       const struct sync_range *r, uint64_t wall_ms, struct sync_report *rep,
			       uint64_t *held)
{
	uint8_t (*h)[SYNC_HASH_LEN] = NULL, *hs = NULL;
	uint8_t prev[SYNC_HASH_LEN], got[SYNC_HASH_LEN];
	const struct sync_commit *cm = &b->cm[r->first_commit];
	uint64_t last = r->first_seq + r->count - 1;
	size_t ok = r->count; /* commits [0, ok) may be written by their author */
	const char *why = NULL, *okwhy = NULL;
	bool carry = false;
	int rc = 0, okrc = 0;

	*held = 0;
	if (!sync_scopes_has(&c->opt.apply, r->scope)) {
		if (!c->opt.carry_others) {
			rep->unwanted += r->count;
			return 0;
		}
		carry = true;
	}
	if (c->opt.authorize)
		for (size_t i = 0; i < r->count && !rc; i++)
			rc = c->opt.authorize(c->opt.authorize_arg, r->author, r->scope, cm[i].seq, cm[i].hlc);
	if (rc)
		goto refuse;
	if (c->trust)
		for (size_t i = 0; i < r->count && ok == r->count; i++)
			if ((okrc = sync_trust_author(c, r->author, r->scope, cm[i].seq, cm[i].hlc, &okwhy)))
				ok = i;
	if (ok == 0) {
		if ((rc = sync_proof_extend(c, ch, b, r)))
			goto out; /* P2 */
		rc = okrc;
		why = okwhy;
		goto refuse;
	}
	if (r->first_seq > 1 && (rc = sync_held_hash(c, r->author, r->scope, r->first_seq - 1, prev)))
		goto refuse;
	h = mem_alloc(r->count * SYNC_HASH_LEN);
	if (!h) {
		rc = -ENOMEM;
		goto refuse;
	}
	if ((rc = sync_range_chain(ch, b, r, prev, h)))
		goto refuse;
	/* What of the range is held, in one query rather than one per commit. */
	hs = mem_alloc(r->count);
	if (!hs) {
		rc = -ENOMEM;
		goto refuse;
	}
	if ((rc = crdt_log_states(c->store, r->author, r->scope, r->first_seq, r->count, hs)))
		goto refuse;
	/* Agree with what is held: the highest held commit of the range. */
	if (hs[0] != CRDT_LOG_ABSENT) {
		uint64_t top = r->first_seq;
		while (top < last && hs[top + 1 - r->first_seq] != CRDT_LOG_ABSENT)
			top++;
		if ((rc = sync_held_hash(c, r->author, r->scope, top, got)))
			goto refuse;
		if (sodium_memcmp(got, h[top - r->first_seq], SYNC_HASH_LEN) != 0) {
			rc = ERR_CHAIN; /* another history for the same seqs */
			goto refuse;
		}
		if (top == last && carry && ok == r->count) {
			rep->duplicate += r->count;
			*held = last;
			goto out;
		}
	}
	for (size_t i = 0; i < ok; i++) {
		if (sync_held_merged(hs[i], carry)) {
			rep->duplicate++; /* held: checked when it came */
			*held = cm[i].seq;
			continue;
		}
		if ((rc = sync_range_commit(c, b, r, i, h[i], carry, wall_ms, rep)))
			goto out_stop;
		*held = cm[i].seq;
	}
	rc = 0;
	if (ok < r->count) {
		sync_refuse(c, rep, r, cm[ok].seq, r->count - ok, okrc, okwhy);
		if ((rc = sync_proof_keep(c, b, r, ok, h[ok - 1])))
			goto out;
	}
	goto out;
out_stop:
	if (rc > 0) { /* the rest of the range was refused: said */
		rc = 0;
		goto out;
	}
	goto out;
refuse:
	if (rc == -ENOMEM || rc == ERR_STORAGE)
		goto out;
	sync_refuse(c, rep, r, r->first_seq, r->count, rc, why);
	rc = 0;
out:
	mem_free(hs);
	mem_free(h);
	return rc;
}

/* An opened range (D5): rebuild its stored bodies from the box before
 * sync_range_apply checks them like any others. 0: go on (opened, or
 * left for sync_range_apply to count as unwanted); 1: refused whole and
 * counted; negative: an error that stops the chunk. */
static int sync_range_open(struct sync_ctx *c, struct sync_batch *b, struct sync_range *r,
			   struct sync_report *rep)
{
	const char *why;
	int rc;

	if (!r->opened || (!sync_scopes_has(&c->opt.apply, r->scope) && !c->opt.carry_others))
		return 0;
	rc = sync_range_unbox(c, b, r, &why);
	if (rc == -ENOMEM)
		return rc;
	if (rc) {
		sync_refuse(c, rep, r, r->first_seq, r->count, rc, why);
		return 1;
	}
	return 0;
}

/* Held-back commits judged again after a chunk merged something (D4). */
#define SYNC_HELD_PASS 256
#define SYNC_HELD_PASSES 4

struct sync_retry {
	struct sync_ctx *c;
	uint64_t wall_ms;
	struct sync_report *rep;
	uint64_t released;
};

static int sync_held_one(void *arg, const struct crdt_log_entry *e)
{
	struct sync_retry *t = arg;
	struct sync_check k = { .author = e->author, .scope = e->scope, .seq = e->seq, .hlc = e->hlc,
				.body = e->body, .body_len = e->body_len };
	const char *why;
	bool carry = false, hold;
	int rc = sync_commit_check(t->c, &k, &carry, &hold, &why);

	if (rc || carry) {
		sync_check_release(&k);
		return rc == -ENOMEM ? rc : 0; /* still refused (or no longer readable): stays held back */
	}
	struct crdt_remote rm = {
		.author = e->author, .scope = e->scope, .seq = e->seq, .hlc = e->hlc,
		.body = e->body, .body_len = e->body_len, .plain = k.plain, .plain_len = k.plain_len,
		.seal = e->seal, .seal_len = e->seal_len, .writes = k.w, .nwrites = k.n,
	};
	rc = crdt_apply_remote_ex(t->c->store, t->wall_ms, &rm);
	sync_check_release(&k);
	if (rc == -ENOMEM || rc == ERR_STORAGE)
		return rc;
	if (rc == 0) {
		t->rep->applied++;
		t->rep->released++;
		t->released++;
		if (t->c->opt.refused)
			t->c->opt.refused(t->c->opt.refused_arg, e->author, e->scope, e->seq, 1, 0,
					  "held back earlier, merged now that the rules allow it");
	}
	return 0;
}

static int sync_held_retry(struct sync_ctx *c, uint64_t wall_ms, struct sync_report *rep)
{
	struct sync_retry t = { c, wall_ms, rep, 0 };
	int rc = 0;
	for (int pass = 0; pass < SYNC_HELD_PASSES && !rc; pass++) {
		uint64_t before = t.released;
		rc = crdt_log_held(c->store, &c->held_at, SYNC_HELD_PASS, sync_held_one, &t);
		if (t.released == before)
			break; /* a release can allow another: go again only then */
	}
	return rc;
}

int sync_chunk_apply(struct sync_ctx *c, const uint8_t *chunk, size_t len, uint64_t wall_ms,
		     struct sync_report *rep, struct crdt_vv_entry **held, size_t *nheld)
{
	if (wall_ms < c->time_floor)
		wall_ms = c->time_floor; /* a slow clock: go by what the node knows */
	struct sync_chunk ch;
	struct sync_batch b;
	struct sync_report local;
	struct crdt_vv_entry *hv = NULL;
	size_t nh = 0;
	bool began = false;
	int rc;

	memset(&local, 0, sizeof(local));
	if (held) {
		*held = NULL;
		*nheld = 0;
	}
	sync_batch_init(&b);
	if (c->grouped && c->group_nowait && /* G2 */
	    ((rc = sync_ctx_group_end(c)) || (rc = sync_ctx_group_begin(c))))
		goto out;
	if (sync_ctx_revoked(c)) {
		rc = ERR_REVOKED; /* a revoked node stops syncing */
		goto out;
	}
	if ((rc = sync_chunk_open(c, chunk, len, &ch)))
		goto out;
	if (ch.type != SYNC_MSG_DELTA || ch.len != len) {
		rc = ERR_CORRUPT;
		goto out;
	}
	if ((rc = sync_payload_decode(ch.payload, ch.payload_len, ch.sender, &b)))
		goto out;
	hv = mem_calloc(b.nr + 1, sizeof(*hv));
	if (!hv) {
		rc = -ENOMEM;
		goto out;
	}
	if (!c->grouped) {
		if ((rc = crdt_store_begin(c->store)))
			goto out;
		began = true;
	}
	/* judged by the trust on disk now, inside the write transaction */
	if ((rc = sync_trust_refresh(c)))
		goto out;
	local.chunks = 1;
	for (size_t i = 0; i < b.nr; i++) {
		uint64_t top;
		int orc = sync_range_open(c, &b, &b.r[i], &local);
		if (orc == 1)
			continue; /* refused whole, counted */
		if ((rc = orc))
			goto out;
		if ((rc = sync_range_apply(c, &ch, &b, &b.r[i], wall_ms, &local, &top)))
			goto out;
		if (top) {
			memcpy(hv[nh].author, b.r[i].author, CRDT_AUTHOR_LEN);
			memcpy(hv[nh].scope, b.r[i].scope, sizeof(hv[nh].scope));
			hv[nh].seq = top;
			nh++;
		}
	}
	if (c->trust && local.applied && (rc = sync_held_retry(c, wall_ms, &local)))
		goto out;
	if (began) {
		began = false;
		if ((rc = crdt_store_end(c->store)))
			goto out;
	}
	sync_report_merge(rep, &local);
	for (size_t i = 0; i < local.nreasons; i++)
		if (local.reasons[i].rc == ERR_GAP)
			rc = ERR_GAP; /* applied what linked; the rest needs earlier commits */
	if (held) {
		*held = hv;
		*nheld = nh;
		hv = NULL;
	}
out:
	if (began)
		crdt_store_abort(c->store);
	if (rc && rc != ERR_GAP && rep) {
		rep->chunks_refused++;
		sync_report_reason(rep, rc, 1);
	}
	mem_free(hv);
	sync_batch_release(&b);
	return rc;
}
