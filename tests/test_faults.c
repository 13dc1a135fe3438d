// SPDX-License-Identifier: MIT
/*
 * test_faults.c - allocation failure and power cuts, one call at a time.
 *
 * Allocation (base/mem.h mem_fail_at): for every N, the Nth allocation
 * (and every later one) fails inside crdt_body_decode, crdt_apply_remote
 * (body decode, merges, append components), sync_chunk_apply (decode,
 * verify, apply, carried commits) and sync_bundle_import_mem. The call
 * must not crash or leak (make check runs this under ASan/LSan) and must
 * leave no partial state: when it fails, the digest and the version vector
 * are what they were; when it succeeds, the replica equals one that
 * applied the same bytes with no failure.
 *
 * Power cuts (tests/sim/crashvfs.c): for every write or sync of a local
 * commit, of a chunk's transaction and of a checkpoint, the power goes
 * there; each unsynced write is dropped, kept or garbled (three passes:
 * all dropped, all kept, seeded mix). After reopening: integrity_check is
 * ok, every acknowledged commit is there, the cut one is there whole or
 * not at all, and the next local commit takes the next unused seq. A
 * group of two stations' chunks cut at its commit is acknowledged to
 * neither (sync/session.c S1).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "base/err.h"
#include "base/mem.h"
#include "sync/sync.h"
#include "tests/helpers.h"
#include "tests/sim/crashvfs.c"

static const char *dir;
static const uint64_t later = T_DAY0 + 86400000;

struct t_node {
	struct sync_identity id;
	struct crdt_store *st;
	struct sync_ctx *ctx;
};

static void t_open(struct t_node *n, const char *path, uint8_t seedb, const struct sync_options *o, bool sync)
{
	uint8_t seed[32];
	struct crdt_options co = { .no_sync = !sync };
	memset(seed, seedb, sizeof(seed));
	assert_int_equal(sync_identity_from_seed(&n->id, seed), 0);
	assert_int_equal(crdt_store_open(&n->st, path, n->id.pk, &co), 0);
	assert_int_equal(sync_ctx_new(&n->ctx, n->st, &n->id, o), 0);
}

static void t_close(struct t_node *n)
{
	sync_ctx_free(n->ctx);
	crdt_store_close(n->st);
	sync_identity_release(&n->id);
}

static struct sync_options o_hub(void)
{
	struct sync_options o;
	memset(&o, 0, sizeof(o));
	o.apply.all = true;
	return o;
}

static struct sync_options o_station(const char *scope, bool carry)
{
	struct sync_options o;
	memset(&o, 0, sizeof(o));
	sync_scopes_add(&o.apply, scope);
	sync_scopes_add(&o.apply, "");
	o.carry_others = carry;
	return o;
}

/* A day of one station: volunteers, an order through its lifecycle with
 * a credit, a duplicate credit under the same key (a kept loser), a
 * redemption, a delete, a county setting. */
