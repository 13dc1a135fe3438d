/* SPDX-License-Identifier: MIT */
/*
 * net.h - what the network files of node/ share (cmd_serve.c, cmd_sync.c,
 * cmd_linksim.c, netconf.c, link.c): the network configuration, the
 * server side of the sync resources, and one sync exchange with a peer
 * driven over radio/.
 *
 * The wiring. radio/ moves request and response bodies and owns the
 * requests; sync/ turns messages into merges and owns the messages.
 * link.c is the only place that knows both: it makes a sync session the
 * argument of a struct radio_port (radio/radio.h) and hands that port to
 *   - radio/ports.c as a server: POST /s?k=KEY gives the body to the
 *     port (session) of KEY, a responder, and answers with a flags byte
 *     and the messages it wants sent back; GET /vv lists the version
 *     vector as text (docs/protocol.md "CoAP resources");
 *   - radio/xchg.c as a client (struct node_xchg): an initiator session,
 *     up to `window` POSTs in flight, until both sides are idle; then the
 *     peer's version vector is fetched and compared with this node's.
 *
 * Ownership: a node_net_server borrows the node_ctx (store, sync context)
 * and the radio; an exchange borrows the node_ctx and owns its radio peer.
 */
#ifndef CUNLIAN_NODE_NET_H
#define CUNLIAN_NODE_NET_H

#include <stdbool.h>
#include <stdint.h>

#include "node/log.h"
#include "node/node.h"
#include "radio/radio.h"

#define NODE_PEERS_MAX 32
#define NODE_URI_MAX 128

struct node_net_peer {
	char uri[NODE_URI_MAX];
	char host[RADIO_ADDR_MAX];
	unsigned port;
	struct radio_link link;
	unsigned interval_s; /* between syncs with this peer; 0: node.conf's interval
				(profile=lora: NODE_LORA_INTERVAL_S) */
	/* LoRa batching (link.c B1-B5): this node's own new records wait at
	 * most batch_s seconds for the next exchange that finds something
	 * new at the peer; 0: sent at the next exchange (any link but LoRa,
	 * and `cunlian sync` by hand). batch_set: the line said batch=. */
	unsigned batch_s;
	bool batch_set;
	/* Set by serve, not read from node.conf: an exchange of this run
	 * compared the digests with this peer and they agreed, so the check
	 * asks none (link.c B7). */
	bool light;
};

/* The default time between syncs over a LoRa link (profile=lora): an idle
 * sync there is one probe of about 0.4 s of airtime (link.c P1), so a
 * week of them stays under a minute (docs/config.md). */
#define NODE_LORA_INTERVAL_S 7200
/* The default longest wait of a LoRa station's own new records
 * (lora_batch, docs/config.md; link.c B1-B5): a session costs seconds of
 * airtime whatever it carries, so the day's records go together. */
#define NODE_LORA_BATCH_S 43200
/* The chunk size of a station whose peer is over LoRa and whose
 * node.conf names no chunk: one signed chunk per batch when it fits. */
#define NODE_LORA_CHUNK 4096

/* The network keys of node.conf (docs/config.md). */
struct node_net_conf {
	char listen[RADIO_ADDR_MAX + 8];
	char http[RADIO_ADDR_MAX + 8]; /* the web pages' ADDR:PORT; "" none */
	/* the station's Wi-Fi for the residents' poster (web/kiosk.c); "" none */
	char wifi_ssid[33], wifi_password[64];
	struct node_net_peer peer[NODE_PEERS_MAX];
	size_t npeers;
	unsigned interval_s;    /* between syncs with a peer; 300 */
	unsigned backoff_max_s; /* longest wait while a peer is unreachable; 3600 */
	unsigned sync_timeout_s;/* give one exchange up after; 120 */
	size_t chunk;           /* sync chunk bytes on CoAP links; SYNC_CHUNK_IP (2048,
				   two blocks; NODE_LORA_CHUNK with a LoRa peer, unless
				   chunk_set) */
	bool chunk_set;         /* node.conf said chunk = */
	unsigned lora_batch_s;  /* batch_s of LoRa peers without batch=; NODE_LORA_BATCH_S */
	size_t max_sessions;    /* sync sessions served at once; 64 */
	struct radio_limits limits;
	struct radio_link link; /* defaults for peers */
	int log;                /* log.h level; -1: the default */
	int compact_keep_days;  /* log compaction's retention; -1: the role's (app/compact.h), 0: off */
};

