/* SPDX-License-Identifier: MIT */
/*
 * lora_model.h - one sync exchange over LoRa as the node runs it, with
 * the real sync sessions of both ends and the airtime of every frame by
 * the SX127x formula. Header-only, for the bench programs.
 *
 * The exchange (node/link.c, radio/coap.c, radio/xchg.c with
 * profile=lora):
 *  1. The probe (link.c P1), when the station's clock holds an anchor
 *     heard from the hub in this boot: GET /vv naming every scope the
 *     station holds feeds of (its own and "-" first, at most 8) and
 *     vvq=HEX, the summary of its whole version vector (sync_vv_hash).
 *     The hub answers "vv same" when the summary of its feeds of those
 *     scopes is the same (P2): the exchange is over, converged. Anything
 *     else ("vv differ", a failure) goes on to the session.
 *  2. The session: one request in flight (window 1); the station's
 *     messages POSTed to /s back to back (radio/xchg.c X1: up to
 *     LM_PACK bytes, at most one DELTA, last) travel in Block1 blocks of
 *     128 bytes, each a confirmable
 *     request answered by a 2.31 (the last by the response); the response
 *     (a flags byte and the hub's messages: its ACKs, at most one DELTA)
 *     comes in Block2 blocks of 128, each after the first asked for by a
 *     request; until both sessions are idle.
 *  3. The check (X2, P3): GET /vv?scope=ITS&scope=-&digest&vvd=HEX, the
 *     summary of the station's vector over its scope and the county's;
 *     the hub answers "vv same" and the two digest lines when its own
 *     summary agrees, else a line per feed of those scopes and the
 *     digests; block-wise.
 * A frame lost either way costs that exchange again after the ACK
 * timeout, doubling (libcoap gives up after 6 retransmissions).
 * Datagram sizes: a GET is built as radio_call_send builds it (header,
 * a token of LM_TOKEN bytes, Uri-Path, a Uri-Query per term, Block2;
 * RFC 7252 option encoding); the rest are those libcoap sends, measured
 * on loopback with the LoRa profile (the session key k= of 8 hex digits
 * over a frame-limited link, radio/xchg.c): a Block1 request is its
 * block + 39 bytes (token 7, Uri-Path, Uri-Query k=, Block2, Block1,
 * Size1, Request-Tag), a 2.31 is 14, a block of a block-wise response
 * its block + 21 (ETag, Content-Format, Block2, Size2), an answer within
 * one block its bytes + 14 after a block-wise request (token 7,
 * Content-Format), + 8 after a request in one datagram or a GET (token
 * 1; radio/coap.c step 6), a request for the next Block2 block 37, an
 * empty POST (poll) 29. Every message goes block-wise when it is over
 * one block (libcoap sends a body of up to about 160 bytes in one
 * datagram: the model counts such a body as two blocks, a little more
 * air than the node uses). The hub is taken to have validated
 * the address the station's requests come from (radio/guard.c; behind a
 * LoRa gateway that is the gateway's bridge), so no 4.01 Echo round trip.
 *
 * Airtime of a frame (Semtech SX127x datasheet, LoRa modem): SF9,
 * 125 kHz, coding rate 4/5, 8-symbol preamble, explicit header, CRC on,
 * no low-data-rate optimisation:
 *   Tsym = 2^SF / BW = 4.096 ms; preamble (8 + 4.25) Tsym;
 *   payload symbols 8 + max(ceil((8 PL - 4 SF + 28 + 16) / (4 SF)) * 5, 0)
 * where PL is the modem's payload: the datagram in cunlian's serial
 * framing, which the modem sends as it is (flag, length byte, CRC-16:
 * 4 bytes, and one escape byte per flag or escape byte in the datagram).
 * The frame limit: a datagram of more than RADIO_LORA_PAYLOAD (197) bytes
 * cannot cross (the bridge drops it; hw/lora.md: CN470, about one second
 * a frame): the exchange fails. Frames are lost independently with the
 * given probability (a seeded generator); a lost frame used its airtime.
 */