static void t_work(struct crdt_store *s, const char *sc, uint64_t t, int variant)
{
	struct crdt_write w[3];
	char pk[3][48], key[64];
	snprintf(pk[0], sizeof(pk[0]), "%s-v1", sc);
	crdt_write_init(&w[0], 1, CRDT_UPSERT, pk[0]);
	crdt_write_text(&w[0], "name", variant ? "李娜" : "王伟");
	crdt_write_text(&w[0], "phone", "13800000001");
	crdt_write_text(&w[0], "station", sc);
	snprintf(pk[1], sizeof(pk[1]), "%s-v2", sc);
	crdt_write_init(&w[1], 1, CRDT_UPSERT, pk[1]);
	crdt_write_text(&w[1], "name", "张敏");
	crdt_write_text(&w[1], "station", sc);
	assert_int_equal(crdt_commit_local(s, t, sc, w, 2, NULL), 0);

	static const char *const steps[] = { "open", "dispatched", "accepted", "done", "rated" };
	snprintf(pk[0], sizeof(pk[0]), "%s-o1", sc);
	snprintf(pk[1], sizeof(pk[1]), "%s-v1", sc);
	for (int i = 0; i < 5; i++) {
		crdt_write_init(&w[0], 3, CRDT_UPSERT, pk[0]);
		crdt_write_text(&w[0], "station", sc);
		crdt_write_text(&w[0], "status", steps[i]);
		crdt_write_text(&w[0], "volunteer", pk[1]);
		crdt_write_int(&w[0], "updated_at", (int64_t)(t + 10 + (uint64_t)i));
		size_t nw = 1;
		if (i == 3) {
			snprintf(pk[2], sizeof(pk[2]), "%s-p%d", sc, 1 + variant);
			snprintf(key, sizeof(key), "service:%s-o1", sc);
			crdt_write_init(&w[1], 5, CRDT_UPSERT, pk[2]);
			crdt_write_text(&w[1], "volunteer", pk[1]);
			crdt_write_int(&w[1], "delta", 15);
			crdt_write_text(&w[1], "reason", "service");
			crdt_write_text(&w[1], "station", sc);
			crdt_write_text(&w[1], "key", key);
			nw = 2;
		}
		assert_int_equal(crdt_commit_local(s, t + 10 + (uint64_t)i, sc, w, nw, NULL), 0);
	}
	snprintf(pk[2], sizeof(pk[2]), "%s-p9%d", sc, variant);
	crdt_write_init(&w[0], 5, CRDT_UPSERT, pk[2]);
	crdt_write_text(&w[0], "volunteer", pk[1]);
	crdt_write_int(&w[0], "delta", -10);
	crdt_write_text(&w[0], "reason", "redeem");
	crdt_write_text(&w[0], "station", sc);
	assert_int_equal(crdt_commit_local(s, t + 20, sc, w, 1, NULL), 0);
	snprintf(pk[0], sizeof(pk[0]), "%s-v2", sc);
	crdt_write_init(&w[0], 1, CRDT_DELETE, pk[0]);
	assert_int_equal(crdt_commit_local(s, t + 30, sc, w, 1, NULL), 0);
	crdt_write_init(&w[0], 6, CRDT_UPSERT, "motd");
	crdt_write_text(&w[0], "value", variant ? "乙" : "甲");
	assert_int_equal(crdt_commit_local(s, t + 40, "", w, 1, NULL), 0);
}

struct t_vv {
	struct crdt_vv_entry *v;
	size_t n;
};

static void t_state(struct crdt_store *s, uint8_t d[32], struct t_vv *vv)
{
	assert_int_equal(crdt_store_digest(s, NULL, d), 0);
	mem_free(vv->v);
	assert_int_equal(crdt_store_vv(s, &vv->v, &vv->n), 0);
}

static void t_same_state(struct crdt_store *s, const uint8_t d[32], const struct t_vv *vv)
{
	uint8_t d2[32];
	struct t_vv v2 = { 0 };
	t_state(s, d2, &v2);
	assert_memory_equal(d, d2, 32);
	assert_int_equal(vv->n, v2.n);
	if (vv->n)
		assert_memory_equal(vv->v, v2.v, vv->n * sizeof(*vv->v));
	mem_free(v2.v);
}

/* ---- allocation failure ---------------------------------------------- */

struct t_log {
	size_t n;
	struct crdt_log_entry e[64];
	uint8_t *body[64];
};

static int t_log_keep(void *arg, const struct crdt_log_entry *e)
{
	struct t_log *l = arg;
	assert_true(l->n < 64);
	l->e[l->n] = *e;
	l->body[l->n] = malloc(e->body_len ? e->body_len : 1);
	memcpy(l->body[l->n], e->body, e->body_len);
	l->e[l->n].body = l->body[l->n];
	l->e[l->n].seal = NULL;
	l->n++;
	return 0;
}

