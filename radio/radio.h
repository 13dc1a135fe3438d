/* SPDX-License-Identifier: MIT */
/*
 * radio.h - links: CoAP over UDP (libcoap), the guard that bounds what a
 * server gives strangers, a seeded link simulator (in-process and as a
 * UDP relay), and LoRa serial framing.
 *
 * Concept. radio/ moves opaque byte strings; it knows nothing of the sync
 * session. A server (struct radio with a listen address) exposes the
 * resources node/ lists and hands every complete request body to one
 * handler, which fills the response: request -> response, nothing more.
 * A client (struct radio_peer on the same struct radio) sends requests to
 * one peer, several in flight at once, and gets each complete response
 * body through a callback. Bodies of any size travel block-wise
 * (RFC 7959, libcoap's COAP_BLOCK_USE_LIBCOAP); radio/ reassembles them
 * itself so it can bound the bytes held per peer and in total.
 *
 * Invariants:
 *  R1. A server never holds more than limits.peer_bytes of unfinished
 *      request bodies for one peer, nor limits.total_bytes for all.
 *  R2. A server never sends an address it has not validated more than
 *      limits.amp (3) times the bytes it received from it; a response that
 *      would cross that is replaced by 4.01 with an Echo option
 *      (RFC 9175), and a request that echoes it validates the address.
 *  R3. Requests over limits.rate per second (burst limits.burst) from one
 *      address are answered 5.03 and reach no handler.
 *  R4. At most limits.max_peers addresses are tracked; a new address
 *      beyond that evicts the least recently seen unvalidated one, or is
 *      answered 5.03.
 *  R5. Every request a client makes ends in exactly one call of its
 *      callback: a response, or -ETIMEDOUT after the link's
 *      retransmissions, or -ECANCELED when the peer is freed.
 *  R6. Requests in flight at once to the same resource and query each
 *      get their own whole response, however many blocks it takes: a
 *      POST sent while another request to the peer is in flight carries
 *      a Uri-Query "r=N" the server strips before its handler; a handler
 *      runs once per POST, never again for a later block of its response.
 *  R7. A copy of a POST (the same address, message ID, token and
 *      payload: the client's retransmission after a lost answer, of a
 *      whole body or of its last block) gets the answer the first one got,
 *      without the handler running again, while the server keeps it: the
 *      last 4,096 POST answers, 8 MiB in all, for two minutes at most.
 *
 * Ownership. struct radio owns its libcoap context, sockets and peers;
 * radio_free() frees them all (pending requests end with -ECANCELED).
 * Request bodies passed in are copied; bodies passed to callbacks are
 * borrowed for the call. Thread safety: one thread per struct radio.
 *
 * Time. libcoap reads the monotonic clock itself; the simulator and the
 * LoRa framing take time as a parameter.
 *
 * Errors: 0 on success, negative codes of base/err.h or -errno.
 */
#ifndef CUNLIAN_RADIO_H
#define CUNLIAN_RADIO_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "base/buf.h"

#define RADIO_PORT 5683
#define RADIO_ECHO_LEN 8
#define RADIO_PATH_MAX 32
#define RADIO_QUERY_MAX 256
#define RADIO_ADDR_MAX 64 /* "[v6]:port" as text */

/* ---- link profiles and server limits --------------------------------- */

/* How to talk to one peer. Zero fields take the defaults. */
struct radio_link {
	unsigned ack_timeout_ms; /* CoAP ACK_TIMEOUT, >= 1000 (libcoap); 0: 2000 */
	unsigned retransmit;     /* CoAP MAX_RETRANSMIT; 0: 4 */
	unsigned window;         /* requests in flight (NSTART); 0: 4 */
	unsigned block;          /* block size, 16..1024 (power of 2); 0: 1024 */
	unsigned frame;          /* largest datagram the link carries (LoRa:
				  * RADIO_LORA_PAYLOAD), >= block + RADIO_FRAME_SPARE;
				  * 0: no limit */
};
/* What a request block needs beside its payload: CoAP header, token (8),
 * Uri-Path, Uri-Query (k=16 hex), Block1, Block2, Size1, Request-Tag,
 * Echo. A block of 128 bytes fits a LoRa frame of 197. */
