// SPDX-License-Identifier: MIT
/*
 * test_app_wish.c - micro-wishes (app/wish.c, the wish moves of
 * app/order.c) on real nodes: a home in a temporary folder with
 * node.conf, a real Ed25519 identity, a SQLite replica, every commit
 * sealed. Each operation's success; each refusal (W1..W8) with its reason
 * and the replica exactly as before (digest and commit count); the points
 * of a fulfilled wish (W6); and the conflicts of W7 between a station and
 * the hub working offline, merged both ways to the same digest.
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
#include "app/order.h"
#include "app/team.h"
#include "app/wish.h"
#include "tests/helpers.h"
#include "tests/app_node.h"

#define T_DAY 86400000ULL

/* A volunteer of station, committed as its own run. */
static void t_volunteer(struct t_node *t, const char *id, const char *name, const char *phone,
			const char *station)
{
	struct crdt_write w;
	crdt_write_init(&w, CRDT_T_VOLUNTEERS, CRDT_UPSERT, id);
	crdt_write_set_text(&w, CRDT_C_VOLUNTEERS_NAME, name);
	crdt_write_set_text(&w, CRDT_C_VOLUNTEERS_PHONE, phone);
	crdt_write_set_text(&w, CRDT_C_VOLUNTEERS_STATION, station);
	crdt_write_set_text(&w, CRDT_C_VOLUNTEERS_STATUS, "active");
	assert_int_equal(app_write_begin(&t->a), 0);
	assert_int_equal(app_commit(&t->a, station, &w, 1), 0);
}

static void t_wish(struct t_node *t, const char *what, const char *due, struct app_wish *w)
{
	struct app_wish_new in = { .what = what, .for_whom = "李奶奶", .due = due, .requester = "李四" };
	assert_int_equal(app_wish_add(&t->a, &in, w), 0);
}

static struct app_wish_who t_vol(const char *v)
{
	struct app_wish_who w = { .volunteer = v };
	return w;
}

static struct app_wish_who t_unit(const char *u)
{
	struct app_wish_who w = { .unit = u };
	return w;
}

/* ---- W1, W2: adding --------------------------------------------------------- */

static void test_add(void **state)
{
	struct t_node t;
	struct t_state s;
	struct app_wish w;
	char big[APP_TEXT_MAX + 2];
	(void)state;
	const char *dir = t_tmpdir();
	t_node_new(&t, dir, "s1", "s0001", false);
	t_wish(&t, "一台收音机", "2025-3-10", &w);
	assert_string_equal(w.o.id, "s0001-o1");
	assert_string_equal(w.o.kind, "wish");
	assert_string_equal(w.o.category, APP_WISH_CATEGORY);
	assert_string_equal(w.o.status, "open");
	assert_string_equal(app_wish_state(w.o.status), "published");
	assert_string_equal(w.o.due, "2025-03-10"); /* written back whole */
	assert_string_equal(w.o.beneficiary, "李奶奶");
	assert_int_equal(w.holder, APP_WISH_NOBODY);
	assert_false(w.overdue);
	t_wish(&t, "今天就要", "2025-02-28", &w); /* today is not past (T_NOW) */
	t_wish(&t, "不写日期", NULL, &w);
	assert_string_equal(w.o.due, "");
	assert_int_equal(t_int(&t, "SELECT count(*) FROM order_events_live WHERE to_status = 'open'", NULL), 3);

	memset(big, 'x', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	struct app_wish_new bad[] = {
		{ .what = NULL },
		{ .what = "\xe3\x80\x80" },              /* only a blank */
		{ .what = big },                         /* 1001 bytes */
		{ .what = "书", .for_whom = "" },
		{ .what = "书", .due = "2025-02-27" },   /* W2: already past */
		{ .what = "书", .due = "2025-02-30" },   /* no such day */
		{ .what = "书", .due = "2100-01-01" },
		{ .what = "书", .due = "明天" },
		{ .what = "书", .due = "2025-03-01x" },
		{ .what = "书", .phone = "abc" },
		{ .what = "书", .station = "s0002" },    /* W8 */
	};
	const int want_rc[] = { ERR_USAGE, ERR_USAGE, ERR_USAGE, ERR_USAGE, ERR_USAGE, ERR_USAGE,
				ERR_USAGE, ERR_USAGE, ERR_USAGE, ERR_USAGE, ERR_RULE };
	const enum app_why want_why[] = { APP_W_WISH_BAD_WHAT, APP_W_WISH_BAD_WHAT, APP_W_WISH_BAD_WHAT,
					  APP_W_WISH_BAD_FOR,  APP_W_WISH_PAST_DUE, APP_W_WISH_BAD_DUE,
					  APP_W_WISH_BAD_DUE,  APP_W_WISH_BAD_DUE,  APP_W_WISH_BAD_DUE,
					  APP_W_ORDER_BAD_PHONE, APP_W_ORDER_STATION_NOT_OURS };
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		t_state(&t, &s);
		t_refused(&t, &s, app_wish_add(&t.a, &bad[i], &w), want_rc[i], want_why[i]);
	}
	t_node_free(&t);
	t_rmdir(dir);
}

