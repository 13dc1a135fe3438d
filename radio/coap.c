// SPDX-License-Identifier: MIT
/*
 * coap.c - CoAP over UDP through libcoap: a server that hands complete
 * request bodies to one handler, and clients that send requests to peers
 * with several in flight. radio.h has the contract (R1-R5).
 *
 * libcoap runs in COAP_BLOCK_USE_LIBCOAP mode without SINGLE_BODY: it
 * asks for the next blocks itself but shows each block to us, so we
 * reassemble bodies in our own buffers and bound them (R1) before
 * libcoap could hold an unbounded one.
 *
 * Server, per request (radio_handle):
 *   1. guard: rate and room (R3, R4); the request's bytes count as
 *      received from its address. Over: 5.03.
 *   2. An Echo option that matches the address's cookie validates it.
 *   3. A Block1 block with more to come is kept (bounded, R1) and
 *      answered 2.31 Continue; the last one completes the body.
 *   4. A POST from an unvalidated address is answered 4.01 with the
 *      cookie in an Echo option, before any handler runs: a POST changes
 *      state, so it must not run twice for one address check.
 *   5. The handler fills the response; if the address is unvalidated and
 *      the response would cross amp * received (R2): 4.01 + Echo instead.
 *   6. A body within the one block a request asked for (Block2 block 0,
 *      as a link with small blocks asks: LoRa) goes out in one datagram
 *      as it is; any other with coap_add_data_large_response (block-wise
 *      when it does not fit one datagram).
 *
 * Client, per request: a token names it; the response handler gathers
 * Block2 blocks until the last; a 4.01 carrying Echo is retried once with
 * the Echo option (and the value kept for the peer's later requests); any
 * other answer that is not 2.xx ends it, even after some blocks came; the
 * nack handler ends it with an error (R5).
 *
 * Several POSTs to one resource in flight (R6). libcoap 4.3 keeps the
 * state of a block-wise response (the body and which block is next) per
 * session, resource, method and query, and a new response under the same
 * key drops the state of one still being fetched. Two POSTs to /s?k=K in
 * flight would then lose the first answer's later blocks: the request for
 * block 1 reaches the handler as a new POST. So a POST sent while another
 * request to the same peer is in flight carries a Uri-Query "r=N", N
 * counting up per peer in hex (a lone one carries none: a LoRa frame
 * keeps its bytes); the server takes it off before the handler sees the
 * query. And a POST asking for a later block of a response the server no
 * longer holds is answered 4.08 without running the handler again: a POST
 * changes state, and its first answer is gone.
 *
 * A POST again (R7): when a POST's answer is lost, libcoap sends the same
 * datagram again (the same message ID and token) after its ACK timeout,
 * and libcoap 4.3's server neither notices nor answers it for us. The
 * server keeps each POST's answer for a while (struct radio_done) and
 * sends it again for such a copy without running the handler: for the
 * last block of a block-wise body, whose reassembly is gone once served,
 * the copy would otherwise be answered 4.08 and the client would count a
 * failure (over LoRa, three lost answers in a row ended a sync).
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netdb.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <coap3/coap.h>

#include "base/err.h"
#include "base/mem.h"
#include "radio/radio.h"

#define RADIO_TOKEN_MAX 8
#define RADIO_BLOCK_OVERHEAD 24 /* header, token, options of one block */
/*
 * The MTU given to libcoap for a link with a frame limit: the frame plus
 * this. libcoap 4.3 sizes a request's blocks from the MTU keeping 43
 * bytes free for an Echo option of up to 40 bytes and room for an 8-byte
 * token; cunlian's Echo is 8 bytes and its tokens at most 8, so what it
 * really sends is at least 34 bytes under the MTU (a whole body: 49). With
 * a frame of 197 the blocks are 128 (186 bytes with Echo, not 64 as with
 * an MTU of 197); lora-bridge counts any datagram over the frame, and
 * tests/e2e/net_lora.sh checks there is none.
 */
#define RADIO_MTU_SLACK 34

/* A request body arriving block-wise at the server. */
struct radio_rx {
	char addr[RADIO_ADDR_MAX];
	uint8_t key[RADIO_TOKEN_MAX + 8];
	size_t keylen;
	uint8_t *p;
	size_t len, cap;
	uint64_t last_ms;
	struct radio_rx *next;
};

/* R7: the answer to a POST, for a copy of the request. */
struct radio_done {
	char addr[RADIO_ADDR_MAX];
	uint16_t mid;
	uint8_t token[RADIO_TOKEN_MAX];
	size_t toklen;
	unsigned code, ct;
	uint8_t *body;
	size_t len;
	uint64_t at_ms;
	uint32_t hash;
	struct radio_done *next;  /* the next older answer */
	struct radio_done *hnext; /* the next in its slot */
};

/* R7: answers kept, oldest dropped first past either bound or the age;
 * found through RADIO_DONE_SLOTS slots by a hash of address, message ID
 * and token (a busy hub keeps thousands) */
#define RADIO_DONE_MAX 4096
#define RADIO_DONE_BYTES (8u << 20)
#define RADIO_DONE_MS 120000
#define RADIO_DONE_SLOTS 1024

/* A client request in flight. */
struct radio_call {
	struct radio_peer *peer;
	uint8_t token[RADIO_TOKEN_MAX];
	size_t toklen;
	enum radio_method m;
	char path[RADIO_PATH_MAX];
	char query[RADIO_QUERY_MAX];
	uint8_t *body;
	size_t len;
	struct buf resp;
	radio_done_fn fn;
	void *arg;
	bool echoed;
	uint64_t stall_at; /* R5: ended with -ETIMEDOUT if nothing moved by then */
	struct radio_call *next;
};

