// SPDX-License-Identifier: MIT
/*
 * cmd_order.c - service orders: 点单 add, 派单 dispatch, 接单 accept,
 * 做单 done, 评单 rate, cancel, list, show.
 *
 * Transitions this node allows (anything else is refused, exit status 3,
 * with the reason and what to do; nothing is written):
 *
 *   move      from                          to          needs
 *   --------  ----------------------------  ----------  -----------------------
 *   add       -                             open        --category --detail
 *   dispatch  open, dispatched, accepted    dispatched  --volunteer (not left)
 *   accept    dispatched                    accepted    the assigned volunteer
 *             open                          accepted    --volunteer
 *   done      dispatched, accepted          done        --hours; credits points
 *   rate      done                          rated       --rating 1..5
 *   cancel    open, dispatched, accepted    cancelled   --reason
 *
 * Invariants:
 *  O1. Every move is one local commit holding the order's new state, one
 *      order_events row (who, when, from which status to which), and for
 *      done the service credit: all of it or none of it is on disk.
 *  O2. The service credit carries key "service:<order id>", unique in the
 *      points table: whatever retries or syncs follow, the replicas keep
 *      one credit per order (crdt/ merge rule A2). Locally, done on an
 *      order already done is refused, and no credit is written when the
 *      key is already held.
 *  O3. A station moves only its own station's orders; the hub any, in the
 *      order's station scope.
 *  O4. Ids of events are "<prefix>-e<n>", unique per writer, so two nodes
 *      recording moves of one order offline never collide.
 *  O5. A station may dispatch a visiting volunteer: "<station>-v<n>" of
 *      another station it knows, whose record it does not hold. When the
 *      volunteer's home station is not the order's, the service credit
 *      (with its hours) goes in the county-wide scope, in the same
 *      transaction as the move, so that the home station, which holds the
 *      right to spend the points, sees it; sync/trust.c lets a station
 *      write such a credit for its own orders only.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <sqlite3.h>

#include "base/err.h"
#include "node/node.h"

#define NOPTS(a) (sizeof(a) / sizeof((a)[0]))

struct node_order {
	char id[NODE_ID_MAX + 1];
	char station[CRDT_SCOPE_MAX + 1];
	char kind[16];
	char category[NODE_NAME_MAX + 1];
	char detail[NODE_TEXT_MAX + 1];
	char requester[NODE_NAME_MAX + 1];
	char requester_phone[64];
	char status[16];
	char volunteer[NODE_ID_MAX + 1];
	char team[NODE_NAME_MAX + 1];
	char comment[NODE_TEXT_MAX + 1];
	double hours;
	bool has_hours;
	int64_t rating; /* 0: none */
	int64_t created_at, updated_at;
};

enum node_move { MOVE_ADD, MOVE_DISPATCH, MOVE_ACCEPT, MOVE_DONE, MOVE_RATE, MOVE_CANCEL };

static unsigned node_table_id(const char *name)
{
	return crdt_schema_find(name)->id;
}

static int node_order_load(struct node_ctx *ctx, const char *id, struct node_order *o)
{
	sqlite3_stmt *st;
	int rc;
	memset(o, 0, sizeof(*o));
	if ((rc = node_sql(ctx, &st,
			   "SELECT station, kind, category, detail, requester, requester_phone, status,"
			   " volunteer, team, hours, rating, comment, created_at, updated_at"
			   " FROM orders WHERE pk = ?1 AND _dead IS NULL",
			   id, NULL)))
		return rc;
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW) {
		snprintf(o->id, sizeof(o->id), "%s", id);
		app_col_text(st, 0, o->station, sizeof(o->station));
		app_col_text(st, 1, o->kind, sizeof(o->kind));
		app_col_text(st, 2, o->category, sizeof(o->category));
		app_col_text(st, 3, o->detail, sizeof(o->detail));
		app_col_text(st, 4, o->requester, sizeof(o->requester));
		app_col_text(st, 5, o->requester_phone, sizeof(o->requester_phone));
		app_col_text(st, 6, o->status, sizeof(o->status));
		app_col_text(st, 7, o->volunteer, sizeof(o->volunteer));
		app_col_text(st, 8, o->team, sizeof(o->team));
		o->has_hours = sqlite3_column_type(st, 9) != SQLITE_NULL;
		o->hours = sqlite3_column_double(st, 9);
		o->rating = sqlite3_column_int64(st, 10);
		app_col_text(st, 11, o->comment, sizeof(o->comment));
		o->created_at = sqlite3_column_int64(st, 12);
		o->updated_at = sqlite3_column_int64(st, 13);
	}
	sqlite3_finalize(st);
	if (rc == SQLITE_ROW)
		return 0;
	if (rc == SQLITE_DONE)
		return node_fail(ctx, ERR_NOTFOUND, M_ORDER_NOT_FOUND, id);
	return node_fail_store(ctx, ERR_STORAGE);
}

