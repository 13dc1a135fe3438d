// SPDX-License-Identifier: MIT
/*
 * cmd_order.c - the order commands: 点单 add, 派单 dispatch, 接单 accept,
 * 做单 done, 评单 rate, cancel, list, show. The command line only: the
 * moves, their rules and the credits are app/order.c's; this file reads
 * the options, calls it and prints (messages, tables, JSON).
 */
#include <string.h>

#include "base/err.h"
#include "app/order.h"
#include "app/range.h"
#include "app/send.h"
#include "node/node.h"

const char *node_word(enum node_lang lang, enum node_word kind, const char *s)
{
	static const struct {
		enum node_word kind;
		const char *s;
		enum node_msg_id msg;
	} words[] = {
		{ NODE_WORD_STATUS, "open", M_ST_OPEN },
		{ NODE_WORD_STATUS, "dispatched", M_ST_DISPATCHED },
		{ NODE_WORD_STATUS, "accepted", M_ST_ACCEPTED },
		{ NODE_WORD_STATUS, "done", M_ST_DONE },
		{ NODE_WORD_STATUS, "rated", M_ST_RATED },
		{ NODE_WORD_STATUS, "cancelled", M_ST_CANCELLED },
		{ NODE_WORD_VSTATUS, "active", M_VST_ACTIVE },
		{ NODE_WORD_VSTATUS, "paused", M_VST_PAUSED },
		{ NODE_WORD_VSTATUS, "left", M_VST_LEFT },
		/* activities (issue 17): a person's state, the hub as a home */
		{ NODE_WORD_ACT, "none", M_ACT_ST_NONE },
		{ NODE_WORD_ACT, "pending", M_ACT_ST_PENDING },
		{ NODE_WORD_ACT, "waiting", M_ACT_ST_WAITING },
		{ NODE_WORD_ACT, "signed", M_ACT_ST_SIGNED },
		{ NODE_WORD_ACT, "in", M_ACT_ST_IN },
		{ NODE_WORD_ACT, "out", M_ACT_ST_OUT },
		{ NODE_WORD_ACT, "hub", M_ACT_HUB },
	};
	static const enum node_msg_id verbs[] = {
		[APP_MOVE_ADD] = M_VERB_ADD,   [APP_MOVE_DISPATCH] = M_VERB_DISPATCH,
		[APP_MOVE_ACCEPT] = M_VERB_ACCEPT, [APP_MOVE_DONE] = M_VERB_DONE,
		[APP_MOVE_RATE] = M_VERB_RATE, [APP_MOVE_CANCEL] = M_VERB_CANCEL,
		[APP_MOVE_CLAIM] = M_VERB_CLAIM, [APP_MOVE_RELEASE] = M_VERB_RELEASE,
	};
	for (size_t m = 0; kind == NODE_WORD_MOVE && m < sizeof(verbs) / sizeof(verbs[0]); m++)
		if (strcmp(app_order_move_name((enum app_order_move)m), s) == 0)
			return node_msg(lang, verbs[m]);
	for (size_t i = 0; i < sizeof(words) / sizeof(words[0]); i++)
		if (words[i].kind == kind && strcmp(words[i].s, s) == 0)
			return node_msg(lang, words[i].msg);
	return kind == NODE_WORD_STATUS ? node_msg(lang, M_ST_UNKNOWN) : s;
}

static const char *node_status_name(const struct node_ctx *ctx, const char *s)
{
	return node_word(ctx->lang, NODE_WORD_STATUS, s);
}

int node_fail_found(struct node_ctx *ctx, int rc, const struct app_volunteer_found *f)
{
	bool ambiguous = ctx->app.fail.why == APP_W_VOLUNTEER_AMBIGUOUS;
	node_fail_app(ctx, rc);
	if (!ambiguous || !f)
		return rc;
	const char *head[] = { node_msg(ctx->lang, M_COL_ID), node_msg(ctx->lang, M_COL_NAME),
			       node_msg(ctx->lang, M_COL_PHONE), node_msg(ctx->lang, M_COL_STATION) };
	struct node_table t;
	node_table_init(&t, 4, head);
	for (size_t i = 0; i < f->shown; i++) {
		const struct app_volunteer_hit *h = &f->c[i];
		const char *cells[] = { h->id, h->name, h->phone_masked, h->station };
		node_table_row(&t, cells);
	}
	node_table_print(&t, stderr);
	node_table_release(&t);
	if (f->n > f->shown)
		node_fsay(stderr, ctx->lang, M_VOLUNTEER_MORE, f->n - f->shown);
	return rc;
}

