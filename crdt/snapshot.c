// SPDX-License-Identifier: MIT
/*
 * snapshot.c - the state of one scope as bytes, and those bytes joined
 * into a replica by the merge rules (docs/replica.md "Snapshots").
 *
 * An export holds, for scope S: every row of every table whose _scope is
 * S, as its clock groups (one entry per group: the columns written at one
 * clock, or the row's tombstone), the losers of append conflicts kept in
 * _conflicts for S, and the feeds' heads of S with the chain hash and
 * checkpoint of each head commit. Layout (all integers varints unless
 * named):
 *   "CLSS" u8 version(1) u8 len(scope) scope
 *   nauthors, nauthors x 32-byte author id
 *   nheads, per head: author#, seq, hlc, u8 flags (1: hash, 2: sig),
 *       [32-byte hash], [64-byte sig]
 *   nentries, per entry: u8 kind (0: a row's group, 1: a kept loser),
 *       author#, hlc, len, a commit body (crdt_body_encode) of 1 or 2
 *       writes (a tombstone's DELETE, the group's UPSERT)
 *
 * Invariants:
 *  N1. An entry is exactly a write the source merged (or one whose effect
 *      is the same: a group holds the columns whose surviving value came
 *      from one clock), so importing it with crdt_merge_write at its
 *      clock gives every column the (value, clock) the source holds, or
 *      a larger one the importer holds already: the merge rules are
 *      commutative, associative and idempotent, so an import commutes
 *      with commits and a second import changes nothing.
 *  N2. The export reads heads and rows in one read transaction, so a
 *      head never names a commit whose writes the rows lack.
 *  N3. A feed's head is lowered below its first commit that is not
 *      merged (held back or carried): the snapshot never claims a commit
 *      its rows do not show. A feed whose head commit's seal is held
 *      neither in _log nor in _base is left out (its commits come again
 *      by sync; merging them again is a no-op).
 *  N4. Import checks everything (the bytes, every body, every clock
 *      against the bound) before its first write, and writes in one
 *      transaction: all of it or nothing. Each head becomes the feed's
 *      base (crdt_store_base_set), so later commits chain on it and the
 *      version vector says the feed is held up to there.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "base/err.h"
#include "base/mem.h"
#include "crdt/crdt_internal.h"

#define SNAP_MAGIC "CLSS"
#define SNAP_VERSION 1
#define SNAP_F_HASH 1
#define SNAP_F_SIG 2

struct snap_out {
	struct crdt_store *s;
	uint32_t *map; /* local author index -> snapshot number + 1 (0: none yet) */
	size_t map_n;
	struct buf authors, heads, entries;
	size_t nauthors, nheads, nentries;
};

static int snap_author(struct snap_out *o, uint32_t idx, uint64_t *num)
{
	if (idx == 0 || idx > o->s->nauthors)
		return ERR_CORRUPT;
	if (idx >= o->map_n) {
		size_t n = o->s->nauthors + 1;
		uint32_t *m = mem_calloc(n, sizeof(*m));
		if (!m)
			return -ENOMEM;
		if (o->map)
			memcpy(m, o->map, o->map_n * sizeof(*m));
		mem_free(o->map);
		o->map = m;
		o->map_n = n;
	}
	if (!o->map[idx]) {
		buf_put(&o->authors, crdt_author_id(o->s, idx), CRDT_AUTHOR_LEN);
		o->map[idx] = (uint32_t)++o->nauthors;
	}
	*num = o->map[idx] - 1;
	return o->authors.err;
}

/* One entry: kind, author, clock, and a body of n writes. */
static int snap_entry(struct snap_out *o, uint8_t kind, uint32_t author, uint64_t hlc,
		      const struct crdt_write *w, size_t n, struct buf *tmp)
{
	uint64_t num;
	int rc = snap_author(o, author, &num);
	if (rc)
		return rc;
	buf_reset(tmp);
	if ((rc = crdt_body_encode(tmp, w, n)) || (rc = tmp->err))
		return rc;
	buf_put_u8(&o->entries, kind);
	buf_put_varint(&o->entries, num);
	buf_put_varint(&o->entries, hlc);
	buf_put_lenbytes(&o->entries, tmp->data, tmp->len);
	o->nentries++;
	return o->entries.err;
}

