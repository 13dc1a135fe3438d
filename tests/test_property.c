// SPDX-License-Identifier: MIT
/*
 * test_property.c - seeded property test of the merge: commits from 3-5
 * authors, who also sync with each other at random moments, delivered to
 * fresh replicas in random orders with random duplicates, always give the
 * same digest everywhere (commutative, associative, idempotent). And the
 * gift shelf: a station redeeming up to the stock it holds and a hub
 * restocking, offline, meeting at random, never see the stock below zero
 * and converge to one stock. And micro-wishes: a station and the hub
 * claiming, releasing, fulfilling and cancelling wishes offline, meeting
 * at random, converge, and a fulfilled wish keeps the claimant of a
 * fulfilment (app/wish.c W7, the claimant as part of the order register).
 * And the service menu: the hub's county entries (overrides of the
 * standard ones too) and the station's own, changed offline on both
 * sides, converge, every entry in its own scope. And activities: the
 * home seating people while the hub asks for seats offline never holds
 * more seats than the capacity anywhere, and converges.
 *
 *   CUNLIAN_SEEDS=N CUNLIAN_SEED_START=K build/tests/test_property
 * runs seeds K..K+N-1 (default 1000 seeds from 1); a failure prints the
 * seed and the command that replays it.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <time.h>

#include "base/err.h"
#include "base/mem.h"
#include <sqlite3.h>
#include "tests/helpers.h"

#define MAX_AUTHORS 5
#define FRESH 3

struct rng {
	uint64_t s;
};

static uint64_t rng_next(struct rng *r)
{
	uint64_t z = (r->s += 0x9e3779b97f4a7c15ULL);
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

static unsigned rng_below(struct rng *r, unsigned n)
{
	return (unsigned)(rng_next(r) % n);
}

static const char *const names[] = { "王伟", "李娜", "张敏", "刘洋", "陈静" };
static const char *const statuses[] = { "open", "dispatched", "accepted", "cancelled", "done", "rated" };
static const char *const vols[] = { "s0001-v1", "s0001-v2", "s0001-v3", "s0001-v4" };
static const char *const keys[] = { "service:s0001-o1", "service:s0001-o2", NULL };
/* Team membership (app/team.c TM4): a team id, an old free-text team, or
 * none (leave: NULL). */
static const char *const team_of[] = { "s0001-t1", "s0001-t2", "老队伍", NULL };
/* A wish's claimant (the register's optional part): a unit, a team, or
 * none written as NULL. */
static const char *const claimants[] = { "unit:县供电所", "team:s0001-t1", NULL };

/* One random write; text values are static strings. */
static void random_write(struct rng *r, struct crdt_write *w, char *pkbuf, size_t pklen)
{
	switch (rng_below(r, 5)) {
	case 0: /* volunteers: LWW columns and deletes */
		snprintf(pkbuf, pklen, "s0001-v%u", 1 + rng_below(r, 4));
		if (rng_below(r, 8) == 0) {
			crdt_write_init(w, 1, CRDT_DELETE, pkbuf);
			return;
		}
		crdt_write_init(w, 1, CRDT_UPSERT, pkbuf);
		if (rng_below(r, 2))
			crdt_write_text(w, "name", names[rng_below(r, 5)]);
		if (rng_below(r, 2))
			crdt_write_set_text(w, CRDT_C_VOLUNTEERS_TEAM, team_of[rng_below(r, 4)]);
		crdt_write_text(w, "station", "s0001");
		if (rng_below(r, 3) == 0)
			crdt_write_int(w, "registered_at", (int64_t)rng_below(r, 1000));
		return;
	case 1: /* orders: the lifecycle register and LWW columns */
	case 2:
		snprintf(pkbuf, pklen, "s0001-o%u", 1 + rng_below(r, 3));
		crdt_write_init(w, 3, CRDT_UPSERT, pkbuf);
		crdt_write_text(w, "station", "s0001");
		if (rng_below(r, 3))
			crdt_write_text(w, "status", statuses[rng_below(r, 6)]);
		if (rng_below(r, 2))
			crdt_write_text(w, "volunteer", vols[rng_below(r, 4)]);
		if (rng_below(r, 2))
			crdt_write_real(w, "hours", 0.5 * rng_below(r, 9));
		if (rng_below(r, 3) == 0)
			crdt_write_int(w, "rating", 1 + rng_below(r, 5));
		if (rng_below(r, 4) == 0) { /* a wish's columns (app/wish.c) */
			crdt_write_set_text(w, CRDT_C_ORDERS_DUE, "2025-03-10");
			crdt_write_set_text(w, CRDT_C_ORDERS_BENEFICIARY, names[rng_below(r, 5)]);
		}
		if (rng_below(r, 3) == 0) { /* the claimant comes with the status */
			const char *c = claimants[rng_below(r, 3)];
			crdt_write_text(w, "status", statuses[rng_below(r, 6)]);
			if (c)
				crdt_write_set_text(w, CRDT_C_ORDERS_CLAIMANT, c);
			else
				crdt_write_set_null(w, CRDT_C_ORDERS_CLAIMANT);
		}
		return;
	case 3: /* teams: rows added, renamed, given a leader, deleted */
		snprintf(pkbuf, pklen, "s0001-t%u", 1 + rng_below(r, 2));
		if (rng_below(r, 8) == 0) {
			crdt_write_init(w, CRDT_T_TEAMS, CRDT_DELETE, pkbuf);
			return;
		}
		crdt_write_init(w, CRDT_T_TEAMS, CRDT_UPSERT, pkbuf);
		crdt_write_set_text(w, CRDT_C_TEAMS_STATION, "s0001");
		if (rng_below(r, 2))
			crdt_write_set_text(w, CRDT_C_TEAMS_NAME, names[rng_below(r, 5)]);
		if (rng_below(r, 2))
			crdt_write_set_text(w, CRDT_C_TEAMS_LEADER, vols[rng_below(r, 4)]);
		return;
	default: /* points: append-only with pk and unique-key conflicts */
		snprintf(pkbuf, pklen, "s0001-p%u", 1 + rng_below(r, 6));
		crdt_write_init(w, 5, CRDT_UPSERT, pkbuf);
		crdt_write_text(w, "volunteer", vols[rng_below(r, 4)]);
		crdt_write_int(w, "delta", (int64_t)rng_below(r, 3) * 10);
		crdt_write_text(w, "reason", "service");
		crdt_write_text(w, "station", "s0001");
		if (keys[rng_below(r, 3)])
			crdt_write_text(w, "key", keys[rng_below(r, 3)] ? keys[rng_below(r, 2)] : NULL);
		return;
	}
}

static struct crdt_store *open_mem(const uint8_t *id)
{
	struct crdt_store *s;
	struct crdt_options opt = { .no_sync = true };
	if (crdt_store_open(&s, ":memory:", id, &opt))
		return NULL;
	return s;
}

static const uint64_t far_future = T_DAY0 + 365ULL * 86400000;

/* Deliver p's commits to s in a random order with random duplicates,
 * some of them in batches (crdt_store_begin/end: the row cache), some
 * batches with a digest taken inside (which writes the cached rows back). */
