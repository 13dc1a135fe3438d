// SPDX-License-Identifier: MIT
/*
 * report.c - the county report and the duplicates list (report.h): one
 * read of each table's live rows, counted here; nothing printed.
 *
 * Invariants (the definitions are report.h's):
 *  RP1. Every count of a group is over the same range: orders placed in
 *       [from, to), points rows of that time, volunteers registered
 *       before to; 0 leaves an end open.
 *  RP2. The total counts the rows the groups count, as they are read,
 *       never a sum of the groups' counts: a volunteer active in two
 *       groups is one active volunteer of the total.
 *  RP3. While the orders and points are read a group is found by its
 *       key's hash; afterwards by binary search in the sorted array, so
 *       a report by volunteer at the hub (300,000 groups) is not
 *       quadratic; the groups come out sorted by key.
 *  RP4. Texts of the replica are only ever bound or compared in SQL,
 *       never pasted into it; a group key is a column value.
 *  RP5. Active means did credited service in the range (decided in
 *       issue 17's QA): a finished order placed in the range, or an
 *       hours credit (an activity's check-out, `hours add`) written in
 *       it; one volunteer who did both is one active volunteer.
 *  RP6. One pass over each of orders, points and volunteers (issue 15:
 *       at a city hub of 650,000 orders the grouped queries, each run
 *       again for the total, took 4.5 s of CPU): a points row finds its
 *       order among the orders read (its group, its time when it has
 *       none of its own), not by a join; a key is the text the grouped
 *       queries gave (cut to APP_NAME_MAX), and rows whose keys print
 *       alike (a NULL station and "") count in that one group, where
 *       the grouped queries kept only one of the two.
 */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <sodium.h>
#include <sqlite3.h>

#include "base/err.h"
#include "base/mem.h"
#include "app/app.h"
#include "app/peer.h"
#include "app/report.h"
#include "app/category.h"

const char *const app_report_status[APP_ST_N] = { "open", "dispatched", "accepted",
						  "done", "rated", "cancelled" };

int app_report_by_parse(const char *s, enum app_report_by *by)
{
	static const char *const names[] = { "station", "town", "category", "month", "team",
					     "volunteer" };
	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		if (strcmp(s, names[i]) == 0) {
			*by = (enum app_report_by)i;
			return 0;
		}
	return ERR_USAGE;
}

const char *app_report_by_name(enum app_report_by by)
{
	switch (by) {
	case APP_BY_STATION: return "station";
	case APP_BY_TOWN: return "town";
	case APP_BY_CATEGORY: return "category";
	case APP_BY_MONTH: return "month";
	case APP_BY_TEAM: return "team";
	case APP_BY_VOLUNTEER: return "volunteer";
	}
	return "station";
}

/* The group of key, added in its place when new and add (RP3); NULL:
 * none (not add), or out of memory. */
static struct app_report_group *report_find(struct app_report *r, const char *key, bool add)
{
	size_t lo = 0, hi = r->n;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		int c = strcmp(r->g[mid].key, key);
		if (c == 0)
			return &r->g[mid];
		if (c < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	if (!add || MEM_GROW(r->g, r->cap, r->n + 1))
		return NULL;
	memmove(&r->g[lo + 1], &r->g[lo], (r->n - lo) * sizeof(*r->g));
	r->n++;
	struct app_report_group *g = &r->g[lo];
	memset(g, 0, sizeof(*g));
	snprintf(g->key, sizeof(g->key), "%s", key);
	return g;
}

static struct app_report_group *report_group(struct app_report *r, const char *key)
{
	return report_find(r, key, true);
}

/* The range as SQL on a time column (ms): "" when unbounded. */
static void report_range(const struct app_report *r, const char *col, char *out, size_t n)
{
	if (r->from_ms && r->to_ms)
		snprintf(out, n, " WHERE %s >= %lld AND %s < %lld", col, (long long)r->from_ms, col,
			 (long long)r->to_ms);
	else if (r->from_ms)
		snprintf(out, n, " WHERE %s >= %lld", col, (long long)r->from_ms);
	else if (r->to_ms)
		snprintf(out, n, " WHERE %s < %lld", col, (long long)r->to_ms);
	else
		out[0] = '\0';
}

/* Fill a group from one row of a grouped query (column 0 is the key). */
typedef void (*report_fill_fn)(struct app_report_group *g, sqlite3_stmt *st);

/* Run sql, grouped by its column 0, and fill each row's group (added
 * when new) or, for total, the total. */
static int report_rows(struct app *a, struct app_report *r, const char *sql, bool total,
		       report_fill_fn fill)
{
	sqlite3_stmt *st;
	int rc;
	if ((rc = app_sql(a, &st, sql, NULL)))
		return rc;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		char k[APP_NAME_MAX + 1];
		app_col_text(st, 0, k, sizeof(k));
		struct app_report_group *g = total ? &r->total : report_group(r, k);
		if (!g) {
			sqlite3_finalize(st);
			return -ENOMEM;
		}
		fill(g, st);
	}
	sqlite3_finalize(st);
	return rc == SQLITE_DONE ? 0 : app_fail_store(a, ERR_STORAGE);
}

