/* SPDX-License-Identifier: MIT */
/*
 * http.h - what the web benchmarks share (bench_http.c, bench_http_page.c):
 * a real `cunlian serve --http` on loopback, its home, and plain HTTP
 * requests to it. Define BENCH_HTTP_TMP (a mkdtemp template) first.
 */
#ifndef CUNLIAN_BENCH_HTTP_H
#define CUNLIAN_BENCH_HTTP_H

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
#include "tests/bench/proc.h"

#ifndef BENCH_HTTP_TMP
#error "define BENCH_HTTP_TMP before including tests/bench/http.h"
#endif

static char dir[] = BENCH_HTTP_TMP;

/* One HTTP request from the loopback address src to 127.0.0.1:port; the
 * answer (headers and body) into resp (cap bytes, NUL-terminated). The
 * status, or -1. */
static int http(const char *src, unsigned port, const char *method, const char *path, const char *form,
		char *resp, size_t cap)
{
	struct sockaddr_in a = { .sin_family = AF_INET }, s = { .sin_family = AF_INET };
	char req[2048];
	int fd = socket(AF_INET, SOCK_STREAM, 0), status = -1;
	size_t got = 0;
	if (fd < 0)
		return -1;
	inet_pton(AF_INET, src, &s.sin_addr);
	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	a.sin_port = htons((uint16_t)port);
	int n = snprintf(req, sizeof(req),
			 "%s %s HTTP/1.1\r\nHost: 127.0.0.1:%u\r\nConnection: close\r\n"
			 "Content-Type: application/x-www-form-urlencoded\r\nContent-Length: %zu\r\n\r\n%s",
			 method, path, port, form ? strlen(form) : 0, form ? form : "");
	if (bind(fd, (struct sockaddr *)&s, sizeof(s)) || connect(fd, (struct sockaddr *)&a, sizeof(a)) ||
	    n < 0 || (size_t)n >= sizeof(req) || write(fd, req, (size_t)n) != n)
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

static unsigned tcp_port(void)
{
	struct sockaddr_in a = { .sin_family = AF_INET };
	socklen_t len = sizeof(a);
	int fd = socket(AF_INET, SOCK_STREAM, 0);
	unsigned port = 0;
	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if (fd >= 0 && bind(fd, (struct sockaddr *)&a, sizeof(a)) == 0 &&
	    getsockname(fd, (struct sockaddr *)&a, &len) == 0)
		port = ntohs(a.sin_port);
	if (fd >= 0)
		close(fd);
	return port;
}


#endif
