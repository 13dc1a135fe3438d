// SPDX-License-Identifier: MIT
/*
 * store.c - the replica's SQLite file: schema, log, commits, digest.
 *
 * Tables (docs/replica.md):
 *   <domain table>(pk TEXT PRIMARY KEY, <columns>, _m BLOB, _dead INTEGER,
 *       _scope TEXT) WITHOUT ROWID; _m is the merge metadata (meta.c),
 *       _scope the least scope of the commits that wrote the row (so a
 *       tombstone stays in its station's digest), _dead is 1 for
 *       a tombstone that holds no live value (NULL otherwise).
 *   _log(author, scope, seq, hlc, body)   every commit held, by feed
 *   _authors(idx, id)                     author ids, numbered locally
 *   _meta(k, v)                           hlc, schema version
 *   _conflicts(tbl, pk, ukey, hlc, author, body) losers of append conflicts
 *
 * Checkpoints (the WAL copied into the file) replace SQLite's automatic
 * ones, which ran inside the commit that crossed 1000 WAL pages:
 *  W1. A commit outside a batch that leaves CRDT_WAL_AUTO frames or more is
 *      checkpointed at once (PASSIVE), as SQLite's own would have been.
 *  W2. A batch's commit (crdt_store_end) is not: the checkpoint is left to
 *      crdt_store_checkpoint, which the caller runs after it acknowledged
 *      the batch (the daemon: between loop turns), unless the WAL has
 *      CRDT_WAL_MAX frames or more, when it is checkpointed at once.
 *  W3. A checkpoint never changes what is durable: every commit is synced
 *      in the WAL before it returns (synchronous=FULL), but for a batch of
 *      crdt_store_begin_nowait (commit.c), whose frames the next synced
 *      commit or the checkpoint's own sync of the WAL (it runs with FULL
 *      set again) covers; a checkpoint only copies synced frames into
 *      the file. Closing the store checkpoints what is left (SQLite does,
 *      for the last connection).
 *
 * Transactions: every local commit or remote apply runs in a savepoint;
 * outside crdt_store_begin/end the savepoint is the transaction and its
 * release is the durable commit (WAL, synchronous=FULL). Inside a batch,
 * crdt_row_load/crdt_row_put go through the row cache (rowcache.c) for
 * rows tables, and crdt_row_write is what reaches the file.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/statvfs.h>

#include "base/err.h"
#include "base/mem.h"
#include "base/sha256.h"
#include "base/utf8.h"
#include "crdt/crdt_internal.h"

#define CRDT_SCHEMA_VERSION 1

int crdt_sql_rc(int rc)
{
	switch (rc & 0xff) {
	case SQLITE_NOMEM:
		return -ENOMEM;
	case SQLITE_FULL:
		return -ENOSPC;
	case SQLITE_BUSY:
	case SQLITE_LOCKED:
		return -EBUSY;
	case SQLITE_IOERR:
		return -EIO;
	case SQLITE_CORRUPT:
	case SQLITE_NOTADB:
		return ERR_CORRUPT;
	default:
		return ERR_STORAGE;
	}
}

int crdt_sql_exec(struct crdt_store *s, const char *sql)
{
	int rc = sqlite3_exec(s->db, sql, NULL, NULL, NULL);
	return rc == SQLITE_OK ? 0 : crdt_sql_rc(rc);
}

int crdt_stmt_run(sqlite3_stmt *st)
{
	int rc = sqlite3_step(st);
	sqlite3_reset(st);
	return rc == SQLITE_DONE ? 0 : crdt_sql_rc(rc);
}

static int crdt_prepare(struct crdt_store *s, const char *sql, sqlite3_stmt **st)
{
	int rc = sqlite3_prepare_v3(s->db, sql, -1, SQLITE_PREPARE_PERSISTENT, st, NULL);
	return rc == SQLITE_OK ? 0 : crdt_sql_rc(rc);
}

/* Prepare verb followed by the rest of a statement, "INTO ...". */
static int crdt_prepare_into(struct crdt_store *s, const char *verb, const char *into, sqlite3_stmt **st)
{
	char *sql = sqlite3_mprintf("%s %s", verb, into);
	if (!sql)
		return -ENOMEM;
	int rc = crdt_prepare(s, sql, st);
	sqlite3_free(sql);
	return rc;
}

static const char *crdt_sql_type(enum crdt_type t)
{
	return t == CRDT_INT ? "INTEGER" : t == CRDT_REAL ? "REAL" : "TEXT";
}

static bool crdt_column_exists(struct crdt_store *s, const char *table, const char *col)
{
	return sqlite3_table_column_metadata(s->db, NULL, table, col, NULL, NULL, NULL, NULL, NULL) ==
	       SQLITE_OK;
}

