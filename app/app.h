/* SPDX-License-Identifier: MIT */
/*
 * app.h - what a station or the hub can do, as a library: the open node
 * and the rules every front end (the command line in node/, the web pages)
 * shares.
 *
 * Concept. struct app is one open node: its home directory, node.conf,
 * identity, replica, sync context (the sealer of every local commit), its
 * feed mark (mark.c) and its clock (clock.c). An operation takes the app
 * and typed inputs, reads what it decides on and writes inside one write
 * transaction, and returns 0 or a negative code (base/err.h). When it
 * refuses or fails it also says why in app->fail: a reason code
 * (enum app_why, why.h) and the texts the message about it names. app/
 * never prints, never reads argv or the environment, never exits; the
 * front end turns app->fail into words (node/why.c).
 *
 * Writes. An operation that writes runs inside the app's write
 * transaction: app_open() starts it for APP_WRITES (BEGIN IMMEDIATE,
 * waiting up to CRDT_BUSY_WAIT_MS for another writer, then -EBUSY), or
 * the operation calls app_write_begin(). app_commit_add() makes one local
 * commit in it (after the clock and feed-mark checks); app_write_end()
 * makes them all durable; app_close() rolls back whatever was not ended.
 * So a front end that reports success after app_write_end() never reports
 * a write that is not on disk, and a refusal leaves the replica as it was.
 *
 * Reads. SQL on crdt_store_db(app->store), through the views of live rows
 * (docs/replica.md) or with `_dead IS NULL`.
 *
 * Ownership. The app owns everything it opens (store, sync context,
 * identity, dictionary, certificate, mark) until app_close(). Strings in
 * app->fail live in the app. Not thread-safe: one app per thread.
 */
#ifndef CUNLIAN_APP_H
#define CUNLIAN_APP_H

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "crdt/crdt.h"
#include "sync/sync.h"
#include "app/why.h"

struct sqlite3_stmt;
struct app_mark;

#define APP_ID_MAX CRDT_PK_MAX
#define APP_NAME_MAX 128  /* bytes of a person's or station's name */
#define APP_TEXT_MAX 1000 /* bytes of a detail, comment or reason */
#define APP_PATH_MAX 1024

/* What an operation (or a front end's command) does to the replica. */
enum app_access {
	APP_READS = 0,   /* never authors a local commit (it may merge others') */
	APP_WRITES = 1,  /* authors, inside the write transaction app_open starts */
	APP_AUTHORS = 2, /* authors, in transactions of its own (init, restore,
			    enrolment, clock rescue) */
};

/* node.conf: `key = value` lines written by init (config.c). */
struct app_conf {
	char station[CRDT_SCOPE_MAX + 1];
	char name[APP_NAME_MAX + 1];
	char role[16];  /* station, hub */
	char level[16]; /* village, town, county */
	char parent[CRDT_SCOPE_MAX + 1];
	char lang[8];   /* zh, en; "" when the file does not say */
	int station_line, role_line; /* where the file said them (the last time) */
	int bad_line;   /* the line app_conf_read refused (ERR_USAGE), else 0 */
};

/* Why the last call failed: a reason and what its message names. */
#define APP_FAIL_ARGS 8
#define APP_ARG_MAX 256
struct app_fail {
	int rc;           /* the code returned (base/err.h) */
	enum app_why why; /* APP_W_NONE: none recorded */
	unsigned narg;
	char arg[APP_FAIL_ARGS][APP_ARG_MAX]; /* in the order the message names them */
	int code[2];      /* enum values it names (a time bound's source ...) */
};

