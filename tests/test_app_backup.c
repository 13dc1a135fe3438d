// SPDX-License-Identifier: MIT
/*
 * test_app_backup.c - app/backup.c: a backup written from a real home (a
 * SQLite replica with commits signed by its Ed25519 key) and restored
 * into a new one holds the same data under a new key; every refusal says
 * why, writes nothing and leaves no home behind; the restore's checks of
 * the database (no trigger, the node's own views only, a whole file).
 */
#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <sqlite3.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/stat.h>
#include <cmocka.h>

#include "app/backup.h"
#include "base/err.h"
#include "tests/app_helpers.h"

#define PASS "红星村 backup 2025"

struct t_pass {
	const char *pass;
	int asked;
};

/* app_pass_fn: the passphrase of arg, counting the times it is asked. */
static int t_pass_get(struct app *a, void *arg, bool confirm, char *pass, size_t cap, size_t *len)
{
	struct t_pass *p = arg;
	(void)a;
	(void)confirm;
	p->asked++;
	*len = strlen(p->pass);
	assert_true(*len < cap);
	memcpy(pass, p->pass, *len + 1);
	return 0;
}

static bool t_exists(const char *path)
{
	return access(path, F_OK) == 0;
}

static uint64_t t_size(const char *path)
{
	struct stat sb;
	assert_int_equal(stat(path, &sb), 0);
	return (uint64_t)sb.st_size;
}

struct t_env {
	char dir[64]; /* first: t_env_teardown */
	char home[96];  /* the station backed up */
	char file[96];  /* its backup */
	char fresh[96]; /* a home that does not exist yet */
};

static int t_setup(void **state)
{
	struct t_env *e = calloc(1, sizeof(*e));
	struct app a;
	struct app_backup_info info;
	struct t_pass p = { PASS, 0 };
	snprintf(e->dir, sizeof(e->dir), "%s", t_tmpdir());
	snprintf(e->home, sizeof(e->home), "%s/s1", e->dir);
	snprintf(e->file, sizeof(e->file), "%s/s1.clbk", e->dir);
	snprintf(e->fresh, sizeof(e->fresh), "%s/new", e->dir);
	t_node(e->home, "s0001", "station");
	t_app(&a, e->home, APP_READS);
	int rc = app_backup(&a, e->file, t_pass_get, &p, &info);
	app_close(&a);
	if (rc)
		return -1;
	*state = e;
	return 0;
}

static void test_backup_then_restore(void **state)
{
	struct t_env *e = *state;
	struct app a;
	struct app_backup_info info;
	struct t_pass p = { PASS, 0 };
	uint8_t d0[32], d1[32], k0[CRDT_AUTHOR_LEN], k1[CRDT_AUTHOR_LEN];
	char hex0[2 * CRDT_AUTHOR_LEN + 1], dhex[65];
	char file2[APP_PATH_MAX + 8];

	t_digest(e->home, d0, k0);
	app_hex(k0, CRDT_AUTHOR_LEN, hex0);
	app_hex(d0, 32, dhex);

	/* a second backup: what it says about itself is true */
	snprintf(file2, sizeof(file2), "%s/b2.clbk", e->dir);
	t_app(&a, e->home, APP_READS);
	assert_int_equal(app_backup(&a, file2, t_pass_get, &p, &info), 0);
	app_close(&a);
	assert_int_equal(p.asked, 1);
	assert_int_equal(info.bytes, t_size(file2));
	assert_string_equal(info.author, hex0);
	assert_string_equal(info.digest, dhex);
	assert_int_equal(info.created_ms, T_DAY0 + 86400000);
	snprintf(file2 + strlen(file2), 8, ".part");
	assert_false(t_exists(file2));

	/* restored: the same data, the station, a new key; the old one named */
	p.asked = 0;
	t_app(&a, e->fresh, APP_AUTHORS);
	assert_int_equal(app_restore(&a, e->file, true, t_pass_get, &p, &info), 0);
	assert_string_equal(a.conf.station, "s0001");
	app_close(&a);
	assert_int_equal(p.asked, 1);
	assert_string_equal(info.old_author, hex0);
	assert_string_equal(info.digest, dhex);
	t_digest(e->fresh, d1, k1);
	assert_memory_equal(d0, d1, 32);
	assert_memory_not_equal(k0, k1, CRDT_AUTHOR_LEN);
	app_hex(k1, CRDT_AUTHOR_LEN, hex0);
	assert_string_equal(info.author, hex0);
}