/* Create missing tables and add missing columns: the migration. */
static int crdt_schema_apply(struct crdt_store *s)
{
	struct buf b;
	int rc = 0;
	buf_init(&b, 1 << 16);
	for (size_t i = 0; i < crdt_ntables && !rc; i++) {
		const struct crdt_table *t = &crdt_tables[i];
		if (!t->name) /* an id not assigned (crdt.h) */
			continue;
		buf_reset(&b);
		if (!crdt_column_exists(s, t->name, "pk")) {
			char line[128];
			snprintf(line, sizeof(line), "CREATE TABLE \"%s\"(pk TEXT PRIMARY KEY NOT NULL", t->name);
			buf_put(&b, line, strlen(line));
			for (size_t c = 0; c < t->ncols; c++) {
				snprintf(line, sizeof(line), ", \"%s\" %s", t->cols[c].name,
					 crdt_sql_type(t->cols[c].type));
				buf_put(&b, line, strlen(line));
			}
			static const char tail[] = ", _m BLOB, _dead INTEGER, _scope TEXT) WITHOUT ROWID;";
			buf_put(&b, tail, sizeof(tail));
		} else {
			if (!crdt_column_exists(s, t->name, "_scope")) {
				char line[160];
				snprintf(line, sizeof(line), "ALTER TABLE \"%s\" ADD COLUMN _scope TEXT;", t->name);
				buf_put(&b, line, strlen(line));
			}
			for (size_t c = 0; c < t->ncols; c++) {
				if (crdt_column_exists(s, t->name, t->cols[c].name))
					continue;
				char line[160];
				snprintf(line, sizeof(line), "ALTER TABLE \"%s\" ADD COLUMN \"%s\" %s;", t->name,
					 t->cols[c].name, crdt_sql_type(t->cols[c].type));
				buf_put(&b, line, strlen(line));
			}
			buf_put_u8(&b, 0);
		}
		{
			/* the rows of one scope in pk order, for the scoped digest
			 * (GET /vv?digest at the end of a session) without reading
			 * every row of every table */
			char line[200];
			b.len--; /* drop the NUL to append */
			snprintf(line, sizeof(line), "CREATE INDEX IF NOT EXISTS \"%s__scope\" ON \"%s\"(_scope);",
				 t->name, t->name);
			buf_put(&b, line, strlen(line) + 1);
		}
		if (t->unique_col >= 0) {
			char line[200];
			b.len--; /* drop the NUL to append */
			snprintf(line, sizeof(line),
				 "CREATE UNIQUE INDEX IF NOT EXISTS \"%s_%s\" ON \"%s\"(\"%s\") WHERE \"%s\" IS NOT NULL;",
				 t->name, t->cols[t->unique_col].name, t->name, t->cols[t->unique_col].name,
				 t->cols[t->unique_col].name);
			buf_put(&b, line, strlen(line) + 1);
		}
		rc = b.err ? b.err : crdt_sql_exec(s, (const char *)b.data);
	}
	for (size_t i = 0; i < crdt_nindexes && !rc; i++) {
		const struct crdt_index *x = &crdt_indexes[i];
		char line[256];
		snprintf(line, sizeof(line), "CREATE INDEX IF NOT EXISTS \"%s_by_%s\" ON \"%s\"(\"%s\")%s%s%s;",
			 x->table, x->column, x->table, x->column, x->partial ? " WHERE \"" : "",
			 x->partial ? x->column : "", x->partial ? "\" IS NOT NULL" : "");
		rc = crdt_sql_exec(s, line);
	}
	for (size_t i = 0; i < crdt_nexpr_indexes && !rc; i++) {
		const struct crdt_expr_index *x = &crdt_expr_indexes[i];
		char line[384];
		snprintf(line, sizeof(line), "CREATE INDEX IF NOT EXISTS \"%s_by_%s\" ON \"%s\"(%s);", x->table,
			 x->name, x->table, x->expr);
		rc = crdt_sql_exec(s, line);
	}
	buf_release(&b);
	return rc;
}

/* t_live: the live rows, for readers (docs/replica.md); views of this
 * connection only (TEMP), so no replica file or backup holds one, and a
 * read-only connection has them too. */
static int crdt_live_views(struct crdt_store *s)
{
	int rc = 0;
	for (size_t i = 0; i < crdt_ntables && !rc; i++) {
		char line[200];
		if (!crdt_tables[i].name)
			continue;
		snprintf(line, sizeof(line),
			 "CREATE TEMP VIEW IF NOT EXISTS \"%s_live\" AS SELECT * FROM main.\"%s\" WHERE _dead IS NULL;",
			 crdt_tables[i].name, crdt_tables[i].name);
		rc = crdt_sql_exec(s, line);
	}
	return rc;
}

static int crdt_prepare_table(struct crdt_store *s, const struct crdt_table *t)
{
	struct buf get, put;
	char part[96];
	int rc;
	buf_init(&get, 1 << 14);
	buf_init(&put, 1 << 14);
	buf_put(&get, "SELECT ", 7);
	snprintf(part, sizeof(part), "INTO \"%s\"(pk", t->name);
	buf_put(&put, part, strlen(part));
	for (size_t c = 0; c < t->ncols; c++) {
		snprintf(part, sizeof(part), "\"%s\", ", t->cols[c].name);
		buf_put(&get, part, strlen(part));
		snprintf(part, sizeof(part), ", \"%s\"", t->cols[c].name);
		buf_put(&put, part, strlen(part));
	}
	snprintf(part, sizeof(part), "_m, _scope FROM \"%s\" WHERE pk = ?", t->name);
	buf_put(&get, part, strlen(part) + 1);
	buf_put(&put, ", _m, _dead, _scope) VALUES(?", 29);
	for (size_t c = 0; c < t->ncols + 3; c++)
		buf_put(&put, ", ?", 3);
	buf_put(&put, ")", 2);
	rc = get.err ? get.err : put.err;
	if (!rc)
		rc = crdt_prepare(s, (const char *)get.data, &s->t[t->id].get);
	if (!rc)
		rc = crdt_prepare_into(s, "INSERT OR REPLACE", (const char *)put.data, &s->t[t->id].put);
	/* the same without OR REPLACE: an insert that refuses to displace */
	if (!rc && t->kind == CRDT_KIND_APPEND)
		rc = crdt_prepare_into(s, "INSERT", (const char *)put.data, &s->t[t->id].ins);
	buf_release(&get);
	buf_release(&put);
	if (rc)
		return rc;
	snprintf(part, sizeof(part), "DELETE FROM \"%s\" WHERE pk = ?", t->name);
	if ((rc = crdt_prepare(s, part, &s->t[t->id].del)))
		return rc;
	/* UPDATE t SET c0 = ?2, ..., _m = ?n+2, _dead = ?n+3, _scope = ?n+4
	 * WHERE pk = ?1:
	 * rewrites a row in place, where INSERT OR REPLACE deletes and
	 * inserts it. */
	struct buf upd;
	buf_init(&upd, 1 << 14);
	snprintf(part, sizeof(part), "UPDATE \"%s\" SET ", t->name);
	buf_put(&upd, part, strlen(part));
	for (size_t c = 0; c < t->ncols; c++) {
		snprintf(part, sizeof(part), "\"%s\" = ?%zu, ", t->cols[c].name, c + 2);
		buf_put(&upd, part, strlen(part));
	}
	snprintf(part, sizeof(part), "_m = ?%zu, _dead = ?%zu, _scope = ?%zu WHERE pk = ?1", t->ncols + 2,
		 t->ncols + 3, t->ncols + 4);
	buf_put(&upd, part, strlen(part) + 1);
	rc = upd.err ? upd.err : crdt_prepare(s, (const char *)upd.data, &s->t[t->id].upd);
	buf_release(&upd);
	if (rc)
		return rc;
	if (t->unique_col >= 0) {
		char q[160];
		snprintf(q, sizeof(q), "SELECT pk FROM \"%s\" WHERE \"%s\" = ?", t->name,
			 t->cols[t->unique_col].name);
		rc = crdt_prepare(s, q, &s->t[t->id].bykey);
	}
	return rc;
}

static int crdt_authors_grow(struct crdt_store *s);

