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
	APP_W_CONF_LINE,         /* (path, line) */
	APP_W_CONF_NOT_STATEMENT, /* (path, line, key, value, key, stated, key, stated) */
	APP_W_REVOKED,           /* () */
	APP_W_KEY_MISSING,       /* (path) */
	APP_W_KEY_BAD,           /* (path) */
	APP_W_KEY_MODE,          /* (path, path): others may read it */
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
	/* stations and init (station.c) */
	APP_W_BAD_STATION_ID,    /* (id) */
	APP_W_BAD_NAME,          /* (name) */
	APP_W_BAD_LEVEL,         /* (level) */
	APP_W_BAD_ROLE,          /* (role) */
	APP_W_HUB_ONLY,          /* (what): county-wide data */
	APP_W_INIT_EXISTS,       /* (home) */
	APP_W_MKDIR,             /* (folder) + the code's reason */
	APP_W_KEY_WRITE,         /* (path) + the code's reason */
	APP_W_CONF_WRITE,        /* (path) + the code's reason */
	/* reports (report.c) */
	APP_W_DUP_HUB_ONLY,      /* () */
	/* enrolment and trust (enroll.c), the clock rescue (rescue.c) */
	APP_W_ENROLL_FILE_WRITE,    /* (path) + the code's reason */
	APP_W_ENROLL_FILE_READ,     /* (path) + the code's reason */
	APP_W_ENROLL_KEY_WRITE,     /* (path of the county key) + the code's reason */
	APP_W_ENROLL_HUB_ONLY,      /* (the command: "enroll sign", ...) */
	APP_W_ENROLL_BAD_STATION,   /* (station id) */
	APP_W_ENROLL_NO_COUNTY_KEY, /* (path of the county key) */
	APP_W_ENROLL_OTHER_COUNTY,  /* (the file or address whose root is not ours) */
	APP_W_ENROLL_BAD_REQUEST,   /* (path) */
	APP_W_ENROLL_STATION_DIFFERS, /* (file or address, the station it names, the station expected) */
	APP_W_ENROLL_BAD_CERT,      /* (file or address) */
	APP_W_ENROLL_NOT_OURS,      /* (file or address) */
	APP_W_ENROLL_NO_NODE,       /* (the key or station named) */
	APP_W_ENROLL_REKEY_FULL,    /* (station, generations used) */
	APP_W_JOIN_REFUSED,         /* () a wrong, used, expired or unknown code alike */
	APP_W_RESCUE_HUB,           /* () */
	APP_W_RESCUE_CLOCK,         /* (verdict name); code[0] the verdict */
	APP_W_RESCUE_NO_PENDING,    /* () */
	APP_W_RESCUE_NOT_ENROLLED,  /* () */

	/* orders and points (order.c, points.c, volunteer_find.c); a text
	 * marked "move" is app_order_move_name(), "status" an order's status */
	APP_W_VOLUNTEER_NOT_FOUND,   /* (who) */
	APP_W_VOLUNTEER_VISITING,    /* (id, home station, home station) */
	APP_W_VOLUNTEER_AMBIGUOUS,   /* (who, count); the candidates in the result */
	APP_W_VOLUNTEER_INACTIVE,    /* (id, name, status, id) */
	APP_W_ORDER_NOT_FOUND,       /* (id) */
	APP_W_ORDER_NOT_OURS,        /* (id, its station, this station) */
	APP_W_ORDER_STATION_NOT_OURS, /* (station, this station) */
	APP_W_ORDER_CANCELLED,       /* (id, move) */
	APP_W_ORDER_FINISHED,        /* (id, status, move) */
	APP_W_ORDER_ALREADY_ACCEPTED, /* (id, volunteer) */
	APP_W_ORDER_NO_VOLUNTEER,    /* (id, move, id, id) */
	APP_W_ORDER_DONE_AGAIN,      /* (id, hours) */
	APP_W_ORDER_RATED,           /* (id, rating) */
	APP_W_ORDER_NOT_DONE,        /* (id, id) */
	APP_W_ORDER_BAD_CATEGORY,    /* (category) */
	APP_W_ORDER_BAD_DETAIL,      /* (bytes at most) */
	APP_W_ORDER_BAD_REQUESTER,   /* (name) */
	APP_W_ORDER_BAD_PHONE,       /* (phone) */
	APP_W_ORDER_BAD_KIND,        /* (kind) */
	APP_W_ORDER_BAD_STATION,     /* (station) */
	APP_W_ORDER_BAD_STATUS,      /* (status) */
	APP_W_ORDER_BAD_HOURS,       /* (hours as typed) */
	APP_W_ORDER_BAD_RATING,      /* (rating as typed) */
	APP_W_ORDER_BAD_COMMENT,     /* (bytes at most) */
	APP_W_ORDER_BAD_REASON,      /* (id) */
	APP_W_ORDER_DISPATCH_NEEDS,  /* (id) */
	APP_W_POINTS_BAD,            /* (points as typed) */
	APP_W_POINTS_BAD_ITEM,       /* () */
	APP_W_POINTS_VISITING,       /* (id, home station, this station, home station) */
	APP_W_POINTS_NO_RIGHT,       /* (name, id, home station, this station, balance, home station) */
	APP_W_POINTS_OVERDRAW,       /* (name, id, balance, points asked) */
	APP_W_SETTINGS_HUB_ONLY,     /* (command) */
	APP_W_SETTINGS_BAD_NUMBER,   /* (option, value) */
	APP_W_SETTINGS_BAD_STARS,    /* (value) */
	APP_W_SETTINGS_NOTHING,      /* () */
	/* backup and restore (backup.c), bundles (bundle.c), recover (recover.c) */
	APP_W_HOME_RO,           /* (home): a write where the file system is read-only */
	APP_W_BK_AS_OWNER,       /* (home, owner's user name, command) */
	APP_W_BK_READ,           /* (path) + the code's reason: a file of the home */
	APP_W_BK_PASS_LEN,       /* (least bytes, most bytes) */
	APP_W_BK_SNAPSHOT,       /* (replica path, sqlite's message or the code's name) */
	APP_W_BK_SNAP_FULL,      /* (home): neither its disk nor /dev/shm holds the copy */
	APP_W_BK_HOME_RO,        /* (home): read-only, and its replica cannot be read there */
	APP_W_BK_WRITE,          /* (file) + the code's reason */
	APP_W_BK_FULL,           /* (file, bytes needed, bytes free or "" when unknown) */
	APP_W_RS_NEED_DEAD,      /* (file) */
	APP_W_RS_OPEN,           /* (file) + the code's reason */
	APP_W_RS_NOT_BACKUP,     /* (file) */
	APP_W_RS_HOME_BUSY,      /* (home) */
	APP_W_RS_WRITE,          /* (home) + the code's reason */
	APP_W_RS_BAD_PASS,       /* (file) */
	APP_W_RS_CORRUPT,        /* (file, byte offset) */
	APP_W_RS_NOT_REPLICA,    /* (file) */
	APP_W_RS_DB_DAMAGED,     /* (file) */
	APP_W_RS_DIGEST,         /* (file, digest in the manifest, digest of the replica) */
	APP_W_RS_DIGEST_ERR,     /* (file, digest in the manifest) + the code's reason */
	APP_W_BUNDLE_BAD_FOR,    /* (target) */
	APP_W_BUNDLE_WRITE,      /* (file) + the code's reason */
	APP_W_BUNDLE_FULL,       /* (file, bytes needed, bytes free or "" when unknown) */
	APP_W_BUNDLE_NOT_BUNDLE, /* (file) */
	APP_W_BUNDLE_READ,       /* (file) + the code's reason */
	APP_W_BUNDLE_CUT,        /* (file): imported what verified */
	APP_W_BUNDLE_ALTERED,    /* (file): imported what verified */
	APP_W_BUNDLE_HEADER,     /* (file): imported what verified */
	APP_W_BUNDLE_PARTIAL,    /* (): imported what verified */
	APP_W_RECOVER_SENT_MISSING, /* (scope, first seq, last seq); scope "" is the county */

	/* volunteers (volunteer.c, volunteer_import.c, idnum.c); a text
	 * marked "typed" is what the person typed (node/ escapes and cuts it) */
	APP_W_VOL_NEEDS,             /* () add without a name or a phone */
	APP_W_VOL_BLANK_NAME,        /* (name typed): only spaces */
	APP_W_VOL_BAD_PHONE,         /* (phone typed) */
	APP_W_VOL_BAD_TEAM,          /* (team typed) */
	APP_W_VOL_BAD_SKILLS,        /* (skills typed) */
	APP_W_VOL_BAD_STATUS,        /* (status typed) */
	APP_W_VOL_NOT_OURS,          /* (station, this station) */
	APP_W_VOL_SET_NOTHING,       /* () */
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

	/* web accounts (account.c): PINs, roles, the lockout */
	APP_W_ACCOUNT_BAD_ROLE,      /* (role typed) */
	APP_W_ACCOUNT_BAD_PIN,       /* () */
	APP_W_ACCOUNT_BAD_PHONE,     /* (phone typed) */
	APP_W_ACCOUNT_WRONG,         /* (tries left) */
	APP_W_ACCOUNT_LOCKED,        /* (minutes left) */
	APP_W_ACCOUNT_FULL,          /* (accounts at most) */
	APP_W_ACCOUNT_FILE_BAD,      /* (path, line) */
	APP_W_ACCOUNT_IO,            /* (path) + the code's reason */
	APP_W_ACCOUNT_NOT_FOUND,     /* (phone) */
	APP_W_ACCOUNT_LEFT,          /* (name, id, status) */
	/* the gift shelf (gift.c, issue 17); texts marked "typed" as above */
	APP_W_GIFT_BAD_NAME,         /* (name typed) */
	APP_W_GIFT_BAD_PRICE,        /* (price typed, highest price) */
	APP_W_GIFT_BAD_COUNT,        /* (count typed, highest count) */
	APP_W_GIFT_NOT_FOUND,        /* (item typed) */
	APP_W_GIFT_AMBIGUOUS,        /* (item typed, how many) */
	APP_W_GIFT_NAME_TAKEN,       /* (name, id of the item that has it) */
	APP_W_GIFT_STATION_NEEDED,   /* () the hub adds an item without --station */
	APP_W_GIFT_NOT_OURS,         /* (name, id, item's station, this station, item's station) */
	APP_W_GIFT_SET_NOTHING,      /* () */
	APP_W_GIFT_RETIRED,          /* (name, id) */
	APP_W_GIFT_HUB_STOCK,        /* (name, id, item's station) the hub takes no stock */
	APP_W_GIFT_OTHER_STOCK,      /* (name, id, item's station, this station, item's station) */
	APP_W_GIFT_NO_STOCK,         /* (name, id, stock, count asked) */
	APP_W_GIFT_TOO_MUCH,         /* (name, id, stock, count, most on a shelf) */
	APP_W_GIFT_NO_POINTS,        /* (volunteer's name, id, balance, points needed, count, item's name) */
	/* teams, hours and recognition (team.c); "typed": what a person typed */
	APP_W_TEAM_BAD_NAME,         /* (name typed) */
	APP_W_TEAM_NAME_TAKEN,       /* (name, station, id) */
	APP_W_TEAM_NOT_FOUND,        /* (who typed) */
	APP_W_TEAM_AMBIGUOUS,        /* (who typed, count) */
	APP_W_TEAM_NOT_OURS,         /* (team's station, this station) */
	APP_W_TEAM_LEADER_ELSEWHERE, /* (leader id, leader's station, team's station) */
	APP_W_TEAM_OTHER_STATION,    /* (name, id, home station, team name, team's station) */
	APP_W_TEAM_ALREADY,          /* (name, id, team name) */
	APP_W_TEAM_NONE,             /* (name, id) */
	APP_W_LEDGER_BAD_POINTS,     /* (points typed): ±1..1000000 */
	APP_W_LEDGER_BAD_HOURS,      /* (hours typed) */
	APP_W_LEDGER_BAD_REASON,     /* () none, or not text */
	APP_W_LEDGER_NO_RIGHT,       /* (name, id, home station, this station, home station) */
	APP_W_LEDGER_OVERDRAW,       /* (name, id, balance, points asked) */
	APP_W_TOP_BAD_PERIOD,        /* (period typed) */
	APP_W_TOP_BAD_BY,            /* (grouping typed) */
	/* reports and lists: days, pages (range.c, issue 17 reports) */
	APP_W_RANGE_BAD_DAY,         /* (option, text typed) */
	APP_W_RANGE_REVERSED,        /* (from typed, to typed) */
	APP_W_PAGE_BAD,              /* (option, text typed, highest) */
	/* micro-wishes (wish.c, issue 17); "typed": what a person typed */
	APP_W_WISH_NOT_WISH,         /* (id, the order's kind) */
	APP_W_WISH_BAD_WHAT,         /* (most bytes) */
	APP_W_WISH_BAD_FOR,          /* (for whom typed) */
	APP_W_WISH_BAD_DUE,          /* (date typed) */
	APP_W_WISH_PAST_DUE,         /* (date, today) */
	APP_W_WISH_BAD_UNIT,         /* (unit typed) */
	APP_W_WISH_WHO_NEEDED,       /* () none or several of volunteer, team, unit */
	APP_W_WISH_CLAIMED,          /* (id, who holds it) */
	APP_W_WISH_FULFILLED,        /* (id, who fulfilled it) */
	APP_W_WISH_NOT_CLAIMED,      /* (id, id) */
	APP_W_WISH_NOT_CLAIMANT,     /* (id, who holds it, id) */
	APP_W_WISH_RELEASE_WHO,      /* (id) neither --by nor --force */
	APP_W_WISH_BAD_NOTE,         /* (id, most bytes) */
	APP_W_WISH_HOURS_UNIT,       /* (id, the team or unit) */
	APP_W_WISH_BAD_STATE,        /* (state typed) */
	APP_W_WISH_USE_WISH,         /* (id, the wish command: claim, done) */
	/* the service menu (category.c) and the hub sending orders to a
	 * station (send.c), issue 17 */
	APP_W_CATEGORY_BAD_NAME,     /* (name typed) */
	APP_W_CATEGORY_BAD_TEXT,     /* (most bytes) a description too long */
	APP_W_CATEGORY_BAD_POINTS,   /* (points per hour typed, highest) */
	APP_W_CATEGORY_NAME_TAKEN,   /* (name, id of the entry that has it, its station) */
	APP_W_CATEGORY_NAME_TAKEN_COUNTY, /* (name, id of the county's entry that has it) */
	APP_W_CATEGORY_NOT_FOUND,    /* (category typed) */
	APP_W_CATEGORY_COUNTY,       /* (name, id) a station changing the county's list */
	APP_W_CATEGORY_NOT_OURS,     /* (name, entry's station) */
	APP_W_CATEGORY_SET_NOTHING,  /* () */
	APP_W_CATEGORY_RETIRED,      /* (name, id) retired already */
	APP_W_CATEGORY_UNKNOWN,      /* (category typed, nearest listed name) */
	APP_W_CATEGORY_UNKNOWN_NONE, /* (category typed) */
	APP_W_CATEGORY_RETIRED_ORDER, /* (category typed, nearest listed name or "-") */
	APP_W_SEND_HUB_ONLY,         /* () */
	APP_W_SEND_NO_STATION,       /* (station typed) */
	/* activities with check-in (activity.c, issue 17); "typed" as above */
	APP_W_ACT_BAD_TITLE,         /* (title typed) */
	APP_W_ACT_BAD_PLACE,         /* (place typed) */
	APP_W_ACT_BAD_TIME,          /* (option, text typed) */
	APP_W_ACT_END_BEFORE,        /* (start, end) as typed */
	APP_W_ACT_BAD_CAPACITY,      /* (capacity typed, most seats) */
	APP_W_ACT_BAD_HOURS,         /* (hours typed, most hours) */
	APP_W_ACT_NOT_FOUND,         /* (id typed) */
	APP_W_ACT_STATION,           /* (station typed, this station) a station publishes only its own */
	APP_W_ACT_NOT_HOME,          /* (title, id, home: station or "hub") */
	APP_W_ACT_CLOSED,            /* (title, id) */
	APP_W_ACT_ALREADY,           /* (name, volunteer id, title, state word) */
	APP_W_ACT_NOT_SIGNED,        /* (name, volunteer id, title) */
	APP_W_ACT_FULL,              /* (title, id, capacity) */
	APP_W_ACT_IN_ALREADY,        /* (name, volunteer id, title) */
	APP_W_ACT_NOT_IN,            /* (name, volunteer id, title) */
	APP_W_ACT_OUT_ALREADY,       /* (name, volunteer id, title) */
	/* log compaction (compact.c) */
	APP_W_COMPACT_OFF,           /* () compact_keep_days = 0 */
	/* snapshots on a stick (bundle.c, issue 15) */
	APP_W_SNAP_NOT_HUB,          /* () only a hub signs snapshots */
	APP_W_SNAP_MAKE,             /* (scope) + the code's reason */
	APP_W_SNAP_REFUSED,          /* (file, why in English) + the code's reason: nothing changed */
	APP_W_RESCUE_COMPACTED,      /* (date) the log was compacted: a rescue cannot rebuild it */
	/* issue 17 QA (qa17) */
	APP_W_WISH_NOT_FOUND,        /* (id) no wish (no order) of that id */
	APP_W_ACT_ENDED,             /* (title, id, end) a sign-up after the end (activity.c A11) */
	APP_W_WHO_EMPTY,             /* () a volunteer was to be named, and the text is empty */
	APP_W_CATEGORY_EMPTY,        /* () an order without a category */

	APP_W_COUNT
};

#endif
