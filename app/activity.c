// SPDX-License-Identifier: MIT
/*
 * activity.c - activities (志愿活动): publish, sign up, cancel, check in
 * and out, close; the home's decisions on requests (activity.h).
 *
 * Rules:
 *  A1. An activity belongs to its home, fixed when it is added: the
 *      station that publishes it, or the hub for a county-wide one
 *      (station "", scope ""); the hub may also publish one for a station
 *      (--station), whose home is then that station. Only the home
 *      changes it (closes it). Its capacity is fixed when it is added.
 *  A2. Seats are a right of the home, like the right to spend points:
 *      only the home writes a sign-up that holds a seat (firm, or a grant
 *      of a request or of a waitlisted sign-up), and it counts the seats
 *      taken inside the write transaction that writes it. A seat is held
 *      by a person with a sign-up holding one that is not cancelled, or
 *      who is checked in. Every other sign-up holds none, so whatever
 *      merges, seats taken never exceed the capacity (sync/trust.c
 *      refuses a seat-holding sign-up, a check-in and a check-out from
 *      any node but the home).
 *  A3. A sign-up at the home is firm (已报名) while seats remain, else
 *      waitlisted (候补). A sign-up anywhere else (the hub for a station's
 *      activity, a station for a county-wide one) is a request (待确认),
 *      written in the scope of the node that makes it (the hub: the
 *      activity's), so both it and the home read it.
 *  A4. A person has one sign-up per activity: signing up again while one
 *      is live is refused (with its state); after a cancellation one may
 *      sign up again.
 *  A5. The home decides requests and the waitlist (app_activity_settle),
 *      at the start of every activity operation it runs and after each
 *      group of merges in serve: the live sign-ups holding no seat, in
 *      order of (time written, id), each get a free seat while one
 *      remains (grant), else a request is waitlisted (defer); a second
 *      sign-up of a person who holds a seat is cancelled. A cancellation
 *      frees a seat, which the first waiting person gets at once.
 *  A6. Check-in is at the home (staff tick a list, or the volunteer's
 *      phone on the station's page with phone and PIN), once per person
 *      per activity (attendance key "in:<activity>:<volunteer>"). A
 *      person without a seat (waitlisted, pending, or never signed up:
 *      a walk-in) takes a free one in the same commit, else is refused.
 *      A sign-up cannot be cancelled after check-in.
 *  A7. Check-out is at the home, once per person per activity (key
 *      "out:..."), and credits the activity's hours (not the time
 *      between check-in and out) as points by the rule of an order's
 *      credit (points.c P5, P6): round(hours x points per hour), key
 *      "act:<activity>:<volunteer>" so never twice, reason "hours" so the
 *      hours count for stars and recognition; in the activity's scope,
 *      or county-wide when the volunteer's home is another station (a
 *      county-wide activity credits in the volunteer's home scope).
 *  A8. Close is at the home: it ends sign-ups, check-ins and check-outs,
 *      and checks out everyone checked in and not out, with the
 *      activity's hours (via "close"). Requests arriving after the close
 *      stay undecided.
 *  A9. Attendance rows carry a unique key, so two check-ins of one
 *      person (a retry, a replay) merge into one, as credits do.
 *  A10. Times are typed "YYYY-MM-DD HH:MM" in local time; the end is after
 *      the start.
 *  A11. A sign-up after the activity's end (by this node's clock) is
 *      refused: nobody can still come. Check-in and check-out stay open
 *      until the close, so staff can record late who came (decided in
 *      issue 17's QA).
 */
#include <string.h>
#include <time.h>
#include <sqlite3.h>

#include "base/err.h"
#include "base/mem.h"
#include "app/activity.h"
#include "app/points.h"

/* SQL about sign-up s: cancelled, holds a seat, waitlisted. */
#define SU_CANCELLED(s) \
	"EXISTS(SELECT 1 FROM activity_signups_live c WHERE c.ref = " s ".pk AND c.kind = 'cancel')"
#define SU_SEAT(s) \
	"(" s ".kind = 'firm' OR EXISTS(SELECT 1 FROM activity_signups_live g WHERE g.ref = " s ".pk" \
	" AND g.kind = 'grant'))"
#define SU_DEFERRED(s) \
	"(" s ".kind = 'wait' OR EXISTS(SELECT 1 FROM activity_signups_live d WHERE d.ref = " s ".pk" \
	" AND d.kind = 'defer'))"
#define SU_LIVE(s) s ".kind IN ('firm', 'wait', 'request') AND NOT " SU_CANCELLED(s)

/* The people holding a seat of activity x (A2). */
#define ACT_HOLDERS(x)                                                                          \
	"(SELECT s.volunteer FROM activity_signups_live s WHERE s.activity = " x " AND " SU_LIVE("s") \
	" AND " SU_SEAT("s") " UNION SELECT t.volunteer FROM activity_attendance_live t"          \
	" WHERE t.activity = " x " AND t.kind = 'in')"

