/* SPDX-License-Identifier: MIT */
/*
 * node.h - what the files of the cunlian program share.
 *
 * Concept. One struct node_ctx per run holds everything the program knows:
 * the home directory, its configuration, the node's author id, the open
 * replica, the language and output flags, and the time of the run. There
 * is no global mutable state; every function takes the context.
 *
 * Commands. main.c holds the one table of commands (node_cmds); each entry
 * names a handler `int fn(struct node_ctx *, int argc, char **argv)` whose
 * argv starts after the command words. A handler parses its options with
 * node_opts_parse(), opens the home with node_open() when it needs data,
 * and returns 0 or a negative code (base/err.h). Before returning an error
 * it prints a message a person can act on with node_fail(); main.c turns
 * the code into the exit status (node_exit_code).
 *
 * Writes. A command whose table entry says APP_WRITES reads and writes
 * inside one write transaction (BEGIN IMMEDIATE), which node_open()
 * starts: the next id, a balance before a redemption, a duplicate check
 * and a lifecycle move are read where no other process can write between
 * the read and the commit. node_commit() (or node_commit_add() for each
 * commit and then node_write_end()) makes the writes durable before the
 * command prints anything; a command that returns without it, or fails,
 * leaves nothing written (node_ctx_release rolls back). When the database
 * stays busy (another writer) for CRDT_BUSY_WAIT_MS, the command fails
 * with exit status 5 and says to try again: never exit 0 without the
 * write on disk.
 *
 * Reads. SQL on crdt_store_db(), read-only, on the domain tables; rows
 * with _dead IS NOT NULL are tombstones and are skipped.
 *
 * Ownership. ctx->app.store is opened by node_open() and closed by
 * node_ctx_release(). Strings returned by node_msg() are static.
 */
#ifndef CUNLIAN_NODE_H
#define CUNLIAN_NODE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "app/app.h"
#include "app/clock.h"
#include "app/mark.h"
#include "crdt/crdt.h"
#include "sync/sync.h"
#include "node/i18n.h"

struct sqlite3_stmt;

/* Exit codes (documented in `cunlian --help` and docs/cunlian.1). */
enum node_exit {
	NODE_EXIT_OK = 0,
	NODE_EXIT_OTHER = 1,
	NODE_EXIT_USAGE = 2,
	NODE_EXIT_REFUSED = 3,
	NODE_EXIT_NOTFOUND = 4,
	NODE_EXIT_STORAGE = 5,
};

#define NODE_ID_MAX APP_ID_MAX
#define NODE_NAME_MAX APP_NAME_MAX
#define NODE_TEXT_MAX APP_TEXT_MAX
#define NODE_PATH_MAX APP_PATH_MAX

struct node_cmd;
struct node_args;

/* One run of the program: the open node (app/app.h) and how to talk to
 * the person (language, --json, the command running). */
struct node_ctx {
	struct app app;         /* home, replica, identity ...; app.fail says why */
	bool home_set;          /* --home given */
	enum node_lang lang;
	bool json;              /* --json */
	bool csv;               /* --format csv (node_format_take, list.c) */
	bool lang_fixed;        /* --lang or CUNLIAN_LANG: node.conf's lang does not apply */
	const struct node_cmd *cmd;      /* the command running */
	bool said;              /* an error message was printed */
};

typedef int (*node_cmd_fn)(struct node_ctx *ctx, int argc, char **argv);
typedef int (*node_run_fn)(struct node_ctx *ctx, const struct node_args *a);

/*
 * One command of the table in main.c. A command declares its options in
 * opts, one word each, separated by blanks: "station= hours= force"
 * (a trailing `=`: the option takes a value). main.c parses argv against
 * it before calling run (--help, --json and --home are taken everywhere),
 * refuses an undeclared option or more than maxpos positional arguments,
 * and the handler reads node_arg(a, "hours") by name. Commands not yet
 * moved to run keep fn and parse themselves (node_opts_parse).
 */
