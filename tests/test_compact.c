// SPDX-License-Identifier: MIT
/*
 * test_compact.c - log compaction (crdt/compact.c, sync/compact.c): bases
 * never lowered and counted as held, chains that verify across a base, a
 * peer behind only above a base syncing as before, a peer behind below
 * one told "pruned below seq N" (a PRUNED message), the tables' digest
 * unchanged by pruning; acks kept per peer; and each part of the prune
 * rule: what one reader lacks is kept, a station keeps what the hub has
 * not acknowledged, the checkpoint, the retention, the newest commit.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "base/err.h"
#include "base/mem.h"
#include "sync/sync.h"
#include "sync/sync_internal.h"
#include "tests/golden.h"
#include "tests/helpers.h"

#define ORDERS 3

struct t_node {
	struct sync_identity id;
	struct crdt_store *st;
	struct sync_ctx *ctx;
	int orders;
};

struct t_chunks {
	size_t n;
	uint8_t *p[512];
	size_t len[512];
};

static const char *dir;

static void node_open(struct t_node *n, const char *name, uint8_t seedb, const struct sync_options *opt)
{
	uint8_t seed[32];
	char path[256];
	struct crdt_options co = { .no_sync = true };
	memset(n, 0, sizeof(*n));
	memset(seed, seedb, sizeof(seed));
	assert_int_equal(sync_identity_from_seed(&n->id, seed), 0);
	snprintf(path, sizeof(path), "%s/%s.db", dir, name);
	assert_int_equal(crdt_store_open(&n->st, path, n->id.pk, &co), 0);
	assert_int_equal(sync_ctx_new(&n->ctx, n->st, &n->id, opt), 0);
}

static void node_close(struct t_node *n)
{
	sync_ctx_free(n->ctx);
	crdt_store_close(n->st);
	sync_identity_release(&n->id);
}

static struct sync_options opt_all(void)
{
	struct sync_options o;
	memset(&o, 0, sizeof(o));
	o.apply.all = true;
	return o;
}

/* One order, new or moved on, at scope; t orders the clocks. */
static void order(struct t_node *n, const char *scope, uint64_t t)
{
	struct crdt_write w;
	char pk[48];
	bool fresh = n->orders == 0 || t % 3 == 0;
	snprintf(pk, sizeof(pk), "%s-o%d", scope, fresh ? ++n->orders : n->orders);
	crdt_write_init(&w, ORDERS, CRDT_UPSERT, pk);
	crdt_write_text(&w, "station", scope);
	crdt_write_text(&w, "detail", "帮空巢老人打扫房间卫生");
	crdt_write_text(&w, "status", fresh ? "open" : "dispatched");
	crdt_write_int(&w, "updated_at", (int64_t)t);
	assert_int_equal(crdt_commit_local(n->st, t, scope, &w, 1, NULL), 0);
}

static int collect(void *arg, const uint8_t *chunk, size_t len, const struct sync_chunk_info *info)
{
	struct t_chunks *c = arg;
	(void)info;
	assert_true(c->n < 512);
	c->p[c->n] = malloc(len);
	memcpy(c->p[c->n], chunk, len);
	c->len[c->n++] = len;
	return 0;
}

static void chunks_free(struct t_chunks *c)
{
	for (size_t i = 0; i < c->n; i++)
		free(c->p[i]);
	c->n = 0;
}

/* Everything from holds that to lacks (by to's vector, or the vector v
 * of n entries when v is not NULL), applied at to; the report summed. */
static void deliver(struct t_node *from, struct t_node *to, const struct crdt_vv_entry *v, size_t n,
		    uint64_t now, struct sync_report *rep)
{
	struct crdt_vv_entry *vv = NULL;
	struct t_chunks ch = { 0 };
	size_t nvv = n;
	if (!v)
		assert_int_equal(crdt_store_vv(to->st, &vv, &nvv), 0);
	assert_int_equal(sync_delta_export(from->ctx, v ? v : vv, nvv, NULL, collect, &ch), 0);
	memset(rep, 0, sizeof(*rep));
	for (size_t i = 0; i < ch.n; i++)
		assert_int_equal(sync_chunk_apply(to->ctx, ch.p[i], ch.len[i], now, rep, NULL, NULL), 0);
	chunks_free(&ch);
	mem_free(vv);
}

