// SPDX-License-Identifier: MIT
/*
 * test_app_activity.c - activities with check-in (app/activity.c) on real
 * nodes: a home in a temporary folder with node.conf, a real Ed25519
 * identity, a SQLite replica, every commit sealed. Each operation's
 * success; each refusal with its reason and the replica exactly as before
 * (digest and commit count); the rules A1..A10; and capacity never
 * exceeded when the hub and the station sign people up offline, at random
 * (seeded: the seed is printed), merged both ways.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <sys/stat.h>
#include <cmocka.h>
#include <sqlite3.h>

#include "base/err.h"
#include "base/mem.h"
#include "app/app.h"
#include "app/activity.h"
#include "app/points.h"
#include "tests/helpers.h"
#include "tests/app_node.h"

/* Volunteer id of station, named name, with a phone of its own. */
static void t_vol(struct t_node *t, const char *id, const char *name, const char *station)
{
	struct crdt_write w;
	static unsigned k;
	char phone[32];
	snprintf(phone, sizeof(phone), "139%08u", ++k); /* one phone each */
	crdt_write_init(&w, CRDT_T_VOLUNTEERS, CRDT_UPSERT, id);
	crdt_write_set_text(&w, CRDT_C_VOLUNTEERS_NAME, name);
	crdt_write_set_text(&w, CRDT_C_VOLUNTEERS_PHONE, phone);
	crdt_write_set_text(&w, CRDT_C_VOLUNTEERS_STATION, station);
	crdt_write_set_text(&w, CRDT_C_VOLUNTEERS_STATUS, "active");
	assert_int_equal(app_write_begin(&t->a), 0);
	assert_int_equal(app_commit(&t->a, station, &w, 1), 0);
}

static void t_act(struct t_node *t, const char *capacity, struct app_activity *x)
{
	struct app_activity_new in = { .title = "敬老院打扫", .place = "敬老院", .start = "2025-03-01 09:00",
				       .end = "2025-03-01 11:00", .capacity = capacity, .hours = "2" };
	assert_int_equal(app_activity_add(&t->a, &in, x), 0);
}

static enum app_act_state t_st(struct t_node *t, const char *act, const char *vid)
{
	struct app_activity_person *p = NULL;
	enum app_act_state s = APP_ACT_NONE;
	size_t n = 0;
	assert_int_equal(app_activity_people(&t->a, act, &p, &n), 0);
	for (size_t i = 0; i < n; i++)
		if (strcmp(p[i].volunteer, vid) == 0)
			s = p[i].state;
	mem_free(p);
	return s;
}

static int64_t t_seats(struct t_node *t, const char *act)
{
	struct app_activity x;
	assert_int_equal(app_activity_find(&t->a, act, &x), 0);
	return x.seats;
}

/* commits carried from one to the other, as a sync does: outside the
 * runs' write transactions (what an operation the run began wrote, such
 * as app_activity_settle's decisions, is ended first) */
#define T_MEET(from, to)                                                           \
	do {                                                                        \
		if ((from).a.writing)                                               \
			assert_int_equal(app_write_end(&(from).a), 0);              \
		if ((to).a.writing)                                                 \
			assert_int_equal(app_write_end(&(to).a), 0);                \
		assert_true(t_sync((from).a.store, (to).a.store, (to).a.now_ms) >= 0); \
		t_reopen(&(to));                                                    \
	} while (0)

static void test_parse_datetime(void **state)
{
	struct app a;
	int64_t ms;
	(void)state;
	app_init(&a);
	assert_int_equal(app_parse_datetime(&a, "--start", "2025-03-01 09:00", &ms), 0);
	assert_int_equal(ms, 1740790800000LL); /* 01:00 UTC */
	assert_int_equal(app_parse_datetime(&a, "--start", "2025-03-01T09:30", &ms), 0);
	assert_int_equal(ms, 1740792600000LL);
	assert_int_equal(app_parse_datetime(&a, "--start", "2025-03-01", &ms), 0);
	assert_int_equal(ms, 1740758400000LL);
	const char *bad[] = { "", "2025-02-30 09:00", "2025-13-01 09:00", "2025-03-01 24:00", "2025-03-01 9:00",
			      "2025-3-1 09:00", "2025-03-01 09:00x", " 2025-03-01", "+025-03-01", "2025-03-01 09-00",
			      "1999-01-01", "明天上午九点" };
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		print_message("bad time %zu: %s\n", i, bad[i]);
		assert_int_equal(app_parse_datetime(&a, "--start", bad[i], &ms), ERR_USAGE);
		assert_int_equal(a.fail.why, APP_W_ACT_BAD_TIME);
		assert_string_equal(a.fail.arg[1], bad[i]);
		app_fail_clear(&a);
	}
	assert_int_equal(app_parse_datetime(&a, "--start", NULL, &ms), ERR_USAGE);
}

