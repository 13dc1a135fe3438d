// SPDX-License-Identifier: MIT
/*
 * linksim.c - a seeded link simulator: loss, duplication, reordering,
 * delay and jitter, bandwidth, MTU, a duty-cycle budget, half duplex and
 * scheduled partitions; in-process (time is a parameter) and as a UDP
 * relay between real sockets (time is the monotonic clock).
 *
 * Invariants:
 *  L1. Determinism: every random draw comes from one xorshift generator
 *      seeded once, in a fixed order per datagram (cut, mtu, duty, loss,
 *      jitter, reorder, dup), so a seed and a call sequence give one
 *      history.
 *  L2. The medium is busy while a datagram is on the air: a datagram
 *      starts when the sender's side (both sides, half duplex) is free and
 *      occupies len * 8 / bitrate (+ a LoRa preamble when half duplex).
 *      A lost datagram still used its airtime; one refused before sending
 *      (MTU, duty budget, partition) did not.
 *  L3. Datagrams of one direction leave the queue in order of their due
 *      time, ties by the order they were sent.
 */
#include <errno.h>
#include <netdb.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "base/err.h"
#include "base/mem.h"
#include "radio/radio.h"
#include "radio/radio_internal.h"

#define SIM_PREAMBLE_MS 50 /* LoRa SF9/125 kHz: preamble and header */
#define SIM_CUTS_MAX 16
#define RELAY_CLIENTS_MAX 64
#define RELAY_DGRAM_MAX 65536

struct sim_item {
	uint64_t due, order;
	int tag;
	size_t len;
	uint8_t *p;
};

struct radio_sim {
	struct radio_sim_profile pr;
	uint64_t rng;
	uint64_t order;
	struct sim_item *q[2]; /* by destination end */
	size_t nq[2], capq[2];
	uint64_t tx_free[2];   /* when each sender may start */
	uint64_t duty_window_start[2], duty_used[2];
	struct radio_sim_cut cuts[SIM_CUTS_MAX];
	size_t ncuts;
	struct radio_sim_counters c;
};

static uint64_t sim_next(struct radio_sim *s)
{
	uint64_t x = s->rng; /* xorshift64* */
	x ^= x >> 12;
	x ^= x << 25;
	x ^= x >> 27;
	s->rng = x;
	return x * 0x2545F4914F6CDD1DULL;
}

static double sim_unit(struct radio_sim *s)
{
	return (double)(sim_next(s) >> 11) / 9007199254740992.0;
}

int radio_sim_profile_named(struct radio_sim_profile *p, const char *name)
{
	memset(p, 0, sizeof(*p));
	if (strcmp(name, "perfect") == 0)
		return 0;
	if (strcmp(name, "wifi") == 0) {
		p->delay_ms = 5;
		p->jitter_ms = 5;
		p->bitrate = 2000000;
		p->mtu = 1500;
	} else if (strcmp(name, "gprs") == 0) {
		p->delay_ms = 290; /* + 20 jitter on average: 600 ms round trip */
		p->jitter_ms = 20;
		p->bitrate = 40000;
		p->mtu = 1500;
	} else if (strcmp(name, "lora") == 0) {
		p->delay_ms = 20; /* the modems' turnaround */
		p->bitrate = 1758;
		p->mtu = RADIO_LORA_PAYLOAD;
		p->half_duplex = true;
	} else {
		return ERR_NOTFOUND;
	}
	return 0;
}

int radio_sim_new(struct radio_sim **out, const struct radio_sim_profile *p, uint64_t seed)
{
	struct radio_sim *s = mem_calloc(1, sizeof(*s));
	*out = NULL;
	if (!s)
		return -ENOMEM;
	if (p)
		s->pr = *p;
	s->rng = seed * 0x9E3779B97F4A7C15ULL + 0x632BE59BD9B4E019ULL;
	if (!s->rng)
		s->rng = 1;
	*out = s;
	return 0;
}

void radio_sim_free(struct radio_sim *s)
{
	if (!s)
		return;
	for (int d = 0; d < 2; d++) {
		for (size_t i = 0; i < s->nq[d]; i++)
			mem_free(s->q[d][i].p);
		mem_free(s->q[d]);
	}
	mem_free(s);
}