#define NODE_OPTS_MAX 24
#define NODE_POS_MAX 8
struct node_cmd {
	const char *group;  /* first word: "order" */
	const char *verb;   /* second word: "add", or NULL */
	node_cmd_fn fn;     /* parses argv itself, or NULL */
	enum node_msg_id help; /* usage and description */
	enum app_access access;
	node_run_fn run;    /* called with the parsed arguments, or NULL */
	const char *opts;   /* the options run reads (see above) */
	unsigned maxpos;    /* positional arguments allowed */
};

/* The parsed arguments of a run command. Values borrow argv. */
struct node_args {
	const struct node_cmd *cmd;
	const char *val[NODE_OPTS_MAX]; /* by the option's place in cmd->opts; NULL absent */
	const char *pos[NODE_POS_MAX];
	size_t npos;
};
/* The value of option name (a flag gives "1"), NULL when not given. A
 * name cmd->opts does not declare is a bug: abort(). */
const char *node_arg(const struct node_args *a, const char *name);
bool node_flag(const struct node_args *a, const char *name);
/* Parse argv for cmd (main.c): 0, 1 when help was printed, ERR_USAGE. */
int node_args_parse(struct node_ctx *ctx, const struct node_cmd *cmd, int argc, char **argv,
		    struct node_args *a);

/* Print why the last app/ call failed (ctx->app.fail, node/why.c) and
 * return rc; the code's own reason when app/ recorded none. */
int node_fail_app(struct node_ctx *ctx, int rc);
/* Print the app's note (a warning), if any, and forget it. */
void node_note_app(struct node_ctx *ctx);
/* Print why f says (a problem or a note, e.g. of one row of an import)
 * to out, without the "error:" that node_fail_app() puts first. */
void node_why_say(const struct node_ctx *ctx, FILE *out, const struct app_fail *f);
/* Every reason of app/why.h has a message (checked at start). */
bool node_why_complete(void);

/* main.c */
extern const struct node_cmd node_cmds[];
extern const size_t node_ncmds;

/* ---- context, home, messages (ctx.c) -------------------------------- */

void node_ctx_init(struct node_ctx *ctx);
/* --lang or CUNLIAN_LANG: zh, en (zh_CN..., en_GB... too); ERR_USAGE. */
int node_lang_set(struct node_ctx *ctx, const char *v);
/* The home's own language (node.conf lang) unless one was fixed. */
void node_lang_home(struct node_ctx *ctx);
/* Load the identity, open replica.db and the sync context (the sealer
 * of every local commit): the second half of node_open(), for init. */
int node_replica_open(struct node_ctx *ctx);
void node_ctx_release(struct node_ctx *ctx);
/* Read node.conf and identity.key and open replica.db. ERR_NOTFOUND (with
 * a message) when the home holds no node. */
int node_open(struct node_ctx *ctx);

/* Print to stdout the message id formatted with the arguments. */
void node_say(const struct node_ctx *ctx, enum node_msg_id id, ...);
/* Print the message id to f in lang. */
void node_fsay(FILE *f, enum node_lang lang, enum node_msg_id id, ...);
/* Print an error message to stderr, remember it was said, return rc. */
int node_fail(struct node_ctx *ctx, int rc, enum node_msg_id id, ...);
/* A message for a failed storage call (rc from crdt/), returned. */
int node_fail_store(struct node_ctx *ctx, int rc);
int node_exit_code(int rc);

/* Options. A command lists its options; node_opts_parse() fills val
 * (flags get "1") and collects positional arguments into pos. --home,
 * --json and --help are taken everywhere. Returns 0, 1 when help was
 * printed (the command returns 0), or ERR_USAGE (message printed). */
struct node_opt {
	const char *name; /* without the dashes */
	bool arg;         /* takes a value */
	const char *val;  /* set by the parser; NULL when absent */
};
int node_opts_parse(struct node_ctx *ctx, int argc, char **argv, struct node_opt *opts,
		    size_t nopts, const char **pos, size_t maxpos, size_t *npos);
/* A command of one ID and options: parse, then open the home. Returns 1
 * when --help was printed, 0 with *id set (borrowed from argv), or an
 * error already reported (need names the missing ID). */