#define RADIO_FRAME_SPARE 64

struct radio_limits {
	size_t max_peers;   /* addresses tracked; 0: 256 */
	size_t peer_bytes;  /* unfinished request bodies per peer; 0: 1 MiB */
	size_t total_bytes; /* unfinished request bodies in all; 0: 16 MiB */
	unsigned rate;      /* requests per second per address; 0: 200 */
	unsigned burst;     /* bucket size; 0: 2 * rate */
	unsigned amp;       /* amplification factor before validation; 0: 3 */
};

void radio_limits_default(struct radio_limits *l);

/* ---- the guard (pure logic, guard.c; coap.c uses it, tests drive it) -- */

struct radio_guard;
/* secret keys the Echo cookies (any bytes; 16 or more). */
int radio_guard_new(struct radio_guard **out, const struct radio_limits *lim,
		    const uint8_t *secret, size_t secret_len);
void radio_guard_free(struct radio_guard *g);
/* A request of n bytes arrived from addr at now_ms. 0: go on; -EAGAIN:
 * over the rate (R3); -EBUSY: no room to track addr (R4). */
int radio_guard_recv(struct radio_guard *g, const char *addr, size_t n, uint64_t now_ms);
/* May n more bytes go to addr (R2)? true also counts them as sent. */
bool radio_guard_send(struct radio_guard *g, const char *addr, size_t n);
/* Count n bytes sent that need no permission (small error replies). */
void radio_guard_sent(struct radio_guard *g, const char *addr, size_t n);
bool radio_guard_validated(const struct radio_guard *g, const char *addr);
/* The Echo value for addr; a request carrying it validates addr. */
void radio_guard_cookie(const struct radio_guard *g, const char *addr, uint8_t out[RADIO_ECHO_LEN]);
/* Check an echoed value; true (and addr validated) when it matches. */
bool radio_guard_echo(struct radio_guard *g, const char *addr, const uint8_t *v, size_t len);
/* Reassembly accounting (R1): take n more bytes for addr, or ERR_TOOBIG;
 * give them back when the body completes or is dropped. */
int radio_guard_hold(struct radio_guard *g, const char *addr, size_t n);
void radio_guard_unhold(struct radio_guard *g, const char *addr, size_t n);
size_t radio_guard_held(const struct radio_guard *g, const char *addr);
size_t radio_guard_held_total(const struct radio_guard *g);

/* ---- CoAP ------------------------------------------------------------ */

enum radio_method { RADIO_GET = 1, RADIO_POST = 2 };

/* A resource the server lists at /.well-known/core. */
struct radio_resource {
	const char *path;  /* one segment, e.g. "vv" */
	const char *rt;    /* resource type, e.g. "cunlian.vv" */
	unsigned ct;       /* content format: 0 text/plain, 42 octet-stream */
	bool get, post;
};

/* A complete request as the server hands it to node/. */
struct radio_req {
	enum radio_method method;
	const char *path;   /* the resource's path */
	const char *query;  /* "a=1&b=2", or "" */
	const uint8_t *body;
	size_t len;
	const char *peer;   /* the sender's address as text, for logs */
	bool validated;     /* the address echoed our cookie */
};

/* The handler's answer: code as class * 100 + detail (205 Content, 204
 * Changed, 400, 404, 413, 503), content format, body. The body buffer is
 * initialised (ceiling: the server's response_max) before the call. */
struct radio_resp {
	unsigned code;
	unsigned ct;
	struct buf body;
};
typedef void (*radio_serve_fn)(void *arg, const struct radio_req *req, struct radio_resp *resp);

struct radio;
struct radio_peer;

