// SPDX-License-Identifier: MIT
/*
 * bench_radio.c - what links cost: a station's day over simulated GPRS, a
 * station's week over simulated LoRa, and how many station syncs per
 * second one hub serves over real CoAP on loopback.
 *
 * gprs_sync_s, lora_week_s: two real sync sessions (station initiator,
 * hub responder, real replicas from the trace) exchange their real
 * messages through the link simulator (radio/linksim.c) in simulated time.
 * Each message is cut into datagrams (GPRS: 1024 bytes, LoRa: 197-byte
 * frames) of which each carries 4 bytes of fragment header and 16 bytes
 * standing for the CoAP header and options it would travel with; a
 * message with a lost datagram is lost and the session resends it. The
 * figure is the simulated time from the first HELLO until both sessions
 * are idle and the version vectors agree (GPRS), or the airtime the link
 * was busy (LoRa).
 *
 * hub_syncs_per_s: one hub replica served by radio/ (libcoap, UDP on
 * 127.0.0.1) and a client side in the same process with many radio peers,
 * each POSTing one station's day-1 DELTA chunks to /s and waiting for the
 * ACK; the figure is stations / wall seconds. Day 0 is merged first, not
 * timed. The client side sends precomputed chunks (no HELLO, no hub
 * reply): it measures what the hub does per station sync.
 *
 * Prints a table; with BENCH_OUT set, appends "name value" lines there.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "base/err.h"
#include "radio/radio.h"
#include "sync/dict/sim.h"
#include "sync/sync_internal.h"

#define FRAG_HDR 4
#define COAP_OVERHEAD 16

static double wall_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
}

static void figure(const char *name, double v, const char *unit, const char *target)
{
	const char *path = getenv("BENCH_OUT");
	printf("  %-34s %12.2f %-6s %s\n", name, v, unit, target);
	if (path) {
		FILE *f = fopen(path, "a");
		if (f) {
			fprintf(f, "%s %.2f\n", name, v);
			fclose(f);
		}
	}
}

static int load(struct sim *sim, size_t stations, int days)
{
	char cmd[512];
	const char *wl = getenv("CUNLIAN_WORKLOAD") ? getenv("CUNLIAN_WORKLOAD") : "../shared/workload";
	snprintf(cmd, sizeof(cmd), "python3 %s/villagegen.py --stations %zu --days %d --seed 1", wl, stations, days);
	FILE *p = popen(cmd, "r");
	if (!p)
		return -1;
	sim_read(sim, p);
	return pclose(p) == 0 && sim->n ? 0 : -1;
}

/* ---- a sync over the simulated link ---------------------------------- */

struct end {
	struct crdt_store *st;
	struct sync_ctx *c;
	struct sync_session *s;
	struct sync_identity id;
	/* reassembly of the message in flight towards this end */
	uint16_t rx_id;
	uint8_t rx_cnt, rx_have[256];
	size_t rx_len[256];
	uint8_t *rx_frag[256];
	uint16_t tx_id;
};

static void end_rx_reset(struct end *e)
{
	for (int i = 0; i < 256; i++) {
		free(e->rx_frag[i]);
		e->rx_frag[i] = NULL;
		e->rx_have[i] = 0;
	}
	e->rx_cnt = 0;
}

/* A datagram arrived at e: returns 1 and the whole message in *msg when
 * it completes one. */
static int end_rx(struct end *e, const uint8_t *p, size_t len, struct buf *msg)
{
	if (len < FRAG_HDR + COAP_OVERHEAD)
		return 0;
	uint16_t id = (uint16_t)(p[0] << 8 | p[1]);
	uint8_t idx = p[2], cnt = p[3];
	if (id != e->rx_id || cnt != e->rx_cnt) {
		end_rx_reset(e);
		e->rx_id = id;
		e->rx_cnt = cnt;
	}
	if (e->rx_have[idx])
		return 0;
	e->rx_have[idx] = 1;
	e->rx_len[idx] = len - FRAG_HDR - COAP_OVERHEAD;
	e->rx_frag[idx] = malloc(e->rx_len[idx] + 1);
	memcpy(e->rx_frag[idx], p + FRAG_HDR + COAP_OVERHEAD, e->rx_len[idx]);
	for (int i = 0; i < cnt; i++)
		if (!e->rx_have[i])
			return 0;
	buf_reset(msg);
	for (int i = 0; i < cnt; i++)
		buf_put(msg, e->rx_frag[i], e->rx_len[i]);
	end_rx_reset(e);
	e->rx_id = 0xffff;
	return 1;
}

