// SPDX-License-Identifier: MIT
/*
 * staff.c - the pages of volunteers and station staff (docs/web.md),
 * behind a login by phone number and PIN (app/account.c):
 *
 *   GET  /                 today's orders (admin), or my page (volunteer);
 *                          the login form without a session
 *   POST /login, /logout   a session: 32 random bytes, hex, in the cookie
 *                          "cunlian" (HttpOnly, SameSite=Strict, Path=/),
 *                          kept here (struct web) for WEB_SESSION_MS
 *   GET  /order?id=        one order, its history, the moves allowed now
 *   POST /order/dispatch, /order/accept, /order/done, /order/rate
 *   GET  /volunteers       the station's volunteers, register, find
 *   POST /volunteers/add, /volunteers/find
 *   GET  /volunteer?id=    a volunteer's card, points history, orders
 *   POST /volunteer/redeem
 *   GET  /me               my orders, hours, points and stars
 *
 * Roles. An admin does everything at its station. A volunteer sees their
 * own page and may accept and finish the orders dispatched to them: every
 * other page or write answers 403. Every POST checks the CSRF token
 * before anything else, and every write is one app/ operation (one
 * transaction); a refusal is web_refused() with app/'s reason.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <sodium.h>

#include "base/err.h"
#include "base/mem.h"
#include "app/account.h"
#include "app/find.h"
#include "app/order.h"
#include "app/points.h"
#include "app/send.h"
#include "app/volunteer.h"
#include "node/i18n.h"
#include "web/pages.h"
#include "web/web_internal.h"

#define STAFF_LIST_MAX 300 /* volunteers listed, and offered while typing a name */

/* ---- sessions ------------------------------------------------------------ */

static struct web_session *staff_session_find(struct web_req *r)
{
	uint64_t now = web_now_ms(r->w);
	if (strlen(r->cookie) != 2 * WEB_TOKEN_LEN)
		return NULL;
	for (size_t i = 0; i < WEB_SESSIONS_MAX; i++) {
		struct web_session *s = &r->w->sessions[i];
		if (s->token[0] && sodium_memcmp(s->token, r->cookie, 2 * WEB_TOKEN_LEN) == 0) {
			if (s->expires > now)
				return s;
			sodium_memzero(s, sizeof(*s));
			return NULL;
		}
	}
	return NULL;
}

bool web_session_get(struct web_req *r, struct app_account *acct)
{
	struct web_session *s = staff_session_find(r);
	memset(acct, 0, sizeof(*acct));
	if (!s)
		return false;
	if (app_account_get(&r->w->app, s->phone, acct) || app_account_active(&r->w->app, acct)) {
		/* removed, or the volunteer left, since */
		app_fail_clear(&r->w->app);
		sodium_memzero(s, sizeof(*s));
		return false;
	}
	acct->hash[0] = '\0';
	return true;
}

/* A new session for phone: a free or expired slot, else the one that
 * ends first. The cookie goes into r->set_cookie. */
static void staff_session_new(struct web_req *r, const char *phone)
{
	uint64_t now = web_now_ms(r->w);
	struct web_session *pick = &r->w->sessions[0];
	uint8_t raw[WEB_TOKEN_LEN];
	for (size_t i = 0; i < WEB_SESSIONS_MAX; i++) {
		struct web_session *s = &r->w->sessions[i];
		if (!s->token[0] || s->expires <= now) {
			pick = s;
			break;
		}
		if (s->expires < pick->expires)
			pick = s;
	}
	memset(pick, 0, sizeof(*pick));
	randombytes_buf(raw, sizeof(raw));
	sodium_bin2hex(pick->token, sizeof(pick->token), raw, sizeof(raw));
	sodium_memzero(raw, sizeof(raw));
	snprintf(pick->phone, sizeof(pick->phone), "%s", phone);
	pick->expires = now + WEB_SESSION_MS;
	snprintf(r->set_cookie, sizeof(r->set_cookie),
		 "cunlian=%s; HttpOnly; SameSite=Strict; Path=/; Max-Age=%llu", pick->token,
		 (unsigned long long)(WEB_SESSION_MS / 1000));
}

static void staff_redirect(struct web_req *r, const char *to)
{
	r->status = 303;
	snprintf(r->location, sizeof(r->location), "%s", to);
	buf_reset(&r->out);
}

/* ---- small pieces ---------------------------------------------------------- */

static const char *staff_status_word(const char *s)
{
	static const struct {
		const char *s;
		enum node_msg_id m;
	} w[] = { { "open", M_ST_OPEN },   { "dispatched", M_ST_DISPATCHED }, { "accepted", M_ST_ACCEPTED },
		  { "done", M_ST_DONE },   { "rated", M_ST_RATED },	  { "cancelled", M_ST_CANCELLED } };
	for (size_t i = 0; i < sizeof(w) / sizeof(w[0]); i++)
		if (strcmp(s, w[i].s) == 0)
			return node_msg(NODE_LANG_ZH, w[i].m);
	return node_msg(NODE_LANG_ZH, M_ST_UNKNOWN);
}

/* The links on top of every staff page, and the logout button. */
static void staff_nav(struct web_req *r, const struct app_account *acct)
{
	web_raw(&r->out, "<nav class=\"nav\">");
	if (acct->role == APP_ROLE_ADMIN && r->w->app.hub)
		web_raw(&r->out, "<a href=\"/hub\">看板</a><a href=\"/activities\">活动</a>"
				 "<a href=\"/hub/wishes\">各站微心愿</a>");
	if (acct->role == APP_ROLE_ADMIN && !r->w->app.hub)
		web_raw(&r->out, "<a href=\"/\">今日订单</a><a href=\"/volunteers\">志愿者</a>"
				 "<a href=\"/activities\">活动</a>");
	if (acct->volunteer[0])
		web_raw(&r->out, "<a href=\"/me\">我的</a>");
	if (!r->w->app.hub)
		web_raw(&r->out, "<a href=\"/wishes\">微心愿</a>"); /* wish.c */
	web_raw(&r->out, "<form method=\"post\" action=\"/logout\" class=\"inline\">");
	web_csrf_field(r);
	web_raw(&r->out, "<button type=\"submit\" class=\"link\">退出登录</button></form></nav>"
			 "<p class=\"who\">");
	web_esc(&r->out, acct->name);
	web_raw(&r->out, acct->role == APP_ROLE_ADMIN ? "（管理员）" : "（志愿者）");
	web_raw(&r->out, "</p>");
}

static void staff_begin(struct web_req *r, const struct app_account *acct, const char *title)
{
	web_begin(r, title);
	staff_nav(r, acct);
}