struct radio_options {
	const char *listen;  /* "HOST:PORT", "[V6]:PORT"; NULL: client only */
	struct radio_limits limits;
	size_t response_max; /* bytes of one response body; 0: 1 MiB */
	const struct radio_resource *res; /* borrowed; outlives the radio */
	size_t nres;
	radio_serve_fn serve;
	void *serve_arg;
	int coap_log;        /* libcoap's log level (0 emerg .. 7 debug) to stderr; 0: off */
};

int radio_new(struct radio **out, const struct radio_options *opt);
void radio_free(struct radio *r);
/* The bound port of the server (after "HOST:0"), or 0. */
unsigned radio_port(const struct radio *r);
/* Wait up to timeout_ms for I/O and handle it (0: do what is ready). */
int radio_run(struct radio *r, unsigned timeout_ms);
/* Server counters: requests refused per rule, for logs and tests. */
struct radio_stats {
	uint64_t requests, rate_refused, amp_refused, echo_validated, too_big, busy;
	uint64_t bytes_in, bytes_out;
	uint64_t answered_again; /* R7: copies of a POST given its kept answer */
};
void radio_stats_get(const struct radio *r, struct radio_stats *out);

/* Parse a listening address, "ADDR[:PORT]" or "[V6ADDR][:PORT]", where
 * ADDR is a numeric IPv4 or IPv6 address (no name, no coap://). 0, or
 * ERR_USAGE with host "". */
int radio_listen_parse(const char *s, char *host, size_t hostlen, unsigned *port);

/* Parse "coap://HOST[:PORT]" (or "HOST[:PORT]") into host and port. */
int radio_uri_parse(const char *uri, char *host, size_t hostlen, unsigned *port);

/* A client peer: resolves host (numeric or name) at creation. With
 * link->frame set, libcoap's MTU for the peer is that frame, and every
 * request asks for response blocks of link->block (Block2 in the first
 * request, RFC 7959 §2.4), so no datagram either way is larger; a block
 * that cannot fit the frame is refused (ERR_USAGE). */
int radio_peer_new(struct radio *r, struct radio_peer **out, const char *host, unsigned port,
		   const struct radio_link *link);
void radio_peer_free(struct radio_peer *p);
/* Done with a request: rc 0 and the CoAP code and body of the response,
 * or rc < 0 (-ETIMEDOUT, -ECANCELED, -ECONNREFUSED). */
typedef void (*radio_done_fn)(void *arg, int rc, unsigned code, const uint8_t *body, size_t len);
/* Send a request (body copied; may be NULL, 0). query may be NULL. */
int radio_peer_request(struct radio_peer *p, enum radio_method m, const char *path,
		       const char *query, const uint8_t *body, size_t len, radio_done_fn fn,
		       void *arg);
size_t radio_peer_inflight(const struct radio_peer *p);
/* End every pending request of p with -ECANCELED (late answers are
 * ignored). */
void radio_peer_cancel(struct radio_peer *p);
/* Bytes of request and response bodies so far (for logs). */
void radio_peer_bytes(const struct radio_peer *p, uint64_t *sent, uint64_t *recv);

/* ---- message ports: a protocol's messages over CoAP ------------------- */

/*
 * A port is the small interface through which radio/ carries the
 * messages of a protocol above it without knowing what they mean
 * (node/link.c fills one in with a sync session; radio/ never includes
 * sync/, nor sync/ radio/): messages out, bodies of messages in, and
 * time. Every call gets the wall clock in ms, which radio/ reads: the
 * protocol never reads a clock.
 *
 * Over CoAP (docs/protocol.md "CoAP resources"): the client POSTs
 * PATH?k=KEY with zero or more messages (one at most here), the server's
 * port for KEY takes them and answers with one flags byte
 * (RADIO_FLAG_IDLE: it has nothing queued or unacknowledged;
 * RADIO_FLAG_MORE: it stopped early and has more) and its messages.
 */
