// SPDX-License-Identifier: MIT
/*
 * test_radio.c - radio/: LoRa framing (golden bytes, noise, CRC), the
 * link simulator (determinism, loss, bandwidth, MTU, partitions, duty
 * budget), the guard (amplification, Echo, rate, tracked addresses,
 * reassembly bytes), and CoAP over real UDP on 127.0.0.1: block-wise both
 * ways, several requests in flight, the limits as a stranger sees them;
 * and LoRa frames over pseudo-terminals through the simulator's LoRa
 * profile.
 */
#define _XOPEN_SOURCE 700
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <netinet/in.h>
#include <arpa/inet.h>
#include <termios.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

#include "base/err.h"
#include "radio/radio.h"

static uint64_t mono_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

/* ---- LoRa framing -------------------------------------------------------- */

static void test_crc_golden(void **state)
{
	(void)state;
	assert_int_equal(radio_crc16((const uint8_t *)"123456789", 9), 0x29B1); /* CCITT-FALSE check */
}

static void test_frame_golden(void **state)
{
	/* payload 01 7E 7D 02: flag, len 04, escaped payload, CRC over 04 01 7E 7D 02 */
	static const uint8_t payload[] = { 0x01, 0x7E, 0x7D, 0x02 };
	static const uint8_t crcin[] = { 0x04, 0x01, 0x7E, 0x7D, 0x02 };
	uint16_t crc = radio_crc16(crcin, sizeof(crcin));
	struct buf b;
	(void)state;
	buf_init(&b, 1024);
	assert_int_equal(radio_lora_encode(&b, payload, sizeof(payload)), 0);
	uint8_t want[16];
	size_t n = 0;
	want[n++] = 0x7E;
	want[n++] = 0x04;
	want[n++] = 0x01;
	want[n++] = 0x7D;
	want[n++] = 0x5E;
	want[n++] = 0x7D;
	want[n++] = 0x5D;
	want[n++] = 0x02;
	want[n++] = (uint8_t)(crc >> 8);
	want[n++] = (uint8_t)crc;
	assert_int_equal(b.len, n);
	assert_memory_equal(b.data, want, n);
	buf_reset(&b);
	uint8_t big[RADIO_LORA_PAYLOAD + 1];
	memset(big, 0x7E, sizeof(big));
	assert_int_equal(radio_lora_encode(&b, big, sizeof(big)), ERR_TOOBIG);
	assert_int_equal(radio_lora_encode(&b, big, 0), ERR_TOOBIG);
	assert_int_equal(radio_lora_encode(&b, big, RADIO_LORA_PAYLOAD), 0);
	assert_true(b.len <= RADIO_LORA_FRAME_MAX);
	buf_release(&b);
}

/* Frames in a stream with noise between them, one of them damaged: every
 * good frame comes out whole, the damaged one is counted, nothing else. */
static void test_frame_stream(void **state)
{
	struct buf s;
	struct radio_lora_rx rx;
	uint8_t pl[20][RADIO_LORA_PAYLOAD];
	size_t len[20];
	unsigned seed = 7;
	(void)state;
	buf_init(&s, 1 << 20);
	for (int i = 0; i < 20; i++) {
		len[i] = 1 + (size_t)(rand_r(&seed) % RADIO_LORA_PAYLOAD);
		for (size_t k = 0; k < len[i]; k++)
			pl[i][k] = (uint8_t)rand_r(&seed);
		size_t before = s.len;
		assert_int_equal(radio_lora_encode(&s, pl[i], len[i]), 0);
		if (i == 5) /* damage a payload byte (not a flag, not an escape) */
			for (size_t k = before + 3; k < s.len; k++)
				if (s.data[k] != 0x7E && s.data[k] != 0x7D && s.data[k] != (0x7E ^ 0x40)) {
					s.data[k] ^= 0x01;
					if (s.data[k] == 0x7E || s.data[k] == 0x7D)
						s.data[k] ^= 0x03;
					break;
				}
		for (int g = 0; g < 3; g++) /* noise that is not a flag */
			buf_put_u8(&s, (uint8_t)(0x30 + g));
	}
	radio_lora_rx_init(&rx);
	size_t pos = 0, got = 0;
	const uint8_t *p;
	size_t n;
	int expect = 0;
	/* feed in odd slices, as a serial port would deliver */
	size_t fed = 0;
	while (fed < s.len) {
		size_t slice = 1 + (size_t)(rand_r(&seed) % 40);
		if (slice > s.len - fed)
			slice = s.len - fed;
		pos = 0;
		while (radio_lora_rx_feed(&rx, s.data + fed, slice, &pos, &p, &n) == 1) {
			if (expect == 5)
				expect++;
			assert_true(expect < 20);
			assert_int_equal(n, len[expect]);
			assert_memory_equal(p, pl[expect], n);
			expect++;
			got++;
		}
		fed += slice;
	}
	assert_int_equal(got, 19);
	assert_int_equal(rx.good, 19);
	assert_int_equal(rx.bad_crc + rx.bad_len, 1);
	buf_release(&s);
}

/* ---- simulator ------------------------------------------------------------ */

struct sim_log {
	uint64_t t[4096];
	uint8_t first[4096];
	size_t n;
};

