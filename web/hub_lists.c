// SPDX-License-Identifier: MIT
/*
 * hub_lists.c - the county dashboard's read-only lists (issue 17), behind
 * a hub admin's login like /hub (docs/web.md):
 *
 *   GET /hub/wishes?state=&station=&page=   every station's micro-wishes
 *                          (app_wish_list): state, station, what, due,
 *                          holder; filtered by state and station
 *   GET /hub/activities?page=               activities (app_activity_list,
 *                          closed ones too): when, where, seats, check-ins
 *
 * HUB_LIST_PAGE rows a page, prev/next links. What a row shows is what
 * `cunlian wish list` and `cunlian activity list` show the hub's admin:
 * no requester, no phone. Nothing here writes; no form posts.
 */
#include <stdio.h>
#include <string.h>

#include "base/err.h"
#include "base/mem.h"
#include "app/account.h"
#include "app/activity.h"
#include "app/wish.h"
#include "web/pages.h"
#include "web/web_internal.h"

#define HUB_LIST_PAGE 50

/* A hub admin's session, else the login page, 404 or 403 (false). */
static bool hub_list_auth(struct web_req *r)
{
	struct app_account acct;
	if (!web_session_get(r, &acct)) {
		web_login_page(r, 200, NULL);
		return false;
	}
	if (!r->w->app.hub) {
		web_message(r, 404, "没有这个页面", "这一页在县级中心：请打开县级中心的网页。");
		return false;
	}
	if (acct.role != APP_ROLE_ADMIN) {
		web_message(r, 403, "没有权限", "这一页只有县级中心的管理员能看。");
		return false;
	}
	return true;
}

/* The page number asked (?page=, default 1): false with the 400 page. */
static bool hub_list_page_no(struct web_req *r, const char *back, int64_t *pg)
{
	const char *page = web_q(r, "page");
	*pg = 1;
	if (page && app_parse_int(page, 1, 1000000, pg)) {
		app_fail_clear(&r->w->app);
		web_message(r, 400, "页码不对", back);
		return false;
	}
	return true;
}

static void hub_list_begin(struct web_req *r, const char *title)
{
	web_begin(r, title);
	web_raw(&r->out, "<nav class=\"nav\"><a href=\"/hub\">看板</a><a href=\"/hub/wishes\">微心愿</a>"
			 "<a href=\"/hub/activities\">活动</a><a href=\"/display\">大屏</a>"
			 "<form method=\"post\" action=\"/logout\" class=\"inline\">");
	web_csrf_field(r);
	web_raw(&r->out, "<button type=\"submit\" class=\"link\">退出登录</button></form></nav>");
}

/* "第 p / n 页，共 total 条" and the links; base ends in '?' or "&amp;". */
static void hub_list_pages(struct web_req *r, const char *base, int64_t pg, size_t total, const char *unit)
{
	size_t pages = (total + HUB_LIST_PAGE - 1) / HUB_LIST_PAGE;
	if (!total)
		return;
	web_rawf(&r->out, "<nav class=\"pages\"><span>第 %lld / %zu 页，共 %zu %s</span>", (long long)pg, pages,
		 total, unit);
	if (pg > 1) {
		web_raw(&r->out, "<a href=\"");
		web_raw(&r->out, base);
		int64_t prev = (size_t)pg - 1 <= pages ? pg - 1 : (int64_t)pages;
		web_rawf(&r->out, "page=%lld\">上一页</a>", (long long)prev);
	}
	if ((size_t)pg < pages) {
		web_raw(&r->out, "<a href=\"");
		web_raw(&r->out, base);
		web_rawf(&r->out, "page=%lld\">下一页</a>", (long long)pg + 1);
	}
	web_raw(&r->out, "</nav>");
}

/* ---- wishes ----------------------------------------------------------------- */

static const char *const hub_wish_states[] = { "published", "claimed", "fulfilled", "thanked", "cancelled" };
static const char *const hub_wish_words[] = { "待认领", "已认领", "已圆梦", "已圆梦 · 已致谢", "已取消" };