static int deliver(struct rng *r, struct t_pool *p, struct crdt_store *s)
{
	struct rng rb = { rng_next(r) }; /* the batching draws their own numbers */
	size_t left = 0;
	uint8_t mid[32];
	size_t *order = malloc((p->n * 2 + 1) * sizeof(*order));
	size_t n = 0;
	for (size_t i = 0; i < p->n; i++) {
		order[n++] = i;
		if (rng_below(r, 4) == 0)
			order[n++] = i;
	}
	for (size_t i = n; i > 1; i--) {
		size_t j = rng_below(r, (unsigned)i), t = order[i - 1];
		order[i - 1] = order[j];
		order[j] = t;
	}
	int bad = 0;
	for (size_t i = 0; i < n; i++) {
		struct t_commit *c = &p->c[order[i]];
		if (!left && rng_below(&rb, 2)) {
			left = 1 + rng_below(&rb, 16);
			if (crdt_store_begin(s))
				bad = ERR_STORAGE;
		}
		int rc = crdt_apply_remote(s, far_future, c->author, c->scope, c->seq, c->hlc, c->body, c->len);
		if (rc < 0)
			bad = rc;
		if (left && rng_below(&rb, 8) == 0 && crdt_store_digest(s, NULL, mid))
			bad = ERR_STORAGE;
		if (left && (--left == 0 || i == n - 1) && crdt_store_end(s))
			bad = ERR_STORAGE;
	}
	free(order);
	return bad;
}

/* On a failure, show each table's rows so the difference can be read. */
static void dump(struct crdt_store *s, const char *label)
{
	fprintf(stderr, "--- %s\n", label);
	for (size_t t = 0; t < crdt_ntables; t++) {
		char sql[128];
		sqlite3_stmt *st;
		if (!crdt_tables[t].name) /* an id not assigned */
			continue;
		snprintf(sql, sizeof(sql), "SELECT *, hex(_m) FROM \"%s\" ORDER BY pk", crdt_tables[t].name);
		if (sqlite3_prepare_v2(crdt_store_db(s), sql, -1, &st, NULL) != SQLITE_OK)
			continue;
		while (sqlite3_step(st) == SQLITE_ROW) {
			fprintf(stderr, "%s", crdt_tables[t].name);
			for (int c = 0; c < sqlite3_column_count(st); c++)
				if (strcmp(sqlite3_column_name(st, c), "_m") != 0)
					fprintf(stderr, "|%s", sqlite3_column_text(st, c) ?
						(const char *)sqlite3_column_text(st, c) : "");
			fprintf(stderr, "\n");
		}
		sqlite3_finalize(st);
	}
}

static int run_seed(uint64_t seed)
{
	struct rng r = { seed };
	struct crdt_store *a[MAX_AUTHORS] = { 0 }, *f[FRESH] = { 0 };
	uint8_t id[MAX_AUTHORS][CRDT_AUTHOR_LEN], fid[FRESH][CRDT_AUTHOR_LEN];
	unsigned na = 3 + rng_below(&r, 3);
	struct t_pool pool = { 0 };
	int fail = 0;

	for (unsigned i = 0; i < na; i++) {
		char name[24];
		snprintf(name, sizeof(name), "author%u", i);
		t_author(id[i], name);
		a[i] = open_mem(id[i]);
	}
	for (unsigned i = 0; i < FRESH; i++) {
		char name[24];
		snprintf(name, sizeof(name), "fresh%u", i);
		t_author(fid[i], name);
		f[i] = open_mem(fid[i]);
	}
	/* Each author works on a clock of its own: skewed, sometimes at 1970. */
	uint64_t wall[MAX_AUTHORS];
	for (unsigned i = 0; i < na; i++)
		wall[i] = rng_below(&r, 10) == 0 ? 1000 : T_DAY0 + rng_below(&r, 3600000);
	unsigned steps = 20 + rng_below(&r, 40);
	for (unsigned k = 0; k < steps; k++) {
		unsigned i = rng_below(&r, na);
		if (rng_below(&r, 6) == 0) { /* an author hears from another */
			unsigned j = rng_below(&r, na);
			if (j != i)
				t_sync(a[j], a[i], far_future);
			continue;
		}
		struct crdt_write w[3];
		char pk[3][32];
		unsigned nw = 1 + rng_below(&r, 3);
		for (unsigned q = 0; q < nw; q++)
			random_write(&r, &w[q], pk[q], sizeof(pk[q]));
		wall[i] += rng_below(&r, 5000);
		int rc = crdt_commit_local(a[i], wall[i], "s0001", w, nw, NULL);
		if (rc && rc != ERR_SCHEMA) {
			fprintf(stderr, "seed %llu: local commit failed: %s\n", (unsigned long long)seed,
				err_str(rc));
			fail = 1;
		}
	}
	/* Every commit any author made, from the author's own log. */
	for (unsigned i = 0; i < na; i++)
		crdt_log_each(a[i], id[i], "s0001", 0, t_pool_add, &pool);

	uint8_t want[32], got[32];
	for (unsigned i = 0; i < FRESH && !fail; i++)
		if (deliver(&r, &pool, f[i]))
			fail = 1;
	for (unsigned i = 0; i < na && !fail; i++)
		if (deliver(&r, &pool, a[i]))
			fail = 1;
	if (!fail) {
		crdt_store_digest(f[0], NULL, want);
		for (unsigned i = 0; i < FRESH + na; i++) {
			struct crdt_store *s = i < FRESH ? f[i] : a[i - FRESH];
			crdt_store_digest(s, NULL, got);
			if (memcmp(want, got, 32) != 0) {
				fprintf(stderr, "seed %llu: replica %u digest differs\n",
					(unsigned long long)seed, i);
				if (!fail && getenv("CUNLIAN_DUMP")) {
					dump(f[0], "replica 0");
					dump(s, "differing replica");
				}
				fail = 1;
			}
		}
	}
	for (unsigned i = 0; i < na; i++)
		crdt_store_close(a[i]);
	for (unsigned i = 0; i < FRESH; i++)
		crdt_store_close(f[i]);
	t_pool_free(&pool);
	return fail;
}

/* Run seeds of one property: CUNLIAN_SEEDS (else dflt) from
 * CUNLIAN_SEED_START (else 1), stopping after 5 failures; each failure
 * prints its seed and the command that replays it. Returns the failures. */
static unsigned run_seeds(const char *what, int (*run)(uint64_t), uint64_t dflt)
{
	const char *e = getenv("CUNLIAN_SEEDS"), *st = getenv("CUNLIAN_SEED_START");
	uint64_t count = e ? strtoull(e, NULL, 10) : dflt, start = st ? strtoull(st, NULL, 10) : 1;
	unsigned failed = 0;
	struct timespec t0, t1;
	clock_gettime(CLOCK_MONOTONIC, &t0);
	for (uint64_t s = start; s < start + count && failed < 5; s++)
		if (run(s)) {
			fprintf(stderr, "%s property failed at seed %llu; replay: CUNLIAN_SEED_START=%llu "
					"CUNLIAN_SEEDS=1 build/tests/test_property\n",
				what, (unsigned long long)s, (unsigned long long)s);
			failed++;
		}
	clock_gettime(CLOCK_MONOTONIC, &t1);
	printf("%s: seeds %llu..%llu, %u failed, %.1f s\n", what, (unsigned long long)start,
	       (unsigned long long)(start + count - 1), failed,
	       (double)(t1.tv_sec - t0.tv_sec) + (double)(t1.tv_nsec - t0.tv_nsec) / 1e9);
	return failed;
}

