/* SPDX-License-Identifier: MIT */
/*
 * csv.h - reading CSV files people export from a spreadsheet (RFC 4180:
 * quoted fields, doubled quotes, CRLF or LF, a UTF-8 byte order mark as
 * Excel writes it), bounded everywhere.
 *
 * Concept. app_csv_file_read() takes the whole file into memory (at most
 * max bytes); app_csv_init() checks it is UTF-8 and app_csv_next() gives
 * one record at a time. Every failure is typed (enum app_csv_err) and
 * names the line it happened on, so a front end can say "line 12: a
 * quote is not closed".
 *
 * Bounds. A field holds at most field_max bytes (longer: APP_CSV_FIELD_BIG).
 * A record keeps its first APP_CSV_FIELDS fields; nfields counts them all.
 *
 * Writing. app_csv_put() writes one field of a record, the way Excel on
 * Chinese Windows reads it back: the file starts with APP_CSV_BOM (so
 * Excel takes it as UTF-8, not GBK), records end in CRLF, a field with
 * a comma, quote or line end is quoted (quotes doubled), and a text that
 * starts with = + - @ or a tab or CR gets a ' first, so a name such as
 * "=1+2" or "@SUM(A1)" is shown, never run as a formula. A plain number
 * (-5, 12.5, 40%) is left as it is. Every CSV the program writes (the
 * command line's --format csv, the hub's /hub/report.csv) goes through
 * it.
 *
 * Ownership. The reader borrows the data (the caller keeps it until
 * app_csv_release). Fields are the reader's, valid until the next
 * app_csv_next(); they are wiped before they are freed, since a row may
 * hold a resident ID number. Not thread-safe: one reader per thread.
 */
#ifndef CUNLIAN_APP_CSV_H
#define CUNLIAN_APP_CSV_H

#include <stdbool.h>
#include <stddef.h>

#include "base/buf.h"

#define APP_CSV_FIELDS 8

enum app_csv_err {
	APP_CSV_OK = 0,
	APP_CSV_NOT_UTF8,  /* the file is not UTF-8 (err_line: the first bad line) */
	APP_CSV_QUOTE,     /* a quoted field runs to the end of the file */
	APP_CSV_FIELD_BIG, /* a field longer than field_max bytes */
	APP_CSV_NOMEM,     /* out of memory */
};

struct app_csv {
	const char *p, *end;
	unsigned line;          /* line of the next character (from 1) */
	unsigned start;         /* line where the last record started */
	size_t field_max;
	char *field[APP_CSV_FIELDS]; /* the record's first fields, NUL-terminated */
	size_t nkept;           /* fields in field[] */
	size_t nfields;         /* fields the record had (may exceed APP_CSV_FIELDS) */
	enum app_csv_err err;   /* why the last call failed */
	unsigned err_line;
};

/* Read the file at path whole into *data (mem_alloc'd, NUL-terminated;
 * the caller wipes and frees it): 0, ERR_NOTFOUND, -EISDIR for a folder,
 * ERR_TOOBIG past max bytes, or -errno. Never through stdio buffers (no
 * copy left to wipe). */
int app_csv_file_read(const char *path, size_t max, char **data, size_t *len);

/* Start reading data (len bytes; a leading BOM is skipped). 0, or
 * ERR_CORRUPT with err APP_CSV_NOT_UTF8 and err_line. */
int app_csv_init(struct app_csv *c, const char *data, size_t len, size_t field_max);
/* The next record into field[]: 1 when one was read, 0 at the end; on
 * failure a negative code with err and err_line set (ERR_CORRUPT for
 * APP_CSV_QUOTE, ERR_TOOBIG for APP_CSV_FIELD_BIG, -ENOMEM). */
int app_csv_next(struct app_csv *c);
/* Wipe and free the current record's fields. */
void app_csv_release(struct app_csv *c);
/* Blanks (spaces, tabs) at both ends cut off, in place; returns s moved
 * past the leading ones. */
char *app_csv_trim(char *s);

/* ---- writing --------------------------------------------------------- */

#define APP_CSV_BOM "\xEF\xBB\xBF"
/* Field s (NULL: empty) into b, then "," or, when last, "\r\n". b's
 * sticky error tells a failure. */
void app_csv_put(struct buf *b, const char *s, bool last);
/* Is s a plain number (-5, 12.5, 40%) that needs no guard? */
bool app_csv_number(const char *s);

#endif
