// SPDX-License-Identifier: MIT
/*
 * meta.c - the per-row merge metadata and its bytes.
 *
 * Layout of the "_m" column (docs/replica.md):
 *   meta  := group*            (sorted by clock, oldest first)
 *   group := varint (mask << 1 | tomb),
 *            varint (d << 1 | has_counter), [varint counter],
 *            varint author_index
 * where d is zigzag(ms - 2024-01-01) for the first group and the
 * non-negative ms difference from the previous group after it.
 *
 * Invariants:
 *  1. Each column bit and the tombstone flag is in at most one group.
 *  2. No group is empty (mask 0 and no tombstone).
 *  3. Groups have distinct clocks; encoding sorts them.
 */
#include <string.h>

#include "base/err.h"
#include "crdt/crdt_internal.h"

static int crdt_group_cmp(const struct crdt_group *a, const struct crdt_group *b)
{
	if (a->hlc != b->hlc)
		return a->hlc < b->hlc ? -1 : 1;
	return a->author < b->author ? -1 : a->author > b->author;
}

void crdt_meta_encode(const struct crdt_meta *m, struct buf *b)
{
	struct crdt_group g[CRDT_COLS_MAX + 1];
	memcpy(g, m->g, m->n * sizeof(g[0]));
	for (size_t i = 1; i < m->n; i++) /* insertion sort: n is tiny */
		for (size_t j = i; j > 0 && crdt_group_cmp(&g[j], &g[j - 1]) < 0; j--) {
			struct crdt_group t = g[j];
			g[j] = g[j - 1];
			g[j - 1] = t;
		}
	int64_t prev = CRDT_META_EPOCH_MS;
	for (size_t i = 0; i < m->n; i++) {
		int64_t ms = (int64_t)CRDT_HLC_MS(g[i].hlc);
		uint16_t ctr = CRDT_HLC_CTR(g[i].hlc);
		uint64_t d = i == 0 ? ((uint64_t)(ms - prev) << 1) ^ (uint64_t)((ms - prev) >> 63)
				    : (uint64_t)(ms - prev);
		buf_put_varint(b, (uint64_t)g[i].mask << 1 | g[i].tomb);
		buf_put_varint(b, d << 1 | (ctr != 0));
		if (ctr)
			buf_put_varint(b, ctr);
		buf_put_varint(b, g[i].author);
		prev = ms;
	}
}

int crdt_meta_decode(struct crdt_meta *m, const uint8_t *p, size_t len)
{
	struct cur c;
	int64_t prev = CRDT_META_EPOCH_MS;
	m->n = 0;
	cur_init(&c, p, len);
	while (!cur_done(&c)) {
		uint64_t mt, d, ctr = 0, author;
		if (m->n == CRDT_COLS_MAX + 1)
			return ERR_CORRUPT;
		if (cur_get_varint(&c, &mt) || cur_get_varint(&c, &d) ||
		    ((d & 1) && cur_get_varint(&c, &ctr)) || cur_get_varint(&c, &author))
			return ERR_CORRUPT;
		if ((mt >> 1) >> CRDT_COLS_MAX || ctr > 0xffff || author > UINT32_MAX)
			return ERR_CORRUPT;
		d >>= 1;
		int64_t ms = m->n == 0 ? prev + ((int64_t)(d >> 1) ^ -(int64_t)(d & 1)) : prev + (int64_t)d;
		struct crdt_group *g = &m->g[m->n++];
		g->mask = (uint32_t)(mt >> 1);
		g->tomb = mt & 1;
		g->hlc = CRDT_HLC((uint64_t)ms, ctr);
		g->author = (uint32_t)author;
		prev = ms;
	}
	return 0;
}

struct crdt_group *crdt_meta_find(struct crdt_meta *m, int c)
{
	for (size_t i = 0; i < m->n; i++)
		if (c < 0 ? m->g[i].tomb : (m->g[i].mask >> c) & 1)
			return &m->g[i];
	return NULL;
}

static void crdt_meta_compact(struct crdt_meta *m)
{
	size_t k = 0;
	for (size_t i = 0; i < m->n; i++)
		if (m->g[i].mask || m->g[i].tomb)
			m->g[k++] = m->g[i];
	m->n = k;
}

void crdt_meta_clear(struct crdt_meta *m, int c)
{
	struct crdt_group *g = crdt_meta_find(m, c);
	if (!g)
		return;
	if (c < 0)
		g->tomb = false;
	else
		g->mask &= ~(1u << c);
	crdt_meta_compact(m);
}

void crdt_meta_set(struct crdt_meta *m, int c, uint64_t hlc, uint32_t author)
{
	crdt_meta_clear(m, c);
	struct crdt_group *g = NULL;
	for (size_t i = 0; i < m->n; i++)
		if (m->g[i].hlc == hlc && m->g[i].author == author)
			g = &m->g[i];
	if (!g) {
		g = &m->g[m->n++]; /* invariant 1 bounds n by columns + 1 */
		memset(g, 0, sizeof(*g));
		g->hlc = hlc;
		g->author = author;
	}
	if (c < 0)
		g->tomb = true;
	else
		g->mask |= 1u << c;
}

bool crdt_meta_live(const struct crdt_meta *m)
{
	for (size_t i = 0; i < m->n; i++)
		if (m->g[i].mask)
			return true;
	return false;
}
