// SPDX-License-Identifier: MIT
/*
 * test_app_order.c - the operations of app/order.c, app/points.c and
 * app/volunteer_find.c on real nodes: a home in a temporary folder with
 * node.conf, a real Ed25519 identity, a SQLite replica, every commit
 * sealed. Each operation's success, and each refusal: the reason
 * recorded, and the replica exactly as before (digest and commit count,
 * after the run's transaction is rolled back as app_close() does).
 * Also the number parsing people type into (app/text.c).
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
#include "app/find.h"
#include "app/order.h"
#include "app/points.h"
#include "tests/helpers.h"
#include "tests/app_node.h"

/* A volunteer as volunteer add writes one (the phone without dashes). */
static void t_volunteer(struct t_node *t, const char *id, const char *name, const char *phone,
			const char *station, const char *status)
{
	struct crdt_write w;
	crdt_write_init(&w, CRDT_T_VOLUNTEERS, CRDT_UPSERT, id);
	crdt_write_set_text(&w, CRDT_C_VOLUNTEERS_NAME, name);
	crdt_write_set_text(&w, CRDT_C_VOLUNTEERS_PHONE, phone);
	crdt_write_set_text(&w, CRDT_C_VOLUNTEERS_STATION, station);
	crdt_write_set_text(&w, CRDT_C_VOLUNTEERS_STATUS, status);
	crdt_write_set_int(&w, CRDT_C_VOLUNTEERS_REGISTERED_AT, (int64_t)t->a.now_ms);
	assert_int_equal(app_write_begin(&t->a), 0);
	assert_int_equal(app_commit(&t->a, station, &w, 1), 0);
}

static void t_station(struct t_node *t, const char *id)
{
	struct crdt_write w;
	crdt_write_init(&w, CRDT_T_STATIONS, CRDT_UPSERT, id);
	crdt_write_set_text(&w, CRDT_C_STATIONS_NAME, id);
	crdt_write_set_text(&w, CRDT_C_STATIONS_LEVEL, "village");
	assert_int_equal(app_write_begin(&t->a), 0);
	assert_int_equal(app_commit(&t->a, "", &w, 1), 0);
}

static void t_add(struct t_node *t, char id[APP_ID_MAX + 1])
{
	struct app_order_new in = { .category = "助老", .detail = "陪老人去卫生院", .requester = "张大爷",
				    .phone = "136-1111-2222" };
	struct app_order_result r;
	assert_int_equal(app_order_add(&t->a, &in, &r), 0);
	snprintf(id, APP_ID_MAX + 1, "%s", r.id);
}

/* ---- numbers as people type them (app/text.c) ----------------------------- */

static void test_parse_numbers(void **state)
{
	double d;
	int64_t i;
	(void)state;
	/* full-width digits, point and minus: what a Chinese keyboard types */
	assert_int_equal(app_parse_real("１．５", 0, 24, &d), 0);
	assert_true(d == 1.5);
	assert_int_equal(app_parse_int("５", 1, 5, &i), 0);
	assert_int_equal(i, 5);
	assert_int_equal(app_parse_int("１２３４５６７８９０", 0, INT64_MAX, &i), 0);
	assert_int_equal(i, 1234567890);
	assert_int_equal(app_parse_int("－３", -10, 10, &i), 0);
	assert_int_equal(i, -3);
	assert_int_equal(app_parse_real("2.5", 0, 24, &d), 0);
	assert_true(d == 2.5);
	assert_int_equal(app_parse_real("3", 0, 24, &d), 0);
	assert_true(d == 3);
	/* only decimal numbers: no hex, exponent, inf/nan, blanks, two points */
	const char *bad[] = { "0x10", "0X1A", "1e1", "inf", "nan", " 5", "5 ", "", "-", ".", "1.2.3",
			      "１／２", "２５", "1,5" };
	for (size_t k = 0; k < sizeof(bad) / sizeof(bad[0]); k++) {
		d = -1;
		if (app_parse_real(bad[k], 0, 24, &d) == 0)
			fail_msg("app_parse_real took \"%s\" as %g", bad[k], d);
	}
	assert_int_equal(app_parse_int("0x10", 0, 100, &i), ERR_USAGE);
	assert_int_equal(app_parse_int("1.5", 0, 100, &i), ERR_USAGE);
	assert_int_equal(app_parse_int("６", 1, 5, &i), ERR_USAGE);
	assert_int_equal(app_parse_int(NULL, 1, 5, &i), ERR_USAGE);
}

