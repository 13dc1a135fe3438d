// SPDX-License-Identifier: MIT
/*
 * test_session.c - what the sync session says of each message it is fed
 * (struct sync_input_result, sync/sync.h) and what it owns: chunks held
 * for a gap and applied, and acknowledged, once it fills; a refused
 * message reported with its reason and the replica untouched; a commit
 * larger than the chunk size; a duplicate; bodies of several messages
 * (the framing of a CoAP request) in and out; deltas of two stations
 * made durable in one transaction, acknowledged only after it; a group
 * of a peer's acks alone that does not wait for the disk.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <sqlite3.h>

#include "base/err.h"
#include "base/mem.h"
#include "sync/sync.h"
#include "sync/sync_internal.h"
#include "tests/helpers.h"

#define ORDERS 3

struct t_node {
	struct sync_identity id;
	struct crdt_store *st;
	struct sync_ctx *ctx;
};

#define T_MSGS 64
struct t_msgs {
	size_t n;
	uint8_t *p[T_MSGS];
	size_t len[T_MSGS];
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

static struct sync_options opt_chunk(size_t chunk_max, bool hub)
{
	struct sync_options o;
	memset(&o, 0, sizeof(o));
	o.chunk_max = chunk_max;
	if (hub) {
		o.apply.all = true;
	} else {
		sync_scopes_add(&o.apply, "s0001");
		sync_scopes_add(&o.apply, "");
	}
	return o;
}

/* An order of station s0001 whose detail is detail_len hex digits of
 * seeded noise (about half a byte each once compressed). */
static void order(struct t_node *n, int k, size_t detail_len, unsigned *rs, uint64_t t)
{
	struct crdt_write w;
	char pk[32], *detail = malloc(detail_len + 1);
	for (size_t i = 0; i < detail_len; i++)
		detail[i] = "0123456789abcdef"[rand_r(rs) % 16];
	detail[detail_len] = '\0';
	snprintf(pk, sizeof(pk), "s0001-o%d", k);
	crdt_write_init(&w, ORDERS, CRDT_UPSERT, pk);
	crdt_write_text(&w, "station", "s0001");
	size_t cut = detail_len > CRDT_TEXT_MAX ? CRDT_TEXT_MAX : detail_len;
	char c = detail[cut];
	detail[cut] = '\0';
	crdt_write_text(&w, "detail", detail);
	detail[cut] = c;
	crdt_write_text(&w, "status", "open");
	if (detail_len > cut) /* the rest in the comment */
		crdt_write_text(&w, "comment", detail + cut);
	crdt_write_int(&w, "created_at", (int64_t)t);
	crdt_write_int(&w, "updated_at", (int64_t)t);
	assert_int_equal(crdt_commit_local(n->st, t, "s0001", &w, 1, NULL), 0);
	free(detail);
}

static void msgs_free(struct t_msgs *m)
{
	for (size_t i = 0; i < m->n; i++)
		free(m->p[i]);
	m->n = 0;
}

/* Everything s wants to send now, one message each. */
static void drain(struct sync_session *s, uint64_t now, struct t_msgs *out)
{
	struct buf b;
	int rc;
	buf_init(&b, SYNC_CHUNK_MAX);
	while ((rc = sync_session_output(s, &b, now)) == 1) {
		assert_true(out->n < T_MSGS);
		out->p[out->n] = malloc(b.len);
		memcpy(out->p[out->n], b.data, b.len);
		out->len[out->n++] = b.len;
	}
	assert_int_equal(rc, 0);
	buf_release(&b);
}

/* Deliver every message of m to s; each must be of kind want. */
static void deliver(struct sync_session *s, const struct t_msgs *m, uint64_t now, enum sync_in_kind want)
{
	for (size_t i = 0; i < m->n; i++) {
		struct sync_input_result r;
		assert_int_equal(sync_session_input(s, m->p[i], m->len[i], now, &r), 0);
		assert_int_equal(r.kind, want);
	}
}

/* The station's session and the hub's, HELLOs exchanged: what is left is
 * the station's delta, in *delta. */
static void handshake(struct t_node *st, struct t_node *hub, struct sync_session *s[2], uint64_t now,
		      struct t_msgs *delta)
{
	struct sync_session_options si = { .initiator = true }, sr = { 0 };
	struct t_msgs m = { 0 };
	assert_int_equal(sync_session_new(&s[0], st->ctx, &si, now), 0);
	assert_int_equal(sync_session_new(&s[1], hub->ctx, &sr, now), 0);
	drain(s[0], now, &m); /* HELLO */
	assert_int_equal(m.n, 1);
	deliver(s[1], &m, now, SYNC_IN_HELLO);
	msgs_free(&m);
	drain(s[1], now, &m); /* its HELLO: the station lacks nothing */
	assert_int_equal(m.n, 1);
	deliver(s[0], &m, now, SYNC_IN_HELLO);
	msgs_free(&m);
	drain(s[0], now, delta);
}

