/* SPDX-License-Identifier: MIT */
/*
 * crdt.h - the replica: the county's data in SQLite, merged without loss.
 *
 * Concept. A replica is one SQLite file holding the domain tables (stations,
 * volunteers, teams, orders, order_events, points), per-row merge metadata,
 * and the log of every commit it holds. A commit is a set of writes by one
 * author, in one scope, at one hybrid logical clock (HLC). Applying the same
 * set of commits in any order, with any duplicates, gives the same state, to
 * the byte of crdt_store_digest().
 *
 * The schema is declared once, as data (struct crdt_table, schema.c): SQL,
 * column ids on the wire and merge dispatch all derive from it. A column's
 * id never changes and is never reused; opening a replica adds missing
 * tables and columns (the migration).
 *
 * Merge rules, by column rule and table kind (invariants in merge.c):
 *   LWW        the value with the largest (HLC, author) wins, per column.
 *   LIFECYCLE  status and volunteer of an order (and a wish's claimant, an
 *              optional part) are one register; the write with the largest
 *              (phase, step, HLC, author) wins.
 *   append     rows are inserted once and never change; of several inserts
 *              of the same id (or the same unique key) the one with the
 *              smallest (HLC, author) wins everywhere, and the others are
 *              kept in the conflict record, never merged.
 *   delete     a tombstone at clock D drops every value written before D.
 *
 * Time is a parameter: every call that needs "now" takes wall_ms. The
 * replica never reads the clock, the network or the environment.
 *
 * Ownership. crdt_store_open() returns a store the caller frees with
 * crdt_store_close(). Strings and byte pointers passed in are borrowed for
 * the call only. Thread safety: a store is used by one thread at a time.
 */
#ifndef CUNLIAN_CRDT_H
#define CUNLIAN_CRDT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "base/buf.h"

struct sqlite3;

#define CRDT_AUTHOR_LEN 32     /* an author id: the node's Ed25519 public key */
#define CRDT_SCOPE_MAX 32      /* bytes in a scope name; "" is county-wide */
#define CRDT_PK_MAX 64         /* bytes in a primary key */
#define CRDT_TEXT_MAX 4096     /* bytes in one text value */
#define CRDT_COLS_MAX 24       /* column ids are 0..CRDT_COLS_MAX-1 */
#define CRDT_WRITES_MAX 100000 /* writes in one commit */
#define CRDT_BODY_MAX ((size_t)16 << 20)

/* ---- clocks ---------------------------------------------------------- */

/* An HLC is (milliseconds << 16) | counter. */
#define CRDT_HLC(ms, ctr) (((uint64_t)(ms) << 16) | (uint16_t)(ctr))
#define CRDT_HLC_MS(h) ((h) >> 16)
#define CRDT_HLC_CTR(h) ((uint16_t)((h) & 0xffff))
#define CRDT_DEFAULT_MAX_AHEAD_MS (24ULL * 3600 * 1000)
/* A wall clock before this (2025-01-01 UTC) is a board without a clock. */
#define CRDT_TIME_FLOOR_MS 1735689600000ULL

struct crdt_clock {
	uint64_t last;         /* the largest HLC issued or seen */
	uint64_t max_ahead_ms; /* refuse clocks further ahead of local time */
};

/* The next clock for a local event: larger than every clock issued or seen,
 * and at least wall_ms when the wall clock is ahead. Never goes backwards,
 * whatever wall_ms says (a board booting at 1970 continues from last). */
uint64_t crdt_hlc_tick(struct crdt_clock *c, uint64_t wall_ms);

/* Take in a remote clock so later ticks are past it. Returns ERR_CLOCK
 * (and changes nothing) if it is more than max_ahead_ms past local time:
 * wall_ms, or for a board without a clock (wall_ms before
 * CRDT_TIME_FLOOR_MS) the last clock it issued or saw. */
int crdt_hlc_observe(struct crdt_clock *c, uint64_t remote, uint64_t wall_ms);

/* ---- bounds on the true time (docs/security.md "Clock") --------------- */

/*
 * A node never commits a wall clock it cannot defend. What it knows of the
 * true time is its evidence; the caller (node/) keeps it and reads the
 * clocks, this only judges (time is a parameter here as everywhere).
 *   L = max(known_ms, write_ms, anchor_ms, cert_nb)
 *   U = anchor_ms + e + e / 1000 + CRDT_TIME_TOL_MS, e the monotonic time
 *       elapsed since the anchor, when this is the anchor's boot (the
 *       anchor is a hub clock heard fresh, in a session); else
 *       L + CRDT_TIME_REBOOT_SLACK_MS, a day: what a hub accepts ahead of
 *       its own clock (across a reboot the time elapsed is unknown, and a
 *       hub time carried in a bundle is a lower bound only: the bundle may
 *       have travelled for days); none without evidence, and none on the
 *       hub (the county's clock: it hears nobody's).
 * Verdict, the first that applies: wall before CRDT_TIME_FLOOR_MS: UNSET;
 * wall + CRDT_TIME_TOL_MS < L: BEHIND; wall > U: AHEAD; own_hlc_ms past
 * wall + CRDT_DEFAULT_MAX_AHEAD_MS (a far-future commit already made, so
 * every next one would be too): FEED_AHEAD; else OK.
 * What this does not catch: a clock that runs ahead by less than a day at
 * every reboot of a board that never hears the hub in a session moves L
 * with its writes; its commits then wait at the hub until the hub's clock
 * passes them (delayed, never refused for good).
 */
