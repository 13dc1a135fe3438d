// SPDX-License-Identifier: MIT
/*
 * list.c - the options every report and list of an administrator shares
 * (issue 17 "reports"): --format table|json|csv, --from/--to (days, parsed
 * by app/range.c), --limit/--page, and the page's last line ("showing
 * 1-50 of 40000, --page 2 for more").
 *
 * CSV (app/csv.h): the list's table columns, headings in the person's
 * language, streamed row by row (node_table with csv set never holds a
 * row), after a UTF-8 BOM, CRLF line ends.
 */
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "base/buf.h"
#include "base/err.h"
#include "app/csv.h"
#include "app/range.h"
#include "node/node.h"

/* Lines a page shows by default on a terminal. */
#define NODE_PAGE_DEFAULT 50

int node_format_take(struct node_ctx *ctx, const struct node_args *a)
{
	const char *f = node_arg(a, "format");
	if (!f)
		return 0;
	if (strcmp(f, "json") == 0)
		ctx->json = true;
	else if (strcmp(f, "csv") == 0)
		ctx->csv = true;
	else if (strcmp(f, "table") != 0)
		return node_fail(ctx, ERR_USAGE, M_BAD_FORMAT, f);
	if (ctx->csv && ctx->json) /* --json --format csv: say which */
		return node_fail(ctx, ERR_USAGE, M_BAD_FORMAT, f);
	return 0;
}

int node_range_take(struct node_ctx *ctx, const struct node_args *a, struct app_range *r)
{
	int rc = app_range_parse(&ctx->app, node_arg(a, "from"), node_arg(a, "to"), r);
	return rc ? node_fail_app(ctx, rc) : 0;
}

int node_page_take(struct node_ctx *ctx, const struct node_args *a, struct app_page *p)
{
	/* a person at a terminal gets a page; JSON, CSV and pipes get all
	 * unless --limit says otherwise, or --page asks for a page (of 50:
	 * `order list --page 2 | less`) */
	int64_t def = node_arg(a, "page") || (!ctx->json && !ctx->csv && isatty(STDOUT_FILENO))
			      ? NODE_PAGE_DEFAULT
			      : 0;
	int rc = app_page_parse(&ctx->app, node_arg(a, "limit"), node_arg(a, "page"), def, p);
	return rc ? node_fail_app(ctx, rc) : 0;
}

void node_csv_begin(struct node_table *t)
{
	struct buf b;
	buf_init(&b, BUF_DEFAULT_MAX);
	buf_put(&b, APP_CSV_BOM, 3);
	for (size_t c = 0; c < t->ncols; c++)
		app_csv_put(&b, t->head[c], c + 1 == t->ncols);
	if (!b.err)
		fwrite(b.data, 1, b.len, stdout);
	buf_release(&b);
	t->csv = stdout;
}

void node_csv_row(struct node_table *t, const char *const *cells)
{
	struct buf b;
	buf_init(&b, BUF_DEFAULT_MAX);
	for (size_t c = 0; c < t->ncols; c++)
		app_csv_put(&b, cells[c], c + 1 == t->ncols);
	if (b.err)
		t->err = b.err;
	else
		fwrite(b.data, 1, b.len, t->csv);
	buf_release(&b);
}

void node_page_json(struct node_json *j, const struct app_page *p)
{
	node_json_kint(j, "total", p->total);
	node_json_kint(j, "offset", p->offset);
	node_json_key(j, "limit");
	if (p->limit)
		node_json_int(j, p->limit);
	else
		node_json_null(j);
}

void node_page_say(struct node_ctx *ctx, const struct app_page *p, size_t n)
{
	if (ctx->json || ctx->csv || !p->limit)
		return;
	long long first = (long long)p->offset + 1, last = (long long)p->offset + (long long)n;
	if (n == 0 && p->total > 0)
		node_say(ctx, M_PAGE_PAST, (long long)(p->offset / p->limit + 1), (long long)p->total,
			 (long long)p->limit);
	else if (n > 0 && last < p->total)
		node_say(ctx, M_PAGE_MORE, first, last, (long long)p->total,
			 (long long)(p->offset / p->limit + 2));
	else if (n > 0 && p->offset > 0)
		node_say(ctx, M_PAGE_SHOWN, first, last, (long long)p->total);
}

void node_list_end_page(struct node_ctx *ctx, struct node_json *j, struct node_table *t, size_t n,
			enum node_msg_id empty, const struct app_page *p)
{
	if (ctx->json) {
		node_json_end_arr(j);
		node_page_json(j, p);
		node_json_end_obj(j);
		node_table_release(t);
		return;
	}
	if (n == 0 && p->total > 0 && !ctx->csv) { /* a page past the end */
		node_table_release(t);
		node_page_say(ctx, p, n);
		return;
	}
	node_list_end(ctx, j, t, n, empty);
	node_page_say(ctx, p, n);
}
