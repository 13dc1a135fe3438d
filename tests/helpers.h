/* SPDX-License-Identifier: MIT */
/*
 * helpers.h - small helpers the unit tests share (header-only, static).
 */
#ifndef CUNLIAN_TEST_HELPERS_H
#define CUNLIAN_TEST_HELPERS_H

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "crdt/crdt.h"

#define T_DAY0 1740672000000ULL /* 2025-02-28 00:00 +08:00, as the workload */

static inline void t_author(uint8_t out[CRDT_AUTHOR_LEN], const char *name)
{
	memset(out, 0, CRDT_AUTHOR_LEN);
	memcpy(out, name, strlen(name) < CRDT_AUTHOR_LEN ? strlen(name) : CRDT_AUTHOR_LEN);
}

/* A fresh temporary directory for one test's files; the path is static. */
static inline const char *t_tmpdir(void)
{
	static char dir[64];
	snprintf(dir, sizeof(dir), "/tmp/cunlian-test-XXXXXX");
	if (!mkdtemp(dir))
		abort();
	return dir;
}

static inline void t_rmdir(const char *dir)
{
	char cmd[128];
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	if (system(cmd) != 0)
		fprintf(stderr, "could not remove %s\n", dir);
}

struct t_copy {
	struct crdt_store *dst;
	uint64_t wall;
	int applied, dup, failed;
};

static inline int t_copy_one(void *arg, const struct crdt_log_entry *e)
{
	struct t_copy *c = arg;
	int rc = crdt_apply_remote(c->dst, c->wall, e->author, e->scope, e->seq, e->hlc, e->body,
				   e->body_len);
	if (rc == 0)
		c->applied++;
	else if (rc == 1)
		c->dup++;
	else
		c->failed++;
	return 0;
}

/* Copy every commit src holds into dst (what a sync does, without sync/). */
static inline int t_sync(struct crdt_store *src, struct crdt_store *dst, uint64_t wall)
{
	struct crdt_vv_entry *vv;
	size_t n;
	struct t_copy c = { dst, wall, 0, 0, 0 };
	if (crdt_store_vv(src, &vv, &n))
		return -1;
	for (size_t i = 0; i < n; i++)
		crdt_log_each(src, vv[i].author, vv[i].scope, 0, t_copy_one, &c);
	free(vv);
	return c.failed ? -c.failed : c.applied;
}

/* A copy of held commits (crdt_log_each with t_pool_add), to deliver
 * later in any order; t_pool_free frees the copies. */
struct t_commit {
	uint8_t author[CRDT_AUTHOR_LEN];
	char scope[CRDT_SCOPE_MAX + 1];
	uint64_t seq, hlc;
	uint8_t *body;
	size_t len;
};

struct t_pool {
	struct t_commit *c;
	size_t n, cap;
};

static inline int t_pool_add(void *arg, const struct crdt_log_entry *e)
{
	struct t_pool *p = arg;
	if (p->n == p->cap) {
		p->cap = p->cap ? 2 * p->cap : 256;
		p->c = realloc(p->c, p->cap * sizeof(*p->c));
		if (!p->c)
			abort();
	}
	struct t_commit *c = &p->c[p->n++];
	memcpy(c->author, e->author, CRDT_AUTHOR_LEN);
	snprintf(c->scope, sizeof(c->scope), "%s", e->scope);
	c->seq = e->seq;
	c->hlc = e->hlc;
	c->body = malloc(e->body_len ? e->body_len : 1);
	if (!c->body)
		abort();
	memcpy(c->body, e->body, e->body_len);
	c->len = e->body_len;
	return 0;
}

static inline void t_pool_free(struct t_pool *p)
{
	for (size_t i = 0; i < p->n; i++)
		free(p->c[i].body);
	free(p->c);
	memset(p, 0, sizeof(*p));
}

#endif
