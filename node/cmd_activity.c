// SPDX-License-Identifier: MIT
/*
 * cmd_activity.c - activities (志愿活动): activity add, list, show, signup,
 * cancel, checkin, checkout, close. The command line only: seats, the
 * home's right to them and the credits are app/activity.c's.
 */
#include <string.h>
#include <time.h>

#include "base/err.h"
#include "base/mem.h"
#include "app/activity.h"
#include "app/range.h"
#include "node/node.h"

static enum node_msg_id node_act_state_msg(enum app_act_state s)
{
	switch (s) {
	case APP_ACT_PENDING: return M_ACT_ST_PENDING;
	case APP_ACT_WAITING: return M_ACT_ST_WAITING;
	case APP_ACT_SIGNED: return M_ACT_ST_SIGNED;
	case APP_ACT_IN: return M_ACT_ST_IN;
	case APP_ACT_OUT: return M_ACT_ST_OUT;
	case APP_ACT_NONE: return M_ACT_ST_NONE;
	default: return M_ACT_ST_NONE;
	}
}

static const char *node_act_state_word(enum node_lang lang, enum app_act_state s)
{
	return node_msg(lang, node_act_state_msg(s));
}

/* The home in words: its station, or the hub. */
static const char *node_act_home(const struct node_ctx *ctx, const struct app_activity *x)
{
	return x->station[0] ? x->station : node_msg(ctx->lang, M_ACT_HUB);
}

static void node_act_json(struct node_json *j, const struct app_activity *x)
{
	char t[32];
	node_json_obj(j);
	node_json_kstr(j, "id", x->id);
	node_json_kstr(j, "title", x->title);
	node_json_kstr(j, "place", x->place);
	node_json_kstr(j, "station", x->station);
	app_time_fmt((uint64_t)x->start_at, t, sizeof(t));
	node_json_kstr(j, "start", t);
	app_time_fmt((uint64_t)x->end_at, t, sizeof(t));
	node_json_kstr(j, "end", t);
	node_json_kint(j, "capacity", x->capacity);
	node_json_kreal(j, "hours", x->hours);
	node_json_kint(j, "seats", x->seats);
	node_json_kint(j, "waiting", x->waiting);
	node_json_kint(j, "pending", x->pending);
	node_json_kint(j, "checked_in", x->checked_in);
	node_json_kint(j, "checked_out", x->checked_out);
	node_json_key(j, "closed");
	node_json_bool(j, x->closed);
	node_json_key(j, "home");
	node_json_bool(j, x->home);
	node_json_end_obj(j);
}

/* An app/ refusal (node/why.c says the state and the home in words). */
static int node_act_fail(struct node_ctx *ctx, int rc, const struct app_volunteer_found *f)
{
	return f ? node_fail_found(ctx, rc, f) : rc;
}

int node_cmd_activity_add(struct node_ctx *ctx, const struct node_args *a)
{
	struct app_activity_new in = { .title = node_arg(a, "title"),
				       .place = node_arg(a, "place"),
				       .start = node_arg(a, "start"),
				       .end = node_arg(a, "end"),
				       .capacity = node_arg(a, "capacity"),
				       .hours = node_arg(a, "hours"),
				       .station = node_arg(a, "station") };
	struct app_activity x;
	char s[32], e[32], h[32];
	int rc;
	/* an option left out is said by name, not as an empty value */
	static const char *const need[] = { "title", "place", "start", "end", "capacity", "hours" };
	for (size_t i = 0; i < sizeof(need) / sizeof(need[0]); i++)
		if (!node_arg(a, need[i])) {
			char opt[16];
			snprintf(opt, sizeof(opt), "--%s", need[i]);
			return node_fail(ctx, ERR_USAGE, M_ACT_NEED_OPTION, opt);
		}

	if ((rc = node_open(ctx)) || (rc = app_activity_add(&ctx->app, &in, &x)))
		return rc;
	if (ctx->json) {
		struct node_json j;
		node_json_init(&j, stdout);
		node_act_json(&j, &x);
		return 0;
	}
	app_time_fmt((uint64_t)x.start_at, s, sizeof(s));
	app_time_fmt((uint64_t)x.end_at, e, sizeof(e));
	app_real_fmt(x.hours, h, sizeof(h));
	node_say(ctx, M_ACT_ADDED, x.title, x.id, x.place, s, e, (long long)x.capacity, h,
		 node_act_home(ctx, &x));
	return 0;
}

