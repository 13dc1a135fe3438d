// SPDX-License-Identifier: MIT
/*
 * test_crdt.c - the replica: merge rules, clocks, bad input, durability,
 * migration.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <sqlite3.h>
#include <sys/stat.h>

#include "base/err.h"
#include "crdt/crdt_internal.h" /* CRDT_CACHE_ROWS */
#include "tests/helpers.h"

#define ORDERS 3
#define VOLUNTEERS 1
#define POINTS 5

struct fx {
	const char *dir;
	struct crdt_store *hub, *st;
	uint8_t hub_id[CRDT_AUTHOR_LEN], st_id[CRDT_AUTHOR_LEN];
};

static int fx_open(struct fx *f, const char *name, const uint8_t *id, struct crdt_store **out)
{
	char path[128];
	snprintf(path, sizeof(path), "%s/%s.db", f->dir, name);
	return crdt_store_open(out, path, id, NULL);
}

static int setup(void **state)
{
	struct fx *f = calloc(1, sizeof(*f));
	f->dir = t_tmpdir();
	t_author(f->hub_id, "hub");
	t_author(f->st_id, "s0001");
	if (fx_open(f, "hub", f->hub_id, &f->hub) || fx_open(f, "st", f->st_id, &f->st))
		return -1;
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fx *f = *state;
	crdt_store_close(f->hub);
	crdt_store_close(f->st);
	t_rmdir(f->dir);
	free(f);
	return 0;
}

static void digest(struct crdt_store *s, uint8_t out[32])
{
	assert_int_equal(crdt_store_digest(s, NULL, out), 0);
}

static void assert_same_state(struct crdt_store *a, struct crdt_store *b)
{
	uint8_t da[32], db[32];
	digest(a, da);
	digest(b, db);
	assert_memory_equal(da, db, 32);
}

/* Read one text cell; "" when NULL, "<none>" when the row is missing. */
static const char *cell(struct crdt_store *s, const char *table, const char *pk, const char *col)
{
	static char out[256];
	char sql[256];
	sqlite3_stmt *st;
	snprintf(sql, sizeof(sql), "SELECT \"%s\" FROM \"%s\" WHERE pk = ? AND _dead IS NULL", col, table);
	assert_int_equal(sqlite3_prepare_v2(crdt_store_db(s), sql, -1, &st, NULL), SQLITE_OK);
	sqlite3_bind_text(st, 1, pk, -1, SQLITE_STATIC);
	if (sqlite3_step(st) == SQLITE_ROW)
		snprintf(out, sizeof(out), "%s",
			 sqlite3_column_text(st, 0) ? (const char *)sqlite3_column_text(st, 0) : "");
	else
		snprintf(out, sizeof(out), "<none>");
	sqlite3_finalize(st);
	return out;
}

static void order_new(struct crdt_store *s, uint64_t t, const char *pk)
{
	struct crdt_write w;
	crdt_write_init(&w, ORDERS, CRDT_UPSERT, pk);
	crdt_write_text(&w, "station", "s0001");
	crdt_write_text(&w, "category", "助老");
	crdt_write_text(&w, "detail", "陪独居老人聊天解闷");
	crdt_write_text(&w, "status", "open");
	crdt_write_int(&w, "created_at", (int64_t)t);
	assert_int_equal(crdt_commit_local(s, t, "s0001", &w, 1, NULL), 0);
}

static void order_move(struct crdt_store *s, uint64_t t, const char *pk, const char *status,
		       const char *volunteer)
{
	struct crdt_write w;
	crdt_write_init(&w, ORDERS, CRDT_UPSERT, pk);
	crdt_write_text(&w, "status", status);
	if (volunteer)
		crdt_write_text(&w, "volunteer", volunteer);
	crdt_write_int(&w, "updated_at", (int64_t)t);
	assert_int_equal(crdt_commit_local(s, t, "s0001", &w, 1, NULL), 0);
}

static void exchange(struct fx *f, uint64_t wall)
{
	assert_true(t_sync(f->st, f->hub, wall) >= 0);
	assert_true(t_sync(f->hub, f->st, wall) >= 0);
	assert_same_state(f->hub, f->st);
}

/* The order's lifecycle starts open at the station and syncs to the hub. */
static void order_at_both(struct fx *f, uint64_t t, const char *pk, const char *vol)
{
	order_new(f->st, t, pk);
	order_move(f->st, t + 1000, pk, "dispatched", vol);
	exchange(f, t + 2000);
}

static void test_lww_columns(void **state)
{
	struct fx *f = *state;
	struct crdt_write w;
	crdt_write_init(&w, VOLUNTEERS, CRDT_UPSERT, "s0001-v1");
	crdt_write_text(&w, "name", "王伟");
	crdt_write_text(&w, "phone", "13800000001");
	crdt_write_text(&w, "station", "s0001");
	assert_int_equal(crdt_commit_local(f->st, T_DAY0, "s0001", &w, 1, NULL), 0);
	exchange(f, T_DAY0 + 10);

	/* Offline, both edit: the station the phone (later), the hub the
	 * phone (earlier) and the team. Per column, the later write wins. */
	crdt_write_init(&w, VOLUNTEERS, CRDT_UPSERT, "s0001-v1");
	crdt_write_text(&w, "phone", "13900000002");
	assert_int_equal(crdt_commit_local(f->st, T_DAY0 + 5000, "s0001", &w, 1, NULL), 0);
	crdt_write_init(&w, VOLUNTEERS, CRDT_UPSERT, "s0001-v1");
	crdt_write_text(&w, "phone", "13700000003");
	crdt_write_text(&w, "team", "红马甲服务队");
	assert_int_equal(crdt_commit_local(f->hub, T_DAY0 + 4000, "s0001", &w, 1, NULL), 0);
	exchange(f, T_DAY0 + 6000);
	assert_string_equal(cell(f->hub, "volunteers", "s0001-v1", "phone"), "13900000002");
	assert_string_equal(cell(f->hub, "volunteers", "s0001-v1", "team"), "红马甲服务队");
	assert_string_equal(cell(f->st, "volunteers", "s0001-v1", "name"), "王伟");
}

/* Station marks an order done offline while the hub reassigns it: finished
 * work is never undone, and the hub cannot take it from its volunteer. */
static void test_done_beats_reassign(void **state)
{
	struct fx *f = *state;
	order_at_both(f, T_DAY0, "s0001-o1", "s0001-v1");
	order_move(f->st, T_DAY0 + 10000, "s0001-o1", "done", NULL);
	order_move(f->hub, T_DAY0 + 20000, "s0001-o1", "dispatched", "s0001-v9"); /* later clock */
	exchange(f, T_DAY0 + 30000);
	assert_string_equal(cell(f->hub, "orders", "s0001-o1", "status"), "done");
	assert_string_equal(cell(f->hub, "orders", "s0001-o1", "volunteer"), "s0001-v1");
}

/* While an order is open, reassignment is last-writer-wins. */
static void test_reassign_open_is_lww(void **state)
{
	struct fx *f = *state;
	order_at_both(f, T_DAY0, "s0001-o2", "s0001-v1");
	order_move(f->st, T_DAY0 + 10000, "s0001-o2", "accepted", NULL);
	order_move(f->hub, T_DAY0 + 20000, "s0001-o2", "dispatched", "s0001-v7");
	exchange(f, T_DAY0 + 30000);
	assert_string_equal(cell(f->st, "orders", "s0001-o2", "status"), "dispatched");
	assert_string_equal(cell(f->st, "orders", "s0001-o2", "volunteer"), "s0001-v7");
	/* The accept carried the station's volunteer of the time with it. */
	order_move(f->st, T_DAY0 + 40000, "s0001-o2", "accepted", NULL);
	exchange(f, T_DAY0 + 50000);
	assert_string_equal(cell(f->hub, "orders", "s0001-o2", "volunteer"), "s0001-v7");
}

static void test_cancel_vs_done(void **state)
{
	struct fx *f = *state;
	order_at_both(f, T_DAY0, "s0001-o3", "s0001-v1");
	order_move(f->hub, T_DAY0 + 10000, "s0001-o3", "cancelled", NULL);
	order_move(f->st, T_DAY0 + 5000, "s0001-o3", "done", NULL); /* earlier, but done */
	exchange(f, T_DAY0 + 30000);
	assert_string_equal(cell(f->hub, "orders", "s0001-o3", "status"), "done");

	/* A cancellation beats anything unfinished, even a later accept. */
	order_at_both(f, T_DAY0 + 40000, "s0001-o4", "s0001-v1");
	order_move(f->hub, T_DAY0 + 50000, "s0001-o4", "cancelled", NULL);
	order_move(f->st, T_DAY0 + 60000, "s0001-o4", "accepted", NULL);
	exchange(f, T_DAY0 + 70000);
	assert_string_equal(cell(f->st, "orders", "s0001-o4", "status"), "cancelled");
}

/* A wish's claimant is an optional part of the register (issue 17): it
 * comes and goes with the winning write; a write that leaves it out reads
 * NULL; it is never written without the status. */
static void test_register_optional_part(void **state)
{
	struct fx *f = *state;
	struct crdt_write w;
	order_at_both(f, T_DAY0, "s0001-o7", "s0001-v1");
	/* the station: a unit claims it, then fulfils it (status only: the
	 * store carries the claimant); the hub, later, claims it for another */
	crdt_write_init(&w, ORDERS, CRDT_UPSERT, "s0001-o7");
	crdt_write_text(&w, "status", "accepted");
	crdt_write_set_null(&w, CRDT_C_ORDERS_VOLUNTEER);
	crdt_write_set_text(&w, CRDT_C_ORDERS_CLAIMANT, "unit:县供电所");
	assert_int_equal(crdt_commit_local(f->st, T_DAY0 + 10000, "s0001", &w, 1, NULL), 0);
	order_move(f->st, T_DAY0 + 11000, "s0001-o7", "done", NULL);
	crdt_write_init(&w, ORDERS, CRDT_UPSERT, "s0001-o7");
	crdt_write_text(&w, "status", "accepted");
	crdt_write_set_null(&w, CRDT_C_ORDERS_VOLUNTEER);
	crdt_write_set_text(&w, CRDT_C_ORDERS_CLAIMANT, "unit:县团委");
	assert_int_equal(crdt_commit_local(f->hub, T_DAY0 + 20000, "s0001", &w, 1, NULL), 0);
	exchange(f, T_DAY0 + 30000);
	assert_string_equal(cell(f->hub, "orders", "s0001-o7", "status"), "done");
	assert_string_equal(cell(f->hub, "orders", "s0001-o7", "claimant"), "unit:县供电所");
	assert_string_equal(cell(f->hub, "orders", "s0001-o7", "volunteer"), ""); /* NULL */

	/* the hub claims o8 for a unit; the station, not having seen it,
	 * dispatches it later: its write leaves the claimant out (it holds
	 * none), wins, and the claimant reads NULL on both */
	order_at_both(f, T_DAY0 + 40000, "s0001-o8", "s0001-v1");
	crdt_write_init(&w, ORDERS, CRDT_UPSERT, "s0001-o8");
	crdt_write_text(&w, "status", "accepted");
	crdt_write_set_null(&w, CRDT_C_ORDERS_VOLUNTEER);
	crdt_write_set_text(&w, CRDT_C_ORDERS_CLAIMANT, "unit:县团委");
	assert_int_equal(crdt_commit_local(f->hub, T_DAY0 + 50000, "s0001", &w, 1, NULL), 0);
	order_move(f->st, T_DAY0 + 60000, "s0001-o8", "dispatched", "s0001-v2");
	exchange(f, T_DAY0 + 70000);
	assert_string_equal(cell(f->hub, "orders", "s0001-o8", "volunteer"), "s0001-v2");
	assert_string_equal(cell(f->hub, "orders", "s0001-o8", "claimant"), ""); /* NULL */

	/* the claimant without the status is refused; the register without
	 * the claimant (every commit from before it existed) is whole */
	crdt_write_init(&w, ORDERS, CRDT_UPSERT, "s0001-o8");
	crdt_write_set_text(&w, CRDT_C_ORDERS_CLAIMANT, "unit:县团委");
	assert_int_equal(crdt_write_check(&w), ERR_SCHEMA);
	crdt_write_init(&w, ORDERS, CRDT_UPSERT, "s0001-o8");
	crdt_write_text(&w, "status", "open");
	crdt_write_text(&w, "volunteer", "s0001-v2");
	assert_int_equal(crdt_write_check(&w), 0);
}

