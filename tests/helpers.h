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

#endif