#define RADIO_FLAG_IDLE 0x01
#define RADIO_FLAG_MORE 0x02
struct radio_port {
	void *arg;
	/* The next message into out (reset first): 1, 0 when none, < 0. */
	int (*next)(void *arg, struct buf *out, uint64_t wall_ms);
	/* Messages for one response appended to out (not reset) while it
	 * holds fewer than soft bytes; the port may stop earlier (one large
	 * message a response). *more: it stopped early and has another
	 * message now. Returns messages appended, or < 0. */
	int (*pack)(void *arg, struct buf *out, size_t soft, uint64_t wall_ms, bool *more);
	/* A body of messages arrived (*n: how many it held). 0, or < 0 when
	 * the port cannot go on (out of memory, storage). */
	int (*take)(void *arg, const uint8_t *p, size_t len, uint64_t wall_ms, size_t *n);
	/* Time passes: queue what must be sent again. */
	int (*tick)(void *arg, uint64_t wall_ms);
	/* Nothing to send and nothing waiting for an answer. */
	bool (*idle)(void *arg);
};

/*
 * The client side (radio/xchg.c): one exchange with one peer through a
 * port, until the port is idle, the peer said IDLE in its latest answer
 * and no request is in flight; then one GET (final_path) whose answer
 * goes to final(port arg). Invariants X1-X6 are in radio/xchg.c (the
 * window, the fresh copies of a request on a lossy link, the polls).
 */
struct radio_xchg;
struct radio_xchg_options {
	const char *path;        /* the POST resource: "s" */
	const char *final_path;  /* GET when both sides are idle: "vv" */
	const char *final_query; /* may be NULL */
	int (*final)(void *arg, const uint8_t *body, size_t len); /* < 0 ends with it */
	uint64_t timeout_ms;     /* the whole exchange */
};
struct radio_xchg_result {
	int rc;             /* 0, or why it failed (-ETIMEDOUT, a port's error) */
	uint64_t msgs_out, msgs_in, bytes_out, bytes_in;
	uint64_t copies;    /* requests sent again in a fresh CoAP request (X5) */
	uint64_t ms;
};
/* rp: a radio peer to use (borrowed; it must have nothing in flight), or
 * NULL to make one for host:port over link. The port and the options
 * (their strings) are borrowed for the exchange's life. */
int radio_xchg_new(struct radio_xchg **out, struct radio *r, const char *host, unsigned port,
		   const struct radio_link *link, struct radio_peer *rp, const struct radio_port *p,
		   const struct radio_xchg_options *o);
void radio_xchg_free(struct radio_xchg *x);
/* Advance (call after radio_run); true when finished, *res filled. */
bool radio_xchg_step(struct radio_xchg *x, struct radio_xchg_result *res);

/*
 * The server side (radio/ports.c): a port per client key, made when a
 * key first comes, ended when quiet for quiet_ms or to make room (the
 * longest-quiet idle one). radio_ports_serve handles POST PATH?k=KEY
 * (1..32 lowercase hex digits): 4.00 without a key, 5.03 when no port
 * can be had, 5.00 when the port fails, else 2.04 with the flags byte
 * and the port's messages.
 */
