// SPDX-License-Identifier: MIT
/*
 * idnum.c - resident ID numbers: the ISO 7064 MOD 11-2 check character
 * and the parse that normalises a typed number (idnum.h).
 *
 * MOD 11-2: the digit at position i (1-based, of 17) has the weight
 * 2^(18 - i) mod 11; the check value is (12 - sum mod 11) mod 11, written
 * as a digit, or X for 10. So one wrong digit, or two neighbours
 * swapped, always changes the check character.
 */
#include "base/idnum.h"

#include <stdbool.h>
#include <string.h>

static const unsigned char idnum_weight[IDNUM_LEN - 1] = { 7, 9, 10, 5, 8, 4, 2, 1, 6,
							   3, 7, 9, 10, 5, 8, 4, 2 };

char idnum_check_char(const char *digits)
{
	unsigned sum = 0;
	for (size_t i = 0; i < IDNUM_LEN - 1; i++)
		sum += (unsigned)(digits[i] - '0') * idnum_weight[i];
	unsigned v = (12 - sum % 11) % 11;
	return v == 10 ? 'X' : (char)('0' + v);
}

enum idnum_problem idnum_parse(const char *s, size_t len, char out[IDNUM_LEN + 1], size_t *where)
{
	size_t n = 0, bad = 0;
	enum idnum_problem p = IDNUM_OK;

	memset(out, 0, IDNUM_LEN + 1);
	for (size_t i = 0; i < len && s[i]; i++) {
		char c = s[i];
		if (c == ' ')
			continue;
		if (n < IDNUM_LEN) {
			bool last = n == IDNUM_LEN - 1;
			if (last && c == 'x')
				c = 'X';
			if (!bad && !(c >= '0' && c <= '9') && !(last && c == 'X'))
				bad = n + 1;
			out[n] = c;
		}
		n++;
	}
	if (n != IDNUM_LEN)
		p = IDNUM_LENGTH;
	else if (bad)
		p = IDNUM_CHAR;
	else if (idnum_check_char(out) != out[IDNUM_LEN - 1])
		p = IDNUM_CHECK;
	if (where)
		*where = p == IDNUM_LENGTH ? n : p == IDNUM_CHAR ? bad : p == IDNUM_CHECK ? IDNUM_LEN : 0;
	if (p != IDNUM_OK) {
		/* volatile stores: the wipe of a number that failed must stay */
		volatile char *v = out;
		for (size_t i = 0; i < IDNUM_LEN + 1; i++)
			v[i] = 0;
	}
	return p;
}