/* A refused restore: the code, the reason, no home, and whether the
 * passphrase was asked. */
static void t_restore_refused(struct t_env *e, const char *file, bool dead, const char *pass, int want,
			      enum app_why why, int asked)
{
	struct app a;
	struct app_backup_info info;
	struct t_pass p = { pass, 0 };
	t_app(&a, e->fresh, APP_AUTHORS);
	assert_int_equal(app_restore(&a, file, dead, t_pass_get, &p, &info), want);
	assert_int_equal(a.fail.why, why);
	app_close(&a);
	assert_int_equal(p.asked, asked);
	assert_false(t_exists(e->fresh));
}

/* A copy of the backup cut to len bytes, with the byte at flip (if any)
 * changed. */
static void t_variant(const char *from, const char *to, uint64_t len, int64_t flip)
{
	FILE *in = fopen(from, "rb"), *out = fopen(to, "wb");
	assert_non_null(in);
	assert_non_null(out);
	for (uint64_t i = 0; i < len; i++) {
		int c = fgetc(in);
		assert_true(c != EOF);
		fputc((int64_t)i == flip ? c ^ 0x20 : c, out);
	}
	fclose(in);
	assert_int_equal(fclose(out), 0);
}

static void test_restore_refusals(void **state)
{
	struct t_env *e = *state;
	char path[APP_PATH_MAX + 32], keep[APP_PATH_MAX + 32];
	uint64_t size = t_size(e->file);

	/* not without the person's word that the old board is dead */
	t_restore_refused(e, e->file, false, PASS, ERR_RULE, APP_W_RS_NEED_DEAD, 0);
	/* a wrong passphrase fails on the first message */
	t_restore_refused(e, e->file, true, "not the passphrase", ERR_BADSIG, APP_W_RS_BAD_PASS, 1);
	/* no such file */
	snprintf(path, sizeof(path), "%s/missing.clbk", e->dir);
	t_restore_refused(e, path, true, PASS, ERR_NOTFOUND, APP_W_RS_OPEN, 0);
	/* not a backup (its header): never asks for a passphrase */
	snprintf(path, sizeof(path), "%s/not.clbk", e->dir);
	FILE *f = fopen(path, "w");
	fputs("hello, this is not a backup of anything at all; not even close to one\n", f);
	fclose(f);
	t_restore_refused(e, path, true, PASS, ERR_CORRUPT, APP_W_RS_NOT_BACKUP, 0);
	/* cut short anywhere after the header, or one byte changed */
	snprintf(path, sizeof(path), "%s/cut.clbk", e->dir);
	t_variant(e->file, path, size - 1, -1);
	t_restore_refused(e, path, true, PASS, ERR_CORRUPT, APP_W_RS_CORRUPT, 1);
	t_variant(e->file, path, size - 17 - 4 - 1, -1); /* the final message gone */
	t_restore_refused(e, path, true, PASS, ERR_CORRUPT, APP_W_RS_CORRUPT, 1);
	/* (in the last message: a damaged first one reads as a wrong passphrase) */
	t_variant(e->file, path, size, (int64_t)size - 10);
	t_restore_refused(e, path, true, PASS, ERR_CORRUPT, APP_W_RS_CORRUPT, 1);
	/* a byte after the end */
	t_variant(e->file, path, size, -1);
	f = fopen(path, "ab");
	fputc(0, f);
	fclose(f);
	t_restore_refused(e, path, true, PASS, ERR_CORRUPT, APP_W_RS_CORRUPT, 1);

	/* a home that holds something: left as it was, no passphrase asked */
	struct app a;
	struct app_backup_info info;
	struct t_pass p = { PASS, 0 };
	assert_int_equal(mkdir(e->fresh, 0700), 0);
	snprintf(keep, sizeof(keep), "%s/notes.txt", e->fresh);
	f = fopen(keep, "w");
	fputs("keep me", f);
	fclose(f);
	t_app(&a, e->fresh, APP_AUTHORS);
	assert_int_equal(app_restore(&a, e->file, true, t_pass_get, &p, &info), ERR_EXISTS);
	assert_int_equal(a.fail.why, APP_W_RS_HOME_BUSY);
	app_close(&a);
	assert_int_equal(p.asked, 0);
	assert_int_equal(t_size(keep), 7);
	snprintf(path, sizeof(path), "%s/node.conf", e->fresh);
	assert_false(t_exists(path));
}

