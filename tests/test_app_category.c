// SPDX-License-Identifier: MIT
/*
 * test_app_category.c - the service menu (app/category.c) and the hub
 * sending orders to a station (app/send.c) on real nodes: homes in a
 * temporary folder, real identities, SQLite replicas, sealed commits.
 * Each operation's success; each refusal with its reason and the replica
 * exactly as before; the rules C1..C7 and S1..S6; the typo's nearest
 * name; a category's points per hour in the credit; the report's groups.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <cmocka.h>
#include <sqlite3.h>

#include "base/err.h"
#include "base/mem.h"
#include "app/app.h"
#include "app/category.h"
#include "app/order.h"
#include "app/points.h"
#include "app/report.h"
#include "app/send.h"
#include "tests/helpers.h"
#include "tests/app_node.h"

/* commits carried from one node to the other, as a sync does */
#define T_MEET(from, to)                                                              \
	do {                                                                           \
		app_write_abort(&(to).a);                                              \
		assert_true(t_sync((from).a.store, (to).a.store, (to).a.now_ms) >= 0);   \
		t_reopen(&(to));                                                       \
	} while (0)

static void t_cat(struct t_node *t, const char *name, const char *pph, const char *station,
		  struct app_category *c)
{
	struct app_category_new in = { .name = name, .points_per_hour = pph, .station = station };
	assert_int_equal(app_category_add(&t->a, &in, c), 0);
}

static size_t t_count(struct t_node *t, const char *station, bool all)
{
	struct app_category *v;
	size_t n;
	assert_int_equal(app_category_list(&t->a, station, all, &v, &n), 0);
	mem_free(v);
	return n;
}

static bool t_listed(struct t_node *t, const char *name)
{
	struct app_category *v;
	size_t n;
	bool found = false;
	assert_int_equal(app_category_list(&t->a, NULL, false, &v, &n), 0);
	for (size_t i = 0; i < n; i++)
		found = found || strcmp(v[i].name, name) == 0;
	mem_free(v);
	return found;
}

static void t_station_row(struct t_node *t, const char *id, const char *name)
{
	struct crdt_write w;
	crdt_write_init(&w, CRDT_T_STATIONS, CRDT_UPSERT, id);
	crdt_write_set_text(&w, CRDT_C_STATIONS_NAME, name);
	assert_int_equal(app_write_begin(&t->a), 0);
	assert_int_equal(app_commit(&t->a, "", &w, 1), 0);
}

/* ---- the menu ------------------------------------------------------------- */