static enum node_msg_id node_status_msg(const char *s)
{
	static const struct {
		const char *s;
		enum node_msg_id m;
	} names[] = {
		{ "open", M_ST_OPEN },	 { "dispatched", M_ST_DISPATCHED }, { "accepted", M_ST_ACCEPTED },
		{ "done", M_ST_DONE },	 { "rated", M_ST_RATED },	    { "cancelled", M_ST_CANCELLED },
	};
	for (size_t i = 0; i < NOPTS(names); i++)
		if (strcmp(names[i].s, s) == 0)
			return names[i].m;
	return M_ST_UNKNOWN;
}

static const char *node_status_name(const struct node_ctx *ctx, const char *s)
{
	return node_msg(ctx->lang, node_status_msg(s));
}

static bool node_is(const struct node_order *o, const char *s)
{
	return strcmp(o->status, s) == 0;
}

static bool node_finished(const struct node_order *o)
{
	return node_is(o, "done") || node_is(o, "rated");
}

/* Is the move allowed from the order's status? If not, say why (and what
 * to do) and return ERR_RULE. volunteer_given: accept --volunteer. */
static int node_order_allowed(struct node_ctx *ctx, const struct node_order *o, enum node_move m,
			      bool volunteer_given)
{
	static const enum node_msg_id verbs[] = {
		[MOVE_ADD] = M_VERB_ADD,   [MOVE_DISPATCH] = M_VERB_DISPATCH, [MOVE_ACCEPT] = M_VERB_ACCEPT,
		[MOVE_DONE] = M_VERB_DONE, [MOVE_RATE] = M_VERB_RATE,	      [MOVE_CANCEL] = M_VERB_CANCEL,
	};
	const char *verb = node_msg(ctx->lang, verbs[m]);
	char hs[32];

	if (!app_may_write(&ctx->app, o->station))
		return node_fail(ctx, ERR_RULE, M_ORDER_NOT_OURS, o->id, o->station, ctx->app.conf.station);
	if (node_is(o, "cancelled"))
		return node_fail(ctx, ERR_RULE, M_REFUSE_CANCELLED, o->id, verb);
	switch (m) {
	case MOVE_ADD:
		break;
	case MOVE_DISPATCH:
	case MOVE_CANCEL:
		if (node_finished(o))
			return node_fail(ctx, ERR_RULE, M_REFUSE_FINISHED, o->id,
					 node_status_name(ctx, o->status), verb);
		return 0;
	case MOVE_ACCEPT:
		if (node_finished(o))
			return node_fail(ctx, ERR_RULE, M_REFUSE_FINISHED, o->id,
					 node_status_name(ctx, o->status), verb);
		if (node_is(o, "accepted") && !volunteer_given)
			return node_fail(ctx, ERR_RULE, M_REFUSE_ALREADY_ACCEPTED, o->id, o->volunteer);
		if (node_is(o, "open") && !volunteer_given)
			return node_fail(ctx, ERR_RULE, M_REFUSE_NO_VOLUNTEER, o->id, verb, o->id, o->id);
		return 0;
	case MOVE_DONE:
		if (node_finished(o)) {
			app_real_fmt(o->hours, hs, sizeof(hs));
			return node_fail(ctx, ERR_RULE, M_REFUSE_DONE_AGAIN, o->id, hs);
		}
		if (node_is(o, "open") || !o->volunteer[0])
			return node_fail(ctx, ERR_RULE, M_REFUSE_NO_VOLUNTEER, o->id, verb, o->id, o->id);
		return 0;
	case MOVE_RATE:
		if (node_is(o, "rated"))
			return node_fail(ctx, ERR_RULE, M_REFUSE_RATED, o->id, (long long)o->rating);
		if (!node_is(o, "done"))
			return node_fail(ctx, ERR_RULE, M_REFUSE_NOT_DONE, o->id, o->id);
		return 0;
	}
	return 0;
}

