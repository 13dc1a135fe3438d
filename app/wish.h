/* SPDX-License-Identifier: MIT */
/*
 * wish.h - micro-wishes (微心愿, issue 17): a resident's wish (what, for
 * whom, by when) is published at a station; a volunteer, a team or an
 * outside unit claims it (认领), fulfils it (圆梦) with a note, or
 * releases it.
 *
 * A wish is an order of kind wish: it lives in the orders table and
 * moves through the order lifecycle register of order.c (published =
 * open, claimed = accepted, fulfilled = done, thanked = rated, and
 * cancelled), with its history in order_events like any order. The
 * rules a wish adds are wish.c's (W1..W8); the moves themselves are
 * order.c's (app_order_claim, _release, _fulfil, _cancel, _rate).
 *
 * Refusals return ERR_USAGE, ERR_RULE or ERR_NOTFOUND with the reason in
 * a->fail (app/why.h, "micro-wishes") and write nothing. An operation
 * that writes begins the write transaction when the caller has not and
 * ends it (on disk when it returns 0), or rolls it back on a refusal.
 * Texts passed in are borrowed for the call; results are the caller's.
 */
#ifndef CUNLIAN_APP_WISH_H
#define CUNLIAN_APP_WISH_H

#include <stdbool.h>
#include <stdint.h>

#include "app/app.h"
#include "app/find.h"
#include "app/order.h"

/* The category every wish carries (orders.category). */
#define APP_WISH_CATEGORY "微心愿"

/* Who holds a wish (claimed or fulfilled it). */
enum app_wish_holder {
	APP_WISH_NOBODY = 0,
	APP_WISH_VOLUNTEER, /* id: the volunteer's id; name: theirs ("" not held) */
	APP_WISH_TEAM,      /* id: the team's id; name: the team's ("" not held) */
	APP_WISH_UNIT,      /* id ""; name: the unit as typed */
};

/* A wish as this replica holds it. */
struct app_wish {
	struct app_order o;                  /* the order row (kind wish) */
	enum app_wish_holder holder;
	char holder_id[APP_ID_MAX + 1];
	char holder_name[APP_NAME_MAX + 1];
	char note[APP_TEXT_MAX + 32];        /* the fulfilment note (done), "" none */
	bool overdue;                        /* due before today, not finished */
};

/* "published", "claimed", "fulfilled", "thanked", "cancelled" (or
 * "dispatched": an order command dispatched it) for an order status. */
const char *app_wish_state(const char *status);

/* A new wish. what (the wish) is required; for_whom, due (YYYY-MM-DD,
 * today or later: W2), requester, phone and station may be NULL. */
struct app_wish_new {
	const char *what, *for_whom, *due, *requester, *phone, *station;
};
int app_wish_add(struct app *a, const struct app_wish_new *in, struct app_wish *out);

/* The wish id: 0, ERR_NOTFOUND (no such order), ERR_RULE
 * (APP_W_WISH_NOT_WISH: an order of another kind). */
int app_wish_load(struct app *a, const char *id, struct app_wish *w);

/* Who claims, or who releases: exactly one of volunteer (find.h), team
 * (its id or name, team.h) or unit (a name as typed, 1..APP_NAME_MAX
 * bytes). */
struct app_wish_who {
	const char *volunteer, *team, *unit;
};
/* Claim (W3). f: candidates when the volunteer text names several (may
 * be NULL). *out: the wish after. */
int app_wish_claim(struct app *a, const char *id, const struct app_wish_who *who,
		   struct app_volunteer_found *f, struct app_wish *out);
/* Release (W4): by the claimant (by names them), or with force by the
 * station (its admin) or the hub whoever holds it. note may be NULL. */
int app_wish_release(struct app *a, const char *id, const struct app_wish_who *by, bool force,
		     const char *note, struct app_volunteer_found *f, struct app_wish *out);
/* Fulfil (W5, W6): a note is required; hours as typed (NULL: none) are
 * credited to a volunteer claimant like an order's. r: what order.c's
 * done did (points credited). */
int app_wish_done(struct app *a, const char *id, const char *note, const char *hours,
		  struct app_wish *out, struct app_order_result *r);

/* Wishes matching every filter given (NULL/false: any), in station and
 * id order. state: a state word of app_wish_state() or an order status
 * (else ERR_USAGE APP_W_WISH_BAD_STATE); overdue: only those overdue. */
struct app_wish_filter {
	const char *state, *station;
	bool overdue;
	const struct app_range *range; /* published (created) in the range; NULL: any */
};
typedef int (*app_wish_each_fn)(void *arg, const struct app_wish *w);
int app_wish_list(struct app *a, const struct app_wish_filter *f, app_wish_each_fn fn, void *arg);

#endif
