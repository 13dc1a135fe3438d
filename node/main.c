// SPDX-License-Identifier: MIT
/*
 * main.c - the cunlian program: the table of commands and the dispatcher.
 *
 * To add a command, write its handler (int run(struct node_ctx *, const
 * struct node_args *)) in its own node/cmd_*.c, calling app/ for what it
 * does, give it a usage message in i18n.c, and add one CMD line to
 * node_cmds below declaring its options (node.h "struct node_cmd").
 * `cunlian --help` and `cunlian GROUP --help` list the table.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "base/err.h"
#include "node/node.h"

/* A command that parses its own argv (node_opts_parse), and one whose
 * options the table declares (main parses; the handler reads them by
 * name: node_arg). */
#define CMD_ARGV(g, v, f, h, acc) { .group = (g), .verb = (v), .fn = (f), .help = (h), .access = (acc) }
#define CMD(g, v, r, h, acc, o, np) \
	{ .group = (g), .verb = (v), .run = (r), .help = (h), .access = (acc), .opts = (o), .maxpos = (np) }

const struct node_cmd node_cmds[] = {
	CMD("init", NULL, node_cmd_init, M_HELP_INIT, APP_AUTHORS, "station= name= role= parent= level= county-key=", 0),
	CMD_ARGV("status", NULL, node_cmd_status, M_HELP_STATUS, APP_READS),
	CMD_ARGV("digest", NULL, node_cmd_digest, M_HELP_DIGEST, APP_READS),
	CMD_ARGV("log", NULL, node_cmd_log, M_HELP_LOG, APP_READS),
	CMD_ARGV("doctor", NULL, node_cmd_doctor, M_HELP_DOCTOR, APP_READS),
	CMD_ARGV("clock", NULL, node_cmd_clock, M_HELP_CLOCK, APP_AUTHORS),
	CMD("station", "add", node_cmd_station_add, M_HELP_STATION_ADD, APP_WRITES, "id= name= level= parent=", 0),
	CMD("station", "list", node_cmd_station_list, M_HELP_STATION_LIST, APP_READS, "format=", 0),
	CMD("volunteer", "add", node_cmd_volunteer_add, M_HELP_VOLUNTEER_ADD, APP_WRITES,
	    "name= phone= team= skills= station= id-number=", 0),
	CMD("volunteer", "set", node_cmd_volunteer_set, M_HELP_VOLUNTEER_SET, APP_WRITES,
	    "name= phone= team= skills= status= id-number=", 1),
	CMD("volunteer", "list", node_cmd_volunteer_list, M_HELP_VOLUNTEER_LIST, APP_READS,
	    "team= skill= status= station= from= to= search= limit= page= format=", 0),
	CMD("volunteer", "show", node_cmd_volunteer_show, M_HELP_VOLUNTEER_SHOW, APP_READS, "", 1),
	CMD("volunteer", "import", node_cmd_volunteer_import, M_HELP_VOLUNTEER_IMPORT, APP_WRITES,
	    "station=", 1),
	CMD("order", "add", node_cmd_order_add, M_HELP_ORDER_ADD, APP_WRITES,
	    "category= detail= requester= phone= kind= station=", 0),
	CMD("order", "dispatch", node_cmd_order_dispatch, M_HELP_ORDER_DISPATCH, APP_WRITES, "volunteer= station=", 1),
	CMD("order", "accept", node_cmd_order_accept, M_HELP_ORDER_ACCEPT, APP_WRITES, "volunteer=", 1),
	CMD("order", "done", node_cmd_order_done, M_HELP_ORDER_DONE, APP_WRITES, "hours=", 1),
	CMD("order", "rate", node_cmd_order_rate, M_HELP_ORDER_RATE, APP_WRITES, "rating= comment=", 1),
	CMD("order", "cancel", node_cmd_order_cancel, M_HELP_ORDER_CANCEL, APP_WRITES, "reason=", 1),
	CMD("order", "list", node_cmd_order_list, M_HELP_ORDER_LIST, APP_READS,
	    "status= station= volunteer= kind= from-hub from= to= search= limit= page= format=", 0),
	CMD("order", "show", node_cmd_order_show, M_HELP_ORDER_SHOW, APP_READS, "", 1),
	CMD("points", "balance", node_cmd_points_balance, M_HELP_POINTS_BALANCE, APP_READS, "", 1),
	CMD("points", "history", node_cmd_points_history, M_HELP_POINTS_HISTORY, APP_READS, "from= to= format=", 1),
	CMD("points", "redeem", node_cmd_points_redeem, M_HELP_POINTS_REDEEM, APP_WRITES,
	    "points= item= gift= count=", 1),
	CMD("gift", "list", node_cmd_gift_list, M_HELP_GIFT_LIST, APP_READS, "station= all format=", 0),
	CMD("gift", "add", node_cmd_gift_add, M_HELP_GIFT_ADD, APP_WRITES, "name= price= stock= station=", 0),
	CMD("gift", "set", node_cmd_gift_set, M_HELP_GIFT_SET, APP_WRITES, "name= price=", 1),
	CMD("gift", "restock", node_cmd_gift_restock, M_HELP_GIFT_RESTOCK, APP_WRITES, "count=", 1),
	CMD("gift", "retire", node_cmd_gift_retire, M_HELP_GIFT_RETIRE, APP_WRITES, "", 1),
	/* teams, hours and recognition (issue 17) */
	CMD("team", "add", node_cmd_team_add, M_HELP_TEAM_ADD, APP_WRITES, "name= leader= station=", 0),
	CMD("team", "list", node_cmd_team_list, M_HELP_TEAM_LIST, APP_READS, "station= format=", 0),
	CMD("team", "show", node_cmd_team_show, M_HELP_TEAM_SHOW, APP_READS, "", 1),
	CMD("team", "join", node_cmd_team_join, M_HELP_TEAM_JOIN, APP_WRITES, "", 2),
	CMD("team", "leave", node_cmd_team_leave, M_HELP_TEAM_LEAVE, APP_WRITES, "", 1),
	CMD("points", "adjust", node_cmd_points_adjust, M_HELP_POINTS_ADJUST, APP_WRITES, "points= reason=", 1),
	CMD("hours", "add", node_cmd_hours_add, M_HELP_HOURS_ADD, APP_WRITES, "hours= reason=", 1),
	CMD("settings", "show", node_cmd_settings_show, M_HELP_SETTINGS_SHOW, APP_READS, "", 0),
	CMD("settings", "set", node_cmd_settings_set, M_HELP_SETTINGS_SET, APP_WRITES,
	    "points-per-hour= star-hours=", 0),
	CMD("report", NULL, node_cmd_report, M_HELP_REPORT, APP_READS, "by= format= duplicates top period= from= to=", 0),
	/* the web pages' login accounts (issue 16) */
	CMD("account", "set", node_cmd_account_set, M_HELP_ACCOUNT_SET, APP_READS,
	    "volunteer= phone= name= role= pin-file=", 0),
	CMD("account", "remove", node_cmd_account_remove, M_HELP_ACCOUNT_REMOVE, APP_READS, "", 1),
	CMD("account", "list", node_cmd_account_list, M_HELP_ACCOUNT_LIST, APP_READS, "format=", 0),
	CMD("backup", NULL, node_run_backup, M_HELP_BACKUP, APP_READS, "passphrase-file=", 1),
	CMD("restore", NULL, node_run_restore, M_HELP_RESTORE, APP_AUTHORS, "passphrase-file= old-board-dead", 1),
	CMD("recover", NULL, node_run_recover, M_HELP_RECOVER, APP_READS, "from= bundle= timeout= accept-loss", 0),
	CMD("bundle", "export", node_run_bundle_export, M_HELP_BUNDLE_EXPORT, APP_READS, "for= snapshot=", 1),
	CMD("bundle", "import", node_run_bundle_import, M_HELP_BUNDLE_IMPORT, APP_READS, "", 1),
	CMD("enroll", "request", node_cmd_enroll_request, M_HELP_ENROLL_REQUEST, APP_READS, "", 1),
	CMD("enroll", "sign", node_cmd_enroll_sign, M_HELP_ENROLL_SIGN, APP_AUTHORS,
	    "station= out= role= days= county-key=", 1),
	CMD("enroll", "accept", node_cmd_enroll_accept, M_HELP_ENROLL_ACCEPT, APP_AUTHORS, "", 1),
	CMD("enroll", "revoke", node_cmd_enroll_revoke, M_HELP_ENROLL_REVOKE, APP_AUTHORS,
	    "from= now scope= county-key=", 1),
	CMD("enroll", "code", node_cmd_enroll_code, M_HELP_ENROLL_CODE, APP_AUTHORS, "station=", 0),
	CMD("enroll", "keys", node_cmd_enroll_keys, M_HELP_ENROLL_KEYS, APP_AUTHORS, "county-key=", 0),
	CMD("join", NULL, node_cmd_join, M_HELP_JOIN, APP_AUTHORS, "code= timeout=", 1),
	CMD_ARGV("compact", NULL, node_cmd_compact, M_HELP_COMPACT, APP_READS),
	CMD_ARGV("serve", NULL, node_cmd_serve, M_HELP_SERVE, APP_READS),
	CMD_ARGV("sync", NULL, node_cmd_sync, M_HELP_SYNC, APP_READS),
	CMD_ARGV("linksim", NULL, node_cmd_linksim, M_HELP_LINKSIM, APP_READS),
	CMD_ARGV("lora-bridge", NULL, node_cmd_lora_bridge, M_HELP_LORA_BRIDGE, APP_READS),
	/* micro-wishes (微心愿, issue 17) */
	CMD("wish", "add", node_cmd_wish_add, M_HELP_WISH_ADD, APP_WRITES,
	    "what= for= due= requester= phone= station=", 0),
	CMD("wish", "list", node_cmd_wish_list, M_HELP_WISH_LIST, APP_READS, "state= station= overdue from= to=", 0),
	CMD("wish", "show", node_cmd_wish_show, M_HELP_WISH_SHOW, APP_READS, "", 1),
	CMD("wish", "claim", node_cmd_wish_claim, M_HELP_WISH_CLAIM, APP_WRITES, "volunteer= team= unit=", 1),
	CMD("wish", "release", node_cmd_wish_release, M_HELP_WISH_RELEASE, APP_WRITES,
	    "volunteer= team= unit= force note=", 1),
	CMD("wish", "done", node_cmd_wish_done, M_HELP_WISH_DONE, APP_WRITES, "note= hours=", 1),
	/* the service menu (issue 17) */
	CMD("category", "list", node_cmd_category_list, M_HELP_CATEGORY_LIST, APP_READS, "station= all", 0),
	CMD("category", "add", node_cmd_category_add, M_HELP_CATEGORY_ADD, APP_WRITES,
	    "name= description= points-per-hour= station=", 0),
	CMD("category", "set", node_cmd_category_set, M_HELP_CATEGORY_SET, APP_WRITES,
	    "name= description= points-per-hour=", 1),
	CMD("category", "retire", node_cmd_category_retire, M_HELP_CATEGORY_RETIRE, APP_WRITES, "", 1),
	/* activities with check-in (issue 17) */
	CMD("activity", "add", node_cmd_activity_add, M_HELP_ACTIVITY_ADD, APP_WRITES,
	    "title= place= start= end= capacity= hours= station=", 0),
	CMD("activity", "list", node_cmd_activity_list, M_HELP_ACTIVITY_LIST, APP_READS, "all today from= to=", 0),
	CMD("activity", "show", node_cmd_activity_show, M_HELP_ACTIVITY_SHOW, APP_READS, "", 1),
	CMD("activity", "signup", node_cmd_activity_signup, M_HELP_ACTIVITY_SIGNUP, APP_WRITES, "volunteer=", 1),
	CMD("activity", "cancel", node_cmd_activity_cancel, M_HELP_ACTIVITY_CANCEL, APP_WRITES, "volunteer=", 1),
	CMD("activity", "checkin", node_cmd_activity_checkin, M_HELP_ACTIVITY_CHECKIN, APP_WRITES, "volunteer=", 1),
	CMD("activity", "checkout", node_cmd_activity_checkout, M_HELP_ACTIVITY_CHECKOUT, APP_WRITES,
	    "volunteer=", 1),
	CMD("activity", "close", node_cmd_activity_close, M_HELP_ACTIVITY_CLOSE, APP_WRITES, "", 1),
};
const size_t node_ncmds = sizeof(node_cmds) / sizeof(node_cmds[0]);

