// SPDX-License-Identifier: MIT
/*
 * commit.c - local commits, remote applies, the log, version vectors and
 * the digest.
 *
 * Invariants:
 *  C1. A commit is applied whole or not at all (one savepoint), and its
 *      log row is written in the same savepoint: the log holds exactly the
 *      commits whose writes the tables reflect.
 *  C2. (author, scope, seq) identifies a commit; applying one already in
 *      the log is a no-op that returns 1.
 *  C3. A local commit takes seq = the largest seq of (self, scope) + 1 and
 *      a fresh HLC; both are on disk before the call returns, so a node
 *      never issues the same seq or HLC twice, across power cuts too.
 *  C4. The clock on disk is the later of _meta 'hlc' and the HLC of this
 *      node's latest own commit (its feeds' heads, _heads); a transaction
 *      that moved the clock past both writes _meta 'hlc' in it, one whose
 *      clock is its own newest commit's (every local commit) leaves _meta
 *      alone: that HLC is on disk in _heads already, one page fewer per
 *      local commit. In memory the clock may run ahead (observed clocks
 *      of a rolled back transaction), which only makes later clocks
 *      larger.
 *  C5. Inside a batch, rows of rows tables may live in the row cache
 *      (rowcache.c) until crdt_store_end writes them back, before the
 *      COMMIT; so C1 holds of the transaction as committed. A failure to
 *      write them back spoils the batch like any storage failure in it.
 *  C6. A batch is durable when crdt_store_end's COMMIT returns (the WAL
 *      is synced); copying the WAL into the file is left to
 *      crdt_store_checkpoint, after the caller acknowledged (store.c W2).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/err.h"
#include "base/mem.h"
#include "base/sha256.h"
#include "base/utf8.h"
#include "crdt/crdt_internal.h"

/*
 * One commit's transaction. Outside crdt_store_begin/end it is a savepoint
 * that is the whole transaction. Inside a batch there is none: checks that
 * can refuse a commit all run before its first write, so what can still
 * fail is the storage itself, and then the batch is spoiled (batch_rc) and
 * crdt_store_end rolls all of it back: nothing of it was acknowledged.
 */
/*
 * Other processes (the daemon and the command line) may write the same
 * file between two transactions: at the start of each, take in the clock
 * they persisted and the authors they numbered.
 */
int crdt_clock_disk(struct crdt_store *s)
{
	sqlite3_stmt *st = s->st_meta_hlc;
	sqlite3_bind_int64(st, 1, s->self_idx);
	int rc = sqlite3_step(st);
	if (rc == SQLITE_ROW) {
		s->clock_disk = (uint64_t)sqlite3_column_int64(st, 0);
		if (s->clock_disk > s->clock.last)
			s->clock.last = s->clock_disk;
	}
	sqlite3_reset(st);
	return rc == SQLITE_ROW || rc == SQLITE_DONE ? 0 : crdt_sql_rc(rc);
}

/* Persist the clock in the transaction about to commit, unless the disk
 * holds it already (C4): call before crdt_heads_flush forgets the heads
 * this transaction noted. */
static int crdt_clock_put(struct crdt_store *s)
{
	uint64_t own = s->clock_disk;
	for (size_t i = 0; i < s->nheads; i++)
		if (s->heads[i].author == s->self_idx && s->heads[i].hlc > own)
			own = s->heads[i].hlc;
	if (s->clock.last <= own)
		return 0;
	sqlite3_bind_int64(s->st_meta_put, 1, (sqlite3_int64)s->clock.last);
	return crdt_stmt_run(s->st_meta_put);
}

static int crdt_txn_refresh(struct crdt_store *s)
{
	int rc = crdt_clock_disk(s);
	if (rc)
		return rc;
	sqlite3_stmt *st = s->st_conf_any;
	rc = sqlite3_step(st);
	s->no_conflicts = rc == SQLITE_DONE;
	sqlite3_reset(st);
	if (rc != SQLITE_ROW && rc != SQLITE_DONE)
		return crdt_sql_rc(rc);
	return crdt_authors_load(s);
}

/* After a batch of crdt_store_begin_nowait: commits wait for the disk
 * again. Only out of memory can fail it: then the next transaction tries
 * again and does not begin while it fails (crdt_savepoint,
 * crdt_store_begin), so nothing else ever commits without waiting. */
static int crdt_store_wait_again(struct crdt_store *s)
{
	if (s->no_wait && !s->depth && sqlite3_get_autocommit(s->db) &&
	    crdt_sql_exec(s, "PRAGMA synchronous=FULL") == 0)
		s->no_wait = false;
	return s->no_wait ? ERR_STORAGE : 0;
}

static int crdt_savepoint(struct crdt_store *s)
{
	if (s->depth)
		return s->batch_rc;
	s->sp_nauthors = s->nauthors;
	int rc = crdt_store_wait_again(s);
	if (rc)
		return rc;
	rc = crdt_stmt_run(s->st_begin);
	if (!rc && (rc = crdt_txn_refresh(s)) != 0)
		crdt_stmt_run(s->st_rollback);
	return rc;
}

/* Finish the commit's transaction; also right after a refusal that wrote
 * nothing. */
static int crdt_savepoint_release(struct crdt_store *s)
{
	if (s->depth)
		return 0;
	/* this is the whole transaction: persist the clock and the heads with it */
	int rc = crdt_clock_put(s);
	if (!rc)
		rc = crdt_heads_flush(s);
	if (!rc)
		rc = crdt_stmt_run(s->st_commit);
	if (!rc)
		s->clock_disk = s->clock.last > s->clock_disk ? s->clock.last : s->clock_disk;
	if (rc) {
		crdt_stmt_run(s->st_rollback);
		s->nauthors = s->sp_nauthors;
		s->last_author_idx = 0;
		s->nheads = 0;
	}
	return rc;
}

static void crdt_savepoint_undo(struct crdt_store *s, int why)
{
	if (s->depth) {
		if (!s->batch_rc)
			s->batch_rc = why < 0 ? why : ERR_STORAGE;
		return;
	}
	crdt_stmt_run(s->st_rollback);
	s->nauthors = s->sp_nauthors; /* authors added in the transaction are gone */
	s->last_author_idx = 0;
	s->nheads = 0;
}

int crdt_store_begin(struct crdt_store *s)
{
	if (s->depth)
		return ERR_USAGE;
	if (!s->no_wait_next && crdt_store_wait_again(s))
		return ERR_STORAGE;
	s->txn++; /* forgets the base cached in the last batch (compact.c) */
	int rc = crdt_stmt_run(s->st_begin);
	if (!rc && (rc = crdt_txn_refresh(s)) != 0)
		crdt_stmt_run(s->st_rollback);
	if (!rc) {
		s->depth = 1;
		s->batch_rc = 0;
		s->txn_nauthors = s->nauthors;
		crdt_cache_init(s); /* once; without memory for it, write through */
		crdt_cache_reset(s);
	}
	return rc;
}

