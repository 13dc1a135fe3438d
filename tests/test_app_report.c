// SPDX-License-Identifier: MIT
/*
 * test_app_report.c - the county report over a range of time
 * (app_report_build_range, the hub's dashboard): an order counts when it
 * was placed in [from, to), a points row when it was credited or redeemed
 * then; 0 leaves an end open; app_report_build() is the whole range. A
 * real node (tests/app_node.h), orders, a finished order's credit and a
 * redemption made through app/.
 *
 * And what administrators ask of reports and lists (issue 17): one
 * parser of days (range.h), grouping by volunteer, registered and new
 * volunteers, wishes, the CSV writer's bytes (app/csv.h), search and
 * pages of order and volunteer lists, and a page of a 12,000-row list in
 * bounded memory.
 *
 * And at city scale (issue 15): the report's one pass per table gives
 * every group and total the queries it replaced gave, on random replicas.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <cmocka.h>

#include "base/err.h"
#include "app/csv.h"
#include "app/order.h"
#include "app/points.h"
#include "app/range.h"
#include "app/report.h"
#include "app/team.h"
#include "app/activity.h"
#include "app/category.h"
#include "app/volunteer.h"
#include "app/wish.h"
#include "tests/app_node.h"

static char tmp[64];

static int setup(void **state)
{
	(void)state;
	snprintf(tmp, sizeof(tmp), "/tmp/test_app_report.XXXXXX");
	assert_non_null(mkdtemp(tmp));
	return 0;
}

static int teardown(void **state)
{
	char cmd[128];
	(void)state;
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", tmp);
	assert_int_equal(system(cmd), 0);
	return 0;
}

/* The totals of the report over [from, to). */
static void totals(struct t_node *t, int64_t from, int64_t to, int64_t *orders, int64_t *issued,
		   int64_t *redeemed)
{
	struct app_report r;
	assert_int_equal(app_report_build_range(&t->a, APP_BY_STATION, from, to, &r), 0);
	*orders = r.total.orders;
	*issued = r.total.issued;
	*redeemed = r.total.redeemed;
	assert_int_equal(r.from_ms, from);
	assert_int_equal(r.to_ms, to);
	app_report_release(&r);
}

static void test_range(void **state)
{
	struct t_node t;
	struct app_order_result res;
	struct app_redeem_result red;
	char vid[APP_ID_MAX + 1];
	int64_t o, i, d;
	(void)state;
	t_node_new(&t, tmp, "s1", "s0001", false);
	app_write_end(&t.a); /* each operation in a transaction of its own */
	struct app_volunteer_in v = { .name = "王伟", .phone = "13800001234" };
	assert_int_equal(app_volunteer_add(&t.a, &v, vid, sizeof(vid)), 0);

	/* two orders at T1, one of them finished (its credit at T2), a
	 * redemption at T3 */
	uint64_t t1 = t.a.now_ms + 1000, t2 = t1 + 60000, t3 = t2 + 60000;
	struct app_order_new n1 = { .category = "助老", .detail = "买药" };
	struct app_order_new n2 = { .category = "其他", .detail = "修水管" }; /* on the menu (category.h) */
	t.a.now_ms = t1;
	assert_int_equal(app_order_add(&t.a, &n1, &res), 0);
	assert_int_equal(app_order_add(&t.a, &n2, &res), 0);
	t.a.now_ms = t2;
	assert_int_equal(app_order_dispatch(&t.a, "s0001-o1", vid, NULL, &res), 0);
	assert_int_equal(app_order_accept(&t.a, "s0001-o1", NULL, NULL, &res), 0);
	assert_int_equal(app_order_done(&t.a, "s0001-o1", 2.0, &res), 0);
	t.a.now_ms = t3;
	assert_int_equal(app_points_redeem(&t.a, vid, 5, "毛巾", NULL, &red), 0);

	/* the whole range, and the old call, agree */
	struct app_report all;
	totals(&t, 0, 0, &o, &i, &d);
	assert_int_equal(o, 2);
	assert_int_equal(i, 20);
	assert_int_equal(d, 5);
	assert_int_equal(app_report_build(&t.a, APP_BY_STATION, &all), 0);
	assert_int_equal(all.total.orders, 2);
	assert_int_equal(all.total.issued, 20);
	assert_int_equal(all.total.redeemed, 5);
	assert_int_equal(all.from_ms, 0);
	app_report_release(&all);

	/* [T1, T1 + 1): the orders, no points */
	totals(&t, (int64_t)t1, (int64_t)t1 + 1, &o, &i, &d);
	assert_int_equal(o, 2);
	assert_int_equal(i, 0);
	assert_int_equal(d, 0);
	/* to is excluded: [0, T1) holds nothing */
	totals(&t, 0, (int64_t)t1, &o, &i, &d);
	assert_int_equal(o + i + d, 0);
	/* from T2 on: the credit and the redemption, no order placed */
	totals(&t, (int64_t)t2, 0, &o, &i, &d);
	assert_int_equal(o, 0);
	assert_int_equal(i, 20);
	assert_int_equal(d, 5);
	/* [T2, T3): the credit only */
	totals(&t, (int64_t)t2, (int64_t)t3, &o, &i, &d);
	assert_int_equal(i, 20);
	assert_int_equal(d, 0);
	/* by category the same range: the orders placed in their groups,
	 * and every category of the menu with its own (category.h) */
	struct app_report c;
	assert_int_equal(app_report_build_range(&t.a, APP_BY_CATEGORY, (int64_t)t1, (int64_t)t2, &c), 0);
	assert_int_equal(c.n, APP_CATEGORY_STD);
	int64_t busy = 0;
	for (size_t k = 0; k < c.n; k++) {
		busy += c.g[k].orders > 0;
		if (strcmp(c.g[k].key, "助老") == 0)
			assert_int_equal(c.g[k].orders, 1);
	}
	assert_int_equal(busy, 2);
	app_report_release(&c);
	t_node_free(&t);
}


/* ---- days (range.h) --------------------------------------------------------- */

static void test_days(void **state)
{
	struct t_node t;
	struct app_range r;
	int64_t ms, next;
	(void)state;
	t_node_new(&t, tmp, "s1", "s0001", false);
	/* R2: from's midnight to the midnight after to, in local time (the
	 * tests run in Asia/Shanghai, no summer time: a day is 24 h) */
	assert_true(app_day_parse("2026-12-01", false, &ms));
	assert_true(app_day_parse("2026-12-01", true, &next));
	assert_int_equal(next - ms, 86400000);
	assert_int_equal(ms, 1796054400000LL); /* 2026-12-01 00:00 +08:00 */
	assert_true(app_day_parse("2028-02-29", false, &ms));  /* a leap day */
	assert_true(app_day_parse("2026-12-31", true, &next)); /* into the next year */
	assert_true(app_day_parse("2027-01-01", false, &ms));
	assert_int_equal(next, ms);
	/* full-width digits and '－' (a Chinese keyboard) are the same day
	 * (issue 17 QA; numbers took them already) */
	assert_true(app_day_parse("２０２６－１２－０１", false, &next));
	assert_true(app_day_parse("2026-12-01", false, &ms));
	assert_int_equal(next, ms);
	/* what is not a day */
	static const char *const bad[] = { "2026-02-29", "2026-02-30", "2026-13-01", "2026-00-10",
					   "2026-1-01",	 "2026-12-1",  "2026/12/01", "26-12-01",
					   "2026-12-01x", "1999-12-31", "２０２６-02-30", "", "+026-12-01",
					   "2026-12- 1", "２０２６－１２－０１ｘ" };
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		ms = 7;
		assert_false(app_day_parse(bad[i], false, &ms));
		assert_int_equal(ms, 0);
	}
	/* a range: both ends, one, none; refusals say which and zero r */
	assert_int_equal(app_range_parse(&t.a, "2026-12-01", "2026-12-01", &r), 0);
	assert_int_equal(r.to_ms - r.from_ms, 86400000);
	assert_true(app_range_has(&r, r.from_ms));
	assert_false(app_range_has(&r, r.to_ms));
	assert_int_equal(app_range_parse(&t.a, NULL, "2026-12-01", &r), 0);
	assert_int_equal(r.from_ms, 0);
	assert_true(app_range_has(&r, 1));
	assert_int_equal(app_range_parse(&t.a, "", NULL, &r), 0);
	assert_int_equal(r.from_ms + r.to_ms, 0);
	assert_int_equal(app_range_parse(&t.a, "2026-12-32", NULL, &r), ERR_USAGE);
	assert_int_equal(t.a.fail.why, APP_W_RANGE_BAD_DAY);
	assert_string_equal(t.a.fail.arg[0], "--from");
	assert_string_equal(t.a.fail.arg[1], "2026-12-32");
	assert_int_equal(r.from_ms + r.to_ms, 0);
	assert_int_equal(app_range_parse(&t.a, "2026-12-01", "2026-02-30", &r), ERR_USAGE);
	assert_string_equal(t.a.fail.arg[0], "--to");
	assert_int_equal(app_range_parse(&t.a, "2026-12-02", "2026-12-01", &r), ERR_USAGE);
	assert_int_equal(t.a.fail.why, APP_W_RANGE_REVERSED);
	assert_int_equal(r.from_ms + r.to_ms, 0);
	/* pages */
	struct app_page p;
	assert_int_equal(app_page_parse(&t.a, NULL, NULL, 50, &p), 0);
	assert_int_equal(p.limit, 50);
	assert_int_equal(p.offset, 0);
	assert_int_equal(app_page_parse(&t.a, "20", "3", 50, &p), 0);
	assert_int_equal(p.offset, 40);
	assert_int_equal(app_page_parse(&t.a, "0", NULL, 50, &p), 0); /* all */
	assert_int_equal(p.limit, 0);
	assert_int_equal(app_page_parse(&t.a, "-1", NULL, 50, &p), ERR_USAGE);
	assert_int_equal(t.a.fail.why, APP_W_PAGE_BAD);
	assert_int_equal(app_page_parse(&t.a, "10", "0", 50, &p), ERR_USAGE);
	assert_string_equal(t.a.fail.arg[0], "--page");
	assert_int_equal(app_page_parse(&t.a, "1000001", NULL, 50, &p), ERR_USAGE);
	t_node_free(&t);
}

