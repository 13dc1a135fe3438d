// SPDX-License-Identifier: MIT
/*
 * main.c - the cunlian program: the table of commands and the dispatcher.
 *
 * To add a command, write its handler (int fn(struct node_ctx *, int argc,
 * char **argv), argv after the command words) in its own node/cmd_*.c,
 * give it a usage message in i18n.c, and add one line to node_cmds below.
 * `cunlian --help` and `cunlian GROUP --help` list the table.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "base/err.h"
#include "node/node.h"

const struct node_cmd node_cmds[] = {
	{ "init", NULL, node_cmd_init, M_HELP_INIT, NODE_AUTHORS },
	{ "status", NULL, node_cmd_status, M_HELP_STATUS, NODE_READS },
	{ "digest", NULL, node_cmd_digest, M_HELP_DIGEST, NODE_READS },
	{ "log", NULL, node_cmd_log, M_HELP_LOG, NODE_READS },
	{ "doctor", NULL, node_cmd_doctor, M_HELP_DOCTOR, NODE_READS },
	{ "clock", NULL, node_cmd_clock, M_HELP_CLOCK, NODE_AUTHORS },
	{ "station", "add", node_cmd_station_add, M_HELP_STATION_ADD, NODE_WRITES },
	{ "station", "list", node_cmd_station_list, M_HELP_STATION_LIST, NODE_READS },
	{ "volunteer", "add", node_cmd_volunteer_add, M_HELP_VOLUNTEER_ADD, NODE_WRITES },
	{ "volunteer", "set", node_cmd_volunteer_set, M_HELP_VOLUNTEER_SET, NODE_WRITES },
	{ "volunteer", "list", node_cmd_volunteer_list, M_HELP_VOLUNTEER_LIST, NODE_READS },
	{ "volunteer", "show", node_cmd_volunteer_show, M_HELP_VOLUNTEER_SHOW, NODE_READS },
	{ "volunteer", "import", node_cmd_volunteer_import, M_HELP_VOLUNTEER_IMPORT, NODE_WRITES },
	{ "order", "add", node_cmd_order_add, M_HELP_ORDER_ADD, NODE_WRITES },
	{ "order", "dispatch", node_cmd_order_dispatch, M_HELP_ORDER_DISPATCH, NODE_WRITES },
	{ "order", "accept", node_cmd_order_accept, M_HELP_ORDER_ACCEPT, NODE_WRITES },
	{ "order", "done", node_cmd_order_done, M_HELP_ORDER_DONE, NODE_WRITES },
	{ "order", "rate", node_cmd_order_rate, M_HELP_ORDER_RATE, NODE_WRITES },
	{ "order", "cancel", node_cmd_order_cancel, M_HELP_ORDER_CANCEL, NODE_WRITES },
	{ "order", "list", node_cmd_order_list, M_HELP_ORDER_LIST, NODE_READS },
	{ "order", "show", node_cmd_order_show, M_HELP_ORDER_SHOW, NODE_READS },
	{ "points", "balance", node_cmd_points_balance, M_HELP_POINTS_BALANCE, NODE_READS },
	{ "points", "history", node_cmd_points_history, M_HELP_POINTS_HISTORY, NODE_READS },
	{ "points", "redeem", node_cmd_points_redeem, M_HELP_POINTS_REDEEM, NODE_WRITES },
	{ "settings", "show", node_cmd_settings_show, M_HELP_SETTINGS_SHOW, NODE_READS },
	{ "settings", "set", node_cmd_settings_set, M_HELP_SETTINGS_SET, NODE_WRITES },
	{ "report", NULL, node_cmd_report, M_HELP_REPORT, NODE_READS },
	{ "backup", NULL, node_cmd_backup, M_HELP_BACKUP, NODE_READS },
	{ "restore", NULL, node_cmd_restore, M_HELP_RESTORE, NODE_AUTHORS },
	{ "recover", NULL, node_cmd_recover, M_HELP_RECOVER, NODE_READS },
	{ "bundle", "export", node_cmd_bundle_export, M_HELP_BUNDLE_EXPORT, NODE_READS },
	{ "bundle", "import", node_cmd_bundle_import, M_HELP_BUNDLE_IMPORT, NODE_READS },
	{ "enroll", "request", node_cmd_enroll_request, M_HELP_ENROLL_REQUEST, NODE_READS },
	{ "enroll", "sign", node_cmd_enroll_sign, M_HELP_ENROLL_SIGN, NODE_AUTHORS },
	{ "enroll", "accept", node_cmd_enroll_accept, M_HELP_ENROLL_ACCEPT, NODE_AUTHORS },
	{ "enroll", "revoke", node_cmd_enroll_revoke, M_HELP_ENROLL_REVOKE, NODE_AUTHORS },
	{ "enroll", "code", node_cmd_enroll_code, M_HELP_ENROLL_CODE, NODE_AUTHORS },
	{ "enroll", "keys", node_cmd_enroll_keys, M_HELP_ENROLL_KEYS, NODE_AUTHORS },
	{ "join", NULL, node_cmd_join, M_HELP_JOIN, NODE_AUTHORS },
	{ "serve", NULL, node_cmd_serve, M_HELP_SERVE, NODE_READS },
	{ "sync", NULL, node_cmd_sync, M_HELP_SYNC, NODE_READS },
	{ "linksim", NULL, node_cmd_linksim, M_HELP_LINKSIM, NODE_READS },
	{ "lora-bridge", NULL, node_cmd_lora_bridge, M_HELP_LORA_BRIDGE, NODE_READS },
};
const size_t node_ncmds = sizeof(node_cmds) / sizeof(node_cmds[0]);

/* LC_ALL, LC_MESSAGES, LANG: the first one set decides. English for
 * "en*", "C" (and its variants such as "C.UTF-8") and "POSIX"; Chinese
 * otherwise (and when none is set). */