/* Defaults, then the network keys of path. On a bad line: ERR_USAGE, with
 * *line and why (a message id) set; unknown keys belong to others and are
 * skipped. */
int node_net_conf_read(const char *path, struct node_net_conf *c, int *line, enum node_msg_id *why);
/* Is v an address the web pages can listen on: IPv4ADDR:PORT? */
bool node_net_http_ok(const char *v);
/* Parse one peer value "coap://HOST[:PORT] [key=value ...]". */
int node_net_peer_parse(const char *v, const struct radio_link *defaults, struct node_net_peer *p,
			enum node_msg_id *why);
/* A peer over LoRa without its own batch= takes c's lora_batch. */
void node_net_peer_batch(const struct node_net_conf *c, struct node_net_peer *p);

/* Recreate ctx->app.sync for CoAP links: chunks of at most chunk bytes (a
 * commit larger than that travels alone in a larger chunk, block-wise:
 * sync/delta.c D7). */
int node_net_sync_open(struct node_ctx *ctx, size_t chunk);

/* One request to uri ("coap://HOST[:PORT]") and its answer: POST body
 * to path, wait up to timeout_ms; *code and the body appended to resp.
 * ERR_USAGE for a bad uri, < 0 when no answer came. */
int node_net_post(struct node_ctx *ctx, const char *uri, const char *path, const uint8_t *body,
		  size_t len, uint64_t timeout_ms, unsigned *code, struct buf *resp);

/* ---- server ----------------------------------------------------------- */

extern const struct radio_resource node_net_resources[];
extern const size_t node_net_nresources;

struct node_net_server;
typedef void (*node_net_seen_fn)(void *arg, const char *addr);
int node_net_server_new(struct node_net_server **out, struct node_ctx *ctx, size_t max_sessions);
void node_net_server_free(struct node_net_server *s);
/* The radio serve callback (arg: the server). */
void node_net_serve(void *arg, const struct radio_req *req, struct radio_resp *resp);
/* Time passes (call once a turn of the loop, after radio_run): the
 * deltas applied in the turn, from every station, become durable in one
 * transaction and only then are acknowledged; idle sessions expire and
 * are logged. */
void node_net_server_tick(struct node_net_server *s, uint64_t now_ms);
void node_net_server_on_seen(struct node_net_server *s, node_net_seen_fn fn, void *arg);
void node_net_server_log(struct node_net_server *s, const struct node_log *log);

/* ---- client exchange -------------------------------------------------- */

/* Snapshots (issue 15; sync/snap.c). The scopes a station holds nothing
 * of from anyone but itself (and the county root, whose feed always comes
 * by sync): a new board after enrol or join. None on a hub. */
int node_net_snap_needed(struct node_ctx *ctx, char scopes[2][CRDT_SCOPE_MAX + 1], size_t *n);
/* GET /snap?s=SCOPE from peer over r, then check and import it
 * (sync_snapshot_apply: a refusal changes nothing; info->why says why).
 * *bytes: the snapshot's size. ERR_NOTFOUND: the peer serves none (not a
 * hub); -ETIMEDOUT, -EPROTO, or the refusal's code. */
int node_net_snap_fetch(struct node_ctx *ctx, struct radio *r, const struct node_net_peer *peer,
			const char *scope, uint64_t timeout_ms, struct sync_snap_info *info, size_t *bytes);

/* GET /snap?s=SCOPE from peer over r: the answer's bytes appended to
 * body (ceiling SYNC_SNAP_MAX), unchecked. ERR_NOTFOUND: the peer has none
 * to give (4.04), ERR_TOOBIG, -ETIMEDOUT, -EPROTO. */
int node_net_snap_get(struct node_ctx *ctx, struct radio *r, const struct node_net_peer *peer,
		      const char *scope, uint64_t timeout_ms, struct buf *body);

/* ---- kept snapshots (snapkeep.c K1-K5; docs/replica.md R9) ----------- */

#define NODE_SNAP_WANTS 16
/* The scopes stations asked this node for a snapshot of that it could
 * not give (K5). */
struct node_snap_wants {
	size_t n;
	char scope[NODE_SNAP_WANTS][CRDT_SCOPE_MAX + 1];
};
/* Keep p (len bytes, a snapshot of scope this node checked) as the kept
 * snapshot of scope (K1, K2): 0 kept, 1 a kept one made as late or later
 * stays (unless force: the kept one is not usable), or -errno /
 * ERR_CORRUPT. */
