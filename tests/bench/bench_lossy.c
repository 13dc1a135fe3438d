// SPDX-License-Identifier: MIT
/*
 * bench_lossy.c - one small change over a bad link, as deployed: how long
 * `cunlian sync` takes to bring one new record from a station to the hub
 * when every datagram has a 20 % chance of being lost each way and the
 * round trip is 300 ms (issue 12, part 5).
 *
 * Real processes, real code path: a hub home and an enrolled station home
 * made with the cunlian program, the hub running `cunlian serve` on
 * 127.0.0.1, and per run a fresh `cunlian linksim` relay (loss 0.2, 150 ms
 * one way, its own seed) in front of it. Each run adds one volunteer at
 * the station and times `cunlian sync coap://relay` (the station's
 * default link: node.conf's ack_timeout 2000, retransmit 4, window 8,
 * chunk 2048; HELLO, signed DELTA, ACK, GET /vv) from spawn to exit.
 *
 * A run that does not converge (exit status not 0) is printed loudly,
 * counted in lossy_sync_failed, and enters the distribution as the whole
 * --timeout: it is never dropped. Figures: lossy_sync_p50_s,
 * lossy_sync_p90_s (nearest rank), lossy_sync_max_s, lossy_sync_failed.
 *
 * Usage: bench_lossy [RUNS [FIRST_SEED]] (20 and 1 by default); the
 * program is build/cunlian beside build/bench/, or CUNLIAN_BIN.
 * Prints a table; with BENCH_OUT set, appends "name value" lines there.
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
#include "tests/bench/proc.h"

#define LOSS "0.2"
#define DELAY_MS "150"
#define TIMEOUT_S 60
#define RUNS_MAX 1000

static char dir[] = "/tmp/cunlian-bench-lossy-XXXXXX";

static void figure(const char *name, double v, const char *unit, const char *target)
{
	bench_figure(name, v, 2, unit, target);
}

/* The last line of a file that starts with prefix, into out. */
static void last_line(const char *path, const char *prefix, char *out, size_t n)
{
	char line[1024];
	FILE *f = fopen(path, "r");
	out[0] = '\0';
	if (!f)
		return;
	while (fgets(line, sizeof(line), f))
		if (strncmp(line, prefix, strlen(prefix)) == 0) {
			line[strcspn(line, "\n")] = '\0';
			snprintf(out, n, "%s", line);
		}
	fclose(f);
}

