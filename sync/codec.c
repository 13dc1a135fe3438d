// SPDX-License-Identifier: MIT
/*
 * codec.c - the DELTA payload: commit ranges, delta-encoded and split into
 * streams of like bytes so that Zstandard finds more to share
 * (docs/protocol.md "Payload" has the layout byte by byte).
 *
 * Invariants:
 *  P1. decode(encode(x)) gives every commit's body back byte for byte: a
 *      body is read only by crdt_body_decode (no second parser here); one
 *      it refuses (sealed, or of a schema this node lacks) travels raw, and
 *      every transform (value = the commit's time, text = the scope, pk =
 *      scope + "-" + rest, hours in hundredths) is exact and checked
 *      before it is used. The receiver's hash chain checks it again.
 *  P2. decode reads every length and count against what is left before
 *      using it, refuses trailing bytes in any stream, and never builds
 *      more than SYNC_ARENA_MAX bytes of bodies.
 *  P3. One input has one encoding (minimal varints, fixed stream order),
 *      so golden vectors pin the bytes.
 *  P4. An opened range (range flag bit 1) carries no bodies: its commits'
 *      HLCs travel as in any range, then one box in RAW, which the codec
 *      neither opens nor trusts (sync_range_unbox does, trust.c O1-O5).
 *      A range without bit 1 is encoded exactly as before bit 1 existed.
 *  P5. Inside the box, the bodies travel as the OP, PK, NUM, TXT and RAW
 *      streams of those commits alone (the same transforms as P1, with the
 *      range's scope and each commit's HLC), so one zstd frame finds what
 *      they share. A stream never holds more than a body's length plus 12
 *      bytes per commit, so its buffer is reserved once and never grown.
 */
#include <errno.h>
#include <math.h>
#include <sodium.h>
#include <string.h>

#include "base/err.h"
#include "base/mem.h"
#include "sync/sync_internal.h"

enum { S_HLC, S_OP, S_PK, S_NUM, S_TXT, S_RAW, S_SIG, S_N };

/* Wire value tags; 0..3 are the crdt types themselves. */
enum {
	TAG_NULL = 0,
	TAG_INT = 1,
	TAG_REAL = 2,
	TAG_TEXT = 3,
	TAG_INT_NOW = 4,   /* INT equal to the commit's HLC milliseconds */
	TAG_INT_NEAR = 5,  /* INT = milliseconds + svarint */
	TAG_REAL_CENT = 6, /* REAL = svarint / 100, exactly */
	TAG_TEXT_SCOPE = 7, /* TEXT equal to the scope */
	TAG_TEXT_SCOPED = 8, /* TEXT = scope "-" rest */
};

#define RANGE_SIG 0x01
#define RANGE_OPENED 0x02
/* An opened range's box: format, nonce, at least the tag (trust.c). */
#define BOX_MIN (1 + 24 + 16)

void sync_batch_init(struct sync_batch *b)
{
	memset(b, 0, sizeof(*b));
	buf_init(&b->arena, SYNC_ARENA_MAX);
	buf_init(&b->plain, SYNC_ARENA_MAX);
}

static void sync_batch_wipe(struct sync_batch *b)
{
	if (b->plain.data && b->plain.cap)
		sodium_memzero(b->plain.data, b->plain.cap);
	buf_reset(&b->plain);
}

void sync_batch_release(struct sync_batch *b)
{
	mem_free(b->r);
	mem_free(b->cm);
	buf_release(&b->arena);
	sync_batch_wipe(b);
	buf_release(&b->plain);
	memset(b, 0, sizeof(*b));
}

void sync_batch_clear(struct sync_batch *b)
{
	b->nr = 0;
	b->nc = 0;
	buf_reset(&b->arena);
	sync_batch_wipe(b);
}

struct sync_range *sync_batch_range(struct sync_batch *b)
{
	if (MEM_GROW(b->r, b->rcap, b->nr + 1))
		return NULL;
	memset(&b->r[b->nr], 0, sizeof(b->r[0]));
	return &b->r[b->nr++];
}