static void test_builtin_and_add(void **state)
{
	struct t_node t;
	struct t_state s;
	struct app_category c, *v;
	size_t n;
	(void)state;
	const char *dir = t_tmpdir();
	t_node_new(&t, dir, "s1", "s0001", false);

	/* C1: a replica that never synced lists the 8 standard ones */
	assert_int_equal(app_category_list(&t.a, NULL, false, &v, &n), 0);
	assert_int_equal(n, APP_CATEGORY_STD);
	assert_string_equal(v[0].id, "std-1");
	assert_string_equal(v[0].name, "助老");
	assert_string_equal(v[7].name, "其他");
	assert_true(v[0].builtin);
	assert_string_equal(v[0].station, "");
	mem_free(v);
	assert_int_equal(t_int(&t, "SELECT count(*) FROM categories_live", NULL), 0);

	/* a station adds its own (its scope) */
	uint64_t seq = t_seq(&t, "s0001");
	t_cat(&t, "维修", "15", NULL, &c);
	assert_string_equal(c.id, "s0001-c1");
	assert_string_equal(c.station, "s0001");
	assert_true(c.has_pph);
	assert_true(c.points_per_hour == 15);
	assert_int_equal(t_seq(&t, "s0001"), seq + 1);
	assert_int_equal(t_seq(&t, ""), 0);
	assert_int_equal(t_count(&t, NULL, false), APP_CATEGORY_STD + 1);
	assert_int_equal(app_category_find(&t.a, "维修", &c), 0);
	assert_string_equal(c.id, "s0001-c1");

	t_state(&t, &s);
	struct app_category_new bad[] = {
		{ .name = "维修" },                            /* C3: on the menu */
		{ .name = "助老" },                            /* C3: the county's */
		{ .name = "" },
		{ .name = NULL },
		{ .name = "\xe3\x80\x80" },                    /* only a blank */
		{ .name = "a\tb" },
		{ .name = "代购", .points_per_hour = "-1" },
		{ .name = "代购", .points_per_hour = "10001" },
		{ .name = "代购", .points_per_hour = "abc" },
		{ .name = "代购", .station = "s0002" },        /* C2: another station's */
		{ .name = "代购", .station = "" },             /* C2: the county's */
		{ .name = "代购", .station = "bad id" },
		{ .name = "代购", .description = "x\x01y" },
	};
	const int want_rc[] = { ERR_RULE,  ERR_RULE,  ERR_USAGE, ERR_USAGE, ERR_USAGE, ERR_USAGE, ERR_USAGE,
				ERR_USAGE, ERR_USAGE, ERR_RULE,	 ERR_RULE,  ERR_USAGE, ERR_USAGE };
	const enum app_why want_why[] = {
		APP_W_CATEGORY_NAME_TAKEN,  APP_W_CATEGORY_NAME_TAKEN_COUNTY,	APP_W_CATEGORY_BAD_NAME,
		APP_W_CATEGORY_BAD_NAME,    APP_W_CATEGORY_BAD_NAME,	APP_W_CATEGORY_BAD_NAME,
		APP_W_CATEGORY_BAD_POINTS,  APP_W_CATEGORY_BAD_POINTS,	APP_W_CATEGORY_BAD_POINTS,
		APP_W_CATEGORY_NOT_OURS,    APP_W_CATEGORY_COUNTY,	APP_W_BAD_STATION_ID,
		APP_W_CATEGORY_BAD_TEXT,
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		print_message("refusal %zu\n", i);
		t_refused(&t, &s, app_category_add(&t.a, &bad[i], &c), want_rc[i], want_why[i]);
		assert_string_equal(c.id, "");
	}
	t_node_free(&t);
	t_rmdir(dir);
}

