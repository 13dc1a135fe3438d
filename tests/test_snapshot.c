// SPDX-License-Identifier: MIT
/*
 * test_snapshot.c - signed snapshots (sync/snap.c S1-S8, crdt/snapshot.c):
 * a new station enrolled in a county with history starts from the hub's
 * snapshots of the county scope and of its station's scope, holds then the
 * hub's digest of them, and a session after it brings only what is newer;
 * and every refusal (a forged signature, a changed byte, a signer that is
 * not a hub, an unknown signer, a cut file, oversized lengths, a scope not
 * asked for, a station scope without its key or not sealed) leaves the
 * replica untouched; a relay checks the hub's snapshot it keeps to pass
 * on without importing it (S9), sealed station scopes unread.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdlib.h>
#include <sodium.h>

#include "base/err.h"
#include "base/mem.h"
#include "sync/sync.h"
#include "tests/golden.h"
#include "tests/helpers.h"

#define T0 T_DAY0
#define DAY (24ULL * 3600 * 1000)

struct t_node {
	struct sync_identity id;
	struct crdt_store *st;
	struct sync_ctx *ctx;
	struct buf cert;
	uint8_t root[32];
};

static const char *dir;
static struct sync_identity root;

static int setup(void **state)
{
	uint8_t seed[32];
	(void)state;
	dir = t_tmpdir();
	memset(seed, 1, sizeof(seed));
	return sync_identity_from_seed(&root, seed);
}

static int teardown(void **state)
{
	(void)state;
	sync_identity_release(&root);
	t_rmdir(dir);
	return 0;
}

static void t_statement(struct sync_statement *st, const uint8_t *node, const char *station, uint8_t role)
{
	memset(st, 0, sizeof(*st));
	memcpy(st->node, node, 32);
	snprintf(st->station, sizeof(st->station), "%s", station);
	st->role = role;
	st->not_after = T0 + 365 * DAY;
	assert_int_equal(sync_statement_sign(st, &root), 0);
}

/* A node: trust on (with_root) and its certificate, or no county root. */
static void t_open(struct t_node *n, const char *name, uint8_t seedb, const char *station, uint8_t role,
		   bool with_root)
{
	struct crdt_options co = { .no_sync = true };
	struct sync_options o;
	struct sync_statement st;
	uint8_t seed[32];
	char path[256];

	memset(n, 0, sizeof(*n));
	memset(seed, seedb, sizeof(seed));
	assert_int_equal(sync_identity_from_seed(&n->id, seed), 0);
	buf_init(&n->cert, SYNC_STMT_MAX);
	memset(&o, 0, sizeof(o));
	if (role == SYNC_ROLE_HUB || !station) {
		o.apply.all = true;
	} else {
		sync_scopes_add(&o.apply, station);
		sync_scopes_add(&o.apply, "");
	}
	o.carry_others = true;
	memcpy(n->root, root.pk, 32);
	if (with_root) {
		o.county_root = n->root;
		if (station) {
			t_statement(&st, n->id.pk, station, role);
			sync_statement_encode(&n->cert, &st);
			o.self_cert = n->cert.data;
			o.self_cert_len = n->cert.len;
		}
	}
	snprintf(path, sizeof(path), "%s/%s.db", dir, name);
	assert_int_equal(crdt_store_open(&n->st, path, n->id.pk, &co), 0);
	assert_int_equal(sync_ctx_new(&n->ctx, n->st, &n->id, &o), 0);
}

static void t_open_root(struct t_node *n, const char *name)
{
	struct crdt_options co = { .no_sync = true };
	struct sync_options o;
	char path[256];
	memset(n, 0, sizeof(*n));
	buf_init(&n->cert, 16);
	memset(&o, 0, sizeof(o));
	o.apply.all = true;
	snprintf(path, sizeof(path), "%s/%s.db", dir, name);
	assert_int_equal(crdt_store_open(&n->st, path, root.pk, &co), 0);
	assert_int_equal(sync_ctx_new(&n->ctx, n->st, &root, &o), 0);
}