/* A dispatch or accept names a volunteer who must exist and not have
 * left, or a visiting volunteer of another station (O5), of whom the
 * technician is told. */
static int node_order_volunteer_ok(struct node_ctx *ctx, const struct node_order *o,
				   const char *vid)
{
	struct node_volunteer v;
	char home[CRDT_SCOPE_MAX + 1];
	int rc = node_volunteer_load(ctx, vid, &v);
	if (rc == ERR_NOTFOUND && node_volunteer_visiting(ctx, vid, home, sizeof(home))) {
		if (!ctx->json)
			node_say(ctx, M_VISITING_NOTE, vid, home);
		return 0;
	}
	if (rc)
		return node_volunteer_need(ctx, vid, &v);
	if (strcmp(v.status, "active") != 0)
		return node_fail(ctx, ERR_RULE, M_VOLUNTEER_INACTIVE, v.id, v.name, v.status, v.id);
	if (!ctx->json && strcmp(v.station, o->station) != 0)
		node_say(ctx, M_VISITING_NOTE, vid, v.station);
	return 0;
}

static void node_event_fill(struct node_ctx *ctx, struct crdt_write *w, const char *eid,
			    const struct node_order *o, const char *from, const char *to,
			    const char *volunteer, const char *note)
{
	crdt_write_init(w, node_table_id("order_events"), CRDT_UPSERT, eid);
	crdt_write_text(w, "order", o->id);
	crdt_write_text(w, "station", o->station);
	crdt_write_text(w, "actor", app_id_prefix(&ctx->app));
	if (from && *from)
		crdt_write_text(w, "from_status", from);
	crdt_write_text(w, "to_status", to);
	if (volunteer && *volunteer)
		crdt_write_text(w, "volunteer", volunteer);
	crdt_write_int(w, "at", (int64_t)ctx->app.now_ms);
	if (note && *note)
		crdt_write_text(w, "note", note);
}

static void node_print_created(struct node_ctx *ctx, const char *id, enum node_msg_id msg,
			       const char *a, const char *b)
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

int node_cmd_order_add(struct node_ctx *ctx, int argc, char **argv)
{
	struct node_opt op[] = { { "category", true, NULL }, { "detail", true, NULL },
				 { "requester", true, NULL }, { "phone", true, NULL },
				 { "kind", true, NULL },      { "station", true, NULL } };
	const char *pos[1];
	size_t npos;
	char id[NODE_ID_MAX + 1], eid[NODE_ID_MAX + 1], phone[64] = "";
	struct crdt_write w[2];
	struct node_order o;
	int rc = node_opts_parse(ctx, argc, argv, op, NOPTS(op), pos, 0, &npos);
	if (rc)
		return rc > 0 ? 0 : rc;
	const char *category = op[0].val, *detail = op[1].val, *requester = op[2].val;
	const char *kind = op[4].val ? op[4].val : "service";
	if (!category || !detail)
		return node_fail(ctx, ERR_USAGE, M_ORDER_NEEDS);
	if (!app_text_ok(category, NODE_NAME_MAX))
		return node_fail(ctx, ERR_USAGE, M_BAD_CATEGORY, category);
	if (!app_text_ok(detail, NODE_TEXT_MAX))
		return node_fail(ctx, ERR_USAGE, M_BAD_DETAIL, NODE_TEXT_MAX);
	if (requester && !app_text_ok(requester, NODE_NAME_MAX))
		return node_fail(ctx, ERR_USAGE, M_BAD_NAME, requester);
	if (op[3].val && !app_phone_ok(op[3].val))
		return node_fail(ctx, ERR_USAGE, M_BAD_PHONE, op[3].val);
	if (strcmp(kind, "service") && strcmp(kind, "wish"))
		return node_fail(ctx, ERR_USAGE, M_BAD_KIND, kind);
	if (op[5].val && !app_id_ok(op[5].val))
		return node_fail(ctx, ERR_USAGE, M_BAD_STATION_ID, op[5].val);
	if (op[3].val)
		app_phone_norm(op[3].val, phone, sizeof(phone));
	if ((rc = node_open(ctx)))
		return rc;
	const char *station = op[5].val ? op[5].val : ctx->app.conf.station;
	if (!app_may_write(&ctx->app, station))
		return node_fail(ctx, ERR_RULE, M_NOT_OUR_STATION, station, ctx->app.conf.station);
	if ((rc = app_id_next(&ctx->app, "orders", 'o', id, sizeof(id))) ||
	    (rc = app_id_next(&ctx->app, "order_events", 'e', eid, sizeof(eid))))
		return rc;
	memset(&o, 0, sizeof(o));
	snprintf(o.id, sizeof(o.id), "%s", id);
	snprintf(o.station, sizeof(o.station), "%s", station);

	crdt_write_init(&w[0], node_table_id("orders"), CRDT_UPSERT, id);
	crdt_write_text(&w[0], "station", station);
	crdt_write_text(&w[0], "kind", kind);
	crdt_write_text(&w[0], "category", category);
	crdt_write_text(&w[0], "detail", detail);
	if (requester)
		crdt_write_text(&w[0], "requester", requester);
	if (phone[0])
		crdt_write_text(&w[0], "requester_phone", phone);
	crdt_write_text(&w[0], "status", "open");
	crdt_write_int(&w[0], "created_at", (int64_t)ctx->app.now_ms);
	crdt_write_int(&w[0], "updated_at", (int64_t)ctx->app.now_ms);
	node_event_fill(ctx, &w[1], eid, &o, NULL, "open", NULL, NULL);
	if ((rc = node_commit(ctx, station, w, 2)))
		return rc;
	node_print_created(ctx, id, M_ORDER_ADDED, category, id);
	return 0;
}

