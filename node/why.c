// SPDX-License-Identifier: MIT
/*
 * why.c - the words for app/'s reasons (app/why.h): each reason maps to a
 * message of i18n.c, whose arguments are the texts app/ recorded, in
 * order, then (when the row says so) the reason of the code.
 */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "base/err.h"
#include "app/app.h"
#include "node/node.h"

struct node_why {
	enum node_msg_id msg;
	bool reason;   /* the code's reason follows the recorded texts */
	bool src;      /* then where a time bound comes from (code[0]) */
	bool county;   /* the first text is a scope: "" is the county's */
	bool ways_out; /* the feed mark's ways out follow (last text: id prefix) */
	unsigned echo; /* bit i: text i is what a person typed (node_echo) */
	unsigned char word[APP_FAIL_ARGS]; /* text i is a word said in the
					      language (enum node_word), or 0 */
	bool verdict;  /* the clock's verdict in words (code[0]) instead of the texts */
};

static const struct node_why node_whys[APP_W_COUNT] = {
	[APP_W_FAILED] = { M_FAILED, true },
	[APP_W_NO_HOME] = { M_NO_HOME, false },
	[APP_W_CONF_BAD] = { M_CONF_BAD, false },
	[APP_W_CONF_LINE] = { M_CONF_LINE, false },
	[APP_W_CONF_NOT_STATEMENT] = { M_CONF_NOT_STATEMENT, false },
	[APP_W_REVOKED] = { M_TRUST_REVOKED, false },
	[APP_W_KEY_MISSING] = { M_KEY_MISSING, false },
	[APP_W_KEY_BAD] = { M_KEY_BAD, false },
	[APP_W_KEY_MODE] = { M_KEY_MODE, false },
	[APP_W_DB_OPEN] = { M_DB_OPEN, true },
	[APP_W_DB_ERROR] = { M_DB_ERROR, true },
	[APP_W_DB_ERROR_MSG] = { M_DB_ERROR, false },
	[APP_W_DISK_FULL] = { M_DISK_FULL, false },
	[APP_W_DB_BUSY] = { M_DB_BUSY, false },
	[APP_W_BAD_VALUE] = { M_BAD_VALUE, true },
	[APP_W_MARK_DAMAGED] = { M_MARK_DAMAGED, false, false, false, true },
	[APP_W_MARK_LOST_SEEN] = { M_MARK_LOST_SEEN, false, false, false, true },
	[APP_W_MARK_REFUSED] = { M_MARK_REFUSED, false, false, true, true },
	[APP_W_MARK_WARN] = { M_MARK_WARN, false, false, true, true },
	[APP_W_MARK_IO] = { M_MARK_IO, true },
	[APP_W_CLOCK_UNSET] = { M_CLOCK_REFUSE_UNSET, false },
	[APP_W_CLOCK_BEHIND] = { M_CLOCK_REFUSE_BEHIND, false, true, false, false },
	[APP_W_CLOCK_AHEAD] = { M_CLOCK_REFUSE_AHEAD, false, true, false, false },
	[APP_W_CLOCK_FEED] = { M_CLOCK_REFUSE_FEED, false },
	[APP_W_CLOCK_RESCUE_PENDING] = { M_CLOCK_RESCUE_PENDING, false },
	[APP_W_BAD_STATION_ID] = { M_BAD_STATION_ID, .echo = 1 },
	[APP_W_BAD_NAME] = { M_BAD_NAME, .echo = 1 },
	[APP_W_BAD_LEVEL] = { M_BAD_LEVEL, false },
	[APP_W_BAD_ROLE] = { M_BAD_ROLE, false },
	[APP_W_HUB_ONLY] = { M_HUB_ONLY, false },
	[APP_W_INIT_EXISTS] = { M_INIT_EXISTS, false },
	[APP_W_MKDIR] = { M_MKDIR_FAILED, true },
	[APP_W_KEY_WRITE] = { M_KEY_WRITE, true },
	[APP_W_CONF_WRITE] = { M_CONF_WRITE, true },
	[APP_W_DUP_HUB_ONLY] = { M_DUP_HUB_ONLY, false },
	/* orders and points */
	[APP_W_VOLUNTEER_NOT_FOUND] = { M_VOLUNTEER_NOT_FOUND, .echo = 1 },
	[APP_W_VOLUNTEER_VISITING] = { M_VOLUNTEER_VISITING },
	[APP_W_VOLUNTEER_AMBIGUOUS] = { M_VOLUNTEER_AMBIGUOUS, .echo = 1 },
	[APP_W_VOLUNTEER_INACTIVE] = { .msg = M_VOLUNTEER_INACTIVE, .word = { [2] = NODE_WORD_VSTATUS } },
	[APP_W_ORDER_NOT_FOUND] = { M_ORDER_NOT_FOUND },
	[APP_W_ORDER_NOT_OURS] = { M_ORDER_NOT_OURS },
	[APP_W_ORDER_STATION_NOT_OURS] = { M_NOT_OUR_STATION },
	[APP_W_ORDER_CANCELLED] = { .msg = M_REFUSE_CANCELLED, .word = { [1] = NODE_WORD_MOVE } },
	[APP_W_ORDER_FINISHED] = { .msg = M_REFUSE_FINISHED,
				     .word = { [1] = NODE_WORD_STATUS, [2] = NODE_WORD_MOVE } },
	[APP_W_ORDER_ALREADY_ACCEPTED] = { M_REFUSE_ALREADY_ACCEPTED },
	[APP_W_ORDER_NO_VOLUNTEER] = { .msg = M_REFUSE_NO_VOLUNTEER, .word = { [1] = NODE_WORD_MOVE } },
	[APP_W_ORDER_DONE_AGAIN] = { M_REFUSE_DONE_AGAIN },
	[APP_W_ORDER_RATED] = { M_REFUSE_RATED },
	[APP_W_ORDER_NOT_DONE] = { M_REFUSE_NOT_DONE },
	[APP_W_ORDER_BAD_CATEGORY] = { M_BAD_CATEGORY },
	[APP_W_ORDER_BAD_DETAIL] = { M_BAD_DETAIL },
	[APP_W_ORDER_BAD_REQUESTER] = { M_BAD_NAME },
	[APP_W_ORDER_BAD_PHONE] = { M_BAD_PHONE },
	[APP_W_ORDER_BAD_KIND] = { M_BAD_KIND },
	[APP_W_ORDER_BAD_STATION] = { M_BAD_STATION_ID },
	[APP_W_ORDER_BAD_STATUS] = { M_BAD_OSTATUS },
	[APP_W_ORDER_BAD_HOURS] = { M_BAD_HOURS },
	[APP_W_ORDER_BAD_RATING] = { M_BAD_RATING },
	[APP_W_ORDER_BAD_COMMENT] = { M_BAD_COMMENT },
	[APP_W_ORDER_BAD_REASON] = { M_CANCEL_NEEDS },
	[APP_W_ORDER_DISPATCH_NEEDS] = { M_DISPATCH_NEEDS },
	[APP_W_POINTS_BAD] = { M_BAD_POINTS },
	[APP_W_POINTS_BAD_ITEM] = { M_REDEEM_NEEDS_ITEM },
	[APP_W_POINTS_VISITING] = { M_REDEEM_VISITING },
	[APP_W_POINTS_NO_RIGHT] = { M_REDEEM_NO_RIGHT },
	[APP_W_POINTS_OVERDRAW] = { M_REDEEM_OVERDRAW },
	[APP_W_SETTINGS_HUB_ONLY] = { M_HUB_ONLY },
	[APP_W_SETTINGS_BAD_NUMBER] = { M_BAD_NUMBER },
	[APP_W_SETTINGS_BAD_STARS] = { M_BAD_STARS },
	[APP_W_SETTINGS_NOTHING] = { M_SET_NOTHING },
	/* enrolment and trust, the clock rescue */
	[APP_W_ENROLL_FILE_WRITE] = { M_CONF_WRITE, true },
	[APP_W_ENROLL_FILE_READ] = { M_BUNDLE_READ, true },
	[APP_W_ENROLL_KEY_WRITE] = { M_KEY_WRITE, true },
	[APP_W_ENROLL_HUB_ONLY] = { M_HUB_ONLY, false },
	[APP_W_ENROLL_BAD_STATION] = { M_BAD_STATION_ID, false },
	[APP_W_ENROLL_NO_COUNTY_KEY] = { M_ENROLL_NO_COUNTY_KEY, false },
	[APP_W_ENROLL_OTHER_COUNTY] = { M_ENROLL_OTHER_COUNTY, false },
	[APP_W_ENROLL_BAD_REQUEST] = { M_ENROLL_BAD_REQUEST, false },
	[APP_W_ENROLL_STATION_DIFFERS] = { M_ENROLL_STATION_DIFFERS, false },
	[APP_W_ENROLL_BAD_CERT] = { M_ENROLL_BAD_CERT, false },
	[APP_W_ENROLL_NOT_OURS] = { M_ENROLL_NOT_OURS, false },
	[APP_W_ENROLL_NO_NODE] = { M_ENROLL_NO_NODE, false },
	[APP_W_ENROLL_REKEY_FULL] = { M_ENROLL_REKEY_FULL, false },
	[APP_W_JOIN_REFUSED] = { M_JOIN_REFUSED, false },
	[APP_W_RESCUE_HUB] = { M_CLOCK_RESCUE_HUB, false },
	[APP_W_RESCUE_CLOCK] = { M_CLOCK_RESCUE_CLOCK, .verdict = true },
	[APP_W_RESCUE_NO_PENDING] = { M_CLOCK_RESCUE_NO_PENDING, false },
	[APP_W_RESCUE_NOT_ENROLLED] = { M_CLOCK_RESCUE_NOT_ENROLLED, false },
	/* backup and restore, bundles, recover */
	[APP_W_HOME_RO] = { M_HOME_RO, false },
	[APP_W_BK_AS_OWNER] = { M_BK_AS_OWNER, false },
	[APP_W_BK_READ] = { M_FILE_OPEN, true },
	[APP_W_BK_PASS_LEN] = { M_BK_PASS_LEN, false },
	[APP_W_BK_SNAPSHOT] = { M_BK_SNAPSHOT, false },
	[APP_W_BK_SNAP_FULL] = { M_BK_SNAP_FULL, false },
	[APP_W_BK_HOME_RO] = { M_BK_HOME_RO, false },
	[APP_W_BK_WRITE] = { M_BK_WRITE, true },
	[APP_W_BK_FULL] = { M_FULL_BACKUP, false },
	[APP_W_RS_NEED_DEAD] = { M_RS_NEED_DEAD, false },
	[APP_W_RS_OPEN] = { M_FILE_OPEN, true },
	[APP_W_RS_NOT_BACKUP] = { M_RS_NOT_BACKUP, false },
	[APP_W_RS_HOME_BUSY] = { M_RS_HOME_BUSY, false },
	[APP_W_RS_WRITE] = { M_RS_WRITE, true },
	[APP_W_RS_BAD_PASS] = { M_RS_BAD_PASS, false },
	[APP_W_RS_CORRUPT] = { M_RS_CORRUPT, false },
	[APP_W_RS_NOT_REPLICA] = { M_RS_NOT_REPLICA, false },
	[APP_W_RS_DB_DAMAGED] = { M_RS_DB_DAMAGED, false },
	[APP_W_RS_DIGEST] = { M_RS_DIGEST, false },
	[APP_W_RS_DIGEST_ERR] = { M_RS_DIGEST, true },
	[APP_W_BUNDLE_BAD_FOR] = { M_BUNDLE_BAD_FOR, false },
	[APP_W_BUNDLE_WRITE] = { M_BUNDLE_WRITE, true },
	[APP_W_BUNDLE_FULL] = { M_FULL_BUNDLE, false },
	[APP_W_BUNDLE_NOT_BUNDLE] = { M_BUNDLE_NOT_BUNDLE, false },
	[APP_W_BUNDLE_READ] = { M_BUNDLE_READ, true },
	[APP_W_BUNDLE_CUT] = { M_BUNDLE_CUT, false },
	[APP_W_BUNDLE_ALTERED] = { M_BUNDLE_ALTERED, false },
	[APP_W_BUNDLE_HEADER] = { M_BUNDLE_HEADER, false },
	[APP_W_BUNDLE_PARTIAL] = { M_BUNDLE_PARTIAL, false },
	[APP_W_SNAP_NOT_HUB] = { M_SNAP_NOT_HUB, false },
	[APP_W_SNAP_MAKE] = { M_SNAP_MAKE, true },
	[APP_W_SNAP_REFUSED] = { M_SNAP_FILE_REFUSED, true },
	[APP_W_RECOVER_SENT_MISSING] = { M_RECOVER_SENT_MISSING, false, false, true, false },
	/* volunteers (app/volunteer.c, volunteer_import.c, idnum.c) */
	[APP_W_VOL_NEEDS] = { M_VOLUNTEER_NEEDS },
	[APP_W_VOL_BLANK_NAME] = { M_BLANK_NAME, .echo = 1 },
	[APP_W_VOL_BAD_PHONE] = { M_BAD_PHONE, .echo = 1 },
	[APP_W_VOL_BAD_TEAM] = { M_BAD_TEAM, .echo = 1 },
	[APP_W_VOL_BAD_SKILLS] = { M_BAD_SKILLS, .echo = 1 },
	[APP_W_VOL_BAD_STATUS] = { M_BAD_VSTATUS, .echo = 1 },
	[APP_W_VOL_NOT_OURS] = { M_NOT_OUR_STATION },
	[APP_W_VOL_SET_NOTHING] = { M_SET_NOTHING },
	[APP_W_VOL_PHONE_TAKEN] = { M_PHONE_TAKEN },
	[APP_W_VOL_IDNUM_TAKEN] = { M_IDNUM_TAKEN },
	[APP_W_VOL_IDNUM_ELSEWHERE] = { M_IDNUM_ELSEWHERE },
	[APP_W_IDNUM_LENGTH] = { M_BAD_IDNUM_LENGTH },
	[APP_W_IDNUM_CHAR] = { M_BAD_IDNUM_CHAR },
	[APP_W_IDNUM_CHECK] = { M_BAD_IDNUM_CHECK },
	[APP_W_IDNUM_KEY_BAD] = { M_IDKEY_BAD, true },
	[APP_W_IMPORT_OPEN] = { M_FILE_OPEN, true, .echo = 1 },
	[APP_W_IMPORT_DIR] = { M_IMPORT_DIR, .echo = 3 },
	[APP_W_IMPORT_TOO_BIG] = { M_IMPORT_TOO_BIG, .echo = 1 },
	[APP_W_IMPORT_NOT_UTF8] = { M_IMPORT_NOT_UTF8, .echo = 1 },
	[APP_W_IMPORT_NO_HEADER] = { M_IMPORT_NO_HEADER, .echo = 1 },
	[APP_W_IMPORT_BAD_HEADER] = { M_IMPORT_BAD_HEADER, .echo = 2 },
	[APP_W_IMPORT_QUOTE] = { M_IMPORT_QUOTE },
	[APP_W_IMPORT_FIELD_BIG] = { M_IMPORT_FIELD_BIG },
	[APP_W_IMPORT_NOTHING] = { M_IMPORT_NOTHING, .echo = 2 },
	[APP_W_IMPORT_EMPTY] = { M_IMPORT_EMPTY, .echo = 1 },
	[APP_W_IMPORT_FIELDS] = { M_IMPORT_FIELDS },
	[APP_W_IMPORT_DUP_DB] = { M_IMPORT_DUP_DB },
	[APP_W_IMPORT_DUP_FILE] = { M_IMPORT_DUP_FILE },
	[APP_W_IMPORT_IDNUM_DUP_DB] = { M_IMPORT_IDNUM_DUP_DB },
	[APP_W_IMPORT_IDNUM_DUP_FILE] = { M_IMPORT_IDNUM_DUP_FILE },
	/* web accounts (app/account.c) */
	[APP_W_ACCOUNT_BAD_ROLE] = { M_ACCOUNT_BAD_ROLE, .echo = 1 },
	[APP_W_ACCOUNT_BAD_PIN] = { M_ACCOUNT_BAD_PIN },
	[APP_W_ACCOUNT_BAD_PHONE] = { M_ACCOUNT_BAD_PHONE, .echo = 1 },
	[APP_W_ACCOUNT_WRONG] = { M_ACCOUNT_WRONG },
	[APP_W_ACCOUNT_LOCKED] = { M_ACCOUNT_LOCKED },
	[APP_W_ACCOUNT_FULL] = { M_ACCOUNT_FULL },
	[APP_W_ACCOUNT_FILE_BAD] = { M_ACCOUNT_FILE_BAD },
	[APP_W_ACCOUNT_IO] = { M_ACCOUNT_IO, true },
	[APP_W_ACCOUNT_NOT_FOUND] = { M_ACCOUNT_NOT_FOUND, .echo = 1 },
	[APP_W_ACCOUNT_LEFT] = { .msg = M_ACCOUNT_LEFT, .word = { [2] = NODE_WORD_VSTATUS } },
	/* the gift shelf (issue 17) */
	[APP_W_GIFT_BAD_NAME] = { M_GIFT_BAD_NAME, .echo = 1 },
	[APP_W_GIFT_BAD_PRICE] = { M_GIFT_BAD_PRICE, .echo = 1 },
	[APP_W_GIFT_BAD_COUNT] = { M_GIFT_BAD_COUNT, .echo = 1 },
	[APP_W_GIFT_NOT_FOUND] = { M_GIFT_NOT_FOUND, .echo = 1 },
	[APP_W_GIFT_AMBIGUOUS] = { M_GIFT_AMBIGUOUS, .echo = 1 },
	[APP_W_GIFT_NAME_TAKEN] = { M_GIFT_NAME_TAKEN },
	[APP_W_GIFT_STATION_NEEDED] = { M_GIFT_STATION_NEEDED },
	[APP_W_GIFT_NOT_OURS] = { M_GIFT_NOT_OURS },
	[APP_W_GIFT_SET_NOTHING] = { M_SET_NOTHING },
	[APP_W_GIFT_RETIRED] = { M_GIFT_RETIRED },
	[APP_W_GIFT_HUB_STOCK] = { M_GIFT_HUB_STOCK },
	[APP_W_GIFT_OTHER_STOCK] = { M_GIFT_OTHER_STOCK },
	[APP_W_GIFT_NO_STOCK] = { M_GIFT_NO_STOCK },
	[APP_W_GIFT_TOO_MUCH] = { M_GIFT_TOO_MUCH },
	[APP_W_GIFT_NO_POINTS] = { M_GIFT_NO_POINTS },
	/* teams, hours and recognition (issue 17) */
	[APP_W_TEAM_BAD_NAME] = { M_TEAM_BAD_NAME, .echo = 1 },
	[APP_W_TEAM_NAME_TAKEN] = { M_TEAM_NAME_TAKEN },
	[APP_W_TEAM_NOT_FOUND] = { M_TEAM_NOT_FOUND, .echo = 1 },
	[APP_W_TEAM_AMBIGUOUS] = { M_TEAM_AMBIGUOUS, .echo = 1 },
	[APP_W_TEAM_NOT_OURS] = { M_TEAM_NOT_OURS },
	[APP_W_TEAM_LEADER_ELSEWHERE] = { M_TEAM_LEADER_ELSEWHERE },
	[APP_W_TEAM_OTHER_STATION] = { M_TEAM_OTHER_STATION },
	[APP_W_TEAM_ALREADY] = { M_TEAM_ALREADY },
	[APP_W_TEAM_NONE] = { M_TEAM_NONE },
	[APP_W_LEDGER_BAD_POINTS] = { M_LEDGER_BAD_POINTS, .echo = 1 },
	[APP_W_LEDGER_BAD_HOURS] = { M_LEDGER_BAD_HOURS, .echo = 1 },
	[APP_W_LEDGER_BAD_REASON] = { M_LEDGER_BAD_REASON },
	[APP_W_LEDGER_NO_RIGHT] = { M_LEDGER_NO_RIGHT },
	[APP_W_LEDGER_OVERDRAW] = { M_LEDGER_OVERDRAW },
	[APP_W_TOP_BAD_PERIOD] = { M_TOP_BAD_PERIOD, .echo = 1 },
	[APP_W_TOP_BAD_BY] = { M_TOP_BAD_BY, .echo = 1 },
	/* reports and lists: days, pages (issue 17 reports) */
	[APP_W_RANGE_BAD_DAY] = { M_RANGE_BAD_DAY, .echo = 2 },
	[APP_W_RANGE_REVERSED] = { M_RANGE_REVERSED, .echo = 3 },
	[APP_W_PAGE_BAD] = { M_PAGE_BAD, .echo = 2 },
	/* micro-wishes (issue 17) */
	[APP_W_WISH_NOT_WISH] = { M_WISH_NOT_WISH, false },
	[APP_W_WISH_BAD_WHAT] = { M_WISH_BAD_WHAT, false },
	[APP_W_WISH_BAD_FOR] = { M_WISH_BAD_FOR, .echo = 1 },
	[APP_W_WISH_BAD_DUE] = { M_WISH_BAD_DUE, .echo = 1 },
	[APP_W_WISH_PAST_DUE] = { M_WISH_PAST_DUE, false },
	[APP_W_WISH_BAD_UNIT] = { M_WISH_BAD_UNIT, .echo = 1 },
	[APP_W_WISH_WHO_NEEDED] = { M_WISH_WHO_NEEDED, false },
	[APP_W_WISH_CLAIMED] = { M_WISH_CLAIMED, false },
	[APP_W_WISH_FULFILLED] = { M_WISH_FULFILLED, false },
	[APP_W_WISH_NOT_CLAIMED] = { M_WISH_NOT_CLAIMED, false },
	[APP_W_WISH_NOT_CLAIMANT] = { M_WISH_NOT_CLAIMANT, false },
	[APP_W_WISH_RELEASE_WHO] = { M_WISH_RELEASE_WHO, false },
	[APP_W_WISH_BAD_NOTE] = { M_WISH_BAD_NOTE, false },
	[APP_W_WISH_HOURS_UNIT] = { M_WISH_HOURS_UNIT, false },
	[APP_W_WISH_BAD_STATE] = { M_WISH_BAD_STATE, .echo = 1 },
	[APP_W_WISH_USE_WISH] = { M_WISH_USE_WISH, false },
	/* the service menu and the hub sending orders to stations (issue 17) */
	[APP_W_CATEGORY_BAD_NAME] = { M_CAT_BAD_NAME, .echo = 1 },
	[APP_W_CATEGORY_BAD_TEXT] = { M_CAT_BAD_TEXT },
	[APP_W_CATEGORY_BAD_POINTS] = { M_CAT_BAD_POINTS, .echo = 1 },
	[APP_W_CATEGORY_NAME_TAKEN] = { M_CAT_NAME_TAKEN },
	[APP_W_CATEGORY_NAME_TAKEN_COUNTY] = { M_CAT_NAME_TAKEN_COUNTY },
	[APP_W_CATEGORY_NOT_FOUND] = { M_CAT_NOT_FOUND, .echo = 1 },
	[APP_W_CATEGORY_COUNTY] = { M_CAT_COUNTY },
	[APP_W_CATEGORY_NOT_OURS] = { M_CAT_NOT_OURS },
	[APP_W_CATEGORY_SET_NOTHING] = { M_SET_NOTHING },
	[APP_W_CATEGORY_RETIRED] = { M_CAT_RETIRED },
	[APP_W_CATEGORY_UNKNOWN] = { M_CAT_UNKNOWN, .echo = 1 },
	[APP_W_CATEGORY_UNKNOWN_NONE] = { M_CAT_UNKNOWN_NONE, .echo = 1 },
	[APP_W_CATEGORY_RETIRED_ORDER] = { M_CAT_RETIRED_ORDER, .echo = 1 },
	[APP_W_SEND_HUB_ONLY] = { M_SEND_HUB_ONLY },
	[APP_W_SEND_NO_STATION] = { M_SEND_NO_STATION, .echo = 1 },
	/* activities with check-in (issue 17) */
	[APP_W_ACT_BAD_TITLE] = { M_ACT_BAD_TITLE, .echo = 1 },
	[APP_W_ACT_BAD_PLACE] = { M_ACT_BAD_PLACE, .echo = 1 },
	[APP_W_ACT_BAD_TIME] = { M_ACT_BAD_TIME, .echo = 2 },
	[APP_W_ACT_END_BEFORE] = { M_ACT_END_BEFORE, .echo = 3 },
	[APP_W_ACT_BAD_CAPACITY] = { M_ACT_BAD_CAPACITY, .echo = 1 },
	[APP_W_ACT_BAD_HOURS] = { M_ACT_BAD_HOURS, .echo = 1 },
	[APP_W_ACT_NOT_FOUND] = { M_ACT_NOT_FOUND, .echo = 1 },
	[APP_W_ACT_STATION] = { M_ACT_STATION, .echo = 1 },
	[APP_W_ACT_NOT_HOME] = { M_ACT_NOT_HOME, .word = { [2] = NODE_WORD_ACT } },
	[APP_W_ACT_CLOSED] = { M_ACT_CLOSED },
	[APP_W_ACT_ALREADY] = { M_ACT_ALREADY, .word = { [3] = NODE_WORD_ACT } },
	[APP_W_ACT_NOT_SIGNED] = { M_ACT_NOT_SIGNED },
	[APP_W_ACT_FULL] = { M_ACT_FULL },
	[APP_W_ACT_IN_ALREADY] = { M_ACT_IN_ALREADY },
	[APP_W_ACT_NOT_IN] = { M_ACT_NOT_IN },
	[APP_W_ACT_OUT_ALREADY] = { M_ACT_OUT_ALREADY },
	[APP_W_COMPACT_OFF] = { M_COMPACT_OFF },
	[APP_W_RESCUE_COMPACTED] = { M_RESCUE_COMPACTED },
	/* issue 17 QA (qa17) */
	[APP_W_WISH_NOT_FOUND] = { M_WISH_NOT_FOUND },
	[APP_W_ACT_ENDED] = { M_ACT_ENDED },
	[APP_W_WHO_EMPTY] = { M_WHO_EMPTY },
	[APP_W_CATEGORY_EMPTY] = { M_CATEGORY_EMPTY },
};

