// SPDX-License-Identifier: MIT
/*
 * merge.c - the merge rules.
 *
 * A write W carries a clock K = (HLC, author); clocks compare by HLC, then
 * by the author's id bytes. Every rule below picks a maximum (or minimum)
 * under a total order, so merging is commutative, associative and
 * idempotent: the result depends only on the set of writes.
 *
 * Invariants (ROWS tables):
 *  R1. A row's tombstone clock T is the largest delete clock seen.
 *  R2. A value written at K survives only if K > T. Writes at K <= T are
 *      dropped on arrival; values already held at K <= T are dropped when
 *      the tombstone arrives. So a delete beats every earlier write, and a
 *      later write re-creates the row with only the columns written after
 *      the delete (the author meant to).
 *  R3. LWW column: holds the value of the largest K among surviving writes
 *      (ties are the same commit: the later write in it wins).
 *  R4. LIFECYCLE register (orders.status with orders.volunteer): holds the
 *      pair of the write with the largest (phase, step, K). Orders are not
 *      deletable, so R2 never interleaves with R4 (a tombstone dropping a
 *      register winner would need the runner-up, which is not kept).
 *
 * Invariants (APPEND tables):
 *  A1. A row, once held, never changes, except that
 *  A2. two inserts of one pk (or of one unique key) with other clocks
 *      resolve to the smaller K everywhere; when their contents differ the
 *      loser is kept in _conflicts for the administrator, never merged.
 *
 * Transitions of one row under one write:
 *   state \ write    | upsert K             | delete K
 *   -----------------+----------------------+-------------------------
 *   absent           | row with W's columns | tombstone-only row (dead)
 *   live, T < K      | R3/R4 per column     | R1, R2: drop values <= K
 *   any, T >= K      | dropped              | no-op
 */
#include <string.h>

#include "base/err.h"
#include "crdt/crdt_internal.h"

static int crdt_clock_cmp(const struct crdt_store *s, uint64_t h1, uint32_t a1, uint64_t h2,
			  uint32_t a2)
{
	if (h1 != h2)
		return h1 < h2 ? -1 : 1;
	if (a1 == a2)
		return 0;
	return memcmp(crdt_author_id(s, a1), crdt_author_id(s, a2), CRDT_AUTHOR_LEN) < 0 ? -1 : 1;
}

static bool crdt_value_eq(const struct crdt_value *a, const struct crdt_value *b)
{
	if (a->type != b->type)
		return false;
	switch (a->type) {
	case CRDT_NULL:
		return true;
	case CRDT_INT:
		return a->i == b->i;
	case CRDT_REAL:
		return memcmp(&a->r, &b->r, sizeof(a->r)) == 0;
	case CRDT_TEXT:
		return a->len == b->len && memcmp(a->s, b->s, a->len) == 0;
	}
	return false;
}

/* Compare two lifecycle writes by (phase, step); both statuses are valid. */
static int crdt_lifecycle_cmp(const struct crdt_value *a, const struct crdt_value *b)
{
	int pa = crdt_status_phase(a->s, a->len), pb = crdt_status_phase(b->s, b->len);
	if (pa != pb)
		return pa < pb ? -1 : 1;
	int sa = crdt_status_step(a->s, a->len), sb = crdt_status_step(b->s, b->len);
	return sa < sb ? -1 : sa > sb;
}

