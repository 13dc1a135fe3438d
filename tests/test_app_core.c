// SPDX-License-Identifier: MIT
/*
 * test_app_core.c - the open node of app/ (app/core.c): opening a home,
 * the reasons it gives when it cannot (no node, a bad node.conf line, a
 * key others can read), one write transaction of local commits, a commit
 * the schema refuses leaving the replica as it was, ids never given
 * twice, the live-row views, and the feed mark refusing a replica that
 * lost its commits to a writer while a reader gets a warning. Real SQLite
 * files in a temporary folder, real signing.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <cmocka.h>
#include <sqlite3.h>

#include "base/err.h"
#include "app/app.h"

#define NOW_MS 1764000000000ULL /* 2025-11-24 */

struct fx {
	char home[256];
};

static int fx_setup(void **state)
{
	struct fx *f = calloc(1, sizeof(*f));
	snprintf(f->home, sizeof(f->home), "/tmp/test_app_core.XXXXXX");
	assert_non_null(mkdtemp(f->home));
	*state = f;
	return 0;
}

static int fx_teardown(void **state)
{
	struct fx *f = *state;
	char cmd[300];
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", f->home);
	assert_int_equal(system(cmd), 0);
	free(f);
	return 0;
}

static void app_at(struct app *a, const char *home, enum app_access access)
{
	app_init(a);
	snprintf(a->home, sizeof(a->home), "%s", home);
	a->now_ms = NOW_MS;
	a->access = access;
}

/* What init does: node.conf, identity.key, the replica. */
static void make_node(const char *home)
{
	struct app a;
	struct app_conf c = { .station = "s0001", .name = "东村", .role = "station", .level = "village" };
	char path[APP_PATH_MAX + 32];
	app_at(&a, home, APP_AUTHORS);
	app_path(&a, path, sizeof(path), "identity.key");
	assert_int_equal(app_identity_create(path, a.author), 0);
	app_path(&a, path, sizeof(path), "node.conf");
	assert_int_equal(app_conf_write(path, &c), 0);
	app_close(&a);
}

static int64_t count(struct app *a, const char *sql)
{
	sqlite3_stmt *st;
	int64_t n = -1;
	assert_int_equal(app_sql(a, &st, sql, NULL), 0);
	if (sqlite3_step(st) == SQLITE_ROW)
		n = sqlite3_column_int64(st, 0);
	sqlite3_finalize(st);
	return n;
}

static int add_order(struct app *a, const char *detail_col)
{
	struct crdt_write w;
	char id[APP_ID_MAX + 1];
	int rc = app_id_next(a, "orders", 'o', id, sizeof(id));
	if (rc)
		return rc;
	crdt_write_init(&w, CRDT_T_ORDERS, CRDT_UPSERT, id);
	crdt_write_set_text(&w, CRDT_C_ORDERS_STATION, "s0001");
	crdt_write_set_text(&w, CRDT_C_ORDERS_STATUS, "open");
	crdt_write_text(&w, detail_col, "买药");
	return app_commit_add(a, "s0001", &w, 1);
}

static void test_no_home(void **state)
{
	struct fx *f = *state;
	struct app a;
	char empty[300];
	snprintf(empty, sizeof(empty), "%s/none", f->home);
	app_at(&a, empty, APP_READS);
	assert_int_equal(app_open(&a), ERR_NOTFOUND);
	assert_int_equal(a.fail.why, APP_W_NO_HOME);
	assert_string_equal(a.fail.arg[0], empty);
	app_close(&a);
}

static void test_conf_line(void **state)
{
	struct fx *f = *state;
	struct app a;
	char path[300];
	make_node(f->home);
	snprintf(path, sizeof(path), "%s/node.conf", f->home);
	FILE *c = fopen(path, "a");
	assert_non_null(c);
	fputs("not a setting\n", c);
	fclose(c);
	app_at(&a, f->home, APP_READS);
	assert_int_equal(app_open(&a), ERR_USAGE);
	assert_int_equal(a.fail.why, APP_W_CONF_LINE);
	assert_string_equal(a.fail.arg[0], path);
	assert_string_equal(a.fail.arg[1], "9"); /* the line that is wrong */
	app_close(&a);
}

static void test_key_mode(void **state)
{
	struct fx *f = *state;
	struct app a;
	char path[300];
	make_node(f->home);
	snprintf(path, sizeof(path), "%s/identity.key", f->home);
	assert_int_equal(chmod(path, 0644), 0);
	app_at(&a, f->home, APP_READS);
	assert_int_equal(app_open(&a), ERR_UNAUTH);
	assert_int_equal(a.fail.why, APP_W_KEY_MODE);
	app_close(&a);
}

