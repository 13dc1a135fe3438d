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
	/* volunteers and station staff (staff.c), the county dashboard (hub.c) */
	{ "GET", "/", web_staff_home },
	{ "POST", "/login", web_staff_login },
	{ "POST", "/logout", web_staff_logout },
	{ "GET", "/me", web_staff_me },
	{ "GET", "/order", web_staff_order },
	{ "POST", "/order/dispatch", web_staff_dispatch },
	{ "POST", "/order/accept", web_staff_accept },
	{ "POST", "/order/done", web_staff_done },
	{ "POST", "/order/rate", web_staff_rate },
	{ "GET", "/volunteers", web_staff_volunteers },
	{ "POST", "/volunteers/add", web_staff_volunteer_add },
	{ "POST", "/volunteers/find", web_staff_volunteer_find },
	{ "GET", "/volunteer", web_staff_volunteer },
	{ "POST", "/volunteer/redeem", web_staff_redeem },
	{ "GET", "/hub", web_hub },
	{ "GET", "/hub/report.csv", web_hub_csv },
	/* kiosk.c: the residents' pages, no login */
	{ "GET", "/kiosk", web_kiosk },
	{ "POST", "/kiosk", web_kiosk_post },
	{ "GET", "/kiosk/qr", web_kiosk_qr },
	{ "GET", "/kiosk/poster", web_kiosk_poster },
	{ "GET", "/o/*", web_order_page },
	{ "POST", "/o/*", web_order_rate_post },
	/* wish.c: micro-wishes (微心愿, issue 17) */
	{ "GET", "/wishes", web_wishes },
	{ "POST", "/wishes/add", web_wish_add },
	{ "POST", "/wishes/claim", web_wish_claim },
	{ "POST", "/wishes/release", web_wish_release },
	{ "POST", "/wishes/done", web_wish_done },
	{ "GET", "/kiosk/wishes", web_kiosk_wishes },
	/* activity.c: activities with check-in (issue 17) */
	{ "GET", "/activities", web_activities },
	{ "GET", "/activity", web_activity },
	{ "POST", "/activity/checkin", web_activity_checkin },
	{ "POST", "/activity/checkout", web_activity_checkout },
	{ "POST", "/activity/close", web_activity_close },
	{ "GET", "/activity/qr", web_activity_qr },
	{ "GET", "/a/*", web_activity_phone },
	{ "POST", "/a/*", web_activity_phone_post },
	/* hub_lists.c: the hub's read-only lists of wishes and activities (issue 17) */
	{ "GET", "/hub/wishes", web_hub_wishes },
	{ "GET", "/hub/activities", web_hub_activities },
};
const size_t web_npages = sizeof(web_pages) / sizeof(web_pages[0]);