struct t_seal {
	uint8_t seal[1 + SYNC_HASH_LEN + SYNC_SIG_LEN];
	size_t len;
	uint64_t hlc;
};

static int seal_copy(void *arg, const struct crdt_log_entry *e)
{
	struct t_seal *s = arg;
	assert_true(e->seal_len <= sizeof(s->seal));
	memcpy(s->seal, e->seal, e->seal_len);
	s->len = e->seal_len;
	s->hlc = e->hlc;
	return 0;
}

/* Prune (author, scope) at n down to seq, which must be held with its
 * checkpoint; returns crdt_store_prune's code. */
static int prune_at(struct t_node *n, const uint8_t *author, const char *scope, uint64_t seq)
{
	struct t_seal s = { .len = 0 };
	struct crdt_base b;
	const uint8_t *h, *sig;
	memset(&b, 0, sizeof(b));
	assert_int_equal(crdt_log_get(n->st, author, scope, seq, seal_copy, &s), 0);
	assert_int_equal(sync_seal_parse(s.seal, s.len, &h, &sig), 0);
	memcpy(b.author, author, CRDT_AUTHOR_LEN);
	snprintf(b.scope, sizeof(b.scope), "%s", scope);
	b.seq = seq;
	b.hlc = s.hlc;
	memcpy(b.hash, h, 32);
	if (sig) {
		memcpy(b.sig, sig, 64);
		b.has_sig = true;
	}
	return crdt_store_prune(n->st, &b, NULL, NULL);
}

static uint64_t head_of(struct t_node *n, const uint8_t *author, const char *scope)
{
	struct crdt_vv_entry v;
	memcpy(v.author, author, CRDT_AUTHOR_LEN);
	snprintf(v.scope, sizeof(v.scope), "%s", scope);
	assert_int_equal(crdt_store_heads(n->st, &v, 1), 0);
	return v.seq;
}

static int setup(void **state)
{
	(void)state;
	dir = t_tmpdir();
	return sync_init();
}

static int teardown(void **state)
{
	(void)state;
	t_rmdir(dir);
	return 0;
}

/* ---- bases ------------------------------------------------------------ */

/* A base is got back as set, never lowered, raises the head and counts
 * its commits as held; the newest commit and carried ones are never
 * pruned; the digest of the tables does not change. */