static void test_set_retire(void **state)
{
	struct t_node t, hub;
	struct t_state s;
	struct app_category c;
	(void)state;
	const char *dir = t_tmpdir();
	t_node_new(&t, dir, "s1", "s0001", false);
	t_node_new(&hub, dir, "hub", "c01", true);
	t_cat(&t, "维修", NULL, NULL, &c);
	assert_false(c.has_pph);

	/* a station changes its own */
	assert_int_equal(app_category_set(&t.a, "维修", NULL, "上门修理", "12.5", &c), 0);
	assert_string_equal(c.description, "上门修理");
	assert_true(c.points_per_hour == 12.5);
	assert_int_equal(app_category_set(&t.a, "s0001-c1", "家电维修", NULL, "-", &c), 0);
	assert_string_equal(c.name, "家电维修");
	assert_false(c.has_pph);
	assert_int_equal(app_category_find(&t.a, "家电维修", &c), 0);
	assert_false(c.has_pph);
	assert_string_equal(c.description, "上门修理");

	t_state(&t, &s);
	t_refused(&t, &s, app_category_set(&t.a, "助老", NULL, NULL, "20", &c), ERR_RULE, APP_W_CATEGORY_COUNTY);
	t_refused(&t, &s, app_category_retire(&t.a, "std-2", &c), ERR_RULE, APP_W_CATEGORY_COUNTY);
	t_refused(&t, &s, app_category_set(&t.a, "家电维修", NULL, NULL, NULL, &c), ERR_USAGE,
		  APP_W_CATEGORY_SET_NOTHING);
	t_refused(&t, &s, app_category_set(&t.a, "家电维修", "助老", NULL, NULL, &c), ERR_RULE,
		  APP_W_CATEGORY_NAME_TAKEN_COUNTY);
	t_refused(&t, &s, app_category_set(&t.a, "家电维修", NULL, NULL, "x", &c), ERR_USAGE,
		  APP_W_CATEGORY_BAD_POINTS);
	t_refused(&t, &s, app_category_set(&t.a, "修车", NULL, NULL, "1", &c), ERR_NOTFOUND,
		  APP_W_CATEGORY_NOT_FOUND);

	/* C6: retired, listed with all only, not twice; the name is free again */
	assert_int_equal(app_category_retire(&t.a, "家电维修", &c), 0);
	assert_true(c.retired);
	assert_int_equal(t_count(&t, NULL, false), APP_CATEGORY_STD);
	assert_int_equal(t_count(&t, NULL, true), APP_CATEGORY_STD + 1);
	t_state(&t, &s);
	t_refused(&t, &s, app_category_retire(&t.a, "s0001-c1", &c), ERR_RULE, APP_W_CATEGORY_RETIRED);
	t_cat(&t, "家电维修", NULL, NULL, &c);
	assert_string_equal(c.id, "s0001-c2");

	/* C1: the hub changes and retires a standard one: a std-<n> row in
	 * the county's scope that overrides the built-in one */
	assert_int_equal(app_category_set(&hub.a, "助老", NULL, "照顾老人", "20", &c), 0);
	assert_string_equal(c.id, "std-1");
	assert_false(c.builtin);
	assert_int_equal(app_category_retire(&hub.a, "法律", &c), 0);
	assert_string_equal(c.id, "std-6");
	assert_int_equal(t_seq(&hub, ""), 2);
	assert_int_equal(t_int(&hub, "SELECT count(*) FROM categories_live WHERE station = '' AND pk LIKE 'std-%'",
			       NULL), 2);
	/* the hub adds to the county's list and to a station's */
	t_cat(&hub, "代购", "8", NULL, &c);
	assert_string_equal(c.station, "");
	assert_string_equal(c.id, "hub-c1");
	t_cat(&hub, "理发", NULL, "s0002", &c);
	assert_string_equal(c.station, "s0002");
	t_state(&hub, &s);
	struct app_category_new taken = { .name = "家电维修" };
	assert_int_equal(app_category_add(&hub.a, &taken, &c), 0); /* s0001's is not held at the hub yet */

	/* the station hears of it: the county's and its own, not s0002's */
	T_MEET(hub, t);
	assert_false(t_listed(&t, "法律"));
	assert_true(t_listed(&t, "代购"));
	assert_false(t_listed(&t, "理发"));
	assert_int_equal(app_category_find(&t.a, "助老", &c), 0);
	assert_string_equal(c.description, "照顾老人");
	assert_true(c.points_per_hour == 20);
	/* the hub sees every station's */
	T_MEET(t, hub);
	/* the standard ones but 法律, 代购 and 家电维修 of the county,
	 * s0002's 理发, s0001's second 家电维修 (its first is retired) */
	assert_int_equal(t_count(&hub, NULL, false), APP_CATEGORY_STD - 1 + 2 + 1 + 1);
	assert_int_equal(t_count(&hub, "", false), APP_CATEGORY_STD - 1 + 2);
	assert_int_equal(t_count(&hub, "s0002", false), APP_CATEGORY_STD - 1 + 2 + 1);
	t_node_free(&hub);
	t_node_free(&t);
	t_rmdir(dir);
}

/* ---- orders take a listed category (C4) ------------------------------------- */