int radio_sim_cut_add(struct radio_sim *s, uint64_t from_ms, uint64_t to_ms)
{
	if (s->ncuts == SIM_CUTS_MAX || to_ms <= from_ms)
		return ERR_TOOBIG;
	s->cuts[s->ncuts].from_ms = from_ms;
	s->cuts[s->ncuts].to_ms = to_ms;
	s->ncuts++;
	return 0;
}

static uint64_t sim_airtime(const struct radio_sim *s, size_t len)
{
	if (!s->pr.bitrate)
		return 0;
	uint64_t t = ((uint64_t)len * 8 * 1000 + s->pr.bitrate - 1) / s->pr.bitrate;
	return t + (s->pr.half_duplex ? SIM_PREAMBLE_MS : 0);
}

static int sim_enqueue(struct radio_sim *s, int to, const uint8_t *p, size_t len, uint64_t due, int tag)
{
	int rc = MEM_GROW(s->q[to], s->capq[to], s->nq[to] + 1);
	if (rc)
		return rc;
	struct sim_item *it = &s->q[to][s->nq[to]];
	it->p = mem_alloc(len ? len : 1);
	if (!it->p)
		return -ENOMEM;
	memcpy(it->p, p, len);
	it->len = len;
	it->due = due;
	it->order = s->order++;
	it->tag = tag;
	s->nq[to]++;
	return 0;
}

static int sim_send_tag(struct radio_sim *s, int from, const uint8_t *p, size_t len, uint64_t now, int tag)
{
	const struct radio_sim_profile *pr = &s->pr;
	int to = !from;
	int rc;

	s->c.sent++;
	s->c.bytes_sent += len;
	for (size_t i = 0; i < s->ncuts; i++)
		if (now >= s->cuts[i].from_ms && now < s->cuts[i].to_ms) {
			s->c.cut++;
			return 0;
		}
	if (pr->mtu && len > pr->mtu) {
		s->c.too_big++;
		return 0;
	}
	uint64_t air = sim_airtime(s, len);
	uint64_t start = now > s->tx_free[from] ? now : s->tx_free[from];
	if (pr->duty_ms) {
		uint64_t w = pr->duty_window_ms ? pr->duty_window_ms : 3600000;
		if (start >= s->duty_window_start[from] + w) {
			s->duty_window_start[from] = start - start % w;
			s->duty_used[from] = 0;
		}
		if (s->duty_used[from] + air > pr->duty_ms) {
			s->c.duty_dropped++;
			return 0;
		}
		s->duty_used[from] += air;
	}
	s->tx_free[from] = start + air;
	if (pr->half_duplex) /* one side on the air at a time */
		s->tx_free[to] = s->tx_free[to] > start + air ? s->tx_free[to] : start + air;
	s->c.airtime_ms += air;
	if (sim_unit(s) < pr->loss) {
		s->c.lost++;
		return 0;
	}
	uint64_t due = start + air + pr->delay_ms;
	if (pr->jitter_ms)
		due += sim_next(s) % (pr->jitter_ms + 1);
	if (pr->reorder > 0 && sim_unit(s) < pr->reorder) {
		due += pr->delay_ms + 1 + sim_next(s) % (pr->delay_ms + 20);
		s->c.reordered++;
	}
	if ((rc = sim_enqueue(s, to, p, len, due, tag)))
		return rc;
	if (pr->dup > 0 && sim_unit(s) < pr->dup) {
		s->c.duplicated++;
		if ((rc = sim_enqueue(s, to, p, len, due + 1 + sim_next(s) % (pr->jitter_ms + 1), tag)))
			return rc;
	}
	return 0;
}

int radio_sim_send(struct radio_sim *s, int from, const uint8_t *p, size_t len, uint64_t now_ms)
{
	if (from != 0 && from != 1)
		return ERR_USAGE;
	return sim_send_tag(s, from, p, len, now_ms, 0);
}

/* The index of the next item due for `to` by now, or -1. */
static long sim_due(const struct radio_sim *s, int to, uint64_t now)
{
	long best = -1;
	for (size_t i = 0; i < s->nq[to]; i++) {
		const struct sim_item *it = &s->q[to][i];
		if (it->due > now)
			continue;
		if (best < 0 || it->due < s->q[to][best].due ||
		    (it->due == s->q[to][best].due && it->order < s->q[to][best].order))
			best = (long)i;
	}
	return best;
}