static void test_base(void **state)
{
	(void)state;
	struct sync_options o = opt_all();
	struct t_node a;
	struct crdt_base b, got;
	uint8_t d0[32], d1[32];
	uint64_t seq, n, bytes;
	node_open(&a, "base-a", 1, &o);
	for (int i = 0; i < 20; i++)
		order(&a, "s0001", T_DAY0 + (uint64_t)i);
	assert_int_equal(crdt_store_base_get(a.st, a.id.pk, "s0001", &got), ERR_NOTFOUND);
	assert_int_equal(crdt_store_digest(a.st, NULL, d0), 0);

	assert_int_equal(prune_at(&a, a.id.pk, "s0001", 20), ERR_USAGE); /* the newest stays */
	assert_int_equal(prune_at(&a, a.id.pk, "s0001", 10), 0);
	assert_int_equal(crdt_store_base_get(a.st, a.id.pk, "s0001", &got), 0);
	assert_int_equal(got.seq, 10);
	assert_true(got.has_sig);
	assert_true(sync_checkpoint_verify(a.id.pk, got.hash, got.sig));
	assert_int_equal(crdt_store_digest(a.st, NULL, d1), 0);
	assert_memory_equal(d0, d1, 32); /* the tables are as they were */
	for (uint64_t q = 1; q <= 20; q++)
		assert_true(crdt_store_has(a.st, a.id.pk, "s0001", q));
	assert_int_equal(crdt_log_get(a.st, a.id.pk, "s0001", 10, seal_copy, &(struct t_seal){ .len = 0 }),
			 ERR_NOTFOUND);
	uint8_t states[4];
	assert_int_equal(crdt_log_states(a.st, a.id.pk, "s0001", 9, 4, states), 0);
	assert_int_equal(states[0], CRDT_LOG_MERGED);
	assert_int_equal(states[1], CRDT_LOG_MERGED);
	assert_int_equal(states[2], CRDT_LOG_MERGED);
	/* the next own commit takes 21 (C3) */
	assert_int_equal(crdt_store_own_seq(a.st, "s0001", &seq), 0);
	assert_int_equal(seq, 20);

	/* never lowered: a lower base changes nothing */
	b = got;
	b.seq = 5;
	assert_int_equal(crdt_store_base_set(a.st, &b), 0);
	assert_int_equal(crdt_store_base_get(a.st, a.id.pk, "s0001", &got), 0);
	assert_int_equal(got.seq, 10);
	assert_int_equal(prune_at(&a, a.id.pk, "s0001", 12), 0);
	b.seq = 12;
	assert_int_equal(crdt_store_prune(a.st, &b, &n, &bytes), ERR_USAGE); /* not above the base */

	/* a base of a feed the log never held raises its head */
	uint8_t other[32];
	memset(other, 7, sizeof(other));
	memcpy(b.author, other, 32);
	b.seq = 40;
	b.hlc = T_DAY0 << 16;
	b.has_sig = false;
	assert_int_equal(crdt_store_base_set(a.st, &b), 0);
	assert_int_equal(head_of(&a, other, "s0001"), 40);
	assert_true(crdt_store_has(a.st, other, "s0001", 40));
	assert_false(crdt_store_has(a.st, other, "s0001", 41));
	/* a commit at or below it is held already */
	struct crdt_write w;
	crdt_write_init(&w, ORDERS, CRDT_UPSERT, "x-o1");
	crdt_write_text(&w, "station", "s0001");
	uint8_t body[256];
	struct buf bb;
	buf_init(&bb, sizeof(body));
	assert_int_equal(crdt_body_encode(&bb, &w, 1), 0);
	assert_int_equal(crdt_apply_remote(a.st, T_DAY0, other, "s0001", 39, T_DAY0 << 16, bb.data, bb.len), 1);
	/* inside one batch (a hub's group) the base is looked up once per
	 * feed and kept; a base raised in the batch is seen by the next commit */
	assert_int_equal(crdt_store_begin(a.st), 0);
	assert_int_equal(crdt_apply_remote(a.st, T_DAY0, other, "s0002", 1, T_DAY0 << 16, bb.data, bb.len), 0);
	memcpy(b.scope, "s0002", 6);
	b.seq = 5;
	assert_int_equal(crdt_store_base_set(a.st, &b), 0);
	assert_int_equal(crdt_apply_remote(a.st, T_DAY0, other, "s0002", 3, T_DAY0 << 16, bb.data, bb.len), 1);
	assert_int_equal(crdt_apply_remote(a.st, T_DAY0, other, "s0002", 6, T_DAY0 << 16, bb.data, bb.len), 0);
	assert_int_equal(crdt_store_end(a.st), 0);
	assert_int_equal(crdt_log_get(a.st, other, "s0002", 3, seal_copy, &(struct t_seal){ .len = 0 }),
			 ERR_NOTFOUND);
	buf_release(&bb);
	node_close(&a);
}

/* ---- chains across a base, peers above and below it ------------------- */