int crdt_authors_load(struct crdt_store *s)
{
	sqlite3_stmt *st = s->st_authors_after;
	int rc;
	sqlite3_bind_int64(st, 1, (sqlite3_int64)s->nauthors);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		sqlite3_int64 idx = sqlite3_column_int64(st, 0);
		if (idx != (sqlite3_int64)s->nauthors + 1 || sqlite3_column_bytes(st, 1) != CRDT_AUTHOR_LEN) {
			rc = ERR_CORRUPT;
			goto out;
		}
		if ((rc = crdt_authors_grow(s)))
			goto out;
		memcpy(s->authors[s->nauthors++], sqlite3_column_blob(st, 1), CRDT_AUTHOR_LEN);
	}
	rc = rc == SQLITE_DONE ? 0 : crdt_sql_rc(rc);
out:
	sqlite3_reset(st);
	return rc;
}

static int crdt_authors_grow(struct crdt_store *s)
{
	return MEM_GROW(s->authors, s->authors_cap, s->nauthors + 1);
}

const uint8_t *crdt_author_id(const struct crdt_store *s, uint32_t idx)
{
	return s->authors[idx - 1];
}

static size_t crdt_author_hash(const uint8_t id[CRDT_AUTHOR_LEN], size_t slots)
{
	uint64_t h; /* ids are public keys: their bytes are already spread */
	memcpy(&h, id, sizeof(h));
	return (size_t)(h ^ (h >> 29)) & (slots - 1);
}

static void crdt_author_slot_add(struct crdt_store *s, uint32_t idx)
{
	size_t i = crdt_author_hash(crdt_author_id(s, idx), s->author_slots);
	while (s->author_slot[i])
		i = (i + 1) & (s->author_slots - 1);
	s->author_slot[i] = idx;
}

/* Bring the id hash up to the authors in memory; false when there is no
 * memory for it (then lookups go to SQL). */
static bool crdt_author_hash_sync(struct crdt_store *s)
{
	if (s->nhashed > s->nauthors || s->nauthors * 2 > s->author_slots) {
		/* a power of two, at least twice the authors */
		size_t slots = mem_grow_cap(s->author_slots ? s->author_slots : 256, s->nauthors * 2,
					    sizeof(*s->author_slot));
		if (slots == 0)
			return false;
		if (slots != s->author_slots) {
			uint32_t *p = mem_calloc(slots, sizeof(*p));
			if (!p)
				return false;
			mem_free(s->author_slot);
			s->author_slot = p;
			s->author_slots = slots;
		} else {
			memset(s->author_slot, 0, slots * sizeof(*s->author_slot));
		}
		s->nhashed = 0;
	}
	while (s->nhashed < s->nauthors)
		crdt_author_slot_add(s, (uint32_t)++s->nhashed);
	return true;
}

bool crdt_author_known(struct crdt_store *s, const uint8_t id[CRDT_AUTHOR_LEN], uint32_t *idx)
{
	if (s->last_author_idx && memcmp(s->last_author, id, CRDT_AUTHOR_LEN) == 0) {
		*idx = s->last_author_idx;
		return true;
	}
	if (!crdt_author_hash_sync(s) || !s->author_slots)
		return false;
	for (size_t i = crdt_author_hash(id, s->author_slots); s->author_slot[i];
	     i = (i + 1) & (s->author_slots - 1))
		if (memcmp(crdt_author_id(s, s->author_slot[i]), id, CRDT_AUTHOR_LEN) == 0) {
			*idx = s->author_slot[i];
			return true;
		}
	return false;
}

int crdt_author_index(struct crdt_store *s, const uint8_t id[CRDT_AUTHOR_LEN], uint32_t *idx)
{
	if (crdt_author_known(s, id, idx)) {
		memcpy(s->last_author, id, CRDT_AUTHOR_LEN);
		s->last_author_idx = *idx;
		return 0;
	}
	sqlite3_stmt *st = s->st_author_get;
	sqlite3_bind_blob(st, 1, id, CRDT_AUTHOR_LEN, SQLITE_STATIC);
	int rc = sqlite3_step(st);
	if (rc == SQLITE_ROW)
		*idx = (uint32_t)sqlite3_column_int64(st, 0);
	sqlite3_reset(st);
	if (rc == SQLITE_DONE) {
		if ((rc = crdt_authors_grow(s)))
			return rc;
		st = s->st_author_ins;
		sqlite3_bind_int64(st, 1, (sqlite3_int64)s->nauthors + 1);
		sqlite3_bind_blob(st, 2, id, CRDT_AUTHOR_LEN, SQLITE_STATIC);
		rc = sqlite3_step(st);
		sqlite3_reset(st);
		if (rc != SQLITE_DONE)
			return crdt_sql_rc(rc);
		memcpy(s->authors[s->nauthors++], id, CRDT_AUTHOR_LEN);
		*idx = (uint32_t)s->nauthors;
	} else if (rc != SQLITE_ROW) {
		return crdt_sql_rc(rc);
	}
	memcpy(s->last_author, id, CRDT_AUTHOR_LEN);
	s->last_author_idx = *idx;
	return 0;
}

static int crdt_wal_checkpoint(struct crdt_store *s)
{
	int log = 0, done = 0;
	int rc = sqlite3_wal_checkpoint_v2(s->db, NULL, SQLITE_CHECKPOINT_PASSIVE, &log, &done);
	if (rc == SQLITE_OK && log == done)
		s->wal_frames = 0; /* all copied: the next commit starts the WAL over */
	return rc == SQLITE_OK || rc == SQLITE_BUSY ? 0 : crdt_sql_rc(rc);
}

/* Called by SQLite after every commit, with the frames the WAL holds (W1, W2). */
static int crdt_wal_hook(void *arg, sqlite3 *db, const char *name, int frames)
{
	struct crdt_store *s = arg;
	(void)db;
	(void)name;
	s->wal_frames = frames;
	if (frames >= CRDT_WAL_MAX || (!s->depth && frames >= CRDT_WAL_AUTO))
		crdt_wal_checkpoint(s); /* a failure leaves the frames for the next one */
	return SQLITE_OK;
}

int crdt_store_checkpoint(struct crdt_store *s)
{
	if (s->depth || s->wal_frames < CRDT_WAL_AUTO)
		return 0;
	return crdt_wal_checkpoint(s);
}

