/* SPDX-License-Identifier: MIT */
/*
 * activity.h - activities (志愿活动) with sign-up and check-in: a station
 * or the hub publishes one (title, place, start, end, capacity, the hours
 * it is worth), volunteers sign up and cancel, staff (or the volunteer's
 * phone, web/) check them in and out, and the hours are credited once per
 * person as points.
 *
 * Rules (activity.c A1..A10). An activity's home is its station, or the
 * hub for a county-wide one (station ""); the home holds its seats, as a
 * volunteer's home holds the right to spend points. At the home a
 * sign-up is firm (已报名) or waitlisted (候补), decided in the write
 * transaction; elsewhere it is a request (待确认) the home grants in order
 * (app_activity_settle). Check-in, check-out and close happen at the home.
 *
 * Refusals return ERR_USAGE, ERR_RULE or ERR_NOTFOUND with the reason in
 * a->fail (app/why.h, "activities") and write nothing; every operation
 * runs in the app's write transaction, beginning it when the caller has
 * not. Texts passed in are borrowed for the call; results are the caller's.
 */
#ifndef CUNLIAN_APP_ACTIVITY_H
#define CUNLIAN_APP_ACTIVITY_H

#include <stdbool.h>
#include <stdint.h>

#include "app/app.h"
#include "app/find.h"

#define APP_ACT_CAPACITY_MAX 10000 /* seats of one activity */
#define APP_ACT_HOURS_MAX 24.0     /* hours one activity is worth */
#define APP_ACT_PEOPLE_MAX 20000   /* people listed by show (above capacity: waitlists) */
#define APP_ACT_SETTLE_MAX 1000    /* sign-ups one settle decides per activity */

/* One activity as held, with its counts. */
struct app_activity {
	char id[APP_ID_MAX + 1];
	char title[APP_NAME_MAX + 1];
	char place[APP_NAME_MAX + 1];
	char station[CRDT_SCOPE_MAX + 1]; /* home; "" county-wide (the hub) */
	int64_t start_at, end_at;         /* ms */
	int64_t capacity;
	double hours;
	bool closed;
	int64_t seats;    /* sign-ups holding a seat (A2) */
	int64_t waiting;  /* waitlisted (候补) */
	int64_t pending;  /* requests the home has not decided (待确认) */
	int64_t checked_in, checked_out;
	bool home;        /* this node is its home */
};

/* A new activity, texts as typed. station: NULL for this node's own (the
 * hub: county-wide); the hub may name a station (it becomes the home). */
struct app_activity_new {
	const char *title;
	const char *place;
	const char *start; /* "2026-12-05 09:00" */
	const char *end;
	const char *capacity;
	const char *hours;
	const char *station;
};
int app_activity_add(struct app *a, const struct app_activity_new *in, struct app_activity *out);

/* The activity text names: its id. ERR_NOTFOUND (APP_W_ACT_NOT_FOUND). */
int app_activity_find(struct app *a, const char *text, struct app_activity *out);

/* Activities this node holds, by start: closed ones too when all; only
 * those overlapping [from, to) (an end <= 0 left open: from 0, to 0).
 * *out mem_alloc'd, *n. */
int app_activity_list(struct app *a, bool all, int64_t from, int64_t to, struct app_activity **out,
		      size_t *n);

/* A person's place in an activity. */
enum app_act_state {
	APP_ACT_NONE = 0,
	APP_ACT_PENDING,  /* 待确认: a request the home has not decided */
	APP_ACT_WAITING,  /* 候补 */
	APP_ACT_SIGNED,   /* 已报名: holds a seat */
	APP_ACT_IN,       /* 已签到 */
	APP_ACT_OUT,      /* 已签退 (hours credited) */
};
/* "pending", "waiting", "signed", "in", "out" ("none") */
const char *app_act_state_name(enum app_act_state s);

struct app_activity_person {
	char volunteer[APP_ID_MAX + 1];
	char name[APP_NAME_MAX + 1];        /* "" for a visiting volunteer */
	char phone_masked[64];
	enum app_act_state state;
	int64_t signed_at;                  /* the sign-up's time; 0 walk-in */
	double hours;                       /* credited at check-out */
};
/* The people of activity id (sign-ups not cancelled, and those checked
 * in), by sign-up time. *out mem_alloc'd, *n. */
int app_activity_people(struct app *a, const char *id, struct app_activity_person **out, size_t *n);

struct app_activity_result {
	struct app_activity act;           /* after */
	struct app_volunteer_hit v;
	enum app_act_state state;          /* the person's, after */
	char move[APP_ID_MAX + 1];         /* the sign-up or attendance row */
	char points_id[APP_ID_MAX + 1];    /* check-out: the credit, "" none */
	int64_t points;
	double hours;
	bool away;                          /* the credit went county-wide (A7) */
	size_t settled;                     /* close: people checked out by it */
};

/* Sign who up (A3, A4). f as for app_points_redeem (may be NULL). */
int app_activity_signup(struct app *a, const char *id, const char *who, struct app_volunteer_found *f,
			struct app_activity_result *r);
/* Cancel who's sign-up (A5): the seat goes to the first waiting. */
int app_activity_cancel(struct app *a, const char *id, const char *who, struct app_volunteer_found *f,
			struct app_activity_result *r);
/* Check who in at the home (A6); via "staff" or "phone". A person without
 * a seat takes a free one (walk-in), else ERR_RULE (APP_W_ACT_FULL). */
int app_activity_checkin(struct app *a, const char *id, const char *who, const char *via,
			 struct app_volunteer_found *f, struct app_activity_result *r);
/* Check who out at the home and credit the activity's hours (A7). */
int app_activity_checkout(struct app *a, const char *id, const char *who, const char *via,
			  struct app_volunteer_found *f, struct app_activity_result *r);
/* Close at the home (A8): no more sign-ups; everyone checked in and not
 * out is checked out with the activity's hours. */
int app_activity_close(struct app *a, const char *id, struct app_activity_result *r);

/* The home's decisions on requests and the waitlist (A5), for every open
 * activity homed here: seats granted in order while they remain, the
 * rest waitlisted. *decided: how many sign-ups were decided (may be
 * NULL). Cheap when there is nothing to decide; for `serve` after merges. */
int app_activity_settle(struct app *a, size_t *decided);

/* Counts for status and report: activities starting in [from, to)
 * (to 0: all), seats taken, people checked in, hours credited. */
struct app_activity_counts {
	int64_t activities, open, seats, attended;
	double hours;
};
int app_activity_counts(struct app *a, int64_t from, int64_t to, struct app_activity_counts *c);

/* A date and time as a volunteer types it: "2026-12-05 09:00" (or with
 * 'T', or a date alone: 00:00), local time, into ms. ERR_USAGE
 * (APP_W_ACT_BAD_TIME: what, text) when it is not one. */
int app_parse_datetime(struct app *a, const char *what, const char *text, int64_t *ms);

#endif