struct sync_commit *sync_batch_commit(struct sync_batch *b)
{
	if (MEM_GROW(b->cm, b->ccap, b->nc + 1))
		return NULL;
	memset(&b->cm[b->nc], 0, sizeof(b->cm[0]));
	return &b->cm[b->nc++];
}

/* ---- encode ---------------------------------------------------------- */

static size_t svarint_len(int64_t v)
{
	return varint_len(((uint64_t)v << 1) ^ (uint64_t)(v >> 63));
}

static bool sync_scoped(const char *scope, size_t sl, const uint8_t *s, size_t len, size_t *rest)
{
	if (sl == 0 || len <= sl || memcmp(s, scope, sl) != 0 || s[sl] != '-')
		return false;
	*rest = sl + 1;
	return true;
}

/* One value of a decoded crdt write, encoded with a wire tag. */
static void sync_value_encode(const struct crdt_value *v, struct buf *st, const char *scope,
			      size_t sl, uint64_t ms)
{
	switch (v->type) {
	case CRDT_NULL:
		buf_put_u8(&st[S_OP], TAG_NULL);
		return;
	case CRDT_INT: {
		int64_t i = v->i, d;
		if (i == (int64_t)ms) {
			buf_put_u8(&st[S_OP], TAG_INT_NOW);
		} else if (!__builtin_sub_overflow(i, (int64_t)ms, &d) && svarint_len(d) < svarint_len(i)) {
			buf_put_u8(&st[S_OP], TAG_INT_NEAR);
			buf_put_svarint(&st[S_NUM], d);
		} else {
			buf_put_u8(&st[S_OP], TAG_INT);
			buf_put_svarint(&st[S_NUM], i);
		}
		return;
	}
	case CRDT_REAL: {
		uint64_t bits, back;
		double r = v->r, k;
		memcpy(&bits, &r, 8);
		k = nearbyint(r * 100.0); /* crdt_body_decode let only finite values through */
		/* -0.0 is not a number of hundredths: it would come back as +0.0 */
		if (fabs(k) < 1e15 && !(k == 0 && signbit(r))) {
			double q = k / 100.0;
			memcpy(&back, &q, 8);
			if (back == bits) {
				buf_put_u8(&st[S_OP], TAG_REAL_CENT);
				buf_put_svarint(&st[S_NUM], (int64_t)k);
				return;
			}
		}
		buf_put_u8(&st[S_OP], TAG_REAL);
		buf_put_u64be(&st[S_NUM], bits);
		return;
	}
	case CRDT_TEXT: {
		const uint8_t *t = (const uint8_t *)v->s;
		size_t rest;
		if (sl && v->len == sl && memcmp(t, scope, sl) == 0) {
			buf_put_u8(&st[S_OP], TAG_TEXT_SCOPE);
		} else if (sync_scoped(scope, sl, t, v->len, &rest)) {
			buf_put_u8(&st[S_OP], TAG_TEXT_SCOPED);
			buf_put_lenbytes(&st[S_TXT], t + rest, v->len - rest);
		} else {
			buf_put_u8(&st[S_OP], TAG_TEXT);
			buf_put_lenbytes(&st[S_TXT], t, v->len);
		}
		return;
	}
	}
}

/* Encode a crdt body into the streams. The body is read by crdt's own
 * decoder (crdt_body_decode), which takes only a canonical, valid body:
 * its bytes are exactly crdt_body_encode of the writes it gives, so the
 * receiver rebuilds them byte for byte (P1). Any other body (sealed, or
 * of a schema this node does not know) returns an error and the caller
 * sends it raw. */