static void t_close(struct t_node *n)
{
	sync_ctx_free(n->ctx);
	crdt_store_close(n->st);
	sync_identity_release(&n->id);
	buf_release(&n->cert);
}

static void t_enrol(struct t_node *r, const uint8_t *node, const char *station, uint8_t role, uint64_t t)
{
	struct sync_statement st;
	struct sync_trust_row row;
	t_statement(&st, node, station, role);
	assert_int_equal(sync_statement_row(&row, &st), 0);
	assert_int_equal(crdt_commit_local(r->st, t, "", &row.w, 1, NULL), 0);
}

/* A session from a (initiator) to b until both are idle; b's report. */
static void t_session(struct t_node *a, struct t_node *b, uint64_t t, struct sync_report *rep)
{
	struct sync_session *sa, *sb;
	struct sync_session_options oa = { .initiator = true }, ob = { 0 };
	struct buf m;
	buf_init(&m, SYNC_CHUNK_MAX);
	oa.cert = a->cert.data;
	oa.cert_len = a->cert.len;
	ob.cert = b->cert.data;
	ob.cert_len = b->cert.len;
	assert_int_equal(sync_session_new(&sa, a->ctx, &oa, t), 0);
	assert_int_equal(sync_session_new(&sb, b->ctx, &ob, t), 0);
	for (int round = 0; round < 400 && !(sync_session_idle(sa) && sync_session_idle(sb)); round++) {
		while (sync_session_output(sa, &m, t) == 1)
			assert_int_equal(sync_session_input(sb, m.data, m.len, t, NULL), 0);
		while (sync_session_output(sb, &m, t) == 1)
			assert_int_equal(sync_session_input(sa, m.data, m.len, t, NULL), 0);
	}
	assert_true(sync_session_idle(sa) && sync_session_idle(sb));
	if (rep)
		*rep = *sync_session_report(sa);
	sync_session_free(sa);
	sync_session_free(sb);
	buf_release(&m);
}

static void t_bundle(struct t_node *a, struct t_node *b, uint64_t t)
{
	char path[256];
	struct sync_report rep;
	snprintf(path, sizeof(path), "%s/carry.bundle", dir);
	assert_int_equal(sync_bundle_export_path(a->ctx, path, NULL, 0, NULL), 0);
	memset(&rep, 0, sizeof(rep));
	assert_int_equal(sync_bundle_import(b->ctx, path, t, &rep), 0);
}

static void t_volunteer(struct t_node *n, const char *pk, const char *station, const char *phone, uint64_t t)
{
	struct crdt_write w;
	crdt_write_init(&w, CRDT_T_VOLUNTEERS, CRDT_UPSERT, pk);
	crdt_write_set_text(&w, CRDT_C_VOLUNTEERS_NAME, "王芳");
	crdt_write_set_text(&w, CRDT_C_VOLUNTEERS_PHONE, phone);
	crdt_write_set_text(&w, CRDT_C_VOLUNTEERS_STATION, station);
	assert_int_equal(crdt_commit_local(n->st, t, station, &w, 1, NULL), 0);
}

static void t_station_row(struct t_node *n, const char *pk, uint64_t t)
{
	struct crdt_write w;
	crdt_write_init(&w, CRDT_T_STATIONS, CRDT_UPSERT, pk);
	crdt_write_set_text(&w, CRDT_C_STATIONS_NAME, "东村");
	crdt_write_set_text(&w, CRDT_C_STATIONS_LEVEL, "village");
	assert_int_equal(crdt_commit_local(n->st, t, "", &w, 1, NULL), 0);
}

static void t_digest(struct t_node *n, const char *scope, uint8_t d[32])
{
	assert_int_equal(crdt_store_digest(n->st, scope, d), 0);
}

/* A county with history: the root, a hub, station s1 with 40 volunteers
 * over 20 commits, a station row in the county scope; everything at the
 * hub. */
