/* SPDX-License-Identifier: MIT */
/*
 * crdt_internal.h - what store.c, meta.c and merge.c share.
 *
 * Per-row merge metadata ("_m" column, docs/replica.md): a list of clock
 * groups. Each group holds one clock (HLC, author) and the set of columns
 * whose current value was written at that clock, plus a tombstone flag.
 * A column is in at most one group; a row has at most one tombstone. An
 * insert costs one group, not one metadata row per cell.
 */
#ifndef CUNLIAN_CRDT_INTERNAL_H
#define CUNLIAN_CRDT_INTERNAL_H

#include <sqlite3.h>

#include "crdt/crdt.h"

/* Clocks in metadata count milliseconds from here (2024-01-01 UTC), so a
 * clock of this decade takes 6 bytes, not 9. */
#define CRDT_META_EPOCH_MS 1704067200000LL
#define CRDT_META_MAX 512 /* bytes of one row's metadata */

struct crdt_group {
	uint32_t mask;   /* columns whose value carries this clock */
	bool tomb;       /* the row's tombstone carries this clock */
	uint64_t hlc;
	uint32_t author; /* index in _authors (local to this replica) */
};

struct crdt_meta {
	size_t n;
	struct crdt_group g[CRDT_COLS_MAX + 1];
};

void crdt_meta_encode(const struct crdt_meta *m, struct buf *b);
int crdt_meta_decode(struct crdt_meta *m, const uint8_t *p, size_t len);
/* The group holding column c (or the tombstone, c = -1), or NULL. */
struct crdt_group *crdt_meta_find(struct crdt_meta *m, int c);
/* Give column c (or the tombstone, c = -1) the clock (hlc, author). */
void crdt_meta_set(struct crdt_meta *m, int c, uint64_t hlc, uint32_t author);
/* Forget column c's clock (its value was dropped by a tombstone). */
void crdt_meta_clear(struct crdt_meta *m, int c);
bool crdt_meta_live(const struct crdt_meta *m);

/* A row as loaded for a merge; text values point into text[]. */
struct crdt_row {
	bool exists;
	bool has_scope;
	char scope[CRDT_SCOPE_MAX + 1]; /* _scope: see crdt_row_scope() */
	struct crdt_value v[CRDT_COLS_MAX];
	struct crdt_meta m;
	char text[CRDT_COLS_MAX][CRDT_TEXT_MAX + 1];
};

/* An UPDATE of some of a table's columns (rowcache.c K6), prepared when
 * first needed and kept: at most CRDT_UPD_STMTS, the least recently used
 * finalized to make room. */
#define CRDT_UPD_STMTS 32
struct crdt_upd_stmt {
	sqlite3_stmt *st; /* NULL: free */
	uint32_t cols;    /* CRDT_CHG_* bits set by it */
	uint8_t table;
	uint64_t used;    /* upd_clock when last used */
};

struct crdt_tstmt {
	sqlite3_stmt *get;    /* SELECT cols, _m WHERE pk = ? */
	sqlite3_stmt *put;    /* INSERT OR REPLACE, for a new row */
	sqlite3_stmt *ins;    /* APPEND: INSERT, failing on a taken pk or key */
	sqlite3_stmt *upd;    /* UPDATE all columns, for a loaded row */
	sqlite3_stmt *bykey;  /* APPEND with unique col: SELECT pk WHERE key = ? */
	sqlite3_stmt *del;    /* DELETE WHERE pk = ? */
	/* the digest's SELECT, of every row [0] and of one scope's [1]:
	 * prepared at the first digest, kept (a hub answers one a session) */
	sqlite3_stmt *digest[2];
};

#define CRDT_TABLES_MAX 16
#define CRDT_DIGEST_MEMO 4 /* digests kept (commit.c): a hub's county and a few stations' */
#define CRDT_COMPONENT_MAX 64

