// SPDX-License-Identifier: MIT
/*
 * order.c - service orders: 点单 add, 派单 dispatch, 接单 accept, 做单
 * done, 评单 rate, cancel; reading orders and their history (order.h).
 *
 * Transitions this node allows (anything else is refused with ERR_RULE
 * and a reason; nothing is written):
 *
 *   move      from                          to          needs
 *   --------  ----------------------------  ----------  -----------------------
 *   add       -                             open        category, detail
 *   dispatch  open, dispatched, accepted    dispatched  a volunteer (active)
 *   accept    dispatched                    accepted    the assigned volunteer
 *             open, dispatched, accepted    accepted    a volunteer named
 *   done      dispatched, accepted          done        hours; credits points
 *   rate      done                          rated       a rating 1..5
 *   cancel    open, dispatched, accepted    cancelled   a reason
 *   claim     open, dispatched              accepted    a volunteer, a team or
 *                                                       a unit (a wish)
 *   release   accepted                      open        (a wish) clears who
 *   done      accepted (a wish)             done        a note; hours optional,
 *                                                       a volunteer's only
 *
 * Invariants:
 *  O1. Every move is one local commit holding the order's new state, one
 *      order_events row (who, when, from which status to which), and for
 *      done the service credit: all of it or none of it is on disk. The
 *      order is read, judged and written inside one write transaction.
 *  O2. The service credit carries key "service:<order id>", unique in the
 *      points table: whatever retries or syncs follow, the replicas keep
 *      one credit per order (crdt/ merge rule A2). Locally, done on an
 *      order already done is refused, and no credit is written when the
 *      key is already held (points.c P5).
 *  O3. A station moves only its own station's orders; the hub any, in the
 *      order's station scope.
 *  O4. Ids of events are "<prefix>-e<n>", unique per writer, so two nodes
 *      recording moves of one order offline never collide.
 *  O5. A station may dispatch a visiting volunteer: "<station>-v<n>" of
 *      another station it knows, whose record it does not hold
 *      (volunteer_find.c F2). When the volunteer's home station is not
 *      the order's, the service credit (with its hours) goes in the
 *      county-wide scope, in the same transaction as the move, so that
 *      the home station, which holds the right to spend the points, sees
 *      it; sync/trust.c lets a station write such a credit for its own
 *      orders only.
 *  O6. A wish (kind wish, app/wish.c) moves with the same register: its
 *      claimant (a team or a unit, orders.claimant) is part of it, so the
 *      status, the volunteer and the claimant always come from one write
 *      and a wish fulfilled offline keeps who fulfilled it, whatever claim
 *      the hub made later. Claim and release write the whole register
 *      (the one they clear as NULL); every other move carries the
 *      claimant it holds (crdt/commit.c fills it). A wish is claimed, not
 *      dispatched or accepted, and fulfilled with a note (app_order_fulfil),
 *      not by order done: those are refused (APP_W_WISH_USE_WISH).
 */
#include <math.h>
#include <string.h>
#include <sqlite3.h>

#include "base/err.h"
#include "app/order.h"
#include "app/points.h"
#include "app/category.h"
#include "app/send.h"

static const char *const app_statuses[] = { "open", "dispatched", "accepted",
					    "done", "rated",	  "cancelled" };

const char *app_order_move_name(enum app_order_move m)
{
	switch (m) {
	case APP_MOVE_ADD:
		return "add";
	case APP_MOVE_DISPATCH:
		return "dispatch";
	case APP_MOVE_ACCEPT:
		return "accept";
	case APP_MOVE_DONE:
		return "done";
	case APP_MOVE_RATE:
		return "rate";
	case APP_MOVE_CANCEL:
		return "cancel";
	case APP_MOVE_CLAIM:
		return "claim";
	case APP_MOVE_RELEASE:
		return "release";
	}
	return "";
}

bool app_order_status_ok(const char *s)
{
	for (size_t i = 0; s && i < sizeof(app_statuses) / sizeof(app_statuses[0]); i++)
		if (strcmp(app_statuses[i], s) == 0)
			return true;
	return false;
}

/* Columns of orders_live in the order app_order_read takes them. */
#define APP_ORDER_COLS                                                                          \
	"pk, station, kind, category, detail, requester, requester_phone, status, volunteer, team," \
	" hours, rating, comment, created_at, updated_at, due, beneficiary, claimant"

