// SPDX-License-Identifier: MIT
/*
 * bench_sync.c - what a station's day costs on the wire, and how long the
 * hub takes to take every station's day in.
 *
 * Trace: villagegen --stations S --days 1 --seed 1 (../shared/workload,
 * or $CUNLIAN_WORKLOAD). Each station op is one local commit of its site
 * (sync/dict/sim.h); the hub's own ops are left out. Day 0 is synced to
 * the hub first (not timed); then the hub verifies, decompresses, decodes
 * and applies every station's day-1 delta in the durable transactions
 * `serve` makes (synchronous=FULL; every delta is on disk before it would
 * be acked): 4 stations at once, each turn's chunks together (its real
 * load), and every station alone, a transaction per chunk (its worst
 * case); see MERGE_WIDTH.
 * The WAL is copied into the file after that, as the daemon does once it
 * has acked (crdt_store_checkpoint): that time is printed apart.
 *
 * The figures without trust measure the encoding (bodies in plaintext).
 * The "encrypted" figures replay the same trace in an enrolled county, as
 * a deployment runs: a county root, the hub and every station hold
 * statements of that root (the station's scope key sealed in its own, M
 * in the hub's), so every station-scope body is stored encrypted one by
 * one (sync/trust.c). What a station sends the hub, which reads its scope,
 * is an opened range: the day's bodies compressed together in one box
 * under the scope key (delta_bytes_encrypted_*); what it sends a relay
 * that cannot read the scope is each body as stored
 * (delta_bytes_encrypted_per_commit_*). The hub takes the root's feed
 * first, then the opened deltas, rebuilds and checks every body and who
 * wrote what; its digest of every station's scope must equal the plain
 * hub's.
 *
 * Prints a table; with BENCH_OUT set, appends "name value" lines there.
 */
#define ZSTD_STATIC_LINKING_ONLY /* ZSTD_frameHeaderSize, for the breakdown */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sqlite3.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <time.h>

#include "base/err.h"
#include "sync/dict/sim.h"
#include "sync/sync_internal.h"
#include "tests/bench/figure.h"

static double now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
}

/* CPU time of this process (user + system), ms: less bent by other load
 * on a shared machine than the wall clock, but blind to waiting on fsync. */
static double cpu_ms(void)
{
	struct rusage ru;
	getrusage(RUSAGE_SELF, &ru);
	return (double)(ru.ru_utime.tv_sec + ru.ru_stime.tv_sec) * 1e3 +
	       (double)(ru.ru_utime.tv_usec + ru.ru_stime.tv_usec) / 1e3;
}

static double merge_cpu_ms; /* CPU time of the last hub_merge's timed part */
static double merge_ckpt_ms; /* its checkpoint, after the timed part (as after the ack) */

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
	bench_figure(name, v, 1, unit, target);
}

struct run {
	size_t stations;
	struct sim_chunks *d0, *d1; /* per station, with the dictionary */
	size_t *bytes, *bytes_nodict;
	size_t *bytes_at; /* bytes, per station in order (median() sorts bytes) */
	size_t *bytes_timed; /* bytes, the station having heard the hub's time (hello_bytes) */
	size_t *bytes_whole; /* bytes, every chunk whole (to a hub before compact chunks) */
	size_t *hello, *nchunks; /* per station: its HELLO's bytes, its day-1 chunks */
	size_t *bytes_closed; /* enrolled: the same day commit by commit (no reader named) */
	uint64_t commits_d1;
};

/* An enrolled county (NULL where a figure runs without trust). */
struct county {
	struct sync_identity root;
	struct buf hub_cert;
	struct buf *cert;            /* per station of the sim, in order */
	struct sim_chunks root_feed; /* the root's enrolment commits, as chunks */
};

static int county_statement(struct county *k, const char *site, uint8_t role, const char *station,
			    struct buf *out)
{
	struct sync_identity id;
	struct sync_statement st;
	unsigned char seed[32];
	int rc;

	tr_site_seed(site, seed);
	if ((rc = sync_identity_from_seed(&id, seed)))
		return rc;
	memset(&st, 0, sizeof(st));
	memcpy(st.node, id.pk, SYNC_PK_LEN);
	sync_identity_release(&id);
	st.role = role;
	snprintf(st.station, sizeof(st.station), "%s", station);
	st.not_before = 0;
	st.not_after = TR_DAY0 + 365 * TR_DAY;
	if ((rc = sync_statement_sign(&st, &k->root)))
		return rc;
	buf_init(out, SYNC_STMT_MAX);
	sync_statement_encode(out, &st);
	return out->err;
}

/* The root's replica (dir/root.db) enrols the hub and every station with
 * one commit each, as `cunlian enroll` does; its feed is kept as chunks. */