static void t_log_free(struct t_log *l)
{
	for (size_t i = 0; i < l->n; i++)
		free(l->body[i]);
}

static void test_alloc_body_decode(void **state)
{
	(void)state;
	struct crdt_store *a;
	uint8_t id[32];
	struct t_log log = { 0 };
	struct crdt_options co = { .no_sync = true };
	t_author(id, "alloc-a");
	assert_int_equal(crdt_store_open(&a, ":memory:", id, &co), 0);
	t_work(a, "s0001", T_DAY0, 0);
	assert_int_equal(crdt_log_each(a, id, "s0001", 0, t_log_keep, &log), 0);
	for (size_t i = 0; i < log.n; i++)
		for (unsigned long nth = 1;; nth++) {
			struct crdt_write *w = (struct crdt_write *)1;
			size_t n = 99;
			mem_fail_at(nth);
			int rc = crdt_body_decode(log.e[i].body, log.e[i].body_len, &w, &n);
			mem_fail_at(0);
			if (rc == 0) {
				assert_non_null(w);
				mem_free(w);
				break;
			}
			assert_int_equal(rc, -ENOMEM);
			assert_null(w);
			assert_int_equal(n, 0);
		}
	t_log_free(&log);
	crdt_store_close(a);
}

static void test_alloc_apply_remote(void **state)
{
	(void)state;
	struct crdt_store *a, *b, *ref, *b2;
	uint8_t ida[32], idb[32], idr[32];
	struct t_log log = { 0 };
	struct crdt_options co = { .no_sync = true };
	unsigned long failures = 0;
	t_author(ida, "alloc-a");
	t_author(idb, "alloc-b");
	t_author(idr, "alloc-r");
	assert_int_equal(crdt_store_open(&a, ":memory:", ida, &co), 0);
	assert_int_equal(crdt_store_open(&b, ":memory:", idb, &co), 0);
	assert_int_equal(crdt_store_open(&b2, ":memory:", idb, &co), 0);
	assert_int_equal(crdt_store_open(&ref, ":memory:", idr, &co), 0);
	t_work(a, "s0001", T_DAY0 + 5, 1);
	/* b (and its twin b2) already hold their own edits of the same rows */
	t_work(b, "s0001", T_DAY0, 0);
	t_work(b2, "s0001", T_DAY0, 0);
	assert_int_equal(crdt_log_each(a, ida, "s0001", 0, t_log_keep, &log), 0);
	assert_int_equal(crdt_log_each(a, ida, "", 0, t_log_keep, &log), 0);
	for (size_t i = 0; i < log.n; i++) {
		const struct crdt_log_entry *e = &log.e[i];
		uint8_t d[32], dref[32];
		struct t_vv vv = { 0 };
		int rc;
		assert_int_equal(crdt_apply_remote(b2, later, e->author, e->scope, e->seq, e->hlc, e->body,
						   e->body_len), 0);
		for (unsigned long nth = 1;; nth++) {
			t_state(b, d, &vv);
			mem_fail_at(nth);
			rc = crdt_apply_remote(b, later, e->author, e->scope, e->seq, e->hlc, e->body, e->body_len);
			unsigned long used = mem_fail_at(0);
			if (rc == 0 && used < nth)
				break; /* no allocation failed: done */
			if (rc >= 0)
				fail_msg("commit %zu: allocation %lu failed, yet the apply returned %d", i, nth, rc);
			failures++;
			t_same_state(b, d, &vv); /* no partial state */
			assert_false(crdt_store_has(b, e->author, e->scope, e->seq));
		}
		mem_free(vv.v);
		assert_int_equal(crdt_store_digest(b, NULL, d), 0);
		assert_int_equal(crdt_store_digest(b2, NULL, dref), 0);
		assert_memory_equal(d, dref, 32);
	}
	print_message("crdt_apply_remote: %lu failed allocations, each left no trace\n", failures);
	t_log_free(&log);
	crdt_store_close(a);
	crdt_store_close(b);
	crdt_store_close(b2);
	crdt_store_close(ref);
}

