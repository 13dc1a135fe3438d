// SPDX-License-Identifier: MIT
/*
 * category.c - the service categories offered when ordering (category.h).
 */
#include <sqlite3.h>
#include <stdio.h>
#include <string.h>

#include "base/err.h"
#include "app/category.h"

const char *const app_category_std[] = { "助老", "助残", "助学", "卫生", "文化",
					 "法律", "医疗", "其他", NULL };

static void app_category_put(struct app_categories *c, const char *name)
{
	if (!name[0] || c->n == APP_CATEGORIES_MAX)
		return;
	for (size_t i = 0; i < c->n; i++)
		if (strcmp(c->name[i], name) == 0)
			return;
	snprintf(c->name[c->n++], sizeof(c->name[0]), "%s", name);
}

int app_categories(struct app *a, struct app_categories *out)
{
	sqlite3_stmt *st;
	char name[APP_NAME_MAX + 1];
	int rc;
	memset(out, 0, sizeof(*out));
	for (size_t i = 0; app_category_std[i]; i++)
		app_category_put(out, app_category_std[i]);
	if ((rc = app_sql(a, &st,
			  "SELECT category FROM orders_live WHERE station = ?1 AND category IS NOT NULL"
			  " GROUP BY category ORDER BY count(*) DESC, category LIMIT ?2",
			  a->conf.station, NULL)))
		return rc;
	sqlite3_bind_int(st, 2, APP_CATEGORIES_MAX);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		app_col_text(st, 0, name, sizeof(name));
		app_category_put(out, name);
	}
	sqlite3_finalize(st);
	return rc == SQLITE_DONE ? 0 : app_fail_store(a, ERR_STORAGE);
}

int app_category_offered(struct app *a, const char *name)
{
	struct app_categories c;
	int rc = app_categories(a, &c);
	if (rc)
		return rc;
	for (size_t i = 0; i < c.n; i++)
		if (strcmp(c.name[i], name) == 0)
			return 0;
	return ERR_NOTFOUND;
}
