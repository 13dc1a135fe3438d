// SPDX-License-Identifier: MIT
/*
 * bench_http_page.c - the server's time to render the volunteers' order
 * list (GET / of a station admin) with 1,000 orders at the station
 * (issue 16): a station home made with the cunlian program, 1,000 open
 * orders placed through POST /kiosk (each from its own loopback address,
 * as phones), a PIN set with `cunlian account set`, a login through POST
 * /login, then GET / with the session cookie GETS times, one after
 * another. Each GET walks all 1,000 orders (app_order_list), counts them
 * by state and renders the first page of 50; the time is taken at the
 * client over loopback (connect, request, the whole answer), so it is the
 * server's rendering plus a loopback connection, which is a small part.
 * The page must list the orders (a count of 1000 open), else the bench
 * fails.
 *
 * Figures: http_page_ms (the median GET /), http_page_ms_p90, and
 * http_page_kb (the page's size).
 *
 * Usage: bench_http_page [ORDERS] (1000 by default); the program is
 * build/cunlian beside build/bench/, or CUNLIAN_BIN. The helpers that
 * start the program and speak HTTP are bench_http.c's.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdbool.h>
#include <spawn.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "tests/bench/figure.h"

#define ORDERS_MAX 5000
#define GETS 40 /* GET / timed */

#define BENCH_HTTP_TMP "/tmp/cunlian-bench-page-XXXXXX"
#include "tests/bench/http.h"

/* One request with a cookie ("" none); as http() otherwise. */
static int http_cookie(unsigned port, const char *method, const char *path, const char *cookie,
		       const char *form, char *resp, size_t cap)
{
	struct sockaddr_in a = { .sin_family = AF_INET };
	char req[2048];
	int fd = socket(AF_INET, SOCK_STREAM, 0), status = -1;
	size_t got = 0;
	if (fd < 0)
		return -1;
	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	a.sin_port = htons((uint16_t)port);
	int n = snprintf(req, sizeof(req),
			 "%s %s HTTP/1.1\r\nHost: 127.0.0.1:%u\r\nConnection: close\r\n%s%s%s"
			 "Content-Type: application/x-www-form-urlencoded\r\nContent-Length: %zu\r\n\r\n%s",
			 method, path, port, cookie[0] ? "Cookie: cunlian=" : "", cookie, cookie[0] ? "\r\n" : "",
			 form ? strlen(form) : 0, form ? form : "");
	if (connect(fd, (struct sockaddr *)&a, sizeof(a)) || n < 0 || (size_t)n >= sizeof(req) ||
	    write(fd, req, (size_t)n) != n)
		goto out;
	for (ssize_t k; got + 1 < cap && (k = read(fd, resp + got, cap - 1 - got)) > 0;)
		got += (size_t)k;
	resp[got] = '\0';
	if (sscanf(resp, "HTTP/1.1 %d", &status) != 1)
		status = -1;
out:
	close(fd);
	return status;
}

