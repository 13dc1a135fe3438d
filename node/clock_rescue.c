// SPDX-License-Identifier: MIT
/*
 * clock_rescue.c - `cunlian clock rescue [--replay]`: the field rescue of a
 * station that committed far-future times (an older version, or a clock
 * set wrong before issue 12; docs/field-guide.md "Clock rescue").
 *
 * A commit whose HLC is far in the future cannot be taken back: its seq is
 * given away and its time is signed into the feed, so the hub refuses it
 * and every later commit of the feed (their HLCs are later still). The
 * station therefore continues as a new author, as a restored board does
 * (cmd_backup.c): the data is kept, the far-future commits are written
 * again at the present time under a new key.
 *
 * Step one (`clock rescue`), with the clock set right (verdict FEED_AHEAD):
 *   R1. Every commit of the replica is copied into a new replica for a new
 *       key, as it is held (merged, carried or held back, with its seal),
 *       except this node's own commits whose HLC is more than the 24-hour
 *       window past now: their plaintext bodies go, in log order, to
 *       rescue.pending. The new replica never holds a far-future time.
 *   R2. Nothing in the home changes until all of that is on disk; then the
 *       old replica, key and certificate move to rescue-<ms>/, and the new
 *       replica and key take their places. Writes are refused while
 *       rescue.pending exists (app_clock_check).
 * Then the hub revokes the old key from now on (`enroll revoke KEY --now`:
 * its commits up to now stay valid, the far-future ones never will be) and
 * enrols the new key (enroll request/sign/accept, or join).
 * Step two (`clock rescue --replay`), once enrolled:
 *   R3. The pending bodies are committed again, in their order, under the
 *       new key, in one transaction (all or none): each write as it was,
 *       but a time column ("at", "*_at") past the 24-hour window is set to
 *       now, since the true time of those writes is not known. Then
 *       rescue.pending is removed.
 */
#include <errno.h>
#include <fcntl.h>
#include <sodium.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "base/err.h"
#include "base/mem.h"
#include "node/node.h"

#define RESCUE_MAGIC "CLRESCUE1\n"

struct rescue {
	struct node_ctx *ctx;
	struct crdt_store *ns; /* the new replica */
	FILE *pending;
	uint64_t cut, now;     /* own commits past cut are far-future */
	uint64_t taken, first;
	struct buf open;
	int rc;
};

static int rescue_put(struct rescue *r, const char *scope, const uint8_t *p, size_t len)
{
	uint8_t hdr[5];
	size_t sl = strlen(scope);
	hdr[0] = (uint8_t)sl;
	for (int i = 0; i < 4; i++)
		hdr[1 + i] = (uint8_t)(len >> (8 * i));
	if (fwrite(hdr, 1, 1, r->pending) != 1 || fwrite(scope, 1, sl, r->pending) != sl ||
	    fwrite(hdr + 1, 1, 4, r->pending) != 4 || fwrite(p, 1, len, r->pending) != len)
		return -EIO;
	return 0;
}

/* R1: one commit of the old replica. */
static int rescue_one(void *arg, const struct crdt_log_entry *e)
{
	struct rescue *r = arg;
	const uint8_t *plain = NULL;
	size_t plain_len = 0;
	bool own = memcmp(e->author, r->ctx->app.author, CRDT_AUTHOR_LEN) == 0;
	int rc;

	buf_reset(&r->open);
	if (!e->carried && (rc = sync_body_open(r->ctx->app.sync, e, &r->open, &plain, &plain_len)))
		return rc;
	if (own && !e->carried && CRDT_HLC_MS(e->hlc) > r->cut) {
		if (!r->first || CRDT_HLC_MS(e->hlc) < r->first)
			r->first = CRDT_HLC_MS(e->hlc);
		r->taken++;
		return rescue_put(r, e->scope, plain, plain_len);
	}
	struct crdt_remote x = {
		.author = e->author, .scope = e->scope, .seq = e->seq, .hlc = e->hlc,
		.body = e->body, .body_len = e->body_len, .seal = e->seal, .seal_len = e->seal_len,
		.carry = e->carried, .held = e->held,
	};
	if (!e->carried && plain != e->body) {
		x.plain = plain;
		x.plain_len = plain_len;
	}
	/* it was judged when it arrived: take it in whatever its clock */
	uint64_t wall = CRDT_HLC_MS(e->hlc) > r->now ? CRDT_HLC_MS(e->hlc) : r->now;
	rc = crdt_apply_remote_ex(r->ns, wall, &x);
	return rc < 0 ? rc : 0;
}