/* ---- finding a volunteer ------------------------------------------------------ */

static void test_find(void **state)
{
	struct t_node t;
	struct app_volunteer_found f;
	(void)state;
	const char *dir = t_tmpdir();
	t_node_new(&t, dir, "s1", "s0001", false);
	t_volunteer(&t, "s0001-v1", "王秀英", "13800001111", "s0001", "active");
	t_volunteer(&t, "s0001-v2", "王秀英", "13900002222", "s0001", "left");
	t_volunteer(&t, "s0001-v3", "李娜", "13700003333", "s0001", "active");
	t_station(&t, "s0002");

	assert_int_equal(app_volunteer_find(&t.a, "s0001-v3", &f), 0); /* F1 */
	assert_int_equal(f.n, 1);
	assert_string_equal(f.c[0].name, "李娜");
	assert_false(f.c[0].visiting);
	assert_int_equal(app_volunteer_find(&t.a, "137-0000-3333", &f), 0); /* F3 */
	assert_string_equal(f.c[0].id, "s0001-v3");
	assert_int_equal(app_volunteer_find(&t.a, "李娜", &f), 0); /* F4 */
	assert_string_equal(f.c[0].id, "s0001-v3");
	assert_string_equal(f.c[0].phone_masked, "137****3333");
	assert_int_equal(app_volunteer_find(&t.a, "13900002222", &f), 0);
	assert_string_equal(f.c[0].id, "s0001-v2");

	/* F5: two of one name: both listed, nothing guessed */
	assert_int_equal(app_volunteer_find(&t.a, "王秀英", &f), ERR_RULE);
	assert_int_equal(t.a.fail.why, APP_W_VOLUNTEER_AMBIGUOUS);
	assert_string_equal(t.a.fail.arg[0], "王秀英");
	assert_string_equal(t.a.fail.arg[1], "2");
	assert_int_equal(f.n, 2);
	assert_int_equal(f.shown, 2);
	assert_string_equal(f.c[0].id, "s0001-v1");
	assert_string_equal(f.c[1].id, "s0001-v2");
	assert_string_equal(f.c[1].phone_masked, "139****2222");
	assert_string_equal(f.c[1].station, "s0001");

	/* F2: a visiting volunteer's id, of a station this node knows */
	assert_int_equal(app_volunteer_find(&t.a, "s0002-v7", &f), 0);
	assert_true(f.c[0].visiting);
	assert_string_equal(f.c[0].station, "s0002");
	assert_int_equal(app_volunteer_find_held(&t.a, "s0002-v7", &f), ERR_NOTFOUND);
	assert_int_equal(t.a.fail.why, APP_W_VOLUNTEER_VISITING);
	assert_string_equal(t.a.fail.arg[1], "s0002");
	assert_int_equal(app_volunteer_find_held(&t.a, "李娜", &f), 0);

	/* an empty text names nobody: a usage error that says to name one */
	assert_int_equal(app_volunteer_find(&t.a, "", &f), ERR_USAGE);
	assert_int_equal(t.a.fail.why, APP_W_WHO_EMPTY);
	assert_int_equal(f.n, 0);
	const char *nobody[] = { "s0009-v1", "s0001-v9", "王芳", "13800009999", "a\x1b[31m" };
	for (size_t k = 0; k < sizeof(nobody) / sizeof(nobody[0]); k++) {
		assert_int_equal(app_volunteer_find(&t.a, nobody[k], &f), ERR_NOTFOUND);
		assert_int_equal(t.a.fail.why, APP_W_VOLUNTEER_NOT_FOUND);
		assert_int_equal(f.n, 0);
	}
	t_node_free(&t);
	t_rmdir(dir);
}

/* ---- the order loop --------------------------------------------------------------- */

