/* SPDX-License-Identifier: MIT */
/*
 * order.h - service orders: 点单 add, 派单 dispatch, 接单 accept, 做单
 * done, 评单 rate, cancel; the order as stored, its history and lists.
 *
 * The moves and the rules they follow are in order.c (transition table,
 * invariants O1..O5). Each move is one operation: it reads the order and
 * everything it decides on, and writes the order's new state, its event
 * and (done) the service credit, inside the app's write transaction
 * (app.h), which it begins when the caller has not; on success the
 * writes are on disk. A refusal returns ERR_RULE (a rule), ERR_USAGE (a
 * value) or ERR_NOTFOUND (no such order or volunteer), records why in
 * a->fail (app/why.h, "orders and points") and writes nothing. When the
 * operation began the transaction, it ends it either way (a refusal rolls
 * it back: app_write_fail), so a front end that keeps its app open never
 * holds the write lock between requests; one the caller began (the
 * command line's, from app_open) stays the caller's.
 *
 * Texts passed in are borrowed for the call. Results are the caller's.
 */
#ifndef CUNLIAN_APP_ORDER_H
#define CUNLIAN_APP_ORDER_H

#include <stdbool.h>
#include <stdint.h>

#include "app/app.h"
#include "app/find.h"
#include "app/range.h"

#define APP_STATUS_MAX 16
#define APP_HOURS_MIN 0.1
#define APP_HOURS_MAX 24.0

/* An order as this replica holds it (orders_live). */
struct app_order {
	char id[APP_ID_MAX + 1];
	char station[CRDT_SCOPE_MAX + 1];
	char kind[16];
	char category[APP_NAME_MAX + 1];
	char detail[APP_TEXT_MAX + 1];
	char requester[APP_NAME_MAX + 1];
	char requester_phone[64];
	char status[APP_STATUS_MAX];
	char volunteer[APP_ID_MAX + 1];
	char team[APP_NAME_MAX + 1];
	char comment[APP_TEXT_MAX + 1];
	double hours;
	bool has_hours;
	int64_t rating; /* 0: none */
	int64_t created_at, updated_at;
	/* a wish (kind wish, app/wish.h): by when, for whom, and who claimed
	 * it when not a volunteer ("team:<id>" or "unit:<name>"; "" none) */
	char due[16];
	char beneficiary[APP_NAME_MAX + 1];
	char claimant[APP_NAME_MAX + 8];
};

/* The moves of the lifecycle; app_order_move_name() gives "add",
 * "dispatch", ... (the word a reason's text carries). */
enum app_order_move {
	APP_MOVE_ADD,
	APP_MOVE_DISPATCH,
	APP_MOVE_ACCEPT,
	APP_MOVE_DONE,
	APP_MOVE_RATE,
	APP_MOVE_CANCEL,
	/* wishes (app/wish.c): claimed (认领) by a volunteer, a team or a
	 * unit; released back to open */
	APP_MOVE_CLAIM,
	APP_MOVE_RELEASE,
};
const char *app_order_move_name(enum app_order_move m);
/* Is s one of open, dispatched, accepted, done, rated, cancelled? */
bool app_order_status_ok(const char *s);

/* The order id: 0, or ERR_NOTFOUND (APP_W_ORDER_NOT_FOUND). o zeroed
 * first. */
int app_order_load(struct app *a, const char *id, struct app_order *o);

/* May this node make move m on o (the transition table in order.c)?
 * volunteer_given: accept names its volunteer. 0, or ERR_RULE with the
 * reason recorded. Reads nothing. */
int app_order_allowed(struct app *a, const struct app_order *o, enum app_order_move m,
		      bool volunteer_given);

/* Values as people type them, checked and converted: hours served
 * (APP_HOURS_MIN..APP_HOURS_MAX, rounded to 0.01; APP_W_ORDER_BAD_HOURS)
 * and a rating (1..5; APP_W_ORDER_BAD_RATING). ERR_USAGE when not. */
int app_order_hours_parse(struct app *a, const char *text, double *hours);
int app_order_rating_parse(struct app *a, const char *text, int64_t *rating);

/* A new order. category and detail are required; the others may be
 * NULL (kind: "service"; station: this node's). */
struct app_order_new {
	const char *category, *detail, *requester, *phone, *kind, *station;
	const char *due, *beneficiary; /* a wish's (checked by wish.c), or NULL */
};

