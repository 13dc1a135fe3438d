// SPDX-License-Identifier: MIT
/*
 * body.c - a commit's writes in bytes, and the schema check of a write.
 *
 * Layout (docs/replica.md):
 *   body  := varint nwrites, write{nwrites}
 *   write := u8 table, u8 op, varint pk_len, pk,
 *            (op = upsert) varint mask, value for each set bit, low id first
 *   value := u8 type, then INT: zigzag varint | REAL: u64be IEEE-754 bits |
 *            TEXT: varint len, UTF-8 bytes | NULL: nothing
 * One value has one encoding (minimal varints), so equal commits have
 * equal bytes.
 */
#include <errno.h>
#include <math.h>
#include <string.h>

#include "base/err.h"
#include "base/mem.h"
#include "base/utf8.h"
#include "crdt/crdt.h"

void crdt_write_init(struct crdt_write *w, unsigned table, enum crdt_op op, const char *pk)
{
	memset(w, 0, sizeof(*w));
	w->table = (uint8_t)table;
	w->op = (uint8_t)op;
	w->pk = pk;
	w->pk_len = pk ? strlen(pk) : 0;
	if (!crdt_schema_table(table))
		w->err = ERR_SCHEMA;
}

/* The value slot of column c for a value of type (CRDT_NULL fits any
 * column), marked as written; NULL, with the sticky error set, when the
 * column is not w's table's or the type is not the column's. */
static struct crdt_value *crdt_write_slot(struct crdt_write *w, const struct crdt_column *c,
					  enum crdt_type type)
{
	if (!c || (type != CRDT_NULL && type != c->type)) {
		w->err = ERR_SCHEMA;
		return NULL;
	}
	w->mask |= 1u << c->id;
	return &w->vals[c->id];
}

static const struct crdt_column *crdt_write_col_id(const struct crdt_write *w, unsigned col)
{
	const struct crdt_table *t = crdt_schema_table(w->table);
	return t ? crdt_table_column(t, col) : NULL;
}

static const struct crdt_column *crdt_write_col_name(const struct crdt_write *w, const char *col)
{
	const struct crdt_table *t = crdt_schema_table(w->table);
	return t && col ? crdt_table_find(t, col) : NULL;
}

static int crdt_write_put_text(struct crdt_write *w, const struct crdt_column *c, const char *s)
{
	struct crdt_value *v = crdt_write_slot(w, c, s ? CRDT_TEXT : CRDT_NULL);
	if (!v)
		return ERR_SCHEMA;
	memset(v, 0, sizeof(*v));
	if (s) {
		v->type = CRDT_TEXT;
		v->s = s;
		v->len = strlen(s);
	}
	return 0;
}

static int crdt_write_put_int(struct crdt_write *w, const struct crdt_column *c, int64_t i)
{
	struct crdt_value *v = crdt_write_slot(w, c, CRDT_INT);
	if (!v)
		return ERR_SCHEMA;
	memset(v, 0, sizeof(*v));
	v->type = CRDT_INT;
	v->i = i;
	return 0;
}

static int crdt_write_put_real(struct crdt_write *w, const struct crdt_column *c, double r)
{
	struct crdt_value *v = crdt_write_slot(w, c, CRDT_REAL);
	if (!v)
		return ERR_SCHEMA;
	memset(v, 0, sizeof(*v));
	v->type = CRDT_REAL;
	v->r = r;
	return 0;
}

static int crdt_write_put_null(struct crdt_write *w, const struct crdt_column *c)
{
	struct crdt_value *v = crdt_write_slot(w, c, CRDT_NULL);
	if (!v)
		return ERR_SCHEMA;
	memset(v, 0, sizeof(*v));
	return 0;
}

int crdt_write_set_text(struct crdt_write *w, unsigned col, const char *s)
{
	return crdt_write_put_text(w, crdt_write_col_id(w, col), s);
}

int crdt_write_set_int(struct crdt_write *w, unsigned col, int64_t i)
{
	return crdt_write_put_int(w, crdt_write_col_id(w, col), i);
}

