// SPDX-License-Identifier: MIT
/*
 * test_trust.c - who may write what: statements and requests (signatures,
 * tampering, sealed keys), every refusal of issue 4 (wrong key, expired,
 * revoked after and before the point, another station's data, a forged
 * root, a redemption without the right) with the digest unchanged, the
 * same commits from a legitimate author accepted, and encryption: a
 * bundle holds no plaintext of a station's scope, the hub reads it, a
 * station outside the scope carries it unread; the encrypted body's bytes
 * as docs/protocol.md gives them (derived nonce, format byte, zstd inside),
 * a body compression does not shorten stored as it is, and bombs, lies
 * and tampering inside an encrypted body refused.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <sodium.h>
#include <zstd.h>

#include "base/err.h"
#include "base/mem.h"
#include "sync/sync.h"
#include "sync/sync_internal.h"
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
static const struct sync_dict *t_dict; /* t_open gives nodes this dictionary */
static size_t t_chunk;                 /* and chunks of this size (0: the default) */

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

static void t_ident(struct sync_identity *id, uint8_t seedb)
{
	uint8_t seed[32];
	memset(seed, seedb, sizeof(seed));
	assert_int_equal(sync_identity_from_seed(id, seed), 0);
}

static void t_statement(struct sync_statement *st, const struct sync_identity *by, const uint8_t *node,
			const char *station, uint8_t role, uint64_t na)
{
	memset(st, 0, sizeof(*st));
	memcpy(st->node, node, 32);
	snprintf(st->station, sizeof(st->station), "%s", station);
	st->role = role;
	st->not_before = 0;
	st->not_after = na;
	assert_int_equal(sync_statement_sign(st, by), 0);
}

/* A node of the county: a replica, trust on, its own certificate. */
static void t_open(struct t_node *n, const char *name, uint8_t seedb, const char *station, uint8_t role)
{
	struct crdt_options co = { .no_sync = true };
	struct sync_options o;
	struct sync_statement st;
	char path[256];

	memset(n, 0, sizeof(*n));
	t_ident(&n->id, seedb);
	buf_init(&n->cert, SYNC_STMT_MAX);
	memset(&o, 0, sizeof(o));
	if (role == SYNC_ROLE_HUB || !station) {
		o.apply.all = true;
	} else {
		sync_scopes_add(&o.apply, station);
		sync_scopes_add(&o.apply, "");
	}
	o.carry_others = true;
	o.dict = t_dict;
	o.chunk_max = t_chunk;
	memcpy(n->root, root.pk, 32);
	o.county_root = n->root;
	if (station) {
		t_statement(&st, &root, n->id.pk, station, role, T0 + 365 * DAY);
		sync_statement_encode(&n->cert, &st);
		o.self_cert = n->cert.data;
		o.self_cert_len = n->cert.len;
	}
	snprintf(path, sizeof(path), "%s/%s.db", dir, name);
	assert_int_equal(crdt_store_open(&n->st, path, n->id.pk, &co), 0);
	assert_int_equal(sync_ctx_new(&n->ctx, n->st, &n->id, &o), 0);
}

/* The county root's own replica: no trust context, plain sealer. */
static void t_open_root(struct t_node *n, const struct sync_identity *who, const char *name)
{
	struct crdt_options co = { .no_sync = true };
	struct sync_options o;
	char path[256];
	memset(n, 0, sizeof(*n));
	buf_init(&n->cert, 16);
	n->id.sk = NULL;
	memset(&o, 0, sizeof(o));
	o.apply.all = true;
	snprintf(path, sizeof(path), "%s/%s.db", dir, name);
	assert_int_equal(crdt_store_open(&n->st, path, who->pk, &co), 0);
	assert_int_equal(sync_ctx_new(&n->ctx, n->st, who, &o), 0);
}

static void t_close(struct t_node *n)
{
	sync_ctx_free(n->ctx);
	crdt_store_close(n->st);
	sync_identity_release(&n->id);
	buf_release(&n->cert);
}

/* Reopen the sync context (as every cunlian run does). */
static void t_reopen(struct t_node *n, const char *station, uint8_t role)
{
	struct sync_options o;
	memset(&o, 0, sizeof(o));
	if (role == SYNC_ROLE_HUB) {
		o.apply.all = true;
	} else {
		sync_scopes_add(&o.apply, station);
		sync_scopes_add(&o.apply, "");
	}
	o.carry_others = true;
	o.county_root = n->root;
	o.self_cert = n->cert.data;
	o.self_cert_len = n->cert.len;
	sync_ctx_free(n->ctx);
	assert_int_equal(sync_ctx_new(&n->ctx, n->st, &n->id, &o), 0);
}

/* Reopen the sync context without the county's root: software that
 * sends whatever its log holds (an attacker's). */
static void t_untrusted(struct t_node *n)
{
	struct sync_options o;
	memset(&o, 0, sizeof(o));
	o.apply.all = true;
	sync_ctx_free(n->ctx);
	assert_int_equal(sync_ctx_new(&n->ctx, n->st, &n->id, &o), 0);
}

static void t_root_commit(struct t_node *r, const struct crdt_write *w, size_t n, uint64_t t)
{
	assert_int_equal(crdt_commit_local(r->st, t, "", w, n, NULL), 0);
}

static void t_enrol(struct t_node *r, const uint8_t *node, const char *station, uint8_t role,
		    uint64_t na, uint64_t t)
{
	struct sync_statement st;
	struct sync_trust_row row;
	t_statement(&st, &root, node, station, role, na);
	assert_int_equal(sync_statement_row(&row, &st), 0);
	t_root_commit(r, &row.w, 1, t);
}

/* Everything from a to b as one bundle in memory; the bundle bytes stay
 * in *file when asked. */
static void t_carry(struct t_node *a, struct t_node *b, uint64_t t, struct sync_report *rep,
		    struct buf *file)
{
	char path[256];
	snprintf(path, sizeof(path), "%s/carry.bundle", dir);
	assert_int_equal(sync_bundle_export_path(a->ctx, path, NULL, 0, NULL), 0);
	memset(rep, 0, sizeof(*rep));
	assert_int_equal(sync_bundle_import(b->ctx, path, t, rep), 0);
	if (file) {
		FILE *f = fopen(path, "rb");
		uint8_t chunk[4096];
		size_t k;
		buf_reset(file);
		while ((k = fread(chunk, 1, sizeof(chunk), f)) > 0)
			buf_put(file, chunk, k);
		fclose(f);
	}
}

static int t_reason(const struct sync_report *r, int rc)
{
	for (size_t i = 0; i < r->nreasons; i++)
		if (r->reasons[i].rc == rc)
			return (int)r->reasons[i].n;
	return 0;
}

static void t_digest(struct t_node *n, uint8_t d[32])
{
	assert_int_equal(crdt_store_digest(n->st, NULL, d), 0);
}

static void t_write_order(struct t_node *n, const char *scope, const char *pk, const char *station,
			  uint64_t t)
{
	struct crdt_write w;
	crdt_write_init(&w, 3, CRDT_UPSERT, pk);
	crdt_write_text(&w, "station", station);
	crdt_write_text(&w, "detail", "陪老人聊天");
	crdt_write_text(&w, "status", "open");
	crdt_write_text(&w, "requester_phone", "13912345678");
	assert_int_equal(crdt_commit_local(n->st, t, scope, &w, 1, NULL), 0);
}

static void t_write_volunteer(struct t_node *n, const char *pk, const char *station, uint64_t t)
{
	struct crdt_write w;
	crdt_write_init(&w, 1, CRDT_UPSERT, pk);
	crdt_write_text(&w, "name", "王芳");
	crdt_write_text(&w, "phone", "13800001111");
	crdt_write_text(&w, "station", station);
	assert_int_equal(crdt_commit_local(n->st, t, station, &w, 1, NULL), 0);
}

static void t_redeem(struct t_node *n, const char *scope, const char *pk, const char *vol, uint64_t t)
{
	struct crdt_write w;
	crdt_write_init(&w, 5, CRDT_UPSERT, pk);
	crdt_write_text(&w, "volunteer", vol);
	crdt_write_int(&w, "delta", -5);
	crdt_write_text(&w, "reason", "redeem");
	crdt_write_text(&w, "item", "毛巾");
	crdt_write_text(&w, "station", scope);
	assert_int_equal(crdt_commit_local(n->st, t, scope, &w, 1, NULL), 0);
}

/* A service credit written in the county-wide scope (a visiting volunteer's). */
static void t_away_credit(struct t_node *n, const char *pk, const char *order, const char *station,
			  uint64_t t)
{
	struct crdt_write w;
	char key[64];
	snprintf(key, sizeof(key), "service:%s", order);
	crdt_write_init(&w, 5, CRDT_UPSERT, pk);
	crdt_write_text(&w, "volunteer", "s9-v1");
	crdt_write_int(&w, "delta", 20);
	crdt_write_text(&w, "reason", "service");
	crdt_write_text(&w, "order", order);
	crdt_write_text(&w, "station", station);
	crdt_write_text(&w, "key", key);
	crdt_write_real(&w, "hours", 2);
	assert_int_equal(crdt_commit_local(n->st, t, "", &w, 1, NULL), 0);
}

/* ---- formats ------------------------------------------------------------ */

static void test_statement_and_request(void **state)
{
	struct sync_identity a, b;
	struct sync_statement st, back;
	struct sync_request rq;
	uint8_t key[32], want[32];
	struct buf e;
	(void)state;

	t_ident(&a, 3);
	t_ident(&b, 4);
	t_statement(&st, &root, a.pk, "s1", SYNC_ROLE_STATION, T0 + DAY);
	buf_init(&e, SYNC_STMT_MAX);
	sync_statement_encode(&e, &st);
	assert_int_equal(e.err, 0);
	assert_int_equal(sync_statement_decode(e.data, e.len, &back), 0);
	assert_string_equal(back.station, "s1");
	assert_memory_equal(back.node, a.pk, 32);
	/* every byte flip is refused */
	for (size_t i = 0; i < e.len; i++) {
		e.data[i] ^= 0x40;
		assert_int_not_equal(sync_statement_decode(e.data, e.len, &back), 0);
		e.data[i] ^= 0x40;
	}
	assert_int_not_equal(sync_statement_decode(e.data, e.len - 1, &back), 0);
	/* the key opens only for its node */
	assert_int_equal(sync_statement_key(&st, &a, key), 0);
	assert_int_not_equal(sync_statement_key(&st, &b, want), 0);
	/* a forged statement: signed by another key, it names that key as root */
	t_statement(&st, &b, a.pk, "s1", SYNC_ROLE_HUB, T0 + DAY);
	assert_memory_not_equal(st.root, root.pk, 32);
	buf_reset(&e);
	assert_int_equal(sync_request_make(&e, &a, "s1", "一村", T0), 0);
	assert_int_equal(sync_request_decode(e.data, e.len, &rq), 0);
	assert_string_equal(rq.name, "一村");
	e.data[10] ^= 1;
	assert_int_equal(sync_request_decode(e.data, e.len, &rq), ERR_BADSIG);
	buf_release(&e);
	sync_identity_release(&a);
	sync_identity_release(&b);
}

/* ---- who may write what -------------------------------------------------- */

static void test_refusals(void **state)
{
	struct t_node r, hub, s1, s2, out;
	struct sync_identity fake;
	struct sync_report rep;
	uint8_t before[32], after[32];
	(void)state;

	t_open_root(&r, &root, "root");
	t_open(&hub, "hub", 2, "c01", SYNC_ROLE_HUB);
	t_open(&s1, "s1", 3, "s1", SYNC_ROLE_STATION);
	t_open(&s2, "s2", 4, "s2", SYNC_ROLE_STATION);
	t_open(&out, "out", 5, NULL, 0);          /* never enrolled: a wrong key */
	t_enrol(&r, hub.id.pk, "c01", SYNC_ROLE_HUB, T0 + 365 * DAY, T0);
	t_enrol(&r, s1.id.pk, "s1", SYNC_ROLE_STATION, T0 + 365 * DAY, T0 + 1);
	t_enrol(&r, s2.id.pk, "s2", SYNC_ROLE_STATION, T0 + 365 * DAY, T0 + 2);
	t_carry(&r, &hub, T0 + 10, &rep, NULL);
	assert_int_equal(rep.refused, 0);
	assert_int_equal(rep.applied, 3);
	t_carry(&r, &s2, T0 + 10, &rep, NULL);
	assert_int_equal(rep.refused, 0);

	/* wrong key: an outsider's order for s1. With the county's root
	 * configured, the outsider's node never sends a station's data that
	 * is not encrypted (trust.c G6): nothing of s1 leaves it ... */
	t_digest(&hub, before);
	t_write_order(&out, "s1", "s1-o9", "s1", T0 + 20);
	t_carry(&out, &hub, T0 + 30, &rep, NULL);
	assert_int_equal(sync_ctx_withheld(out.ctx), 1);
	assert_int_equal(rep.applied + rep.refused + rep.carried, 0);
	t_untrusted(&out); /* ... so it sends it with software that knows no county */
	t_carry(&out, &hub, T0 + 30, &rep, NULL);
	assert_int_equal(rep.applied, 0);
	assert_int_equal(t_reason(&rep, ERR_UNAUTH), 1);
	t_digest(&hub, after);
	assert_memory_equal(before, after, 32);

	/* a forged root: a fake key writes a statement for the outsider */
	t_ident(&fake, 7);
	struct t_node fr;
	t_open_root(&fr, &fake, "fake");
	{
		struct sync_statement st;
		struct sync_trust_row row;
		t_statement(&st, &fake, out.id.pk, "s1", SYNC_ROLE_HUB, T0 + 365 * DAY);
		assert_int_equal(sync_statement_row(&row, &st), 0);
		t_root_commit(&fr, &row.w, 1, T0 + 40);
	}
	t_carry(&fr, &hub, T0 + 50, &rep, NULL);
	assert_int_equal(rep.applied, 0);
	assert_int_equal(t_reason(&rep, ERR_UNAUTH), 1);
	t_carry(&out, &hub, T0 + 60, &rep, NULL);
	assert_int_equal(rep.applied, 0);
	t_digest(&hub, after);
	assert_memory_equal(before, after, 32);
	t_close(&fr);
	sync_identity_release(&fake);

	/* a station writing another station's orders: in s2's scope, and in
	 * its own scope with s2's station */
	struct t_node s1x;
	t_open(&s1x, "s1x", 3, "s1", SYNC_ROLE_STATION); /* same key, a second replica */
	t_write_order(&s1x, "s2", "s2-o1", "s2", T0 + 70);
	t_carry(&s1x, &hub, T0 + 80, &rep, NULL);
	assert_int_equal(sync_ctx_withheld(s1x.ctx), 1); /* no key of s2: never sent in plaintext */
	t_untrusted(&s1x);
	t_carry(&s1x, &hub, T0 + 80, &rep, NULL);
	assert_int_equal(rep.applied, 0);
	assert_true(t_reason(&rep, ERR_UNAUTH) >= 1);
	t_close(&s1x);
	t_write_order(&s1, "s1", "s1-o1", "s2", T0 + 90);
	t_carry(&s1, &hub, T0 + 100, &rep, NULL);
	assert_int_equal(rep.applied, 0);
	assert_int_equal(t_reason(&rep, ERR_UNAUTH), 1);
	t_digest(&hub, after);
	assert_memory_equal(before, after, 32);

	/* the same kind of commits from a legitimate author are accepted:
	 * s2's own order and volunteer */
	t_write_order(&s2, "s2", "s2-o1", "s2", T0 + 110);
	t_write_volunteer(&s2, "s2-v1", "s2", T0 + 111);
	t_carry(&s2, &hub, T0 + 120, &rep, NULL);
	assert_int_equal(rep.refused, 0);
	assert_int_equal(rep.applied, 2);

	/* a redemption from a node without the spending right: s1 redeems
	 * s2's volunteer (with a fresh replica of s1's key; its feed above
	 * is stuck at the refused commit) */
	struct t_node s1y;
	t_open(&s1y, "s1y", 8, "s1", SYNC_ROLE_STATION);
	t_enrol(&r, s1y.id.pk, "s1", SYNC_ROLE_STATION, T0 + 365 * DAY, T0 + 125);
	t_carry(&r, &hub, T0 + 126, &rep, NULL);
	t_digest(&hub, before);
	t_redeem(&s1y, "s1", "s1-p1", "s2-v1", T0 + 130);
	t_carry(&s1y, &hub, T0 + 140, &rep, NULL);
	assert_int_equal(rep.applied, 0);
	assert_int_equal(t_reason(&rep, ERR_UNAUTH), 1);
	t_digest(&hub, after);
	assert_memory_equal(before, after, 32);
	/* and from the right holder it is accepted */
	t_redeem(&s2, "s2", "s2-p1", "s2-v1", T0 + 150);
	t_carry(&s2, &hub, T0 + 160, &rep, NULL);
	assert_int_equal(rep.refused, 0);
	assert_int_equal(rep.applied, 1);
	t_close(&s1y);

	t_close(&r);
	t_close(&hub);
	t_close(&s1);
	t_close(&s2);
	t_close(&out);
}

