// SPDX-License-Identifier: MIT
/*
 * pages.c - the table of pages (web_internal.h): method, path, handler.
 * Each page lives in the file of its people: display.c (the big screen),
 * kiosk.c (residents), staff.c (volunteers and station staff), hub.c
 * (the county dashboard).
 */
#include <stddef.h>

#include "web/pages.h"
#include "web/web_internal.h"

const struct web_page web_pages[] = {
	{ "GET", "/static/app.css", web_css },
	{ "GET", "/display", web_display },
	/* kiosk.c: the residents' pages, no login */
	{ "GET", "/kiosk", web_kiosk },
	{ "POST", "/kiosk", web_kiosk_post },
	{ "GET", "/kiosk/qr", web_kiosk_qr },
	{ "GET", "/kiosk/poster", web_kiosk_poster },
	{ "GET", "/o/*", web_order_page },
	{ "POST", "/o/*", web_order_rate_post },
};
const size_t web_npages = sizeof(web_pages) / sizeof(web_pages[0]);
