// SPDX-License-Identifier: MIT
/*
 * compact.c - bases of pruned feeds, what peers acknowledged, and pruning
 * the log down to a base (the mechanics; the rule of what may be pruned
 * is sync/compact.c's).
 *
 * Tables (store.c creates them; both are local and never travel):
 *   _base(author, scope, seq, hlc, hash, sig)  the feed is held from seq + 1
 *       on; commits up to seq were merged and their bodies pruned
 *   _acks(node, author, scope, seq)            the highest seq of each feed
 *       that peer node (its public key) reported holding
 *
 * Invariants:
 *  B1. A base is never lowered, and never lowers the feed's head: setting
 *      one raises _heads to its seq if below, so the version vector, own
 *      sequence numbers (commit.c C3) and everything that reads heads
 *      still count the pruned commits as held.
 *  B2. Commits at or below a base count as held: crdt_store_has,
 *      crdt_log_states (merged) and crdt_apply_remote_ex (returns 1 and
 *      writes nothing).
 *  B3. Pruning deletes only log rows at or below the base it sets, in
 *      the same transaction as the base: a power cut leaves the old log
 *      or the new base with its log, never a log with a hole and no base.
 *  B4. An ack only grows (like a head): a peer's older report never
 *      lowers what it reported before.
 */
#include <errno.h>
#include <string.h>

#include "base/err.h"
#include "base/mem.h"
#include "crdt/crdt_internal.h"

/* The number of author id, without adding it; false when unknown. */
static bool crdt_author_lookup(struct crdt_store *s, const uint8_t id[CRDT_AUTHOR_LEN], uint32_t *idx,
			       int *err)
{
	*err = 0;
	if (crdt_author_known(s, id, idx))
		return true;
	sqlite3_stmt *st = s->st_author_get;
	sqlite3_bind_blob(st, 1, id, CRDT_AUTHOR_LEN, SQLITE_STATIC);
	int rc = sqlite3_step(st);
	*idx = rc == SQLITE_ROW ? (uint32_t)sqlite3_column_int64(st, 0) : 0;
	sqlite3_reset(st);
	if (rc != SQLITE_ROW && rc != SQLITE_DONE)
		*err = crdt_sql_rc(rc);
	return rc == SQLITE_ROW;
}

/* Read the base row of (author idx, scope) into b (seq 0: none). */
static int crdt_base_row(struct crdt_store *s, uint32_t author, const char *scope, struct crdt_base *b)
{
	sqlite3_stmt *st = s->st_base_get;
	sqlite3_bind_int64(st, 1, author);
	sqlite3_bind_text(st, 2, scope, -1, SQLITE_STATIC);
	int rc = sqlite3_step(st);
	b->seq = 0;
	if (rc == SQLITE_ROW) {
		int hl = sqlite3_column_bytes(st, 2), sl = sqlite3_column_bytes(st, 3);
		b->seq = (uint64_t)sqlite3_column_int64(st, 0);
		b->hlc = (uint64_t)sqlite3_column_int64(st, 1);
		if (hl != (int)sizeof(b->hash) || (sl != 0 && sl != (int)sizeof(b->sig))) {
			rc = ERR_CORRUPT;
			b->seq = 0;
			goto out;
		}
		memcpy(b->hash, sqlite3_column_blob(st, 2), sizeof(b->hash));
		b->has_sig = sl == (int)sizeof(b->sig);
		if (b->has_sig)
			memcpy(b->sig, sqlite3_column_blob(st, 3), sizeof(b->sig));
		rc = 0;
	} else {
		rc = rc == SQLITE_DONE ? 0 : crdt_sql_rc(rc);
	}
out:
	sqlite3_reset(st);
	return rc;
}

/* A hub applying a station's chunk asks this once per commit, of the same
 * few feeds: inside a batch (crdt_store_begin/end: one write transaction)
 * the answer is kept (one entry, crdt_store base_*), since nothing else
 * can change _base until the batch ends. */
