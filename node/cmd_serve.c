// SPDX-License-Identifier: MIT
/*
 * cmd_serve.c - `cunlian serve`: the node as a daemon. It serves the sync
 * resources over CoAP on the listen address, and starts an exchange with
 * each configured peer every interval (stations start, the hub serves,
 * so a station behind a NAT still syncs).
 *
 * Per peer:
 *
 *   state    event                               next
 *   -------  ----------------------------------  --------------------------
 *   WAIT     now >= next_at                      RUN (a new exchange)
 *   RUN      converged / both idle               WAIT, next_at = +interval,
 *                                                backoff reset
 *   RUN      unreachable, timeout                WAIT, next_at = +backoff,
 *                                                backoff doubles up to max
 *   WAIT     the peer's address sends us a       next_at = now
 *            request, or an interface came up
 *            (only while backing off)
 *
 * Signals come through a signalfd read in the loop (no handler, no global
 * flag): SIGTERM/SIGINT stop after the current loop turn (every chunk
 * applied is already durable and acknowledged only after, so stopping
 * anywhere loses nothing); SIGHUP rereads the network keys of the
 * configuration (peers, interval, limits; a new listen address needs a
 * restart). Interfaces are watched by hashing getifaddrs() every two
 * seconds: cheap, and needs no netlink privileges.
 */
#include <errno.h>
#include <ifaddrs.h>
#include <net/if.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <fcntl.h>
#include <sys/file.h>
#include <sys/signalfd.h>
#include <unistd.h>

#include "base/err.h"
#include "base/sha256.h"
#include "app/activity.h"
#include "node/net.h"
#include "web/web.h"

#define NOPTS(a) (sizeof(a) / sizeof((a)[0]))
#define NODE_IF_CHECK_MS 2000

struct node_serve_peer {
	struct node_net_peer cfg;
	struct node_xchg *x;
	struct radio_peer *rp; /* kept between exchanges: validated at the peer */
	uint64_t next_at, backoff_ms;
	bool failing;
	unsigned attempts;
	/* snapshots (issue 15): the peer said PRUNED; the exchange going
	 * on came right after snapshots were fetched */
	bool snap_pruned, snap_just;
	/* an exchange of this run compared the digests and they agreed:
	 * the next ones ask none (link.c B7) */
	bool digests_agreed;
};

struct node_serve {
	struct node_ctx *ctx;
	struct node_net_conf nc;
	char conf_path[NODE_PATH_MAX + 16];
	int lock;          /* serve.lock, held while serving (doctor), or -1 */
	struct web *web;   /* the web pages (--http, http =), or NULL */
	struct radio *r;
	struct node_net_server *srv;
	struct node_serve_peer peer[NODE_PEERS_MAX];
	size_t npeers;
	uint8_t ifhash[SHA256_LEN];
	uint64_t if_at;
	int sfd;
	const char *cli_peer;  /* --peer, kept over a reload */
	bool cli_listen;       /* --listen given */
	unsigned cli_interval; /* --interval, or 0 */
	int cli_log;           /* --log, or -1 */
	struct node_log log;
	bool once; /* --once: one round with every peer, then stop */
	/* activities (issue 17): the replica's HLC when the home last
	 * decided sign-ups */
	uint64_t act_hlc;
	uint64_t compact_at; /* when to see whether log compaction is due (mono ms) */
	uint64_t wall0, mono0; /* the run's wall clock (CUNLIAN_NOW_MS too) at mono0 */
	bool compacting;     /* a compaction is going on, a transaction a turn */
};

/* A digest of the interfaces that are up and their addresses. */
static void node_serve_ifhash(uint8_t out[SHA256_LEN])
{
	struct ifaddrs *ifa = NULL;
	struct sha256 h;
	sha256_init(&h);
	if (getifaddrs(&ifa) == 0) {
		for (struct ifaddrs *i = ifa; i; i = i->ifa_next) {
			if (!(i->ifa_flags & IFF_UP) || !i->ifa_addr)
				continue;
			sha256_update(&h, i->ifa_name, strlen(i->ifa_name));
			if (i->ifa_addr->sa_family == AF_INET)
				sha256_update(&h, &((struct sockaddr_in *)(void *)i->ifa_addr)->sin_addr, 4);
			else if (i->ifa_addr->sa_family == AF_INET6)
				sha256_update(&h, &((struct sockaddr_in6 *)(void *)i->ifa_addr)->sin6_addr, 16);
		}
		freeifaddrs(ifa);
	}
	sha256_final(&h, out);
}