static int sim_recv_tag(struct radio_sim *s, int to, struct buf *out, uint64_t now, int *tag)
{
	long i = sim_due(s, to, now);
	buf_reset(out);
	if (i < 0)
		return 0;
	struct sim_item it = s->q[to][i];
	s->q[to][i] = s->q[to][--s->nq[to]];
	buf_put(out, it.p, it.len);
	if (tag)
		*tag = it.tag;
	mem_free(it.p);
	s->c.delivered++;
	s->c.bytes_delivered += it.len;
	return out->err ? out->err : 1;
}

int radio_sim_recv(struct radio_sim *s, int to, struct buf *out, uint64_t now_ms)
{
	if (to != 0 && to != 1)
		return ERR_USAGE;
	return sim_recv_tag(s, to, out, now_ms, NULL);
}

uint64_t radio_sim_next(const struct radio_sim *s)
{
	uint64_t t = UINT64_MAX;
	for (int d = 0; d < 2; d++)
		for (size_t i = 0; i < s->nq[d]; i++)
			if (s->q[d][i].due < t)
				t = s->q[d][i].due;
	return t;
}

uint64_t radio_sim_free_at(const struct radio_sim *s, int from, uint64_t now_ms)
{
	return s->tx_free[from] > now_ms ? s->tx_free[from] : now_ms;
}

void radio_sim_counters_get(const struct radio_sim *s, struct radio_sim_counters *out)
{
	*out = s->c;
}

/* ---- the UDP relay ------------------------------------------------------ */

struct relay_client {
	struct sockaddr_storage addr;
	socklen_t alen;
	int fd; /* connected to the server */
	uint64_t last; /* last datagram from the client */
};

struct radio_relay {
	struct radio_sim *sim;
	int fd; /* where clients send */
	unsigned port;
	struct sockaddr_storage to;
	socklen_t tolen;
	struct relay_client cl[RELAY_CLIENTS_MAX];
	size_t ncl;
	uint8_t *dgram;
	struct buf out;
};

static uint64_t relay_now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

int radio_sockaddr(const char *s, struct sockaddr_storage *out, socklen_t *len)
{
	char host[RADIO_ADDR_MAX], port[8];
	struct addrinfo hints, *res = NULL;
	unsigned p;
	if (radio_uri_parse(s, host, sizeof(host), &p))
		return ERR_USAGE;
	snprintf(port, sizeof(port), "%u", p);
	memset(&hints, 0, sizeof(hints));
	hints.ai_socktype = SOCK_DGRAM;
	hints.ai_flags = AI_NUMERICSERV;
	if (getaddrinfo(host, port, &hints, &res) || !res)
		return ERR_NOTFOUND;
	memcpy(out, res->ai_addr, res->ai_addrlen);
	*len = res->ai_addrlen;
	freeaddrinfo(res);
	return 0;
}

