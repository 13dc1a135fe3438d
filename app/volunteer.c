// SPDX-License-Identifier: MIT
/*
 * volunteer.c - volunteers: register, change, read, list (volunteer.h).
 *
 * Rules:
 *  V1. One live volunteer per phone number, county-wide (as far as this
 *      replica knows): a second registration is refused and names the
 *      first.
 *  V2. A station changes only its own volunteers; the hub any. A
 *      volunteer's data is committed in the scope of their home station.
 *  V3. Names, teams and skills are text (app_text_ok): no control
 *      characters, not only blanks; a name of blanks is refused as such.
 *  V4. A resident ID number is kept only as its keyed hash and last four
 *      characters (idnum.c); one live volunteer per hash, as V1 for
 *      phones. The hub also sees a number held at another station (by
 *      its county hash) and notes it, without refusing.
 *  V5. An import is all or nothing (volunteer_import.c).
 * Every check reads inside the write transaction it commits in, so two
 * registrations of one phone at once cannot both pass.
 */
#include <string.h>
#include <sqlite3.h>

#include "base/err.h"
#include "app/idnum.h"
#include "app/points.h"
#include "app/team.h"
#include "app/volunteer.h"
#include "app/volunteer_internal.h"

bool app_volunteer_status_ok(const char *s)
{
	return s && (strcmp(s, "active") == 0 || strcmp(s, "paused") == 0 || strcmp(s, "left") == 0);
}

bool app_skills_norm(const char *in, char *out, size_t n)
{
	size_t k = 0;
	bool item = false;
	out[0] = '\0';
	for (const char *p = in; *p;) {
		size_t step = 1;
		bool sep = *p == ',';
		if (!strncmp(p, "\xef\xbc\x8c", 3) || !strncmp(p, "\xe3\x80\x81", 3)) /* ， 、 */
			sep = true, step = 3;
		if (sep) {
			while (k > 0 && out[k - 1] == ' ')
				k--;
			if (item && k + 1 < n)
				out[k++] = ',';
			item = false;
		} else if (*p == ' ' && !item) {
			/* leading space of an item */
		} else {
			if (k + 1 >= n)
				return false;
			out[k++] = *p;
			item = true;
		}
		p += step;
	}
	while (k > 0 && (out[k - 1] == ' ' || out[k - 1] == ','))
		k--;
	out[k] = '\0';
	return true;
}

int app_volunteer_fields_check(struct app *a, const char *name, const char *phone, const char *team,
			       const char *skills, const char *typed_skills)
{
	if (name && !app_text_ok(name, APP_NAME_MAX)) /* V3 */
		return app_failf(a, ERR_USAGE,
				 *name && app_text_blank(name) ? APP_W_VOL_BLANK_NAME : APP_W_BAD_NAME, 1,
				 name);
	if (phone && !app_phone_ok(phone))
		return app_failf(a, ERR_USAGE, APP_W_VOL_BAD_PHONE, 1, phone);
	if (team && *team && !app_text_ok(team, APP_NAME_MAX))
		return app_failf(a, ERR_USAGE, APP_W_VOL_BAD_TEAM, 1, team);
	if (skills && *skills && !app_text_ok(skills, APP_TEXT_MAX))
		return app_failf(a, ERR_USAGE, APP_W_VOL_BAD_SKILLS, 1, typed_skills);
	return 0;
}

int app_volunteer_check(struct app *a, const struct app_volunteer_in *in, bool add)
{
	char skills[APP_TEXT_MAX + 1] = "";
	int rc;
	if (add && (!in->name || !in->phone))
		return app_failf(a, ERR_USAGE, APP_W_VOL_NEEDS, 0);
	if (!add && !in->name && !in->phone && !in->team && !in->skills && !in->status && !in->id_number)
		return app_failf(a, ERR_USAGE, APP_W_VOL_SET_NOTHING, 0);
	if (in->skills && !app_skills_norm(in->skills, skills, sizeof(skills)))
		return app_failf(a, ERR_USAGE, APP_W_VOL_BAD_SKILLS, 1, in->skills);
	if ((rc = app_volunteer_fields_check(a, in->name, in->phone, in->team, skills, in->skills)))
		return rc;
	if (in->status && (add || !app_volunteer_status_ok(in->status)))
		return app_failf(a, ERR_USAGE, APP_W_VOL_BAD_STATUS, 1, in->status);
	if (add && in->station && !app_id_ok(in->station))
		return app_failf(a, ERR_USAGE, APP_W_BAD_STATION_ID, 1, in->station);
	if (in->id_number && (add || *in->id_number)) /* set: "" clears it */
		return app_idnum_digest(a, in->id_number, strlen(in->id_number), NULL, NULL);
	return 0;
}