static void t_county(struct t_node *r, struct t_node *hub, struct t_node *s1, int k)
{
	char name[32];
	snprintf(name, sizeof(name), "root%d", k);
	t_open_root(r, name);
	snprintf(name, sizeof(name), "hub%d", k);
	t_open(hub, name, (uint8_t)(20 + k), "c01", SYNC_ROLE_HUB, true);
	snprintf(name, sizeof(name), "s1-%d", k);
	t_open(s1, name, (uint8_t)(40 + k), "s1", SYNC_ROLE_STATION, true);
	t_enrol(r, hub->id.pk, "c01", SYNC_ROLE_HUB, T0);
	t_enrol(r, s1->id.pk, "s1", SYNC_ROLE_STATION, T0 + 1);
	t_bundle(r, hub, T0 + 10);
	t_bundle(r, s1, T0 + 10);
	for (int i = 0; i < 40; i++) {
		char pk[32], phone[16];
		snprintf(pk, sizeof(pk), "s1-v%d", i % 20);
		snprintf(phone, sizeof(phone), "138%08d", i);
		t_volunteer(s1, pk, "s1", phone, T0 + 100 + (uint64_t)i);
	}
	t_station_row(s1, "s1", T0 + 200);
	t_session(s1, hub, T0 + 300, NULL);
}

static void test_snapshot_bootstrap(void **state)
{
	struct t_node r, hub, s1, nb;
	struct buf county, station;
	struct sync_snap_info info;
	uint8_t want[32], got[32];
	struct sync_report rep;
	(void)state;

	t_county(&r, &hub, &s1, 1);
	/* a new board for station s1 (the old one's disk died), enrolled */
	t_open(&nb, "newboard", 61, "s1", SYNC_ROLE_STATION, true);
	t_enrol(&r, nb.id.pk, "s1", SYNC_ROLE_STATION, T0 + 400);
	t_bundle(&r, &hub, T0 + 410);

	buf_init(&county, SYNC_SNAP_MAX);
	buf_init(&station, SYNC_SNAP_MAX);
	assert_int_equal(sync_snapshot_make(hub.ctx, "", T0 + 500, &county, &info), 0);
	assert_false(info.sealed); /* the county scope is never sealed */
	assert_int_equal(sync_snapshot_make(hub.ctx, "s1", T0 + 500, &station, &info), 0);
	assert_true(info.sealed);
	/* no phone number of the station in clear in its snapshot */
	for (size_t i = 0; i + 11 <= station.len; i++)
		assert_false(memcmp(station.data + i, "13800000007", 11) == 0);

	/* the new board knows nobody yet but the root: the hub's statement
	 * inside the snapshot vouches for it (S3) */
	assert_int_equal(sync_snapshot_apply(nb.ctx, county.data, county.len, "", NULL, T0 + 600, &info), 0);
	assert_int_equal(sync_snapshot_apply(nb.ctx, station.data, station.len, "s1", NULL, T0 + 600, &info), 0);
	assert_true(info.nheads >= 1);
	t_digest(&hub, "s1", want);
	t_digest(&nb, "s1", got);
	assert_memory_equal(want, got, 32);
	t_digest(&hub, "", want);
	t_digest(&nb, "", got);
	assert_memory_equal(want, got, 32);
	/* the feed of s1 is held up to the hub's head: nothing of it resent */
	struct crdt_vv_entry v;
	memcpy(v.author, s1.id.pk, 32);
	snprintf(v.scope, sizeof(v.scope), "s1");
	assert_int_equal(crdt_store_heads(nb.st, &v, 1), 0);
	assert_int_equal(v.seq, 40);
	/* importing it again changes nothing */
	assert_int_equal(sync_snapshot_apply(nb.ctx, station.data, station.len, "s1", NULL, T0 + 610, &info), 0);
	t_digest(&nb, "s1", got);
	t_digest(&hub, "s1", want);
	assert_memory_equal(want, got, 32);

	/* the station writes more; the hub gets it; the new board's session
	 * brings only that (and the root's feed, never in a snapshot: S8) */
	t_volunteer(&s1, "s1-v99", "s1", "13999999999", T0 + 700);
	t_session(&s1, &hub, T0 + 710, NULL);
	t_session(&nb, &hub, T0 + 720, &rep);
	assert_int_equal(rep.refused, 0);
	assert_true(rep.applied >= 1);
	assert_true(rep.applied < 10); /* the 41 commits of s1 are not replayed */
	t_digest(&hub, "s1", want);
	t_digest(&nb, "s1", got);
	assert_memory_equal(want, got, 32);
	/* the new board's own commits chain on and reach the hub */
	t_volunteer(&nb, "s1-v100", "s1", "13700000000", T0 + 800);
	t_session(&nb, &hub, T0 + 810, &rep);
	t_digest(&hub, "s1", want);
	t_digest(&nb, "s1", got);
	assert_memory_equal(want, got, 32);

	buf_release(&county);
	buf_release(&station);
	t_close(&r);
	t_close(&hub);
	t_close(&s1);
	t_close(&nb);
}

