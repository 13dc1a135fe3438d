// SPDX-License-Identifier: MIT
/*
 * test_app_bundle.c - app/bundle.c, app/peer.c and app/recover.c on real
 * homes: a station's bundle imported at the hub gives both the same data,
 * again changes nothing; refusals (a bad target, not a bundle, missing)
 * change nothing; a bundle cut short imports what verified and says so;
 * the peers/ files round trip and survive damaged lines; recover has
 * nothing to do on a replica that matches its mark.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "app/bundle.h"
#include "app/peer.h"
#include "app/recover.h"
#include "base/err.h"
#include "base/mem.h"
#include "tests/app_helpers.h"

struct t_env {
	char dir[64]; /* first: t_env_teardown */
	char st[96];  /* station s0001 */
	char hub[96]; /* the hub */
	char file[96];
};

static int t_setup(void **state)
{
	struct t_env *e = calloc(1, sizeof(*e));
	snprintf(e->dir, sizeof(e->dir), "%s", t_tmpdir());
	snprintf(e->st, sizeof(e->st), "%s/s1", e->dir);
	snprintf(e->hub, sizeof(e->hub), "%s/hub", e->dir);
	snprintf(e->file, sizeof(e->file), "%s/s1.bundle", e->dir);
	t_node(e->st, "s0001", "station");
	t_node(e->hub, "c01", "hub");
	*state = e;
	return 0;
}

static void t_scope_digest(const char *home, const char *scope, uint8_t d[32])
{
	struct app a;
	t_app(&a, home, APP_READS);
	assert_int_equal(app_open(&a), 0);
	assert_int_equal(crdt_store_digest(a.store, scope, d), 0);
	app_close(&a);
}

static int t_export(const char *home, const char *file, const char *target, bool named,
		    struct app_bundle_export_info *info, enum app_why *why)
{
	struct app a;
	t_app(&a, home, APP_READS);
	assert_int_equal(app_open(&a), 0);
	int rc = app_bundle_export(&a, file, target, named, info);
	*why = a.fail.why;
	app_close(&a);
	return rc;
}

static int t_import(const char *home, const char *file, struct sync_report *rep, enum app_why *why)
{
	struct app a;
	t_app(&a, home, APP_READS);
	assert_int_equal(app_open(&a), 0);
	int rc = app_bundle_import(&a, file, rep);
	*why = a.fail.why;
	app_close(&a);
	return rc;
}

static void test_bundle_round_trip(void **state)
{
	struct t_env *e = *state;
	struct app_bundle_export_info info;
	struct sync_report rep;
	enum app_why why;
	uint8_t d0[32], d1[32], d2[32];
	struct stat sb;

	assert_int_equal(t_export(e->st, e->file, "hub", false, &info, &why), 0);
	assert_int_equal(stat(e->file, &sb), 0);
	assert_int_equal(info.bytes, (uint64_t)sb.st_size);
	assert_int_equal(t_import(e->hub, e->file, &rep, &why), 0);
	assert_true(rep.applied > 0);
	assert_int_equal(rep.bundle, SYNC_BUNDLE_WHOLE);
	t_scope_digest(e->st, "s0001", d0);
	t_scope_digest(e->hub, "s0001", d1);
	assert_memory_equal(d0, d1, 32);

	/* again: nothing new, nothing changed */
	t_scope_digest(e->hub, NULL, d1);
	assert_int_equal(t_import(e->hub, e->file, &rep, &why), 0);
	assert_int_equal(rep.applied, 0);
	assert_true(rep.duplicate > 0);
	t_scope_digest(e->hub, NULL, d2);
	assert_memory_equal(d1, d2, 32);
}

static void test_bundle_refusals(void **state)
{
	struct t_env *e = *state;
	struct app_bundle_export_info info;
	struct sync_report rep;
	enum app_why why;
	uint8_t d0[32], d1[32];
	char path[160];

	/* a target that is neither a station nor the hub: nothing written */
	assert_int_equal(t_export(e->st, e->file, "bad id!", true, &info, &why), ERR_USAGE);
	assert_int_equal(why, APP_W_BUNDLE_BAD_FOR);
	assert_int_equal(access(e->file, F_OK), -1);
	/* a folder that is not there */
	snprintf(path, sizeof(path), "%s/no-stick/s1.bundle", e->dir);
	assert_true(t_export(e->st, path, "hub", false, &info, &why) < 0);
	assert_int_equal(why, APP_W_BUNDLE_WRITE);

	t_scope_digest(e->hub, NULL, d0);
	/* not a bundle: the wrong file, nothing merged */
	snprintf(path, sizeof(path), "%s/not.bundle", e->dir);
	FILE *f = fopen(path, "w");
	fputs("hello\n", f);
	fclose(f);
	assert_int_equal(t_import(e->hub, path, &rep, &why), ERR_USAGE);
	assert_int_equal(why, APP_W_BUNDLE_NOT_BUNDLE);
	/* missing */
	snprintf(path, sizeof(path), "%s/missing.bundle", e->dir);
	assert_int_equal(t_import(e->hub, path, &rep, &why), ERR_NOTFOUND);
	assert_int_equal(why, APP_W_BUNDLE_READ);
	t_scope_digest(e->hub, NULL, d1);
	assert_memory_equal(d0, d1, 32);
}

