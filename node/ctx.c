// SPDX-License-Identifier: MIT
/*
 * ctx.c - the run's context: opening the node for a command (app/), the
 * messages and exit codes, and the options of the command table.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sqlite3.h>

#include "base/err.h"
#include "app/clock.h"
#include "app/mark.h"
#include "node/node.h"

void node_ctx_init(struct node_ctx *ctx)
{
	memset(ctx, 0, sizeof(*ctx));
	app_init(&ctx->app);
}

void node_ctx_release(struct node_ctx *ctx)
{
	app_close(&ctx->app);
}

int node_open(struct node_ctx *ctx)
{
	struct app *a = &ctx->app;
	if (a->store)
		return 0;
	if (ctx->cmd) {
		const char *g = ctx->cmd->group;
		a->access = ctx->cmd->access;
		a->recovering = strcmp(g, "recover") == 0;
		a->no_revoked = strcmp(g, "bundle") == 0 || strcmp(g, "sync") == 0 ||
				strcmp(g, "serve") == 0;
	} else {
		a->access = APP_AUTHORS; /* not known: guarded as a writer */
	}
	int rc = app_open(a);
	if (!ctx->lang_fixed && a->conf.lang[0]) /* --home after the command */
		ctx->lang = strcmp(a->conf.lang, "en") == 0 ? NODE_LANG_EN : NODE_LANG_ZH;
	node_note_app(ctx);
	return rc ? node_fail_app(ctx, rc) : 0;
}

int node_lang_set(struct node_ctx *ctx, const char *v)
{
	if (strcmp(v, "zh") == 0 || strncmp(v, "zh_", 3) == 0)
		ctx->lang = NODE_LANG_ZH;
	else if (strcmp(v, "en") == 0 || strncmp(v, "en_", 3) == 0)
		ctx->lang = NODE_LANG_EN;
	else
		return ERR_USAGE;
	ctx->lang_fixed = true;
	return 0;
}

void node_lang_home(struct node_ctx *ctx)
{
	char path[APP_PATH_MAX + 32];
	struct app_conf c;
	if (ctx->lang_fixed)
		return;
	app_path(&ctx->app, path, sizeof(path), "node.conf");
	if (app_conf_read(path, &c) == 0 && c.lang[0])
		ctx->lang = strcmp(c.lang, "en") == 0 ? NODE_LANG_EN : NODE_LANG_ZH;
}

int node_replica_open(struct node_ctx *ctx)
{
	int rc = app_replica_open(&ctx->app);
	return rc ? node_fail_app(ctx, rc) : 0;
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
	app_fail_store(&ctx->app, rc);
	return node_fail_app(ctx, rc);
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
		if (len == 4 && strncmp(name, "lang", 4) == 0) {
			if (!val && i + 1 < argc)
				val = argv[++i];
			if (!val || node_lang_set(ctx, val) != 0)
				return node_opt_usage(ctx, M_BAD_LANG_OPT, a);
			continue;
		}
		if (len == 4 && strncmp(name, "home", 4) == 0) {
			if (!val && i + 1 < argc)
				val = argv[++i];
			if (!val || !*val)
				return node_opt_usage(ctx, M_OPT_NEEDS_VALUE, a);
			snprintf(ctx->app.home, sizeof(ctx->app.home), "%s", val);
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

/* The options of cmd->opts, one word each: the i-th into name (cap n),
 * *arg when it takes a value. false past the last. */
static bool node_opt_word(const char *opts, size_t i, char *name, size_t n, bool *arg)
{
	const char *p = opts ? opts : "";
	for (size_t k = 0;; k++) {
		p += strspn(p, " ");
		size_t len = strcspn(p, " ");
		if (!len)
			return false;
		if (k == i) {
			*arg = p[len - 1] == '=';
			len -= *arg;
			if (len + 1 > n)
				abort(); /* a name longer than any option: a bug in the table */
			memcpy(name, p, len);
			name[len] = '\0';
			return true;
		}
		p += len;
	}
}

int node_args_parse(struct node_ctx *ctx, const struct node_cmd *cmd, int argc, char **argv,
		    struct node_args *a)
{
	struct node_opt o[NODE_OPTS_MAX];
	char names[NODE_OPTS_MAX][32];
	size_t n = 0;
	bool arg;

	memset(a, 0, sizeof(*a));
	a->cmd = cmd;
	while (node_opt_word(cmd->opts, n, names[n % NODE_OPTS_MAX], sizeof(names[0]), &arg)) {
		if (n == NODE_OPTS_MAX)
			abort(); /* more options than struct node_args holds */
		o[n] = (struct node_opt){ .name = names[n], .arg = arg, .val = NULL };
		n++;
	}
	if (cmd->maxpos > NODE_POS_MAX)
		abort();
	int rc = node_opts_parse(ctx, argc, argv, o, n, a->pos, cmd->maxpos, &a->npos);
	for (size_t i = 0; i < n; i++)
		a->val[i] = o[i].val;
	return rc;
}

const char *node_arg(const struct node_args *a, const char *name)
{
	char w[32];
	bool arg;
	for (size_t i = 0; node_opt_word(a->cmd->opts, i, w, sizeof(w), &arg); i++)
		if (strcmp(w, name) == 0)
			return a->val[i];
	abort(); /* the command's entry does not declare this option */
}

bool node_flag(const struct node_args *a, const char *name)
{
	return node_arg(a, name) != NULL;
}

/* ---- storage helpers ------------------------------------------------- */

int node_sql(struct node_ctx *ctx, sqlite3_stmt **st, const char *sql, ...)
{
	va_list ap;
	va_start(ap, sql);
	int rc = app_sqlv(&ctx->app, st, sql, ap);
	va_end(ap);
	return rc ? node_fail_app(ctx, rc) : 0;
}

int node_write_begin(struct node_ctx *ctx)
{
	int rc = app_write_begin(&ctx->app);
	return rc ? node_fail_app(ctx, rc) : 0;
}

int node_commit_add(struct node_ctx *ctx, const char *scope, const struct crdt_write *w, size_t n)
{
	int rc = app_commit_add(&ctx->app, scope, w, n);
	return rc ? node_fail_app(ctx, rc) : 0;
}

int node_write_end(struct node_ctx *ctx)
{
	int rc = app_write_end(&ctx->app);
	return rc ? node_fail_app(ctx, rc) : 0;
}

int node_commit(struct node_ctx *ctx, const char *scope, const struct crdt_write *w, size_t n)
{
	int rc = node_commit_add(ctx, scope, w, n);
	return rc ? rc : node_write_end(ctx);
}
