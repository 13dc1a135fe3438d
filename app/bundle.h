/* SPDX-License-Identifier: MIT */
/*
 * bundle.h - bundle files: the deltas a USB stick or a phone carries
 * where no link exists (store and forward). The byte layout is
 * sync/bundle.c's (docs/protocol.md "Bundles"); this is what a node does
 * with them.
 *
 * Export. What the target node may lack is judged by what this node last
 * heard of its version vector (peers/<target>.vv, app/peer.h, written when
 * a sync with it finishes); without such news the bundle holds everything
 * of the scopes the target wants (a station: its own and the county's;
 * the hub: all), and importing what is already held changes nothing. A
 * bundle named for its target carries the ranges only that node can read
 * opened (docs/protocol.md "Opened ranges"); unnamed, it is for whoever
 * carries it on, commit by commit. The file is written whole or not at
 * all (base/afile.h): a full stick leaves the bundle that was there.
 *
 * Import. Every complete, valid chunk is merged (or kept to relay), in
 * one transaction per chunk (sync/); the report says what was merged and
 * what was skipped or refused. The time the bundle brings is taken in as
 * a lower bound of the clock.
 *
 * Both run on an open app (app_open). 0, or a negative code with the
 * reason in a->fail (the APP_W_BUNDLE_* block of why.h).
 */
#ifndef CUNLIAN_APP_BUNDLE_H
#define CUNLIAN_APP_BUNDLE_H

#include <stdbool.h>
#include <stdint.h>

#include "app/app.h"

/* Is target a node a bundle can be for: a station id or "hub"?
 * 0, or ERR_USAGE (APP_W_BUNDLE_BAD_FOR). Needs no open app. */
int app_bundle_target(struct app *a, const char *target);

struct app_bundle_export_info {
	uint64_t bytes;    /* the size of the file written */
	uint64_t withheld; /* commits left out: entered before enrolment, never
			      handed to others to carry (docs/security.md) */
	uint64_t too_large; /* other authors' commits left out: a piece too
			       large for one chunk (sync_ctx_too_large) */
	uint64_t pruned;   /* feeds left out: the target is behind their base
			      here (log compaction; sync_ctx_pruned) */
	uint64_t need;     /* (-ENOSPC) bytes the bundle needs */
	int64_t avail;     /* (-ENOSPC) bytes free there, -1 unknown */
};

/* Write to file what target (a station id or "hub") may lack; named: the
 * bundle is for target alone (its ranges opened). Our own feeds may leave
 * on it: the feed mark's floors are raised (mark.c W2). ERR_USAGE (a bad
 * target), -ENOSPC (info->need, ->avail), -errno. */
int app_bundle_export(struct app *a, const char *file, const char *target, bool named,
		      struct app_bundle_export_info *info);

/* Merge what file brings; *rep says what was merged, skipped, refused.
 * 0 when the whole bundle verified; ERR_RULE when it was imported only in
 * part (APP_W_BUNDLE_CUT, _ALTERED, _HEADER: the file is not as exported;
 * _PARTIAL: chunks or commits refused), *rep valid then too; ERR_USAGE
 * for a file that is no bundle, ERR_NOTFOUND, -errno (nothing merged). */
int app_bundle_import(struct app *a, const char *file, struct sync_report *rep);

/*
 * Snapshots on a stick (issue 15; docs/protocol.md "Snapshots"): the
 * hub's signed snapshot of one scope as a file, for a new board that has
 * no link yet. Export only at a hub (APP_W_SNAP_NOT_HUB, ERR_UNAUTH);
 * the file is written whole or not at all. Import checks it as a snapshot
 * fetched over CoAP (sync_snapshot_apply; in a county without a root, the
 * key that signed it is taken as the peer) and changes nothing when it is
 * refused (ERR_RULE, and APP_W_SNAP_REFUSED with the reason and the
 * code that refused it: ERR_BADSIG, ERR_UNAUTH, ERR_CORRUPT, ERR_TOOBIG,
 * ...). app_snapshot_file tells a
 * snapshot file from a bundle by its first bytes.
 */
bool app_snapshot_file(const char *file);
int app_snapshot_export(struct app *a, const char *file, const char *scope, uint64_t *bytes);
int app_snapshot_import(struct app *a, const char *file, struct sync_snap_info *info);

#endif
