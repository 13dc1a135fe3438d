// SPDX-License-Identifier: MIT
/*
 * cmd_wish.c - micro-wishes (微心愿): wish add, list, show, claim,
 * release, done. The command line only: a wish's rules are app/wish.c's
 * and its moves app/order.c's; this file reads the options, calls them
 * and prints (messages, tables, JSON).
 */
#include <string.h>

#include "base/err.h"
#include "app/range.h"
#include "app/wish.h"
#include "node/node.h"

const char *node_kind_name(const struct node_ctx *ctx, const char *kind)
{
	return node_msg(ctx->lang, strcmp(kind, "wish") == 0 ? M_KIND_WISH : M_KIND_SERVICE);
}

const char *node_wish_state(const struct node_ctx *ctx, const char *status)
{
	const char *s = app_wish_state(status);
	if (strcmp(s, "published") == 0)
		return node_msg(ctx->lang, M_WST_PUBLISHED);
	if (strcmp(s, "claimed") == 0)
		return node_msg(ctx->lang, M_WST_CLAIMED);
	if (strcmp(s, "fulfilled") == 0)
		return node_msg(ctx->lang, M_WST_FULFILLED);
	if (strcmp(s, "thanked") == 0)
		return node_msg(ctx->lang, M_WST_THANKED);
	return node_word(ctx->lang, NODE_WORD_STATUS, status);
}

/* Who holds w, for people: "张三（s1-v1）", "队伍 助老队（s1-t1）", "单位 县供电所", "-". */
static void node_wish_holder(const struct node_ctx *ctx, const struct app_wish *w, char *out, size_t n)
{
	char who[APP_NAME_MAX + APP_ID_MAX + 8];
	if (w->holder_name[0] && w->holder_id[0])
		snprintf(who, sizeof(who), "%s（%s）", w->holder_name, w->holder_id);
	else
		snprintf(who, sizeof(who), "%s", w->holder_name[0] ? w->holder_name : w->holder_id);
	switch (w->holder) {
	case APP_WISH_NOBODY:
		snprintf(out, n, "-");
		return;
	case APP_WISH_VOLUNTEER:
		snprintf(out, n, "%s", who);
		return;
	case APP_WISH_TEAM:
		snprintf(out, n, "%s %s", node_msg(ctx->lang, M_WISH_TEAM), who);
		return;
	case APP_WISH_UNIT:
		snprintf(out, n, "%s %s", node_msg(ctx->lang, M_WISH_UNIT), who);
		return;
	}
	out[0] = '\0';
}

static const char *node_holder_kind(enum app_wish_holder h)
{
	switch (h) {
	case APP_WISH_NOBODY:
		return NULL;
	case APP_WISH_VOLUNTEER:
		return "volunteer";
	case APP_WISH_TEAM:
		return "team";
	case APP_WISH_UNIT:
		return "unit";
	}
	return NULL;
}

/* The members of a wish's JSON object (the object stays open). */
static void node_wish_json_fields(struct node_json *j, const struct app_wish *w)
{
	const struct app_order *o = &w->o;
	node_json_kstr(j, "id", o->id);
	node_json_kstr(j, "kind", "wish");
	node_json_kstr(j, "station", o->station);
	node_json_kstr(j, "state", app_wish_state(o->status));
	node_json_kstr(j, "status", o->status);
	node_json_kstr(j, "what", o->detail);
	node_json_kstr(j, "for", o->beneficiary[0] ? o->beneficiary : NULL);
	node_json_kstr(j, "due", o->due[0] ? o->due : NULL);
	node_json_key(j, "overdue");
	node_json_bool(j, w->overdue);
	node_json_kstr(j, "requester", o->requester[0] ? o->requester : NULL);
	node_json_key(j, "claimed_by");
	if (w->holder == APP_WISH_NOBODY) {
		node_json_null(j);
	} else {
		node_json_obj(j);
		node_json_kstr(j, "kind", node_holder_kind(w->holder));
		node_json_kstr(j, "id", w->holder_id[0] ? w->holder_id : NULL);
		node_json_kstr(j, "name", w->holder_name[0] ? w->holder_name : NULL);
		node_json_end_obj(j);
	}
	node_json_kstr(j, "note", w->note[0] ? w->note : NULL);
	node_json_key(j, "hours");
	if (o->has_hours)
		node_json_real(j, o->hours);
	else
		node_json_null(j);
	node_json_kint(j, "created_at", o->created_at);
	node_json_kint(j, "updated_at", o->updated_at);
}

