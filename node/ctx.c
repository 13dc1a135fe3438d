// SPDX-License-Identifier: MIT
/*
 * ctx.c - the run's context: home directory, opening the replica, options,
 * messages and exit codes, ids, commits and county settings.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sqlite3.h>

#include "base/err.h"
#include "node/node.h"

void node_ctx_init(struct node_ctx *ctx)
{
	memset(ctx, 0, sizeof(*ctx));
}

void node_ctx_release(struct node_ctx *ctx)
{
	if (ctx->writing) /* a command that failed, or wrote nothing */
		crdt_store_abort(ctx->store);
	ctx->writing = false;
	sync_ctx_free(ctx->sync); /* removes the sealer: before the store goes */
	ctx->sync = NULL;
	crdt_store_close(ctx->store);
	ctx->store = NULL;
	sync_dict_free(ctx->dict);
	ctx->dict = NULL;
	sync_identity_release(&ctx->id);
	node_trust_release(ctx);
	node_mark_free(ctx);
}

extern const unsigned char node_dict_v1[];
extern const size_t node_dict_v1_len;

/* The sync context: what this node merges (a station: its own scope and
 * the county-wide one; the hub: everything), carrying the rest to relay. */
static int node_sync_open(struct node_ctx *ctx)
{
	struct sync_options opt;
	int rc;

	memset(&opt, 0, sizeof(opt));
	if ((rc = sync_dict_new(&ctx->dict, node_dict_v1, node_dict_v1_len)))
		return rc;
	opt.dict = ctx->dict;
	if (ctx->hub) {
		opt.apply.all = true;
	} else if ((rc = sync_scopes_add(&opt.apply, ctx->conf.station)) ||
		   (rc = sync_scopes_add(&opt.apply, ""))) {
		return rc;
	}
	opt.carry_others = true;
	if ((rc = node_trust_open(ctx, &opt)))
		return rc;
	return sync_ctx_new(&ctx->sync, ctx->store, &ctx->id, &opt);
}

void node_path(const struct node_ctx *ctx, char *out, size_t n, const char *file)
{
	snprintf(out, n, "%s/%s", ctx->home, file);
}

const char *node_id_prefix(const struct node_ctx *ctx)
{
	return ctx->hub ? "hub" : ctx->conf.station;
}

/* Once enrolled, who this node is comes from the county's statement
 * (node.cert), not from node.conf: a file that says another station or
 * role is refused, naming its line, before anything is read or written. */
static int node_conf_agrees(struct node_ctx *ctx, const char *path)
{
	struct sync_statement st;
	if (!ctx->cert || sync_statement_decode(ctx->cert, ctx->cert_len, &st))
		return 0; /* not enrolled (a bad certificate is refused by sync_ctx_new) */
	const char *role = st.role == SYNC_ROLE_HUB ? "hub" : "station";
	if (strcmp(st.station, ctx->conf.station) != 0)
		return node_fail(ctx, ERR_CONFLICT, M_CONF_NOT_STATEMENT, path, ctx->conf.station_line,
				 "station", ctx->conf.station, "station", st.station, "station", st.station);
	if (strcmp(role, ctx->conf.role) != 0)
		return node_fail(ctx, ERR_CONFLICT, M_CONF_NOT_STATEMENT, path, ctx->conf.role_line,
				 "role", ctx->conf.role, "role", role, "role", role);
	return 0;
}

int node_open(struct node_ctx *ctx)
{
	char path[NODE_PATH_MAX + 32];
	int rc;

	if (ctx->store)
		return 0;
	node_path(ctx, path, sizeof(path), "node.conf");
	rc = node_conf_read(path, &ctx->conf);
	if (rc == ERR_NOTFOUND)
		return node_fail(ctx, rc, M_NO_HOME, ctx->home);
	if (rc)
		return node_fail(ctx, rc, M_CONF_BAD, path);
	ctx->hub = strcmp(ctx->conf.role, "hub") == 0;
	if ((rc = node_replica_open(ctx)) || (rc = node_conf_agrees(ctx, path)) ||
	    (rc = node_mark_check(ctx))) /* before the write transaction: reads durable M */
		return rc;
	/* A node that learned it was revoked stops syncing and says so. */
	if (sync_ctx_revoked(ctx->sync) && ctx->cmd &&
	    (strcmp(ctx->cmd->group, "bundle") == 0 || strcmp(ctx->cmd->group, "sync") == 0 ||
	     strcmp(ctx->cmd->group, "serve") == 0))
		return node_fail(ctx, ERR_REVOKED, M_TRUST_REVOKED);
	if (ctx->cmd && ctx->cmd->access == NODE_WRITES)
		return node_write_begin(ctx);
	return 0;
}