int web_login_page(struct web_req *r, unsigned status, const char *msg)
{
	buf_reset(&r->out);
	r->status = status;
	web_begin(r, "登录");
	if (msg) {
		web_raw(&r->out, "<p class=\"msg error\" role=\"alert\">");
		web_esc(&r->out, msg);
		web_raw(&r->out, "</p>");
	}
	web_raw(&r->out, "<form method=\"post\" action=\"/login\">");
	web_csrf_field(r);
	web_raw(&r->out,
		"<label for=\"phone\">手机号</label>"
		"<input id=\"phone\" name=\"phone\" type=\"tel\" inputmode=\"numeric\" autocomplete=\"username\""
		" maxlength=\"20\" required>"
		"<label for=\"pin\">PIN（4–8 位数字）</label>"
		"<input id=\"pin\" name=\"pin\" type=\"password\" inputmode=\"numeric\" autocomplete=\"current-password\""
		" maxlength=\"8\" required>"
		"<button type=\"submit\">登录</button></form>"
		"<p class=\"hint\">志愿者和工作人员用手机号和站点管理员给的 PIN 登录。忘了 PIN 请找站点管理员。"
		"居民点单请去 <a href=\"/kiosk\">点单页</a>。</p>");
	web_end(r);
	return 0;
}

/* The account of the session, or the login page (false). */
static bool staff_auth(struct web_req *r, struct app_account *acct)
{
	if (web_session_get(r, acct))
		return true;
	web_login_page(r, 200, NULL);
	return false;
}

/* For a POST: a session and the form's token, else false with the page
 * (login, or 403 for a missing or stale token). */
static bool staff_post(struct web_req *r, struct app_account *acct)
{
	if (!web_csrf_ok(r)) {
		web_message(r, 403, "页面已过期", "表单已过期或来路不明：请回到上一页刷新后重新提交。");
		return false;
	}
	return staff_auth(r, acct);
}

static int staff_forbidden(struct web_req *r)
{
	buf_reset(&r->out);
	return web_message(r, 403, "没有权限", "这个操作只有站点管理员能做：请找管理员办理。");
}

/* ---- login and logout ---------------------------------------------------- */

int web_staff_login(struct web_req *r)
{
	struct app_account acct;
	char why[512];
	if (!web_csrf_ok(r))
		return web_login_page(r, 403, "页面已过期：请重新输入手机号和 PIN。");
	const char *phone = web_f(r, "phone"), *pin = web_f(r, "pin");
	int rc = app_account_login(&r->w->app, phone, pin, &acct);
	if (!rc)
		rc = app_account_active(&r->w->app, &acct);
	if (rc) {
		node_why_text(NODE_LANG_ZH, &r->w->app.fail, rc, why, sizeof(why));
		app_fail_clear(&r->w->app);
		return web_login_page(r, rc == ERR_UNAUTH ? 401 : web_status(rc), why);
	}
	staff_session_new(r, acct.phone);
	sodium_memzero(&acct, sizeof(acct));
	staff_redirect(r, r->w->app.hub ? "/hub" : "/");
	return 0;
}

int web_staff_logout(struct web_req *r)
{
	struct web_session *s = staff_session_find(r);
	if (!web_csrf_ok(r))
		return web_message(r, 403, "页面已过期", "请回到上一页刷新后再退出。");
	if (s)
		sodium_memzero(s, sizeof(*s));
	snprintf(r->set_cookie, sizeof(r->set_cookie),
		 "cunlian=; HttpOnly; SameSite=Strict; Path=/; Max-Age=0");
	staff_redirect(r, "/");
	return 0;
}

/* ---- lists of orders ----------------------------------------------------- */

/* The kinds of today's orders, as the list's filter names them. */
enum { STAFF_K_OPEN, STAFF_K_DISPATCHED, STAFF_K_ACCEPTED, STAFF_K_DONE, STAFF_K_N };
static const char *const staff_kinds[STAFF_K_N] = { "open", "dispatched", "accepted", "done" };
static const char *const staff_kind_words[STAFF_K_N] = { "待派单", "已派单", "已接单", "今日完成" };

struct staff_orders {
	struct web_req *r;
	const struct app_account *acct;
	int64_t since;  /* finished orders updated before this are not today's */
	size_t n;       /* rows matching (shown or not) */
	size_t skip, limit; /* the page: rows skip+1 .. skip+limit (limit 0: all) */
	int want;       /* one kind only (STAFF_K_*), or -1 */
	size_t count[STAFF_K_N];
	const struct staff_sent_set *sent; /* the hub's orders of the list, or NULL */
	bool hub_only;  /* only the orders the hub sent here (?hub=1) */
	size_t hub_count; /* today's orders the hub sent (whatever the filter) */
	bool actions;   /* accept / done buttons inline (my page) */
};

/* The orders of a list the hub sent to this station (县派, app/send.h),
 * read once with the list's own filter and from_hub (as `order list
 * --from-hub`), sorted for staff_sent(): one query, not one a row. */
struct staff_sent_set {
	char (*ids)[APP_ID_MAX + 1];
	size_t n, cap;
	int err;
};

static int staff_sent_add(void *arg, const struct app_order *o)
{
	struct staff_sent_set *s = arg;
	int rc = MEM_GROW(s->ids, s->cap, s->n + 1);
	if (rc) {
		s->err = rc;
		return 1;
	}
	snprintf(s->ids[s->n++], APP_ID_MAX + 1, "%s", o->id);
	return 0;
}

static int staff_id_cmp(const void *x, const void *y)
{
	return strcmp((const char *)x, (const char *)y);
}

static int staff_sent_load(struct web_req *r, const struct app_order_filter *f, struct staff_sent_set *s)
{
	struct app_order_filter hf = *f;
	hf.from_hub = true;
	memset(s, 0, sizeof(*s));
	int rc = app_order_list(&r->w->app, &hf, staff_sent_add, s);
	if (s->err || rc) {
		int err = s->err ? app_fail_store(&r->w->app, s->err) : rc;
		mem_free(s->ids);
		memset(s, 0, sizeof(*s));
		return err;
	}
	if (s->n > 1)
		qsort(s->ids, s->n, sizeof(s->ids[0]), staff_id_cmp);
	return 0;
}

static bool staff_sent(const struct staff_sent_set *s, const char *id)
{
	return s && s->n && bsearch(id, s->ids, s->n, sizeof(s->ids[0]), staff_id_cmp);
}

