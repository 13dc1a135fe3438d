// SPDX-License-Identifier: MIT
/*
 * bench_sync.c - what a station's day costs on the wire, and how long the
 * hub takes to take every station's day in.
 *
 * Trace: villagegen --stations S --days 1 --seed 1 (../shared/workload,
 * or $CUNLIAN_WORKLOAD). Each station op is one local commit of its site
 * (sync/dict/sim.h); the hub's own ops are left out. Day 0 is synced to
 * the hub first (not timed); then the hub verifies, decompresses, decodes
 * and applies every station's day-1 delta in one durable transaction
 * (synchronous=FULL; every delta is on disk before it would be acked).
 *
 * Prints a table; with BENCH_OUT set, appends "name value" lines there.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "base/err.h"
#include "sync/dict/sim.h"
#include "sync/sync_internal.h"

static double now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
}

static int cmp_size(const void *a, const void *b)
{
	size_t x = *(const size_t *)a, y = *(const size_t *)b;
	return x < y ? -1 : x > y;
}

static size_t median(size_t *v, size_t n)
{
	qsort(v, n, sizeof(*v), cmp_size);
	return n ? v[n / 2] : 0;
}

static void figure(const char *name, double v, const char *unit, const char *target)
{
	const char *path = getenv("BENCH_OUT");
	printf("  %-34s %12.1f %-6s %s\n", name, v, unit, target);
	if (path) {
		FILE *f = fopen(path, "a");
		if (f) {
			fprintf(f, "%s %.1f\n", name, v);
			fclose(f);
		}
	}
}

struct run {
	size_t stations;
	struct sim_chunks *d0, *d1; /* per station, with the dictionary */
	size_t *bytes, *bytes_nodict;
	uint64_t commits_d1;
};

static int load(struct sim *sim, size_t stations)
{
	char cmd[512];
	const char *wl = getenv("CUNLIAN_WORKLOAD") ? getenv("CUNLIAN_WORKLOAD") : "../shared/workload";
	snprintf(cmd, sizeof(cmd), "python3 %s/villagegen.py --stations %zu --days 1 --seed 1", wl, stations);
	FILE *p = popen(cmd, "r");
	if (!p)
		return -1;
	sim_read(sim, p);
	return pclose(p) == 0 && sim->n ? 0 : -1;
}

static int stations_run(struct sim *sim, const char *dir, const struct sync_dict *dict, bool nodict,
			struct run *r)
{
	char path[512];
	struct sync_options opt;
	memset(&opt, 0, sizeof(opt));
	opt.apply.all = true;
	r->stations = sim->n;
	r->d0 = calloc(sim->n, sizeof(*r->d0));
	r->d1 = calloc(sim->n, sizeof(*r->d1));
	r->bytes = calloc(sim->n, sizeof(size_t));
	r->bytes_nodict = calloc(sim->n, sizeof(size_t));
	for (size_t i = 0; i < sim->n; i++) {
		struct sim_chunks days[2];
		int rc;
		snprintf(path, sizeof(path), "%s/%s.db", dir, sim->s[i].name);
		memset(days, 0, sizeof(days));
		opt.dict = dict;
		if ((rc = sim_station(&sim->s[i], path, &opt, 2, days, NULL))) {
			fprintf(stderr, "station %s: %s\n", sim->s[i].name, err_str(rc));
			return rc;
		}
		r->d0[i] = days[0];
		r->d1[i] = days[1];
		for (size_t k = 0; k < days[1].n; k++)
			r->bytes[i] += days[1].len[k];
		if (nodict) {
			struct sim_chunks nd[2];
			memset(nd, 0, sizeof(nd));
			opt.dict = NULL;
			snprintf(path, sizeof(path), "%s/%s-nd.db", dir, sim->s[i].name);
			if ((rc = sim_station(&sim->s[i], path, &opt, 2, nd, NULL)))
				return rc;
			for (int d = 0; d < 2; d++)
				for (size_t k = 0; k < nd[d].n; k++) {
					if (d == 1)
						r->bytes_nodict[i] += nd[d].len[k];
					free(nd[d].p[k]);
				}
		}
	}
	return 0;
}

/* Day 0 untimed, then day 1 timed: grouped (one transaction) or one
 * durable transaction per station delta. Returns ms, or < 0. */