/* ---- W3, W4: claim and release ------------------------------------------------ */

static void test_claim_release(void **state)
{
	struct t_node t;
	struct t_state s;
	struct app_wish w;
	struct app_team team;
	struct app_volunteer_found f;
	(void)state;
	const char *dir = t_tmpdir();
	t_node_new(&t, dir, "s1", "s0001", false);
	t_volunteer(&t, "s0001-v1", "王伟", "13800001111", "s0001");
	t_volunteer(&t, "s0001-v2", "张敏", "13800002222", "s0001");
	struct app_team_in ti = { .name = "助老队" };
	assert_int_equal(app_team_add(&t.a, &ti, &team), 0);
	t_wish(&t, "一台收音机", NULL, &w);
	char id[APP_ID_MAX + 1];
	snprintf(id, sizeof(id), "%s", w.o.id);

	struct app_wish_who v1 = t_vol("王伟"), v2 = t_vol("s0001-v2"), none = { 0 };
	struct app_wish_who two = { .volunteer = "王伟", .unit = "县供电所" };
	struct app_wish_who nobody = t_vol("赵六"), blank = t_unit("");
	t_state(&t, &s);
	t_refused(&t, &s, app_wish_claim(&t.a, id, &none, &f, &w), ERR_USAGE, APP_W_WISH_WHO_NEEDED);
	t_refused(&t, &s, app_wish_claim(&t.a, id, &two, &f, &w), ERR_USAGE, APP_W_WISH_WHO_NEEDED);
	t_refused(&t, &s, app_wish_claim(&t.a, id, &nobody, &f, &w), ERR_NOTFOUND, APP_W_VOLUNTEER_NOT_FOUND);
	t_refused(&t, &s, app_wish_claim(&t.a, id, &blank, &f, &w), ERR_USAGE, APP_W_WISH_BAD_UNIT);
	t_refused(&t, &s, app_wish_claim(&t.a, "s0001-o9", &v1, &f, &w), ERR_NOTFOUND, APP_W_WISH_NOT_FOUND);
	/* W4: nothing to release yet */
	t_refused(&t, &s, app_wish_release(&t.a, id, NULL, true, NULL, &f, &w), ERR_RULE,
		  APP_W_WISH_NOT_CLAIMED);

	assert_int_equal(app_wish_claim(&t.a, id, &v1, &f, &w), 0);
	assert_string_equal(w.o.status, "accepted");
	assert_int_equal(w.holder, APP_WISH_VOLUNTEER);
	assert_string_equal(w.holder_id, "s0001-v1");
	assert_string_equal(w.holder_name, "王伟");
	assert_string_equal(w.o.claimant, "");

	/* W3: claimed, it cannot be claimed again, by anyone; the refusal
	 * names who holds it */
	t_state(&t, &s);
	struct app_wish_who unit = t_unit("县供电所");
	assert_int_equal(app_wish_claim(&t.a, id, &unit, &f, &w), ERR_RULE);
	assert_int_equal(t.a.fail.why, APP_W_WISH_CLAIMED);
	assert_non_null(strstr(t.a.fail.arg[1], "王伟"));
	t_refused(&t, &s, app_wish_claim(&t.a, id, &v2, &f, &w), ERR_RULE, APP_W_WISH_CLAIMED);
	/* W4: someone else may not release it, nor someone unnamed */
	t_refused(&t, &s, app_wish_release(&t.a, id, &v2, false, NULL, &f, &w), ERR_RULE,
		  APP_W_WISH_NOT_CLAIMANT);
	t_refused(&t, &s, app_wish_release(&t.a, id, &unit, false, NULL, &f, &w), ERR_RULE,
		  APP_W_WISH_NOT_CLAIMANT);
	t_refused(&t, &s, app_wish_release(&t.a, id, NULL, false, NULL, &f, &w), ERR_USAGE,
		  APP_W_WISH_RELEASE_WHO);
	/* the claimant releases it (by phone, the same volunteer) */
	struct app_wish_who v1p = t_vol("13800001111");
	assert_int_equal(app_wish_release(&t.a, id, &v1p, false, "家里有事", &f, &w), 0);
	assert_string_equal(w.o.status, "open");
	assert_string_equal(w.o.volunteer, "");
	assert_int_equal(w.holder, APP_WISH_NOBODY);
	assert_int_equal(t_int(&t, "SELECT count(*) FROM order_events_live WHERE to_status = 'open'"
				   " AND from_status = 'accepted' AND volunteer = 's0001-v1'"
				   " AND note LIKE '%家里有事'", NULL), 1);

	/* a team claims it (by name); a unit may not release it; the admin
	 * forces the release */
	struct app_wish_who tm = { .team = "助老队" };
	assert_int_equal(app_wish_claim(&t.a, id, &tm, &f, &w), 0);
	assert_int_equal(w.holder, APP_WISH_TEAM);
	assert_string_equal(w.holder_id, team.id);
	assert_string_equal(w.holder_name, "助老队");
	assert_string_equal(w.o.volunteer, "");
	t_state(&t, &s);
	t_refused(&t, &s, app_wish_release(&t.a, id, &unit, false, NULL, &f, &w), ERR_RULE,
		  APP_W_WISH_NOT_CLAIMANT);
	t_refused(&t, &s, app_wish_release(&t.a, id, &v1, false, NULL, &f, &w), ERR_RULE,
		  APP_W_WISH_NOT_CLAIMANT);
	assert_int_equal(app_wish_release(&t.a, id, NULL, true, NULL, &f, &w), 0);
	assert_string_equal(w.o.claimant, "");
	assert_int_equal(t_int(&t, "SELECT count(*) FROM order_events_live WHERE note LIKE 'force %'", NULL), 1);

	/* a unit claims it and releases it itself */
	assert_int_equal(app_wish_claim(&t.a, id, &unit, &f, &w), 0);
	assert_int_equal(w.holder, APP_WISH_UNIT);
	assert_string_equal(w.holder_name, "县供电所");
	assert_string_equal(w.o.claimant, "unit:县供电所");
	assert_int_equal(app_wish_release(&t.a, id, &unit, false, NULL, &f, &w), 0);
	assert_int_equal(w.holder, APP_WISH_NOBODY);
	t_node_free(&t);
	t_rmdir(dir);
}

