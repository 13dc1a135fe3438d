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
 *      the tombstone arrives (an upsert and a delete of one row in one
 *      commit share a clock: the row ends deleted, in either order). So a delete beats every earlier write, and a
 *      later write re-creates the row with only the columns written after
 *      the delete (the author meant to).
 *  R3. LWW column: holds the value of the largest K among surviving writes
 *      (ties are the same commit: the later write in it wins).
 *  R5. A row's scope (_scope, what its digest by scope counts it under) is
 *      the least, in byte order, of the scopes of all commits that wrote it:
 *      a tombstone stays with its station, and the order of arrival does not
 *      matter. (Trust lets a station write only its own scope, so in
 *      practice every write of a row shares one scope.)
 *  R4. LIFECYCLE register (orders.status with orders.volunteer and the
 *      optional orders.claimant): holds the values of the write with the
 *      largest (phase, step, K); an optional part that write left out is
 *      NULL. Orders are not
 *      deletable, so R2 never interleaves with R4 (a tombstone dropping a
 *      register winner would need the runner-up, which is not kept).
 *
 * Invariants (APPEND tables):
 *  A1. A row, once held, never changes, except that
 *  A2. two inserts of one pk (or of one unique key) with other clocks
 *      resolve to the smaller K everywhere; when their contents differ the
 *      loser is kept in _conflicts for the administrator, never merged.
 *  A3. While _conflicts is empty, an insert whose pk and key no row holds
 *      is the whole of its component: it becomes a row, by a plain INSERT
 *      that the pk and the unique index refuse otherwise (writing nothing,
 *      so the component is then decided as usual).
 *
 * Transitions of one row under one write:
 *   state \ write    | upsert K             | delete K
 *   -----------------+----------------------+-------------------------
 *   absent           | row with W's columns | tombstone-only row (dead)
 *   live, T < K      | R3/R4 per column     | R1, R2: drop values <= K
 *   any, T >= K      | dropped              | no-op
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "base/err.h"
#include "base/mem.h"
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

/* Compare two lifecycle writes by (phase, step); both statuses are valid. */
static int crdt_lifecycle_cmp(const struct crdt_value *a, const struct crdt_value *b)
{
	int pa = crdt_status_phase(a->s, a->len), pb = crdt_status_phase(b->s, b->len);
	if (pa != pb)
		return pa < pb ? -1 : 1;
	int sa = crdt_status_step(a->s, a->len), sb = crdt_status_step(b->s, b->len);
	return sa < sb ? -1 : sa > sb;
}

bool crdt_row_scope(struct crdt_row *r, const char *scope)
{
	if (r->has_scope && strcmp(scope, r->scope) >= 0)
		return false;
	snprintf(r->scope, sizeof(r->scope), "%s", scope);
	r->has_scope = true;
	return true;
}