struct app {
	char home[APP_PATH_MAX];
	uint64_t now_ms;              /* wall clock of this run */
	enum app_access access;       /* what the run does (app_open) */
	bool recovering;              /* recover runs: a lost replica is expected */
	bool no_revoked;              /* refuse to open when this node was revoked
					 (sync, bundle, serve) */
	struct app_conf conf;         /* valid after app_open() */
	bool hub;                     /* conf.role is hub */
	uint8_t author[CRDT_AUTHOR_LEN]; /* the node's public key */
	struct crdt_store *store;     /* NULL until app_open() */
	struct sync_identity id;      /* the key pair */
	struct sync_dict *dict;       /* the shipped dictionary */
	struct sync_ctx *sync;        /* seals local commits, moves deltas */
	bool have_root;               /* county.pub is in the home: trust on */
	uint8_t county_root[CRDT_AUTHOR_LEN];
	uint8_t *cert;                /* node.cert (mem_alloc), or NULL */
	size_t cert_len;
	bool writing;                 /* inside the write transaction */
	bool clock_ok;                /* app_clock_check passed for this run */
	bool rescue_replay;           /* clock rescue --replay is writing */
	struct app_mark *mark;        /* feed.mark as last read (mark.c), or NULL */
	struct app_fail fail;         /* why the last call failed */
	struct app_fail note;         /* a warning for the person (why NONE: none) */
};

/* ---- the open node (core.c) -------------------------------------------- */

/* Zero the app; home and now_ms are the caller's to set next. */
void app_init(struct app *a);
/* Read node.conf and identity.key, open replica.db and the sync context,
 * check the feed mark and, for APP_WRITES, begin the write transaction.
 * ERR_NOTFOUND (APP_W_NO_HOME) when the home holds no node. */
int app_open(struct app *a);
/* The second half of app_open() (identity, replica, sync context), for
 * init, which writes node.conf itself. */
int app_replica_open(struct app *a);
/* Roll back an unfinished write transaction and close everything. */
void app_close(struct app *a);
/* Record why a call failed: rc, the reason, then narg texts (const char *).
 * Returns rc, so `return app_failf(a, rc, why, 1, path);`. */
int app_failf(struct app *a, int rc, enum app_why why, unsigned narg, ...);
/* Record a warning for the person in a->note (the same form). */
void app_notef(struct app *a, enum app_why why, unsigned narg, ...);
/* The reason for a failed storage call: disk full, busy, or the code. */
int app_fail_store(struct app *a, int rc);
/* Forget a recorded failure (a caller that handled it). */
void app_fail_clear(struct app *a);

/* The file name inside the home directory. */
void app_path(const struct app *a, char *out, size_t n, const char *file);
/* This node's prefix for new ids: "hub" for the hub, else its station. */
const char *app_id_prefix(const struct app *a);
/* May this node write data of station? (its own station, or the hub) */
bool app_may_write(const struct app *a, const char *station);

/* Prepare a read-only query; binds the NULL-terminated list of texts to
 * ?1, ?2, ... */
int app_sql(struct app *a, struct sqlite3_stmt **st, const char *sql, ...);
int app_sqlv(struct app *a, struct sqlite3_stmt **st, const char *sql, va_list ap);
/* The first column of the one row a query (texts bound as app_sql)
 * gives: 0, or the storage failure; *out 0 on failure. */
int app_sql_int(struct app *a, int64_t *out, const char *sql, ...);
int app_sql_real(struct app *a, double *out, const char *sql, ...);
/* Copy column i of the current row (NULL and missing become ""). */
void app_col_text(struct sqlite3_stmt *st, int i, char *out, size_t n);
/* The next id "<prefix>-<letter><n>" for table; never one given before,
 * nor one a lost commit may have carried (mark.c W5). */
int app_id_next(struct app *a, const char *table, char letter, char *out, size_t n);
int app_id_max(struct app *a, const char *table, char letter, int64_t *max);

/* The write transaction (see the top of this file). */
int app_write_begin(struct app *a);
int app_commit_add(struct app *a, const char *scope, const struct crdt_write *w, size_t n);
int app_write_end(struct app *a);
/* Roll the write transaction back, if one is open: for an operation that
 * began it and then refused or failed, so that a front end keeping the
 * app open (the web pages) never holds the write lock past a request. */