/* A county: its root, two hubs and stations s1 and s2, enrolled, each
 * holding every statement; homes and seeds from n (one county a test). */
static void t_county_open(struct t_node *r, struct t_node *hub, struct t_node *hub2, struct t_node *s1,
			  struct t_node *s2, int n)
{
	struct t_node *all[] = { hub, hub2, s1, s2 };
	static const char *const station[] = { "c01", "c01", "s1", "s2" };
	static const uint8_t role[] = { SYNC_ROLE_HUB, SYNC_ROLE_HUB, SYNC_ROLE_STATION, SYNC_ROLE_STATION };
	static const char *const pre[] = { "hub", "hub", "s1", "s2" }, *const post[] = { "", "b", "", "" };
	struct sync_report rep;
	char home[32];

	snprintf(home, sizeof(home), "root%d", n);
	t_open_root(r, &root, home);
	for (int i = 0; i < 4; i++) {
		snprintf(home, sizeof(home), "%s%d%s", pre[i], n, post[i]);
		t_open(all[i], home, (uint8_t)(10 * n + 2 + i), station[i], role[i]);
		t_enrol(r, all[i]->id.pk, station[i], role[i], T0 + 365 * DAY, T0 + (uint64_t)i);
	}
	for (int i = 0; i < 4; i++)
		t_carry(r, all[i], T0 + 10, &rep, NULL);
}

static void t_county_close(struct t_node *r, struct t_node *hub, struct t_node *hub2, struct t_node *s1,
			   struct t_node *s2)
{
	t_close(r);
	t_close(hub);
	t_close(hub2);
	t_close(s1);
	t_close(s2);
}

/* Teams, hours and recognition (issue 17): a team row, and a ledger row
 * with reason "adjust", "hours" or "reversal", in scope. */
static void t_team(struct t_node *n, const char *scope, const char *pk, const char *station, uint64_t t)
{
	struct crdt_write w;
	crdt_write_init(&w, CRDT_T_TEAMS, CRDT_UPSERT, pk);
	crdt_write_set_text(&w, CRDT_C_TEAMS_NAME, "红马甲");
	crdt_write_set_text(&w, CRDT_C_TEAMS_STATION, station);
	assert_int_equal(crdt_commit_local(n->st, t, scope, &w, 1, NULL), 0);
}

static void t_ledger(struct t_node *n, const char *scope, const char *pk, const char *vol,
		     const char *reason, int64_t delta, uint64_t t)
{
	struct crdt_write w;
	crdt_write_init(&w, CRDT_T_POINTS, CRDT_UPSERT, pk);
	crdt_write_set_text(&w, CRDT_C_POINTS_VOLUNTEER, vol);
	crdt_write_set_int(&w, CRDT_C_POINTS_DELTA, delta);
	crdt_write_set_text(&w, CRDT_C_POINTS_REASON, reason);
	crdt_write_set_text(&w, CRDT_C_POINTS_ITEM, "补录");
	crdt_write_set_text(&w, CRDT_C_POINTS_STATION, scope);
	if (strcmp(reason, "hours") == 0)
		crdt_write_set_real(&w, CRDT_C_POINTS_HOURS, 1.5);
	assert_int_equal(crdt_commit_local(n->st, t, scope, &w, 1, NULL), 0);
}

/* One commit of a station that the hub must refuse, changing nothing. */
static void t_refused_by_hub(struct t_node *s, struct t_node *hub, uint64_t t)
{
	struct sync_report rep;
	uint8_t before[32], after[32];
	t_digest(hub, before);
	t_carry(s, hub, t, &rep, NULL);
	assert_int_equal(rep.applied, 0);
	assert_true(t_reason(&rep, ERR_UNAUTH) >= 1);
	t_digest(hub, after);
	assert_memory_equal(before, after, 32);
}

/* T3 for teams and the ledger rows of app/team.c (TM2, TM6): a station
 * writes its own teams and adjusts or records hours for its own
 * volunteers; never another station's, never a reversal, never hours
 * that take points. */
static void test_teams_and_ledger(void **state)
{
	struct t_node r, hub, hub2, s1, s2, s1b, s2b;
	struct sync_report rep;
	(void)state;
	t_county_open(&r, &hub, &hub2, &s1, &s2, 17);
	t_write_volunteer(&s2, "s2-v1", "s2", T0 + 20);
	t_team(&s2, "s2", "s2-t1", "s2", T0 + 21);
	t_ledger(&s2, "s2", "s2-p1", "s2-v1", "adjust", 30, T0 + 22);
	t_ledger(&s2, "s2", "s2-p2", "s2-v1", "adjust", -10, T0 + 23);
	t_ledger(&s2, "s2", "s2-p3", "s2-v1", "hours", 15, T0 + 24);
	t_carry(&s2, &hub, T0 + 30, &rep, NULL);
	assert_int_equal(rep.refused, 0);
	assert_int_equal(rep.applied, 5);

	/* s1: a team of s2, then an adjustment of s2's volunteer (each from
	 * a fresh replica of s1's key: a refused commit holds back its feed) */
	t_team(&s1, "s1", "s1-t1", "s2", T0 + 40);
	t_refused_by_hub(&s1, &hub, T0 + 41);
	t_open(&s1b, "s1b17", 200, "s1", SYNC_ROLE_STATION);
	t_enrol(&r, s1b.id.pk, "s1", SYNC_ROLE_STATION, T0 + 365 * DAY, T0 + 42);
	t_carry(&r, &hub, T0 + 43, &rep, NULL);
	t_ledger(&s1b, "s1", "s1-p1", "s2-v1", "adjust", 5, T0 + 44);
	t_refused_by_hub(&s1b, &hub, T0 + 45);
	/* s2 itself: no reversal, no hours that take points away */
	t_open(&s2b, "s2b17", 201, "s2", SYNC_ROLE_STATION);
	t_enrol(&r, s2b.id.pk, "s2", SYNC_ROLE_STATION, T0 + 365 * DAY, T0 + 46);
	t_carry(&r, &hub, T0 + 47, &rep, NULL);
	t_ledger(&s2b, "s2", "s2-p9", "s2-v1", "hours", -5, T0 + 48);
	t_refused_by_hub(&s2b, &hub, T0 + 49);
	t_ledger(&s2, "s2", "s2-p8", "s2-v1", "reversal", -5, T0 + 50);
	t_refused_by_hub(&s2, &hub, T0 + 51);
	t_close(&s1b);
	t_close(&s2b);
	t_county_close(&r, &hub, &hub2, &s1, &s2);
}

/* A commit the rules refuse is held back: counted and never merged, while
 * the author's later commits go on; one that the rules allow later (a
 * redemption that came before its volunteer's registration) is merged
 * then, and every replica ends in the same state. */
static void test_held_back(void **state)
{
	struct t_node r, hub, hub2, s1, s2;
	struct sync_report rep;
	uint8_t d1[32], d2[32];
	uint64_t held;
	(void)state;

	t_county_open(&r, &hub, &hub2, &s1, &s2, 9);

	/* another station's order, then s1's own: the first is refused and
	 * held back, the second merged */
	t_write_order(&s1, "s1", "s2-o1", "s2", T0 + 20);
	t_write_order(&s1, "s1", "s1-o1", "s1", T0 + 21);
	t_carry(&s1, &hub, T0 + 30, &rep, NULL);
	assert_int_equal(rep.refused, 1);
	assert_int_equal(rep.held, 1);
	assert_int_equal(rep.applied, 1);
	assert_int_equal(t_reason(&rep, ERR_UNAUTH), 1);
	assert_int_equal(crdt_row_text(hub.st, 3, "s2-o1", 5, 0, (char[8]){ 0 }, 8), ERR_NOTFOUND);
	assert_int_equal(crdt_log_held_count(hub.st, &held), 0);
	assert_int_equal(held, 1);

	/* a redemption before the registration of its volunteer, in one feed */
	t_redeem(&s1, "s1", "s1-p1", "s1-v1", T0 + 40);
	t_write_volunteer(&s1, "s1-v1", "s1", T0 + 41);
	t_carry(&s1, &hub, T0 + 50, &rep, NULL);
	assert_int_equal(rep.refused, 1);
	assert_int_equal(rep.released, 1);
	assert_int_equal(rep.applied, 2); /* the volunteer, then the redemption */
	assert_int_equal(crdt_log_held_count(hub.st, &held), 0);
	assert_int_equal(held, 1); /* only the other station's order */

	/* sent again: nothing new, nothing counted twice */
	t_carry(&s1, &hub, T0 + 60, &rep, NULL);
	assert_int_equal(rep.refused, 0);
	assert_int_equal(rep.applied, 0);

	/* county-wide credits of visiting volunteers: for its own order only */
	t_away_credit(&s1, "s1-p2", "s2-o7", "s1", T0 + 62); /* an order s1 did not make */
	t_away_credit(&s1, "s1-p3", "s1-o1", "s2", T0 + 63); /* in another station's name */
	t_away_credit(&s1, "s1-p4", "s1-o1", "s1", T0 + 64);
	t_carry(&s1, &hub, T0 + 65, &rep, NULL);
	assert_int_equal(rep.held, 2);
	assert_int_equal(rep.applied, 1);
	assert_int_equal(crdt_log_held_count(hub.st, &held), 0);
	assert_int_equal(held, 3);

	/* relayed by the hub to another hub: the same state, the same log */
	t_carry(&hub, &hub2, T0 + 70, &rep, NULL);
	assert_int_equal(rep.held, 4); /* in feed order, as the hub had them */
	assert_int_equal(rep.released, 1);
	t_digest(&hub, d1);
	t_digest(&hub2, d2);
	assert_memory_equal(d1, d2, 32);
	assert_int_equal(crdt_log_held_count(hub2.st, &held), 0);
	assert_int_equal(held, 3);

	t_county_close(&r, &hub, &hub2, &s1, &s2);
}

/* A stock move of the gift shelf (app/gift.c): item pk of station, delta. */
static void t_gift_move(struct t_node *n, const char *scope, const char *pk, const char *gift,
			const char *station, int64_t delta, uint64_t t)
{
	struct crdt_write w;
	crdt_write_init(&w, CRDT_T_GIFT_MOVES, CRDT_UPSERT, pk);
	crdt_write_set_text(&w, CRDT_C_GIFT_MOVES_GIFT, gift);
	crdt_write_set_text(&w, CRDT_C_GIFT_MOVES_STATION, station);
	crdt_write_set_int(&w, CRDT_C_GIFT_MOVES_DELTA, delta);
	crdt_write_set_text(&w, CRDT_C_GIFT_MOVES_REASON, delta < 0 ? "redeem" : "restock");
	assert_int_equal(crdt_commit_local(n->st, t, scope, &w, 1, NULL), 0);
}

/* The right to take stock is the item's station's (T3): its own items and
 * their moves are merged; the hub's restock is, its stock-taking move is
 * refused everywhere; another station's moves of the item are refused. */
static void test_gift_rights(void **state)
{
	struct t_node r, hub, hub2, s1, s2;
	struct sync_report rep;
	struct crdt_write w;
	uint8_t before[32], after[32];
	(void)state;

	t_county_open(&r, &hub, &hub2, &s1, &s2, 21);
	crdt_write_init(&w, CRDT_T_GIFTS, CRDT_UPSERT, "s2-g1");
	crdt_write_set_text(&w, CRDT_C_GIFTS_NAME, "毛巾");
	crdt_write_set_int(&w, CRDT_C_GIFTS_PRICE, 5);
	crdt_write_set_text(&w, CRDT_C_GIFTS_STATION, "s2");
	assert_int_equal(crdt_commit_local(s2.st, T0 + 20, "s2", &w, 1, NULL), 0);
	t_gift_move(&s2, "s2", "s2-k1", "s2-g1", "s2", 2, T0 + 21);
	t_gift_move(&s2, "s2", "s2-k2", "s2-g1", "s2", -1, T0 + 22);
	t_carry(&s2, &hub, T0 + 30, &rep, NULL);
	assert_int_equal(rep.refused, 0);
	assert_int_equal(rep.applied, 3);

	/* the hub restocks: merged at the station */
	t_gift_move(&hub, "s2", "hub-k1", "s2-g1", "s2", 4, T0 + 40);
	t_carry(&hub, &s2, T0 + 50, &rep, NULL);
	assert_int_equal(rep.refused, 0);
	assert_true(rep.applied >= 1);
	/* the hub takes stock: refused at the station and at another hub */
	t_digest(&s2, before);
	t_gift_move(&hub, "s2", "hub-k2", "s2-g1", "s2", -1, T0 + 60);
	t_carry(&hub, &s2, T0 + 70, &rep, NULL);
	assert_int_equal(rep.applied, 0);
	assert_int_equal(t_reason(&rep, ERR_UNAUTH), 1);
	t_digest(&s2, after);
	assert_memory_equal(before, after, 32);
	t_carry(&hub, &hub2, T0 + 80, &rep, NULL);
	assert_int_equal(t_reason(&rep, ERR_UNAUTH), 1);

	/* another station: an item of its own naming s2's, a move of s2's item */
	t_digest(&hub, before);
	t_gift_move(&s1, "s1", "s1-k1", "s2-g1", "s1", -1, T0 + 90);
	crdt_write_init(&w, CRDT_T_GIFTS, CRDT_UPSERT, "s1-g1");
	crdt_write_set_text(&w, CRDT_C_GIFTS_NAME, "肥皂");
	crdt_write_set_text(&w, CRDT_C_GIFTS_STATION, "s2");
	assert_int_equal(crdt_commit_local(s1.st, T0 + 91, "s1", &w, 1, NULL), 0);
	t_carry(&s1, &hub, T0 + 100, &rep, NULL);
	assert_int_equal(rep.applied, 0);
	assert_int_equal(t_reason(&rep, ERR_UNAUTH), 2);
	t_digest(&hub, after);
	assert_memory_equal(before, after, 32);
	t_county_close(&r, &hub, &hub2, &s1, &s2);
}

/* A row of the service menu (app/category.c): pk, station, in scope. */
static void t_category(struct t_node *n, const char *scope, const char *pk, const char *station,
		       const char *name, uint64_t t)
{
	struct crdt_write w;
	crdt_write_init(&w, CRDT_T_CATEGORIES, CRDT_UPSERT, pk);
	crdt_write_set_text(&w, CRDT_C_CATEGORIES_NAME, name);
	crdt_write_set_text(&w, CRDT_C_CATEGORIES_STATION, station);
	assert_int_equal(crdt_commit_local(n->st, t, scope, &w, 1, NULL), 0);
}

/* The menu (T3, category.c C2): a station writes its own entries only;
 * the county's list (scope "") and another station's entries are the
 * hub's; the hub writes both. */
static void test_category_rights(void **state)
{
	struct t_node r, hub, hub2, s1, s2;
	struct sync_report rep;
	uint8_t before[32], after[32];
	(void)state;

	t_county_open(&r, &hub, &hub2, &s1, &s2, 23);
	t_category(&s2, "s2", "s2-c1", "s2", "维修", T0 + 20);
	t_carry(&s2, &hub, T0 + 30, &rep, NULL);
	assert_int_equal(rep.refused, 0);
	assert_int_equal(rep.applied, 1);
	/* the hub: a county entry, an override of a standard one, s2's entry */
	t_category(&hub, "", "hub-c1", "", "代购", T0 + 40);
	t_category(&hub, "", "std-6", "", "法律", T0 + 41);
	t_category(&hub, "s2", "s2-c1", "s2", "家电维修", T0 + 42);
	t_carry(&hub, &s2, T0 + 50, &rep, NULL);
	assert_int_equal(rep.refused, 0);
	assert_int_equal(rep.applied, 3);

	/* a station: a county entry, one naming another station, a change of
	 * another station's entry: all refused, nothing merged */
	t_digest(&hub, before);
	t_category(&s1, "", "s1-c1", "", "理发", T0 + 60);
	t_category(&s1, "s1", "s1-c2", "s2", "理发", T0 + 61);
	t_category(&s1, "s1", "s2-c1", "s1", "维修", T0 + 62);
	/* nor an order event in the hub's name (the mark of an order the hub
	 * sent: app/send.c) */
	struct crdt_write w[2];
	crdt_write_init(&w[0], CRDT_T_ORDERS, CRDT_UPSERT, "s1-o1");
	crdt_write_set_text(&w[0], CRDT_C_ORDERS_STATION, "s1");
	crdt_write_set_text(&w[0], CRDT_C_ORDERS_STATUS, "open");
	crdt_write_init(&w[1], CRDT_T_ORDER_EVENTS, CRDT_UPSERT, "s1-e1");
	crdt_write_set_text(&w[1], CRDT_C_ORDER_EVENTS_ORDER, "s1-o1");
	crdt_write_set_text(&w[1], CRDT_C_ORDER_EVENTS_STATION, "s1");
	crdt_write_set_text(&w[1], CRDT_C_ORDER_EVENTS_ACTOR, "hub");
	crdt_write_set_text(&w[1], CRDT_C_ORDER_EVENTS_TO_STATUS, "open");
	crdt_write_set_text(&w[1], CRDT_C_ORDER_EVENTS_NOTE, "sent:s1");
	assert_int_equal(crdt_commit_local(s1.st, T0 + 63, "s1", w, 2, NULL), 0);
	t_carry(&s1, &hub, T0 + 70, &rep, NULL);
	assert_int_equal(rep.applied, 0);
	assert_int_equal(t_reason(&rep, ERR_UNAUTH), 4);
	t_digest(&hub, after);
	assert_memory_equal(before, after, 32);
	t_county_close(&r, &hub, &hub2, &s1, &s2);
}