static void sim_run(uint64_t seed, const struct radio_sim_profile *p, struct sim_log *log,
		    struct radio_sim_counters *c)
{
	struct radio_sim *s;
	struct buf b;
	uint8_t d[1000];
	assert_int_equal(radio_sim_new(&s, p, seed), 0);
	buf_init(&b, 1 << 16);
	log->n = 0;
	for (int i = 0; i < 200; i++) {
		memset(d, i, sizeof(d));
		assert_int_equal(radio_sim_send(s, i % 2, d, 100 + (size_t)(i % 7) * 100, (uint64_t)i * 10), 0);
	}
	for (uint64_t now = 0; now < 600000 && log->n < 4096; now += 5) {
		for (int to = 0; to < 2; to++)
			while (radio_sim_recv(s, to, &b, now) == 1) {
				log->t[log->n] = now;
				log->first[log->n] = b.data[0];
				log->n++;
			}
		if (radio_sim_next(s) == UINT64_MAX && now > 2000)
			break;
	}
	radio_sim_counters_get(s, c);
	buf_release(&b);
	radio_sim_free(s);
}

static void test_sim_determinism(void **state)
{
	struct radio_sim_profile p;
	static struct sim_log a, b, c;
	struct radio_sim_counters ca, cb, cc;
	(void)state;
	assert_int_equal(radio_sim_profile_named(&p, "gprs"), 0);
	p.loss = 0.2;
	p.dup = 0.05;
	p.reorder = 0.1;
	sim_run(42, &p, &a, &ca);
	sim_run(42, &p, &b, &cb);
	sim_run(43, &p, &c, &cc);
	assert_int_equal(a.n, b.n);
	assert_memory_equal(a.t, b.t, a.n * sizeof(a.t[0]));
	assert_memory_equal(a.first, b.first, a.n);
	assert_memory_equal(&ca, &cb, sizeof(ca));
	assert_true(c.n != a.n || memcmp(c.first, a.first, a.n) != 0 || memcmp(c.t, a.t, a.n * 8) != 0);
	/* loss near 20 %, duplicates and reorders happened, counts add up */
	assert_true(ca.lost > 20 && ca.lost < 70);
	assert_true(ca.duplicated > 0 && ca.reordered > 0);
	assert_int_equal(ca.delivered, ca.sent - ca.lost + ca.duplicated);
}

static void test_sim_link(void **state)
{
	struct radio_sim_profile p;
	struct radio_sim *s;
	struct buf b;
	uint8_t d[2000];
	struct radio_sim_counters c;
	(void)state;
	memset(d, 0, sizeof(d));
	buf_init(&b, 1 << 16);
	/* bandwidth: ten 1000-byte datagrams at 40 kbit/s = 2 s of airtime */
	assert_int_equal(radio_sim_profile_named(&p, "gprs"), 0);
	p.jitter_ms = 0;
	assert_int_equal(radio_sim_new(&s, &p, 1), 0);
	for (int i = 0; i < 10; i++)
		assert_int_equal(radio_sim_send(s, 0, d, 1000, 0), 0);
	assert_int_equal(radio_sim_recv(s, 1, &b, 200 + 290 - 1), 0);
	assert_int_equal(radio_sim_recv(s, 1, &b, 200 + 290), 1);
	assert_int_equal(radio_sim_next(s), 400 + 290);
	assert_int_equal(radio_sim_free_at(s, 0, 0), 2000);
	/* MTU: a 1501-byte datagram never arrives */
	assert_int_equal(radio_sim_send(s, 1, d, 1501, 0), 0);
	radio_sim_counters_get(s, &c);
	assert_int_equal(c.too_big, 1);
	radio_sim_free(s);

	/* partitions and the duty budget */
	memset(&p, 0, sizeof(p));
	p.duty_ms = 1000;
	p.duty_window_ms = 10000;
	p.bitrate = 8000; /* 1 ms per byte */
	assert_int_equal(radio_sim_new(&s, &p, 1), 0);
	assert_int_equal(radio_sim_cut_add(s, 100, 200), 0);
	assert_int_equal(radio_sim_send(s, 0, d, 10, 150), 0); /* cut */
	for (int i = 0; i < 3; i++)                             /* 400 ms each: the third is over budget */
		assert_int_equal(radio_sim_send(s, 0, d, 400, 300), 0);
	assert_int_equal(radio_sim_send(s, 0, d, 400, 10000), 0); /* a new window */
	radio_sim_counters_get(s, &c);
	assert_int_equal(c.cut, 1);
	assert_int_equal(c.duty_dropped, 1);
	int got = 0;
	while (radio_sim_recv(s, 1, &b, 20000) == 1)
		got++;
	assert_int_equal(got, 3);
	radio_sim_free(s);

	/* the LoRa profile: a full frame is on the air for less than a second,
	 * and half duplex holds the other side back */
	assert_int_equal(radio_sim_profile_named(&p, "lora"), 0);
	assert_int_equal(radio_sim_new(&s, &p, 1), 0);
	assert_int_equal(radio_sim_send(s, 0, d, RADIO_LORA_PAYLOAD, 0), 0);
	uint64_t end = radio_sim_free_at(s, 0, 0);
	assert_true(end > 800 && end < 1000);
	assert_int_equal(radio_sim_free_at(s, 1, 0), end);
	assert_int_equal(radio_sim_send(s, 0, d, RADIO_LORA_PAYLOAD + 1, 0), 0);
	radio_sim_counters_get(s, &c);
	assert_int_equal(c.too_big, 1);
	assert_int_equal(radio_sim_profile_named(&p, "nonsense"), ERR_NOTFOUND);
	radio_sim_free(s);
	buf_release(&b);
}