static int t_count_event(void *arg, const struct app_order_event *e)
{
	static const char *const to[] = { "open", "dispatched", "accepted", "done", "rated" };
	size_t *n = arg;
	assert_true(*n < 5);
	assert_string_equal(e->to, to[*n]);
	assert_string_equal(e->from, *n ? to[*n - 1] : "");
	assert_string_equal(e->actor, "s0001");
	assert_string_equal(e->volunteer, *n ? "s0001-v1" : "");
	(*n)++;
	return 0;
}

static int t_count_order(void *arg, const struct app_order *o)
{
	(void)o;
	(*(size_t *)arg)++;
	return 0;
}

static void test_order_loop(void **state)
{
	struct t_node t;
	struct app_order_result r;
	struct app_order o;
	struct app_volunteer_found f;
	char id[APP_ID_MAX + 1];
	int64_t pts, bal;
	bool held;
	size_t n = 0;
	(void)state;
	const char *dir = t_tmpdir();
	t_node_new(&t, dir, "s1", "s0001", false);
	t_volunteer(&t, "s0001-v1", "王秀英", "13800001111", "s0001", "active");

	t_add(&t, id);
	assert_string_equal(id, "s0001-o1");
	assert_int_equal(app_order_load(&t.a, id, &o), 0);
	assert_string_equal(o.status, "open");
	assert_string_equal(o.kind, "service");
	assert_string_equal(o.requester_phone, "13611112222");
	assert_int_equal(o.created_at, (int64_t)t.a.now_ms);

	/* dispatched by name, accepted by the one assigned */
	assert_int_equal(app_order_dispatch(&t.a, id, "王秀英", &f, &r), 0);
	assert_string_equal(r.volunteer, "s0001-v1");
	assert_string_equal(r.name, "王秀英");
	assert_false(r.away);
	assert_int_equal(app_order_accept(&t.a, id, NULL, &f, &r), 0);
	assert_string_equal(r.volunteer, "s0001-v1");

	/* done: the credit, once (O2) */
	double hours;
	assert_int_equal(app_order_hours_parse(&t.a, "２．５", &hours), 0);
	assert_int_equal(app_order_done(&t.a, id, hours, &r), 0);
	assert_true(r.hours == 2.5);
	assert_int_equal(r.points, 25);
	assert_int_equal(app_order_credit(&t.a, id, &pts, &held), 0);
	assert_true(held);
	assert_int_equal(pts, 25);
	assert_int_equal(t_int(&t, "SELECT count(*) FROM points_live WHERE key = 'service:' || ?1"
				   " AND volunteer = 's0001-v1' AND hours = 2.5 AND \"order\" = ?1"
				   " AND station = 's0001' AND reason = 'service' AND at IS NOT NULL", id),
			 1);
	assert_int_equal(app_points_balance(&t.a, "s0001-v1", &bal), 0);
	assert_int_equal(bal, 25);

	int64_t rating;
	assert_int_equal(app_order_rating_parse(&t.a, "５", &rating), 0);
	assert_int_equal(app_order_rate(&t.a, id, rating, "很耐心", &r), 0);
	assert_int_equal(r.rating, 5);
	assert_int_equal(app_order_load(&t.a, id, &o), 0);
	assert_string_equal(o.status, "rated");
	assert_string_equal(o.comment, "很耐心");
	assert_true(o.has_hours && o.hours == 2.5);

	/* the history: every move an event with every column (O1) */
	assert_int_equal(app_order_events(&t.a, id, t_count_event, &n), 0);
	assert_int_equal(n, 5);
	assert_int_equal(t_int(&t, "SELECT count(*) FROM order_events_live WHERE \"order\" = ?1"
				   " AND station = 's0001' AND at IS NOT NULL", id),
			 5);
	assert_int_equal(t_int(&t, "SELECT count(*) FROM order_events_live WHERE \"order\" = ?1"
				   " AND note = 'hours=2.5'", id),
			 1);

	/* a second order, accepted at once by phone, then cancelled ones */
	char id2[APP_ID_MAX + 1], id3[APP_ID_MAX + 1];
	t_add(&t, id2);
	assert_int_equal(app_order_accept(&t.a, id2, "138 0000 1111", &f, &r), 0);
	assert_string_equal(r.volunteer, "s0001-v1");
	t_add(&t, id3);
	assert_int_equal(app_order_cancel(&t.a, id3, "家属已代办", &r), 0);
	assert_int_equal(app_order_load(&t.a, id3, &o), 0);
	assert_string_equal(o.status, "cancelled");

	struct app_order_filter flt = { .volunteer = "王秀英" };
	n = 0;
	assert_int_equal(app_order_list(&t.a, &flt, t_count_order, &n), 0);
	assert_int_equal(n, 2);
	struct app_order_filter cancelled = { .status = "cancelled" };
	n = 0;
	assert_int_equal(app_order_list(&t.a, &cancelled, t_count_order, &n), 0);
	assert_int_equal(n, 1);
	struct app_order_filter nobody = { .volunteer = "s0009-v1" };
	n = 0;
	assert_int_equal(app_order_list(&t.a, &nobody, t_count_order, &n), 0);
	assert_int_equal(n, 0);
	t_node_free(&t);
	t_rmdir(dir);
}

