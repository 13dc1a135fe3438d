// SPDX-License-Identifier: MIT
/*
 * link.c - the glue between sync/ and radio/ for CoAP: a sync session
 * behind a radio port (struct radio_port, radio/radio.h), served per
 * client key at /s (radio/ports.c) or driven as the client's exchange
 * with one peer (radio/xchg.c); the version vector and digests as text
 * at /vv and the client's comparison with it; /join. The only file that
 * knows both sync/ and radio/ (node/net.h has the picture). The session
 * owns the messages (framing, gaps, acknowledgements), radio/ the
 * requests (window, resends, polls); what is left here is which session
 * a port is, and what node/ remembers and logs of it.
 *
 * Probes (hubcost; the server side, P2, is in node_net_vv_text):
 *  P1. Over a link with a frame limit (LoRa), a station whose clock holds
 *      an anchor heard from the hub in this boot first probes: GET /vv
 *      naming every scope it holds feeds of (and its own and the county's)
 *      with vvq, the summary of its version vector (sync_vv_hash). "vv
 *      same" ends the exchange there, converged: the hub holds exactly
 *      what the station holds in those scopes, so neither has anything to
 *      send (about 60 bytes up, 25 down). Anything else (differ, an older
 *      hub's feed lines, a failure) goes on to the session. Without an
 *      anchor of this boot the station syncs in full, for the hub's TIME.
 *  P2. The server answers vvq with "vv same" or "vv differ" in place of
 *      the feed lines (digest lines still follow when asked), and vvd
 *      with "vv same" in place of them when the summaries agree, else the
 *      feed lines.
 *  P3. The check after a station's session (X2) sends vvd, the summary
 *      of its vector over its own scope and the county's: when the hub's
 *      agrees, the answer is one line and the digests, not a line per
 *      feed of those scopes (at a city, a thousand stations' county
 *      feeds: some 80 KB).
 *
 * Batching over LoRa (a session costs seconds of airtime whatever it
 * carries; the probe costs a fraction of one):
 *  B1. The vector last agreed with a peer is what it was last seen to
 *      hold (peers/<name>.vv, saved by the check X2). A peer with
 *      batch_s 0 (any link but LoRa, `cunlian sync` by hand) has no
 *      batching: all of B2-B6 is skipped.
 *  B2. Own commits past the agreed vector are waiting; the oldest one's
 *      time is its HLC. They are due once that time is batch_s old, or
 *      when it is in the future (a clock set back), or when the agreed
 *      vector does not name that feed or cannot be read: never later.
 *  B3. Due: no probe; the session goes at once (it would differ anyway).
 *      Waiting, not due: the probe's vvq is the summary of this node's
 *      vector with its own feeds at their agreed seqs. "vv same": the
 *      peer has nothing new for this node, and holds what was agreed;
 *      the exchange ends, the own commits still waiting. Anything else
 *      is the session, which takes every waiting commit along.
 *  B4. The result says how many wait and when the oldest is due; serve
 *      comes back then at the latest (cmd_serve.c).
 *  B5. A probe that ended with commits waiting never settles the feed
 *      mark (app/mark.c W2): the peer does not hold them yet.
 *  B6. The daemon's exchanges over LoRa after the boot's first (those that
 *      probe, batch_s > 0) send the check (P3) without "digest": the
 *      answer is "vv same" alone (8 bytes, one block) when the vectors
 *      agree, not 160 bytes in two. The digests, which find a state that
 *      differs under equal vectors (a bug, never a lost record), are
 *      compared at the boot's first exchange and by `cunlian sync`.
 *  B7. Over any link, serve's exchanges with a peer send the check
 *      without "digest" once one exchange of this run compared the
 *      digests and they agreed (node_net_peer.light, cmd_serve.c): the
 *      hub's digest of a station's scope reads every row of it, a cost
 *      that grows with the station's history, and a session must not.
 *      The version vectors are still compared at every exchange; the
 *      digests again at every start of serve (every boot) and by every
 *      `cunlian sync`, and at every exchange while they differ.
 */
#include <dirent.h>
#include <stddef.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <sqlite3.h>

#include "base/err.h"
#include "base/mem.h"
#include "app/enroll.h"
#include "app/peer.h"
#include "app/recover.h"
#include "node/net.h"

#define NODE_RESP_SOFT 256     /* keep packing small messages up to here */
#define NODE_SESS_IDLE_MS 120000
#define NODE_SERVER_RTO_MS 4000
#define NODE_SESS_NOTE_MS 60000 /* a session's sync noted again after this (node_net_sess_served) */

const struct radio_resource node_net_resources[] = {
	{ .path = "vv", .rt = "cunlian.vv", .ct = 0, .get = true },
	{ .path = "s", .rt = "cunlian.session", .ct = 42, .post = true },
	{ .path = "join", .rt = "cunlian.join", .ct = 42, .post = true },
	{ .path = "snap", .rt = "cunlian.snap", .ct = 42, .get = true },
};
const size_t node_net_nresources = sizeof(node_net_resources) / sizeof(node_net_resources[0]);

uint64_t node_net_wall_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_REALTIME, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

uint64_t node_net_mono_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

void node_net_log(const struct node_ctx *ctx, const struct node_log *l, int level,
		  enum node_msg_id id, ...)
{
	char line[1024];
	va_list ap;
	if (!l || level > l->max)
		return;
	va_start(ap, id);
	vsnprintf(line, sizeof(line), node_msg(ctx->lang, id), ap);
	va_end(ap);
	size_t n = strlen(line);
	if (n && line[n - 1] == '\n')
		line[n - 1] = '\0';
	node_log(l, level, "%s", line);
}

#define NODE_RELAY_DAYS 30

/* The stations that synced through this one in the last NODE_RELAY_DAYS
 * (peers/node-<key>.last, noted when they did), by their enrolment: the
 * scopes to relay for them (sync/session.c S6). Best effort: a station
 * not found here is learned again when it next syncs. */
static void node_net_relay_load(struct node_ctx *ctx, struct sync_scopes *relay)
{
	char path[NODE_PATH_MAX + 32], station[CRDT_SCOPE_MAX + 1];
	uint64_t now = node_net_wall_ms(), last;
	struct dirent *e;
	sqlite3_stmt *st;
	DIR *d;

	app_path(&ctx->app, path, sizeof(path), "peers");
	if (!(d = opendir(path)))
		return;
	while ((e = readdir(d)) && relay->n < SYNC_SCOPES_MAX) {
		char name[2 * CRDT_AUTHOR_LEN + 8];
		size_t len = strlen(e->d_name);
		if (len != 5 + 2 * CRDT_AUTHOR_LEN + 5 || strncmp(e->d_name, "node-", 5) != 0 ||
		    strcmp(e->d_name + len - 5, ".last") != 0)
			continue;
		memcpy(name, e->d_name, len - 5);
		name[len - 5] = '\0';
		if (app_peer_last_load(&ctx->app, name, &last) || last == 0 ||
		    (now > last && now - last > NODE_RELAY_DAYS * 86400000ULL))
			continue;
		if (node_sql(ctx, &st,
			     "SELECT station FROM enrolments WHERE node = ?1 AND role = 'station'"
			     " AND station <> ?2 AND _dead IS NULL LIMIT 1",
			     name + 5, ctx->app.conf.station, NULL))
			continue;
		if (sqlite3_step(st) == SQLITE_ROW) {
			app_col_text(st, 0, station, sizeof(station));
			if (station[0])
				sync_scopes_add(relay, station);
		}
		sqlite3_finalize(st);
	}
	closedir(d);
}

