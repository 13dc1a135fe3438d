/* SPDX-License-Identifier: MIT */
/*
 * peer.h - what this node remembers of the nodes it syncs with, in the
 * folder peers/ of its home: peers/<name>.vv, the peer's version vector
 * as last heard (one line per feed, "<author hex> <seq> <scope>", scope
 * "-" for the county-wide ""), and peers/<name>.last, the wall-clock ms of
 * the last sync with it.
 *
 * Names. A peer reached at host:port is app_peer_name() of them; a node
 * that synced with this one is "node-<hex key>"; a bundle's target is its
 * station id or "hub". A name is at most APP_PEER_NAME_MAX bytes of
 * [A-Za-z0-9._-].
 *
 * Files. Each is replaced whole or not at all (base/afile.h). A file that
 * is missing reads as nothing heard (0 entries, ms 0), not an error; a
 * damaged line reads as not heard for that feed (it is then sent from its
 * start, which the receiver ignores as already held).
 *
 * Ownership. *out of app_peer_vv_load() is mem_alloc'd; the caller frees
 * it with mem_free(). Nothing else is kept.
 */
#ifndef CUNLIAN_APP_PEER_H
#define CUNLIAN_APP_PEER_H

#include <stddef.h>
#include <stdint.h>

#include "app/app.h"

#define APP_PEER_NAME_MAX 140

/* A file-safe name for the peer at host:port ("127.0.0.1_5683"); out
 * holds APP_PEER_NAME_MAX + 1. */
void app_peer_name(const char *host, unsigned port, char *out, size_t n);

/* The version vector last heard from peer: 0 (none: *n 0), -ENOMEM, or
 * -errno of a file that is there but cannot be read. */
int app_peer_vv_load(const struct app *a, const char *peer, struct crdt_vv_entry **out, size_t *n);
/* Remember it (peers/ made, mode 0700): 0 or a negative code. */
int app_peer_vv_save(const struct app *a, const char *peer, const struct crdt_vv_entry *vv, size_t n);

/* The time of the last sync with peer; never synced (or a damaged file):
 * *ms = 0 and 0. */
int app_peer_last_load(const struct app *a, const char *peer, uint64_t *ms);
int app_peer_last_save(const struct app *a, const char *peer, uint64_t ms);

#endif
