// SPDX-License-Identifier: MIT
/*
 * rescue.c - the clock rescue of a station that committed far-future
 * times (an older version, or a clock set wrong before issue 12;
 * docs/field-guide.md "Clock rescue"); `cunlian clock rescue [--replay]`
 * is node/cmd_rescue.c.
 *
 * A commit whose HLC is far in the future cannot be taken back: its seq is
 * given away and its time is signed into the feed, so the hub refuses it
 * and every later commit of the feed (their HLCs are later still). The
 * station therefore continues as a new author, as a restored board does:
 * the data is kept, the far-future commits are written again at the
 * present time under a new key.
 *
 * Step one (app_rescue), with the clock set right (verdict FEED_AHEAD):
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
 * Step two (app_rescue_replay), once enrolled:
 *   R3. The pending bodies are committed again, in their order, under the
 *       new key, in one write transaction (all or none): each write as it
 *       was, but a time column ("at", "*_at") past the 24-hour window is
 *       set to now, since the true time of those writes is not known. Then
 *       rescue.pending is removed.
 *
 * rescue.pending: "CLRESCUE1\n", then per commit u8 scope length, the
 * scope, u32le body length, the body (mode 0600: the station's plaintext).
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
#include "app/clock.h"
#include "app/enroll.h"

#define RESCUE_MAGIC "CLRESCUE1\n"
#define RESCUE_MAX ((uint64_t)1 << 30) /* bytes of rescue.pending read back */

struct rescue {
	struct app *a;
	struct crdt_store *ns; /* the new replica */
	FILE *pending;
	uint64_t cut, now;     /* own commits past cut are far-future */
	uint64_t taken, first;
	struct buf open;
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
	bool own = memcmp(e->author, r->a->author, CRDT_AUTHOR_LEN) == 0;
	int rc;

	buf_reset(&r->open);
	if (!e->carried && (rc = sync_body_open(r->a->sync, e, &r->open, &plain, &plain_len)))
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

static int rescue_move(const struct app *a, const char *dir, const char *file)
{
	char from[APP_PATH_MAX + 32], to[2 * APP_PATH_MAX + 64];
	struct stat sb;
	app_path(a, from, sizeof(from), file);
	if (stat(from, &sb) != 0)
		return 0;
	snprintf(to, sizeof(to), "%s/%s", dir, file);
	return rename(from, to) == 0 ? 0 : -errno;
}

/* rescue.pending.tmp, mode 0600, with its magic. */
static int rescue_pending_open(struct rescue *r, const char *path)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	if (fd < 0)
		return -errno;
	if (!(r->pending = fdopen(fd, "wb"))) {
		int rc = -errno;
		close(fd);
		return rc;
	}
	return fputs(RESCUE_MAGIC, r->pending) < 0 ? -EIO : 0;
}

/* R1: the new replica and rescue.pending.tmp, on disk. */
static int rescue_copy(struct rescue *r, const char *db, const char *pend, const uint8_t pk[CRDT_AUTHOR_LEN])
{
	struct crdt_vv_entry *vv = NULL;
	size_t nvv = 0;
	int rc;
	if ((rc = crdt_store_open(&r->ns, db, pk, NULL)) || (rc = rescue_pending_open(r, pend)) ||
	    (rc = crdt_store_vv(r->a->store, &vv, &nvv)) || (rc = crdt_store_begin(r->ns)))
		goto out;
	for (size_t i = 0; i < nvv && !rc; i++)
		rc = crdt_log_each(r->a->store, vv[i].author, vv[i].scope, 0, rescue_one, r);
	if (rc) {
		crdt_store_abort(r->ns);
		goto out;
	}
	if ((rc = crdt_store_end(r->ns)))
		goto out;
	if (fflush(r->pending) != 0 || fsync(fileno(r->pending)) != 0)
		rc = -errno;
out:
	mem_free(vv);
	return rc;
}

