/* SPDX-License-Identifier: MIT */
/*
 * utf8.h - UTF-8 checks and terminal width, for untrusted text and for
 * aligning Chinese tables.
 */
#ifndef CUNLIAN_UTF8_H
#define CUNLIAN_UTF8_H

#include <stdbool.h>
#include <stddef.h>

/* Well-formed UTF-8 (no overlongs, no surrogates) without NUL bytes. */
bool utf8_valid(const char *s, size_t len);

/* Columns s takes on a terminal: 2 for East Asian wide characters (CJK,
 * fullwidth forms, Hangul), 1 for others. Invalid bytes count 1 each. */
size_t utf8_width(const char *s);

#endif