#define CRDT_TIME_TOL_MS (10ULL * 60 * 1000)
#define CRDT_TIME_REBOOT_SLACK_MS CRDT_DEFAULT_MAX_AHEAD_MS /* a day */

struct crdt_time_evidence {
	uint64_t known_ms;    /* the largest hub clock heard, directly or relayed */
	uint64_t write_ms;    /* the wall clock of the last local write */
	uint64_t anchor_ms;   /* the last hub clock heard fresh (in a session) */
	uint64_t anchor_mono; /* the monotonic clock (ms) then; 0 unknown */
	uint64_t anchor_boot; /* the boot it was heard in (an id; 0 unknown) */
};

/* This run's readings. */
struct crdt_time_now {
	uint64_t wall_ms;
	uint64_t mono_ms, boot; /* 0: unknown */
	uint64_t own_hlc_ms;    /* HLC time of the node's last own commit; 0 none */
	uint64_t cert_nb;       /* start of the node's enrolment; 0 none */
	bool hub;
};

enum crdt_time_verdict {
	CRDT_TIME_OK = 0,
	CRDT_TIME_UNSET,
	CRDT_TIME_BEHIND,
	CRDT_TIME_AHEAD,
	CRDT_TIME_FEED_AHEAD,
};
enum crdt_time_src {
	CRDT_TIME_SRC_NONE = 0,
	CRDT_TIME_SRC_HUB,     /* a hub clock heard */
	CRDT_TIME_SRC_WRITE,   /* the last local write */
	CRDT_TIME_SRC_CERT,    /* the start of the enrolment */
	CRDT_TIME_SRC_ELAPSED, /* the anchor plus the monotonic time elapsed */
	CRDT_TIME_SRC_REBOOT,  /* L plus the reboot slack */
};
struct crdt_time_bounds {
	uint64_t lower, upper; /* upper 0: none known */
	enum crdt_time_src lower_src, upper_src;
};

enum crdt_time_verdict crdt_time_judge(const struct crdt_time_evidence *e,
				       const struct crdt_time_now *n, struct crdt_time_bounds *b);
/* Take in a hub clock ms heard lag_ms ago (by the monotonic clock). Fresh
 * (the hub itself, in a session) and later than the anchor, it is the new
 * anchor, and a last write later than it was made with a fast clock, so
 * write_ms falls back to it. Any hub time (a bundle's, or relayed by a
 * peer) raises known_ms, unless it is past the upper bound of a fresh
 * anchor of this boot (then it is not taken). Returns true when e changed. */
bool crdt_time_heard(struct crdt_time_evidence *e, const struct crdt_time_now *n, uint64_t ms,
		     bool fresh, uint64_t lag_ms);

/* ---- schema ---------------------------------------------------------- */

enum crdt_type { CRDT_NULL = 0, CRDT_INT = 1, CRDT_REAL = 2, CRDT_TEXT = 3 };
enum crdt_rule { CRDT_RULE_LWW = 0, CRDT_RULE_LIFECYCLE = 1 };
enum crdt_kind {
	CRDT_KIND_ROWS = 0,   /* rows updated per column (LWW/LIFECYCLE) */
	CRDT_KIND_APPEND = 1, /* grow-only rows, never updated or deleted */
};

/*
 * Table and column ids, as names the compiler checks (schema.c declares
 * its arrays with them, and test_crdt checks each against the column's
 * name). Naming: CRDT_T_<TABLE> for a table, CRDT_C_<TABLE>_<COLUMN> for a
 * column, both the SQL names in upper case. Use these, never a number or a
 * name looked up at run time: a mistyped constant does not compile.
 */
