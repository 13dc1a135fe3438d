// SPDX-License-Identifier: MIT
/*
 * hub.c - the county dashboard (看板) at the hub, behind a login with an
 * admin account of the hub (docs/web.md):
 *
 *   GET /hub?by=&from=&to=     orders by station, town, category or month
 *                              (app/report.c), completion, satisfaction,
 *                              hours, points issued and redeemed, over a
 *                              range of days; a bar chart of orders by
 *                              station drawn here as SVG; each station's
 *                              last sync, marked when older than 3 days
 *                              and the service menu (需求清单)
 *   (GET /hub/wishes, /hub/activities: hub_lists.c)
 *   GET /hub/report.csv?...    the same table for Excel on Chinese
 *                              Windows: UTF-8 with a BOM, Chinese
 *                              headers, CRLF line ends
 *
 * Dates are the board's local days: from's midnight to the midnight after
 * to. Nothing here writes.
 */
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "base/err.h"
#include "base/mem.h"
#include "app/account.h"
#include "app/csv.h"
#include "app/range.h"
#include "app/category.h"
#include "app/report.h"
#include "web/pages.h"
#include "web/web_internal.h"

#define HUB_STALE_MS ((uint64_t)3 * 24 * 3600 * 1000)

struct hub_query {
	enum app_report_by by;
	char by_s[16], from[16], to[16]; /* as given when valid, else "" */
	int64_t from_ms, to_ms;
};

/* The query: 0, or the 400 page written (1). */
static int hub_query(struct web_req *r, struct hub_query *q)
{
	const char *by = web_q(r, "by"), *from = web_q(r, "from"), *to = web_q(r, "to");
	memset(q, 0, sizeof(*q));
	q->by = APP_BY_STATION;
	snprintf(q->by_s, sizeof(q->by_s), "station");
	if (by && by[0]) {
		if (app_report_by_parse(by, &q->by)) {
			web_message(r, 400, "参数有误", "分组只能是：站点、乡镇、服务类别、月份、服务队、志愿者。");
			return 1;
		}
		snprintf(q->by_s, sizeof(q->by_s), "%s", by);
	}
	if (from && from[0]) {
		if (!app_day_parse(from, false, &q->from_ms)) {
			web_message(r, 400, "日期有误", "开始日期请写成 2026-01-31 这样。");
			return 1;
		}
		snprintf(q->from, sizeof(q->from), "%s", from);
	}
	if (to && to[0]) {
		if (!app_day_parse(to, true, &q->to_ms)) {
			web_message(r, 400, "日期有误", "结束日期请写成 2026-01-31 这样。");
			return 1;
		}
		snprintf(q->to, sizeof(q->to), "%s", to);
	}
	if (q->from_ms && q->to_ms && q->from_ms >= q->to_ms) {
		web_message(r, 400, "日期有误", "开始日期在结束日期之后：请对调。");
		return 1;
	}
	return 0;
}

/* A hub admin's session, else the login page or 403 (false). */
static bool hub_auth(struct web_req *r)
{
	struct app_account acct;
	if (!web_session_get(r, &acct)) {
		web_login_page(r, 200, NULL);
		return false;
	}
	if (!r->w->app.hub) {
		web_message(r, 404, "没有这个页面", "看板在县级中心：请打开县级中心的网页。");
		return false;
	}
	if (acct.role != APP_ROLE_ADMIN) {
		web_message(r, 403, "没有权限", "看板只有县级中心的管理员能看。");
		return false;
	}
	return true;
}

static const char *hub_by_word(enum app_report_by by)
{
	switch (by) {
	case APP_BY_STATION: return "站点";
	case APP_BY_TOWN: return "乡镇";
	case APP_BY_CATEGORY: return "服务类别";
	case APP_BY_MONTH: return "月份";
	case APP_BY_TEAM: return "服务队";
	case APP_BY_VOLUNTEER: return "志愿者";
	}
	return "";
}

static int64_t hub_finished(const struct app_report_group *g)
{
	return g->st[APP_ST_DONE] + g->st[APP_ST_RATED];
}