int crdt_write_set_real(struct crdt_write *w, unsigned col, double r)
{
	return crdt_write_put_real(w, crdt_write_col_id(w, col), r);
}

int crdt_write_set_null(struct crdt_write *w, unsigned col)
{
	return crdt_write_put_null(w, crdt_write_col_id(w, col));
}

int crdt_write_text(struct crdt_write *w, const char *col, const char *s)
{
	return crdt_write_put_text(w, crdt_write_col_name(w, col), s);
}

int crdt_write_int(struct crdt_write *w, const char *col, int64_t i)
{
	return crdt_write_put_int(w, crdt_write_col_name(w, col), i);
}

int crdt_write_real(struct crdt_write *w, const char *col, double r)
{
	return crdt_write_put_real(w, crdt_write_col_name(w, col), r);
}

int crdt_write_null(struct crdt_write *w, const char *col)
{
	return crdt_write_put_null(w, crdt_write_col_name(w, col));
}

static int crdt_value_check(const struct crdt_column *c, const struct crdt_value *v)
{
	switch (v->type) {
	case CRDT_NULL:
		return c->rule == CRDT_RULE_LIFECYCLE && strcmp(c->name, "status") == 0 ? ERR_SCHEMA : 0;
	case CRDT_INT:
		return c->type == CRDT_INT ? 0 : ERR_SCHEMA;
	case CRDT_REAL:
		return c->type == CRDT_REAL && isfinite(v->r) ? 0 : ERR_SCHEMA;
	case CRDT_TEXT:
		if (c->type != CRDT_TEXT)
			return ERR_SCHEMA;
		if (v->len > CRDT_TEXT_MAX)
			return ERR_TOOBIG;
		if (!utf8_valid(v->s, v->len))
			return ERR_SCHEMA;
		if (c->rule == CRDT_RULE_LIFECYCLE && strcmp(c->name, "status") == 0 &&
		    crdt_status_phase(v->s, v->len) < 0)
			return ERR_SCHEMA;
		return 0;
	}
	return ERR_SCHEMA;
}

int crdt_write_check(const struct crdt_write *w)
{
	const struct crdt_table *t = crdt_schema_table(w->table);
	if (!t || w->err)
		return ERR_SCHEMA;
	if (w->pk_len == 0 || w->pk_len > CRDT_PK_MAX)
		return w->pk_len ? ERR_TOOBIG : ERR_SCHEMA;
	if (!utf8_valid(w->pk, w->pk_len))
		return ERR_SCHEMA;
	if (w->op == CRDT_DELETE)
		return t->deletable && w->mask == 0 ? 0 : ERR_SCHEMA;
	if (w->op != CRDT_UPSERT || w->mask == 0 || (w->mask >> t->ncols) != 0)
		return ERR_SCHEMA;
	uint32_t regmask = 0, optmask = 0;
	for (size_t i = 0; i < t->ncols; i++) {
		const struct crdt_column *c = &t->cols[i];
		if (c->rule == CRDT_RULE_LIFECYCLE)
			*(c->optional ? &optmask : &regmask) |= 1u << c->id;
		if (!(w->mask & (1u << c->id)))
			continue;
		int rc = crdt_value_check(c, &w->vals[c->id]);
		if (rc)
			return rc;
	}
	/* The lifecycle register is written whole or not at all (but for its
	 * optional parts). */
	if ((w->mask & (regmask | optmask)) != 0 && (w->mask & regmask) != regmask)
		return ERR_SCHEMA;
	return 0;
}

static void crdt_value_encode(struct buf *b, const struct crdt_value *v)
{
	buf_put_u8(b, (uint8_t)v->type);
	switch (v->type) {
	case CRDT_NULL:
		break;
	case CRDT_INT:
		buf_put_svarint(b, v->i);
		break;
	case CRDT_REAL: {
		uint64_t bits;
		memcpy(&bits, &v->r, 8);
		buf_put_u64be(b, bits);
		break;
	}
	case CRDT_TEXT:
		buf_put_lenbytes(b, v->s, v->len);
		break;
	}
}