static void test_sync_across_base(void **state)
{
	(void)state;
	struct sync_options o = opt_all();
	struct t_node s, p, q, r;
	struct sync_report rep;
	uint8_t ds[32], dp[32];
	uint64_t now = T_DAY0 + 86400000;
	node_open(&s, "x-s", 1, &o); /* the author */
	node_open(&p, "x-p", 2, &o); /* a peer that follows */
	node_open(&q, "x-q", 3, &o); /* a peer with the whole history */
	node_open(&r, "x-r", 4, &o); /* a new peer */
	for (int i = 0; i < 12; i++)
		order(&s, "s0001", T_DAY0 + (uint64_t)i);
	deliver(&s, &p, NULL, 0, now, &rep);
	assert_int_equal(rep.applied, 12);
	for (int i = 12; i < 30; i++)
		order(&s, "s0001", T_DAY0 + (uint64_t)i);
	deliver(&s, &q, NULL, 0, now, &rep);
	assert_int_equal(rep.applied, 30);

	/* the author prunes to 10: p, behind only above it, syncs normally */
	assert_int_equal(prune_at(&s, s.id.pk, "s0001", 10), 0);
	/* p prunes its copy to 11 (its newest, 12, always stays) */
	assert_int_equal(prune_at(&p, s.id.pk, "s0001", 12), ERR_USAGE);
	assert_int_equal(prune_at(&p, s.id.pk, "s0001", 11), 0);
	deliver(&s, &p, NULL, 0, now, &rep);
	assert_int_equal(rep.applied, 18); /* 13..30 */
	assert_int_equal(rep.refused, 0);
	assert_int_equal(sync_ctx_pruned(s.ctx, &(const struct crdt_vv_entry *){ NULL }, &(size_t){ 0 }), 0);

	/* q sends p the whole feed as if p held nothing: 1..20 are held
	 * below p's base, the rest verifies from the base's hash */
	assert_int_equal(prune_at(&p, s.id.pk, "s0001", 20), 0);
	for (int i = 30; i < 33; i++)
		order(&s, "s0001", T_DAY0 + (uint64_t)i);
	deliver(&s, &q, NULL, 0, now, &rep);
	struct crdt_vv_entry none;
	memcpy(none.author, s.id.pk, 32);
	snprintf(none.scope, sizeof(none.scope), "s0001");
	none.seq = 0;
	deliver(&q, &p, &none, 1, now, &rep);
	assert_int_equal(rep.refused, 0);
	assert_int_equal(rep.applied, 3);
	assert_int_equal(rep.duplicate, 30);

	/* another history of the same author (a fork) does not chain from
	 * p's base: refused, nothing changes */
	struct t_node f;
	uint8_t before[32], after[32];
	node_open(&f, "x-f", 1, &o);
	for (int i = 0; i < 34; i++)
		order(&f, "s0001", T_DAY0 + 7 + 2 * (uint64_t)i);
	assert_int_equal(crdt_store_digest(p.st, NULL, before), 0);
	deliver(&f, &p, &none, 1, now, &rep);
	assert_int_equal(rep.applied, 0);
	assert_true(rep.refused > 0);
	assert_int_equal(crdt_store_digest(p.st, NULL, after), 0);
	assert_memory_equal(before, after, 32);
	node_close(&f);

	/* r, behind below the base, gets nothing of the feed, and the feed
	 * is named: "pruned below seq 11" */
	const struct crdt_vv_entry *pv;
	size_t np;
	deliver(&s, &r, NULL, 0, now, &rep);
	assert_int_equal(rep.applied, 0);
	assert_int_equal(sync_ctx_pruned(s.ctx, &pv, &np), 1);
	assert_int_equal(np, 1);
	assert_memory_equal(pv[0].author, s.id.pk, 32);
	assert_string_equal(pv[0].scope, "s0001");
	assert_int_equal(pv[0].seq, 10);

	assert_int_equal(crdt_store_digest(s.st, NULL, ds), 0);
	assert_int_equal(crdt_store_digest(p.st, NULL, dp), 0);
	assert_memory_equal(ds, dp, 32);
	assert_int_equal(crdt_store_digest(q.st, NULL, dp), 0);
	assert_memory_equal(ds, dp, 32);
	node_close(&s);
	node_close(&p);
	node_close(&q);
	node_close(&r);
}

/* A session with a peer behind the base: the peer hears PRUNED, with
 * the feed and its base, in its report; everything else still syncs. */