/* The value of column c of the row st is on (column i of the statement). */
static void snap_value(const struct crdt_column *col, sqlite3_stmt *st, int i, struct crdt_value *v)
{
	memset(v, 0, sizeof(*v));
	switch (sqlite3_column_type(st, i)) {
	case SQLITE_NULL:
		v->type = CRDT_NULL;
		break;
	case SQLITE_INTEGER:
		if (col->type == CRDT_REAL) {
			v->type = CRDT_REAL;
			v->r = (double)sqlite3_column_int64(st, i);
		} else {
			v->type = CRDT_INT;
			v->i = sqlite3_column_int64(st, i);
		}
		break;
	case SQLITE_FLOAT:
		v->type = CRDT_REAL;
		v->r = sqlite3_column_double(st, i);
		break;
	default:
		v->type = CRDT_TEXT;
		v->s = (const char *)sqlite3_column_text(st, i);
		v->len = (size_t)sqlite3_column_bytes(st, i);
		if (!v->s)
			v->s = "";
		break;
	}
}

static int snap_table(struct snap_out *o, const struct crdt_table *t, const char *scope, struct buf *tmp)
{
	char sql[1024];
	sqlite3_stmt *st;
	int rc;
	int n = snprintf(sql, sizeof(sql), "SELECT pk");
	for (size_t c = 0; c < t->ncols; c++)
		n += snprintf(sql + n, sizeof(sql) - (size_t)n, ", \"%s\"", t->cols[c].name);
	snprintf(sql + n, sizeof(sql) - (size_t)n, ", _m FROM \"%s\" WHERE _scope = ?1", t->name);
	if ((rc = sqlite3_prepare_v2(o->s->db, sql, -1, &st, NULL)) != SQLITE_OK)
		return crdt_sql_rc(rc);
	sqlite3_bind_text(st, 1, scope, -1, SQLITE_STATIC);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		struct crdt_meta m;
		const void *mp = sqlite3_column_blob(st, (int)t->ncols + 1);
		int mlen = sqlite3_column_bytes(st, (int)t->ncols + 1);
		size_t pk_len = (size_t)sqlite3_column_bytes(st, 0);
		const char *pk = (const char *)sqlite3_column_text(st, 0);
		if (!pk || pk_len == 0 || pk_len > CRDT_PK_MAX || mlen > CRDT_META_MAX ||
		    crdt_meta_decode(&m, mp, (size_t)mlen)) {
			rc = ERR_CORRUPT;
			goto out;
		}
		for (size_t g = 0; g < m.n; g++) {
			struct crdt_write w[2];
			size_t nw = 0;
			if (m.g[g].tomb) {
				crdt_write_init(&w[nw], t->id, CRDT_DELETE, NULL);
				w[nw].pk = pk;
				w[nw++].pk_len = pk_len;
			}
			uint32_t mask = m.g[g].mask & ((t->ncols >= 32 ? 0 : 1u << t->ncols) - 1);
			if (t->kind == CRDT_KIND_APPEND)
				mask = 0; /* below: the non-NULL values, as an insert carries them */
			if (mask || t->kind == CRDT_KIND_APPEND) {
				struct crdt_write *u = &w[nw++];
				crdt_write_init(u, t->id, CRDT_UPSERT, NULL);
				u->pk = pk;
				u->pk_len = pk_len;
				for (unsigned c = 0; c < t->ncols; c++) {
					struct crdt_value v;
					snap_value(&t->cols[c], st, (int)c + 1, &v);
					if (t->kind == CRDT_KIND_APPEND ? v.type == CRDT_NULL : !(mask >> c & 1))
						continue;
					u->mask |= 1u << c;
					u->vals[c] = v;
				}
				if (t->kind == CRDT_KIND_APPEND && !u->mask)
					nw--; /* an insert of nothing: not a row anyone wrote */
			}
			if (nw && (rc = snap_entry(o, 0, m.g[g].author, m.g[g].hlc, w, nw, tmp)))
				goto out;
		}
	}
	rc = rc == SQLITE_DONE ? 0 : crdt_sql_rc(rc);
out:
	sqlite3_finalize(st);
	return rc;
}

/* The losers of append conflicts kept for scope: each is the one-write
 * body it was kept as, at its clock. */
