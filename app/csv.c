// SPDX-License-Identifier: MIT
/*
 * csv.c - a bounded CSV reader (csv.h).
 *
 * Invariants:
 *  C1. Nothing is read past end; a field never grows past field_max bytes
 *      (the growable buffer's ceiling) and a record keeps at most
 *      APP_CSV_FIELDS fields.
 *  C2. line counts every '\n' read, inside quotes too, so a problem is
 *      named by the line a spreadsheet shows.
 *  C3. Every field is wiped before it is freed (a row may hold an ID
 *      number); the file is read with read(2), never through stdio.
 *  C4. (writing) What app_csv_put() writes reads back through
 *      app_csv_next() as the same text, but for the ' put before a
 *      formula's first character; no written field starts with = + - @
 *      TAB or CR unless it is a plain number.
 */
#include <errno.h>
#include <fcntl.h>
#include <sodium.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "base/buf.h"
#include "base/err.h"
#include "base/mem.h"
#include "base/utf8.h"
#include "app/csv.h"

static int app_csv_read_fd(int fd, size_t max, char **data, size_t *len)
{
	struct stat sb;
	size_t cap, n = 0;
	char *p;

	if (fstat(fd, &sb) != 0)
		return -errno;
	if (S_ISDIR(sb.st_mode))
		return -EISDIR;
	if (S_ISREG(sb.st_mode) && (uint64_t)sb.st_size > max)
		return ERR_TOOBIG;
	/* a regular file needs only its size; a pipe may bring up to max */
	cap = S_ISREG(sb.st_mode) ? (size_t)sb.st_size : max;
	if (!(p = mem_alloc(cap + 2)))
		return -ENOMEM;
	for (;;) {
		ssize_t got = read(fd, p + n, cap + 1 - n);
		if (got < 0 && errno == EINTR)
			continue;
		if (got < 0) {
			int rc = -errno;
			sodium_memzero(p, n);
			mem_free(p);
			return rc;
		}
		n += (size_t)got;
		if (got == 0 || n == cap + 1)
			break;
	}
	if (n > cap) { /* past max, or a file that grew while read */
		sodium_memzero(p, n);
		mem_free(p);
		return cap == max ? ERR_TOOBIG : -EAGAIN;
	}
	p[n] = '\0';
	*data = p;
	*len = n;
	return 0;
}

int app_csv_file_read(const char *path, size_t max, char **data, size_t *len)
{
	int fd, rc;
	*data = NULL;
	*len = 0;
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return errno == ENOENT ? ERR_NOTFOUND : -errno;
	rc = app_csv_read_fd(fd, max, data, len);
	close(fd);
	return rc;
}

static int app_csv_fail(struct app_csv *c, int rc, enum app_csv_err err, unsigned line)
{
	c->err = err;
	c->err_line = line;
	return rc;
}

int app_csv_init(struct app_csv *c, const char *data, size_t len, size_t field_max)
{
	memset(c, 0, sizeof(*c));
	c->p = data;
	c->end = data + len;
	c->line = 1;
	c->field_max = field_max;
	if (len >= 3 && memcmp(data, "\xef\xbb\xbf", 3) == 0) /* a BOM, as Excel writes */
		c->p += 3;
	if (utf8_valid(c->p, (size_t)(c->end - c->p)))
		return 0;
	/* name the first line that is not UTF-8 */
	unsigned line = 1;
	for (const char *ls = c->p, *q; ls < c->end; ls = q + 1, line++) {
		q = memchr(ls, '\n', (size_t)(c->end - ls));
		if (!q)
			q = c->end;
		if (!utf8_valid(ls, (size_t)(q - ls)))
			break;
	}
	return app_csv_fail(c, ERR_CORRUPT, APP_CSV_NOT_UTF8, line);
}

void app_csv_release(struct app_csv *c)
{
	for (size_t i = 0; i < c->nkept; i++) {
		sodium_memzero(c->field[i], strlen(c->field[i]));
		mem_free(c->field[i]);
	}
	c->nkept = 0;
	c->nfields = 0;
}