int node_net_sync_open(struct node_ctx *ctx, size_t chunk)
{
	struct sync_options opt;
	int rc;

	memset(&opt, 0, sizeof(opt));
	opt.dict = ctx->app.dict;
	opt.chunk_max = chunk;
	if (ctx->app.hub) {
		opt.apply.all = true;
	} else if ((rc = sync_scopes_add(&opt.apply, ctx->app.conf.station)) ||
		   (rc = sync_scopes_add(&opt.apply, ""))) {
		return rc;
	}
	opt.carry_others = true; /* any node relays (DESIGN.md "Feeds") */
	opt.record_acks = true;  /* what peers hold, for compaction (sync/compact.c) */
	if (!ctx->app.hub)
		node_net_relay_load(ctx, &opt.relay);
	if ((rc = app_trust_open(&ctx->app, &opt))) /* who may write what, scope keys */
		return rc;
	sync_ctx_free(ctx->app.sync);
	ctx->app.sync = NULL;
	if ((rc = sync_ctx_new(&ctx->app.sync, ctx->app.store, &ctx->app.id, &opt)))
		return rc;
	app_clock_say_time(&ctx->app, node_net_wall_ms(), false); /* the TIME after each HELLO */
	return 0;
}

uint64_t node_net_refused(const struct sync_report *r)
{
	return r->refused + r->chunks_refused;
}

/* ---- the version vector as text --------------------------------------- */

/* Does the query name scope ("-" for county-wide) in a scope=X term, or
 * have no scope terms at all? */
static bool node_net_query_wants(const char *query, const char *scope)
{
	bool any = false;
	for (const char *q = query ? query : ""; *q;) {
		size_t k = strcspn(q, "&");
		if (k > 6 && strncmp(q, "scope=", 6) == 0) {
			any = true;
			if (k - 6 == strlen(scope) && strncmp(q + 6, scope, k - 6) == 0)
				return true;
		}
		q += k + (q[k] == '&');
	}
	return !any;
}

/* The term NAME=HEX of a query, NAME "vvq" or "vvd" (2 *
 * SYNC_VV_HASH_LEN lowercase hex digits), into hex; false when there is
 * none. */
static bool node_net_query_vvq(const char *query, const char *name, char hex[2 * SYNC_VV_HASH_LEN + 1])
{
	for (const char *q = query ? query : ""; *q;) {
		size_t k = strcspn(q, "&");
		if (k == 4 + 2 * SYNC_VV_HASH_LEN && strncmp(q, name, 3) == 0 && q[3] == '=' &&
		    strspn(q + 4, "0123456789abcdef") >= 2 * SYNC_VV_HASH_LEN) {
			memcpy(hex, q + 4, 2 * SYNC_VV_HASH_LEN);
			hex[2 * SYNC_VV_HASH_LEN] = '\0';
			return true;
		}
		q += k + (q[k] == '&');
	}
	return false;
}

/* The state of one scope ("-" county-wide) as 64 hex digits: what two
 * replicas compare once their version vectors agree. */
static int node_net_digest_hex(struct node_ctx *ctx, const char *scope, char hex[65])
{
	uint8_t d[32];
	int rc = crdt_store_digest(ctx->app.store, strcmp(scope, "-") == 0 ? "" : scope, d);
	if (!rc)
		app_hex(d, sizeof(d), hex);
	return rc;
}

/* One line per feed: 64 hex digits of the author, the scope ("-" for
 * county-wide), the highest seq held. With "digest" in the query, then a
 * digest line for each scope=X named (docs/protocol.md). */
static int node_net_vv_text(struct node_ctx *ctx, const char *query, struct buf *out)
{
	struct crdt_vv_entry *vv = NULL;
	char names[16][CRDT_SCOPE_MAX + 1];
	const char *np[16];
	size_t n = 0, nn = 0;
	int rc;
	/* the feeds of the scopes named, from the heads' index: a station's
	 * check costs the feeds of its scopes, not the hub's whole vector */
	for (const char *q = query ? query : ""; *q && nn <= 16;) {
		size_t k = strcspn(q, "&");
		if (k > 6 && strncmp(q, "scope=", 6) == 0) {
			if (nn == 16 || k - 6 > CRDT_SCOPE_MAX) {
				nn = 17; /* too many or too long: read them all, filter below */
				break;
			}
			memcpy(names[nn], q + 6, k - 6);
			names[nn][k - 6] = '\0';
			if (strcmp(names[nn], "-") == 0)
				names[nn][0] = '\0';
			np[nn] = names[nn];
			nn++;
		}
		q += k + (q[k] == '&');
	}
	rc = nn && nn <= 16 ? crdt_store_vv_scopes(ctx->app.store, np, nn, &vv, &n) : crdt_store_vv(ctx->app.store, &vv, &n);
	if (rc)
		return rc;
	size_t keep = 0; /* the feeds of the scopes named */
	for (size_t i = 0; i < n; i++)
		if (node_net_query_wants(query, vv[i].scope[0] ? vv[i].scope : "-"))
			vv[keep++] = vv[i];
	n = keep;
	char probe[2 * SYNC_VV_HASH_LEN + 1];
	bool only = node_net_query_vvq(query, "vvq", probe);
	if (only || node_net_query_vvq(query, "vvd", probe)) { /* P2 */
		uint8_t h[SYNC_VV_HASH_LEN];
		char hex[2 * SYNC_VV_HASH_LEN + 1];
		if ((rc = sync_vv_hash(vv, n, h))) {
			mem_free(vv);
			return rc;
		}
		app_hex(h, sizeof(h), hex);
		bool same = strcmp(hex, probe) == 0;
		if (same || only) {
			buf_put(out, same ? "vv same\n" : "vv differ\n", same ? 8 : 10);
			n = 0;
		}
	}
	for (size_t i = 0; i < n; i++) {
		char hex[2 * CRDT_AUTHOR_LEN + 1], line[2 * CRDT_AUTHOR_LEN + CRDT_SCOPE_MAX + 32];
		const char *scope = vv[i].scope[0] ? vv[i].scope : "-";
		if (!node_net_query_wants(query, scope))
			continue;
		app_hex(vv[i].author, CRDT_AUTHOR_LEN, hex);
		int m = snprintf(line, sizeof(line), "%s %s %llu\n", hex, scope, (unsigned long long)vv[i].seq);
		buf_put(out, line, (size_t)m);
	}
	mem_free(vv);
	bool digests = query && strstr(query, "digest");
	for (const char *q = digests ? query : ""; *q;) {
		size_t k = strcspn(q, "&");
		char scope[CRDT_SCOPE_MAX + 2], hex[65], line[CRDT_SCOPE_MAX + 80];
		if (k > 6 && k - 6 < sizeof(scope) && strncmp(q, "scope=", 6) == 0) {
			memcpy(scope, q + 6, k - 6);
			scope[k - 6] = '\0';
			/* only of a scope this node merges: a relay holds another
			 * station's scope sealed and unread, so its digest of that
			 * scope says nothing (the station compares the rest) */
			if (strcmp(scope, "-") == 0 ||
			    (app_id_ok(scope) && (ctx->app.hub || strcmp(scope, ctx->app.conf.station) == 0))) {
				if ((rc = node_net_digest_hex(ctx, scope, hex)))
					return rc;
				int m = snprintf(line, sizeof(line), "digest %s %s\n", scope, hex);
				buf_put(out, line, (size_t)m);
			}
		}
		q += k + (q[k] == '&');
	}
	return out->err;
}

