// SPDX-License-Identifier: MIT
/*
 * output.c - tables aligned by display width (a Chinese character takes
 * two columns), compact JSON, and CSV fields.
 */
#include <errno.h>
#include <math.h>
#include <string.h>

#include "base/buf.h"
#include "base/mem.h"
#include "base/utf8.h"
#include "app/backup.h"
#include "app/csv.h"
#include "node/node.h"

void node_table_init(struct node_table *t, size_t ncols, const char *const *head)
{
	memset(t, 0, sizeof(*t));
	t->ncols = ncols > NODE_TABLE_COLS ? NODE_TABLE_COLS : ncols;
	for (size_t c = 0; c < t->ncols; c++)
		t->head[c] = head[c];
}

void node_table_row(struct node_table *t, const char *const *cells)
{
	if (t->err)
		return;
	if (t->csv) {
		node_csv_row(t, cells);
		return;
	}
	if ((t->err = mem_grow((void **)&t->cells, &t->cap, t->nrows + 1, t->ncols * sizeof(*t->cells))))
		return;
	char **row = t->cells + t->nrows * t->ncols;
	for (size_t c = 0; c < t->ncols; c++) {
		const char *s = cells[c] ? cells[c] : "";
		row[c] = mem_strndup(s, strlen(s));
		if (!row[c]) {
			while (c--)
				mem_free(row[c]);
			t->err = -ENOMEM;
			return;
		}
	}
	t->nrows++;
}

static void node_pad(struct buf *b, size_t n)
{
	while (n--)
		buf_put_u8(b, ' ');
}

void node_table_print(const struct node_table *t, FILE *f)
{
	size_t w[NODE_TABLE_COLS];
	struct buf line;
	for (size_t c = 0; c < t->ncols; c++) {
		w[c] = utf8_width(t->head[c]);
		for (size_t r = 0; r < t->nrows; r++) {
			size_t cw = utf8_width(t->cells[r * t->ncols + c]);
			if (cw > w[c])
				w[c] = cw;
		}
	}
	buf_init(&line, BUF_DEFAULT_MAX);
	for (size_t r = 0; r <= t->nrows; r++) {
		buf_reset(&line);
		for (size_t c = 0; c < t->ncols; c++) {
			const char *s = r == 0 ? t->head[c] : t->cells[(r - 1) * t->ncols + c];
			size_t pad = w[c] - utf8_width(s);
			if (t->right[c])
				node_pad(&line, pad);
			buf_put(&line, s, strlen(s));
			if (!t->right[c])
				node_pad(&line, pad);
			if (c + 1 < t->ncols)
				buf_put(&line, "  ", 2);
		}
		while (line.len && line.data[line.len - 1] == ' ')
			line.len--; /* no trailing blanks */
		if (line.len)
			fwrite(line.data, 1, line.len, f);
		fputc('\n', f);
	}
	buf_release(&line);
}

void node_table_release(struct node_table *t)
{
	for (size_t i = 0; i < t->nrows * t->ncols; i++)
		mem_free(t->cells[i]);
	mem_free(t->cells);
	memset(t, 0, sizeof(*t));
}

/* ---- JSON ------------------------------------------------------------- */

void node_json_init(struct node_json *j, FILE *f)
{
	memset(j, 0, sizeof(*j));
	j->f = f;
	j->first[0] = true;
}

static void node_json_sep(struct node_json *j)
{
	if (j->after_key) {
		j->after_key = false;
		return;
	}
	if (!j->first[j->depth])
		fputc(',', j->f);
	j->first[j->depth] = false;
}

static void node_json_open(struct node_json *j, char c)
{
	node_json_sep(j);
	fputc(c, j->f);
	if (j->depth + 1 < (int)(sizeof(j->first) / sizeof(j->first[0])))
		j->depth++;
	j->first[j->depth] = true;
}

static void node_json_close(struct node_json *j, char c)
{
	fputc(c, j->f);
	if (j->depth > 0)
		j->depth--;
	if (j->depth == 0)
		fputc('\n', j->f);
}

void node_json_obj(struct node_json *j)
{
	node_json_open(j, '{');
}

void node_json_arr(struct node_json *j)
{
	node_json_open(j, '[');
}

void node_json_end_obj(struct node_json *j)
{
	node_json_close(j, '}');
}

void node_json_end_arr(struct node_json *j)
{
	node_json_close(j, ']');
}

static void node_json_quote(FILE *f, const char *s)
{
	fputc('"', f);
	for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
		switch (*p) {
		case '"':
			fputs("\\\"", f);
			break;
		case '\\':
			fputs("\\\\", f);
			break;
		case '\n':
			fputs("\\n", f);
			break;
		case '\t':
			fputs("\\t", f);
			break;
		case '\r':
			fputs("\\r", f);
			break;
		default:
			if (*p < 0x20)
				fprintf(f, "\\u%04x", *p);
			else
				fputc(*p, f);
		}
	}
	fputc('"', f);
}

void node_json_key(struct node_json *j, const char *k)
{
	node_json_sep(j);
	node_json_quote(j->f, k);
	fputc(':', j->f);
	j->after_key = true;
}

void node_json_str(struct node_json *j, const char *s)
{
	node_json_sep(j);
	if (s)
		node_json_quote(j->f, s);
	else
		fputs("null", j->f);
}