enum crdt_table_id {
	CRDT_T_STATIONS = 0,
	CRDT_T_VOLUNTEERS = 1,
	CRDT_T_TEAMS = 2,
	CRDT_T_ORDERS = 3,
	CRDT_T_ORDER_EVENTS = 4,
	CRDT_T_POINTS = 5,
	CRDT_T_SETTINGS = 6,
	CRDT_T_ENROLMENTS = 7,
	CRDT_T_REVOCATIONS = 8,
	CRDT_T_SCOPE_KEYS = 9,
	/* the gift shelf (issue 17) */
	CRDT_T_GIFTS = 10,
	CRDT_T_GIFT_MOVES = 11,
	/* the service menu (需求清单, issue 17) */
	CRDT_T_CATEGORIES = 15,
	/* activities with check-in (志愿活动, issue 17) */
	CRDT_T_ACTIVITIES = 12,
	CRDT_T_ACTIVITY_SIGNUPS = 13,
	CRDT_T_ACTIVITY_ATTENDANCE = 14,
};
enum crdt_stations_col {
	CRDT_C_STATIONS_NAME = 0,
	CRDT_C_STATIONS_LEVEL = 1,
	CRDT_C_STATIONS_PARENT = 2,
};
enum crdt_volunteers_col {
	CRDT_C_VOLUNTEERS_NAME = 0,
	CRDT_C_VOLUNTEERS_PHONE = 1,
	CRDT_C_VOLUNTEERS_STATION = 2,
	CRDT_C_VOLUNTEERS_TEAM = 3,
	CRDT_C_VOLUNTEERS_SKILLS = 4,
	CRDT_C_VOLUNTEERS_STATUS = 5,
	CRDT_C_VOLUNTEERS_REGISTERED_AT = 6,
	CRDT_C_VOLUNTEERS_ID_HASH = 7,
	CRDT_C_VOLUNTEERS_ID_LAST4 = 8,
	CRDT_C_VOLUNTEERS_ID_CHASH = 9,
};
enum crdt_teams_col {
	CRDT_C_TEAMS_NAME = 0,
	CRDT_C_TEAMS_STATION = 1,
	CRDT_C_TEAMS_LEADER = 2, /* a volunteer id, or NULL */
};
enum crdt_orders_col {
	CRDT_C_ORDERS_STATION = 0,
	CRDT_C_ORDERS_KIND = 1,
	CRDT_C_ORDERS_CATEGORY = 2,
	CRDT_C_ORDERS_DETAIL = 3,
	CRDT_C_ORDERS_REQUESTER = 4,
	CRDT_C_ORDERS_REQUESTER_PHONE = 5,
	CRDT_C_ORDERS_STATUS = 6,
	CRDT_C_ORDERS_VOLUNTEER = 7,
	CRDT_C_ORDERS_TEAM = 8,
	CRDT_C_ORDERS_HOURS = 9,
	CRDT_C_ORDERS_RATING = 10,
	CRDT_C_ORDERS_COMMENT = 11,
	CRDT_C_ORDERS_CREATED_AT = 12,
	CRDT_C_ORDERS_UPDATED_AT = 13,
	/* micro-wishes (微心愿, issue 17): orders of kind wish */
	CRDT_C_ORDERS_DUE = 14,         /* by when: YYYY-MM-DD, or NULL */
	CRDT_C_ORDERS_BENEFICIARY = 15, /* for whom */
	CRDT_C_ORDERS_CLAIMANT = 16,    /* "team:<id>" or "unit:<name>"; part of the register */
};
enum crdt_order_events_col {
	CRDT_C_ORDER_EVENTS_ORDER = 0,
	CRDT_C_ORDER_EVENTS_STATION = 1,
	CRDT_C_ORDER_EVENTS_ACTOR = 2,
	CRDT_C_ORDER_EVENTS_FROM_STATUS = 3,
	CRDT_C_ORDER_EVENTS_TO_STATUS = 4,
	CRDT_C_ORDER_EVENTS_VOLUNTEER = 5,
	CRDT_C_ORDER_EVENTS_AT = 6,
	CRDT_C_ORDER_EVENTS_NOTE = 7,
};
enum crdt_points_col {
	CRDT_C_POINTS_VOLUNTEER = 0,
	CRDT_C_POINTS_DELTA = 1,
	CRDT_C_POINTS_REASON = 2,
	CRDT_C_POINTS_ORDER = 3,
	CRDT_C_POINTS_ITEM = 4,
	CRDT_C_POINTS_STATION = 5,
	CRDT_C_POINTS_KEY = 6,
	CRDT_C_POINTS_AT = 7,
	CRDT_C_POINTS_HOURS = 8,
};
enum crdt_settings_col {
	CRDT_C_SETTINGS_VALUE = 0,
};
enum crdt_enrolments_col {
	CRDT_C_ENROLMENTS_NODE = 0,
	CRDT_C_ENROLMENTS_STATION = 1,
	CRDT_C_ENROLMENTS_ROLE = 2,
	CRDT_C_ENROLMENTS_NOT_BEFORE = 3,
	CRDT_C_ENROLMENTS_NOT_AFTER = 4,
	CRDT_C_ENROLMENTS_CERT = 5,
};
enum crdt_revocations_col {
	CRDT_C_REVOCATIONS_NODE = 0,
	CRDT_C_REVOCATIONS_SCOPE = 1,
	CRDT_C_REVOCATIONS_FROM_SEQ = 2,
	CRDT_C_REVOCATIONS_FROM_MS = 3,
	CRDT_C_REVOCATIONS_AT = 4,
};
enum crdt_scope_keys_col {
	CRDT_C_SCOPE_KEYS_SCOPE = 0,
	CRDT_C_SCOPE_KEYS_GEN = 1,
	CRDT_C_SCOPE_KEYS_NODE = 2,
	CRDT_C_SCOPE_KEYS_SEALED = 3,
	CRDT_C_SCOPE_KEYS_AT = 4,
};
enum crdt_gifts_col {
	CRDT_C_GIFTS_NAME = 0,
	CRDT_C_GIFTS_PRICE = 1,
	CRDT_C_GIFTS_STATION = 2,
	CRDT_C_GIFTS_RETIRED = 3,
	CRDT_C_GIFTS_CREATED_AT = 4,
};
enum crdt_gift_moves_col {
	CRDT_C_GIFT_MOVES_GIFT = 0,
	CRDT_C_GIFT_MOVES_STATION = 1,
	CRDT_C_GIFT_MOVES_DELTA = 2,
	CRDT_C_GIFT_MOVES_REASON = 3,
	CRDT_C_GIFT_MOVES_PRICE = 4,
	CRDT_C_GIFT_MOVES_VOLUNTEER = 5,
	CRDT_C_GIFT_MOVES_POINTS = 6,
	CRDT_C_GIFT_MOVES_AT = 7,
};
/* the service menu (app/category.c) */
enum crdt_categories_col {
	CRDT_C_CATEGORIES_NAME = 0,
	CRDT_C_CATEGORIES_STATION = 1, /* "" the county's list, else the station's own */
	CRDT_C_CATEGORIES_DESCRIPTION = 2,
	CRDT_C_CATEGORIES_POINTS_PER_HOUR = 3, /* REAL, NULL: the county setting */
	CRDT_C_CATEGORIES_RETIRED = 4,
	CRDT_C_CATEGORIES_CREATED_AT = 5,
};
/* activities with check-in (issue 17) */
enum crdt_activities_col {
	CRDT_C_ACTIVITIES_TITLE = 0,
	CRDT_C_ACTIVITIES_PLACE = 1,
	CRDT_C_ACTIVITIES_STATION = 2,
	CRDT_C_ACTIVITIES_START_AT = 3,
	CRDT_C_ACTIVITIES_END_AT = 4,
	CRDT_C_ACTIVITIES_CAPACITY = 5,
	CRDT_C_ACTIVITIES_HOURS = 6,
	CRDT_C_ACTIVITIES_CLOSED = 7,
	CRDT_C_ACTIVITIES_CREATED_AT = 8,
};
enum crdt_activity_signups_col {
	CRDT_C_ACTIVITY_SIGNUPS_ACTIVITY = 0,
	CRDT_C_ACTIVITY_SIGNUPS_STATION = 1,
	CRDT_C_ACTIVITY_SIGNUPS_VOLUNTEER = 2,
	CRDT_C_ACTIVITY_SIGNUPS_KIND = 3,
	CRDT_C_ACTIVITY_SIGNUPS_REF = 4,
	CRDT_C_ACTIVITY_SIGNUPS_AT = 5,
};
enum crdt_activity_attendance_col {
	CRDT_C_ACTIVITY_ATTENDANCE_ACTIVITY = 0,
	CRDT_C_ACTIVITY_ATTENDANCE_STATION = 1,
	CRDT_C_ACTIVITY_ATTENDANCE_VOLUNTEER = 2,
	CRDT_C_ACTIVITY_ATTENDANCE_KIND = 3,
	CRDT_C_ACTIVITY_ATTENDANCE_VIA = 4,
	CRDT_C_ACTIVITY_ATTENDANCE_POINTS = 5,
	CRDT_C_ACTIVITY_ATTENDANCE_HOURS = 6,
	CRDT_C_ACTIVITY_ATTENDANCE_KEY = 7,
	CRDT_C_ACTIVITY_ATTENDANCE_AT = 8,
};