/* ---- a sync session as a radio port ----------------------------------- */

/* A session and what node/ keeps of it: the port's argument. */
struct node_net_sess {
	struct sync_session *s;
	uint64_t noted_in; /* server: messages in when the sync was last noted */
	uint64_t noted_ms; /* server: when (node_net_mono_ms), 0: not yet */
	bool own_checked;  /* server: its own feeds compared once its HELLO came */
};

static int node_port_next(void *arg, struct buf *out, uint64_t wall_ms)
{
	return sync_session_output(((struct node_net_sess *)arg)->s, out, wall_ms);
}

static int node_port_pack(void *arg, struct buf *out, size_t soft, uint64_t wall_ms, bool *more)
{
	return sync_session_output_body(((struct node_net_sess *)arg)->s, out, soft, wall_ms, more);
}

static int node_port_take(void *arg, const uint8_t *p, size_t len, uint64_t wall_ms, size_t *n)
{
	return sync_session_input_body(((struct node_net_sess *)arg)->s, p, len, wall_ms, n);
}

static int node_port_tick(void *arg, uint64_t wall_ms)
{
	return sync_session_tick(((struct node_net_sess *)arg)->s, wall_ms);
}

static bool node_port_idle(void *arg)
{
	return sync_session_idle(((struct node_net_sess *)arg)->s);
}

static const struct radio_port node_port = {
	.next = node_port_next, .pack = node_port_pack, .take = node_port_take,
	.tick = node_port_tick, .idle = node_port_idle,
};

/* What time the peer said (node/clock.c), when the session ends. */
static void node_net_heard(struct node_ctx *ctx, const struct sync_report *rep)
{
	if (rep->time_kind) {
		uint64_t w = node_net_wall_ms();
		app_clock_heard(&ctx->app, rep, true, w > rep->time_at ? w - rep->time_at : 0);
	}
}

/* ---- server ------------------------------------------------------------ */

struct node_net_server {
	struct node_ctx *ctx;
	struct radio_ports *ports;
	node_net_seen_fn seen;
	void *seen_arg;
	const struct node_log *log;
	struct node_snap_wants wants; /* snapkeep.c K5 */
};

struct node_snap_wants *node_net_server_wants(struct node_net_server *s)
{
	return &s->wants;
}

static int node_net_sess_open(void *arg, const char *addr, struct radio_port *p)
{
	struct node_net_server *srv = arg;
	/* grouped: the deltas of the stations that arrive in one turn of the
	 * daemon's loop while several are syncing share one durable
	 * transaction, acknowledged only once it is on disk (node_net_flush
	 * at node_net_server_tick; node_net_sess_taken when one is alone) */
	struct sync_session_options so = { .initiator = false, .group = true, .rto_ms = NODE_SERVER_RTO_MS };
	struct node_net_sess *e = mem_calloc(1, sizeof(*e));
	(void)addr;
	if (!e)
		return -ENOMEM;
	int rc = sync_session_new(&e->s, srv->ctx->app.sync, &so, node_net_wall_ms());
	if (rc) {
		mem_free(e);
		return rc;
	}
	*p = node_port;
	p->arg = e;
	return 0;
}

static void node_net_sess_close(void *arg, const struct radio_port *p, const char *addr, const char *why,
				const struct radio_port_stats *st)
{
	struct node_net_server *srv = arg;
	struct node_net_sess *e = p->arg;
	const struct sync_report *rep = sync_session_report(e->s);
	node_net_heard(srv->ctx, rep);
	node_net_log(srv->ctx, srv->log, node_net_refused(rep) ? NODE_LOG_WARNING : NODE_LOG_INFO,
		     M_LOG_SERVED, addr, why, (unsigned long long)st->msgs_in, (unsigned long long)st->bytes_in,
		     (unsigned long long)st->msgs_out, (unsigned long long)st->bytes_out,
		     (unsigned long long)rep->applied, (unsigned long long)node_net_refused(rep),
		     (double)(st->last_ms - st->start_ms) / 1000.0);
	sync_session_free(e->s);
	mem_free(e);
}

/* A peer whose HELLO holds fewer of its own commits than this node holds
 * lost its database or runs an older copy of it: say so in the log, once
 * a session, for the technician (it must run `cunlian recover`). */
static void node_net_own_check(struct node_net_server *srv, struct node_net_sess *e, const char *addr)
{
	char scope[CRDT_SCOPE_MAX + 1], hex[2 * CRDT_AUTHOR_LEN + 1], station[CRDT_SCOPE_MAX + 1] = "-";
	uint64_t theirs, ours;
	uint8_t role;
	e->own_checked = true;
	if (sync_session_own_behind(e->s, scope, sizeof(scope), &theirs, &ours) != 1)
		return;
	app_hex(sync_session_peer(e->s), CRDT_AUTHOR_LEN, hex);
	sync_ctx_enrolment(srv->ctx->app.sync, sync_session_peer(e->s), station, sizeof(station), &role);
	node_net_log(srv->ctx, srv->log, NODE_LOG_WARNING, M_LOG_PEER_OWN_LOST, addr, station, hex,
		     scope[0] ? scope : "-", (unsigned long long)theirs, (unsigned long long)ours);
}

static void node_net_busy1(void *arg, const struct radio_port *p)
{
	struct node_net_sess *e = p->arg;
	*(size_t *)arg += !sync_session_idle(e->s);
}

static int node_net_flush(struct node_net_server *s);