/* R2: the old files into dir, the new ones in their places. */
static int rescue_swap(struct app *a, const char *dir, const char *db, const char *key, const char *pend)
{
	static const char *const old[] = { "replica.db", "replica.db-wal", "replica.db-shm", "identity.key",
					   "node.cert" };
	const char *const from[] = { db, key, pend }, *const to[] = { "replica.db", "identity.key",
								      "rescue.pending" };
	char path[APP_PATH_MAX + 32];
	int rc;
	app_close(a);
	if (mkdir(dir, 0700) != 0)
		return -errno; /* (an existing one is never written over) */
	/* From here the new files stay whatever happens: the old ones are
	 * in dir, and the message names it (docs/field-guide.md 5.2). */
	for (size_t i = 0; i < sizeof(old) / sizeof(old[0]); i++)
		if ((rc = rescue_move(a, dir, old[i])))
			return rc;
	for (size_t i = 0; i < 3; i++) {
		app_path(a, path, sizeof(path), to[i]);
		if (rename(from[i], path) != 0)
			return -errno;
	}
	return 0;
}

static int rescue_take(struct app *a, struct app_rescue *out)
{
	char db[APP_PATH_MAX + 32], key[APP_PATH_MAX + 32], pend[APP_PATH_MAX + 32], name[48];
	struct sync_identity nid = { 0 };
	struct rescue r = { .a = a, .now = a->now_ms, .cut = a->now_ms + CRDT_DEFAULT_MAX_AHEAD_MS };
	bool swapping = false;
	int rc;

	app_path(a, db, sizeof(db), "replica.db.rescue");
	app_path(a, key, sizeof(key), "identity.key.rescue");
	app_path(a, pend, sizeof(pend), "rescue.pending.tmp");
	unlink(db);
	unlink(key);
	buf_init(&r.open, CRDT_BODY_MAX + 64);
	if ((rc = sync_identity_generate(&nid)) || (rc = sync_identity_save(&nid, key)) ||
	    (rc = rescue_copy(&r, db, pend, nid.pk)))
		goto out;
	fclose(r.pending);
	r.pending = NULL;
	crdt_store_close(r.ns);
	r.ns = NULL;
	snprintf(name, sizeof(name), "rescue-%llu", (unsigned long long)a->now_ms);
	app_path(a, out->kept_in, sizeof(out->kept_in), name);
	app_hex(a->author, CRDT_AUTHOR_LEN, out->old_key);
	app_hex(nid.pk, CRDT_AUTHOR_LEN, out->new_key);
	swapping = true;
	if ((rc = rescue_swap(a, out->kept_in, db, key, pend)))
		goto out;
	out->needed = true;
	out->taken = r.taken;
	out->first_ms = r.first;
out:
	if (r.pending)
		fclose(r.pending);
	crdt_store_close(r.ns);
	if (rc && !swapping) {
		unlink(db);
		unlink(key);
		unlink(pend);
	}
	sync_identity_release(&nid);
	if (r.open.data)
		sodium_memzero(r.open.data, r.open.cap); /* decrypted bodies */
	buf_release(&r.open);
	return rc ? app_fail_store(a, rc) : 0;
}