static int sync_body_encode(const uint8_t *p, size_t len, struct buf *st, const char *scope,
			    uint64_t ms)
{
	struct crdt_write *w;
	size_t nw, sl = strlen(scope);
	int rc = crdt_body_decode(p, len, &w, &nw);
	if (rc)
		return rc;
	buf_put_varint(&st[S_OP], (uint64_t)nw << 1 | 1);
	for (size_t i = 0; i < nw; i++) {
		const uint8_t *pk = (const uint8_t *)w[i].pk;
		size_t rest;
		bool scoped = sync_scoped(scope, sl, pk, w[i].pk_len, &rest);
		buf_put_u8(&st[S_OP], (uint8_t)(w[i].table << 2 | (scoped ? 2 : 0) | w[i].op));
		if (scoped)
			buf_put_lenbytes(&st[S_PK], pk + rest, w[i].pk_len - rest);
		else
			buf_put_lenbytes(&st[S_PK], pk, w[i].pk_len);
		if (w[i].op != CRDT_UPSERT)
			continue;
		buf_put_varint(&st[S_OP], w[i].mask);
		for (unsigned c = 0; c < CRDT_COLS_MAX; c++)
			if (w[i].mask >> c & 1)
				sync_value_encode(&w[i].vals[c], st, scope, sl, ms);
	}
	mem_free(w);
	return 0;
}

/* A piece of a segment as one range record: commits [lo, hi). */
struct sync_piece {
	const struct sync_range *r;
	size_t lo, hi;
	bool sig;
};

