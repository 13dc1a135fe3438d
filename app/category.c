// SPDX-License-Identifier: MIT
/*
 * category.c - the service menu (需求清单): the county's list of service
 * categories, each station's own additions, the check of an order's
 * category with the nearest name for a typo, and a category's points per
 * hour (category.h).
 *
 * Rules:
 *  C1. The 8 standard categories are built in: every replica's county
 *      list holds them from its first day (a station that never synced
 *      still takes orders), as entries std-1 .. std-8. The hub's `init`
 *      writes nothing for them. A categories row whose pk is "std-<n>"
 *      (written by the hub when it changes or retires a standard one)
 *      overrides the built-in entry in every column it holds.
 *  C2. County entries (station "", scope "") are written by the hub
 *      only; a station adds and changes only its own entries (station =
 *      itself, its scope), and the hub may change a station's too, as
 *      any station data. sync/trust.c refuses anything else.
 *  C3. A name is on the menu of a station once: adding, or renaming to,
 *      a name the county's list or that station's own list already holds
 *      (not retired) is refused. A county name is checked against every
 *      station's own list too. (Two offline writers may still merge two
 *      entries of one name; they name the same category, since an order
 *      holds the name: C4.)
 *  C4. An order records its category by name (text). order add takes
 *      only a name of the county's list or of the order station's own
 *      list, not retired; for anything else it names the nearest listed
 *      name (app_category_distance, at most half the typed length, at
 *      least 1) and refuses with ERR_USAGE. Orders taken before keep the
 *      name they were taken with, listed or not (free-text categories of
 *      old versions, renamed and retired ones): lists and reports show
 *      that name.
 *  C5. The service credit of a finished order uses the points per hour of
 *      its category when the menu sets one (the order station's own
 *      entry first, then the county's), else the county setting
 *      points-per-hour (points.c).
 *  C6. Nothing is deleted: retire takes an entry off the menu (orders can
 *      no longer take it, `category list --all` still shows it); adding
 *      the name again makes a new entry.
 *  C7. Entries of the menu are rows (last writer wins per column), so a
 *      change made at the hub and one made at the station merge column
 *      by column, the same at every replica.
 */
#include <math.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/err.h"
#include "base/mem.h"
#include "app/category.h"

const char *const app_category_std[] = { "助老", "助残", "助学", "卫生", "文化",
					 "法律", "医疗", "其他", NULL };

#define CAT_COLS "SELECT pk, name, station, description, points_per_hour, coalesce(retired, 0) FROM categories_live "

static void cat_row(sqlite3_stmt *st, struct app_category *c)
{
	memset(c, 0, sizeof(*c));
	app_col_text(st, 0, c->id, sizeof(c->id));
	app_col_text(st, 1, c->name, sizeof(c->name));
	app_col_text(st, 2, c->station, sizeof(c->station));
	app_col_text(st, 3, c->description, sizeof(c->description));
	c->has_pph = sqlite3_column_type(st, 4) != SQLITE_NULL;
	c->points_per_hour = sqlite3_column_double(st, 4);
	c->retired = sqlite3_column_int64(st, 5) != 0;
}

/* n of "std-<n>", 1..APP_CATEGORY_STD, or 0. */
static int cat_std_index(const char *id)
{
	if (strncmp(id, "std-", 4) != 0 || id[4] < '1' || id[4] > '0' + APP_CATEGORY_STD || id[5])
		return 0;
	return id[4] - '0';
}

static void cat_builtin(int i, struct app_category *c)
{
	memset(c, 0, sizeof(*c));
	snprintf(c->id, sizeof(c->id), "std-%d", i);
	snprintf(c->name, sizeof(c->name), "%s", app_category_std[i - 1]);
	c->builtin = true;
}

/* The rows and built-ins of the menu: county entries, and those of the
 * station(s) stations names ("*" every station, "" none, else one), C1. */