int main(int argc, char **argv)
{
	char hub[sizeof(dir) + 8], st[sizeof(dir) + 8], log[sizeof(dir) + 16], req[sizeof(dir) + 16],
		cert[sizeof(dir) + 16], lsl[sizeof(dir) + 24], syl[sizeof(dir) + 24], cmd[sizeof(dir) + 16];
	char listen[32], peer[48], relay[32], hubaddr[32], seedtxt[24], name[32], phone[16], line[1024];
	long runs = argc > 1 ? atol(argv[1]) : 20, seed0 = argc > 2 ? atol(argv[2]) : 1;
	double t[RUNS_MAX];
	size_t failed = 0;
	pid_t srv = -1;
	int rc = 1;

	if (runs < 1 || runs > RUNS_MAX) {
		fprintf(stderr, "usage: bench_lossy [RUNS (1..%d) [FIRST_SEED]]\n", RUNS_MAX);
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
		fprintf(stderr, "bench_lossy: %s is not an executable (set CUNLIAN_BIN)\n", bin);
		return 1;
	}
	setenv("LANG", "en_US.UTF-8", 1);
	setenv("CUNLIAN_LANG", "en", 1); /* a home of init speaks Chinese whatever LANG says */
	unsetenv("LC_ALL");
	unsetenv("CUNLIAN_NOW_MS");
	unsetenv("CUNLIAN_HOME");
	snprintf(hub, sizeof(hub), "%s/hub", dir);
	snprintf(st, sizeof(st), "%s/s1", dir);
	snprintf(log, sizeof(log), "%s/setup.log", dir);
	snprintf(req, sizeof(req), "%s/s1.req", dir);
	snprintf(cert, sizeof(cert), "%s/s1.cert", dir);
	snprintf(cmd, sizeof(cmd), "%s/hub.log", dir);
	printf("lossy: one small change, station -> hub, `cunlian sync` through `cunlian linksim`\n"
	       "       (loss %s each way, %s ms one way = 300 ms RTT), %ld runs, seeds %ld..%ld,"
	       " --timeout %d\n",
	       LOSS, DELAY_MS, runs, seed0, seed0 + runs - 1, TIMEOUT_S);

	/* a hub, an enrolled station, a little data, one sync without loss */
	if (run(log, "--home", hub, "init", "--station", "county", "--name", "县中心", "--role", "hub", "--level",
		"county", NULL) ||
	    run(log, "--home", st, "init", "--station", "s1", "--name", "东村", "--parent", "t01", NULL) ||
	    run(log, "--home", st, "enroll", "request", req, NULL) ||
	    run(log, "--home", hub, "enroll", "sign", req, "--station", "s1", "--out", cert, NULL) ||
	    run(log, "--home", st, "enroll", "accept", cert, NULL) ||
	    run(log, "--home", st, "volunteer", "add", "--name", "王伟", "--phone", "13800001234", NULL) ||
	    run(log, "--home", hub, "volunteer", "add", "--name", "李娜", "--phone", "13900005678", "--station", "s1",
		NULL)) {
		fprintf(stderr, "bench_lossy: setting up the homes failed (see %s)\n", log);
		goto out;
	}
	unsigned ph = free_port();
	snprintf(listen, sizeof(listen), "127.0.0.1:%u", ph);
	snprintf(hubaddr, sizeof(hubaddr), "127.0.0.1:%u", ph);
	snprintf(peer, sizeof(peer), "coap://127.0.0.1:%u", ph);
	const char *sargs[] = { "--home", hub, "serve", "--listen", listen, NULL };
	if ((srv = start(cmd, sargs)) < 0 || !wait_text(cmd, "serving on", 10) ||
	    run(log, "--home", st, "sync", peer, NULL)) {
		fprintf(stderr, "bench_lossy: the hub or the first sync failed (see %s, %s)\n", cmd, log);
		goto out;
	}

	for (long i = 0; i < runs; i++) {
		long seed = seed0 + i;
		unsigned pl = free_port();
		snprintf(relay, sizeof(relay), "127.0.0.1:%u", pl);
		snprintf(peer, sizeof(peer), "coap://127.0.0.1:%u", pl);
		snprintf(seedtxt, sizeof(seedtxt), "%ld", seed);
		snprintf(lsl, sizeof(lsl), "%s/linksim-%ld.log", dir, seed);
		snprintf(syl, sizeof(syl), "%s/sync-%ld.log", dir, seed);
		snprintf(name, sizeof(name), "志愿者%ld", i);
		snprintf(phone, sizeof(phone), "137%08ld", i);
		if (run(log, "--home", st, "volunteer", "add", "--name", name, "--phone", phone, NULL)) {
			fprintf(stderr, "bench_lossy: volunteer add failed (see %s)\n", log);
			goto out;
		}
		const char *largs[] = { "linksim", "--listen", relay, "--to", hubaddr, "--loss", LOSS, "--delay-ms",
					DELAY_MS, "--seed", seedtxt, NULL };
		pid_t ls = start(lsl, largs);
		if (ls < 0 || !wait_text(lsl, "relay ", 10)) {
			fprintf(stderr, "bench_lossy: linksim did not start (see %s)\n", lsl);
			stop(ls);
			goto out;
		}
		char to[16];
		snprintf(to, sizeof(to), "%d", TIMEOUT_S);
		double t0 = now_s();
		int src = run(syl, "--home", st, "sync", peer, "--timeout", to, NULL);
		double dt = now_s() - t0;
		stop(ls);
		last_line(lsl, "relay stopped", line, sizeof(line));
		if (src == 0) {
			t[i] = dt;
			printf("    run %2ld seed %3ld: %6.2f s  (%s)\n", i + 1, seed, dt, line);
		} else {
			char why[512];
			last_line(syl, "error", why, sizeof(why));
			t[i] = TIMEOUT_S;
			failed++;
			printf("    run %2ld seed %3ld: DID NOT CONVERGE after %.2f s (exit %d: %s), counted as %d s  (%s)\n",
			       i + 1, seed, dt, src, why, TIMEOUT_S, line);
			fprintf(stderr, "bench_lossy: run %ld (seed %ld) DID NOT CONVERGE: exit %d after %.2f s\n",
				i + 1, seed, src, dt);
		}
		fflush(stdout);
	}
	qsort(t, (size_t)runs, sizeof(t[0]), cmp_double);
	figure("lossy_sync_p50_s", pct(t, (size_t)runs, 50), "s", "one change, 20% loss, 300 ms RTT (median)");
	figure("lossy_sync_p90_s", pct(t, (size_t)runs, 90), "s", "target <= 10 (p90)");
	figure("lossy_sync_max_s", t[runs - 1], "s", "slowest run");
	figure("lossy_sync_failed", (double)failed, "runs", "target 0 (did not converge; counted as the timeout)");
	rc = 0;
out:
	stop(srv);
	if (!getenv("CUNLIAN_KEEP_TMP")) {
		char rm[sizeof(dir) + 16];
		snprintf(rm, sizeof(rm), "rm -rf '%s'", dir);
		if (system(rm) != 0)
			rc = 1;
	} else {
		printf("kept %s\n", dir);
	}
	return rc;
}