static void staff_order_actions(struct web_req *r, const struct app_order *o)
{
	if (strcmp(o->status, "dispatched") == 0) {
		web_raw(&r->out, "<form method=\"post\" action=\"/order/accept\">");
		web_csrf_field(r);
		web_raw(&r->out, "<input type=\"hidden\" name=\"back\" value=\"me\"><input type=\"hidden\" name=\"id\" value=\"");
		web_esc(&r->out, o->id);
		web_raw(&r->out, "\"><button type=\"submit\">接单</button></form>");
	} else if (strcmp(o->status, "accepted") == 0) {
		web_raw(&r->out, "<form method=\"post\" action=\"/order/done\" class=\"row\">");
		web_csrf_field(r);
		web_raw(&r->out, "<input type=\"hidden\" name=\"back\" value=\"me\"><input type=\"hidden\" name=\"id\" value=\"");
		web_esc(&r->out, o->id);
		web_raw(&r->out, "\"><label>服务时长（小时）<input name=\"hours\" inputmode=\"decimal\" required"
				 " placeholder=\"如 1.5\"></label><button type=\"submit\">完成</button></form>");
	}
}

static int staff_order_row(void *arg, const struct app_order *o)
{
	struct staff_orders *l = arg;
	struct web_req *r = l->r;
	bool live = strcmp(o->status, "open") == 0 || strcmp(o->status, "dispatched") == 0 ||
		    strcmp(o->status, "accepted") == 0;
	char when[32], masked[64];
	if (!live && o->updated_at < l->since)
		return 0;
	int kind = strcmp(o->status, "open") == 0	  ? STAFF_K_OPEN
		   : strcmp(o->status, "dispatched") == 0 ? STAFF_K_DISPATCHED
		   : strcmp(o->status, "accepted") == 0	  ? STAFF_K_ACCEPTED
							  : STAFF_K_DONE;
	bool sent = staff_sent(l->sent, o->id);
	l->hub_count += sent;
	if (l->hub_only && !sent)
		return 0;
	l->count[kind]++;
	if (l->want >= 0 && kind != l->want)
		return 0;
	l->n++;
	if (l->n <= l->skip || (l->limit && l->n > l->skip + l->limit))
		return 0;
	app_time_fmt((uint64_t)o->created_at, when, sizeof(when));
	web_raw(&r->out, "<li class=\"order st-");
	web_esc(&r->out, o->status);
	web_raw(&r->out, "\"><a href=\"/order?id=");
	web_esc(&r->out, o->id);
	web_raw(&r->out, "\"><b>");
	web_esc(&r->out, o->category);
	web_raw(&r->out, "</b> <span class=\"tag\">");
	web_raw(&r->out, staff_status_word(o->status));
	web_raw(&r->out, "</span> ");
	if (sent)
		web_raw(&r->out, "<span class=\"tag hub\">县派</span> ");
	web_raw(&r->out, "<span class=\"id\">");
	web_esc(&r->out, o->id);
	web_raw(&r->out, "</span></a><div>");
	web_esc(&r->out, o->detail);
	web_raw(&r->out, "</div><div class=\"meta\">");
	web_esc(&r->out, o->requester[0] ? o->requester : "居民");
	if (o->requester_phone[0]) {
		app_phone_mask(o->requester_phone, masked, sizeof(masked));
		web_raw(&r->out, " ");
		web_esc(&r->out, masked);
	}
	web_raw(&r->out, " · ");
	web_esc(&r->out, when);
	if (o->volunteer[0]) {
		web_raw(&r->out, " · 志愿者 ");
		web_esc(&r->out, o->volunteer);
	}
	web_raw(&r->out, "</div>");
	if (l->actions)
		staff_order_actions(r, o);
	web_raw(&r->out, "</li>");
	return 0;
}

/* The orders of filter f as rows of l, each marked 县派 when the hub sent
 * it (the sent set read once for the list, staff_sent_load). */
static int staff_orders_list(struct web_req *r, const struct app_order_filter *f, struct staff_orders *l)
{
	struct staff_sent_set sent;
	int rc = staff_sent_load(r, f, &sent);
	if (rc)
		return rc;
	l->sent = &sent;
	rc = app_order_list(&r->w->app, f, staff_order_row, l);
	mem_free(sent.ids);
	l->sent = NULL;
	return rc;
}

/* Local midnight of the wall clock now (ms). */
static int64_t staff_today(struct web_req *r)
{
	time_t t = (time_t)(web_now_ms(r->w) / 1000);
	struct tm tm;
	localtime_r(&t, &tm);
	tm.tm_hour = tm.tm_min = tm.tm_sec = 0;
	tm.tm_isdst = -1;
	return (int64_t)mktime(&tm) * 1000;
}

/* The station's orders: what is still to do, and what finished today;
 * a page of STAFF_PAGE_ORDERS at a time (?page=N), one kind (?status=). */
