// SPDX-License-Identifier: MIT
/*
 * ports.c - the server side of a port's messages over CoAP: one port per
 * client key (POST PATH?k=KEY), made by the caller's open() when a key
 * first comes, fed each request body, asked for its messages for the
 * answer (radio.h "message ports"; docs/protocol.md "CoAP resources").
 *
 * Invariants:
 *  P1. At most max ports at once. A new key when the table is full ends
 *      the idle port heard from longest ago ("done"); with none idle, the
 *      request is answered 5.03 and no port is made.
 *  P2. A port not heard from for quiet_ms ends ("done" when idle, else
 *      "timeout"); nothing is lost, the protocol starts again from its own
 *      state next time.
 *  P3. Every port made is closed exactly once (close()), at the latest by
 *      radio_ports_free ("stop").
 *  P4. An answer is 2.04 with one flags byte (RADIO_FLAG_IDLE when the
 *      port is idle after it, RADIO_FLAG_MORE when it stopped early with
 *      more to send) and the port's messages; a port that fails gets 5.00.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "base/err.h"
#include "base/mem.h"
#include "radio/radio.h"

#define PORTS_KEY_MAX 32
#define PORTS_QUIET_MS 120000
#define PORTS_SOFT 256

struct ports_entry {
	char key[PORTS_KEY_MAX + 1];
	char addr[RADIO_ADDR_MAX];
	struct radio_port port;
	struct radio_port_stats st;
};

struct radio_ports {
	struct radio_ports_options o;
	struct ports_entry *v;
	size_t n;
};

static uint64_t ports_clock(clockid_t id)
{
	struct timespec ts;
	clock_gettime(id, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

int radio_ports_new(struct radio_ports **out, const struct radio_ports_options *o)
{
	struct radio_ports *ps;
	*out = NULL;
	if (!o->max || !o->open || !o->close)
		return ERR_USAGE;
	ps = mem_calloc(1, sizeof(*ps));
	if (!ps)
		return -ENOMEM;
	ps->v = mem_calloc(o->max, sizeof(*ps->v));
	if (!ps->v) {
		mem_free(ps);
		return -ENOMEM;
	}
	ps->o = *o;
	if (!ps->o.quiet_ms)
		ps->o.quiet_ms = PORTS_QUIET_MS;
	if (!ps->o.soft)
		ps->o.soft = PORTS_SOFT;
	*out = ps;
	return 0;
}

static void ports_end(struct radio_ports *ps, size_t i, const char *why)
{
	struct ports_entry *e = &ps->v[i];
	ps->o.close(ps->o.arg, &e->port, e->addr, why, &e->st); /* P3 */
	ps->v[i] = ps->v[--ps->n];
}

void radio_ports_free(struct radio_ports *ps)
{
	if (!ps)
		return;
	while (ps->n)
		ports_end(ps, ps->n - 1, "stop");
	mem_free(ps->v);
	mem_free(ps);
}

void radio_ports_tick(struct radio_ports *ps, uint64_t now_ms)
{
	for (size_t i = ps->n; i-- > 0;) {
		struct ports_entry *e = &ps->v[i];
		if (now_ms >= e->st.last_ms + ps->o.quiet_ms) /* P2 */
			ports_end(ps, i, e->port.idle(e->port.arg) ? "done" : "timeout");
	}
}

void radio_ports_each(struct radio_ports *ps, void (*fn)(void *arg, const struct radio_port *p),
		      void *arg)
{
	for (size_t i = 0; i < ps->n; i++)
		fn(arg, &ps->v[i].port);
}

static int ports_query_key(const char *q, char *key)
{
	while (*q) {
		size_t k = strcspn(q, "&");
		if (k > 2 && strncmp(q, "k=", 2) == 0 && k - 2 <= PORTS_KEY_MAX) {
			for (size_t i = 2; i < k; i++) {
				char c = q[i];
				if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f')))
					return ERR_USAGE;
			}
			memcpy(key, q + 2, k - 2);
			key[k - 2] = '\0';
			return 0;
		}
		q += k + (q[k] == '&');
	}
	return ERR_USAGE;
}

static struct ports_entry *ports_get(struct radio_ports *ps, const char *key, const char *addr)
{
	struct ports_entry *e;
	for (size_t i = 0; i < ps->n; i++)
		if (strcmp(ps->v[i].key, key) == 0)
			return &ps->v[i];
	if (ps->n == ps->o.max) { /* P1: make room, the longest-quiet idle port */
		size_t best = ps->o.max;
		for (size_t i = 0; i < ps->n; i++)
			if (ps->v[i].port.idle(ps->v[i].port.arg) &&
			    (best == ps->o.max || ps->v[i].st.last_ms < ps->v[best].st.last_ms))
				best = i;
		if (best == ps->o.max)
			return NULL;
		ports_end(ps, best, "done");
	}
	e = &ps->v[ps->n];
	memset(e, 0, sizeof(*e));
	if (ps->o.open(ps->o.arg, addr, &e->port))
		return NULL;
	snprintf(e->key, sizeof(e->key), "%s", key);
	snprintf(e->addr, sizeof(e->addr), "%s", addr);
	e->st.start_ms = e->st.last_ms = ports_clock(CLOCK_MONOTONIC);
	ps->n++;
	return e;
}

void radio_ports_serve(struct radio_ports *ps, const struct radio_req *req, struct radio_resp *resp)
{
	char key[PORTS_KEY_MAX + 1];
	uint64_t wall = ports_clock(CLOCK_REALTIME);
	struct ports_entry *e;
	size_t fed = 0, mark;
	bool more = false;
	int rc;

	if (ports_query_key(req->query, key)) {
		resp->code = 400;
		return;
	}
	if (!(e = ports_get(ps, key, req->peer))) {
		resp->code = 503;
		return;
	}
	e->st.last_ms = ports_clock(CLOCK_MONOTONIC);
	snprintf(e->addr, sizeof(e->addr), "%s", req->peer); /* a NAT may move it */
	rc = e->port.take(e->port.arg, req->body, req->len, wall, &fed);
	e->st.msgs_in += fed;
	e->st.bytes_in += req->len;
	if (rc) {
		resp->code = 500;
		return;
	}
	if (ps->o.taken)
		ps->o.taken(ps->o.arg, &e->port, e->addr);
	if ((rc = e->port.tick(e->port.arg, wall))) {
		resp->code = 500;
		return;
	}
	buf_put_u8(&resp->body, 0);
	mark = resp->body.len;
	if ((rc = e->port.pack(e->port.arg, &resp->body, ps->o.soft, wall, &more)) < 0 || resp->body.err) {
		resp->code = 500;
		return;
	}
	e->st.msgs_out += (uint64_t)rc;
	e->st.bytes_out += resp->body.len - mark;
	resp->body.data[0] = (uint8_t)((e->port.idle(e->port.arg) ? RADIO_FLAG_IDLE : 0) |
				       (more ? RADIO_FLAG_MORE : 0)); /* P4 */
	resp->code = 204;
	resp->ct = 42;
	if (ps->o.served)
		ps->o.served(ps->o.arg, &e->port, e->addr, &e->st);
}