static int snap_losers(struct snap_out *o, const char *scope, struct buf *tmp)
{
	sqlite3_stmt *st;
	int rc = sqlite3_prepare_v2(o->s->db, "SELECT hlc, author, body FROM _conflicts WHERE scope = ?1",
				    -1, &st, NULL);
	if (rc != SQLITE_OK)
		return crdt_sql_rc(rc);
	sqlite3_bind_text(st, 1, scope, -1, SQLITE_STATIC);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		struct crdt_write *w = NULL;
		size_t n = 0;
		uint64_t hlc = (uint64_t)sqlite3_column_int64(st, 0);
		sqlite3_int64 a = sqlite3_column_int64(st, 1);
		rc = crdt_body_decode(sqlite3_column_blob(st, 2), (size_t)sqlite3_column_bytes(st, 2), &w, &n);
		if (!rc && (n != 1 || a <= 0 || a > UINT32_MAX))
			rc = ERR_CORRUPT;
		if (!rc)
			rc = snap_entry(o, 1, (uint32_t)a, hlc, w, n, tmp);
		mem_free(w);
		if (rc)
			goto out;
	}
	rc = rc == SQLITE_DONE ? 0 : crdt_sql_rc(rc);
out:
	sqlite3_finalize(st);
	return rc;
}

/* The head of one feed (N3), appended to o->heads. */
static int snap_head(struct snap_out *o, sqlite3_stmt *first, sqlite3_stmt *seal, uint32_t author,
		     const char *scope, uint64_t seq, uint64_t hlc, crdt_seal_split_fn split)
{
	struct crdt_base base;
	uint8_t hash[32], sig[64], flags = 0;
	bool has_sig = false;
	uint64_t num;
	int rc;

	sqlite3_bind_int64(first, 1, author);
	sqlite3_bind_text(first, 2, scope, -1, SQLITE_STATIC);
	rc = sqlite3_step(first);
	if (rc == SQLITE_ROW && sqlite3_column_type(first, 0) != SQLITE_NULL) {
		uint64_t bad = (uint64_t)sqlite3_column_int64(first, 0);
		if (bad <= seq)
			seq = bad - 1; /* N3: not merged from there on */
	}
	sqlite3_reset(first);
	if (rc != SQLITE_ROW && rc != SQLITE_DONE)
		return crdt_sql_rc(rc);
	if (seq == 0)
		return 0;
	memset(hash, 0, sizeof(hash));
	memset(sig, 0, sizeof(sig));
	sqlite3_bind_int64(seal, 1, author);
	sqlite3_bind_text(seal, 2, scope, -1, SQLITE_STATIC);
	sqlite3_bind_int64(seal, 3, (sqlite3_int64)seq);
	rc = sqlite3_step(seal);
	if (rc == SQLITE_ROW) {
		hlc = (uint64_t)sqlite3_column_int64(seal, 0);
		const uint8_t *p = sqlite3_column_blob(seal, 1);
		size_t len = (size_t)sqlite3_column_bytes(seal, 1);
		if (p && len && split) {
			if (split(p, len, hash, sig, &has_sig) != 0)
				rc = SQLITE_CORRUPT;
			else
				flags = SNAP_F_HASH | (has_sig ? SNAP_F_SIG : 0);
		}
	}
	sqlite3_reset(seal);
	if (rc == SQLITE_DONE) { /* not in _log: the base, if it is that commit */
		rc = crdt_store_base_get(o->s, crdt_author_id(o->s, author), scope, &base);
		if (rc == ERR_NOTFOUND || (!rc && base.seq != seq))
			return 0; /* N3: left out */
		if (rc)
			return rc;
		hlc = base.hlc;
		memcpy(hash, base.hash, sizeof(hash));
		memcpy(sig, base.sig, sizeof(sig));
		flags = SNAP_F_HASH | (base.has_sig ? SNAP_F_SIG : 0);
	} else if (rc != SQLITE_ROW) {
		return rc == SQLITE_CORRUPT ? ERR_CORRUPT : crdt_sql_rc(rc);
	}
	if ((rc = snap_author(o, author, &num)))
		return rc;
	buf_put_varint(&o->heads, num);
	buf_put_varint(&o->heads, seq);
	buf_put_varint(&o->heads, hlc);
	buf_put_u8(&o->heads, flags);
	if (flags & SNAP_F_HASH)
		buf_put(&o->heads, hash, sizeof(hash));
	if (flags & SNAP_F_SIG)
		buf_put(&o->heads, sig, sizeof(sig));
	o->nheads++;
	return o->heads.err;
}

