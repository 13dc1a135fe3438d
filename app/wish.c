// SPDX-License-Identifier: MIT
/*
 * wish.c - micro-wishes (微心愿, issue 17): add, claim (认领), release,
 * fulfil (圆梦), show and list (wish.h). The lifecycle is order.c's: this
 * file judges what a wish adds to it, then moves the order.
 *
 *   wish       order status   move (order.c)
 *   ---------  -------------  -------------------------------------------
 *   published  open           add (kind wish, category 微心愿)
 *   claimed    accepted       claim: a volunteer, a team or a unit
 *   published  open           release: volunteer and claimant cleared
 *   fulfilled  done           fulfil: a note, hours optional
 *   thanked    rated          order rate (the resident's thanks)
 *   cancelled  cancelled      order cancel
 *
 * Rules (each decided for issue 17, and tested in test_app_wish.c):
 *  W1. A wish is an order of kind wish: what is the order's detail (1..
 *      APP_TEXT_MAX bytes), for whom its beneficiary (APP_NAME_MAX), the
 *      requester and phone as for an order. Its category is 微心愿: a wish
 *      is not a service of the menu.
 *  W2. By when: a date YYYY-MM-DD. A wish whose date has already passed
 *      when it is added is refused (a typo: nothing to publish). Claiming
 *      and fulfilling after the date are allowed (a wish fulfilled late is
 *      still fulfilled); lists and show mark such a wish overdue (逾期)
 *      while it is published or claimed.
 *  W3. Claim: only a published wish. A claimed one is refused, naming who
 *      holds it (release it first); a fulfilled one, naming who fulfilled
 *      it. The claimant is exactly one of: an active volunteer (or a
 *      visiting one, find.h F2), a team held here (team.h), or an outside
 *      unit named as typed (1..APP_NAME_MAX bytes).
 *  W4. Release: only a claimed wish, back to published. The claimant
 *      releases it (by names them); anyone else is refused, naming the
 *      claimant, unless with force: the station's admin (who runs the
 *      command line at the station, or an admin account of the staff
 *      pages) or the hub. The history keeps who held it and the note.
 *  W5. Fulfil: only a claimed wish (claim first: the history says who
 *      fulfilled it), with a note of what was done (1..APP_TEXT_MAX
 *      bytes), kept in the wish's history (order_events).
 *  W6. Points: hours are optional on fulfil. When given, they are
 *      credited to the volunteer who claimed the wish as an order's
 *      service hours (points per hour, once per wish: order.c O2, O5). A
 *      team or a unit earns no points: hours for one are refused.
 *  W7. Conflicts are the order register's (DESIGN.md, order.c O6): a wish
 *      fulfilled offline wins over a later claim or release elsewhere; a
 *      cancellation beats a wish not yet fulfilled; between claims and
 *      releases the later wins. The claimant is part of the register, so
 *      a fulfilled wish always shows who fulfilled it.
 *  W8. A station moves only its own station's wishes, the hub any (O3).
 */
#include <stdio.h>
#include <string.h>
#include <sqlite3.h>

#include "base/err.h"
#include "app/team.h"
#include "app/wish.h"

const char *app_wish_state(const char *status)
{
	static const char *const map[][2] = {
		{ "open", "published" }, { "dispatched", "dispatched" }, { "accepted", "claimed" },
		{ "done", "fulfilled" }, { "rated", "thanked" },	   { "cancelled", "cancelled" },
	};
	for (size_t i = 0; i < sizeof(map) / sizeof(map[0]); i++)
		if (strcmp(map[i][0], status) == 0)
			return map[i][1];
	return status;
}

/* A state word or status to the statuses it covers (fulfilled: done and
 * rated). NULL when neither. */
static const char *wish_state_status(const char *s, const char **also)
{
	static const char *const map[][2] = {
		{ "published", "open" }, { "claimed", "accepted" }, { "fulfilled", "done" },
		{ "thanked", "rated" },	 { "cancelled", "cancelled" },
	};
	*also = NULL;
	if (strcmp(s, "fulfilled") == 0 || strcmp(s, "done") == 0)
		*also = "rated";
	for (size_t i = 0; i < sizeof(map) / sizeof(map[0]); i++)
		if (strcmp(map[i][0], s) == 0)
			return map[i][1];
	return app_order_status_ok(s) ? s : NULL;
}