/* ---- W5, W6: fulfil ------------------------------------------------------------ */

static void test_done(void **state)
{
	struct t_node t;
	struct t_state s;
	struct app_wish w;
	struct app_order_result r;
	struct app_volunteer_found f;
	(void)state;
	const char *dir = t_tmpdir();
	t_node_new(&t, dir, "s1", "s0001", false);
	t_volunteer(&t, "s0001-v1", "王伟", "13800001111", "s0001");
	t_wish(&t, "一台收音机", NULL, &w);
	t_wish(&t, "修好院门", NULL, &w);
	struct app_wish_who v1 = t_vol("王伟"), unit = t_unit("县供电所");

	t_state(&t, &s);
	/* W5: claim first */
	t_refused(&t, &s, app_wish_done(&t.a, "s0001-o1", "送去了", NULL, &w, &r), ERR_RULE,
		  APP_W_WISH_NOT_CLAIMED);
	assert_int_equal(app_wish_claim(&t.a, "s0001-o1", &v1, &f, &w), 0);
	assert_int_equal(app_wish_claim(&t.a, "s0001-o2", &unit, &f, &w), 0);
	t_state(&t, &s);
	t_refused(&t, &s, app_wish_done(&t.a, "s0001-o1", NULL, NULL, &w, &r), ERR_USAGE, APP_W_WISH_BAD_NOTE);
	t_refused(&t, &s, app_wish_done(&t.a, "s0001-o1", " ", NULL, &w, &r), ERR_USAGE, APP_W_WISH_BAD_NOTE);
	t_refused(&t, &s, app_wish_done(&t.a, "s0001-o1", "送去了", "0", &w, &r), ERR_USAGE,
		  APP_W_ORDER_BAD_HOURS);
	t_refused(&t, &s, app_wish_done(&t.a, "s0001-o1", "送去了", "25", &w, &r), ERR_USAGE,
		  APP_W_ORDER_BAD_HOURS);
	/* W6: a unit earns no points */
	t_refused(&t, &s, app_wish_done(&t.a, "s0001-o2", "修好了", "2", &w, &r), ERR_RULE,
		  APP_W_WISH_HOURS_UNIT);
	/* the order.c guard says the same without wish.c */
	t_refused(&t, &s, app_order_fulfil(&t.a, "s0001-o2", true, 2, "修好了", &r), ERR_RULE,
		  APP_W_WISH_HOURS_UNIT);

	/* W6: a volunteer's hours are credited like an order's */
	assert_int_equal(app_wish_done(&t.a, "s0001-o1", "送去了收音机", "1.5", &w, &r), 0);
	assert_string_equal(w.o.status, "done");
	assert_string_equal(w.note, "送去了收音机");
	assert_true(w.o.has_hours);
	assert_int_equal(r.points, 15);
	assert_int_equal(t_int(&t, "SELECT sum(delta) FROM points_live WHERE volunteer = ?1 AND reason = 'service'",
			       "s0001-v1"), 15);
	/* without hours, a unit's wish is fulfilled, no points */
	assert_int_equal(app_wish_done(&t.a, "s0001-o2", "修好了院门", NULL, &w, &r), 0);
	assert_int_equal(w.holder, APP_WISH_UNIT);
	assert_false(w.o.has_hours);
	assert_int_equal(r.points, 0);
	assert_int_equal(t_int(&t, "SELECT count(*) FROM points_live WHERE \"order\" = ?1", "s0001-o2"), 0);

	/* fulfilled: nothing moves it back, and refusals name who did it */
	t_state(&t, &s);
	assert_int_equal(app_wish_claim(&t.a, "s0001-o1", &unit, &f, &w), ERR_RULE);
	assert_int_equal(t.a.fail.why, APP_W_WISH_FULFILLED);
	assert_non_null(strstr(t.a.fail.arg[1], "王伟"));
	t_refused(&t, &s, app_wish_claim(&t.a, "s0001-o1", &unit, &f, &w), ERR_RULE, APP_W_WISH_FULFILLED);
	t_refused(&t, &s, app_wish_release(&t.a, "s0001-o1", NULL, true, NULL, &f, &w), ERR_RULE,
		  APP_W_WISH_FULFILLED);
	t_refused(&t, &s, app_wish_done(&t.a, "s0001-o1", "又一次", NULL, &w, &r), ERR_RULE,
		  APP_W_WISH_FULFILLED);
	/* the resident's thanks: order rate; the wish is still fulfilled */
	assert_int_equal(app_order_rate(&t.a, "s0001-o2", 5, "谢谢", &r), 0);
	assert_int_equal(app_wish_load(&t.a, "s0001-o2", &w), 0);
	assert_string_equal(app_wish_state(w.o.status), "thanked");
	assert_int_equal(w.holder, APP_WISH_UNIT); /* the register kept the claimant */
	assert_string_equal(w.note, "修好了院门");
	t_node_free(&t);
	t_rmdir(dir);
}

