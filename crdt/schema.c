// SPDX-License-Identifier: MIT
/*
 * schema.c - the replica's schema, declared once, as data.
 *
 * Everything else derives from these tables: the SQL (store.c), the column
 * ids in commit bodies (body.c) and which merge rule a column follows
 * (merge.c). To add a column, give it the next unused id in crdt.h
 * (CRDT_C_<TABLE>_<COLUMN>) and append it here; opening a replica adds it
 * (ALTER TABLE ADD COLUMN). Every entry is placed at the index of its own
 * constant ([id] = ...), so an array cannot drift from the ids. Never
 * renumber or reuse an id: ids travel in commits that old logs still hold.
 */
#include <string.h>

#include "crdt/crdt.h"

#define COL(i, n, t) [i] = { .id = (i), .name = (n), .type = (t), .rule = CRDT_RULE_LWW }
#define REG(i, n, t) [i] = { .id = (i), .name = (n), .type = (t), .rule = CRDT_RULE_LIFECYCLE }
/* an optional part of the register (struct crdt_column) */
#define REGO(i, n, t) \
	[i] = { .id = (i), .name = (n), .type = (t), .rule = CRDT_RULE_LIFECYCLE, .optional = true }
#define NCOLS(a) (sizeof(a) / sizeof((a)[0]))

static const struct crdt_column stations_cols[] = {
	COL(CRDT_C_STATIONS_NAME, "name", CRDT_TEXT),
	COL(CRDT_C_STATIONS_LEVEL, "level", CRDT_TEXT), /* county, town, village */
	COL(CRDT_C_STATIONS_PARENT, "parent", CRDT_TEXT),
};

static const struct crdt_column volunteers_cols[] = {
	COL(CRDT_C_VOLUNTEERS_NAME, "name", CRDT_TEXT),
	COL(CRDT_C_VOLUNTEERS_PHONE, "phone", CRDT_TEXT),
	COL(CRDT_C_VOLUNTEERS_STATION, "station", CRDT_TEXT), /* home station: holds the right to spend points */
	COL(CRDT_C_VOLUNTEERS_TEAM, "team", CRDT_TEXT),
	COL(CRDT_C_VOLUNTEERS_SKILLS, "skills", CRDT_TEXT),  /* comma list */
	COL(CRDT_C_VOLUNTEERS_STATUS, "status", CRDT_TEXT),  /* active, paused, left */
	COL(CRDT_C_VOLUNTEERS_REGISTERED_AT, "registered_at", CRDT_INT),
	/* Resident ID number: never the number itself, only its keyed hash
	 * (hex of 32 bytes, sync_idnum_key) and its last four characters. */
	COL(CRDT_C_VOLUNTEERS_ID_HASH, "id_hash", CRDT_TEXT),
	COL(CRDT_C_VOLUNTEERS_ID_LAST4, "id_last4", CRDT_TEXT),
	/* The same number keyed with the county ID key (sync_idnum_county_key),
	 * written by a node that holds it: the hub finds one person at two
	 * stations by it (cunlian report --duplicates). */
	COL(CRDT_C_VOLUNTEERS_ID_CHASH, "id_chash", CRDT_TEXT),
};

static const struct crdt_column teams_cols[] = {
	COL(CRDT_C_TEAMS_NAME, "name", CRDT_TEXT),
	COL(CRDT_C_TEAMS_STATION, "station", CRDT_TEXT),
	/* teams (app/team.c): the leader, a volunteer id of the team's station */
	COL(CRDT_C_TEAMS_LEADER, "leader", CRDT_TEXT),
};