static int snap_heads(struct snap_out *o, const char *scope, const uint8_t *skip, crdt_seal_split_fn split)
{
	sqlite3_stmt *st = NULL, *first = NULL, *seal = NULL;
	int rc;
	if ((rc = sqlite3_prepare_v2(o->s->db, "SELECT author, seq, hlc FROM _heads WHERE scope = ?1",
				     -1, &st, NULL)) != SQLITE_OK ||
	    (rc = sqlite3_prepare_v2(o->s->db,
				     "SELECT min(seq) FROM _log WHERE author = ?1 AND scope = ?2 AND carried IS NOT NULL",
				     -1, &first, NULL)) != SQLITE_OK ||
	    (rc = sqlite3_prepare_v2(o->s->db,
				     "SELECT hlc, seal FROM _log WHERE author = ?1 AND scope = ?2 AND seq = ?3", -1,
				     &seal, NULL)) != SQLITE_OK) {
		rc = crdt_sql_rc(rc);
		goto out;
	}
	sqlite3_bind_text(st, 1, scope, -1, SQLITE_STATIC);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		sqlite3_int64 a = sqlite3_column_int64(st, 0);
		if (a <= 0 || (uint64_t)a > o->s->nauthors) {
			rc = ERR_CORRUPT;
			goto out;
		}
		if (skip && memcmp(crdt_author_id(o->s, (uint32_t)a), skip, CRDT_AUTHOR_LEN) == 0)
			continue;
		if ((rc = snap_head(o, first, seal, (uint32_t)a, scope, (uint64_t)sqlite3_column_int64(st, 1),
				    (uint64_t)sqlite3_column_int64(st, 2), split)))
			goto out;
	}
	rc = rc == SQLITE_DONE ? 0 : crdt_sql_rc(rc);
out:
	sqlite3_finalize(st);
	sqlite3_finalize(first);
	sqlite3_finalize(seal);
	return rc;
}

static bool snap_scope_ok(const char *scope)
{
	return scope && strlen(scope) <= CRDT_SCOPE_MAX;
}

int crdt_snapshot_export(struct crdt_store *s, const char *scope, const struct crdt_snap_export *opt,
			 struct buf *out)
{
	struct snap_out o;
	struct buf tmp;
	bool txn = false;
	int rc;

	if (!snap_scope_ok(scope))
		return ERR_USAGE;
	memset(&o, 0, sizeof(o));
	o.s = s;
	buf_init(&o.authors, CRDT_SNAP_MAX);
	buf_init(&o.heads, CRDT_SNAP_MAX);
	buf_init(&o.entries, CRDT_SNAP_MAX);
	buf_init(&tmp, CRDT_BODY_MAX);
	if (s->depth) {
		if ((rc = crdt_cache_flush(s))) /* the batch's rows, as the file will hold them */
			goto out;
	} else {
		if ((rc = crdt_sql_exec(s, "BEGIN"))) /* N2: one read transaction */
			goto out;
		txn = true;
	}
	if ((rc = crdt_authors_load(s)) ||
	    (rc = snap_heads(&o, scope, opt ? opt->skip_author : NULL, opt ? opt->split : NULL)))
		goto out;
	for (size_t i = 0; i < crdt_ntables && !rc; i++)
		rc = snap_table(&o, &crdt_tables[i], scope, &tmp);
	if (!rc)
		rc = snap_losers(&o, scope, &tmp);
	if (rc)
		goto out;
	buf_put(out, SNAP_MAGIC, 4);
	buf_put_u8(out, SNAP_VERSION);
	buf_put_lenbytes(out, scope, strlen(scope));
	buf_put_varint(out, o.nauthors);
	buf_put(out, o.authors.data, o.authors.len);
	buf_put_varint(out, o.nheads);
	buf_put(out, o.heads.data, o.heads.len);
	buf_put_varint(out, o.nentries);
	buf_put(out, o.entries.data, o.entries.len);
	rc = o.authors.err ? o.authors.err : o.heads.err ? o.heads.err : o.entries.err ? o.entries.err : out->err;
	if (!rc && out->len > CRDT_SNAP_MAX)
		rc = ERR_TOOBIG;
out:
	if (txn)
		crdt_sql_exec(s, "COMMIT"); /* read only: nothing to keep or lose */
	mem_free(o.map);
	buf_release(&o.authors);
	buf_release(&o.heads);
	buf_release(&o.entries);
	buf_release(&tmp);
	return rc;
}

