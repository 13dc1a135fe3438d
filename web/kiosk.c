// SPDX-License-Identifier: MIT
/*
 * kiosk.c - the residents' pages (docs/web.md), no login:
 *   GET  /kiosk         the ordering page (点单): category, detail, name, phone
 *   POST /kiosk         places the order (app_order_add, as `cunlian order
 *                       add`); the answer shows its id and the order's link
 *   GET  /kiosk/qr      a QR code (SVG) of this station's /kiosk
 *   GET  /kiosk/poster  an A4 poster: the station's name, its Wi-Fi's QR
 *                       code (when configured) and the ordering QR code
 *   GET  /o/ID?k=K      the order's progress; when done, a rating form
 *   POST /o/ID          rates it (app_order_rate): k, csrf, rating, comment
 *
 * The order's link carries K = web_order_key(id): a keyed hash of the id
 * under web.key, so nothing new is stored and only who placed the order
 * (or was given the link) can open it; a wrong or missing K answers the
 * same 404 as an order that does not exist. A page shows only what this
 * request's own resident typed or the order's progress: never another
 * resident's text, never a volunteer's name or phone.
 */
#include <sodium.h>
#include <stdio.h>
#include <string.h>

#include "base/err.h"
#include "app/category.h"
#include "app/order.h"
#include "node/i18n.h"
#include "web/pages.h"
#include "web/web_internal.h"

/* ---- helpers --------------------------------------------------------------- */

void web_order_key(const struct web *w, const char *id, char *out)
{
	static const char b32[] = "abcdefghijklmnopqrstuvwxyz234567";
	uint8_t mac[10];
	char what[APP_ID_MAX + 8];
	snprintf(what, sizeof(what), "order:%s", id);
	crypto_generichash(mac, sizeof(mac), (const uint8_t *)what, strlen(what), w->secret,
			   sizeof(w->secret));
	for (size_t i = 0; i < WEB_ORDER_KEY_LEN; i++) { /* 5 bits each: 80 bits */
		size_t bit = i * 5;
		unsigned v = (unsigned)mac[bit / 8] << 8 | (bit / 8 + 1 < sizeof(mac) ? mac[bit / 8 + 1] : 0);
		out[i] = b32[(v >> (11 - bit % 8)) & 31];
	}
	out[WEB_ORDER_KEY_LEN] = '\0';
	sodium_memzero(mac, sizeof(mac));
}

/* The absolute URL of path on this station: the Host the phone used, else
 * the address the server listens on. */
static void kiosk_url(const struct web_req *r, const char *path, char *out, size_t n)
{
	if (r->host[0])
		snprintf(out, n, "http://%s%s", r->host, path);
	else
		snprintf(out, n, "http://%s%s", r->w->listen, path);
}

/* The status in the words of the command line (node/i18n.c). */
static const char *kiosk_status(const char *s)
{
	static const struct {
		const char *s;
		enum node_msg_id m;
	} words[] = {
		{ "open", M_ST_OPEN },	 { "dispatched", M_ST_DISPATCHED }, { "accepted", M_ST_ACCEPTED },
		{ "done", M_ST_DONE },	 { "rated", M_ST_RATED },	    { "cancelled", M_ST_CANCELLED },
	};
	for (size_t i = 0; i < sizeof(words) / sizeof(words[0]); i++)
		if (strcmp(words[i].s, s) == 0)
			return node_msg(NODE_LANG_ZH, words[i].m);
	return node_msg(NODE_LANG_ZH, M_ST_UNKNOWN);
}

/* A field as typed, with the line breaks of a text box made spaces (an
 * order's texts are one line, as on the command line) and spaces around
 * trimmed; NULL when empty. */
static const char *kiosk_field(const struct web_req *r, const char *name)
{
	char *v = (char *)web_f(r, name);
	if (!v)
		return NULL;
	for (char *p = v; *p; p++)
		if (*p == '\r' || *p == '\n' || *p == '\t')
			*p = ' ';
	size_t n = strlen(v);
	while (n && v[n - 1] == ' ')
		v[--n] = '\0';
	while (*v == ' ')
		v++;
	return *v ? v : NULL;
}

/* A page of one message for a resident: the way back is the ordering
 * page (the site's / is the staff's). */