static void node_serve_peers_load(struct node_serve *sv, uint64_t now)
{
	for (size_t i = 0; i < sv->npeers; i++) {
		node_xchg_free(sv->peer[i].x);
		sv->peer[i].x = NULL;
		radio_peer_free(sv->peer[i].rp);
		sv->peer[i].rp = NULL;
	}
	sv->npeers = sv->nc.npeers;
	for (size_t i = 0; i < sv->npeers; i++) {
		memset(&sv->peer[i], 0, sizeof(sv->peer[i]));
		sv->peer[i].cfg = sv->nc.peer[i];
		sv->peer[i].next_at = now; /* sync at once at start */
	}
}

/* A request came from addr: a peer that was unreachable answers again. */
static void node_serve_seen(void *arg, const char *addr)
{
	struct node_serve *sv = arg;
	uint64_t now = node_net_mono_ms();
	for (size_t i = 0; i < sv->npeers; i++) {
		struct node_serve_peer *p = &sv->peer[i];
		size_t hl = strlen(p->cfg.host);
		const char *a = addr[0] == '[' ? addr + 1 : addr;
		if (p->failing && !p->x && strncmp(a, p->cfg.host, hl) == 0 && (a[hl] == ':' || a[hl] == ']'))
			p->next_at = now;
	}
}

static void node_serve_peer_done(struct node_serve *sv, struct node_serve_peer *p,
				 const struct node_xchg_result *res, uint64_t now)
{
	const struct node_ctx *ctx = sv->ctx;
	/* the peer's own (a LoRa link's is longer), unless --interval says */
	uint64_t interval = (uint64_t)(p->cfg.interval_s && !sv->cli_interval ? p->cfg.interval_s
									       : sv->nc.interval_s) * 1000;
	p->attempts++;
	if (res->rc) {
		uint64_t max = (uint64_t)sv->nc.backoff_max_s * 1000;
		p->backoff_ms = p->backoff_ms ? p->backoff_ms * 2 : (interval < 5000 ? interval : 5000);
		if (p->backoff_ms > max)
			p->backoff_ms = max;
		p->failing = true;
		p->next_at = now + p->backoff_ms;
		node_net_log(ctx, &sv->log, NODE_LOG_WARNING, M_LOG_PEER_FAIL, p->cfg.uri,
			     node_reason(ctx->lang, res->rc), (unsigned long long)res->bytes_out,
			     (unsigned long long)res->bytes_in, (double)res->ms / 1000.0,
			     (double)p->backoff_ms / 1000.0);
		return;
	}
	if (p->failing)
		node_net_log(ctx, &sv->log, NODE_LOG_INFO, M_LOG_PEER_BACK, p->cfg.uri);
	p->failing = false;
	if (res->digests) /* B7: compared this time; agreed, or asked again next time */
		p->digests_agreed = res->digest_differ == 0;
	p->backoff_ms = 0;
	p->next_at = now + interval;
	if (res->rep.pruned && !ctx->app.hub) {
		node_net_log(ctx, &sv->log, NODE_LOG_WARNING, M_NET_PRUNED, (unsigned long long)res->rep.pruned);
		p->snap_pruned = true;
		if (!p->snap_just) /* snapshots, then once more; not again and again */
			p->next_at = now;
	}
	if (res->waiting) { /* own records wait for the batch (link.c B4): due then at the latest */
		if (res->wait_ms < interval)
			p->next_at = now + res->wait_ms;
		node_net_log(ctx, &sv->log, NODE_LOG_INFO, M_LOG_PEER_BATCH, p->cfg.uri,
			     (unsigned long long)res->waiting, (double)(p->next_at - now) / 60000.0);
		return;
	}
	node_net_log(ctx, &sv->log, res->converged ? NODE_LOG_INFO : NODE_LOG_WARNING,
		 res->converged ? M_LOG_PEER_OK : M_LOG_PEER_DIFFER, p->cfg.uri,
		 (unsigned long long)res->msgs_out, (unsigned long long)res->bytes_out,
		 (unsigned long long)res->msgs_in, (unsigned long long)res->bytes_in,
		 (unsigned long long)res->rep.applied,
		 (unsigned long long)node_net_refused(&res->rep), (double)res->ms / 1000.0,
		 res->differ);
}