struct crdt_column {
	uint8_t id;
	const char *name;
	enum crdt_type type;
	enum crdt_rule rule;
	/* LIFECYCLE only: a part of the register added after it (a wish's
	 * claimant, issue 17) that a write may leave out; left out, it reads
	 * NULL, so commits made before the column existed still carry the
	 * register whole. */
	bool optional;
};

struct crdt_table {
	uint8_t id;
	const char *name;
	enum crdt_kind kind;
	bool deletable;
	int scope_col;  /* column id whose value is the row's scope, or -1 */
	int unique_col; /* APPEND only: column id unique when not null, or -1 */
	size_t ncols;
	const struct crdt_column *cols; /* ncols, ordered by id */
};

/* crdt_tables[id] for every id below crdt_ntables; an id not assigned
 * (yet: ids are handed out per topic, so a tree may hold a later one
 * without the ones before it) is an entry with name NULL, which every
 * walk skips and crdt_schema_table() does not return. */
extern const struct crdt_table crdt_tables[];
extern const size_t crdt_ntables;

/* A secondary index on one column (schema.c crdt_indexes): named
 * "<table>_by_<column>"; partial: only rows where the column is not NULL. */
struct crdt_index {
	const char *table, *column;
	bool partial;
};
extern const struct crdt_index crdt_indexes[];
extern const size_t crdt_nindexes;
/* An index on expressions (SQL over the table's own columns), named
 * "<table>_by_<name>"; local to the file like the ones above. */
struct crdt_expr_index {
	const char *table, *name, *expr;
};
extern const struct crdt_expr_index crdt_expr_indexes[];
extern const size_t crdt_nexpr_indexes;

const struct crdt_table *crdt_schema_table(unsigned id);       /* NULL if none */
const struct crdt_table *crdt_schema_find(const char *name);   /* NULL if none */
const struct crdt_column *crdt_table_column(const struct crdt_table *t, unsigned id);
const struct crdt_column *crdt_table_find(const struct crdt_table *t, const char *name);

/* The lifecycle register of an order: phase and step of a status value;
 * -1 for a value that is not a status. */
int crdt_status_phase(const char *s, size_t len);
int crdt_status_step(const char *s, size_t len);

/* ---- writes and commits ---------------------------------------------- */

struct crdt_value {
	enum crdt_type type;
	int64_t i;
	double r;
	const char *s; /* TEXT: borrowed, not NUL-terminated; len bytes */
	size_t len;
};

enum crdt_op { CRDT_UPSERT = 0, CRDT_DELETE = 1 };

struct crdt_write {
	uint8_t table;
	uint8_t op;
	const char *pk; /* borrowed */
	size_t pk_len;
	uint32_t mask;  /* bit c set: column id c is written (UPSERT only) */
	struct crdt_value vals[CRDT_COLS_MAX]; /* indexed by column id */
	int err;        /* sticky: 0, or ERR_SCHEMA once a helper below was misused */
};

/*
 * Helpers to fill a write; text is borrowed. The sticky error: init on a
 * table the schema lacks, or a setter naming a column the table lacks or
 * giving a value of another type than the column's, sets w->err to
 * ERR_SCHEMA (and sets nothing). crdt_body_encode, crdt_commit_local and
 * crdt_commit_as refuse a write whose err is set, with ERR_SCHEMA, writing
 * nothing; so a caller may fill a write freely and check once, at the
 * commit. The setters also return the error, for callers that want it at
 * once. A NULL text (crdt_write_text) or crdt_write_null sets the value to
 * NULL, whatever the column's type.
 *
 * By id (col: a CRDT_C_<TABLE>_<COLUMN> of w's table) or by name.
 */