int main(int argc, char **argv)
{
	char st[sizeof(dir) + 8], log[sizeof(dir) + 16], srvlog[sizeof(dir) + 16], pin[sizeof(dir) + 16];
	char listen[32], http_addr[32], src[32], form[512], csrf[40], cookie[80] = "";
	static char resp[1024 * 1024];
	static double t[GETS];
	long orders = argc > 1 ? atol(argv[1]) : 1000;
	size_t page_len = 0;
	pid_t srv = -1;
	int rc = 1;

	if (orders < 1 || orders > ORDERS_MAX) {
		fprintf(stderr, "usage: bench_http_page [ORDERS (1..%d)]\n", ORDERS_MAX);
		return 2;
	}
	if (getenv("CUNLIAN_BIN")) {
		snprintf(bin, sizeof(bin), "%s", getenv("CUNLIAN_BIN"));
	} else {
		const char *slash = strrchr(argv[0], '/');
		int n = slash ? (int)(slash - argv[0]) : 1;
		snprintf(bin, sizeof(bin), "%.*s/../cunlian", n, slash ? argv[0] : ".");
	}
	if (access(bin, X_OK) != 0 || !mkdtemp(dir)) {
		fprintf(stderr, "bench_http_page: %s is not an executable (set CUNLIAN_BIN)\n", bin);
		return 1;
	}
	setenv("LANG", "en_US.UTF-8", 1);
	setenv("CUNLIAN_LANG", "en", 1); /* a home of init speaks Chinese whatever LANG says */
	unsetenv("LC_ALL");
	unsetenv("CUNLIAN_NOW_MS");
	unsetenv("CUNLIAN_HOME");
	snprintf(st, sizeof(st), "%s/s1", dir);
	snprintf(log, sizeof(log), "%s/setup.log", dir);
	snprintf(srvlog, sizeof(srvlog), "%s/serve.log", dir);
	snprintf(pin, sizeof(pin), "%s/pin", dir);
	printf("http page: GET / of a station admin with %ld open orders, %d times\n", orders, GETS);
	FILE *pf = fopen(pin, "w");
	if (!pf || fputs("246813\n", pf) < 0 || fclose(pf) ||
	    run(log, "--home", st, "init", "--station", "s0001", "--name", "东村服务站", NULL) ||
	    run(log, "--home", st, "volunteer", "add", "--name", "王伟", "--phone", "13800001234", NULL) ||
	    run(log, "--home", st, "account", "set", "--volunteer", "王伟", "--role", "admin", "--pin-file", pin,
		NULL)) {
		fprintf(stderr, "bench_http_page: setting up the station failed (see %s)\n", log);
		goto out;
	}
	unsigned hp = tcp_port();
	snprintf(http_addr, sizeof(http_addr), "127.0.0.1:%u", hp);
	snprintf(listen, sizeof(listen), "127.0.0.1:%u", free_port());
	const char *sargs[] = { "--home", st, "serve", "--listen", listen, "--http", http_addr, NULL };
	if ((srv = start(srvlog, sargs)) < 0 || !wait_text(srvlog, "/kiosk", 10)) {
		fprintf(stderr, "bench_http_page: serve --http failed (see %s)\n", srvlog);
		goto out;
	}
	for (long i = 0; i < orders; i++) { /* the orders, as phones place them */
		const char *p;
		snprintf(src, sizeof(src), "127.1.%ld.%ld", i / 250, i % 250 + 1);
		if (http(src, hp, "GET", "/kiosk", NULL, resp, sizeof(resp)) != 200 ||
		    !(p = strstr(resp, "name=\"csrf\" value=\"")) || sscanf(p + 19, "%32[0-9a-f]", csrf) != 1) {
			fprintf(stderr, "bench_http_page: GET /kiosk from %s failed\n", src);
			goto out;
		}
		snprintf(form, sizeof(form),
			 "csrf=%s&category=%%E5%%8A%%A9%%E8%%80%%81&detail=bench+%ld&requester=r%ld&phone=137%08ld", csrf,
			 i, i, i);
		if (http(src, hp, "POST", "/kiosk", form, resp, sizeof(resp)) != 200) {
			fprintf(stderr, "bench_http_page: POST /kiosk from %s failed\n", src);
			goto out;
		}
	}
	/* log in as the station's admin */
	const char *p;
	if (http_cookie(hp, "GET", "/", "", NULL, resp, sizeof(resp)) != 200 ||
	    !(p = strstr(resp, "name=\"csrf\" value=\"")) || sscanf(p + 19, "%32[0-9a-f]", csrf) != 1) {
		fprintf(stderr, "bench_http_page: GET / (the login page) failed\n");
		goto out;
	}
	snprintf(form, sizeof(form), "csrf=%s&phone=13800001234&pin=246813", csrf);
	if (http_cookie(hp, "POST", "/login", "", form, resp, sizeof(resp)) != 303 ||
	    !(p = strstr(resp, "Set-Cookie: cunlian=")) || sscanf(p + 20, "%64[0-9a-f]", cookie) != 1) {
		fprintf(stderr, "bench_http_page: the login failed: %.300s\n", resp);
		goto out;
	}
	char want[64];
	snprintf(want, sizeof(want), "待派单 <b>%ld</b>", orders);
	for (int i = 0; i < GETS; i++) {
		double a = now_s();
		if (http_cookie(hp, "GET", "/", cookie, NULL, resp, sizeof(resp)) != 200 || !strstr(resp, want)) {
			fprintf(stderr, "bench_http_page: GET / does not list %ld open orders: %.300s\n", orders, resp);
			goto out;
		}
		t[i] = (now_s() - a) * 1000.0;
		const char *body = strstr(resp, "\r\n\r\n");
		page_len = body ? strlen(body + 4) : 0;
	}
	qsort(t, GETS, sizeof(t[0]), cmp_double);
	bench_figure("http_page_ms", pct(t, GETS, 50), 1, "ms", "(GET / with 1,000 orders, median)");
	bench_figure("http_page_ms_p90", pct(t, GETS, 90), 1, "ms", "");
	bench_figure("http_page_kb", (double)page_len / 1024.0, 1, "KB", "(the page, 50 orders shown)");
	rc = 0;
out:
	stop(srv);
	if (rc == 0) {
		char cmd[sizeof(dir) + 16];
		snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
		if (system(cmd) != 0)
			fprintf(stderr, "bench_http_page: could not remove %s\n", dir);
	} else {
		fprintf(stderr, "bench_http_page: kept %s\n", dir);
	}
	return rc;
}
