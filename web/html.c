// SPDX-License-Identifier: MIT
/*
 * html.c - writing pages: escaping, the frame every page shares (the
 * viewport for phones, the stylesheet from the board, the station's
 * name), pages of one message, and why app/ refused, in Chinese.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "base/err.h"
#include "node/i18n.h"
#include "web/web_internal.h"

void web_raw(struct buf *b, const char *s)
{
	buf_put(b, s, strlen(s));
}

void web_rawf(struct buf *b, const char *fmt, ...)
{
	char tmp[1024];
	va_list ap;
	va_start(ap, fmt);
	int n = vsnprintf(tmp, sizeof(tmp), fmt, ap);
	va_end(ap);
	if (n < 0 || (size_t)n >= sizeof(tmp)) {
		b->err = ERR_TOOBIG; /* markup of ours never is this long */
		return;
	}
	buf_put(b, tmp, (size_t)n);
}

void web_esc(struct buf *b, const char *s)
{
	for (const unsigned char *p = (const unsigned char *)(s ? s : ""); *p; p++) {
		switch (*p) {
		case '&': web_raw(b, "&amp;"); break;
		case '<': web_raw(b, "&lt;"); break;
		case '>': web_raw(b, "&gt;"); break;
		case '"': web_raw(b, "&quot;"); break;
		case '\'': web_raw(b, "&#39;"); break;
		default:
			if (*p >= 0x20 && *p != 0x7f)
				buf_put(b, p, 1);
			else if (*p == '\n')
				web_raw(b, "<br>");
			break;
		}
	}
}

void web_begin(struct web_req *r, const char *title)
{
	const char *station = r->w->app.conf.name[0] ? r->w->app.conf.name : r->w->app.conf.station;
	web_raw(&r->out, "<!DOCTYPE html>\n<html lang=\"zh-CN\"><head><meta charset=\"utf-8\">"
			 "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">"
			 "<link rel=\"stylesheet\" href=\"/static/app.css\"><title>");
	web_esc(&r->out, title);
	web_raw(&r->out, " - ");
	web_esc(&r->out, station);
	web_raw(&r->out, "</title></head><body><header><span class=\"station\">");
	web_esc(&r->out, station);
	web_raw(&r->out, "</span></header><main><h1>");
	web_esc(&r->out, title);
	web_raw(&r->out, "</h1>");
}

void web_end(struct web_req *r)
{
	web_raw(&r->out, "</main></body></html>\n");
}

int web_message(struct web_req *r, unsigned status, const char *title, const char *text)
{
	r->status = status;
	web_begin(r, title);
	web_raw(&r->out, "<p class=\"msg\">");
	web_esc(&r->out, text);
	web_raw(&r->out, "</p><p><a class=\"button\" href=\"/\">回到首页</a></p>");
	web_end(r);
	return 0;
}

unsigned web_status(int rc)
{
	switch (rc) {
	case ERR_USAGE:
		return 400;
	case ERR_RULE:
	case ERR_UNAUTH:
	case ERR_REVOKED:
	case ERR_CLOCK:
		return 403;
	case ERR_NOTFOUND:
		return 404;
	case ERR_EXISTS:
	case ERR_CONFLICT:
		return 409;
	case -EBUSY:
		return 503;
	default:
		return 500;
	}
}

int web_refused(struct web_req *r, unsigned status, int rc)
{
	char text[2048];
	node_why_text(NODE_LANG_ZH, &r->w->app.fail, rc, text, sizeof(text));
	app_fail_clear(&r->w->app);
	buf_reset(&r->out);
	return web_message(r, status, status >= 500 ? "出错了" : "没有办成", text);
}

/* Large touch targets, CJK fonts the board has, nothing wider than a
 * 360 px phone. */