/* Today, local: [from, to) in ms. */
static void node_act_today(uint64_t now_ms, int64_t *from, int64_t *to)
{
	time_t t = (time_t)(now_ms / 1000);
	struct tm tm;
	*from = *to = 0;
	if (!localtime_r(&t, &tm))
		return;
	tm.tm_hour = tm.tm_min = tm.tm_sec = 0;
	tm.tm_isdst = -1;
	time_t d0 = mktime(&tm);
	tm.tm_mday += 1;
	tm.tm_isdst = -1;
	time_t d1 = mktime(&tm);
	if (d0 == (time_t)-1 || d1 == (time_t)-1)
		return;
	*from = (int64_t)d0 * 1000;
	*to = (int64_t)d1 * 1000;
}

int node_cmd_activity_list(struct node_ctx *ctx, const struct node_args *a)
{
	struct app_activity *v = NULL;
	struct node_table t;
	struct node_json j;
	int64_t from = 0, to = 0;
	size_t n = 0;
	int rc;

	struct app_range range;
	bool all = node_flag(a, "all");
	if ((rc = node_open(ctx)) || (rc = node_range_take(ctx, a, &range)))
		return rc;
	if (node_flag(a, "today")) {
		node_act_today(ctx->app.now_ms, &from, &to);
	} else if (range.from_ms || range.to_ms) {
		/* --from/--to: those under way on those days, closed ones too */
		from = range.from_ms;
		to = range.to_ms;
		all = true;
	}
	if ((rc = app_activity_list(&ctx->app, all, from, to, &v, &n)))
		return rc;
	const char *head[] = { node_msg(ctx->lang, M_COL_ID),	      node_msg(ctx->lang, M_COL_TITLE),
			       node_msg(ctx->lang, M_COL_TIME),       node_msg(ctx->lang, M_COL_PLACE),
			       node_msg(ctx->lang, M_COL_SEATS),      node_msg(ctx->lang, M_COL_WAITING),
			       node_msg(ctx->lang, M_COL_CHECKED_IN), node_msg(ctx->lang, M_COL_HOURS_EACH),
			       node_msg(ctx->lang, M_COL_STATION),    node_msg(ctx->lang, M_COL_STATUS) };
	node_list_begin(ctx, &j, &t, 10, head, "activities");
	t.right[4] = t.right[5] = t.right[6] = t.right[7] = true;
	for (size_t i = 0; i < n; i++) {
		const struct app_activity *x = &v[i];
		char when[32], seats[48], wait[24], in[24], h[24];
		if (ctx->json) {
			node_act_json(&j, x);
			continue;
		}
		app_time_fmt((uint64_t)x->start_at, when, sizeof(when));
		snprintf(seats, sizeof(seats), "%lld/%lld", (long long)x->seats, (long long)x->capacity);
		snprintf(wait, sizeof(wait), "%lld", (long long)(x->waiting + x->pending));
		snprintf(in, sizeof(in), "%lld", (long long)x->checked_in);
		app_real_fmt(x->hours, h, sizeof(h));
		/* its state by this node's clock: closed; open and not yet begun
		 * (报名中); under way (进行中); past its end, to be closed */
		int64_t now = (int64_t)ctx->app.now_ms;
		enum node_msg_id st = x->closed	       ? M_ACT_CLOSED_WORD
				      : now < x->start_at ? M_ACT_UPCOMING_WORD
				      : now < x->end_at	  ? M_ACT_OPEN_WORD
							  : M_ACT_PAST_WORD;
		const char *cells[] = { x->id, x->title, when, x->place, seats, wait, in, h,
					node_act_home(ctx, x), node_msg(ctx->lang, st) };
		node_table_row(&t, cells);
	}
	node_list_end(ctx, &j, &t, n, M_ACT_LIST_EMPTY);
	mem_free(v);
	return 0;
}

