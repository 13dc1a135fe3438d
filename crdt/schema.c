// SPDX-License-Identifier: MIT
/*
 * schema.c - the replica's schema, declared once, as data.
 *
 * Everything else derives from these tables: the SQL (store.c), the column
 * ids in commit bodies (body.c) and which merge rule a column follows
 * (merge.c). To add a column, append it with the next unused id; opening a
 * replica adds it (ALTER TABLE ADD COLUMN). Never renumber or reuse an id:
 * ids travel in commits that old logs still hold.
 */
#include <string.h>

#include "crdt/crdt.h"

#define COL(i, n, t) { .id = (i), .name = (n), .type = (t), .rule = CRDT_RULE_LWW }
#define REG(i, n, t) { .id = (i), .name = (n), .type = (t), .rule = CRDT_RULE_LIFECYCLE }
#define NCOLS(a) (sizeof(a) / sizeof((a)[0]))

static const struct crdt_column stations_cols[] = {
	COL(0, "name", CRDT_TEXT),
	COL(1, "level", CRDT_TEXT), /* county, town, village */
	COL(2, "parent", CRDT_TEXT),
};

static const struct crdt_column volunteers_cols[] = {
	COL(0, "name", CRDT_TEXT),
	COL(1, "phone", CRDT_TEXT),
	COL(2, "station", CRDT_TEXT), /* home station: holds the right to spend points */
	COL(3, "team", CRDT_TEXT),
	COL(4, "skills", CRDT_TEXT),  /* comma list */
	COL(5, "status", CRDT_TEXT),  /* active, paused, left */
	COL(6, "registered_at", CRDT_INT),
	/* Resident ID number: never the number itself, only its keyed hash
	 * (hex of 32 bytes, sync_idnum_key) and its last four characters. */
	COL(7, "id_hash", CRDT_TEXT),
	COL(8, "id_last4", CRDT_TEXT),
	/* The same number keyed with the county ID key (sync_idnum_county_key),
	 * written by a node that holds it: the hub finds one person at two
	 * stations by it (cunlian report --duplicates). */
	COL(9, "id_chash", CRDT_TEXT),
};

static const struct crdt_column teams_cols[] = {
	COL(0, "name", CRDT_TEXT),
	COL(1, "station", CRDT_TEXT),
};

static const struct crdt_column orders_cols[] = {
	COL(0, "station", CRDT_TEXT),
	COL(1, "kind", CRDT_TEXT), /* service, wish */
	COL(2, "category", CRDT_TEXT),
	COL(3, "detail", CRDT_TEXT),
	COL(4, "requester", CRDT_TEXT),
	COL(5, "requester_phone", CRDT_TEXT),
	REG(6, "status", CRDT_TEXT),
	REG(7, "volunteer", CRDT_TEXT),
	COL(8, "team", CRDT_TEXT),
	COL(9, "hours", CRDT_REAL),
	COL(10, "rating", CRDT_INT),
	COL(11, "comment", CRDT_TEXT),
	COL(12, "created_at", CRDT_INT),
	COL(13, "updated_at", CRDT_INT),
};

static const struct crdt_column order_events_cols[] = {
	COL(0, "order", CRDT_TEXT),
	COL(1, "station", CRDT_TEXT),
	COL(2, "actor", CRDT_TEXT),
	COL(3, "from_status", CRDT_TEXT),
	COL(4, "to_status", CRDT_TEXT),
	COL(5, "volunteer", CRDT_TEXT),
	COL(6, "at", CRDT_INT),
	COL(7, "note", CRDT_TEXT),
};

static const struct crdt_column points_cols[] = {
	COL(0, "volunteer", CRDT_TEXT),
	COL(1, "delta", CRDT_INT),
	COL(2, "reason", CRDT_TEXT), /* service, redeem, adjust, reversal */
	COL(3, "order", CRDT_TEXT),
	COL(4, "item", CRDT_TEXT),
	COL(5, "station", CRDT_TEXT),
	COL(6, "key", CRDT_TEXT), /* idempotency key: one service credit per order */
	COL(7, "at", CRDT_INT),   /* when it was credited or redeemed (ms) */
	COL(8, "hours", CRDT_REAL), /* a service credit's hours (so a home station sees them) */
};

static const struct crdt_column settings_cols[] = {
	COL(0, "value", CRDT_TEXT),
};

/* Enrolment statements (docs/security.md): authored only by the county
 * root, in scope "". pk: hex of the first 16 bytes of the signature. */
static const struct crdt_column enrolments_cols[] = {
	COL(0, "node", CRDT_TEXT),    /* hex Ed25519 public key */
	COL(1, "station", CRDT_TEXT),
	COL(2, "role", CRDT_TEXT),    /* station, hub */
	COL(3, "not_before", CRDT_INT),
	COL(4, "not_after", CRDT_INT),
	COL(5, "cert", CRDT_TEXT),    /* hex of the signed statement */
};