/* Orders by station as horizontal bars: per station its name (escaped)
 * on a line, under it the bar and the count. 420 units wide, the width of
 * a phone, so the names stay readable when the chart shrinks to fit. */
static void hub_chart(struct web_req *r, const struct app_report *st)
{
	int64_t max = 1;
	const unsigned row = 52, width = 350;
	for (size_t i = 0; i < st->n; i++)
		if (st->g[i].orders > max)
			max = st->g[i].orders;
	unsigned h = (unsigned)(st->n ? st->n : 1) * row + 8;
	web_rawf(&r->out,
		 "<figure class=\"chart\"><figcaption>各站点点单数</figcaption>"
		 "<svg xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 420 %u\" width=\"420\" height=\"%u\""
		 " role=\"img\" aria-label=\"各站点点单数\">",
		 h, h);
	if (!st->n)
		web_raw(&r->out, "<text x=\"0\" y=\"24\" font-size=\"18\">还没有订单</text>");
	for (size_t i = 0; i < st->n; i++) {
		const struct app_report_group *g = &st->g[i];
		unsigned y = (unsigned)i * row;
		unsigned w = (unsigned)((double)g->orders / (double)max * width);
		w = w ? w : 2;
		web_rawf(&r->out, "<text x=\"0\" y=\"%u\" font-size=\"18\">", y + 19);
		web_esc(&r->out, g->name[0] ? g->name : g->key);
		web_rawf(&r->out,
			 "</text><rect x=\"0\" y=\"%u\" width=\"%u\" height=\"20\" fill=\"#b22222\"></rect>"
			 "<text x=\"%u\" y=\"%u\" font-size=\"18\">%lld</text>",
			 y + 26, w, w + 6, y + 43, (long long)g->orders);
	}
	web_raw(&r->out, "</svg></figure>");
}

static void hub_pct(char *out, size_t n, int64_t part, int64_t whole)
{
	if (whole > 0)
		snprintf(out, n, "%.0f%%", 100.0 * (double)part / (double)whole);
	else
		snprintf(out, n, "-");
}

/* The values of one group as texts, shared by the page and the CSV. */
struct hub_cells {
	char orders[24], done[24], rate[16], rated[24], avg[16], satisfied[16], hours[32], active[24],
		issued[24], redeemed[24], registered[24], new_vols[24], wishes[24], wishes_done[24],
		activities[24], sync[32];
	bool stale;
};

static void hub_cells(const struct web_req *r, const struct app_report *rep,
		      const struct app_report_group *g, struct hub_cells *c)
{
	snprintf(c->orders, sizeof(c->orders), "%lld", (long long)g->orders);
	snprintf(c->done, sizeof(c->done), "%lld", (long long)hub_finished(g));
	hub_pct(c->rate, sizeof(c->rate), hub_finished(g), g->orders);
	snprintf(c->rated, sizeof(c->rated), "%lld", (long long)g->rated);
	if (g->rated)
		snprintf(c->avg, sizeof(c->avg), "%.1f", g->rating_sum / (double)g->rated);
	else
		snprintf(c->avg, sizeof(c->avg), "-");
	hub_pct(c->satisfied, sizeof(c->satisfied), g->satisfied, g->rated);
	app_real_fmt(g->hours, c->hours, sizeof(c->hours));
	snprintf(c->active, sizeof(c->active), "%lld", (long long)g->active);
	snprintf(c->issued, sizeof(c->issued), "%lld", (long long)g->issued);
	snprintf(c->redeemed, sizeof(c->redeemed), "%lld", (long long)g->redeemed);
	snprintf(c->registered, sizeof(c->registered), "%lld", (long long)g->registered);
	snprintf(c->new_vols, sizeof(c->new_vols), "%lld", (long long)g->new_vols);
	snprintf(c->wishes, sizeof(c->wishes), "%lld", (long long)g->wishes);
	snprintf(c->wishes_done, sizeof(c->wishes_done), "%lld", (long long)g->wishes_done);
	snprintf(c->activities, sizeof(c->activities), "%lld", (long long)g->activities);
	c->stale = false;
	c->sync[0] = '\0';
	if (rep->by == APP_BY_STATION && g != &rep->total) {
		uint64_t now = web_now_ms(r->w);
		if (!g->last_sync)
			snprintf(c->sync, sizeof(c->sync), "从未同步");
		else
			app_time_fmt(g->last_sync, c->sync, sizeof(c->sync));
		c->stale = !g->last_sync || (now > g->last_sync && now - g->last_sync > HUB_STALE_MS);
	}
}

