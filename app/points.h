/* SPDX-License-Identifier: MIT */
/*
 * points.h - volunteer points: the ledger, balances, redemptions, the
 * service credit an order earns, and the county settings that decide how
 * points and star levels are earned.
 *
 * Rules (points.c P1..P5). Refusals return ERR_RULE or ERR_USAGE with the
 * reason in a->fail (app/why.h, "orders and points") and write nothing;
 * the write transaction as for orders (order.h).
 * Texts passed in are borrowed for the call; results are the caller's.
 */
#ifndef CUNLIAN_APP_POINTS_H
#define CUNLIAN_APP_POINTS_H

#include <stdbool.h>
#include <stdint.h>

#include "app/app.h"
#include "app/find.h"

#define APP_POINTS_MAX 1000000 /* one redemption */

/* The sum of the volunteer's ledger (vid: an id, as stored). */
int app_points_balance(struct app *a, const char *vid, int64_t *bal);

/* One ledger row (points_live). */
struct app_points_entry {
	char id[APP_ID_MAX + 1];
	int64_t delta;
	char reason[16]; /* service, redeem, adjust, reversal */
	char order[APP_ID_MAX + 1];
	char item[APP_TEXT_MAX + 1];
	char station[CRDT_SCOPE_MAX + 1];
	int64_t at;
	bool has_at; /* rows of old versions carry no time */
};
typedef int (*app_points_each_fn)(void *arg, const struct app_points_entry *e);
/* The ledger of volunteer vid (an id) in station and id order; each row
 * to fn (0 goes on). *total: the sum of the rows walked. */
int app_points_history(struct app *a, const char *vid, app_points_each_fn fn, void *arg,
		       int64_t *total);
/* The same, only the rows of range (range.h: their time, as listed; NULL
 * or open: all); *total sums those. */
struct app_range;
int app_points_history_range(struct app *a, const char *vid, const struct app_range *range,
			     app_points_each_fn fn, void *arg, int64_t *total);

/* Points as people type them: 1..APP_POINTS_MAX (APP_W_POINTS_BAD). */
int app_points_parse(struct app *a, const char *text, int64_t *n);

struct app_redeem_result {
	char id[APP_ID_MAX + 1]; /* the ledger row */
	struct app_volunteer_hit v;
	int64_t points;
	int64_t balance; /* after */
};
/* Redeem n points of who (an id, phone or name: find.h) for item, in
 * one write transaction (P2, P3). When who names several volunteers:
 * ERR_RULE (APP_W_VOLUNTEER_AMBIGUOUS), the candidates in *f (f may be
 * NULL). */
int app_points_redeem(struct app *a, const char *who, int64_t n, const char *item,
		      struct app_volunteer_found *f, struct app_redeem_result *r);

/* The checks and the ledger row of a redemption, for an operation that
 * commits it with writes of its own (a gift, gift.c): inside the write
 * transaction (begun here when the caller has not), find who (f must not
 * be NULL), refuse as app_points_redeem does, and fill *w with the ledger
 * row (committed by the caller, in scope r->v.station, before f, r and
 * item go: w borrows them). r as for app_points_redeem. Writes nothing. */
int app_points_take(struct app *a, const char *who, int64_t n, const char *item,
		    struct app_volunteer_found *f, struct app_redeem_result *r, struct crdt_write *w);

/* The service credit of a finished order (points.c P5), for done to
 * commit with its move: when c->write, the ledger row in c->w, to be
 * committed in scope c->scope. c->w borrows order_id, order_station,
 * volunteer and c's own buffers: commit it before they go. home: the
 * volunteer's home station ("" unknown). */
struct app_credit {
	char id[APP_ID_MAX + 1];
	char key[2 * APP_ID_MAX + 16];  /* "service:<order id>", "act:<activity>:<volunteer>" */
	char scope[CRDT_SCOPE_MAX + 1]; /* the order's station, or "" (county) */
	int64_t points;
	bool write;                     /* false: held already, or 0 points */
	struct crdt_write w;
};
int app_points_credit(struct app *a, const char *order_id, const char *order_station,
		      const char *volunteer, const char *home, double hours, struct app_credit *c);

/* The same credit (P6) for hours earned outside an order: reason "hours",
 * key (unique: written once), item (what earned them), in station's
 * scope, or county-wide when home is another station. c as above. */
int app_points_credit_hours(struct app *a, const char *key, const char *item, const char *station,
			    const char *volunteer, const char *home, double hours, struct app_credit *c);

/* settings set (hub only, P4): either may be NULL, not both. The texts
 * are as typed: points per hour 0..10000, star hours five increasing
 * numbers "a,b,c,d,e". */
int app_settings_set(struct app *a, const char *points_per_hour, const char *star_hours);
/* "100,300,600,1000,1500" */
void app_settings_stars_fmt(const struct app_settings *s, char *out, size_t n);

#endif
