// SPDX-License-Identifier: MIT
/*
 * cmd_bundle.c - bundle files: deltas carried on a USB stick or a phone
 * where no link exists (store and forward).
 *
 *   bundle export FILE [--for STATION|hub]   what that node may lack (named:
 *                                            opened ranges only it can read)
 *   bundle import FILE                       merge, relay, report
 *
 * What "that node may lack" is judged by what this node last heard of its
 * version vector (peers/<name>.vv, written when a sync with it finishes);
 * without such news the bundle holds everything of the scopes it wants,
 * and importing what is already held changes nothing.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "base/afile.h"
#include "base/err.h"
#include "base/mem.h"
#include "node/node.h"

#define NOPTS(a) (sizeof(a) / sizeof((a)[0]))

/* peers/<name>.vv: one line per feed, "<author hex> <seq> <scope>". */
static void node_peer_path(const struct node_ctx *ctx, const char *peer, char *out, size_t n)
{
	char file[NODE_PEER_NAME_MAX + 16];
	snprintf(file, sizeof(file), "peers/%s.vv", peer);
	app_path(&ctx->app, out, n, file);
}

void node_peer_name(const char *host, unsigned port, char *out, size_t n)
{
	size_t k = 0;
	for (const char *c = host; *c && k + 8 < n; c++) {
		bool safe = (*c >= 'a' && *c <= 'z') || (*c >= 'A' && *c <= 'Z') ||
			    (*c >= '0' && *c <= '9') || *c == '.' || *c == '-';
		out[k++] = safe ? *c : '_';
	}
	snprintf(out + k, n - k, "_%u", port);
}

/* peers/<name>.last: one line, the wall-clock ms of the last sync. */
int node_peer_last_save(const struct node_ctx *ctx, const char *peer, uint64_t ms)
{
	char path[NODE_PATH_MAX + 64], tmp[NODE_PATH_MAX + 80], file[NODE_PEER_NAME_MAX + 16];
	FILE *f;
	app_path(&ctx->app, path, sizeof(path), "peers");
	if (mkdir(path, 0700) < 0 && errno != EEXIST)
		return -errno;
	snprintf(file, sizeof(file), "peers/%s.last", peer);
	app_path(&ctx->app, path, sizeof(path), file);
	snprintf(tmp, sizeof(tmp), "%s.tmp", path);
	if (!(f = fopen(tmp, "w")))
		return -errno;
	fprintf(f, "%llu\n", (unsigned long long)ms);
	return afile_publish(f, tmp, path, true);
}

int node_peer_last_load(const struct node_ctx *ctx, const char *peer, uint64_t *ms)
{
	char path[NODE_PATH_MAX + 64], file[NODE_PEER_NAME_MAX + 16];
	unsigned long long v = 0;
	FILE *f;
	*ms = 0;
	snprintf(file, sizeof(file), "peers/%s.last", peer);
	app_path(&ctx->app, path, sizeof(path), file);
	if (!(f = fopen(path, "r")))
		return errno == ENOENT ? 0 : -errno;
	if (fscanf(f, "%llu", &v) == 1)
		*ms = v; /* a damaged file reads as never */
	fclose(f);
	return 0;
}