/* An activity (app/activity.c A1) of station (scope, "" county-wide). */
static void t_activity(struct t_node *n, const char *scope, const char *pk, const char *station, uint64_t t)
{
	struct crdt_write w;
	crdt_write_init(&w, CRDT_T_ACTIVITIES, CRDT_UPSERT, pk);
	crdt_write_set_text(&w, CRDT_C_ACTIVITIES_TITLE, "植树");
	crdt_write_set_text(&w, CRDT_C_ACTIVITIES_STATION, station);
	crdt_write_set_int(&w, CRDT_C_ACTIVITIES_CAPACITY, 1);
	assert_int_equal(crdt_commit_local(n->st, t, scope, &w, 1, NULL), 0);
}

/* A sign-up row of kind for activity act, written in scope. */
static void t_signup(struct t_node *n, const char *scope, const char *pk, const char *act, const char *kind,
		     uint64_t t)
{
	struct crdt_write w;
	crdt_write_init(&w, CRDT_T_ACTIVITY_SIGNUPS, CRDT_UPSERT, pk);
	crdt_write_set_text(&w, CRDT_C_ACTIVITY_SIGNUPS_ACTIVITY, act);
	crdt_write_set_text(&w, CRDT_C_ACTIVITY_SIGNUPS_STATION, scope);
	crdt_write_set_text(&w, CRDT_C_ACTIVITY_SIGNUPS_VOLUNTEER, "s1-v1");
	crdt_write_set_text(&w, CRDT_C_ACTIVITY_SIGNUPS_KIND, kind);
	assert_int_equal(crdt_commit_local(n->st, t, scope, &w, 1, NULL), 0);
}

/* Seats are the activity's home's (T3, app/activity.c A2): a station's own
 * seats and check-ins merge; the hub's request for it merges, the hub's
 * grant does not; a station grants nothing of a county-wide activity but
 * asks for it; another station writes nothing for a station's activity. */
static void test_activity_rights(void **state)
{
	struct t_node r, hub, hub2, s1, s2;
	struct sync_report rep;
	struct crdt_write w;
	uint8_t before[32], after[32];
	(void)state;

	t_county_open(&r, &hub, &hub2, &s1, &s2, 22);
	t_activity(&s2, "s2", "s2-a1", "s2", T0 + 20);
	t_signup(&s2, "s2", "s2-u1", "s2-a1", "firm", T0 + 21);
	crdt_write_init(&w, CRDT_T_ACTIVITY_ATTENDANCE, CRDT_UPSERT, "s2-c1");
	crdt_write_set_text(&w, CRDT_C_ACTIVITY_ATTENDANCE_ACTIVITY, "s2-a1");
	crdt_write_set_text(&w, CRDT_C_ACTIVITY_ATTENDANCE_STATION, "s2");
	crdt_write_set_text(&w, CRDT_C_ACTIVITY_ATTENDANCE_VOLUNTEER, "s1-v1");
	crdt_write_set_text(&w, CRDT_C_ACTIVITY_ATTENDANCE_KIND, "in");
	crdt_write_set_text(&w, CRDT_C_ACTIVITY_ATTENDANCE_KEY, "in:s2-a1:s1-v1");
	assert_int_equal(crdt_commit_local(s2.st, T0 + 22, "s2", &w, 1, NULL), 0);
	t_carry(&s2, &hub, T0 + 30, &rep, NULL);
	assert_int_equal(rep.refused, 0);
	assert_int_equal(rep.applied, 3);

	/* the hub asks: merged at the station; the hub grants: refused */
	t_signup(&hub, "s2", "hub-u1", "s2-a1", "request", T0 + 40);
	t_carry(&hub, &s2, T0 + 50, &rep, NULL);
	assert_int_equal(rep.refused, 0);
	t_digest(&s2, before);
	t_signup(&hub, "s2", "hub-u2", "s2-a1", "grant", T0 + 60);
	t_carry(&hub, &s2, T0 + 70, &rep, NULL);
	assert_int_equal(rep.applied, 0);
	assert_int_equal(t_reason(&rep, ERR_UNAUTH), 1);
	t_digest(&s2, after);
	assert_memory_equal(before, after, 32);
	t_carry(&hub, &hub2, T0 + 80, &rep, NULL);
	assert_int_equal(t_reason(&rep, ERR_UNAUTH), 1);

	/* a county-wide activity: s1 asks (merged), s1 grants (refused) */
	t_activity(&hub, "", "hub-a1", "", T0 + 90);
	t_carry(&hub, &s1, T0 + 95, &rep, NULL);
	t_signup(&s1, "s1", "s1-u1", "hub-a1", "request", T0 + 100);
	t_carry(&s1, &hub, T0 + 105, &rep, NULL);
	assert_int_equal(rep.refused, 0);
	assert_int_equal(rep.applied, 1);
	t_digest(&hub, before);
	t_signup(&s1, "s1", "s1-u2", "hub-a1", "grant", T0 + 110);
	/* and a seat and a request for s2's activity, which s1 does not keep */
	t_signup(&s1, "s1", "s1-u3", "s2-a1", "firm", T0 + 111);
	t_signup(&s1, "s1", "s1-u4", "s2-a1", "request", T0 + 112);
	t_carry(&s1, &hub, T0 + 120, &rep, NULL);
	assert_int_equal(rep.applied, 0);
	assert_int_equal(t_reason(&rep, ERR_UNAUTH), 3);
	t_digest(&hub, after);
	assert_memory_equal(before, after, 32);
	t_county_close(&r, &hub, &hub2, &s1, &s2);
}

static void test_expired(void **state)
{
	struct t_node r, hub, st;
	struct sync_report rep;
	uint8_t before[32], after[32];
	(void)state;

	t_open_root(&r, &root, "root2");
	t_open(&hub, "hub2", 12, "c01", SYNC_ROLE_HUB);
	t_open(&st, "st2", 13, "s3", SYNC_ROLE_STATION);
	t_enrol(&r, hub.id.pk, "c01", SYNC_ROLE_HUB, T0 + 365 * DAY, T0);
	t_enrol(&r, st.id.pk, "s3", SYNC_ROLE_STATION, T0 + DAY, T0 + 1);
	t_carry(&r, &hub, T0 + 10, &rep, NULL);
	/* valid: before the end of the period */
	t_write_volunteer(&st, "s3-v1", "s3", T0 + 100);
	t_carry(&st, &hub, T0 + 200, &rep, NULL);
	assert_int_equal(rep.applied, 1);
	/* expired: after it */
	t_digest(&hub, before);
	t_write_volunteer(&st, "s3-v2", "s3", T0 + 2 * DAY);
	t_carry(&st, &hub, T0 + 2 * DAY, &rep, NULL);
	assert_int_equal(rep.applied, 0);
	assert_int_equal(t_reason(&rep, ERR_UNAUTH), 1);
	t_digest(&hub, after);
	assert_memory_equal(before, after, 32);
	t_close(&r);
	t_close(&hub);
	t_close(&st);
}

static void test_revocation(void **state)
{
	struct t_node r, hub, st, thief;
	struct sync_report rep;
	struct sync_trust_row row;
	uint8_t before[32], after[32];
	(void)state;

	t_open_root(&r, &root, "root3");
	t_open(&hub, "hub3", 22, "c01", SYNC_ROLE_HUB);
	t_open(&st, "st3", 23, "s4", SYNC_ROLE_STATION);
	t_enrol(&r, hub.id.pk, "c01", SYNC_ROLE_HUB, T0 + 365 * DAY, T0);
	t_enrol(&r, st.id.pk, "s4", SYNC_ROLE_STATION, T0 + 365 * DAY, T0 + 1);
	t_carry(&r, &hub, T0 + 10, &rep, NULL);
	t_write_volunteer(&st, "s4-v1", "s4", T0 + 100); /* seq 1 */
	t_write_volunteer(&st, "s4-v2", "s4", T0 + 101); /* seq 2 */
	/* the board is stolen after seq 2: revoke from seq 3 */
	assert_int_equal(sync_revocation_row(&row, st.id.pk, "s4", 3, 0, T0 + 200), 0);
	t_root_commit(&r, &row.w, 1, T0 + 200);
	t_carry(&r, &hub, T0 + 210, &rep, NULL);
	t_write_volunteer(&st, "s4-v3", "s4", T0 + 300); /* seq 3: the thief */
	t_carry(&st, &hub, T0 + 310, &rep, NULL);
	/* before the revocation point: accepted; after it: refused */
	assert_int_equal(rep.applied, 2);
	assert_int_equal(t_reason(&rep, ERR_REVOKED), 1);
	/* the stolen key on another board, after a --now revocation */
	assert_int_equal(sync_revocation_row(&row, st.id.pk, "s4", 0, T0 + 400, T0 + 400), 0);
	t_root_commit(&r, &row.w, 1, T0 + 400);
	t_carry(&r, &hub, T0 + 410, &rep, NULL);
	t_digest(&hub, before);
	memset(&thief, 0, sizeof(thief));
	t_open(&thief, "thief", 23, "s4", SYNC_ROLE_STATION);
	t_write_order(&thief, "", "s4", "s4", T0 + 500); /* nonsense in scope "" too */
	t_carry(&thief, &hub, T0 + 510, &rep, NULL);
	assert_int_equal(rep.applied, 0);
	t_digest(&hub, after);
	assert_memory_equal(before, after, 32);
	/* the revoked node learns it and stops syncing */
	t_carry(&r, &st, T0 + 600, &rep, NULL);
	assert_true(sync_ctx_revoked(st.ctx));
	t_reopen(&st, "s4", SYNC_ROLE_STATION);
	assert_true(sync_ctx_revoked(st.ctx));
	{
		char path[256];
		snprintf(path, sizeof(path), "%s/revoked.bundle", dir);
		assert_int_equal(sync_bundle_export_path(st.ctx, path, NULL, 0, NULL), ERR_REVOKED);
	}
	t_close(&r);
	t_close(&hub);
	t_close(&st);
	t_close(&thief);
}

/* Trust changes another process commits to a serving hub's replica are
 * in force at the serving handle's very next chunk, with no reopening
 * (sync_trust_refresh): a revocation refuses, a new enrolment admits. */
static void test_trust_live(void **state)
{
	struct t_node r, hub, cli, st, st2;
	struct sync_report rep;
	struct sync_trust_row row;
	struct sync_statement stm;
	(void)state;

	t_open_root(&r, &root, "root9");
	t_open(&hub, "hub9", 40, "c01", SYNC_ROLE_HUB);
	t_open(&st, "st9", 41, "s9", SYNC_ROLE_STATION);
	t_open(&st2, "st10", 42, "s10", SYNC_ROLE_STATION);
	t_enrol(&r, hub.id.pk, "c01", SYNC_ROLE_HUB, T0 + 365 * DAY, T0);
	t_enrol(&r, st.id.pk, "s9", SYNC_ROLE_STATION, T0 + 365 * DAY, T0 + 1);
	t_carry(&r, &hub, T0 + 10, &rep, NULL);
	t_write_volunteer(&st, "s9-v1", "s9", T0 + 100);
	t_carry(&st, &hub, T0 + 110, &rep, NULL);
	assert_int_equal(rep.applied, 1);

	/* another process on the same replica file (enroll revoke, enroll sign) */
	t_open(&cli, "hub9", 40, "c01", SYNC_ROLE_HUB);
	assert_int_equal(sync_revocation_row(&row, st.id.pk, "s9", 0, T0 + 200, T0 + 200), 0);
	assert_int_equal(sync_root_commit(cli.ctx, cli.st, &root, T0 + 200, &row.w, 1), 0);
	t_statement(&stm, &root, st2.id.pk, "s10", SYNC_ROLE_STATION, T0 + 365 * DAY);
	assert_int_equal(sync_statement_row(&row, &stm), 0);
	assert_int_equal(sync_root_commit(cli.ctx, cli.st, &root, T0 + 210, &row.w, 1), 0);
	t_close(&cli);

	/* the serving handle, as it was */
	t_write_volunteer(&st, "s9-v2", "s9", T0 + 300);
	t_carry(&st, &hub, T0 + 310, &rep, NULL);
	assert_int_equal(rep.applied, 0);
	assert_int_equal(t_reason(&rep, ERR_REVOKED), 1);
	t_write_volunteer(&st2, "s10-v1", "s10", T0 + 320);
	t_carry(&st2, &hub, T0 + 330, &rep, NULL);
	assert_int_equal(rep.applied, 1);
	assert_int_equal(rep.refused, 0);
	t_close(&r);
	t_close(&hub);
	t_close(&st);
	t_close(&st2);
}

/* ---- confidentiality ------------------------------------------------------- */

static bool t_has(const struct buf *b, const char *needle)
{
	size_t n = strlen(needle);
	for (size_t i = 0; i + n <= b->len; i++)
		if (memcmp(b->data + i, needle, n) == 0)
			return true;
	return false;
}

/* The log keeps the body of every commit of an encrypted scope encrypted;
 * which form (2, 3) each took. */
static int t_forms_one(void *arg, const struct crdt_log_entry *e)
{
	int *forms = arg;
	assert_true(e->body_len >= 18);
	assert_int_equal(e->body[0], 0);
	assert_true(e->body[1] >= 2 && e->body[1] <= 4);
	forms[e->body[1]]++;
	return 0;
}

static void test_encryption(void **state)
{
	struct t_node r, hub, s1, s2;
	struct sync_report rep;
	struct buf file;
	uint8_t a[32], b[32];
	(void)state;

	buf_init(&file, (size_t)64 << 20);
	t_open_root(&r, &root, "root4");
	t_open(&hub, "hub4", 32, "c01", SYNC_ROLE_HUB);
	t_open(&s1, "s14", 33, "s1", SYNC_ROLE_STATION);
	t_open(&s2, "s24", 34, "s2", SYNC_ROLE_STATION);
	t_enrol(&r, hub.id.pk, "c01", SYNC_ROLE_HUB, T0 + 365 * DAY, T0);
	t_enrol(&r, s1.id.pk, "s1", SYNC_ROLE_STATION, T0 + 365 * DAY, T0 + 1);
	t_enrol(&r, s2.id.pk, "s2", SYNC_ROLE_STATION, T0 + 365 * DAY, T0 + 2);
	t_carry(&r, &hub, T0 + 10, &rep, NULL);
	t_carry(&r, &s2, T0 + 10, &rep, NULL);
	t_write_volunteer(&s1, "s1-v1", "s1", T0 + 100);
	t_write_order(&s1, "s1", "s1-o1", "s1", T0 + 101);
	{
		/* a body that compresses well is still sealed as it is (F = 2):
		 * compression happens across commits, in opened ranges */
		struct crdt_write w;
		char detail[400] = "";
		for (int i = 0; i < 20; i++)
			strcat(detail, "陪老人聊天，"); /* 18 bytes each */
		crdt_write_init(&w, 3, CRDT_UPSERT, "s1-o2");
		crdt_write_text(&w, "station", "s1");
		crdt_write_text(&w, "detail", detail);
		crdt_write_text(&w, "requester_phone", "13912345678");
		assert_int_equal(crdt_commit_local(s1.st, T0 + 102, "s1", &w, 1, NULL), 0);
		int forms[5] = { 0 };
		assert_true(crdt_log_each(s1.st, s1.id.pk, "s1", 0, t_forms_one, forms) >= 0);
		assert_int_equal(forms[2], 3);
	}
	/* the bundle s1 writes holds no name and no phone number */
	t_carry(&s1, &s2, T0 + 200, &rep, &file);
	assert_false(t_has(&file, "王芳"));
	assert_false(t_has(&file, "13800001111"));
	assert_false(t_has(&file, "13912345678"));
	assert_false(t_has(&file, "陪老人聊天"));
	/* s2 carries it unread */
	assert_int_equal(rep.applied, 0);
	assert_int_equal(rep.carried, 3);
	assert_int_equal(rep.refused, 0);
	/* and relays it to the hub, which reads it */
	t_carry(&s2, &hub, T0 + 300, &rep, &file);
	assert_false(t_has(&file, "王芳"));
	assert_false(t_has(&file, "13800001111"));
	assert_false(t_has(&file, "13912345678"));
	assert_int_equal(rep.applied, 3);
	assert_int_equal(crdt_store_digest(hub.st, "s1", a), 0);
	assert_int_equal(crdt_store_digest(s1.st, "s1", b), 0);
	assert_memory_equal(a, b, 32);
	/* a relay that flips a byte of an encrypted body is refused before
	 * anything is decrypted: the chain hash no longer matches */
	t_carry(&s1, &s2, T0 + 400, &rep, &file);
	t_close(&r);
	t_close(&hub);
	t_close(&s1);
	t_close(&s2);
	buf_release(&file);
}

