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

/* staff.c: volunteers and station staff, behind a login (docs/web.md). */
int web_staff_home(struct web_req *r);
int web_staff_login(struct web_req *r);
int web_staff_logout(struct web_req *r);
int web_staff_me(struct web_req *r);
int web_staff_order(struct web_req *r);
int web_staff_dispatch(struct web_req *r);
int web_staff_accept(struct web_req *r);
int web_staff_done(struct web_req *r);
int web_staff_rate(struct web_req *r);
int web_staff_volunteers(struct web_req *r);
int web_staff_volunteer_add(struct web_req *r);
int web_staff_volunteer_find(struct web_req *r);
int web_staff_volunteer(struct web_req *r);
int web_staff_redeem(struct web_req *r);
/* hub.c: the county dashboard and its CSV, behind a hub admin's login. */
int web_hub(struct web_req *r);
int web_hub_csv(struct web_req *r);
/* kiosk.c: the residents' pages, no login. GET /kiosk the ordering page,
 * POST /kiosk places the order; GET /kiosk/qr its QR code (SVG); GET
 * /kiosk/poster the A4 poster; GET /o/ID?k=K an order's progress and
 * POST /o/ID its rating (K: web_order_key). */
int web_kiosk(struct web_req *r);
int web_kiosk_post(struct web_req *r);
int web_kiosk_qr(struct web_req *r);
int web_kiosk_poster(struct web_req *r);
int web_order_page(struct web_req *r);
int web_order_rate_post(struct web_req *r);
/* activity.c: activities with check-in (issue 17): the staff's list and
 * buttons behind an admin's login; the phone's check-in page /a/ID?k=K. */
int web_activities(struct web_req *r);
int web_activity(struct web_req *r);
int web_activity_checkin(struct web_req *r);
int web_activity_checkout(struct web_req *r);
int web_activity_close(struct web_req *r);
int web_activity_qr(struct web_req *r);
int web_activity_phone(struct web_req *r);
int web_activity_phone_post(struct web_req *r);

/* wish.c: micro-wishes (微心愿), the staff's page and the residents' wall. */
int web_wishes(struct web_req *r);
int web_wish_add(struct web_req *r);
int web_wish_claim(struct web_req *r);
int web_wish_release(struct web_req *r);
int web_wish_done(struct web_req *r);
int web_kiosk_wishes(struct web_req *r);
/* hub_lists.c: the hub's read-only lists (issue 17), a hub admin's:
 * GET /hub/wishes?state=&station=&page=, GET /hub/activities?page=. */
int web_hub_wishes(struct web_req *r);
int web_hub_activities(struct web_req *r);
/* staff.c: a staff page's start (title, the links on top, who is in). */
struct app_account;
void web_staff_begin(struct web_req *r, const struct app_account *acct, const char *title);

#endif