struct radio_ports;
struct radio_port_stats {
	uint64_t msgs_in, msgs_out, bytes_in, bytes_out;
	uint64_t start_ms, last_ms; /* monotonic */
};
struct radio_ports_options {
	size_t max;         /* ports at once */
	uint64_t quiet_ms;  /* 0: 120000 */
	size_t soft;        /* response bytes a port packs; 0: 256 */
	void *arg;
	/* A new key from addr: fill *p, or < 0 to refuse it. */
	int (*open)(void *arg, const char *addr, struct radio_port *p);
	/* A request's body was taken, before its answer is packed (may be
	 * NULL). */
	void (*taken)(void *arg, const struct radio_port *p, const char *addr);
	/* A request of the port's was answered (may be NULL). */
	void (*served)(void *arg, const struct radio_port *p, const char *addr,
		       const struct radio_port_stats *st);
	/* The port ends (why: "done", "timeout", "stop"); free what p holds. */
	void (*close)(void *arg, const struct radio_port *p, const char *addr, const char *why,
		      const struct radio_port_stats *st);
};
int radio_ports_new(struct radio_ports **out, const struct radio_ports_options *o);
/* Ends every port ("stop"). */
void radio_ports_free(struct radio_ports *ps);
void radio_ports_serve(struct radio_ports *ps, const struct radio_req *req, struct radio_resp *resp);
/* Time passes (monotonic ms): end quiet ports. */
void radio_ports_tick(struct radio_ports *ps, uint64_t now_ms);
/* Call fn for every port there is now. */
void radio_ports_each(struct radio_ports *ps, void (*fn)(void *arg, const struct radio_port *p),
		      void *arg);

/* ---- link simulator --------------------------------------------------- */

/* What a simulated link does to datagrams, per direction. */
struct radio_sim_profile {
	double loss;          /* probability a datagram is lost */
	double dup;           /* probability it arrives twice */
	double reorder;       /* probability it is held back by extra delay */
	unsigned delay_ms;    /* one-way delay */
	unsigned jitter_ms;   /* + uniform 0..jitter */
	uint64_t bitrate;     /* bits per second; 0: unlimited */
	size_t mtu;           /* larger datagrams are dropped; 0: no limit */
	uint64_t duty_ms;     /* airtime allowed per duty_window_ms; 0: no limit */
	uint64_t duty_window_ms;
	bool half_duplex;     /* one direction on air at a time */
};
/* "gprs" (40 kbit/s, 600 ms RTT), "lora" (1,758 bit/s, 197-byte frames,
 * half duplex, ~1 % duty per hour off), "wifi", "perfect". */
int radio_sim_profile_named(struct radio_sim_profile *p, const char *name);

/* A partition: nothing passes in [from_ms, to_ms). */
struct radio_sim_cut {
	uint64_t from_ms, to_ms;
};

/*
 * The in-process simulator: two ends (0 and 1) of one link, a seeded
 * generator, and time as a parameter. send() queues a datagram at now;
 * recv() returns the next datagram due at or before now for that end.
 * Deterministic: the same seed and the same calls give the same
 * deliveries. Counters say what happened.
 */
struct radio_sim;
struct radio_sim_counters {
	uint64_t sent, delivered, lost, duplicated, reordered, too_big, cut, duty_dropped;
	uint64_t bytes_sent, bytes_delivered;
	uint64_t airtime_ms; /* time the medium was busy, both ways */
};
int radio_sim_new(struct radio_sim **out, const struct radio_sim_profile *p, uint64_t seed);
void radio_sim_free(struct radio_sim *s);
int radio_sim_cut_add(struct radio_sim *s, uint64_t from_ms, uint64_t to_ms);
/* Queue a datagram from end `from` at now_ms (copied). 0 even when the
 * link drops it (counted); -ENOMEM. */
int radio_sim_send(struct radio_sim *s, int from, const uint8_t *p, size_t len, uint64_t now_ms);
/* The next datagram for end `to` due by now_ms into out (reset first): 1,
 * or 0 when none is due. */
int radio_sim_recv(struct radio_sim *s, int to, struct buf *out, uint64_t now_ms);
/* When the next datagram for any end is due (UINT64_MAX: none queued). */
uint64_t radio_sim_next(const struct radio_sim *s);
/* When the medium is free again for end `from` to start sending. */
uint64_t radio_sim_free_at(const struct radio_sim *s, int from, uint64_t now_ms);
void radio_sim_counters_get(const struct radio_sim *s, struct radio_sim_counters *out);