static const char crdt_base_sql[] =
	"CREATE TABLE IF NOT EXISTS _meta(k TEXT PRIMARY KEY, v);"
	"CREATE TABLE IF NOT EXISTS _authors(idx INTEGER PRIMARY KEY, id BLOB NOT NULL UNIQUE);"
	"CREATE TABLE IF NOT EXISTS _log(author INTEGER NOT NULL, scope TEXT NOT NULL,"
	" seq INTEGER NOT NULL, hlc INTEGER NOT NULL, body BLOB NOT NULL, seal BLOB, carried INTEGER,"
	" PRIMARY KEY(author, scope, seq)) WITHOUT ROWID;"
	"CREATE TABLE IF NOT EXISTS _conflicts(tbl INTEGER NOT NULL, pk TEXT NOT NULL, ukey TEXT,"
	" hlc INTEGER NOT NULL, author INTEGER NOT NULL, body BLOB NOT NULL, scope TEXT,"
	" PRIMARY KEY(tbl, pk, hlc, author)) WITHOUT ROWID;"
	"CREATE INDEX IF NOT EXISTS _conflicts_ukey ON _conflicts(tbl, ukey) WHERE ukey IS NOT NULL;"
	"CREATE INDEX IF NOT EXISTS _log_held ON _log(carried) WHERE carried = 2;"
	/* local only, never travel (crdt/compact.c): bases of pruned feeds,
	 * and the version vector each peer last reported */
	"CREATE TABLE IF NOT EXISTS _base(author INTEGER NOT NULL, scope TEXT NOT NULL,"
	" seq INTEGER NOT NULL, hlc INTEGER NOT NULL, hash BLOB NOT NULL, sig BLOB,"
	" PRIMARY KEY(author, scope)) WITHOUT ROWID;"
	"CREATE TABLE IF NOT EXISTS _acks(node BLOB NOT NULL, author INTEGER NOT NULL, scope TEXT NOT NULL,"
	" seq INTEGER NOT NULL, PRIMARY KEY(node, author, scope)) WITHOUT ROWID;";

/*
 * The heads of the feeds (H1-H3): the version vector kept as the log grows,
 * so that nothing a sync session asks (a HELLO, a delta, GET /vv) scans
 * _log.
 *  H1. _heads holds one row per (author, scope) that _log holds a commit
 *      of, with the highest seq held and that commit's HLC.
 *  H2. It is kept in the transaction that adds the commits: each commit
 *      added to _log is noted in memory (commit.c, the feed's highest seq
 *      of the transaction), and _heads is written once per feed touched,
 *      before the transaction commits, and before anything reads it;
 *      a rollback forgets the notes. A commit below the head (a range
 *      arriving late) leaves it as it is.
 *  H3. A replica made before _heads is filled from _log once, when it is
 *      first opened by code that knows it (inside the opening
 *      transaction). crdt_store_heads_repair raises every head to the log's
 *      maximum (one pass over _log): `cunlian serve` runs it when it
 *      starts, for commits an older cunlian added to the file since.
 */
static const char crdt_heads_sql[] =
	"CREATE TABLE IF NOT EXISTS _heads(author INTEGER NOT NULL, scope TEXT NOT NULL,"
	" seq INTEGER NOT NULL, hlc INTEGER NOT NULL, PRIMARY KEY(author, scope)) WITHOUT ROWID;"
	"CREATE INDEX IF NOT EXISTS _heads_scope ON _heads(scope);"
	"DROP TRIGGER IF EXISTS _log_head;"; /* kept them in an early build */
static const char crdt_heads_fill_sql[] =
	"INSERT INTO _heads SELECT author, scope, max(seq), hlc FROM _log WHERE true GROUP BY author, scope"
	" ON CONFLICT(author, scope) DO UPDATE SET seq = excluded.seq, hlc = excluded.hlc"
	" WHERE excluded.seq > _heads.seq";

int crdt_store_heads_repair(struct crdt_store *s)
{
	if (s->depth)
		return ERR_USAGE;
	return crdt_sql_exec(s, crdt_heads_fill_sql);
}

static int crdt_store_setup(struct crdt_store *s, const struct crdt_options *opt)
{
	int rc;
	sqlite3_busy_timeout(s->db, CRDT_BUSY_WAIT_MS);
	s->sync_off = opt && opt->no_sync;
	if ((rc = crdt_sql_exec(s, "PRAGMA journal_mode=WAL")) ||
	    (rc = crdt_sql_exec(s, opt && opt->no_sync ? "PRAGMA synchronous=OFF"
						       : "PRAGMA synchronous=FULL")) ||
	    (rc = crdt_sql_exec(s, "PRAGMA foreign_keys=OFF")) ||
	    (rc = crdt_sql_exec(s, "PRAGMA cache_size=-8192")) || /* 8 MiB */
	    (rc = crdt_sql_exec(s, "BEGIN IMMEDIATE")))
		return rc;
	bool had_heads = crdt_column_exists(s, "_heads", "seq");
	if ((rc = crdt_sql_exec(s, crdt_base_sql)) || (rc = crdt_sql_exec(s, crdt_heads_sql)) ||
	    (!had_heads && (rc = crdt_sql_exec(s, crdt_heads_fill_sql))) || /* H3 */
	    (!crdt_column_exists(s, "_conflicts", "scope") &&
	     (rc = crdt_sql_exec(s, "ALTER TABLE _conflicts ADD COLUMN scope TEXT"))) ||
	    (rc = crdt_schema_apply(s)))
		goto fail;
	char sql[160];
	snprintf(sql, sizeof(sql), "INSERT OR REPLACE INTO _meta VALUES('schema', %d);"
		 "INSERT OR IGNORE INTO _meta VALUES('hlc', 0);", CRDT_SCHEMA_VERSION);
	if ((rc = crdt_sql_exec(s, sql)) || (rc = crdt_sql_exec(s, "COMMIT")))
		goto fail;
	return 0;
fail:
	sqlite3_exec(s->db, "ROLLBACK", NULL, NULL, NULL);
	return rc;
}