/* The peer's PRUNED answer (it compacted history this node lacks) fetches
 * its signed snapshots of both scopes, as `cunlian sync` does (cmd_sync.c;
 * issue 15). Not over a narrow link (a frame limit: LoRa), where a
 * scope's snapshot costs more airtime than weeks of syncs: the log says to
 * carry one on a stick. A failed or refused snapshot is logged; the
 * exchange goes on. What it takes is kept to pass on to stations behind
 * this node (link.c, snapkeep.c: a relay answers them with the hub's
 * bytes, never its own). serve still does not start a new board from
 * snapshots unasked as `cunlian sync` does (the field guide's first step);
 * a PRUNED answer is what sends it. True when fetched or tried. */
static bool node_serve_snaps(struct node_serve *sv, struct node_serve_peer *p)
{
	struct node_ctx *ctx = sv->ctx;
	char scopes[2][CRDT_SCOPE_MAX + 1];
	size_t n = 0;

	if (ctx->app.hub)
		return false;
	snprintf(scopes[n++], sizeof(scopes[0]), "%s", "");
	if (*ctx->app.conf.station)
		snprintf(scopes[n++], sizeof(scopes[0]), "%s", ctx->app.conf.station);
	if (p->cfg.link.frame) {
		node_net_log(ctx, &sv->log, NODE_LOG_WARNING, M_LOG_SNAP_NARROW, p->cfg.uri);
		return true;
	}
	for (size_t i = 0; i < n; i++) {
		struct sync_snap_info info;
		size_t bytes;
		const char *name = *scopes[i] ? scopes[i] : node_msg(ctx->lang, M_SCOPE_COUNTY);
		int rc = node_net_snap_fetch(ctx, sv->r, &p->cfg, scopes[i], (uint64_t)sv->nc.sync_timeout_s * 1000,
					     &info, &bytes);
		if (rc == 0)
			node_net_log(ctx, &sv->log, NODE_LOG_INFO, M_SNAP_TAKEN, name, p->cfg.uri, bytes, info.nentries,
				     info.nheads);
		else if (rc == ERR_NOTFOUND) /* a relay: it fetches one from the hub (snapkeep.c K5) */
			node_net_log(ctx, &sv->log, NODE_LOG_WARNING, M_SNAP_RELAY_LATER, name, p->cfg.uri);
		else if (info.why)
			node_net_log(ctx, &sv->log, NODE_LOG_WARNING, M_SNAP_REFUSED, name, p->cfg.uri,
				     node_reason(ctx->lang, rc), info.why);
		else
			node_net_log(ctx, &sv->log, NODE_LOG_WARNING, M_SNAP_FETCH_FAILED, name, p->cfg.uri,
				     node_reason(ctx->lang, rc));
	}
	return true;
}

/* A relay (snapkeep.c K5): after a session with peer, fetch the
 * snapshots that stations behind this node asked for and it could not
 * give, check them as a station would (signature, enrolled hub, scope,
 * and what is inside where it holds the scope's key; a station's sealed
 * scope is passed on unread and never imported here) and keep them for
 * the station's next try. Not over a link with a frame limit (LoRa: the
 * log says to bring a snapshot file); a peer that has none to give
 * (another relay) leaves the scope wanted. */
