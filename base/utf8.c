// SPDX-License-Identifier: MIT
/* utf8.c - strict UTF-8 validation and East Asian display width. */
#include "base/utf8.h"

#include <stdint.h>
#include <string.h>

/* Decode one code point at s[0..len); returns its length, or 0 if invalid. */
static size_t utf8_decode(const unsigned char *s, size_t len, uint32_t *cp)
{
	if (s[0] < 0x80) {
		*cp = s[0];
		return 1;
	}
	size_t n;
	uint32_t min;
	if ((s[0] & 0xe0) == 0xc0)
		n = 2, min = 0x80, *cp = s[0] & 0x1f;
	else if ((s[0] & 0xf0) == 0xe0)
		n = 3, min = 0x800, *cp = s[0] & 0x0f;
	else if ((s[0] & 0xf8) == 0xf0)
		n = 4, min = 0x10000, *cp = s[0] & 0x07;
	else
		return 0;
	if (n > len)
		return 0;
	for (size_t i = 1; i < n; i++) {
		if ((s[i] & 0xc0) != 0x80)
			return 0;
		*cp = *cp << 6 | (s[i] & 0x3f);
	}
	if (*cp < min || *cp > 0x10ffff || (*cp >= 0xd800 && *cp <= 0xdfff))
		return 0;
	return n;
}

bool utf8_valid(const char *s, size_t len)
{
	const unsigned char *p = (const unsigned char *)s;
	while (len) {
		if (p[0] - 1u < 0x7f) { /* ASCII other than NUL: most pks and numbers */
			p++, len--;
			continue;
		}
		uint32_t cp;
		size_t n = utf8_decode(p, len, &cp);
		if (n == 0 || cp == 0)
			return false;
		p += n, len -= n;
	}
	return true;
}

static bool utf8_wide(uint32_t cp)
{
	return (cp >= 0x1100 && cp <= 0x115f) || (cp >= 0x2e80 && cp <= 0xa4cf && cp != 0x303f) ||
	       (cp >= 0xac00 && cp <= 0xd7a3) || (cp >= 0xf900 && cp <= 0xfaff) ||
	       (cp >= 0xfe30 && cp <= 0xfe4f) || (cp >= 0xff00 && cp <= 0xff60) ||
	       (cp >= 0xffe0 && cp <= 0xffe6) || (cp >= 0x1f300 && cp <= 0x1f64f) ||
	       (cp >= 0x20000 && cp <= 0x3fffd);
}

size_t utf8_width(const char *s)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t len = strlen(s), w = 0;
	while (len) {
		uint32_t cp;
		size_t n = utf8_decode(p, len, &cp);
		if (n == 0)
			n = 1, cp = '?';
		w += utf8_wide(cp) ? 2 : 1;
		p += n, len -= n;
	}
	return w;
}