static const struct crdt_column orders_cols[] = {
	COL(CRDT_C_ORDERS_STATION, "station", CRDT_TEXT),
	COL(CRDT_C_ORDERS_KIND, "kind", CRDT_TEXT), /* service, wish */
	COL(CRDT_C_ORDERS_CATEGORY, "category", CRDT_TEXT),
	COL(CRDT_C_ORDERS_DETAIL, "detail", CRDT_TEXT),
	COL(CRDT_C_ORDERS_REQUESTER, "requester", CRDT_TEXT),
	COL(CRDT_C_ORDERS_REQUESTER_PHONE, "requester_phone", CRDT_TEXT),
	REG(CRDT_C_ORDERS_STATUS, "status", CRDT_TEXT),
	REG(CRDT_C_ORDERS_VOLUNTEER, "volunteer", CRDT_TEXT),
	COL(CRDT_C_ORDERS_TEAM, "team", CRDT_TEXT),
	COL(CRDT_C_ORDERS_HOURS, "hours", CRDT_REAL),
	COL(CRDT_C_ORDERS_RATING, "rating", CRDT_INT),
	COL(CRDT_C_ORDERS_COMMENT, "comment", CRDT_TEXT),
	COL(CRDT_C_ORDERS_CREATED_AT, "created_at", CRDT_INT),
	COL(CRDT_C_ORDERS_UPDATED_AT, "updated_at", CRDT_INT),
	/* micro-wishes (微心愿, issue 17; app/wish.c): by when, for whom, and
	 * who claimed a wish when not a volunteer. The claimant is part of the
	 * lifecycle register, so the status, the volunteer and the claimant
	 * always come from one write (a wish fulfilled offline by a unit keeps
	 * that unit, whatever later claim the hub made). */
	COL(CRDT_C_ORDERS_DUE, "due", CRDT_TEXT),
	COL(CRDT_C_ORDERS_BENEFICIARY, "beneficiary", CRDT_TEXT),
	REGO(CRDT_C_ORDERS_CLAIMANT, "claimant", CRDT_TEXT),
};

static const struct crdt_column order_events_cols[] = {
	COL(CRDT_C_ORDER_EVENTS_ORDER, "order", CRDT_TEXT),
	COL(CRDT_C_ORDER_EVENTS_STATION, "station", CRDT_TEXT),
	COL(CRDT_C_ORDER_EVENTS_ACTOR, "actor", CRDT_TEXT),
	COL(CRDT_C_ORDER_EVENTS_FROM_STATUS, "from_status", CRDT_TEXT),
	COL(CRDT_C_ORDER_EVENTS_TO_STATUS, "to_status", CRDT_TEXT),
	COL(CRDT_C_ORDER_EVENTS_VOLUNTEER, "volunteer", CRDT_TEXT),
	COL(CRDT_C_ORDER_EVENTS_AT, "at", CRDT_INT),
	COL(CRDT_C_ORDER_EVENTS_NOTE, "note", CRDT_TEXT),
};

static const struct crdt_column points_cols[] = {
	COL(CRDT_C_POINTS_VOLUNTEER, "volunteer", CRDT_TEXT),
	COL(CRDT_C_POINTS_DELTA, "delta", CRDT_INT),
	COL(CRDT_C_POINTS_REASON, "reason", CRDT_TEXT), /* service, redeem, adjust, reversal */
	COL(CRDT_C_POINTS_ORDER, "order", CRDT_TEXT),
	COL(CRDT_C_POINTS_ITEM, "item", CRDT_TEXT),
	COL(CRDT_C_POINTS_STATION, "station", CRDT_TEXT),
	COL(CRDT_C_POINTS_KEY, "key", CRDT_TEXT), /* idempotency key: one service credit per order */
	COL(CRDT_C_POINTS_AT, "at", CRDT_INT),   /* when it was credited or redeemed (ms) */
	COL(CRDT_C_POINTS_HOURS, "hours", CRDT_REAL), /* a service credit's hours (so a home station sees them) */
};

static const struct crdt_column settings_cols[] = {
	COL(CRDT_C_SETTINGS_VALUE, "value", CRDT_TEXT),
};

/* Enrolment statements (docs/security.md): authored only by the county
 * root, in scope "". pk: hex of the first 16 bytes of the signature. */
static const struct crdt_column enrolments_cols[] = {
	COL(CRDT_C_ENROLMENTS_NODE, "node", CRDT_TEXT),    /* hex Ed25519 public key */
	COL(CRDT_C_ENROLMENTS_STATION, "station", CRDT_TEXT),
	COL(CRDT_C_ENROLMENTS_ROLE, "role", CRDT_TEXT),    /* station, hub */
	COL(CRDT_C_ENROLMENTS_NOT_BEFORE, "not_before", CRDT_INT),
	COL(CRDT_C_ENROLMENTS_NOT_AFTER, "not_after", CRDT_INT),
	COL(CRDT_C_ENROLMENTS_CERT, "cert", CRDT_TEXT),    /* hex of the signed statement */
};

/* Revocations: authored only by the county root, in scope "". */
static const struct crdt_column revocations_cols[] = {
	COL(CRDT_C_REVOCATIONS_NODE, "node", CRDT_TEXT),     /* hex Ed25519 public key */
	COL(CRDT_C_REVOCATIONS_SCOPE, "scope", CRDT_TEXT),    /* the feed from_seq counts in */
	COL(CRDT_C_REVOCATIONS_FROM_SEQ, "from_seq", CRDT_INT),  /* refused from this seq of that feed */
	COL(CRDT_C_REVOCATIONS_FROM_MS, "from_ms", CRDT_INT),   /* and everywhere from this HLC time */
	COL(CRDT_C_REVOCATIONS_AT, "at", CRDT_INT),
};