static void test_merge_converges(void **state)
{
	(void)state;
	assert_int_equal(run_seeds("property", run_seed, 1000), 0);
}

/* ---- the gift shelf (app/gift.c G2, G5) ----------------------------------- */

static int64_t gift_stock(struct crdt_store *s)
{
	sqlite3_stmt *st;
	int64_t v = INT64_MIN;
	if (sqlite3_prepare_v2(crdt_store_db(s),
			       "SELECT coalesce(sum(delta), 0) FROM gift_moves_live WHERE gift = 's0001-g1'",
			       -1, &st, NULL) != SQLITE_OK)
		return v;
	if (sqlite3_step(st) == SQLITE_ROW)
		v = sqlite3_column_int64(st, 0);
	sqlite3_finalize(st);
	return v;
}

/* One move of the item: its pk, delta, reason; a price change also sets
 * the item's price (LWW) in the same commit. */
static int gift_commit(struct crdt_store *s, uint64_t wall, const char *pk, int64_t delta,
		       const char *reason, int64_t price)
{
	struct crdt_write w[2];
	size_t n = 0;
	if (price) {
		crdt_write_init(&w[n], CRDT_T_GIFTS, CRDT_UPSERT, "s0001-g1");
		crdt_write_set_int(&w[n++], CRDT_C_GIFTS_PRICE, price);
	}
	crdt_write_init(&w[n], CRDT_T_GIFT_MOVES, CRDT_UPSERT, pk);
	crdt_write_set_text(&w[n], CRDT_C_GIFT_MOVES_GIFT, "s0001-g1");
	crdt_write_set_text(&w[n], CRDT_C_GIFT_MOVES_STATION, "s0001");
	crdt_write_set_int(&w[n], CRDT_C_GIFT_MOVES_DELTA, delta);
	crdt_write_set_text(&w[n], CRDT_C_GIFT_MOVES_REASON, reason);
	crdt_write_set_int(&w[n++], CRDT_C_GIFT_MOVES_PRICE, price);
	return crdt_commit_local(s, wall, "s0001", w, n, NULL);
}

/* The station (author 0) and the hub (author 1) work offline on the
 * station's item and meet at random: the station redeems up to the stock
 * it holds (the rule of G5, checked before its commit as app/gift.c does
 * in its write transaction), both restock and change the price, the hub
 * never takes stock. After every step the stock at both is >= 0; at the
 * end every replica holding every commit, delivered in any order with
 * duplicates, has the same digest and the same stock, >= 0. */
static int run_gift_seed(uint64_t seed)
{
	struct rng r = { seed };
	struct crdt_store *n[2], *f[FRESH];
	uint8_t id[2][CRDT_AUTHOR_LEN], fid[FRESH][CRDT_AUTHOR_LEN];
	uint64_t wall[2] = { T_DAY0, T_DAY0 + rng_below(&r, 60000) };
	unsigned nk[2] = { 0, 0 };
	struct t_pool pool = { 0 };
	int fail = 0;
	char pk[32];

	t_author(id[0], "station");
	t_author(id[1], "hub");
	for (unsigned i = 0; i < 2; i++)
		n[i] = open_mem(id[i]);
	for (unsigned i = 0; i < FRESH; i++) {
		char name[24];
		snprintf(name, sizeof(name), "fresh%u", i);
		t_author(fid[i], name);
		f[i] = open_mem(fid[i]);
	}
	/* the station puts the item on its shelf with some stock */
	struct crdt_write w;
	crdt_write_init(&w, CRDT_T_GIFTS, CRDT_UPSERT, "s0001-g1");
	crdt_write_set_text(&w, CRDT_C_GIFTS_NAME, "毛巾");
	crdt_write_set_text(&w, CRDT_C_GIFTS_STATION, "s0001");
	crdt_write_set_int(&w, CRDT_C_GIFTS_PRICE, 5);
	if (crdt_commit_local(n[0], wall[0], "s0001", &w, 1, NULL))
		fail = 1;
	snprintf(pk, sizeof(pk), "s0001-k%u", ++nk[0]);
	if (gift_commit(n[0], wall[0], pk, (int64_t)rng_below(&r, 4), "restock", 5))
		fail = 1;
	unsigned steps = 20 + rng_below(&r, 60);
	for (unsigned k = 0; k < steps && !fail; k++) {
		unsigned who = rng_below(&r, 2), x = rng_below(&r, 10);
		int64_t q = 1 + (int64_t)rng_below(&r, 3);
		wall[who] += rng_below(&r, 5000);
		snprintf(pk, sizeof(pk), "%s-k%u", who ? "hub" : "s0001", nk[who] + 1);
		int rc = 0;
		if (x < 2) /* they meet, one way */
			rc = t_sync(n[who], n[!who], far_future) < 0;
		else if (x < 6 && who == 0 && gift_stock(n[0]) >= q) /* a redemption (G5) */
			rc = gift_commit(n[0], wall[0], pk, -q, "redeem", 0), nk[0]++;
		else if (x < 8) /* a restock */
			rc = gift_commit(n[who], wall[who], pk, q, "restock", 0), nk[who]++;
		else if (x < 10) /* a price change */
			rc = gift_commit(n[who], wall[who], pk, 0, "price", 1 + rng_below(&r, 50)), nk[who]++;
		if (rc || gift_stock(n[0]) < 0 || gift_stock(n[1]) < 0) {
			fprintf(stderr, "gift seed %llu step %u: rc %d, stock %lld at the station, %lld at the hub\n",
				(unsigned long long)seed, k, rc, (long long)gift_stock(n[0]),
				(long long)gift_stock(n[1]));
			fail = 1;
		}
	}
	for (unsigned i = 0; i < 2; i++)
		crdt_log_each(n[i], id[i], "s0001", 0, t_pool_add, &pool);
	for (unsigned i = 0; i < FRESH && !fail; i++)
		if (deliver(&r, &pool, f[i]))
			fail = 1;
	for (unsigned i = 0; i < 2 && !fail; i++)
		if (deliver(&r, &pool, n[i]))
			fail = 1;
	uint8_t want[32], got[32];
	int64_t stock = fail ? 0 : gift_stock(f[0]);
	if (!fail && (crdt_store_digest(f[0], NULL, want) || stock < 0))
		fail = 1;
	for (unsigned i = 0; i < FRESH + 2 && !fail; i++) {
		struct crdt_store *s = i < FRESH ? f[i] : n[i - FRESH];
		if (crdt_store_digest(s, NULL, got) || memcmp(want, got, 32) != 0 || gift_stock(s) != stock) {
			fprintf(stderr, "gift seed %llu: replica %u differs (stock %lld, want %lld)\n",
				(unsigned long long)seed, i, (long long)gift_stock(s), (long long)stock);
			fail = 1;
		}
	}
	for (unsigned i = 0; i < 2; i++)
		crdt_store_close(n[i]);
	for (unsigned i = 0; i < FRESH; i++)
		crdt_store_close(f[i]);
	t_pool_free(&pool);
	return fail;
}

