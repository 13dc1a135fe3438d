// SPDX-License-Identifier: MIT
/*
 * guard.c - what a server allows each address: a request rate (token
 * bucket), the bytes it may send before the address is validated
 * (amplification limit), the reassembly bytes it holds, and the Echo
 * cookie that validates an address. Pure logic: time is a parameter.
 *
 * Invariants (radio.h R1-R4):
 *  G1. sent <= amp * recv for every unvalidated entry: radio_guard_send()
 *      refuses what would cross it and counts only what it allows.
 *  G2. held (per entry) <= peer_bytes and total held <= total_bytes.
 *  G3. An entry with held > 0 is never evicted (its bytes would leak).
 *  G4. The cookie is SHA-256(secret || addr) cut to RADIO_ECHO_LEN: only
 *      a sender that received it at addr can echo it.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "base/err.h"
#include "base/mem.h"
#include "base/sha256.h"
#include "radio/radio.h"

struct radio_guard_entry {
	char addr[RADIO_ADDR_MAX];
	uint64_t recv, sent;
	size_t held;
	double tokens;
	uint64_t last_ms; /* last request */
	bool validated;
	bool used;
};

struct radio_guard {
	struct radio_limits lim;
	uint8_t secret[32];
	struct radio_guard_entry *e;
	size_t n; /* slots in use or free: e[0..n) */
	size_t held_total;
};

void radio_limits_default(struct radio_limits *l)
{
	if (!l->max_peers)
		l->max_peers = 256;
	if (!l->peer_bytes)
		l->peer_bytes = (size_t)1 << 20;
	if (!l->total_bytes)
		l->total_bytes = (size_t)16 << 20;
	if (!l->rate)
		l->rate = 200;
	if (!l->burst)
		l->burst = 2 * l->rate;
	if (!l->amp)
		l->amp = 3;
}

int radio_guard_new(struct radio_guard **out, const struct radio_limits *lim,
		    const uint8_t *secret, size_t secret_len)
{
	struct radio_guard *g;
	struct sha256 h;

	*out = NULL;
	g = mem_calloc(1, sizeof(*g));
	if (!g)
		return -ENOMEM;
	if (lim)
		g->lim = *lim;
	radio_limits_default(&g->lim);
	g->e = mem_calloc(g->lim.max_peers, sizeof(*g->e));
	if (!g->e) {
		mem_free(g);
		return -ENOMEM;
	}
	sha256_init(&h);
	sha256_update(&h, secret, secret_len);
	sha256_final(&h, g->secret);
	*out = g;
	return 0;
}

void radio_guard_free(struct radio_guard *g)
{
	if (!g)
		return;
	memset(g->secret, 0, sizeof(g->secret));
	mem_free(g->e);
	mem_free(g);
}

static struct radio_guard_entry *radio_guard_find(const struct radio_guard *g, const char *addr)
{
	for (size_t i = 0; i < g->n; i++)
		if (g->e[i].used && strcmp(g->e[i].addr, addr) == 0)
			return &g->e[i];
	return NULL;
}

/* The entry for addr, made if need be (R4); NULL when there is no room. */
static struct radio_guard_entry *radio_guard_get(struct radio_guard *g, const char *addr,
						 uint64_t now_ms)
{
	struct radio_guard_entry *e = radio_guard_find(g, addr), *victim = NULL;
	if (e)
		return e;
	for (size_t i = 0; i < g->n; i++)
		if (!g->e[i].used) {
			victim = &g->e[i];
			break;
		}
	if (!victim && g->n < g->lim.max_peers)
		victim = &g->e[g->n++];
	if (!victim) { /* evict the least recently seen idle entry, unvalidated first */
		for (int pass = 0; pass < 2 && !victim; pass++)
			for (size_t i = 0; i < g->n; i++) {
				struct radio_guard_entry *c = &g->e[i];
				if (c->held || (pass == 0 && c->validated))
					continue;
				if (!victim || c->last_ms < victim->last_ms)
					victim = c;
			}
		if (!victim)
			return NULL;
	}
	memset(victim, 0, sizeof(*victim));
	victim->used = true;
	snprintf(victim->addr, sizeof(victim->addr), "%s", addr);
	victim->tokens = g->lim.burst;
	victim->last_ms = now_ms;
	return victim;
}

int radio_guard_recv(struct radio_guard *g, const char *addr, size_t n, uint64_t now_ms)
{
	struct radio_guard_entry *e = radio_guard_get(g, addr, now_ms);
	if (!e)
		return -EBUSY;
	if (now_ms > e->last_ms) {
		e->tokens += (double)(now_ms - e->last_ms) * g->lim.rate / 1000.0;
		if (e->tokens > g->lim.burst)
			e->tokens = g->lim.burst;
	}
	e->last_ms = now_ms;
	e->recv += n; /* bytes arrived whether or not they are served */
	if (e->tokens < 1.0)
		return -EAGAIN;
	e->tokens -= 1.0;
	return 0;
}

bool radio_guard_send(struct radio_guard *g, const char *addr, size_t n)
{
	struct radio_guard_entry *e = radio_guard_find(g, addr);
	if (!e)
		return false;
	if (!e->validated && e->sent + n > (uint64_t)g->lim.amp * e->recv)
		return false;
	e->sent += n;
	return true;
}

void radio_guard_sent(struct radio_guard *g, const char *addr, size_t n)
{
	struct radio_guard_entry *e = radio_guard_find(g, addr);
	if (e)
		e->sent += n;
}

bool radio_guard_validated(const struct radio_guard *g, const char *addr)
{
	const struct radio_guard_entry *e = radio_guard_find(g, addr);
	return e && e->validated;
}

void radio_guard_cookie(const struct radio_guard *g, const char *addr, uint8_t out[RADIO_ECHO_LEN])
{
	struct sha256 h;
	uint8_t d[SHA256_LEN];
	sha256_init(&h);
	sha256_update(&h, g->secret, sizeof(g->secret));
	sha256_update(&h, addr, strlen(addr));
	sha256_final(&h, d);
	memcpy(out, d, RADIO_ECHO_LEN);
}

bool radio_guard_echo(struct radio_guard *g, const char *addr, const uint8_t *v, size_t len)
{
	uint8_t want[RADIO_ECHO_LEN];
	uint8_t diff = 0;
	struct radio_guard_entry *e = radio_guard_find(g, addr);
	if (!e || len != RADIO_ECHO_LEN)
		return false;
	radio_guard_cookie(g, addr, want);
	for (size_t i = 0; i < RADIO_ECHO_LEN; i++)
		diff |= (uint8_t)(want[i] ^ v[i]);
	if (diff)
		return false;
	e->validated = true;
	return true;
}

int radio_guard_hold(struct radio_guard *g, const char *addr, size_t n)
{
	struct radio_guard_entry *e = radio_guard_find(g, addr);
	if (!e)
		return ERR_USAGE;
	if (n > g->lim.peer_bytes - e->held || n > g->lim.total_bytes - g->held_total)
		return ERR_TOOBIG;
	e->held += n;
	g->held_total += n;
	return 0;
}

void radio_guard_unhold(struct radio_guard *g, const char *addr, size_t n)
{
	struct radio_guard_entry *e = radio_guard_find(g, addr);
	if (!e)
		return;
	if (n > e->held)
		n = e->held;
	e->held -= n;
	g->held_total -= n;
}

size_t radio_guard_held(const struct radio_guard *g, const char *addr)
{
	const struct radio_guard_entry *e = radio_guard_find(g, addr);
	return e ? e->held : 0;
}

size_t radio_guard_held_total(const struct radio_guard *g)
{
	return g->held_total;
}