/* ---- commits that fit every link ----------------------------------------- */

/* A commit of volunteer pk in scope whose plaintext body is exactly len
 * bytes: one write, its name random printable bytes from *rs (sealed
 * bodies are not compressed, so what they hold does not matter to the
 * size on the wire; random text is the worst case where it is). */
static unsigned t_rand(unsigned *s)
{
	*s ^= *s << 13;
	*s ^= *s >> 17;
	*s ^= *s << 5;
	return *s;
}

static void t_commit_of(struct t_node *n, const char *scope, const char *pk, size_t len, unsigned *rs,
			uint64_t t)
{
	static char text[CRDT_TEXT_MAX + 1];
	struct crdt_write w;
	struct buf b;
	size_t l = len > 40 ? len - 16 : 1;
	buf_init(&b, CRDT_BODY_MAX);
	for (int tries = 0; tries < 4; tries++) {
		for (size_t i = 0; i < l; i++)
			text[i] = (char)(0x21 + (t_rand(rs) % 94));
		text[l] = '\0';
		crdt_write_init(&w, 1, CRDT_UPSERT, pk);
		crdt_write_text(&w, "name", text);
		crdt_write_text(&w, "station", scope);
		buf_reset(&b);
		assert_int_equal(crdt_body_encode(&b, &w, 1), 0);
		if (b.len == len)
			break;
		l = l + len - b.len;
	}
	assert_int_equal(b.len, len);
	buf_release(&b);
	assert_int_equal(crdt_commit_local(n->st, t, scope, &w, 1, NULL), 0);
}

/* The largest chunk that carries a piece of author's feed. Other feeds
 * (the root's statements, received in one large piece) may go alone in
 * a larger chunk (sync/delta.c D7); what this measures is the author's. */
struct t_biggest {
	const uint8_t *author;
	size_t max;
};

static int t_count_fn(void *arg, const uint8_t *chunk, size_t len, const struct sync_chunk_info *info)
{
	(void)chunk;
	struct t_biggest *b = arg;
	for (size_t i = 0; i < info->nfeeds; i++)
		if (memcmp(info->feeds[i].author, b->author, SYNC_PK_LEN) == 0 && len > b->max)
			b->max = len;
	return 0;
}

/* SYNC_COMMIT_FIT: a commit whose plaintext body is that long travels,
 * sealed, in chunks of SYNC_CHUNK_LINK bytes with its checkpoint, from
 * its author through a relay station to the hub, and opened straight to
 * the hub; several back to back too. One 128 bytes longer does not
 * pass the relay, so the bound is what makes it travel. */
static void test_commit_fit(void **state)
{
	struct t_node r, hub, hub2, s1, s2;
	struct sync_report rep;
	struct sync_scopes all = { .all = true };
	unsigned rs = 12;
	char path[256];
	(void)state;

	t_chunk = SYNC_CHUNK_LINK;
	t_county_open(&r, &hub, &hub2, &s1, &s2, 20);
	t_chunk = 0;
	for (int i = 0; i < 3; i++) {
		char pk[16];
		snprintf(pk, sizeof(pk), "s1-v%d", i + 1);
		t_commit_of(&s1, "s1", pk, SYNC_COMMIT_FIT, &rs, T0 + 100 + (uint64_t)i);
	}
	/* sealed, through the relay s2, every chunk within the link's size */
	struct t_biggest biggest = { s1.id.pk, 0 };
	assert_int_equal(sync_delta_export(s1.ctx, NULL, 0, &all, t_count_fn, &biggest), 0);
	assert_true(biggest.max > 0 && biggest.max <= SYNC_CHUNK_LINK);
	t_carry(&s1, &s2, T0 + 200, &rep, NULL);
	assert_int_equal(rep.carried, 3);
	assert_int_equal(rep.refused, 0);
	biggest.max = 0;
	assert_int_equal(sync_delta_export(s2.ctx, NULL, 0, &all, t_count_fn, &biggest), 0);
	assert_true(biggest.max > 0 && biggest.max <= SYNC_CHUNK_LINK);
	t_carry(&s2, &hub, T0 + 300, &rep, NULL);
	assert_int_equal(rep.applied, 3);
	assert_int_equal(rep.refused, 0);
	/* opened, straight to a hub */
	snprintf(path, sizeof(path), "%s/fit.bundle", dir);
	assert_int_equal(sync_bundle_export_path_for(s1.ctx, path, NULL, 0, &all, &all), 0);
	memset(&rep, 0, sizeof(rep));
	assert_int_equal(sync_bundle_import(hub2.ctx, path, T0 + 300, &rep), 0);
	assert_int_equal(rep.applied, 3);
	/* one 128 bytes longer leaves its author (alone, without its
	 * checkpoint) but a relay cannot pass it on: the hub never gets it */
	t_commit_of(&s1, "s1", "s1-v9", SYNC_COMMIT_FIT + 128, &rs, T0 + 400);
	t_carry(&s1, &s2, T0 + 500, &rep, NULL);
	assert_int_equal(rep.carried, 1);
	t_carry(&s2, &hub, T0 + 600, &rep, NULL);
	assert_int_equal(rep.applied, 0);
	t_county_close(&r, &hub, &hub2, &s1, &s2);
}

/* ---- the encrypted body, byte by byte ------------------------------------ */

/* docs/protocol.md "Encrypted body", written out independently of trust.c:
 * 0x00, F, XChaCha20-Poly1305(pt) with ad = author || u8 len scope ||
 * scope || u64be seq || u64be hlc || F and nonce = BLAKE2b-192(
 * "cunlian-nonce-v2" || ad without F). */
static void t_seal_body(const uint8_t key[32], const uint8_t *author, const char *scope, uint64_t seq,
			uint64_t hlc, uint8_t format, const uint8_t *pt, size_t len, struct buf *out)
{
	uint8_t ad[32 + 1 + 32 + 17], nonce[24];
	size_t k = 0, sl = strlen(scope);
	unsigned long long clen;
	memcpy(ad, author, 32);
	k = 32;
	ad[k++] = (uint8_t)sl;
	memcpy(ad + k, scope, sl);
	k += sl;
	for (int i = 7; i >= 0; i--)
		ad[k++] = (uint8_t)(seq >> (8 * i));
	for (int i = 7; i >= 0; i--)
		ad[k++] = (uint8_t)(hlc >> (8 * i));
	crypto_generichash_state h;
	crypto_generichash_init(&h, NULL, 0, sizeof(nonce));
	crypto_generichash_update(&h, (const uint8_t *)"cunlian-nonce-v2", 16);
	crypto_generichash_update(&h, ad, k);
	crypto_generichash_final(&h, nonce, sizeof(nonce));
	ad[k++] = format;
	buf_reset(out);
	buf_put_u8(out, 0);
	buf_put_u8(out, format);
	uint8_t *p = buf_reserve(out, len + 16);
	assert_non_null(p);
	crypto_aead_xchacha20poly1305_ietf_encrypt(p, &clen, pt, len, ad, k, NULL, nonce, key);
	out->len += (size_t)clen;
}

/* A zstd frame of n bytes of c, its magic cut off (as inside a body). */
static void t_frame(struct buf *out, size_t n, uint8_t c, bool content_size)
{
	uint8_t *src = malloc(n), *z;
	size_t cap = ZSTD_compressBound(n), zl;
	ZSTD_CCtx *cc = ZSTD_createCCtx();
	assert_non_null(src);
	memset(src, c, n);
	z = malloc(cap);
	ZSTD_CCtx_setParameter(cc, ZSTD_c_contentSizeFlag, content_size);
	zl = ZSTD_compress2(cc, z, cap, src, n);
	assert_false(ZSTD_isError(zl));
	buf_reset(out);
	buf_put(out, z + 4, zl - 4);
	ZSTD_freeCCtx(cc);
	free(z);
	free(src);
}

static void test_body_format(void **state)
{
	struct t_node s, sd;
	struct sync_dict *dict = NULL;
	struct crdt_log_entry e;
	struct buf enc, want, out, fr;
	uint8_t key[32], body[600];
	(void)state;

	t_open(&s, "fmt", 41, "s1", SYNC_ROLE_STATION);
	assert_true(sync_trust_key(s.ctx, "s1", key));
	buf_init(&enc, CRDT_BODY_MAX * 2);
	buf_init(&want, CRDT_BODY_MAX * 2);
	buf_init(&out, CRDT_BODY_MAX + 1);
	buf_init(&fr, CRDT_BODY_MAX * 2);
	memset(&e, 0, sizeof(e));
	memcpy(e.author, s.id.pk, 32);
	snprintf(e.scope, sizeof(e.scope), "s1");
	e.seq = 7;
	e.hlc = (T0 + 5) << 16 | 3;

	/* a body compression does not shorten travels as it is (F = 2), and
	 * its bytes are exactly those of the spec: the nonce is derived */
	randombytes_buf(body, 40);
	body[0] = 1;
	e.body = body;
	e.body_len = 40;
	assert_int_equal(sync_body_encrypt(s.ctx, key, &e, &enc), 0);
	assert_int_equal(enc.len, 2 + 40 + 16);
	assert_int_equal(enc.data[1], 2);
	t_seal_body(key, e.author, e.scope, e.seq, e.hlc, 2, body, 40, &want);
	assert_int_equal(want.len, enc.len);
	assert_memory_equal(want.data, enc.data, enc.len);
	assert_int_equal(sync_body_decrypt(s.ctx, key, e.author, e.scope, e.seq, e.hlc, enc.data, enc.len, &out), 0);
	assert_int_equal(out.len, 40);
	assert_memory_equal(out.data, body, 40);

	/* a body that compresses is sealed as it is too (F = 2): the stored
	 * body follows from the plaintext alone (trust.c O3) ... */
	memset(body, 'a', sizeof(body));
	body[0] = 1;
	e.body_len = sizeof(body);
	buf_reset(&enc);
	assert_int_equal(sync_body_encrypt(s.ctx, key, &e, &enc), 0);
	assert_int_equal(enc.data[1], 2);
	assert_int_equal(enc.len, 2 + sizeof(body) + 16);
	t_seal_body(key, e.author, e.scope, e.seq, e.hlc, 2, body, sizeof(body), &want);
	assert_memory_equal(want.data, enc.data, enc.len);
	/* ... while F = 3, as older versions wrote it, still opens */
	{
		struct buf full;
		buf_init(&full, 0);
		memset(body, 'a', sizeof(body));
		t_frame(&full, sizeof(body), 'a', true);
		t_seal_body(key, e.author, e.scope, e.seq, e.hlc, 3, full.data, full.len, &enc);
		buf_release(&full);
	}
	assert_true(enc.len < 100);
	assert_int_equal(sync_body_decrypt(s.ctx, key, e.author, e.scope, e.seq, e.hlc, enc.data, enc.len, &out), 0);
	assert_int_equal(out.len, sizeof(body));
	assert_memory_equal(out.data, body, sizeof(body));

	/* tampering: a flipped byte, another format byte, another seq or hlc,
	 * another key: nothing opens, and nothing is left in out */
	for (size_t i = 1; i < enc.len; i++) {
		enc.data[i] ^= 0x01;
		int rc = sync_body_decrypt(s.ctx, key, e.author, e.scope, e.seq, e.hlc, enc.data, enc.len, &out);
		assert_true(rc == ERR_BADSIG || (i == 1 && rc == ERR_CORRUPT));
		assert_int_equal(out.len, 0);
		enc.data[i] ^= 0x01;
	}
	assert_int_equal(sync_body_decrypt(s.ctx, key, e.author, e.scope, e.seq + 1, e.hlc, enc.data, enc.len, &out),
			 ERR_BADSIG);
	assert_int_equal(sync_body_decrypt(s.ctx, key, e.author, e.scope, e.seq, e.hlc + 1, enc.data, enc.len, &out),
			 ERR_BADSIG);
	key[0] ^= 1;
	assert_int_equal(sync_body_decrypt(s.ctx, key, e.author, e.scope, e.seq, e.hlc, enc.data, enc.len, &out),
			 ERR_BADSIG);
	key[0] ^= 1;
	/* format 1 (random nonce) was never deployed; unknown formats too */
	t_seal_body(key, e.author, e.scope, e.seq, e.hlc, 1, body, 40, &want);
	assert_int_equal(sync_body_decrypt(s.ctx, key, e.author, e.scope, e.seq, e.hlc, want.data, want.len, &out),
			 ERR_CORRUPT);
	t_seal_body(key, e.author, e.scope, e.seq, e.hlc, 6, body, 40, &want);
	assert_int_equal(sync_body_decrypt(s.ctx, key, e.author, e.scope, e.seq, e.hlc, want.data, want.len, &out),
			 ERR_CORRUPT);
	/* F = 5: a key generation g >= 1 after the format byte (a minimal
	 * varint) and as u32be at the end of the associated data; the nonce
	 * as for F = 2 */
	{
		uint8_t ad[32 + 1 + 32 + 17 + 4], nonce[24], g300[2] = { 0xac, 0x02 };
		size_t k = 0, sl = strlen(e.scope);
		unsigned long long clen;
		memcpy(ad, e.author, 32);
		k = 32;
		ad[k++] = (uint8_t)sl;
		memcpy(ad + k, e.scope, sl);
		k += sl;
		for (int i = 7; i >= 0; i--)
			ad[k++] = (uint8_t)(e.seq >> (8 * i));
		for (int i = 7; i >= 0; i--)
			ad[k++] = (uint8_t)(e.hlc >> (8 * i));
		crypto_generichash_state h;
		crypto_generichash_init(&h, NULL, 0, sizeof(nonce));
		crypto_generichash_update(&h, (const uint8_t *)"cunlian-nonce-v2", 16);
		crypto_generichash_update(&h, ad, k);
		crypto_generichash_final(&h, nonce, sizeof(nonce));
		ad[k++] = 5;
		ad[k++] = 0;
		ad[k++] = 0;
		ad[k++] = 0x01;
		ad[k++] = 0x2c; /* 300 */
		buf_reset(&want);
		buf_put_u8(&want, 0);
		buf_put_u8(&want, 5);
		buf_put(&want, g300, 2);
		uint8_t *p = buf_reserve(&want, e.body_len + 16);
		crypto_aead_xchacha20poly1305_ietf_encrypt(p, &clen, e.body, e.body_len, ad, k, NULL, nonce, key);
		want.len += (size_t)clen;
		buf_reset(&enc);
		assert_int_equal(sync_body_encrypt_gen(s.ctx, key, 300, &e, &enc), 0);
		assert_int_equal(enc.len, want.len);
		assert_memory_equal(enc.data, want.data, want.len);
		uint32_t gg;
		assert_int_equal(sync_body_gen(enc.data, enc.len, &gg), 0);
		assert_int_equal(gg, 300);
		assert_int_equal(sync_body_decrypt(s.ctx, key, e.author, e.scope, e.seq, e.hlc, enc.data, enc.len, &out), 0);
		assert_int_equal(out.len, e.body_len);
		assert_memory_equal(out.data, e.body, e.body_len);
		/* the generation is bound: another one, or a non-minimal or zero varint, does not open */
		enc.data[2] = 0xad;
		assert_int_equal(sync_body_decrypt(s.ctx, key, e.author, e.scope, e.seq, e.hlc, enc.data, enc.len, &out),
				 ERR_BADSIG);
		uint8_t zero[40] = { 0, 5, 0 };
		assert_int_equal(sync_body_gen(zero, sizeof(zero), &gg), ERR_CORRUPT);
		uint8_t nonmin[40] = { 0, 5, 0x81, 0x00 };
		assert_int_equal(sync_body_gen(nonmin, sizeof(nonmin), &gg), ERR_CORRUPT);
	}

	/* a decompression bomb, properly encrypted: 64 MiB of zeros in a
	 * frame of a few KiB is refused before its size is allocated */
	t_frame(&fr, (size_t)64 << 20, 0, true);
	assert_true(fr.len < 8192);
	t_seal_body(key, e.author, e.scope, e.seq, e.hlc, 3, fr.data, fr.len, &want);
	buf_release(&out);
	buf_init(&out, CRDT_BODY_MAX + 1);
	assert_int_equal(sync_body_decrypt(s.ctx, key, e.author, e.scope, e.seq, e.hlc, want.data, want.len, &out),
			 ERR_TOOBIG);
	assert_true(out.cap < ((size_t)1 << 20));
	assert_int_equal(out.len, 0);
	/* a frame that does not say its size */
	t_frame(&fr, 1000, 'x', false);
	t_seal_body(key, e.author, e.scope, e.seq, e.hlc, 3, fr.data, fr.len, &want);
	assert_int_equal(sync_body_decrypt(s.ctx, key, e.author, e.scope, e.seq, e.hlc, want.data, want.len, &out),
			 ERR_CORRUPT);
	/* a frame that says less than it holds (single segment, 1-byte size) */
	t_frame(&fr, 200, 'x', true);
	assert_int_equal(fr.data[0], 0x20);
	fr.data[1] = 100;
	t_seal_body(key, e.author, e.scope, e.seq, e.hlc, 3, fr.data, fr.len, &want);
	assert_int_equal(sync_body_decrypt(s.ctx, key, e.author, e.scope, e.seq, e.hlc, want.data, want.len, &out),
			 ERR_CORRUPT);
	assert_int_equal(out.len, 0);
	/* a frame followed by more bytes */
	t_frame(&fr, 200, 'x', true);
	buf_put_u8(&fr, 0);
	t_seal_body(key, e.author, e.scope, e.seq, e.hlc, 3, fr.data, fr.len, &want);
	assert_int_equal(sync_body_decrypt(s.ctx, key, e.author, e.scope, e.seq, e.hlc, want.data, want.len, &out),
			 ERR_CORRUPT);
	/* the honest frame of the same bytes opens */
	t_frame(&fr, 200, 'x', true);
	t_seal_body(key, e.author, e.scope, e.seq, e.hlc, 3, fr.data, fr.len, &want);
	assert_int_equal(sync_body_decrypt(s.ctx, key, e.author, e.scope, e.seq, e.hlc, want.data, want.len, &out), 0);
	assert_int_equal(out.len, 200);

	/* with the shipped dictionary: F = 4, and a node without it says so */
	if (sync_dict_load(&dict, "sync/dict/cunlian-v1.dict") == 0) {
		struct crdt_write w;
		struct buf cb;
		t_dict = dict;
		t_open(&sd, "fmtd", 42, "s1", SYNC_ROLE_STATION);
		t_dict = NULL;
		/* a volunteer as villagegen writes them (the dictionary's sample) */
		crdt_write_init(&w, 1, CRDT_UPSERT, "s1-v10");
		crdt_write_text(&w, "name", "曹娜");
		crdt_write_text(&w, "phone", "13223144592");
		crdt_write_text(&w, "station", "s1");
		crdt_write_text(&w, "team", "邻里守望队");
		crdt_write_text(&w, "skills", "义诊");
		crdt_write_text(&w, "status", "active");
		buf_init(&cb, CRDT_BODY_MAX);
		assert_int_equal(crdt_body_encode(&cb, &w, 1), 0);
		e.body = cb.data;
		e.body_len = cb.len;
		/* F = 4 as older versions wrote it (no longer written) */
		{
			ZSTD_CCtx *cc = ZSTD_createCCtx();
			size_t cap = ZSTD_compressBound(cb.len), zl;
			uint8_t *z = malloc(cap);
			assert_non_null(z);
			ZSTD_CCtx_setParameter(cc, ZSTD_c_dictIDFlag, 0);
			assert_false(ZSTD_isError(ZSTD_CCtx_loadDictionary(cc, dict->bytes, dict->len)));
			zl = ZSTD_compress2(cc, z, cap, cb.data, cb.len);
			assert_false(ZSTD_isError(zl));
			t_seal_body(key, e.author, e.scope, e.seq, e.hlc, 4, z + 4, zl - 4, &enc);
			free(z);
			ZSTD_freeCCtx(cc);
		}
		assert_int_equal(enc.data[1], 4);
		assert_true(enc.len < 2 + cb.len + 16);
		assert_int_equal(sync_body_decrypt(sd.ctx, key, e.author, e.scope, e.seq, e.hlc, enc.data, enc.len, &out), 0);
		assert_int_equal(out.len, cb.len);
		assert_memory_equal(out.data, cb.data, cb.len);
		assert_int_equal(sync_body_decrypt(s.ctx, key, e.author, e.scope, e.seq, e.hlc, enc.data, enc.len, &out),
				 ERR_NODICT);
		buf_release(&cb);
		t_close(&sd);
		sync_dict_free(dict);
	} else {
		print_message("no sync/dict/cunlian-v1.dict here: the dictionary form is not checked\n");
	}
	sodium_memzero(key, sizeof(key));
	buf_release(&enc);
	buf_release(&want);
	buf_release(&out);
	buf_release(&fr);
	t_close(&s);
}