bool node_why_complete(void)
{
	for (int w = APP_W_NONE + 1; w < APP_W_COUNT; w++)
		if (node_whys[w].msg == M_NONE)
			return false;
	return true;
}

/* The texts of f's message, adjusted for the person: what was typed
 * escaped and cut short (into echo), an order's status and move in words,
 * the county's scope named, a time bound's source in words, the code's
 * reason appended. */
static void node_why_args(enum node_lang lang, const struct app_fail *f,
			  const char *arg[APP_FAIL_ARGS + 2], char echo[APP_FAIL_ARGS][NODE_ECHO_MAX])
{
	const struct node_why *w = &node_whys[f->why];
	unsigned n = 0;
	if (w->verdict)
		arg[n++] = node_msg(lang, node_clock_verdict_msg((enum crdt_time_verdict)f->code[0]));
	for (; n < f->narg && !w->verdict; n++) {
		arg[n] = f->arg[n];
		if (w->echo & (1u << n)) {
			node_echo(f->arg[n], echo[n], NODE_ECHO_MAX);
			arg[n] = echo[n];
		}
	}
	for (unsigned i = 0; i < n; i++)
		if (w->word[i])
			arg[i] = node_word(lang, (enum node_word)w->word[i], arg[i]);
	if (w->county && n > 0 && !arg[0][0])
		arg[0] = node_msg(lang, M_MARK_COUNTY);
	if (w->src)
		arg[n++] = node_msg(lang, node_clock_src_msg((enum crdt_time_src)f->code[0]));
	if (w->reason)
		arg[n++] = node_reason(lang, f->code[0] ? f->code[0] : f->rc);
	while (n < APP_FAIL_ARGS + 2)
		arg[n++] = "";
}

