// SPDX-License-Identifier: MIT
/*
 * log.c - log lines with sd-daemon "<N>" prefixes under systemd, with the
 * local time and a level name on a terminal or in a file (log.h).
 */
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include "node/log.h"

static const char *const node_log_names[8] = { "emerg", "alert", "crit", "err",
					       "warning", "notice", "info", "debug" };

int node_log_level_parse(const char *s)
{
	if (!s || !*s)
		return -1;
	if (s[0] >= '3' && s[0] <= '7' && s[1] == '\0')
		return s[0] - '0';
	for (int i = 3; i < 8; i++)
		if (strcmp(s, node_log_names[i]) == 0)
			return i;
	if (strcmp(s, "error") == 0)
		return NODE_LOG_ERR;
	return -1;
}

/* JOURNAL_STREAM is "DEV:INODE" of the stream systemd connected; it only
 * counts when our stream is still that one (not redirected since). */
static bool node_log_is_journal(FILE *f)
{
	const char *js = getenv("JOURNAL_STREAM");
	unsigned long long dev, ino;
	struct stat sb;
	if (!js || sscanf(js, "%llu:%llu", &dev, &ino) != 2 || fstat(fileno(f), &sb) < 0)
		return false;
	return (unsigned long long)sb.st_dev == dev && (unsigned long long)sb.st_ino == ino;
}

void node_log_init(struct node_log *l, FILE *f)
{
	int lv = node_log_level_parse(getenv("CUNLIAN_LOG_LEVEL"));
	l->f = f;
	l->max = lv >= 0 ? lv : NODE_LOG_INFO;
	l->journal = node_log_is_journal(f);
}

void node_log(const struct node_log *l, int level, const char *fmt, ...)
{
	char msg[2048], head[64];
	va_list ap;

	if (level > l->max)
		return;
	if (level < 0)
		level = 0;
	if (level > 7)
		level = 7;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	if (l->journal) {
		snprintf(head, sizeof(head), "<%d>", level);
	} else {
		struct timespec ts;
		struct tm tm;
		clock_gettime(CLOCK_REALTIME, &ts);
		localtime_r(&ts.tv_sec, &tm);
		size_t n = strftime(head, sizeof(head), "%Y-%m-%d %H:%M:%S ", &tm);
		snprintf(head + n, sizeof(head) - n, "%s: ", node_log_names[level]);
	}
	/* One prefix per line; a trailing newline is not a line of its own. */
	for (char *p = msg, *nl; *p; p = nl + 1) {
		nl = strchr(p, '\n');
		if (!nl) {
			fprintf(l->f, "%s%s\n", head, p);
			break;
		}
		fprintf(l->f, "%s%.*s\n", head, (int)(nl - p), p);
	}
	fflush(l->f);
}