/* ---- a wish is not an order, an order not a wish; lists -------------------- */

static int t_count_order(void *arg, const struct app_order *o)
{
	(void)o;
	++*(int64_t *)arg;
	return 0;
}

static int t_count_wish(void *arg, const struct app_wish *w)
{
	(void)w;
	++*(int64_t *)arg;
	return 0;
}

static void test_kinds_and_lists(void **state)
{
	struct t_node t;
	struct t_state s;
	struct app_wish w;
	struct app_order_result r;
	struct app_volunteer_found f;
	(void)state;
	const char *dir = t_tmpdir();
	t_node_new(&t, dir, "s1", "s0001", false);
	t_volunteer(&t, "s0001-v1", "王伟", "13800001111", "s0001");
	struct app_order_new on = { .category = "助老", .detail = "打扫" };
	assert_int_equal(app_order_add(&t.a, &on, &r), 0); /* s0001-o1: a service */
	t_wish(&t, "一台收音机", "2025-03-01", &w);        /* o2 */
	t_wish(&t, "一本字典", "2025-03-10", &w);          /* o3 */
	t_wish(&t, "春联", NULL, &w);                      /* o4 */
	struct app_wish_who v1 = t_vol("王伟");

	t_state(&t, &s);
	t_refused(&t, &s, app_wish_load(&t.a, "s0001-o1", &w), ERR_RULE, APP_W_WISH_NOT_WISH);
	t_refused(&t, &s, app_wish_claim(&t.a, "s0001-o1", &v1, &f, &w), ERR_RULE, APP_W_WISH_NOT_WISH);
	/* order.c's own guard: claim and release are a wish's moves only */
	t_refused(&t, &s, app_order_claim(&t.a, "s0001-o1", "王伟", NULL, &f, &r), ERR_RULE,
		  APP_W_WISH_NOT_WISH);
	t_refused(&t, &s, app_order_release(&t.a, "s0001-o1", NULL, &r), ERR_RULE, APP_W_WISH_NOT_WISH);
	/* and a wish is claimed and fulfilled as a wish, not as an order */
	t_refused(&t, &s, app_order_dispatch(&t.a, "s0001-o2", "王伟", &f, &r), ERR_RULE, APP_W_WISH_USE_WISH);
	t_refused(&t, &s, app_order_accept(&t.a, "s0001-o2", "王伟", &f, &r), ERR_RULE, APP_W_WISH_USE_WISH);
	assert_int_equal(app_wish_claim(&t.a, "s0001-o4", &v1, &f, &w), 0);
	t_state(&t, &s);
	t_refused(&t, &s, app_order_done(&t.a, "s0001-o4", 1, &r), ERR_RULE, APP_W_WISH_USE_WISH);
	assert_int_equal(app_wish_release(&t.a, "s0001-o4", &v1, false, NULL, &f, &w), 0);

	/* order list --kind */
	struct { const char *kind; int64_t n; } kinds[] = { { NULL, 4 }, { "wish", 3 }, { "service", 1 } };
	for (size_t i = 0; i < 3; i++) {
		struct app_order_filter of = { .kind = kinds[i].kind };
		int64_t n = 0;
		assert_int_equal(app_order_list(&t.a, &of, t_count_order, &n), 0);
		assert_int_equal(n, kinds[i].n);
	}
	struct app_order_filter badk = { .kind = "gift" };
	int64_t n = 0;
	assert_int_equal(app_order_list(&t.a, &badk, t_count_order, &n), ERR_USAGE);
	assert_int_equal(t.a.fail.why, APP_W_ORDER_BAD_KIND);
	app_fail_clear(&t.a);

	/* W2: read five days on, o2 (by 03-01) is overdue, claimed or not;
	 * o3 (by 03-10) and o4 (no date) are not; fulfilled it is not */
	uint64_t now = t.a.now_ms;
	struct app_wish_filter over = { .overdue = true };
	assert_int_equal(app_wish_claim(&t.a, "s0001-o2", &v1, &f, &w), 0);
	assert_false(w.overdue);
	n = 0;
	assert_int_equal(app_wish_list(&t.a, &over, t_count_wish, &n), 0);
	assert_int_equal(n, 0);
	t.a.now_ms = now + 5 * T_DAY; /* reads only: the clock's bounds judge writes */
	assert_int_equal(app_wish_load(&t.a, "s0001-o2", &w), 0);
	assert_true(w.overdue);
	assert_int_equal(app_wish_list(&t.a, &over, t_count_wish, &n), 0);
	assert_int_equal(n, 1);
	t.a.now_ms = now + 1000;
	assert_int_equal(app_wish_done(&t.a, "s0001-o2", "送到了", NULL, &w, &r), 0);
	t.a.now_ms = now + 5 * T_DAY;
	assert_int_equal(app_wish_load(&t.a, "s0001-o2", &w), 0);
	assert_false(w.overdue);
	n = 0;
	assert_int_equal(app_wish_list(&t.a, &over, t_count_wish, &n), 0);
	assert_int_equal(n, 0);
	t.a.now_ms = now + 2000;
	struct { const char *state; int64_t n; } states[] = {
		{ "published", 2 }, { "open", 2 }, { "claimed", 0 }, { "fulfilled", 1 }, { NULL, 3 },
	};
	for (size_t i = 0; i < sizeof(states) / sizeof(states[0]); i++) {
		struct app_wish_filter wf = { .state = states[i].state };
		n = 0;
		assert_int_equal(app_wish_list(&t.a, &wf, t_count_wish, &n), 0);
		assert_int_equal(n, states[i].n);
	}
	/* fulfilled counts the thanked too */
	assert_int_equal(app_order_rate(&t.a, "s0001-o2", 4, NULL, &r), 0);
	struct app_wish_filter ful = { .state = "fulfilled" };
	n = 0;
	assert_int_equal(app_wish_list(&t.a, &ful, t_count_wish, &n), 0);
	assert_int_equal(n, 1);
	struct app_wish_filter bads = { .state = "gone" };
	assert_int_equal(app_wish_list(&t.a, &bads, t_count_wish, &n), ERR_USAGE);
	assert_int_equal(t.a.fail.why, APP_W_WISH_BAD_STATE);
	app_fail_clear(&t.a);
	t_node_free(&t);
	t_rmdir(dir);
}

