// SPDX-License-Identifier: MIT
/*
 * snapbase.c - STAND-IN for the _base table of log compaction (branch
 * s5-compact, /work/wt/briefs/compact.md), with the same contract, so the
 * snapshot code builds and is tested before that branch lands. Removed
 * when s5-compact is merged (its store.c creates _base at open).
 */
#include <stdio.h>
#include <string.h>

#include "base/err.h"
#include "crdt/crdt_internal.h"

static const char base_sql[] =
	"CREATE TABLE IF NOT EXISTS _base(author INTEGER NOT NULL, scope TEXT NOT NULL,"
	" seq INTEGER NOT NULL, hlc INTEGER NOT NULL, hash BLOB NOT NULL, sig BLOB,"
	" PRIMARY KEY(author, scope)) WITHOUT ROWID;";

int crdt_store_base_get(struct crdt_store *s, const uint8_t author[CRDT_AUTHOR_LEN], const char *scope,
			struct crdt_base *b)
{
	sqlite3_stmt *st;
	uint32_t idx;
	int rc;
	memset(b, 0, sizeof(*b));
	if (!crdt_author_known(s, author, &idx))
		return ERR_NOTFOUND;
	if (sqlite3_prepare_v2(s->db, "SELECT seq, hlc, hash, sig FROM _base WHERE author = ?1 AND scope = ?2",
			       -1, &st, NULL) != SQLITE_OK)
		return ERR_NOTFOUND; /* no table yet */
	sqlite3_bind_int64(st, 1, idx);
	sqlite3_bind_text(st, 2, scope, -1, SQLITE_STATIC);
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW) {
		memcpy(b->author, author, CRDT_AUTHOR_LEN);
		snprintf(b->scope, sizeof(b->scope), "%s", scope);
		b->seq = (uint64_t)sqlite3_column_int64(st, 0);
		b->hlc = (uint64_t)sqlite3_column_int64(st, 1);
		if (sqlite3_column_bytes(st, 2) == 32)
			memcpy(b->hash, sqlite3_column_blob(st, 2), 32);
		if (sqlite3_column_bytes(st, 3) == 64) {
			memcpy(b->sig, sqlite3_column_blob(st, 3), 64);
			b->has_sig = true;
		}
		rc = 0;
	} else {
		rc = rc == SQLITE_DONE ? ERR_NOTFOUND : crdt_sql_rc(rc);
	}
	sqlite3_finalize(st);
	return rc;
}

int crdt_store_base_set(struct crdt_store *s, const struct crdt_base *b)
{
	sqlite3_stmt *st;
	uint32_t idx;
	int rc;
	if (b->seq == 0 || b->seq > INT64_MAX || b->hlc > INT64_MAX || strlen(b->scope) > CRDT_SCOPE_MAX)
		return ERR_USAGE;
	if ((rc = crdt_sql_exec(s, base_sql)) || (rc = crdt_author_index(s, b->author, &idx)))
		return rc;
	if (sqlite3_prepare_v2(s->db,
			       "INSERT INTO _base VALUES(?1, ?2, ?3, ?4, ?5, ?6) ON CONFLICT(author, scope) DO UPDATE"
			       " SET seq = excluded.seq, hlc = excluded.hlc, hash = excluded.hash, sig = excluded.sig"
			       " WHERE excluded.seq > _base.seq",
			       -1, &st, NULL) != SQLITE_OK)
		return ERR_STORAGE;
	sqlite3_bind_int64(st, 1, idx);
	sqlite3_bind_text(st, 2, b->scope, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 3, (sqlite3_int64)b->seq);
	sqlite3_bind_int64(st, 4, (sqlite3_int64)b->hlc);
	sqlite3_bind_blob(st, 5, b->hash, 32, SQLITE_STATIC);
	if (b->has_sig)
		sqlite3_bind_blob(st, 6, b->sig, 64, SQLITE_STATIC);
	else
		sqlite3_bind_null(st, 6);
	rc = sqlite3_step(st);
	sqlite3_finalize(st);
	if (rc != SQLITE_DONE)
		return crdt_sql_rc(rc);
	if (sqlite3_prepare_v2(s->db,
			       "INSERT INTO _heads VALUES(?1, ?2, ?3, ?4) ON CONFLICT(author, scope)"
			       " DO UPDATE SET seq = excluded.seq, hlc = excluded.hlc WHERE excluded.seq > _heads.seq",
			       -1, &st, NULL) != SQLITE_OK)
		return ERR_STORAGE;
	sqlite3_bind_int64(st, 1, idx);
	sqlite3_bind_text(st, 2, b->scope, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 3, (sqlite3_int64)b->seq);
	sqlite3_bind_int64(st, 4, (sqlite3_int64)b->hlc);
	rc = sqlite3_step(st);
	sqlite3_finalize(st);
	return rc == SQLITE_DONE ? 0 : crdt_sql_rc(rc);
}