static int end_tx(struct end *e, struct radio_sim *sim, int from, const uint8_t *m, size_t len,
		  size_t dgram, uint64_t now)
{
	size_t room = dgram - FRAG_HDR - COAP_OVERHEAD;
	size_t cnt = (len + room - 1) / room;
	uint8_t d[2048];
	e->tx_id++;
	if (cnt > 255)
		return ERR_TOOBIG;
	for (size_t i = 0; i < cnt; i++) {
		size_t n = len - i * room < room ? len - i * room : room;
		d[0] = (uint8_t)(e->tx_id >> 8);
		d[1] = (uint8_t)e->tx_id;
		d[2] = (uint8_t)i;
		d[3] = (uint8_t)cnt;
		memset(d + FRAG_HDR, 0xC0, COAP_OVERHEAD);
		memcpy(d + FRAG_HDR + COAP_OVERHEAD, m + i * room, n);
		int rc = radio_sim_send(sim, from, d, FRAG_HDR + COAP_OVERHEAD + n, now);
		if (rc)
			return rc;
	}
	return 0;
}

static bool vv_equal(struct crdt_store *a, struct crdt_store *b)
{
	struct crdt_vv_entry *va = NULL, *vb = NULL;
	size_t na = 0, nb = 0;
	bool eq = false;
	if (crdt_store_vv(a, &va, &na) == 0 && crdt_store_vv(b, &vb, &nb) == 0 && na == nb) {
		eq = true;
		for (size_t i = 0; i < na && eq; i++) {
			bool found = false;
			for (size_t k = 0; k < nb; k++)
				if (memcmp(va[i].author, vb[k].author, CRDT_AUTHOR_LEN) == 0 &&
				    strcmp(va[i].scope, vb[k].scope) == 0 && va[i].seq == vb[k].seq)
					found = true;
			eq = found;
		}
	}
	mem_free(va);
	mem_free(vb);
	return eq;
}

struct link_result {
	double sim_s, airtime_s;
	uint64_t dgrams, lost, bytes;
	bool converged;
};

/* Station (end 0, initiator) and hub (end 1) over the simulated link. */
static int link_run(struct end *st, struct end *hub, const struct radio_sim_profile *p, uint64_t seed,
		    size_t dgram, uint64_t rto_ms, uint64_t limit_ms, struct link_result *out)
{
	struct radio_sim *sim;
	struct buf msg, in;
	struct end *e[2] = { st, hub };
	uint64_t t0 = TR_DAY0 + 30 * TR_DAY, now = t0;
	struct sync_session_options so0 = { .initiator = true, .rto_ms = rto_ms };
	struct sync_session_options so1 = { .initiator = false, .rto_ms = rto_ms };
	int rc, turn = 0;

	memset(out, 0, sizeof(*out));
	if ((rc = radio_sim_new(&sim, p, seed)) || (rc = sync_session_new(&st->s, st->c, &so0, now)) ||
	    (rc = sync_session_new(&hub->s, hub->c, &so1, now)))
		return rc;
	st->rx_id = hub->rx_id = 0xffff;
	buf_init(&msg, SYNC_CHUNK_MAX);
	buf_init(&in, SYNC_CHUNK_MAX);
	while (now < t0 + limit_ms) {
		for (int k = 0; k < 2; k++) { /* deliver what is due */
			while (radio_sim_recv(sim, k, &in, now) == 1) {
				struct buf whole;
				buf_init(&whole, SYNC_CHUNK_MAX);
				if (end_rx(e[k], in.data, in.len, &whole) == 1 &&
				    (rc = sync_session_input(e[k]->s, whole.data, whole.len, now)))
					return rc;
				buf_release(&whole);
			}
		}
		for (int j = 0; j < 2; j++) {
			/* a side sends (and resends) only when its radio is idle:
			 * one message at a time, acks gathered meanwhile; after
			 * sending it lets the other side go first (half duplex) */
			int k = (turn + j) % 2;
			if (radio_sim_free_at(sim, k, now) > now)
				continue;
			sync_session_tick(e[k]->s, now);
			if ((rc = sync_session_output(e[k]->s, &msg, now)) == 1) {
				if ((rc = end_tx(e[k], sim, k, msg.data, msg.len, dgram, now)))
					return rc;
				turn = !k;
			}
			if (rc < 0)
				return rc;
		}
		if (sync_session_idle(st->s) && sync_session_idle(hub->s) && radio_sim_next(sim) == UINT64_MAX &&
		    vv_equal(st->st, hub->st)) {
			out->converged = true;
			break;
		}
		uint64_t next = radio_sim_next(sim), step = now + 100;
		for (int k = 0; k < 2; k++) {
			uint64_t f = radio_sim_free_at(sim, k, now);
			if (f > now && f < step)
				step = f;
		}
		now = next != UINT64_MAX && next > now && next < step ? next : step;
	}
	struct radio_sim_counters c;
	radio_sim_counters_get(sim, &c);
	out->sim_s = (double)(now - t0) / 1000.0;
	out->airtime_s = (double)c.airtime_ms / 1000.0;
	out->dgrams = c.sent;
	out->lost = c.lost;
	out->bytes = c.bytes_sent;
	sync_session_free(st->s);
	sync_session_free(hub->s);
	st->s = hub->s = NULL;
	end_rx_reset(st);
	end_rx_reset(hub);
	radio_sim_free(sim);
	buf_release(&msg);
	buf_release(&in);
	return 0;
}