void crdt_write_init(struct crdt_write *w, unsigned table, enum crdt_op op, const char *pk);
int crdt_write_set_text(struct crdt_write *w, unsigned col, const char *s);
int crdt_write_set_int(struct crdt_write *w, unsigned col, int64_t v);
int crdt_write_set_real(struct crdt_write *w, unsigned col, double v);
int crdt_write_set_null(struct crdt_write *w, unsigned col);
int crdt_write_text(struct crdt_write *w, const char *col, const char *s);
int crdt_write_int(struct crdt_write *w, const char *col, int64_t v);
int crdt_write_real(struct crdt_write *w, const char *col, double v);
int crdt_write_null(struct crdt_write *w, const char *col);

/* The body of a commit: its writes in the binary form that the log keeps
 * and deltas carry (docs/replica.md has the byte layout).
 * encode: appends to b; check b->err. Returns ERR_SCHEMA for a write the
 * schema does not allow (unknown ids, wrong types, oversize values).
 * decode: checks everything; on success *out (mem_alloc'd, free with
 * mem_free) holds *n writes whose strings borrow p. On failure *out is
 * NULL and *n is 0. */
int crdt_body_encode(struct buf *b, const struct crdt_write *w, size_t n);
int crdt_body_decode(const uint8_t *p, size_t len, struct crdt_write **out, size_t *n);
/* Check one write against the schema (ids, types, lengths, rules);
 * ERR_SCHEMA when its sticky error is set. */
int crdt_write_check(const struct crdt_write *w);

/* ---- the store ------------------------------------------------------- */

struct crdt_store;

/* How long a store waits for another process's write transaction (the
 * daemon, another command) before a call returns -EBUSY. */
#define CRDT_BUSY_WAIT_MS 10000

struct crdt_options {
	uint64_t max_ahead_ms; /* 0: CRDT_DEFAULT_MAX_AHEAD_MS */
	bool no_sync;          /* tests and benches of in-memory paths only */
	bool read_only;        /* read a replica where nothing may be written
				  (crdt_store_open) */
};

struct crdt_commit_info {
	uint64_t seq;
	uint64_t hlc;
};

struct crdt_log_entry {
	uint8_t author[CRDT_AUTHOR_LEN];
	char scope[CRDT_SCOPE_MAX + 1];
	uint64_t seq;
	uint64_t hlc;
	const uint8_t *body; /* as kept and relayed; borrowed for the callback only */
	size_t body_len;
	const uint8_t *seal; /* the upper layer's bytes for this commit, or NULL */
	size_t seal_len;
	bool carried;        /* held to relay, not merged into the tables */
	bool held;           /* carried because the layer above refused it for now */
};

/*
 * A sealer lets the layer above (sync/) attach bytes to every commit in the
 * log (a hash chain link, a signature) and replace the body it keeps (an
 * encrypted one), computed inside the commit's own transaction so the
 * chain is never out of step with the log. seal() gets the new local
 * commit (plaintext body) and the previous commit's seal in the same feed
 * (NULL, 0 for seq 1), or, when the log no longer holds that commit but the
 * feed's base is it (a snapshot's head, a recovery), its 32-byte chain hash
 * alone; it appends the seal to *seal and, if it wants the
 * log to keep another body, that body to *body (left empty: keep e->body).
 * A negative return aborts the commit.
 */
struct crdt_sealer {
	int (*seal)(void *arg, const struct crdt_log_entry *e, const uint8_t *prev, size_t prev_len,
		    struct buf *seal, struct buf *body);
	void *arg;
};

/* A commit from elsewhere, for crdt_apply_remote_ex(). */
struct crdt_remote {
	const uint8_t *author; /* CRDT_AUTHOR_LEN bytes */
	const char *scope;
	uint64_t seq;
	uint64_t hlc;
	const uint8_t *body;   /* what the log keeps and relays */
	size_t body_len;
	const uint8_t *plain;  /* the body to merge when body is sealed; NULL: body */
	size_t plain_len;
	const uint8_t *seal;   /* kept with the commit; may be NULL */
	size_t seal_len;
	bool carry;            /* keep to relay only; do not decode or merge */
	bool held;             /* with carry: refused here for now, to judge again
				  (crdt_log_held); merged later like a carried one */
	const struct crdt_write *writes; /* the body to merge as crdt_body_decode
				  gave it (borrowed), when the caller decoded it
				  already; NULL: decoded here */
	size_t nwrites;
};

struct crdt_vv_entry {
	uint8_t author[CRDT_AUTHOR_LEN];
	char scope[CRDT_SCOPE_MAX + 1];
	uint64_t seq;
};

/* Open (creating or migrating) the replica at path, for the node whose
 * author id is self. WAL, synchronous=FULL: a commit is on disk when the
 * call that made it returns.
 * With opt->read_only, an existing replica of this schema version is
 * read where nothing can be written (every write then fails): through
 * its WAL as any reader when its folder can take the WAL's index; on a
 * file system mounted read-only with no WAL left, as the immutable file
 * it is there; on a full disk, with an exclusive lock that keeps the
 * index in memory (-EBUSY while another process has it open). */
int crdt_store_open(struct crdt_store **out, const char *path,
		    const uint8_t self[CRDT_AUTHOR_LEN], const struct crdt_options *opt);
void crdt_store_close(struct crdt_store *s);