/* ---- reading ------------------------------------------------------------ */

#define APP_VOLUNTEER_COLS "pk, name, phone, station, team, skills, status, registered_at, id_last4"

static void app_volunteer_read(sqlite3_stmt *st, struct app_volunteer *v)
{
	memset(v, 0, sizeof(*v));
	app_col_text(st, 0, v->id, sizeof(v->id));
	app_col_text(st, 1, v->name, sizeof(v->name));
	app_col_text(st, 2, v->phone, sizeof(v->phone));
	app_col_text(st, 3, v->station, sizeof(v->station));
	app_col_text(st, 4, v->team, sizeof(v->team));
	app_col_text(st, 5, v->skills, sizeof(v->skills));
	app_col_text(st, 6, v->status, sizeof(v->status));
	v->registered_at = sqlite3_column_int64(st, 7);
	app_col_text(st, 8, v->id_last4, sizeof(v->id_last4));
}

int app_volunteer_load(struct app *a, const char *id, struct app_volunteer *v)
{
	sqlite3_stmt *st;
	int rc;
	memset(v, 0, sizeof(*v));
	if ((rc = app_sql(a, &st, "SELECT " APP_VOLUNTEER_COLS " FROM volunteers_live WHERE pk = ?1", id,
			  NULL)))
		return rc;
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW)
		app_volunteer_read(st, v);
	sqlite3_finalize(st);
	if (rc == SQLITE_ROW)
		return 0;
	return rc == SQLITE_DONE ? app_failf(a, ERR_NOTFOUND, APP_W_VOLUNTEER_NOT_FOUND, 1, id)
				 : app_fail_store(a, ERR_STORAGE);
}

int app_volunteer_hours(struct app *a, const char *vid, double *hours)
{
	/* orders held here, and service credits (with their hours) of orders
	 * of other stations, which only the credit brings here */
	return app_sql_real(a, hours,
			    "SELECT (SELECT coalesce(sum(hours), 0) FROM orders_live WHERE volunteer = ?1"
			    "  AND status IN ('done', 'rated'))"
			    " + (SELECT coalesce(sum(p.hours), 0) FROM points_live p WHERE p.volunteer = ?1"
			    "  AND ((p.reason = 'service' AND NOT EXISTS"
			    "  (SELECT 1 FROM orders_live o WHERE o.pk = p.\"order\"))"
			    /* hours recorded outside orders (team.c TM8) */
			    "  OR p.reason = 'hours'))",
			    vid, NULL);
}

int app_volunteer_card(struct app *a, const char *id, struct app_volunteer_card *c)
{
	struct app_settings set;
	int rc;
	memset(c, 0, sizeof(*c));
	if ((rc = app_volunteer_load(a, id, &c->v)) || (rc = app_settings_load(a, &set)) ||
	    (rc = app_volunteer_hours(a, c->v.id, &c->hours)) ||
	    (rc = app_points_balance(a, c->v.id, &c->balance)))
		return rc;
	c->stars = app_stars(&set, c->hours);
	return 0;
}

/* The values of a list's filters (app_volunteer_list's SQL): ?1..?10. */
static int volunteer_list_bind(struct app *a, sqlite3_stmt *st, const struct app_volunteer_filter *f)
{
	char phone[64] = "";
	const char *val[4] = { f->team, f->skill, f->status, f->station };
	int rc = 0;
	for (int i = 0; i < 4; i++)
		if (val[i])
			rc |= sqlite3_bind_text(st, i + 1, val[i], -1, SQLITE_TRANSIENT);
	if (f->range && f->range->from_ms)
		rc |= sqlite3_bind_int64(st, 5, f->range->from_ms);
	if (f->range && f->range->to_ms)
		rc |= sqlite3_bind_int64(st, 6, f->range->to_ms);
	if (f->search && f->search[0]) {
		app_phone_norm(f->search, phone, sizeof(phone));
		rc |= sqlite3_bind_text(st, 7, f->search, -1, SQLITE_TRANSIENT);
		rc |= sqlite3_bind_text(st, 8, phone, -1, SQLITE_TRANSIENT);
	}
	if (sqlite3_bind_parameter_count(st) >= 10) {
		rc |= sqlite3_bind_int64(st, 9, f->page && f->page->limit ? f->page->limit : -1);
		rc |= sqlite3_bind_int64(st, 10, f->page ? f->page->offset : 0);
	}
	return rc != SQLITE_OK ? app_fail_store(a, ERR_STORAGE) : 0;
}