/* Re-sign p (a snapshot whose bytes a test changed) with id. */
static void t_resign(struct buf *b, const struct sync_identity *id)
{
	crypto_sign_state st;
	crypto_sign_init(&st);
	crypto_sign_update(&st, (const uint8_t *)"cunlian-snap-v1", 15);
	crypto_sign_update(&st, b->data, b->len - 64);
	crypto_sign_final_create(&st, b->data + b->len - 64, NULL, id->sk);
}

/* What apply of p says, and that the replica did not change. */
static int t_refused(struct t_node *n, const uint8_t *p, size_t len, const char *scope, const uint8_t *peer)
{
	uint8_t before[32], after[32];
	struct sync_snap_info info;
	struct crdt_vv_entry *vv = NULL;
	size_t nvv = 0, nvv2 = 0;
	t_digest(n, NULL, before);
	assert_int_equal(crdt_store_vv(n->st, &vv, &nvv), 0);
	mem_free(vv);
	int rc = sync_snapshot_apply(n->ctx, p, len, scope, peer, T0 + 900, &info);
	if (rc)
		assert_non_null(info.why);
	t_digest(n, NULL, after);
	assert_memory_equal(before, after, 32);
	assert_int_equal(crdt_store_vv(n->st, &vv, &nvv2), 0);
	mem_free(vv);
	assert_int_equal(nvv, nvv2);
	return rc;
}