#define ACT_COLS                                                                                       \
	"SELECT a.pk, a.title, a.place, coalesce(a.station, ''), a.start_at, a.end_at, a.capacity,"    \
	" a.hours, coalesce(a.closed, 0),"                                                             \
	" (SELECT count(*) FROM " ACT_HOLDERS("a.pk") "),"                                              \
	" (SELECT count(*) FROM activity_signups_live s WHERE s.activity = a.pk AND " SU_LIVE("s")      \
	"  AND NOT " SU_SEAT("s") " AND " SU_DEFERRED("s") "),"                                         \
	" (SELECT count(*) FROM activity_signups_live s WHERE s.activity = a.pk AND " SU_LIVE("s")      \
	"  AND NOT " SU_SEAT("s") " AND NOT " SU_DEFERRED("s") "),"                                     \
	" (SELECT count(*) FROM activity_attendance_live t WHERE t.activity = a.pk AND t.kind = 'in'),"  \
	" (SELECT count(*) FROM activity_attendance_live t WHERE t.activity = a.pk AND t.kind = 'out')"  \
	" FROM activities_live a "

static bool act_home(const struct app *a, const struct app_activity *x)
{
	return a->hub ? x->station[0] == '\0' : strcmp(x->station, a->conf.station) == 0;
}

static void act_row(struct app *a, sqlite3_stmt *st, struct app_activity *x)
{
	memset(x, 0, sizeof(*x));
	app_col_text(st, 0, x->id, sizeof(x->id));
	app_col_text(st, 1, x->title, sizeof(x->title));
	app_col_text(st, 2, x->place, sizeof(x->place));
	app_col_text(st, 3, x->station, sizeof(x->station));
	x->start_at = sqlite3_column_int64(st, 4);
	x->end_at = sqlite3_column_int64(st, 5);
	x->capacity = sqlite3_column_int64(st, 6);
	x->hours = sqlite3_column_double(st, 7);
	x->closed = sqlite3_column_int64(st, 8) != 0;
	x->seats = sqlite3_column_int64(st, 9);
	x->waiting = sqlite3_column_int64(st, 10);
	x->pending = sqlite3_column_int64(st, 11);
	x->checked_in = sqlite3_column_int64(st, 12);
	x->checked_out = sqlite3_column_int64(st, 13);
	x->home = act_home(a, x);
}

const char *app_act_state_name(enum app_act_state s)
{
	static const char *const names[] = { "none", "pending", "waiting", "signed", "in", "out" };
	return (unsigned)s < sizeof(names) / sizeof(names[0]) ? names[s] : "none";
}

/* ---- times (A10) --------------------------------------------------------------- */

int app_parse_datetime(struct app *a, const char *what, const char *typed, int64_t *ms)
{
	int y, mo, d, h = 0, mi = 0, used = 0;
	struct tm tm;
	char sep = ' ', text[48];
	size_t len;

	*ms = 0;
	app_date_norm(typed, text, sizeof(text)); /* full-width digits, '：' */
	if ((len = strlen(text)) != 10 && len != 16)
		goto bad;
	if (len == 10) {
		if (sscanf(text, "%4d-%2d-%2d%n", &y, &mo, &d, &used) != 3 || used != 10)
			goto bad;
	} else if (sscanf(text, "%4d-%2d-%2d%c%2d:%2d%n", &y, &mo, &d, &sep, &h, &mi, &used) != 6 ||
		   (size_t)used != len || (sep != ' ' && sep != 'T')) {
		goto bad;
	}
	for (size_t i = 0; i < len; i++) /* digits where sscanf would take a sign or a blank */
		if (i != 4 && i != 7 && i != 10 && i != 13 && (text[i] < '0' || text[i] > '9'))
			goto bad;
	if (y < 2000 || y > 2100 || mo < 1 || mo > 12 || d < 1 || d > 31 || h > 23 || mi > 59)
		goto bad;
	memset(&tm, 0, sizeof(tm));
	tm.tm_year = y - 1900;
	tm.tm_mon = mo - 1;
	tm.tm_mday = d;
	tm.tm_hour = h;
	tm.tm_min = mi;
	tm.tm_isdst = -1;
	time_t t = mktime(&tm);
	if (t == (time_t)-1 || tm.tm_mday != d || tm.tm_mon != mo - 1) /* 2026-02-30 */
		goto bad;
	*ms = (int64_t)t * 1000;
	return 0;
bad:
	return app_failf(a, ERR_USAGE, APP_W_ACT_BAD_TIME, 2, what, typed ? typed : "");
}

/* ---- reading ------------------------------------------------------------------- */

int app_activity_find(struct app *a, const char *text, struct app_activity *x)
{
	sqlite3_stmt *st;
	int rc;

	memset(x, 0, sizeof(*x));
	if (!text || !app_id_ok(text))
		return app_failf(a, ERR_NOTFOUND, APP_W_ACT_NOT_FOUND, 1, text ? text : "");
	if ((rc = app_sql(a, &st, ACT_COLS "WHERE a.pk = ?1", text, NULL)))
		return rc;
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW)
		act_row(a, st, x);
	sqlite3_finalize(st);
	if (rc == SQLITE_DONE)
		return app_failf(a, ERR_NOTFOUND, APP_W_ACT_NOT_FOUND, 1, text);
	return rc == SQLITE_ROW ? 0 : app_fail_store(a, ERR_STORAGE);
}

