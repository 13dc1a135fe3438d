// SPDX-License-Identifier: MIT
/*
 * test_app_account.c - the web pages' login accounts (app/account.c):
 * a PIN set and checked, a wrong PIN refused with the tries left, the
 * lockout after five wrong PINs (even the right PIN refused) and its end
 * fifteen minutes later on the given clock, the count kept across runs,
 * a PIN set again lifting the lock, the file's mode 0600 and no PIN in
 * it (only an Argon2id hash), bad PINs and roles refused, a damaged
 * file refused as a whole. Real files in a temporary folder, the real
 * libsodium Argon2id.
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

#include "base/err.h"
#include "app/account.h"
#include "app/volunteer.h"
#include "tests/app_node.h"

#define NOW_MS 1764000000000ULL

struct fx {
	char home[256];
	struct app a;
};

static int fx_setup(void **state)
{
	struct fx *f = calloc(1, sizeof(*f));
	snprintf(f->home, sizeof(f->home), "/tmp/test_app_account.XXXXXX");
	assert_non_null(mkdtemp(f->home));
	app_init(&f->a);
	snprintf(f->a.home, sizeof(f->a.home), "%s", f->home);
	f->a.now_ms = NOW_MS;
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

/* The account file's bytes, NUL-terminated (static buffer). */
static const char *file_text(struct fx *f)
{
	static char text[64 * 1024];
	char path[400];
	snprintf(path, sizeof(path), "%s/web.accounts", f->home);
	FILE *fp = fopen(path, "r");
	assert_non_null(fp);
	size_t n = fread(text, 1, sizeof(text) - 1, fp);
	fclose(fp);
	text[n] = '\0';
	return text;
}

static void test_set_and_check(void **state)
{
	struct fx *f = *state;
	struct app_account x;
	assert_int_equal(app_account_set(&f->a, "138 0013 8000", "s0001-v1", "张三", APP_ROLE_ADMIN, "482916"), 0);
	assert_int_equal(app_account_login(&f->a, "13800138000", "482916", &x), 0);
	assert_string_equal(x.phone, "13800138000");
	assert_string_equal(x.volunteer, "s0001-v1");
	assert_string_equal(x.name, "张三");
	assert_int_equal(x.role, APP_ROLE_ADMIN);
	/* the same phone as typed with dashes */
	assert_int_equal(app_account_login(&f->a, "138-0013-8000", "482916", &x), 0);
	/* a second account does not disturb the first */
	assert_int_equal(app_account_set(&f->a, "13900139000", "", "李站长", APP_ROLE_VOLUNTEER, "1234"), 0);
	assert_int_equal(app_account_login(&f->a, "13800138000", "482916", &x), 0);
	assert_int_equal(app_account_login(&f->a, "13900139000", "1234", &x), 0);
	assert_int_equal(x.role, APP_ROLE_VOLUNTEER);
	assert_string_equal(x.volunteer, "");
	assert_int_equal(app_account_get(&f->a, "13900139000", &x), 0);
	assert_string_equal(x.name, "李站长");
}

static void test_file_mode_and_no_pin(void **state)
{
	struct fx *f = *state;
	struct stat st;
	char path[400];
	assert_int_equal(app_account_set(&f->a, "13800138000", "s0001-v1", "张三", APP_ROLE_ADMIN, "73519246"), 0);
	snprintf(path, sizeof(path), "%s/web.accounts", f->home);
	assert_int_equal(stat(path, &st), 0);
	assert_int_equal(st.st_mode & 0777, 0600);
	const char *t = file_text(f);
	assert_null(strstr(t, "73519246"));
	assert_non_null(strstr(t, "$argon2id$"));
	assert_non_null(strstr(t, "13800138000"));
	/* still 0600 after a wrong PIN rewrote it */
	struct app_account x;
	assert_int_equal(app_account_login(&f->a, "13800138000", "0000", &x), ERR_UNAUTH);
	assert_int_equal(stat(path, &st), 0);
	assert_int_equal(st.st_mode & 0777, 0600);
	assert_null(strstr(file_text(f), "73519246"));
	/* two accounts with the same PIN: two different hashes (a salt each) */
	assert_int_equal(app_account_set(&f->a, "13900139000", "", "李四", APP_ROLE_ADMIN, "73519246"), 0);
	t = file_text(f);
	const char *h1 = strstr(t, "$argon2id$"), *h2 = h1 ? strstr(h1 + 1, "$argon2id$") : NULL;
	assert_non_null(h2);
	assert_memory_not_equal(h1, h2, 60);
}