#ifndef CUNLIAN_BENCH_LORA_MODEL_H
#define CUNLIAN_BENCH_LORA_MODEL_H

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <stdbool.h>
#include <stdint.h>
#include <string.h>

#include "base/err.h"
#include "base/mem.h"
#include "radio/radio.h"
#include "sync/sync.h"

#define LM_BLOCK 128
#define LM_REQ 39
#define LM_CONT 14
#define LM_RESP 21       /* a block of a block-wise answer */
#define LM_ONE_BLK 14    /* an answer in one datagram, to a block-wise request */
#define LM_ONE 8         /* the same to a request in one datagram (a GET, a poll) */
#define LM_NEXT 37
#define LM_POLL 29
#define LM_TOKEN 1       /* libcoap 4.3.1 numbers a session's tokens from 1 */
#define LM_RESP_SOFT 256 /* node/link.c NODE_RESP_SOFT */
#define LM_PACK 512      /* radio/xchg.c XCHG_PACK */
#define LM_ACK_MS 8000   /* profile=lora ack_timeout */
#define LM_TURN_MS 10    /* the radio's turnaround between frames */

/* One end: its replica and sync context (borrowed) and, during an
 * exchange, its session. */
struct lm_end {
	struct crdt_store *st;
	struct sync_ctx *c;
	struct sync_session *s;
};

struct lm {
	uint64_t now, rng;
	double loss;
	double air_ms;          /* airtime of every frame, both ways */
	uint64_t frames, lost, round_trips, bytes;
	uint64_t probes, probes_same; /* P1 probes sent, answered "vv same" */
	size_t check_text;      /* bytes of the hub's latest answer to the check (P3) */
	int err;                /* a frame that could not cross */
	/* batching (node/link.c B1-B5): the station's key, its batch_s (0:
	 * none), its own feeds as last agreed with the hub (after a session
	 * whose check converged), and what the last probe left waiting */
	const uint8_t *self;
	unsigned batch_s;
	struct crdt_vv_entry agreed[4];
	size_t nagreed;
	bool agreed_known;
	uint64_t waiting, wait_ms;
	bool check_same;        /* the last check's answer was "vv same" */
};

/* The SX127x time on air of a modem payload of pl bytes, ms. */
static double lm_airtime_ms(size_t pl)
{
	const double tsym = 512.0 / 125.0; /* ms: 2^9 / 125 kHz */
	long num = 8 * (long)pl - 4 * 9 + 28 + 16;
	long sym = num > 0 ? (num + 4 * 9 - 1) / (4 * 9) * 5 : 0;
	return (8 + 4.25) * tsym + (double)(8 + sym) * tsym;
}

/* The modem payload of a datagram of len bytes: framing and escapes (for
 * bytes that look random, 2 in 256 need one). */
static size_t lm_on_air(size_t len)
{
	return len + 4 + (len * 2 + 255) / 256;
}

static double lm_unit(struct lm *m)
{
	m->rng ^= m->rng << 13;
	m->rng ^= m->rng >> 7;
	m->rng ^= m->rng << 17;
	return (double)(m->rng >> 11) / 9007199254740992.0;
}

/* One frame; true when it crossed. */
static bool lm_frame(struct lm *m, size_t len)
{
	if (len > RADIO_LORA_PAYLOAD) {
		m->err = ERR_TOOBIG;
		return false;
	}
	double air = lm_airtime_ms(lm_on_air(len));
	m->air_ms += air;
	m->frames++;
	m->bytes += len;
	m->now += (uint64_t)air + LM_TURN_MS;
	if (lm_unit(m) < m->loss) {
		m->lost++;
		return false;
	}
	return true;
}

