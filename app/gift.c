// SPDX-License-Identifier: MIT
/*
 * gift.c - the gift shelf (爱心超市): items, stock, redemption by item
 * (gift.h).
 *
 * Rules:
 *  G1. An item belongs to the shelf of one station, fixed when it is added
 *      (by that station, or by the hub naming the station).
 *  G2. Stock is the sum of the item's moves (gift_moves, append-only):
 *      restock +n, redeem -n, price 0. Nothing is ever overwritten, so
 *      merging moves made anywhere in any order gives the same stock.
 *  G3. Only the item's station or the hub changes the item (name, price,
 *      retired) and restocks it: the same rule as every station's data.
 *  G4. A price change is also a move (reason price, delta 0, the new
 *      price), and every move carries the price of its time: the history
 *      of prices is kept, not only the last one.
 *  G5. Only the item's own station takes stock (a redemption), never the
 *      hub nor another station, and only of an item on the shelf. It
 *      reads the stock inside the write transaction that takes it and
 *      refuses more than is there. As every other move is positive, the
 *      stock can only be lower where the station's own moves are missing,
 *      and those it always holds: no merge makes it negative (sync/trust.c
 *      refuses a stock-taking move from any other node). The points are
 *      taken as points.c P2, P3 decide, in the same commit.
 *  G6. The name of an item on the shelf is unique in its station, so a
 *      name finds one item there.
 */
#include <string.h>
#include <sqlite3.h>

#include "base/err.h"
#include "base/mem.h"
#include "app/gift.h"
#include "app/points.h"

#define GIFT_COLS                                                                               \
	"SELECT g.pk, g.name, g.price, g.station, coalesce(g.retired, 0),"                      \
	" (SELECT coalesce(sum(m.delta), 0) FROM gift_moves_live m WHERE m.gift = g.pk)"       \
	" FROM gifts_live g "

static void gift_row(sqlite3_stmt *st, struct app_gift *g)
{
	memset(g, 0, sizeof(*g));
	app_col_text(st, 0, g->id, sizeof(g->id));
	app_col_text(st, 1, g->name, sizeof(g->name));
	g->price = sqlite3_column_int64(st, 2);
	app_col_text(st, 3, g->station, sizeof(g->station));
	g->retired = sqlite3_column_int64(st, 4) != 0;
	g->stock = sqlite3_column_int64(st, 5);
}

/* Rows of a query into g (the first, when one was asked), counted in *n. */
static int gift_query(struct app *a, struct app_gift *g, size_t *n, const char *sql, ...)
{
	sqlite3_stmt *st;
	va_list ap;
	int rc;

	*n = 0;
	va_start(ap, sql);
	rc = app_sqlv(a, &st, sql, ap);
	va_end(ap);
	if (rc)
		return rc;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW)
		if ((*n)++ == 0)
			gift_row(st, g);
	sqlite3_finalize(st);
	return rc == SQLITE_DONE ? 0 : app_fail_store(a, ERR_STORAGE);
}

int app_gift_find(struct app *a, const char *text, struct app_gift *g)
{
	const char *own = a->hub ? "" : a->conf.station;
	char count[24];
	size_t n;
	int rc;

	memset(g, 0, sizeof(*g));
	if (!text || !app_text_ok(text, APP_NAME_MAX))
		return app_failf(a, ERR_NOTFOUND, APP_W_GIFT_NOT_FOUND, 1, text ? text : "");
	if ((rc = gift_query(a, g, &n, GIFT_COLS "WHERE g.pk = ?1", text, NULL)))
		return rc;
	if (n == 1)
		return 0;
	if ((rc = gift_query(a, g, &n,
			     GIFT_COLS "WHERE g.name = ?1 AND coalesce(g.retired, 0) = 0"
				       " AND (?2 = '' OR g.station = ?2) ORDER BY g.pk",
			     text, own, NULL)))
		return rc;
	if (n == 1)
		return 0;
	memset(g, 0, sizeof(*g));
	if (n == 0)
		return app_failf(a, ERR_NOTFOUND, APP_W_GIFT_NOT_FOUND, 1, text);
	snprintf(count, sizeof(count), "%zu", n);
	return app_failf(a, ERR_RULE, APP_W_GIFT_AMBIGUOUS, 2, text, count);
}