struct radio_peer {
	struct radio *r;
	coap_session_t *s;
	struct radio_link link;
	struct radio_call *calls;
	size_t ncalls;
	uint64_t sent, recv;
	uint8_t echo[40];
	size_t echolen;
	uint32_t nposts; /* R6: the "r=N" of the next POST */
	struct radio_peer *next;
};

struct radio {
	coap_context_t *ctx;
	struct radio_options opt;
	struct radio_guard *guard;
	struct radio_rx *rx;
	struct radio_done *done, *done_last; /* R7: oldest first */
	struct radio_done **done_slot;       /* R7: RADIO_DONE_SLOTS, or NULL */
	size_t ndone, done_bytes;
	struct radio_peer *peers;
	struct radio_stats st;
	unsigned port;
	char **attrs; /* quoted rt values, owned */
};

static uint64_t radio_now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

static void radio_addr_str(const coap_address_t *a, char *out, size_t n)
{
	size_t k = coap_print_addr(a, (unsigned char *)out, n - 1);
	out[k < n ? k : n - 1] = '\0';
}

/* Resolve "host" and port into a coap address (UDP). */
static int radio_resolve(const char *host, unsigned port, coap_address_t *out)
{
	struct addrinfo hints, *res = NULL;
	char sport[8];
	int rc;

	memset(&hints, 0, sizeof(hints));
	hints.ai_socktype = SOCK_DGRAM;
	hints.ai_family = AF_UNSPEC;
	hints.ai_flags = AI_NUMERICSERV;
	snprintf(sport, sizeof(sport), "%u", port);
	if ((rc = getaddrinfo(host, sport, &hints, &res)) != 0 || !res)
		return ERR_NOTFOUND;
	coap_address_init(out);
	out->size = res->ai_addrlen;
	memcpy(&out->addr, res->ai_addr, res->ai_addrlen);
	freeaddrinfo(res);
	return 0;
}

/* "HOST:PORT", "[V6]:PORT" or "HOST" (port 5683). */
static int radio_hostport(const char *s, char *host, size_t hostlen, unsigned *port)
{
	const char *colon;
	size_t hl;
	*port = RADIO_PORT;
	if (s[0] == '[') {
		const char *e = strchr(s, ']');
		if (!e)
			return ERR_USAGE;
		hl = (size_t)(e - s - 1);
		if (hl >= hostlen)
			return ERR_USAGE;
		memcpy(host, s + 1, hl);
		host[hl] = '\0';
		colon = e[1] == ':' ? e + 1 : NULL;
		if (e[1] && !colon)
			return ERR_USAGE;
	} else {
		colon = strrchr(s, ':');
		if (colon && strchr(s, ':') != colon) { /* bare v6 without port */
			colon = NULL;
			hl = strlen(s);
		} else {
			hl = colon ? (size_t)(colon - s) : strlen(s);
		}
		if (hl == 0 || hl >= hostlen)
			return ERR_USAGE;
		memcpy(host, s, hl);
		host[hl] = '\0';
	}
	if (colon) {
		char *end;
		unsigned long v = strtoul(colon + 1, &end, 10);
		if (!colon[1] || *end || v > 65535)
			return ERR_USAGE;
		*port = (unsigned)v;
	}
	return 0;
}

int radio_listen_parse(const char *s, char *host, size_t hostlen, unsigned *port)
{
	unsigned char a[sizeof(struct in6_addr)];
	int rc = radio_hostport(s, host, hostlen, port);
	if (!rc && inet_pton(AF_INET, host, a) != 1 && inet_pton(AF_INET6, host, a) != 1)
		rc = ERR_USAGE; /* a name, a URI, anything but an address */
	if (rc && hostlen)
		host[0] = '\0';
	return rc;
}

int radio_uri_parse(const char *uri, char *host, size_t hostlen, unsigned *port)
{
	char tmp[RADIO_ADDR_MAX + 16];
	const char *p = uri;
	if (strncmp(p, "coap://", 7) == 0)
		p += 7;
	else if (strstr(p, "://"))
		return ERR_USAGE;
	size_t n = strcspn(p, "/?");
	if (n == 0 || n >= sizeof(tmp))
		return ERR_USAGE;
	memcpy(tmp, p, n);
	tmp[n] = '\0';
	return radio_hostport(tmp, host, hostlen, port);
}

/* ---- server ------------------------------------------------------------ */

/* Bytes of a request as sent: header, token, options, payload (a lower
 * bound is enough: it only ever limits what we send back). */
static size_t radio_pdu_size(const coap_pdu_t *pdu, size_t payload)
{
	coap_opt_iterator_t it;
	coap_opt_t *o;
	size_t n = 4 + coap_pdu_get_token(pdu).length;
	coap_option_iterator_init(pdu, &it, COAP_OPT_ALL);
	while ((o = coap_option_next(&it)))
		n += 1 + coap_opt_length(o);
	return n + (payload ? 1 + payload : 0);
}

static void radio_code(coap_pdu_t *resp, unsigned code)
{
	coap_pdu_set_code(resp, COAP_RESPONSE_CODE((int)code));
}

static void radio_echo_reply(struct radio *r, const char *addr, coap_pdu_t *resp)
{
	uint8_t cookie[RADIO_ECHO_LEN];
	radio_guard_cookie(r->guard, addr, cookie);
	radio_code(resp, 401);
	coap_add_option(resp, COAP_OPTION_ECHO, sizeof(cookie), cookie);
	radio_guard_sent(r->guard, addr, 4 + 8 + 2 + RADIO_ECHO_LEN);
	r->st.amp_refused++;
}

