/* SPDX-License-Identifier: MIT */
/*
 * range.h - what every report and list of an administrator shares: a
 * range of days (--from/--to, the hub's from=/to=) and a page of a long
 * list (--limit/--page), parsed here once for every front end.
 *
 * Days. "2026-12-01", a day of the node's local time (TZ). from is that
 * day's local midnight, to the midnight after its day: a range is
 * [from_ms, to_ms) and both days are included. 0 leaves an end open.
 * A day that is none (2026-02-30), a year outside 2000..2200, and a from
 * after to are refused with the reason recorded (ERR_USAGE).
 *
 * Pages. limit rows from row offset = (page - 1) * limit, in the list's
 * own order; limit 0 is every row. A list that pages tells how many
 * rows match in total (struct app_page.total), counted by SQL, so a page
 * of a 40,000-row list never holds more than its own rows.
 *
 * Nothing here reads the clock or the replica; no pointer is kept.
 */
#ifndef CUNLIAN_APP_RANGE_H
#define CUNLIAN_APP_RANGE_H

#include <stdbool.h>
#include <stdint.h>

#include "app/app.h"

#define APP_PAGE_LIMIT_MAX 100000 /* rows of one page */
#define APP_PAGE_MAX 100000000    /* the last page one may ask for */

/* [from_ms, to_ms) in ms since the epoch; 0: that end is open. */
struct app_range {
	int64_t from_ms, to_ms;
};

/* A page of a list: limit (0: all) rows from offset; total is set by the
 * list (rows matching, whatever the page). */
struct app_page {
	int64_t limit, offset;
	int64_t total;
};

/* "YYYY-MM-DD" as that day's local midnight in ms (next: the midnight
 * after it). False for anything else. */
bool app_day_parse(const char *s, bool next, int64_t *ms);
/* --from and --to as typed (NULL or "": open) into *r. ERR_USAGE with
 * APP_W_RANGE_BAD_DAY (option, text) or APP_W_RANGE_REVERSED (from, to);
 * *r zeroed on failure. */
int app_range_parse(struct app *a, const char *from, const char *to, struct app_range *r);
/* Does ms fall in r? */
bool app_range_has(const struct app_range *r, int64_t ms);
/* --limit and --page as typed (NULL: limit def_limit, page 1) into *p.
 * ERR_USAGE with APP_W_PAGE_BAD (option, text, highest). */
int app_page_parse(struct app *a, const char *limit, const char *page, int64_t def_limit,
		   struct app_page *p);

#endif
