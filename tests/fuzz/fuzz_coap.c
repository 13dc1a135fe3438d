// SPDX-License-Identifier: MIT
/*
 * fuzz_coap.c - the CoAP request handler node_net_serve (node/link.c), the
 * server side of /vv, /s and /join, on the county hub of fuzz_node.h: a
 * real home (enrolled by the county root, trust in force, the stations
 * s0001 and s0002 enrolled, s0003 revoked, a one-time code for s0004),
 * so what an enrolled station's requests reach is fuzzed: the trust
 * checks, the opened ranges of s0001's scope (the hub holds every scope
 * key), the merge, the join. Each input is a fresh server (4 sessions at
 * most, so the 503 path is reached) on the home as it was made (made
 * again after an input that changed it) fed a sequence of requests:
 *
 *   u8 head: bit 0 method (0 GET, 1 POST); bits 1-2 path (0 "vv", 1 "s",
 *            2 ".well-known/core", 3 the next bytes); bit 3 the peer's
 *            address was validated; bit 4: the body is records (below)
 *   u8 qlen, qlen bytes of query (cut at a NUL, as a C string)
 *   [path 3: u8 plen, plen bytes of path]
 *   u16be blen, blen bytes of body (cut at the end of the input)
 *
 * A body of records becomes messages back to back: each record is u8
 * kind, u16be length, bytes; kind bits 0-1: 0 the bytes as a message, 1
 * 2 3 the bytes as the payload of a HELLO, DELTA or ACK sealed by the
 * key kind bits 2-3 name (0 s0001, 1 s0002, 2 s0003 revoked, 3 a key
 * never enrolled); bit 4 compressed. So a fuzzed payload gets past the
 * signature, as the enrolled station's would.
 *
 * Every response must be bounded: a code the server documents (radio.h,
 * docs/protocol.md "CoAP resources"), a body within the ceiling it was
 * given and without a sticky error; /s answers start with the flags
 * byte; a 2.05 to /join holds a statement of the county root for the
 * node that asked; /vv lines read "hex scope seq".
 */
#include "tests/fuzz/fuzz_node.h"

#define FUZZ_COAP_RESP_MAX ((size_t)1 << 20) /* radio's default response_max */

static struct node_ctx fuzz_coap_ctx;
static char fuzz_coap_home[64], fuzz_coap_tmpl[64];
static int64_t fuzz_coap_changes; /* of the replica, once opened */

static void fuzz_coap_cleanup(void)
{
	node_ctx_release(&fuzz_coap_ctx);
	fuzz_rmtree(fuzz_coap_home);
	fuzz_rmtree(fuzz_coap_tmpl);
}

/* The hub, opened on a fresh copy of the home when the last input
 * changed the replica (a merge, a join) or any file (a join's codes). */
static struct node_ctx *fuzz_coap_node(void)
{
	static int made;
	struct node_ctx *ctx = &fuzz_coap_ctx;
	if (!made) {
		made = 1;
		fuzz_tmpdir(fuzz_coap_tmpl, "hub");
		fuzz_tmpdir(fuzz_coap_home, "serve");
		fuzz_hub_home(fuzz_coap_tmpl);
		atexit(fuzz_coap_cleanup);
	} else if (sqlite3_total_changes64(crdt_store_db(ctx->app.store)) == fuzz_coap_changes) {
		return ctx;
	}
	node_ctx_release(ctx);
	fuzz_rmtree(fuzz_coap_home);
	if (mkdir(fuzz_coap_home, 0700))
		abort();
	fuzz_copy_dir(fuzz_coap_tmpl, fuzz_coap_home);
	fuzz_home_open(ctx, fuzz_coap_home);
	if (node_net_sync_open(ctx, 1024)) /* as the daemon: one-datagram chunks */
		abort();
	fuzz_coap_changes = sqlite3_total_changes64(crdt_store_db(ctx->app.store));
	return ctx;
}

/* The stations that sign sealed records (kind bits 2-3). */
static struct fuzz_node *fuzz_coap_signer(unsigned which)
{
	static struct fuzz_node n[4];
	static int open[4];
	static const uint8_t seed[4] = { FUZZ_SEED_S1, FUZZ_SEED_S2, FUZZ_SEED_S3, FUZZ_SEED_STRANGER };
	static const char *const station[4] = { "s0001", "s0002", "s0003", "s0009" };
	if (!open[which]) {
		fuzz_county_node(&n[which], seed[which], station[which], SYNC_ROLE_STATION);
		open[which] = 1;
	}
	return &n[which];
}

/* A body of records (the header comment) as messages back to back. */
static void fuzz_coap_records(const uint8_t *p, size_t len, struct buf *out)
{
	size_t pos = 0;
	struct buf m;
	buf_init(&m, SYNC_CHUNK_MAX + 1024);
	while (pos + 3 <= len) {
		uint8_t kind = p[pos];
		size_t n = (size_t)p[pos + 1] << 8 | p[pos + 2];
		pos += 3;
		if (n > len - pos)
			n = len - pos;
		if ((kind & 3) == 0)
			buf_put(out, p + pos, n);
		else if (sync_chunk_seal(fuzz_coap_signer(kind >> 2 & 3)->ctx, kind & 3, p + pos, n, kind & 16,
					 &m) == 0)
			buf_put(out, m.data, m.len);
		pos += n;
	}
	buf_release(&m);
}