static int crdt_store_prepare_all(struct crdt_store *s)
{
	int rc;
	if ((rc = crdt_prepare(s, "SELECT idx FROM _authors WHERE id = ?", &s->st_author_get)) ||
	    (rc = crdt_prepare(s, "SELECT idx, id FROM _authors WHERE idx > ? ORDER BY idx",
			       &s->st_authors_after)) ||
	    (rc = crdt_prepare(s, "INSERT INTO _authors VALUES(?, ?)", &s->st_author_ins)) ||
	    (rc = crdt_prepare(s, "SELECT 1 FROM _log WHERE author = ? AND scope = ? AND seq = ?",
			       &s->st_log_has)) ||
	    (rc = crdt_prepare(s, "INSERT OR IGNORE INTO _log VALUES(?, ?, ?, ?, ?, ?, ?)", &s->st_log_ins)) ||
	    (rc = crdt_prepare(s, "SELECT seal FROM _log WHERE author = ? AND scope = ? AND seq = ?",
			       &s->st_log_seal)) ||
	    (rc = crdt_prepare(s, "SELECT carried FROM _log WHERE author = ? AND scope = ? AND seq = ?",
			       &s->st_log_carried)) ||
	    (rc = crdt_prepare(s, "UPDATE _log SET carried = NULL WHERE author = ? AND scope = ? AND seq = ?",
			       &s->st_log_uncarry)) ||
	    (rc = crdt_prepare(s, "SELECT max(seq) FROM _log WHERE author = ? AND scope = ?",
			       &s->st_log_max)) ||
	    (rc = crdt_prepare(s, "INSERT INTO _heads VALUES(?1, ?2, ?3, ?4) ON CONFLICT(author, scope)"
				  " DO UPDATE SET seq = excluded.seq, hlc = excluded.hlc WHERE excluded.seq > seq",
			       &s->st_head_put)) ||
	    (rc = crdt_prepare(s, "SELECT l.seq, l.hlc, l.body, l.seal, l.carried FROM _log l"
				  " JOIN _authors a ON a.idx = l.author"
				  " WHERE a.id = ? AND l.scope = ? AND l.seq > ? AND l.seq <= ? ORDER BY l.seq",
			       &s->st_log_walk)) ||
	    (rc = crdt_prepare(s, "SELECT seq, carried FROM _log WHERE author = ? AND scope = ?"
				  " AND seq >= ? AND seq <= ?",
			       &s->st_log_held)) ||
	    (rc = crdt_prepare(s, "SELECT a.id, l.scope, l.seq, l.hlc, l.body, l.seal, l.author FROM _log l"
				  " JOIN _authors a ON a.idx = l.author WHERE l.carried = 2"
				  " AND (l.hlc, l.author, l.scope, l.seq) > (?2, ?3, ?4, ?5)"
				  " ORDER BY l.hlc, l.author, l.scope, l.seq LIMIT ?1",
			       &s->st_log_held_walk)) ||
	    (rc = crdt_prepare(s, "SELECT seq, hlc, hash, sig FROM _base WHERE author = ? AND scope = ?",
			       &s->st_base_get)) ||
	    (rc = crdt_prepare(s, "INSERT INTO _base VALUES(?1, ?2, ?3, ?4, ?5, ?6) ON CONFLICT(author, scope)"
				  " DO UPDATE SET seq = excluded.seq, hlc = excluded.hlc, hash = excluded.hash,"
				  " sig = excluded.sig WHERE excluded.seq > seq",
			       &s->st_base_put)) ||
	    (rc = crdt_prepare(s, "INSERT INTO _acks VALUES(?1, ?2, ?3, ?4) ON CONFLICT(node, author, scope)"
				  " DO UPDATE SET seq = excluded.seq WHERE excluded.seq > seq",
			       &s->st_ack_put)) ||
	    (rc = crdt_prepare(s, "SELECT seq FROM _acks WHERE node = ? AND author = ? AND scope = ?",
			       &s->st_ack_get)) ||
	    (rc = crdt_prepare(s, "UPDATE _meta SET v = ? WHERE k = 'hlc'", &s->st_meta_put)) ||
	    (rc = crdt_prepare(s, "INSERT OR IGNORE INTO _conflicts VALUES(?, ?, ?, ?, ?, ?, ?)",
			       &s->st_conflict_ins)) ||
	    (rc = crdt_prepare(s, "SELECT hlc, author, body, scope FROM _conflicts WHERE tbl = ? AND pk = ?",
			       &s->st_conf_by_pk)) ||
	    (rc = crdt_prepare(s, "SELECT hlc, author, body, scope FROM _conflicts WHERE tbl = ? AND ukey = ?",
			       &s->st_conf_by_key)) ||
	    (rc = crdt_prepare(s, "BEGIN IMMEDIATE", &s->st_begin)) ||
	    (rc = crdt_prepare(s, "COMMIT", &s->st_commit)) ||
	    (rc = crdt_prepare(s, "ROLLBACK", &s->st_rollback)) ||
	    /* the clock on disk (commit.c C4): _meta's, or this node's own
	     * latest commit's, kept in _heads, whichever is later */
	    (rc = crdt_prepare(s, "SELECT max(coalesce((SELECT v FROM _meta WHERE k = 'hlc'), 0),"
				  " coalesce((SELECT max(hlc) FROM _heads WHERE author = ?1), 0))",
			       &s->st_meta_hlc)) ||
	    (rc = crdt_prepare(s, "SELECT 1 FROM _conflicts LIMIT 1", &s->st_conf_any)) ||
	    (rc = crdt_prepare(s, "DELETE FROM _conflicts WHERE tbl = ? AND pk = ? AND hlc = ? AND author = ?",
			       &s->st_conf_del)))
		return rc;
	for (size_t i = 0; i < crdt_ntables; i++)
		if (crdt_tables[i].name && (rc = crdt_prepare_table(s, &crdt_tables[i])))
			return rc;
	return 0;
}

static int crdt_meta_int(struct crdt_store *s, const char *key, sqlite3_int64 *out)
{
	sqlite3_stmt *st;
	int rc = crdt_prepare(s, "SELECT v FROM _meta WHERE k = ?", &st);
	if (rc)
		return rc;
	sqlite3_bind_text(st, 1, key, -1, SQLITE_STATIC);
	rc = sqlite3_step(st);
	*out = rc == SQLITE_ROW ? sqlite3_column_int64(st, 0) : 0;
	sqlite3_finalize(st);
	return rc == SQLITE_ROW || rc == SQLITE_DONE ? 0 : crdt_sql_rc(rc);
}

/* "file:" URI of path with the query q ('%', '?' and '#' escaped). */
static void crdt_uri(const char *path, const char *q, char *out, size_t n)
{
	size_t k = (size_t)snprintf(out, n, "file:");
	for (const char *c = path; *c && k + 4 < n; c++)
		k += *c == '%' || *c == '?' || *c == '#' ? (size_t)snprintf(out + k, n - k, "%%%02X", (unsigned char)*c)
							 : (size_t)snprintf(out + k, n - k, "%c", *c);
	snprintf(out + k, n - k, "?%s", q);
}