int sync_payload_encode(struct buf *out, const struct sync_batch *b, const struct sync_seg *segs,
			size_t nsegs, const uint8_t sender[SYNC_PK_LEN])
{
	struct buf st[S_N], box;
	struct sync_piece *pc = NULL;
	const uint8_t **authors = NULL;
	size_t npc = 0, pcap = 0, na = 0;
	uint64_t base_ms = 0;
	int rc = 0;

	for (int i = 0; i < S_N; i++)
		buf_init(&st[i], out->max);
	buf_init(&box, out->max);
	authors = mem_calloc(nsegs + 1, sizeof(*authors));
	if (!authors) {
		rc = -ENOMEM;
		goto out;
	}
	/* Cut segments where a feed's clock goes backwards (HLCs of one
	 * author only grow, but nothing here trusts that). */
	for (size_t s = 0; s < nsegs; s++) {
		size_t lo = segs[s].lo;
		for (size_t k = segs[s].lo; k < segs[s].hi; k++) {
			bool last = k + 1 == segs[s].hi;
			bool back = !last && CRDT_HLC_MS(b->cm[k + 1].hlc) < CRDT_HLC_MS(b->cm[k].hlc);
			if (!last && !back)
				continue;
			if ((rc = MEM_GROW(pc, pcap, npc + 1)))
				goto out;
			pc[npc++] = (struct sync_piece){ segs[s].r, lo, k + 1, last && segs[s].sig };
			lo = k + 1;
		}
		if (memcmp(segs[s].r->author, sender, SYNC_PK_LEN) == 0)
			continue;
		size_t a = 0;
		while (a < na && memcmp(authors[a], segs[s].r->author, SYNC_PK_LEN) != 0)
			a++;
		if (a == na)
			authors[na++] = segs[s].r->author;
	}
	buf_put_varint(out, na);
	for (size_t a = 0; a < na; a++)
		buf_put(out, authors[a], SYNC_PK_LEN);
	buf_put_varint(out, npc);
	for (size_t i = 0; i < npc; i++) {
		const struct sync_range *r = pc[i].r;
		size_t ref = 0;
		if (memcmp(r->author, sender, SYNC_PK_LEN) != 0)
			while (memcmp(authors[ref++], r->author, SYNC_PK_LEN) != 0)
				;
		buf_put_varint(out, ref);
		buf_put_lenbytes(out, r->scope, strlen(r->scope));
		buf_put_varint(out, r->first_seq + (pc[i].lo - r->first_commit));
		buf_put_varint(out, pc[i].hi - pc[i].lo);
		buf_put_u8(out, (pc[i].sig ? RANGE_SIG : 0) | (r->opened ? RANGE_OPENED : 0));
		for (size_t k = pc[i].lo; k < pc[i].hi; k++) {
			const struct sync_commit *cm = &b->cm[k];
			uint64_t ms = CRDT_HLC_MS(cm->hlc);
			uint16_t ctr = CRDT_HLC_CTR(cm->hlc);
			if (k == pc[i].lo) {
				int64_t d = (int64_t)(ms - base_ms);
				uint64_t zz = ((uint64_t)d << 1) ^ (uint64_t)(d >> 63);
				buf_put_varint(&st[S_HLC], zz << 1 | (ctr != 0));
				base_ms = ms;
			} else {
				buf_put_varint(&st[S_HLC], (ms - CRDT_HLC_MS(b->cm[k - 1].hlc)) << 1 | (ctr != 0));
			}
			if (ctr)
				buf_put_varint(&st[S_HLC], ctr);
			if (r->opened)
				continue; /* P4: the bodies travel in the range's box */
			size_t mark[S_N];
			for (int j = 0; j < S_N; j++)
				mark[j] = st[j].len;
			const uint8_t *body = b->arena.data + cm->body_off;
			if (sync_body_encode(body, cm->body_len, st, r->scope, ms) != 0) {
				for (int j = 0; j < S_N; j++)
					if (!st[j].err)
						st[j].len = mark[j];
				buf_put_varint(&st[S_OP], 0);
				buf_put_lenbytes(&st[S_RAW], body, cm->body_len);
			}
		}
		if (r->opened) {
			bool whole = pc[i].lo == r->first_commit && pc[i].hi == r->first_commit + r->count;
			if (r->box_len && whole) { /* a decoded box, as it came */
				buf_put_lenbytes(&st[S_RAW], b->arena.data + r->box_off, r->box_len);
			} else if (!b->box) {
				rc = ERR_USAGE;
				goto out;
			} else {
				rc = b->box(b->box_arg, b, r, r->first_seq + (pc[i].lo - r->first_commit), pc[i].lo,
					    pc[i].hi, &box);
				if (rc)
					goto out;
				buf_put_lenbytes(&st[S_RAW], box.data, box.len);
			}
		}
		if (pc[i].sig)
			buf_put(&st[S_SIG], b->cm[pc[i].hi - 1].sig, SYNC_SIG_LEN);
	}
	for (int j = 0; j < S_N; j++) {
		if (st[j].err) {
			rc = st[j].err;
			goto out;
		}
		buf_put_lenbytes(out, st[j].data, st[j].len);
	}
	rc = out->err;
out:
	for (int i = 0; i < S_N; i++)
		buf_release(&st[i]);
	buf_release(&box);
	mem_free(pc);
	mem_free(authors);
	return rc;
}

/* ---- decode ---------------------------------------------------------- */

static int sync_text_put(struct buf *a, const char *scope, size_t sl, bool scoped,
			 const uint8_t *s, size_t len, size_t max)
{
	size_t total = scoped ? sl + 1 + len : len;
	if (total > max)
		return ERR_TOOBIG;
	buf_put_varint(a, total);
	if (scoped) {
		buf_put(a, scope, sl);
		buf_put_u8(a, '-');
	}
	buf_put(a, s, len);
	return 0;
}