/* ---- refusals: the reason, and nothing written ---------------------------------- */

static void test_order_refusals(void **state)
{
	struct t_node t;
	struct t_state s;
	struct app_order_result r;
	struct app_volunteer_found f;
	char o1[APP_ID_MAX + 1], o2[APP_ID_MAX + 1], o3[APP_ID_MAX + 1];
	(void)state;
	const char *dir = t_tmpdir();
	t_node_new(&t, dir, "s1", "s0001", false);
	t_volunteer(&t, "s0001-v1", "王秀英", "13800001111", "s0001", "active");
	t_volunteer(&t, "s0001-v2", "王秀英", "13900002222", "s0001", "active");
	t_volunteer(&t, "s0001-v3", "赵六", "13700000006", "s0001", "left");
	t_volunteer(&t, "s0002-v1", "外村", "13500000009", "s0002", "active");
	t_add(&t, o1);
	t_add(&t, o2);
	t_add(&t, o3);
	t_state(&t, &s);

	t_refused(&t, &s, app_order_rate(&t.a, o1, 5, NULL, &r), ERR_RULE, APP_W_ORDER_NOT_DONE);
	t_refused(&t, &s, app_order_done(&t.a, o1, 1, &r), ERR_RULE, APP_W_ORDER_NO_VOLUNTEER);
	assert_int_equal(app_order_done(&t.a, o1, 1, &r), ERR_RULE);
	assert_string_equal(t.a.fail.arg[1], "done"); /* the move, said in words by node/ */
	t_refused(&t, &s, ERR_RULE, ERR_RULE, APP_W_ORDER_NO_VOLUNTEER);
	t_refused(&t, &s, app_order_accept(&t.a, o1, NULL, &f, &r), ERR_RULE, APP_W_ORDER_NO_VOLUNTEER);
	t_refused(&t, &s, app_order_dispatch(&t.a, o1, NULL, &f, &r), ERR_USAGE,
		  APP_W_ORDER_DISPATCH_NEEDS);
	t_refused(&t, &s, app_order_dispatch(&t.a, o1, "王秀英", &f, &r), ERR_RULE,
		  APP_W_VOLUNTEER_AMBIGUOUS);
	t_refused(&t, &s, app_order_dispatch(&t.a, o1, "赵六", &f, &r), ERR_RULE, APP_W_VOLUNTEER_INACTIVE);
	t_refused(&t, &s, app_order_dispatch(&t.a, o1, "s0001-v9", &f, &r), ERR_NOTFOUND,
		  APP_W_VOLUNTEER_NOT_FOUND);
	t_refused(&t, &s, app_order_dispatch(&t.a, "s0001-o99", "s0001-v1", &f, &r), ERR_NOTFOUND,
		  APP_W_ORDER_NOT_FOUND);
	t_refused(&t, &s, app_order_done(&t.a, o1, 0.05, &r), ERR_USAGE, APP_W_ORDER_BAD_HOURS);
	t_refused(&t, &s, app_order_done(&t.a, o1, 24.5, &r), ERR_USAGE, APP_W_ORDER_BAD_HOURS);
	t_refused(&t, &s, app_order_rate(&t.a, o1, 6, NULL, &r), ERR_USAGE, APP_W_ORDER_BAD_RATING);
	t_refused(&t, &s, app_order_cancel(&t.a, o1, NULL, &r), ERR_USAGE, APP_W_ORDER_BAD_REASON);
	double h;
	int64_t k;
	t_refused(&t, &s, app_order_hours_parse(&t.a, "0x10", &h), ERR_USAGE, APP_W_ORDER_BAD_HOURS);
	t_refused(&t, &s, app_order_hours_parse(&t.a, "0", &h), ERR_USAGE, APP_W_ORDER_BAD_HOURS);
	t_refused(&t, &s, app_order_rating_parse(&t.a, "６", &k), ERR_USAGE, APP_W_ORDER_BAD_RATING);

	struct app_order_new bad[] = {
		{ .category = "", .detail = "x" },
		{ .category = "a", .detail = "" },
		{ .category = "a", .detail = "x", .phone = "abc" },
		{ .category = "a", .detail = "x", .kind = "gift" },
		{ .category = "a", .detail = "x", .station = "s 1" },
		{ .category = "a", .detail = "x", .requester = "a\tb" },
	};
	const enum app_why why[] = { APP_W_CATEGORY_EMPTY,     APP_W_ORDER_BAD_DETAIL,
				     APP_W_ORDER_BAD_PHONE,    APP_W_ORDER_BAD_KIND,
				     APP_W_ORDER_BAD_STATION,  APP_W_ORDER_BAD_REQUESTER };
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		t_refused(&t, &s, app_order_add(&t.a, &bad[i], &r), ERR_USAGE, why[i]);
	struct app_order_new other = { .category = "a", .detail = "x", .station = "s0002" };
	t_refused(&t, &s, app_order_add(&t.a, &other, &r), ERR_RULE, APP_W_ORDER_STATION_NOT_OURS);

	/* cancelled: every move refused */
	assert_int_equal(app_order_cancel(&t.a, o2, "重复登记", &r), 0);
	t_state(&t, &s);
	t_refused(&t, &s, app_order_accept(&t.a, o2, "s0001-v1", &f, &r), ERR_RULE, APP_W_ORDER_CANCELLED);
	t_refused(&t, &s, app_order_dispatch(&t.a, o2, "s0001-v1", &f, &r), ERR_RULE, APP_W_ORDER_CANCELLED);
	t_refused(&t, &s, app_order_done(&t.a, o2, 1, &r), ERR_RULE, APP_W_ORDER_CANCELLED);
	t_refused(&t, &s, app_order_cancel(&t.a, o2, "再次", &r), ERR_RULE, APP_W_ORDER_CANCELLED);

	/* finished: no dispatch, accept, cancel; done and rate once */
	assert_int_equal(app_order_dispatch(&t.a, o3, "13800001111", &f, &r), 0);
	assert_int_equal(app_order_done(&t.a, o3, 2, &r), 0);
	t_state(&t, &s);
	t_refused(&t, &s, app_order_dispatch(&t.a, o3, "s0001-v1", &f, &r), ERR_RULE, APP_W_ORDER_FINISHED);
	assert_int_equal(app_order_accept(&t.a, o3, "s0001-v1", &f, &r), ERR_RULE);
	assert_string_equal(t.a.fail.arg[1], "done");
	assert_string_equal(t.a.fail.arg[2], "accept");
	t_refused(&t, &s, ERR_RULE, ERR_RULE, APP_W_ORDER_FINISHED);
	t_refused(&t, &s, app_order_cancel(&t.a, o3, "不要了", &r), ERR_RULE, APP_W_ORDER_FINISHED);
	t_refused(&t, &s, app_order_done(&t.a, o3, 4, &r), ERR_RULE, APP_W_ORDER_DONE_AGAIN);
	assert_int_equal(app_order_rate(&t.a, o3, 4, NULL, &r), 0);
	t_state(&t, &s);
	t_refused(&t, &s, app_order_rate(&t.a, o3, 5, NULL, &r), ERR_RULE, APP_W_ORDER_RATED);
	t_node_free(&t);
	t_rmdir(dir);
}