/* ---- grouping ----------------------------------------------------------------- */

static const struct app_report_group *group_of(const struct app_report *r, const char *key)
{
	for (size_t i = 0; i < r->n; i++)
		if (strcmp(r->g[i].key, key) == 0)
			return &r->g[i];
	return NULL;
}

/* Place an order and have vid finish it in hours. */
static void finish(struct t_node *t, const struct app_order_new *n, const char *vid, double hours)
{
	struct app_order_result res;
	char id[APP_ID_MAX + 1];
	assert_int_equal(app_order_add(&t->a, n, &res), 0);
	snprintf(id, sizeof(id), "%s", res.id);
	assert_int_equal(app_order_dispatch(&t->a, id, vid, NULL, &res), 0);
	assert_int_equal(app_order_accept(&t->a, id, NULL, NULL, &res), 0);
	assert_int_equal(app_order_done(&t->a, id, hours, &res), 0);
}

/* Publish a wish and have vid fulfil it in hours (the wish commands). */
static void fulfil(struct t_node *t, const char *what, const char *vid, double hours)
{
	struct app_wish_new in = { .what = what, .station = "s0001" };
	struct app_wish_who who = { .volunteer = vid };
	struct app_order_result res;
	struct app_wish w;
	char id[APP_ID_MAX + 1], h[32];
	assert_int_equal(app_wish_add(&t->a, &in, &w), 0);
	snprintf(id, sizeof(id), "%s", w.o.id);
	assert_int_equal(app_wish_claim(&t->a, id, &who, NULL, &w), 0);
	snprintf(h, sizeof(h), "%g", hours);
	assert_int_equal(app_wish_done(&t->a, id, "送到了", h, &w, &res), 0);
}

static void test_groups(void **state)
{
	struct t_node t;
	struct app_order_result res;
	struct app_report r;
	char v1[APP_ID_MAX + 1], v2[APP_ID_MAX + 1], v3[APP_ID_MAX + 1], tid[APP_ID_MAX + 1];
	(void)state;
	t_node_new(&t, tmp, "hub", "c01", true);
	app_write_end(&t.a);
	/* three volunteers: two registered at T0, one at T2 who left */
	uint64_t t0 = t.a.now_ms, t1 = t0 + 86400000, t2 = t1 + 86400000;
	struct app_volunteer_in a1 = { .name = "王伟", .phone = "13800001234", .station = "s0001" };
	struct app_volunteer_in a2 = { .name = "李娜", .phone = "13900005678", .station = "s0002" };
	struct app_volunteer_in a3 = { .name = "赵六", .phone = "13700002222", .station = "s0001" };
	assert_int_equal(app_volunteer_add(&t.a, &a1, v1, sizeof(v1)), 0);
	assert_int_equal(app_volunteer_add(&t.a, &a2, v2, sizeof(v2)), 0);
	t.a.now_ms = t2;
	assert_int_equal(app_volunteer_add(&t.a, &a3, v3, sizeof(v3)), 0);
	struct app_volunteer_in left = { .status = "left" };
	struct app_volunteer old;
	assert_int_equal(app_volunteer_set(&t.a, v3, &left, &old), 0);
	struct app_team_in tin = { .name = "红马甲", .station = "s0001" };
	struct app_team team;
	struct app_team_move mv;
	struct app_volunteer_found vf;
	assert_int_equal(app_team_add(&t.a, &tin, &team), 0);
	snprintf(tid, sizeof(tid), "%s", team.id);
	assert_int_equal(app_team_join(&t.a, tid, v1, &vf, &mv), 0);

	/* at T1: a service order done by v1 (2 h), a wish done by v1 (1 h),
	 * a wish still open, an order done by v2 (3 h) */
	t.a.now_ms = t1;
	struct app_order_new o1 = { .category = "助老", .detail = "买药", .station = "s0001" };
	struct app_order_new w2 = { .category = "助学", .detail = "字典", .station = "s0002", .kind = "wish" };
	struct app_order_new o2 = { .category = "助老", .detail = "陪诊", .station = "s0002" };
	finish(&t, &o1, v1, 2.0);
	fulfil(&t, "书包", v1, 1.0);
	assert_int_equal(app_order_add(&t.a, &w2, &res), 0);
	finish(&t, &o2, v2, 3.0);

	/* by volunteer: hours, orders done, points of each; "-" the open wish */
	assert_int_equal(app_report_by_parse("volunteer", &r.by), 0);
	assert_string_equal(app_report_by_name(APP_BY_VOLUNTEER), "volunteer");
	assert_int_equal(app_report_build(&t.a, APP_BY_VOLUNTEER, &r), 0);
	assert_int_equal(r.n, 3);
	const struct app_report_group *g = group_of(&r, v1);
	assert_non_null(g);
	assert_string_equal(g->name, "王伟");
	assert_int_equal(g->orders, 2);
	assert_int_equal(g->st[APP_ST_DONE], 2);
	assert_true(g->hours > 2.99 && g->hours < 3.01);
	assert_int_equal(g->issued, 30);
	assert_int_equal(g->wishes, 1);
	assert_int_equal(g->wishes_done, 1);
	assert_int_equal(g->registered, 1);
	assert_non_null(g = group_of(&r, v2));
	assert_int_equal(g->issued, 30);
	assert_non_null(g = group_of(&r, "-"));
	assert_int_equal(g->wishes, 1);
	assert_int_equal(g->wishes_done, 0);
	assert_null(group_of(&r, v3)); /* did nothing: not listed by volunteer */
	/* the total: all wishes, active = did service, registered = not left */
	assert_int_equal(r.total.orders, 4);
	assert_int_equal(r.total.wishes, 2);
	assert_int_equal(r.total.wishes_done, 1);
	assert_int_equal(r.total.active, 2);
	assert_int_equal(r.total.registered, 2);
	assert_int_equal(r.total.new_vols, 3);
	assert_true(r.has_activities);
	assert_int_equal(r.total.activities, 0);
	app_report_release(&r);

	/* by station: registered and new of each home station; an activity
	 * in the group of its home station */
	struct app_activity_new an = { .title = "植树", .place = "村口", .start = "2030-03-12 09:00", .end = "2030-03-12 11:00",
				       .capacity = "10", .hours = "2", .station = "s0002" };
	struct app_activity act;
	assert_int_equal(app_activity_add(&t.a, &an, &act), 0);
	assert_int_equal(app_report_build(&t.a, APP_BY_STATION, &r), 0);
	assert_int_equal(r.total.activities, 1);
	assert_int_equal(group_of(&r, "s0002")->activities, 1);
	assert_int_equal(group_of(&r, "s0001")->activities, 0);
	assert_non_null(g = group_of(&r, "s0001"));
	assert_int_equal(g->registered, 1);
	assert_int_equal(g->new_vols, 2);
	assert_int_equal(g->wishes, 1);
	assert_non_null(g = group_of(&r, "s0002"));
	assert_int_equal(g->registered, 1);
	assert_int_equal(g->wishes, 1);
	app_report_release(&r);

	/* by team: v1's team has v1's work and v1 */
	assert_int_equal(app_report_build(&t.a, APP_BY_TEAM, &r), 0);
	assert_non_null(g = group_of(&r, tid));
	assert_string_equal(g->name, "红马甲");
	assert_int_equal(g->orders, 2);
	assert_int_equal(g->registered, 1);
	app_report_release(&r);

	/* a range of T0's day only: no order, two registered by then, both
	 * new; active none (RP1) */
	struct app_range day;
	char d0[16];
	time_t s0 = (time_t)(t0 / 1000);
	struct tm tm0;
	localtime_r(&s0, &tm0);
	strftime(d0, sizeof(d0), "%Y-%m-%d", &tm0);
	assert_int_equal(app_range_parse(&t.a, d0, d0, &day), 0);
	assert_int_equal(app_report_build_range(&t.a, APP_BY_STATION, day.from_ms, day.to_ms, &r), 0);
	assert_int_equal(r.total.orders, 0);
	assert_int_equal(r.total.active, 0);
	assert_int_equal(r.total.registered, 2);
	assert_int_equal(r.total.new_vols, 2);
	app_report_release(&r);
	/* from T1 on: the orders, active 2, one new (v3, who left) */
	assert_int_equal(app_report_build_range(&t.a, APP_BY_STATION, (int64_t)t1, 0, &r), 0);
	assert_int_equal(r.total.orders, 4);
	assert_int_equal(r.total.active, 2);
	assert_int_equal(r.total.new_vols, 1);
	assert_int_equal(r.total.registered, 2);
	app_report_release(&r);
	/* by month: the months volunteers registered in and orders placed */
	assert_int_equal(app_report_build(&t.a, APP_BY_MONTH, &r), 0);
	int64_t reg = 0;
	for (size_t i = 0; i < r.n; i++)
		reg += r.g[i].new_vols;
	assert_int_equal(reg, 3);
	app_report_release(&r);

	/* RP5: active = did credited service; hours recorded outside orders
	 * (hours add, an activity's check-out) count, in their range */
	uint64_t t3 = t2 + 86400000;
	t.a.now_ms = t3;
	char v4[APP_ID_MAX + 1];
	struct app_volunteer_in a4 = { .name = "孙丽", .phone = "13600003333", .station = "s0001" };
	struct app_volunteer_found f4;
	struct app_ledger_result lr;
	assert_int_equal(app_volunteer_add(&t.a, &a4, v4, sizeof(v4)), 0);
	assert_int_equal(app_hours_add(&t.a, v4, "2", "扫雪", &f4, &lr), 0);
	assert_int_equal(app_report_build(&t.a, APP_BY_STATION, &r), 0);
	assert_int_equal(r.total.active, 3); /* v1, v2 by orders, v4 by hours */
	assert_int_equal(group_of(&r, "s0001")->active, 2);
	app_report_release(&r);
	assert_int_equal(app_report_build_range(&t.a, APP_BY_STATION, (int64_t)t3, 0, &r), 0);
	assert_int_equal(r.total.active, 1); /* only v4 served from T3 on */
	app_report_release(&r);
	assert_int_equal(app_report_build_range(&t.a, APP_BY_STATION, (int64_t)t1, (int64_t)t2, &r), 0);
	assert_int_equal(r.total.active, 2); /* the hours are after the range */
	app_report_release(&r);
	assert_int_equal(app_report_build(&t.a, APP_BY_VOLUNTEER, &r), 0);
	assert_non_null(g = group_of(&r, v4));
	assert_int_equal(g->active, 1);
	app_report_release(&r);
	t_node_free(&t);
}

