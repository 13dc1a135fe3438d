// SPDX-License-Identifier: MIT
/*
 * send.c - the hub sends an order to a station (send.h): `order dispatch
 * ID --station X` and `order add --station X` at the hub.
 *
 * A row's scope is fixed (the station it belongs to, which also decides
 * who may write it and who can read it), so an order cannot move from
 * one station's scope to another's. Rules:
 *  S1. Only the hub sends, and only an order that is not finished or
 *      cancelled (the rules of a dispatch: order.c), to a station the
 *      replica knows (a stations row, or a node enrolled for it), not the
 *      hub's own.
 *  S2. An order already of station X: one order_events row by the hub
 *      (status unchanged, note "sent:X") marks it as sent to X.
 *  S3. An order of another station A: a new order in X's scope (the same
 *      kind, category, detail, requester and phone; open; its add event
 *      noted "sent:X from:<old id>") and, in A's scope, the old order
 *      cancelled with the event noted "moved:X to:<new id>"; both in one
 *      write transaction. Nothing is lost: the old order and its history
 *      stay (the hub sees both; `order show` names the other one).
 *  S4. If station A finished the old order offline before it heard of
 *      the move, its done wins over the cancellation (the lifecycle
 *      register: DESIGN.md) and both orders are kept: the hub sees the
 *      work done at A and the order open at X, and cancels one.
 *  S5. An order the hub adds for a station other than its own is sent to
 *      it: its add event is noted "sent:X".
 *  S6. New work at a station: its open orders that the hub sent
 *      (app_send_new_count); dispatching one to a volunteer ends that.
 * The mark is an event of the order's append-only history, written by
 * the hub (actor "hub"), so it merges as every event does and needs no
 * column of its own.
 */
#include <sqlite3.h>
#include <stdio.h>
#include <string.h>

#include "base/err.h"
#include "app/order.h"
#include "app/send.h"

void app_send_note(const struct app *a, const char *station, char *note, size_t n)
{
	note[0] = '\0';
	if (a->hub && strcmp(station, a->conf.station) != 0)
		snprintf(note, n, "sent:%s", station);
}

/* An event of order o (actor: this node) into w; eid and note must
 * outlive w. */
static int send_event(struct app *a, struct crdt_write *w, char *eid, size_t eidn, const struct app_order *o,
		      const char *from, const char *to, const char *note)
{
	int rc = app_id_next(a, "order_events", 'e', eid, eidn);
	if (rc)
		return rc;
	crdt_write_init(w, CRDT_T_ORDER_EVENTS, CRDT_UPSERT, eid);
	crdt_write_set_text(w, CRDT_C_ORDER_EVENTS_ORDER, o->id);
	crdt_write_set_text(w, CRDT_C_ORDER_EVENTS_STATION, o->station);
	crdt_write_set_text(w, CRDT_C_ORDER_EVENTS_ACTOR, app_id_prefix(a));
	if (from[0])
		crdt_write_set_text(w, CRDT_C_ORDER_EVENTS_FROM_STATUS, from);
	crdt_write_set_text(w, CRDT_C_ORDER_EVENTS_TO_STATUS, to);
	if (o->volunteer[0] && strcmp(to, "cancelled") != 0 && strcmp(from, to) == 0)
		crdt_write_set_text(w, CRDT_C_ORDER_EVENTS_VOLUNTEER, o->volunteer);
	crdt_write_set_int(w, CRDT_C_ORDER_EVENTS_AT, (int64_t)a->now_ms);
	crdt_write_set_text(w, CRDT_C_ORDER_EVENTS_NOTE, note);
	return w->err ? app_failf(a, w->err, APP_W_FAILED, 0) : 0;
}

