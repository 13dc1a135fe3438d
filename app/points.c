// SPDX-License-Identifier: MIT
/*
 * points.c - volunteer points: balances, the ledger, redemptions, the
 * service credit of a finished order; the county settings (points.h).
 *
 * Rules:
 *  P1. Points are a ledger: rows are only ever added; a balance is the sum.
 *  P2. Only the node holding a volunteer's spending right may redeem: the
 *      volunteer's home station, or the hub. So two disconnected stations
 *      can never both spend the same points. A visiting volunteer's
 *      points are spent at home, never here.
 *  P3. A redemption that would take the balance below zero is refused,
 *      with the balance. The balance is read inside the write transaction
 *      that writes the redemption, so parallel writers never overdraw.
 *  P4. Settings are county-wide (scope ""), written at the hub.
 *  P5. An order's service credit is round(hours x points per hour) with
 *      key "service:<order id>", written once (not when the key is held,
 *      nor for 0 points), in the order's station scope, or county-wide
 *      when the volunteer's home is another station (order.c O5).
 *  P6. Hours credited outside orders by a rule of their own (an
 *      activity's, activity.c A7) follow P5 with reason "hours", the
 *      caller's key and the hours: they count as a volunteer's hours.
 */
#include <math.h>
#include <string.h>
#include <sqlite3.h>

#include "base/err.h"
#include "app/points.h"
#include "app/range.h"
#include "app/category.h"

int app_points_balance(struct app *a, const char *vid, int64_t *bal)
{
	return app_sql_int(a, bal, "SELECT coalesce(sum(delta), 0) FROM points_live WHERE volunteer = ?1",
			   vid, NULL);
}

int app_points_history(struct app *a, const char *vid, app_points_each_fn fn, void *arg,
		       int64_t *total)
{
	return app_points_history_range(a, vid, NULL, fn, arg, total);
}

int app_points_history_range(struct app *a, const char *vid, const struct app_range *range,
			     app_points_each_fn fn, void *arg, int64_t *total)
{
	struct app_points_entry e;
	sqlite3_stmt *st;
	int rc, stop = 0;

	*total = 0;
	/* Rows written before points had a time take the time their order
	 * was finished, when they have one. */
	if ((rc = app_sql(a, &st,
			  "SELECT p.pk, p.delta, p.reason, p.\"order\", p.item, p.station,"
			  " coalesce(p.at, (SELECT max(e.at) FROM order_events_live e"
			  "   WHERE e.\"order\" = p.\"order\" AND e.to_status = 'done'))"
			  " FROM points_live p WHERE p.volunteer = ?1"
			  " ORDER BY p.station, CAST(substr(p.pk, instr(p.pk, '-p') + 2) AS INTEGER), p.pk",
			  vid, NULL)))
		return rc;
	while (!stop && (rc = sqlite3_step(st)) == SQLITE_ROW) {
		memset(&e, 0, sizeof(e));
		app_col_text(st, 0, e.id, sizeof(e.id));
		e.delta = sqlite3_column_int64(st, 1);
		app_col_text(st, 2, e.reason, sizeof(e.reason));
		app_col_text(st, 3, e.order, sizeof(e.order));
		app_col_text(st, 4, e.item, sizeof(e.item));
		app_col_text(st, 5, e.station, sizeof(e.station));
		e.has_at = sqlite3_column_type(st, 6) != SQLITE_NULL;
		e.at = sqlite3_column_int64(st, 6);
		/* a range keeps the rows of its time; a row with no time at all
		 * is in none but the whole */
		if (range && (range->from_ms || range->to_ms) && (!e.has_at || !app_range_has(range, e.at)))
			continue;
		*total += e.delta;
		stop = fn(arg, &e);
	}
	sqlite3_finalize(st);
	if (stop)
		return stop;
	return rc == SQLITE_DONE ? 0 : app_fail_store(a, ERR_STORAGE);
}

