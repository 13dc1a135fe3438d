// SPDX-License-Identifier: MIT
/*
 * rowcache.c - the batch's row cache: inside crdt_store_begin/end, each
 * row of a rows table is read from the file once and written back once.
 *
 * A hub applying a station's day meets the same order several times (open,
 * dispatched, accepted, done, rated). Without the cache each of those
 * merges costs one SELECT and one UPDATE; with it, the first merge loads
 * the row, the others find it here, and the row is written at the end.
 *
 * Invariants:
 *  K1. The cache is used only inside a batch (depth 1), only for rows
 *      tables. Append tables and _conflicts are written through, so every
 *      query the append rules make (by pk, by unique key) sees the file.
 *  K2. An entry holds the row as the replica now has it: the file's row
 *      with this batch's merges applied. A row absent from the file and not
 *      yet written in the batch is an entry with exists false.
 *  K3. in_file says whether the file has the row (write back with UPDATE)
 *      or not (INSERT). Entries are only ever dropped all at once, after a
 *      flush that wrote every dirty one, or at the end of the batch.
 *  K4. Dirty entries reach the file (crdt_cache_flush) before the
 *      transaction commits, before any SQL read of the domain tables from
 *      outside this file's callers (crdt_store_db, the digest), and before
 *      the cache drops them because it is full. The write-back runs inside
 *      the batch's transaction: a storage failure there spoils the batch,
 *      as any storage failure inside a batch does (commit.c), so the file
 *      never holds part of a batch.
 *  K5. Memory is bounded: CRDT_CACHE_ROWS entries and CRDT_CACHE_BYTES of
 *      arena (each write appends the row's metadata and texts; older copies
 *      are dead until the next drop). Both are allocated at the first batch
 *      and kept until crdt_store_close; if the allocation fails, batches
 *      write through as if there were no cache.
 *  K6. changed holds every column (data columns, _m, _dead, _scope;
 *      CRDT_CHG_* bits) whose value in the entry may differ from the
 *      file's: a column whose bit is clear in an in_file entry holds what
 *      the file holds. A load sets none; a put sets the columns whose
 *      value (type and bytes) differs from the entry's before it, and all
 *      of them for an entry it creates (it has no file row to compare
 *      with); a flush clears them. So the flush of an in_file entry
 *      UPDATEs only the columns of changed, and none when changed is
 *      empty, and leaves the same row in the file as writing every column
 *      would; a row not in the file is INSERTed whole. An UPDATE that
 *      leaves a column out leaves the indexes on it alone: an order's
 *      status move no longer rewrites its _scope, list and volunteer
 *      index entries.
 *
 * Transitions of one entry (load = crdt_row_load, put = crdt_row_put):
 *   state \ event     | load           | put                | flush
 *   ------------------+----------------+--------------------+---------------
 *   not cached        | SELECT; clean  | dirty (in_file from| -
 *                     | entry (K2)     | the loaded row),   |
 *                     |                | changed all (K6)   |
 *   clean             | from the entry | dirty, changed |=  | -
 *                     |                | the columns it     |
 *                     |                | changes (K6)       |
 *   dirty             | from the entry | dirty, as above    | written (K6);
 *                     |                |                    | clean, in_file,
 *                     |                |                    | changed none
 */
#include <errno.h>
#include <string.h>

#include "base/err.h"
#include "base/mem.h"
#include "crdt/crdt_internal.h"

/* Allocate the cache once (K5); on failure the store writes through. */
void crdt_cache_init(struct crdt_store *s)
{
	struct crdt_rowcache *k = &s->cache;
	if (k->e)
		return;
	k->e = mem_alloc(CRDT_CACHE_ROWS * sizeof(*k->e));
	k->slot = mem_calloc(CRDT_CACHE_SLOTS, sizeof(*k->slot));
	k->arena = mem_alloc(CRDT_CACHE_BYTES);
	if (!k->e || !k->slot || !k->arena) {
		crdt_cache_free(s);
		return;
	}
	k->n = 0;
	k->used = 0;
}

void crdt_cache_free(struct crdt_store *s)
{
	struct crdt_rowcache *k = &s->cache;
	mem_free(k->e);
	mem_free(k->slot);
	mem_free(k->arena);
	memset(k, 0, sizeof(*k));
}

