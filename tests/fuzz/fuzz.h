/* SPDX-License-Identifier: MIT */
/*
 * fuzz.h - what the libFuzzer targets share (header-only, static): a fresh
 * in-memory replica with a sync context per input, fixed keys, a way to
 * wrap fuzzed bytes in a validly signed chunk so the fuzzer reaches the
 * decoders behind the signature check, a county (root, hub, stations,
 * scope keys) whose nodes are the same in every run, and how a target
 * reports a broken promise (fuzz_fail) and how an input fared
 * (fuzz_note) to the replay test. docs/testing.md says how to run.
 */
#ifndef CUNLIAN_FUZZ_H
#define CUNLIAN_FUZZ_H

#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
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
	struct buf cert; /* a county node's statement (fuzz_county_node) */
};

__attribute__((unused)) static struct sync_dict *fuzz_dict;

/* How the inputs fared: each target notes, per input, whether it was
 * taken (decoded, applied, answered 2.xx) or refused, so the replay test
 * (test_fuzz_replay.c) can tell that a corpus reaches both; input names
 * the file being replayed, for fuzz_fail's message. */
static struct {
	unsigned long ok, refused;
	const char *input;
} fuzz_stats;

__attribute__((unused)) static void fuzz_note(bool ok)
{
	if (ok)
		fuzz_stats.ok++;
	else
		fuzz_stats.refused++;
}

/* A promise of the code under test was broken: say which, and crash so
 * libFuzzer keeps the input (and the replay test fails, naming it). */
__attribute__((unused, noreturn)) static void fuzz_fail(const char *why)
{
	fprintf(stderr, "fuzz: %s%s%s\n", fuzz_stats.input ? fuzz_stats.input : "", fuzz_stats.input ? ": " : "",
		why);
	abort();
}

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
	buf_release(&n->cert);
}

/*
 * A county (docs/security.md), the same in every process, so that the
 * checked-in corpora stay valid: keys from fixed seeds, statements valid
 * from 0 to FUZZ_NOW + 50 years, so that the wall clock of a session
 * (node/link.c) stays inside them (but the hub's own in fuzz_node.h, made
 * by node_hub_enrol as `init` makes it: FUZZ_NOW + 20 years). The scope
 * keys derive from the root's seed (docs/protocol.md), so a box sealed for s0001 in one run opens in
 * the next. The root's feed (scope ""): statements for the hub "hub",
 * stations s0001, s0002, s0003, and a revocation of s0003 from FUZZ_NOW.
 */
#define FUZZ_SEED_ROOT 0x77
#define FUZZ_SEED_HUB 2
#define FUZZ_SEED_S1 5       /* station s0001 */
#define FUZZ_SEED_S2 6       /* station s0002 */
#define FUZZ_SEED_S3 7       /* station s0003, revoked */
#define FUZZ_SEED_STRANGER 9 /* never enrolled */
#define FUZZ_VALID_MS (50ULL * 365 * 86400000)

struct fuzz_county {
	struct sync_identity root;
	struct buf chunk[8]; /* the root's feed as the hub exports it */
	size_t nchunks;
};

__attribute__((unused)) static void fuzz_ident(struct sync_identity *id, uint8_t seedb)
{
	uint8_t seed[32];
	memset(seed, seedb, sizeof(seed));
	if (sync_identity_from_seed(id, seed))
		abort();
}

/* A statement of the root for the key of seedb. */
__attribute__((unused)) static void fuzz_statement_make(struct sync_statement *st, const struct sync_identity *root,
							const uint8_t pk[SYNC_PK_LEN], const char *station,
							uint8_t role)
{
	memset(st, 0, sizeof(*st));
	memcpy(st->node, pk, SYNC_PK_LEN);
	st->role = role;
	snprintf(st->station, sizeof(st->station), "%s", station);
	st->not_after = FUZZ_NOW + FUZZ_VALID_MS;
	if (sync_statement_sign(st, root))
		abort();
}

__attribute__((unused)) static int fuzz_county_keep(void *arg, const uint8_t *chunk, size_t len, const struct sync_chunk_info *info)
{
	struct fuzz_county *c = arg;
	(void)info;
	if (c->nchunks == 8)
		abort();
	buf_init(&c->chunk[c->nchunks], 0);
	buf_put(&c->chunk[c->nchunks++], chunk, len);
	return 0;
}