static void app_order_read(sqlite3_stmt *st, struct app_order *o)
{
	memset(o, 0, sizeof(*o));
	app_col_text(st, 0, o->id, sizeof(o->id));
	app_col_text(st, 1, o->station, sizeof(o->station));
	app_col_text(st, 2, o->kind, sizeof(o->kind));
	app_col_text(st, 3, o->category, sizeof(o->category));
	app_col_text(st, 4, o->detail, sizeof(o->detail));
	app_col_text(st, 5, o->requester, sizeof(o->requester));
	app_col_text(st, 6, o->requester_phone, sizeof(o->requester_phone));
	app_col_text(st, 7, o->status, sizeof(o->status));
	app_col_text(st, 8, o->volunteer, sizeof(o->volunteer));
	app_col_text(st, 9, o->team, sizeof(o->team));
	o->has_hours = sqlite3_column_type(st, 10) != SQLITE_NULL;
	o->hours = sqlite3_column_double(st, 10);
	o->rating = sqlite3_column_int64(st, 11);
	app_col_text(st, 12, o->comment, sizeof(o->comment));
	o->created_at = sqlite3_column_int64(st, 13);
	o->updated_at = sqlite3_column_int64(st, 14);
	app_col_text(st, 15, o->due, sizeof(o->due));
	app_col_text(st, 16, o->beneficiary, sizeof(o->beneficiary));
	app_col_text(st, 17, o->claimant, sizeof(o->claimant));
}

int app_order_load(struct app *a, const char *id, struct app_order *o)
{
	sqlite3_stmt *st;
	int rc;
	memset(o, 0, sizeof(*o));
	if ((rc = app_sql(a, &st, "SELECT " APP_ORDER_COLS " FROM orders_live WHERE pk = ?1", id, NULL)))
		return rc;
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW)
		app_order_read(st, o);
	sqlite3_finalize(st);
	if (rc == SQLITE_ROW)
		return 0;
	if (rc == SQLITE_DONE)
		return app_failf(a, ERR_NOTFOUND, APP_W_ORDER_NOT_FOUND, 1, id);
	return app_fail_store(a, ERR_STORAGE);
}

static bool app_is(const struct app_order *o, const char *s)
{
	return strcmp(o->status, s) == 0;
}

static bool app_finished(const struct app_order *o)
{
	return app_is(o, "done") || app_is(o, "rated");
}

/* claim and release (O6): only a wish; claim from open or dispatched,
 * release from accepted. Cancelled and finished are judged before. */
static int app_order_allowed_wish(struct app *a, const struct app_order *o, enum app_order_move m)
{
	const char *holder = o->volunteer[0] ? o->volunteer : o->claimant;
	if (strcmp(o->kind, "wish") != 0)
		return app_failf(a, ERR_RULE, APP_W_WISH_NOT_WISH, 2, o->id, o->kind);
	if (app_finished(o))
		return app_failf(a, ERR_RULE, APP_W_WISH_FULFILLED, 2, o->id, holder);
	if (m == APP_MOVE_CLAIM && app_is(o, "accepted"))
		return app_failf(a, ERR_RULE, APP_W_WISH_CLAIMED, 2, o->id, holder);
	if (m == APP_MOVE_RELEASE && !app_is(o, "accepted"))
		return app_failf(a, ERR_RULE, APP_W_WISH_NOT_CLAIMED, 2, o->id, o->id);
	return 0;
}

int app_order_allowed(struct app *a, const struct app_order *o, enum app_order_move m,
		      bool volunteer_given)
{
	const char *verb = app_order_move_name(m);
	char hs[32], rs[24];

	if (!app_may_write(a, o->station)) /* O3 */
		return app_failf(a, ERR_RULE, APP_W_ORDER_NOT_OURS, 3, o->id, o->station, a->conf.station);
	if (app_is(o, "cancelled"))
		return app_failf(a, ERR_RULE, APP_W_ORDER_CANCELLED, 2, o->id, verb);
	switch (m) {
	case APP_MOVE_ADD:
		return 0;
	case APP_MOVE_DISPATCH:
	case APP_MOVE_CANCEL:
	case APP_MOVE_ACCEPT:
		if (m != APP_MOVE_CANCEL && strcmp(o->kind, "wish") == 0) /* O6 */
			return app_failf(a, ERR_RULE, APP_W_WISH_USE_WISH, 2, o->id, "claim");
		if (app_finished(o))
			return app_failf(a, ERR_RULE, APP_W_ORDER_FINISHED, 3, o->id, o->status, verb);
		if (m != APP_MOVE_ACCEPT || volunteer_given)
			return 0;
		if (app_is(o, "accepted"))
			return app_failf(a, ERR_RULE, APP_W_ORDER_ALREADY_ACCEPTED, 2, o->id, o->volunteer);
		if (app_is(o, "open") || !o->volunteer[0])
			return app_failf(a, ERR_RULE, APP_W_ORDER_NO_VOLUNTEER, 4, o->id, verb, o->id, o->id);
		return 0;
	case APP_MOVE_CLAIM:
	case APP_MOVE_RELEASE:
		return app_order_allowed_wish(a, o, m);
	case APP_MOVE_DONE:
		if (app_finished(o)) {
			app_real_fmt(o->hours, hs, sizeof(hs));
			return app_failf(a, ERR_RULE, APP_W_ORDER_DONE_AGAIN, 2, o->id, hs);
		}
		if (app_is(o, "open") || (!o->volunteer[0] && !o->claimant[0]))
			return app_failf(a, ERR_RULE, APP_W_ORDER_NO_VOLUNTEER, 4, o->id, verb, o->id, o->id);
		return 0;
	case APP_MOVE_RATE:
		if (app_is(o, "rated")) {
			snprintf(rs, sizeof(rs), "%lld", (long long)o->rating);
			return app_failf(a, ERR_RULE, APP_W_ORDER_RATED, 2, o->id, rs);
		}
		if (!app_is(o, "done"))
			return app_failf(a, ERR_RULE, APP_W_ORDER_NOT_DONE, 2, o->id, o->id);
		return 0;
	}
	return 0;
}

