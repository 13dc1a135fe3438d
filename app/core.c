// SPDX-License-Identifier: MIT
/*
 * core.c - the open node: home directory, replica, sync context, ids,
 * the write transaction and its commits, county settings, and the record
 * of why a call failed (app.h).
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sqlite3.h>

#include "base/afile.h"
#include "base/err.h"
#include "app/app.h"
#include "app/clock.h"
#include "app/mark.h"

void app_init(struct app *a)
{
	memset(a, 0, sizeof(*a));
}

void app_close(struct app *a)
{
	if (a->writing) /* an operation that failed, or wrote nothing */
		crdt_store_abort(a->store);
	a->writing = false;
	sync_ctx_free(a->sync); /* removes the sealer: before the store goes */
	a->sync = NULL;
	crdt_store_close(a->store);
	a->store = NULL;
	sync_dict_free(a->dict);
	a->dict = NULL;
	sync_identity_release(&a->id);
	app_trust_release(a);
	app_mark_free(a);
}

/* ---- why a call failed --------------------------------------------------- */

static int app_vfail(struct app_fail *f, int rc, enum app_why why, unsigned narg, va_list ap)
{
	memset(f, 0, sizeof(*f));
	f->rc = rc;
	f->why = why;
	for (unsigned i = 0; i < narg && i < APP_FAIL_ARGS; i++) {
		const char *s = va_arg(ap, const char *);
		snprintf(f->arg[i], sizeof(f->arg[i]), "%s", s ? s : "");
		f->narg = i + 1;
	}
	return rc;
}

int app_failf(struct app *a, int rc, enum app_why why, unsigned narg, ...)
{
	va_list ap;
	va_start(ap, narg);
	app_vfail(&a->fail, rc, why, narg, ap);
	va_end(ap);
	return rc;
}

void app_notef(struct app *a, enum app_why why, unsigned narg, ...)
{
	va_list ap;
	va_start(ap, narg);
	app_vfail(&a->note, 0, why, narg, ap);
	va_end(ap);
}

int app_fail_store(struct app *a, int rc)
{
	if (rc == -ENOSPC)
		return app_failf(a, rc, APP_W_DISK_FULL, 1, a->home);
	if (rc == -EBUSY)
		return app_failf(a, rc, APP_W_DB_BUSY, 0);
	return app_failf(a, rc, APP_W_DB_ERROR, 0);
}

void app_fail_clear(struct app *a)
{
	memset(&a->fail, 0, sizeof(a->fail));
}

/* ---- opening --------------------------------------------------------------- */

extern const unsigned char node_dict_v1[];
extern const size_t node_dict_v1_len;

/* The sync context: what this node merges (a station: its own scope and
 * the county-wide one; the hub: everything), carrying the rest to relay. */
static int app_sync_open(struct app *a)
{
	struct sync_options opt;
	int rc;

	memset(&opt, 0, sizeof(opt));
	if ((rc = sync_dict_new(&a->dict, node_dict_v1, node_dict_v1_len)))
		return rc;
	opt.dict = a->dict;
	if (a->hub) {
		opt.apply.all = true;
	} else if ((rc = sync_scopes_add(&opt.apply, a->conf.station)) ||
		   (rc = sync_scopes_add(&opt.apply, ""))) {
		return rc;
	}
	opt.carry_others = true;
	if ((rc = app_trust_open(a, &opt)))
		return rc;
	return sync_ctx_new(&a->sync, a->store, &a->id, &opt);
}

void app_path(const struct app *a, char *out, size_t n, const char *file)
{
	snprintf(out, n, "%s/%s", a->home, file);
}

const char *app_id_prefix(const struct app *a)
{
	return a->hub ? "hub" : a->conf.station;
}

/* Once enrolled, who this node is comes from the county's statement
 * (node.cert), not from node.conf: a file that says another station or
 * role is refused, naming its line, before anything is read or written. */