int app_points_parse(struct app *a, const char *text, int64_t *n)
{
	*n = 0;
	if (app_parse_int(text, 1, APP_POINTS_MAX, n))
		return app_failf(a, ERR_USAGE, APP_W_POINTS_BAD, 1, text ? text : "");
	return 0;
}

/* The volunteer whose points are spent, held here (P2). */
static int app_points_spender(struct app *a, const char *who, struct app_volunteer_found *f)
{
	int rc = app_volunteer_find(a, who, f);
	if (rc == 0 && f->c[0].visiting) {
		struct app_volunteer_hit h = f->c[0];
		memset(f, 0, sizeof(*f));
		return app_failf(a, ERR_RULE, APP_W_POINTS_VISITING, 4, h.id, h.station, a->conf.station,
				 h.station);
	}
	return rc;
}

int app_points_take(struct app *a, const char *who, int64_t n, const char *item,
		    struct app_volunteer_found *f, struct app_redeem_result *r, struct crdt_write *w)
{
	char bs[24], ns[24];
	int64_t bal;
	int rc;

	memset(r, 0, sizeof(*r));
	snprintf(ns, sizeof(ns), "%lld", (long long)n);
	if (n < 1 || n > APP_POINTS_MAX)
		return app_failf(a, ERR_USAGE, APP_W_POINTS_BAD, 1, ns);
	if (!item || !app_text_ok(item, APP_NAME_MAX))
		return app_failf(a, ERR_USAGE, APP_W_POINTS_BAD_ITEM, 0);
	if ((rc = app_write_begin(a)) || (rc = app_points_spender(a, who, f)))
		return rc;
	const struct app_volunteer_hit *v = &f->c[0];
	if ((rc = app_points_balance(a, v->id, &bal)))
		return rc;
	snprintf(bs, sizeof(bs), "%lld", (long long)bal);
	if (!app_may_write(a, v->station)) /* P2 */
		return app_failf(a, ERR_RULE, APP_W_POINTS_NO_RIGHT, 6, v->name, v->id, v->station,
				 a->conf.station, bs, v->station);
	if (bal < n) /* P3 */
		return app_failf(a, ERR_RULE, APP_W_POINTS_OVERDRAW, 4, v->name, v->id, bs, ns);
	if ((rc = app_id_next(a, "points", 'p', r->id, sizeof(r->id))))
		return rc;
	crdt_write_init(w, CRDT_T_POINTS, CRDT_UPSERT, r->id);
	crdt_write_set_text(w, CRDT_C_POINTS_VOLUNTEER, v->id);
	crdt_write_set_int(w, CRDT_C_POINTS_DELTA, -n);
	crdt_write_set_text(w, CRDT_C_POINTS_REASON, "redeem");
	crdt_write_set_text(w, CRDT_C_POINTS_ITEM, item);
	crdt_write_set_text(w, CRDT_C_POINTS_STATION, v->station);
	crdt_write_set_int(w, CRDT_C_POINTS_AT, (int64_t)a->now_ms);
	if (w->err) /* the code's own mistake: refused before anything is written */
		return app_failf(a, w->err, APP_W_FAILED, 0);
	r->v = *v;
	r->points = n;
	r->balance = bal - n;
	return 0;
}

static int app_points_redeem_tx(struct app *a, const char *who, int64_t n, const char *item,
				struct app_volunteer_found *f, struct app_redeem_result *r)
{
	struct app_volunteer_found own;
	struct crdt_write w;
	int rc;

	if (!f)
		f = &own;
	if ((rc = app_points_take(a, who, n, item, f, r, &w)) ||
	    (rc = app_commit_add(a, r->v.station, &w, 1)) || (rc = app_write_end(a))) {
		memset(r, 0, sizeof(*r));
		return rc;
	}
	return 0;
}