void node_json_int(struct node_json *j, int64_t v)
{
	node_json_sep(j);
	fprintf(j->f, "%lld", (long long)v);
}

void node_json_real(struct node_json *j, double v)
{
	char b[64];
	node_json_sep(j);
	if (!isfinite(v)) {
		fputs("null", j->f);
		return;
	}
	snprintf(b, sizeof(b), "%.4f", v);
	char *e = b + strlen(b) - 1;
	while (*e == '0')
		*e-- = '\0';
	if (*e == '.')
		*e = '\0';
	fputs(b, j->f);
}

void node_json_bool(struct node_json *j, bool v)
{
	node_json_sep(j);
	fputs(v ? "true" : "false", j->f);
}

void node_json_null(struct node_json *j)
{
	node_json_sep(j);
	fputs("null", j->f);
}

void node_json_kstr(struct node_json *j, const char *k, const char *s)
{
	node_json_key(j, k);
	node_json_str(j, s);
}

void node_json_kint(struct node_json *j, const char *k, int64_t v)
{
	node_json_key(j, k);
	node_json_int(j, v);
}

void node_json_kreal(struct node_json *j, const char *k, double v)
{
	node_json_key(j, k);
	node_json_real(j, v);
}

void node_csv_field(FILE *f, const char *s, bool last)
{
	struct buf b;
	buf_init(&b, BUF_DEFAULT_MAX);
	app_csv_put(&b, s, last); /* the one CSV writer (app/csv.h) */
	if (!b.err && b.len)
		fwrite(b.data, 1, b.len, f);
	buf_release(&b);
}

void node_json_raw(struct node_json *j, const char *json)
{
	node_json_sep(j);
	fputs(json, j->f);
}

void node_list_begin(struct node_ctx *ctx, struct node_json *j, struct node_table *t, size_t ncols,
		     const char *const *head, const char *key)
{
	node_table_init(t, ncols, head);
	node_json_init(j, stdout);
	if (ctx->json) {
		node_json_obj(j);
		node_json_key(j, key);
		node_json_arr(j);
	} else if (ctx->csv) {
		node_csv_begin(t);
	}
}

void node_list_end(struct node_ctx *ctx, struct node_json *j, struct node_table *t, size_t n,
		   enum node_msg_id empty)
{
	if (ctx->json) {
		node_json_end_arr(j);
		node_json_end_obj(j);
	} else if (ctx->csv) {
		/* the rows went out as they came */
	} else if (n == 0) {
		node_say(ctx, empty);
	} else {
		node_table_print(t, stdout);
	}
	node_table_release(t);
}

void node_bytes_fmt(uint64_t n, char *out, size_t len)
{
	app_bytes_fmt(n, out, len);
}

void node_trunc_width(const char *s, size_t maxw, char *out, size_t n)
{
	snprintf(out, n, "%s", s);
	if (utf8_width(out) <= maxw)
		return;
	/* cut at a character boundary until it fits with the ellipsis */
	size_t len = strlen(out);
	while (len > 0) {
		do
			len--;
		while (len > 0 && ((unsigned char)out[len] & 0xc0) == 0x80);
		out[len] = '\0';
		if (utf8_width(out) + 3 <= maxw)
			break;
	}
	if (len + 4 <= n)
		strcat(out, "...");
}

/* The bytes of one character at s as it is echoed (a control character or
 * a byte that is not UTF-8 escaped) into piece; returns how many bytes of
 * s it takes. */
static size_t node_echo_piece(const char *s, char piece[8])
{
	const unsigned char *p = (const unsigned char *)s;
	size_t n = p[0] < 0x80 ? 1 : p[0] >= 0xf0 ? 4 : p[0] >= 0xe0 ? 3 : 2;
	if (p[0] < 0x20 || p[0] == 0x7f) {
		snprintf(piece, 8, "\\x%02x", p[0]);
		return 1;
	}
	if (n > 1 && (strnlen(s, n) < n || !utf8_valid(s, n))) {
		snprintf(piece, 8, "\\x%02x", p[0]); /* not UTF-8 */
		return 1;
	}
	if (n == 2 && p[0] == 0xc2 && p[1] < 0xa0) { /* C1: U+0080..U+009F */
		snprintf(piece, 8, "\\u%04x", p[1]);
		return 2;
	}
	memcpy(piece, s, n);
	piece[n] = '\0';
	return n;
}

void node_echo(const char *s, char *out, size_t n)
{
	size_t k = 0, cols = 0, keep = 0;
	bool cut = false;
	char piece[8];
	if (n < 4) {
		if (n)
			out[0] = '\0';
		return;
	}
	while (s && *s) {
		size_t used = node_echo_piece(s, piece), len = strlen(piece);
		size_t w = utf8_width(piece);
		if (cols + w > NODE_ECHO_COLS || k + len + 4 > n) {
			cut = true;
			break;
		}
		memcpy(out + k, piece, len);
		k += len;
		cols += w;
		if (cols + 3 <= NODE_ECHO_COLS)
			keep = k; /* "..." still fits after here */
		s += used;
	}
	if (cut) {
		memcpy(out + keep, "...", 3);
		k = keep + 3;
	}
	out[k] = '\0';
}
