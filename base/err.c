// SPDX-License-Identifier: MIT
/* err.c - names of the project's error codes. */
#include "base/err.h"

#include <string.h>

static const char *const err_names[] = {
	[ERR_BASE - ERR_CORRUPT] = "malformed or truncated data",
	[ERR_BASE - ERR_TOOBIG] = "over a size limit",
	[ERR_BASE - ERR_BADSIG] = "bad signature",
	[ERR_BASE - ERR_UNAUTH] = "author not allowed to write this",
	[ERR_BASE - ERR_SCHEMA] = "unknown table or column, or wrong value type",
	[ERR_BASE - ERR_CLOCK] = "clock too far in the future",
	[ERR_BASE - ERR_STORAGE] = "database error",
	[ERR_BASE - ERR_NOTFOUND] = "not found",
	[ERR_BASE - ERR_CONFLICT] = "conflicting content for the same id",
	[ERR_BASE - ERR_RULE] = "not allowed by the rules",
	[ERR_BASE - ERR_CHAIN] = "hash chain broken",
	[ERR_BASE - ERR_GAP] = "earlier commits missing",
	[ERR_BASE - ERR_NODICT] = "compression dictionary not available",
	[ERR_BASE - ERR_USAGE] = "invalid argument",
	[ERR_BASE - ERR_EXISTS] = "already exists",
	[ERR_BASE - ERR_REVOKED] = "author revoked",
	[ERR_BASE - ERR_NOPEER] = "compact chunk outside a session or before the peer's HELLO",
};

const char *err_str(int rc)
{
	if (rc == 0)
		return "ok";
	if (rc <= ERR_BASE && rc >= ERR_LAST)
		return err_names[ERR_BASE - rc];
	if (rc < 0 && rc > -4096)
		return strerror(-rc);
	return "unknown error";
}
