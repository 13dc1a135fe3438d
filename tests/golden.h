/* SPDX-License-Identifier: MIT */
/*
 * golden.h - the wire's golden files for the cmocka tests (include after
 * cmocka.h): bytes produced now against tests/golden/NAME, which
 * CUNLIAN_GOLDEN_WRITE=1 writes again (docs/protocol.md, docs/testing.md).
 */
#ifndef CUNLIAN_TESTS_GOLDEN_H
#define CUNLIAN_TESTS_GOLDEN_H

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static inline void t_golden_check(const char *name, const uint8_t *p, size_t len)
{
	char path[256];
	snprintf(path, sizeof(path), "tests/golden/%s", name);
	if (getenv("CUNLIAN_GOLDEN_WRITE")) {
		FILE *f = fopen(path, "wb");
		assert_non_null(f);
		assert_int_equal(fwrite(p, 1, len, f), len);
		fclose(f);
	}
	FILE *f = fopen(path, "rb");
	assert_non_null(f);
	uint8_t *want = malloc(len + 1);
	assert_non_null(want);
	size_t got = fread(want, 1, len + 1, f);
	fclose(f);
	if (got != len || memcmp(want, p, len) != 0)
		fail_msg("%s differs from the bytes produced now (%zu vs %zu bytes); see docs/protocol.md", path,
			 got, len);
	free(want);
}

#endif
