// SPDX-License-Identifier: MIT
/*
 * test_sim.c - deterministic simulation: a hub and a handful of stations
 * in one process, each a real replica (a SQLite file behind the power-cut
 * VFS, crashvfs.c) with a sync context and sync sessions, joined by a
 * simulated link and driven by one seed.
 *
 * One seed = one run:
 *  1. Fault phase. Stations and the hub do the standard workload's kind of
 *     work (villagegen.py: volunteers, profile edits, orders through their
 *     lifecycle with service credits, redemptions at the home station up to
 *     the balance it knows, volunteer deletes; teams, volunteers joining and
 *     leaving them, adjustments and hours outside orders at the home
 *     station (issue 17); the hub reassigns orders,
 *     adjusts points and edits county settings). Links lose, duplicate,
 *     delay and reorder messages and go down (partitions); sessions are
 *     reset; stations reach the hub through relays and by bundles carried
 *     by hand (sometimes cut short or damaged); nodes lose power at random
 *     points, also in the middle of applying a delta (the VFS trips on the
 *     Nth write or sync), and reboot with skewed clocks or at 1970.
 *  2. After every power cut: PRAGMA integrity_check is ok; every local
 *     commit that returned and every commit held at the end of a step that
 *     completed (so every acknowledged chunk) is still there; and no other
 *     node holds a commit of this node's feeds that it has lost (it could
 *     reissue that seq).
 *  3. Heal: faults stop, every station gets a link to the hub, the links
 *     run until quiet (every link has had an exchange that began after the
 *     last change and ended converged; then no new exchange starts until
 *     nothing is in flight). Then: each station's digest equals the hub's
 *     for its station scope and for the county-wide scope "", and equals
 *     (over everything it merges) a replica built
 *     from exactly the feeds it should hold; every acknowledged commit is
 *     held everywhere it should be; feeds agree wherever they are held (no
 *     seq reused); no volunteer's redemptions exceed the credits and raises
 *     he was given; no order went back from done/rated, and a rated order
 *     was done; no item of a gift shelf has a stock below zero; every
 *     entry of the service menu is in the scope of its station; no
 *     activity holds more seats than its capacity.
 *
 *   CUNLIAN_SEEDS=N CUNLIAN_SEED_START=K [CUNLIAN_JOBS=J] build/tests/sim/test_sim
 * runs seeds K..K+N-1 (default 1000 from 1; 250 under AddressSanitizer, as
 * in make check) in J processes (default 2).
 * CUNLIAN_SIM_BIG=1 makes every run larger (5-50 stations, more work; soak).
 * CUNLIAN_SIM_TRACE=1 prints what happens. A failure prints the seed and
 * the command that replays it.
 * Clock jumps (issue 12; on for every fourth seed, CUNLIAN_SIM_CLOCKS=1 for
 * every seed, 0 for none): station clocks jump years forward, days back, to
 * 1970, and are set from the hub again; every local write is judged by
 * crdt_time_judge() on what the station heard of the hub's clock (TIME in
 * sessions and bundles) and refused outside the bounds. Then: every
 * acknowledged commit is one the hub accepts at once (its HLC at most a
 * day past the hub's clock), and the checks of step 3 hold.
 * CUNLIAN_SIM_CLOCKS=2 lets the jumps through unjudged: it must fail.
 * Trust (issue 13; on for every third seed, CUNLIAN_SIM_TRUST=1 for every
 * seed, 0 for none): a county root enrols the hub and every station but
 * the last in the hub's replica before the run; every node syncs with the
 * county root and its statement (scopes encrypted, authors judged). At a
 * random step the root revokes one station from now, at another enrols
 * the last one (which then starts), both committed through a second store
 * handle on the hub's file (enroll beside serve): the hub's own handle and
 * sessions must obey at their next message. A station that learns it was
 * revoked stops syncing. Then: it learned; the hub holds none of its
 * commits from the revocation on (but those it held then) and every one
 * from before that left it; every commit of the late station is at the
 * hub; the checks of step 3 hold for everyone else (the revoked station's
 * digests are not compared, its commits are judged as just said).
 */
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <sodium.h>
#include <sqlite3.h>

#include "base/err.h"
#include "base/mem.h"
#include "sync/sync.h"
#include "tests/helpers.h"
#include "tests/sim/crashvfs.c"

#define MAXN 52
#define T_VOL 1
#define T_TEAM 2
#define T_ORD 3
#define T_EV 4
#define T_PTS 5
#define T_SET 6
#define DICT_PATH "sync/dict/cunlian-v1.dict"

/* ---- seeded randomness ------------------------------------------------ */

struct rng {
	uint64_t s;
};

static uint64_t rnext(struct rng *r)
{
	return cv_rand(&r->s);
}

static unsigned rbelow(struct rng *r, unsigned n)
{
	return n ? (unsigned)(rnext(r) % n) : 0;
}

static bool rpct(struct rng *r, unsigned pct)
{
	return rbelow(r, 100) < pct;
}

/* libsodium's randomness, seeded by the run: sealed boxes (statements'
 * keys) and opened ranges' nonces take random bytes, and a run must
 * replay byte for byte. A test harness only: the keys are the seed's. */
static uint64_t sim_rand_state;

static const char *sim_rand_name(void)
{
	return "cunlian-sim";
}

static uint32_t sim_rand_u32(void)
{
	return (uint32_t)(cv_rand(&sim_rand_state) >> 32);
}

static void sim_rand_buf(void *const p, const size_t n)
{
	uint8_t *b = p;
	for (size_t i = 0; i < n; i++)
		b[i] = (uint8_t)(cv_rand(&sim_rand_state) >> 56);
}

static struct randombytes_implementation sim_rand_impl = {
	.implementation_name = sim_rand_name,
	.random = sim_rand_u32,
	.buf = sim_rand_buf,
};

/* ---- the world -------------------------------------------------------- */

struct msg {
	int from, to;
	uint64_t xid;
	uint64_t at, order;
	uint8_t *p;
	size_t len;
};

struct link {
	bool exists, up;
	unsigned loss, dup; /* percent */
	unsigned delay, jitter; /* ms */
};

struct acked {
	char scope[CRDT_SCOPE_MAX + 1];
	uint64_t seq, hlc;
};

struct seen {
	char pk[48];
	int phase;
};

struct node {
	int idx;
	bool hub, carrier;
	bool late;    /* trust: enrolled during the run; silent until then */
	bool stopped; /* trust: learned it was revoked; syncs no more */
	char scope[16];
	char path[128];
	int dom;
	struct sync_identity id;
	struct crdt_store *st;
	struct sync_ctx *ctx;
	struct sync_session *ses[MAXN]; /* by peer: the current exchange */
	uint64_t xid[MAXN];     /* its exchange id (node/link.c's key) */
	uint64_t x_start[MAXN], x_last[MAXN], x_next[MAXN]; /* x_last: last heard from the peer */
	uint64_t x_done[MAXN];  /* initiator: start of the last exchange that ended converged */
	int64_t skew;
	bool c1970;
	uint64_t boot_at;
	struct crdt_time_evidence tev; /* clock jumps: what it knows of the time */
	struct buf cert; /* trust: its statement (sync_options.self_cert) */
	struct acked *acked;
	size_t nacked, acked_cap;
	struct crdt_vv_entry *durable;
	size_t ndurable;
	bool dirty;   /* applied or committed since the last refresh */
	bool changed; /* since the last snapshot of what it holds */
	struct seen *seen;
	size_t nseen, seen_cap;
	unsigned nvol, nord, nev, npts, nset, nteam;
};

struct bag { /* a bundle on its way by hand */
	int from, to;
	uint64_t due;
	uint8_t *p;
	size_t len;
};

struct stats {
	uint64_t ops, cuts, mid_apply, msgs, lost, dups, bundles, bundles_damaged, clock1970,
		resets, steps,
		trust_runs, trust_before, trust_after, trust_after_out, trust_refused, trust_late,
		compactions, pruned;
		/* only uint64_t: workers send it whole (stats_add) */
};

struct sim {
	uint64_t seed;
	struct rng r;
	bool trace, big;
	int n;
	struct node node[MAXN];
	struct link link[MAXN][MAXN];
	struct msg *q;
	size_t nq, qcap;
	uint64_t qorder;
	struct bag *bags;
	size_t nbags, bcap;
	uint64_t now, step;
	uint64_t xids, last_change; /* exchange ids; when data last changed anywhere */
	char dir[64];
	bool group;
	bool quiet; /* heal: converged; no new exchanges while the last messages drain */
	unsigned rto;
	int clocks; /* clock jumps: 0 off, 1 judged, 2 unjudged (must fail) */
	/* trust (issue 13): the county root; the station revoked at step
	 * rev_step (from HLC time rev_ms; the hub held its feed up to
	 * rev_held then) and the one enrolled at step late_step */
	bool trust;
	struct sync_identity root;
	int revoked, late;
	uint64_t rev_step, late_step, rev_ms, rev_held;
	bool rev_done, late_done;
	struct sync_options base;
	/* log compaction (issue 15): on for this run; every merged commit
	 * any node held before it compacted, carried (its body as kept), so
	 * the reference replicas of the heal check can be built after the
	 * hub pruned */
	bool compact;
	struct crdt_store *archive;
	struct stats st;
	char fail[600];
};

static struct sync_dict *dict;

#define TRACE(S, ...) do { if ((S)->trace) { fprintf(stderr, "[%llu] ", (unsigned long long)(S)->step); \
		fprintf(stderr, __VA_ARGS__); fputc('\n', stderr); } } while (0)

static int sim_fail(struct sim *S, const char *fmt, ...)
{
	if (!S->fail[0]) {
		va_list ap;
		va_start(ap, fmt);
		vsnprintf(S->fail, sizeof(S->fail), fmt, ap);
		va_end(ap);
		TRACE(S, "FAIL %s", S->fail);
	}
	return -1;
}

static uint64_t wall(const struct sim *S, const struct node *n)
{
	if (n->c1970)
		return 1000 + (S->now - n->boot_at);
	return (uint64_t)((int64_t)S->now + n->skew);
}

static bool applies(const struct node *n, const char *scope)
{
	return n->hub || scope[0] == '\0' || strcmp(scope, n->scope) == 0;
}

/* ---- nodes ------------------------------------------------------------ */

static int node_attach(struct sim *S, struct node *n)
{
	struct crdt_options co;
	struct sync_options so = S->base;
	int rc;
	memset(&co, 0, sizeof(co));
	if ((rc = crdt_store_open(&n->st, n->path, n->id.pk, &co)))
		return sim_fail(S, "node %d: store does not open: %s", n->idx, err_str(rc));
	if (S->trust) {
		so.county_root = S->root.pk;
		so.self_cert = n->cert.data;
		so.self_cert_len = n->cert.len;
	}
	if (n->hub) {
		so.apply.all = true;
	} else {
		sync_scopes_add(&so.apply, n->scope);
		sync_scopes_add(&so.apply, "");
		so.carry_others = n->carrier;
	}
	if ((rc = sync_ctx_new(&n->ctx, n->st, &n->id, &so)))
		return sim_fail(S, "node %d: sync_ctx_new: %s", n->idx, err_str(rc));
	if (S->trust && sync_ctx_revoked(n->ctx))
		n->stopped = true; /* it knew before the power cut */
	return 0;
}

static void node_detach(struct sim *S, struct node *n)
{
	for (int j = 0; j < S->n; j++) {
		sync_session_free(n->ses[j]);
		n->ses[j] = NULL;
		n->x_next[j] = S->now;
	}
	sync_ctx_free(n->ctx);
	n->ctx = NULL;
	crdt_store_close(n->st);
	n->st = NULL;
}

static int snapshot_durable(struct sim *S, struct node *n)
{
	mem_free(n->durable);
	n->durable = NULL;
	n->ndurable = 0;
	int rc = crdt_store_vv(n->st, &n->durable, &n->ndurable);
	return rc ? sim_fail(S, "node %d: vv: %s", n->idx, err_str(rc)) : 0;
}

static int log_hlc(void *arg, const struct crdt_log_entry *e)
{
	*(uint64_t *)arg = e->hlc;
	return 0;
}

static uint64_t held_hlc(struct node *n, const uint8_t *author, const char *scope, uint64_t seq)
{
	uint64_t h = 0;
	if (crdt_log_get(n->st, author, scope, seq, log_hlc, &h))
		return 0;
	return h;
}

/* Is (author, scope, seq) held at n with clock hlc, or pruned there below
 * a base (log compaction: held, its body gone)? */
static bool held_as(struct node *n, const uint8_t *author, const char *scope, uint64_t seq, uint64_t hlc)
{
	uint64_t h = held_hlc(n, author, scope, seq);
	if (h)
		return h == hlc;
	struct crdt_base b;
	return crdt_store_base_get(n->st, author, scope, &b) == 0 && seq <= b.seq;
}

static int integrity(struct sim *S, struct node *n)
{
	sqlite3_stmt *st;
	int ok = 0;
	if (sqlite3_prepare_v2(crdt_store_db(n->st), "PRAGMA integrity_check", -1, &st, NULL) != SQLITE_OK)
		return sim_fail(S, "node %d: integrity_check does not run", n->idx);
	if (sqlite3_step(st) == SQLITE_ROW && sqlite3_column_text(st, 0) &&
	    strcmp((const char *)sqlite3_column_text(st, 0), "ok") == 0)
		ok = 1;
	if (!ok)
		sim_fail(S, "node %d: integrity_check after the power cut: %s", n->idx,
			 sqlite3_column_text(st, 0) ? (const char *)sqlite3_column_text(st, 0) : "?");
	sqlite3_finalize(st);
	return ok ? 0 : -1;
}

/* A power cut: whatever the node was doing stops; unsynced writes are
 * dropped, kept or garbled; the node reboots and is checked. */
