// SPDX-License-Identifier: MIT
/*
 * fuzz_chunk.c - sync_chunk_apply on a fresh replica. First byte:
 *   bit 0 clear: the rest is a chunk as it came off the wire;
 *   bit 0 set:   the rest is a DELTA payload, sealed by a fixed key (bit 1:
 *                compressed) so the payload decoder, the chain and
 *                checkpoint checks and the merge are reached;
 *   bit 2:       the receiver is a station that carries other scopes;
 *   bit 3:       the receiver is enrolled in the county of fuzz.h (trust
 *                on, scope keys held): the county's hub, or with bit 2
 *                its station s0002; sealed payloads are then signed by
 *                the county's station s0001, so its opened ranges are
 *                decrypted, decompressed and split (the hub holds every
 *                scope key);
 *   bit 4 (with bits 0 and 3): the rest is the inside of one opened range
 *                of s0001 (fuzz_box_payload below), which the target
 *                compresses when asked, encrypts under the scope key and
 *                wraps in a DELTA payload: the fuzzer writes what only a
 *                key holder could, so the decompression and the split of
 *                the bodies see any bytes.
 * What sync.h promises: 0, ERR_GAP, or a chunk's refusal (ERR_CORRUPT,
 * ERR_TOOBIG, ERR_BADSIG, ERR_NODICT, ERR_UNAUTH, ERR_REVOKED), -ENOMEM or
 * ERR_STORAGE; a refused chunk leaves the replica as it was and reports
 * no feed held; what the report counts adds up.
 */
#include <sodium.h>

#include "tests/fuzz/fuzz.h"

/*
 * The inside of an opened range: u8 shape, then bytes.
 *   shape bits 0-2: commits in the range - 1; bits 4-7: first seq - 1;
 *   shape bit 3 clear: the bytes are the frame content (the five streams
 *     of docs/protocol.md "Opened ranges"), compressed here;
 *   shape bit 3 set: the bytes are the zstd frame itself, without magic.
 * The box (format 1, nonce from the shape, tag) goes into one range of
 * scope s0001 by s0001 with a checkpoint that does not verify: every
 * check before the chain's is reached, and the chain's refuses it.
 */
static int fuzz_box_payload(struct fuzz_node *tx, const uint8_t *p, size_t len, struct buf *out)
{
	static const char ad0[] = "cunlian-open-v1";
	uint8_t key[SYNC_KEY_LEN], ad[sizeof(ad0) + SYNC_PK_LEN + 64], nonce[24], *z = NULL;
	const uint8_t *frame;
	size_t flen, k = 0, count;
	uint64_t first;
	struct sync_batch b;
	struct sync_range *r;
	struct sync_seg seg;
	int rc = -1;
	if (len < 1 || !sync_trust_key(tx->ctx, "s0001", key))
		return -1;
	count = 1 + (p[0] & 7);
	first = 1 + (p[0] >> 4);
	if (p[0] & 8) {
		frame = p + 1;
		flen = len - 1;
	} else {
		size_t cap = ZSTD_compressBound(len - 1);
		z = malloc(cap);
		size_t zn = ZSTD_compress(z, cap, p + 1, len - 1, 1);
		if (ZSTD_isError(zn) || zn < 4)
			goto out;
		frame = z + 4; /* without the magic */
		flen = zn - 4;
	}
	memcpy(ad, ad0, sizeof(ad0) - 1);
	k = sizeof(ad0) - 1;
	memcpy(ad + k, tx->id.pk, SYNC_PK_LEN);
	k += SYNC_PK_LEN;
	ad[k++] = 5;
	memcpy(ad + k, "s0001", 5);
	k += 5;
	for (int i = 0; i < 8; i++)
		ad[k++] = (uint8_t)(first >> (56 - 8 * i));
	for (int i = 0; i < 8; i++)
		ad[k++] = (uint8_t)((uint64_t)count >> (56 - 8 * i));
	ad[k++] = 1; /* format: zstd without the dictionary */
	memset(nonce, p[0], sizeof(nonce));
	sync_batch_init(&b);
	buf_put_u8(&b.arena, 1);
	buf_put(&b.arena, nonce, sizeof(nonce));
	uint8_t *c = buf_reserve(&b.arena, flen + crypto_aead_xchacha20poly1305_ietf_ABYTES);
	if (!c)
		goto out_b;
	unsigned long long clen;
	crypto_aead_xchacha20poly1305_ietf_encrypt(c, &clen, frame, flen, ad, k, NULL, nonce, key);
	b.arena.len += (size_t)clen;
	r = sync_batch_range(&b);
	memcpy(r->author, tx->id.pk, SYNC_PK_LEN);
	snprintf(r->scope, sizeof(r->scope), "s0001");
	r->first_seq = first;
	r->count = count;
	r->has_sig = 1;
	r->opened = 1;
	r->box_off = 0;
	r->box_len = b.arena.len;
	for (size_t i = 0; i < count; i++) {
		struct sync_commit *cm = sync_batch_commit(&b);
		cm->seq = first + i;
		cm->hlc = CRDT_HLC(FUZZ_NOW + 1000 * i, 0);
		cm->has_sig = i + 1 == count;
	}
	seg.r = r;
	seg.lo = 0;
	seg.hi = count;
	seg.sig = 1;
	rc = sync_payload_encode(out, &b, &seg, 1, tx->id.pk) || out->err ? -1 : 0;
out_b:
	sync_batch_release(&b);
out:
	sodium_memzero(key, sizeof(key));
	free(z);
	return rc;
}