static void test_gift_stock(void **state)
{
	(void)state;
	assert_int_equal(run_seeds("gift stock", run_gift_seed, 300), 0);
}

/* ---- micro-wishes (app/wish.c W3..W7) --------------------------------------- */

#define WISHES 3

/* The register of wish i as s holds it: status, volunteer, claimant. */
static int wish_get(struct crdt_store *s, unsigned i, char st[16], char vol[32], char cl[48])
{
	sqlite3_stmt *q;
	char pk[24];
	int rc;
	snprintf(pk, sizeof(pk), "s0001-o%u", i + 1);
	st[0] = vol[0] = cl[0] = '\0';
	if (sqlite3_prepare_v2(crdt_store_db(s),
			       "SELECT status, coalesce(volunteer, ''), coalesce(claimant, '') FROM orders_live"
			       " WHERE pk = ?1",
			       -1, &q, NULL) != SQLITE_OK)
		return -1;
	sqlite3_bind_text(q, 1, pk, -1, SQLITE_TRANSIENT);
	rc = sqlite3_step(q);
	if (rc == SQLITE_ROW) {
		snprintf(st, 16, "%s", (const char *)sqlite3_column_text(q, 0));
		snprintf(vol, 32, "%s", (const char *)sqlite3_column_text(q, 1));
		snprintf(cl, 48, "%s", (const char *)sqlite3_column_text(q, 2));
	}
	sqlite3_finalize(q);
	return rc == SQLITE_ROW ? 0 : -1;
}

/* A move of wish i as order.c writes it: claim and release the whole
 * register (vol or cl, the other NULL), done and cancel the status only
 * (the store fills the rest), with an event. */
static int wish_move(struct crdt_store *s, uint64_t wall, unsigned i, const char *evpk, const char *to,
		     bool whole, const char *vol, const char *cl)
{
	struct crdt_write w[2];
	char pk[24];
	snprintf(pk, sizeof(pk), "s0001-o%u", i + 1);
	crdt_write_init(&w[0], CRDT_T_ORDERS, CRDT_UPSERT, pk);
	crdt_write_set_text(&w[0], CRDT_C_ORDERS_STATUS, to);
	if (whole) {
		if (vol)
			crdt_write_set_text(&w[0], CRDT_C_ORDERS_VOLUNTEER, vol);
		else
			crdt_write_set_null(&w[0], CRDT_C_ORDERS_VOLUNTEER);
		if (cl)
			crdt_write_set_text(&w[0], CRDT_C_ORDERS_CLAIMANT, cl);
		else
			crdt_write_set_null(&w[0], CRDT_C_ORDERS_CLAIMANT);
	}
	crdt_write_init(&w[1], CRDT_T_ORDER_EVENTS, CRDT_UPSERT, evpk);
	crdt_write_set_text(&w[1], CRDT_C_ORDER_EVENTS_ORDER, pk);
	crdt_write_set_text(&w[1], CRDT_C_ORDER_EVENTS_STATION, "s0001");
	crdt_write_set_text(&w[1], CRDT_C_ORDER_EVENTS_TO_STATUS, to);
	return crdt_commit_local(s, wall, "s0001", w, 2, NULL);
}

/* The station (0) and the hub (1) move WISHES wishes offline by the
 * rules of wish.c, judged on what each holds (claim a published one,
 * release or fulfil a claimed one, cancel an unfinished one), meeting at
 * random. At the end every replica has the same digest, and each wish
 * that anyone fulfilled is fulfilled with the (volunteer, claimant) of
 * one of its fulfilments; one that nobody fulfilled but someone
 * cancelled is cancelled. */
static int run_wish_seed(uint64_t seed)
{
	static const char *const who_vol[] = { "s0001-v1", "s0001-v2", NULL, NULL };
	static const char *const who_cl[] = { NULL, NULL, "unit:县供电所", "team:s0001-t1" };
	struct rng r = { seed };
	struct crdt_store *n[2], *f[FRESH];
	uint8_t id[2][CRDT_AUTHOR_LEN], fid[FRESH][CRDT_AUTHOR_LEN];
	uint64_t wall[2] = { T_DAY0, T_DAY0 + rng_below(&r, 60000) };
	char done[WISHES][8][96]; /* the pairs of each wish's fulfilments */
	unsigned ndone[WISHES] = { 0 }, nev[2] = { 0, 0 };
	bool cancelled[WISHES] = { false };
	struct t_pool pool = { 0 };
	int fail = 0;

	t_author(id[0], "station");
	t_author(id[1], "hub");
	for (unsigned i = 0; i < 2; i++)
		n[i] = open_mem(id[i]);
	for (unsigned i = 0; i < FRESH; i++) {
		char name[24];
		snprintf(name, sizeof(name), "fresh%u", i);
		t_author(fid[i], name);
		f[i] = open_mem(fid[i]);
	}
	for (unsigned i = 0; i < WISHES && !fail; i++) {
		char ev[24];
		snprintf(ev, sizeof(ev), "s0001-e%u", ++nev[0]);
		fail = wish_move(n[0], wall[0], i, ev, "open", true, NULL, NULL) != 0;
	}
	if (!fail)
		fail = t_sync(n[0], n[1], far_future) < 0;
	unsigned steps = 20 + rng_below(&r, 60);
	for (unsigned k = 0; k < steps && !fail; k++) {
		unsigned who = rng_below(&r, 2), x = rng_below(&r, 10), i = rng_below(&r, WISHES);
		char st[16], vol[32], cl[48], ev[24];
		wall[who] += rng_below(&r, 5000);
		if (x < 2) {
			fail = t_sync(n[who], n[!who], far_future) < 0;
			continue;
		}
		if (wish_get(n[who], i, st, vol, cl)) {
			fail = 1;
			break;
		}
		snprintf(ev, sizeof(ev), "%s-e%u", who ? "hub" : "s0001", ++nev[who]);
		bool open = strcmp(st, "open") == 0, claimed = strcmp(st, "accepted") == 0;
		unsigned c = rng_below(&r, 4);
		int rc = 0;
		if (x < 5 && open) { /* claim (W3) */
			rc = wish_move(n[who], wall[who], i, ev, "accepted", true, who_vol[c], who_cl[c]);
		} else if (x < 6 && claimed) { /* release (W4) */
			rc = wish_move(n[who], wall[who], i, ev, "open", true, NULL, NULL);
		} else if (x < 9 && claimed) { /* fulfil (W5): record who */
			rc = wish_move(n[who], wall[who], i, ev, "done", false, NULL, NULL);
			if (ndone[i] < 8)
				snprintf(done[i][ndone[i]++], sizeof(done[i][0]), "%s|%s", vol, cl);
		} else if (x == 9 && (open || claimed)) { /* cancel */
			rc = wish_move(n[who], wall[who], i, ev, "cancelled", false, NULL, NULL);
			cancelled[i] = true;
		}
		fail = rc != 0;
	}
	for (unsigned i = 0; i < 2; i++)
		crdt_log_each(n[i], id[i], "s0001", 0, t_pool_add, &pool);
	for (unsigned i = 0; i < FRESH && !fail; i++)
		if (deliver(&r, &pool, f[i]))
			fail = 1;
	for (unsigned i = 0; i < 2 && !fail; i++)
		if (deliver(&r, &pool, n[i]))
			fail = 1;
	uint8_t want[32], got[32];
	if (!fail && crdt_store_digest(f[0], NULL, want))
		fail = 1;
	for (unsigned i = 0; i < FRESH + 2 && !fail; i++) {
		struct crdt_store *s = i < FRESH ? f[i] : n[i - FRESH];
		if (crdt_store_digest(s, NULL, got) || memcmp(want, got, 32) != 0) {
			fprintf(stderr, "wish seed %llu: replica %u differs\n", (unsigned long long)seed, i);
			fail = 1;
		}
		for (unsigned w = 0; w < WISHES && !fail; w++) {
			char st[16], vol[32], cl[48], pair[96];
			bool ok = wish_get(s, w, st, vol, cl) == 0;
			snprintf(pair, sizeof(pair), "%s|%s", vol, cl);
			if (ok && ndone[w]) {
				bool one = false;
				for (unsigned d = 0; d < ndone[w]; d++)
					one = one || strcmp(done[w][d], pair) == 0;
				ok = strcmp(st, "done") == 0 && one;
			} else if (ok && cancelled[w]) {
				ok = strcmp(st, "cancelled") == 0;
			}
			if (!ok) {
				fprintf(stderr, "wish seed %llu: replica %u wish %u is %s held by %s\n",
					(unsigned long long)seed, i, w + 1, st, pair);
				fail = 1;
			}
		}
	}
	for (unsigned i = 0; i < 2; i++)
		crdt_store_close(n[i]);
	for (unsigned i = 0; i < FRESH; i++)
		crdt_store_close(f[i]);
	t_pool_free(&pool);
	return fail;
}

