/* SPDX-License-Identifier: MIT */
/*
 * trace.h - read the standard village trace (../shared/workload) into
 * memory, for the benchmarks. Header-only (static functions) so each bench
 * program stays one file plus this.
 *
 * A trace line: {"t":ms,"site":"s0001","table":"orders","op":"upsert",
 * "pk":"s0001-o8","cols":{"status":"open",...}}. Values are strings,
 * integers, reals or null. The reader is strict about that shape and
 * stops with a message on anything else.
 */
#ifndef CUNLIAN_BENCH_TRACE_H
#define CUNLIAN_BENCH_TRACE_H

#include <ctype.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/mem.h"
#include "crdt/crdt.h"

#define TRACE_DAY0 1740672000000ULL
#define TRACE_DAY 86400000ULL

struct trace_col {
	const char *name;
	struct crdt_value v; /* TEXT points into the op's arena */
};

struct trace_op {
	uint64_t t;
	char site[16];
	char table[16];
	int del;
	char pk[40];
	size_t ncols;
	struct trace_col cols[16];
	char *arena; /* owned: the op's strings */
};

struct trace {
	struct trace_op *ops;
	size_t n, cap;
};

static void trace_die(const char *what, size_t line)
{
	fprintf(stderr, "trace: %s at line %zu\n", what, line);
	exit(2);
}

static const char *trace_ws(const char *p)
{
	while (*p == ' ' || *p == '\t' || *p == '\r' || *p == '\n')
		p++;
	return p;
}

/* Parse a JSON string at p (at the quote) into out; returns the end. */
static const char *trace_str(const char *p, char *out, size_t cap, size_t line)
{
	size_t n = 0;
	if (*p++ != '"')
		trace_die("string expected", line);
	while (*p && *p != '"') {
		char c = *p++;
		if (c == '\\') {
			c = *p++;
			if (c == 'n')
				c = '\n';
			else if (c == 't')
				c = '\t';
			else if (c == 'u')
				trace_die("\\u escapes are not expected", line);
		}
		if (n + 1 >= cap)
			trace_die("string too long", line);
		out[n++] = c;
	}
	if (*p != '"')
		trace_die("unterminated string", line);
	out[n] = '\0';
	return p + 1;
}

static void trace_parse_line(struct trace_op *op, const char *p, size_t line)
{
	char key[32];
	char *arena = malloc(8192);
	size_t used = 0;
	memset(op, 0, sizeof(*op));
	op->arena = arena;
	p = trace_ws(p);
	if (*p++ != '{')
		trace_die("object expected", line);
	for (;;) {
		p = trace_str(trace_ws(p), key, sizeof(key), line);
		p = trace_ws(p);
		if (*p++ != ':')
			trace_die("':' expected", line);
		p = trace_ws(p);
		if (strcmp(key, "t") == 0) {
			op->t = strtoull(p, (char **)&p, 10);
		} else if (strcmp(key, "site") == 0) {
			p = trace_str(p, op->site, sizeof(op->site), line);
		} else if (strcmp(key, "table") == 0) {
			p = trace_str(p, op->table, sizeof(op->table), line);
		} else if (strcmp(key, "op") == 0) {
			char v[16];
			p = trace_str(p, v, sizeof(v), line);
			op->del = strcmp(v, "delete") == 0;
		} else if (strcmp(key, "pk") == 0) {
			p = trace_str(p, op->pk, sizeof(op->pk), line);
		} else if (strcmp(key, "cols") == 0) {
			if (*p++ != '{')
				trace_die("cols object expected", line);
			p = trace_ws(p);
			while (*p != '}') {
				struct trace_col *c = &op->cols[op->ncols++];
				if (op->ncols > 16)
					trace_die("too many columns", line);
				p = trace_str(p, arena + used, 8192 - used, line);
				c->name = arena + used;
				used += strlen(c->name) + 1;
				p = trace_ws(p);
				if (*p++ != ':')
					trace_die("':' expected", line);
				p = trace_ws(p);
				if (*p == '"') {
					p = trace_str(p, arena + used, 8192 - used, line);
					c->v.type = CRDT_TEXT;
					c->v.s = arena + used;
					c->v.len = strlen(c->v.s);
					used += c->v.len + 1;
				} else if (strncmp(p, "null", 4) == 0) {
					c->v.type = CRDT_NULL;
					p += 4;
				} else {
					const char *e = p;
					int real = 0;
					while (*e == '-' || *e == '+' || *e == '.' || *e == 'e' || *e == 'E' ||
					       isdigit((unsigned char)*e))
						real |= (*e == '.' || *e == 'e' || *e == 'E'), e++;
					if (e == p)
						trace_die("value expected", line);
					if (real) {
						c->v.type = CRDT_REAL;
						c->v.r = strtod(p, NULL);
					} else {
						c->v.type = CRDT_INT;
						c->v.i = strtoll(p, NULL, 10);
					}
					p = e;
				}
				p = trace_ws(p);
				if (*p == ',')
					p = trace_ws(p + 1);
			}
			p++;
		} else {
			trace_die("unknown key", line);
		}
		p = trace_ws(p);
		if (*p == ',') {
			p++;
			continue;
		}
		if (*p == '}')
			break;
		trace_die("',' or '}' expected", line);
	}
}