int node_peer_vv_load(const struct node_ctx *ctx, const char *peer, struct crdt_vv_entry **out,
		      size_t *n)
{
	char path[NODE_PATH_MAX + 64], line[256];
	struct crdt_vv_entry *v = NULL;
	size_t len = 0, cap = 0;
	FILE *f;

	*out = NULL;
	*n = 0;
	node_peer_path(ctx, peer, path, sizeof(path));
	if (!(f = fopen(path, "r")))
		return errno == ENOENT ? 0 : -errno;
	while (fgets(line, sizeof(line), f)) {
		char hex[2 * CRDT_AUTHOR_LEN + 1], scope[CRDT_SCOPE_MAX + 2] = "";
		unsigned long long seq;
		int k = sscanf(line, "%64s %llu %33s", hex, &seq, scope);
		if (k < 2 || strlen(hex) != 2 * CRDT_AUTHOR_LEN || strlen(scope) > CRDT_SCOPE_MAX)
			continue; /* a damaged line: that feed is sent from its start */
		int rc = MEM_GROW(v, cap, len + 1);
		if (rc) {
			fclose(f);
			mem_free(v);
			return rc;
		}
		struct crdt_vv_entry *e = &v[len];
		memset(e, 0, sizeof(*e));
		bool ok = true;
		for (size_t i = 0; i < CRDT_AUTHOR_LEN && ok; i++) {
			unsigned b;
			ok = sscanf(hex + 2 * i, "%2x", &b) == 1;
			e->author[i] = (uint8_t)b;
		}
		if (!ok)
			continue;
		if (strcmp(scope, "-") != 0) /* "-" is the county-wide scope "" */
			memcpy(e->scope, scope, strlen(scope) + 1); /* fits: checked above */
		e->seq = seq;
		len++;
	}
	fclose(f);
	*out = v;
	*n = len;
	return 0;
}

int node_peer_vv_save(const struct node_ctx *ctx, const char *peer, const struct crdt_vv_entry *vv,
		      size_t n)
{
	char path[NODE_PATH_MAX + 64], tmp[NODE_PATH_MAX + 80], hex[2 * CRDT_AUTHOR_LEN + 1];
	FILE *f;
	app_path(&ctx->app, path, sizeof(path), "peers");
	if (mkdir(path, 0700) < 0 && errno != EEXIST)
		return -errno;
	node_peer_path(ctx, peer, path, sizeof(path));
	snprintf(tmp, sizeof(tmp), "%s.tmp", path);
	if (!(f = fopen(tmp, "w")))
		return -errno;
	for (size_t i = 0; i < n; i++) {
		app_hex(vv[i].author, CRDT_AUTHOR_LEN, hex);
		fprintf(f, "%s %llu %s\n", hex, (unsigned long long)vv[i].seq,
			vv[i].scope[0] ? vv[i].scope : "-");
	}
	return afile_publish(f, tmp, path, true);
}

/* The scopes a node wants: the hub all, a station its own and county-wide. */
static int node_bundle_wants(const char *target, struct sync_scopes *w)
{
	memset(w, 0, sizeof(*w));
	if (strcmp(target, "hub") == 0) {
		w->all = true;
		return 0;
	}
	int rc = sync_scopes_add(w, target);
	return rc ? rc : sync_scopes_add(w, "");
}