int radio_relay_new(struct radio_relay **out, const char *listen, const char *to,
		    const struct radio_sim_profile *p, uint64_t seed)
{
	struct radio_relay *r = mem_calloc(1, sizeof(*r));
	struct sockaddr_storage la;
	socklen_t lalen;
	int rc;

	*out = NULL;
	if (!r)
		return -ENOMEM;
	r->fd = -1;
	buf_init(&r->out, RELAY_DGRAM_MAX);
	if ((rc = radio_sockaddr(listen, &la, &lalen)) || (rc = radio_sockaddr(to, &r->to, &r->tolen)))
		goto fail;
	if (!(r->dgram = mem_alloc(RELAY_DGRAM_MAX))) {
		rc = -ENOMEM;
		goto fail;
	}
	if ((rc = radio_sim_new(&r->sim, p, seed)))
		goto fail;
	r->fd = socket(la.ss_family, SOCK_DGRAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	if (r->fd < 0 || bind(r->fd, (struct sockaddr *)&la, lalen) < 0) {
		rc = -errno;
		goto fail;
	}
	if (getsockname(r->fd, (struct sockaddr *)&la, &lalen) == 0)
		r->port = ntohs(la.ss_family == AF_INET6 ? ((struct sockaddr_in6 *)(void *)&la)->sin6_port
							 : ((struct sockaddr_in *)(void *)&la)->sin_port);
	*out = r;
	return 0;
fail:
	radio_relay_free(r);
	return rc;
}

void radio_relay_free(struct radio_relay *r)
{
	if (!r)
		return;
	for (size_t i = 0; i < r->ncl; i++)
		close(r->cl[i].fd);
	if (r->fd >= 0)
		close(r->fd);
	radio_sim_free(r->sim);
	mem_free(r->dgram);
	buf_release(&r->out);
	mem_free(r);
}

unsigned radio_relay_port(const struct radio_relay *r)
{
	return r->port;
}

void radio_relay_counters(const struct radio_relay *r, struct radio_sim_counters *out)
{
	radio_sim_counters_get(r->sim, out);
}

static int relay_client(struct radio_relay *r, const struct sockaddr_storage *a, socklen_t alen)
{
	for (size_t i = 0; i < r->ncl; i++)
		if (r->cl[i].alen == alen && memcmp(&r->cl[i].addr, a, alen) == 0) {
			r->cl[i].last = relay_now();
			return (int)i;
		}
	size_t slot = r->ncl;
	if (r->ncl == RELAY_CLIENTS_MAX) { /* reuse the client heard from longest ago */
		slot = 0;
		for (size_t i = 1; i < r->ncl; i++)
			if (r->cl[i].last < r->cl[slot].last)
				slot = i;
		close(r->cl[slot].fd);
		r->ncl--;
	}
	int fd = socket(r->to.ss_family, SOCK_DGRAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	if (fd < 0)
		return -1;
	if (connect(fd, (struct sockaddr *)&r->to, r->tolen) < 0) {
		close(fd);
		return -1;
	}
	r->cl[slot].addr = *a;
	r->cl[slot].alen = alen;
	r->cl[slot].fd = fd;
	r->cl[slot].last = relay_now();
	r->ncl++;
	return (int)slot;
}

int radio_relay_run(struct radio_relay *r, unsigned timeout_ms)
{
	uint64_t end = relay_now() + timeout_ms;
	struct pollfd pf[1 + RELAY_CLIENTS_MAX];
	int tag;

	for (;;) {
		uint64_t now = relay_now();
		/* deliver what is due */
		for (int to = 0; to < 2; to++)
			while (sim_recv_tag(r->sim, to, &r->out, now, &tag) == 1) {
				if (to == 1) /* towards the server, from client tag */
					(void)!send(r->cl[tag].fd, r->out.data, r->out.len, 0);
				else
					(void)!sendto(r->fd, r->out.data, r->out.len, 0,
						      (struct sockaddr *)&r->cl[tag].addr, r->cl[tag].alen);
			}
		if (now >= end)
			return 0;
		uint64_t next = radio_sim_next(r->sim), wait = end - now;
		if (next != UINT64_MAX && next > now && next - now < wait)
			wait = next - now;
		else if (next != UINT64_MAX && next <= now)
			wait = 0;
		size_t n = 0;
		pf[n++] = (struct pollfd){ .fd = r->fd, .events = POLLIN };
		for (size_t i = 0; i < r->ncl; i++)
			pf[n++] = (struct pollfd){ .fd = r->cl[i].fd, .events = POLLIN };
		int k = poll(pf, n, (int)wait);
		if (k < 0 && errno != EINTR)
			return -errno;
		if (k <= 0)
			continue;
		now = relay_now();
		if (pf[0].revents & POLLIN) {
			struct sockaddr_storage a;
			socklen_t alen = sizeof(a);
			ssize_t m;
			while ((m = recvfrom(r->fd, r->dgram, RELAY_DGRAM_MAX, 0, (struct sockaddr *)&a, &alen)) >= 0) {
				int c = relay_client(r, &a, alen);
				if (c >= 0 && sim_send_tag(r->sim, 0, r->dgram, (size_t)m, now, c) == -ENOMEM)
					return -ENOMEM;
				alen = sizeof(a);
			}
		}
		for (size_t i = 1; i < n; i++) {
			if (!(pf[i].revents & (POLLIN | POLLERR)))
				continue;
			ssize_t m;
			while ((m = recv(pf[i].fd, r->dgram, RELAY_DGRAM_MAX, 0)) >= 0)
				if (sim_send_tag(r->sim, 1, r->dgram, (size_t)m, now, (int)(i - 1)) == -ENOMEM)
					return -ENOMEM;
		}
	}
}