static void digest(const struct t_node *n, uint8_t out[32])
{
	assert_int_equal(crdt_store_digest(n->st, "s0001", out), 0);
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

/* Chunks that arrive last first wait in the session (NEED_MORE), are
 * applied when the first arrives (its result counts them as released),
 * and every one is acknowledged: the station's session goes idle with no
 * resend. */
static void test_gap_held_released(void **state)
{
	(void)state;
	struct t_node st, hub;
	struct sync_options os = opt_chunk(400, false), oh = opt_chunk(400, true);
	struct sync_session *s[2];
	struct t_msgs delta = { 0 }, acks = { 0 };
	struct sync_input_result r;
	uint64_t now = T_DAY0 + 86400000;
	unsigned rs = 11;
	uint8_t d0[32], d1[32];

	node_open(&st, "gap-st", 1, &os);
	node_open(&hub, "gap-hub", 9, &oh);
	for (int k = 1; k <= 12; k++)
		order(&st, k, 120, &rs, T_DAY0 + (uint64_t)k * 1000);
	handshake(&st, &hub, s, now, &delta);
	print_message("%zu DELTA chunks of at most 400 bytes\n", delta.n);
	assert_true(delta.n >= 3);
	/* all but the first, last first: each waits for the one before */
	for (size_t i = delta.n - 1; i >= 1; i--) {
		assert_int_equal(sync_session_input(s[1], delta.p[i], delta.len[i], now, &r), 0);
		assert_int_equal(r.kind, SYNC_IN_NEED_MORE);
		assert_int_equal(r.why, 0);
		assert_int_equal(r.refused, 0); /* a gap is not a refusal */
	}
	assert_false(crdt_store_has(hub.st, st.id.pk, "s0001", 12));
	/* the same held chunk again (the peer's resend): still waits */
	assert_int_equal(sync_session_input(s[1], delta.p[delta.n - 1], delta.len[delta.n - 1], now, &r), 0);
	assert_int_equal(r.kind, SYNC_IN_NEED_MORE);
	/* the first fills the gap: everything applies, in order */
	assert_int_equal(sync_session_input(s[1], delta.p[0], delta.len[0], now, &r), 0);
	assert_int_equal(r.kind, SYNC_IN_MERGED);
	assert_int_equal(r.released, delta.n - 1);
	assert_true(crdt_store_has(hub.st, st.id.pk, "s0001", 12));
	const struct sync_report *rep = sync_session_report(s[1]);
	assert_int_equal(rep->applied, 12);
	assert_int_equal(rep->refused, 0);
	assert_int_equal(rep->chunks_refused, 0);
	digest(&st, d0);
	digest(&hub, d1);
	assert_memory_equal(d0, d1, 32);
	/* every chunk acknowledged, held ones included: no tick, no resend */
	drain(s[1], now, &acks);
	deliver(s[0], &acks, now, SYNC_IN_ACK);
	assert_true(sync_session_idle(s[0]));
	assert_true(sync_session_idle(s[1]));
	msgs_free(&acks);
	msgs_free(&delta);
	sync_session_free(s[0]);
	sync_session_free(s[1]);
	node_close(&st);
	node_close(&hub);
}

static int refuse_all(void *arg, const uint8_t author[SYNC_PK_LEN], const char *scope, uint64_t seq,
		      uint64_t hlc)
{
	(void)arg, (void)author, (void)scope, (void)seq, (void)hlc;
	return ERR_UNAUTH;
}

/* A chunk whose signature does not verify, and one whose commits the
 * receiver's rules refuse, are each reported REFUSED with the reason;
 * the replica is as before and neither is acknowledged as held. */
static void test_refused_untouched(void **state)
{
	(void)state;
	struct t_node st, hub;
	struct sync_options os = opt_chunk(0, false), oh = opt_chunk(0, true);
	struct sync_session *s[2];
	struct t_msgs delta = { 0 }, out = { 0 };
	struct sync_input_result r;
	uint64_t now = T_DAY0 + 86400000;
	unsigned rs = 12;
	uint8_t before[32], after[32];

	node_open(&st, "ref-st", 1, &os);
	node_open(&hub, "ref-hub", 9, &oh);
	for (int k = 1; k <= 3; k++)
		order(&st, k, 40, &rs, T_DAY0 + (uint64_t)k * 1000);
	handshake(&st, &hub, s, now, &delta);
	assert_int_equal(delta.n, 1);
	digest(&hub, before);

	uint8_t *bad = malloc(delta.len[0]);
	memcpy(bad, delta.p[0], delta.len[0]);
	bad[delta.len[0] - 1] ^= 0x01; /* the signature's last byte */
	assert_int_equal(sync_session_input(s[1], bad, delta.len[0], now, &r), 0);
	assert_int_equal(r.kind, SYNC_IN_REFUSED);
	assert_int_equal(r.why, ERR_BADSIG);
	assert_int_equal(r.applied, 0);
	digest(&hub, after);
	assert_memory_equal(before, after, 32);
	assert_int_equal(sync_session_report(s[1])->chunks_refused, 1);
	drain(s[1], now, &out);
	assert_int_equal(out.n, 0); /* nothing acknowledged */
	free(bad);

	/* bytes that are no chunk at all */
	assert_int_equal(sync_session_input(s[1], (const uint8_t *)"CL\x01\x02", 4, now, &r), 0);
	assert_int_equal(r.kind, SYNC_IN_REFUSED);
	assert_int_equal(r.why, ERR_CORRUPT);

	/* a hub whose rules refuse the author: every commit refused, why */
	struct t_node h2;
	struct sync_options o2 = opt_chunk(0, true);
	struct sync_session *s2;
	struct sync_session_options sr = { 0 };
	struct buf whole;
	o2.authorize = refuse_all;
	node_open(&h2, "ref-h2", 8, &o2);
	assert_int_equal(sync_session_new(&s2, h2.ctx, &sr, now), 0);
	digest(&h2, before);
	/* the station's DELTA went compact to the hub (it read the hub's
	 * HELLO); h2's session has heard no HELLO: nothing names its sender */
	assert_int_equal(delta.p[0][2], SYNC_WIRE_COMPACT);
	assert_int_equal(sync_session_input(s2, delta.p[0], delta.len[0], now, &r), 0);
	assert_int_equal(r.kind, SYNC_IN_REFUSED);
	assert_int_equal(r.why, ERR_NOPEER);
	/* the chunk the station signed, whole */
	buf_init(&whole, SYNC_CHUNK_MAX);
	assert_int_equal(sync_chunk_expand(delta.p[0], delta.len[0], st.id.pk, &whole), 0);
	assert_int_equal(sync_session_input(s2, whole.data, whole.len, now, &r), 0);
	buf_release(&whole);
	assert_int_equal(r.kind, SYNC_IN_REFUSED);
	assert_int_equal(r.why, ERR_UNAUTH);
	assert_int_equal(r.refused, 3);
	assert_int_equal(r.applied, 0);
	digest(&h2, after);
	assert_memory_equal(before, after, 32);
	assert_false(crdt_store_has(h2.st, st.id.pk, "s0001", 1));
	sync_session_free(s2);
	node_close(&h2);

	msgs_free(&out);
	msgs_free(&delta);
	sync_session_free(s[0]);
	sync_session_free(s[1]);
	node_close(&st);
	node_close(&hub);
}

/* A commit larger than the chunk size (1024, a CoAP link's) travels
 * alone in a larger chunk; the chunks before and after it stay within
 * 1024 bytes, and the session converges without being rebuilt. */
static void test_oversized_commit(void **state)
{
	(void)state;
	struct t_node st, hub;
	struct sync_options os = opt_chunk(SYNC_CHUNK_LINK, false), oh = opt_chunk(SYNC_CHUNK_LINK, true);
	struct sync_session *s[2];
	struct t_msgs delta = { 0 }, acks = { 0 };
	uint64_t now = T_DAY0 + 86400000;
	unsigned rs = 13;
	uint8_t d0[32], d1[32];

	node_open(&st, "big-st", 1, &os);
	node_open(&hub, "big-hub", 9, &oh);
	for (int k = 1; k <= 13; k++) /* the 7th ~3 KB compressed */
		order(&st, k, k == 7 ? 6000 : 100, &rs, T_DAY0 + (uint64_t)k * 1000);
	handshake(&st, &hub, s, now, &delta);
	size_t big = 0;
	for (size_t i = 0; i < delta.n; i++) {
		print_message("chunk %zu: %zu bytes\n", i, delta.len[i]);
		if (delta.len[i] > SYNC_CHUNK_LINK) {
			big++;
			assert_true(delta.len[i] <= SYNC_CHUNK_LONE);
		}
	}
	assert_int_equal(big, 1);
	assert_true(delta.n >= 3); /* small chunks before and after it */
	deliver(s[1], &delta, now, SYNC_IN_MERGED);
	assert_int_equal(sync_session_report(s[1])->applied, 13);
	digest(&st, d0);
	digest(&hub, d1);
	assert_memory_equal(d0, d1, 32);
	drain(s[1], now, &acks);
	deliver(s[0], &acks, now, SYNC_IN_ACK);
	assert_true(sync_session_idle(s[0]) && sync_session_idle(s[1]));
	msgs_free(&acks);
	msgs_free(&delta);
	sync_session_free(s[0]);
	sync_session_free(s[1]);
	node_close(&st);
	node_close(&hub);
}

/* The same DELTA twice: merged, then a duplicate that applies nothing
 * and is acknowledged again. */
static void test_duplicate(void **state)
{
	(void)state;
	struct t_node st, hub;
	struct sync_options os = opt_chunk(0, false), oh = opt_chunk(0, true);
	struct sync_session *s[2];
	struct t_msgs delta = { 0 }, acks = { 0 };
	struct sync_input_result r;
	uint64_t now = T_DAY0 + 86400000;
	unsigned rs = 14;

	node_open(&st, "dup-st", 1, &os);
	node_open(&hub, "dup-hub", 9, &oh);
	for (int k = 1; k <= 4; k++)
		order(&st, k, 40, &rs, T_DAY0 + (uint64_t)k * 1000);
	handshake(&st, &hub, s, now, &delta);
	assert_int_equal(delta.n, 1);
	assert_int_equal(sync_session_input(s[1], delta.p[0], delta.len[0], now, &r), 0);
	assert_int_equal(r.kind, SYNC_IN_MERGED);
	assert_int_equal(r.applied, 4);
	assert_int_equal(sync_session_input(s[1], delta.p[0], delta.len[0], now, &r), 0);
	assert_int_equal(r.kind, SYNC_IN_DUPLICATE);
	assert_int_equal(r.applied, 0);
	assert_int_equal(r.duplicate, 4);
	drain(s[1], now, &acks);
	assert_int_equal(acks.n, 1); /* both acknowledged, in one ACK */
	deliver(s[0], &acks, now, SYNC_IN_ACK);
	assert_true(sync_session_idle(s[0]));
	msgs_free(&acks);
	msgs_free(&delta);
	sync_session_free(s[0]);
	sync_session_free(s[1]);
	node_close(&st);
	node_close(&hub);
}

/* Bodies of several messages (a CoAP request or response): the hub's
 * answer to a HELLO holds its HELLO and stops after one DELTA, and says
 * whether more is pending; a body cut short ends where the bytes stop
 * framing. */
static void test_bodies(void **state)
{
	(void)state;
	struct t_node st, hub;
	struct sync_options os = opt_chunk(400, false), oh = opt_chunk(400, true);
	struct sync_session *s[2];
	struct sync_session_options si = { .initiator = true }, sr = { 0 };
	struct buf body;
	uint64_t now = T_DAY0 + 86400000;
	unsigned rs = 15;
	size_t n;
	bool more;

	node_open(&st, "body-st", 1, &os);
	node_open(&hub, "body-hub", 9, &oh);
	for (int k = 1; k <= 12; k++)
		order(&hub, k, 120, &rs, T_DAY0 + (uint64_t)k * 1000);
	assert_int_equal(sync_session_new(&s[0], st.ctx, &si, now), 0);
	assert_int_equal(sync_session_new(&s[1], hub.ctx, &sr, now), 0);
	buf_init(&body, SYNC_CHUNK_MAX);
	assert_int_equal(sync_session_output_body(s[0], &body, 256, now, &more), 1); /* its HELLO */
	assert_false(more);
	assert_int_equal(sync_session_input_body(s[1], body.data, body.len, now, &n), 0);
	assert_int_equal(n, 1);
	buf_reset(&body);
	/* HELLO and one DELTA, then it stops: more to come */
	assert_int_equal(sync_session_output_body(s[1], &body, 256, now, &more), 2);
	assert_true(more);
	size_t first = body.len;
	assert_int_equal(sync_session_output_body(s[1], &body, 100000, now, &more), 1);
	assert_true(more);
	/* the station takes both bodies back to back, and a cut one */
	assert_int_equal(sync_session_input_body(s[0], body.data, body.len, now, &n), 0);
	assert_int_equal(n, 3);
	assert_int_equal(sync_session_report(s[0])->chunks_refused, 0);
	assert_int_equal(sync_session_input_body(s[0], body.data, first - 10, now, &n), 0);
	assert_int_equal(n, 1); /* its HELLO again; the DELTA cut short is refused */
	assert_int_equal(sync_session_report(s[0])->chunks_refused, 1);
	buf_release(&body);
	sync_session_free(s[0]);
	sync_session_free(s[1]);
	node_close(&st);
	node_close(&hub);
}

/* Commits in the hub's file as another connection sees it: what is on
 * disk (WAL included), not what the hub's open transaction holds. */
static int on_disk(const char *name)
{
	char path[256];
	sqlite3 *db;
	sqlite3_stmt *st;
	int n = -1;
	snprintf(path, sizeof(path), "%s/%s.db", dir, name);
	assert_int_equal(sqlite3_open_v2(path, &db, SQLITE_OPEN_READONLY, NULL), SQLITE_OK);
	assert_int_equal(sqlite3_prepare_v2(db, "SELECT count(*) FROM _log", -1, &st, NULL), SQLITE_OK);
	if (sqlite3_step(st) == SQLITE_ROW)
		n = sqlite3_column_int(st, 0);
	sqlite3_finalize(st);
	sqlite3_close(db);
	return n;
}

/* A hub serving two stations with grouped sessions: both deltas apply in
 * one transaction, nothing is acknowledged before it is on disk, one
 * flush commits both, and each session's ACKs go at its own flush. A
 * session that is not grouped ends the group before it applies. */
static void test_group_commit(void **state)
{
	(void)state;
	struct t_node st[3], hub;
	struct sync_options os = opt_chunk(0, false), oh = opt_chunk(0, true);
	struct sync_session *s[3][2];
	struct sync_session_options si = { .initiator = true }, sg = { .group = true }, sr = { 0 };
	struct t_msgs m = { 0 }, delta[3] = { { 0 } };
	struct sync_input_result r;
	uint64_t now = T_DAY0 + 86400000;
	unsigned rs = 16;
	char name[24];

	node_open(&hub, "grp-hub", 9, &oh);
	for (int k = 0; k < 3; k++) {
		snprintf(name, sizeof(name), "grp-st%d", k);
		node_open(&st[k], name, (uint8_t)(1 + k), &os);
		for (int i = 1; i <= 3; i++)
			order(&st[k], 10 * k + i, 40, &rs, T_DAY0 + (uint64_t)i * 1000);
		assert_int_equal(sync_session_new(&s[k][0], st[k].ctx, &si, now), 0);
		assert_int_equal(sync_session_new(&s[k][1], hub.ctx, k < 2 ? &sg : &sr, now), 0);
		drain(s[k][0], now, &m); /* HELLO */
		deliver(s[k][1], &m, now, SYNC_IN_HELLO);
		msgs_free(&m);
		drain(s[k][1], now, &m);
		deliver(s[k][0], &m, now, SYNC_IN_HELLO);
		msgs_free(&m);
		drain(s[k][0], now, &delta[k]);
		assert_int_equal(delta[k].n, 1);
	}
	int before = on_disk("grp-hub");
	/* two stations' deltas arrive together: applied, nothing durable,
	 * nothing acknowledged */
	for (int k = 0; k < 2; k++) {
		assert_int_equal(sync_session_input(s[k][1], delta[k].p[0], delta[k].len[0], now, &r), 0);
		assert_int_equal(r.kind, SYNC_IN_MERGED);
		assert_int_equal(r.applied, 3);
		drain(s[k][1], now, &m);
		assert_int_equal(m.n, 0);
		assert_false(sync_session_idle(s[k][1]));
	}
	assert_true(crdt_store_has(hub.st, st[1].id.pk, "s0001", 3)); /* the hub sees them */
	assert_int_equal(on_disk("grp-hub"), before);                /* the disk does not yet */
	/* one flush commits both; the first session's ACK goes */
	assert_int_equal(sync_session_flush(s[0][1]), 0);
	assert_int_equal(on_disk("grp-hub"), before + 6);
	drain(s[0][1], now, &m);
	assert_int_equal(m.n, 1);
	deliver(s[0][0], &m, now, SYNC_IN_ACK);
	msgs_free(&m);
	assert_true(sync_session_idle(s[0][0]));
	/* the second's ACK waits for its own flush (nothing left to commit) */
	drain(s[1][1], now, &m);
	assert_int_equal(m.n, 0);
	assert_int_equal(sync_session_flush(s[1][1]), 0);
	drain(s[1][1], now, &m);
	assert_int_equal(m.n, 1);
	deliver(s[1][0], &m, now, SYNC_IN_ACK);
	msgs_free(&m);
	/* a grouped apply left open, then a session that is not grouped:
	 * it ends the group first and acknowledges its own at once, durable */
	order(&st[0], 9, 40, &rs, T_DAY0 + 9000);
	assert_int_equal(sync_session_refresh(s[0][0]), 0);
	drain(s[0][0], now, &delta[0]);
	assert_int_equal(delta[0].n, 2);
	assert_int_equal(sync_session_input(s[0][1], delta[0].p[1], delta[0].len[1], now, &r), 0);
	assert_int_equal(r.kind, SYNC_IN_MERGED);
	assert_int_equal(sync_session_input(s[2][1], delta[2].p[0], delta[2].len[0], now, &r), 0);
	assert_int_equal(r.kind, SYNC_IN_MERGED);
	assert_int_equal(on_disk("grp-hub"), before + 10);
	drain(s[2][1], now, &m);
	assert_int_equal(m.n, 1);
	msgs_free(&m);
	for (int k = 0; k < 3; k++) {
		msgs_free(&delta[k]);
		sync_session_free(s[k][0]);
		sync_session_free(s[k][1]);
		node_close(&st[k]);
	}
	node_close(&hub);
}

/* ---- compact chunks (docs/protocol.md §3, session.c S13) -------------- */

/* Deliver everything both sessions send, in order, until both are idle;
 * every message but a HELLO must be compact (want) or whole (!want), and
 * none refused. Returns the bytes of the messages that were not HELLOs. */
static size_t pump(struct sync_session *s[2], uint64_t now, bool want)
{
	size_t bytes = 0;
	for (int round = 0; round < 20 && !(sync_session_idle(s[0]) && sync_session_idle(s[1])); round++)
		for (int k = 0; k < 2; k++) {
			struct t_msgs m = { 0 };
			drain(s[k], now, &m);
			for (size_t i = 0; i < m.n; i++) {
				struct sync_input_result r;
				uint8_t id[SYNC_ID_LEN];
				int type;
				size_t clen;
				assert_int_equal(sync_chunk_peek(m.p[i], m.len[i], id, &type, &clen), 0);
				assert_int_equal(clen, m.len[i]);
				if (type == SYNC_MSG_HELLO) {
					assert_int_equal(m.p[i][2], SYNC_WIRE_VERSION); /* HELLOs stay whole */
				} else {
					assert_int_equal(m.p[i][2], want ? SYNC_WIRE_COMPACT : SYNC_WIRE_VERSION);
					bytes += m.len[i];
				}
				assert_int_equal(sync_session_input(s[1 - k], m.p[i], m.len[i], now, &r), 0);
				assert_int_not_equal(r.kind, SYNC_IN_REFUSED);
			}
			msgs_free(&m);
		}
	assert_true(sync_session_idle(s[0]) && sync_session_idle(s[1]));
	return bytes;
}

/* The flags byte of a HELLO. */
static uint8_t hello_flags(const uint8_t *p, size_t len)
{
	uint8_t id[SYNC_ID_LEN];
	int type;
	size_t clen;
	struct cur c;
	uint64_t plen;
	assert_int_equal(sync_chunk_peek(p, len, id, &type, &clen), 0);
	assert_int_equal(type, SYNC_MSG_HELLO);
	assert_int_equal(p[2], SYNC_WIRE_VERSION);
	cur_init(&c, p, len);
	c.pos = SYNC_HDR_FIXED; /* a HELLO is stored plain: its payload's first byte */
	assert_int_equal(cur_get_varint(&c, &plen), 0);
	assert_true(plen >= 1);
	return p[c.pos];
}

/* After the HELLOs, both sides send compact chunks: each the whole chunk
 * its sender signed less 35 bytes, which the receiver rebuilds with the
 * peer's key, byte for byte (same id, same signature); the replicas
 * converge. A compact chunk before the peer's HELLO, outside a session,
 * with an unknown dictionary index, or a compact HELLO is refused with
 * its reason and changes nothing. A DELTA resent goes whole. */
static void test_compact_chunks(void **state)
{
	(void)state;
	struct t_node st, hub, h2;
	struct sync_options os = opt_chunk(400, false), oh = opt_chunk(400, true);
	struct sync_session *s[2], *s2;
	struct sync_session_options si = { .initiator = true, .rto_ms = 1000 }, sr = { .rto_ms = 1000 };
	struct t_msgs m = { 0 }, delta = { 0 }, again = { 0 };
	struct sync_input_result r;
	struct buf whole, back;
	uint64_t now = T_DAY0 + 86400000;
	unsigned rs = 21;
	uint8_t d0[32], d1[32], id0[SYNC_ID_LEN], id1[SYNC_ID_LEN];
	int type;
	size_t clen;

	node_open(&st, "cmp-st", 1, &os);
	node_open(&hub, "cmp-hub", 9, &oh);
	node_open(&h2, "cmp-h2", 8, &oh);
	for (int k = 1; k <= 6; k++)
		order(&st, k, 120, &rs, T_DAY0 + (uint64_t)k * 1000);
	for (int k = 101; k <= 102; k++) /* the hub has news for the station */
		order(&hub, k, 60, &rs, T_DAY0 + (uint64_t)k * 1000);
	buf_init(&whole, SYNC_CHUNK_MAX);
	buf_init(&back, SYNC_CHUNK_MAX);
	assert_int_equal(sync_session_new(&s[0], st.ctx, &si, now), 0);
	assert_int_equal(sync_session_new(&s[1], hub.ctx, &sr, now), 0);

	/* the station's first HELLO says it reads compact chunks; the answer too */
	drain(s[0], now, &m);
	assert_int_equal(m.n, 1);
	assert_true(hello_flags(m.p[0], m.len[0]) & 0x20);
	deliver(s[1], &m, now, SYNC_IN_HELLO);
	msgs_free(&m);
	drain(s[1], now, &m);
	assert_true(m.n >= 2);
	assert_true(hello_flags(m.p[0], m.len[0]) & 0x20);
	for (size_t i = 1; i < m.n; i++) { /* the hub's DELTAs, compact */
		assert_int_equal(m.p[i][2], SYNC_WIRE_COMPACT);
		assert_int_equal(sync_chunk_expand(m.p[i], m.len[i], hub.id.pk, &whole), 0);
		assert_int_equal(whole.len, m.len[i] + 35);
		assert_int_equal(sync_chunk_compact(whole.data, whole.len, &back), 1);
		assert_int_equal(back.len, m.len[i]);
		assert_memory_equal(back.data, m.p[i], m.len[i]);
		assert_int_equal(sync_chunk_peek(m.p[i], m.len[i], id0, &type, &clen), 0);
		assert_int_equal(sync_chunk_peek(whole.data, whole.len, id1, &type, &clen), 0);
		assert_memory_equal(id0, id1, SYNC_ID_LEN); /* the same chunk, the same id */
		/* outside a session: nothing names its sender */
		assert_int_equal(sync_chunk_apply(st.ctx, m.p[i], m.len[i], now, NULL, NULL, NULL), ERR_NOPEER);
	}
	for (size_t i = 0; i < m.n; i++) {
		assert_int_equal(sync_session_input(s[0], m.p[i], m.len[i], now, &r), 0);
		assert_int_equal(r.kind, i ? SYNC_IN_MERGED : SYNC_IN_HELLO);
	}
	msgs_free(&m);

	/* the station's delta and ACKs, compact */
	drain(s[0], now, &delta);
	assert_true(delta.n >= 3);
	size_t ndelta = 0;
	for (size_t i = 0; i < delta.n; i++) {
		assert_int_equal(delta.p[i][2], SYNC_WIRE_COMPACT);
		assert_int_equal(sync_chunk_peek(delta.p[i], delta.len[i], id0, &type, &clen), 0);
		ndelta += type == SYNC_MSG_DELTA;
	}
	assert_true(ndelta >= 2);
	size_t d = delta.n - 1; /* a DELTA (they come after the ACKs) */

	/* before the peer's HELLO: refused, nothing applied, nothing acknowledged */
	assert_int_equal(sync_session_new(&s2, h2.ctx, &sr, now), 0);
	digest(&h2, d0);
	assert_int_equal(sync_session_input(s2, delta.p[d], delta.len[d], now, &r), 0);
	assert_int_equal(r.kind, SYNC_IN_REFUSED);
	assert_int_equal(r.why, ERR_NOPEER);
	digest(&h2, d1);
	assert_memory_equal(d0, d1, 32);
	drain(s2, now, &m);
	assert_int_equal(m.n, 0);
	sync_session_free(s2);

	/* in a bundle (outside any session): the station's first DELTA made
	 * compact is skipped for that reason, nothing of it applied */
	char path[256];
	snprintf(path, sizeof(path), "%s/cmp.bundle", dir);
	assert_int_equal(sync_bundle_export_path(st.ctx, path, NULL, 0, NULL), 0);
	FILE *f = fopen(path, "rb");
	assert_non_null(f);
	static uint8_t file[1 << 16];
	size_t flen = fread(file, 1, sizeof(file), f);
	fclose(f);
	assert_true(flen > 42 && flen < sizeof(file));
	assert_int_equal(sync_chunk_peek(file + 42, flen - 42, id0, &type, &clen), 0);
	assert_int_equal(type, SYNC_MSG_DELTA);
	assert_int_equal(sync_chunk_compact(file + 42, clen, &back), 1);
	memcpy(file + 42, back.data, back.len); /* the rest moves up 35 bytes */
	memmove(file + 42 + back.len, file + 42 + clen, flen - 42 - clen);
	struct sync_report br;
	memset(&br, 0, sizeof(br));
	assert_int_equal(sync_bundle_import_mem(h2.ctx, file, flen - 35, now, &br), 0);
	assert_true(br.nskips >= 1);
	assert_int_equal(br.skips[0].offset, 42);
	assert_int_equal(br.skips[0].rc, ERR_NOPEER);
	assert_int_equal(br.bundle, SYNC_BUNDLE_ALTERED);
	assert_false(crdt_store_has(h2.st, st.id.pk, "s0001", 1));

	/* an unknown dictionary index; an index without compression; a
	 * compact HELLO: refused by the hub's session, which heard the HELLO */
	uint8_t *bad = malloc(delta.len[d]);
	memcpy(bad, delta.p[d], delta.len[d]);
	bad[5] = 9;
	assert_int_equal(sync_session_input(s[1], bad, delta.len[d], now, &r), 0);
	assert_int_equal(r.kind, SYNC_IN_REFUSED);
	assert_int_equal(r.why, ERR_NODICT);
	memcpy(bad, delta.p[d], delta.len[d]);
	bad[4] = 0; /* not compressed, yet a dictionary named */
	bad[5] = 1;
	assert_int_equal(sync_session_input(s[1], bad, delta.len[d], now, &r), 0);
	assert_int_equal(r.kind, SYNC_IN_REFUSED);
	assert_int_equal(r.why, ERR_CORRUPT);
	memcpy(bad, delta.p[d], delta.len[d]);
	bad[3] = SYNC_MSG_HELLO;
	assert_int_equal(sync_session_input(s[1], bad, delta.len[d], now, &r), 0);
	assert_int_equal(r.kind, SYNC_IN_REFUSED);
	assert_int_equal(r.why, ERR_CORRUPT);
	free(bad);
	assert_int_equal(sync_session_report(s[1])->chunks_refused, 3);
	assert_false(crdt_store_has(hub.st, st.id.pk, "s0001", 1));

	/* none delivered yet: after rto each DELTA goes again, whole, same id */
	now += 1000;
	sync_session_tick(s[0], now);
	drain(s[0], now, &again);
	assert_int_equal(again.n, ndelta);
	for (size_t i = 0; i < again.n; i++) {
		size_t k = delta.n - ndelta + i;
		assert_int_equal(again.p[i][2], SYNC_WIRE_VERSION);
		assert_int_equal(sync_chunk_expand(delta.p[k], delta.len[k], st.id.pk, &whole), 0);
		assert_int_equal(whole.len, again.len[i]);
		assert_memory_equal(whole.data, again.p[i], again.len[i]);
	}
	/* the compact ones arrive, and the whole resends: applied once */
	for (size_t i = 0; i < delta.n; i++) {
		assert_int_equal(sync_session_input(s[1], delta.p[i], delta.len[i], now, &r), 0);
		assert_int_not_equal(r.kind, SYNC_IN_REFUSED);
	}
	deliver(s[1], &again, now, SYNC_IN_DUPLICATE);
	assert_int_equal(sync_session_report(s[1])->applied, 6);
	pump(s, now, true);
	digest(&st, d0);
	digest(&hub, d1);
	assert_memory_equal(d0, d1, 32);
	assert_true(crdt_store_has(st.st, hub.id.pk, "s0001", 2));

	msgs_free(&delta);
	msgs_free(&again);
	buf_release(&whole);
	buf_release(&back);
	sync_session_free(s[0]);
	sync_session_free(s[1]);
	node_close(&st);
	node_close(&hub);
	node_close(&h2);
}

/* A peer that does not say it reads compact chunks gets whole ones, and
 * sends whole ones: a hub of session 6 refuses the station's first HELLO
 * (the flag is a bit it does not know) and answers its second, plain
 * format 3, in which the bit is clear; the session then runs as before
 * compact chunks, both ways, and converges. */
static void test_compact_old_peer(void **state)
{
	(void)state;
	struct t_node st, hub;
	struct sync_options os = opt_chunk(400, false), oh = opt_chunk(400, true);
	struct sync_session *s[2];
	struct sync_session_options si = { .initiator = true, .rto_ms = 1000 }, sr = { .rto_ms = 1000 };
	struct t_msgs m = { 0 };
	uint64_t now = T_DAY0 + 86400000;
	unsigned rs = 22;
	uint8_t d0[32], d1[32];

	node_open(&st, "old-st", 1, &os);
	node_open(&hub, "old-hub", 9, &oh);
	for (int k = 1; k <= 6; k++)
		order(&st, k, 120, &rs, T_DAY0 + (uint64_t)k * 1000);
	for (int k = 101; k <= 102; k++)
		order(&hub, k, 60, &rs, T_DAY0 + (uint64_t)k * 1000);
	assert_int_equal(sync_session_new(&s[0], st.ctx, &si, now), 0);
	assert_int_equal(sync_session_new(&s[1], hub.ctx, &sr, now), 0);
	drain(s[0], now, &m); /* the first HELLO: refused by the old hub, so dropped */
	assert_int_equal(m.n, 1);
	assert_true(hello_flags(m.p[0], m.len[0]) & 0x20);
	msgs_free(&m);
	now += 1000;
	sync_session_tick(s[0], now);
	drain(s[0], now, &m);
	assert_int_equal(m.n, 1);
	assert_int_equal(hello_flags(m.p[0], m.len[0]), 0x1b & ~0x10); /* format 3, no time said */
	deliver(s[1], &m, now, SYNC_IN_HELLO);
	msgs_free(&m);
	drain(s[1], now, &m); /* its answer: the bit clear, as a hub of session 6 writes it */
	assert_true(m.n >= 2);
	assert_false(hello_flags(m.p[0], m.len[0]) & 0x20);
	for (size_t i = 1; i < m.n; i++)
		assert_int_equal(m.p[i][2], SYNC_WIRE_VERSION);
	for (size_t i = 0; i < m.n; i++) {
		struct sync_input_result r;
		assert_int_equal(sync_session_input(s[0], m.p[i], m.len[i], now, &r), 0);
		assert_int_not_equal(r.kind, SYNC_IN_REFUSED);
	}
	msgs_free(&m);
	pump(s, now, false); /* whole chunks both ways */
	digest(&st, d0);
	digest(&hub, d1);
	assert_memory_equal(d0, d1, 32);
	assert_true(crdt_store_has(hub.st, st.id.pk, "s0001", 6));
	sync_session_free(s[0]);
	sync_session_free(s[1]);
	node_close(&st);
	node_close(&hub);
}

/* PRAGMA synchronous of a store's connection: 1 NORMAL, 2 FULL. */
static int t_sync_mode(struct crdt_store *st)
{
	sqlite3_stmt *q;
	int v = -1;
	assert_int_equal(sqlite3_prepare_v2(crdt_store_db(st), "PRAGMA synchronous", -1, &q, NULL), SQLITE_OK);
	if (sqlite3_step(q) == SQLITE_ROW)
		v = sqlite3_column_int(q, 0);
	sqlite3_finalize(q);
	return v;
}

/* delta.c G1-G3 on a hub whose store waits for the disk (no no_sync): a
 * station's HELLO opens a group that holds only its acks, which does not
 * wait (synchronous NORMAL while it is open); its DELTA ends that group
 * and applies in one that waits (FULL), acknowledged after the flush;
 * after every group, and for the hub's own commits, the store waits
 * again. */
static void test_group_nowait(void **state)
{
	(void)state;
	struct t_node st, hub;
	struct sync_options os = opt_chunk(0, false), oh = opt_chunk(0, true);
	struct sync_session *a, *b;
	struct sync_session_options si = { .initiator = true }, sg = { .group = true };
	struct t_msgs m = { 0 }, delta = { 0 };
	struct sync_input_result r;
	struct crdt_options co = { 0 };
	uint64_t now = T_DAY0 + 86400000;
	unsigned rs = 17;
	uint8_t seed[32];
	char path[256];

	oh.record_acks = true;
	memset(&hub, 0, sizeof(hub));
	memset(seed, 19, sizeof(seed));
	assert_int_equal(sync_identity_from_seed(&hub.id, seed), 0);
	snprintf(path, sizeof(path), "%s/nowait-hub.db", dir);
	assert_int_equal(crdt_store_open(&hub.st, path, hub.id.pk, &co), 0);
	assert_int_equal(sync_ctx_new(&hub.ctx, hub.st, &hub.id, &oh), 0);
	node_open(&st, "nowait-st", 18, &os);
	for (int i = 1; i <= 3; i++)
		order(&st, i, 40, &rs, T_DAY0 + (uint64_t)i * 1000);
	assert_int_equal(t_sync_mode(hub.st), 2);
	assert_int_equal(sync_session_new(&a, st.ctx, &si, now), 0);
	assert_int_equal(sync_session_new(&b, hub.ctx, &sg, now), 0);
	drain(a, now, &m); /* HELLO: the hub's group of acks, not waiting */
	deliver(b, &m, now, SYNC_IN_HELLO);
	msgs_free(&m);
	assert_int_equal(t_sync_mode(hub.st), 1);
	drain(b, now, &m);
	deliver(a, &m, now, SYNC_IN_HELLO);
	msgs_free(&m);
	drain(a, now, &delta);
	assert_int_equal(delta.n, 1);
	int before = on_disk("nowait-hub");
	/* the DELTA: applied in a group that waits; no ACK before the flush */
	assert_int_equal(sync_session_input(b, delta.p[0], delta.len[0], now, &r), 0);
	assert_int_equal(r.kind, SYNC_IN_MERGED);
	assert_int_equal(r.applied, 3);
	assert_int_equal(t_sync_mode(hub.st), 2);
	drain(b, now, &m);
	assert_int_equal(m.n, 0);
	assert_int_equal(on_disk("nowait-hub"), before);
	assert_int_equal(sync_session_flush(b), 0);
	assert_int_equal(on_disk("nowait-hub"), before + 3);
	assert_int_equal(t_sync_mode(hub.st), 2);
	drain(b, now, &m);
	assert_int_equal(m.n, 1);
	deliver(a, &m, now, SYNC_IN_ACK);
	msgs_free(&m);
	/* a group of acks alone, flushed: the store waits again after it */
	assert_int_equal(sync_ctx_group_begin_nowait(hub.ctx), 0);
	assert_int_equal(t_sync_mode(hub.st), 1);
	assert_int_equal(sync_ctx_group_end(hub.ctx), 0);
	assert_int_equal(t_sync_mode(hub.st), 2);
	/* and after one rolled back */
	assert_int_equal(crdt_store_begin_nowait(hub.st), 0);
	assert_int_equal(t_sync_mode(hub.st), 1);
	crdt_store_abort(hub.st);
	assert_int_equal(t_sync_mode(hub.st), 2);
	msgs_free(&delta);
	sync_session_free(a);
	sync_session_free(b);
	node_close(&st);
	node_close(&hub);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_gap_held_released),
		cmocka_unit_test(test_refused_untouched),
		cmocka_unit_test(test_oversized_commit),
		cmocka_unit_test(test_duplicate),
		cmocka_unit_test(test_bodies),
		cmocka_unit_test(test_group_commit),
		cmocka_unit_test(test_compact_chunks),
		cmocka_unit_test(test_compact_old_peer),
		cmocka_unit_test(test_group_nowait),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