int node_cmd_bundle_export(struct node_ctx *ctx, int argc, char **argv)
{
	struct node_opt o[] = { { "for", true, NULL } };
	const char *pos[1];
	size_t npos, nvv = 0;
	struct crdt_vv_entry *vv = NULL;
	struct sync_scopes wants;
	struct stat sb;
	int rc = node_opts_parse(ctx, argc, argv, o, NOPTS(o), pos, 1, &npos);
	if (rc)
		return rc > 0 ? 0 : rc;
	if (npos != 1)
		return node_fail(ctx, ERR_USAGE, M_SEE_HELP, "bundle export");
	const char *target = o[0].val ? o[0].val : "hub";
	if (strcmp(target, "hub") != 0 && !app_id_ok(target))
		return node_fail(ctx, ERR_USAGE, M_BUNDLE_BAD_FOR, target);
	if ((rc = node_open(ctx)))
		return rc;
	if ((rc = node_bundle_wants(target, &wants)))
		return node_fail(ctx, ERR_USAGE, M_BUNDLE_BAD_FOR, target);
	if ((rc = node_peer_vv_load(ctx, target, &vv, &nvv)))
		return node_fail_store(ctx, rc);
	/* Named with --for, the node it is for reads its own scope (the hub:
	 * all), so those ranges travel opened (docs/protocol.md "Opened
	 * ranges"), and only that node can import them. Without --for the
	 * bundle is for whoever carries it on: commit by commit, as before. */
	struct sync_scopes reads;
	memset(&reads, 0, sizeof(reads));
	if (strcmp(target, "hub") == 0)
		reads.all = true;
	else
		sync_scopes_add(&reads, target);
	app_clock_say_time(&ctx->app, 0, true); /* the hub's time travels in its bundles */
	/* Whole or not at all (base/afile.h): a full stick leaves the bundle
	 * that was there as it was, and says how much room this one needs. */
	uint64_t need = 0;
	rc = sync_bundle_export_file(ctx->app.sync, pos[0], vv, nvv, &wants, o[0].val ? &reads : NULL, &need);
	mem_free(vv);
	if (rc == -ENOSPC || rc == -EDQUOT) {
		char needs[48], free_s[48];
		int64_t avail = afile_free_bytes(pos[0]);
		node_bytes_fmt(need, needs, sizeof(needs));
		if (avail >= 0)
			node_bytes_fmt((uint64_t)avail, free_s, sizeof(free_s));
		else
			snprintf(free_s, sizeof(free_s), "%s", node_msg(ctx->lang, M_FULL_FREE_UNKNOWN));
		return node_fail(ctx, -ENOSPC, M_FULL_BUNDLE, pos[0], needs, free_s);
	}
	if (rc)
		return node_fail(ctx, rc, M_BUNDLE_WRITE, pos[0], node_reason(ctx->lang, rc));
	app_mark_settle(&ctx->app); /* our feeds may leave on it (feedmark.c W2) */
	long long size = stat(pos[0], &sb) == 0 ? (long long)sb.st_size : (long long)need;
	if (ctx->json) {
		struct node_json j;
		node_json_init(&j, stdout);
		node_json_obj(&j);
		node_json_kstr(&j, "file", pos[0]);
		node_json_kstr(&j, "for", target);
		node_json_kint(&j, "bytes", size);
		node_json_kint(&j, "withheld", (int64_t)sync_ctx_withheld(ctx->app.sync));
		node_json_end_obj(&j);
	} else {
		node_say(ctx, M_BUNDLE_EXPORTED, pos[0], size, target, pos[0]);
		if (sync_ctx_withheld(ctx->app.sync)) /* docs/security.md "Data entered before enrolment" */
			node_say(ctx, M_BUNDLE_WITHHELD, (unsigned long long)sync_ctx_withheld(ctx->app.sync), pos[0]);
	}
	return 0;
}