/* A request's messages were taken: the peer's own feeds are checked once
 * its HELLO came, before the answer (what the session sends raises what
 * it counts the peer as holding). A hub syncing with one station at a
 * time commits its delta at once, so the ACK rides this answer; only
 * while other stations are in the middle of an exchange too do their
 * deltas wait for the turn's end and share one transaction (an ACK then
 * comes with the station's next request: a round trip more, fsyncs
 * fewer). */
static void node_net_sess_taken(void *arg, const struct radio_port *p, const char *addr)
{
	struct node_net_server *srv = arg;
	struct node_net_sess *e = p->arg;
	size_t busy = 0;
	if (!e->own_checked && sync_session_peer(e->s))
		node_net_own_check(srv, e, addr);
	radio_ports_each(srv->ports, node_net_busy1, &busy);
	if (busy <= 1)
		node_net_flush(srv);
}

/* When the exchange went idle after news from the peer, that node synced
 * now (peers/node-<its key>.last, read by report --by station), noted
 * here rather than when the session ends, which is minutes later. Once
 * a session, and again only NODE_SESS_NOTE_MS after: a station's sync
 * goes idle after its HELLO, its DELTA, its ACKs and its last polls,
 * and a file written (created, renamed) at each of them was about 4 %
 * of the hub's CPU a session for a time that moved by milliseconds. */
static void node_net_sess_served(void *arg, const struct radio_port *p, const char *addr,
				 const struct radio_port_stats *st)
{
	struct node_net_server *srv = arg;
	struct node_net_sess *e = p->arg;
	const uint8_t *peer = sync_session_peer(e->s);
	char name[2 * CRDT_AUTHOR_LEN + 8];
	(void)addr;
	uint64_t now = node_net_mono_ms();
	if (!peer || !sync_session_idle(e->s) || st->msgs_in == e->noted_in ||
	    (e->noted_ms && now - e->noted_ms < NODE_SESS_NOTE_MS))
		return;
	e->noted_in = st->msgs_in;
	e->noted_ms = now ? now : 1;
	memcpy(name, "node-", 5);
	app_hex(peer, CRDT_AUTHOR_LEN, name + 5);
	app_peer_last_save(&srv->ctx->app, name, node_net_wall_ms());
}

static void node_net_flush1(void *arg, const struct radio_port *p)
{
	struct node_net_sess *e = p->arg;
	int *rc = arg, r = sync_session_flush(e->s);
	if (r && !*rc)
		*rc = r;
}

/* End the group of the deltas applied since the last flush: one durable
 * transaction for all of them, then every session's ACKs (sync/session.c
 * S1). On a failure nothing of the group is acknowledged and the
 * stations send those chunks again. */
static int node_net_flush(struct node_net_server *s)
{
	int rc = sync_ctx_group_end(s->ctx->app.sync); /* ERR_USAGE: none open */
	if (rc == ERR_USAGE)
		rc = 0;
	radio_ports_each(s->ports, node_net_flush1, &rc);
	return rc;
}

int node_net_server_new(struct node_net_server **out, struct node_ctx *ctx, size_t max_sessions)
{
	struct node_net_server *s = mem_calloc(1, sizeof(*s));
	*out = NULL;
	if (!s)
		return -ENOMEM;
	s->ctx = ctx;
	struct radio_ports_options o = {
		.max = max_sessions, .quiet_ms = NODE_SESS_IDLE_MS, .soft = NODE_RESP_SOFT, .arg = s,
		.open = node_net_sess_open, .taken = node_net_sess_taken, .served = node_net_sess_served,
		.close = node_net_sess_close,
	};
	int rc = radio_ports_new(&s->ports, &o);
	if (rc) {
		mem_free(s);
		return rc;
	}
	*out = s;
	return 0;
}

void node_net_server_free(struct node_net_server *s)
{
	if (!s)
		return;
	node_net_flush(s);
	radio_ports_free(s->ports); /* logs the sessions it ends */
	mem_free(s);
}

void node_net_server_on_seen(struct node_net_server *s, node_net_seen_fn fn, void *arg)
{
	s->seen = fn;
	s->seen_arg = arg;
}

void node_net_server_log(struct node_net_server *s, const struct node_log *log)
{
	s->log = log;
}

void node_net_server_tick(struct node_net_server *s, uint64_t now_ms)
{
	node_net_flush(s);
	radio_ports_tick(s->ports, now_ms);
}

/* POST /join: 2.05 and the certificate; 4.03 and nothing for any wrong,
 * used, expired or unknown code; 5.01 when the county key is elsewhere.
 * The statement is committed through the server's own store handle, so
 * the sessions being served go on. */
static void node_net_serve_join(struct node_net_server *s, const struct radio_req *req,
				struct radio_resp *resp)
{
	int rc = app_join_serve(&s->ctx->app, req->body, req->len, &resp->body);
	app_fail_clear(&s->ctx->app); /* the answer says it; the log line below */
	node_net_log(s->ctx, s->log, NODE_LOG_INFO, M_LOG_JOIN, req->peer,
		     rc ? node_reason(s->ctx->lang, rc) : "enrolled");
	resp->ct = 42;
	if (rc == 0) {
		resp->code = 205;
		return;
	}
	resp->body.len = 0;
	resp->code = rc == ERR_UNAUTH ? 403 : rc == ERR_NOTFOUND ? 501 : 500;
}

/* The scope a query names with s=SCOPE ("-": the county's); false when
 * none or not a scope. */
static bool node_net_query_scope(const char *query, char scope[CRDT_SCOPE_MAX + 1])
{
	for (const char *q = query ? query : ""; *q;) {
		size_t k = strcspn(q, "&");
		if (k >= 2 && strncmp(q, "s=", 2) == 0 && k - 2 <= CRDT_SCOPE_MAX && k > 2) {
			memcpy(scope, q + 2, k - 2);
			scope[k - 2] = '\0';
			if (strcmp(scope, "-") == 0)
				scope[0] = '\0';
			return memchr(scope, '&', strlen(scope)) == NULL;
		}
		q += k + (q[k] == '&');
	}
	return false;
}

/* The words for why a relay cannot give its kept snapshot (snapkeep.c). */
static const char *node_net_snap_why(const struct node_ctx *ctx, int rc, const struct sync_snap_info *info)
{
	if (rc == ERR_NOTFOUND)
		return node_msg(ctx->lang, M_SNAP_KEPT_NONE);
	if (rc == -ESTALE)
		return node_msg(ctx->lang, M_SNAP_KEPT_STALE);
	return info->why ? info->why : node_reason(ctx->lang, rc);
}

/* GET /snap?s=SCOPE: a signed snapshot of a scope (sync/snap.c), sealed
 * for the scope's readers when it is a station's, so it may go to anyone
 * who asks (a relay cannot read it). A hub makes and signs it; any other
 * node passes on the hub's bytes it kept while they are usable
 * (snapkeep.c K3, K4) and otherwise answers 4.04 and remembers the scope
 * to fetch it from the hub after its next session there (K5). 4.00 for a
 * query without a scope, 4.13 when it does not fit the response limit. */