/* ---- values as typed ------------------------------------------------------ */

static bool app_hours_ok(double h)
{
	return isfinite(h) && h >= APP_HOURS_MIN && h <= APP_HOURS_MAX;
}

int app_order_hours_parse(struct app *a, const char *text, double *hours)
{
	*hours = 0;
	if (app_parse_real(text, APP_HOURS_MIN, APP_HOURS_MAX, hours))
		return app_failf(a, ERR_USAGE, APP_W_ORDER_BAD_HOURS, 1, text ? text : "");
	*hours = round(*hours * 100) / 100;
	return 0;
}

int app_order_rating_parse(struct app *a, const char *text, int64_t *rating)
{
	*rating = 0;
	if (app_parse_int(text, 1, 5, rating))
		return app_failf(a, ERR_USAGE, APP_W_ORDER_BAD_RATING, 1, text ? text : "");
	return 0;
}

/* ---- writing -------------------------------------------------------------- */

/* The event of a move (O1, O4): eid must outlive w. */
static int app_event_fill(struct app *a, struct crdt_write *w, const char *eid,
			  const struct app_order *o, const char *to, const char *volunteer,
			  const char *note)
{
	crdt_write_init(w, CRDT_T_ORDER_EVENTS, CRDT_UPSERT, eid);
	crdt_write_set_text(w, CRDT_C_ORDER_EVENTS_ORDER, o->id);
	crdt_write_set_text(w, CRDT_C_ORDER_EVENTS_STATION, o->station);
	crdt_write_set_text(w, CRDT_C_ORDER_EVENTS_ACTOR, app_id_prefix(a));
	if (o->status[0])
		crdt_write_set_text(w, CRDT_C_ORDER_EVENTS_FROM_STATUS, o->status);
	crdt_write_set_text(w, CRDT_C_ORDER_EVENTS_TO_STATUS, to);
	if (volunteer && *volunteer)
		crdt_write_set_text(w, CRDT_C_ORDER_EVENTS_VOLUNTEER, volunteer);
	crdt_write_set_int(w, CRDT_C_ORDER_EVENTS_AT, (int64_t)a->now_ms);
	if (note && *note)
		crdt_write_set_text(w, CRDT_C_ORDER_EVENTS_NOTE, note);
	return w->err;
}

/* A move's writes are filled by the code: a wrong column or type there
 * is a bug, refused before anything is written. */
static int app_write_bug(struct app *a, int rc)
{
	return app_failf(a, rc, APP_W_FAILED, 0);
}

/* Add the commit of the order's new state (w0, filled but for status,
 * volunteer and time) with its event and, when given, the credit of the
 * same scope (O1) to the write transaction. */
static int app_order_commit(struct app *a, const struct app_order *o, struct crdt_write *w0,
			    const char *to, const char *volunteer, const char *note,
			    const struct crdt_write *credit)
{
	struct crdt_write w[3];
	char eid[APP_ID_MAX + 1];
	int rc = app_id_next(a, "order_events", 'e', eid, sizeof(eid));
	if (rc)
		return rc;
	crdt_write_set_text(w0, CRDT_C_ORDERS_STATUS, to);
	if (volunteer)
		crdt_write_set_text(w0, CRDT_C_ORDERS_VOLUNTEER, volunteer);
	crdt_write_set_int(w0, CRDT_C_ORDERS_UPDATED_AT, (int64_t)a->now_ms);
	w[0] = *w0;
	rc = app_event_fill(a, &w[1], eid, o, to, volunteer ? volunteer : o->volunteer, note);
	if (rc || (rc = w[0].err))
		return app_write_bug(a, rc);
	if (credit)
		w[2] = *credit;
	return app_commit_add(a, o->station, w, credit ? 3 : 2);
}

/* Begin the write transaction (when the caller has not) and load the
 * order: the first step of every move but add. */
static int app_order_begin(struct app *a, const char *id, struct app_order *o,
			   struct app_order_result *r)
{
	int rc;
	memset(r, 0, sizeof(*r));
	if ((rc = app_write_begin(a)) || (rc = app_order_load(a, id, o)))
		return rc;
	snprintf(r->id, sizeof(r->id), "%s", o->id);
	snprintf(r->volunteer, sizeof(r->volunteer), "%s", o->volunteer);
	return 0;
}