/* ---- the guard ------------------------------------------------------------ */

static void test_guard(void **state)
{
	struct radio_guard *g;
	struct radio_limits l = { .max_peers = 2, .peer_bytes = 1000, .total_bytes = 1500, .rate = 10,
				  .burst = 5, .amp = 3 };
	uint8_t cookie[RADIO_ECHO_LEN], other[RADIO_ECHO_LEN];
	(void)state;
	assert_int_equal(radio_guard_new(&g, &l, (const uint8_t *)"secret-secret-16", 16), 0);

	/* amplification: 100 bytes in allow 300 out, not 301 */
	assert_int_equal(radio_guard_recv(g, "a:1", 100, 0), 0);
	assert_false(radio_guard_send(g, "a:1", 301));
	assert_true(radio_guard_send(g, "a:1", 300));
	assert_false(radio_guard_send(g, "a:1", 1));
	assert_false(radio_guard_validated(g, "a:1"));
	/* a wrong echo changes nothing; the right one validates */
	radio_guard_cookie(g, "a:1", cookie);
	radio_guard_cookie(g, "b:2", other);
	assert_memory_not_equal(cookie, other, RADIO_ECHO_LEN);
	assert_false(radio_guard_echo(g, "a:1", other, sizeof(other)));
	assert_false(radio_guard_echo(g, "a:1", cookie, 4));
	assert_false(radio_guard_validated(g, "a:1"));
	assert_true(radio_guard_echo(g, "a:1", cookie, sizeof(cookie)));
	assert_true(radio_guard_send(g, "a:1", 1000000));

	/* rate: a burst of 5, then refused until tokens come back (10/s) */
	for (int i = 0; i < 4; i++) /* one token went above */
		assert_int_equal(radio_guard_recv(g, "a:1", 10, 0), 0);
	assert_int_equal(radio_guard_recv(g, "a:1", 10, 0), -EAGAIN);
	assert_int_equal(radio_guard_recv(g, "a:1", 10, 99), -EAGAIN);
	assert_int_equal(radio_guard_recv(g, "a:1", 10, 200), 0);

	/* reassembly bytes: per peer and in total */
	assert_int_equal(radio_guard_recv(g, "b:2", 10, 0), 0);
	assert_int_equal(radio_guard_hold(g, "a:1", 900), 0);
	assert_int_equal(radio_guard_hold(g, "a:1", 101), ERR_TOOBIG);
	assert_int_equal(radio_guard_hold(g, "b:2", 700), ERR_TOOBIG); /* total 1500 */
	assert_int_equal(radio_guard_hold(g, "b:2", 600), 0);
	assert_int_equal(radio_guard_held_total(g), 1500);
	radio_guard_unhold(g, "a:1", 900);
	assert_int_equal(radio_guard_held(g, "a:1"), 0);

	/* tracked addresses: two slots; a third address evicts the least
	 * recently seen entry that holds no bytes, unvalidated ones first */
	assert_int_equal(radio_guard_recv(g, "c:3", 10, 300), 0); /* b:2 holds bytes: a:1 goes */
	assert_false(radio_guard_validated(g, "a:1"));
	assert_int_equal(radio_guard_held(g, "b:2"), 600);
	assert_int_equal(radio_guard_hold(g, "c:3", 500), 0);
	assert_int_equal(radio_guard_recv(g, "d:4", 10, 400), -EBUSY); /* both hold bytes */
	radio_guard_unhold(g, "c:3", 500);
	assert_int_equal(radio_guard_recv(g, "d:4", 10, 400), 0); /* c:3 goes */
	assert_int_equal(radio_guard_held_total(g), 600);
	radio_guard_free(g);
}

/* ---- CoAP over real UDP ------------------------------------------------- */

