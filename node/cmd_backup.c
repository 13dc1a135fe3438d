// SPDX-License-Identifier: MIT
/*
 * cmd_backup.c - `cunlian backup FILE` and `cunlian restore FILE
 * --old-board-dead`: the command line of app/backup.c (the file format,
 * the snapshot, the restore's invariants live there). Here: where the
 * passphrase comes from, and the words.
 *
 * The passphrase comes from --passphrase-file, else $CUNLIAN_PASSPHRASE,
 * else a prompt on the terminal (twice for a new one). Never from the
 * command line, where every user of the board could read it in ps.
 */
#include <errno.h>
#include <fcntl.h>
#include <sodium.h>
#include <stdlib.h>
#include <string.h>
#include <termios.h>
#include <unistd.h>

#include "app/backup.h"
#include "base/err.h"
#include "node/node.h"

/* Read one line from fd into pass (cap bytes), without the newline. */
static int bk_pass_line(int fd, char *pass, size_t cap, size_t *len)
{
	size_t n = 0;
	char c;
	for (;;) {
		ssize_t r = read(fd, &c, 1);
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0)
			return -errno;
		if (r == 0 || c == '\n')
			break;
		if (n + 1 >= cap)
			return ERR_TOOBIG;
		pass[n++] = c;
	}
	if (n && pass[n - 1] == '\r')
		n--;
	pass[n] = '\0';
	*len = n;
	return 0;
}

/* Prompt on the terminal with echo off. */
static int bk_pass_prompt(struct node_ctx *ctx, enum node_msg_id prompt, char *pass, size_t cap,
			  size_t *len)
{
	struct termios old, quiet;
	int fd = open("/dev/tty", O_RDWR | O_CLOEXEC), rc;
	if (fd < 0)
		return -errno;
	const char *p = node_msg(ctx->lang, prompt);
	if (write(fd, p, strlen(p)) < 0) {
		close(fd);
		return -EIO;
	}
	bool restore = tcgetattr(fd, &old) == 0;
	if (restore) {
		quiet = old;
		quiet.c_lflag &= ~(tcflag_t)ECHO;
		quiet.c_lflag |= ECHONL;
		tcsetattr(fd, TCSAFLUSH, &quiet);
	}
	rc = bk_pass_line(fd, pass, cap, len);
	if (restore)
		tcsetattr(fd, TCSAFLUSH, &old);
	close(fd);
	return rc;
}

/* Twice on the terminal, the same both times (a new passphrase). */
static int bk_pass_twice(struct node_ctx *ctx, char *pass, size_t cap, size_t *len)
{
	char *again = sodium_malloc(cap);
	size_t len2 = 0;
	int rc;
	if (!again)
		return -ENOMEM;
	if ((rc = bk_pass_prompt(ctx, M_BK_PROMPT_AGAIN, again, cap, &len2)) || len2 != *len ||
	    sodium_memcmp(again, pass, *len) != 0)
		rc = node_fail(ctx, ERR_USAGE, M_BK_PASS_MISMATCH);
	sodium_free(again);
	return rc;
}

struct bk_pass_src {
	struct node_ctx *ctx;
	const char *file; /* --passphrase-file, or NULL */
};

/* app_pass_fn: the passphrase from the file, the environment or the
 * terminal; says what went wrong itself. */
static int bk_pass_get(struct app *a, void *arg, bool confirm, char *pass, size_t cap, size_t *len)
{
	const struct bk_pass_src *src = arg;
	struct node_ctx *ctx = src->ctx;
	const char *env = getenv("CUNLIAN_PASSPHRASE");
	int rc;
	(void)a;
	if (src->file) {
		int fd = open(src->file, O_RDONLY | O_CLOEXEC);
		if (fd < 0)
			return node_fail(ctx, errno == ENOENT ? ERR_NOTFOUND : -errno, M_BK_PASS_FILE,
					 src->file, node_reason(ctx->lang, -errno));
		rc = bk_pass_line(fd, pass, cap, len);
		close(fd);
		return rc ? node_fail(ctx, ERR_USAGE, M_BK_PASS_FILE, src->file, node_reason(ctx->lang, rc)) : 0;
	}
	if (env && *env) {
		*len = strlen(env);
		if (*len < cap)
			memcpy(pass, env, *len + 1);
		return 0; /* one too long is refused by app_backup (APP_W_BK_PASS_LEN) */
	}
	if (!isatty(STDIN_FILENO) && access("/dev/tty", R_OK | W_OK) != 0)
		return node_fail(ctx, ERR_USAGE, M_BK_NO_PASS);
	if (bk_pass_prompt(ctx, M_BK_PROMPT, pass, cap, len))
		return node_fail(ctx, ERR_USAGE, M_BK_NO_PASS);
	return confirm ? bk_pass_twice(ctx, pass, cap, len) : 0;
}