static int cat_load(struct app *a, const char *stations, bool all, struct app_category **out, size_t *n)
{
	struct app_category *v = NULL, std[APP_CATEGORY_STD + 1];
	bool have[APP_CATEGORY_STD + 1] = { false };
	size_t cap = 0, k = 0;
	sqlite3_stmt *st;
	int rc;

	*out = NULL;
	*n = 0;
	if ((rc = app_sql(a, &st,
			  CAT_COLS "WHERE station = '' OR ?1 = '*' OR (?1 <> '' AND station = ?1)"
				   " ORDER BY station <> '', station, created_at, pk",
			  stations, NULL)))
		return rc;
	/* room for the built-ins first */
	if ((rc = MEM_GROW(v, cap, APP_CATEGORY_STD)) != 0) {
		sqlite3_finalize(st);
		return app_failf(a, rc, APP_W_FAILED, 0);
	}
	k = APP_CATEGORY_STD;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		struct app_category c;
		cat_row(st, &c);
		int si = cat_std_index(c.id);
		if (si && !c.station[0]) { /* C1: an override */
			if (!c.name[0])
				snprintf(c.name, sizeof(c.name), "%s", app_category_std[si - 1]);
			std[si] = c;
			have[si] = true;
			continue;
		}
		if ((rc = MEM_GROW(v, cap, k + 1)))
			break;
		v[k++] = c;
	}
	sqlite3_finalize(st);
	if (rc != SQLITE_DONE) {
		mem_free(v);
		return rc < 0 ? app_failf(a, rc, APP_W_FAILED, 0) : app_fail_store(a, ERR_STORAGE);
	}
	for (int i = 1; i <= APP_CATEGORY_STD; i++) {
		if (!have[i])
			cat_builtin(i, &std[i]);
		v[i - 1] = std[i];
	}
	if (!all) { /* drop the retired ones, keeping the order */
		size_t m = 0;
		for (size_t i = 0; i < k; i++)
			if (!v[i].retired)
				v[m++] = v[i];
		k = m;
	}
	*out = v;
	*n = k;
	return 0;
}

int app_category_list(struct app *a, const char *station, bool all, struct app_category **out, size_t *n)
{
	const char *which = station ? station : a->hub ? "*" : a->conf.station;
	return cat_load(a, which, all, out, n);
}

int app_category_find(struct app *a, const char *text, struct app_category *c)
{
	struct app_category *v;
	size_t n, best = SIZE_MAX;
	int rc;

	memset(c, 0, sizeof(*c));
	if (!text || !app_text_ok(text, APP_NAME_MAX))
		return app_failf(a, ERR_NOTFOUND, APP_W_CATEGORY_NOT_FOUND, 1, text ? text : "");
	if ((rc = app_category_list(a, NULL, true, &v, &n)))
		return rc;
	/* by id; else by name: one on the menu before a retired one, the
	 * county's before a station's (the list's order) */
	for (size_t i = 0; i < n && best == SIZE_MAX; i++)
		if (strcmp(v[i].id, text) == 0)
			best = i;
	for (size_t i = 0; i < n && best == SIZE_MAX; i++)
		if (!v[i].retired && strcmp(v[i].name, text) == 0)
			best = i;
	for (size_t i = 0; i < n && best == SIZE_MAX; i++)
		if (strcmp(v[i].name, text) == 0)
			best = i;
	if (best != SIZE_MAX)
		*c = v[best];
	mem_free(v);
	return best == SIZE_MAX ? app_failf(a, ERR_NOTFOUND, APP_W_CATEGORY_NOT_FOUND, 1, text) : 0;
}

/* ---- values as typed ------------------------------------------------------ */

static int cat_parse_pph(struct app *a, const char *text, double *pph)
{
	char ms[24];
	if (app_parse_real(text, 0, APP_CATEGORY_PPH_MAX, pph) == 0)
		return 0;
	snprintf(ms, sizeof(ms), "%d", APP_CATEGORY_PPH_MAX);
	return app_failf(a, ERR_USAGE, APP_W_CATEGORY_BAD_POINTS, 2, text ? text : "", ms);
}

static int cat_check_texts(struct app *a, const char *name, const char *description)
{
	char ms[24];
	if (name && !app_text_ok(name, APP_NAME_MAX))
		return app_failf(a, ERR_USAGE, APP_W_CATEGORY_BAD_NAME, 1, name);
	if (description && description[0] && !app_text_ok(description, APP_TEXT_MAX)) {
		snprintf(ms, sizeof(ms), "%d", APP_TEXT_MAX);
		return app_failf(a, ERR_USAGE, APP_W_CATEGORY_BAD_TEXT, 1, ms);
	}
	return 0;
}

/* C3: name is free on the menu of station ("" the county: every
 * station's menu), but for the entry self ("" none). */
static int cat_name_free(struct app *a, const char *name, const char *station, const char *self)
{
	struct app_category *v;
	size_t n;
	int rc = cat_load(a, station[0] ? station : "*", false, &v, &n);
	if (rc)
		return rc;
	for (size_t i = 0; i < n; i++)
		if (strcmp(v[i].name, name) == 0 && strcmp(v[i].id, self) != 0) {
			rc = v[i].station[0] ? app_failf(a, ERR_RULE, APP_W_CATEGORY_NAME_TAKEN, 3, name, v[i].id,
							 v[i].station)
					     : app_failf(a, ERR_RULE, APP_W_CATEGORY_NAME_TAKEN_COUNTY, 2, name, v[i].id);
			break;
		}
	mem_free(v);
	return rc;
}