int app_activity_list(struct app *a, bool all, int64_t from, int64_t to, struct app_activity **out,
		      size_t *n)
{
	struct app_activity *v = NULL;
	size_t cap = 0;
	sqlite3_stmt *st;
	char fs[24], ts[24];
	int rc;

	*out = NULL;
	*n = 0;
	snprintf(fs, sizeof(fs), "%lld", (long long)from);
	snprintf(ts, sizeof(ts), "%lld", (long long)to);
	if ((rc = app_sql(a, &st,
			  ACT_COLS "WHERE (?1 = '1' OR coalesce(a.closed, 0) = 0)"
				   " AND (CAST(?3 AS INTEGER) <= 0 OR a.start_at < CAST(?3 AS INTEGER))"
				   " AND (CAST(?2 AS INTEGER) <= 0 OR a.end_at > CAST(?2 AS INTEGER))"
				   " ORDER BY a.start_at, a.pk",
			  all ? "1" : "0", fs, ts, NULL)))
		return rc;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		if ((rc = MEM_GROW(v, cap, *n + 1)))
			break;
		act_row(a, st, &v[(*n)++]);
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

/* The state of volunteer vid in activity id (A2..A6). */
static int act_state(struct app *a, const char *id, const char *vid, enum app_act_state *s)
{
	int64_t v;
	int rc = app_sql_int(
		a, &v,
		"SELECT CASE"
		" WHEN EXISTS(SELECT 1 FROM activity_attendance_live t WHERE t.activity = ?1"
		"  AND t.volunteer = ?2 AND t.kind = 'out') THEN 5"
		" WHEN EXISTS(SELECT 1 FROM activity_attendance_live t WHERE t.activity = ?1"
		"  AND t.volunteer = ?2 AND t.kind = 'in') THEN 4"
		" ELSE coalesce((SELECT max(CASE WHEN " SU_SEAT("s") " THEN 3 WHEN " SU_DEFERRED("s")
		"  THEN 2 ELSE 1 END) FROM activity_signups_live s WHERE s.activity = ?1 AND s.volunteer = ?2"
		"  AND " SU_LIVE("s") "), 0) END",
		id, vid, NULL);
	*s = rc ? APP_ACT_NONE : (enum app_act_state)v;
	return rc;
}

int app_activity_people(struct app *a, const char *id, struct app_activity_person **out, size_t *n)
{
	struct app_activity_person *v = NULL;
	size_t cap = 0;
	sqlite3_stmt *st;
	int rc;

	*out = NULL;
	*n = 0;
	if ((rc = app_sql(a, &st,
			  "WITH p(vid, at) AS (SELECT s.volunteer, min(s.at) FROM activity_signups_live s"
			  "  WHERE s.activity = ?1 AND " SU_LIVE("s") " GROUP BY s.volunteer"
			  " UNION ALL SELECT t.volunteer, 0 FROM activity_attendance_live t"
			  "  WHERE t.activity = ?1 AND t.kind = 'in')"
			  " SELECT p.vid, min(p.at), coalesce(v.name, ''), coalesce(v.phone, ''),"
			  "  (SELECT coalesce(sum(t.hours), 0) FROM activity_attendance_live t"
			  "   WHERE t.activity = ?1 AND t.volunteer = p.vid AND t.kind = 'out')"
			  " FROM p LEFT JOIN volunteers_live v ON v.pk = p.vid"
			  " GROUP BY p.vid ORDER BY min(p.at) = 0, min(p.at), p.vid LIMIT 20000",
			  id, NULL)))
		return rc;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		char phone[64];
		if ((rc = MEM_GROW(v, cap, *n + 1)))
			break;
		struct app_activity_person *p = &v[(*n)++];
		memset(p, 0, sizeof(*p));
		app_col_text(st, 0, p->volunteer, sizeof(p->volunteer));
		p->signed_at = sqlite3_column_int64(st, 1);
		app_col_text(st, 2, p->name, sizeof(p->name));
		app_col_text(st, 3, phone, sizeof(phone));
		if (phone[0])
			app_phone_mask(phone, p->phone_masked, sizeof(p->phone_masked));
		p->hours = sqlite3_column_double(st, 4);
	}
	sqlite3_finalize(st);
	for (size_t i = 0; rc == SQLITE_DONE && i < *n; i++)
		if (act_state(a, id, v[i].volunteer, &v[i].state))
			rc = ERR_STORAGE;
	if (rc != SQLITE_DONE) {
		mem_free(v);
		*n = 0;
		return rc < 0 ? app_failf(a, rc, APP_W_FAILED, 0) : app_fail_store(a, ERR_STORAGE);
	}
	*out = v;
	return 0;
}

int app_activity_counts(struct app *a, int64_t from, int64_t to, struct app_activity_counts *c)
{
	char fs[24], ts[24];
	sqlite3_stmt *st;
	int rc;

	memset(c, 0, sizeof(*c));
	snprintf(fs, sizeof(fs), "%lld", (long long)from);
	snprintf(ts, sizeof(ts), "%lld", (long long)to);
	if ((rc = app_sql(a, &st,
			  "WITH x AS (SELECT pk, coalesce(closed, 0) AS closed FROM activities_live"
			  "  WHERE start_at >= CAST(?1 AS INTEGER)"
			  "  AND (CAST(?2 AS INTEGER) <= 0 OR start_at < CAST(?2 AS INTEGER)))"
			  " SELECT (SELECT count(*) FROM x), (SELECT count(*) FROM x WHERE closed = 0),"
			  " (SELECT coalesce(sum((SELECT count(*) FROM " ACT_HOLDERS("x.pk") ")), 0) FROM x),"
			  " (SELECT count(*) FROM activity_attendance_live t JOIN x ON x.pk = t.activity"
			  "  WHERE t.kind = 'in'),"
			  " (SELECT coalesce(sum(t.hours), 0) FROM activity_attendance_live t"
			  "  JOIN x ON x.pk = t.activity WHERE t.kind = 'out')",
			  fs, ts, NULL)))
		return rc;
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW) {
		c->activities = sqlite3_column_int64(st, 0);
		c->open = sqlite3_column_int64(st, 1);
		c->seats = sqlite3_column_int64(st, 2);
		c->attended = sqlite3_column_int64(st, 3);
		c->hours = sqlite3_column_double(st, 4);
	}
	sqlite3_finalize(st);
	return rc == SQLITE_ROW ? 0 : app_fail_store(a, ERR_STORAGE);
}