static int crdt_merge_rows(struct crdt_store *s, const struct crdt_table *t,
			   const struct crdt_write *w, uint64_t hlc, uint32_t author, const char *scope)
{
	struct crdt_row *r = &s->row;
	int rc = crdt_row_load(s, t, w->pk, w->pk_len, r);
	if (rc)
		return rc;
	bool changed = crdt_row_scope(r, scope); /* R5: even when the values lose */
	struct crdt_group *tomb = crdt_meta_find(&r->m, -1);
	if (tomb && crdt_clock_cmp(s, hlc, author, tomb->hlc, tomb->author) <= 0) /* R2 */
		return changed ? crdt_row_put(s, t, w->pk, w->pk_len, r) : 0;

	if (w->op == CRDT_DELETE) {
		crdt_meta_set(&r->m, -1, hlc, author); /* R1 */
		for (unsigned c = 0; c < t->ncols; c++) {
			struct crdt_group *g = crdt_meta_find(&r->m, (int)c);
			if (g && crdt_clock_cmp(s, g->hlc, g->author, hlc, author) <= 0) {
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
			if (!(w->mask >> k & 1)) { /* an optional part left out: NULL */
				r->v[k].type = CRDT_NULL;
				crdt_meta_clear(&r->m, (int)k);
				continue;
			}
			r->v[k] = w->vals[k];
			crdt_meta_set(&r->m, (int)k, hlc, author);
		}
		changed = true;
	}
	return changed ? crdt_row_put(s, t, w->pk, w->pk_len, r) : 0;
}

/*
 * Append tables (A1, A2). The visible rows are a function of the set of
 * inserts seen: take the inserts in clock order; an insert becomes a row
 * unless an earlier one already took its pk or its unique key; every other
 * insert is kept in _conflicts. Conflicts only link inserts that share a pk
 * or a key, so a new insert re-decides just its component: the inserts
 * reachable from it through shared pks and keys, live or in _conflicts.
 */
struct crdt_cand {
	uint8_t *body; /* one-write body, owned */
	size_t len;
	struct crdt_write *w; /* decoded from body */
	uint64_t hlc;
	uint32_t author;
	char scope[CRDT_SCOPE_MAX + 1]; /* of the commit that inserted it */
	bool live, accepted;
};


/* The component's array lives in the store, allocated once. */
static int crdt_component_init(struct crdt_component *k)
{
	if (!k->c && !(k->c = mem_calloc(CRDT_COMPONENT_MAX, sizeof(*k->c))))
		return -ENOMEM;
	k->n = 0;
	k->held = false;
	return 0;
}

static void crdt_component_release(struct crdt_component *k)
{
	for (size_t i = 0; i < k->n; i++) {
		mem_free(k->c[i].body);
		mem_free(k->c[i].w);
	}
	k->n = 0;
}

static const struct crdt_value *crdt_cand_key(const struct crdt_table *t, const struct crdt_write *w)
{
	if (t->unique_col < 0 || !(w->mask >> t->unique_col & 1) ||
	    w->vals[t->unique_col].type != CRDT_TEXT)
		return NULL;
	return &w->vals[t->unique_col];
}

static bool crdt_text_eq(const char *a, size_t alen, const char *b, size_t blen)
{
	return alen == blen && memcmp(a, b, alen) == 0;
}

/* Add an insert (as a write) to the component unless it is there already.
 * Returns 1 when added, 0 when already there, or an error. */
static int crdt_component_add(struct crdt_component *k, const struct crdt_write *w, uint64_t hlc,
			      uint32_t author, const char *scope, bool live)
{
	for (size_t i = 0; i < k->n; i++)
		if (k->c[i].hlc == hlc && k->c[i].author == author &&
		    crdt_text_eq(k->c[i].w->pk, k->c[i].w->pk_len, w->pk, w->pk_len)) {
			if (i == 0 && k->n)
				k->held = true; /* the new insert was here already */
			return 0;
		}
	if (k->n == CRDT_COMPONENT_MAX)
		return ERR_TOOBIG;
	struct crdt_cand *c = &k->c[k->n];
	struct buf b;
	size_t n;
	buf_init(&b, CRDT_BODY_MAX);
	int rc = crdt_body_encode(&b, w, 1);
	if (!rc)
		rc = crdt_body_decode(b.data, b.len, &c->w, &n);
	if (rc) {
		buf_release(&b);
		return rc;
	}
	c->body = b.data; /* the decoded write borrows it */
	c->len = b.len;
	c->hlc = hlc;
	c->author = author;
	snprintf(c->scope, sizeof(c->scope), "%s", scope ? scope : "");
	c->live = live;
	c->accepted = false;
	k->n++;
	return 1;
}

static void crdt_write_from_row(const struct crdt_table *t, const struct crdt_row *r, const char *pk,
				size_t pk_len, struct crdt_write *w)
{
	crdt_write_init(w, t->id, CRDT_UPSERT, NULL);
	w->pk = pk;
	w->pk_len = pk_len;
	for (unsigned c = 0; c < t->ncols; c++)
		if (r->v[c].type != CRDT_NULL) {
			w->mask |= 1u << c;
			w->vals[c] = r->v[c];
		}
}

/* Add the live row with this pk, if any. */
static int crdt_component_live(struct crdt_store *s, const struct crdt_table *t,
			       struct crdt_component *k, const char *pk, size_t pk_len)
{
	struct crdt_row *r = &s->row2;
	struct crdt_write w;
	int rc = crdt_row_load(s, t, pk, pk_len, r);
	if (rc || !r->exists)
		return rc;
	if (r->m.n != 1)
		return ERR_CORRUPT;
	crdt_write_from_row(t, r, pk, pk_len, &w);
	rc = crdt_component_add(k, &w, r->m.g[0].hlc, r->m.g[0].author, r->has_scope ? r->scope : "",
				true);
	return rc < 0 ? rc : 0;
}

/* Add every kept loser whose pk (by_key false) or key (true) is text. */
static int crdt_component_losers(struct crdt_store *s, const struct crdt_table *t,
				 struct crdt_component *k, bool by_key, const char *text, size_t len)
{
	sqlite3_stmt *st = by_key ? s->st_conf_by_key : s->st_conf_by_pk;
	int step, rc = 0;
	sqlite3_bind_int(st, 1, t->id);
	sqlite3_bind_text(st, 2, text, (int)len, SQLITE_STATIC);
	while ((step = sqlite3_step(st)) == SQLITE_ROW && !rc) {
		struct crdt_write *w;
		size_t n;
		rc = crdt_body_decode(sqlite3_column_blob(st, 2), (size_t)sqlite3_column_bytes(st, 2), &w, &n);
		if (rc)
			break;
		rc = n == 1 ? crdt_component_add(k, w, (uint64_t)sqlite3_column_int64(st, 0),
						  (uint32_t)sqlite3_column_int64(st, 1),
						  (const char *)sqlite3_column_text(st, 3), false)
			    : ERR_CORRUPT;
		rc = rc < 0 ? rc : 0;
		mem_free(w);
	}
	sqlite3_reset(st);
	if (!rc && step != SQLITE_ROW && step != SQLITE_DONE)
		rc = crdt_sql_rc(step);
	return rc;
}

/* The live row holding this unique key, if any, by its pk. */
static int crdt_component_live_key(struct crdt_store *s, const struct crdt_table *t,
				   struct crdt_component *k, const struct crdt_value *key)
{
	sqlite3_stmt *st = s->t[t->id].bykey;
	char pk[CRDT_PK_MAX + 1];
	size_t pk_len = 0;
	sqlite3_bind_text(st, 1, key->s, (int)key->len, SQLITE_STATIC);
	int step = sqlite3_step(st);
	if (step == SQLITE_ROW) {
		pk_len = (size_t)sqlite3_column_bytes(st, 0);
		if (pk_len > CRDT_PK_MAX)
			step = SQLITE_CORRUPT;
		else
			memcpy(pk, sqlite3_column_text(st, 0), pk_len);
	}
	sqlite3_reset(st);
	if (step == SQLITE_DONE)
		return 0;
	if (step != SQLITE_ROW)
		return crdt_sql_rc(step);
	return crdt_component_live(s, t, k, pk, pk_len);
}

/* Grow the component from k->c[0] until no insert shares a pk or key. */
static int crdt_component_gather(struct crdt_store *s, const struct crdt_table *t,
				 struct crdt_component *k)
{
	int rc = 0;
	for (size_t i = 0; i < k->n && !rc; i++) {
		const struct crdt_write *w = k->c[i].w;
		const struct crdt_value *key = crdt_cand_key(t, w);
		if ((rc = crdt_component_live(s, t, k, w->pk, w->pk_len)) ||
		    (rc = crdt_component_losers(s, t, k, false, w->pk, w->pk_len)))
			break;
		if (key && ((rc = crdt_component_live_key(s, t, k, key)) ||
			    (rc = crdt_component_losers(s, t, k, true, key->s, key->len))))
			break;
	}
	return rc;
}

static int crdt_cand_cmp(const struct crdt_store *s, const struct crdt_cand *a, const struct crdt_cand *b)
{
	int o = crdt_clock_cmp(s, a->hlc, a->author, b->hlc, b->author);
	if (o)
		return o;
	/* one commit inserting two rows: order by pk */
	size_t n = a->w->pk_len < b->w->pk_len ? a->w->pk_len : b->w->pk_len;
	o = memcmp(a->w->pk, b->w->pk, n);
	return o ? o : (a->w->pk_len > b->w->pk_len) - (a->w->pk_len < b->w->pk_len);
}

/* s->row as the row that w inserts into an append table, at clock (hlc,
 * author), from a commit of scope. */
static struct crdt_row *crdt_insert_row(struct crdt_store *s, const struct crdt_table *t,
					const struct crdt_write *w, uint64_t hlc, uint32_t author,
					const char *scope)
{
	struct crdt_row *r = &s->row;
	r->exists = false;
	r->has_scope = false;
	crdt_row_scope(r, scope);
	memset(&r->m, 0, sizeof(r->m));
	for (unsigned i = 0; i < t->ncols; i++)
		r->v[i] = (w->mask >> i & 1) ? w->vals[i] : (struct crdt_value){ .type = CRDT_NULL };
	crdt_meta_set(&r->m, 0, hlc, author);
	r->m.g[0].mask = (1u << t->ncols) - 1; /* the insert's clock covers every column */
	return r;
}

/* Insert w as a new row of an append table (its component was dropped). */
static int crdt_insert_put(struct crdt_store *s, const struct crdt_table *t,
			   const struct crdt_write *w, uint64_t hlc, uint32_t author, const char *scope)
{
	return crdt_row_put(s, t, w->pk, w->pk_len, crdt_insert_row(s, t, w, hlc, author, scope));
}

static int crdt_cand_put(struct crdt_store *s, const struct crdt_table *t, const struct crdt_cand *c)
{
	return crdt_insert_put(s, t, c->w, c->hlc, c->author, c->scope); /* the component was dropped */
}

static int crdt_cand_drop(struct crdt_store *s, const struct crdt_table *t, const struct crdt_cand *c)
{
	sqlite3_stmt *st;
	if (c->live) {
		crdt_digest_forget(s, NULL); /* a row of a scope not known here */
		st = s->t[t->id].del;
		sqlite3_bind_text(st, 1, c->w->pk, (int)c->w->pk_len, SQLITE_STATIC);
	} else {
		st = s->st_conf_del;
		sqlite3_bind_int(st, 1, t->id);
		sqlite3_bind_text(st, 2, c->w->pk, (int)c->w->pk_len, SQLITE_STATIC);
		sqlite3_bind_int64(st, 3, (sqlite3_int64)c->hlc);
		sqlite3_bind_int64(st, 4, c->author);
	}
	int rc = sqlite3_step(st);
	sqlite3_reset(st);
	return rc == SQLITE_DONE ? 0 : crdt_sql_rc(rc);
}

static int crdt_cand_lose(struct crdt_store *s, const struct crdt_table *t, const struct crdt_cand *c)
{
	sqlite3_stmt *st = s->st_conflict_ins;
	const struct crdt_value *key = crdt_cand_key(t, c->w);
	sqlite3_bind_int(st, 1, t->id);
	sqlite3_bind_text(st, 2, c->w->pk, (int)c->w->pk_len, SQLITE_STATIC);
	if (key)
		sqlite3_bind_text(st, 3, key->s, (int)key->len, SQLITE_STATIC);
	else
		sqlite3_bind_null(st, 3);
	sqlite3_bind_int64(st, 4, (sqlite3_int64)c->hlc);
	sqlite3_bind_int64(st, 5, c->author);
	sqlite3_bind_blob(st, 6, c->body, (int)c->len, SQLITE_STATIC);
	sqlite3_bind_text(st, 7, c->scope, -1, SQLITE_STATIC);
	s->no_conflicts = false;
	int rc = sqlite3_step(st);
	sqlite3_reset(st);
	return rc == SQLITE_DONE ? 0 : crdt_sql_rc(rc);
}

/* Decide the component again: clock order, first come takes pk and key. */
static int crdt_component_settle(struct crdt_store *s, const struct crdt_table *t,
				 struct crdt_component *k)
{
	int rc = 0;
	for (size_t i = 1; i < k->n; i++) /* insertion sort: components are tiny */
		for (size_t j = i; j > 0 && crdt_cand_cmp(s, &k->c[j], &k->c[j - 1]) < 0; j--) {
			struct crdt_cand tmp = k->c[j];
			k->c[j] = k->c[j - 1];
			k->c[j - 1] = tmp;
		}
	for (size_t i = 0; i < k->n; i++) {
		const struct crdt_write *w = k->c[i].w;
		const struct crdt_value *key = crdt_cand_key(t, w);
		bool taken = false;
		for (size_t j = 0; j < i && !taken; j++) {
			if (!k->c[j].accepted)
				continue;
			const struct crdt_value *kj = crdt_cand_key(t, k->c[j].w);
			taken = crdt_text_eq(w->pk, w->pk_len, k->c[j].w->pk, k->c[j].w->pk_len) ||
				(key && kj && crdt_text_eq(key->s, key->len, kj->s, kj->len));
		}
		k->c[i].accepted = !taken;
	}
	for (size_t i = 0; i < k->n && !rc; i++)
		rc = crdt_cand_drop(s, t, &k->c[i]);
	for (size_t i = 0; i < k->n && !rc; i++)
		rc = k->c[i].accepted ? crdt_cand_put(s, t, &k->c[i]) : crdt_cand_lose(s, t, &k->c[i]);
	return rc;
}

static int crdt_merge_append(struct crdt_store *s, const struct crdt_table *t,
			     const struct crdt_write *w, uint64_t hlc, uint32_t author, const char *scope)
{
	struct crdt_component *k = &s->component;
	int rc;

	/* A3: nearly every insert: no loser is kept anywhere, and no row holds
	 * its pk or its key. Then the component is the insert alone, and one
	 * plain INSERT both checks that (the pk and the unique index refuse a
	 * taken pk or key) and writes the row; when it refuses, it has written
	 * nothing and the component decides, as for any other insert. */
	if (s->no_conflicts) {
		rc = crdt_row_insert_new(s, t, w->pk, w->pk_len, crdt_insert_row(s, t, w, hlc, author, scope));
		if (rc <= 0)
			return rc;
	}
	if ((rc = crdt_component_init(k)) || (rc = crdt_component_add(k, w, hlc, author, scope, false)) < 0)
		return rc;
	rc = crdt_component_gather(s, t, k);
	/* The new insert is c[0]; if gathering met it again (same pk and
	 * clock) it is already held: nothing changes. */
	if (!rc && !k->held)
		rc = crdt_component_settle(s, t, k);
	crdt_component_release(k);
	return rc;
}

int crdt_merge_write(struct crdt_store *s, const struct crdt_write *w, uint64_t hlc, uint32_t author,
		     const char *scope)
{
	const struct crdt_table *t = crdt_schema_table(w->table);
	if (!t)
		return ERR_SCHEMA;
	if (t->kind == CRDT_KIND_APPEND)
		return crdt_merge_append(s, t, w, hlc, author, scope);
	return crdt_merge_rows(s, t, w, hlc, author, scope);
}