int app_points_redeem(struct app *a, const char *who, int64_t n, const char *item,
		      struct app_volunteer_found *f, struct app_redeem_result *r)
{
	bool began = !a->writing;
	return app_write_fail(a, began, app_points_redeem_tx(a, who, n, item, f, r));
}

/* Points per hour of an order: its category's on the menu when set
 * (category.c C5), else the county setting *pph holds. */
static int points_rate(struct app *a, const char *order_id, const char *order_station, double *pph)
{
	char cat[APP_NAME_MAX + 1];
	sqlite3_stmt *st;
	double r;
	bool has;
	int rc;
	if ((rc = app_sql(a, &st, "SELECT category FROM orders_live WHERE pk = ?1", order_id, NULL)))
		return rc;
	rc = sqlite3_step(st);
	cat[0] = '\0';
	if (rc == SQLITE_ROW)
		app_col_text(st, 0, cat, sizeof(cat));
	sqlite3_finalize(st);
	if (rc != SQLITE_ROW && rc != SQLITE_DONE)
		return app_fail_store(a, ERR_STORAGE);
	if (!cat[0])
		return 0;
	if ((rc = app_category_rate(a, cat, order_station, &r, &has)))
		return rc;
	if (has)
		*pph = r;
	return 0;
}

/* The credit of P5 (and of an activity's hours, P6) with its key, reason
 * and reference (order or item, either NULL). */
static int points_credit(struct app *a, const char *reason, const char *order, const char *item,
			 const char *station, const char *volunteer, const char *home, double hours,
			 struct app_credit *c)
{
	struct app_settings set;
	sqlite3_stmt *st;
	int rc;

	if ((rc = app_settings_load(a, &set)))
		return rc;
	bool away = home && home[0] && strcmp(home, station) != 0; /* order.c O5 */
	snprintf(c->scope, sizeof(c->scope), "%s", away ? "" : station);
	if (order && (rc = points_rate(a, order, station, &set.points_per_hour))) /* category.c C5 */
		return rc;
	c->points = llround(hours * set.points_per_hour);
	if ((rc = app_sql(a, &st, "SELECT 1 FROM points_live WHERE key = ?1", c->key, NULL)))
		return rc;
	rc = sqlite3_step(st);
	sqlite3_finalize(st);
	if (rc != SQLITE_ROW && rc != SQLITE_DONE)
		return app_fail_store(a, ERR_STORAGE);
	c->write = rc == SQLITE_DONE && c->points > 0; /* P5 */
	if (!c->write)
		return 0;
	if ((rc = app_id_next(a, "points", 'p', c->id, sizeof(c->id))))
		return rc;
	crdt_write_init(&c->w, CRDT_T_POINTS, CRDT_UPSERT, c->id);
	crdt_write_set_text(&c->w, CRDT_C_POINTS_VOLUNTEER, volunteer);
	crdt_write_set_int(&c->w, CRDT_C_POINTS_DELTA, c->points);
	crdt_write_set_text(&c->w, CRDT_C_POINTS_REASON, reason);
	if (order)
		crdt_write_set_text(&c->w, CRDT_C_POINTS_ORDER, order);
	if (item)
		crdt_write_set_text(&c->w, CRDT_C_POINTS_ITEM, item);
	crdt_write_set_text(&c->w, CRDT_C_POINTS_STATION, station);
	crdt_write_set_text(&c->w, CRDT_C_POINTS_KEY, c->key);
	crdt_write_set_int(&c->w, CRDT_C_POINTS_AT, (int64_t)a->now_ms);
	crdt_write_set_real(&c->w, CRDT_C_POINTS_HOURS, hours);
	return c->w.err ? app_failf(a, c->w.err, APP_W_FAILED, 0) : 0;
}

int app_points_credit(struct app *a, const char *order_id, const char *order_station,
		      const char *volunteer, const char *home, double hours, struct app_credit *c)
{
	memset(c, 0, sizeof(*c));
	snprintf(c->key, sizeof(c->key), "service:%s", order_id);
	return points_credit(a, "service", order_id, NULL, order_station, volunteer, home, hours, c);
}