int node_cmd_bundle_import(struct node_ctx *ctx, int argc, char **argv)
{
	const char *pos[1];
	size_t npos;
	struct sync_report rep;
	int rc = node_opts_parse(ctx, argc, argv, NULL, 0, pos, 1, &npos);
	if (rc)
		return rc > 0 ? 0 : rc;
	if (npos != 1)
		return node_fail(ctx, ERR_USAGE, M_SEE_HELP, "bundle import");
	if ((rc = node_open(ctx)))
		return rc;
	memset(&rep, 0, sizeof(rep));
	app_clock_say_time(&ctx->app, 0, true); /* sets the floor a slow clock is judged by */
	rc = sync_bundle_import(ctx->app.sync, pos[0], ctx->app.now_ms, &rep);
	if (rc == ERR_CORRUPT)
		return node_fail(ctx, ERR_USAGE, M_BUNDLE_NOT_BUNDLE, pos[0]); /* the wrong file */
	if (rc == ERR_NOTFOUND || rc == -ENOENT)
		return node_fail(ctx, ERR_NOTFOUND, M_BUNDLE_READ, pos[0], node_reason(ctx->lang, -ENOENT));
	if (rc)
		return node_fail(ctx, rc, M_BUNDLE_READ, pos[0], node_reason(ctx->lang, rc));
	app_clock_heard(&ctx->app, &rep, false, 0); /* a lower bound: it may be days old */
	bool partial = rep.refused || rep.chunks_refused || rep.bytes_skipped;
	static const char *const checks[] = {
		[SYNC_BUNDLE_WHOLE] = "whole", [SYNC_BUNDLE_OLD] = "old", [SYNC_BUNDLE_CUT] = "cut",
		[SYNC_BUNDLE_ALTERED] = "altered", [SYNC_BUNDLE_HEADER] = "header",
	};
	static const enum node_msg_id says[] = {
		[SYNC_BUNDLE_WHOLE] = M_NONE, [SYNC_BUNDLE_OLD] = M_NONE, [SYNC_BUNDLE_CUT] = M_BUNDLE_CUT,
		[SYNC_BUNDLE_ALTERED] = M_BUNDLE_ALTERED, [SYNC_BUNDLE_HEADER] = M_BUNDLE_HEADER,
	};
	int check = rep.bundle >= 0 && rep.bundle <= SYNC_BUNDLE_HEADER ? rep.bundle : SYNC_BUNDLE_HEADER;
	if (ctx->json) {
		struct node_json j;
		node_json_init(&j, stdout);
		node_json_obj(&j);
		node_json_kstr(&j, "file", pos[0]);
		node_json_kint(&j, "applied", (int64_t)rep.applied);
		node_json_kint(&j, "duplicate", (int64_t)rep.duplicate);
		node_json_kint(&j, "carried", (int64_t)rep.carried);
		node_json_kint(&j, "refused", (int64_t)rep.refused);
		node_json_kint(&j, "chunks", (int64_t)rep.chunks);
		node_json_kint(&j, "chunks_refused", (int64_t)rep.chunks_refused);
		node_json_kint(&j, "bytes_skipped", (int64_t)rep.bytes_skipped);
		node_json_kstr(&j, "check", checks[check]);
		node_json_key(&j, "skipped");
		node_json_arr(&j);
		for (size_t i = 0; i < rep.nskips; i++) {
			node_json_obj(&j);
			node_json_kint(&j, "offset", (int64_t)rep.skips[i].offset);
			node_json_kint(&j, "bytes", (int64_t)rep.skips[i].len);
			node_json_kstr(&j, "reason", err_str(rep.skips[i].rc));
			node_json_end_obj(&j);
		}
		node_json_end_arr(&j);
		node_json_key(&j, "refusals");
		node_json_arr(&j);
		for (size_t i = 0; i < rep.nreasons; i++) {
			node_json_obj(&j);
			node_json_kstr(&j, "reason", err_str(rep.reasons[i].rc));
			node_json_kint(&j, "commits", (int64_t)rep.reasons[i].n);
			node_json_end_obj(&j);
		}
		node_json_end_arr(&j);
		node_json_end_obj(&j);
	} else {
		node_say(ctx, M_BUNDLE_IMPORTED, pos[0], (unsigned long long)rep.applied,
			 (unsigned long long)rep.duplicate, (unsigned long long)rep.carried);
		for (size_t i = 0; i < rep.nreasons; i++)
			node_say(ctx, M_BUNDLE_REFUSED, (unsigned long long)rep.reasons[i].n,
				 node_reason(ctx->lang, rep.reasons[i].rc));
		for (size_t i = 0; i < rep.nskips; i++)
			node_say(ctx, M_BUNDLE_SKIPPED, (unsigned long long)rep.skips[i].len,
				 (unsigned long long)rep.skips[i].offset, node_reason(ctx->lang, rep.skips[i].rc));
	}
	if (says[check] != M_NONE) /* B5: the file as a whole is not as exported */
		return node_fail(ctx, ERR_RULE, says[check], pos[0]);
	if (partial)
		return node_fail(ctx, ERR_RULE, M_BUNDLE_PARTIAL);
	return 0;
}
