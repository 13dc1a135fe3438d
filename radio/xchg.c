// SPDX-License-Identifier: MIT
/*
 * xchg.c - one exchange with one peer: a port's messages POSTed one per
 * request, the peer's messages from the answers fed back to the port,
 * until both sides are idle; then one GET whose answer the caller
 * judges (radio.h "message ports"; docs/protocol.md "CoAP resources" and
 * "Resending on lossy links").
 *
 * Exchange invariants:
 *  X1. At most link.window CoAP requests are in flight, copies (X5)
 *      included; each carries one message, or none (a poll for the peer's
 *      messages). Over a link with a frame limit (LoRa) a request carries
 *      the port's messages back to back (port.pack, up to XCHG_PACK bytes
 *      and at most one DELTA, last): an ACK rides with the DELTA after
 *      it, in one block-wise body and one answer, not two.
 *  X2. The exchange is over only when the port is idle, no request is in
 *      flight, and the answer to the latest request sent said IDLE; then
 *      the final GET is sent and its answer handed to final().
 *  X3. The port is ticked (resends queued) only when no request is
 *      waiting for its answer: a message still travelling is resent by
 *      X5, not by the port.
 *  X4. A request that fails after all its retransmissions (every copy of
 *      it, X5) only counts a failure (the final GET is then asked again);
 *      three in a row with no answer between them end the exchange as
 *      unreachable, and so does a peer that never answered while the
 *      first request was sent four times. What was acknowledged stays
 *      acknowledged.
 *  X5. A request with no answer after the resend interval (xchg_wait:
 *      twice the shortest round trip measured in this exchange plus
 *      100 ms, within [0.4 s, 2 s], 1 s before any was measured; longer
 *      per block of its body; doubling per copy; a round trip as long as
 *      the ACK timeout is no measure, it may include a retransmission) is
 *      sent again in a fresh CoAP request (new token and message id, same
 *      body) instead of waiting out libcoap's exponential backoff (+2,
 *      +6, +15 s). A request rides in at most XCHG_COPIES CoAP requests;
 *      the first answer to any of them answers it, the later ones only
 *      bring their messages (feeding is idempotent: a DELTA again is a
 *      duplicate, an ACK again names nothing outstanding). Copies count
 *      in the window: at most link.window CoAP requests are ever
 *      outstanding (NSTART), so a link with window 1 (LoRa) keeps
 *      libcoap's schedule alone.
 *  X6. Polls grow like TCP's slow start: each answer that says MORE
 *      allows two more polls (within the window), an answer that does not
 *      cancels those not yet sent; so 1, 2, 4, 8 per round trip while the
 *      peer has more, and no poll at all for a peer that has nothing
 *      (every extra request in flight is one more that X2 waits for).
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/random.h>
#include <time.h>

#include "base/err.h"
#include "base/mem.h"
#include "radio/radio.h"

#define XCHG_COPIES 3          /* CoAP requests one request may ride in (X5) */
#define XCHG_WAIT_FIRST 1000   /* resend interval before a round trip was measured */
#define XCHG_WAIT_MIN 400
#define XCHG_WAIT_MAX 2000
#define XCHG_MSG_MAX ((size_t)1 << 20)
#define XCHG_PACK 512          /* X1: a LoRa request's messages before its DELTA */

enum xchg_phase { XCHG_SYNC, XCHG_FINAL, XCHG_DONE };

/* One request as the exchange sees it: a body (or the final GET), sent
 * in one CoAP request and, when no answer comes, in fresh copies (X5). */
struct xchg_req {
	struct radio_xchg *x; /* NULL once the exchange is gone */
	uint64_t seq;
	bool final;
	bool over;           /* answered, or every copy failed */
	uint8_t *body;       /* kept for copies until over */
	size_t len;
	unsigned copies;     /* CoAP requests sent with it */
	unsigned live;       /* of those, not ended yet */
	uint64_t sent_ms;    /* when the latest copy went (monotonic) */
	struct xchg_req *next;
};

/* One CoAP request carrying a request: its callback's argument. */
struct xchg_copy {
	struct xchg_req *q;
	uint64_t sent_ms;
	bool ended;
	struct xchg_copy *next;
};