static void test_backup_refusals(void **state)
{
	struct t_env *e = *state;
	struct app a;
	struct app_backup_info info;
	struct t_pass p = { "short", 0 };
	char path[APP_PATH_MAX + 32], before[64];
	uint64_t size = t_size(e->file);
	FILE *f = fopen(e->file, "rb");
	assert_int_equal(fread(before, 1, sizeof(before), f), sizeof(before));
	fclose(f);

	/* a new passphrase too short: the good backup there stays as it was */
	t_app(&a, e->home, APP_READS);
	assert_int_equal(app_backup(&a, e->file, t_pass_get, &p, &info), ERR_USAGE);
	assert_int_equal(a.fail.why, APP_W_BK_PASS_LEN);
	assert_string_equal(a.fail.arg[0], "8");
	app_close(&a);
	assert_int_equal(t_size(e->file), size);
	f = fopen(e->file, "rb");
	char now[64];
	assert_int_equal(fread(now, 1, sizeof(now), f), sizeof(now));
	fclose(f);
	assert_memory_equal(before, now, sizeof(now));
	snprintf(path, sizeof(path), "%s.part", e->file);
	assert_false(t_exists(path));

	/* no node in the home */
	p.pass = PASS;
	t_app(&a, e->fresh, APP_READS);
	assert_int_equal(app_backup(&a, e->file, t_pass_get, &p, &info), ERR_NOTFOUND);
	assert_int_equal(a.fail.why, APP_W_NO_HOME);
	app_close(&a);
	assert_false(t_exists(e->fresh));

	/* a target folder that is not there: says which file */
	snprintf(path, sizeof(path), "%s/no-such-stick/s1.clbk", e->dir);
	t_app(&a, e->home, APP_READS);
	assert_int_equal(app_backup(&a, path, t_pass_get, &p, &info), -ENOENT);
	assert_int_equal(a.fail.why, APP_W_BK_WRITE);
	assert_string_equal(a.fail.arg[0], path);
	app_close(&a);
	/* and no copy of the replica was left in the home */
	snprintf(path, sizeof(path), "%s/.backup-%ld.db", e->home, (long)getpid());
	assert_false(t_exists(path));

	/* root over a home the service user owns: run it as that user (the
	 * message names the user and the command) */
	if (geteuid() == 0) {
		assert_int_equal(chown(e->home, 4242, 4242), 0);
		t_app(&a, e->home, APP_READS);
		assert_int_equal(app_backup(&a, e->file, t_pass_get, &p, &info), ERR_RULE);
		assert_int_equal(a.fail.why, APP_W_BK_AS_OWNER);
		assert_int_equal(a.fail.narg, 3);
		assert_string_equal(a.fail.arg[2], "backup");
		app_close(&a);
		assert_int_equal(chown(e->home, 0, 0), 0);
	}
}