/* One confirmable exchange: again after the ACK timeout, doubling. */
static int lm_rt(struct lm *m, size_t qlen, size_t rlen)
{
	m->round_trips++;
	for (int k = 0; k <= 6; k++) {
		if (lm_frame(m, qlen) && lm_frame(m, rlen))
			return 0;
		if (m->err)
			return m->err;
		m->now += (uint64_t)LM_ACK_MS << k;
	}
	if (getenv("LM_DEBUG"))
		fprintf(stderr, "lm: a round trip of %zu and %zu bytes failed 7 times (frames %llu, lost %llu)\n", qlen,
			rlen, (unsigned long long)m->frames, (unsigned long long)m->lost);
	return -ETIMEDOUT;
}

/* One CoAP option of len bytes, delta above the one before it (RFC 7252
 * 3.1: a byte of delta and length, extended past 12). */
static size_t lm_opt(unsigned delta, size_t len)
{
	return 1 + len + (delta >= 269 ? 2 : delta >= 13 ? 1 : 0) + (len >= 269 ? 2 : len >= 13 ? 1 : 0);
}

/* A GET to path?query as radio_call_send builds it, asking for block num
 * of the answer: header, token, Uri-Path, a Uri-Query per term of the
 * query, Block2 (szx 3: 128-byte blocks, the LoRa profile's). */
static size_t lm_get_size(const char *path, const char *query, size_t num)
{
	size_t n = 4 + LM_TOKEN + lm_opt(11, strlen(path));
	unsigned last = 11;
	for (const char *q = query; *q;) {
		size_t k = strcspn(q, "&");
		if (k) {
			n += lm_opt(15 - last, k);
			last = 15;
		}
		q += k + (q[k] == '&');
	}
	size_t v = (num << 4) | 3;
	return n + lm_opt(23 - last, v < 256 ? 1 : v < 65536 ? 2 : 3);
}

/* A GET and its answer of len bytes, block-wise. */
static int lm_get(struct lm *m, const char *path, const char *query, size_t len)
{
	size_t first = len < LM_BLOCK ? len : LM_BLOCK;
	int rc = lm_rt(m, lm_get_size(path, query, 0), first + (len <= LM_BLOCK ? LM_ONE : LM_RESP));
	for (size_t off = first, num = 1; !rc && off < len; off += LM_BLOCK, num++)
		rc = lm_rt(m, lm_get_size(path, query, num), (len - off < LM_BLOCK ? len - off : LM_BLOCK) + LM_RESP);
	return rc;
}

/* The summary (sync_vv_hash) of the feeds of the nsc scopes named ("" the
 * county's; NULL: all feeds) held at st, as 16 hex digits. */
static int lm_vv_hex(struct crdt_store *st, const char *const *sc, size_t nsc, char hex[2 * SYNC_VV_HASH_LEN + 1])
{
	struct crdt_vv_entry *vv = NULL;
	uint8_t h[SYNC_VV_HASH_LEN];
	size_t n = 0;
	int rc = sc ? crdt_store_vv_scopes(st, sc, nsc, &vv, &n) : crdt_store_vv(st, &vv, &n);
	if (!rc)
		rc = sync_vv_hash(vv, n, h);
	mem_free(vv);
	for (size_t i = 0; !rc && i < SYNC_VV_HASH_LEN; i++)
		snprintf(hex + 2 * i, 3, "%02x", h[i]);
	return rc;
}

/* The probe (node/link.c P1, node_xchg_probe_setup; the hub's side
 * node_net_vv_text P2) of the station named scope: 1 when the hub
 * answered "vv same" (the exchange is over), 0 when the session follows
 * (a "vv differ", or no probe: more than 8 scopes), < 0 when the GET
 * failed (the node then goes on to the session too: see lm_sync). */
/* B1-B3 of node/link.c (node_xchg_batch): lower the station's own feeds
 * in vv to their agreed seqs when its own commits past them wait and are
 * not due; true when due (the session goes without a probe). */
static int lm_hlc(void *arg, const struct crdt_log_entry *e)
{
	*(uint64_t *)arg = e->hlc;
	return 0;
}