/* A wish after a change: as JSON, or the message. */
static void node_wish_print(const struct app_wish *w)
{
	struct node_json j;
	node_json_init(&j, stdout);
	node_json_obj(&j);
	node_wish_json_fields(&j, w);
	node_json_end_obj(&j);
}

int node_cmd_wish_add(struct node_ctx *ctx, const struct node_args *a)
{
	struct app_wish_new in = { .what = node_arg(a, "what"),
				   .for_whom = node_arg(a, "for"),
				   .due = node_arg(a, "due"),
				   .requester = node_arg(a, "requester"),
				   .phone = node_arg(a, "phone"),
				   .station = node_arg(a, "station") };
	struct app_wish w;
	int rc;
	if ((rc = node_open(ctx)) || (rc = app_wish_add(&ctx->app, &in, &w)))
		return rc;
	if (ctx->json)
		node_wish_print(&w);
	else
		node_say(ctx, M_WISH_ADDED, w.o.id, w.o.detail);
	return 0;
}

static struct app_wish_who node_wish_who(const struct node_args *a)
{
	struct app_wish_who who = { .volunteer = node_arg(a, "volunteer"),
				    .team = node_arg(a, "team"),
				    .unit = node_arg(a, "unit") };
	return who;
}

int node_cmd_wish_claim(struct node_ctx *ctx, const struct node_args *a)
{
	struct app_volunteer_found f;
	struct app_wish_who who = node_wish_who(a);
	struct app_wish w;
	char holder[APP_NAME_MAX + APP_ID_MAX + 32];
	int rc = node_args_one(ctx, a, M_NEED_ID);
	memset(&f, 0, sizeof(f));
	if (rc)
		return rc;
	if ((rc = app_wish_claim(&ctx->app, a->pos[0], &who, &f, &w)))
		return node_fail_found(ctx, rc, &f);
	if (ctx->json) {
		node_wish_print(&w);
		return 0;
	}
	node_wish_holder(ctx, &w, holder, sizeof(holder));
	node_say(ctx, M_WISH_CLAIM_DONE, w.o.id, holder);
	return 0;
}

int node_cmd_wish_release(struct node_ctx *ctx, const struct node_args *a)
{
	struct app_volunteer_found f;
	struct app_wish_who who = node_wish_who(a);
	struct app_wish before, w;
	char holder[APP_NAME_MAX + APP_ID_MAX + 32];
	bool any = who.volunteer || who.team || who.unit;
	int rc = node_args_one(ctx, a, M_NEED_ID);
	memset(&f, 0, sizeof(f));
	if (rc)
		return rc;
	/* who held it, for the message (the release then reads it again) */
	if ((rc = app_wish_load(&ctx->app, a->pos[0], &before)))
		return rc;
	if ((rc = app_wish_release(&ctx->app, a->pos[0], any ? &who : NULL, node_flag(a, "force"),
				   node_arg(a, "note"), &f, &w)))
		return node_fail_found(ctx, rc, &f);
	if (ctx->json) {
		node_wish_print(&w);
		return 0;
	}
	node_wish_holder(ctx, &before, holder, sizeof(holder));
	node_say(ctx, M_WISH_RELEASED, w.o.id, holder);
	return 0;
}