struct t_chunks {
	size_t n;
	uint8_t *p[64];
	size_t len[64];
};

static int t_collect(void *arg, const uint8_t *chunk, size_t len, const struct sync_chunk_info *info)
{
	struct t_chunks *c = arg;
	(void)info;
	assert_true(c->n < 64);
	c->p[c->n] = malloc(len);
	memcpy(c->p[c->n], chunk, len);
	c->len[c->n++] = len;
	return 0;
}

static void t_chunks_free(struct t_chunks *c)
{
	for (size_t i = 0; i < c->n; i++)
		free(c->p[i]);
	c->n = 0;
}

/* Chunks from two stations (s0001, s0002) and the hub to a receiver r
 * and its failure-free twin r2: every chunk under every failure. */
static void alloc_chunks(const struct sync_options *orx, const char *name)
{
	struct t_node a, b, r, r2;
	struct sync_options oa = o_station("s0001", false), ob = o_station("s0002", false);
	struct t_chunks ch = { 0 };
	char p[256];
	unsigned long failures = 0;
	oa.chunk_max = ob.chunk_max = 1024;
	snprintf(p, sizeof(p), "%s/%s-a.db", dir, name);
	t_open(&a, p, 1, &oa, false);
	snprintf(p, sizeof(p), "%s/%s-b.db", dir, name);
	t_open(&b, p, 2, &ob, false);
	snprintf(p, sizeof(p), "%s/%s-r.db", dir, name);
	t_open(&r, p, 3, orx, false);
	snprintf(p, sizeof(p), "%s/%s-r2.db", dir, name);
	t_open(&r2, p, 3, orx, false);
	t_work(a.st, "s0001", T_DAY0, 0);
	t_work(b.st, "s0002", T_DAY0 + 3, 1);
	t_work(r.st, "s0001", T_DAY0 + 1, 1); /* the receiver's own edits of s0001 rows */
	t_work(r2.st, "s0001", T_DAY0 + 1, 1);
	assert_int_equal(sync_delta_export(a.ctx, NULL, 0, NULL, t_collect, &ch), 0);
	assert_int_equal(sync_delta_export(b.ctx, NULL, 0, NULL, t_collect, &ch), 0);
	assert_true(ch.n >= 2);
	for (size_t i = 0; i < ch.n; i++) {
		uint8_t d[32], dref[32];
		struct t_vv vv = { 0 }, vref = { 0 };
		assert_int_equal(sync_chunk_apply(r2.ctx, ch.p[i], ch.len[i], later, NULL, NULL, NULL), 0);
		for (unsigned long nth = 1;; nth++) {
			struct sync_report rep;
			struct crdt_vv_entry *held = NULL;
			size_t nheld = 0;
			memset(&rep, 0, sizeof(rep));
			t_state(r.st, d, &vv);
			mem_fail_at(nth);
			int rc = sync_chunk_apply(r.ctx, ch.p[i], ch.len[i], later, &rep, &held, &nheld);
			unsigned long used = mem_fail_at(0);
			if (rc == 0 && used < nth) {
				mem_free(held);
				break;
			}
			failures++;
			if (rc == 0) {
				/* it coped (a cache, a retry): then the result is right */
				mem_free(held);
				t_state(r.st, d, &vv);
				t_state(r2.st, dref, &vref);
				assert_memory_equal(d, dref, 32);
				if (rep.refused)
					fail_msg("%s chunk %zu: allocation %lu failed and %llu commits were refused for it",
						 name, i, nth, (unsigned long long)rep.refused);
				break;
			}
			assert_null(held);
			t_same_state(r.st, d, &vv);
		}
		t_state(r.st, d, &vv);
		t_state(r2.st, dref, &vref);
		assert_memory_equal(d, dref, 32);
		assert_int_equal(vv.n, vref.n);
		mem_free(vv.v);
		mem_free(vref.v);
	}
	print_message("sync_chunk_apply (%s): %lu failed allocations, none left partial state\n", name, failures);
	t_chunks_free(&ch);
	t_close(&a);
	t_close(&b);
	t_close(&r);
	t_close(&r2);
}