/* ---- writing -------------------------------------------------------------- */

static int cat_commit(struct app *a, const struct app_category *c, const struct crdt_write *w)
{
	if (w->err) /* the code's own mistake: refused before anything is written */
		return app_failf(a, w->err, APP_W_FAILED, 0);
	return app_commit(a, c->station, w, 1);
}

static int app_category_add_tx(struct app *a, const struct app_category_new *in, struct app_category *c)
{
	struct crdt_write w;
	int rc;

	memset(c, 0, sizeof(*c));
	if (!in->name)
		return app_failf(a, ERR_USAGE, APP_W_CATEGORY_BAD_NAME, 1, "");
	if ((rc = cat_check_texts(a, in->name, in->description)))
		return rc;
	if (in->points_per_hour && (rc = cat_parse_pph(a, in->points_per_hour, &c->points_per_hour)))
		return rc;
	c->has_pph = in->points_per_hour != NULL;
	if (in->station && in->station[0] && !app_id_ok(in->station))
		return app_failf(a, ERR_USAGE, APP_W_BAD_STATION_ID, 1, in->station);
	snprintf(c->station, sizeof(c->station), "%s",
		 in->station ? in->station : a->hub ? "" : a->conf.station);
	if (c->station[0] ? !app_may_write(a, c->station) : !a->hub) /* C2 */
		return app_failf(a, ERR_RULE, c->station[0] ? APP_W_CATEGORY_NOT_OURS : APP_W_CATEGORY_COUNTY,
				 2, in->name, c->station[0] ? c->station : "-");
	snprintf(c->name, sizeof(c->name), "%s", in->name);
	if (in->description)
		snprintf(c->description, sizeof(c->description), "%s", in->description);
	if ((rc = app_write_begin(a)) || (rc = cat_name_free(a, c->name, c->station, "")) ||
	    (rc = app_id_next(a, "categories", 'c', c->id, sizeof(c->id))))
		return rc;
	crdt_write_init(&w, CRDT_T_CATEGORIES, CRDT_UPSERT, c->id);
	crdt_write_set_text(&w, CRDT_C_CATEGORIES_NAME, c->name);
	crdt_write_set_text(&w, CRDT_C_CATEGORIES_STATION, c->station);
	if (c->description[0])
		crdt_write_set_text(&w, CRDT_C_CATEGORIES_DESCRIPTION, c->description);
	if (c->has_pph)
		crdt_write_set_real(&w, CRDT_C_CATEGORIES_POINTS_PER_HOUR, c->points_per_hour);
	crdt_write_set_int(&w, CRDT_C_CATEGORIES_RETIRED, 0);
	crdt_write_set_int(&w, CRDT_C_CATEGORIES_CREATED_AT, (int64_t)a->now_ms);
	return cat_commit(a, c, &w);
}

int app_category_add(struct app *a, const struct app_category_new *in, struct app_category *out)
{
	bool began = !a->writing;
	int rc = app_write_fail(a, began, app_category_add_tx(a, in, out));
	if (rc)
		memset(out, 0, sizeof(*out));
	return rc;
}

/* The entry which names, which this node may change (C2). */
static int cat_ours(struct app *a, const char *which, struct app_category *c)
{
	int rc;
	if ((rc = app_write_begin(a)) || (rc = app_category_find(a, which, c)))
		return rc;
	if (!c->station[0] && !a->hub)
		return app_failf(a, ERR_RULE, APP_W_CATEGORY_COUNTY, 2, c->name, c->id);
	if (!app_may_write(a, c->station))
		return app_failf(a, ERR_RULE, APP_W_CATEGORY_NOT_OURS, 2, c->name, c->station);
	return 0;
}

/* The write of entry c: a built-in one is written whole (its row is new). */
static void cat_write_init(struct crdt_write *w, const struct app_category *c)
{
	crdt_write_init(w, CRDT_T_CATEGORIES, CRDT_UPSERT, c->id);
	if (c->builtin) {
		crdt_write_set_text(w, CRDT_C_CATEGORIES_NAME, c->name);
		crdt_write_set_text(w, CRDT_C_CATEGORIES_STATION, "");
		crdt_write_set_int(w, CRDT_C_CATEGORIES_RETIRED, 0);
	}
}