int crdt_store_end(struct crdt_store *s)
{
	if (!s->depth)
		return ERR_USAGE;
	int rc = s->batch_rc;
	if (!rc)
		rc = crdt_cache_flush(s); /* the batch's rows, before its commit */
	if (!rc)
		rc = crdt_clock_put(s); /* the clock, unless on disk already (C4) */
	if (!rc)
		rc = crdt_heads_flush(s); /* and its feeds' heads (store.c H2) */
	if (!rc)
		rc = crdt_stmt_run(s->st_commit);
	if (rc) {
		crdt_store_abort(s);
		return rc;
	}
	if (s->clock.last > s->clock_disk)
		s->clock_disk = s->clock.last;
	s->depth = 0;
	crdt_cache_reset(s);
	crdt_store_wait_again(s); /* else at the next transaction */
	return 0;
}

int crdt_store_begin_nowait(struct crdt_store *s)
{
	if (s->depth)
		return ERR_USAGE;
	if (s->sync_off)
		return crdt_store_begin(s);
	/* SQLite sets the level as it prepares the PRAGMA (a prepared one
	 * stepped again changes nothing), and only outside a transaction */
	if (crdt_sql_exec(s, "PRAGMA synchronous=NORMAL"))
		return crdt_store_begin(s); /* then it waits */
	s->no_wait = s->no_wait_next = true;
	int rc = crdt_store_begin(s);
	s->no_wait_next = false;
	if (rc)
		crdt_store_wait_again(s);
	return rc;
}

void crdt_store_abort(struct crdt_store *s)
{
	if (s->depth)
		crdt_stmt_run(s->st_rollback);
	crdt_cache_reset(s); /* its rows were never written, or rolled back */
	s->nheads = 0;
	s->depth = 0;
	s->batch_rc = 0;
	s->nauthors = s->txn_nauthors; /* authors added in the transaction are gone */
	s->last_author_idx = 0;
	crdt_store_wait_again(s);
}

bool crdt_scope_ok(const char *scope)
{
	size_t n = scope ? strlen(scope) : CRDT_SCOPE_MAX + 1;
	return n <= CRDT_SCOPE_MAX && utf8_valid(scope, n);
}

/* Note a commit added to the log (store.c H2): the feed's highest seq of
 * this transaction. Consecutive commits are mostly of one feed. */
static int crdt_heads_note(struct crdt_store *s, uint32_t author, const char *scope, uint64_t seq,
			   uint64_t hlc)
{
	struct crdt_head_note *h = NULL;
	if (s->heads_last < s->nheads && s->heads[s->heads_last].author == author &&
	    strcmp(s->heads[s->heads_last].scope, scope) == 0)
		h = &s->heads[s->heads_last];
	for (size_t i = 0; !h && i < s->nheads; i++)
		if (s->heads[i].author == author && strcmp(s->heads[i].scope, scope) == 0) {
			h = &s->heads[i];
			s->heads_last = i;
		}
	if (!h) {
		int rc = MEM_GROW(s->heads, s->heads_cap, s->nheads + 1);
		if (rc)
			return rc;
		h = &s->heads[s->nheads];
		s->heads_last = s->nheads++;
		h->author = author;
		snprintf(h->scope, sizeof(h->scope), "%s", scope);
		h->seq = 0;
	}
	if (seq > h->seq) {
		h->seq = seq;
		h->hlc = hlc;
	}
	return 0;
}

int crdt_heads_flush(struct crdt_store *s)
{
	sqlite3_stmt *st = s->st_head_put;
	int rc = 0;
	for (size_t i = 0; i < s->nheads && !rc; i++) {
		sqlite3_bind_int64(st, 1, s->heads[i].author);
		sqlite3_bind_text(st, 2, s->heads[i].scope, -1, SQLITE_STATIC);
		sqlite3_bind_int64(st, 3, (sqlite3_int64)s->heads[i].seq);
		sqlite3_bind_int64(st, 4, (sqlite3_int64)s->heads[i].hlc);
		rc = crdt_stmt_run(st);
	}
	s->nheads = 0;
	return rc;
}

/* Before a read of _heads inside a transaction: what it added (H2). */
static int crdt_heads_ready(struct crdt_store *s)
{
	if (!s->nheads)
		return 0;
	int rc = crdt_heads_flush(s);
	if (rc && s->depth && !s->batch_rc)
		s->batch_rc = rc;
	return rc;
}

/* Version vector entries in (author, scope) byte order. */
static int crdt_vv_entry_cmp(const void *a, const void *b)
{
	const struct crdt_vv_entry *x = a, *y = b;
	int c = memcmp(x->author, y->author, CRDT_AUTHOR_LEN);
	return c ? c : strcmp(x->scope, y->scope);
}

static int crdt_log_append(struct crdt_store *s, uint32_t author, const char *scope, uint64_t seq,
			   uint64_t hlc, const uint8_t *body, size_t len, const uint8_t *seal,
			   size_t seal_len, int carried)
{
	sqlite3_stmt *st = s->st_log_ins;
	sqlite3_bind_int64(st, 1, author);
	sqlite3_bind_text(st, 2, scope, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 3, (sqlite3_int64)seq);
	sqlite3_bind_int64(st, 4, (sqlite3_int64)hlc);
	sqlite3_bind_blob(st, 5, body, (int)len, SQLITE_STATIC);
	if (seal)
		sqlite3_bind_blob(st, 6, seal, (int)seal_len, SQLITE_STATIC);
	else
		sqlite3_bind_null(st, 6);
	if (carried)
		sqlite3_bind_int(st, 7, carried);
	else
		sqlite3_bind_null(st, 7);
	int rc = sqlite3_step(st);
	sqlite3_reset(st); /* every parameter is bound again next time */
	if (rc != SQLITE_DONE)
		return crdt_sql_rc(rc);
	return sqlite3_changes(s->db) == 1 ? crdt_heads_note(s, author, scope, seq, hlc) : 0;
}

/* Run a statement keyed by (author, scope, seq); returns its sqlite rc. */
static int crdt_log_key_step(sqlite3_stmt *st, uint32_t author, const char *scope, uint64_t seq)
{
	sqlite3_bind_int64(st, 1, author);
	sqlite3_bind_text(st, 2, scope, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 3, (sqlite3_int64)seq);
	return sqlite3_step(st);
}

static int crdt_log_max(struct crdt_store *s, uint32_t author, const char *scope, uint64_t *out)
{
	sqlite3_stmt *st = s->st_log_max;
	sqlite3_bind_int64(st, 1, author);
	sqlite3_bind_text(st, 2, scope, -1, SQLITE_STATIC);
	int rc = sqlite3_step(st);
	*out = rc == SQLITE_ROW ? (uint64_t)sqlite3_column_int64(st, 0) : 0;
	sqlite3_reset(st);
	if (rc != SQLITE_ROW)
		return crdt_sql_rc(rc);
	/* a feed pruned down to its base still holds seqs up to it (C3) */
	uint64_t base;
	if ((rc = crdt_base_seq(s, author, scope, &base)))
		return rc;
	if (base > *out)
		*out = base;
	return 0;
}