static void test_session_pruned(void **state)
{
	(void)state;
	struct sync_options o = opt_all();
	struct t_node s, r;
	struct sync_session *ss[2];
	struct sync_session_options so0 = { .initiator = true, .rto_ms = 1000 }, so1 = { .rto_ms = 1000 };
	struct buf m;
	uint64_t now = T_DAY0 + 86400000;
	int pruned_seen = 0;
	static uint8_t pruned_msg[4096];
	size_t pruned_len = 0;
	node_open(&s, "ps-s", 1, &o);
	node_open(&r, "ps-r", 2, &o);
	for (int i = 0; i < 20; i++)
		order(&s, "s0001", T_DAY0 + (uint64_t)i);
	order(&s, "s0002", T_DAY0 + 50);
	order(&s, "s0002", T_DAY0 + 51);
	assert_int_equal(prune_at(&s, s.id.pk, "s0001", 15), 0);
	buf_init(&m, SYNC_CHUNK_MAX);
	assert_int_equal(sync_session_new(&ss[0], r.ctx, &so0, now), 0);
	assert_int_equal(sync_session_new(&ss[1], s.ctx, &so1, now), 0);
	for (int steps = 0; steps < 200 && !(sync_session_idle(ss[0]) && sync_session_idle(ss[1])); steps++) {
		now += 100;
		for (int k = 0; k < 2; k++) {
			int rc;
			while ((rc = sync_session_output(ss[k], &m, now)) == 1) {
				struct sync_input_result res;
				assert_int_equal(sync_session_input(ss[1 - k], m.data, m.len, now, &res), 0);
				if (res.kind == SYNC_IN_PRUNED) {
					pruned_seen++;
					assert_true(m.len <= sizeof(pruned_msg));
					memcpy(pruned_msg, m.data, m.len);
					pruned_len = m.len;
				}
			}
			assert_int_equal(rc, 0);
		}
	}
	assert_true(sync_session_idle(ss[0]) && sync_session_idle(ss[1]));
	assert_int_equal(pruned_seen, 1);
	const struct sync_report *rep = sync_session_report(ss[0]);
	assert_int_equal(rep->pruned, 1);
	assert_int_equal(rep->applied, 2); /* s0002 still came */
	assert_int_equal(rep->chunks_refused, 0);
	const struct crdt_vv_entry *pv;
	assert_int_equal(sync_session_pruned(ss[0], &pv), 1);
	assert_string_equal(pv[0].scope, "s0001");
	assert_int_equal(pv[0].seq, 15);
	assert_false(crdt_store_has(r.st, s.id.pk, "s0001", 16));
	sync_session_free(ss[0]);
	sync_session_free(ss[1]);
	/* its bytes (docs/protocol.md §5 "PRUNED"): type 6, stored plain; in
	 * the session a compact chunk (§3 "Compact chunks", both sides read
	 * them), which stands for pruned.bin byte for byte */
	assert_int_equal(pruned_msg[3], SYNC_MSG_PRUNED);
	assert_int_equal(pruned_msg[2], SYNC_WIRE_COMPACT);
	t_golden_check("pruned_compact.bin", pruned_msg, pruned_len);
	struct buf whole;
	buf_init(&whole, SYNC_CHUNK_MAX);
	assert_int_equal(sync_chunk_expand(pruned_msg, pruned_len, s.id.pk, &whole), 0);
	assert_int_equal(whole.len, pruned_len + 35);
	t_golden_check("pruned.bin", whole.data, whole.len);
	buf_release(&whole);
	/* malformed ones are refused and change nothing */
	static const uint8_t bad[][48] = {
		{ 0, 0 },                 /* n = 0 */
		{ 1 },                    /* cut short */
	};
	struct buf p;
	buf_init(&p, 1 << 12);
	for (int v = 0; v < 5; v++) {
		struct sync_session *x;
		struct sync_input_result res;
		buf_reset(&p);
		if (v < 2) {
			buf_put(&p, bad[v], v == 0 ? 2 : 1);
		} else {
			struct crdt_vv_entry e;
			memcpy(e.author, s.id.pk, 32);
			snprintf(e.scope, sizeof(e.scope), "s0001");
			e.seq = v == 2 ? 0 : 15;     /* v 2: a base of 0 */
			sync_vv_put(&p, &e, 1);
			buf_put_varint(&p, v == 3 ? 0 : 1); /* v 3: total < n */
			if (v == 4)
				buf_put_u8(&p, 9); /* v 4: a byte left over */
		}
		assert_int_equal(sync_chunk_seal(s.ctx, SYNC_MSG_PRUNED, p.data, p.len, false, &m), 0);
		assert_int_equal(sync_session_new(&x, r.ctx, &so0, now), 0);
		assert_int_equal(sync_session_input(x, m.data, m.len, now, &res), 0);
		assert_int_equal(res.kind, SYNC_IN_REFUSED);
		assert_int_equal(res.why, ERR_CORRUPT);
		assert_int_equal(sync_session_report(x)->pruned, 0);
		sync_session_free(x);
	}
	buf_release(&p);
	buf_release(&m);
	node_close(&s);
	node_close(&r);
}


