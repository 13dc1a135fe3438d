// SPDX-License-Identifier: MIT
/*
 * activity.c - the pages of activities (志愿活动, issue 17; docs/web.md):
 *
 *   GET  /activities        the activities this board holds (admin)
 *   GET  /activity?id=      one activity, its people with a check-in or
 *                           check-out button each, a walk-in form, close
 *   POST /activity/checkin, /activity/checkout, /activity/close  (admin)
 *   GET  /activity/qr?id=   the check-in QR code to show at the event
 *   GET  /a/ID?k=K          the volunteer's phone: check in or out with
 *   POST /a/ID              phone number and PIN (app/account.c)
 *
 * The QR code carries K = web_order_key("act:" ID): only who sees the
 * code at the event opens the page; a wrong K answers 404 like an
 * activity that does not exist. The phone's form carries a CSRF token; a
 * wrong phone or PIN counts towards the account's lockout (account.c A2)
 * and the client's limit (limit.c: WEB_LIMIT_N failures in the window,
 * then 429), so guessing is bounded twice. Every write is one app/
 * operation; a refusal says app/'s reason.
 */
#include <sodium.h>
#include <stdio.h>
#include <string.h>

#include "base/err.h"
#include "base/mem.h"
#include "app/account.h"
#include "app/activity.h"
#include "node/i18n.h"
#include "web/pages.h"
#include "web/web_internal.h"

static const char *act_word(enum app_act_state s)
{
	static const enum node_msg_id m[] = { M_ACT_ST_NONE, M_ACT_ST_PENDING, M_ACT_ST_WAITING,
					      M_ACT_ST_SIGNED, M_ACT_ST_IN, M_ACT_ST_OUT };
	return node_msg(NODE_LANG_ZH, (unsigned)s < sizeof(m) / sizeof(m[0]) ? m[s] : M_ACT_ST_NONE);
}

/* The admin of the session, else the login page or 403 (false). */
static bool act_admin(struct web_req *r, struct app_account *acct, bool post)
{
	if (post && !web_csrf_ok(r)) {
		web_message(r, 403, "页面已过期", "表单已过期或来路不明：请回到上一页刷新后重新提交。");
		return false;
	}
	if (!web_session_get(r, acct)) {
		web_login_page(r, 200, NULL);
		return false;
	}
	if (acct->role != APP_ROLE_ADMIN) {
		web_message(r, 403, "没有权限", "活动签到只有站点管理员能办：请找管理员办理。");
		return false;
	}
	return true;
}

static void act_nav(struct web_req *r)
{
	web_raw(&r->out, "<nav class=\"nav\"><a href=\"/\">首页</a><a href=\"/activities\">活动</a></nav>");
}

static void act_when(struct web_req *r, const struct app_activity *x)
{
	char s[32], e[32];
	app_time_fmt((uint64_t)x->start_at, s, sizeof(s));
	app_time_fmt((uint64_t)x->end_at, e, sizeof(e));
	web_esc(&r->out, s);
	web_raw(&r->out, " 至 ");
	web_esc(&r->out, strncmp(s, e, 10) == 0 ? e + 11 : e);
}

int web_activities(struct web_req *r)
{
	struct app_account acct;
	struct app_activity *v = NULL;
	size_t n = 0;
	int rc;
	if (!act_admin(r, &acct, false))
		return 0;
	if ((rc = app_activity_list(&r->w->app, false, 0, 0, &v, &n)))
		return web_refused(r, web_status(rc), rc);
	web_begin(r, "志愿活动");
	act_nav(r);
	web_raw(&r->out, "<ul class=\"orders\" id=\"activities\">");
	for (size_t i = 0; i < n && i < 300; i++) {
		const struct app_activity *x = &v[i];
		web_raw(&r->out, "<li class=\"order\"><a href=\"/activity?id=");
		web_esc(&r->out, x->id);
		web_raw(&r->out, "\"><b>");
		web_esc(&r->out, x->title);
		web_raw(&r->out, "</b> <span class=\"id\">");
		web_esc(&r->out, x->id);
		web_raw(&r->out, "</span></a><div class=\"meta\">");
		act_when(r, x);
		web_raw(&r->out, " · ");
		web_esc(&r->out, x->place);
		web_rawf(&r->out, " · 名额 %lld/%lld · 签到 %lld</div></li>", (long long)x->seats,
			 (long long)x->capacity, (long long)x->checked_in);
	}
	web_raw(&r->out, "</ul>");
	if (!n)
		web_raw(&r->out, "<p class=\"msg\">没有进行中的活动。用 cunlian activity add 发布。</p>");
	mem_free(v);
	web_end(r);
	return 0;
}