static void node_serve_fetch_wanted(struct node_serve *sv, struct node_serve_peer *p)
{
	struct node_ctx *ctx = sv->ctx;
	struct node_snap_wants *w;
	char scope[CRDT_SCOPE_MAX + 1];
	struct buf body;

	if (ctx->app.hub || !sv->srv || !(w = node_net_server_wants(sv->srv))->n)
		return;
	if (p->cfg.link.frame) { /* said once per scope asked: a file instead */
		for (size_t i = 0; i < w->n; i++)
			node_net_log(ctx, &sv->log, NODE_LOG_WARNING, M_LOG_SNAP_WANT_NARROW,
				     *w->scope[i] ? w->scope[i] : node_msg(ctx->lang, M_SCOPE_COUNTY), p->cfg.uri);
		w->n = 0;
		return;
	}
	for (size_t i = 0; i < w->n;) {
		struct sync_snap_info info;
		uint8_t signer[SYNC_PK_LEN];
		const uint8_t *trusted = NULL;
		snprintf(scope, sizeof(scope), "%s", w->scope[i]);
		const char *name = *scope ? scope : node_msg(ctx->lang, M_SCOPE_COUNTY);
		memset(&info, 0, sizeof(info));
		buf_init(&body, SYNC_SNAP_MAX);
		int rc = node_net_snap_get(ctx, sv->r, &p->cfg, scope, (uint64_t)sv->nc.sync_timeout_s * 1000, &body);
		if (rc) {
			node_net_log(ctx, &sv->log, NODE_LOG_WARNING, M_LOG_SNAP_KEEP_FAILED, name, p->cfg.uri,
				     node_reason(ctx->lang, rc));
			buf_release(&body);
			i++;
			continue;
		}
		/* without a county root: the peer it syncs with (link.c) */
		if (!ctx->app.have_root && sync_snapshot_signer(body.data, body.len, signer) == 0)
			trusted = signer;
		rc = node_snap_check(ctx, scope, body.data, body.len, trusted, false, &info);
		if (rc == 0)
			rc = node_snap_keep(ctx, scope, body.data, body.len, true); /* the kept one is not usable */
		if (rc == 0)
			node_net_log(ctx, &sv->log, NODE_LOG_INFO, M_LOG_SNAP_KEPT, name, p->cfg.uri, body.len);
		else if (rc == -ESTALE)
			node_net_log(ctx, &sv->log, NODE_LOG_WARNING, M_LOG_SNAP_KEEP_REFUSED, name, p->cfg.uri,
				     node_reason(ctx->lang, rc), node_msg(ctx->lang, M_SNAP_KEPT_STALE));
		else if (info.why)
			node_net_log(ctx, &sv->log, NODE_LOG_WARNING, M_LOG_SNAP_KEEP_REFUSED, name, p->cfg.uri,
				     node_reason(ctx->lang, rc), info.why);
		else
			node_net_log(ctx, &sv->log, NODE_LOG_WARNING, M_LOG_SNAP_KEEP_WRITE, name,
				     node_reason(ctx->lang, rc));
		buf_release(&body);
		/* fetched: kept, or refused (asked again by the next station
		 * that wants it, not fetched again and again) */
		node_snap_unwant(w, scope);
	}
}

static void node_serve_peers_step(struct node_serve *sv)
{
	uint64_t now = node_net_mono_ms();
	for (size_t i = 0; i < sv->npeers; i++) {
		struct node_serve_peer *p = &sv->peer[i];
		struct node_xchg_result res;
		if (p->x) {
			if (node_xchg_step(p->x, &res)) {
				node_xchg_free(p->x);
				p->x = NULL;
				if (res.rc) { /* a fresh socket next time (a NAT may have moved) */
					radio_peer_free(p->rp);
					p->rp = NULL;
				}
				node_serve_peer_done(sv, p, &res, node_net_mono_ms());
				if (res.rc == 0)
					node_serve_fetch_wanted(sv, p);
			}
			continue;
		}
		if (now < p->next_at || (sv->once && p->attempts && !(p->snap_pruned && !p->snap_just)))
			continue;
		p->snap_just = p->snap_pruned && node_serve_snaps(sv, p);
		p->snap_pruned = false;
		/* A fresh radio peer (socket) per exchange: requests libcoap may
		 * still be retransmitting for the last one cannot hold this one's
		 * NSTART slots. The run's clock (CUNLIAN_NOW_MS too) says how old
		 * the records waiting for a LoRa batch are (link.c B2). */
		sv->ctx->app.now_ms = sv->wall0 + (now - sv->mono0);
		p->cfg.light = p->digests_agreed;
		int rc = node_xchg_new(&p->x, sv->ctx, sv->r, &p->cfg, NULL,
				       (uint64_t)sv->nc.sync_timeout_s * 1000);
		if (rc) {
			memset(&res, 0, sizeof(res));
			res.rc = rc;
			node_serve_peer_done(sv, p, &res, now);
		}
	}
}

