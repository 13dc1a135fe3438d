/* SPDX-License-Identifier: MIT */
/*
 * send.h - the hub sends an order to a station (派到站点): the order
 * becomes new work there, seen in `status` and `order list` (send.c,
 * rules S1..S5).
 *
 * Refusals return ERR_RULE, ERR_USAGE or ERR_NOTFOUND with the reason in
 * a->fail and write nothing; the write transaction as for orders
 * (order.h). Texts passed in are borrowed for the call; results are the
 * caller's.
 */
#ifndef CUNLIAN_APP_SEND_H
#define CUNLIAN_APP_SEND_H

#include <stdbool.h>
#include <stdint.h>

#include "app/app.h"

struct app_send_result {
	char id[APP_ID_MAX + 1];          /* the order at the station */
	char from[APP_ID_MAX + 1];        /* moved: the order it replaces */
	char from_station[CRDT_SCOPE_MAX + 1];
	char station[CRDT_SCOPE_MAX + 1];
	bool moved;                       /* a new order in the station's scope */
};

/* Send order id to station (the hub only, S1..S4). */
int app_order_send(struct app *a, const char *id, const char *station, struct app_send_result *r);

/* The note of the add event of an order the hub takes for station (S5):
 * "sent:<station>" into note when the hub adds an order for a station
 * other than its own, else "". */
void app_send_note(const struct app *a, const char *station, char *note, size_t n);

/* What the history of order id says of sending: sent by the hub (to its
 * station), moved here from (an order id, "" none), moved away to (an
 * order id and its station, "" none). */
struct app_send_info {
	bool sent;
	char from[APP_ID_MAX + 1];
	char to[APP_ID_MAX + 1];
	char to_station[CRDT_SCOPE_MAX + 1];
};
int app_send_info(struct app *a, const char *id, struct app_send_info *s);

/* One event's note as the hub's sending wrote it (actor "hub"): sent to
 * station (order: the order it replaces, "" none), or moved away to
 * station as order. false for any other note (shown as written). */
struct app_send_note {
	bool moved;
	char station[CRDT_SCOPE_MAX + 1];
	char order[APP_ID_MAX + 1];
};
bool app_send_note_read(const char *actor, const char *note, struct app_send_note *n);

/* The orders the hub sent to this station that still wait for it
 * (open: nobody dispatched yet). 0 on the hub. */
int app_send_new_count(struct app *a, int64_t *n);

/* The SQL condition "the order of this row of orders_live was sent by the
 * hub" (order.c's lists, the status count). */
#define APP_SEND_SQL_SENT                                                                         \
	"EXISTS (SELECT 1 FROM order_events_live se WHERE se.\"order\" = orders_live.pk"        \
	" AND se.actor = 'hub' AND substr(se.note, 1, 5) = 'sent:' AND se.to_status <> 'cancelled')"

#endif