/* A1, A10: publishing, and every refusal leaving the replica as it was. */
static void test_add(void **state)
{
	struct t_node t, hub;
	struct t_state s;
	struct app_activity x, *v;
	size_t n;
	(void)state;
	const char *dir = t_tmpdir();
	t_node_new(&t, dir, "s1", "s0001", false);
	t_act(&t, "2", &x);
	assert_string_equal(x.id, "s0001-a1");
	assert_string_equal(x.station, "s0001");
	assert_int_equal(x.capacity, 2);
	assert_true(x.home);
	assert_int_equal(app_activity_list(&t.a, false, 0, 0, &v, &n), 0);
	assert_int_equal(n, 1);
	assert_string_equal(v[0].title, "敬老院打扫");
	mem_free(v);
	/* overlapping a day: 2025-03-01 (+08:00) holds it, 03-02 does not */
	assert_int_equal(app_activity_list(&t.a, false, 1740758400000LL, 1740844800000LL, &v, &n), 0);
	assert_int_equal(n, 1);
	mem_free(v);
	assert_int_equal(app_activity_list(&t.a, false, 1740844800000LL, 1740931200000LL, &v, &n), 0);
	assert_int_equal(n, 0);
	mem_free(v);

	t_state(&t, &s);
	const char *S = "2025-03-01 09:00", *E = "2025-03-01 11:00";
	struct app_activity_new bad[] = {
		{ .title = "", .place = "p", .start = S, .end = E, .capacity = "2", .hours = "2" },
		{ .title = "\xe3\x80\x80", .place = "p", .start = S, .end = E, .capacity = "2", .hours = "2" },
		{ .title = "t", .place = NULL, .start = S, .end = E, .capacity = "2", .hours = "2" },
		{ .title = "t", .place = "p", .start = "tomorrow", .end = E, .capacity = "2", .hours = "2" },
		{ .title = "t", .place = "p", .start = S, .end = S, .capacity = "2", .hours = "2" },
		{ .title = "t", .place = "p", .start = S, .end = E, .capacity = "0", .hours = "2" },
		{ .title = "t", .place = "p", .start = S, .end = E, .capacity = "10001", .hours = "2" },
		{ .title = "t", .place = "p", .start = S, .end = E, .capacity = "2", .hours = "0" },
		{ .title = "t", .place = "p", .start = S, .end = E, .capacity = "2", .hours = "25" },
		{ .title = "t", .place = "p", .start = S, .end = E, .capacity = "2", .hours = "2", .station = "s0002" },
		{ .title = "t", .place = "p", .start = S, .end = E, .capacity = "2", .hours = "2", .station = "x y" },
	};
	const int want_rc[] = { ERR_USAGE, ERR_USAGE, ERR_USAGE, ERR_USAGE, ERR_USAGE, ERR_USAGE,
				ERR_USAGE, ERR_USAGE, ERR_USAGE, ERR_RULE,  ERR_USAGE };
	const enum app_why want_why[] = { APP_W_ACT_BAD_TITLE,	  APP_W_ACT_BAD_TITLE,	  APP_W_ACT_BAD_PLACE,
					  APP_W_ACT_BAD_TIME,	  APP_W_ACT_END_BEFORE,	  APP_W_ACT_BAD_CAPACITY,
					  APP_W_ACT_BAD_CAPACITY, APP_W_ACT_BAD_HOURS,	  APP_W_ACT_BAD_HOURS,
					  APP_W_ACT_STATION,	  APP_W_BAD_STATION_ID };
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		print_message("refusal %zu\n", i);
		t_refused(&t, &s, app_activity_add(&t.a, &bad[i], &x), want_rc[i], want_why[i]);
		assert_string_equal(x.id, "");
	}
	/* the hub: county-wide by default (home: the hub), or for a station */
	t_node_new(&hub, dir, "hub", "c01", true);
	t_act(&hub, "5", &x);
	assert_string_equal(x.id, "hub-a1");
	assert_string_equal(x.station, "");
	assert_true(x.home);
	struct app_activity_new for_s = { .title = "t", .place = "p", .start = S, .end = E, .capacity = "2",
					  .hours = "1.5", .station = "s0001" };
	assert_int_equal(app_activity_add(&hub.a, &for_s, &x), 0);
	assert_string_equal(x.station, "s0001");
	assert_false(x.home);
	t_node_free(&hub);
	t_node_free(&t);
	t_rmdir(dir);
}