int crdt_base_seq(struct crdt_store *s, uint32_t author, const char *scope, uint64_t *seq)
{
	bool in_txn = s->depth > 0;
	if (in_txn && s->base_txn == s->txn && s->base_author == author && strcmp(s->base_scope, scope) == 0) {
		*seq = s->base_seq;
		return 0;
	}
	sqlite3_stmt *st = s->st_base_get;
	sqlite3_bind_int64(st, 1, author);
	sqlite3_bind_text(st, 2, scope, -1, SQLITE_STATIC);
	int rc = sqlite3_step(st);
	*seq = rc == SQLITE_ROW ? (uint64_t)sqlite3_column_int64(st, 0) : 0;
	sqlite3_reset(st);
	if (rc != SQLITE_ROW && rc != SQLITE_DONE)
		return crdt_sql_rc(rc);
	if (in_txn && strlen(scope) <= CRDT_SCOPE_MAX) {
		s->base_txn = s->txn;
		s->base_author = author;
		memcpy(s->base_scope, scope, strlen(scope) + 1);
		s->base_seq = *seq;
	}
	return 0;
}

int crdt_store_base_get(struct crdt_store *s, const uint8_t author[CRDT_AUTHOR_LEN], const char *scope,
			struct crdt_base *b)
{
	uint32_t idx;
	int rc;

	memset(b, 0, sizeof(*b));
	if (!crdt_scope_ok(scope))
		return ERR_USAGE;
	memcpy(b->author, author, CRDT_AUTHOR_LEN);
	memcpy(b->scope, scope, strlen(scope) + 1);
	if (!crdt_author_lookup(s, author, &idx, &rc))
		return rc ? rc : ERR_NOTFOUND;
	if ((rc = crdt_base_row(s, idx, scope, b)))
		return rc;
	return b->seq ? 0 : ERR_NOTFOUND;
}

/* Run fn inside the caller's transaction, or in one of its own. */
static int crdt_in_txn(struct crdt_store *s, int (*fn)(struct crdt_store *s, const void *arg), const void *arg)
{
	if (s->depth || !sqlite3_get_autocommit(s->db))
		return fn(s, arg);
	int rc = crdt_stmt_run(s->st_begin);
	if (rc)
		return rc;
	if ((rc = fn(s, arg)) || (rc = crdt_stmt_run(s->st_commit)))
		crdt_stmt_run(s->st_rollback);
	return rc;
}

static int crdt_base_put(struct crdt_store *s, const void *arg)
{
	const struct crdt_base *b = arg;
	uint32_t idx;
	int rc;

	if (s->depth && s->batch_rc)
		return s->batch_rc;
	if ((rc = crdt_author_index(s, b->author, &idx)))
		return rc;
	s->base_txn = 0; /* the cached base may be this one (crdt_base_seq) */
	sqlite3_stmt *st = s->st_base_put; /* B1: only raises */
	sqlite3_bind_int64(st, 1, idx);
	sqlite3_bind_text(st, 2, b->scope, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 3, (sqlite3_int64)b->seq);
	sqlite3_bind_int64(st, 4, (sqlite3_int64)b->hlc);
	sqlite3_bind_blob(st, 5, b->hash, sizeof(b->hash), SQLITE_STATIC);
	if (b->has_sig)
		sqlite3_bind_blob(st, 6, b->sig, sizeof(b->sig), SQLITE_STATIC);
	else
		sqlite3_bind_null(st, 6);
	if ((rc = crdt_stmt_run(st)))
		return rc;
	st = s->st_head_put; /* B1: a base never lowers the head; raises it */
	sqlite3_bind_int64(st, 1, idx);
	sqlite3_bind_text(st, 2, b->scope, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 3, (sqlite3_int64)b->seq);
	sqlite3_bind_int64(st, 4, (sqlite3_int64)b->hlc);
	return crdt_stmt_run(st);
}