/* Parse "ID" plus the move's options, open, load the order. */
static int node_order_begin(struct node_ctx *ctx, int argc, char **argv, struct node_opt *op,
			    size_t nop, struct node_order *o, bool *help)
{
	const char *id;
	int rc = node_parse_id(ctx, argc, argv, op, nop, M_NEED_ID, &id);
	*help = rc > 0;
	if (rc)
		return rc > 0 ? 0 : rc;
	return node_order_load(ctx, id, o);
}

/* Add the commit of the order's new state (w0, already filled) with its
 * event, and the extra write (a credit) when given, to the run's write
 * transaction; node_write_end() makes it durable. */
static int node_order_move(struct node_ctx *ctx, const struct node_order *o, struct crdt_write *w0,
			   const char *to, const char *volunteer, const char *note,
			   const struct crdt_write *extra)
{
	struct crdt_write w[3];
	char eid[NODE_ID_MAX + 1];
	int rc = app_id_next(&ctx->app, "order_events", 'e', eid, sizeof(eid));
	if (rc)
		return rc;
	crdt_write_text(w0, "status", to);
	if (volunteer)
		crdt_write_text(w0, "volunteer", volunteer);
	crdt_write_int(w0, "updated_at", (int64_t)ctx->app.now_ms);
	w[0] = *w0;
	node_event_fill(ctx, &w[1], eid, o, o->status, to, volunteer ? volunteer : o->volunteer, note);
	if (extra)
		w[2] = *extra;
	return node_commit_add(ctx, o->station, w, extra ? 3 : 2);
}

int node_cmd_order_dispatch(struct node_ctx *ctx, int argc, char **argv)
{
	struct node_opt op[] = { { "volunteer", true, NULL } };
	struct node_order o;
	struct crdt_write w;
	bool help;
	int rc = node_order_begin(ctx, argc, argv, op, NOPTS(op), &o, &help);
	if (rc || help)
		return rc;
	if (!op[0].val)
		return node_fail(ctx, ERR_USAGE, M_DISPATCH_NEEDS, o.id);
	if ((rc = node_order_allowed(ctx, &o, MOVE_DISPATCH, true)) ||
	    (rc = node_order_volunteer_ok(ctx, &o, op[0].val)))
		return rc;
	crdt_write_init(&w, node_table_id("orders"), CRDT_UPSERT, o.id);
	if ((rc = node_order_move(ctx, &o, &w, "dispatched", op[0].val, NULL, NULL)) ||
	    (rc = node_write_end(ctx)))
		return rc;
	node_print_created(ctx, o.id, M_ORDER_DISPATCHED, op[0].val, NULL);
	return 0;
}

