// SPDX-License-Identifier: MIT
/*
 * test_app_gift.c - the gift shelf (app/gift.c) on real nodes: a home in
 * a temporary folder with node.conf, a real Ed25519 identity, a SQLite
 * replica, every commit sealed. Each operation's success; each refusal
 * with its reason and the replica exactly as before (digest and commit
 * count); a redemption takes points and stock in one commit; and stock
 * never goes below zero, by random redeems and restocks at a station
 * (seeded: the seed is printed) and when the hub restocks offline while
 * the station redeems, merged both ways.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <sys/stat.h>
#include <cmocka.h>
#include <sqlite3.h>

#include "base/err.h"
#include "base/mem.h"
#include "app/app.h"
#include "app/gift.h"
#include "app/points.h"
#include "tests/helpers.h"
#include "tests/app_node.h"

/* A volunteer of station with pts points (a hub adjustment as the ledger
 * holds one), committed as its own run. */
static void t_volunteer_pts(struct t_node *t, const char *id, const char *name, const char *station,
			    int64_t pts)
{
	struct crdt_write w[2];
	char pid[APP_ID_MAX + 1];
	snprintf(pid, sizeof(pid), "%s-p900", id);
	crdt_write_init(&w[0], CRDT_T_VOLUNTEERS, CRDT_UPSERT, id);
	crdt_write_set_text(&w[0], CRDT_C_VOLUNTEERS_NAME, name);
	crdt_write_set_text(&w[0], CRDT_C_VOLUNTEERS_PHONE, "13800001111");
	crdt_write_set_text(&w[0], CRDT_C_VOLUNTEERS_STATION, station);
	crdt_write_set_text(&w[0], CRDT_C_VOLUNTEERS_STATUS, "active");
	crdt_write_init(&w[1], CRDT_T_POINTS, CRDT_UPSERT, pid);
	crdt_write_set_text(&w[1], CRDT_C_POINTS_VOLUNTEER, id);
	crdt_write_set_int(&w[1], CRDT_C_POINTS_DELTA, pts);
	crdt_write_set_text(&w[1], CRDT_C_POINTS_REASON, "adjust");
	crdt_write_set_text(&w[1], CRDT_C_POINTS_STATION, station);
	assert_int_equal(app_write_begin(&t->a), 0);
	assert_int_equal(app_commit(&t->a, station, w, 2), 0);
}

static void t_gift(struct t_node *t, const char *name, const char *price, const char *stock,
		   struct app_gift *g)
{
	struct app_gift_new in = { .name = name, .price = price, .stock = stock };
	assert_int_equal(app_gift_add(&t->a, &in, g), 0);
}

static int64_t t_stock(struct t_node *t, const char *gift)
{
	return t_int(t, "SELECT coalesce(sum(delta), 0) FROM gift_moves_live WHERE gift = ?1", gift);
}

static int64_t t_balance(struct t_node *t, const char *vid)
{
	int64_t bal;
	assert_int_equal(app_points_balance(&t->a, vid, &bal), 0);
	return bal;
}

/* ---- the catalogue ---------------------------------------------------------- */