static double hub_merge(const struct run *r, const char *dir, const char *name,
			const struct sync_dict *dict, bool grouped, uint64_t *applied)
{
	char path[512];
	struct sync_identity id;
	struct crdt_store *st;
	struct sync_ctx *ctx;
	struct sync_options opt;
	struct sync_report rep;
	unsigned char seed[32];
	double t0, t1;
	int rc = 0;

	memset(&opt, 0, sizeof(opt));
	opt.apply.all = true;
	opt.dict = dict;
	tr_site_seed("hub", seed);
	sync_identity_from_seed(&id, seed);
	snprintf(path, sizeof(path), "%s/%s.db", dir, name);
	if (crdt_store_open(&st, path, id.pk, NULL) || sync_ctx_new(&ctx, st, &id, &opt))
		return -1;
	uint64_t wall = TR_DAY0 + 2 * TR_DAY;
	sync_ctx_group_begin(ctx);
	for (size_t i = 0; i < r->stations && !rc; i++)
		for (size_t k = 0; k < r->d0[i].n && !rc; k++)
			rc = sync_chunk_apply(ctx, r->d0[i].p[k], r->d0[i].len[k], wall, NULL, NULL, NULL);
	rc = rc ? rc : sync_ctx_group_end(ctx);
	if (grouped) { /* how much of it is checking and decoding alone */
		struct sync_chunk ch;
		struct sync_batch b;
		sync_batch_init(&b);
		t0 = now_ms();
		for (size_t i = 0; i < r->stations; i++)
			for (size_t k = 0; k < r->d1[i].n; k++)
				if (sync_chunk_open(ctx, r->d1[i].p[k], r->d1[i].len[k], &ch) ||
				    sync_payload_decode(ch.payload, ch.payload_len, ch.sender, &b))
					rc = ERR_CORRUPT;
		t1 = now_ms();
		sync_batch_release(&b);
		printf("  %-34s %12.1f ms\n", "  (of which verify+decompress+decode)", t1 - t0);
	}
	memset(&rep, 0, sizeof(rep));
	t0 = now_ms();
	if (grouped && !rc)
		rc = sync_ctx_group_begin(ctx);
	for (size_t i = 0; i < r->stations && !rc; i++)
		for (size_t k = 0; k < r->d1[i].n && !rc; k++)
			rc = sync_chunk_apply(ctx, r->d1[i].p[k], r->d1[i].len[k], wall, &rep, NULL, NULL);
	if (grouped && !rc)
		rc = sync_ctx_group_end(ctx);
	t1 = now_ms();
	if (rc || rep.refused)
		fprintf(stderr, "hub merge: %s, %llu refused\n", err_str(rc), (unsigned long long)rep.refused);
	*applied = rep.applied;
	sync_ctx_free(ctx);
	crdt_store_close(st);
	sync_identity_release(&id);
	return rc ? -1 : t1 - t0;
}

static void run_free(struct run *r)
{
	for (size_t i = 0; i < r->stations; i++) {
		for (size_t k = 0; k < r->d0[i].n; k++)
			free(r->d0[i].p[k]);
		for (size_t k = 0; k < r->d1[i].n; k++)
			free(r->d1[i].p[k]);
	}
	free(r->d0);
	free(r->d1);
	free(r->bytes);
	free(r->bytes_nodict);
}

int main(int argc, char **argv)
{
	struct sync_dict *dict = NULL;
	struct sim sim;
	struct run r;
	char dir[] = "/tmp/cunlian-bench-sync-XXXXXX", cmd[600];
	size_t big = argc > 1 ? (size_t)atol(argv[1]) : 1000;
	uint64_t applied = 0;
	int rc;

	if (sync_init() || !mkdtemp(dir))
		return 1;
	rc = sync_dict_load(&dict, getenv("CUNLIAN_DICT") ? getenv("CUNLIAN_DICT") : "sync/dict/cunlian-v1.dict");
	if (rc)
		fprintf(stderr, "no dictionary (%s): run sync/dict/build.sh\n", err_str(rc));
	printf("sync: villagegen --days 1 --seed 1, station day-1 deltas to the hub\n");
	if (load(&sim, 100)) {
		fprintf(stderr, "cannot run villagegen (set CUNLIAN_WORKLOAD)\n");
		return 1;
	}
	if (stations_run(&sim, dir, dict, true, &r))
		return 1;
	figure("delta_bytes_station_day", (double)median(r.bytes, r.stations), "B", "target <= 1600");
	figure("delta_bytes_no_dict_station_day", (double)median(r.bytes_nodict, r.stations), "B",
	       "target <= 3000");
	double ms = hub_merge(&r, dir, "hub100", dict, true, &applied);
	figure("hub_merge_ms", ms, "ms", "target <= 150 (one durable transaction)");
	printf("  %-34s %12llu commits\n", "  (day-1 commits merged)", (unsigned long long)applied);
	ms = hub_merge(&r, dir, "hub100e", dict, false, &applied);
	figure("hub_merge_txn_each_ms", ms, "ms", "(one durable transaction per station)");
	run_free(&r);
	sim_free(&sim);
	if (big > 0) {
		if (load(&sim, big) || stations_run(&sim, dir, dict, false, &r))
			return 1;
		ms = hub_merge(&r, dir, "hub1000", dict, true, &applied);
		figure("hub_merge_1000_ms", ms, "ms", "target <= 1200");
		printf("  %-34s %12llu commits\n", "  (day-1 commits merged)", (unsigned long long)applied);
		run_free(&r);
		sim_free(&sim);
	}
	sync_dict_free(dict);
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	return system(cmd) == 0 ? 0 : 1;
}