/* ---- writing ------------------------------------------------------------------- */

static int act_commit(struct app *a, const char *scope, struct crdt_write *w, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (w[i].err) /* the code's own mistake: refused before anything is written */
			return app_failf(a, w[i].err, APP_W_FAILED, 0);
	return app_commit_add(a, scope, w, n);
}

/* A sign-up row of kind about volunteer vid (ref: the sign-up a decision
 * or a cancellation is about, or NULL), in scope; w borrows everything. */
static int act_signup_row(struct app *a, struct crdt_write *w, char *id, size_t idn, const char *act,
			  const char *scope, const char *vid, const char *kind, const char *ref)
{
	int rc = app_id_next(a, "activity_signups", 'u', id, idn);
	if (rc)
		return rc;
	crdt_write_init(w, CRDT_T_ACTIVITY_SIGNUPS, CRDT_UPSERT, id);
	crdt_write_set_text(w, CRDT_C_ACTIVITY_SIGNUPS_ACTIVITY, act);
	crdt_write_set_text(w, CRDT_C_ACTIVITY_SIGNUPS_STATION, scope);
	crdt_write_set_text(w, CRDT_C_ACTIVITY_SIGNUPS_VOLUNTEER, vid);
	crdt_write_set_text(w, CRDT_C_ACTIVITY_SIGNUPS_KIND, kind);
	if (ref)
		crdt_write_set_text(w, CRDT_C_ACTIVITY_SIGNUPS_REF, ref);
	crdt_write_set_int(w, CRDT_C_ACTIVITY_SIGNUPS_AT, (int64_t)a->now_ms);
	return 0;
}

/* Write one sign-up row and commit it. */
static int act_signup_commit(struct app *a, const char *act, const char *scope, const char *vid,
			     const char *kind, const char *ref, char *id, size_t idn)
{
	struct crdt_write w;
	int rc = act_signup_row(a, &w, id, idn, act, scope, vid, kind, ref);
	return rc ? rc : act_commit(a, scope, &w, 1);
}

/* One live sign-up waiting for the home's decision. */
struct act_cand {
	char pk[APP_ID_MAX + 1];
	char vid[APP_ID_MAX + 1];
	char scope[CRDT_SCOPE_MAX + 1];
	bool deferred;
};

/* A5 for activity x, at its home, inside the write transaction. */
static int act_settle_one(struct app *a, const struct app_activity *x, size_t *decided)
{
	struct act_cand *c = NULL;
	size_t cap = 0, n = 0;
	sqlite3_stmt *st;
	char id[APP_ID_MAX + 1];
	int64_t free_seats = x->capacity - x->seats, held;
	int rc;

	if (x->closed || (x->pending == 0 && (x->waiting == 0 || free_seats <= 0)))
		return 0;
	if ((rc = app_sql(a, &st,
			  "SELECT s.pk, s.volunteer, s.station, " SU_DEFERRED("s")
			  " FROM activity_signups_live s WHERE s.activity = ?1 AND " SU_LIVE("s")
			  " AND NOT " SU_SEAT("s") " ORDER BY s.at, s.pk LIMIT 1000",
			  x->id, NULL)))
		return rc;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		if ((rc = MEM_GROW(c, cap, n + 1)))
			break;
		memset(&c[n], 0, sizeof(c[n]));
		app_col_text(st, 0, c[n].pk, sizeof(c[n].pk));
		app_col_text(st, 1, c[n].vid, sizeof(c[n].vid));
		app_col_text(st, 2, c[n].scope, sizeof(c[n].scope));
		c[n].deferred = sqlite3_column_int64(st, 3) != 0;
		n++;
	}
	sqlite3_finalize(st);
	if (rc != SQLITE_DONE) {
		mem_free(c);
		return rc < 0 ? app_failf(a, rc, APP_W_FAILED, 0) : app_fail_store(a, ERR_STORAGE);
	}
	rc = 0;
	for (size_t i = 0; i < n && !rc; i++) {
		const char *kind = NULL;
		if ((rc = app_sql_int(a, &held, "SELECT count(*) FROM " ACT_HOLDERS("?1") " h WHERE h.volunteer = ?2",
				      x->id, c[i].vid, NULL)))
			break;
		if (held)
			kind = "cancel"; /* a second sign-up of someone seated (A5) */
		else if (free_seats > 0)
			kind = "grant";
		else if (!c[i].deferred)
			kind = "defer";
		if (!kind)
			continue;
		if (strcmp(kind, "grant") == 0)
			free_seats--;
		rc = act_signup_commit(a, x->id, c[i].scope, c[i].vid, kind, c[i].pk, id, sizeof(id));
		if (!rc && decided)
			(*decided)++;
	}
	mem_free(c);
	return rc;
}

