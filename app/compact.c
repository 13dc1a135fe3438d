// SPDX-License-Identifier: MIT
/*
 * compact.c - log compaction for the node: the role and retention it
 * runs with, and the time of the last run (compact.last in the home: one
 * decimal number of milliseconds; a missing or bad file means "due").
 *
 * Space: pruned log rows free pages inside replica.db, which SQLite
 * reuses for the next writes (the file does not shrink: its auto_vacuum
 * is off, and a full VACUUM would rewrite the whole file and stop serve
 * meanwhile). The report says how many bytes of the file are free.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sqlite3.h>

#include "base/afile.h"
#include "base/err.h"
#include "app/compact.h"

unsigned app_compact_keep(const struct app *a, int keep_days)
{
	if (keep_days >= 0)
		return (unsigned)keep_days;
	return a->hub ? APP_COMPACT_KEEP_HUB : APP_COMPACT_KEEP_STATION;
}

static uint64_t app_pragma(struct app *a, const char *sql)
{
	sqlite3_stmt *st;
	uint64_t v = 0;
	if (sqlite3_prepare_v2(crdt_store_db(a->store), sql, -1, &st, NULL) != SQLITE_OK)
		return 0;
	if (sqlite3_step(st) == SQLITE_ROW)
		v = (uint64_t)sqlite3_column_int64(st, 0);
	sqlite3_finalize(st);
	return v;
}

bool app_compact_due(const struct app *a, uint64_t now_ms)
{
	char path[APP_PATH_MAX + 32], line[32];
	app_path(a, path, sizeof(path), "compact.last");
	FILE *f = fopen(path, "r");
	if (!f)
		return true;
	char *ok = fgets(line, sizeof(line), f);
	fclose(f);
	char *end;
	unsigned long long last = ok ? strtoull(line, &end, 10) : 0;
	if (!ok || end == line || last > now_ms)
		return true; /* unreadable, or from a clock ahead: run */
	return now_ms - last >= APP_COMPACT_EVERY_MS;
}

static int app_compact_do(struct app *a, unsigned keep, bool dry_run, size_t max_txns,
			  struct app_compact *out);

int app_compact_run(struct app *a, unsigned keep, bool dry_run, struct app_compact *out)
{
	return app_compact_do(a, keep, dry_run, 0, out);
}

int app_compact_step(struct app *a, unsigned keep, size_t max_txns, struct app_compact *out)
{
	return app_compact_do(a, keep, false, max_txns, out);
}

static int app_compact_do(struct app *a, unsigned keep, bool dry_run, size_t max_txns,
			  struct app_compact *out)
{
	memset(out, 0, sizeof(*out));
	out->keep_days = keep;
	if (keep == 0)
		return app_failf(a, ERR_USAGE, APP_W_COMPACT_OFF, 0);
	struct sync_compact_options o = {
		.now_ms = a->now_ms,
		.keep_ms = (uint64_t)keep * 24 * 3600 * 1000,
		.hub = a->hub,
		.dry_run = dry_run,
		.max_txns = max_txns,
	};
	int rc = sync_compact(a->sync, &o, &out->r);
	uint64_t page = app_pragma(a, "PRAGMA page_size");
	out->file_free_bytes = page * app_pragma(a, "PRAGMA freelist_count");
	out->file_bytes = page * app_pragma(a, "PRAGMA page_count");
	if (rc)
		return app_fail_store(a, rc);
	if (!dry_run && !out->r.more) {
		char path[APP_PATH_MAX + 32], line[32];
		int n = snprintf(line, sizeof(line), "%" PRIu64 "\n", a->now_ms);
		app_path(a, path, sizeof(path), "compact.last");
		afile_put(path, line, (size_t)n, 0644); /* best effort: the next run is only early */
	}
	return 0;
}

void app_compact_release(struct app_compact *c)
{
	sync_compact_report_release(&c->r);
}