/* Run sql on the replica of home, as a tool outside cunlian would. */
static void t_sql(const char *home, const char *sql)
{
	char path[APP_PATH_MAX + 32];
	sqlite3 *h;
	snprintf(path, sizeof(path), "%s/replica.db", home);
	assert_int_equal(sqlite3_open(path, &h), SQLITE_OK);
	assert_int_equal(sqlite3_exec(h, sql, NULL, NULL, NULL), SQLITE_OK);
	sqlite3_close(h);
}

static int64_t t_count(struct app *a, const char *sql)
{
	sqlite3_stmt *st;
	assert_int_equal(sqlite3_prepare_v2(crdt_store_db(a->store), sql, -1, &st, NULL), SQLITE_OK);
	assert_int_equal(sqlite3_step(st), SQLITE_ROW);
	int64_t n = sqlite3_column_int64(st, 0);
	sqlite3_finalize(st);
	return n;
}

/* Invariant 5: a view or a trigger a backup brings refuses the whole
 * file (the node's own views are TEMP, in no file). */
static void test_restore_schema(void **state)
{
	struct t_env *e = *state;
	struct app a;
	struct app_backup_info info;
	struct t_pass p = { PASS, 0 };
	char file[APP_PATH_MAX + 32];

	/* the node's own views are in no backup: a restored home has them */
	t_app(&a, e->fresh, APP_AUTHORS);
	assert_int_equal(app_restore(&a, e->file, true, t_pass_get, &p, &info), 0);
	app_close(&a);
	t_app(&a, e->fresh, APP_READS);
	assert_int_equal(app_open(&a), 0);
	assert_int_equal(t_count(&a, "SELECT count(*) FROM volunteers_live WHERE name = '王芳'"), 1);
	app_close(&a);
	t_rmdir(e->fresh);

	/* a forged volunteers_live in the file, that shows someone who is not
	 * there: refused, nothing kept */
	t_sql(e->home, "CREATE VIEW volunteers_live AS SELECT 'x-v9' AS pk, '冒名' AS name;");
	snprintf(file, sizeof(file), "%s/forged.clbk", e->dir);
	t_app(&a, e->home, APP_READS);
	assert_int_equal(app_backup(&a, file, t_pass_get, &p, &info), 0);
	app_close(&a);
	t_restore_refused(e, file, true, PASS, ERR_CORRUPT, APP_W_RS_NOT_REPLICA, 1);
	t_sql(e->home, "DROP VIEW main.volunteers_live;");

	/* a trigger: refused, nothing kept */
	t_sql(e->home, "CREATE TRIGGER t_evil AFTER INSERT ON volunteers BEGIN DELETE FROM orders; END;");
	snprintf(file, sizeof(file), "%s/trigger.clbk", e->dir);
	t_app(&a, e->home, APP_READS);
	assert_int_equal(app_backup(&a, file, t_pass_get, &p, &info), 0);
	app_close(&a);
	t_restore_refused(e, file, true, PASS, ERR_CORRUPT, APP_W_RS_NOT_REPLICA, 1);
}

static void test_bytes_fmt(void **state)
{
	char b[48];
	(void)state;
	app_bytes_fmt(900, b, sizeof(b));
	assert_string_equal(b, "900 B");
	app_bytes_fmt(12288, b, sizeof(b));
	assert_string_equal(b, "12.0 KB (12288 B)");
	app_bytes_fmt(1348572, b, sizeof(b));
	assert_string_equal(b, "1.3 MB (1348572 B)");
}

static const struct CMUnitTest t_backup_tests[] = {
	cmocka_unit_test_setup_teardown(test_backup_then_restore, t_setup, t_env_teardown),
	cmocka_unit_test_setup_teardown(test_restore_refusals, t_setup, t_env_teardown),
	cmocka_unit_test_setup_teardown(test_backup_refusals, t_setup, t_env_teardown),
	cmocka_unit_test_setup_teardown(test_restore_schema, t_setup, t_env_teardown),
	cmocka_unit_test(test_bytes_fmt),
};

int main(void)
{
	return cmocka_run_group_tests(t_backup_tests, NULL, NULL);
}
