// SPDX-License-Identifier: MIT
/*
 * bench_hubcost.c - does a station's sync session cost the hub more as
 * the hub's history grows? (issue 15: "the cost of a sync session never
 * grows with the size of the history")
 *
 * S stations (40 by default, BENCH_STATIONS) each write W commits a day
 * (25, BENCH_WRITES: new volunteers, orders and their moves) in their own
 * scope, and the hub writes one commit a day in each station's scope and
 * one county-wide. Every day each station runs one session with the hub
 * through the real sync session (sync/session.c: HELLO, DELTA, ACK;
 * sans-I/O, messages handed over in memory, the hub grouping as the
 * daemon does), then what `cunlian sync` asks after it: the hub's
 * version vector for the station's scope and the county's, and both
 * scopes' digests (GET /vv?scope=S&scope=-&digest).
 *
 * Prints, per day, the hub's CPU time per session (the thread's CPU
 * clock around every call the hub makes), split into the session and the
 * /vv answer, the bytes each way and the commits the hub saw twice; then
 * the last day over the first. A figure, not a test: nothing is asserted
 * but that every session converged and nothing came twice.
 *
 * Run: build/bench/bench_hubcost [days] (8 by default); HUBCOST_DEBUG=1
 * also lists every message the hub sends (type, bytes) on stderr.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "base/err.h"
#include "base/mem.h"
#include "sync/sync_internal.h"

static double thread_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
	return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
}

struct node {
	struct sync_identity id;
	struct crdt_store *st;
	struct sync_ctx *ctx;
	char scope[16];
	int vols, orders;
};

static const char *dir;

static void die(const char *what, int rc)
{
	fprintf(stderr, "bench_hubcost: %s: %s\n", what, err_str(rc));
	exit(1);
}

static void node_open(struct node *n, const char *name, unsigned k, bool hub)
{
	uint8_t seed[32];
	char path[512];
	struct crdt_options co = { .no_sync = true };
	struct sync_options o;
	int rc;
	memset(n, 0, sizeof(*n));
	memset(&o, 0, sizeof(o));
	memset(seed, 0, sizeof(seed));
	memcpy(seed, &k, sizeof(k));
	seed[31] = 0x5a;
	snprintf(n->scope, sizeof(n->scope), "s%04u", k);
	if (hub) {
		o.apply.all = true;
	} else {
		sync_scopes_add(&o.apply, n->scope);
		sync_scopes_add(&o.apply, "");
	}
	o.chunk_max = SYNC_CHUNK_IP; /* the node's default on an IP link */
	o.carry_others = hub; /* without trust a station that carries asks for all */
	snprintf(path, sizeof(path), "%s/%s.db", dir, name);
	if ((rc = sync_identity_from_seed(&n->id, seed)) || (rc = crdt_store_open(&n->st, path, n->id.pk, &co)) ||
	    (rc = sync_ctx_new(&n->ctx, n->st, &n->id, &o)))
		die("open", rc);
}

static void commit(struct node *n, const char *scope, uint64_t t, unsigned *rs)
{
	struct crdt_write w;
	char pk[64], vol[64];
	int k = rand_r(rs) % 10, rc;
	if (k < 3 || n->vols == 0) {
		snprintf(pk, sizeof(pk), "%s-v%d", scope, ++n->vols);
		crdt_write_init(&w, 1, CRDT_UPSERT, pk);
		crdt_write_text(&w, "name", "王芳");
		crdt_write_text(&w, "phone", "13800000001");
		crdt_write_text(&w, "station", scope);
	} else if (k < 6 || n->orders == 0) {
		snprintf(pk, sizeof(pk), "%s-o%d", scope, ++n->orders);
		crdt_write_init(&w, 3, CRDT_UPSERT, pk);
		crdt_write_text(&w, "station", scope);
		crdt_write_text(&w, "category", "助老");
		crdt_write_text(&w, "detail", "陪独居老人聊天解闷");
		crdt_write_text(&w, "status", "open");
		crdt_write_int(&w, "created_at", (int64_t)t);
	} else {
		snprintf(pk, sizeof(pk), "%s-o%d", scope, 1 + rand_r(rs) % n->orders);
		snprintf(vol, sizeof(vol), "%s-v%d", scope, 1 + rand_r(rs) % n->vols);
		crdt_write_init(&w, 3, CRDT_UPSERT, pk);
		crdt_write_text(&w, "status", k < 8 ? "dispatched" : "accepted");
		crdt_write_text(&w, "volunteer", vol);
		crdt_write_int(&w, "updated_at", (int64_t)t);
	}
	if ((rc = crdt_commit_local(n->st, t, scope, &w, 1, NULL)))
		die("commit", rc);
}

struct day {
	double session_ms, vv_ms;
	unsigned long long up, down, dup, applied;
};

