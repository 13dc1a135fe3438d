/* SPDX-License-Identifier: MIT */
/*
 * trace.h - read the village workload trace (../shared/workload/README.md)
 * and turn its operations into crdt writes. Header-only, for the
 * dictionary trainer (sync/dict/train.c) and the benchmark
 * (tests/bench/bench_sync.c); not part of the library.
 *
 * A line is one flat JSON object; cols holds strings, numbers or null.
 * Strings point into the op struct, which must outlive the write.
 */
#ifndef CUNLIAN_SYNC_TRACE_H
#define CUNLIAN_SYNC_TRACE_H

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "crdt/crdt.h"

#define TR_DAY0 1740672000000ULL
#define TR_DAY 86400000ULL

struct tr_val {
	char name[32];
	int type; /* CRDT_NULL, CRDT_INT, CRDT_REAL, CRDT_TEXT */
	long long i;
	double r;
	char s[CRDT_TEXT_MAX + 1];
};

struct tr_op {
	unsigned long long t;
	char site[64];
	char table[64];
	int del;
	char pk[CRDT_PK_MAX + 1];
	int n;
	struct tr_val v[CRDT_COLS_MAX];
};

static const char *tr_ws(const char *p)
{
	while (*p == ' ' || *p == '\t' || *p == '\n' || *p == '\r')
		p++;
	return p;
}

/* A JSON string at p (at the quote) into out; returns past it or NULL. */
static const char *tr_str(const char *p, char *out, size_t cap)
{
	size_t n = 0;
	if (*p++ != '"')
		return NULL;
	while (*p && *p != '"') {
		char ch = *p++;
		if (ch == '\\') {
			ch = *p++;
			if (ch == 'n')
				ch = '\n';
			else if (ch == 't')
				ch = '\t';
			else if (ch == 'u') {
				unsigned u = (unsigned)strtoul((char[5]){ p[0], p[1], p[2], p[3], 0 }, NULL, 16);
				p += 4;
				if (n + 3 >= cap)
					return NULL;
				if (u < 0x80) {
					out[n++] = (char)u;
				} else if (u < 0x800) {
					out[n++] = (char)(0xc0 | u >> 6);
					out[n++] = (char)(0x80 | (u & 0x3f));
				} else {
					out[n++] = (char)(0xe0 | u >> 12);
					out[n++] = (char)(0x80 | (u >> 6 & 0x3f));
					out[n++] = (char)(0x80 | (u & 0x3f));
				}
				continue;
			}
		}
		if (n + 1 >= cap)
			return NULL;
		out[n++] = ch;
	}
	out[n] = '\0';
	return *p == '"' ? p + 1 : NULL;
}

static const char *tr_value(const char *p, struct tr_val *v)
{
	p = tr_ws(p);
	if (*p == '"') {
		v->type = CRDT_TEXT;
		return tr_str(p, v->s, sizeof(v->s));
	}
	if (strncmp(p, "null", 4) == 0) {
		v->type = CRDT_NULL;
		return p + 4;
	}
	char *end;
	const char *q = p;
	int real = 0;
	while (*q && *q != ',' && *q != '}') {
		if (*q == '.' || *q == 'e' || *q == 'E')
			real = 1;
		q++;
	}
	if (real) {
		v->type = CRDT_REAL;
		v->r = strtod(p, &end);
	} else {
		v->type = CRDT_INT;
		v->i = strtoll(p, &end, 10);
	}
	return end == p ? NULL : end;
}

/* Parse one line; 0 on success. */
static int tr_parse(const char *p, struct tr_op *op)
{
	char key[32], tmp[64];
	memset(op, 0, sizeof(*op));
	p = tr_ws(p);
	if (*p++ != '{')
		return -1;
	while (1) {
		p = tr_ws(p);
		if (*p == '}')
			return 0;
		if (*p == ',') {
			p++;
			continue;
		}
		if (!(p = tr_str(p, key, sizeof(key))))
			return -1;
		p = tr_ws(p);
		if (*p++ != ':')
			return -1;
		p = tr_ws(p);
		if (strcmp(key, "cols") == 0) {
			if (*p++ != '{')
				return -1;
			while (1) {
				p = tr_ws(p);
				if (*p == '}') {
					p++;
					break;
				}
				if (*p == ',') {
					p++;
					continue;
				}
				if (op->n == CRDT_COLS_MAX)
					return -1;
				struct tr_val *v = &op->v[op->n++];
				if (!(p = tr_str(p, v->name, sizeof(v->name))))
					return -1;
				p = tr_ws(p);
				if (*p++ != ':' || !(p = tr_value(p, v)))
					return -1;
			}
		} else if (strcmp(key, "t") == 0) {
			char *end;
			op->t = strtoull(p, &end, 10);
			p = end;
		} else {
			if (!(p = tr_str(p, tmp, sizeof(tmp))))
				return -1;
			if (strcmp(key, "site") == 0)
				snprintf(op->site, sizeof(op->site), "%s", tmp);
			else if (strcmp(key, "table") == 0)
				snprintf(op->table, sizeof(op->table), "%s", tmp);
			else if (strcmp(key, "op") == 0)
				op->del = strcmp(tmp, "delete") == 0;
			else if (strcmp(key, "pk") == 0)
				snprintf(op->pk, sizeof(op->pk), "%s", tmp);
		}
	}
}

/* The write of an op (strings borrowed from op); 0 on success. */
static int tr_write(const struct tr_op *op, struct crdt_write *w)
{
	const struct crdt_table *t = crdt_schema_find(op->table);
	if (!t)
		return -1;
	crdt_write_init(w, t->id, op->del ? CRDT_DELETE : CRDT_UPSERT, op->pk);
	for (int i = 0; i < op->n && !op->del; i++) {
		const struct tr_val *v = &op->v[i];
		const struct crdt_column *c = crdt_table_find(t, v->name);
		int rc = 0;
		if (!c)
			return -1;
		if (v->type == CRDT_NULL)
			rc = crdt_write_null(w, v->name);
		else if (c->type == CRDT_TEXT)
			rc = crdt_write_text(w, v->name, v->s);
		else if (c->type == CRDT_INT)
			rc = crdt_write_int(w, v->name, v->type == CRDT_REAL ? (long long)v->r : v->i);
		else
			rc = crdt_write_real(w, v->name, v->type == CRDT_REAL ? v->r : (double)v->i);
		if (rc)
			return rc;
	}
	return 0;
}

/* The day of a time in the trace. */
static inline int tr_day(unsigned long long t)
{
	return (int)((t - TR_DAY0) / TR_DAY);
}

/* A site's fixed key seed: its name, zero-padded. */
static inline void tr_site_seed(const char *site, unsigned char seed[32])
{
	memset(seed, 0, 32);
	memcpy(seed, "cunlian-site:", 13);
	memcpy(seed + 13, site, strlen(site) < 19 ? strlen(site) : 19);
}

#endif