int crdt_store_base_set(struct crdt_store *s, const struct crdt_base *b)
{
	if (!b || b->seq == 0 || b->seq > INT64_MAX || b->hlc > INT64_MAX || !crdt_scope_ok(b->scope))
		return ERR_USAGE;
	int rc = crdt_in_txn(s, crdt_base_put, b);
	if (rc && s->depth && !s->batch_rc)
		s->batch_rc = rc;
	return rc;
}

struct crdt_prune_arg {
	const struct crdt_base *b;
	uint64_t n, bytes;
};

static int crdt_prune_txn(struct crdt_store *s, const void *arg)
{
	struct crdt_prune_arg *p = (struct crdt_prune_arg *)arg;
	const struct crdt_base *b = p->b;
	uint32_t idx;
	uint64_t base;
	sqlite3_stmt *st = NULL;
	int rc;

	if (s->depth && s->batch_rc)
		return s->batch_rc;
	if (!crdt_author_lookup(s, b->author, &idx, &rc))
		return rc ? rc : ERR_USAGE;
	if ((rc = crdt_base_seq(s, idx, b->scope, &base)))
		return rc;
	if (b->seq <= base)
		return ERR_USAGE;
	/* one pass over the rows to delete (by the primary key): how many,
	 * their bytes, whether any is not merged; and the feed's newest */
	rc = sqlite3_prepare_v2(s->db,
				"SELECT count(*), total(length(body) + coalesce(length(seal), 0)),"
				" count(carried), (SELECT max(seq) FROM _log WHERE author = ?1 AND scope = ?2)"
				" FROM _log WHERE author = ?1 AND scope = ?2 AND seq <= ?3",
				-1, &st, NULL);
	if (rc != SQLITE_OK)
		return crdt_sql_rc(rc);
	sqlite3_bind_int64(st, 1, idx);
	sqlite3_bind_text(st, 2, b->scope, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 3, (sqlite3_int64)b->seq);
	rc = sqlite3_step(st);
	if (rc != SQLITE_ROW) {
		rc = crdt_sql_rc(rc);
		goto out;
	}
	p->n = (uint64_t)sqlite3_column_int64(st, 0);
	p->bytes = (uint64_t)sqlite3_column_double(st, 1);
	if (sqlite3_column_int64(st, 2) != 0 || sqlite3_column_type(st, 3) == SQLITE_NULL ||
	    (uint64_t)sqlite3_column_int64(st, 3) <= b->seq) {
		rc = ERR_USAGE; /* a carried commit, or the newest: never pruned */
		goto out;
	}
	sqlite3_finalize(st);
	st = NULL;
	rc = sqlite3_prepare_v2(s->db, "DELETE FROM _log WHERE author = ? AND scope = ? AND seq <= ?", -1, &st,
				NULL);
	if (rc != SQLITE_OK) {
		rc = crdt_sql_rc(rc);
		goto out;
	}
	sqlite3_bind_int64(st, 1, idx);
	sqlite3_bind_text(st, 2, b->scope, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 3, (sqlite3_int64)b->seq);
	if ((rc = sqlite3_step(st)) != SQLITE_DONE) {
		rc = crdt_sql_rc(rc);
		goto out;
	}
	rc = crdt_base_put(s, b); /* B3: in the same transaction */
out:
	sqlite3_finalize(st);
	return rc;
}

int crdt_store_prune(struct crdt_store *s, const struct crdt_base *b, uint64_t *n, uint64_t *bytes)
{
	struct crdt_prune_arg p = { b, 0, 0 };
	if (n)
		*n = 0;
	if (bytes)
		*bytes = 0;
	if (!b || b->seq == 0 || b->seq > INT64_MAX || b->hlc > INT64_MAX || !crdt_scope_ok(b->scope))
		return ERR_USAGE;
	int rc = crdt_in_txn(s, crdt_prune_txn, &p);
	if (rc && rc != ERR_USAGE && s->depth && !s->batch_rc)
		s->batch_rc = rc;
	if (!rc) {
		if (n)
			*n = p.n;
		if (bytes)
			*bytes = p.bytes;
	}
	return rc;
}