int node_args_one(struct node_ctx *ctx, const struct node_args *a, enum node_msg_id need)
{
	if (a->npos != 1) {
		char what[64];
		snprintf(what, sizeof(what), "%s %s", a->cmd->group, a->cmd->verb ? a->cmd->verb : "");
		return node_fail(ctx, ERR_USAGE, need, what);
	}
	return node_open(ctx);
}

/* {"id"} with --json, else the message with the id and a, b. */
static void node_print_done(struct node_ctx *ctx, const char *id, enum node_msg_id msg, const char *a,
			    const char *b)
{
	if (ctx->json) {
		struct node_json j;
		node_json_init(&j, stdout);
		node_json_obj(&j);
		node_json_kstr(&j, "id", id);
		node_json_end_obj(&j);
	} else {
		node_say(ctx, msg, id, a, b);
	}
}

int node_cmd_order_add(struct node_ctx *ctx, const struct node_args *a)
{
	struct app_order_new in = {
		.category = node_arg(a, "category"),
		.detail = node_arg(a, "detail"),
		.requester = node_arg(a, "requester"),
		.phone = node_arg(a, "phone"),
		.kind = node_arg(a, "kind"),
		.station = node_arg(a, "station"),
	};
	struct app_order_result r;
	int rc;
	if (!in.category || !in.detail)
		return node_fail(ctx, ERR_USAGE, M_ORDER_NEEDS);
	if ((rc = node_open(ctx)) || (rc = app_order_add(&ctx->app, &in, &r)))
		return rc;
	node_print_done(ctx, r.id, M_ORDER_ADDED, in.category, r.id);
	return 0;
}

/* dispatch and accept: the volunteer named, and whether they are from
 * another station (O5). */
static int node_order_assign(struct node_ctx *ctx, const struct node_args *a, bool dispatch)
{
	struct app_volunteer_found f;
	struct app_order_result r;
	const char *who = node_arg(a, "volunteer");
	int rc = node_args_one(ctx, a, M_NEED_ID);
	if (rc)
		return rc;
	rc = dispatch ? app_order_dispatch(&ctx->app, a->pos[0], who, &f, &r)
		      : app_order_accept(&ctx->app, a->pos[0], who, &f, &r);
	if (rc)
		return node_fail_found(ctx, rc, &f);
	if (!ctx->json && r.away)
		node_say(ctx, M_VISITING_NOTE, r.volunteer, r.home);
	node_print_done(ctx, r.id, dispatch ? M_ORDER_DISPATCHED : M_ORDER_ACCEPTED, r.volunteer, NULL);
	return 0;
}

/* order dispatch ID --station X: the hub sends the order to a station
 * (app/send.c). */
static int node_order_send(struct node_ctx *ctx, const struct node_args *a)
{
	struct app_send_result r;
	int rc = node_args_one(ctx, a, M_NEED_ID);
	if (rc)
		return rc;
	if (node_arg(a, "volunteer"))
		return node_fail(ctx, ERR_USAGE, M_HELP_ORDER_DISPATCH);
	if ((rc = app_order_send(&ctx->app, a->pos[0], node_arg(a, "station"), &r)))
		return rc;
	if (ctx->json) {
		struct node_json j;
		node_json_init(&j, stdout);
		node_json_obj(&j);
		node_json_kstr(&j, "id", r.id);
		node_json_kstr(&j, "station", r.station);
		node_json_kstr(&j, "moved_from", r.moved ? r.from : NULL);
		node_json_end_obj(&j);
	} else if (r.moved) {
		node_say(ctx, M_ORDER_MOVED, r.from, r.station, r.id);
	} else {
		node_say(ctx, M_ORDER_SENT, r.id, r.station);
	}
	return 0;
}

int node_cmd_order_dispatch(struct node_ctx *ctx, const struct node_args *a)
{
	if (node_arg(a, "station"))
		return node_order_send(ctx, a);
	return node_order_assign(ctx, a, true);
}

int node_cmd_order_accept(struct node_ctx *ctx, const struct node_args *a)
{
	return node_order_assign(ctx, a, false);
}