int node_replica_open(struct node_ctx *ctx)
{
	char path[NODE_PATH_MAX + 32];
	int rc;

	node_path(ctx, path, sizeof(path), "identity.key");
	if (!(rc = sync_init()))
		rc = sync_identity_load(&ctx->id, path);
	if (rc)
		return node_fail(ctx, rc, rc == ERR_NOTFOUND ? M_KEY_MISSING : M_KEY_BAD, path);
	memcpy(ctx->author, ctx->id.pk, CRDT_AUTHOR_LEN);
	node_path(ctx, path, sizeof(path), "replica.db");
	rc = crdt_store_open(&ctx->store, path, ctx->author, NULL);
	if (rc)
		return node_fail(ctx, rc, M_DB_OPEN, path, node_reason(ctx->lang, rc));
	if ((rc = node_sync_open(ctx)))
		return node_fail(ctx, rc, M_DB_OPEN, path, node_reason(ctx->lang, rc));
	return 0;
}

int node_parse_id(struct node_ctx *ctx, int argc, char **argv, struct node_opt *op, size_t nop,
		  enum node_msg_id need, const char **id)
{
	const char *pos[1];
	size_t npos;
	*id = NULL;
	int rc = node_opts_parse(ctx, argc, argv, op, nop, pos, 1, &npos);
	if (rc)
		return rc;
	if (npos != 1) {
		char what[64];
		snprintf(what, sizeof(what), "%s %s", ctx->cmd ? ctx->cmd->group : "",
			 ctx->cmd && ctx->cmd->verb ? ctx->cmd->verb : "");
		return node_fail(ctx, ERR_USAGE, need, what);
	}
	if ((rc = node_open(ctx)))
		return rc;
	*id = pos[0];
	return 0;
}

/* ---- messages --------------------------------------------------------- */

void node_say(const struct node_ctx *ctx, enum node_msg_id id, ...)
{
	va_list ap;
	va_start(ap, id);
	vfprintf(stdout, node_msg(ctx->lang, id), ap);
	va_end(ap);
}

void node_fsay(FILE *f, enum node_lang lang, enum node_msg_id id, ...)
{
	va_list ap;
	va_start(ap, id);
	vfprintf(f, node_msg(lang, id), ap);
	va_end(ap);
}

int node_fail(struct node_ctx *ctx, int rc, enum node_msg_id id, ...)
{
	va_list ap;
	fputs(node_msg(ctx->lang, M_ERROR_PREFIX), stderr);
	va_start(ap, id);
	vfprintf(stderr, node_msg(ctx->lang, id), ap);
	va_end(ap);
	ctx->said = true;
	return rc;
}

int node_fail_store(struct node_ctx *ctx, int rc)
{
	if (rc == -ENOSPC)
		return node_fail(ctx, rc, M_DISK_FULL, ctx->home);
	if (rc == -EBUSY)
		return node_fail(ctx, rc, M_DB_BUSY);
	return node_fail(ctx, rc, M_DB_ERROR, node_reason(ctx->lang, rc));
}

int node_exit_code(int rc)
{
	switch (rc) {
	case 0:
		return NODE_EXIT_OK;
	case ERR_USAGE:
		return NODE_EXIT_USAGE;
	case ERR_RULE:
	case ERR_EXISTS:
	case ERR_UNAUTH:
	case ERR_CONFLICT:
	case ERR_CLOCK:
	case ERR_REVOKED:
		return NODE_EXIT_REFUSED;
	case ERR_NOTFOUND:
		return NODE_EXIT_NOTFOUND;
	case ERR_STORAGE:
	case ERR_CORRUPT:
	case ERR_SCHEMA:
	case -EIO:
	case -ENOSPC:
	case -EBUSY:
		return NODE_EXIT_STORAGE;
	default:
		return NODE_EXIT_OTHER;
	}
}

/* ---- options ---------------------------------------------------------- */

void node_usage_print(const struct node_ctx *ctx, FILE *f, const struct node_cmd *cmd)
{
	fputs(node_msg(ctx->lang, cmd->help), f);
	fputs(node_msg(ctx->lang, M_HELP_COMMON), f);
}

static int node_opt_usage(struct node_ctx *ctx, enum node_msg_id id, const char *arg)
{
	node_fail(ctx, ERR_USAGE, id, arg);
	if (ctx->cmd)
		node_fsay(stderr, ctx->lang, M_SEE_HELP, ctx->cmd->group,
			ctx->cmd->verb ? " " : "", ctx->cmd->verb ? ctx->cmd->verb : "");
	return ERR_USAGE;
}