int node_parse_id(struct node_ctx *ctx, int argc, char **argv, struct node_opt *op, size_t nop,
		  enum node_msg_id need, const char **id);
const char *node_opt_get(const struct node_opt *opts, size_t nopts, const char *name);
void node_usage_print(const struct node_ctx *ctx, FILE *f, const struct node_cmd *cmd);

/* ---- storage helpers (ctx.c) ----------------------------------------- */

/* Prepare a read-only query; binds the NULL-terminated list of texts to
 * ?1, ?2, ... On failure prints and returns the code. */
int node_sql(struct node_ctx *ctx, struct sqlite3_stmt **st, const char *sql, ...);
/* Start the run's write transaction (node_open() does, for a command
 * with APP_WRITES); waits for another writer up to the store's busy
 * time, then prints that the database is busy and returns -EBUSY. */
int node_write_begin(struct node_ctx *ctx);
/* One local commit of the writes, in the run's write transaction when
 * one is open (durable at node_write_end), else durable at once. On
 * failure prints why. */
int node_commit_add(struct node_ctx *ctx, const char *scope, const struct crdt_write *w, size_t n);
/* Make the run's write transaction durable (nothing to do outside one).
 * On failure prints why; nothing of it was written. */
int node_write_end(struct node_ctx *ctx);
/* node_commit_add() then node_write_end(): on disk when it returns 0. */
int node_commit(struct node_ctx *ctx, const char *scope, const struct crdt_write *w, size_t n);

/* ---- formats (output.c) ------------------------------------------------ */

/* s cut to at most maxw display columns, "..." marking the cut. */
void node_trunc_width(const char *s, size_t maxw, char *out, size_t n);
/* What a person typed, safe to echo in a message: control characters
 * (C0, DEL, C1) and bytes that are not UTF-8 written as \x1b, \u0085,
 * and cut to NODE_ECHO_COLS display columns, "..." marking the cut. out
 * holds n bytes (NODE_ECHO_MAX always suffices). */
#define NODE_ECHO_COLS 64
#define NODE_ECHO_MAX (4 * NODE_ECHO_COLS + 4)
void node_echo(const char *s, char *out, size_t n);

/* ---- output (output.c) ------------------------------------------------ */

#define NODE_TABLE_COLS 32

/* A table printed with columns aligned by display width (CJK = 2). */
struct node_table {
	size_t ncols;
	const char *head[NODE_TABLE_COLS];
	bool right[NODE_TABLE_COLS]; /* right-align (numbers) */
	char **cells;                /* nrows * ncols, owned */
	size_t nrows, cap;
	int err;
	FILE *csv;                   /* set: rows go out as CSV at once, never held (list.c) */
};
void node_table_init(struct node_table *t, size_t ncols, const char *const *head);
void node_table_row(struct node_table *t, const char *const *cells);
struct node_json;
/* Start a list command: a table of ncols columns with these headings, and
 * with --json the object {"key": [ ... that node_list_end() closes. */
void node_list_begin(struct node_ctx *ctx, struct node_json *j, struct node_table *t, size_t ncols,
		     const char *const *head, const char *key);
/* Finish a list command: close the JSON array and object it opened, or
 * print the table, or say `empty` when it has no rows; releases t. */
void node_list_end(struct node_ctx *ctx, struct node_json *j, struct node_table *t, size_t n,
		   enum node_msg_id empty);
void node_table_print(const struct node_table *t, FILE *f);
/* A size for people: "1.3 MB (1348572 B)", "12.0 KB (12288 B)", "900 B". */
void node_bytes_fmt(uint64_t n, char *out, size_t len);
void node_table_release(struct node_table *t);