int app_activity_settle(struct app *a, size_t *decided)
{
	char (*ids)[APP_ID_MAX + 1] = NULL;
	struct app_activity x;
	size_t cap = 0, n = 0;
	sqlite3_stmt *st;
	bool began = !a->writing;
	int rc;

	if (decided)
		*decided = 0;
	if ((rc = app_write_begin(a)))
		return app_write_fail(a, began, rc);
	/* only the open activities homed here with a sign-up holding no seat:
	 * one indexed query when there is nothing to decide */
	if ((rc = app_sql(a, &st,
			  "SELECT DISTINCT s.activity FROM activity_signups_live s"
			  " JOIN activities_live x ON x.pk = s.activity"
			  " WHERE coalesce(x.closed, 0) = 0 AND coalesce(x.station, '') = ?1"
			  " AND s.kind IN ('wait', 'request') AND NOT " SU_CANCELLED("s") " AND NOT " SU_SEAT("s")
			  " ORDER BY s.activity LIMIT 10000",
			  a->hub ? "" : a->conf.station, NULL)))
		return app_write_fail(a, began, rc);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		if ((rc = MEM_GROW(ids, cap, n + 1)))
			break;
		app_col_text(st, 0, ids[n], sizeof(ids[n]));
		n++;
	}
	sqlite3_finalize(st);
	if (rc != SQLITE_DONE) {
		mem_free(ids);
		rc = rc < 0 ? app_failf(a, rc, APP_W_FAILED, 0) : app_fail_store(a, ERR_STORAGE);
		return app_write_fail(a, began, rc);
	}
	rc = 0;
	for (size_t i = 0; i < n && !rc; i++)
		if (!(rc = app_activity_find(a, ids[i], &x)) && x.home)
			rc = act_settle_one(a, &x, decided);
	mem_free(ids);
	if (!rc && began)
		rc = app_write_end(a);
	return app_write_fail(a, began, rc);
}

/* Begin, settle (A5) and find the activity, open, for an operation. */
static int act_begin(struct app *a, const char *id, struct app_activity *x)
{
	int rc;
	if ((rc = app_write_begin(a)) || (rc = app_activity_settle(a, NULL)) ||
	    (rc = app_activity_find(a, id, x)))
		return rc;
	if (x->closed)
		return app_failf(a, ERR_RULE, APP_W_ACT_CLOSED, 2, x->title, x->id);
	return 0;
}

static int act_not_home(struct app *a, const struct app_activity *x)
{
	return app_failf(a, ERR_RULE, APP_W_ACT_NOT_HOME, 3, x->title, x->id,
			 x->station[0] ? x->station : "hub");
}

static int app_activity_add_tx(struct app *a, const struct app_activity_new *in, struct app_activity *x)
{
	struct crdt_write w;
	char ms[24];
	int rc;

	memset(x, 0, sizeof(*x));
	if (!in->title || !app_text_ok(in->title, APP_NAME_MAX))
		return app_failf(a, ERR_USAGE, APP_W_ACT_BAD_TITLE, 1, in->title ? in->title : "");
	if (!in->place || !app_text_ok(in->place, APP_NAME_MAX))
		return app_failf(a, ERR_USAGE, APP_W_ACT_BAD_PLACE, 1, in->place ? in->place : "");
	if ((rc = app_parse_datetime(a, "--start", in->start, &x->start_at)) ||
	    (rc = app_parse_datetime(a, "--end", in->end, &x->end_at)))
		return rc;
	if (x->end_at <= x->start_at) /* A10 */
		return app_failf(a, ERR_USAGE, APP_W_ACT_END_BEFORE, 2, in->start, in->end);
	if (app_parse_int(in->capacity, 1, APP_ACT_CAPACITY_MAX, &x->capacity)) {
		snprintf(ms, sizeof(ms), "%d", APP_ACT_CAPACITY_MAX);
		return app_failf(a, ERR_USAGE, APP_W_ACT_BAD_CAPACITY, 2, in->capacity ? in->capacity : "", ms);
	}
	if (app_parse_real(in->hours, 0.1, APP_ACT_HOURS_MAX, &x->hours)) {
		app_real_fmt(APP_ACT_HOURS_MAX, ms, sizeof(ms));
		return app_failf(a, ERR_USAGE, APP_W_ACT_BAD_HOURS, 2, in->hours ? in->hours : "", ms);
	}
	if (in->station && !app_id_ok(in->station))
		return app_failf(a, ERR_USAGE, APP_W_BAD_STATION_ID, 1, in->station);
	if (in->station && !app_may_write(a, in->station)) /* A1 */
		return app_failf(a, ERR_RULE, APP_W_ACT_STATION, 2, in->station, a->conf.station);
	snprintf(x->station, sizeof(x->station), "%s", in->station ? in->station : a->hub ? "" : a->conf.station);
	snprintf(x->title, sizeof(x->title), "%s", in->title);
	snprintf(x->place, sizeof(x->place), "%s", in->place);
	if ((rc = app_write_begin(a)) || (rc = app_id_next(a, "activities", 'a', x->id, sizeof(x->id))))
		return rc;
	crdt_write_init(&w, CRDT_T_ACTIVITIES, CRDT_UPSERT, x->id);
	crdt_write_set_text(&w, CRDT_C_ACTIVITIES_TITLE, x->title);
	crdt_write_set_text(&w, CRDT_C_ACTIVITIES_PLACE, x->place);
	crdt_write_set_text(&w, CRDT_C_ACTIVITIES_STATION, x->station);
	crdt_write_set_int(&w, CRDT_C_ACTIVITIES_START_AT, x->start_at);
	crdt_write_set_int(&w, CRDT_C_ACTIVITIES_END_AT, x->end_at);
	crdt_write_set_int(&w, CRDT_C_ACTIVITIES_CAPACITY, x->capacity);
	crdt_write_set_real(&w, CRDT_C_ACTIVITIES_HOURS, x->hours);
	crdt_write_set_int(&w, CRDT_C_ACTIVITIES_CLOSED, 0);
	crdt_write_set_int(&w, CRDT_C_ACTIVITIES_CREATED_AT, (int64_t)a->now_ms);
	if ((rc = act_commit(a, x->station, &w, 1)) || (rc = app_write_end(a)))
		return rc;
	x->home = act_home(a, x);
	return 0;
}