/* The SQLite handle, for read-only queries by node/; borrowed, lives until
 * crdt_store_close(). Writing through it breaks the replica. Inside a
 * batch it first writes the batch's cached rows back, so queries see them
 * (get the handle again after more applies; a failure spoils the batch). */
struct sqlite3 *crdt_store_db(struct crdt_store *s);
uint64_t crdt_store_hlc(const struct crdt_store *s);

/* Group several commits into one durable transaction (a hub applying a
 * whole delta). Between begin and end, applies and local commits are
 * visible but not durable; end makes them all durable at once, abort
 * drops them all. A commit refused by a check (bad body, clock, ...) is
 * simply not applied; a storage failure inside the batch spoils it: end
 * then rolls everything back and returns the error. Inside a batch the rows
 * of rows tables are read once and written back at end (a bounded cache,
 * about 3.2 MiB; docs/replica.md). */
int crdt_store_begin(struct crdt_store *s);
int crdt_store_end(struct crdt_store *s);
void crdt_store_abort(struct crdt_store *s);
/* crdt_store_begin for a batch whose end does not wait for the disk
 * (SQLite synchronous=NORMAL for its commit alone; FULL again once it
 * ended or was aborted). Its commit is atomic, and durable once a later
 * commit that waits returns (the WAL is written in order and synced
 * whole) or a checkpoint ran; a power cut before may take it back, whole.
 * Only for what nobody is told of (a peer's acks: losing them keeps
 * history longer). A store opened with no_sync stays as it is. */
int crdt_store_begin_nowait(struct crdt_store *s);

/* Copy the WAL into the database file (a PASSIVE checkpoint) if it holds
 * 1000 pages or more. crdt_store_end leaves this out of the batch's commit
 * (below 64 Ki pages), so acknowledging the batch does not wait for it:
 * call it once the batch is acknowledged, when the node is idle. A single
 * commit outside a batch still checkpoints at 1000 pages, and closing the
 * store checkpoints what is left. Durability does not depend on it: a
 * commit is on disk in the WAL when it returns. Inside a batch it does
 * nothing. Returns 0, or a storage error. */
int crdt_store_checkpoint(struct crdt_store *s);

/* A local commit: the writes, atomically, at one new HLC, appended to this
 * node's log for scope. A LIFECYCLE write that sets only one of status and
 * volunteer carries the row's current value of the other. Returns 0 and
 * fills *info (may be NULL), or ERR_SCHEMA/ERR_TOOBIG/ERR_USAGE/ERR_STORAGE
 * with nothing written. */
int crdt_commit_local(struct crdt_store *s, uint64_t wall_ms, const char *scope,
		      const struct crdt_write *w, size_t n, struct crdt_commit_info *info);

/* Apply a commit from another replica, in one transaction (a savepoint
 * inside crdt_store_begin/end). Returns 0 when applied, 1 when it was
 * already held (a no-op), or an error with nothing changed: ERR_CORRUPT,
 * ERR_SCHEMA, ERR_TOOBIG (bad body), ERR_CLOCK (too far ahead),
 * ERR_USAGE (bad scope or author), ERR_STORAGE. */
int crdt_apply_remote(struct crdt_store *s, uint64_t wall_ms,
		      const uint8_t author[CRDT_AUTHOR_LEN], const char *scope,
		      uint64_t seq, uint64_t hlc, const uint8_t *body, size_t len);

/* Like crdt_apply_remote, with a seal, a sealed body, or carry-only. A
 * carried commit is not decoded: it only has to fit CRDT_BODY_MAX. A commit
 * first carried and later applied (the node learned to read it) is merged
 * then and returns 0. */
int crdt_apply_remote_ex(struct crdt_store *s, uint64_t wall_ms, const struct crdt_remote *r);

/* A local commit authored by another key held on this node (the county
 * root on a hub), sealed by sealer (NULL: none), through this handle and
 * its clock, in a transaction of its own (not inside crdt_store_begin):
 * durable when it returns. The handle's own author and sealer are kept. */
int crdt_commit_as(struct crdt_store *s, const uint8_t author[CRDT_AUTHOR_LEN],
		   const struct crdt_sealer *sealer, uint64_t wall_ms, const char *scope,
		   const struct crdt_write *w, size_t n, struct crdt_commit_info *info);

/* Install (or with NULL remove) the sealer for local commits; the struct
 * is copied. */
void crdt_store_set_sealer(struct crdt_store *s, const struct crdt_sealer *sealer);

/* Fetch one held commit; ERR_NOTFOUND if not held. fn as in crdt_log_each. */
int crdt_log_get(struct crdt_store *s, const uint8_t author[CRDT_AUTHOR_LEN], const char *scope,
		 uint64_t seq, int (*fn)(void *arg, const struct crdt_log_entry *e), void *arg);

/* Replace the seal of held commit (author, scope, seq) with seal (len
 * at most CRDT_BODY_MAX; borrowed for the call), inside the caller's
 * transaction if there is one. crdt/ does not read seals: the layer
 * above keeps the chain hash in it the same. 0, ERR_NOTFOUND when the
 * log does not hold it (pruned, or never held), ERR_USAGE, or a storage
 * code. */
int crdt_log_seal_set(struct crdt_store *s, const uint8_t author[CRDT_AUTHOR_LEN], const char *scope,
		      uint64_t seq, const uint8_t *seal, size_t len);

/* Where a walk of the held-back commits goes on from: zeroed, the first. */
struct crdt_held_at {
	uint64_t hlc, seq;
	uint32_t author;
	char scope[CRDT_SCOPE_MAX + 1];
};

