// SPDX-License-Identifier: MIT
/*
 * cmd_account.c - the web pages' login accounts on the command line:
 * account set (a PIN and a role), account remove, account list. The PIN
 * is read from standard input or --pin-file, never from argv (which any
 * user of the board can see in ps); the rules are app/account.c's.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <termios.h>
#include <unistd.h>
#include <sodium.h>

#include "base/err.h"
#include "app/account.h"
#include "app/find.h"
#include "node/node.h"

/* The first line of f into pin (cap n), without its end of line. */
static int node_pin_line(FILE *f, char *pin, size_t n)
{
	if (!fgets(pin, (int)n, f))
		return ERR_NOTFOUND;
	pin[strcspn(pin, "\r\n")] = '\0';
	return 0;
}

/* The PIN from --pin-file or standard input (echo off on a terminal). */
static int node_pin_read(struct node_ctx *ctx, const char *file, char *pin, size_t n)
{
	int rc;
	if (file) {
		FILE *f = fopen(file, "r");
		if (!f) {
			rc = -errno;
			return node_fail(ctx, rc, M_FILE_OPEN, file, node_reason(ctx->lang, rc));
		}
		rc = node_pin_line(f, pin, n);
		fclose(f);
	} else if (isatty(STDIN_FILENO)) {
		struct termios old, quiet;
		bool tty = tcgetattr(STDIN_FILENO, &old) == 0;
		node_fsay(stderr, ctx->lang, M_ACCOUNT_PIN_PROMPT);
		if (tty) {
			quiet = old;
			quiet.c_lflag &= ~(tcflag_t)ECHO;
			tcsetattr(STDIN_FILENO, TCSAFLUSH, &quiet);
		}
		rc = node_pin_line(stdin, pin, n);
		if (tty)
			tcsetattr(STDIN_FILENO, TCSAFLUSH, &old);
	} else {
		rc = node_pin_line(stdin, pin, n);
	}
	return rc ? node_fail(ctx, ERR_USAGE, M_ACCOUNT_PIN_READ) : 0;
}

int node_cmd_account_set(struct node_ctx *ctx, const struct node_args *a)
{
	const char *who = node_arg(a, "volunteer"), *phone = node_arg(a, "phone"),
		   *name = node_arg(a, "name"), *role_s = node_arg(a, "role");
	struct app_volunteer_found f;
	enum app_role role;
	char pin[64] = "", masked[64];
	const char *vid = "";
	int rc;

	if ((who && (phone || name)) || (!who && (!phone || !name)))
		return node_fail(ctx, ERR_USAGE, M_ACCOUNT_NEEDS_WHO);
	if (!role_s)
		return node_fail(ctx, ERR_USAGE, M_ACCOUNT_NEEDS_ROLE);
	if ((rc = app_role_parse(&ctx->app, role_s, &role)))
		return node_fail_app(ctx, rc);
	if ((rc = node_pin_read(ctx, node_arg(a, "pin-file"), pin, sizeof(pin))))
		goto out;
	if ((rc = app_pin_check(&ctx->app, pin))) { /* before anything is opened */
		rc = node_fail_app(ctx, rc);
		goto out;
	}
	if ((rc = node_open(ctx)))
		goto out;
	if (who) {
		if ((rc = app_volunteer_find_held(&ctx->app, who, &f))) {
			rc = node_fail_found(ctx, rc, &f);
			goto out;
		}
		vid = f.c[0].id;
		phone = f.c[0].phone;
		name = f.c[0].name;
	}
	if ((rc = app_account_set(&ctx->app, phone, vid, name, role, pin))) {
		rc = node_fail_app(ctx, rc);
		goto out;
	}
	app_phone_mask(phone, masked, sizeof(masked));
	if (ctx->json) {
		struct node_json j;
		node_json_init(&j, stdout);
		node_json_obj(&j);
		node_json_kstr(&j, "phone", masked);
		node_json_kstr(&j, "volunteer", vid[0] ? vid : NULL);
		node_json_kstr(&j, "name", name);
		node_json_kstr(&j, "role", app_role_name(role));
		node_json_end_obj(&j);
	} else {
		node_say(ctx, M_ACCOUNT_SET_DONE, name, masked, vid[0] ? vid : "-", app_role_name(role));
	}
out:
	sodium_memzero(pin, sizeof(pin));
	return rc;
}

int node_cmd_account_remove(struct node_ctx *ctx, const struct node_args *a)
{
	char masked[64];
	int rc = node_args_one(ctx, a, M_HELP_ACCOUNT_REMOVE);
	if (rc)
		return rc;
	if ((rc = app_account_remove(&ctx->app, a->pos[0])))
		return node_fail_app(ctx, rc);
	app_phone_mask(a->pos[0], masked, sizeof(masked));
	if (ctx->json) {
		struct node_json j;
		node_json_init(&j, stdout);
		node_json_obj(&j);
		node_json_kstr(&j, "removed", masked);
		node_json_end_obj(&j);
	} else {
		node_say(ctx, M_ACCOUNT_REMOVED, masked);
	}
	return 0;
}

/* account list: the file read through the same lock, one row each. */
struct node_account_list {
	struct node_ctx *ctx;
	struct node_json j;
	struct node_table t;
	size_t n;
};

static int node_account_row(void *arg, const struct app_account *x)
{
	struct node_account_list *l = arg;
	char masked[64];
	bool locked = x->locked_until > l->ctx->app.now_ms;
	app_phone_mask(x->phone, masked, sizeof(masked));
	l->n++;
	if (l->ctx->json) {
		node_json_obj(&l->j);
		node_json_kstr(&l->j, "phone", masked);
		node_json_kstr(&l->j, "name", x->name);
		node_json_kstr(&l->j, "volunteer", x->volunteer[0] ? x->volunteer : NULL);
		node_json_kstr(&l->j, "role", app_role_name(x->role));
		node_json_kint(&l->j, "wrong_pins", x->fails);
		node_json_key(&l->j, "locked");
		node_json_bool(&l->j, locked);
		node_json_end_obj(&l->j);
		return 0;
	}
	char fails[16];
	snprintf(fails, sizeof(fails), "%u", x->fails);
	const char *cells[] = { masked, x->name, x->volunteer[0] ? x->volunteer : "-",
				app_role_name(x->role), fails, locked ? node_msg(l->ctx->lang, M_ACCOUNT_LOCKED_WORD) : "-" };
	node_table_row(&l->t, cells);
	return 0;
}

int node_cmd_account_list(struct node_ctx *ctx, const struct node_args *a)
{
	struct node_account_list l = { .ctx = ctx };
	const char *head[] = { node_msg(ctx->lang, M_COL_PHONE), node_msg(ctx->lang, M_COL_NAME),
			       node_msg(ctx->lang, M_COL_ID),	 node_msg(ctx->lang, M_COL_ROLE),
			       node_msg(ctx->lang, M_COL_WRONG_PINS), node_msg(ctx->lang, M_COL_STATUS) };
	int rc;
	if ((rc = node_format_take(ctx, a)) || (rc = node_open(ctx))) /* --format csv (list.c) */
		return rc;
	node_list_begin(ctx, &l.j, &l.t, 6, head, "accounts");
	rc = app_account_each(&ctx->app, node_account_row, &l);
	if (rc) {
		node_table_release(&l.t);
		return node_fail_app(ctx, rc);
	}
	node_list_end(ctx, &l.j, &l.t, l.n, M_ACCOUNT_NONE);
	return 0;
}
