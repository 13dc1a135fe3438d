// SPDX-License-Identifier: MIT
/*
 * wish.c - the pages of micro-wishes (微心愿, app/wish.h; docs/web.md):
 *
 *   GET  /wishes            the station's wishes: published, claimed,
 *                           fulfilled; publish (admin), claim, release,
 *                           fulfil, as the account may
 *   POST /wishes/add, /wishes/claim, /wishes/release, /wishes/done
 *   GET  /kiosk/wishes      the residents' wish wall: published and
 *                           fulfilled wishes, no names or phones of
 *                           requesters, no login
 *
 * Who may do what (app/wish.c decides what a wish allows, this page who
 * asks): the station's admin publishes wishes residents bring to the
 * station (a wish is published by the station's volunteer, never typed
 * in by anyone at the kiosk: a wish names a person in need, and the
 * station vets it), claims for a volunteer or a unit, fulfils, and
 * releases whoever holds it (force, W4). A volunteer claims a published
 * wish for themselves, and fulfils or releases the ones they hold. Every
 * POST checks the CSRF token first; every write is one app/ operation.
 */
#include <stdio.h>
#include <string.h>

#include "base/err.h"
#include "app/account.h"
#include "app/wish.h"
#include "web/pages.h"
#include "web/web_internal.h"

#define WISH_LIST_MAX 200 /* wishes of one state shown */

static const char *wish_opt(const struct web_req *r, const char *name)
{
	const char *v = web_f(r, name);
	return v && v[0] ? v : NULL;
}

static const char *wish_state_word(const char *status)
{
	const char *s = app_wish_state(status);
	return !strcmp(s, "published") ? "待认领"
	       : !strcmp(s, "claimed") ? "已认领"
	       : !strcmp(s, "fulfilled") ? "已圆梦"
	       : !strcmp(s, "thanked") ? "已圆梦 · 已致谢"
	       : !strcmp(s, "cancelled") ? "已取消"
					  : "已派单";
}

static void wish_holder(struct web_req *r, const struct app_wish *w)
{
	switch (w->holder) {
	case APP_WISH_NOBODY:
		return;
	case APP_WISH_VOLUNTEER:
		web_raw(&r->out, " · 志愿者 ");
		break;
	case APP_WISH_TEAM:
		web_raw(&r->out, " · 队伍 ");
		break;
	case APP_WISH_UNIT:
		web_raw(&r->out, " · 单位 ");
		break;
	}
	web_esc(&r->out, w->holder_name[0] ? w->holder_name : w->holder_id);
}

static void wish_form(struct web_req *r, const char *action, const char *id)
{
	web_raw(&r->out, "<form method=\"post\" action=\"");
	web_raw(&r->out, action);
	web_raw(&r->out, "\">");
	web_csrf_field(r);
	web_raw(&r->out, "<input type=\"hidden\" name=\"id\" value=\"");
	web_esc(&r->out, id);
	web_raw(&r->out, "\">");
}

/* Does acct hold w (a volunteer account claimed it)? */
static bool wish_mine(const struct app_account *acct, const struct app_wish *w)
{
	return acct->volunteer[0] && w->holder == APP_WISH_VOLUNTEER && strcmp(w->holder_id, acct->volunteer) == 0;
}

struct wish_page {
	struct web_req *r;
	const struct app_account *acct; /* NULL: the kiosk's wall */
	size_t n;
};

static int wish_row(void *arg, const struct app_wish *w)
{
	struct wish_page *p = arg;
	struct web_req *r = p->r;
	const struct app_account *acct = p->acct;
	bool admin = acct && acct->role == APP_ROLE_ADMIN;
	if (++p->n > WISH_LIST_MAX)
		return 0;
	web_raw(&r->out, "<li class=\"order wish st-");
	web_esc(&r->out, w->o.status);
	web_raw(&r->out, "\" id=\"w-");
	web_esc(&r->out, w->o.id);
	web_raw(&r->out, "\"><b>");
	web_esc(&r->out, w->o.detail);
	web_raw(&r->out, "</b> <span class=\"tag\">");
	web_raw(&r->out, wish_state_word(w->o.status));
	web_raw(&r->out, "</span>");
	if (acct) {
		web_raw(&r->out, " <span class=\"id\">");
		web_esc(&r->out, w->o.id);
		web_raw(&r->out, "</span>");
	}
	web_raw(&r->out, "<div class=\"meta\">");
	if (w->o.beneficiary[0]) {
		web_raw(&r->out, "为 ");
		web_esc(&r->out, w->o.beneficiary);
	}
	if (w->o.due[0]) {
		web_raw(&r->out, " · ");
		web_esc(&r->out, w->o.due);
		web_raw(&r->out, " 前");
		if (w->overdue)
			web_raw(&r->out, " <span class=\"late\">已逾期</span>");
	}
	wish_holder(r, w);
	web_raw(&r->out, "</div>");
	if (w->note[0]) {
		web_raw(&r->out, "<div class=\"note\">圆梦：");
		web_esc(&r->out, w->note);
		web_raw(&r->out, "</div>");
	}
	bool open = !strcmp(w->o.status, "open"), claimed = !strcmp(w->o.status, "accepted");
	if (acct && open && (admin || acct->volunteer[0])) {
		wish_form(r, "/wishes/claim", w->o.id);
		if (admin)
			web_raw(&r->out, "<label>认领的志愿者（姓名、手机号或编号）"
					 "<input name=\"volunteer\" maxlength=\"40\"></label>"
					 "<label>或认领单位（如 县供电所）<input name=\"unit\" maxlength=\"128\"></label>");
		web_raw(&r->out, admin ? "<button type=\"submit\">认领</button></form>"
				       : "<button type=\"submit\">我来认领</button></form>");
	}
	if (acct && claimed && (admin || wish_mine(acct, w))) {
		wish_form(r, "/wishes/done", w->o.id);
		web_raw(&r->out, "<label>做了什么（必填）<input name=\"note\" required maxlength=\"1000\"></label>");
		if (w->holder == APP_WISH_VOLUNTEER)
			web_raw(&r->out, "<label>服务时长（小时，可不填）"
					 "<input name=\"hours\" inputmode=\"decimal\" maxlength=\"6\"></label>");
		web_raw(&r->out, "<button type=\"submit\">圆梦</button></form>");
		wish_form(r, "/wishes/release", w->o.id);
		web_raw(&r->out, "<button type=\"submit\" class=\"secondary\">释放认领</button></form>");
	}
	web_raw(&r->out, "</li>");
	return 0;
}