static int county_init(struct county *k, const struct sim *sim, const char *dir)
{
	unsigned char seed[32];
	char path[512];
	struct crdt_store *st = NULL;
	struct sync_ctx *ctx = NULL;
	struct crdt_options co = { .no_sync = true };
	struct sync_options opt;
	int rc;

	memset(k, 0, sizeof(*k));
	tr_site_seed("county-root", seed);
	if ((rc = sync_identity_from_seed(&k->root, seed)))
		return rc;
	k->cert = calloc(sim->n, sizeof(*k->cert));
	if (!k->cert)
		return -ENOMEM;
	if ((rc = county_statement(k, "hub", SYNC_ROLE_HUB, "c01", &k->hub_cert)))
		return rc;
	for (size_t i = 0; i < sim->n && !rc; i++)
		rc = county_statement(k, sim->s[i].name, SYNC_ROLE_STATION, sim->s[i].name, &k->cert[i]);
	if (rc)
		return rc;
	memset(&opt, 0, sizeof(opt));
	opt.apply.all = true;
	snprintf(path, sizeof(path), "%s/root.db", dir);
	remove(path);
	if ((rc = crdt_store_open(&st, path, k->root.pk, &co)) ||
	    (rc = sync_ctx_new(&ctx, st, &k->root, &opt)))
		goto out;
	for (size_t i = 0; i <= sim->n && !rc; i++) {
		const struct buf *c = i < sim->n ? &k->cert[i] : &k->hub_cert;
		struct sync_statement stmt;
		struct sync_trust_row row;
		if (!(rc = sync_statement_decode(c->data, c->len, &stmt)) &&
		    !(rc = sync_statement_row(&row, &stmt)))
			rc = crdt_commit_local(st, TR_DAY0 - TR_DAY + i, "", &row.w, 1, NULL);
	}
	if (!rc)
		rc = sync_delta_export(ctx, NULL, 0, NULL, sim_keep, &k->root_feed);
out:
	sync_ctx_free(ctx);
	crdt_store_close(st);
	return rc;
}

static void county_free(struct county *k, size_t n)
{
	for (size_t i = 0; k->cert && i < n; i++)
		buf_release(&k->cert[i]);
	free(k->cert);
	buf_release(&k->hub_cert);
	for (size_t i = 0; i < k->root_feed.n; i++)
		free(k->root_feed.p[i]);
	sync_identity_release(&k->root);
}

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

/* The HELLO the station sends first in a session (its version vector,
 * its statement when enrolled), as the replica at path is after the day:
 * part of what a day's sync costs. heard: the station has heard the hub's
 * time (every sync but its first, node/ app_clock_say_time), so it says
 * it too (docs/protocol.md "TIME"): then everything it sends before the
 * hub answers, the HELLO and a TIME chunk unless the HELLO carries it. */
static size_t hello_bytes(const struct sim_site *site, const char *path, const struct sync_options *opt,
			  bool heard)
{
	struct sync_identity id;
	struct crdt_store *st = NULL;
	struct sync_ctx *ctx = NULL;
	struct sync_session *ss = NULL;
	struct crdt_options co = { .no_sync = true };
	struct sync_session_options so = { .initiator = true }; /* as node/link.c: no cert */
	unsigned char seed[32];
	struct buf m;
	size_t len = 0;

	tr_site_seed(site->name, seed);
	buf_init(&m, SYNC_CHUNK_MAX);
	if (sync_identity_from_seed(&id, seed) == 0 && crdt_store_open(&st, path, id.pk, &co) == 0 &&
	    sync_ctx_new(&ctx, st, &id, opt) == 0) {
		if (heard)
			sync_ctx_set_time(ctx, SYNC_TIME_HEARD, TR_DAY0 + 2 * TR_DAY - 3600 * 1000, 0);
		if (sync_session_new(&ss, ctx, &so, TR_DAY0 + 2 * TR_DAY) == 0 &&
		    sync_session_output(ss, &m, TR_DAY0 + 2 * TR_DAY) == 1) {
			len = m.len;
			while (heard && sync_session_output(ss, &m, TR_DAY0 + 2 * TR_DAY) == 1)
				len += m.len; /* the TIME after it */
		}
	}
	sync_session_free(ss);
	sync_ctx_free(ctx);
	crdt_store_close(st);
	sync_identity_release(&id);
	buf_release(&m);
	if (!len) {
		fprintf(stderr, "bench_sync: no HELLO from %s\n", site->name);
		exit(1);
	}
	return len;
}

/* What a DELTA chunk costs on the wire in a session with a peer whose
 * HELLO said it reads compact chunks (docs/protocol.md §3 "Compact
 * chunks"; every node since session 7): its compact form, as the
 * session sends it the first time (sync/session.c S13), made by the
 * session's own sync_chunk_compact. */
static size_t wire_len(const uint8_t *p, size_t len)
{
	struct buf b;
	buf_init(&b, SYNC_CHUNK_MAX + 64);
	int rc = sync_chunk_compact(p, len, &b);
	size_t n = rc == 1 ? b.len : len;
	buf_release(&b);
	if (rc < 0) {
		fprintf(stderr, "bench_sync: a chunk that does not frame: %s\n", err_str(rc));
		exit(1);
	}
	return n;
}

/* Where the bytes of one station's day go (docs/protocol.md 3, 4): per
 * chunk its framing (header, length, signature) and its zstd frame (frame
 * header, the rest); inside the payload the range records and each
 * stream, raw and what leaving it out of the payload saves compressed
 * (its marginal cost, with the dictionary, at the node's level). */