int node_cmd_activity_show(struct node_ctx *ctx, const struct node_args *a)
{
	struct app_activity_person *p = NULL;
	struct app_activity x;
	struct node_table t;
	size_t n = 0;
	int rc = node_args_one(ctx, a, M_NEED_ACTIVITY);

	if (rc || (rc = app_activity_find(&ctx->app, a->pos[0], &x)))
		return rc;
	/* at the home, decide the requests and the waitlist first (A5), so
	 * show never says 待确认 for what the home would decide now; a
	 * replica that cannot be written (busy, read-only) shows as it is */
	if (x.home && !x.closed) {
		if (app_activity_settle(&ctx->app, NULL))
			app_fail_clear(&ctx->app);
		else if ((rc = app_activity_find(&ctx->app, a->pos[0], &x)))
			return rc;
	}
	if ((rc = app_activity_people(&ctx->app, x.id, &p, &n)))
		return rc;
	if (ctx->json) {
		struct node_json j;
		node_json_init(&j, stdout);
		node_json_obj(&j);
		node_json_key(&j, "activity");
		node_act_json(&j, &x);
		node_json_key(&j, "people");
		node_json_arr(&j);
		for (size_t i = 0; i < n; i++) {
			node_json_obj(&j);
			node_json_kstr(&j, "volunteer", p[i].volunteer);
			node_json_kstr(&j, "name", p[i].name);
			node_json_kstr(&j, "phone", p[i].phone_masked);
			node_json_kstr(&j, "state", app_act_state_name(p[i].state));
			node_json_kreal(&j, "hours", p[i].hours);
			node_json_end_obj(&j);
		}
		node_json_end_arr(&j);
		node_json_end_obj(&j);
		mem_free(p);
		return 0;
	}
	char s[32], e[32], h[32];
	app_time_fmt((uint64_t)x.start_at, s, sizeof(s));
	app_time_fmt((uint64_t)x.end_at, e, sizeof(e));
	app_real_fmt(x.hours, h, sizeof(h));
	node_say(ctx, M_ACT_SHOW, x.title, x.id, x.place, s, e, (long long)x.capacity, (long long)x.seats,
		 (long long)x.waiting, (long long)x.pending, (long long)x.checked_in, (long long)x.checked_out,
		 h, node_act_home(ctx, &x), x.closed ? node_msg(ctx->lang, M_ACT_CLOSED_MARK) : "");
	if (n == 0) {
		node_say(ctx, M_ACT_NO_PEOPLE);
		return 0;
	}
	const char *head[] = { node_msg(ctx->lang, M_COL_VOLUNTEER), node_msg(ctx->lang, M_COL_NAME),
			       node_msg(ctx->lang, M_COL_PHONE), node_msg(ctx->lang, M_COL_STATUS) };
	node_table_init(&t, 4, head);
	for (size_t i = 0; i < n; i++) {
		const char *cells[] = { p[i].volunteer, p[i].name, p[i].phone_masked,
					node_act_state_word(ctx->lang, p[i].state) };
		node_table_row(&t, cells);
	}
	node_table_print(&t, stdout);
	node_table_release(&t);
	mem_free(p);
	return 0;
}

/* The result of an operation on one person, as JSON. */
static void node_act_result_json(const struct app_activity_result *r)
{
	struct node_json j;
	node_json_init(&j, stdout);
	node_json_obj(&j);
	node_json_kstr(&j, "activity", r->act.id);
	node_json_kstr(&j, "volunteer", r->v.id);
	node_json_kstr(&j, "state", app_act_state_name(r->state));
	node_json_kstr(&j, "move", r->move);
	node_json_kint(&j, "seats", r->act.seats);
	node_json_kint(&j, "capacity", r->act.capacity);
	node_json_kint(&j, "waiting", r->act.waiting);
	node_json_kint(&j, "pending", r->act.pending);
	node_json_kint(&j, "checked_in", r->act.checked_in);
	node_json_kreal(&j, "hours", r->hours);
	node_json_kint(&j, "points", r->points);
	node_json_kstr(&j, "points_id", r->points_id);
	node_json_end_obj(&j);
}

enum node_act_op { ACT_SIGNUP, ACT_CANCEL, ACT_CHECKIN, ACT_CHECKOUT };

static int node_act_person(struct node_ctx *ctx, const struct node_args *a, enum node_act_op op)
{
	struct app_volunteer_found f;
	struct app_activity_result r;
	const char *who = node_arg(a, "volunteer");
	int rc;

	memset(&f, 0, sizeof(f));
	if ((rc = node_args_one(ctx, a, M_NEED_ACTIVITY)))
		return rc;
	if (!who)
		return node_fail(ctx, ERR_USAGE, M_NEED_ACT_VOLUNTEER);
	switch (op) {
	case ACT_SIGNUP: rc = app_activity_signup(&ctx->app, a->pos[0], who, &f, &r); break;
	case ACT_CANCEL: rc = app_activity_cancel(&ctx->app, a->pos[0], who, &f, &r); break;
	case ACT_CHECKIN: rc = app_activity_checkin(&ctx->app, a->pos[0], who, "staff", &f, &r); break;
	case ACT_CHECKOUT:
	default: rc = app_activity_checkout(&ctx->app, a->pos[0], who, "staff", &f, &r); break;
	}
	if (rc)
		return node_act_fail(ctx, rc, &f);
	if (ctx->json) {
		node_act_result_json(&r);
		return 0;
	}
	const char *name = r.v.name[0] ? r.v.name : r.v.id;
	char h[32];
	switch (op) {
	case ACT_SIGNUP:
		node_say(ctx, M_ACT_SIGNED_DONE, name, r.v.id, r.act.title, node_act_state_word(ctx->lang, r.state),
			 (long long)r.act.seats, (long long)r.act.capacity);
		break;
	case ACT_CANCEL:
		node_say(ctx, M_ACT_CANCELLED, name, r.v.id, r.act.title, (long long)r.act.seats,
			 (long long)r.act.capacity);
		break;
	case ACT_CHECKIN:
		node_say(ctx, M_ACT_CHECKED_IN, name, r.v.id, r.act.title, (long long)r.act.checked_in);
		break;
	case ACT_CHECKOUT:
	default:
		app_real_fmt(r.hours, h, sizeof(h));
		node_say(ctx, M_ACT_CHECKED_OUT, name, r.v.id, r.act.title, h, (long long)r.points);
		break;
	}
	return 0;
}