/* A station moves only its own orders (O3): the hub's copy of another
 * station's order, carried here as a replica file. */
static void test_order_not_ours(void **state)
{
	struct t_node hub, st;
	struct t_state s;
	struct app_order_result r;
	struct app_volunteer_found f;
	(void)state;
	const char *dir = t_tmpdir();
	t_node_new(&hub, dir, "hub", "c01", true);
	t_volunteer(&hub, "hub-v1", "外村志愿者", "13500000009", "s0002", "active");
	struct app_order_new in = { .category = "助老", .detail = "送餐", .station = "s0002" };
	assert_int_equal(app_order_add(&hub.a, &in, &r), 0);
	assert_string_equal(r.id, "hub-o1");
	assert_int_equal(app_order_dispatch(&hub.a, "hub-o1", "外村志愿者", &f, &r), 0);
	assert_int_equal(app_order_done(&hub.a, "hub-o1", 3, &r), 0);
	assert_int_equal(r.points, 30);
	t_node_free(&hub);

	/* a station started from the hub's replica */
	char replica[APP_PATH_MAX];
	snprintf(replica, sizeof(replica), "%s/hub/replica.db", dir);
	t_node_from(&st, dir, "s1", "s0001", false, replica);
	t_volunteer(&st, "s0001-v1", "王伟", "13800001234", "s0001", "active");
	t_state(&st, &s);
	t_refused(&st, &s, app_order_dispatch(&st.a, "hub-o1", "s0001-v1", &f, &r), ERR_RULE,
		  APP_W_ORDER_NOT_OURS);

	/* P2: the points of a volunteer of s0002 are spent at s0002 or the hub */
	struct app_redeem_result rr;
	int64_t bal;
	assert_int_equal(app_points_balance(&st.a, "hub-v1", &bal), 0);
	assert_int_equal(bal, 30);
	t_refused(&st, &s, app_points_redeem(&st.a, "13500000009", 5, "毛巾", &f, &rr), ERR_RULE,
		  APP_W_POINTS_NO_RIGHT);
	assert_int_equal(app_points_redeem(&st.a, "hub-v1", 5, "毛巾", &f, &rr), ERR_RULE);
	assert_string_equal(st.a.fail.arg[2], "s0002");
	assert_string_equal(st.a.fail.arg[4], "30");
	t_refused(&st, &s, ERR_RULE, ERR_RULE, APP_W_POINTS_NO_RIGHT);
	t_node_free(&st);
	t_rmdir(dir);
}