static bool lm_batch(struct lm *m, struct lm_end *st, struct crdt_vv_entry *vv, size_t *n)
{
	uint64_t waiting = 0, oldest = UINT64_MAX;
	bool due = false;
	size_t keep = 0;
	m->waiting = m->wait_ms = 0;
	if (!m->batch_s)
		return false;
	for (size_t i = 0; i < *n && !due; i++) {
		const struct crdt_vv_entry *a = NULL;
		uint64_t hlc = 0;
		if (memcmp(vv[i].author, m->self, CRDT_AUTHOR_LEN) != 0)
			continue;
		for (size_t k = 0; m->agreed_known && k < m->nagreed && !a; k++)
			if (strcmp(m->agreed[k].scope, vv[i].scope) == 0)
				a = &m->agreed[k];
		if (!a) {
			due = true;
		} else if (a->seq < vv[i].seq) {
			waiting += vv[i].seq - a->seq;
			if (crdt_log_get(st->st, vv[i].author, vv[i].scope, a->seq + 1, lm_hlc, &hlc) ||
			    (hlc >> 16) > m->now + 60000)
				due = true;
			else if ((hlc >> 16) < oldest)
				oldest = hlc >> 16;
		}
	}
	if (!waiting || due || oldest + (uint64_t)m->batch_s * 1000 <= m->now)
		return waiting > 0 || due;
	for (size_t i = 0; i < *n; i++) {
		if (memcmp(vv[i].author, m->self, CRDT_AUTHOR_LEN) == 0)
			for (size_t k = 0; k < m->nagreed; k++)
				if (strcmp(m->agreed[k].scope, vv[i].scope) == 0 && m->agreed[k].seq < vv[i].seq)
					vv[i].seq = m->agreed[k].seq;
		if (vv[i].seq)
			vv[keep++] = vv[i];
	}
	*n = keep;
	m->waiting = waiting;
	m->wait_ms = oldest + (uint64_t)m->batch_s * 1000 - m->now;
	return false;
}

/* After a session and its check: the station's own feeds as the hub
 * holds them (the node saves them in peers/<name>.vv from the check). */
static void lm_agree(struct lm *m, struct lm_end *hub)
{
	struct crdt_vv_entry *vv = NULL;
	size_t n = 0;
	m->nagreed = 0;
	m->agreed_known = false;
	if (!m->self)
		return;
	if (crdt_store_vv_of(hub->st, m->self, &vv, &n) == 0 && n <= 4) {
		memcpy(m->agreed, vv, n * sizeof(*vv));
		m->nagreed = n;
		m->agreed_known = true;
	}
	mem_free(vv);
}

static int lm_probe(struct lm *m, struct lm_end *st, struct lm_end *hub, const char *scope)
{
	struct crdt_vv_entry *vv = NULL;
	const char *sc[9];
	char names[9][CRDT_SCOPE_MAX + 1], q[512], mine[2 * SYNC_VV_HASH_LEN + 1], theirs[2 * SYNC_VV_HASH_LEN + 1];
	size_t n = 0, ns = 0, off = 0;
	uint8_t h[SYNC_VV_HASH_LEN];
	int rc;
	if ((rc = crdt_store_vv(st->st, &vv, &n)))
		return rc;
	snprintf(names[ns++], sizeof(names[0]), "%s", scope);
	names[ns++][0] = '\0';
	for (size_t i = 0; i < n && ns <= 8; i++) {
		bool have = false;
		for (size_t j = 0; j < ns && !have; j++)
			have = strcmp(names[j], vv[i].scope) == 0;
		if (!have && ns < 9)
			snprintf(names[ns++], sizeof(names[0]), "%s", vv[i].scope);
	}
	if (ns > 8 || lm_batch(m, st, vv, &n)) {
		mem_free(vv);
		m->waiting = 0;
		return 0; /* too many scopes for one query, or own commits due: the node syncs in full */
	}
	rc = sync_vv_hash(vv, n, h);
	mem_free(vv);
	for (size_t i = 0; !rc && i < SYNC_VV_HASH_LEN; i++)
		snprintf(mine + 2 * i, 3, "%02x", h[i]);
	for (size_t j = 0; j < ns; j++) {
		sc[j] = names[j];
		off += (size_t)snprintf(q + off, sizeof(q) - off, "scope=%s&", names[j][0] ? names[j] : "-");
	}
	if (rc || (rc = lm_vv_hex(hub->st, sc, ns, theirs)))
		return rc;
	snprintf(q + off, sizeof(q) - off, "vvq=%s", mine);
	bool same = strcmp(mine, theirs) == 0;
	m->probes++;
	if ((rc = lm_get(m, "vv", q, same ? 8 : 10)))
		return rc;
	m->probes_same += same;
	return same ? 1 : 0;
}

