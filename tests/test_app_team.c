// SPDX-License-Identifier: MIT
/*
 * test_app_team.c - the operations of app/team.c and app/top.c on real
 * nodes (a home in a temporary folder, a real identity, a SQLite replica,
 * every commit sealed): teams added, joined and left; points adjusted and
 * hours recorded outside orders; the month's outstanding volunteers. Each
 * success, and each refusal: the reason recorded and the replica exactly
 * as before (tests/app_node.h t_refused).
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "base/err.h"
#include "app/app.h"
#include "app/points.h"
#include "app/team.h"
#include "app/volunteer.h"
#include "tests/helpers.h"
#include "tests/app_node.h"

static void t_vol(struct t_node *t, const char *name, const char *phone, const char *station,
		  const char *team)
{
	struct app_volunteer_in in = { .name = name, .phone = phone, .station = station, .team = team };
	char id[APP_ID_MAX + 1];
	assert_int_equal(app_volunteer_add(&t->a, &in, id, sizeof(id)), 0);
	t_reopen(t);
}

static void test_team_add_join_leave(void **state)
{
	struct t_node t;
	struct app_team tm;
	struct app_team_move r;
	struct app_volunteer v;
	char label[APP_NAME_MAX + 1];
	const char *dir = t_tmpdir();
	(void)state;
	t_node_new(&t, dir, "s1", "s0001", false);
	t_vol(&t, "王伟", "13800001111", NULL, "老队伍");
	t_vol(&t, "李娜", "13800002222", NULL, NULL);
	struct app_team_in in = { .name = "红马甲", .leader = "王伟" };
	assert_int_equal(app_team_add(&t.a, &in, &tm), 0);
	assert_string_equal(tm.id, "s0001-t1");
	assert_string_equal(tm.station, "s0001");
	assert_string_equal(tm.leader, "s0001-v1");
	assert_string_equal(tm.leader_name, "王伟");
	t_reopen(&t);
	/* an old free-text team reads as it was */
	app_team_label(&t.a, "老队伍", label, sizeof(label));
	assert_string_equal(label, "老队伍");
	assert_int_equal(app_team_join(&t.a, "红马甲", "王伟", NULL, &r), 0);
	assert_string_equal(r.before, "老队伍");
	assert_int_equal(r.team.members, 1);
	t_reopen(&t);
	assert_int_equal(app_volunteer_load(&t.a, "s0001-v1", &v), 0);
	assert_string_equal(v.team, "s0001-t1");
	app_team_label(&t.a, v.team, label, sizeof(label));
	assert_string_equal(label, "红马甲");
	assert_int_equal(app_team_join(&t.a, "s0001-t1", "s0001-v2", NULL, &r), 0);
	t_reopen(&t);
	assert_int_equal(app_team_find(&t.a, "红马甲", &tm), 0);
	assert_int_equal(tm.members, 2);
	assert_int_equal(app_team_leave(&t.a, "李娜", NULL, &r), 0);
	assert_string_equal(r.team.name, "红马甲");
	t_reopen(&t);
	assert_int_equal(app_volunteer_load(&t.a, "s0001-v2", &v), 0);
	assert_string_equal(v.team, "");
	assert_int_equal(app_team_load(&t.a, "s0001-t1", &tm), 0);
	assert_int_equal(tm.members, 1);
	/* volunteer set --team with a team's name writes its id; another
	 * text stays a free-text team */
	struct app_volunteer_in ch = { .team = "红马甲" };
	assert_int_equal(app_volunteer_set(&t.a, "s0001-v2", &ch, &v), 0);
	t_reopen(&t);
	assert_int_equal(app_volunteer_load(&t.a, "s0001-v2", &v), 0);
	assert_string_equal(v.team, "s0001-t1");
	ch.team = "别的队";
	assert_int_equal(app_volunteer_set(&t.a, "s0001-v2", &ch, &v), 0);
	t_reopen(&t);
	assert_int_equal(app_volunteer_load(&t.a, "s0001-v2", &v), 0);
	assert_string_equal(v.team, "别的队");
	t_node_free(&t);
	t_rmdir(dir);
}