static void test_rate_vs_cancel(void **state)
{
	struct fx *f = *state;
	order_at_both(f, T_DAY0, "s0001-o5", "s0001-v1");
	order_move(f->st, T_DAY0 + 5000, "s0001-o5", "done", NULL);
	order_move(f->st, T_DAY0 + 6000, "s0001-o5", "rated", NULL);
	order_move(f->hub, T_DAY0 + 9000, "s0001-o5", "cancelled", NULL);
	order_move(f->hub, T_DAY0 + 9500, "s0001-o5", "done", NULL);
	exchange(f, T_DAY0 + 30000);
	assert_string_equal(cell(f->hub, "orders", "s0001-o5", "status"), "rated");
}

static void test_tombstone(void **state)
{
	struct fx *f = *state;
	struct crdt_write w;
	crdt_write_init(&w, VOLUNTEERS, CRDT_UPSERT, "s0001-v2");
	crdt_write_text(&w, "name", "李娜");
	crdt_write_text(&w, "station", "s0001");
	assert_int_equal(crdt_commit_local(f->st, T_DAY0, "s0001", &w, 1, NULL), 0);
	exchange(f, T_DAY0 + 10);
	/* Hub edits at t+100, station deletes at t+200: the delete wins. */
	crdt_write_init(&w, VOLUNTEERS, CRDT_UPSERT, "s0001-v2");
	crdt_write_text(&w, "team", "青年突击队");
	assert_int_equal(crdt_commit_local(f->hub, T_DAY0 + 100, "s0001", &w, 1, NULL), 0);
	crdt_write_init(&w, VOLUNTEERS, CRDT_DELETE, "s0001-v2");
	assert_int_equal(crdt_commit_local(f->st, T_DAY0 + 200, "s0001", &w, 1, NULL), 0);
	exchange(f, T_DAY0 + 300);
	assert_string_equal(cell(f->hub, "volunteers", "s0001-v2", "name"), "<none>");
	/* A later write re-creates the row with only what it wrote. */
	crdt_write_init(&w, VOLUNTEERS, CRDT_UPSERT, "s0001-v2");
	crdt_write_text(&w, "status", "active");
	assert_int_equal(crdt_commit_local(f->hub, T_DAY0 + 400, "s0001", &w, 1, NULL), 0);
	exchange(f, T_DAY0 + 500);
	assert_string_equal(cell(f->st, "volunteers", "s0001-v2", "status"), "active");
	assert_string_equal(cell(f->st, "volunteers", "s0001-v2", "name"), "");
	/* Orders are never deleted: they are cancelled. */
	crdt_write_init(&w, ORDERS, CRDT_DELETE, "s0001-o1");
	assert_int_equal(crdt_commit_local(f->st, T_DAY0 + 600, "s0001", &w, 1, NULL), ERR_SCHEMA);
}

static void points_row(struct crdt_write *w, const char *pk, const char *vol, int delta,
		       const char *key)
{
	crdt_write_init(w, POINTS, CRDT_UPSERT, pk);
	crdt_write_text(w, "volunteer", vol);
	crdt_write_int(w, "delta", delta);
	crdt_write_text(w, "reason", key ? "service" : "redeem");
	crdt_write_text(w, "station", "s0001");
	if (key)
		crdt_write_text(w, "key", key);
}

/* One service credit per order, ever: a second credit for the same order
 * (another id, same key) is a conflict, recorded, never counted. */
static void test_points_once(void **state)
{
	struct fx *f = *state;
	struct crdt_write w;
	uint64_t n;
	points_row(&w, "s0001-p1", "s0001-v1", 20, "service:s0001-o1");
	assert_int_equal(crdt_commit_local(f->st, T_DAY0 + 100, "s0001", &w, 1, NULL), 0);
	points_row(&w, "hub-p1", "s0001-v1", 20, "service:s0001-o1");
	assert_int_equal(crdt_commit_local(f->hub, T_DAY0 + 200, "s0001", &w, 1, NULL), 0);
	exchange(f, T_DAY0 + 300);
	assert_string_equal(cell(f->hub, "points", "s0001-p1", "volunteer"), "s0001-v1");
	assert_string_equal(cell(f->hub, "points", "hub-p1", "volunteer"), "<none>");
	assert_int_equal(crdt_store_conflicts(f->hub, &n), 0);
	assert_int_equal(n, 1);
	assert_int_equal(crdt_store_conflicts(f->st, &n), 0);
	assert_int_equal(n, 1);
	/* Append rows never change: an update of the same id is a conflict. */
	points_row(&w, "s0001-p1", "s0001-v1", 999, "service:s0001-o1");
	assert_int_equal(crdt_commit_local(f->st, T_DAY0 + 400, "s0001", &w, 1, NULL), 0);
	exchange(f, T_DAY0 + 500);
	assert_int_equal(crdt_store_conflicts(f->hub, &n), 0);
	assert_int_equal(n, 2);
}

static void test_idempotent_apply(void **state)
{
	struct fx *f = *state;
	uint8_t before[32], after[32];
	order_at_both(f, T_DAY0, "s0001-o6", "s0001-v1");
	digest(f->hub, before);
	assert_int_equal(t_sync(f->st, f->hub, T_DAY0 + 9000), 0); /* nothing new */
	digest(f->hub, after);
	assert_memory_equal(before, after, 32);
}

/* Held-back commits are walked in turn, max at a time, from where the
 * last walk stopped, back to the first at the end (no commit starves). */
static int held_seq(void *arg, const struct crdt_log_entry *e)
{
	uint64_t *got = arg;
	assert_true(e->held && e->carried);
	got[got[0] + 1] = e->seq;
	got[0]++;
	return 0;
}

static void test_held_walk(void **state)
{
	struct fx *f = *state;
	struct crdt_held_at at;
	uint64_t got[8], n;
	uint8_t body[1] = { 1 };
	memset(&at, 0, sizeof(at));
	for (uint64_t seq = 1; seq <= 5; seq++) {
		struct crdt_remote r = { .author = f->st_id, .scope = "s0001", .seq = seq,
					 .hlc = CRDT_HLC(T_DAY0 + seq, 0), .body = body, .body_len = 1,
					 .carry = true, .held = true };
		assert_int_equal(crdt_apply_remote_ex(f->hub, T_DAY0 + 10, &r), 0);
	}
	assert_int_equal(crdt_log_held_count(f->hub, &n), 0);
	assert_int_equal(n, 5);
	static const uint64_t want[4][3] = { { 2, 1, 2 }, { 2, 3, 4 }, { 1, 5, 0 }, { 2, 1, 2 } };
	for (int k = 0; k < 4; k++) {
		memset(got, 0, sizeof(got));
		assert_int_equal(crdt_log_held(f->hub, &at, 2, held_seq, got), 0);
		assert_int_equal(got[0], want[k][0]);
		for (uint64_t i = 0; i < got[0]; i++)
			assert_int_equal(got[i + 1], want[k][i + 1]);
	}
}

struct seal_got {
	uint8_t seal[8];
	size_t len;
};

static int seal_got_one(void *arg, const struct crdt_log_entry *e)
{
	struct seal_got *g = arg;
	g->len = e->seal_len;
	memcpy(g->seal, e->seal, e->seal_len < 8 ? e->seal_len : 8);
	return 0;
}

/* crdt_log_seal_set replaces a held commit's seal, in a batch or not,
 * and leaves the body, the state and the heads as they were; a commit
 * not held is ERR_NOTFOUND. */
static void test_log_seal_set(void **state)
{
	struct fx *f = *state;
	struct seal_got g;
	uint8_t body[1] = { 1 }, st[2];
	static const uint8_t s1[] = { 1, 2, 3 }, s2[] = { 3, 4, 5, 6, 7 };
	struct crdt_remote r = { .author = f->st_id, .scope = "s0001", .seq = 1,
				 .hlc = CRDT_HLC(T_DAY0 + 1, 0), .body = body, .body_len = 1,
				 .seal = s1, .seal_len = sizeof(s1), .carry = true };
	struct crdt_vv_entry h = { .seq = 0 };
	assert_int_equal(crdt_apply_remote_ex(f->hub, T_DAY0 + 10, &r), 0);
	assert_int_equal(crdt_log_seal_set(f->hub, f->st_id, "s0001", 1, s2, sizeof(s2)), 0);
	assert_int_equal(crdt_log_get(f->hub, f->st_id, "s0001", 1, seal_got_one, &g), 0);
	assert_int_equal(g.len, sizeof(s2));
	assert_memory_equal(g.seal, s2, sizeof(s2));
	assert_int_equal(crdt_store_begin(f->hub), 0);
	assert_int_equal(crdt_log_seal_set(f->hub, f->st_id, "s0001", 1, s1, sizeof(s1)), 0);
	assert_int_equal(crdt_store_end(f->hub), 0);
	assert_int_equal(crdt_log_get(f->hub, f->st_id, "s0001", 1, seal_got_one, &g), 0);
	assert_int_equal(g.len, sizeof(s1));
	assert_int_equal(crdt_log_states(f->hub, f->st_id, "s0001", 1, 2, st), 0);
	assert_int_equal(st[0], CRDT_LOG_CARRIED);
	assert_int_equal(st[1], CRDT_LOG_ABSENT);
	memcpy(h.author, f->st_id, CRDT_AUTHOR_LEN);
	snprintf(h.scope, sizeof(h.scope), "s0001");
	assert_int_equal(crdt_store_heads(f->hub, &h, 1), 0);
	assert_int_equal(h.seq, 1);
	assert_int_equal(crdt_log_seal_set(f->hub, f->st_id, "s0001", 2, s1, sizeof(s1)), ERR_NOTFOUND);
	assert_int_equal(crdt_log_seal_set(f->hub, f->hub_id, "s0001", 1, s1, sizeof(s1)), ERR_NOTFOUND);
	assert_int_equal(crdt_log_seal_set(f->hub, f->st_id, "s0001", 1, s1, 0), ERR_USAGE);
}

static void test_clock_ahead_refused(void **state)
{
	struct fx *f = *state;
	uint8_t before[32], after[32];
	struct crdt_write w;
	struct buf b;
	uint8_t future[CRDT_AUTHOR_LEN];
	t_author(future, "s0002");
	crdt_write_init(&w, VOLUNTEERS, CRDT_UPSERT, "s0002-v1");
	crdt_write_text(&w, "name", "赵强");
	buf_init(&b, 0);
	assert_int_equal(crdt_body_encode(&b, &w, 1), 0);
	digest(f->hub, before);
	uint64_t ten_years = 10ULL * 365 * 86400000;
	assert_int_equal(crdt_apply_remote(f->hub, T_DAY0, future, "s0002", 1,
					   CRDT_HLC(T_DAY0 + ten_years, 0), b.data, b.len),
			 ERR_CLOCK);
	digest(f->hub, after);
	assert_memory_equal(before, after, 32);
	assert_true(CRDT_HLC_MS(crdt_store_hlc(f->hub)) < T_DAY0 + ten_years);
	/* 23 hours ahead is within the bound, and the clock moves past it. */
	uint64_t soon = CRDT_HLC(T_DAY0 + 23ULL * 3600000, 0);
	assert_int_equal(crdt_apply_remote(f->hub, T_DAY0, future, "s0002", 1, soon, b.data, b.len), 0);
	assert_true(crdt_store_hlc(f->hub) >= soon);
	struct crdt_commit_info info;
	crdt_write_init(&w, VOLUNTEERS, CRDT_UPSERT, "s0002-v1");
	crdt_write_text(&w, "team", "党员先锋队");
	assert_int_equal(crdt_commit_local(f->hub, T_DAY0, "s0002", &w, 1, &info), 0);
	assert_true(info.hlc > soon);
	buf_release(&b);
}

/* A board that boots at 1970 keeps going from its persisted clock. */
static void test_boot_at_1970(void **state)
{
	struct fx *f = *state;
	struct crdt_write w;
	struct crdt_commit_info a, b;
	char path[128];
	crdt_write_init(&w, VOLUNTEERS, CRDT_UPSERT, "s0001-v3");
	crdt_write_text(&w, "name", "周杰");
	assert_int_equal(crdt_commit_local(f->st, T_DAY0, "s0001", &w, 1, &a), 0);
	crdt_store_close(f->st); /* power cut; the board comes back at 1970 */
	snprintf(path, sizeof(path), "%s/st.db", f->dir);
	assert_int_equal(crdt_store_open(&f->st, path, f->st_id, NULL), 0);
	crdt_write_init(&w, VOLUNTEERS, CRDT_UPSERT, "s0001-v3");
	crdt_write_text(&w, "name", "周杰伦");
	assert_int_equal(crdt_commit_local(f->st, 5000, "s0001", &w, 1, &b), 0);
	assert_true(b.hlc > a.hlc);
	assert_int_equal(b.seq, a.seq + 1);
	assert_string_equal(cell(f->st, "volunteers", "s0001-v3", "name"), "周杰伦");
}

