/* SPDX-License-Identifier: MIT */
/*
 * fuzz.h - what the libFuzzer targets share (header-only, static): a fresh
 * in-memory replica with a sync context per input, fixed keys, and a way
 * to wrap fuzzed bytes in a validly signed chunk so the fuzzer reaches the
 * decoders behind the signature check. docs/testing.md says how to run.
 */
#ifndef CUNLIAN_FUZZ_H
#define CUNLIAN_FUZZ_H

#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "base/buf.h"
#include "base/err.h"
#include "base/mem.h"
#include "sync/sync.h"
#include "sync/sync_internal.h"

#define FUZZ_NOW 1740672000000ULL /* 2025-02-28, the workload's day 0 */

struct fuzz_node {
	struct sync_identity id;
	struct crdt_store *st;
	struct sync_ctx *ctx;
};

__attribute__((unused)) static struct sync_dict *fuzz_dict;

__attribute__((unused)) static void fuzz_init(void)
{
	static int done;
	if (done)
		return;
	done = 1;
	if (sync_init())
		abort();
	if (sync_dict_load(&fuzz_dict, "sync/dict/cunlian-v1.dict"))
		fuzz_dict = NULL; /* run from elsewhere: chunks naming it are refused */
}

/* A fresh node: a hub (apply all) or a station s0001 that carries others. */
__attribute__((unused)) static int fuzz_node_open(struct fuzz_node *n, uint8_t seedb, int station)
{
	uint8_t seed[32];
	struct crdt_options co = { .no_sync = true };
	struct sync_options so;
	fuzz_init();
	memset(n, 0, sizeof(*n));
	memset(seed, seedb, sizeof(seed));
	memset(&so, 0, sizeof(so));
	if (station) {
		sync_scopes_add(&so.apply, "s0001");
		sync_scopes_add(&so.apply, "");
		so.carry_others = 1;
	} else {
		so.apply.all = 1;
	}
	so.dict = fuzz_dict;
	so.level = 1; /* a level-19 dictionary per input would cost more than the test */
	if (sync_identity_from_seed(&n->id, seed) || crdt_store_open(&n->st, ":memory:", n->id.pk, &co) ||
	    sync_ctx_new(&n->ctx, n->st, &n->id, &so))
		abort();
	return 0;
}

__attribute__((unused)) /* The sender that seals fuzzed payloads: one for the process (it only signs). */
__attribute__((unused)) static struct fuzz_node *fuzz_sender(void)
{
	static struct fuzz_node tx;
	static int open;
	if (!open) {
		fuzz_node_open(&tx, 1, 1);
		open = 1;
	}
	return &tx;
}

__attribute__((unused)) static void fuzz_node_close(struct fuzz_node *n)
{
	sync_ctx_free(n->ctx);
	crdt_store_close(n->st);
	sync_identity_release(&n->id);
}

#endif