static int crdt_merge_rows(struct crdt_store *s, const struct crdt_table *t,
			   const struct crdt_write *w, uint64_t hlc, uint32_t author)
{
	struct crdt_row *r = &s->row;
	int rc = crdt_row_load(s, t, w->pk, w->pk_len, r);
	if (rc)
		return rc;
	struct crdt_group *tomb = crdt_meta_find(&r->m, -1);
	if (tomb && crdt_clock_cmp(s, hlc, author, tomb->hlc, tomb->author) <= 0)
		return 0; /* R2, or a repeated delete */

	bool changed = false;
	if (w->op == CRDT_DELETE) {
		crdt_meta_set(&r->m, -1, hlc, author); /* R1 */
		for (unsigned c = 0; c < t->ncols; c++) {
			struct crdt_group *g = crdt_meta_find(&r->m, (int)c);
			if (g && crdt_clock_cmp(s, g->hlc, g->author, hlc, author) < 0) {
				crdt_meta_clear(&r->m, (int)c);
				r->v[c].type = CRDT_NULL;
			}
		}
		return crdt_row_put(s, t, w->pk, w->pk_len, r);
	}

	bool reg_done = false;
	for (unsigned c = 0; c < t->ncols; c++) {
		if (!(w->mask & (1u << c)))
			continue;
		const struct crdt_column *col = &t->cols[c];
		struct crdt_group *g = crdt_meta_find(&r->m, (int)c);
		if (col->rule == CRDT_RULE_LWW) {
			if (g && crdt_clock_cmp(s, hlc, author, g->hlc, g->author) < 0)
				continue; /* R3 */
			r->v[c] = w->vals[c];
			crdt_meta_set(&r->m, (int)c, hlc, author);
			changed = true;
			continue;
		}
		if (reg_done)
			continue;
		reg_done = true;
		/* R4: the register is status (a valid status, by the schema
		 * check) plus every other LIFECYCLE column, as one. */
		int status = -1;
		for (unsigned k = 0; k < t->ncols; k++)
			if (t->cols[k].rule == CRDT_RULE_LIFECYCLE && t->cols[k].type == CRDT_TEXT &&
			    strcmp(t->cols[k].name, "status") == 0)
				status = (int)k;
		if (g && r->v[status].type == CRDT_TEXT) {
			int o = crdt_lifecycle_cmp(&w->vals[status], &r->v[status]);
			if (o < 0 || (o == 0 && crdt_clock_cmp(s, hlc, author, g->hlc, g->author) < 0))
				continue;
		}
		for (unsigned k = 0; k < t->ncols; k++) {
			if (t->cols[k].rule != CRDT_RULE_LIFECYCLE)
				continue;
			r->v[k] = w->vals[k];
			crdt_meta_set(&r->m, (int)k, hlc, author);
		}
		changed = true;
	}
	return changed ? crdt_row_put(s, t, w->pk, w->pk_len, r) : 0;
}

/* Record the loser of an append conflict. */
static int crdt_conflict_record(struct crdt_store *s, const struct crdt_table *t, const char *pk,
				size_t pk_len, const struct crdt_value *v, uint32_t mask, uint64_t hlc,
				uint32_t author)
{
	struct crdt_write w;
	crdt_write_init(&w, t->id, CRDT_UPSERT, NULL);
	w.pk = pk;
	w.pk_len = pk_len;
	w.mask = mask;
	memcpy(w.vals, v, sizeof(w.vals));
	buf_reset(&s->scratch);
	int rc = crdt_body_encode(&s->scratch, &w, 1);
	if (rc)
		return rc;
	sqlite3_stmt *st = s->st_conflict_ins;
	sqlite3_bind_int(st, 1, t->id);
	sqlite3_bind_text(st, 2, pk, (int)pk_len, SQLITE_STATIC);
	sqlite3_bind_int64(st, 3, (sqlite3_int64)hlc);
	sqlite3_bind_int64(st, 4, author);
	sqlite3_bind_blob(st, 5, s->scratch.data, (int)s->scratch.len, SQLITE_STATIC);
	rc = sqlite3_step(st);
	sqlite3_reset(st);
	sqlite3_clear_bindings(st);
	return rc == SQLITE_DONE ? 0 : crdt_sql_rc(rc);
}

static bool crdt_row_same(const struct crdt_table *t, const struct crdt_row *r,
			  const struct crdt_write *w)
{
	static const struct crdt_value null_value = { .type = CRDT_NULL };
	for (unsigned c = 0; c < t->ncols; c++) {
		const struct crdt_value *wv = (w->mask >> c) & 1 ? &w->vals[c] : &null_value;
		if (!crdt_value_eq(wv, &r->v[c]))
			return false;
	}
	return true;
}

static uint32_t crdt_row_mask(const struct crdt_table *t, const struct crdt_row *r)
{
	uint32_t mask = 0;
	for (unsigned c = 0; c < t->ncols; c++)
		if (r->v[c].type != CRDT_NULL)
			mask |= 1u << c;
	return mask;
}