/* Revocations: authored only by the county root, in scope "". */
static const struct crdt_column revocations_cols[] = {
	COL(0, "node", CRDT_TEXT),     /* hex Ed25519 public key */
	COL(1, "scope", CRDT_TEXT),    /* the feed from_seq counts in */
	COL(2, "from_seq", CRDT_INT),  /* refused from this seq of that feed */
	COL(3, "from_ms", CRDT_INT),   /* and everywhere from this HLC time */
	COL(4, "at", CRDT_INT),
};

/* Key generations of station scopes (docs/security.md "Re-keying"):
 * authored only by the county root, in scope "". A row without node
 * announces that generation gen of scope's key is in force; a row with
 * node carries that generation's key sealed to it. */
static const struct crdt_column scope_keys_cols[] = {
	COL(0, "scope", CRDT_TEXT),
	COL(1, "gen", CRDT_INT),
	COL(2, "node", CRDT_TEXT),   /* hex Ed25519 public key of the reader */
	COL(3, "sealed", CRDT_TEXT), /* hex of crypto_box_seal(key) to the reader */
	COL(4, "at", CRDT_INT),
};

const struct crdt_table crdt_tables[] = {
	{ 0, "stations", CRDT_KIND_ROWS, true, -1, -1, NCOLS(stations_cols), stations_cols },
	{ 1, "volunteers", CRDT_KIND_ROWS, true, 2, -1, NCOLS(volunteers_cols), volunteers_cols },
	{ 2, "teams", CRDT_KIND_ROWS, true, -1, -1, NCOLS(teams_cols), teams_cols },
	{ 3, "orders", CRDT_KIND_ROWS, false, 0, -1, NCOLS(orders_cols), orders_cols },
	{ 4, "order_events", CRDT_KIND_APPEND, false, 1, -1, NCOLS(order_events_cols), order_events_cols },
	{ 5, "points", CRDT_KIND_APPEND, false, 5, 6, NCOLS(points_cols), points_cols },
	{ 6, "settings", CRDT_KIND_ROWS, false, -1, -1, NCOLS(settings_cols), settings_cols },
	{ 7, "enrolments", CRDT_KIND_APPEND, false, -1, -1, NCOLS(enrolments_cols), enrolments_cols },
	{ 8, "revocations", CRDT_KIND_APPEND, false, -1, -1, NCOLS(revocations_cols), revocations_cols },
	{ 9, "scope_keys", CRDT_KIND_APPEND, false, -1, -1, NCOLS(scope_keys_cols), scope_keys_cols },
};
const size_t crdt_ntables = NCOLS(crdt_tables);

/* Secondary indexes for the queries of node/ at city scale (issue 15):
 * the duplicate checks of a volunteer import (a phone, an ID number's hash
 * and its county hash, each once per row) and one volunteer's orders and
 * points (a balance before a redemption). One station's rows are found
 * by the index on _scope (store.c), which every domain table has.
 * Opening a replica creates those missing (store.c); they are local to the
 * file and never travel, so adding one needs no new schema version. */
const struct crdt_index crdt_indexes[] = {
	{ "volunteers", "phone", true },
	{ "volunteers", "id_hash", true },
	{ "volunteers", "id_chash", true },
	{ "orders", "volunteer", true },
	{ "points", "volunteer", false },
};
const size_t crdt_nindexes = NCOLS(crdt_indexes);

const struct crdt_table *crdt_schema_table(unsigned id)
{
	return id < crdt_ntables ? &crdt_tables[id] : NULL;
}

const struct crdt_table *crdt_schema_find(const char *name)
{
	for (size_t i = 0; i < crdt_ntables; i++)
		if (strcmp(crdt_tables[i].name, name) == 0)
			return &crdt_tables[i];
	return NULL;
}

const struct crdt_column *crdt_table_column(const struct crdt_table *t, unsigned id)
{
	return id < t->ncols ? &t->cols[id] : NULL;
}

const struct crdt_column *crdt_table_find(const struct crdt_table *t, const char *name)
{
	for (size_t i = 0; i < t->ncols; i++)
		if (strcmp(t->cols[i].name, name) == 0)
			return &t->cols[i];
	return NULL;
}

/*
 * The order lifecycle register (DESIGN.md): phase 0 = open, dispatched,
 * accepted; 1 = cancelled; 2 = done, rated. Step orders rated after done.
 */
static const struct {
	const char *name;
	int phase, step;
} crdt_statuses[] = {
	{ "open", 0, 0 },     { "dispatched", 0, 0 }, { "accepted", 0, 0 },
	{ "cancelled", 1, 0 }, { "done", 2, 0 },      { "rated", 2, 1 },
};

static int crdt_status_find(const char *s, size_t len)
{
	for (size_t i = 0; i < NCOLS(crdt_statuses); i++)
		if (strlen(crdt_statuses[i].name) == len && memcmp(crdt_statuses[i].name, s, len) == 0)
			return (int)i;
	return -1;
}

int crdt_status_phase(const char *s, size_t len)
{
	int i = s ? crdt_status_find(s, len) : -1;
	return i < 0 ? -1 : crdt_statuses[i].phase;
}

int crdt_status_step(const char *s, size_t len)
{
	int i = s ? crdt_status_find(s, len) : -1;
	return i < 0 ? -1 : crdt_statuses[i].step;
}