/* O5: a visiting volunteer's credit goes county-wide, in the same
 * transaction as the move. */
static void test_order_visiting(void **state)
{
	struct t_node t;
	struct t_state s;
	struct app_order_result r;
	struct app_volunteer_found f;
	struct app_redeem_result rr;
	char id[APP_ID_MAX + 1];
	(void)state;
	const char *dir = t_tmpdir();
	t_node_new(&t, dir, "s2", "s0002", false);
	t_station(&t, "s0001");
	t_add(&t, id);
	assert_int_equal(app_order_dispatch(&t.a, id, "s0001-v1", &f, &r), 0);
	assert_true(r.away);
	assert_string_equal(r.home, "s0001");
	assert_string_equal(r.name, "");
	assert_int_equal(app_order_accept(&t.a, id, NULL, &f, &r), 0);
	uint64_t county = t_seq(&t, ""), own = t_seq(&t, "s0002");
	assert_int_equal(app_order_done(&t.a, id, 2, &r), 0);
	assert_int_equal(r.points, 20);
	assert_true(r.away);
	assert_int_equal(t_seq(&t, ""), county + 1); /* the credit */
	assert_int_equal(t_seq(&t, "s0002"), own + 1); /* the move */
	assert_int_equal(t_int(&t, "SELECT count(*) FROM points_live WHERE volunteer = ?1 AND delta = 20"
				   " AND station = 's0002' AND hours = 2", "s0001-v1"),
			 1);
	/* P2: spent at home only */
	t_state(&t, &s);
	t_refused(&t, &s, app_points_redeem(&t.a, "s0001-v1", 5, "毛巾", &f, &rr), ERR_RULE,
		  APP_W_POINTS_VISITING);
	t_node_free(&t);
	t_rmdir(dir);
}