static int end_open(struct end *e, const char *path, const char *site, const struct sync_options *opt)
{
	unsigned char seed[32];
	memset(e, 0, sizeof(*e));
	tr_site_seed(site, seed);
	if (sync_identity_from_seed(&e->id, seed))
		return -1;
	struct crdt_options co = { .no_sync = true };
	if (crdt_store_open(&e->st, path, e->id.pk, &co) || sync_ctx_new(&e->c, e->st, &e->id, opt))
		return -1;
	return 0;
}

static void end_close(struct end *e)
{
	sync_ctx_free(e->c);
	crdt_store_close(e->st);
	sync_identity_release(&e->id);
}

/* A station replica with ndays of the trace, and a hub holding the first
 * hub_days of them; then the link. */
static int link_bench(const struct sim_site *site, const char *dir, const struct sync_dict *dict,
		      int ndays, int hub_days, size_t chunk, const struct radio_sim_profile *p,
		      size_t dgram, uint64_t rto, struct link_result *res)
{
	char sp[600], hp[600];
	struct sim_chunks days[8];
	struct sync_options opt;
	struct end st, hub;
	int rc;

	memset(&opt, 0, sizeof(opt));
	memset(days, 0, sizeof(days));
	opt.dict = dict;
	opt.chunk_max = chunk;
	opt.apply.all = true;
	snprintf(sp, sizeof(sp), "%s/%s-st.db", dir, site->name);
	snprintf(hp, sizeof(hp), "%s/%s-hub.db", dir, site->name);
	if ((rc = sim_station(site, sp, &opt, ndays, days, NULL)))
		return rc;
	remove(hp);
	if (end_open(&hub, hp, "hub", &opt) || end_open(&st, sp, site->name, &opt))
		return -1;
	for (int d = 0; d < hub_days; d++)
		for (size_t k = 0; k < days[d].n; k++)
			sync_chunk_apply(hub.c, days[d].p[k], days[d].len[k], TR_DAY0 + 30 * TR_DAY, NULL, NULL, NULL);
	for (int d = 0; d < ndays; d++)
		for (size_t k = 0; k < days[d].n; k++)
			free(days[d].p[k]);
	rc = link_run(&st, &hub, p, 1, dgram, rto, 3600000, res);
	end_close(&st);
	end_close(&hub);
	return rc;
}

/* ---- the hub over real CoAP on loopback -------------------------------- */

struct hub_srv {
	struct sync_ctx *c;
	struct sync_session **s;
	char (*key)[16];
	size_t n, max;
	struct buf msg;
};

