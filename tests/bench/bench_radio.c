// SPDX-License-Identifier: MIT
/*
 * bench_radio.c - what links cost: a station's day over simulated GPRS, a
 * station's week over simulated LoRa, and how many station syncs per
 * second one hub serves over real CoAP on loopback.
 *
 * gprs_sync_s, lora_week_s: two real sync sessions (station initiator,
 * hub responder, real replicas from the trace) exchange their real
 * messages through the link simulator (radio/linksim.c) in simulated time.
 * GPRS: each message is cut into 1024-byte datagrams, each with 4 bytes
 * of fragment header and 16 standing for CoAP's header and options; a
 * message with a lost datagram is lost and the session resends it. The
 * figure is the simulated time from the first HELLO until both sessions
 * are idle and the version vectors agree.
 *
 * LoRa: the exchange as `cunlian sync` runs it with profile=lora through
 * two lora-bridges (lm_run below: CoAP block-wise, one frame per
 * datagram, each block retransmitted alone, the hub's ACKs in its
 * responses, chunk = 4096); the figure is the airtime the link was busy,
 * printed with where it went. lora_week_msg_s is the former model
 * (whole messages in frames, a lost frame loses the message), printed
 * for comparison, not written to bench.json.
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
#include "base/mem.h"
#include "radio/radio.h"
#include "sync/dict/sim.h"
#include "sync/sync_internal.h"
#include "tests/bench/figure.h"

#define FRAG_HDR 4
#define COAP_OVERHEAD 16
#define LORA_CHUNK 4096 /* node.conf chunk for a LoRa station (hw/lora.md) */

static double wall_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
}

static void figure(const char *name, double v, const char *unit, const char *target)
{
	bench_figure(name, v, 2, unit, target);
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

/* Where the airtime goes: per sender, message type (HELLO, DELTA, ACK)
 * and whether it is a first send or a resend. */
struct link_use {
	uint64_t msgs, bytes, frames, air_ms;
};
struct link_result {
	double sim_s, airtime_s;
	uint64_t dgrams, lost, bytes;
	bool converged;
	struct link_use use[2][4][2]; /* [sender][type][resend] */
};

/* What the link carried in elapsed ms, into out; both sessions end. */
static void link_finish(struct radio_sim *sim, uint64_t elapsed, struct end *st, struct end *hub,
			struct link_result *out)
{
	struct radio_sim_counters c;
	radio_sim_counters_get(sim, &c);
	out->sim_s = (double)elapsed / 1000.0;
	out->airtime_s = (double)c.airtime_ms / 1000.0;
	out->dgrams = c.sent;
	out->lost = c.lost;
	out->bytes = c.bytes_sent;
	sync_session_free(st->s);
	sync_session_free(hub->s);
	st->s = hub->s = NULL;
}

/* Chunk ids a side has sent, to tell resends from first sends. */
struct sent_ids {
	uint8_t (*id)[SYNC_ID_LEN];
	size_t n, cap;
};

static bool sent_ids_seen(struct sent_ids *s, const uint8_t id[SYNC_ID_LEN])
{
	for (size_t i = 0; i < s->n; i++)
		if (memcmp(s->id[i], id, SYNC_ID_LEN) == 0)
			return true;
	if (MEM_GROW(s->id, s->cap, s->n + 1))
		abort();
	memcpy(s->id[s->n++], id, SYNC_ID_LEN);
	return false;
}

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
	struct sent_ids ids[2] = { { 0 }, { 0 } };
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
				    (rc = sync_session_input(e[k]->s, whole.data, whole.len, now, NULL)))
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
				struct radio_sim_counters c0, c1;
				uint8_t id[SYNC_ID_LEN];
				int type = 0;
				size_t clen;
				radio_sim_counters_get(sim, &c0);
				if ((rc = end_tx(e[k], sim, k, msg.data, msg.len, dgram, now)))
					return rc;
				radio_sim_counters_get(sim, &c1);
				if (sync_chunk_peek(msg.data, msg.len, id, &type, &clen) || type < 1 || type > 3)
					type = 0;
				struct link_use *u = &out->use[k][type][sent_ids_seen(&ids[k], id)];
				u->msgs++;
				u->bytes += msg.len;
				u->frames += c1.sent - c0.sent;
				u->air_ms += c1.airtime_ms - c0.airtime_ms;
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
	link_finish(sim, now - t0, st, hub, out);
	end_rx_reset(st);
	end_rx_reset(hub);
	radio_sim_free(sim);
	buf_release(&msg);
	buf_release(&in);
	free(ids[0].id);
	free(ids[1].id);
	return 0;
}