static int sync_value_decode(struct cur *st, struct buf *a, const char *scope, size_t sl, uint64_t ms)
{
	uint8_t tag;
	int64_t i;
	uint64_t bits;
	const uint8_t *s;
	size_t len;
	int rc = cur_get_u8(&st[S_OP], &tag);
	if (rc)
		return rc;
	switch (tag) {
	case TAG_NULL:
		buf_put_u8(a, CRDT_NULL);
		return 0;
	case TAG_INT:
	case TAG_INT_NEAR:
		if ((rc = cur_get_svarint(&st[S_NUM], &i)))
			return rc;
		if (tag == TAG_INT_NEAR && __builtin_add_overflow(i, (int64_t)ms, &i))
			return ERR_CORRUPT;
		buf_put_u8(a, CRDT_INT);
		buf_put_svarint(a, i);
		return 0;
	case TAG_INT_NOW:
		buf_put_u8(a, CRDT_INT);
		buf_put_svarint(a, (int64_t)ms);
		return 0;
	case TAG_REAL:
		if ((rc = cur_get_u64be(&st[S_NUM], &bits)))
			return rc;
		buf_put_u8(a, CRDT_REAL);
		buf_put_u64be(a, bits);
		return 0;
	case TAG_REAL_CENT: {
		if ((rc = cur_get_svarint(&st[S_NUM], &i)))
			return rc;
		if (i > 999999999999999LL || i < -999999999999999LL)
			return ERR_CORRUPT;
		double q = (double)i / 100.0;
		memcpy(&bits, &q, 8);
		buf_put_u8(a, CRDT_REAL);
		buf_put_u64be(a, bits);
		return 0;
	}
	case TAG_TEXT:
	case TAG_TEXT_SCOPED:
		if ((rc = cur_get_lenbytes(&st[S_TXT], CRDT_TEXT_MAX, &s, &len)))
			return rc;
		if (tag == TAG_TEXT_SCOPED && sl == 0)
			return ERR_CORRUPT;
		buf_put_u8(a, CRDT_TEXT);
		return sync_text_put(a, scope, sl, tag == TAG_TEXT_SCOPED, s, len, CRDT_TEXT_MAX);
	case TAG_TEXT_SCOPE:
		if (sl == 0)
			return ERR_CORRUPT;
		buf_put_u8(a, CRDT_TEXT);
		buf_put_lenbytes(a, scope, sl);
		return 0;
	default:
		return ERR_CORRUPT;
	}
}

static int sync_body_decode(struct cur *st, struct buf *a, const char *scope, uint64_t ms)
{
	uint64_t form, nw, mask;
	size_t sl = strlen(scope);
	int rc = cur_get_varint(&st[S_OP], &form);
	if (rc)
		return rc;
	if (form == 0) {
		const uint8_t *p;
		size_t len;
		if ((rc = cur_get_lenbytes(&st[S_RAW], CRDT_BODY_MAX, &p, &len)))
			return rc;
		buf_put(a, p, len);
		return 0;
	}
	if (!(form & 1))
		return ERR_CORRUPT;
	nw = form >> 1;
	if (nw > CRDT_WRITES_MAX || nw > cur_left(&st[S_OP]))
		return ERR_TOOBIG;
	buf_put_varint(a, nw);
	for (uint64_t w = 0; w < nw; w++) {
		uint8_t x;
		const uint8_t *pk;
		size_t pk_len;
		if ((rc = cur_get_u8(&st[S_OP], &x)) ||
		    (rc = cur_get_lenbytes(&st[S_PK], CRDT_PK_MAX, &pk, &pk_len)))
			return rc;
		if ((x & 2) && sl == 0)
			return ERR_CORRUPT;
		buf_put_u8(a, x >> 2);
		buf_put_u8(a, x & 1);
		if ((rc = sync_text_put(a, scope, sl, x & 2, pk, pk_len, CRDT_PK_MAX)))
			return rc;
		if ((x & 1) != CRDT_UPSERT)
			continue;
		if ((rc = cur_get_varint(&st[S_OP], &mask)))
			return rc;
		if (mask >> CRDT_COLS_MAX)
			return ERR_CORRUPT;
		buf_put_varint(a, mask);
		for (unsigned c = 0; c < CRDT_COLS_MAX; c++)
			if ((mask >> c & 1) && (rc = sync_value_decode(st, a, scope, sl, ms)))
				return rc;
	}
	return a->err;
}

/* ---- the bodies inside an opened range's box (P5) ---------------------- */

static void sync_streams_wipe(struct buf *st)
{
	for (int j = 0; j < S_N; j++) {
		if (st[j].data && st[j].cap)
			sodium_memzero(st[j].data, st[j].cap);
		buf_release(&st[j]);
	}
}