static int kiosk_msg(struct web_req *r, unsigned status, const char *title, const char *text)
{
	buf_reset(&r->out);
	r->status = status;
	web_begin(r, title);
	web_raw(&r->out, "<p class=\"msg\">");
	web_esc(&r->out, text);
	web_raw(&r->out, "</p><p><a class=\"button\" href=\"/kiosk\">回到点单页</a></p>");
	web_end(r);
	return 0;
}

/* Why app/ refused, in Chinese, with the status of rc. */
static int kiosk_refused(struct web_req *r, int rc)
{
	char text[2048];
	unsigned status = web_status(rc);
	node_why_text(NODE_LANG_ZH, &r->w->app.fail, rc, text, sizeof(text));
	app_fail_clear(&r->w->app);
	return kiosk_msg(r, status, status >= 500 ? "出错了" : "没有办成", text);
}

/* ---- GET /kiosk ------------------------------------------------------------ */

int web_kiosk(struct web_req *r)
{
	struct app_categories cats;
	int rc = app_categories(&r->w->app, &cats);
	if (rc)
		return rc;
	web_begin(r, "点单");
	web_raw(&r->out, "<p class=\"lead\">需要志愿者帮忙？选一类服务，写下需要什么帮助，留下姓名和电话，"
			 "提交后志愿者会和您联系。</p>"
			 "<form method=\"post\" action=\"/kiosk\" class=\"kiosk\">");
	web_csrf_field(r);
	web_raw(&r->out, "<fieldset class=\"cats\"><legend>服务类别</legend>");
	for (size_t i = 0; i < cats.n; i++) {
		web_raw(&r->out, "<label class=\"cat\"><input type=\"radio\" name=\"category\" required value=\"");
		web_esc(&r->out, cats.name[i]);
		web_raw(&r->out, "\"><span>");
		web_esc(&r->out, cats.name[i]);
		web_raw(&r->out, "</span></label>");
	}
	web_rawf(&r->out,
		 "</fieldset>"
		 "<label for=\"detail\">需要什么帮助</label>"
		 "<textarea id=\"detail\" name=\"detail\" rows=\"3\" required maxlength=\"%d\""
		 " placeholder=\"例如：下周二上午陪同去镇卫生院复查\"></textarea>"
		 "<label for=\"requester\">您的姓名</label>"
		 "<input id=\"requester\" name=\"requester\" required maxlength=\"%d\" autocomplete=\"name\">"
		 "<label for=\"phone\">联系电话</label>"
		 "<input id=\"phone\" name=\"phone\" type=\"tel\" required maxlength=\"20\""
		 " inputmode=\"tel\" autocomplete=\"tel\">"
		 "<button type=\"submit\">提交点单</button></form>",
		 APP_TEXT_MAX, APP_NAME_MAX);
	web_raw(&r->out, "<section class=\"qr-box\"><img class=\"qr\" src=\"/kiosk/qr\" alt=\"本页的二维码\" "
			 "width=\"180\" height=\"180\"><p>用手机扫这个码，也能在手机上点单。</p></section>"
			 "<p><a href=\"/kiosk/wishes\">看看村里的微心愿</a></p>"); /* wish.c */
	web_end(r);
	return 0;
}

/* ---- POST /kiosk ----------------------------------------------------------- */

