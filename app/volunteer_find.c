// SPDX-License-Identifier: MIT
/*
 * volunteer_find.c - the volunteer a person names: an id, a phone number
 * or a name (find.h).
 *
 * Rules, tried in order; the first that matches anyone decides:
 *  F1. an id of a live volunteer held here;
 *  F2. a visiting volunteer's id (below), never at the hub;
 *  F3. a phone number: what was typed, spaces and dashes dropped, equal to
 *      a live volunteer's phone (stored that way by volunteer add);
 *  F4. a name equal to a live volunteer's name.
 * Invariants:
 *  F5. Several matches are never narrowed by a guess (the first, the
 *      active one ...): the person picks by id from the candidates.
 *  F6. Reads only, and at most APP_FIND_MAX candidates are copied; the
 *      count is exact.
 *
 * A visiting volunteer is "<station>-v<n>" of another station this node
 * knows (stations_live), whose record a station does not hold: a station
 * holds only its own volunteers, but may dispatch any (order.c O5).
 */
#include <string.h>
#include <sqlite3.h>

#include "base/err.h"
#include "app/find.h"

static void app_hit_read(sqlite3_stmt *st, struct app_volunteer_hit *h)
{
	memset(h, 0, sizeof(*h));
	app_col_text(st, 0, h->id, sizeof(h->id));
	app_col_text(st, 1, h->name, sizeof(h->name));
	app_col_text(st, 2, h->phone, sizeof(h->phone));
	app_col_text(st, 3, h->station, sizeof(h->station));
	app_col_text(st, 4, h->status, sizeof(h->status));
	app_phone_mask(h->phone, h->phone_masked, sizeof(h->phone_masked));
}

/* Live volunteers whose column (pk, phone or name) is value, by id. */
static int app_find_by(struct app *a, const char *col, const char *value,
		       struct app_volunteer_found *out)
{
	char sql[160];
	sqlite3_stmt *st;
	int rc;
	snprintf(sql, sizeof(sql),
		 "SELECT pk, name, phone, station, status FROM volunteers_live WHERE %s = ?1"
		 " ORDER BY station, CAST(substr(pk, instr(pk, '-v') + 2) AS INTEGER), pk",
		 col);
	if ((rc = app_sql(a, &st, sql, value, NULL)))
		return rc;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		if (out->shown < APP_FIND_MAX)
			app_hit_read(st, &out->c[out->shown++]);
		out->n++;
	}
	sqlite3_finalize(st);
	return rc == SQLITE_DONE ? 0 : app_fail_store(a, ERR_STORAGE);
}

/* F2: is id a visiting volunteer's? Their home station into h. */
static int app_find_visiting(struct app *a, const char *id, struct app_volunteer_hit *h, bool *yes)
{
	const char *v = strrchr(id, '-');
	size_t len = v ? (size_t)(v - id) : 0;
	sqlite3_stmt *st;
	int rc;

	*yes = false;
	if (a->hub || !v || v[1] != 'v' || !v[2] || strspn(v + 2, "0123456789") != strlen(v + 2) ||
	    len == 0 || len > CRDT_SCOPE_MAX || strlen(id) > APP_ID_MAX)
		return 0;
	memset(h, 0, sizeof(*h));
	memcpy(h->station, id, len);
	if (strcmp(h->station, a->conf.station) == 0)
		return 0;
	if ((rc = app_sql(a, &st, "SELECT 1 FROM stations_live WHERE pk = ?1", h->station, NULL)))
		return rc;
	rc = sqlite3_step(st);
	sqlite3_finalize(st);
	if (rc != SQLITE_ROW && rc != SQLITE_DONE)
		return app_fail_store(a, ERR_STORAGE);
	if (rc == SQLITE_ROW) {
		snprintf(h->id, sizeof(h->id), "%s", id);
		h->visiting = true;
		*yes = true;
	}
	return 0;
}

int app_volunteer_find(struct app *a, const char *who, struct app_volunteer_found *out)
{
	char phone[64];
	bool visiting;
	int rc;

	memset(out, 0, sizeof(*out));
	if (!who || !*who)
		return app_failf(a, ERR_USAGE, APP_W_WHO_EMPTY, 0);
	if (!app_text_ok(who, APP_NAME_MAX))
		return app_failf(a, ERR_NOTFOUND, APP_W_VOLUNTEER_NOT_FOUND, 1, who ? who : "");
	if ((rc = app_find_by(a, "pk", who, out)) || out->n) /* F1 */
		goto out;
	if ((rc = app_find_visiting(a, who, &out->c[0], &visiting))) /* F2 */
		goto out;
	if (visiting) {
		out->n = out->shown = 1;
		return 0;
	}
	if (app_phone_ok(who)) { /* F3 */
		app_phone_norm(who, phone, sizeof(phone));
		if ((rc = app_find_by(a, "phone", phone, out)) || out->n)
			goto out;
	}
	rc = app_find_by(a, "name", who, out); /* F4 */
out:
	if (rc) {
		memset(out, 0, sizeof(*out));
		return rc;
	}
	if (out->n == 0)
		return app_failf(a, ERR_NOTFOUND, APP_W_VOLUNTEER_NOT_FOUND, 1, who);
	if (out->n > 1) { /* F5 */
		char count[24];
		snprintf(count, sizeof(count), "%zu", out->n);
		return app_failf(a, ERR_RULE, APP_W_VOLUNTEER_AMBIGUOUS, 2, who, count);
	}
	return 0;
}

int app_volunteer_find_held(struct app *a, const char *who, struct app_volunteer_found *out)
{
	int rc = app_volunteer_find(a, who, out);
	if (rc == 0 && out->c[0].visiting) {
		struct app_volunteer_hit h = out->c[0];
		memset(out, 0, sizeof(*out));
		return app_failf(a, ERR_NOTFOUND, APP_W_VOLUNTEER_VISITING, 3, h.id, h.station,
				 h.station);
	}
	return rc;
}
