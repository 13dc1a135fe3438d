/* SPDX-License-Identifier: MIT */
/*
 * pages.h - the handlers of the page table (pages.c). Each returns 0 with
 * the page in r->out, or a negative code (app->fail says why).
 */
#ifndef CUNLIAN_WEB_PAGES_H
#define CUNLIAN_WEB_PAGES_H

#include "web/web_internal.h"

/* display.c: GET /display, the big screen: totals, no personal data. */
int web_display(struct web_req *r);

#endif