static int crash_restart(struct sim *S, struct node *n)
{
	bool mid = cv_tripped(n->dom);
	int rc;
	cv_trip(n->dom);
	node_detach(S, n);
	for (int j = 0; j < S->n; j++) /* the peers may or may not notice */
		if (S->node[j].ses[n->idx] && rpct(&S->r, 50)) {
			sync_session_free(S->node[j].ses[n->idx]);
			S->node[j].ses[n->idx] = NULL;
		}
	if (cv_cut(n->dom, &S->r.s, -1))
		return sim_fail(S, "node %d: the power cut could not rewrite the files", n->idx);
	S->st.cuts++;
	if (mid)
		S->st.mid_apply++;
	TRACE(S, "node %d loses power%s", n->idx, mid ? " in the middle of a write" : "");
	n->boot_at = S->now;
	if (rpct(&S->r, 25)) {
		n->c1970 = true;
		S->st.clock1970++;
	} else {
		n->c1970 = false;
	}
	if (node_attach(S, n) || integrity(S, n))
		return -1;
	/* every acknowledged local commit is there, with its clock */
	for (size_t i = 0; i < n->nacked; i++)
		if (!held_as(n, n->id.pk, n->acked[i].scope, n->acked[i].seq, n->acked[i].hlc))
			return sim_fail(S, "node %d: acknowledged local commit %s/%llu lost in a power cut",
					n->idx, n->acked[i].scope, (unsigned long long)n->acked[i].seq);
	/* every commit it held at the end of a completed step is there */
	for (size_t i = 0; i < n->ndurable; i++)
		if (!crdt_store_has(n->st, n->durable[i].author, n->durable[i].scope, n->durable[i].seq))
			return sim_fail(S, "node %d: held (acknowledged) commit %s/%llu lost in a power cut",
					n->idx, n->durable[i].scope, (unsigned long long)n->durable[i].seq);
	/* no other node holds a commit of ours that we lost: no seq reuse */
	for (int j = 0; j < S->n; j++) {
		struct crdt_vv_entry *vv = NULL;
		size_t nvv = 0;
		if (j == n->idx)
			continue;
		if ((rc = crdt_store_vv(S->node[j].st, &vv, &nvv)))
			return sim_fail(S, "node %d: vv: %s", j, err_str(rc));
		for (size_t k = 0; k < nvv && !S->fail[0]; k++)
			if (memcmp(vv[k].author, n->id.pk, 32) == 0 &&
			    !crdt_store_has(n->st, n->id.pk, vv[k].scope, vv[k].seq))
				sim_fail(S, "node %d: lost its commit %s/%llu that node %d holds: it would reissue the seq",
					 n->idx, vv[k].scope, (unsigned long long)vv[k].seq, j);
		mem_free(vv);
	}
	return S->fail[0] ? -1 : snapshot_durable(S, n);
}

/* After every call that may write: a tripped node has lost power. */
static int check_trip(struct sim *S, struct node *n, int rc, const char *what)
{
	if (cv_tripped(n->dom))
		return crash_restart(S, n) ? -1 : 1;
	if (rc < 0)
		return sim_fail(S, "node %d: %s: %s", n->idx, what, err_str(rc));
	return 0;
}

/* ---- local work (villagegen.py's mix, from the node's own view) --------- */

static int q_int(struct node *n, const char *sql, const char *a, const char *b, int64_t *out)
{
	sqlite3_stmt *st;
	*out = 0;
	if (sqlite3_prepare_v2(crdt_store_db(n->st), sql, -1, &st, NULL) != SQLITE_OK)
		return -1;
	if (a)
		sqlite3_bind_text(st, 1, a, -1, SQLITE_STATIC);
	if (b)
		sqlite3_bind_text(st, 2, b, -1, SQLITE_STATIC);
	int rc = sqlite3_step(st);
	if (rc == SQLITE_ROW)
		*out = sqlite3_column_int64(st, 0);
	sqlite3_finalize(st);
	return rc == SQLITE_ROW || rc == SQLITE_DONE ? 0 : -1;
}

/* Column 0..ncols-1 of the row at offset k of a query, as text. */
static int q_row(struct node *n, const char *sql, const char *a, int64_t k, char out[][48], int ncols)
{
	sqlite3_stmt *st;
	int found = 0;
	if (sqlite3_prepare_v2(crdt_store_db(n->st), sql, -1, &st, NULL) != SQLITE_OK)
		return -1;
	if (a)
		sqlite3_bind_text(st, 1, a, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 2, k);
	if (sqlite3_step(st) == SQLITE_ROW) {
		found = 1;
		for (int c = 0; c < ncols; c++) {
			const unsigned char *t = sqlite3_column_text(st, c);
			snprintf(out[c], 48, "%s", t ? (const char *)t : "");
		}
	}
	sqlite3_finalize(st);
	return found;
}

/* A random row of a station's: volunteers or orders. */
static int pick(struct sim *S, struct node *n, const char *table, const char *station, char out[][48], int ncols)
{
	char sql[256];
	int64_t cnt;
	/* orders: services only; a wish moves by wish_work */
	bool ord = strcmp(table, "orders") == 0;
	snprintf(sql, sizeof(sql), "SELECT count(*) FROM %s WHERE station=?1 AND _dead IS NOT 1%s", table,
		 ord ? " AND kind IS NOT 'wish'" : "");
	if (q_int(n, sql, station, NULL, &cnt) || cnt == 0)
		return 0;
	if (ord)
		snprintf(sql, sizeof(sql), "SELECT pk, status, volunteer, station FROM orders WHERE station=?1 "
			 "AND kind IS NOT 'wish' ORDER BY pk LIMIT 1 OFFSET ?2");
	else /* volunteers, teams */
		snprintf(sql, sizeof(sql), "SELECT pk, station FROM %s WHERE station=?1 AND _dead IS NOT 1 "
			 "ORDER BY pk LIMIT 1 OFFSET ?2", table);
	return q_row(n, sql, station, (int64_t)rbelow(&S->r, (unsigned)cnt), out, ncols);
}

static void seen_note(struct node *n, const char *pk, int phase)
{
	for (size_t i = 0; i < n->nseen; i++)
		if (strcmp(n->seen[i].pk, pk) == 0) {
			if (phase > n->seen[i].phase)
				n->seen[i].phase = phase;
			return;
		}
	if (MEM_GROW(n->seen, n->seen_cap, n->nseen + 1))
		abort();
	snprintf(n->seen[n->nseen].pk, sizeof(n->seen[0].pk), "%s", pk);
	n->seen[n->nseen++].phase = phase;
}

struct work {
	struct crdt_write w[4];
	size_t n;
	char pk[4][48];
	char txt[4][64];
	char row[4][48], vol[4][48]; /* the writes borrow these too */
};

static struct crdt_write *work_add(struct work *k, unsigned table, enum crdt_op op, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(k->pk[k->n], sizeof(k->pk[0]), fmt, ap);
	va_end(ap);
	crdt_write_init(&k->w[k->n], table, op, k->pk[k->n]);
	return &k->w[k->n++];
}

static void event_add(struct work *k, struct node *n, const char *scope, const char *order,
		      const char *from, const char *to, const char *vol, uint64_t t)
{
	struct crdt_write *w = work_add(k, T_EV, CRDT_UPSERT, "%s-e%dx%u", scope, n->idx, ++n->nev);
	crdt_write_text(w, "order", order);
	crdt_write_text(w, "station", scope);
	crdt_write_text(w, "actor", n->hub ? "hub" : n->scope);
	crdt_write_text(w, "from_status", from);
	crdt_write_text(w, "to_status", to);
	if (vol && *vol)
		crdt_write_text(w, "volunteer", vol);
	crdt_write_int(w, "at", (int64_t)t);
}

static const char *const names[] = { "王伟", "李芳", "张娜", "刘秀英", "陈敏", "杨静", "黄丽", "赵强" };
static const char *const teams[] = { "红马甲服务队", "巾帼志愿服务队", "青年突击队", "银发互助队" };
static const char *const details[] = { "陪独居老人聊天解闷", "帮空巢老人打扫房间卫生", "上门维修电饭锅和电风扇",
				       "给留守儿童辅导数学作业" };

static int phase_of(const char *status)
{
	return crdt_status_phase(status, strlen(status));
}

/* The gift shelf (app/gift.c): a station's one item, put on the shelf
 * with a first stock, restocked, and given out only up to the stock this
 * node holds (G5: only the item's station takes stock). */
static void gift_work(struct sim *S, struct node *n, struct work *k, uint64_t t)
{
	struct rng *r = &S->r;
	const char *sc = n->scope;
	int64_t held, stock, q = 1 + (int64_t)rbelow(r, 3);
	snprintf(k->txt[0], sizeof(k->txt[0]), "%s-g1", sc);
	if (q_int(n, "SELECT count(*) FROM gifts WHERE pk=?1", k->txt[0], NULL, &held))
		return;
	if (!held) {
		struct crdt_write *g = work_add(k, CRDT_T_GIFTS, CRDT_UPSERT, "%s", k->txt[0]);
		crdt_write_set_text(g, CRDT_C_GIFTS_NAME, "毛巾");
		crdt_write_set_int(g, CRDT_C_GIFTS_PRICE, 5);
		crdt_write_set_text(g, CRDT_C_GIFTS_STATION, sc);
	} else if (rpct(r, 50)) {
		if (q_int(n, "SELECT coalesce(sum(delta),0) FROM gift_moves WHERE gift=?1", k->txt[0], NULL,
			  &stock) || stock < q)
			return;
		q = -q;
	}
	struct crdt_write *m = work_add(k, CRDT_T_GIFT_MOVES, CRDT_UPSERT, "%s-k%dx%u", sc, n->idx, ++n->npts);
	crdt_write_set_text(m, CRDT_C_GIFT_MOVES_GIFT, k->txt[0]);
	crdt_write_set_text(m, CRDT_C_GIFT_MOVES_STATION, sc);
	crdt_write_set_int(m, CRDT_C_GIFT_MOVES_DELTA, q);
	crdt_write_set_text(m, CRDT_C_GIFT_MOVES_REASON, q < 0 ? "redeem" : "restock");
	crdt_write_set_int(m, CRDT_C_GIFT_MOVES_PRICE, 5);
	crdt_write_set_int(m, CRDT_C_GIFT_MOVES_AT, (int64_t)t);
}

/* Micro-wishes (issue 17, app/wish.c W3-W7) of station st, by a station
 * or the hub, judged on what this node holds: a new wish; a published one
 * claimed by a volunteer of st or a unit; a claimed one released (the
 * whole register: volunteer and claimant NULL) or fulfilled (the status
 * only: the store carries the claimant); an unfinished one cancelled.
 * The done event's note records the claimant, for the heal check. */
static void wish_work(struct sim *S, struct node *n, struct work *k, const char *st, uint64_t t)
{
	struct rng *r = &S->r;
	char (*row)[48] = k->row, (*vol)[48] = k->vol;
	int64_t cnt;
	if (q_int(n, "SELECT count(*) FROM orders WHERE station=?1 AND kind='wish'", st, NULL, &cnt))
		return;
	if (!n->hub && (cnt == 0 || rpct(r, 15))) {
		struct crdt_write *w = work_add(k, T_ORD, CRDT_UPSERT, "%s-o%dx%u", st, n->idx, ++n->nord);
		crdt_write_text(w, "station", st);
		crdt_write_text(w, "kind", "wish");
		crdt_write_text(w, "category", "微心愿");
		crdt_write_text(w, "detail", "一台收音机");
		crdt_write_set_text(w, CRDT_C_ORDERS_BENEFICIARY, names[rbelow(r, 8)]);
		crdt_write_text(w, "status", "open");
		crdt_write_int(w, "created_at", (int64_t)t);
		event_add(k, n, st, k->pk[0], "", "open", NULL, t);
		return;
	}
	if (cnt == 0 ||
	    q_row(n, "SELECT pk, status, coalesce(volunteer,''), coalesce(claimant,'') FROM orders"
		     " WHERE station=?1 AND kind='wish' ORDER BY pk LIMIT 1 OFFSET ?2",
		  st, (int64_t)rbelow(r, (unsigned)cnt), row, 4) != 1)
		return;
	bool open = !strcmp(row[1], "open"), claimed = !strcmp(row[1], "accepted");
	unsigned y = rbelow(r, 10);
	const char *to = NULL;
	if (open && y < 8)
		to = "accepted";
	else if (claimed && y < 2)
		to = "open";
	else if (claimed && y < 9)
		to = "done";
	else if ((open || claimed) && y == 9)
		to = "cancelled";
	if (!to)
		return;
	bool unit = false;
	if (!strcmp(to, "accepted") && (rpct(r, 40) || !pick(S, n, "volunteers", st, vol, 1)))
		unit = true;
	struct crdt_write *w = work_add(k, T_ORD, CRDT_UPSERT, "%s", row[0]);
	crdt_write_text(w, "status", to);
	if (!strcmp(to, "accepted") || !strcmp(to, "open")) { /* the whole register */
		bool v = !strcmp(to, "accepted") && !unit;
		snprintf(k->txt[0], sizeof(k->txt[0]), "unit:%s", n->hub ? "县团委" : "县供电所");
		if (v)
			crdt_write_text(w, "volunteer", vol[0]);
		else
			crdt_write_set_null(w, CRDT_C_ORDERS_VOLUNTEER);
		if (unit)
			crdt_write_set_text(w, CRDT_C_ORDERS_CLAIMANT, k->txt[0]);
		else
			crdt_write_set_null(w, CRDT_C_ORDERS_CLAIMANT);
	}
	crdt_write_int(w, "updated_at", (int64_t)t);
	const char *ev_vol = !strcmp(to, "accepted") ? (unit ? "" : vol[0]) : row[2];
	event_add(k, n, st, row[0], row[1], to, ev_vol, t);
	if (!strcmp(to, "done")) {
		snprintf(k->txt[1], sizeof(k->txt[1]), "%s", row[3]);
		crdt_write_text(&k->w[k->n - 1], "note", k->txt[1]);
	}
}

/* The service menu (issue 17, app/category.c C1, C2, C7): a station's
 * own entries (its scope); the hub's county entries and overrides of the
 * standard ones (scope ""). Random columns: name, points per hour (or
 * back to the county's), retired. */