static void test_add_list(void **state)
{
	struct t_node t, hub;
	struct t_state s;
	struct app_gift g, *v;
	size_t n;
	(void)state;
	const char *dir = t_tmpdir();
	t_node_new(&t, dir, "s1", "s0001", false);
	t_gift(&t, "大米", "50", "3", &g);
	assert_string_equal(g.id, "s0001-g1");
	assert_string_equal(g.station, "s0001");
	assert_int_equal(g.price, 50);
	assert_int_equal(g.stock, 3);
	t_gift(&t, "毛巾", "5", NULL, &g);
	assert_string_equal(g.id, "s0001-g2");
	assert_int_equal(g.stock, 0);
	/* the first price is recorded as a move: with the first stock, or alone */
	assert_int_equal(t_int(&t, "SELECT count(*) FROM gift_moves_live WHERE gift = ?1 AND price = 50"
				   " AND reason = 'restock' AND delta = 3", "s0001-g1"), 1);
	assert_int_equal(t_int(&t, "SELECT count(*) FROM gift_moves_live WHERE gift = ?1 AND price = 5"
				   " AND reason = 'price' AND delta = 0", "s0001-g2"), 1);
	assert_int_equal(app_gift_list(&t.a, NULL, false, &v, &n), 0);
	assert_int_equal(n, 2);
	assert_string_equal(v[0].name, "大米"); /* by station, then name */
	assert_int_equal(v[0].stock, 3);
	mem_free(v);

	t_state(&t, &s);
	struct app_gift_new bad[] = {
		{ .name = "大米", .price = "10" },		/* G6: on the shelf already */
		{ .name = "", .price = "10" },
		{ .name = "\xe3\x80\x80", .price = "10" },	/* only a blank */
		{ .name = "油", .price = "0" },
		{ .name = "油", .price = "100001" },
		{ .name = "油", .price = "abc" },
		{ .name = "油", .price = "10", .stock = "-1" },
		{ .name = "油", .price = "10", .stock = "1000001" },
		{ .name = "油", .price = "10", .station = "s0002" }, /* G3: not this station's */
		{ .name = "油", .price = "10", .station = "bad id" },
	};
	const int want_rc[] = { ERR_RULE, ERR_USAGE, ERR_USAGE, ERR_USAGE, ERR_USAGE,
				ERR_USAGE, ERR_USAGE, ERR_USAGE, ERR_RULE, ERR_USAGE };
	const enum app_why want_why[] = { APP_W_GIFT_NAME_TAKEN, APP_W_GIFT_BAD_NAME, APP_W_GIFT_BAD_NAME,
					  APP_W_GIFT_BAD_PRICE,	 APP_W_GIFT_BAD_PRICE, APP_W_GIFT_BAD_PRICE,
					  APP_W_GIFT_BAD_COUNT,	 APP_W_GIFT_BAD_COUNT, APP_W_VOL_NOT_OURS,
					  APP_W_BAD_STATION_ID };
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		print_message("refusal %zu\n", i);
		t_refused(&t, &s, app_gift_add(&t.a, &bad[i], &g), want_rc[i], want_why[i]);
		assert_string_equal(g.id, "");
	}

	/* the hub puts items on a station's shelf, naming it */
	t_node_new(&hub, dir, "hub", "c01", true);
	t_state(&hub, &s);
	struct app_gift_new nost = { .name = "油", .price = "10" };
	t_refused(&hub, &s, app_gift_add(&hub.a, &nost, &g), ERR_USAGE, APP_W_GIFT_STATION_NEEDED);
	struct app_gift_new in = { .name = "油", .price = "10", .station = "s0002" };
	assert_int_equal(app_gift_add(&hub.a, &in, &g), 0);
	assert_string_equal(g.id, "hub-g1");
	assert_string_equal(g.station, "s0002");
	assert_int_equal(app_gift_list(&hub.a, "s0001", true, &v, &n), 0);
	assert_int_equal(n, 0);
	mem_free(v);
	t_node_free(&hub);
	t_node_free(&t);
	t_rmdir(dir);
}