static bool wish_finished(const struct app_order *o)
{
	return strcmp(o->status, "done") == 0 || strcmp(o->status, "rated") == 0;
}

/* Today, local, as YYYY-MM-DD. */
static void wish_today(const struct app *a, char out[16])
{
	char t[32];
	app_time_fmt(a->now_ms, t, sizeof(t));
	snprintf(out, 16, "%.10s", t);
}

/* W2: a date as typed: YYYY-MM-DD (or YYYY-M-D), a day of the calendar,
 * years 2000..2099; written back as YYYY-MM-DD. */
static bool wish_date_parse(const char *typed, char out[16])
{
	int y, m, d, n = 0;
	static const int days[] = { 31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31 };
	char s[32];
	app_date_norm(typed, s, sizeof(s)); /* full-width digits */
	if (strlen(s) > 10 || sscanf(s, "%4d-%2d-%2d%n", &y, &m, &d, &n) != 3 || s[n] != '\0')
		return false;
	for (const char *p = s; *p; p++)
		if (!((*p >= '0' && *p <= '9') || *p == '-'))
			return false;
	if (y < 2000 || y > 2099 || m < 1 || m > 12 || d < 1 || d > days[m - 1])
		return false;
	if (m == 2 && d == 29 && !(y % 4 == 0 && (y % 100 != 0 || y % 400 == 0)))
		return false;
	char buf[48];
	snprintf(buf, sizeof(buf), "%04d-%02d-%02d", y, m, d);
	memcpy(out, buf, 11); /* the ranges above: 10 bytes and the NUL */
	return true;
}

/* Who holds the wish, in words, and its fulfilment note. */
static int wish_fill(struct app *a, struct app_wish *w)
{
	const struct app_order *o = &w->o;
	sqlite3_stmt *st;
	char today[16];
	int rc;

	w->holder = APP_WISH_NOBODY;
	if (o->volunteer[0]) {
		struct app_volunteer_found f;
		w->holder = APP_WISH_VOLUNTEER;
		snprintf(w->holder_id, sizeof(w->holder_id), "%s", o->volunteer);
		rc = app_volunteer_find(a, o->volunteer, &f);
		if (rc == 0 && strcmp(f.c[0].id, o->volunteer) == 0)
			snprintf(w->holder_name, sizeof(w->holder_name), "%s", f.c[0].name);
		else if (rc == ERR_NOTFOUND || rc == ERR_RULE || rc == 0)
			app_fail_clear(a);
		else
			return rc;
	} else if (strncmp(o->claimant, "team:", 5) == 0) {
		struct app_team t;
		w->holder = APP_WISH_TEAM;
		snprintf(w->holder_id, sizeof(w->holder_id), "%s", o->claimant + 5);
		rc = app_team_load(a, w->holder_id, &t);
		if (rc == 0)
			snprintf(w->holder_name, sizeof(w->holder_name), "%s", t.name);
		else if (rc == ERR_NOTFOUND)
			app_fail_clear(a);
		else
			return rc;
	} else if (strncmp(o->claimant, "unit:", 5) == 0) {
		w->holder = APP_WISH_UNIT;
		snprintf(w->holder_name, sizeof(w->holder_name), "%s", o->claimant + 5);
	}
	wish_today(a, today);
	w->overdue = o->due[0] && strcmp(o->due, today) < 0 && !wish_finished(o) &&
		     strcmp(o->status, "cancelled") != 0;
	if (!wish_finished(o))
		return 0;
	if ((rc = app_sql(a, &st,
			  "SELECT note FROM order_events_live WHERE \"order\" = ?1 AND to_status = 'done'"
			  " ORDER BY at DESC, pk DESC LIMIT 1",
			  o->id, NULL)))
		return rc;
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW)
		app_col_text(st, 0, w->note, sizeof(w->note));
	sqlite3_finalize(st);
	return rc == SQLITE_ROW || rc == SQLITE_DONE ? 0 : app_fail_store(a, ERR_STORAGE);
}