/* Say why app_backup() or app_restore() failed (the passphrase's source
 * said its own). */
static int bk_fail(struct node_ctx *ctx, int rc)
{
	struct app_fail *f = &ctx->app.fail;
	if (ctx->said)
		return rc;
	if ((f->why == APP_W_BK_FULL) && f->narg == 3 && !f->arg[2][0])
		snprintf(f->arg[2], sizeof(f->arg[2]), "%s", node_msg(ctx->lang, M_FULL_FREE_UNKNOWN));
	return node_fail_app(ctx, rc);
}

int node_run_backup(struct node_ctx *ctx, const struct node_args *a)
{
	struct bk_pass_src src = { ctx, node_arg(a, "passphrase-file") };
	struct app_backup_info info;
	const struct app_conf *c = &ctx->app.conf;
	if (a->npos != 1)
		return node_fail(ctx, ERR_USAGE, M_BK_NEED_FILE, "backup");
	const char *file = a->pos[0];
	int rc = app_backup(&ctx->app, file, bk_pass_get, &src, &info);
	if (rc)
		return bk_fail(ctx, rc);
	if (ctx->json) {
		struct node_json j;
		node_json_init(&j, stdout);
		node_json_obj(&j);
		node_json_kstr(&j, "file", file);
		node_json_kstr(&j, "station", c->station);
		node_json_kstr(&j, "author", info.author);
		node_json_kstr(&j, "digest", info.digest);
		node_json_kint(&j, "bytes", (int64_t)info.bytes);
		node_json_kint(&j, "created_ms", (int64_t)info.created_ms);
		node_json_end_obj(&j);
	} else {
		char bytes[32];
		snprintf(bytes, sizeof(bytes), "%llu", (unsigned long long)info.bytes);
		node_say(ctx, M_BK_DONE, file, bytes, c->name, c->station, info.digest, file);
	}
	return 0;
}

int node_run_restore(struct node_ctx *ctx, const struct node_args *a)
{
	struct bk_pass_src src = { ctx, node_arg(a, "passphrase-file") };
	struct app_backup_info info;
	const struct app_conf *c = &ctx->app.conf;
	if (a->npos != 1)
		return node_fail(ctx, ERR_USAGE, M_BK_NEED_FILE, "restore");
	const char *file = a->pos[0];
	int rc = app_restore(&ctx->app, file, node_flag(a, "old-board-dead"), bk_pass_get, &src, &info);
	if (rc)
		return bk_fail(ctx, rc);
	if (ctx->json) {
		struct node_json j;
		node_json_init(&j, stdout);
		node_json_obj(&j);
		node_json_kstr(&j, "home", ctx->app.home);
		node_json_kstr(&j, "station", c->station);
		node_json_kstr(&j, "name", c->name);
		node_json_kstr(&j, "role", c->role);
		node_json_kstr(&j, "old_author", info.old_author);
		node_json_kstr(&j, "author", info.author);
		node_json_kstr(&j, "digest", info.digest);
		node_json_kint(&j, "backup_created_ms", (int64_t)info.created_ms);
		node_json_end_obj(&j);
	} else {
		char when[32];
		app_time_fmt(info.created_ms, when, sizeof(when));
		node_say(ctx, M_RS_DONE, c->name, c->station, ctx->app.home, when, info.digest,
			 info.old_author, info.author);
		node_say(ctx, M_RS_STEPS, c->station, info.old_author, c->station);
	}
	return 0;
}
