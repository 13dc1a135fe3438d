// SPDX-License-Identifier: MIT
/*
 * cmd_clock.c - `cunlian clock`: what this node knows of the true time
 * (app/clock.c), and setting the system clock from the hub (issue 12).
 *
 * Boards have no real-time clock: they boot at 1970 or at the last saved
 * time, and NTP is usually out of reach. A local write stamps its HLC and
 * its time columns with the wall clock, and a time the hub cannot accept
 * (past the 24-hour window, past the station's statement) would make
 * every later commit of this node unacceptable. So a node never commits
 * a time it cannot defend (docs/security.md "Clock").
 *
 * Evidence, kept in the file `clock` of the home (key = value lines), and
 * the bounds and verdict it gives, are crdt_time_judge()'s (crdt/crdt.h):
 *   known_ms     the largest hub clock heard: from the hub itself
 *                (SYNC_TIME_OWN, in a session or a bundle) or relayed by
 *                an enrolled peer (SYNC_TIME_HEARD);
 *   write_ms     the wall clock of the last local write;
 *   anchor_ms    the last hub clock heard fresh (the hub itself, in a
 *                session; a bundle may be days old), with
 *   anchor_mono  this board's CLOCK_BOOTTIME then (ms) and
 *   anchor_boot  a number for its boot id (FNV-1a; 0 unknown);
 *   anchor_from  the hub's key.
 * A write is refused (ERR_CLOCK, exit status 3) unless the verdict is OK,
 * before anything is written: the replica, its HLC and this file stay as
 * they were. Only the hub's clock counts as evidence: a hub's
 * SYNC_TIME_OWN (by its statement), or any enrolled node's relayed
 * SYNC_TIME_HEARD as a lower bound; without a county root (nothing is
 * enforced yet) a SYNC_TIME_OWN, which only hubs send.
 *
 * Tests: CUNLIAN_MONO_MS and CUNLIAN_BOOT_ID stand for CLOCK_BOOTTIME and
 * the boot id; with CUNLIAN_NOW_MS set and they not, both are unknown (as
 * after a reboot), and --set-from-hub never touches the system clock.
 */

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "base/err.h"
#include "app/clock.h"
#include "node/node.h"

#define NOPTS(a) (sizeof(a) / sizeof((a)[0]))

enum node_msg_id node_clock_src_msg(enum crdt_time_src s)
{
	switch (s) {
	case CRDT_TIME_SRC_HUB:
		return M_CLOCK_SRC_HUB;
	case CRDT_TIME_SRC_WRITE:
		return M_CLOCK_SRC_WRITE;
	case CRDT_TIME_SRC_CERT:
		return M_CLOCK_SRC_CERT;
	case CRDT_TIME_SRC_ELAPSED:
		return M_CLOCK_SRC_ELAPSED;
	case CRDT_TIME_SRC_REBOOT:
		return M_CLOCK_SRC_REBOOT;
	case CRDT_TIME_SRC_NONE:
		break;
	}
	return M_CLOCK_NONE;
}

enum node_msg_id node_clock_verdict_msg(enum crdt_time_verdict v)
{
	switch (v) {
	case CRDT_TIME_OK:
		return M_CLOCK_VERDICT_OK;
	case CRDT_TIME_UNSET:
		return M_CLOCK_WHY_UNSET;
	case CRDT_TIME_BEHIND:
		return M_CLOCK_WHY_BEHIND;
	case CRDT_TIME_AHEAD:
		return M_CLOCK_WHY_AHEAD;
	case CRDT_TIME_FEED_AHEAD:
		return M_CLOCK_WHY_FEED;
	}
	return M_NONE;
}

/* ---- cunlian clock ------------------------------------------------------ */

static void clock_json_time(struct node_json *j, const char *key, uint64_t ms)
{
	node_json_key(j, key);
	if (ms)
		node_json_int(j, (int64_t)ms);
	else
		node_json_null(j);
}