static void test_bundle_cut(void **state)
{
	struct t_env *e = *state;
	struct app_bundle_export_info info;
	struct sync_report rep;
	enum app_why why;
	char path[160];

	assert_int_equal(t_export(e->st, e->file, "hub", false, &info, &why), 0);
	snprintf(path, sizeof(path), "%s/cut.bundle", e->dir);
	FILE *in = fopen(e->file, "rb"), *out = fopen(path, "wb");
	for (uint64_t i = 0; i + 7 < info.bytes; i++)
		fputc(fgetc(in), out);
	fclose(in);
	fclose(out);
	/* imported in part: the file says so, the report is there */
	assert_int_equal(t_import(e->hub, path, &rep, &why), ERR_RULE);
	assert_true(why == APP_W_BUNDLE_CUT || why == APP_W_BUNDLE_PARTIAL);
	assert_true(rep.bundle == SYNC_BUNDLE_CUT || rep.bytes_skipped > 0);
	/* the whole one afterwards is whole */
	assert_int_equal(t_import(e->hub, e->file, &rep, &why), 0);
}

static void test_peer_files(void **state)
{
	struct t_env *e = *state;
	struct app a;
	struct crdt_vv_entry vv[2], *got = NULL;
	size_t n = 99;
	uint64_t ms = 7;
	char name[APP_PEER_NAME_MAX + 1], path[160];
	(void)state;

	app_peer_name("192.168.1.5", 5683, name, sizeof(name));
	assert_string_equal(name, "192.168.1.5_5683");
	app_peer_name("hub/../x y", 1, name, sizeof(name));
	assert_string_equal(name, "hub_.._x_y_1");

	t_app(&a, e->st, APP_READS);
	/* nothing heard yet: no entries, never synced, not an error */
	assert_int_equal(app_peer_vv_load(&a, "hub", &got, &n), 0);
	assert_int_equal(n, 0);
	assert_null(got);
	assert_int_equal(app_peer_last_load(&a, "hub", &ms), 0);
	assert_int_equal(ms, 0);

	memset(vv, 0, sizeof(vv));
	t_author(vv[0].author, "alice");
	vv[0].seq = 42;
	t_author(vv[1].author, "bob");
	snprintf(vv[1].scope, sizeof(vv[1].scope), "s0001");
	vv[1].seq = 7;
	assert_int_equal(app_peer_vv_save(&a, "hub", vv, 2), 0);
	assert_int_equal(app_peer_last_save(&a, "hub", 1740672000123ULL), 0);
	assert_int_equal(app_peer_vv_load(&a, "hub", &got, &n), 0);
	assert_int_equal(n, 2);
	assert_memory_equal(got, vv, sizeof(vv));
	mem_free(got);
	assert_int_equal(app_peer_last_load(&a, "hub", &ms), 0);
	assert_int_equal(ms, 1740672000123ULL);

	/* damaged lines read as not heard for that feed; the rest stays */
	snprintf(path, sizeof(path), "%s/peers/hub.vv", e->st);
	FILE *f = fopen(path, "a");
	fputs("zz 3 s0001\nnot even a line\n", f);
	fprintf(f, "%0128d 5 -\n", 0); /* an author too long */
	fclose(f);
	assert_int_equal(app_peer_vv_load(&a, "hub", &got, &n), 0);
	assert_int_equal(n, 2);
	mem_free(got);
	app_close(&a);
}

static void test_recover_not_needed(void **state)
{
	struct t_env *e = *state;
	struct app a;
	uint64_t own = 0;
	t_app(&a, e->st, APP_READS);
	a.recovering = true;
	assert_int_equal(app_open(&a), 0);
	assert_false(app_recover_needed(&a));
	assert_int_equal(app_recover_begin(&a, &own), 0);
	assert_int_equal(own, 1); /* the one commit t_node made */
	app_close(&a);
}

static const struct CMUnitTest t_bundle_tests[] = {
	cmocka_unit_test_setup_teardown(test_bundle_round_trip, t_setup, t_env_teardown),
	cmocka_unit_test_setup_teardown(test_bundle_refusals, t_setup, t_env_teardown),
	cmocka_unit_test_setup_teardown(test_bundle_cut, t_setup, t_env_teardown),
	cmocka_unit_test_setup_teardown(test_peer_files, t_setup, t_env_teardown),
	cmocka_unit_test_setup_teardown(test_recover_not_needed, t_setup, t_env_teardown),
};

int main(void)
{
	return cmocka_run_group_tests(t_bundle_tests, NULL, NULL);
}