int app_volunteer_list(struct app *a, const struct app_volunteer_filter *f,
		       app_volunteer_each_fn fn, void *arg)
{
	struct app_volunteer v;
	sqlite3_stmt *st;
	int rc;
	if (f->status && !app_volunteer_status_ok(f->status))
		return app_failf(a, ERR_USAGE, APP_W_VOL_BAD_STATUS, 1, f->status);
	/* a skill is matched whole, as a literal: instr, never LIKE (whose %
	 * and _ would be wildcards); so is a search. A page is LIMIT/OFFSET
	 * over the list's order and its total is counted apart (range.h).
	 * One station's list is a range of the index in the list's order
	 * (crdt/schema.c): its term is written only when given, since
	 * "?4 IS NULL OR station = ?4" makes SQLite read every volunteer of
	 * the county (issue 15). */
#define APP_VOLUNTEER_WHERE                                                                      \
	/* a team by its id, its name (team.c), or an old free text */                           \
	" WHERE (?1 IS NULL OR team = ?1 OR team IN (SELECT pk FROM teams_live WHERE name = ?1))" \
	" AND (?2 IS NULL OR instr(',' || skills || ',', ',' || ?2 || ',') > 0)"                  \
	" AND (?3 IS NULL OR status = ?3)"                                                       \
	" AND %s"                                                                                \
	" AND (?5 IS NULL OR coalesce(registered_at, 0) >= ?5)"                                  \
	" AND (?6 IS NULL OR coalesce(registered_at, 0) < ?6)"                                   \
	" AND (?7 IS NULL OR instr(lower(coalesce(name, '')), lower(?7)) > 0"                    \
	"  OR (length(?8) > 0 AND instr(coalesce(phone, ''), ?8) > 0)"                           \
	"  OR instr(lower(coalesce(team, '')), lower(?7)) > 0"                                   \
	"  OR team IN (SELECT pk FROM teams_live WHERE instr(lower(name), lower(?7)) > 0))"
	char sql[2048];
	const char *station = f->station ? "station = ?4" : "?4 IS NULL";
	if (f->page) {
		snprintf(sql, sizeof(sql), "SELECT count(*) FROM volunteers_live" APP_VOLUNTEER_WHERE,
			 station);
		if ((rc = app_sql(a, &st, sql, NULL)))
			return rc;
		if ((rc = volunteer_list_bind(a, st, f))) {
			sqlite3_finalize(st);
			return rc;
		}
		rc = sqlite3_step(st);
		f->page->total = rc == SQLITE_ROW ? sqlite3_column_int64(st, 0) : 0;
		sqlite3_finalize(st);
		if (rc != SQLITE_ROW)
			return app_fail_store(a, ERR_STORAGE);
	}
	snprintf(sql, sizeof(sql),
		 "SELECT " APP_VOLUNTEER_COLS " FROM volunteers_live" APP_VOLUNTEER_WHERE
		 " ORDER BY station, CAST(substr(pk, instr(pk, '-v') + 2) AS INTEGER), pk"
		 " LIMIT ?9 OFFSET ?10",
		 station);
	if ((rc = app_sql(a, &st, sql, NULL)))
		return rc;
#undef APP_VOLUNTEER_WHERE
	if ((rc = volunteer_list_bind(a, st, f))) {
		sqlite3_finalize(st);
		return rc;
	}
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		app_volunteer_read(st, &v);
		int stop = fn(arg, &v);
		if (stop) {
			sqlite3_finalize(st);
			return stop;
		}
	}
	sqlite3_finalize(st);
	return rc == SQLITE_DONE ? 0 : app_fail_store(a, ERR_STORAGE);
}

/* ---- the checks against the replica (V1, V2, V4) ---------------------------- */

int app_volunteer_owners_init(struct app *a, struct app_volunteer_owners *o)
{
	static const char *const sql[3] = {
		/* equality on one column each: the indexes on volunteers(phone),
		 * (id_hash) and (id_chash) answer them */
		"SELECT pk, name, station FROM volunteers_live WHERE phone = ?1 AND pk != ?2"
		" ORDER BY pk LIMIT 1",
		"SELECT pk, name, station FROM volunteers_live WHERE id_hash = ?1 AND pk != ?2"
		" ORDER BY pk LIMIT 1",
		"SELECT pk, name, station FROM volunteers_live WHERE id_chash = ?1 AND station != ?3"
		" AND pk != ?2 ORDER BY pk LIMIT 1",
	};
	int rc = 0;
	memset(o, 0, sizeof(*o));
	for (int i = 0; i < 3 && !rc; i++)
		rc = app_sql(a, &o->st[i], sql[i], NULL);
	if (rc)
		app_volunteer_owners_release(o);
	return rc;
}

