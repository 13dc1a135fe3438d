/* SPDX-License-Identifier: MIT */
/*
 * web_internal.h - what the files of web/ share: one request and its
 * response, the page table, HTML output, sessions and tokens.
 *
 * A request. server.c reads the method, the path, the query and (for a
 * POST of application/x-www-form-urlencoded) the form into struct
 * web_req, every part bounded (WEB_BODY_MAX, WEB_FIELDS_MAX,
 * WEB_VALUE_MAX); anything past a bound is refused with 413 or 400 before
 * a page runs. A page writes its HTML into r->out (a buf with the ceiling
 * WEB_PAGE_MAX) through the escaping helpers of html.c, sets r->status
 * (200 unless told) and returns 0; a negative return becomes a 500 page.
 *
 * Safety. Every response carries a Content-Security-Policy that loads
 * nothing from outside the board and runs no inline script, X-Frame-
 * Options DENY and no-store caching for personal pages. Every text a page
 * shows goes through web_esc(). Every form carries a CSRF token
 * (web_csrf_field) that web_csrf_ok() checks before a POST writes.
 *
 * Threads. All of it runs on the server's one thread: nothing here is
 * shared with another thread.
 */
#ifndef CUNLIAN_WEB_INTERNAL_H
#define CUNLIAN_WEB_INTERNAL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "base/buf.h"
#include "app/app.h"
#include "web/web.h"

#define WEB_BODY_MAX (16 * 1024)  /* a form's bytes */
#define WEB_PAGE_MAX (512 * 1024) /* a rendered page */
#define WEB_FIELDS_MAX 32         /* fields of a query or a form */
#define WEB_VALUE_MAX 2000        /* bytes of one decoded value */
#define WEB_CONNS_MAX 64          /* connections at once */
#define WEB_TIMEOUT_S 15          /* an idle connection is closed */
#define WEB_TOKEN_LEN 32          /* bytes of a session or CSRF secret */

struct web_field {
	char name[64];
	char *value; /* decoded, NUL-terminated; owned by the request */
};

struct web_req {
	struct web *w;
	const char *method; /* "GET", "POST" */
	const char *path;   /* without the query */
	struct web_field q[WEB_FIELDS_MAX]; /* the query */
	size_t nq;
	struct web_field f[WEB_FIELDS_MAX]; /* the form (POST) */
	size_t nf;
	char client[64];    /* the peer's address, for limits */
	char cookie[80];    /* the session cookie as sent, "" none */
	char host[128];     /* the Host header when it is a plain host[:port], else "" */
	/* the response */
	unsigned status;
	const char *type;   /* Content-Type; text/html by default */
	struct buf out;
	char location[256]; /* a redirect (status 303) */
	char set_cookie[200];
	bool cache;         /* may be cached (the stylesheet); else no-store */
	char disposition[128]; /* Content-Disposition (a download), "" none */
};

/* A page: method and path (a trailing '*' matches any rest). */
struct web_page {
	const char *method;
	const char *path;
	int (*fn)(struct web_req *r);
};
extern const struct web_page web_pages[];
extern const size_t web_npages;

/* A login session (staff.c): the cookie's secret, whose account, until
 * when. The account itself is read again on every request
 * (app_account_get), so a PIN removed or a role changed counts at once. */
#define WEB_SESSIONS_MAX 256
#define WEB_SESSION_MS ((uint64_t)12 * 3600 * 1000)
struct web_session {
	char token[2 * WEB_TOKEN_LEN + 1]; /* hex; "" free */
	char phone[64];
	uint64_t expires;                  /* wall ms */
};

