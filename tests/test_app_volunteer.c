// SPDX-License-Identifier: MIT
/*
 * test_app_volunteer.c - the operations of app/volunteer.c,
 * app/volunteer_import.c, app/idnum.c and the CSV reader of app/csv.c on
 * real nodes: a home in a temporary folder with node.conf, a real Ed25519
 * identity, a SQLite replica, every commit sealed. Each operation's
 * success, and each refusal: the reason recorded, and the replica exactly
 * as before (digest and commit count, after the run's transaction is
 * rolled back as app_close() does). Also the text checks of names
 * (app/text.c: C1 controls, blank names).
 */
#include <errno.h>
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <cmocka.h>
#include <sqlite3.h>

#include "base/err.h"
#include "base/mem.h"
#include "app/app.h"
#include "app/csv.h"
#include "app/idnum.h"
#include "app/volunteer.h"
#include "tests/helpers.h"
#include "tests/app_node.h"

#define T_IDNUM "11010519491231002X" /* a well-formed number (check digit X) */

static int64_t t_live(struct t_node *t)
{
	sqlite3_stmt *st;
	int64_t v = -1;
	assert_int_equal(app_sql(&t->a, &st, "SELECT count(*) FROM volunteers_live", NULL), 0);
	if (sqlite3_step(st) == SQLITE_ROW)
		v = sqlite3_column_int64(st, 0);
	sqlite3_finalize(st);
	return v;
}

static void t_add(struct t_node *t, const char *name, const char *phone, const char *skills,
		  const char *idnum, const char *want_id)
{
	struct app_volunteer_in in = { .name = name, .phone = phone, .skills = skills, .id_number = idnum };
	char id[APP_ID_MAX + 1];
	assert_int_equal(app_volunteer_add(&t->a, &in, id, sizeof(id)), 0);
	assert_string_equal(id, want_id);
	t_reopen(t);
}

static void t_file(const char *path, const char *text)
{
	FILE *f = fopen(path, "wb");
	assert_non_null(f);
	assert_int_equal(fwrite(text, 1, strlen(text), f), strlen(text));
	assert_int_equal(fclose(f), 0);
}

/* ---- names (app/text.c) ------------------------------------------------- */

static void test_text_names(void **state)
{
	(void)state;
	assert_true(app_text_ok("王秀英", APP_NAME_MAX));
	assert_true(app_text_ok("Anna Lee", APP_NAME_MAX));
	assert_true(app_text_ok("Zoë", APP_NAME_MAX));       /* C3 AB: not C1 */
	assert_true(app_text_ok("\xc2\xa0王", APP_NAME_MAX)); /* a blank and more */
	assert_false(app_text_ok("张\xc2\x85三", APP_NAME_MAX)); /* U+0085 NEL */
	assert_false(app_text_ok("\xc2\x80", APP_NAME_MAX));     /* U+0080 */
	assert_false(app_text_ok("a\xc2\x9f", APP_NAME_MAX));    /* U+009F */
	assert_false(app_text_ok("a\x1b[31m", APP_NAME_MAX));
	assert_false(app_text_ok(" ", APP_NAME_MAX));
	assert_false(app_text_ok("　", APP_NAME_MAX)); /* U+3000 */
	assert_false(app_text_ok(" 　\xc2\xa0\xe2\x80\x8b", APP_NAME_MAX));
	assert_true(app_text_blank("　 "));
	assert_false(app_text_blank("　王"));
}

/* ---- add, set, show, list --------------------------------------------- */

static void test_add_and_show(void **state)
{
	struct t_node t;
	struct app_volunteer_card c;
	const char *dir = t_tmpdir();
	(void)state;
	t_node_new(&t, dir, "s1", "s0001", false);
	t_add(&t, "王秀英", "138-0000-1111", " 助老 ，维修、 ", T_IDNUM, "s0001-v1");
	assert_int_equal(app_volunteer_card(&t.a, "s0001-v1", &c), 0);
	assert_string_equal(c.v.name, "王秀英");
	assert_string_equal(c.v.phone, "13800001111"); /* dashes dropped */
	assert_string_equal(c.v.skills, "助老,维修");
	assert_string_equal(c.v.station, "s0001");
	assert_string_equal(c.v.status, "active");
	assert_string_equal(c.v.id_last4, "002X");
	assert_int_equal(c.balance, 0);
	assert_int_equal(c.stars, 0);
	t_add(&t, "李四", "13800002222", NULL, NULL, "s0001-v2");
	assert_int_equal(app_volunteer_load(&t.a, "s0001-v9", &c.v), ERR_NOTFOUND);
	assert_int_equal(t.a.fail.why, APP_W_VOLUNTEER_NOT_FOUND);
	app_close(&t.a);
	t_rmdir(dir);
}