/* The check after the session (X2, P3): GET /vv with the station's
 * summary of its scope and the county's as vvd; the hub's answer as
 * node_net_vv_text makes it. */
static int lm_check(struct lm *m, struct lm_end *st, struct lm_end *hub, const char *scope, bool digest)
{
	const char *sc[2] = { scope, "" };
	char q[CRDT_SCOPE_MAX + 64], mine[2 * SYNC_VV_HASH_LEN + 1], theirs[2 * SYNC_VV_HASH_LEN + 1];
	size_t len = 0;
	int rc;
	if ((rc = lm_vv_hex(st->st, sc, 2, mine)) || (rc = lm_vv_hex(hub->st, sc, 2, theirs)))
		return rc;
	snprintf(q, sizeof(q), "scope=%s&scope=-%s&vvd=%s", scope, digest ? "&digest" : "", mine);
	m->check_same = strcmp(mine, theirs) == 0;
	if (m->check_same) {
		len = 8; /* "vv same\n" */
	} else { /* a line per feed of the two scopes */
		struct crdt_vv_entry *vv = NULL;
		size_t n = 0;
		if ((rc = crdt_store_vv_scopes(hub->st, sc, 2, &vv, &n)))
			return rc;
		for (size_t i = 0; i < n; i++)
			len += 2 * CRDT_AUTHOR_LEN + 1 + (vv[i].scope[0] ? strlen(vv[i].scope) : 1) + 1 +
			       (size_t)snprintf(NULL, 0, "%llu", (unsigned long long)vv[i].seq) + 1;
		mem_free(vv);
	}
	/* "digest SCOPE HEX\n" for the station's scope and "-" */
	if (digest)
		len += (7 + strlen(scope) + 1 + 64 + 1) + (7 + 1 + 1 + 64 + 1);
	m->check_text = len;
	return lm_get(m, "vv", q, len);
}

/* A message's type (sync_chunk_peek), -1 when it has no header. */
static int lm_type(const uint8_t *p, size_t len)
{
	uint8_t id[SYNC_ID_LEN];
	int type = -1;
	size_t clen;
	return sync_chunk_peek(p, len, id, &type, &clen) ? -1 : type;
}

/* The hub's answer to a /s body, as node/link.c builds it. */
static int lm_serve(struct lm_end *hub, const uint8_t *p, size_t len, uint64_t now, struct buf *resp,
		    struct buf *msg)
{
	size_t off = 0;
	bool delta = false, more = false;
	int rc;
	while (off < len) {
		uint8_t id[SYNC_ID_LEN];
		int type;
		size_t clen;
		if (sync_chunk_peek(p + off, len - off, id, &type, &clen) || clen > len - off)
			break;
		if ((rc = sync_session_input(hub->s, p + off, clen, now, NULL)))
			return rc;
		off += clen;
	}
	sync_session_tick(hub->s, now);
	buf_reset(resp);
	buf_put_u8(resp, 0);
	while (resp->len < LM_RESP_SOFT && !delta) {
		uint8_t id[SYNC_ID_LEN];
		int type = 0;
		size_t clen;
		if ((rc = sync_session_output(hub->s, msg, now)) < 0)
			return rc;
		if (rc == 0)
			break;
		if (sync_chunk_peek(msg->data, msg->len, id, &type, &clen) == 0 && type == 2)
			delta = true;
		buf_put(resp, msg->data, msg->len);
	}
	if (resp->len >= LM_RESP_SOFT || delta) { /* stopped early: MORE only when more is queued */
		if ((rc = sync_session_pending(hub->s, now)) < 0)
			return rc;
		more = rc == 1;
	}
	resp->data[0] = (uint8_t)((sync_session_idle(hub->s) ? 1 : 0) | (more ? 2 : 0));
	return resp->err;
}

