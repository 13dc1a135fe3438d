// SPDX-License-Identifier: MIT
/*
 * fuzz_snapshot.c - sync_snapshot_apply (sync/snap.c S1-S8), a relay's
 * sync_snapshot_check of the same bytes without their signature (S9), and the export
 * decoder behind it (crdt/snapshot.c) on a fresh replica, in a county
 * without a root whose trusted peer is the fixed sender of fuzz.h. First
 * byte:
 *   bit 0 clear: the rest is a snapshot container as it arrived;
 *   bit 0 set:   the rest is the export inside one (crdt_snapshot_export's
 *                bytes), which the target compresses and wraps in a
 *                container the sender signs, so the decompression, the
 *                export's decoder and the import see any bytes;
 *   bit 1:       the wrapped container names scope s0001 (else "");
 *   bit 2:       the receiver is a station (s0001 and ""), else a hub.
 * What sync.h promises: 0, or ERR_CORRUPT, ERR_TOOBIG, ERR_BADSIG,
 * ERR_UNAUTH, ERR_CLOCK, ERR_SCHEMA, -ENOMEM, a storage error, with a
 * reason; a refused snapshot leaves the replica as it was.
 */
#include <sodium.h>
#include <zstd.h>

#include "tests/fuzz/fuzz.h"

static void fuzz_snap_wrap(const uint8_t *p, size_t len, const char *scope, struct buf *out)
{
	struct fuzz_node *tx = fuzz_sender();
	size_t cap = ZSTD_compressBound(len);
	uint8_t *z = malloc(cap ? cap : 1), sig[64];
	size_t zn = ZSTD_compress(z, cap, p, len, 1);
	if (ZSTD_isError(zn))
		zn = 0;
	buf_put(out, "CLSN", 4);
	buf_put_u8(out, 1);
	buf_put_u8(out, 0);
	buf_put_u8(out, (uint8_t)strlen(scope));
	buf_put(out, scope, strlen(scope));
	buf_put(out, tx->id.pk, 32);
	buf_put_u16be(out, 0);
	buf_put_u64be(out, FUZZ_NOW);
	buf_put_u32be(out, (uint32_t)len);
	buf_put_u32be(out, (uint32_t)zn);
	buf_put(out, z, zn);
	free(z);
	crypto_sign_state st;
	crypto_sign_init(&st);
	crypto_sign_update(&st, (const uint8_t *)"cunlian-snap-v1", 15);
	crypto_sign_update(&st, out->data, out->len);
	crypto_sign_final_create(&st, sig, NULL, tx->id.sk);
	buf_put(out, sig, sizeof(sig));
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct fuzz_node rx;
	struct buf b;
	struct sync_snap_info info;
	uint8_t before[32], after[32];
	if (size < 1)
		return 0;
	fuzz_init();
	fuzz_node_open(&rx, 7, data[0] & 4);
	buf_init(&b, SYNC_SNAP_MAX);
	if (data[0] & 1)
		fuzz_snap_wrap(data + 1, size - 1, data[0] & 2 ? "s0001" : "", &b);
	else
		buf_put(&b, data + 1, size - 1);
	if (crdt_store_digest(rx.st, NULL, before))
		abort();
	/* a relay's check of the same bytes (S9), the signature skipped as
	 * for bytes it kept, so the decoders behind see any bytes even
	 * unwrapped: never imports, a promised code, heads only when opened */
	struct sync_snap_feed *feeds = NULL;
	size_t nfeeds = 0;
	bool opened = false;
	int rc = sync_snapshot_check(rx.ctx, b.data, b.len, NULL, fuzz_sender()->id.pk, SYNC_SNAP_NOSIG, &info, &feeds,
				     &nfeeds, &opened);
	if (rc && rc != ERR_CORRUPT && rc != ERR_TOOBIG && rc != ERR_BADSIG && rc != ERR_UNAUTH &&
	    rc != ERR_SCHEMA && rc != -ENOMEM)
		fuzz_fail("sync_snapshot_check returned a code sync.h does not promise");
	if ((rc || !opened) && (feeds || nfeeds))
		fuzz_fail("feeds from a snapshot refused or not opened");
	mem_free(feeds);
	if (crdt_store_digest(rx.st, NULL, after) || memcmp(before, after, 32) != 0)
		fuzz_fail("a relay's check changed the replica");
	rc = sync_snapshot_apply(rx.ctx, b.data, b.len, NULL, fuzz_sender()->id.pk, FUZZ_NOW, &info);
	if (rc && rc != ERR_CORRUPT && rc != ERR_TOOBIG && rc != ERR_BADSIG && rc != ERR_UNAUTH &&
	    rc != ERR_CLOCK && rc != ERR_SCHEMA && rc != -ENOMEM && rc != ERR_STORAGE)
		fuzz_fail("sync_snapshot_apply returned a code sync.h does not promise");
	if (rc && !info.why)
		fuzz_fail("a refusal without its reason");
	if (rc) {
		if (crdt_store_digest(rx.st, NULL, after) || memcmp(before, after, 32) != 0)
			fuzz_fail("a refused snapshot changed the replica");
	}
	fuzz_note(rc == 0);
	buf_release(&b);
	fuzz_node_close(&rx);
	return 0;
}