static void hub_serve(void *arg, const struct radio_req *q, struct radio_resp *r)
{
	struct hub_srv *h = arg;
	struct sync_session *s = NULL;
	uint64_t now = TR_DAY0 + 30 * TR_DAY;
	const char *k = strstr(q->query, "k=");
	if (!k || strlen(k + 2) >= 16) {
		r->code = 400;
		return;
	}
	for (size_t i = 0; i < h->n; i++)
		if (strcmp(h->key[i], k + 2) == 0)
			s = h->s[i];
	if (!s) {
		struct sync_session_options so = { .rto_ms = 60000 };
		if (h->n == h->max || sync_session_new(&s, h->c, &so, now)) {
			r->code = 503;
			return;
		}
		snprintf(h->key[h->n], 16, "%s", k + 2);
		h->s[h->n++] = s;
	}
	size_t off = 0;
	while (off < q->len) {
		uint8_t id[SYNC_ID_LEN];
		int type;
		size_t clen;
		if (sync_chunk_peek(q->body + off, q->len - off, id, &type, &clen) || clen > q->len - off)
			break;
		sync_session_input(s, q->body + off, clen, now);
		off += clen;
	}
	buf_put_u8(&r->body, 0);
	while (sync_session_output(s, &h->msg, now) == 1)
		buf_put(&r->body, h->msg.data, h->msg.len);
	r->code = 204;
}

struct station_run {
	struct radio_peer *p;
	size_t next, n, acked;
	struct sim_chunks *ch;
	bool done, failed;
};

static void station_done(void *arg, int rc, unsigned code, const uint8_t *body, size_t len)
{
	struct station_run *s = arg;
	(void)body;
	if (rc || code / 100 != 2)
		s->failed = true;
	else if (len > 1)
		s->acked++;
	if (s->acked >= s->n || s->failed)
		s->done = true;
}

static double hub_bench(struct sim *sm, const char *dir, const struct sync_dict *dict, size_t *ok)
{
	struct sync_options opt;
	struct sim_chunks *d0, *d1;
	struct end hub;
	char path[600], listen[32];
	struct radio *srv, *cli;
	struct hub_srv h;
	size_t n = sm->n;

	memset(&opt, 0, sizeof(opt));
	opt.dict = dict;
	opt.apply.all = true;
	d0 = calloc(n, sizeof(*d0));
	d1 = calloc(n, sizeof(*d1));
	for (size_t i = 0; i < n; i++) {
		struct sim_chunks days[2];
		memset(days, 0, sizeof(days));
		snprintf(path, sizeof(path), "%s/h-%s.db", dir, sm->s[i].name);
		if (sim_station(&sm->s[i], path, &opt, 2, days, NULL))
			return -1;
		d0[i] = days[0];
		d1[i] = days[1];
		remove(path);
	}
	snprintf(path, sizeof(path), "%s/hub1000.db", dir);
	remove(path);
	if (end_open(&hub, path, "hub", &opt))
		return -1;
	sync_ctx_group_begin(hub.c);
	for (size_t i = 0; i < n; i++)
		for (size_t k = 0; k < d0[i].n; k++)
			sync_chunk_apply(hub.c, d0[i].p[k], d0[i].len[k], TR_DAY0 + 30 * TR_DAY, NULL, NULL, NULL);
	sync_ctx_group_end(hub.c);
	crdt_store_close(hub.st); /* reopen durable: acks only after fsync */
	sync_ctx_free(hub.c);
	if (crdt_store_open(&hub.st, path, hub.id.pk, NULL) || sync_ctx_new(&hub.c, hub.st, &hub.id, &opt))
		return -1;

	memset(&h, 0, sizeof(h));
	h.c = hub.c;
	h.max = n + 8;
	h.s = calloc(h.max, sizeof(*h.s));
	h.key = calloc(h.max, sizeof(*h.key));
	buf_init(&h.msg, SYNC_CHUNK_MAX);
	static const struct radio_resource res[] = { { .path = "s", .rt = "cunlian.session", .ct = 42, .post = true } };
	unsigned port = 47000 + (unsigned)(getpid() % 2000);
	snprintf(listen, sizeof(listen), "127.0.0.1:%u", port);
	struct radio_options so = { .listen = listen, .res = res, .nres = 1, .serve = hub_serve, .serve_arg = &h,
				    .limits = { .max_peers = 4096, .rate = 100000 } };
	struct radio_options co = { .listen = NULL };
	if (radio_new(&srv, &so) || radio_new(&cli, &co))
		return -1;
	struct station_run *sr = calloc(n, sizeof(*sr));
	size_t started = 0, finished = 0, active = 0, conc = 64;
	double t0 = wall_ms();
	while (finished < n && wall_ms() - t0 < 600000) {
		while (active < conc && started < n) {
			struct station_run *s = &sr[started];
			char q[32];
			s->ch = &d1[started];
			s->n = s->ch->n;
			radio_peer_new(cli, &s->p, "127.0.0.1", port, NULL);
			snprintf(q, sizeof(q), "k=%zx", started);
			for (size_t k = 0; k < s->n; k++)
				radio_peer_request(s->p, RADIO_POST, "s", q, s->ch->p[k], s->ch->len[k], station_done, s);
			if (!s->n)
				s->done = true;
			started++;
			active++;
		}
		radio_run(cli, 1);
		radio_run(srv, 1);
		for (size_t i = 0; i < started; i++)
			if (sr[i].p && sr[i].done) {
				radio_peer_free(sr[i].p);
				sr[i].p = NULL;
				finished++;
				active--;
				if (!sr[i].failed)
					(*ok)++;
			}
	}
	double t1 = wall_ms();
	for (size_t i = 0; i < h.n; i++)
		sync_session_free(h.s[i]);
	radio_free(cli);
	radio_free(srv);
	end_close(&hub);
	for (size_t i = 0; i < n; i++) {
		for (size_t k = 0; k < d0[i].n; k++)
			free(d0[i].p[k]);
		for (size_t k = 0; k < d1[i].n; k++)
			free(d1[i].p[k]);
	}
	free(d0);
	free(d1);
	free(sr);
	free(h.s);
	free(h.key);
	buf_release(&h.msg);
	return (t1 - t0) / 1000.0;
}