static void test_wrong_pin(void **state)
{
	struct fx *f = *state;
	struct app_account x;
	assert_int_equal(app_account_set(&f->a, "13800138000", "s0001-v1", "张三", APP_ROLE_VOLUNTEER, "2468"), 0);
	assert_int_equal(app_account_login(&f->a, "13800138000", "2469", &x), ERR_UNAUTH);
	assert_int_equal(f->a.fail.why, APP_W_ACCOUNT_WRONG);
	assert_string_equal(f->a.fail.arg[0], "4"); /* tries left */
	assert_string_equal(x.phone, "");           /* zeroed */
	/* an unknown phone is refused the same way (A4) */
	app_fail_clear(&f->a);
	assert_int_equal(app_account_login(&f->a, "13700137000", "2468", &x), ERR_UNAUTH);
	assert_int_equal(f->a.fail.why, APP_W_ACCOUNT_WRONG);
	/* not a PIN at all: refused alike, nothing counted */
	assert_int_equal(app_account_login(&f->a, "13800138000", "24a8", &x), ERR_UNAUTH);
	/* the right one clears the count (A3) */
	assert_int_equal(app_account_login(&f->a, "13800138000", "2468", &x), 0);
	assert_int_equal(x.fails, 0);
	assert_int_equal(app_account_login(&f->a, "13800138000", "1111", &x), ERR_UNAUTH);
	assert_string_equal(f->a.fail.arg[0], "4");
}

static void test_lockout_and_expiry(void **state)
{
	struct fx *f = *state;
	struct app_account x;
	assert_int_equal(app_account_set(&f->a, "13800138000", "s0001-v1", "张三", APP_ROLE_VOLUNTEER, "2468"), 0);
	for (int i = 0; i < 4; i++) {
		f->a.now_ms = NOW_MS + (uint64_t)i * 1000;
		assert_int_equal(app_account_login(&f->a, "13800138000", "9999", &x), ERR_UNAUTH);
	}
	f->a.now_ms = NOW_MS + 5000;
	assert_int_equal(app_account_login(&f->a, "13800138000", "9999", &x), ERR_RULE); /* the fifth */
	assert_int_equal(f->a.fail.why, APP_W_ACCOUNT_LOCKED);
	/* locked: the right PIN is refused too */
	f->a.now_ms = NOW_MS + 6000;
	assert_int_equal(app_account_login(&f->a, "13800138000", "2468", &x), ERR_RULE);
	assert_int_equal(f->a.fail.why, APP_W_ACCOUNT_LOCKED);
	assert_string_equal(f->a.fail.arg[0], "15");
	/* the lock is in the file: another run (a fresh app) sees it */
	struct app b;
	app_init(&b);
	snprintf(b.home, sizeof(b.home), "%s", f->home);
	b.now_ms = NOW_MS + 5000 + APP_ACCOUNT_LOCK_MS - 1;
	assert_int_equal(app_account_login(&b, "13800138000", "2468", &x), ERR_RULE);
	assert_string_equal(b.fail.arg[0], "1");
	/* fifteen minutes after the fifth wrong PIN it lets go */
	b.now_ms = NOW_MS + 5000 + APP_ACCOUNT_LOCK_MS;
	assert_int_equal(app_account_login(&b, "13800138000", "2468", &x), 0);
	assert_int_equal(x.fails, 0);
	assert_int_equal(x.locked_until, 0);
	/* and a wrong one after it counts from one again */
	assert_int_equal(app_account_login(&b, "13800138000", "1357", &x), ERR_UNAUTH);
	assert_string_equal(b.fail.arg[0], "4");
}