static void test_team_refusals(void **state)
{
	struct t_node t, h;
	struct t_state before;
	struct app_team tm;
	struct app_team_move r;
	const char *dir = t_tmpdir();
	(void)state;
	t_node_new(&t, dir, "s1", "s0001", false);
	t_vol(&t, "王伟", "13800001111", NULL, NULL);
	struct app_team_in in = { .name = "红马甲" };
	assert_int_equal(app_team_add(&t.a, &in, &tm), 0);
	t_reopen(&t);
	t_state(&t, &before);
	struct app_team_in bad[] = {
		{ .name = "红马甲" },                       /* taken */
		{ .name = "" },                             /* no name */
		{ .name = "a\x01" },                        /* control character */
		{ .name = "别站", .station = "s0002" },     /* another station's */
		{ .name = "新队", .leader = "没这人" },      /* no such leader */
	};
	const int want_rc[] = { ERR_RULE, ERR_USAGE, ERR_USAGE, ERR_RULE, ERR_NOTFOUND };
	const enum app_why want_why[] = { APP_W_TEAM_NAME_TAKEN, APP_W_TEAM_BAD_NAME, APP_W_TEAM_BAD_NAME,
					  APP_W_TEAM_NOT_OURS, APP_W_VOLUNTEER_NOT_FOUND };
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		t_refused(&t, &before, app_team_add(&t.a, &bad[i], &tm), want_rc[i], want_why[i]);
	t_refused(&t, &before, app_team_join(&t.a, "没这队", "王伟", NULL, &r), ERR_NOTFOUND,
		  APP_W_TEAM_NOT_FOUND);
	t_refused(&t, &before, app_team_leave(&t.a, "王伟", NULL, &r), ERR_RULE, APP_W_TEAM_NONE);
	assert_int_equal(app_team_join(&t.a, "红马甲", "王伟", NULL, &r), 0);
	t_reopen(&t);
	t_state(&t, &before);
	t_refused(&t, &before, app_team_join(&t.a, "红马甲", "王伟", NULL, &r), ERR_RULE, APP_W_TEAM_ALREADY);
	t_node_free(&t);

	/* the hub: a team of s0002, which a volunteer of s0001 may not join */
	t_node_new(&h, dir, "hub", "c01", true);
	t_vol(&h, "张三", "13800003333", "s0001", NULL);
	struct app_team_in other = { .name = "西队", .station = "s0002" };
	assert_int_equal(app_team_add(&h.a, &other, &tm), 0);
	assert_string_equal(tm.id, "hub-t1");
	t_reopen(&h);
	t_state(&h, &before);
	t_refused(&h, &before, app_team_join(&h.a, "hub-t1", "张三", NULL, &r), ERR_RULE,
		  APP_W_TEAM_OTHER_STATION);
	struct app_team_in lead = { .name = "东队", .station = "s0002", .leader = "张三" };
	t_refused(&h, &before, app_team_add(&h.a, &lead, &tm), ERR_RULE, APP_W_TEAM_LEADER_ELSEWHERE);
	t_node_free(&h);
	t_rmdir(dir);
}