int crdt_store_own_seq(struct crdt_store *s, const char *scope, uint64_t *seq)
{
	*seq = 0;
	if (!crdt_scope_ok(scope))
		return ERR_USAGE;
	return crdt_log_max(s, s->self_idx, scope, seq);
}

enum { LOG_ABSENT, LOG_APPLIED, LOG_CARRIED };

static int crdt_log_state(struct crdt_store *s, uint32_t author, const char *scope, uint64_t seq)
{
	sqlite3_stmt *st = s->st_log_carried;
	int rc = crdt_log_key_step(st, author, scope, seq), state = LOG_ABSENT;
	if (rc == SQLITE_ROW)
		state = sqlite3_column_type(st, 0) == SQLITE_NULL ? LOG_APPLIED : LOG_CARRIED;
	sqlite3_reset(st);
	return state;
}

/* The seal of (author, scope, seq), appended to s->scratch (nothing when
 * none). */
static int crdt_log_seal(struct crdt_store *s, uint32_t author, const char *scope, uint64_t seq)
{
	sqlite3_stmt *st = s->st_log_seal;
	int rc = crdt_log_key_step(st, author, scope, seq);
	if (rc == SQLITE_ROW)
		buf_put(&s->scratch, sqlite3_column_blob(st, 0), (size_t)sqlite3_column_bytes(st, 0));
	sqlite3_reset(st);
	if (rc != SQLITE_ROW && rc != SQLITE_DONE)
		return crdt_sql_rc(rc);
	return s->scratch.err;
}

bool crdt_store_has(struct crdt_store *s, const uint8_t author[CRDT_AUTHOR_LEN], const char *scope,
		    uint64_t seq)
{
	uint32_t idx;
	uint64_t base;
	if (!crdt_author_known(s, author, &idx)) {
		sqlite3_stmt *st = s->st_author_get;
		sqlite3_bind_blob(st, 1, author, CRDT_AUTHOR_LEN, SQLITE_STATIC);
		bool found = sqlite3_step(st) == SQLITE_ROW;
		idx = found ? (uint32_t)sqlite3_column_int64(st, 0) : 0;
		sqlite3_reset(st);
		if (!found)
			return false;
	}
	if (crdt_log_state(s, idx, scope, seq) != LOG_ABSENT)
		return true;
	return crdt_base_seq(s, idx, scope, &base) == 0 && seq >= 1 && seq <= base; /* pruned: held */
}

int crdt_log_states(struct crdt_store *s, const uint8_t author[CRDT_AUTHOR_LEN], const char *scope,
		  uint64_t from, size_t n, uint8_t *state)
{
	sqlite3_stmt *st;
	uint32_t idx;
	int rc;

	memset(state, CRDT_LOG_ABSENT, n);
	if (!n || from == 0 || from > INT64_MAX || n > INT64_MAX - from)
		return n && from == 0 ? ERR_USAGE : 0;
	if (!crdt_author_known(s, author, &idx)) { /* maybe numbered by another process */
		st = s->st_author_get;
		sqlite3_bind_blob(st, 1, author, CRDT_AUTHOR_LEN, SQLITE_STATIC);
		rc = sqlite3_step(st);
		idx = rc == SQLITE_ROW ? (uint32_t)sqlite3_column_int64(st, 0) : 0;
		sqlite3_reset(st);
		if (rc != SQLITE_ROW)
			return rc == SQLITE_DONE ? 0 : crdt_sql_rc(rc);
	}
	uint64_t base;
	if ((rc = crdt_base_seq(s, idx, scope, &base)))
		return rc;
	for (uint64_t q = from; q <= base && q - from < n; q++)
		state[q - from] = CRDT_LOG_MERGED; /* pruned below the base: held */
	st = s->st_log_held;
	sqlite3_bind_int64(st, 1, idx);
	sqlite3_bind_text(st, 2, scope, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 3, (sqlite3_int64)from);
	sqlite3_bind_int64(st, 4, (sqlite3_int64)(from + n - 1));
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		uint64_t seq = (uint64_t)sqlite3_column_int64(st, 0);
		if (seq >= from && seq - from < n)
			state[seq - from] = sqlite3_column_type(st, 1) == SQLITE_NULL ? CRDT_LOG_MERGED
					    : sqlite3_column_int(st, 1) == 2      ? CRDT_LOG_HELD
										  : CRDT_LOG_CARRIED;
	}
	sqlite3_reset(st);
	if (rc != SQLITE_DONE) {
		memset(state, CRDT_LOG_ABSENT, n);
		return crdt_sql_rc(rc);
	}
	return 0;
}

/* Texts a local write's register may be filled with: every column of a
 * register but the one the write sets. */
#define CRDT_FILL_MAX 4

/* Fill the half of a lifecycle register a local write leaves out with the
 * row's current value (DESIGN.md: every write carries both); an optional
 * part that is NULL stays out (it reads NULL anyway). Filled texts are
 * copied into keep[0..CRDT_FILL_MAX) (freed by the caller), one slot each. */
static int crdt_fill_register(struct crdt_store *s, struct crdt_write *w, char **keep)
{
	size_t kept = 0;
	const struct crdt_table *t = crdt_schema_table(w->table);
	uint32_t regmask = 0;
	if (!t || w->op != CRDT_UPSERT)
		return 0;
	for (unsigned c = 0; c < t->ncols; c++)
		if (t->cols[c].rule == CRDT_RULE_LIFECYCLE)
			regmask |= 1u << c;
	if ((w->mask & regmask) == 0 || (w->mask & regmask) == regmask)
		return 0;
	int rc = crdt_row_load(s, t, w->pk, w->pk_len, &s->row);
	if (rc)
		return rc;
	for (unsigned c = 0; c < t->ncols; c++) {
		if (!(regmask >> c & 1) || (w->mask >> c & 1))
			continue;
		if (t->cols[c].optional && s->row.v[c].type == CRDT_NULL)
			continue; /* left out, it reads NULL */
		w->vals[c] = s->row.v[c];
		w->mask |= 1u << c;
		if (w->vals[c].type == CRDT_TEXT) {
			if (kept == CRDT_FILL_MAX)
				return ERR_SCHEMA; /* a register of more columns than this */
			if (!(keep[kept] = mem_strndup(w->vals[c].s, w->vals[c].len)))
				return -ENOMEM;
			w->vals[c].s = keep[kept++];
		}
	}
	return 0;
}

/* Let the sealer (if any) seal the body of a local commit, which
 * crdt_commit_local encoded into s->scratch (all of it), and append the
 * commit to the log. */
