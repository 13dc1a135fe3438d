// SPDX-License-Identifier: MIT
/*
 * team.c - teams, hours and recognition (team.h).
 *
 * Rules:
 *  TM1. A team is a row of table teams (name, station, leader), id
 *       "<prefix>-t<n>", committed in its station's scope. Its name is
 *       text (app_text_ok) and unique among the live teams of its station,
 *       checked inside the write transaction that adds it.
 *  TM2. A station adds teams of its own station only; the hub of any
 *       (sync/trust.c T3 refuses anything else from a station).
 *  TM3. A leader is a volunteer held here whose home is the team's
 *       station. Leading does not make the leader a member.
 *  TM4. Membership is the volunteer's team column holding the team's id.
 *       A volunteer joins teams of its home station only, and the write
 *       is the volunteer row's, by the node that may write it (its home
 *       station or the hub), in the volunteer's station scope. The column
 *       merges last writer wins by (HLC, author) (docs/replica.md): when
 *       the home station and the hub change one volunteer's team offline,
 *       the later change wins whole, so a volunteer is always in exactly
 *       one team or none. A value that is not a live team id is a free
 *       text team of old versions: shown as it is, never rewritten
 *       until the volunteer joins or leaves. volunteer add and set with
 *       --team write the id of the station's team the text names
 *       (app_team_resolve), else the text.
 *  TM5. Leave clears the column (NULL); leaving with no team is refused.
 *  TM6. points adjust and hours add write a ledger row (reason "adjust",
 *       or "hours" with its hours) for a volunteer whose home is this
 *       station, or at the hub for any; the row's station is the home,
 *       committed in that scope; item holds the reason as typed. A
 *       visiting volunteer's home station or the hub writes it.
 *  TM7. An adjustment that debits never takes the balance below zero;
 *       the balance is read inside the write transaction.
 *  TM8. hours add credits round(hours x points per hour) points, as an
 *       order's service credit does (points.c P5); its hours count in
 *       the volunteer's hours (app_volunteer_hours) and so its stars.
 */
#include <math.h>
#include <stdio.h>
#include <string.h>
#include <sqlite3.h>

#include "base/err.h"
#include "app/points.h"
#include "app/team.h"
#include "app/volunteer.h"

#define TEAM_COLS "t.pk, t.name, t.station, t.leader," \
	" (SELECT v.name FROM volunteers_live v WHERE v.pk = t.leader)," \
	" (SELECT count(*) FROM volunteers_live v WHERE v.team = t.pk)"

static void team_read(sqlite3_stmt *st, struct app_team *t)
{
	memset(t, 0, sizeof(*t));
	app_col_text(st, 0, t->id, sizeof(t->id));
	app_col_text(st, 1, t->name, sizeof(t->name));
	app_col_text(st, 2, t->station, sizeof(t->station));
	app_col_text(st, 3, t->leader, sizeof(t->leader));
	app_col_text(st, 4, t->leader_name, sizeof(t->leader_name));
	t->members = sqlite3_column_int64(st, 5);
}

/* The hours of the team's members. */
static int team_hours(struct app *a, struct app_team *t)
{
	sqlite3_stmt *st;
	double h;
	int rc;
	t->hours = 0;
	if ((rc = app_sql(a, &st, "SELECT pk FROM volunteers_live WHERE team = ?1", t->id, NULL)))
		return rc;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		char vid[APP_ID_MAX + 1];
		app_col_text(st, 0, vid, sizeof(vid));
		if (app_volunteer_hours(a, vid, &h)) {
			sqlite3_finalize(st);
			return app_fail_store(a, ERR_STORAGE);
		}
		t->hours += h;
	}
	sqlite3_finalize(st);
	return rc == SQLITE_DONE ? 0 : app_fail_store(a, ERR_STORAGE);
}