/* The ID number key (T8): the station and the hub derive the same one,
 * every station its own, apart from the scope key; none without the
 * scope's key. */
static void test_idnum_key(void **state)
{
	struct t_node hub, s1, s2, plain;
	uint8_t kh[SYNC_KEY_LEN], k1[SYNC_KEY_LEN], k2[SYNC_KEY_LEN], ks[SYNC_KEY_LEN],
		zero[SYNC_KEY_LEN] = { 0 }, h1[SYNC_HASH_LEN], h2[SYNC_HASH_LEN];
	(void)state;

	t_open(&hub, "hub8", 40, "c01", SYNC_ROLE_HUB);
	t_open(&s1, "s18", 41, "s1", SYNC_ROLE_STATION);
	t_open(&s2, "s28", 42, "s2", SYNC_ROLE_STATION);
	t_open_root(&plain, &root, "plain8");
	assert_int_equal(sync_idnum_key(s1.ctx, "s1", k1), 0);
	assert_int_equal(sync_idnum_key(hub.ctx, "s1", kh), 0);
	assert_memory_equal(k1, kh, SYNC_KEY_LEN);
	assert_memory_not_equal(k1, zero, SYNC_KEY_LEN);
	/* not the scope key itself */
	assert_true(sync_trust_key(s1.ctx, "s1", ks));
	assert_memory_not_equal(k1, ks, SYNC_KEY_LEN);
	/* another station's key differs, and s1 cannot derive it */
	assert_int_equal(sync_idnum_key(s2.ctx, "s2", k2), 0);
	assert_memory_not_equal(k1, k2, SYNC_KEY_LEN);
	assert_int_equal(sync_idnum_key(hub.ctx, "s2", kh), 0);
	assert_memory_equal(k2, kh, SYNC_KEY_LEN);
	assert_int_equal(sync_idnum_key(s1.ctx, "s2", kh), ERR_NOTFOUND);
	assert_memory_equal(kh, zero, SYNC_KEY_LEN);
	assert_int_equal(sync_idnum_key(hub.ctx, "", kh), ERR_NOTFOUND);
	assert_int_equal(sync_idnum_key(plain.ctx, "s1", kh), ERR_NOTFOUND);
	/* one number, one key, one hash; another key, another hash */
	sync_idnum_hash(h1, k1, "11010519491231002X", 18);
	sync_idnum_hash(h2, k1, "11010519491231002X", 18);
	assert_memory_equal(h1, h2, SYNC_HASH_LEN);
	sync_idnum_hash(h2, k2, "11010519491231002X", 18);
	assert_memory_not_equal(h1, h2, SYNC_HASH_LEN);
	sync_idnum_hash(h2, k1, "440524188001010014", 18);
	assert_memory_not_equal(h1, h2, SYNC_HASH_LEN);
	t_close(&plain);
	t_close(&s2);
	t_close(&s1);
	t_close(&hub);
}

/* The county ID key (T9): the hub derives it; a station learns it from
 * the row of scope_keys sealed to it (as enroll sign writes it), the
 * same key at every station, apart from its station ID key; a station
 * whose row is not there yet, and a relay with no row, hold none. */
static void test_idnum_county_key(void **state)
{
	struct t_node r, hub, hub2, s1, s2, rl;
	struct sync_report rep;
	struct sync_key_row kr[2];
	struct crdt_write w[2];
	uint8_t kh[SYNC_KEY_LEN], k1[SYNC_KEY_LEN], k2[SYNC_KEY_LEN], ks[SYNC_KEY_LEN],
		zero[SYNC_KEY_LEN] = { 0 };
	(void)state;

	t_county_open(&r, &hub, &hub2, &s1, &s2, 11);
	t_open(&rl, "relay11", 120, NULL, 0);
	assert_int_equal(sync_idnum_county_key(hub.ctx, kh), 0);
	assert_memory_not_equal(kh, zero, SYNC_KEY_LEN);
	assert_int_equal(sync_idnum_county_key(s1.ctx, k1), ERR_NOTFOUND); /* no row yet */
	assert_memory_equal(k1, zero, SYNC_KEY_LEN);
	/* the reserved scope has no generations */
	assert_int_equal(sync_key_row(&kr[0], &root, SYNC_CIDNUM_SCOPE, 1, s1.id.pk, T0 + 20), ERR_USAGE);
	assert_int_equal(sync_key_row(&kr[0], &root, SYNC_CIDNUM_SCOPE, 0, NULL, T0 + 20), ERR_USAGE);

	/* s1's row first: s1 learns it, s2 (which carries it) does not */
	assert_int_equal(sync_key_row(&kr[0], &root, SYNC_CIDNUM_SCOPE, 0, s1.id.pk, T0 + 20), 0);
	t_root_commit(&r, &kr[0].w, 1, T0 + 20);
	t_carry(&r, &s1, T0 + 30, &rep, NULL);
	t_carry(&r, &s2, T0 + 30, &rep, NULL);
	t_carry(&r, &rl, T0 + 30, &rep, NULL);
	assert_int_equal(sync_idnum_county_key(s1.ctx, k1), 0);
	assert_memory_equal(k1, kh, SYNC_KEY_LEN);
	assert_int_equal(sync_idnum_county_key(s2.ctx, k2), ERR_NOTFOUND);
	assert_int_equal(sync_idnum_county_key(rl.ctx, k2), ERR_NOTFOUND);
	/* not a station key, not a generation: s1's own keys are as they were */
	assert_true(sync_trust_key(s1.ctx, "s1", ks));
	assert_memory_not_equal(ks, k1, SYNC_KEY_LEN);
	assert_int_equal(sync_idnum_key(s1.ctx, "s1", ks), 0);
	assert_memory_not_equal(ks, k1, SYNC_KEY_LEN);
	assert_int_equal(sync_scope_gen(hub.ctx, SYNC_CIDNUM_SCOPE), 0);
	assert_int_equal(sync_scope_gen(s1.ctx, SYNC_CIDNUM_SCOPE), 0);

	/* then s2's (with a copy of s1's, as a re-issue would): the same key,
	 * learned again when the context is reopened from the replica */
	assert_int_equal(sync_key_row(&kr[1], &root, SYNC_CIDNUM_SCOPE, 0, s2.id.pk, T0 + 40), 0);
	w[0] = kr[1].w;
	t_root_commit(&r, w, 1, T0 + 40);
	t_carry(&r, &s2, T0 + 50, &rep, NULL);
	t_carry(&r, &rl, T0 + 50, &rep, NULL);
	assert_int_equal(sync_idnum_county_key(s2.ctx, k2), 0);
	assert_memory_equal(k2, kh, SYNC_KEY_LEN);
	t_reopen(&s2, "s2", SYNC_ROLE_STATION);
	assert_int_equal(sync_idnum_county_key(s2.ctx, k2), 0);
	assert_memory_equal(k2, kh, SYNC_KEY_LEN);
	assert_int_equal(sync_idnum_county_key(rl.ctx, k2), ERR_NOTFOUND);
	t_close(&rl);
	t_county_close(&r, &hub, &hub2, &s1, &s2);
}

/* ---- opened ranges ----------------------------------------------------- */

/* How many opened ranges (and ranges in all) chunk holds, decoded at n;
 * a compact chunk (a session's, docs/protocol.md §3) as sender signed it. */
static size_t t_opened(struct t_node *n, const uint8_t *sender, const uint8_t *p, size_t len, size_t *ranges)
{
	struct sync_chunk ch;
	struct sync_batch b;
	struct buf whole;
	size_t k = 0;
	int type;
	uint8_t id[SYNC_ID_LEN];
	size_t clen;
	assert_int_equal(sync_chunk_peek(p, len, id, &type, &clen), 0);
	if (type != SYNC_MSG_DELTA)
		return 0;
	buf_init(&whole, SYNC_CHUNK_MAX + 64);
	if (p[2] == SYNC_WIRE_COMPACT) {
		assert_int_equal(sync_chunk_expand(p, len, sender, &whole), 0);
		p = whole.data;
		len = whole.len;
	}
	sync_batch_init(&b);
	assert_int_equal(sync_chunk_open(n->ctx, p, len, &ch), 0);
	assert_int_equal(sync_payload_decode(ch.payload, ch.payload_len, ch.sender, &b), 0);
	for (size_t i = 0; i < b.nr; i++)
		k += b.r[i].opened;
	if (ranges)
		*ranges += b.nr;
	sync_batch_release(&b);
	buf_release(&whole);
	return k;
}

/* A session from a (initiator) to b until both are idle; *opened counts
 * the opened ranges in what a sent b; the commits b refused as revoked. */
static uint64_t t_session(struct t_node *a, struct t_node *b, uint64_t t, size_t *opened)
{
	struct sync_session *sa, *sb;
	struct sync_session_options oa = { .initiator = true }, ob = { 0 };
	struct buf m;
	uint64_t revoked;
	buf_init(&m, SYNC_CHUNK_MAX);
	oa.cert = a->cert.data;
	oa.cert_len = a->cert.len;
	ob.cert = b->cert.data;
	ob.cert_len = b->cert.len;
	assert_int_equal(sync_session_new(&sa, a->ctx, &oa, t), 0);
	assert_int_equal(sync_session_new(&sb, b->ctx, &ob, t), 0);
	for (int round = 0; round < 200 && !(sync_session_idle(sa) && sync_session_idle(sb)); round++) {
		while (sync_session_output(sa, &m, t) == 1) {
			if (opened)
				*opened += t_opened(b, a->id.pk, m.data, m.len, NULL);
			assert_int_equal(sync_session_input(sb, m.data, m.len, t, NULL), 0);
		}
		while (sync_session_output(sb, &m, t) == 1)
			assert_int_equal(sync_session_input(sa, m.data, m.len, t, NULL), 0);
	}
	assert_true(sync_session_idle(sa) && sync_session_idle(sb));
	revoked = (uint64_t)t_reason(sync_session_report(sb), ERR_REVOKED);
	sync_session_free(sa);
	sync_session_free(sb);
	buf_release(&m);
	return revoked;
}

struct t_chunks {
	size_t n;
	struct buf c[16];
};

static int t_keep(void *arg, const uint8_t *chunk, size_t len, const struct sync_chunk_info *info)
{
	struct t_chunks *k = arg;
	(void)info;
	assert_true(k->n < 16);
	buf_init(&k->c[k->n], 0);
	buf_put(&k->c[k->n++], chunk, len);
	return 0;
}

static void t_chunks_free(struct t_chunks *k)
{
	for (size_t i = 0; i < k->n; i++)
		buf_release(&k->c[i]);
	k->n = 0;
}

/* docs/protocol.md "Opened ranges", written out independently of trust.c
 * and codec.c: u8 format 1, nonce[24], XChaCha20-Poly1305 under key of a
 * zstd frame without its magic, ad = "cunlian-open-v1" || author ||
 * u8 len scope || scope || u64be first_seq || u64be count || u8 format. */
static void t_box(const uint8_t key[32], const uint8_t *author, const char *scope, uint64_t first,
		  uint64_t count, const uint8_t *frame, size_t flen, struct buf *out)
{
	uint8_t ad[15 + 32 + 1 + 32 + 17];
	size_t k = 0, sl = strlen(scope);
	unsigned long long clen;
	memcpy(ad, "cunlian-open-v1", 15);
	k = 15;
	memcpy(ad + k, author, 32);
	k += 32;
	ad[k++] = (uint8_t)sl;
	memcpy(ad + k, scope, sl);
	k += sl;
	for (int i = 7; i >= 0; i--)
		ad[k++] = (uint8_t)(first >> (8 * i));
	for (int i = 7; i >= 0; i--)
		ad[k++] = (uint8_t)(count >> (8 * i));
	ad[k++] = 1;
	buf_reset(out);
	buf_put_u8(out, 1);
	uint8_t *p = buf_reserve(out, 24 + flen + 16);
	assert_non_null(p);
	randombytes_buf(p, 24);
	crypto_aead_xchacha20poly1305_ietf_encrypt(p + 24, &clen, frame, flen, ad, k, NULL, p, key);
	out->len += 24 + (size_t)clen;
}

/* A zstd frame of src without its magic (content size declared). */
static void t_zframe(const uint8_t *src, size_t n, struct buf *out)
{
	size_t cap = ZSTD_compressBound(n), zl;
	uint8_t *z = malloc(cap);
	assert_non_null(z);
	zl = ZSTD_compress(z, cap, src, n, 3);
	assert_false(ZSTD_isError(zl));
	buf_reset(out);
	buf_put(out, z + 4, zl - 4);
	free(z);
}

