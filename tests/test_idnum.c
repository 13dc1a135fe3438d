// SPDX-License-Identifier: MIT
/*
 * test_idnum.c - resident ID numbers (base/idnum.c): the ISO 7064 MOD 11-2
 * check character against published and hand-computed numbers, every
 * single-digit error and every swap of two neighbouring digits refused,
 * what the parse normalises (x, spaces) and what it refuses, with where.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "base/idnum.h"

/* The example number of GB 11643 and numbers computed by hand. */
static const char *const good[] = { "11010519491231002X", "440524188001010014",
				    "320106199003071234", "510108198511119875" };

static void test_check_char(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof(good) / sizeof(good[0]); i++)
		assert_int_equal(idnum_check_char(good[i]), good[i][17]);
	/* all zeros: sum 0, check (12 - 0) mod 11 = 1 */
	assert_int_equal(idnum_check_char("00000000000000000"), '1');
}

static void test_parse_good(void **state)
{
	char out[IDNUM_LEN + 1];
	size_t where = 99;
	(void)state;
	for (size_t i = 0; i < sizeof(good) / sizeof(good[0]); i++) {
		assert_int_equal(idnum_parse(good[i], strlen(good[i]), out, &where), IDNUM_OK);
		assert_string_equal(out, good[i]);
		assert_int_equal(where, 0);
	}
	/* lower-case x becomes X; spaces are dropped */
	assert_int_equal(idnum_parse("11010519491231002x", 18, out, NULL), IDNUM_OK);
	assert_string_equal(out, "11010519491231002X");
	const char *spaced = " 110105 19491231 002X ";
	assert_int_equal(idnum_parse(spaced, strlen(spaced), out, NULL), IDNUM_OK);
	assert_string_equal(out, "11010519491231002X");
	/* only len bytes are read */
	assert_int_equal(idnum_parse("11010519491231002X999", 18, out, NULL), IDNUM_OK);
}

static void assert_refused(const char *s, size_t len, enum idnum_problem p, size_t at)
{
	char out[IDNUM_LEN + 1];
	size_t where = 99;
	memset(out, 'z', sizeof(out));
	assert_int_equal(idnum_parse(s, len, out, &where), p);
	assert_int_equal(where, at);
	for (size_t i = 0; i < sizeof(out); i++)
		assert_int_equal(out[i], 0); /* zeroed, no part of the number left */
}

static void test_parse_refused(void **state)
{
	(void)state;
	assert_refused("", 0, IDNUM_LENGTH, 0);
	assert_refused("1101051949123100", 16, IDNUM_LENGTH, 16);
	assert_refused("11010519491231002X1", 19, IDNUM_LENGTH, 19);
	assert_refused("1.10105E+17", 11, IDNUM_LENGTH, 11); /* as a spreadsheet writes it */
	assert_refused("1101051949a231002X", 18, IDNUM_CHAR, 11);
	assert_refused("X10105194912310021", 18, IDNUM_CHAR, 1);
	assert_refused("1101051949123100-X", 18, IDNUM_CHAR, 17);
	assert_refused("110105194912310021", 18, IDNUM_CHECK, 18);
	assert_refused("11010519491231002Y", 18, IDNUM_CHAR, 18);
	/* a NUL ends the number whatever len says */
	assert_refused("110105194912\0" "31002X", 18, IDNUM_LENGTH, 12);
}

/* MOD 11-2 catches every single wrong digit and every swap of two
 * different neighbouring digits among the first 17. */
static void test_errors_caught(void **state)
{
	char n[IDNUM_LEN + 1], out[IDNUM_LEN + 1];
	(void)state;
	for (size_t g = 0; g < sizeof(good) / sizeof(good[0]); g++) {
		for (size_t i = 0; i < IDNUM_LEN - 1; i++)
			for (char d = '0'; d <= '9'; d++) {
				if (d == good[g][i])
					continue;
				memcpy(n, good[g], sizeof(n));
				n[i] = d;
				assert_int_equal(idnum_parse(n, IDNUM_LEN, out, NULL), IDNUM_CHECK);
			}
		for (size_t i = 0; i + 1 < IDNUM_LEN - 1; i++) {
			if (good[g][i] == good[g][i + 1])
				continue;
			memcpy(n, good[g], sizeof(n));
			n[i] = good[g][i + 1];
			n[i + 1] = good[g][i];
			assert_int_equal(idnum_parse(n, IDNUM_LEN, out, NULL), IDNUM_CHECK);
		}
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_check_char),
		cmocka_unit_test(test_parse_good),
		cmocka_unit_test(test_parse_refused),
		cmocka_unit_test(test_errors_caught),
	};
	return cmocka_run_group_tests_name("idnum", tests, NULL, NULL);
}
