// SPDX-License-Identifier: MIT
/*
 * fuzz_coap.c - the CoAP request handler node_net_serve (node/link.c), the
 * server side of /vv and /s, on a hub home made once per process in a
 * temporary directory (node.conf, identity.key, replica.db; not enrolled:
 * no county.pub, so nothing is enforced, as after `cunlian init --role
 * hub` without a root). Each input is a fresh server (4 sessions at most,
 * so the 503 path is reached) fed a sequence of requests:
 *
 *   u8 head: bit 0 method (0 GET, 1 POST); bits 1-2 path (0 "vv", 1 "s",
 *            2 ".well-known/core", 3 the next bytes)
 *   u8 qlen, qlen bytes of query (cut at a NUL, as a C string)
 *   [path 3: u8 plen, plen bytes of path]
 *   u16be blen, blen bytes of body (cut at the end of the input)
 *
 * Every response must be bounded: a code the server documents (radio.h),
 * a body within the ceiling it was given and without a sticky error.
 */
#include <dirent.h>
#include <stdio.h>
#include <sys/stat.h>
#include <unistd.h>

#include "node/net.h"
#include "tests/fuzz/fuzz.h"

#define FUZZ_COAP_RESP_MAX ((size_t)1 << 20) /* radio's default response_max */

/* node/main.c holds the command table; the handler never looks at it. */
const struct node_cmd node_cmds[] = { { "serve", NULL, NULL, M_LOG_SERVED } };
const size_t node_ncmds = 0;

/* node/cmd_enroll.c (enrolment) would bring most of the program with it:
 * this home has no county.pub, where the real one returns 0 as well. */
int node_trust_open(struct node_ctx *ctx, struct sync_options *opt);
void node_trust_release(struct node_ctx *ctx);
int node_trust_open(struct node_ctx *ctx, struct sync_options *opt)
{
	(void)opt;
	node_trust_release(ctx);
	return 0;
}

void node_trust_release(struct node_ctx *ctx)
{
	mem_free(ctx->cert);
	ctx->cert = NULL;
	ctx->cert_len = 0;
}

/* POST /join: this home has no county key, where the real one answers
 * ERR_NOTFOUND as well. */
int node_join_serve(struct node_ctx *ctx, const uint8_t *body, size_t len, struct buf *cert)
{
	(void)ctx, (void)body, (void)len, (void)cert;
	return ERR_NOTFOUND;
}

static struct node_ctx fuzz_coap_ctx;
static char fuzz_coap_home[64];

/* Remove dir and what it holds (the home: files, and peers/ written by
 * the server as it hears of nodes). */
static void fuzz_coap_rmtree(const char *dir)
{
	DIR *d = opendir(dir);
	struct dirent *e;
	char path[NODE_PATH_MAX + 300];
	struct stat sb;
	while (d && (e = readdir(d)) != NULL) {
		if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0)
			continue;
		snprintf(path, sizeof(path), "%s/%s", dir, e->d_name);
		if (lstat(path, &sb) == 0 && S_ISDIR(sb.st_mode))
			fuzz_coap_rmtree(path);
		else
			unlink(path);
	}
	if (d)
		closedir(d);
	rmdir(dir);
}

static void fuzz_coap_cleanup(void)
{
	node_ctx_release(&fuzz_coap_ctx);
	fuzz_coap_rmtree(fuzz_coap_home);
}

static struct node_ctx *fuzz_coap_node(void)
{
	static int open;
	struct node_ctx *ctx = &fuzz_coap_ctx;
	char path[NODE_PATH_MAX + 32];
	if (open)
		return ctx;
	open = 1;
	snprintf(fuzz_coap_home, sizeof(fuzz_coap_home), "/tmp/cunlian-fuzz-coap-XXXXXX");
	if (!mkdtemp(fuzz_coap_home))
		abort();
	node_ctx_init(ctx);
	snprintf(ctx->home, sizeof(ctx->home), "%s", fuzz_coap_home);
	ctx->now_ms = FUZZ_NOW;
	snprintf(ctx->conf.station, sizeof(ctx->conf.station), "hub");
	snprintf(ctx->conf.name, sizeof(ctx->conf.name), "fuzz");
	snprintf(ctx->conf.role, sizeof(ctx->conf.role), "hub");
	snprintf(ctx->conf.level, sizeof(ctx->conf.level), "county");
	ctx->hub = true;
	node_path(ctx, path, sizeof(path), "identity.key");
	if (node_identity_create(path, ctx->author))
		abort();
	node_path(ctx, path, sizeof(path), "node.conf");
	if (node_conf_write(path, &ctx->conf) || node_replica_open(ctx) ||
	    node_net_sync_open(ctx, 1024)) /* as the daemon: one-datagram chunks */
		abort();
	atexit(fuzz_coap_cleanup);
	return ctx;
}

static bool fuzz_coap_code_ok(unsigned code)
{
	switch (code) {
	case 204: case 205: case 400: case 405: case 500: case 503:
		return true;
	default:
		return false;
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const char *const paths[] = { "vv", "s", ".well-known/core" };
	struct node_ctx *ctx = fuzz_coap_node();
	struct node_net_server *srv;
	size_t pos = 0;
	if (node_net_server_new(&srv, ctx, 4))
		abort();
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
		memset(&req, 0, sizeof(req));
		req.method = head & 1 ? RADIO_POST : RADIO_GET;
		req.path = path;
		req.query = query;
		req.body = n ? data + pos : NULL;
		req.len = n;
		req.peer = "[::1]:5683";
		req.validated = head & 8;
		pos += n;
		buf_init(&resp.body, FUZZ_COAP_RESP_MAX);
		node_net_serve(srv, &req, &resp);
		if (!fuzz_coap_code_ok(resp.code) || resp.body.len > FUZZ_COAP_RESP_MAX || resp.body.err)
			abort(); /* unbounded or undocumented answer */
		if (resp.code == 204 && (resp.body.len < 1 || resp.ct != 42))
			abort(); /* /s answers a flags byte first */
		buf_release(&resp.body);
		node_net_server_tick(srv, node_net_mono_ms());
	}
	node_net_server_free(srv);
	return 0;
}
