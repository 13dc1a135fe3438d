// SPDX-License-Identifier: MIT
/* buf.c - growable buffer with a ceiling; bounded cursor. */
#include "base/buf.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "base/err.h"
#include "base/mem.h"

void buf_init(struct buf *b, size_t max)
{
	memset(b, 0, sizeof(*b));
	b->max = max ? max : BUF_DEFAULT_MAX;
}

void buf_release(struct buf *b)
{
	mem_free(b->data);
	size_t max = b->max;
	memset(b, 0, sizeof(*b));
	b->max = max;
}

void buf_reset(struct buf *b)
{
	b->len = 0;
	b->err = 0;
}

uint8_t *buf_reserve(struct buf *b, size_t n)
{
	if (b->err)
		return NULL;
	if (n > b->max - b->len) {
		b->err = ERR_TOOBIG;
		return NULL;
	}
	if (b->len + n > b->cap || !b->data) { /* !data: no NULL + 0 for n == 0 */
		/* 64 bytes, doubled as needed, never past max (invariant 1) */
		size_t cap = mem_grow_cap(b->cap ? b->cap : 64, b->len + n, 1);
		if (cap == 0 || cap > b->max)
			cap = b->max;
		uint8_t *p = mem_realloc(b->data, cap);
		if (!p) {
			b->err = -ENOMEM;
			return NULL;
		}
		b->data = p;
		b->cap = cap;
	}
	return b->data + b->len;
}

void buf_put(struct buf *b, const void *p, size_t n)
{
	uint8_t *dst = buf_reserve(b, n);
	if (!dst)
		return;
	if (n)
		memcpy(dst, p, n);
	b->len += n;
}

void buf_put_u8(struct buf *b, uint8_t v)
{
	buf_put(b, &v, 1);
}

void buf_put_u16be(struct buf *b, uint16_t v)
{
	uint8_t x[2] = { (uint8_t)(v >> 8), (uint8_t)v };
	buf_put(b, x, 2);
}

void buf_put_u32be(struct buf *b, uint32_t v)
{
	uint8_t x[4] = { (uint8_t)(v >> 24), (uint8_t)(v >> 16), (uint8_t)(v >> 8), (uint8_t)v };
	buf_put(b, x, 4);
}

void buf_put_u64be(struct buf *b, uint64_t v)
{
	buf_put_u32be(b, (uint32_t)(v >> 32));
	buf_put_u32be(b, (uint32_t)v);
}

size_t varint_len(uint64_t v)
{
	size_t n = 1;
	while (v >= 0x80) {
		v >>= 7;
		n++;
	}
	return n;
}

void buf_put_varint(struct buf *b, uint64_t v)
{
	uint8_t x[10];
	size_t n = 0;
	while (v >= 0x80) {
		x[n++] = (uint8_t)(v | 0x80);
		v >>= 7;
	}
	x[n++] = (uint8_t)v;
	buf_put(b, x, n);
}

void buf_put_svarint(struct buf *b, int64_t v)
{
	buf_put_varint(b, ((uint64_t)v << 1) ^ (uint64_t)(v >> 63));
}

void buf_put_lenbytes(struct buf *b, const void *p, size_t n)
{
	buf_put_varint(b, n);
	buf_put(b, p, n);
}

void cur_init(struct cur *c, const void *p, size_t len)
{
	c->p = p;
	c->len = p ? len : 0;
	c->pos = 0;
}

int cur_get_bytes(struct cur *c, size_t n, const uint8_t **out)
{
	if (n > cur_left(c))
		return ERR_CORRUPT;
	*out = c->p + c->pos;
	c->pos += n;
	return 0;
}

int cur_copy(struct cur *c, void *dst, size_t n)
{
	const uint8_t *p;
	int rc = cur_get_bytes(c, n, &p);
	if (rc == 0 && n)
		memcpy(dst, p, n);
	return rc;
}

int cur_get_u8(struct cur *c, uint8_t *out)
{
	return cur_copy(c, out, 1);
}

int cur_get_u16be(struct cur *c, uint16_t *out)
{
	const uint8_t *p;
	int rc = cur_get_bytes(c, 2, &p);
	if (rc == 0)
		*out = (uint16_t)(p[0] << 8 | p[1]);
	return rc;
}

int cur_get_u32be(struct cur *c, uint32_t *out)
{
	const uint8_t *p;
	int rc = cur_get_bytes(c, 4, &p);
	if (rc == 0)
		*out = (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
	return rc;
}

int cur_get_u64be(struct cur *c, uint64_t *out)
{
	size_t pos = c->pos;
	uint32_t hi, lo;
	if (cur_get_u32be(c, &hi) || cur_get_u32be(c, &lo)) {
		c->pos = pos;
		return ERR_CORRUPT;
	}
	*out = (uint64_t)hi << 32 | lo;
	return 0;
}

int cur_get_varint(struct cur *c, uint64_t *out)
{
	uint64_t v = 0;
	for (size_t i = 0; i < 10; i++) {
		if (c->pos + i >= c->len)
			return ERR_CORRUPT;
		uint8_t byte = c->p[c->pos + i];
		if (i == 9 && byte > 1)
			return ERR_CORRUPT; /* over 64 bits */
		v |= (uint64_t)(byte & 0x7f) << (7 * i);
		if (!(byte & 0x80)) {
			if (i > 0 && byte == 0)
				return ERR_CORRUPT; /* not minimal: one value, one encoding */
			c->pos += i + 1;
			*out = v;
			return 0;
		}
	}
	return ERR_CORRUPT;
}

int cur_get_svarint(struct cur *c, int64_t *out)
{
	uint64_t u;
	int rc = cur_get_varint(c, &u);
	if (rc == 0)
		*out = (int64_t)(u >> 1) ^ -(int64_t)(u & 1);
	return rc;
}

int cur_get_lenbytes(struct cur *c, size_t max, const uint8_t **out, size_t *out_len)
{
	size_t pos = c->pos;
	uint64_t n;
	int rc = cur_get_varint(c, &n);
	if (rc)
		return rc;
	if (n > max) {
		c->pos = pos;
		return ERR_TOOBIG;
	}
	rc = cur_get_bytes(c, (size_t)n, out);
	if (rc) {
		c->pos = pos;
		return rc;
	}
	*out_len = (size_t)n;
	return 0;
}