static bool node_serve_once_done(const struct node_serve *sv)
{
	for (size_t i = 0; i < sv->npeers; i++)
		if (sv->peer[i].x || !sv->peer[i].attempts || (sv->peer[i].snap_pruned && !sv->peer[i].snap_just))
			return false;
	return true;
}

static int node_serve_conf(struct node_serve *sv, struct node_net_conf *nc)
{
	int line;
	enum node_msg_id why;
	int rc = node_net_conf_read(sv->conf_path, nc, &line, &why);
	if (rc == ERR_USAGE)
		return node_fail(sv->ctx, rc, M_NET_CONF_BAD, sv->conf_path, line, node_msg(sv->ctx->lang, why));
	if (rc)
		return node_fail(sv->ctx, rc, M_FILE_OPEN, sv->conf_path, node_reason(sv->ctx->lang, rc));
	return 0;
}

static void node_serve_reload(struct node_serve *sv)
{
	struct node_net_conf *nc = calloc(1, sizeof(*nc));
	int line;
	enum node_msg_id why;
	if (!nc)
		return;
	int rc = node_net_conf_read(sv->conf_path, nc, &line, &why);
	if (rc) {
		node_net_log(sv->ctx, &sv->log, NODE_LOG_ERR, M_LOG_RELOAD_BAD, sv->conf_path, line,
			 rc == ERR_USAGE ? node_msg(sv->ctx->lang, why) : node_reason(sv->ctx->lang, rc));
		free(nc);
		return;
	}
	enum node_msg_id why2;
	if (sv->cli_peer && nc->npeers < NODE_PEERS_MAX &&
	    node_net_peer_parse(sv->cli_peer, &nc->link, &nc->peer[nc->npeers], &why2) == 0)
		node_net_peer_batch(nc, &nc->peer[nc->npeers++]);
	if (sv->cli_interval)
		nc->interval_s = sv->cli_interval;
	if (sv->cli_listen == false && strcmp(nc->listen, sv->nc.listen) != 0)
		node_net_log(sv->ctx, &sv->log, NODE_LOG_WARNING, M_LOG_LISTEN_RESTART, nc->listen);
	snprintf(nc->listen, sizeof(nc->listen), "%s", sv->nc.listen);
	nc->chunk = sv->nc.chunk; /* the sync context stays as it is */
	sv->nc = *nc;
	free(nc);
	if (sv->nc.log >= 0)
		sv->log.max = sv->nc.log;
	if (sv->cli_log >= 0)
		sv->log.max = sv->cli_log;
	node_serve_peers_load(sv, node_net_mono_ms());
	node_net_log(sv->ctx, &sv->log, NODE_LOG_INFO, M_LOG_RELOADED, sv->npeers, sv->nc.interval_s);
}

/* Returns true when the loop should stop. */
static bool node_serve_signals(struct node_serve *sv)
{
	struct signalfd_siginfo si;
	bool stop = false;
	while (read(sv->sfd, &si, sizeof(si)) == (ssize_t)sizeof(si)) {
		if (si.ssi_signo == SIGHUP)
			node_serve_reload(sv);
		else
			stop = true;
	}
	return stop;
}

/* serve.lock in the home, held (flock) while the service runs, names the
 * config file it reads: doctor tells whether the service runs and checks
 * the same file. Best effort: -1 when it cannot be had. */
