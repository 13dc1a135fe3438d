// SPDX-License-Identifier: MIT
/*
 * train.c - build the shipped zstd dictionary from DELTA payloads of a
 * workload trace (sync/dict/build.sh runs it; not part of the library).
 *
 *   train TRACE OUT.dict [SIZE]
 *
 * Samples: for every station and day of the trace, the uncompressed DELTA
 * payload that station would send for that day. The dictionary id is
 * pinned to SYNC_DICT_V1_ID; fastCover with fixed parameters and one
 * thread, so the same trace gives the same bytes.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#define ZDICT_STATIC_LINKING_ONLY
#include <zdict.h>

#include "base/err.h"
#include "sync/dict/sim.h"
#include "sync/sync_internal.h"

int main(int argc, char **argv)
{
	struct sim sim;
	struct sync_options opt;
	size_t size = argc > 3 ? (size_t)atol(argv[3]) : 48 << 10, nsamp = 0, total = 0;
	size_t samples_cap = 0, sizes_cap = 0;
	unsigned char *samples = NULL;
	size_t *sizes = NULL;
	FILE *f;

	if (argc < 3) {
		fprintf(stderr, "usage: %s TRACE OUT.dict [SIZE]\n", argv[0]);
		return 2;
	}
	if (sync_init() || !(f = fopen(argv[1], "r"))) {
		fprintf(stderr, "cannot read %s\n", argv[1]);
		return 1;
	}
	sim_read(&sim, f);
	fclose(f);
	memset(&opt, 0, sizeof(opt));
	opt.apply.all = true;
	opt.chunk_max = SYNC_CHUNK_MAX;
	opt.level = 1;
	for (size_t i = 0; i < sim.n; i++) {
		struct sim_chunks days[2];
		struct sync_identity id;
		memset(days, 0, sizeof(days));
		int rc = sim_station(&sim.s[i], "/tmp/cunlian-dict-train.db", &opt, 2, days, &id);
		if (rc) {
			fprintf(stderr, "station %s: %s\n", sim.s[i].name, err_str(rc));
			return 1;
		}
		/* Open each chunk to get its payload back. */
		struct crdt_store *st;
		struct sync_ctx *ctx;
		struct crdt_options co = { .no_sync = true };
		crdt_store_open(&st, "/tmp/cunlian-dict-train.db", id.pk, &co);
		sync_ctx_new(&ctx, st, &id, &opt);
		for (int d = 0; d < 2; d++)
			for (size_t k = 0; k < days[d].n; k++) {
				struct sync_chunk ch;
				if (sync_chunk_open(ctx, days[d].p[k], days[d].len[k], &ch))
					return 1;
				if (MEM_GROW(samples, samples_cap, total + ch.payload_len) ||
				    MEM_GROW(sizes, sizes_cap, nsamp + 1))
					return 1;
				memcpy(samples + total, ch.payload, ch.payload_len);
				sizes[nsamp++] = ch.payload_len;
				total += ch.payload_len;
				free(days[d].p[k]);
			}
		sync_ctx_free(ctx);
		crdt_store_close(st);
		sync_identity_release(&id);
	}
	remove("/tmp/cunlian-dict-train.db");
	remove("/tmp/cunlian-dict-train.db-wal");
	remove("/tmp/cunlian-dict-train.db-shm");
	void *dict = malloc(size);
	ZDICT_fastCover_params_t p;
	memset(&p, 0, sizeof(p));
	p.k = 200;
	p.d = 8;
	p.f = 20;
	p.steps = 0;
	p.nbThreads = 1;
	p.accel = 1;
	p.zParams.compressionLevel = 19;
	p.zParams.dictID = SYNC_DICT_V1_ID;
	size_t n = ZDICT_trainFromBuffer_fastCover(dict, size, samples, sizes, (unsigned)nsamp, p);
	if (ZDICT_isError(n)) {
		fprintf(stderr, "training failed: %s\n", ZDICT_getErrorName(n));
		return 1;
	}
	f = fopen(argv[2], "wb");
	if (!f || fwrite(dict, 1, n, f) != n || fclose(f) != 0) {
		fprintf(stderr, "cannot write %s\n", argv[2]);
		return 1;
	}
	fprintf(stderr, "%s: %zu bytes from %zu samples (%zu bytes), id 0x%08x\n", argv[2], n, nsamp, total,
		ZDICT_getDictID(dict, n));
	free(dict);
	free(samples);
	free(sizes);
	sim_free(&sim);
	return 0;
}