/* The box plaintext with every body raw (codec.c P5: OP = form 0 per
 * body, PK, NUM, TXT empty, RAW = each body lenbytes); n bodies. */
static void t_raw_streams(struct buf *out, const struct buf *bodies, size_t n, size_t op_n)
{
	struct buf raw;
	buf_init(&raw, 0);
	for (size_t i = 0; i < n; i++)
		buf_put_lenbytes(&raw, bodies[i].data, bodies[i].len);
	buf_reset(out);
	buf_put_varint(out, op_n);
	for (size_t i = 0; i < op_n; i++)
		buf_put_u8(out, 0);
	buf_put_varint(out, 0);
	buf_put_varint(out, 0);
	buf_put_varint(out, 0);
	buf_put_lenbytes(out, raw.data, raw.len);
	buf_release(&raw);
}

/* The chunk c (from sender) with its first range's box replaced by box
 * (count commits kept), re-encoded and signed again by sender, so the
 * receiver's checks behind the signature are what refuse it. */
static void t_rebox(struct t_node *sender, const struct buf *c, const struct buf *box, size_t count,
		    struct buf *out)
{
	struct sync_chunk ch;
	struct sync_batch b;
	struct sync_seg seg;
	struct buf pay;
	sync_batch_init(&b);
	buf_init(&pay, SYNC_CHUNK_MAX);
	assert_int_equal(sync_chunk_open(sender->ctx, c->data, c->len, &ch), 0);
	assert_int_equal(sync_payload_decode(ch.payload, ch.payload_len, ch.sender, &b), 0);
	assert_true(b.nr == 1 && b.r[0].opened);
	if (box) {
		b.r[0].box_off = b.arena.len;
		b.r[0].box_len = box->len;
		buf_put(&b.arena, box->data, box->len);
	}
	b.r[0].count = count;
	b.nc = count;
	b.r[0].has_sig = b.cm[count - 1].has_sig;
	seg = (struct sync_seg){ &b.r[0], 0, count, b.r[0].has_sig };
	assert_int_equal(sync_payload_encode(&pay, &b, &seg, 1, sender->id.pk), 0);
	assert_int_equal(sync_chunk_seal(sender->ctx, SYNC_MSG_DELTA, pay.data, pay.len, true, out), 0);
	buf_release(&pay);
	sync_batch_release(&b);
}

/* Apply chunk at n: it changes nothing and is refused with rc. */
static void t_refused(struct t_node *n, const struct buf *c, int rc)
{
	struct sync_report rep;
	uint8_t d0[32], d1[32];
	memset(&rep, 0, sizeof(rep));
	t_digest(n, d0);
	int got = sync_chunk_apply(n->ctx, c->data, c->len, T0 + 500, &rep, NULL, NULL);
	t_digest(n, d1);
	assert_memory_equal(d0, d1, 32);
	assert_int_equal(rep.applied + rep.carried, 0);
	if (got == 0) {
		assert_true(rep.refused > 0);
		assert_true(t_reason(&rep, rc) > 0);
	} else {
		assert_int_equal(got, rc);
	}
}

static int t_plain_one(void *arg, const struct crdt_log_entry *e)
{
	struct t_node *n = ((void **)arg)[0];
	struct buf *bodies = ((void **)arg)[1];
	size_t *k = ((void **)arg)[2];
	struct buf o;
	const uint8_t *p;
	size_t len;
	buf_init(&o, CRDT_BODY_MAX + 1);
	assert_int_equal(sync_body_open(n->ctx, e, &o, &p, &len), 0);
	buf_init(&bodies[*k], 0);
	buf_put(&bodies[(*k)++], p, len);
	buf_release(&o);
	return 0;
}

static void test_opened_ranges(void **state)
{
	struct t_node r, hub, hub2, s1, s2;
	struct sync_report rep;
	struct t_chunks ch = { 0 };
	struct sync_scopes all, s1only;
	struct buf box, frame, pt, bad, bodies[8];
	uint8_t a[32], b[32], key[32];
	size_t opened = 0, nb = 0;
	(void)state;

	t_county_open(&r, &hub, &hub2, &s1, &s2, 6);
	t_write_volunteer(&s1, "s1-v1", "s1", T0 + 100);
	t_write_order(&s1, "s1", "s1-o1", "s1", T0 + 101);
	t_write_order(&s1, "s1", "s1-o2", "s1", T0 + 102);
	int forms[5] = { 0 };
	assert_true(crdt_log_each(s1.st, s1.id.pk, "s1", 0, t_forms_one, forms) >= 0);
	assert_int_equal(forms[2], 3); /* new commits are sealed F = 2 only */

	/* a relay that cannot read s1 never gets an opened range, and relays
	 * the per-commit form, which the hub takes */
	t_session(&s1, &s2, T0 + 200, &opened);
	assert_int_equal(opened, 0);
	t_session(&s2, &hub, T0 + 300, &opened);
	assert_int_equal(opened, 0);
	assert_int_equal(crdt_store_digest(hub.st, "s1", a), 0);
	assert_int_equal(crdt_store_digest(s1.st, "s1", b), 0);
	assert_memory_equal(a, b, 32);

	/* the station and a hub: opened, and the hub ends equal */
	t_session(&s1, &hub2, T0 + 400, &opened);
	assert_true(opened >= 1);
	assert_int_equal(crdt_store_digest(hub2.st, "s1", a), 0);
	assert_memory_equal(a, b, 32);
	/* the hub keeps the stored bodies as the author sealed them: it relays
	 * them to the relay's side as before */
	{
		void *arg[3] = { &hub2, bodies, &nb };
		assert_true(crdt_log_each(hub2.st, s1.id.pk, "s1", 0, t_plain_one, arg) >= 0);
		assert_int_equal(nb, 3);
	}
	t_session(&hub2, &hub, T0 + 450, NULL);

	/* a node without the key refuses an opened range, changing nothing */
	memset(&all, 0, sizeof(all));
	all.all = true;
	memset(&s1only, 0, sizeof(s1only));
	sync_scopes_add(&s1only, "s1");
	assert_int_equal(sync_delta_export_for(s1.ctx, NULL, 0, &s1only, &all, t_keep, &ch), 0);
	assert_int_equal(ch.n, 1);
	assert_int_equal(t_opened(&s2, s1.id.pk, ch.c[0].data, ch.c[0].len, NULL), 1);
	t_refused(&s2, &ch.c[0], ERR_UNAUTH);

	/* a fresh hub3 to refuse things at */
	struct t_node h3;
	t_open(&h3, "hub6c", 66, "c01", SYNC_ROLE_HUB);
	t_carry(&r, &h3, T0 + 10, &rep, NULL);
	assert_true(sync_trust_key(s1.ctx, "s1", key));
	buf_init(&box, 0);
	buf_init(&frame, 0);
	buf_init(&pt, 0);
	buf_init(&bad, SYNC_CHUNK_MAX * 2);
	{
		/* a flipped bit anywhere in the box */
		struct sync_chunk c0;
		struct sync_batch bt;
		sync_batch_init(&bt);
		assert_int_equal(sync_chunk_open(s1.ctx, ch.c[0].data, ch.c[0].len, &c0), 0);
		assert_int_equal(sync_payload_decode(c0.payload, c0.payload_len, c0.sender, &bt), 0);
		buf_put(&box, bt.arena.data + bt.r[0].box_off, bt.r[0].box_len);
		sync_batch_release(&bt);
		for (size_t i = 0; i < box.len; i++) {
			box.data[i] ^= (uint8_t)(1u << (i % 8));
			t_rebox(&s1, &ch.c[0], &box, 3, &bad);
			t_refused(&h3, &bad, i == 0 ? ERR_CORRUPT : ERR_BADSIG);
			box.data[i] ^= (uint8_t)(1u << (i % 8));
		}
		/* truncated */
		box.len--;
		t_rebox(&s1, &ch.c[0], &box, 3, &bad);
		t_refused(&h3, &bad, ERR_BADSIG);
		box.len = 10;
		t_rebox(&s1, &ch.c[0], &box, 3, &bad);
		t_refused(&h3, &bad, ERR_CORRUPT); /* shorter than any box: the chunk is malformed */
		/* a wrong count: the range says 2, the box was sealed for 3 */
		t_rebox(&s1, &ch.c[0], NULL, 2, &bad);
		t_refused(&h3, &bad, ERR_BADSIG);
	}
	/* boxes written independently of the code (docs/protocol.md) */
	t_raw_streams(&pt, bodies, 3, 3);
	t_zframe(pt.data, pt.len, &frame);
	t_box(key, s1.id.pk, "s1", 1, 3, frame.data, frame.len, &box);
	/* under another key */
	key[0] ^= 1;
	t_box(key, s1.id.pk, "s1", 1, 3, frame.data, frame.len, &bad);
	key[0] ^= 1;
	{
		struct buf c;
		buf_init(&c, SYNC_CHUNK_MAX * 2);
		t_rebox(&s1, &ch.c[0], &bad, 3, &c);
		t_refused(&h3, &c, ERR_BADSIG);
		/* two bodies for a count of three */
		t_raw_streams(&pt, bodies, 2, 2);
		t_zframe(pt.data, pt.len, &frame);
		t_box(key, s1.id.pk, "s1", 1, 3, frame.data, frame.len, &bad);
		t_rebox(&s1, &ch.c[0], &bad, 3, &c);
		t_refused(&h3, &c, ERR_CORRUPT);
		/* a length that overruns: RAW claims more than it holds */
		t_raw_streams(&pt, bodies, 3, 3);
		pt.data[pt.len - bodies[2].len - 1] = 0x7f;
		t_zframe(pt.data, pt.len, &frame);
		t_box(key, s1.id.pk, "s1", 1, 3, frame.data, frame.len, &bad);
		t_rebox(&s1, &ch.c[0], &bad, 3, &c);
		t_refused(&h3, &c, ERR_CORRUPT);
		/* a body the author did not write (one byte of its plaintext
		 * changed): its rebuilt stored body breaks the chain */
		bodies[1].data[bodies[1].len - 1] ^= 1;
		t_raw_streams(&pt, bodies, 3, 3);
		bodies[1].data[bodies[1].len - 1] ^= 1;
		t_zframe(pt.data, pt.len, &frame);
		t_box(key, s1.id.pk, "s1", 1, 3, frame.data, frame.len, &bad);
		t_rebox(&s1, &ch.c[0], &bad, 3, &c);
		t_refused(&h3, &c, ERR_BADSIG);
		/* a decompression bomb, properly sealed: refused before its
		 * claimed size is allocated */
		t_frame(&frame, (size_t)64 << 20, 0, true);
		t_box(key, s1.id.pk, "s1", 1, 3, frame.data, frame.len, &bad);
		t_rebox(&s1, &ch.c[0], &bad, 3, &c);
		t_refused(&h3, &c, ERR_TOOBIG);
		/* and the honest independent box is taken: same digest */
		t_rebox(&s1, &ch.c[0], &box, 3, &c);
		memset(&rep, 0, sizeof(rep));
		assert_int_equal(sync_chunk_apply(h3.ctx, c.data, c.len, T0 + 600, &rep, NULL, NULL), 0);
		assert_int_equal(rep.applied, 3);
		assert_int_equal(crdt_store_digest(h3.st, "s1", a), 0);
		assert_memory_equal(a, b, 32);
		buf_release(&c);
	}
	sodium_memzero(key, sizeof(key));
	for (size_t i = 0; i < nb; i++)
		buf_release(&bodies[i]);
	t_chunks_free(&ch);
	buf_release(&box);
	buf_release(&frame);
	buf_release(&pt);
	buf_release(&bad);
	t_close(&h3);
	t_county_close(&r, &hub, &hub2, &s1, &s2);
}

/* A writer as versions before opened ranges sealed: F = 3 (zstd, then
 * encrypted), hashed and signed like any local commit. */
struct t_old {
	const struct sync_identity *id;
	uint8_t key[32];
};

static int t_old_seal(void *arg, const struct crdt_log_entry *e, const uint8_t *prev, size_t prev_len,
		      struct buf *seal, struct buf *body)
{
	struct t_old *o = arg;
	const uint8_t *ph = NULL, *psig;
	uint8_t h[32], sig[64];
	struct buf fr;
	if (e->seq > 1)
		assert_int_equal(sync_seal_parse(prev, prev_len, &ph, &psig), 0);
	buf_init(&fr, 0);
	t_zframe(e->body, e->body_len, &fr);
	t_seal_body(o->key, e->author, e->scope, e->seq, e->hlc, 3, fr.data, fr.len, body);
	sync_feed_hash(h, ph, e->author, e->scope, e->seq, e->hlc, body->data, body->len);
	assert_int_equal(sync_checkpoint_sign(o->id, h, sig), 0);
	buf_put_u8(seal, 2);
	buf_put(seal, h, 32);
	buf_put(seal, sig, 64);
	buf_release(&fr);
	return seal->err;
}

static void test_opened_old_formats(void **state)
{
	struct t_node r, hub, hub2, s1, s2;
	struct crdt_sealer sealer;
	struct t_old o;
	uint8_t a[32], b[32];
	size_t opened = 0;
	(void)state;

	t_county_open(&r, &hub, &hub2, &s1, &s2, 7);
	/* two commits as an older version wrote them, then one of today */
	o.id = &s1.id;
	assert_true(sync_trust_key(s1.ctx, "s1", o.key));
	sealer.seal = t_old_seal;
	sealer.arg = &o;
	crdt_store_set_sealer(s1.st, &sealer);
	t_write_volunteer(&s1, "s1-v1", "s1", T0 + 100);
	t_write_order(&s1, "s1", "s1-o1", "s1", T0 + 101);
	sync_trust_sealer(&sealer, s1.ctx);
	crdt_store_set_sealer(s1.st, &sealer);
	t_write_order(&s1, "s1", "s1-o2", "s1", T0 + 102);
	int forms[5] = { 0 };
	assert_true(crdt_log_each(s1.st, s1.id.pk, "s1", 0, t_forms_one, forms) >= 0);
	assert_int_equal(forms[3], 2);
	assert_int_equal(forms[2], 1);
	/* the hub reads them; a range holding F = 3 travels commit by commit */
	t_session(&s1, &hub, T0 + 200, &opened);
	assert_int_equal(opened, 0);
	assert_int_equal(crdt_store_digest(hub.st, "s1", a), 0);
	assert_int_equal(crdt_store_digest(s1.st, "s1", b), 0);
	assert_memory_equal(a, b, 32);
	/* a relay carries them unread to another hub, which reads them */
	t_session(&s1, &s2, T0 + 300, NULL);
	t_session(&s2, &hub2, T0 + 400, &opened);
	assert_int_equal(opened, 0);
	assert_int_equal(crdt_store_digest(hub2.st, "s1", a), 0);
	assert_memory_equal(a, b, 32);
	/* what comes after them travels opened */
	t_write_order(&s1, "s1", "s1-o3", "s1", T0 + 500);
	t_session(&s1, &hub, T0 + 600, &opened);
	assert_int_equal(opened, 1);
	assert_int_equal(crdt_store_digest(hub.st, "s1", a), 0);
	assert_int_equal(crdt_store_digest(s1.st, "s1", b), 0);
	assert_memory_equal(a, b, 32);
	sodium_memzero(o.key, sizeof(o.key));
	t_county_close(&r, &hub, &hub2, &s1, &s2);
}

/* ---- re-keying on revocation ------------------------------------------- */

/* How the nodes of a county open the s1 bodies of a log, by who. */
struct t_opens {
	struct t_node *n;
	const uint8_t *gen0; /* also try this generation-0 key directly (a thief's) */
	uint64_t after;      /* only commits from this HLC ms */
	int ok, unauth, badsig, gen[4];
};

static int t_opens_one(void *arg, const struct crdt_log_entry *e)
{
	struct t_opens *k = arg;
	struct buf o;
	const uint8_t *p;
	size_t len;
	uint32_t g;
	if (CRDT_HLC_MS(e->hlc) < k->after)
		return 0;
	buf_init(&o, CRDT_BODY_MAX + 1);
	assert_true(sync_body_sealed(e->body, e->body_len));
	assert_int_equal(sync_body_gen(e->body, e->body_len, &g), 0);
	assert_true(g < 4);
	k->gen[g]++;
	int rc = sync_body_open(k->n->ctx, e, &o, &p, &len);
	if (rc == 0)
		k->ok++;
	else if (rc == ERR_UNAUTH)
		k->unauth++;
	if (k->gen0 && sync_body_decrypt(k->n->ctx, k->gen0, e->author, e->scope, e->seq, e->hlc, e->body,
					 e->body_len, &o) == ERR_BADSIG)
		k->badsig++;
	buf_release(&o);
	return 0;
}