int app_activity_add(struct app *a, const struct app_activity_new *in, struct app_activity *out)
{
	bool began = !a->writing;
	int rc = app_write_fail(a, began, app_activity_add_tx(a, in, out));
	if (rc)
		memset(out, 0, sizeof(*out));
	return rc;
}

/* Begin an operation on activity id for who: find both, and who's state. */
static int act_who(struct app *a, const char *id, const char *who, struct app_volunteer_found *f,
		   struct app_activity_result *r)
{
	int rc;
	memset(r, 0, sizeof(*r));
	if ((rc = act_begin(a, id, &r->act)) || (rc = app_volunteer_find(a, who, f)))
		return rc;
	r->v = f->c[0];
	return act_state(a, r->act.id, r->v.id, &r->state);
}

/* The scope a node writes a person's sign-up row in (A3). */
static const char *act_scope(const struct app *a, const struct app_activity *x)
{
	return a->hub ? x->station : a->conf.station;
}

static int act_refresh(struct app *a, struct app_activity_result *r)
{
	char id[APP_ID_MAX + 1];
	snprintf(id, sizeof(id), "%s", r->act.id); /* find clears what it fills */
	int rc = app_activity_find(a, id, &r->act);
	return rc ? rc : act_state(a, r->act.id, r->v.id, &r->state);
}

static int app_activity_signup_tx(struct app *a, const char *id, const char *who,
				  struct app_volunteer_found *f, struct app_activity_result *r)
{
	const char *kind;
	int rc;

	if ((rc = act_who(a, id, who, f, r)))
		return rc;
	if ((int64_t)a->now_ms >= r->act.end_at) { /* A11 */
		char end[32];
		app_time_fmt((uint64_t)r->act.end_at, end, sizeof(end));
		return app_failf(a, ERR_RULE, APP_W_ACT_ENDED, 3, r->act.title, r->act.id, end);
	}
	if (r->state != APP_ACT_NONE) /* A4 */
		return app_failf(a, ERR_RULE, APP_W_ACT_ALREADY, 4, r->v.name[0] ? r->v.name : r->v.id,
				 r->v.id, r->act.title, app_act_state_name(r->state));
	if (!r->act.home)
		kind = "request"; /* A3 */
	else
		kind = r->act.seats < r->act.capacity ? "firm" : "wait"; /* A2, A3 */
	if ((rc = act_signup_commit(a, r->act.id, act_scope(a, &r->act), r->v.id, kind, NULL, r->move,
				    sizeof(r->move))) ||
	    (rc = act_refresh(a, r)))
		return rc;
	return app_write_end(a);
}

int app_activity_signup(struct app *a, const char *id, const char *who, struct app_volunteer_found *f,
			struct app_activity_result *r)
{
	struct app_volunteer_found own;
	bool began = !a->writing;
	int rc = app_write_fail(a, began, app_activity_signup_tx(a, id, who, f ? f : &own, r));
	if (rc)
		memset(r, 0, sizeof(*r));
	return rc;
}

static int app_activity_cancel_tx(struct app *a, const char *id, const char *who,
				  struct app_volunteer_found *f, struct app_activity_result *r)
{
	char ids[8][APP_ID_MAX + 1], scopes[8][CRDT_SCOPE_MAX + 1], mid[APP_ID_MAX + 1];
	const char *name;
	sqlite3_stmt *st;
	size_t n = 0;
	int rc;