/* ---- points ------------------------------------------------------------------------ */

static int t_count_entry(void *arg, const struct app_points_entry *e)
{
	size_t *n = arg;
	assert_string_equal(e->reason, *n ? "redeem" : "service");
	assert_true(e->has_at);
	(*n)++;
	return 0;
}

static void test_points(void **state)
{
	struct t_node t;
	struct t_state s;
	struct app_order_result r;
	struct app_volunteer_found f;
	struct app_redeem_result rr;
	char id[APP_ID_MAX + 1];
	int64_t n, bal, total;
	size_t rows = 0;
	(void)state;
	const char *dir = t_tmpdir();
	t_node_new(&t, dir, "s1", "s0001", false);
	t_volunteer(&t, "s0001-v1", "李娜", "13900005678", "s0001", "active");
	t_volunteer(&t, "s0001-v2", "王秀英", "13800001111", "s0001", "active");
	t_volunteer(&t, "s0001-v3", "王秀英", "13800002222", "s0001", "active");
	t_add(&t, id);
	assert_int_equal(app_order_dispatch(&t.a, id, "李娜", &f, &r), 0);
	assert_int_equal(app_order_done(&t.a, id, 2.5, &r), 0);

	assert_int_equal(app_points_parse(&t.a, "２０", &n), 0);
	assert_int_equal(n, 20);
	assert_int_equal(app_points_redeem(&t.a, "139-0000-5678", n, "大米", &f, &rr), 0);
	assert_string_equal(rr.id, "s0001-p2");
	assert_string_equal(rr.v.id, "s0001-v1");
	assert_int_equal(rr.balance, 5);
	assert_int_equal(app_points_balance(&t.a, "s0001-v1", &bal), 0);
	assert_int_equal(bal, 5);
	assert_int_equal(app_points_history(&t.a, "s0001-v1", t_count_entry, &rows, &total), 0);
	assert_int_equal(rows, 2);
	assert_int_equal(total, 5);
	assert_int_equal(t_int(&t, "SELECT count(*) FROM points_live WHERE pk = ?1 AND delta = -20"
				   " AND reason = 'redeem' AND item = '大米' AND station = 's0001'", "s0001-p2"),
			 1);

	t_state(&t, &s);
	t_refused(&t, &s, app_points_redeem(&t.a, "李娜", 6, "食用油", &f, &rr), ERR_RULE,
		  APP_W_POINTS_OVERDRAW);
	assert_int_equal(app_points_redeem(&t.a, "李娜", 6, "食用油", &f, &rr), ERR_RULE);
	assert_string_equal(t.a.fail.arg[2], "5"); /* the balance */
	assert_string_equal(t.a.fail.arg[3], "6");
	t_refused(&t, &s, ERR_RULE, ERR_RULE, APP_W_POINTS_OVERDRAW);
	t_refused(&t, &s, app_points_redeem(&t.a, "王秀英", 1, "毛巾", &f, &rr), ERR_RULE,
		  APP_W_VOLUNTEER_AMBIGUOUS);
	t_refused(&t, &s, app_points_redeem(&t.a, "nobody", 1, "毛巾", &f, &rr), ERR_NOTFOUND,
		  APP_W_VOLUNTEER_NOT_FOUND);
	t_refused(&t, &s, app_points_redeem(&t.a, "李娜", 0, "毛巾", &f, &rr), ERR_USAGE, APP_W_POINTS_BAD);
	t_refused(&t, &s, app_points_redeem(&t.a, "李娜", 1, NULL, &f, &rr), ERR_USAGE,
		  APP_W_POINTS_BAD_ITEM);
	t_refused(&t, &s, app_points_parse(&t.a, "0x10", &n), ERR_USAGE, APP_W_POINTS_BAD);
	t_refused(&t, &s, app_points_parse(&t.a, "1000001", &n), ERR_USAGE, APP_W_POINTS_BAD);

	/* settings: the hub's (P4) */
	t_refused(&t, &s, app_settings_set(&t.a, "20", NULL), ERR_RULE, APP_W_SETTINGS_HUB_ONLY);
	t_node_free(&t);
	t_rmdir(dir);
}

