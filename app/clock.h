/* SPDX-License-Identifier: MIT */
/*
 * clock.h - bounds on the true time (clock.c; docs/security.md "Clock"):
 * a node never commits a time it cannot defend. Failures are recorded
 * in app->fail (app.h).
 */
#ifndef CUNLIAN_APP_CLOCK_H
#define CUNLIAN_APP_CLOCK_H

#include "app/app.h"

/* The evidence kept in the file `clock` of the home. */
struct app_clock_ev {
	struct crdt_time_evidence t;
	char anchor_from[2 * SYNC_PK_LEN + 1]; /* the hub's key, hex */
};
/* What this run knows of the time, and the verdict (crdt_time_judge). */
struct app_clock {
	struct app_clock_ev ev;
	struct crdt_time_now n;   /* n.wall_ms is a->now_ms */
	char boot[40];            /* the boot id, "" unknown */
	uint64_t cert_na;         /* end of node.cert, 0 none */
	struct crdt_time_bounds b;
	enum crdt_time_verdict verdict;
};
int app_clock_ev_load(const struct app *a, struct app_clock_ev *ev);
/* Gather the evidence and judge a->now_ms (a->store may be NULL). */
int app_clock_judge(struct app *a, struct app_clock *k);
const char *app_clock_verdict_name(enum crdt_time_verdict v);
/* Before a local write: 0, or ERR_CLOCK with the reason in a->fail. */
int app_clock_check(struct app *a);
/* After a local write: remember its wall clock. */
void app_clock_wrote(struct app *a);
/* After a session (session true: a hub's time is fresh) or an import:
 * take in the time it brought (lag_ms: how long ago it arrived). */
void app_clock_heard(struct app *a, const struct sync_report *rep, bool session,
		      uint64_t lag_ms);
/* Before a session, an export or an import: what time this node says
 * (wall_now: the wall clock sessions will be driven with; bundle: for a
 * bundle, where only the hub says its time), and the floor a slow clock
 * judges received commits by. */
void app_clock_say_time(struct app *a, uint64_t wall_now, bool bundle);

#endif