/* Compact JSON to a FILE; commas are placed for the caller. */
struct node_json {
	FILE *f;
	int depth;
	bool first[32];
	bool after_key;
};
void node_json_init(struct node_json *j, FILE *f);
void node_json_obj(struct node_json *j);     /* { */
void node_json_arr(struct node_json *j);     /* [ */
void node_json_end_obj(struct node_json *j); /* } ; a newline at depth 0 */
void node_json_end_arr(struct node_json *j);
void node_json_key(struct node_json *j, const char *k);
void node_json_str(struct node_json *j, const char *s); /* NULL: null */
void node_json_int(struct node_json *j, int64_t v);
void node_json_real(struct node_json *j, double v);
void node_json_bool(struct node_json *j, bool v);
void node_json_null(struct node_json *j);
/* A value already encoded as JSON. */
void node_json_raw(struct node_json *j, const char *json);
/* key + value shorthands */
void node_json_kstr(struct node_json *j, const char *k, const char *s);
void node_json_kint(struct node_json *j, const char *k, int64_t v);
void node_json_kreal(struct node_json *j, const char *k, double v);

void node_csv_field(FILE *f, const char *s, bool last);

/* ---- what reports and lists share (list.c, issue 17 reports) ----------- */

struct app_range;
struct app_page;
/* --format table|json|csv: ctx->json or ctx->csv; ERR_USAGE said. */
int node_format_take(struct node_ctx *ctx, const struct node_args *a);
/* --from/--to (app/range.h); a refusal said, ERR_USAGE. */
int node_range_take(struct node_ctx *ctx, const struct node_args *a, struct app_range *r);
/* --limit/--page: 50 lines by default for a table on a terminal, else all. */
int node_page_take(struct node_ctx *ctx, const struct node_args *a, struct app_page *p);
/* CSV of table t: the BOM and the headings (sets t->csv), then each row. */
void node_csv_begin(struct node_table *t);
void node_csv_row(struct node_table *t, const char *const *cells);
/* The page in a list's JSON object ("total", "offset", "limit"). */
void node_page_json(struct node_json *j, const struct app_page *p);
/* node_list_end() for a list that pages: the page in JSON, the line
 * under the table. */
void node_list_end_page(struct node_ctx *ctx, struct node_json *j, struct node_table *t, size_t n,
			enum node_msg_id empty, const struct app_page *p);
/* Under a table: which rows were shown and how to see more. */
void node_page_say(struct node_ctx *ctx, const struct app_page *p, size_t n);

/* ---- command handlers ------------------------------------------------- */

int node_cmd_init(struct node_ctx *ctx, const struct node_args *a);
int node_cmd_status(struct node_ctx *ctx, int argc, char **argv);
int node_cmd_digest(struct node_ctx *ctx, int argc, char **argv);
int node_cmd_log(struct node_ctx *ctx, int argc, char **argv);
int node_cmd_doctor(struct node_ctx *ctx, int argc, char **argv);
int node_cmd_station_add(struct node_ctx *ctx, const struct node_args *a);
int node_cmd_station_list(struct node_ctx *ctx, const struct node_args *a);

int node_cmd_volunteer_add(struct node_ctx *ctx, const struct node_args *a);
int node_cmd_volunteer_set(struct node_ctx *ctx, const struct node_args *a);
int node_cmd_volunteer_list(struct node_ctx *ctx, const struct node_args *a);
int node_cmd_volunteer_show(struct node_ctx *ctx, const struct node_args *a);
int node_cmd_volunteer_import(struct node_ctx *ctx, const struct node_args *a);

