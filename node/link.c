// SPDX-License-Identifier: MIT
/*
 * link.c - the sync session carried over CoAP: the server side of the
 * resources /s and /vv, and the client's exchange with one peer. The only
 * file that knows both sync/ and radio/ (node/net.h has the picture).
 *
 * The /s body (docs/protocol.md "CoAP resources"): a request is zero or
 * more sync messages back to back (each says its own length in its
 * header); a response is one flags byte (bit 0 IDLE: the serving session
 * has nothing unacknowledged or queued; bit 1 MORE: it stopped early and
 * has more to send) and then messages.
 *
 * Exchange invariants (client):
 *  X1. At most link.window CoAP requests are in flight, copies (X5)
 *      included; each carries one message, or none (a poll for the peer's
 *      messages).
 *  X2. The exchange is over only when the local session is idle, no
 *      request is in flight, and the response to the latest request sent
 *      said IDLE; then the peer's version vector is fetched and compared.
 *  X3. The local session is ticked (resends queued) only when no request
 *      is waiting for its answer: a message still travelling is resent
 *      by X5, not by the session.
 *  X4. A request that fails after all its retransmissions (every copy of
 *      it, X5) only counts a failure (a GET /vv is then asked again);
 *      three in a row with no answer between them end the exchange as
 *      unreachable, and so does a peer that never answered while the
 *      first request was sent four times. What was acknowledged stays
 *      acknowledged.
 *  X5. A request with no answer after the resend interval (node_xchg_wait:
 *      twice the shortest round trip measured in this exchange plus
 *      100 ms, within [0.4 s, 2 s], 1 s before any was measured; longer
 *      per block of its body; doubling per copy; a round trip as long as
 *      the ACK timeout is no measure, it may include a retransmission) is
 *      sent again in a fresh CoAP request (new token and message id, same
 *      body) instead of waiting out libcoap's exponential backoff (+2,
 *      +6, +15 s). A
 *      request rides in at most NODE_XCHG_COPIES CoAP requests; the first
 *      answer to any of them answers it, the later ones only bring their
 *      messages (feeding is idempotent: a DELTA again is a duplicate, an
 *      ACK again names nothing outstanding). Copies count in the window:
 *      at most link.window CoAP requests are ever outstanding (NSTART),
 *      so a link with window 1 (LoRa) keeps libcoap's schedule alone.
 *  X6. Polls grow like TCP's slow start: each answer that says MORE
 *      allows two more polls (within the window), an answer that does not
 *      cancels those not yet sent; so 1, 2, 4, 8 per round trip while the
 *      peer has more, and no poll at all for a peer that has nothing
 *      (every extra request in flight is one more that X2 waits for).
 */
#include <dirent.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <time.h>
#include <sqlite3.h>

#include "base/err.h"
#include "base/mem.h"
#include "app/enroll.h"
#include "node/net.h"

#define NODE_FLAG_IDLE 0x01
#define NODE_FLAG_MORE 0x02
#define NODE_RESP_SOFT 256     /* keep packing small messages up to here */
#define NODE_SESS_IDLE_MS 120000
#define NODE_SERVER_RTO_MS 4000
#define NODE_KEY_MAX 32

