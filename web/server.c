// SPDX-License-Identifier: MIT
/*
 * server.c - the HTTP server of the web pages (web.h): libmicrohttpd with
 * one internal thread, bounded connections, bodies and time; the page
 * table's dispatch; the headers every response carries; CSRF tokens.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <microhttpd.h>
#include <sodium.h>

#include "base/err.h"
#include "base/mem.h"
#include "web/form.h"
#include "web/web_internal.h"

#define WEB_CSP                                                                                   \
	"default-src 'none'; style-src 'self'; img-src 'self' data:; script-src 'self';" \
	" form-action 'self'; frame-ancestors 'none'; base-uri 'none'"

/* One connection's upload as it arrives. */
struct web_upload {
	struct buf body;
	bool too_big;
};

static uint64_t web_mono_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

uint64_t web_now_ms(const struct web *w)
{
	return w->wall_ms + (web_mono_ms() - w->mono_ms);
}

const char *web_q(const struct web_req *r, const char *name)
{
	for (size_t i = 0; i < r->nq; i++)
		if (strcmp(r->q[i].name, name) == 0)
			return r->q[i].value;
	return NULL;
}

const char *web_f(const struct web_req *r, const char *name)
{
	for (size_t i = 0; i < r->nf; i++)
		if (strcmp(r->f[i].name, name) == 0)
			return r->f[i].value;
	return NULL;
}

void web_app_now(struct web_req *r)
{
	r->w->app.now_ms = web_now_ms(r->w);
	r->w->app.clock_ok = false; /* judged again for this request's writes */
	app_fail_clear(&r->w->app);
}

/* ---- CSRF ---------------------------------------------------------------- */

/* The token for a binding (the session cookie, or the client and hour). */
static void web_csrf_token(const struct web_req *r, uint64_t hour, char out[2 * 16 + 1])
{
	uint8_t mac[16];
	char what[160];
	if (r->cookie[0])
		snprintf(what, sizeof(what), "s:%s", r->cookie);
	else
		snprintf(what, sizeof(what), "c:%s:%llu", r->client, (unsigned long long)hour);
	crypto_generichash(mac, sizeof(mac), (const uint8_t *)what, strlen(what), r->w->secret,
			   sizeof(r->w->secret));
	sodium_bin2hex(out, 2 * 16 + 1, mac, sizeof(mac));
}

void web_csrf_field(struct web_req *r)
{
	char t[2 * 16 + 1];
	web_csrf_token(r, web_now_ms(r->w) / 3600000, t);
	web_rawf(&r->out, "<input type=\"hidden\" name=\"csrf\" value=\"%s\">", t);
}

bool web_csrf_ok(const struct web_req *r)
{
	const char *got = web_f(r, "csrf");
	uint64_t hour = web_now_ms(r->w) / 3600000;
	char t[2 * 16 + 1];
	if (!got || strlen(got) != 2 * 16)
		return false;
	for (uint64_t k = 0; k < 2 && k <= hour; k++) { /* this hour and the last */
		web_csrf_token(r, hour - k, t);
		if (sodium_memcmp(t, got, sizeof(t) - 1) == 0)
			return true;
	}
	return false;
}

/* ---- a request ----------------------------------------------------------- */

static enum MHD_Result web_query_field(void *cls, enum MHD_ValueKind kind, const char *key,
				       const char *value)
{
	struct web_req *r = cls;
	(void)kind;
	if (r->nq == WEB_FIELDS_MAX || strlen(key) >= sizeof(r->q[0].name) ||
	    (value && strlen(value) > WEB_VALUE_MAX)) {
		r->status = 400;
		return MHD_NO;
	}
	struct web_field *x = &r->q[r->nq];
	if (!(x->value = mem_strndup(value ? value : "", value ? strlen(value) : 0))) {
		r->status = 500;
		return MHD_NO;
	}
	snprintf(x->name, sizeof(x->name), "%s", key);
	r->nq++;
	return MHD_YES;
}