/* ---- texts to numbers (RP6) ------------------------------------------------- */

/* A set of texts, each given a number (0, 1, ...) in the order added,
 * with a value of the caller's per text; open addressing over the
 * numbers, the texts in one arena. A slot holds the number and half the
 * hash, an entry its text's place and the value, so a look-up touches
 * a slot, an entry and a text. */
struct rment {
	size_t off;      /* the text's offset in the arena */
	int64_t v0;      /* the caller's value */
};
struct rmap {
	uint64_t *slot;  /* high half: the hash's; low half: number + 1, 0 empty */
	size_t nslot;    /* a power of two, at least twice n */
	char *text;      /* the texts, each NUL-terminated */
	size_t tlen, tcap;
	struct rment *e; /* number -> entry */
	size_t n, cap;
};

static uint64_t rmap_hash(const char *s, size_t len)
{
	uint64_t h = 14695981039346656037ULL; /* FNV-1a */
	for (size_t i = 0; i < len; i++)
		h = (h ^ (unsigned char)s[i]) * 1099511628211ULL;
	h ^= h >> 33; /* FNV's low bits mix poorly: a finalizer spreads them */
	h *= 0xff51afd7ed558ccdULL;
	h ^= h >> 33;
	return h;
}

static void rmap_release(struct rmap *m)
{
	mem_free(m->slot);
	mem_free(m->text);
	mem_free(m->e);
	memset(m, 0, sizeof(*m));
}

static const char *rmap_text(const struct rmap *m, size_t id)
{
	return m->text + m->e[id].off;
}

/* Double the slots and place every number again. */
static int rmap_rehash(struct rmap *m)
{
	size_t nslot = m->nslot ? m->nslot * 2 : 1024;
	uint64_t *slot = mem_calloc(nslot, sizeof(*slot));
	if (!slot)
		return -ENOMEM;
	for (size_t id = 0; id < m->n; id++) {
		const char *t = rmap_text(m, id);
		uint64_t h = rmap_hash(t, strlen(t));
		size_t i = (size_t)h & (nslot - 1);
		while (slot[i])
			i = (i + 1) & (nslot - 1);
		slot[i] = (h & 0xffffffff00000000ULL) | (id + 1);
	}
	mem_free(m->slot);
	m->slot = slot;
	m->nslot = nslot;
	return 0;
}

/* The number of s (len bytes, no NUL inside): *id. add: a new text gets
 * the next number with values 0; else ERR_NOTFOUND when it has none. */
static int rmap_get(struct rmap *m, const char *s, size_t len, bool add, size_t *id)
{
	uint64_t h = rmap_hash(s, len), tag = h & 0xffffffff00000000ULL;
	int rc;
	if (m->nslot) {
		size_t i = (size_t)h & (m->nslot - 1);
		for (; m->slot[i]; i = (i + 1) & (m->nslot - 1)) {
			if ((m->slot[i] & 0xffffffff00000000ULL) != tag)
				continue;
			size_t k = (size_t)(m->slot[i] & 0xffffffffULL) - 1;
			const char *t = rmap_text(m, k);
			if (strncmp(t, s, len) == 0 && t[len] == '\0') {
				*id = k;
				return 0;
			}
		}
	}
	if (!add)
		return ERR_NOTFOUND;
	if (m->n >= UINT32_MAX - 1)
		return ERR_TOOBIG;
	if ((m->n + 1) * 2 > m->nslot && (rc = rmap_rehash(m)))
		return rc;
	if ((rc = MEM_GROW(m->text, m->tcap, m->tlen + len + 1)) || (rc = MEM_GROW(m->e, m->cap, m->n + 1)))
		return rc;
	memcpy(m->text + m->tlen, s, len);
	m->text[m->tlen + len] = '\0';
	m->e[m->n].off = m->tlen;
	m->e[m->n].v0 = 0;
	m->tlen += len + 1;
	size_t i = (size_t)h & (m->nslot - 1);
	while (m->slot[i])
		i = (i + 1) & (m->nslot - 1);
	m->slot[i] = tag | (m->n + 1);
	*id = m->n++;
	return 0;
}

/* Every live order, for the points that name it: its id, its key's
 * number and its time. The orders are read in the table's order, which
 * is their ids' (sorted unless told otherwise: then sorted after), and
 * the points of one station name orders of that station, so a binary
 * search mostly walks memory a search before it walked. */
struct rord {
	const char *pk;  /* in the arena, set once all are read */
	size_t off;      /* the id's offset in the arena */
	int64_t t;       /* created_at */
	uint32_t key;    /* its key's number */
	uint8_t flags;   /* RB_NO_STATION, RB_NO_TIME */
};
enum { RB_NO_STATION = 1, RB_NO_TIME = 2 };

static int rord_cmp(const void *a, const void *b)
{
	return strcmp(((const struct rord *)a)->pk, ((const struct rord *)b)->pk);
}

/* A set of pairs of numbers (a group's number, a volunteer's). */
struct rpairs {
	uint64_t *v; /* pair + 1; 0: empty */
	size_t n, nslot;
};