int app_rescue(struct app *a, struct app_rescue *out)
{
	char path[APP_PATH_MAX + 32];
	struct app_clock k;
	struct stat sb;
	int rc;

	memset(out, 0, sizeof(*out));
	if (a->hub)
		return app_failf(a, ERR_RULE, APP_W_RESCUE_HUB, 0);
	app_path(a, path, sizeof(path), "rescue.pending");
	if (stat(path, &sb) == 0)
		return app_failf(a, ERR_CLOCK, APP_W_CLOCK_RESCUE_PENDING, 0);
	if ((rc = app_clock_judge(a, &k)))
		return app_fail_store(a, rc);
	if (k.verdict == CRDT_TIME_OK)
		return 0;
	if (k.verdict != CRDT_TIME_FEED_AHEAD) {
		app_failf(a, ERR_CLOCK, APP_W_RESCUE_CLOCK, 1, app_clock_verdict_name(k.verdict));
		a->fail.code[0] = (int)k.verdict;
		return ERR_CLOCK;
	}
	/* R1 rebuilds the replica from the log: history compacted out of it
	 * (sync/compact.c) would be lost from the tables */
	uint64_t hlc;
	if ((rc = crdt_store_base_latest(a->store, &hlc)))
		return app_fail_store(a, rc);
	if (hlc) {
		char when[32];
		app_time_fmt(CRDT_HLC_MS(hlc), when, sizeof(when));
		return app_failf(a, ERR_RULE, APP_W_RESCUE_COMPACTED, 1, when);
	}
	return rescue_take(a, out);
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

/* rescue.pending whole (plaintext: the caller wipes it, rescue_wipe). */
static int rescue_load(struct app *a, const char *path, uint8_t **p, size_t *len)
{
	FILE *f = fopen(path, "rb");
	long size = 0;
	int rc = 0;
	*p = NULL;
	*len = 0;
	if (!f)
		return app_failf(a, ERR_NOTFOUND, APP_W_RESCUE_NO_PENDING, 0);
	if (fseek(f, 0, SEEK_END) != 0 || (size = ftell(f)) < 0 || fseek(f, 0, SEEK_SET) != 0)
		rc = -EIO;
	else if ((uint64_t)size > RESCUE_MAX)
		rc = ERR_TOOBIG;
	else if (!(*p = mem_alloc((size_t)size + 1)))
		rc = -ENOMEM;
	else if (fread(*p, 1, (size_t)size, f) != (size_t)size)
		rc = -EIO;
	else
		*len = (size_t)size;
	fclose(f);
	if (!rc && (*len < sizeof(RESCUE_MAGIC) - 1 || memcmp(*p, RESCUE_MAGIC, sizeof(RESCUE_MAGIC) - 1)))
		rc = ERR_CORRUPT;
	if (rc && *p) {
		sodium_memzero(*p, (size_t)size);
		mem_free(*p);
		*p = NULL;
		*len = 0;
	}
	return rc ? app_fail_store(a, rc) : 0;
}

/* R3: each pending commit again, inside the write transaction. */
static int rescue_commit_all(struct app *a, const uint8_t *p, size_t len, uint64_t *n)
{
	char scope[CRDT_SCOPE_MAX + 1];
	uint64_t cut = a->now_ms + CRDT_DEFAULT_MAX_AHEAD_MS;
	size_t pos = sizeof(RESCUE_MAGIC) - 1;
	int rc = 0;
	while (pos < len && !rc) {
		size_t sl = p[pos], bl = 0, nw = 0;
		struct crdt_write *w = NULL;
		if (sl > CRDT_SCOPE_MAX || len - pos < 1 + sl + 4)
			return app_fail_store(a, ERR_CORRUPT);
		memcpy(scope, p + pos + 1, sl);
		scope[sl] = '\0';
		pos += 1 + sl;
		for (int i = 0; i < 4; i++)
			bl |= (size_t)p[pos + i] << (8 * i);
		pos += 4;
		if (bl > len - pos || bl > CRDT_BODY_MAX)
			return app_fail_store(a, ERR_CORRUPT);
		if ((rc = crdt_body_decode(p + pos, bl, &w, &nw)))
			return app_fail_store(a, rc);
		for (size_t i = 0; i < nw; i++)
			rescue_restamp(&w[i], cut, a->now_ms);
		rc = app_commit_add(a, scope, w, nw); /* says why on failure */
		mem_free(w);
		pos += bl;
		(*n)++;
	}
	return rc;
}

int app_rescue_replay(struct app *a, uint64_t *n)
{
	char path[APP_PATH_MAX + 32], station[CRDT_SCOPE_MAX + 1];
	uint8_t role, *p = NULL;
	size_t len = 0;
	int rc;

	*n = 0;
	if (a->hub)
		return app_failf(a, ERR_RULE, APP_W_RESCUE_HUB, 0);
	app_path(a, path, sizeof(path), "rescue.pending");
	if (access(path, F_OK) != 0)
		return app_failf(a, ERR_NOTFOUND, APP_W_RESCUE_NO_PENDING, 0);
	if (a->have_root && sync_ctx_enrolment(a->sync, a->author, station, sizeof(station), &role))
		return app_failf(a, ERR_RULE, APP_W_RESCUE_NOT_ENROLLED, 0);
	if ((rc = rescue_load(a, path, &p, &len)))
		return rc;
	bool began = !a->writing;
	a->rescue_replay = true;
	if ((rc = app_write_begin(a)) == 0 && (rc = rescue_commit_all(a, p, len, n)) == 0)
		rc = app_write_end(a);
	a->rescue_replay = false;
	sodium_memzero(p, len);
	mem_free(p);
	if (rc) {
		*n = 0;
		return app_write_fail(a, began, rc); /* all or none (R3) */
	}
	unlink(path);
	return 0;
}
