/* SPDX-License-Identifier: MIT */
/*
 * recover.h - a node whose replica lost its own commits (feed.mark says
 * so, mark.c) fetches its own feeds back, goes on after the last one
 * that came back, and learns what is lost.
 *
 *   1. app_recover_needed(): without a mismatch there is nothing to do.
 *   2. app_recover_begin() counts the own commits held; then the feeds
 *      come back: over a link (the front end runs one sync session with
 *      the hub: the station's HELLO asks for its own scope and the
 *      county's, and its version vector lacks its own feeds, so the hub
 *      sends them; the session applies commits of the node's own key like
 *      any author's), or from a bundle (app_recover_bundle(): `bundle
 *      export FILE --for STATION` at the hub holds the whole of both
 *      scopes, the station's own feed included).
 *   3. The local commit after that takes the highest own seq now held + 1
 *      (crdt/commit.c C3): the numbering goes on after the hub's last.
 *   3a. app_recover_finish(): commits that left the node but did not come
 *      back stop it (ERR_CONFLICT, APP_W_RECOVER_SENT_MISSING, nothing
 *      changed) unless accept_loss: they are held elsewhere.
 *   4. feed.mark: floors set to what came back, id floors to the ids
 *      reserved (W5), lost cleared (app_mark_recovered). The seqs between
 *      the hub's last and the old floor were written and maybe sent (a
 *      bundle still on its way); those up to the reservation, if any were
 *      written, were never synced: both are in the result, and
 *      feed.journal starts again.
 * A failure before 4 leaves the node refused as before (run it again).
 * The app is opened with a->recovering (app.h).
 */
#ifndef CUNLIAN_APP_RECOVER_H
#define CUNLIAN_APP_RECOVER_H

#include <stdbool.h>
#include <stdint.h>

#include "app/app.h"

/* A commit written here after the last one that came back (J1 of mark.c). */
struct app_recover_lost {
	uint64_t seq;
	char *ids; /* the record ids it wrote, separated by blanks (mem_alloc'd) */
};

struct app_recover_feed {
	char scope[CRDT_SCOPE_MAX + 1];
	uint64_t held;      /* own seq held now: new commits go on after it */
	uint64_t sent_lost; /* > held: held + 1 .. sent_lost left the node and
			       did not come back (given up with accept_loss) */
	struct app_recover_lost *lost;
	size_t nlost;
};

struct app_recover_result {
	uint64_t fetched; /* own commits that came back */
	struct app_recover_feed *feed; /* mem_alloc'd; app_recover_result_release */
	size_t nfeed;
	uint64_t next_id[26]; /* per id letter a..z: the next number, 0 none */
};

/* Does the replica fail to match the feed mark (recover needed)? */
bool app_recover_needed(const struct app *a);
/* Before the feeds come back: *own, the own commits held. */
int app_recover_begin(struct app *a, uint64_t *own);
/* The feeds back from a bundle file: ERR_USAGE (not a bundle),
 * ERR_NOTFOUND, -errno. A bundle imported in part is not an error here:
 * app_recover_finish() judges what came back. */
int app_recover_bundle(struct app *a, const char *path);
/* Steps 3a and 4; own_before from app_recover_begin(). On success *res
 * (release it) says what came back and what is lost. */
int app_recover_finish(struct app *a, uint64_t own_before, bool accept_loss,
		       struct app_recover_result *res);
void app_recover_result_release(struct app_recover_result *res);

#endif