static void test_order_category(void **state)
{
	struct t_node t, hub;
	struct t_state s;
	struct app_category c;
	struct app_order_result r;
	struct app_order o;
	(void)state;
	const char *dir = t_tmpdir();
	t_node_new(&t, dir, "s1", "s0001", false);
	t_node_new(&hub, dir, "hub", "c01", true);

	struct app_order_new in = { .category = "助老", .detail = "送餐" };
	assert_int_equal(app_order_add(&t.a, &in, &r), 0);

	t_state(&t, &s);
	in.category = "助佬";
	t_refused(&t, &s, app_order_add(&t.a, &in, &r), ERR_USAGE, APP_W_CATEGORY_UNKNOWN);
	assert_int_equal(app_order_add(&t.a, &in, &r), ERR_USAGE);
	assert_string_equal(t.a.fail.arg[0], "助佬");
	assert_string_equal(t.a.fail.arg[1], "助老");
	t_refused(&t, &s, ERR_USAGE, ERR_USAGE, APP_W_CATEGORY_UNKNOWN);
	/* nearest by containment, by folded full-width letters */
	in.category = "老";
	assert_int_equal(app_order_add(&t.a, &in, &r), ERR_USAGE);
	assert_string_equal(t.a.fail.arg[1], "助老");
	t_refused(&t, &s, ERR_USAGE, ERR_USAGE, APP_W_CATEGORY_UNKNOWN);
	in.category = "修车补胎换机油";
	t_refused(&t, &s, app_order_add(&t.a, &in, &r), ERR_USAGE, APP_W_CATEGORY_UNKNOWN_NONE);

	/* a station's own category; retired ones take no order */
	t_cat(&t, "ＷＩＦＩ维修", NULL, NULL, &c);
	t_state(&t, &s);
	in.category = "wifi维修";
	assert_int_equal(app_order_add(&t.a, &in, &r), ERR_USAGE);
	assert_string_equal(t.a.fail.arg[1], "ＷＩＦＩ维修");
	t_refused(&t, &s, ERR_USAGE, ERR_USAGE, APP_W_CATEGORY_UNKNOWN);
	in.category = "ＷＩＦＩ维修";
	assert_int_equal(app_order_add(&t.a, &in, &r), 0);
	char old_id[APP_ID_MAX + 1];
	snprintf(old_id, sizeof(old_id), "%s", r.id);
	assert_int_equal(app_category_retire(&t.a, "ＷＩＦＩ维修", &c), 0);
	t_state(&t, &s);
	t_refused(&t, &s, app_order_add(&t.a, &in, &r), ERR_USAGE, APP_W_CATEGORY_RETIRED_ORDER);
	/* the order taken before keeps its category */
	assert_int_equal(app_order_load(&t.a, old_id, &o), 0);
	assert_string_equal(o.category, "ＷＩＦＩ维修");

	/* the hub takes an order for a station: that station's own list counts */
	T_MEET(t, hub);
	t_cat(&hub, "理发", NULL, "s0001", &c);
	struct app_order_new hin = { .category = "理发", .detail = "上门理发", .station = "s0001" };
	assert_int_equal(app_order_add(&hub.a, &hin, &r), 0);
	hin.station = "s0002";
	t_state(&hub, &s);
	t_refused(&hub, &s, app_order_add(&hub.a, &hin, &r), ERR_USAGE, APP_W_CATEGORY_UNKNOWN_NONE);

	/* distances */
	assert_int_equal(app_category_distance("助佬", "助老"), 1);
	assert_int_equal(app_category_distance("助 老", "助老"), 0);
	assert_int_equal(app_category_distance("ABC", "ａｂｃ"), 0);
	assert_int_equal(app_category_distance("文化活动", "文化"), 1);
	assert_int_equal(app_category_distance("医疗", "法律"), 2);
	assert_int_equal(app_category_distance("", "法律"), 2);
	t_node_free(&hub);
	t_node_free(&t);
	t_rmdir(dir);
}