static const char *const stream_name[7] = { "HLC", "OP", "PK", "NUM", "TXT", "RAW", "SIG" };

static size_t squeeze(ZSTD_CCtx *cc, const ZSTD_CDict *cd, const uint8_t *p, size_t n, uint8_t *z, size_t zcap)
{
	ZSTD_CCtx_reset(cc, ZSTD_reset_session_only);
	ZSTD_CCtx_refCDict(cc, cd);
	size_t k = ZSTD_compress2(cc, z, zcap, p, n);
	return ZSTD_isError(k) ? 0 : k;
}

static void bytes_breakdown(const struct sim_chunks *day, size_t hello, const struct sync_dict *dict)
{
	size_t frame = 0, fhdr = 0, plain = 0, ranges = 0, nr = 0, raw[7] = { 0 }, marg[7] = { 0 };
	size_t cap = SYNC_CHUNK_MAX, zcap = ZSTD_compressBound(SYNC_CHUNK_MAX);
	uint8_t *u = malloc(cap), *v = malloc(cap), *z = malloc(zcap);
	ZSTD_DCtx *dc = ZSTD_createDCtx();
	ZSTD_CCtx *cc = ZSTD_createCCtx();
	ZSTD_CDict *cd = dict ? ZSTD_createCDict(dict->bytes, dict->len, 19) : NULL;
	ZSTD_CCtx_setParameter(cc, ZSTD_c_compressionLevel, 19);
	ZSTD_CCtx_setParameter(cc, ZSTD_c_contentSizeFlag, 1);
	ZSTD_CCtx_setParameter(cc, ZSTD_c_checksumFlag, 0);
	ZSTD_CCtx_setParameter(cc, ZSTD_c_dictIDFlag, 0);
	for (size_t k = 0; k < day->n && u && v && z; k++) {
		const uint8_t *c = day->p[k];
		struct cur cu;
		uint64_t plen, x;
		cur_init(&cu, c, day->len[k]);
		cu.pos = SYNC_HDR_FIXED;
		if (cur_get_varint(&cu, &plen))
			break;
		const uint8_t *pl = c + cu.pos;
		size_t n = (size_t)plen;
		frame += n;
		if (c[4] & SYNC_FLAG_ZSTD) {
			fhdr += ZSTD_frameHeaderSize(pl, n);
			n = c[5] | c[6] | c[7] | c[8] ? ZSTD_decompress_usingDDict(dc, u, cap, pl, n, dict->dd)
						      : ZSTD_decompressDCtx(dc, u, cap, pl, n);
			if (ZSTD_isError(n))
				break;
		} else {
			memcpy(u, pl, n);
		}
		plain += n;
		cur_init(&cu, u, n);
		cur_get_varint(&cu, &x);
		cu.pos += (size_t)x * SYNC_PK_LEN;
		cur_get_varint(&cu, &x);
		nr += (size_t)x;
		for (uint64_t i = 0; i < x; i++) {
			uint64_t y;
			const uint8_t *b;
			size_t bl;
			cur_get_varint(&cu, &y);
			cur_get_lenbytes(&cu, 64, &b, &bl);
			cur_get_varint(&cu, &y);
			cur_get_varint(&cu, &y);
			cu.pos++;
		}
		ranges += cu.pos;
		size_t at[7], len[7], head = cu.pos;
		for (int j = 0; j < 7; j++) {
			const uint8_t *b;
			if (cur_get_lenbytes(&cu, cap, &b, &len[j]))
				break;
			at[j] = (size_t)(b - u);
			raw[j] += len[j];
		}
		size_t whole = squeeze(cc, cd, u, n, z, zcap);
		for (int j = 0; j < 7; j++) { /* the payload with stream j empty */
			size_t m = head;
			memcpy(v, u, head);
			for (int i = 0; i < 7; i++) {
				size_t l = i == j ? 0 : len[i];
				struct buf t;
				buf_init(&t, 16);
				buf_put_varint(&t, l);
				memcpy(v + m, t.data, t.len);
				m += t.len;
				buf_release(&t);
				memcpy(v + m, u + at[i], l);
				m += l;
			}
			size_t w = squeeze(cc, cd, v, m, z, zcap);
			marg[j] += whole > w ? whole - w : 0;
		}
	}
	printf("    bytes of the median station-day: HELLO %zu; %zu compact chunks: framing %zu (header %d, length, signature %d each),"
	       " zstd frames %zu (frame headers %zu) of %zu plain bytes; %zu ranges, %zu B of range records\n",
	       hello, day->n, day->n * (SYNC_HDR_COMPACT + SYNC_SIG_LEN) + 2 * day->n, SYNC_HDR_COMPACT, SYNC_SIG_LEN, frame,
	       fhdr, plain, nr, ranges);
	printf("    streams, plain / their marginal cost compressed:");
	for (int j = 0; j < 7; j++)
		printf(" %s %zu/%zu", stream_name[j], raw[j], marg[j]);
	printf("\n");
	ZSTD_freeCDict(cd);
	ZSTD_freeCCtx(cc);
	ZSTD_freeDCtx(dc);
	free(u);
	free(v);
	free(z);
}