/* Add (k, vol): 1 when new, 0 when held, negative on failure. */
static int rpairs_add(struct rpairs *p, uint32_t k, uint32_t vol)
{
	uint64_t x = (((uint64_t)k << 32) | vol) + 1;
	if ((p->n + 1) * 2 > p->nslot) {
		size_t nslot = p->nslot ? p->nslot * 2 : 4096;
		uint64_t *v = mem_calloc(nslot, sizeof(*v));
		if (!v)
			return -ENOMEM;
		for (size_t j = 0; j < p->nslot; j++) {
			if (!p->v[j])
				continue;
			size_t i = (size_t)((p->v[j] * 0x9E3779B97F4A7C15ULL) >> 20) & (nslot - 1);
			while (v[i])
				i = (i + 1) & (nslot - 1);
			v[i] = p->v[j];
		}
		mem_free(p->v);
		p->v = v;
		p->nslot = nslot;
	}
	size_t i = (size_t)((x * 0x9E3779B97F4A7C15ULL) >> 20) & (p->nslot - 1);
	for (; p->v[i]; i = (i + 1) & (p->nslot - 1))
		if (p->v[i] == x)
			return 0;
	p->v[i] = x;
	p->n++;
	return 1;
}

/* One build: the groups found by their keys' numbers while the orders
 * and points are read (RP6), and what those passes need to know. */
struct rbuild {
	struct app *a;
	struct app_report *r;
	enum app_report_by by;
	struct rmap keys;   /* group keys; v0: index in r->g + 1, 0: no group yet */
	struct rmap vols;   /* active volunteers; v0: counted in the total */
	struct rpairs pairs; /* (key, volunteer) counted as active past each one's first */
	struct rord *ord;   /* every live order (struct rord) */
	size_t nord, ordcap;
	char *otext;        /* their ids */
	size_t otlen, otcap;
	bool unsorted;      /* read out of order: sort before searching */
	size_t ord_last;    /* the order found last */
	struct rmap towns;  /* by town: station -> v0, the town key's number in names */
	struct rmap teams;  /* by team: volunteer -> v0, the team key's number in names */
	struct rmap names;  /* the texts towns and teams map to */
	char last[APP_NAME_MAX + 1]; /* the key of the row before, and its number: */
	size_t last_id;              /* rows come in runs of one key */
	bool has_last;
};

static void rbuild_release(struct rbuild *b)
{
	rmap_release(&b->keys);
	rmap_release(&b->vols);
	mem_free(b->pairs.v);
	mem_free(b->ord);
	mem_free(b->otext);
	rmap_release(&b->towns);
	rmap_release(&b->teams);
	rmap_release(&b->names);
}

static bool rbuild_in(const struct app_report *r, bool has, int64_t t)
{
	if (!r->from_ms && !r->to_ms)
		return true;
	return has && (!r->from_ms || t >= r->from_ms) && (!r->to_ms || t < r->to_ms);
}

/* The key's number of a text as a group key would hold it (app_col_text
 * cuts it to APP_NAME_MAX bytes, as the groups' keys always were). */
static int rbuild_key(struct rbuild *b, const char *s, size_t *id)
{
	int rc;
	s = s ? s : "";
	/* the same key as the row before: strncmp over the kept bytes */
	if (b->has_last && strncmp(s, b->last, APP_NAME_MAX) == 0) {
		*id = b->last_id;
		return 0;
	}
	size_t len = strnlen(s, APP_NAME_MAX);
	if ((rc = rmap_get(&b->keys, s, len, true, id)))
		return rc;
	memcpy(b->last, s, len);
	b->last[len] = '\0';
	b->last_id = *id;
	b->has_last = true;
	return 0;
}

/* The group of a key's number, made when new. */
static struct app_report_group *rbuild_group(struct rbuild *b, size_t id)
{
	struct app_report *r = b->r;
	if (b->keys.e[id].v0)
		return &r->g[b->keys.e[id].v0 - 1];
	if (MEM_GROW(r->g, r->cap, r->n + 1))
		return NULL;
	struct app_report_group *g = &r->g[r->n++];
	memset(g, 0, sizeof(*g));
	snprintf(g->key, sizeof(g->key), "%s", rmap_text(&b->keys, id));
	b->keys.e[id].v0 = (int64_t)r->n;
	return g;
}

/* Count vol active in the group of key id and in the total (RP2, RP5).
 * A volunteer's first group is kept with them (v0: its number + 1), the
 * pairs hold only the others: most volunteers serve one group. */
static int rbuild_active(struct rbuild *b, size_t id, const char *vol)
{
	size_t v;
	int rc = rmap_get(&b->vols, vol, strlen(vol), true, &v);
	if (rc)
		return rc;
	struct rment *e = &b->vols.e[v];
	if (e->v0 == (int64_t)id + 1)
		return 0;
	if (!e->v0) {
		e->v0 = (int64_t)id + 1;
		b->r->total.active++;
	} else if ((rc = rpairs_add(&b->pairs, (uint32_t)id, (uint32_t)v)) <= 0) {
		return rc;
	}
	b->r->g[b->keys.e[id].v0 - 1].active++;
	return 0;
}