static const struct web_page *web_page_find(const char *method, const char *path)
{
	for (size_t i = 0; i < web_npages; i++) {
		const struct web_page *p = &web_pages[i];
		size_t n = strlen(p->path);
		if (strcmp(p->method, method) != 0)
			continue;
		if (n && p->path[n - 1] == '*' ? strncmp(p->path, path, n - 1) == 0 : strcmp(p->path, path) == 0)
			return p;
	}
	return NULL;
}

static void web_client(struct MHD_Connection *c, char *out, size_t n)
{
	const union MHD_ConnectionInfo *ci = MHD_get_connection_info(c, MHD_CONNECTION_INFO_CLIENT_ADDRESS);
	snprintf(out, n, "?");
	if (!ci || !ci->client_addr)
		return;
	if (ci->client_addr->sa_family == AF_INET)
		inet_ntop(AF_INET, &((const struct sockaddr_in *)ci->client_addr)->sin_addr, out, (socklen_t)n);
	else if (ci->client_addr->sa_family == AF_INET6)
		inet_ntop(AF_INET6, &((const struct sockaddr_in6 *)ci->client_addr)->sin6_addr, out, (socklen_t)n);
}

static enum MHD_Result web_respond(struct MHD_Connection *c, struct web_req *r)
{
	if (r->out.err) { /* the page outgrew WEB_PAGE_MAX or memory */
		buf_reset(&r->out);
		r->out.err = 0;
		web_message(r, 500, "出错了", "页面太大，无法显示。");
	}
	struct MHD_Response *res = MHD_create_response_from_buffer(r->out.len, r->out.data,
								    MHD_RESPMEM_MUST_COPY);
	if (!res)
		return MHD_NO;
	char type[80];
	snprintf(type, sizeof(type), "%s", r->type ? r->type : "text/html; charset=utf-8");
	MHD_add_response_header(res, MHD_HTTP_HEADER_CONTENT_TYPE, type);
	MHD_add_response_header(res, "Content-Security-Policy", WEB_CSP);
	MHD_add_response_header(res, "X-Frame-Options", "DENY");
	MHD_add_response_header(res, "X-Content-Type-Options", "nosniff");
	MHD_add_response_header(res, "Referrer-Policy", "no-referrer");
	MHD_add_response_header(res, MHD_HTTP_HEADER_CACHE_CONTROL, r->cache ? "max-age=3600" : "no-store");
	if (r->location[0])
		MHD_add_response_header(res, MHD_HTTP_HEADER_LOCATION, r->location);
	if (r->set_cookie[0])
		MHD_add_response_header(res, MHD_HTTP_HEADER_SET_COOKIE, r->set_cookie);
	if (r->disposition[0])
		MHD_add_response_header(res, MHD_HTTP_HEADER_CONTENT_DISPOSITION, r->disposition);
	enum MHD_Result ok = MHD_queue_response(c, r->status ? r->status : 200, res);
	MHD_destroy_response(res);
	return ok;
}

/* The Host header when it is a plain host[:port] (letters, digits, '.',
 * '-', ':', '[', ']'), for the absolute URLs of QR codes. */