static int stations_run(struct sim *sim, const char *dir, const struct sync_dict *dict, bool nodict,
			const struct county *cty, struct run *r)
{
	char path[512];
	struct sync_options opt;
	memset(&opt, 0, sizeof(opt));
	opt.apply.all = true;
	opt.chunk_max = SYNC_CHUNK_IP; /* node.conf chunk: what the daemon sends */
	r->stations = sim->n;
	r->d0 = calloc(sim->n, sizeof(*r->d0));
	r->d1 = calloc(sim->n, sizeof(*r->d1));
	r->bytes = calloc(sim->n, sizeof(size_t));
	r->bytes_nodict = calloc(sim->n, sizeof(size_t));
	r->bytes_at = calloc(sim->n, sizeof(size_t));
	r->bytes_timed = calloc(sim->n, sizeof(size_t));
	r->bytes_whole = calloc(sim->n, sizeof(size_t));
	r->bytes_closed = calloc(sim->n, sizeof(size_t));
	r->hello = calloc(sim->n, sizeof(size_t));
	r->nchunks = calloc(sim->n, sizeof(size_t));
	struct sync_scopes hub; /* the reader: the hub reads every scope */
	memset(&hub, 0, sizeof(hub));
	hub.all = true;
	for (size_t i = 0; i < sim->n; i++) {
		struct sim_chunks days[2], closed[2];
		int rc;
		snprintf(path, sizeof(path), "%s/%s%s.db", dir, sim->s[i].name, cty ? "-x" : "");
		memset(days, 0, sizeof(days));
		memset(closed, 0, sizeof(closed));
		opt.dict = dict;
		if (cty) {
			opt.county_root = cty->root.pk;
			opt.self_cert = cty->cert[i].data;
			opt.self_cert_len = cty->cert[i].len;
		}
		/* a station sends the hub what the hub reads: opened ranges */
		if ((rc = sim_station_for(&sim->s[i], path, &opt, &hub, 2, days, cty ? closed : NULL, NULL))) {
			fprintf(stderr, "station %s: %s\n", sim->s[i].name, err_str(rc));
			return rc;
		}
		r->d0[i] = days[0];
		r->d1[i] = days[1];
		for (size_t k = 0; k < days[1].n; k++) {
			r->bytes[i] += wire_len(days[1].p[k], days[1].len[k]);
			r->bytes_whole[i] += days[1].len[k];
		}
		r->hello[i] = hello_bytes(&sim->s[i], path, &opt, false);
		r->bytes[i] += r->hello[i];
		r->bytes_whole[i] += r->hello[i];
		r->bytes_at[i] = r->bytes[i];
		r->bytes_timed[i] = r->bytes[i] - r->hello[i] + hello_bytes(&sim->s[i], path, &opt, true);
		r->nchunks[i] = days[1].n;
		for (int d = 0; d < 2; d++)
			for (size_t k = 0; k < closed[d].n; k++) {
				if (d == 1)
					r->bytes_closed[i] += wire_len(closed[d].p[k], closed[d].len[k]);
				free(closed[d].p[k]);
			}
		if (nodict) {
			struct sim_chunks nd[2];
			memset(nd, 0, sizeof(nd));
			opt.dict = NULL;
			snprintf(path, sizeof(path), "%s/%s-nd%s.db", dir, sim->s[i].name, cty ? "-x" : "");
			if ((rc = sim_station_for(&sim->s[i], path, &opt, &hub, 2, nd, NULL, NULL)))
				return rc;
			for (int d = 0; d < 2; d++)
				for (size_t k = 0; k < nd[d].n; k++) {
					if (d == 1)
						r->bytes_nodict[i] += wire_len(nd[d].p[k], nd[d].len[k]);
					free(nd[d].p[k]);
				}
			r->bytes_nodict[i] += hello_bytes(&sim->s[i], path, &opt, false);
		}
	}
	return 0;
}

/* The commits the hub's rules refused, and in which scopes (enrolled
 * runs): the trace has redemptions for volunteers registered later the
 * same day, which the rules hold back until the registration arrives
 * (sync/delta.c D4); what stays refused is counted per scope. */
struct refusals {
	uint64_t commits, released;
	size_t n;
	char scope[512][CRDT_SCOPE_MAX + 1];
	int64_t left[512]; /* refused and not released, per scope */
};

static void note_refused(void *arg, const uint8_t author[SYNC_PK_LEN], const char *scope,
			 uint64_t seq, uint64_t n, int rc, const char *why)
{
	struct refusals *f = arg;
	size_t i;
	(void)author;
	(void)seq;
	(void)why;
	if (rc)
		f->commits += n;
	else
		f->released += n;
	for (i = 0; i < f->n && strcmp(f->scope[i], scope) != 0; i++)
		;
	if (i == f->n && f->n < sizeof(f->scope) / sizeof(f->scope[0]))
		snprintf(f->scope[f->n++], sizeof(f->scope[0]), "%s", scope);
	if (i < f->n)
		f->left[i] += rc ? (int64_t)n : -(int64_t)n;
}