static void t_opens(struct t_node *who, struct t_node *log, const uint8_t *author, uint64_t after,
		    const uint8_t *gen0, struct t_opens *k)
{
	memset(k, 0, sizeof(*k));
	k->n = who;
	k->gen0 = gen0;
	k->after = after;
	assert_true(crdt_log_each(log->st, author, "s1", 0, t_opens_one, k) >= 0);
}

/* A bundle of everything a holds, for a reader of reads (NULL: anyone),
 * into file; imported at b when b is not NULL. */
static void t_carry_for(struct t_node *a, struct t_node *b, const struct sync_scopes *reads, uint64_t t,
			struct sync_report *rep, struct buf *file)
{
	char path[256];
	FILE *f;
	uint8_t chunk[4096];
	size_t k;
	snprintf(path, sizeof(path), "%s/carry_for.bundle", dir);
	assert_int_equal(sync_bundle_export_path_for(a->ctx, path, NULL, 0, NULL, reads), 0);
	memset(rep, 0, sizeof(*rep));
	if (b)
		assert_int_equal(sync_bundle_import(b->ctx, path, t, rep), 0);
	f = fopen(path, "rb");
	assert_non_null(f);
	buf_reset(file);
	while ((k = fread(chunk, 1, sizeof(chunk), f)) > 0)
		buf_put(file, chunk, k);
	fclose(f);
}

/* The opened ranges of a bundle's chunks, decoded at n: how many, how
 * many in formats 3 and 4 (G5), and how many n can unbox. */
static void t_boxes(struct t_node *n, const struct buf *file, size_t *opened, size_t *gen_boxes,
		    size_t *unboxed)
{
	size_t off = 42;
	*opened = *gen_boxes = *unboxed = 0;
	while (off < file->len) {
		uint8_t id[SYNC_ID_LEN];
		int type;
		size_t clen;
		struct sync_chunk ch;
		struct sync_batch b;
		const char *why;
		assert_int_equal(sync_chunk_peek(file->data + off, file->len - off, id, &type, &clen), 0);
		if (type != 2) { /* the TIME, the END: no delta (bundle.c B4, B5) */
			off += clen;
			continue;
		}
		sync_batch_init(&b);
		assert_int_equal(sync_chunk_open(n->ctx, file->data + off, clen, &ch), 0);
		assert_int_equal(sync_payload_decode(ch.payload, ch.payload_len, ch.sender, &b), 0);
		for (size_t i = 0; i < b.nr; i++) {
			if (!b.r[i].opened)
				continue;
			(*opened)++;
			*gen_boxes += b.arena.data[b.r[i].box_off] >= 3;
			*unboxed += sync_range_unbox(n->ctx, &b, &b.r[i], &why) == 0;
		}
		sync_batch_release(&b);
		off += clen;
	}
}

/* Revoking a board of s1 starts generation 1 of s1's key, sealed to the
 * other board of s1 only: what the hub and that board write afterwards
 * is sealed F = 5 under it, which the revoked board cannot open (neither
 * through its context nor with the generation-0 key it holds), while
 * every remaining reader opens old and new data alike, and a station of
 * another scope still carries it all unread to a hub. */
static void test_rekey(void **state)
{
	struct t_node r, hub, hub2, s1, s2, s1b, s1w;
	struct sync_report rep;
	struct sync_trust_row rv;
	struct sync_key_row kr[4];
	struct crdt_write w[5];
	struct t_opens k;
	struct buf file;
	uint8_t readers[8][32], key0[32], key[32];
	size_t nr = 0;
	uint32_t g;
	(void)state;

	buf_init(&file, (size_t)64 << 20);
	t_county_open(&r, &hub, &hub2, &s1, &s2, 8);
	t_open(&s1b, "s1b8", 87, "s1", SYNC_ROLE_STATION); /* a second board of s1 */
	t_enrol(&r, s1b.id.pk, "s1", SYNC_ROLE_STATION, T0 + 365 * DAY, T0 + 20);
	t_open(&s1w, "s1w8", 86, "s1", SYNC_ROLE_STATION); /* a third, that syncs late */
	t_enrol(&r, s1w.id.pk, "s1", SYNC_ROLE_STATION, T0 + 365 * DAY, T0 + 21);
	t_carry(&r, &hub, T0 + 30, &rep, NULL);
	t_carry(&r, &s1b, T0 + 30, &rep, NULL);
	t_carry(&r, &s1w, T0 + 30, &rep, NULL);
	t_write_volunteer(&s1, "s1-v1", "s1", T0 + 100); /* seq 1, generation 0 */
	t_carry(&s1, &hub, T0 + 110, &rep, NULL);
	assert_int_equal(rep.applied, 1);
	assert_true(sync_trust_key(s1.ctx, "s1", key0)); /* what the thief holds */

	/* the revocation and generation 1 in one root commit, as enroll revoke makes it */
	assert_int_equal(sync_scope_gen(hub.ctx, "s1"), 0);
	assert_int_equal(sync_revocation_row(&rv, s1.id.pk, "s1", 2, 0, T0 + 200), 0);
	assert_int_equal(sync_scope_readers(hub.ctx, "s1", T0 + 200, (const uint8_t(*)[32])s1.id.pk, 1, readers, 8, &nr), 0);
	assert_int_equal(nr, 2);
	assert_memory_equal(readers[0], s1b.id.pk, 32);
	assert_memory_equal(readers[1], s1w.id.pk, 32);
	assert_int_equal(sync_key_row(&kr[0], &root, "s1", 1, NULL, T0 + 200), 0);
	assert_int_equal(sync_key_row(&kr[1], &root, "s1", 1, readers[0], T0 + 200), 0);
	assert_int_equal(sync_key_row(&kr[3], &root, "s1", 1, readers[1], T0 + 200), 0);
	w[0] = rv.w;
	w[1] = kr[0].w;
	w[2] = kr[1].w;
	w[3] = kr[3].w;
	t_root_commit(&r, w, 4, T0 + 200);
	for (int i = 0; i < 3; i++)
		t_carry(&r, i == 0 ? &hub : i == 1 ? &hub2 : &s1b, T0 + 210, &rep, NULL);
	t_carry(&r, &s2, T0 + 210, &rep, NULL);
	assert_int_equal(sync_scope_gen(hub.ctx, "s1"), 1);
	assert_int_equal(sync_scope_gen(s2.ctx, "s1"), 1);
	assert_true(sync_trust_key_gen(hub.ctx, "s1", 1, key));
	assert_true(sync_trust_key_gen(s1b.ctx, "s1", 1, key));
	assert_false(sync_trust_key_gen(s1.ctx, "s1", 1, key));
	assert_false(sync_trust_key_gen(s2.ctx, "s1", 1, key));
	assert_true(sync_trust_key_newest(s1b.ctx, "s1", &g, key));
	assert_int_equal(g, 1);
	/* a reopened context learns it again from the root's feed */
	t_reopen(&s1b, "s1", SYNC_ROLE_STATION);
	assert_true(sync_trust_key_gen(s1b.ctx, "s1", 1, key));

	/* after the revocation: the hub and the remaining board write */
	t_write_order(&hub, "s1", "s1-o9", "s1", T0 + 300);
	t_write_volunteer(&s1b, "s1-v7", "s1", T0 + 301);
	t_carry(&hub, &s1b, T0 + 310, &rep, NULL);
	assert_int_equal(rep.refused, 0);
	assert_true(rep.applied >= 2); /* s1's seq 1 and the hub's order */
	/* s1b's bundle, carried by s2 (another scope's station) unread */
	t_carry(&s1b, &s2, T0 + 320, &rep, &file);
	assert_int_equal(rep.refused, 0);
	assert_true(rep.carried >= 1);
	assert_false(t_has(&file, "王芳"));
	assert_false(t_has(&file, "13800001111"));
	assert_false(t_has(&file, "13912345678"));
	/* the relay hands it all to the other hub, which reads it */
	t_carry(&s2, &hub2, T0 + 330, &rep, NULL);
	assert_int_equal(rep.refused, 0);
	{
		uint8_t a[32], b[32];
		t_carry(&hub, &hub2, T0 + 340, &rep, NULL);
		t_carry(&hub2, &hub, T0 + 340, &rep, NULL);
		t_carry(&hub, &s1b, T0 + 340, &rep, NULL);
		assert_int_equal(crdt_store_digest(hub.st, "s1", a), 0);
		assert_int_equal(crdt_store_digest(s1b.st, "s1", b), 0);
		assert_memory_equal(a, b, 32);
		assert_int_equal(crdt_store_digest(hub2.st, "s1", b), 0);
		assert_memory_equal(a, b, 32);
	}

	/* the revoked board opens nothing written after the revocation, by
	 * the hub or by the replacement, not even with its generation-0 key */
	t_opens(&s1, &hub, hub.id.pk, T0 + 200, key0, &k);
	assert_int_equal(k.gen[1], 1);
	assert_int_equal(k.ok, 0);
	assert_int_equal(k.unauth, 1);
	assert_int_equal(k.badsig, 1);
	t_opens(&s1, &hub, s1b.id.pk, T0 + 200, key0, &k);
	assert_int_equal(k.gen[1], 1);
	assert_int_equal(k.ok, 0);
	assert_int_equal(k.badsig, 1);
	/* the remaining readers open the old and the new */
	t_opens(&s1b, &hub, s1.id.pk, 0, NULL, &k);
	assert_int_equal(k.gen[0], 1);
	assert_int_equal(k.ok, 1);
	t_opens(&s1b, &hub, hub.id.pk, 0, NULL, &k);
	assert_int_equal(k.ok, 1);
	t_opens(&hub2, &hub2, s1b.id.pk, 0, NULL, &k);
	assert_int_equal(k.ok, 1);
	/* a board that has not heard of the re-keying yet (the window,
	 * docs/security.md "Re-keying"): what it writes meanwhile is sealed
	 * under generation 0, which the revoked board holds; once it learns
	 * (at its next sync, before it seals anything more), it writes under
	 * generation 1, and boxes what it sends a reader under generation 1 */
	{
		struct sync_scopes all = { .all = true };
		size_t opened, genb, unb;
		assert_int_equal(sync_scope_gen(s1w.ctx, "s1"), 0);
		t_write_order(&s1w, "s1", "s1-o20", "s1", T0 + 350); /* generation 0, after the re-keying */
		t_carry(&r, &s1w, T0 + 370, &rep, NULL); /* it learns generation 1 */
		assert_true(sync_trust_key_newest(s1w.ctx, "s1", &g, key));
		assert_int_equal(g, 1);
		t_write_volunteer(&s1w, "s1-v30", "s1", T0 + 380); /* generation 1 */
		t_opens(&s1, &s1w, s1w.id.pk, T0 + 200, key0, &k);
		assert_int_equal(k.gen[0], 1); /* the window */
		assert_int_equal(k.gen[1], 1);
		assert_int_equal(k.ok, 1);
		assert_int_equal(k.unauth, 1);
		t_carry_for(&s1w, &hub, &all, T0 + 390, &rep, &file);
		assert_int_equal(sync_ctx_withheld(s1w.ctx), 0);
		assert_false(t_has(&file, "陪老人聊天"));
		assert_int_equal(rep.refused, 0);
		assert_int_equal(rep.applied, 2);
		/* the box is under generation 1: the hub opens it, the revoked board cannot */
		t_boxes(&hub, &file, &opened, &genb, &unb);
		assert_int_equal(opened, 1);
		assert_int_equal(genb, 1);
		assert_int_equal(unb, 1);
		t_boxes(&s1, &file, &opened, &genb, &unb);
		assert_int_equal(unb, 0);
		/* a session between the hub and the remaining board: boxes under generation 1 */
		size_t n_open = 0;
		t_write_volunteer(&s1b, "s1-v41", "s1", T0 + 394);
		t_session(&s1b, &hub, T0 + 395, &n_open);
		assert_true(n_open >= 1);
		n_open = 0;
		t_write_order(&hub, "s1", "s1-o42", "s1", T0 + 395);
		t_session(&hub, &s1b, T0 + 396, &n_open);
		assert_true(n_open >= 1);
		uint8_t a[32], b2[32];
		assert_int_equal(crdt_store_digest(hub.st, "s1", a), 0);
		assert_int_equal(crdt_store_digest(s1b.st, "s1", b2), 0);
		assert_memory_equal(a, b2, 32);
	}
	/* the revoked board learns its revocation and stops */
	t_carry(&r, &s1, T0 + 400, &rep, NULL);
	assert_true(sync_ctx_revoked(s1.ctx));
	/* a board enrolled after the revocation gets generation 1 sealed to it */
	{
		struct t_node s1c;
		t_open(&s1c, "s1c8", 88, "s1", SYNC_ROLE_STATION);
		t_enrol(&r, s1c.id.pk, "s1", SYNC_ROLE_STATION, T0 + 365 * DAY, T0 + 500);
		assert_int_equal(sync_key_row(&kr[2], &root, "s1", 1, s1c.id.pk, T0 + 500), 0);
		t_root_commit(&r, &kr[2].w, 1, T0 + 500);
		t_carry(&r, &s1c, T0 + 510, &rep, NULL);
		t_carry(&hub, &s1c, T0 + 510, &rep, NULL);
		assert_int_equal(rep.refused, 0);
		t_opens(&s1c, &s1c, hub.id.pk, 0, NULL, &k);
		assert_int_equal(k.gen[1], 2); /* the hub's two orders */
		assert_int_equal(k.ok, 2);
		t_opens(&s1c, &s1c, s1.id.pk, 0, NULL, &k);
		assert_int_equal(k.gen[0], 1); /* the revoked board's, before */
		assert_int_equal(k.ok, 1);
		t_close(&s1c);
	}
	/* ... and when its statement is signed after the re-keying, it holds
	 * generation 1 from the statement itself (version 2), so it never
	 * seals under generation 0, even before its first sync; generation 0
	 * is sealed to it in the root's feed */
	{
		struct t_node s1d;
		struct sync_statement st, back;
		t_open(&s1d, "s1d8", 79, "s1", SYNC_ROLE_STATION);
		memset(&st, 0, sizeof(st));
		memcpy(st.node, s1d.id.pk, 32);
		snprintf(st.station, sizeof(st.station), "s1");
		st.role = SYNC_ROLE_STATION;
		st.not_after = T0 + 365 * DAY;
		st.gen = 1;
		assert_int_equal(sync_statement_sign(&st, &root), 0);
		buf_reset(&s1d.cert);
		sync_statement_encode(&s1d.cert, &st);
		assert_int_equal(s1d.cert.data[4], 2); /* version 2 */
		assert_int_equal(sync_statement_decode(s1d.cert.data, s1d.cert.len, &back), 0);
		assert_int_equal(back.gen, 1);
		s1d.cert.data[s1d.cert.len - 65] ^= 2; /* the generation is signed */
		assert_int_equal(sync_statement_decode(s1d.cert.data, s1d.cert.len, &back), ERR_BADSIG);
		s1d.cert.data[s1d.cert.len - 65] ^= 2;
		t_reopen(&s1d, "s1", SYNC_ROLE_STATION);
		assert_true(sync_trust_key_newest(s1d.ctx, "s1", &g, key));
		assert_int_equal(g, 1);
		assert_false(sync_trust_key_gen(s1d.ctx, "s1", 0, key));
		t_write_volunteer(&s1d, "s1-v50", "s1", T0 + 600); /* before any sync */
		t_opens(&s1, &s1d, s1d.id.pk, 0, key0, &k);
		assert_int_equal(k.gen[1], 1);
		assert_int_equal(k.badsig, 1);
		/* generation 0, sealed to it, reads the history */
		{
			struct sync_trust_row row;
			assert_int_equal(sync_statement_row(&row, &st), 0);
			assert_int_equal(sync_key_row(&kr[2], &root, "s1", 0, s1d.id.pk, T0 + 600), 0);
			w[0] = row.w;
			w[1] = kr[2].w;
			t_root_commit(&r, w, 2, T0 + 600);
		}
		t_carry(&r, &s1d, T0 + 610, &rep, NULL);
		t_carry(&hub, &s1d, T0 + 610, &rep, NULL);
		assert_int_equal(rep.refused, 0);
		assert_true(sync_trust_key_gen(s1d.ctx, "s1", 0, key));
		t_opens(&s1d, &s1d, s1.id.pk, 0, NULL, &k);
		assert_int_equal(k.gen[0], 1);
		assert_int_equal(k.ok, 1);
		assert_int_equal(sync_key_row(&kr[2], &root, "s1", 0, NULL, T0), ERR_USAGE); /* no announcement of 0 */
		t_close(&s1d);
	}
	/* a hub never writes scope keys (G4), nor does anyone but the root:
	 * one that tries (a generation 2 of s1 sealed to s2) is refused */
	{
		struct sync_key_row bad;
		uint8_t d1[32], d2[32];
		t_carry(&hub, &hub2, T0 + 215, &rep, NULL);
		t_digest(&hub2, d1);
		assert_int_equal(sync_key_row(&bad, &root, "s1", 2, s2.id.pk, T0 + 220), 0);
		assert_int_equal(crdt_commit_local(hub.st, T0 + 220, "", &bad.w, 1, NULL), 0);
		t_carry(&hub, &hub2, T0 + 230, &rep, NULL);
		assert_int_equal(t_reason(&rep, ERR_UNAUTH), 1);
		t_digest(&hub2, d2);
		assert_memory_equal(d1, d2, 32);
		assert_int_equal(sync_scope_gen(hub2.ctx, "s1"), 1);
		t_carry(&hub, &s2, T0 + 230, &rep, NULL);
		assert_false(sync_trust_key_gen(s2.ctx, "s1", 2, key));
		assert_int_equal(sync_scope_gen(s2.ctx, "s1"), 1);
	}
	sodium_memzero(key0, sizeof(key0));
	sodium_memzero(key, sizeof(key));
	t_close(&s1b);
	t_close(&s1w);
	t_county_close(&r, &hub, &hub2, &s1, &s2);
	buf_release(&file);
}