/* A form posting id (and volunteer) to action with one button. */
static void act_button(struct web_req *r, const char *action, const char *id, const char *vid,
		       const char *label)
{
	web_raw(&r->out, "<form method=\"post\" class=\"inline\" action=\"");
	web_raw(&r->out, action);
	web_raw(&r->out, "\">");
	web_csrf_field(r);
	web_raw(&r->out, "<input type=\"hidden\" name=\"id\" value=\"");
	web_esc(&r->out, id);
	web_raw(&r->out, "\">");
	if (vid) {
		web_raw(&r->out, "<input type=\"hidden\" name=\"volunteer\" value=\"");
		web_esc(&r->out, vid);
		web_raw(&r->out, "\">");
	}
	web_raw(&r->out, "<button type=\"submit\">");
	web_raw(&r->out, label);
	web_raw(&r->out, "</button></form>");
}

int web_activity(struct web_req *r)
{
	struct app_account acct;
	struct app_activity x;
	struct app_activity_person *p = NULL;
	size_t n = 0;
	const char *id = web_q(r, "id");
	int rc;
	if (!act_admin(r, &acct, false))
		return 0;
	if ((rc = app_activity_find(&r->w->app, id ? id : "", &x)) ||
	    (rc = app_activity_people(&r->w->app, x.id, &p, &n)))
		return web_refused(r, web_status(rc), rc);
	web_begin(r, x.title);
	act_nav(r);
	web_raw(&r->out, "<p class=\"msg\" id=\"activity\"><b>");
	web_esc(&r->out, x.title);
	web_raw(&r->out, "</b> <span class=\"id\">");
	web_esc(&r->out, x.id);
	web_raw(&r->out, "</span><br>");
	act_when(r, &x);
	web_raw(&r->out, " · ");
	web_esc(&r->out, x.place);
	web_rawf(&r->out, "<br>名额 <b id=\"seats\">%lld/%lld</b> · 候补 %lld · 待确认 %lld · 签到 <b id=\"in\">%lld</b>"
			  " · 签退 %lld · 每人 ",
		 (long long)x.seats, (long long)x.capacity, (long long)x.waiting, (long long)x.pending,
		 (long long)x.checked_in, (long long)x.checked_out);
	char h[32];
	app_real_fmt(x.hours, h, sizeof(h));
	web_esc(&r->out, h);
	web_raw(&r->out, " 小时");
	if (x.closed)
		web_raw(&r->out, " · <b>已结束</b>");
	web_raw(&r->out, "</p>");
	bool act = x.home && !x.closed;
	if (!x.home)
		web_raw(&r->out, "<p class=\"hint\">这项活动的名额和签到由它所属的站点（或县级中心）管，这里只能查看。</p>");
	if (act) {
		web_raw(&r->out, "<p><a class=\"button\" id=\"qr-link\" href=\"/activity/qr?id=");
		web_esc(&r->out, x.id);
		web_raw(&r->out, "\">显示签到二维码</a></p>");
	}
	web_raw(&r->out, "<ul class=\"orders\" id=\"people\">");
	for (size_t i = 0; i < n; i++) {
		web_raw(&r->out, "<li class=\"order\"><b>");
		web_esc(&r->out, p[i].name[0] ? p[i].name : p[i].volunteer);
		web_raw(&r->out, "</b> <span class=\"tag\">");
		web_raw(&r->out, act_word(p[i].state));
		web_raw(&r->out, "</span> <span class=\"id\">");
		web_esc(&r->out, p[i].volunteer);
		web_raw(&r->out, "</span> ");
		web_esc(&r->out, p[i].phone_masked);
		if (act && p[i].state == APP_ACT_IN)
			act_button(r, "/activity/checkout", x.id, p[i].volunteer, "签退");
		else if (act && p[i].state != APP_ACT_OUT)
			act_button(r, "/activity/checkin", x.id, p[i].volunteer, "签到");
		web_raw(&r->out, "</li>");
	}
	web_raw(&r->out, "</ul>");
	if (!n)
		web_raw(&r->out, "<p class=\"msg\">还没有人报名。</p>");
	if (act) {
		web_raw(&r->out, "<h2>没报名的人签到</h2><form method=\"post\" action=\"/activity/checkin\" class=\"row\">");
		web_csrf_field(r);
		web_raw(&r->out, "<input type=\"hidden\" name=\"id\" value=\"");
		web_esc(&r->out, x.id);
		web_raw(&r->out, "\"><label>志愿者（姓名、手机号或编号）<input name=\"volunteer\" required maxlength=\"128\">"
				 "</label><button type=\"submit\">签到</button></form>"
				 "<h2>结束活动</h2><p class=\"hint\">结束后不再报名和签到；已签到未签退的人按活动时长记入。</p>");
		act_button(r, "/activity/close", x.id, NULL, "结束活动");
	}
	mem_free(p);
	web_end(r);
	return 0;
}