int web_kiosk_post(struct web_req *r)
{
	struct web *w = r->w;
	struct app_order_result res;
	char key[WEB_ORDER_KEY_LEN + 1], path[APP_ID_MAX + 64], url[sizeof(r->host) + sizeof(path) + 16];

	if (!web_csrf_ok(r))
		return kiosk_msg(r, 403, "页面已过期", "这个页面打开太久了。请重新打开点单页，再填一次。");
	if (!web_limit_ok(w->limit, r->client, web_now_ms(w))) {
		r->status = 429;
		web_begin(r, "点单太多了");
		web_rawf(&r->out,
			 "<p class=\"msg\">这部手机十分钟内已经点了 %d 单。请过十分钟再试；"
			 "着急的话，请直接到服务站或打电话找站里的工作人员。</p>"
			 "<p><a class=\"button\" href=\"/kiosk\">回到点单页</a></p>",
			 WEB_LIMIT_N);
		web_end(r);
		return 0;
	}
	struct app_order_new in = {
		.category = kiosk_field(r, "category"),
		.detail = kiosk_field(r, "detail"),
		.requester = kiosk_field(r, "requester"),
		.phone = kiosk_field(r, "phone"),
	};
	if (!in.category || !in.detail)
		return kiosk_msg(r, 400, "还差一点",
				   !in.category ? "请选一类服务，再提交。" : "请写下需要什么帮助，再提交。");
	int rc = app_category_offered(&w->app, in.category);
	if (rc == ERR_NOTFOUND)
		return kiosk_msg(r, 400, "还差一点", "请从列表里选一类服务，再提交。");
	if (rc || (rc = app_order_add(&w->app, &in, &res)))
		return kiosk_refused(r, rc);
	web_limit_note(w->limit, r->client, web_now_ms(w));
	web_order_key(w, res.id, key);
	snprintf(path, sizeof(path), "/o/%s?k=%s", res.id, key);
	kiosk_url(r, path, url, sizeof(url));
	web_begin(r, "点单成功");
	web_raw(&r->out, "<p class=\"msg\">您的单号是 <strong class=\"big\" id=\"order-id\">");
	web_esc(&r->out, res.id);
	web_raw(&r->out, "</strong><br>志愿者会尽快和您联系。</p>"
			 "<p>用下面的链接（或用手机扫码）随时查看进度，服务完成后给志愿者评价。"
			 "请收好链接，不要转给别人。</p><p><a class=\"button\" id=\"order-link\" href=\"");
	web_esc(&r->out, path);
	web_raw(&r->out, "\">查看进度</a></p><p class=\"link\">");
	web_esc(&r->out, url);
	web_raw(&r->out, "</p><div class=\"qr\">");
	if ((rc = web_qr_svg(&r->out, url)))
		return rc;
	web_raw(&r->out, "</div><p><a class=\"button second\" href=\"/kiosk\">再点一单</a></p>");
	web_end(r);
	return 0;
}

/* ---- GET /kiosk/qr, /kiosk/poster ------------------------------------------ */