int node_snap_keep(struct node_ctx *ctx, const char *scope, const uint8_t *p, size_t len, bool force);
/* Check a snapshot of scope for keeping or passing on: sync_snapshot_check
 * (nosig: K4, only the header and the heads), then K3. 0, -ESTALE (this
 * node pruned past it), or the check's code with info->why. */
int node_snap_check(struct node_ctx *ctx, const char *scope, const uint8_t *p, size_t len,
		    const uint8_t *peer, bool nosig, struct sync_snap_info *info);
/* The kept snapshot of scope, appended to out when it is usable (K3,
 * K4): 0; ERR_NOTFOUND (none kept), -ESTALE, or the check's code (a kept
 * file that cannot be read: info->why). */
int node_snap_kept(struct node_ctx *ctx, const char *scope, struct buf *out, struct sync_snap_info *info);
/* Keep the snapshot file at path (a bundle import took it): read again,
 * checked in full (signature, signer, K3), then kept. 0, 1 (a newer one
 * stays), or the reason it was not. Nothing on a hub. */
int node_snap_keep_file(struct node_ctx *ctx, const char *scope, const char *path);
/* Remember scope (false: the list is full); forget it. */
bool node_snap_want(struct node_snap_wants *w, const char *scope);
void node_snap_unwant(struct node_snap_wants *w, const char *scope);
/* The server's list of wanted scopes (lives as long as the server). */
struct node_snap_wants *node_net_server_wants(struct node_net_server *s);

struct node_xchg;
struct node_xchg_result {
	int rc;             /* 0, or why it failed (-ETIMEDOUT, ...) */
	bool converged;     /* the version vectors agree, and so does the state
			       of every scope both hold (the digests) */
	bool probed;        /* converged by the probe alone: nothing was new
			       (link.c P1; the digests were not compared) */
	size_t differ;      /* feeds that differ */
	size_t digest_differ; /* shared scopes whose state differs all the same */
	size_t digests;     /* shared scopes whose digests were compared */
	char digest_scope[CRDT_SCOPE_MAX + 2]; /* one of them ("-": county-wide) */
	uint64_t msgs_out, msgs_in, bytes_out, bytes_in;
	uint64_t copies;    /* requests sent again in a fresh CoAP request (link.c X5) */
	uint64_t waiting;   /* own new commits left for a later exchange (B3) */
	uint64_t wait_ms;   /* when waiting: the oldest of them is due in this */
	struct sync_report rep;
	uint64_t ms;
};
/* rp: a radio peer to use (borrowed; the daemon keeps one per peer so
 * its address stays validated at the server), or NULL to make one. */
int node_xchg_new(struct node_xchg **out, struct node_ctx *ctx, struct radio *r,
		  const struct node_net_peer *peer, struct radio_peer *rp, uint64_t timeout_ms);
void node_xchg_free(struct node_xchg *x);
/* Advance (call after radio_run); true when finished, *res filled. */
bool node_xchg_step(struct node_xchg *x, struct node_xchg_result *res);

/* Commits and messages refused for good (a session never counts a gap
 * as a refusal: it holds the chunk until the gap fills). */
uint64_t node_net_refused(const struct sync_report *r);

/* Wall clock and monotonic clock, ms. */
uint64_t node_net_wall_ms(void);
uint64_t node_net_mono_ms(void);

/* Log compaction from serve (cmd_compact.c): when one is due (none
 * in the last day) or going (the last call said more), run one bounded
 * transaction of it (sync/compact.c R7) and log what went; true when
 * there is more to do (call again next turn). keep_days as node.conf's
 * compact_keep_days (-1: the role's; 0: never). */
bool node_compact_daily(struct node_ctx *ctx, const struct node_log *log, int keep_days, uint64_t wall_ms,
			bool going);

/* ---- logs ------------------------------------------------------------- */

/* One log line (node/log.h) from a message of the i18n table; the
 * messages name peers by address and count bytes: never personal data. */
void node_net_log(const struct node_ctx *ctx, const struct node_log *l, int level,
		  enum node_msg_id id, ...);

/* cmd_serve.c: held by a running serve; holds the path of its config. */
#define NODE_SERVE_LOCK "serve.lock"
/* The config file the service reads: --config, else the one a serve of
 * this home last named in serve.lock, else the system's
 * (NODE_SYSTEM_CONF) when present, else node.conf (cmd_node.c). */
#define NODE_SYSTEM_CONF "/etc/cunlian/cunlian.conf"
void node_service_conf(struct node_ctx *ctx, const char *given, char *out, size_t n);

#endif