static bool refused_in(const struct refusals *f, const char *scope)
{
	for (size_t i = 0; f && i < f->n; i++)
		if (strcmp(f->scope[i], scope) == 0)
			return f->left[i] > 0;
	return false;
}

static size_t refused_scopes(const struct refusals *f)
{
	size_t k = 0;
	for (size_t i = 0; i < f->n; i++)
		k += f->left[i] > 0;
	return k;
}

/* How serve commits (node/link.c node_net_sess_taken, node_net_flush):
 * a station syncing alone has each DELTA it sends committed at once, its
 * own durable transaction (MERGE_ALONE); while several stations are in
 * the middle of an exchange, the deltas that arrive in one turn of the
 * daemon's loop share one. MERGE_ALONE and width k >= 2: the stations in
 * groups of k arriving together, one chunk from each per turn (the
 * smallest turn: one request of each in flight), a durable transaction
 * per turn. MERGE_DAY: the whole day in one transaction (no daemon
 * does that; printed for comparison). */
#define MERGE_DAY 0
#define MERGE_ALONE 1
#define MERGE_WIDTH 4 /* the hub's real load: 4 stations at once (issue 15) */

/* Day 0 untimed, then day 1 timed, committed as width says (above).
 * Returns ms, or < 0; *txns: the durable transactions of day 1. */
static double hub_merge(const struct run *r, const char *dir, const char *name,
			const struct sync_dict *dict, const struct county *cty, struct refusals *ref,
			size_t width, uint64_t *applied, size_t *txns)
{
	bool grouped = width == MERGE_DAY;
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
	opt.carry_others = true; /* the daemon's options (node/link.c) */
	opt.chunk_max = SYNC_CHUNK_IP;
	opt.dict = dict;
	if (cty) {
		opt.refused = note_refused;
		opt.refused_arg = ref;
		opt.county_root = cty->root.pk;
		opt.self_cert = cty->hub_cert.data;
		opt.self_cert_len = cty->hub_cert.len;
	}
	tr_site_seed("hub", seed);
	sync_identity_from_seed(&id, seed);
	snprintf(path, sizeof(path), "%s/%s.db", dir, name);
	remove(path);
	if (crdt_store_open(&st, path, id.pk, NULL) || sync_ctx_new(&ctx, st, &id, &opt))
		return -1;
	uint64_t wall = TR_DAY0 + 2 * TR_DAY;
	sync_ctx_group_begin(ctx);
	for (size_t i = 0; cty && i < cty->root_feed.n && !rc; i++) /* the statements first */
		rc = sync_chunk_apply(ctx, cty->root_feed.p[i], cty->root_feed.len[i], wall, NULL, NULL, NULL);
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
	double c0 = cpu_ms();
	*txns = 0;
	if (grouped && !rc) {
		rc = sync_ctx_group_begin(ctx);
		for (size_t i = 0; i < r->stations && !rc; i++)
			for (size_t k = 0; k < r->d1[i].n && !rc; k++)
				rc = sync_chunk_apply(ctx, r->d1[i].p[k], r->d1[i].len[k], wall, &rep, NULL, NULL);
		if (!rc)
			rc = sync_ctx_group_end(ctx);
		*txns = 1;
	} else if (width == MERGE_ALONE) {
		for (size_t i = 0; i < r->stations && !rc; i++)
			for (size_t k = 0; k < r->d1[i].n && !rc; k++, ++*txns)
				rc = sync_chunk_apply(ctx, r->d1[i].p[k], r->d1[i].len[k], wall, &rep, NULL, NULL);
	} else {
		for (size_t g = 0; g < r->stations && !rc; g += width) {
			size_t end = g + width < r->stations ? g + width : r->stations;
			for (size_t k = 0; !rc; k++) { /* a turn: chunk k of each station of the group */
				bool any = false;
				for (size_t i = g; i < end && !rc; i++) {
					if (k >= r->d1[i].n)
						continue;
					if (!any && (rc = sync_ctx_group_begin(ctx)))
						break;
					any = true;
					rc = sync_chunk_apply(ctx, r->d1[i].p[k], r->d1[i].len[k], wall, &rep, NULL, NULL);
				}
				if (!any)
					break;
				if (!rc)
					rc = sync_ctx_group_end(ctx);
				++*txns;
			}
		}
	}
	t1 = now_ms();
	merge_cpu_ms = cpu_ms() - c0;
	/* the daemon copies the WAL into the file once the deltas are acked */
	double k0 = now_ms();
	if (!rc)
		rc = crdt_store_checkpoint(st);
	merge_ckpt_ms = now_ms() - k0;
	if (rc || (rep.refused && !ref))
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
	free(r->bytes_at);
	free(r->bytes_timed);
	free(r->bytes_whole);
	free(r->bytes_closed);
	free(r->hello);
	free(r->nchunks);
}

/* Does the hub at dir/b hold every station's scope as the hub at dir/a
 * (but those where b refused commits)? */
