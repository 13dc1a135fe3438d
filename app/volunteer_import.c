// SPDX-License-Identifier: MIT
/*
 * volunteer_import.c - registering volunteers from a CSV file
 * (volunteer.h "import").
 *
 * Rules (volunteer.c V1-V4 hold for every row), and:
 *  V5. An import is all or nothing: every row is checked first, and one
 *      row with a problem (named by its line) means nothing is imported.
 *      Then the rows are committed in commits of whole rows, each at most
 *      SYNC_COMMIT_FIT body bytes (a larger row alone), so every commit
 *      can travel over every link, LoRa and relays included
 *      (docs/protocol.md "Commit size"); all of them in the one write
 *      transaction, durable together at app_write_end or not at all.
 * Cost (issue 15): per row, a constant amount of work besides the index
 * searches: the owner queries are prepared once and reset for each row
 * (volunteer_internal.h), repeats inside the file are found in two hash
 * tables, the ID key is derived once, and the ids are taken once for the
 * whole import (one app_id_max).
 */
#include <errno.h>
#include <sodium.h>
#include <stdio.h>
#include <string.h>

#include "base/buf.h"
#include "base/err.h"
#include "base/mem.h"
#include "app/csv.h"
#include "app/volunteer_internal.h"

enum { COL_NAME, COL_PHONE, COL_TEAM, COL_SKILLS, COL_IDNUM, NCOLS };

struct app_import_row {
	unsigned line;
	char *name, *phone, *team, *skills; /* mem_alloc'd */
	struct app_idnum idn;               /* hash[0] == '\0': none */
};

/* Rows by a key (the phone, or the ID number's hash): open addressing,
 * slots hold a row index + 1. At most half full. */
struct app_rowset {
	uint32_t *slot;
	size_t mask;
};

struct app_import_run {
	struct app *a;
	struct app_import *r;
	const char *path, *station;
	struct app_csv c;
	int col[APP_CSV_FIELDS];
	size_t ncol;
	struct app_import_row *rows;
	size_t nrows, cap;
	struct app_rowset phones, ids;
	struct app_volunteer_owners own;
	uint8_t *idkey; /* sodium_malloc'd, once a row has an ID number */
	int err_rc;     /* the code of a refusal for rows with problems */
};

static int app_csv_column(const char *h)
{
	static const char *const names[NCOLS][4] = {
		{ "name", "姓名", "名字", NULL },
		{ "phone", "电话", "手机", "手机号" },
		{ "team", "队伍", "服务队", NULL },
		{ "skills", "技能", "特长", NULL },
		{ "id_number", "身份证号", "身份证号码", "身份证" },
	};
	for (int c = 0; c < NCOLS; c++)
		for (int k = 0; k < 4 && names[c][k]; k++)
			if (strcmp(h, names[c][k]) == 0)
				return c;
	return -1;
}

/* ---- rows by key -------------------------------------------------------- */

static uint32_t app_key_hash(const char *s)
{
	uint32_t h = 2166136261u; /* FNV-1a */
	for (; *s; s++)
		h = (h ^ (uint8_t)*s) * 16777619u;
	return h;
}

static const char *app_row_key(const struct app_import_row *r, bool by_id)
{
	return by_id ? r->idn.hash : r->phone;
}

static int app_rowset_init(struct app_rowset *s, size_t rows)
{
	size_t n = 16;
	while (n < 2 * rows)
		n *= 2; /* rows <= APP_IMPORT_MAX_ROWS: never overflows */
	s->mask = n - 1;
	s->slot = mem_calloc(n, sizeof(*s->slot));
	return s->slot ? 0 : -ENOMEM;
}

/* The row holding key, or its empty slot; *at gets the slot. */
static const struct app_import_row *app_rowset_find(const struct app_rowset *s,
						    const struct app_import_row *rows, bool by_id,
						    const char *key, size_t *at)
{
	size_t i = app_key_hash(key) & s->mask;
	for (; s->slot[i]; i = (i + 1) & s->mask)
		if (strcmp(app_row_key(&rows[s->slot[i] - 1], by_id), key) == 0)
			break;
	*at = i;
	return s->slot[i] ? &rows[s->slot[i] - 1] : NULL;
}