/* ---- W7: a station and the hub offline ------------------------------------- */

#define T_MEET(from, to)                                                           \
	do {                                                                       \
		app_write_abort(&(to).a);                                          \
		assert_true(t_sync((from).a.store, (to).a.store, (to).a.now_ms) > 0); \
		t_reopen(&(to));                                                   \
	} while (0)

static void t_same(struct t_node *x, struct t_node *y)
{
	uint8_t dx[32], dy[32];
	assert_int_equal(crdt_store_digest(x->a.store, "s0001", dx), 0);
	assert_int_equal(crdt_store_digest(y->a.store, "s0001", dy), 0);
	assert_memory_equal(dx, dy, 32);
}

static void test_offline_conflicts(void **state)
{
	struct t_node st, hub;
	struct app_wish w;
	struct app_order_result r;
	struct app_volunteer_found f;
	(void)state;
	const char *dir = t_tmpdir();
	t_node_new(&st, dir, "s1", "s0001", false);
	t_node_new(&hub, dir, "hub", "c01", true);
	t_volunteer(&st, "s0001-v1", "王伟", "13800001111", "s0001");
	t_wish(&st, "一台收音机", NULL, &w); /* o1 */
	t_wish(&st, "一本字典", NULL, &w);   /* o2 */
	t_wish(&st, "春联", NULL, &w);       /* o3 */
	T_MEET(st, hub);
	struct app_wish_who v1 = t_vol("s0001-v1"), u1 = t_unit("县供电所"), u2 = t_unit("县团委");

	/* o1: the station's unit fulfils it offline; later the hub has
	 * another unit claim it. Fulfilled wins, with its own claimant. */
	assert_int_equal(app_wish_claim(&st.a, "s0001-o1", &u1, &f, &w), 0);
	assert_int_equal(app_wish_done(&st.a, "s0001-o1", "送去了", NULL, &w, &r), 0);
	/* o2: the station's volunteer fulfils it with hours; the hub claims
	 * it for a unit later */
	assert_int_equal(app_wish_claim(&st.a, "s0001-o2", &v1, &f, &w), 0);
	assert_int_equal(app_wish_done(&st.a, "s0001-o2", "买来了", "2", &w, &r), 0);
	/* o3: the hub cancels it; the station claims it later */
	assert_int_equal(app_order_cancel(&hub.a, "s0001-o3", "居民已不需要", &r), 0);
	hub.a.now_ms += 60000;
	st.a.now_ms += 120000;
	assert_int_equal(app_wish_claim(&hub.a, "s0001-o1", &u2, &f, &w), 0);
	assert_int_equal(app_wish_claim(&hub.a, "s0001-o2", &u2, &f, &w), 0);
	assert_int_equal(app_wish_claim(&st.a, "s0001-o3", &v1, &f, &w), 0);

	T_MEET(st, hub);
	T_MEET(hub, st);
	t_same(&st, &hub);
	struct t_node *both[] = { &st, &hub };
	for (int i = 0; i < 2; i++) {
		struct t_node *t = both[i];
		assert_int_equal(app_wish_load(&t->a, "s0001-o1", &w), 0);
		assert_string_equal(w.o.status, "done");
		assert_int_equal(w.holder, APP_WISH_UNIT);
		assert_string_equal(w.holder_name, "县供电所"); /* not the hub's later claim */
		assert_int_equal(app_wish_load(&t->a, "s0001-o2", &w), 0);
		assert_string_equal(w.o.status, "done");
		assert_int_equal(w.holder, APP_WISH_VOLUNTEER);
		assert_string_equal(w.o.claimant, "");
		assert_int_equal(t_int(t, "SELECT sum(delta) FROM points_live WHERE \"order\" = ?1", "s0001-o2"), 20);
		assert_int_equal(app_wish_load(&t->a, "s0001-o3", &w), 0);
		assert_string_equal(w.o.status, "cancelled");
		/* every move is in the history, the losing claims too */
		assert_int_equal(t_int(t, "SELECT count(*) FROM order_events_live WHERE \"order\" = ?1",
				       "s0001-o1"), 4);
	}

	/* between claims the later wins, whole: the hub's unit claim after
	 * the station's volunteer claim leaves no volunteer behind */
	t_wish(&st, "一把椅子", NULL, &w); /* o4 */
	T_MEET(st, hub);
	assert_int_equal(app_wish_claim(&st.a, "s0001-o4", &v1, &f, &w), 0);
	hub.a.now_ms = st.a.now_ms + 60000;
	assert_int_equal(app_wish_claim(&hub.a, "s0001-o4", &u2, &f, &w), 0);
	T_MEET(st, hub);
	T_MEET(hub, st);
	t_same(&st, &hub);
	for (int i = 0; i < 2; i++) {
		assert_int_equal(app_wish_load(&both[i]->a, "s0001-o4", &w), 0);
		assert_string_equal(w.o.status, "accepted");
		assert_int_equal(w.holder, APP_WISH_UNIT);
		assert_string_equal(w.o.volunteer, "");
		assert_string_equal(w.holder_name, "县团委");
	}
	t_node_free(&st);
	t_node_free(&hub);
	t_rmdir(dir);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_add),
		cmocka_unit_test(test_claim_release),
		cmocka_unit_test(test_done),
		cmocka_unit_test(test_kinds_and_lists),
		cmocka_unit_test(test_offline_conflicts),
	};
	return cmocka_run_group_tests_name("app_wish", tests, NULL, NULL);
}