static int crdt_seal_local(struct crdt_store *s, const char *scope, uint64_t seq, uint64_t hlc)
{
	struct crdt_log_entry e;
	const uint8_t *body;
	size_t body_len = s->scratch.len, prev_len = 0;
	int rc;

	buf_reset(&s->seal);
	buf_reset(&s->sealed_body);
	/* the previous seal goes after the body in scratch */
	if (s->sealer.seal && (rc = crdt_log_seal(s, s->self_idx, scope, seq - 1)))
		return rc;
	if (s->sealer.seal && seq > 1 && s->scratch.len == body_len) {
		/* not in the log: the feed's base (a snapshot, a recovery) holds
		 * commit seq - 1's chain hash, which is all the sealer needs */
		struct crdt_base b;
		rc = crdt_store_base_get(s, s->self, scope, &b);
		if (rc && rc != ERR_NOTFOUND)
			return rc;
		if (!rc && b.seq == seq - 1)
			buf_put(&s->scratch, b.hash, sizeof(b.hash));
		if (s->scratch.err)
			return s->scratch.err;
	}
	prev_len = s->scratch.len - body_len;
	body = s->scratch.data;
	if (s->sealer.seal) {
		memset(&e, 0, sizeof(e));
		memcpy(e.author, s->self, CRDT_AUTHOR_LEN);
		snprintf(e.scope, sizeof(e.scope), "%s", scope);
		e.seq = seq;
		e.hlc = hlc;
		e.body = body;
		e.body_len = body_len;
		rc = s->sealer.seal(s->sealer.arg, &e, prev_len ? s->scratch.data + body_len : NULL,
				    prev_len, &s->seal, &s->sealed_body);
		if (rc == 0)
			rc = s->seal.err ? s->seal.err : s->sealed_body.err;
		if (rc)
			return rc < 0 ? rc : ERR_USAGE;
		if (s->sealed_body.len) {
			body = s->sealed_body.data;
			body_len = s->sealed_body.len;
		}
	}
	rc = crdt_log_append(s, s->self_idx, scope, seq, hlc, body, body_len,
			     s->sealer.seal ? s->seal.data : NULL, s->seal.len, false);
	if (!rc && sqlite3_changes(s->db) != 1)
		rc = ERR_EXISTS; /* C3 broken: another writer took this seq */
	return rc;
}

void crdt_store_set_sealer(struct crdt_store *s, const struct crdt_sealer *sealer)
{
	if (sealer)
		s->sealer = *sealer;
	else
		memset(&s->sealer, 0, sizeof(s->sealer));
}

int crdt_commit_local(struct crdt_store *s, uint64_t wall_ms, const char *scope,
		      const struct crdt_write *writes, size_t n, struct crdt_commit_info *info)
{
	struct crdt_write *w = NULL;
	char **keep = NULL;
	struct crdt_clock clock = s->clock;
	uint64_t seq, hlc;
	int rc;

	if (info)
		memset(info, 0, sizeof(*info));
	if (!crdt_scope_ok(scope) || n == 0)
		return ERR_USAGE;
	if (n > CRDT_WRITES_MAX)
		return ERR_TOOBIG;
	for (size_t i = 0; i < n; i++)
		if (writes[i].err)
			return ERR_SCHEMA; /* a setter was misused: write nothing */
	w = mem_alloc(n * sizeof(*w));
	keep = mem_calloc(n * CRDT_FILL_MAX, sizeof(*keep));
	if (!w || !keep) {
		rc = -ENOMEM;
		goto out;
	}
	memcpy(w, writes, n * sizeof(*w));
	if ((rc = crdt_savepoint(s)))
		goto out;
	for (size_t i = 0; i < n && !rc; i++)
		rc = crdt_fill_register(s, &w[i], &keep[i * CRDT_FILL_MAX]);
	if (rc)
		goto undo;
	buf_reset(&s->scratch); /* the body, encoded once; crdt_seal_local seals it */
	if ((rc = crdt_body_encode(&s->scratch, w, n)))
		goto undo;
	clock = s->clock; /* as refreshed when the transaction began */
	hlc = crdt_hlc_tick(&clock, wall_ms);
	if ((rc = crdt_log_max(s, s->self_idx, scope, &seq)))
		goto undo;
	seq++;
	for (size_t i = 0; i < n && !rc; i++)
		rc = crdt_merge_write(s, &w[i], hlc, s->self_idx, scope);
	if (rc)
		goto undo;
	if ((rc = crdt_seal_local(s, scope, seq, hlc)))
		goto undo;
	s->clock = clock;
	if ((rc = crdt_savepoint_release(s)))
		goto undo;
	if (info) {
		info->seq = seq;
		info->hlc = hlc;
	}
	goto out;
undo:
	crdt_savepoint_undo(s, rc);
out:
	if (keep)
		for (size_t i = 0; i < n * CRDT_FILL_MAX; i++)
			mem_free(keep[i]);
	mem_free(keep);
	mem_free(w);
	return rc;
}

int crdt_commit_as(struct crdt_store *s, const uint8_t author[CRDT_AUTHOR_LEN],
		   const struct crdt_sealer *sealer, uint64_t wall_ms, const char *scope,
		   const struct crdt_write *w, size_t n, struct crdt_commit_info *info)
{
	uint8_t self[CRDT_AUTHOR_LEN];
	struct crdt_sealer keep = s->sealer;
	uint32_t self_idx = s->self_idx, idx;
	int rc;

	if (s->depth)
		return ERR_USAGE; /* a transaction of its own, so the author's seq is ours */
	if ((rc = crdt_store_begin(s)))
		return rc;
	if ((rc = crdt_author_index(s, author, &idx))) {
		crdt_store_abort(s);
		return rc;
	}
	memcpy(self, s->self, CRDT_AUTHOR_LEN);
	memcpy(s->self, author, CRDT_AUTHOR_LEN);
	s->self_idx = idx;
	crdt_store_set_sealer(s, sealer);
	rc = crdt_commit_local(s, wall_ms, scope, w, n, info);
	memcpy(s->self, self, CRDT_AUTHOR_LEN);
	s->self_idx = self_idx;
	s->sealer = keep;
	if (rc) {
		crdt_store_abort(s);
		return rc;
	}
	return crdt_store_end(s);
}

int crdt_apply_remote(struct crdt_store *s, uint64_t wall_ms, const uint8_t author[CRDT_AUTHOR_LEN],
		      const char *scope, uint64_t seq, uint64_t hlc, const uint8_t *body, size_t len)
{
	struct crdt_remote r = { .author = author, .scope = scope, .seq = seq, .hlc = hlc,
				 .body = body, .body_len = len };
	return crdt_apply_remote_ex(s, wall_ms, &r);
}