/* A2..A5 at the home: firm, waitlisted, one sign-up each, cancellation
 * gives the seat to the first waiting. */
static void test_signup_cancel(void **state)
{
	struct t_node t;
	struct t_state s;
	struct app_activity x;
	struct app_activity_result r;
	struct app_volunteer_found f;
	(void)state;
	const char *dir = t_tmpdir();
	t_node_new(&t, dir, "s1", "s0001", false);
	t_vol(&t, "s0001-v1", "王伟", "s0001");
	t_vol(&t, "s0001-v2", "李娜", "s0001");
	t_vol(&t, "s0001-v3", "张强", "s0001");
	t_vol(&t, "s0001-v4", "赵敏", "s0001");
	t_act(&t, "2", &x);
	assert_int_equal(app_activity_signup(&t.a, x.id, "王伟", &f, &r), 0);
	assert_int_equal(r.state, APP_ACT_SIGNED);
	assert_int_equal(r.act.seats, 1);
	assert_int_equal(app_activity_signup(&t.a, x.id, "李娜", &f, &r), 0);
	assert_int_equal(r.state, APP_ACT_SIGNED);
	assert_int_equal(app_activity_signup(&t.a, x.id, "s0001-v3", &f, &r), 0);
	assert_int_equal(r.state, APP_ACT_WAITING);
	assert_int_equal(r.act.seats, 2);
	assert_int_equal(app_activity_signup(&t.a, x.id, "赵敏", &f, &r), 0);
	assert_int_equal(r.state, APP_ACT_WAITING);
	assert_int_equal(r.act.waiting, 2);

	t_state(&t, &s);
	t_refused(&t, &s, app_activity_signup(&t.a, x.id, "王伟", &f, &r), ERR_RULE, APP_W_ACT_ALREADY);
	t_refused(&t, &s, app_activity_signup(&t.a, x.id, "张强", &f, &r), ERR_RULE, APP_W_ACT_ALREADY);
	t_refused(&t, &s, app_activity_signup(&t.a, "s0001-a9", "张强", &f, &r), ERR_NOTFOUND,
		  APP_W_ACT_NOT_FOUND);
	t_refused(&t, &s, app_activity_signup(&t.a, x.id, "无名", &f, &r), ERR_NOTFOUND,
		  APP_W_VOLUNTEER_NOT_FOUND);

	/* A5: 李娜 cancels, 张强 (the first waiting) gets the seat at once */
	assert_int_equal(app_activity_cancel(&t.a, x.id, "李娜", &f, &r), 0);
	assert_int_equal(r.state, APP_ACT_NONE);
	assert_int_equal(r.act.seats, 2);
	assert_int_equal(t_st(&t, x.id, "s0001-v3"), APP_ACT_SIGNED);
	assert_int_equal(t_st(&t, x.id, "s0001-v4"), APP_ACT_WAITING);
	t_state(&t, &s);
	t_refused(&t, &s, app_activity_cancel(&t.a, x.id, "李娜", &f, &r), ERR_RULE, APP_W_ACT_NOT_SIGNED);
	/* A4: after a cancellation one may sign up again: to the waitlist */
	assert_int_equal(app_activity_signup(&t.a, x.id, "李娜", &f, &r), 0);
	assert_int_equal(r.state, APP_ACT_WAITING);
	/* a waitlisted person cancels: nobody moves */
	assert_int_equal(app_activity_cancel(&t.a, x.id, "赵敏", &f, &r), 0);
	assert_int_equal(t_st(&t, x.id, "s0001-v2"), APP_ACT_WAITING);
	assert_int_equal(t_seats(&t, x.id), 2);
	/* A11: at the end and after it, nobody signs up */
	t.a.now_ms = (uint64_t)x.end_at;
	t_state(&t, &s);
	t_refused(&t, &s, app_activity_signup(&t.a, x.id, "赵敏", &f, &r), ERR_RULE, APP_W_ACT_ENDED);
	t.a.now_ms = (uint64_t)x.end_at - 60000; /* a minute before: still open */
	assert_int_equal(app_activity_signup(&t.a, x.id, "赵敏", &f, &r), 0);
	assert_int_equal(r.state, APP_ACT_WAITING);
	t_node_free(&t);
	t_rmdir(dir);
}

