// SPDX-License-Identifier: MIT
/*
 * snapkeep.c - the hub's signed snapshots a node keeps to pass on (issue
 * 15; docs/replica.md "Compaction" R9). Only a hub signs a snapshot; a
 * station that serves others (a relay) answers GET /snap with the exact
 * bytes a hub signed, which it kept when it took them (cunlian sync or
 * serve after PRUNED, bundle import) or fetched for a station that asked.
 *
 *  K1. One file per scope in the home: snap/county.snap for the county's
 *      (""), snap/station-<id>.snap for a station's, written whole or not
 *      at all (base/afile: a power cut leaves the old file or the new).
 *  K2. Only bytes this node checked (sync_snapshot_apply, or
 *      sync_snapshot_check: signature, signer, scope, and everything
 *      inside that it can open) are kept, and a kept file is replaced only
 *      by one its signer made later (or, fetched because the kept one is
 *      not usable, by the one fetched).
 *  K3. A kept snapshot is passed on only while it is usable: for every
 *      feed of the scope this node holds from a base on (it pruned below,
 *      or started there), the snapshot names the feed at or past the
 *      base, so this node's log goes on where the snapshot ends and a
 *      station that took it is not told PRUNED again. A sealed station
 *      scope this node cannot open is usable only while it holds no base
 *      in that scope (it never merges that scope, so it never has one).
 *  K4. Passing on checks only what K3 needs (the header and the heads),
 *      not the signature: the station that takes the bytes checks the
 *      hub's signature and enrolment itself (sync/snap.c S2, S3) and never
 *      trusts the relay.
 *  K5. A scope asked for that cannot be given is remembered (at most
 *      NODE_SNAP_WANTS, in memory) until it is fetched from a peer after a
 *      session with it (cmd_serve.c), never over a link with a frame limit.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <sqlite3.h>

#include "base/afile.h"
#include "base/err.h"
#include "base/mem.h"
#include "node/net.h"

/* K1: the kept file of scope (app_id_ok: station ids are [A-Za-z0-9_-]). */
static int node_snap_path(struct node_ctx *ctx, const char *scope, char *out, size_t n)
{
	char rel[CRDT_SCOPE_MAX + 32];
	if (*scope && !app_id_ok(scope))
		return ERR_USAGE;
	snprintf(rel, sizeof(rel), *scope ? "snap/station-%s.snap" : "snap/county.snap", scope);
	app_path(&ctx->app, out, n, rel);
	return strlen(out) + 1 < n ? 0 : -ENAMETOOLONG;
}

/* The whole file at path into out (ceiling SYNC_SNAP_MAX). */
static int node_snap_read(const char *path, struct buf *out)
{
	uint8_t chunk[16384];
	size_t k;
	int rc = 0;
	FILE *f = fopen(path, "rb");
	if (!f)
		return errno == ENOENT ? ERR_NOTFOUND : -errno;
	while ((k = fread(chunk, 1, sizeof(chunk), f)) > 0 && !out->err)
		buf_put(out, chunk, k);
	if (ferror(f))
		rc = -EIO;
	fclose(f);
	return rc ? rc : out->err;
}

int node_snap_keep(struct node_ctx *ctx, const char *scope, const uint8_t *p, size_t len, bool force)
{
	char path[NODE_PATH_MAX + 64], tmp[NODE_PATH_MAX + 96], dir[NODE_PATH_MAX + 16];
	uint64_t made = 0, old_made = 0;
	struct buf old;
	int rc;

	if ((rc = node_snap_path(ctx, scope, path, sizeof(path))) || (rc = sync_snapshot_made(p, len, &made)))
		return rc;
	buf_init(&old, SYNC_SNAP_MAX);
	/* K2: an older one is replaced, a newer or equal one stays (an
	 * unreadable one is replaced; force: one that is not usable) */
	if (!force && node_snap_read(path, &old) == 0 && sync_snapshot_made(old.data, old.len, &old_made) == 0 &&
	    old_made >= made) {
		buf_release(&old);
		return 1;
	}
	buf_release(&old);
	app_path(&ctx->app, dir, sizeof(dir), "snap");
	if (mkdir(dir, 0700) != 0 && errno != EEXIST)
		return -errno;
	/* a name per process: `cunlian sync` and serve may keep at once */
	snprintf(tmp, sizeof(tmp), "%s.%ld.part", path, (long)getpid());
	FILE *f = fopen(tmp, "wb");
	if (!f)
		return -errno;
	if (fwrite(p, 1, len, f) != len) {
		rc = errno ? -errno : -EIO;
		fclose(f);
		unlink(tmp);
		return rc;
	}
	return afile_publish(f, tmp, path, true);
}

