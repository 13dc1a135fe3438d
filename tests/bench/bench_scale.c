// SPDX-License-Identifier: MIT
/*
 * bench_scale.c - the hub at city scale, measured as it runs (issue 15):
 * `make bench-scale`.
 *
 * Build (cached under build/scale/, rebuilt when its parameters change):
 *
 *   1. The standard trace, ../shared/workload/villagegen.py --stations S
 *      --days D --seed 1 --seed-volunteers V (S = 1078, D = 30; V chosen
 *      so that the hub ends with about 320,000 live volunteers), read
 *      from its pipe: its C port beside this program (villagegen.c, the
 *      same bytes, checked at each build; gen_cmd), else villagegen.py.
 *   2. A real hub home made by `cunlian init --role hub` (its county root,
 *      its identity, its statement), and each station enrolled by the
 *      root's statement as `enroll sign` commits it (a root commit in
 *      scope "" through the hub's store).
 *   3. Each station replays its own ops into its own replica (one local
 *      commit per op, in its scope, sealed: hashed, signed with the
 *      station's key and encrypted under its scope key, as a station's
 *      sync context does), and after each day exports what the hub lacks
 *      as the node does for the hub: opened ranges in 1024-byte chunks
 *      (node.conf chunk), zstd with the shipped dictionary. Stations are
 *      replayed by BENCH_SCALE_JOBS worker processes (default 2).
 *   4. The hub, day by day: its own ops of the day committed locally
 *      (sealed by the hub), then every station's chunks of the day
 *      applied one by one, each in its own transaction, as `cunlian
 *      serve` applies a DELTA it receives (sync_chunk_apply, not grouped),
 *      with the daemon's sync options (all scopes applied, others carried,
 *      the county root and the hub's statement, the dictionary). The log
 *      is kept. The build runs with synchronous=OFF: the transactions are
 *      the daemon's, only the fsyncs are left out. Chunks are applied
 *      directly, not through CoAP sessions (building through sessions
 *      would not fit the 10 minutes); the hub's writes are not sent back
 *      to the stations during the build (they do not change the hub).
 *      A copy of the hub after day 1 is kept for hub_sessions_growth.
 *
 * Measure: every figure of the table, through the real program
 * (build/cunlian) where the figure is about what a user or a station sees:
 * `cunlian serve` on a copy of the hub, new enrolled station homes that
 * `cunlian sync` with it over CoAP on 127.0.0.1, `cunlian linksim` for
 * GPRS, `volunteer import`, `report`. LoRa is modelled in-process with
 * the real sessions against the city hub (tests/bench/lora_model.h).
 * Prints each figure with its target and whether it is met; writes
 * build/bench-scale.json (BENCH_SCALE_OUT). Exit 1 when anything failed
 * to converge or a command failed: no figures are written then.
 *
 * The cache's key (build/scale/STAMP): the parameters and the SHA-256 of
 * the product (build/libcunlian.a, build/cunlian), villagegen.py and the
 * dictionary (cache_key); another key builds the hub again.
 *
 * Environment: BENCH_SCALE_STATIONS, BENCH_SCALE_DAYS,
 * BENCH_SCALE_VOLUNTEERS, BENCH_SCALE_JOBS, BENCH_SCALE_GEN (python: run
 * villagegen.py, not its port), BENCH_SCALE_DIR (build/scale),
 * BENCH_SCALE_BOOT_ONLY (the bootstrap figures alone),
 * BENCH_SCALE_OUT (build/bench-scale.json), BENCH_SCALE_SESSIONS (4
 * stations at once), BENCH_SCALE_ROUNDS (3 rounds of them), CUNLIAN_BIN,
 * CUNLIAN_WORKLOAD, CUNLIAN_DICT.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <netinet/in.h>
#include <signal.h>
#include <spawn.h>
#include <sqlite3.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "base/err.h"
#include "base/sha256.h"
#include "sync/dict/sim.h"
#include "sync/sync_internal.h"
#include "node/net.h"
#include "tests/bench/lora_model.h"

extern char **environ;

#define SCALE_FORMAT 3 /* bump when the build changes what it makes */

static char bin[PATH_MAX], dir[1024];
static size_t S = 1078, D = 30, V = 320000, JOBS = 2, K = 4, ROUNDS = 3;
static unsigned SV; /* --seed-volunteers */
static bool failed;