/* ---- problems and notes of rows ----------------------------------------- */

static void app_issue_keep(struct app_import_issue *list, size_t *n, unsigned line,
			   const struct app_fail *f)
{
	list[*n].line = line;
	list[*n].f = *f;
	(*n)++;
}

/* The problem a->fail holds belongs to the row at line. */
static void app_import_bad(struct app_import_run *u, unsigned line)
{
	struct app_import *r = u->r;
	if (r->bad++ == 0)
		u->err_rc = u->a->fail.rc == ERR_EXISTS ? ERR_EXISTS : ERR_USAGE;
	if (r->nissue < APP_IMPORT_ISSUES)
		app_issue_keep(r->issue, &r->nissue, line, &u->a->fail);
	app_fail_clear(u->a);
}

/* A note in a->note about the row at line. */
static void app_import_note(struct app_import_run *u, unsigned line)
{
	struct app_import *r = u->r;
	if (u->a->note.why == APP_W_NONE)
		return;
	if (r->nnote < APP_IMPORT_ISSUES)
		app_issue_keep(r->note, &r->nnote, line, &u->a->note);
	else
		r->notes_more++;
	memset(&u->a->note, 0, sizeof(u->a->note));
}

/* ---- reading ------------------------------------------------------------ */

static int app_import_header(struct app_import_run *u)
{
	struct app *a = u->a;
	bool have[NCOLS] = { false };
	char line[16];
	int rc = app_csv_next(&u->c);
	if (rc < 0 && u->c.err == APP_CSV_NOMEM)
		return app_failf(a, rc, APP_W_FAILED, 0);
	if (rc <= 0 || u->c.nfields > u->c.nkept)
		return app_failf(a, ERR_USAGE, APP_W_IMPORT_NO_HEADER, 1, u->path);
	for (size_t i = 0; i < u->c.nkept; i++) {
		u->col[i] = app_csv_column(app_csv_trim(u->c.field[i]));
		if (u->col[i] < 0) {
			snprintf(line, sizeof(line), "%u", u->c.start);
			return app_failf(a, ERR_USAGE, APP_W_IMPORT_BAD_HEADER, 2, line, u->c.field[i]);
		}
		have[u->col[i]] = true;
	}
	if (!have[COL_NAME] || !have[COL_PHONE])
		return app_failf(a, ERR_USAGE, APP_W_IMPORT_NO_HEADER, 1, u->path);
	u->ncol = u->c.nkept;
	return 0;
}

/* A phone or ID number held already (by the replica: who, or by an earlier
 * row of the file: first): the row's problem. */
static void app_import_dup(struct app_import_run *u, bool by_id, const char *shown,
			   const struct app_owner *who, const struct app_import_row *first)
{
	char line[16];
	if (who->id[0])
		app_failf(u->a, ERR_EXISTS, by_id ? APP_W_IMPORT_IDNUM_DUP_DB : APP_W_IMPORT_DUP_DB, 3,
			  shown, who->name, who->id);
	else {
		snprintf(line, sizeof(line), "%u", first->line);
		app_failf(u->a, ERR_EXISTS, by_id ? APP_W_IMPORT_IDNUM_DUP_FILE : APP_W_IMPORT_DUP_FILE,
			  2, shown, line);
	}
	app_import_bad(u, u->c.start);
}

/* V1 and V4 of row x against the replica and the earlier rows: 1 when
 * the row has a problem (recorded), 0 when it is unique, or a failure. */
