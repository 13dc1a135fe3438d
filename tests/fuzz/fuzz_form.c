// SPDX-License-Identifier: MIT
/* fuzz_form.c - web_form_parse (web/form.c), the decoder of every form a
 * browser POSTs and of the same bytes as a query, on any bytes: 0 or
 * ERR_USAGE (nothing else: the allocations do not fail here); refused,
 * no field is left; taken, at most WEB_FIELDS_MAX fields, every name
 * shorter than its buffer and every value at most WEB_VALUE_MAX bytes,
 * neither with a NUL inside, and the fields encoded again parse back to
 * the same. */
#include "tests/fuzz/fuzz.h"
#include "web/form.h"

/* Percent-encode s into b (every byte, so the round trip is exact). */
static void fuzz_form_enc(struct buf *b, const char *s)
{
	static const char hex[] = "0123456789ABCDEF";
	for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
		char e[3] = { '%', hex[*p >> 4], hex[*p & 15] };
		buf_put(b, e, 3);
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct web_field f[WEB_FIELDS_MAX], g[WEB_FIELDS_MAX];
	size_t n = 99, m = 99;
	struct buf b;
	int rc = web_form_parse((const char *)data, size, f, WEB_FIELDS_MAX, &n);
	fuzz_note(rc == 0);
	if (rc && rc != ERR_USAGE)
		fuzz_fail("web_form_parse returned a code form.h does not promise");
	if (rc) {
		if (n)
			fuzz_fail("a refused form left fields");
		return 0;
	}
	if (n > WEB_FIELDS_MAX)
		fuzz_fail("more fields than the bound");
	buf_init(&b, 4 * WEB_FIELDS_MAX * (WEB_VALUE_MAX + 64));
	for (size_t i = 0; i < n; i++) {
		if (memchr(f[i].name, '\0', sizeof(f[i].name)) == NULL || strlen(f[i].value) > WEB_VALUE_MAX)
			fuzz_fail("a name or value past its bound");
		if (i)
			buf_put(&b, "&", 1);
		fuzz_form_enc(&b, f[i].name);
		buf_put(&b, "=", 1);
		fuzz_form_enc(&b, f[i].value);
	}
	if (b.err)
		fuzz_fail("the encoded form did not fit");
	if (web_form_parse((const char *)b.data, b.len, g, WEB_FIELDS_MAX, &m))
		fuzz_fail("the fields encoded again are refused");
	if (m != n)
		fuzz_fail("the fields encoded again parse to another number of fields");
	for (size_t i = 0; i < n; i++)
		if (strcmp(f[i].name, g[i].name) || strcmp(f[i].value, g[i].value))
			fuzz_fail("the fields encoded again parse to other fields");
	web_form_release(f, n);
	web_form_release(g, m);
	buf_release(&b);
	return 0;
}