static void test_wish_register(void **state)
{
	(void)state;
	assert_int_equal(run_seeds("wishes", run_wish_seed, 300), 0);
}

/* ---- the service menu (app/category.c C1, C2, C7) ---------------------------- */

/* One random write of a menu entry by the station (author 0: its own
 * entries, scope s0001) or the hub (author 1: the county's entries and
 * overrides of the standard ones in scope "", or the station's entries
 * in its scope); *scope is where it goes. Columns: a random subset. */
static void category_write(struct rng *r, unsigned who, struct crdt_write *w, char *pk, size_t pkn,
			   const char **scope)
{
	static const char *const cnames[] = { "维修", "代购", "理发", "助老", "家电维修" };
	bool county = who == 1 && rng_below(r, 2) == 0;
	if (county) {
		if (rng_below(r, 2))
			snprintf(pk, pkn, "std-%u", 1 + rng_below(r, 8));
		else
			snprintf(pk, pkn, "hub-c%u", 1 + rng_below(r, 3));
	} else {
		snprintf(pk, pkn, "s0001-c%u", 1 + rng_below(r, 3));
	}
	*scope = county ? "" : "s0001";
	crdt_write_init(w, CRDT_T_CATEGORIES, CRDT_UPSERT, pk);
	crdt_write_set_text(w, CRDT_C_CATEGORIES_STATION, *scope);
	if (rng_below(r, 2))
		crdt_write_set_text(w, CRDT_C_CATEGORIES_NAME, cnames[rng_below(r, 5)]);
	if (rng_below(r, 3) == 0)
		crdt_write_set_int(w, CRDT_C_CATEGORIES_RETIRED, rng_below(r, 2));
	switch (rng_below(r, 3)) {
	case 0:
		crdt_write_set_real(w, CRDT_C_CATEGORIES_POINTS_PER_HOUR, 0.5 * rng_below(r, 40));
		break;
	case 1:
		crdt_write_set_null(w, CRDT_C_CATEGORIES_POINTS_PER_HOUR);
		break;
	default:
		break;
	}
	if (rng_below(r, 4) == 0)
		crdt_write_set_text(w, CRDT_C_CATEGORIES_DESCRIPTION, rng_below(r, 2) ? "上门" : "到站");
}

/* Menu entries whose station is not the scope they live in: never any (a
 * row's scope is fixed, C2). */
static int64_t category_misplaced(struct crdt_store *s)
{
	sqlite3_stmt *st;
	int64_t v = -1;
	if (sqlite3_prepare_v2(crdt_store_db(s),
			       "SELECT count(*) FROM categories_live WHERE station IS NOT coalesce(_scope, '')",
			       -1, &st, NULL) != SQLITE_OK)
		return v;
	if (sqlite3_step(st) == SQLITE_ROW)
		v = sqlite3_column_int64(st, 0);
	sqlite3_finalize(st);
	return v;
}

/* The station and the hub change the menu offline and meet at random;
 * every replica holding every commit, delivered in any order with
 * duplicates, has the same digest and the same menu, with every entry in
 * its own scope. */
static int run_category_seed(uint64_t seed)
{
	struct rng r = { seed };
	struct crdt_store *n[2], *f[FRESH];
	uint8_t id[2][CRDT_AUTHOR_LEN], fid[FRESH][CRDT_AUTHOR_LEN];
	uint64_t wall[2] = { T_DAY0, T_DAY0 + rng_below(&r, 60000) };
	struct t_pool pool = { 0 };
	int fail = 0;

	t_author(id[0], "station");
	t_author(id[1], "hub");
	for (unsigned i = 0; i < 2; i++)
		n[i] = open_mem(id[i]);
	for (unsigned i = 0; i < FRESH; i++) {
		char name[24];
		snprintf(name, sizeof(name), "fresh%u", i);
		t_author(fid[i], name);
		f[i] = open_mem(fid[i]);
	}
	unsigned steps = 20 + rng_below(&r, 60);
	for (unsigned k = 0; k < steps && !fail; k++) {
		unsigned who = rng_below(&r, 2);
		wall[who] += rng_below(&r, 3000);
		if (rng_below(&r, 5) == 0) { /* they meet, one way */
			fail = t_sync(n[who], n[!who], far_future) < 0;
			continue;
		}
		struct crdt_write w;
		char pk[32];
		const char *scope;
		category_write(&r, who, &w, pk, sizeof(pk), &scope);
		if (crdt_commit_local(n[who], wall[who], scope, &w, 1, NULL)) {
			fprintf(stderr, "category seed %llu step %u: commit refused\n", (unsigned long long)seed, k);
			fail = 1;
		}
	}
	for (unsigned i = 0; i < 2; i++) {
		crdt_log_each(n[i], id[i], "s0001", 0, t_pool_add, &pool);
		crdt_log_each(n[i], id[i], "", 0, t_pool_add, &pool);
	}
	for (unsigned i = 0; i < FRESH && !fail; i++)
		if (deliver(&r, &pool, f[i]))
			fail = 1;
	for (unsigned i = 0; i < 2 && !fail; i++)
		if (deliver(&r, &pool, n[i]))
			fail = 1;
	uint8_t want[32], got[32];
	if (!fail && crdt_store_digest(f[0], NULL, want))
		fail = 1;
	for (unsigned i = 0; i < FRESH + 2 && !fail; i++) {
		struct crdt_store *s = i < FRESH ? f[i] : n[i - FRESH];
		if (crdt_store_digest(s, NULL, got) || memcmp(want, got, 32) != 0 || category_misplaced(s) != 0) {
			fprintf(stderr, "category seed %llu: replica %u differs (%lld entries out of scope)\n",
				(unsigned long long)seed, i, (long long)category_misplaced(s));
			if (getenv("CUNLIAN_DUMP")) {
				dump(f[0], "replica 0");
				dump(s, "differing replica");
			}
			fail = 1;
		}
	}
	for (unsigned i = 0; i < 2; i++)
		crdt_store_close(n[i]);
	for (unsigned i = 0; i < FRESH; i++)
		crdt_store_close(f[i]);
	t_pool_free(&pool);
	return fail;
}