static void test_lock_lifted_by_set(void **state)
{
	struct fx *f = *state;
	struct app_account x;
	assert_int_equal(app_account_set(&f->a, "13800138000", "", "张三", APP_ROLE_VOLUNTEER, "2468"), 0);
	for (int i = 0; i < 5; i++)
		app_account_login(&f->a, "13800138000", "9999", &x);
	assert_int_equal(app_account_login(&f->a, "13800138000", "2468", &x), ERR_RULE);
	/* the lock is per phone: another account still logs in */
	assert_int_equal(app_account_set(&f->a, "13900139000", "", "李四", APP_ROLE_ADMIN, "8642"), 0);
	assert_int_equal(app_account_login(&f->a, "13900139000", "8642", &x), 0);
	assert_int_equal(app_account_login(&f->a, "13800138000", "2468", &x), ERR_RULE);
	/* the admin sets a new PIN: lock gone, the old PIN no longer works */
	assert_int_equal(app_account_set(&f->a, "13800138000", "", "张三", APP_ROLE_VOLUNTEER, "5678"), 0);
	assert_int_equal(app_account_login(&f->a, "13800138000", "2468", &x), ERR_UNAUTH);
	assert_int_equal(app_account_login(&f->a, "13800138000", "5678", &x), 0);
}

static void test_bad_input(void **state)
{
	struct fx *f = *state;
	enum app_role role;
	char path[400];
	assert_int_equal(app_account_set(&f->a, "13800138000", "", "张三", APP_ROLE_ADMIN, "123"), ERR_USAGE);
	assert_int_equal(f->a.fail.why, APP_W_ACCOUNT_BAD_PIN);
	assert_int_equal(app_account_set(&f->a, "13800138000", "", "张三", APP_ROLE_ADMIN, "123456789"), ERR_USAGE);
	assert_int_equal(app_account_set(&f->a, "13800138000", "", "张三", APP_ROLE_ADMIN, "12 34"), ERR_USAGE);
	assert_int_equal(app_account_set(&f->a, "13800138000", "", "张三", APP_ROLE_ADMIN, "１２３４"), ERR_USAGE);
	assert_int_equal(app_account_set(&f->a, "phone", "", "张三", APP_ROLE_ADMIN, "1234"), ERR_USAGE);
	assert_int_equal(f->a.fail.why, APP_W_ACCOUNT_BAD_PHONE);
	assert_int_equal(app_account_set(&f->a, "13800138000", "", "a\tb", APP_ROLE_ADMIN, "1234"), ERR_USAGE);
	assert_int_equal(app_role_parse(&f->a, "root", &role), ERR_USAGE);
	assert_int_equal(f->a.fail.why, APP_W_ACCOUNT_BAD_ROLE);
	assert_int_equal(app_role_parse(&f->a, "admin", &role), 0);
	assert_int_equal(role, APP_ROLE_ADMIN);
	/* nothing was written by any of them */
	snprintf(path, sizeof(path), "%s/web.accounts", f->home);
	assert_int_not_equal(access(path, F_OK), 0);
}

static void test_damaged_file(void **state)
{
	struct fx *f = *state;
	struct app_account x;
	char path[400];
	assert_int_equal(app_account_set(&f->a, "13800138000", "", "张三", APP_ROLE_ADMIN, "1234"), 0);
	snprintf(path, sizeof(path), "%s/web.accounts", f->home);
	FILE *fp = fopen(path, "a");
	assert_non_null(fp);
	fputs("13900139000\tadmin\t0\t0\t\tnot-a-hash\t李四\n", fp);
	fclose(fp);
	assert_int_equal(app_account_login(&f->a, "13800138000", "1234", &x), ERR_CORRUPT);
	assert_int_equal(f->a.fail.why, APP_W_ACCOUNT_FILE_BAD);
	assert_string_equal(f->a.fail.arg[1], "2");
	/* a set refuses too, and leaves the file as it was */
	const char *before = strdup(file_text(f));
	assert_int_equal(app_account_set(&f->a, "13700137000", "", "王五", APP_ROLE_ADMIN, "1234"), ERR_CORRUPT);
	assert_string_equal(file_text(f), before);
	free((void *)before);
}

