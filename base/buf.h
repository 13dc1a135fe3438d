/* SPDX-License-Identifier: MIT */
/*
 * buf.h - a growable byte buffer with a hard ceiling and a sticky error,
 * and a cursor for reading bytes that were never trusted.
 *
 * struct buf invariants:
 *  1. data[0..len) holds what was written; len <= cap <= max.
 *  2. Once a write fails (over max, or out of memory) err is set and every
 *     later write is a no-op: write freely, check buf->err once at the end.
 *  3. The caller owns the struct; buf_release() frees data and zeroes it.
 *  4. Reserve, then advance: buf_reserve(b, n) returns data + len with room
 *     for n bytes (len + n <= cap), or NULL with err set. The caller writes
 *     k <= n bytes there and then adds k to len itself (b->len += k); len
 *     never moves otherwise. The pointer lives until the next call that
 *     may grow b (any buf_reserve or buf_put*): get it again after one.
 *     Code that fills a buffer in place (a decompressor, a cipher) relies
 *     on this.
 *
 * struct cur (read side):
 *  1. A getter either consumes a whole item and returns 0, or returns
 *     ERR_CORRUPT/ERR_TOOBIG and leaves pos where it was.
 *  2. Pointers handed out (cur_get_bytes) borrow the underlying memory and
 *     live as long as it does.
 *
 * Varints are unsigned LEB128, at most 10 bytes; signed values zigzag.
 * Neither struct is thread-safe; neither needs to be.
 */
#ifndef CUNLIAN_BUF_H
#define CUNLIAN_BUF_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct buf {
	uint8_t *data;
	size_t len;
	size_t cap;
	size_t max; /* hard ceiling on len */
	int err;    /* 0, or the first error (-ENOMEM, ERR_TOOBIG) */
};

#define BUF_DEFAULT_MAX ((size_t)64 << 20)

void buf_init(struct buf *b, size_t max);
void buf_release(struct buf *b);
/* Forget the contents but keep the memory; clears err. */
void buf_reset(struct buf *b);
/* Make room for n more bytes (invariant 4); returns a pointer to them or
 * NULL (err set: ERR_TOOBIG past max, -ENOMEM). len is left as it was. */
uint8_t *buf_reserve(struct buf *b, size_t n);
void buf_put(struct buf *b, const void *p, size_t n);
void buf_put_u8(struct buf *b, uint8_t v);
void buf_put_u16be(struct buf *b, uint16_t v);
void buf_put_u32be(struct buf *b, uint32_t v);
void buf_put_u64be(struct buf *b, uint64_t v);
void buf_put_varint(struct buf *b, uint64_t v);
void buf_put_svarint(struct buf *b, int64_t v);
/* A varint length followed by the bytes. */
void buf_put_lenbytes(struct buf *b, const void *p, size_t n);

struct cur {
	const uint8_t *p;
	size_t len;
	size_t pos;
};

void cur_init(struct cur *c, const void *p, size_t len);
static inline size_t cur_left(const struct cur *c)
{
	return c->len - c->pos;
}
static inline bool cur_done(const struct cur *c)
{
	return c->pos == c->len;
}
int cur_get_u8(struct cur *c, uint8_t *out);
int cur_get_u16be(struct cur *c, uint16_t *out);
int cur_get_u32be(struct cur *c, uint32_t *out);
int cur_get_u64be(struct cur *c, uint64_t *out);
int cur_get_varint(struct cur *c, uint64_t *out);
int cur_get_svarint(struct cur *c, int64_t *out);
/* n bytes, borrowed from the cursor's memory. */
int cur_get_bytes(struct cur *c, size_t n, const uint8_t **out);
int cur_copy(struct cur *c, void *dst, size_t n);
/* A varint length (refused with ERR_TOOBIG when over max), then the bytes. */
int cur_get_lenbytes(struct cur *c, size_t max, const uint8_t **out, size_t *out_len);

size_t varint_len(uint64_t v);

#endif