static double now_s(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static uint64_t now_wall_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_REALTIME, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

static void die(const char *what, int rc)
{
	fprintf(stderr, "bench_scale: %s: %s\n", what, rc ? err_str(rc) : "failed");
	exit(1);
}

/* snprintf that refuses to cut a path short. */
#define PATHF(buf, ...)                                                                   \
	do {                                                                              \
		int n_ = snprintf((buf), sizeof(buf), __VA_ARGS__);                       \
		if (n_ < 0 || (size_t)n_ >= sizeof(buf))                                  \
			die("a path is too long", -ENAMETOOLONG);                         \
	} while (0)

static size_t env_num(const char *name, size_t def)
{
	const char *v = getenv(name);
	return v && atol(v) > 0 ? (size_t)atol(v) : def;
}

/* ---- processes ----------------------------------------------------------- */

static pid_t start(const char *log, const char *const *args)
{
	posix_spawn_file_actions_t fa;
	char *argv[40];
	size_t n = 0;
	pid_t pid;
	argv[n++] = bin;
	while (*args && n < 39)
		argv[n++] = (char *)*args++;
	argv[n] = NULL;
	posix_spawn_file_actions_init(&fa);
	posix_spawn_file_actions_addopen(&fa, 1, log, O_WRONLY | O_CREAT | O_APPEND, 0600);
	posix_spawn_file_actions_adddup2(&fa, 1, 2);
	int rc = posix_spawn(&pid, bin, &fa, NULL, argv, environ);
	posix_spawn_file_actions_destroy(&fa);
	return rc ? -1 : pid;
}

static int reap(pid_t pid)
{
	int st;
	while (waitpid(pid, &st, 0) < 0)
		if (errno != EINTR)
			return -1;
	return WIFEXITED(st) ? WEXITSTATUS(st) : 128;
}

/* Run cunlian with the arguments (NULL-terminated); its exit status. */
static int run(const char *log, ...)
{
	const char *args[40];
	size_t n = 0;
	va_list ap;
	va_start(ap, log);
	while (n < 39 && (args[n] = va_arg(ap, const char *)))
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

/* Until text is in the file at path (up to secs), while process pid
 * lives (0: any). */
static bool wait_text_of(pid_t pid, const char *path, const char *text, double secs)
{
	double end = now_s() + secs;
	static char buf[1 << 16];
	while (now_s() < end) {
		if (pid > 0 && kill(pid, 0) != 0)
			return false;
		if (pid > 0) {
			int st;
			if (waitpid(pid, &st, WNOHANG) == pid)
				return false; /* it ended (and is reaped) */
		}
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

static bool wait_text(const char *path, const char *text, double secs)
{
	return wait_text_of(0, path, text, secs);
}

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

/* CPU seconds (user + system) of a live process: its CPU clock (to the
 * nanosecond: a session costs the hub a few ms, /proc's ticks are 10 ms),
 * else /proc/PID/stat. */
static double proc_cpu_s(pid_t pid)
{
	char path[64], buf[2048];
	unsigned long ut = 0, stt = 0;
	clockid_t clk;
	struct timespec ts;
	if (clock_getcpuclockid(pid, &clk) == 0 && clock_gettime(clk, &ts) == 0)
		return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
	PATHF(path, "/proc/%d/stat", (int)pid);
	FILE *f = fopen(path, "r");
	if (!f)
		return -1;
	size_t n = fread(buf, 1, sizeof(buf) - 1, f);
	fclose(f);
	buf[n] = '\0';
	char *p = strrchr(buf, ')');
	if (!p || sscanf(p + 2, "%*c %*d %*d %*d %*d %*d %*u %*u %*u %*u %*u %lu %lu", &ut, &stt) != 2)
		return -1;
	return (double)(ut + stt) / (double)sysconf(_SC_CLK_TCK);
}

/* Peak resident memory of a live process (VmHWM), MB. */
static double proc_peak_mb(pid_t pid)
{
	char path[64], line[256];
	double kb = -1;
	PATHF(path, "/proc/%d/status", (int)pid);
	FILE *f = fopen(path, "r");
	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f))
		if (strncmp(line, "VmHWM:", 6) == 0)
			kb = atof(line + 6);
	fclose(f);
	return kb / 1024.0;
}

/* CPU seconds (user + system) of this process or its reaped children. */
static double cpu_s(int who)
{
	struct rusage ru;
	if (getrusage(who, &ru))
		return 0;
	return (double)(ru.ru_utime.tv_sec + ru.ru_stime.tv_sec) + (double)(ru.ru_utime.tv_usec + ru.ru_stime.tv_usec) / 1e6;
}

static int sh(const char *fmt, ...)
{
	char cmd[4096];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(cmd, sizeof(cmd), fmt, ap);
	va_end(ap);
	return system(cmd) == 0 ? 0 : -1;
}

/* ---- the trace ------------------------------------------------------------ */

struct site_lines {
	char **l;
	size_t n, cap;
};

struct trace_all {
	struct sim_site *st; /* stations s0001.. in order (sim.h layout) */
	struct site_lines hub;
	uint64_t ops;
};

static void lines_add(struct site_lines *s, const char *line)
{
	if (s->n == s->cap) {
		s->cap = s->cap ? s->cap * 2 : 256;
		s->l = realloc(s->l, s->cap * sizeof(*s->l));
		if (!s->l)
			die("out of memory", -ENOMEM);
	}
	if (!(s->l[s->n++] = strdup(line)))
		die("out of memory", -ENOMEM);
}

/*
 * The generator's command for the standard trace with these options:
 * villagegen.py's C port beside this program (tests/bench/villagegen.c,
 * about 8 times faster) while villagegen.py is the version the port was
 * checked against byte for byte (VILLAGEGEN_SHA256;
 * tests/bench/villagegen_check.sh), else villagegen.py itself.
 * BENCH_SCALE_GEN=python always takes villagegen.py.
 */
#define VILLAGEGEN_SHA256 "d3f22d595d61429f87a9e99a4a37b98af4154fac8e5663eb5d01527bf7b0c97b"

static char gen_c[PATH_MAX]; /* the port's path, set by main */

static void file_sha256(const char *path, char out[65]);

static void gen_cmd(char *cmd, size_t cap, size_t stations, size_t days, unsigned sv, const char **which)
{
	char py[PATH_MAX + 32], h[65];
	const char *wl = getenv("CUNLIAN_WORKLOAD") ? getenv("CUNLIAN_WORKLOAD") : "../shared/workload";
	const char *want = getenv("BENCH_SCALE_GEN");
	PATHF(py, "%s/villagegen.py", wl);
	file_sha256(py, h);
	static int same = -1; /* the port checked against villagegen.py here, once */
	bool port = !(want && strcmp(want, "python") == 0) && access(gen_c, X_OK) == 0 &&
		    strcmp(h, VILLAGEGEN_SHA256) == 0;
	if (port && same < 0) {
		const char *o = "--stations 6 --days 3 --seed 1";
		same = sh("mkdir -p '%s' && '%s' %s --seed-volunteers %u > '%s/gen-c.jsonl' &&"
			  " python3 '%s' %s --seed-volunteers %u > '%s/gen-py.jsonl' &&"
			  " cmp -s '%s/gen-c.jsonl' '%s/gen-py.jsonl'",
			  dir, gen_c, o, sv, dir, py, o, sv, dir, dir, dir) == 0;
		sh("rm -f '%s/gen-c.jsonl' '%s/gen-py.jsonl'", dir, dir);
		if (!same)
			fprintf(stderr, "bench_scale: villagegen.c does not write what villagegen.py writes:"
					" using villagegen.py (run tests/bench/villagegen_check.sh)\n");
	}
	port = port && same == 1;
	if (!port && strcmp(h, VILLAGEGEN_SHA256) != 0 && access(gen_c, X_OK) == 0)
		fprintf(stderr, "bench_scale: %s is not the version villagegen.c was checked against: using it"
				" (slower; run tests/bench/villagegen_check.sh, then update VILLAGEGEN_SHA256)\n",
			py);
	snprintf(cmd, cap, "%s%s --stations %zu --days %zu --seed 1 --seed-volunteers %u", port ? "" : "python3 ",
		 port ? gen_c : py, stations, days, sv);
	if (which)
		*which = port ? "villagegen.c (the same trace as villagegen.py)" : "villagegen.py";
}

/* villagegen's lines, by site: the index of sNNNN is NNNN - 1. */
static void trace_read(struct trace_all *t)
{
	char cmd[PATH_MAX + 256], *line = NULL;
	size_t cap = 0;
	const char *which;
	gen_cmd(cmd, sizeof(cmd), S, D, SV, &which);
	printf("  trace: %s\n", which);
	fflush(stdout);
	FILE *p = popen(cmd, "r");
	if (!p)
		die("cannot run villagegen (set CUNLIAN_WORKLOAD)", -errno);
	memset(t, 0, sizeof(*t));
	t->st = calloc(S, sizeof(*t->st));
	for (size_t i = 0; i < S; i++)
		snprintf(t->st[i].name, sizeof(t->st[i].name), "s%0*zu", S >= 10000 ? (int)snprintf(NULL, 0, "%zu", S) : 4,
			 i + 1);
	while (getline(&line, &cap, p) > 0) {
		const char *q = strstr(line, "\"site\":\"");
		if (!q)
			die("a trace line without a site", ERR_CORRUPT);
		q += 8;
		t->ops++;
		if (strncmp(q, "hub\"", 4) == 0) {
			lines_add(&t->hub, line);
			continue;
		}
		size_t k = (size_t)atol(q + 1);
		if (q[0] != 's' || k < 1 || k > S)
			die("a trace line of an unknown site", ERR_CORRUPT);
		struct sim_site *s = &t->st[k - 1];
		struct site_lines tmp = { s->lines, s->n, s->cap };
		lines_add(&tmp, line);
		s->lines = tmp.l;
		s->n = tmp.n;
		s->cap = tmp.cap;
	}
	free(line);
	if (pclose(p) != 0)
		die("villagegen failed", 0);
}

/* ---- the county --------------------------------------------------------- */

struct county {
	struct sync_identity root, hub;
	uint8_t hub_cert[SYNC_STMT_MAX];
	size_t hub_cert_len;
};

static void file_bytes(const char *path, uint8_t *out, size_t cap, size_t *len)
{
	FILE *f = fopen(path, "rb");
	if (!f)
		die(path, -errno);
	*len = fread(out, 1, cap, f);
	fclose(f);
}

static void county_load(struct county *c, const char *home)
{
	char path[PATH_MAX + 32];
	int rc;
	PATHF(path, "%s/county.key", home);
	if ((rc = sync_identity_load(&c->root, path)))
		die(path, rc);
	PATHF(path, "%s/identity.key", home);
	if ((rc = sync_identity_load(&c->hub, path)))
		die(path, rc);
	PATHF(path, "%s/node.cert", home);
	file_bytes(path, c->hub_cert, sizeof(c->hub_cert), &c->hub_cert_len);
}

/* The root's statement for a station's seeded key. */
static void station_cert(const struct county *c, const char *site, struct buf *out)
{
	struct sync_identity id;
	struct sync_statement st;
	unsigned char seed[32];
	int rc;
	tr_site_seed(site, seed);
	if ((rc = sync_identity_from_seed(&id, seed)))
		die("key", rc);
	memset(&st, 0, sizeof(st));
	memcpy(st.node, id.pk, SYNC_PK_LEN);
	sync_identity_release(&id);
	st.role = SYNC_ROLE_STATION;
	snprintf(st.station, sizeof(st.station), "%s", site);
	st.not_before = 0;
	st.not_after = TR_DAY0 + 20 * 365 * TR_DAY;
	if ((rc = sync_statement_sign(&st, &c->root)))
		die("statement", rc);
	buf_init(out, SYNC_STMT_MAX);
	sync_statement_encode(out, &st);
	if (out->err)
		die("statement", out->err);
}

/* ---- build: the stations (worker processes) ------------------------------ */

static void worker(const struct trace_all *t, const struct county *c, const struct sync_dict *dict, size_t w)
{
	char path[PATH_MAX + 64], db[PATH_MAX + 64];
	struct sync_scopes hub;
	struct sim_chunks *days = calloc(D + 1, sizeof(*days));
	PATHF(path, "%s/chunks-%zu.bin", dir, w);
	snprintf(db, sizeof(db), ":memory:"); /* a station's replica: no disk writes to wait for */
	FILE *f = fopen(path, "wb");
	if (!f || !days)
		die(path, -errno);
	memset(&hub, 0, sizeof(hub));
	hub.all = true;
	for (size_t i = w; i < S; i += JOBS) {
		struct sync_options opt;
		struct buf cert;
		int rc;
		station_cert(c, t->st[i].name, &cert);
		memset(&opt, 0, sizeof(opt));
		opt.dict = dict;
		opt.chunk_max = SYNC_CHUNK_IP; /* the node's chunk on an IP link (node/netconf.c) */
		opt.county_root = c->root.pk;
		opt.self_cert = cert.data;
		opt.self_cert_len = cert.len;
		sync_scopes_add(&opt.apply, t->st[i].name);
		sync_scopes_add(&opt.apply, "");
		opt.carry_others = true;
		memset(days, 0, (D + 1) * sizeof(*days));
		if ((rc = sim_station_for(&t->st[i], db, &opt, &hub, (int)D + 1, days, NULL, NULL))) {
			fprintf(stderr, "station %s: %s\n", t->st[i].name, err_str(rc));
			exit(1);
		}
		for (size_t d = 0; d <= D; d++)
			for (size_t k = 0; k < days[d].n; k++) {
				uint32_t h[3] = { (uint32_t)i, (uint32_t)d, (uint32_t)days[d].len[k] };
				if (fwrite(h, sizeof(h), 1, f) != 1 || fwrite(days[d].p[k], days[d].len[k], 1, f) != 1)
					die(path, -EIO);
				free(days[d].p[k]);
			}
		buf_release(&cert);
	}
	if (fclose(f))
		die(path, -EIO);
	exit(0);
}

/* chunks[i * (D + 1) + d]: station i's chunks of day d. */
static struct sim_chunks *chunks_load(void)
{
	struct sim_chunks *ch = calloc(S * (D + 1), sizeof(*ch));
	char path[PATH_MAX + 64];
	for (size_t w = 0; w < JOBS; w++) {
		PATHF(path, "%s/chunks-%zu.bin", dir, w);
		FILE *f = fopen(path, "rb");
		uint32_t h[3];
		if (!f)
			die(path, -errno);
		while (fread(h, sizeof(h), 1, f) == 1) {
			if (h[0] >= S || h[1] > D || h[2] > SYNC_CHUNK_MAX)
				die(path, ERR_CORRUPT);
			struct sim_chunks *c = &ch[h[0] * (D + 1) + h[1]];
			if (c->n == 64)
				die("more than 64 chunks in a station-day", ERR_TOOBIG);
			c->p[c->n] = malloc(h[2]);
			if (!c->p[c->n] || fread(c->p[c->n], h[2], 1, f) != 1)
				die(path, ERR_CORRUPT);
			c->len[c->n++] = h[2];
		}
		fclose(f);
		remove(path);
	}
	return ch;
}

/* ---- build: the hub ------------------------------------------------------- */

/* The scope of a row: its station column, or the site its pk names. */
static void op_scope(const struct tr_op *op, char *out, size_t cap)
{
	for (int i = 0; i < op->n; i++)
		if (strcmp(op->v[i].name, "station") == 0 && op->v[i].type == CRDT_TEXT) {
			snprintf(out, cap, "%s", op->v[i].s);
			return;
		}
	snprintf(out, cap, "%.*s", (int)strcspn(op->pk, "-"), op->pk);
}

static void build(const char *stamp, const char *key)
{
	char home[PATH_MAX + 32], log[PATH_MAX + 32], path[PATH_MAX + 64], nowtxt[32];
	struct trace_all t;
	struct county c;
	struct sync_dict *dict = NULL;
	double t0 = now_s(), t1;
	int rc;

	printf("build: %zu stations x %zu days, --seed-volunteers %u (cached in %s)\n", S, D, SV, dir);
	fflush(stdout);
	if (sh("rm -rf '%s' && mkdir -p '%s'", dir, dir))
		die("cannot make the build folder", -EIO);
	PATHF(home, "%s/hub", dir);
	PATHF(log, "%s/build.log", dir);
	PATHF(nowtxt, "%llu", (unsigned long long)(TR_DAY0 - TR_DAY));
	setenv("CUNLIAN_NOW_MS", nowtxt, 1);
	if (run(log, "--home", home, "init", "--station", "c01", "--name", "市中心", "--role", "hub", "--level",
		"county", NULL))
		die("cunlian init --role hub (see build.log)", 0);
	unsetenv("CUNLIAN_NOW_MS");
	county_load(&c, home);
	if ((rc = sync_dict_load(&dict, getenv("CUNLIAN_DICT") ? getenv("CUNLIAN_DICT") : "sync/dict/cunlian-v1.dict")))
		die("dictionary", rc);

	trace_read(&t);
	t1 = now_s();
	double cpu_gen = cpu_s(RUSAGE_CHILDREN);
	printf("  trace: %llu ops read in %.1f s (generator CPU %.1f s)\n", (unsigned long long)t.ops, t1 - t0,
	       cpu_s(RUSAGE_CHILDREN));
	fflush(stdout);

	/* the stations, in worker processes */
	pid_t *pids = calloc(JOBS, sizeof(*pids));
	for (size_t w = 0; w < JOBS; w++) {
		fflush(NULL);
		if ((pids[w] = fork()) == 0)
			worker(&t, &c, dict, w);
		if (pids[w] < 0)
			die("fork", -errno);
	}
	for (size_t w = 0; w < JOBS; w++)
		if (reap(pids[w]) != 0)
			die("a station worker failed", 0);
	free(pids);
	struct sim_chunks *ch = chunks_load();
	double t2 = now_s(), cpu_hub = cpu_s(RUSAGE_SELF);
	uint64_t nchunks = 0, bytes = 0;
	for (size_t i = 0; i < S * (D + 1); i++) {
		nchunks += ch[i].n;
		for (size_t k = 0; k < ch[i].n; k++)
			bytes += ch[i].len[k];
	}
	printf("  stations: %llu signed local commits, %llu chunks (%.1f MB) in %.1f s (%zu workers, CPU %.1f s)\n",
	       (unsigned long long)(t.ops - t.hub.n), (unsigned long long)nchunks, (double)bytes / 1e6, t2 - t1,
	       JOBS, cpu_s(RUSAGE_CHILDREN) - cpu_gen);
	fflush(stdout);

	/* the hub, as the daemon: one transaction per chunk */
	struct crdt_store *st = NULL;
	struct sync_ctx *ctx = NULL;
	struct sync_options opt;
	struct crdt_options co = { .no_sync = true };
	struct sync_report rep;
	memset(&opt, 0, sizeof(opt));
	opt.dict = dict;
	opt.chunk_max = SYNC_CHUNK_IP; /* the node's chunk on an IP link (node/netconf.c) */
	opt.apply.all = true;
	opt.carry_others = true;
	opt.county_root = c.root.pk;
	opt.self_cert = c.hub_cert;
	opt.self_cert_len = c.hub_cert_len;
	PATHF(path, "%s/replica.db", home);
	if ((rc = crdt_store_open(&st, path, c.hub.pk, &co)) || (rc = sync_ctx_new(&ctx, st, &c.hub, &opt)))
		die("open the hub", rc);
	for (size_t i = 0; i < S; i++) { /* enroll sign, station by station */
		struct buf cert;
		struct sync_statement stmt;
		struct sync_trust_row row;
		station_cert(&c, t.st[i].name, &cert);
		if ((rc = sync_statement_decode(cert.data, cert.len, &stmt)) || (rc = sync_statement_row(&row, &stmt)) ||
		    (rc = sync_root_commit(ctx, st, &c.root, TR_DAY0 - TR_DAY / 2 + i, &row.w, 1)))
			die("enrol a station", rc);
		buf_release(&cert);
	}
	memset(&rep, 0, sizeof(rep));
	size_t hi = 0;
	struct tr_op *op = malloc(sizeof(*op));
	for (size_t d = 0; d <= D; d++) {
		double d0 = now_s();
		for (; hi < t.hub.n; hi++) { /* the hub's own writes of the day */
			struct crdt_write w;
			char scope[CRDT_SCOPE_MAX + 1];
			if (tr_parse(t.hub.l[hi], op) || tr_write(op, &w))
				die("a hub op", ERR_CORRUPT);
			if ((size_t)tr_day(op->t) > d)
				break;
			op_scope(op, scope, sizeof(scope));
			if ((rc = crdt_commit_local(st, op->t, scope, &w, 1, NULL)))
				die("a hub commit", rc);
		}
		uint64_t wall = TR_DAY0 + (d + 1) * TR_DAY - 3600000; /* the evening sync */
		for (size_t i = 0; i < S; i++) {
			struct sim_chunks *c1 = &ch[i * (D + 1) + d];
			for (size_t k = 0; k < c1->n; k++) {
				if ((rc = sync_chunk_apply(ctx, c1->p[k], c1->len[k], wall, &rep, NULL, NULL)))
					die("a station's chunk", rc);
				free(c1->p[k]);
			}
		}
		if (d == 1 || d == D) {
			if ((rc = crdt_store_checkpoint(st)))
				die("checkpoint", rc);
			if (d == 1 && sh("rm -rf '%s/hub-day1' && cp -a '%s' '%s/hub-day1'", dir, home, dir))
				die("copy the hub after day 1", -EIO);
		}
		if (d % 5 == 0 || d == D) {
			printf("  hub: day %zu merged in %.1f s (%llu commits merged so far, %llu held back by the rules)\n", d,
			       now_s() - d0, (unsigned long long)rep.applied, (unsigned long long)rep.held);
			fflush(stdout);
		}
	}
	free(op);
	double t3 = now_s();
	printf("  hub: %llu commits merged, %llu duplicate, %llu refused (%llu held back, %llu released) in %.1f s"
	       " (CPU %.1f s)\n",
	       (unsigned long long)rep.applied, (unsigned long long)rep.duplicate, (unsigned long long)rep.refused,
	       (unsigned long long)rep.held, (unsigned long long)rep.released, t3 - t2, cpu_s(RUSAGE_SELF) - cpu_hub);
	sync_ctx_free(ctx);
	crdt_store_close(st);
	sync_dict_free(dict);
	free(ch);
	FILE *f = fopen(stamp, "w");
	if (!f || fputs(key, f) < 0 || fclose(f))
		die(stamp, -EIO);
	printf("build: %.1f s in all (CPU %.1f s: this process %.1f, the generator and workers %.1f)\n", now_s() - t0,
	       cpu_s(RUSAGE_SELF) + cpu_s(RUSAGE_CHILDREN), cpu_s(RUSAGE_SELF), cpu_s(RUSAGE_CHILDREN));
	sync_identity_release(&c.root);
	sync_identity_release(&c.hub);
}

/* ---- measure: helpers ------------------------------------------------------ */

/* A figure: its value, unit, target (text), and whether it is met. */
struct fig {
	const char *name, *unit, *what;
	double v, target;
	bool at_most, have;
	int decimals;
};

static struct fig figs[] = {
	{ "hub_sessions_per_s", "1/s", "real station sessions per s of hub CPU", 0, 200, false, false, 1 },
	{ "hub_sessions_growth", "x", "hub CPU per session, last day / day 1", 0, 1.2, true, false, 2 },
	{ "gprs_sync_city_s", "s", "a station-day over simulated GPRS, GET /vv included, median of 5 seeds", 0, 5, true, false, 2 },
	{ "lora_week_airtime_s", "s", "a week of one station's sessions over LoRa, idle ones included", 0, 180, true, false, 1 },
	{ "lora_idle_week_airtime_s", "s", "a week of idle sessions at the interval", 0, 60, true, false, 1 },
	{ "hub_storage_ratio", "x", "hub replica.db / the same data in plain tables", 0, 1.5, true, false, 2 },
	{ "hub_storage_compacted_ratio", "x", "the same after cunlian compact (retention 0), pages in use", 0, 1.5, true,
	  false, 2 },
	{ "import_2000_at_city_s", "s", "volunteer import of 2,000 rows at the hub", 0, 2, true, false, 2 },
	{ "report_city_s", "s", "report --by station, volunteer list --station (slower)", 0, 1, true, false, 2 },
	{ "bootstrap_station_s", "s", "a new station's first sync, loopback, whole history", 0, 10, true, false, 2 },
	{ "bootstrap_snapshot_station_s", "s", "the same from the hub's signed snapshots", 0, 10, true, false, 2 },
	{ "hub_peak_rss_mb", "MB", "peak memory of the hub's serve and commands", 0, 1024, true, false, 1 },
	{ "station_serve_rss_mb", "MB", "peak memory of a station's serve", 0, 64, true, false, 1 },
	{ "hub_station_digest_ms", "ms", "hub CPU for the digest of s0001's whole scope, which GET /vv asks after every "
	  "session of a station with history; the sessions above are new stations'", 0, -1, true, false, 2 },
};
#define NFIGS (sizeof(figs) / sizeof(figs[0]))

static void fig_set(const char *name, double v)
{
	for (size_t i = 0; i < NFIGS; i++)
		if (strcmp(figs[i].name, name) == 0) {
			figs[i].v = v;
			figs[i].have = true;
			return;
		}
}

static void fail(const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	fprintf(stderr, "bench_scale: FAILED: ");
	vfprintf(stderr, fmt, ap);
	fprintf(stderr, "\n");
	va_end(ap);
	failed = true;
}

static double child_peak_mb; /* the largest hub command run (ru_maxrss) */
static char self_exe[PATH_MAX]; /* this program, for --peak-run */
static const char *peak_home;   /* the hub's home: its commands count */

/*
 * `bench_scale --peak-run FILE PROGRAM ARGS...`: run the program as a
 * child of this fresh process and write its peak memory (ru_maxrss, kB)
 * and wall time into FILE; exit with its status. A process started by
 * posix_spawn (or fork) from bench_scale would report bench_scale's own
 * peak (Linux keeps the largest of the old and the new image at exec;
 * bench_scale holds the whole trace, a gigabyte at city scale); the
 * child of a fresh process starts from that process's few megabytes.
 */
static int peak_run(char **argv)
{
	struct rusage ru;
	int st;
	double t0 = now_s();
	pid_t pid = fork();
	if (pid == 0) {
		execv(argv[1], argv + 1);
		_exit(127);
	}
	if (pid < 0)
		return 1;
	while (wait4(pid, &st, 0, &ru) < 0)
		if (errno != EINTR)
			return 1;
	double secs = now_s() - t0;
	FILE *f = fopen(argv[0], "w");
	if (!f || fprintf(f, "%ld %.6f\n", ru.ru_maxrss, secs) < 0 || fclose(f))
		return 1;
	return WIFEXITED(st) ? WEXITSTATUS(st) : 128;
}

/* Run cunlian, stdout into out (cap bytes, NUL-ended), stderr into log;
 * its exit status; *secs the wall time. */
static int run_out(const char *log, char *out, size_t cap, double *secs, const char *const *args)
{
	char tmp[PATH_MAX + 32];
	posix_spawn_file_actions_t fa;
	char *argv[40];
	size_t n = 0;
	pid_t pid;
	char peak[PATH_MAX + 32];
	int st;
	bool hub_cmd = args[0] && args[1] && strcmp(args[0], "--home") == 0 && peak_home &&
		       strcmp(args[1], peak_home) == 0;
	PATHF(tmp, "%s/out.tmp", dir);
	PATHF(peak, "%s/peak.tmp", dir);
	argv[n++] = self_exe;
	argv[n++] = "--peak-run";
	argv[n++] = peak;
	argv[n++] = bin;
	while (*args && n < 39)
		argv[n++] = (char *)*args++;
	argv[n] = NULL;
	remove(peak);
	posix_spawn_file_actions_init(&fa);
	posix_spawn_file_actions_addopen(&fa, 1, tmp, O_WRONLY | O_CREAT | O_TRUNC, 0600);
	posix_spawn_file_actions_addopen(&fa, 2, log, O_WRONLY | O_CREAT | O_APPEND, 0600);
	double t0 = now_s();
	int rc = posix_spawn(&pid, self_exe, &fa, NULL, argv, environ);
	posix_spawn_file_actions_destroy(&fa);
	if (rc)
		return -1;
	while (waitpid(pid, &st, 0) < 0)
		if (errno != EINTR)
			return -1;
	long kb = -1;
	double took = -1;
	FILE *pf = fopen(peak, "r");
	if (!pf || fscanf(pf, "%ld %lf", &kb, &took) != 2)
		kb = -1, took = now_s() - t0; /* the helper failed: no peak */
	if (pf)
		fclose(pf);
	if (secs)
		*secs = took;
	if (out) {
		FILE *f = fopen(tmp, "r");
		size_t k = f ? fread(out, 1, cap - 1, f) : 0;
		if (f)
			fclose(f);
		out[k] = '\0';
	}
	if (kb < 0)
		fail("no peak memory for a command (%s --peak-run)", self_exe);
	if (hub_cmd && (double)kb / 1024.0 > child_peak_mb)
		child_peak_mb = (double)kb / 1024.0;
	return WIFEXITED(st) ? WEXITSTATUS(st) : 128;
}

#define ARGS(...) ((const char *const[]){ __VA_ARGS__, NULL })

/* The "id" of a --json answer into id. */
static int json_id(const char *out, char *id, size_t cap)
{
	const char *p = strstr(out, "\"id\":");
	if (!p)
		return -1;
	p = strchr(p + 5, '"');
	if (!p)
		return -1;
	size_t n = strcspn(p + 1, "\"");
	if (n >= cap)
		return -1;
	memcpy(id, p + 1, n);
	id[n] = '\0';
	return 0;
}

/* One command of a station's day; the id it prints into id (may be NULL). */
static int day_cmd(const char *log, const char *home, char *id, size_t cap, const char *const *args)
{
	const char *a[40];
	char out[4096];
	size_t n = 0;
	a[n++] = "--home";
	a[n++] = home;
	while (*args && n < 37)
		a[n++] = *args++;
	a[n++] = "--json";
	a[n] = NULL;
	int rc = run_out(log, out, sizeof(out), NULL, a);
	if (rc == 0 && id && json_id(out, id, cap))
		rc = -1;
	return rc;
}

/*
 * A station's day as a station writes it, with the program: the trace's
 * shape per station-day (villagegen's defaults): 3 new volunteers, 5
 * profile changes, 20 orders through open, dispatched, accepted, done
 * (its service credit) and rated, 5 redemptions. tag makes names and
 * phones unique.
 */
/* Station-day syncs over GPRS whose median is gprs_sync_city_s. */
#define GPRS_RUNS 5

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return x < y ? -1 : x > y;
}

static int station_day(const char *home, const char *log, unsigned tag)
{
	char vol[3][64], ord[64], name[32], phone[32], detail[64];
	for (int i = 0; i < 3; i++) {
		snprintf(name, sizeof(name), "志愿者%u%d", tag, i);
		snprintf(phone, sizeof(phone), "166%04u%04d", tag % 10000, i);
		if (day_cmd(log, home, vol[i], sizeof(vol[i]),
			    ARGS("volunteer", "add", "--name", name, "--phone", phone, "--team", "红马甲服务队",
				 "--skills", "助老,维修")))
			return -1;
	}
	for (int i = 0; i < 5; i++)
		if (day_cmd(log, home, NULL, 0,
			    ARGS("volunteer", "set", vol[i % 3], "--team", i % 2 ? "青年突击队" : "党员先锋队")))
			return -1;
	for (int i = 0; i < 20; i++) {
		const char *v = vol[i % 3];
		snprintf(detail, sizeof(detail), "帮独居老人打扫房间卫生，第%d户", i);
		if (day_cmd(log, home, ord, sizeof(ord),
			    ARGS("order", "add", "--category", "助老", "--detail", detail, "--requester", "张*", "--phone",
				 "13800001234")) ||
		    day_cmd(log, home, NULL, 0, ARGS("order", "dispatch", ord, "--volunteer", v)))
			return -1;
		if (i < 2) /* cancelled: villagegen's 8 % */
			continue;
		if (day_cmd(log, home, NULL, 0, ARGS("order", "accept", ord)) ||
		    day_cmd(log, home, NULL, 0, ARGS("order", "done", ord, "--hours", "2")) ||
		    (i % 10 != 0 && day_cmd(log, home, NULL, 0, ARGS("order", "rate", ord, "--rating", "5", "--comment",
								 "服务很周到"))))
			return -1;
	}
	for (int i = 0; i < 5; i++)
		if (day_cmd(log, home, NULL, 0, ARGS("points", "redeem", vol[i % 3], "--points", "10", "--item", "鸡蛋")))
			return -1;
	return 0;
}

/* A new station home for station id, enrolled at hub (while it serves). */
static int station_home(const char *home, const char *hub, const char *id, const char *log)
{
	char req[PATH_MAX + 16], cert[PATH_MAX + 16];
	PATHF(req, "%s.req", home);
	PATHF(cert, "%s.cert", home);
	sh("rm -rf '%s' '%s' '%s'", home, req, cert);
	if (run(log, "--home", home, "init", "--station", id, "--name", "新村", "--parent", "c01", NULL) ||
	    run(log, "--home", home, "enroll", "request", req, NULL) ||
	    run(log, "--home", hub, "enroll", "sign", req, "--station", id, "--out", cert, NULL) ||
	    run(log, "--home", home, "enroll", "accept", cert, NULL))
		return -1;
	return 0;
}

/* `cunlian sync` of home with the peer; exit status, *secs wall time. */
static int sync_once(const char *home, const char *peer, const char *log, double *secs, const char *profile)
{
	if (profile)
		return run_out(log, NULL, 0, secs,
			       ARGS("--home", home, "sync", peer, "--timeout", "900", "--profile", profile));
	return run_out(log, NULL, 0, secs, ARGS("--home", home, "sync", peer, "--timeout", "900"));
}

struct served {
	pid_t pid;
	unsigned port;
	char peer[48], home[PATH_MAX + 32], log[PATH_MAX + 32];
};

static int serve_start(struct served *s, const char *home)
{
	char listen[32];
	snprintf(s->home, sizeof(s->home), "%s", home);
	snprintf(s->log, sizeof(s->log), "%s.serve.log", home);
	s->port = free_port();
	snprintf(listen, sizeof(listen), "127.0.0.1:%u", s->port);
	snprintf(s->peer, sizeof(s->peer), "coap://127.0.0.1:%u", s->port);
	const char *args[] = { "--home", home, "serve", "--listen", listen, NULL };
	remove(s->log);
	if ((s->pid = start(s->log, args)) < 0 || !wait_text(s->log, "serving on", 60)) {
		fail("cunlian serve did not start (see %s)", s->log);
		stop(s->pid);
		s->pid = -1;
		return -1;
	}
	return 0;
}

/*
 * Hub CPU per session: K new enrolled stations (ids s9001.., new to the
 * county: their first sync brings the county's scope only) write a day
 * each, then sync at once; ROUNDS times (each round another day of
 * each); the hub's CPU time over those K x ROUNDS sessions (4 sessions
 * of about 5 ms are 20 ms of CPU: one round alone moved by 5 to 10 %
 * from run to run). Returns CPU seconds per session, or < 0.
 */
static double sessions_run(struct served *hub, const char *tag, unsigned first)
{
	char home[PATH_MAX + 64], log[PATH_MAX + 64], id[32];
	pid_t *p = calloc(K, sizeof(*p));
	double per = -1;
	PATHF(log, "%s/%s-stations.log", dir, tag);
	for (size_t j = 0; j < K; j++) {
		double secs = 0;
		PATHF(home, "%s/%s-st%zu", dir, tag, j);
		snprintf(id, sizeof(id), "s%04zu", (size_t)first + j);
		if (station_home(home, hub->home, id, log)) {
			fail("making station home %s (see %s)", home, log);
			goto out;
		}
		int rc = sync_once(home, hub->peer, log, &secs, NULL);
		if (rc) {
			fail("%s: the first sync of %s did not converge (exit %d; see %s)", tag, id, rc, log);
			goto out;
		}
		printf("    %s: new station %s: first sync (the county's scope) %.2f s\n", tag, id, secs);
		if (station_day(home, log, 1000u * first + (unsigned)j)) {
			fail("a station's day at %s (see %s)", home, log);
			goto out;
		}
	}
	double cpu = 0, wall = 0;
	for (size_t round = 0; round < ROUNDS; round++) {
		if (round > 0) /* another day of each station, outside the measure */
			for (size_t j = 0; j < K; j++) {
				PATHF(home, "%s/%s-st%zu", dir, tag, j);
				if (station_day(home, log, 1000u * first + 100u * (unsigned)round + (unsigned)j)) {
					fail("a station's day at %s (see %s)", home, log);
					goto out;
				}
			}
		fflush(stdout);
		double c0 = proc_cpu_s(hub->pid), t0 = now_s();
		for (size_t j = 0; j < K; j++) {
			PATHF(home, "%s/%s-st%zu", dir, tag, j);
			const char *args[] = { "--home", home, "sync", hub->peer, "--timeout", "900", NULL };
			p[j] = start(log, args);
		}
		bool ok = true;
		for (size_t j = 0; j < K; j++) {
			int rc = reap(p[j]);
			if (rc) {
				fail("%s: a day's sync did not converge (station %zu, exit %d; see %s)", tag, j, rc, log);
				ok = false;
			}
		}
		double c1 = proc_cpu_s(hub->pid), t1 = now_s();
		if (!ok || c0 < 0 || c1 < 0)
			goto out;
		printf("    %s: round %zu: %zu stations at once, each bringing a day: %.2f s wall, hub CPU %.3f s (%.1f ms a session)\n",
		       tag, round + 1, K, t1 - t0, c1 - c0, (c1 - c0) / (double)K * 1e3);
		cpu += c1 - c0;
		wall += t1 - t0;
	}
	per = cpu / (double)(K * ROUNDS);
	printf("    %s: %zu sessions in %zu rounds: %.2f s wall, hub CPU %.3f s (%.2f ms a session)\n", tag, K * ROUNDS,
	       ROUNDS, wall, cpu, per * 1e3);
out:
	free(p);
	return per;
}

/* ---- measure: the hub's storage ------------------------------------------ */

static long file_size(const char *path)
{
	struct stat st;
	return stat(path, &st) == 0 ? (long)st.st_size : 0;
}

static int exec_sql(sqlite3 *db, const char *sql)
{
	char *err = NULL;
	if (sqlite3_exec(db, sql, NULL, NULL, &err) != SQLITE_OK) {
		fprintf(stderr, "bench_scale: %s: %s\n", sql, err ? err : "?");
		sqlite3_free(err);
		return -1;
	}
	return 0;
}

/* replica.db (as the hub keeps it: log, metadata, indexes) / the live
 * rows of every table in plain SQLite tables, vacuumed. */
static double storage_ratio(const char *replica, long *hub_bytes, long *plain_bytes)
{
	char path[PATH_MAX + 32], sql[4096];
	sqlite3 *db;
	PATHF(path, "%s/plain.db", dir);
	remove(path);
	if (sqlite3_open(path, &db) != SQLITE_OK)
		return -1;
	exec_sql(db, "PRAGMA journal_mode=OFF; PRAGMA synchronous=OFF");
	PATHF(sql, "ATTACH 'file:%s?mode=ro' AS r", replica);
	sqlite3_close(db);
	if (sqlite3_open_v2(path, &db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_URI, NULL) != SQLITE_OK ||
	    exec_sql(db, sql) || exec_sql(db, "BEGIN"))
		return -1;
	for (size_t t = 0; t < crdt_ntables; t++) {
		const struct crdt_table *tb = &crdt_tables[t];
		if (!tb->name) /* an id not assigned */
			continue;
		int n = snprintf(sql, sizeof(sql), "CREATE TABLE \"%s\"(pk TEXT PRIMARY KEY NOT NULL", tb->name);
		for (size_t c = 0; c < tb->ncols; c++)
			n += snprintf(sql + n, sizeof(sql) - (size_t)n, ", \"%s\" %s", tb->cols[c].name,
				      tb->cols[c].type == CRDT_INT ? "INTEGER" : tb->cols[c].type == CRDT_REAL ? "REAL" : "TEXT");
		snprintf(sql + n, sizeof(sql) - (size_t)n, ") WITHOUT ROWID");
		if (exec_sql(db, sql))
			return -1;
		n = snprintf(sql, sizeof(sql), "INSERT INTO main.\"%s\" SELECT pk", tb->name);
		for (size_t c = 0; c < tb->ncols; c++)
			n += snprintf(sql + n, sizeof(sql) - (size_t)n, ", \"%s\"", tb->cols[c].name);
		snprintf(sql + n, sizeof(sql) - (size_t)n, " FROM r.\"%s\" WHERE _dead IS NULL", tb->name);
		if (exec_sql(db, sql))
			return -1;
	}
	if (exec_sql(db, "COMMIT") || exec_sql(db, "DETACH r") || exec_sql(db, "VACUUM"))
		return -1;
	sqlite3_close(db);
	*plain_bytes = file_size(path);
	PATHF(sql, "%s-wal", replica);
	*hub_bytes = file_size(replica) + file_size(sql);
	remove(path);
	return *plain_bytes > 0 ? (double)*hub_bytes / (double)*plain_bytes : -1;
}

/* ---- measure ---------------------------------------------------------------- */

static void lora_run(const char *home, const struct sim_site *src, const struct site_lines *hubl);

/*
 * The digest of one station's whole scope at the hub (s0001, every day of
 * its history), as GET /vv?digest computes it after a session brought
 * that station's day (the memo forgets a scope written to: crdt/commit.c
 * M1-M4): CPU of this process, the store opened afresh. The sessions of
 * hub_sessions_per_s are new stations', whose scopes hold a day; a real
 * station's session costs this much more at the hub.
 */
static void station_digest_measure(const char *home)
{
	char path[PATH_MAX + 64];
	struct sync_identity id;
	struct crdt_store *st = NULL;
	struct timespec a, b;
	uint8_t d[32];
	int rc;
	PATHF(path, "%s/identity.key", home);
	if ((rc = sync_identity_load(&id, path))) {
		fail("the hub's identity for the digest: %s", err_str(rc));
		return;
	}
	PATHF(path, "%s/replica.db", home);
	rc = crdt_store_open(&st, path, id.pk, NULL);
	sync_identity_release(&id);
	if (rc) {
		fail("opening the hub for the digest: %s", err_str(rc));
		return;
	}
	clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &a);
	rc = crdt_store_digest(st, "s0001", d);
	clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &b);
	crdt_store_close(st);
	if (rc) {
		fail("the digest of s0001 at the hub: %s", err_str(rc));
		return;
	}
	double ms = (double)(b.tv_sec - a.tv_sec) * 1e3 + (double)(b.tv_nsec - a.tv_nsec) / 1e6;
	printf("  the digest of s0001's scope at the hub (%zu days of it): %.2f ms of CPU\n", D, ms);
	fig_set("hub_station_digest_ms", ms);
}