static const char web_css_text[] =
	"*{box-sizing:border-box}"
	"body{margin:0;font:18px/1.5 \"Noto Sans CJK SC\",\"WenQuanYi Micro Hei\",sans-serif;"
	"color:#222;background:#faf7f2;overflow-wrap:anywhere}"
	"header{background:#b22222;color:#fff;padding:.6em 1em;font-weight:bold}"
	"main{max-width:720px;margin:0 auto;padding:1em}"
	"h1{font-size:1.4em;margin:.2em 0 .8em}"
	"label{display:block;margin:.8em 0 .2em;font-weight:bold}"
	"input,select,textarea,button,.button{font:inherit;width:100%;padding:.7em;border:1px solid #999;"
	"border-radius:.4em;background:#fff}"
	"button,.button{display:block;margin-top:1em;background:#b22222;color:#fff;border:0;"
	"text-align:center;text-decoration:none;min-height:3em}"
	"table{width:100%;border-collapse:collapse}td,th{padding:.4em;border-bottom:1px solid #ddd;"
	"text-align:left}"
	".msg{font-size:1.1em;background:#fff;padding:1em;border-radius:.4em}"
	".big{font-size:2em;font-weight:bold}"
	"img,svg{max-width:100%;height:auto}";

/* The staff pages and the dashboard (staff.c, hub.c). */
static const char web_css_staff[] =
	".nav{display:flex;flex-wrap:wrap;gap:.4em 1em;align-items:center;margin-bottom:.5em}"
	".nav a{font-weight:bold;color:#b22222;padding:.4em 0}"
	"form.inline{display:inline;margin:0}button.link{display:inline;width:auto;min-height:0;margin:0;"
	"padding:.4em 0;background:none;color:#555;text-decoration:underline}"
	".who,.hint,.meta{color:#555;font-size:.9em}.error{border-left:.3em solid #b22222}"
	"ul.orders,ul.list,ul.events{list-style:none;padding:0;margin:0}"
	"li.order,ul.list li,.card{background:#fff;border-radius:.4em;padding:.7em;margin:.6em 0}"
	"li.order>a,ul.list a{display:block;color:#222;text-decoration:none}"
	".tag{display:inline-block;background:#eee;border-radius:.3em;padding:0 .4em;font-size:.85em}"
	".st-open .tag{background:#ffe08a}.st-dispatched .tag{background:#cfe3ff}"
	".st-accepted .tag{background:#d6f5d6}.id{color:#777;font-size:.85em}"
	".stats,.totals{display:flex;flex-wrap:wrap;gap:.4em 1.2em}.stats p,.totals p{margin:.2em 0}"
	".stats .big,.totals .big{display:block;font-size:1.6em}.stars{color:#d4a017}"
	".scroll{overflow-x:auto;max-width:100%}table.report td,table.report th{white-space:nowrap}"
	"tr.stale{background:#fde2e2}.warn{color:#b22222}"
	".chart{margin:1em 0;overflow-x:auto}.chart svg{display:block;max-width:100%;height:auto}"
	"h2{font-size:1.15em;margin:1.2em 0 .3em}main:has(table.report){max-width:1100px}"
	".range{max-width:480px}.kinds,.pages{display:flex;flex-wrap:wrap;gap:.3em .8em;margin:.4em 0}"
	".kinds a,.pages a{color:#b22222;padding:.3em 0}.kinds a.on{font-weight:bold;text-decoration:none}"
	/* micro-wishes (wish.c) */
	"button.secondary{background:#fff;color:#b22222;border:1px solid #b22222}.late{color:#b22222}"
	".st-done .tag,.st-rated .tag{background:#e6e6e6}"
	/* the hub's mark, the lists (issue 17 web) */
	".tag.hub{background:#f6c9c9;color:#8b0000}table.report td.wrap{white-space:normal;min-width:9em}"
	"form.search a{color:#b22222}";

int web_css(struct web_req *r)
{
	r->type = "text/css; charset=utf-8";
	r->cache = true;
	web_raw(&r->out, web_css_text);
	web_raw(&r->out, web_css_staff);
	web_raw(&r->out, web_kiosk_css); /* the residents' pages (kiosk.c) */
	return 0;
}