/* C5: a category's points per hour in the credit, else the county's. */
static void test_points_per_hour(void **state)
{
	struct t_node t;
	struct app_category c;
	struct app_order_result r;
	struct crdt_write w;
	(void)state;
	const char *dir = t_tmpdir();
	t_node_new(&t, dir, "s1", "s0001", false);
	crdt_write_init(&w, CRDT_T_VOLUNTEERS, CRDT_UPSERT, "s0001-v1");
	crdt_write_set_text(&w, CRDT_C_VOLUNTEERS_NAME, "王芳");
	crdt_write_set_text(&w, CRDT_C_VOLUNTEERS_PHONE, "13800001111");
	crdt_write_set_text(&w, CRDT_C_VOLUNTEERS_STATION, "s0001");
	crdt_write_set_text(&w, CRDT_C_VOLUNTEERS_STATUS, "active");
	assert_int_equal(app_write_begin(&t.a), 0);
	assert_int_equal(app_commit(&t.a, "s0001", &w, 1), 0);
	t_cat(&t, "维修", "15", NULL, &c);

	const char *cats[] = { "维修", "助老" };
	const int64_t want[] = { 30, 20 }; /* 2 hours at 15, and at the county's 10 */
	for (int i = 0; i < 2; i++) {
		struct app_order_new in = { .category = cats[i], .detail = "x" };
		assert_int_equal(app_order_add(&t.a, &in, &r), 0);
		char id[APP_ID_MAX + 1];
		snprintf(id, sizeof(id), "%s", r.id);
		assert_int_equal(app_order_dispatch(&t.a, id, "s0001-v1", NULL, &r), 0);
		assert_int_equal(app_order_done(&t.a, id, 2, &r), 0);
		assert_int_equal(r.points, want[i]);
	}
	/* back to the county setting */
	assert_int_equal(app_category_set(&t.a, "维修", NULL, NULL, "-", &c), 0);
	struct app_order_new in = { .category = "维修", .detail = "y" };
	assert_int_equal(app_order_add(&t.a, &in, &r), 0);
	char id[APP_ID_MAX + 1];
	snprintf(id, sizeof(id), "%s", r.id);
	assert_int_equal(app_order_dispatch(&t.a, id, "s0001-v1", NULL, &r), 0);
	assert_int_equal(app_order_done(&t.a, id, 2, &r), 0);
	assert_int_equal(r.points, 20);
	t_node_free(&t);
	t_rmdir(dir);
}

/* Reports group by the menu's names; a category no longer listed keeps
 * its own name, marked. */
static void test_report(void **state)
{
	struct t_node t;
	struct app_category c;
	struct app_order_result r;
	struct app_report rep;
	struct crdt_write w;
	(void)state;
	const char *dir = t_tmpdir();
	t_node_new(&t, dir, "s1", "s0001", false);
	/* an order of an old version: free text */
	crdt_write_init(&w, CRDT_T_ORDERS, CRDT_UPSERT, "s0001-o90");
	crdt_write_set_text(&w, CRDT_C_ORDERS_STATION, "s0001");
	crdt_write_set_text(&w, CRDT_C_ORDERS_CATEGORY, "旧类别");
	crdt_write_set_text(&w, CRDT_C_ORDERS_STATUS, "open");
	assert_int_equal(app_write_begin(&t.a), 0);
	assert_int_equal(app_commit(&t.a, "s0001", &w, 1), 0);
	t_cat(&t, "维修", NULL, NULL, &c);
	struct app_order_new in = { .category = "维修", .detail = "x" };
	assert_int_equal(app_order_add(&t.a, &in, &r), 0);
	assert_int_equal(app_report_build(&t.a, APP_BY_CATEGORY, &rep), 0);
	size_t found = 0;
	for (size_t i = 0; i < rep.n; i++) {
		const struct app_report_group *g = &rep.g[i];
		if (strcmp(g->key, "旧类别") == 0) {
			assert_true(g->unlisted);
			assert_int_equal(g->orders, 1);
			found++;
		} else if (strcmp(g->key, "维修") == 0) {
			assert_false(g->unlisted);
			assert_int_equal(g->orders, 1);
			found++;
		} else if (strcmp(g->key, "助残") == 0) { /* on the menu, no orders yet */
			assert_false(g->unlisted);
			assert_int_equal(g->orders, 0);
			found++;
		}
	}
	assert_int_equal(found, 3);
	assert_int_equal(rep.total.orders, 2);
	app_report_release(&rep);
	t_node_free(&t);
	t_rmdir(dir);
}

/* ---- the hub sends orders to a station (send.c) ------------------------------ */

static int count_fn(void *arg, const struct app_order *x)
{
	(void)x;
	(*(size_t *)arg)++;
	return 0;
}