/* ---- the rule (sync/compact.c R1-R7) ---------------------------------- */

/* One session between a (initiator) and b, run until both are idle. */
static void session(struct t_node *a, struct t_node *b, uint64_t *now)
{
	struct sync_session *ss[2];
	struct sync_session_options so0 = { .initiator = true, .rto_ms = 1000 }, so1 = { .rto_ms = 1000 };
	struct buf m;
	buf_init(&m, SYNC_CHUNK_MAX);
	assert_int_equal(sync_session_new(&ss[0], a->ctx, &so0, *now), 0);
	assert_int_equal(sync_session_new(&ss[1], b->ctx, &so1, *now), 0);
	for (int steps = 0; steps < 200 && !(sync_session_idle(ss[0]) && sync_session_idle(ss[1])); steps++) {
		*now += 100;
		for (int k = 0; k < 2; k++) {
			int rc;
			while ((rc = sync_session_output(ss[k], &m, *now)) == 1)
				assert_int_equal(sync_session_input(ss[1 - k], m.data, m.len, *now, NULL), 0);
			assert_int_equal(rc, 0);
		}
	}
	assert_true(sync_session_idle(ss[0]) && sync_session_idle(ss[1]));
	sync_session_free(ss[0]);
	sync_session_free(ss[1]);
	buf_release(&m);
}

struct t_readers {
	const uint8_t *pk[4];
	size_t n;
};

static int readers_of(void *arg, const char *scope, uint8_t (*out)[SYNC_PK_LEN], size_t max)
{
	const struct t_readers *r = arg;
	(void)scope;
	assert_true(r->n <= max);
	for (size_t i = 0; i < r->n; i++)
		memcpy(out[i], r->pk[i], SYNC_PK_LEN);
	return (int)r->n;
}

static void ack(struct t_node *at, const struct t_node *reader, const uint8_t *author, const char *scope,
		uint64_t seq)
{
	struct crdt_vv_entry v;
	memcpy(v.author, author, 32);
	snprintf(v.scope, sizeof(v.scope), "%s", scope);
	v.seq = seq;
	assert_int_equal(crdt_store_acks_put(at->st, reader->id.pk, &v, 1), 0);
}

static uint64_t base_of(struct t_node *n, const uint8_t *author, const char *scope)
{
	struct crdt_base b;
	int rc = crdt_store_base_get(n->st, author, scope, &b);
	assert_true(rc == 0 || rc == ERR_NOTFOUND);
	return rc ? 0 : b.seq;
}

static bool in_log(struct t_node *n, const uint8_t *author, const char *scope, uint64_t seq)
{
	struct t_seal x = { .len = 0 };
	return crdt_log_get(n->st, author, scope, seq, seal_copy, &x) == 0;
}

static void compact(struct t_node *n, bool hub, struct t_readers *rd, uint64_t now, uint64_t keep_ms,
		    struct sync_compact_report *rep)
{
	struct sync_compact_options o = { .now_ms = now, .keep_ms = keep_ms, .hub = hub,
					  .readers = rd ? readers_of : NULL, .readers_arg = rd };
	assert_int_equal(sync_compact(n->ctx, &o, rep), 0);
}

/* At the hub: a commit one reader lacks is kept; the cut is at a
 * checkpoint the hub holds (R2), never past what every reader acked. */
