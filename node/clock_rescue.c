// SPDX-License-Identifier: MIT
/* clock_rescue.c - placeholder, filled below */
#include "base/err.h"
#include "node/node.h"
int node_clock_rescue(struct node_ctx *ctx, bool replay)
{
	(void)replay;
	return node_fail(ctx, ERR_USAGE, M_CLOCK_RESCUE_NOTHING);
}