/* "name（id）", the name, or the id: who holds w, for a message. */
static void wish_holder_text(const struct app_wish *w, char *out, size_t n)
{
	if (w->holder_name[0] && w->holder_id[0])
		snprintf(out, n, "%s（%s）", w->holder_name, w->holder_id);
	else
		snprintf(out, n, "%s", w->holder_name[0] ? w->holder_name : w->holder_id);
}

int app_wish_load(struct app *a, const char *id, struct app_wish *w)
{
	int rc;
	memset(w, 0, sizeof(*w));
	if ((rc = app_order_load(a, id, &w->o)))
		return rc == ERR_NOTFOUND ? app_failf(a, rc, APP_W_WISH_NOT_FOUND, 1, id) : rc;
	if (strcmp(w->o.kind, "wish") != 0) {
		char kind[16];
		snprintf(kind, sizeof(kind), "%s", w->o.kind[0] ? w->o.kind : "service");
		memset(w, 0, sizeof(*w));
		return app_failf(a, ERR_RULE, APP_W_WISH_NOT_WISH, 2, id, kind);
	}
	return wish_fill(a, w);
}

static int wish_add_tx(struct app *a, const struct app_wish_new *in, struct app_wish *out)
{
	struct app_order_new on = { .category = APP_WISH_CATEGORY,
				    .detail = in->what,
				    .requester = in->requester,
				    .phone = in->phone,
				    .kind = "wish",
				    .station = in->station,
				    .beneficiary = in->for_whom };
	struct app_order_result r;
	char due[16] = "", today[16], max[16];
	int rc;

	memset(out, 0, sizeof(*out));
	if (!app_text_ok(in->what, APP_TEXT_MAX)) { /* W1 */
		snprintf(max, sizeof(max), "%d", APP_TEXT_MAX);
		return app_failf(a, ERR_USAGE, APP_W_WISH_BAD_WHAT, 1, max);
	}
	if (in->for_whom && !app_text_ok(in->for_whom, APP_NAME_MAX))
		return app_failf(a, ERR_USAGE, APP_W_WISH_BAD_FOR, 1, in->for_whom);
	if (in->due) { /* W2 */
		if (!wish_date_parse(in->due, due))
			return app_failf(a, ERR_USAGE, APP_W_WISH_BAD_DUE, 1, in->due);
		wish_today(a, today);
		if (strcmp(due, today) < 0)
			return app_failf(a, ERR_USAGE, APP_W_WISH_PAST_DUE, 2, due, today);
		on.due = due;
	}
	if ((rc = app_order_add(a, &on, &r)))
		return rc;
	return app_wish_load(a, r.id, out);
}

int app_wish_add(struct app *a, const struct app_wish_new *in, struct app_wish *out)
{
	bool began = !a->writing;
	return app_write_fail(a, began, wish_add_tx(a, in, out));
}

/* Exactly one of volunteer, team, unit; a unit's name checked. */
static int wish_who_check(struct app *a, const struct app_wish_who *who)
{
	int n = (who->volunteer != NULL) + (who->team != NULL) + (who->unit != NULL);
	if (n != 1)
		return app_failf(a, ERR_USAGE, APP_W_WISH_WHO_NEEDED, 0);
	if (who->unit && !app_text_ok(who->unit, APP_NAME_MAX))
		return app_failf(a, ERR_USAGE, APP_W_WISH_BAD_UNIT, 1, who->unit);
	return 0;
}

/* The claimant column a team or unit writes ("team:<id>", "unit:<name>"),
 * into out; "" for a volunteer. */
static int wish_claimant(struct app *a, const struct app_wish_who *who, char *out, size_t n)
{
	out[0] = '\0';
	if (who->unit) {
		snprintf(out, n, "unit:%s", who->unit);
	} else if (who->team) {
		struct app_team t;
		int rc = app_team_find(a, who->team, &t);
		if (rc)
			return rc;
		snprintf(out, n, "team:%s", t.id);
	}
	return 0;
}

/* The first step of claim and release: who checked (when given), the
 * write transaction begun, the wish loaded. */