/* The breakdown of a link_result: one line per sender, type, first send
 * or resend that used the link. */
static void link_use_print(const struct link_result *r)
{
	static const char *const side[2] = { "station", "hub" };
	static const char *const type[4] = { "other", "HELLO", "DELTA", "ACK" };
	for (int k = 0; k < 2; k++)
		for (int t = 0; t < 4; t++)
			for (int re = 0; re < 2; re++) {
				const struct link_use *u = &r->use[k][t][re];
				if (!u->msgs)
					continue;
				printf("      %-7s %-5s %-6s %5llu msgs %7llu bytes %5llu frames %8.1f s air\n",
				       side[k], type[t], re ? "resend" : "first", (unsigned long long)u->msgs,
				       (unsigned long long)u->bytes, (unsigned long long)u->frames,
				       (double)u->air_ms / 1000.0);
			}
}

/* ---- the LoRa link as the node runs it: CoAP over lora-bridge ---------- */

/*
 * What `cunlian sync` with profile=lora does through two lora-bridges
 * (node/link.c, radio/coap.c, radio/bridge.c), one frame per datagram:
 * one request in flight (window 1); a message POSTed to /s travels in
 * Block1 blocks of 128 bytes, each a confirmable request answered by a
 * 2.31 (or, the last, by the response); the response (a flags byte and
 * the hub's messages: its ACKs piggybacked, at most one DELTA) comes in
 * Block2 blocks of 128, each after the first asked for by a request; a
 * frame lost either way costs that one block again after the ACK
 * timeout (per-block retransmission; the session's own resend never
 * fires, since every DELTA is acknowledged in its own response). When
 * both sessions are idle the station GETs /vv (text) and compares.
 * Datagram sizes are those libcoap sends (measured through lora-bridge):
 * a Block1 request is its block + 48 bytes, a 2.31 is 14, a response
 * block its block + 21, a request for the next Block2 block 45, an empty
 * POST (poll) 37, GET /vv 33.
 */
#define LM_BLOCK 128
#define LM_REQ 48
#define LM_CONT 14
#define LM_RESP 21
#define LM_NEXT 45
#define LM_POLL 37
#define LM_GETVV 33
#define LM_RESP_SOFT 256 /* node/link.c NODE_RESP_SOFT */

enum lm_use { LM_U_REQ, LM_U_CONT, LM_U_RESP, LM_U_NEXT, LM_U_POLL, LM_U_VV, LM_U_N };

struct lm {
	struct radio_sim *sim;
	uint64_t now, ack_ms;
	uint64_t air[LM_U_N][2], frames[LM_U_N][2], bytes[LM_U_N][2]; /* [use][retransmission] */
	uint64_t round_trips;
	bool retry;
};

/* One frame from end `from`; true when it crossed. */
static bool lm_frame(struct lm *m, int from, size_t len, enum lm_use u)
{
	static uint8_t junk[RADIO_LORA_PAYLOAD];
	struct radio_sim_counters c0, c1;
	struct buf b;
	bool got;
	radio_sim_counters_get(m->sim, &c0);
	radio_sim_send(m->sim, from, junk, len, m->now);
	radio_sim_counters_get(m->sim, &c1);
	m->air[u][m->retry] += c1.airtime_ms - c0.airtime_ms;
	m->frames[u][m->retry]++;
	m->bytes[u][m->retry] += len;
	m->now = radio_sim_free_at(m->sim, from, m->now);
	uint64_t due = radio_sim_next(m->sim);
	buf_init(&b, 4096);
	if (due != UINT64_MAX && due > m->now)
		m->now = due;
	got = radio_sim_recv(m->sim, !from, &b, m->now) == 1;
	buf_release(&b);
	return got;
}

/* One confirmable exchange: request and response, again after the ACK
 * timeout until both crossed (libcoap gives up after 6 retransmissions). */
static int lm_rt(struct lm *m, size_t qlen, enum lm_use qu, size_t rlen, enum lm_use ru)
{
	m->round_trips++;
	for (int k = 0; k <= 6; k++) {
		m->retry = k > 0;
		if (lm_frame(m, 0, qlen, qu) && lm_frame(m, 1, rlen, ru))
			return 0;
		m->now += m->ack_ms << k; /* the client waits, doubling */
	}
	return -ETIMEDOUT;
}

