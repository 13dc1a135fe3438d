// SPDX-License-Identifier: MIT
/*
 * bundle.c - bundle export and import for a node (bundle.h).
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

#include "app/backup.h"
#include "app/bundle.h"
#include "app/clock.h"
#include "app/mark.h"
#include "app/peer.h"
#include "base/afile.h"
#include "base/err.h"
#include "base/mem.h"

int app_bundle_target(struct app *a, const char *target)
{
	if (strcmp(target, "hub") == 0 || app_id_ok(target))
		return 0;
	return app_failf(a, ERR_USAGE, APP_W_BUNDLE_BAD_FOR, 1, target);
}

/* The scopes a node wants (the hub all, a station its own and the
 * county's), and those it reads (the hub all, a station its own). */
static int app_bundle_scopes(const char *target, struct sync_scopes *wants, struct sync_scopes *reads)
{
	int rc;
	memset(wants, 0, sizeof(*wants));
	memset(reads, 0, sizeof(*reads));
	if (strcmp(target, "hub") == 0) {
		wants->all = reads->all = true;
		return 0;
	}
	if ((rc = sync_scopes_add(wants, target)) || (rc = sync_scopes_add(wants, "")))
		return rc;
	return sync_scopes_add(reads, target);
}

/* The stick is full: how much room the bundle needs and how much is there. */
static int app_bundle_full(struct app *a, const char *file, struct app_bundle_export_info *info)
{
	char needs[48], free_s[48] = "";
	info->avail = afile_free_bytes(file);
	app_bytes_fmt(info->need, needs, sizeof(needs));
	if (info->avail >= 0)
		app_bytes_fmt((uint64_t)info->avail, free_s, sizeof(free_s));
	return app_failf(a, -ENOSPC, APP_W_BUNDLE_FULL, 3, file, needs, free_s);
}

int app_bundle_export(struct app *a, const char *file, const char *target, bool named,
		      struct app_bundle_export_info *info)
{
	struct crdt_vv_entry *vv = NULL;
	struct sync_scopes wants, reads;
	struct stat sb;
	size_t nvv = 0;
	int rc;

	memset(info, 0, sizeof(*info));
	info->avail = -1;
	if ((rc = app_bundle_target(a, target)))
		return rc;
	if (app_bundle_scopes(target, &wants, &reads))
		return app_failf(a, ERR_USAGE, APP_W_BUNDLE_BAD_FOR, 1, target);
	if ((rc = app_peer_vv_load(a, target, &vv, &nvv)))
		return app_fail_store(a, rc);
	app_clock_say_time(a, 0, true); /* the hub's time travels in its bundles */
	rc = sync_bundle_export_file(a->sync, file, vv, nvv, &wants, named ? &reads : NULL, &info->need);
	mem_free(vv);
	if (rc == -ENOSPC || rc == -EDQUOT)
		return app_bundle_full(a, file, info);
	if (rc)
		return app_failf(a, rc, APP_W_BUNDLE_WRITE, 1, file);
	app_mark_settle(a); /* our feeds may leave on it (mark.c W2) */
	info->bytes = stat(file, &sb) == 0 ? (uint64_t)sb.st_size : info->need;
	info->withheld = sync_ctx_withheld(a->sync);
	info->too_large = sync_ctx_too_large(a->sync);
	{
		const struct crdt_vv_entry *pv;
		size_t np;
		info->pruned = sync_ctx_pruned(a->sync, &pv, &np);
	}
	return 0;
}