/*
 * The relay: a UDP process-in-a-loop between clients and one server.
 * Datagrams arriving at listen from any client go to `to` through the
 * simulator (end 0 -> 1), and the server's answers go back to that client
 * (1 -> 0), each client through its own upstream socket. Loopback only is
 * what the tests use; the addresses are taken as given.
 */
struct radio_relay;
int radio_relay_new(struct radio_relay **out, const char *listen, const char *to,
		    const struct radio_sim_profile *p, uint64_t seed);
void radio_relay_free(struct radio_relay *r);
/* Move datagrams for up to timeout_ms (real time). */
int radio_relay_run(struct radio_relay *r, unsigned timeout_ms);
unsigned radio_relay_port(const struct radio_relay *r);
void radio_relay_counters(const struct radio_relay *r, struct radio_sim_counters *out);

/* ---- LoRa framing ----------------------------------------------------- */

/*
 * A CoAP datagram on a serial LoRa modem travels as one frame:
 *   0x7E, length (1 byte, 1..RADIO_LORA_PAYLOAD), payload, CRC-16/CCITT
 *   (2 bytes, big-endian, over length and payload), with 0x7E and 0x7D in
 *   everything after the flag escaped as 0x7D, byte ^ 0x20.
 * docs/protocol.md "LoRa framing" has the details.
 */
#define RADIO_LORA_PAYLOAD 197
#define RADIO_LORA_FLAG 0x7E
#define RADIO_LORA_ESC 0x7D
#define RADIO_LORA_FRAME_MAX (1 + 2 * (1 + RADIO_LORA_PAYLOAD + 2))

uint16_t radio_crc16(const uint8_t *p, size_t len);
/* Append the frame of p (1..RADIO_LORA_PAYLOAD bytes) to out; ERR_TOOBIG. */
int radio_lora_encode(struct buf *out, const uint8_t *p, size_t len);

/* The receiving side: feed bytes as they come; complete frames with a
 * good CRC come out, anything else is counted and skipped. */
struct radio_lora_rx {
	uint8_t frame[1 + RADIO_LORA_PAYLOAD + 2];
	size_t n;
	bool in, esc;
	uint64_t good, bad_crc, bad_len;
};
void radio_lora_rx_init(struct radio_lora_rx *rx);
/* Consume bytes [*pos, len) of p until one frame completes: returns 1 and
 * points out and out_len at the payload (valid until the next call), or 0
 * when p is used up. */
int radio_lora_rx_feed(struct radio_lora_rx *rx, const uint8_t *p, size_t len, size_t *pos,
		       const uint8_t **out, size_t *out_len);

/*
 * The LoRa adapter: a serial file descriptor (a modem, or a pty in
 * tests) carrying framed datagrams, half duplex: it sends only when
 * nothing has been heard for guard_ms, and never more than one frame per
 * airtime of the previous one.
 */
struct radio_lora;
struct radio_lora_options {
	unsigned bitrate;  /* modem air rate; 0: 1758 */
	unsigned guard_ms; /* quiet time before sending; 0: 50 */
};
int radio_lora_new(struct radio_lora **out, int fd, const struct radio_lora_options *opt);
void radio_lora_free(struct radio_lora *l); /* does not close fd */
/* Queue one datagram (<= RADIO_LORA_PAYLOAD). ERR_TOOBIG. */
int radio_lora_send(struct radio_lora *l, const uint8_t *p, size_t len);
/* Read what is there, write what may go (now_ms: the caller's clock).
 * Complete datagrams are passed to fn. */
int radio_lora_poll(struct radio_lora *l, uint64_t now_ms,
		    void (*fn)(void *arg, const uint8_t *p, size_t len), void *arg);
/* Frames queued and not yet written. */
size_t radio_lora_pending(const struct radio_lora *l);
/* Airtime of a frame of n payload bytes at the adapter's bitrate, ms. */
uint64_t radio_lora_airtime_ms(const struct radio_lora *l, size_t n);
/* Frames received with a bad CRC or length so far. */
void radio_lora_rx_errors(const struct radio_lora *l, uint64_t *bad_crc, uint64_t *bad_len);