/* Teams by the query (texts bound as app_sql), each to fn. */
static int team_each(struct app *a, app_team_each_fn fn, void *arg, size_t *count,
		     const char *sql, const char *p1, const char *p2)
{
	struct app_team t;
	sqlite3_stmt *st;
	int rc, stop = 0;
	if (count)
		*count = 0;
	if ((rc = app_sql(a, &st, sql, p1, p2, NULL)))
		return rc;
	while (!stop && (rc = sqlite3_step(st)) == SQLITE_ROW) {
		team_read(st, &t);
		if (count)
			++*count;
		stop = fn(arg, &t);
	}
	sqlite3_finalize(st);
	if (stop)
		return stop;
	return rc == SQLITE_DONE ? 0 : app_fail_store(a, ERR_STORAGE);
}

static int team_keep(void *arg, const struct app_team *t)
{
	struct app_team *out = arg;
	if (!out->id[0])
		*out = *t;
	return 0;
}

int app_team_load(struct app *a, const char *id_in, struct app_team *t)
{
	char id[APP_ID_MAX + 1];
	size_t n;
	int rc;
	snprintf(id, sizeof(id), "%s", id_in); /* id_in may be t->id */
	memset(t, 0, sizeof(*t));
	if ((rc = team_each(a, team_keep, t, &n, "SELECT " TEAM_COLS " FROM teams_live t WHERE t.pk = ?1",
			    id, NULL)))
		return rc;
	if (!n)
		return app_failf(a, ERR_NOTFOUND, APP_W_TEAM_NOT_FOUND, 1, id);
	return team_hours(a, t);
}

int app_team_find(struct app *a, const char *who, struct app_team *t)
{
	char count[24];
	size_t n;
	int rc;
	memset(t, 0, sizeof(*t));
	if (!who || !app_text_ok(who, APP_NAME_MAX))
		return app_failf(a, ERR_NOTFOUND, APP_W_TEAM_NOT_FOUND, 1, who ? who : "");
	if (app_id_ok(who)) {
		rc = app_team_load(a, who, t);
		if (rc != ERR_NOTFOUND)
			return rc;
		app_fail_clear(a);
	}
	/* by name: a station looks among its own teams, the hub among all */
	if ((rc = team_each(a, team_keep, t, &n,
			    "SELECT " TEAM_COLS " FROM teams_live t WHERE t.name = ?1"
			    " AND (?2 IS NULL OR t.station = ?2) ORDER BY t.pk",
			    who, a->hub ? NULL : a->conf.station)))
		return rc;
	snprintf(count, sizeof(count), "%zu", n);
	if (n != 1) {
		memset(t, 0, sizeof(*t));
		return n ? app_failf(a, ERR_RULE, APP_W_TEAM_AMBIGUOUS, 2, who, count)
			 : app_failf(a, ERR_NOTFOUND, APP_W_TEAM_NOT_FOUND, 1, who);
	}
	return team_hours(a, t);
}

int app_team_list(struct app *a, const char *station, app_team_each_fn fn, void *arg)
{
	return team_each(a, fn, arg, NULL,
			 "SELECT " TEAM_COLS " FROM teams_live t WHERE (?1 IS NULL OR t.station = ?1)"
			 " ORDER BY t.station, CAST(substr(t.pk, instr(t.pk, '-t') + 2) AS INTEGER), t.pk",
			 station, NULL);
}

void app_team_label(struct app *a, const char *value, char *out, size_t n)
{
	sqlite3_stmt *st;
	snprintf(out, n, "%s", value ? value : "");
	if (!value || !*value || app_sql(a, &st, "SELECT name FROM teams_live WHERE pk = ?1", value, NULL))
		return;
	if (sqlite3_step(st) == SQLITE_ROW)
		app_col_text(st, 0, out, n);
	sqlite3_finalize(st);
	app_fail_clear(a);
}