static void test_alloc_chunk_apply(void **state)
{
	(void)state;
	struct sync_options hub = o_hub(), relay = o_station("s0001", true);
	alloc_chunks(&hub, "hub");
	alloc_chunks(&relay, "relay"); /* s0002 is carried, not merged */
}

static void test_alloc_bundle_import(void **state)
{
	(void)state;
	struct t_node a, r, r2;
	struct sync_options oa = o_station("s0001", false), oh = o_hub();
	char p[256];
	unsigned long failures = 0;
	oa.chunk_max = 1024;
	snprintf(p, sizeof(p), "%s/bun-a.db", dir);
	t_open(&a, p, 1, &oa, false);
	snprintf(p, sizeof(p), "%s/bun-r.db", dir);
	t_open(&r, p, 3, &oh, false);
	snprintf(p, sizeof(p), "%s/bun-r2.db", dir);
	t_open(&r2, p, 3, &oh, false);
	t_work(a.st, "s0001", T_DAY0, 0);
	t_work(a.st, "s0001", T_DAY0 + 1000, 1);
	snprintf(p, sizeof(p), "%s/a.bundle", dir);
	assert_int_equal(sync_bundle_export_path(a.ctx, p, NULL, 0, NULL), 0);
	FILE *f = fopen(p, "rb");
	uint8_t *bb = malloc(1 << 20);
	size_t blen = fread(bb, 1, 1 << 20, f);
	fclose(f);
	assert_int_equal(sync_bundle_import_mem(r2.ctx, bb, blen, later, NULL), 0);
	uint8_t dref[32], d[32];
	struct t_vv vref = { 0 }, vv = { 0 };
	t_state(r2.st, dref, &vref);
	for (unsigned long nth = 1;; nth++) {
		/* each try starts from an empty replica */
		sync_ctx_free(r.ctx); /* the context first: it removes its sealer from the store */
		crdt_store_close(r.st);
		snprintf(p, sizeof(p), "%s/bun-r%lu.db", dir, nth);
		struct crdt_options co = { .no_sync = true };
		assert_int_equal(crdt_store_open(&r.st, p, r.id.pk, &co), 0);
		assert_int_equal(sync_ctx_new(&r.ctx, r.st, &r.id, &oh), 0);
		struct sync_report rep;
		memset(&rep, 0, sizeof(rep));
		mem_fail_at(nth);
		int rc = sync_bundle_import_mem(r.ctx, bb, blen, later, &rep);
		unsigned long used = mem_fail_at(0);
		if (rc == 0 && used < nth)
			break;
		failures++;
		/* whatever happened, chunks applied whole; importing again completes it */
		if (rc == 0 && rep.refused)
			fail_msg("bundle: allocation %lu failed and %llu commits were refused for it", nth,
				 (unsigned long long)rep.refused);
		assert_int_equal(sync_bundle_import_mem(r.ctx, bb, blen, later, NULL), 0);
		t_state(r.st, d, &vv);
		assert_memory_equal(d, dref, 32);
	}
	print_message("sync_bundle_import_mem: %lu failed allocations\n", failures);
	mem_free(vv.v);
	mem_free(vref.v);
	free(bb);
	t_close(&a);
	t_close(&r);
	t_close(&r2);
}

/* ---- power cuts ------------------------------------------------------ */