int app_gift_parse_count(struct app *a, const char *text, int64_t max, int64_t *n)
{
	char ms[24];
	*n = 0;
	if (app_parse_int(text, 1, max, n) == 0)
		return 0;
	snprintf(ms, sizeof(ms), "%lld", (long long)max);
	return app_failf(a, ERR_USAGE, APP_W_GIFT_BAD_COUNT, 2, text ? text : "", ms);
}

static int gift_parse_price(struct app *a, const char *text, int64_t *price)
{
	char ms[24];
	if (app_parse_int(text, 1, APP_GIFT_PRICE_MAX, price) == 0)
		return 0;
	snprintf(ms, sizeof(ms), "%d", APP_GIFT_PRICE_MAX);
	return app_failf(a, ERR_USAGE, APP_W_GIFT_BAD_PRICE, 2, text ? text : "", ms);
}

/* A name for an item of station: text, and no other item on its shelf
 * has it (G6; except the item `self`, "" none). */
static int gift_name_ok(struct app *a, const char *name, const char *station, const char *self)
{
	struct app_gift other;
	size_t n;
	int rc;
	if (!name || !app_text_ok(name, APP_NAME_MAX))
		return app_failf(a, ERR_USAGE, APP_W_GIFT_BAD_NAME, 1, name ? name : "");
	if ((rc = gift_query(a, &other, &n,
			     GIFT_COLS "WHERE g.name = ?1 AND g.station = ?2 AND coalesce(g.retired, 0) = 0"
				       " AND g.pk <> ?3",
			     name, station, self, NULL)))
		return rc;
	return n ? app_failf(a, ERR_RULE, APP_W_GIFT_NAME_TAKEN, 2, name, other.id) : 0;
}

/* A move of item g; w borrows g and reason. */
static int gift_move(struct app *a, struct crdt_write *w, char *id, size_t idn, const struct app_gift *g,
		     const char *reason, int64_t delta)
{
	int rc = app_id_next(a, "gift_moves", 'k', id, idn);
	if (rc)
		return rc;
	crdt_write_init(w, CRDT_T_GIFT_MOVES, CRDT_UPSERT, id);
	crdt_write_set_text(w, CRDT_C_GIFT_MOVES_GIFT, g->id);
	crdt_write_set_text(w, CRDT_C_GIFT_MOVES_STATION, g->station);
	crdt_write_set_int(w, CRDT_C_GIFT_MOVES_DELTA, delta);
	crdt_write_set_text(w, CRDT_C_GIFT_MOVES_REASON, reason);
	crdt_write_set_int(w, CRDT_C_GIFT_MOVES_PRICE, g->price);
	crdt_write_set_int(w, CRDT_C_GIFT_MOVES_AT, (int64_t)a->now_ms);
	return 0;
}

/* Commit n writes in g's station and end the transaction. */
static int gift_commit(struct app *a, const struct app_gift *g, const struct crdt_write *w, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (w[i].err) /* the code's own mistake: refused before anything is written */
			return app_failf(a, w[i].err, APP_W_FAILED, 0);
	return app_commit(a, g->station, w, n);
}