static unsigned free_port(void)
{
	struct sockaddr_in a = { .sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	socklen_t n = sizeof(a);
	int fd = socket(AF_INET, SOCK_DGRAM, 0);
	assert_true(fd >= 0);
	assert_int_equal(bind(fd, (struct sockaddr *)&a, sizeof(a)), 0);
	assert_int_equal(getsockname(fd, (struct sockaddr *)&a, &n), 0);
	close(fd);
	return ntohs(a.sin_port);
}

static const struct radio_resource t_res[] = {
	{ .path = "vv", .rt = "cunlian.vv", .ct = 0, .get = true },
	{ .path = "s", .rt = "cunlian.session", .ct = 42, .post = true },
};

/* The test server: /vv answers 600 bytes; /s answers the request body
 * reversed, twice over (so responses are larger than requests). */
static void t_serve(void *arg, const struct radio_req *q, struct radio_resp *r)
{
	int *calls = arg;
	(*calls)++;
	if (strcmp(q->path, "vv") == 0) {
		for (int i = 0; i < 600; i++)
			buf_put_u8(&r->body, (uint8_t)('a' + i % 26));
		return;
	}
	r->code = 204;
	for (int k = 0; k < 2; k++)
		for (size_t i = q->len; i-- > 0;)
			buf_put_u8(&r->body, q->body[i]);
}

struct t_done {
	int n, rc[16];
	unsigned code[16];
	size_t len[16];
	uint8_t *body[16];
};

static void t_cb(void *arg, int rc, unsigned code, const uint8_t *body, size_t len)
{
	struct t_done *d = arg;
	d->rc[d->n] = rc;
	d->code[d->n] = code;
	d->len[d->n] = len;
	d->body[d->n] = malloc(len + 1);
	if (len)
		memcpy(d->body[d->n], body, len);
	d->n++;
}

static void t_pump(struct radio *srv, struct radio *cli, struct t_done *d, int want, unsigned ms)
{
	uint64_t end = mono_ms() + ms;
	while (d->n < want && mono_ms() < end) {
		radio_run(srv, 1);
		radio_run(cli, 1);
	}
}

static void test_coap_loopback(void **state)
{
	struct radio *srv, *cli;
	struct radio_peer *p;
	char listen[32];
	int calls = 0;
	unsigned port = free_port();
	struct t_done d;
	struct radio_stats st;
	(void)state;

	memset(&d, 0, sizeof(d));
	snprintf(listen, sizeof(listen), "127.0.0.1:%u", port);
	struct radio_options so = { .listen = listen, .res = t_res, .nres = 2, .serve = t_serve,
				    .serve_arg = &calls,
				    .limits = { .peer_bytes = 64 << 10, .total_bytes = 1 << 20 } };
	assert_int_equal(radio_new(&srv, &so), 0);
	struct radio_options co = { .listen = NULL };
	assert_int_equal(radio_new(&cli, &co), 0);
	assert_int_equal(radio_peer_new(cli, &p, "127.0.0.1", port, NULL), 0);

	/* several in flight at once: a GET, a small POST, a 20 kB POST whose
	 * 40 kB answer comes back block-wise */
	uint8_t *big = malloc(20000);
	for (int i = 0; i < 20000; i++)
		big[i] = (uint8_t)(i * 7);
	assert_int_equal(radio_peer_request(p, RADIO_GET, "vv", NULL, NULL, 0, t_cb, &d), 0);
	assert_int_equal(radio_peer_request(p, RADIO_POST, "s", "k=1", (const uint8_t *)"abc", 3, t_cb, &d), 0);
	assert_int_equal(radio_peer_request(p, RADIO_POST, "s", "k=2", big, 20000, t_cb, &d), 0);
	assert_int_equal(radio_peer_inflight(p), 3);
	t_pump(srv, cli, &d, 3, 10000);
	assert_int_equal(d.n, 3);
	for (int i = 0; i < 3; i++) {
		assert_int_equal(d.rc[i], 0);
		if (d.len[i] == 600) {
			assert_int_equal(d.code[i], 205);
			assert_int_equal(d.body[i][0], 'a');
		} else if (d.len[i] == 6) {
			assert_int_equal(d.code[i], 204);
			assert_memory_equal(d.body[i], "cbacba", 6);
		} else {
			assert_int_equal(d.len[i], 40000);
			for (int k = 0; k < 20000; k++)
				assert_int_equal(d.body[i][k], big[19999 - k]);
		}
		free(d.body[i]);
	}
	radio_stats_get(srv, &st);
	assert_true(st.echo_validated >= 1); /* the POST made the client echo */
	assert_true(st.amp_refused >= 1);

	/* over the per-peer reassembly bound: 4.13, nothing handed over */
	memset(&d, 0, sizeof(d));
	int before = calls;
	uint8_t *huge = calloc(1, 100000);
	assert_int_equal(radio_peer_request(p, RADIO_POST, "s", "k=3", huge, 100000, t_cb, &d), 0);
	t_pump(srv, cli, &d, 1, 10000);
	assert_int_equal(d.n, 1);
	assert_int_equal(d.code[0], 413);
	free(d.body[0]);
	assert_int_equal(calls, before);
	radio_stats_get(srv, &st);
	assert_true(st.too_big >= 1);

	/* a dead peer: the request ends with an error after its retransmits */
	struct radio_peer *dead;
	struct radio_link fast = { .ack_timeout_ms = 100, .retransmit = 1, .window = 1 };
	memset(&d, 0, sizeof(d));
	assert_int_equal(radio_peer_new(cli, &dead, "127.0.0.1", free_port(), &fast), 0);
	assert_int_equal(radio_peer_request(dead, RADIO_GET, "vv", NULL, NULL, 0, t_cb, &d), 0);
	t_pump(srv, cli, &d, 1, 10000);
	assert_int_equal(d.n, 1);
	assert_true(d.rc[0] < 0);
	free(d.body[0]);
	/* freeing a peer ends what is pending with -ECANCELED */
	memset(&d, 0, sizeof(d));
	assert_int_equal(radio_peer_request(dead, RADIO_GET, "vv", NULL, NULL, 0, t_cb, &d), 0);
	radio_peer_free(dead);
	assert_int_equal(d.n, 1);
	assert_int_equal(d.rc[0], -ECANCELED);
	free(d.body[0]);

	free(big);
	free(huge);
	radio_free(cli);
	radio_free(srv);
}

/* /s answers "big" with 3000 bytes (three blocks) and anything else with
 * the body reversed; counts the calls. */
static void t_serve_mixed(void *arg, const struct radio_req *q, struct radio_resp *r)
{
	int *calls = arg;
	(*calls)++;
	r->code = 204;
	if (q->len == 3 && memcmp(q->body, "big", 3) == 0) {
		for (int i = 0; i < 3000; i++)
			buf_put_u8(&r->body, (uint8_t)(i * 13));
		return;
	}
	for (size_t i = q->len; i-- > 0;)
		buf_put_u8(&r->body, q->body[i]);
}

/* R6: POSTs to the same resource and query in flight at once, the first
 * answered block-wise: libcoap keeps one block-wise answer per resource
 * and query, so without telling them apart the others' answers dropped
 * the first one's later blocks and its request never ended. Each gets its
 * whole answer, and the handler runs once per POST. */
static void test_coap_same_query(void **state)
{
	struct radio *srv, *cli;
	struct radio_peer *p;
	char listen[32];
	int calls = 0;
	unsigned port = free_port();
	struct t_done d;
	(void)state;

	memset(&d, 0, sizeof(d));
	snprintf(listen, sizeof(listen), "127.0.0.1:%u", port);
	struct radio_options so = { .listen = listen, .res = t_res, .nres = 2, .serve = t_serve_mixed,
				    .serve_arg = &calls };
	assert_int_equal(radio_new(&srv, &so), 0);
	struct radio_options co = { .listen = NULL };
	assert_int_equal(radio_new(&cli, &co), 0);
	/* a window of 8, and of 1 (libcoap queues the others behind, and the
	 * request for block 1 too) */
	struct radio_link link[2] = { { .window = 8 }, { .window = 1 } };
	for (int round = 0; round < 4; round++) {
		if (round % 2 == 0) {
			if (round)
				radio_peer_free(p);
			assert_int_equal(radio_peer_new(cli, &p, "127.0.0.1", port, &link[round / 2]), 0);
		}
		memset(&d, 0, sizeof(d));
		calls = 0;
		assert_int_equal(radio_peer_request(p, RADIO_POST, "s", "k=1", (const uint8_t *)"big", 3, t_cb, &d), 0);
		for (int i = 0; i < 5; i++)
			assert_int_equal(radio_peer_request(p, RADIO_POST, "s", "k=1", (const uint8_t *)"ab", 2, t_cb, &d),
					 0);
		t_pump(srv, cli, &d, 6, 10000);
		assert_int_equal(d.n, 6);
		assert_int_equal(calls, 6);
		int big = 0;
		for (int i = 0; i < 6; i++) {
			assert_int_equal(d.rc[i], 0);
			assert_int_equal(d.code[i], 204);
			if (d.len[i] == 3000) {
				big++;
				for (int k = 0; k < 3000; k++)
					assert_int_equal(d.body[i][k], (uint8_t)(k * 13));
			} else {
				assert_int_equal(d.len[i], 2);
				assert_memory_equal(d.body[i], "ba", 2);
			}
			free(d.body[i]);
		}
		assert_int_equal(big, 1);
	}
	radio_free(cli);
	radio_free(srv);
}

/* What a stranger (raw UDP, never echoing) gets: at most three times the
 * bytes it sent, and 5.03 once over the request rate. */
static void test_coap_stranger(void **state)
{
	struct radio *srv;
	char listen[32];
	int calls = 0;
	unsigned port = free_port();
	(void)state;
	snprintf(listen, sizeof(listen), "127.0.0.1:%u", port);
	struct radio_options so = { .listen = listen, .res = t_res, .nres = 2, .serve = t_serve,
				    .serve_arg = &calls, .limits = { .rate = 5, .burst = 10 } };
	assert_int_equal(radio_new(&srv, &so), 0);
	int fd = socket(AF_INET, SOCK_DGRAM, 0);
	struct sockaddr_in a = { .sin_family = AF_INET, .sin_port = htons((uint16_t)port),
				 .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	assert_int_equal(connect(fd, (struct sockaddr *)&a, sizeof(a)), 0);
	size_t sent = 0, got = 0;
	int c401 = 0, c503 = 0, c205 = 0;
	for (int i = 0; i < 30; i++) {
		/* CON GET /vv, message id i, no token: 7 bytes */
		uint8_t req[7] = { 0x40, 0x01, 0x00, (uint8_t)i, 0xB2, 'v', 'v' };
		assert_int_equal(send(fd, req, sizeof(req), 0), 7);
		sent += sizeof(req);
		uint64_t end = mono_ms() + 500;
		uint8_t resp[2048];
		ssize_t n = -1;
		while (mono_ms() < end) {
			radio_run(srv, 5);
			n = recv(fd, resp, sizeof(resp), MSG_DONTWAIT);
			if (n > 0)
				break;
		}
		assert_true(n > 0);
		got += (size_t)n;
		if (resp[1] == 0x81)
			c401++;
		else if (resp[1] == 0xA3)
			c503++;
		else if (resp[1] == 0x45)
			c205++;
	}
	assert_true(got <= 3 * sent);
	assert_int_equal(c205, 0);   /* 600 bytes never went to a stranger */
	assert_true(c401 >= 10);     /* the burst was answered 4.01 + Echo */
	assert_true(c503 >= 10);     /* then the rate limit */
	assert_int_equal(calls, c401); /* each 4.01 was a GET too big to answer */
	close(fd);
	radio_free(srv);
}

/* The options of a CoAP datagram (no token), their numbers into num
 * (at most max); the payload's offset into *pay (len when none). */
static size_t t_coap_opts(const uint8_t *d, size_t len, unsigned *num, size_t max, size_t *pay)
{
	size_t i = 4 + (d[0] & 15), n = 0;
	unsigned at = 0;
	*pay = len;
	while (i < len) {
		if (d[i] == 0xff) {
			*pay = i + 1;
			break;
		}
		unsigned dl = d[i] >> 4, ln = d[i] & 15;
		i++;
		if (dl == 13)
			dl = 13u + d[i++];
		else if (dl == 14) {
			dl = 269u + ((unsigned)d[i] << 8 | d[i + 1]);
			i += 2;
		}
		if (ln == 13)
			ln = 13u + d[i++];
		at += dl;
		if (n < max)
			num[n++] = at;
		i += ln;
	}
	return n;
}

/* A test server on a free loopback port counting its handler's calls,
 * and a UDP socket connected to it for hand-made datagrams. */
static int t_raw_server(struct radio **srv, int *calls)
{
	char listen[32];
	unsigned port = free_port();
	snprintf(listen, sizeof(listen), "127.0.0.1:%u", port);
	struct radio_options so = { .listen = listen, .res = t_res, .nres = 2, .serve = t_serve, .serve_arg = calls };
	assert_int_equal(radio_new(srv, &so), 0);
	int fd = socket(AF_INET, SOCK_DGRAM, 0);
	struct sockaddr_in a = { .sin_family = AF_INET, .sin_port = htons((uint16_t)port),
				 .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	assert_int_equal(connect(fd, (struct sockaddr *)&a, sizeof(a)), 0);
	return fd;
}

/* radio/coap.c step 6: an answer that fits the one block a request asked
 * for (Block2 block 0, as a LoRa client asks) is one plain datagram: no
 * ETag, Block2 or Size2, 7 bytes a LoRa frame keeps. */
static void test_coap_one_block(void **state)
{
	struct radio *srv;
	int calls = 0;
	uint8_t echo[40];
	size_t echolen = 0;
	int fd = t_raw_server(&srv, &calls);
	(void)state;
	for (int round = 0; round < 2; round++) {
		/* CON POST /s?k=1, Block2 block 0 of 128 bytes, then (round 1)
		 * the Echo the 4.01 gave, body "abc" */
		uint8_t req[64];
		size_t n = 0;
		const uint8_t head[] = { 0x40, 0x02, 0x00, (uint8_t)(round + 1), 0xB1, 's', 0x43, 'k', '=', '1', 0x81, 0x03 };
		memcpy(req, head, sizeof(head));
		n = sizeof(head);
		if (round) { /* Echo, 252: delta 229 from Block2's 23 */
			req[n++] = (uint8_t)(0xD0 | echolen);
			req[n++] = 229 - 13;
			memcpy(req + n, echo, echolen);
			n += echolen;
		}
		req[n++] = 0xff;
		memcpy(req + n, "abc", 3);
		n += 3;
		assert_int_equal(send(fd, req, n, 0), (ssize_t)n);
		uint8_t resp[2048];
		ssize_t got = -1;
		uint64_t end = mono_ms() + 2000;
		while (mono_ms() < end && got <= 0) {
			radio_run(srv, 5);
			got = recv(fd, resp, sizeof(resp), MSG_DONTWAIT);
		}
		assert_true(got > 0);
		unsigned num[16];
		size_t pay, nopt = t_coap_opts(resp, (size_t)got, num, 16, &pay);
		if (round == 0) { /* a POST from an unvalidated address: 4.01 + Echo */
			assert_int_equal(resp[1], 0x81);
			size_t i = 4 + (resp[0] & 15);
			assert_int_equal(nopt, 1);
			assert_int_equal(num[0], 252);
			assert_int_equal(resp[i] >> 4, 13);
			echolen = resp[i] & 15;
			assert_true(echolen > 0 && echolen <= sizeof(echo));
			memcpy(echo, resp + i + 2, echolen);
			continue;
		}
		assert_int_equal(resp[1], 0x44); /* 2.04 */
		assert_int_equal((size_t)got - pay, 6);
		assert_memory_equal(resp + pay, "cbacba", 6);
		for (size_t k = 0; k < nopt; k++)
			assert_true(num[k] != 4 && num[k] != 23 && num[k] != 28); /* no ETag, Block2, Size2 */
		assert_int_equal(got, 4 + 2 + 1 + 6); /* header, Content-Format 42, marker, body */
	}
	assert_int_equal(calls, 1);
	close(fd);
	radio_free(srv);
}

/* A CON POST /s?k=1 with message id mid, no token; Block1 option value
 * block1 when >= 0; the Echo option when echolen; then body. */
static size_t t_post(uint8_t *req, uint16_t mid, int block1, const uint8_t *echo, size_t echolen,
		     const char *body)
{
	const uint8_t head[] = { 0x40, 0x02, (uint8_t)(mid >> 8), (uint8_t)mid, 0xB1, 's', 0x43, 'k', '=', '1' };
	size_t n = sizeof(head);
	unsigned at = 15; /* Uri-Query */
	memcpy(req, head, n);
	if (block1 >= 0) { /* Block1, 27 */
		req[n++] = 0xC1;
		req[n++] = (uint8_t)block1;
		at = 27;
	}
	if (echolen) { /* Echo, 252 */
		req[n++] = (uint8_t)(0xD0 | echolen);
		req[n++] = (uint8_t)(252 - at - 13);
		memcpy(req + n, echo, echolen);
		n += echolen;
	}
	req[n++] = 0xff;
	memcpy(req + n, body, strlen(body));
	return n + strlen(body);
}

/* Send a datagram to the server and wait for one answer; its length. */
static size_t t_ask(int fd, struct radio *srv, const uint8_t *req, size_t n, uint8_t *resp, size_t cap)
{
	ssize_t got = -1;
	uint64_t end = mono_ms() + 2000;
	assert_int_equal(send(fd, req, n, 0), (ssize_t)n);
	while (mono_ms() < end && got <= 0) {
		radio_run(srv, 5);
		got = recv(fd, resp, cap, MSG_DONTWAIT);
	}
	assert_true(got > 0);
	return (size_t)got;
}

/* R7: a POST sent again with the same message ID (its answer was lost)
 * gets the same answer without the handler running again, whether the
 * body came whole or block-wise (its last block again: not 4.08); a new
 * message with the same body runs the handler, and so does another body
 * under a message ID used before. */
static void test_coap_again(void **state)
{
	struct radio *srv;
	struct radio_stats st;
	int calls = 0;
	uint8_t req[128], resp[2048], first[2048], echo[40];
	size_t n, got, firstlen, pay, echolen;
	unsigned num[16];
	int fd = t_raw_server(&srv, &calls);
	(void)state;

	/* the address is validated first: 4.01 and its Echo */
	n = t_post(req, 1, -1, NULL, 0, "abc");
	got = t_ask(fd, srv, req, n, resp, sizeof(resp));
	assert_int_equal(resp[1], 0x81);
	echolen = resp[4 + (resp[0] & 15)] & 15;
	assert_true(echolen > 0 && echolen <= sizeof(echo));
	memcpy(echo, resp + 4 + (resp[0] & 15) + 2, echolen);
	assert_int_equal(calls, 0);

	/* a whole body, then the same datagram again */
	n = t_post(req, 2, -1, echo, echolen, "abc");
	firstlen = t_ask(fd, srv, req, n, first, sizeof(first));
	assert_int_equal(first[1], 0x44); /* 2.04 */
	assert_int_equal(calls, 1);
	got = t_ask(fd, srv, req, n, resp, sizeof(resp));
	assert_int_equal(got, firstlen);
	assert_memory_equal(resp, first, got);
	assert_int_equal(calls, 1);

	/* block-wise: 16 bytes with more to come, the last 4, then the last again */
	n = t_post(req, 3, 0x08, echo, echolen, "0123456789abcdef"); /* Block1 0/M/16 */
	got = t_ask(fd, srv, req, n, resp, sizeof(resp));
	assert_int_equal(resp[1], 0x5F); /* 2.31 Continue */
	n = t_post(req, 4, 0x10, echo, echolen, "wxyz"); /* Block1 1/_/16 */
	firstlen = t_ask(fd, srv, req, n, first, sizeof(first));
	assert_int_equal(first[1], 0x44);
	t_coap_opts(first, firstlen, num, 16, &pay);
	assert_int_equal(firstlen - pay, 40);
	assert_memory_equal(first + pay, "zyxwfedcba9876543210zyxw", 24);
	assert_int_equal(calls, 2);
	got = t_ask(fd, srv, req, n, resp, sizeof(resp));
	assert_int_equal(resp[1], 0x44); /* not 4.08 */
	assert_int_equal(got, firstlen);
	assert_memory_equal(resp, first, got);
	assert_int_equal(calls, 2);
	radio_stats_get(srv, &st);
	assert_int_equal(st.answered_again, 2);

	/* the same body in a new message is a new POST; so is another body
	 * under a message ID (and token) used before */
	n = t_post(req, 5, -1, echo, echolen, "abc");
	got = t_ask(fd, srv, req, n, resp, sizeof(resp));
	assert_int_equal(resp[1], 0x44);
	assert_int_equal(calls, 3);
	n = t_post(req, 2, -1, echo, echolen, "xyz");
	got = t_ask(fd, srv, req, n, resp, sizeof(resp));
	assert_int_equal(resp[1], 0x44);
	t_coap_opts(resp, got, num, 16, &pay);
	assert_int_equal(got - pay, 6);
	assert_memory_equal(resp + pay, "zyxzyx", 6);
	assert_int_equal(calls, 4);
	close(fd);
	radio_free(srv);
}

/* ---- LoRa over pseudo-terminals through the simulated LoRa link -------- */

static int open_pty(int *master, int *slave)
{
	struct termios t;
	*master = posix_openpt(O_RDWR | O_NOCTTY);
	if (*master < 0 || grantpt(*master) || unlockpt(*master))
		return -1;
	*slave = open(ptsname(*master), O_RDWR | O_NOCTTY);
	if (*slave < 0)
		return -1;
	tcgetattr(*slave, &t);
	cfmakeraw(&t);
	tcsetattr(*slave, TCSANOW, &t);
	tcgetattr(*master, &t);
	cfmakeraw(&t);
	tcsetattr(*master, TCSANOW, &t);
	fcntl(*master, F_SETFL, O_NONBLOCK);
	fcntl(*slave, F_SETFL, O_NONBLOCK);
	return 0;
}

struct t_rx {
	int n;
	uint8_t seen[256];
	size_t bytes;
	int bad;
};

static void t_lora_cb(void *arg, const uint8_t *p, size_t len)
{
	struct t_rx *r = arg;
	/* datagram i: byte 0 = i, then i repeated len - 1 times */
	for (size_t k = 1; k < len; k++)
		if (p[k] != p[0])
			r->bad++;
	if (!r->seen[p[0]])
		r->n++;
	r->seen[p[0]] = 1;
	r->bytes += len;
}

/* The air: frames written by one modem (a pty master) cross the simulated
 * LoRa link (10 % loss) and are written to the other modem's line. */
static void air_move(int from_fd, struct radio_lora_rx *rx, struct radio_sim *sim, int end, uint64_t now)
{
	uint8_t in[1024];
	ssize_t k;
	while ((k = read(from_fd, in, sizeof(in))) > 0) {
		size_t pos = 0, n;
		const uint8_t *p;
		while (radio_lora_rx_feed(rx, in, (size_t)k, &pos, &p, &n) == 1)
			assert_int_equal(radio_sim_send(sim, end, p, n, now), 0);
	}
}

static void air_deliver(int to_fd, struct radio_sim *sim, int end, struct buf *b, uint64_t now)
{
	struct buf f;
	buf_init(&f, RADIO_LORA_FRAME_MAX * 2);
	while (radio_sim_recv(sim, end, b, now) == 1) {
		buf_reset(&f);
		assert_int_equal(radio_lora_encode(&f, b->data, b->len), 0);
		assert_int_equal(write(to_fd, f.data, f.len), (ssize_t)f.len);
	}
	buf_release(&f);
}

static void test_lora_pty(void **state)
{
	int m1, s1, m2, s2;
	struct radio_lora *a, *b;
	struct radio_sim *sim;
	struct radio_sim_profile pr;
	struct radio_lora_rx rx1, rx2;
	struct t_rx got_b = { 0 }, got_a = { 0 };
	struct buf tmp;
	(void)state;

	assert_int_equal(open_pty(&m1, &s1), 0);
	assert_int_equal(open_pty(&m2, &s2), 0);
	assert_int_equal(radio_lora_new(&a, s1, NULL), 0);
	assert_int_equal(radio_lora_new(&b, s2, NULL), 0);
	assert_int_equal(radio_sim_profile_named(&pr, "lora"), 0);
	pr.loss = 0.1;
	assert_int_equal(radio_sim_new(&sim, &pr, 2024), 0);
	radio_lora_rx_init(&rx1);
	radio_lora_rx_init(&rx2);
	buf_init(&tmp, 4096);

	uint8_t d[RADIO_LORA_PAYLOAD + 1];
	memset(d, 0, sizeof(d));
	assert_int_equal(radio_lora_send(a, d, RADIO_LORA_PAYLOAD + 1), ERR_TOOBIG);
	for (int i = 0; i < 40; i++) { /* A sends 40 datagrams, 100..197 bytes */
		size_t len = 100 + (size_t)(i * 37 % 98);
		memset(d, i, len);
		assert_int_equal(radio_lora_send(a, d, len), 0);
	}
	memset(d, 200, 60);
	assert_int_equal(radio_lora_send(b, d, 60), 0); /* B answers once */

	/* a virtual clock: 100 ms per turn, so ~40 s of airtime takes < 1 s */
	uint64_t now = 0;
	uint64_t first_write = 0;
	for (int turn = 0; turn < 2000; turn++, now += 100) {
		assert_int_equal(radio_lora_poll(a, now, t_lora_cb, &got_a), 0);
		assert_int_equal(radio_lora_poll(b, now, t_lora_cb, &got_b), 0);
		if (!first_write && radio_lora_pending(a) < 40)
			first_write = now;
		air_move(m1, &rx1, sim, 0, now);
		air_move(m2, &rx2, sim, 1, now);
		air_deliver(m2, sim, 1, &tmp, now);
		air_deliver(m1, sim, 0, &tmp, now);
		if (!radio_lora_pending(a) && !radio_lora_pending(b) && radio_sim_next(sim) == UINT64_MAX &&
		    turn > 10)
			break;
		usleep(200);
	}
	for (int k = 0; k < 5; k++, now += 100) { /* what is still in the lines */
		usleep(1000);
		assert_int_equal(radio_lora_poll(a, now, t_lora_cb, &got_a), 0);
		assert_int_equal(radio_lora_poll(b, now, t_lora_cb, &got_b), 0);
	}
	struct radio_sim_counters c;
	radio_sim_counters_get(sim, &c);
	assert_int_equal(got_b.bad + got_a.bad, 0);
	assert_int_equal((uint64_t)got_b.n + (uint64_t)got_a.n, c.delivered);
	assert_int_equal(c.sent, 41);
	assert_true(c.lost >= 1 && c.lost <= 12); /* ~10 % of 41 */
	assert_true(got_b.n >= 29);
	/* half duplex and pacing: 41 frames took at least their airtime */
	assert_true(now >= 25000);
	assert_true(c.airtime_ms >= 41 * 500);
	assert_int_equal(rx1.bad_crc + rx2.bad_crc, 0);

	buf_release(&tmp);
	radio_sim_free(sim);
	radio_lora_free(a);
	radio_lora_free(b);
	close(m1);
	close(s1);
	close(m2);
	close(s2);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_crc_golden),     cmocka_unit_test(test_frame_golden),
		cmocka_unit_test(test_frame_stream),   cmocka_unit_test(test_sim_determinism),
		cmocka_unit_test(test_sim_link),       cmocka_unit_test(test_guard),
		cmocka_unit_test(test_coap_loopback),  cmocka_unit_test(test_coap_stranger),
		cmocka_unit_test(test_coap_one_block), cmocka_unit_test(test_coap_again),
		cmocka_unit_test(test_coap_same_query),
		cmocka_unit_test(test_lora_pty),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