int crdt_apply_remote_ex(struct crdt_store *s, uint64_t wall_ms, const struct crdt_remote *r)
{
	struct crdt_write *w = NULL;
	const struct crdt_write *ws;
	struct crdt_clock clock = s->clock;
	const uint8_t *plain = r->plain ? r->plain : r->body;
	size_t plain_len = r->plain ? r->plain_len : r->body_len, n = 0;
	uint32_t idx;
	int rc, state;

	if (!r->author || !crdt_scope_ok(r->scope) || r->seq == 0 || r->seq > INT64_MAX ||
	    r->hlc == 0 || r->hlc > INT64_MAX || (!r->body && r->body_len))
		return ERR_USAGE;
	if (r->body_len > CRDT_BODY_MAX || r->seal_len > CRDT_BODY_MAX)
		return ERR_TOOBIG;
	if (r->carry) {
		ws = NULL; /* not decoded: relayed only */
	} else if (r->writes) {
		if (r->nwrites == 0)
			return ERR_USAGE;
		ws = r->writes; /* decoded once, by the caller */
		n = r->nwrites;
	} else if ((rc = crdt_body_decode(plain, plain_len, &w, &n))) {
		return rc;
	} else {
		ws = w;
	}
	if ((rc = crdt_savepoint(s)))
		goto out;
	clock = s->clock; /* as refreshed when the transaction began */
	if ((rc = crdt_hlc_observe(&clock, r->hlc, wall_ms))) {
		crdt_savepoint_release(s); /* refused before any write */
		goto out;
	}
	if ((rc = crdt_author_index(s, r->author, &idx)))
		goto undo;
	/* At or below the feed's base it was held and pruned (compact.c) */
	uint64_t base;
	if ((rc = crdt_base_seq(s, idx, r->scope, &base)))
		goto undo;
	if (r->seq <= base) {
		rc = crdt_savepoint_release(s); /* nothing was written */
		rc = rc ? rc : 1;
		goto out;
	}
	/* Claim the log row first (C2): if it is already there, the commit is
	 * held, unless it was only carried and is now to be merged. */
	if ((rc = crdt_log_append(s, idx, r->scope, r->seq, r->hlc, r->body, r->body_len, r->seal,
				  r->seal_len, r->carry ? 1 + r->held : 0)))
		goto undo;
	if (sqlite3_changes(s->db) == 0) {
		state = crdt_log_state(s, idx, r->scope, r->seq);
		if (state != LOG_CARRIED || r->carry) {
			rc = crdt_savepoint_release(s); /* nothing was written */
			rc = rc ? rc : 1;
			goto out;
		}
		rc = crdt_log_key_step(s->st_log_uncarry, idx, r->scope, r->seq);
		sqlite3_reset(s->st_log_uncarry);
		if ((rc = rc == SQLITE_DONE ? 0 : crdt_sql_rc(rc)))
			goto undo;
	}
	for (size_t i = 0; i < n && !rc; i++)
		rc = crdt_merge_write(s, &ws[i], r->hlc, idx, r->scope);
	if (rc)
		goto undo;
	s->clock = clock;
	if ((rc = crdt_savepoint_release(s)))
		goto undo;
	goto out;
undo:
	crdt_savepoint_undo(s, rc);
out:
	mem_free(w);
	return rc;
}

int crdt_store_vv(struct crdt_store *s, struct crdt_vv_entry **out, size_t *n)
{
	return crdt_store_vv_of(s, NULL, out, n);
}

/* Collect the rows (id, scope, seq) of st into a vv list. */
static int crdt_vv_rows(sqlite3_stmt *st, struct crdt_vv_entry **out, size_t *n)
{
	struct crdt_vv_entry *v = NULL;
	size_t len = 0, cap = 0;
	int rc;

	*out = NULL;
	*n = 0;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		if ((rc = MEM_GROW(v, cap, len + 1)))
			goto fail;
		if (sqlite3_column_bytes(st, 0) != CRDT_AUTHOR_LEN ||
		    (size_t)sqlite3_column_bytes(st, 1) > CRDT_SCOPE_MAX) {
			rc = ERR_CORRUPT;
			goto fail;
		}
		struct crdt_vv_entry *e = &v[len++];
		memset(e, 0, sizeof(*e));
		memcpy(e->author, sqlite3_column_blob(st, 0), CRDT_AUTHOR_LEN);
		size_t sl = (size_t)sqlite3_column_bytes(st, 1);
		if (sl)
			memcpy(e->scope, sqlite3_column_text(st, 1), sl);
		e->seq = (uint64_t)sqlite3_column_int64(st, 2);
	}
	if (rc != SQLITE_DONE) {
		rc = rc < 0 ? rc : crdt_sql_rc(rc);
		goto fail;
	}
	*out = v;
	*n = len;
	return 0;
fail:
	mem_free(v);
	return rc;
}

/* The version vector is read from _heads (store.c H1-H3): one row per
 * feed, never a scan of _log. */
int crdt_store_vv_of(struct crdt_store *s, const uint8_t *author, struct crdt_vv_entry **out, size_t *n)
{
	sqlite3_stmt *st;
	int rc;

	*out = NULL;
	*n = 0;
	if ((rc = crdt_heads_ready(s)))
		return rc;
	rc = sqlite3_prepare_v2(s->db,
				author ? "SELECT a.id, h.scope, h.seq FROM _heads h JOIN _authors a ON a.idx = h.author"
					 " WHERE a.id = ?1 ORDER BY h.scope"
				       : "SELECT a.id, h.scope, h.seq FROM _heads h JOIN _authors a ON a.idx = h.author"
					 " ORDER BY a.id, h.scope",
				-1, &st, NULL);
	if (rc != SQLITE_OK)
		return crdt_sql_rc(rc);
	if (author)
		sqlite3_bind_blob(st, 1, author, CRDT_AUTHOR_LEN, SQLITE_STATIC);
	rc = crdt_vv_rows(st, out, n);
	sqlite3_finalize(st);
	return rc;
}

int crdt_store_vv_scopes(struct crdt_store *s, const char *const *scopes, size_t nscopes,
			 struct crdt_vv_entry **out, size_t *n)
{
	struct crdt_vv_entry *all = NULL;
	size_t nall = 0, acap = 0;
	sqlite3_stmt *st;
	int rc;

	*out = NULL;
	*n = 0;
	if (!scopes)
		return crdt_store_vv_of(s, NULL, out, n);
	if ((rc = crdt_heads_ready(s)))
		return rc;
	/* scope by scope through _heads_scope, then in (author, scope) order */
	rc = sqlite3_prepare_v2(s->db,
				"SELECT a.id, h.scope, h.seq FROM _heads h JOIN _authors a ON a.idx = h.author"
				" WHERE h.scope = ?1",
				-1, &st, NULL);
	if (rc != SQLITE_OK)
		return crdt_sql_rc(rc);
	for (size_t i = 0; i < nscopes && !rc; i++) {
		struct crdt_vv_entry *v;
		size_t nv;
		bool dup = false;
		for (size_t k = 0; k < i && !dup; k++)
			dup = strcmp(scopes[k], scopes[i]) == 0;
		if (dup || !crdt_scope_ok(scopes[i]))
			continue;
		sqlite3_bind_text(st, 1, scopes[i], -1, SQLITE_STATIC);
		rc = crdt_vv_rows(st, &v, &nv);
		sqlite3_reset(st);
		if (rc || !nv) {
			mem_free(v);
			continue;
		}
		if ((rc = MEM_GROW(all, acap, nall + nv))) {
			mem_free(v);
			break;
		}
		memcpy(all + nall, v, nv * sizeof(*v));
		nall += nv;
		mem_free(v);
	}
	sqlite3_finalize(st);
	if (rc) {
		mem_free(all);
		return rc;
	}
	if (nall > 1)
		qsort(all, nall, sizeof(*all), crdt_vv_entry_cmp);
	*out = all;
	*n = nall;
	return 0;
}