static struct radio_rx *radio_rx_find(struct radio *r, const char *addr, const uint8_t *key,
				      size_t keylen, bool make)
{
	struct radio_rx *x;
	for (x = r->rx; x; x = x->next)
		if (strcmp(x->addr, addr) == 0 && x->keylen == keylen && memcmp(x->key, key, keylen) == 0)
			return x;
	if (!make)
		return NULL;
	x = mem_calloc(1, sizeof(*x));
	if (!x)
		return NULL;
	snprintf(x->addr, sizeof(x->addr), "%s", addr);
	memcpy(x->key, key, keylen);
	x->keylen = keylen;
	x->next = r->rx;
	r->rx = x;
	return x;
}

static void radio_rx_drop(struct radio *r, struct radio_rx *x)
{
	struct radio_rx **pp;
	for (pp = &r->rx; *pp; pp = &(*pp)->next)
		if (*pp == x) {
			*pp = x->next;
			break;
		}
	radio_guard_unhold(r->guard, x->addr, x->cap);
	mem_free(x->p);
	mem_free(x);
}

/* Drop reassemblies nobody continued for a minute. */
static void radio_rx_expire(struct radio *r, uint64_t now)
{
	struct radio_rx *x = r->rx, *next;
	for (; x; x = next) {
		next = x->next;
		if (now > x->last_ms + 60000)
			radio_rx_drop(r, x);
	}
}

/* Append a block at offset; ERR_TOOBIG (R1) or ERR_CORRUPT (out of order). */
static int radio_rx_add(struct radio *r, struct radio_rx *x, size_t off, const uint8_t *p, size_t n)
{
	if (off != x->len)
		return ERR_CORRUPT;
	if (x->len + n > x->cap) {
		/* 1 KiB, doubled as needed; held against the guard before it is taken */
		size_t cap = x->len + n < n ? 0 : mem_grow_cap(x->cap ? x->cap : 1024, x->len + n, 1);
		if (cap == 0)
			return ERR_TOOBIG;
		int rc = radio_guard_hold(r->guard, x->addr, cap - x->cap);
		if (rc)
			return rc;
		void *q = mem_realloc(x->p, cap);
		if (!q) {
			radio_guard_unhold(r->guard, x->addr, cap - x->cap);
			return -ENOMEM;
		}
		x->p = q;
		x->cap = cap;
	}
	memcpy(x->p + x->len, p, n);
	x->len += n;
	return 0;
}

static void radio_free_large(coap_session_t *s, void *p)
{
	(void)s;
	mem_free(p);
}

/* Discovery is answered here, not by libcoap's own handler, so that it
 * passes the same guard as every resource: the rate per address, and
 * at most 3x the bytes received until the address is validated (the
 * links are 72 bytes: a plain 21-byte GET first gets the 4.01 Echo). */
static const struct radio_resource radio_wellknown = {
	.path = ".well-known/core", .rt = "", .ct = 40, .get = true,
};

/* The CoRE link format of the resources: </vv>;rt="cunlian.vv",... */
static void radio_links(const struct radio *r, struct buf *b)
{
	for (size_t i = 0; i < r->opt.nres; i++) {
		const struct radio_resource *rd = &r->opt.res[i];
		if (i)
			buf_put(b, ",", 1);
		buf_put(b, "</", 2);
		buf_put(b, rd->path, strlen(rd->path));
		buf_put(b, ">;rt=\"", 6);
		buf_put(b, rd->rt, strlen(rd->rt));
		buf_put(b, "\"", 1);
	}
}

/* The query as the handler sees it: the client's "r=N" (R6) taken out.
 * Empty when it does not fit. */
static void radio_query_app(const coap_string_t *query, char *q, size_t n)
{
	size_t used = 0, i = 0;
	q[0] = '\0';
	if (!query || query->length >= n)
		return;
	while (i < query->length) {
		const uint8_t *seg = query->s + i;
		size_t k = 0;
		while (i + k < query->length && seg[k] != '&')
			k++;
		if (k && !(k >= 2 && seg[0] == 'r' && seg[1] == '=')) {
			if (used)
				q[used++] = '&';
			memcpy(q + used, seg, k);
			used += k;
		}
		i += k + 1;
	}
	q[used] = '\0';
}

/* Steps 1 and 2: the guard takes the request's bytes from its address (R3,
 * R4) and an Echo option that matches validates the address. False when
 * the guard refused it, answered 5.03 here. */
static bool radio_admit(struct radio *r, const coap_pdu_t *req, const char *addr, size_t len, uint64_t now,
			coap_pdu_t *resp)
{
	coap_opt_iterator_t it;
	coap_opt_t *o;
	int rc;

	rc = radio_guard_recv(r->guard, addr, radio_pdu_size(req, len), now);
	if (rc) { /* R3, R4 */
		if (rc == -EAGAIN)
			r->st.rate_refused++;
		else
			r->st.busy++;
		radio_code(resp, 503);
		radio_guard_sent(r->guard, addr, 8);
		return false;
	}
	if ((o = coap_check_option(req, COAP_OPTION_ECHO, &it)) &&
	    !radio_guard_validated(r->guard, addr) &&
	    radio_guard_echo(r->guard, addr, coap_opt_value(o), coap_opt_length(o)))
		r->st.echo_validated++;
	return true;
}

/* Step 3: a block-wise request body (R1). True when the request is not
 * block-wise (data and len stay its payload) or its last block completed
 * the body (data and len become the body, *xp the reassembly to drop once
 * it is served); false when it was answered here: 2.31 for more, 4.08 for
 * a block of a body not held or out of order, 4.13 over the bound. */