int node_cmd_wish_done(struct node_ctx *ctx, const struct node_args *a)
{
	struct app_order_result r;
	struct app_wish w;
	char holder[APP_NAME_MAX + APP_ID_MAX + 32], hs[32];
	int rc = node_args_one(ctx, a, M_NEED_ID);
	if (rc || (rc = app_wish_done(&ctx->app, a->pos[0], node_arg(a, "note"), node_arg(a, "hours"),
				      &w, &r)))
		return rc;
	if (ctx->json) {
		struct node_json j;
		node_json_init(&j, stdout);
		node_json_obj(&j);
		node_wish_json_fields(&j, &w);
		node_json_kint(&j, "points", r.points);
		node_json_end_obj(&j);
		return 0;
	}
	node_wish_holder(ctx, &w, holder, sizeof(holder));
	node_say(ctx, M_WISH_DONE, w.o.id, holder, w.note);
	if (w.o.has_hours) {
		app_real_fmt(w.o.hours, hs, sizeof(hs));
		node_say(ctx, M_WISH_DONE_POINTS, hs, (long long)r.points);
	}
	return 0;
}

/* ---- list and show ---------------------------------------------------------- */

struct node_wish_list {
	struct node_ctx *ctx;
	struct node_json j;
	struct node_table t;
	size_t n;
	bool begun;
};

static void node_wish_list_begin(struct node_wish_list *l)
{
	struct node_ctx *ctx = l->ctx;
	const char *head[] = { node_msg(ctx->lang, M_COL_ID),	  node_msg(ctx->lang, M_COL_STATUS),
			       node_msg(ctx->lang, M_COL_WISH),	  node_msg(ctx->lang, M_COL_FOR_WHOM),
			       node_msg(ctx->lang, M_COL_DUE),	  node_msg(ctx->lang, M_COL_HOLDER),
			       node_msg(ctx->lang, M_COL_STATION) };
	if (!l->begun)
		node_list_begin(ctx, &l->j, &l->t, 7, head, "wishes");
	l->begun = true;
}

static int node_wish_row(void *arg, const struct app_wish *w)
{
	struct node_wish_list *l = arg;
	char what[APP_TEXT_MAX + 4], holder[APP_NAME_MAX + APP_ID_MAX + 32], due[64];
	node_wish_list_begin(l);
	l->n++;
	if (l->ctx->json) {
		node_json_obj(&l->j);
		node_wish_json_fields(&l->j, w);
		node_json_end_obj(&l->j);
		return 0;
	}
	node_trunc_width(w->o.detail, 24, what, sizeof(what));
	node_wish_holder(l->ctx, w, holder, sizeof(holder));
	snprintf(due, sizeof(due), "%s%s", w->o.due[0] ? w->o.due : "-",
		 w->overdue ? node_msg(l->ctx->lang, M_WISH_OVERDUE) : "");
	const char *cells[] = { w->o.id, node_wish_state(l->ctx, w->o.status), what,
				w->o.beneficiary[0] ? w->o.beneficiary : "-", due, holder, w->o.station };
	node_table_row(&l->t, cells);
	return 0;
}

int node_cmd_wish_list(struct node_ctx *ctx, const struct node_args *a)
{
	struct app_wish_filter f = { .state = node_arg(a, "state"),
				     .station = node_arg(a, "station"),
				     .overdue = node_flag(a, "overdue") };
	struct node_wish_list l = { .ctx = ctx };
	struct app_range range;
	int rc;
	if ((rc = node_open(ctx)) || (rc = node_range_take(ctx, a, &range)))
		return rc;
	if (range.from_ms || range.to_ms)
		f.range = &range;
	rc = app_wish_list(&ctx->app, &f, node_wish_row, &l);
	if (rc && !l.begun)
		return rc;
	node_wish_list_begin(&l);
	node_list_end(ctx, &l.j, &l.t, l.n, M_WISH_LIST_EMPTY);
	return rc;
}