static void test_add_refusals(void **state)
{
	struct t_node t;
	struct t_state before;
	char id[APP_ID_MAX + 1];
	const char *dir = t_tmpdir();
	(void)state;
	t_node_new(&t, dir, "s1", "s0001", false);
	t_add(&t, "王秀英", "13800001111", NULL, T_IDNUM, "s0001-v1");
	t_state(&t, &before);
	struct {
		struct app_volunteer_in in;
		int rc;
		enum app_why why;
	} cases[] = {
		{ { .name = "张三" }, ERR_USAGE, APP_W_VOL_NEEDS },
		{ { .name = "张\xc2\x85三", .phone = "13700000001" }, ERR_USAGE, APP_W_BAD_NAME },
		{ { .name = " ", .phone = "13700000001" }, ERR_USAGE, APP_W_VOL_BLANK_NAME },
		{ { .name = "　", .phone = "13700000001" }, ERR_USAGE, APP_W_VOL_BLANK_NAME },
		{ { .name = "", .phone = "13700000001" }, ERR_USAGE, APP_W_BAD_NAME },
		{ { .name = "张三", .phone = "1370000000x" }, ERR_USAGE, APP_W_VOL_BAD_PHONE },
		{ { .name = "张三", .phone = "13700000001", .team = "\xc2\x85" }, ERR_USAGE, APP_W_VOL_BAD_TEAM },
		{ { .name = "张三", .phone = "13700000001", .station = "s 2" }, ERR_USAGE,
		  APP_W_BAD_STATION_ID },
		{ { .name = "张三", .phone = "13700000001", .station = "s0002" }, ERR_RULE, APP_W_VOL_NOT_OURS },
		{ { .name = "张三", .phone = "13700000001", .id_number = "110105194912310021" }, ERR_USAGE,
		  APP_W_IDNUM_CHECK },
		{ { .name = "张三", .phone = "13700000001", .id_number = "1101" }, ERR_USAGE,
		  APP_W_IDNUM_LENGTH },
		{ { .name = "张三", .phone = "138-0000-1111" }, ERR_EXISTS, APP_W_VOL_PHONE_TAKEN },
		{ { .name = "张三", .phone = "13700000001", .id_number = "11010519491231002x" }, ERR_EXISTS,
		  APP_W_VOL_IDNUM_TAKEN },
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		int rc = app_volunteer_add(&t.a, &cases[i].in, id, sizeof(id));
		assert_string_equal(id, "");
		t_refused(&t, &before, rc, cases[i].rc, cases[i].why);
	}
	/* the phone taken names the volunteer who holds it */
	struct app_volunteer_in dup = { .name = "张三", .phone = "13800001111" };
	assert_int_equal(app_volunteer_add(&t.a, &dup, id, sizeof(id)), ERR_EXISTS);
	assert_string_equal(t.a.fail.arg[1], "王秀英");
	assert_string_equal(t.a.fail.arg[2], "s0001-v1");
	app_close(&t.a);
	t_rmdir(dir);
}