static void node_net_serve_snap(struct node_net_server *s, const struct radio_req *req,
				struct radio_resp *resp)
{
	char scope[CRDT_SCOPE_MAX + 1];
	struct sync_snap_info info;
	int rc;
	resp->ct = 42;
	if (!node_net_query_scope(req->query, scope)) {
		resp->code = 400;
		return;
	}
	if (!s->ctx->app.hub) {
		size_t start = resp->body.len;
		rc = node_snap_kept(s->ctx, scope, &resp->body, &info);
		if (rc == 0) {
			node_net_log(s->ctx, s->log, NODE_LOG_INFO, M_LOG_SNAP_RELAYED, *scope ? scope : "-", req->peer,
				     resp->body.len - start);
			resp->code = 205;
			return;
		}
		resp->body.len = start;
		if (resp->body.err == ERR_TOOBIG || resp->body.err == -ENOSPC) {
			resp->body.err = 0;
			resp->code = 413;
			node_net_log(s->ctx, s->log, NODE_LOG_WARNING, M_LOG_SNAP, req->peer, *scope ? scope : "-",
				     node_reason(s->ctx->lang, ERR_TOOBIG));
			return;
		}
		resp->body.err = 0;
		bool kept = node_snap_want(&s->wants, scope);
		node_net_log(s->ctx, s->log, NODE_LOG_WARNING, kept ? M_LOG_SNAP_ASKED : M_LOG_SNAP_ASKED_FULL,
			     req->peer, *scope ? scope : "-", node_net_snap_why(s->ctx, rc, &info));
		resp->code = 404;
		return;
	}
	rc = sync_snapshot_make(s->ctx->app.sync, scope, node_net_wall_ms(), &resp->body, &info);
	node_net_log(s->ctx, s->log, rc ? NODE_LOG_WARNING : NODE_LOG_INFO, M_LOG_SNAP, req->peer,
		     *scope ? scope : "-", rc ? node_reason(s->ctx->lang, rc) : "ok");
	if (rc) {
		resp->body.len = 0;
		resp->code = rc == ERR_TOOBIG || rc == -ENOSPC ? 413 : 500;
		return;
	}
	resp->code = 205;
}

void node_net_serve(void *arg, const struct radio_req *req, struct radio_resp *resp)
{
	struct node_net_server *s = arg;
	if (strcmp(req->path, "s") != 0)
		node_net_flush(s); /* /vv and /join see and write only what is on disk */
	if (strcmp(req->path, "vv") == 0) {
		if (node_net_vv_text(s->ctx, req->query, &resp->body))
			resp->code = 500;
		resp->ct = 0;
		return;
	}
	if (strcmp(req->path, "s") == 0 && req->method == RADIO_POST) {
		radio_ports_serve(s->ports, req, resp);
		if (resp->code / 100 == 2 && s->seen)
			s->seen(s->seen_arg, req->peer);
		return;
	}
	if (strcmp(req->path, "join") == 0 && req->method == RADIO_POST) {
		node_net_serve_join(s, req, resp);
		return;
	}
	if (strcmp(req->path, "snap") == 0 && req->method == RADIO_GET) {
		node_net_serve_snap(s, req, resp);
		return;
	}
	resp->code = 405;
}

/* ---- one request ------------------------------------------------------- */

struct node_net_one {
	bool done;
	int rc;
	unsigned code;
	struct buf *resp;
};

static void node_net_one_done(void *arg, int rc, unsigned code, const uint8_t *body, size_t len)
{
	struct node_net_one *o = arg;
	o->done = true;
	o->rc = rc;
	o->code = code;
	if (rc == 0 && len)
		buf_put(o->resp, body, len);
}

int node_net_post(struct node_ctx *ctx, const char *uri, const char *path, const uint8_t *body,
		  size_t len, uint64_t timeout_ms, unsigned *code, struct buf *resp)
{
	struct node_net_peer peer;
	struct radio_link link = { 0 }; /* zeros: libcoap's defaults */
	struct radio *r = NULL;
	struct radio_peer *p = NULL;
	struct node_net_one o = { .resp = resp };
	struct radio_options ro = { 0 };
	enum node_msg_id why;
	int rc;

	(void)ctx;
	*code = 0;
	if (node_net_peer_parse(uri, &link, &peer, &why))
		return ERR_USAGE;
	if ((rc = radio_new(&r, &ro)) || (rc = radio_peer_new(r, &p, peer.host, peer.port, &peer.link)) ||
	    (rc = radio_peer_request(p, RADIO_POST, path, NULL, body, len, node_net_one_done, &o)))
		goto out;
	uint64_t end = node_net_mono_ms() + timeout_ms;
	while (!o.done && node_net_mono_ms() < end)
		radio_run(r, 20);
	rc = !o.done ? -ETIMEDOUT : o.rc;
	*code = o.code;
	if (!rc && resp->err)
		rc = resp->err;
out:
	radio_peer_free(p);
	radio_free(r);
	return rc;
}

/* ---- snapshots (client) ---------------------------------------------------- */

int node_net_snap_needed(struct node_ctx *ctx, char scopes[2][CRDT_SCOPE_MAX + 1], size_t *n)
{
	const char *want[2] = { "", ctx->app.conf.station };
	*n = 0;
	if (ctx->app.hub)
		return 0; /* a hub reads every scope: it syncs them in full */
	if (app_recover_needed(&ctx->app))
		return 0; /* its own commits come back by the session (app/recover.h
			     2), unless the hub pruned them: its PRUNED answer then
			     fetches the snapshots (cmd_sync.c) */
	for (size_t i = 0; i < 2; i++) {
		struct crdt_vv_entry *vv = NULL;
		size_t nv = 0, others = 0;
		if (i == 1 && !*want[1])
			break;
		int rc = crdt_store_vv_scopes(ctx->app.store, &want[i], 1, &vv, &nv);
		if (rc)
			return rc;
		/* its station's scope: nothing at all (a board with its own
		 * history there is no new board); the county's: nothing but
		 * its own (init's station row) and the root's (always by sync,
		 * snap.c S8) */
		for (size_t k = 0; k < nv; k++)
			if (i == 1 || (memcmp(vv[k].author, ctx->app.author, CRDT_AUTHOR_LEN) != 0 &&
				       (!ctx->app.have_root ||
					memcmp(vv[k].author, ctx->app.county_root, CRDT_AUTHOR_LEN) != 0)))
				others++;
		mem_free(vv);
		if (!others)
			snprintf(scopes[(*n)++], CRDT_SCOPE_MAX + 1, "%s", want[i]);
	}
	return 0;
}