int node_cmd_order_accept(struct node_ctx *ctx, int argc, char **argv)
{
	struct node_opt op[] = { { "volunteer", true, NULL } };
	struct node_order o;
	struct crdt_write w;
	bool help;
	int rc = node_order_begin(ctx, argc, argv, op, NOPTS(op), &o, &help);
	if (rc || help)
		return rc;
	const char *vid = op[0].val ? op[0].val : o.volunteer;
	if ((rc = node_order_allowed(ctx, &o, MOVE_ACCEPT, op[0].val != NULL)) ||
	    (rc = node_order_volunteer_ok(ctx, &o, vid)))
		return rc;
	crdt_write_init(&w, node_table_id("orders"), CRDT_UPSERT, o.id);
	if ((rc = node_order_move(ctx, &o, &w, "accepted", vid, NULL, NULL)) ||
	    (rc = node_write_end(ctx)))
		return rc;
	node_print_created(ctx, o.id, M_ORDER_ACCEPTED, vid, NULL);
	return 0;
}

int node_cmd_order_done(struct node_ctx *ctx, int argc, char **argv)
{
	struct node_opt op[] = { { "hours", true, NULL } };
	struct node_order o;
	struct app_settings set;
	struct crdt_write w, credit;
	char key[NODE_ID_MAX + 16], pid[NODE_ID_MAX + 1] = "", note[64], hs[32];
	char home[CRDT_SCOPE_MAX + 1];
	sqlite3_stmt *st;
	double hours;
	bool help, held;
	int rc = node_order_begin(ctx, argc, argv, op, NOPTS(op), &o, &help);
	if (rc || help)
		return rc;
	if (!op[0].val)
		return node_fail(ctx, ERR_USAGE, M_DONE_NEEDS, o.id);
	if (app_parse_real(op[0].val, 0.1, 24, &hours))
		return node_fail(ctx, ERR_USAGE, M_BAD_HOURS, op[0].val);
	hours = round(hours * 100) / 100;
	if ((rc = node_order_allowed(ctx, &o, MOVE_DONE, false)) ||
	    (rc = app_settings_load(&ctx->app, &set)) ||
	    (rc = node_volunteer_home(ctx, o.volunteer, home, sizeof(home))))
		return rc;
	/* O2: is the credit already held (from another node)? */
	snprintf(key, sizeof(key), "service:%s", o.id);
	if ((rc = node_sql(ctx, &st, "SELECT 1 FROM points WHERE key = ?1 AND _dead IS NULL", key, NULL)))
		return rc;
	held = sqlite3_step(st) == SQLITE_ROW;
	sqlite3_finalize(st);
	int64_t pts = llround(hours * set.points_per_hour);
	if (!held && pts > 0 && (rc = app_id_next(&ctx->app, "points", 'p', pid, sizeof(pid))))
		return rc;
	crdt_write_init(&credit, node_table_id("points"), CRDT_UPSERT, pid);
	crdt_write_text(&credit, "volunteer", o.volunteer);
	crdt_write_int(&credit, "delta", pts);
	crdt_write_text(&credit, "reason", "service");
	crdt_write_text(&credit, "order", o.id);
	crdt_write_text(&credit, "station", o.station);
	crdt_write_text(&credit, "key", key);
	crdt_write_int(&credit, "at", (int64_t)ctx->app.now_ms);
	crdt_write_real(&credit, "hours", hours);

	crdt_write_init(&w, node_table_id("orders"), CRDT_UPSERT, o.id);
	crdt_write_real(&w, "hours", hours);
	app_real_fmt(hours, hs, sizeof(hs));
	snprintf(note, sizeof(note), "hours=%s", hs);
	/* O5: the credit of a visiting volunteer goes county-wide, in the
	 * same write transaction as the move */
	bool credit_now = !held && pts > 0;
	bool away = credit_now && home[0] && strcmp(home, o.station) != 0;
	rc = node_order_move(ctx, &o, &w, "done", NULL, note, credit_now && !away ? &credit : NULL);
	if (!rc && away)
		rc = node_commit_add(ctx, "", &credit, 1);
	if (rc || (rc = node_write_end(ctx)))
		return rc;
	if (ctx->json) {
		struct node_json j;
		node_json_init(&j, stdout);
		node_json_obj(&j);
		node_json_kstr(&j, "id", o.id);
		node_json_kstr(&j, "volunteer", o.volunteer);
		node_json_kreal(&j, "hours", hours);
		node_json_kint(&j, "points", credit_now ? pts : 0);
		node_json_end_obj(&j);
	} else {
		node_say(ctx, M_ORDER_DONE, o.id, o.volunteer, hs, (long long)(credit_now ? pts : 0));
	}
	return 0;
}