struct radio_xchg {
	struct radio_port port;
	struct radio_xchg_options o;
	struct radio_link link;
	struct radio_peer *p;
	bool own_p;
	char key[17];
	enum xchg_phase phase;
	uint64_t start, deadline, last_poll, poll_gap;
	uint64_t seq, latest_seq; /* requests sent; the latest with an answer */
	bool peer_idle, heard;
	unsigned polls;      /* polls to send for a peer that said MORE (X6) */
	uint64_t silence_ms; /* unreachable when nothing was ever heard by then */
	unsigned inflight;   /* POSTs not over */
	unsigned live;       /* CoAP requests not ended, copies included (X1) */
	unsigned fails;
	uint64_t rtt_ms;     /* shortest round trip seen; 0: none yet */
	uint64_t ack_ms;     /* libcoap's ACK timeout for the peer */
	int err;
	struct buf msg;
	struct xchg_req *reqs;    /* requests not over or with live copies */
	struct xchg_copy *copies; /* live callbacks (freed once ended) */
	struct radio_xchg_result res;
};

static uint64_t xchg_clock(clockid_t id)
{
	struct timespec ts;
	clock_gettime(id, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

static uint64_t xchg_mono(void)
{
	return xchg_clock(CLOCK_MONOTONIC);
}

static uint64_t xchg_wall(void)
{
	return xchg_clock(CLOCK_REALTIME);
}

/* A request has its answer, or every copy failed (X4, X5). */
static void xchg_over(struct xchg_req *q)
{
	q->over = true;
	if (!q->final)
		q->x->inflight--;
	mem_free(q->body);
	q->body = NULL;
}

/* An answer's messages (after its flags byte) to the port. */
static void xchg_feed(struct radio_xchg *x, const uint8_t *body, size_t len)
{
	size_t n = 0;
	int rc = x->port.take(x->port.arg, body + 1, len - 1, xchg_wall(), &n);
	if (rc)
		x->err = rc;
	x->res.msgs_in += n;
	x->res.bytes_in += len;
}

static void xchg_done(void *arg, int rc, unsigned code, const uint8_t *body, size_t len)
{
	struct xchg_copy *c = arg;
	struct xchg_req *q = c->q;
	struct radio_xchg *x = q->x;
	if (!x) /* the exchange is gone */
		return;
	c->ended = true;
	q->live--;
	x->live--;
	if (rc == 0) {
		/* X5: a round trip counts only when it cannot include one of
		 * libcoap's retransmissions, the first of which waits at least
		 * the ACK timeout (Karn: a retransmitted request's answer says
		 * nothing about the round trip) */
		uint64_t rtt = xchg_mono() - c->sent_ms;
		x->heard = true;
		if (rtt < x->ack_ms && (!x->rtt_ms || rtt < x->rtt_ms))
			x->rtt_ms = rtt ? rtt : 1;
	}
	if (q->over) {
		/* X5: a later copy's answer; only the messages it brings count
		 * (the peer's port sent them once, in this answer) */
		if (rc == 0 && code / 100 == 2 && !q->final && len >= 1 && x->phase == XCHG_SYNC)
			xchg_feed(x, body, len);
		return;
	}
	if (rc < 0 && q->live) /* X5: another copy may still be answered */
		return;
	xchg_over(q);
	if (rc == 0 && code / 100 == 2) {
		x->fails = 0;
		if (q->final) { /* its answer counts among the bytes in, as the probe's does */
			int frc = x->o.final ? x->o.final(x->port.arg, body, len) : 0;
			x->res.bytes_in += len;
			if (frc)
				x->err = frc;
			x->phase = XCHG_DONE;
			return;
		}
		if (len >= 1) {
			xchg_feed(x, body, len);
			if (q->seq >= x->latest_seq) {
				x->latest_seq = q->seq;
				x->peer_idle = body[0] & RADIO_FLAG_IDLE;
				/* X6: two polls per answer that says MORE, none after one that does not */
				x->polls = body[0] & RADIO_FLAG_MORE ? x->polls + 2 : 0;
				if (x->polls > x->link.window)
					x->polls = x->link.window;
			}
		}
		return;
	}
	if (rc == 0) { /* an error code: the peer refuses (limits, bad request) */
		x->fails++;
		if (code == 503 || code == 429) { /* busy: back off like a loss */
			if (q->final)
				x->phase = XCHG_SYNC;
			return;
		}
		if (x->fails >= 3 || q->final)
			x->err = -EPROTO;
		return;
	}
	if (++x->fails >= 3) /* X4 */
		x->err = rc;
	else if (q->final)
		x->phase = XCHG_SYNC; /* ask again: X2 still holds */
}

/* One CoAP request carrying q (the first, or a copy: X5). */
static int xchg_send(struct radio_xchg *x, struct xchg_req *q)
{
	struct xchg_copy *c = mem_calloc(1, sizeof(*c));
	char query[40];
	int rc;
	if (!c)
		return -ENOMEM;
	c->q = q;
	c->sent_ms = xchg_mono();
	c->next = x->copies;
	x->copies = c;
	q->copies++;
	q->live++;
	q->sent_ms = c->sent_ms;
	x->live++;
	if (q->final) {
		rc = radio_peer_request(x->p, RADIO_GET, x->o.final_path, x->o.final_query, NULL, 0,
					xchg_done, c);
	} else {
		snprintf(query, sizeof(query), "k=%s", x->key);
		rc = radio_peer_request(x->p, RADIO_POST, x->o.path, query, q->body, q->len, xchg_done, c);
		x->res.bytes_out += q->len;
	}
	if (rc) { /* radio_peer_request calls no callback when it fails */
		c->ended = true;
		q->live--;
		x->live--;
	}
	return rc;
}

static int xchg_post(struct radio_xchg *x, const uint8_t *body, size_t len, bool final)
{
	struct xchg_req *q = mem_calloc(1, sizeof(*q));
	int rc;
	if (!q || (len && !(q->body = mem_alloc(len)))) {
		mem_free(q);
		return -ENOMEM;
	}
	if (len)
		memcpy(q->body, body, len);
	q->len = len;
	q->x = x;
	q->final = final;
	q->seq = ++x->seq;
	q->next = x->reqs;
	x->reqs = q;
	if (!final)
		x->inflight++;
	if ((rc = xchg_send(x, q)))
		xchg_over(q);
	return rc;
}

/* X5: how long q waits for an answer before its next copy. */
static uint64_t xchg_wait(const struct radio_xchg *x, const struct xchg_req *q)
{
	uint64_t rtt = x->rtt_ms, cap = XCHG_WAIT_MAX, w = XCHG_WAIT_FIRST;
	size_t block = x->link.block ? x->link.block : 1024;
	if (rtt) {
		w = 2 * rtt + 100;
		if (rtt + 500 > cap) /* a link slower than the cap: never before an answer could come */
			cap = rtt + 500;
		w = w < XCHG_WAIT_MIN ? XCHG_WAIT_MIN : w > cap ? cap : w;
	}
	for (unsigned k = 1; k < q->copies && w < cap; k++)
		w *= 2;
	if (w > cap)
		w = cap;
	return w * (1 + q->len / block);
}

/* X5: fresh copies of requests left without an answer, within the window;
 * then drop what is over and ended. */
static int xchg_resend(struct radio_xchg *x, uint64_t now)
{
	for (struct xchg_req *q = x->reqs; q && x->live < x->link.window; q = q->next) {
		if (q->over || q->copies >= XCHG_COPIES || now < q->sent_ms + xchg_wait(x, q))
			continue;
		int rc = xchg_send(x, q);
		if (rc)
			return rc;
		x->res.copies++;
	}
	for (struct xchg_copy **pc = &x->copies; *pc;) {
		struct xchg_copy *c = *pc;
		if (c->ended) {
			*pc = c->next;
			mem_free(c);
		} else {
			pc = &c->next;
		}
	}
	for (struct xchg_req **pq = &x->reqs; *pq;) {
		struct xchg_req *q = *pq;
		if (q->over && q->live == 0) {
			*pq = q->next;
			mem_free(q);
		} else {
			pq = &q->next;
		}
	}
	return 0;
}

int radio_xchg_new(struct radio_xchg **out, struct radio *r, const char *host, unsigned port,
		   const struct radio_link *link, struct radio_peer *rp, const struct radio_port *p,
		   const struct radio_xchg_options *o)
{
	struct radio_xchg *x;
	uint8_t rnd[8];
	int rc;

	*out = NULL;
	x = mem_calloc(1, sizeof(*x));
	if (!x)
		return -ENOMEM;
	x->port = *p;
	x->o = *o;
	x->link = *link;
	if (!x->link.window)
		x->link.window = 4; /* libcoap's NSTART as radio_peer_new sets it */
	if (getrandom(rnd, sizeof(rnd), 0) != (ssize_t)sizeof(rnd)) {
		mem_free(x);
		return -EIO;
	}
	/* the server's name for this exchange's session (radio/ports.c): 64
	 * bits; 32 over a link with a frame limit, where each request's
	 * Uri-Query carries it (8 bytes a LoRa frame keeps; at most 64
	 * sessions at a server, a clash about once in 2^26 exchanges) */
	size_t nrnd = x->link.frame ? 4 : sizeof(rnd);
	for (size_t i = 0; i < nrnd; i++)
		snprintf(x->key + 2 * i, 3, "%02x", rnd[i]);
	buf_init(&x->msg, XCHG_MSG_MAX);
	x->start = xchg_mono();
	x->deadline = x->start + o->timeout_ms;
	x->poll_gap = link->ack_timeout_ms ? link->ack_timeout_ms / 4 : 250;
	/* four transmissions of the first request (1 + 2 + 4 + 8 ACK timeouts,
	 * times libcoap's random factor 1.5) with no answer: unreachable */
	uint64_t ack = link->ack_timeout_ms < 1000 ? 1000 : link->ack_timeout_ms;
	x->silence_ms = ack * 15 * 3 / 2;
	x->ack_ms = link->ack_timeout_ms ? ack : 2000;
	x->p = rp;
	if (!rp) {
		x->own_p = true;
		rc = radio_peer_new(r, &x->p, host, port, link);
	} else {
		rc = radio_peer_inflight(rp) ? -EBUSY : 0;
	}
	if (rc) {
		radio_xchg_free(x);
		return rc;
	}
	*out = x;
	return 0;
}

void radio_xchg_free(struct radio_xchg *x)
{
	if (!x)
		return;
	/* callbacks of requests still queued in libcoap see x == NULL */
	for (struct xchg_req *q = x->reqs; q; q = q->next)
		q->x = NULL;
	if (x->own_p)
		radio_peer_free(x->p); /* ends pending requests (-ECANCELED) */
	else if (x->p)
		radio_peer_cancel(x->p);
	while (x->copies) {
		struct xchg_copy *c = x->copies;
		x->copies = c->next;
		mem_free(c);
	}
	while (x->reqs) {
		struct xchg_req *q = x->reqs;
		x->reqs = q->next;
		mem_free(q->body);
		mem_free(q);
	}
	buf_release(&x->msg);
	mem_free(x);
}

static bool xchg_finish(struct radio_xchg *x, struct radio_xchg_result *res)
{
	x->res.rc = x->err;
	x->res.ms = xchg_mono() - x->start;
	*res = x->res;
	x->phase = XCHG_DONE;
	return true;
}

bool radio_xchg_step(struct radio_xchg *x, struct radio_xchg_result *res)
{
	uint64_t now = xchg_mono(), wall = xchg_wall();
	int rc;

	if (x->err || x->phase == XCHG_DONE)
		return xchg_finish(x, res);
	if (now > x->deadline || (!x->heard && now > x->start + x->silence_ms)) {
		x->err = -ETIMEDOUT; /* X4: a peer that never answered is unreachable */
		return xchg_finish(x, res);
	}
	if ((rc = xchg_resend(x, now))) { /* X5 */
		x->err = rc;
		return xchg_finish(x, res);
	}
	if (x->phase == XCHG_FINAL)
		return false;
	if (x->inflight == 0 && (rc = x->port.tick(x->port.arg, wall))) { /* X3 */
		x->err = rc;
		return xchg_finish(x, res);
	}
	while (x->live < x->link.window) { /* X1 */
		if (x->link.frame && x->port.pack) {
			buf_reset(&x->msg);
			rc = x->port.pack(x->port.arg, &x->msg, XCHG_PACK, wall, NULL);
			if (rc > 1)
				x->res.msgs_out += (uint64_t)rc - 1;
		} else {
			rc = x->port.next(x->port.arg, &x->msg, wall);
		}
		if (rc < 0) {
			x->err = rc;
			return xchg_finish(x, res);
		}
		if (rc == 0)
			break;
		x->res.msgs_out++;
		if ((rc = xchg_post(x, x->msg.data, x->msg.len, false))) {
			x->err = rc;
			return xchg_finish(x, res);
		}
	}
	if (x->port.idle(x->port.arg) && x->peer_idle && x->inflight == 0 && x->latest_seq == x->seq) { /* X2 */
		if (x->live >= x->link.window) /* X1: copies of answered requests still out */
			return false;
		if (!x->o.final_path) {
			x->phase = XCHG_DONE;
			return false;
		}
		x->phase = XCHG_FINAL;
		if ((rc = xchg_post(x, NULL, 0, true)))
			x->err = rc;
		return false;
	}
	/* Poll for the peer's messages: while it says MORE, two for each such
	 * answer within the window (X6), otherwise one at a time, now and then. */
	if (x->polls) {
		while (x->polls && x->live < x->link.window && !x->err) {
			x->polls--;
			if ((rc = xchg_post(x, NULL, 0, false)))
				x->err = rc;
		}
		x->last_poll = now;
	} else if (x->inflight == 0 && now >= x->last_poll + x->poll_gap) {
		x->last_poll = now;
		if ((rc = xchg_post(x, NULL, 0, false)))
			x->err = rc;
	}
	return false;
}