static void test_snapshot_refusals(void **state)
{
	struct t_node r, hub, s1, nb, s2, stranger, plain;
	struct buf good, bad;
	(void)state;

	t_county(&r, &hub, &s1, 2);
	t_open(&nb, "nb2", 62, "s1", SYNC_ROLE_STATION, true);
	t_open(&s2, "s2-2", 63, "s2", SYNC_ROLE_STATION, true);
	t_enrol(&r, nb.id.pk, "s1", SYNC_ROLE_STATION, T0 + 400);
	t_enrol(&r, s2.id.pk, "s2", SYNC_ROLE_STATION, T0 + 401);
	t_bundle(&r, &hub, T0 + 410);
	t_bundle(&r, &s2, T0 + 410);
	t_session(&s2, &hub, T0 + 420, NULL);
	buf_init(&good, SYNC_SNAP_MAX);
	buf_init(&bad, SYNC_SNAP_MAX + 1024);
	assert_int_equal(sync_snapshot_make(hub.ctx, "s1", T0 + 500, &good, NULL), 0);

	/* forged: any byte changed, the signature included */
	for (size_t i = 0; i < good.len; i += 1 + good.len / 97) {
		buf_reset(&bad);
		buf_put(&bad, good.data, good.len);
		bad.data[i] ^= 0x20;
		int rc = t_refused(&nb, bad.data, bad.len, "s1", NULL);
		assert_true(rc == ERR_BADSIG || rc == ERR_CORRUPT || rc == ERR_TOOBIG || rc == ERR_UNAUTH);
	}
	/* truncated anywhere */
	for (size_t n = 0; n < good.len; n += 1 + good.len / 61)
		assert_int_not_equal(t_refused(&nb, good.data, n, "s1", NULL), 0);
	/* bytes after its end */
	buf_reset(&bad);
	buf_put(&bad, good.data, good.len);
	buf_put_u8(&bad, 0);
	assert_int_equal(t_refused(&nb, bad.data, bad.len, "s1", NULL), ERR_CORRUPT);
	/* oversized: the whole, and a raw length past the bound (signed) */
	assert_int_equal(t_refused(&nb, good.data, SYNC_SNAP_MAX + 1, "s1", NULL), ERR_TOOBIG);
	buf_reset(&bad);
	buf_put(&bad, good.data, good.len);
	{
		size_t off = 4 + 1 + 1 + 1 + 2 + 32; /* magic, version, flags, scope "s1", signer */
		size_t cl = (size_t)bad.data[off] << 8 | bad.data[off + 1];
		off += 2 + cl + 8; /* cert, made_ms: raw_len */
		bad.data[off] = 0x7f;
		t_resign(&bad, &hub.id);
		assert_int_equal(t_refused(&nb, bad.data, bad.len, "s1", NULL), ERR_TOOBIG);
		bad.data[off] = good.data[off];
		bad.data[off + 3] ^= 1; /* a raw length the hub signed, but not the one it sealed */
		t_resign(&bad, &hub.id);
		assert_int_equal(t_refused(&nb, bad.data, bad.len, "s1", NULL), ERR_BADSIG);
	}
	/* wrong scope: not the one asked for; not one this station keeps */
	assert_int_equal(t_refused(&nb, good.data, good.len, "", NULL), ERR_UNAUTH);
	assert_int_equal(t_refused(&s2, good.data, good.len, NULL, NULL), ERR_UNAUTH);
	/* wrong signer: a station (enrolled, not a hub) */
	buf_reset(&good);
	assert_int_equal(sync_snapshot_make(s2.ctx, "", T0 + 500, &good, NULL), 0);
	assert_int_equal(t_refused(&hub, good.data, good.len, "", NULL), ERR_UNAUTH);
	/* wrong signer: a key of no county, whose statement is its own */
	t_open(&stranger, "stranger", 64, "c01", SYNC_ROLE_HUB, false);
	t_station_row(&stranger, "s1", T0 + 450);
	buf_reset(&good);
	assert_int_equal(sync_snapshot_make(stranger.ctx, "", T0 + 500, &good, NULL), 0);
	assert_int_equal(t_refused(&nb, good.data, good.len, "", NULL), ERR_UNAUTH);
	/* a station scope not sealed, where trust is on */
	buf_reset(&good);
	assert_int_equal(sync_snapshot_make(stranger.ctx, "s1", T0 + 500, &good, NULL), 0);
	assert_int_equal(t_refused(&hub, good.data, good.len, "s1", NULL), ERR_UNAUTH);
	/* an unenrolled county: only the peer it syncs with */
	t_open(&plain, "plain", 65, NULL, 0, false);
	assert_int_equal(t_refused(&plain, good.data, good.len, "s1", hub.id.pk), ERR_UNAUTH);
	assert_int_equal(t_refused(&plain, good.data, good.len, "s1", NULL), ERR_UNAUTH);
	assert_int_equal(sync_snapshot_apply(plain.ctx, good.data, good.len, "s1", stranger.id.pk, T0 + 900, NULL), 0);
	/* a hub revoked before it made the snapshot */
	{
		struct t_node hub2;
		struct sync_trust_row row;
		t_open(&hub2, "hub2-2", 66, "c01", SYNC_ROLE_HUB, true);
		t_enrol(&r, hub2.id.pk, "c01", SYNC_ROLE_HUB, T0 + 440);
		assert_int_equal(sync_revocation_row(&row, hub2.id.pk, "", 0, T0 + 450, T0 + 450), 0);
		assert_int_equal(crdt_commit_local(r.st, T0 + 450, "", &row.w, 1, NULL), 0);
		t_bundle(&r, &nb, T0 + 460);
		buf_reset(&good);
		assert_int_equal(sync_snapshot_make(hub2.ctx, "", T0 + 500, &good, NULL), 0);
		assert_int_equal(t_refused(&nb, good.data, good.len, "", NULL), ERR_REVOKED);
		t_close(&hub2);
	}

	buf_release(&good);
	buf_release(&bad);
	t_close(&r);
	t_close(&hub);
	t_close(&s1);
	t_close(&nb);
	t_close(&s2);
	t_close(&stranger);
	t_close(&plain);
}