static void test_category_menu(void **state)
{
	(void)state;
	assert_int_equal(run_seeds("service menu", run_category_seed, 300), 0);
}

/* ---- activities (app/activity.c A2, A5) --------------------------------------- */

#define ACT_CAP 3
/* Seats held of the activity, as app/activity.c counts them (A2). */
#define ACT_HOLDERS_SQL                                                                          \
	"SELECT count(*) FROM (SELECT s.volunteer FROM activity_signups_live s"                   \
	" WHERE s.activity = 's0001-a1' AND s.kind IN ('firm', 'wait', 'request')"                \
	" AND NOT EXISTS(SELECT 1 FROM activity_signups_live c WHERE c.ref = s.pk AND c.kind = 'cancel')" \
	" AND (s.kind = 'firm' OR EXISTS(SELECT 1 FROM activity_signups_live g WHERE g.ref = s.pk"   \
	" AND g.kind = 'grant'))"                                                                  \
	" UNION SELECT t.volunteer FROM activity_attendance_live t WHERE t.activity = 's0001-a1'"  \
	" AND t.kind = 'in')"

static int64_t act_int(struct crdt_store *s, const char *sql, const char *arg)
{
	sqlite3_stmt *st;
	int64_t v = INT64_MIN;
	if (sqlite3_prepare_v2(crdt_store_db(s), sql, -1, &st, NULL) != SQLITE_OK)
		return v;
	if (arg)
		sqlite3_bind_text(st, 1, arg, -1, SQLITE_TRANSIENT);
	if (sqlite3_step(st) == SQLITE_ROW)
		v = sqlite3_column_int64(st, 0);
	sqlite3_finalize(st);
	return v;
}

/* The pk of the k-th live sign-up (of kind firm, wait, request) holding
 * a seat (seat 1) or not (0), in (at, pk) order, into pk; false: none. */
static bool act_nth(struct crdt_store *s, int seat, unsigned k, char *pk, size_t n, char *vid, size_t vn)
{
	sqlite3_stmt *st;
	bool found = false;
	if (sqlite3_prepare_v2(crdt_store_db(s),
			       "SELECT s.pk, s.volunteer FROM activity_signups_live s WHERE s.activity = 's0001-a1'"
			       " AND s.kind IN ('firm', 'wait', 'request') AND NOT EXISTS(SELECT 1 FROM"
			       " activity_signups_live c WHERE c.ref = s.pk AND c.kind = 'cancel')"
			       " AND (s.kind = 'firm' OR EXISTS(SELECT 1 FROM activity_signups_live g WHERE g.ref = s.pk"
			       " AND g.kind = 'grant')) = ?1 ORDER BY s.at, s.pk LIMIT 1 OFFSET ?2",
			       -1, &st, NULL) != SQLITE_OK)
		return false;
	sqlite3_bind_int(st, 1, seat);
	sqlite3_bind_int(st, 2, (int)k);
	if (sqlite3_step(st) == SQLITE_ROW) {
		snprintf(pk, n, "%s", (const char *)sqlite3_column_text(st, 0));
		snprintf(vid, vn, "%s", (const char *)sqlite3_column_text(st, 1));
		found = true;
	}
	sqlite3_finalize(st);
	return found;
}

static int act_signup(struct crdt_store *s, uint64_t wall, const char *pk, const char *vid, const char *kind,
		      const char *ref)
{
	struct crdt_write w;
	crdt_write_init(&w, CRDT_T_ACTIVITY_SIGNUPS, CRDT_UPSERT, pk);
	crdt_write_set_text(&w, CRDT_C_ACTIVITY_SIGNUPS_ACTIVITY, "s0001-a1");
	crdt_write_set_text(&w, CRDT_C_ACTIVITY_SIGNUPS_STATION, "s0001");
	crdt_write_set_text(&w, CRDT_C_ACTIVITY_SIGNUPS_VOLUNTEER, vid);
	crdt_write_set_text(&w, CRDT_C_ACTIVITY_SIGNUPS_KIND, kind);
	if (ref)
		crdt_write_set_text(&w, CRDT_C_ACTIVITY_SIGNUPS_REF, ref);
	crdt_write_set_int(&w, CRDT_C_ACTIVITY_SIGNUPS_AT, (int64_t)wall);
	return crdt_commit_local(s, wall, "s0001", &w, 1, NULL);
}

/* The station (author 0, the activity's home) and the hub (author 1) work
 * offline and meet at random: the station signs people up firm while it
 * counts a free seat (else waitlisted), grants waiting sign-ups in order
 * while seats are free (A5) and checks people in (a walk-in takes a free
 * seat); the hub writes requests; both cancel live sign-ups they hold.
 * After every step the seats held at both are <= the capacity; at the end
 * every replica holding every commit, in any order with duplicates, has
 * the same digest and the same seats, <= the capacity. */