void app_volunteer_owners_release(struct app_volunteer_owners *o)
{
	for (int i = 0; i < 3; i++)
		sqlite3_finalize(o->st[i]);
	memset(o, 0, sizeof(*o));
}

int app_volunteer_owner(struct app *a, struct app_volunteer_owners *o, enum app_owner_by by,
			const char *value, const char *self, const char *station, struct app_owner *out)
{
	sqlite3_stmt *st = o->st[by];
	int rc;
	memset(out, 0, sizeof(*out));
	sqlite3_reset(st);
	if (sqlite3_bind_text(st, 1, value, -1, SQLITE_STATIC) != SQLITE_OK ||
	    sqlite3_bind_text(st, 2, self ? self : "", -1, SQLITE_STATIC) != SQLITE_OK ||
	    (by == APP_OWNER_ELSEWHERE &&
	     sqlite3_bind_text(st, 3, station, -1, SQLITE_STATIC) != SQLITE_OK))
		return app_fail_store(a, ERR_STORAGE);
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW) {
		app_col_text(st, 0, out->id, sizeof(out->id));
		app_col_text(st, 1, out->name, sizeof(out->name));
		app_col_text(st, 2, out->station, sizeof(out->station));
	}
	sqlite3_reset(st);
	sqlite3_clear_bindings(st);
	return rc == SQLITE_ROW || rc == SQLITE_DONE ? 0 : app_fail_store(a, ERR_STORAGE);
}

/* V1 and V4 for one volunteer (self: the one being changed, or NULL). */
static int app_volunteer_unique(struct app *a, const char *phone, const struct app_idnum *idn,
				const char *station, const char *self)
{
	struct app_volunteer_owners o;
	struct app_owner who;
	int rc;
	if ((rc = app_volunteer_owners_init(a, &o)))
		return rc;
	if (phone && !(rc = app_volunteer_owner(a, &o, APP_OWNER_PHONE, phone, self, NULL, &who)) &&
	    who.id[0])
		rc = app_failf(a, ERR_EXISTS, APP_W_VOL_PHONE_TAKEN, 4, phone, who.name, who.id, who.id);
	if (!rc && idn->hash[0] &&
	    !(rc = app_volunteer_owner(a, &o, APP_OWNER_IDNUM, idn->hash, self, NULL, &who)) && who.id[0])
		rc = app_failf(a, ERR_EXISTS, APP_W_VOL_IDNUM_TAKEN, 4, idn->last4, who.name, who.id,
			       who.id);
	if (!rc && idn->chash[0] &&
	    !(rc = app_volunteer_owner(a, &o, APP_OWNER_ELSEWHERE, idn->chash, self, station, &who)) &&
	    who.id[0])
		app_notef(a, APP_W_VOL_IDNUM_ELSEWHERE, 4, idn->last4, who.station, who.name, who.id);
	app_volunteer_owners_release(&o);
	return rc;
}

/* ---- writing ------------------------------------------------------------ */

void app_volunteer_fill(struct crdt_write *w, const char *id, const char *name, const char *phone,
			const char *station, const char *team, const char *skills,
			const struct app_idnum *idn, uint64_t now)
{
	crdt_write_init(w, CRDT_T_VOLUNTEERS, CRDT_UPSERT, id);
	crdt_write_set_text(w, CRDT_C_VOLUNTEERS_NAME, name);
	crdt_write_set_text(w, CRDT_C_VOLUNTEERS_PHONE, phone);
	crdt_write_set_text(w, CRDT_C_VOLUNTEERS_STATION, station);
	if (team && *team)
		crdt_write_set_text(w, CRDT_C_VOLUNTEERS_TEAM, team);
	if (skills && *skills)
		crdt_write_set_text(w, CRDT_C_VOLUNTEERS_SKILLS, skills);
	crdt_write_set_text(w, CRDT_C_VOLUNTEERS_STATUS, "active");
	crdt_write_set_int(w, CRDT_C_VOLUNTEERS_REGISTERED_AT, (int64_t)now);
	if (idn && idn->hash[0]) {
		crdt_write_set_text(w, CRDT_C_VOLUNTEERS_ID_HASH, idn->hash);
		crdt_write_set_text(w, CRDT_C_VOLUNTEERS_ID_LAST4, idn->last4);
		if (idn->chash[0])
			crdt_write_set_text(w, CRDT_C_VOLUNTEERS_ID_CHASH, idn->chash);
	}
}