int node_cmd_order_done(struct node_ctx *ctx, const struct node_args *a)
{
	struct app_order_result r;
	const char *text = node_arg(a, "hours");
	char hs[32];
	double hours;
	int rc = node_args_one(ctx, a, M_NEED_ID);
	if (rc)
		return rc;
	if (!text)
		return node_fail(ctx, ERR_USAGE, M_DONE_NEEDS, a->pos[0]);
	if ((rc = app_order_hours_parse(&ctx->app, text, &hours)) ||
	    (rc = app_order_done(&ctx->app, a->pos[0], hours, &r)))
		return rc;
	if (ctx->json) {
		struct node_json j;
		node_json_init(&j, stdout);
		node_json_obj(&j);
		node_json_kstr(&j, "id", r.id);
		node_json_kstr(&j, "volunteer", r.volunteer);
		node_json_kreal(&j, "hours", r.hours);
		node_json_kint(&j, "points", r.points);
		node_json_end_obj(&j);
	} else {
		app_real_fmt(r.hours, hs, sizeof(hs));
		node_say(ctx, M_ORDER_DONE, r.id, r.volunteer, hs, (long long)r.points);
	}
	return 0;
}

int node_cmd_order_rate(struct node_ctx *ctx, const struct node_args *a)
{
	struct app_order_result r;
	const char *text = node_arg(a, "rating");
	int64_t rating;
	int rc = node_args_one(ctx, a, M_NEED_ID);
	if (rc)
		return rc;
	if ((rc = app_order_rating_parse(&ctx->app, text ? text : "", &rating)) ||
	    (rc = app_order_rate(&ctx->app, a->pos[0], rating, node_arg(a, "comment"), &r)))
		return rc;
	if (ctx->json) {
		struct node_json j;
		node_json_init(&j, stdout);
		node_json_obj(&j);
		node_json_kstr(&j, "id", r.id);
		node_json_kint(&j, "rating", r.rating);
		node_json_end_obj(&j);
	} else {
		node_say(ctx, M_ORDER_RATED, r.id, (long long)r.rating);
	}
	return 0;
}

int node_cmd_order_cancel(struct node_ctx *ctx, const struct node_args *a)
{
	struct app_order_result r;
	const char *reason = node_arg(a, "reason");
	int rc = node_args_one(ctx, a, M_NEED_ID);
	if (rc || (rc = app_order_cancel(&ctx->app, a->pos[0], reason, &r)))
		return rc;
	node_print_done(ctx, r.id, M_ORDER_CANCELLED, reason, NULL);
	return 0;
}

/* ---- list and show ---------------------------------------------------------- */

struct node_order_list {
	struct node_ctx *ctx;
	struct node_json j;
	struct node_table t;
	size_t n;
	bool begun; /* list: output started (at the first row, or the end) */
};

/* order list: the table and the JSON begin once the filter is known good. */
static void node_order_list_begin(struct node_order_list *l)
{
	struct node_ctx *ctx = l->ctx;
	const char *head[] = { node_msg(ctx->lang, M_COL_ID),	     node_msg(ctx->lang, M_COL_STATUS),
			       node_msg(ctx->lang, M_COL_CATEGORY),  node_msg(ctx->lang, M_COL_DETAIL),
			       node_msg(ctx->lang, M_COL_VOLUNTEER), node_msg(ctx->lang, M_COL_CREATED),
			       node_msg(ctx->lang, M_COL_KIND) };
	if (!l->begun)
		node_list_begin(ctx, &l->j, &l->t, 7, head, "orders");
	l->begun = true;
}

static void node_json_kreal_or_null(struct node_json *j, const char *k, bool has, double v)
{
	node_json_key(j, k);
	if (has)
		node_json_real(j, v);
	else
		node_json_null(j);
}

static void node_json_kint_or_null(struct node_json *j, const char *k, bool has, int64_t v)
{
	node_json_key(j, k);
	if (has)
		node_json_int(j, v);
	else
		node_json_null(j);
}

static int node_order_row(void *arg, const struct app_order *o)
{
	struct node_order_list *l = arg;
	char when[32], shortd[APP_TEXT_MAX + 4], st[96];
	struct app_send_info sent;
	node_order_list_begin(l);
	l->n++;
	if (app_send_info(&l->ctx->app, o->id, &sent)) /* send.c: the hub's mark */
		memset(&sent, 0, sizeof(sent));
	if (l->ctx->json) {
		node_json_obj(&l->j);
		node_json_kstr(&l->j, "id", o->id);
		node_json_kstr(&l->j, "station", o->station);
		node_json_kstr(&l->j, "kind", o->kind[0] ? o->kind : "service");
		node_json_kstr(&l->j, "status", o->status);
		node_json_kstr(&l->j, "category", o->category);
		node_json_kstr(&l->j, "detail", o->detail);
		node_json_kstr(&l->j, "volunteer", o->volunteer[0] ? o->volunteer : NULL);
		node_json_kreal_or_null(&l->j, "hours", o->has_hours, o->hours);
		node_json_kint_or_null(&l->j, "rating", o->rating != 0, o->rating);
		node_json_kint(&l->j, "created_at", o->created_at);
		node_json_key(&l->j, "from_hub");
		node_json_bool(&l->j, sent.sent);
		node_json_end_obj(&l->j);
		return 0;
	}
	app_time_fmt((uint64_t)o->created_at, when, sizeof(when));
	if (l->ctx->csv) /* a spreadsheet gets the whole text */
		snprintf(shortd, sizeof(shortd), "%s", o->detail);
	else
		node_trunc_width(o->detail, 24, shortd, sizeof(shortd));
	snprintf(st, sizeof(st), "%s%s",
		 strcmp(o->kind, "wish") == 0 ? node_wish_state(l->ctx, o->status)
					      : node_status_name(l->ctx, o->status),
		 sent.sent ? node_msg(l->ctx->lang, M_FROM_HUB_MARK) : "");
	const char *cells[] = { o->id,	 st, o->category, shortd,
				o->volunteer[0] ? o->volunteer : "-", when, node_kind_name(l->ctx, o->kind) };
	node_table_row(&l->t, cells);
	return 0;
}