	if ((rc = act_who(a, id, who, f, r)))
		return rc;
	name = r->v.name[0] ? r->v.name : r->v.id;
	if (r->state == APP_ACT_IN || r->state == APP_ACT_OUT) /* A6 */
		return app_failf(a, ERR_RULE, APP_W_ACT_IN_ALREADY, 3, name, r->v.id, r->act.title);
	if (r->state == APP_ACT_NONE)
		return app_failf(a, ERR_RULE, APP_W_ACT_NOT_SIGNED, 3, name, r->v.id, r->act.title);
	if ((rc = app_sql(a, &st,
			  "SELECT s.pk, s.station FROM activity_signups_live s WHERE s.activity = ?1"
			  " AND s.volunteer = ?2 AND " SU_LIVE("s") " ORDER BY s.at, s.pk LIMIT 8",
			  r->act.id, r->v.id, NULL)))
		return rc;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW && n < 8) {
		app_col_text(st, 0, ids[n], sizeof(ids[n]));
		app_col_text(st, 1, scopes[n], sizeof(scopes[n]));
		n++;
	}
	sqlite3_finalize(st);
	if (rc != SQLITE_DONE && rc != SQLITE_ROW)
		return app_fail_store(a, ERR_STORAGE);
	rc = 0;
	/* the cancellation is written where this node writes (a station: its
	 * own scope, the hub: the sign-up's), so both it and the home read it */
	for (size_t i = 0; i < n && !rc; i++)
		rc = act_signup_commit(a, r->act.id, a->hub ? scopes[i] : a->conf.station, r->v.id,
				       "cancel", ids[i], i ? mid : r->move, i ? sizeof(mid) : sizeof(r->move));
	if (rc || (r->act.home && (rc = app_activity_settle(a, NULL))) || (rc = act_refresh(a, r)))
		return rc;
	return app_write_end(a);
}

int app_activity_cancel(struct app *a, const char *id, const char *who, struct app_volunteer_found *f,
			struct app_activity_result *r)
{
	struct app_volunteer_found own;
	bool began = !a->writing;
	int rc = app_write_fail(a, began, app_activity_cancel_tx(a, id, who, f ? f : &own, r));
	if (rc)
		memset(r, 0, sizeof(*r));
	return rc;
}

/* An attendance row of kind for r's person, in the activity's scope. */
static void act_attend_row(struct app *a, struct crdt_write *w, const char *id, char *key, size_t keyn,
			   const struct app_activity_result *r, const char *kind, const char *via)
{
	snprintf(key, keyn, "%s:%s:%s", kind, r->act.id, r->v.id);
	crdt_write_init(w, CRDT_T_ACTIVITY_ATTENDANCE, CRDT_UPSERT, id);
	crdt_write_set_text(w, CRDT_C_ACTIVITY_ATTENDANCE_ACTIVITY, r->act.id);
	crdt_write_set_text(w, CRDT_C_ACTIVITY_ATTENDANCE_STATION, r->act.station);
	crdt_write_set_text(w, CRDT_C_ACTIVITY_ATTENDANCE_VOLUNTEER, r->v.id);
	crdt_write_set_text(w, CRDT_C_ACTIVITY_ATTENDANCE_KIND, kind);
	crdt_write_set_text(w, CRDT_C_ACTIVITY_ATTENDANCE_VIA, via);
	crdt_write_set_text(w, CRDT_C_ACTIVITY_ATTENDANCE_KEY, key);
	crdt_write_set_int(w, CRDT_C_ACTIVITY_ATTENDANCE_AT, (int64_t)a->now_ms);
}

static const char *act_via(const char *via)
{
	return via && strcmp(via, "phone") == 0 ? "phone" : "staff";
}

static int app_activity_checkin_tx(struct app *a, const char *id, const char *who, const char *via,
				   struct app_volunteer_found *f, struct app_activity_result *r)
{
	char key[2 * APP_ID_MAX + 8], sid[APP_ID_MAX + 1], cap[24];
	struct crdt_write w;
	const char *name;
	sqlite3_stmt *st;
	int rc;

	if ((rc = act_who(a, id, who, f, r)))
		return rc;
	name = r->v.name[0] ? r->v.name : r->v.id;
	if (!r->act.home)
		return act_not_home(a, &r->act);
	if (r->state == APP_ACT_IN || r->state == APP_ACT_OUT)
		return app_failf(a, ERR_RULE, APP_W_ACT_IN_ALREADY, 3, name, r->v.id, r->act.title);
	if (r->state != APP_ACT_SIGNED) { /* A6: a walk-in, or off the waitlist */
		if (r->act.seats >= r->act.capacity) {
			snprintf(cap, sizeof(cap), "%lld", (long long)r->act.capacity);
			return app_failf(a, ERR_RULE, APP_W_ACT_FULL, 3, r->act.title, r->act.id, cap);
		}
		sid[0] = '\0';
		if (r->state != APP_ACT_NONE) {
			if ((rc = app_sql(a, &st,
					  "SELECT s.pk, s.station FROM activity_signups_live s WHERE s.activity = ?1"
					  " AND s.volunteer = ?2 AND " SU_LIVE("s") " ORDER BY s.at, s.pk LIMIT 1",
					  r->act.id, r->v.id, NULL)))
				return rc;
			char scope[CRDT_SCOPE_MAX + 1] = "";
			if ((rc = sqlite3_step(st)) == SQLITE_ROW) {
				app_col_text(st, 0, sid, sizeof(sid));
				app_col_text(st, 1, scope, sizeof(scope));
			}
			sqlite3_finalize(st);
			if (rc != SQLITE_ROW)
				return app_fail_store(a, ERR_STORAGE);
			rc = act_signup_commit(a, r->act.id, scope, r->v.id, "grant", sid, r->move, sizeof(r->move));
		} else {
			rc = act_signup_commit(a, r->act.id, r->act.station, r->v.id, "firm", NULL, r->move,
					       sizeof(r->move));
		}
		if (rc)
			return rc;
	}
	if ((rc = app_id_next(a, "activity_attendance", 'i', r->move, sizeof(r->move))))
		return rc;
	act_attend_row(a, &w, r->move, key, sizeof(key), r, "in", act_via(via));
	if ((rc = act_commit(a, r->act.station, &w, 1)) || (rc = act_refresh(a, r)))
		return rc;
	return app_write_end(a);
}