static bool same_scopes(const struct sim *sim, const char *dir, const char *a, const char *b,
			const struct refusals *ref)
{
	struct crdt_store *x = NULL, *y = NULL;
	uint8_t self[SYNC_PK_LEN], dx[32], dy[32];
	char path[512];
	bool same = true;

	memset(self, 0, sizeof(self));
	snprintf(path, sizeof(path), "%s/%s.db", dir, a);
	if (crdt_store_open(&x, path, self, NULL))
		return false;
	snprintf(path, sizeof(path), "%s/%s.db", dir, b);
	if (crdt_store_open(&y, path, self, NULL)) {
		crdt_store_close(x);
		return false;
	}
	for (size_t i = 0; i < sim->n && same; i++)
		same = refused_in(ref, sim->s[i].name) ||
		       (crdt_store_digest(x, sim->s[i].name, dx) == 0 &&
			crdt_store_digest(y, sim->s[i].name, dy) == 0 && memcmp(dx, dy, 32) == 0);
	crdt_store_close(x);
	crdt_store_close(y);
	return same;
}

static long file_size(const char *path)
{
	struct stat st;
	return stat(path, &st) == 0 ? (long)st.st_size : 0;
}

static int exec_sql(sqlite3 *db, const char *sql)
{
	char *err = NULL;
	if (sqlite3_exec(db, sql, NULL, NULL, &err) != SQLITE_OK) {
		fprintf(stderr, "bench_sync: %s: %s\n", sql, err ? err : "?");
		sqlite3_free(err);
		return -1;
	}
	return 0;
}

/* The hub's replica.db as the daemon leaves it (log, seals, metadata,
 * indexes; checkpointed, not vacuumed) / the live rows of every table in
 * plain SQLite tables, vacuumed. */
static double storage_ratio(const char *dir, const char *name, long *hub_bytes, long *plain_bytes)
{
	char path[700], replica[600], sql[4096];
	sqlite3 *db;
	snprintf(replica, sizeof(replica), "%s/%s.db", dir, name);
	snprintf(path, sizeof(path), "%s/%s-plain.db", dir, name);
	remove(path);
	if (sqlite3_open(path, &db) != SQLITE_OK)
		return -1;
	if (snprintf(sql, sizeof(sql), "ATTACH '%s' AS r", replica) >= (int)sizeof(sql) || exec_sql(db, sql) ||
	    exec_sql(db, "BEGIN"))
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
	snprintf(path, sizeof(path), "%s-wal", replica);
	*hub_bytes = file_size(replica) + file_size(path);
	return *plain_bytes > 0 ? (double)*hub_bytes / (double)*plain_bytes : -1;
}

/* ---- after log compaction (issue 15) ----------------------------------- */

struct feeds_of {
	struct crdt_vv_entry *v;
	size_t n;
	const uint8_t *hub;
};

/* Who must have acknowledged a commit of scope at the hub (sync/compact.c
 * R1): the station that merges it, found as the author of that scope's
 * own feed (these hubs run without a county root, so no statement names
 * it); nobody for the county-wide scope, which these hubs hold none of. */
static int readers_of(void *arg, const char *scope, uint8_t (*out)[SYNC_PK_LEN], size_t max)
{
	const struct feeds_of *f = arg;
	size_t k = 0;
	for (size_t i = 0; i < f->n && k < max; i++)
		if (*scope && strcmp(f->v[i].scope, scope) == 0 && memcmp(f->v[i].author, f->hub, SYNC_PK_LEN) != 0)
			memcpy(out[k++], f->v[i].author, SYNC_PK_LEN);
	return (int)k;
}

/* A copy of hub name compacted with a retention of 0, after each station
 * reported (as its HELLO does) that it holds its own feed up to its head:
 * the steady state of a hub whose stations all synced since. *used_bytes:
 * the file's pages in use (freed pages are reused by later writes; the
 * file keeps its size, docs/replica.md "Compaction"). */