static void category_work(struct sim *S, struct node *n, struct work *k, const char **scope)
{
	static const char *const cn[] = { "维修", "代购", "理发", "家电维修" };
	struct rng *r = &S->r;
	struct crdt_write *w;
	if (n->hub) {
		*scope = "";
		if (rpct(r, 50))
			w = work_add(k, CRDT_T_CATEGORIES, CRDT_UPSERT, "std-%u", 1 + rbelow(r, 8));
		else
			w = work_add(k, CRDT_T_CATEGORIES, CRDT_UPSERT, "hub-c%dx%u", n->idx, 1 + rbelow(r, 3));
	} else {
		w = work_add(k, CRDT_T_CATEGORIES, CRDT_UPSERT, "%s-c%dx%u", n->scope, n->idx, 1 + rbelow(r, 3));
	}
	crdt_write_set_text(w, CRDT_C_CATEGORIES_STATION, n->hub ? "" : n->scope);
	if (rpct(r, 60))
		crdt_write_set_text(w, CRDT_C_CATEGORIES_NAME, cn[rbelow(r, 4)]);
	if (rpct(r, 30))
		crdt_write_set_int(w, CRDT_C_CATEGORIES_RETIRED, rbelow(r, 2));
	if (rpct(r, 40))
		crdt_write_set_real(w, CRDT_C_CATEGORIES_POINTS_PER_HOUR, 5 + rbelow(r, 20));
	else if (rpct(r, 20))
		crdt_write_set_null(w, CRDT_C_CATEGORIES_POINTS_PER_HOUR);
}

/* Activities (issue 17, app/activity.c A2, A5, A6): a station's one
 * activity of 3 seats, published once; sign-ups firm while the seats this
 * node counts allow (else waitlisted), the first waiting granted while a
 * seat is free, cancellations, check-ins of a seated person (only the
 * home seats or checks in, so no merge overfills it). */
#define SIM_ACT_CAP 3
#define SIM_ACT_HOLDERS                                                                            \
	"SELECT count(*) FROM (SELECT s.volunteer FROM activity_signups s WHERE s.activity = ?1"    \
	" AND s.kind IN ('firm', 'wait', 'request') AND NOT EXISTS(SELECT 1 FROM activity_signups c" \
	" WHERE c.ref = s.pk AND c.kind = 'cancel') AND (s.kind = 'firm' OR EXISTS(SELECT 1 FROM"    \
	" activity_signups g WHERE g.ref = s.pk AND g.kind = 'grant'))"                                \
	" UNION SELECT t.volunteer FROM activity_attendance t WHERE t.activity = ?1 AND t.kind = 'in')"
#define SIM_ACT_LIVE                                                                                 \
	"SELECT s.pk, s.volunteer FROM activity_signups s WHERE s.activity = ?1"                    \
	" AND s.kind IN ('firm', 'wait', 'request') AND NOT EXISTS(SELECT 1 FROM activity_signups c" \
	" WHERE c.ref = s.pk AND c.kind = 'cancel') AND (s.kind = 'firm' OR EXISTS(SELECT 1 FROM"    \
	" activity_signups g WHERE g.ref = s.pk AND g.kind = 'grant')) = "

static void activity_work(struct sim *S, struct node *n, struct work *k, uint64_t t)
{
	struct rng *r = &S->r;
	const char *sc = n->scope;
	char (*row)[48] = k->row;
	int64_t held, seats;
	unsigned y = rbelow(r, 4);
	snprintf(k->txt[0], sizeof(k->txt[0]), "%s-a1", sc);
	if (q_int(n, "SELECT count(*) FROM activities WHERE pk=?1", k->txt[0], NULL, &held) ||
	    q_int(n, SIM_ACT_HOLDERS, k->txt[0], NULL, &seats))
		return;
	if (!held) {
		struct crdt_write *a = work_add(k, CRDT_T_ACTIVITIES, CRDT_UPSERT, "%s", k->txt[0]);
		crdt_write_set_text(a, CRDT_C_ACTIVITIES_TITLE, "敬老院打扫");
		crdt_write_set_text(a, CRDT_C_ACTIVITIES_STATION, sc);
		crdt_write_set_int(a, CRDT_C_ACTIVITIES_CAPACITY, SIM_ACT_CAP);
		crdt_write_set_real(a, CRDT_C_ACTIVITIES_HOURS, 2);
		return;
	}
	const char *kind = NULL, *ref = NULL;
	if (y == 0) { /* a sign-up of one of the station's volunteers */
		if (!pick(S, n, "volunteers", sc, row, 1))
			return;
		kind = seats < SIM_ACT_CAP ? "firm" : "wait";
	} else if (y == 1) { /* the first waiting gets a free seat (A5) */
		if (seats >= SIM_ACT_CAP || q_row(n, SIM_ACT_LIVE "0 ORDER BY s.at, s.pk LIMIT 1 OFFSET ?2", k->txt[0],
						  0, row, 2) != 1)
			return;
		kind = "grant";
		snprintf(k->txt[1], sizeof(k->txt[1]), "%s", row[0]);
		ref = k->txt[1];
		snprintf(row[0], sizeof(row[0]), "%s", row[1]);
	} else if (y == 2) { /* a cancellation */
		if (q_row(n, SIM_ACT_LIVE "s.kind IN ('firm', 'wait') ORDER BY s.pk LIMIT 1 OFFSET ?2", k->txt[0],
			  (int64_t)rbelow(r, 3), row, 2) != 1)
			return;
		kind = "cancel";
		snprintf(k->txt[1], sizeof(k->txt[1]), "%s", row[0]);
		ref = k->txt[1];
		snprintf(row[0], sizeof(row[0]), "%s", row[1]);
	} else { /* a check-in of a seated person, once (A6, A9) */
		if (q_row(n, SIM_ACT_LIVE "1 ORDER BY s.pk LIMIT 1 OFFSET ?2", k->txt[0], (int64_t)rbelow(r, 3), row,
			  2) != 1)
			return;
		snprintf(k->txt[2], sizeof(k->txt[2]), "in:%.24s:%.32s", k->txt[0], row[1]);
		if (q_int(n, "SELECT count(*) FROM activity_attendance WHERE key=?1", k->txt[2], NULL, &held) || held)
			return;
		snprintf(row[2], sizeof(row[2]), "%s", row[1]);
		struct crdt_write *c = work_add(k, CRDT_T_ACTIVITY_ATTENDANCE, CRDT_UPSERT, "%s-c%dx%u", sc, n->idx,
						++n->npts);
		crdt_write_set_text(c, CRDT_C_ACTIVITY_ATTENDANCE_ACTIVITY, k->txt[0]);
		crdt_write_set_text(c, CRDT_C_ACTIVITY_ATTENDANCE_STATION, sc);
		crdt_write_set_text(c, CRDT_C_ACTIVITY_ATTENDANCE_VOLUNTEER, row[2]);
		crdt_write_set_text(c, CRDT_C_ACTIVITY_ATTENDANCE_KIND, "in");
		crdt_write_set_text(c, CRDT_C_ACTIVITY_ATTENDANCE_KEY, k->txt[2]);
		crdt_write_set_int(c, CRDT_C_ACTIVITY_ATTENDANCE_AT, (int64_t)t);
		return;
	}
	struct crdt_write *u = work_add(k, CRDT_T_ACTIVITY_SIGNUPS, CRDT_UPSERT, "%s-u%dx%u", sc, n->idx, ++n->npts);
	crdt_write_set_text(u, CRDT_C_ACTIVITY_SIGNUPS_ACTIVITY, k->txt[0]);
	crdt_write_set_text(u, CRDT_C_ACTIVITY_SIGNUPS_STATION, sc);
	crdt_write_set_text(u, CRDT_C_ACTIVITY_SIGNUPS_VOLUNTEER, row[0]);
	crdt_write_set_text(u, CRDT_C_ACTIVITY_SIGNUPS_KIND, kind);
	if (ref)
		crdt_write_set_text(u, CRDT_C_ACTIVITY_SIGNUPS_REF, ref);
	crdt_write_set_int(u, CRDT_C_ACTIVITY_SIGNUPS_AT, (int64_t)t);
}

/* Teams, hours and recognition (issue 17, app/team.c TM1-TM8): a team,
 * a volunteer joining or leaving one, an adjustment or hours outside
 * orders for a volunteer of this station. */
static void station_team_work(struct sim *S, struct node *n, struct work *k, uint64_t t)
{
	struct rng *r = &S->r;
	const char *sc = n->scope;
	char (*row)[48] = k->row, (*vol)[48] = k->vol;
	unsigned y = rbelow(r, 5);
	if (y == 0) { /* a new team */
		struct crdt_write *w = work_add(k, T_TEAM, CRDT_UPSERT, "%s-t%dx%u", sc, n->idx, ++n->nteam);
		crdt_write_text(w, "name", teams[rbelow(r, 4)]);
		crdt_write_text(w, "station", sc);
		if (pick(S, n, "volunteers", sc, vol, 1))
			crdt_write_text(w, "leader", vol[0]);
		return;
	}
	if (!pick(S, n, "volunteers", sc, vol, 2) || strcmp(vol[1], sc) != 0)
		return;
	if (y == 1 || y == 2) { /* join a team of the station, or leave */
		bool join = y == 1 && pick(S, n, "teams", sc, row, 1);
		struct crdt_write *w = work_add(k, T_VOL, CRDT_UPSERT, "%s", vol[0]);
		crdt_write_set_text(w, CRDT_C_VOLUNTEERS_TEAM, join ? row[0] : NULL);
		return;
	}
	int64_t bal = 0, amt = 5 * (1 + (int64_t)rbelow(r, 6));
	bool hours = y == 3;
	if (!hours && rpct(r, 50)) { /* a debit: up to the balance it knows */
		if (q_int(n, "SELECT coalesce(sum(delta),0) FROM points WHERE volunteer=?1", vol[0], NULL, &bal) ||
		    bal < amt)
			return;
		amt = -amt;
	}
	struct crdt_write *p = work_add(k, T_PTS, CRDT_UPSERT, "%s-p%dx%u", sc, n->idx, ++n->npts);
	crdt_write_text(p, "volunteer", vol[0]);
	crdt_write_int(p, "delta", amt);
	crdt_write_text(p, "reason", hours ? "hours" : "adjust");
	crdt_write_text(p, "item", hours ? "重阳节活动" : "补录");
	crdt_write_text(p, "station", sc);
	crdt_write_int(p, "at", (int64_t)t);
	if (hours)
		crdt_write_real(p, "hours", (double)amt / 10);
}

/* One piece of a station's day. Fills k (possibly with nothing to do). */
static void station_work(struct sim *S, struct node *n, struct work *k, uint64_t t)
{
	struct rng *r = &S->r;
	const char *sc = n->scope;
	char (*row)[48] = k->row, (*vol)[48] = k->vol;
	unsigned x = rbelow(r, 100);
	if (x < 12) { /* a new volunteer */
		struct crdt_write *w = work_add(k, T_VOL, CRDT_UPSERT, "%s-v%dx%u", sc, n->idx, ++n->nvol);
		crdt_write_text(w, "name", names[rbelow(r, 8)]);
		snprintf(k->txt[0], sizeof(k->txt[0]), "138%08u", rbelow(r, 100000000));
		crdt_write_text(w, "phone", k->txt[0]);
		crdt_write_text(w, "station", sc);
		crdt_write_text(w, "team", teams[rbelow(r, 4)]);
		crdt_write_text(w, "status", "active");
		crdt_write_int(w, "registered_at", (int64_t)t);
	} else if (x < 20) { /* a profile edit */
		if (!pick(S, n, "volunteers", sc, row, 2))
			return;
		struct crdt_write *w = work_add(k, T_VOL, CRDT_UPSERT, "%s", row[0]);
		switch (rbelow(r, 3)) {
		case 0:
			snprintf(k->txt[0], sizeof(k->txt[0]), "139%08u", rbelow(r, 100000000));
			crdt_write_text(w, "phone", k->txt[0]);
			break;
		case 1:
			crdt_write_text(w, "team", teams[rbelow(r, 4)]);
			break;
		default:
			crdt_write_text(w, "status", rpct(r, 50) ? "paused" : "active");
			break;
		}
	} else if (x < 30) { /* a new order */
		struct crdt_write *w = work_add(k, T_ORD, CRDT_UPSERT, "%s-o%dx%u", sc, n->idx, ++n->nord);
		crdt_write_text(w, "station", sc);
		crdt_write_text(w, "kind", "service");
		crdt_write_text(w, "detail", details[rbelow(r, 4)]);
		crdt_write_text(w, "status", "open");
		crdt_write_int(w, "created_at", (int64_t)t);
		crdt_write_int(w, "updated_at", (int64_t)t);
		event_add(k, n, sc, k->pk[0], "", "open", NULL, t);
	} else if (x < 40) { /* micro-wishes (issue 17) */
		wish_work(S, n, k, sc, t);
	} else if (x < 72) { /* the next step of an order */
		if (!pick(S, n, "orders", sc, row, 3))
			return;
		const char *st = row[1];
		int ph = phase_of(st);
		seen_note(n, row[0], ph);
		const char *to = NULL;
		bool needvol = false;
		if (!strcmp(st, "open")) {
			to = rpct(r, 85) ? "dispatched" : "cancelled";
			needvol = to[0] == 'd';
		} else if (!strcmp(st, "dispatched")) {
			unsigned y = rbelow(r, 100);
			to = y < 80 ? "accepted" : y < 88 ? "cancelled" : "dispatched";
			needvol = y >= 88;
		} else if (!strcmp(st, "accepted")) {
			to = "done";
		} else if (!strcmp(st, "done")) {
			to = rpct(r, 90) ? "rated" : NULL;
		}
		if (!to)
			return;
		if (needvol && !pick(S, n, "volunteers", sc, vol, 1))
			return;
		struct crdt_write *w = work_add(k, T_ORD, CRDT_UPSERT, "%s", row[0]);
		crdt_write_text(w, "status", to);
		if (needvol)
			crdt_write_text(w, "volunteer", vol[0]);
		crdt_write_int(w, "updated_at", (int64_t)t);
		if (!strcmp(to, "done")) {
			unsigned half_hours = 1 + rbelow(r, 8);
			crdt_write_real(w, "hours", half_hours / 2.0);
			if (row[2][0]) { /* the service credit: one per order, ever */
				struct crdt_write *p = work_add(k, T_PTS, CRDT_UPSERT, "%s-p%dx%u", sc, n->idx, ++n->npts);
				crdt_write_text(p, "volunteer", row[2]);
				crdt_write_int(p, "delta", (int64_t)half_hours * 5);
				crdt_write_text(p, "reason", "service");
				crdt_write_text(p, "order", row[0]);
				crdt_write_text(p, "station", sc);
				snprintf(k->txt[1], sizeof(k->txt[1]), "service:%s", row[0]);
				crdt_write_text(p, "key", k->txt[1]);
				crdt_write_int(p, "at", (int64_t)t);
			}
		} else if (!strcmp(to, "rated")) {
			crdt_write_int(w, "rating", 3 + rbelow(r, 3));
			crdt_write_text(w, "comment", "服务很周到");
		}
		event_add(k, n, sc, row[0], st, to, needvol ? vol[0] : row[2], t);
	} else if (x < 82) { /* activities: seats only the home gives (issue 17) */
		activity_work(S, n, k, t);
	} else if (x < 86) { /* teams, adjustments, hours (issue 17) */
		station_team_work(S, n, k, t);
	} else if (x < 94) { /* a redemption: the home station, up to the balance it knows */
		int64_t bal;
		if (!pick(S, n, "volunteers", sc, row, 2) || strcmp(row[1], sc) != 0)
			return;
		if (q_int(n, "SELECT coalesce(sum(delta),0) FROM points WHERE volunteer=?1", row[0], NULL, &bal) ||
		    bal < 10)
			return;
		int64_t amt = 10 * (1 + (int64_t)rbelow(r, 20));
		if (amt > bal)
			amt = bal;
		struct crdt_write *p = work_add(k, T_PTS, CRDT_UPSERT, "%s-p%dx%u", sc, n->idx, ++n->npts);
		crdt_write_text(p, "volunteer", row[0]);
		crdt_write_int(p, "delta", -amt);
		crdt_write_text(p, "reason", "redeem");
		crdt_write_text(p, "item", "大米");
		crdt_write_text(p, "station", sc);
		crdt_write_int(p, "at", (int64_t)t);
	} else if (x < 96) { /* the service menu: the station's own entries */
		const char *own = n->scope;
		category_work(S, n, k, &own);
	} else if (x < 98) { /* a volunteer leaves for good */
		if (!pick(S, n, "volunteers", sc, row, 1))
			return;
		work_add(k, T_VOL, CRDT_DELETE, "%s", row[0]);
	} else { /* the gift shelf: an item, restocks, redemptions up to the stock held */
		gift_work(S, n, k, t);
	}
}