static int app_import_unique(struct app_import_run *u, struct app_import_row *x, const char *idnum,
			     size_t at[2])
{
	struct app *a = u->a;
	struct app_owner who;
	const struct app_import_row *first;
	int rc;

	if ((rc = app_volunteer_owner(a, &u->own, APP_OWNER_PHONE, x->phone, NULL, NULL, &who)))
		return rc;
	first = app_rowset_find(&u->phones, u->rows, false, x->phone, &at[0]);
	if (who.id[0] || first) {
		app_import_dup(u, false, x->phone, &who, first);
		return 1;
	}
	if (!*idnum)
		return 0;
	if ((!u->idkey && (rc = app_idnum_key(a, u->station, &u->idkey))) ||
	    (rc = app_idnum_digest(a, idnum, strlen(idnum), u->idkey, &x->idn)) ||
	    (rc = app_volunteer_owner(a, &u->own, APP_OWNER_IDNUM, x->idn.hash, NULL, NULL, &who)))
		return rc;
	first = app_rowset_find(&u->ids, u->rows, true, x->idn.hash, &at[1]);
	if (who.id[0] || first) {
		app_import_dup(u, true, x->idn.last4, &who, first);
		return 1;
	}
	if (x->idn.chash[0] &&
	    (rc = app_volunteer_owner(a, &u->own, APP_OWNER_ELSEWHERE, x->idn.chash, NULL, u->station,
				      &who)))
		return rc;
	if (who.id[0])
		app_notef(a, APP_W_VOL_IDNUM_ELSEWHERE, 4, x->idn.last4, who.station, who.name, who.id);
	return 0;
}

/* Check the record just read and keep it as the next row: 0 (kept, or a
 * problem recorded), or a failure. */
static int app_import_row(struct app_import_run *u)
{
	struct app *a = u->a;
	struct app_import_row *x = &u->rows[u->nrows];
	const char *v[NCOLS] = { "", "", "", "", "" };
	char phone[64], skills[APP_TEXT_MAX + 1], count[24];
	size_t at[2] = { 0, 0 };
	int rc;

	memset(x, 0, sizeof(*x));
	x->line = u->c.start;
	if (u->c.nfields != u->ncol) {
		snprintf(count, sizeof(count), "%zu", u->c.nfields);
		app_failf(a, ERR_USAGE, APP_W_IMPORT_FIELDS, 1, count);
		app_import_bad(u, x->line);
		return 0;
	}
	for (size_t i = 0; i < u->ncol; i++)
		v[u->col[i]] = app_csv_trim(u->c.field[i]);
	rc = !app_skills_norm(v[COL_SKILLS], skills, sizeof(skills))
		     ? app_failf(a, ERR_USAGE, APP_W_VOL_BAD_SKILLS, 1, v[COL_SKILLS])
		     : app_volunteer_fields_check(a, v[COL_NAME], v[COL_PHONE], v[COL_TEAM], skills,
						  v[COL_SKILLS]);
	if (!rc && *v[COL_IDNUM])
		rc = app_idnum_digest(a, v[COL_IDNUM], strlen(v[COL_IDNUM]), NULL, NULL);
	if (rc == -ENOMEM)
		return rc;
	if (rc) {
		app_import_bad(u, x->line);
		return 0;
	}
	app_phone_norm(v[COL_PHONE], phone, sizeof(phone));
	x->phone = phone;
	rc = app_import_unique(u, x, v[COL_IDNUM], at);
	x->phone = NULL;
	if (rc < 0) {
		memset(&x->idn, 0, sizeof(x->idn));
		return rc;
	}
	if (rc == 1) {
		memset(&x->idn, 0, sizeof(x->idn));
		return 0;
	}
	app_import_note(u, x->line);
	x->name = mem_strndup(v[COL_NAME], strlen(v[COL_NAME]));
	x->phone = mem_strndup(phone, strlen(phone));
	x->team = mem_strndup(v[COL_TEAM], strlen(v[COL_TEAM]));
	x->skills = mem_strndup(skills, strlen(skills));
	u->nrows++;
	if (!x->name || !x->phone || !x->team || !x->skills)
		return app_failf(a, -ENOMEM, APP_W_FAILED, 0);
	u->phones.slot[at[0]] = (uint32_t)u->nrows;
	if (x->idn.hash[0])
		u->ids.slot[at[1]] = (uint32_t)u->nrows;
	return 0;
}

