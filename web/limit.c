// SPDX-License-Identifier: MIT
/*
 * limit.c - at most WEB_LIMIT_N orders per client address in
 * WEB_LIMIT_WINDOW_MS (web_internal.h), so one phone cannot flood a
 * station with orders. A bounded table of WEB_LIMIT_CLIENTS addresses,
 * each with the times of its last WEB_LIMIT_N orders; when it is full,
 * the address idle longest gives its place up. Used on the server's one
 * thread only.
 */
#include <stdio.h>
#include <string.h>

#include "base/mem.h"
#include "web/web_internal.h"

struct web_limit_client {
	char client[64];
	uint64_t at[WEB_LIMIT_N]; /* the times of its last orders, 0: none */
	uint64_t last;
};

struct web_limit {
	struct web_limit_client c[WEB_LIMIT_CLIENTS];
};

struct web_limit *web_limit_new(void)
{
	return mem_calloc(1, sizeof(struct web_limit));
}

void web_limit_free(struct web_limit *l)
{
	mem_free(l);
}

static struct web_limit_client *web_limit_find(struct web_limit *l, const char *client)
{
	for (size_t i = 0; i < WEB_LIMIT_CLIENTS; i++)
		if (l->c[i].client[0] && strcmp(l->c[i].client, client) == 0)
			return &l->c[i];
	return NULL;
}

bool web_limit_ok(struct web_limit *l, const char *client, uint64_t now_ms)
{
	const struct web_limit_client *c = web_limit_find(l, client);
	size_t recent = 0;
	if (!c)
		return true;
	for (size_t i = 0; i < WEB_LIMIT_N; i++)
		if (c->at[i] && c->at[i] + WEB_LIMIT_WINDOW_MS > now_ms)
			recent++;
	return recent < WEB_LIMIT_N;
}

void web_limit_note(struct web_limit *l, const char *client, uint64_t now_ms)
{
	struct web_limit_client *c = web_limit_find(l, client);
	if (!c) { /* a free place, or the one idle longest */
		c = &l->c[0];
		for (size_t i = 0; i < WEB_LIMIT_CLIENTS && c->client[0]; i++)
			if (!l->c[i].client[0] || l->c[i].last < c->last)
				c = &l->c[i];
		memset(c, 0, sizeof(*c));
		snprintf(c->client, sizeof(c->client), "%s", client);
	}
	size_t oldest = 0; /* the order that leaves the window first */
	for (size_t i = 1; i < WEB_LIMIT_N; i++)
		if (c->at[i] < c->at[oldest])
			oldest = i;
	c->at[oldest] = now_ms ? now_ms : 1;
	c->last = now_ms;
}