static int app_conf_agrees(struct app *a, const char *path)
{
	struct sync_statement st;
	char line[16];
	if (!a->cert || sync_statement_decode(a->cert, a->cert_len, &st))
		return 0; /* not enrolled (a bad certificate is refused by sync_ctx_new) */
	const char *role = st.role == SYNC_ROLE_HUB ? "hub" : "station";
	if (strcmp(st.station, a->conf.station) != 0) {
		snprintf(line, sizeof(line), "%d", a->conf.station_line);
		return app_failf(a, ERR_CONFLICT, APP_W_CONF_NOT_STATEMENT, 8, path, line, "station",
				 a->conf.station, "station", st.station, "station", st.station);
	}
	if (strcmp(role, a->conf.role) != 0) {
		snprintf(line, sizeof(line), "%d", a->conf.role_line);
		return app_failf(a, ERR_CONFLICT, APP_W_CONF_NOT_STATEMENT, 8, path, line, "role",
				 a->conf.role, "role", role, "role", role);
	}
	return 0;
}

int app_open(struct app *a)
{
	char path[APP_PATH_MAX + 32];
	int rc;

	if (a->store)
		return 0;
	app_path(a, path, sizeof(path), "node.conf");
	rc = app_conf_read(path, &a->conf);
	if (rc == ERR_NOTFOUND)
		return app_failf(a, rc, APP_W_NO_HOME, 1, a->home);
	if (rc == ERR_USAGE) {
		char line[16];
		snprintf(line, sizeof(line), "%d", a->conf.bad_line);
		return app_failf(a, rc, APP_W_CONF_LINE, 2, path, line);
	}
	if (rc)
		return app_failf(a, rc, APP_W_CONF_BAD, 1, path);
	a->hub = strcmp(a->conf.role, "hub") == 0;
	if ((rc = app_replica_open(a)) || (rc = app_conf_agrees(a, path)) ||
	    (rc = app_mark_check(a))) /* before the write transaction: reads durable M */
		return rc;
	/* A node that learned it was revoked stops syncing and says so. */
	if (a->no_revoked && sync_ctx_revoked(a->sync))
		return app_failf(a, ERR_REVOKED, APP_W_REVOKED, 0);
	if (a->access == APP_WRITES)
		return app_write_begin(a);
	return 0;
}

int app_replica_open(struct app *a)
{
	char path[APP_PATH_MAX + 32];
	int rc;

	app_path(a, path, sizeof(path), "identity.key");
	if (!(rc = sync_init()))
		rc = sync_identity_load(&a->id, path);
	if (rc == ERR_UNAUTH) /* readable by others: sync_identity_load refuses it */
		return app_failf(a, rc, APP_W_KEY_MODE, 2, path, path);
	if (rc)
		return app_failf(a, rc, rc == ERR_NOTFOUND ? APP_W_KEY_MISSING : APP_W_KEY_BAD, 1, path);
	memcpy(a->author, a->id.pk, CRDT_AUTHOR_LEN);
	app_path(a, path, sizeof(path), "replica.db");
	rc = crdt_store_open(&a->store, path, a->author, NULL);
	if (rc && a->access == APP_READS && (app_home_readonly(a) || afile_free_bytes(path) == 0)) {
		/* a home gone read-only, or a full disk: reading goes on */
		const struct crdt_options ro = { .read_only = true };
		if (!crdt_store_open(&a->store, path, a->author, &ro))
			rc = 0;
	}
	if (rc && app_home_readonly(a))
		return app_failf(a, ERR_STORAGE, APP_W_HOME_RO, 1, a->home);
	if (rc && afile_free_bytes(path) == 0) /* SQLite says I/O error when it cannot grow its files */
		return app_failf(a, -ENOSPC, APP_W_DISK_FULL, 1, a->home);
	if (!rc)
		rc = app_sync_open(a);
	if (rc)
		return app_failf(a, rc, APP_W_DB_OPEN, 1, path);
	return 0;
}

/* ---- reading ----------------------------------------------------------------- */