int node_opts_parse(struct node_ctx *ctx, int argc, char **argv, struct node_opt *opts,
		    size_t nopts, const char **pos, size_t maxpos, size_t *npos)
{
	*npos = 0;
	bool help = false, dashdash = false;
	for (int i = 0; i < argc; i++) {
		const char *a = argv[i];
		if (dashdash || a[0] != '-' || a[1] != '-' || a[2] == '\0') {
			if (!dashdash && strcmp(a, "--") == 0) {
				dashdash = true;
				continue;
			}
			if (!dashdash && a[0] == '-' && a[1] != '\0' && strcmp(a, "-h") != 0 &&
			    !(a[1] >= '0' && a[1] <= '9'))
				return node_opt_usage(ctx, M_BAD_OPTION, a);
			if (strcmp(a, "-h") == 0 && !dashdash) {
				help = true;
				continue;
			}
			if (*npos >= maxpos)
				return node_opt_usage(ctx, M_EXTRA_ARG, a);
			pos[(*npos)++] = a;
			continue;
		}
		const char *name = a + 2, *eq = strchr(name, '=');
		size_t len = eq ? (size_t)(eq - name) : strlen(name);
		const char *val = eq ? eq + 1 : NULL;
		if (len == 4 && strncmp(name, "help", 4) == 0) {
			help = true;
			continue;
		}
		if (len == 4 && strncmp(name, "json", 4) == 0 && !val) {
			ctx->json = true;
			continue;
		}
		if (len == 4 && strncmp(name, "home", 4) == 0) {
			if (!val && i + 1 < argc)
				val = argv[++i];
			if (!val || !*val)
				return node_opt_usage(ctx, M_OPT_NEEDS_VALUE, a);
			snprintf(ctx->home, sizeof(ctx->home), "%s", val);
			ctx->home_set = true;
			continue;
		}
		struct node_opt *o = NULL;
		for (size_t k = 0; k < nopts; k++)
			if (strlen(opts[k].name) == len && strncmp(opts[k].name, name, len) == 0)
				o = &opts[k];
		if (!o)
			return node_opt_usage(ctx, M_BAD_OPTION, a);
		if (o->arg) {
			if (!val && i + 1 < argc)
				val = argv[++i];
			if (!val)
				return node_opt_usage(ctx, M_OPT_NEEDS_VALUE, a);
			o->val = val;
		} else {
			if (val)
				return node_opt_usage(ctx, M_OPT_NO_VALUE, a);
			o->val = "1";
		}
	}
	if (help) {
		if (ctx->cmd)
			node_usage_print(ctx, stdout, ctx->cmd);
		return 1;
	}
	return 0;
}

const char *node_opt_get(const struct node_opt *opts, size_t nopts, const char *name)
{
	for (size_t k = 0; k < nopts; k++)
		if (strcmp(opts[k].name, name) == 0)
			return opts[k].val;
	return NULL;
}

/* ---- storage helpers -------------------------------------------------- */

int node_sql(struct node_ctx *ctx, sqlite3_stmt **st, const char *sql, ...)
{
	va_list ap;
	const char *s;
	int i = 1;
	int rc = sqlite3_prepare_v2(crdt_store_db(ctx->store), sql, -1, st, NULL);
	if (rc != SQLITE_OK) {
		*st = NULL;
		return node_fail(ctx, ERR_STORAGE, M_DB_ERROR, sqlite3_errmsg(crdt_store_db(ctx->store)));
	}
	va_start(ap, sql);
	while ((s = va_arg(ap, const char *)) != NULL)
		sqlite3_bind_text(*st, i++, s, -1, SQLITE_TRANSIENT);
	va_end(ap);
	return 0;
}

void node_col_text(sqlite3_stmt *st, int i, char *out, size_t n)
{
	const unsigned char *p = sqlite3_column_text(st, i);
	snprintf(out, n, "%s", p ? (const char *)p : "");
}

int node_id_max(struct node_ctx *ctx, const char *table, char letter, int64_t *max)
{
	char prefix[CRDT_SCOPE_MAX + 8], sql[256];
	sqlite3_stmt *st;
	int rc;

	*max = 0;
	snprintf(prefix, sizeof(prefix), "%s-%c", node_id_prefix(ctx), letter);
	/* Tombstones count too: an id is never given out twice. */
	snprintf(sql, sizeof(sql),
		 "SELECT max(CAST(substr(pk, length(?1) + 1) AS INTEGER)) FROM \"%s\""
		 " WHERE substr(pk, 1, length(?1)) = ?1 AND length(pk) > length(?1)"
		 " AND substr(pk, length(?1) + 1) NOT GLOB '*[^0-9]*'",
		 table);
	if ((rc = node_sql(ctx, &st, sql, prefix, NULL)))
		return rc;
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW)
		*max = sqlite3_column_int64(st, 0);
	sqlite3_finalize(st);
	/* ... nor an id a lost commit may have carried (feedmark.c W5) */
	uint64_t floor = node_mark_id_floor(ctx, letter);
	if (rc == SQLITE_ROW && floor <= INT64_MAX && *max < (int64_t)floor)
		*max = (int64_t)floor;
	return rc == SQLITE_ROW ? 0 : node_fail_store(ctx, ERR_STORAGE);
}