/* What sync_snapshot_check of p says, and that the replica did not change
 * (a relay never imports what it keeps, S9). */
static int t_checked(struct t_node *n, const uint8_t *p, size_t len, const char *scope, unsigned how,
		     struct sync_snap_feed **feeds, size_t *nfeeds, bool *opened)
{
	uint8_t before[32], after[32];
	struct sync_snap_info info;
	struct crdt_vv_entry *vv = NULL;
	size_t nvv = 0, nvv2 = 0;
	t_digest(n, NULL, before);
	assert_int_equal(crdt_store_vv(n->st, &vv, &nvv), 0);
	mem_free(vv);
	int rc = sync_snapshot_check(n->ctx, p, len, scope, NULL, how, &info, feeds, nfeeds, opened);
	if (rc) {
		assert_non_null(info.why);
		assert_null(*feeds);
	}
	t_digest(n, NULL, after);
	assert_memory_equal(before, after, 32);
	assert_int_equal(crdt_store_vv(n->st, &vv, &nvv2), 0);
	mem_free(vv);
	assert_int_equal(nvv, nvv2);
	return rc;
}

/* A relay (station s2) keeps the hub's snapshots to pass them on (S9):
 * it checks the county's in full and reads its heads, checks s1's sealed
 * one up to S5 without opening it, imports neither, refuses what apply
 * refuses; the bytes it passes on are what a new board of s1 takes, and
 * skipping the signature (bytes it checked when it kept them) is only for
 * passing on: the station still refuses a changed signature. */