int sync_bodies_encode(struct buf *out, const struct sync_batch *b, const char *scope, size_t lo,
		       size_t hi)
{
	struct buf st[S_N];
	size_t total = 64, size = 0;
	int rc = 0;

	buf_reset(out);
	for (size_t k = lo; k < hi; k++)
		total += b->cm[k].plain_len + 12; /* a stream never holds more of a body (P5) */
	for (int j = 0; j < S_N; j++)
		buf_init(&st[j], total);
	/* each stream in one allocation, never grown: no copy of plaintext is
	 * left in freed memory (trust.c O5); more would be an error */
	for (int j = S_OP; j <= S_RAW; j++)
		if (!buf_reserve(&st[j], total)) {
			rc = st[j].err;
			goto out;
		}
	for (size_t k = lo; k < hi; k++) {
		const struct sync_commit *cm = &b->cm[k];
		const uint8_t *body = b->plain.data + cm->plain_off;
		size_t mark[S_N];
		for (int j = 0; j < S_N; j++)
			mark[j] = st[j].len;
		if (sync_body_encode(body, cm->plain_len, st, scope, CRDT_HLC_MS(cm->hlc)) != 0) {
			for (int j = 0; j < S_N; j++)
				if (!st[j].err)
					st[j].len = mark[j];
			buf_put_varint(&st[S_OP], 0);
			buf_put_lenbytes(&st[S_RAW], body, cm->plain_len);
		}
	}
	for (int j = S_OP; j <= S_RAW; j++) {
		if (st[j].err) {
			rc = st[j].err;
			goto out;
		}
		size += varint_len(st[j].len) + st[j].len;
	}
	if (!buf_reserve(out, size)) {
		rc = out->err;
		goto out;
	}
	for (int j = S_OP; j <= S_RAW; j++)
		buf_put_lenbytes(out, st[j].data, st[j].len);
	rc = out->err;
out:
	sync_streams_wipe(st);
	return rc;
}

int sync_bodies_decode(const uint8_t *p, size_t len, const struct sync_range *r,
		       const struct sync_commit *cm, struct buf *out, size_t *lens)
{
	static const uint8_t none[1];
	struct cur c, st[S_N];
	int rc = 0;

	cur_init(&c, p, len);
	for (int j = 0; j < S_N; j++)
		cur_init(&st[j], none, 0);
	for (int j = S_OP; j <= S_RAW; j++) {
		const uint8_t *sp;
		size_t sn;
		if (cur_get_lenbytes(&c, cur_left(&c), &sp, &sn))
			return ERR_CORRUPT;
		cur_init(&st[j], sp, sn);
	}
	if (!cur_done(&c))
		return ERR_CORRUPT;
	for (size_t k = 0; k < r->count; k++) {
		size_t before = out->len;
		if ((rc = sync_body_decode(st, out, r->scope, CRDT_HLC_MS(cm[k].hlc))) || (rc = out->err))
			return rc == ERR_TOOBIG ? rc : ERR_CORRUPT;
		lens[k] = out->len - before;
		if (lens[k] == 0)
			return ERR_CORRUPT;
	}
	for (int j = S_OP; j <= S_RAW; j++)
		if (!cur_done(&st[j]))
			return ERR_CORRUPT;
	return 0;
}

/* One range record of a payload, as it is on the wire. */
struct sync_range_rec {
	uint64_t ref, first, count;
	const uint8_t *scope;
	size_t sl;
	uint8_t flags;
};

/* The payload's author table and its count of range records: 0 with them,
 * ERR_TOOBIG when either cannot fit in what is left, or the cursor's error. */
