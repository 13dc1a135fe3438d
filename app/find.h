/* SPDX-License-Identifier: MIT */
/*
 * find.h - finding the volunteer a person names: by id, by phone number
 * or by name, wherever a command or a page names one (an order's
 * volunteer, a points account, a volunteer's record).
 *
 * What is tried, in this order (volunteer_find.c F1..F4):
 *   F1. the id of a live volunteer this replica holds;
 *   F2. a visiting volunteer's id: "<station>-v<n>" of another station
 *       this node knows, whose record a station does not hold (never at
 *       the hub, which holds every record);
 *   F3. a phone number (spaces and dashes dropped) of live volunteers;
 *   F4. a name, exactly as registered, of live volunteers.
 * The first rule that matches decides. One match: found. None:
 * ERR_NOTFOUND (APP_W_VOLUNTEER_NOT_FOUND). More than one: ERR_RULE
 * (APP_W_VOLUNTEER_AMBIGUOUS) with the candidates in the result, so the
 * person can pick one by id; nothing is ever guessed.
 *
 * Reads only; usable inside or outside the write transaction. The result
 * is the caller's; no pointer into the app is kept.
 */
#ifndef CUNLIAN_APP_FIND_H
#define CUNLIAN_APP_FIND_H

#include <stdbool.h>
#include <stddef.h>

#include "app/app.h"

/* One volunteer as found. A visiting volunteer has only id and station
 * (the home station); name, phone and status are "". */
struct app_volunteer_hit {
	char id[APP_ID_MAX + 1];
	char name[APP_NAME_MAX + 1];
	char phone[64];        /* as registered */
	char phone_masked[64]; /* 138****1234 */
	char station[CRDT_SCOPE_MAX + 1];
	char status[16];       /* active, paused, left; "" when visiting */
	bool visiting;
};

/* Candidates listed when a name or phone matches several volunteers. */
#define APP_FIND_MAX 10

struct app_volunteer_found {
	size_t n;                 /* how many matched (may be above APP_FIND_MAX) */
	size_t shown;             /* how many are in c[], ordered by id */
	struct app_volunteer_hit c[APP_FIND_MAX];
};

/*
 * Find the volunteer `who` names (an id, a phone number or a name).
 * 0: exactly one, in out->c[0] (out->n == 1).
 * ERR_NOTFOUND (APP_W_VOLUNTEER_NOT_FOUND: who): nobody (also for an
 *   empty or overlong who, or one that is not text).
 * ERR_RULE (APP_W_VOLUNTEER_AMBIGUOUS: who, count): several; out->c holds
 *   the first out->shown of them.
 * Storage failures as app_fail_store(). out is zeroed first, and on
 * every failure but the ambiguous one.
 */
int app_volunteer_find(struct app *a, const char *who, struct app_volunteer_found *out);

/* As app_volunteer_find(), for a volunteer whose record must be held
 * here (a balance, a record to show): a visiting volunteer is
 * ERR_NOTFOUND (APP_W_VOLUNTEER_VISITING: id, home station, home station)
 * and out is zeroed. */
int app_volunteer_find_held(struct app *a, const char *who, struct app_volunteer_found *out);

#endif