/* The hub's answer to a /s body, as node/link.c builds it. */
static int lm_serve(struct end *hub, const uint8_t *p, size_t len, uint64_t now, struct buf *resp, struct buf *msg)
{
	bool more;
	int rc;
	(void)msg;
	if ((rc = sync_session_input_body(hub->s, p, len, now, NULL)))
		return rc;
	sync_session_tick(hub->s, now);
	buf_reset(resp);
	buf_put_u8(resp, 0);
	if ((rc = sync_session_output_body(hub->s, resp, LM_RESP_SOFT, now, &more)) < 0)
		return rc;
	resp->data[0] = (uint8_t)((sync_session_idle(hub->s) ? 1 : 0) | (more ? 2 : 0));
	return resp->err;
}

/* A body of len bytes in the response: its Block2 blocks. */
static int lm_response(struct lm *m, size_t final_q, enum lm_use qu, size_t len)
{
	size_t first = len < LM_BLOCK ? len : LM_BLOCK;
	int rc = lm_rt(m, final_q, qu, first + LM_RESP, LM_U_RESP);
	for (size_t off = first; !rc && off < len; off += LM_BLOCK)
		rc = lm_rt(m, LM_NEXT, LM_U_NEXT, (len - off < LM_BLOCK ? len - off : LM_BLOCK) + LM_RESP, LM_U_RESP);
	return rc;
}

static int lm_run(struct end *st, struct end *hub, const struct radio_sim_profile *p, uint64_t seed,
		  uint64_t ack_ms, uint64_t limit_ms, struct link_result *out, struct lm *m)
{
	uint64_t t0 = TR_DAY0 + 30 * TR_DAY;
	struct sync_session_options so0 = { .initiator = true, .rto_ms = ack_ms };
	struct sync_session_options so1 = { .initiator = false, .rto_ms = 4000 };
	struct buf msg, resp, scratch;
	bool hub_idle = false, hub_more = false;
	int rc;

	memset(out, 0, sizeof(*out));
	memset(m, 0, sizeof(*m));
	m->now = t0;
	m->ack_ms = ack_ms;
	if ((rc = radio_sim_new(&m->sim, p, seed)) || (rc = sync_session_new(&st->s, st->c, &so0, m->now)) ||
	    (rc = sync_session_new(&hub->s, hub->c, &so1, m->now)))
		return rc;
	buf_init(&msg, SYNC_CHUNK_MAX);
	buf_init(&resp, SYNC_CHUNK_MAX);
	buf_init(&scratch, SYNC_CHUNK_MAX);
	while (m->now < t0 + limit_ms) {
		sync_session_tick(st->s, m->now);
		if ((rc = sync_session_output(st->s, &msg, m->now)) < 0)
			break;
		if (rc == 0) {
			if (sync_session_idle(st->s) && hub_idle && !hub_more)
				break; /* both idle: compare version vectors */
			buf_reset(&msg);
		}
		/* POST /s: the body's Block1 blocks, the last answered with the response */
		size_t nb = msg.len ? (msg.len + LM_BLOCK - 1) / LM_BLOCK : 1, last = msg.len - (nb - 1) * LM_BLOCK;
		rc = 0;
		for (size_t i = 0; i + 1 < nb && !rc; i++)
			rc = lm_rt(m, LM_BLOCK + LM_REQ, LM_U_REQ, LM_CONT, LM_U_CONT);
		if (rc || (rc = lm_serve(hub, msg.data, msg.len, m->now, &resp, &scratch)))
			break;
		if ((rc = lm_response(m, msg.len || nb > 1 ? last + LM_REQ : LM_POLL, msg.len ? LM_U_REQ : LM_U_POLL,
				      resp.len)))
			break;
		hub_idle = resp.data[0] & 1;
		hub_more = resp.data[0] & 2;
		if ((rc = sync_session_input_body(st->s, resp.data + 1, resp.len - 1, m->now, NULL)))
			break;
	}
	if (rc >= 0 && vv_equal(st->st, hub->st)) {
		/* GET /vv?scope=...: one text line per feed of the station's scopes */
		struct crdt_vv_entry *vv = NULL;
		size_t n = 0, len = 0;
		crdt_store_vv(hub->st, &vv, &n);
		for (size_t i = 0; i < n; i++)
			len += 64 + 1 + (vv[i].scope[0] ? strlen(vv[i].scope) : 1) + 1 + (size_t)snprintf(NULL, 0, "%llu", (unsigned long long)vv[i].seq) + 1;
		mem_free(vv);
		size_t first = len < LM_BLOCK ? len : LM_BLOCK;
		rc = lm_rt(m, LM_GETVV, LM_U_VV, first + LM_RESP, LM_U_VV);
		for (size_t off = first; !rc && off < len; off += LM_BLOCK)
			rc = lm_rt(m, LM_GETVV + 6, LM_U_VV, (len - off < LM_BLOCK ? len - off : LM_BLOCK) + LM_RESP, LM_U_VV);
		out->converged = rc == 0;
	}
	link_finish(m->sim, m->now - t0, st, hub, out);
	radio_sim_free(m->sim);
	buf_release(&msg);
	buf_release(&resp);
	buf_release(&scratch);
	return rc < 0 ? rc : 0;
}