static void rescue_path(const struct node_ctx *ctx, char *out, size_t n, const char *file)
{
	app_path(&ctx->app, out, n, file);
}

static int rescue_move(const char *dir, const struct node_ctx *ctx, const char *file)
{
	char from[NODE_PATH_MAX + 32], to[2 * NODE_PATH_MAX + 64];
	struct stat sb;
	app_path(&ctx->app, from, sizeof(from), file);
	if (stat(from, &sb) != 0)
		return 0;
	snprintf(to, sizeof(to), "%s/%s", dir, file);
	return rename(from, to) == 0 ? 0 : -errno;
}

static int rescue_take(struct node_ctx *ctx, const struct app_clock *k)
{
	char db[NODE_PATH_MAX + 32], key[NODE_PATH_MAX + 32], pend[NODE_PATH_MAX + 32];
	char dir[NODE_PATH_MAX + 32], name[48], hex[2 * CRDT_AUTHOR_LEN + 1], t[32];
	struct crdt_vv_entry *vv = NULL;
	struct sync_identity nid = { 0 };
	struct rescue r = { .ctx = ctx, .now = k->n.wall_ms, .cut = k->n.wall_ms + CRDT_DEFAULT_MAX_AHEAD_MS };
	size_t nvv = 0;
	int rc;

	rescue_path(ctx, db, sizeof(db), "replica.db.rescue");
	rescue_path(ctx, key, sizeof(key), "identity.key.rescue");
	rescue_path(ctx, pend, sizeof(pend), "rescue.pending.tmp");
	unlink(db);
	unlink(key);
	buf_init(&r.open, CRDT_BODY_MAX + 64);
	if ((rc = sync_identity_generate(&nid)) || (rc = sync_identity_save(&nid, key)) ||
	    (rc = crdt_store_open(&r.ns, db, nid.pk, NULL)))
		goto fail;
	/* plaintext of the station's scope: mode 0600, like identity.key */
	int fd = open(pend, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	if (fd < 0 || !(r.pending = fdopen(fd, "wb")) || fputs(RESCUE_MAGIC, r.pending) < 0) {
		rc = errno ? -errno : -EIO;
		if (fd >= 0 && !r.pending)
			close(fd);
		goto fail;
	}
	if ((rc = crdt_store_vv(ctx->app.store, &vv, &nvv)) || (rc = crdt_store_begin(r.ns)))
		goto fail;
	for (size_t i = 0; i < nvv && !rc; i++)
		rc = crdt_log_each(ctx->app.store, vv[i].author, vv[i].scope, 0, rescue_one, &r);
	if (rc) {
		crdt_store_abort(r.ns);
		goto fail;
	}
	if ((rc = crdt_store_end(r.ns)))
		goto fail;
	if (fflush(r.pending) != 0 || fsync(fileno(r.pending)) != 0) {
		rc = -errno;
		goto fail;
	}
	fclose(r.pending);
	r.pending = NULL;
	crdt_store_close(r.ns);
	r.ns = NULL;

	/* R2: everything new is on disk; now the home changes */
	snprintf(name, sizeof(name), "rescue-%llu", (unsigned long long)k->n.wall_ms);
	app_path(&ctx->app, dir, sizeof(dir), name);
	app_hex(ctx->app.author, CRDT_AUTHOR_LEN, hex);
	node_ctx_release(ctx);
	if (mkdir(dir, 0700) != 0) {
		rc = -errno; /* (an existing one is never written over) */
		goto fail;
	}
	/* From here the new files stay whatever happens: the old ones are
	 * in dir, and the message names it (docs/field-guide.md 5.2). */
	if ((rc = rescue_move(dir, ctx, "replica.db")) || (rc = rescue_move(dir, ctx, "replica.db-wal")) ||
	    (rc = rescue_move(dir, ctx, "replica.db-shm")) || (rc = rescue_move(dir, ctx, "identity.key")) ||
	    (rc = rescue_move(dir, ctx, "node.cert")))
		goto out;
	char to[NODE_PATH_MAX + 32];
	rescue_path(ctx, to, sizeof(to), "replica.db");
	if (rename(db, to) != 0)
		rc = -errno;
	rescue_path(ctx, to, sizeof(to), "identity.key");
	if (!rc && rename(key, to) != 0)
		rc = -errno;
	rescue_path(ctx, to, sizeof(to), "rescue.pending");
	if (!rc && rename(pend, to) != 0)
		rc = -errno;
	if (rc)
		goto out;
	app_time_fmt(r.first, t, sizeof(t));
	if (ctx->json) {
		struct node_json j;
		node_json_init(&j, stdout);
		node_json_obj(&j);
		node_json_kint(&j, "taken", (int64_t)r.taken);
		node_json_kint(&j, "first_ms", (int64_t)r.first);
		node_json_kstr(&j, "kept_in", dir);
		node_json_kstr(&j, "old_key", hex);
		app_hex(nid.pk, CRDT_AUTHOR_LEN, hex);
		node_json_kstr(&j, "new_key", hex);
		node_json_end_obj(&j);
	} else {
		node_say(ctx, M_CLOCK_RESCUE_DONE, (unsigned long long)r.taken, t, dir, hex, hex);
	}
	goto out;
fail:
	if (r.pending)
		fclose(r.pending);
	crdt_store_close(r.ns);
	unlink(db);
	unlink(key);
	unlink(pend);
out:
	sync_identity_release(&nid);
	mem_free(vv);
	if (r.open.data)
		sodium_memzero(r.open.data, r.open.cap); /* decrypted bodies */
	buf_release(&r.open);
	if (rc)
		node_fail_store(ctx, rc);
	return rc;
}

/* The pending file's bytes are the station's plaintext: wiped, then freed. */
static void rescue_wipe(uint8_t *p, size_t len)
{
	if (p)
		sodium_memzero(p, len);
	mem_free(p);
}

/* R3: a time column past the window becomes now. */
static void rescue_restamp(struct crdt_write *w, uint64_t cut, uint64_t now)
{
	const struct crdt_table *t = crdt_schema_table(w->table);
	if (!t || w->op != CRDT_UPSERT)
		return;
	for (size_t c = 0; c < t->ncols; c++) {
		const struct crdt_column *col = &t->cols[c];
		size_t nl = strlen(col->name);
		bool time_col = strcmp(col->name, "at") == 0 ||
				(nl > 3 && strcmp(col->name + nl - 3, "_at") == 0);
		if (!time_col || col->type != CRDT_INT || !(w->mask & (1u << col->id)))
			continue;
		if (w->vals[col->id].type == CRDT_INT && (uint64_t)w->vals[col->id].i > cut)
			w->vals[col->id].i = (int64_t)now;
	}
}

static int rescue_replay(struct node_ctx *ctx)
{
	char path[NODE_PATH_MAX + 32], scope[CRDT_SCOPE_MAX + 1], t[32];
	char station[CRDT_SCOPE_MAX + 1];
	uint8_t role, *p = NULL;
	long size;
	uint64_t n = 0, cut = ctx->app.now_ms + CRDT_DEFAULT_MAX_AHEAD_MS;
	FILE *f;
	int rc = 0;

	rescue_path(ctx, path, sizeof(path), "rescue.pending");
	if (!(f = fopen(path, "rb")))
		return node_fail(ctx, ERR_NOTFOUND, M_CLOCK_RESCUE_NO_PENDING);
	if (ctx->app.have_root && sync_ctx_enrolment(ctx->app.sync, ctx->app.author, station, sizeof(station), &role)) {
		fclose(f);
		return node_fail(ctx, ERR_RULE, M_CLOCK_RESCUE_NOT_ENROLLED);
	}
	if (fseek(f, 0, SEEK_END) != 0 || (size = ftell(f)) < 0 || fseek(f, 0, SEEK_SET) != 0 ||
	    (uint64_t)size > (uint64_t)1 << 30) {
		fclose(f);
		return node_fail_store(ctx, ERR_TOOBIG);
	}
	p = mem_alloc((size_t)size + 1);
	if (!p || fread(p, 1, (size_t)size, f) != (size_t)size) {
		rc = p ? -EIO : -ENOMEM;
		fclose(f);
		rescue_wipe(p, (size_t)size);
		return node_fail_store(ctx, rc);
	}
	fclose(f);
	size_t pos = sizeof(RESCUE_MAGIC) - 1, len = (size_t)size;
	if (len < pos || memcmp(p, RESCUE_MAGIC, pos) != 0) {
		rescue_wipe(p, (size_t)size);
		return node_fail_store(ctx, ERR_CORRUPT);
	}
	ctx->app.rescue_replay = true;
	if ((rc = crdt_store_begin(ctx->app.store))) {
		rescue_wipe(p, (size_t)size);
		return node_fail_store(ctx, rc);
	}
	while (pos < len && !rc) {
		size_t sl = p[pos], bl = 0;
		struct crdt_write *w = NULL;
		size_t nw = 0;
		if (sl > CRDT_SCOPE_MAX || len - pos < 1 + sl + 4) {
			rc = ERR_CORRUPT;
			break;
		}
		memcpy(scope, p + pos + 1, sl);
		scope[sl] = '\0';
		pos += 1 + sl;
		for (int i = 0; i < 4; i++)
			bl |= (size_t)p[pos + i] << (8 * i);
		pos += 4;
		if (bl > len - pos || bl > CRDT_BODY_MAX) {
			rc = ERR_CORRUPT;
			break;
		}
		if ((rc = crdt_body_decode(p + pos, bl, &w, &nw)))
			break;
		for (size_t i = 0; i < nw; i++)
			rescue_restamp(&w[i], cut, ctx->app.now_ms);
		rc = node_commit(ctx, scope, w, nw); /* prints why on failure */
		mem_free(w);
		pos += bl;
		n++;
	}
	if (rc) {
		crdt_store_abort(ctx->app.store);
		rescue_wipe(p, (size_t)size);
		return ctx->said ? rc : node_fail_store(ctx, rc);
	}
	rc = crdt_store_end(ctx->app.store);
	rescue_wipe(p, (size_t)size);
	if (rc)
		return node_fail_store(ctx, rc);
	unlink(path);
	app_time_fmt(ctx->app.now_ms, t, sizeof(t));
	if (ctx->json) {
		struct node_json j;
		node_json_init(&j, stdout);
		node_json_obj(&j);
		node_json_kint(&j, "replayed", (int64_t)n);
		node_json_kint(&j, "at_ms", (int64_t)ctx->app.now_ms);
		node_json_end_obj(&j);
	} else {
		node_say(ctx, M_CLOCK_RESCUE_REPLAYED, (unsigned long long)n, t);
	}
	return 0;
}

int node_clock_rescue(struct node_ctx *ctx, bool replay)
{
	char path[NODE_PATH_MAX + 32];
	struct app_clock k;
	struct stat sb;
	int rc;

	if ((rc = node_open(ctx)))
		return rc;
	if (ctx->app.hub)
		return node_fail(ctx, ERR_RULE, M_CLOCK_RESCUE_HUB);
	if (replay)
		return rescue_replay(ctx);
	rescue_path(ctx, path, sizeof(path), "rescue.pending");
	if (stat(path, &sb) == 0)
		return node_fail(ctx, ERR_CLOCK, M_CLOCK_RESCUE_PENDING);
	if ((rc = app_clock_judge(&ctx->app, &k)))
		return node_fail_store(ctx, rc);
	if (k.verdict == CRDT_TIME_OK) {
		node_say(ctx, M_CLOCK_RESCUE_NOTHING);
		return 0;
	}
	if (k.verdict != CRDT_TIME_FEED_AHEAD)
		return node_fail(ctx, ERR_CLOCK, M_CLOCK_RESCUE_CLOCK,
				 node_msg(ctx->lang, node_clock_verdict_msg(k.verdict)));
	return rescue_take(ctx, &k);
}
