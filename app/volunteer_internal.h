/* SPDX-License-Identifier: MIT */
/*
 * volunteer_internal.h - what volunteer.c and volunteer_import.c share:
 * the checks of one registration and the owner lookups (V1, V4) as
 * prepared statements reused for every row.
 */
#ifndef CUNLIAN_APP_VOLUNTEER_INTERNAL_H
#define CUNLIAN_APP_VOLUNTEER_INTERNAL_H

#include "app/idnum.h"
#include "app/volunteer.h"

/* Texts of one registration (skills already normalised; typed_skills
 * as typed, for the message): 0 or ERR_USAGE with the reason. */
int app_volunteer_fields_check(struct app *a, const char *name, const char *phone, const char *team,
			       const char *skills, const char *typed_skills);

/* The station a new volunteer belongs to: station (the hub may name any)
 * or this node's, into *out (borrowed); V2. */
int app_volunteer_station(struct app *a, const char *station, const char **out);

/* One write registering a volunteer; texts are borrowed. */
void app_volunteer_fill(struct crdt_write *w, const char *id, const char *name, const char *phone,
			const char *station, const char *team, const char *skills,
			const struct app_idnum *idn, uint64_t now);

/* Who holds a phone number or an ID number hash: one prepared statement
 * per question, reset and bound again for each (an index search each). */
enum app_owner_by {
	APP_OWNER_PHONE = 0,     /* value: a normalised phone */
	APP_OWNER_IDNUM = 1,     /* value: the station-keyed hash */
	APP_OWNER_ELSEWHERE = 2, /* value: the county hash; at a station other than station */
};
struct app_volunteer_owners {
	struct sqlite3_stmt *st[3];
};
struct app_owner {
	char id[APP_ID_MAX + 1]; /* "" nobody */
	char name[APP_NAME_MAX + 1];
	char station[CRDT_SCOPE_MAX + 1];
};
int app_volunteer_owners_init(struct app *a, struct app_volunteer_owners *o);
void app_volunteer_owners_release(struct app_volunteer_owners *o);
/* The live volunteer other than self (NULL: none excluded) whose value
 * is this, into *out (out->id "" when none). value and station are
 * borrowed until the call returns. */
int app_volunteer_owner(struct app *a, struct app_volunteer_owners *o, enum app_owner_by by,
			const char *value, const char *self, const char *station, struct app_owner *out);

#endif