int node_net_snap_get(struct node_ctx *ctx, struct radio *r, const struct node_net_peer *peer,
		      const char *scope, uint64_t timeout_ms, struct buf *body)
{
	struct radio_peer *p = NULL;
	struct node_net_one o = { .resp = body };
	char query[CRDT_SCOPE_MAX + 8];
	int rc;

	(void)ctx;
	snprintf(query, sizeof(query), "s=%s", *scope ? scope : "-");
	if ((rc = radio_peer_new(r, &p, peer->host, peer->port, &peer->link)) ||
	    (rc = radio_peer_request(p, RADIO_GET, "snap", query, NULL, 0, node_net_one_done, &o)))
		goto out;
	uint64_t end = node_net_mono_ms() + timeout_ms;
	while (!o.done && node_net_mono_ms() < end)
		radio_run(r, 20);
	rc = !o.done ? -ETIMEDOUT : o.rc ? o.rc : body->err;
	if (!rc && o.code / 100 != 2)
		rc = o.code == 404 ? ERR_NOTFOUND : o.code == 413 ? ERR_TOOBIG : -EPROTO;
out:
	radio_peer_free(p);
	return rc;
}

int node_net_snap_fetch(struct node_ctx *ctx, struct radio *r, const struct node_net_peer *peer,
			const char *scope, uint64_t timeout_ms, struct sync_snap_info *info, size_t *bytes)
{
	struct buf body;
	int rc;

	memset(info, 0, sizeof(*info));
	*bytes = 0;
	buf_init(&body, SYNC_SNAP_MAX);
	if ((rc = node_net_snap_get(ctx, r, peer, scope, timeout_ms, &body)))
		goto out;
	*bytes = body.len;
	/* Without a county root this node trusts the peer it syncs with, as
	 * it takes that peer's deltas: the key that signed what it answered
	 * (snap.c S3). With one, the signer must be an enrolled hub. A relay
	 * passes on the hub's bytes: the same checks hold (never the relay's
	 * word). */
	uint8_t signer[SYNC_PK_LEN];
	const uint8_t *trusted = NULL;
	if (!ctx->app.have_root && sync_snapshot_signer(body.data, body.len, signer) == 0)
		trusted = signer;
	rc = sync_snapshot_apply(ctx->app.sync, body.data, body.len, scope, trusted, node_net_wall_ms(), info);
	/* kept to pass on to stations behind this node (snapkeep.c K1, K2);
	 * best effort: a relay that could not keep it fetches it again */
	if (rc == 0 && !ctx->app.hub)
		(void)node_snap_keep(ctx, scope, body.data, body.len, false);
out:
	buf_release(&body);
	return rc;
}

/* ---- client exchange --------------------------------------------------- */

struct node_xchg {
	struct node_ctx *ctx;
	struct radio *r;
	struct node_net_peer peer;
	struct node_net_sess sess; /* the port's argument */
	struct radio_xchg *rx;     /* NULL while the probe is out (P1) */
	struct radio_peer *rp;     /* the peer given, or one made for the probe */
	bool own_rp;
	uint64_t timeout_ms, start_ms;
	char query[CRDT_SCOPE_MAX + 64];
	char probe_q[512];         /* the probe's query (P1); "" for none */
	int probe;                 /* 0 none, 1 out, 2 answered "vv same", 3 go on */
	uint64_t waiting, wait_ms; /* own commits left for later by the probe (B3) */
	bool light;                /* the check asks no digests (B6) */
	char vvd[2 * SYNC_VV_HASH_LEN + 1]; /* the check's summary (P3); "" for none */
	bool was_idle;             /* the session was idle at the last step */
	int err;
	struct node_xchg_result res;
};

/* "SCOPE HEX" from the peer: does our state of that scope agree? Only
 * for scopes both hold (a station's own and the county-wide one). */
static void node_xchg_digest(struct node_xchg *x, const char *rest)
{
	char scope[CRDT_SCOPE_MAX + 2], theirs[80], ours[65];
	if (sscanf(rest, "%33s %79s", scope, theirs) != 2 || strlen(theirs) != 64 ||
	    (strcmp(scope, "-") != 0 && strcmp(scope, x->ctx->app.conf.station) != 0))
		return; /* not a scope this node asked about */
	if (node_net_digest_hex(x->ctx, scope, ours)) {
		x->err = ERR_STORAGE;
		return;
	}
	x->res.digests++;
	if (strcmp(ours, theirs) != 0) {
		x->res.digest_differ++;
		snprintf(x->res.digest_scope, sizeof(x->res.digest_scope), "%s", scope);
	}
}

/* The final GET /vv: what the peer holds against what this node holds. */
static int node_xchg_compare(void *arg, const uint8_t *body, size_t len)
{
	struct node_xchg *x = (struct node_xchg *)((char *)arg - offsetof(struct node_xchg, sess));
	struct crdt_vv_entry *vv = NULL;
	size_t n = 0, differ = 0, remote = 0;
	if (crdt_store_vv(x->ctx->app.store, &vv, &n))
		return ERR_STORAGE;
	bool *seen = calloc(n + 1, sizeof(bool));
	/* the peer's entries, kept as what it holds now (peers/<name>.vv) */
	struct crdt_vv_entry *pv = mem_calloc(len / 66 + 1, sizeof(*pv));
	size_t npv = 0;
	bool same = false;
	const char *p = (const char *)body, *end = p + len;
	while (p < end) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		size_t l = nl ? (size_t)(nl - p) : (size_t)(end - p);
		char line[200], hex[2 * CRDT_AUTHOR_LEN + 1], scope[CRDT_SCOPE_MAX + 2];
		unsigned long long seq;
		if (l < sizeof(line)) {
			memcpy(line, p, l);
			line[l] = '\0';
			if (strncmp(line, "digest ", 7) == 0) {
				node_xchg_digest(x, line + 7);
			} else if (strcmp(line, "vv same") == 0 && x->vvd[0]) {
				same = true; /* P3: the same feeds as ours in both scopes */
			} else if (sscanf(line, "%64s %33s %llu", hex, scope, &seq) == 3) {
				const char *sc = strcmp(scope, "-") == 0 ? "" : scope;
				bool match = false;
				remote++;
				if (pv && strlen(hex) == 2 * CRDT_AUTHOR_LEN && strlen(sc) <= CRDT_SCOPE_MAX &&
				    npv < len / 66 + 1) {
					struct crdt_vv_entry *e = &pv[npv];
					bool ok = true;
					for (size_t i = 0; i < CRDT_AUTHOR_LEN && ok; i++) {
						unsigned b;
						ok = sscanf(hex + 2 * i, "%2x", &b) == 1;
						e->author[i] = (uint8_t)b;
					}
					memcpy(e->scope, sc, strlen(sc) + 1);
					e->seq = seq;
					npv += ok;
				}
				for (size_t i = 0; i < n; i++) {
					char h[2 * CRDT_AUTHOR_LEN + 1];
					app_hex(vv[i].author, CRDT_AUTHOR_LEN, h);
					if (strcmp(h, hex) == 0 && strcmp(vv[i].scope, sc) == 0) {
						seen[i] = true;
						match = vv[i].seq == seq;
						break;
					}
				}
				if (!match)
					differ++;
			}
		}
		p += l + 1;
	}
	if (same && seen) { /* P3: the peer holds what we hold of both scopes */
		mem_free(pv);
		pv = mem_calloc(n + 1, sizeof(*pv));
		npv = 0;
		for (size_t i = 0; i < n; i++)
			if (!vv[i].scope[0] || strcmp(vv[i].scope, x->ctx->app.conf.station) == 0) {
				seen[i] = true;
				if (pv)
					pv[npv++] = vv[i];
			}
	}
	for (size_t i = 0; i < n; i++) /* feeds held here that the peer lacks */
		if (!seen[i] && (x->ctx->app.hub || !vv[i].scope[0] ||
				 strcmp(vv[i].scope, x->ctx->app.conf.station) == 0))
			differ++;
	free(seen);
	mem_free(vv);
	x->res.differ = differ;
	x->res.converged = differ == 0 && x->res.digest_differ == 0;
	/* Remember the sync (status, bundle export): a failure to write only
	 * costs that memory, not the sync. */
	char name[APP_PEER_NAME_MAX + 1];
	app_peer_name(x->peer.host, x->peer.port, name, sizeof(name));
	if (pv)
		app_peer_vv_save(&x->ctx->app, name, pv, npv);
	app_peer_last_save(&x->ctx->app, name, node_net_wall_ms());
	mem_free(pv);
	if (x->res.converged)
		app_mark_settle(&x->ctx->app); /* the peer holds our feeds now (feedmark.c W2) */
	return x->err;
}

