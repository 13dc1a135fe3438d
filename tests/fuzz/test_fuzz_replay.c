// SPDX-License-Identifier: MIT
/*
 * test_fuzz_replay.c - every fuzz target, built with the ordinary compiler
 * (and under ASan/UBSan in make check), replays its checked-in corpus
 * tests/fuzz/corpus/<target>/ and its regressions tests/fuzz/regress/
 * <target>/ (each a crash the fuzzer once found, fixed since). So a fixed
 * crash stays fixed in every `make test`, without clang.
 *
 * Each target checks what the code under test promises for every input
 * (a refusal with a documented code that changes nothing, an accepted
 * input that round-trips or opens, ...) and crashes, naming the input,
 * when a promise is broken. Here, besides: a target's corpus folder
 * must be there and hold inputs, and among them at least one the code
 * takes and one it refuses (fuzz_note), so a corpus that no longer
 * reaches past the first check fails too. Run from the repository root.
 */
#include <dirent.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <cmocka.h>

#define LLVMFuzzerTestOneInput fuzz_body_one
#include "tests/fuzz/fuzz_body.c"
#undef LLVMFuzzerTestOneInput
#define LLVMFuzzerTestOneInput fuzz_chunk_one
#include "tests/fuzz/fuzz_chunk.c"
#undef LLVMFuzzerTestOneInput
#define LLVMFuzzerTestOneInput fuzz_bundle_one
#include "tests/fuzz/fuzz_bundle.c"
#undef LLVMFuzzerTestOneInput
#define LLVMFuzzerTestOneInput fuzz_session_one
#include "tests/fuzz/fuzz_session.c"
#undef LLVMFuzzerTestOneInput
#define LLVMFuzzerTestOneInput fuzz_roundtrip_one
#include "tests/fuzz/fuzz_roundtrip.c"
#undef LLVMFuzzerTestOneInput
#define LLVMFuzzerTestOneInput fuzz_config_one
#include "tests/fuzz/fuzz_config.c"
#undef LLVMFuzzerTestOneInput
#define LLVMFuzzerTestOneInput fuzz_statement_one
#include "tests/fuzz/fuzz_statement.c"
#undef LLVMFuzzerTestOneInput
#define LLVMFuzzerTestOneInput fuzz_lora_one
#include "tests/fuzz/fuzz_lora.c"
#undef LLVMFuzzerTestOneInput
#define LLVMFuzzerTestOneInput fuzz_coap_one
#include "tests/fuzz/fuzz_coap.c"
#undef LLVMFuzzerTestOneInput
#define LLVMFuzzerTestOneInput fuzz_backup_one
#include "tests/fuzz/fuzz_backup.c"
#undef LLVMFuzzerTestOneInput
#define LLVMFuzzerTestOneInput fuzz_csv_one
#include "tests/fuzz/fuzz_csv.c"
#undef LLVMFuzzerTestOneInput
#define LLVMFuzzerTestOneInput fuzz_form_one
#include "tests/fuzz/fuzz_form.c"
#undef LLVMFuzzerTestOneInput
#define LLVMFuzzerTestOneInput fuzz_snapshot_one
#include "tests/fuzz/fuzz_snapshot.c"
#undef LLVMFuzzerTestOneInput

typedef int (*fuzz_fn)(const uint8_t *, size_t);

#define REPLAY_MAX (1 << 20) /* libFuzzer's -max_len is far below */

/* Replay every file of dirpath; -1 when the folder is not there. */
static int replay_dir(const char *dirpath, fuzz_fn fn)
{
	DIR *d = opendir(dirpath);
	struct dirent *e;
	int n = 0;
	uint8_t *p = malloc(REPLAY_MAX + 1);
	assert_non_null(p);
	if (!d) {
		free(p);
		return -1;
	}
	while ((e = readdir(d)) != NULL) {
		char path[512];
		if (e->d_name[0] == '.')
			continue;
		snprintf(path, sizeof(path), "%s/%s", dirpath, e->d_name);
		FILE *f = fopen(path, "rb");
		if (!f)
			fail_msg("%s: cannot be read", path);
		size_t len = fread(p, 1, REPLAY_MAX + 1, f);
		fclose(f);
		if (len > REPLAY_MAX)
			fail_msg("%s: over %d bytes, larger than any input the fuzzer makes", path, REPLAY_MAX);
		fuzz_stats.input = path;
		assert_int_equal(fn(p, len), 0); /* a broken promise aborts, naming the file */
		fuzz_stats.input = NULL;
		n++;
	}
	closedir(d);
	free(p);
	return n;
}