/* Keep an order for the points (struct rord). */
static int rbuild_order(struct rbuild *b, const char *pk, uint32_t key, int64_t t, uint8_t flags)
{
	size_t len = strlen(pk);
	int rc;
	if ((rc = MEM_GROW(b->otext, b->otcap, b->otlen + len + 1)) ||
	    (rc = MEM_GROW(b->ord, b->ordcap, b->nord + 1)))
		return rc;
	memcpy(b->otext + b->otlen, pk, len + 1);
	struct rord *o = &b->ord[b->nord];
	o->pk = NULL;
	o->off = b->otlen;
	o->t = t;
	o->key = key;
	o->flags = flags;
	if (b->nord && strcmp(b->otext + b->ord[b->nord - 1].off, pk) >= 0)
		b->unsorted = true;
	b->otlen += len + 1;
	b->nord++;
	return 0;
}

/* After the orders: their ids' places, sorted. */
static void rbuild_orders_done(struct rbuild *b)
{
	for (size_t i = 0; i < b->nord; i++)
		b->ord[i].pk = b->otext + b->ord[i].off;
	if (b->unsorted && b->nord)
		qsort(b->ord, b->nord, sizeof(*b->ord), rord_cmp);
}

static const struct rord *rbuild_order_find(struct rbuild *b, const char *pk)
{
	size_t lo = 0, hi = b->nord;
	/* first the window around the order found before (struct rord) */
	if (b->nord > 2048) {
		size_t wlo = b->ord_last > 1024 ? b->ord_last - 1024 : 0;
		size_t whi = wlo + 2048 < b->nord ? wlo + 2048 : b->nord;
		if (strcmp(b->ord[wlo].pk, pk) <= 0 && strcmp(b->ord[whi - 1].pk, pk) >= 0) {
			lo = wlo;
			hi = whi;
		}
	}
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		int c = strcmp(b->ord[mid].pk, pk);
		if (c == 0) {
			b->ord_last = mid;
			return &b->ord[mid];
		}
		if (c < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return NULL;
}

/* A text column, NULL as NULL. */
static const char *rcol(sqlite3_stmt *st, int i)
{
	return (const char *)sqlite3_column_text(st, i);
}

/* Fill a map of texts to the numbers of texts in names: each row of sql
 * is (from, to). */
static int rbuild_map(struct rbuild *b, struct rmap *m, const char *sql)
{
	sqlite3_stmt *st;
	int rc;
	if ((rc = app_sql(b->a, &st, sql, NULL)))
		return rc;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		const char *from = rcol(st, 0), *to = rcol(st, 1);
		size_t i, j;
		if (!from || !to)
			continue;
		if ((rc = rmap_get(m, from, strlen(from), true, &i)) ||
		    (rc = rmap_get(&b->names, to, strlen(to), true, &j))) {
			sqlite3_finalize(st);
			return rc;
		}
		m->e[i].v0 = (int64_t)j;
	}
	sqlite3_finalize(st);
	return rc == SQLITE_DONE ? 0 : app_fail_store(b->a, ERR_STORAGE);
}

/* What from maps to in m ("-" when nothing: no such station or
 * volunteer, or none given). */
static const char *rbuild_mapped(const struct rbuild *b, const struct rmap *m, const char *from)
{
	size_t i;
	if (!from || rmap_get((struct rmap *)m, from, strlen(from), false, &i))
		return "-";
	return rmap_text(&b->names, (size_t)m->e[i].v0);
}

/* A month key ("YYYY-MM", local time) of a time in ms. SQLite's
 * strftime(..., 'localtime') is localtime_r() between 1971 and 2037 (it
 * moves other years into that span), so the key of a whole-ms time in
 * that span is made here, one call instead of SQLite's date machinery
 * per row, and SQL makes the others (REPORT_MONTH_SQL: NULL when made
 * here). */
#define REPORT_MONTH_SQL(col) \
	"CASE WHEN typeof(" col ") = 'integer' AND " col " >= 34000000000 AND " col \
	" < 2100000000000 THEN NULL ELSE coalesce(strftime('%Y-%m', " col " / 1000, 'unixepoch'," \
	" 'localtime'), '-') END"

static const char *report_month(int64_t ms, char *out, size_t n)
{
	time_t t = (time_t)(ms / 1000);
	struct tm tm;
	if (!localtime_r(&t, &tm) || strftime(out, n, "%Y-%m", &tm) != 7)
		return "-";
	return out;
}

/* The index of a status in app_report_status, -1 none of them. */
static int report_status(const char *s)
{
	int i = !s ? -1
		: s[0] == 'o' ? APP_ST_OPEN
		: s[0] == 'd' ? (s[1] == 'o' ? APP_ST_DONE : APP_ST_DISPATCHED)
		: s[0] == 'a' ? APP_ST_ACCEPTED
		: s[0] == 'r' ? APP_ST_RATED
		: s[0] == 'c' ? APP_ST_CANCELLED : -1;
	return i >= 0 && strcmp(s, app_report_status[i]) == 0 ? i : -1;
}