/*
 * The batch's row cache (rowcache.c, invariants K1-K6 there): inside
 * crdt_store_begin/end, rows of rows tables are read once, kept here and
 * written back once. Bounded: CRDT_CACHE_ROWS entries of sizeof(struct
 * crdt_cached) (about 1.1 KiB) plus CRDT_CACHE_BYTES of metadata and text,
 * about 3.2 MiB in all, allocated at the store's first batch.
 */
#define CRDT_CACHE_ROWS 1024
#define CRDT_CACHE_SLOTS (2 * CRDT_CACHE_ROWS) /* a power of two */
#define CRDT_CACHE_BYTES ((size_t)2 << 20)

/* The columns of a row, as a bit set (rowcache.c K6): bit c is data
 * column c, then the row's _m, _dead and _scope. */
#define CRDT_CHG_M ((uint32_t)1 << CRDT_COLS_MAX)
#define CRDT_CHG_DEAD ((uint32_t)1 << (CRDT_COLS_MAX + 1))
#define CRDT_CHG_SCOPE ((uint32_t)1 << (CRDT_COLS_MAX + 2))
/* every column of table t */
#define CRDT_CHG_ALL(t) ((((uint32_t)1 << (t)->ncols) - 1) | CRDT_CHG_M | CRDT_CHG_DEAD | CRDT_CHG_SCOPE)
_Static_assert(CRDT_COLS_MAX + 3 <= 32, "a row's columns fit a uint32_t");

struct crdt_cached {
	struct crdt_value v[CRDT_COLS_MAX]; /* TEXT points into the arena */
	const uint8_t *m;                   /* encoded _m, in the arena */
	uint32_t changed;                   /* K6: columns that may differ from the file's row */
	uint16_t m_len;
	uint8_t table;
	uint8_t pk_len;
	bool exists;  /* the replica has the row (K2) */
	bool in_file; /* the file has it: write back with UPDATE (K3) */
	bool dirty;   /* to be written back */
	bool dead;    /* _dead: only a tombstone */
	bool has_scope;
	char scope[CRDT_SCOPE_MAX + 1];
	char pk[CRDT_PK_MAX];
};

struct crdt_rowcache {
	struct crdt_cached *e; /* CRDT_CACHE_ROWS; NULL: write through */
	uint16_t *slot;        /* CRDT_CACHE_SLOTS: entry index + 1, 0 when empty */
	size_t n;              /* entries in use */
	uint8_t *arena;        /* CRDT_CACHE_BYTES */
	size_t used;
};

/* A feed's highest commit added in this transaction (store.c H2). */
struct crdt_head_note {
	uint32_t author;
	char scope[CRDT_SCOPE_MAX + 1];
	uint64_t seq, hlc;
};

struct crdt_cand;
/* The inserts of an append table linked to a new one (merge.c). */
struct crdt_component {
	struct crdt_cand *c;
	size_t n;
	bool held;
};