/* One station's session with the hub, as serve and sync run it. */
static void session(struct node *st, struct node *hub, uint64_t now, struct day *d)
{
	struct sync_session *s[2];
	struct sync_session_options so0 = { .initiator = true, .rto_ms = 2000 };
	struct sync_session_options so1 = { .group = true, .rto_ms = 4000 };
	struct buf m;
	double t0;
	int rc;

	buf_init(&m, SYNC_CHUNK_MAX);
	if ((rc = sync_session_new(&s[0], st->ctx, &so0, now)))
		die("session", rc);
	t0 = thread_ms();
	rc = sync_session_new(&s[1], hub->ctx, &so1, now);
	d->session_ms += thread_ms() - t0;
	if (rc)
		die("session", rc);
	for (int steps = 0; steps < 1000 && !(sync_session_idle(s[0]) && sync_session_idle(s[1])); steps++) {
		now += 50;
		while ((rc = sync_session_output(s[0], &m, now)) == 1) {
			d->up += m.len;
			t0 = thread_ms();
			rc = sync_session_input(s[1], m.data, m.len, now, NULL);
			d->session_ms += thread_ms() - t0;
			if (rc)
				die("hub input", rc);
		}
		if (rc < 0)
			die("station output", rc);
		t0 = thread_ms();
		rc = sync_session_flush(s[1]); /* the daemon's group commit, then the ACKs */
		for (;;) {
			if (rc < 0)
				break;
			rc = sync_session_output(s[1], &m, now);
			if (rc != 1)
				break;
			d->session_ms += thread_ms() - t0;
			d->down += m.len;
			if (getenv("HUBCOST_DEBUG")) {
				uint8_t id[SYNC_ID_LEN];
				int type;
				size_t cl;
				sync_chunk_peek(m.data, m.len, id, &type, &cl);
				fprintf(stderr, "down type %d len %zu\n", type, m.len);
			}
			if ((rc = sync_session_input(s[0], m.data, m.len, now, NULL)))
				die("station input", rc);
			t0 = thread_ms();
		}
		d->session_ms += thread_ms() - t0;
		if (rc < 0)
			die("hub output", rc);
	}
	if (!sync_session_idle(s[0]) || !sync_session_idle(s[1]))
		die("session did not converge", ERR_USAGE);
	d->dup += sync_session_report(s[1])->duplicate;
	d->applied += sync_session_report(s[1])->applied;
	sync_session_free(s[0]);
	t0 = thread_ms();
	sync_session_free(s[1]);
	/* GET /vv?scope=S&scope=-&digest, as node/link.c answers it */
	struct crdt_vv_entry *vv;
	size_t n;
	uint8_t dg[32];
	const char *scopes[] = { st->scope, "" };
#ifdef HUBCOST_FULL_VV
	rc = crdt_store_vv(hub->st, &vv, &n); /* as before the heads' index */
#else
	rc = crdt_store_vv_scopes(hub->st, scopes, 2, &vv, &n);
#endif
	mem_free(vv);
	if (!rc)
		rc = crdt_store_digest(hub->st, scopes[0], dg);
	if (!rc)
		rc = crdt_store_digest(hub->st, "", dg);
	d->vv_ms += thread_ms() - t0;
	if (rc)
		die("vv", rc);
	buf_release(&m);
}

int main(int argc, char **argv)
{
	int days = argc > 1 ? atoi(argv[1]) : 8;
	int stations = getenv("BENCH_STATIONS") ? atoi(getenv("BENCH_STATIONS")) : 40;
	int writes = getenv("BENCH_WRITES") ? atoi(getenv("BENCH_WRITES")) : 25;
	char tmpl[] = "/tmp/cunlian-hubcost-XXXXXX";
	struct node hub, *st;
	unsigned rs = 1;
	double first = 0, last = 0;

	if (days < 1 || stations < 1 || writes < 1 || sync_init())
		return 2;
	if (!(dir = mkdtemp(tmpl)))
		return 1;
	st = calloc((size_t)stations, sizeof(*st));
	node_open(&hub, "hub", 100000, true);
	for (int i = 0; i < stations; i++) {
		char name[32];
		snprintf(name, sizeof(name), "st%d", i);
		node_open(&st[i], name, (unsigned)i + 1, false);
	}
	printf("bench_hubcost: %d stations, %d writes a station-day, sessions of %d-byte chunks\n", stations,
	       writes, SYNC_CHUNK_IP);
	printf("%4s %8s %12s %12s %10s %10s %6s %9s\n", "day", "log", "session ms", "/vv ms", "up B", "down B",
	       "dup", "applied");
	for (int day = 1; day <= days; day++) {
		uint64_t t = 1740672000000ULL + (uint64_t)day * 86400000;
		struct day d;
		memset(&d, 0, sizeof(d));
		for (int i = 0; i < stations; i++) {
			for (int w = 0; w < writes; w++)
				commit(&st[i], st[i].scope, t + (uint64_t)w * 1000, &rs);
			commit(&hub, st[i].scope, t + 500, &rs);
		}
		commit(&hub, "", t + 600, &rs);
		for (int i = 0; i < stations; i++)
			session(&st[i], &hub, t + 3600000, &d);
		uint64_t logn = 0;
		struct crdt_vv_entry *vv;
		size_t n;
		if (!crdt_store_vv(hub.st, &vv, &n))
			for (size_t k = 0; k < n; k++)
				logn += vv[k].seq;
		mem_free(vv);
		double per = (d.session_ms + d.vv_ms) / stations;
		printf("%4d %8llu %12.3f %12.3f %10llu %10llu %6llu %9llu\n", day, (unsigned long long)logn,
		       d.session_ms / stations, d.vv_ms / stations, d.up / (unsigned)stations,
		       d.down / (unsigned)stations, d.dup, d.applied);
		if (day == 1)
			first = per;
		last = per;
	}
	printf("hub CPU per session: day 1 %.3f ms, day %d %.3f ms, ratio %.2f\n", first, days, last,
	       last / first);
	for (int i = 0; i < stations; i++) {
		sync_ctx_free(st[i].ctx);
		crdt_store_close(st[i].st);
		sync_identity_release(&st[i].id);
	}
	sync_ctx_free(hub.ctx);
	crdt_store_close(hub.st);
	sync_identity_release(&hub.id);
	free(st);
	char cmd[128];
	snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
	return system(cmd) == 0 ? 0 : 1;
}