static int sync_payload_head(struct cur *c, uint64_t *na, const uint8_t **authors, uint64_t *nr)
{
	int rc;

	if ((rc = cur_get_varint(c, na)))
		return rc;
	if (*na > SYNC_AUTHORS_MAX || *na * SYNC_PK_LEN > cur_left(c))
		return ERR_TOOBIG;
	if ((rc = cur_get_bytes(c, (size_t)*na * SYNC_PK_LEN, authors)) || (rc = cur_get_varint(c, nr)))
		return rc;
	if (*nr > cur_left(c))
		return ERR_TOOBIG;
	return 0;
}

/* Reads one range record: 0, or the cursor's error at the first field that
 * is short (the record is not checked). */
static int sync_range_rec_get(struct cur *c, struct sync_range_rec *rr)
{
	int rc;

	if ((rc = cur_get_varint(c, &rr->ref)) || (rc = cur_get_lenbytes(c, CRDT_SCOPE_MAX, &rr->scope, &rr->sl)) ||
	    (rc = cur_get_varint(c, &rr->first)) || (rc = cur_get_varint(c, &rr->count)) ||
	    (rc = cur_get_u8(c, &rr->flags)))
		return rc;
	return 0;
}

/* Reads and checks the nr range records that come before the streams: 0,
 * ERR_CORRUPT for a record out of bounds, or the cursor's error. */
static int sync_range_recs_check(struct cur *c, uint64_t na, uint64_t nr)
{
	struct sync_range_rec rr;
	int rc;

	for (uint64_t i = 0; i < nr; i++) {
		if ((rc = sync_range_rec_get(c, &rr)))
			return rc;
		if (rr.ref > na || rr.first == 0 || rr.count == 0 || rr.first > INT64_MAX ||
		    rr.count > INT64_MAX - rr.first || rr.flags > (RANGE_SIG | RANGE_OPENED) ||
		    memchr(rr.scope, 0, rr.sl) ||
		    ((rr.flags & RANGE_OPENED) && rr.sl == 0)) /* scope "" is never encrypted */
			return ERR_CORRUPT;
	}
	return 0;
}

/* Splits the rest of the payload into its S_N streams: 0, ERR_CORRUPT when
 * bytes follow the last one, or the cursor's error. */
static int sync_streams_get(struct cur *c, struct cur *st)
{
	int rc;

	for (int j = 0; j < S_N; j++) {
		const uint8_t *sp;
		size_t sn;
		if ((rc = cur_get_lenbytes(c, cur_left(c), &sp, &sn)))
			return rc;
		cur_init(&st[j], sp, sn);
	}
	return cur_done(c) ? 0 : ERR_CORRUPT;
}

/* Adds the range's count commits to out, their clocks from the HLC stream
 * (the first relative to *base_ms, which it moves) and, unless the range
 * is opened (P4), their bodies from the other streams: 0, ERR_CORRUPT for
 * a clock out of order or bounds, ERR_TOOBIG for a body over the limit,
 * -ENOMEM, or the stream's or the arena's error. */
static int sync_range_commits_get(struct cur *st, const struct sync_range *r, uint64_t first, uint64_t count,
				  struct sync_batch *out, uint64_t *base_ms)
{
	uint64_t prev_ms = 0;
	int rc;

	for (uint64_t k = 0; k < count; k++) {
		uint64_t v, ctr = 0, ms;
		if ((rc = cur_get_varint(&st[S_HLC], &v)))
			return rc;
		if ((v & 1) && (rc = cur_get_varint(&st[S_HLC], &ctr)))
			return rc;
		if ((v & 1) && (ctr == 0 || ctr > 0xffff))
			return ERR_CORRUPT;
		if (k == 0) {
			uint64_t zz = v >> 1;
			int64_t d = (int64_t)(zz >> 1) ^ -(int64_t)(zz & 1);
			ms = *base_ms + (uint64_t)d;
			*base_ms = ms;
		} else {
			ms = prev_ms + (v >> 1);
		}
		if (ms >= (1ULL << 47) || (k > 0 && ms < prev_ms) || (ms == 0 && ctr == 0))
			return ERR_CORRUPT;
		prev_ms = ms;
		struct sync_commit *cm = sync_batch_commit(out);
		if (!cm)
			return -ENOMEM;
		cm->seq = first + k;
		cm->hlc = CRDT_HLC(ms, ctr);
		cm->body_off = out->arena.len;
		if (r->opened)
			continue; /* P4: the body is rebuilt from the box */
		if ((rc = sync_body_decode(st, &out->arena, r->scope, ms)))
			return rc;
		if (out->arena.err)
			return out->arena.err;
		cm->body_len = out->arena.len - cm->body_off;
		if (cm->body_len > CRDT_BODY_MAX)
			return ERR_TOOBIG;
	}
	return 0;
}