int web_kiosk_qr(struct web_req *r)
{
	char url[sizeof(r->host) + 32];
	kiosk_url(r, "/kiosk", url, sizeof(url));
	r->type = "image/svg+xml";
	web_raw(&r->out, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
	return web_qr_svg(&r->out, url);
}

/* The WIFI: text of a QR code that joins a network: \ ; , : " escaped. */
static void kiosk_wifi_text(const char *ssid, const char *pass, char *out, size_t n)
{
	size_t k = 0;
	const char *parts[] = { "WIFI:T:WPA;S:", ssid, ";P:", pass, ";;" };
	for (size_t i = 0; i < 5; i++) {
		for (const char *p = parts[i]; *p && k + 2 < n; p++) {
			if (i % 2 && strchr("\\;,:\"", *p))
				out[k++] = '\\';
			out[k++] = *p;
		}
	}
	out[k] = '\0';
}

int web_kiosk_poster(struct web_req *r)
{
	struct web *w = r->w;
	char url[sizeof(r->host) + 32], wifi[256];
	int rc;
	const char *station = w->app.conf.name[0] ? w->app.conf.name : w->app.conf.station;
	kiosk_url(r, "/kiosk", url, sizeof(url));
	web_begin(r, "扫码点单");
	web_raw(&r->out, "<div class=\"poster\"><p class=\"poster-name\">");
	web_esc(&r->out, station);
	web_raw(&r->out, "</p><p class=\"poster-lead\">新时代文明实践 · 志愿服务 · 扫码点单</p><div class=\"poster-qrs\">");
	if (w->wifi_ssid[0]) {
		kiosk_wifi_text(w->wifi_ssid, w->wifi_password, wifi, sizeof(wifi));
		web_raw(&r->out, "<figure><div class=\"qr\">");
		rc = web_qr_svg(&r->out, wifi);
		sodium_memzero(wifi, sizeof(wifi));
		if (rc)
			return rc;
		web_raw(&r->out, "</div><figcaption><b>第一步</b>：扫码连上本站 Wi-Fi<br>名称：");
		web_esc(&r->out, w->wifi_ssid);
		if (w->wifi_password[0]) {
			web_raw(&r->out, "<br>密码：");
			web_esc(&r->out, w->wifi_password);
		}
		web_raw(&r->out, "</figcaption></figure>");
	}
	web_raw(&r->out, "<figure><div class=\"qr\">");
	if ((rc = web_qr_svg(&r->out, url)))
		return rc;
	web_rawf(&r->out, "</div><figcaption><b>%s</b>：扫码点单<br>", w->wifi_ssid[0] ? "第二步" : "用手机");
	web_esc(&r->out, url);
	web_raw(&r->out, "</figcaption></figure></div>"
			 "<p class=\"poster-how\">选服务类别，写下需要什么帮助，留下姓名和电话，志愿者会和您联系。"
			 "不用流量，不用下载软件。</p></div>");
	web_end(r);
	return 0;
}

/* ---- GET and POST /o/ID ---------------------------------------------------- */

/* The order of the path /o/ID when k is its key: 0, or ERR_NOTFOUND for
 * an order that is not there and for a wrong key alike. */
static int kiosk_order(struct web_req *r, const char *k, struct app_order *o)
{
	const char *id = r->path + 3;
	char want[WEB_ORDER_KEY_LEN + 1];
	if (!app_id_ok(id) || !k || strlen(k) != WEB_ORDER_KEY_LEN)
		return ERR_NOTFOUND;
	web_order_key(r->w, id, want);
	if (sodium_memcmp(want, k, WEB_ORDER_KEY_LEN) != 0)
		return ERR_NOTFOUND;
	int rc = app_order_load(&r->w->app, id, o);
	app_fail_clear(&r->w->app);
	return rc;
}

static int kiosk_not_found(struct web_req *r)
{
	return kiosk_msg(r, 404, "没有这个页面", "没有找到这个链接。请检查链接是否完整，或问服务站的工作人员。");
}

struct kiosk_steps {
	struct web_req *r;
};

static int kiosk_step(void *arg, const struct app_order_event *e)
{
	struct kiosk_steps *s = arg;
	char at[32];
	app_time_fmt((uint64_t)e->at, at, sizeof(at));
	web_raw(&s->r->out, "<li><span class=\"when\">");
	web_esc(&s->r->out, at);
	web_raw(&s->r->out, "</span> ");
	web_esc(&s->r->out, kiosk_status(e->to));
	web_raw(&s->r->out, "</li>");
	return 0;
}

int web_order_page(struct web_req *r)
{
	struct app_order o;
	const char *k = web_q(r, "k");
	char at[32];
	int rc = kiosk_order(r, k, &o);
	if (rc == ERR_NOTFOUND)
		return kiosk_not_found(r);
	if (rc)
		return rc;
	web_begin(r, "我的点单");
	web_raw(&r->out, "<p class=\"msg\">单号 <strong id=\"order-id\">");
	web_esc(&r->out, o.id);
	web_raw(&r->out, "</strong><br>状态：<strong id=\"order-status\">");
	web_esc(&r->out, kiosk_status(o.status));
	web_raw(&r->out, "</strong><br>服务：");
	web_esc(&r->out, o.category);
	if (o.requester[0]) {
		web_raw(&r->out, "<br>点单人：");
		web_esc(&r->out, o.requester);
	}
	app_time_fmt((uint64_t)o.created_at, at, sizeof(at));
	web_raw(&r->out, "<br>点单时间：");
	web_esc(&r->out, at);
	web_raw(&r->out, "</p><h2>进度</h2><ol class=\"steps\">");
	struct kiosk_steps s = { r };
	if ((rc = app_order_events(&r->w->app, o.id, kiosk_step, &s)))
		return rc;
	web_raw(&r->out, "</ol>");
	if (strcmp(o.status, "done") == 0) {
		web_raw(&r->out, "<h2>给这次服务评价</h2><form method=\"post\" action=\"/o/");
		web_esc(&r->out, o.id);
		web_raw(&r->out, "\" class=\"rate\">");
		web_csrf_field(r);
		web_raw(&r->out, "<input type=\"hidden\" name=\"k\" value=\"");
		web_esc(&r->out, k);
		web_raw(&r->out, "\"><fieldset class=\"stars\"><legend>满意程度</legend>");
		for (int i = 5; i >= 1; i--) {
			web_rawf(&r->out, "<label class=\"star\"><input type=\"radio\" name=\"rating\" value=\"%d\" required>"
					  "<span>",
				 i);
			for (int j = 0; j < i; j++)
				web_raw(&r->out, "★");
			web_rawf(&r->out, " %s</span></label>",
				 i == 5 ? "非常满意" : i == 4 ? "满意" : i == 3 ? "一般" : i == 2 ? "不太满意" : "不满意");
		}
		web_rawf(&r->out, "</fieldset><label for=\"comment\">想说的话（可不填）</label>"
				  "<textarea id=\"comment\" name=\"comment\" rows=\"3\" maxlength=\"%d\"></textarea>"
				  "<button type=\"submit\">提交评价</button></form>",
			 APP_TEXT_MAX);
	} else if (strcmp(o.status, "rated") == 0) {
		web_raw(&r->out, "<p class=\"msg\" id=\"rated\">已评价：");
		for (int64_t j = 0; j < o.rating && j < 5; j++)
			web_raw(&r->out, "★");
		web_raw(&r->out, " 谢谢您！</p>");
	} else if (strcmp(o.status, "cancelled") != 0) {
		web_raw(&r->out, "<p>服务完成后，可以在这里给志愿者评价。</p>");
	}
	web_end(r);
	return 0;
}

int web_order_rate_post(struct web_req *r)
{
	struct app_order o;
	struct app_order_result res;
	const char *k = web_f(r, "k");
	int64_t rating;
	char path[APP_ID_MAX + 64];
	int rc = kiosk_order(r, k, &o);
	if (rc == ERR_NOTFOUND)
		return kiosk_not_found(r);
	if (rc)
		return rc;
	if (!web_csrf_ok(r))
		return kiosk_msg(r, 403, "页面已过期", "这个页面打开太久了。请重新打开查看进度的链接，再评价一次。");
	if ((rc = app_order_rating_parse(&r->w->app, web_f(r, "rating"), &rating)) ||
	    (rc = app_order_rate(&r->w->app, o.id, rating, kiosk_field(r, "comment"), &res)))
		return kiosk_refused(r, rc);
	snprintf(path, sizeof(path), "/o/%s?k=%s", o.id, k);
	r->status = 303;
	snprintf(r->location, sizeof(r->location), "%s", path);
	kiosk_msg(r, 303, "谢谢您的评价", "评价已记下。");
	return 0;
}

/* ---- the stylesheet of these pages (appended to /static/app.css) ---------- */

const char web_kiosk_css[] =
	".lead{margin-top:0}"
	"fieldset{border:0;padding:0;margin:0}"
	"legend{font-weight:bold;margin:.8em 0 .2em;padding:0}"
	".cats{display:grid;grid-template-columns:repeat(auto-fill,minmax(6em,1fr));gap:.5em}"
	".cats legend{grid-column:1/-1}"
	".cat,.star{display:block;margin:0;font-weight:normal;cursor:pointer}"
	".cat input,.star input{position:absolute;opacity:0;width:1px;height:1px}"
	".cat span,.star span{display:block;padding:.7em .3em;text-align:center;border:2px solid #b22222;"
	"border-radius:.4em;background:#fff;min-height:3em}"
	".cat input:checked+span,.star input:checked+span{background:#b22222;color:#fff}"
	".cat input:focus-visible+span,.star input:focus-visible+span{outline:3px solid #1e5aa8}"
	".stars .star{margin:.4em 0}.stars .star span{text-align:left;padding-left:1em;color:#b8860b}"
	".stars .star input:checked+span{color:#fff}"
	".second{background:#666}"
	".link{font-size:.8em;color:#555;word-break:break-all}"
	".qr svg,img.qr{display:block;width:180px;height:180px;max-width:100%;margin:.5em auto}"
	".qr-box{margin-top:2em;text-align:center;color:#555;font-size:.9em}"
	".steps{padding-left:1.4em}.steps .when{color:#555}"
	"h2{font-size:1.15em;margin:1.2em 0 .4em}"
	".poster{text-align:center}"
	".poster-name{font-size:2em;font-weight:bold;margin:.3em 0}"
	".poster-lead{font-size:1.2em;color:#b22222}"
	".poster-qrs{display:flex;flex-wrap:wrap;justify-content:center;gap:2em;margin:1em 0}"
	".poster figure{margin:0;max-width:100%}.poster .qr svg{width:240px;height:240px}"
	".poster figcaption{font-size:1.1em;word-break:break-all}"
	".poster-how{font-size:1.1em}"
	"@page{size:A4;margin:15mm}"
	"@media print{body{background:#fff}header{background:#fff;color:#000}"
	"main{max-width:none}.poster .qr svg{width:70mm;height:70mm}.poster-name{font-size:28pt}}";