/* Call fn for the held-back commits (crdt_remote.held) after *at, in
 * (HLC, author, scope, seq) order, at most max of them, and move *at past
 * them; back to the first once a walk reaches the end, so that repeated
 * walks visit every one in turn. Bodies are copies fn may keep until it
 * returns. */
int crdt_log_held(struct crdt_store *s, struct crdt_held_at *at, size_t max,
		  int (*fn)(void *arg, const struct crdt_log_entry *e), void *arg);

/* How many commits are held back. */
int crdt_log_held_count(struct crdt_store *s, uint64_t *n);

/* Is commit (author, scope, seq) held? */
bool crdt_store_has(struct crdt_store *s, const uint8_t author[CRDT_AUTHOR_LEN],
		    const char *scope, uint64_t seq);

/* What is held of the n commits (author, scope, from), (author, scope,
 * from + 1), ...: state[i] for seq from + i, one query for the whole run
 * (sync/ asks once per range of a delta instead of once per commit).
 * Returns 0, or ERR_STORAGE (or another storage code) with state all
 * CRDT_LOG_ABSENT. */
enum crdt_log_state {
	CRDT_LOG_ABSENT = 0,
	CRDT_LOG_MERGED = 1,
	CRDT_LOG_CARRIED = 2, /* carried to relay */
	CRDT_LOG_HELD = 3,    /* carried because held back (crdt_remote.held) */
};
int crdt_log_states(struct crdt_store *s, const uint8_t author[CRDT_AUTHOR_LEN], const char *scope,
		  uint64_t from, size_t n, uint8_t *state);

/* The highest seq of this node's own feed in scope (0: none), as the log
 * holds it now: the local commit after it takes *seq + 1 (C3). */
int crdt_store_own_seq(struct crdt_store *s, const char *scope, uint64_t *seq);

/* Highest seq held per (author, scope). *out is mem_alloc'd (mem_free). */
int crdt_store_vv(struct crdt_store *s, struct crdt_vv_entry **out, size_t *n);
/* The same for one author's feeds (CRDT_AUTHOR_LEN bytes; NULL: all).
 * Both read the feeds' heads, kept as commits are added (docs/replica.md
 * "_heads"): the cost is in feeds, never in commits. Entries come in
 * (author, scope) byte order. */
int crdt_store_vv_of(struct crdt_store *s, const uint8_t *author, struct crdt_vv_entry **out, size_t *n);
/* The same for the feeds of the nscopes scopes named (NULL: all scopes),
 * in (author, scope) byte order; a scope named twice or invalid counts
 * once or not at all. */
int crdt_store_vv_scopes(struct crdt_store *s, const char *const *scopes, size_t nscopes,
			 struct crdt_vv_entry **out, size_t *n);
/* Raise every feed's head to the highest seq the log holds (one pass over
 * the log, outside a batch): for commits an older cunlian added to this
 * file, which knew no heads. `cunlian serve` runs it when it starts. */
int crdt_store_heads_repair(struct crdt_store *s);

/* For each of the n feeds (author, scope) of v, set v[i].seq to the
 * highest seq held (0: none). One index lookup per feed. On failure every
 * seq is 0. */
int crdt_store_heads(struct crdt_store *s, struct crdt_vv_entry *v, size_t n);

/* Call fn for every held commit of (author, scope) with seq > after, in seq
 * order. A non-zero return from fn stops the walk and is returned. */
int crdt_log_each(struct crdt_store *s, const uint8_t author[CRDT_AUTHOR_LEN],
		  const char *scope, uint64_t after,
		  int (*fn)(void *arg, const struct crdt_log_entry *e), void *arg);

/*
 * Bases (log compaction, crdt/compact.c; docs/replica.md "Compaction").
 * A base says that the feed (author, scope) is held from seq + 1 on: every
 * commit up to seq was merged into the tables, but its body is no longer
 * in _log. hash is commit seq's chain hash (docs/protocol.md §2), sig its
 * author's checkpoint over that hash when has_sig. A base is local to the
 * node (it never travels), never lowers a feed's head (_heads), and is
 * itself never lowered. Commits at or below a base count as held
 * (crdt_store_has, crdt_log_states: CRDT_LOG_MERGED; crdt_apply_remote_ex
 * returns 1 for them).
 */
struct crdt_base {
	uint8_t author[CRDT_AUTHOR_LEN];
	char scope[CRDT_SCOPE_MAX + 1];
	uint64_t seq, hlc;
	uint8_t hash[32];
	uint8_t sig[64];
	bool has_sig;
};
/* The base of (author, scope): 0 and *b filled, ERR_NOTFOUND (none; *b
 * zeroed but for author and scope), ERR_USAGE (bad scope), or a storage
 * error. */
int crdt_store_base_get(struct crdt_store *s, const uint8_t author[CRDT_AUTHOR_LEN], const char *scope,
			struct crdt_base *b);
/* Set the base of (b->author, b->scope) inside the caller's transaction
 * (crdt_store_begin, or its own when none is open): never lowers an
 * existing base (a lower or equal seq changes nothing and returns 0),
 * raises the feed's head to b->seq if below. It does not delete anything
 * from _log (crdt_store_prune does). ERR_USAGE for a bad scope or seq 0. */
int crdt_store_base_set(struct crdt_store *s, const struct crdt_base *b);

/* The latest HLC of any base (0: nothing was ever pruned): the log holds
 * no commit older than a base's of its feed (the audit's "history before
 * this was compacted"). */