int node_cmd_order_rate(struct node_ctx *ctx, int argc, char **argv)
{
	struct node_opt op[] = { { "rating", true, NULL }, { "comment", true, NULL } };
	struct node_order o;
	struct crdt_write w;
	char note[NODE_TEXT_MAX + 32];
	int64_t rating;
	bool help;
	int rc = node_order_begin(ctx, argc, argv, op, NOPTS(op), &o, &help);
	if (rc || help)
		return rc;
	if (!op[0].val || app_parse_int(op[0].val, 1, 5, &rating))
		return node_fail(ctx, ERR_USAGE, M_BAD_RATING, op[0].val ? op[0].val : "");
	if (op[1].val && !app_text_ok(op[1].val, NODE_TEXT_MAX))
		return node_fail(ctx, ERR_USAGE, M_BAD_COMMENT, NODE_TEXT_MAX);
	if ((rc = node_order_allowed(ctx, &o, MOVE_RATE, false)))
		return rc;
	crdt_write_init(&w, node_table_id("orders"), CRDT_UPSERT, o.id);
	crdt_write_int(&w, "rating", rating);
	if (op[1].val)
		crdt_write_text(&w, "comment", op[1].val);
	snprintf(note, sizeof(note), "rating=%lld%s%s", (long long)rating, op[1].val ? " " : "",
		 op[1].val ? op[1].val : "");
	if ((rc = node_order_move(ctx, &o, &w, "rated", NULL, note, NULL)) ||
	    (rc = node_write_end(ctx)))
		return rc;
	if (ctx->json) {
		struct node_json j;
		node_json_init(&j, stdout);
		node_json_obj(&j);
		node_json_kstr(&j, "id", o.id);
		node_json_kint(&j, "rating", rating);
		node_json_end_obj(&j);
	} else {
		node_say(ctx, M_ORDER_RATED, o.id, (long long)rating);
	}
	return 0;
}

int node_cmd_order_cancel(struct node_ctx *ctx, int argc, char **argv)
{
	struct node_opt op[] = { { "reason", true, NULL } };
	struct node_order o;
	struct crdt_write w;
	bool help;
	int rc = node_order_begin(ctx, argc, argv, op, NOPTS(op), &o, &help);
	if (rc || help)
		return rc;
	if (!op[0].val || !app_text_ok(op[0].val, NODE_TEXT_MAX))
		return node_fail(ctx, ERR_USAGE, M_CANCEL_NEEDS, o.id);
	if ((rc = node_order_allowed(ctx, &o, MOVE_CANCEL, false)))
		return rc;
	crdt_write_init(&w, node_table_id("orders"), CRDT_UPSERT, o.id);
	if ((rc = node_order_move(ctx, &o, &w, "cancelled", NULL, op[0].val, NULL)) ||
	    (rc = node_write_end(ctx)))
		return rc;
	node_print_created(ctx, o.id, M_ORDER_CANCELLED, op[0].val, NULL);
	return 0;
}

static bool node_ostatus_ok(const char *s)
{
	return node_status_msg(s) != M_ST_UNKNOWN;
}