/* Commits of one transaction are durable at app_write_end; ids follow on. */
static void test_write_transaction(void **state)
{
	struct fx *f = *state;
	struct app a, b;
	make_node(f->home);
	app_at(&a, f->home, APP_WRITES);
	assert_int_equal(app_open(&a), 0);
	assert_true(a.writing);
	assert_int_equal(add_order(&a, "detail"), 0);
	assert_int_equal(add_order(&a, "detail"), 0);
	assert_int_equal(app_write_end(&a), 0);
	assert_false(a.writing);
	app_close(&a);

	app_at(&b, f->home, APP_READS);
	assert_int_equal(app_open(&b), 0);
	assert_int_equal(count(&b, "SELECT count(*) FROM orders_live"), 2);
	assert_int_equal(count(&b, "SELECT count(*) FROM orders WHERE pk = 's0001-o2'"), 1);
	app_close(&b);
}

/* An operation that fails, or never ends its transaction, leaves nothing. */
static void test_refused_changes_nothing(void **state)
{
	struct fx *f = *state;
	struct app a;
	make_node(f->home);
	app_at(&a, f->home, APP_WRITES);
	assert_int_equal(app_open(&a), 0);
	assert_int_equal(add_order(&a, "detail"), 0);
	/* a mistyped column: refused with the schema's reason */
	assert_int_equal(add_order(&a, "detial"), ERR_USAGE);
	assert_int_equal(a.fail.why, APP_W_BAD_VALUE);
	assert_int_equal(a.fail.code[0], ERR_SCHEMA);
	app_close(&a); /* rolls back: the first order was never made durable */

	app_at(&a, f->home, APP_READS);
	assert_int_equal(app_open(&a), 0);
	assert_int_equal(count(&a, "SELECT count(*) FROM orders"), 0);
	assert_int_equal(count(&a, "SELECT count(*) FROM _log WHERE scope = 's0001'"), 0);
	app_close(&a);
}

/* A tombstone is no live row, and its id is never given out again. */
static void test_live_views_and_ids(void **state)
{
	struct fx *f = *state;
	struct app a;
	struct crdt_write w;
	char id[APP_ID_MAX + 1];
	make_node(f->home);
	app_at(&a, f->home, APP_WRITES);
	assert_int_equal(app_open(&a), 0);
	assert_int_equal(app_id_next(&a, "teams", 't', id, sizeof(id)), 0);
	assert_string_equal(id, "s0001-t1");
	crdt_write_init(&w, CRDT_T_TEAMS, CRDT_UPSERT, id);
	crdt_write_set_text(&w, CRDT_C_TEAMS_NAME, "第一服务队");
	crdt_write_set_text(&w, CRDT_C_TEAMS_STATION, "s0001");
	assert_int_equal(app_commit_add(&a, "s0001", &w, 1), 0);
	crdt_write_init(&w, CRDT_T_TEAMS, CRDT_DELETE, id);
	assert_int_equal(app_commit_add(&a, "s0001", &w, 1), 0);
	assert_int_equal(app_write_end(&a), 0);
	assert_int_equal(count(&a, "SELECT count(*) FROM teams_live"), 0);
	assert_int_equal(count(&a, "SELECT count(*) FROM teams"), 1);
	assert_int_equal(app_id_next(&a, "teams", 't', id, sizeof(id)), 0);
	assert_string_equal(id, "s0001-t2");
	app_close(&a);
}

/* A replica that lost the node's commits: a writer is refused with the
 * reason and the numbers, a reader goes on with a warning. */
static void test_mark_lost_replica(void **state)
{
	struct fx *f = *state;
	struct app a;
	char db[300], cmd[1000];
	make_node(f->home);
	app_at(&a, f->home, APP_WRITES);
	assert_int_equal(app_open(&a), 0);
	assert_int_equal(add_order(&a, "detail"), 0);
	assert_int_equal(app_write_end(&a), 0);
	app_close(&a);
	snprintf(db, sizeof(db), "%s/replica.db", f->home);
	snprintf(cmd, sizeof(cmd), "rm -f '%s' '%s-wal' '%s-shm'", db, db, db);
	assert_int_equal(system(cmd), 0); /* the SD card lost the database */

	app_at(&a, f->home, APP_READS);
	assert_int_equal(app_open(&a), 0);
	assert_true(a.note.why == APP_W_MARK_WARN || a.note.why == APP_W_MARK_LOST_SEEN);
	app_close(&a);

	app_at(&a, f->home, APP_WRITES);
	assert_int_equal(app_open(&a), ERR_CONFLICT);
	assert_true(a.fail.why == APP_W_MARK_REFUSED || a.fail.why == APP_W_MARK_LOST_SEEN);
	assert_string_equal(a.fail.arg[a.fail.narg - 1], "s0001"); /* the id prefix, for the ways out */
	app_close(&a);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_no_home, fx_setup, fx_teardown),
		cmocka_unit_test_setup_teardown(test_conf_line, fx_setup, fx_teardown),
		cmocka_unit_test_setup_teardown(test_key_mode, fx_setup, fx_teardown),
		cmocka_unit_test_setup_teardown(test_write_transaction, fx_setup, fx_teardown),
		cmocka_unit_test_setup_teardown(test_refused_changes_nothing, fx_setup, fx_teardown),
		cmocka_unit_test_setup_teardown(test_live_views_and_ids, fx_setup, fx_teardown),
		cmocka_unit_test_setup_teardown(test_mark_lost_replica, fx_setup, fx_teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