/* ---- the CSV writer's bytes (app/csv.h) --------------------------------------- */

static void csv_put_row(struct buf *b, const char *const *cells, size_t n)
{
	for (size_t i = 0; i < n; i++)
		app_csv_put(b, cells[i], i + 1 == n);
}

static void test_csv_bytes(void **state)
{
	struct buf b;
	(void)state;
	buf_init(&b, 1 << 20);
	buf_put(&b, APP_CSV_BOM, 3);
	const char *head[] = { "分组", "名称", "订单" };
	const char *row[] = { "=1+2", "a,b \"q\"", "-5" };
	const char *row2[] = { "@SUM(A1)", "+86 138", "-" };
	const char *row3[] = { "\tx", "多行\n文字", "40.5%" };
	const char *row4[] = { "-1+2", "12.5", NULL };
	csv_put_row(&b, head, 3);
	csv_put_row(&b, row, 3);
	csv_put_row(&b, row2, 3);
	csv_put_row(&b, row3, 3);
	csv_put_row(&b, row4, 3);
	assert_int_equal(b.err, 0);
	static const char want[] = "\xEF\xBB\xBF"
				   "分组,名称,订单\r\n"
				   "'=1+2,\"a,b \"\"q\"\"\",-5\r\n"
				   "'@SUM(A1),'+86 138,-\r\n"
				   "'\tx,\"多行\n文字\",40.5%\r\n"
				   "'-1+2,12.5,\r\n";
	assert_int_equal(b.len, sizeof(want) - 1);
	assert_memory_equal(b.data, want, b.len);
	/* C4: the reader gives the texts back (the guard's ' aside) */
	struct app_csv c;
	assert_int_equal(app_csv_init(&c, (const char *)b.data, b.len, 256), 0);
	assert_int_equal(app_csv_next(&c), 1);
	assert_string_equal(c.field[0], "分组");
	assert_int_equal(app_csv_next(&c), 1);
	assert_string_equal(c.field[0], "'=1+2");
	assert_string_equal(c.field[1], "a,b \"q\"");
	assert_string_equal(c.field[2], "-5");
	assert_int_equal(app_csv_next(&c), 1);
	assert_int_equal(app_csv_next(&c), 1);
	assert_string_equal(c.field[1], "多行\n文字");
	assert_int_equal(app_csv_next(&c), 1);
	assert_int_equal(c.nfields, 3);
	assert_string_equal(c.field[2], "");
	assert_int_equal(app_csv_next(&c), 0);
	app_csv_release(&c);
	/* numbers need no guard; a formula that looks like one does */
	assert_true(app_csv_number("-5"));
	assert_true(app_csv_number("0.25"));
	assert_true(app_csv_number("100%"));
	assert_false(app_csv_number("-"));
	assert_false(app_csv_number("-1+2"));
	assert_false(app_csv_number("5."));
	assert_false(app_csv_number("%"));
	buf_release(&b);
}

/* ---- search and pages ----------------------------------------------------------- */

struct collect {
	size_t n;
	char first[APP_ID_MAX + 1], last[APP_ID_MAX + 1];
};

static int collect_order(void *arg, const struct app_order *o)
{
	struct collect *c = arg;
	if (!c->n++)
		snprintf(c->first, sizeof(c->first), "%s", o->id);
	snprintf(c->last, sizeof(c->last), "%s", o->id);
	return 0;
}

static int collect_volunteer(void *arg, const struct app_volunteer *v)
{
	struct collect *c = arg;
	if (!c->n++)
		snprintf(c->first, sizeof(c->first), "%s", v->id);
	snprintf(c->last, sizeof(c->last), "%s", v->id);
	return 0;
}

static size_t orders_found(struct t_node *t, const struct app_order_filter *f)
{
	struct collect c = { 0 };
	assert_int_equal(app_order_list(&t->a, f, collect_order, &c), 0);
	return c.n;
}

static size_t volunteers_found(struct t_node *t, const struct app_volunteer_filter *f)
{
	struct collect c = { 0 };
	assert_int_equal(app_volunteer_list(&t->a, f, collect_volunteer, &c), 0);
	return c.n;
}