static bool fuzz_chunk_rc_ok(int rc)
{
	switch (rc) {
	case 0: case ERR_GAP: case ERR_CORRUPT: case ERR_TOOBIG: case ERR_BADSIG: case ERR_NODICT:
	case ERR_UNAUTH: case ERR_REVOKED: case -ENOMEM: case ERR_STORAGE:
		return true;
	default:
		return false;
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct fuzz_node rx, *tx;
	struct buf chunk, payload;
	uint8_t d0[32], d1[32];
	if (size < 1)
		return 0;
	uint8_t mode = data[0];
	bool county = mode & 8;
	if (county)
		fuzz_county_rx(&rx, mode & 4);
	else
		fuzz_node_open(&rx, 2, mode & 4);
	buf_init(&chunk, SYNC_CHUNK_MAX + 1024);
	buf_init(&payload, SYNC_CHUNK_MAX + 1024);
	if (mode & 1) {
		tx = county ? fuzz_county_s1() : fuzz_sender();
		const uint8_t *p = data + 1;
		size_t n = size - 1;
		if (county && (mode & 16)) {
			if (fuzz_box_payload(tx, data + 1, size - 1, &payload))
				buf_reset(&payload);
			p = payload.data ? payload.data : (const uint8_t *)"";
			n = payload.len;
		}
		if (sync_chunk_seal(tx->ctx, SYNC_MSG_DELTA, p, n, mode & 2, &chunk))
			buf_reset(&chunk);
	} else {
		buf_put(&chunk, data + 1, size - 1);
	}
	if (crdt_store_digest(rx.st, NULL, d0))
		abort();
	struct sync_report rep;
	struct crdt_vv_entry *held = NULL;
	size_t nheld = 0;
	memset(&rep, 0, sizeof(rep));
	int rc = sync_chunk_apply(rx.ctx, chunk.data ? chunk.data : (const uint8_t *)"", chunk.len, FUZZ_NOW,
				  &rep, &held, &nheld);
	if (getenv("FUZZ_VERBOSE"))
		fprintf(stderr, "fuzz_chunk: %s: %s, %llu applied, %llu carried, %llu refused\n",
			fuzz_stats.input ? fuzz_stats.input : "input", rc ? err_str(rc) : "ok",
			(unsigned long long)rep.applied, (unsigned long long)rep.carried,
			(unsigned long long)rep.refused);
	for (size_t i = 0; getenv("FUZZ_VERBOSE") && i < rep.nreasons; i++)
		fprintf(stderr, "  %llu refused: %s\n", (unsigned long long)rep.reasons[i].n,
			err_str(rep.reasons[i].rc));
	if (!fuzz_chunk_rc_ok(rc))
		fuzz_fail("sync_chunk_apply returned a code sync.h does not promise");
	if (rc && rc != ERR_GAP) {
		if (crdt_store_digest(rx.st, NULL, d1) || memcmp(d0, d1, 32))
			fuzz_fail("a refused chunk changed the replica");
		if (held || nheld)
			fuzz_fail("a refused chunk reported feeds held");
		if (rep.chunks || rep.applied || rep.carried)
			fuzz_fail("a chunk refused whole was counted as taken");
	} else {
		if (rep.chunks != 1 || rep.chunks_refused)
			fuzz_fail("a good chunk did not count once");
		if (rep.held > rep.refused || rep.nreasons > SYNC_REASONS_MAX)
			fuzz_fail("the report does not add up");
		if (!rep.applied && !rep.carried && (crdt_store_digest(rx.st, NULL, d1) || memcmp(d0, d1, 32)))
			fuzz_fail("the replica changed, yet nothing was merged or kept");
	}
	fuzz_note(rc == 0 && (rep.applied || rep.carried));
	mem_free(held);
	buf_release(&chunk);
	buf_release(&payload);
	fuzz_node_close(&rx);
	return 0;
}
