// SPDX-License-Identifier: MIT
/*
 * form.c - application/x-www-form-urlencoded, decoded with bounds: at most
 * max fields, names of at most 63 bytes, values of at most WEB_VALUE_MAX
 * bytes after decoding, every %XX two hex digits, '+' a space, no NUL.
 * Anything else refuses the whole form (ERR_USAGE), so a page never sees
 * half of what was sent. tests/fuzz/fuzz_form.c runs it.
 */
#include <errno.h>
#include <string.h>

#include "base/err.h"
#include "base/mem.h"
#include "web/form.h"

static int form_hex(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/* Decode p[0..len) into out (cap bytes with the NUL); ERR_USAGE. */
static int form_decode(const char *p, size_t len, char *out, size_t cap)
{
	size_t n = 0;
	for (size_t i = 0; i < len; i++) {
		int c = (unsigned char)p[i];
		if (c == '+') {
			c = ' ';
		} else if (c == '%') {
			int hi, lo;
			if (i + 2 >= len || (hi = form_hex(p[i + 1])) < 0 || (lo = form_hex(p[i + 2])) < 0)
				return ERR_USAGE; /* a % without two hex digits after it */
			c = hi << 4 | lo;
			i += 2;
		}
		if (c == 0 || n + 1 >= cap)
			return ERR_USAGE;
		out[n++] = (char)c;
	}
	out[n] = '\0';
	return 0;
}

void web_form_release(struct web_field *f, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		mem_free(f[i].value);
		f[i].value = NULL;
	}
}

int web_form_parse(const char *body, size_t len, struct web_field *f, size_t max, size_t *n)
{
	size_t at = 0;
	int rc = 0;
	*n = 0;
	while (at < len) {
		const char *p = body + at;
		const char *amp = memchr(p, '&', len - at);
		size_t plen = amp ? (size_t)(amp - p) : len - at;
		at += plen + (amp ? 1 : 0);
		if (plen == 0)
			continue;
		const char *eq = memchr(p, '=', plen);
		size_t nlen = eq ? (size_t)(eq - p) : plen;
		size_t vlen = eq ? plen - nlen - 1 : 0;
		if (*n == max) {
			rc = ERR_USAGE;
			break;
		}
		struct web_field *x = &f[*n];
		if (!(x->value = mem_alloc(WEB_VALUE_MAX + 1))) {
			rc = -ENOMEM;
			break;
		}
		(*n)++;
		if ((rc = form_decode(p, nlen, x->name, sizeof(x->name))) ||
		    (rc = form_decode(eq ? eq + 1 : p + plen, vlen, x->value, WEB_VALUE_MAX + 1)))
			break;
	}
	if (rc) {
		web_form_release(f, *n);
		*n = 0;
	}
	return rc;
}
