/* SPDX-License-Identifier: MIT */
/*
 * idnum.h - checks on a mainland China resident ID number (居民身份证号码,
 * GB 11643): 17 digits, then a check character computed with ISO 7064
 * MOD 11-2 over them (a digit, or X for the value 10).
 *
 * The number is personal data: callers keep it in memory they wipe, and
 * store only a keyed hash and the last four characters (docs/security.md,
 * "ID numbers"). Nothing here allocates, prints or keeps a copy.
 */
#ifndef CUNLIAN_IDNUM_H
#define CUNLIAN_IDNUM_H

#include <stddef.h>

#define IDNUM_LEN 18

/* What is wrong with a typed number; IDNUM_OK when nothing is. */
enum idnum_problem {
	IDNUM_OK = 0,
	IDNUM_LENGTH, /* not 18 characters (after dropping spaces) */
	IDNUM_CHAR,   /* a character that is not a digit (X/x only last) */
	IDNUM_CHECK,  /* the check character does not match the 17 digits */
};

/* The check character ('0'..'9' or 'X') of the first 17 characters of
 * digits, which must all be '0'..'9'. */
char idnum_check_char(const char *digits);

/*
 * Check the len bytes at s (spaces are dropped; lower-case x becomes X)
 * and, when they are a valid number, write it to out (IDNUM_LEN
 * characters and a NUL). On a problem out is zeroed and *where (may be
 * NULL) says where: the number of characters seen for IDNUM_LENGTH
 * (spaces not counted, bytes for anything not ASCII), the position of
 * the first bad character (from 1) for IDNUM_CHAR, 18 for IDNUM_CHECK,
 * 0 for IDNUM_OK. Reads at
 * most len bytes of s; s need not be NUL-terminated.
 */
enum idnum_problem idnum_parse(const char *s, size_t len, char out[IDNUM_LEN + 1], size_t *where);

#endif
