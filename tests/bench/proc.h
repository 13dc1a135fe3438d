/* SPDX-License-Identifier: MIT */
/*
 * proc.h - what benchmarks that run the real program share (bench_lossy.c,
 * bench_http.c, bench_http_page.c): the program's path (bin, which the
 * benchmark sets), starting it with its output in a log, waiting for it,
 * for a line of its log, a free loopback port, and percentiles.
 */
#ifndef CUNLIAN_BENCH_PROC_H
#define CUNLIAN_BENCH_PROC_H

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

extern char **environ;

static char bin[PATH_MAX];

static double now_s(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* Start cunlian with args (NULL-terminated), stdout and stderr into log
 * (appended). Returns the pid or -1. */
static pid_t start(const char *log, const char *const *args)
{
	posix_spawn_file_actions_t fa;
	char *argv[32];
	size_t n = 0;
	pid_t pid;
	argv[n++] = bin;
	while (*args && n < 31)
		argv[n++] = (char *)*args++;
	argv[n] = NULL;
	posix_spawn_file_actions_init(&fa);
	posix_spawn_file_actions_addopen(&fa, 1, log, O_WRONLY | O_CREAT | O_APPEND, 0600);
	posix_spawn_file_actions_adddup2(&fa, 1, 2);
	int rc = posix_spawn(&pid, bin, &fa, NULL, argv, environ);
	posix_spawn_file_actions_destroy(&fa);
	return rc ? -1 : pid;
}

/* Wait for pid; its exit status, or -1 when it did not exit normally. */
static int reap(pid_t pid)
{
	int st;
	while (waitpid(pid, &st, 0) < 0)
		if (errno != EINTR)
			return -1;
	return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

/* Run cunlian to the end; its exit status. */
static int run(const char *log, ...)
{
	const char *args[32];
	size_t n = 0;
	va_list ap;
	va_start(ap, log);
	while (n < 31 && (args[n] = va_arg(ap, const char *)))
		n++;
	va_end(ap);
	args[n] = NULL;
	pid_t pid = start(log, args);
	return pid < 0 ? -1 : reap(pid);
}

static void stop(pid_t pid)
{
	if (pid > 0) {
		kill(pid, SIGTERM);
		reap(pid);
	}
}

/* Until text appears in the file at path (up to secs). */
static bool wait_text(const char *path, const char *text, double secs)
{
	double end = now_s() + secs;
	char buf[8192];
	while (now_s() < end) {
		FILE *f = fopen(path, "r");
		if (f) {
			size_t n = fread(buf, 1, sizeof(buf) - 1, f);
			fclose(f);
			buf[n] = '\0';
			if (strstr(buf, text))
				return true;
		}
		usleep(20000);
	}
	return false;
}

/* A UDP port on 127.0.0.1 that is free now. */
static unsigned free_port(void)
{
	struct sockaddr_in a = { .sin_family = AF_INET };
	socklen_t len = sizeof(a);
	int fd = socket(AF_INET, SOCK_DGRAM, 0);
	unsigned port = 0;
	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if (fd >= 0 && bind(fd, (struct sockaddr *)&a, sizeof(a)) == 0 &&
	    getsockname(fd, (struct sockaddr *)&a, &len) == 0)
		port = ntohs(a.sin_port);
	if (fd >= 0)
		close(fd);
	return port;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return x < y ? -1 : x > y;
}

/* Nearest-rank percentile of n sorted values. */
static double pct(const double *v, size_t n, unsigned p)
{
	size_t rank = (n * p + 99) / 100;
	return v[rank ? rank - 1 : 0];
}

#endif
