/* SPDX-License-Identifier: MIT */
/*
 * gift.h - the gift shelf (爱心超市, 礼品兑换): a station's items, their
 * points price and stock, and redemption by item (points redeem --gift).
 *
 * Rules (gift.c G1..G6). An item belongs to one station's shelf. Its
 * stock is the sum of its moves (an append-only ledger: restock +n,
 * redeem -n, a price change 0 with the new price), never a column, so
 * every change of stock or price is kept and merges without loss. Only
 * the item's own station takes stock, never the hub nor another station
 * (the right to take stock is station-scoped, like the right to spend a
 * volunteer's points); it reads the stock in the write transaction that
 * takes it, so stock never goes below zero, even when the hub restocks
 * while the station is offline.
 *
 * Refusals return ERR_USAGE, ERR_RULE or ERR_NOTFOUND with the reason in
 * a->fail (app/why.h, "the gift shelf") and write nothing; every
 * operation runs in the app's write transaction, beginning it when the
 * caller has not. Texts passed in are borrowed for the call; results are
 * the caller's.
 */
#ifndef CUNLIAN_APP_GIFT_H
#define CUNLIAN_APP_GIFT_H

#include <stdbool.h>
#include <stdint.h>

#include "app/app.h"
#include "app/find.h"

#define APP_GIFT_PRICE_MAX 100000   /* points for one item */
#define APP_GIFT_COUNT_MAX 1000     /* items in one redemption */
#define APP_GIFT_STOCK_MAX 1000000  /* items on the shelf, and in one restock */

/* One item, as held (gifts_live with its stock). */
struct app_gift {
	char id[APP_ID_MAX + 1];
	char name[APP_NAME_MAX + 1];
	char station[CRDT_SCOPE_MAX + 1];
	int64_t price;
	int64_t stock;
	bool retired;
};

/* A new item: name, price as typed, stock as typed (NULL: 0), station
 * (NULL: this node's; the hub must name one). */
struct app_gift_new {
	const char *name;
	const char *price;
	const char *stock;
	const char *station;
};
int app_gift_add(struct app *a, const struct app_gift_new *in, struct app_gift *out);

/* The item that text names: its id, or the name of an item on the shelf
 * (not retired) of this node's station (the hub: of any station).
 * ERR_NOTFOUND (APP_W_GIFT_NOT_FOUND), ERR_RULE (APP_W_GIFT_AMBIGUOUS). */
int app_gift_find(struct app *a, const char *text, struct app_gift *g);

/* Change name and/or price (as typed; NULL: unchanged); a price change is
 * also a move (G4). Item of this station (or the hub). */
int app_gift_set(struct app *a, const char *item, const char *name, const char *price,
		 struct app_gift *out);
/* Put count (as typed) more on the shelf. */
int app_gift_restock(struct app *a, const char *item, const char *count, struct app_gift *out);
/* Take the item off the shelf: it is listed with --all only and cannot be
 * redeemed; its moves stay. */
int app_gift_retire(struct app *a, const char *item, struct app_gift *out);

/* The items of station (NULL: every station), retired ones too when all,
 * by station and name; *out mem_alloc'd (mem_free), *n of them. */
int app_gift_list(struct app *a, const char *station, bool all, struct app_gift **out, size_t *n);

/* Count as people type it: 1..max (APP_W_GIFT_BAD_COUNT). */
int app_gift_parse_count(struct app *a, const char *text, int64_t max, int64_t *n);

struct app_gift_redeem_result {
	char points_id[APP_ID_MAX + 1]; /* the points ledger row */
	char move_id[APP_ID_MAX + 1];   /* the stock move */
	struct app_gift gift;           /* stock after */
	struct app_volunteer_hit v;
	int64_t count;
	int64_t points;
	int64_t balance;                /* after */
};
/* Redeem count of item for who (find.h): price x count points from the
 * volunteer's balance and count from the stock, in one commit of one
 * write transaction (G5). f as for app_points_redeem (may be NULL). */
int app_gift_redeem(struct app *a, const char *who, const char *item, int64_t count,
		    struct app_volunteer_found *f, struct app_gift_redeem_result *r);

#endif