static void test_rule_readers(void **state)
{
	(void)state;
	struct sync_options o = opt_all();
	struct t_node s, h, r2;
	struct sync_report rep;
	struct sync_compact_report cr;
	uint8_t d0[32], d1[32];
	uint64_t now = T_DAY0 + 40ULL * 86400000;
	node_open(&s, "r-s", 1, &o);
	node_open(&h, "r-h", 2, &o);
	node_open(&r2, "r-r2", 3, &o);
	for (int day = 0; day < 3; day++) { /* three syncs: checkpoints at 10, 20, 30 */
		for (int i = 0; i < 10; i++)
			order(&s, "s0001", T_DAY0 + (uint64_t)(day * 10 + i));
		deliver(&s, &h, NULL, 0, now, &rep);
		assert_int_equal(rep.applied, 10);
	}
	struct t_readers rd = { { s.id.pk, r2.id.pk }, 2 };
	assert_int_equal(crdt_store_digest(h.st, NULL, d0), 0);
	compact(&h, true, &rd, now, 0, &cr); /* nobody reported: nothing goes */
	assert_int_equal(cr.commits, 0);
	assert_int_equal(cr.kept_unacked, 1);
	sync_compact_report_release(&cr);
	ack(&h, &s, s.id.pk, "s0001", 30);
	ack(&h, &r2, s.id.pk, "s0001", 14);
	compact(&h, true, &rd, now, 0, &cr);
	assert_int_equal(cr.commits, 10); /* down to 10, the checkpoint under 14 */
	assert_int_equal(cr.nscopes, 1);
	assert_string_equal(cr.scopes[0].scope, "s0001");
	assert_true(cr.bytes > 0);
	sync_compact_report_release(&cr);
	assert_int_equal(base_of(&h, s.id.pk, "s0001"), 10);
	assert_true(in_log(&h, s.id.pk, "s0001", 11)); /* r2 lacks 15..: 11..14 wait for a checkpoint */
	assert_true(in_log(&h, s.id.pk, "s0001", 15));
	assert_false(in_log(&h, s.id.pk, "s0001", 10));
	assert_int_equal(crdt_store_digest(h.st, NULL, d1), 0);
	assert_memory_equal(d0, d1, 32);
	/* r2 catches up to 30: everything but the newest goes */
	ack(&h, &r2, s.id.pk, "s0001", 30);
	ack(&h, &r2, s.id.pk, "s0001", 3); /* an older report lowers nothing (B4) */
	compact(&h, true, &rd, now, 0, &cr);
	assert_int_equal(cr.commits, 10); /* to 20: 30 is the newest, and stays (R5) */
	sync_compact_report_release(&cr);
	assert_int_equal(base_of(&h, s.id.pk, "s0001"), 20);
	assert_true(in_log(&h, s.id.pk, "s0001", 30));
	node_close(&s);
	node_close(&h);
	node_close(&r2);
}

/* At a station: its own feed is kept until the hub acknowledged it
 * (R1, R4); the retention keeps recent commits (R3); a dry run changes
 * nothing; transactions are bounded (R7). The acks come from a real
 * session (S12). */