static bool radio_rx_body(struct radio *r, const coap_pdu_t *req, const char *addr, uint64_t now,
			  const uint8_t **data, size_t *len, struct radio_rx **xp, coap_pdu_t *resp)
{
	uint8_t key[RADIO_TOKEN_MAX + 8];
	size_t keylen = 0, boff;
	coap_opt_iterator_t it;
	coap_opt_t *o;
	coap_block_t b1;
	struct radio_rx *x;
	int rc;

	if (!coap_get_block(req, COAP_OPTION_BLOCK1, &b1) || !(b1.m || b1.num > 0))
		return true;
	if ((o = coap_check_option(req, COAP_OPTION_RTAG, &it)) && coap_opt_length(o) <= 8) {
		memcpy(key, coap_opt_value(o), coap_opt_length(o));
		keylen = coap_opt_length(o);
	}
	x = radio_rx_find(r, addr, key, keylen, b1.num == 0 || b1.m);
	if (x && b1.num == 0 && x->len) { /* a new body under the same key */
		radio_rx_drop(r, x);
		x = radio_rx_find(r, addr, key, keylen, true);
	}
	if (!x) { /* a later block of a body we do not hold */
		radio_code(resp, 408); /* 4.08 Request Entity Incomplete */
		return false;
	}
	x->last_ms = now;
	boff = (size_t)b1.num << (b1.szx + 4);
	if (boff + *len <= x->len && b1.m) { /* a block again (our 2.31 was lost) */
		radio_code(resp, 231);
		return false;
	}
	rc = radio_rx_add(r, x, boff, *data, *len);
	if (rc) {
		radio_rx_drop(r, x);
		if (rc == ERR_TOOBIG)
			r->st.too_big++;
		radio_code(resp, rc == ERR_TOOBIG ? 413 : 408);
		return false;
	}
	if (b1.m) {
		radio_code(resp, 231);
		return false;
	}
	*data = x->p;
	*len = x->len;
	*xp = x;
	return true;
}

/* Steps 5 and 6: code, ct and body (taken: freed here, or by libcoap
 * after the last block) go out in resp if the guard lets that many bytes
 * go to the address (R2); else 4.01 with Echo. */
static void radio_answer(struct radio *r, coap_resource_t *res, coap_session_t *sess, const coap_pdu_t *req,
			 const coap_string_t *query, const char *peer, unsigned code, unsigned ct,
			 uint8_t *body, size_t len, coap_pdu_t *resp)
{
	size_t blocks = len / 1024 + 1;
	coap_block_t b2;

	if (!radio_guard_send(r->guard, peer, len + blocks * RADIO_BLOCK_OVERHEAD)) {
		radio_echo_reply(r, peer, resp); /* step 5, R2 */
		mem_free(body);
		return;
	}
	radio_code(resp, code);
	r->st.bytes_out += len;
	if (len && coap_get_block(req, COAP_OPTION_BLOCK2, &b2) && b2.num == 0 && len <= ((size_t)16 << b2.szx)) {
		/* 6a: an answer within the one block the client asked for goes
		 * in one datagram without ETag, Size2 and Block2 (7 bytes a
		 * LoRa frame keeps); a longer one block-wise, below */
		uint8_t v[4];
		coap_add_option(resp, COAP_OPTION_CONTENT_FORMAT, coap_encode_var_safe(v, sizeof(v), ct), v);
		coap_add_data(resp, len, body);
	} else if (len) {
		coap_add_data_large_response(res, sess, req, resp, query, (uint16_t)ct, -1, 0, len, body,
					     radio_free_large, body);
		return;
	}
	mem_free(body);
}

/* R7: FNV-1a of what names a request, its address, message ID and
 * token, and of its payload: two requests from one address (a LoRa
 * bridge forwards every station's sync from one) whose message IDs and
 * short tokens meet by chance are still told apart. */
static uint32_t radio_done_hash(const char *addr, const coap_pdu_t *req)
{
	coap_bin_const_t tok = coap_pdu_get_token(req);
	uint16_t mid = (uint16_t)coap_pdu_get_mid(req);
	const uint8_t *data = NULL;
	size_t len = 0;
	uint32_t h = 2166136261u;

	if (!coap_get_data(req, &len, &data))
		len = 0;
	for (const char *c = addr; *c; c++)
		h = (h ^ (uint8_t)*c) * 16777619u;
	h = (h ^ (mid >> 8)) * 16777619u;
	h = (h ^ (mid & 0xff)) * 16777619u;
	for (size_t i = 0; i < tok.length; i++)
		h = (h ^ tok.s[i]) * 16777619u;
	for (size_t i = 0; i < len; i++)
		h = (h ^ data[i]) * 16777619u;
	return h;
}

static void radio_done_drop_first(struct radio *r)
{
	struct radio_done *d = r->done, **pp;
	for (pp = &r->done_slot[d->hash % RADIO_DONE_SLOTS]; *pp != d; pp = &(*pp)->hnext)
		;
	*pp = d->hnext;
	r->done = d->next;
	if (!r->done)
		r->done_last = NULL;
	r->ndone--;
	r->done_bytes -= d->len;
	mem_free(d->body);
	mem_free(d);
}

/* R7: the answer kept for a copy of req from addr (h its
 * radio_done_hash), or NULL. */
static const struct radio_done *radio_done_find(struct radio *r, const char *addr, const coap_pdu_t *req,
						uint32_t h, uint64_t now)
{
	coap_bin_const_t tok = coap_pdu_get_token(req);
	uint16_t mid = (uint16_t)coap_pdu_get_mid(req);

	while (r->done && now > r->done->at_ms + RADIO_DONE_MS)
		radio_done_drop_first(r);
	if (!r->done_slot)
		return NULL;
	for (const struct radio_done *d = r->done_slot[h % RADIO_DONE_SLOTS]; d; d = d->hnext)
		if (d->hash == h && d->mid == mid && d->toklen == tok.length && strcmp(d->addr, addr) == 0 &&
		    (!tok.length || memcmp(d->token, tok.s, tok.length) == 0))
			return d;
	return NULL;
}

/* R7: keep the answer to req (h its radio_done_hash; a copy of body).
 * Without memory it is not kept: a copy of the request then runs the
 * handler again, as before. */