static const char *hub_wish_word(const char *status)
{
	const char *s = app_wish_state(status);
	for (size_t i = 0; i < sizeof(hub_wish_states) / sizeof(hub_wish_states[0]); i++)
		if (strcmp(s, hub_wish_states[i]) == 0)
			return hub_wish_words[i];
	return "已派单";
}

struct hub_wishes {
	struct web_req *r;
	size_t n, skip;
};

static int hub_wish_row(void *arg, const struct app_wish *w)
{
	struct hub_wishes *l = arg;
	struct web_req *r = l->r;
	if (++l->n <= l->skip || l->n > l->skip + HUB_LIST_PAGE)
		return 0;
	web_raw(&r->out, "<tr><td><span class=\"tag\">");
	web_raw(&r->out, hub_wish_word(w->o.status));
	web_raw(&r->out, "</span></td><td>");
	web_esc(&r->out, w->o.station);
	web_raw(&r->out, "</td><td class=\"wrap\">");
	web_esc(&r->out, w->o.detail);
	web_raw(&r->out, " <span class=\"id\">");
	web_esc(&r->out, w->o.id);
	web_raw(&r->out, "</span></td><td>");
	web_esc(&r->out, w->o.due);
	if (w->overdue)
		web_raw(&r->out, " <span class=\"late\">已逾期</span>");
	web_raw(&r->out, "</td><td>");
	switch (w->holder) {
	case APP_WISH_NOBODY:
		break;
	case APP_WISH_VOLUNTEER:
		web_raw(&r->out, "志愿者 ");
		break;
	case APP_WISH_TEAM:
		web_raw(&r->out, "队伍 ");
		break;
	case APP_WISH_UNIT:
		web_raw(&r->out, "单位 ");
		break;
	}
	if (w->holder != APP_WISH_NOBODY)
		web_esc(&r->out, w->holder_name[0] ? w->holder_name : w->holder_id);
	web_raw(&r->out, "</td></tr>");
	return 0;
}

int web_hub_wishes(struct web_req *r)
{
	const char *state = web_q(r, "state"), *station = web_q(r, "station");
	int64_t pg;
	int want = -1;
	if (!hub_list_auth(r) ||
	    !hub_list_page_no(r, "地址里的页码不对：请从微心愿页进入，用“上一页”“下一页”翻。", &pg))
		return 0;
	for (int i = 0; state && state[0] && i < 5; i++)
		if (strcmp(state, hub_wish_states[i]) == 0)
			want = i;
	if (state && state[0] && want < 0) {
		web_message(r, 400, "参数有误", "状态只能是：待认领、已认领、已圆梦、已致谢、已取消。");
		return 0;
	}
	if (station && station[0] && !app_id_ok(station)) {
		web_message(r, 400, "站点编号不对", "站点编号只有字母、数字、- 和 _（如 s0001）：请重新填写。");
		return 0;
	}
	const char *st = station && station[0] ? station : NULL;
	struct app_wish_filter f = { .state = want >= 0 ? hub_wish_states[want] : NULL, .station = st };
	struct hub_wishes l = { .r = r, .skip = (size_t)(pg - 1) * HUB_LIST_PAGE };

	hub_list_begin(r, "各站微心愿");
	web_raw(&r->out, "<form method=\"get\" action=\"/hub/wishes\" class=\"range\">"
			 "<label for=\"state\">状态</label><select id=\"state\" name=\"state\">"
			 "<option value=\"\">全部</option>");
	for (int i = 0; i < 5; i++)
		web_rawf(&r->out, "<option value=\"%s\"%s>%s</option>", hub_wish_states[i], i == want ? " selected" : "",
			 hub_wish_words[i]);
	web_raw(&r->out, "</select><label for=\"station\">站点编号（可不填）</label>"
			 "<input id=\"station\" name=\"station\" maxlength=\"32\" autocomplete=\"off\" value=\"");
	web_esc(&r->out, st ? st : "");
	web_raw(&r->out, "\"><button type=\"submit\">查看</button></form>"
			 "<div class=\"scroll\"><table class=\"report list\"><tr><th>状态</th><th>站点</th>"
			 "<th>心愿</th><th>期限</th><th>认领</th></tr>");
	int rc = app_wish_list(&r->w->app, &f, hub_wish_row, &l);
	if (rc)
		return rc;
	web_raw(&r->out, "</table></div>");
	if (!l.n)
		web_raw(&r->out, "<p class=\"msg\">没有这样的微心愿。</p>");
	else if (l.n <= l.skip)
		web_raw(&r->out, "<p class=\"msg\">这一页没有了：请回到第 1 页。</p>");
	/* the filter in the links: a state word and a station id, both checked above */
	char base[128];
	snprintf(base, sizeof(base), "/hub/wishes?state=%s&amp;station=%s&amp;", want >= 0 ? hub_wish_states[want] : "",
		 st ? st : "");
	hub_list_pages(r, base, pg, l.n, "个");
	web_end(r);
	return 0;
}