/* Key generations of station scopes (docs/security.md "Re-keying"):
 * authored only by the county root, in scope "". A row without node
 * announces that generation gen of scope's key is in force; a row with
 * node carries that generation's key sealed to it. */
static const struct crdt_column scope_keys_cols[] = {
	COL(CRDT_C_SCOPE_KEYS_SCOPE, "scope", CRDT_TEXT),
	COL(CRDT_C_SCOPE_KEYS_GEN, "gen", CRDT_INT),
	COL(CRDT_C_SCOPE_KEYS_NODE, "node", CRDT_TEXT),   /* hex Ed25519 public key of the reader */
	COL(CRDT_C_SCOPE_KEYS_SEALED, "sealed", CRDT_TEXT), /* hex of crypto_box_seal(key) to the reader */
	COL(CRDT_C_SCOPE_KEYS_AT, "at", CRDT_INT),
};

/* The gift shelf (爱心超市, issue 17; docs/replica.md): a station's items,
 * and the append-only ledger of its stock. An item's stock is the sum of
 * its moves; only the item's station takes stock (a redemption, delta < 0;
 * sync/trust.c refuses one from the hub or another station), checking the
 * sum in the write transaction that takes it, so stock never goes below
 * zero, whatever merges. Restocks (delta > 0) and price changes (delta 0,
 * the new price) are moves too: every change of stock or price is kept. */
static const struct crdt_column gifts_cols[] = {
	COL(CRDT_C_GIFTS_NAME, "name", CRDT_TEXT),
	COL(CRDT_C_GIFTS_PRICE, "price", CRDT_INT),     /* points for one */
	COL(CRDT_C_GIFTS_STATION, "station", CRDT_TEXT), /* whose shelf: holds the right to take stock */
	COL(CRDT_C_GIFTS_RETIRED, "retired", CRDT_INT), /* 1: off the shelf */
	COL(CRDT_C_GIFTS_CREATED_AT, "created_at", CRDT_INT),
};

static const struct crdt_column gift_moves_cols[] = {
	COL(CRDT_C_GIFT_MOVES_GIFT, "gift", CRDT_TEXT),
	COL(CRDT_C_GIFT_MOVES_STATION, "station", CRDT_TEXT),
	COL(CRDT_C_GIFT_MOVES_DELTA, "delta", CRDT_INT),   /* restock > 0, redeem < 0, price 0 */
	COL(CRDT_C_GIFT_MOVES_REASON, "reason", CRDT_TEXT), /* restock, redeem, price */
	COL(CRDT_C_GIFT_MOVES_PRICE, "price", CRDT_INT),   /* the item's price at the move */
	COL(CRDT_C_GIFT_MOVES_VOLUNTEER, "volunteer", CRDT_TEXT), /* redeem: who */
	COL(CRDT_C_GIFT_MOVES_POINTS, "points", CRDT_TEXT), /* redeem: the points ledger row */
	COL(CRDT_C_GIFT_MOVES_AT, "at", CRDT_INT),
};

/* The service menu (需求清单, issue 17; app/category.c, docs/replica.md):
 * the county's list (station "", written by the hub only) and each
 * station's own additions (its scope). Rows are never deleted: a category
 * taken off the menu is retired. The 8 standard categories are built in
 * (app/category.c C1) and a row with pk "std-<n>" overrides the n-th. */
static const struct crdt_column categories_cols[] = {
	COL(CRDT_C_CATEGORIES_NAME, "name", CRDT_TEXT),
	COL(CRDT_C_CATEGORIES_STATION, "station", CRDT_TEXT),
	COL(CRDT_C_CATEGORIES_DESCRIPTION, "description", CRDT_TEXT),
	COL(CRDT_C_CATEGORIES_POINTS_PER_HOUR, "points_per_hour", CRDT_REAL),
	COL(CRDT_C_CATEGORIES_RETIRED, "retired", CRDT_INT),
	COL(CRDT_C_CATEGORIES_CREATED_AT, "created_at", CRDT_INT),
};

/* Activities with check-in (志愿活动, issue 17; app/activity.c A1..A10,
 * docs/replica.md). An activity is a row of its home: its station, or
 * the hub for a county-wide one (station ""). Seats are a right of the
 * home: only it writes a sign-up that holds a seat (firm, grant), reading
 * the seats taken in the write transaction, so capacity is never
 * exceeded; elsewhere a sign-up is a request the home grants or
 * waitlists (sync/trust.c refuses a seat from any other node). Sign-ups
 * and attendance are append-only ledgers; attendance's key makes one
 * check-in and one check-out per person per activity, whatever merges. */