/* Forget every entry (K3: only after a flush, or when the batch ends). */
void crdt_cache_reset(struct crdt_store *s)
{
	struct crdt_rowcache *k = &s->cache;
	if (!k->e)
		return;
	if (k->n)
		memset(k->slot, 0, CRDT_CACHE_SLOTS * sizeof(*k->slot));
	k->n = 0;
	k->used = 0;
}

bool crdt_cache_on(const struct crdt_store *s, const struct crdt_table *t)
{
	return s->depth && s->cache.e && t->kind == CRDT_KIND_ROWS;
}

static size_t crdt_cache_hash(unsigned table, const char *pk, size_t pk_len)
{
	uint32_t h = 2166136261u ^ table; /* FNV-1a */
	for (size_t i = 0; i < pk_len; i++)
		h = (h ^ (uint8_t)pk[i]) * 16777619u;
	return h & (CRDT_CACHE_SLOTS - 1);
}

/* The slot of (table, pk): the one holding it, or the empty one where it
 * would go. The table never fills: slots are twice the entries. */
static uint16_t *crdt_cache_slot(struct crdt_rowcache *k, unsigned table, const char *pk, size_t pk_len)
{
	size_t i = crdt_cache_hash(table, pk, pk_len);
	for (;; i = (i + 1) & (CRDT_CACHE_SLOTS - 1)) {
		uint16_t *sl = &k->slot[i];
		if (!*sl)
			return sl;
		const struct crdt_cached *e = &k->e[*sl - 1];
		if (e->table == table && e->pk_len == pk_len && memcmp(e->pk, pk, pk_len) == 0)
			return sl;
	}
}

struct crdt_cached *crdt_cache_find(struct crdt_store *s, const struct crdt_table *t, const char *pk,
				    size_t pk_len)
{
	struct crdt_rowcache *k = &s->cache;
	if (!crdt_cache_on(s, t) || pk_len > CRDT_PK_MAX)
		return NULL;
	uint16_t *sl = crdt_cache_slot(k, t->id, pk, pk_len);
	return *sl ? &k->e[*sl - 1] : NULL;
}

int crdt_cache_get(struct crdt_store *s, const struct crdt_table *t, const struct crdt_cached *e,
		   struct crdt_row *r)
{
	(void)s;
	r->exists = e->exists;
	r->has_scope = e->has_scope;
	memcpy(r->scope, e->scope, sizeof(r->scope));
	for (unsigned c = 0; c < t->ncols; c++) {
		r->v[c] = e->v[c];
		if (e->v[c].type == CRDT_TEXT) {
			if (e->v[c].len)
				memcpy(r->text[c], e->v[c].s, e->v[c].len);
			r->v[c].s = r->text[c];
		}
	}
	return crdt_meta_decode(&r->m, e->m, e->m_len);
}

/* Write one dirty entry back: the whole row when the file lacks it, else
 * the columns it changed (K6). */
static int crdt_cache_write(struct crdt_store *s, const struct crdt_cached *e)
{
	const struct crdt_table *t = crdt_schema_table(e->table);
	const char *scope = e->has_scope ? e->scope : NULL;
	uint32_t all = CRDT_CHG_ALL(t);

	if (!e->in_file || e->changed == all)
		return crdt_row_write(s, t, e->pk, e->pk_len, e->v, e->m, e->m_len, e->dead, scope,
				      e->in_file);
	if (!e->changed)
		return 0; /* the file holds this row already */
	return crdt_row_write_cols(s, t, e->pk, e->pk_len, e->v, e->m, e->m_len, e->dead, scope, e->changed);
}

/* Write every dirty entry to the file (K4). */
int crdt_cache_flush(struct crdt_store *s)
{
	struct crdt_rowcache *k = &s->cache;
	for (size_t i = 0; i < k->n; i++) {
		struct crdt_cached *e = &k->e[i];
		if (!e->dirty)
			continue;
		int rc = crdt_cache_write(s, e);
		if (rc)
			return rc;
		e->dirty = false;
		e->in_file = true;
		e->changed = 0;
	}
	return 0;
}