static int t_integrity(struct crdt_store *s)
{
	sqlite3_stmt *st;
	int ok;
	assert_int_equal(sqlite3_prepare_v2(crdt_store_db(s), "PRAGMA integrity_check", -1, &st, NULL), SQLITE_OK);
	ok = sqlite3_step(st) == SQLITE_ROW && strcmp((const char *)sqlite3_column_text(st, 0), "ok") == 0;
	sqlite3_finalize(st);
	return ok;
}

/*
 * The power goes at the k-th write or sync of what(); for every k until
 * what() completes untouched, under three fates. before/after: the
 * digests with and without what() done.
 */
enum t_what { T_COMMIT, T_CHUNK, T_CHECKPOINT };

static unsigned long t_cuts;

static void powercut(enum t_what what, int fate)
{
	char path[256], prefix[256];
	struct t_node n, src;
	struct sync_options oh = o_hub(), os = o_station("s0009", false);
	struct t_chunks ch = { 0 };
	uint64_t rng = 42 + (uint64_t)what * 7 + (uint64_t)fate;
	static int round;
	round++;
	snprintf(path, sizeof(path), "%s/cut%d.db", dir, round);
	snprintf(prefix, sizeof(prefix), "%s", path);
	int dom = cv_domain_add(prefix);
	snprintf(prefix, sizeof(prefix), "%s/src%d.db", dir, round);
	t_open(&src, prefix, 7, &os, false);
	t_work(src.st, "s0009", T_DAY0, 0);
	assert_int_equal(sync_delta_export(src.ctx, NULL, 0, NULL, t_collect, &ch), 0);
	t_open(&n, path, 5, &oh, true);
	t_work(n.st, "s0001", T_DAY0, 1);
	uint64_t acked = 0;
	{
		struct crdt_vv_entry *v;
		size_t nv;
		assert_int_equal(crdt_store_vv(n.st, &v, &nv), 0);
		for (size_t i = 0; i < nv; i++)
			if (!strcmp(v[i].scope, "s0001"))
				acked = v[i].seq;
		mem_free(v);
	}
	for (long k = 1;; k++) {
		uint8_t d0[32], d1[32];
		struct crdt_write w;
		struct crdt_commit_info info;
		int rc = 0;
		assert_int_equal(crdt_store_digest(n.st, NULL, d0), 0);
		cv_arm(dom, k);
		if (what == T_COMMIT) {
			crdt_write_init(&w, 1, CRDT_UPSERT, "s0001-v7");
			crdt_write_text(&w, "name", "陈静");
			crdt_write_text(&w, "station", "s0001");
			crdt_write_int(&w, "registered_at", k);
			rc = crdt_commit_local(n.st, T_DAY0 + 1000 + (uint64_t)k, "s0001", &w, 1, &info);
		} else if (what == T_CHUNK) {
			rc = sync_chunk_apply(n.ctx, ch.p[0], ch.len[0], later, NULL, NULL, NULL);
		} else {
			rc = sqlite3_wal_checkpoint_v2(crdt_store_db(n.st), NULL, SQLITE_CHECKPOINT_TRUNCATE, NULL, NULL);
			rc = rc == SQLITE_OK ? 0 : -EIO;
		}
		if (!cv_tripped(dom)) {
			cv_arm(dom, 0);
			assert_int_equal(rc, 0);
			break; /* it finished before the k-th write: every point was tried */
		}
		assert_int_not_equal(rc, 0); /* the call saw its write fail */
		t_cuts++;
		sync_ctx_free(n.ctx);
		crdt_store_close(n.st);
		assert_int_equal(cv_cut(dom, &rng, fate), 0);
		struct crdt_options co = { 0 };
		assert_int_equal(crdt_store_open(&n.st, path, n.id.pk, &co), 0);
		assert_int_equal(sync_ctx_new(&n.ctx, n.st, &n.id, &oh), 0);
		assert_true(t_integrity(n.st));
		for (uint64_t s = 1; s <= acked; s++)
			assert_true(crdt_store_has(n.st, n.id.pk, "s0001", s));
		assert_int_equal(crdt_store_digest(n.st, NULL, d1), 0);
		if (what == T_COMMIT) {
			/* the unacknowledged commit: whole or not at all */
			bool has = crdt_store_has(n.st, n.id.pk, "s0001", acked + 1);
			if (!has)
				assert_memory_equal(d0, d1, 32);
			else
				acked++; /* it survived: it is in the feed now, the next one follows it */
		} else if (what == T_CHUNK) {
			bool has = crdt_store_has(n.st, src.id.pk, "s0009", 1);
			if (!has)
				assert_memory_equal(d0, d1, 32);
			else
				assert_int_equal(sync_chunk_apply(n.ctx, ch.p[0], ch.len[0], later, NULL, NULL, NULL), 0);
		} else {
			assert_memory_equal(d0, d1, 32);
		}
		/* the next local commit takes the next seq: none is reissued */
		crdt_write_init(&w, 6, CRDT_UPSERT, "motd");
		crdt_write_text(&w, "value", "ok");
		assert_int_equal(crdt_commit_local(n.st, T_DAY0 + 5000 + (uint64_t)k, "s0001", &w, 1, &info), 0);
		assert_int_equal(info.seq, acked + 1);
		acked++;
	}
	t_chunks_free(&ch);
	t_close(&n);
	t_close(&src);
	cv_domain_remove(dom);
}