static int app_gift_add_tx(struct app *a, const struct app_gift_new *in, struct app_gift *g)
{
	struct crdt_write w[2];
	char mid[APP_ID_MAX + 1];
	int rc;

	memset(g, 0, sizeof(*g));
	if (!in->name || !app_text_ok(in->name, APP_NAME_MAX))
		return app_failf(a, ERR_USAGE, APP_W_GIFT_BAD_NAME, 1, in->name ? in->name : "");
	if ((rc = gift_parse_price(a, in->price, &g->price)))
		return rc;
	if (in->stock && app_parse_int(in->stock, 0, APP_GIFT_STOCK_MAX, &g->stock))
		return app_gift_parse_count(a, in->stock, APP_GIFT_STOCK_MAX, &g->stock);
	if (in->station && !app_id_ok(in->station))
		return app_failf(a, ERR_USAGE, APP_W_BAD_STATION_ID, 1, in->station);
	if (!in->station && a->hub)
		return app_failf(a, ERR_USAGE, APP_W_GIFT_STATION_NEEDED, 0);
	snprintf(g->station, sizeof(g->station), "%s", in->station ? in->station : a->conf.station);
	snprintf(g->name, sizeof(g->name), "%s", in->name);
	if (!app_may_write(a, g->station)) /* G3 */
		return app_failf(a, ERR_RULE, APP_W_VOL_NOT_OURS, 2, g->station, a->conf.station);
	if ((rc = app_write_begin(a)) || (rc = gift_name_ok(a, g->name, g->station, "")) ||
	    (rc = app_id_next(a, "gifts", 'g', g->id, sizeof(g->id))))
		return rc;
	crdt_write_init(&w[0], CRDT_T_GIFTS, CRDT_UPSERT, g->id);
	crdt_write_set_text(&w[0], CRDT_C_GIFTS_NAME, g->name);
	crdt_write_set_int(&w[0], CRDT_C_GIFTS_PRICE, g->price);
	crdt_write_set_text(&w[0], CRDT_C_GIFTS_STATION, g->station);
	crdt_write_set_int(&w[0], CRDT_C_GIFTS_RETIRED, 0);
	crdt_write_set_int(&w[0], CRDT_C_GIFTS_CREATED_AT, (int64_t)a->now_ms);
	/* G4: the first price is recorded as every later one, with the
	 * first stock when there is any. */
	if ((rc = gift_move(a, &w[1], mid, sizeof(mid), g, g->stock ? "restock" : "price", g->stock)))
		return rc;
	return gift_commit(a, g, w, 2);
}

int app_gift_add(struct app *a, const struct app_gift_new *in, struct app_gift *out)
{
	bool began = !a->writing;
	int rc = app_write_fail(a, began, app_gift_add_tx(a, in, out));
	if (rc)
		memset(out, 0, sizeof(*out));
	return rc;
}

/* The item text names, which this node may change (G3). */
static int gift_ours(struct app *a, const char *text, struct app_gift *g)
{
	int rc;
	if ((rc = app_write_begin(a)) || (rc = app_gift_find(a, text, g)))
		return rc;
	if (!app_may_write(a, g->station))
		return app_failf(a, ERR_RULE, APP_W_GIFT_NOT_OURS, 5, g->name, g->id, g->station,
				 a->conf.station, g->station);
	return 0;
}

static int app_gift_set_tx(struct app *a, const char *item, const char *name, const char *price,
			   struct app_gift *g)
{
	struct crdt_write w[2];
	char mid[APP_ID_MAX + 1];
	int64_t p = 0;
	size_t nw = 1;
	int rc;

	if (!name && !price)
		return app_failf(a, ERR_USAGE, APP_W_GIFT_SET_NOTHING, 0);
	if (name && !app_text_ok(name, APP_NAME_MAX))
		return app_failf(a, ERR_USAGE, APP_W_GIFT_BAD_NAME, 1, name);
	if (price && (rc = gift_parse_price(a, price, &p)))
		return rc;
	if ((rc = gift_ours(a, item, g)))
		return rc;
	if (name && !g->retired && (rc = gift_name_ok(a, name, g->station, g->id)))
		return rc;
	crdt_write_init(&w[0], CRDT_T_GIFTS, CRDT_UPSERT, g->id);
	if (name) {
		crdt_write_set_text(&w[0], CRDT_C_GIFTS_NAME, name);
		snprintf(g->name, sizeof(g->name), "%s", name);
	}
	if (price && p != g->price) { /* G4 */
		g->price = p;
		crdt_write_set_int(&w[0], CRDT_C_GIFTS_PRICE, p);
		if ((rc = gift_move(a, &w[nw++], mid, sizeof(mid), g, "price", 0)))
			return rc;
	}
	if (!name && nw == 1) /* the price it has: nothing to record */
		return app_write_end(a);
	return gift_commit(a, g, w, nw);
}

