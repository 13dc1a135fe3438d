// SPDX-License-Identifier: MIT
/*
 * test_fuzz_replay.c - every fuzz target, built with the ordinary compiler
 * (and under ASan/UBSan in make check), replays its checked-in corpus
 * tests/fuzz/corpus/<target>/ and its regressions tests/fuzz/regress/
 * <target>/ (each a crash the fuzzer once found, fixed since). So a fixed
 * crash stays fixed in every `make test`, without clang.
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
/* node/ is the program, not the library: the config target needs these. */
#include "node/config.c"
#include "node/text.c"

typedef int (*fuzz_fn)(const uint8_t *, size_t);

static int replay_dir(const char *dirpath, fuzz_fn fn)
{
	DIR *d = opendir(dirpath);
	struct dirent *e;
	int n = 0;
	if (!d)
		return 0;
	while ((e = readdir(d)) != NULL) {
		char path[512];
		if (e->d_name[0] == '.')
			continue;
		snprintf(path, sizeof(path), "%s/%s", dirpath, e->d_name);
		FILE *f = fopen(path, "rb");
		if (!f)
			continue;
		uint8_t *p = malloc(1 << 20);
		size_t len = fread(p, 1, 1 << 20, f);
		fclose(f);
		fn(p, len); /* a crash here names the file in the backtrace */
		free(p);
		n++;
	}
	closedir(d);
	return n;
}

static void replay(const char *name, fuzz_fn fn)
{
	char dir[256];
	int n = 0;
	snprintf(dir, sizeof(dir), "tests/fuzz/corpus/%s", name);
	n += replay_dir(dir, fn);
	snprintf(dir, sizeof(dir), "tests/fuzz/regress/%s", name);
	n += replay_dir(dir, fn);
	print_message("%s: %d inputs replayed\n", name, n);
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

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_regress_buf_put_empty),
		cmocka_unit_test(test_fuzz_body),
		cmocka_unit_test(test_fuzz_chunk),
		cmocka_unit_test(test_fuzz_bundle),
		cmocka_unit_test(test_fuzz_session),
		cmocka_unit_test(test_fuzz_roundtrip),
		cmocka_unit_test(test_fuzz_config),
		cmocka_unit_test(test_fuzz_statement),
		cmocka_unit_test(test_fuzz_lora),
	};
	int rc = cmocka_run_group_tests_name("fuzz replay", tests, NULL, NULL);
	sync_dict_free(fuzz_dict);
	return rc;
}