/* The orders (RP1, RP6): one pass over every live order. Those placed
 * in the range count in their group and the total; every order is kept
 * by its id with its key and time for the points that name it. */
static int report_orders(struct rbuild *b)
{
	static const char *const sql[] = {
		/* the key (NULL: made here from the station or the volunteer), then
		 * the order */
		[APP_BY_STATION] = "NULL",
		[APP_BY_TOWN] = "NULL",
		[APP_BY_CATEGORY] = "coalesce(o.category, '-')",
		[APP_BY_MONTH] = REPORT_MONTH_SQL("o.created_at"),
		[APP_BY_TEAM] = "NULL",
		[APP_BY_VOLUNTEER] = "coalesce(nullif(o.volunteer, ''), '-')",
	};
	char q[600];
	struct app_report *r = b->r;
	sqlite3_stmt *st;
	int rc;
	snprintf(q, sizeof(q),
		 "SELECT %s, o.pk, o.station, o.created_at, o.status, o.kind, o.hours, o.rating,"
		 " o.volunteer FROM orders_live o",
		 sql[b->by]);
	if ((rc = app_sql(b->a, &st, q, NULL)))
		return rc;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		const char *pk = rcol(st, 1), *station = rcol(st, 2), *status = rcol(st, 4);
		const char *kind = rcol(st, 5), *vol = rcol(st, 8), *k;
		char month[16];
		bool has_t = sqlite3_column_type(st, 3) != SQLITE_NULL;
		int64_t t = sqlite3_column_int64(st, 3);
		size_t id;
		if (b->by == APP_BY_STATION)
			k = station;
		else if (b->by == APP_BY_TOWN)
			k = rbuild_mapped(b, &b->towns, station);
		else if (b->by == APP_BY_TEAM)
			k = rbuild_mapped(b, &b->teams, vol);
		else if (b->by == APP_BY_MONTH && sqlite3_column_type(st, 0) == SQLITE_NULL)
			k = report_month(t, month, sizeof(month));
		else
			k = rcol(st, 0);
		if ((rc = rbuild_key(b, k, &id)))
			goto out;
		if (pk && (rc = rbuild_order(b, pk, (uint32_t)id, t,
					     (uint8_t)((station ? 0 : RB_NO_STATION) | (has_t ? 0 : RB_NO_TIME)))))
			goto out;
		if (!rbuild_in(r, has_t, t))
			continue;
		struct app_report_group *g = rbuild_group(b, id), *tot = &r->total;
		if (!g) {
			rc = -ENOMEM;
			goto out;
		}
		int si = report_status(status);
		bool fin = si == APP_ST_DONE || si == APP_ST_RATED;
		bool wish = kind && strcmp(kind, "wish") == 0;
		g->orders++;
		tot->orders++;
		if (si >= 0) {
			g->st[si]++;
			tot->st[si]++;
		}
		if (fin && sqlite3_column_type(st, 6) != SQLITE_NULL) {
			double h = sqlite3_column_double(st, 6);
			g->hours += h;
			tot->hours += h;
		}
		if (sqlite3_column_type(st, 7) != SQLITE_NULL) {
			double v = sqlite3_column_double(st, 7);
			g->rated++;
			tot->rated++;
			g->rating_sum += v;
			tot->rating_sum += v;
			if (v >= 4) {
				g->satisfied++;
				tot->satisfied++;
			}
		}
		if (wish) {
			g->wishes++;
			tot->wishes++;
			if (fin) {
				g->wishes_done++;
				tot->wishes_done++;
			}
		}
		if (fin && vol && vol[0] && (rc = rbuild_active(b, id, vol)))
			goto out;
	}
	rc = rc == SQLITE_DONE ? 0 : app_fail_store(b->a, ERR_STORAGE);
out:
	sqlite3_finalize(st);
	return rc;
}

/* The points (RP1, RP5, RP6): one pass, each row in the group of its
 * order (report.h) found among the orders read, its time its own or
 * else its order's. */