/* Every record after the header: 0, or the file's own problem. */
static int app_import_rows(struct app_import_run *u)
{
	struct app *a = u->a;
	char line[16];
	int rc;
	while ((rc = app_csv_next(&u->c)) == 1) {
		if (u->c.nfields == 1 && *app_csv_trim(u->c.field[0]) == '\0')
			continue; /* a blank line */
		if (u->nrows == u->cap)
			return app_failf(a, ERR_USAGE, APP_W_IMPORT_TOO_BIG, 1, u->path);
		if ((rc = app_import_row(u)))
			return rc;
	}
	snprintf(line, sizeof(line), "%u", u->c.err_line);
	switch (rc < 0 ? u->c.err : APP_CSV_OK) {
	case APP_CSV_OK:
		return 0;
	case APP_CSV_QUOTE:
		return app_failf(a, ERR_USAGE, APP_W_IMPORT_QUOTE, 1, line);
	case APP_CSV_FIELD_BIG:
		return app_failf(a, ERR_USAGE, APP_W_IMPORT_FIELD_BIG, 1, line);
	case APP_CSV_NOT_UTF8:
	case APP_CSV_NOMEM:
		break;
	}
	return app_failf(a, rc, APP_W_FAILED, 0);
}

/* ---- writing ------------------------------------------------------------ */

/* The write registering row i; its id is formatted into id (which the
 * write borrows). */
static void app_import_write(const struct app_import_run *u, size_t i, struct crdt_write *w, char *id)
{
	const struct app_import_row *x = &u->rows[i];
	app_import_id(u->r, i, id, APP_ID_MAX + 1);
	app_volunteer_fill(w, id, x->name, x->phone, u->station, x->team, x->skills, &x->idn,
			   u->a->now_ms);
}

/* The writes of rows [at, end) as one commit; w and ids grow to fit. */
struct app_import_win {
	struct crdt_write *w;
	char (*id)[APP_ID_MAX + 1];
	size_t wcap, idcap;
};

static int app_import_commit_rows(struct app_import_run *u, size_t at, size_t end,
				  struct app_import_win *win)
{
	if (MEM_GROW(win->w, win->wcap, end - at) || MEM_GROW(win->id, win->idcap, end - at))
		return app_failf(u->a, -ENOMEM, APP_W_FAILED, 0);
	for (size_t i = at; i < end; i++)
		app_import_write(u, i, &win->w[i - at], win->id[i - at]);
	u->r->commits++;
	return app_commit_add(u->a, u->station, win->w, end - at);
}

/* V5: ids taken once; then rows are measured one by one and committed a
 * commit's worth at a time (only that many writes in memory). */
static int app_import_commit(struct app_import_run *u)
{
	struct app *a = u->a;
	struct app_import *r = u->r;
	struct app_import_win win = { 0 };
	struct crdt_write one;
	char id[APP_ID_MAX + 1];
	struct buf b;
	int rc;

	if ((rc = app_id_max(a, "volunteers", 'v', &r->first)))
		return rc;
	r->first++;
	snprintf(r->prefix, sizeof(r->prefix), "%s-v", app_id_prefix(a));
	buf_init(&b, CRDT_BODY_MAX);
	for (size_t at = 0, i = 0, body = 0; i <= u->nrows && !rc; i++) {
		size_t wlen = 0;
		if (i < u->nrows) {
			buf_reset(&b);
			app_import_write(u, i, &one, id);
			int erc = crdt_body_encode(&b, &one, 1);
			if (erc || b.err) {
				rc = app_failf(a, ERR_USAGE, APP_W_BAD_VALUE, 0);
				a->fail.code[0] = erc ? erc : b.err;
				break;
			}
			wlen = b.len - 1; /* the write without the count before it */
		}
		/* rows [at, i] would make a body of this many bytes */
		if (i > at && (i == u->nrows || varint_len(i + 1 - at) + body + wlen > SYNC_COMMIT_FIT)) {
			rc = app_import_commit_rows(u, at, i, &win);
			at = i;
			body = 0;
		}
		body += wlen;
	}
	buf_release(&b);
	mem_free(win.w);
	mem_free(win.id);
	if (!rc && !(rc = app_write_end(a)))
		r->imported = u->nrows;
	return rc;
}

/* ---- the whole ------------------------------------------------------------ */