#define STAFF_PAGE_ORDERS 50
static int staff_today_page(struct web_req *r, const struct app_account *acct)
{
	struct app_order_filter f = { .station = r->w->app.conf.station, .kind = "service" }; /* wishes: wish.c */
	struct staff_orders l = { .r = r, .acct = acct, .since = staff_today(r), .want = -1,
				  .limit = STAFF_PAGE_ORDERS };
	const char *status = web_q(r, "status"), *page = web_q(r, "page"), *hub = web_q(r, "hub");
	int64_t pg = 1;
	for (int k = 0; status && k < STAFF_K_N; k++)
		if (strcmp(status, staff_kinds[k]) == 0)
			l.want = k;
	l.hub_only = hub && strcmp(hub, "1") == 0;
	if ((status && status[0] && l.want < 0) || (page && app_parse_int(page, 1, 100000, &pg)) ||
	    (hub && hub[0] && !l.hub_only)) {
		app_fail_clear(&r->w->app);
		return web_message(r, 400, "参数有误", "地址里的状态或页码不对：请从今日订单页进入。");
	}
	l.skip = (size_t)(pg - 1) * STAFF_PAGE_ORDERS;
	/* the rows first, into a buffer of their own: the counts go above them */
	struct buf head = r->out;
	buf_init(&r->out, WEB_PAGE_MAX);
	int rc = staff_orders_list(r, &f, &l);
	struct buf rows = r->out;
	r->out = head;
	if (rc) {
		buf_release(&rows);
		return rc;
	}
	staff_begin(r, acct, "今日订单");
	const char *hq = l.hub_only ? "&amp;hub=1" : ""; /* the links keep the hub's filter */
	web_raw(&r->out, l.hub_only ? "<nav class=\"kinds\"><a href=\"/?hub=1\"" : "<nav class=\"kinds\"><a href=\"/\"");
	web_raw(&r->out, l.want < 0 ? " class=\"on\">全部" : ">全部");
	web_raw(&r->out, "</a>");
	for (int k = 0; k < STAFF_K_N; k++)
		web_rawf(&r->out, "<a href=\"/?status=%s%s\"%s>%s <b>%zu</b></a>", staff_kinds[k], hq,
			 k == l.want ? " class=\"on\"" : "", staff_kind_words[k], l.count[k]);
	web_rawf(&r->out, "<a href=\"/?status=%s%s\" class=\"from-hub%s\">%s <b>%zu</b></a>",
		 l.want >= 0 ? staff_kinds[l.want] : "", l.hub_only ? "" : "&amp;hub=1", l.hub_only ? " on" : "",
		 l.hub_only ? "只看县派 ✓" : "只看县派", l.hub_count);
	web_raw(&r->out, "</nav><ul class=\"orders\">");
	if (rows.err)
		r->out.err = rows.err;
	else
		buf_put(&r->out, rows.data, rows.len);
	buf_release(&rows);
	web_raw(&r->out, "</ul>");
	if (!l.n)
		web_raw(&r->out, "<p class=\"msg\">没有这样的订单。</p>");
	if (l.n > STAFF_PAGE_ORDERS) {
		size_t pages = (l.n + STAFF_PAGE_ORDERS - 1) / STAFF_PAGE_ORDERS;
		web_rawf(&r->out, "<nav class=\"pages\"><span>第 %lld / %zu 页，共 %zu 单</span>", (long long)pg,
			 pages, l.n);
		const char *st = l.want >= 0 ? staff_kinds[l.want] : "";
		if (pg > 1)
			web_rawf(&r->out, "<a href=\"/?status=%s%s&amp;page=%lld\">上一页</a>", st, hq, (long long)pg - 1);
		if ((size_t)pg < pages)
			web_rawf(&r->out, "<a href=\"/?status=%s%s&amp;page=%lld\">下一页</a>", st, hq, (long long)pg + 1);
		web_raw(&r->out, "</nav>");
	}
	web_end(r);
	return 0;
}

/* ---- my page ------------------------------------------------------------- */

static void staff_card(struct web_req *r, const struct app_volunteer_card *c)
{
	char hours[32], masked[64];
	app_real_fmt(c->hours, hours, sizeof(hours));
	app_phone_mask(c->v.phone, masked, sizeof(masked));
	web_raw(&r->out, "<section class=\"card\"><p><b>");
	web_esc(&r->out, c->v.name);
	web_raw(&r->out, "</b> <span class=\"id\">");
	web_esc(&r->out, c->v.id);
	web_raw(&r->out, "</span> ");
	web_esc(&r->out, masked);
	web_raw(&r->out, "</p><div class=\"stats\"><p>服务时长<span class=\"big\">");
	web_esc(&r->out, hours);
	web_rawf(&r->out, "</span>小时</p><p>积分<span class=\"big\">%lld</span></p>"
			  "<p>星级<span class=\"big stars\" aria-label=\"%d 星\">",
		 (long long)c->balance, c->stars);
	for (int i = 0; i < 5; i++)
		web_raw(&r->out, i < c->stars ? "★" : "☆");
	web_raw(&r->out, "</span></p></div></section>");
}

static int staff_me_page(struct web_req *r, const struct app_account *acct)
{
	struct app_volunteer_card c;
	int rc;
	if (!acct->volunteer[0]) {
		staff_begin(r, acct, "我的");
		web_raw(&r->out, "<p class=\"msg\">你的账号没有关联志愿者：没有个人订单和积分。</p>");
		web_end(r);
		return 0;
	}
	if ((rc = app_volunteer_card(&r->w->app, acct->volunteer, &c)))
		return rc;
	staff_begin(r, acct, "我的");
	staff_card(r, &c);
	web_raw(&r->out, "<h2>我的订单</h2><ul class=\"orders\">");
	struct app_order_filter f = { .volunteer = acct->volunteer, .kind = "service" }; /* wishes: wish.c */
	struct staff_orders l = { .r = r, .acct = acct, .since = staff_today(r), .want = -1, .actions = true };
	if ((rc = staff_orders_list(r, &f, &l)))
		return rc;
	web_raw(&r->out, "</ul>");
	if (!l.n)
		web_raw(&r->out, "<p class=\"msg\">现在没有派给你的订单。</p>");
	web_end(r);
	return 0;
}

int web_staff_home(struct web_req *r)
{
	struct app_account acct;
	if (!staff_auth(r, &acct))
		return 0;
	if (acct.role == APP_ROLE_ADMIN && r->w->app.hub) {
		staff_redirect(r, "/hub");
		return 0;
	}
	return acct.role == APP_ROLE_ADMIN ? staff_today_page(r, &acct) : staff_me_page(r, &acct);
}

int web_staff_me(struct web_req *r)
{
	struct app_account acct;
	if (!staff_auth(r, &acct))
		return 0;
	return staff_me_page(r, &acct);
}

/* ---- one order ------------------------------------------------------------ */

static int staff_event_row(void *arg, const struct app_order_event *e)
{
	struct web_req *r = arg;
	char when[32];
	app_time_fmt((uint64_t)e->at, when, sizeof(when));
	web_raw(&r->out, "<li>");
	web_esc(&r->out, when);
	web_raw(&r->out, " ");
	web_raw(&r->out, staff_status_word(e->to));
	if (e->volunteer[0]) {
		web_raw(&r->out, " · ");
		web_esc(&r->out, e->volunteer);
	}
	struct app_send_note sn;
	if (app_send_note_read(e->actor, e->note, &sn)) {
		char words[160];
		node_send_note_words(NODE_LANG_ZH, sn.moved, sn.station, sn.order, words, sizeof(words));
		web_raw(&r->out, " · ");
		web_esc(&r->out, words);
	} else if (e->note[0]) {
		web_raw(&r->out, " · ");
		web_esc(&r->out, e->note);
	}
	web_raw(&r->out, "</li>");
	return 0;
}

struct staff_vols {
	struct web_req *r;
	size_t n;
};

static int staff_name_option(void *arg, const struct app_volunteer *v)
{
	struct staff_vols *l = arg;
	struct web_req *r = l->r;
	char masked[64];
	if (++l->n > STAFF_LIST_MAX)
		return 0;
	app_phone_mask(v->phone, masked, sizeof(masked));
	web_raw(&r->out, "<option value=\"");
	web_esc(&r->out, v->name);
	web_raw(&r->out, "\">");
	web_esc(&r->out, v->id);
	web_raw(&r->out, " ");
	web_esc(&r->out, masked);
	web_raw(&r->out, "</option>");
	return 0;
}