static void test_snapshot_relay(void **state)
{
	struct t_node r, hub, s1, relay, nb;
	struct buf county, station, bad;
	struct sync_snap_feed *feeds = NULL;
	size_t nfeeds = 0;
	bool opened = false;
	uint8_t want[32], got[32];
	(void)state;

	t_county(&r, &hub, &s1, 4);
	t_open(&relay, "relay4", 71, "s2", SYNC_ROLE_STATION, true);
	t_open(&nb, "nb4", 72, "s1", SYNC_ROLE_STATION, true);
	t_enrol(&r, relay.id.pk, "s2", SYNC_ROLE_STATION, T0 + 400);
	t_enrol(&r, nb.id.pk, "s1", SYNC_ROLE_STATION, T0 + 401);
	t_bundle(&r, &hub, T0 + 410);
	t_bundle(&r, &relay, T0 + 410);
	buf_init(&county, SYNC_SNAP_MAX);
	buf_init(&station, SYNC_SNAP_MAX);
	buf_init(&bad, SYNC_SNAP_MAX);
	assert_int_equal(sync_snapshot_make(hub.ctx, "", T0 + 500, &county, NULL), 0);
	assert_int_equal(sync_snapshot_make(hub.ctx, "s1", T0 + 500, &station, NULL), 0);

	/* the county's: checked in full, its heads read, nothing imported */
	assert_int_equal(t_checked(&relay, county.data, county.len, "", 0, &feeds, &nfeeds, &opened), 0);
	assert_true(opened);
	assert_true(nfeeds >= 1);
	bool s1_feed = false; /* s1's station row, in the county scope */
	for (size_t i = 0; i < nfeeds; i++)
		s1_feed |= memcmp(feeds[i].author, s1.id.pk, 32) == 0 && feeds[i].seq >= 1;
	assert_true(s1_feed);
	mem_free(feeds);
	/* s1's: sealed for s1's readers; the relay checks the signer and the
	 * scope, cannot open it, and passes it on unread */
	assert_int_equal(t_checked(&relay, station.data, station.len, "s1", 0, &feeds, &nfeeds, &opened), 0);
	assert_false(opened);
	assert_int_equal(nfeeds, 0);
	assert_null(feeds);
	/* not the scope asked for */
	assert_int_equal(t_checked(&relay, station.data, station.len, "s3", 0, &feeds, &nfeeds, &opened), ERR_UNAUTH);
	/* any byte changed: refused, sealed or not */
	for (size_t i = 0; i < station.len; i += 1 + station.len / 37) {
		buf_reset(&bad);
		buf_put(&bad, station.data, station.len);
		bad.data[i] ^= 0x20;
		assert_int_not_equal(t_checked(&relay, bad.data, bad.len, "s1", 0, &feeds, &nfeeds, &opened), 0);
	}
	/* signed by a station (enrolled, not a hub) */
	buf_reset(&bad);
	assert_int_equal(sync_snapshot_make(s1.ctx, "", T0 + 500, &bad, NULL), 0);
	assert_int_equal(t_checked(&relay, bad.data, bad.len, "", 0, &feeds, &nfeeds, &opened), ERR_UNAUTH);

	/* passing on (NOSIG) reads a changed signature's bytes; the station
	 * that takes them refuses them and changes nothing */
	buf_reset(&bad);
	buf_put(&bad, county.data, county.len);
	bad.data[bad.len - 1] ^= 1;
	assert_int_equal(t_checked(&relay, bad.data, bad.len, "", SYNC_SNAP_NOSIG, &feeds, &nfeeds, &opened), 0);
	mem_free(feeds);
	assert_int_equal(t_refused(&nb, bad.data, bad.len, "", NULL), ERR_BADSIG);
	/* the bytes the relay kept are the hub's: the new board takes them */
	assert_int_equal(sync_snapshot_apply(nb.ctx, county.data, county.len, "", NULL, T0 + 600, NULL), 0);
	assert_int_equal(sync_snapshot_apply(nb.ctx, station.data, station.len, "s1", NULL, T0 + 600, NULL), 0);
	t_digest(&hub, "s1", want);
	t_digest(&nb, "s1", got);
	assert_memory_equal(want, got, 32);

	buf_release(&county);
	buf_release(&station);
	buf_release(&bad);
	t_close(&r);
	t_close(&hub);
	t_close(&s1);
	t_close(&relay);
	t_close(&nb);
}

/* A station that lost its disk (the same key, an empty replica) recovers
 * from the hub's snapshots: its own feeds are held up to the hub's heads,
 * so its next commit takes the next seq (never one it gave away) and
 * chains on the head the snapshot named; the hub takes it. */