static int compact_copy(const char *dir, const char *name, const char *copy, uint64_t *pruned,
			long *file_bytes, long *used_bytes)
{
	char path[512], cmd[1200];
	struct sync_identity id;
	struct crdt_store *st;
	struct sync_ctx *ctx;
	struct sync_options opt;
	struct sync_compact_report rep;
	struct feeds_of f = { NULL, 0, NULL };
	unsigned char seed[32];
	int rc;

	snprintf(cmd, sizeof(cmd), "cp '%s/%s.db' '%s/%s.db'", dir, name, dir, copy);
	if (system(cmd) != 0)
		return -1;
	memset(&opt, 0, sizeof(opt));
	opt.apply.all = true;
	opt.carry_others = true;
	tr_site_seed("hub", seed);
	sync_identity_from_seed(&id, seed);
	snprintf(path, sizeof(path), "%s/%s.db", dir, copy);
	if ((rc = crdt_store_open(&st, path, id.pk, NULL)) || (rc = sync_ctx_new(&ctx, st, &id, &opt)))
		return -1;
	f.hub = id.pk;
	rc = crdt_store_vv(st, &f.v, &f.n);
	for (size_t i = 0; i < f.n && !rc; i++)
		if (memcmp(f.v[i].author, id.pk, SYNC_PK_LEN) != 0)
			rc = crdt_store_acks_put(st, f.v[i].author, &f.v[i], 1);
	struct sync_compact_options o = { .now_ms = TR_DAY0 + 400 * TR_DAY, .keep_ms = 0, .hub = true,
					  .readers = readers_of, .readers_arg = &f };
	memset(&rep, 0, sizeof(rep));
	if (!rc)
		rc = sync_compact(ctx, &o, &rep);
	*pruned = rep.commits;
	sync_compact_report_release(&rep);
	sqlite3_stmt *q;
	*used_bytes = 0;
	if (!rc && sqlite3_prepare_v2(crdt_store_db(st),
				      "SELECT (SELECT page_count FROM pragma_page_count()) -"
				      " (SELECT freelist_count FROM pragma_freelist_count()),"
				      " (SELECT page_size FROM pragma_page_size())",
				      -1, &q, NULL) == SQLITE_OK) {
		if (sqlite3_step(q) == SQLITE_ROW)
			*used_bytes = (long)(sqlite3_column_int64(q, 0) * sqlite3_column_int64(q, 1));
		sqlite3_finalize(q);
	}
	mem_free(f.v);
	sync_ctx_free(ctx);
	crdt_store_close(st); /* checkpoints: the pages in use are in the file */
	sync_identity_release(&id);
	*file_bytes = file_size(path);
	return rc || !*used_bytes ? -1 : 0;
}