/* The names to pick from while typing (<datalist>: no JavaScript). */
static int staff_names(struct web_req *r)
{
	struct app_volunteer_filter f = { .status = "active", .station = r->w->app.conf.station };
	struct staff_vols l = { .r = r };
	web_raw(&r->out, "<datalist id=\"vols\">");
	int rc = app_volunteer_list(&r->w->app, &f, staff_name_option, &l);
	web_raw(&r->out, "</datalist>");
	return rc;
}

/* A form's start: action, the token and the order's id. */
static void staff_form(struct web_req *r, const char *action, const char *id)
{
	web_raw(&r->out, "<form method=\"post\" action=\"");
	web_raw(&r->out, action);
	web_raw(&r->out, "\">");
	web_csrf_field(r);
	web_raw(&r->out, "<input type=\"hidden\" name=\"id\" value=\"");
	web_esc(&r->out, id);
	web_raw(&r->out, "\">");
}

/* May this account make move m on o? app/ decides what the order allows;
 * the page decides who: an admin, or the volunteer it was dispatched to
 * for accept and done. */
static bool staff_may(struct web_req *r, const struct app_account *acct, const struct app_order *o,
		      enum app_order_move m)
{
	bool ok = app_order_allowed(&r->w->app, o, m, false) == 0;
	app_fail_clear(&r->w->app);
	if (!ok)
		return false;
	if (acct->role == APP_ROLE_ADMIN)
		return true;
	return (m == APP_MOVE_ACCEPT || m == APP_MOVE_DONE) && acct->volunteer[0] &&
	       strcmp(o->volunteer, acct->volunteer) == 0;
}

static bool staff_sees(const struct app_account *acct, const struct app_order *o)
{
	return acct->role == APP_ROLE_ADMIN || (acct->volunteer[0] && strcmp(o->volunteer, acct->volunteer) == 0);
}

int web_staff_order(struct web_req *r)
{
	struct app_account acct;
	struct app_order o;
	char when[32], masked[64], hours[32];
	int rc;
	if (!staff_auth(r, &acct))
		return 0;
	const char *id = web_q(r, "id");
	if ((rc = app_order_load(&r->w->app, id ? id : "", &o)))
		return web_refused(r, web_status(rc), rc);
	if (!staff_sees(&acct, &o))
		return staff_forbidden(r);
	staff_begin(r, &acct, "订单");
	app_time_fmt((uint64_t)o.created_at, when, sizeof(when));
	web_raw(&r->out, "<section class=\"card\"><p><b>");
	web_esc(&r->out, o.category);
	web_raw(&r->out, "</b> <span class=\"tag\">");
	web_raw(&r->out, staff_status_word(o.status));
	web_raw(&r->out, "</span> <span class=\"id\">");
	web_esc(&r->out, o.id);
	web_raw(&r->out, "</span></p>");
	struct app_send_info sent;
	if (app_send_info(&r->w->app, o.id, &sent) == 0) { /* the hub's sending (app/send.h) */
		if (sent.sent)
			web_raw(&r->out, "<p class=\"from-hub\"><span class=\"tag hub\">县派</span> 县级中心派来的订单</p>");
		if (sent.from[0]) {
			web_raw(&r->out, "<p class=\"meta\">由订单 ");
			web_esc(&r->out, sent.from);
			web_raw(&r->out, " 转来（原单已取消）</p>");
		}
		if (sent.to[0]) {
			web_raw(&r->out, "<p class=\"meta\">已转到站点 ");
			web_esc(&r->out, sent.to_station);
			web_raw(&r->out, "，新单号 ");
			web_esc(&r->out, sent.to);
			web_raw(&r->out, "</p>");
		}
	} else {
		app_fail_clear(&r->w->app);
	}
	web_raw(&r->out, "<p>");
	web_esc(&r->out, o.detail);
	web_raw(&r->out, "</p><p class=\"meta\">点单人：");
	web_esc(&r->out, o.requester[0] ? o.requester : "居民");
	if (o.requester_phone[0]) {
		app_phone_mask(o.requester_phone, masked, sizeof(masked));
		web_raw(&r->out, " ");
		web_esc(&r->out, masked);
	}
	web_raw(&r->out, " · ");
	web_esc(&r->out, when);
	web_raw(&r->out, "</p>");
	if (o.volunteer[0]) {
		struct app_volunteer v;
		web_raw(&r->out, "<p>志愿者：");
		if (app_volunteer_load(&r->w->app, o.volunteer, &v) == 0) { /* held here: the name too */
			web_esc(&r->out, v.name);
			web_raw(&r->out, "（");
			web_esc(&r->out, o.volunteer);
			web_raw(&r->out, "）");
		} else {
			app_fail_clear(&r->w->app);
			web_esc(&r->out, o.volunteer);
		}
		web_raw(&r->out, "</p>");
	}
	if (o.has_hours) {
		app_real_fmt(o.hours, hours, sizeof(hours));
		web_raw(&r->out, "<p>服务时长：");
		web_esc(&r->out, hours);
		web_raw(&r->out, " 小时</p>");
	}
	if (o.rating)
		web_rawf(&r->out, "<p>评价：%lld 星</p>", (long long)o.rating);
	web_raw(&r->out, "</section>");

	if (staff_may(r, &acct, &o, APP_MOVE_DISPATCH)) {
		web_raw(&r->out, "<h2>派单</h2>");
		staff_form(r, "/order/dispatch", o.id);
		web_raw(&r->out, "<label for=\"volunteer\">志愿者（输入姓名、手机号或编号，可从列表选）</label>"
				 "<input id=\"volunteer\" name=\"volunteer\" list=\"vols\" autocomplete=\"off\" required>");
		if ((rc = staff_names(r)))
			return rc;
		web_raw(&r->out, "<button type=\"submit\">派单</button></form>");
	}
	if (staff_may(r, &acct, &o, APP_MOVE_ACCEPT)) {
		web_raw(&r->out, "<h2>接单</h2>");
		staff_form(r, "/order/accept", o.id);
		web_raw(&r->out, acct.role == APP_ROLE_ADMIN && strcmp(o.volunteer, acct.volunteer) != 0
					 ? "<button type=\"submit\">代志愿者接单</button></form>"
					 : "<button type=\"submit\">接单</button></form>");
	}
	if (staff_may(r, &acct, &o, APP_MOVE_DONE)) {
		web_raw(&r->out, "<h2>完成</h2>");
		staff_form(r, "/order/done", o.id);
		web_raw(&r->out, "<label for=\"hours\">服务时长（小时）</label>"
				 "<input id=\"hours\" name=\"hours\" inputmode=\"decimal\" placeholder=\"如 1.5\" required>"
				 "<button type=\"submit\">完成</button></form>");
	}
	if (staff_may(r, &acct, &o, APP_MOVE_RATE)) {
		web_raw(&r->out, "<h2>代居民评价</h2>");
		staff_form(r, "/order/rate", o.id);
		web_raw(&r->out, "<label for=\"rating\">评分</label><select id=\"rating\" name=\"rating\">"
				 "<option value=\"5\">5 星 非常满意</option><option value=\"4\">4 星 满意</option>"
				 "<option value=\"3\">3 星 一般</option><option value=\"2\">2 星 不满意</option>"
				 "<option value=\"1\">1 星 很不满意</option></select>"
				 "<label for=\"comment\">留言（可不填）</label>"
				 "<input id=\"comment\" name=\"comment\" maxlength=\"300\">"
				 "<button type=\"submit\">提交评价</button></form>");
	}
	web_raw(&r->out, "<h2>经过</h2><ul class=\"events\">");
	if ((rc = app_order_events(&r->w->app, o.id, staff_event_row, r)))
		return rc;
	web_raw(&r->out, "</ul>");
	web_end(r);
	return 0;
}