static int node_xchg_hlc(void *arg, const struct crdt_log_entry *e)
{
	*(uint64_t *)arg = e->hlc;
	return 0;
}

/* B1-B3: lower this node's own feeds in vv (n entries, kept in order) to
 * the seqs last agreed with the peer, when its own commits past them are
 * waiting and not yet due; x->waiting and x->wait_ms then say so. True
 * when the session must go now (due). */
static bool node_xchg_batch(struct node_xchg *x, struct crdt_vv_entry *vv, size_t *n)
{
	struct node_ctx *ctx = x->ctx;
	struct crdt_vv_entry *pv = NULL;
	char name[APP_PEER_NAME_MAX + 1];
	uint64_t now = ctx->app.now_ms ? ctx->app.now_ms : node_net_wall_ms();
	uint64_t waiting = 0, oldest = UINT64_MAX;
	size_t npv = 0, keep = 0;
	bool due = false;

	x->waiting = x->wait_ms = 0;
	if (!x->peer.batch_s)
		return false; /* B1 */
	app_peer_name(x->peer.host, x->peer.port, name, sizeof(name));
	if (app_peer_vv_load(&ctx->app, name, &pv, &npv))
		npv = 0; /* nothing agreed: any own commit is due (B2) */
	for (size_t i = 0; i < *n && !due; i++) {
		const struct crdt_vv_entry *a = NULL;
		uint64_t hlc = 0;
		if (memcmp(vv[i].author, ctx->app.author, CRDT_AUTHOR_LEN) != 0)
			continue;
		for (size_t k = 0; k < npv && !a; k++)
			if (memcmp(pv[k].author, vv[i].author, CRDT_AUTHOR_LEN) == 0 &&
			    strcmp(pv[k].scope, vv[i].scope) == 0)
				a = &pv[k];
		if (!a) {
			due = true;
		} else if (a->seq < vv[i].seq) {
			waiting += vv[i].seq - a->seq;
			if (crdt_log_get(ctx->app.store, vv[i].author, vv[i].scope, a->seq + 1, node_xchg_hlc, &hlc) ||
			    (hlc >> 16) > now + 60000)
				due = true; /* not found, or written in the future (a clock set back) */
			else if ((hlc >> 16) < oldest)
				oldest = hlc >> 16;
		}
	}
	if (!waiting || due || oldest + (uint64_t)x->peer.batch_s * 1000 <= now) {
		mem_free(pv);
		return waiting > 0 || due;
	}
	/* not due: the vector as agreed (B3), own feeds at their agreed seqs */
	for (size_t i = 0; i < *n; i++) {
		bool own = memcmp(vv[i].author, ctx->app.author, CRDT_AUTHOR_LEN) == 0;
		for (size_t k = 0; own && k < npv; k++)
			if (memcmp(pv[k].author, vv[i].author, CRDT_AUTHOR_LEN) == 0 &&
			    strcmp(pv[k].scope, vv[i].scope) == 0 && pv[k].seq < vv[i].seq)
				vv[i].seq = pv[k].seq;
		if (vv[i].seq)
			vv[keep++] = vv[i];
	}
	*n = keep;
	mem_free(pv);
	x->waiting = waiting;
	x->wait_ms = oldest + (uint64_t)x->peer.batch_s * 1000 - now;
	return false;
}

/* The probe's query (P1) into x->probe_q, or "" when this exchange does
 * not probe: only over a link with a frame limit (LoRa), only a station
 * whose clock heard the hub in this boot (else it syncs in full, for the
 * hub's time), at most 8 scopes of plain names. */