/* order list's options for reports (issue 17): --format, --from/--to
 * (when the order was placed), --search, --limit/--page. */
static int node_order_list_opts(struct node_ctx *ctx, const struct node_args *a,
				struct app_order_filter *flt, struct app_range *range, struct app_page *page)
{
	int rc;
	if ((rc = node_format_take(ctx, a)) || (rc = node_range_take(ctx, a, range)) ||
	    (rc = node_page_take(ctx, a, page)))
		return rc;
	flt->range = range;
	flt->search = node_arg(a, "search");
	flt->page = page;
	return 0;
}

int node_cmd_order_list(struct node_ctx *ctx, const struct node_args *a)
{
	struct app_volunteer_found f;
	struct app_range range;
	struct app_page page;
	struct app_order_filter flt = { .status = node_arg(a, "status"),
					.station = node_arg(a, "station"),
					.volunteer = node_arg(a, "volunteer"),
					.kind = node_arg(a, "kind"),
					.found = &f,
					.from_hub = node_flag(a, "from-hub") };
	struct node_order_list l = { .ctx = ctx };
	int rc;
	if (flt.status && !app_order_status_ok(flt.status))
		return node_fail(ctx, ERR_USAGE, M_BAD_OSTATUS, flt.status);
	if ((rc = node_order_list_opts(ctx, a, &flt, &range, &page)))
		return rc;
	if ((rc = node_open(ctx)))
		return rc;
	rc = app_order_list(&ctx->app, &flt, node_order_row, &l);
	if (rc && !l.begun)
		return node_fail_found(ctx, rc, &f);
	node_order_list_begin(&l);
	node_list_end_page(ctx, &l.j, &l.t, l.n, M_NO_ORDERS, &page);
	if (rc) /* storage failed on the way: the list is cut */
		return rc;
	return 0;
}

static int node_event_row(void *arg, const struct app_order_event *e)
{
	struct node_order_list *l = arg;
	char when[32], change[128];
	if (l->ctx->json) {
		node_json_obj(&l->j);
		node_json_kstr(&l->j, "id", e->id);
		node_json_kint(&l->j, "at", e->at);
		node_json_kstr(&l->j, "actor", e->actor);
		node_json_kstr(&l->j, "from", e->from[0] ? e->from : NULL);
		node_json_kstr(&l->j, "to", e->to);
		node_json_kstr(&l->j, "volunteer", e->volunteer[0] ? e->volunteer : NULL);
		node_json_kstr(&l->j, "note", e->note[0] ? e->note : NULL);
		node_json_end_obj(&l->j);
		return 0;
	}
	app_time_fmt((uint64_t)e->at, when, sizeof(when));
	snprintf(change, sizeof(change), "%s → %s", e->from[0] ? node_status_name(l->ctx, e->from) : "-",
		 node_status_name(l->ctx, e->to));
	char words[160];
	const char *note = e->note;
	struct app_send_note sn;
	if (app_send_note_read(e->actor, e->note, &sn)) {
		node_send_note_words(l->ctx->lang, sn.moved, sn.station, sn.order, words, sizeof(words));
		note = words;
	}
	const char *cells[] = { when, e->actor, change, e->volunteer[0] ? e->volunteer : "-", note };
	node_table_row(&l->t, cells);
	return 0;
}

/* What the hub's sending left in the history (app/send.c). */
static void node_order_send_json(struct node_json *j, const struct app_send_info *s)
{
	node_json_key(j, "from_hub");
	node_json_bool(j, s->sent);
	node_json_kstr(j, "moved_from", s->from[0] ? s->from : NULL);
	node_json_kstr(j, "moved_to", s->to[0] ? s->to : NULL);
	node_json_kstr(j, "moved_to_station", s->to_station[0] ? s->to_station : NULL);
}

