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

	/* volunteers (volunteer.c, volunteer_import.c, idnum.c); a text
	 * marked "typed" is what the person typed (node/ escapes and cuts it) */
	APP_W_VOL_NEEDS,             /* () add without a name or a phone */
	APP_W_VOL_BAD_NAME,          /* (name typed) */
	APP_W_VOL_BLANK_NAME,        /* (name typed): only spaces */
	APP_W_VOL_BAD_PHONE,         /* (phone typed) */
	APP_W_VOL_BAD_TEAM,          /* (team typed) */
	APP_W_VOL_BAD_SKILLS,        /* (skills typed) */
	APP_W_VOL_BAD_STATUS,        /* (status typed) */
	APP_W_VOL_BAD_STATION,       /* (station typed) */
	APP_W_VOL_NOT_OURS,          /* (station, this station) */
	APP_W_VOL_SET_NOTHING,       /* () */
	APP_W_VOL_NOT_FOUND,         /* (id) */
	APP_W_VOL_PHONE_TAKEN,       /* (phone, name, id, id) */
	APP_W_VOL_IDNUM_TAKEN,       /* (last four, name, id, id) */
	APP_W_VOL_IDNUM_ELSEWHERE,   /* note: (last four, station, name, id) */
	APP_W_IDNUM_LENGTH,          /* (characters typed) */
	APP_W_IDNUM_CHAR,            /* (position of the bad character) */
	APP_W_IDNUM_CHECK,           /* () */
	APP_W_IDNUM_KEY_BAD,         /* (path) + the code's reason */
	APP_W_IMPORT_OPEN,           /* (path) + the code's reason */
	APP_W_IMPORT_DIR,            /* (path, path) */
	APP_W_IMPORT_TOO_BIG,        /* (path) */
	APP_W_IMPORT_NOT_UTF8,       /* (path, line) */
	APP_W_IMPORT_NO_HEADER,      /* (path) */
	APP_W_IMPORT_BAD_HEADER,     /* (line, column name typed) */
	APP_W_IMPORT_QUOTE,          /* (line) */
	APP_W_IMPORT_FIELD_BIG,      /* (line) */
	APP_W_IMPORT_NOTHING,        /* (rows with problems, path) */
	APP_W_IMPORT_EMPTY,          /* (path) */
	/* one row's problem (struct app_import_issue: its line) */
	APP_W_IMPORT_FIELDS,         /* (fields in the row) */
	APP_W_IMPORT_DUP_DB,         /* (phone, name, id) */
	APP_W_IMPORT_DUP_FILE,       /* (phone, line) */
	APP_W_IMPORT_IDNUM_DUP_DB,   /* (last four, name, id) */
	APP_W_IMPORT_IDNUM_DUP_FILE, /* (last four, line) */

	APP_W_COUNT
};

#endif