/* The hub's work: reassignments, points adjustments, county settings. */
static void hub_work(struct sim *S, struct node *n, struct work *k, const char **scope, uint64_t t)
{
	struct rng *r = &S->r;
	char (*row)[48] = k->row, (*vol)[48] = k->vol;
	unsigned x = rbelow(r, 100);
	const char *st = S->node[1 + rbelow(r, (unsigned)S->n - 1)].scope;
	if (x >= 30 && x < 45) { /* a station's wish, claimed, released ... at the hub */
		snprintf(k->txt[2], sizeof(k->txt[2]), "%s", st);
		*scope = k->txt[2];
		wish_work(S, n, k, k->txt[2], t);
	} else if (x < 45) { /* reassign an unfinished order of a station */
		if (!pick(S, n, "orders", st, row, 3) || phase_of(row[1]) != 0)
			return;
		seen_note(n, row[0], 0);
		if (!pick(S, n, "volunteers", st, vol, 1))
			return;
		snprintf(k->txt[2], sizeof(k->txt[2]), "%s", st);
		*scope = k->txt[2];
		struct crdt_write *w = work_add(k, T_ORD, CRDT_UPSERT, "%s", row[0]);
		crdt_write_text(w, "status", "dispatched");
		crdt_write_text(w, "volunteer", vol[0]);
		crdt_write_int(w, "updated_at", (int64_t)t);
		event_add(k, n, k->txt[2], row[0], row[1], "dispatched", vol[0], t);
	} else if (x < 85) { /* a points adjustment */
		if (!pick(S, n, "volunteers", st, vol, 1))
			return;
		snprintf(k->txt[2], sizeof(k->txt[2]), "%s", st);
		*scope = k->txt[2];
		struct crdt_write *p = work_add(k, T_PTS, CRDT_UPSERT, "%s-p%dx%u", st, n->idx, ++n->npts);
		crdt_write_text(p, "volunteer", vol[0]);
		crdt_write_int(p, "delta", (rpct(r, 50) ? -1 : 1) * 5 * (1 + (int64_t)rbelow(r, 10)));
		crdt_write_text(p, "reason", "adjust");
		crdt_write_text(p, "station", st);
		crdt_write_int(p, "at", (int64_t)t);
	} else if (x < 90) { /* the service menu: the county's list */
		category_work(S, n, k, scope);
	} else { /* a county-wide setting */
		*scope = "";
		struct crdt_write *w = work_add(k, T_SET, CRDT_UPSERT, "%s", rpct(r, 50) ? "motd" : "rate");
		snprintf(k->txt[3], sizeof(k->txt[3]), "v%u", ++n->nset);
		crdt_write_text(w, "value", k->txt[3]);
	}
}

static void refresh_all(struct sim *S, struct node *n)
{
	for (int j = 0; j < S->n; j++)
		if (n->ses[j])
			sync_session_refresh(n->ses[j]);
}

/* ---- clock jumps (issue 12; CUNLIAN_SIM_CLOCKS) ----------------------- */

/* What node n reads now: wall clock t, its boot and the time since it. */
static struct crdt_time_now clk_now(const struct sim *S, const struct node *n, uint64_t t)
{
	struct crdt_time_now x = { .wall_ms = t, .hub = n->hub };
	x.boot = n->boot_at + 1;
	x.mono_ms = S->now - n->boot_at + 1;
	for (size_t i = 0; i < n->nacked; i++)
		if (CRDT_HLC_MS(n->acked[i].hlc) > x.own_hlc_ms)
			x.own_hlc_ms = CRDT_HLC_MS(n->acked[i].hlc);
	return x;
}

/* May n write at wall clock t? (node/clock.c's check) */
static bool clk_allows(struct sim *S, struct node *n, uint64_t t)
{
	struct crdt_time_now x = clk_now(S, n, t);
	struct crdt_time_bounds b;
	if (S->clocks != 1)
		return true;
	enum crdt_time_verdict v = crdt_time_judge(&n->tev, &x, &b);
	if (v != CRDT_TIME_OK)
		TRACE(S, "node %d: write at %lld refused by its clock (verdict %d, bounds %lld..%lld)", n->idx,
		      (long long)t, (int)v, (long long)b.lower, (long long)b.upper);
	return v == CRDT_TIME_OK;
}

/* A local write was acknowledged at wall clock t with HLC hlc. */
static int clk_wrote(struct sim *S, struct node *n, uint64_t t, uint64_t hlc)
{
	struct node *hub = &S->node[0];
	if (!S->clocks)
		return 0;
	if (t > n->tev.write_ms)
		n->tev.write_ms = t;
	if (S->clocks == 1 && CRDT_HLC_MS(hlc) > wall(S, hub) + CRDT_DEFAULT_MAX_AHEAD_MS + 2 * CRDT_TIME_TOL_MS)
		return sim_fail(S, "node %d: acknowledged commit at %llu, past what the hub accepts at %llu",
				n->idx, (unsigned long long)CRDT_HLC_MS(hlc), (unsigned long long)wall(S, hub));
	return 0;
}

/* Before n's sessions speak: the hub says its clock (kept right by NTP),
 * a station the hub time it knows. */
static void clk_says(struct sim *S, struct node *n)
{
	if (!S->clocks)
		return;
	if (n->hub) {
		n->c1970 = false;
		n->skew = 0;
		sync_ctx_set_time(n->ctx, SYNC_TIME_OWN, wall(S, n), wall(S, n));
	} else {
		uint64_t h = n->tev.known_ms > n->tev.anchor_ms ? n->tev.known_ms : n->tev.anchor_ms;
		struct crdt_time_now x = clk_now(S, n, wall(S, n));
		struct crdt_time_bounds b;
		if (h)
			sync_ctx_set_time(n->ctx, SYNC_TIME_HEARD, h, 0);
		crdt_time_judge(&n->tev, &x, &b);
		sync_ctx_set_time_floor(n->ctx, b.lower); /* a slow clock still takes in data */
	}
}

/* A time arrived at station n (in a session with peer, or a bundle: peer -1). */
static void clk_heard(struct sim *S, struct node *n, int peer, const struct sync_report *rep)
{
	if (!S->clocks || n->hub || !rep->time_kind)
		return;
	bool from_hub = memcmp(rep->time_from, S->node[0].id.pk, SYNC_PK_LEN) == 0;
	if (rep->time_kind == SYNC_TIME_OWN && !from_hub)
		return;
	struct crdt_time_now x = clk_now(S, n, wall(S, n));
	if (crdt_time_heard(&n->tev, &x, rep->time_ms, from_hub && peer == 0, 0))
		TRACE(S, "node %d hears the hub's time %llu%s", n->idx, (unsigned long long)rep->time_ms,
		      peer == 0 ? " (fresh)" : "");
}

/* A station's clock jumps, or is set right from the hub's time. */
static int clk_jump(struct sim *S, struct node *n)
{
	struct rng *r = &S->r;
	if (n->hub)
		return 0;
	switch (rbelow(r, 5)) {
	case 0: /* years, months or days forward */
		n->skew += (int64_t)(2 * 86400000ULL + rnext(r) % (3 * 365 * 86400000ULL));
		break;
	case 1: /* hours or days back */
		n->skew -= (int64_t)(3600000ULL + rnext(r) % (30 * 86400000ULL));
		break;
	case 2: /* a reboot without a clock */
		n->c1970 = true;
		n->boot_at = S->now;
		break;
	case 3: /* a little off */
		n->skew = (int64_t)rbelow(r, 7200000) - 3600000;
		break;
	default: { /* cunlian clock --set-from-hub */
		struct crdt_time_now x = clk_now(S, n, wall(S, n));
		struct crdt_time_bounds b;
		crdt_time_judge(&n->tev, &x, &b);
		n->c1970 = false;
		if (b.upper_src == CRDT_TIME_SRC_ELAPSED)
			n->skew = 0; /* the hub's time plus the time elapsed: exact here */
		else if (b.lower)
			n->skew = (int64_t)b.lower - (int64_t)S->now; /* the latest time known */
		break;
	}
	}
	TRACE(S, "node %d clock jumps: %s skew %lld", n->idx, n->c1970 ? "1970" : "set", (long long)n->skew);
	return 0;
}

static int local_op(struct sim *S, struct node *n)
{
	struct work k;
	struct crdt_commit_info info;
	const char *scope = n->scope;
	uint64_t t = wall(S, n);
	memset(&k, 0, sizeof(k));
	if (n->late && !S->late_done)
		return 0; /* not enrolled yet: not at work */
	if (n->hub)
		hub_work(S, n, &k, &scope, t);
	else
		station_work(S, n, &k, t);
	if (k.n == 0 || !clk_allows(S, n, t))
		return 0;
	int rc = crdt_commit_local(n->st, t, scope, k.w, k.n, &info);
	if (rc == ERR_SCHEMA)
		for (size_t i = 0; i < k.n; i++)
			if (crdt_write_check(&k.w[i]))
				TRACE(S, "write %zu (%s %s) refused", i, crdt_tables[k.w[i].table].name, k.pk[i]);
	int tr = check_trip(S, n, rc, "local commit");
	if (tr)
		return tr < 0 ? -1 : 0;
	S->st.ops++;
	if (MEM_GROW(n->acked, n->acked_cap, n->nacked + 1))
		abort();
	snprintf(n->acked[n->nacked].scope, sizeof(n->acked[0].scope), "%.32s", scope);
	n->acked[n->nacked].seq = info.seq;
	n->acked[n->nacked++].hlc = info.hlc;
	if (clk_wrote(S, n, t, info.hlc))
		return -1;
	TRACE(S, "node %d commits %s/%llu (%zu writes, %s %s)", n->idx, scope, (unsigned long long)info.seq,
	      k.n, crdt_tables[k.w[0].table].name, k.pk[0]);
	n->dirty = n->changed = true;
	S->last_change = S->now;
	return 0;
}

/* ---- the link --------------------------------------------------------- */

static void net_send(struct sim *S, int from, int to, uint64_t xid, const uint8_t *p, size_t len)
{
	struct link *l = &S->link[from][to];
	S->st.msgs++;
	if (!l->exists || !l->up || rpct(&S->r, l->loss)) {
		S->st.lost++;
		return;
	}
	int copies = rpct(&S->r, l->dup) ? 2 : 1;
	S->st.dups += (uint64_t)copies - 1;
	for (int c = 0; c < copies; c++) {
		if (MEM_GROW(S->q, S->qcap, S->nq + 1))
			abort();
		struct msg *m = &S->q[S->nq++];
		m->from = from;
		m->to = to;
		m->xid = xid;
		m->at = S->now + l->delay + rbelow(&S->r, l->jitter + 1);
		m->order = ++S->qorder;
		m->p = malloc(len);
		memcpy(m->p, p, len);
		m->len = len;
	}
}

static int msg_cmp(const void *a, const void *b)
{
	const struct msg *x = a, *y = b;
	if (x->at != y->at)
		return x->at < y->at ? -1 : 1;
	return x->order < y->order ? -1 : x->order > y->order;
}

/* Stations start exchanges: with the hub, and with stations of higher index. */
static bool initiates(int i, int j)
{
	return i != 0 && (j == 0 || j > i);
}

static void session_end(struct node *n, int peer)
{
	sync_session_free(n->ses[peer]);
	n->ses[peer] = NULL;
}

static struct sync_session *session_start(struct sim *S, struct node *n, int peer, uint64_t xid)
{
	struct sync_session_options o;
	memset(&o, 0, sizeof(o));
	o.initiator = initiates(n->idx, peer);
	o.group = n->hub && S->group;
	o.rto_ms = S->rto;
	if (sync_session_new(&n->ses[peer], n->ctx, &o, wall(S, n))) {
		sim_fail(S, "node %d: sync_session_new failed", n->idx);
		return NULL;
	}
	n->xid[peer] = xid;
	n->x_start[peer] = n->x_last[peer] = S->now;
	return n->ses[peer];
}

/* Trust: a node that learned it was revoked stops syncing (delta.c: its
 * exports and imports fail ERR_REVOKED; node/ctx.c says so and stops),
 * as a node enrolled during the run does nothing until then. Its
 * exchanges end on both sides; messages to and from it are dropped. */
static void node_stop(struct sim *S, struct node *n)
{
	n->stopped = true;
	for (int j = 0; j < S->n; j++) {
		session_end(n, j);
		session_end(&S->node[j], n->idx);
	}
	TRACE(S, "node %d learned it was revoked: it stops syncing", n->idx);
}