/* The wishes of one state (NULL: all), under a heading. */
static int wish_section(struct web_req *r, const struct app_account *acct, const char *title,
			const char *state)
{
	struct wish_page p = { .r = r, .acct = acct };
	struct app_wish_filter f = { .state = state, .station = r->w->app.hub ? NULL : r->w->app.conf.station };
	web_raw(&r->out, "<h2>");
	web_raw(&r->out, title);
	web_raw(&r->out, "</h2><ul class=\"list orders\">");
	int rc = app_wish_list(&r->w->app, &f, wish_row, &p);
	if (rc)
		return rc;
	web_raw(&r->out, "</ul>");
	if (!p.n)
		web_raw(&r->out, "<p class=\"hint\">没有。</p>");
	else if (p.n > WISH_LIST_MAX)
		web_rawf(&r->out, "<p class=\"hint\">只列出前 %d 个，共 %zu 个：其余的用 cunlian wish list 查看。</p>",
			 WISH_LIST_MAX, p.n);
	return 0;
}

int web_wishes(struct web_req *r)
{
	struct app_account acct;
	int rc;
	if (!web_session_get(r, &acct))
		return web_login_page(r, 200, NULL);
	web_staff_begin(r, &acct, "微心愿");
	if (acct.role == APP_ROLE_ADMIN && !r->w->app.hub) {
		web_raw(&r->out, "<details><summary>登记居民的新心愿</summary>"
				 "<form method=\"post\" action=\"/wishes/add\">");
		web_csrf_field(r);
		web_rawf(&r->out,
			 "<label for=\"what\">心愿（想要什么）</label>"
			 "<textarea id=\"what\" name=\"what\" rows=\"2\" required maxlength=\"%d\""
			 " placeholder=\"例如：想要一台收音机听戏\"></textarea>"
			 "<label for=\"for\">为谁（可不填）</label><input id=\"for\" name=\"for\" maxlength=\"%d\">"
			 "<label for=\"due\">什么时候以前（可不填）</label><input id=\"due\" name=\"due\" type=\"date\">"
			 "<label for=\"requester\">提出心愿的居民（可不填）</label>"
			 "<input id=\"requester\" name=\"requester\" maxlength=\"%d\">"
			 "<label for=\"phone\">联系电话（可不填）</label>"
			 "<input id=\"phone\" name=\"phone\" type=\"tel\" inputmode=\"tel\" maxlength=\"20\">"
			 "<button type=\"submit\">发布心愿</button></form></details>",
			 APP_TEXT_MAX, APP_NAME_MAX, APP_NAME_MAX);
	}
	if ((rc = wish_section(r, &acct, "待认领", "published")) ||
	    (rc = wish_section(r, &acct, "已认领", "claimed")) ||
	    (rc = wish_section(r, &acct, "已圆梦", "fulfilled")))
		return rc;
	web_end(r);
	return 0;
}

/* A POST of the wish pages: the token, a session, the station's page. */
static bool wish_post(struct web_req *r, struct app_account *acct)
{
	if (!web_csrf_ok(r)) {
		web_message(r, 403, "页面已过期", "表单已过期或来路不明：请回到上一页刷新后重新提交。");
		return false;
	}
	if (!web_session_get(r, acct)) {
		web_login_page(r, 200, NULL);
		return false;
	}
	return true;
}

static int wish_forbidden(struct web_req *r)
{
	buf_reset(&r->out);
	return web_message(r, 403, "没有权限", "这个操作只有站点管理员或认领的志愿者本人能做：请找管理员办理。");
}

