/* SPDX-License-Identifier: MIT */
/*
 * category.h - the service categories a resident picks from when ordering
 * (the kiosk, web/kiosk.c). An order's category is free text (order.h:
 * any text of at most APP_NAME_MAX bytes, as `cunlian order add
 * --category` takes it); this is the list offered: the standard ones
 * first, then those in use at this station, each once.
 */
#ifndef CUNLIAN_APP_CATEGORY_H
#define CUNLIAN_APP_CATEGORY_H

#include <stddef.h>

#include "app/app.h"

#define APP_CATEGORIES_MAX 32 /* at most this many offered */

/* The standard categories, NULL-terminated: 助老 助残 助学 卫生 文化 法律
 * 医疗 其他. */
extern const char *const app_category_std[];

struct app_categories {
	char name[APP_CATEGORIES_MAX][APP_NAME_MAX + 1];
	size_t n;
};

/* The standard categories, then those of this station's orders (the most
 * used first) up to APP_CATEGORIES_MAX. 0, or a storage code. */
int app_categories(struct app *a, struct app_categories *out);
/* Is name one of the categories offered (app_categories)? A resident
 * picks from the list and cannot add one of their own, so nothing a
 * resident types reaches another resident's ordering page. 0 yes,
 * ERR_NOTFOUND no, or a storage code. */
int app_category_offered(struct app *a, const char *name);

#endif