int node_id_next(struct node_ctx *ctx, const char *table, char letter, char *out, size_t n)
{
	int64_t max;
	int rc = node_id_max(ctx, table, letter, &max);
	if (!rc)
		snprintf(out, n, "%s-%c%lld", node_id_prefix(ctx), letter, (long long)(max + 1));
	return rc;
}

int node_write_begin(struct node_ctx *ctx)
{
	if (ctx->writing)
		return 0;
	int rc = crdt_store_begin(ctx->store);
	if (rc)
		return node_fail_store(ctx, rc);
	ctx->writing = true;
	return 0;
}

int node_commit_add(struct node_ctx *ctx, const char *scope, const struct crdt_write *w, size_t n)
{
	struct node_mark_undo undo;
	int rc;
	if (!ctx->clock_ok) { /* before the run's first commit, the HLC too */
		if ((rc = node_clock_check(ctx)))
			return rc;
		ctx->clock_ok = true;
	}
	if ((rc = node_mark_reserve(ctx, scope, w, n, &undo))) /* feedmark.c W1 */
		return rc;
	struct crdt_commit_info info;
	rc = crdt_commit_local(ctx->store, ctx->now_ms, scope, w, n, &info);
	if (rc) {
		node_mark_unreserve(ctx, &undo);
	} else {
		node_mark_journal(ctx, scope, info.seq, w, n);
		if (!ctx->writing)
			node_clock_wrote(ctx);
	}
	if (rc == ERR_SCHEMA || rc == ERR_TOOBIG)
		return node_fail(ctx, ERR_USAGE, M_BAD_VALUE, node_reason(ctx->lang, rc));
	if (rc)
		return node_fail_store(ctx, rc);
	return 0;
}

int node_write_end(struct node_ctx *ctx)
{
	if (!ctx->writing)
		return 0;
	ctx->writing = false;
	int rc = node_mark_flush(ctx); /* feed.mark on disk before the commits (W1) */
	if (rc) {
		crdt_store_abort(ctx->store);
		return rc;
	}
	rc = crdt_store_end(ctx->store); /* rolls back on failure */
	if (rc)
		return node_fail_store(ctx, rc);
	node_clock_wrote(ctx);
	return 0;
}

int node_commit(struct node_ctx *ctx, const char *scope, const struct crdt_write *w, size_t n)
{
	int rc = node_commit_add(ctx, scope, w, n);
	return rc ? rc : node_write_end(ctx);
}

bool node_may_write(const struct node_ctx *ctx, const char *station)
{
	return ctx->hub || strcmp(station, ctx->conf.station) == 0;
}

/* ---- settings --------------------------------------------------------- */

static const double node_star_default[5] = { 100, 300, 600, 1000, 1500 };

int node_settings_load(struct node_ctx *ctx, struct node_settings *s)
{
	sqlite3_stmt *st;
	char key[64], val[256];
	int rc;

	s->points_per_hour = 10;
	memcpy(s->star_hours, node_star_default, sizeof(s->star_hours));
	if ((rc = node_sql(ctx, &st, "SELECT pk, value FROM settings WHERE _dead IS NULL", NULL)))
		return rc;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		node_col_text(st, 0, key, sizeof(key));
		node_col_text(st, 1, val, sizeof(val));
		if (strcmp(key, "points_per_hour") == 0) {
			double d;
			if (node_parse_real(val, 0, 10000, &d) == 0)
				s->points_per_hour = d;
		} else if (strcmp(key, "star_hours") == 0) {
			double h[5];
			int k = 0;
			char *save = NULL;
			for (char *p = strtok_r(val, ",", &save); p && k < 5; p = strtok_r(NULL, ",", &save))
				if (node_parse_real(p, 0, 1e9, &h[k]) == 0)
					k++;
			if (k == 5)
				memcpy(s->star_hours, h, sizeof(h));
		}
	}
	sqlite3_finalize(st);
	return rc == SQLITE_DONE ? 0 : node_fail_store(ctx, ERR_STORAGE);
}

int node_stars(const struct node_settings *s, double hours)
{
	int n = 0;
	for (int i = 0; i < 5; i++)
		if (hours >= s->star_hours[i])
			n = i + 1;
	return n;
}