static void test_remove_and_each(void **state)
{
	struct fx *f = *state;
	struct app_account x;
	assert_int_equal(app_account_set(&f->a, "13800138000", "", "张三", APP_ROLE_ADMIN, "1234"), 0);
	assert_int_equal(app_account_set(&f->a, "13900139000", "", "李四", APP_ROLE_ADMIN, "1234"), 0);
	assert_int_equal(app_account_remove(&f->a, "13800138000"), 0);
	assert_int_equal(app_account_login(&f->a, "13800138000", "1234", &x), ERR_UNAUTH);
	assert_int_equal(app_account_login(&f->a, "13900139000", "1234", &x), 0);
	assert_int_equal(app_account_remove(&f->a, "13800138000"), ERR_NOTFOUND);
}

/* A volunteer who left may not act, though the PIN is right; one paused
 * may; staff who are not volunteers need no record. */
static void test_left(void **state)
{
	struct fx *f = *state;
	struct t_node t;
	struct app_account x;
	struct app_volunteer before;
	char vid[APP_ID_MAX + 1], dir[48];
	snprintf(dir, sizeof(dir), "%.40s", f->home); /* /tmp/test_app_account.XXXXXX */
	t_node_new(&t, dir, "s1", "s0001", false);
	app_write_end(&t.a);
	struct app_volunteer_in v = { .name = "王伟", .phone = "13800001234" };
	assert_int_equal(app_volunteer_add(&t.a, &v, vid, sizeof(vid)), 0);
	assert_int_equal(app_account_set(&t.a, "13800001234", vid, "王伟", APP_ROLE_VOLUNTEER, "2468"), 0);
	assert_int_equal(app_account_set(&t.a, "13300000000", "", "站长", APP_ROLE_ADMIN, "8642"), 0);
	assert_int_equal(app_account_login(&t.a, "13800001234", "2468", &x), 0);
	assert_int_equal(app_account_active(&t.a, &x), 0);
	struct app_volunteer_in paused = { .status = "paused" }, left = { .status = "left" };
	assert_int_equal(app_volunteer_set(&t.a, vid, &paused, &before), 0);
	assert_int_equal(app_account_active(&t.a, &x), 0);
	assert_int_equal(app_volunteer_set(&t.a, vid, &left, &before), 0);
	assert_int_equal(app_account_active(&t.a, &x), ERR_RULE);
	assert_int_equal(t.a.fail.why, APP_W_ACCOUNT_LEFT);
	assert_string_equal(t.a.fail.arg[1], vid);
	assert_int_equal(app_account_login(&t.a, "13300000000", "8642", &x), 0);
	assert_int_equal(app_account_active(&t.a, &x), 0);
	t_node_free(&t);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_set_and_check, fx_setup, fx_teardown),
		cmocka_unit_test_setup_teardown(test_file_mode_and_no_pin, fx_setup, fx_teardown),
		cmocka_unit_test_setup_teardown(test_wrong_pin, fx_setup, fx_teardown),
		cmocka_unit_test_setup_teardown(test_lockout_and_expiry, fx_setup, fx_teardown),
		cmocka_unit_test_setup_teardown(test_lock_lifted_by_set, fx_setup, fx_teardown),
		cmocka_unit_test_setup_teardown(test_bad_input, fx_setup, fx_teardown),
		cmocka_unit_test_setup_teardown(test_damaged_file, fx_setup, fx_teardown),
		cmocka_unit_test_setup_teardown(test_remove_and_each, fx_setup, fx_teardown),
		cmocka_unit_test_setup_teardown(test_left, fx_setup, fx_teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