/* The columns after the group's; then 活动 when counted, and 最后同步 by
 * station. 活跃志愿者: who did service in the range (report.h). */
static const char *const hub_heads[] = { "点单",     "完成",	 "完成率",   "评价数",	"平均评分", "满意率",
					 "服务时长", "活跃志愿者", "积分发放", "积分兑换", "注册志愿者",
					 "新注册", "微心愿", "已圆梦", "活动" };
#define HUB_NCOLS (sizeof(hub_heads) / sizeof(hub_heads[0]))

/* Columns of hub_heads shown for rep (活动 only when counted). */
static size_t hub_ncols(const struct app_report *rep)
{
	return rep->has_activities ? HUB_NCOLS : HUB_NCOLS - 1;
}

static void hub_values(const struct hub_cells *c, const char *v[HUB_NCOLS])
{
	const char *x[HUB_NCOLS] = { c->orders,	    c->done,	c->rate,       c->rated,    c->avg,
				     c->satisfied,  c->hours,	c->active,     c->issued,   c->redeemed,
				     c->registered, c->new_vols, c->wishes,    c->wishes_done, c->activities };
	memcpy(v, x, sizeof(x));
}

static void hub_row(struct web_req *r, const struct app_report *rep, const struct app_report_group *g,
		    const char *label)
{
	struct hub_cells c;
	const char *v[HUB_NCOLS];
	hub_cells(r, rep, g, &c);
	hub_values(&c, v);
	web_raw(&r->out, c.stale ? "<tr class=\"stale\"><th>" : "<tr><th>");
	web_esc(&r->out, label);
	web_raw(&r->out, "</th>");
	for (size_t i = 0; i < hub_ncols(rep); i++) {
		web_raw(&r->out, "<td>");
		web_esc(&r->out, v[i]);
		web_raw(&r->out, "</td>");
	}
	if (rep->by == APP_BY_STATION) {
		web_raw(&r->out, c.stale ? "<td><b class=\"warn\">" : "<td>");
		web_esc(&r->out, c.sync);
		if (c.stale && g->last_sync)
			web_raw(&r->out, "（超过3天未同步）");
		web_raw(&r->out, c.stale ? "</b></td>" : "</td>");
	}
	web_raw(&r->out, "</tr>");
}

/* The query again, for links (values are checked: digits and dashes). */
static void hub_query_link(struct web_req *r, const struct hub_query *q, const char *path,
			   const char *by)
{
	web_raw(&r->out, path);
	web_raw(&r->out, "?by=");
	web_esc(&r->out, by ? by : q->by_s);
	if (q->from[0]) {
		web_raw(&r->out, "&amp;from=");
		web_esc(&r->out, q->from);
	}
	if (q->to[0]) {
		web_raw(&r->out, "&amp;to=");
		web_esc(&r->out, q->to);
	}
}

/* The service menu (需求清单, app/category.c): the county's list and every
 * station's own, read only (changed with cunlian category at the hub). */
static int hub_menu(struct web_req *r)
{
	struct app_category *v;
	size_t n;
	int rc = app_category_list(&r->w->app, NULL, false, &v, &n);
	if (rc)
		return rc;
	web_raw(&r->out, "<h2 id=\"menu\">需求清单</h2><div class=\"scroll\"><table class=\"report\">"
			 "<tr><th>类别</th><th>站点</th><th>每小时积分</th><th>说明</th></tr>");
	for (size_t i = 0; i < n; i++) {
		char pph[32];
		if (v[i].has_pph)
			app_real_fmt(v[i].points_per_hour, pph, sizeof(pph));
		else
			snprintf(pph, sizeof(pph), "按县设置");
		web_raw(&r->out, "<tr><td>");
		web_esc(&r->out, v[i].name);
		web_raw(&r->out, "</td><td>");
		web_esc(&r->out, v[i].station[0] ? v[i].station : "县级");
		web_raw(&r->out, "</td><td>");
		web_esc(&r->out, pph);
		web_raw(&r->out, "</td><td>");
		web_esc(&r->out, v[i].description);
		web_raw(&r->out, "</td></tr>");
	}
	web_raw(&r->out, "</table></div>");
	mem_free(v);
	return 0;
}