/* A6..A9: check-in (walk-in, full), check-out credits once, close. */
static void test_checkin_out_close(void **state)
{
	struct t_node t;
	struct t_state s;
	struct app_activity x;
	struct app_activity_result r;
	struct app_volunteer_found f;
	int64_t bal;
	(void)state;
	const char *dir = t_tmpdir();
	t_node_new(&t, dir, "s1", "s0001", false);
	t_vol(&t, "s0001-v1", "王伟", "s0001");
	t_vol(&t, "s0001-v2", "李娜", "s0001");
	t_vol(&t, "s0001-v3", "张强", "s0001");
	t_act(&t, "2", &x);
	assert_int_equal(app_activity_signup(&t.a, x.id, "王伟", &f, &r), 0);
	/* a walk-in takes the free seat */
	assert_int_equal(app_activity_checkin(&t.a, x.id, "李娜", "phone", &f, &r), 0);
	assert_int_equal(r.state, APP_ACT_IN);
	assert_int_equal(r.act.seats, 2);
	assert_int_equal(t_int(&t, "SELECT count(*) FROM activity_attendance_live WHERE via = ?1", "phone"), 1);
	t_state(&t, &s);
	t_refused(&t, &s, app_activity_checkin(&t.a, x.id, "张强", "staff", &f, &r), ERR_RULE, APP_W_ACT_FULL);
	t_refused(&t, &s, app_activity_checkin(&t.a, x.id, "李娜", "staff", &f, &r), ERR_RULE,
		  APP_W_ACT_IN_ALREADY);
	t_refused(&t, &s, app_activity_checkout(&t.a, x.id, "王伟", "staff", &f, &r), ERR_RULE, APP_W_ACT_NOT_IN);
	t_refused(&t, &s, app_activity_cancel(&t.a, x.id, "李娜", &f, &r), ERR_RULE, APP_W_ACT_IN_ALREADY);
	assert_int_equal(app_activity_checkin(&t.a, x.id, "王伟", "staff", &f, &r), 0);

	/* A7: 2 hours x 10 points per hour, once */
	assert_int_equal(app_activity_checkout(&t.a, x.id, "李娜", "staff", &f, &r), 0);
	assert_int_equal(r.state, APP_ACT_OUT);
	assert_int_equal(r.points, 20);
	assert_false(r.away);
	assert_int_equal(app_points_balance(&t.a, "s0001-v2", &bal), 0);
	assert_int_equal(bal, 20);
	assert_int_equal(t_int(&t, "SELECT count(*) FROM points_live WHERE key = ?1 AND reason = 'hours'"
				   " AND hours = 2", "act:s0001-a1:s0001-v2"), 1);
	t_state(&t, &s);
	t_refused(&t, &s, app_activity_checkout(&t.a, x.id, "李娜", "staff", &f, &r), ERR_RULE,
		  APP_W_ACT_OUT_ALREADY);

	/* A8: close checks 王伟 out with the hours; then nothing more */
	assert_int_equal(app_activity_close(&t.a, x.id, &r), 0);
	assert_int_equal(r.settled, 1);
	assert_int_equal(r.points, 20);
	assert_true(r.act.closed);
	assert_int_equal(app_points_balance(&t.a, "s0001-v1", &bal), 0);
	assert_int_equal(bal, 20);
	assert_int_equal(t_int(&t, "SELECT count(*) FROM activity_attendance_live WHERE via = ?1", "close"), 1);
	t_state(&t, &s);
	t_refused(&t, &s, app_activity_signup(&t.a, x.id, "张强", &f, &r), ERR_RULE, APP_W_ACT_CLOSED);
	t_refused(&t, &s, app_activity_checkin(&t.a, x.id, "张强", "staff", &f, &r), ERR_RULE, APP_W_ACT_CLOSED);
	t_refused(&t, &s, app_activity_close(&t.a, x.id, &r), ERR_RULE, APP_W_ACT_CLOSED);

	struct app_activity_counts c;
	assert_int_equal(app_activity_counts(&t.a, 0, 0, &c), 0);
	assert_int_equal(c.activities, 1);
	assert_int_equal(c.open, 0);
	assert_int_equal(c.seats, 2);
	assert_int_equal(c.attended, 2);
	assert_true(c.hours > 3.99 && c.hours < 4.01);
	t_node_free(&t);
	t_rmdir(dir);
}