/* K3 over the feeds a snapshot of scope names (opened) or none (sealed,
 * not opened): 0 usable, -ESTALE not, or a storage error. */
static int node_snap_usable(struct node_ctx *ctx, const char *scope, const struct sync_snap_feed *feeds,
			    size_t nfeeds, bool opened)
{
	sqlite3_stmt *st;
	int rc = app_sql(&ctx->app, &st,
			 "SELECT a.id, b.seq FROM _base b JOIN _authors a ON a.idx = b.author WHERE b.scope = ?1",
			 scope, NULL);
	if (rc)
		return rc;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		const void *id = sqlite3_column_blob(st, 0);
		uint64_t base = (uint64_t)sqlite3_column_int64(st, 1);
		bool ok = false;
		if (!id || sqlite3_column_bytes(st, 0) != CRDT_AUTHOR_LEN)
			continue;
		for (size_t i = 0; opened && i < nfeeds && !ok; i++)
			ok = memcmp(feeds[i].author, id, CRDT_AUTHOR_LEN) == 0 && feeds[i].seq >= base;
		if (!ok) {
			sqlite3_finalize(st);
			return -ESTALE;
		}
	}
	sqlite3_finalize(st);
	return rc == SQLITE_DONE ? 0 : ERR_STORAGE;
}

int node_snap_check(struct node_ctx *ctx, const char *scope, const uint8_t *p, size_t len,
		    const uint8_t *peer, bool nosig, struct sync_snap_info *info)
{
	struct sync_snap_feed *feeds = NULL;
	size_t nfeeds = 0;
	bool opened = false;
	int rc = sync_snapshot_check(ctx->app.sync, p, len, scope, peer, nosig ? SYNC_SNAP_NOSIG : 0, info, &feeds,
				     &nfeeds, &opened);
	if (rc == 0)
		rc = node_snap_usable(ctx, scope, feeds, nfeeds, opened);
	mem_free(feeds);
	return rc;
}

int node_snap_kept(struct node_ctx *ctx, const char *scope, struct buf *out, struct sync_snap_info *info)
{
	char path[NODE_PATH_MAX + 64];
	struct buf b;
	int rc;

	memset(info, 0, sizeof(*info));
	if ((rc = node_snap_path(ctx, scope, path, sizeof(path))))
		return rc;
	buf_init(&b, SYNC_SNAP_MAX);
	if ((rc = node_snap_read(path, &b)) == 0 && (rc = node_snap_check(ctx, scope, b.data, b.len, NULL, true, info)) == 0) {
		buf_put(out, b.data, b.len);
		rc = out->err;
	}
	buf_release(&b);
	return rc;
}

int node_snap_keep_file(struct node_ctx *ctx, const char *scope, const char *path)
{
	struct buf b;
	struct sync_snap_info info;
	uint8_t signer[SYNC_PK_LEN];
	const uint8_t *trusted = NULL;
	int rc;

	if (ctx->app.hub || !ctx->app.sync)
		return 0;
	buf_init(&b, SYNC_SNAP_MAX);
	/* read again: checked again before it is kept (K2), whatever
	 * happened to the file since it was imported */
	if ((rc = node_snap_read(path, &b)))
		goto out;
	if (!ctx->app.have_root && sync_snapshot_signer(b.data, b.len, signer) == 0)
		trusted = signer;
	if ((rc = node_snap_check(ctx, scope, b.data, b.len, trusted, false, &info)) == 0)
		rc = node_snap_keep(ctx, scope, b.data, b.len, false);
out:
	buf_release(&b);
	return rc;
}

bool node_snap_want(struct node_snap_wants *w, const char *scope)
{
	for (size_t i = 0; i < w->n; i++)
		if (strcmp(w->scope[i], scope) == 0)
			return true;
	if (w->n >= NODE_SNAP_WANTS || strlen(scope) > CRDT_SCOPE_MAX)
		return false;
	snprintf(w->scope[w->n++], sizeof(w->scope[0]), "%s", scope);
	return true;
}

void node_snap_unwant(struct node_snap_wants *w, const char *scope)
{
	for (size_t i = 0; i < w->n; i++)
		if (strcmp(w->scope[i], scope) == 0) {
			memmove(w->scope[i], w->scope[i + 1], (w->n - i - 1) * sizeof(w->scope[0]));
			w->n--;
			return;
		}
}
