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