/* S3: the new order in X's scope and the old one cancelled. */
static int send_move(struct app *a, const struct app_order *o, const char *station, struct app_send_result *r)
{
	struct crdt_write nw[2], ow[2];
	struct app_order n;
	char e1[APP_ID_MAX + 1], e2[APP_ID_MAX + 1], note1[160], note2[160];
	int rc;

	n = *o;
	snprintf(n.station, sizeof(n.station), "%s", station);
	n.volunteer[0] = '\0';
	if ((rc = app_id_next(a, "orders", 'o', n.id, sizeof(n.id))))
		return rc;
	snprintf(note1, sizeof(note1), "sent:%s from:%s", station, o->id);
	snprintf(note2, sizeof(note2), "moved:%s to:%s", station, n.id);
	crdt_write_init(&nw[0], CRDT_T_ORDERS, CRDT_UPSERT, n.id);
	crdt_write_set_text(&nw[0], CRDT_C_ORDERS_STATION, station);
	crdt_write_set_text(&nw[0], CRDT_C_ORDERS_KIND, o->kind[0] ? o->kind : "service");
	crdt_write_set_text(&nw[0], CRDT_C_ORDERS_CATEGORY, o->category);
	crdt_write_set_text(&nw[0], CRDT_C_ORDERS_DETAIL, o->detail);
	if (o->requester[0])
		crdt_write_set_text(&nw[0], CRDT_C_ORDERS_REQUESTER, o->requester);
	if (o->requester_phone[0])
		crdt_write_set_text(&nw[0], CRDT_C_ORDERS_REQUESTER_PHONE, o->requester_phone);
	crdt_write_set_text(&nw[0], CRDT_C_ORDERS_STATUS, "open");
	crdt_write_set_int(&nw[0], CRDT_C_ORDERS_CREATED_AT, (int64_t)a->now_ms);
	crdt_write_set_int(&nw[0], CRDT_C_ORDERS_UPDATED_AT, (int64_t)a->now_ms);
	if (nw[0].err)
		return app_failf(a, nw[0].err, APP_W_FAILED, 0);
	n.status[0] = '\0';
	/* committed before the next id is taken: ids come from what the
	 * replica holds (app_id_next) */
	if ((rc = send_event(a, &nw[1], e1, sizeof(e1), &n, "", "open", note1)) ||
	    (rc = app_commit_add(a, station, nw, 2)))
		return rc;
	crdt_write_init(&ow[0], CRDT_T_ORDERS, CRDT_UPSERT, o->id);
	crdt_write_set_text(&ow[0], CRDT_C_ORDERS_STATUS, "cancelled");
	crdt_write_set_int(&ow[0], CRDT_C_ORDERS_UPDATED_AT, (int64_t)a->now_ms);
	if (ow[0].err)
		return app_failf(a, ow[0].err, APP_W_FAILED, 0);
	if ((rc = send_event(a, &ow[1], e2, sizeof(e2), o, o->status, "cancelled", note2)) ||
	    (rc = app_commit_add(a, o->station, ow, 2)))
		return rc;
	snprintf(r->id, sizeof(r->id), "%s", n.id);
	snprintf(r->from, sizeof(r->from), "%s", o->id);
	r->moved = true;
	return 0;
}

static int app_order_send_tx(struct app *a, const char *id, const char *station, struct app_send_result *r)
{
	struct app_order o;
	struct crdt_write w;
	char eid[APP_ID_MAX + 1], note[160];
	int64_t known = 0;
	int rc;

	memset(r, 0, sizeof(*r));
	if (!a->hub) /* S1 */
		return app_failf(a, ERR_RULE, APP_W_SEND_HUB_ONLY, 0);
	if (!station || !app_id_ok(station))
		return app_failf(a, ERR_USAGE, APP_W_BAD_STATION_ID, 1, station ? station : "");
	if ((rc = app_write_begin(a)) || (rc = app_order_load(a, id, &o)) ||
	    (rc = app_sql_int(a, &known,
			      "SELECT (SELECT count(*) FROM stations_live WHERE pk = ?1)"
			      " + (SELECT count(*) FROM enrolments_live WHERE station = ?1)",
			      station, NULL)))
		return rc;
	if (!known || strcmp(station, a->conf.station) == 0)
		return app_failf(a, ERR_NOTFOUND, APP_W_SEND_NO_STATION, 1, station);
	if ((rc = app_order_allowed(a, &o, APP_MOVE_DISPATCH, true)))
		return rc;
	snprintf(r->station, sizeof(r->station), "%s", station);
	snprintf(r->from_station, sizeof(r->from_station), "%s", o.station);
	if (strcmp(o.station, station) != 0)
		rc = send_move(a, &o, station, r);
	else { /* S2 */
		snprintf(note, sizeof(note), "sent:%s", station);
		snprintf(r->id, sizeof(r->id), "%s", o.id);
		if (!(rc = send_event(a, &w, eid, sizeof(eid), &o, o.status, o.status, note)))
			rc = app_commit_add(a, o.station, &w, 1);
	}
	return rc ? rc : app_write_end(a);
}