struct crdt_acks_arg {
	const uint8_t *node;
	const struct crdt_vv_entry *v;
	size_t n;
};

static int crdt_acks_txn(struct crdt_store *s, const void *arg)
{
	const struct crdt_acks_arg *a = arg;
	int rc = 0;
	if (s->depth && s->batch_rc)
		return s->batch_rc;
	for (size_t i = 0; i < a->n && !rc; i++) {
		uint32_t idx;
		if (!a->v[i].seq || a->v[i].seq > INT64_MAX || !crdt_scope_ok(a->v[i].scope))
			continue;
		if (!crdt_author_lookup(s, a->v[i].author, &idx, &rc))
			continue; /* an author this node never held: nothing to prune */
		sqlite3_stmt *st = s->st_ack_put; /* B4: only raises */
		sqlite3_bind_blob(st, 1, a->node, CRDT_AUTHOR_LEN, SQLITE_STATIC);
		sqlite3_bind_int64(st, 2, idx);
		sqlite3_bind_text(st, 3, a->v[i].scope, -1, SQLITE_STATIC);
		sqlite3_bind_int64(st, 4, (sqlite3_int64)a->v[i].seq);
		rc = crdt_stmt_run(st);
	}
	return rc;
}

int crdt_store_acks_put(struct crdt_store *s, const uint8_t node[CRDT_AUTHOR_LEN],
			const struct crdt_vv_entry *v, size_t n)
{
	struct crdt_acks_arg a = { node, v, n };
	if (!n)
		return 0;
	int rc = crdt_in_txn(s, crdt_acks_txn, &a);
	if (rc && s->depth && !s->batch_rc)
		s->batch_rc = rc;
	return rc;
}

int crdt_store_ack_get(struct crdt_store *s, const uint8_t node[CRDT_AUTHOR_LEN],
		       const uint8_t author[CRDT_AUTHOR_LEN], const char *scope, uint64_t *seq)
{
	uint32_t idx;
	int rc;
	*seq = 0;
	if (!crdt_scope_ok(scope))
		return ERR_USAGE;
	if (!crdt_author_lookup(s, author, &idx, &rc))
		return rc;
	sqlite3_stmt *st = s->st_ack_get;
	sqlite3_bind_blob(st, 1, node, CRDT_AUTHOR_LEN, SQLITE_STATIC);
	sqlite3_bind_int64(st, 2, idx);
	sqlite3_bind_text(st, 3, scope, -1, SQLITE_STATIC);
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW)
		*seq = (uint64_t)sqlite3_column_int64(st, 0);
	sqlite3_reset(st);
	return rc == SQLITE_ROW || rc == SQLITE_DONE ? 0 : crdt_sql_rc(rc);
}

int crdt_store_acks_forget(struct crdt_store *s, const uint8_t node[CRDT_AUTHOR_LEN])
{
	sqlite3_stmt *st;
	int rc = sqlite3_prepare_v2(s->db, "DELETE FROM _acks WHERE node = ?", -1, &st, NULL);
	if (rc != SQLITE_OK)
		return crdt_sql_rc(rc);
	sqlite3_bind_blob(st, 1, node, CRDT_AUTHOR_LEN, SQLITE_STATIC);
	rc = sqlite3_step(st);
	sqlite3_finalize(st);
	return rc == SQLITE_DONE ? 0 : crdt_sql_rc(rc);
}

int crdt_store_base_latest(struct crdt_store *s, uint64_t *hlc)
{
	sqlite3_stmt *st;
	*hlc = 0;
	int rc = sqlite3_prepare_v2(s->db, "SELECT max(hlc) FROM _base", -1, &st, NULL);
	if (rc != SQLITE_OK)
		return crdt_sql_rc(rc);
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW)
		*hlc = (uint64_t)sqlite3_column_int64(st, 0);
	sqlite3_finalize(st);
	return rc == SQLITE_ROW ? 0 : crdt_sql_rc(rc);
}