static void act_back(struct web_req *r, const char *id)
{
	r->status = 303;
	snprintf(r->location, sizeof(r->location), "/activity?id=%s", app_id_ok(id) ? id : "");
	buf_reset(&r->out);
}

static int act_post(struct web_req *r, int op)
{
	struct app_account acct;
	struct app_activity_result res;
	struct app_volunteer_found f;
	const char *id = web_f(r, "id"), *who = web_f(r, "volunteer");
	int rc;
	if (!act_admin(r, &acct, true))
		return 0;
	web_app_now(r);
	if (op == 0)
		rc = app_activity_checkin(&r->w->app, id ? id : "", who ? who : "", "staff", &f, &res);
	else if (op == 1)
		rc = app_activity_checkout(&r->w->app, id ? id : "", who ? who : "", "staff", &f, &res);
	else
		rc = app_activity_close(&r->w->app, id ? id : "", &res);
	if (rc)
		return web_refused(r, web_status(rc), rc);
	act_back(r, id);
	return 0;
}

int web_activity_checkin(struct web_req *r)
{
	return act_post(r, 0);
}

int web_activity_checkout(struct web_req *r)
{
	return act_post(r, 1);
}

int web_activity_close(struct web_req *r)
{
	return act_post(r, 2);
}

/* ---- the QR code and the volunteer's phone ------------------------------------ */

static void act_key(const struct web *w, const char *id, char *out)
{
	char what[APP_ID_MAX + 8];
	snprintf(what, sizeof(what), "act:%s", id);
	web_order_key(w, what, out);
}

/* The absolute URL of the phone's page of activity id. */
static void act_url(const struct web_req *r, const char *id, char *path, size_t pn, char *url, size_t un)
{
	char key[WEB_ORDER_KEY_LEN + 1];
	act_key(r->w, id, key);
	snprintf(path, pn, "/a/%s?k=%s", id, key);
	snprintf(url, un, "http://%s%s", r->host[0] ? r->host : r->w->listen, path);
}

int web_activity_qr(struct web_req *r)
{
	struct app_account acct;
	struct app_activity x;
	char path[APP_ID_MAX + 40], url[sizeof(r->host) + sizeof(path) + 16];
	const char *id = web_q(r, "id");
	int rc;
	if (!act_admin(r, &acct, false))
		return 0;
	if ((rc = app_activity_find(&r->w->app, id ? id : "", &x)))
		return web_refused(r, web_status(rc), rc);
	act_url(r, x.id, path, sizeof(path), url, sizeof(url));
	web_begin(r, "活动签到");
	web_raw(&r->out, "<p class=\"msg\"><b>");
	web_esc(&r->out, x.title);
	web_raw(&r->out, "</b><br>志愿者用手机扫码，输入手机号和 PIN 签到、签退。</p><div class=\"qr\" id=\"qr\">");
	if ((rc = web_qr_svg(&r->out, url)))
		return rc;
	web_raw(&r->out, "</div><p class=\"link\" id=\"qr-url\">");
	web_esc(&r->out, url);
	web_raw(&r->out, "</p><p><a class=\"button second\" href=\"/activity?id=");
	web_esc(&r->out, x.id);
	web_raw(&r->out, "\">返回签到名单</a></p>");
	web_end(r);
	return 0;
}

/* The activity of /a/ID when k is its key, else ERR_NOTFOUND. */
static int act_phone_find(struct web_req *r, const char *k, struct app_activity *x)
{
	char want[WEB_ORDER_KEY_LEN + 1];
	const char *id = r->path + 3; /* "/a/" */
	memset(x, 0, sizeof(*x));
	if (!app_id_ok(id) || !k || strlen(k) != WEB_ORDER_KEY_LEN)
		return ERR_NOTFOUND;
	act_key(r->w, id, want);
	if (sodium_memcmp(want, k, WEB_ORDER_KEY_LEN) != 0)
		return ERR_NOTFOUND;
	int rc = app_activity_find(&r->w->app, id, x);
	app_fail_clear(&r->w->app);
	return rc;
}