/* After a move: back to my page or to the order. */
static void staff_after(struct web_req *r, const char *id)
{
	const char *back = web_f(r, "back");
	char to[200];
	if (back && strcmp(back, "me") == 0) {
		staff_redirect(r, "/me");
		return;
	}
	snprintf(to, sizeof(to), "/order?id=%s", app_id_ok(id) ? id : "");
	staff_redirect(r, to);
}

/* The order a move names, when this account may make it: 0 with *o, or
 * the page already written (1). */
static int staff_move_order(struct web_req *r, struct app_account *acct, enum app_order_move m,
			    struct app_order *o)
{
	int rc;
	if (!staff_post(r, acct))
		return 1;
	const char *id = web_f(r, "id");
	if ((rc = app_order_load(&r->w->app, id ? id : "", o))) {
		web_refused(r, web_status(rc), rc);
		return 1;
	}
	if (acct->role != APP_ROLE_ADMIN &&
	    (!(m == APP_MOVE_ACCEPT || m == APP_MOVE_DONE) || !acct->volunteer[0] ||
	     strcmp(o->volunteer, acct->volunteer) != 0)) {
		staff_forbidden(r);
		return 1;
	}
	return 0;
}

/* Several volunteers by that name: pick one (by id) and send again. */
static int staff_pick(struct web_req *r, const struct app_account *acct, const char *id,
		      const struct app_volunteer_found *f)
{
	buf_reset(&r->out);
	r->status = 409;
	staff_begin(r, acct, "请选一位志愿者");
	web_rawf(&r->out, "<p class=\"msg\">这个名字有 %zu 位志愿者，请选派给谁：</p>", f->n);
	for (size_t i = 0; i < f->shown; i++) {
		const struct app_volunteer_hit *h = &f->c[i];
		staff_form(r, "/order/dispatch", id);
		web_raw(&r->out, "<input type=\"hidden\" name=\"volunteer\" value=\"");
		web_esc(&r->out, h->id);
		web_raw(&r->out, "\"><button type=\"submit\">");
		web_esc(&r->out, h->name);
		web_raw(&r->out, " · ");
		web_esc(&r->out, h->id);
		web_raw(&r->out, " · ");
		web_esc(&r->out, h->phone_masked);
		web_raw(&r->out, "</button></form>");
	}
	web_end(r);
	return 0;
}

int web_staff_dispatch(struct web_req *r)
{
	struct app_account acct;
	struct app_order o;
	struct app_volunteer_found f;
	struct app_order_result res;
	if (staff_move_order(r, &acct, APP_MOVE_DISPATCH, &o))
		return 0;
	memset(&f, 0, sizeof(f));
	int rc = app_order_dispatch(&r->w->app, o.id, web_f(r, "volunteer"), &f, &res);
	if (rc == ERR_RULE && r->w->app.fail.why == APP_W_VOLUNTEER_AMBIGUOUS && f.shown) {
		app_fail_clear(&r->w->app);
		return staff_pick(r, &acct, o.id, &f);
	}
	if (rc)
		return web_refused(r, web_status(rc), rc);
	staff_after(r, o.id);
	return 0;
}

int web_staff_accept(struct web_req *r)
{
	struct app_account acct;
	struct app_order o;
	struct app_volunteer_found f;
	struct app_order_result res;
	if (staff_move_order(r, &acct, APP_MOVE_ACCEPT, &o))
		return 0;
	int rc = app_order_accept(&r->w->app, o.id, acct.role == APP_ROLE_ADMIN ? NULL : acct.volunteer,
				  &f, &res);
	if (rc)
		return web_refused(r, web_status(rc), rc);
	staff_after(r, o.id);
	return 0;
}

int web_staff_done(struct web_req *r)
{
	struct app_account acct;
	struct app_order o;
	struct app_order_result res;
	double hours;
	if (staff_move_order(r, &acct, APP_MOVE_DONE, &o))
		return 0;
	const char *h = web_f(r, "hours");
	int rc = app_order_hours_parse(&r->w->app, h ? h : "", &hours);
	if (rc || (rc = app_order_done(&r->w->app, o.id, hours, &res)))
		return web_refused(r, web_status(rc), rc);
	staff_after(r, o.id);
	return 0;
}

int web_staff_rate(struct web_req *r)
{
	struct app_account acct;
	struct app_order o;
	struct app_order_result res;
	int64_t rating;
	if (staff_move_order(r, &acct, APP_MOVE_RATE, &o))
		return 0;
	const char *t = web_f(r, "rating"), *comment = web_f(r, "comment");
	int rc = app_order_rating_parse(&r->w->app, t ? t : "", &rating);
	if (rc || (rc = app_order_rate(&r->w->app, o.id, rating, comment && comment[0] ? comment : NULL,
				       &res)))
		return web_refused(r, web_status(rc), rc);
	staff_after(r, o.id);
	return 0;
}

/* ---- volunteers ------------------------------------------------------------ */