static bool fuzz_coap_code_ok(unsigned code)
{
	switch (code) {
	case 204: case 205: case 400: case 403: case 405: case 500: case 501: case 503:
		return true;
	default:
		return false;
	}
}

/* /vv: lines "<64 hex> <scope or -> <seq>". */
static bool fuzz_coap_vv_ok(const struct buf *b)
{
	size_t pos = 0;
	while (pos < b->len) {
		const uint8_t *nl = memchr(b->data + pos, '\n', b->len - pos);
		size_t n = nl ? (size_t)(nl - (b->data + pos)) : b->len - pos;
		char line[256], hex[80], scope[80];
		unsigned long long seq;
		if (!nl || n >= sizeof(line))
			return false;
		memcpy(line, b->data + pos, n);
		line[n] = '\0';
		if (sscanf(line, "%79s %79s %llu", hex, scope, &seq) != 3 || strlen(hex) != 64 || seq == 0)
			return false;
		pos += n + 1;
	}
	return true;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const char *const paths[] = { "vv", "s", ".well-known/core" };
	struct node_ctx *ctx = fuzz_coap_node();
	struct node_net_server *srv;
	struct buf body;
	size_t pos = 0;
	bool ok;
	if (node_net_server_new(&srv, ctx, 4))
		abort();
	buf_init(&body, 0);
	while (pos + 2 <= size) {
		char query[256], path[256];
		uint8_t head = data[pos++];
		size_t n = data[pos++];
		struct radio_req req;
		struct radio_resp resp = { .code = 205, .ct = 0 };
		if (n > size - pos)
			n = size - pos;
		memcpy(query, data + pos, n);
		query[n] = '\0';
		pos += n;
		if ((head >> 1 & 3) == 3) {
			n = pos < size ? data[pos++] : 0;
			if (n > size - pos)
				n = size - pos;
			memcpy(path, data + pos, n);
			path[n] = '\0';
			pos += n;
		} else {
			snprintf(path, sizeof(path), "%s", paths[head >> 1 & 3]);
		}
		n = pos + 2 <= size ? (size_t)data[pos] << 8 | data[pos + 1] : 0;
		pos = pos + 2 <= size ? pos + 2 : size;
		if (n > size - pos)
			n = size - pos;
		buf_reset(&body);
		if (head & 16)
			fuzz_coap_records(data + pos, n, &body);
		else
			buf_put(&body, data + pos, n);
		memset(&req, 0, sizeof(req));
		req.method = head & 1 ? RADIO_POST : RADIO_GET;
		req.path = path;
		req.query = query;
		req.body = body.len ? body.data : NULL;
		req.len = body.len;
		req.peer = "[::1]:5683";
		req.validated = head & 8;
		pos += n;
		buf_init(&resp.body, FUZZ_COAP_RESP_MAX);
		node_net_serve(srv, &req, &resp);
		if (!fuzz_coap_code_ok(resp.code) || resp.body.len > FUZZ_COAP_RESP_MAX || resp.body.err)
			fuzz_fail("an unbounded or undocumented answer");
		if (resp.code == 204 && (resp.body.len < 1 || resp.ct != 42 || resp.body.data[0] > 3))
			fuzz_fail("/s answers a flags byte first");
		if (strcmp(path, "vv") == 0 && resp.code == 205 && !fuzz_coap_vv_ok(&resp.body))
			fuzz_fail("/vv answered lines that do not read hex, scope, seq");
		if (strcmp(path, "join") == 0 && req.method == RADIO_POST) {
			struct sync_statement st;
			struct sync_request rq;
			if (resp.code == 205 &&
			    (sync_statement_decode(resp.body.data, resp.body.len, &st) ||
			     memcmp(st.root, fuzz_county()->root.pk, SYNC_PK_LEN) ||
			     req.len <= crypto_auth_BYTES ||
			     sync_request_decode(req.body, req.len - crypto_auth_BYTES, &rq) ||
			     memcmp(st.node, rq.node, SYNC_PK_LEN) || strcmp(st.station, rq.station) ||
			     st.role != SYNC_ROLE_STATION))
				fuzz_fail("/join answered 2.05 without the asker's statement by the root");
			if (resp.code != 205 && (resp.code != 403 || resp.body.len))
				fuzz_fail("/join refused other than 4.03 with an empty body");
		}
		buf_release(&resp.body);
		node_net_server_tick(srv, node_net_mono_ms());
	}
	node_net_server_free(srv);
	buf_release(&body);
	{ /* refused.log (node/cmd_enroll.c) grows with every refused run: only status reads it */
		char log[NODE_PATH_MAX + 32];
		app_path(&ctx->app, log, sizeof(log), "refused.log");
		unlink(log);
	}
	/* taken: something was merged or enrolled (the replica changed) */
	ok = sqlite3_total_changes64(crdt_store_db(ctx->app.store)) != fuzz_coap_changes;
	if (getenv("FUZZ_VERBOSE"))
		fprintf(stderr, "fuzz_coap: %s: %s\n", fuzz_stats.input ? fuzz_stats.input : "input",
			ok ? "the replica changed" : "nothing changed");
	fuzz_note(ok);
	return 0;
}