static int report_points(struct rbuild *b)
{
	char q[400];
	struct app_report *r = b->r;
	sqlite3_stmt *st;
	int rc;
	/* column 5: the volunteer of an hours credit (RP5), as the grouped
	 * queries tested it; 6: the volunteer, by team */
	snprintf(q, sizeof(q),
		 "SELECT %s, p.\"order\", p.station, p.at, p.delta, CASE WHEN p.reason = 'hours'"
		 " AND coalesce(p.hours, 0) > 0 AND coalesce(p.volunteer, '') != '' THEN p.volunteer END,"
		 " %s FROM points_live p",
		 b->by == APP_BY_VOLUNTEER ? "coalesce(nullif(p.volunteer, ''), '-')" : "NULL",
		 b->by == APP_BY_TEAM ? "p.volunteer" : "NULL");
	if ((rc = app_sql(b->a, &st, q, NULL)))
		return rc;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		const char *order = rcol(st, 1), *k = NULL;
		bool has_t = sqlite3_column_type(st, 3) != SQLITE_NULL;
		int64_t t = sqlite3_column_int64(st, 3);
		size_t id;
		const struct rord *o = order ? rbuild_order_find(b, order) : NULL;
		bool found = o != NULL;
		if (!has_t && found && !(o->flags & RB_NO_TIME)) {
			has_t = true;
			t = o->t;
		}
		if (!rbuild_in(r, has_t, t))
			continue;
		bool by_order = b->by == APP_BY_CATEGORY || b->by == APP_BY_MONTH ||
				((b->by == APP_BY_STATION || b->by == APP_BY_TOWN) && found &&
				 !(o->flags & RB_NO_STATION));
		if (by_order && found)
			id = o->key;
		else {
			if (by_order) /* by category or month without its order */
				k = "-";
			else if (b->by == APP_BY_STATION)
				k = rcol(st, 2);
			else if (b->by == APP_BY_TOWN)
				k = rbuild_mapped(b, &b->towns, rcol(st, 2));
			else if (b->by == APP_BY_TEAM)
				k = rbuild_mapped(b, &b->teams, rcol(st, 6));
			else
				k = rcol(st, 0);
			if ((rc = rbuild_key(b, k, &id)))
				goto out;
		}
		struct app_report_group *g = rbuild_group(b, id);
		if (!g) {
			rc = -ENOMEM;
			goto out;
		}
		int64_t d = sqlite3_column_int64(st, 4);
		if (d > 0) {
			g->issued += d;
			r->total.issued += d;
		} else if (d < 0) {
			g->redeemed -= d;
			r->total.redeemed -= d;
		}
		const char *vol = rcol(st, 5);
		if (vol && (rc = rbuild_active(b, id, vol)))
			goto out;
	}
	rc = rc == SQLITE_DONE ? 0 : app_fail_store(b->a, ERR_STORAGE);
out:
	sqlite3_finalize(st);
	return rc;
}
/* The names of the groups: looked up one by one when they are few, else
 * read in one pass over the table (a report by volunteer at the hub has
 * a group for each of 300,000 volunteers). Run on sorted groups. */
static int report_names(struct app *a, struct app_report *r)
{
	const char *table = r->by == APP_BY_TEAM	? "teams_live"
			    : r->by == APP_BY_VOLUNTEER ? "volunteers_live"
							 : "stations_live";
	char sql[80];
	sqlite3_stmt *st;
	int rc;
	bool scan = r->n > 2048;
	if (scan)
		snprintf(sql, sizeof(sql), "SELECT name, pk FROM %s", table);
	else
		snprintf(sql, sizeof(sql), "SELECT name FROM %s WHERE pk = ?1", table);
	if ((rc = app_sql(a, &st, sql, NULL)))
		return rc;
	if (scan) {
		while (sqlite3_step(st) == SQLITE_ROW) {
			const char *pk = rcol(st, 1);
			struct app_report_group *g = pk ? report_find(r, pk, false) : NULL;
			if (g && strlen(pk) <= APP_NAME_MAX)
				app_col_text(st, 0, g->name, sizeof(g->name));
		}
	}
	for (size_t i = 0; !scan && i < r->n; i++) {
		sqlite3_reset(st);
		sqlite3_bind_text(st, 1, r->g[i].key, -1, SQLITE_STATIC);
		if (sqlite3_step(st) == SQLITE_ROW)
			app_col_text(st, 0, r->g[i].name, sizeof(r->g[i].name));
	}
	sqlite3_finalize(st);
	return 0;
}

/* Registered and new volunteers (report.h) in one pass (RP6): for the
 * groups (by is not category, whose volunteers have none) and the
 * total. By volunteer only the groups the orders and points made get
 * theirs: a report by volunteer lists those who did something, not the
 * whole roll. By month a volunteer counts in the month of registration,
 * only within the range. Run once the groups are sorted (report_find). */
static int report_volunteers(struct rbuild *b)
{
	static const char *const sql[] = {
		[APP_BY_STATION] = "NULL", /* the station, or its town, made here */
		[APP_BY_TOWN] = "NULL",
		[APP_BY_CATEGORY] = "NULL",
		[APP_BY_MONTH] = REPORT_MONTH_SQL("v.registered_at"),
		[APP_BY_TEAM] = "coalesce(nullif(v.team, ''), '-')",
		[APP_BY_VOLUNTEER] = "v.pk",
	};
	char q[400], last[APP_NAME_MAX + 1] = "", month[16];
	struct app_report *r = b->r;
	struct app_report_group *g = NULL;
	size_t gi = 0;
	bool have = false;
	sqlite3_stmt *st;
	int rc;
	snprintf(q, sizeof(q), "SELECT %s, v.station, v.status, v.registered_at FROM volunteers_live v",
		 sql[b->by]);
	if ((rc = app_sql(b->a, &st, q, NULL)))
		return rc;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		const char *status = rcol(st, 2), *k;
		int64_t reg = sqlite3_column_int64(st, 3); /* NULL (an old version): long ago, 0 */
		bool before = !r->to_ms || reg < r->to_ms, in = before && reg >= r->from_ms;
		bool stays = !status || strcmp(status, "left") != 0;
		r->total.registered += before && stays;
		r->total.new_vols += in;
		if (b->by == APP_BY_CATEGORY)
			continue;
		bool n = (b->by == APP_BY_MONTH ? in : before) && stays;
		if (b->by == APP_BY_MONTH && !n && !in)
			continue; /* not a month of this range */
		if (b->by == APP_BY_STATION)
			k = rcol(st, 1);
		else if (b->by == APP_BY_TOWN)
			k = rbuild_mapped(b, &b->towns, rcol(st, 1));
		else if (b->by == APP_BY_MONTH && sqlite3_column_type(st, 0) == SQLITE_NULL)
			k = report_month(reg, month, sizeof(month));
		else
			k = rcol(st, 0);
		char key[APP_NAME_MAX + 1];
		snprintf(key, sizeof(key), "%s", k ? k : "");
		if (!have || strcmp(key, last) != 0) { /* rows come in runs of one key */
			have = true;
			memcpy(last, key, sizeof(last));
			g = b->by == APP_BY_VOLUNTEER ? report_find(r, key, false) : report_group(r, key);
			if (!g && b->by != APP_BY_VOLUNTEER) {
				rc = -ENOMEM;
				goto out;
			}
			gi = g ? (size_t)(g - r->g) : 0;
		}
		if (g) {
			r->g[gi].registered += n;
			r->g[gi].new_vols += in;
		}
	}
	rc = rc == SQLITE_DONE ? 0 : app_fail_store(b->a, ERR_STORAGE);