int node_cmd_activity_signup(struct node_ctx *ctx, const struct node_args *a)
{
	return node_act_person(ctx, a, ACT_SIGNUP);
}

int node_cmd_activity_cancel(struct node_ctx *ctx, const struct node_args *a)
{
	return node_act_person(ctx, a, ACT_CANCEL);
}

int node_cmd_activity_checkin(struct node_ctx *ctx, const struct node_args *a)
{
	return node_act_person(ctx, a, ACT_CHECKIN);
}

int node_cmd_activity_checkout(struct node_ctx *ctx, const struct node_args *a)
{
	return node_act_person(ctx, a, ACT_CHECKOUT);
}

int node_cmd_activity_close(struct node_ctx *ctx, const struct node_args *a)
{
	struct app_activity_result r;
	int rc = node_args_one(ctx, a, M_NEED_ACTIVITY);
	if (rc)
		return rc;
	if ((rc = app_activity_close(&ctx->app, a->pos[0], &r)))
		return node_act_fail(ctx, rc, NULL);
	if (ctx->json) {
		struct node_json j;
		node_json_init(&j, stdout);
		node_json_obj(&j);
		node_json_key(&j, "activity");
		node_act_json(&j, &r.act);
		node_json_kint(&j, "settled", (int64_t)r.settled);
		node_json_kint(&j, "points", r.points);
		node_json_end_obj(&j);
		return 0;
	}
	node_say(ctx, M_ACT_CLOSED_DONE, r.act.title, r.act.id, (long long)r.act.checked_in, r.settled,
		 (long long)r.points);
	return 0;
}

void node_activity_status(struct node_ctx *ctx)
{
	struct app_activity *v = NULL;
	int64_t from, to, seats = 0, in = 0;
	size_t n = 0;

	node_act_today(ctx->app.now_ms, &from, &to);
	if (to <= 0 || app_activity_list(&ctx->app, false, from, to, &v, &n)) {
		app_fail_clear(&ctx->app);
		return;
	}
	for (size_t i = 0; i < n; i++) {
		seats += v[i].seats;
		in += v[i].checked_in;
	}
	if (n) {
		node_say(ctx, M_STATUS_ACTIVITIES, (long long)n, (long long)seats, (long long)in);
		for (size_t i = 0; i < n && i < 10; i++) {
			char when[32];
			app_time_fmt((uint64_t)v[i].start_at, when, sizeof(when));
			/* "HH:MM" when it starts today; the date too when it
			 * started before today and runs into it */
			const char *hm = v[i].start_at >= from && strlen(when) > 11 ? when + 11 : when;
			node_say(ctx, M_STATUS_ACTIVITY_LINE, v[i].id, hm, v[i].title,
				 (long long)v[i].seats, (long long)v[i].capacity, (long long)v[i].checked_in);
		}
	}
	mem_free(v);
}

void node_activity_status_json(struct node_ctx *ctx, struct node_json *j)
{
	struct app_activity *v = NULL;
	int64_t from, to;
	size_t n = 0;

	node_json_key(j, "activities_today");
	node_json_arr(j);
	node_act_today(ctx->app.now_ms, &from, &to);
	if (to <= 0 || app_activity_list(&ctx->app, false, from, to, &v, &n)) {
		app_fail_clear(&ctx->app);
		n = 0;
	}
	for (size_t i = 0; i < n; i++)
		node_act_json(j, &v[i]);
	node_json_end_arr(j);
	mem_free(v);
}

void node_activity_report(struct node_ctx *ctx, int64_t from, int64_t to)
{
	struct app_activity_counts c;
	char h[32];
	if (app_activity_counts(&ctx->app, from, to, &c)) {
		app_fail_clear(&ctx->app);
		return;
	}
	if (c.activities == 0)
		return;
	app_real_fmt(c.hours, h, sizeof(h));
	node_say(ctx, M_REPORT_ACTIVITIES, (long long)c.activities, (long long)c.open, (long long)c.seats,
		 (long long)c.attended, h);
}