static void clock_show(struct node_ctx *ctx, const struct app_clock *k)
{
	char t[6][32];
	const uint64_t v[6] = { k->n.wall_ms, k->n.own_hlc_ms, k->ev.t.anchor_ms, k->ev.t.known_ms,
				k->b.lower, k->b.upper };
	for (int i = 0; i < 6; i++) {
		if (v[i])
			app_time_fmt(v[i], t[i], sizeof(t[i]));
		else
			snprintf(t[i], sizeof(t[i]), "%s", node_msg(ctx->lang, M_CLOCK_NONE));
	}
	if (ctx->json) {
		struct node_json j;
		node_json_init(&j, stdout);
		node_json_obj(&j);
		node_json_kint(&j, "now_ms", (int64_t)k->n.wall_ms);
		clock_json_time(&j, "own_last_commit_ms", k->n.own_hlc_ms);
		clock_json_time(&j, "last_write_ms", k->ev.t.write_ms);
		clock_json_time(&j, "hub_heard_ms", k->ev.t.anchor_ms);
		node_json_kstr(&j, "hub_heard_from", k->ev.anchor_from[0] ? k->ev.anchor_from : NULL);
		node_json_key(&j, "hub_heard_this_boot");
		node_json_bool(&j, k->ev.t.anchor_boot && k->ev.t.anchor_boot == k->n.boot);
		clock_json_time(&j, "hub_known_ms", k->ev.t.known_ms);
		node_json_kstr(&j, "boot", k->boot[0] ? k->boot : NULL);
		clock_json_time(&j, "lower_ms", k->b.lower);
		clock_json_time(&j, "upper_ms", k->b.upper);
		node_json_kstr(&j, "upper_from", k->b.upper_src == CRDT_TIME_SRC_ELAPSED ? "elapsed"
						 : k->b.upper_src == CRDT_TIME_SRC_REBOOT ? "reboot" : NULL);
		node_json_kstr(&j, "verdict", app_clock_verdict_name(k->verdict));
		node_json_end_obj(&j);
		return;
	}
	node_say(ctx, M_CLOCK_SHOW, t[0], t[1], t[2], t[3], t[4], t[5],
		 node_msg(ctx->lang, node_clock_src_msg(k->b.upper_src)));
	if (k->verdict == CRDT_TIME_OK)
		node_say(ctx, M_CLOCK_VERDICT_OK);
	else
		node_say(ctx, M_CLOCK_VERDICT_BAD, node_msg(ctx->lang, node_clock_verdict_msg(k->verdict)));
}

/* --set-from-hub: the best estimate of the true time the evidence gives. */
static int clock_set(struct node_ctx *ctx, const struct app_clock *k)
{
	uint64_t to;
	bool exact = false;
	char t[32];
	if (k->b.upper_src == CRDT_TIME_SRC_ELAPSED) {
		to = k->ev.t.anchor_ms + (k->n.mono_ms - k->ev.t.anchor_mono); /* the hub's time + elapsed */
		exact = true;
	} else {
		to = k->b.lower;
	}
	if (!to)
		return node_fail(ctx, ERR_NOTFOUND, M_CLOCK_SET_NO_HUB);
	app_time_fmt(to, t, sizeof(t));
	if (getenv("CUNLIAN_NOW_MS")) { /* a simulated clock: never the system's */
		node_say(ctx, M_CLOCK_SET_DRY, t);
		return 0;
	}
	if (geteuid() != 0)
		return node_fail(ctx, ERR_UNAUTH, M_CLOCK_SET_ROOT);
	struct timespec ts = { .tv_sec = (time_t)(to / 1000), .tv_nsec = (long)(to % 1000) * 1000000L };
	if (clock_settime(CLOCK_REALTIME, &ts) != 0)
		return node_fail(ctx, -errno, M_CLOCK_SET_FAILED, node_reason(ctx->lang, -errno));
	node_say(ctx, exact ? M_CLOCK_SET_DONE : M_CLOCK_SET_LOWER, t);
	return 0;
}

int node_cmd_clock(struct node_ctx *ctx, int argc, char **argv)
{
	struct node_opt o[] = { { "set-from-hub", false, NULL }, { "replay", false, NULL } };
	const char *pos[1];
	size_t npos;
	struct app_clock k;
	int rc = node_opts_parse(ctx, argc, argv, o, NOPTS(o), pos, 1, &npos);
	if (rc)
		return rc > 0 ? 0 : rc;
	if (npos == 1 && strcmp(pos[0], "rescue") == 0 && !o[0].val)
		return node_clock_rescue(ctx, o[1].val != NULL);
	if (npos || o[1].val)
		return node_fail(ctx, ERR_USAGE, M_EXTRA_ARG, npos ? pos[0] : "--replay");
	if ((rc = node_open(ctx)))
		return rc;
	if ((rc = app_clock_judge(&ctx->app, &k)))
		return node_fail_store(ctx, rc);
	if (o[0].val)
		return clock_set(ctx, &k);
	clock_show(ctx, &k);
	return 0;
}