void app_team_resolve(struct app *a, const char *text, const char *station, char *out, size_t n)
{
	sqlite3_stmt *st;
	snprintf(out, n, "%s", text ? text : "");
	if (!text || !*text ||
	    app_sql(a, &st, "SELECT pk FROM teams_live WHERE (pk = ?1 OR name = ?1) AND station = ?2"
			    " ORDER BY pk = ?1 DESC, pk LIMIT 1", text, station, NULL))
		return;
	if (sqlite3_step(st) == SQLITE_ROW)
		app_col_text(st, 0, out, n);
	sqlite3_finalize(st);
	app_fail_clear(a);
}

/* ---- add ------------------------------------------------------------------ */

static int team_add_tx(struct app *a, const struct app_team_in *in, struct app_team *out)
{
	struct app_volunteer_found f;
	struct crdt_write w;
	int64_t taken;
	int rc;
	const char *station = in->station ? in->station : a->conf.station;

	if (!in->name || !app_text_ok(in->name, APP_NAME_MAX))
		return app_failf(a, ERR_USAGE, APP_W_TEAM_BAD_NAME, 1, in->name ? in->name : "");
	if (!app_id_ok(station))
		return app_failf(a, ERR_USAGE, APP_W_BAD_STATION_ID, 1, station);
	if (!app_may_write(a, station)) /* TM2 */
		return app_failf(a, ERR_RULE, APP_W_TEAM_NOT_OURS, 2, station, a->conf.station);
	if ((rc = app_write_begin(a)))
		return rc;
	if ((rc = app_sql_int(a, &taken, "SELECT count(*) FROM teams_live WHERE name = ?1 AND station = ?2",
			      in->name, station, NULL)))
		return rc;
	if (taken) { /* TM1 */
		memset(out, 0, sizeof(*out));
		if ((rc = team_each(a, team_keep, out, NULL,
				    "SELECT " TEAM_COLS " FROM teams_live t WHERE t.name = ?1 AND t.station = ?2",
				    in->name, station)))
			return rc;
		return app_failf(a, ERR_RULE, APP_W_TEAM_NAME_TAKEN, 3, in->name, station, out->id);
	}
	if (in->leader && *in->leader) { /* TM3 */
		if ((rc = app_volunteer_find_held(a, in->leader, &f)))
			return rc;
		if (strcmp(f.c[0].station, station) != 0)
			return app_failf(a, ERR_RULE, APP_W_TEAM_LEADER_ELSEWHERE, 3, f.c[0].id,
					 f.c[0].station, station);
	}
	if ((rc = app_id_next(a, "teams", 't', out->id, sizeof(out->id))))
		return rc;
	crdt_write_init(&w, CRDT_T_TEAMS, CRDT_UPSERT, out->id);
	crdt_write_set_text(&w, CRDT_C_TEAMS_NAME, in->name);
	crdt_write_set_text(&w, CRDT_C_TEAMS_STATION, station);
	if (in->leader && *in->leader)
		crdt_write_set_text(&w, CRDT_C_TEAMS_LEADER, f.c[0].id);
	if (w.err)
		return app_failf(a, w.err, APP_W_FAILED, 0);
	if ((rc = app_commit(a, station, &w, 1)))
		return rc;
	return app_team_load(a, out->id, out);
}

int app_team_add(struct app *a, const struct app_team_in *in, struct app_team *out)
{
	bool began = !a->writing;
	memset(out, 0, sizeof(*out));
	int rc = app_write_fail(a, began, team_add_tx(a, in, out));
	if (rc)
		memset(out, 0, sizeof(*out));
	return rc;
}

/* ---- join and leave ----------------------------------------------------- */

/* The volunteer who, whose record this node may write (TM4). */
static int team_member(struct app *a, const char *who, struct app_volunteer_found *f,
		       struct app_team_move *r)
{
	struct app_volunteer v;
	int rc;
	if ((rc = app_volunteer_find_held(a, who, f)) || (rc = app_volunteer_load(a, f->c[0].id, &v)))
		return rc;
	r->v = f->c[0];
	snprintf(r->before, sizeof(r->before), "%s", v.team);
	if (!app_may_write(a, v.station))
		return app_failf(a, ERR_RULE, APP_W_VOL_NOT_OURS, 2, v.station, a->conf.station);
	return 0;
}