static void test_search(void **state)
{
	struct t_node t;
	struct app_order_result res;
	char v1[APP_ID_MAX + 1], v2[APP_ID_MAX + 1], tid[APP_ID_MAX + 1];
	(void)state;
	t_node_new(&t, tmp, "s1", "s0001", false);
	app_write_end(&t.a);
	struct app_volunteer_in a1 = { .name = "王伟", .phone = "13800001234" };
	struct app_volunteer_in a2 = { .name = "Li Na", .phone = "139-0000-5678" };
	assert_int_equal(app_volunteer_add(&t.a, &a1, v1, sizeof(v1)), 0);
	assert_int_equal(app_volunteer_add(&t.a, &a2, v2, sizeof(v2)), 0);
	struct app_team_in tin = { .name = "红马甲服务队" };
	struct app_team team;
	struct app_team_move mv;
	struct app_volunteer_found vfound;
	assert_int_equal(app_team_add(&t.a, &tin, &team), 0);
	snprintf(tid, sizeof(tid), "%s", team.id);
	assert_int_equal(app_team_join(&t.a, tid, v2, &vfound, &mv), 0);

	/* volunteers by name, phone (as typed with dashes), team name */
	struct app_volunteer_filter vf = { .search = "王" };
	assert_int_equal(volunteers_found(&t, &vf), 1);
	vf.search = "li na"; /* ASCII in any case */
	assert_int_equal(volunteers_found(&t, &vf), 1);
	vf.search = "0000-5678";
	assert_int_equal(volunteers_found(&t, &vf), 1);
	vf.search = "1234";
	assert_int_equal(volunteers_found(&t, &vf), 1);
	vf.search = "马甲";
	struct collect c = { 0 };
	assert_int_equal(app_volunteer_list(&t.a, &vf, collect_volunteer, &c), 0);
	assert_int_equal(c.n, 1);
	assert_string_equal(c.first, v2);
	vf.search = "%"; /* literal, never a wildcard */
	assert_int_equal(volunteers_found(&t, &vf), 0);
	vf.search = "张";
	assert_int_equal(volunteers_found(&t, &vf), 0);

	/* orders by detail, requester, category; with status and days */
	uint64_t t1 = t.a.now_ms + 86400000;
	t.a.now_ms = t1;
	struct app_order_new o1 = { .category = "助老", .detail = "买降压药", .requester = "张大爷" };
	struct app_order_new o2 = { .category = "其他", .detail = "修 TV 天线", .requester = "刘奶奶" };
	struct app_order_new o3 = { .category = "助老", .detail = "陪诊" };
	assert_int_equal(app_order_add(&t.a, &o1, &res), 0);
	assert_int_equal(app_order_add(&t.a, &o2, &res), 0);
	t.a.now_ms = t1 + 2 * 86400000;
	assert_int_equal(app_order_add(&t.a, &o3, &res), 0);
	char o3id[APP_ID_MAX + 1];
	snprintf(o3id, sizeof(o3id), "%s", res.id);
	assert_int_equal(app_order_dispatch(&t.a, o3id, v1, NULL, &res), 0);
	struct app_order_filter of = { .search = "药" };
	assert_int_equal(orders_found(&t, &of), 1);
	of.search = "张大爷";
	assert_int_equal(orders_found(&t, &of), 1);
	of.search = "助老";
	assert_int_equal(orders_found(&t, &of), 2);
	of.search = "tv";
	assert_int_equal(orders_found(&t, &of), 1);
	of.search = "_";
	assert_int_equal(orders_found(&t, &of), 0);
	of.search = "助老";
	of.status = "dispatched";
	assert_int_equal(orders_found(&t, &of), 1);
	of.status = NULL;
	struct app_range r = { (int64_t)t1 - 1000, (int64_t)t1 + 1000 };
	of.range = &r;
	assert_int_equal(orders_found(&t, &of), 1); /* 助老 placed at T1 */
	of.search = NULL;
	assert_int_equal(orders_found(&t, &of), 2);
	t_node_free(&t);
}

/* SQLite's heap in use and its peak since the last call. */
static int64_t sqlite_peak_reset(void)
{
	sqlite3_int64 cur = 0, hi = 0;
	sqlite3_status64(SQLITE_STATUS_MEMORY_USED, &cur, &hi, 1);
	return hi;
}

/* What the list's SELECT did (sqlite3_trace_v2 at its end): sorts and
 * virtual machine steps. */
struct t_trace {
	int sorts;
	int steps;
	int seen;
};

static int t_trace_cb(unsigned type, void *ctx, void *p, void *x)
{
	struct t_trace *tr = ctx;
	sqlite3_stmt *st = p;
	(void)x;
	const char *sql = sqlite3_sql(st);
	if (type == SQLITE_TRACE_PROFILE && sql && strstr(sql, "LIMIT ?9")) {
		tr->sorts += sqlite3_stmt_status(st, SQLITE_STMTSTATUS_SORT, 0);
		tr->steps += sqlite3_stmt_status(st, SQLITE_STMTSTATUS_VM_STEP, 0);
		tr->seen++;
	}
	return 0;
}

static void test_pages(void **state)
{
	enum { N = 12000, BATCH = 1000, DETAIL = 2000 };
	struct t_node t;
	static char pk[BATCH][32], detail[DETAIL + 1];
	struct crdt_write *w = calloc(BATCH, sizeof(*w));
	(void)state;
	assert_non_null(w);
	t_node_new(&t, tmp, "s1", "s0001", false);
	app_write_end(&t.a);
	/* 12,000 orders, 2000-byte details (24 MB of text), in a few commits */
	memset(detail, 'x', DETAIL);
	for (int k = 0; k < N / BATCH; k++) {
		assert_int_equal(app_write_begin(&t.a), 0);
		for (int i = 0; i < BATCH; i++) {
			snprintf(pk[i], sizeof(pk[i]), "s0001-o%d", k * BATCH + i + 1);
			crdt_write_init(&w[i], CRDT_T_ORDERS, CRDT_UPSERT, pk[i]);
			crdt_write_set_text(&w[i], CRDT_C_ORDERS_STATION, "s0001");
			crdt_write_set_text(&w[i], CRDT_C_ORDERS_CATEGORY, i % 2 ? "助老" : "维修");
			crdt_write_set_text(&w[i], CRDT_C_ORDERS_DETAIL, detail);
			crdt_write_set_text(&w[i], CRDT_C_ORDERS_STATUS, "open");
			crdt_write_set_int(&w[i], CRDT_C_ORDERS_CREATED_AT, (int64_t)t.a.now_ms + k * BATCH + i);
		}
		assert_int_equal(app_commit(&t.a, "s0001", w, BATCH), 0);
	}
	free(w);
	t_reopen(&t); /* a cold cache, as the next run has */
	app_write_end(&t.a);

	/* page 1 of 50, the last page, a page past the end; in the list's
	 * order (the numbers, not the texts: o10 after o9) */
	struct app_page p = { .limit = 50, .offset = 0 };
	struct app_order_filter f = { .page = &p };
	struct collect c = { 0 };
	struct t_trace tr = { 0 };
	sqlite3_trace_v2(crdt_store_db(t.a.store), SQLITE_TRACE_PROFILE, t_trace_cb, &tr);
	sqlite_peak_reset();
	int64_t before = sqlite3_memory_used();
	assert_int_equal(app_order_list(&t.a, &f, collect_order, &c), 0);
	int64_t peak = sqlite_peak_reset();
	assert_int_equal(c.n, 50);
	assert_int_equal(p.total, N);
	assert_string_equal(c.first, "s0001-o1");
	assert_string_equal(c.last, "s0001-o50");
	/* read in order from the index orders_by_list (crdt/schema.c): no
	 * sort, and work for the page's rows, not the 12,000 */
	sqlite3_trace_v2(crdt_store_db(t.a.store), 0, NULL, NULL);
	print_message("page 1: %d sorts, %d VM steps\n", tr.sorts, tr.steps);
	assert_int_equal(tr.seen, 1);
	assert_int_equal(tr.sorts, 0);
	assert_true(tr.steps < 100 * 50);
	/* the whole list walked, for comparison */
	struct app_page all = { 0 };
	struct app_order_filter fa = { .page = &all };
	struct collect ca = { 0 };
	sqlite_peak_reset();
	int64_t before_all = sqlite3_memory_used();
	assert_int_equal(app_order_list(&t.a, &fa, collect_order, &ca), 0);
	int64_t peak_all = sqlite_peak_reset();
	assert_int_equal(ca.n, N);
	print_message("page of 50 of %d orders: SQLite peak +%lld KB; the whole list +%lld KB\n", N,
		      (long long)(peak - before) / 1024, (long long)(peak_all - before_all) / 1024);
	/* bounded: the rows come from the index one by one, far below the
	 * 24 MB the rows hold (without the index a sort of 12,000 rows) */
	assert_true(peak - before < 1024 * 1024);
	p.offset = N - 30;
	memset(&c, 0, sizeof(c));
	assert_int_equal(app_order_list(&t.a, &f, collect_order, &c), 0);
	assert_int_equal(c.n, 30);
	assert_string_equal(c.last, "s0001-o12000");
	p.offset = N;
	memset(&c, 0, sizeof(c));
	assert_int_equal(app_order_list(&t.a, &f, collect_order, &c), 0);
	assert_int_equal(c.n, 0);
	assert_int_equal(p.total, N);
	/* a page of a search: the total is of the matches */
	p.offset = 0;
	f.search = "助老";
	memset(&c, 0, sizeof(c));
	assert_int_equal(app_order_list(&t.a, &f, collect_order, &c), 0);
	assert_int_equal(p.total, N / 2);
	assert_string_equal(c.first, "s0001-o2");
	t_node_free(&t);
}