/* ---- decode and import ------------------------------------------------ */

void crdt_snapshot_release(struct crdt_snapshot *snap)
{
	mem_free(snap->heads);
	memset(snap, 0, sizeof(*snap));
}

/* Walk the entries: check each (decode) and, with s, merge it. */
static int snap_entries(const struct crdt_snapshot *snap, struct crdt_store *s, const uint32_t *idx,
			struct crdt_clock *clock, uint64_t wall_ms)
{
	struct cur c;
	int rc = 0;
	cur_init(&c, snap->entries, snap->entries_len);
	for (size_t i = 0; i < snap->nentries; i++) {
		uint8_t kind;
		uint64_t num, hlc;
		const uint8_t *body;
		size_t len, n = 0;
		struct crdt_write *w = NULL;
		if (cur_get_u8(&c, &kind) || cur_get_varint(&c, &num) || cur_get_varint(&c, &hlc) ||
		    cur_get_lenbytes(&c, CRDT_BODY_MAX, &body, &len))
			return ERR_CORRUPT;
		if (kind > 1 || num >= snap->nauthors || hlc == 0 || hlc > INT64_MAX)
			return ERR_CORRUPT;
		if ((rc = crdt_body_decode(body, len, &w, &n)))
			return rc;
		if (n == 0 || n > 2 || (n == 2 && (w[0].op != CRDT_DELETE || w[1].op != CRDT_UPSERT)) ||
		    (kind == 1 && (n != 1 || w[0].op != CRDT_UPSERT)))
			rc = ERR_CORRUPT;
		for (size_t k = 0; k < n && !rc; k++) {
			const struct crdt_table *t = crdt_schema_table(w[k].table);
			if (!t || (n == 2 && (w[1].table != w[0].table || w[1].pk_len != w[0].pk_len ||
					      memcmp(w[1].pk, w[0].pk, w[0].pk_len) != 0)) ||
			    (kind == 1 && t->kind != CRDT_KIND_APPEND))
				rc = ERR_CORRUPT;
		}
		if (!rc && clock)
			rc = crdt_hlc_observe(clock, hlc, wall_ms);
		for (size_t k = 0; k < n && !rc && s; k++)
			rc = crdt_merge_write(s, &w[k], hlc, idx[num], snap->scope);
		mem_free(w);
		if (rc)
			return rc;
	}
	return cur_done(&c) ? 0 : ERR_CORRUPT;
}