/* The county, made once per process. */
__attribute__((unused)) static const struct fuzz_county *fuzz_county(void)
{
	static struct fuzz_county c;
	static int done;
	static const struct {
		uint8_t seed, role;
		const char *station;
	} who[] = { { FUZZ_SEED_HUB, SYNC_ROLE_HUB, "hub" },
		    { FUZZ_SEED_S1, SYNC_ROLE_STATION, "s0001" },
		    { FUZZ_SEED_S2, SYNC_ROLE_STATION, "s0002" },
		    { FUZZ_SEED_S3, SYNC_ROLE_STATION, "s0003" } };
	struct crdt_options co = { .no_sync = true };
	struct sync_options so;
	struct crdt_store *st;
	struct sync_ctx *ctx;
	struct sync_trust_row row;
	if (done)
		return &c;
	done = 1;
	fuzz_init();
	fuzz_ident(&c.root, FUZZ_SEED_ROOT);
	memset(&so, 0, sizeof(so));
	so.apply.all = 1;
	so.dict = fuzz_dict;
	so.level = 1;
	if (crdt_store_open(&st, ":memory:", c.root.pk, &co) || sync_ctx_new(&ctx, st, &c.root, &so))
		abort();
	for (size_t i = 0; i < sizeof(who) / sizeof(who[0]); i++) {
		struct sync_identity id;
		struct sync_statement stm;
		fuzz_ident(&id, who[i].seed);
		fuzz_statement_make(&stm, &c.root, id.pk, who[i].station, who[i].role);
		if (sync_statement_row(&row, &stm) || crdt_commit_local(st, FUZZ_NOW + i, "", &row.w, 1, NULL))
			abort();
		if (who[i].seed == FUZZ_SEED_S3 &&
		    (sync_revocation_row(&row, id.pk, "s0003", 0, FUZZ_NOW, FUZZ_NOW + 10) ||
		     crdt_commit_local(st, FUZZ_NOW + 10, "", &row.w, 1, NULL)))
			abort();
		sync_identity_release(&id);
	}
	if (sync_delta_export(ctx, NULL, 0, NULL, fuzz_county_keep, &c))
		abort();
	sync_ctx_free(ctx);
	crdt_store_close(st);
	return &c;
}

/* A node of the county in memory, trust on: the key of seedb with its
 * statement (station, role), holding the root's feed. */
__attribute__((unused)) static void fuzz_county_node(struct fuzz_node *n, uint8_t seedb, const char *station,
						     uint8_t role)
{
	const struct fuzz_county *c = fuzz_county();
	struct crdt_options co = { .no_sync = true };
	struct sync_options so;
	struct sync_statement stm;
	memset(n, 0, sizeof(*n));
	memset(&so, 0, sizeof(so));
	fuzz_ident(&n->id, seedb);
	buf_init(&n->cert, SYNC_STMT_MAX);
	fuzz_statement_make(&stm, &c->root, n->id.pk, station, role);
	sync_statement_encode(&n->cert, &stm);
	if (role == SYNC_ROLE_HUB) {
		so.apply.all = 1;
	} else {
		sync_scopes_add(&so.apply, station);
		sync_scopes_add(&so.apply, "");
	}
	so.carry_others = 1;
	so.dict = fuzz_dict;
	so.level = 1;
	so.county_root = c->root.pk;
	so.self_cert = n->cert.data;
	so.self_cert_len = n->cert.len;
	if (crdt_store_open(&n->st, ":memory:", n->id.pk, &co) || sync_ctx_new(&n->ctx, n->st, &n->id, &so))
		abort();
	for (size_t i = 0; i < c->nchunks; i++)
		if (sync_chunk_apply(n->ctx, c->chunk[i].data, c->chunk[i].len, FUZZ_NOW + 1000, NULL, NULL,
				     NULL))
			abort();
}

/* A receiver with trust on: the county's hub, or (station) its station
 * s0002, which carries the other scopes. */
__attribute__((unused)) static void fuzz_county_rx(struct fuzz_node *n, bool station)
{
	if (station)
		fuzz_county_node(n, FUZZ_SEED_S2, "s0002", SYNC_ROLE_STATION);
	else
		fuzz_county_node(n, FUZZ_SEED_HUB, "hub", SYNC_ROLE_HUB);
}

/* Station s0001 of the county, which seals fuzzed payloads (one for the
 * process: it only signs and holds its scope key). */
__attribute__((unused)) static struct fuzz_node *fuzz_county_s1(void)
{
	static struct fuzz_node tx;
	static int open;
	if (!open) {
		fuzz_county_node(&tx, FUZZ_SEED_S1, "s0001", SYNC_ROLE_STATION);
		open = 1;
	}
	return &tx;
}

#endif