/* Before a home is known (cunlian --help, init): LC_ALL, LC_MESSAGES,
 * LANG, the first one set decides. English for "en*", "C" (and its
 * variants such as "C.UTF-8") and "POSIX"; Chinese otherwise (and when
 * none is set). A node's own setting (lang in node.conf, Chinese from
 * init) wins over them, and --lang or CUNLIAN_LANG over that (ctx.c). */
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
	if (o && app_parse_int(o, 1, INT64_MAX >> 16, &v) == 0)
		return (uint64_t)v;
	struct timespec ts;
	clock_gettime(CLOCK_REALTIME, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

/* Run c: parse its declared options first when it is a run command. */
static int node_cmd_call(struct node_ctx *ctx, const struct node_cmd *c, int argc, char **argv)
{
	struct node_args a;
	if (!c->run)
		return c->fn(ctx, argc, argv);
	int rc = node_args_parse(ctx, c, argc, argv, &a);
	if (rc)
		return rc == 1 ? 0 : rc; /* 1: --help was printed */
	return c->run(ctx, &a);
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
	if (!node_msgs_complete() || !node_why_complete()) { /* a text missing */
		fputs("cunlian: internal error: the message table is incomplete\n", stderr);
		return NODE_EXIT_OTHER;
	}
	ctx.lang = node_lang_detect();
	ctx.app.now_ms = node_now();
	env = getenv("CUNLIAN_HOME");
	snprintf(ctx.app.home, sizeof(ctx.app.home), "%s", env && *env ? env : "./cunlian-home");
	env = getenv("CUNLIAN_LANG");
	if (env && *env && node_lang_set(&ctx, env) != 0) {
		node_fail(&ctx, ERR_USAGE, M_BAD_LANG, "CUNLIAN_LANG", env);
		return NODE_EXIT_USAGE;
	}

	/* Global options before the command. */
	while (i < argc && argv[i][0] == '-') {
		if (strcmp(argv[i], "--home") == 0 && i + 1 < argc) {
			snprintf(ctx.app.home, sizeof(ctx.app.home), "%s", argv[i + 1]);
			i += 2;
		} else if (strncmp(argv[i], "--home=", 7) == 0) {
			snprintf(ctx.app.home, sizeof(ctx.app.home), "%s", argv[i] + 7);
			i++;
		} else if (strcmp(argv[i], "--json") == 0) {
			ctx.json = true;
			i++;
		} else if (strncmp(argv[i], "--lang", 6) == 0 && (argv[i][6] == '=' || (!argv[i][6] && i + 1 < argc))) {
			const char *v = argv[i][6] ? argv[i] + 7 : argv[i + 1];
			if (node_lang_set(&ctx, v) != 0) {
				node_fail(&ctx, ERR_USAGE, M_BAD_LANG, "--lang", v);
				return NODE_EXIT_USAGE;
			}
			i += argv[i][6] ? 1 : 2;
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
	node_lang_home(&ctx); /* the station's own language, unless told otherwise */
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
		rc = node_cmd_call(&ctx, c, argc - i - skip, argv + i + skip);
		if (rc && !ctx.said)
			node_fail_app(&ctx, rc); /* what app/ recorded, else the code's reason */
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