int app_gift_set(struct app *a, const char *item, const char *name, const char *price,
		 struct app_gift *out)
{
	bool began = !a->writing;
	return app_write_fail(a, began, app_gift_set_tx(a, item, name, price, out));
}

static int app_gift_restock_tx(struct app *a, const char *item, const char *count, struct app_gift *g)
{
	struct crdt_write w;
	char mid[APP_ID_MAX + 1], ss[24], ns[24], ms[24];
	int64_t n;
	int rc;

	if ((rc = app_gift_parse_count(a, count, APP_GIFT_STOCK_MAX, &n)) || (rc = gift_ours(a, item, g)))
		return rc;
	if (g->stock > APP_GIFT_STOCK_MAX - n) {
		snprintf(ss, sizeof(ss), "%lld", (long long)g->stock);
		snprintf(ns, sizeof(ns), "%lld", (long long)n);
		snprintf(ms, sizeof(ms), "%d", APP_GIFT_STOCK_MAX);
		return app_failf(a, ERR_RULE, APP_W_GIFT_TOO_MUCH, 5, g->name, g->id, ss, ns, ms);
	}
	if ((rc = gift_move(a, &w, mid, sizeof(mid), g, "restock", n)))
		return rc;
	g->stock += n;
	return gift_commit(a, g, &w, 1);
}

int app_gift_restock(struct app *a, const char *item, const char *count, struct app_gift *out)
{
	bool began = !a->writing;
	return app_write_fail(a, began, app_gift_restock_tx(a, item, count, out));
}

static int app_gift_retire_tx(struct app *a, const char *item, struct app_gift *g)
{
	struct crdt_write w;
	int rc;
	if ((rc = gift_ours(a, item, g)))
		return rc;
	if (g->retired)
		return app_failf(a, ERR_RULE, APP_W_GIFT_RETIRED, 2, g->name, g->id);
	crdt_write_init(&w, CRDT_T_GIFTS, CRDT_UPSERT, g->id);
	crdt_write_set_int(&w, CRDT_C_GIFTS_RETIRED, 1);
	g->retired = true;
	return gift_commit(a, g, &w, 1);
}

int app_gift_retire(struct app *a, const char *item, struct app_gift *out)
{
	bool began = !a->writing;
	return app_write_fail(a, began, app_gift_retire_tx(a, item, out));
}

int app_gift_list(struct app *a, const char *station, bool all, struct app_gift **out, size_t *n)
{
	struct app_gift *v = NULL;
	size_t cap = 0;
	sqlite3_stmt *st;
	int rc;

	*out = NULL;
	*n = 0;
	if ((rc = app_sql(a, &st,
			  GIFT_COLS "WHERE (?1 = '' OR g.station = ?1) AND (?2 = '1' OR coalesce(g.retired, 0) = 0)"
				    " ORDER BY g.station, g.name, g.pk",
			  station ? station : "", all ? "1" : "0", NULL)))
		return rc;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		if ((rc = MEM_GROW(v, cap, *n + 1)))
			break;
		gift_row(st, &v[(*n)++]);
	}
	sqlite3_finalize(st);
	if (rc != SQLITE_DONE) {
		mem_free(v);
		*n = 0;
		return rc < 0 ? app_failf(a, rc, APP_W_FAILED, 0) : app_fail_store(a, ERR_STORAGE);
	}
	*out = v;
	return 0;
}

/* ---- redemption by item (G5) --------------------------------------------------- */