/* ---- the report against the queries it had before issue 15 ------------------
 *
 * Until issue 15 the report ran a grouped query per table, each twice (the
 * groups, then the total), and counted active volunteers with
 * count(DISTINCT) over a UNION ALL. Those queries are kept here, as they
 * were, as the definition the faster passes must match on every group
 * and every count, on a replica filled at random (the seed is printed;
 * CUNLIAN_SEED replays one): NULL and empty texts, unknown stations and
 * volunteers, points rows whose order is missing or has no time, deleted
 * rows, statuses outside the list. Hours are multiples of 0.25, so a sum
 * is exact in any order. */

static struct app_report_group *old_group(struct app_report *r, const char *k, bool add)
{
	for (size_t i = 0; i < r->n; i++)
		if (strcmp(r->g[i].key, k) == 0)
			return &r->g[i];
	if (!add)
		return NULL;
	assert_true(r->n < r->cap);
	struct app_report_group *g = &r->g[r->n++];
	memset(g, 0, sizeof(*g));
	snprintf(g->key, sizeof(g->key), "%s", k);
	return g;
}

static void old_key(const char *by, const char *station, char *out, size_t n)
{
	if (strcmp(by, "station") == 0)
		snprintf(out, n, "%s", station);
	else if (strcmp(by, "town") == 0)
		snprintf(out, n, "coalesce(nullif(s.parent, ''), '-')");
	else if (strcmp(by, "team") == 0)
		snprintf(out, n, "coalesce(nullif((SELECT tv.team FROM volunteers_live tv"
			 " WHERE tv.pk = %s), ''), '-')", station);
	else if (strcmp(by, "volunteer") == 0)
		snprintf(out, n, "coalesce(nullif(%s, ''), '-')", station);
	else if (strcmp(by, "category") == 0)
		snprintf(out, n, "coalesce(o.category, '-')");
	else
		snprintf(out, n, "coalesce(strftime('%%Y-%%m', o.created_at / 1000, 'unixepoch',"
			 " 'localtime'), '-')");
}

static void old_range(const struct app_report *r, const char *col, char *out, size_t n)
{
	if (r->from_ms && r->to_ms)
		snprintf(out, n, " WHERE %s >= %lld AND %s < %lld", col, (long long)r->from_ms, col,
			 (long long)r->to_ms);
	else if (r->from_ms)
		snprintf(out, n, " WHERE %s >= %lld", col, (long long)r->from_ms);
	else if (r->to_ms)
		snprintf(out, n, " WHERE %s < %lld", col, (long long)r->to_ms);
	else
		out[0] = '\0';
}

/* Each row of sql into its group (column 0) or the total. */
static void old_rows(sqlite3 *db, struct app_report *r, const char *sql, bool total, int what)
{
	sqlite3_stmt *st;
	assert_int_equal(sqlite3_prepare_v2(db, sql, -1, &st, NULL), SQLITE_OK);
	while (sqlite3_step(st) == SQLITE_ROW) {
		char k[APP_NAME_MAX + 1];
		const unsigned char *p = sqlite3_column_text(st, 0);
		snprintf(k, sizeof(k), "%s", p ? (const char *)p : "");
		struct app_report_group *g = total ? &r->total : old_group(r, k, true);
		if (what == 0) {
			g->orders = sqlite3_column_int64(st, 1);
			for (int i = 0; i < APP_ST_N; i++)
				g->st[i] = sqlite3_column_int64(st, 2 + i);
			g->hours = sqlite3_column_double(st, 8);
			g->rated = sqlite3_column_int64(st, 9);
			g->rating_sum = sqlite3_column_double(st, 10);
			g->satisfied = sqlite3_column_int64(st, 11);
			g->wishes = sqlite3_column_int64(st, 13);
			g->wishes_done = sqlite3_column_int64(st, 14);
		} else if (what == 1) {
			g->issued = sqlite3_column_int64(st, 1);
			g->redeemed = sqlite3_column_int64(st, 2);
		} else if (what == 2) {
			g->active = sqlite3_column_int64(st, 1);
		} else {
			g->activities = sqlite3_column_int64(st, 1);
		}
	}
	assert_int_equal(sqlite3_finalize(st), SQLITE_OK);
}

static void old_report(sqlite3 *db, enum app_report_by by, int64_t from, int64_t to,
		       struct app_report *r)
{
	char sql[2400], key[256], okey[256], pkey[256], ow[200], pw[200], to_s[64], in[200];
	const char *byn = app_report_by_name(by);
	memset(r, 0, sizeof(*r));
	r->by = by;
	r->from_ms = from;
	r->to_ms = to;
	r->cap = 4096;
	r->g = calloc(r->cap, sizeof(*r->g));
	assert_non_null(r->g);
	old_key(byn, by == APP_BY_TEAM || by == APP_BY_VOLUNTEER ? "o.volunteer" : "o.station", key,
		sizeof(key));
	old_range(r, "o.created_at", ow, sizeof(ow));
	old_range(r, "coalesce(p.at, o.created_at)", pw, sizeof(pw));
	for (int total = 0; total < 2; total++) { /* orders */
		snprintf(sql, sizeof(sql),
			 "SELECT %s AS k, count(*),"
			 " sum(o.status = 'open'), sum(o.status = 'dispatched'), sum(o.status = 'accepted'),"
			 " sum(o.status = 'done'), sum(o.status = 'rated'), sum(o.status = 'cancelled'),"
			 " coalesce(sum(CASE WHEN o.status IN ('done', 'rated') THEN o.hours END), 0),"
			 " count(o.rating), coalesce(sum(o.rating), 0), sum(coalesce(o.rating, 0) >= 4),"
			 " 0, coalesce(sum(o.kind = 'wish'), 0),"
			 " coalesce(sum(o.kind = 'wish' AND o.status IN ('done', 'rated')), 0)"
			 " FROM orders_live o LEFT JOIN stations_live s ON s.pk = o.station%s"
			 " GROUP BY k ORDER BY k",
			 total ? "'*'" : key, ow);
		old_rows(db, r, sql, total, 0);
	}
	for (int total = 0; total < 2; total++) { /* points */
		if (total)
			snprintf(pkey, sizeof(pkey), "'*'");
		else if (by == APP_BY_CATEGORY || by == APP_BY_MONTH)
			old_key(byn, "", pkey, sizeof(pkey));
		else if (by == APP_BY_TEAM || by == APP_BY_VOLUNTEER)
			old_key(byn, "p.volunteer", pkey, sizeof(pkey));
		else
			old_key(byn, "coalesce(o.station, p.station)", pkey, sizeof(pkey));
		snprintf(sql, sizeof(sql),
			 "SELECT %s AS k,"
			 " coalesce(sum(CASE WHEN p.delta > 0 THEN p.delta END), 0),"
			 " coalesce(sum(CASE WHEN p.delta < 0 THEN -p.delta END), 0)"
			 " FROM points_live p LEFT JOIN orders_live o ON o.pk = p.\"order\""
			 " LEFT JOIN stations_live s ON s.pk = coalesce(o.station, p.station)%s"
			 " GROUP BY k ORDER BY k",
			 pkey, pw);
		old_rows(db, r, sql, total, 1);
	}
	for (int total = 0; total < 2; total++) { /* active: count(DISTINCT) over a UNION ALL */
		if (total) {
			snprintf(okey, sizeof(okey), "'*'");
		} else {
			old_key(byn, by == APP_BY_TEAM || by == APP_BY_VOLUNTEER ? "o.volunteer" : "o.station",
				okey, sizeof(okey));
			if (by == APP_BY_CATEGORY || by == APP_BY_MONTH)
				old_key(byn, "", pkey, sizeof(pkey));
			else if (by == APP_BY_TEAM || by == APP_BY_VOLUNTEER)
				old_key(byn, "p.volunteer", pkey, sizeof(pkey));
			else
				old_key(byn, "coalesce(o.station, p.station)", pkey, sizeof(pkey));
		}
		snprintf(sql, sizeof(sql),
			 "SELECT k, count(DISTINCT vol) FROM ("
			 "SELECT %s AS k, o.volunteer AS vol"
			 " FROM orders_live o LEFT JOIN stations_live s ON s.pk = o.station%s%s"
			 " o.status IN ('done', 'rated') AND coalesce(o.volunteer, '') != ''"
			 " UNION ALL SELECT %s AS k, p.volunteer AS vol"
			 " FROM points_live p LEFT JOIN orders_live o ON o.pk = p.\"order\""
			 " LEFT JOIN stations_live s ON s.pk = coalesce(o.station, p.station)%s%s"
			 " p.reason = 'hours' AND coalesce(p.hours, 0) > 0 AND coalesce(p.volunteer, '') != ''"
			 ") GROUP BY k ORDER BY k",
			 total ? "'*'" : okey, ow, ow[0] ? " AND" : " WHERE", total ? "'*'" : pkey, pw,
			 pw[0] ? " AND" : " WHERE");
		old_rows(db, r, sql, total, 2);
	}
	for (int total = 0; total < 2; total++) { /* registered and new volunteers */
		if (total || by == APP_BY_VOLUNTEER)
			snprintf(key, sizeof(key), total ? "'*'" : "v.pk");
		else if (by == APP_BY_STATION)
			snprintf(key, sizeof(key), "v.station");
		else if (by == APP_BY_TOWN)
			snprintf(key, sizeof(key), "coalesce(nullif(s.parent, ''), '-')");
		else if (by == APP_BY_TEAM)
			snprintf(key, sizeof(key), "coalesce(nullif(v.team, ''), '-')");
		else if (by == APP_BY_MONTH)
			snprintf(key, sizeof(key), "coalesce(strftime('%%Y-%%m', v.registered_at / 1000,"
				 " 'unixepoch', 'localtime'), '-')");
		else
			continue;
		if (to)
			snprintf(to_s, sizeof(to_s), "coalesce(v.registered_at, 0) < %lld", (long long)to);
		else
			snprintf(to_s, sizeof(to_s), "1");
		snprintf(in, sizeof(in), "%s AND coalesce(v.registered_at, 0) >= %lld", to_s,
			 (long long)from);
		snprintf(sql, sizeof(sql),
			 "SELECT %s AS k, coalesce(sum(%s AND coalesce(v.status, '') != 'left'), 0),"
			 " coalesce(sum(%s), 0)"
			 " FROM volunteers_live v LEFT JOIN stations_live s ON s.pk = v.station"
			 " GROUP BY k ORDER BY k",
			 key, by == APP_BY_MONTH && !total ? in : to_s, in);
		sqlite3_stmt *st;
		assert_int_equal(sqlite3_prepare_v2(db, sql, -1, &st, NULL), SQLITE_OK);
		while (sqlite3_step(st) == SQLITE_ROW) {
			char k[APP_NAME_MAX + 1];
			const unsigned char *p = sqlite3_column_text(st, 0);
			int64_t n = sqlite3_column_int64(st, 1), nw = sqlite3_column_int64(st, 2);
			snprintf(k, sizeof(k), "%s", p ? (const char *)p : "");
			if (!total && by == APP_BY_MONTH && !n && !nw)
				continue;
			struct app_report_group *g =
				total ? &r->total : old_group(r, k, by != APP_BY_VOLUNTEER);
			if (!g)
				continue;
			g->registered = n;
			g->new_vols = nw;
		}
		assert_int_equal(sqlite3_finalize(st), SQLITE_OK);
	}
	for (int total = 0; total < 2; total++) { /* activities */
		if (total)
			snprintf(key, sizeof(key), "'*'");
		else if (by == APP_BY_STATION)
			snprintf(key, sizeof(key), "coalesce(nullif(x.station, ''), '-')");
		else if (by == APP_BY_TOWN)
			snprintf(key, sizeof(key), "coalesce(nullif(s.parent, ''), '-')");
		else if (by == APP_BY_MONTH)
			snprintf(key, sizeof(key), "coalesce(strftime('%%Y-%%m', x.start_at / 1000,"
				 " 'unixepoch', 'localtime'), '-')");
		else
			continue;
		old_range(r, "x.start_at", ow, sizeof(ow));
		snprintf(sql, sizeof(sql),
			 "SELECT %s AS k, count(*) FROM activities_live x"
			 " LEFT JOIN stations_live s ON s.pk = x.station%s GROUP BY k ORDER BY k",
			 key, ow);
		old_rows(db, r, sql, total, 3);
	}
}

