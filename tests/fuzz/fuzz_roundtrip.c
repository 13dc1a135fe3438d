// SPDX-License-Identifier: MIT
/*
 * fuzz_roundtrip.c - encode -> decode is the identity, and encoding is
 * deterministic (like zstd's tests/fuzz/simple_round_trip.c). First byte:
 *   0: the rest as a commit body: if it decodes, encoding the writes gives
 *      the same bytes back (one value, one encoding), twice over;
 *   1: the rest drives a builder of writes: whatever the schema check
 *      accepts encodes, decodes to the same writes, and encodes again to
 *      the same bytes;
 *   2: the rest as a DELTA payload: if it decodes, encoding the batch and
 *      decoding that gives the same commits, and encoding is stable.
 */
#include "tests/fuzz/fuzz.h"

static bool body_same(const uint8_t *p, size_t len)
{
	struct crdt_write *w;
	size_t n;
	struct buf a, b;
	if (crdt_body_decode(p, len, &w, &n))
		return false;
	buf_init(&a, 0);
	buf_init(&b, 0);
	if (crdt_body_encode(&a, w, n) || a.err || crdt_body_encode(&b, w, n) || b.err)
		abort();
	if (a.len != len || memcmp(a.data, p, len) || b.len != a.len || memcmp(a.data, b.data, a.len))
		abort();
	buf_release(&a);
	buf_release(&b);
	mem_free(w);
	return true;
}

static bool build(const uint8_t *p, size_t len)
{
	struct crdt_write w[8];
	char pk[8][CRDT_PK_MAX + 1];
	size_t n = 0, pos = 0;
	while (n < 8 && pos + 3 <= len) {
		unsigned table = p[pos] % crdt_ntables, op = p[pos] >> 7;
		size_t pkl = 1 + p[pos + 1] % CRDT_PK_MAX;
		pos += 2;
		if (pkl > len - pos)
			pkl = len - pos;
		memcpy(pk[n], p + pos, pkl);
		pk[n][pkl] = '\0';
		pos += pkl;
		crdt_write_init(&w[n], table, op ? CRDT_DELETE : CRDT_UPSERT, pk[n]);
		w[n].pk_len = pkl; /* may hold NULs: the check decides */
		if (!op && pos < len) {
			const struct crdt_table *t = crdt_schema_table(table); /* NULL: an id not assigned */
			uint32_t mask = p[pos++];
			for (size_t c = 0; t && c < t->ncols && pos < len; c++) {
				if (!(mask & (1u << (c % 8))))
					continue;
				struct crdt_value *v = &w[n].vals[c];
				w[n].mask |= 1u << c;
				v->type = (enum crdt_type)(p[pos++] % 4);
				if (v->type == CRDT_INT && pos + 8 <= len) {
					memcpy(&v->i, p + pos, 8);
					pos += 8;
				} else if (v->type == CRDT_REAL && pos + 8 <= len) {
					memcpy(&v->r, p + pos, 8);
					pos += 8;
				} else if (v->type == CRDT_TEXT && pos < len) {
					size_t tl = p[pos++];
					if (tl > len - pos)
						tl = len - pos;
					v->s = (const char *)p + pos;
					v->len = tl;
					pos += tl;
				}
			}
		}
		if (crdt_write_check(&w[n]) == 0)
			n++;
	}
	if (!n)
		return false;
	struct buf a;
	buf_init(&a, 0);
	if (crdt_body_encode(&a, w, n))
		goto out; /* refused as a whole (a pair of lifecycle halves) */
	if (a.err)
		abort();
	body_same(a.data, a.len);
	struct crdt_write *d;
	size_t dn;
	if (crdt_body_decode(a.data, a.len, &d, &dn) || dn != n)
		abort();
	for (size_t i = 0; i < n; i++)
		if (d[i].table != w[i].table || d[i].op != w[i].op || d[i].pk_len != w[i].pk_len ||
		    memcmp(d[i].pk, w[i].pk, w[i].pk_len) || d[i].mask != w[i].mask)
			abort();
	mem_free(d);
out:
	buf_release(&a);
	return true;
}

static void batch_encode(struct buf *out, const struct sync_batch *b, const uint8_t *sender)
{
	struct sync_seg *segs = calloc(b->nr ? b->nr : 1, sizeof(*segs));
	for (size_t i = 0; i < b->nr; i++) {
		segs[i].r = &b->r[i];
		segs[i].lo = b->r[i].first_commit; /* indices into the batch's commits */
		segs[i].hi = b->r[i].first_commit + b->r[i].count;
		segs[i].sig = b->r[i].has_sig;
	}
	if (sync_payload_encode(out, b, segs, b->nr, sender) || out->err)
		abort();
	free(segs);
}

static bool delta(const uint8_t *p, size_t len)
{
	static const uint8_t sender[SYNC_PK_LEN] = { 9 };
	struct sync_batch b1, b2;
	struct buf e1, e2;
	bool ok = false;
	sync_batch_init(&b1);
	sync_batch_init(&b2);
	buf_init(&e1, 0);
	buf_init(&e2, 0);
	if (sync_payload_decode(p, len, sender, &b1))
		goto out;
	batch_encode(&e1, &b1, sender);
	if (sync_payload_decode(e1.data, e1.len, sender, &b2))
		fuzz_fail("what we encode we must read");
	if (b1.nr != b2.nr || b1.nc != b2.nc)
		abort();
	for (size_t i = 0; i < b1.nc; i++) {
		const struct sync_commit *x = &b1.cm[i], *y = &b2.cm[i];
		if (x->seq != y->seq || x->hlc != y->hlc || x->body_len != y->body_len ||
		    memcmp(b1.arena.data + x->body_off, b2.arena.data + y->body_off, x->body_len) ||
		    x->has_sig != y->has_sig || (x->has_sig && memcmp(x->sig, y->sig, SYNC_SIG_LEN)))
			abort();
	}
	batch_encode(&e2, &b2, sender);
	if (e1.len != e2.len || memcmp(e1.data, e2.data, e1.len))
		fuzz_fail("not deterministic");
	ok = true;
out:
	buf_release(&e1);
	buf_release(&e2);
	sync_batch_release(&b1);
	sync_batch_release(&b2);
	return ok;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size < 1)
		return 0;
	switch (data[0] % 3) {
	case 0:
		fuzz_note(body_same(data + 1, size - 1));
		break;
	case 1:
		fuzz_note(build(data + 1, size - 1));
		break;
	default:
		fuzz_note(delta(data + 1, size - 1));
		break;
	}
	return 0;
}