int crdt_store_heads(struct crdt_store *s, struct crdt_vv_entry *v, size_t n)
{
	sqlite3_stmt *st;
	int rc;

	for (size_t i = 0; i < n; i++)
		v[i].seq = 0;
	if ((rc = crdt_heads_ready(s)))
		return rc;
	rc = sqlite3_prepare_v2(s->db,
				"SELECT h.seq FROM _heads h JOIN _authors a ON a.idx = h.author"
				" WHERE a.id = ?1 AND h.scope = ?2",
				-1, &st, NULL);
	if (rc != SQLITE_OK)
		return crdt_sql_rc(rc);
	for (size_t i = 0; i < n; i++) {
		sqlite3_bind_blob(st, 1, v[i].author, CRDT_AUTHOR_LEN, SQLITE_STATIC);
		sqlite3_bind_text(st, 2, v[i].scope, -1, SQLITE_STATIC);
		rc = sqlite3_step(st);
		if (rc == SQLITE_ROW)
			v[i].seq = (uint64_t)sqlite3_column_int64(st, 0);
		sqlite3_reset(st);
		if (rc != SQLITE_ROW && rc != SQLITE_DONE) {
			for (size_t k = 0; k < n; k++)
				v[k].seq = 0;
			sqlite3_finalize(st);
			return crdt_sql_rc(rc);
		}
	}
	sqlite3_finalize(st);
	return 0;
}

static int crdt_log_walk(struct crdt_store *s, const uint8_t author[CRDT_AUTHOR_LEN], const char *scope,
			 uint64_t after, uint64_t upto,
			 int (*fn)(void *arg, const struct crdt_log_entry *e), void *arg)
{
	sqlite3_stmt *st = s->st_log_walk;
	struct crdt_log_entry e;
	int rc;
	/* The store's statement, unless a walk in progress (fn walking again)
	 * has it: then one of our own. */
	bool own = sqlite3_stmt_busy(st);
	if (own && (rc = sqlite3_prepare_v2(s->db, sqlite3_sql(s->st_log_walk), -1, &st, NULL)) != SQLITE_OK)
		return crdt_sql_rc(rc);
	memset(&e, 0, sizeof(e));
	memcpy(e.author, author, CRDT_AUTHOR_LEN);
	snprintf(e.scope, sizeof(e.scope), "%s", scope);
	sqlite3_bind_blob(st, 1, author, CRDT_AUTHOR_LEN, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, scope, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 3, (sqlite3_int64)(after > INT64_MAX ? INT64_MAX : after));
	sqlite3_bind_int64(st, 4, (sqlite3_int64)(upto > INT64_MAX ? INT64_MAX : upto));
	int step;
	while ((step = sqlite3_step(st)) == SQLITE_ROW) {
		e.seq = (uint64_t)sqlite3_column_int64(st, 0);
		e.hlc = (uint64_t)sqlite3_column_int64(st, 1);
		e.body = sqlite3_column_blob(st, 2);
		e.body_len = (size_t)sqlite3_column_bytes(st, 2);
		e.seal = sqlite3_column_blob(st, 3);
		e.seal_len = (size_t)sqlite3_column_bytes(st, 3);
		e.carried = sqlite3_column_type(st, 4) != SQLITE_NULL;
		e.held = sqlite3_column_int(st, 4) == 2;
		if ((rc = fn(arg, &e)) != 0)
			goto out;
	}
	rc = step == SQLITE_DONE ? 0 : crdt_sql_rc(step);
out:
	if (own)
		sqlite3_finalize(st);
	else
		sqlite3_reset(st);
	return rc;
}

/* One held-back commit, copied out of the walk so that fn may write. */
struct crdt_held {
	struct crdt_log_entry e;
	uint8_t *bytes; /* body, then seal */
};

int crdt_log_held(struct crdt_store *s, struct crdt_held_at *at, size_t max,
		  int (*fn)(void *arg, const struct crdt_log_entry *e), void *arg)
{
	struct crdt_held *h = NULL;
	sqlite3_stmt *st;
	size_t n = 0, cap = max < 64 ? max : 64;
	int rc, step;

	if (max == 0)
		return 0;
	st = s->st_log_held_walk; /* prepared once: a hub walks this after every chunk */
	sqlite3_bind_int64(st, 1, (sqlite3_int64)(max > INT64_MAX ? INT64_MAX : max));
	sqlite3_bind_int64(st, 2, (sqlite3_int64)(at->hlc > INT64_MAX ? INT64_MAX : at->hlc));
	sqlite3_bind_int64(st, 3, at->author);
	sqlite3_bind_text(st, 4, at->scope, -1, SQLITE_TRANSIENT);
	sqlite3_bind_int64(st, 5, (sqlite3_int64)(at->seq > INT64_MAX ? INT64_MAX : at->seq));
	if (!(h = mem_calloc(cap, sizeof(*h)))) {
		rc = -ENOMEM;
		goto out;
	}
	while ((step = sqlite3_step(st)) == SQLITE_ROW) {
		const void *id = sqlite3_column_blob(st, 0);
		const char *scope = (const char *)sqlite3_column_text(st, 1);
		size_t blen = (size_t)sqlite3_column_bytes(st, 4), slen = (size_t)sqlite3_column_bytes(st, 5);
		if (!id || sqlite3_column_bytes(st, 0) != CRDT_AUTHOR_LEN || !scope ||
		    strlen(scope) > CRDT_SCOPE_MAX)
			continue; /* cannot be: the log holds only checked commits */
		if ((rc = MEM_GROW(h, cap, n + 1)))
			goto out;
		struct crdt_held *x = &h[n];
		memset(x, 0, sizeof(*x));
		if (!(x->bytes = mem_alloc(blen + slen + 1))) {
			rc = -ENOMEM;
			goto out;
		}
		n++;
		memcpy(x->e.author, id, CRDT_AUTHOR_LEN);
		snprintf(x->e.scope, sizeof(x->e.scope), "%s", scope);
		x->e.seq = (uint64_t)sqlite3_column_int64(st, 2);
		x->e.hlc = (uint64_t)sqlite3_column_int64(st, 3);
		if (blen)
			memcpy(x->bytes, sqlite3_column_blob(st, 4), blen);
		if (slen)
			memcpy(x->bytes + blen, sqlite3_column_blob(st, 5), slen);
		x->e.body = x->bytes;
		x->e.body_len = blen;
		x->e.seal = slen ? x->bytes + blen : NULL;
		x->e.seal_len = slen;
		x->e.carried = x->e.held = true;
		at->hlc = x->e.hlc;
		at->seq = x->e.seq;
		at->author = (uint32_t)sqlite3_column_int64(st, 6);
		snprintf(at->scope, sizeof(at->scope), "%s", scope);
	}
	rc = step == SQLITE_DONE ? 0 : crdt_sql_rc(step);
	if (step == SQLITE_DONE && n < max)
		memset(at, 0, sizeof(*at)); /* the end: the next walk starts over */
	sqlite3_reset(st); /* before fn, which may write */
	st = NULL;
	for (size_t i = 0; i < n && !rc; i++)
		rc = fn(arg, &h[i].e);
out:
	if (st)
		sqlite3_reset(st);
	for (size_t i = 0; h && i < n; i++)
		mem_free(h[i].bytes);
	mem_free(h);
	return rc;
}