/* A random replica: rows written straight into the tables, as merges
 * leave them, with every oddity the readers must survive. */
static uint64_t rnd_state;
static uint32_t rnd(uint32_t n)
{
	rnd_state = rnd_state * 6364136223846793005ULL + 1442695040888963407ULL;
	return (uint32_t)(rnd_state >> 33) % n;
}

static void rnd_text(sqlite3_stmt *st, int i, const char *const *v, size_t n)
{
	const char *s = v[rnd((uint32_t)n)];
	if (s)
		sqlite3_bind_text(st, i, s, -1, SQLITE_TRANSIENT);
	else
		sqlite3_bind_null(st, i);
}

#define NV(a) (sizeof(a) / sizeof((a)[0]))

static void fill_random(sqlite3 *db, int64_t t0)
{
	/* no station is NULL in one row and "" in another: the old queries
	 * grouped those apart and kept one of the two under the key "" (the
	 * passes add them up) */
	static const char *const stations[] = { "s0001", "s0002", "s0003", "s0004", "s9", NULL };
	static const char *const parents[] = { "t01", "t02", "", NULL };
	static const char *const vols[] = { "s0001-v1", "s0001-v2", "s0002-v1", "s0002-v2", "s0003-v1",
					    "s0004-v9", "hub-v1", "ghost-v7", "", NULL };
	static const char *const teams[] = { "s0001-t1", "s0002-t1", "红马甲", "", NULL };
	static const char *const vstatus[] = { "active", "paused", "left", NULL };
	static const char *const ostatus[] = { "open", "dispatched", "accepted", "done", "rated",
					       "cancelled", "done", "rated", "odd", NULL };
	static const char *const kinds[] = { "service", "wish", NULL, "" };
	static const char *const cats[] = { "助老", "维修", "助学", "旧名", NULL, "" };
	static const char *const reasons[] = { "service", "redeem", "adjust", "hours", "hours", NULL };
	sqlite3_stmt *st;
	char pk[32];
	const int64_t day = 86400000;

	assert_int_equal(sqlite3_exec(db, "SAVEPOINT fill", NULL, NULL, NULL), SQLITE_OK);
	/* stations (s9 and "" have no record) */
	assert_int_equal(sqlite3_prepare_v2(db, "INSERT OR REPLACE INTO stations(pk, name, parent, _dead)"
					    " VALUES (?1, ?1, ?2, ?3)", -1, &st, NULL), SQLITE_OK);
	for (int i = 0; i < 4; i++) {
		sqlite3_bind_text(st, 1, stations[i], -1, SQLITE_STATIC);
		rnd_text(st, 2, parents, NV(parents));
		if (rnd(8) == 0)
			sqlite3_bind_int(st, 3, 1);
		else
			sqlite3_bind_null(st, 3);
		assert_int_equal(sqlite3_step(st), SQLITE_DONE);
		sqlite3_reset(st);
	}
	sqlite3_finalize(st);
	/* volunteers: the ids above, and more of each station */
	assert_int_equal(sqlite3_prepare_v2(db, "INSERT OR REPLACE INTO volunteers(pk, name, station, team,"
					    " status, registered_at, _dead) VALUES (?1, ?1, ?2, ?3, ?4, ?5, ?6)",
					    -1, &st, NULL), SQLITE_OK);
	for (int i = 0; i < 60; i++) {
		if (i < 7)
			snprintf(pk, sizeof(pk), "%s", vols[i]);
		else
			snprintf(pk, sizeof(pk), "s000%u-v%d", rnd(4) + 1, 10 + i);
		sqlite3_bind_text(st, 1, pk, -1, SQLITE_TRANSIENT);
		rnd_text(st, 2, stations, NV(stations));
		rnd_text(st, 3, teams, NV(teams));
		rnd_text(st, 4, vstatus, NV(vstatus));
		if (rnd(6) == 0)
			sqlite3_bind_null(st, 5);
		else
			sqlite3_bind_int64(st, 5, t0 - 60 * day + (int64_t)rnd(120) * day + rnd(86400000));
		if (rnd(10) == 0)
			sqlite3_bind_int(st, 6, 1);
		else
			sqlite3_bind_null(st, 6);
		assert_int_equal(sqlite3_step(st), SQLITE_DONE);
		sqlite3_reset(st);
	}
	sqlite3_finalize(st);
	/* orders */
	int norders = 150 + (int)rnd(250);
	assert_int_equal(sqlite3_prepare_v2(db, "INSERT OR REPLACE INTO orders(pk, station, kind, category,"
					    " status, volunteer, hours, rating, created_at, _dead, updated_at)"
					    " VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11)",
					    -1, &st, NULL), SQLITE_OK);
	for (int i = 0; i < norders; i++) {
		snprintf(pk, sizeof(pk), "s000%u-o%d", rnd(4) + 1, i);
		sqlite3_bind_text(st, 1, pk, -1, SQLITE_TRANSIENT);
		rnd_text(st, 2, stations, NV(stations));
		rnd_text(st, 3, kinds, NV(kinds));
		rnd_text(st, 4, cats, NV(cats));
		rnd_text(st, 5, ostatus, NV(ostatus));
		rnd_text(st, 6, vols, NV(vols));
		if (rnd(5) == 0)
			sqlite3_bind_null(st, 7);
		else
			sqlite3_bind_double(st, 7, rnd(17) * 0.25);
		if (rnd(3) == 0)
			sqlite3_bind_null(st, 8);
		else
			sqlite3_bind_int(st, 8, (int)rnd(5) + 1);
		if (rnd(12) == 0)
			sqlite3_bind_null(st, 9);
		else if (rnd(40) == 0) /* before 1971 or after 2037: SQLite's own months */
			sqlite3_bind_int64(st, 9, rnd(2) ? (int64_t)rnd(1000) * day : 2200000000000LL);
		else
			sqlite3_bind_int64(st, 9, t0 - 60 * day + (int64_t)rnd(120) * day + rnd(86400000));
		if (rnd(15) == 0)
			sqlite3_bind_int(st, 10, 1);
		else
			sqlite3_bind_null(st, 10);
		if (rnd(4) == 0)
			sqlite3_bind_null(st, 11);
		else
			sqlite3_bind_int64(st, 11, t0 - 30 * day + (int64_t)rnd(90) * day + rnd(86400000));
		assert_int_equal(sqlite3_step(st), SQLITE_DONE);
		sqlite3_reset(st);
	}
	sqlite3_finalize(st);
	/* points: of an order (held, missing, deleted) or of none */
	assert_int_equal(sqlite3_prepare_v2(db, "INSERT OR REPLACE INTO points(pk, volunteer, delta, reason,"
					    " \"order\", station, at, hours, _dead)"
					    " VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)",
					    -1, &st, NULL), SQLITE_OK);
	for (int i = 0; i < 2 * norders; i++) {
		snprintf(pk, sizeof(pk), "s000%u-p%d", rnd(4) + 1, i);
		sqlite3_bind_text(st, 1, pk, -1, SQLITE_TRANSIENT);
		rnd_text(st, 2, vols, NV(vols));
		sqlite3_bind_int(st, 3, (int)rnd(81) - 40);
		rnd_text(st, 4, reasons, NV(reasons));
		uint32_t o = rnd(4);
		if (o == 0) {
			sqlite3_bind_null(st, 5);
		} else {
			snprintf(pk, sizeof(pk), "s000%u-o%d", rnd(4) + 1, (int)rnd((uint32_t)norders + 20));
			sqlite3_bind_text(st, 5, pk, -1, SQLITE_TRANSIENT);
		}
		rnd_text(st, 6, stations, NV(stations));
		if (rnd(3) == 0)
			sqlite3_bind_null(st, 7);
		else
			sqlite3_bind_int64(st, 7, t0 - 60 * day + (int64_t)rnd(120) * day + rnd(86400000));
		if (rnd(3) == 0)
			sqlite3_bind_null(st, 8);
		else
			sqlite3_bind_double(st, 8, rnd(9) * 0.5);
		if (rnd(15) == 0)
			sqlite3_bind_int(st, 9, 1);
		else
			sqlite3_bind_null(st, 9);
		assert_int_equal(sqlite3_step(st), SQLITE_DONE);
		sqlite3_reset(st);
	}
	sqlite3_finalize(st);
	/* order events: when some orders were done (report --top) */
	assert_int_equal(sqlite3_prepare_v2(db, "INSERT OR REPLACE INTO order_events(pk, \"order\","
					    " to_status, at, _dead) VALUES (?1, ?2, ?3, ?4, ?5)", -1, &st, NULL),
			 SQLITE_OK);
	for (int i = 0; i < norders; i++) {
		static const char *const to[] = { "done", "done", "accepted", "rated" };
		snprintf(pk, sizeof(pk), "e%d", i);
		sqlite3_bind_text(st, 1, pk, -1, SQLITE_TRANSIENT);
		snprintf(pk, sizeof(pk), "s000%u-o%d", rnd(4) + 1, (int)rnd((uint32_t)norders));
		sqlite3_bind_text(st, 2, pk, -1, SQLITE_TRANSIENT);
		sqlite3_bind_text(st, 3, to[rnd(4)], -1, SQLITE_STATIC);
		if (rnd(8) == 0)
			sqlite3_bind_null(st, 4);
		else
			sqlite3_bind_int64(st, 4, t0 - 30 * day + (int64_t)rnd(90) * day + rnd(86400000));
		if (rnd(15) == 0)
			sqlite3_bind_int(st, 5, 1);
		else
			sqlite3_bind_null(st, 5);
		assert_int_equal(sqlite3_step(st), SQLITE_DONE);
		sqlite3_reset(st);
	}
	sqlite3_finalize(st);
	/* activities, one county-wide */
	assert_int_equal(sqlite3_prepare_v2(db, "INSERT OR REPLACE INTO activities(pk, title, station,"
					    " start_at, _dead) VALUES (?1, ?1, ?2, ?3, NULL)", -1, &st, NULL),
			 SQLITE_OK);
	for (int i = 0; i < 12; i++) {
		snprintf(pk, sizeof(pk), "a%d", i);
		sqlite3_bind_text(st, 1, pk, -1, SQLITE_TRANSIENT);
		rnd_text(st, 2, stations, NV(stations));
		sqlite3_bind_int64(st, 3, t0 - 60 * day + (int64_t)rnd(120) * day);
		assert_int_equal(sqlite3_step(st), SQLITE_DONE);
		sqlite3_reset(st);
	}
	sqlite3_finalize(st);
	assert_int_equal(sqlite3_exec(db, "RELEASE fill", NULL, NULL, NULL), SQLITE_OK);
}

