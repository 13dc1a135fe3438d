// SPDX-License-Identifier: MIT
/*
 * lora.c - CoAP datagrams over a serial LoRa modem: one datagram per
 * frame, framed for a byte stream, and an adapter that keeps the radio
 * half duplex (docs/protocol.md "LoRa framing").
 *
 * Frame: 0x7E, then escaped: length (1..197), payload, CRC-16/CCITT-FALSE
 * (poly 0x1021, init 0xFFFF, big-endian) over length and payload. Escape:
 * 0x7E and 0x7D become 0x7D, byte ^ 0x20. A raw 0x7E only ever starts a
 * frame, so a receiver that lost bytes finds the next frame at the next
 * flag.
 *
 * Receiver invariants:
 *  F1. A frame comes out only whole, with its length in range and its CRC
 *      good; anything else is counted (bad_len, bad_crc) and dropped.
 *  F2. A flag always restarts the frame, wherever the receiver was.
 *
 * Adapter invariants (half duplex):
 *  A1. Nothing is written while a frame is being heard (bytes arrived in
 *      the last guard_ms) or while our own previous frame is still on the
 *      air (its airtime at the modem's bitrate since it was written).
 *  A2. Frames go out whole, in the order they were queued.
 */
#include <errno.h>
#include <string.h>
#include <unistd.h>

#include "base/err.h"
#include "base/mem.h"
#include "radio/radio.h"

#define LORA_PREAMBLE_MS 50
#define LORA_QUEUE_MAX 64

uint16_t radio_crc16(const uint8_t *p, size_t len)
{
	uint16_t crc = 0xFFFF;
	for (size_t i = 0; i < len; i++) {
		crc ^= (uint16_t)(p[i] << 8);
		for (int b = 0; b < 8; b++)
			crc = (uint16_t)(crc & 0x8000 ? (crc << 1) ^ 0x1021 : crc << 1);
	}
	return crc;
}

static void lora_put_escaped(struct buf *out, uint8_t c)
{
	if (c == RADIO_LORA_FLAG || c == RADIO_LORA_ESC) {
		buf_put_u8(out, RADIO_LORA_ESC);
		buf_put_u8(out, c ^ 0x20);
	} else {
		buf_put_u8(out, c);
	}
}

int radio_lora_encode(struct buf *out, const uint8_t *p, size_t len)
{
	uint8_t hdr = (uint8_t)len;
	uint16_t crc;
	if (len == 0 || len > RADIO_LORA_PAYLOAD)
		return ERR_TOOBIG;
	crc = radio_crc16(&hdr, 1);
	/* continue the CRC over the payload */
	for (size_t i = 0; i < len; i++) {
		crc ^= (uint16_t)(p[i] << 8);
		for (int b = 0; b < 8; b++)
			crc = (uint16_t)(crc & 0x8000 ? (crc << 1) ^ 0x1021 : crc << 1);
	}
	buf_put_u8(out, RADIO_LORA_FLAG);
	lora_put_escaped(out, hdr);
	for (size_t i = 0; i < len; i++)
		lora_put_escaped(out, p[i]);
	lora_put_escaped(out, (uint8_t)(crc >> 8));
	lora_put_escaped(out, (uint8_t)crc);
	return out->err;
}

void radio_lora_rx_init(struct radio_lora_rx *rx)
{
	memset(rx, 0, sizeof(*rx));
}

int radio_lora_rx_feed(struct radio_lora_rx *rx, const uint8_t *p, size_t len, size_t *pos,
		       const uint8_t **out, size_t *out_len)
{
	while (*pos < len) {
		uint8_t c = p[(*pos)++];
		if (c == RADIO_LORA_FLAG) { /* F2 */
			rx->in = true;
			rx->esc = false;
			rx->n = 0;
			continue;
		}
		if (!rx->in)
			continue;
		if (c == RADIO_LORA_ESC) {
			rx->esc = true;
			continue;
		}
		if (rx->esc) {
			c ^= 0x20;
			rx->esc = false;
		}
		if (rx->n == 0 && (c == 0 || c > RADIO_LORA_PAYLOAD)) {
			rx->bad_len++;
			rx->in = false;
			continue;
		}
		rx->frame[rx->n++] = c;
		size_t want = 1 + (size_t)rx->frame[0] + 2;
		if (rx->n < want)
			continue;
		rx->in = false;
		uint16_t crc = (uint16_t)(rx->frame[want - 2] << 8 | rx->frame[want - 1]);
		if (radio_crc16(rx->frame, want - 2) != crc) { /* F1 */
			rx->bad_crc++;
			continue;
		}
		rx->good++;
		*out = rx->frame + 1;
		*out_len = rx->frame[0];
		return 1;
	}
	return 0;
}