static int wish_begin(struct app *a, const char *id, const struct app_wish_who *who,
		      struct app_wish *w)
{
	int rc;
	memset(w, 0, sizeof(*w));
	if ((who && (rc = wish_who_check(a, who))) || (rc = app_write_begin(a)) ||
	    (rc = app_wish_load(a, id, w)))
		return rc;
	return 0;
}

static int wish_claim_tx(struct app *a, const char *id, const struct app_wish_who *who,
			 struct app_volunteer_found *f, struct app_wish *out)
{
	struct app_order_result r;
	struct app_wish w;
	char claimant[APP_NAME_MAX + 8], holder[APP_NAME_MAX + APP_ID_MAX + 8];
	int rc;

	memset(out, 0, sizeof(*out));
	if ((rc = wish_begin(a, id, who, &w)))
		return rc;
	wish_holder_text(&w, holder, sizeof(holder));
	if (wish_finished(&w.o)) /* W3 */
		return app_failf(a, ERR_RULE, APP_W_WISH_FULFILLED, 2, w.o.id, holder);
	if (strcmp(w.o.status, "accepted") == 0)
		return app_failf(a, ERR_RULE, APP_W_WISH_CLAIMED, 2, w.o.id, holder);
	if ((rc = wish_claimant(a, who, claimant, sizeof(claimant))) ||
	    (rc = app_order_claim(a, w.o.id, who->volunteer, claimant[0] ? claimant : NULL, f, &r)))
		return rc;
	return app_wish_load(a, w.o.id, out);
}

int app_wish_claim(struct app *a, const char *id, const struct app_wish_who *who,
		   struct app_volunteer_found *f, struct app_wish *out)
{
	bool began = !a->writing;
	return app_write_fail(a, began, wish_claim_tx(a, id, who, f, out));
}

/* W4: does by name the wish's claimant? */
static int wish_is_claimant(struct app *a, const struct app_wish *w, const struct app_wish_who *by,
			    struct app_volunteer_found *f, bool *yes)
{
	char claimant[APP_NAME_MAX + 8];
	int rc;
	*yes = false;
	if (by->volunteer) {
		struct app_volunteer_found own;
		if (!f)
			f = &own;
		if ((rc = app_volunteer_find(a, by->volunteer, f)))
			return rc;
		*yes = w->holder == APP_WISH_VOLUNTEER && strcmp(f->c[0].id, w->o.volunteer) == 0;
		return 0;
	}
	if ((rc = wish_claimant(a, by, claimant, sizeof(claimant))))
		return rc;
	*yes = w->holder != APP_WISH_VOLUNTEER && strcmp(claimant, w->o.claimant) == 0;
	return 0;
}

static int wish_release_tx(struct app *a, const char *id, const struct app_wish_who *by, bool force,
			   const char *note, struct app_volunteer_found *f, struct app_wish *out)
{
	struct app_order_result r;
	struct app_wish w;
	char holder[APP_NAME_MAX + APP_ID_MAX + 8], max[16], text[APP_TEXT_MAX + 64];
	bool own = false;
	int rc;

	memset(out, 0, sizeof(*out));
	if (f)
		memset(f, 0, sizeof(*f));
	if (!force && !by)
		return app_failf(a, ERR_USAGE, APP_W_WISH_RELEASE_WHO, 1, id);
	if (note && !app_text_ok(note, APP_TEXT_MAX)) {
		snprintf(max, sizeof(max), "%d", APP_TEXT_MAX);
		return app_failf(a, ERR_USAGE, APP_W_WISH_BAD_NOTE, 2, id, max);
	}
	if ((rc = wish_begin(a, id, by, &w)))
		return rc;
	wish_holder_text(&w, holder, sizeof(holder));
	if (wish_finished(&w.o))
		return app_failf(a, ERR_RULE, APP_W_WISH_FULFILLED, 2, w.o.id, holder);
	if (strcmp(w.o.status, "cancelled") != 0 && strcmp(w.o.status, "accepted") != 0)
		return app_failf(a, ERR_RULE, APP_W_WISH_NOT_CLAIMED, 2, w.o.id, w.o.id);
	if (by && (rc = wish_is_claimant(a, &w, by, f, &own)))
		return rc;
	if (!own && !force)
		return app_failf(a, ERR_RULE, APP_W_WISH_NOT_CLAIMANT, 3, w.o.id, holder, w.o.id);
	/* the history says whose claim ended, and whether it was forced */
	snprintf(text, sizeof(text), "%s%s%s%s", own ? "" : "force ", holder, note ? " " : "",
		 note ? note : "");
	if ((rc = app_order_release(a, w.o.id, text, &r)))
		return rc;
	return app_wish_load(a, w.o.id, out);
}

