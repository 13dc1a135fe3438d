// SPDX-License-Identifier: MIT
/*
 * test_web_form.c - the web pages' form decoder (web/form.c): the forms
 * the residents' pages send decode to what was typed; a broken form is
 * refused whole. Its fuzz target tests/fuzz/fuzz_form.c and corpus are
 * replayed by test_fuzz_replay.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <cmocka.h>

#include <string.h>

#include "base/err.h"
#include "web/form.h"

static void test_kiosk_form(void **state)
{
	(void)state;
	struct web_field f[WEB_FIELDS_MAX];
	size_t n;
	const char *body = "csrf=00ff&category=%E5%8A%A9%E8%80%81&detail=%E4%B9%B0%E8%8F%9C+%E5%B8%AE%E5%BF%99"
			   "&requester=&phone=138+0013+8000&&empty";
	assert_int_equal(web_form_parse(body, strlen(body), f, WEB_FIELDS_MAX, &n), 0);
	assert_int_equal(n, 6);
	assert_string_equal(f[1].name, "category");
	assert_string_equal(f[1].value, "助老");
	assert_string_equal(f[2].value, "买菜 帮忙");
	assert_string_equal(f[3].value, "");
	assert_string_equal(f[4].value, "138 0013 8000");
	assert_string_equal(f[5].name, "empty");
	web_form_release(f, n);
	/* a broken escape, a NUL, too many fields: the whole form is refused */
	const char *bad[] = { "a=%4", "a=%00&b=1", "a=%g0" };
	for (size_t i = 0; i < 3; i++) {
		n = 7;
		assert_int_equal(web_form_parse(bad[i], strlen(bad[i]), f, WEB_FIELDS_MAX, &n), ERR_USAGE);
		assert_int_equal(n, 0);
	}
	assert_int_equal(web_form_parse("a&b&c", 5, f, 2, &n), ERR_USAGE);
	assert_int_equal(n, 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_kiosk_form),
	};
	return cmocka_run_group_tests_name("web form", tests, NULL, NULL);
}