static int app_category_set_tx(struct app *a, const char *which, const char *name, const char *description,
			       const char *pph, struct app_category *c)
{
	struct crdt_write w;
	bool clear = pph && (!pph[0] || strcmp(pph, "-") == 0);
	double p = 0;
	int rc;

	if (!name && !description && !pph)
		return app_failf(a, ERR_USAGE, APP_W_CATEGORY_SET_NOTHING, 0);
	if ((rc = cat_check_texts(a, name, description)))
		return rc;
	if (pph && !clear && (rc = cat_parse_pph(a, pph, &p)))
		return rc;
	if ((rc = cat_ours(a, which, c)))
		return rc;
	if (name && strcmp(name, c->name) != 0 && !c->retired && (rc = cat_name_free(a, name, c->station, c->id)))
		return rc;
	cat_write_init(&w, c);
	if (name) {
		snprintf(c->name, sizeof(c->name), "%s", name);
		crdt_write_set_text(&w, CRDT_C_CATEGORIES_NAME, name);
	}
	if (description) {
		snprintf(c->description, sizeof(c->description), "%s", description);
		if (description[0])
			crdt_write_set_text(&w, CRDT_C_CATEGORIES_DESCRIPTION, description);
		else
			crdt_write_set_null(&w, CRDT_C_CATEGORIES_DESCRIPTION);
	}
	if (pph) {
		c->has_pph = !clear;
		c->points_per_hour = clear ? 0 : p;
		if (clear)
			crdt_write_set_null(&w, CRDT_C_CATEGORIES_POINTS_PER_HOUR);
		else
			crdt_write_set_real(&w, CRDT_C_CATEGORIES_POINTS_PER_HOUR, p);
	}
	c->builtin = false;
	return cat_commit(a, c, &w);
}

int app_category_set(struct app *a, const char *which, const char *name, const char *description,
		     const char *points_per_hour, struct app_category *out)
{
	bool began = !a->writing;
	return app_write_fail(a, began, app_category_set_tx(a, which, name, description, points_per_hour, out));
}

static int app_category_retire_tx(struct app *a, const char *which, struct app_category *c)
{
	struct crdt_write w;
	int rc;
	if ((rc = cat_ours(a, which, c)))
		return rc;
	if (c->retired)
		return app_failf(a, ERR_RULE, APP_W_CATEGORY_RETIRED, 2, c->name, c->id);
	cat_write_init(&w, c);
	crdt_write_set_int(&w, CRDT_C_CATEGORIES_RETIRED, 1);
	c->retired = true;
	c->builtin = false;
	return cat_commit(a, c, &w);
}

int app_category_retire(struct app *a, const char *which, struct app_category *out)
{
	bool began = !a->writing;
	return app_write_fail(a, began, app_category_retire_tx(a, which, out));
}

/* ---- the check of an order's category (C4) ------------------------------ */

/* The next code point of s at *i (bytes), folded: ASCII upper case and
 * full-width ASCII (U+FF01..U+FF5E) to lower ASCII. 0 at the end. The
 * texts were checked as UTF-8 before. */
static unsigned cat_next(const char *s, size_t *i)
{
	const unsigned char *p = (const unsigned char *)s + *i;
	unsigned c;
	size_t k;
	if (!p[0])
		return 0;
	if (p[0] < 0x80) {
		c = p[0];
		k = 1;
	} else if ((p[0] & 0xe0) == 0xc0 && p[1]) {
		c = (p[0] & 0x1fu) << 6 | (p[1] & 0x3fu);
		k = 2;
	} else if ((p[0] & 0xf0) == 0xe0 && p[1] && p[2]) {
		c = (p[0] & 0x0fu) << 12 | (p[1] & 0x3fu) << 6 | (p[2] & 0x3fu);
		k = 3;
	} else if (p[1] && p[2] && p[3]) {
		c = (p[0] & 0x07u) << 18 | (p[1] & 0x3fu) << 12 | (p[2] & 0x3fu) << 6 | (p[3] & 0x3fu);
		k = 4;
	} else {
		c = p[0];
		k = 1;
	}
	*i += k;
	if (c >= 0xff01 && c <= 0xff5e)
		c -= 0xfee0;
	if (c >= 'A' && c <= 'Z')
		c += 'a' - 'A';
	return c;
}

#define CAT_CP_MAX APP_NAME_MAX /* code points of a name at most */

/* s as folded code points without blanks (ASCII space, U+3000). */
static size_t cat_points(const char *s, unsigned *out)
{
	size_t i = 0, n = 0;
	unsigned c;
	while (n < CAT_CP_MAX && (c = cat_next(s, &i)) != 0)
		if (c != ' ' && c != 0x3000 && c != '\t')
			out[n++] = c;
	return n;
}