struct crdt_store {
	sqlite3 *db;
	struct crdt_clock clock;
	uint64_t clock_disk; /* the clock as the file holds it (commit.c C4) */
	int depth;          /* 1 inside crdt_store_begin/end */
	int batch_rc;       /* the first storage failure inside the batch */
	bool no_conflicts;  /* _conflicts was empty at the transaction's start */
	bool sync_off;      /* opened with no_sync: synchronous=OFF (crdt_store_begin_nowait) */
	bool no_wait;       /* synchronous=NORMAL: a batch of crdt_store_begin_nowait, or after
			     * it until FULL is set again (commit.c crdt_store_wait_again) */
	bool no_wait_next;  /* crdt_store_begin called by crdt_store_begin_nowait */
	uint8_t self[CRDT_AUTHOR_LEN];
	uint32_t self_idx;
	uint8_t (*authors)[CRDT_AUTHOR_LEN]; /* index i is authors[i - 1] */
	size_t nauthors, authors_cap;
	size_t sp_nauthors, txn_nauthors; /* to forget authors a rollback undid */
	uint8_t last_author[CRDT_AUTHOR_LEN]; /* one-entry lookup cache */
	uint32_t last_author_idx;
	/* authors 1..nhashed by id: open addressing, slot = number or 0;
	 * rebuilt when a rollback drops authors (nhashed > nauthors) */
	uint32_t *author_slot;
	size_t author_slots, nhashed;
	sqlite3_stmt *st_author_get, *st_authors_after, *st_author_ins, *st_log_has, *st_log_ins, *st_log_seal, *st_log_carried, *st_log_uncarry, *st_log_held_walk, *st_log_max,
		*st_meta_put, *st_conflict_ins, *st_conf_by_pk, *st_conf_by_key, *st_conf_del,
		*st_begin, *st_commit, *st_rollback, *st_meta_hlc, *st_conf_any, *st_log_held, *st_log_walk,
		*st_head_put, *st_base_get, *st_base_put, *st_ack_put, *st_ack_get;
	/* the feeds this transaction added commits to, with the highest seq
	 * added, written to _heads before it commits (store.c H2) */
	struct crdt_head_note *heads;
	size_t nheads, heads_cap, heads_last;
	struct crdt_tstmt t[CRDT_TABLES_MAX];
	struct crdt_row row;     /* scratch for merges */
	struct crdt_row row2;    /* scratch for append conflicts */
	struct crdt_component component;
	struct buf scratch;
	struct buf metabuf; /* row_put's metadata bytes */
	struct buf seal, sealed_body; /* the sealer's output for a local commit */
	struct crdt_sealer sealer;
	struct crdt_rowcache cache;
	struct crdt_upd_stmt upd[CRDT_UPD_STMTS];
	uint64_t upd_clock;
	/* The last base looked up (compact.c crdt_base_seq), good only in the
	 * batch numbered base_txn: _base changes only in a write transaction,
	 * and the batch's holds the lock; a base written in it forgets the
	 * entry. txn counts the batches begun (crdt_store_begin). */
	uint64_t txn, base_txn;
	uint32_t base_author;
	char base_scope[CRDT_SCOPE_MAX + 1];
	uint64_t base_seq;
	/* Digests computed outside any transaction, kept until a row they
	 * hash may have changed (commit.c "digest memo", M1-M4). */
	struct crdt_digest_memo {
		bool valid, whole; /* whole: of every row (scope NULL) */
		char scope[CRDT_SCOPE_MAX + 1];
		uint8_t d[32];
		uint64_t used; /* dmemo_clock when last kept or given (M4) */
	} dmemo[CRDT_DIGEST_MEMO];
	uint64_t dmemo_clock;
	sqlite3_int64 dmemo_dv; /* PRAGMA data_version when they were computed */
	sqlite3_stmt *st_data_version;
	/* frames in the WAL after the last commit (the WAL hook); a batch's
	 * commit leaves its checkpoint to crdt_store_checkpoint (store.c W1-W3) */
	int wal_frames;
};

/* WAL frames (pages) past which a commit is checkpointed, as SQLite's own
 * automatic checkpoint would (its default); and past which even a batch's
 * commit is, so the WAL stays bounded if nobody calls crdt_store_checkpoint. */
#define CRDT_WAL_AUTO 1000
#define CRDT_WAL_MAX 65536

int crdt_author_index(struct crdt_store *s, const uint8_t id[CRDT_AUTHOR_LEN], uint32_t *idx);
/* The number of an author this store has in memory, without SQL; false
 * when not there (an author another process added since may still be in
 * the file). */
bool crdt_author_known(struct crdt_store *s, const uint8_t id[CRDT_AUTHOR_LEN], uint32_t *idx);
const uint8_t *crdt_author_id(const struct crdt_store *s, uint32_t idx);

int crdt_row_load(struct crdt_store *s, const struct crdt_table *t, const char *pk, size_t pk_len,
		  struct crdt_row *r);
int crdt_row_put(struct crdt_store *s, const struct crdt_table *t, const char *pk, size_t pk_len,
		 const struct crdt_row *r);