static enum node_lang node_lang_detect(void)
{
	static const char *const vars[] = { "LC_ALL", "LC_MESSAGES", "LANG" };
	for (size_t i = 0; i < 3; i++) {
		const char *v = getenv(vars[i]);
		if (!v || !*v)
			continue;
		if (strncmp(v, "en", 2) == 0 || strcmp(v, "C") == 0 || strncmp(v, "C.", 2) == 0 ||
		    strcmp(v, "POSIX") == 0)
			return NODE_LANG_EN;
		return NODE_LANG_ZH;
	}
	return NODE_LANG_ZH;
}

static uint64_t node_now(void)
{
	const char *o = getenv("CUNLIAN_NOW_MS");
	int64_t v;
	if (o && node_parse_int(o, 1, INT64_MAX >> 16, &v) == 0)
		return (uint64_t)v;
	struct timespec ts;
	clock_gettime(CLOCK_REALTIME, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

static void node_help_main(const struct node_ctx *ctx, FILE *f, const char *group)
{
	if (!group)
		fputs(node_msg(ctx->lang, M_HELP_MAIN), f);
	else
		node_fsay(f, ctx->lang, M_HELP_GROUP, group);
	for (size_t i = 0; i < node_ncmds; i++) {
		const struct node_cmd *c = &node_cmds[i];
		if (group && strcmp(group, c->group) != 0)
			continue;
		/* the first line of the usage message is the synopsis */
		const char *u = node_msg(ctx->lang, c->help);
		const char *nl = strchr(u, '\n');
		fprintf(f, "  %.*s\n", nl ? (int)(nl - u) : (int)strlen(u), u);
	}
	if (!group)
		fputs(node_msg(ctx->lang, M_HELP_EXIT), f);
}

int main(int argc, char **argv)
{
	struct node_ctx ctx;
	const char *env;
	int i = 1, rc;

	node_ctx_init(&ctx);
	if (!node_msgs_complete()) { /* a message id without both texts */
		fputs("cunlian: internal error: the message table is incomplete\n", stderr);
		return NODE_EXIT_OTHER;
	}
	ctx.lang = node_lang_detect();
	ctx.now_ms = node_now();
	env = getenv("CUNLIAN_HOME");
	snprintf(ctx.home, sizeof(ctx.home), "%s", env && *env ? env : "./cunlian-home");

	/* Global options before the command. */
	while (i < argc && argv[i][0] == '-') {
		if (strcmp(argv[i], "--home") == 0 && i + 1 < argc) {
			snprintf(ctx.home, sizeof(ctx.home), "%s", argv[i + 1]);
			i += 2;
		} else if (strncmp(argv[i], "--home=", 7) == 0) {
			snprintf(ctx.home, sizeof(ctx.home), "%s", argv[i] + 7);
			i++;
		} else if (strcmp(argv[i], "--json") == 0) {
			ctx.json = true;
			i++;
		} else if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0) {
			node_help_main(&ctx, stdout, NULL);
			return NODE_EXIT_OK;
		} else if (strcmp(argv[i], "--version") == 0) {
			printf("cunlian 0.1\n");
			return NODE_EXIT_OK;
		} else {
			node_fail(&ctx, ERR_USAGE, M_BAD_OPTION, argv[i]);
			node_help_main(&ctx, stderr, NULL);
			return NODE_EXIT_USAGE;
		}
	}
	if (i >= argc) {
		node_help_main(&ctx, stderr, NULL);
		return NODE_EXIT_USAGE;
	}
	const char *group = argv[i], *verb = i + 1 < argc ? argv[i + 1] : NULL;
	bool known_group = false;
	for (size_t k = 0; k < node_ncmds; k++) {
		const struct node_cmd *c = &node_cmds[k];
		if (strcmp(c->group, group) != 0)
			continue;
		known_group = true;
		if (c->verb && (!verb || strcmp(c->verb, verb) != 0))
			continue;
		ctx.cmd = c;
		int skip = c->verb ? 2 : 1;
		rc = c->fn(&ctx, argc - i - skip, argv + i + skip);
		if (rc && !ctx.said)
			node_fail(&ctx, rc, M_FAILED, node_reason(ctx.lang, rc));
		/* Output sent to a file (report --format csv > /media/usb/r.csv)
		 * that did not fit: say so, never exit 0 over a cut file. */
		errno = 0;
		if (fflush(stdout) != 0 || ferror(stdout)) {
			int e = errno == EDQUOT ? -ENOSPC : errno ? -errno : -EIO;
			node_fail(&ctx, e, M_OUT_WRITE, node_reason(ctx.lang, e));
			if (!rc)
				rc = e;
		}
		node_ctx_release(&ctx);
		return node_exit_code(rc);
	}
	if (known_group) {
		bool help = verb && (strcmp(verb, "--help") == 0 || strcmp(verb, "-h") == 0);
		if (!help && verb)
			node_fail(&ctx, ERR_USAGE, M_UNKNOWN_COMMAND, verb);
		node_help_main(&ctx, help ? stdout : stderr, group);
		return help ? NODE_EXIT_OK : NODE_EXIT_USAGE;
	}
	node_fail(&ctx, ERR_USAGE, M_UNKNOWN_COMMAND, group);
	node_help_main(&ctx, stderr, NULL);
	return NODE_EXIT_USAGE;
}