static int run_activity_seed(uint64_t seed)
{
	struct rng r = { seed };
	struct crdt_store *n[2], *f[FRESH];
	uint8_t id[2][CRDT_AUTHOR_LEN], fid[FRESH][CRDT_AUTHOR_LEN];
	uint64_t wall[2] = { T_DAY0, T_DAY0 + rng_below(&r, 60000) };
	unsigned nk[2] = { 0, 0 };
	struct t_pool pool = { 0 };
	int fail = 0;
	char pk[32], ref[32], vid[32], key[64];

	t_author(id[0], "station");
	t_author(id[1], "hub");
	for (unsigned i = 0; i < 2; i++)
		n[i] = open_mem(id[i]);
	for (unsigned i = 0; i < FRESH; i++) {
		char name[24];
		snprintf(name, sizeof(name), "fresh%u", i);
		t_author(fid[i], name);
		f[i] = open_mem(fid[i]);
	}
	struct crdt_write w;
	crdt_write_init(&w, CRDT_T_ACTIVITIES, CRDT_UPSERT, "s0001-a1");
	crdt_write_set_text(&w, CRDT_C_ACTIVITIES_TITLE, "植树");
	crdt_write_set_text(&w, CRDT_C_ACTIVITIES_STATION, "s0001");
	crdt_write_set_int(&w, CRDT_C_ACTIVITIES_CAPACITY, ACT_CAP);
	if (crdt_commit_local(n[0], wall[0], "s0001", &w, 1, NULL))
		fail = 1;
	unsigned steps = 30 + rng_below(&r, 60);
	for (unsigned k = 0; k < steps && !fail; k++) {
		unsigned who = rng_below(&r, 2), x = rng_below(&r, 10);
		wall[who] += 1 + rng_below(&r, 5000);
		snprintf(pk, sizeof(pk), "%s-u%u", who ? "hub" : "s0001", ++nk[who]);
		snprintf(vid, sizeof(vid), "s0001-v%u", 1 + rng_below(&r, 8));
		int64_t held = act_int(n[0], ACT_HOLDERS_SQL, NULL);
		int rc = 0;
		if (x < 2) { /* they meet, one way */
			rc = t_sync(n[who], n[!who], far_future) < 0;
		} else if (x < 4) { /* a sign-up: firm or waitlisted at the home, a request elsewhere */
			rc = act_signup(n[who], wall[who], pk, vid, who ? "request" : held < ACT_CAP ? "firm" : "wait",
					NULL);
		} else if (x < 6) { /* a cancellation of a live sign-up held here */
			if (act_nth(n[who], (int)rng_below(&r, 2), rng_below(&r, 4), ref, sizeof(ref), vid, sizeof(vid)))
				rc = act_signup(n[who], wall[who], pk, vid, "cancel", ref);
		} else if (x < 8 && who == 0) { /* the home grants the first waiting (A5) */
			if (held < ACT_CAP && act_nth(n[0], 0, 0, ref, sizeof(ref), vid, sizeof(vid)))
				rc = act_signup(n[0], wall[0], pk, vid, "grant", ref);
		} else if (who == 0) { /* a check-in at the home: a seat holder, or a walk-in while one is free */
			snprintf(key, sizeof(key), "in:s0001-a1:%s", vid);
			bool seated = act_int(n[0],
					      "SELECT count(*) FROM activity_signups_live s WHERE s.volunteer = ?1"
					      " AND s.kind = 'firm' AND NOT EXISTS(SELECT 1 FROM activity_signups_live c"
					      " WHERE c.ref = s.pk AND c.kind = 'cancel')", vid) > 0;
			if (act_int(n[0], "SELECT count(*) FROM activity_attendance_live WHERE key = ?1", key) == 0 &&
			    (seated || held < ACT_CAP)) {
				crdt_write_init(&w, CRDT_T_ACTIVITY_ATTENDANCE, CRDT_UPSERT, pk);
				crdt_write_set_text(&w, CRDT_C_ACTIVITY_ATTENDANCE_ACTIVITY, "s0001-a1");
				crdt_write_set_text(&w, CRDT_C_ACTIVITY_ATTENDANCE_STATION, "s0001");
				crdt_write_set_text(&w, CRDT_C_ACTIVITY_ATTENDANCE_VOLUNTEER, vid);
				crdt_write_set_text(&w, CRDT_C_ACTIVITY_ATTENDANCE_KIND, "in");
				crdt_write_set_text(&w, CRDT_C_ACTIVITY_ATTENDANCE_KEY, key);
				rc = crdt_commit_local(n[0], wall[0], "s0001", &w, 1, NULL);
			}
		}
		int64_t h0 = act_int(n[0], ACT_HOLDERS_SQL, NULL), h1 = act_int(n[1], ACT_HOLDERS_SQL, NULL);
		if (rc || h0 < 0 || h0 > ACT_CAP || h1 < 0 || h1 > ACT_CAP) {
			fprintf(stderr, "activity seed %llu step %u: rc %d, seats %lld at the station, %lld at the hub\n",
				(unsigned long long)seed, k, rc, (long long)h0, (long long)h1);
			fail = 1;
		}
	}
	for (unsigned i = 0; i < 2; i++)
		crdt_log_each(n[i], id[i], "s0001", 0, t_pool_add, &pool);
	for (unsigned i = 0; i < FRESH && !fail; i++)
		if (deliver(&r, &pool, f[i]))
			fail = 1;
	for (unsigned i = 0; i < 2 && !fail; i++)
		if (deliver(&r, &pool, n[i]))
			fail = 1;
	uint8_t want[32], got[32];
	int64_t seats = fail ? 0 : act_int(f[0], ACT_HOLDERS_SQL, NULL);
	if (!fail && (crdt_store_digest(f[0], NULL, want) || seats < 0 || seats > ACT_CAP))
		fail = 1;
	for (unsigned i = 0; i < FRESH + 2 && !fail; i++) {
		struct crdt_store *s = i < FRESH ? f[i] : n[i - FRESH];
		if (crdt_store_digest(s, NULL, got) || memcmp(want, got, 32) != 0 ||
		    act_int(s, ACT_HOLDERS_SQL, NULL) != seats) {
			fprintf(stderr, "activity seed %llu: replica %u differs\n", (unsigned long long)seed, i);
			fail = 1;
		}
	}
	for (unsigned i = 0; i < 2; i++)
		crdt_store_close(n[i]);
	for (unsigned i = 0; i < FRESH; i++)
		crdt_store_close(f[i]);
	t_pool_free(&pool);
	return fail;
}

static void test_activity_seats(void **state)
{
	(void)state;
	assert_int_equal(run_seeds("activity seats", run_activity_seed, 300), 0);
}

/* ---- snapshots (crdt/snapshot.c N1-N4) ------------------------------------ */

/* Export scope of s and import it into d (through the bytes and the
 * decoder, as a node receives them). */
static int snap_copy(struct crdt_store *s, struct crdt_store *d, const char *scope)
{
	struct buf b;
	struct crdt_snapshot snap;
	buf_init(&b, CRDT_SNAP_MAX);
	int rc = crdt_snapshot_export(s, scope, NULL, &b);
	if (!rc)
		rc = crdt_snapshot_decode(b.data, b.len, &snap);
	if (!rc) {
		rc = crdt_snapshot_import(d, far_future, &snap);
		crdt_snapshot_release(&snap);
	}
	if (rc)
		fprintf(stderr, "snapshot of %s: %s\n", scope, err_str(rc));
	buf_release(&b);
	return rc;
}

/* Deliver the commits of p that keep (seq above cut[author] when above,
 * else at or below it), in a random order with duplicates. */