int web_hub(struct web_req *r)
{
	struct hub_query q;
	struct app_report rep, st;
	int rc;
	if (!hub_auth(r) || hub_query(r, &q))
		return 0;
	if ((rc = app_report_build_range(&r->w->app, q.by, q.from_ms, q.to_ms, &rep)))
		return rc;
	/* the chart is by station: the report itself when it is (one build
	 * of a city's report is most of the page's time) */
	memset(&st, 0, sizeof(st));
	if (q.by != APP_BY_STATION &&
	    (rc = app_report_build_range(&r->w->app, APP_BY_STATION, q.from_ms, q.to_ms, &st))) {
		app_report_release(&rep);
		return rc;
	}
	web_begin(r, "县级看板");
	web_raw(&r->out, "<nav class=\"nav\"><a href=\"/hub\">看板</a><a href=\"/hub/wishes\">微心愿</a>"
			 "<a href=\"/hub/activities\">活动</a><a href=\"/display\">大屏</a>"
			 "<form method=\"post\" action=\"/logout\" class=\"inline\">");
	web_csrf_field(r);
	web_raw(&r->out, "<button type=\"submit\" class=\"link\">退出登录</button></form></nav>"
			 "<form method=\"get\" action=\"/hub\" class=\"range\">"
			 "<label for=\"by\">分组</label><select id=\"by\" name=\"by\">");
	static const char *const bys[] = { "station", "town", "category", "month", "team", "volunteer" };
	for (int i = 0; i < 6; i++) {
		web_raw(&r->out, "<option value=\"");
		web_raw(&r->out, bys[i]);
		web_raw(&r->out, strcmp(bys[i], q.by_s) == 0 ? "\" selected>" : "\">");
		web_raw(&r->out, hub_by_word((enum app_report_by)i));
		web_raw(&r->out, "</option>");
	}
	web_raw(&r->out, "</select><label for=\"from\">开始日期</label><input id=\"from\" name=\"from\" type=\"date\" value=\"");
	web_esc(&r->out, q.from);
	web_raw(&r->out, "\"><label for=\"to\">结束日期</label><input id=\"to\" name=\"to\" type=\"date\" value=\"");
	web_esc(&r->out, q.to);
	web_raw(&r->out, "\"><button type=\"submit\">查看</button></form>");

	struct hub_cells tc;
	hub_cells(r, &rep, &rep.total, &tc);
	web_raw(&r->out, "<section class=\"totals\"><p>点单<span class=\"big\">");
	web_esc(&r->out, tc.orders);
	web_raw(&r->out, "</span></p><p>完成<span class=\"big\">");
	web_esc(&r->out, tc.done);
	web_raw(&r->out, "</span></p><p>满意率<span class=\"big\">");
	web_esc(&r->out, tc.satisfied);
	web_raw(&r->out, "</span></p><p>服务时长<span class=\"big\">");
	web_esc(&r->out, tc.hours);
	web_raw(&r->out, "</span>小时</p><p>积分发放<span class=\"big\">");
	web_esc(&r->out, tc.issued);
	web_raw(&r->out, "</span></p><p>积分兑换<span class=\"big\">");
	web_esc(&r->out, tc.redeemed);
	web_raw(&r->out, "</span></p><p>注册志愿者<span class=\"big\">");
	web_esc(&r->out, tc.registered);
	web_raw(&r->out, "</span></p><p>活跃志愿者<span class=\"big\">");
	web_esc(&r->out, tc.active);
	web_raw(&r->out, "</span></p><p>微心愿<span class=\"big\">");
	web_esc(&r->out, tc.wishes);
	web_raw(&r->out, "</span></p></section>");

	hub_chart(r, q.by == APP_BY_STATION ? &rep : &st);

	web_raw(&r->out, "<h2>按");
	web_raw(&r->out, hub_by_word(q.by));
	web_raw(&r->out, "</h2><div class=\"scroll\"><table class=\"report\"><tr><th>");
	web_raw(&r->out, hub_by_word(q.by));
	web_raw(&r->out, "</th>");
	for (size_t i = 0; i < hub_ncols(&rep); i++) {
		web_raw(&r->out, "<th>");
		web_raw(&r->out, hub_heads[i]);
		web_raw(&r->out, "</th>");
	}
	if (q.by == APP_BY_STATION)
		web_raw(&r->out, "<th>最后同步</th>");
	web_raw(&r->out, "</tr>");
	for (size_t i = 0; i < rep.n; i++) {
		const struct app_report_group *g = &rep.g[i];
		char label[APP_NAME_MAX + 32];
		/* by category: a name not on the service menu, marked */
		snprintf(label, sizeof(label), "%s%s", g->name[0] ? g->name : g->key, g->unlisted ? "（不在清单）" : "");
		hub_row(r, &rep, g, label);
	}
	hub_row(r, &rep, &rep.total, "合计");
	web_raw(&r->out, "</table></div><p><a class=\"button\" href=\"");
	hub_query_link(r, &q, "/hub/report.csv", NULL);
	web_raw(&r->out, "\">下载表格（CSV，Excel 可打开）</a></p>");
	rc = hub_menu(r);
	web_end(r);
	app_report_release(&rep);
	app_report_release(&st);
	return rc;
}