/* LoRa against the hub at home (not serving), in-process. */
static void lora_measure(const char *run_home)
{
	char path[PATH_MAX + 256];
	struct sim_site s1;
	FILE *f;
	memset(&s1, 0, sizeof(s1));
	/* one station of the standard trace, the same options */
	gen_cmd(path, sizeof(path), 1, D, SV, NULL);
	if (!(f = popen(path, "r")))
		die("cannot run villagegen", -errno);
	struct site_lines sl = { NULL, 0, 0 }, hl = { NULL, 0, 0 };
	char *line = NULL;
	size_t cap = 0;
	while (getline(&line, &cap, f) > 0)
		if (strstr(line, "\"site\":\"s0001\""))
			lines_add(&sl, line);
		else if (strstr(line, "\"site\":\"hub\""))
			lines_add(&hl, line); /* the hub's writes for s0001 */
	free(line);
	if (pclose(f) != 0 || !sl.n)
		die("villagegen failed", 0);
	s1.lines = sl.l;
	s1.n = sl.n;
	snprintf(s1.name, sizeof(s1.name), "s0001");
	lora_run(run_home, &s1, &hl);
	for (size_t i = 0; i < s1.n; i++)
		free(s1.lines[i]);
	free(s1.lines);
	for (size_t i = 0; i < hl.n; i++)
		free(hl.l[i]);
	free(hl.l);
}