int app_order_send(struct app *a, const char *id, const char *station, struct app_send_result *r)
{
	bool began = !a->writing;
	int rc = app_write_fail(a, began, app_order_send_tx(a, id, station, r));
	if (rc)
		memset(r, 0, sizeof(*r));
	return rc;
}

/* "key:value" in note (words split by spaces) into out. */
static void send_word(const char *note, const char *key, char *out, size_t n)
{
	size_t kl = strlen(key);
	out[0] = '\0';
	for (const char *p = note; p && *p;) {
		while (*p == ' ')
			p++;
		size_t len = strcspn(p, " ");
		if (len > kl && strncmp(p, key, kl) == 0 && len - kl < n) {
			memcpy(out, p + kl, len - kl);
			out[len - kl] = '\0';
			return;
		}
		p += len;
	}
}

bool app_send_note_read(const char *actor, const char *note, struct app_send_note *n)
{
	memset(n, 0, sizeof(*n));
	if (strcmp(actor, "hub") != 0)
		return false;
	if (strncmp(note, "sent:", 5) == 0) {
		send_word(note, "sent:", n->station, sizeof(n->station));
		send_word(note, "from:", n->order, sizeof(n->order));
	} else if (strncmp(note, "moved:", 6) == 0) {
		n->moved = true;
		send_word(note, "moved:", n->station, sizeof(n->station));
		send_word(note, "to:", n->order, sizeof(n->order));
	}
	return n->station[0] != '\0';
}

int app_send_info(struct app *a, const char *id, struct app_send_info *s)
{
	sqlite3_stmt *st;
	char note[APP_TEXT_MAX + 1];
	int rc;

	memset(s, 0, sizeof(*s));
	if ((rc = app_sql(a, &st,
			  "SELECT note FROM order_events_live WHERE \"order\" = ?1 AND actor = 'hub'"
			  " AND (substr(note, 1, 5) = 'sent:' OR substr(note, 1, 6) = 'moved:')"
			  " ORDER BY at, pk",
			  id, NULL)))
		return rc;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		struct app_send_note n;
		app_col_text(st, 0, note, sizeof(note));
		if (!app_send_note_read("hub", note, &n))
			continue;
		if (!n.moved) {
			s->sent = true;
			if (n.order[0])
				snprintf(s->from, sizeof(s->from), "%s", n.order);
		} else {
			snprintf(s->to, sizeof(s->to), "%s", n.order);
			snprintf(s->to_station, sizeof(s->to_station), "%s", n.station);
		}
	}
	sqlite3_finalize(st);
	return rc == SQLITE_DONE ? 0 : app_fail_store(a, ERR_STORAGE);
}

int app_send_new_count(struct app *a, int64_t *n)
{
	*n = 0;
	if (a->hub)
		return 0;
	return app_sql_int(a, n,
			   "SELECT count(*) FROM orders_live WHERE station = ?1 AND status = 'open'"
			   " AND " APP_SEND_SQL_SENT,
			   a->conf.station, NULL);
}