static void test_set_restock_retire(void **state)
{
	struct t_node t;
	struct t_state s;
	struct app_gift g;
	(void)state;
	const char *dir = t_tmpdir();
	t_node_new(&t, dir, "s1", "s0001", false);
	t_gift(&t, "大米", "50", "3", &g);
	t_gift(&t, "毛巾", "5", NULL, &g);

	/* G4: a price change is a move with the new price; a name is not */
	assert_int_equal(app_gift_set(&t.a, "大米", NULL, "40", &g), 0);
	assert_int_equal(g.price, 40);
	assert_int_equal(app_gift_set(&t.a, "s0001-g1", "东北大米", NULL, &g), 0);
	assert_string_equal(g.name, "东北大米");
	assert_int_equal(g.price, 40);
	assert_int_equal(t_int(&t, "SELECT count(*) FROM gift_moves_live WHERE gift = ?1 AND reason = 'price'"
				   " AND price = 40 AND delta = 0", "s0001-g1"), 1);
	assert_int_equal(t_stock(&t, "s0001-g1"), 3);
	/* the price it has already: nothing written */
	struct t_state same;
	t_state(&t, &same);
	assert_int_equal(app_gift_set(&t.a, "东北大米", NULL, "40", &g), 0);
	t_state(&t, &s);
	assert_memory_equal(same.digest, s.digest, 32);
	assert_int_equal(same.commits, s.commits);

	assert_int_equal(app_gift_restock(&t.a, "毛巾", "12", &g), 0);
	assert_int_equal(g.stock, 12);
	assert_int_equal(t_stock(&t, "s0001-g2"), 12);

	t_state(&t, &s);
	t_refused(&t, &s, app_gift_set(&t.a, "毛巾", NULL, NULL, &g), ERR_USAGE, APP_W_GIFT_SET_NOTHING);
	t_refused(&t, &s, app_gift_set(&t.a, "毛巾", "东北大米", NULL, &g), ERR_RULE, APP_W_GIFT_NAME_TAKEN);
	t_refused(&t, &s, app_gift_set(&t.a, "毛巾", NULL, "-3", &g), ERR_USAGE, APP_W_GIFT_BAD_PRICE);
	t_refused(&t, &s, app_gift_set(&t.a, "肥皂", NULL, "3", &g), ERR_NOTFOUND, APP_W_GIFT_NOT_FOUND);
	t_refused(&t, &s, app_gift_restock(&t.a, "毛巾", "0", &g), ERR_USAGE, APP_W_GIFT_BAD_COUNT);
	t_refused(&t, &s, app_gift_restock(&t.a, "毛巾", "2.5", &g), ERR_USAGE, APP_W_GIFT_BAD_COUNT);
	t_refused(&t, &s, app_gift_restock(&t.a, "毛巾", NULL, &g), ERR_USAGE, APP_W_GIFT_BAD_COUNT);
	t_refused(&t, &s, app_gift_restock(&t.a, "毛巾", "999989", &g), ERR_RULE, APP_W_GIFT_TOO_MUCH);
	t_refused(&t, &s, app_gift_restock(&t.a, "", "1", &g), ERR_NOTFOUND, APP_W_GIFT_NOT_FOUND);

	/* retired: listed with all only, found by id only, not twice */
	assert_int_equal(app_gift_retire(&t.a, "毛巾", &g), 0);
	assert_true(g.retired);
	t_state(&t, &s);
	t_refused(&t, &s, app_gift_retire(&t.a, "s0001-g2", &g), ERR_RULE, APP_W_GIFT_RETIRED);
	t_refused(&t, &s, app_gift_retire(&t.a, "毛巾", &g), ERR_NOTFOUND, APP_W_GIFT_NOT_FOUND);
	struct app_gift *v;
	size_t n;
	assert_int_equal(app_gift_list(&t.a, "s0001", false, &v, &n), 0);
	assert_int_equal(n, 1);
	mem_free(v);
	assert_int_equal(app_gift_list(&t.a, "s0001", true, &v, &n), 0);
	assert_int_equal(n, 2);
	assert_true(v[1].retired);
	assert_int_equal(v[1].stock, 12); /* its moves stay */
	mem_free(v);
	/* its name is free again on the shelf */
	t_gift(&t, "毛巾", "6", "1", &g);
	assert_string_equal(g.id, "s0001-g3");
	t_node_free(&t);
	t_rmdir(dir);
}

/* ---- redemption by item ----------------------------------------------------- */