static int act_phone_page(struct web_req *r, const struct app_activity *x, const char *k, unsigned status,
			  const char *msg, bool ok)
{
	buf_reset(&r->out);
	r->status = status;
	web_begin(r, "活动签到");
	web_raw(&r->out, "<p class=\"msg\"><b id=\"title\">");
	web_esc(&r->out, x->title);
	web_raw(&r->out, "</b><br>");
	act_when(r, x);
	web_raw(&r->out, " · ");
	web_esc(&r->out, x->place);
	web_raw(&r->out, "</p>");
	if (msg) {
		web_raw(&r->out, ok ? "<p class=\"msg ok\" id=\"result\" role=\"status\">"
				    : "<p class=\"msg error\" id=\"result\" role=\"alert\">");
		web_esc(&r->out, msg);
		web_raw(&r->out, "</p>");
	}
	web_raw(&r->out, "<form method=\"post\" action=\"/a/");
	web_esc(&r->out, x->id);
	web_raw(&r->out, "\">");
	web_csrf_field(r);
	web_raw(&r->out, "<input type=\"hidden\" name=\"k\" value=\"");
	web_esc(&r->out, k);
	web_raw(&r->out,
		"\"><label for=\"phone\">手机号</label>"
		"<input id=\"phone\" name=\"phone\" type=\"tel\" inputmode=\"numeric\" autocomplete=\"username\""
		" maxlength=\"20\" required>"
		"<label for=\"pin\">PIN（4–8 位数字）</label>"
		"<input id=\"pin\" name=\"pin\" type=\"password\" inputmode=\"numeric\" autocomplete=\"current-password\""
		" maxlength=\"8\" required>"
		"<button type=\"submit\" name=\"act\" value=\"in\" id=\"in\">签到</button> "
		"<button type=\"submit\" name=\"act\" value=\"out\" id=\"out\" class=\"second\">签退</button></form>"
		"<p class=\"hint\">没有 PIN 请找现场的工作人员签到。</p>");
	web_end(r);
	return 0;
}

int web_activity_phone(struct web_req *r)
{
	struct app_activity x;
	const char *k = web_q(r, "k");
	if (act_phone_find(r, k, &x))
		return web_message(r, 404, "没有这个页面", "没有找到这个签到链接：请重新扫现场的二维码。");
	return act_phone_page(r, &x, k, 200, NULL, false);
}

int web_activity_phone_post(struct web_req *r)
{
	struct app_activity x;
	struct app_account acct;
	struct app_activity_result res;
	struct app_volunteer_found f;
	char msg[1024], h[32];
	const char *k = web_f(r, "k"), *act = web_f(r, "act");
	uint64_t now = web_now_ms(r->w);
	int rc;
	if (act_phone_find(r, k, &x))
		return web_message(r, 404, "没有这个页面", "没有找到这个签到链接：请重新扫现场的二维码。");
	if (!web_csrf_ok(r))
		return act_phone_page(r, &x, k, 403, "页面已过期：请重新输入手机号和 PIN。", false);
	if (!web_limit_ok(r->w->limit, r->client, now))
		return act_phone_page(r, &x, k, 429, "输错次数太多：请过 10 分钟再试，或找现场的工作人员签到。",
				      false);
	web_app_now(r);
	rc = app_account_login(&r->w->app, web_f(r, "phone"), web_f(r, "pin"), &acct);
	if (!rc)
		rc = app_account_active(&r->w->app, &acct);
	if (!rc && !acct.volunteer[0]) {
		sodium_memzero(&acct, sizeof(acct));
		return act_phone_page(r, &x, k, 403, "这个账号不是志愿者账号：请找现场的工作人员签到。", false);
	}
	if (rc) {
		web_limit_note(r->w->limit, r->client, now);
		node_why_text(NODE_LANG_ZH, &r->w->app.fail, rc, msg, sizeof(msg));
		app_fail_clear(&r->w->app);
		return act_phone_page(r, &x, k, rc == ERR_UNAUTH ? 401 : web_status(rc), msg, false);
	}
	bool out = act && strcmp(act, "out") == 0;
	rc = out ? app_activity_checkout(&r->w->app, x.id, acct.volunteer, "phone", &f, &res)
		 : app_activity_checkin(&r->w->app, x.id, acct.volunteer, "phone", &f, &res);
	sodium_memzero(&acct, sizeof(acct));
	if (rc) {
		node_why_text(NODE_LANG_ZH, &r->w->app.fail, rc, msg, sizeof(msg));
		app_fail_clear(&r->w->app);
		return act_phone_page(r, &x, k, web_status(rc), msg, false);
	}
	const char *name = res.v.name[0] ? res.v.name : res.v.id;
	app_real_fmt(res.hours, h, sizeof(h));
	if (out)
		snprintf(msg, sizeof(msg), "%s 已签退，记入 %s 小时、%lld 积分。谢谢您！", name, h, (long long)res.points);
	else
		snprintf(msg, sizeof(msg), "%s 已签到。活动结束时请再扫码签退。", name);
	return act_phone_page(r, &res.act, k, 200, msg, true);
}