/* A2, A3, A5 across nodes: the hub's requests and the station's own
 * sign-ups made offline never take more seats than there are; the hub
 * cannot check in to a station's activity; a visiting volunteer's credit
 * goes county-wide. */
static void test_offline(void **state)
{
	struct t_node st, hub;
	struct t_state s;
	struct app_activity x;
	struct app_activity_result r;
	struct app_volunteer_found f;
	(void)state;
	const char *dir = t_tmpdir();
	t_node_new(&st, dir, "s1", "s0001", false);
	t_node_new(&hub, dir, "hub", "c01", true);
	t_vol(&st, "s0001-v1", "王伟", "s0001");
	t_vol(&st, "s0001-v2", "李娜", "s0001");
	t_vol(&st, "s0001-v3", "张强", "s0001");
	t_vol(&hub, "s0002-v1", "孙丽", "s0002");
	t_act(&st, "2", &x);
	T_MEET(st, hub);
	T_MEET(hub, st);
	/* offline: the hub asks for 张强 and 孙丽; the station seats two */
	assert_int_equal(app_activity_signup(&hub.a, x.id, "张强", &f, &r), 0);
	assert_int_equal(r.state, APP_ACT_PENDING);
	assert_int_equal(app_activity_signup(&hub.a, x.id, "s0002-v1", &f, &r), 0);
	assert_int_equal(r.state, APP_ACT_PENDING);
	t_state(&hub, &s);
	t_refused(&hub, &s, app_activity_checkin(&hub.a, x.id, "张强", "staff", &f, &r), ERR_RULE,
		  APP_W_ACT_NOT_HOME);
	t_refused(&hub, &s, app_activity_close(&hub.a, x.id, &r), ERR_RULE, APP_W_ACT_NOT_HOME);
	assert_int_equal(app_activity_signup(&st.a, x.id, "王伟", &f, &r), 0);
	assert_int_equal(app_activity_signup(&st.a, x.id, "李娜", &f, &r), 0);
	T_MEET(hub, st);
	assert_int_equal(t_st(&st, x.id, "s0001-v3"), APP_ACT_PENDING);
	size_t decided = 0;
	assert_int_equal(app_activity_settle(&st.a, &decided), 0);
	assert_int_equal(decided, 2);
	assert_int_equal(t_seats(&st, x.id), 2);
	assert_int_equal(t_st(&st, x.id, "s0001-v3"), APP_ACT_WAITING);
	assert_int_equal(app_activity_settle(&st.a, &decided), 0);
	assert_int_equal(decided, 0); /* nothing left to decide: nothing written */
	/* the hub cancels 王伟 for him: when it arrives, 张强 (asked first) gets the seat */
	T_MEET(st, hub);
	assert_int_equal(app_activity_cancel(&hub.a, x.id, "王伟", &f, &r), 0);
	T_MEET(hub, st);
	assert_int_equal(t_seats(&st, x.id), 1);
	assert_int_equal(app_activity_settle(&st.a, &decided), 0);
	assert_int_equal(decided, 1);
	assert_int_equal(t_st(&st, x.id, "s0001-v3"), APP_ACT_SIGNED);
	assert_int_equal(t_st(&st, x.id, "s0002-v1"), APP_ACT_WAITING);
	/* a visiting volunteer: 李娜 cancels, 孙丽 of s0002 gets the seat, her
	 * credit goes county-wide (A7) */
	assert_int_equal(app_activity_cancel(&st.a, x.id, "李娜", &f, &r), 0);
	assert_int_equal(t_st(&st, x.id, "s0002-v1"), APP_ACT_SIGNED);
	assert_int_equal(app_activity_checkin(&st.a, x.id, "s0002-v1", "staff", &f, &r), 0);
	assert_int_equal(app_activity_checkout(&st.a, x.id, "s0002-v1", "staff", &f, &r), 0);
	assert_true(r.away);
	assert_int_equal(r.points, 20);
	T_MEET(st, hub);
	T_MEET(hub, st);
	assert_int_equal(t_seats(&hub, x.id), 2);
	uint8_t ds[32], dh[32];
	assert_int_equal(crdt_store_digest(st.a.store, "s0001", ds), 0);
	assert_int_equal(crdt_store_digest(hub.a.store, "s0001", dh), 0);
	assert_memory_equal(ds, dh, 32);
	t_node_free(&st);
	t_node_free(&hub);
	t_rmdir(dir);
}