static int app_order_check_new(struct app *a, const struct app_order_new *in, const char *kind)
{
	char max[16];
	if (!in->category || !*in->category)
		return app_failf(a, ERR_USAGE, APP_W_CATEGORY_EMPTY, 0);
	if (!app_text_ok(in->category, APP_NAME_MAX))
		return app_failf(a, ERR_USAGE, APP_W_ORDER_BAD_CATEGORY, 1, in->category);
	if (!app_text_ok(in->detail, APP_TEXT_MAX)) {
		snprintf(max, sizeof(max), "%d", APP_TEXT_MAX);
		return app_failf(a, ERR_USAGE, APP_W_ORDER_BAD_DETAIL, 1, max);
	}
	if (in->requester && !app_text_ok(in->requester, APP_NAME_MAX))
		return app_failf(a, ERR_USAGE, APP_W_ORDER_BAD_REQUESTER, 1, in->requester);
	if (in->phone && !app_phone_ok(in->phone))
		return app_failf(a, ERR_USAGE, APP_W_ORDER_BAD_PHONE, 1, in->phone);
	if (strcmp(kind, "service") != 0 && strcmp(kind, "wish") != 0)
		return app_failf(a, ERR_USAGE, APP_W_ORDER_BAD_KIND, 1, kind);
	if (in->station && !app_id_ok(in->station))
		return app_failf(a, ERR_USAGE, APP_W_ORDER_BAD_STATION, 1, in->station);
	return 0;
}

/* A wish's own columns (O6), as wish.c checked them. */
static void app_order_add_wish(struct crdt_write *w, const struct app_order_new *in)
{
	if (in->due && *in->due)
		crdt_write_set_text(w, CRDT_C_ORDERS_DUE, in->due);
	if (in->beneficiary && *in->beneficiary)
		crdt_write_set_text(w, CRDT_C_ORDERS_BENEFICIARY, in->beneficiary);
}

static int app_order_add_tx(struct app *a, const struct app_order_new *in, struct app_order_result *r)
{
	const char *kind = in->kind ? in->kind : "service";
	char phone[64] = "";
	struct crdt_write w;
	struct app_order o;
	int rc;

	memset(r, 0, sizeof(*r));
	if ((rc = app_order_check_new(a, in, kind)))
		return rc;
	if (in->phone)
		app_phone_norm(in->phone, phone, sizeof(phone));
	const char *station = in->station ? in->station : a->conf.station;
	if (!app_may_write(a, station)) /* O3 */
		return app_failf(a, ERR_RULE, APP_W_ORDER_STATION_NOT_OURS, 2, station, a->conf.station);
	memset(&o, 0, sizeof(o));
	snprintf(o.station, sizeof(o.station), "%s", station);
	/* C4: a service names a category of the menu; a wish carries
	 * APP_WISH_CATEGORY (wish.c), never on the menu */
	bool wish = strcmp(kind, "wish") == 0;
	if ((rc = app_write_begin(a)) || (!wish && (rc = app_category_check(a, in->category, station))) ||
	    (rc = app_id_next(a, "orders", 'o', o.id, sizeof(o.id))))
		return rc;
	char sent[CRDT_SCOPE_MAX + 8];
	app_send_note(a, station, sent, sizeof(sent)); /* send.c S5 */
	crdt_write_init(&w, CRDT_T_ORDERS, CRDT_UPSERT, o.id);
	crdt_write_set_text(&w, CRDT_C_ORDERS_STATION, station);
	crdt_write_set_text(&w, CRDT_C_ORDERS_KIND, kind);
	crdt_write_set_text(&w, CRDT_C_ORDERS_CATEGORY, in->category);
	crdt_write_set_text(&w, CRDT_C_ORDERS_DETAIL, in->detail);
	if (in->requester)
		crdt_write_set_text(&w, CRDT_C_ORDERS_REQUESTER, in->requester);
	if (phone[0])
		crdt_write_set_text(&w, CRDT_C_ORDERS_REQUESTER_PHONE, phone);
	crdt_write_set_int(&w, CRDT_C_ORDERS_CREATED_AT, (int64_t)a->now_ms);
	app_order_add_wish(&w, in);
	if ((rc = app_order_commit(a, &o, &w, "open", NULL, sent, NULL)) || (rc = app_write_end(a)))
		return rc;
	snprintf(r->id, sizeof(r->id), "%s", o.id);
	return 0;
}

int app_order_add(struct app *a, const struct app_order_new *in, struct app_order_result *r)
{
	bool began = !a->writing;
	return app_write_fail(a, began, app_order_add_tx(a, in, r));
}

/* The volunteer a dispatch or accept names: found (find.h), and, when
 * their record is held, active. Into r. */