static void test_rule_station(void **state)
{
	(void)state;
	struct sync_options o = opt_all();
	struct t_node s, h;
	struct sync_compact_report cr;
	uint64_t now = T_DAY0 + 40ULL * 86400000, acked;
	o.record_acks = true;
	node_open(&s, "st-s", 1, &o);
	node_open(&h, "st-h", 2, &o);
	for (int i = 0; i < 25; i++)
		order(&s, "s0001", T_DAY0 + (uint64_t)i * 86400000); /* one a day */
	struct t_readers rd = { { h.id.pk }, 1 };
	compact(&s, false, &rd, now, 0, &cr);
	assert_int_equal(cr.commits, 0); /* the hub has not acknowledged anything */
	assert_int_equal(cr.kept_unacked, 1);
	sync_compact_report_release(&cr);

	session(&s, &h, &now);
	assert_int_equal(crdt_store_ack_get(s.st, h.id.pk, s.id.pk, "s0001", &acked), 0);
	assert_int_equal(acked, 25); /* the hub's ACK */
	assert_int_equal(crdt_store_ack_get(h.st, s.id.pk, s.id.pk, "s0001", &acked), 0);
	assert_int_equal(acked, 0); /* its HELLO came before the hub knew the author */
	session(&s, &h, &now);
	assert_int_equal(crdt_store_ack_get(h.st, s.id.pk, s.id.pk, "s0001", &acked), 0);
	assert_int_equal(acked, 25); /* the station's next HELLO */

	/* retention: 41 days keeps all (they are of days 0..24 of 40) */
	compact(&s, false, &rd, now, 41ULL * 86400000, &cr);
	assert_int_equal(cr.commits, 0);
	assert_int_equal(cr.kept_recent, 1);
	sync_compact_report_release(&cr);
	compact(&s, false, &rd, now, 20ULL * 86400000, &cr);
	assert_int_equal(cr.commits, 21); /* days 0..20 are 20 days old or more */
	sync_compact_report_release(&cr);
	assert_int_equal(base_of(&s, s.id.pk, "s0001"), 21);
	assert_true(in_log(&s, s.id.pk, "s0001", 22));

	/* dry run: counted, not done */
	struct sync_compact_options dry = { .now_ms = now, .dry_run = true, .readers = readers_of,
					    .readers_arg = &rd };
	assert_int_equal(sync_compact(s.ctx, &dry, &cr), 0);
	assert_int_equal(cr.commits, 3);
	assert_int_equal(cr.txns, 0);
	sync_compact_report_release(&cr);
	assert_int_equal(base_of(&s, s.id.pk, "s0001"), 21);
	/* bounded transactions: 2 commits each */
	struct sync_compact_options small = { .now_ms = now, .txn_commits = 2, .readers = readers_of,
					      .readers_arg = &rd };
	assert_int_equal(sync_compact(s.ctx, &small, &cr), 0);
	assert_int_equal(cr.commits, 3);
	assert_int_equal(cr.txns, 2);
	sync_compact_report_release(&cr);
	assert_int_equal(base_of(&s, s.id.pk, "s0001"), 24);
	/* the next local commit takes 26 and syncs to the hub */
	order(&s, "s0001", now);
	struct sync_report rep;
	deliver(&s, &h, NULL, 0, now, &rep);
	assert_int_equal(rep.applied, 1);
	assert_int_equal(rep.refused, 0);
	assert_true(crdt_store_has(h.st, s.id.pk, "s0001", 26));
	node_close(&s);
	node_close(&h);
}

/* S12: a HELLO never acks the node's own feed. The hub got the station's
 * commits by another way (a bundle, a relay) and says so in its HELLO:
 * a hub that group-commits may say it before they are on disk, and the
 * station's commits have no other copy, so the station prunes nothing of
 * its own until an ACK (sent after the disk write) says the hub holds
 * them. (Before, the HELLO raised the ack and the station pruned.) */
static void test_hello_not_own(void **state)
{
	(void)state;
	struct sync_options o = opt_all();
	struct t_node s, h;
	struct sync_compact_report cr;
	struct sync_report rep;
	uint64_t now = T_DAY0 + 40ULL * 86400000, acked = 0;
	o.record_acks = true;
	node_open(&s, "ho-s", 1, &o);
	node_open(&h, "ho-h", 2, &o);
	for (int i = 0; i < 5; i++)
		order(&s, "s0001", T_DAY0 + (uint64_t)i * 86400000);
	deliver(&s, &h, NULL, 0, now, &rep); /* not by a session: no ACK */
	assert_int_equal(rep.applied, 5);
	session(&h, &s, &now); /* the hub's HELLO lists the station's feed */
	int rc = crdt_store_ack_get(s.st, h.id.pk, s.id.pk, "s0001", &acked);
	assert_true(rc == 0 || rc == ERR_NOTFOUND);
	assert_int_equal(rc ? 0 : acked, 0);
	struct t_readers rd = { { h.id.pk }, 1 };
	compact(&s, false, &rd, now, 0, &cr);
	assert_int_equal(cr.commits, 0);
	sync_compact_report_release(&cr);
	assert_int_equal(base_of(&s, s.id.pk, "s0001"), 0);
	node_close(&s);
	node_close(&h);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_base),
		cmocka_unit_test(test_sync_across_base),
		cmocka_unit_test(test_session_pruned),
		cmocka_unit_test(test_rule_readers),
		cmocka_unit_test(test_rule_station),
		cmocka_unit_test(test_hello_not_own),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