static void test_powercut(void **state)
{
	(void)state;
	for (int what = T_COMMIT; what <= T_CHECKPOINT; what++)
		for (int fate = -1; fate <= CV_KEEP; fate++)
			powercut((enum t_what)what, fate);
	print_message("power cuts: %lu, each followed by integrity_check ok and every acknowledged commit\n",
		      t_cuts);
}

/* Found by the simulation under UBSan: a session acknowledging a chunk
 * that brought no feed it keeps (another station's, not carried) built an
 * ACK with no version vector and did memmove(NULL, NULL + 0, 0) in
 * sync_session_ack_out (sync/session.c). make check runs this with UBSan. */
static void test_regress_ack_without_feeds(void **state)
{
	(void)state;
	struct t_node a, st;
	struct sync_options oa = o_station("s0002", false), os = o_station("s0001", false);
	struct sync_session *s;
	struct sync_session_options so = { 0 };
	struct t_chunks ch = { 0 };
	struct buf out;
	char p[256];
	snprintf(p, sizeof(p), "%s/ack-a.db", dir);
	t_open(&a, p, 1, &oa, false);
	snprintf(p, sizeof(p), "%s/ack-s.db", dir);
	t_open(&st, p, 2, &os, false);
	t_work(a.st, "s0002", T_DAY0, 0);
	struct sync_scopes only = { 0 };
	sync_scopes_add(&only, "s0002");
	assert_int_equal(sync_delta_export(a.ctx, NULL, 0, &only, t_collect, &ch), 0);
	assert_true(ch.n >= 1);
	assert_int_equal(sync_session_new(&s, st.ctx, &so, later), 0);
	assert_int_equal(sync_session_input(s, ch.p[0], ch.len[0], later, NULL), 0);
	buf_init(&out, SYNC_CHUNK_MAX);
	int rc, n = 0;
	while ((rc = sync_session_output(s, &out, later)) == 1)
		n++;
	assert_int_equal(rc, 0);
	assert_true(n >= 1); /* the ACK went out */
	assert_false(crdt_store_has(st.st, a.id.pk, "s0002", 1));
	buf_release(&out);
	sync_session_free(s);
	t_chunks_free(&ch);
	t_close(&a);
	t_close(&st);
}

/* Grouped sessions (a busy hub): two stations' chunks in one transaction
 * whose commit the power cuts. Neither is acknowledged (the second
 * session's ACK must not go out although its own flush finds no group
 * open any more), the reopened hub holds neither, and sent again they
 * apply and are acknowledged after a commit that succeeds. */
