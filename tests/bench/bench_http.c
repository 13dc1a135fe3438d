// SPDX-License-Identifier: MIT
/*
 * bench_http.c - orders placed through the residents' web page, end to
 * end and durable (issue 16): a station home made with the cunlian
 * program runs `cunlian serve --http 127.0.0.1:P` and this program plays
 * phones one after another, each from its own loopback address 127.1.x.y
 * (as phones on the station's Wi-Fi; the limit of orders per client stays
 * what it is): GET /kiosk for the form's csrf token, then POST /kiosk
 * with category, detail, requester and phone, and reads the answer page
 * with the new order's id. Each POST returns after app_order_add's
 * transaction is on disk. After the last order the server is stopped and
 * `cunlian --json order list` must hold every acknowledged order, else
 * the bench fails.
 *
 * Figures: http_orders_per_s (orders acknowledged per second, each
 * counted from the GET of the form to the end of the answer), and
 * http_order_ms_p50 / http_order_ms_p90 (one phone's GET + POST).
 *
 * Usage: bench_http [ORDERS] (300 by default); the program is
 * build/cunlian beside build/bench/, or CUNLIAN_BIN.
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

#define BENCH_HTTP_TMP "/tmp/cunlian-bench-http-XXXXXX"
#include "tests/bench/http.h"

int main(int argc, char **argv)
{
	char st[sizeof(dir) + 8], log[sizeof(dir) + 16], srvlog[sizeof(dir) + 16], list[sizeof(dir) + 16];
	char listen[32], http_addr[32], src[32], form[512], csrf[40];
	static char resp[256 * 1024];
	static double t[ORDERS_MAX];
	long orders = argc > 1 ? atol(argv[1]) : 300;
	pid_t srv = -1;
	int rc = 1;

	if (orders < 1 || orders > ORDERS_MAX) {
		fprintf(stderr, "usage: bench_http [ORDERS (1..%d)]\n", ORDERS_MAX);
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
		fprintf(stderr, "bench_http: %s is not an executable (set CUNLIAN_BIN)\n", bin);
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
	snprintf(list, sizeof(list), "%s/list.json", dir);
	printf("http: %ld orders through GET + POST /kiosk, one phone after another, each from its own address\n",
	       orders);
	if (run(log, "--home", st, "init", "--station", "s0001", "--name", "东村服务站", NULL)) {
		fprintf(stderr, "bench_http: init failed (see %s)\n", log);
		goto out;
	}
	unsigned hp = tcp_port();
	snprintf(http_addr, sizeof(http_addr), "127.0.0.1:%u", hp);
	snprintf(listen, sizeof(listen), "127.0.0.1:%u", free_port());
	const char *sargs[] = { "--home", st, "serve", "--listen", listen, "--http", http_addr, NULL };
	if ((srv = start(srvlog, sargs)) < 0 || !wait_text(srvlog, "/kiosk", 10)) {
		fprintf(stderr, "bench_http: serve --http failed (see %s)\n", srvlog);
		goto out;
	}
	double t0 = now_s();
	for (long i = 0; i < orders; i++) {
		snprintf(src, sizeof(src), "127.1.%ld.%ld", i / 250, i % 250 + 1);
		double a = now_s();
		const char *p;
		if (http(src, hp, "GET", "/kiosk", NULL, resp, sizeof(resp)) != 200 ||
		    !(p = strstr(resp, "name=\"csrf\" value=\"")) || sscanf(p + 19, "%32[0-9a-f]", csrf) != 1) {
			fprintf(stderr, "bench_http: GET /kiosk from %s failed\n", src);
			goto out;
		}
		snprintf(form, sizeof(form),
			 "csrf=%s&category=%%E5%%8A%%A9%%E8%%80%%81&detail=bench+%ld&requester=r%ld&phone=137%08ld", csrf,
			 i, i, i);
		if (http(src, hp, "POST", "/kiosk", form, resp, sizeof(resp)) != 200 ||
		    !strstr(resp, "id=\"order-id\">s0001-o")) {
			fprintf(stderr, "bench_http: POST /kiosk from %s was not acknowledged: %.300s\n", src, resp);
			goto out;
		}
		t[i] = (now_s() - a) * 1000.0;
	}
	double total = now_s() - t0;
	stop(srv);
	srv = -1;
	/* durable: every acknowledged order is in the list after serve stopped */
	if (run(list, "--home", st, "--json", "order", "list", NULL)) {
		fprintf(stderr, "bench_http: order list failed (see %s)\n", list);
		goto out;
	}
	FILE *f = fopen(list, "r");
	long found = 0;
	if (f) {
		size_t n = fread(resp, 1, sizeof(resp) - 1, f);
		fclose(f);
		resp[n] = '\0';
		for (const char *p = resp; (p = strstr(p, "\"status\":\"open\"")); p++)
			found++;
	}
	if (found != orders) {
		fprintf(stderr, "bench_http: %ld orders acknowledged, %ld in the list\n", orders, found);
		goto out;
	}
	qsort(t, (size_t)orders, sizeof(t[0]), cmp_double);
	bench_figure("http_orders_per_s", (double)orders / total, 1, "/s", "(durable, GET + POST /kiosk)");
	bench_figure("http_order_ms_p50", pct(t, (size_t)orders, 50), 1, "ms", "(one phone's GET + POST)");
	bench_figure("http_order_ms_p90", pct(t, (size_t)orders, 90), 1, "ms", "");
	rc = 0;
out:
	stop(srv);
	if (rc == 0) {
		char cmd[sizeof(dir) + 16];
		snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
		if (system(cmd) != 0)
			fprintf(stderr, "bench_http: could not remove %s\n", dir);
	} else {
		fprintf(stderr, "bench_http: kept %s\n", dir);
	}
	return rc;
}