int node_cmd_order_list(struct node_ctx *ctx, int argc, char **argv)
{
	struct node_opt op[] = { { "status", true, NULL },
				 { "station", true, NULL },
				 { "volunteer", true, NULL } };
	const char *pos[1];
	size_t npos, n = 0;
	sqlite3_stmt *st;
	int rc = node_opts_parse(ctx, argc, argv, op, NOPTS(op), pos, 0, &npos);
	if (rc)
		return rc > 0 ? 0 : rc;
	if (op[0].val && !node_ostatus_ok(op[0].val))
		return node_fail(ctx, ERR_USAGE, M_BAD_OSTATUS, op[0].val);
	if ((rc = node_open(ctx)))
		return rc;
	if ((rc = node_sql(ctx, &st,
			   "SELECT pk, station, status, category, detail, volunteer, hours, rating,"
			   " created_at FROM orders WHERE _dead IS NULL"
			   " AND (?1 IS NULL OR status = ?1) AND (?2 IS NULL OR station = ?2)"
			   " AND (?3 IS NULL OR volunteer = ?3)"
			   " ORDER BY station, CAST(substr(pk, instr(pk, '-o') + 2) AS INTEGER), pk",
			   NULL)))
		return rc;
	for (int i = 0; i < 3; i++)
		if (op[i].val)
			sqlite3_bind_text(st, i + 1, op[i].val, -1, SQLITE_TRANSIENT);
	const char *head[] = { node_msg(ctx->lang, M_COL_ID),	  node_msg(ctx->lang, M_COL_STATUS),
			       node_msg(ctx->lang, M_COL_CATEGORY), node_msg(ctx->lang, M_COL_DETAIL),
			       node_msg(ctx->lang, M_COL_VOLUNTEER), node_msg(ctx->lang, M_COL_CREATED) };
	struct node_table t;
	struct node_json j;
	node_list_begin(ctx, &j, &t, 6, head, "orders");
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		char id[NODE_ID_MAX + 1], station[CRDT_SCOPE_MAX + 1], status[16],
			cat[NODE_NAME_MAX + 1], detail[NODE_TEXT_MAX + 1], vol[NODE_ID_MAX + 1],
			when[32], shortd[NODE_TEXT_MAX + 4];
		app_col_text(st, 0, id, sizeof(id));
		app_col_text(st, 1, station, sizeof(station));
		app_col_text(st, 2, status, sizeof(status));
		app_col_text(st, 3, cat, sizeof(cat));
		app_col_text(st, 4, detail, sizeof(detail));
		app_col_text(st, 5, vol, sizeof(vol));
		int64_t created = sqlite3_column_int64(st, 8);
		app_time_fmt((uint64_t)created, when, sizeof(when));
		n++;
		if (ctx->json) {
			node_json_obj(&j);
			node_json_kstr(&j, "id", id);
			node_json_kstr(&j, "station", station);
			node_json_kstr(&j, "status", status);
			node_json_kstr(&j, "category", cat);
			node_json_kstr(&j, "detail", detail);
			node_json_kstr(&j, "volunteer", vol[0] ? vol : NULL);
			node_json_key(&j, "hours");
			if (sqlite3_column_type(st, 6) == SQLITE_NULL)
				node_json_null(&j);
			else
				node_json_real(&j, sqlite3_column_double(st, 6));
			node_json_key(&j, "rating");
			if (sqlite3_column_type(st, 7) == SQLITE_NULL)
				node_json_null(&j);
			else
				node_json_int(&j, sqlite3_column_int64(st, 7));
			node_json_kint(&j, "created_at", created);
			node_json_end_obj(&j);
		} else {
			node_trunc_width(detail, 24, shortd, sizeof(shortd));
			const char *cells[] = { id, node_status_name(ctx, status), cat, shortd,
						vol[0] ? vol : "-", when };
			node_table_row(&t, cells);
		}
	}
	sqlite3_finalize(st);
	node_list_end(ctx, &j, &t, n, M_NO_ORDERS);
	return rc == SQLITE_DONE ? 0 : node_fail_store(ctx, ERR_STORAGE);
}