/* The daemon and the command line write the same file through two
 * handles, on a board whose clock stands still at 1970: every commit's
 * HLC is above every earlier one, whichever handle made it, after a
 * commit of another node far ahead is merged through one of them, and
 * after both are closed (a power cut) and the file opened again. The
 * clock is on disk in _meta or in the node's own latest commit
 * (commit.c C4). */
static void test_clock_two_handles(void **state)
{
	struct fx *f = *state;
	struct crdt_store *cli = NULL;
	struct crdt_commit_info info;
	struct crdt_write w;
	uint64_t last = 0;
	uint8_t other[CRDT_AUTHOR_LEN], body[1] = { 1 };
	char path[128], pk[32];
	snprintf(path, sizeof(path), "%s/st.db", f->dir);
	assert_int_equal(crdt_store_open(&cli, path, f->st_id, NULL), 0);
	for (int i = 0; i < 12; i++) {
		struct crdt_store *h = i % 3 == 1 ? cli : f->st;
		if (i == 6) { /* another node's commit an hour ahead, merged by the command line */
			t_author(other, "s0002");
			struct crdt_remote r = { .author = other, .scope = "s0002", .seq = 1,
						 .hlc = CRDT_HLC(T_DAY0 + 3600000, 7), .body = body, .body_len = 1,
						 .carry = true };
			assert_int_equal(crdt_apply_remote_ex(cli, T_DAY0, &r), 0);
			last = r.hlc;
		}
		if (i == 9) { /* power cut: both handles gone, the file opened again */
			crdt_store_close(cli);
			crdt_store_close(f->st);
			assert_int_equal(crdt_store_open(&f->st, path, f->st_id, NULL), 0);
			assert_int_equal(crdt_store_open(&cli, path, f->st_id, NULL), 0);
			h = f->st;
		}
		snprintf(pk, sizeof(pk), "s0001-v%d", i);
		crdt_write_init(&w, VOLUNTEERS, CRDT_UPSERT, pk);
		crdt_write_text(&w, "name", "周杰");
		assert_int_equal(crdt_commit_local(h, i < 3 ? T_DAY0 : 5000, "s0001", &w, 1, &info), 0);
		assert_true(info.hlc > last);
		assert_int_equal(info.seq, (uint64_t)i + 1);
		last = info.hlc;
	}
	crdt_store_close(cli);
}

static void test_hlc_unit(void **state)
{
	(void)state;
	struct crdt_clock c = { 0, 0 };
	uint64_t a = crdt_hlc_tick(&c, 1000);
	uint64_t b = crdt_hlc_tick(&c, 1000);
	uint64_t d = crdt_hlc_tick(&c, 10);
	assert_true(a < b && b < d);
	assert_int_equal(CRDT_HLC_MS(d), 1000);
	c.last = CRDT_HLC(2000, 0xffff);
	assert_int_equal(crdt_hlc_tick(&c, 0), CRDT_HLC(2001, 0));
	assert_int_equal(crdt_hlc_observe(&c, CRDT_HLC(5000, 3), 4000), 0);
	assert_true(crdt_hlc_tick(&c, 4000) > CRDT_HLC(5000, 3));
}

/* Malformed bodies are refused with a clear code, and change nothing. */
static void test_malformed_refused(void **state)
{
	struct fx *f = *state;
	uint8_t before[32], after[32], other[CRDT_AUTHOR_LEN];
	t_author(other, "s0003");
	digest(f->hub, before);
	struct {
		const char *what;
		uint8_t body[48];
		size_t len;
		int rc;
	} cases[] = {
		{ "unknown table", { 1, 99, 0, 1, 'x', 1, 3, 1, 'a' }, 9, ERR_SCHEMA },
		/* column 20 of volunteers: far past the last one, however many are added */
		{ "unknown column", { 1, 1, 0, 1, 'x', 0x80, 0x80, 0x40, 3, 1, 'a' }, 11, ERR_SCHEMA },
		{ "int in text column", { 1, 1, 0, 1, 'x', 1, 1, 2 }, 8, ERR_SCHEMA },
		{ "bad status", { 1, 3, 0, 1, 'x', 0xc0, 0x01, 3, 1, 'z', 0 }, 11, ERR_SCHEMA },
		{ "non-minimal varint", { 1, 1, 0, 1, 'x', 0x81, 0x00, 3, 1, 'a' }, 10, ERR_CORRUPT },
		{ "truncated", { 1, 1, 0, 5, 'x' }, 5, ERR_CORRUPT },
		{ "trailing bytes", { 1, 1, 0, 1, 'x', 1, 0, 9 }, 8, ERR_CORRUPT },
		{ "empty pk", { 1, 1, 0, 0, 1, 0 }, 6, ERR_SCHEMA },
		{ "zero writes", { 0 }, 1, ERR_CORRUPT },
		{ "bad utf-8", { 1, 1, 0, 1, 'x', 1, 3, 2, 0xc3, 0x28 }, 10, ERR_SCHEMA },
		{ "unknown op", { 1, 1, 7, 1, 'x' }, 5, ERR_SCHEMA },
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		int rc = crdt_apply_remote(f->hub, T_DAY0, other, "s0003", i + 1, CRDT_HLC(T_DAY0, 0),
					   cases[i].body, cases[i].len);
		if (rc != cases[i].rc)
			fail_msg("%s: got %d (%s), want %s", cases[i].what, rc, err_str(rc),
				 err_str(cases[i].rc));
	}
	/* An oversize text value. */
	struct buf b;
	buf_init(&b, 0);
	buf_put(&b, (uint8_t[]){ 1, 1, 0, 1, 'x', 1, 3 }, 7);
	buf_put_varint(&b, CRDT_TEXT_MAX + 1);
	for (size_t i = 0; i <= CRDT_TEXT_MAX; i++)
		buf_put_u8(&b, 'a');
	assert_int_equal(crdt_apply_remote(f->hub, T_DAY0, other, "s0003", 99, CRDT_HLC(T_DAY0, 0),
					   b.data, b.len),
			 ERR_TOOBIG);
	buf_release(&b);
	/* Bad scope and sequence numbers are the caller's error. */
	uint8_t ok[] = { 1, 1, 0, 1, 'x', 1, 3, 1, 'a' };
	assert_int_equal(crdt_apply_remote(f->hub, T_DAY0, other, "a-scope-name-far-longer-than-32-bytes",
					   1, CRDT_HLC(T_DAY0, 0), ok, sizeof(ok)),
			 ERR_USAGE);
	assert_int_equal(crdt_apply_remote(f->hub, T_DAY0, other, "s0003", 0, CRDT_HLC(T_DAY0, 0), ok,
					   sizeof(ok)),
			 ERR_USAGE);
	digest(f->hub, after);
	assert_memory_equal(before, after, 32);
	assert_false(crdt_store_has(f->hub, other, "s0003", 1));
}

static void test_digest_by_scope(void **state)
{
	struct fx *f = *state;
	struct crdt_write w;
	uint8_t a[32], b[32];
	order_at_both(f, T_DAY0, "s0001-o7", "s0001-v1");
	crdt_write_init(&w, ORDERS, CRDT_UPSERT, "s0002-o1");
	crdt_write_text(&w, "station", "s0002");
	crdt_write_text(&w, "status", "open");
	assert_int_equal(crdt_commit_local(f->hub, T_DAY0 + 5000, "s0002", &w, 1, NULL), 0);
	/* Whole digests differ (the hub holds s0002's order), but s0001's scope
	 * and the county-wide scope agree. */
	digest(f->hub, a);
	digest(f->st, b);
	assert_memory_not_equal(a, b, 32);
	assert_int_equal(crdt_store_digest(f->hub, "s0001", a), 0);
	assert_int_equal(crdt_store_digest(f->st, "s0001", b), 0);
	assert_memory_equal(a, b, 32);
	assert_int_equal(crdt_store_digest(f->hub, "", a), 0);
	assert_int_equal(crdt_store_digest(f->st, "", b), 0);
	assert_memory_equal(a, b, 32);

	/* A station's delete stays in the station's scope: a node that holds
	 * only the county-wide scope agrees with both on it. */
	crdt_write_init(&w, VOLUNTEERS, CRDT_UPSERT, "s0001-v8");
	crdt_write_text(&w, "name", "孙丽");
	crdt_write_text(&w, "station", "s0001");
	assert_int_equal(crdt_commit_local(f->st, T_DAY0 + 6000, "s0001", &w, 1, NULL), 0);
	crdt_write_init(&w, VOLUNTEERS, CRDT_DELETE, "s0001-v8");
	assert_int_equal(crdt_commit_local(f->st, T_DAY0 + 7000, "s0001", &w, 1, NULL), 0);
	exchange(f, T_DAY0 + 8000);
	struct crdt_store *other;
	uint8_t other_id[CRDT_AUTHOR_LEN];
	t_author(other_id, "s0002");
	assert_int_equal(fx_open(f, "other", other_id, &other), 0);
	assert_int_equal(crdt_store_digest(f->hub, "", a), 0);
	assert_int_equal(crdt_store_digest(other, "", b), 0);
	assert_memory_equal(a, b, 32);
	assert_int_equal(crdt_store_digest(f->hub, "s0001", a), 0);
	assert_int_equal(crdt_store_digest(f->st, "s0001", b), 0);
	assert_memory_equal(a, b, 32);
	crdt_store_close(other);
}

/* A column added to the declaration appears when an old file is opened. */
static void test_migration_adds_column(void **state)
{
	struct fx *f = *state;
	char path[128];
	order_at_both(f, T_DAY0, "s0001-o8", "s0001-v1");
	assert_int_equal(sqlite3_exec(crdt_store_db(f->st), "ALTER TABLE orders DROP COLUMN comment",
				      NULL, NULL, NULL),
			 SQLITE_OK);
	crdt_store_close(f->st);
	snprintf(path, sizeof(path), "%s/st.db", f->dir);
	assert_int_equal(crdt_store_open(&f->st, path, f->st_id, NULL), 0);
	assert_string_equal(cell(f->st, "orders", "s0001-o8", "comment"), "");
	assert_string_equal(cell(f->st, "orders", "s0001-o8", "status"), "dispatched");
	/* The migrated file's digest is the digest of the same commits. */
	assert_same_state(f->st, f->hub);
}

/* A transaction that is aborted leaves nothing, and seq numbers resume. */
static void test_batch_abort(void **state)
{
	struct fx *f = *state;
	uint8_t before[32], after[32];
	order_new(f->st, T_DAY0, "s0001-o9");
	digest(f->hub, before);
	assert_int_equal(crdt_store_begin(f->hub), 0);
	assert_true(t_sync(f->st, f->hub, T_DAY0 + 10) > 0);
	crdt_store_abort(f->hub);
	digest(f->hub, after);
	assert_memory_equal(before, after, 32);
	assert_int_equal(crdt_store_begin(f->hub), 0);
	assert_true(t_sync(f->st, f->hub, T_DAY0 + 10) > 0);
	assert_int_equal(crdt_store_end(f->hub), 0);
	assert_string_equal(cell(f->hub, "orders", "s0001-o9", "status"), "open");
}

static long file_bytes(const char *dir, const char *name)
{
	char path[160];
	struct stat sb;
	snprintf(path, sizeof(path), "%s/%s", dir, name);
	return stat(path, &sb) == 0 ? (long)sb.st_size : -1;
}

/* A batch's commit leaves the WAL for crdt_store_checkpoint (store.c W2),
 * which copies it into the file; the commits were durable before, and a
 * reopened store reads the same state. */
