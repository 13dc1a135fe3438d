/* SPDX-License-Identifier: MIT */
/*
 * why.h - the reasons an operation of app/ gives for refusing or failing.
 *
 * An operation returns a code (base/err.h) and records one of these in
 * app->fail with the texts its message names, in order (app.h). The front
 * end owns the words: node/why.c maps each reason to a message of
 * node/i18n.c in both languages, and a test checks every reason has one.
 *
 * Each topic adds its reasons in one block with a comment naming it.
 * Arguments are listed after each reason as (arg0, arg1, ...).
 */
#ifndef CUNLIAN_APP_WHY_H
#define CUNLIAN_APP_WHY_H

enum app_why {
	APP_W_NONE = 0,
	/* the open node (core.c) */
	APP_W_FAILED,            /* () the code's own reason */
	APP_W_NO_HOME,           /* (home) */
	APP_W_CONF_BAD,          /* (path) */
	APP_W_CONF_NOT_STATEMENT, /* (path, line, key, value, key, stated, key, stated) */
	APP_W_REVOKED,           /* () */
	APP_W_KEY_MISSING,       /* (path) */
	APP_W_KEY_BAD,           /* (path) */
	APP_W_DB_OPEN,           /* (path) + the code's reason */
	APP_W_DB_ERROR,          /* () + the code's reason, or (sqlite's message) */
	APP_W_DB_ERROR_MSG,      /* (sqlite's message) */
	APP_W_DISK_FULL,         /* (home) */
	APP_W_DB_BUSY,           /* () */
	APP_W_BAD_VALUE,         /* () + the code's reason */
	/* the feed mark (mark.c) */
	APP_W_MARK_DAMAGED,      /* (home, id prefix) */
	APP_W_MARK_LOST_SEEN,    /* (home, id prefix) */
	APP_W_MARK_REFUSED,      /* (scope, held, floor, reserved, id prefix); scope "" is the county */
	APP_W_MARK_WARN,         /* note: (scope, held, id prefix) */
	APP_W_MARK_IO,           /* (home) + the code's reason */
	/* the clock (clock.c) */
	APP_W_CLOCK_UNSET,       /* (now) */
	APP_W_CLOCK_BEHIND,      /* (now, lower bound); code[0] its source */
	APP_W_CLOCK_AHEAD,       /* (now, upper bound); code[0] its source */
	APP_W_CLOCK_FEED,        /* (own last, now) */
	APP_W_CLOCK_RESCUE_PENDING, /* () */

	APP_W_COUNT
};

#endif