/* The rest of a quoted field after its opening quote, into b. */
static int app_csv_quoted(struct app_csv *c, struct buf *b)
{
	for (;;) {
		if (c->p >= c->end)
			return app_csv_fail(c, ERR_CORRUPT, APP_CSV_QUOTE, c->start);
		if (*c->p == '"') {
			if (c->p + 1 < c->end && c->p[1] == '"') {
				buf_put_u8(b, '"');
				c->p += 2;
				continue;
			}
			c->p++;
			return 0;
		}
		if (*c->p == '\n')
			c->line++; /* C2 */
		buf_put_u8(b, (uint8_t)*c->p++);
	}
}

/* One field at c->p into the record. */
static int app_csv_field(struct app_csv *c)
{
	struct buf b;
	int rc = 0;
	buf_init(&b, c->field_max + 1); /* C1: the field and its NUL */
	if (c->p < c->end && *c->p == '"') {
		c->p++;
		rc = app_csv_quoted(c, &b);
	}
	while (!rc && c->p < c->end && *c->p != ',' && *c->p != '\n' && *c->p != '\r')
		buf_put_u8(&b, (uint8_t)*c->p++);
	buf_put_u8(&b, 0);
	if (!rc && b.err)
		rc = b.err == -ENOMEM ? app_csv_fail(c, -ENOMEM, APP_CSV_NOMEM, c->start)
				      : app_csv_fail(c, ERR_TOOBIG, APP_CSV_FIELD_BIG, c->start);
	if (!rc && c->nkept < APP_CSV_FIELDS) {
		c->field[c->nkept++] = (char *)b.data;
		b.data = NULL;
	}
	c->nfields++;
	if (b.data)
		sodium_memzero(b.data, b.len);
	buf_release(&b);
	return rc;
}

int app_csv_next(struct app_csv *c)
{
	int rc;
	app_csv_release(c);
	c->err = APP_CSV_OK;
	if (c->p >= c->end)
		return 0;
	c->start = c->line;
	for (;;) {
		if ((rc = app_csv_field(c))) {
			app_csv_release(c);
			return rc;
		}
		if (c->p < c->end && *c->p == ',') {
			c->p++;
			continue;
		}
		if (c->p < c->end && *c->p == '\r')
			c->p++;
		if (c->p < c->end && *c->p == '\n') {
			c->p++;
			c->line++;
		}
		return 1;
	}
}

char *app_csv_trim(char *s)
{
	while (*s == ' ' || *s == '\t')
		s++;
	char *e = s + strlen(s);
	while (e > s && (e[-1] == ' ' || e[-1] == '\t'))
		*--e = '\0';
	return s;
}

/* ---- writing ------------------------------------------------------------ */

bool app_csv_number(const char *s)
{
	const char *p = s;
	bool digits = false, dot = false;
	if (*p == '-')
		p++;
	for (; *p; p++) {
		if (*p >= '0' && *p <= '9')
			digits = true;
		else if (*p == '.' && !dot && digits)
			dot = true;
		else if (*p == '%' && p[1] == '\0' && digits)
			return true;
		else
			return false;
	}
	return digits && p[-1] != '.';
}

void app_csv_put(struct buf *b, const char *s, bool last)
{
	if (!s)
		s = "";
	bool quote = strpbrk(s, ",\"\r\n") != NULL;
	if (quote)
		buf_put_u8(b, '"');
	/* C4: a formula's first character never reaches the sheet first */
	if (s[0] && strchr("=+-@\t\r", s[0]) && !app_csv_number(s) && strcmp(s, "-") != 0)
		buf_put_u8(b, '\'');
	for (const char *p = s; *p; p++) {
		if (*p == '"')
			buf_put_u8(b, '"');
		buf_put_u8(b, (uint8_t)*p);
	}
	if (quote)
		buf_put_u8(b, '"');
	if (last)
		buf_put(b, "\r\n", 2);
	else
		buf_put_u8(b, ',');
}