static int node_serve_lock(struct node_ctx *ctx, const char *conf_path)
{
	char path[NODE_PATH_MAX + 16];
	app_path(&ctx->app, path, sizeof(path), NODE_SERVE_LOCK);
	int fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0644);
	if (fd < 0)
		return -1;
	if (flock(fd, LOCK_EX | LOCK_NB) < 0 || ftruncate(fd, 0) < 0 ||
	    write(fd, conf_path, strlen(conf_path)) < 0) {
		close(fd);
		return -1;
	}
	return fd;
}

/* The command line's settings over the config file's: --listen, --http,
 * --peer, --interval, --log (o as node_cmd_serve declares them). */
static int node_serve_cli(struct node_serve *sv, const struct node_opt *o)
{
	struct node_ctx *ctx = sv->ctx;
	if (o[0].val) {
		char host[RADIO_ADDR_MAX];
		unsigned port;
		if (strcmp(o[0].val, "none") != 0 &&
		    (radio_listen_parse(o[0].val, host, sizeof(host), &port) || strlen(o[0].val) >= sizeof(sv->nc.listen)))
			return node_fail(ctx, ERR_USAGE, M_NET_BAD_LISTEN, o[0].val);
		snprintf(sv->nc.listen, sizeof(sv->nc.listen), "%s", o[0].val);
	}
	if (o[6].val) {
		if (strcmp(o[6].val, "none") != 0 &&
		    (!node_net_http_ok(o[6].val) || strlen(o[6].val) >= sizeof(sv->nc.http)))
			return node_fail(ctx, ERR_USAGE, M_NET_BAD_HTTP, o[6].val);
		snprintf(sv->nc.http, sizeof(sv->nc.http), "%s", strcmp(o[6].val, "none") ? o[6].val : "");
	}
	if (o[2].val) {
		enum node_msg_id why;
		if (sv->nc.npeers == NODE_PEERS_MAX ||
		    node_net_peer_parse(o[2].val, &sv->nc.link, &sv->nc.peer[sv->nc.npeers], &why))
			return node_fail(ctx, ERR_USAGE, M_NET_BAD_URI, o[2].val);
		node_net_peer_batch(&sv->nc, &sv->nc.peer[sv->nc.npeers]);
		if (sv->nc.peer[sv->nc.npeers].link.frame && !sv->nc.chunk_set)
			sv->nc.chunk = NODE_LORA_CHUNK; /* as for a LoRa peer in the file */
		sv->nc.npeers++;
	}
	if (o[3].val) {
		int64_t v;
		if (app_parse_int(o[3].val, 1, 86400, &v))
			return node_fail(ctx, ERR_USAGE, M_BAD_NUMBER, "--interval", o[3].val);
		sv->nc.interval_s = (unsigned)v;
		sv->cli_interval = (unsigned)v;
	}
	node_log_init(&sv->log, stderr);
	if (sv->nc.log >= 0)
		sv->log.max = sv->nc.log;
	if (o[4].val) {
		int lv = node_log_level_parse(o[4].val);
		if (lv < 0)
			return node_fail(ctx, ERR_USAGE, M_NET_BAD_LEVEL, o[4].val);
		sv->log.max = lv;
		sv->cli_log = lv;
	}
	return 0;
}

/* The sync context, the CoAP service and the signals; the web pages
 * last, once the signals are blocked: their thread inherits that. */