static void test_settings(void **state)
{
	struct t_node t;
	struct t_state s;
	struct app_settings set;
	struct app_order_result r;
	struct app_volunteer_found f;
	char id[APP_ID_MAX + 1], stars[160];
	(void)state;
	const char *dir = t_tmpdir();
	t_node_new(&t, dir, "hub", "c01", true);
	t_state(&t, &s);
	t_refused(&t, &s, app_settings_set(&t.a, NULL, NULL), ERR_USAGE, APP_W_SETTINGS_NOTHING);
	t_refused(&t, &s, app_settings_set(&t.a, "0x10", NULL), ERR_USAGE, APP_W_SETTINGS_BAD_NUMBER);
	t_refused(&t, &s, app_settings_set(&t.a, NULL, "1,2,3,4"), ERR_USAGE, APP_W_SETTINGS_BAD_STARS);
	t_refused(&t, &s, app_settings_set(&t.a, NULL, "5,4,3,2,1"), ERR_USAGE, APP_W_SETTINGS_BAD_STARS);
	assert_int_equal(app_settings_set(&t.a, "２０", "10,20,30,40,50"), 0);
	assert_int_equal(app_settings_load(&t.a, &set), 0);
	assert_true(set.points_per_hour == 20);
	app_settings_stars_fmt(&set, stars, sizeof(stars));
	assert_string_equal(stars, "10,20,30,40,50");
	/* the credit follows the setting (P5) */
	t_volunteer(&t, "hub-v1", "李娜", "13900005678", "c01", "active");
	t_add(&t, id);
	assert_int_equal(app_order_dispatch(&t.a, id, "hub-v1", &f, &r), 0);
	assert_int_equal(app_order_done(&t.a, id, 1.5, &r), 0);
	assert_int_equal(r.points, 30);
	t_node_free(&t);
	t_rmdir(dir);
}

/* An operation that begins the write transaction ends it, also when it
 * refuses: a front end that keeps its app open between requests (the web
 * pages) must not hold the write lock, or every other writer waits and
 * fails busy. */
static void test_own_transaction(void **state)
{
	struct t_node t;
	struct app other;
	struct app_order_result r;
	struct app_volunteer_found f;
	struct app_redeem_result rr;
	char id[APP_ID_MAX + 1];
	(void)state;
	const char *dir = t_tmpdir();
	t_node_new(&t, dir, "s1", "s0001", false);
	t_volunteer(&t, "s0001-v1", "李娜", "13900005678", "s0001", "active");
	t_add(&t, id);
	assert_false(t.a.writing); /* every write so far ended its transaction */
	assert_int_equal(app_order_done(&t.a, id, 1, &r), ERR_RULE);
	assert_false(t.a.writing);
	assert_int_equal(app_order_dispatch(&t.a, id, "王芳", &f, &r), ERR_NOTFOUND);
	assert_false(t.a.writing);
	assert_int_equal(app_points_redeem(&t.a, "李娜", 5, "毛巾", &f, &rr), ERR_RULE);
	assert_false(t.a.writing);
	assert_int_equal(app_settings_set(&t.a, "20", NULL), ERR_RULE);
	assert_false(t.a.writing);

	/* another writer (a command, the daemon) gets the lock at once */
	app_init(&other);
	snprintf(other.home, sizeof(other.home), "%s", t.a.home);
	other.now_ms = t.a.now_ms + 1000;
	other.access = APP_WRITES;
	assert_int_equal(app_open(&other), 0);
	assert_true(other.writing);
	app_close(&other);
	/* and the first goes on */
	assert_int_equal(app_order_dispatch(&t.a, id, "李娜", &f, &r), 0);
	assert_false(t.a.writing);
	t_node_free(&t);
	t_rmdir(dir);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_parse_numbers),  cmocka_unit_test(test_find),
		cmocka_unit_test(test_order_loop),     cmocka_unit_test(test_order_refusals),
		cmocka_unit_test(test_order_not_ours), cmocka_unit_test(test_order_visiting),
		cmocka_unit_test(test_points),	       cmocka_unit_test(test_settings),
		cmocka_unit_test(test_own_transaction),
	};
	return cmocka_run_group_tests_name("app_order", tests, NULL, NULL);
}
