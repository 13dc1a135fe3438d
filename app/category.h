/* SPDX-License-Identifier: MIT */
/*
 * category.h - the service menu (需求清单): the categories of service an
 * order can be taken in. The county's list is kept at the hub (scope "");
 * each station may add its own (its scope). The 8 standard categories
 * (助老 助残 助学 卫生 文化 法律 医疗 其他) are built in as the county's
 * list a new county starts with; a row written by the hub overrides one.
 *
 * Rules (category.c C1..C7). Refusals return ERR_USAGE, ERR_RULE or
 * ERR_NOTFOUND with the reason in a->fail (app/why.h, "the service
 * menu") and write nothing; every write runs in the app's write
 * transaction, beginning it when the caller has not. Texts passed in are
 * borrowed for the call; results are the caller's.
 */
#ifndef CUNLIAN_APP_CATEGORY_H
#define CUNLIAN_APP_CATEGORY_H

#include <stdbool.h>
#include <stddef.h>

#include "app/app.h"

#define APP_CATEGORIES_MAX 64       /* at most this many offered (the kiosk) */
#define APP_CATEGORY_PPH_MAX 10000  /* points per hour, as the county setting */
#define APP_CATEGORY_STD 8          /* the standard categories */

/* The standard categories, NULL-terminated: 助老 助残 助学 卫生 文化 法律
 * 医疗 其他 (ids std-1 .. std-8). */
extern const char *const app_category_std[];

/* One entry of the menu. */
struct app_category {
	char id[APP_ID_MAX + 1];           /* "std-<n>" for a standard one */
	char name[APP_NAME_MAX + 1];
	char station[CRDT_SCOPE_MAX + 1];  /* "" the county's list */
	char description[APP_TEXT_MAX + 1];
	double points_per_hour;            /* when has_pph */
	bool has_pph;
	bool retired;
	bool builtin;                      /* a standard one no row overrides */
};

/* The menu as seen for station: the county's list and station's own
 * (station NULL: this node's view: a station's own, the hub's every
 * station's; "" the county's only). Standard ones first, then the
 * county's rows, then each station's, in the order added; retired ones
 * only when all. *out mem_alloc'd (mem_free), *n entries. */
int app_category_list(struct app *a, const char *station, bool all, struct app_category **out,
		      size_t *n);

/* The entry text names (its id, or a name on the menu of this node: for
 * the hub any station's, a county entry first). ERR_NOTFOUND
 * (APP_W_CATEGORY_NOT_FOUND). */
int app_category_find(struct app *a, const char *text, struct app_category *c);

/* A new entry: name, description (NULL none), points per hour as typed
 * (NULL: the county setting), station (NULL: the hub's county list, a
 * station's own; the hub may name a station). */
struct app_category_new {
	const char *name, *description, *points_per_hour, *station;
};
int app_category_add(struct app *a, const struct app_category_new *in, struct app_category *out);
/* Change what is given (NULL: unchanged; points_per_hour "" or "-": back
 * to the county setting). County entries by the hub only, a station's by
 * itself or the hub (C2). */
int app_category_set(struct app *a, const char *which, const char *name, const char *description,
		     const char *points_per_hour, struct app_category *out);
/* Take it off the menu: orders can no longer take it; old orders keep it. */
int app_category_retire(struct app *a, const char *which, struct app_category *out);

/* May an order of station be taken in category name (C4)? 0, or
 * ERR_USAGE with APP_W_CATEGORY_UNKNOWN (typed, the nearest listed
 * name), APP_W_CATEGORY_UNKNOWN_NONE (typed) when none is near, or
 * APP_W_CATEGORY_RETIRED_ORDER (name). */
int app_category_check(struct app *a, const char *name, const char *station);

/* Points per hour of category name for an order of station (C5): *has
 * false when the menu sets none (the county setting applies). */
int app_category_rate(struct app *a, const char *name, const char *station, double *pph,
		      bool *has);

/* How far apart two texts are: the edit distance over Unicode code
 * points, after folding ASCII case and full-width ASCII (Ａ -> a) and
 * dropping blanks; one containing the other counts 1. For the typo's
 * suggestion, exposed for the tests. */
size_t app_category_distance(const char *a, const char *b);

/* The names offered at the kiosk: the menu of this node's station (C4),
 * not retired, up to APP_CATEGORIES_MAX. */
struct app_categories {
	char name[APP_CATEGORIES_MAX][APP_NAME_MAX + 1];
	size_t n;
};
int app_categories(struct app *a, struct app_categories *out);
/* Is name offered at this node's station (app_category_check without the
 * suggestion)? 0 yes, ERR_NOTFOUND no, or a storage code. */
int app_category_offered(struct app *a, const char *name);

#endif