int app_bundle_import(struct app *a, const char *file, struct sync_report *rep)
{
	static const enum app_why says[] = {
		[SYNC_BUNDLE_WHOLE] = APP_W_NONE, [SYNC_BUNDLE_OLD] = APP_W_NONE,
		[SYNC_BUNDLE_CUT] = APP_W_BUNDLE_CUT, [SYNC_BUNDLE_ALTERED] = APP_W_BUNDLE_ALTERED,
		[SYNC_BUNDLE_HEADER] = APP_W_BUNDLE_HEADER,
	};
	memset(rep, 0, sizeof(*rep));
	if (app_home_readonly(a)) /* it merges: nothing of it could be kept */
		return app_failf(a, ERR_STORAGE, APP_W_HOME_RO, 1, a->home);
	app_clock_say_time(a, 0, true); /* sets the floor a slow clock is judged by */
	int rc = sync_bundle_import(a->sync, file, a->now_ms, rep);
	if (rc == ERR_CORRUPT)
		return app_failf(a, ERR_USAGE, APP_W_BUNDLE_NOT_BUNDLE, 1, file); /* the wrong file */
	if (rc == ERR_NOTFOUND || rc == -ENOENT) {
		rc = app_failf(a, ERR_NOTFOUND, APP_W_BUNDLE_READ, 1, file);
		a->fail.code[0] = -ENOENT; /* the reason the message names */
		return rc;
	}
	if (rc == -ENOSPC || rc == -EDQUOT || rc == -EBUSY)
		return app_fail_store(a, rc == -EDQUOT ? -ENOSPC : rc); /* the home's disk, or a writer */
	if (rc)
		return app_failf(a, rc, APP_W_BUNDLE_READ, 1, file);
	app_clock_heard(a, rep, false, 0); /* a lower bound: it may be days old */
	int check = rep->bundle >= 0 && rep->bundle <= SYNC_BUNDLE_HEADER ? rep->bundle : SYNC_BUNDLE_HEADER;
	rep->bundle = check;
	if (says[check] != APP_W_NONE) /* B5: the file as a whole is not as exported */
		return app_failf(a, ERR_RULE, says[check], 1, file);
	if (rep->refused || rep->chunks_refused || rep->bytes_skipped)
		return app_failf(a, ERR_RULE, APP_W_BUNDLE_PARTIAL, 0);
	return 0;
}

/* ---- snapshots on a stick ------------------------------------------------ */

bool app_snapshot_file(const char *file)
{
	char m[4];
	FILE *f = fopen(file, "rb");
	if (!f)
		return false;
	bool yes = fread(m, 1, 4, f) == 4 && memcmp(m, "CLSN", 4) == 0;
	fclose(f);
	return yes;
}

int app_snapshot_export(struct app *a, const char *file, const char *scope, uint64_t *bytes)
{
	struct buf b;
	int rc;
	*bytes = 0;
	if (!a->hub)
		return app_failf(a, ERR_UNAUTH, APP_W_SNAP_NOT_HUB, 0);
	buf_init(&b, SYNC_SNAP_MAX);
	if ((rc = sync_snapshot_make(a->sync, scope, a->now_ms, &b, NULL))) {
		buf_release(&b);
		return app_failf(a, rc, APP_W_SNAP_MAKE, 1, *scope ? scope : "-");
	}
	rc = afile_put(file, b.data, b.len, 0644);
	*bytes = b.len;
	buf_release(&b);
	if (rc == -ENOSPC || rc == -EDQUOT) {
		struct app_bundle_export_info info = { .need = *bytes };
		return app_bundle_full(a, file, &info);
	}
	if (rc)
		return app_failf(a, rc, APP_W_BUNDLE_WRITE, 1, file);
	return 0;
}

int app_snapshot_import(struct app *a, const char *file, struct sync_snap_info *info)
{
	struct buf b;
	uint8_t signer[SYNC_PK_LEN], chunk[65536];
	size_t k;
	int rc = 0;
	memset(info, 0, sizeof(*info));
	if (app_home_readonly(a))
		return app_failf(a, ERR_STORAGE, APP_W_HOME_RO, 1, a->home);
	FILE *f = fopen(file, "rb");
	if (!f) {
		rc = app_failf(a, ERR_NOTFOUND, APP_W_BUNDLE_READ, 1, file);
		a->fail.code[0] = -ENOENT;
		return rc;
	}
	buf_init(&b, SYNC_SNAP_MAX + 1); /* one byte more: a file over the bound is refused as such */
	while ((k = fread(chunk, 1, sizeof(chunk), f)) > 0 && !b.err)
		buf_put(&b, chunk, k);
	if (ferror(f))
		rc = -EIO;
	fclose(f);
	if (rc || (b.err && b.err != ERR_TOOBIG)) {
		rc = rc ? rc : b.err;
		buf_release(&b);
		return app_failf(a, rc, APP_W_BUNDLE_READ, 1, file);
	}
	size_t len = b.err ? SYNC_SNAP_MAX + 1 : b.len;
	const uint8_t *trusted = NULL;
	if (!a->have_root && sync_snapshot_signer(b.data, b.len, signer) == 0)
		trusted = signer; /* as a bundle's commits are taken from anyone */
	rc = sync_snapshot_apply(a->sync, b.data, len, NULL, trusted, a->now_ms, info);
	buf_release(&b);
	if (rc == -ENOSPC || rc == -EBUSY || rc == ERR_STORAGE)
		return app_fail_store(a, rc);
	if (rc) { /* refused, whatever the reason (its code named in the message): exit 3 */
		app_failf(a, rc, APP_W_SNAP_REFUSED, 2, file, info->why ? info->why : "");
		return ERR_RULE;
	}
	return 0;
}