/* The one integer a query of a count gives. */
static int crdt_count(struct crdt_store *s, const char *sql, uint64_t *n)
{
	sqlite3_stmt *st;
	int rc = sqlite3_prepare_v2(s->db, sql, -1, &st, NULL);
	*n = 0;
	if (rc != SQLITE_OK)
		return crdt_sql_rc(rc);
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW)
		*n = (uint64_t)sqlite3_column_int64(st, 0);
	sqlite3_finalize(st);
	return rc == SQLITE_ROW ? 0 : crdt_sql_rc(rc);
}

int crdt_log_held_count(struct crdt_store *s, uint64_t *n)
{
	return crdt_count(s, "SELECT count(*) FROM _log WHERE carried = 2", n);
}

int crdt_log_each(struct crdt_store *s, const uint8_t author[CRDT_AUTHOR_LEN], const char *scope,
		  uint64_t after, int (*fn)(void *arg, const struct crdt_log_entry *e), void *arg)
{
	return crdt_log_walk(s, author, scope, after, UINT64_MAX, fn, arg);
}

struct crdt_found {
	int (*fn)(void *arg, const struct crdt_log_entry *e);
	void *arg;
	bool found;
};

static int crdt_log_found(void *arg, const struct crdt_log_entry *e)
{
	struct crdt_found *f = arg;
	f->found = true;
	return f->fn(f->arg, e);
}

int crdt_log_get(struct crdt_store *s, const uint8_t author[CRDT_AUTHOR_LEN], const char *scope,
		 uint64_t seq, int (*fn)(void *arg, const struct crdt_log_entry *e), void *arg)
{
	struct crdt_found f = { fn, arg, false };
	if (seq == 0)
		return ERR_NOTFOUND;
	int rc = crdt_log_walk(s, author, scope, seq - 1, seq, crdt_log_found, &f);
	return rc ? rc : f.found ? 0 : ERR_NOTFOUND;
}

int crdt_log_seal_set(struct crdt_store *s, const uint8_t author[CRDT_AUTHOR_LEN], const char *scope,
		      uint64_t seq, const uint8_t *seal, size_t len)
{
	sqlite3_stmt *st = NULL;
	uint32_t idx;
	int rc;

	if (!seal || len == 0 || len > CRDT_BODY_MAX || seq == 0 || seq > INT64_MAX || !crdt_scope_ok(scope))
		return ERR_USAGE;
	if (!crdt_author_known(s, author, &idx))
		return ERR_NOTFOUND; /* an author never seen holds no commit */
	rc = sqlite3_prepare_v2(s->db, "UPDATE _log SET seal = ? WHERE author = ? AND scope = ? AND seq = ?", -1,
				&st, NULL);
	if (rc != SQLITE_OK)
		return crdt_sql_rc(rc);
	sqlite3_bind_blob(st, 1, seal, (int)len, SQLITE_STATIC);
	sqlite3_bind_int64(st, 2, idx);
	sqlite3_bind_text(st, 3, scope, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 4, (sqlite3_int64)seq);
	rc = sqlite3_step(st); /* one statement: atomic outside a transaction too */
	rc = rc == SQLITE_DONE ? (sqlite3_changes(s->db) == 1 ? 0 : ERR_NOTFOUND) : crdt_sql_rc(rc);
	sqlite3_finalize(st);
	if (rc && rc != ERR_NOTFOUND && s->depth && !s->batch_rc)
		s->batch_rc = rc;
	return rc;
}

/* ---- digest ---------------------------------------------------------- */

static void crdt_digest_value(struct buf *b, sqlite3_stmt *st, int i)
{
	switch (sqlite3_column_type(st, i)) {
	case SQLITE_INTEGER:
		buf_put_u8(b, CRDT_INT);
		buf_put_u64be(b, (uint64_t)sqlite3_column_int64(st, i));
		break;
	case SQLITE_FLOAT: {
		double d = sqlite3_column_double(st, i);
		uint64_t bits;
		memcpy(&bits, &d, 8);
		buf_put_u8(b, CRDT_REAL);
		buf_put_u64be(b, bits);
		break;
	}
	case SQLITE_TEXT:
		buf_put_u8(b, CRDT_TEXT);
		buf_put_u32be(b, (uint32_t)sqlite3_column_bytes(st, i));
		buf_put(b, sqlite3_column_text(st, i), (size_t)sqlite3_column_bytes(st, i));
		break;
	default:
		buf_put_u8(b, CRDT_NULL);
		break;
	}
}

static void crdt_digest_clock(struct buf *b, const struct crdt_store *s, const struct crdt_group *g)
{
	buf_put_u64be(b, g->hlc);
	if (g->author >= 1 && g->author <= s->nauthors)
		buf_put(b, crdt_author_id(s, g->author), CRDT_AUTHOR_LEN);
	else
		b->err = ERR_CORRUPT;
}

/*
 * Canonical row bytes: u8 table id, u32be pk length, pk; for each column
 * holding a clock: u8 column id, value (REAL as IEEE bits; an integral REAL
 * that SQLite keeps as an integer is hashed as REAL), u64be HLC, author id;
 * the tombstone as column id 0xff with its clock; u8 0xfe ends the row.
 */
/* Bytes of rows gathered before they go to the hash at once. */
#define CRDT_DIGEST_RUN 32768

static int crdt_digest_table(struct crdt_store *s, const struct crdt_table *t, const char *scope,
			     struct sha256 *h, struct buf *b)
{
	sqlite3_stmt **slot = &s->t[t->id].digest[scope != NULL];
	sqlite3_stmt *st = *slot;
	int rc;