/* A copy of the hub after each station reported, as its HELLO does, that
 * it holds its own feed up to its head (the build applied their chunks
 * without sessions, so nothing was acknowledged), compacted by `cunlian
 * compact` with its clock 400 days on (all of the trace past the hub's
 * retention: retention 0 for these data). The file's pages in use: those
 * freed are reused by later writes, the file keeps its size. -1: failed. */
static double compacted_ratio(long plain_bytes, const char *log, long *used_bytes)
{
	char home[PATH_MAX + 64], path[PATH_MAX + 96], nowtxt[32];
	struct sync_identity id;
	struct crdt_store *st;
	struct crdt_vv_entry *vv = NULL;
	size_t nvv = 0;
	int rc;

	PATHF(home, "%s/compact-hub", dir);
	if (sh("rm -rf '%s' && cp -a '%s/hub' '%s'", home, dir, home))
		return -1;
	PATHF(path, "%s/identity.key", home);
	if ((rc = sync_identity_load(&id, path)))
		return -1;
	PATHF(path, "%s/replica.db", home);
	if ((rc = crdt_store_open(&st, path, id.pk, NULL))) {
		sync_identity_release(&id);
		return -1;
	}
	rc = crdt_store_vv(st, &vv, &nvv);
	for (size_t i = 0; i < nvv && !rc; i++)
		if (vv[i].scope[0] && memcmp(vv[i].author, id.pk, SYNC_PK_LEN) != 0)
			rc = crdt_store_acks_put(st, vv[i].author, &vv[i], 1);
	mem_free(vv);
	crdt_store_close(st);
	sync_identity_release(&id);
	if (rc)
		return -1;
	PATHF(nowtxt, "%llu", (unsigned long long)(now_wall_ms() + 400 * (uint64_t)TR_DAY));
	setenv("CUNLIAN_NOW_MS", nowtxt, 1);
	double t0 = now_s();
	rc = run(log, "--home", home, "--json", "compact", NULL);
	unsetenv("CUNLIAN_NOW_MS");
	printf("  cunlian compact on a copy of the hub: %.1f s\n", now_s() - t0);
	sqlite3 *db;
	*used_bytes = 0;
	if (rc || sqlite3_open_v2(path, &db, SQLITE_OPEN_READONLY, NULL) != SQLITE_OK)
		return -1;
	sqlite3_stmt *q;
	if (sqlite3_prepare_v2(db,
			       "SELECT (SELECT page_count FROM pragma_page_count()) -"
			       " (SELECT freelist_count FROM pragma_freelist_count()),"
			       " (SELECT page_size FROM pragma_page_size())",
			       -1, &q, NULL) == SQLITE_OK) {
		if (sqlite3_step(q) == SQLITE_ROW)
			*used_bytes = (long)(sqlite3_column_int64(q, 0) * sqlite3_column_int64(q, 1));
		sqlite3_finalize(q);
	}
	sqlite3_close(db);
	return *used_bytes > 0 && plain_bytes > 0 ? (double)*used_bytes / (double)plain_bytes : -1;
}