static bool crdt_value_same(const struct crdt_value *a, const struct crdt_value *b)
{
	if (a->type != b->type)
		return false;
	switch (a->type) {
	case CRDT_NULL:
		return true;
	case CRDT_INT:
		return a->i == b->i;
	case CRDT_REAL:
		return memcmp(&a->r, &b->r, sizeof(a->r)) == 0; /* bits: -0.0 is not 0.0 */
	case CRDT_TEXT:
		return a->len == b->len && (!a->len || memcmp(a->s, b->s, a->len) == 0);
	}
	return false;
}

/* The columns of r (its _m encoded as m, m_len) that differ from entry e's
 * (K6). */
static uint32_t crdt_cache_diff(const struct crdt_table *t, const struct crdt_cached *e,
				const struct crdt_row *r, const uint8_t *m, size_t m_len)
{
	uint32_t d = 0;
	for (unsigned c = 0; c < t->ncols; c++)
		if (!crdt_value_same(&e->v[c], &r->v[c]))
			d |= (uint32_t)1 << c;
	if (e->m_len != m_len || (m_len && memcmp(e->m, m, m_len) != 0))
		d |= CRDT_CHG_M;
	if (e->dead != !crdt_meta_live(&r->m))
		d |= CRDT_CHG_DEAD;
	if (e->has_scope != r->has_scope || (r->has_scope && strcmp(e->scope, r->scope) != 0))
		d |= CRDT_CHG_SCOPE;
	return d;
}

/* Keep row r of (t, pk) in the cache: as loaded (dirty false) or as merged
 * (dirty true, what crdt_row_put would have written). */
int crdt_cache_put(struct crdt_store *s, const struct crdt_table *t, const char *pk, size_t pk_len,
		   const struct crdt_row *r, bool dirty)
{
	struct crdt_rowcache *k = &s->cache;
	struct buf *b = &s->metabuf;
	size_t need;
	int rc;

	if (pk_len > CRDT_PK_MAX)
		return ERR_USAGE;
	buf_reset(b);
	crdt_meta_encode(&r->m, b);
	if (b->err)
		return b->err; /* over CRDT_META_MAX: refused as without the cache */
	need = b->len;
	for (unsigned c = 0; c < t->ncols; c++)
		if (r->v[c].type == CRDT_TEXT)
			need += r->v[c].len;
	uint16_t *sl = crdt_cache_slot(k, t->id, pk, pk_len);
	struct crdt_cached *e = *sl ? &k->e[*sl - 1] : NULL;
	bool in_file = e ? e->in_file : r->exists;
	if ((!e && k->n == CRDT_CACHE_ROWS) || k->used + need > CRDT_CACHE_BYTES) {
		/* full: write everything back and start again (K3). A row
		 * that existed is in the file now. */
		if ((rc = crdt_cache_flush(s)))
			return rc;
		crdt_cache_reset(s);
		in_file = r->exists;
		sl = crdt_cache_slot(k, t->id, pk, pk_len);
		e = NULL;
	}
	uint32_t changed;
	if (e) {
		changed = e->changed | crdt_cache_diff(t, e, r, b->data, b->len);
	} else {
		changed = dirty ? CRDT_CHG_ALL(t) : 0; /* nothing to compare with (K6) */
		e = &k->e[k->n++];
		*sl = (uint16_t)k->n;
		e->table = t->id;
		e->pk_len = (uint8_t)pk_len;
		memcpy(e->pk, pk, pk_len);
		e->dirty = false;
	}
	uint8_t *p = k->arena + k->used;
	if (b->len)
		memcpy(p, b->data, b->len);
	e->m = p;
	e->m_len = (uint16_t)b->len;
	p += b->len;
	for (unsigned c = 0; c < t->ncols; c++) {
		e->v[c] = r->v[c];
		if (r->v[c].type == CRDT_TEXT) {
			if (r->v[c].len)
				memcpy(p, r->v[c].s, r->v[c].len);
			e->v[c].s = (const char *)p;
			p += r->v[c].len;
		}
	}
	k->used += need;
	e->changed = changed;
	e->in_file = in_file;
	e->exists = dirty || r->exists;
	e->dirty = e->dirty || dirty;
	e->dead = !crdt_meta_live(&r->m);
	e->has_scope = r->has_scope;
	memcpy(e->scope, r->scope, sizeof(e->scope));
	return 0;
}
