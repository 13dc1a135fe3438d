/* SPDX-License-Identifier: MIT */
/*
 * volunteer.h - volunteers: register, change, list, show, and register
 * many at once from a CSV file.
 *
 * Rules (volunteer.c V1..V5, volunteer_import.c). Refusals return
 * ERR_USAGE (what was typed), ERR_RULE (another station's volunteer) or
 * ERR_EXISTS (a phone or ID number held by another volunteer) with the
 * reason in a->fail (app/why.h, "volunteers"), and write nothing.
 * Operations that write run in the app's write transaction, beginning it
 * when the caller has not and then ending it however they end (a refusal
 * rolls back what they began), and make it durable before they return 0.
 *
 * Ownership. Texts passed in are borrowed for the call; results are the
 * caller's. A resident ID number passed in is never copied outside
 * sodium_malloc'd memory; the caller wipes its own copy (idnum.h).
 */
#ifndef CUNLIAN_APP_VOLUNTEER_H
#define CUNLIAN_APP_VOLUNTEER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "app/app.h"
#include "app/range.h"

/* A volunteer as this replica holds it (volunteers_live). */
struct app_volunteer {
	char id[APP_ID_MAX + 1];
	char name[APP_NAME_MAX + 1];
	char phone[64];
	char station[CRDT_SCOPE_MAX + 1]; /* home station */
	char team[APP_NAME_MAX + 1];      /* "" none */
	char skills[APP_TEXT_MAX + 1];    /* "a,b,c", "" none */
	char status[16];                  /* active, paused, left */
	int64_t registered_at;            /* ms */
	char id_last4[8];                 /* last four of the ID number, "" none */
};

/* What a person gives to register or change a volunteer; NULL: not
 * given. For a change, "" clears team, skills and the ID number. */
struct app_volunteer_in {
	const char *name, *phone, *team, *skills, *status;
	const char *id_number; /* as typed; never kept (idnum.h) */
	const char *station;   /* add: the home station (the hub may name
				  any); NULL: this node's */
};

/* Check what was typed, before anything is opened: 0 or ERR_USAGE with
 * the first problem (APP_W_VOL_NEEDS, _BAD_NAME, _BLANK_NAME, _BAD_PHONE,
 * _BAD_TEAM, _BAD_SKILLS, _BAD_STATUS, _BAD_STATION, _SET_NOTHING,
 * APP_W_IDNUM_*). add: a registration (name and phone needed). */
int app_volunteer_check(struct app *a, const struct app_volunteer_in *in, bool add);

/* Register a volunteer (V1-V4): its new id into id (cap n). A note
 * (APP_W_VOL_IDNUM_ELSEWHERE) may be left in a->note. */
int app_volunteer_add(struct app *a, const struct app_volunteer_in *in, char *id, size_t n);

/* Change volunteer id (exactly; find.h turns a name or phone into one).
 * *v gets the record as it was before. */
int app_volunteer_set(struct app *a, const char *id, const struct app_volunteer_in *in,
		      struct app_volunteer *v);

/* The live volunteer id: 0, ERR_NOTFOUND (APP_W_VOLUNTEER_NOT_FOUND), or a
 * storage failure. */
int app_volunteer_load(struct app *a, const char *id, struct app_volunteer *v);

/* Service hours of volunteer vid: orders held here that are done or
 * rated, the hours of service credits of other stations' orders,
 * which only the credit brings here, and hours recorded outside orders
 * (hours add, team.h). */
int app_volunteer_hours(struct app *a, const char *vid, double *hours);

/* One volunteer's card: the record, hours, stars and points. */
struct app_volunteer_card {
	struct app_volunteer v;
	double hours;
	int stars;
	int64_t balance;
};
int app_volunteer_card(struct app *a, const char *id, struct app_volunteer_card *c);

/* List live volunteers matching every filter given (NULL: any), by
 * station then number; fn gets each (0 goes on, else the walk stops and
 * returns it). skill is one skill, matched whole and literally; team is
 * a team's id or name (team.h), or an old free-text team. */
struct app_volunteer_filter {
	const char *team, *skill, *status, *station;
	/* reports and lists (issue 17; range.h), each NULL for none: */
	const struct app_range *range; /* registered (registered_at) in the range */
	const char *search;            /* a text in the name, the phone (spaces
					  and dashes dropped) or the team's name */
	struct app_page *page;         /* limit/offset in, total out */
};
typedef int (*app_volunteer_each_fn)(void *arg, const struct app_volunteer *v);
int app_volunteer_list(struct app *a, const struct app_volunteer_filter *f,
		       app_volunteer_each_fn fn, void *arg);

/* active, paused, left */
bool app_volunteer_status_ok(const char *s);

/* Skills as a plain comma list: Chinese commas and 、 become ',', spaces
 * around items and empty items go. False when longer than n - 1. */
bool app_skills_norm(const char *in, char *out, size_t n);

/* ---- import (volunteer_import.c) ----------------------------------------- */

#define APP_IMPORT_MAX_BYTES ((size_t)8 << 20)
#define APP_IMPORT_MAX_ROWS 20000
#define APP_IMPORT_ISSUES 20 /* problems and notes kept (each); the rest counted */

/* One row's problem, or a note about a row: its line and why. */
struct app_import_issue {
	unsigned line;
	struct app_fail f;
};

struct app_import {
	size_t imported;      /* rows registered */
	size_t commits;       /* local commits they took */
	char prefix[CRDT_SCOPE_MAX + 3]; /* ids are "<prefix><first + i>", i < imported */
	int64_t first;
	size_t bad;           /* rows with problems: nothing was imported */
	struct app_import_issue *issue; /* the first ones (mem_alloc'd) */
	size_t nissue;
	struct app_import_issue *note;  /* notes (APP_W_VOL_IDNUM_ELSEWHERE) */
	size_t nnote, notes_more;       /* kept, and not kept */
};

/*
 * Register every row of the CSV file at path (a header row naming the
 * columns, in Chinese or English; docs/cli.md) as volunteers of station
 * (NULL: this node's), all or nothing (V5). Problems of rows are listed
 * in r->issue with their lines (at most APP_IMPORT_ISSUES; r->bad counts
 * them all) and the import refuses with APP_W_IMPORT_NOTHING. Problems of
 * the file (not found, a folder, too big, not UTF-8, no header, an
 * unclosed quote ...) refuse with their own reason. Release r after,
 * whatever the result.
 */
int app_volunteer_import(struct app *a, const char *path, const char *station,
			 struct app_import *r);
void app_import_id(const struct app_import *r, size_t i, char *out, size_t n);
void app_import_release(struct app_import *r);

#endif