static void measure(void)
{
	char run_home[PATH_MAX + 32], day1_home[PATH_MAX + 32], log[PATH_MAX + 32], path[PATH_MAX + 64];
	struct served hub = { .pid = -1 }, hub1 = { .pid = -1 };
	long hb = 0, pb = 0;
	double boot = -1, secs;
	int rc;

	PATHF(log, "%s/measure.log", dir);
	PATHF(run_home, "%s/run-hub", dir);
	peak_home = run_home;
	if (getenv("BENCH_SCALE_LORA_ONLY")) { /* (developing the model) */
		if (sh("rm -rf '%s' && cp -a '%s/hub' '%s'", run_home, dir, run_home) == 0)
			lora_measure(run_home);
		return;
	}
	PATHF(path, "%s/hub/replica.db", dir);
	double ratio = storage_ratio(path, &hb, &pb);
	if (ratio < 0)
		fail("measuring the storage (see stderr)");
	fig_set("hub_storage_ratio", ratio);
	printf("  storage: replica.db %.1f MB, the same rows in plain tables %.1f MB\n", (double)hb / 1e6,
	       (double)pb / 1e6);
	{
		long used = 0;
		double cr = compacted_ratio(pb, log, &used);
		if (cr < 0)
			fail("compacting a copy of the hub (see %s)", log);
		else
			fig_set("hub_storage_compacted_ratio", cr);
		printf("  after cunlian compact: %.1f MB of replica.db in use\n", (double)used / 1e6);
	}
	fflush(stdout);

	/* the city hub serving: a copy, so the cache stays as built */
	if (sh("rm -rf '%s' && cp -a '%s/hub' '%s'", run_home, dir, run_home) || serve_start(&hub, run_home))
		return;

	/* a new board for a station of the trace: its first sync brings its
	 * scope's 30 days and the county's; bootstrap_station_s replays the
	 * whole history (CUNLIAN_NO_SNAPSHOT: the sync as it was before
	 * snapshots), bootstrap_snapshot_station_s starts from the hub's
	 * signed snapshots of both scopes (GET /snap) and syncs the rest */
	for (int snap = 0; snap < 2; snap++) {
		char home[PATH_MAX + 64];
		PATHF(home, "%s/boot%s-s0001", dir, snap ? "-snap" : "");
		if (!snap)
			setenv("CUNLIAN_NO_SNAPSHOT", "1", 1);
		if (station_home(home, run_home, "s0001", log)) {
			fail("making a station home (see %s)", log);
		} else if ((rc = sync_once(home, hub.peer, log, &boot, NULL))) {
			fail("bootstrap: the first sync of a new board for s0001 did not converge"
			     " (exit %d after %.2f s%s; see %s)", rc, boot, snap ? ", from snapshots" : "", log);
		} else {
			fig_set(snap ? "bootstrap_snapshot_station_s" : "bootstrap_station_s", boot);
			printf("  bootstrap%s: %.2f s\n", snap ? " from snapshots" : " (whole history)", boot);
			fflush(stdout);
		}
		unsetenv("CUNLIAN_NO_SNAPSHOT");
	}
	if (getenv("BENCH_SCALE_BOOT_ONLY")) { /* (developing snapshots: the two figures alone) */
		stop(hub.pid);
		return;
	}

	/* day 30: sessions */
	double perlast = sessions_run(&hub, "lastday", 9001);

	/* a station-day over GPRS through the link simulator: GPRS_RUNS days of
	 * one station, each synced through a link losing 5 % with its own seed
	 * (1, 2, ...); the figure is their median (one run's time turns on which
	 * datagrams the loss hits: each costs a retransmission timeout) */
	{
		char home[PATH_MAX + 64], lsl[PATH_MAX + 64], relay[32], to[32], peer[48], seed[16];
		double runs[GPRS_RUNS];
		size_t nruns = 0;
		PATHF(home, "%s/lastday-st0", dir);
		PATHF(lsl, "%s/linksim.log", dir);
		snprintf(to, sizeof(to), "127.0.0.1:%u", hub.port);
		for (unsigned k = 0; perlast >= 0 && k < GPRS_RUNS && !failed; k++) {
			unsigned pl = free_port();
			snprintf(relay, sizeof(relay), "127.0.0.1:%u", pl);
			snprintf(peer, sizeof(peer), "coap://127.0.0.1:%u", pl);
			snprintf(seed, sizeof(seed), "%u", k + 1);
			if (station_day(home, log, 777 + k)) {
				fail("a station's day at %s (see %s)", home, log);
				break;
			}
			const char *largs[] = { "linksim", "--listen", relay, "--to", to, "--profile", "gprs", "--loss",
						"0.05", "--seed", seed, NULL };
			remove(lsl);
			pid_t ls = start(lsl, largs);
			if (ls < 0 || !wait_text(lsl, "relay ", 10))
				fail("linksim did not start (see %s)", lsl);
			else if ((rc = sync_once(home, peer, log, &secs, "gprs")))
				fail("the GPRS sync did not converge (exit %d; see %s)", rc, log);
			else
				runs[nruns++] = secs;
			stop(ls);
		}
		if (nruns == GPRS_RUNS) {
			qsort(runs, nruns, sizeof(runs[0]), cmp_double);
			printf("  GPRS, a station-day through 5 %% loss, %d seeds:", GPRS_RUNS);
			for (size_t k = 0; k < nruns; k++)
				printf(" %.2f", runs[k]);
			printf(" s (the median is the figure)\n");
			fig_set("gprs_sync_city_s", runs[nruns / 2]);
		}
	}

	/* a station's serve: its peak memory over a few syncs */
	{
		char home[PATH_MAX + 64], slog[PATH_MAX + 64];
		PATHF(home, "%s/lastday-st1", dir);
		PATHF(slog, "%s/station-serve.log", dir);
		remove(slog);
		const char *args[] = { "--home", home, "serve", "--listen", "none", "--peer", hub.peer, "--interval", "2", NULL };
		pid_t sp = perlast >= 0 ? start(slog, args) : -1;
		if (sp < 0 || !wait_text_of(sp, slog, ", converged:", 600)) {
			fail("a station's serve did not converge with the hub (see %s)", slog);
			if (sp > 0 && kill(sp, 0) != 0)
				sp = -1; /* ended and reaped */
		} else {
			usleep(4500000); /* another sync or two */
			fig_set("station_serve_rss_mb", proc_peak_mb(sp));
		}
		stop(sp);
	}

	/* volunteer import and reports at the hub, while it serves */
	{
		char csv[PATH_MAX + 64];
		PATHF(csv, "%s/import2000.csv", dir);
		FILE *f = fopen(csv, "w");
		if (f) {
			fprintf(f, "姓名,电话,队伍,技能\n");
			for (int i = 0; i < 2000; i++)
				fprintf(f, "导入者%d,199%08d,青年突击队,\"助老,维修\"\n", i, i);
			fclose(f);
		}
		rc = run_out(log, NULL, 0, &secs, ARGS("--home", run_home, "volunteer", "import", csv, "--station", "s0005"));
		if (rc)
			fail("volunteer import at the hub: exit %d (see %s)", rc, log);
		else
			fig_set("import_2000_at_city_s", secs);
		double r1 = 0, r2 = 0;
		char out[64];
		rc = run_out(log, out, sizeof(out), &r1, ARGS("--home", run_home, "report", "--by", "station"));
		int rc2 = run_out(log, out, sizeof(out), &r2, ARGS("--home", run_home, "volunteer", "list", "--station", "s0001"));
		if (rc || rc2)
			fail("report at the hub: exit %d, %d (see %s)", rc, rc2, log);
		else
			fig_set("report_city_s", r1 > r2 ? r1 : r2);
		printf("  at the hub: import 2000 rows %.2f s; report --by station %.2f s; volunteer list --station %.2f s\n",
		       secs, r1, r2);
	}
	double rss = proc_peak_mb(hub.pid);
	printf("  hub serve peak %.1f MB; largest hub command %.1f MB\n", rss, child_peak_mb);
	fig_set("hub_peak_rss_mb", rss > child_peak_mb ? rss : child_peak_mb);
	stop(hub.pid);
	station_digest_measure(run_home);

	/* LoRa against the same hub, in-process */
	lora_measure(run_home);

	/* day 1: the same sessions at the hub as it was after day 1 */
	PATHF(day1_home, "%s/run-hub1", dir);
	if (perlast >= 0 && sh("rm -rf '%s' && cp -a '%s/hub-day1' '%s'", day1_home, dir, day1_home) == 0 &&
	    serve_start(&hub1, day1_home) == 0) {
		double per1 = sessions_run(&hub1, "day1", 9001);
		if (per1 > 0) {
			fig_set("hub_sessions_growth", perlast / per1);
			fig_set("hub_sessions_per_s", 1.0 / perlast);
		}
		stop(hub1.pid);
	}
}