static void test_send(void **state)
{
	struct t_node s1, s2, hub;
	struct t_state s;
	struct app_order_result r;
	struct app_send_result sr;
	struct app_send_info info;
	struct app_order o;
	int64_t n;
	(void)state;
	const char *dir = t_tmpdir();
	t_node_new(&s1, dir, "s1", "s0001", false);
	t_node_new(&s2, dir, "s2", "s0002", false);
	t_node_new(&hub, dir, "hub", "c01", true);
	t_station_row(&hub, "s0001", "东村");
	t_station_row(&hub, "s0002", "西村");

	struct app_order_new in = { .category = "助老", .detail = "送餐", .requester = "张大爷" };
	assert_int_equal(app_order_add(&s1.a, &in, &r), 0);
	char a1[APP_ID_MAX + 1];
	snprintf(a1, sizeof(a1), "%s", r.id);
	T_MEET(s1, hub);

	/* S1: a station does not send; the hub sends only to a known station */
	t_state(&s1, &s);
	t_refused(&s1, &s, app_order_send(&s1.a, a1, "s0002", &sr), ERR_RULE, APP_W_SEND_HUB_ONLY);
	t_state(&hub, &s);
	t_refused(&hub, &s, app_order_send(&hub.a, a1, "s0009", &sr), ERR_NOTFOUND, APP_W_SEND_NO_STATION);
	t_refused(&hub, &s, app_order_send(&hub.a, a1, "c01", &sr), ERR_NOTFOUND, APP_W_SEND_NO_STATION);
	t_refused(&hub, &s, app_order_send(&hub.a, a1, "bad id", &sr), ERR_USAGE, APP_W_BAD_STATION_ID);
	t_refused(&hub, &s, app_order_send(&hub.a, "s0001-o99", "s0002", &sr), ERR_NOTFOUND,
		  APP_W_ORDER_NOT_FOUND);

	/* S3: moved from s0001 to s0002 as a new order; the old cancelled */
	assert_int_equal(app_order_send(&hub.a, a1, "s0002", &sr), 0);
	assert_true(sr.moved);
	assert_string_equal(sr.from, a1);
	assert_string_equal(sr.station, "s0002");
	char b1[APP_ID_MAX + 1];
	snprintf(b1, sizeof(b1), "%s", sr.id);
	assert_int_equal(app_order_load(&hub.a, b1, &o), 0);
	assert_string_equal(o.station, "s0002");
	assert_string_equal(o.status, "open");
	assert_string_equal(o.requester, "张大爷");
	assert_string_equal(o.detail, "送餐");
	assert_int_equal(app_order_load(&hub.a, a1, &o), 0);
	assert_string_equal(o.status, "cancelled");
	assert_int_equal(app_send_info(&hub.a, a1, &info), 0);
	assert_false(info.sent);
	assert_string_equal(info.to, b1);
	assert_string_equal(info.to_station, "s0002");
	assert_int_equal(app_send_info(&hub.a, b1, &info), 0);
	assert_true(info.sent);
	assert_string_equal(info.from, a1);
	/* the cancelled one cannot be sent again */
	t_state(&hub, &s);
	t_refused(&hub, &s, app_order_send(&hub.a, a1, "s0002", &sr), ERR_RULE, APP_W_ORDER_CANCELLED);

	/* S5: an order the hub takes for a station is sent there */
	struct app_order_new hin = { .category = "助残", .detail = "推轮椅", .station = "s0002" };
	assert_int_equal(app_order_add(&hub.a, &hin, &r), 0);
	char b2[APP_ID_MAX + 1];
	snprintf(b2, sizeof(b2), "%s", r.id);

	/* S6: the station sees new work after it hears from the hub */
	assert_int_equal(app_send_new_count(&s2.a, &n), 0);
	assert_int_equal(n, 0);
	T_MEET(hub, s2);
	assert_int_equal(app_send_new_count(&s2.a, &n), 0);
	assert_int_equal(n, 2);
	assert_int_equal(app_send_new_count(&hub.a, &n), 0);
	assert_int_equal(n, 0);
	struct app_order_filter f = { .from_hub = true };
	size_t listed = 0;
	assert_int_equal(app_order_list(&s2.a, &f, count_fn, &listed), 0);
	assert_int_equal(listed, 2);
	/* s0001 hears of the move: its order cancelled, marked */
	T_MEET(hub, s1);
	assert_int_equal(app_order_load(&s1.a, a1, &o), 0);
	assert_string_equal(o.status, "cancelled");

	/* S2: an order of the station itself, sent: marked, status kept */
	assert_int_equal(app_order_add(&s2.a, &in, &r), 0);
	char c1[APP_ID_MAX + 1];
	snprintf(c1, sizeof(c1), "%s", r.id);
	T_MEET(s2, hub);
	assert_int_equal(app_order_send(&hub.a, c1, "s0002", &sr), 0);
	assert_false(sr.moved);
	assert_string_equal(sr.id, c1);
	T_MEET(hub, s2);
	assert_int_equal(app_send_new_count(&s2.a, &n), 0);
	assert_int_equal(n, 3);
	/* dispatching one to a volunteer ends its newness */
	assert_int_equal(app_order_dispatch(&s2.a, b2, "s0002-v1", NULL, &r), ERR_NOTFOUND);
	app_fail_clear(&s2.a);
	struct crdt_write w;
	crdt_write_init(&w, CRDT_T_VOLUNTEERS, CRDT_UPSERT, "s0002-v1");
	crdt_write_set_text(&w, CRDT_C_VOLUNTEERS_NAME, "李娜");
	crdt_write_set_text(&w, CRDT_C_VOLUNTEERS_PHONE, "13800002222");
	crdt_write_set_text(&w, CRDT_C_VOLUNTEERS_STATION, "s0002");
	crdt_write_set_text(&w, CRDT_C_VOLUNTEERS_STATUS, "active");
	app_write_abort(&s2.a);
	assert_int_equal(app_write_begin(&s2.a), 0);
	assert_int_equal(app_commit(&s2.a, "s0002", &w, 1), 0);
	assert_int_equal(app_order_dispatch(&s2.a, b2, "s0002-v1", NULL, &r), 0);
	assert_int_equal(app_send_new_count(&s2.a, &n), 0);
	assert_int_equal(n, 2);

	/* S4: the old station finished it offline: done beats the move's
	 * cancel, both orders kept */
	struct app_order_new in3 = { .category = "助老", .detail = "买药" };
	assert_int_equal(app_order_add(&s1.a, &in3, &r), 0);
	char a3[APP_ID_MAX + 1];
	snprintf(a3, sizeof(a3), "%s", r.id);
	crdt_write_init(&w, CRDT_T_VOLUNTEERS, CRDT_UPSERT, "s0001-v9");
	crdt_write_set_text(&w, CRDT_C_VOLUNTEERS_NAME, "赵六");
	crdt_write_set_text(&w, CRDT_C_VOLUNTEERS_PHONE, "13800003333");
	crdt_write_set_text(&w, CRDT_C_VOLUNTEERS_STATION, "s0001");
	crdt_write_set_text(&w, CRDT_C_VOLUNTEERS_STATUS, "active");
	assert_int_equal(app_write_begin(&s1.a), 0);
	assert_int_equal(app_commit(&s1.a, "s0001", &w, 1), 0);
	T_MEET(s1, hub);
	assert_int_equal(app_order_send(&hub.a, a3, "s0002", &sr), 0);
	assert_int_equal(app_order_dispatch(&s1.a, a3, "s0001-v9", NULL, &r), 0);
	assert_int_equal(app_order_done(&s1.a, a3, 1, &r), 0);
	T_MEET(s1, hub);
	T_MEET(hub, s1);
	assert_int_equal(app_order_load(&hub.a, a3, &o), 0);
	assert_string_equal(o.status, "done");
	assert_int_equal(app_order_load(&s1.a, a3, &o), 0);
	assert_string_equal(o.status, "done");
	assert_int_equal(app_order_load(&hub.a, sr.id, &o), 0);
	assert_string_equal(o.status, "open");
	t_node_free(&hub);
	t_node_free(&s2);
	t_node_free(&s1);
	t_rmdir(dir);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_builtin_and_add), cmocka_unit_test(test_set_retire),
		cmocka_unit_test(test_order_category),	cmocka_unit_test(test_points_per_hour),
		cmocka_unit_test(test_report),		cmocka_unit_test(test_send),
	};
	return cmocka_run_group_tests_name("app_category", tests, NULL, NULL);
}