static const struct crdt_column activities_cols[] = {
	COL(CRDT_C_ACTIVITIES_TITLE, "title", CRDT_TEXT),
	COL(CRDT_C_ACTIVITIES_PLACE, "place", CRDT_TEXT),
	COL(CRDT_C_ACTIVITIES_STATION, "station", CRDT_TEXT), /* home: "" county-wide (the hub) */
	COL(CRDT_C_ACTIVITIES_START_AT, "start_at", CRDT_INT),
	COL(CRDT_C_ACTIVITIES_END_AT, "end_at", CRDT_INT),
	COL(CRDT_C_ACTIVITIES_CAPACITY, "capacity", CRDT_INT),
	COL(CRDT_C_ACTIVITIES_HOURS, "hours", CRDT_REAL),   /* credited to each who attends */
	COL(CRDT_C_ACTIVITIES_CLOSED, "closed", CRDT_INT),  /* 1: closed, credits settled */
	COL(CRDT_C_ACTIVITIES_CREATED_AT, "created_at", CRDT_INT),
};

static const struct crdt_column activity_signups_cols[] = {
	COL(CRDT_C_ACTIVITY_SIGNUPS_ACTIVITY, "activity", CRDT_TEXT),
	COL(CRDT_C_ACTIVITY_SIGNUPS_STATION, "station", CRDT_TEXT), /* the scope it is written in */
	COL(CRDT_C_ACTIVITY_SIGNUPS_VOLUNTEER, "volunteer", CRDT_TEXT),
	COL(CRDT_C_ACTIVITY_SIGNUPS_KIND, "kind", CRDT_TEXT), /* firm, wait, request, grant, cancel */
	COL(CRDT_C_ACTIVITY_SIGNUPS_REF, "ref", CRDT_TEXT),   /* grant, wait, cancel: the sign-up */
	COL(CRDT_C_ACTIVITY_SIGNUPS_AT, "at", CRDT_INT),
};

static const struct crdt_column activity_attendance_cols[] = {
	COL(CRDT_C_ACTIVITY_ATTENDANCE_ACTIVITY, "activity", CRDT_TEXT),
	COL(CRDT_C_ACTIVITY_ATTENDANCE_STATION, "station", CRDT_TEXT),
	COL(CRDT_C_ACTIVITY_ATTENDANCE_VOLUNTEER, "volunteer", CRDT_TEXT),
	COL(CRDT_C_ACTIVITY_ATTENDANCE_KIND, "kind", CRDT_TEXT), /* in, out */
	COL(CRDT_C_ACTIVITY_ATTENDANCE_VIA, "via", CRDT_TEXT),   /* staff, phone, close */
	COL(CRDT_C_ACTIVITY_ATTENDANCE_POINTS, "points", CRDT_TEXT), /* out: the credit's ledger row */
	COL(CRDT_C_ACTIVITY_ATTENDANCE_HOURS, "hours", CRDT_REAL),
	COL(CRDT_C_ACTIVITY_ATTENDANCE_KEY, "key", CRDT_TEXT), /* "<kind>:<activity>:<volunteer>" */
	COL(CRDT_C_ACTIVITY_ATTENDANCE_AT, "at", CRDT_INT),
};

#define TAB(i, n, k, del, scope, uniq, a) \
	[i] = { .id = (i), .name = (n), .kind = (k), .deletable = (del), .scope_col = (scope), \
		.unique_col = (uniq), .ncols = NCOLS(a), .cols = (a) }