int app_sqlv(struct app *a, sqlite3_stmt **st, const char *sql, va_list ap)
{
	const char *s;
	int i = 1;
	int rc = sqlite3_prepare_v2(crdt_store_db(a->store), sql, -1, st, NULL);
	if (rc != SQLITE_OK) {
		*st = NULL;
		return app_failf(a, ERR_STORAGE, APP_W_DB_ERROR_MSG, 1,
				 sqlite3_errmsg(crdt_store_db(a->store)));
	}
	while ((s = va_arg(ap, const char *)) != NULL)
		sqlite3_bind_text(*st, i++, s, -1, SQLITE_TRANSIENT);
	return 0;
}

int app_sql(struct app *a, sqlite3_stmt **st, const char *sql, ...)
{
	va_list ap;
	va_start(ap, sql);
	int rc = app_sqlv(a, st, sql, ap);
	va_end(ap);
	return rc;
}

/* The first column of the one row sql gives, as an integer or a real. */
static int app_sql_one(struct app *a, int64_t *i, double *d, const char *sql, va_list ap)
{
	sqlite3_stmt *st;
	int rc = app_sqlv(a, &st, sql, ap);
	if (rc)
		return rc;
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW && i)
		*i = sqlite3_column_int64(st, 0);
	if (rc == SQLITE_ROW && d)
		*d = sqlite3_column_double(st, 0);
	sqlite3_finalize(st);
	return rc == SQLITE_ROW ? 0 : app_fail_store(a, ERR_STORAGE);
}

int app_sql_int(struct app *a, int64_t *out, const char *sql, ...)
{
	va_list ap;
	*out = 0;
	va_start(ap, sql);
	int rc = app_sql_one(a, out, NULL, sql, ap);
	va_end(ap);
	return rc;
}

int app_sql_real(struct app *a, double *out, const char *sql, ...)
{
	va_list ap;
	*out = 0;
	va_start(ap, sql);
	int rc = app_sql_one(a, NULL, out, sql, ap);
	va_end(ap);
	return rc;
}

void app_col_text(sqlite3_stmt *st, int i, char *out, size_t n)
{
	const unsigned char *p = sqlite3_column_text(st, i);
	snprintf(out, n, "%s", p ? (const char *)p : "");
}

int app_id_max(struct app *a, const char *table, char letter, int64_t *max)
{
	char prefix[CRDT_SCOPE_MAX + 8], end[CRDT_SCOPE_MAX + 8], sql[256];
	sqlite3_stmt *st;
	int rc;

	*max = 0;
	snprintf(prefix, sizeof(prefix), "%s-%c", app_id_prefix(a), letter);
	snprintf(end, sizeof(end), "%s-%c", app_id_prefix(a), letter + 1);
	/* Tombstones count too: an id is never given out twice. A range of
	 * the primary key (prefix <= pk < the next letter's prefix), so only
	 * this node's ids of this kind are read, by the index. */
	snprintf(sql, sizeof(sql),
		 "SELECT max(CAST(substr(pk, length(?1) + 1) AS INTEGER)) FROM \"%s\""
		 " WHERE pk > ?1 AND pk < ?2 AND substr(pk, length(?1) + 1) NOT GLOB '*[^0-9]*'",
		 table);
	if ((rc = app_sql(a, &st, sql, prefix, end, NULL)))
		return rc;
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW)
		*max = sqlite3_column_int64(st, 0);
	sqlite3_finalize(st);
	/* ... nor an id a lost commit may have carried (mark.c W5) */
	uint64_t floor = app_mark_id_floor(a, letter);
	if (rc == SQLITE_ROW && floor <= INT64_MAX && *max < (int64_t)floor)
		*max = (int64_t)floor;
	return rc == SQLITE_ROW ? 0 : app_fail_store(a, ERR_STORAGE);
}

int app_id_next(struct app *a, const char *table, char letter, char *out, size_t n)
{
	int64_t max;
	int rc = app_id_max(a, table, letter, &max);
	if (!rc)
		snprintf(out, n, "%s-%c%lld", app_id_prefix(a), letter, (long long)(max + 1));
	return rc;
}

/* ---- writing ----------------------------------------------------------------- */