int main(int argc, char **argv)
{
	struct sync_dict *dict = NULL;
	struct sim sim;
	struct run r, rx;
	struct county county;
	struct refusals ref;
	char dir[] = "/tmp/cunlian-bench-sync-XXXXXX", cmd[600];
	size_t big = argc > 1 ? (size_t)atol(argv[1]) : 1000;
	uint64_t applied = 0, applied_x = 0;
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
	if (stations_run(&sim, dir, dict, true, NULL, &r))
		return 1;
	figure("delta_bytes_node_station_day", (double)median(r.bytes, r.stations), "B",
	       "target <= 1600 (2048-byte chunks and the HELLO)");
	/* what those bytes are (docs/protocol.md 3): each chunk's header,
	 * length and signature, the HELLO, the rest payload */
	printf("  %-34s %12zu B HELLO, %zu chunks of %d + 2 + %d B framing and signature (medians; compact chunks)\n",
	       "  (of which)", median(r.hello, r.stations), median(r.nchunks, r.stations), SYNC_HDR_COMPACT, SYNC_SIG_LEN);
	printf("  %-34s %12zu B (the same with every chunk whole, %d B headers: to a hub before compact chunks)\n",
	       "  (whole chunks)", median(r.bytes_whole, r.stations), SYNC_HDR_FIXED);
	for (size_t i = 0, m = median(r.bytes, r.stations); i < r.stations; i++)
		if (r.bytes_at[i] == m) { /* the station whose day is the median */
			bytes_breakdown(&r.d1[i], r.hello[i], dict);
			break;
		}
	figure("delta_bytes_node_timed_station_day", (double)median(r.bytes_timed, r.stations), "B",
	       "(the same, the station having heard the hub's time as every sync but its first: it says it too)");
	figure("delta_bytes_node_no_dict_station_day", (double)median(r.bytes_nodict, r.stations), "B",
	       "target <= 3000");
	if (getenv("BENCH_SYNC_BYTES_ONLY")) { /* the byte figures alone, to iterate on the encoding */
		if ((rc = county_init(&county, &sim, dir)) || (rc = stations_run(&sim, dir, dict, false, &county, &rx)))
			return 1;
		figure("delta_bytes_node_encrypted_station_day", (double)median(rx.bytes, rx.stations), "B",
		       "(enrolled, to the hub: opened ranges; target <= 1600 unencrypted)");
		figure("delta_bytes_node_encrypted_timed_station_day", (double)median(rx.bytes_timed, rx.stations), "B",
		       "(the same, the hub's time heard)");
		snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
		return system(cmd) == 0 ? 0 : 1;
	}
	size_t txns = 0;
	double ms = hub_merge(&r, dir, "hub100a", dict, NULL, NULL, MERGE_ALONE, &applied, &txns);
	if (ms < 0)
		return 1;
	figure("hub_merge_daemon_alone_ms", ms, "ms",
	       "target <= 150 (worst case: every station alone, serve commits each chunk, durable)");
	figure("hub_merge_daemon_alone_cpu_ms", merge_cpu_ms, "ms", "(CPU time of the same, user + system)");
	printf("  %-34s %12zu durable transactions\n", "", txns);
	ms = hub_merge(&r, dir, "hub100", dict, NULL, NULL, MERGE_WIDTH, &applied, &txns);
	if (ms < 0)
		return 1;
	figure("hub_merge_daemon_4_ms", ms, "ms",
	       "target <= 150 (4 stations at once: serve commits each turn's chunks together, durable)");
	figure("hub_merge_daemon_4_cpu_ms", merge_cpu_ms, "ms", "(CPU time of the same, user + system)");
	printf("  %-34s %12zu durable transactions\n", "", txns);
	printf("  %-34s %12.1f ms\n", "  (then the checkpoint, after the ack)", merge_ckpt_ms);
	printf("  %-34s %12llu commits\n", "  (day-1 commits merged)", (unsigned long long)applied);
	long hub_bytes = 0, plain_bytes = 0;
	double ratio = storage_ratio(dir, "hub100", &hub_bytes, &plain_bytes);
	if (ratio < 0)
		return 1;
	figure("metadata_log_ratio", ratio, "x", "target <= 1.3 (the whole replica.db, log kept / plain tables)");
	printf("  %-34s %12ld B replica.db, %ld B plain tables\n", "", hub_bytes, plain_bytes);
	{
		uint64_t pruned = 0;
		long cfile = 0, cused = 0;
		if (compact_copy(dir, "hub100", "hub100c", &pruned, &cfile, &cused)) {
			fprintf(stderr, "bench_sync: compacting a copy of the hub failed\n");
			return 1;
		}
		figure("metadata_log_compacted_ratio", (double)cused / (double)plain_bytes, "x",
		       "(the same after log compaction, retention 0: pages in use / plain tables)");
		printf("  %-34s %12llu commits pruned; replica.db %ld B, %ld B of it in use (the rest reused by new writes)\n",
		       "", (unsigned long long)pruned, cfile, cused);
	}
	ms = hub_merge(&r, dir, "hub100g", dict, NULL, NULL, MERGE_DAY, &applied, &txns);
	printf("  %-34s %12.1f ms (the same day in one transaction: no daemon does that)\n",
	       "  hub_merge_one_txn", ms);
	/* the same days in an enrolled county: station scopes encrypted */
	if ((rc = county_init(&county, &sim, dir)) || (rc = stations_run(&sim, dir, dict, true, &county, &rx))) {
		fprintf(stderr, "enrolled county: %s\n", err_str(rc));
		return 1;
	}
	figure("delta_bytes_node_encrypted_station_day", (double)median(rx.bytes, rx.stations), "B",
	       "(enrolled, to the hub: opened ranges; target <= 1600 unencrypted)");
	figure("delta_bytes_node_encrypted_timed_station_day", (double)median(rx.bytes_timed, rx.stations), "B",
	       "(the same, the hub's time heard)");
	figure("delta_bytes_node_encrypted_no_dict_station_day", (double)median(rx.bytes_nodict, rx.stations), "B",
	       "(enrolled, to the hub, no dictionary)");
	figure("delta_bytes_node_encrypted_per_commit_station_day", (double)median(rx.bytes_closed, rx.stations), "B",
	       "(enrolled, to a relay: each body encrypted alone, no HELLO)");
	memset(&ref, 0, sizeof(ref));
	ms = hub_merge(&rx, dir, "hub100x", dict, &county, &ref, MERGE_WIDTH, &applied_x, &txns);
	figure("hub_merge_daemon_4_encrypted_ms", ms, "ms", "(decrypt and check who wrote what, 4 stations at once)");
	bool same = same_scopes(&sim, dir, "hub100", "hub100x", &ref);
	printf("  %-34s %12llu commits; %llu held back by the rules, %llu of them merged later;"
	       " %zu scopes keep refusals; the other scopes %s\n",
	       "  (day-1 commits merged)", (unsigned long long)applied_x, (unsigned long long)ref.commits,
	       (unsigned long long)ref.released, refused_scopes(&ref),
	       same ? "as the plain hub's" : "DIFFER FROM THE PLAIN HUB'S");
	if (!same || ms < 0)
		return 1;
	county_free(&county, sim.n);
	run_free(&rx);
	run_free(&r);
	sim_free(&sim);
	if (big > 0) {
		if (load(&sim, big) || stations_run(&sim, dir, dict, false, NULL, &r))
			return 1;
		ms = hub_merge(&r, dir, "hub1000a", dict, NULL, NULL, MERGE_ALONE, &applied, &txns);
		if (ms < 0)
			return 1;
		figure("hub_merge_daemon_1000_alone_ms", ms, "ms", "target <= 1200 (worst case: every station alone)");
		figure("hub_merge_daemon_1000_alone_cpu_ms", merge_cpu_ms, "ms", "(CPU time of the same)");
		printf("  %-34s %12zu durable transactions\n", "", txns);
		ms = hub_merge(&r, dir, "hub1000", dict, NULL, NULL, MERGE_WIDTH, &applied, &txns);
		if (ms < 0)
			return 1;
		figure("hub_merge_daemon_1000_4_ms", ms, "ms", "target <= 1200 (4 stations at once, as serve groups)");
		figure("hub_merge_daemon_1000_4_cpu_ms", merge_cpu_ms, "ms", "(CPU time of the same)");
		printf("  %-34s %12zu durable transactions\n", "", txns);
		printf("  %-34s %12.1f ms\n", "  (then the checkpoint, after the ack)", merge_ckpt_ms);
		printf("  %-34s %12llu commits\n", "  (day-1 commits merged)", (unsigned long long)applied);
		run_free(&r);
		sim_free(&sim);
	}
	sync_dict_free(dict);
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	return system(cmd) == 0 ? 0 : 1;
}
