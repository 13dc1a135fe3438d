/* SPDX-License-Identifier: MIT */
/*
 * team.h - teams, hours and recognition (issue 17): volunteer teams as
 * records that volunteers join and leave; points adjustments and hours
 * recorded outside orders; the volunteers with the most hours of a month
 * or quarter (优秀志愿者).
 *
 * Rules (team.c TM1..TM8). Refusals return ERR_USAGE, ERR_RULE or
 * ERR_NOTFOUND with the reason in a->fail (why.h, "teams, hours and
 * recognition") and write nothing. An operation that writes begins the
 * write transaction when the caller has not and ends it (on disk when it
 * returns 0), or rolls it back on a refusal.
 * Texts passed in are borrowed for the call; results are the caller's.
 */
#ifndef CUNLIAN_APP_TEAM_H
#define CUNLIAN_APP_TEAM_H

#include <stdbool.h>
#include <stdint.h>

#include "app/app.h"
#include "app/find.h"

/* A team as this replica holds it (teams_live). */
struct app_team {
	char id[APP_ID_MAX + 1];
	char name[APP_NAME_MAX + 1];
	char station[CRDT_SCOPE_MAX + 1];
	char leader[APP_ID_MAX + 1];         /* volunteer id, "" none */
	char leader_name[APP_NAME_MAX + 1];  /* "" when not held here */
	int64_t members;                     /* live volunteers whose team is id */
	double hours;                        /* their hours (app_volunteer_hours) */
};

/* team add: name; station NULL = this node's (the hub may name any);
 * leader NULL or "": none, else a volunteer (find.h) of that station. */
struct app_team_in {
	const char *name, *station, *leader;
};
int app_team_add(struct app *a, const struct app_team_in *in, struct app_team *out);

/* The live team id (exactly): 0, ERR_NOTFOUND (APP_W_TEAM_NOT_FOUND). */
int app_team_load(struct app *a, const char *id, struct app_team *t);
/* The team a person names: its id, or its name (one team of that name
 * held here; several: ERR_RULE APP_W_TEAM_AMBIGUOUS). */
int app_team_find(struct app *a, const char *who, struct app_team *t);

typedef int (*app_team_each_fn)(void *arg, const struct app_team *t);
/* Live teams (of station, NULL: all), by station then id. */
int app_team_list(struct app *a, const char *station, app_team_each_fn fn, void *arg);

/* What a volunteer's team column says, for people: the team's name when
 * it holds a live team id, else the text as it is (old free-text teams,
 * before teams were records), "" for none. */
void app_team_label(struct app *a, const char *value, char *out, size_t n);

/* The team column a --team text on volunteer add or set writes (TM4):
 * the id of a live team of station that the text names (its id or
 * name), else the text as typed (a free-text team, as before teams were
 * records). text NULL: out "". */
void app_team_resolve(struct app *a, const char *text, const char *station, char *out, size_t n);

/* join: volunteer who (find.h) joins team (id or name, app_team_find),
 * leaving the one it was in. leave: who leaves its team. r gets the
 * volunteer and the team before and after. */
struct app_team_move {
	struct app_volunteer_hit v;
	char before[APP_NAME_MAX + 1]; /* the column as it was ("" none) */
	struct app_team team;          /* joined, or left (id "" for an old text team) */
};
int app_team_join(struct app *a, const char *team, const char *who, struct app_volunteer_found *f,
		  struct app_team_move *r);
int app_team_leave(struct app *a, const char *who, struct app_volunteer_found *f,
		   struct app_team_move *r);

/* ---- adjustments and hours outside orders ------------------------------- */

#define APP_HOURS_MAX 24.0 /* one manual entry */

/* A ledger row written by points adjust or hours add. */
struct app_ledger_result {
	char id[APP_ID_MAX + 1];
	struct app_volunteer_hit v;
	int64_t points;   /* the row's delta */
	double hours;     /* hours add: the hours; else 0 */
	int64_t balance;  /* after */
};
/* points adjust: delta (±, not 0, |delta| <= APP_POINTS_MAX) to who's
 * points with reason (text), by the volunteer's home station or the hub
 * (TM6); a debit never takes the balance below zero (TM7). */
int app_points_adjust(struct app *a, const char *who, const char *delta, const char *reason,
		      struct app_volunteer_found *f, struct app_ledger_result *r);
/* hours add: hours (0 < h <= APP_HOURS_MAX) with reason, credited as
 * round(hours x points per hour) points (TM8), by the same right. */
int app_hours_add(struct app *a, const char *who, const char *hours, const char *reason,
		  struct app_volunteer_found *f, struct app_ledger_result *r);

/* ---- recognition -------------------------------------------------------- */

enum app_top_period { APP_TOP_MONTH, APP_TOP_QUARTER };
enum app_top_by { APP_TOP_COUNTY, APP_TOP_STATION, APP_TOP_TOWN };
/* One volunteer on the list. */
struct app_top_row {
	char period[16];                  /* "2026-12", "2026-Q4" */
	char group[CRDT_SCOPE_MAX + 1];   /* station or town id; "" county */
	int rank;                         /* 1.. within period and group */
	char id[APP_ID_MAX + 1];
	char name[APP_NAME_MAX + 1];
	char station[CRDT_SCOPE_MAX + 1];
	double hours;
	int stars;                        /* by all the volunteer's hours */
};
typedef int (*app_top_each_fn)(void *arg, const struct app_top_row *r);
/* The limit volunteers (1..100) with the most hours in each period and
 * group, newest period first; hours are finished orders' (by the time
 * they were finished) and manual hours (by when recorded). */
int app_top_list(struct app *a, enum app_top_period p, enum app_top_by by, int limit,
		 app_top_each_fn fn, void *arg);
/* The same over work done in [from_ms, to_ms) (range.h; 0: open). */
int app_top_list_range(struct app *a, enum app_top_period p, enum app_top_by by, int limit,
		       int64_t from_ms, int64_t to_ms, app_top_each_fn fn, void *arg);
int app_top_period_parse(const char *s, enum app_top_period *p);
int app_top_by_parse(const char *s, enum app_top_by *by);

#endif