const struct radio_resource node_net_resources[] = {
	{ .path = "vv", .rt = "cunlian.vv", .ct = 0, .get = true },
	{ .path = "s", .rt = "cunlian.session", .ct = 42, .post = true },
	{ .path = "join", .rt = "cunlian.join", .ct = 42, .post = true },
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
		if (node_peer_last_load(ctx, name, &last) || last == 0 ||
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

/* DELTAs refused only for a gap (an earlier chunk of the same feed is
 * still on its way, in another request) wait here and are fed again after
 * the next chunk that applies, instead of waiting for the peer's resend. */
#define NODE_GAPQ_MAX 16
#define NODE_GAPQ_BYTES ((size_t)1 << 20)
struct node_gapq {
	uint8_t *m[NODE_GAPQ_MAX];
	size_t len[NODE_GAPQ_MAX], n, bytes;
};

static void node_gapq_release(struct node_gapq *q)
{
	for (size_t i = 0; i < q->n; i++)
		mem_free(q->m[i]);
	memset(q, 0, sizeof(*q));
}

static uint64_t node_gaps(const struct sync_session *s)
{
	const struct sync_report *r = sync_session_report(s);
	for (size_t i = 0; i < r->nreasons; i++)
		if (r->reasons[i].rc == ERR_GAP)
			return r->reasons[i].n;
	return 0;
}

uint64_t node_net_refused(const struct sync_report *r)
{
	uint64_t n = r->refused + r->chunks_refused;
	for (size_t i = 0; i < r->nreasons; i++)
		if (r->reasons[i].rc == ERR_GAP)
			n -= r->reasons[i].n <= n ? r->reasons[i].n : n;
	return n;
}

/* Feed one message; *gap tells whether it waits for an earlier one. */
static int node_net_feed1(struct sync_session *s, const uint8_t *p, size_t len, uint64_t wall, bool *gap)
{
	uint64_t g = node_gaps(s);
	int rc = sync_session_input(s, p, len, wall);
	*gap = node_gaps(s) > g;
	return rc;
}

/* Feed every message of a body to a session; stop at one that does not
 * frame (the rest cannot be found). Returns messages fed or < 0. */
static int node_net_feed(struct sync_session *s, struct node_gapq *q, const uint8_t *p, size_t len,
			 uint64_t wall)
{
	size_t off = 0;
	int n = 0, rc;
	bool gap;
	while (off < len) {
		uint8_t id[SYNC_ID_LEN];
		int type;
		size_t clen;
		if (sync_chunk_peek(p + off, len - off, id, &type, &clen) || clen == 0 || clen > len - off)
			break;
		if ((rc = node_net_feed1(s, p + off, clen, wall, &gap)))
			return rc;
		if (gap && q->n < NODE_GAPQ_MAX && q->bytes + clen <= NODE_GAPQ_BYTES &&
		    (q->m[q->n] = mem_alloc(clen))) {
			memcpy(q->m[q->n], p + off, clen);
			q->len[q->n++] = clen;
			q->bytes += clen;
		} else if (!gap && q->n) { /* something applied: retry what waits */
			bool progress = true;
			while (progress) {
				progress = false;
				for (size_t i = 0; i < q->n; i++) {
					if ((rc = node_net_feed1(s, q->m[i], q->len[i], wall, &gap)))
						return rc;
					if (gap)
						continue;
					q->bytes -= q->len[i];
					mem_free(q->m[i]);
					q->m[i] = q->m[q->n - 1];
					q->len[i] = q->len[q->n - 1];
					q->n--;
					progress = true;
					break;
				}
			}
		}
		off += clen;
		n++;
	}
	return n;
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
	size_t n = 0;
	int rc = crdt_store_vv(ctx->app.store, &vv, &n);
	if (rc)
		return rc;
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
			if (strcmp(scope, "-") == 0 || app_id_ok(scope)) {
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

/* ---- server ------------------------------------------------------------ */

struct node_net_sess {
	char key[NODE_KEY_MAX + 1];
	char addr[RADIO_ADDR_MAX];
	struct sync_session *s;
	struct node_gapq gq;
	uint64_t start_ms, last_ms;
	uint64_t msgs_in, msgs_out, bytes_in, bytes_out;
	uint64_t noted_in; /* msgs_in when the sync was last noted */
	bool own_checked;  /* its own feeds compared once its HELLO came */
};

struct node_net_server {
	struct node_ctx *ctx;
	struct node_net_sess *v;
	size_t n, max;
	struct buf msg;
	node_net_seen_fn seen;
	void *seen_arg;
	const struct node_log *log;
};

int node_net_server_new(struct node_net_server **out, struct node_ctx *ctx, size_t max_sessions)
{
	struct node_net_server *s = mem_calloc(1, sizeof(*s));
	*out = NULL;
	if (!s)
		return -ENOMEM;
	s->v = mem_calloc(max_sessions, sizeof(*s->v));
	if (!s->v) {
		mem_free(s);
		return -ENOMEM;
	}
	s->ctx = ctx;
	s->max = max_sessions;
	buf_init(&s->msg, SYNC_CHUNK_MAX);
	*out = s;
	return 0;
}

static void node_net_sess_end(struct node_net_server *s, size_t i, const char *why)
{
	struct node_net_sess *e = &s->v[i];
	const struct sync_report *rep = sync_session_report(e->s);
	if (rep->time_kind) {
		uint64_t w = node_net_wall_ms();
		app_clock_heard(&s->ctx->app, rep, true, w > rep->time_at ? w - rep->time_at : 0);
	}
	node_net_log(s->ctx, s->log, node_net_refused(rep) ? NODE_LOG_WARNING : NODE_LOG_INFO,
		 M_LOG_SERVED, e->addr, why, (unsigned long long)e->msgs_in,
		 (unsigned long long)e->bytes_in, (unsigned long long)e->msgs_out,
		 (unsigned long long)e->bytes_out, (unsigned long long)rep->applied,
		 (unsigned long long)node_net_refused(rep), (double)(e->last_ms - e->start_ms) / 1000.0);
	sync_session_free(e->s);
	node_gapq_release(&e->gq);
	s->v[i] = s->v[--s->n];
}

void node_net_server_reset(struct node_net_server *s)
{
	while (s->n)
		node_net_sess_end(s, s->n - 1, "reset");
}

void node_net_server_free(struct node_net_server *s)
{
	if (!s)
		return;
	while (s->n)
		node_net_sess_end(s, s->n - 1, "stop");
	buf_release(&s->msg);
	mem_free(s->v);
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
	for (size_t i = s->n; i-- > 0;) {
		struct node_net_sess *e = &s->v[i];
		if (now_ms >= e->last_ms + NODE_SESS_IDLE_MS)
			node_net_sess_end(s, i, sync_session_idle(e->s) ? "done" : "timeout");
	}
}

static int node_net_query_key(const char *q, char *key)
{
	while (*q) {
		size_t k = strcspn(q, "&");
		if (k > 2 && strncmp(q, "k=", 2) == 0 && k - 2 <= NODE_KEY_MAX) {
			for (size_t i = 2; i < k; i++) {
				char c = q[i];
				if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f')))
					return ERR_USAGE;
			}
			memcpy(key, q + 2, k - 2);
			key[k - 2] = '\0';
			return 0;
		}
		q += k + (q[k] == '&');
	}
	return ERR_USAGE;
}

/* The exchange went idle after news from the peer: that node synced
 * now (peers/node-<its key>.last, read by report --by station). Noted
 * here rather than when the session ends, which is minutes later. */
static void node_net_sess_note(struct node_net_server *s, struct node_net_sess *e)
{
	const uint8_t *peer = sync_session_peer(e->s);
	char name[2 * CRDT_AUTHOR_LEN + 8];
	if (!peer)
		return;
	e->noted_in = e->msgs_in;
	memcpy(name, "node-", 5);
	app_hex(peer, CRDT_AUTHOR_LEN, name + 5);
	node_peer_last_save(s->ctx, name, node_net_wall_ms());
}

/* A peer whose HELLO holds fewer of its own commits than this node holds
 * lost its database or runs an older copy of it: say so in the log, once
 * a session, for the technician (it must run `cunlian recover`). */
static void node_net_own_check(struct node_net_server *s, struct node_net_sess *e)
{
	char scope[CRDT_SCOPE_MAX + 1], hex[2 * CRDT_AUTHOR_LEN + 1], station[CRDT_SCOPE_MAX + 1] = "-";
	uint64_t theirs, ours;
	uint8_t role;
	e->own_checked = true;
	if (sync_session_own_behind(e->s, scope, sizeof(scope), &theirs, &ours) != 1)
		return;
	app_hex(sync_session_peer(e->s), CRDT_AUTHOR_LEN, hex);
	sync_ctx_enrolment(s->ctx->app.sync, sync_session_peer(e->s), station, sizeof(station), &role);
	node_net_log(s->ctx, s->log, NODE_LOG_WARNING, M_LOG_PEER_OWN_LOST, e->addr, station, hex,
		     scope[0] ? scope : "-", (unsigned long long)theirs, (unsigned long long)ours);
}

static struct node_net_sess *node_net_sess_get(struct node_net_server *s, const char *key,
					       const char *addr, uint64_t wall)
{
	struct sync_session_options so = { .initiator = false, .rto_ms = NODE_SERVER_RTO_MS };
	struct node_net_sess *e;
	for (size_t i = 0; i < s->n; i++)
		if (strcmp(s->v[i].key, key) == 0)
			return &s->v[i];
	if (s->n == s->max) { /* make room: the longest-quiet idle session */
		size_t best = s->max;
		for (size_t i = 0; i < s->n; i++)
			if (sync_session_idle(s->v[i].s) && (best == s->max || s->v[i].last_ms < s->v[best].last_ms))
				best = i;
		if (best == s->max)
			return NULL;
		node_net_sess_end(s, best, "done");
	}
	e = &s->v[s->n];
	memset(e, 0, sizeof(*e));
	if (sync_session_new(&e->s, s->ctx->app.sync, &so, wall))
		return NULL;
	snprintf(e->key, sizeof(e->key), "%s", key);
	snprintf(e->addr, sizeof(e->addr), "%s", addr);
	e->start_ms = e->last_ms = node_net_mono_ms();
	s->n++;
	return e;
}

static void node_net_serve_s(struct node_net_server *s, const struct radio_req *req,
			     struct radio_resp *resp)
{
	char key[NODE_KEY_MAX + 1];
	uint64_t wall = node_net_wall_ms();
	struct node_net_sess *e;
	bool delta = false, more = false;
	int rc, fed;

	if (node_net_query_key(req->query, key)) {
		resp->code = 400;
		return;
	}
	if (!(e = node_net_sess_get(s, key, req->peer, wall))) {
		resp->code = 503;
		return;
	}
	e->last_ms = node_net_mono_ms();
	snprintf(e->addr, sizeof(e->addr), "%s", req->peer); /* a NAT may move it */
	if ((fed = node_net_feed(e->s, &e->gq, req->body, req->len, wall)) < 0) {
		resp->code = 500;
		return;
	}
	e->msgs_in += (uint64_t)fed;
	e->bytes_in += req->len;
	if (!e->own_checked && sync_session_peer(e->s))
		node_net_own_check(s, e);
	sync_session_tick(e->s, wall);
	buf_put_u8(&resp->body, 0);
	while (resp->body.len < NODE_RESP_SOFT && !delta) {
		rc = sync_session_output(e->s, &s->msg, wall);
		if (rc < 0) {
			resp->code = 500;
			return;
		}
		if (rc == 0)
			break;
		uint8_t id[SYNC_ID_LEN];
		int type = 0;
		size_t clen;
		if (sync_chunk_peek(s->msg.data, s->msg.len, id, &type, &clen) == 0 && type == 2)
			delta = true; /* one DELTA per response: one block on the way back */
		buf_put(&resp->body, s->msg.data, s->msg.len);
		e->msgs_out++;
		e->bytes_out += s->msg.len;
		more = true;
	}
	if (more && (resp->body.len >= NODE_RESP_SOFT || delta)) { /* stopped early: more? */
		if ((rc = sync_session_pending(e->s, wall)) < 0) {
			resp->code = 500;
			return;
		}
		more = rc == 1;
	} else {
		more = false;
	}
	resp->body.data[0] = (uint8_t)((sync_session_idle(e->s) ? NODE_FLAG_IDLE : 0) |
				       (more ? NODE_FLAG_MORE : 0));
	resp->code = 204;
	resp->ct = 42;
	if (sync_session_idle(e->s) && e->msgs_in != e->noted_in)
		node_net_sess_note(s, e);
	if (s->seen)
		s->seen(s->seen_arg, req->peer);
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

void node_net_serve(void *arg, const struct radio_req *req, struct radio_resp *resp)
{
	struct node_net_server *s = arg;
	if (strcmp(req->path, "vv") == 0) {
		if (node_net_vv_text(s->ctx, req->query, &resp->body))
			resp->code = 500;
		resp->ct = 0;
		return;
	}
	if (strcmp(req->path, "s") == 0 && req->method == RADIO_POST) {
		node_net_serve_s(s, req, resp);
		return;
	}
	if (strcmp(req->path, "join") == 0 && req->method == RADIO_POST) {
		node_net_serve_join(s, req, resp);
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

/* ---- client exchange --------------------------------------------------- */

enum node_xchg_phase { XCHG_SYNC, XCHG_VV, XCHG_DONE };

#define NODE_XCHG_COPIES 3           /* CoAP requests one request may ride in (X5) */
#define NODE_XCHG_WAIT_FIRST 1000    /* resend interval before a round trip was measured */
#define NODE_XCHG_WAIT_MIN 400
#define NODE_XCHG_WAIT_MAX 2000

/* One request as the exchange sees it: a body (or a GET /vv), sent in
 * one CoAP request and, when no answer comes, in fresh copies (X5). */
struct node_xchg_req {
	struct node_xchg *x; /* NULL once the exchange is gone */
	uint64_t seq;
	bool vv;
	bool over;           /* answered, or every copy failed */
	uint8_t *body;       /* kept for copies until over */
	size_t len;
	unsigned copies;     /* CoAP requests sent with it */
	unsigned live;       /* of those, not ended yet */
	uint64_t sent_ms;    /* when the latest copy went (monotonic) */
	struct node_xchg_req *next;
};

/* One CoAP request carrying a request: its callback's argument. */
struct node_xchg_copy {
	struct node_xchg_req *q;
	uint64_t sent_ms;
	bool ended;
	struct node_xchg_copy *next;
};

struct node_xchg {
	struct node_ctx *ctx;
	struct radio *r;
	struct radio_peer *p;
	bool own_p;
	struct node_net_peer peer;
	struct sync_session *s;
	struct node_gapq gq;
	char key[17];
	enum node_xchg_phase phase;
	uint64_t start, deadline, last_poll, poll_gap;
	uint64_t seq, latest_seq; /* requests sent; the latest with an answer */
	bool peer_idle, heard;
	unsigned polls;      /* polls to send for a peer that said MORE (X6) */
	uint64_t silence_ms; /* unreachable when nothing was ever heard by then */
	unsigned inflight;   /* /s requests not over */
	unsigned live;       /* CoAP requests not ended, copies included (X1) */
	unsigned fails;
	uint64_t rtt_ms;     /* shortest round trip seen; 0: none yet */
	uint64_t ack_ms;     /* libcoap's ACK timeout for the peer */
	int err;
	struct buf msg;
	struct node_xchg_req *reqs;    /* requests not over or with live copies */
	struct node_xchg_copy *copies; /* live callbacks (freed once ended) */
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
	if (strcmp(ours, theirs) != 0) {
		x->res.digest_differ++;
		snprintf(x->res.digest_scope, sizeof(x->res.digest_scope), "%s", scope);
	}
}

static void node_xchg_compare(struct node_xchg *x, const uint8_t *body, size_t len)
{
	struct crdt_vv_entry *vv = NULL;
	size_t n = 0, differ = 0, remote = 0;
	if (crdt_store_vv(x->ctx->app.store, &vv, &n)) {
		x->err = ERR_STORAGE;
		return;
	}
	bool *seen = calloc(n + 1, sizeof(bool));
	/* the peer's entries, kept as what it holds now (peers/<name>.vv) */
	struct crdt_vv_entry *pv = mem_calloc(len / 66 + 1, sizeof(*pv));
	size_t npv = 0;
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
	char name[NODE_PEER_NAME_MAX + 1];
	node_peer_name(x->peer.host, x->peer.port, name, sizeof(name));
	if (pv)
		node_peer_vv_save(x->ctx, name, pv, npv);
	node_peer_last_save(x->ctx, name, node_net_wall_ms());
	mem_free(pv);
	if (x->res.converged)
		app_mark_settle(&x->ctx->app); /* the peer holds our feeds now (app/mark.c W2) */
}

/* A request has its answer, or every copy failed (X4, X5). */
static void node_xchg_over(struct node_xchg_req *q)
{
	struct node_xchg *x = q->x;
	q->over = true;
	if (!q->vv)
		x->inflight--;
	mem_free(q->body);
	q->body = NULL;
}

static void node_xchg_done(void *arg, int rc, unsigned code, const uint8_t *body, size_t len)
{
	struct node_xchg_copy *c = arg;
	struct node_xchg_req *q = c->q;
	struct node_xchg *x = q->x;
	if (!x) /* the exchange is gone */
		return;
	c->ended = true;
	q->live--;
	x->live--;
	if (rc == 0) {
		/* X5: a round trip counts only when it cannot include one of
		 * libcoap's retransmissions, the first of which waits at least
		 * the ACK timeout (Karn: a retransmitted request's answer says
		 * nothing about the round trip) */
		uint64_t rtt = node_net_mono_ms() - c->sent_ms;
		x->heard = true;
		if (rtt < x->ack_ms && (!x->rtt_ms || rtt < x->rtt_ms))
			x->rtt_ms = rtt ? rtt : 1;
	}
	if (q->over) {
		/* X5: a later copy's answer; only the messages it brings count
		 * (the peer's session sent them once, in this response) */
		if (rc == 0 && code / 100 == 2 && !q->vv && len >= 1 && x->phase == XCHG_SYNC) {
			int fed = node_net_feed(x->s, &x->gq, body + 1, len - 1, node_net_wall_ms());
			if (fed < 0)
				x->err = fed;
			else
				x->res.msgs_in += (uint64_t)fed;
			x->res.bytes_in += len;
		}
		return;
	}
	if (rc < 0 && q->live) /* X5: another copy may still be answered */
		return;
	node_xchg_over(q);
	if (rc == 0 && code / 100 == 2) {
		x->fails = 0;
		if (q->vv) {
			node_xchg_compare(x, body, len);
			x->phase = XCHG_DONE;
			return;
		}
		x->res.bytes_in += len;
		if (len >= 1) {
			int fed = node_net_feed(x->s, &x->gq, body + 1, len - 1, node_net_wall_ms());
			if (fed < 0)
				x->err = fed;
			else
				x->res.msgs_in += (uint64_t)fed;
			if (q->seq >= x->latest_seq) {
				x->latest_seq = q->seq;
				x->peer_idle = body[0] & NODE_FLAG_IDLE;
				/* X6: two polls per answer that says MORE, none after one that does not */
				x->polls = body[0] & NODE_FLAG_MORE ? x->polls + 2 : 0;
				if (x->polls > x->peer.link.window)
					x->polls = x->peer.link.window;
			}
		}
		return;
	}
	if (rc == 0) { /* an error code: the peer refuses (limits, bad request) */
		x->fails++;
		if (code == 503 || code == 429) { /* busy: back off like a loss */
			if (q->vv)
				x->phase = XCHG_SYNC;
			return;
		}
		if (x->fails >= 3 || q->vv)
			x->err = -EPROTO;
		return;
	}
	if (++x->fails >= 3) /* X4 */
		x->err = rc;
	else if (q->vv)
		x->phase = XCHG_SYNC; /* ask again: X2 still holds */
}

/* One CoAP request carrying q (the first, or a copy: X5). */
static int node_xchg_send(struct node_xchg *x, struct node_xchg_req *q)
{
	struct node_xchg_copy *c = mem_calloc(1, sizeof(*c));
	char query[40];
	int rc;
	if (!c)
		return -ENOMEM;
	c->q = q;
	c->sent_ms = node_net_mono_ms();
	c->next = x->copies;
	x->copies = c;
	q->copies++;
	q->live++;
	q->sent_ms = c->sent_ms;
	x->live++;
	if (q->vv) { /* a station compares only the scopes it shares with the hub */
		char scopes[CRDT_SCOPE_MAX + 32];
		snprintf(scopes, sizeof(scopes), "scope=%s&scope=-&digest", x->ctx->app.conf.station);
		rc = radio_peer_request(x->p, RADIO_GET, "vv", x->ctx->app.hub ? NULL : scopes, NULL, 0,
					node_xchg_done, c);
	} else {
		snprintf(query, sizeof(query), "k=%s", x->key);
		rc = radio_peer_request(x->p, RADIO_POST, "s", query, q->body, q->len, node_xchg_done, c);
		x->res.bytes_out += q->len;
	}
	if (rc) { /* radio_peer_request calls no callback when it fails */
		c->ended = true;
		q->live--;
		x->live--;
	}
	return rc;
}

static int node_xchg_post(struct node_xchg *x, const uint8_t *body, size_t len, bool vv)
{
	struct node_xchg_req *q = mem_calloc(1, sizeof(*q));
	int rc;
	if (!q || (len && !(q->body = mem_alloc(len)))) {
		mem_free(q);
		return -ENOMEM;
	}
	if (len)
		memcpy(q->body, body, len);
	q->len = len;
	q->x = x;
	q->vv = vv;
	q->seq = ++x->seq;
	q->next = x->reqs;
	x->reqs = q;
	if (!vv)
		x->inflight++;
	if ((rc = node_xchg_send(x, q)))
		node_xchg_over(q);
	return rc;
}

/* X5: how long q waits for an answer before its next copy. */
static uint64_t node_xchg_wait(const struct node_xchg *x, const struct node_xchg_req *q)
{
	uint64_t rtt = x->rtt_ms, cap = NODE_XCHG_WAIT_MAX, w = NODE_XCHG_WAIT_FIRST;
	size_t block = x->peer.link.block ? x->peer.link.block : 1024;
	if (rtt) {
		w = 2 * rtt + 100;
		if (rtt + 500 > cap) /* a link slower than the cap: never before an answer could come */
			cap = rtt + 500;
		w = w < NODE_XCHG_WAIT_MIN ? NODE_XCHG_WAIT_MIN : w > cap ? cap : w;
	}
	for (unsigned k = 1; k < q->copies && w < cap; k++)
		w *= 2;
	if (w > cap)
		w = cap;
	return w * (1 + q->len / block);
}

/* X5: fresh copies of requests left without an answer, within the window;
 * then drop what is over and ended. */
static int node_xchg_resend(struct node_xchg *x, uint64_t now)
{
	for (struct node_xchg_req *q = x->reqs; q && x->live < x->peer.link.window; q = q->next) {
		if (q->over || q->copies >= NODE_XCHG_COPIES || now < q->sent_ms + node_xchg_wait(x, q))
			continue;
		int rc = node_xchg_send(x, q);
		if (rc)
			return rc;
		x->res.copies++;
	}
	for (struct node_xchg_copy **pc = &x->copies; *pc;) {
		struct node_xchg_copy *c = *pc;
		if (c->ended) {
			*pc = c->next;
			mem_free(c);
		} else {
			pc = &c->next;
		}
	}
	for (struct node_xchg_req **pq = &x->reqs; *pq;) {
		struct node_xchg_req *q = *pq;
		if (q->over && q->live == 0) {
			*pq = q->next;
			mem_free(q);
		} else {
			pq = &q->next;
		}
	}
	return 0;
}

int node_xchg_new(struct node_xchg **out, struct node_ctx *ctx, struct radio *r,
		  const struct node_net_peer *peer, struct radio_peer *rp, uint64_t timeout_ms)
{
	struct node_xchg *x;
	uint8_t rnd[8];
	int rc;

	*out = NULL;
	x = mem_calloc(1, sizeof(*x));
	if (!x)
		return -ENOMEM;
	x->ctx = ctx;
	x->r = r;
	x->peer = *peer;
	if (getrandom(rnd, sizeof(rnd), 0) != (ssize_t)sizeof(rnd)) {
		mem_free(x);
		return -EIO;
	}
	app_hex(rnd, sizeof(rnd), x->key);
	buf_init(&x->msg, SYNC_CHUNK_MAX);
	x->start = node_net_mono_ms();
	x->deadline = x->start + timeout_ms;
	x->poll_gap = peer->link.ack_timeout_ms ? peer->link.ack_timeout_ms / 4 : 250;
	/* four transmissions of the first request (1 + 2 + 4 + 8 ACK timeouts,
	 * times libcoap's random factor 1.5) with no answer: unreachable */
	uint64_t ack = peer->link.ack_timeout_ms < 1000 ? 1000 : peer->link.ack_timeout_ms;
	x->silence_ms = ack * 15 * 3 / 2;
	x->ack_ms = peer->link.ack_timeout_ms ? ack : 2000;
	struct sync_session_options so = {
		.initiator = true,
		.rto_ms = peer->link.ack_timeout_ms ? peer->link.ack_timeout_ms : 2000,
	};
	x->p = rp;
	if (!rp) {
		x->own_p = true;
		rc = radio_peer_new(r, &x->p, peer->host, peer->port, &peer->link);
	} else {
		rc = radio_peer_inflight(rp) ? -EBUSY : 0;
	}
	if (rc || (rc = sync_session_new(&x->s, ctx->app.sync, &so, node_net_wall_ms()))) {
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
	/* callbacks of requests still queued in libcoap see x == NULL */
	for (struct node_xchg_req *q = x->reqs; q; q = q->next)
		q->x = NULL;
	if (x->own_p)
		radio_peer_free(x->p); /* ends pending requests (-ECANCELED) */
	else if (x->p)
		radio_peer_cancel(x->p);
	while (x->copies) {
		struct node_xchg_copy *c = x->copies;
		x->copies = c->next;
		mem_free(c);
	}
	while (x->reqs) {
		struct node_xchg_req *q = x->reqs;
		x->reqs = q->next;
		mem_free(q->body);
		mem_free(q);
	}
	sync_session_free(x->s);
	node_gapq_release(&x->gq);
	buf_release(&x->msg);
	mem_free(x);
}

static bool node_xchg_finish(struct node_xchg *x, struct node_xchg_result *res)
{
	x->res.rc = x->err;
	x->res.rep = *sync_session_report(x->s);
	if (x->res.rep.time_kind) { /* what time the peer said (app/clock.c) */
		uint64_t w = node_net_wall_ms();
		app_clock_heard(&x->ctx->app, &x->res.rep, true, w > x->res.rep.time_at ? w - x->res.rep.time_at : 0);
	}
	x->res.ms = node_net_mono_ms() - x->start;
	*res = x->res;
	x->phase = XCHG_DONE;
	return true;
}

bool node_xchg_step(struct node_xchg *x, struct node_xchg_result *res)
{
	uint64_t now = node_net_mono_ms(), wall = node_net_wall_ms();
	int rc;

	if (x->err || (x->phase == XCHG_DONE))
		return node_xchg_finish(x, res);
	if (now > x->deadline || (!x->heard && now > x->start + x->silence_ms)) {
		x->err = -ETIMEDOUT; /* X4: a peer that never answered is unreachable */
		return node_xchg_finish(x, res);
	}
	if ((rc = node_xchg_resend(x, now))) { /* X5 */
		x->err = rc;
		return node_xchg_finish(x, res);
	}
	if (x->phase == XCHG_VV)
		return false;
	if (x->inflight == 0)
		sync_session_tick(x->s, wall); /* X3 */
	while (x->live < x->peer.link.window) { /* X1 */
		rc = sync_session_output(x->s, &x->msg, wall);
		if (rc < 0) {
			x->err = rc;
			return node_xchg_finish(x, res);
		}
		if (rc == 0)
			break;
		x->res.msgs_out++;
		if ((rc = node_xchg_post(x, x->msg.data, x->msg.len, false))) {
			x->err = rc;
			return node_xchg_finish(x, res);
		}
	}
	bool local_idle = sync_session_idle(x->s);
	if (local_idle && x->peer_idle && x->inflight == 0 && x->latest_seq == x->seq) { /* X2 */
		if (x->live >= x->peer.link.window) /* X1: copies of answered requests still out */
			return false;
		x->phase = XCHG_VV;
		if ((rc = node_xchg_post(x, NULL, 0, true)))
			x->err = rc;
		return false;
	}
	/* Poll for the peer's messages: while it says MORE, two for each such
	 * answer within the window (X6), otherwise one at a time, now and then. */
	if (x->polls) {
		while (x->polls && x->live < x->peer.link.window && !x->err) {
			x->polls--;
			if ((rc = node_xchg_post(x, NULL, 0, false)))
				x->err = rc;
		}
		x->last_poll = now;
	} else if (x->inflight == 0 && now >= x->last_poll + x->poll_gap) {
		x->last_poll = now;
		if ((rc = node_xchg_post(x, NULL, 0, false)))
			x->err = rc;
	}
	return false;
}