static void node_xchg_probe_setup(struct node_xchg *x)
{
	struct node_ctx *ctx = x->ctx;
	struct crdt_vv_entry *vv = NULL;
	struct app_clock k;
	char scopes[10][CRDT_SCOPE_MAX + 1];
	size_t n = 0, ns = 0, off = 0;
	uint8_t h[SYNC_VV_HASH_LEN];
	char hex[2 * SYNC_VV_HASH_LEN + 1];

	x->probe_q[0] = '\0';
	if (!x->peer.link.frame || ctx->app.hub || !ctx->app.store || !ctx->app.conf.station[0] ||
	    app_clock_judge(&ctx->app, &k) || !k.ev.t.anchor_boot || k.ev.t.anchor_boot != k.n.boot)
		return;
	x->light = x->light || x->peer.batch_s > 0; /* B6: the daemon's check, without digests */
	if (crdt_store_vv(ctx->app.store, &vv, &n))
		return;
	snprintf(scopes[ns++], sizeof(scopes[0]), "%s", ctx->app.conf.station);
	scopes[ns++][0] = '\0';
	for (size_t i = 0; i < n && ns <= 8; i++) {
		bool have = false;
		for (size_t j = 0; j < ns && !have; j++)
			have = strcmp(scopes[j], vv[i].scope) == 0;
		if (!have)
			snprintf(scopes[ns++], sizeof(scopes[0]), "%s", vv[i].scope);
	}
	if (ns > 8 || node_xchg_batch(x, vv, &n) || sync_vv_hash(vv, n, h)) {
		mem_free(vv);
		x->waiting = 0;
		return; /* too many scopes for one query, or own commits due: sync in full */
	}
	mem_free(vv);
	for (size_t j = 0; j < ns; j++) {
		const char *sc = scopes[j][0] ? scopes[j] : "-";
		if (sc[strspn(sc, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_-")])
			return; /* a name a query cannot carry as it is */
		off += (size_t)snprintf(x->probe_q + off, sizeof(x->probe_q) - off, "scope=%s&", sc);
	}
	app_hex(h, sizeof(h), hex);
	snprintf(x->probe_q + off, sizeof(x->probe_q) - off, "vvq=%s", hex);
}

/* The check's query (P3): a station's vector over its own scope and the
 * county's goes as vvd, so a hub that holds the same answers one line,
 * not a line per feed of those scopes. Made when the session goes idle,
 * which is just before the check is asked. */
static void node_xchg_vvd(struct node_xchg *x)
{
	struct node_ctx *ctx = x->ctx;
	struct crdt_vv_entry *vv = NULL;
	const char *scopes[2] = { ctx->app.conf.station, "" };
	uint8_t h[SYNC_VV_HASH_LEN];
	size_t n = 0;
	x->vvd[0] = '\0';
	if (!ctx->app.hub && !crdt_store_vv_scopes(ctx->app.store, scopes, 2, &vv, &n) &&
	    !sync_vv_hash(vv, n, h))
		app_hex(h, sizeof(h), x->vvd);
	mem_free(vv);
	snprintf(x->query, sizeof(x->query), "scope=%s&scope=-%s%s%s", ctx->app.conf.station,
		 x->light ? "" : "&digest", x->vvd[0] ? "&vvd=" : "", x->vvd);
}

/* The probe's answer (P1): "vv same" ends the exchange, converged;
 * anything else (differ, an older hub's feed lines, a failure) starts the
 * session. */
static void node_xchg_probed(void *arg, int rc, unsigned code, const uint8_t *body, size_t len)
{
	struct node_xchg *x = arg;
	x->res.bytes_in += len;
	x->probe = rc == 0 && code / 100 == 2 && len >= 8 && memcmp(body, "vv same\n", 8) == 0 ? 2 : 3;
}

/* The session and the exchange that carries it (radio/xchg.c). */
static int node_xchg_start(struct node_xchg *x)
{
	struct node_ctx *ctx = x->ctx;
	struct radio_port port = node_port;
	struct sync_session_options so = {
		.initiator = true,
		.rto_ms = x->peer.link.ack_timeout_ms ? x->peer.link.ack_timeout_ms : 2000,
	};
	uint64_t spent = node_net_mono_ms() - x->start_ms;
	struct radio_xchg_options o = {
		.path = "s", .final_path = "vv", .final_query = ctx->app.hub ? NULL : x->query,
		.final = node_xchg_compare,
		.timeout_ms = x->timeout_ms > spent ? x->timeout_ms - spent : 1,
	};
	int rc;
	port.arg = &x->sess;
	if ((rc = sync_session_new(&x->sess.s, ctx->app.sync, &so, node_net_wall_ms())))
		return rc;
	return radio_xchg_new(&x->rx, x->r, x->peer.host, x->peer.port, &x->peer.link, x->rp, &port, &o);
}

int node_xchg_new(struct node_xchg **out, struct node_ctx *ctx, struct radio *r,
		  const struct node_net_peer *peer, struct radio_peer *rp, uint64_t timeout_ms)
{
	struct node_xchg *x;
	int rc;

	*out = NULL;
	x = mem_calloc(1, sizeof(*x));
	if (!x)
		return -ENOMEM;
	x->ctx = ctx;
	x->r = r;
	x->peer = *peer;
	x->rp = rp;
	x->timeout_ms = timeout_ms;
	x->start_ms = node_net_mono_ms();
	/* a station compares only the scopes it shares with the hub; the
	 * digests only until they agreed once in this run of serve (B7) */
	x->light = peer->light;
	snprintf(x->query, sizeof(x->query), "scope=%s&scope=-%s", ctx->app.conf.station, x->light ? "" : "&digest");
	node_xchg_probe_setup(x); /* P1 */
	if (x->probe_q[0] && !x->rp && !radio_peer_new(r, &x->rp, peer->host, peer->port, &peer->link))
		x->own_rp = true;
	if (x->probe_q[0] && x->rp &&
	    !radio_peer_request(x->rp, RADIO_GET, "vv", x->probe_q, NULL, 0, node_xchg_probed, x)) {
		x->probe = 1;
		x->res.bytes_out += strlen(x->probe_q);
	} else if ((rc = node_xchg_start(x))) {
		node_xchg_free(x);
		return rc;
	}
	*out = x;
	return 0;
}

void node_xchg_free(struct node_xchg *x)
{
	if (!x)
		return;
	radio_xchg_free(x->rx); /* first: its callbacks reach the session */
	sync_session_free(x->sess.s);
	if (x->own_rp)
		radio_peer_free(x->rp); /* ends a probe still out (-ECANCELED) */
	mem_free(x);
}

/* The probe said "vv same": converged, nothing sent (P1). */
static bool node_xchg_probe_done(struct node_xchg *x, struct node_xchg_result *res)
{
	char name[APP_PEER_NAME_MAX + 1];
	app_peer_name(x->peer.host, x->peer.port, name, sizeof(name));
	app_peer_last_save(&x->ctx->app, name, node_net_wall_ms());
	if (!x->waiting) /* B5 */
		app_mark_settle(&x->ctx->app); /* the peer holds our feeds (app/mark.c W2) */
	x->res.converged = !x->waiting;
	x->res.waiting = x->waiting;
	x->res.wait_ms = x->wait_ms;
	x->res.probed = true;
	x->res.ms = node_net_mono_ms() - x->start_ms;
	*res = x->res;
	return true;
}

bool node_xchg_step(struct node_xchg *x, struct node_xchg_result *res)
{
	struct radio_xchg_result rr;
	if (x->probe == 1)
		return false; /* its answer is still to come */
	if (x->probe == 2)
		return node_xchg_probe_done(x, res);
	if (!x->rx) {
		x->probe = 0;
		if ((x->res.rc = node_xchg_start(x))) {
			*res = x->res;
			return true;
		}
		return false;
	}
	bool idle = sync_session_idle(x->sess.s);
	if (idle && !x->was_idle)
		node_xchg_vvd(x); /* P3: before the check goes out */
	x->was_idle = idle;
	if (!radio_xchg_step(x->rx, &rr))
		return false;
	x->res.rc = rr.rc;
	x->res.msgs_out = rr.msgs_out;
	x->res.msgs_in = rr.msgs_in;
	x->res.bytes_out = rr.bytes_out;
	x->res.bytes_in = rr.bytes_in;
	x->res.copies = rr.copies;
	x->res.ms = rr.ms;
	x->res.rep = *sync_session_report(x->sess.s);
	node_net_heard(x->ctx, &x->res.rep);
	*res = x->res;
	return true;
}
