/* SPDX-License-Identifier: MIT */
/*
 * report.h - the county report (report.c): orders by status, completion,
 * ratings, registered and active volunteers, hours and points, wishes,
 * grouped by station, town, category, month, team or volunteer, over a
 * range of days (range.h); and the people registered at two stations.
 *
 * Definitions (docs/cli.md):
 *   completion rate   (done + rated) / all orders of the group
 *   average rating    over rated orders; satisfied = share rated 4 or 5
 *   active volunteers did credited service in the range: distinct
 *                     volunteers with a finished (done or rated) order
 *                     placed in the range, or an hours credit (activity
 *                     check-out, `hours add`) written in the range (RP5)
 *   registered        volunteers registered before the range's end whose
 *                     status is not `left` now; new: registered in the
 *                     range. By station, town, team and volunteer their
 *                     own group; by month the month they registered in
 *                     (registered = new there); by category only the
 *                     total (a volunteer has no category)
 *   wishes            orders of kind `wish` (微心愿) placed in the range;
 *                     wishes done: those done or rated (圆梦). They count
 *                     in orders too.
 *   activities        activities starting in the range (activity.c), in
 *                     their station's, town's or month's group; by
 *                     category, team or volunteer in the total only
 *   hours             hours of finished orders
 *   points issued     sum of positive ledger rows; redeemed: of negative
 *   last sync         (by station) the latest time any node enrolled for
 *                     the station synced with this node (peers/node-*.last)
 * A points row counts in the group of its order; rows without an order
 * (redemptions, adjustments) count in their station's group by station
 * and town, and in the group "-" by category and month. By team, an
 * order and a points row count in the team its volunteer is in now.
 * By category, every category on the service menu has its group (with
 * no orders too), and orders count under the name they were taken with:
 * one no longer listed has its own group, marked unlisted.
 */
#ifndef CUNLIAN_APP_REPORT_H
#define CUNLIAN_APP_REPORT_H

#include <stdbool.h>

#include "app/app.h"

enum app_report_by { APP_BY_STATION, APP_BY_TOWN, APP_BY_CATEGORY, APP_BY_MONTH,
		     APP_BY_TEAM /* the team (team.h) the volunteer is in now; "-" none */,
		     APP_BY_VOLUNTEER /* the order's or points row's volunteer; "-" none */ };
enum { APP_ST_OPEN, APP_ST_DISPATCHED, APP_ST_ACCEPTED, APP_ST_DONE, APP_ST_RATED, APP_ST_CANCELLED,
       APP_ST_N };
/* The status names, in the order of the counts. */
extern const char *const app_report_status[APP_ST_N];

struct app_report_group {
	char key[APP_NAME_MAX + 1];  /* station id, town id, category, YYYY-MM, or "-" */
	char name[APP_NAME_MAX + 1]; /* a station's or town's name, "" unknown */
	int64_t orders, st[APP_ST_N], rated, satisfied, active, issued, redeemed;
	int64_t registered, new_vols, wishes, wishes_done, activities;
	double rating_sum, hours;
	uint64_t last_sync; /* ms; 0: never (by station only) */
	bool unlisted; /* by category: not on this node's service menu
			  (category.h: an old free-text, renamed or retired one) */
};

/* Groups sorted by key, and the total; g is mem_alloc'd. */
struct app_report {
	enum app_report_by by;
	struct app_report_group *g;
	size_t n, cap;
	struct app_report_group total;
	int64_t from_ms, to_ms; /* the range built (app_report_build_range), 0: open */
	bool has_activities;    /* activities are counted (see above) */
};

/* "station", "town", "category", "month", "team", "volunteer": 0, else
 * ERR_USAGE. app_report_by_name() the other way. */
int app_report_by_parse(const char *s, enum app_report_by *by);
const char *app_report_by_name(enum app_report_by by);
int app_report_build(struct app *a, enum app_report_by by, struct app_report *r);
/* The same over a range of time: orders created in [from_ms, to_ms),
 * points rows of that time (a row without its own time: its order's);
 * 0 leaves that end open. last_sync is not limited by the range. */
int app_report_build_range(struct app *a, enum app_report_by by, int64_t from_ms, int64_t to_ms,
			   struct app_report *r);
void app_report_release(struct app_report *r);

/* One volunteer sharing an ID number with a volunteer of another station. */
struct app_dup {
	char id[APP_ID_MAX + 1], station[APP_ID_MAX + 1], name[APP_NAME_MAX + 1], last4[8];
	size_t group; /* 1, 2, ...: one per number */
};
/* The hub's list (docs/security.md "Duplicate people across stations"):
 * *d (mem_alloc'd) in groups, *uncovered volunteers with a number but no
 * county hash yet. ERR_RULE (APP_W_DUP_HUB_ONLY) on a station. No hash
 * leaves this function. */
int app_report_duplicates(struct app *a, struct app_dup **d, size_t *n, size_t *groups,
			  int64_t *uncovered);

#endif
