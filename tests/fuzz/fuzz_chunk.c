// SPDX-License-Identifier: MIT
/*
 * fuzz_chunk.c - sync_chunk_apply on a fresh replica. First byte:
 *   bit 0 clear: the rest is a chunk as it came off the wire;
 *   bit 0 set:   the rest is a DELTA payload, sealed by a fixed key (bit 1:
 *                compressed) so the payload decoder, the chain and
 *                checkpoint checks and the merge are reached;
 *   bit 2:       the receiver is a station that carries other scopes.
 * A refused chunk must leave the replica as it was.
 */
#include "tests/fuzz/fuzz.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct fuzz_node rx, *tx;
	struct buf chunk;
	uint8_t d0[32], d1[32];
	if (size < 1)
		return 0;
	uint8_t mode = data[0];
	fuzz_node_open(&rx, 2, mode & 4);
	buf_init(&chunk, SYNC_CHUNK_MAX + 1024);
	if (mode & 1) {
		tx = fuzz_sender();
		if (sync_chunk_seal(tx->ctx, SYNC_MSG_DELTA, data + 1, size - 1, mode & 2, &chunk))
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
	int rc = sync_chunk_apply(rx.ctx, chunk.data, chunk.len, FUZZ_NOW, &rep, &held, &nheld);
	if (rc && rc != ERR_GAP) {
		if (crdt_store_digest(rx.st, NULL, d1) || memcmp(d0, d1, 32))
			abort(); /* a refused chunk changed the replica */
		if (held)
			abort();
	}
	mem_free(held);
	buf_release(&chunk);
	fuzz_node_close(&rx);
	return 0;
}