static void same_counts(const struct app_report_group *a, const struct app_report_group *b,
			const char *what, enum app_report_by by, int64_t from, int64_t to)
{
	bool same = a->orders == b->orders && a->rated == b->rated && a->satisfied == b->satisfied &&
		    a->active == b->active && a->issued == b->issued && a->redeemed == b->redeemed &&
		    a->registered == b->registered && a->new_vols == b->new_vols &&
		    a->wishes == b->wishes && a->wishes_done == b->wishes_done &&
		    a->activities == b->activities && a->rating_sum == b->rating_sum &&
		    a->hours == b->hours;
	for (int i = 0; i < APP_ST_N; i++)
		same = same && a->st[i] == b->st[i];
	if (!same)
		fail_msg("by %s [%lld, %lld) %s '%s': orders %lld/%lld active %lld/%lld issued %lld/%lld"
			 " redeemed %lld/%lld registered %lld/%lld new %lld/%lld hours %g/%g"
			 " (new/old)",
			 app_report_by_name(by), (long long)from, (long long)to, what, a->key,
			 (long long)a->orders, (long long)b->orders, (long long)a->active,
			 (long long)b->active, (long long)a->issued, (long long)b->issued,
			 (long long)a->redeemed, (long long)b->redeemed, (long long)a->registered,
			 (long long)b->registered, (long long)a->new_vols, (long long)b->new_vols,
			 a->hours, b->hours);
}