static void test_redeem(void **state)
{
	struct t_node t;
	struct t_state s;
	struct app_gift g;
	struct app_volunteer_found f;
	struct app_gift_redeem_result r;
	(void)state;
	const char *dir = t_tmpdir();
	t_node_new(&t, dir, "s1", "s0001", false);
	t_volunteer_pts(&t, "s0001-v1", "李娜", "s0001", 100);
	t_gift(&t, "大米", "30", "2", &g);
	t_gift(&t, "油", "80", "5", &g);
	uint64_t seq = t_seq(&t, "s0001");

	/* G5: price x count points and count items, in one commit */
	assert_int_equal(app_gift_redeem(&t.a, "李娜", "大米", 2, &f, &r), 0);
	assert_int_equal(r.points, 60);
	assert_int_equal(r.balance, 40);
	assert_int_equal(r.count, 2);
	assert_int_equal(r.gift.stock, 0);
	assert_string_equal(r.v.id, "s0001-v1");
	assert_int_equal(t_seq(&t, "s0001"), seq + 1);
	t_reopen(&t);
	assert_int_equal(t_balance(&t, "s0001-v1"), 40);
	assert_int_equal(t_stock(&t, "s0001-g1"), 0);
	assert_int_equal(t_int(&t, "SELECT count(*) FROM points_live WHERE pk = ?1 AND delta = -60"
				   " AND reason = 'redeem' AND item = '大米' AND station = 's0001'", r.points_id), 1);
	assert_int_equal(t_int(&t, "SELECT count(*) FROM gift_moves_live WHERE pk = ?1 AND delta = -2"
				   " AND reason = 'redeem' AND volunteer = 's0001-v1' AND price = 30"
				   " AND points = (SELECT pk FROM points_live WHERE delta = -60)", r.move_id), 1);

	/* every refusal leaves the replica as it was */
	t_state(&t, &s);
	t_refused(&t, &s, app_gift_redeem(&t.a, "李娜", "大米", 1, &f, &r), ERR_RULE, APP_W_GIFT_NO_STOCK);
	t_refused(&t, &s, app_gift_redeem(&t.a, "李娜", "油", 1, &f, &r), ERR_RULE, APP_W_GIFT_NO_POINTS);
	assert_int_equal(app_gift_redeem(&t.a, "李娜", "油", 1, &f, &r), ERR_RULE);
	assert_string_equal(t.a.fail.arg[2], "40"); /* the balance */
	assert_string_equal(t.a.fail.arg[3], "80"); /* the points needed */
	t_refused(&t, &s, ERR_RULE, ERR_RULE, APP_W_GIFT_NO_POINTS);
	t_refused(&t, &s, app_gift_redeem(&t.a, "李娜", "油", 6, &f, &r), ERR_RULE, APP_W_GIFT_NO_STOCK);
	t_refused(&t, &s, app_gift_redeem(&t.a, "李娜", "油", 0, &f, &r), ERR_USAGE, APP_W_GIFT_BAD_COUNT);
	t_refused(&t, &s, app_gift_redeem(&t.a, "李娜", "油", APP_GIFT_COUNT_MAX + 1, &f, &r), ERR_USAGE,
		  APP_W_GIFT_BAD_COUNT);
	t_refused(&t, &s, app_gift_redeem(&t.a, "李娜", "茶叶", 1, &f, &r), ERR_NOTFOUND,
		  APP_W_GIFT_NOT_FOUND);
	t_refused(&t, &s, app_gift_redeem(&t.a, "nobody", "油", 1, &f, &r), ERR_NOTFOUND,
		  APP_W_VOLUNTEER_NOT_FOUND);
	assert_int_equal(app_gift_retire(&t.a, "油", &g), 0);
	t_state(&t, &s);
	t_refused(&t, &s, app_gift_redeem(&t.a, "李娜", "s0001-g2", 1, &f, &r), ERR_RULE, APP_W_GIFT_RETIRED);

	/* an item of another station's shelf, held here: not ours to take */
	struct crdt_write w[2];
	crdt_write_init(&w[0], CRDT_T_GIFTS, CRDT_UPSERT, "s0002-g1");
	crdt_write_set_text(&w[0], CRDT_C_GIFTS_NAME, "肥皂");
	crdt_write_set_int(&w[0], CRDT_C_GIFTS_PRICE, 1);
	crdt_write_set_text(&w[0], CRDT_C_GIFTS_STATION, "s0002");
	crdt_write_init(&w[1], CRDT_T_GIFT_MOVES, CRDT_UPSERT, "s0002-k1");
	crdt_write_set_text(&w[1], CRDT_C_GIFT_MOVES_GIFT, "s0002-g1");
	crdt_write_set_text(&w[1], CRDT_C_GIFT_MOVES_STATION, "s0002");
	crdt_write_set_int(&w[1], CRDT_C_GIFT_MOVES_DELTA, 9);
	crdt_write_set_text(&w[1], CRDT_C_GIFT_MOVES_REASON, "restock");
	assert_int_equal(app_write_begin(&t.a), 0);
	assert_int_equal(app_commit(&t.a, "s0002", w, 2), 0);
	t_state(&t, &s);
	t_refused(&t, &s, app_gift_redeem(&t.a, "李娜", "s0002-g1", 1, &f, &r), ERR_RULE,
		  APP_W_GIFT_OTHER_STOCK);
	t_refused(&t, &s, app_gift_restock(&t.a, "s0002-g1", "1", &g), ERR_RULE, APP_W_GIFT_NOT_OURS);
	t_refused(&t, &s, app_gift_set(&t.a, "s0002-g1", NULL, "2", &g), ERR_RULE, APP_W_GIFT_NOT_OURS);
	t_refused(&t, &s, app_gift_retire(&t.a, "s0002-g1", &g), ERR_RULE, APP_W_GIFT_NOT_OURS);
	/* a name finds items of this station's shelf only */
	t_refused(&t, &s, app_gift_redeem(&t.a, "李娜", "肥皂", 1, &f, &r), ERR_NOTFOUND,
		  APP_W_GIFT_NOT_FOUND);
	t_node_free(&t);
	t_rmdir(dir);
}

/* The hub restocks and corrects a station's shelf but takes no stock;
 * the hub's restocks made while the station redeems offline merge, both
 * ways, into one stock that never went below zero. */