/* vsnprintf through a function of ours: the format is the catalogue's. */
static void node_why_put(char *out, size_t n, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(out, n, fmt, ap);
	va_end(ap);
}

void node_send_note_words(enum node_lang lang, bool moved, const char *station, const char *order, char *out,
			  size_t n)
{
	if (moved)
		node_why_put(out, n, node_msg(lang, M_ORDER_SEND_TO), station, order);
	else if (*order)
		node_why_put(out, n, node_msg(lang, M_ORDER_SEND_FROM), order);
	else
		snprintf(out, n, "%s", node_msg(lang, M_ORDER_SEND_SENT));
	size_t len = strlen(out);
	if (len && out[len - 1] == '\n')
		out[len - 1] = '\0';
}

void node_why_text(enum node_lang lang, const struct app_fail *f, int rc, char *out, size_t n)
{
	const char *arg[APP_FAIL_ARGS + 2];
	char echo[APP_FAIL_ARGS][NODE_ECHO_MAX];
	if (f->why <= APP_W_NONE || f->why >= APP_W_COUNT) {
		node_why_put(out, n, node_msg(lang, M_FAILED), node_reason(lang, rc));
		return;
	}
	node_why_args(lang, f, arg, echo);
	node_why_put(out, n, node_msg(lang, node_whys[f->why].msg), arg[0], arg[1], arg[2], arg[3],
		     arg[4], arg[5], arg[6], arg[7], arg[8], arg[9]);
	if (node_whys[f->why].ways_out && f->narg > 0) {
		size_t used = strlen(out);
		node_why_put(out + used, n - used, node_msg(lang, M_MARK_WAYS_OUT), f->arg[f->narg - 1]);
	}
}

