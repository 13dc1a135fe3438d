/* SPDX-License-Identifier: MIT */
/*
 * err.h - the project's error codes.
 *
 * Every action returns int: 0 on success, negative on failure. A negative
 * errno value (-ENOMEM, -EIO, ...) passes through unchanged; the project's
 * own codes live in one reserved range, ERR_BASE and below, far from any
 * errno. err_str() names every code, ours and errno's alike, in English; the
 * program (node/) turns codes into messages a person can act on.
 */
#ifndef CUNLIAN_ERR_H
#define CUNLIAN_ERR_H

#define ERR_BASE (-30000)

enum err_code {
	ERR_CORRUPT = ERR_BASE,      /* bytes do not decode: malformed or truncated */
	ERR_TOOBIG = ERR_BASE - 1,   /* a length or count is over its bound */
	ERR_BADSIG = ERR_BASE - 2,   /* a signature does not verify */
	ERR_UNAUTH = ERR_BASE - 3,   /* author may not write this */
	ERR_SCHEMA = ERR_BASE - 4,   /* unknown table/column, or wrong value type */
	ERR_CLOCK = ERR_BASE - 5,    /* a clock too far in the future */
	ERR_STORAGE = ERR_BASE - 6,  /* the SQLite database failed */
	ERR_NOTFOUND = ERR_BASE - 7, /* no such row, file or key */
	ERR_CONFLICT = ERR_BASE - 8, /* the same id with other content */
	ERR_RULE = ERR_BASE - 9,     /* a move the rules do not allow */
	ERR_CHAIN = ERR_BASE - 10,   /* a hash chain does not link */
	ERR_GAP = ERR_BASE - 11,     /* commits are missing before this one */
	ERR_NODICT = ERR_BASE - 12,  /* the zstd dictionary named is not here */
	ERR_USAGE = ERR_BASE - 13,   /* the caller passed something invalid */
	ERR_EXISTS = ERR_BASE - 14,  /* already there */
	ERR_REVOKED = ERR_BASE - 15, /* author's enrolment was revoked */
	ERR_NOPEER = ERR_BASE - 16,  /* a compact chunk with no session peer to name its sender */
	ERR_LAST = ERR_BASE - 16
};

/* A short English name of rc: ours, errno's (via strerror), or "ok" for 0.
 * The string is static; never NULL. */
const char *err_str(int rc);

#endif