static void test_hub_and_station(void **state)
{
	struct t_node st, hub;
	struct t_state s;
	struct app_gift g;
	struct app_volunteer_found f;
	struct app_gift_redeem_result r;
	uint8_t ds[32], dh[32];
	(void)state;
	/* commits carried from one to the other, as a sync does: outside the
	 * run's write transaction, which app_close() would roll back */
#define T_MEET(from, to)                                                              \
	do {                                                                           \
		app_write_abort(&(to).a);                                              \
		assert_true(t_sync((from).a.store, (to).a.store, (to).a.now_ms) > 0);    \
		t_reopen(&(to));                                                       \
	} while (0)
	const char *dir = t_tmpdir();
	t_node_new(&st, dir, "s1", "s0001", false);
	t_node_new(&hub, dir, "hub", "c01", true);
	t_volunteer_pts(&st, "s0001-v1", "李娜", "s0001", 1000);
	t_gift(&st, "大米", "10", "1", &g);
	T_MEET(st, hub);

	t_state(&hub, &s);
	t_refused(&hub, &s, app_gift_redeem(&hub.a, "李娜", "s0001-g1", 1, &f, &r), ERR_RULE,
		  APP_W_GIFT_HUB_STOCK);
	/* offline: the hub restocks 2, the station gives out its 1 */
	assert_int_equal(app_gift_restock(&hub.a, "s0001-g1", "2", &g), 0);
	assert_int_equal(g.stock, 3);
	assert_int_equal(app_gift_redeem(&st.a, "李娜", "大米", 1, &f, &r), 0);
	t_state(&st, &s);
	t_refused(&st, &s, app_gift_redeem(&st.a, "李娜", "大米", 1, &f, &r), ERR_RULE, APP_W_GIFT_NO_STOCK);
	assert_int_equal(t_stock(&hub, "s0001-g1"), 3);
	/* they meet */
	T_MEET(st, hub);
	T_MEET(hub, st);
	assert_int_equal(t_stock(&st, "s0001-g1"), 2);
	assert_int_equal(t_stock(&hub, "s0001-g1"), 2);
	assert_int_equal(crdt_store_digest(st.a.store, "s0001", ds), 0);
	assert_int_equal(crdt_store_digest(hub.a.store, "s0001", dh), 0);
	assert_memory_equal(ds, dh, 32);
	assert_int_equal(app_gift_redeem(&st.a, "李娜", "大米", 2, &f, &r), 0);
	assert_int_equal(r.gift.stock, 0);
	t_node_free(&st);
	t_node_free(&hub);
	t_rmdir(dir);
}

/* Random redeems (1..3 at a time) and restocks at one station: the stock
 * is the sum of the moves, and never below zero. */
static void test_stock_never_negative(void **state)
{
	struct t_node t;
	struct app_gift g;
	struct app_volunteer_found f;
	struct app_gift_redeem_result r;
	(void)state;
	const char *e = getenv("CUNLIAN_SEED");
	uint64_t seed = e ? strtoull(e, NULL, 10) : (uint64_t)time(NULL);
	printf("test_stock_never_negative: seed %llu (CUNLIAN_SEED=%llu to replay)\n",
	       (unsigned long long)seed, (unsigned long long)seed);
	srand((unsigned)seed);
	const char *dir = t_tmpdir();
	t_node_new(&t, dir, "s1", "s0001", false);
	t_volunteer_pts(&t, "s0001-v1", "李娜", "s0001", 1000000);
	t_gift(&t, "大米", "1", "2", &g);
	int64_t want = 2;
	for (int i = 0; i < 60; i++) {
		int64_t k = 1 + rand() % 3;
		if (rand() % 4 == 0) {
			char c[8];
			snprintf(c, sizeof(c), "%lld", (long long)k);
			assert_int_equal(app_gift_restock(&t.a, "大米", c, &g), 0);
			want += k;
		} else if (k <= want) {
			assert_int_equal(app_gift_redeem(&t.a, "李娜", "大米", k, &f, &r), 0);
			want -= k;
		} else {
			assert_int_equal(app_gift_redeem(&t.a, "李娜", "大米", k, &f, &r), ERR_RULE);
			assert_int_equal(t.a.fail.why, APP_W_GIFT_NO_STOCK);
			app_fail_clear(&t.a);
		}
		assert_int_equal(t_stock(&t, "s0001-g1"), want);
		assert_true(want >= 0);
	}
	t_node_free(&t);
	t_rmdir(dir);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_add_list),	cmocka_unit_test(test_set_restock_retire),
		cmocka_unit_test(test_redeem),		cmocka_unit_test(test_hub_and_station),
		cmocka_unit_test(test_stock_never_negative),
	};
	return cmocka_run_group_tests_name("app_gift", tests, NULL, NULL);
}