/* ---- measure: LoRa ------------------------------------------------------------ */

struct lora_boot {
	uint8_t **p;
	size_t *len, n, cap;
};

static int lora_keep(void *arg, const uint8_t *chunk, size_t len, const struct sync_chunk_info *info)
{
	struct lora_boot *b = arg;
	(void)info;
	if (b->n == b->cap) {
		b->cap = b->cap ? 2 * b->cap : 256;
		b->p = realloc(b->p, b->cap * sizeof(*b->p));
		b->len = realloc(b->len, b->cap * sizeof(*b->len));
	}
	if (!b->p || !b->len || !(b->p[b->n] = malloc(len)))
		return -ENOMEM;
	memcpy(b->p[b->n], chunk, len);
	b->len[b->n++] = len;
	return 0;
}

/*
 * A LoRa station's week against the hub at home (its replica, opened
 * in-process with the daemon's sync options; `cunlian serve` stopped):
 * a new station s9100, enrolled as `enroll sign` does, holding the
 * county's scope (its first sync, not counted), then the last seven days
 * of s0001's trace as its own, and the hub's writes for s0001 as the
 * hub's for s9100, at their times a week later. Exchanges as `serve`
 * schedules them for a peer with profile=lora (node/cmd_serve.c,
 * node/netconf.c): the first at the start of the week, the next
 * NODE_LORA_INTERVAL_S (7,200 s) after one ended, or after a failure
 * 5 s, doubling up to backoff_max (3,600 s). The week is one boot: its
 * first exchange is a full session (no anchor yet), every later one
 * starts with the probe (lm_sync). 10 % of frames lost.
 * lora_week_airtime_s: every frame of that week. lora_idle_week_airtime_s:
 * every frame of the week after it, at the same schedule, with nothing
 * new either way (each exchange a probe answered "vv same", and what
 * the lost frames cost).
 */
/* NODE_LORA_INTERVAL_S, or LM_INTERVAL_S to see another interval's cost */
#define LORA_INTERVAL_MS \
	((uint64_t)(getenv("LM_INTERVAL_S") ? strtoul(getenv("LM_INTERVAL_S"), NULL, 10) : NODE_LORA_INTERVAL_S) * 1000)
#define LORA_BACKOFF_FIRST_MS 5000ULL   /* node/cmd_serve.c: min(interval, 5 s) */
#define LORA_BACKOFF_MAX_MS 3600000ULL  /* node/netconf.c: backoff_max 3600 */

/* A trace line with s0001's ids made s9100's, parsed into op. */
static void lora_line(const char *s, struct tr_op *op, struct crdt_write *w)
{
	char line[8192], *p, *q = line;
	size_t len = strlen(s);
	if (len * 2 >= sizeof(line))
		die("a long trace line", ERR_TOOBIG);
	while ((p = strstr(s, "s0001"))) { /* the station's ids are s9100's */
		memcpy(q, s, (size_t)(p - s));
		q += p - s;
		memcpy(q, "s9100", 5);
		q += 5;
		s = p + 5;
	}
	strcpy(q, s);
	if (tr_parse(line, op) || tr_write(op, w))
		die("a trace line", ERR_CORRUPT);
}