/* A body of len bytes in the response: its Block2 blocks. */
static int lm_response(struct lm *m, size_t final_q, size_t len, bool blockwise)
{
	size_t first = len < LM_BLOCK ? len : LM_BLOCK;
	int rc = lm_rt(m, final_q, first + (len > LM_BLOCK ? LM_RESP : blockwise ? LM_ONE_BLK : LM_ONE));
	for (size_t off = first; !rc && off < len; off += LM_BLOCK)
		rc = lm_rt(m, LM_NEXT, (len - off < LM_BLOCK ? len - off : LM_BLOCK) + LM_RESP);
	return rc;
}

/* The hub holds every commit of the station's own feeds (an index
 * search at the hub, as sync_session_own_behind does). */
static bool lm_converged(struct lm_end *st, struct lm_end *hub, const uint8_t *author)
{
	struct crdt_vv_entry *va = NULL, *vb = NULL;
	size_t na = 0, nb = 0;
	bool eq = true;
	if (crdt_store_vv_of(st->st, author, &va, &na) || crdt_store_vv_of(hub->st, author, &vb, &nb)) {
		eq = false;
		goto out;
	}
	for (size_t i = 0; i < na && eq; i++) {
		bool found = false;
		for (size_t k = 0; k < nb && !found; k++)
			found = strcmp(va[i].scope, vb[k].scope) == 0 && va[i].seq == vb[k].seq;
		eq = found;
	}
out:
	mem_free(va);
	mem_free(vb);
	return eq;
}

/* The session and the check at m->now: station (initiator, its scope
 * named scope) and hub. 0 when it ended with both idle and the check
 * answered; < 0 otherwise. */
