// SPDX-License-Identifier: MIT
/*
 * fuzz_bundle.c - sync_bundle_import_mem on a fresh replica. First byte:
 * bit 0 clear: the rest is a bundle file as read from a stick; bit 0 set:
 * the rest, split at every 0xff 0xfe pair, becomes DELTA payloads sealed
 * by a fixed key, written as a bundle (so chunk boundaries, resyncs and
 * the decoders behind the signature are all reached). Bit 1: the
 * receiver is a station that carries other scopes; bit 2: sealed
 * payloads are compressed; bit 3: the receiver is enrolled in the county
 * of fuzz.h (trust on: who may write what, revocations, scope keys): its
 * hub, or with bit 1 its station s0002; sealed payloads are then signed
 * by the county's station s0001.
 */
#include "tests/fuzz/fuzz.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct fuzz_node rx, *tx;
	struct buf b;
	if (size < 1)
		return 0;
	bool county = data[0] & 8;
	if (county)
		fuzz_county_rx(&rx, data[0] & 2);
	else
		fuzz_node_open(&rx, 2, data[0] & 2);
	buf_init(&b, 0);
	if (data[0] & 1) {
		tx = county ? fuzz_county_s1() : fuzz_sender();
		buf_put(&b, "CLBUNDLE\x01\x00", 10);
		buf_put(&b, tx->id.pk, 32);
		size_t i = 1, start = 1;
		for (; i <= size; i++)
			if (i == size || (i + 1 < size && data[i] == 0xff && data[i + 1] == 0xfe)) {
				struct buf c;
				buf_init(&c, SYNC_CHUNK_MAX + 1024);
				if (!sync_chunk_seal(tx->ctx, SYNC_MSG_DELTA, data + start, i - start, data[0] & 4, &c))
					buf_put(&b, c.data, c.len);
				buf_release(&c);
				start = i + 2;
				i++;
			}
	} else {
		buf_put(&b, data + 1, size - 1);
	}
	struct sync_report rep;
	uint8_t d0[32], d1[32];
	memset(&rep, 0, sizeof(rep));
	if (crdt_store_digest(rx.st, NULL, d0))
		abort();
	int rc = sync_bundle_import_mem(rx.ctx, b.data ? b.data : (const uint8_t *)"", b.len, FUZZ_NOW, &rep);
	if (rc && rc != ERR_CORRUPT && rc != -ENOMEM && rc != ERR_STORAGE)
		fuzz_fail("sync_bundle_import_mem returned a code sync.h does not promise");
	if (rc == ERR_CORRUPT && (rep.chunks || rep.applied || rep.carried))
		fuzz_fail("a file refused as no bundle at all had chunks taken");
	if (rep.nskips > SYNC_SKIPS_MAX || rep.nreasons > SYNC_REASONS_MAX || rep.bytes_skipped > b.len)
		fuzz_fail("the import report is out of its bounds");
	if (!rep.applied && !rep.carried && (crdt_store_digest(rx.st, NULL, d1) || memcmp(d0, d1, 32)))
		fuzz_fail("the replica changed, yet nothing was merged or kept");
	fuzz_note(rep.applied || rep.carried);
	buf_release(&b);
	fuzz_node_close(&rx);
	return 0;
}