static void lora_run(const char *home, const struct sim_site *src, const struct site_lines *hubl)
{
	char path[PATH_MAX + 64];
	struct county c;
	struct sync_dict *dict = NULL;
	struct crdt_store *hst = NULL, *sst = NULL;
	struct sync_ctx *hc = NULL, *sc = NULL;
	struct sync_options ho, so;
	struct sync_identity sid;
	struct buf cert;
	unsigned char seed[32];
	struct tr_op *op = NULL;
	struct lm m;
	bool failed_before = failed; /* an earlier figure's failure is not this one's */
	int rc;

	failed = false;
	county_load(&c, home);
	if ((rc = sync_dict_load(&dict, getenv("CUNLIAN_DICT") ? getenv("CUNLIAN_DICT") : "sync/dict/cunlian-v1.dict")))
		die("dictionary", rc);
	memset(&ho, 0, sizeof(ho));
	ho.dict = dict;
	ho.chunk_max = SYNC_CHUNK_IP; /* the hub's chunk (node/netconf.c) */
	ho.apply.all = true;
	ho.carry_others = true;
	ho.county_root = c.root.pk;
	ho.self_cert = c.hub_cert;
	ho.self_cert_len = c.hub_cert_len;
	PATHF(path, "%s/replica.db", home);
	struct crdt_options co = { .no_sync = true };
	if ((rc = crdt_store_open(&hst, path, c.hub.pk, &co)) || (rc = sync_ctx_new(&hc, hst, &c.hub, &ho)))
		die("open the hub for LoRa", rc);
	tr_site_seed("lora-s9100", seed);
	sync_identity_from_seed(&sid, seed);
	{ /* enroll sign */
		struct sync_statement stmt;
		struct sync_trust_row row;
		memset(&stmt, 0, sizeof(stmt));
		memcpy(stmt.node, sid.pk, SYNC_PK_LEN);
		stmt.role = SYNC_ROLE_STATION;
		snprintf(stmt.station, sizeof(stmt.station), "s9100");
		stmt.not_after = TR_DAY0 + 20 * 365 * TR_DAY;
		if ((rc = sync_statement_sign(&stmt, &c.root)))
			die("statement", rc);
		buf_init(&cert, SYNC_STMT_MAX);
		sync_statement_encode(&cert, &stmt);
		if ((rc = sync_statement_row(&row, &stmt)) ||
		    (rc = sync_root_commit(hc, hst, &c.root, now_wall_ms(), &row.w, 1)))
			die("enrol the LoRa station", rc);
	}
	memset(&so, 0, sizeof(so));
	so.dict = dict;
	so.chunk_max = NODE_LORA_CHUNK; /* a station with a LoRa peer (node/netconf.c) */
	so.county_root = c.root.pk;
	so.self_cert = cert.data;
	so.self_cert_len = cert.len;
	so.carry_others = true;
	sync_scopes_add(&so.apply, "s9100");
	sync_scopes_add(&so.apply, "");
	if ((rc = crdt_store_open(&sst, ":memory:", sid.pk, &co)) || (rc = sync_ctx_new(&sc, sst, &sid, &so)))
		die("open the LoRa station", rc);
	{ /* its first sync: the county's scope */
		struct sync_scopes w, r;
		memset(&w, 0, sizeof(w));
		memset(&r, 0, sizeof(r));
		sync_scopes_add(&w, "s9100");
		sync_scopes_add(&w, "");
		sync_scopes_add(&r, "s9100");
		struct lora_boot b = { NULL, NULL, 0, 0 };
		if ((rc = sync_delta_export_for(hc, NULL, 0, &w, &r, lora_keep, &b)))
			{ fail("LoRa: the station's first sync: %s", err_str(rc)); goto done; }
		/* applied as a session does: a chunk that waits for an earlier
		 * one (ERR_GAP) again once others applied */
		bool progress = true;
		size_t left = b.n;
		while (left && progress) {
			progress = false;
			for (size_t i = 0; i < b.n; i++) {
				if (!b.p[i])
					continue;
				rc = sync_chunk_apply(sc, b.p[i], b.len[i], now_wall_ms(), NULL, NULL, NULL);
				if (rc == ERR_GAP)
					continue;
				if (rc)
					{ fail("LoRa: the station's first sync: %s", err_str(rc)); goto done; }
				free(b.p[i]);
				b.p[i] = NULL;
				left--;
				progress = true;
			}
		}
		for (size_t i = 0; i < b.n; i++)
			free(b.p[i]);
		free(b.p);
		free(b.len);
		if (left) {
			fail("LoRa: the station's first sync: %zu of %zu chunks never apply (%s)", left, b.n,
			     err_str(ERR_GAP));
			goto done;
		}
	}
	/* the week: s0001's last 7 days, as s9100's, a week later */
	size_t first_day = D > 7 ? D - 6 : 1;
	/* the week starts now (the wall clock): the hub holds statements the
	 * program signed a moment ago, and a station judges what it receives
	 * against its clock */
	uint64_t shift = now_wall_ms() - (TR_DAY0 + first_day * TR_DAY);
	uint64_t t0 = TR_DAY0 + first_day * TR_DAY + shift, t_end = t0 + 7 * TR_DAY;
	struct lm_end st = { sst, sc, NULL }, hub = { hst, hc, NULL };
	memset(&m, 0, sizeof(m));
	m.rng = 0x9E3779B97F4A7C15ULL;
	m.loss = getenv("LM_LOSS") ? atof(getenv("LM_LOSS")) : 0.10;
	m.self = sid.pk;
	m.batch_s = getenv("LM_BATCH_S") ? (unsigned)atoi(getenv("LM_BATCH_S")) : NODE_LORA_BATCH_S;
	op = malloc(sizeof(*op));
	size_t li = 0, hi = 0, xfail_run = 0;
	size_t n_waited = 0, n_full = 0, n_probed = 0, n_failed = 0, idle_x = 0, idle_failed = 0, wrote_st = 0, wrote_hub = 0;
	double air_full = 0, air_probed = 0, air_failed = 0, week = 0, w0 = now_s();
	double lora_limit_s = (double)env_num("BENCH_SCALE_LORA_LIMIT_S", 900);
	bool anchored = false;
	while (li < src->n) { /* skip to the week */
		if (tr_parse(src->lines[li], op))
			die("a trace line", ERR_CORRUPT);
		if ((size_t)tr_day(op->t) >= first_day)
			break;
		li++;
	}
	while (hi < hubl->n) {
		if (tr_parse(hubl->l[hi], op))
			die("a trace line", ERR_CORRUPT);
		if ((size_t)tr_day(op->t) >= first_day)
			break;
		hi++;
	}
	/* the week with data, then the idle week */
	uint64_t at = t0, backoff = 0;
	for (int wk = 0; wk < 2 && !failed; wk++) {
		/* the week with data goes on past its end until the hub holds
		 * every record of it (the last ones wait for the batch); the
		 * idle week is the seven days after that */
		uint64_t end = wk == 0 ? t_end : at + 7 * TR_DAY;
		double air0 = m.air_ms;
		bool left = false; /* station writes of the week still to come */
		while ((at < end || (wk == 0 && (left || !lm_converged(&st, &hub, sid.pk)))) && !failed) {
			struct crdt_write w;
			left = false;
			for (; wk == 0 && li < src->n; li++) { /* the station's writes until now */
				lora_line(src->lines[li], op, &w);
				if (op->t + shift > at) {
					left = op->t + shift <= t_end;
					break;
				}
				if ((rc = crdt_commit_local(sst, op->t + shift, "s9100", &w, 1, NULL))) {
					fail("LoRa: a station commit: %s", err_str(rc));
					goto done;
				}
				wrote_st++;
			}
			for (; wk == 0 && hi < hubl->n; hi++) { /* the hub's for this station */
				lora_line(hubl->l[hi], op, &w);
				if (op->t + shift > at)
					break;
				if ((rc = crdt_commit_local(hst, op->t + shift, "s9100", &w, 1, NULL))) {
					fail("LoRa: a hub commit: %s", err_str(rc));
					goto done;
				}
				wrote_hub++;
			}
			if (now_s() - w0 > lora_limit_s) {
				fail("LoRa: simulating took over %.0f s of wall time (BENCH_SCALE_LORA_LIMIT_S);"
				     " stopped after %.1f h of it (%.0f s of airtime so far)",
				     lora_limit_s, (double)(at - t0) / 3.6e6, m.air_ms / 1000.0);
				break;
			}
			double a0 = m.air_ms;
			m.now = at;
			rc = lm_sync(&m, &st, &hub, "s9100", anchored);
			if (rc >= 0 && !(rc == 1 && m.waiting) && !lm_converged(&st, &hub, sid.pk))
				rc = ERR_GAP; /* ended idle without the hub holding the station's feeds (unless
						 the probe left them waiting for the batch: link.c B3) */
			if (rc < 0) { /* serve backs off: 5 s, doubling */
				n_failed++;
				idle_failed += wk;
				air_failed += m.air_ms - a0;
				if (++xfail_run > 12) {
					fail("LoRa: 12 exchanges in a row did not converge, the last at %.1f h (%s)",
					     (double)(at - t0) / 3.6e6, err_str(rc));
					break;
				}
				backoff = backoff ? 2 * backoff : LORA_BACKOFF_FIRST_MS;
				if (backoff > LORA_BACKOFF_MAX_MS)
					backoff = LORA_BACKOFF_MAX_MS;
				at = m.now + backoff;
				continue;
			}
			xfail_run = 0;
			backoff = 0;
			anchored = true; /* the station's clock heard the hub in this boot */
			if (rc == 1) {
				n_probed++;
				n_waited += m.waiting > 0;
				air_probed += m.air_ms - a0;
			} else {
				n_full++;
				air_full += m.air_ms - a0;
			}
			idle_x += wk;
			/* serve comes back when the oldest waiting record is due,
			 * at the latest (node/cmd_serve.c, link.c B4) */
			at = m.now + (rc == 1 && m.waiting && m.wait_ms < LORA_INTERVAL_MS ? m.wait_ms : LORA_INTERVAL_MS);
		}
		if (wk == 0)
			week = (m.air_ms - air0) / 1000.0;
		else if (!failed)
			fig_set("lora_idle_week_airtime_s", (m.air_ms - air0) / 1000.0);
		if (wk == 0 && !failed && xfail_run)
			fail("LoRa: the week's last exchange did not converge");
		if (wk == 0 && !failed)
			fig_set("lora_week_airtime_s", week);
	}
	free(op);
	op = NULL;
	if (!failed)
		printf("  LoRa (every %llu s after the last, the probe first, own records batched up to %u s): week with"
		       " data %.1f s air (%zu station"
		       " writes, %zu hub writes); %zu full sessions (%.1f s air, the last check %zu bytes), %zu ended by"
		       " the probe (%zu of them with own records waiting; %.2f s air, %.2f s each), %zu failed (%.1f s air; backed off, tried again);"
		       " idle week %zu exchanges, %zu failed; %llu probes, %llu \"vv same\"; %llu frames, %llu lost;"
		       " %.1f s to simulate\n",
		       (unsigned long long)(LORA_INTERVAL_MS / 1000), m.batch_s, week, wrote_st, wrote_hub, n_full,
		       air_full / 1000.0, m.check_text, n_probed, n_waited, air_probed / 1000.0, n_probed ? air_probed / 1000.0 / (double)n_probed : 0.0,
		       n_failed, air_failed / 1000.0, idle_x, idle_failed, (unsigned long long)m.probes,
		       (unsigned long long)m.probes_same, (unsigned long long)m.frames, (unsigned long long)m.lost,
		       now_s() - w0);
done:
	free(op);
	sync_ctx_free(sc);
	crdt_store_close(sst);
	sync_ctx_free(hc);
	crdt_store_close(hst);
	sync_dict_free(dict);
	buf_release(&cert);
	sync_identity_release(&sid);
	sync_identity_release(&c.root);
	sync_identity_release(&c.hub);
	failed = failed || failed_before;
}

