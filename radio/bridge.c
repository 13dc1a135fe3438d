// SPDX-License-Identifier: MIT
/*
 * bridge.c - CoAP over a serial LoRa modem: the serial line (termios),
 * the bridge between a UDP socket and the modem, and a simulated air
 * between two pseudo-terminals for tests without radios. radio.h has the
 * contract (B1-B3).
 *
 * The bridge is deliberately dumb: one datagram is one frame (lora.c
 * frames it and keeps the radio half duplex); it never cuts, joins,
 * acknowledges or retransmits. CoAP does that end to end, with the
 * link profile `lora` (block 128, so every datagram fits a frame).
 */
#define _GNU_SOURCE /* posix_openpt, ptsname, cfmakeraw, B230400 */
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <termios.h>
#include <time.h>
#include <unistd.h>

#include "base/err.h"
#include "base/mem.h"
#include "radio/radio.h"
#include "radio/radio_internal.h"

#define BRIDGE_DGRAM_MAX 65536 /* read whole datagrams, to know their size */
#define BRIDGE_TICK_MS 10      /* how often a waiting frame is retried */

static uint64_t bridge_now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

/* ---- the serial line --------------------------------------------------- */

static int serial_speed(unsigned baud, speed_t *out)
{
	static const struct {
		unsigned baud;
		speed_t speed;
	} t[] = {
		{ 1200, B1200 },   { 2400, B2400 },   { 4800, B4800 },	 { 9600, B9600 },
		{ 19200, B19200 }, { 38400, B38400 }, { 57600, B57600 }, { 115200, B115200 },
		{ 230400, B230400 },
	};
	for (size_t i = 0; i < sizeof(t) / sizeof(t[0]); i++)
		if (t[i].baud == baud) {
			*out = t[i].speed;
			return 0;
		}
	return ERR_USAGE;
}

int radio_serial_open(const char *path, unsigned baud, int *fd)
{
	struct termios t;
	speed_t sp;
	int f, rc;

	*fd = -1;
	if (serial_speed(baud, &sp))
		return ERR_USAGE;
	f = open(path, O_RDWR | O_NOCTTY | O_NONBLOCK | O_CLOEXEC);
	if (f < 0)
		return errno == ENOENT ? ERR_NOTFOUND : -errno;
	if (!isatty(f)) {
		close(f);
		return -ENOTTY;
	}
	if (tcgetattr(f, &t) < 0)
		goto fail;
	cfmakeraw(&t);             /* no echo, no canonical mode, 8 bits */
	t.c_cflag &= ~(tcflag_t)(PARENB | CSTOPB | CSIZE | CRTSCTS);
	t.c_cflag |= CS8 | CLOCAL | CREAD; /* 8N1, ignore modem lines */
	t.c_iflag &= ~(tcflag_t)(IXON | IXOFF | IXANY);
	t.c_cc[VMIN] = 0;
	t.c_cc[VTIME] = 0;
	if (cfsetispeed(&t, sp) < 0 || cfsetospeed(&t, sp) < 0 || tcsetattr(f, TCSANOW, &t) < 0)
		goto fail;
	tcflush(f, TCIOFLUSH); /* what the modem said before we listened */
	*fd = f;
	return 0;
fail:
	rc = -errno;
	close(f);
	return rc;
}

/* ---- the bridge -------------------------------------------------------- */

struct radio_bridge {
	int sfd; /* the serial line (borrowed) */
	int ufd; /* the UDP socket */
	unsigned port;
	struct radio_lora *lora;
	bool has_to, has_last;
	struct sockaddr_storage to, last;
	socklen_t tolen, lastlen;
	uint8_t *dgram;
	struct radio_bridge_counters c;
};

