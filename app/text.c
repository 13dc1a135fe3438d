// SPDX-License-Identifier: MIT
/*
 * text.c - checks on what people type, and how values are written for
 * people: phone numbers (masked in lists), ids, numbers, times.
 */
#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "base/err.h"
#include "base/utf8.h"
#include "app/app.h"

/* Characters that show as nothing: a text made only of them says nothing
 * (a name of " " or "　"). UTF-8 bytes of each. */
static size_t app_blank_len(const char *s)
{
	static const char *const blanks[] = {
		" ", "\xc2\xa0", "\xe3\x80\x80", /* space, U+00A0, U+3000 */
		"\xe2\x80\x80", "\xe2\x80\x81", "\xe2\x80\x82", "\xe2\x80\x83", /* U+2000.. */
		"\xe2\x80\x84", "\xe2\x80\x85", "\xe2\x80\x86", "\xe2\x80\x87",
		"\xe2\x80\x88", "\xe2\x80\x89", "\xe2\x80\x8a", "\xe2\x80\x8b", /* ..U+200B */
		"\xe2\x80\xaf", "\xe2\x81\x9f", "\xef\xbb\xbf", /* U+202F, U+205F, U+FEFF */
	};
	for (size_t i = 0; i < sizeof(blanks) / sizeof(blanks[0]); i++) {
		size_t k = strlen(blanks[i]);
		if (strncmp(s, blanks[i], k) == 0)
			return k;
	}
	return 0;
}

bool app_text_blank(const char *s)
{
	size_t k;
	if (!s)
		return true;
	while (*s && (k = app_blank_len(s)) > 0)
		s += k;
	return *s == '\0';
}

bool app_text_ok(const char *s, size_t max)
{
	size_t n = s ? strlen(s) : 0;
	if (n == 0 || n > max || !utf8_valid(s, n) || app_text_blank(s))
		return false;
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];
		/* C0, DEL, and C1 (U+0080..U+009F: C2 80..C2 9F, NEL among them) */
		if (c < 0x20 || c == 0x7f || (c == 0xc2 && (unsigned char)s[i + 1] < 0xa0))
			return false;
	}
	return true;
}

void app_phone_norm(const char *in, char *out, size_t n)
{
	size_t k = 0;
	for (; *in && k + 1 < n; in++)
		if (*in != ' ' && *in != '-')
			out[k++] = *in;
	if (n)
		out[k] = '\0';
}

/* 5..20 digits after dropping spaces and dashes, an optional leading +. */
bool app_phone_ok(const char *s)
{
	char p[64];
	size_t n, i = 0;
	if (!s || strlen(s) >= sizeof(p))
		return false;
	app_phone_norm(s, p, sizeof(p));
	n = strlen(p);
	if (p[0] == '+')
		i = 1;
	if (n - i < 5 || n - i > 20)
		return false;
	for (; i < n; i++)
		if (!isdigit((unsigned char)p[i]))
			return false;
	return true;
}

void app_phone_mask(const char *in, char *out, size_t n)
{
	size_t len = strlen(in);
	if (len < 8) {
		snprintf(out, n, "%s", len ? "****" : "");
		return;
	}
	snprintf(out, n, "%.3s****%s", in, in + len - 4);
}

bool app_id_ok(const char *s)
{
	size_t n = s ? strlen(s) : 0;
	if (n == 0 || n > CRDT_SCOPE_MAX)
		return false;
	for (size_t i = 0; i < n; i++)
		if (!isalnum((unsigned char)s[i]) && s[i] != '-' && s[i] != '_')
			return false;
	return true;
}

/* A number as people type it, in plain ASCII in out (cap n): full-width
 * digits, '．' and '－' (a Chinese keyboard's) become 0-9, '.' and '-'.
 * Then only decimal: an optional sign, digits, and for a real one point
 * (no hex, exponent, inf/nan, blanks). False when it is not one. */