int app_points_credit_hours(struct app *a, const char *key, const char *item, const char *station,
			    const char *volunteer, const char *home, double hours, struct app_credit *c)
{
	memset(c, 0, sizeof(*c));
	if (strlen(key) >= sizeof(c->key))
		return app_failf(a, ERR_USAGE, APP_W_FAILED, 0);
	snprintf(c->key, sizeof(c->key), "%s", key);
	return points_credit(a, "hours", NULL, item, station, volunteer, home, hours, c);
}

/* ---- settings -------------------------------------------------------------------- */

void app_settings_stars_fmt(const struct app_settings *s, char *out, size_t n)
{
	char one[32];
	size_t k = 0;
	out[0] = '\0';
	for (int i = 0; i < 5 && k < n; i++) {
		app_real_fmt(s->star_hours[i], one, sizeof(one));
		k += (size_t)snprintf(out + k, n - k, "%s%s", i ? "," : "", one);
	}
}

/* Five increasing numbers of hours, "a,b,c,d,e". */
static bool app_stars_parse(const char *text, double h[5])
{
	char buf[160], *save = NULL;
	int k = 0;
	if (strlen(text) >= sizeof(buf))
		return false;
	snprintf(buf, sizeof(buf), "%s", text);
	for (char *p = strtok_r(buf, ",", &save); p; p = strtok_r(NULL, ",", &save)) {
		if (k == 5 || app_parse_real(p, 0, 1e6, &h[k]) || (k && h[k] <= h[k - 1]))
			return false;
		k++;
	}
	return k == 5;
}

static int app_settings_set_tx(struct app *a, const char *points_per_hour, const char *star_hours)
{
	struct app_settings s;
	struct crdt_write w[2];
	char pph[32], stars[160];
	size_t nw = 0;
	int rc;

	if (!points_per_hour && !star_hours)
		return app_failf(a, ERR_USAGE, APP_W_SETTINGS_NOTHING, 0);
	if (points_per_hour && app_parse_real(points_per_hour, 0, 10000, &s.points_per_hour))
		return app_failf(a, ERR_USAGE, APP_W_SETTINGS_BAD_NUMBER, 2, "--points-per-hour",
				 points_per_hour);
	if (star_hours && !app_stars_parse(star_hours, s.star_hours))
		return app_failf(a, ERR_USAGE, APP_W_SETTINGS_BAD_STARS, 1, star_hours);
	if (!a->hub) /* P4 */
		return app_failf(a, ERR_RULE, APP_W_SETTINGS_HUB_ONLY, 1, "settings set");
	if ((rc = app_write_begin(a)))
		return rc;
	if (points_per_hour) {
		app_real_fmt(s.points_per_hour, pph, sizeof(pph));
		crdt_write_init(&w[nw], CRDT_T_SETTINGS, CRDT_UPSERT, "points_per_hour");
		crdt_write_set_text(&w[nw++], CRDT_C_SETTINGS_VALUE, pph);
	}
	if (star_hours) {
		app_settings_stars_fmt(&s, stars, sizeof(stars));
		crdt_write_init(&w[nw], CRDT_T_SETTINGS, CRDT_UPSERT, "star_hours");
		crdt_write_set_text(&w[nw++], CRDT_C_SETTINGS_VALUE, stars);
	}
	for (size_t i = 0; i < nw; i++)
		if (w[i].err)
			return app_failf(a, w[i].err, APP_W_FAILED, 0);
	return app_commit(a, "", w, nw);
}

int app_settings_set(struct app *a, const char *points_per_hour, const char *star_hours)
{
	bool began = !a->writing;
	return app_write_fail(a, began, app_settings_set_tx(a, points_per_hour, star_hours));
}