static void test_group_cut(void **state)
{
	(void)state;
	struct t_node hub, st[2];
	struct sync_options oh = o_hub();
	struct sync_session_options sg = { .group = true };
	struct sync_session *s[2];
	struct t_chunks ch[2] = { { 0 } };
	struct buf out;
	uint64_t rng = 7;
	char path[256], p[256];
	snprintf(path, sizeof(path), "%s/group-hub.db", dir);
	int dom = cv_domain_add(path);
	t_open(&hub, path, 9, &oh, true);
	for (int k = 0; k < 2; k++) {
		struct sync_options os = o_station(k ? "s0002" : "s0001", false);
		snprintf(p, sizeof(p), "%s/group-st%d.db", dir, k);
		t_open(&st[k], p, (uint8_t)(1 + k), &os, false);
		t_work(st[k].st, k ? "s0002" : "s0001", T_DAY0, k);
		assert_int_equal(sync_delta_export(st[k].ctx, NULL, 0, NULL, t_collect, &ch[k]), 0);
		assert_int_equal(ch[k].n, 1);
	}
	buf_init(&out, SYNC_CHUNK_MAX);
	for (int round = 0; round < 2; round++) {
		for (int k = 0; k < 2; k++) {
			struct sync_input_result r;
			assert_int_equal(sync_session_new(&s[k], hub.ctx, &sg, later), 0);
			assert_int_equal(sync_session_input(s[k], ch[k].p[0], ch[k].len[0], later, &r), 0);
			assert_int_equal(r.kind, SYNC_IN_MERGED);
			assert_int_equal(sync_session_output(s[k], &out, later), 0); /* held */
		}
		if (round == 0)
			cv_trip(dom); /* the power goes before the group's commit */
		int rc0 = sync_session_flush(s[0]), rc1 = sync_session_flush(s[1]);
		for (int k = 0; k < 2; k++) {
			int n = 0;
			while (sync_session_output(s[k], &out, later) == 1)
				n++;
			assert_int_equal(n, round == 0 ? 0 : 1); /* an ACK only once on disk */
			sync_session_free(s[k]);
		}
		if (round == 0) {
			assert_int_not_equal(rc0, 0);
			assert_int_equal(rc1, 0);
		} else {
			assert_int_equal(rc0, 0);
			assert_int_equal(rc1, 0);
		}
		sync_ctx_free(hub.ctx);
		crdt_store_close(hub.st);
		if (round == 0)
			assert_int_equal(cv_cut(dom, &rng, CV_DROP), 0);
		struct crdt_options co = { 0 };
		assert_int_equal(crdt_store_open(&hub.st, path, hub.id.pk, &co), 0);
		assert_int_equal(sync_ctx_new(&hub.ctx, hub.st, &hub.id, &oh), 0);
		assert_true(t_integrity(hub.st));
		for (int k = 0; k < 2; k++)
			assert_true(crdt_store_has(hub.st, st[k].id.pk, k ? "s0002" : "s0001", 1) == (round == 1));
	}
	buf_release(&out);
	for (int k = 0; k < 2; k++) {
		t_chunks_free(&ch[k]);
		t_close(&st[k]);
	}
	t_close(&hub);
	cv_domain_remove(dom);
}

static int setup(void **state)
{
	(void)state;
	dir = t_tmpdir();
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	t_rmdir(dir);
	return 0;
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_alloc_body_decode),
		cmocka_unit_test(test_alloc_apply_remote),
		cmocka_unit_test(test_alloc_chunk_apply),
		cmocka_unit_test(test_alloc_bundle_import),
		cmocka_unit_test(test_powercut),
		cmocka_unit_test(test_regress_ack_without_feeds),
		cmocka_unit_test(test_group_cut),
	};
	if (sync_init() || cv_register(true) != SQLITE_OK)
		return 1;
	return cmocka_run_group_tests_name("faults", tests, setup, teardown);
}