static int wish_back(struct web_req *r, const char *id)
{
	r->status = 303;
	snprintf(r->location, sizeof(r->location), "/wishes#w-%s", app_id_ok(id) ? id : "");
	buf_reset(&r->out);
	return 0;
}

int web_wish_add(struct web_req *r)
{
	struct app_account acct;
	struct app_wish w;
	if (!wish_post(r, &acct))
		return 0;
	if (acct.role != APP_ROLE_ADMIN || r->w->app.hub)
		return wish_forbidden(r);
	struct app_wish_new in = { .what = wish_opt(r, "what"),
				   .for_whom = wish_opt(r, "for"),
				   .due = wish_opt(r, "due"),
				   .requester = wish_opt(r, "requester"),
				   .phone = wish_opt(r, "phone") };
	int rc = app_wish_add(&r->w->app, &in, &w);
	if (rc)
		return web_refused(r, web_status(rc), rc);
	return wish_back(r, w.o.id);
}

/* The wish a POST names, loaded (0), or the page written (1). */
static int wish_posted(struct web_req *r, struct app_account *acct, struct app_wish *w)
{
	if (!wish_post(r, acct))
		return 1;
	const char *id = web_f(r, "id");
	int rc = app_wish_load(&r->w->app, id ? id : "", w);
	if (rc) {
		web_refused(r, web_status(rc), rc);
		return 1;
	}
	return 0;
}

int web_wish_claim(struct web_req *r)
{
	struct app_account acct;
	struct app_wish w, after;
	struct app_volunteer_found f;
	if (wish_posted(r, &acct, &w))
		return 0;
	struct app_wish_who who = { 0 };
	if (acct.role == APP_ROLE_ADMIN) {
		who.volunteer = wish_opt(r, "volunteer");
		who.unit = wish_opt(r, "unit");
	} else if (acct.volunteer[0]) {
		who.volunteer = acct.volunteer; /* a volunteer claims for themselves */
	} else {
		return wish_forbidden(r);
	}
	memset(&f, 0, sizeof(f));
	int rc = app_wish_claim(&r->w->app, w.o.id, &who, &f, &after);
	if (rc)
		return web_refused(r, web_status(rc), rc);
	return wish_back(r, w.o.id);
}

int web_wish_release(struct web_req *r)
{
	struct app_account acct;
	struct app_wish w, after;
	struct app_volunteer_found f;
	if (wish_posted(r, &acct, &w))
		return 0;
	bool admin = acct.role == APP_ROLE_ADMIN;
	if (!admin && !wish_mine(&acct, &w))
		return wish_forbidden(r);
	struct app_wish_who by = { .volunteer = acct.volunteer };
	memset(&f, 0, sizeof(f));
	/* W4: the claimant releases it; the admin, whoever holds it */
	int rc = app_wish_release(&r->w->app, w.o.id, admin ? NULL : &by, admin, NULL, &f, &after);
	if (rc)
		return web_refused(r, web_status(rc), rc);
	return wish_back(r, w.o.id);
}

int web_wish_done(struct web_req *r)
{
	struct app_account acct;
	struct app_wish w, after;
	struct app_order_result res;
	if (wish_posted(r, &acct, &w))
		return 0;
	if (acct.role != APP_ROLE_ADMIN && !wish_mine(&acct, &w))
		return wish_forbidden(r);
	int rc = app_wish_done(&r->w->app, w.o.id, wish_opt(r, "note"), wish_opt(r, "hours"), &after, &res);
	if (rc)
		return web_refused(r, web_status(rc), rc);
	return wish_back(r, w.o.id);
}

/* ---- the residents' wall -------------------------------------------------- */

int web_kiosk_wishes(struct web_req *r)
{
	int rc;
	web_begin(r, "微心愿");
	web_raw(&r->out, "<p class=\"lead\">村里居民的微心愿。想帮忙圆梦的，请到服务站认领；"
			 "想许个心愿，请到服务站找工作人员登记。</p>");
	struct app_wish_filter pub = { .state = "published", .station = r->w->app.conf.station };
	struct app_wish_filter ful = { .state = "fulfilled", .station = r->w->app.conf.station };
	struct wish_page p = { .r = r };
	web_raw(&r->out, "<h2>等待认领</h2><ul class=\"list orders\">");
	if ((rc = app_wish_list(&r->w->app, &pub, wish_row, &p)))
		return rc;
	web_raw(&r->out, "</ul>");
	if (!p.n)
		web_raw(&r->out, "<p class=\"hint\">现在没有等待认领的心愿。</p>");
	p.n = 0;
	web_raw(&r->out, "<h2>已经圆梦</h2><ul class=\"list orders\">");
	if ((rc = app_wish_list(&r->w->app, &ful, wish_row, &p)))
		return rc;
	web_raw(&r->out, "</ul><p><a class=\"button\" href=\"/kiosk\">回到点单页</a></p>");
	web_end(r);
	return 0;
}