int main(int argc, char **argv)
{
	struct sync_dict *dict = NULL;
	struct sim sim;
	struct link_result r;
	struct radio_sim_profile p;
	char dir[] = "/tmp/cunlian-bench-radio-XXXXXX", cmd[600];
	size_t big = argc > 1 ? (size_t)atol(argv[1]) : 1000, ok = 0;

	if (sync_init() || !mkdtemp(dir))
		return 1;
	if (sync_dict_load(&dict, getenv("CUNLIAN_DICT") ? getenv("CUNLIAN_DICT") : "sync/dict/cunlian-v1.dict"))
		fprintf(stderr, "no dictionary: running without\n");
	printf("radio: villagegen --seed 1; simulated links carry the sessions' real messages\n");

	if (load(&sim, 100, 1))
		return 1;
	radio_sim_profile_named(&p, "gprs");
	p.loss = 0.05;
	if (link_bench(&sim.s[0], dir, dict, 2, 1, 1024, &p, 1024, 1500, &r) || !r.converged)
		fprintf(stderr, "gprs: did not converge\n");
	figure("gprs_sync_s", r.sim_s, "s", "target <= 5 (simulated, 40 kbit/s, 600 ms RTT, 5% loss)");
	printf("  %-34s %12llu datagrams, %llu lost, %llu bytes\n", "  (gprs link)", (unsigned long long)r.dgrams,
	       (unsigned long long)r.lost, (unsigned long long)r.bytes);
	sim_free(&sim);

	if (load(&sim, 100, 7))
		return 1;
	radio_sim_profile_named(&p, "lora");
	p.loss = 0.10;
	if (link_bench(&sim.s[0], dir, dict, 8, 0, 512, &p, RADIO_LORA_PAYLOAD, 20000, &r) || !r.converged)
		fprintf(stderr, "lora: did not converge\n");
	figure("lora_week_s", r.airtime_s, "s", "target <= 180 (airtime, 1,758 bit/s, 197-byte frames, 10% loss)");
	printf("  %-34s %12llu frames, %llu lost, %llu bytes, %.0f s elapsed\n", "  (lora link)",
	       (unsigned long long)r.dgrams, (unsigned long long)r.lost, (unsigned long long)r.bytes, r.sim_s);
	sim_free(&sim);

	if (big) {
		if (load(&sim, big, 1))
			return 1;
		double s = hub_bench(&sim, dir, dict, &ok);
		figure("hub_syncs_per_s", s > 0 ? (double)ok / s : 0, "1/s", "target >= 100 (CoAP on loopback)");
		printf("  %-34s %12zu of %zu stations in %.1f s\n", "  (hub)", ok, sim.n, s);
		sim_free(&sim);
	}
	sync_dict_free(dict);
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	return system(cmd) == 0 ? 0 : 1;
}