static int deliver_part(struct rng *r, struct t_pool *p, const uint64_t *cut, const uint8_t (*id)[CRDT_AUTHOR_LEN],
			unsigned na, bool above, struct crdt_store *s)
{
	struct t_pool part = { 0 };
	for (size_t i = 0; i < p->n; i++) {
		uint64_t c = 0;
		for (unsigned k = 0; k < na; k++)
			if (memcmp(id[k], p->c[i].author, CRDT_AUTHOR_LEN) == 0)
				c = cut[k];
		if ((p->c[i].seq > c) == above) {
			if (MEM_GROW(part.c, part.cap, part.n + 1))
				abort();
			part.c[part.n++] = p->c[i]; /* bodies stay p's */
		}
	}
	int rc = deliver(r, &part, s);
	free(part.c);
	return rc;
}

/*
 * For random histories: a replica A that holds every feed up to a random
 * cut; its snapshot of s0001 imported into an empty replica, then the
 * commits after the cut (in any order, with duplicates) give the digest of
 * replaying everything. Imported into a replica that already holds a random
 * part of the history, the same; imported twice, nothing changes; and
 * commits that arrive before the snapshot give the same as after it.
 */
static int run_snap_seed(uint64_t seed)
{
	struct rng r = { seed };
	struct crdt_store *a[MAX_AUTHORS] = { 0 }, *src, *full, *t1, *t2, *t3;
	uint8_t id[MAX_AUTHORS][CRDT_AUTHOR_LEN], x[4][CRDT_AUTHOR_LEN];
	unsigned na = 3 + rng_below(&r, 3);
	uint64_t cut[MAX_AUTHORS], wall[MAX_AUTHORS];
	struct t_pool pool = { 0 };
	int fail = 0;

	for (unsigned i = 0; i < na; i++) {
		char name[24];
		snprintf(name, sizeof(name), "author%u", i);
		t_author(id[i], name);
		a[i] = open_mem(id[i]);
		wall[i] = T_DAY0 + rng_below(&r, 3600000);
	}
	for (unsigned i = 0; i < 4; i++) {
		char name[24];
		snprintf(name, sizeof(name), "snap%u", i);
		t_author(x[i], name);
	}
	src = open_mem(x[0]);
	full = open_mem(x[1]);
	t1 = open_mem(x[2]);
	t2 = open_mem(x[3]);
	t3 = open_mem(x[3]);
	unsigned steps = 20 + rng_below(&r, 40);
	for (unsigned k = 0; k < steps; k++) {
		unsigned i = rng_below(&r, na);
		if (rng_below(&r, 6) == 0) {
			unsigned j = rng_below(&r, na);
			if (j != i)
				t_sync(a[j], a[i], far_future);
			continue;
		}
		struct crdt_write w[3];
		char pk[3][32];
		unsigned nw = 1 + rng_below(&r, 3);
		for (unsigned q = 0; q < nw; q++)
			random_write(&r, &w[q], pk[q], sizeof(pk[q]));
		wall[i] += rng_below(&r, 5000);
		int rc = crdt_commit_local(a[i], wall[i], "s0001", w, nw, NULL);
		if (rc && rc != ERR_SCHEMA)
			fail = 1;
	}
	for (unsigned i = 0; i < na; i++) {
		uint64_t own = 0;
		crdt_store_own_seq(a[i], "s0001", &own);
		cut[i] = rng_below(&r, (unsigned)own + 1);
		crdt_log_each(a[i], id[i], "s0001", 0, t_pool_add, &pool);
	}
	uint8_t want[32], got[32], again[32];
	/* the source holds every feed up to its cut, as syncs bring them */
	if (!fail && (deliver_part(&r, &pool, cut, id, na, false, src) || deliver(&r, &pool, full)))
		fail = 1;
	if (!fail)
		crdt_store_digest(full, "s0001", want);
	/* t1: the snapshot, then the rest */
	if (!fail && (snap_copy(src, t1, "s0001") || deliver_part(&r, &pool, cut, id, na, true, t1)))
		fail = 2;
	/* t2: a random part of everything first, then the snapshot twice, then the rest */
	if (!fail) {
		struct t_pool some = { 0 };
		for (size_t i = 0; i < pool.n; i++)
			if (rng_below(&r, 3) == 0) {
				if (MEM_GROW(some.c, some.cap, some.n + 1))
					abort();
				some.c[some.n++] = pool.c[i];
			}
		if (deliver(&r, &some, t2) || snap_copy(src, t2, "s0001"))
			fail = 3;
		crdt_store_digest(t2, "s0001", got);
		if (!fail && snap_copy(src, t2, "s0001"))
			fail = 3;
		crdt_store_digest(t2, "s0001", again);
		if (!fail && memcmp(got, again, 32) != 0)
			fail = 4; /* a second import changed something */
		if (!fail && deliver_part(&r, &pool, cut, id, na, true, t2))
			fail = 3;
		free(some.c);
	}
	/* t3: the commits after the cut first, the snapshot last */
	if (!fail && (deliver_part(&r, &pool, cut, id, na, true, t3) || snap_copy(src, t3, "s0001")))
		fail = 5;
	struct crdt_store *ts[3] = { t1, t2, t3 };
	for (unsigned i = 0; i < 3 && !fail; i++) {
		crdt_store_digest(ts[i], "s0001", got);
		if (memcmp(want, got, 32) != 0) {
			fprintf(stderr, "snapshot seed %llu: replica t%u differs from the full replay\n",
				(unsigned long long)seed, i + 1);
			if (getenv("CUNLIAN_DUMP")) {
				dump(full, "full replay");
				dump(ts[i], "snapshot + rest");
			}
			fail = 6;
		}
	}
	/* the base: each feed is held up to at least its cut */
	for (unsigned i = 0; i < na && !fail; i++) {
		struct crdt_vv_entry v;
		memcpy(v.author, id[i], CRDT_AUTHOR_LEN);
		snprintf(v.scope, sizeof(v.scope), "s0001");
		crdt_store_heads(t1, &v, 1);
		if (v.seq < cut[i]) {
			fprintf(stderr, "snapshot seed %llu: feed %u head %llu below its cut %llu\n",
				(unsigned long long)seed, i, (unsigned long long)v.seq, (unsigned long long)cut[i]);
			fail = 7;
		}
	}
	if (fail && fail < 6)
		fprintf(stderr, "snapshot seed %llu: step %d failed\n", (unsigned long long)seed, fail);
	for (unsigned i = 0; i < na; i++)
		crdt_store_close(a[i]);
	crdt_store_close(src);
	crdt_store_close(full);
	crdt_store_close(t1);
	crdt_store_close(t2);
	crdt_store_close(t3);
	t_pool_free(&pool);
	return fail;
}

static void test_snapshot_commutes(void **state)
{
	(void)state;
	assert_int_equal(run_seeds("snapshot", run_snap_seed, 300), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_merge_converges),
		cmocka_unit_test(test_gift_stock),
		cmocka_unit_test(test_snapshot_commutes),
		cmocka_unit_test(test_activity_seats),
		cmocka_unit_test(test_category_menu),
		cmocka_unit_test(test_wish_register),
	};
	return cmocka_run_group_tests_name("property", tests, NULL, NULL);
}
