/* SPDX-License-Identifier: MIT */
/*
 * app_node.h - what the C tests of app/ operations share (header-only,
 * static): a node in a temporary folder as init leaves it (node.conf, a
 * real Ed25519 identity, a SQLite replica), reopened as the next run
 * would, and the check every refusal gets: the reason recorded, and the
 * replica's digest and commit count as before once the run's transaction
 * is rolled back (as app_close() does). Include after cmocka.h.
 */
#ifndef CUNLIAN_TEST_APP_NODE_H
#define CUNLIAN_TEST_APP_NODE_H

#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "base/mem.h"
#include "app/app.h"

#define T_NOW 1740715200000ULL /* 2025-02-28 12:00 +08:00 */

struct t_node {
	struct app a;
	char dir[64];
};

/* A new node in dir/name: station (role "station") or the hub; with
 * replica, starting from a copy of that replica.db (a replica carried on a
 * stick, as tests/e2e/refusals.sh does). */
__attribute__((unused))
static void t_node_from(struct t_node *t, const char *dir, const char *name, const char *station,
			bool hub, const char *replica)
{
	char path[APP_PATH_MAX + 32], cmd[APP_PATH_MAX * 2 + 16];
	struct app_conf c;
	memset(t, 0, sizeof(*t));
	snprintf(t->dir, sizeof(t->dir), "%s", dir);
	app_init(&t->a);
	snprintf(t->a.home, sizeof(t->a.home), "%s/%s", dir, name);
	t->a.now_ms = T_NOW + (replica ? 60000 : 0);
	assert_int_equal(mkdir(t->a.home, 0700), 0);
	if (replica) {
		snprintf(cmd, sizeof(cmd), "cp '%s' '%s/replica.db'", replica, t->a.home);
		assert_int_equal(system(cmd), 0);
	}
	memset(&c, 0, sizeof(c));
	snprintf(c.station, sizeof(c.station), "%s", station);
	snprintf(c.name, sizeof(c.name), "%s", name);
	snprintf(c.role, sizeof(c.role), "%s", hub ? "hub" : "station");
	snprintf(c.level, sizeof(c.level), "%s", hub ? "county" : "village");
	app_path(&t->a, path, sizeof(path), "identity.key");
	assert_int_equal(app_identity_create(path, t->a.author), 0);
	app_path(&t->a, path, sizeof(path), "node.conf");
	assert_int_equal(app_conf_write(path, &c), 0);
	t->a.access = APP_WRITES;
	assert_int_equal(app_open(&t->a), 0);
}

/* Close (rolling back what was not ended) and open again, a second on. */
__attribute__((unused))
static void t_node_new(struct t_node *t, const char *dir, const char *name, const char *station,
		       bool hub)
{
	t_node_from(t, dir, name, station, hub, NULL);
}

__attribute__((unused))
static void t_reopen(struct t_node *t)
{
	char home[APP_PATH_MAX];
	uint64_t now = t->a.now_ms + 1000;
	snprintf(home, sizeof(home), "%s", t->a.home);
	app_close(&t->a);
	app_init(&t->a);
	snprintf(t->a.home, sizeof(t->a.home), "%s", home);
	t->a.now_ms = now;
	t->a.access = APP_WRITES;
	assert_int_equal(app_open(&t->a), 0);
}

__attribute__((unused))
static void t_node_free(struct t_node *t)
{
	app_close(&t->a);
}

/* What a refusal must leave unchanged: the state and the commits. */
struct t_state {
	uint8_t digest[32];
	uint64_t commits;
};

__attribute__((unused))
static void t_state(struct t_node *t, struct t_state *s)
{
	struct crdt_vv_entry *vv = NULL;
	size_t n = 0;
	memset(s, 0, sizeof(*s));
	assert_int_equal(crdt_store_digest(t->a.store, NULL, s->digest), 0);
	assert_int_equal(crdt_store_vv(t->a.store, &vv, &n), 0);
	for (size_t i = 0; i < n; i++)
		s->commits += vv[i].seq;
	mem_free(vv);
}

/* Commits of this node in scope. */
__attribute__((unused))
static uint64_t t_seq(struct t_node *t, const char *scope)
{
	struct crdt_vv_entry *vv = NULL;
	size_t n = 0;
	uint64_t seq = 0;
	assert_int_equal(crdt_store_vv(t->a.store, &vv, &n), 0);
	for (size_t i = 0; i < n; i++)
		if (strcmp(vv[i].scope, scope) == 0 && memcmp(vv[i].author, t->a.author, CRDT_AUTHOR_LEN) == 0)
			seq = vv[i].seq;
	mem_free(vv);
	return seq;
}

/* rc and reason of a refusal, then the replica as before. */
__attribute__((unused))
static void t_refused(struct t_node *t, const struct t_state *before, int rc, int want_rc,
		      enum app_why want_why)
{
	struct t_state after;
	assert_int_equal(rc, want_rc);
	assert_int_equal(t->a.fail.why, want_why);
	app_fail_clear(&t->a);
	t_reopen(t);
	t_state(t, &after);
	assert_memory_equal(before->digest, after.digest, 32);
	assert_int_equal(before->commits, after.commits);
}

__attribute__((unused))
static int64_t t_int(struct t_node *t, const char *sql, const char *arg)
{
	sqlite3_stmt *st;
	int64_t v = -1;
	assert_int_equal(app_sql(&t->a, &st, sql, arg, NULL), 0);
	if (sqlite3_step(st) == SQLITE_ROW)
		v = sqlite3_column_int64(st, 0);
	sqlite3_finalize(st);
	return v;
}

#endif