static bool silent(struct sim *S, struct node *n)
{
	if (!S->trust)
		return false;
	if (n->late && !S->late_done)
		return true;
	if (!n->stopped && n->ctx && sync_ctx_revoked(n->ctx))
		node_stop(S, n);
	return n->stopped;
}

/* Commits a report says were refused as revoked (ERR_REVOKED). */
static uint64_t rep_revoked(const struct sync_report *r)
{
	for (size_t i = 0; i < r->nreasons; i++)
		if (r->reasons[i].rc == ERR_REVOKED)
			return r->reasons[i].n;
	return 0;
}

static int deliver_due(struct sim *S)
{
	size_t k = 0;
	if (S->nq > 1)
		qsort(S->q, S->nq, sizeof(*S->q), msg_cmp);
	while (k < S->nq && S->q[k].at <= S->now)
		k++;
	/* take the due messages out first: delivering may send more */
	struct msg *due = malloc((k ? k : 1) * sizeof(*due));
	if (k) {
		memcpy(due, S->q, k * sizeof(*due));
		memmove(S->q, S->q + k, (S->nq - k) * sizeof(*S->q));
	}
	S->nq -= k;
	int rc = 0;
	for (size_t i = 0; i < k; i++) {
		struct msg *m = &due[i];
		struct node *n = &S->node[m->to];
		if (!rc && !silent(S, n) && !silent(S, &S->node[m->from])) {
			/* like node/link.c: a message names its exchange; the
			 * server side opens a session for a new one, and a
			 * message of an exchange that ended is dropped */
			struct sync_session *s = n->ses[m->from];
			bool init = initiates(n->idx, m->from);
			if (s && n->xid[m->from] != m->xid && !init && m->xid > n->xid[m->from]) {
				session_end(n, m->from);
				s = NULL;
			}
			if (s && n->xid[m->from] != m->xid)
				s = NULL;
			else if (!s && !init)
				s = session_start(S, n, m->from, m->xid);
			if (!s && S->fail[0])
				rc = -1;
			if (s) {
				n->x_last[m->from] = S->now;
				uint64_t before = sync_session_report(s)->applied + sync_session_report(s)->carried;
				uint64_t revoked = rep_revoked(sync_session_report(s));
				int r = sync_session_input(s, m->p, m->len, wall(S, n), NULL);
				if (n->hub)
					S->st.trust_refused += rep_revoked(sync_session_report(s)) - revoked;
				if (r < 0 && !cv_tripped(n->dom) && silent(S, n)) { /* revoked just now */
					free(m->p);
					continue;
				}
				int tr = check_trip(S, n, r, "session input");
				if (tr < 0)
					rc = -1;
				else if (tr == 0 && sync_session_report(s)->applied + sync_session_report(s)->carried != before) {
					n->dirty = n->changed = true;
					S->last_change = S->now;
				}
			}
		}
		free(m->p);
	}
	free(due);
	return rc;
}

static bool in_flight(const struct sim *S, int a, int b, uint64_t xid)
{
	for (size_t k = 0; k < S->nq; k++)
		if (S->q[k].xid == xid && ((S->q[k].from == a && S->q[k].to == b) || (S->q[k].from == b && S->q[k].to == a)))
			return true;
	return false;
}

/* node/link.c's ends of an exchange: converged (both idle, nothing in
 * flight: X2), unreachable (the client gives up), or a server session
 * that heard nothing from its client for two minutes (link.c's last_ms:
 * what it sends itself, resends too, does not keep it open). */
static void exchange_end(struct sim *S, struct node *n, int j)
{
	struct sync_session *s = n->ses[j];
	struct node *p = &S->node[j];
	if (initiates(n->idx, j)) {
		bool done = sync_session_idle(s) && p->ses[n->idx] && p->xid[n->idx] == n->xid[j] &&
			    sync_session_idle(p->ses[n->idx]) && !in_flight(S, n->idx, j, n->xid[j]);
		if (done || S->now >= n->x_start[j] + 60000) {
			if (done)
				n->x_done[j] = n->x_start[j];
			session_end(n, j);
			n->x_next[j] = S->now + 1000 + rbelow(&S->r, 9000);
		}
	} else if (S->now >= n->x_last[j] + 120000) {
		session_end(n, j);
	}
}

static int pump(struct sim *S)
{
	struct buf out;
	int rc = 0;
	buf_init(&out, SYNC_CHUNK_MAX);
	for (int i = 0; i < S->n && !rc; i++) {
		struct node *n = &S->node[i];
		if (n->hub && S->group)
			for (int j = 0; j < S->n && !rc; j++)
				if (n->ses[j]) {
					int r = sync_session_flush(n->ses[j]);
					int tr = check_trip(S, n, r, "flush");
					if (tr < 0)
						rc = -1;
					if (tr)
						break;
				}
		if (rc)
			break;
		if (silent(S, n))
			continue;
		if (n->dirty) {
			refresh_all(S, n);
			n->dirty = false;
		}
		clk_says(S, n);
		for (int j = 0; j < S->n && !rc; j++) {
			struct sync_session *s = n->ses[j];
			if (!s)
				continue;
			clk_heard(S, n, j, sync_session_report(s));
			uint64_t w = wall(S, n);
			sync_session_tick(s, w);
			int r;
			while ((r = sync_session_output(s, &out, w)) == 1)
				net_send(S, i, j, n->xid[j], out.data, out.len);
			if (r < 0)
				rc = sim_fail(S, "node %d: session output: %s", i, err_str(r));
			else
				exchange_end(S, n, j);
		}
		if (!rc && n->changed && !cv_tripped(n->dom)) {
			rc = snapshot_durable(S, n);
			n->changed = false;
		}
	}
	buf_release(&out);
	return rc;
}

/* Stations start their next exchange on every link that is up. */
static int sessions_start(struct sim *S)
{
	for (int i = 1; i < S->n; i++)
		for (int j = 0; j < S->n; j++) {
			struct node *n = &S->node[i];
			if (S->quiet || !initiates(i, j) || !S->link[i][j].exists || !S->link[i][j].up || n->ses[j] ||
			    S->now < n->x_next[j] || silent(S, n) || silent(S, &S->node[j]))
				continue;
			if (!session_start(S, n, j, ++S->xids))
				return -1;
		}
	return 0;
}

/* ---- bundles ---------------------------------------------------------- */

static int bundle_export(struct sim *S, int from, int to)
{
	struct node *a = &S->node[from], *b = &S->node[to];
	struct crdt_vv_entry *vv = NULL;
	size_t nvv = 0;
	struct sync_scopes wants;
	char *p = NULL;
	size_t len = 0;
	int rc;
	if (silent(S, a) || silent(S, b))
		return 0;
	memset(&wants, 0, sizeof(wants));
	if (b->hub || b->carrier) {
		wants.all = true;
	} else {
		sync_scopes_add(&wants, b->scope);
		sync_scopes_add(&wants, "");
	}
	if (rpct(&S->r, 70) && (rc = crdt_store_vv(b->st, &vv, &nvv)))
		return sim_fail(S, "vv: %s", err_str(rc));
	/* the exporter writes (and fsyncs) a file; the bundle then travels as bytes */
	char path[160];
	snprintf(path, sizeof(path), "%s/bundle", S->dir);
	rc = sync_bundle_export_path(a->ctx, path, vv, nvv, b->hub ? NULL : &wants);
	mem_free(vv);
	if (rc)
		return sim_fail(S, "node %d: bundle export: %s", from, err_str(rc));
	FILE *f = fopen(path, "rb");
	if (!f)
		return sim_fail(S, "bundle file vanished");
	fseek(f, 0, SEEK_END);
	len = (size_t)ftell(f);
	fseek(f, 0, SEEK_SET);
	p = malloc(len ? len : 1);
	if (fread(p, 1, len, f) != len)
		len = 0;
	fclose(f);
	unlink(path);
	if (MEM_GROW(S->bags, S->bcap, S->nbags + 1))
		abort();
	struct bag *g = &S->bags[S->nbags++];
	g->from = from;
	g->to = to;
	g->due = S->step + 1 + rbelow(&S->r, 60);
	g->p = (uint8_t *)p;
	g->len = len;
	S->st.bundles++;
	if (rpct(&S->r, 15) && len > 42) { /* the stick was pulled early */
		g->len = 42 + rbelow(&S->r, (unsigned)(len - 42));
		S->st.bundles_damaged++;
	} else if (rpct(&S->r, 10) && len > 0) { /* a bad sector */
		g->p[rbelow(&S->r, (unsigned)len)] ^= (uint8_t)(1 + rbelow(&S->r, 255));
		S->st.bundles_damaged++;
	}
	TRACE(S, "bundle %d -> %d, %zu bytes", from, to, g->len);
	return 0;
}

static int bundles_deliver(struct sim *S, bool all)
{
	size_t i = 0;
	while (i < S->nbags) {
		struct bag g = S->bags[i];
		if (!all && g.due > S->step) {
			i++;
			continue;
		}
		S->bags[i] = S->bags[--S->nbags];
		struct node *n = &S->node[g.to];
		struct sync_report rep;
		memset(&rep, 0, sizeof(rep));
		if (silent(S, n)) {
			free(g.p);
			continue;
		}
		int rc = sync_bundle_import_mem(n->ctx, g.p, g.len, wall(S, n), &rep);
		free(g.p);
		if (n->hub)
			S->st.trust_refused += rep_revoked(&rep);
		if (rc < 0 && !cv_tripped(n->dom) && silent(S, n))
			rc = 0; /* revoked by what it just read */
		clk_heard(S, n, -1, &rep);
		if (rc == ERR_CORRUPT && g.len >= 10) /* a damaged header: not a bundle any more */
			rc = 0;
		int tr = check_trip(S, n, rc == ERR_CORRUPT ? 0 : rc, "bundle import");
		if (tr < 0)
			return -1;
		if (tr == 0 && rep.applied + rep.carried) {
			n->dirty = n->changed = true;
			S->last_change = S->now;
		}
		TRACE(S, "bundle %d -> %d imported: %llu applied, %llu carried, %llu dup, %llu refused", g.from,
		      g.to, (unsigned long long)rep.applied, (unsigned long long)rep.carried,
		      (unsigned long long)rep.duplicate, (unsigned long long)rep.refused);
	}
	return 0;
}

/* ---- faults ----------------------------------------------------------- */

static void link_set(struct sim *S, int a, int b, bool exists)
{
	for (int d = 0; d < 2; d++) {
		struct link *l = d ? &S->link[b][a] : &S->link[a][b];
		l->exists = exists;
		l->up = true;
		l->loss = rbelow(&S->r, 30);
		l->dup = rbelow(&S->r, 15);
		l->delay = 5 + rbelow(&S->r, 300);
		l->jitter = rbelow(&S->r, 1500);
	}
}

static void session_reset(struct sim *S, int a, int b)
{
	session_end(&S->node[a], b);
	session_end(&S->node[b], a);
	S->st.resets++;
}

static int fault(struct sim *S)
{
	struct rng *r = &S->r;
	unsigned x = rbelow(r, 100);
	int a = (int)rbelow(r, (unsigned)S->n), b = (int)rbelow(r, (unsigned)S->n);
	struct node *n = &S->node[a];
	if (x < 25) { /* a link goes down or comes back (partitions) */
		if (a != b && S->link[a][b].exists) {
			bool up = !S->link[a][b].up;
			S->link[a][b].up = S->link[b][a].up = up;
			TRACE(S, "link %d-%d %s", a, b, up ? "up" : "down");
		}
	} else if (x < 35) { /* the link's weather changes */
		if (a != b && S->link[a][b].exists)
			link_set(S, a, b, true);
	} else if (x < 45) { /* a sync attempt ends; the next starts afresh */
		if (a != b)
			session_reset(S, a, b);
	} else if (x < 60) { /* the power will go in the middle of something */
		cv_arm(n->dom, 1 + (long)rbelow(r, 40));
	} else if (x < 68) { /* the power goes now */
		return crash_restart(S, n);
	} else if (x < 78 && S->clocks) { /* clocks jump (issue 12) */
		return clk_jump(S, n);
	} else if (x < 78) { /* clocks: skew, reset to 1970, fixed by NTP */
		unsigned y = rbelow(r, 3);
		if (y == 0) {
			n->skew = (int64_t)rbelow(r, 7200000) - 3600000;
		} else if (y == 1 && !n->c1970) {
			n->c1970 = true;
			n->boot_at = S->now;
			S->st.clock1970++;
		} else {
			n->c1970 = false;
		}
		TRACE(S, "node %d clock: %s skew %lld", a, n->c1970 ? "1970" : "set", (long long)n->skew);
		/* a clock that jumps back confuses a running session's timers only */
	} else if (x < 92) { /* a bundle carried by hand (or to a relay) */
		if (a != b)
			return bundle_export(S, a, b);
	}
	return 0;
}

/* ---- trust (issue 13; CUNLIAN_SIM_TRUST) ------------------------------- */

/* Node n's statement: the hub's (role hub, the master key) or a
 * station's (its scope's key), for a hundred years. */
static int trust_cert(struct sim *S, struct node *n)
{
	struct sync_statement st;
	memset(&st, 0, sizeof(st));
	memcpy(st.node, n->id.pk, SYNC_PK_LEN);
	snprintf(st.station, sizeof(st.station), "%s", n->hub ? "c01" : n->scope);
	st.role = n->hub ? SYNC_ROLE_HUB : SYNC_ROLE_STATION;
	st.not_after = S->now + 100ULL * 365 * 86400000;
	buf_init(&n->cert, SYNC_STMT_MAX);
	if (sync_statement_sign(&st, &S->root))
		return sim_fail(S, "node %d: statement not signed", n->idx);
	sync_statement_encode(&n->cert, &st);
	return 0;
}

/* The root's row w committed in the hub's replica by another process
 * (cunlian enroll revoke / enroll sign beside serve): a second store
 * handle and sync context on the same file, opened and closed here. The
 * serving handle and its sessions are left as they are: they must obey
 * the change at their next message (sync_trust_refresh). That process
 * has its own power: the hub's armed cut waits for it. */