/* Run villagegen with args into a file under dir; returns its path. */
static const char *trace_generate(const char *dir, const char *args, char *path, size_t cap)
{
	const char *wl = getenv("CUNLIAN_WORKLOAD");
	char cmd[1024];
	snprintf(path, cap, "%s/trace.jsonl", dir);
	snprintf(cmd, sizeof(cmd), "python3 %s/villagegen.py %s > %s", wl ? wl : "../shared/workload", args,
		 path);
	if (system(cmd) != 0) {
		fprintf(stderr, "bench: could not run: %s\n(set CUNLIAN_WORKLOAD to the workload folder)\n",
			cmd);
		exit(2);
	}
	return path;
}

static void trace_load(struct trace *tr, const char *path)
{
	FILE *f = fopen(path, "r");
	char *line = NULL;
	size_t cap = 0, no = 0;
	if (!f) {
		perror(path);
		exit(2);
	}
	memset(tr, 0, sizeof(*tr));
	while (getline(&line, &cap, f) > 0) {
		no++;
		if (MEM_GROW(tr->ops, tr->cap, tr->n + 1))
			abort();
		trace_parse_line(&tr->ops[tr->n++], line, no);
	}
	free(line);
	fclose(f);
}

static void trace_free(struct trace *tr)
{
	for (size_t i = 0; i < tr->n; i++)
		free(tr->ops[i].arena);
	free(tr->ops);
}

static unsigned trace_day(const struct trace_op *op)
{
	return (unsigned)((op->t - TRACE_DAY0) / TRACE_DAY);
}

/* The scope an op belongs to: the station owning the row. */
static void trace_scope(const struct trace_op *op, char *out, size_t cap)
{
	for (size_t i = 0; i < op->ncols; i++)
		if (strcmp(op->cols[i].name, "station") == 0 && op->cols[i].v.type == CRDT_TEXT) {
			snprintf(out, cap, "%s", op->cols[i].v.s);
			return;
		}
	/* pks are <site>-<kind><n>: the creating station */
	snprintf(out, cap, "%.*s", (int)strcspn(op->pk, "-"), op->pk);
}

/* Fill a crdt write from an op. Points rows get their idempotency key:
 * one service credit per order. keybuf holds it (cap bytes). */
static int trace_write(const struct trace_op *op, struct crdt_write *w, char *keybuf, size_t cap)
{
	const struct crdt_table *t = crdt_schema_find(op->table);
	if (!t)
		return -1;
	crdt_write_init(w, t->id, op->del ? CRDT_DELETE : CRDT_UPSERT, op->pk);
	if (op->del)
		return 0;
	const char *reason = NULL, *order = NULL;
	for (size_t i = 0; i < op->ncols; i++) {
		const struct crdt_column *c = crdt_table_find(t, op->cols[i].name);
		if (!c)
			return -1;
		struct crdt_value v = op->cols[i].v;
		if (c->type == CRDT_REAL && v.type == CRDT_INT) {
			v.type = CRDT_REAL;
			v.r = (double)v.i;
		}
		w->mask |= 1u << c->id;
		w->vals[c->id] = v;
		if (strcmp(c->name, "reason") == 0 && v.type == CRDT_TEXT)
			reason = v.s;
		if (strcmp(c->name, "order") == 0 && v.type == CRDT_TEXT)
			order = v.s;
	}
	if (t->unique_col >= 0 && reason && order && strcmp(reason, "service") == 0) {
		snprintf(keybuf, cap, "service:%s", order);
		w->mask |= 1u << t->unique_col;
		w->vals[t->unique_col] = (struct crdt_value){ .type = CRDT_TEXT, .s = keybuf,
							      .len = strlen(keybuf) };
	}
	return 0;
}

static void trace_author(uint8_t out[CRDT_AUTHOR_LEN], const char *site)
{
	memset(out, 0, CRDT_AUTHOR_LEN);
	memcpy(out, site, strlen(site) < CRDT_AUTHOR_LEN ? strlen(site) : CRDT_AUTHOR_LEN);
}

#endif