int app_wish_release(struct app *a, const char *id, const struct app_wish_who *by, bool force,
		     const char *note, struct app_volunteer_found *f, struct app_wish *out)
{
	bool began = !a->writing;
	return app_write_fail(a, began, wish_release_tx(a, id, by, force, note, f, out));
}

static int wish_done_tx(struct app *a, const char *id, const char *note, const char *hours_text,
			struct app_wish *out, struct app_order_result *r)
{
	struct app_wish w;
	char holder[APP_NAME_MAX + APP_ID_MAX + 8], max[16];
	double hours = 0;
	int rc;

	memset(out, 0, sizeof(*out));
	memset(r, 0, sizeof(*r));
	if (!note || !app_text_ok(note, APP_TEXT_MAX)) { /* W5 */
		snprintf(max, sizeof(max), "%d", APP_TEXT_MAX);
		return app_failf(a, ERR_USAGE, APP_W_WISH_BAD_NOTE, 2, id, max);
	}
	if (hours_text && (rc = app_order_hours_parse(a, hours_text, &hours)))
		return rc;
	if ((rc = wish_begin(a, id, NULL, &w)))
		return rc;
	wish_holder_text(&w, holder, sizeof(holder));
	if (wish_finished(&w.o))
		return app_failf(a, ERR_RULE, APP_W_WISH_FULFILLED, 2, w.o.id, holder);
	if (strcmp(w.o.status, "cancelled") != 0 && strcmp(w.o.status, "accepted") != 0)
		return app_failf(a, ERR_RULE, APP_W_WISH_NOT_CLAIMED, 2, w.o.id, w.o.id);
	if (hours_text && w.holder != APP_WISH_VOLUNTEER) /* W6 */
		return app_failf(a, ERR_RULE, APP_W_WISH_HOURS_UNIT, 2, w.o.id, holder);
	if ((rc = app_order_fulfil(a, w.o.id, hours_text != NULL, hours, note, r)))
		return rc;
	return app_wish_load(a, w.o.id, out);
}

int app_wish_done(struct app *a, const char *id, const char *note, const char *hours,
		  struct app_wish *out, struct app_order_result *r)
{
	bool began = !a->writing;
	return app_write_fail(a, began, wish_done_tx(a, id, note, hours, out, r));
}

/* ---- lists ------------------------------------------------------------------ */

struct wish_walk {
	struct app *a;
	const struct app_wish_filter *f;
	const char *also; /* a second status the state covers */
	const char *status;
	app_wish_each_fn fn;
	void *arg;
	int rc;
};

static int wish_walk_row(void *arg, const struct app_order *o)
{
	struct wish_walk *k = arg;
	struct app_wish w;
	if (k->status && strcmp(o->status, k->status) != 0 && !(k->also && strcmp(o->status, k->also) == 0))
		return 0;
	memset(&w, 0, sizeof(w));
	w.o = *o;
	if ((k->rc = wish_fill(k->a, &w)))
		return k->rc;
	if (k->f->overdue && !w.overdue)
		return 0;
	return k->fn(k->arg, &w);
}

int app_wish_list(struct app *a, const struct app_wish_filter *f, app_wish_each_fn fn, void *arg)
{
	struct wish_walk k = { .a = a, .f = f, .fn = fn, .arg = arg };
	struct app_order_filter of = { .station = f->station, .kind = "wish", .range = f->range };
	if (f->state && !(k.status = wish_state_status(f->state, &k.also)))
		return app_failf(a, ERR_USAGE, APP_W_WISH_BAD_STATE, 1, f->state);
	if (k.status && !k.also)
		of.status = k.status; /* the index does the work */
	return app_order_list(a, &of, wish_walk_row, &k);
}