const struct crdt_table crdt_tables[] = {
	TAB(CRDT_T_STATIONS, "stations", CRDT_KIND_ROWS, true, -1, -1, stations_cols),
	TAB(CRDT_T_VOLUNTEERS, "volunteers", CRDT_KIND_ROWS, true, CRDT_C_VOLUNTEERS_STATION, -1,
	    volunteers_cols),
	TAB(CRDT_T_TEAMS, "teams", CRDT_KIND_ROWS, true, CRDT_C_TEAMS_STATION, -1, teams_cols),
	TAB(CRDT_T_ORDERS, "orders", CRDT_KIND_ROWS, false, CRDT_C_ORDERS_STATION, -1, orders_cols),
	TAB(CRDT_T_ORDER_EVENTS, "order_events", CRDT_KIND_APPEND, false, CRDT_C_ORDER_EVENTS_STATION,
	    -1, order_events_cols),
	TAB(CRDT_T_POINTS, "points", CRDT_KIND_APPEND, false, CRDT_C_POINTS_STATION, CRDT_C_POINTS_KEY,
	    points_cols),
	TAB(CRDT_T_SETTINGS, "settings", CRDT_KIND_ROWS, false, -1, -1, settings_cols),
	TAB(CRDT_T_ENROLMENTS, "enrolments", CRDT_KIND_APPEND, false, -1, -1, enrolments_cols),
	TAB(CRDT_T_REVOCATIONS, "revocations", CRDT_KIND_APPEND, false, -1, -1, revocations_cols),
	TAB(CRDT_T_SCOPE_KEYS, "scope_keys", CRDT_KIND_APPEND, false, -1, -1, scope_keys_cols),
	TAB(CRDT_T_GIFTS, "gifts", CRDT_KIND_ROWS, false, CRDT_C_GIFTS_STATION, -1, gifts_cols),
	TAB(CRDT_T_GIFT_MOVES, "gift_moves", CRDT_KIND_APPEND, false, CRDT_C_GIFT_MOVES_STATION, -1,
	    gift_moves_cols),
	TAB(CRDT_T_CATEGORIES, "categories", CRDT_KIND_ROWS, false, CRDT_C_CATEGORIES_STATION, -1,
	    categories_cols),
	TAB(CRDT_T_ACTIVITIES, "activities", CRDT_KIND_ROWS, false, CRDT_C_ACTIVITIES_STATION, -1,
	    activities_cols),
	TAB(CRDT_T_ACTIVITY_SIGNUPS, "activity_signups", CRDT_KIND_APPEND, false,
	    CRDT_C_ACTIVITY_SIGNUPS_STATION, -1, activity_signups_cols),
	TAB(CRDT_T_ACTIVITY_ATTENDANCE, "activity_attendance", CRDT_KIND_APPEND, false,
	    CRDT_C_ACTIVITY_ATTENDANCE_STATION, CRDT_C_ACTIVITY_ATTENDANCE_KEY, activity_attendance_cols),
};
const size_t crdt_ntables = NCOLS(crdt_tables);

/* Secondary indexes for the queries of node/ at city scale (issue 15):
 * the duplicate checks of a volunteer import (a phone, an ID number's hash
 * and its county hash, each once per row) and one volunteer's orders and
 * points (a balance before a redemption), an item's stock (the sum of its
 * gift_moves, read before a redemption and for every item listed at the
 * hub), the lists' order (a page of order list or volunteer list), an
 * activity's sign-ups and the decisions on each (seats counted in every
 * activity operation). One station's rows are found
 * by the index on _scope (store.c), which every domain table has.
 * Opening a replica creates those missing (store.c); they are local to the
 * file and never travel, so adding one needs no new schema version. */
const struct crdt_index crdt_indexes[] = {
	{ "volunteers", "phone", true },
	{ "volunteers", "id_hash", true },
	{ "volunteers", "id_chash", true },
	{ "orders", "volunteer", true },
	{ "points", "volunteer", false },
	{ "gift_moves", "gift", false },
	{ "order_events", "order", false }, /* an order's history; the hub's sending (app/send.c) */
	{ "activity_signups", "activity", false },
	{ "activity_signups", "ref", false },
	{ "activity_attendance", "activity", false },
};
const size_t crdt_nindexes = NCOLS(crdt_indexes);

/* Reports and lists (issue 17): order list and volunteer list in their
 * order (station, then the number of the id: o9 before o10), so a page
 * (LIMIT/OFFSET) reads its rows from the index and never sorts 40,000;
 * the expressions are the lists' ORDER BY's exactly (app/order.c,
 * app/volunteer.c). */
const struct crdt_expr_index crdt_expr_indexes[] = {
	{ "orders", "list", "station, CAST(substr(pk, instr(pk, '-o') + 2) AS INTEGER), pk" },
	{ "volunteers", "list", "station, CAST(substr(pk, instr(pk, '-v') + 2) AS INTEGER), pk" },
};
const size_t crdt_nexpr_indexes = NCOLS(crdt_expr_indexes);

const struct crdt_table *crdt_schema_table(unsigned id)
{
	return id < crdt_ntables && crdt_tables[id].name ? &crdt_tables[id] : NULL;
}

const struct crdt_table *crdt_schema_find(const char *name)
{
	for (size_t i = 0; i < crdt_ntables; i++)
		if (crdt_tables[i].name && strcmp(crdt_tables[i].name, name) == 0)
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