/* A figure's name in bench.json when a tag is set (make bench runs a
 * small hub): "_city" becomes "_TAG", or "_TAG" is appended. */
static void fig_name(const char *name, const char *tag, char *out, size_t cap)
{
	const char *c = tag ? strstr(name, "_city") : NULL;
	if (!tag)
		snprintf(out, cap, "%s", name);
	else if (c)
		snprintf(out, cap, "%.*s_%s%s", (int)(c - name), name, tag, c + 5);
	else
		snprintf(out, cap, "%s_%s", name, tag);
}

static void report_figs(void)
{
	const char *json = getenv("BENCH_SCALE_OUT"), *lines = getenv("BENCH_OUT"), *tag = getenv("BENCH_SCALE_TAG");
	char name[96];
	printf("bench-scale: %zu stations x %zu days, %u seed volunteers a station (hub_sessions_growth: day %zu / day 1)\n",
	       S, D, SV, D);
	for (size_t i = 0; i < NFIGS; i++) {
		const struct fig *f = &figs[i];
		char target[64];
		fig_name(f->name, tag, name, sizeof(name));
		snprintf(target, sizeof(target), "target %s %g", f->at_most ? "<=" : ">=", f->target);
		if (f->target < 0) /* printed, no target */
			snprintf(target, sizeof(target), "(printed)");
		if (!f->have) {
			printf("  %-30s %10s %-4s %-14s NOT MEASURED  (%s)\n", name, "-", f->unit, target, f->what);
			continue;
		}
		bool met = f->at_most ? f->v <= f->target : f->v >= f->target;
		printf("  %-30s %10.*f %-4s %-14s %-12s  (%s)\n", name, f->decimals, f->v, f->unit, target,
		       f->target < 0 ? "" : met ? "met" : "MISSED", f->what);
	}
	if (failed)
		fprintf(stderr, "bench_scale: a run FAILED (above): its figure is not written, exit 1\n");
	if (lines) { /* tests/bench/run.sh: "name value" lines */
		FILE *f = fopen(lines, "a");
		if (!f)
			die(lines, -errno);
		for (size_t i = 0; i < NFIGS; i++)
			if (figs[i].have) {
				fig_name(figs[i].name, tag, name, sizeof(name));
				fprintf(f, "%s %.*f\n", name, figs[i].decimals, figs[i].v);
			}
		fclose(f);
	}
	if (json) {
		FILE *f = fopen(json, "w");
		if (!f)
			die(json, -errno);
		fprintf(f, "{");
		bool first = true;
		for (size_t i = 0; i < NFIGS; i++)
			if (figs[i].have) {
				fig_name(figs[i].name, tag, name, sizeof(name));
				fprintf(f, "%s\"%s\": %.*f", first ? "" : ", ", name, figs[i].decimals, figs[i].v);
				first = false;
			}
		fprintf(f, "}\n");
		fclose(f);
		printf("figures written to %s\n", json);
	}
}

/* ---- the cache's key ------------------------------------------------------ */

/* Hex SHA-256 of a file's bytes into out (65 bytes); "-" when unreadable. */
static void file_sha256(const char *path, char out[65])
{
	struct sha256 h;
	uint8_t d[SHA256_LEN], b[1 << 16];
	size_t n;
	FILE *f = fopen(path, "rb");
	snprintf(out, 65, "-");
	if (!f)
		return;
	sha256_init(&h);
	while ((n = fread(b, 1, sizeof(b), f)) > 0)
		sha256_update(&h, b, n);
	fclose(f);
	sha256_final(&h, d);
	for (size_t i = 0; i < SHA256_LEN; i++)
		snprintf(out + 2 * i, 3, "%02x", d[i]);
}

/*
 * What the cached hub was built from: the parameters, and the SHA-256 of
 * the product that built it (the library this program is linked with,
 * build/libcunlian.a, and the program build/cunlian that made the hub's
 * home), of the generator (villagegen.py) and of the dictionary. Any
 * change to one of them gives another key, and the hub is built again.
 */
static void cache_key(char *out, size_t cap, const char *argv0)
{
	char lib[PATH_MAX], wl[PATH_MAX], h_lib[65], h_bin[65], h_gen[65], h_dict[65];
	const char *slash = strrchr(argv0, '/');
	const char *w = getenv("CUNLIAN_WORKLOAD") ? getenv("CUNLIAN_WORKLOAD") : "../shared/workload";
	PATHF(lib, "%.*s/../libcunlian.a", slash ? (int)(slash - argv0) : 1, slash ? argv0 : ".");
	file_sha256(lib, h_lib);
	if (strcmp(h_lib, "-") == 0) /* built elsewhere: the program itself */
		file_sha256("/proc/self/exe", h_lib);
	file_sha256(bin, h_bin);
	PATHF(wl, "%s/villagegen.py", w);
	file_sha256(wl, h_gen);
	file_sha256(getenv("CUNLIAN_DICT") ? getenv("CUNLIAN_DICT") : "sync/dict/cunlian-v1.dict", h_dict);
	snprintf(out, cap,
		 "format %d stations %zu days %zu seed-volunteers %u library %.16s program %.16s villagegen %.16s"
		 " dict %.16s\n",
		 SCALE_FORMAT, S, D, SV, h_lib, h_bin, h_gen, h_dict);
}

/* ---- main ----------------------------------------------------------------- */

int main(int argc, char **argv)
{
	char stamp[PATH_MAX + 32], want[512], have[512] = "";
	if (argc >= 4 && strcmp(argv[1], "--peak-run") == 0)
		return peak_run(argv + 2);
	{
		ssize_t k = readlink("/proc/self/exe", self_exe, sizeof(self_exe) - 1);
		if (k <= 0 || (size_t)k >= sizeof(self_exe) - 1)
			die("cannot find this program (/proc/self/exe)", -errno);
		self_exe[k] = '\0';
	}
	(void)sim_read; /* sim.h: this program reads the trace itself */
	(void)sim_free;
	S = env_num("BENCH_SCALE_STATIONS", S);
	D = env_num("BENCH_SCALE_DAYS", D);
	V = env_num("BENCH_SCALE_VOLUNTEERS", V * S / 1078);
	JOBS = env_num("BENCH_SCALE_JOBS", JOBS);
	K = env_num("BENCH_SCALE_SESSIONS", K);
	ROUNDS = env_num("BENCH_SCALE_ROUNDS", ROUNDS);
	if (ROUNDS < 1)
		ROUNDS = 1;
	/* live volunteers per station at the end: the seed ones and 3 a day,
	 * less deletes at 0.005 a volunteer a day (villagegen's defaults): about
	 * 12 % of them by day 30 (measured at 50 stations) */
	double per = (double)V / (double)S;
	double sv = per / (1.0 - 0.005 * (double)D * 0.8) - 3.0 * (double)D;
	SV = sv < 40 ? 40 : (unsigned)(sv + 0.5);
	PATHF(dir, "%s", getenv("BENCH_SCALE_DIR") ? getenv("BENCH_SCALE_DIR") : "build/scale");
	{
		const char *slash = strrchr(argv[0], '/');
		PATHF(gen_c, "%.*s/villagegen", slash ? (int)(slash - argv[0]) : 1, slash ? argv[0] : ".");
	}
	if (getenv("CUNLIAN_BIN")) {
		PATHF(bin, "%s", getenv("CUNLIAN_BIN"));
	} else {
		const char *slash = strrchr(argv[0], '/');
		int n = slash ? (int)(slash - argv[0]) : 1;
		PATHF(bin, "%.*s/../cunlian", n, slash ? argv[0] : ".");
	}
	if (access(bin, X_OK) != 0 || sync_init()) {
		fprintf(stderr, "bench_scale: %s is not an executable (set CUNLIAN_BIN)\n", bin);
		return 1;
	}
	if (dir[0] != '/') {
		char cwd[PATH_MAX], tmp[PATH_MAX];
		if (!getcwd(cwd, sizeof(cwd)))
			die("getcwd", -errno);
		PATHF(tmp, "%s/%s", cwd, dir);
		PATHF(dir, "%s", tmp);
	}
	if (bin[0] != '/') {
		char cwd[PATH_MAX], tmp[PATH_MAX];
		if (!getcwd(cwd, sizeof(cwd)))
			die("getcwd", -errno);
		PATHF(tmp, "%s/%s", cwd, bin);
		PATHF(bin, "%s", tmp);
	}
	setenv("LANG", "en_US.UTF-8", 1);
	setenv("CUNLIAN_LANG", "en", 1); /* a home of init speaks Chinese whatever LANG says */
	unsetenv("LC_ALL");
	unsetenv("CUNLIAN_NOW_MS");
	unsetenv("CUNLIAN_HOME");
	PATHF(stamp, "%s/STAMP", dir);
	cache_key(want, sizeof(want), argv[0]);
	FILE *f = fopen(stamp, "r");
	if (f) {
		if (!fgets(have, sizeof(have), f))
			have[0] = '\0';
		fclose(f);
	}
	if (strcmp(want, have) != 0)
		build(stamp, want);
	else
		printf("build: cached in %s (%.*s)\n", dir, (int)strcspn(have, "\n"), have);
	fflush(stdout);
	measure();
	report_figs();
	return failed ? 1 : 0;
}