/* A1/A2 for an existing row r (by pk or by unique key). Returns 1 when the
 * write w loses or is a duplicate, 0 when w should replace r (r has then
 * been recorded and removed), or an error. */
static int crdt_append_contest(struct crdt_store *s, const struct crdt_table *t,
			       const struct crdt_write *w, uint64_t hlc, uint32_t author,
			       const char *rpk, size_t rpk_len, struct crdt_row *r)
{
	const struct crdt_group *g = r->m.n ? &r->m.g[0] : NULL;
	int o = g ? crdt_clock_cmp(s, hlc, author, g->hlc, g->author) : 1;
	if (o == 0)
		return 1; /* the very same insert */
	bool same = crdt_row_same(t, r, w) && rpk_len == w->pk_len && memcmp(rpk, w->pk, rpk_len) == 0;
	if (o > 0) {
		if (same)
			return 1;
		int rc = crdt_conflict_record(s, t, w->pk, w->pk_len, w->vals, w->mask, hlc, author);
		return rc ? rc : 1;
	}
	if (!same) {
		int rc = crdt_conflict_record(s, t, rpk, rpk_len, r->v, crdt_row_mask(t, r), g->hlc,
					      g->author);
		if (rc)
			return rc;
	}
	sqlite3_stmt *st = s->t[t->id].del;
	sqlite3_bind_text(st, 1, rpk, (int)rpk_len, SQLITE_STATIC);
	int rc = sqlite3_step(st);
	sqlite3_reset(st);
	return rc == SQLITE_DONE ? 0 : crdt_sql_rc(rc);
}

static int crdt_merge_append(struct crdt_store *s, const struct crdt_table *t,
			     const struct crdt_write *w, uint64_t hlc, uint32_t author)
{
	struct crdt_row *r = &s->row;
	int rc = crdt_row_load(s, t, w->pk, w->pk_len, r);
	if (rc)
		return rc;
	if (r->exists && (rc = crdt_append_contest(s, t, w, hlc, author, w->pk, w->pk_len, r)))
		return rc < 0 ? rc : 0;

	if (t->unique_col >= 0 && (w->mask >> t->unique_col & 1) &&
	    w->vals[t->unique_col].type == CRDT_TEXT) {
		const struct crdt_value *key = &w->vals[t->unique_col];
		sqlite3_stmt *st = s->t[t->id].bykey;
		char other[CRDT_PK_MAX + 1];
		size_t other_len = 0;
		sqlite3_bind_text(st, 1, key->s, (int)key->len, SQLITE_STATIC);
		rc = sqlite3_step(st);
		if (rc == SQLITE_ROW) {
			other_len = (size_t)sqlite3_column_bytes(st, 0);
			memcpy(other, sqlite3_column_text(st, 0), other_len);
		}
		sqlite3_reset(st);
		if (rc != SQLITE_ROW && rc != SQLITE_DONE)
			return crdt_sql_rc(rc);
		if (rc == SQLITE_ROW) {
			struct crdt_row *r2 = &s->row2;
			if ((rc = crdt_row_load(s, t, other, other_len, r2)))
				return rc;
			rc = crdt_append_contest(s, t, w, hlc, author, other, other_len, r2);
			if (rc)
				return rc < 0 ? rc : 0;
		}
	}

	memset(&r->m, 0, sizeof(r->m));
	for (unsigned c = 0; c < t->ncols; c++)
		r->v[c] = (w->mask >> c & 1) ? w->vals[c] : (struct crdt_value){ .type = CRDT_NULL };
	crdt_meta_set(&r->m, 0, hlc, author);
	r->m.g[0].mask = (1u << t->ncols) - 1; /* the insert's clock covers every column */
	return crdt_row_put(s, t, w->pk, w->pk_len, r);
}

int crdt_merge_write(struct crdt_store *s, const struct crdt_write *w, uint64_t hlc, uint32_t author)
{
	const struct crdt_table *t = crdt_schema_table(w->table);
	if (!t)
		return ERR_SCHEMA;
	if (t->kind == CRDT_KIND_APPEND)
		return crdt_merge_append(s, t, w, hlc, author);
	return crdt_merge_rows(s, t, w, hlc, author);
}