/* Adds the next range (its record at c, checked before) to out with its
 * commits, its box if it is opened and the signature of its last commit
 * if it has one: 0, ERR_CORRUPT, ERR_TOOBIG, -ENOMEM, or the stream's or
 * the arena's error. */
static int sync_range_decode(struct cur *c, struct cur *st, const uint8_t *authors,
			     const uint8_t sender[SYNC_PK_LEN], struct sync_batch *out, uint64_t *base_ms)
{
	struct sync_range_rec rr;
	struct sync_range *r;
	int rc;

	(void)sync_range_rec_get(c, &rr); /* read whole by sync_range_recs_check */
	if (rr.count > cur_left(&st[S_HLC])) /* each commit takes a byte there */
		return ERR_CORRUPT;
	if (!(r = sync_batch_range(out)))
		return -ENOMEM;
	memcpy(r->author, rr.ref ? authors + (rr.ref - 1) * SYNC_PK_LEN : sender, SYNC_PK_LEN);
	memcpy(r->scope, rr.scope, rr.sl);
	r->scope[rr.sl] = '\0';
	r->first_seq = rr.first;
	r->first_commit = out->nc;
	r->count = (size_t)rr.count;
	r->has_sig = rr.flags & RANGE_SIG;
	r->opened = rr.flags & RANGE_OPENED;
	if ((rc = sync_range_commits_get(st, r, rr.first, rr.count, out, base_ms)))
		return rc;
	if (r->opened) {
		const uint8_t *bx;
		size_t bl;
		if ((rc = cur_get_lenbytes(&st[S_RAW], cur_left(&st[S_RAW]), &bx, &bl)))
			return rc;
		if (bl < BOX_MIN)
			return ERR_CORRUPT;
		r->box_off = out->arena.len;
		r->box_len = bl;
		buf_put(&out->arena, bx, bl);
		if (out->arena.err)
			return out->arena.err;
	}
	if (r->has_sig) {
		struct sync_commit *last = &out->cm[out->nc - 1];
		if ((rc = cur_copy(&st[S_SIG], last->sig, SYNC_SIG_LEN)))
			return rc;
		last->has_sig = true;
	}
	return 0;
}

int sync_payload_decode(const uint8_t *p, size_t len, const uint8_t sender[SYNC_PK_LEN],
			struct sync_batch *out)
{
	struct cur c, recs, st[S_N];
	const uint8_t *authors = NULL;
	uint64_t na, nr, base_ms = 0;
	int rc;

	sync_batch_clear(out);
	cur_init(&c, p, len);
	if ((rc = sync_payload_head(&c, &na, &authors, &nr)))
		goto fail;
	/* The range records come before the streams: read them first. */
	recs = c;
	if ((rc = sync_range_recs_check(&c, na, nr)) || (rc = sync_streams_get(&c, st)))
		goto fail;
	for (uint64_t i = 0; i < nr; i++)
		if ((rc = sync_range_decode(&recs, st, authors, sender, out, &base_ms)))
			goto fail;
	for (int j = 0; j < S_N; j++)
		if (!cur_done(&st[j])) {
			rc = ERR_CORRUPT;
			goto fail;
		}
	return 0;
fail:
	sync_batch_clear(out);
	return rc == -ENOMEM || rc == ERR_TOOBIG ? rc : ERR_CORRUPT;
}