/* After a refusal over the feed mark: the ways out. */
static void node_why_after(const struct node_ctx *ctx, const struct app_fail *f)
{
	if (node_whys[f->why].ways_out && f->narg > 0)
		node_fsay(stderr, ctx->lang, M_MARK_WAYS_OUT, f->arg[f->narg - 1]);
}

int node_fail_app(struct node_ctx *ctx, int rc)
{
	struct app_fail *f = &ctx->app.fail;
	const char *arg[APP_FAIL_ARGS + 2];
	char echo[APP_FAIL_ARGS][NODE_ECHO_MAX];
	if (f->why <= APP_W_NONE || f->why >= APP_W_COUNT) {
		node_fail(ctx, rc, M_FAILED, node_reason(ctx->lang, rc));
	} else {
		node_why_args(ctx->lang, f, arg, echo);
		node_fail(ctx, rc, node_whys[f->why].msg, arg[0], arg[1], arg[2], arg[3], arg[4], arg[5],
			  arg[6], arg[7], arg[8], arg[9]);
		node_why_after(ctx, f);
	}
	app_fail_clear(&ctx->app);
	return rc;
}

void node_why_say(const struct node_ctx *ctx, FILE *out, const struct app_fail *f)
{
	const char *arg[APP_FAIL_ARGS + 2];
	char echo[APP_FAIL_ARGS][NODE_ECHO_MAX];
	if (f->why <= APP_W_NONE || f->why >= APP_W_COUNT)
		return;
	node_why_args(ctx->lang, f, arg, echo);
	node_fsay(out, ctx->lang, node_whys[f->why].msg, arg[0], arg[1], arg[2], arg[3], arg[4],
		  arg[5], arg[6], arg[7], arg[8], arg[9]);
	node_why_after(ctx, f);
}

void node_note_app(struct node_ctx *ctx)
{
	node_why_say(ctx, stderr, &ctx->app.note);
	memset(&ctx->app.note, 0, sizeof(ctx->app.note));
}