out:
	sqlite3_finalize(st);
	return rc;
}
/* Activities (activity.c, issue 17): the activities that start in the
 * range, counted in the group of their home station (by station, town)
 * or month, and in the total; a county-wide one (station "") in "-". By
 * category, team and volunteer an activity has no group: the total only. */
static void report_fill_activities(struct app_report_group *g, sqlite3_stmt *st)
{
	g->activities = sqlite3_column_int64(st, 1);
}

static int report_activities(struct app *a, struct app_report *r, bool total)
{
	char sql[800], key[200], where[160];
	if (total)
		snprintf(key, sizeof(key), "'*'");
	else if (r->by == APP_BY_STATION)
		snprintf(key, sizeof(key), "coalesce(nullif(x.station, ''), '-')");
	else if (r->by == APP_BY_TOWN)
		snprintf(key, sizeof(key), "coalesce(nullif(s.parent, ''), '-')");
	else if (r->by == APP_BY_MONTH)
		snprintf(key, sizeof(key),
			 "coalesce(strftime('%%Y-%%m', x.start_at / 1000, 'unixepoch', 'localtime'), '-')");
	else
		return 0;
	report_range(r, "x.start_at", where, sizeof(where));
	snprintf(sql, sizeof(sql),
		 "SELECT %s AS k, count(*) FROM activities_live x LEFT JOIN stations_live s ON s.pk = x.station"
		 "%s GROUP BY k ORDER BY k",
		 key, where);
	r->has_activities = true;
	return report_rows(a, r, sql, total, report_fill_activities);
}

/* For --by station: when each station's nodes (enrolments) last synced;
 * the enrolments read once, not once per station (issue 15). Run on
 * sorted groups (report_find). */
static int report_last_sync(struct app *a, struct app_report *r)
{
	sqlite3_stmt *st;
	int rc;
	if ((rc = app_sql(a, &st, "SELECT station, node FROM enrolments_live", NULL)))
		return rc;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		char station[APP_NAME_MAX + 1], node[2 * CRDT_AUTHOR_LEN + 2];
		char name[2 * CRDT_AUTHOR_LEN + 8];
		struct app_report_group *g;
		uint64_t ms;
		bool hex = true;
		app_col_text(st, 0, station, sizeof(station));
		if (sqlite3_column_type(st, 0) == SQLITE_NULL || !(g = report_find(r, station, false)))
			continue;
		app_col_text(st, 1, node, sizeof(node));
		for (const char *c = node; *c; c++) /* replicated text: never a path */
			hex = hex && ((*c >= '0' && *c <= '9') || (*c >= 'a' && *c <= 'f'));
		if (!hex || strlen(node) != 2 * CRDT_AUTHOR_LEN)
			continue;
		snprintf(name, sizeof(name), "node-%s", node);
		if (app_peer_last_load(a, name, &ms) == 0 && ms > g->last_sync)
			g->last_sync = ms;
	}
	sqlite3_finalize(st);
	return rc == SQLITE_DONE ? 0 : app_fail_store(a, ERR_STORAGE);
}

/* By category: a group for every category on the menu of this node
 * (a station's, or at the hub the county's and every station's), and
 * the groups of names not on it marked (category.h C4). */
static int report_menu(struct app *a, struct app_report *r)
{
	struct app_category *v;
	size_t n;
	int rc = app_category_list(a, NULL, false, &v, &n);
	if (rc)
		return rc;
	for (size_t i = 0; i < r->n; i++) {
		r->g[i].unlisted = strcmp(r->g[i].key, "-") != 0;
		for (size_t k = 0; k < n && r->g[i].unlisted; k++)
			r->g[i].unlisted = strcmp(v[k].name, r->g[i].key) != 0;
	}
	for (size_t k = 0; k < n && !rc; k++)
		if (!report_group(r, v[k].name))
			rc = -ENOMEM;
	mem_free(v);
	return rc;
}