static int node_serve_start(struct node_serve *sv, sigset_t *mask, sigset_t *old, bool *masked)
{
	struct node_ctx *ctx = sv->ctx;
	int rc;
	if ((rc = node_net_sync_open(ctx, sv->nc.chunk)))
		return node_fail_store(ctx, rc);
	if ((rc = node_net_server_new(&sv->srv, ctx, sv->nc.max_sessions)))
		return rc;
	node_net_server_log(sv->srv, &sv->log);
	node_net_server_on_seen(sv->srv, node_serve_seen, sv);
	struct radio_options ro = {
		.listen = strcmp(sv->nc.listen, "none") == 0 ? NULL : sv->nc.listen,
		.limits = sv->nc.limits,
		.res = node_net_resources,
		.nres = node_net_nresources,
		.serve = node_net_serve,
		.serve_arg = sv->srv,
		.coap_log = getenv("CUNLIAN_COAP_LOG") ? atoi(getenv("CUNLIAN_COAP_LOG")) : 0,
	};
	if ((rc = radio_new(&sv->r, &ro)))
		return node_fail(ctx, rc, M_NET_LISTEN_FAIL, sv->nc.listen, node_reason(ctx->lang, rc));
	sigemptyset(mask);
	sigaddset(mask, SIGTERM);
	sigaddset(mask, SIGINT);
	sigaddset(mask, SIGHUP);
	if (sigprocmask(SIG_BLOCK, mask, old) == 0)
		*masked = true;
	if ((sv->sfd = signalfd(-1, mask, SFD_NONBLOCK | SFD_CLOEXEC)) < 0)
		return -errno;
	if (sv->nc.http[0]) {
		struct web_options wo = { .home = ctx->app.home, .listen = sv->nc.http,
					  .wall_ms = ctx->app.now_ms, .wifi_ssid = sv->nc.wifi_ssid,
					  .wifi_password = sv->nc.wifi_password };
		char why[APP_PATH_MAX];
		if ((rc = web_start(&sv->web, &wo, why, sizeof(why))))
			return node_fail(ctx, rc, M_NET_HTTP_FAIL, sv->nc.http, node_reason(ctx->lang, rc));
		node_net_log(ctx, &sv->log, NODE_LOG_INFO, M_LOG_HTTP, sv->nc.http);
	}
	return 0;
}

/* After merges (the replica's HLC moved): the home decides the sign-ups
 * that arrived for its activities (app/activity.c A5). Cheap when there
 * is nothing to decide; a failure is logged and tried again next time. */
static void node_serve_activities(struct node_serve *sv, uint64_t now)
{
	struct node_ctx *ctx = sv->ctx;
	uint64_t h = crdt_store_hlc(ctx->app.store);
	size_t decided = 0;
	if (h == sv->act_hlc)
		return;
	ctx->app.now_ms = sv->wall0 + (now - sv->mono0);
	if (app_activity_settle(&ctx->app, &decided)) {
		node_net_log(ctx, &sv->log, NODE_LOG_WARNING, M_LOG_ACT_SETTLE_FAIL,
			     node_reason(ctx->lang, ctx->app.fail.rc));
		app_fail_clear(&ctx->app);
		return;
	}
	if (decided)
		node_net_log(ctx, &sv->log, NODE_LOG_INFO, M_LOG_ACT_SETTLED, decided);
	sv->act_hlc = crdt_store_hlc(ctx->app.store);
}

/* One turn of the loop after the radio ran: sessions, peers, the WAL, a
 * network interface that changed. */
static void node_serve_turn(struct node_serve *sv, uint64_t now)
{
	struct node_ctx *ctx = sv->ctx;
	node_net_server_tick(sv->srv, now);
	node_serve_peers_step(sv);
	/* the deltas of this turn are applied and acknowledged: copy
	 * the WAL into the file now, not inside their commits */
	crdt_store_checkpoint(ctx->app.store);
	node_serve_activities(sv, now);
	if (sv->compacting || now >= sv->compact_at) { /* daily, at start when due */
		sv->compact_at = now + 3600 * 1000;
		sv->compacting = node_compact_daily(ctx, &sv->log, sv->nc.compact_keep_days,
						    sv->wall0 + (now - sv->mono0), sv->compacting);
	}
	if (now < sv->if_at + NODE_IF_CHECK_MS)
		return;
	uint8_t h[SHA256_LEN];
	sv->if_at = now;
	node_serve_ifhash(h);
	if (memcmp(h, sv->ifhash, sizeof(h)) != 0) {
		memcpy(sv->ifhash, h, sizeof(h));
		node_net_log(ctx, &sv->log, NODE_LOG_INFO, M_LOG_IFCHANGE);
		for (size_t i = 0; i < sv->npeers; i++)
			if (sv->peer[i].failing && !sv->peer[i].x)
				sv->peer[i].next_at = now;
	}
}