	if (!st) {
		char sql[1024];
		/* Columns by name, in id order: a migration appends columns
		 * after _m and _dead, so SELECT * would not keep this order. */
		int n = snprintf(sql, sizeof(sql), "SELECT pk");
		for (size_t c = 0; c < t->ncols; c++)
			n += snprintf(sql + n, sizeof(sql) - (size_t)n, ", \"%s\"", t->cols[c].name);
		n += snprintf(sql + n, sizeof(sql) - (size_t)n, ", _m FROM \"%s\"", t->name);
		if (scope) /* the row's scope is that of the commits that wrote it */
			n += snprintf(sql + n, sizeof(sql) - (size_t)n, " WHERE _scope = ?1");
		snprintf(sql + n, sizeof(sql) - (size_t)n, " ORDER BY pk");
		rc = sqlite3_prepare_v2(s->db, sql, -1, &st, NULL);
		if (rc != SQLITE_OK)
			return crdt_sql_rc(rc);
		*slot = st; /* finalized by crdt_store_close */
	}
	if (scope)
		sqlite3_bind_text(st, 1, scope, -1, SQLITE_STATIC);
	/* The rows' bytes gather in b and go to the hash in runs of
	 * CRDT_DIGEST_RUN: the same bytes in the same order, fewer calls. */
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		struct crdt_meta m;
		const void *mp = sqlite3_column_blob(st, (int)t->ncols + 1);
		int mlen = sqlite3_column_bytes(st, (int)t->ncols + 1);
		if (mlen > CRDT_META_MAX || crdt_meta_decode(&m, mp, (size_t)mlen)) {
			rc = ERR_CORRUPT;
			goto out;
		}
		buf_put_u8(b, t->id);
		buf_put_u32be(b, (uint32_t)sqlite3_column_bytes(st, 0));
		buf_put(b, sqlite3_column_text(st, 0), (size_t)sqlite3_column_bytes(st, 0));
		for (unsigned c = 0; c < t->ncols; c++) {
			struct crdt_group *g = crdt_meta_find(&m, (int)c);
			if (!g)
				continue;
			buf_put_u8(b, (uint8_t)c);
			if (t->cols[c].type == CRDT_REAL && sqlite3_column_type(st, (int)c + 1) == SQLITE_INTEGER) {
				double d = (double)sqlite3_column_int64(st, (int)c + 1);
				uint64_t bits;
				memcpy(&bits, &d, 8);
				buf_put_u8(b, CRDT_REAL);
				buf_put_u64be(b, bits);
			} else {
				crdt_digest_value(b, st, (int)c + 1);
			}
			crdt_digest_clock(b, s, g);
		}
		struct crdt_group *tomb = crdt_meta_find(&m, -1);
		if (tomb) {
			buf_put_u8(b, 0xff);
			crdt_digest_clock(b, s, tomb);
		}
		buf_put_u8(b, 0xfe);
		if (b->err) {
			rc = b->err;
			goto out;
		}
		if (b->len >= CRDT_DIGEST_RUN) {
			sha256_update(h, b->data, b->len);
			buf_reset(b);
		}
	}
	rc = rc == SQLITE_DONE ? 0 : crdt_sql_rc(rc);
out:
	sqlite3_reset(st);
	return rc;
}

/*
 * The digest memo. A hub is asked its county's digest at the end of every
 * session, and the county's rows change seldom: a digest is kept and given
 * again while none of the rows it hashes can have changed.
 *  M1. A digest is kept only when computed outside any transaction (so it
 *      is of committed rows: a rollback cannot leave it wrong), and given
 *      only outside any transaction.
 *  M2. The domain tables are written only by crdt_row_write,
 *      crdt_row_insert_new (store.c) and crdt_cand_drop (merge.c); each
 *      calls crdt_digest_forget with the scope the row has after the
 *      write. A row's scope only ever falls (merge.c R5: the least scope
 *      of its commits), so the rows a write can add to or take from a
 *      scope's digest are of a scope at or above the written one: the
 *      digests forgotten are those of every scope >= it (byte order) and
 *      the whole one; a write of no or an unknown scope forgets them all.
 *      So a station's writes never forget the county's ("" is the least).
 *  M3. Another connection's commit (another process writing the file)
 *      changes PRAGMA data_version: then every kept digest is forgotten
 *      before one is given.
 *  M4. At most CRDT_DIGEST_MEMO are kept; a new one takes a free place or
 *      that of the one given least recently: the county's, asked every
 *      session, stays while the stations' scopes (which change every
 *      session) come and go.
 */
void crdt_digest_forget(struct crdt_store *s, const char *scope)
{
	for (size_t i = 0; i < CRDT_DIGEST_MEMO; i++) {
		struct crdt_digest_memo *m = &s->dmemo[i];
		if (m->valid && (!scope || m->whole || strcmp(m->scope, scope) >= 0))
			m->valid = false;
	}
}

/* M3: PRAGMA data_version now, or -1 when it cannot be read. */
static sqlite3_int64 crdt_data_version(struct crdt_store *s)
{
	sqlite3_int64 v = -1;
	if (!s->st_data_version &&
	    sqlite3_prepare_v2(s->db, "PRAGMA data_version", -1, &s->st_data_version, NULL) != SQLITE_OK)
		return -1; /* finalized by crdt_store_close */
	if (sqlite3_step(s->st_data_version) == SQLITE_ROW)
		v = sqlite3_column_int64(s->st_data_version, 0);
	sqlite3_reset(s->st_data_version);
	return v;
}

static struct crdt_digest_memo *crdt_digest_kept(struct crdt_store *s, const char *scope)
{
	for (size_t i = 0; i < CRDT_DIGEST_MEMO; i++) {
		struct crdt_digest_memo *m = &s->dmemo[i];
		if (m->valid && m->whole == !scope && (!scope || strcmp(m->scope, scope) == 0))
			return m;
	}
	return NULL;
}

static void crdt_digest_keep(struct crdt_store *s, const char *scope, const uint8_t d[32])
{
	struct crdt_digest_memo *m = &s->dmemo[0];
	for (size_t i = 0; i < CRDT_DIGEST_MEMO; i++) { /* M4: a free place, or the least used */
		struct crdt_digest_memo *x = &s->dmemo[i];
		if (!x->valid) {
			m = x;
			break;
		}
		if (x->used < m->used)
			m = x;
	}
	m->used = ++s->dmemo_clock;
	m->valid = true;
	m->whole = !scope;
	snprintf(m->scope, sizeof(m->scope), "%s", scope ? scope : "");
	memcpy(m->d, d, 32);
}

int crdt_store_digest(struct crdt_store *s, const char *scope, uint8_t out[32])
{
	struct sha256 h;
	int rc = 0;
	memset(out, 0, 32);
	if (scope && !crdt_scope_ok(scope))
		return ERR_USAGE;
	if (s->depth && (rc = crdt_cache_flush(s)) != 0) { /* rowcache.c K4 */
		if (!s->batch_rc)
			s->batch_rc = rc;
		return rc;
	}
	bool memo = !s->depth && sqlite3_get_autocommit(s->db); /* M1 */
	sqlite3_int64 dv = memo ? crdt_data_version(s) : -1;
	if (memo && (dv < 0 || dv != s->dmemo_dv)) { /* M3 */
		crdt_digest_forget(s, NULL);
		s->dmemo_dv = dv;
	}
	struct crdt_digest_memo *kept = memo && dv >= 0 ? crdt_digest_kept(s, scope) : NULL;
	if (kept) {
		kept->used = ++s->dmemo_clock; /* M4 */
		memcpy(out, kept->d, 32);
		return 0;
	}
	struct buf b;
	buf_init(&b, CRDT_DIGEST_RUN + (1 << 20)); /* a run and a row */
	sha256_init(&h);
	for (size_t i = 0; i < crdt_ntables && !rc; i++)
		if (crdt_tables[i].name)
			rc = crdt_digest_table(s, &crdt_tables[i], scope, &h, &b);
	if (!rc)
		sha256_update(&h, b.data, b.len);
	buf_release(&b);
	if (rc) {
		memset(&h, 0, sizeof(h));
		return rc;
	}
	sha256_final(&h, out);
	if (memo && dv >= 0 && crdt_data_version(s) == dv) /* M1, M3: nobody wrote meanwhile */
		crdt_digest_keep(s, scope, out);
	return 0;
}

int crdt_store_conflicts(struct crdt_store *s, uint64_t *n)
{
	return crdt_count(s, "SELECT count(*) FROM _conflicts", n);
}