/* May this node take count of g? */
static int gift_take_ok(struct app *a, const struct app_gift *g, int64_t count)
{
	char ss[24], ns[24];
	if (g->retired)
		return app_failf(a, ERR_RULE, APP_W_GIFT_RETIRED, 2, g->name, g->id);
	if (a->hub)
		return app_failf(a, ERR_RULE, APP_W_GIFT_HUB_STOCK, 3, g->name, g->id, g->station);
	if (strcmp(g->station, a->conf.station) != 0)
		return app_failf(a, ERR_RULE, APP_W_GIFT_OTHER_STOCK, 5, g->name, g->id, g->station,
				 a->conf.station, g->station);
	if (g->stock < count) {
		snprintf(ss, sizeof(ss), "%lld", (long long)g->stock);
		snprintf(ns, sizeof(ns), "%lld", (long long)count);
		return app_failf(a, ERR_RULE, APP_W_GIFT_NO_STOCK, 4, g->name, g->id, ss, ns);
	}
	return 0;
}

static int app_gift_redeem_tx(struct app *a, const char *who, const char *item, int64_t count,
			      struct app_volunteer_found *f, struct app_gift_redeem_result *r)
{
	struct app_redeem_result pr;
	struct crdt_write w[2];
	char cs[24], need[24];
	int rc;

	memset(r, 0, sizeof(*r));
	snprintf(cs, sizeof(cs), "%lld", (long long)count);
	if (count < 1 || count > APP_GIFT_COUNT_MAX)
		return app_gift_parse_count(a, cs, APP_GIFT_COUNT_MAX, &count);
	if ((rc = app_write_begin(a)) || (rc = app_gift_find(a, item, &r->gift)) ||
	    (rc = gift_take_ok(a, &r->gift, count)))
		return rc;
	r->points = r->gift.price * count; /* at most APP_GIFT_PRICE_MAX x APP_GIFT_COUNT_MAX */
	rc = app_points_take(a, who, r->points, r->gift.name, f, &pr, &w[0]);
	if (rc && a->fail.why == APP_W_POINTS_OVERDRAW) {
		struct app_volunteer_hit *v = &f->c[0];
		char bal[APP_ARG_MAX];
		snprintf(bal, sizeof(bal), "%s", a->fail.arg[2]);
		snprintf(need, sizeof(need), "%lld", (long long)r->points);
		return app_failf(a, rc, APP_W_GIFT_NO_POINTS, 6, v->name, v->id, bal, need, cs,
				 r->gift.name);
	}
	if (rc)
		return rc;
	if (strcmp(pr.v.station, r->gift.station) != 0) /* P2 and G5 leave one scope: this station */
		return app_failf(a, ERR_RULE, APP_W_GIFT_OTHER_STOCK, 5, r->gift.name, r->gift.id,
				 r->gift.station, pr.v.station, r->gift.station);
	if ((rc = gift_move(a, &w[1], r->move_id, sizeof(r->move_id), &r->gift, "redeem", -count)))
		return rc;
	crdt_write_set_text(&w[1], CRDT_C_GIFT_MOVES_VOLUNTEER, pr.v.id);
	crdt_write_set_text(&w[1], CRDT_C_GIFT_MOVES_POINTS, pr.id);
	if ((rc = gift_commit(a, &r->gift, w, 2)))
		return rc;
	snprintf(r->points_id, sizeof(r->points_id), "%s", pr.id);
	r->v = pr.v;
	r->count = count;
	r->balance = pr.balance;
	r->gift.stock -= count;
	return 0;
}

int app_gift_redeem(struct app *a, const char *who, const char *item, int64_t count,
		    struct app_volunteer_found *f, struct app_gift_redeem_result *r)
{
	struct app_volunteer_found own;
	bool began = !a->writing;
	int rc = app_write_fail(a, began, app_gift_redeem_tx(a, who, item, count, f ? f : &own, r));
	if (rc)
		memset(r, 0, sizeof(*r));
	return rc;
}