static int trust_cli_commit(struct sim *S, const struct crdt_write *w, const char *what)
{
	struct node *hub = &S->node[0];
	struct crdt_options co;
	struct sync_options so = S->base;
	struct crdt_store *st = NULL;
	struct sync_ctx *c = NULL;
	long armed = cv.dom[hub->dom].countdown;
	int rc;
	memset(&co, 0, sizeof(co));
	so.apply.all = true;
	so.county_root = S->root.pk;
	so.self_cert = hub->cert.data;
	so.self_cert_len = hub->cert.len;
	cv.dom[hub->dom].countdown = 0;
	if (!(rc = crdt_store_open(&st, hub->path, hub->id.pk, &co)) && !(rc = sync_ctx_new(&c, st, &hub->id, &so)))
		rc = sync_root_commit(c, st, &S->root, wall(S, hub), w, 1);
	sync_ctx_free(c);
	crdt_store_close(st);
	cv.dom[hub->dom].countdown = armed;
	if (rc)
		return sim_fail(S, "%s in the hub's replica through a second handle: %s", what, err_str(rc));
	hub->changed = true;
	S->last_change = S->now;
	return 0;
}

/* Before the run: every node but the late one enrolled in the hub's
 * replica (init --role hub, enroll sign). */
static int trust_setup(struct sim *S)
{
	struct node *hub = &S->node[0];
	for (int i = 0; i < S->n; i++) {
		struct sync_statement st;
		struct sync_trust_row row;
		int rc;
		if (S->node[i].late)
			continue;
		if ((rc = sync_statement_decode(S->node[i].cert.data, S->node[i].cert.len, &st)) ||
		    (rc = sync_statement_row(&row, &st)) ||
		    (rc = sync_root_commit(hub->ctx, hub->st, &S->root, S->now, &row.w, 1)))
			return sim_fail(S, "node %d: enrolment: %s", i, err_str(rc));
	}
	return snapshot_durable(S, hub);
}

/* At their steps: the root revokes one station from now (enroll revoke
 * --now) and enrols the late one (enroll sign), which starts syncing. */
static int trust_events(struct sim *S)
{
	struct node *hub = &S->node[0];
	if (!S->trust)
		return 0;
	if (!S->rev_done && S->step >= S->rev_step) {
		struct node *v = &S->node[S->revoked];
		struct sync_trust_row row;
		struct crdt_vv_entry *vv = NULL;
		size_t nvv = 0;
		int rc;
		S->rev_done = true;
		/* --now on the hub's clock; one at 1970 (a power cut before
		 * its clock was set) is not what an administrator revokes by */
		S->rev_ms = hub->c1970 ? S->now : wall(S, hub);
		if ((rc = crdt_store_vv(hub->st, &vv, &nvv)))
			return sim_fail(S, "hub vv: %s", err_str(rc));
		S->rev_held = 0;
		for (size_t k = 0; k < nvv; k++)
			if (memcmp(vv[k].author, v->id.pk, 32) == 0 && strcmp(vv[k].scope, v->scope) == 0)
				S->rev_held = vv[k].seq;
		mem_free(vv);
		if ((rc = sync_revocation_row(&row, v->id.pk, v->scope, 0, S->rev_ms, S->rev_ms)))
			return sim_fail(S, "revocation row: %s", err_str(rc));
		TRACE(S, "the root revokes node %d from %llu (the hub holds its feed to %llu)", S->revoked,
		      (unsigned long long)S->rev_ms, (unsigned long long)S->rev_held);
		if (trust_cli_commit(S, &row.w, "revocation"))
			return -1;
	}
	if (!S->late_done && S->step >= S->late_step) {
		struct node *l = &S->node[S->late];
		struct sync_statement st;
		struct sync_trust_row row;
		int rc;
		if ((rc = sync_statement_decode(l->cert.data, l->cert.len, &st)) || (rc = sync_statement_row(&row, &st)))
			return sim_fail(S, "late statement: %s", err_str(rc));
		TRACE(S, "the root enrols node %d", S->late);
		if (trust_cli_commit(S, &row.w, "enrolment"))
			return -1;
		S->late_done = true;
		link_set(S, 0, S->late, true);
		int j = 1 + (int)rbelow(&S->r, (unsigned)S->n - 2);
		if (rpct(&S->r, 40) && j != S->late)
			link_set(S, S->late, j, true);
	}
	return 0;
}

struct trustarg {
	struct sim *S;
	uint64_t n, after, after_out;
};

/* A commit of the revoked station's in the hub's log: before the
 * revocation, or held by the hub when the revocation was committed. */
static int trust_hub_one(void *arg, const struct crdt_log_entry *e)
{
	struct trustarg *t = arg;
	struct sim *S = t->S;
	(void)t;
	if (CRDT_HLC_MS(e->hlc) >= S->rev_ms && e->seq > S->rev_held) {
		sim_fail(S, "the hub holds node %d's commit %s/%llu at %llu, after its revocation from %llu",
			 S->revoked, e->scope, (unsigned long long)e->seq, (unsigned long long)CRDT_HLC_MS(e->hlc),
			 (unsigned long long)S->rev_ms);
		return 1;
	}
	return 0;
}

/* A commit in the revoked station's own log from before the revocation
 * that left it (another node holds it): the hub holds it too. */
static int trust_before_one(void *arg, const struct crdt_log_entry *e)
{
	struct trustarg *t = arg;
	struct sim *S = t->S;
	struct node *hub = &S->node[0];
	if (CRDT_HLC_MS(e->hlc) >= S->rev_ms) {
		if (e->seq <= S->rev_held)
			return 0;
		t->after++; /* kept out of the hub (trust_hub_one) */
		for (int i = 1; i < S->n; i++)
			if (i != S->revoked && crdt_store_has(S->node[i].st, e->author, e->scope, e->seq)) {
				t->after_out++; /* a relay or a carrier took it */
				break;
			}
		return 0;
	}
	bool left = false;
	for (int i = 1; i < S->n && !left; i++)
		left = i != S->revoked && crdt_store_has(S->node[i].st, e->author, e->scope, e->seq);
	left = left || crdt_store_has(hub->st, e->author, e->scope, e->seq);
	if (!left)
		return 0;
	t->n++;
	if (!held_as(hub, e->author, e->scope, e->seq, e->hlc)) {
		sim_fail(S, "the hub lacks node %d's commit %s/%llu at %llu, from before its revocation at %llu",
			 S->revoked, e->scope, (unsigned long long)e->seq, (unsigned long long)CRDT_HLC_MS(e->hlc),
			 (unsigned long long)S->rev_ms);
		return 1;
	}
	return 0;
}

/* Every commit of the late station's own feed is at the hub. */
static int trust_late_one(void *arg, const struct crdt_log_entry *e)
{
	struct trustarg *t = arg;
	struct sim *S = t->S;
	t->n++;
	if (!held_as(&S->node[0], e->author, e->scope, e->seq, e->hlc)) {
		sim_fail(S, "the hub lacks node %d's commit %s/%llu (enrolled during the run)", S->late, e->scope,
			 (unsigned long long)e->seq);
		return 1;
	}
	return 0;
}

static int trust_check(struct sim *S)
{
	struct node *hub = &S->node[0], *v = &S->node[S->revoked], *l = &S->node[S->late];
	struct trustarg t = { S, 0, 0, 0 };
	if (!S->trust)
		return 0;
	if (!v->stopped)
		return sim_fail(S, "node %d never learned that it was revoked", S->revoked);
	crdt_log_each(hub->st, v->id.pk, v->scope, 0, trust_hub_one, &t);
	if (!S->fail[0])
		crdt_log_each(v->st, v->id.pk, v->scope, 0, trust_before_one, &t);
	uint64_t before = t.n;
	t.n = 0;
	if (!S->fail[0])
		crdt_log_each(l->st, l->id.pk, l->scope, 0, trust_late_one, &t);
	TRACE(S, "trust: node %d revoked from %llu: %llu of its commits before it reached the hub, %llu after "
		 "it did not (%llu of them reached another station); node %d enrolled: %llu commits, all at the hub",
	      S->revoked, (unsigned long long)S->rev_ms, (unsigned long long)before, (unsigned long long)t.after,
	      (unsigned long long)t.after_out, S->late, (unsigned long long)t.n);
	S->st.trust_runs++;
	S->st.trust_before += before;
	S->st.trust_after += t.after;
	S->st.trust_after_out += t.after_out;
	S->st.trust_late += t.n;
	return S->fail[0] ? -1 : 0;
}

/* ---- checks ----------------------------------------------------------- */

struct copyarg {
	struct crdt_store *dst;
	int failed;
	struct sync_ctx *open; /* trust: the hub's, to open encrypted bodies */
	struct buf plain;
	struct node *hub;      /* from the archive: as the hub holds it (up to upto, merged) */
	uint64_t upto;
};

static int copy_one(void *arg, const struct crdt_log_entry *e)
{
	struct copyarg *c = arg;
	const uint8_t *body = e->body;
	size_t len = e->body_len;
	if (c->hub) { /* the archive keeps everything carried: judge by the hub */
		uint8_t state;
		if (e->seq > c->upto)
			return 1;
		if (crdt_log_states(c->hub->st, e->author, e->scope, e->seq, 1, &state) ||
		    state != CRDT_LOG_MERGED)
			return 0;
	} else if (e->carried) {
		return 0;
	}
	buf_reset(&c->plain);
	if (c->open && sync_body_open(c->open, e, &c->plain, &body, &len)) {
		c->failed++;
		return 0;
	}
	if (crdt_apply_remote(c->dst, UINT64_C(1) << 46, e->author, e->scope, e->seq, e->hlc, body, len) < 0)
		c->failed++;
	return 0;
}

struct feedcmp {
	struct node *other;
	int diff;
	uint64_t seq;
};

static int feed_cmp(void *arg, const struct crdt_log_entry *e)
{
	struct feedcmp *f = arg;
	uint64_t h = held_hlc(f->other, e->author, e->scope, e->seq); /* 0: absent or pruned there */
	if (h && h != e->hlc) {
		f->diff = 1;
		f->seq = e->seq;
		return 1;
	}
	return 0;
}

static void hex8(char *out, const uint8_t *d)
{
	for (int i = 0; i < 8; i++)
		sprintf(out + 2 * i, "%02x", d[i]);
}