/* Data a station enters before it is enrolled (no key yet) never leaves
 * it in plaintext: not while it waits for its statement, not afterwards
 * commit by commit (to a relay, a bundle for anyone); only boxed for a
 * reader of its scope, which keeps the bodies as the author wrote them. */
static void test_plain_before_enrolment(void **state)
{
	struct t_node r, hub, hub2, s1, s2, p;
	struct sync_statement st;
	struct sync_scopes all = { .all = true };
	struct sync_report rep;
	struct buf file;
	size_t opened, genb, unb;
	uint8_t a[32], b[32];
	(void)state;

	buf_init(&file, (size_t)64 << 20);
	t_county_open(&r, &hub, &hub2, &s1, &s2, 5);
	t_open(&p, "pre5", 57, NULL, 0); /* the county's root configured, no statement yet */
	t_carry(&r, &p, T0 + 20, &rep, NULL);
	t_write_volunteer(&p, "s3-v1", "s3", T0 + 30);
	t_write_order(&p, "s3", "s3-o1", "s3", T0 + 31);
	t_carry_for(&p, NULL, NULL, T0 + 40, &rep, &file);
	assert_int_equal(sync_ctx_withheld(p.ctx), 2);
	assert_false(t_has(&file, "王芳"));
	assert_false(t_has(&file, "13800001111"));
	/* enrolled: the statement arrives, the node writes encrypted now */
	t_statement(&st, &root, p.id.pk, "s3", SYNC_ROLE_STATION, T0 + 365 * DAY);
	sync_statement_encode(&p.cert, &st);
	t_enrol(&r, p.id.pk, "s3", SYNC_ROLE_STATION, T0 + 365 * DAY, T0 + 50);
	t_carry(&r, &hub, T0 + 55, &rep, NULL);
	t_reopen(&p, "s3", SYNC_ROLE_STATION);
	t_write_volunteer(&p, "s3-v2", "s3", T0 + 60);
	/* for anyone (a relay): the feed is left out from its first plaintext */
	t_carry_for(&p, &s2, NULL, T0 + 70, &rep, &file);
	assert_int_equal(sync_ctx_withheld(p.ctx), 3);
	assert_false(t_has(&file, "王芳"));
	assert_false(t_has(&file, "13800001111"));
	assert_false(t_has(&file, "13912345678"));
	assert_int_equal(rep.carried, 0);
	/* for the hub: boxed, and the hub keeps the same bodies */
	t_carry_for(&p, &hub, &all, T0 + 80, &rep, &file);
	assert_int_equal(sync_ctx_withheld(p.ctx), 0);
	assert_false(t_has(&file, "王芳"));
	assert_false(t_has(&file, "13800001111"));
	assert_false(t_has(&file, "13912345678"));
	assert_int_equal(rep.refused, 0);
	assert_int_equal(rep.applied, 3);
	t_boxes(&hub, &file, &opened, &genb, &unb);
	assert_int_equal(opened, 1);
	assert_int_equal(genb, 1); /* formats 3, 4: plaintext bodies need the forms */
	assert_int_equal(unb, 1);
	assert_int_equal(crdt_store_digest(hub.st, "s3", a), 0);
	assert_int_equal(crdt_store_digest(p.st, "s3", b), 0);
	assert_memory_equal(a, b, 32);
	/* and the hub too sends them on to a relay not at all, to s3 boxed */
	t_carry_for(&hub, &s2, NULL, T0 + 90, &rep, &file);
	assert_true(sync_ctx_withheld(hub.ctx) >= 3);
	assert_false(t_has(&file, "王芳"));
	assert_false(t_has(&file, "13800001111"));
	t_close(&p);
	t_county_close(&r, &hub, &hub2, &s1, &s2);
	buf_release(&file);
}

/* The hub writes a statement with the county key, as `enroll sign` does. */
static void t_hub_enrol(struct t_node *hub, const uint8_t *node, const char *station, uint64_t t)
{
	struct sync_statement st;
	struct sync_trust_row row;
	t_statement(&st, &root, node, station, SYNC_ROLE_STATION, T0 + 365 * DAY);
	assert_int_equal(sync_statement_row(&row, &st), 0);
	assert_int_equal(sync_root_commit(hub->ctx, hub->st, &root, t, &row.w, 1), 0);
}

/* S8: a station that does not know s2 yet syncs with the hub, which holds
 * the statements it signed and s2's own county-wide row, in 1 KiB chunks;
 * every burst of the hub's messages reaches the station in reverse order
 * (as requests in flight at once overtake each other). s2's row must not
 * come before s2's statement, which would refuse it for good: it arrives,
 * nothing is refused, and the county-wide data agree. */
/* S9: a station that does not know s2 yet syncs with a hub that holds the
 * root's statements and s2's own county-wide row, in 1 KiB chunks, and
 * every burst of the hub's messages reaches it in reverse order (as
 * requests in flight at once overtake each other). s2's row must not come
 * before s2's statement: it would be refused for good. It arrives, nothing
 * is refused, and the county-wide data agree. */
static void test_statements_first(void **state)
{
	struct t_node hub, s1, s2;
	struct sync_report rep;
	struct crdt_write w;
	struct sync_options o;
	struct sync_session *sa, *sb;
	struct sync_session_options oa = { .initiator = true }, ob = { 0 };
	struct buf m, burst[64];
	size_t nb;
	uint8_t a[32], b[32];
	uint64_t t = T0 + 100;
	(void)state;

	t_open(&hub, "sf-hub", 91, "c01", SYNC_ROLE_HUB);
	t_open(&s1, "sf-s1", 92, "s1", SYNC_ROLE_STATION);
	t_open(&s2, "sf-s2", 93, "s2", SYNC_ROLE_STATION);
	t_hub_enrol(&hub, s1.id.pk, "s1", T0 + 1);
	for (int i = 0; i < 12; i++) { /* more stations: statements of several chunks */
		struct sync_identity x;
		char st[16];
		t_ident(&x, (uint8_t)(100 + i));
		snprintf(st, sizeof(st), "s%d", 10 + i);
		t_hub_enrol(&hub, x.pk, st, T0 + 2);
		sync_identity_release(&x);
	}
	t_hub_enrol(&hub, s2.id.pk, "s2", T0 + 3);
	crdt_write_init(&w, 0, CRDT_UPSERT, "s2");
	crdt_write_text(&w, "name", "二村");
	assert_int_equal(crdt_commit_local(s2.st, T0 + 20, "", &w, 1, NULL), 0);
	t_carry(&s2, &hub, T0 + 30, &rep, NULL);
	assert_int_equal(rep.applied, 1);
	/* the hub in chunks of 1 KiB: the statements take several */
	memset(&o, 0, sizeof(o));
	o.apply.all = true;
	o.carry_others = true;
	o.county_root = hub.root;
	o.self_cert = hub.cert.data;
	o.self_cert_len = hub.cert.len;
	o.chunk_max = 1024;
	sync_ctx_free(hub.ctx);
	assert_int_equal(sync_ctx_new(&hub.ctx, hub.st, &hub.id, &o), 0);

	buf_init(&m, SYNC_CHUNK_MAX);
	for (size_t i = 0; i < 64; i++)
		buf_init(&burst[i], SYNC_CHUNK_MAX);
	oa.cert = s1.cert.data;
	oa.cert_len = s1.cert.len;
	assert_int_equal(sync_session_new(&sa, s1.ctx, &oa, t), 0);
	assert_int_equal(sync_session_new(&sb, hub.ctx, &ob, t), 0);
	for (int round = 0; round < 200 && !(sync_session_idle(sa) && sync_session_idle(sb)); round++) {
		t += 10000; /* past any resend time */
		sync_session_tick(sa, t);
		sync_session_tick(sb, t);
		while (sync_session_output(sa, &m, t) == 1)
			assert_int_equal(sync_session_input(sb, m.data, m.len, t, NULL), 0);
		for (nb = 0; nb < 64 && sync_session_output(sb, &burst[nb], t) == 1; nb++)
			;
		while (nb-- > 0)
			assert_int_equal(sync_session_input(sa, burst[nb].data, burst[nb].len, t, NULL), 0);
	}
	assert_true(sync_session_idle(sa) && sync_session_idle(sb));
	const struct sync_report *got = sync_session_report(sa);
	assert_true(got->chunks >= 3); /* the statements did take several chunks */
	assert_int_equal(got->refused - (uint64_t)t_reason(got, ERR_GAP), 0);
	assert_int_equal(crdt_store_digest(hub.st, "", a), 0);
	assert_int_equal(crdt_store_digest(s1.st, "", b), 0);
	assert_memory_equal(a, b, 32);
	sync_session_free(sa);
	sync_session_free(sb);
	for (size_t i = 0; i < 64; i++)
		buf_release(&burst[i]);
	buf_release(&m);
	t_close(&hub);
	t_close(&s1);
	t_close(&s2);
}

/* ---- a revoked station's commits from before its revocation ------------- */

/* Does n hold s1's commits 1..upto of scope s1, and none after? */
static void t_holds_prefix(struct t_node *n, const struct t_node *s1, uint64_t upto, uint64_t last)
{
	for (uint64_t q = 1; q <= last; q++)
		if (crdt_store_has(n->st, s1->id.pk, "s1", q) != (q <= upto))
			fail_msg("commit s1/%llu: %s", (unsigned long long)q, q <= upto ? "missing" : "held");
}

/* Station s1 writes two commits, is revoked (--now), and writes a third
 * before it learns; s2 carries all three in one range whose checkpoint
 * is on the third (delta.c P1-P4). Every node that takes the first two
 * keeps the refused third with its checkpoint as their proof and relays
 * them on; none but a carrier that took it before it knew holds the
 * third; a node that holds only the prefix offers nothing of the feed
 * again, and such a carrier offers the third again, refused each time
 * (P4). */
static void t_revoked_prefix(bool carrier_knew, int county)
{
	struct t_node r, hub, hub2, s1, s2;
	struct sync_report rep;
	struct sync_trust_row row;
	uint64_t n;

	t_county_open(&r, &hub, &hub2, &s1, &s2, county);
	t_write_volunteer(&s1, "s1-v1", "s1", T0 + 100); /* seq 1 */
	t_write_volunteer(&s1, "s1-v2", "s1", T0 + 101); /* seq 2 */
	assert_int_equal(sync_revocation_row(&row, s1.id.pk, "s1", 0, T0 + 150, T0 + 150), 0);
	t_root_commit(&r, &row.w, 1, T0 + 150);
	t_carry(&r, &hub, T0 + 160, &rep, NULL);
	t_carry(&r, &hub2, T0 + 160, &rep, NULL);
	if (carrier_knew)
		t_carry(&r, &s2, T0 + 160, &rep, NULL);
	t_write_volunteer(&s1, "s1-v3", "s1", T0 + 200); /* seq 3: after it */

	/* the carrier takes one range 1..3, its checkpoint on seq 3 */
	t_carry(&s1, &s2, T0 + 210, &rep, NULL);
	assert_int_equal(rep.carried, carrier_knew ? 2 : 3);
	assert_int_equal(t_reason(&rep, ERR_REVOKED), carrier_knew ? 1 : 0);
	t_holds_prefix(&s2, &s1, carrier_knew ? 2 : 3, 3);

	/* to the hub: the first two, the third refused once */
	n = t_session(&s2, &hub, T0 + 220, NULL);
	t_holds_prefix(&hub, &s1, 2, 3);
	assert_int_equal(n, 1);
	/* a carrier that took the third before it knew still offers it, and
	 * the hub refuses it again, with its reason (P4); one that knew
	 * holds the prefix alone and offers nothing */
	assert_int_equal(t_session(&s2, &hub, T0 + 230, NULL), carrier_knew ? 0 : 1);
	t_holds_prefix(&hub, &s1, 2, 3);

	/* the hub relays the prefix with its proof; the third is refused there too */
	n = t_session(&hub, &hub2, T0 + 240, NULL);
	t_holds_prefix(&hub2, &s1, 2, 3);
	assert_int_equal(n, 1);
	assert_int_equal(t_session(&hub, &hub2, T0 + 250, NULL), 0);
	t_county_close(&r, &hub, &hub2, &s1, &s2);
}

static void test_revoked_prefix_carried(void **state)
{
	(void)state;
	t_revoked_prefix(true, 24);
}

static void test_revoked_tail_refused_again(void **state)
{
	(void)state;
	t_revoked_prefix(false, 25);
}

/* The same when s1's commits reach the carrier in pieces of its own feed
 * without their checkpoint (D9, chunks of SYNC_CHUNK_IP): the proof of
 * the two before the revocation waits for the checkpoint that ends the
 * last piece (P2). */
static void test_revoked_prefix_bare(void **state)
{
	struct t_node r, hub, hub2, s1, s2;
	struct sync_report rep;
	struct sync_trust_row row;
	struct sync_scopes wants;
	struct t_chunks ch;
	char pk[16];
	uint64_t n;
	(void)state;

	t_chunk = SYNC_CHUNK_IP;
	t_county_open(&r, &hub, &hub2, &s1, &s2, 26);
	t_chunk = 0;
	for (int i = 0; i < 100; i++) { /* seq 1, 2 before; 3..100 after */
		snprintf(pk, sizeof(pk), "s1-v%d", i + 1);
		t_write_volunteer(&s1, pk, "s1", T0 + (i < 2 ? 100 : 200) + (uint64_t)i);
		if (i == 1) {
			assert_int_equal(sync_revocation_row(&row, s1.id.pk, "s1", 0, T0 + 150, T0 + 150), 0);
			t_root_commit(&r, &row.w, 1, T0 + 150);
			t_carry(&r, &hub, T0 + 160, &rep, NULL);
			t_carry(&r, &s2, T0 + 160, &rep, NULL);
		}
	}
	memset(&wants, 0, sizeof(wants));
	sync_scopes_add(&wants, "s1");
	memset(&ch, 0, sizeof(ch));
	assert_int_equal(sync_delta_export(s1.ctx, NULL, 0, &wants, t_keep, &ch), 0);
	assert_true(ch.n >= 3);
	memset(&rep, 0, sizeof(rep));
	for (size_t i = 0; i < ch.n; i++)
		assert_int_equal(sync_chunk_apply(s2.ctx, ch.c[i].data, ch.c[i].len, T0 + 300, &rep, NULL, NULL), 0);
	assert_int_equal(rep.carried, 2);
	assert_int_equal(t_reason(&rep, ERR_REVOKED), 98);
	t_holds_prefix(&s2, &s1, 2, 100);

	n = t_session(&s2, &hub, T0 + 310, NULL);
	t_holds_prefix(&hub, &s1, 2, 100);
	assert_int_equal(n, 98);
	assert_int_equal(t_session(&s2, &hub, T0 + 320, NULL), 0);
	t_chunks_free(&ch);
	t_county_close(&r, &hub, &hub2, &s1, &s2);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_statement_and_request),
		cmocka_unit_test(test_refusals),
		cmocka_unit_test(test_held_back),
		cmocka_unit_test(test_gift_rights),
		cmocka_unit_test(test_category_rights),
		cmocka_unit_test(test_teams_and_ledger),
		cmocka_unit_test(test_expired),
		cmocka_unit_test(test_revocation),
		cmocka_unit_test(test_trust_live),
		cmocka_unit_test(test_encryption),
		cmocka_unit_test(test_body_format),
		cmocka_unit_test(test_idnum_key),
		cmocka_unit_test(test_idnum_county_key),
		cmocka_unit_test(test_opened_ranges),
		cmocka_unit_test(test_opened_old_formats),
		cmocka_unit_test(test_commit_fit),
		cmocka_unit_test(test_rekey),
		cmocka_unit_test(test_plain_before_enrolment),
		cmocka_unit_test(test_statements_first),
		cmocka_unit_test(test_activity_rights),
		cmocka_unit_test(test_revoked_prefix_carried),
		cmocka_unit_test(test_revoked_tail_refused_again),
		cmocka_unit_test(test_revoked_prefix_bare),
	};
	if (sync_init())
		return 1;
	return cmocka_run_group_tests(tests, setup, teardown);
}