/* ---- activities ------------------------------------------------------------- */

int web_hub_activities(struct web_req *r)
{
	struct app_activity *v = NULL;
	size_t n = 0;
	int64_t pg;
	char start[32], end[32], hours[32];
	if (!hub_list_auth(r) ||
	    !hub_list_page_no(r, "地址里的页码不对：请从活动页进入，用“上一页”“下一页”翻。", &pg))
		return 0;
	int rc = app_activity_list(&r->w->app, true, 0, 0, &v, &n);
	if (rc)
		return rc;
	hub_list_begin(r, "各站活动");
	web_raw(&r->out, "<div class=\"scroll\"><table class=\"report list\"><tr><th>活动</th><th>站点</th>"
			 "<th>时间</th><th>地点</th><th>名额</th><th>已报名</th><th>候补</th><th>签到</th>"
			 "<th>签退</th><th>时长</th><th>状态</th></tr>");
	size_t skip = (size_t)(pg - 1) * HUB_LIST_PAGE;
	for (size_t i = skip; i < n && i < skip + HUB_LIST_PAGE; i++) {
		const struct app_activity *a = &v[i];
		app_time_fmt((uint64_t)a->start_at, start, sizeof(start));
		app_time_fmt((uint64_t)a->end_at, end, sizeof(end));
		app_real_fmt(a->hours, hours, sizeof(hours));
		web_raw(&r->out, "<tr><td class=\"wrap\">");
		web_esc(&r->out, a->title);
		web_raw(&r->out, " <span class=\"id\">");
		web_esc(&r->out, a->id);
		web_raw(&r->out, "</span></td><td>");
		if (a->station[0])
			web_esc(&r->out, a->station);
		else
			web_raw(&r->out, "全县");
		web_raw(&r->out, "</td><td>");
		web_esc(&r->out, start);
		web_raw(&r->out, " – ");
		web_esc(&r->out, end);
		web_raw(&r->out, "</td><td>");
		web_esc(&r->out, a->place);
		web_rawf(&r->out, "</td><td>%lld</td><td>%lld</td><td>%lld</td><td>%lld</td><td>%lld</td><td>",
			 (long long)a->capacity, (long long)a->seats, (long long)a->waiting,
			 (long long)a->checked_in, (long long)a->checked_out);
		web_esc(&r->out, hours);
		web_raw(&r->out, a->closed ? "</td><td>已结束</td></tr>" : "</td><td>未结束</td></tr>");
	}
	web_raw(&r->out, "</table></div>");
	if (!n)
		web_raw(&r->out, "<p class=\"msg\">还没有活动。</p>");
	else if (n <= skip)
		web_raw(&r->out, "<p class=\"msg\">这一页没有了：请回到第 1 页。</p>");
	hub_list_pages(r, "/hub/activities?", pg, n, "个");
	mem_free(v);
	web_end(r);
	return 0;
}