/* ---- the adapter ------------------------------------------------------- */

struct lora_frame {
	uint8_t bytes[RADIO_LORA_FRAME_MAX];
	size_t len, payload;
};

struct radio_lora {
	int fd;
	struct radio_lora_options opt;
	struct radio_lora_rx rx;
	struct lora_frame q[LORA_QUEUE_MAX];
	size_t head, n;
	uint64_t heard_at;  /* last byte received */
	uint64_t air_until; /* our last frame is on the air until */
	bool heard;
};

int radio_lora_new(struct radio_lora **out, int fd, const struct radio_lora_options *opt)
{
	struct radio_lora *l = mem_calloc(1, sizeof(*l));
	*out = NULL;
	if (!l)
		return -ENOMEM;
	l->fd = fd;
	if (opt)
		l->opt = *opt;
	if (!l->opt.bitrate)
		l->opt.bitrate = 1758;
	if (!l->opt.guard_ms)
		l->opt.guard_ms = 50;
	radio_lora_rx_init(&l->rx);
	*out = l;
	return 0;
}

void radio_lora_free(struct radio_lora *l)
{
	mem_free(l);
}

uint64_t radio_lora_airtime_ms(const struct radio_lora *l, size_t n)
{
	return LORA_PREAMBLE_MS + ((uint64_t)(n + 3) * 8 * 1000 + l->opt.bitrate - 1) / l->opt.bitrate;
}

int radio_lora_send(struct radio_lora *l, const uint8_t *p, size_t len)
{
	struct buf b;
	int rc;
	if (len == 0 || len > RADIO_LORA_PAYLOAD)
		return ERR_TOOBIG;
	if (l->n == LORA_QUEUE_MAX)
		return -ENOBUFS;
	struct lora_frame *f = &l->q[(l->head + l->n) % LORA_QUEUE_MAX];
	buf_init(&b, RADIO_LORA_FRAME_MAX);
	if ((rc = radio_lora_encode(&b, p, len)) == 0) {
		memcpy(f->bytes, b.data, b.len);
		f->len = b.len;
		f->payload = len;
		l->n++;
	}
	buf_release(&b);
	return rc;
}

size_t radio_lora_pending(const struct radio_lora *l)
{
	return l->n;
}

int radio_lora_poll(struct radio_lora *l, uint64_t now_ms,
		    void (*fn)(void *arg, const uint8_t *p, size_t len), void *arg)
{
	uint8_t in[512];
	ssize_t k;

	while ((k = read(l->fd, in, sizeof(in))) > 0) {
		size_t pos = 0;
		const uint8_t *p;
		size_t n;
		l->heard_at = now_ms;
		l->heard = true;
		while (radio_lora_rx_feed(&l->rx, in, (size_t)k, &pos, &p, &n) == 1)
			if (fn)
				fn(arg, p, n);
	}
	if (k < 0 && errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR && errno != EIO)
		return -errno;
	/* A1: the channel must be quiet and our last frame off the air. */
	while (l->n && now_ms >= l->air_until && (!l->heard || now_ms >= l->heard_at + l->opt.guard_ms)) {
		struct lora_frame *f = &l->q[l->head];
		size_t off = 0;
		while (off < f->len) { /* A2: whole frames */
			ssize_t w = write(l->fd, f->bytes + off, f->len - off);
			if (w < 0) {
				if (errno == EAGAIN || errno == EINTR)
					continue;
				return -errno;
			}
			off += (size_t)w;
		}
		l->air_until = now_ms + radio_lora_airtime_ms(l, f->payload);
		l->head = (l->head + 1) % LORA_QUEUE_MAX;
		l->n--;
	}
	return 0;
}

void radio_lora_rx_errors(const struct radio_lora *l, uint64_t *bad_crc, uint64_t *bad_len)
{
	*bad_crc = l->rx.bad_crc;
	*bad_len = l->rx.bad_len;
}