static int node_wish_event(void *arg, const struct app_order_event *e)
{
	struct node_wish_list *l = arg;
	char when[32], change[128];
	if (l->ctx->json) {
		node_json_obj(&l->j);
		node_json_kstr(&l->j, "id", e->id);
		node_json_kint(&l->j, "at", e->at);
		node_json_kstr(&l->j, "actor", e->actor);
		node_json_kstr(&l->j, "from", e->from[0] ? app_wish_state(e->from) : NULL);
		node_json_kstr(&l->j, "to", app_wish_state(e->to));
		node_json_kstr(&l->j, "volunteer", e->volunteer[0] ? e->volunteer : NULL);
		node_json_kstr(&l->j, "note", e->note[0] ? e->note : NULL);
		node_json_end_obj(&l->j);
		return 0;
	}
	app_time_fmt((uint64_t)e->at, when, sizeof(when));
	snprintf(change, sizeof(change), "%s → %s", e->from[0] ? node_wish_state(l->ctx, e->from) : "-",
		 node_wish_state(l->ctx, e->to));
	const char *cells[] = { when, e->actor, change, e->volunteer[0] ? e->volunteer : "-", e->note };
	node_table_row(&l->t, cells);
	return 0;
}

int node_wish_show_id(struct node_ctx *ctx, const char *id)
{
	struct node_wish_list l = { .ctx = ctx };
	struct app_wish w;
	char holder[APP_NAME_MAX + APP_ID_MAX + 32], masked[64], hs[32], created[32], updated[32];
	int64_t points;
	bool credited;
	int rc;
	if ((rc = app_wish_load(&ctx->app, id, &w)) ||
	    (rc = app_order_credit(&ctx->app, w.o.id, &points, &credited)))
		return rc;
	const char *head[] = { node_msg(ctx->lang, M_COL_TIME), node_msg(ctx->lang, M_COL_NODE),
			       node_msg(ctx->lang, M_COL_CHANGE), node_msg(ctx->lang, M_COL_VOLUNTEER),
			       node_msg(ctx->lang, M_COL_NOTE) };
	node_table_init(&l.t, 5, head);
	node_json_init(&l.j, stdout);
	if (ctx->json) {
		node_json_obj(&l.j);
		node_wish_json_fields(&l.j, &w);
		node_json_key(&l.j, "points");
		if (credited)
			node_json_int(&l.j, points);
		else
			node_json_null(&l.j);
		node_json_key(&l.j, "events");
		node_json_arr(&l.j);
	} else {
		node_wish_holder(ctx, &w, holder, sizeof(holder));
		app_phone_mask(w.o.requester_phone, masked, sizeof(masked));
		app_real_fmt(w.o.hours, hs, sizeof(hs));
		app_time_fmt((uint64_t)w.o.created_at, created, sizeof(created));
		app_time_fmt((uint64_t)w.o.updated_at, updated, sizeof(updated));
		node_say(ctx, M_WISH_SHOW, w.o.id, node_wish_state(ctx, w.o.status), w.o.station, w.o.detail,
			 w.o.beneficiary[0] ? w.o.beneficiary : "-", w.o.due[0] ? w.o.due : "-",
			 w.overdue ? node_msg(ctx->lang, M_WISH_OVERDUE) : "",
			 w.o.requester[0] ? w.o.requester : "-", masked[0] ? masked : "-", holder,
			 w.note[0] ? w.note : "-", w.o.has_hours ? hs : "-",
			 credited ? (long long)points : 0LL, created, updated);
	}
	rc = app_order_events(&ctx->app, w.o.id, node_wish_event, &l);
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

int node_cmd_wish_show(struct node_ctx *ctx, const struct node_args *a)
{
	int rc = node_args_one(ctx, a, M_NEED_ID);
	return rc ? rc : node_wish_show_id(ctx, a->pos[0]);
}
