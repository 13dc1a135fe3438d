/* SPDX-License-Identifier: MIT */
/*
 * compact.h - log compaction for the node (sync/compact.c holds the rule,
 * R1-R7): this node's role and retention, the last run's time, and what
 * the file can give back.
 */
#ifndef CUNLIAN_APP_COMPACT_H
#define CUNLIAN_APP_COMPACT_H

#include "app/app.h"
#include "sync/sync.h"

#define APP_COMPACT_KEEP_STATION 30 /* days of history a station keeps */
#define APP_COMPACT_KEEP_HUB 90     /* and the hub */
#define APP_COMPACT_EVERY_MS (24ULL * 3600 * 1000)

struct app_compact {
	struct sync_compact_report r; /* what went (or would go) */
	unsigned keep_days;           /* the retention used */
	uint64_t file_free_bytes;     /* pages free in replica.db after it, reused by new writes */
	uint64_t file_bytes;          /* replica.db's pages in all */
};

/* The retention in days: keep_days from node.conf when >= 0, else the
 * role's default (a station 30, the hub 90). 0 disables compaction. */
unsigned app_compact_keep(const struct app *a, int keep_days);

/* Prune this node's log by the rule (sync/compact.c) with a retention of
 * keep (days, > 0) at a->now_ms; dry_run only counts. Then, unless a dry
 * run, record the time in compact.last (app_compact_due). Release out
 * with app_compact_release whatever it returns. 0, ERR_USAGE (keep 0:
 * disabled), or a storage error (app_fail_store: what went before it
 * stays pruned; run again). */
int app_compact_run(struct app *a, unsigned keep, bool dry_run, struct app_compact *out);
/* The same, at most max_txns transactions (0: all); out->r.more when it
 * stopped there (compact.last is written only once all is done). */
int app_compact_step(struct app *a, unsigned keep, size_t max_txns, struct app_compact *out);
void app_compact_release(struct app_compact *c);

/* Is a compaction due at now_ms (none in the last day, by compact.last)? */
bool app_compact_due(const struct app *a, uint64_t now_ms);

#endif