/* Orders, points and settings (cmd_order.c, cmd_points.c): run commands. */
int node_cmd_order_add(struct node_ctx *ctx, const struct node_args *a);
int node_cmd_order_dispatch(struct node_ctx *ctx, const struct node_args *a);
int node_cmd_order_accept(struct node_ctx *ctx, const struct node_args *a);
int node_cmd_order_done(struct node_ctx *ctx, const struct node_args *a);
int node_cmd_order_rate(struct node_ctx *ctx, const struct node_args *a);
int node_cmd_order_cancel(struct node_ctx *ctx, const struct node_args *a);
int node_cmd_order_list(struct node_ctx *ctx, const struct node_args *a);
int node_cmd_order_show(struct node_ctx *ctx, const struct node_args *a);
int node_cmd_points_balance(struct node_ctx *ctx, const struct node_args *a);
int node_cmd_points_history(struct node_ctx *ctx, const struct node_args *a);
int node_cmd_points_redeem(struct node_ctx *ctx, const struct node_args *a);
int node_cmd_settings_show(struct node_ctx *ctx, const struct node_args *a);
/* The gift shelf (cmd_gift.c); node_gift_redeem is points redeem --gift. */
int node_cmd_gift_list(struct node_ctx *ctx, const struct node_args *a);
int node_cmd_gift_add(struct node_ctx *ctx, const struct node_args *a);
int node_cmd_gift_set(struct node_ctx *ctx, const struct node_args *a);
int node_cmd_gift_restock(struct node_ctx *ctx, const struct node_args *a);
int node_cmd_gift_retire(struct node_ctx *ctx, const struct node_args *a);
int node_gift_redeem(struct node_ctx *ctx, const struct node_args *a);
int node_cmd_settings_set(struct node_ctx *ctx, const struct node_args *a);
/* A word of app/ said in the language: an order's status ("done": 已完成),
 * an order's move (app_order_move_name: "done": 完成), a volunteer's
 * status ("left": 退出). An unknown order status is M_ST_UNKNOWN, any
 * other unknown word s itself. */
enum node_word { NODE_WORD_NONE, NODE_WORD_STATUS, NODE_WORD_MOVE, NODE_WORD_VSTATUS,
		 NODE_WORD_ACT /* an activity's person state, or "hub" as its home (issue 17) */ };
const char *node_word(enum node_lang lang, enum node_word kind, const char *s);
/* A run command of exactly one positional argument (else ERR_USAGE with
 * need, which names the command): then open the home. */
int node_args_one(struct node_ctx *ctx, const struct node_args *a, enum node_msg_id need);
/* Say why an app/ call that names a volunteer (app/find.h) failed, and
 * when the name or phone matched several, list them (id, name, masked
 * phone, station) to stderr from f. Returns rc. */
struct app_volunteer_found;
int node_fail_found(struct node_ctx *ctx, int rc, const struct app_volunteer_found *f);

int node_cmd_report(struct node_ctx *ctx, const struct node_args *a);
/* The web pages' login accounts (cmd_account.c). */
int node_cmd_account_set(struct node_ctx *ctx, const struct node_args *a);
int node_cmd_account_remove(struct node_ctx *ctx, const struct node_args *a);
int node_cmd_account_list(struct node_ctx *ctx, const struct node_args *a);
/* Teams, hours and recognition (cmd_team.c, issue 17). */
int node_cmd_team_add(struct node_ctx *ctx, const struct node_args *a);
int node_cmd_team_list(struct node_ctx *ctx, const struct node_args *a);
int node_cmd_team_show(struct node_ctx *ctx, const struct node_args *a);
int node_cmd_team_join(struct node_ctx *ctx, const struct node_args *a);
int node_cmd_team_leave(struct node_ctx *ctx, const struct node_args *a);
int node_cmd_points_adjust(struct node_ctx *ctx, const struct node_args *a);
int node_cmd_hours_add(struct node_ctx *ctx, const struct node_args *a);
/* The service menu (cmd_category.c, issue 17). */
int node_cmd_category_list(struct node_ctx *ctx, const struct node_args *a);
int node_cmd_category_add(struct node_ctx *ctx, const struct node_args *a);
int node_cmd_category_set(struct node_ctx *ctx, const struct node_args *a);
int node_cmd_category_retire(struct node_ctx *ctx, const struct node_args *a);
/* Activities with check-in (cmd_activity.c, issue 17). */
int node_cmd_activity_add(struct node_ctx *ctx, const struct node_args *a);
int node_cmd_activity_list(struct node_ctx *ctx, const struct node_args *a);
int node_cmd_activity_show(struct node_ctx *ctx, const struct node_args *a);
int node_cmd_activity_signup(struct node_ctx *ctx, const struct node_args *a);
int node_cmd_activity_cancel(struct node_ctx *ctx, const struct node_args *a);
int node_cmd_activity_checkin(struct node_ctx *ctx, const struct node_args *a);
int node_cmd_activity_checkout(struct node_ctx *ctx, const struct node_args *a);
int node_cmd_activity_close(struct node_ctx *ctx, const struct node_args *a);
/* Today's activities for status, and the counts for report (no output
 * when there are none). */