static void test_checkpoint_after_batch(void **state)
{
	struct fx *f = *state;
	char pk[32], text[3001];
	uint8_t before[32], after[32];
	struct crdt_write w;

	memset(text, 'x', sizeof(text) - 1);
	text[sizeof(text) - 1] = '\0';
	assert_int_equal(crdt_store_begin(f->hub), 0);
	for (unsigned i = 0; i < 1200; i++) { /* a page each: past CRDT_WAL_AUTO */
		snprintf(pk, sizeof(pk), "k%04u", i);
		crdt_write_init(&w, 6, CRDT_UPSERT, pk);
		assert_int_equal(crdt_write_text(&w, "value", text), 0);
		assert_int_equal(crdt_commit_local(f->hub, T_DAY0 + i, "", &w, 1, NULL), 0);
	}
	long db0 = file_bytes(f->dir, "hub.db");
	assert_int_equal(crdt_store_end(f->hub), 0);
	assert_int_equal(file_bytes(f->dir, "hub.db"), db0); /* not checkpointed */
	assert_true(file_bytes(f->dir, "hub.db-wal") > 1000L * 4096);
	assert_int_equal(crdt_store_checkpoint(f->hub), 0);
	assert_true(file_bytes(f->dir, "hub.db") > db0 + 1000L * 3000);
	assert_int_equal(crdt_store_checkpoint(f->hub), 0); /* nothing left: a no-op */
	digest(f->hub, before);
	crdt_store_close(f->hub);
	assert_int_equal(fx_open(f, "hub", f->hub_id, &f->hub), 0);
	digest(f->hub, after);
	assert_memory_equal(before, after, 32);
}

/* A batch larger than the row cache (crdt/rowcache.c): rows written,
 * written back when the cache fills, met again and rewritten, deleted; the
 * batch's reads see its own writes; the result is the same as commit by
 * commit, and an aborted batch leaves nothing. */
static void test_batch_row_cache(void **state)
{
	(void)state;
	struct crdt_store *st, *one, *batch;
	uint8_t ids[3][CRDT_AUTHOR_LEN], before[32];
	struct crdt_options co = { .no_sync = true };
	const unsigned nvol = CRDT_CACHE_ROWS + CRDT_CACHE_ROWS / 2;
	char pk[32], text[64];
	struct crdt_write w;

	t_author(ids[0], "s0001");
	t_author(ids[1], "one");
	t_author(ids[2], "batch");
	assert_int_equal(crdt_store_open(&st, ":memory:", ids[0], &co), 0);
	assert_int_equal(crdt_store_open(&one, ":memory:", ids[1], &co), 0);
	assert_int_equal(crdt_store_open(&batch, ":memory:", ids[2], &co), 0);
	for (unsigned round = 0; round < 3; round++)
		for (unsigned i = 0; i < nvol; i++) {
			snprintf(pk, sizeof(pk), "s0001-v%u", i);
			if (round == 2 && i % 7 == 0) {
				crdt_write_init(&w, VOLUNTEERS, CRDT_DELETE, pk);
			} else {
				crdt_write_init(&w, VOLUNTEERS, CRDT_UPSERT, pk);
				snprintf(text, sizeof(text), "1390000%04u-%u", i, round);
				crdt_write_text(&w, "phone", text);
				if (round == 0)
					crdt_write_text(&w, "station", "s0001");
			}
			assert_int_equal(crdt_commit_local(st, T_DAY0 + round * 100000 + i, "s0001", &w, 1, NULL), 0);
		}
	assert_true(t_sync(st, one, T_DAY0 + 400000) > 0);

	digest(batch, before);
	assert_int_equal(crdt_store_begin(batch), 0);
	assert_true(t_sync(st, batch, T_DAY0 + 400000) > 0);
	crdt_store_abort(batch);
	uint8_t after[32];
	digest(batch, after);
	assert_memory_equal(before, after, 32);

	assert_int_equal(crdt_store_begin(batch), 0);
	assert_true(t_sync(st, batch, T_DAY0 + 400000) > 0);
	/* inside the batch: the last rows are still in the cache */
	snprintf(pk, sizeof(pk), "s0001-v%u", nvol - 1);
	assert_int_equal(crdt_row_text(batch, VOLUNTEERS, pk, strlen(pk), 1, text, sizeof(text)), 0);
	snprintf(pk, sizeof(pk), "1390000%04u-2", nvol - 1);
	assert_string_equal(text, pk);
	snprintf(pk, sizeof(pk), "s0001-v%u", 0);
	assert_int_equal(crdt_row_text(batch, VOLUNTEERS, pk, strlen(pk), 1, text, sizeof(text)),
			 ERR_NOTFOUND); /* deleted */
	snprintf(pk, sizeof(pk), "s0001-v%u", nvol - 2);
	snprintf(text, sizeof(text), "1390000%04u-2", nvol - 2);
	assert_string_equal(cell(batch, "volunteers", pk, "phone"), text); /* SQL sees them too */
	assert_int_equal(crdt_store_end(batch), 0);
	assert_same_state(one, batch);
	assert_same_state(st, batch);
	crdt_store_close(st);
	crdt_store_close(one);
	crdt_store_close(batch);
}

/* ---- rowcache.c K6: only the changed columns written back ---------- */