int crdt_store_base_latest(struct crdt_store *s, uint64_t *hlc);

/* Prune feed (b->author, b->scope) down to base b, in the caller's
 * transaction (or one of its own): delete its log rows with seq <= b->seq
 * and set the base (crdt_store_base_set), both or neither (compact.c B3).
 * Refused with ERR_USAGE, nothing changed, when b->seq is not above the
 * feed's base, when it is not below the highest seq the log holds of the
 * feed (its newest commit always stays, with its seal, for the next
 * commit's chain), or when a commit up to it is only carried or held
 * back (not merged into the tables). *n and *bytes (may be NULL): the
 * commits deleted and their body and seal bytes. */
int crdt_store_prune(struct crdt_store *s, const struct crdt_base *b, uint64_t *n, uint64_t *bytes);

/* What peer node (its 32-byte key) reported holding: raise its ack of
 * each of the n feeds of v to v[i].seq (never lowers one; compact.c B4),
 * in the caller's transaction or one of its own. */
int crdt_store_acks_put(struct crdt_store *s, const uint8_t node[CRDT_AUTHOR_LEN],
			const struct crdt_vv_entry *v, size_t n);
/* The highest seq of (author, scope) node reported holding: 0 when it
 * never reported one. */
int crdt_store_ack_get(struct crdt_store *s, const uint8_t node[CRDT_AUTHOR_LEN],
		       const uint8_t author[CRDT_AUTHOR_LEN], const char *scope, uint64_t *seq);
/* Forget what node reported (it was revoked or replaced). */
int crdt_store_acks_forget(struct crdt_store *s, const uint8_t node[CRDT_AUTHOR_LEN]);

/* SHA-256 of the canonical state: every live row and tombstone of every
 * table, in table id and pk order, with each value's clock and author.
 * scope NULL: everything; "" : county-wide rows; else that station's rows. */
int crdt_store_digest(struct crdt_store *s, const char *scope, uint8_t out[32]);

/* The text value of column col of row pk of table, as the replica holds
 * it now (a read for sync/'s checks of who may write what). ERR_NOTFOUND
 * when the row is absent or the value is not a text; ERR_TOOBIG when it
 * does not fit cap bytes with its NUL. out is "" on failure. */
int crdt_row_text(struct crdt_store *s, unsigned table, const char *pk, size_t pk_len,
		  unsigned col, char *out, size_t cap);

/* How many losing inserts of append tables are kept in the conflict record. */
int crdt_store_conflicts(struct crdt_store *s, uint64_t *n);

/* ---- snapshots (snapshot.c, docs/replica.md "Snapshots") ---------------- */

/*
 * The state of one scope as bytes: every row whose scope is that scope,
 * with its clocks and tombstones, the losers of append conflicts kept for
 * it, and its feeds' heads with the chain hash and checkpoint of each
 * head commit. Imported into any replica by the merge rules, so an import
 * commutes with commits and is idempotent (N1-N4 in snapshot.c). The bytes
 * are plaintext and unsigned: sync/ signs, compresses and seals them.
 */
#define CRDT_SNAP_MAX ((size_t)64 << 20) /* bytes of one export */
#define CRDT_SNAP_AUTHORS_MAX 65536      /* authors, and heads, in one export */

/* Split a seal (the upper layer's bytes of a commit) into its chain hash
 * and checkpoint; 0, or non-zero for a seal it cannot read. */
typedef int (*crdt_seal_split_fn)(const uint8_t *seal, size_t len, uint8_t hash[32],
				  uint8_t sig[64], bool *has_sig);
struct crdt_snap_export {
	const uint8_t *skip_author; /* leave this author's feed out of the heads (NULL: none) */
	crdt_seal_split_fn split;   /* NULL: heads carry no hash */
};
/* Append the export of scope to out (its ceiling should be at least
 * CRDT_SNAP_MAX). Reads in one read transaction (inside a batch: the
 * batch's rows). ERR_USAGE, ERR_TOOBIG, ERR_CORRUPT, storage errors. */
int crdt_snapshot_export(struct crdt_store *s, const char *scope, const struct crdt_snap_export *opt,
			 struct buf *out);

struct crdt_snap_head {
	uint8_t author[CRDT_AUTHOR_LEN];
	uint64_t seq, hlc;
	bool has_hash, has_sig;
	uint8_t hash[32]; /* the head commit's chain hash (zeros without) */
	uint8_t sig[64];  /* its author's checkpoint, when has_sig */
};
/* A decoded export; borrows the bytes it was decoded from. */
struct crdt_snapshot {
	char scope[CRDT_SCOPE_MAX + 1];
	const uint8_t *authors; /* nauthors x CRDT_AUTHOR_LEN */
	size_t nauthors;
	struct crdt_snap_head *heads; /* mem_alloc'd */
	size_t nheads;
	const uint8_t *entries;
	size_t entries_len, nentries;
};
/* Decode and check every byte and body (nothing is trusted); 0, or
 * ERR_CORRUPT / ERR_TOOBIG / ERR_SCHEMA with out zeroed. */
int crdt_snapshot_decode(const uint8_t *p, size_t len, struct crdt_snapshot *out);
void crdt_snapshot_release(struct crdt_snapshot *snap);
/* Merge a decoded export into the replica, in one transaction (inside a
 * batch: part of it), and make each head its feed's base. ERR_CLOCK
 * (a clock too far ahead of wall_ms: nothing written), storage errors. */
int crdt_snapshot_import(struct crdt_store *s, uint64_t wall_ms, const struct crdt_snapshot *snap);

#endif