int app_volunteer_station(struct app *a, const char *station, const char **out)
{
	*out = station ? station : a->conf.station;
	if (station && !app_id_ok(station))
		return app_failf(a, ERR_USAGE, APP_W_BAD_STATION_ID, 1, station);
	if (!app_may_write(a, *out)) /* V2 */
		return app_failf(a, ERR_RULE, APP_W_VOL_NOT_OURS, 2, *out, a->conf.station);
	return 0;
}

int app_volunteer_add(struct app *a, const struct app_volunteer_in *in, char *id, size_t n)
{
	char phone[64], skills[APP_TEXT_MAX + 1] = "", team[APP_NAME_MAX + 1];
	struct app_idnum idn = { .hash = "" };
	const char *station;
	struct crdt_write w;
	int rc;

	id[0] = '\0';
	if ((rc = app_volunteer_check(a, in, true)) || (rc = app_volunteer_station(a, in->station, &station)))
		return rc;
	app_skills_norm(in->skills ? in->skills : "", skills, sizeof(skills));
	app_phone_norm(in->phone, phone, sizeof(phone));
	bool began = !a->writing;
	if ((rc = app_write_begin(a)) ||
	    (in->id_number && *in->id_number && (rc = app_idnum_take(a, in->id_number, station, &idn))) ||
	    (rc = app_volunteer_unique(a, phone, &idn, station, NULL)) ||
	    (rc = app_id_next(a, "volunteers", 'v', id, n)))
		goto out;
	app_team_resolve(a, in->team, station, team, sizeof(team));
	app_volunteer_fill(&w, id, in->name, phone, station, team, skills, &idn, a->now_ms);
	rc = app_commit(a, station, &w, 1);
out:
	if (rc)
		id[0] = '\0';
	return app_write_fail(a, began, rc);
}

int app_volunteer_set(struct app *a, const char *id, const struct app_volunteer_in *in,
		      struct app_volunteer *v)
{
	char phone[64] = "", skills[APP_TEXT_MAX + 1] = "", team[APP_NAME_MAX + 1];
	struct app_idnum idn = { .hash = "" };
	struct crdt_write w;
	int rc;

	if ((rc = app_volunteer_check(a, in, false)))
		return rc;
	bool began = !a->writing;
	if ((rc = app_write_begin(a)) || (rc = app_volunteer_load(a, id, v)))
		return app_write_fail(a, began, rc);
	if (!app_may_write(a, v->station)) /* V2 */
		return app_write_fail(a, began, app_failf(a, ERR_RULE, APP_W_VOL_NOT_OURS, 2, v->station,
							  a->conf.station));
	if (in->phone)
		app_phone_norm(in->phone, phone, sizeof(phone));
	if (in->skills)
		app_skills_norm(in->skills, skills, sizeof(skills));
	if ((in->id_number && *in->id_number &&
	     (rc = app_idnum_take(a, in->id_number, v->station, &idn))) ||
	    (rc = app_volunteer_unique(a, in->phone ? phone : NULL, &idn, v->station, v->id)))
		return app_write_fail(a, began, rc);
	crdt_write_init(&w, CRDT_T_VOLUNTEERS, CRDT_UPSERT, v->id);
	if (in->name)
		crdt_write_set_text(&w, CRDT_C_VOLUNTEERS_NAME, in->name);
	if (in->phone)
		crdt_write_set_text(&w, CRDT_C_VOLUNTEERS_PHONE, phone);
	app_team_resolve(a, in->team, v->station, team, sizeof(team));
	if (in->team)
		crdt_write_set_text(&w, CRDT_C_VOLUNTEERS_TEAM, *team ? team : NULL);
	if (in->skills)
		crdt_write_set_text(&w, CRDT_C_VOLUNTEERS_SKILLS, *skills ? skills : NULL);
	if (in->status)
		crdt_write_set_text(&w, CRDT_C_VOLUNTEERS_STATUS, in->status);
	if (in->id_number) { /* "" clears it; never a county hash of the number replaced */
		crdt_write_set_text(&w, CRDT_C_VOLUNTEERS_ID_HASH, idn.hash[0] ? idn.hash : NULL);
		crdt_write_set_text(&w, CRDT_C_VOLUNTEERS_ID_LAST4, idn.hash[0] ? idn.last4 : NULL);
		crdt_write_set_text(&w, CRDT_C_VOLUNTEERS_ID_CHASH, idn.chash[0] ? idn.chash : NULL);
	}
	return app_write_fail(a, began, app_commit(a, v->station, &w, 1));
}
