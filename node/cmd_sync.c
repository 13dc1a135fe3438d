// SPDX-License-Identifier: MIT
/*
 * cmd_sync.c - `cunlian sync coap://HOST[:PORT]`: one exchange both ways
 * with one peer, then a comparison of version vectors. Exit 0 only when
 * the two nodes hold the same commits of every feed both keep.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/err.h"
#include "node/net.h"

#define NOPTS(a) (sizeof(a) / sizeof((a)[0]))

/* Read the network keys of node.conf; on a bad line say where and why. */
static int node_sync_conf(struct node_ctx *ctx, const char *path, struct node_net_conf *nc)
{
	int line;
	enum node_msg_id why;
	int rc = node_net_conf_read(path, nc, &line, &why);
	if (rc == ERR_USAGE)
		return node_fail(ctx, rc, M_NET_CONF_BAD, path, line, node_msg(ctx->lang, why));
	if (rc == ERR_NOTFOUND)
		return 0; /* node_open() already said what is missing */
	return rc;
}

/* Apply --ack-timeout, --retransmit, --window, --block, --profile. */
static int node_sync_link_opts(struct node_ctx *ctx, const struct node_opt *o, size_t n,
			       struct node_net_peer *p)
{
	static const char *const keys[] = { "profile", "ack-timeout", "retransmit", "window", "block" };
	char spec[600];
	size_t used = (size_t)snprintf(spec, sizeof(spec), "%s", p->uri);
	enum node_msg_id why;
	for (size_t i = 0; i < 5; i++) {
		const char *v = node_opt_get(o, n, keys[i]);
		if (!v)
			continue;
		char k[16];
		snprintf(k, sizeof(k), "%s", keys[i]);
		for (char *c = k; *c; c++)
			if (*c == '-')
				*c = '_';
		used += (size_t)snprintf(spec + used, sizeof(spec) - used, " %s=%s", k, v);
		if (used >= sizeof(spec))
			return node_fail(ctx, ERR_USAGE, M_NET_BAD_LINK, keys[i], v);
		struct node_net_peer t;
		if (node_net_peer_parse(spec, &p->link, &t, &why))
			return why == M_NCR_LORA_BLOCK
				       ? node_fail(ctx, ERR_USAGE, M_NET_BAD_LINK_WHY, keys[i], v, node_msg(ctx->lang, why))
				       : node_fail(ctx, ERR_USAGE, M_NET_BAD_LINK, keys[i], v);
	}
	struct node_net_peer t;
	if (node_net_peer_parse(spec, &p->link, &t, &why))
		return node_fail(ctx, ERR_USAGE, M_NET_BAD_URI, p->uri);
	*p = t;
	return 0;
}

/* The snapshots this run fetched (issue 15), for --json. */
struct node_sync_snap {
	char scope[CRDT_SCOPE_MAX + 1];
	size_t bytes, records, feeds;
	int rc;
	const char *why;
};
#define NODE_SYNC_SNAPS 4

static void node_sync_print(struct node_ctx *ctx, const struct node_net_peer *peer,
			    const struct node_xchg_result *r, const struct node_sync_snap *snaps, size_t nsnaps)
{
	const struct sync_report *rep = &r->rep;
	uint64_t refused = node_net_refused(rep);
	if (ctx->json) {
		struct node_json j;
		node_json_init(&j, stdout);
		node_json_obj(&j);
		node_json_kstr(&j, "peer", peer->uri);
		node_json_key(&j, "converged");
		node_json_bool(&j, r->converged);
		node_json_key(&j, "probed"); /* nothing new: the probe alone (link.c P1) */
		node_json_bool(&j, r->probed);
		node_json_kint(&j, "feeds_differ", (int64_t)r->differ);
		node_json_kint(&j, "scopes_differ", (int64_t)r->digest_differ);
		node_json_key(&j, "sent");
		node_json_obj(&j);
		node_json_kint(&j, "messages", (int64_t)r->msgs_out);
		node_json_kint(&j, "bytes", (int64_t)r->bytes_out);
		node_json_kint(&j, "copies", (int64_t)r->copies);
		node_json_end_obj(&j);
		node_json_key(&j, "received");
		node_json_obj(&j);
		node_json_kint(&j, "messages", (int64_t)r->msgs_in);
		node_json_kint(&j, "bytes", (int64_t)r->bytes_in);
		node_json_kint(&j, "applied", (int64_t)rep->applied);
		node_json_kint(&j, "carried", (int64_t)rep->carried);
		node_json_kint(&j, "duplicate", (int64_t)rep->duplicate);
		node_json_kint(&j, "refused", (int64_t)refused);
		node_json_kint(&j, "pruned_feeds", (int64_t)rep->pruned); /* behind the peer's base */
		node_json_end_obj(&j);
		node_json_key(&j, "snapshots");
		node_json_arr(&j);
		for (size_t i = 0; i < nsnaps; i++) {
			node_json_obj(&j);
			node_json_kstr(&j, "scope", snaps[i].scope);
			node_json_key(&j, "taken");
			node_json_bool(&j, snaps[i].rc == 0);
			node_json_kint(&j, "bytes", (int64_t)snaps[i].bytes);
			node_json_kint(&j, "records", (int64_t)snaps[i].records);
			node_json_kint(&j, "feeds", (int64_t)snaps[i].feeds);
			node_json_kstr(&j, "error", snaps[i].rc ? err_str(snaps[i].rc) : NULL);
			node_json_kstr(&j, "why", snaps[i].rc ? snaps[i].why : NULL);
			node_json_end_obj(&j);
		}
		node_json_end_arr(&j);
		node_json_kreal(&j, "seconds", (double)r->ms / 1000.0);
		node_json_end_obj(&j);
		return;
	}
	node_say(ctx, M_NET_SYNC_SENT, (unsigned long long)r->msgs_out, (unsigned long long)r->bytes_out);
	node_say(ctx, M_NET_SYNC_RECEIVED, (unsigned long long)r->msgs_in, (unsigned long long)r->bytes_in,
		 (unsigned long long)rep->applied, (unsigned long long)rep->carried,
		 (unsigned long long)rep->duplicate, (unsigned long long)refused);
	if (rep->pruned)
		node_say(ctx, M_NET_PRUNED, (unsigned long long)rep->pruned);
	if (r->converged)
		node_say(ctx, M_NET_CONVERGED, peer->uri, (double)r->ms / 1000.0);
}