static int report_cmp(const void *a, const void *b)
{
	return strcmp(((const struct app_report_group *)a)->key, ((const struct app_report_group *)b)->key);
}

int app_report_build(struct app *a, enum app_report_by by, struct app_report *r)
{
	return app_report_build_range(a, by, 0, 0, r);
}

int app_report_build_range(struct app *a, enum app_report_by by, int64_t from_ms, int64_t to_ms,
			   struct app_report *r)
{
	struct rbuild b;
	int rc;

	memset(r, 0, sizeof(*r));
	memset(&b, 0, sizeof(b));
	r->by = by;
	r->from_ms = from_ms > 0 ? from_ms : 0;
	r->to_ms = to_ms > 0 ? to_ms : 0;
	b.a = a;
	b.r = r;
	b.by = by;
	if ((by == APP_BY_TOWN &&
	     (rc = rbuild_map(&b, &b.towns,
			      "SELECT pk, parent FROM stations_live WHERE coalesce(parent, '') != ''"))) ||
	    (by == APP_BY_TEAM &&
	     (rc = rbuild_map(&b, &b.teams,
			      "SELECT pk, team FROM volunteers_live WHERE coalesce(team, '') != ''"))) ||
	    (rc = report_orders(&b)) || (rbuild_orders_done(&b), rc = report_points(&b)))
		goto fail;
	if (r->n)
		qsort(r->g, r->n, sizeof(*r->g), report_cmp);
	if ((rc = report_volunteers(&b)) || (rc = report_activities(a, r, false)) ||
	    (rc = report_activities(a, r, true)))
		goto fail;
	if ((by == APP_BY_STATION || by == APP_BY_TOWN || by == APP_BY_TEAM || by == APP_BY_VOLUNTEER) &&
	    (rc = report_names(a, r)))
		goto fail;
	if (by == APP_BY_STATION && (rc = report_last_sync(a, r)))
		goto fail;
	if (by == APP_BY_CATEGORY && (rc = report_menu(a, r)))
		goto fail;
	if (r->n)
		qsort(r->g, r->n, sizeof(*r->g), report_cmp);
	rbuild_release(&b);
	return 0;
fail:
	rbuild_release(&b);
	app_report_release(r);
	return rc == -ENOMEM ? app_failf(a, rc, APP_W_FAILED, 0) : rc;
}

void app_report_release(struct app_report *r)
{
	mem_free(r->g);
	r->g = NULL;
	r->n = r->cap = 0;
}

int app_report_duplicates(struct app *a, struct app_dup **out, size_t *nout, size_t *ngroups,
			  int64_t *uncovered)
{
	static const char *const sql =
		"SELECT id_chash, pk, station, name, id_last4 FROM volunteers_live"
		" WHERE id_chash IS NOT NULL AND id_chash IN"
		" (SELECT id_chash FROM volunteers_live WHERE id_chash IS NOT NULL"
		" GROUP BY id_chash HAVING COUNT(DISTINCT station) >= 2)"
		" ORDER BY id_chash, station, pk";
	static const char *const uncovered_sql =
		"SELECT COUNT(*) FROM volunteers_live WHERE id_hash IS NOT NULL"
		" AND id_chash IS NULL";
	char hash[2 * SYNC_HASH_LEN + 1] = "", prev[2 * SYNC_HASH_LEN + 1] = "";
	struct app_dup *d = NULL;
	size_t n = 0, cap = 0, groups = 0;
	sqlite3_stmt *st;
	int rc, step;

	*out = NULL;
	*nout = *ngroups = 0;
	*uncovered = 0;
	if (!a->hub)
		return app_failf(a, ERR_RULE, APP_W_DUP_HUB_ONLY, 0);

	if ((rc = app_sql(a, &st, sql, NULL)))
		return rc;
	while ((step = sqlite3_step(st)) == SQLITE_ROW) {
		if ((rc = MEM_GROW(d, cap, n + 1))) {
			sqlite3_finalize(st);
			mem_free(d);
			return app_failf(a, rc, APP_W_FAILED, 0);
		}
		struct app_dup *x = &d[n++];
		app_col_text(st, 0, hash, sizeof(hash));
		app_col_text(st, 1, x->id, sizeof(x->id));
		app_col_text(st, 2, x->station, sizeof(x->station));
		app_col_text(st, 3, x->name, sizeof(x->name));
		app_col_text(st, 4, x->last4, sizeof(x->last4));
		if (strcmp(hash, prev) != 0) {
			groups++;
			memcpy(prev, hash, sizeof(prev));
		}
		x->group = groups;
	}
	sqlite3_finalize(st);
	sodium_memzero(hash, sizeof(hash));
	sodium_memzero(prev, sizeof(prev));
	if (step != SQLITE_DONE) {
		mem_free(d);
		return app_fail_store(a, ERR_STORAGE);
	}
	if ((rc = app_sql_int(a, uncovered, uncovered_sql, NULL))) {
		mem_free(d);
		return rc;
	}
	*out = d;
	*nout = n;
	*ngroups = groups;
	return 0;
}