/* The server (server.c). */
struct web_limit;
struct web {
	struct MHD_Daemon *d;
	struct app app;       /* its own open node, used on the server's thread */
	uint64_t wall_ms, mono_ms; /* the wall clock at start, and the monotonic then */
	unsigned port;
	uint8_t secret[WEB_TOKEN_LEN]; /* web.key: CSRF tokens, order links */
	struct web_session sessions[WEB_SESSIONS_MAX]; /* staff.c; wiped at stop */
	char listen[64];      /* the address it was started on */
	/* the residents' pages (kiosk.c, limit.c) */
	char wifi_ssid[33], wifi_password[64];
	struct web_limit *limit; /* orders per client (limit.c) */
};

/* The query or form value of name, NULL when absent. */
const char *web_q(const struct web_req *r, const char *name);
const char *web_f(const struct web_req *r, const char *name);
/* The wall clock now (ms). */
uint64_t web_now_ms(const struct web *w);
/* Refresh the app for this request: now_ms, the clock check again. */
void web_app_now(struct web_req *r);

/* ---- the residents' pages (kiosk.c, limit.c, qr.c) ---------------------- */

#define WEB_LIMIT_N 5               /* orders per client address ... */
#define WEB_LIMIT_WINDOW_MS 600000  /* ... in 10 minutes */
#define WEB_LIMIT_CLIENTS 256       /* client addresses remembered */
#define WEB_ORDER_KEY_LEN 16        /* base32 characters of an order link's k */

/* May client place an order now (fewer than WEB_LIMIT_N in the last
 * window)? web_limit_note() counts one placed. */
struct web_limit *web_limit_new(void);
void web_limit_free(struct web_limit *l);
bool web_limit_ok(struct web_limit *l, const char *client, uint64_t now_ms);
void web_limit_note(struct web_limit *l, const char *client, uint64_t now_ms);
/* The secret of an order's link: keyed BLAKE2b of the id under web.key,
 * 10 bytes in base32 (out: WEB_ORDER_KEY_LEN + 1). */
void web_order_key(const struct web *w, const char *id, char *out);
/* A QR code of text as SVG markup (an <svg> element) appended to b; 0, or
 * ERR_TOOBIG when text does not fit a QR code, -ENOMEM. */
int web_qr_svg(struct buf *b, const char *text);
/* The stylesheet of the residents' pages, appended to app.css. */
extern const char web_kiosk_css[];

/* ---- HTML (html.c) ------------------------------------------------------ */

/* Text with & < > " ' escaped, control characters dropped. */
void web_esc(struct buf *b, const char *s);
/* Raw markup (a literal of ours). */
void web_raw(struct buf *b, const char *s);
/* Markup with numbers: fmt's %s arguments must be escaped already. */
void web_rawf(struct buf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* The page's head (title escaped), the station's name on top; and its end. */
void web_begin(struct web_req *r, const char *title);
void web_end(struct web_req *r);
/* A page that says why app/ refused (app->fail, in Chinese) with status. */
int web_refused(struct web_req *r, unsigned status, int rc);
/* A page with one message (escaped) and status. */
int web_message(struct web_req *r, unsigned status, const char *title, const char *text);
/* The HTTP status for a code: 400 usage, 403 rule/unauth, 404 not found,
 * 409 conflict, 503 busy, 500 otherwise. */
unsigned web_status(int rc);
/* The stylesheet (GET /static/app.css). */
int web_css(struct web_req *r);

/* ---- tokens (server.c) -------------------------------------------------- */

/* A hidden input with this form's CSRF token; web_csrf_ok() checks it
 * (bound to the session cookie when there is one, else to the client's
 * address and the hour). */
void web_csrf_field(struct web_req *r);
bool web_csrf_ok(const struct web_req *r);

/* ---- sessions (staff.c) ------------------------------------------------ */

struct app_account;
/* The account of the request's session cookie: true with *acct, false
 * (acct zeroed) when there is no live session or its account is gone. */
bool web_session_get(struct web_req *r, struct app_account *acct);
/* A page that asks to log in (the login form), status 200. */
int web_login_page(struct web_req *r, unsigned status, const char *msg);

#endif