static int app_order_volunteer(struct app *a, const struct app_order *o, const char *who,
			       struct app_volunteer_found *f, struct app_order_result *r)
{
	int rc = app_volunteer_find(a, who, f);
	if (rc)
		return rc;
	const struct app_volunteer_hit *v = &f->c[0];
	if (!v->visiting && strcmp(v->status, "active") != 0)
		return app_failf(a, ERR_RULE, APP_W_VOLUNTEER_INACTIVE, 4, v->id, v->name, v->status, v->id);
	snprintf(r->volunteer, sizeof(r->volunteer), "%s", v->id);
	snprintf(r->name, sizeof(r->name), "%s", v->name);
	snprintf(r->home, sizeof(r->home), "%s", v->station);
	r->away = strcmp(v->station, o->station) != 0;
	return 0;
}

/* dispatch and accept: the same but for the move and the status. */
static int app_order_assign(struct app *a, const char *id, const char *who, enum app_order_move m,
			    struct app_volunteer_found *f, struct app_order_result *r)
{
	struct app_volunteer_found own;
	struct app_order o;
	struct crdt_write w;
	int rc;
	if (!f)
		f = &own;
	memset(f, 0, sizeof(*f));
	if ((rc = app_order_begin(a, id, &o, r)))
		return rc;
	if (m == APP_MOVE_DISPATCH && !who)
		return app_failf(a, ERR_USAGE, APP_W_ORDER_DISPATCH_NEEDS, 1, o.id);
	if ((rc = app_order_allowed(a, &o, m, who != NULL)) ||
	    (rc = app_order_volunteer(a, &o, who ? who : o.volunteer, f, r)))
		return rc;
	crdt_write_init(&w, CRDT_T_ORDERS, CRDT_UPSERT, o.id);
	rc = app_order_commit(a, &o, &w, m == APP_MOVE_DISPATCH ? "dispatched" : "accepted",
			      r->volunteer, NULL, NULL);
	return rc ? rc : app_write_end(a);
}

int app_order_dispatch(struct app *a, const char *id, const char *who, struct app_volunteer_found *f,
		       struct app_order_result *r)
{
	bool began = !a->writing;
	return app_write_fail(a, began, app_order_assign(a, id, who, APP_MOVE_DISPATCH, f, r));
}

int app_order_accept(struct app *a, const char *id, const char *who, struct app_volunteer_found *f,
		     struct app_order_result *r)
{
	bool began = !a->writing;
	return app_write_fail(a, began, app_order_assign(a, id, who, APP_MOVE_ACCEPT, f, r));
}

/* The home station of the volunteer an order is assigned to, as this
 * node knows it ("" when it knows none). */
static int app_order_home(struct app *a, const char *vid, char *home, size_t n)
{
	struct app_volunteer_found f;
	home[0] = '\0';
	if (!vid || !*vid) /* nobody assigned */
		return 0;
	int rc = app_volunteer_find(a, vid, &f);
	if (rc == 0 && strcmp(f.c[0].id, vid) == 0)
		snprintf(home, n, "%s", f.c[0].station);
	if (rc == ERR_NOTFOUND || rc == ERR_RULE) {
		app_fail_clear(a);
		rc = 0;
	}
	return rc;
}

/* done, of an order (hours, no note) or a wish (a note, hours optional:
 * has_hours; O6). */
static int app_order_done_tx(struct app *a, const char *id, bool has_hours, double hours,
			     const char *wish_note, struct app_order_result *r)
{
	struct app_order o;
	struct app_credit c;
	struct crdt_write w;
	char note[APP_TEXT_MAX + 64], hs[32];
	int rc;

	memset(&c, 0, sizeof(c));
	if ((rc = app_order_begin(a, id, &o, r)))
		return rc;
	app_real_fmt(hours, hs, sizeof(hs));
	if (has_hours && !app_hours_ok(hours))
		return app_failf(a, ERR_USAGE, APP_W_ORDER_BAD_HOURS, 1, hs);
	if ((rc = app_order_allowed(a, &o, APP_MOVE_DONE, false)))
		return rc;
	if (!wish_note && strcmp(o.kind, "wish") == 0) /* O6: a wish is fulfilled with a note */
		return app_failf(a, ERR_RULE, APP_W_WISH_USE_WISH, 2, o.id, "done");
	if (has_hours && !o.volunteer[0])
		return app_failf(a, ERR_RULE, APP_W_WISH_HOURS_UNIT, 2, o.id, o.claimant);
	if (has_hours && ((rc = app_order_home(a, o.volunteer, r->home, sizeof(r->home))) ||
			  (rc = app_points_credit(a, o.id, o.station, o.volunteer, r->home, hours, &c))))
		return rc;
	crdt_write_init(&w, CRDT_T_ORDERS, CRDT_UPSERT, o.id);
	if (has_hours)
		crdt_write_set_real(&w, CRDT_C_ORDERS_HOURS, hours);
	/* a wish's event holds its note (the hours are the order's) */
	snprintf(note, sizeof(note), wish_note ? "%s" : "hours=%s", wish_note ? wish_note : hs);
	/* O5: the credit of a volunteer of another station goes county-wide,
	 * in the same write transaction as the move */
	bool here = c.write && strcmp(c.scope, o.station) == 0;
	rc = app_order_commit(a, &o, &w, "done", NULL, note, here ? &c.w : NULL);
	if (!rc && c.write && !here)
		rc = app_commit_add(a, c.scope, &c.w, 1);
	if (rc || (rc = app_write_end(a)))
		return rc;
	r->away = c.write && !here;
	r->hours = has_hours ? hours : 0;
	r->points = c.write ? c.points : 0;
	return 0;
}