/* Fetch and import the peer's snapshots of the scopes named (link.c);
 * each outcome said. A refused or failed one is not fatal: the session
 * then syncs the whole history (or says what the peer pruned). */
static void node_sync_snaps(struct node_ctx *ctx, struct radio *r, const struct node_net_peer *peer,
			    char scopes[2][CRDT_SCOPE_MAX + 1], size_t n, uint64_t timeout_ms,
			    struct node_sync_snap *done, size_t *ndone)
{
	for (size_t i = 0; i < n; i++) {
		struct sync_snap_info info;
		size_t bytes;
		const char *name = *scopes[i] ? scopes[i] : node_msg(ctx->lang, M_SCOPE_COUNTY);
		int rc = node_net_snap_fetch(ctx, r, peer, scopes[i], timeout_ms, &info, &bytes);
		if (*ndone < NODE_SYNC_SNAPS) {
			struct node_sync_snap *d = &done[(*ndone)++];
			snprintf(d->scope, sizeof(d->scope), "%s", *scopes[i] ? scopes[i] : "-");
			d->bytes = bytes;
			d->records = info.nentries;
			d->feeds = info.nheads;
			d->rc = rc;
			d->why = info.why;
		}
		if (rc == 0)
			node_fsay(ctx->json ? stderr : stdout, ctx->lang, M_SNAP_TAKEN, name, peer->uri, bytes, info.nentries, info.nheads);
		else if (rc == ERR_NOTFOUND) /* a relay: it fetches one from the hub (snapkeep.c K5) */
			node_fsay(ctx->json ? stderr : stdout, ctx->lang, M_SNAP_RELAY_LATER, name, peer->uri);
		else if (info.why)
			node_fsay(ctx->json ? stderr : stdout, ctx->lang, M_SNAP_REFUSED, name, peer->uri, node_reason(ctx->lang, rc), info.why);
		else
			node_fsay(ctx->json ? stderr : stdout, ctx->lang, M_SNAP_FETCH_FAILED, name, peer->uri, node_reason(ctx->lang, rc));
	}
}