void app_write_abort(struct app *a);
/* The end of an operation that begins the write transaction when the
 * caller has not (began: it was not open when the operation started):
 * when rc is a failure, app_write_abort(). Returns rc. */
int app_write_fail(struct app *a, bool began, int rc);
/* app_commit_add() then app_write_end(): on disk when it returns 0. */
int app_commit(struct app *a, const char *scope, const struct crdt_write *w, size_t n);

/* County settings (settings table, scope ""), with defaults. */
struct app_settings {
	double points_per_hour;
	double star_hours[5];
};
int app_settings_load(struct app *a, struct app_settings *s);
/* Stars (0..5) earned by hours. */
int app_stars(const struct app_settings *s, double hours);

/* ---- checks of what people type (text.c) -------------------------------- */

/* Valid UTF-8, 1..max bytes, no control characters (C0, DEL, C1 such as
 * U+0085), and not only blanks (spaces, U+3000 and the like). */
bool app_text_ok(const char *s, size_t max);
/* Only blanks (or empty): says nothing, e.g. a name of " " or "\u3000". */
bool app_text_blank(const char *s);
bool app_phone_ok(const char *s);
void app_phone_norm(const char *in, char *out, size_t n); /* drop spaces and dashes */
void app_phone_mask(const char *in, char *out, size_t n); /* 138****1234 */
bool app_id_ok(const char *s);                            /* [A-Za-z0-9_-], 1..CRDT_SCOPE_MAX */
int app_parse_int(const char *s, int64_t lo, int64_t hi, int64_t *out);
/* A date or time as typed on a Chinese keyboard, in plain ASCII in out
 * (cap n): full-width digits, '－', '：' and the ideographic space
 * become 0-9, '-', ':' and ' ' (issue 17 QA); the rest is copied. s
 * NULL, or out too small: out "" (which no date parser takes). */
void app_date_norm(const char *s, char *out, size_t n);
int app_parse_real(const char *s, double lo, double hi, double *out);
void app_time_fmt(uint64_t ms, char *out, size_t n); /* local "YYYY-MM-DD HH:MM" */
void app_hex(const uint8_t *p, size_t n, char *out); /* out holds 2n+1 */
int app_hex_parse(const char *s, uint8_t *out, size_t n);
void app_real_fmt(double v, char *out, size_t n);    /* "2", "1.5" */

/* ---- files in the home (files.c) ---------------------------------------- */

/* Read a small file whole: ERR_NOTFOUND, ERR_TOOBIG past cap, -errno. */
int app_file_read(const char *path, uint8_t *buf, size_t cap, size_t *len);
/* Is the home on a file system mounted read-only? */
bool app_home_readonly(const struct app *a);
/* Whole or not at all (base/afile.h). */
int app_file_write(const char *path, const void *p, size_t n, unsigned mode);

/* node.conf (config.c): ERR_NOTFOUND, ERR_USAGE for a line that is not
 * `key = value` or a bad lang (c->bad_line), ERR_CORRUPT without a valid
 * station and role. */
int app_conf_read(const char *path, struct app_conf *c);
/* Is k a key of node.conf? */
bool app_conf_key(const char *k);
int app_conf_write(const char *path, const struct app_conf *c);

/* identity.key (identity.c): make a new Ed25519 key pair, secret key to
 * path (0600), refusing to overwrite; load it again. */
int app_identity_create(const char *path, uint8_t pk[CRDT_AUTHOR_LEN]);
int app_identity_load(const char *path, uint8_t pk[CRDT_AUTHOR_LEN]);

/* Trust settings from the home (county.pub, node.cert) for a sync
 * context; nothing when the node is not enrolled (trust.c). */
int app_trust_open(struct app *a, struct sync_options *opt);
void app_trust_release(struct app *a);
/* Commits refused so far, from refused.log. */
int app_refused_count(const struct app *a, uint64_t *n);
/* In the home from enroll request or join until enrolled. */
#define APP_PENDING "enroll.pending"

#endif