static void node_order_send_text(struct node_ctx *ctx, const struct app_send_info *s)
{
	if (s->sent)
		node_say(ctx, M_ORDER_SEND_SENT);
	if (s->from[0])
		node_say(ctx, M_ORDER_SEND_FROM, s->from);
	if (s->to[0])
		node_say(ctx, M_ORDER_SEND_TO, s->to_station, s->to);
}

static void node_order_head_json(struct node_json *j, const struct app_order *o, bool credited,
				 int64_t points, const struct app_send_info *s)
{
	node_json_obj(j);
	node_json_kstr(j, "id", o->id);
	node_json_kstr(j, "station", o->station);
	node_json_kstr(j, "kind", o->kind[0] ? o->kind : NULL);
	node_json_kstr(j, "category", o->category);
	node_json_kstr(j, "detail", o->detail);
	node_json_kstr(j, "requester", o->requester[0] ? o->requester : NULL);
	node_json_kstr(j, "requester_phone", o->requester_phone[0] ? o->requester_phone : NULL);
	node_json_kstr(j, "status", o->status);
	node_json_kstr(j, "volunteer", o->volunteer[0] ? o->volunteer : NULL);
	node_json_kreal_or_null(j, "hours", o->has_hours, o->hours);
	node_json_kint_or_null(j, "rating", o->rating != 0, o->rating);
	node_json_kstr(j, "comment", o->comment[0] ? o->comment : NULL);
	node_json_kint(j, "created_at", o->created_at);
	node_json_kint(j, "updated_at", o->updated_at);
	node_json_kint_or_null(j, "points", credited, points);
	node_order_send_json(j, s);
	node_json_key(j, "events");
	node_json_arr(j);
}

static void node_order_head_text(struct node_ctx *ctx, const struct app_order *o, bool credited,
				 int64_t points, const struct app_send_info *s)
{
	char created[32], updated[32], hs[32], masked[64], rating[24];
	app_time_fmt((uint64_t)o->created_at, created, sizeof(created));
	app_time_fmt((uint64_t)o->updated_at, updated, sizeof(updated));
	app_real_fmt(o->hours, hs, sizeof(hs));
	app_phone_mask(o->requester_phone, masked, sizeof(masked));
	snprintf(rating, sizeof(rating), "%lld", (long long)o->rating);
	node_say(ctx, M_ORDER_SHOW, o->id, node_status_name(ctx, o->status), o->station, o->category,
		 o->detail, o->requester[0] ? o->requester : "-", masked[0] ? masked : "-",
		 o->volunteer[0] ? o->volunteer : "-", o->has_hours ? hs : "-", o->rating ? rating : "-",
		 o->comment[0] ? o->comment : "-", credited ? (long long)points : 0LL, created, updated);
	node_order_send_text(ctx, s);
}

int node_cmd_order_show(struct node_ctx *ctx, const struct node_args *a)
{
	struct node_order_list l = { .ctx = ctx };
	struct app_order o;
	struct app_send_info sent;
	int64_t points;
	bool credited;
	int rc = node_args_one(ctx, a, M_NEED_ID);
	if (rc || (rc = app_order_load(&ctx->app, a->pos[0], &o)))
		return rc;
	if (strcmp(o.kind, "wish") == 0) /* shown as a wish (cmd_wish.c) */
		return node_wish_show_id(ctx, o.id);
	if ((rc = app_order_credit(&ctx->app, o.id, &points, &credited)) ||
	    (rc = app_send_info(&ctx->app, o.id, &sent)))
		return rc;
	const char *head[] = { node_msg(ctx->lang, M_COL_TIME), node_msg(ctx->lang, M_COL_NODE),
			       node_msg(ctx->lang, M_COL_CHANGE), node_msg(ctx->lang, M_COL_VOLUNTEER),
			       node_msg(ctx->lang, M_COL_NOTE) };
	node_table_init(&l.t, 5, head);
	node_json_init(&l.j, stdout);
	if (ctx->json)
		node_order_head_json(&l.j, &o, credited, points, &sent);
	else
		node_order_head_text(ctx, &o, credited, points, &sent);
	rc = app_order_events(&ctx->app, o.id, node_event_row, &l);
	if (!rc && ctx->json) {
		node_json_end_arr(&l.j);
		node_json_end_obj(&l.j);
	} else if (!rc) {
		node_say(ctx, M_ORDER_HISTORY);
		node_table_print(&l.t, stdout);
	}
	node_table_release(&l.t);
	return rc;
}