static void test_snapshot_recover(void **state)
{
	struct t_node r, hub, s1, lost;
	struct buf county, station;
	struct sync_report rep;
	uint8_t want[32], got[32];
	uint64_t seq = 0;
	(void)state;

	t_county(&r, &hub, &s1, 3);
	buf_init(&county, SYNC_SNAP_MAX);
	buf_init(&station, SYNC_SNAP_MAX);
	assert_int_equal(sync_snapshot_make(hub.ctx, "", T0 + 500, &county, NULL), 0);
	assert_int_equal(sync_snapshot_make(hub.ctx, "s1", T0 + 500, &station, NULL), 0);
	t_open(&lost, "s1-3-lost", 43, "s1", SYNC_ROLE_STATION, true); /* s1's key, a new disk */
	assert_memory_equal(lost.id.pk, s1.id.pk, 32);
	assert_int_equal(sync_snapshot_apply(lost.ctx, county.data, county.len, "", NULL, T0 + 600, NULL), 0);
	assert_int_equal(sync_snapshot_apply(lost.ctx, station.data, station.len, "s1", NULL, T0 + 600, NULL), 0);
	assert_int_equal(crdt_store_own_seq(lost.st, "s1", &seq), 0);
	assert_int_equal(seq, 40);
	assert_int_equal(crdt_store_own_seq(lost.st, "", &seq), 0);
	assert_int_equal(seq, 1);
	t_volunteer(&lost, "s1-v50", "s1", "13500000000", T0 + 700); /* seq 41, chained on the base */
	t_station_row(&lost, "s1", T0 + 701);                        /* seq 2 in the county scope */
	t_session(&lost, &hub, T0 + 710, &rep);
	assert_int_equal(rep.refused, 0);
	t_digest(&hub, "s1", want);
	t_digest(&lost, "s1", got);
	assert_memory_equal(want, got, 32);
	memset(&rep, 0, sizeof(rep));
	struct crdt_vv_entry v;
	memcpy(v.author, s1.id.pk, 32);
	snprintf(v.scope, sizeof(v.scope), "s1");
	assert_int_equal(crdt_store_heads(hub.st, &v, 1), 0);
	assert_int_equal(v.seq, 41); /* the hub took it: the chain links across the base */
	buf_release(&county);
	buf_release(&station);
	t_close(&r);
	t_close(&hub);
	t_close(&s1);
	t_close(&lost);
}

/* The container's bytes (docs/protocol.md "Snapshots"): a fixed key, fixed
 * commits and times, no county root (so not sealed: no random nonce):
 * the header fields where the layout puts them, and the whole as
 * tests/golden/snapshot.bin (CUNLIAN_GOLDEN_WRITE=1 writes it again). */
static void test_snapshot_golden(void **state)
{
	struct t_node n;
	struct buf b;
	struct sync_snap_info info;
	(void)state;
	t_open(&n, "golden", 70, NULL, 0, false);
	t_volunteer(&n, "s9-v1", "s9", "13800009999", T0 + 1);
	t_volunteer(&n, "s9-v1", "s9", "13800009998", T0 + 2);
	buf_init(&b, SYNC_SNAP_MAX);
	assert_int_equal(sync_snapshot_make(n.ctx, "s9", T0 + 100, &b, &info), 0);
	assert_false(info.sealed);
	const uint8_t *p = b.data;
	assert_memory_equal(p, "CLSN", 4);
	assert_int_equal(p[4], 1);             /* version */
	assert_int_equal(p[5], 0);             /* flags: not sealed */
	assert_int_equal(p[6], 2);             /* scope "s9" */
	assert_memory_equal(p + 7, "s9", 2);
	assert_memory_equal(p + 9, n.id.pk, 32); /* signer */
	assert_int_equal(p[41], 0);            /* no statement */
	assert_int_equal(p[42], 0);
	uint64_t made = 0;
	for (int i = 0; i < 8; i++)
		made = made << 8 | p[43 + i];
	assert_int_equal(made, T0 + 100);
	uint32_t raw = (uint32_t)p[51] << 24 | (uint32_t)p[52] << 16 | (uint32_t)p[53] << 8 | p[54];
	assert_int_equal(raw, info.raw_len);
	uint32_t m = (uint32_t)p[55] << 24 | (uint32_t)p[56] << 16 | (uint32_t)p[57] << 8 | p[58];
	assert_int_equal(59 + m + 64, b.len);
	t_golden_check("snapshot.bin", b.data, b.len);
	buf_release(&b);
	t_close(&n);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_snapshot_bootstrap),
		cmocka_unit_test(test_snapshot_refusals),
		cmocka_unit_test(test_snapshot_recover),
		cmocka_unit_test(test_snapshot_golden),
		cmocka_unit_test(test_snapshot_relay),
	};
	return cmocka_run_group_tests_name("snapshot", tests, setup, teardown);
}