int node_cmd_order_show(struct node_ctx *ctx, int argc, char **argv)
{
	struct node_order o;
	sqlite3_stmt *st;
	char created[32], updated[32], hs[32], masked[64];
	int64_t credited = 0;
	bool help, has_credit = false;
	int rc = node_order_begin(ctx, argc, argv, NULL, 0, &o, &help);
	if (rc || help)
		return rc;
	if ((rc = node_sql(ctx, &st,
			   "SELECT coalesce(sum(delta), 0), count(*) FROM points WHERE \"order\" = ?1"
			   " AND reason = 'service' AND _dead IS NULL",
			   o.id, NULL)))
		return rc;
	if (sqlite3_step(st) == SQLITE_ROW) {
		credited = sqlite3_column_int64(st, 0);
		has_credit = sqlite3_column_int64(st, 1) > 0;
	}
	sqlite3_finalize(st);
	if ((rc = node_sql(ctx, &st,
			   "SELECT pk, at, actor, from_status, to_status, volunteer, note"
			   " FROM order_events WHERE \"order\" = ?1 AND _dead IS NULL"
			   " ORDER BY at, CAST(substr(pk, instr(pk, '-e') + 2) AS INTEGER), pk",
			   o.id, NULL)))
		return rc;
	app_time_fmt((uint64_t)o.created_at, created, sizeof(created));
	app_time_fmt((uint64_t)o.updated_at, updated, sizeof(updated));
	app_real_fmt(o.hours, hs, sizeof(hs));
	app_phone_mask(o.requester_phone, masked, sizeof(masked));
	struct node_json j;
	struct node_table t;
	const char *head[] = { node_msg(ctx->lang, M_COL_TIME), node_msg(ctx->lang, M_COL_NODE),
			       node_msg(ctx->lang, M_COL_CHANGE), node_msg(ctx->lang, M_COL_VOLUNTEER),
			       node_msg(ctx->lang, M_COL_NOTE) };
	node_table_init(&t, 5, head);
	node_json_init(&j, stdout);
	if (ctx->json) {
		node_json_obj(&j);
		node_json_kstr(&j, "id", o.id);
		node_json_kstr(&j, "station", o.station);
		node_json_kstr(&j, "kind", o.kind[0] ? o.kind : NULL);
		node_json_kstr(&j, "category", o.category);
		node_json_kstr(&j, "detail", o.detail);
		node_json_kstr(&j, "requester", o.requester[0] ? o.requester : NULL);
		node_json_kstr(&j, "requester_phone", o.requester_phone[0] ? o.requester_phone : NULL);
		node_json_kstr(&j, "status", o.status);
		node_json_kstr(&j, "volunteer", o.volunteer[0] ? o.volunteer : NULL);
		node_json_key(&j, "hours");
		if (o.has_hours)
			node_json_real(&j, o.hours);
		else
			node_json_null(&j);
		node_json_key(&j, "rating");
		if (o.rating)
			node_json_int(&j, o.rating);
		else
			node_json_null(&j);
		node_json_kstr(&j, "comment", o.comment[0] ? o.comment : NULL);
		node_json_kint(&j, "created_at", o.created_at);
		node_json_kint(&j, "updated_at", o.updated_at);
		node_json_key(&j, "points");
		if (has_credit)
			node_json_int(&j, credited);
		else
			node_json_null(&j);
		node_json_key(&j, "events");
		node_json_arr(&j);
	} else {
		char rating[16];
		snprintf(rating, sizeof(rating), "%lld", (long long)o.rating);
		node_say(ctx, M_ORDER_SHOW, o.id, node_status_name(ctx, o.status), o.station,
			 o.category, o.detail, o.requester[0] ? o.requester : "-",
			 masked[0] ? masked : "-", o.volunteer[0] ? o.volunteer : "-",
			 o.has_hours ? hs : "-", o.rating ? rating : "-", o.comment[0] ? o.comment : "-",
			 has_credit ? (long long)credited : 0LL, created, updated);
	}
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		char eid[NODE_ID_MAX + 1], actor[NODE_ID_MAX + 1], from[16], to[16],
			vol[NODE_ID_MAX + 1], note[NODE_TEXT_MAX + 32], when[32], change[128];
		app_col_text(st, 0, eid, sizeof(eid));
		int64_t at = sqlite3_column_int64(st, 1);
		app_col_text(st, 2, actor, sizeof(actor));
		app_col_text(st, 3, from, sizeof(from));
		app_col_text(st, 4, to, sizeof(to));
		app_col_text(st, 5, vol, sizeof(vol));
		app_col_text(st, 6, note, sizeof(note));
		if (ctx->json) {
			node_json_obj(&j);
			node_json_kstr(&j, "id", eid);
			node_json_kint(&j, "at", at);
			node_json_kstr(&j, "actor", actor);
			node_json_kstr(&j, "from", from[0] ? from : NULL);
			node_json_kstr(&j, "to", to);
			node_json_kstr(&j, "volunteer", vol[0] ? vol : NULL);
			node_json_kstr(&j, "note", note[0] ? note : NULL);
			node_json_end_obj(&j);
			continue;
		}
		app_time_fmt((uint64_t)at, when, sizeof(when));
		snprintf(change, sizeof(change), "%s → %s", from[0] ? node_status_name(ctx, from) : "-",
			 node_status_name(ctx, to));
		const char *cells[] = { when, actor, change, vol[0] ? vol : "-", note[0] ? note : "" };
		node_table_row(&t, cells);
	}
	sqlite3_finalize(st);
	if (ctx->json) {
		node_json_end_arr(&j);
		node_json_end_obj(&j);
	} else {
		node_say(ctx, M_ORDER_HISTORY);
		node_table_print(&t, stdout);
	}
	node_table_release(&t);
	return rc == SQLITE_DONE ? 0 : node_fail_store(ctx, ERR_STORAGE);
}
