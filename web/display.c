// SPDX-License-Identifier: MIT
/*
 * display.c - GET /display, the big screen (大屏) of a station or the hub:
 * orders, finished orders, hours of service and volunteers at work, per
 * station and in all, from the county report (app/report.c). It refreshes
 * itself every minute and shows no personal data: no names, no phones.
 */
#include <stdio.h>

#include "app/report.h"
#include "web/pages.h"
#include "web/web_internal.h"

int web_display(struct web_req *r)
{
	struct app_report rep;
	char hours[32];
	int rc = app_report_build(&r->w->app, APP_BY_STATION, &rep);
	if (rc)
		return rc;
	web_raw(&r->out, "<!DOCTYPE html>\n<html lang=\"zh-CN\"><head><meta charset=\"utf-8\">"
			 "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">"
			 "<meta http-equiv=\"refresh\" content=\"60\">"
			 "<link rel=\"stylesheet\" href=\"/static/app.css\"><title>服务大屏</title></head>"
			 "<body class=\"display\"><header><span class=\"station\">");
	web_esc(&r->out, r->w->app.conf.name);
	web_raw(&r->out, " · 新时代文明实践 志愿服务</span></header><main>");
	app_real_fmt(rep.total.hours, hours, sizeof(hours));
	web_rawf(&r->out,
		 "<section class=\"totals\"><p>点单 <span class=\"big\">%lld</span></p>"
		 "<p>完成 <span class=\"big\">%lld</span></p>"
		 "<p>服务时长 <span class=\"big\">%s</span> 小时</p>"
		 "<p>参与志愿者 <span class=\"big\">%lld</span></p></section>",
		 (long long)rep.total.orders,
		 (long long)(rep.total.st[APP_ST_DONE] + rep.total.st[APP_ST_RATED]), hours,
		 (long long)rep.total.active);
	web_raw(&r->out, "<table><tr><th>站点</th><th>点单</th><th>完成</th><th>时长</th></tr>");
	for (size_t i = 0; i < rep.n; i++) {
		const struct app_report_group *g = &rep.g[i];
		app_real_fmt(g->hours, hours, sizeof(hours));
		web_raw(&r->out, "<tr><td>");
		web_esc(&r->out, g->name[0] ? g->name : g->key);
		web_rawf(&r->out, "</td><td>%lld</td><td>%lld</td><td>%s</td></tr>", (long long)g->orders,
			 (long long)(g->st[APP_ST_DONE] + g->st[APP_ST_RATED]), hours);
	}
	web_raw(&r->out, "</table></main></body></html>\n");
	app_report_release(&rep);
	return 0;
}