static int staff_vol_row(void *arg, const struct app_volunteer *v)
{
	struct staff_vols *l = arg;
	struct web_req *r = l->r;
	char masked[64];
	l->n++; /* a page of the list (app_volunteer_list pages it) */
	app_phone_mask(v->phone, masked, sizeof(masked));
	web_raw(&r->out, "<li><a href=\"/volunteer?id=");
	web_esc(&r->out, v->id);
	web_raw(&r->out, "\"><b>");
	web_esc(&r->out, v->name);
	web_raw(&r->out, "</b> <span class=\"id\">");
	web_esc(&r->out, v->id);
	web_raw(&r->out, "</span> ");
	web_esc(&r->out, masked);
	if (strcmp(v->status, "active") != 0)
		web_raw(&r->out, strcmp(v->status, "paused") == 0 ? " · 暂停" : " · 退出");
	web_raw(&r->out, "</a></li>");
	return 0;
}

static bool staff_admin(struct web_req *r, struct app_account *acct, bool post)
{
	if (!(post ? staff_post(r, acct) : staff_auth(r, acct)))
		return false;
	if (acct->role != APP_ROLE_ADMIN || r->w->app.hub) {
		staff_forbidden(r);
		return false;
	}
	return true;
}

/* The station's volunteers a page at a time, searched by name, phone or
 * team (app_volunteer_list with its search and page, app/range.h). */
#define STAFF_PAGE_VOLS 50
#define STAFF_SEARCH_MAX 120 /* bytes of the search text (40 Chinese characters) */

/* A text into a link's query: everything but [A-Za-z0-9-_.~] as %XX. */
static void staff_url_put(struct buf *b, const char *s)
{
	for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
		if ((*p >= 'A' && *p <= 'Z') || (*p >= 'a' && *p <= 'z') || (*p >= '0' && *p <= '9') ||
		    *p == '-' || *p == '_' || *p == '.' || *p == '~')
			web_rawf(b, "%c", *p);
		else
			web_rawf(b, "%%%02X", *p);
	}
}

static void staff_vols_link(struct web_req *r, const char *q, int64_t page, const char *word)
{
	web_raw(&r->out, "<a href=\"/volunteers?");
	if (q[0]) {
		web_raw(&r->out, "q=");
		staff_url_put(&r->out, q);
		web_raw(&r->out, "&amp;");
	}
	web_rawf(&r->out, "page=%lld#list\">%s</a>", (long long)page, word);
}

int web_staff_volunteers(struct web_req *r)
{
	struct app_account acct;
	struct app_page pg = { 0 };
	const char *q = web_q(r, "q"), *page = web_q(r, "page");
	char pgtext[24];
	struct staff_vols l = { .r = r };
	if (!staff_admin(r, &acct, false))
		return 0;
	if (!q)
		q = "";
	if (strlen(q) > STAFF_SEARCH_MAX) {
		buf_reset(&r->out);
		return web_message(r, 400, "查找的字太长", "请用姓名、手机号或服务队名的一部分查找（最多 40 个字）。");
	}
	snprintf(pgtext, sizeof(pgtext), "%s", page ? page : "1");
	int rc = app_page_parse(&r->w->app, NULL, pgtext, STAFF_PAGE_VOLS, &pg);
	if (rc) {
		app_fail_clear(&r->w->app);
		buf_reset(&r->out);
		return web_message(r, 400, "页码不对", "地址里的页码不对：请从志愿者页进入，用“上一页”“下一页”翻。");
	}
	struct app_volunteer_filter f = { .station = r->w->app.conf.station, .search = q[0] ? q : NULL,
					  .page = &pg };
	staff_begin(r, &acct, "志愿者");
	web_raw(&r->out, "<h2>查找</h2><form method=\"post\" action=\"/volunteers/find\">");
	web_csrf_field(r);
	web_raw(&r->out, "<label for=\"who\">姓名、手机号或编号</label>"
			 "<input id=\"who\" name=\"who\" list=\"vols\" autocomplete=\"off\" required>");
	if ((rc = staff_names(r)))
		return rc;
	web_raw(&r->out, "<button type=\"submit\">查看积分和记录</button></form>"
			 "<h2>登记新志愿者</h2><form method=\"post\" action=\"/volunteers/add\">");
	web_csrf_field(r);
	web_raw(&r->out, "<label for=\"name\">姓名</label><input id=\"name\" name=\"name\" maxlength=\"40\" required>"
			 "<label for=\"vphone\">手机号</label><input id=\"vphone\" name=\"phone\" type=\"tel\""
			 " inputmode=\"numeric\" maxlength=\"20\" required>"
			 "<label for=\"team\">服务队（可不填）</label><input id=\"team\" name=\"team\" maxlength=\"40\">"
			 "<label for=\"skills\">技能（可不填，用逗号分开）</label><input id=\"skills\" name=\"skills\" maxlength=\"200\">"
			 "<button type=\"submit\">登记</button></form><h2 id=\"list\">本站志愿者</h2>"
			 "<form method=\"get\" action=\"/volunteers#list\" class=\"search\">"
			 "<label for=\"q\">按姓名、手机号或服务队筛选</label><input id=\"q\" name=\"q\" type=\"search\""
			 " maxlength=\"40\" value=\"");
	web_esc(&r->out, q);
	web_raw(&r->out, "\"><button type=\"submit\">筛选</button>");
	if (q[0])
		web_raw(&r->out, " <a href=\"/volunteers#list\">全部</a>");
	web_raw(&r->out, "</form><ul class=\"list\">");
	if ((rc = app_volunteer_list(&r->w->app, &f, staff_vol_row, &l)))
		return rc;
	web_raw(&r->out, "</ul>");
	int64_t pages = (pg.total + STAFF_PAGE_VOLS - 1) / STAFF_PAGE_VOLS, at = pg.offset / STAFF_PAGE_VOLS + 1;
	if (!pg.total)
		web_raw(&r->out, q[0] ? "<p class=\"msg\">没有找到这样的志愿者。</p>" : "<p class=\"msg\">本站还没有志愿者。</p>");
	else if (!l.n)
		web_raw(&r->out, "<p class=\"msg\">这一页没有了：请回到第 1 页。</p>");
	if (pg.total) {
		web_rawf(&r->out, "<nav class=\"pages\"><span>第 %lld / %lld 页，共 %lld 位</span>", (long long)at,
			 (long long)pages, (long long)pg.total);
		if (at > 1)
			staff_vols_link(r, q, at - 1 <= pages ? at - 1 : pages, "上一页");
		if (at < pages)
			staff_vols_link(r, q, at + 1, "下一页");
		web_raw(&r->out, "</nav>");
	}
	web_end(r);
	return 0;
}

static const char *staff_opt(const struct web_req *r, const char *name)
{
	const char *v = web_f(r, name);
	return v && v[0] ? v : NULL;
}