static int check_all(struct sim *S)
{
	struct node *hub = &S->node[0];
	uint8_t d1[32], d2[32];
	char h1[17], h2[17];
	int rc;
	struct crdt_vv_entry *hvv = NULL;
	size_t nhvv = 0;

	if ((rc = crdt_store_vv(hub->st, &hvv, &nhvv)))
		return sim_fail(S, "hub vv: %s", err_str(rc));
	for (int i = 1; i < S->n && !S->fail[0]; i++) {
		struct node *n = &S->node[i];
		/* trust: the revoked station stopped syncing when it learned of
		 * its revocation; it holds what it wrote after it and lacks
		 * what came later (trust_check says what it must hold) */
		if (S->trust && i == S->revoked)
			continue;
		/* the station's scope: equal to the hub's */
		crdt_store_digest(n->st, n->scope, d1);
		crdt_store_digest(hub->st, n->scope, d2);
		if (memcmp(d1, d2, 32)) {
			hex8(h1, d1), hex8(h2, d2);
			sim_fail(S, "node %d: digest of scope %s %s differs from the hub's %s", i, n->scope, h1, h2);
			break;
		}
		/* county-wide: equal to the hub's (a tombstone keeps its row's
		 * scope, docs/replica.md "The digest") */
		crdt_store_digest(n->st, "", d1);
		crdt_store_digest(hub->st, "", d2);
		if (memcmp(d1, d2, 32)) {
			hex8(h1, d1), hex8(h2, d2);
			sim_fail(S, "node %d: county-wide digest %s differs from the hub's %s", i, h1, h2);
			break;
		}
		/* everything it merges: equal to a replica of exactly its feeds */
		struct crdt_store *ref;
		struct crdt_options co = { .no_sync = true };
		uint8_t rid[32] = { 0xee };
		if (crdt_store_open(&ref, ":memory:", rid, &co))
			return sim_fail(S, "reference store");
		struct copyarg ca = { ref, 0, S->trust ? hub->ctx : NULL, { 0 }, NULL, 0 };
		buf_init(&ca.plain, (size_t)4 << 20);
		for (size_t k = 0; k < nhvv; k++)
			if (applies(n, hvv[k].scope)) {
				if (S->archive) { /* what the hub pruned (compaction) */
					ca.hub = hub;
					ca.upto = hvv[k].seq;
					crdt_log_each(S->archive, hvv[k].author, hvv[k].scope, 0, copy_one, &ca);
					ca.hub = NULL;
				}
				crdt_log_each(hub->st, hvv[k].author, hvv[k].scope, 0, copy_one, &ca);
			}
		buf_release(&ca.plain);
		crdt_store_digest(n->st, NULL, d1);
		crdt_store_digest(ref, NULL, d2);
		crdt_store_close(ref);
		if (ca.failed)
			sim_fail(S, "node %d: the reference replica refused %d commits", i, ca.failed);
		else if (memcmp(d1, d2, 32)) {
			hex8(h1, d1), hex8(h2, d2);
			sim_fail(S, "node %d: digest %s differs from its feeds' replica %s", i, h1, h2);
		}
	}
	/* every acknowledged commit, everywhere it belongs (trust: but the
	 * revoked station's, which trust_check judges, and at the revoked
	 * station, which stopped syncing) */
	for (int m = 0; m < S->n && !S->fail[0]; m++)
		for (size_t k = 0; k < S->node[m].nacked && !S->fail[0]; k++) {
			const struct acked *a = &S->node[m].acked[k];
			if (S->trust && m == S->revoked)
				break;
			for (int i = 0; i < S->n; i++)
				if (applies(&S->node[i], a->scope) && !(S->trust && i == S->revoked) &&
				    !held_as(&S->node[i], S->node[m].id.pk, a->scope, a->seq, a->hlc)) {
					sim_fail(S, "node %d lacks node %d's acknowledged commit %s/%llu", i, m,
						 a->scope, (unsigned long long)a->seq);
					break;
				}
		}
	/* feeds agree wherever they are held: no seq was given twice */
	for (int i = 1; i < S->n && !S->fail[0]; i++) {
		struct crdt_vv_entry *vv = NULL;
		size_t nvv = 0;
		crdt_store_vv(S->node[i].st, &vv, &nvv);
		for (size_t k = 0; k < nvv && !S->fail[0]; k++) {
			struct feedcmp f = { hub, 0, 0 };
			crdt_log_each(S->node[i].st, vv[k].author, vv[k].scope, 0, feed_cmp, &f);
			if (f.diff)
				sim_fail(S, "node %d and the hub hold different commits %s/%llu of one feed", i,
					 vv[k].scope, (unsigned long long)f.seq);
		}
		mem_free(vv);
	}
	mem_free(hvv);
	/* points: redemptions never exceed what was credited or raised */
	for (int i = 0; i < S->n && !S->fail[0]; i++) {
		sqlite3_stmt *st;
		sqlite3_prepare_v2(crdt_store_db(S->node[i].st),
				   "SELECT volunteer, sum(CASE WHEN delta>0 THEN delta ELSE 0 END), "
				   "sum(CASE WHEN reason='redeem' THEN -delta ELSE 0 END) FROM points GROUP BY volunteer",
				   -1, &st, NULL);
		while (sqlite3_step(st) == SQLITE_ROW)
			if (sqlite3_column_int64(st, 1) < sqlite3_column_int64(st, 2)) {
				sim_fail(S, "node %d: volunteer %s redeemed %lld of %lld points", i,
					 sqlite3_column_text(st, 0), (long long)sqlite3_column_int64(st, 2),
					 (long long)sqlite3_column_int64(st, 1));
				break;
			}
		sqlite3_finalize(st);
	}
	/* the gift shelf: no item's stock below zero anywhere (G5) */
	for (int i = 0; i < S->n && !S->fail[0]; i++) {
		sqlite3_stmt *st;
		sqlite3_prepare_v2(crdt_store_db(S->node[i].st),
				   "SELECT gift, sum(delta) FROM gift_moves GROUP BY gift HAVING sum(delta) < 0",
				   -1, &st, NULL);
		if (sqlite3_step(st) == SQLITE_ROW)
			sim_fail(S, "node %d: item %s has a stock of %lld", i, sqlite3_column_text(st, 0),
				 (long long)sqlite3_column_int64(st, 1));
		sqlite3_finalize(st);
	}
	/* wishes (W7): one that was fulfilled is fulfilled, held by the
	 * volunteer and claimant of one of its fulfilments */
	if (!S->fail[0]) {
		int64_t bad = 0;
		if (q_int(hub, "SELECT count(*) FROM orders o WHERE o.kind='wish' AND EXISTS"
			       " (SELECT 1 FROM order_events e WHERE e.\"order\"=o.pk AND e.to_status='done')"
			       " AND (o.status NOT IN ('done','rated') OR NOT EXISTS (SELECT 1 FROM order_events e"
			       " WHERE e.\"order\"=o.pk AND e.to_status='done'"
			       " AND coalesce(e.volunteer,'')=coalesce(o.volunteer,'')"
			       " AND coalesce(e.note,'')=coalesce(o.claimant,'')))",
			  NULL, NULL, &bad) || bad)
			sim_fail(S, "%lld fulfilled wishes lost who fulfilled them", (long long)bad);
	}
	/* the service menu: every entry in the scope of its station (C2) */
	for (int i = 0; i < S->n && !S->fail[0]; i++) {
		sqlite3_stmt *st;
		sqlite3_prepare_v2(crdt_store_db(S->node[i].st),
				   "SELECT pk, station FROM categories WHERE station IS NOT coalesce(_scope, '')", -1,
				   &st, NULL);
		if (sqlite3_step(st) == SQLITE_ROW)
			sim_fail(S, "node %d: menu entry %s of station '%s' out of its scope", i,
				 sqlite3_column_text(st, 0), sqlite3_column_text(st, 1));
		sqlite3_finalize(st);
	}
	/* activities: no activity holds more seats than its capacity anywhere (A2) */
	for (int i = 0; i < S->n && !S->fail[0]; i++) {
		sqlite3_stmt *st;
		sqlite3_prepare_v2(crdt_store_db(S->node[i].st), "SELECT pk, capacity FROM activities", -1, &st, NULL);
		while (sqlite3_step(st) == SQLITE_ROW) {
			char pk[48];
			int64_t seats;
			snprintf(pk, sizeof(pk), "%s", (const char *)sqlite3_column_text(st, 0));
			if (q_int(&S->node[i], SIM_ACT_HOLDERS, pk, NULL, &seats) ||
			    seats > sqlite3_column_int64(st, 1)) {
				sim_fail(S, "node %d: activity %s holds %lld seats of %lld", i, pk, (long long)seats,
					 (long long)sqlite3_column_int64(st, 1));
				break;
			}
		}
		sqlite3_finalize(st);
	}
	/* orders: finished work stays finished; rated means it was done */
	if (!S->fail[0]) {
		sqlite3_stmt *st;
		sqlite3_prepare_v2(crdt_store_db(hub->st),
				   "SELECT o.pk, o.status, "
				   "(SELECT count(*) FROM order_events e WHERE e.\"order\"=o.pk AND e.to_status IN ('done','rated')), "
				   "(SELECT count(*) FROM order_events e WHERE e.\"order\"=o.pk AND e.to_status='done') "
				   "FROM orders o",
				   -1, &st, NULL);
		while (sqlite3_step(st) == SQLITE_ROW) {
			const char *pk = (const char *)sqlite3_column_text(st, 0);
			const char *s = (const char *)sqlite3_column_text(st, 1);
			int ph = s ? phase_of(s) : -1;
			if (sqlite3_column_int64(st, 2) > 0 && ph != 2) {
				sim_fail(S, "order %s was finished and is now %s", pk, s ? s : "NULL");
				break;
			}
			if (s && !strcmp(s, "rated") && sqlite3_column_int64(st, 3) == 0) {
				sim_fail(S, "order %s is rated but was never done", pk);
				break;
			}
		}
		sqlite3_finalize(st);
	}
	for (int i = 0; i < S->n && !S->fail[0]; i++) {
		struct node *n = &S->node[i];
		for (size_t k = 0; k < n->nseen; k++) {
			const char *sql = "SELECT status FROM orders WHERE pk=?1";
			sqlite3_stmt *st;
			sqlite3_prepare_v2(crdt_store_db(n->st), sql, -1, &st, NULL);
			sqlite3_bind_text(st, 1, n->seen[k].pk, -1, SQLITE_STATIC);
			if (sqlite3_step(st) == SQLITE_ROW) {
				const char *s = (const char *)sqlite3_column_text(st, 0);
				if (!s || phase_of(s) < n->seen[k].phase)
					sim_fail(S, "node %d: order %s went back from phase %d to %s", i, n->seen[k].pk,
						 n->seen[k].phase, s ? s : "NULL");
			} else {
				sim_fail(S, "node %d: order %s disappeared", i, n->seen[k].pk);
			}
			sqlite3_finalize(st);
			if (S->fail[0])
				break;
		}
	}
	return S->fail[0] ? -1 : 0;
}

/* ---- one run ---------------------------------------------------------- */

/* Converged: on every link an exchange that began after the last change
 * anywhere has ended converged. The first unconverged link goes to *a, *b. */
static bool converged(struct sim *S, int *a, int *b)
{
	for (int i = 1; i < S->n; i++)
		for (int j = 0; j < S->n; j++)
			if (initiates(i, j) && S->link[i][j].exists && S->node[i].x_done[j] <= S->last_change &&
			    !silent(S, &S->node[i]) && !silent(S, &S->node[j])) {
				*a = i, *b = j;
				return false;
			}
	return true;
}

/* Settled: converged, and nothing in flight. Once converged, no new
 * exchange starts (S->quiet) so the last messages can drain: in a big
 * world some link is always mid-exchange otherwise. A message that still
 * changes something moves last_change, and exchanges start again. */
static bool settled(struct sim *S)
{
	int a, b;
	S->quiet = converged(S, &a, &b);
	return S->quiet && !S->nq && !S->nbags;
}

/* ---- log compaction (issue 15) ------------------------------------------ */

/* Who must have acknowledged a commit of scope before node n prunes it
 * (sync/compact.c R1): at a station, the hub; at the hub, every station
 * that merges the scope (the late one too: it is enrolled during the
 * run and must then get everything; the revoked one no more once it is
 * revoked). */
struct sim_readers {
	struct sim *S;
	struct node *n;
};

static int sim_readers(void *arg, const char *scope, uint8_t (*out)[SYNC_PK_LEN], size_t max)
{
	struct sim_readers *r = arg;
	struct sim *S = r->S;
	size_t k = 0;
	if (!r->n->hub) {
		memcpy(out[0], S->node[0].id.pk, SYNC_PK_LEN);
		return 1;
	}
	for (int i = 1; i < S->n && k < max; i++)
		if (applies(&S->node[i], scope) && !(S->trust && i == S->revoked && S->rev_done))
			memcpy(out[k++], S->node[i].id.pk, SYNC_PK_LEN);
	return (int)k;
}

struct archarg {
	struct sim *S;
	int failed;
};

static int archive_one(void *arg, const struct crdt_log_entry *e)
{
	struct archarg *a = arg;
	if (e->carried)
		return 1; /* compaction stops there too (R6): so may the archive */
	struct crdt_remote rm = { .author = e->author, .scope = e->scope, .seq = e->seq, .hlc = e->hlc,
				  .body = e->body, .body_len = e->body_len, .seal = e->seal,
				  .seal_len = e->seal_len, .carry = true };
	if (crdt_apply_remote_ex(a->S->archive, UINT64_C(1) << 46, &rm) < 0)
		a->failed++;
	return 0;
}

/* Copy what n holds and the archive lacks, before n prunes anything. */
static int archive_node(struct sim *S, struct node *n)
{
	struct crdt_vv_entry *vv = NULL;
	size_t nvv = 0;
	struct archarg a = { S, 0 };
	int rc = crdt_store_vv(n->st, &vv, &nvv);
	for (size_t k = 0; k < nvv && !rc; k++) {
		struct crdt_vv_entry h = vv[k];
		if ((rc = crdt_store_heads(S->archive, &h, 1)))
			break;
		if (h.seq < vv[k].seq)
			rc = crdt_log_each(n->st, vv[k].author, vv[k].scope, h.seq, archive_one, &a);
		rc = rc > 0 ? 0 : rc;
	}
	mem_free(vv);
	if (rc || a.failed)
		return sim_fail(S, "node %d: archive before compaction: %s (%d refused)", n->idx, err_str(rc),
				a.failed);
	return 0;
}

/* The rule's invariant: no node ever pruned a commit some reader lacked
 * at the time. Every base n holds is held by every reader it must serve. */
static int compact_invariant(struct sim *S, struct node *n)
{
	struct crdt_vv_entry *vv = NULL;
	size_t nvv = 0;
	uint8_t rd[MAXN][SYNC_PK_LEN];
	struct sim_readers rr = { S, n };
	int rc = crdt_store_vv(n->st, &vv, &nvv);
	for (size_t k = 0; k < nvv && !rc && !S->fail[0]; k++) {
		struct crdt_base b;
		if (crdt_store_base_get(n->st, vv[k].author, vv[k].scope, &b))
			continue;
		int nr = sim_readers(&rr, vv[k].scope, rd, MAXN);
		for (int r = 0; r < nr && !S->fail[0]; r++)
			for (int i = 0; i < S->n; i++)
				if (!memcmp(S->node[i].id.pk, rd[r], SYNC_PK_LEN) &&
				    !crdt_store_has(S->node[i].st, vv[k].author, vv[k].scope, b.seq))
					sim_fail(S, "node %d pruned %s/%llu down to %llu, which reader node %d lacks",
						 n->idx, vv[k].scope, (unsigned long long)b.seq,
						 (unsigned long long)b.seq, i);
	}
	mem_free(vv);
	if (rc)
		return sim_fail(S, "node %d: vv: %s", n->idx, err_str(rc));
	return S->fail[0] ? -1 : 0;
}

/* A node compacts its log, with a retention of 0 (everything acknowledged
 * and checkpointed goes), in transactions of a random size. */
static int compact_op(struct sim *S, struct node *n)
{
	struct sim_readers rr = { S, n };
	struct sync_compact_options o = { .now_ms = wall(S, n), .keep_ms = 0, .hub = n->hub,
					  .txn_commits = 1 + rbelow(&S->r, 40), .readers = sim_readers,
					  .readers_arg = &rr };
	struct sync_compact_report rep;
	if (n->stopped || archive_node(S, n))
		return S->fail[0] ? -1 : 0;
	int rc = sync_compact(n->ctx, &o, &rep);
	uint64_t pruned = rep.commits;
	sync_compact_report_release(&rep);
	if ((rc = check_trip(S, n, rc, "compact")))
		return rc < 0 ? -1 : 0;
	S->st.compactions++;
	S->st.pruned += pruned;
	if (pruned)
		TRACE(S, "node %d compacts: %llu commits pruned", n->idx, (unsigned long long)pruned);
	return compact_invariant(S, n);
}

static int run_steps(struct sim *S, unsigned steps, bool faults)
{
	for (unsigned k = 0; k < steps; k++) {
		S->step++;
		S->st.steps++;
		S->now += faults ? 20 + rbelow(&S->r, 400) : 100 + rbelow(&S->r, 900);
		if (faults && trust_events(S))
			return -1;
		if (faults) {
			if (rpct(&S->r, 30)) {
				struct node *n = &S->node[rbelow(&S->r, (unsigned)S->n)];
				if (local_op(S, n))
					return -1;
			}
			if (rpct(&S->r, 12) && fault(S))
				return -1;
		}
		/* log compaction at random steps, healing too */
		if (S->compact && rpct(&S->r, faults ? 8 : 3) &&
		    compact_op(S, &S->node[rbelow(&S->r, (unsigned)S->n)]))
			return -1;
		if (bundles_deliver(S, false) || sessions_start(S) || deliver_due(S) || pump(S))
			return -1;
		if (!faults && settled(S))
			return 1;
	}
	return 0;
}