int app_order_done(struct app *a, const char *id, double hours, struct app_order_result *r)
{
	bool began = !a->writing;
	return app_write_fail(a, began, app_order_done_tx(a, id, true, hours, NULL, r));
}

static int app_order_rate_tx(struct app *a, const char *id, int64_t rating, const char *comment,
		   struct app_order_result *r)
{
	struct app_order o;
	struct crdt_write w;
	char note[APP_TEXT_MAX + 32], rs[24];
	int rc;

	if ((rc = app_order_begin(a, id, &o, r)))
		return rc;
	snprintf(rs, sizeof(rs), "%lld", (long long)rating);
	if (rating < 1 || rating > 5)
		return app_failf(a, ERR_USAGE, APP_W_ORDER_BAD_RATING, 1, rs);
	if (comment && !app_text_ok(comment, APP_TEXT_MAX)) {
		snprintf(rs, sizeof(rs), "%d", APP_TEXT_MAX);
		return app_failf(a, ERR_USAGE, APP_W_ORDER_BAD_COMMENT, 1, rs);
	}
	if ((rc = app_order_allowed(a, &o, APP_MOVE_RATE, false)))
		return rc;
	crdt_write_init(&w, CRDT_T_ORDERS, CRDT_UPSERT, o.id);
	crdt_write_set_int(&w, CRDT_C_ORDERS_RATING, rating);
	if (comment)
		crdt_write_set_text(&w, CRDT_C_ORDERS_COMMENT, comment);
	snprintf(note, sizeof(note), "rating=%s%s%s", rs, comment ? " " : "", comment ? comment : "");
	if ((rc = app_order_commit(a, &o, &w, "rated", NULL, note, NULL)) || (rc = app_write_end(a)))
		return rc;
	r->rating = rating;
	return 0;
}

int app_order_rate(struct app *a, const char *id, int64_t rating, const char *comment,
		   struct app_order_result *r)
{
	bool began = !a->writing;
	return app_write_fail(a, began, app_order_rate_tx(a, id, rating, comment, r));
}

static int app_order_cancel_tx(struct app *a, const char *id, const char *reason, struct app_order_result *r)
{
	struct app_order o;
	struct crdt_write w;
	int rc;

	if ((rc = app_order_begin(a, id, &o, r)))
		return rc;
	if (!reason || !app_text_ok(reason, APP_TEXT_MAX))
		return app_failf(a, ERR_USAGE, APP_W_ORDER_BAD_REASON, 1, o.id);
	if ((rc = app_order_allowed(a, &o, APP_MOVE_CANCEL, false)))
		return rc;
	crdt_write_init(&w, CRDT_T_ORDERS, CRDT_UPSERT, o.id);
	if ((rc = app_order_commit(a, &o, &w, "cancelled", NULL, reason, NULL)))
		return rc;
	return app_write_end(a);
}

int app_order_cancel(struct app *a, const char *id, const char *reason, struct app_order_result *r)
{
	bool began = !a->writing;
	return app_write_fail(a, began, app_order_cancel_tx(a, id, reason, r));
}

/* ---- reading ------------------------------------------------------------------ */

/* The values of a list's filters (app_order_list's SQL): ?1..?8. */
static void order_list_bind(sqlite3_stmt *st, const struct app_order_filter *f, const char *vid)
{
	const char *bind[3] = { f->status, f->station, vid };
	for (int i = 0; i < 3; i++)
		if (bind[i])
			sqlite3_bind_text(st, i + 1, bind[i], -1, SQLITE_TRANSIENT);
	if (f->range && f->range->from_ms)
		sqlite3_bind_int64(st, 4, f->range->from_ms);
	if (f->range && f->range->to_ms)
		sqlite3_bind_int64(st, 5, f->range->to_ms);
	if (f->search && f->search[0])
		sqlite3_bind_text(st, 6, f->search, -1, SQLITE_TRANSIENT);
	if (f->kind)
		sqlite3_bind_text(st, 7, f->kind, -1, SQLITE_TRANSIENT);
	if (f->from_hub)
		sqlite3_bind_int(st, 8, 1);
	if (sqlite3_bind_parameter_count(st) >= 10) { /* the list, not the count */
		sqlite3_bind_int64(st, 9, f->page && f->page->limit ? f->page->limit : -1);
		sqlite3_bind_int64(st, 10, f->page ? f->page->offset : 0);
	}
}

