// SPDX-License-Identifier: MIT
/*
 * clock.c - bounds on the true time (issue 12); `cunlian clock` is node/cmd_clock.c.
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
#include <sqlite3.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "base/afile.h"
#include "base/err.h"
#include "base/mem.h"
#include "app/app.h"
#include "app/clock.h"

#define NOPTS(a) (sizeof(a) / sizeof((a)[0]))

/* A boot id as a number: FNV-1a, 62 bits (kept as a decimal), never 0. */
static uint64_t clock_boot_num(const char *id)
{
	uint64_t h = 0xcbf29ce484222325ULL;
	for (const unsigned char *p = (const unsigned char *)id; *p; p++)
		h = (h ^ *p) * 0x100000001b3ULL;
	h &= (1ULL << 62) - 1;
	return h ? h : 1;
}

static void clock_boot_read(struct app_clock *k)
{
	const char *m = getenv("CUNLIAN_MONO_MS"), *b = getenv("CUNLIAN_BOOT_ID");
	int64_t v;
	k->n.mono_ms = 0;
	k->n.boot = 0;
	k->boot[0] = '\0';
	if (m || b) {
		if (m && b && app_parse_int(m, 1, INT64_MAX, &v) == 0 && app_id_ok(b)) {
			k->n.mono_ms = (uint64_t)v;
			snprintf(k->boot, sizeof(k->boot), "%s", b);
			k->n.boot = clock_boot_num(k->boot);
		}
		return;
	}
	if (getenv("CUNLIAN_NOW_MS"))
		return; /* a simulated wall clock: no real elapsed time goes with it */
	struct timespec ts;
	FILE *f = fopen("/proc/sys/kernel/random/boot_id", "r");
	char line[64];
	if (!f)
		return;
	if (fgets(line, sizeof(line), f)) {
		line[strcspn(line, "\n")] = '\0';
		size_t l = strlen(line);
		if (l < sizeof(k->boot) && clock_gettime(CLOCK_BOOTTIME, &ts) == 0) {
			memcpy(k->boot, line, l + 1);
			k->n.boot = clock_boot_num(k->boot);
			k->n.mono_ms = (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
		}
	}
	fclose(f);
}

static int clock_u64(const char *v, uint64_t *out)
{
	int64_t x;
	if (app_parse_int(v, 0, INT64_MAX, &x))
		return ERR_CORRUPT;
	*out = (uint64_t)x;
	return 0;
}

int app_clock_ev_load(const struct app *a, struct app_clock_ev *ev)
{
	char path[APP_PATH_MAX + 16], line[256];
	FILE *f;
	memset(ev, 0, sizeof(*ev));
	app_path(a, path, sizeof(path), "clock");
	if (!(f = fopen(path, "r")))
		return errno == ENOENT ? 0 : -errno;
	while (fgets(line, sizeof(line), f)) {
		char *eq = strchr(line, '=');
		line[strcspn(line, "\n")] = '\0';
		if (line[0] == '#' || !eq)
			continue;
		*eq = '\0';
		const char *key = line, *v = eq + 1;
		if (strcmp(key, "known_ms") == 0)
			clock_u64(v, &ev->t.known_ms);
		else if (strcmp(key, "write_ms") == 0)
			clock_u64(v, &ev->t.write_ms);
		else if (strcmp(key, "anchor_ms") == 0)
			clock_u64(v, &ev->t.anchor_ms);
		else if (strcmp(key, "anchor_mono") == 0)
			clock_u64(v, &ev->t.anchor_mono);
		else if (strcmp(key, "anchor_boot") == 0)
			clock_u64(v, &ev->t.anchor_boot);
		else if (strcmp(key, "anchor_from") == 0 && strlen(v) < sizeof(ev->anchor_from))
			memcpy(ev->anchor_from, v, strlen(v) + 1);
	}
	fclose(f);
	return 0;
}

static int clock_ev_save(const struct app *a, const struct app_clock_ev *ev)
{
	char path[APP_PATH_MAX + 16], tmp[APP_PATH_MAX + 32];
	FILE *f;
	app_path(a, path, sizeof(path), "clock");
	snprintf(tmp, sizeof(tmp), "%s.tmp%ld", path, (long)getpid());
	if (!(f = fopen(tmp, "w")))
		return -errno;
	fprintf(f, "# cunlian: what this node knows of the true time (docs/security.md \"Clock\")\n"
		   "known_ms=%llu\nwrite_ms=%llu\nanchor_ms=%llu\nanchor_mono=%llu\n"
		   "anchor_boot=%llu\nanchor_from=%s\n",
		(unsigned long long)ev->t.known_ms, (unsigned long long)ev->t.write_ms,
		(unsigned long long)ev->t.anchor_ms, (unsigned long long)ev->t.anchor_mono,
		(unsigned long long)ev->t.anchor_boot, ev->anchor_from);
	return afile_publish(f, tmp, path, false); /* evidence: a lost rename costs nothing */
}

/* The HLC time of this node's last own commit, 0 when none. */
static uint64_t clock_own_hlc(struct app *a)
{
	sqlite3_stmt *st;
	uint64_t ms = 0;
	if (!a->store)
		return 0;
	if (sqlite3_prepare_v2(crdt_store_db(a->store),
			       "SELECT max(h.hlc) FROM _heads h JOIN _authors a ON a.idx = h.author"
			       " WHERE a.id = ?1",
			       -1, &st, NULL) != SQLITE_OK)
		return 0;
	sqlite3_bind_blob(st, 1, a->author, CRDT_AUTHOR_LEN, SQLITE_STATIC);
	if (sqlite3_step(st) == SQLITE_ROW)
		ms = CRDT_HLC_MS((uint64_t)sqlite3_column_int64(st, 0));
	sqlite3_finalize(st);
	return ms;
}

/* The period of node.cert, when there is one. */
static void clock_cert(const struct app *a, struct app_clock *k)
{
	char path[APP_PATH_MAX + 16];
	uint8_t buf[SYNC_STMT_MAX + 1];
	struct sync_statement st;
	size_t len;
	FILE *f;
	app_path(a, path, sizeof(path), "node.cert");
	if (!(f = fopen(path, "rb")))
		return;
	len = fread(buf, 1, sizeof(buf), f);
	fclose(f);
	if (len == 0 || len > SYNC_STMT_MAX || sync_statement_decode(buf, len, &st) != 0)
		return;
	k->n.cert_nb = st.not_before;
	k->cert_na = st.not_after;
}

int app_clock_judge(struct app *a, struct app_clock *k)
{
	int rc;
	memset(k, 0, sizeof(*k));
	k->n.wall_ms = a->now_ms;
	k->n.hub = a->hub;
	clock_boot_read(k);
	if ((rc = app_clock_ev_load(a, &k->ev)))
		return rc;
	clock_cert(a, k);
	k->n.own_hlc_ms = clock_own_hlc(a);
	k->verdict = crdt_time_judge(&k->ev.t, &k->n, &k->b);
	return 0;
}

const char *app_clock_verdict_name(enum crdt_time_verdict v)
{
	switch (v) {
	case CRDT_TIME_OK:
		return "ok";
	case CRDT_TIME_UNSET:
		return "unset";
	case CRDT_TIME_BEHIND:
		return "behind";
	case CRDT_TIME_AHEAD:
		return "ahead";
	case CRDT_TIME_FEED_AHEAD:
		return "feed-ahead";
	}
	return "?";
}

/* Say why the clock refuses a write: what is wrong and how to fix it. */
static int clock_refuse(struct app *a, const struct app_clock *k)
{
	char now[32], b[32], own[32];
	app_time_fmt(k->n.wall_ms, now, sizeof(now));
	switch (k->verdict) {
	case CRDT_TIME_UNSET:
		return app_failf(a, ERR_CLOCK, APP_W_CLOCK_UNSET, 1, now);
	case CRDT_TIME_BEHIND:
		app_time_fmt(k->b.lower, b, sizeof(b));
		app_failf(a, ERR_CLOCK, APP_W_CLOCK_BEHIND, 2, now, b);
		a->fail.code[0] = (int)k->b.lower_src;
		return ERR_CLOCK;
	case CRDT_TIME_AHEAD:
		app_time_fmt(k->b.upper, b, sizeof(b));
		app_failf(a, ERR_CLOCK, APP_W_CLOCK_AHEAD, 2, now, b);
		a->fail.code[0] = (int)k->b.upper_src;
		return ERR_CLOCK;
	case CRDT_TIME_FEED_AHEAD:
		app_time_fmt(k->n.own_hlc_ms, own, sizeof(own));
		return app_failf(a, ERR_CLOCK, APP_W_CLOCK_FEED, 2, own, now);
	case CRDT_TIME_OK:
		break;
	}
	return 0;
}

static bool clock_rescue_pending(const struct app *a)
{
	char path[APP_PATH_MAX + 32];
	struct stat sb;
	app_path(a, path, sizeof(path), "rescue.pending");
	return stat(path, &sb) == 0;
}

int app_clock_check(struct app *a)
{
#ifdef NODE_CLOCK_UNCHECKED
	/* tests/e2e/clock.sh: the program as it was before issue 12 */
	(void)a;
	(void)clock_refuse;
	(void)clock_rescue_pending;
	return 0;
#else
	struct app_clock k;
	int rc;
	if (clock_rescue_pending(a) && !a->rescue_replay)
		return app_failf(a, ERR_CLOCK, APP_W_CLOCK_RESCUE_PENDING, 0);
	if ((rc = app_clock_judge(a, &k)))
		return app_fail_store(a, rc);
	return clock_refuse(a, &k);
#endif
}

void app_clock_wrote(struct app *a)
{
#ifndef NODE_CLOCK_UNCHECKED
	struct app_clock_ev ev;
	if (app_clock_ev_load(a, &ev) == 0 && a->now_ms > ev.t.write_ms) {
		ev.t.write_ms = a->now_ms;
		clock_ev_save(a, &ev);
	}
#else
	(void)a;
#endif
}

void app_clock_heard(struct app *a, const struct sync_report *rep, bool session,
		      uint64_t lag_ms)
{
	struct app_clock k;
	char station[CRDT_SCOPE_MAX + 1];
	uint8_t role = 0;
	bool hub;

	if (!rep->time_kind || rep->time_ms < CRDT_TIME_FLOOR_MS || !a->sync)
		return;
	if (a->have_root) {
		if (sync_ctx_enrolment(a->sync, rep->time_from, station, sizeof(station), &role))
			return; /* only an enrolled node's word counts */
		hub = role == SYNC_ROLE_HUB;
	} else {
		hub = true; /* no county yet: only a hub says SYNC_TIME_OWN */
	}
	if (a->hub || app_clock_judge(a, &k))
		return; /* the hub keeps its own time (docs/security.md) */
	bool fresh = rep->time_kind == SYNC_TIME_OWN && hub && session;
	if (rep->time_kind == SYNC_TIME_OWN && !hub)
		return; /* a station's own clock is no evidence */
	if (crdt_time_heard(&k.ev.t, &k.n, rep->time_ms, fresh, lag_ms)) {
		if (fresh)
			app_hex(rep->time_from, SYNC_PK_LEN, k.ev.anchor_from);
		clock_ev_save(a, &k.ev);
	}
}

void app_clock_say_time(struct app *a, uint64_t wall_now, bool bundle)
{
	struct app_clock k;
	if (!a->sync || app_clock_judge(a, &k))
		return;
	if (a->hub) {
		/* The hub is the county's clock: it says its time, but never a
		 * time it would not write with itself. */
		if (k.verdict == CRDT_TIME_OK || k.verdict == CRDT_TIME_FEED_AHEAD)
			sync_ctx_set_time(a->sync, SYNC_TIME_OWN, a->now_ms, wall_now);
		return;
	}
	/* A station relays the hub time it knows in sessions only: a bundle
	 * with a TIME chunk shows skipped bytes on a hub older than TIME, and
	 * stations are upgraded before their hub (docs/protocol.md "TIME"). */
	uint64_t h = k.ev.t.known_ms > k.ev.t.anchor_ms ? k.ev.t.known_ms : k.ev.t.anchor_ms;
	if (h && !bundle)
		sync_ctx_set_time(a->sync, SYNC_TIME_HEARD, h, 0);
	/* a slow clock still takes in what the hub sends (the time is at least L) */
	sync_ctx_set_time_floor(a->sync, k.b.lower);
}