/* Open uri with flags (and pragma) and read its schema (opening is lazy). */
static int crdt_open_as(sqlite3 **db, const char *uri, int flags, const char *pragma)
{
	sqlite3_close(*db);
	*db = NULL;
	int rc = sqlite3_open_v2(uri, db, flags | SQLITE_OPEN_URI | SQLITE_OPEN_NOMUTEX, NULL);
	if (rc == SQLITE_OK && pragma)
		rc = sqlite3_exec(*db, pragma, NULL, NULL, NULL);
	if (rc == SQLITE_OK)
		rc = sqlite3_exec(*db, "SELECT count(*) FROM sqlite_master", NULL, NULL, NULL);
	return rc;
}

/* The replica at path where nothing may be written (crdt.h). */
static int crdt_open_ro(sqlite3 **db, const char *path)
{
	char uri[3 * 1024 + 64], wal[1024 + 8];
	struct statvfs vs;
	struct stat sb;
	bool ro = statvfs(path, &vs) == 0 && (vs.f_flag & ST_RDONLY);
	if (strlen(path) > 1024)
		return SQLITE_CANTOPEN;
	crdt_uri(path, "mode=ro", uri, sizeof(uri));
	int rc = crdt_open_as(db, uri, SQLITE_OPEN_READONLY, NULL);
	snprintf(wal, sizeof(wal), "%s-wal", path);
	if ((rc & 0xff) == SQLITE_CANTOPEN && ro && stat(wal, &sb) < 0) {
		/* nothing can write there, and no WAL is left: the file is all */
		crdt_uri(path, "immutable=1", uri, sizeof(uri));
		return crdt_open_as(db, uri, SQLITE_OPEN_READONLY, NULL);
	}
	if (((rc & 0xff) == SQLITE_IOERR || (rc & 0xff) == SQLITE_FULL) && !ro) {
		crdt_uri(path, "mode=rw", uri, sizeof(uri));
		return crdt_open_as(db, uri, SQLITE_OPEN_READWRITE, "PRAGMA locking_mode=EXCLUSIVE");
	}
	return rc;
}

int crdt_store_open(struct crdt_store **out, const char *path,
		    const uint8_t self[CRDT_AUTHOR_LEN], const struct crdt_options *opt)
{
	bool ro = opt && opt->read_only;
	struct crdt_store *s;
	sqlite3_int64 hlc, version;
	int rc;

	*out = NULL;
	if (crdt_ntables > CRDT_TABLES_MAX)
		return ERR_SCHEMA;
	s = mem_calloc(1, sizeof(*s));
	if (!s)
		return -ENOMEM;
	buf_init(&s->scratch, CRDT_BODY_MAX + 1024);
	buf_init(&s->seal, 1 << 16);
	buf_init(&s->metabuf, CRDT_META_MAX);
	buf_init(&s->sealed_body, CRDT_BODY_MAX + 1024);
	memcpy(s->self, self, CRDT_AUTHOR_LEN);
	s->clock.max_ahead_ms = opt && opt->max_ahead_ms ? opt->max_ahead_ms : CRDT_DEFAULT_MAX_AHEAD_MS;
	rc = ro ? crdt_open_ro(&s->db, path)
		: sqlite3_open_v2(path, &s->db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX, NULL);
	if (rc != SQLITE_OK) {
		rc = s->db ? crdt_sql_rc(rc) : -ENOMEM;
		goto fail;
	}
	sqlite3_extended_result_codes(s->db, 1);
	sqlite3_wal_hook(s->db, crdt_wal_hook, s); /* in place of the automatic checkpoint */
	version = 0;
	if (crdt_column_exists(s, "_meta", "k") && (rc = crdt_meta_int(s, "schema", &version)) == 0 &&
	    version > CRDT_SCHEMA_VERSION)
		rc = ERR_SCHEMA; /* written by a newer cunlian: do not touch */
	if (!rc && ro && version != CRDT_SCHEMA_VERSION)
		rc = ERR_SCHEMA; /* to be migrated, which takes writing */
	if (!rc && ro)
		sqlite3_busy_timeout(s->db, CRDT_BUSY_WAIT_MS);
	if (rc || (!ro && (rc = crdt_store_setup(s, opt))) || (rc = crdt_live_views(s)) ||
	    (rc = crdt_store_prepare_all(s)) ||
	    (rc = crdt_authors_load(s)) || (!ro && (rc = crdt_author_index(s, self, &s->self_idx))) ||
	    (rc = crdt_meta_int(s, "hlc", &hlc)))
		goto fail;
	if (ro && !crdt_author_known(s, self, &s->self_idx))
		s->self_idx = 0; /* never wrote here: no own commit matches */
	s->clock.last = (uint64_t)hlc;
	if ((rc = crdt_clock_disk(s)))
		goto fail;
	*out = s;
	return 0;
fail:
	crdt_store_close(s);
	return rc;
}

void crdt_store_close(struct crdt_store *s)
{
	if (!s)
		return;
	sqlite3_stmt *st = NULL;
	if (s->db) {
		while ((st = sqlite3_next_stmt(s->db, NULL)) != NULL)
			sqlite3_finalize(st);
		sqlite3_close(s->db);
	}
	mem_free(s->component.c);
	buf_release(&s->scratch);
	buf_release(&s->seal);
	buf_release(&s->metabuf);
	buf_release(&s->sealed_body);
	mem_free(s->authors);
	mem_free(s->author_slot);
	mem_free(s->heads);
	crdt_cache_free(s);
	mem_free(s);
}

struct sqlite3 *crdt_store_db(struct crdt_store *s)
{
	/* a reader must see the batch's rows (rowcache.c K4); a failure to
	 * write them back spoils the batch like any storage failure in it */
	int rc = s->depth ? crdt_cache_flush(s) : 0;
	if (!rc && s->nheads)
		rc = crdt_heads_flush(s); /* and _heads (H2) */
	if (rc && !s->batch_rc)
		s->batch_rc = rc;
	return s->db;
}

uint64_t crdt_store_hlc(const struct crdt_store *s)
{
	return s->clock.last;
}

/* ---- rows ------------------------------------------------------------ */

static int crdt_row_select(struct crdt_store *s, const struct crdt_table *t, const char *pk,
			   size_t pk_len, struct crdt_row *r);

/* Inside a batch a row of a rows table comes from the row cache, or from
 * the file and then into the cache (rowcache.c). */