void node_activity_status(struct node_ctx *ctx);
void node_activity_report(struct node_ctx *ctx, int64_t from, int64_t to);
/* status --json: "activities_today", the activities of today as in
 * activity list --json. */
void node_activity_status_json(struct node_ctx *ctx, struct node_json *j);
/* report --top [--period month|quarter] [--by county|station|town] */
int node_report_top(struct node_ctx *ctx, const char *period, const char *by,
		    const struct app_range *range);
int node_run_backup(struct node_ctx *ctx, const struct node_args *a);  /* cmd_backup.c */
int node_run_restore(struct node_ctx *ctx, const struct node_args *a);
int node_run_bundle_export(struct node_ctx *ctx, const struct node_args *a); /* cmd_bundle.c */
int node_run_bundle_import(struct node_ctx *ctx, const struct node_args *a);
int node_cmd_enroll_request(struct node_ctx *ctx, const struct node_args *a); /* cmd_enroll.c */
int node_cmd_enroll_sign(struct node_ctx *ctx, const struct node_args *a);
int node_cmd_enroll_accept(struct node_ctx *ctx, const struct node_args *a);
int node_cmd_enroll_revoke(struct node_ctx *ctx, const struct node_args *a);
int node_cmd_enroll_code(struct node_ctx *ctx, const struct node_args *a);
int node_cmd_enroll_keys(struct node_ctx *ctx, const struct node_args *a);
int node_cmd_join(struct node_ctx *ctx, const struct node_args *a);
/* init --role hub: make (or load) the county root key, enrol this hub
 * (app_hub_enrol); prints why on failure. */
int node_hub_enrol(struct node_ctx *ctx, const char *county_key);
int node_cmd_serve(struct node_ctx *ctx, int argc, char **argv);   /* cmd_serve.c */
int node_cmd_sync(struct node_ctx *ctx, int argc, char **argv);    /* cmd_sync.c */
int node_cmd_linksim(struct node_ctx *ctx, int argc, char **argv); /* cmd_linksim.c */
int node_cmd_lora_bridge(struct node_ctx *ctx, int argc, char **argv); /* cmd_lora.c */

int node_run_recover(struct node_ctx *ctx, const struct node_args *a); /* cmd_recover.c */

/* ---- the clock in words (cmd_clock.c, cmd_rescue.c) ------------------- */

/* The message naming where a bound comes from, and a verdict. */
enum node_msg_id node_clock_src_msg(enum crdt_time_src s);
enum node_msg_id node_clock_verdict_msg(enum crdt_time_verdict v);
int node_clock_rescue(struct node_ctx *ctx, bool replay);
int node_cmd_clock(struct node_ctx *ctx, int argc, char **argv);
int node_cmd_compact(struct node_ctx *ctx, int argc, char **argv);

/* ---- micro-wishes (cmd_wish.c, issue 17) ------------------------------ */
struct app_order;
int node_cmd_wish_add(struct node_ctx *ctx, const struct node_args *a);
int node_cmd_wish_list(struct node_ctx *ctx, const struct node_args *a);
int node_cmd_wish_show(struct node_ctx *ctx, const struct node_args *a);
int node_cmd_wish_claim(struct node_ctx *ctx, const struct node_args *a);
int node_cmd_wish_release(struct node_ctx *ctx, const struct node_args *a);
int node_cmd_wish_done(struct node_ctx *ctx, const struct node_args *a);
/* order show of a wish: shown as wish show shows it. */
int node_wish_show_id(struct node_ctx *ctx, const char *id);
/* "服务" or "微心愿": an order's kind in words. */
const char *node_kind_name(const struct node_ctx *ctx, const char *kind);
/* A wish's state in words (待认领, 已认领, 已圆梦 ...) for an order status. */
const char *node_wish_state(const struct node_ctx *ctx, const char *status);

#endif