static int team_set(struct app *a, const struct app_team_move *r, const char *team)
{
	struct crdt_write w;
	crdt_write_init(&w, CRDT_T_VOLUNTEERS, CRDT_UPSERT, r->v.id);
	crdt_write_set_text(&w, CRDT_C_VOLUNTEERS_TEAM, team);
	if (w.err)
		return app_failf(a, w.err, APP_W_FAILED, 0);
	return app_commit(a, r->v.station, &w, 1);
}

static int team_join_tx(struct app *a, const char *team, const char *who,
			struct app_volunteer_found *f, struct app_team_move *r)
{
	int rc;
	if ((rc = app_write_begin(a)) || (rc = app_team_find(a, team, &r->team)) ||
	    (rc = team_member(a, who, f, r)))
		return rc;
	if (strcmp(r->team.station, r->v.station) != 0)
		return app_failf(a, ERR_RULE, APP_W_TEAM_OTHER_STATION, 5, r->v.name, r->v.id, r->v.station,
				 r->team.name, r->team.station);
	if (strcmp(r->before, r->team.id) == 0)
		return app_failf(a, ERR_RULE, APP_W_TEAM_ALREADY, 3, r->v.name, r->v.id, r->team.name);
	if ((rc = team_set(a, r, r->team.id)))
		return rc;
	return app_team_load(a, r->team.id, &r->team);
}

int app_team_join(struct app *a, const char *team, const char *who, struct app_volunteer_found *f,
		  struct app_team_move *r)
{
	struct app_volunteer_found own;
	bool began = !a->writing;
	memset(r, 0, sizeof(*r));
	return app_write_fail(a, began, team_join_tx(a, team, who, f ? f : &own, r));
}

static int team_leave_tx(struct app *a, const char *who, struct app_volunteer_found *f,
			 struct app_team_move *r)
{
	int rc;
	if ((rc = app_write_begin(a)) || (rc = team_member(a, who, f, r)))
		return rc;
	if (!r->before[0]) /* TM5 */
		return app_failf(a, ERR_RULE, APP_W_TEAM_NONE, 2, r->v.name, r->v.id);
	if (app_team_load(a, r->before, &r->team)) { /* an old text team */
		app_fail_clear(a);
		memset(&r->team, 0, sizeof(r->team));
		snprintf(r->team.name, sizeof(r->team.name), "%s", r->before);
	}
	return team_set(a, r, NULL);
}

int app_team_leave(struct app *a, const char *who, struct app_volunteer_found *f,
		   struct app_team_move *r)
{
	struct app_volunteer_found own;
	bool began = !a->writing;
	memset(r, 0, sizeof(*r));
	return app_write_fail(a, began, team_leave_tx(a, who, f ? f : &own, r));
}

/* ---- adjustments and hours (TM6..TM8) ----------------------------------- */

/* The volunteer whose ledger this node may write (TM6). */
static int ledger_who(struct app *a, const char *who, struct app_volunteer_found *f)
{
	int rc = app_volunteer_find(a, who, f);
	if (rc)
		return rc;
	struct app_volunteer_hit h = f->c[0];
	if (h.visiting || !app_may_write(a, h.station)) {
		memset(f, 0, sizeof(*f));
		return app_failf(a, ERR_RULE, APP_W_LEDGER_NO_RIGHT, 5, h.name[0] ? h.name : h.id, h.id,
				 h.station, a->conf.station, h.station);
	}
	return 0;
}