static int app_import_read(struct app_import_run *u, char **data, size_t *len)
{
	struct app *a = u->a;
	char line[16];
	int rc = app_csv_file_read(u->path, APP_IMPORT_MAX_BYTES, data, len);
	if (rc == -EISDIR)
		return app_failf(a, ERR_USAGE, APP_W_IMPORT_DIR, 2, u->path, u->path);
	if (rc == ERR_TOOBIG)
		return app_failf(a, ERR_USAGE, APP_W_IMPORT_TOO_BIG, 1, u->path);
	if (rc)
		return app_failf(a, rc, APP_W_IMPORT_OPEN, 1, u->path);
	if (app_csv_init(&u->c, *data, *len, CRDT_TEXT_MAX) == 0)
		return 0;
	snprintf(line, sizeof(line), "%u", u->c.err_line);
	return app_failf(a, ERR_USAGE, APP_W_IMPORT_NOT_UTF8, 2, u->path, line);
}

/* Room for every record the data can hold (one a line at most). */
static int app_import_alloc(struct app_import_run *u, const char *data, size_t len)
{
	size_t lines = 1;
	for (const char *p = data; (p = memchr(p, '\n', len - (size_t)(p - data))) != NULL; p++)
		lines++;
	u->cap = lines < APP_IMPORT_MAX_ROWS ? lines : APP_IMPORT_MAX_ROWS;
	u->rows = mem_calloc(u->cap, sizeof(*u->rows));
	u->r->issue = mem_calloc(APP_IMPORT_ISSUES, sizeof(*u->r->issue));
	u->r->note = mem_calloc(APP_IMPORT_ISSUES, sizeof(*u->r->note));
	if (!u->rows || !u->r->issue || !u->r->note || app_rowset_init(&u->phones, u->cap) ||
	    app_rowset_init(&u->ids, u->cap))
		return app_failf(u->a, -ENOMEM, APP_W_FAILED, 0);
	return 0;
}

static void app_import_run_release(struct app_import_run *u)
{
	app_csv_release(&u->c);
	app_volunteer_owners_release(&u->own);
	for (size_t i = 0; u->rows && i < u->nrows; i++) {
		mem_free(u->rows[i].name);
		mem_free(u->rows[i].phone);
		mem_free(u->rows[i].team);
		mem_free(u->rows[i].skills);
	}
	mem_free(u->rows);
	mem_free(u->phones.slot);
	mem_free(u->ids.slot);
	sodium_free(u->idkey);
}

int app_volunteer_import(struct app *a, const char *path, const char *station,
			 struct app_import *r)
{
	struct app_import_run u = { .a = a, .r = r, .path = path };
	char *data = NULL;
	size_t len = 0;
	char nbad[24];
	int rc;

	memset(r, 0, sizeof(*r));
	bool began = !a->writing;
	if ((rc = app_volunteer_station(a, station, &u.station)) || (rc = app_write_begin(a)) ||
	    (rc = app_import_read(&u, &data, &len)) || (rc = app_import_alloc(&u, data, len)) ||
	    (rc = app_volunteer_owners_init(a, &u.own)) || (rc = app_import_header(&u)) ||
	    (rc = app_import_rows(&u)))
		goto out;
	if (r->bad) {
		snprintf(nbad, sizeof(nbad), "%zu", r->bad);
		rc = app_failf(a, u.err_rc, APP_W_IMPORT_NOTHING, 2, nbad, path);
	} else if (u.nrows == 0) {
		rc = app_failf(a, ERR_USAGE, APP_W_IMPORT_EMPTY, 1, path);
	} else {
		rc = app_import_commit(&u);
	}
out:
	if (rc) {
		r->nnote = r->notes_more = 0; /* nothing was registered: nothing to note */
		memset(&a->note, 0, sizeof(a->note));
	}
	app_import_run_release(&u);
	if (data)
		sodium_memzero(data, len); /* the file may hold ID numbers */
	mem_free(data);
	return app_write_fail(a, began, rc);
}

void app_import_id(const struct app_import *r, size_t i, char *out, size_t n)
{
	snprintf(out, n, "%s%lld", r->prefix, (long long)(r->first + (int64_t)i));
}

void app_import_release(struct app_import *r)
{
	mem_free(r->issue);
	mem_free(r->note);
	memset(r, 0, sizeof(*r));
}