static void radio_done_keep(struct radio *r, const char *addr, const coap_pdu_t *req, uint32_t h,
			    unsigned code, unsigned ct, const uint8_t *body, size_t len, uint64_t now)
{
	coap_bin_const_t tok = coap_pdu_get_token(req);
	struct radio_done *d;

	if (!r->done_slot && !(r->done_slot = mem_calloc(RADIO_DONE_SLOTS, sizeof(*r->done_slot))))
		return;
	if (len > RADIO_DONE_BYTES || tok.length > RADIO_TOKEN_MAX || !(d = mem_calloc(1, sizeof(*d))))
		return;
	if (len && !(d->body = mem_alloc(len))) {
		mem_free(d);
		return;
	}
	if (len)
		memcpy(d->body, body, len);
	snprintf(d->addr, sizeof(d->addr), "%s", addr);
	d->mid = (uint16_t)coap_pdu_get_mid(req);
	if (tok.length)
		memcpy(d->token, tok.s, tok.length);
	d->toklen = tok.length;
	d->code = code;
	d->ct = ct;
	d->len = len;
	d->at_ms = now;
	d->hash = h;
	while (r->done && (r->ndone >= RADIO_DONE_MAX || r->done_bytes + len > RADIO_DONE_BYTES))
		radio_done_drop_first(r);
	d->hnext = r->done_slot[d->hash % RADIO_DONE_SLOTS];
	r->done_slot[d->hash % RADIO_DONE_SLOTS] = d;
	if (r->done_last)
		r->done_last->next = d;
	else
		r->done = d;
	r->done_last = d;
	r->ndone++;
	r->done_bytes += len;
}

/* R7: a copy of a POST answered before gets that answer again. */
static bool radio_done_again(struct radio *r, coap_resource_t *res, coap_session_t *sess, const coap_pdu_t *req,
			     const coap_string_t *query, const char *addr, uint32_t h, uint64_t now,
			     coap_pdu_t *resp)
{
	const struct radio_done *d = radio_done_find(r, addr, req, h, now);
	uint8_t *body = NULL;

	if (!d)
		return false;
	if (d->len && !(body = mem_alloc(d->len))) {
		radio_code(resp, 503);
		return true;
	}
	if (d->len)
		memcpy(body, d->body, d->len);
	r->st.answered_again++;
	radio_answer(r, res, sess, req, query, addr, d->code, d->ct, body, d->len, resp);
	return true;
}

/* Steps 5 and 6: the handler (or the link list, for discovery) answers
 * rq; with keep (a POST's radio_done_hash) the answer is kept for its
 * copies (R7). Returns nothing: resp holds the answer, 5.00 when it did
 * not fit response_max, 4.01 with Echo when it would cross R2. */
static void radio_reply(struct radio *r, coap_resource_t *res, coap_session_t *sess, const coap_pdu_t *req,
			const coap_string_t *query, const struct radio_resource *rd,
			const struct radio_req *rq, const uint32_t *keep, uint64_t now, coap_pdu_t *resp)
{
	struct radio_resp rs = { .code = 205, .ct = rd->ct };

	buf_init(&rs.body, r->opt.response_max);
	if (rd == &radio_wellknown)
		radio_links(r, &rs.body);
	else
		r->opt.serve(r->opt.serve_arg, rq, &rs);
	if (rs.body.err) {
		radio_code(resp, 500);
		buf_release(&rs.body);
		return;
	}
	if (keep)
		radio_done_keep(r, rq->peer, req, *keep, rs.code, rs.ct, rs.body.data, rs.body.len, now);
	radio_answer(r, res, sess, req, query, rq->peer, rs.code, rs.ct, rs.body.data, rs.body.len, resp);
	rs.body.data = NULL; /* taken by radio_answer */
	buf_release(&rs.body);
}

static void radio_handle(coap_resource_t *res, coap_session_t *sess, const coap_pdu_t *req,
			 const coap_string_t *query, coap_pdu_t *resp)
{
	struct radio *r = coap_get_app_data(coap_session_get_context(sess));
	const struct radio_resource *rd = coap_resource_get_userdata(res);
	char addr[RADIO_ADDR_MAX], q[RADIO_QUERY_MAX];
	size_t len = 0, off = 0, total = 0;
	const uint8_t *data = NULL;
	struct radio_rx *x = NULL;
	coap_block_t b2;
	uint32_t h = 0;
	uint64_t now = radio_now_ms();

	radio_addr_str(coap_session_get_addr_remote(sess), addr, sizeof(addr));
	if (!coap_get_data_large(req, &len, &data, &off, &total)) {
		len = off = 0;
		data = NULL;
	}
	r->st.requests++;
	r->st.bytes_in += len;
	radio_rx_expire(r, now);
	if (!radio_admit(r, req, addr, len, now, resp))
		return;

	enum radio_method m = coap_pdu_get_code(req) == COAP_REQUEST_CODE_POST ? RADIO_POST : RADIO_GET;
	bool validated = radio_guard_validated(r->guard, addr);
	if (m == RADIO_POST && !validated) { /* step 4, before any block is kept */
		radio_echo_reply(r, addr, resp);
		return;
	}

	if (m == RADIO_POST) { /* R7: its hash, once */
		h = radio_done_hash(addr, req);
		if (radio_done_again(r, res, sess, req, query, addr, h, now, resp))
			return;
	}
	/* R6: libcoap serves the later blocks of a response it holds; a POST
	 * that asks for one here asks for an answer that is gone. */
	if (m == RADIO_POST && coap_get_block(req, COAP_OPTION_BLOCK2, &b2) && b2.num > 0) {
		radio_code(resp, 408);
		return;
	}

	if (!radio_rx_body(r, req, addr, now, &data, &len, &x, resp))
		return;
	radio_query_app(query, q, sizeof(q));
	struct radio_req rq = { .method = m, .path = rd->path, .query = q, .body = data,
				.len = len, .peer = addr, .validated = validated };
	radio_reply(r, res, sess, req, query, rd, &rq, m == RADIO_POST ? &h : NULL, now, resp);
	if (x)
		radio_rx_drop(r, x);
}