int web_staff_volunteer_add(struct web_req *r)
{
	struct app_account acct;
	char id[APP_ID_MAX + 1], to[200];
	if (!staff_admin(r, &acct, true))
		return 0;
	struct app_volunteer_in in = { .name = staff_opt(r, "name"), .phone = staff_opt(r, "phone"),
				       .team = staff_opt(r, "team"), .skills = staff_opt(r, "skills") };
	int rc = app_volunteer_check(&r->w->app, &in, true);
	if (rc || (rc = app_volunteer_add(&r->w->app, &in, id, sizeof(id))))
		return web_refused(r, web_status(rc), rc);
	app_fail_clear(&r->w->app); /* a note (an ID number elsewhere) is not shown here */
	snprintf(to, sizeof(to), "/volunteer?id=%s", id);
	staff_redirect(r, to);
	return 0;
}

/* The candidates when a name or phone names several volunteers. */
static int staff_found_list(struct web_req *r, const struct app_account *acct,
			    const struct app_volunteer_found *f)
{
	buf_reset(&r->out);
	r->status = 409;
	staff_begin(r, acct, "请选一位志愿者");
	web_rawf(&r->out, "<p class=\"msg\">有 %zu 位志愿者符合：</p><ul class=\"list\">", f->n);
	for (size_t i = 0; i < f->shown; i++) {
		web_raw(&r->out, "<li><a href=\"/volunteer?id=");
		web_esc(&r->out, f->c[i].id);
		web_raw(&r->out, "\"><b>");
		web_esc(&r->out, f->c[i].name);
		web_raw(&r->out, "</b> ");
		web_esc(&r->out, f->c[i].id);
		web_raw(&r->out, " ");
		web_esc(&r->out, f->c[i].phone_masked);
		web_raw(&r->out, "</a></li>");
	}
	web_raw(&r->out, "</ul>");
	web_end(r);
	return 0;
}

int web_staff_volunteer_find(struct web_req *r)
{
	struct app_account acct;
	struct app_volunteer_found f;
	char to[200];
	if (!staff_admin(r, &acct, true))
		return 0;
	const char *who = web_f(r, "who");
	int rc = app_volunteer_find_held(&r->w->app, who ? who : "", &f);
	if (rc == ERR_RULE && f.shown) {
		app_fail_clear(&r->w->app);
		return staff_found_list(r, &acct, &f);
	}
	if (rc)
		return web_refused(r, web_status(rc), rc);
	if (!app_id_ok(f.c[0].id)) /* replicated text: never into a header unchecked */
		return web_message(r, 400, "请求有误", "这位志愿者的编号不能用在网页里：请用命令行查看。");
	snprintf(to, sizeof(to), "/volunteer?id=%s", f.c[0].id);
	staff_redirect(r, to);
	return 0;
}

static int staff_points_row(void *arg, const struct app_points_entry *e)
{
	struct web_req *r = arg;
	char when[32] = "-";
	static const struct {
		const char *k, *v;
	} reasons[] = { { "service", "服务" }, { "redeem", "兑换" }, { "adjust", "调整" }, { "reversal", "冲正" } };
	const char *reason = e->reason;
	for (size_t i = 0; i < sizeof(reasons) / sizeof(reasons[0]); i++)
		if (strcmp(e->reason, reasons[i].k) == 0)
			reason = reasons[i].v;
	if (e->has_at)
		app_time_fmt((uint64_t)e->at, when, sizeof(when));
	web_rawf(&r->out, "<tr><td>%+lld</td><td>", (long long)e->delta);
	web_esc(&r->out, reason);
	web_raw(&r->out, "</td><td>");
	web_esc(&r->out, e->order[0] ? e->order : e->item);
	web_raw(&r->out, "</td><td>");
	web_esc(&r->out, when);
	web_raw(&r->out, "</td></tr>");
	return 0;
}

int web_staff_volunteer(struct web_req *r)
{
	struct app_account acct;
	struct app_volunteer_card c;
	int64_t total;
	if (!staff_admin(r, &acct, false))
		return 0;
	const char *id = web_q(r, "id");
	int rc = app_volunteer_card(&r->w->app, id ? id : "", &c);
	if (rc)
		return web_refused(r, web_status(rc), rc);
	staff_begin(r, &acct, "志愿者");
	staff_card(r, &c);
	web_raw(&r->out, "<h2>积分兑换</h2>");
	staff_form(r, "/volunteer/redeem", c.v.id);
	web_raw(&r->out, "<label for=\"points\">积分</label><input id=\"points\" name=\"points\" inputmode=\"numeric\" required>"
			 "<label for=\"item\">兑换物品</label><input id=\"item\" name=\"item\" maxlength=\"100\" required>"
			 "<button type=\"submit\">兑换</button></form>"
			 "<h2>积分记录</h2><div class=\"scroll\"><table><tr><th>积分</th><th>原因</th><th>订单或物品</th><th>时间</th></tr>");
	if ((rc = app_points_history(&r->w->app, c.v.id, staff_points_row, r, &total)))
		return rc;
	web_raw(&r->out, "</table></div><h2>订单</h2><ul class=\"orders\">");
	struct app_order_filter f = { .volunteer = c.v.id };
	struct staff_orders l = { .r = r, .acct = &acct, .since = 0, .want = -1, .limit = 100 };
	if ((rc = staff_orders_list(r, &f, &l)))
		return rc;
	web_raw(&r->out, "</ul>");
	web_end(r);
	return 0;
}

int web_staff_redeem(struct web_req *r)
{
	struct app_account acct;
	struct app_volunteer_found f;
	struct app_redeem_result res;
	char to[200];
	int64_t n;
	if (!staff_admin(r, &acct, true))
		return 0;
	const char *id = web_f(r, "id"), *pts = web_f(r, "points"), *item = staff_opt(r, "item");
	if (!id || !app_id_ok(id))
		return web_message(r, 400, "请求有误", "没有指明志愿者：请从志愿者页面兑换。");
	int rc = app_points_parse(&r->w->app, pts ? pts : "", &n);
	if (rc || (rc = app_points_redeem(&r->w->app, id, n, item, &f, &res)))
		return web_refused(r, web_status(rc), rc);
	snprintf(to, sizeof(to), "/volunteer?id=%s", id);
	staff_redirect(r, to);
	return 0;
}

/* ---- for the other staff pages (wish.c) ----------------------------------- */

void web_staff_begin(struct web_req *r, const struct app_account *acct, const char *title)
{
	staff_begin(r, acct, title);
}