int crdt_snapshot_decode(const uint8_t *p, size_t len, struct crdt_snapshot *out)
{
	struct cur c;
	const uint8_t *m, *sc;
	uint8_t ver;
	size_t sl;
	uint64_t n;
	int rc = ERR_CORRUPT;

	memset(out, 0, sizeof(*out));
	if (len > CRDT_SNAP_MAX)
		return ERR_TOOBIG;
	cur_init(&c, p, len);
	if (cur_get_bytes(&c, 4, &m) || memcmp(m, SNAP_MAGIC, 4) != 0 || cur_get_u8(&c, &ver) ||
	    ver != SNAP_VERSION || cur_get_lenbytes(&c, CRDT_SCOPE_MAX, &sc, &sl) ||
	    memchr(sc, 0, sl))
		goto fail;
	memcpy(out->scope, sc, sl);
	out->scope[sl] = '\0';
	if (cur_get_varint(&c, &n) || n > CRDT_SNAP_AUTHORS_MAX || n * CRDT_AUTHOR_LEN > cur_left(&c) ||
	    cur_get_bytes(&c, (size_t)n * CRDT_AUTHOR_LEN, &out->authors))
		goto fail;
	out->nauthors = (size_t)n;
	if (cur_get_varint(&c, &n) || n > CRDT_SNAP_AUTHORS_MAX || n > cur_left(&c) / 4)
		goto fail;
	if (n && !(out->heads = mem_calloc((size_t)n, sizeof(*out->heads)))) {
		rc = -ENOMEM;
		goto fail;
	}
	out->nheads = (size_t)n;
	for (size_t i = 0; i < out->nheads; i++) {
		struct crdt_snap_head *h = &out->heads[i];
		uint64_t num;
		uint8_t flags;
		if (cur_get_varint(&c, &num) || num >= out->nauthors || cur_get_varint(&c, &h->seq) ||
		    h->seq == 0 || h->seq > INT64_MAX || cur_get_varint(&c, &h->hlc) || h->hlc == 0 ||
		    h->hlc > INT64_MAX || cur_get_u8(&c, &flags) || (flags & ~3) ||
		    ((flags & SNAP_F_SIG) && !(flags & SNAP_F_HASH)) ||
		    ((flags & SNAP_F_HASH) && cur_copy(&c, h->hash, sizeof(h->hash))) ||
		    ((flags & SNAP_F_SIG) && cur_copy(&c, h->sig, sizeof(h->sig))))
			goto fail;
		memcpy(h->author, out->authors + num * CRDT_AUTHOR_LEN, CRDT_AUTHOR_LEN);
		h->has_hash = flags & SNAP_F_HASH;
		h->has_sig = flags & SNAP_F_SIG;
		for (size_t k = 0; k < i; k++)
			if (memcmp(out->heads[k].author, h->author, CRDT_AUTHOR_LEN) == 0)
				goto fail; /* one head per feed */
	}
	if (cur_get_varint(&c, &n) || n > cur_left(&c) / 4 + 1)
		goto fail;
	out->nentries = (size_t)n;
	out->entries = (const uint8_t *)c.p + c.pos;
	out->entries_len = cur_left(&c);
	if ((rc = snap_entries(out, NULL, NULL, NULL, 0)))
		goto fail;
	return 0;
fail:
	crdt_snapshot_release(out);
	return rc;
}

int crdt_snapshot_import(struct crdt_store *s, uint64_t wall_ms, const struct crdt_snapshot *snap)
{
	uint32_t *idx = NULL;
	struct crdt_clock clock;
	bool own = !s->depth;
	int rc;

	if (!snap_scope_ok(snap->scope))
		return ERR_USAGE;
	if (!(idx = mem_calloc(snap->nauthors + 1, sizeof(*idx))))
		return -ENOMEM;
	/* N4: every clock against the bound before the first write */
	clock = s->clock;
	if ((rc = snap_entries(snap, NULL, NULL, &clock, wall_ms)))
		goto out;
	for (size_t i = 0; i < snap->nheads && !rc; i++)
		rc = crdt_hlc_observe(&clock, snap->heads[i].hlc, wall_ms);
	if (rc)
		goto out;
	if (own && (rc = crdt_store_begin(s)))
		goto out;
	for (size_t i = 0; i < snap->nauthors && !rc; i++)
		rc = crdt_author_index(s, snap->authors + i * CRDT_AUTHOR_LEN, &idx[i]);
	if (!rc) {
		clock = s->clock;
		rc = snap_entries(snap, s, idx, &clock, wall_ms);
	}
	for (size_t i = 0; i < snap->nheads && !rc; i++) {
		const struct crdt_snap_head *h = &snap->heads[i];
		struct crdt_base b;
		memset(&b, 0, sizeof(b));
		memcpy(b.author, h->author, CRDT_AUTHOR_LEN);
		snprintf(b.scope, sizeof(b.scope), "%s", snap->scope);
		b.seq = h->seq;
		b.hlc = h->hlc;
		memcpy(b.hash, h->hash, sizeof(b.hash));
		memcpy(b.sig, h->sig, sizeof(b.sig));
		b.has_sig = h->has_sig;
		if (!rc)
			rc = crdt_hlc_observe(&clock, h->hlc, wall_ms);
		if (!rc)
			rc = crdt_store_base_set(s, &b);
	}
	if (!rc)
		s->clock = clock;
	if (own) {
		if (rc)
			crdt_store_abort(s);
		else
			rc = crdt_store_end(s);
	} else if (rc && !s->batch_rc) {
		s->batch_rc = rc < 0 ? rc : ERR_STORAGE;
	}
out:
	mem_free(idx);
	return rc;
}