int crdt_row_load(struct crdt_store *s, const struct crdt_table *t, const char *pk, size_t pk_len,
		  struct crdt_row *r)
{
	if (!crdt_cache_on(s, t))
		return crdt_row_select(s, t, pk, pk_len, r);
	const struct crdt_cached *e = crdt_cache_find(s, t, pk, pk_len);
	if (e)
		return crdt_cache_get(s, t, e, r);
	int rc = crdt_row_select(s, t, pk, pk_len, r);
	return rc ? rc : crdt_cache_put(s, t, pk, pk_len, r, false);
}

static int crdt_row_select(struct crdt_store *s, const struct crdt_table *t, const char *pk,
			   size_t pk_len, struct crdt_row *r)
{
	sqlite3_stmt *st = s->t[t->id].get;
	int rc;
	sqlite3_bind_text(st, 1, pk, (int)pk_len, SQLITE_STATIC);
	rc = sqlite3_step(st);
	r->exists = rc == SQLITE_ROW;
	r->m.n = 0;
	r->has_scope = false;
	r->scope[0] = '\0';
	if (rc != SQLITE_ROW && rc != SQLITE_DONE) {
		rc = crdt_sql_rc(rc);
		goto out;
	}
	for (unsigned c = 0; c < t->ncols; c++) {
		struct crdt_value *v = &r->v[c];
		v->type = CRDT_NULL;
		if (!r->exists)
			continue;
		switch (sqlite3_column_type(st, (int)c)) {
		case SQLITE_INTEGER:
			v->type = CRDT_INT;
			v->i = sqlite3_column_int64(st, (int)c);
			break;
		case SQLITE_FLOAT:
			v->type = CRDT_REAL;
			v->r = sqlite3_column_double(st, (int)c);
			break;
		case SQLITE_TEXT: {
			const unsigned char *p = sqlite3_column_text(st, (int)c);
			size_t n = (size_t)sqlite3_column_bytes(st, (int)c);
			if (n > CRDT_TEXT_MAX) {
				rc = ERR_CORRUPT;
				goto out;
			}
			memcpy(r->text[c], p, n);
			v->type = CRDT_TEXT;
			v->s = r->text[c];
			v->len = n;
			break;
		}
		default:
			break;
		}
		if (v->type == CRDT_INT && t->cols[c].type == CRDT_REAL) {
			v->type = CRDT_REAL; /* SQLite stores integral REALs as integers */
			v->r = (double)v->i;
		}
	}
	if (r->exists) {
		const void *m = sqlite3_column_blob(st, (int)t->ncols);
		int n = sqlite3_column_bytes(st, (int)t->ncols);
		rc = n > CRDT_META_MAX ? ERR_CORRUPT : crdt_meta_decode(&r->m, m, (size_t)n);
		const unsigned char *sc = sqlite3_column_text(st, (int)t->ncols + 1);
		size_t sl = (size_t)sqlite3_column_bytes(st, (int)t->ncols + 1);
		if (sc && sl <= CRDT_SCOPE_MAX) {
			memcpy(r->scope, sc, sl);
			r->scope[sl] = '\0';
			r->has_scope = true;
		} else if (sc) {
			rc = ERR_CORRUPT;
		}
		for (size_t i = 0; i < r->m.n && !rc; i++)
			if (r->m.g[i].author == 0 || r->m.g[i].author > s->nauthors)
				rc = ERR_CORRUPT;
		if (rc)
			goto out;
	}
	rc = 0;
out:
	sqlite3_reset(st);
	return rc;
}

int crdt_row_text(struct crdt_store *s, unsigned table, const char *pk, size_t pk_len,
		  unsigned col, char *out, size_t cap)
{
	const struct crdt_table *t = crdt_schema_table(table);
	sqlite3_stmt *st;
	int rc;

	if (cap)
		out[0] = '\0';
	if (!t || col >= t->ncols || !cap || pk_len > CRDT_PK_MAX)
		return ERR_USAGE;
	const struct crdt_cached *e = crdt_cache_find(s, t, pk, pk_len);
	if (e) { /* the row as this batch left it */
		const struct crdt_value *v = &e->v[col];
		if (!e->exists || v->type != CRDT_TEXT)
			return ERR_NOTFOUND;
		if (v->len >= cap)
			return ERR_TOOBIG;
		memcpy(out, v->s, v->len);
		out[v->len] = '\0';
		return 0;
	}
	st = s->t[t->id].get;
	sqlite3_bind_text(st, 1, pk, (int)pk_len, SQLITE_STATIC);
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW && sqlite3_column_type(st, (int)col) == SQLITE_TEXT) {
		const unsigned char *p = sqlite3_column_text(st, (int)col);
		size_t n = (size_t)sqlite3_column_bytes(st, (int)col);
		if (n < cap) {
			memcpy(out, p, n);
			out[n] = '\0';
			rc = 0;
		} else {
			rc = ERR_TOOBIG;
		}
	} else {
		rc = rc == SQLITE_ROW || rc == SQLITE_DONE ? ERR_NOTFOUND : crdt_sql_rc(rc);
	}
	sqlite3_reset(st);
	return rc;
}

int crdt_row_put(struct crdt_store *s, const struct crdt_table *t, const char *pk, size_t pk_len,
		 const struct crdt_row *r)
{
	struct buf *b = &s->metabuf;

	if (crdt_cache_on(s, t))
		return crdt_cache_put(s, t, pk, pk_len, r, true);
	buf_reset(b);
	crdt_meta_encode(&r->m, b);
	if (b->err)
		return b->err;
	return crdt_row_write(s, t, pk, pk_len, r->v, b->data, b->len, !crdt_meta_live(&r->m),
			      r->has_scope ? r->scope : NULL, r->exists);
}

/* Bind the columns cols (CRDT_CHG_* bits) of a row to put, upd, ins or
 * an UPDATE of crdt_row_write_cols, and its pk: ?1 the pk, ?c+2 column c,
 * then _m, _dead, _scope (every statement numbers them so). */