static void replay(const char *name, fuzz_fn fn)
{
	char dir[256];
	int n, r;
	memset(&fuzz_stats, 0, sizeof(fuzz_stats));
	snprintf(dir, sizeof(dir), "tests/fuzz/corpus/%s", name);
	n = replay_dir(dir, fn);
	if (n <= 0)
		fail_msg("%s: the corpus folder is %s (run from the repository root; docs/testing.md)", dir,
			 n < 0 ? "missing" : "empty");
	snprintf(dir, sizeof(dir), "tests/fuzz/regress/%s", name);
	r = replay_dir(dir, fn);
	print_message("%s: %d corpus inputs, %d regressions; %lu taken, %lu refused\n", name, n, r < 0 ? 0 : r,
		      fuzz_stats.ok, fuzz_stats.refused);
	if (!fuzz_stats.ok || !fuzz_stats.refused)
		fail_msg("%s: the corpus holds no input the code %s: it no longer reaches what it should", name,
			 fuzz_stats.ok ? "refuses" : "takes");
}

#define REPLAY(t) \
	static void test_##t(void **state) \
	{ \
		(void)state; \
		replay(#t, t##_one); \
	}
REPLAY(fuzz_body)
REPLAY(fuzz_chunk)
REPLAY(fuzz_bundle)
REPLAY(fuzz_session)
REPLAY(fuzz_roundtrip)
REPLAY(fuzz_config)
REPLAY(fuzz_statement)
REPLAY(fuzz_lora)
REPLAY(fuzz_coap)
REPLAY(fuzz_backup)
REPLAY(fuzz_csv)
REPLAY(fuzz_form)
REPLAY(fuzz_snapshot)

/* The first crash make fuzz found: an empty buf_put (base/buf.c) did
 * NULL + 0; fuzz_bundle hit it with a one-byte input. */
static void test_regress_buf_put_empty(void **state)
{
	(void)state;
	struct buf b;
	buf_init(&b, 16);
	buf_put(&b, "", 0);
	assert_int_equal(b.err, 0);
	assert_non_null(b.data);
	buf_release(&b);
	assert_int_equal(fuzz_bundle_one((const uint8_t *)"\n", 1), 0);
}

/* Replay the corpus file target/name, its first byte set to mode (-1:
 * as it is); was it taken? */
static bool replay_one(const char *target, const char *name, int mode, fuzz_fn fn)
{
	static uint8_t p[REPLAY_MAX + 1];
	char path[256];
	unsigned long ok = fuzz_stats.ok;
	snprintf(path, sizeof(path), "tests/fuzz/corpus/%s/%s", target, name);
	FILE *f = fopen(path, "rb");
	if (!f)
		fail_msg("%s: cannot be read", path);
	size_t len = fread(p, 1, sizeof(p), f);
	fclose(f);
	assert_true(len > 1 && len <= REPLAY_MAX);
	if (mode >= 0)
		p[0] = (uint8_t)mode;
	fuzz_stats.input = path;
	assert_int_equal(fn(p, len), 0);
	fuzz_stats.input = NULL;
	return fuzz_stats.ok > ok;
}

/* Trust is on where a mode says so (fuzz_bundle bit 3; fuzz_chunk the
 * same): the county station's bundle is taken by the county's hub, and a
 * bundle of a key the county never enrolled, taken without trust, is
 * refused with it. */
static void test_trust_on(void **state)
{
	(void)state;
	assert_true(replay_one("fuzz_bundle", "county_hub", -1, fuzz_bundle_one));
	assert_true(replay_one("fuzz_bundle", "county_s0002", -1, fuzz_bundle_one));
	assert_true(replay_one("fuzz_bundle", "bundle", 0x00, fuzz_bundle_one));
	assert_false(replay_one("fuzz_bundle", "bundle", 0x08, fuzz_bundle_one));
	assert_true(replay_one("fuzz_chunk", "chunk0", 0x00, fuzz_chunk_one));
	assert_false(replay_one("fuzz_chunk", "chunk0", 0x08, fuzz_chunk_one));
}

/* A missing or empty corpus folder fails the replay (a test of the test:
 * run in a child, since cmocka's failure ends the test). */
static void test_replay_needs_corpus(void **state)
{
	(void)state;
	assert_int_equal(replay_dir("tests/fuzz/corpus/no-such-target", fuzz_body_one), -1);
	char empty[64];
	fuzz_tmpdir(empty, "empty");
	assert_int_equal(replay_dir(empty, fuzz_body_one), 0);
	rmdir(empty);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_regress_buf_put_empty),
		cmocka_unit_test(test_replay_needs_corpus),
		cmocka_unit_test(test_trust_on),
		cmocka_unit_test(test_fuzz_body),
		cmocka_unit_test(test_fuzz_chunk),
		cmocka_unit_test(test_fuzz_bundle),
		cmocka_unit_test(test_fuzz_session),
		cmocka_unit_test(test_fuzz_roundtrip),
		cmocka_unit_test(test_fuzz_config),
		cmocka_unit_test(test_fuzz_statement),
		cmocka_unit_test(test_fuzz_lora),
		cmocka_unit_test(test_fuzz_coap),
		cmocka_unit_test(test_fuzz_backup),
		cmocka_unit_test(test_fuzz_csv),
		cmocka_unit_test(test_fuzz_form),
		cmocka_unit_test(test_fuzz_snapshot),
	};
	int rc = cmocka_run_group_tests_name("fuzz replay", tests, NULL, NULL);
	sync_dict_free(fuzz_dict);
	return rc;
}