int radio_bridge_new(struct radio_bridge **out, int fd, const struct radio_bridge_options *opt)
{
	struct radio_bridge *b = mem_calloc(1, sizeof(*b));
	struct sockaddr_storage la;
	socklen_t lalen;
	int rc;

	*out = NULL;
	if (!b)
		return -ENOMEM;
	b->sfd = fd;
	b->ufd = -1;
	if ((rc = radio_sockaddr(opt->udp, &la, &lalen)))
		goto fail;
	if (opt->to) {
		if ((rc = radio_sockaddr(opt->to, &b->to, &b->tolen)))
			goto fail;
		b->has_to = true;
	}
	if (!(b->dgram = mem_alloc(BRIDGE_DGRAM_MAX))) {
		rc = -ENOMEM;
		goto fail;
	}
	if ((rc = radio_lora_new(&b->lora, fd, &opt->lora)))
		goto fail;
	b->ufd = socket(la.ss_family, SOCK_DGRAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	if (b->ufd < 0 || bind(b->ufd, (struct sockaddr *)&la, lalen) < 0) {
		rc = -errno;
		goto fail;
	}
	lalen = sizeof(la);
	if (getsockname(b->ufd, (struct sockaddr *)&la, &lalen) == 0)
		b->port = ntohs(la.ss_family == AF_INET6 ? ((struct sockaddr_in6 *)(void *)&la)->sin6_port
							 : ((struct sockaddr_in *)(void *)&la)->sin_port);
	*out = b;
	return 0;
fail:
	radio_bridge_free(b);
	return rc;
}

void radio_bridge_free(struct radio_bridge *b)
{
	if (!b)
		return;
	if (b->ufd >= 0)
		close(b->ufd);
	radio_lora_free(b->lora);
	mem_free(b->dgram);
	mem_free(b);
}

unsigned radio_bridge_port(const struct radio_bridge *b)
{
	return b->port;
}

void radio_bridge_counters(const struct radio_bridge *b, struct radio_bridge_counters *out)
{
	*out = b->c;
	radio_lora_rx_errors(b->lora, &out->bad_crc, &out->bad_len);
}

static bool bridge_same(const struct sockaddr_storage *a, socklen_t alen, const struct sockaddr_storage *b,
			socklen_t blen)
{
	if (a->ss_family != b->ss_family)
		return false;
	if (a->ss_family == AF_INET) {
		const struct sockaddr_in *x = (const void *)a, *y = (const void *)b;
		return x->sin_port == y->sin_port && x->sin_addr.s_addr == y->sin_addr.s_addr;
	}
	if (a->ss_family == AF_INET6) {
		const struct sockaddr_in6 *x = (const void *)a, *y = (const void *)b;
		return x->sin6_port == y->sin6_port && memcmp(&x->sin6_addr, &y->sin6_addr, 16) == 0;
	}
	return alen == blen && memcmp(a, b, alen) == 0;
}

/* A datagram heard on the air: to `to`, or to the last local sender (B3). */
static void bridge_from_air(void *arg, const uint8_t *p, size_t len)
{
	struct radio_bridge *b = arg;
	const struct sockaddr_storage *a = b->has_to ? &b->to : b->has_last ? &b->last : NULL;
	socklen_t alen = b->has_to ? b->tolen : b->lastlen;
	b->c.air_in++;
	if (!a) {
		b->c.no_dest++;
		return;
	}
	if (sendto(b->ufd, p, len, 0, (const struct sockaddr *)a, alen) == (ssize_t)len)
		b->c.udp_out++;
}

static int bridge_from_udp(struct radio_bridge *b)
{
	struct sockaddr_storage a;
	socklen_t alen = sizeof(a);
	ssize_t m;
	while ((m = recvfrom(b->ufd, b->dgram, BRIDGE_DGRAM_MAX, MSG_TRUNC, (struct sockaddr *)&a, &alen)) >= 0) {
		b->c.udp_in++;
		if (b->has_to && !bridge_same(&a, alen, &b->to, b->tolen)) { /* B2 */
			b->c.foreign++;
		} else if (m == 0 || (size_t)m > RADIO_LORA_PAYLOAD) { /* never cut */
			b->c.too_big++;
			b->c.last_too_big = (size_t)m;
		} else {
			if (!b->has_to) {
				b->last = a;
				b->lastlen = alen;
				b->has_last = true;
			}
			int rc = radio_lora_send(b->lora, b->dgram, (size_t)m);
			if (rc == -ENOBUFS) /* B1 */
				b->c.queue_full++;
			else if (rc)
				return rc;
			else
				b->c.air_out++;
		}
		alen = sizeof(a);
	}
	return errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR ? 0 : -errno;
}

int radio_bridge_run(struct radio_bridge *b, unsigned timeout_ms)
{
	uint64_t end = bridge_now() + timeout_ms;
	int rc;
	for (;;) {
		if ((rc = radio_lora_poll(b->lora, bridge_now(), bridge_from_air, b)))
			return rc;
		uint64_t now = bridge_now();
		if (now >= end)
			return 0;
		uint64_t wait = end - now;
		if (radio_lora_pending(b->lora) && wait > BRIDGE_TICK_MS)
			wait = BRIDGE_TICK_MS; /* a frame waits for a quiet channel */
		struct pollfd pf[2] = { { .fd = b->ufd, .events = POLLIN }, { .fd = b->sfd, .events = POLLIN } };
		int k = poll(pf, 2, (int)wait);
		if (k < 0 && errno != EINTR)
			return -errno;
		if (k <= 0)
			continue;
		if (pf[1].revents & (POLLERR | POLLHUP | POLLNVAL))
			return -ENODEV; /* the modem is gone */
		if ((pf[0].revents & POLLIN) && (rc = bridge_from_udp(b)))
			return rc;
	}
}

/* ---- the simulated air between two pseudo-terminals --------------------- */

struct radio_air {
	struct radio_sim *sim;
	int m[2];          /* pty masters: the modems' side of each line */
	char name[2][64];  /* the slaves' paths */
	int hold[2];       /* the slaves, held open so a master never reads EIO */
	struct radio_lora_rx rx[2];
	struct buf in, frame;
};

static int air_pty(struct radio_air *a, int end)
{
	struct termios t;
	int m = posix_openpt(O_RDWR | O_NOCTTY | O_CLOEXEC);
	const char *n;
	if (m < 0)
		return -errno;
	a->m[end] = m;
	if (grantpt(m) || unlockpt(m) || !(n = ptsname(m)) || strlen(n) >= sizeof(a->name[end]))
		return -EIO;
	snprintf(a->name[end], sizeof(a->name[end]), "%s", n);
	if (tcgetattr(m, &t) == 0) {
		cfmakeraw(&t);
		tcsetattr(m, TCSANOW, &t);
	}
	fcntl(m, F_SETFL, fcntl(m, F_GETFL) | O_NONBLOCK);
	a->hold[end] = open(n, O_RDWR | O_NOCTTY | O_CLOEXEC);
	if (a->hold[end] < 0)
		return -errno;
	if (tcgetattr(a->hold[end], &t) == 0) { /* raw until the bridge opens it */
		cfmakeraw(&t);
		tcsetattr(a->hold[end], TCSANOW, &t);
	}
	return 0;
}

int radio_air_new(struct radio_air **out, const struct radio_sim_profile *p, uint64_t seed)
{
	struct radio_air *a = mem_calloc(1, sizeof(*a));
	int rc;
	*out = NULL;
	if (!a)
		return -ENOMEM;
	a->m[0] = a->m[1] = a->hold[0] = a->hold[1] = -1;
	buf_init(&a->in, RADIO_LORA_FRAME_MAX);
	buf_init(&a->frame, RADIO_LORA_FRAME_MAX);
	radio_lora_rx_init(&a->rx[0]);
	radio_lora_rx_init(&a->rx[1]);
	if ((rc = radio_sim_new(&a->sim, p, seed)) || (rc = air_pty(a, 0)) || (rc = air_pty(a, 1))) {
		radio_air_free(a);
		return rc;
	}
	*out = a;
	return 0;
}

void radio_air_free(struct radio_air *a)
{
	if (!a)
		return;
	for (int i = 0; i < 2; i++) {
		if (a->m[i] >= 0)
			close(a->m[i]);
		if (a->hold[i] >= 0)
			close(a->hold[i]);
	}
	radio_sim_free(a->sim);
	buf_release(&a->in);
	buf_release(&a->frame);
	mem_free(a);
}

const char *radio_air_name(const struct radio_air *a, int end)
{
	return a->name[end & 1];
}

void radio_air_counters(const struct radio_air *a, struct radio_sim_counters *out)
{
	radio_sim_counters_get(a->sim, out);
}

int radio_air_run(struct radio_air *a, unsigned timeout_ms)
{
	uint64_t end = bridge_now() + timeout_ms;
	uint8_t raw[512];
	int rc;
	for (;;) {
		uint64_t now = bridge_now();
		for (int to = 0; to < 2; to++) /* what has crossed by now */
			while (radio_sim_recv(a->sim, to, &a->in, now) == 1) {
				buf_reset(&a->frame);
				if (radio_lora_encode(&a->frame, a->in.data, a->in.len) == 0)
					(void)!write(a->m[to], a->frame.data, a->frame.len);
			}
		if (now >= end)
			return 0;
		uint64_t next = radio_sim_next(a->sim), wait = end - now;
		if (next != UINT64_MAX)
			wait = next <= now ? 0 : next - now < wait ? next - now : wait;
		struct pollfd pf[2] = { { .fd = a->m[0], .events = POLLIN }, { .fd = a->m[1], .events = POLLIN } };
		int k = poll(pf, 2, (int)wait);
		if (k < 0 && errno != EINTR)
			return -errno;
		if (k <= 0)
			continue;
		now = bridge_now();
		for (int from = 0; from < 2; from++) {
			ssize_t n;
			if (!(pf[from].revents & POLLIN))
				continue;
			while ((n = read(a->m[from], raw, sizeof(raw))) > 0) {
				size_t pos = 0, len;
				const uint8_t *p;
				while (radio_lora_rx_feed(&a->rx[from], raw, (size_t)n, &pos, &p, &len) == 1)
					if ((rc = radio_sim_send(a->sim, from, p, len, now)))
						return rc;
			}
		}
	}
}