static bool cat_contains(const unsigned *h, size_t hn, const unsigned *x, size_t xn)
{
	for (size_t i = 0; xn && i + xn <= hn; i++)
		if (memcmp(h + i, x, xn * sizeof(*x)) == 0)
			return true;
	return false;
}

size_t app_category_distance(const char *a, const char *b)
{
	unsigned x[CAT_CP_MAX], y[CAT_CP_MAX];
	size_t row[CAT_CP_MAX + 1];
	size_t n = cat_points(a, x), m = cat_points(b, y);

	if (n == m && memcmp(x, y, n * sizeof(*x)) == 0)
		return 0;
	if ((n && cat_contains(y, m, x, n)) || (m && cat_contains(x, n, y, m)))
		return 1;
	for (size_t j = 0; j <= m; j++)
		row[j] = j;
	for (size_t i = 1; i <= n; i++) {
		size_t diag = row[0];
		row[0] = i;
		for (size_t j = 1; j <= m; j++) {
			size_t up = row[j], best = diag + (x[i - 1] != y[j - 1]);
			if (up + 1 < best)
				best = up + 1;
			if (row[j - 1] + 1 < best)
				best = row[j - 1] + 1;
			diag = up;
			row[j] = best;
		}
	}
	return row[m];
}

int app_category_check(struct app *a, const char *name, const char *station)
{
	struct app_category *v;
	unsigned cp[CAT_CP_MAX];
	size_t n, best = SIZE_MAX, bestd = SIZE_MAX, retired = SIZE_MAX;
	int rc;

	if (!name || !app_text_ok(name, APP_NAME_MAX))
		return app_failf(a, ERR_USAGE, APP_W_ORDER_BAD_CATEGORY, 1, name ? name : "");
	if ((rc = cat_load(a, station, true, &v, &n)))
		return rc;
	for (size_t i = 0; i < n; i++) {
		if (strcmp(v[i].name, name) == 0) {
			if (!v[i].retired) {
				mem_free(v);
				return 0;
			}
			retired = i;
		}
		if (v[i].retired)
			continue;
		size_t d = app_category_distance(name, v[i].name);
		if (d < bestd) {
			bestd = d;
			best = i;
		}
	}
	size_t len = cat_points(name, cp), limit = len / 2 > 1 ? len / 2 : 1;
	if (retired != SIZE_MAX && best != SIZE_MAX && bestd <= limit)
		rc = app_failf(a, ERR_USAGE, APP_W_CATEGORY_RETIRED_ORDER, 2, name, v[best].name);
	else if (retired != SIZE_MAX)
		rc = app_failf(a, ERR_USAGE, APP_W_CATEGORY_RETIRED_ORDER, 2, name, "-");
	else if (best != SIZE_MAX && bestd <= limit)
		rc = app_failf(a, ERR_USAGE, APP_W_CATEGORY_UNKNOWN, 2, name, v[best].name);
	else
		rc = app_failf(a, ERR_USAGE, APP_W_CATEGORY_UNKNOWN_NONE, 1, name);
	mem_free(v);
	return rc;
}

int app_category_rate(struct app *a, const char *name, const char *station, double *pph, bool *has)
{
	struct app_category *v;
	size_t n;
	int rc;

	*pph = 0;
	*has = false;
	if ((rc = cat_load(a, station, true, &v, &n)))
		return rc;
	/* the station's own entry first, then the county's (C5); one on the
	 * menu before a retired one of the same name */
	for (int pass = 0; pass < 4 && !*has; pass++) {
		bool own = pass % 2 == 0, live = pass < 2;
		for (size_t i = 0; i < n && !*has; i++) {
			if (strcmp(v[i].name, name) != 0 || (v[i].station[0] != '\0') != own ||
			    v[i].retired == live || !v[i].has_pph)
				continue;
			*pph = v[i].points_per_hour;
			*has = true;
		}
	}
	mem_free(v);
	return 0;
}

/* ---- the kiosk -------------------------------------------------------------- */

int app_categories(struct app *a, struct app_categories *out)
{
	struct app_category *v;
	size_t n;
	int rc;
	memset(out, 0, sizeof(*out));
	if ((rc = cat_load(a, a->hub ? "" : a->conf.station, false, &v, &n)))
		return rc;
	for (size_t i = 0; i < n && out->n < APP_CATEGORIES_MAX; i++) {
		bool seen = false;
		for (size_t j = 0; j < out->n && !seen; j++)
			seen = strcmp(out->name[j], v[i].name) == 0;
		if (!seen)
			snprintf(out->name[out->n++], sizeof(out->name[0]), "%s", v[i].name);
	}
	mem_free(v);
	return 0;
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