/* Insert r as a new row of append table t with a plain INSERT (no row
 * cache: append tables are written through). Returns 0 when inserted, 1
 * when a row already holds its pk or its unique key (nothing written), or
 * a storage error. */
int crdt_row_insert_new(struct crdt_store *s, const struct crdt_table *t, const char *pk, size_t pk_len,
			const struct crdt_row *r);
/* Write one row to the file: UPDATE when in_file, else INSERT. m is the
 * encoded _m; scope NULL is no scope. */
int crdt_row_write(struct crdt_store *s, const struct crdt_table *t, const char *pk, size_t pk_len,
		   const struct crdt_value *v, const uint8_t *m, size_t m_len, bool dead,
		   const char *scope, bool in_file);

/* Write the columns cols (CRDT_CHG_* bits, not 0) of a row the file holds
 * with an UPDATE of those alone (rowcache.c K6); v, m, dead and scope as
 * in crdt_row_write, read only where cols has their bit. */
int crdt_row_write_cols(struct crdt_store *s, const struct crdt_table *t, const char *pk, size_t pk_len,
			const struct crdt_value *v, const uint8_t *m, size_t m_len, bool dead,
			const char *scope, uint32_t cols);

/* A row of scope (NULL: no scope, or not known) is written or deleted:
 * forget every kept digest that may hash it (commit.c M2). */
void crdt_digest_forget(struct crdt_store *s, const char *scope);

/* The row cache (rowcache.c). */
void crdt_cache_init(struct crdt_store *s);
void crdt_cache_free(struct crdt_store *s);
void crdt_cache_reset(struct crdt_store *s);
/* Is table t cached now (inside a batch, a rows table, memory allocated)? */
bool crdt_cache_on(const struct crdt_store *s, const struct crdt_table *t);
/* The entry of (t, pk), or NULL when not cached. */
struct crdt_cached *crdt_cache_find(struct crdt_store *s, const struct crdt_table *t, const char *pk,
				    size_t pk_len);
/* Fill r from entry e; texts are copied into r->text. */
int crdt_cache_get(struct crdt_store *s, const struct crdt_table *t, const struct crdt_cached *e,
		   struct crdt_row *r);
/* Keep r as the row (t, pk): dirty false after a load, true for a write. */
int crdt_cache_put(struct crdt_store *s, const struct crdt_table *t, const char *pk, size_t pk_len,
		   const struct crdt_row *r, bool dirty);
/* Write every dirty row to the file; entries stay, clean. */
int crdt_cache_flush(struct crdt_store *s);

/* Merge one checked write at clock (hlc, author), from a commit of scope,
 * into the replica. */
int crdt_merge_write(struct crdt_store *s, const struct crdt_write *w, uint64_t hlc, uint32_t author,
		     const char *scope);
/* Take a commit's scope into the row's: the least (byte order) of all the
 * scopes of commits that wrote it, so any delivery order gives the same.
 * Returns true when it changed. */
bool crdt_row_scope(struct crdt_row *r, const char *scope);

int crdt_sql_exec(struct crdt_store *s, const char *sql);
/* Read the clock on disk into clock_disk and raise clock.last to it
 * (commit.c C4). */
int crdt_clock_disk(struct crdt_store *s);
/* Write the noted heads to _heads (store.c H2; commit.c), and forget them. */
int crdt_heads_flush(struct crdt_store *s);
/* The base seq of feed (author idx, scope): 0 when none (compact.c). */
int crdt_base_seq(struct crdt_store *s, uint32_t author, const char *scope, uint64_t *seq);
bool crdt_scope_ok(const char *scope);
/* Load the authors numbered after the ones already in memory. */
int crdt_authors_load(struct crdt_store *s);
/* Step a prepared statement that returns no rows, and reset it. */
int crdt_stmt_run(sqlite3_stmt *st);
int crdt_sql_rc(int sqlite_rc);

#endif