static void test_adjust_and_hours(void **state)
{
	struct t_node t;
	struct t_state before;
	struct app_ledger_result r;
	struct app_volunteer_card c;
	int64_t bal;
	const char *dir = t_tmpdir();
	(void)state;
	t_node_new(&t, dir, "s1", "s0001", false);
	t_vol(&t, "王伟", "13800001111", NULL, NULL);
	assert_int_equal(app_points_adjust(&t.a, "王伟", "+30", "补录", NULL, &r), 0);
	assert_int_equal(r.points, 30);
	assert_int_equal(r.balance, 30);
	t_reopen(&t);
	assert_int_equal(app_points_adjust(&t.a, "s0001-v1", "-10", "误记", NULL, &r), 0);
	assert_int_equal(r.balance, 20);
	t_reopen(&t);
	assert_int_equal(app_hours_add(&t.a, "王伟", "2.5", "重阳节活动", NULL, &r), 0);
	assert_int_equal(r.points, 25); /* 10 points per hour by default */
	t_reopen(&t);
	assert_int_equal(app_points_balance(&t.a, "s0001-v1", &bal), 0);
	assert_int_equal(bal, 45);
	assert_int_equal(app_volunteer_card(&t.a, "s0001-v1", &c), 0);
	assert_true(c.hours == 2.5);
	t_state(&t, &before);
	t_refused(&t, &before, app_points_adjust(&t.a, "王伟", "-46", "扣多了", NULL, &r), ERR_RULE,
		  APP_W_LEDGER_OVERDRAW);
	t_refused(&t, &before, app_points_adjust(&t.a, "王伟", "0", "零", NULL, &r), ERR_USAGE,
		  APP_W_LEDGER_BAD_POINTS);
	t_refused(&t, &before, app_points_adjust(&t.a, "王伟", "x", "字", NULL, &r), ERR_USAGE,
		  APP_W_LEDGER_BAD_POINTS);
	t_refused(&t, &before, app_points_adjust(&t.a, "王伟", "5", NULL, NULL, &r), ERR_USAGE,
		  APP_W_LEDGER_BAD_REASON);
	t_refused(&t, &before, app_hours_add(&t.a, "王伟", "25", "太长", NULL, &r), ERR_USAGE,
		  APP_W_LEDGER_BAD_HOURS);
	t_refused(&t, &before, app_hours_add(&t.a, "王伟", "0", "零", NULL, &r), ERR_USAGE,
		  APP_W_LEDGER_BAD_HOURS);
	t_refused(&t, &before, app_hours_add(&t.a, "没这人", "1", "无", NULL, &r), ERR_NOTFOUND,
		  APP_W_VOLUNTEER_NOT_FOUND);
	/* a visiting volunteer's adjustment (APP_W_LEDGER_NO_RIGHT): teams.sh,
	 * where the other station knows the volunteer's station */
	t_node_free(&t);
	t_rmdir(dir);
}

struct t_top {
	int n;
	struct app_top_row first;
};

static int t_top_row(void *arg, const struct app_top_row *r)
{
	struct t_top *tt = arg;
	if (!tt->n++)
		tt->first = *r;
	return 0;
}

static void test_top(void **state)
{
	struct t_node t;
	struct app_ledger_result r;
	struct t_top tt = { 0 };
	enum app_top_period p;
	enum app_top_by by;
	const char *dir = t_tmpdir();
	(void)state;
	t_node_new(&t, dir, "s1", "s0001", false);
	t_vol(&t, "王伟", "13800001111", NULL, NULL);
	t_vol(&t, "李娜", "13800002222", NULL, NULL);
	assert_int_equal(app_hours_add(&t.a, "王伟", "1", "活动", NULL, &r), 0);
	t_reopen(&t);
	assert_int_equal(app_hours_add(&t.a, "李娜", "3", "活动", NULL, &r), 0);
	t_reopen(&t);
	assert_int_equal(app_top_list(&t.a, APP_TOP_MONTH, APP_TOP_STATION, 10, t_top_row, &tt), 0);
	assert_int_equal(tt.n, 2);
	assert_string_equal(tt.first.id, "s0001-v2");
	assert_int_equal(tt.first.rank, 1);
	assert_string_equal(tt.first.group, "s0001");
	assert_true(tt.first.hours == 3);
	memset(&tt, 0, sizeof(tt));
	assert_int_equal(app_top_list(&t.a, APP_TOP_QUARTER, APP_TOP_COUNTY, 1, t_top_row, &tt), 0);
	assert_int_equal(tt.n, 1);
	assert_non_null(strstr(tt.first.period, "-Q"));
	assert_int_equal(app_top_period_parse("year", &p), ERR_USAGE);
	assert_int_equal(app_top_by_parse("team", &by), ERR_USAGE);
	t_node_free(&t);
	t_rmdir(dir);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_team_add_join_leave),
		cmocka_unit_test(test_team_refusals),
		cmocka_unit_test(test_adjust_and_hours),
		cmocka_unit_test(test_top),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