/* ---- serial lines and the LoRa bridge (radio/bridge.c) ----------------- */

/*
 * Open a serial device for a LoRa modem: raw (no echo, no line editing,
 * no flow control, no CR/LF translation), 8 data bits, no parity, one
 * stop bit, at baud (1200 .. 230400, one of the standard rates), non
 * blocking and close-on-exec. *fd is -1 on failure. Errors: ERR_USAGE
 * for a rate that is not standard, ERR_NOTFOUND when path does not
 * exist, -ENOTTY when it is not a terminal, -errno otherwise.
 */
int radio_serial_open(const char *path, unsigned baud, int *fd);

/*
 * The bridge: CoAP (or any UDP) datagrams between a local UDP socket and
 * a serial LoRa modem, one datagram per frame (radio_lora). A datagram
 * arriving on the socket goes on the air; one heard on the air goes to
 * `to` when given (the hub's side: its cunlian serve), otherwise back to
 * whoever sent the last datagram to the socket (a station's side: its
 * cunlian sync or serve). Datagrams over RADIO_LORA_PAYLOAD bytes cannot
 * cross: they are dropped and counted (too_big, with the size of the
 * last one), never cut.
 *
 * Invariants:
 *  B1. Bounded: at most the adapter's queue of frames waits for the air;
 *      a datagram arriving at a full queue is dropped (queue_full) - the
 *      CoAP layer retransmits.
 *  B2. With `to` set, only datagrams from `to` go on the air (foreign
 *      counts the others): the air carries only that node's traffic.
 *  B3. A datagram heard on the air before anyone local is known (no `to`,
 *      nothing received yet) is dropped (no_dest).
 *
 * Ownership: the bridge owns its socket and borrows fd (the caller
 * closes it after radio_bridge_free). Time is the monotonic clock.
 */
struct radio_bridge;
struct radio_bridge_options {
	const char *udp; /* "HOST:PORT" to bind (":0" picks a port) */
	const char *to;  /* "HOST:PORT" for datagrams from the air, or NULL */
	struct radio_lora_options lora;
};
struct radio_bridge_counters {
	uint64_t udp_in, air_out, air_in, udp_out;
	uint64_t too_big, queue_full, foreign, no_dest, bad_crc, bad_len;
	size_t last_too_big; /* bytes of the last datagram too big for a frame */
};
int radio_bridge_new(struct radio_bridge **out, int fd, const struct radio_bridge_options *opt);
void radio_bridge_free(struct radio_bridge *b);
/* Move datagrams for up to timeout_ms. -ENODEV when the serial line hangs
 * up or fails (a modem unplugged). */
int radio_bridge_run(struct radio_bridge *b, unsigned timeout_ms);
unsigned radio_bridge_port(const struct radio_bridge *b);
void radio_bridge_counters(const struct radio_bridge *b, struct radio_bridge_counters *out);

/*
 * The air between two modems, for tests without radios: two pseudo-
 * terminals whose slave ends stand for the serial lines of two modems.
 * Frames written to one line cross the simulator (profile p, seed: loss,
 * airtime, half duplex, frames of at most RADIO_LORA_PAYLOAD bytes) in
 * real time and are written, framed again, to the other line. Bytes that
 * do not frame are dropped, as the modem would. The caller opens the
 * slaves by name.
 */
struct radio_air;
int radio_air_new(struct radio_air **out, const struct radio_sim_profile *p, uint64_t seed);
void radio_air_free(struct radio_air *a);
/* The device path of end 0 or 1 (e.g. /dev/pts/7), valid while a lives. */
const char *radio_air_name(const struct radio_air *a, int end);
int radio_air_run(struct radio_air *a, unsigned timeout_ms);
void radio_air_counters(const struct radio_air *a, struct radio_sim_counters *out);

#endif