static void crdt_row_bind(sqlite3_stmt *st, const struct crdt_table *t, const char *pk, size_t pk_len,
			  const struct crdt_value *v, const uint8_t *m, size_t m_len, bool dead,
			  const char *scope, uint32_t cols)
{
	sqlite3_bind_text(st, 1, pk, (int)pk_len, SQLITE_STATIC);
	for (unsigned c = 0; c < t->ncols; c++) {
		int i = (int)c + 2;
		if (!(cols & ((uint32_t)1 << c)))
			continue;
		switch (v[c].type) {
		case CRDT_NULL:
			sqlite3_bind_null(st, i);
			break;
		case CRDT_INT:
			sqlite3_bind_int64(st, i, v[c].i);
			break;
		case CRDT_REAL:
			sqlite3_bind_double(st, i, v[c].r);
			break;
		case CRDT_TEXT:
			sqlite3_bind_text(st, i, v[c].s, (int)v[c].len, SQLITE_STATIC);
			break;
		}
	}
	if (cols & CRDT_CHG_M)
		sqlite3_bind_blob(st, (int)t->ncols + 2, m, (int)m_len, SQLITE_STATIC);
	if (cols & CRDT_CHG_DEAD) {
		if (dead)
			sqlite3_bind_int(st, (int)t->ncols + 3, 1);
		else
			sqlite3_bind_null(st, (int)t->ncols + 3);
	}
	if (cols & CRDT_CHG_SCOPE) {
		if (scope)
			sqlite3_bind_text(st, (int)t->ncols + 4, scope, -1, SQLITE_STATIC);
		else
			sqlite3_bind_null(st, (int)t->ncols + 4);
	}
}

int crdt_row_write(struct crdt_store *s, const struct crdt_table *t, const char *pk, size_t pk_len,
		   const struct crdt_value *v, const uint8_t *m, size_t m_len, bool dead,
		   const char *scope, bool in_file)
{
	sqlite3_stmt *st = in_file ? s->t[t->id].upd : s->t[t->id].put;
	int rc;

	crdt_digest_forget(s, scope);
	crdt_row_bind(st, t, pk, pk_len, v, m, m_len, dead, scope, CRDT_CHG_ALL(t));
	rc = sqlite3_step(st);
	sqlite3_reset(st);
	if (rc != SQLITE_DONE)
		return crdt_sql_rc(rc);
	/* an UPDATE that found no row would lose the write */
	return in_file && sqlite3_changes(s->db) != 1 ? ERR_CORRUPT : 0;
}

/* UPDATE t SET <the columns of cols> WHERE pk = ?1, numbered as
 * crdt_row_bind binds them: SQLite then rewrites only the indexes on those
 * columns (an order's status leaves its _scope, station and list indexes
 * alone). Prepared once per (table, cols) and kept (CRDT_UPD_STMTS). */
static int crdt_upd_stmt(struct crdt_store *s, const struct crdt_table *t, uint32_t cols, sqlite3_stmt **out)
{
	static const struct {
		uint32_t bit;
		const char *name;
	} meta[] = { { CRDT_CHG_M, "_m" }, { CRDT_CHG_DEAD, "_dead" }, { CRDT_CHG_SCOPE, "_scope" } };
	struct crdt_upd_stmt *u = NULL;
	struct buf sql;
	char part[96];
	int rc;

	s->upd_clock++;
	for (size_t i = 0; i < CRDT_UPD_STMTS; i++) {
		struct crdt_upd_stmt *x = &s->upd[i];
		if (x->st && x->table == t->id && x->cols == cols) {
			x->used = s->upd_clock;
			*out = x->st;
			return 0;
		}
		if (!u || (u->st && (!x->st || x->used < u->used)))
			u = x; /* a free slot, else the least recently used */
	}
	buf_init(&sql, 1 << 12);
	snprintf(part, sizeof(part), "UPDATE \"%s\" SET ", t->name);
	buf_put(&sql, part, strlen(part));
	for (size_t c = 0; c < t->ncols; c++) {
		if (!(cols & ((uint32_t)1 << c)))
			continue;
		snprintf(part, sizeof(part), "\"%s\" = ?%zu, ", t->cols[c].name, c + 2);
		buf_put(&sql, part, strlen(part));
	}
	for (size_t i = 0; i < sizeof(meta) / sizeof(meta[0]); i++) { /* numbered after the columns */
		if (!(cols & meta[i].bit))
			continue;
		snprintf(part, sizeof(part), "%s = ?%zu, ", meta[i].name, t->ncols + 2 + i);
		buf_put(&sql, part, strlen(part));
	}
	sql.len -= 2; /* the last ", " (cols is not 0) */
	buf_put(&sql, " WHERE pk = ?1", 15);
	rc = sql.err;
	sqlite3_finalize(u->st);
	u->st = NULL;
	if (!rc)
		rc = crdt_prepare(s, (const char *)sql.data, &u->st);
	buf_release(&sql);
	if (rc)
		return rc;
	u->table = (uint8_t)t->id;
	u->cols = cols;
	u->used = s->upd_clock;
	*out = u->st;
	return 0;
}

int crdt_row_write_cols(struct crdt_store *s, const struct crdt_table *t, const char *pk, size_t pk_len,
			const struct crdt_value *v, const uint8_t *m, size_t m_len, bool dead,
			const char *scope, uint32_t cols)
{
	sqlite3_stmt *st;
	int rc;

	if (!cols || (cols & ~CRDT_CHG_ALL(t)))
		return ERR_USAGE;
	if ((rc = crdt_upd_stmt(s, t, cols, &st)))
		return rc;
	crdt_digest_forget(s, scope);
	crdt_row_bind(st, t, pk, pk_len, v, m, m_len, dead, scope, cols);
	rc = sqlite3_step(st);
	sqlite3_reset(st);
	if (rc != SQLITE_DONE)
		return crdt_sql_rc(rc);
	return sqlite3_changes(s->db) != 1 ? ERR_CORRUPT : 0; /* as crdt_row_write */
}

int crdt_row_insert_new(struct crdt_store *s, const struct crdt_table *t, const char *pk, size_t pk_len,
			const struct crdt_row *r)
{
	struct buf *b = &s->metabuf;
	sqlite3_stmt *st = s->t[t->id].ins;
	int rc;

	if (!st)
		return ERR_USAGE;
	buf_reset(b);
	crdt_meta_encode(&r->m, b);
	if (b->err)
		return b->err;
	crdt_digest_forget(s, r->has_scope ? r->scope : NULL);
	crdt_row_bind(st, t, pk, pk_len, r->v, b->data, b->len, !crdt_meta_live(&r->m),
		      r->has_scope ? r->scope : NULL, CRDT_CHG_ALL(t));
	rc = sqlite3_step(st);
	sqlite3_reset(st);
	if (rc == SQLITE_DONE)
		return 0;
	/* a row holds the pk or the unique key: the statement changed nothing */
	return (rc & 0xff) == SQLITE_CONSTRAINT ? 1 : crdt_sql_rc(rc);
}