int app_order_list(struct app *a, const struct app_order_filter *f, app_order_each_fn fn, void *arg)
{
	struct app_volunteer_found own, *found = f->found ? f->found : &own;
	const char *vid = f->volunteer;
	sqlite3_stmt *st;
	struct app_order o;
	int rc;

	if (f->status && !app_order_status_ok(f->status))
		return app_failf(a, ERR_USAGE, APP_W_ORDER_BAD_STATUS, 1, f->status);
	if (f->kind && strcmp(f->kind, "service") != 0 && strcmp(f->kind, "wish") != 0)
		return app_failf(a, ERR_USAGE, APP_W_ORDER_BAD_KIND, 1, f->kind);
	if (vid) {
		rc = app_volunteer_find(a, vid, found);
		if (rc == 0)
			vid = found->c[0].id;
		else if (rc == ERR_NOTFOUND) /* nobody held here: the text as an id */
			app_fail_clear(a);
		else
			return rc;
	}
	/* the filters; a page is LIMIT/OFFSET over the list's order, so
	 * SQLite's sorter keeps at most offset + limit rows, and the total is
	 * counted apart (range.h). A station's or a volunteer's term is
	 * written only when given, so that SQLite reads a range of its index
	 * (crdt/schema.c), never every order of the county (issue 15). */
#define APP_ORDER_WHERE                                                                          \
	" WHERE (?1 IS NULL OR status = ?1) AND %s AND %s"                                       \
	" AND (?4 IS NULL OR created_at >= ?4) AND (?5 IS NULL OR created_at < ?5)"              \
	" AND (?6 IS NULL OR instr(lower(coalesce(detail, '')), lower(?6)) > 0"                  \
	"  OR instr(lower(coalesce(requester, '')), lower(?6)) > 0"                              \
	"  OR instr(lower(coalesce(category, '')), lower(?6)) > 0)"                              \
	" AND (?7 IS NULL OR coalesce(kind, 'service') = ?7)"                                  \
	" AND (?8 IS NULL OR " APP_SEND_SQL_SENT ")" /* send.c: --from-hub */
	char sql[2048];
	const char *by_station = f->station ? "station = ?2" : "?2 IS NULL";
	const char *by_vol = vid ? "volunteer = ?3" : "?3 IS NULL";
	if (f->page) {
		snprintf(sql, sizeof(sql), "SELECT count(*) FROM orders_live" APP_ORDER_WHERE, by_station,
			 by_vol);
		if ((rc = app_sql(a, &st, sql, NULL)))
			return rc;
		order_list_bind(st, f, vid);
		rc = sqlite3_step(st);
		f->page->total = rc == SQLITE_ROW ? sqlite3_column_int64(st, 0) : 0;
		sqlite3_finalize(st);
		if (rc != SQLITE_ROW)
			return app_fail_store(a, ERR_STORAGE);
	}
	snprintf(sql, sizeof(sql),
		 "SELECT " APP_ORDER_COLS " FROM orders_live" APP_ORDER_WHERE
		 " ORDER BY station, CAST(substr(pk, instr(pk, '-o') + 2) AS INTEGER), pk"
		 " LIMIT ?9 OFFSET ?10",
		 by_station, by_vol);
	if ((rc = app_sql(a, &st, sql, NULL)))
		return rc;
#undef APP_ORDER_WHERE
	order_list_bind(st, f, vid);
	int stop = 0;
	while (!stop && (rc = sqlite3_step(st)) == SQLITE_ROW) {
		app_order_read(st, &o);
		stop = fn(arg, &o);
	}
	sqlite3_finalize(st);
	if (stop)
		return stop;
	return rc == SQLITE_DONE ? 0 : app_fail_store(a, ERR_STORAGE);
}

int app_order_events(struct app *a, const char *id, app_order_event_fn fn, void *arg)
{
	struct app_order_event e;
	sqlite3_stmt *st;
	int rc, stop = 0;
	if ((rc = app_sql(a, &st,
			  "SELECT pk, at, actor, from_status, to_status, volunteer, note"
			  " FROM order_events_live WHERE \"order\" = ?1"
			  " ORDER BY at, CAST(substr(pk, instr(pk, '-e') + 2) AS INTEGER), pk",
			  id, NULL)))
		return rc;
	while (!stop && (rc = sqlite3_step(st)) == SQLITE_ROW) {
		memset(&e, 0, sizeof(e));
		app_col_text(st, 0, e.id, sizeof(e.id));
		e.at = sqlite3_column_int64(st, 1);
		app_col_text(st, 2, e.actor, sizeof(e.actor));
		app_col_text(st, 3, e.from, sizeof(e.from));
		app_col_text(st, 4, e.to, sizeof(e.to));
		app_col_text(st, 5, e.volunteer, sizeof(e.volunteer));
		app_col_text(st, 6, e.note, sizeof(e.note));
		stop = fn(arg, &e);
	}
	sqlite3_finalize(st);
	if (stop)
		return stop;
	return rc == SQLITE_DONE ? 0 : app_fail_store(a, ERR_STORAGE);
}

