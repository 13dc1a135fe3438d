// SPDX-License-Identifier: MIT
/*
 * log.c - the audit trail: every write this node holds, as it can read
 * it. A station-scope commit is kept sealed (encrypted under the
 * station's key) once the node is enrolled; it is opened here with the
 * key this node holds, so a station and the hub show what they can
 * decrypt. What cannot be opened here (another station's data relayed
 * through this node) is counted, not shown.
 */
#include <errno.h>
#include <string.h>

#include "base/buf.h"
#include "base/err.h"
#include "base/mem.h"
#include "app/app.h"
#include "app/log.h"

struct log_walk {
	struct app *a;
	const char *id;
	app_log_fn fn;
	void *arg;
	struct buf plain;
	uint64_t hidden;
};

/* Does write w touch record id (its key, or a text column naming it)? */
static bool log_match(const struct crdt_write *w, const char *id)
{
	size_t len = strlen(id);
	if (w->pk_len == len && memcmp(w->pk, id, len) == 0)
		return true;
	for (unsigned c = 0; c < CRDT_COLS_MAX; c++)
		if ((w->mask >> c & 1) && w->vals[c].type == CRDT_TEXT && w->vals[c].len == len &&
		    memcmp(w->vals[c].s, id, len) == 0)
			return true;
	return false;
}

static int log_entry(void *arg, const struct crdt_log_entry *e)
{
	struct log_walk *lw = arg;
	const uint8_t *body;
	size_t len, n = 0;
	struct crdt_write *w = NULL;
	int rc;

	if (e->carried && !e->held)
		return 0; /* relayed for others, never merged here */
	buf_reset(&lw->plain);
	if (sync_body_open(lw->a->sync, e, &lw->plain, &body, &len) ||
	    crdt_body_decode(body, len, &w, &n)) {
		lw->hidden++; /* sealed under a key this node does not hold */
		return 0;
	}
	rc = 0;
	for (size_t i = 0; i < n && !rc; i++)
		if (!lw->id || log_match(&w[i], lw->id))
			rc = lw->fn(lw->arg, e, &w[i]);
	mem_free(w);
	return rc;
}

int app_log_each(struct app *a, const char *id, app_log_fn fn, void *arg, uint64_t *hidden)
{
	struct crdt_vv_entry *vv = NULL;
	size_t nvv = 0;
	struct log_walk lw = { .a = a, .id = id, .fn = fn, .arg = arg };
	int rc;

	*hidden = 0;
	buf_init(&lw.plain, CRDT_BODY_MAX);
	if ((rc = crdt_store_vv(a->store, &vv, &nvv)))
		goto out;
	for (size_t i = 0; i < nvv && !rc; i++)
		rc = crdt_log_each(a->store, vv[i].author, vv[i].scope, 0, log_entry, &lw);
	*hidden = lw.hidden;
out:
	buf_release(&lw.plain);
	mem_free(vv);
	return rc ? app_fail_store(a, rc) : 0;
}

int app_log_compacted(struct app *a, uint64_t *before_ms)
{
	uint64_t hlc;
	int rc = crdt_store_base_latest(a->store, &hlc);
	*before_ms = rc ? 0 : CRDT_HLC_MS(hlc);
	return rc ? app_fail_store(a, rc) : 0;
}