int node_cmd_sync(struct node_ctx *ctx, int argc, char **argv)
{
	struct node_opt o[] = {
		{ "timeout", true, NULL },  { "ack-timeout", true, NULL }, { "retransmit", true, NULL },
		{ "window", true, NULL },   { "block", true, NULL },       { "profile", true, NULL },
		{ "chunk", true, NULL },
	};
	const char *pos[1];
	size_t npos;
	char path[NODE_PATH_MAX + 16];
	struct node_net_conf *nc = NULL;
	struct node_net_peer peer;
	struct node_xchg_result res;
	struct node_xchg *x = NULL;
	struct radio *r = NULL;
	int64_t timeout = 120, chunk = 0;
	enum node_msg_id why;
	int rc = node_opts_parse(ctx, argc, argv, o, NOPTS(o), pos, 1, &npos);

	if (rc)
		return rc > 0 ? 0 : rc;
	if (npos != 1)
		return node_fail(ctx, ERR_USAGE, M_NET_NEED_URI);
	if (o[0].val && app_parse_int(o[0].val, 1, 86400, &timeout))
		return node_fail(ctx, ERR_USAGE, M_BAD_NUMBER, "--timeout", o[0].val);
	if (o[6].val && app_parse_int(o[6].val, 256, 65536, &chunk))
		return node_fail(ctx, ERR_USAGE, M_BAD_NUMBER, "--chunk", o[6].val);
	if (!(nc = calloc(1, sizeof(*nc))))
		return -ENOMEM;
	if ((rc = node_open(ctx)))
		goto out;
	app_path(&ctx->app, path, sizeof(path), "node.conf");
	if ((rc = node_sync_conf(ctx, path, nc)))
		goto out;
	if (node_net_peer_parse(pos[0], &nc->link, &peer, &why)) {
		rc = node_fail(ctx, ERR_USAGE, M_NET_BAD_URI, pos[0]);
		goto out;
	}
	for (size_t i = 0; i < nc->npeers; i++) /* the peer's own link profile */
		if (strcmp(nc->peer[i].host, peer.host) == 0 && nc->peer[i].port == peer.port)
			peer.link = nc->peer[i].link;
	if ((rc = node_sync_link_opts(ctx, o, NOPTS(o), &peer)))
		goto out;
	peer.batch_s = 0; /* by hand: every new record goes now (link.c B1) */
	if (!chunk && !nc->chunk_set && peer.link.frame)
		chunk = NODE_LORA_CHUNK; /* over LoRa, as serve with a LoRa peer */
	if ((rc = node_net_sync_open(ctx, chunk ? (size_t)chunk : nc->chunk))) {
		rc = node_fail_store(ctx, rc);
		goto out;
	}
	struct radio_options ro = {
		.coap_log = getenv("CUNLIAN_COAP_LOG") ? atoi(getenv("CUNLIAN_COAP_LOG")) : 0,
	};
	if ((rc = radio_new(&r, &ro))) {
		rc = node_fail(ctx, rc, M_NET_UNREACHABLE, peer.uri, node_reason(ctx->lang, rc));
		goto out;
	}
	/* A new board (nothing of a scope it reads but its own) starts from
	 * the hub's snapshots (issue 15); the session then brings the rest. */
	char scopes[2][CRDT_SCOPE_MAX + 1];
	size_t nscopes = 0, nsnaps = 0;
	struct node_sync_snap snaps[NODE_SYNC_SNAPS];
	if (!getenv("CUNLIAN_NO_SNAPSHOT") && node_net_snap_needed(ctx, scopes, &nscopes) == 0 && nscopes)
		node_sync_snaps(ctx, r, &peer, scopes, nscopes, (uint64_t)timeout * 1000, snaps, &nsnaps);
	for (int round = 0; round < 2; round++) {
		if ((rc = node_xchg_new(&x, ctx, r, &peer, NULL, (uint64_t)timeout * 1000))) {
			rc = node_fail(ctx, rc, M_NET_UNREACHABLE, peer.uri, node_reason(ctx->lang, rc));
			goto out;
		}
		while (!node_xchg_step(x, &res))
			radio_run(r, 20);
		/* The peer pruned history this node lacks (its PRUNED message):
		 * its snapshot of both scopes, then once more. */
		if (round || res.rc || !res.rep.pruned || ctx->app.hub)
			break;
		if (!ctx->json)
			node_say(ctx, M_NET_PRUNED, (unsigned long long)res.rep.pruned);
		node_fsay(ctx->json ? stderr : stdout, ctx->lang, M_SNAP_PRUNED_AGAIN);
		node_xchg_free(x);
		x = NULL;
		snprintf(scopes[0], sizeof(scopes[0]), "%s", "");
		snprintf(scopes[1], sizeof(scopes[1]), "%s", ctx->app.conf.station);
		node_sync_snaps(ctx, r, &peer, scopes, *ctx->app.conf.station ? 2 : 1, (uint64_t)timeout * 1000,
				snaps, &nsnaps);
	}
	if (res.rc) {
		rc = node_fail(ctx, res.rc == ERR_STORAGE ? ERR_STORAGE : -EHOSTUNREACH, M_NET_UNREACHABLE,
			       peer.uri, node_reason(ctx->lang, res.rc));
		if (res.msgs_in || res.msgs_out)
			node_sync_print(ctx, &peer, &res, snaps, nsnaps);
		goto out;
	}
	node_sync_print(ctx, &peer, &res, snaps, nsnaps);
	if (!res.converged && res.differ)
		rc = node_fail(ctx, -EAGAIN, M_NET_NOT_CONVERGED, peer.uri, res.differ);
	else if (!res.converged)
		rc = node_fail(ctx, -EAGAIN, M_NET_STATE_DIFFERS, peer.uri,
			       strcmp(res.digest_scope, "-") == 0 ? node_msg(ctx->lang, M_SCOPE_COUNTY)
								  : res.digest_scope);
out:
	node_xchg_free(x);
	radio_free(r);
	free(nc);
	return rc;
}