/* Groups with a name next to their key (the CSV's 名称 column). */
static bool hub_named(enum app_report_by by)
{
	return by == APP_BY_STATION || by == APP_BY_TOWN || by == APP_BY_TEAM || by == APP_BY_VOLUNTEER;
}

static void hub_csv_row(struct web_req *r, const struct app_report *rep, const struct app_report_group *g,
			const char *key, const char *name)
{
	struct hub_cells c;
	const char *v[HUB_NCOLS];
	size_t n = hub_ncols(rep);
	hub_cells(r, rep, g, &c);
	hub_values(&c, v);
	app_csv_put(&r->out, key, false);
	if (hub_named(rep->by))
		app_csv_put(&r->out, name, false);
	for (size_t i = 0; i < n; i++)
		app_csv_put(&r->out, v[i], i + 1 == n && rep->by != APP_BY_STATION);
	if (rep->by == APP_BY_STATION)
		app_csv_put(&r->out, c.sync, true);
}

int web_hub_csv(struct web_req *r)
{
	struct hub_query q;
	struct app_report rep;
	int rc;
	if (!hub_auth(r) || hub_query(r, &q))
		return 0;
	if ((rc = app_report_build_range(&r->w->app, q.by, q.from_ms, q.to_ms, &rep)))
		return rc;
	r->type = "text/csv; charset=utf-8";
	snprintf(r->disposition, sizeof(r->disposition),
		 "attachment; filename=\"cunlian-report-%s.csv\"", q.by_s);
	buf_put(&r->out, APP_CSV_BOM, 3); /* Excel reads UTF-8 (app/csv.h) */
	app_csv_put(&r->out, hub_by_word(q.by), false);
	if (hub_named(q.by))
		app_csv_put(&r->out, "名称", false);
	for (size_t i = 0; i < hub_ncols(&rep); i++)
		app_csv_put(&r->out, hub_heads[i], i + 1 == hub_ncols(&rep) && q.by != APP_BY_STATION);
	if (q.by == APP_BY_STATION)
		app_csv_put(&r->out, "最后同步", true);
	for (size_t i = 0; i < rep.n; i++)
		hub_csv_row(r, &rep, &rep.g[i], rep.g[i].key, rep.g[i].name);
	hub_csv_row(r, &rep, &rep.total, "合计", "");
	app_report_release(&rep);
	return 0;
}