static int heal(struct sim *S)
{
	for (int i = 0; i < S->n; i++) {
		cv_arm(S->node[i].dom, 0);
		S->node[i].c1970 = false;
		for (int j = 0; j < S->n; j++) {
			struct link *l = &S->link[i][j];
			if (i != j && (i == 0 || j == 0))
				l->exists = true;
			l->up = true;
			l->loss = l->dup = 0;
			if (l->delay == 0)
				l->delay = 10;
		}
	}
	if (bundles_deliver(S, true))
		return -1;
	/* Healed links carry everything within a minute or two of simulated
	 * time (a big world settles in 50-110 steps); 3000 steps, about half
	 * an hour, is a stuck run, reported in a minute rather than after the
	 * 20000 it once took (several minutes for a big world). */
	uint64_t s0 = S->step, t0 = S->now;
	int rc = run_steps(S, 3000, false);
	if (rc < 0)
		return -1;
	TRACE(S, "heal: %llu steps, %llu s simulated, last change %lld s after the heal",
	      (unsigned long long)(S->step - s0), (unsigned long long)(S->now - t0) / 1000,
	      (long long)((int64_t)S->last_change - (int64_t)t0) / 1000);
	if (rc == 0) {
		int a = 0, b = 0;
		if (!converged(S, &a, &b))
			return sim_fail(S, "the links did not settle after healing: link %d-%d has no converged "
					   "exchange since the last change (%zu messages in flight)", a, b, S->nq);
		return sim_fail(S, "the links did not settle after healing: %zu messages still in flight",
				S->nq);
	}
	return trust_check(S) || check_all(S) ? -1 : 0;
}

static void stats_add(struct stats *tot, const struct stats *x)
{
	uint64_t *t = (uint64_t *)tot;
	const uint64_t *v = (const uint64_t *)x;
	for (size_t k = 0; k < sizeof(*tot) / sizeof(uint64_t); k++)
		t[k] += v[k];
}

static int sim_run(uint64_t seed, bool trace, bool big, int clocks, bool trust, bool compact,
		   struct stats *tot)
{
	struct sim *S = calloc(1, sizeof(*S));
	int rc = 0;
	S->seed = seed;
	S->clocks = clocks;
	S->trust = trust;
	sim_rand_state = seed ^ 0x5EED50D1u;
	S->r.s = seed * 0x2545F4914F6CDD1DULL + 1;
	S->trace = trace;
	S->big = big;
	cv.rand_state = seed;
	S->n = 1 + (big ? 5 + (int)rbelow(&S->r, 46) : 4 + (int)rbelow(&S->r, 4));
	S->now = T_DAY0 + rbelow(&S->r, 86400000);
	S->group = rpct(&S->r, 50);
	S->rto = 500 + rbelow(&S->r, 2500);
	static const size_t chunks[] = { 1024, 4096, 0 };
	S->base.chunk_max = chunks[rbelow(&S->r, 3)];
	S->base.dict = rpct(&S->r, 50) ? dict : NULL;
	S->base.level = rpct(&S->r, 80) ? 1 : 19;
	S->compact = compact;
	S->base.record_acks = true; /* what peers hold, as the node keeps it */
	if (compact) {
		struct crdt_options co = { .no_sync = true };
		uint8_t aid[32] = { 0xac };
		if (crdt_store_open(&S->archive, ":memory:", aid, &co))
			abort();
	}
	if (trust) { /* the county root; the station revoked, the one enrolled late */
		uint8_t ks[32];
		for (int b = 0; b < 32; b++)
			ks[b] = (uint8_t)rnext(&S->r);
		sync_identity_from_seed(&S->root, ks);
		S->late = S->n - 1;
		S->revoked = 1 + (int)rbelow(&S->r, (unsigned)S->n - 2);
	}
	snprintf(S->dir, sizeof(S->dir), "/dev/shm/cunlian-sim-XXXXXX");
	if (!mkdtemp(S->dir)) {
		snprintf(S->dir, sizeof(S->dir), "/tmp/cunlian-sim-XXXXXX");
		if (!mkdtemp(S->dir))
			abort();
	}
	for (int i = 0; i < S->n && !rc; i++) {
		struct node *n = &S->node[i];
		uint8_t ks[32];
		n->idx = i;
		n->hub = i == 0;
		n->carrier = !n->hub && rpct(&S->r, 40);
		snprintf(n->scope, sizeof(n->scope), n->hub ? "" : "s%04d", i);
		snprintf(n->path, sizeof(n->path), "%s/n%d.db", S->dir, i);
		for (int b = 0; b < 32; b++)
			ks[b] = (uint8_t)rnext(&S->r);
		sync_identity_from_seed(&n->id, ks);
		n->dom = cv_domain_add(n->path);
		n->skew = rpct(&S->r, 70) ? (int64_t)rbelow(&S->r, 600000) - 300000
					  : (int64_t)rbelow(&S->r, 4 * 3600000) - 2 * 3600000;
		n->boot_at = S->now;
		n->tev.known_ms = S->clocks && !n->hub ? S->now : 0; /* enrolled at the hub just now */
		n->late = trust && i == S->late;
		if (trust)
			rc = trust_cert(S, n);
		if (!rc)
			rc = node_attach(S, n);
	}
	if (!rc && trust)
		rc = trust_setup(S);
	/* topology: most stations reach the hub; the others a relay station */
	for (int i = 1; i < S->n; i++) {
		if (trust && i == S->late)
			continue; /* linked when it is enrolled */
		if (rpct(&S->r, 75))
			link_set(S, 0, i, true);
		int j = 1 + (int)rbelow(&S->r, (unsigned)S->n - 1);
		if (j != i && (!trust || j != S->late) && (rpct(&S->r, 40) || !S->link[0][i].exists))
			link_set(S, i, j, true);
	}
	unsigned steps = big ? 600 + rbelow(&S->r, 1200) : 120 + rbelow(&S->r, 120);
	if (trust) { /* both within the middle three fifths of the fault phase */
		S->rev_step = steps / 5 + rbelow(&S->r, steps * 3 / 5);
		S->late_step = steps / 5 + rbelow(&S->r, steps * 3 / 5);
	}
	if (!rc)
		rc = run_steps(S, steps, true);
	if (!rc)
		rc = heal(S);
	if (rc || S->fail[0])
		fprintf(stderr, "sim seed %llu%s: %s\n", (unsigned long long)seed, trust ? " (trust)" : "",
			S->fail[0] ? S->fail : "failed");
	if (trace)
		fprintf(stderr, "seed %llu%s%s: %d nodes, %llu steps, %llu commits, %llu cuts (%llu mid-write), "
				"%llu msgs (%llu lost, %llu dup), %llu bundles\n",
			(unsigned long long)seed, trust ? " (trust: county root, a revocation, a late enrolment)" : "",
			clocks ? " (clock jumps)" : "", S->n, (unsigned long long)S->st.steps,
			(unsigned long long)S->st.ops, (unsigned long long)S->st.cuts,
			(unsigned long long)S->st.mid_apply, (unsigned long long)S->st.msgs,
			(unsigned long long)S->st.lost, (unsigned long long)S->st.dups,
			(unsigned long long)S->st.bundles);
	/* teardown */
	for (int i = 0; i < S->n; i++) {
		struct node *n = &S->node[i];
		node_detach(S, n);
		sync_identity_release(&n->id);
		cv_domain_remove(n->dom);
		free(n->acked);
		free(n->seen);
		mem_free(n->durable);
		if (trust)
			buf_release(&n->cert);
	}
	if (trust)
		sync_identity_release(&S->root);
	for (size_t i = 0; i < S->nq; i++)
		free(S->q[i].p);
	for (size_t i = 0; i < S->nbags; i++)
		free(S->bags[i].p);
	free(S->q);
	free(S->bags);
	t_rmdir(S->dir);
	crdt_store_close(S->archive);
	stats_add(tot, &S->st);
	int failed = rc || S->fail[0];
	free(S);
	return failed;
}

/* ---- driver: seeds over CUNLIAN_JOBS processes ------------------------ */

struct report { /* what a worker sends back through its pipe */
	uint64_t failed;
	struct stats st;
};

static uint64_t env_u64(const char *name, uint64_t dflt)
{
	const char *e = getenv(name);
	return e && *e ? strtoull(e, NULL, 10) : dflt;
}

int main(int argc, char **argv)
{
	(void)argc;
#if defined(__SANITIZE_ADDRESS__)
	/* make check: the sanitizers cost ~4x; 250 seeds keep it to minutes */
	uint64_t count = env_u64("CUNLIAN_SEEDS", 250), start = env_u64("CUNLIAN_SEED_START", 1);
#else
	uint64_t count = env_u64("CUNLIAN_SEEDS", 1000), start = env_u64("CUNLIAN_SEED_START", 1);
#endif
	unsigned jobs = (unsigned)env_u64("CUNLIAN_JOBS", 2);
	bool trace = env_u64("CUNLIAN_SIM_TRACE", 0) != 0, big = env_u64("CUNLIAN_SIM_BIG", 0) != 0;
	const char *ce = getenv("CUNLIAN_SIM_CLOCKS"); /* unset: every fourth seed */
	int clocks_all = ce && *ce ? (int)strtol(ce, NULL, 10) : -1;
	const char *te = getenv("CUNLIAN_SIM_TRUST"); /* unset: every third seed */
	int trust_all = te && *te ? (int)strtol(te, NULL, 10) : -1;
	const char *ke = getenv("CUNLIAN_SIM_COMPACT"); /* unset: every seed but every fifth */
	int compact_all = ke && *ke ? (int)strtol(ke, NULL, 10) : -1;
	struct timespec t0, t1;
	int pipes[64][2];

	int died = 0;
	if (jobs < 1)
		jobs = 1;
	if (jobs > 64)
		jobs = 64;
	if (count < jobs)
		jobs = (unsigned)(count ? count : 1);
	if (randombytes_set_implementation(&sim_rand_impl) || sync_init() || cv_register(true) != SQLITE_OK) {
		fprintf(stderr, "sim: cannot initialise\n");
		return 1;
	}
	if (sync_dict_load(&dict, DICT_PATH) != 0)
		fprintf(stderr, "sim: note: %s missing; runs without the dictionary\n", DICT_PATH);
	clock_gettime(CLOCK_MONOTONIC, &t0);
	pid_t pid[64];
	for (unsigned j = 0; j < jobs; j++) {
		if (pipe(pipes[j]))
			return 1;
		fflush(NULL);
		pid[j] = jobs == 1 ? 0 : fork();
		if (pid[j] < 0)
			return 1;
		if (pid[j] == 0) { /* a worker: seeds start+j, start+j+jobs, ... */
			struct stats tot;
			uint64_t failed = 0, first = 0;
			memset(&tot, 0, sizeof(tot));
			for (uint64_t s = start + j; s < start + count; s += jobs) {
				int clocks = clocks_all >= 0 ? clocks_all : s % 4 == 0;
				bool trust = trust_all >= 0 ? trust_all > 0 : s % 3 == 0;
				bool compact = compact_all >= 0 ? compact_all > 0 : s % 5 != 0;
				if (sim_run(s, trace, big, clocks, trust, compact, &tot)) {
					if (!failed++)
						first = s;
					fprintf(stderr, "sim failed at seed %llu; replay: CUNLIAN_SEED_START=%llu "
							"CUNLIAN_SEEDS=1 CUNLIAN_JOBS=1%s CUNLIAN_SIM_CLOCKS=%d "
							"CUNLIAN_SIM_TRUST=%d CUNLIAN_SIM_COMPACT=%d CUNLIAN_SIM_TRACE=1 %s\n",
						(unsigned long long)s, (unsigned long long)s,
						big ? " CUNLIAN_SIM_BIG=1" : "", clocks, trust ? 1 : 0, compact ? 1 : 0,
						argv[0]);
					if (failed >= 5)
						break;
				}
			}
			(void)first;
			struct report rp = { failed, tot };
			if (write(pipes[j][1], &rp, sizeof(rp)) != (ssize_t)sizeof(rp))
				failed++;
			close(pipes[j][1]);
			if (jobs > 1) {
				sync_dict_free(dict);
				_exit(failed ? 1 : 0);
			}
			break;
		}
		close(pipes[j][1]);
	}
	struct report sum;
	int bad = 0;
	memset(&sum, 0, sizeof(sum));
	for (unsigned j = 0; j < jobs; j++) {
		struct report v;
		memset(&v, 0, sizeof(v));
		if (read(pipes[j][0], &v, sizeof(v)) != (ssize_t)sizeof(v))
			bad = 1, died++;
		close(pipes[j][0]);
		sum.failed += v.failed;
		stats_add(&sum.st, &v.st);
		if (jobs > 1) {
			int status;
			waitpid(pid[j], &status, 0);
			if (!WIFEXITED(status) || (WEXITSTATUS(status) != 0 && v.failed == 0))
				bad = 1;
		}
	}
	clock_gettime(CLOCK_MONOTONIC, &t1);
	double secs = (double)(t1.tv_sec - t0.tv_sec) + (double)(t1.tv_nsec - t0.tv_nsec) / 1e9;
	if (died)
		printf("sim: %d of %u worker processes died (a crash or a sanitizer): see above\n", died, jobs);
	const struct stats *t = &sum.st;
	printf("sim: seeds %llu..%llu%s, %llu failed, %.1f s (%.1f s a seed in each of %u jobs): %llu commits, %llu power cuts "
	       "(%llu mid-write), %llu messages (%llu lost, %llu duplicated), %llu bundles (%llu damaged), "
	       "%llu clocks at 1970, %llu session resets, %llu steps; trust in %llu seeds: %llu commits of a "
	       "revoked station from before it at the hub, %llu after it kept out (%llu of them held by another "
	       "station; %llu refusals as revoked at the hub), %llu of a late-enrolled one; "
	       "%llu compactions pruned %llu commits\n",
	       (unsigned long long)start, (unsigned long long)(start + count - 1), big ? " (big)" : "",
	       (unsigned long long)sum.failed, secs, count ? secs * jobs / (double)count : 0.0, jobs,
	       (unsigned long long)t->ops, (unsigned long long)t->cuts, (unsigned long long)t->mid_apply,
	       (unsigned long long)t->msgs, (unsigned long long)t->lost, (unsigned long long)t->dups,
	       (unsigned long long)t->bundles, (unsigned long long)t->bundles_damaged,
	       (unsigned long long)t->clock1970, (unsigned long long)t->resets, (unsigned long long)t->steps,
	       (unsigned long long)t->trust_runs, (unsigned long long)t->trust_before,
	       (unsigned long long)t->trust_after, (unsigned long long)t->trust_after_out,
	       (unsigned long long)t->trust_refused, (unsigned long long)t->trust_late,
	       (unsigned long long)t->compactions, (unsigned long long)t->pruned);
	sync_dict_free(dict);
	return sum.failed || bad ? 1 : 0;
}
