// SPDX-License-Identifier: MIT
/*
 * test_app_report.c - the county report over a range of time
 * (app_report_build_range, the hub's dashboard): an order counts when it
 * was placed in [from, to), a points row when it was credited or redeemed
 * then; 0 leaves an end open; app_report_build() is the whole range. A
 * real node (tests/app_node.h), orders, a finished order's credit and a
 * redemption made through app/.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>

#include "base/err.h"
#include "app/order.h"
#include "app/points.h"
#include "app/report.h"
#include "app/category.h"
#include "app/volunteer.h"
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

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_range, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
