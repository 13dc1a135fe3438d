/* SPDX-License-Identifier: MIT */
/*
 * log.h - the daemon's log lines, for a technician reading the journal.
 *
 * Concept. One struct node_log per process, owned by the caller (no
 * global state). Lines go to one FILE (stderr). Under systemd (the
 * JOURNAL_STREAM variable names the device and inode of our stderr) each
 * line starts with the sd-daemon level prefix "<N>" and carries no time,
 * since the journal records it; otherwise each line starts with the local
 * time and the level name. A message of several lines is split, and
 * every line gets the prefix.
 *
 * Levels are syslog's: 3 error, 4 warning, 5 notice, 6 info, 7 debug.
 * The default threshold is info; CUNLIAN_LOG_LEVEL (a number or a name)
 * changes it.
 *
 * Personal data. Nothing that names a person (names, phone numbers, ID
 * numbers, order details) is logged at info or above: those lines log
 * ids (v-17, o-3), counts, bytes, peers and times. Only debug may carry
 * personal data, and debug is off unless asked for.
 *
 * Thread safety: one thread logs through a struct at a time.
 */
#ifndef CUNLIAN_NODE_LOG_H
#define CUNLIAN_NODE_LOG_H

#include <stdbool.h>
#include <stdio.h>

enum node_log_level {
	NODE_LOG_ERR = 3,
	NODE_LOG_WARNING = 4,
	NODE_LOG_NOTICE = 5,
	NODE_LOG_INFO = 6,
	NODE_LOG_DEBUG = 7,
};

struct node_log {
	FILE *f;       /* borrowed; lives as long as the struct is used */
	int max;       /* lines above this level are dropped */
	bool journal;  /* f is the journal's stream: "<N>" prefixes */
};

/* Log to f (normally stderr); reads JOURNAL_STREAM and CUNLIAN_LOG_LEVEL. */
void node_log_init(struct node_log *l, FILE *f);
/* The level named by s ("3".."7", "err", "warning", "notice", "info",
 * "debug"), or -1. */
int node_log_level_parse(const char *s);
/* One message at level; printf format. */
void node_log(const struct node_log *l, int level, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

#endif
