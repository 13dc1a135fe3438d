// SPDX-License-Identifier: MIT
/*
 * hlc.c - hybrid logical clocks.
 *
 * Invariants:
 *  1. c->last never decreases.
 *  2. Every tick returns a clock strictly larger than every clock issued
 *     or observed before it.
 *  3. A remote clock more than max_ahead_ms past local time is refused and
 *     leaves c unchanged: a peer with a wrong clock cannot drag every
 *     replica into the future. Local time is the wall clock when it is
 *     plausible (not before CRDT_TIME_FLOOR_MS); measuring from the wall
 *     clock, not from the last clock seen, means a run of clocks each a
 *     little ahead cannot ratchet a replica forward. A board without a
 *     clock (booted at 1970) has only its last clock to go by.
 */
#include <string.h>

#include "base/err.h"
#include "crdt/crdt.h"

#define HLC_MS_MAX ((1ULL << 48) - 1)

uint64_t crdt_hlc_tick(struct crdt_clock *c, uint64_t wall_ms)
{
	uint64_t last_ms = CRDT_HLC_MS(c->last);
	if (wall_ms > HLC_MS_MAX)
		wall_ms = HLC_MS_MAX;
	if (wall_ms > last_ms)
		c->last = CRDT_HLC(wall_ms, 0);
	else if (CRDT_HLC_CTR(c->last) == 0xffff)
		c->last = CRDT_HLC(last_ms + 1, 0); /* counter full: borrow a ms */
	else
		c->last++;
	return c->last;
}

int crdt_hlc_observe(struct crdt_clock *c, uint64_t remote, uint64_t wall_ms)
{
	uint64_t now = wall_ms;
	if (wall_ms < CRDT_TIME_FLOOR_MS) /* no clock: go by what we know */
		now = CRDT_HLC_MS(c->last) > CRDT_TIME_FLOOR_MS ? CRDT_HLC_MS(c->last) : CRDT_TIME_FLOOR_MS;
	uint64_t bound = c->max_ahead_ms ? c->max_ahead_ms : CRDT_DEFAULT_MAX_AHEAD_MS;
	if (CRDT_HLC_MS(remote) > now + bound)
		return ERR_CLOCK;
	if (remote > c->last)
		c->last = remote;
	return 0;
}

/* ---- bounds on the true time ------------------------------------------ */

enum crdt_time_verdict crdt_time_judge(const struct crdt_time_evidence *e,
				       const struct crdt_time_now *n, struct crdt_time_bounds *b)
{
	memset(b, 0, sizeof(*b));
	b->lower = e->known_ms;
	b->lower_src = e->known_ms ? CRDT_TIME_SRC_HUB : CRDT_TIME_SRC_NONE;
	if (e->anchor_ms > b->lower) {
		b->lower = e->anchor_ms;
		b->lower_src = CRDT_TIME_SRC_HUB;
	}
	if (e->write_ms > b->lower) {
		b->lower = e->write_ms;
		b->lower_src = CRDT_TIME_SRC_WRITE;
	}
	if (n->cert_nb > b->lower) {
		b->lower = n->cert_nb;
		b->lower_src = CRDT_TIME_SRC_CERT;
	}
	if (e->anchor_ms && n->boot && n->boot == e->anchor_boot && n->mono_ms >= e->anchor_mono) {
		uint64_t el = n->mono_ms - e->anchor_mono;
		b->upper = e->anchor_ms + el + el / 1000 + CRDT_TIME_TOL_MS;
		b->upper_src = CRDT_TIME_SRC_ELAPSED;
	} else if (b->lower && !n->hub) {
		b->upper = b->lower + CRDT_TIME_REBOOT_SLACK_MS;
		b->upper_src = CRDT_TIME_SRC_REBOOT;
	}
	if (n->wall_ms < CRDT_TIME_FLOOR_MS)
		return CRDT_TIME_UNSET;
	if (n->wall_ms + CRDT_TIME_TOL_MS < b->lower)
		return CRDT_TIME_BEHIND;
	if (b->upper && n->wall_ms > b->upper)
		return CRDT_TIME_AHEAD;
	if (n->own_hlc_ms > n->wall_ms + CRDT_DEFAULT_MAX_AHEAD_MS)
		return CRDT_TIME_FEED_AHEAD;
	return CRDT_TIME_OK;
}

bool crdt_time_heard(struct crdt_time_evidence *e, const struct crdt_time_now *n, uint64_t ms,
		     bool fresh, uint64_t lag_ms)
{
	struct crdt_time_bounds b;
	bool changed = false;
	if (ms < CRDT_TIME_FLOOR_MS || ms > HLC_MS_MAX)
		return false;
	if (fresh) {
		if (ms > e->anchor_ms) { /* the same time again (a replay) is no news */
			e->anchor_ms = ms;
			e->anchor_mono = n->boot && n->mono_ms > lag_ms ? n->mono_ms - lag_ms : 0;
			e->anchor_boot = e->anchor_mono ? n->boot : 0;
			changed = true;
		}
		if (e->write_ms > ms + lag_ms + CRDT_TIME_TOL_MS) {
			e->write_ms = ms; /* written with a fast clock: the hub knows better */
			changed = true;
		}
	} else {
		crdt_time_judge(e, n, &b);
		if (b.upper_src == CRDT_TIME_SRC_ELAPSED && ms > b.upper)
			return false; /* a relayed word against this node's fresh anchor */
	}
	if (ms > e->known_ms) {
		e->known_ms = ms;
		changed = true;
	}
	return changed;
}