static uint64_t k6_next(uint64_t *s)
{
	uint64_t z = (*s += 0x9e3779b97f4a7c15ULL); /* splitmix64 */
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

static unsigned k6_below(uint64_t *s, unsigned n)
{
	return (unsigned)(k6_next(s) % n);
}

/* A text of about len bytes, one of a few, so writes often repeat a value. */
static const char *k6_text(uint64_t *r, char *buf, size_t cap, size_t len)
{
	static const char *const few[] = { "王伟", "李娜", "open", "" };
	unsigned k = k6_below(r, 6);
	if (k < 4 || !len)
		return few[k % 4];
	size_t n = len < cap - 1 ? len : cap - 1;
	memset(buf, 'a' + (int)k, n);
	buf[n] = '\0';
	return buf;
}

/* One random write of a volunteer or an order of a small pool: columns of
 * every type, NULLs, equal values again, -0.0 and 0.0, a volunteer's
 * deletes. */
static void k6_write(uint64_t *r, struct crdt_write *w, char *pk, size_t pkcap, unsigned nvol,
		     size_t textlen, char *tbuf, size_t tcap)
{
	static const char *const st[] = { "open", "dispatched", "accepted", "cancelled", "done", "rated" };
	static const double hours[] = { 0.0, -0.0, 1.5, 2.0 };
	if (k6_below(r, 2)) {
		snprintf(pk, pkcap, "s0001-v%u", k6_below(r, nvol));
		if (k6_below(r, 12) == 0) {
			crdt_write_init(w, VOLUNTEERS, CRDT_DELETE, pk);
			return;
		}
		crdt_write_init(w, VOLUNTEERS, CRDT_UPSERT, pk);
		crdt_write_text(w, "phone", k6_below(r, 2) ? "13900000001" : "13900000002");
		if (k6_below(r, 2))
			crdt_write_text(w, "name", k6_text(r, tbuf, tcap, 0));
		if (k6_below(r, 3) == 0)
			crdt_write_text(w, "station", k6_below(r, 2) ? "s0001" : "s0002");
		if (k6_below(r, 3) == 0)
			crdt_write_text(w, "skills", k6_text(r, tbuf, tcap, textlen));
		if (k6_below(r, 4) == 0)
			crdt_write_null(w, "team");
		else if (k6_below(r, 3) == 0)
			crdt_write_text(w, "team", "s0001-t1");
		if (k6_below(r, 3) == 0)
			crdt_write_int(w, "registered_at", k6_below(r, 3));
		return;
	}
	snprintf(pk, pkcap, "s0001-o%u", k6_below(r, 8)); /* orders are never deleted */
	crdt_write_init(w, ORDERS, CRDT_UPSERT, pk);
	crdt_write_int(w, "updated_at", k6_below(r, 4));
	if (k6_below(r, 4) == 0)
		crdt_write_text(w, "station", k6_below(r, 2) ? "s0001" : "s0002");
	if (k6_below(r, 2)) { /* the register; the volunteer alone would leave a new order's status NULL */
		crdt_write_text(w, "status", st[k6_below(r, 6)]);
		if (k6_below(r, 2))
			crdt_write_text(w, "volunteer", k6_below(r, 2) ? "s0001-v1" : "s0001-v2");
	}
	if (k6_below(r, 3) == 0)
		crdt_write_real(w, "hours", hours[k6_below(r, 4)]);
	if (k6_below(r, 4) == 0)
		crdt_write_text(w, "comment", k6_text(r, tbuf, tcap, textlen));
	if (k6_below(r, 6) == 0)
		crdt_write_null(w, "comment");
}

/* Every row of every rows table of a and b, column by column. */
static void k6_same_rows(struct crdt_store *a, struct crdt_store *b, uint64_t seed)
{
	size_t total = 0;
	for (size_t i = 0; i < crdt_ntables; i++) {
		const struct crdt_table *t = &crdt_tables[i];
		if (!t->name || t->kind != CRDT_KIND_ROWS)
			continue;
		char sql[128];
		sqlite3_stmt *x, *y;
		snprintf(sql, sizeof(sql), "SELECT * FROM \"%s\" ORDER BY pk", t->name);
		assert_int_equal(sqlite3_prepare_v2(crdt_store_db(a), sql, -1, &x, NULL), SQLITE_OK);
		assert_int_equal(sqlite3_prepare_v2(crdt_store_db(b), sql, -1, &y, NULL), SQLITE_OK);
		int rx, ry;
		size_t rows = 0;
		while ((rx = sqlite3_step(x)) == SQLITE_ROW) {
			ry = sqlite3_step(y);
			if (ry != SQLITE_ROW)
				fail_msg("seed %llu: %s: the batch's file lacks row %s", (unsigned long long)seed,
					 t->name, sqlite3_column_text(x, 0));
			for (int c = 0; c < sqlite3_column_count(x); c++) {
				int ty = sqlite3_column_type(x, c);
				const void *px = sqlite3_column_blob(x, c), *py = sqlite3_column_blob(y, c);
				int nx = sqlite3_column_bytes(x, c), ny = sqlite3_column_bytes(y, c);
				if (ty != sqlite3_column_type(y, c) || nx != ny || (nx && memcmp(px, py, (size_t)nx)))
					fail_msg("seed %llu: %s row %s column %s differs", (unsigned long long)seed,
						 t->name, sqlite3_column_text(x, 0), sqlite3_column_name(x, c));
			}
			rows++;
		}
		assert_int_equal(rx, SQLITE_DONE);
		assert_int_equal(sqlite3_step(y), SQLITE_DONE);
		sqlite3_finalize(x);
		sqlite3_finalize(y);
		total += rows;
	}
	assert_true(total > 0);
}

/* Three authors (two stations and the hub, writing the same rows from two
 * scopes, so a row's _scope moves too) make ncommits each; their feeds,
 * interleaved at random, go to one replica commit by commit (written
 * through) and to another in batches of 1 to batch_max commits (the row
 * cache). The files must hold the same rows, to the byte. */
static void k6_run(uint64_t seed, unsigned nvol, size_t textlen, unsigned ncommits, unsigned batch_max)
{
	struct crdt_options co = { .no_sync = true };
	struct crdt_store *au[3], *thru, *cached;
	static const char *const names[3] = { "s0001", "s0002", "hub" };
	struct t_pool feed[3] = { { 0 } };
	uint8_t id[CRDT_AUTHOR_LEN];
	struct crdt_write w[3];
	char pk[3][32];
	static char tbuf[3][CRDT_TEXT_MAX + 1];
	uint64_t r = seed;

	print_message("K6 seed %llu\n", (unsigned long long)seed);
	for (unsigned a = 0; a < 3; a++) {
		t_author(id, names[a]);
		assert_int_equal(crdt_store_open(&au[a], ":memory:", id, &co), 0);
	}
	t_author(id, "thru");
	assert_int_equal(crdt_store_open(&thru, ":memory:", id, &co), 0);
	t_author(id, "cached");
	assert_int_equal(crdt_store_open(&cached, ":memory:", id, &co), 0);
	for (unsigned i = 0; i < ncommits; i++)
		for (unsigned a = 0; a < 3; a++) {
			size_t n = 1 + k6_below(&r, 3);
			for (size_t k = 0; k < n; k++)
				k6_write(&r, &w[k], pk[k], sizeof(pk[k]), nvol, textlen, tbuf[k], sizeof(tbuf[k]));
			const char *scope = a == 2 ? (k6_below(&r, 2) ? "s0001" : "s0002") : names[a];
			uint64_t wall = T_DAY0 + 1000 * (uint64_t)i + k6_below(&r, 3000);
			int rc = crdt_commit_local(au[a], wall, scope, w, n, NULL);
			if (rc)
				fail_msg("seed %llu: local commit: %s", (unsigned long long)seed, err_str(rc));
		}
	for (unsigned a = 0; a < 3; a++) {
		struct crdt_vv_entry *vv;
		size_t n;
		assert_int_equal(crdt_store_vv(au[a], &vv, &n), 0);
		for (size_t i = 0; i < n; i++)
			assert_int_equal(crdt_log_each(au[a], vv[i].author, vv[i].scope, 0, t_pool_add, &feed[a]), 0);
		free(vv);
	}
	size_t at[3] = { 0 }, left = feed[0].n + feed[1].n + feed[2].n, batch = 0;
	while (left) {
		if (!batch) { /* a new batch at the cached replica */
			batch = 1 + k6_below(&r, batch_max);
			assert_int_equal(crdt_store_begin(cached), 0);
		}
		unsigned a;
		do
			a = k6_below(&r, 3);
		while (at[a] == feed[a].n);
		const struct t_commit *c = &feed[a].c[at[a]++];
		int rt = crdt_apply_remote(thru, T_DAY0 + 10000000, c->author, c->scope, c->seq, c->hlc, c->body, c->len);
		int rb = crdt_apply_remote(cached, T_DAY0 + 10000000, c->author, c->scope, c->seq, c->hlc, c->body,
					   c->len);
		assert_int_equal(rt, rb);
		assert_true(rt >= 0);
		left--;
		if (--batch == 0 || !left) {
			assert_int_equal(crdt_store_end(cached), 0);
			batch = 0;
		}
	}
	k6_same_rows(thru, cached, seed);
	assert_same_state(thru, cached);
	for (unsigned a = 0; a < 3; a++) {
		t_pool_free(&feed[a]);
		crdt_store_close(au[a]);
	}
	crdt_store_close(thru);
	crdt_store_close(cached);
}

/* Rows in the file, then one batch that changes each once with a long
 * text: the arena fills at puts, and a row put when it fills is not
 * changed again, so what that put changed must reach the file (K6: a
 * put that creates the entry marks every column). */
static void k6_once(void)
{
	struct crdt_options co = { .no_sync = true };
	struct crdt_store *au, *thru, *cached;
	struct t_pool feed = { 0 };
	struct crdt_vv_entry *vv;
	uint8_t id[CRDT_AUTHOR_LEN];
	static char text[CRDT_TEXT_MAX + 1];
	const unsigned nrows = CRDT_CACHE_ROWS + 200;
	char pk[32];
	struct crdt_write w;
	size_t n;

	t_author(id, "s0001");
	assert_int_equal(crdt_store_open(&au, ":memory:", id, &co), 0);
	t_author(id, "thru");
	assert_int_equal(crdt_store_open(&thru, ":memory:", id, &co), 0);
	t_author(id, "cached");
	assert_int_equal(crdt_store_open(&cached, ":memory:", id, &co), 0);
	for (unsigned round = 0; round < 2; round++)
		for (unsigned i = 0; i < nrows; i++) {
			snprintf(pk, sizeof(pk), "s0001-v%u", i);
			crdt_write_init(&w, VOLUNTEERS, CRDT_UPSERT, pk);
			if (round == 0) {
				crdt_write_text(&w, "name", "王伟");
				crdt_write_text(&w, "station", "s0001");
			} else {
				memset(text, 'a' + (int)(i % 26), CRDT_TEXT_MAX);
				text[CRDT_TEXT_MAX] = '\0';
				crdt_write_text(&w, "skills", text);
			}
			assert_int_equal(crdt_commit_local(au, T_DAY0 + round * 100000 + i, "s0001", &w, 1, NULL), 0);
		}
	assert_int_equal(crdt_store_vv(au, &vv, &n), 0);
	assert_int_equal(n, 1);
	assert_int_equal(crdt_log_each(au, vv[0].author, vv[0].scope, 0, t_pool_add, &feed), 0);
	free(vv);
	assert_int_equal(feed.n, 2 * nrows);
	for (size_t i = 0; i < feed.n; i++) {
		const struct t_commit *c = &feed.c[i];
		if (i % nrows == 0)
			assert_int_equal(crdt_store_begin(cached), 0);
		assert_int_equal(crdt_apply_remote(thru, T_DAY0 + 999000, c->author, c->scope, c->seq, c->hlc, c->body,
						   c->len), 0);
		assert_int_equal(crdt_apply_remote(cached, T_DAY0 + 999000, c->author, c->scope, c->seq, c->hlc,
						   c->body, c->len), 0);
		if (i % nrows == nrows - 1)
			assert_int_equal(crdt_store_end(cached), 0);
	}
	k6_same_rows(thru, cached, 0);
	t_pool_free(&feed);
	crdt_store_close(au);
	crdt_store_close(thru);
	crdt_store_close(cached);
}

/* rowcache.c K6: many merges of a few rows in each batch (seeds 1..12),
 * and batches over more rows, or more bytes, than the cache holds (it
 * writes back and starts again in the middle, K3). */
static void test_cache_writes_columns(void **state)
{
	(void)state;
	for (uint64_t seed = 1; seed <= 12; seed++)
		k6_run(seed, 6, 40, 300, seed % 3 ? 40 : 400);
	k6_run(99, CRDT_CACHE_ROWS * 2, CRDT_TEXT_MAX / 2, 1200, 4000); /* rows */
	k6_once(); /* bytes: the arena fills at puts */
}

/* An upsert and a delete of one row in one commit: deleted, either order. */
static void test_same_commit_delete(void **state)
{
	struct fx *f = *state;
	struct crdt_write w[2];
	crdt_write_init(&w[0], VOLUNTEERS, CRDT_UPSERT, "s0001-v5");
	crdt_write_text(&w[0], "name", "吴敏");
	crdt_write_init(&w[1], VOLUNTEERS, CRDT_DELETE, "s0001-v5");
	assert_int_equal(crdt_commit_local(f->st, T_DAY0, "s0001", w, 2, NULL), 0);
	assert_string_equal(cell(f->st, "volunteers", "s0001-v5", "name"), "<none>");
	crdt_write_init(&w[0], VOLUNTEERS, CRDT_DELETE, "s0001-v6");
	crdt_write_init(&w[1], VOLUNTEERS, CRDT_UPSERT, "s0001-v6");
	crdt_write_text(&w[1], "name", "吴敏");
	assert_int_equal(crdt_commit_local(f->st, T_DAY0 + 10, "s0001", w, 2, NULL), 0);
	assert_string_equal(cell(f->st, "volunteers", "s0001-v6", "name"), "<none>");
	exchange(f, T_DAY0 + 100);
}

/* Clocks a little ahead, one after another, cannot ratchet a replica with
 * a good wall clock into the future. */
static void test_clock_no_ratchet(void **state)
{
	struct fx *f = *state;
	uint8_t peer[CRDT_AUTHOR_LEN];
	struct crdt_write w;
	struct buf b;
	int accepted = 0;
	t_author(peer, "s0009");
	crdt_write_init(&w, VOLUNTEERS, CRDT_UPSERT, "s0009-v1");
	crdt_write_text(&w, "name", "赵强");
	buf_init(&b, 0);
	assert_int_equal(crdt_body_encode(&b, &w, 1), 0);
	for (uint64_t i = 1; i <= 5; i++) {
		uint64_t ahead = i * 23ULL * 3600000;
		if (crdt_apply_remote(f->hub, T_DAY0, peer, "s0009", i, CRDT_HLC(T_DAY0 + ahead, 0), b.data,
				      b.len) == 0)
			accepted++;
	}
	assert_int_equal(accepted, 1);
	buf_release(&b);
}

/* Bounds on the true time (crdt_time_judge, docs/security.md "Clock"). */
static void test_time_bounds(void **state)
{
	(void)state;
	const uint64_t H = 1767225600000ULL, HOUR = 3600000, DAY = 24 * HOUR; /* 2026-01-01 */
	struct crdt_time_evidence e = { 0 };
	struct crdt_time_now n = { .wall_ms = H };
	struct crdt_time_bounds b;

	/* no evidence: only 1970 is refused */
	assert_int_equal(crdt_time_judge(&e, &n, &b), CRDT_TIME_OK);
	assert_int_equal(b.upper, 0);
	n.wall_ms = 1000;
	assert_int_equal(crdt_time_judge(&e, &n, &b), CRDT_TIME_UNSET);

	/* the hub heard in this boot: its time plus the time elapsed */
	n = (struct crdt_time_now){ .wall_ms = H, .mono_ms = 50000, .boot = 7 };
	assert_true(crdt_time_heard(&e, &n, H, true, 0));
	assert_int_equal(e.anchor_ms, H);
	assert_int_equal(e.anchor_mono, 50000);
	n.mono_ms += HOUR;
	n.wall_ms = H + HOUR;
	assert_int_equal(crdt_time_judge(&e, &n, &b), CRDT_TIME_OK);
	assert_int_equal(b.upper_src, CRDT_TIME_SRC_ELAPSED);
	n.wall_ms = H + 2 * HOUR; /* the clock jumped an hour forward */
	assert_int_equal(crdt_time_judge(&e, &n, &b), CRDT_TIME_AHEAD);
	n.wall_ms = H - HOUR; /* back before the hub's time */
	assert_int_equal(crdt_time_judge(&e, &n, &b), CRDT_TIME_BEHIND);
	n.wall_ms = H - CRDT_TIME_TOL_MS / 2; /* within the tolerance */
	assert_int_equal(crdt_time_judge(&e, &n, &b), CRDT_TIME_OK);

	/* another boot: a day past the latest known time (the last write) */
	e.write_ms = H + HOUR / 2;
	n = (struct crdt_time_now){ .wall_ms = H + 20 * HOUR, .mono_ms = 10, .boot = 8 };
	assert_int_equal(crdt_time_judge(&e, &n, &b), CRDT_TIME_OK);
	assert_int_equal(b.upper_src, CRDT_TIME_SRC_REBOOT);
	assert_int_equal(b.upper, H + HOUR / 2 + DAY);
	n.wall_ms = H + 40 * HOUR;
	assert_int_equal(crdt_time_judge(&e, &n, &b), CRDT_TIME_AHEAD);
	n.hub = true; /* the hub is the county's clock */
	assert_int_equal(crdt_time_judge(&e, &n, &b), CRDT_TIME_OK);
	n.hub = false;

	/* a bundle's hub time is a lower bound, never an anchor, even when it
	 * is past the reboot bound (the station was idle for days) */
	assert_true(crdt_time_heard(&e, &n, H + 3 * DAY, false, 0));
	assert_int_equal(e.known_ms, H + 3 * DAY);
	assert_int_equal(e.anchor_ms, H);
	n.wall_ms = H + 3 * DAY + HOUR;
	assert_int_equal(crdt_time_judge(&e, &n, &b), CRDT_TIME_OK);

	/* a write with a fast clock, then the hub in a session: its word wins */
	e.write_ms = H + 5 * DAY;
	n.mono_ms = 20;
	assert_true(crdt_time_heard(&e, &n, H + 3 * DAY + HOUR, true, 0));
	assert_int_equal(e.write_ms, H + 3 * DAY + HOUR);
	assert_int_equal(e.anchor_mono, 20);
	assert_int_equal(crdt_time_judge(&e, &n, &b), CRDT_TIME_OK);
	assert_int_equal(b.upper_src, CRDT_TIME_SRC_ELAPSED);
	/* the same hub time again (a replayed message) moves nothing */
	n.mono_ms = 5000;
	assert_false(crdt_time_heard(&e, &n, H + 3 * DAY + HOUR, true, 0));
	/* a relayed time past the fresh anchor's bound is not taken */
	assert_false(crdt_time_heard(&e, &n, H + 30 * DAY, false, 0));

	/* a far-future own commit: every next one would be too */
	n.own_hlc_ms = H + 400 * DAY;
	assert_int_equal(crdt_time_judge(&e, &n, &b), CRDT_TIME_FEED_AHEAD);
}

/* A board without a clock accepts clocks near the last one it knew. */
static void test_clockless_board(void **state)
{
	struct fx *f = *state;
	uint8_t peer[CRDT_AUTHOR_LEN];
	struct crdt_write w;
	struct buf b;
	order_new(f->st, T_DAY0, "s0001-o20"); /* the last clock it knew */
	t_author(peer, "hub2");
	crdt_write_init(&w, VOLUNTEERS, CRDT_UPSERT, "s0001-v9");
	crdt_write_text(&w, "name", "赵强");
	buf_init(&b, 0);
	assert_int_equal(crdt_body_encode(&b, &w, 1), 0);
	assert_int_equal(crdt_apply_remote(f->st, 3000, peer, "s0001", 1, CRDT_HLC(T_DAY0 + 3600000, 0),
					   b.data, b.len),
			 0);
	assert_int_equal(crdt_apply_remote(f->st, 3000, peer, "s0001", 2,
					   CRDT_HLC(T_DAY0 + 400ULL * 86400000, 0), b.data, b.len),
			 ERR_CLOCK);
	buf_release(&b);
}

/* Issue 12: a station that lost its replica gets its own feed back from
 * the hub and numbers on after it: crdt_store_own_seq counts only the
 * node's own commits, and once they come back (as any remote commit) the
 * next local commit takes the seq after the last one, never a used one. */
static void test_own_feed_back(void **state)
{
	struct fx *f = *state;
	struct crdt_store *fresh;
	struct crdt_commit_info info;
	struct crdt_write w;
	uint64_t seq;

	order_new(f->st, T_DAY0, "s0001-o1");
	order_new(f->st, T_DAY0 + 1000, "s0001-o2");
	order_move(f->st, T_DAY0 + 2000, "s0001-o1", "dispatched", "s0001-v1");
	assert_int_equal(crdt_store_own_seq(f->st, "s0001", &seq), 0);
	assert_int_equal(seq, 3);
	assert_int_equal(crdt_store_own_seq(f->st, "", &seq), 0);
	assert_int_equal(seq, 0);
	assert_int_equal(crdt_store_own_seq(f->st, NULL, &seq), ERR_USAGE);
	exchange(f, T_DAY0 + 3000);
	assert_int_equal(crdt_store_own_seq(f->hub, "s0001", &seq), 0);
	assert_int_equal(seq, 0); /* the hub holds the station's feed, not its own */

	/* the station's replica is lost: a new file under the same key */
	assert_int_equal(fx_open(f, "st-new", f->st_id, &fresh), 0);
	assert_int_equal(crdt_store_own_seq(fresh, "s0001", &seq), 0);
	assert_int_equal(seq, 0);
	assert_true(t_sync(f->hub, fresh, T_DAY0 + 4000) > 0);
	assert_int_equal(crdt_store_own_seq(fresh, "s0001", &seq), 0);
	assert_int_equal(seq, 3);
	assert_same_state(f->hub, fresh);
	crdt_write_init(&w, ORDERS, CRDT_UPSERT, "s0001-o9");
	crdt_write_text(&w, "station", "s0001");
	crdt_write_text(&w, "status", "open");
	assert_int_equal(crdt_commit_local(fresh, T_DAY0 + 5000, "s0001", &w, 1, &info), 0);
	assert_int_equal(info.seq, 4);
	assert_true(t_sync(fresh, f->hub, T_DAY0 + 6000) > 0);
	assert_same_state(f->hub, fresh);
	crdt_store_close(fresh);
}

/* Every table and column constant of crdt.h names, by name, the schema
 * entry it claims, and every schema column has its constant. Written out
 * by hand on purpose: this list is the second statement the constants are
 * checked against. */
static void test_schema_ids(void **state)
{
	(void)state;
	static const struct {
		unsigned id;
		const char *name;
	} tabs[] = {
		{ CRDT_T_STATIONS, "stations" },
		{ CRDT_T_VOLUNTEERS, "volunteers" },
		{ CRDT_T_TEAMS, "teams" },
		{ CRDT_T_ORDERS, "orders" },
		{ CRDT_T_ORDER_EVENTS, "order_events" },
		{ CRDT_T_POINTS, "points" },
		{ CRDT_T_SETTINGS, "settings" },
		{ CRDT_T_ENROLMENTS, "enrolments" },
		{ CRDT_T_REVOCATIONS, "revocations" },
		{ CRDT_T_SCOPE_KEYS, "scope_keys" },
		{ CRDT_T_GIFTS, "gifts" },
		{ CRDT_T_GIFT_MOVES, "gift_moves" },
		/* the service menu */
		{ CRDT_T_CATEGORIES, "categories" },
		/* activities with check-in (issue 17) */
		{ CRDT_T_ACTIVITIES, "activities" },
		{ CRDT_T_ACTIVITY_SIGNUPS, "activity_signups" },
		{ CRDT_T_ACTIVITY_ATTENDANCE, "activity_attendance" },
	};
	static const struct {
		unsigned table, col;
		const char *name;
	} cols[] = {
		{ CRDT_T_STATIONS, CRDT_C_STATIONS_NAME, "name" },
		{ CRDT_T_STATIONS, CRDT_C_STATIONS_LEVEL, "level" },
		{ CRDT_T_STATIONS, CRDT_C_STATIONS_PARENT, "parent" },
		{ CRDT_T_VOLUNTEERS, CRDT_C_VOLUNTEERS_NAME, "name" },
		{ CRDT_T_VOLUNTEERS, CRDT_C_VOLUNTEERS_PHONE, "phone" },
		{ CRDT_T_VOLUNTEERS, CRDT_C_VOLUNTEERS_STATION, "station" },
		{ CRDT_T_VOLUNTEERS, CRDT_C_VOLUNTEERS_TEAM, "team" },
		{ CRDT_T_VOLUNTEERS, CRDT_C_VOLUNTEERS_SKILLS, "skills" },
		{ CRDT_T_VOLUNTEERS, CRDT_C_VOLUNTEERS_STATUS, "status" },
		{ CRDT_T_VOLUNTEERS, CRDT_C_VOLUNTEERS_REGISTERED_AT, "registered_at" },
		{ CRDT_T_VOLUNTEERS, CRDT_C_VOLUNTEERS_ID_HASH, "id_hash" },
		{ CRDT_T_VOLUNTEERS, CRDT_C_VOLUNTEERS_ID_LAST4, "id_last4" },
		{ CRDT_T_VOLUNTEERS, CRDT_C_VOLUNTEERS_ID_CHASH, "id_chash" },
		{ CRDT_T_TEAMS, CRDT_C_TEAMS_NAME, "name" },
		{ CRDT_T_TEAMS, CRDT_C_TEAMS_STATION, "station" },
		{ CRDT_T_TEAMS, CRDT_C_TEAMS_LEADER, "leader" },
		{ CRDT_T_ORDERS, CRDT_C_ORDERS_STATION, "station" },
		{ CRDT_T_ORDERS, CRDT_C_ORDERS_KIND, "kind" },
		{ CRDT_T_ORDERS, CRDT_C_ORDERS_CATEGORY, "category" },
		{ CRDT_T_ORDERS, CRDT_C_ORDERS_DETAIL, "detail" },
		{ CRDT_T_ORDERS, CRDT_C_ORDERS_REQUESTER, "requester" },
		{ CRDT_T_ORDERS, CRDT_C_ORDERS_REQUESTER_PHONE, "requester_phone" },
		{ CRDT_T_ORDERS, CRDT_C_ORDERS_STATUS, "status" },
		{ CRDT_T_ORDERS, CRDT_C_ORDERS_VOLUNTEER, "volunteer" },
		{ CRDT_T_ORDERS, CRDT_C_ORDERS_TEAM, "team" },
		{ CRDT_T_ORDERS, CRDT_C_ORDERS_HOURS, "hours" },
		{ CRDT_T_ORDERS, CRDT_C_ORDERS_RATING, "rating" },
		{ CRDT_T_ORDERS, CRDT_C_ORDERS_COMMENT, "comment" },
		{ CRDT_T_ORDERS, CRDT_C_ORDERS_CREATED_AT, "created_at" },
		{ CRDT_T_ORDERS, CRDT_C_ORDERS_UPDATED_AT, "updated_at" },
		/* micro-wishes (issue 17) */
		{ CRDT_T_ORDERS, CRDT_C_ORDERS_DUE, "due" },
		{ CRDT_T_ORDERS, CRDT_C_ORDERS_BENEFICIARY, "beneficiary" },
		{ CRDT_T_ORDERS, CRDT_C_ORDERS_CLAIMANT, "claimant" },
		{ CRDT_T_ORDER_EVENTS, CRDT_C_ORDER_EVENTS_ORDER, "order" },
		{ CRDT_T_ORDER_EVENTS, CRDT_C_ORDER_EVENTS_STATION, "station" },
		{ CRDT_T_ORDER_EVENTS, CRDT_C_ORDER_EVENTS_ACTOR, "actor" },
		{ CRDT_T_ORDER_EVENTS, CRDT_C_ORDER_EVENTS_FROM_STATUS, "from_status" },
		{ CRDT_T_ORDER_EVENTS, CRDT_C_ORDER_EVENTS_TO_STATUS, "to_status" },
		{ CRDT_T_ORDER_EVENTS, CRDT_C_ORDER_EVENTS_VOLUNTEER, "volunteer" },
		{ CRDT_T_ORDER_EVENTS, CRDT_C_ORDER_EVENTS_AT, "at" },
		{ CRDT_T_ORDER_EVENTS, CRDT_C_ORDER_EVENTS_NOTE, "note" },
		{ CRDT_T_POINTS, CRDT_C_POINTS_VOLUNTEER, "volunteer" },
		{ CRDT_T_POINTS, CRDT_C_POINTS_DELTA, "delta" },
		{ CRDT_T_POINTS, CRDT_C_POINTS_REASON, "reason" },
		{ CRDT_T_POINTS, CRDT_C_POINTS_ORDER, "order" },
		{ CRDT_T_POINTS, CRDT_C_POINTS_ITEM, "item" },
		{ CRDT_T_POINTS, CRDT_C_POINTS_STATION, "station" },
		{ CRDT_T_POINTS, CRDT_C_POINTS_KEY, "key" },
		{ CRDT_T_POINTS, CRDT_C_POINTS_AT, "at" },
		{ CRDT_T_POINTS, CRDT_C_POINTS_HOURS, "hours" },
		{ CRDT_T_SETTINGS, CRDT_C_SETTINGS_VALUE, "value" },
		{ CRDT_T_ENROLMENTS, CRDT_C_ENROLMENTS_NODE, "node" },
		{ CRDT_T_ENROLMENTS, CRDT_C_ENROLMENTS_STATION, "station" },
		{ CRDT_T_ENROLMENTS, CRDT_C_ENROLMENTS_ROLE, "role" },
		{ CRDT_T_ENROLMENTS, CRDT_C_ENROLMENTS_NOT_BEFORE, "not_before" },
		{ CRDT_T_ENROLMENTS, CRDT_C_ENROLMENTS_NOT_AFTER, "not_after" },
		{ CRDT_T_ENROLMENTS, CRDT_C_ENROLMENTS_CERT, "cert" },
		{ CRDT_T_REVOCATIONS, CRDT_C_REVOCATIONS_NODE, "node" },
		{ CRDT_T_REVOCATIONS, CRDT_C_REVOCATIONS_SCOPE, "scope" },
		{ CRDT_T_REVOCATIONS, CRDT_C_REVOCATIONS_FROM_SEQ, "from_seq" },
		{ CRDT_T_REVOCATIONS, CRDT_C_REVOCATIONS_FROM_MS, "from_ms" },
		{ CRDT_T_REVOCATIONS, CRDT_C_REVOCATIONS_AT, "at" },
		{ CRDT_T_SCOPE_KEYS, CRDT_C_SCOPE_KEYS_SCOPE, "scope" },
		{ CRDT_T_SCOPE_KEYS, CRDT_C_SCOPE_KEYS_GEN, "gen" },
		{ CRDT_T_SCOPE_KEYS, CRDT_C_SCOPE_KEYS_NODE, "node" },
		{ CRDT_T_SCOPE_KEYS, CRDT_C_SCOPE_KEYS_SEALED, "sealed" },
		{ CRDT_T_SCOPE_KEYS, CRDT_C_SCOPE_KEYS_AT, "at" },
		{ CRDT_T_GIFTS, CRDT_C_GIFTS_NAME, "name" },
		{ CRDT_T_GIFTS, CRDT_C_GIFTS_PRICE, "price" },
		{ CRDT_T_GIFTS, CRDT_C_GIFTS_STATION, "station" },
		{ CRDT_T_GIFTS, CRDT_C_GIFTS_RETIRED, "retired" },
		{ CRDT_T_GIFTS, CRDT_C_GIFTS_CREATED_AT, "created_at" },
		{ CRDT_T_GIFT_MOVES, CRDT_C_GIFT_MOVES_GIFT, "gift" },
		{ CRDT_T_GIFT_MOVES, CRDT_C_GIFT_MOVES_STATION, "station" },
		{ CRDT_T_GIFT_MOVES, CRDT_C_GIFT_MOVES_DELTA, "delta" },
		{ CRDT_T_GIFT_MOVES, CRDT_C_GIFT_MOVES_REASON, "reason" },
		{ CRDT_T_GIFT_MOVES, CRDT_C_GIFT_MOVES_PRICE, "price" },
		{ CRDT_T_GIFT_MOVES, CRDT_C_GIFT_MOVES_VOLUNTEER, "volunteer" },
		{ CRDT_T_GIFT_MOVES, CRDT_C_GIFT_MOVES_POINTS, "points" },
		{ CRDT_T_GIFT_MOVES, CRDT_C_GIFT_MOVES_AT, "at" },
		/* the service menu */
		{ CRDT_T_CATEGORIES, CRDT_C_CATEGORIES_NAME, "name" },
		{ CRDT_T_CATEGORIES, CRDT_C_CATEGORIES_STATION, "station" },
		{ CRDT_T_CATEGORIES, CRDT_C_CATEGORIES_DESCRIPTION, "description" },
		{ CRDT_T_CATEGORIES, CRDT_C_CATEGORIES_POINTS_PER_HOUR, "points_per_hour" },
		{ CRDT_T_CATEGORIES, CRDT_C_CATEGORIES_RETIRED, "retired" },
		{ CRDT_T_CATEGORIES, CRDT_C_CATEGORIES_CREATED_AT, "created_at" },
		/* activities with check-in (issue 17) */
		{ CRDT_T_ACTIVITIES, CRDT_C_ACTIVITIES_TITLE, "title" },
		{ CRDT_T_ACTIVITIES, CRDT_C_ACTIVITIES_PLACE, "place" },
		{ CRDT_T_ACTIVITIES, CRDT_C_ACTIVITIES_STATION, "station" },
		{ CRDT_T_ACTIVITIES, CRDT_C_ACTIVITIES_START_AT, "start_at" },
		{ CRDT_T_ACTIVITIES, CRDT_C_ACTIVITIES_END_AT, "end_at" },
		{ CRDT_T_ACTIVITIES, CRDT_C_ACTIVITIES_CAPACITY, "capacity" },
		{ CRDT_T_ACTIVITIES, CRDT_C_ACTIVITIES_HOURS, "hours" },
		{ CRDT_T_ACTIVITIES, CRDT_C_ACTIVITIES_CLOSED, "closed" },
		{ CRDT_T_ACTIVITIES, CRDT_C_ACTIVITIES_CREATED_AT, "created_at" },
		{ CRDT_T_ACTIVITY_SIGNUPS, CRDT_C_ACTIVITY_SIGNUPS_ACTIVITY, "activity" },
		{ CRDT_T_ACTIVITY_SIGNUPS, CRDT_C_ACTIVITY_SIGNUPS_STATION, "station" },
		{ CRDT_T_ACTIVITY_SIGNUPS, CRDT_C_ACTIVITY_SIGNUPS_VOLUNTEER, "volunteer" },
		{ CRDT_T_ACTIVITY_SIGNUPS, CRDT_C_ACTIVITY_SIGNUPS_KIND, "kind" },
		{ CRDT_T_ACTIVITY_SIGNUPS, CRDT_C_ACTIVITY_SIGNUPS_REF, "ref" },
		{ CRDT_T_ACTIVITY_SIGNUPS, CRDT_C_ACTIVITY_SIGNUPS_AT, "at" },
		{ CRDT_T_ACTIVITY_ATTENDANCE, CRDT_C_ACTIVITY_ATTENDANCE_ACTIVITY, "activity" },
		{ CRDT_T_ACTIVITY_ATTENDANCE, CRDT_C_ACTIVITY_ATTENDANCE_STATION, "station" },
		{ CRDT_T_ACTIVITY_ATTENDANCE, CRDT_C_ACTIVITY_ATTENDANCE_VOLUNTEER, "volunteer" },
		{ CRDT_T_ACTIVITY_ATTENDANCE, CRDT_C_ACTIVITY_ATTENDANCE_KIND, "kind" },
		{ CRDT_T_ACTIVITY_ATTENDANCE, CRDT_C_ACTIVITY_ATTENDANCE_VIA, "via" },
		{ CRDT_T_ACTIVITY_ATTENDANCE, CRDT_C_ACTIVITY_ATTENDANCE_POINTS, "points" },
		{ CRDT_T_ACTIVITY_ATTENDANCE, CRDT_C_ACTIVITY_ATTENDANCE_HOURS, "hours" },
		{ CRDT_T_ACTIVITY_ATTENDANCE, CRDT_C_ACTIVITY_ATTENDANCE_KEY, "key" },
		{ CRDT_T_ACTIVITY_ATTENDANCE, CRDT_C_ACTIVITY_ATTENDANCE_AT, "at" },
	};
	size_t per_table[CRDT_TABLES_MAX] = { 0 };

	/* every assigned id is listed; the others are holes no walk sees */
	size_t assigned = 0;
	for (size_t i = 0; i < crdt_ntables; i++) {
		assigned += crdt_tables[i].name != NULL;
		if (!crdt_tables[i].name)
			assert_null(crdt_schema_table((unsigned)i));
	}
	assert_int_equal(assigned, sizeof(tabs) / sizeof(tabs[0]));
	for (size_t i = 0; i < sizeof(tabs) / sizeof(tabs[0]); i++) {
		const struct crdt_table *t = crdt_schema_table(tabs[i].id);
		assert_non_null(t);
		assert_non_null(t->name);
		assert_string_equal(t->name, tabs[i].name);
		assert_int_equal(t->id, tabs[i].id);
		assert_ptr_equal(crdt_schema_find(tabs[i].name), t);
	}
	for (size_t i = 0; i < sizeof(cols) / sizeof(cols[0]); i++) {
		const struct crdt_table *t = crdt_schema_table(cols[i].table);
		const struct crdt_column *c = crdt_table_column(t, cols[i].col);
		assert_non_null(c);
		assert_non_null(c->name);
		assert_string_equal(c->name, cols[i].name);
		assert_int_equal(c->id, cols[i].col);
		assert_ptr_equal(crdt_table_find(t, cols[i].name), c);
		per_table[cols[i].table]++;
	}
	for (size_t i = 0; i < crdt_ntables; i++)
		assert_int_equal(per_table[i], crdt_tables[i].ncols);
	/* the tables' own column ids */
	assert_int_equal(crdt_tables[CRDT_T_ORDERS].scope_col, CRDT_C_ORDERS_STATION);
	assert_int_equal(crdt_tables[CRDT_T_POINTS].unique_col, CRDT_C_POINTS_KEY);
	assert_int_equal(crdt_tables[CRDT_T_TEAMS].scope_col, CRDT_C_TEAMS_STATION);
}


/* A mistyped column (by name), a wrong type (by id) or an unknown table
 * makes the write's sticky error: the commit is refused with ERR_SCHEMA and
 * writes nothing, even though the caller never looked at the setters'
 * return codes (67 calls in node/ do not). */
static void test_write_sticky_error(void **state)
{
	struct fx *f = *state;
	struct crdt_write w[2];
	uint8_t before[32], after[32];
	uint64_t seq0 = 0, seq1 = 0;
	struct buf b;

	order_new(f->st, T_DAY0, "s0001-o1");
	digest(f->st, before);
	assert_int_equal(crdt_store_own_seq(f->st, "s0001", &seq0), 0);

	/* one good write, one with a mistyped column next to good ones */
	crdt_write_init(&w[0], CRDT_T_ORDERS, CRDT_UPSERT, "s0001-o2");
	crdt_write_set_text(&w[0], CRDT_C_ORDERS_STATION, "s0001");
	crdt_write_set_text(&w[0], CRDT_C_ORDERS_STATUS, "open");
	assert_int_equal(w[0].err, 0);
	crdt_write_init(&w[1], CRDT_T_ORDERS, CRDT_UPSERT, "s0001-o1");
	crdt_write_text(&w[1], "detail", "改了");
	crdt_write_text(&w[1], "coment", "很好"); /* sic */
	crdt_write_text(&w[1], "status", "cancelled");
	crdt_write_text(&w[1], "volunteer", NULL);
	assert_int_equal(w[1].err, ERR_SCHEMA);
	assert_int_equal(crdt_commit_local(f->st, T_DAY0 + 10, "s0001", w, 2, NULL), ERR_SCHEMA);
	buf_init(&b, BUF_DEFAULT_MAX);
	assert_int_equal(crdt_body_encode(&b, w, 2), ERR_SCHEMA);
	assert_int_equal(b.len, 0);
	buf_release(&b);

	/* a later good setter does not clear it */
	crdt_write_text(&w[1], "comment", "很好");
	assert_int_equal(w[1].err, ERR_SCHEMA);
	assert_int_equal(crdt_commit_local(f->st, T_DAY0 + 20, "s0001", &w[1], 1, NULL), ERR_SCHEMA);

	/* wrong type by id and by name; a column id the table lacks */
	crdt_write_init(&w[1], CRDT_T_ORDERS, CRDT_UPSERT, "s0001-o1");
	assert_int_equal(crdt_write_set_int(&w[1], CRDT_C_ORDERS_HOURS, 2), ERR_SCHEMA);
	assert_int_equal(w[1].mask, 0);
	assert_int_equal(crdt_commit_local(f->st, T_DAY0 + 30, "s0001", &w[1], 1, NULL), ERR_SCHEMA);
	crdt_write_init(&w[1], CRDT_T_ORDERS, CRDT_UPSERT, "s0001-o1");
	assert_int_equal(crdt_write_real(&w[1], "rating", 5), ERR_SCHEMA);
	assert_int_equal(w[1].err, ERR_SCHEMA);
	crdt_write_init(&w[1], CRDT_T_SETTINGS, CRDT_UPSERT, "x");
	assert_int_equal(crdt_write_set_text(&w[1], CRDT_C_ORDERS_DETAIL, "x"), ERR_SCHEMA);
	assert_int_equal(crdt_commit_local(f->st, T_DAY0 + 40, "", &w[1], 1, NULL), ERR_SCHEMA);

	/* an unknown table */
	crdt_write_init(&w[1], 200, CRDT_UPSERT, "x");
	assert_int_equal(w[1].err, ERR_SCHEMA);
	assert_int_equal(crdt_commit_local(f->st, T_DAY0 + 50, "", &w[1], 1, NULL), ERR_SCHEMA);

	/* nothing was written: no row, no commit, the same state */
	assert_string_equal(cell(f->st, "orders", "s0001-o2", "status"), "<none>");
	assert_string_equal(cell(f->st, "orders", "s0001-o1", "status"), "open");
	assert_int_equal(crdt_store_own_seq(f->st, "s0001", &seq1), 0);
	assert_int_equal(seq1, seq0);
	digest(f->st, after);
	assert_memory_equal(before, after, 32);

	/* and the good write alone, by id, commits */
	crdt_write_set_int(&w[0], CRDT_C_ORDERS_CREATED_AT, (int64_t)T_DAY0);
	crdt_write_set_real(&w[0], CRDT_C_ORDERS_HOURS, 1.5);
	crdt_write_set_null(&w[0], CRDT_C_ORDERS_COMMENT);
	assert_int_equal(crdt_commit_local(f->st, T_DAY0 + 60, "s0001", w, 1, NULL), 0);
	assert_string_equal(cell(f->st, "orders", "s0001-o2", "status"), "open");
}

/* The version vector as the log's maxima say, the slow way (what
 * crdt_store_vv read before _heads). */
static size_t vv_from_log(struct crdt_store *s, struct crdt_vv_entry *out, size_t cap)
{
	sqlite3_stmt *st;
	size_t n = 0;
	assert_int_equal(sqlite3_prepare_v2(crdt_store_db(s),
					    "SELECT a.id, l.scope, max(l.seq) FROM _log l JOIN _authors a"
					    " ON a.idx = l.author GROUP BY l.author, l.scope ORDER BY a.id, l.scope",
					    -1, &st, NULL),
			 SQLITE_OK);
	while (sqlite3_step(st) == SQLITE_ROW && n < cap) {
		memset(&out[n], 0, sizeof(out[n]));
		memcpy(out[n].author, sqlite3_column_blob(st, 0), CRDT_AUTHOR_LEN);
		snprintf(out[n].scope, sizeof(out[n].scope), "%s", (const char *)sqlite3_column_text(st, 1));
		out[n].seq = (uint64_t)sqlite3_column_int64(st, 2);
		n++;
	}
	sqlite3_finalize(st);
	return n;
}

static void assert_vv_is_log(struct crdt_store *s)
{
	struct crdt_vv_entry want[16], *got;
	size_t nwant = vv_from_log(s, want, 16), ngot;
	assert_int_equal(crdt_store_vv(s, &got, &ngot), 0);
	assert_int_equal(ngot, nwant);
	for (size_t i = 0; i < nwant; i++) {
		assert_memory_equal(got[i].author, want[i].author, CRDT_AUTHOR_LEN);
		assert_string_equal(got[i].scope, want[i].scope);
		assert_int_equal(got[i].seq, want[i].seq);
	}
	free(got);
}

static int copy_one(void *arg, const struct crdt_log_entry *e)
{
	struct crdt_store *dst = arg;
	struct crdt_remote r = { .author = e->author, .scope = e->scope, .seq = e->seq, .hlc = e->hlc,
				 .body = e->body, .body_len = e->body_len };
	return crdt_apply_remote_ex(dst, T_DAY0 + 99000, &r) < 0;
}

/* The heads of the feeds (store.c H1-H3) are the log's maxima: commits
 * arriving out of order, a feed in two scopes, an older file without
 * _heads, and a writer that inserts into _log behind the store's back. */
static void test_heads_are_the_log(void **state)
{
	struct fx *f = *state;
	struct crdt_vv_entry one[2], *v;
	size_t n;
	for (int i = 0; i < 5; i++) {
		char pk[32];
		snprintf(pk, sizeof(pk), "s0001-h%d", i);
		order_new(f->st, T_DAY0 + (uint64_t)i, pk);
	}
	struct crdt_write w;
	crdt_write_init(&w, 2, CRDT_UPSERT, "t1"); /* teams: county-wide */
	crdt_write_text(&w, "name", "一队");
	assert_int_equal(crdt_commit_local(f->st, T_DAY0 + 10, "", &w, 1, NULL), 0);
	/* the hub gets seq 4, 5, then 1..3 of the station's feed */
	for (uint64_t seq = 4; seq <= 5; seq++)
		assert_int_equal(crdt_log_get(f->st, f->st_id, "s0001", seq, copy_one, f->hub), 0);
	memcpy(one[0].author, f->st_id, CRDT_AUTHOR_LEN);
	snprintf(one[0].scope, sizeof(one[0].scope), "s0001");
	memcpy(one[1].author, f->hub_id, CRDT_AUTHOR_LEN);
	snprintf(one[1].scope, sizeof(one[1].scope), "s0001");
	assert_int_equal(crdt_store_heads(f->hub, one, 2), 0);
	assert_int_equal(one[0].seq, 5);
	assert_int_equal(one[1].seq, 0);
	assert_vv_is_log(f->hub);
	for (uint64_t seq = 1; seq <= 3; seq++)
		assert_int_equal(crdt_log_get(f->st, f->st_id, "s0001", seq, copy_one, f->hub), 0);
	assert_int_equal(crdt_store_heads(f->hub, one, 1), 0);
	assert_int_equal(one[0].seq, 5); /* a late range leaves the head */
	assert_vv_is_log(f->hub);
	assert_vv_is_log(f->st);
	/* one scope at a time */
	const char *scopes[] = { "", "nowhere", "" };
	assert_int_equal(crdt_store_vv_scopes(f->st, scopes, 3, &v, &n), 0);
	assert_int_equal(n, 1);
	assert_string_equal(v[0].scope, "");
	assert_int_equal(v[0].seq, 1);
	free(v);
	/* a file from before _heads: filled from _log when opened */
	char path[128];
	assert_int_equal(sqlite3_exec(crdt_store_db(f->st), "DROP TABLE _heads", NULL, NULL, NULL), SQLITE_OK);
	crdt_store_close(f->st);
	snprintf(path, sizeof(path), "%s/st.db", f->dir);
	assert_int_equal(crdt_store_open(&f->st, path, f->st_id, NULL), 0);
	assert_vv_is_log(f->st);
	assert_int_equal(crdt_store_vv(f->st, &v, &n), 0);
	assert_int_equal(n, 2);
	free(v);
	/* a commit an older cunlian added to the file: the repair raises it */
	assert_int_equal(sqlite3_exec(crdt_store_db(f->st),
				      "INSERT INTO _log VALUES(1, 's0001', 9, 7, x'00', NULL, 1)", NULL, NULL, NULL),
			 SQLITE_OK);
	assert_int_equal(crdt_store_heads_repair(f->st), 0);
	assert_vv_is_log(f->st);
	/* inside a batch, the heads of what it added; gone with an abort */
	assert_int_equal(crdt_store_begin(f->st), 0);
	order_new(f->st, T_DAY0 + 20, "s0001-h9");
	assert_vv_is_log(f->st);
	crdt_store_abort(f->st);
	assert_vv_is_log(f->st);
	assert_int_equal(crdt_store_begin(f->st), 0);
	order_new(f->st, T_DAY0 + 21, "s0001-h10");
	assert_int_equal(crdt_store_end(f->st), 0);
	assert_vv_is_log(f->st);
	uint64_t own;
	assert_int_equal(crdt_store_own_seq(f->st, "s0001", &own), 0);
	assert_int_equal(own, 10);
}

/* ---- the digest memo (commit.c M1-M4) ----------------------------------- */

/* Every digest the hub gives (from its memo where it kept one) equals the
 * one computed again from the rows; returns the county's. The memo is
 * full again afterwards (the computed ones are kept). */
static void memo_check(struct fx *f, const char *what, uint8_t county[32])
{
	static const char *const scopes[] = { "", "s0001", "s0002", NULL };
	uint8_t given[4][32], fresh[32];
	for (size_t i = 0; i < 4; i++)
		assert_int_equal(crdt_store_digest(f->hub, scopes[i], given[i]), 0);
	crdt_digest_forget(f->hub, NULL);
	for (size_t i = 0; i < 4; i++) {
		assert_int_equal(crdt_store_digest(f->hub, scopes[i], fresh), 0);
		if (memcmp(given[i], fresh, 32) != 0)
			fail_msg("%s: the digest given of %s is not the state's", what,
				 scopes[i] ? (*scopes[i] ? scopes[i] : "the county") : "everything");
	}
	memcpy(county, given[0], 32);
}

static void memo_write(struct crdt_store *s, const char *scope, const char *table, const char *pk,
		       const char *col, const char *val)
{
	struct crdt_write w;
	const struct crdt_table *t = crdt_schema_find(table);
	assert_non_null(t);
	crdt_write_init(&w, t->id, CRDT_UPSERT, pk);
	crdt_write_text(&w, col, val);
	assert_int_equal(crdt_commit_local(s, T_DAY0, scope, &w, 1, NULL), 0);
}

static void test_digest_memo(void **state)
{
	struct fx *f = *state;
	uint8_t c0[32], c1[32];
	memo_write(f->hub, "", "stations", "s0001", "name", "东村");
	memo_write(f->hub, "s0001", "volunteers", "s0001-v1", "name", "王芳");
	memo_write(f->hub, "s0002", "volunteers", "s0002-v1", "name", "李明");
	memo_check(f, "start", c0);
	/* a station's write leaves the county's digest as it was */
	memo_write(f->hub, "s0001", "volunteers", "s0001-v2", "name", "张伟");
	memo_check(f, "a station's write", c1);
	assert_memory_equal(c0, c1, 32);
	/* a county-wide write to a station's row moves the row to the county
	 * (merge.c R5): both digests change */
	memo_write(f->hub, "", "volunteers", "s0002-v1", "phone", "13800001234");
	memo_check(f, "a row moved to the county", c1);
	assert_memory_not_equal(c0, c1, 32);
	/* another connection's commit (another process, M3) */
	struct crdt_store *other;
	assert_int_equal(fx_open(f, "hub", f->hub_id, &other), 0);
	memo_write(other, "", "stations", "s0001", "name", "西村");
	crdt_store_close(other);
	memcpy(c0, c1, 32);
	memo_check(f, "another connection's write", c1);
	assert_memory_not_equal(c0, c1, 32);
	/* a batch rolled back: what was computed inside it is not kept (M1) */
	uint8_t inside[32];
	assert_int_equal(crdt_store_begin(f->hub), 0);
	memo_write(f->hub, "", "stations", "s0002", "name", "南村");
	assert_int_equal(crdt_store_digest(f->hub, "", inside), 0);
	crdt_store_abort(f->hub);
	memcpy(c0, c1, 32);
	memo_check(f, "a rolled back batch", c1);
	assert_memory_equal(c0, c1, 32);
	assert_memory_not_equal(inside, c1, 32);
	/* M4: a hub's sessions ask the county's digest and a station's, more
	 * stations than places: the county's stays kept */
	for (int i = 0; i < 3 * CRDT_DIGEST_MEMO; i++) {
		char st[16];
		uint8_t d[32];
		assert_int_equal(crdt_store_digest(f->hub, "", d), 0);
		snprintf(st, sizeof(st), "s%04d", 10 + i);
		assert_int_equal(crdt_store_digest(f->hub, st, d), 0);
		bool county_kept = false;
		for (size_t k = 0; k < CRDT_DIGEST_MEMO; k++)
			county_kept |= f->hub->dmemo[k].valid && !f->hub->dmemo[k].whole &&
				       !f->hub->dmemo[k].scope[0];
		if (!county_kept)
			fail_msg("the county's digest was dropped for the %d-th station's", i + 1);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_hlc_unit),
		cmocka_unit_test_setup_teardown(test_lww_columns, setup, teardown),
		cmocka_unit_test_setup_teardown(test_done_beats_reassign, setup, teardown),
		cmocka_unit_test_setup_teardown(test_reassign_open_is_lww, setup, teardown),
		cmocka_unit_test_setup_teardown(test_cancel_vs_done, setup, teardown),
		cmocka_unit_test_setup_teardown(test_rate_vs_cancel, setup, teardown),
		cmocka_unit_test_setup_teardown(test_register_optional_part, setup, teardown),
		cmocka_unit_test_setup_teardown(test_tombstone, setup, teardown),
		cmocka_unit_test_setup_teardown(test_points_once, setup, teardown),
		cmocka_unit_test_setup_teardown(test_idempotent_apply, setup, teardown),
		cmocka_unit_test_setup_teardown(test_held_walk, setup, teardown),
		cmocka_unit_test_setup_teardown(test_log_seal_set, setup, teardown),
		cmocka_unit_test_setup_teardown(test_clock_ahead_refused, setup, teardown),
		cmocka_unit_test_setup_teardown(test_boot_at_1970, setup, teardown),
		cmocka_unit_test_setup_teardown(test_clock_two_handles, setup, teardown),
		cmocka_unit_test_setup_teardown(test_malformed_refused, setup, teardown),
		cmocka_unit_test_setup_teardown(test_digest_by_scope, setup, teardown),
		cmocka_unit_test_setup_teardown(test_migration_adds_column, setup, teardown),
		cmocka_unit_test_setup_teardown(test_batch_abort, setup, teardown),
		cmocka_unit_test_setup_teardown(test_checkpoint_after_batch, setup, teardown),
		cmocka_unit_test(test_batch_row_cache),
		cmocka_unit_test(test_cache_writes_columns),
		cmocka_unit_test_setup_teardown(test_same_commit_delete, setup, teardown),
		cmocka_unit_test_setup_teardown(test_clock_no_ratchet, setup, teardown),
		cmocka_unit_test_setup_teardown(test_clockless_board, setup, teardown),
		cmocka_unit_test_setup_teardown(test_own_feed_back, setup, teardown),
		cmocka_unit_test_setup_teardown(test_heads_are_the_log, setup, teardown),
		cmocka_unit_test(test_time_bounds),
		cmocka_unit_test(test_schema_ids),
		cmocka_unit_test_setup_teardown(test_write_sticky_error, setup, teardown),
		cmocka_unit_test_setup_teardown(test_digest_memo, setup, teardown),
	};
	return cmocka_run_group_tests_name("crdt", tests, NULL, NULL);
}