static void lm_print(const struct lm *m)
{
	static const char *const what[LM_U_N] = {
		"station: /s request blocks (its messages)", "hub: 2.31 Continue", "hub: response blocks (its messages)",
		"station: asks for the next block", "station: empty POST (poll)", "GET /vv and its answer",
	};
	for (int u = 0; u < LM_U_N; u++)
		for (int re = 0; re < 2; re++)
			if (m->frames[u][re])
				printf("      %-42s %-7s %5llu frames %7llu bytes %8.1f s air\n", what[u],
				       re ? "resent" : "first", (unsigned long long)m->frames[u][re],
				       (unsigned long long)m->bytes[u][re], (double)m->air[u][re] / 1000.0);
	printf("      %llu round trips\n", (unsigned long long)m->round_trips);
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
		      size_t dgram, uint64_t rto, struct lm *coap, struct link_result *res)
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
	rc = coap ? lm_run(&st, &hub, p, 1, rto, 3600000, res, coap) : link_run(&st, &hub, p, 1, dgram, rto, 3600000, res);
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
	sync_session_input_body(s, q->body, q->len, now, NULL);
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
	sync_ctx_free(hub.c); /* it uses the store: free it first */
	crdt_store_close(hub.st); /* reopen durable: acks only after fsync */
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
	if (link_bench(&sim.s[0], dir, dict, 2, 1, 1024, &p, 1024, 1500, NULL, &r) || !r.converged)
		fprintf(stderr, "gprs: did not converge\n");
	figure("gprs_sync_s", r.sim_s, "s", "target <= 5 (simulated, 40 kbit/s, 600 ms RTT, 5% loss)");
	printf("  %-34s %12llu datagrams, %llu lost, %llu bytes\n", "  (gprs link)", (unsigned long long)r.dgrams,
	       (unsigned long long)r.lost, (unsigned long long)r.bytes);
	sim_free(&sim);

	if (load(&sim, 100, 7))
		return 1;
	radio_sim_profile_named(&p, "lora");
	p.loss = 0.10;
	/* as the node runs it: CoAP through lora-bridge, profile=lora, chunk=LORA_CHUNK */
	struct lm m;
	if (link_bench(&sim.s[0], dir, dict, 8, 0, LORA_CHUNK, &p, RADIO_LORA_PAYLOAD, 8000, &m, &r) || !r.converged)
		fprintf(stderr, "lora: did not converge\n");
	figure("lora_week_s", r.airtime_s, "s", "target <= 180 (airtime, 1,758 bit/s, 197-byte frames, 10% loss)");
	printf("  %-34s %12llu frames, %llu lost, %llu bytes, %.0f s elapsed\n", "  (lora link, CoAP)",
	       (unsigned long long)r.dgrams, (unsigned long long)r.lost, (unsigned long long)r.bytes, r.sim_s);
	lm_print(&m);
	/* the former model: whole messages cut into frames, a lost frame
	 * loses the message, the session resends it after 20 s */
	if (link_bench(&sim.s[0], dir, dict, 8, 0, 512, &p, RADIO_LORA_PAYLOAD, 20000, NULL, &r) || !r.converged)
		fprintf(stderr, "lora (message model): did not converge\n");
	printf("  %-34s %12.2f s      airtime, %llu frames, %llu lost (before: lora_week_s)\n",
	       "lora_week_msg_s", r.airtime_s, (unsigned long long)r.dgrams, (unsigned long long)r.lost);
	link_use_print(&r);
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