/* Random sign-ups and cancellations at the hub and the station, offline,
 * meeting now and then: the seats held never exceed the capacity at
 * either, and after the last meeting both hold the same. */
static void test_capacity_random(void **state)
{
	struct t_node st, hub;
	struct app_activity x;
	struct app_activity_result r;
	struct app_volunteer_found f;
	char vid[32];
	(void)state;
	const char *e = getenv("CUNLIAN_SEED");
	uint64_t seed = e ? strtoull(e, NULL, 10) : (uint64_t)time(NULL);
	printf("test_capacity_random: seed %llu (CUNLIAN_SEED=%llu to replay)\n", (unsigned long long)seed,
	       (unsigned long long)seed);
	srand((unsigned)seed);
	const char *dir = t_tmpdir();
	t_node_new(&st, dir, "s1", "s0001", false);
	t_node_new(&hub, dir, "hub", "c01", true);
	for (int i = 1; i <= 12; i++) {
		snprintf(vid, sizeof(vid), "s0001-v%d", i);
		t_vol(&st, vid, vid, "s0001");
	}
	t_act(&st, "4", &x);
	T_MEET(st, hub);
	for (int round = 0; round < 40; round++) {
		struct t_node *n = rand() % 2 ? &st : &hub;
		snprintf(vid, sizeof(vid), "s0001-v%d", 1 + rand() % 12);
		int rc = rand() % 3 ? app_activity_signup(&n->a, x.id, vid, &f, &r)
				    : app_activity_cancel(&n->a, x.id, vid, &f, &r);
		assert_true(rc == 0 || rc == ERR_RULE);
		app_fail_clear(&n->a);
		if (rand() % 5 == 0) {
			T_MEET(hub, st);
			T_MEET(st, hub);
		}
		assert_true(t_seats(&st, x.id) <= 4);
		assert_true(t_seats(&hub, x.id) <= 4);
	}
	T_MEET(hub, st);
	assert_int_equal(app_activity_settle(&st.a, NULL), 0);
	T_MEET(st, hub);
	assert_true(t_seats(&st, x.id) <= 4);
	assert_int_equal(t_seats(&st, x.id), t_seats(&hub, x.id));
	/* nobody waits while a seat is free (A5) */
	struct app_activity y;
	assert_int_equal(app_activity_find(&st.a, x.id, &y), 0);
	assert_true(y.seats == 4 || (y.waiting == 0 && y.pending == 0));
	t_node_free(&st);
	t_node_free(&hub);
	t_rmdir(dir);
}

int main(void)
{
	setenv("TZ", "CST-8", 1); /* China time without tzdata, as the e2e tests */
	tzset();
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_parse_datetime), cmocka_unit_test(test_add),
		cmocka_unit_test(test_signup_cancel),  cmocka_unit_test(test_checkin_out_close),
		cmocka_unit_test(test_offline),	       cmocka_unit_test(test_capacity_random),
	};
	return cmocka_run_group_tests_name("app_activity", tests, NULL, NULL);
}
