/* SPDX-License-Identifier: MIT */
/*
 * form.h - decoding application/x-www-form-urlencoded (form.c), bounded.
 */
#ifndef CUNLIAN_WEB_FORM_H
#define CUNLIAN_WEB_FORM_H

#include <stddef.h>

#include "web/web_internal.h"

/* Decode body[0..len) into at most max fields: 0, or ERR_USAGE for a
 * form past the bounds or badly encoded (then *n is 0), -ENOMEM. Values
 * are mem_alloc'd: web_form_release() them. */
int web_form_parse(const char *body, size_t len, struct web_field *f, size_t max, size_t *n);
void web_form_release(struct web_field *f, size_t n);

#endif