static void web_host(struct MHD_Connection *c, char *out, size_t n)
{
	const char *v = MHD_lookup_connection_value(c, MHD_HEADER_KIND, MHD_HTTP_HEADER_HOST);
	out[0] = '\0';
	if (v && v[0] && strlen(v) < n &&
	    strspn(v, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789.-:[]") == strlen(v))
		snprintf(out, n, "%s", v);
}

/* The session cookie, as sent (a later file checks what it names). */
static void web_cookie(struct MHD_Connection *c, char *out, size_t n)
{
	const char *v = MHD_lookup_connection_value(c, MHD_COOKIE_KIND, "cunlian");
	out[0] = '\0';
	if (v && strlen(v) < n && strspn(v, "0123456789abcdef") == strlen(v))
		snprintf(out, n, "%s", v);
}

static enum MHD_Result web_handle(void *cls, struct MHD_Connection *c, const char *url,
				  const char *method, const char *version, const char *data,
				  size_t *data_len, void **con_cls)
{
	struct web *w = cls;
	struct web_upload *up = *con_cls;
	(void)version;

	if (!up) { /* the headers: a place for the body */
		if (!(up = mem_calloc(1, sizeof(*up))))
			return MHD_NO;
		buf_init(&up->body, WEB_BODY_MAX);
		*con_cls = up;
		return MHD_YES;
	}
	if (*data_len) { /* a part of the body */
		if (up->body.len + *data_len > WEB_BODY_MAX)
			up->too_big = true;
		else
			buf_put(&up->body, data, *data_len);
		*data_len = 0;
		return MHD_YES;
	}

	struct web_req r;
	memset(&r, 0, sizeof(r));
	r.w = w;
	r.method = method;
	r.path = url;
	buf_init(&r.out, WEB_PAGE_MAX);
	web_client(c, r.client, sizeof(r.client));
	web_cookie(c, r.cookie, sizeof(r.cookie));
	web_host(c, r.host, sizeof(r.host));
	MHD_get_connection_values(c, MHD_GET_ARGUMENT_KIND, web_query_field, &r);
	const struct web_page *p = web_page_find(method, url);
	if (r.status) {
		web_message(&r, r.status, "请求有误", "地址里的参数太多或太长。");
	} else if (up->too_big || up->body.err) {
		web_message(&r, 413, "内容太多", "提交的内容太多，请删减后再试。");
	} else if (!p) {
		web_message(&r, strcmp(method, "GET") == 0 || strcmp(method, "POST") == 0 ? 404 : 405,
			    "没有这个页面", "没有这个页面：请从首页进入。");
	} else if (strcmp(method, "POST") == 0 &&
		   web_form_parse((const char *)up->body.data, up->body.len, r.f, WEB_FIELDS_MAX, &r.nf)) {
		web_message(&r, 400, "请求有误", "提交的内容格式不对，请回到上一页重新填写。");
	} else {
		web_app_now(&r);
		int rc = p->fn(&r);
		if (rc < 0 && r.out.len == 0)
			web_refused(&r, web_status(rc), rc);
	}
	enum MHD_Result ok = web_respond(c, &r);
	web_form_release(r.q, r.nq);
	web_form_release(r.f, r.nf);
	buf_release(&r.out);
	return ok;
}

static void web_done(void *cls, struct MHD_Connection *c, void **con_cls,
		     enum MHD_RequestTerminationCode toe)
{
	struct web_upload *up = *con_cls;
	(void)cls;
	(void)c;
	(void)toe;
	if (up) {
		buf_release(&up->body);
		mem_free(up);
		*con_cls = NULL;
	}
}

/* web.key in the home: the server's secret (CSRF tokens, order links). */
static int web_key(struct web *w, const char *home)
{
	char path[APP_PATH_MAX + 16];
	uint8_t key[WEB_TOKEN_LEN + 1]; /* one more: app_file_read sees the end */
	size_t len = 0;
	snprintf(path, sizeof(path), "%s/web.key", home);
	int rc = app_file_read(path, key, sizeof(key), &len);
	if (rc == 0 && len == sizeof(w->secret)) {
		memcpy(w->secret, key, sizeof(w->secret));
		sodium_memzero(key, sizeof(key));
		return 0;
	}
	sodium_memzero(key, sizeof(key));
	if (rc != ERR_NOTFOUND && rc != 0)
		return rc;
	randombytes_buf(w->secret, sizeof(w->secret));
	return app_file_write(path, w->secret, sizeof(w->secret), 0600);
}

/* "ADDR:PORT" into an IPv4 socket address. */
static int web_addr(const char *listen, struct sockaddr_in *sa)
{
	char host[64];
	const char *colon = strrchr(listen, ':');
	char *end;
	if (!colon || (size_t)(colon - listen) >= sizeof(host))
		return ERR_USAGE;
	memcpy(host, listen, (size_t)(colon - listen));
	host[colon - listen] = '\0';
	unsigned long port = strtoul(colon + 1, &end, 10);
	memset(sa, 0, sizeof(*sa));
	sa->sin_family = AF_INET;
	sa->sin_port = htons((uint16_t)port);
	if (*end || port > 65535 || !colon[1] || inet_pton(AF_INET, host, &sa->sin_addr) != 1)
		return ERR_USAGE;
	return 0;
}

int web_start(struct web **out, const struct web_options *o, char *why, size_t whylen)
{
	struct sockaddr_in sa;
	struct web *w;
	int rc;

	*out = NULL;
	if (why && whylen)
		why[0] = '\0';
	if (web_addr(o->listen, &sa))
		return ERR_USAGE;
	if (!(w = mem_calloc(1, sizeof(*w))))
		return -ENOMEM;
	w->wall_ms = o->wall_ms;
	w->mono_ms = web_mono_ms();
	snprintf(w->listen, sizeof(w->listen), "%s", o->listen);
	snprintf(w->wifi_ssid, sizeof(w->wifi_ssid), "%s", o->wifi_ssid ? o->wifi_ssid : "");
	snprintf(w->wifi_password, sizeof(w->wifi_password), "%s", o->wifi_password ? o->wifi_password : "");
	if (!(w->limit = web_limit_new())) {
		mem_free(w);
		return -ENOMEM;
	}
	app_init(&w->app);
	snprintf(w->app.home, sizeof(w->app.home), "%s", o->home);
	w->app.now_ms = o->wall_ms;
	w->app.access = APP_AUTHORS; /* writes, each in a transaction of its own */
	if ((rc = app_open(&w->app)) || (rc = web_key(w, o->home)))
		goto fail;
	w->d = MHD_start_daemon(MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_POLL, 0, NULL, NULL,
				web_handle, w, MHD_OPTION_SOCK_ADDR, (struct sockaddr *)&sa,
				MHD_OPTION_CONNECTION_LIMIT, (unsigned)WEB_CONNS_MAX,
				MHD_OPTION_PER_IP_CONNECTION_LIMIT, (unsigned)16,
				MHD_OPTION_CONNECTION_TIMEOUT, (unsigned)WEB_TIMEOUT_S,
				MHD_OPTION_CONNECTION_MEMORY_LIMIT, (size_t)64 * 1024,
				MHD_OPTION_NOTIFY_COMPLETED, web_done, w, MHD_OPTION_END);
	if (!w->d) {
		rc = errno ? -errno : -EADDRINUSE;
		goto fail;
	}
	const union MHD_DaemonInfo *di = MHD_get_daemon_info(w->d, MHD_DAEMON_INFO_BIND_PORT);
	w->port = di ? di->port : ntohs(sa.sin_port);
	*out = w;
	return 0;
fail:
	if (why && whylen && w->app.fail.why)
		snprintf(why, whylen, "%s", w->app.fail.arg[0]);
	app_close(&w->app);
	sodium_memzero(w->secret, sizeof(w->secret));
	sodium_memzero(w->wifi_password, sizeof(w->wifi_password));
	web_limit_free(w->limit);
	mem_free(w);
	return rc;
}

void web_stop(struct web *w)
{
	if (!w)
		return;
	MHD_stop_daemon(w->d);
	app_close(&w->app);
	sodium_memzero(w->secret, sizeof(w->secret));
	sodium_memzero(w->sessions, sizeof(w->sessions));
	sodium_memzero(w->wifi_password, sizeof(w->wifi_password));
	web_limit_free(w->limit);
	mem_free(w);
}

unsigned web_port(const struct web *w)
{
	return w->port;
}