int app_write_begin(struct app *a)
{
	if (a->writing)
		return 0;
	int rc = crdt_store_begin(a->store);
	if (rc)
		return app_fail_store(a, rc);
	a->writing = true;
	return 0;
}

int app_commit_add(struct app *a, const char *scope, const struct crdt_write *w, size_t n)
{
	struct app_mark_undo undo;
	int rc;
	if (!a->clock_ok) { /* before the run's first commit, the HLC too */
		if ((rc = app_clock_check(a)))
			return rc;
		a->clock_ok = true;
	}
	if ((rc = app_mark_reserve(a, scope, w, n, &undo))) /* mark.c W1 */
		return rc;
	struct crdt_commit_info info;
	rc = crdt_commit_local(a->store, a->now_ms, scope, w, n, &info);
	if (rc) {
		app_mark_unreserve(a, &undo);
	} else {
		app_mark_journal(a, scope, info.seq, w, n);
		if (!a->writing)
			app_clock_wrote(a);
	}
	if (rc == ERR_SCHEMA || rc == ERR_TOOBIG) { /* a value the schema refuses */
		app_failf(a, ERR_USAGE, APP_W_BAD_VALUE, 0);
		a->fail.code[0] = rc;
		return ERR_USAGE;
	}
	if (rc)
		return app_fail_store(a, rc);
	return 0;
}

int app_write_end(struct app *a)
{
	if (!a->writing)
		return 0;
	a->writing = false;
	int rc = app_mark_flush(a); /* feed.mark on disk before the commits (W1) */
	if (rc) {
		crdt_store_abort(a->store);
		return rc;
	}
	rc = crdt_store_end(a->store); /* rolls back on failure */
	if (rc)
		return app_fail_store(a, rc);
	app_clock_wrote(a);
	return 0;
}

void app_write_abort(struct app *a)
{
	if (!a->writing)
		return;
	a->writing = false;
	crdt_store_abort(a->store); /* feed.mark keeps what it reserved: ahead of use (W1) */
}

int app_write_fail(struct app *a, bool began, int rc)
{
	if (rc && began)
		app_write_abort(a);
	return rc;
}

int app_commit(struct app *a, const char *scope, const struct crdt_write *w, size_t n)
{
	int rc = app_commit_add(a, scope, w, n);
	return rc ? rc : app_write_end(a);
}

bool app_may_write(const struct app *a, const char *station)
{
	return a->hub || strcmp(station, a->conf.station) == 0;
}

/* ---- settings ---------------------------------------------------------------- */

static const double app_star_default[5] = { 100, 300, 600, 1000, 1500 };

int app_settings_load(struct app *a, struct app_settings *s)
{
	sqlite3_stmt *st;
	char key[64], val[256];
	int rc;

	s->points_per_hour = 10;
	memcpy(s->star_hours, app_star_default, sizeof(s->star_hours));
	if ((rc = app_sql(a, &st, "SELECT pk, value FROM settings_live", NULL)))
		return rc;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		app_col_text(st, 0, key, sizeof(key));
		app_col_text(st, 1, val, sizeof(val));
		if (strcmp(key, "points_per_hour") == 0) {
			double d;
			if (app_parse_real(val, 0, 10000, &d) == 0)
				s->points_per_hour = d;
		} else if (strcmp(key, "star_hours") == 0) {
			double h[5];
			int k = 0;
			char *save = NULL;
			for (char *p = strtok_r(val, ",", &save); p && k < 5; p = strtok_r(NULL, ",", &save))
				if (app_parse_real(p, 0, 1e9, &h[k]) == 0)
					k++;
			if (k == 5)
				memcpy(s->star_hours, h, sizeof(h));
		}
	}
	sqlite3_finalize(st);
	return rc == SQLITE_DONE ? 0 : app_fail_store(a, ERR_STORAGE);
}

int app_stars(const struct app_settings *s, double hours)
{
	int n = 0;
	for (int i = 0; i < 5; i++)
		if (hours >= s->star_hours[i])
			n = i + 1;
	return n;
}