/* What a move did. */
struct app_order_result {
	char id[APP_ID_MAX + 1];         /* the order */
	char volunteer[APP_ID_MAX + 1];  /* assigned after the move ("" none) */
	char name[APP_NAME_MAX + 1];     /* their name, "" when not held here */
	char home[CRDT_SCOPE_MAX + 1];   /* their home station, "" unknown */
	bool away;                       /* home is not the order's station (O5) */
	double hours;                    /* done */
	int64_t points;                  /* done: credited now (0: held already) */
	int64_t rating;                  /* rate */
};

int app_order_add(struct app *a, const struct app_order_new *in, struct app_order_result *r);
/* who: a volunteer's id, phone or name (find.h); when it names several,
 * ERR_RULE (APP_W_VOLUNTEER_AMBIGUOUS) with the candidates in *f (f may
 * be NULL). dispatch: who NULL is ERR_USAGE (APP_W_ORDER_DISPATCH_NEEDS). */
int app_order_dispatch(struct app *a, const char *id, const char *who, struct app_volunteer_found *f,
		       struct app_order_result *r);
/* who NULL: the volunteer the order was dispatched to. */
int app_order_accept(struct app *a, const char *id, const char *who, struct app_volunteer_found *f,
		     struct app_order_result *r);
/* hours as from app_order_hours_parse(). Credits the volunteer (O2, O5). */
int app_order_done(struct app *a, const char *id, double hours, struct app_order_result *r);
int app_order_rate(struct app *a, const char *id, int64_t rating, const char *comment,
		   struct app_order_result *r);
int app_order_cancel(struct app *a, const char *id, const char *reason, struct app_order_result *r);

/* Wishes (app/wish.c judges a wish's own rules first, then moves it
 * with these; the register is order.c's alone).
 * claim: status accepted with either a volunteer (who, found as for
 * accept) or claimant ("team:<id>" / "unit:<name>"), exactly one of them.
 * release: back to open, volunteer and claimant cleared; note may be NULL.
 * fulfil: done with a note (required), hours optional (has_hours false:
 * none); hours are credited like an order's (O2, O5), to a volunteer
 * only (a team or unit claimant with hours is refused,
 * APP_W_WISH_HOURS_UNIT). */
int app_order_claim(struct app *a, const char *id, const char *who, const char *claimant,
		    struct app_volunteer_found *f, struct app_order_result *r);
int app_order_release(struct app *a, const char *id, const char *note, struct app_order_result *r);
int app_order_fulfil(struct app *a, const char *id, bool has_hours, double hours, const char *note,
		     struct app_order_result *r);

/* Lists: orders matching every filter given (NULL: any), in station and
 * id order; each row to fn, which returns 0 to go on (else the walk
 * stops and returns that). status must be a status (else ERR_USAGE,
 * APP_W_ORDER_BAD_STATUS). volunteer is a volunteer's id, phone or name
 * (find.h); a text naming nobody held here filters by that text as an
 * id (a visiting volunteer, a deleted record). */
struct app_order_filter {
	const char *status, *station, *volunteer;
	const char *kind; /* service or wish (else ERR_USAGE APP_W_ORDER_BAD_KIND) */
	struct app_volunteer_found *found; /* candidates when volunteer names
					      several (ERR_RULE); may be NULL */
	/* reports and lists (issue 17; range.h), each NULL for none: */
	const struct app_range *range;  /* placed (created_at) in the range */
	const char *search;             /* a text in the detail, requester or
					   category (literally; ASCII letters
					   in any case) */
	struct app_page *page;          /* rows limit..offset of the list in
					   its order; total set to the rows
					   matching */
	bool from_hub; /* only orders the hub sent to their station (send.h) */
};
typedef int (*app_order_each_fn)(void *arg, const struct app_order *o);
int app_order_list(struct app *a, const struct app_order_filter *f, app_order_each_fn fn, void *arg);

/* One event of an order's history (order_events_live). */
struct app_order_event {
	char id[APP_ID_MAX + 1];
	int64_t at;
	char actor[APP_ID_MAX + 1];
	char from[APP_STATUS_MAX], to[APP_STATUS_MAX]; /* from "" for the first */
	char volunteer[APP_ID_MAX + 1];
	char note[APP_TEXT_MAX + 32];
};
typedef int (*app_order_event_fn)(void *arg, const struct app_order_event *e);
/* The order's events in time order. */
int app_order_events(struct app *a, const char *id, app_order_event_fn fn, void *arg);
/* The service credit held for the order: *held false when none. */
int app_order_credit(struct app *a, const char *id, int64_t *points, bool *held);

#endif