int app_order_credit(struct app *a, const char *id, int64_t *points, bool *held)
{
	sqlite3_stmt *st;
	int rc;
	*points = 0;
	*held = false;
	if ((rc = app_sql(a, &st,
			  "SELECT coalesce(sum(delta), 0), count(*) FROM points_live WHERE \"order\" = ?1"
			  " AND reason = 'service'",
			  id, NULL)))
		return rc;
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW) {
		*points = sqlite3_column_int64(st, 0);
		*held = sqlite3_column_int64(st, 1) > 0;
	}
	sqlite3_finalize(st);
	return rc == SQLITE_ROW ? 0 : app_fail_store(a, ERR_STORAGE);
}

/* ---- wishes (O6; app/wish.c) ---------------------------------------------- */

static int app_order_claim_tx(struct app *a, const char *id, const char *who, const char *claimant,
			      struct app_volunteer_found *f, struct app_order_result *r)
{
	struct app_volunteer_found own;
	struct app_order o;
	struct crdt_write w;
	char note[APP_NAME_MAX + 16];
	int rc;
	if (!f)
		f = &own;
	memset(f, 0, sizeof(*f));
	if ((rc = app_order_begin(a, id, &o, r)))
		return rc;
	if ((who != NULL) == (claimant != NULL) || (claimant && !app_text_ok(claimant, APP_NAME_MAX + 7)))
		return app_write_bug(a, ERR_USAGE); /* wish.c passes one, checked */
	if ((rc = app_order_allowed(a, &o, APP_MOVE_CLAIM, true)))
		return rc;
	r->volunteer[0] = '\0';
	if (who && (rc = app_order_volunteer(a, &o, who, f, r)))
		return rc;
	crdt_write_init(&w, CRDT_T_ORDERS, CRDT_UPSERT, o.id);
	if (claimant) {
		crdt_write_set_null(&w, CRDT_C_ORDERS_VOLUNTEER);
		crdt_write_set_text(&w, CRDT_C_ORDERS_CLAIMANT, claimant);
		snprintf(note, sizeof(note), "%s", claimant);
	} else {
		crdt_write_set_null(&w, CRDT_C_ORDERS_CLAIMANT);
		note[0] = '\0';
	}
	rc = app_order_commit(a, &o, &w, "accepted", claimant ? NULL : r->volunteer, note, NULL);
	return rc ? rc : app_write_end(a);
}

int app_order_claim(struct app *a, const char *id, const char *who, const char *claimant,
		    struct app_volunteer_found *f, struct app_order_result *r)
{
	bool began = !a->writing;
	return app_write_fail(a, began, app_order_claim_tx(a, id, who, claimant, f, r));
}

static int app_order_release_tx(struct app *a, const char *id, const char *note,
				struct app_order_result *r)
{
	struct app_order o;
	struct crdt_write w;
	int rc;
	if ((rc = app_order_begin(a, id, &o, r)))
		return rc;
	if ((rc = app_order_allowed(a, &o, APP_MOVE_RELEASE, false)))
		return rc;
	crdt_write_init(&w, CRDT_T_ORDERS, CRDT_UPSERT, o.id);
	crdt_write_set_null(&w, CRDT_C_ORDERS_VOLUNTEER);
	crdt_write_set_null(&w, CRDT_C_ORDERS_CLAIMANT);
	rc = app_order_commit(a, &o, &w, "open", NULL, note, NULL);
	r->volunteer[0] = '\0';
	return rc ? rc : app_write_end(a);
}

int app_order_release(struct app *a, const char *id, const char *note, struct app_order_result *r)
{
	bool began = !a->writing;
	return app_write_fail(a, began, app_order_release_tx(a, id, note, r));
}

int app_order_fulfil(struct app *a, const char *id, bool has_hours, double hours, const char *note,
		     struct app_order_result *r)
{
	bool began = !a->writing;
	if (!note || !app_text_ok(note, APP_TEXT_MAX)) {
		char max[16];
		memset(r, 0, sizeof(*r));
		snprintf(max, sizeof(max), "%d", APP_TEXT_MAX);
		return app_write_fail(a, began, app_failf(a, ERR_USAGE, APP_W_WISH_BAD_NOTE, 2, id, max));
	}
	return app_write_fail(a, began, app_order_done_tx(a, id, has_hours, hours, note, r));
}
