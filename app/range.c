// SPDX-License-Identifier: MIT
/*
 * range.c - days and pages for reports and lists (range.h).
 *
 * Invariants:
 *  R1. One parser of days for every front end (the command line's
 *      --from/--to, the hub's from=/to=): the same text is the same
 *      range everywhere.
 *  R2. A range is [from's midnight, the midnight after to): the end day
 *      is included, a day across a change of summer time included whole
 *      (mktime with tm_isdst = -1).
 *  R3. Nothing half-set: on a refusal the outputs are zero.
 */
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "base/err.h"
#include "app/range.h"

bool app_day_parse(const char *typed, bool next, int64_t *ms)
{
	struct tm tm;
	int y, m, d;
	char tail, s[32];
	*ms = 0;
	app_date_norm(typed, s, sizeof(s)); /* full-width digits */
	if (strlen(s) != 10 || s[4] != '-' || s[7] != '-')
		return false;
	for (int i = 0; i < 10; i++)
		if (i != 4 && i != 7 && (s[i] < '0' || s[i] > '9'))
			return false;
	if (sscanf(s, "%4d-%2d-%2d%c", &y, &m, &d, &tail) != 3 || y < 2000 || y > 2200 || m < 1 ||
	    m > 12 || d < 1 || d > 31)
		return false;
	memset(&tm, 0, sizeof(tm));
	tm.tm_year = y - 1900;
	tm.tm_mon = m - 1;
	tm.tm_mday = d;
	tm.tm_isdst = -1;
	if (mktime(&tm) == (time_t)-1 || tm.tm_mday != d || tm.tm_mon != m - 1)
		return false; /* 2026-02-30 became March */
	if (next) {
		memset(&tm, 0, sizeof(tm));
		tm.tm_year = y - 1900;
		tm.tm_mon = m - 1;
		tm.tm_mday = d + 1;
		tm.tm_isdst = -1;
	}
	time_t t = mktime(&tm);
	if (t == (time_t)-1)
		return false;
	*ms = (int64_t)t * 1000;
	return true;
}

int app_range_parse(struct app *a, const char *from, const char *to, struct app_range *r)
{
	memset(r, 0, sizeof(*r));
	if (from && from[0] && !app_day_parse(from, false, &r->from_ms)) {
		memset(r, 0, sizeof(*r));
		return app_failf(a, ERR_USAGE, APP_W_RANGE_BAD_DAY, 2, "--from", from);
	}
	if (to && to[0] && !app_day_parse(to, true, &r->to_ms)) {
		memset(r, 0, sizeof(*r));
		return app_failf(a, ERR_USAGE, APP_W_RANGE_BAD_DAY, 2, "--to", to);
	}
	if (r->from_ms && r->to_ms && r->from_ms >= r->to_ms) {
		memset(r, 0, sizeof(*r));
		return app_failf(a, ERR_USAGE, APP_W_RANGE_REVERSED, 2, from, to);
	}
	return 0;
}

bool app_range_has(const struct app_range *r, int64_t ms)
{
	return (!r->from_ms || ms >= r->from_ms) && (!r->to_ms || ms < r->to_ms);
}

int app_page_parse(struct app *a, const char *limit, const char *page, int64_t def_limit,
		   struct app_page *p)
{
	int64_t n = def_limit, k = 1;
	char hi[24];
	memset(p, 0, sizeof(*p));
	if (limit && app_parse_int(limit, 0, APP_PAGE_LIMIT_MAX, &n)) {
		snprintf(hi, sizeof(hi), "%d", APP_PAGE_LIMIT_MAX);
		return app_failf(a, ERR_USAGE, APP_W_PAGE_BAD, 3, "--limit", limit, hi);
	}
	if (page && app_parse_int(page, 1, APP_PAGE_MAX, &k)) {
		snprintf(hi, sizeof(hi), "%d", APP_PAGE_MAX);
		return app_failf(a, ERR_USAGE, APP_W_PAGE_BAD, 3, "--page", page, hi);
	}
	p->limit = n;
	p->offset = n ? (k - 1) * n : 0;
	return 0;
}