/* Is the address free? libcoap binds with SO_REUSEADDR, which lets a
 * second server share a UDP port that another one (with the same option)
 * holds and silently split its requests; a plain socket is refused. */
static int radio_port_free(const coap_address_t *a)
{
	int fd = socket(a->addr.sa.sa_family, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	int rc = bind(fd, &a->addr.sa, a->size) == 0 ? 0 : -errno;
	close(fd);
	return rc;
}

static int radio_listen(struct radio *r, const char *listen)
{
	char host[RADIO_ADDR_MAX];
	coap_address_t a;
	int rc;

	if ((rc = radio_listen_parse(listen, host, sizeof(host), &r->port)))
		return rc;
	if ((rc = radio_resolve(host, r->port, &a)) || (rc = radio_port_free(&a)))
		return rc;
	if (!coap_new_endpoint(r->ctx, &a, COAP_PROTO_UDP))
		return -EADDRINUSE;
	r->attrs = mem_calloc(r->opt.nres + 1, sizeof(char *));
	if (!r->attrs)
		return -ENOMEM;
	for (size_t i = 0; i < r->opt.nres; i++) {
		const struct radio_resource *rd = &r->opt.res[i];
		coap_resource_t *res = coap_resource_init(coap_make_str_const(rd->path), 0);
		char ct[12];
		if (!res)
			return -ENOMEM;
		if (rd->get)
			coap_register_request_handler(res, COAP_REQUEST_GET, radio_handle);
		if (rd->post)
			coap_register_request_handler(res, COAP_REQUEST_POST, radio_handle);
		r->attrs[i] = mem_alloc(strlen(rd->rt) + 3);
		if (!r->attrs[i])
			return -ENOMEM;
		sprintf(r->attrs[i], "\"%s\"", rd->rt);
		snprintf(ct, sizeof(ct), "%u", rd->ct);
		coap_add_attr(res, coap_make_str_const("rt"), coap_make_str_const(r->attrs[i]), 0);
		coap_add_attr(res, coap_make_str_const("ct"), coap_new_str_const((const uint8_t *)ct, strlen(ct)),
			      COAP_ATTR_FLAGS_RELEASE_VALUE);
		coap_resource_set_userdata(res, (void *)rd);
		coap_add_resource(r->ctx, res);
	}
	coap_resource_t *wk = coap_resource_init(coap_make_str_const(radio_wellknown.path), 0);
	if (!wk)
		return -ENOMEM;
	coap_register_request_handler(wk, COAP_REQUEST_GET, radio_handle);
	coap_resource_set_userdata(wk, (void *)&radio_wellknown);
	coap_add_resource(r->ctx, wk);
	return 0;
}

/* ---- client ------------------------------------------------------------ */

static struct radio_peer *radio_peer_of(struct radio *r, coap_session_t *s)
{
	for (struct radio_peer *p = r->peers; p; p = p->next)
		if (p->s == s)
			return p;
	return NULL;
}

static struct radio_call *radio_call_find(struct radio_peer *p, const uint8_t *tok, size_t n)
{
	for (struct radio_call *c = p->calls; c; c = c->next)
		if (c->toklen == n && memcmp(c->token, tok, n) == 0)
			return c;
	return NULL;
}

static void radio_call_end(struct radio_call *c, int rc, unsigned code)
{
	struct radio_peer *p = c->peer;
	struct radio_call **pp;
	for (pp = &p->calls; *pp; pp = &(*pp)->next)
		if (*pp == c) {
			*pp = c->next;
			break;
		}
	p->ncalls--;
	if (!rc)
		p->recv += c->resp.len;
	if (c->fn) /* never a NULL body, even when empty */
		c->fn(c->arg, rc, code, c->resp.data ? c->resp.data : (const uint8_t *)"", c->resp.len);
	buf_release(&c->resp);
	mem_free(c->body);
	mem_free(c);
}

/* How long one request may go without progress: libcoap's own
 * MAX_TRANSMIT_WAIT for one message, once per block of the request body,
 * and a second for good measure. libcoap ends a request itself when its
 * retransmissions run out; this is the backstop for the cases it does not
 * report (a block of a block-wise transfer given up under another token). */
static uint64_t radio_stall_ms(const struct radio_peer *p, size_t body)
{
	uint64_t wait = (uint64_t)p->link.ack_timeout_ms * ((2ULL << p->link.retransmit) - 1) * 3 / 2;
	return wait * (2 + body / p->link.block);
}

static int radio_call_send(struct radio_call *c)
{
	struct radio_peer *p = c->peer;
	coap_pdu_t *pdu;
	size_t toklen = 0;
	const char *seg;

	pdu = coap_new_pdu(COAP_MESSAGE_CON, c->m == RADIO_POST ? COAP_REQUEST_CODE_POST : COAP_REQUEST_CODE_GET,
			   p->s);
	if (!pdu)
		return -ENOMEM;
	coap_session_new_token(p->s, &toklen, c->token);
	c->toklen = toklen;
	coap_add_token(pdu, toklen, c->token);
	coap_add_option(pdu, COAP_OPTION_URI_PATH, strlen(c->path), (const uint8_t *)c->path);
	for (seg = c->query; *seg;) {
		size_t n = strcspn(seg, "&");
		if (n)
			coap_add_option(pdu, COAP_OPTION_URI_QUERY, n, (const uint8_t *)seg);
		seg += n;
		if (*seg == '&')
			seg++;
	}
	if (c->m == RADIO_POST && p->ncalls > 1) { /* R6: c is one of them */
		char r[16];
		int n = snprintf(r, sizeof(r), "r=%x", (unsigned)p->nposts++);
		coap_add_option(pdu, COAP_OPTION_URI_QUERY, (size_t)n, (const uint8_t *)r);
	}
	if (p->echolen)
		coap_add_option(pdu, COAP_OPTION_ECHO, p->echolen, p->echo);
	if (p->link.block < 1024) { /* ask for small response blocks at once (RFC 7959 §2.4) */
		uint8_t v[4];
		unsigned szx = 0;
		while ((16u << (szx + 1)) <= p->link.block && szx < 6)
			szx++;
		coap_add_option(pdu, COAP_OPTION_BLOCK2, coap_encode_var_safe(v, sizeof(v), szx), v);
	}
	if (c->len && !coap_add_data_large_request(p->s, pdu, c->len, c->body, NULL, NULL)) {
		coap_delete_pdu(pdu);
		return -ENOMEM;
	}
	if (coap_send(p->s, pdu) == COAP_INVALID_MID)
		return -EIO;
	p->sent += c->len;
	c->stall_at = radio_now_ms() + radio_stall_ms(p, c->len);
	return 0;
}

static coap_response_t radio_on_response(coap_session_t *s, const coap_pdu_t *sent,
					 const coap_pdu_t *rcvd, const coap_mid_t mid)
{
	struct radio *r = coap_get_app_data(coap_session_get_context(s));
	struct radio_peer *p = radio_peer_of(r, s);
	coap_bin_const_t tok = coap_pdu_get_token(rcvd);
	struct radio_call *c;
	size_t len = 0, off = 0, total = 0;
	const uint8_t *data = NULL;
	coap_block_t b2;
	coap_opt_iterator_t it;
	coap_opt_t *o;
	(void)sent;
	(void)mid;

	if (!p || !(c = radio_call_find(p, tok.s, tok.length)))
		return COAP_RESPONSE_OK;
	coap_pdu_code_t code = coap_pdu_get_code(rcvd);
	unsigned ucode = (unsigned)(code >> 5) * 100 + (code & 0x1f);
	if (ucode == 401 && !c->echoed && (o = coap_check_option(rcvd, COAP_OPTION_ECHO, &it)) &&
	    coap_opt_length(o) <= sizeof(p->echo)) {
		memcpy(p->echo, coap_opt_value(o), coap_opt_length(o));
		p->echolen = coap_opt_length(o);
		c->echoed = true;
		int rc = radio_call_send(c);
		if (rc)
			radio_call_end(c, rc, 0);
		return COAP_RESPONSE_OK;
	}
	if (!coap_get_data_large(rcvd, &len, &data, &off, &total)) {
		len = off = 0;
		data = NULL;
	}
	if (ucode / 100 != 2) { /* a final answer, even after some blocks (R6) */
		buf_reset(&c->resp);
		if (len)
			buf_put(&c->resp, data, len);
		radio_call_end(c, 0, ucode);
		return COAP_RESPONSE_OK;
	}
	if (len) {
		if (off != c->resp.len) { /* a block again or out of order: ignore */
			if (off + len <= c->resp.len)
				return COAP_RESPONSE_OK;
			radio_call_end(c, ERR_CORRUPT, ucode);
			return COAP_RESPONSE_OK;
		}
		buf_put(&c->resp, data, len);
		c->stall_at = radio_now_ms() + radio_stall_ms(p, 0); /* a block came: progress */
		if (c->resp.err) {
			radio_call_end(c, ERR_TOOBIG, ucode);
			return COAP_RESPONSE_OK;
		}
	}
	if (coap_get_block(rcvd, COAP_OPTION_BLOCK2, &b2) && b2.m)
		return COAP_RESPONSE_OK; /* libcoap asks for the next block */
	radio_call_end(c, 0, ucode);
	return COAP_RESPONSE_OK;
}

static void radio_on_nack(coap_session_t *s, const coap_pdu_t *sent, const coap_nack_reason_t reason,
			  const coap_mid_t mid)
{
	struct radio *r = coap_get_app_data(coap_session_get_context(s));
	struct radio_peer *p = radio_peer_of(r, s);
	struct radio_call *c;
	(void)mid;
	if (!p || !sent)
		return;
	coap_bin_const_t tok = coap_pdu_get_token(sent);
	if (!(c = radio_call_find(p, tok.s, tok.length)))
		return;
	radio_call_end(c, reason == COAP_NACK_TOO_MANY_RETRIES ? -ETIMEDOUT
			  : reason == COAP_NACK_RST || reason == COAP_NACK_ICMP_ISSUE ? -ECONNREFUSED
										    : -EIO,
		       0);
}

int radio_peer_new(struct radio *r, struct radio_peer **out, const char *host, unsigned port,
		   const struct radio_link *link)
{
	struct radio_peer *p;
	coap_address_t a;
	int rc;

	*out = NULL;
	if ((rc = radio_resolve(host, port, &a)))
		return rc;
	p = mem_calloc(1, sizeof(*p));
	if (!p)
		return -ENOMEM;
	p->r = r;
	if (link)
		p->link = *link;
	if (!p->link.ack_timeout_ms)
		p->link.ack_timeout_ms = 2000;
	if (p->link.ack_timeout_ms < 1000) /* libcoap 4.3 refuses less than a second */
		p->link.ack_timeout_ms = 1000;
	if (!p->link.retransmit)
		p->link.retransmit = 4;
	if (!p->link.window)
		p->link.window = 4;
	if (!p->link.block)
		p->link.block = 1024;
	if (p->link.frame && p->link.block + RADIO_FRAME_SPARE > p->link.frame) {
		mem_free(p);
		return ERR_USAGE;
	}
	p->s = coap_new_client_session(r->ctx, NULL, &a, COAP_PROTO_UDP);
	if (!p->s) {
		mem_free(p);
		return -EIO;
	}
	coap_session_set_ack_timeout(p->s, (coap_fixed_point_t){ p->link.ack_timeout_ms / 1000,
								 p->link.ack_timeout_ms % 1000 });
	coap_session_set_max_retransmit(p->s, p->link.retransmit);
	coap_session_set_nstart(p->s, p->link.window);
	if (p->link.frame) /* see RADIO_MTU_SLACK */
		coap_session_set_mtu(p->s, p->link.frame + RADIO_MTU_SLACK);
	else if (p->link.block < 1024)
		coap_session_set_mtu(p->s, p->link.block + RADIO_FRAME_SPARE);
	p->next = r->peers;
	r->peers = p;
	*out = p;
	return 0;
}

void radio_peer_cancel(struct radio_peer *p)
{
	while (p->calls)
		radio_call_end(p->calls, -ECANCELED, 0);
}

void radio_peer_free(struct radio_peer *p)
{
	struct radio_peer **pp;
	if (!p)
		return;
	radio_peer_cancel(p);
	for (pp = &p->r->peers; *pp; pp = &(*pp)->next)
		if (*pp == p) {
			*pp = p->next;
			break;
		}
	coap_session_release(p->s);
	mem_free(p);
}

int radio_peer_request(struct radio_peer *p, enum radio_method m, const char *path,
		       const char *query, const uint8_t *body, size_t len, radio_done_fn fn,
		       void *arg)
{
	struct radio_call *c;
	int rc;

	if (strlen(path) >= RADIO_PATH_MAX || (query && strlen(query) >= RADIO_QUERY_MAX))
		return ERR_USAGE;
	c = mem_calloc(1, sizeof(*c));
	if (!c)
		return -ENOMEM;
	c->peer = p;
	c->m = m;
	snprintf(c->path, sizeof(c->path), "%s", path);
	snprintf(c->query, sizeof(c->query), "%s", query ? query : "");
	c->fn = fn;
	c->arg = arg;
	buf_init(&c->resp, p->r->opt.response_max);
	if (len) {
		c->body = mem_alloc(len);
		if (!c->body) {
			mem_free(c);
			return -ENOMEM;
		}
		memcpy(c->body, body, len);
		c->len = len;
	}
	c->next = p->calls;
	p->calls = c;
	p->ncalls++;
	if ((rc = radio_call_send(c))) {
		c->fn = NULL;
		radio_call_end(c, rc, 0);
	}
	return rc;
}

size_t radio_peer_inflight(const struct radio_peer *p)
{
	return p->ncalls;
}

void radio_peer_bytes(const struct radio_peer *p, uint64_t *sent, uint64_t *recv)
{
	*sent = p->sent;
	*recv = p->recv;
}

/* ---- the context ------------------------------------------------------- */

int radio_new(struct radio **out, const struct radio_options *opt)
{
	static bool started;
	struct radio *r;
	uint8_t secret[32];
	int rc;

	*out = NULL;
	if (!started) {
		coap_startup();
		coap_set_log_level(LOG_EMERG);
		started = true;
	}
	r = mem_calloc(1, sizeof(*r));
	if (!r)
		return -ENOMEM;
	if (opt)
		r->opt = *opt;
	if (r->opt.coap_log > 0)
		coap_set_log_level((coap_log_t)r->opt.coap_log);
	if (!r->opt.response_max)
		r->opt.response_max = (size_t)1 << 20;
	radio_limits_default(&r->opt.limits);
	if (getrandom(secret, sizeof(secret), 0) != (ssize_t)sizeof(secret)) {
		rc = -EIO;
		goto fail;
	}
	if ((rc = radio_guard_new(&r->guard, &r->opt.limits, secret, sizeof(secret))))
		goto fail;
	memset(secret, 0, sizeof(secret));
	r->ctx = coap_new_context(NULL);
	if (!r->ctx) {
		rc = -ENOMEM;
		goto fail;
	}
	coap_set_app_data(r->ctx, r);
	coap_context_set_block_mode(r->ctx, COAP_BLOCK_USE_LIBCOAP);
	coap_context_set_max_idle_sessions(r->ctx, (unsigned)r->opt.limits.max_peers);
	coap_register_response_handler(r->ctx, radio_on_response);
	coap_register_nack_handler(r->ctx, radio_on_nack);
	if (r->opt.listen && (rc = radio_listen(r, r->opt.listen)))
		goto fail;
	*out = r;
	return 0;
fail:
	radio_free(r);
	return rc;
}

void radio_free(struct radio *r)
{
	if (!r)
		return;
	while (r->peers)
		radio_peer_free(r->peers);
	while (r->rx)
		radio_rx_drop(r, r->rx);
	while (r->done)
		radio_done_drop_first(r);
	mem_free(r->done_slot);
	if (r->ctx)
		coap_free_context(r->ctx);
	if (r->attrs)
		for (size_t i = 0; i < r->opt.nres; i++)
			mem_free(r->attrs[i]);
	mem_free(r->attrs);
	radio_guard_free(r->guard);
	mem_free(r);
}

unsigned radio_port(const struct radio *r)
{
	return r->port;
}

int radio_run(struct radio *r, unsigned timeout_ms)
{
	int rc = coap_io_process(r->ctx, timeout_ms ? timeout_ms : COAP_IO_NO_WAIT);
	uint64_t now = radio_now_ms();
	for (struct radio_peer *p = r->peers; p; p = p->next) { /* R5 backstop */
		struct radio_call *c = p->calls, *next;
		for (; c; c = next) {
			next = c->next;
			if (now >= c->stall_at)
				radio_call_end(c, -ETIMEDOUT, 0);
		}
	}
	return rc < 0 ? -EIO : 0;
}

void radio_stats_get(const struct radio *r, struct radio_stats *out)
{
	*out = r->st;
}