static void test_set(void **state)
{
	struct t_node t;
	struct t_state before;
	struct app_volunteer v;
	const char *dir = t_tmpdir();
	(void)state;
	t_node_new(&t, dir, "s1", "s0001", false);
	t_add(&t, "王秀英", "13800001111", "维修", NULL, "s0001-v1");
	t_add(&t, "李四", "13800002222", NULL, NULL, "s0001-v2");
	struct app_volunteer_in ch = { .name = "王秀英", .team = "红星队", .skills = "", .status = "paused" };
	assert_int_equal(app_volunteer_set(&t.a, "s0001-v1", &ch, &v), 0);
	assert_string_equal(v.skills, "维修"); /* as it was */
	t_reopen(&t);
	assert_int_equal(app_volunteer_load(&t.a, "s0001-v1", &v), 0);
	assert_string_equal(v.team, "红星队");
	assert_string_equal(v.skills, "");
	assert_string_equal(v.status, "paused");
	t_state(&t, &before);
	struct {
		const char *id;
		struct app_volunteer_in in;
		int rc;
		enum app_why why;
	} cases[] = {
		{ "s0001-v1", { .name = NULL }, ERR_USAGE, APP_W_VOL_SET_NOTHING },
		{ "s0001-v1", { .name = "\xe3\x80\x80" }, ERR_USAGE, APP_W_VOL_BLANK_NAME },
		{ "s0001-v1", { .status = "gone" }, ERR_USAGE, APP_W_VOL_BAD_STATUS },
		{ "s0001-v9", { .status = "left" }, ERR_NOTFOUND, APP_W_VOLUNTEER_NOT_FOUND },
		{ "s0001-v1", { .phone = "13800002222" }, ERR_EXISTS, APP_W_VOL_PHONE_TAKEN },
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
		t_refused(&t, &before, app_volunteer_set(&t.a, cases[i].id, &cases[i].in, &v), cases[i].rc,
			  cases[i].why);
	app_close(&t.a);
	t_rmdir(dir);
}

struct t_list {
	size_t n;
	char ids[8][APP_ID_MAX + 1];
};

static int t_list_row(void *arg, const struct app_volunteer *v)
{
	struct t_list *l = arg;
	if (l->n < 8)
		snprintf(l->ids[l->n], sizeof(l->ids[0]), "%s", v->id);
	l->n++;
	return 0;
}

static size_t t_skill(struct t_node *t, const char *skill)
{
	struct app_volunteer_filter f = { .skill = skill };
	struct t_list l = { 0 };
	assert_int_equal(app_volunteer_list(&t->a, &f, t_list_row, &l), 0);
	return l.n;
}

static void test_list_skill_literal(void **state)
{
	struct t_node t;
	const char *dir = t_tmpdir();
	(void)state;
	t_node_new(&t, dir, "s1", "s0001", false);
	t_add(&t, "王秀英", "13800001111", "维修,助老", NULL, "s0001-v1");
	t_add(&t, "李四", "13800002222", "a_b,100%", NULL, "s0001-v2");
	t_add(&t, "赵六", "13800003333", NULL, NULL, "s0001-v3");
	assert_int_equal(t_skill(&t, "%"), 0);
	assert_int_equal(t_skill(&t, "_"), 0);
	assert_int_equal(t_skill(&t, "维%"), 0);
	assert_int_equal(t_skill(&t, "a_b"), 1);
	assert_int_equal(t_skill(&t, "100%"), 1);
	assert_int_equal(t_skill(&t, "助老"), 1);
	assert_int_equal(t_skill(&t, NULL), 3);
	struct app_volunteer_filter bad = { .status = "gone" };
	struct t_list l = { 0 };
	assert_int_equal(app_volunteer_list(&t.a, &bad, t_list_row, &l), ERR_USAGE);
	assert_int_equal(t.a.fail.why, APP_W_VOL_BAD_STATUS);
	app_close(&t.a);
	t_rmdir(dir);
}

/* ---- import ------------------------------------------------------------- */

static void test_import(void **state)
{
	struct t_node t;
	struct app_import r;
	char path[128], id[APP_ID_MAX + 1];
	const char *dir = t_tmpdir();
	(void)state;
	t_node_new(&t, dir, "s1", "s0001", false);
	t_add(&t, "王秀英", "13800001111", NULL, NULL, "s0001-v1");
	snprintf(path, sizeof(path), "%s/v.csv", dir);
	t_file(path, "\xef\xbb\xbf姓名,电话,服务队,技能,身份证号\r\n"
		     "张三,137-0000-0001,红星队,\"陪聊,理发\"," T_IDNUM "\r\n"
		     "\r\n"
		     "李娜,13700000002,,,\r\n");
	assert_int_equal(app_volunteer_import(&t.a, path, NULL, &r), 0);
	assert_int_equal(r.imported, 2);
	assert_int_equal(r.commits, 1);
	assert_int_equal(r.bad, 0);
	app_import_id(&r, 0, id, sizeof(id));
	assert_string_equal(id, "s0001-v2");
	app_import_id(&r, 1, id, sizeof(id));
	assert_string_equal(id, "s0001-v3");
	app_import_release(&r);
	t_reopen(&t);
	assert_int_equal(t_live(&t), 3);
	struct app_volunteer v;
	assert_int_equal(app_volunteer_load(&t.a, "s0001-v2", &v), 0);
	assert_string_equal(v.phone, "13700000001");
	assert_string_equal(v.skills, "陪聊,理发");
	assert_string_equal(v.id_last4, "002X");
	app_close(&t.a);
	t_rmdir(dir);
}

/* A refused import: rc, reason, the replica as before. */
static void t_import_refused(struct t_node *t, const char *path, const char *text, int want_rc,
			     enum app_why want_why, struct app_import *r)
{
	struct t_state before;
	t_state(t, &before);
	if (text)
		t_file(path, text);
	int rc = app_volunteer_import(&t->a, path, NULL, r);
	assert_int_equal(r->imported, 0);
	t_refused(t, &before, rc, want_rc, want_why);
}

static void test_import_refusals(void **state)
{
	struct t_node t;
	struct app_import r;
	char path[128], folder[128];
	const char *dir = t_tmpdir();
	(void)state;
	t_node_new(&t, dir, "s1", "s0001", false);
	t_add(&t, "王秀英", "13800001111", NULL, T_IDNUM, "s0001-v1");
	snprintf(path, sizeof(path), "%s/v.csv", dir);
	snprintf(folder, sizeof(folder), "%s/folder", dir);
	assert_int_equal(mkdir(folder, 0700), 0);

	t_import_refused(&t, folder, NULL, ERR_USAGE, APP_W_IMPORT_DIR, &r);
	app_import_release(&r);
	t_import_refused(&t, path, NULL, ERR_NOTFOUND, APP_W_IMPORT_OPEN, &r);
	app_import_release(&r);
	t_import_refused(&t, path, "name,phone\n\325\305,13700000001\n", ERR_USAGE, APP_W_IMPORT_NOT_UTF8, &r);
	app_import_release(&r);
	t_import_refused(&t, path, "name,mobile\n张三,13700000001\n", ERR_USAGE, APP_W_IMPORT_BAD_HEADER, &r);
	app_import_release(&r);
	t_import_refused(&t, path, "name,phone\n\"张三,13700000001\n", ERR_USAGE, APP_W_IMPORT_QUOTE, &r);
	app_import_release(&r);
	t_import_refused(&t, path, "name,phone\n", ERR_USAGE, APP_W_IMPORT_EMPTY, &r);
	app_import_release(&r);

	/* rows with problems: every one listed by line, nothing imported */
	t_import_refused(&t, path,
			 "姓名,电话,身份证号\n"
			 "张三,13700000001,\n"       /* 2: fine */
			 "　,13700000002,\n"        /* 3: a blank name */
			 "王五,13800001111,\n"      /* 4: held by s0001-v1 */
			 "赵六,13700000001,\n"      /* 5: repeats line 2 */
			 "钱七,13700000007," T_IDNUM "\n" /* 6: ID number held */
			 "孙八,13700000008\n",      /* 7: a field short */
			 ERR_USAGE, APP_W_IMPORT_NOTHING, &r);
	assert_int_equal(r.bad, 5);
	assert_int_equal(r.nissue, 5);
	unsigned lines[] = { 3, 4, 5, 6, 7 };
	enum app_why whys[] = { APP_W_VOL_BLANK_NAME, APP_W_IMPORT_DUP_DB, APP_W_IMPORT_DUP_FILE,
				APP_W_IMPORT_IDNUM_DUP_DB, APP_W_IMPORT_FIELDS };
	for (size_t i = 0; i < 5; i++) {
		assert_int_equal(r.issue[i].line, lines[i]);
		assert_int_equal(r.issue[i].f.why, whys[i]);
	}
	assert_string_equal(r.issue[2].f.arg[1], "2"); /* the line it repeats */
	assert_string_equal(r.issue[3].f.arg[0], "002X");
	app_import_release(&r);

	/* the first problem a duplicate: refused (exit 3), not a usage error */
	t_import_refused(&t, path, "name,phone\n王五,13800001111\n张三,1\n", ERR_EXISTS, APP_W_IMPORT_NOTHING,
			 &r);
	app_import_release(&r);
	app_close(&t.a);
	t_rmdir(dir);
}

/* Many rows, many problems: all counted, the first APP_IMPORT_ISSUES kept. */
static void test_import_many(void **state)
{
	struct t_node t;
	struct app_import r;
	char path[128];
	const char *dir = t_tmpdir();
	(void)state;
	t_node_new(&t, dir, "s1", "s0001", false);
	snprintf(path, sizeof(path), "%s/v.csv", dir);
	FILE *f = fopen(path, "w");
	assert_non_null(f);
	fprintf(f, "name,phone\n");
	for (int i = 0; i < 3000; i++)
		fprintf(f, "志愿者%d,139%08d\n", i, i % 2500); /* the last 500 repeat */
	assert_int_equal(fclose(f), 0);
	assert_int_equal(app_volunteer_import(&t.a, path, NULL, &r), ERR_EXISTS);
	assert_int_equal(r.bad, 500);
	assert_int_equal(r.nissue, APP_IMPORT_ISSUES);
	assert_int_equal(r.issue[0].line, 2502);
	assert_int_equal(r.issue[0].f.why, APP_W_IMPORT_DUP_FILE);
	assert_string_equal(r.issue[0].f.arg[1], "2");
	app_import_release(&r);
	app_fail_clear(&t.a);
	t_reopen(&t);
	assert_int_equal(t_live(&t), 0);
	app_close(&t.a);
	t_rmdir(dir);
}

/* Each operation ends the write transaction it began, refused or not:
 * a front end that keeps the app open (the web pages) never holds the
 * write lock past a request. */
static void test_own_transaction(void **state)
{
	struct t_node t;
	struct app other;
	struct app_volunteer v;
	struct app_import r;
	char id[APP_ID_MAX + 1], path[128];
	const char *dir = t_tmpdir();
	(void)state;
	t_node_new(&t, dir, "s1", "s0001", false);
	struct app_volunteer_in in = { .name = "王秀英", .phone = "13800001111" };
	assert_int_equal(app_volunteer_add(&t.a, &in, id, sizeof(id)), 0);
	assert_false(t.a.writing);
	assert_int_equal(app_volunteer_add(&t.a, &in, id, sizeof(id)), ERR_EXISTS);
	assert_false(t.a.writing);
	struct app_volunteer_in ch = { .status = "paused" };
	assert_int_equal(app_volunteer_set(&t.a, "s0001-v9", &ch, &v), ERR_NOTFOUND);
	assert_false(t.a.writing);
	struct app_volunteer_in taken = { .phone = "13800001111" };
	in.phone = "13800002222";
	assert_int_equal(app_volunteer_add(&t.a, &in, id, sizeof(id)), 0);
	assert_int_equal(app_volunteer_set(&t.a, id, &taken, &v), ERR_EXISTS);
	assert_false(t.a.writing);
	snprintf(path, sizeof(path), "%s/v.csv", dir);
	t_file(path, "name,phone\n张三,13800001111\n");
	assert_int_equal(app_volunteer_import(&t.a, path, NULL, &r), ERR_EXISTS);
	app_import_release(&r);
	assert_false(t.a.writing);
	app_fail_clear(&t.a);

	/* another writer (a command, the daemon) gets the lock at once */
	app_init(&other);
	snprintf(other.home, sizeof(other.home), "%s", t.a.home);
	other.now_ms = t.a.now_ms + 1000;
	other.access = APP_WRITES;
	assert_int_equal(app_open(&other), 0);
	assert_true(other.writing);
	app_close(&other);
	/* and the first goes on */
	t_file(path, "name,phone\n张三,13800003333\n");
	assert_int_equal(app_volunteer_import(&t.a, path, NULL, &r), 0);
	app_import_release(&r);
	assert_false(t.a.writing);
	assert_int_equal(app_volunteer_set(&t.a, "s0001-v1", &ch, &v), 0);
	assert_false(t.a.writing);
	assert_int_equal(t_live(&t), 3);
	app_close(&t.a);
	t_rmdir(dir);
}

/* ---- the CSV reader ------------------------------------------------------ */

static void test_csv(void **state)
{
	struct app_csv c;
	const char *data = "\xef\xbb\xbf"
			   "a,\"b \"\"q\"\" c\",d\r\n"
			   "\"two\nlines\",x\n"
			   "1,2,3,4,5,6,7,8,9,10\n"
			   "last";
	(void)state;
	assert_int_equal(app_csv_init(&c, data, strlen(data), 100), 0);
	assert_int_equal(app_csv_next(&c), 1);
	assert_int_equal(c.nfields, 3);
	assert_string_equal(c.field[1], "b \"q\" c");
	assert_int_equal(c.start, 1);
	assert_int_equal(app_csv_next(&c), 1);
	assert_string_equal(c.field[0], "two\nlines");
	assert_int_equal(c.start, 2);
	assert_int_equal(app_csv_next(&c), 1);
	assert_int_equal(c.start, 4); /* the quoted newline counted */
	assert_int_equal(c.nfields, 10);
	assert_int_equal(c.nkept, APP_CSV_FIELDS);
	assert_int_equal(app_csv_next(&c), 1);
	assert_string_equal(c.field[0], "last");
	assert_int_equal(app_csv_next(&c), 0);
	app_csv_release(&c);

	const char *quote = "a\nb\n\"c,d\n";
	assert_int_equal(app_csv_init(&c, quote, strlen(quote), 100), 0);
	assert_int_equal(app_csv_next(&c), 1);
	assert_int_equal(app_csv_next(&c), 1);
	assert_int_equal(app_csv_next(&c), ERR_CORRUPT);
	assert_int_equal(c.err, APP_CSV_QUOTE);
	assert_int_equal(c.err_line, 3);

	const char *big = "ok\n0123456789x\n";
	assert_int_equal(app_csv_init(&c, big, strlen(big), 10), 0);
	assert_int_equal(app_csv_next(&c), 1);
	assert_int_equal(app_csv_next(&c), ERR_TOOBIG);
	assert_int_equal(c.err, APP_CSV_FIELD_BIG);
	assert_int_equal(c.err_line, 2);

	const char *gbk = "ok\nfine\n\325\305\n";
	assert_int_equal(app_csv_init(&c, gbk, strlen(gbk), 10), ERR_CORRUPT);
	assert_int_equal(c.err, APP_CSV_NOT_UTF8);
	assert_int_equal(c.err_line, 3);
	app_csv_release(&c);
}

static void test_csv_file(void **state)
{
	char path[128], *data = NULL;
	size_t len = 0;
	const char *dir = t_tmpdir();
	(void)state;
	assert_int_equal(app_csv_file_read(dir, 100, &data, &len), -EISDIR);
	snprintf(path, sizeof(path), "%s/none.csv", dir);
	assert_int_equal(app_csv_file_read(path, 100, &data, &len), ERR_NOTFOUND);
	snprintf(path, sizeof(path), "%s/v.csv", dir);
	t_file(path, "name,phone\n");
	assert_int_equal(app_csv_file_read(path, 10, &data, &len), ERR_TOOBIG);
	assert_null(data);
	assert_int_equal(app_csv_file_read(path, 11, &data, &len), 0);
	assert_int_equal(len, 11);
	assert_string_equal(data, "name,phone\n");
	mem_free(data);
	t_rmdir(dir);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_text_names),	  cmocka_unit_test(test_add_and_show),
		cmocka_unit_test(test_add_refusals),	  cmocka_unit_test(test_set),
		cmocka_unit_test(test_list_skill_literal), cmocka_unit_test(test_import),
		cmocka_unit_test(test_import_refusals),  cmocka_unit_test(test_import_many),
		cmocka_unit_test(test_own_transaction),	  cmocka_unit_test(test_csv),
		cmocka_unit_test(test_csv_file),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
