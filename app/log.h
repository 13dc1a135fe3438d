/* SPDX-License-Identifier: MIT */
/*
 * log.h - the audit trail (log.c): each write this node holds, opened
 * with the keys it holds.
 */
#ifndef CUNLIAN_APP_LOG_H
#define CUNLIAN_APP_LOG_H

#include "app/app.h"

/* One write of commit e; both are borrowed for the call only. A non-zero
 * return stops the walk and is returned. */
typedef int (*app_log_fn)(void *arg, const struct crdt_log_entry *e, const struct crdt_write *w);

/* Call fn for every write of every feed held (feed by feed, in seq
 * order), or only those touching record id (its key or a column naming
 * it) when id is not NULL. Sealed bodies are opened with this node's
 * keys; *hidden counts the commits it cannot open. */
int app_log_each(struct app *a, const char *id, app_log_fn fn, void *arg, uint64_t *hidden);

/* Log compaction (sync/compact.c): *before_ms is the wall time up to
 * which some history was pruned (the latest base), 0 when none was. The
 * audit says "history before <date> compacted" rather than failing:
 * what was pruned shows only in the records' current values. */
int app_log_compacted(struct app *a, uint64_t *before_ms);

#endif