static int ledger_write(struct app *a, const char *who, int64_t delta, double hours,
			const char *reason, struct app_volunteer_found *f, struct app_ledger_result *r)
{
	struct crdt_write w;
	char bs[24], ds[24];
	int64_t bal;
	int rc;

	if ((rc = app_write_begin(a)) || (rc = ledger_who(a, who, f)))
		return rc;
	const struct app_volunteer_hit *v = &f->c[0];
	if ((rc = app_points_balance(a, v->id, &bal)))
		return rc;
	snprintf(bs, sizeof(bs), "%lld", (long long)bal);
	snprintf(ds, sizeof(ds), "%lld", (long long)-delta);
	if (delta < 0 && bal + delta < 0) /* TM7 */
		return app_failf(a, ERR_RULE, APP_W_LEDGER_OVERDRAW, 4, v->name, v->id, bs, ds);
	if ((rc = app_id_next(a, "points", 'p', r->id, sizeof(r->id))))
		return rc;
	crdt_write_init(&w, CRDT_T_POINTS, CRDT_UPSERT, r->id);
	crdt_write_set_text(&w, CRDT_C_POINTS_VOLUNTEER, v->id);
	crdt_write_set_int(&w, CRDT_C_POINTS_DELTA, delta);
	crdt_write_set_text(&w, CRDT_C_POINTS_REASON, hours > 0 ? "hours" : "adjust");
	crdt_write_set_text(&w, CRDT_C_POINTS_ITEM, reason);
	crdt_write_set_text(&w, CRDT_C_POINTS_STATION, v->station);
	crdt_write_set_int(&w, CRDT_C_POINTS_AT, (int64_t)a->now_ms);
	if (hours > 0)
		crdt_write_set_real(&w, CRDT_C_POINTS_HOURS, hours);
	if (w.err)
		return app_failf(a, w.err, APP_W_FAILED, 0);
	if ((rc = app_commit(a, v->station, &w, 1)))
		return rc;
	r->v = *v;
	r->points = delta;
	r->hours = hours;
	r->balance = bal + delta;
	return 0;
}

static bool ledger_reason_ok(const char *reason)
{
	return reason && app_text_ok(reason, APP_TEXT_MAX);
}

int app_points_adjust(struct app *a, const char *who, const char *delta, const char *reason,
		      struct app_volunteer_found *f, struct app_ledger_result *r)
{
	struct app_volunteer_found own;
	int64_t d = 0;
	memset(r, 0, sizeof(*r));
	if (!delta || app_parse_int(delta, -APP_POINTS_MAX, APP_POINTS_MAX, &d) || d == 0)
		return app_failf(a, ERR_USAGE, APP_W_LEDGER_BAD_POINTS, 1, delta ? delta : "");
	if (!ledger_reason_ok(reason))
		return app_failf(a, ERR_USAGE, APP_W_LEDGER_BAD_REASON, 0);
	bool began = !a->writing;
	int rc = app_write_fail(a, began, ledger_write(a, who, d, 0, reason, f ? f : &own, r));
	if (rc)
		memset(r, 0, sizeof(*r));
	return rc;
}

int app_hours_add(struct app *a, const char *who, const char *hours, const char *reason,
		  struct app_volunteer_found *f, struct app_ledger_result *r)
{
	struct app_volunteer_found own;
	struct app_settings set;
	double h = 0;
	int rc;
	memset(r, 0, sizeof(*r));
	if (!hours || app_parse_real(hours, 0, APP_HOURS_MAX, &h) || !(h > 0))
		return app_failf(a, ERR_USAGE, APP_W_LEDGER_BAD_HOURS, 1, hours ? hours : "");
	if (!ledger_reason_ok(reason))
		return app_failf(a, ERR_USAGE, APP_W_LEDGER_BAD_REASON, 0);
	if ((rc = app_settings_load(a, &set)))
		return rc;
	bool began = !a->writing;
	rc = app_write_fail(a, began,
			    ledger_write(a, who, llround(h * set.points_per_hour), h, reason, f ? f : &own, r));
	if (rc)
		memset(r, 0, sizeof(*r));
	return rc;
}