static void node_serve_free(struct node_serve *sv)
{
	for (size_t i = 0; i < sv->npeers; i++) {
		node_xchg_free(sv->peer[i].x);
		radio_peer_free(sv->peer[i].rp);
	}
	web_stop(sv->web);
	node_net_server_free(sv->srv); /* before the radio: it logs sessions */
	radio_free(sv->r);
	if (sv->sfd >= 0)
		close(sv->sfd);
	if (sv->lock >= 0)
		close(sv->lock); /* the lock goes with it */
	free(sv);
}

int node_cmd_serve(struct node_ctx *ctx, int argc, char **argv)
{
	struct node_opt o[] = {
		{ "listen", true, NULL }, { "config", true, NULL }, { "peer", true, NULL },
		{ "interval", true, NULL }, { "log", true, NULL }, { "once", false, NULL },
		{ "http", true, NULL },
	};
	const char *pos[1];
	size_t npos;
	struct node_serve *sv = NULL;
	sigset_t mask, old;
	bool masked = false;
	int rc = node_opts_parse(ctx, argc, argv, o, NOPTS(o), pos, 0, &npos);

	if (rc)
		return rc > 0 ? 0 : rc;
	if (!(sv = calloc(1, sizeof(*sv))))
		return -ENOMEM;
	sv->ctx = ctx;
	sv->sfd = -1;
	sv->lock = -1;
	sv->cli_log = -1;
	sv->cli_peer = o[2].val;
	sv->cli_listen = o[0].val != NULL;
	sv->once = o[5].val != NULL;
	if ((rc = node_open(ctx)))
		goto out;
	/* the feeds' heads as the log says, for commits an older cunlian
	 * added (docs/replica.md "_heads"); best effort: the next start again */
	crdt_store_heads_repair(ctx->app.store);
	if (o[1].val)
		snprintf(sv->conf_path, sizeof(sv->conf_path), "%s", o[1].val);
	else
		app_path(&ctx->app, sv->conf_path, sizeof(sv->conf_path), "node.conf");
	if ((rc = node_serve_conf(sv, &sv->nc)))
		goto out;
	sv->lock = node_serve_lock(ctx, sv->conf_path);
	if ((rc = node_serve_cli(sv, o)) || (rc = node_serve_start(sv, &mask, &old, &masked)))
		goto out;
	uint64_t now = node_net_mono_ms();
	sv->wall0 = ctx->app.now_ms;
	sv->mono0 = now;
	node_serve_peers_load(sv, now);
	node_serve_ifhash(sv->ifhash);
	sv->if_at = now;
	node_net_log(ctx, &sv->log, NODE_LOG_INFO, M_LOG_START,
		     strcmp(sv->nc.listen, "none") ? sv->nc.listen : "-", sv->npeers, sv->nc.interval_s);
	do {
		radio_run(sv->r, 20);
		node_serve_turn(sv, node_net_mono_ms());
	} while (!node_serve_signals(sv) && !(sv->once && node_serve_once_done(sv)));
	for (size_t i = 0; i < sv->npeers; i++) { /* abandon exchanges in flight */
		node_xchg_free(sv->peer[i].x);
		sv->peer[i].x = NULL;
		radio_peer_free(sv->peer[i].rp);
		sv->peer[i].rp = NULL;
	}
	node_net_server_free(sv->srv); /* logs the sessions it ends */
	sv->srv = NULL;
	node_net_log(ctx, &sv->log, NODE_LOG_INFO, M_LOG_STOP);
	rc = 0;
	if (sv->once)
		for (size_t i = 0; i < sv->npeers; i++)
			if (sv->peer[i].failing)
				rc = -EHOSTUNREACH;
out:
	if (sv)
		node_serve_free(sv);
	if (masked)
		sigprocmask(SIG_SETMASK, &old, NULL);
	return rc;
}