static bool app_number_norm(const char *s, bool real, char *out, size_t n)
{
	size_t k = 0, digits = 0, points = 0;
	if (!s)
		return false;
	for (const unsigned char *p = (const unsigned char *)s; *p; k++) {
		char c = (char)*p;
		/* U+FF0D..U+FF19 are EF BC 8D..99 in UTF-8 */
		if (p[0] == 0xef && p[1] == 0xbc && p[2] >= 0x8d && p[2] <= 0x99 && p[2] != 0x8f) {
			c = p[2] == 0x8d ? '-' : p[2] == 0x8e ? '.' : (char)('0' + p[2] - 0x90);
			p += 3;
		} else {
			p++;
		}
		if (k + 1 >= n)
			return false;
		if (c >= '0' && c <= '9')
			digits++;
		else if (c == '.' && real && !points)
			points++;
		else if (!((c == '-' || c == '+') && k == 0))
			return false;
		out[k] = c;
	}
	out[k] = '\0';
	return digits > 0;
}

void app_date_norm(const char *s, char *out, size_t n)
{
	size_t k = 0;
	if (!n)
		return;
	out[0] = '\0';
	if (!s)
		return;
	for (const unsigned char *p = (const unsigned char *)s; *p; k++) {
		char c = (char)*p;
		/* U+FF10..U+FF19 (0-9), U+FF0D (-), U+FF1A (:) are EF BC 90..9A,
		 * 8D; U+3000 (the ideographic space) is E3 80 80 */
		if (p[0] == 0xef && p[1] == 0xbc && ((p[2] >= 0x90 && p[2] <= 0x9a) || p[2] == 0x8d)) {
			c = p[2] == 0x8d ? '-' : p[2] == 0x9a ? ':' : (char)('0' + p[2] - 0x90);
			p += 3;
		} else if (p[0] == 0xe3 && p[1] == 0x80 && p[2] == 0x80) {
			c = ' ';
			p += 3;
		} else {
			p++;
		}
		if (k + 1 >= n) {
			out[0] = '\0';
			return;
		}
		out[k] = c;
	}
	out[k] = '\0';
}

int app_parse_int(const char *s, int64_t lo, int64_t hi, int64_t *out)
{
	char t[64], *end;
	if (!app_number_norm(s, false, t, sizeof(t)))
		return ERR_USAGE;
	errno = 0;
	long long v = strtoll(t, &end, 10);
	if (errno || *end || v < lo || v > hi)
		return ERR_USAGE;
	*out = v;
	return 0;
}

int app_parse_real(const char *s, double lo, double hi, double *out)
{
	char t[64], *end;
	if (!app_number_norm(s, true, t, sizeof(t)))
		return ERR_USAGE;
	errno = 0;
	double v = strtod(t, &end);
	if (errno || *end || !isfinite(v) || v < lo || v > hi)
		return ERR_USAGE;
	*out = v;
	return 0;
}

void app_time_fmt(uint64_t ms, char *out, size_t n)
{
	time_t t = (time_t)(ms / 1000);
	struct tm tm;
	if (!localtime_r(&t, &tm) || !strftime(out, n, "%Y-%m-%d %H:%M", &tm))
		snprintf(out, n, "-");
}

void app_hex(const uint8_t *p, size_t n, char *out)
{
	static const char digits[] = "0123456789abcdef";
	for (size_t i = 0; i < n; i++) {
		out[2 * i] = digits[p[i] >> 4];
		out[2 * i + 1] = digits[p[i] & 15];
	}
	out[2 * n] = '\0';
}

void app_real_fmt(double v, char *out, size_t n)
{
	snprintf(out, n, "%.2f", v);
	/* drop trailing zeros: "2.50" -> "2.5", "2.00" -> "2" */
	char *dot = strchr(out, '.');
	if (dot) {
		char *e = out + strlen(out) - 1;
		while (e > dot && *e == '0')
			*e-- = '\0';
		if (e == dot)
			*e = '\0';
	}
}

int app_hex_parse(const char *s, uint8_t *out, size_t n)
{
	if (strlen(s) < 2 * n)
		return ERR_CORRUPT;
	for (size_t i = 0; i < n; i++) {
		unsigned b;
		if (sscanf(s + 2 * i, "%2x", &b) != 1)
			return ERR_CORRUPT;
		out[i] = (uint8_t)b;
	}
	return 0;
}