int app_activity_checkin(struct app *a, const char *id, const char *who, const char *via,
			 struct app_volunteer_found *f, struct app_activity_result *r)
{
	struct app_volunteer_found own;
	bool began = !a->writing;
	int rc = app_write_fail(a, began, app_activity_checkin_tx(a, id, who, via, f ? f : &own, r));
	if (rc)
		memset(r, 0, sizeof(*r));
	return rc;
}

/* Check r's person out with the activity's hours and its credit (A7). */
static int act_out(struct app *a, struct app_activity_result *r, const char *via)
{
	char key[2 * APP_ID_MAX + 8], ckey[2 * APP_ID_MAX + 16], item[APP_NAME_MAX + 1];
	struct app_credit c;
	struct crdt_write w;
	int rc;

	snprintf(ckey, sizeof(ckey), "act:%s:%s", r->act.id, r->v.id);
	snprintf(item, sizeof(item), "%s", r->act.title);
	/* a county-wide activity credits in the volunteer's home scope */
	const char *station = r->act.station[0] ? r->act.station : r->v.station;
	if ((rc = app_points_credit_hours(a, ckey, item, station, r->v.id, r->v.station, r->act.hours, &c)))
		return rc;
	if ((rc = app_id_next(a, "activity_attendance", 'i', r->move, sizeof(r->move))))
		return rc;
	act_attend_row(a, &w, r->move, key, sizeof(key), r, "out", via);
	crdt_write_set_real(&w, CRDT_C_ACTIVITY_ATTENDANCE_HOURS, r->act.hours);
	if (c.write)
		crdt_write_set_text(&w, CRDT_C_ACTIVITY_ATTENDANCE_POINTS, c.id);
	if ((rc = act_commit(a, r->act.station, &w, 1)) || (c.write && (rc = act_commit(a, c.scope, &c.w, 1))))
		return rc;
	r->hours = r->act.hours;
	r->points = c.write ? c.points : 0;
	r->away = c.write && strcmp(c.scope, r->act.station) != 0;
	snprintf(r->points_id, sizeof(r->points_id), "%s", c.write ? c.id : "");
	return 0;
}

static int app_activity_checkout_tx(struct app *a, const char *id, const char *who, const char *via,
				    struct app_volunteer_found *f, struct app_activity_result *r)
{
	const char *name;
	int rc;

	if ((rc = act_who(a, id, who, f, r)))
		return rc;
	name = r->v.name[0] ? r->v.name : r->v.id;
	if (!r->act.home)
		return act_not_home(a, &r->act);
	if (r->state == APP_ACT_OUT)
		return app_failf(a, ERR_RULE, APP_W_ACT_OUT_ALREADY, 3, name, r->v.id, r->act.title);
	if (r->state != APP_ACT_IN)
		return app_failf(a, ERR_RULE, APP_W_ACT_NOT_IN, 3, name, r->v.id, r->act.title);
	if ((rc = act_out(a, r, act_via(via))) || (rc = act_refresh(a, r)))
		return rc;
	return app_write_end(a);
}

int app_activity_checkout(struct app *a, const char *id, const char *who, const char *via,
			  struct app_volunteer_found *f, struct app_activity_result *r)
{
	struct app_volunteer_found own;
	bool began = !a->writing;
	int rc = app_write_fail(a, began, app_activity_checkout_tx(a, id, who, via, f ? f : &own, r));
	if (rc)
		memset(r, 0, sizeof(*r));
	return rc;
}

static int app_activity_close_tx(struct app *a, const char *id, struct app_activity_result *r)
{
	struct app_activity_person *p = NULL;
	struct app_volunteer_found f;
	struct crdt_write w;
	int64_t points = 0;
	size_t n = 0;
	int rc;

	memset(r, 0, sizeof(*r));
	if ((rc = act_begin(a, id, &r->act)))
		return rc;
	if (!r->act.home)
		return act_not_home(a, &r->act);
	if ((rc = app_activity_people(a, r->act.id, &p, &n)))
		return rc;
	for (size_t i = 0; i < n && !rc; i++) { /* A8 */
		if (p[i].state != APP_ACT_IN)
			continue;
		if ((rc = app_volunteer_find(a, p[i].volunteer, &f)))
			break;
		r->v = f.c[0];
		if ((rc = act_out(a, r, "close")))
			break;
		points += r->points;
		r->settled++;
	}
	mem_free(p);
	if (rc)
		return rc;
	crdt_write_init(&w, CRDT_T_ACTIVITIES, CRDT_UPSERT, r->act.id);
	crdt_write_set_int(&w, CRDT_C_ACTIVITIES_CLOSED, 1);
	if ((rc = act_commit(a, r->act.station, &w, 1)) || (rc = act_refresh(a, r)))
		return rc;
	memset(&r->v, 0, sizeof(r->v));
	r->state = APP_ACT_NONE;
	r->points = points;
	return app_write_end(a);
}

int app_activity_close(struct app *a, const char *id, struct app_activity_result *r)
{
	bool began = !a->writing;
	int rc = app_write_fail(a, began, app_activity_close_tx(a, id, r));
	if (rc)
		memset(r, 0, sizeof(*r));
	return rc;
}