static void test_old_queries(void **state)
{
	struct t_node t;
	const char *env = getenv("CUNLIAN_SEED");
	uint64_t seed = env ? strtoull(env, NULL, 10) : (uint64_t)time(NULL);
	(void)state;
	printf("test_old_queries: seed %llu (CUNLIAN_SEED=%llu replays it)\n", (unsigned long long)seed,
	       (unsigned long long)seed);
	fflush(stdout);
	rnd_state = seed;
	for (int round = 0; round < 4; round++) {
		char name[16];
		snprintf(name, sizeof(name), "hub%d", round);
		t_node_new(&t, tmp, name, "c01", true);
		sqlite3 *db = crdt_store_db(t.a.store);
		fill_random(db, (int64_t)t.a.now_ms);
		for (int by = APP_BY_STATION; by <= APP_BY_VOLUNTEER; by++) {
			for (int rg = 0; rg < 4; rg++) {
				const int64_t day = 86400000;
				int64_t from = rg & 1 ? (int64_t)t.a.now_ms - (int64_t)rnd(50) * day : 0;
				int64_t to = rg & 2 ? (int64_t)t.a.now_ms + (int64_t)rnd(50) * day : 0;
				struct app_report nw, old;
				assert_int_equal(app_report_build_range(&t.a, (enum app_report_by)by, from, to,
									&nw),
						 0);
				old_report(db, (enum app_report_by)by, from, to, &old);
				same_counts(&nw.total, &old.total, "total", (enum app_report_by)by, from, to);
				for (size_t i = 0; i < old.n; i++) {
					const struct app_report_group *g = NULL;
					for (size_t j = 0; j < nw.n && !g; j++)
						if (strcmp(nw.g[j].key, old.g[i].key) == 0)
							g = &nw.g[j];
					if (!g)
						fail_msg("seed %llu by %s: group '%s' missing",
							 (unsigned long long)seed,
							 app_report_by_name((enum app_report_by)by),
							 old.g[i].key);
					same_counts(g, &old.g[i], "group", (enum app_report_by)by, from, to);
				}
				/* the new report has no group the old one lacked (by
				 * category, the menu's own groups come on top: C4) */
				for (size_t j = 0; j < nw.n; j++) {
					if (old_group(&old, nw.g[j].key, false))
						continue;
					if (by == APP_BY_CATEGORY && nw.g[j].orders == 0 && nw.g[j].issued == 0 &&
					    nw.g[j].redeemed == 0 && nw.g[j].active == 0)
						continue;
					fail_msg("seed %llu by %s: group '%s' is new",
						 (unsigned long long)seed,
						 app_report_by_name((enum app_report_by)by), nw.g[j].key);
				}
				app_report_release(&nw);
				free(old.g);
			}
		}
		t_node_free(&t);
	}
}

/* report --top against the grouped query it had before issue 15 (the
 * same random replicas, with order events and times of change). */
#define OLD_TOP_WORK \
	"SELECT o.volunteer AS vid, coalesce((SELECT max(e.at) FROM order_events_live e" \
	"  WHERE e.\"order\" = o.pk AND e.to_status = 'done'), o.updated_at, o.created_at) AS at," \
	"  o.hours AS h FROM orders_live o WHERE o.status IN ('done', 'rated') AND o.hours > 0" \
	" UNION ALL SELECT p.volunteer, p.at, p.hours FROM points_live p" \
	"  WHERE p.hours > 0 AND p.at IS NOT NULL AND (p.reason = 'hours' OR (p.reason = 'service'" \
	"  AND NOT EXISTS (SELECT 1 FROM orders_live o WHERE o.pk = p.\"order\")))"

struct top_seen {
	struct app_top_row *r;
	size_t n;
};

static int top_collect(void *arg, const struct app_top_row *r)
{
	struct top_seen *s = arg;
	s->r = realloc(s->r, (s->n + 1) * sizeof(*s->r));
	assert_non_null(s->r);
	s->r[s->n++] = *r;
	return 0;
}

static void top_compare(struct t_node *t, enum app_top_period p, enum app_top_by by, int limit,
			int64_t from, int64_t to)
{
	static const char *const period_sql[] = {
		[APP_TOP_MONTH] = "strftime('%Y-%m', w.at / 1000, 'unixepoch', 'localtime')",
		[APP_TOP_QUARTER] = "strftime('%Y', w.at / 1000, 'unixepoch', 'localtime') || '-Q' ||"
				    " ((CAST(strftime('%m', w.at / 1000, 'unixepoch', 'localtime') AS INTEGER) + 2) / 3)",
	};
	static const char *const group_sql[] = {
		[APP_TOP_COUNTY] = "''",
		[APP_TOP_STATION] = "v.station",
		[APP_TOP_TOWN] = "coalesce(nullif((SELECT s.parent FROM stations_live s WHERE s.pk = v.station), ''), '-')",
	};
	char sql[2048];
	struct top_seen seen = { 0 };
	sqlite3_stmt *st;
	size_t i = 0;
	assert_int_equal(app_top_list_range(&t->a, p, by, limit, from, to, top_collect, &seen), 0);
	snprintf(sql, sizeof(sql),
		 "SELECT period, grp, rnk, vid, name, station, hours FROM ("
		 " SELECT period, grp, vid, name, station, hours, row_number() OVER"
		 "  (PARTITION BY period, grp ORDER BY hours DESC, vid) AS rnk FROM ("
		 "  SELECT %s AS period, %s AS grp, v.pk AS vid, v.name AS name,"
		 "   v.station AS station, sum(w.h) AS hours"
		 "  FROM (" OLD_TOP_WORK ") w JOIN volunteers_live v ON v.pk = w.vid"
		 "  WHERE w.at >= %lld AND w.at < %lld"
		 "  GROUP BY period, grp, v.pk))"
		 " WHERE rnk <= %d ORDER BY period DESC, grp, rnk",
		 period_sql[p], group_sql[by], (long long)(from ? from : INT64_MIN),
		 (long long)(to ? to : INT64_MAX), limit);
	assert_int_equal(sqlite3_prepare_v2(crdt_store_db(t->a.store), sql, -1, &st, NULL), SQLITE_OK);
	for (; sqlite3_step(st) == SQLITE_ROW; i++) {
		char period[16], grp[CRDT_SCOPE_MAX + 1], vid[APP_ID_MAX + 1];
		app_col_text(st, 0, period, sizeof(period));
		app_col_text(st, 1, grp, sizeof(grp));
		app_col_text(st, 3, vid, sizeof(vid));
		if (i >= seen.n)
			fail_msg("top %d/%d [%lld, %lld): row %zu (%s %s %s) missing", (int)p, (int)by,
				 (long long)from, (long long)to, i, period, grp, vid);
		const struct app_top_row *r = &seen.r[i];
		if (strcmp(r->period, period) || strcmp(r->group, grp) || strcmp(r->id, vid) ||
		    r->rank != sqlite3_column_int(st, 2) || r->hours != sqlite3_column_double(st, 6))
			fail_msg("top %d/%d [%lld, %lld) row %zu: %s %s %d %s %g, old %s %s %d %s %g", (int)p,
				 (int)by, (long long)from, (long long)to, i, r->period, r->group, r->rank,
				 r->id, r->hours, period, grp, sqlite3_column_int(st, 2), vid,
				 sqlite3_column_double(st, 6));
	}
	sqlite3_finalize(st);
	if (i != seen.n)
		fail_msg("top %d/%d: %zu rows, old %zu", (int)p, (int)by, seen.n, i);
	free(seen.r);
}

static void test_top_old_query(void **state)
{
	struct t_node t;
	const char *env = getenv("CUNLIAN_SEED");
	uint64_t seed = env ? strtoull(env, NULL, 10) : (uint64_t)time(NULL) + 1;
	(void)state;
	printf("test_top_old_query: seed %llu (CUNLIAN_SEED=%llu replays it)\n", (unsigned long long)seed,
	       (unsigned long long)seed);
	fflush(stdout);
	rnd_state = seed;
	for (int round = 0; round < 3; round++) {
		char name[16];
		snprintf(name, sizeof(name), "top%d", round);
		t_node_new(&t, tmp, name, "c01", true);
		sqlite3 *db = crdt_store_db(t.a.store);
		fill_random(db, (int64_t)t.a.now_ms);
		for (int p = APP_TOP_MONTH; p <= APP_TOP_QUARTER; p++)
			for (int by = APP_TOP_COUNTY; by <= APP_TOP_TOWN; by++)
				for (int rg = 0; rg < 3; rg++) {
					const int64_t day = 86400000;
					int64_t from = rg ? (int64_t)t.a.now_ms - (int64_t)rnd(50) * day : 0;
					int64_t to = rg == 2 ? (int64_t)t.a.now_ms + (int64_t)rnd(50) * day : 0;
					top_compare(&t, (enum app_top_period)p, (enum app_top_by)by,
						    1 + (int)rnd(5), from, to);
				}
		t_node_free(&t);
	}
}

int main(void)
{
	setenv("TZ", "Asia/Shanghai", 1); /* the days of test_days */
	tzset();
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_range, setup, teardown),
		cmocka_unit_test_setup_teardown(test_days, setup, teardown),
		cmocka_unit_test_setup_teardown(test_groups, setup, teardown),
		cmocka_unit_test_setup_teardown(test_csv_bytes, setup, teardown),
		cmocka_unit_test_setup_teardown(test_search, setup, teardown),
		cmocka_unit_test_setup_teardown(test_pages, setup, teardown),
		cmocka_unit_test_setup_teardown(test_old_queries, setup, teardown),
		cmocka_unit_test_setup_teardown(test_top_old_query, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