int crdt_body_encode(struct buf *b, const struct crdt_write *w, size_t n)
{
	if (n > CRDT_WRITES_MAX)
		return ERR_TOOBIG;
	for (size_t i = 0; i < n; i++) {
		int rc = crdt_write_check(&w[i]);
		if (rc)
			return rc;
	}
	buf_put_varint(b, n);
	for (size_t i = 0; i < n; i++) {
		buf_put_u8(b, w[i].table);
		buf_put_u8(b, w[i].op);
		buf_put_lenbytes(b, w[i].pk, w[i].pk_len);
		if (w[i].op != CRDT_UPSERT)
			continue;
		buf_put_varint(b, w[i].mask);
		for (unsigned c = 0; c < CRDT_COLS_MAX; c++)
			if (w[i].mask & (1u << c))
				crdt_value_encode(b, &w[i].vals[c]);
	}
	return b->err;
}

static int crdt_value_decode(struct cur *c, struct crdt_value *v)
{
	uint8_t type;
	int rc = cur_get_u8(c, &type);
	if (rc)
		return rc;
	memset(v, 0, sizeof(*v));
	v->type = (enum crdt_type)type;
	switch (type) {
	case CRDT_NULL:
		return 0;
	case CRDT_INT:
		return cur_get_svarint(c, &v->i);
	case CRDT_REAL: {
		uint64_t bits;
		rc = cur_get_u64be(c, &bits);
		memcpy(&v->r, &bits, 8);
		return rc;
	}
	case CRDT_TEXT: {
		const uint8_t *p;
		rc = cur_get_lenbytes(c, CRDT_TEXT_MAX, &p, &v->len);
		v->s = (const char *)p;
		return rc;
	}
	default:
		return ERR_CORRUPT;
	}
}

static int crdt_write_decode(struct cur *c, struct crdt_write *w)
{
	const uint8_t *pk;
	uint64_t mask = 0;
	int rc;
	memset(w, 0, sizeof(*w));
	if ((rc = cur_get_u8(c, &w->table)) || (rc = cur_get_u8(c, &w->op)) ||
	    (rc = cur_get_lenbytes(c, CRDT_PK_MAX, &pk, &w->pk_len)))
		return rc;
	w->pk = (const char *)pk;
	if (w->op == CRDT_UPSERT) {
		if ((rc = cur_get_varint(c, &mask)))
			return rc;
		if (mask >> CRDT_COLS_MAX)
			return ERR_SCHEMA;
		w->mask = (uint32_t)mask;
		for (unsigned i = 0; i < CRDT_COLS_MAX; i++)
			if ((mask & (1u << i)) && (rc = crdt_value_decode(c, &w->vals[i])))
				return rc;
	}
	return crdt_write_check(w);
}

int crdt_body_decode(const uint8_t *p, size_t len, struct crdt_write **out, size_t *n)
{
	struct cur c;
	uint64_t count;
	struct crdt_write *w = NULL;
	int rc;

	*out = NULL;
	*n = 0;
	if (len > CRDT_BODY_MAX)
		return ERR_TOOBIG;
	cur_init(&c, p, len);
	if ((rc = cur_get_varint(&c, &count)))
		return rc;
	if (count == 0 || count > CRDT_WRITES_MAX)
		return count ? ERR_TOOBIG : ERR_CORRUPT;
	if (count > cur_left(&c) / 3) /* a write takes at least 3 bytes */
		return ERR_CORRUPT;
	w = mem_alloc((size_t)count * sizeof(*w));
	if (!w)
		return -ENOMEM;
	for (size_t i = 0; i < count; i++)
		if ((rc = crdt_write_decode(&c, &w[i])))
			goto fail;
	if (!cur_done(&c)) {
		rc = ERR_CORRUPT;
		goto fail;
	}
	*out = w;
	*n = (size_t)count;
	return 0;
fail:
	mem_free(w);
	return rc;
}