static int lm_exchange(struct lm *m, struct lm_end *st, struct lm_end *hub, const char *scope, bool digest)
{
	struct sync_session_options so0 = { .initiator = true, .rto_ms = LM_ACK_MS };
	struct sync_session_options so1 = { .initiator = false, .rto_ms = 4000 };
	struct buf msg, resp, scratch;
	bool hub_idle = false, hub_more = false;
	uint64_t limit = m->now + 3600000;
	int rc;

	if ((rc = sync_session_new(&st->s, st->c, &so0, m->now)) ||
	    (rc = sync_session_new(&hub->s, hub->c, &so1, m->now)))
		return rc;
	buf_init(&msg, SYNC_CHUNK_MAX);
	buf_init(&resp, SYNC_CHUNK_MAX);
	buf_init(&scratch, SYNC_CHUNK_MAX);
	rc = -ETIMEDOUT;
	while (m->now < limit) {
		sync_session_tick(st->s, m->now);
		buf_reset(&msg); /* the station's messages back to back, at most one DELTA, last (radio/xchg.c X1) */
		if ((rc = sync_session_output_body(st->s, &msg, LM_PACK, m->now, NULL)) < 0)
			break;
		if (rc == 0) {
			if (sync_session_idle(st->s) && hub_idle && !hub_more) {
				rc = 0;
				break;
			}
			buf_reset(&msg);
		}
		if (getenv("LM_TRACE"))
			fprintf(stderr, "lm: up %zu bytes (type %d)\n", msg.len, msg.len > 0 ? lm_type(msg.data, msg.len) : -1);
		size_t nb = msg.len ? (msg.len + LM_BLOCK - 1) / LM_BLOCK : 1, last = msg.len - (nb - 1) * LM_BLOCK;
		rc = 0;
		for (size_t i = 0; i + 1 < nb && !rc; i++)
			rc = lm_rt(m, LM_BLOCK + LM_REQ, LM_CONT);
		if (rc || (rc = lm_serve(hub, msg.data, msg.len, m->now, &resp, &scratch)) ||
		    (rc = lm_response(m, msg.len ? last + LM_REQ : LM_POLL, resp.len, nb > 1)))
			break;
		if (getenv("LM_TRACE")) {
			fprintf(stderr, "lm: down %zu bytes:", resp.len);
			for (size_t o = 1; o < resp.len;) {
				uint8_t id[SYNC_ID_LEN];
				int ty;
				size_t cl;
				if (sync_chunk_peek(resp.data + o, resp.len - o, id, &ty, &cl) || cl > resp.len - o)
					break;
				fprintf(stderr, " %d:%zu", ty, cl);
				o += cl;
			}
			fprintf(stderr, "\n");
		}
		hub_idle = resp.data[0] & 1;
		hub_more = resp.data[0] & 2;
		size_t off = 1;
		while (off < resp.len) {
			uint8_t id[SYNC_ID_LEN];
			int type;
			size_t clen;
			if (sync_chunk_peek(resp.data + off, resp.len - off, id, &type, &clen) || clen > resp.len - off)
				break;
			if ((rc = sync_session_input(st->s, resp.data + off, clen, m->now, NULL)))
				break;
			off += clen;
		}
		if (rc)
			break;
		rc = -ETIMEDOUT;
	}
	if (rc == 0) /* the check (P3), block-wise */
		rc = lm_check(m, st, hub, scope, digest);
	if (rc && getenv("LM_DEBUG")) {
		const struct sync_report *a = sync_session_report(st->s), *b = sync_session_report(hub->s);
		fprintf(stderr, "lm: rc %d after %llu ms; station idle %d applied %llu refused %llu dup %llu;"
				" hub idle %d more %d applied %llu refused %llu held %llu dup %llu\n",
			rc, (unsigned long long)(m->now - (limit - 3600000)), sync_session_idle(st->s),
			(unsigned long long)a->applied, (unsigned long long)a->refused, (unsigned long long)a->duplicate,
			sync_session_idle(hub->s), hub_more, (unsigned long long)b->applied,
			(unsigned long long)b->refused, (unsigned long long)b->held, (unsigned long long)b->duplicate);
		for (size_t i = 0; i < b->nreasons; i++)
			fprintf(stderr, "lm: hub refused %llu: %s\n", (unsigned long long)b->reasons[i].n,
				err_str(b->reasons[i].rc));
		for (size_t i = 0; i < a->nreasons; i++)
			fprintf(stderr, "lm: station refused %llu: %s\n", (unsigned long long)a->reasons[i].n,
				err_str(a->reasons[i].rc));
	}
	sync_session_free(st->s);
	sync_session_free(hub->s);
	st->s = hub->s = NULL;
	buf_release(&msg);
	buf_release(&resp);
	buf_release(&scratch);
	return rc;
}

/* One exchange as node_xchg_new and node_xchg_step run it: the probe
 * first when anchored (the station heard the hub in this boot), the
 * session and the check unless the probe said "vv same". 1 when the
 * probe ended it, 0 when the session converged, < 0 when it failed. */
static int lm_sync(struct lm *m, struct lm_end *st, struct lm_end *hub, const char *scope, bool anchored)
{
	int rc = anchored ? lm_probe(m, st, hub, scope) : 0;
	if (rc == 1)
		return 1;
	if (rc < 0 && rc != -ETIMEDOUT)
		return rc; /* not the radio's: a storage error */
	m->waiting = 0;
	rc = lm_exchange(m, st, hub, scope, !(anchored && m->batch_s)); /* B6 */
	if (rc == 0) /* what the check saw the hub hold (node_xchg_compare) */
		lm_agree(m, hub);
	return rc;
}

#endif
