// SPDX-License-Identifier: MIT
/*
 * cmd_volunteer.c - volunteers: add, set, list, show, and bulk import from
 * a CSV file.
 *
 * Rules:
 *  V1. One live volunteer per phone number, county-wide (as far as this
 *      replica knows): a second registration is refused and names the
 *      first.
 *  V2. A station changes only its own volunteers; the hub any. A
 *      volunteer's data is committed in the scope of their home station.
 *  V3. An import is one commit: every row is checked first, and one bad
 *      row (reported with its line number) means nothing is imported.
 *  V4. A resident ID number is kept only as its keyed hash and last four
 *      characters (idnum.c); one live volunteer per hash, as V1 for
 *      phones. The hash is keyed per station, so a number registered at
 *      two stations is seen twice only where both were hashed alike.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sodium.h>
#include <sqlite3.h>

#include "base/err.h"
#include "base/mem.h"
#include "base/utf8.h"
#include "node/node.h"

#define NOPTS(a) (sizeof(a) / sizeof((a)[0]))
#define IMPORT_MAX_BYTES ((size_t)8 << 20)
#define IMPORT_MAX_ROWS 20000
#define IMPORT_MAX_ERRORS 20

static unsigned node_volunteers_table(void)
{
	return crdt_schema_find("volunteers")->id;
}

int node_volunteer_load(struct node_ctx *ctx, const char *id, struct node_volunteer *v)
{
	sqlite3_stmt *st;
	int rc;
	memset(v, 0, sizeof(*v));
	if ((rc = node_sql(ctx, &st,
			   "SELECT name, phone, station, team, skills, status, registered_at, id_last4"
			   " FROM volunteers WHERE pk = ?1 AND _dead IS NULL",
			   id, NULL)))
		return rc;
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW) {
		snprintf(v->id, sizeof(v->id), "%s", id);
		app_col_text(st, 0, v->name, sizeof(v->name));
		app_col_text(st, 1, v->phone, sizeof(v->phone));
		app_col_text(st, 2, v->station, sizeof(v->station));
		app_col_text(st, 3, v->team, sizeof(v->team));
		app_col_text(st, 4, v->skills, sizeof(v->skills));
		app_col_text(st, 5, v->status, sizeof(v->status));
		v->registered_at = sqlite3_column_int64(st, 6);
		app_col_text(st, 7, v->id_last4, sizeof(v->id_last4));
	}
	sqlite3_finalize(st);
	if (rc == SQLITE_ROW)
		return 0;
	return rc == SQLITE_DONE ? ERR_NOTFOUND : node_fail_store(ctx, ERR_STORAGE);
}

bool node_volunteer_visiting(struct node_ctx *ctx, const char *id, char *home, size_t n)
{
	const char *v = strrchr(id, '-');
	size_t len = v ? (size_t)(v - id) : 0;
	sqlite3_stmt *st;
	bool known;

	home[0] = '\0';
	if (ctx->app.hub || !v || v[1] != 'v' || !v[2] || strspn(v + 2, "0123456789") != strlen(v + 2) ||
	    len == 0 || len >= n || len > CRDT_SCOPE_MAX)
		return false;
	memcpy(home, id, len);
	home[len] = '\0';
	if (strcmp(home, ctx->app.conf.station) == 0 ||
	    node_sql(ctx, &st, "SELECT 1 FROM stations WHERE pk = ?1 AND _dead IS NULL", home, NULL)) {
		home[0] = '\0';
		return false;
	}
	known = sqlite3_step(st) == SQLITE_ROW;
	sqlite3_finalize(st);
	if (!known)
		home[0] = '\0';
	return known;
}

int node_volunteer_home(struct node_ctx *ctx, const char *id, char *home, size_t n)
{
	struct node_volunteer v;
	int rc = node_volunteer_load(ctx, id, &v);
	if (rc == 0)
		snprintf(home, n, "%s", v.station);
	else if (rc == ERR_NOTFOUND)
		node_volunteer_visiting(ctx, id, home, n);
	return rc == ERR_NOTFOUND ? 0 : rc;
}

int node_volunteer_need(struct node_ctx *ctx, const char *id, struct node_volunteer *v)
{
	char home[CRDT_SCOPE_MAX + 1];
	int rc = node_volunteer_load(ctx, id, v);
	if (rc == ERR_NOTFOUND && node_volunteer_visiting(ctx, id, home, sizeof(home)))
		return node_fail(ctx, rc, M_VOLUNTEER_VISITING, id, home, home);
	if (rc == ERR_NOTFOUND)
		return node_fail(ctx, rc, M_VOLUNTEER_NOT_FOUND, id);
	return rc;
}

int node_points_balance(struct node_ctx *ctx, const char *vid, int64_t *bal)
{
	sqlite3_stmt *st;
	int rc;
	*bal = 0;
	if ((rc = node_sql(ctx, &st,
			   "SELECT coalesce(sum(delta), 0) FROM points WHERE volunteer = ?1 AND _dead IS NULL",
			   vid, NULL)))
		return rc;
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW)
		*bal = sqlite3_column_int64(st, 0);
	sqlite3_finalize(st);
	return rc == SQLITE_ROW ? 0 : node_fail_store(ctx, ERR_STORAGE);
}

int node_volunteer_hours(struct node_ctx *ctx, const char *vid, double *hours)
{
	sqlite3_stmt *st;
	int rc;
	*hours = 0;
	/* orders held here, and service credits (with their hours) of orders
	 * of other stations, which only the credit brings here */
	if ((rc = node_sql(ctx, &st,
			   "SELECT (SELECT coalesce(sum(hours), 0) FROM orders WHERE volunteer = ?1"
			   "  AND status IN ('done', 'rated') AND _dead IS NULL)"
			   " + (SELECT coalesce(sum(p.hours), 0) FROM points p WHERE p.volunteer = ?1"
			   "  AND p.reason = 'service' AND p._dead IS NULL AND NOT EXISTS"
			   "  (SELECT 1 FROM orders o WHERE o.pk = p.\"order\" AND o._dead IS NULL))",
			   vid, NULL)))
		return rc;
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW)
		*hours = sqlite3_column_double(st, 0);
	sqlite3_finalize(st);
	return rc == SQLITE_ROW ? 0 : node_fail_store(ctx, ERR_STORAGE);
}

/* The live volunteer other than self with this phone (or, by_id, this ID
 * number hash: V4), into who/name. */
static int node_owner(struct node_ctx *ctx, bool by_id, const char *value, const char *self,
		      char *who, size_t n, char *name, size_t nn)
{
	static const char *const sql[2] = {
		"SELECT pk, name FROM volunteers WHERE phone = ?1 AND pk != ?2"
		" AND _dead IS NULL ORDER BY pk LIMIT 1",
		"SELECT pk, name FROM volunteers WHERE id_hash = ?1 AND pk != ?2"
		" AND _dead IS NULL ORDER BY pk LIMIT 1",
	};
	sqlite3_stmt *st;
	int rc;
	who[0] = name[0] = '\0';
	if ((rc = node_sql(ctx, &st, sql[by_id], value, self ? self : "", NULL)))
		return rc;
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW) {
		app_col_text(st, 0, who, n);
		app_col_text(st, 1, name, nn);
	}
	sqlite3_finalize(st);
	return rc == SQLITE_ROW || rc == SQLITE_DONE ? 0 : node_fail_store(ctx, ERR_STORAGE);
}

static int node_phone_owner(struct node_ctx *ctx, const char *phone, const char *self, char *who,
			    size_t n, char *name, size_t nn)
{
	return node_owner(ctx, false, phone, self, who, n, name, nn);
}

static int node_idnum_owner(struct node_ctx *ctx, const char *hash, const char *self, char *who,
			    size_t n, char *name, size_t nn)
{
	return node_owner(ctx, true, hash, self, who, n, name, nn);
}

/* A volunteer of another station than station (other than self) whose
 * number has the same county hash: warned, not refused (only the hub,
 * which reads every station, can see one; docs/security.md "Duplicate
 * people across stations"); line > 0 names the line of an import. */
static int node_idnum_elsewhere(struct node_ctx *ctx, const struct node_idnum *idn, const char *station,
				const char *self, unsigned line)
{
	char who[NODE_ID_MAX + 1] = "", name[NODE_NAME_MAX + 1] = "", where[NODE_ID_MAX + 1] = "";
	sqlite3_stmt *st;
	int rc;
	if (!idn->chash[0])
		return 0;
	if ((rc = node_sql(ctx, &st,
			   "SELECT pk, name, station FROM volunteers WHERE id_chash = ?1 AND station != ?2"
			   " AND pk != ?3 AND _dead IS NULL ORDER BY pk LIMIT 1",
			   idn->chash, station, self ? self : "", NULL)))
		return rc;
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW) {
		app_col_text(st, 0, who, sizeof(who));
		app_col_text(st, 1, name, sizeof(name));
		app_col_text(st, 2, where, sizeof(where));
	}
	sqlite3_finalize(st);
	if (rc != SQLITE_ROW && rc != SQLITE_DONE)
		return node_fail_store(ctx, ERR_STORAGE);
	if (who[0] && line)
		node_fsay(stderr, ctx->lang, M_IMPORT_LINE, line);
	if (who[0])
		node_fsay(stderr, ctx->lang, M_IDNUM_ELSEWHERE, idn->last4, where, name, who);
	return 0;
}

/* Skills as a plain comma list: Chinese commas and 、 become ',', spaces
 * around items and empty items go. Returns false when too long. */
static bool node_skills_norm(const char *in, char *out, size_t n)
{
	size_t k = 0;
	bool item = false;
	out[0] = '\0';
	for (const char *p = in; *p;) {
		size_t step = 1;
		bool sep = *p == ',';
		if (!strncmp(p, "\xef\xbc\x8c", 3) || !strncmp(p, "\xe3\x80\x81", 3)) /* ， 、 */
			sep = true, step = 3;
		if (sep) {
			while (k > 0 && out[k - 1] == ' ')
				k--;
			if (item && k + 1 < n)
				out[k++] = ',';
			item = false;
		} else if (*p == ' ' && !item) {
			/* leading space of an item */
		} else {
			if (k + 1 >= n)
				return false;
			out[k++] = *p;
			item = true;
		}
		p += step;
	}
	while (k > 0 && (out[k - 1] == ' ' || out[k - 1] == ','))
		k--;
	out[k] = '\0';
	return true;
}

/* Check the fields of one registration; message id of the first problem,
 * or 0 (M_NONE). */
static enum node_msg_id node_volunteer_check(const char *name, const char *phone, const char *team,
					     const char *skills)
{
	if (!app_text_ok(name, NODE_NAME_MAX))
		return M_BAD_NAME;
	if (!phone || !app_phone_ok(phone))
		return M_BAD_PHONE;
	if (team && *team && !app_text_ok(team, NODE_NAME_MAX))
		return M_BAD_TEAM;
	if (skills && *skills && !app_text_ok(skills, NODE_TEXT_MAX))
		return M_BAD_SKILLS;
	return M_NONE;
}

static void node_volunteer_fill(struct crdt_write *w, const char *id, const char *name,
				const char *phone, const char *station, const char *team,
				const char *skills, const struct node_idnum *idn, uint64_t now)
{
	crdt_write_init(w, node_volunteers_table(), CRDT_UPSERT, id);
	crdt_write_text(w, "name", name);
	crdt_write_text(w, "phone", phone);
	crdt_write_text(w, "station", station);
	if (team && *team)
		crdt_write_text(w, "team", team);
	if (skills && *skills)
		crdt_write_text(w, "skills", skills);
	crdt_write_text(w, "status", "active");
	crdt_write_int(w, "registered_at", (int64_t)now);
	if (idn && idn->hash[0]) {
		crdt_write_text(w, "id_hash", idn->hash);
		crdt_write_text(w, "id_last4", idn->last4);
		if (idn->chash[0])
			crdt_write_text(w, "id_chash", idn->chash);
	}
}

static void node_print_id(struct node_ctx *ctx, const char *id, enum node_msg_id msg, const char *extra)
{
	if (ctx->json) {
		struct node_json j;
		node_json_init(&j, stdout);
		node_json_obj(&j);
		node_json_kstr(&j, "id", id);
		node_json_end_obj(&j);
	} else {
		node_say(ctx, msg, id, extra);
	}
}

/* The station a new record belongs to: --station (the hub only) or ours. */
static int node_home_station(struct node_ctx *ctx, const char *opt, const char **out)
{
	*out = opt ? opt : ctx->app.conf.station;
	if (opt && !app_id_ok(opt))
		return node_fail(ctx, ERR_USAGE, M_BAD_STATION_ID, opt);
	if (!app_may_write(&ctx->app, *out))
		return node_fail(ctx, ERR_RULE, M_NOT_OUR_STATION, *out, ctx->app.conf.station);
	return 0;
}

int node_cmd_volunteer_add(struct node_ctx *ctx, int argc, char **argv)
{
	struct node_opt o[] = { { "name", true, NULL },	  { "phone", true, NULL },
				{ "team", true, NULL },	  { "skills", true, NULL },
				{ "station", true, NULL }, { "id-number", true, NULL } };
	const char *pos[1], *station;
	size_t npos;
	char phone[64], skills[NODE_TEXT_MAX + 1], id[NODE_ID_MAX + 1], who[NODE_ID_MAX + 1],
		whoname[NODE_NAME_MAX + 1];
	struct node_idnum idn = { .hash = "" };
	struct crdt_write w;
	int rc = node_opts_parse(ctx, argc, argv, o, NOPTS(o), pos, 0, &npos);
	if (rc)
		return rc > 0 ? 0 : rc;
	const char *name = o[0].val, *team = o[2].val;
	if (!name || !o[1].val)
		return node_fail(ctx, ERR_USAGE, M_VOLUNTEER_NEEDS);
	if (!node_skills_norm(o[3].val ? o[3].val : "", skills, sizeof(skills)))
		return node_fail(ctx, ERR_USAGE, M_BAD_SKILLS, o[3].val);
	enum node_msg_id bad = node_volunteer_check(name, o[1].val, team, skills);
	if (bad != M_NONE)
		return node_fail(ctx, ERR_USAGE, bad,
				 bad == M_BAD_NAME ? name : bad == M_BAD_PHONE ? o[1].val
							: bad == M_BAD_TEAM ? team : skills);
	app_phone_norm(o[1].val, phone, sizeof(phone));
	if ((rc = node_open(ctx)) || (rc = node_home_station(ctx, o[4].val, &station)))
		return rc;
	if (o[5].val && (rc = node_idnum_arg(ctx, o[5].val, station, &idn)))
		return rc;
	if ((rc = node_phone_owner(ctx, phone, NULL, who, sizeof(who), whoname, sizeof(whoname))))
		return rc;
	if (who[0])
		return node_fail(ctx, ERR_EXISTS, M_PHONE_TAKEN, phone, whoname, who, who);
	if (idn.hash[0]) {
		if ((rc = node_idnum_owner(ctx, idn.hash, NULL, who, sizeof(who), whoname, sizeof(whoname))))
			return rc;
		if (who[0])
			return node_fail(ctx, ERR_EXISTS, M_IDNUM_TAKEN, idn.last4, whoname, who, who);
		if ((rc = node_idnum_elsewhere(ctx, &idn, station, NULL, 0)))
			return rc;
	}
	if ((rc = app_id_next(&ctx->app, "volunteers", 'v', id, sizeof(id))))
		return rc;
	node_volunteer_fill(&w, id, name, phone, station, team, skills, &idn, ctx->app.now_ms);
	if ((rc = node_commit(ctx, station, &w, 1)))
		return rc;
	node_print_id(ctx, id, M_VOLUNTEER_ADDED, name);
	return 0;
}

static bool node_vstatus_ok(const char *s)
{
	return strcmp(s, "active") == 0 || strcmp(s, "paused") == 0 || strcmp(s, "left") == 0;
}

int node_cmd_volunteer_set(struct node_ctx *ctx, int argc, char **argv)
{
	struct node_opt o[] = { { "name", true, NULL },	 { "phone", true, NULL },
				{ "team", true, NULL },	 { "skills", true, NULL },
				{ "status", true, NULL }, { "id-number", true, NULL } };
	const char *pos[1];
	size_t npos;
	char phone[64] = "", skills[NODE_TEXT_MAX + 1] = "", who[NODE_ID_MAX + 1],
		whoname[NODE_NAME_MAX + 1];
	struct node_idnum idn = { .hash = "" };
	struct node_volunteer v;
	struct crdt_write w;
	int rc = node_opts_parse(ctx, argc, argv, o, NOPTS(o), pos, 1, &npos);
	if (rc)
		return rc > 0 ? 0 : rc;
	if (npos != 1)
		return node_fail(ctx, ERR_USAGE, M_NEED_ID, "volunteer set");
	bool any = false;
	for (size_t i = 0; i < NOPTS(o); i++)
		any |= o[i].val != NULL;
	if (!any)
		return node_fail(ctx, ERR_USAGE, M_SET_NOTHING);
	if (o[0].val && !app_text_ok(o[0].val, NODE_NAME_MAX))
		return node_fail(ctx, ERR_USAGE, M_BAD_NAME, o[0].val);
	if (o[1].val && !app_phone_ok(o[1].val))
		return node_fail(ctx, ERR_USAGE, M_BAD_PHONE, o[1].val);
	if (o[2].val && *o[2].val && !app_text_ok(o[2].val, NODE_NAME_MAX))
		return node_fail(ctx, ERR_USAGE, M_BAD_TEAM, o[2].val);
	if (o[3].val && (!node_skills_norm(o[3].val, skills, sizeof(skills)) ||
			 (*skills && !app_text_ok(skills, NODE_TEXT_MAX))))
		return node_fail(ctx, ERR_USAGE, M_BAD_SKILLS, o[3].val);
	if (o[4].val && !node_vstatus_ok(o[4].val))
		return node_fail(ctx, ERR_USAGE, M_BAD_VSTATUS, o[4].val);
	if (o[1].val)
		app_phone_norm(o[1].val, phone, sizeof(phone));
	if ((rc = node_open(ctx)) || (rc = node_volunteer_need(ctx, pos[0], &v)))
		return rc;
	if (!app_may_write(&ctx->app, v.station))
		return node_fail(ctx, ERR_RULE, M_NOT_OUR_STATION, v.station, ctx->app.conf.station);
	if (o[1].val) {
		if ((rc = node_phone_owner(ctx, phone, v.id, who, sizeof(who), whoname, sizeof(whoname))))
			return rc;
		if (who[0])
			return node_fail(ctx, ERR_EXISTS, M_PHONE_TAKEN, phone, whoname, who, who);
	}
	if (o[5].val && *o[5].val) {
		if ((rc = node_idnum_arg(ctx, o[5].val, v.station, &idn)) ||
		    (rc = node_idnum_owner(ctx, idn.hash, v.id, who, sizeof(who), whoname, sizeof(whoname))))
			return rc;
		if (who[0])
			return node_fail(ctx, ERR_EXISTS, M_IDNUM_TAKEN, idn.last4, whoname, who, who);
		if ((rc = node_idnum_elsewhere(ctx, &idn, v.station, v.id, 0)))
			return rc;
	}
	crdt_write_init(&w, node_volunteers_table(), CRDT_UPSERT, v.id);
	if (o[0].val)
		crdt_write_text(&w, "name", o[0].val);
	if (o[1].val)
		crdt_write_text(&w, "phone", phone);
	if (o[2].val)
		crdt_write_text(&w, "team", *o[2].val ? o[2].val : NULL);
	if (o[3].val)
		crdt_write_text(&w, "skills", *skills ? skills : NULL);
	if (o[4].val)
		crdt_write_text(&w, "status", o[4].val);
	if (o[5].val) { /* "" clears it */
		crdt_write_text(&w, "id_hash", idn.hash[0] ? idn.hash : NULL);
		crdt_write_text(&w, "id_last4", idn.hash[0] ? idn.last4 : NULL);
		/* never a county hash of the number replaced */
		crdt_write_text(&w, "id_chash", idn.chash[0] ? idn.chash : NULL);
	}
	if ((rc = node_commit(ctx, v.station, &w, 1)))
		return rc;
	node_print_id(ctx, v.id, M_VOLUNTEER_UPDATED, o[0].val ? o[0].val : v.name);
	return 0;
}

static const char *node_vstatus_name(const struct node_ctx *ctx, const char *s)
{
	if (strcmp(s, "active") == 0)
		return node_msg(ctx->lang, M_VST_ACTIVE);
	if (strcmp(s, "paused") == 0)
		return node_msg(ctx->lang, M_VST_PAUSED);
	if (strcmp(s, "left") == 0)
		return node_msg(ctx->lang, M_VST_LEFT);
	return s;
}

static void node_json_skills(struct node_json *j, const char *skills)
{
	char buf[NODE_TEXT_MAX + 1], *save = NULL;
	snprintf(buf, sizeof(buf), "%s", skills);
	node_json_key(j, "skills");
	node_json_arr(j);
	for (char *p = strtok_r(buf, ",", &save); p; p = strtok_r(NULL, ",", &save))
		node_json_str(j, p);
	node_json_end_arr(j);
}

int node_cmd_volunteer_list(struct node_ctx *ctx, int argc, char **argv)
{
	struct node_opt o[] = { { "team", true, NULL },
				{ "skill", true, NULL },
				{ "status", true, NULL },
				{ "station", true, NULL } };
	const char *pos[1];
	size_t npos;
	sqlite3_stmt *st;
	int rc = node_opts_parse(ctx, argc, argv, o, NOPTS(o), pos, 0, &npos);
	if (rc)
		return rc > 0 ? 0 : rc;
	if (o[2].val && !node_vstatus_ok(o[2].val))
		return node_fail(ctx, ERR_USAGE, M_BAD_VSTATUS, o[2].val);
	if ((rc = node_open(ctx)))
		return rc;
	if ((rc = node_sql(ctx, &st,
			   "SELECT pk, name, phone, station, team, skills, status FROM volunteers"
			   " WHERE _dead IS NULL"
			   " AND (?1 IS NULL OR team = ?1)"
			   " AND (?2 IS NULL OR (',' || skills || ',') LIKE ('%,' || ?2 || ',%'))"
			   " AND (?3 IS NULL OR status = ?3)"
			   " AND (?4 IS NULL OR station = ?4)"
			   " ORDER BY station, CAST(substr(pk, instr(pk, '-v') + 2) AS INTEGER), pk",
			   NULL)))
		return rc;
	for (int i = 0; i < 4; i++)
		if (o[i].val)
			sqlite3_bind_text(st, i + 1, o[i].val, -1, SQLITE_TRANSIENT);
	const char *head[] = { node_msg(ctx->lang, M_COL_ID),	  node_msg(ctx->lang, M_COL_NAME),
			       node_msg(ctx->lang, M_COL_PHONE),  node_msg(ctx->lang, M_COL_TEAM),
			       node_msg(ctx->lang, M_COL_SKILLS), node_msg(ctx->lang, M_COL_STATUS) };
	struct node_table t;
	struct node_json j;
	size_t n = 0;
	node_list_begin(ctx, &j, &t, 6, head, "volunteers");
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		struct node_volunteer v;
		char masked[64];
		app_col_text(st, 0, v.id, sizeof(v.id));
		app_col_text(st, 1, v.name, sizeof(v.name));
		app_col_text(st, 2, v.phone, sizeof(v.phone));
		app_col_text(st, 3, v.station, sizeof(v.station));
		app_col_text(st, 4, v.team, sizeof(v.team));
		app_col_text(st, 5, v.skills, sizeof(v.skills));
		app_col_text(st, 6, v.status, sizeof(v.status));
		app_phone_mask(v.phone, masked, sizeof(masked));
		n++;
		if (ctx->json) {
			node_json_obj(&j);
			node_json_kstr(&j, "id", v.id);
			node_json_kstr(&j, "name", v.name);
			node_json_kstr(&j, "phone", masked);
			node_json_kstr(&j, "station", v.station);
			node_json_kstr(&j, "team", v.team[0] ? v.team : NULL);
			node_json_skills(&j, v.skills);
			node_json_kstr(&j, "status", v.status);
			node_json_end_obj(&j);
		} else {
			const char *cells[] = { v.id, v.name, masked, v.team[0] ? v.team : "-",
						v.skills[0] ? v.skills : "-", node_vstatus_name(ctx, v.status) };
			node_table_row(&t, cells);
		}
	}
	sqlite3_finalize(st);
	node_list_end(ctx, &j, &t, n, M_NO_VOLUNTEERS);
	return rc == SQLITE_DONE ? 0 : node_fail_store(ctx, ERR_STORAGE);
}

int node_cmd_volunteer_show(struct node_ctx *ctx, int argc, char **argv)
{
	const char *pos[1];
	size_t npos;
	struct node_volunteer v;
	struct app_settings set;
	double hours;
	int64_t bal;
	char when[32], hs[32], idmask[32];
	int rc = node_opts_parse(ctx, argc, argv, NULL, 0, pos, 1, &npos);
	if (rc)
		return rc > 0 ? 0 : rc;
	if (npos != 1)
		return node_fail(ctx, ERR_USAGE, M_NEED_ID, "volunteer show");
	if ((rc = node_open(ctx)) || (rc = node_volunteer_need(ctx, pos[0], &v)) ||
	    (rc = app_settings_load(&ctx->app, &set)) || (rc = node_volunteer_hours(ctx, v.id, &hours)) ||
	    (rc = node_points_balance(ctx, v.id, &bal)))
		return rc;
	int stars = app_stars(&set, hours);
	app_time_fmt((uint64_t)v.registered_at, when, sizeof(when));
	app_real_fmt(hours, hs, sizeof(hs));
	node_idnum_mask(v.id_last4, idmask, sizeof(idmask));
	if (ctx->json) {
		struct node_json j;
		node_json_init(&j, stdout);
		node_json_obj(&j);
		node_json_kstr(&j, "id", v.id);
		node_json_kstr(&j, "name", v.name);
		node_json_kstr(&j, "phone", v.phone);
		node_json_kstr(&j, "id_number", idmask[0] ? idmask : NULL);
		node_json_kstr(&j, "station", v.station);
		node_json_kstr(&j, "team", v.team[0] ? v.team : NULL);
		node_json_skills(&j, v.skills);
		node_json_kstr(&j, "status", v.status);
		node_json_kint(&j, "registered_at", v.registered_at);
		node_json_kreal(&j, "hours", hours);
		node_json_kint(&j, "stars", stars);
		node_json_kint(&j, "balance", bal);
		node_json_end_obj(&j);
		return 0;
	}
	char star_text[64] = "";
	for (int i = 0; i < 5; i++)
		strcat(star_text, i < stars ? "★" : "☆");
	node_say(ctx, M_VOLUNTEER_SHOW, v.id, v.name, v.phone, idmask[0] ? idmask : "-", v.station,
		 v.team[0] ? v.team : "-",
		 v.skills[0] ? v.skills : "-", node_vstatus_name(ctx, v.status), when, hs, star_text,
		 stars, (long long)bal);
	return 0;
}

/* ---- import ------------------------------------------------------------- */

struct node_csv {
	const char *p, *end;
	unsigned line;   /* line of the next character */
	unsigned start;  /* line where the last record started */
	char *fields[8];
	size_t nfields;
	bool too_many;
};

/* Fields are wiped before they are freed: a row may hold an ID number. */
static void node_csv_clear(struct node_csv *c)
{
	for (size_t i = 0; i < c->nfields; i++) {
		sodium_memzero(c->fields[i], strlen(c->fields[i]));
		mem_free(c->fields[i]);
	}
	c->nfields = 0;
}

/* Read one record (RFC 4180: quotes, doubled quotes, CRLF). Returns 1 when
 * a record was read, 0 at the end, ERR_CORRUPT for an unclosed quote,
 * -ENOMEM. */
static int node_csv_next(struct node_csv *c)
{
	node_csv_clear(c);
	c->too_many = false;
	if (c->p >= c->end)
		return 0;
	c->start = c->line;
	for (;;) {
		struct buf b;
		buf_init(&b, CRDT_TEXT_MAX + 2);
		if (c->p < c->end && *c->p == '"') {
			c->p++;
			for (;;) {
				if (c->p >= c->end) {
					buf_release(&b);
					return ERR_CORRUPT;
				}
				if (*c->p == '"') {
					if (c->p + 1 < c->end && c->p[1] == '"') {
						buf_put_u8(&b, '"');
						c->p += 2;
						continue;
					}
					c->p++;
					break;
				}
				if (*c->p == '\n')
					c->line++;
				buf_put_u8(&b, (uint8_t)*c->p++);
			}
		}
		while (c->p < c->end && *c->p != ',' && *c->p != '\n' && *c->p != '\r')
			buf_put_u8(&b, (uint8_t)*c->p++);
		buf_put_u8(&b, 0);
		if (b.err) {
			int err = b.err;
			buf_release(&b);
			return err == -ENOMEM ? err : ERR_TOOBIG;
		}
		if (c->nfields < 8)
			c->fields[c->nfields++] = (char *)b.data;
		else {
			c->too_many = true;
			buf_release(&b);
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

static char *node_trim(char *s)
{
	while (*s == ' ' || *s == '\t')
		s++;
	char *e = s + strlen(s);
	while (e > s && (e[-1] == ' ' || e[-1] == '\t'))
		*--e = '\0';
	return s;
}

enum { CSV_NAME, CSV_PHONE, CSV_TEAM, CSV_SKILLS, CSV_IDNUM, CSV_NCOLS };

static int node_csv_column(const char *h)
{
	static const char *const names[CSV_NCOLS][4] = {
		{ "name", "姓名", "名字", NULL },
		{ "phone", "电话", "手机", "手机号" },
		{ "team", "队伍", "服务队", NULL },
		{ "skills", "技能", "特长", NULL },
		{ "id_number", "身份证号", "身份证号码", "身份证" },
	};
	for (int c = 0; c < CSV_NCOLS; c++)
		for (int k = 0; k < 4 && names[c][k]; k++)
			if (strcmp(h, names[c][k]) == 0)
				return c;
	return -1;
}

struct node_import_row {
	unsigned line;
	char *name, *phone, *team, *skills; /* mem_alloc'd */
	struct node_idnum idn;              /* hash[0] == '\0': none */
	char id[NODE_ID_MAX + 1];
};

static void node_import_bad(struct node_ctx *ctx, unsigned *nerr, unsigned line, enum node_msg_id id,
			    const char *what)
{
	if (++*nerr > IMPORT_MAX_ERRORS)
		return;
	node_fsay(stderr, ctx->lang, M_IMPORT_LINE, line);
	node_fsay(stderr, ctx->lang, id, what);
}

static char *node_strdup(const char *s)
{
	return mem_strndup(s, strlen(s));
}

int node_cmd_volunteer_import(struct node_ctx *ctx, int argc, char **argv)
{
	struct node_opt o[] = { { "station", true, NULL } };
	const char *pos[1], *station;
	size_t npos, nrows = 0;
	char *data = NULL;
	size_t len = 0;
	struct node_csv c = { 0 };
	struct node_import_row *rows = NULL;
	struct crdt_write *w = NULL;
	int col[8], rc, err_rc = ERR_USAGE;
	unsigned nerr = 0, nbad = 0;
	size_t ncommits = 0;
	uint8_t *idkey = NULL; /* sodium_malloc'd, once a row has an ID number */
	FILE *f = NULL;

	rc = node_opts_parse(ctx, argc, argv, o, NOPTS(o), pos, 1, &npos);
	if (rc)
		return rc > 0 ? 0 : rc;
	if (npos != 1)
		return node_fail(ctx, ERR_USAGE, M_NEED_FILE);
	if ((rc = node_open(ctx)) || (rc = node_home_station(ctx, o[0].val, &station)))
		return rc;

	f = fopen(pos[0], "rb");
	if (!f)
		return node_fail(ctx, errno == ENOENT ? ERR_NOTFOUND : -errno, M_FILE_OPEN, pos[0],
				 node_reason(ctx->lang, -errno));
	setvbuf(f, NULL, _IONBF, 0); /* no stdio copy of the file (ID numbers) to wipe */
	data = mem_alloc(IMPORT_MAX_BYTES + 1);
	if (!data) {
		rc = -ENOMEM;
		goto out;
	}
	len = fread(data, 1, IMPORT_MAX_BYTES + 1, f);
	if (ferror(f)) {
		rc = node_fail(ctx, -EIO, M_FILE_OPEN, pos[0], node_reason(ctx->lang, -EIO));
		goto out;
	}
	if (len > IMPORT_MAX_BYTES) {
		rc = node_fail(ctx, ERR_USAGE, M_IMPORT_TOO_BIG, pos[0]);
		goto out;
	}
	data[len] = '\0';
	c.p = data;
	c.end = data + len;
	c.line = 1;
	if (len >= 3 && memcmp(data, "\xef\xbb\xbf", 3) == 0) /* a BOM, as Excel writes */
		c.p += 3;
	if (!utf8_valid(c.p, (size_t)(c.end - c.p))) {
		unsigned line = 1;
		const char *q = c.p;
		/* find the first bad line to name it */
		for (const char *ls = c.p; ls < c.end; ls = q + 1, line++) {
			q = memchr(ls, '\n', (size_t)(c.end - ls));
			if (!q)
				q = c.end;
			if (!utf8_valid(ls, (size_t)(q - ls)))
				break;
		}
		rc = node_fail(ctx, ERR_USAGE, M_IMPORT_NOT_UTF8, pos[0], line);
		goto out;
	}

	/* header */
	rc = node_csv_next(&c);
	if (rc <= 0) {
		rc = node_fail(ctx, ERR_USAGE, M_IMPORT_NO_HEADER, pos[0]);
		goto out;
	}
	bool have[CSV_NCOLS] = { false };
	for (size_t i = 0; i < c.nfields; i++) {
		col[i] = node_csv_column(node_trim(c.fields[i]));
		if (col[i] < 0) {
			rc = node_fail(ctx, ERR_USAGE, M_IMPORT_BAD_HEADER, c.start, c.fields[i]);
			goto out;
		}
		have[col[i]] = true;
	}
	if (!have[CSV_NAME] || !have[CSV_PHONE]) {
		rc = node_fail(ctx, ERR_USAGE, M_IMPORT_NO_HEADER, pos[0]);
		goto out;
	}
	size_t ncol = c.nfields;

	rows = mem_calloc(IMPORT_MAX_ROWS, sizeof(*rows));
	if (!rows) {
		rc = -ENOMEM;
		goto out;
	}
	while ((rc = node_csv_next(&c)) == 1) {
		if (c.nfields == 1 && *node_trim(c.fields[0]) == '\0')
			continue; /* blank line */
		if (nrows == IMPORT_MAX_ROWS) {
			rc = node_fail(ctx, ERR_USAGE, M_IMPORT_TOO_BIG, pos[0]);
			goto out;
		}
		if (c.too_many || c.nfields != ncol) {
			char got[16];
			snprintf(got, sizeof(got), "%zu", c.too_many ? (size_t)9 : c.nfields);
			node_import_bad(ctx, &nerr, c.start, M_IMPORT_FIELDS, got);
			nbad++;
			continue;
		}
		struct node_import_row *r = &rows[nrows];
		const char *v[CSV_NCOLS] = { "", "", "", "", "" };
		char phone[64], skills[NODE_TEXT_MAX + 1];
		for (size_t i = 0; i < ncol; i++)
			v[col[i]] = node_trim(c.fields[i]);
		r->line = c.start;
		if (!node_skills_norm(v[CSV_SKILLS], skills, sizeof(skills))) {
			node_import_bad(ctx, &nerr, c.start, M_BAD_SKILLS, v[CSV_SKILLS]);
			nbad++;
			continue;
		}
		enum node_msg_id bad = node_volunteer_check(v[CSV_NAME], v[CSV_PHONE], v[CSV_TEAM], skills);
		if (bad != M_NONE) {
			node_import_bad(ctx, &nerr, c.start, bad,
					bad == M_BAD_NAME ? v[CSV_NAME] : bad == M_BAD_PHONE ? v[CSV_PHONE]
								    : bad == M_BAD_TEAM ? v[CSV_TEAM] : skills);
			nbad++;
			continue;
		}
		size_t where;
		enum node_msg_id badid = *v[CSV_IDNUM] ? node_idnum_digest(v[CSV_IDNUM], strlen(v[CSV_IDNUM]),
									    NULL, NULL, &where)
						       : M_NONE;
		if (badid == M_FAILED) {
			rc = -ENOMEM;
			goto out;
		}
		if (badid != M_NONE) {
			if (++nerr <= IMPORT_MAX_ERRORS) {
				node_fsay(stderr, ctx->lang, M_IMPORT_LINE, c.start);
				node_fsay(stderr, ctx->lang, badid, where);
			}
			nbad++;
			continue;
		}
		app_phone_norm(v[CSV_PHONE], phone, sizeof(phone));
		/* V1: against the replica and against earlier rows of the file */
		char who[NODE_ID_MAX + 1], whoname[NODE_NAME_MAX + 1];
		if ((rc = node_phone_owner(ctx, phone, NULL, who, sizeof(who), whoname, sizeof(whoname))))
			goto out;
		if (who[0]) {
			if (++nerr <= IMPORT_MAX_ERRORS) {
				node_fsay(stderr, ctx->lang, M_IMPORT_LINE, c.start);
				node_fsay(stderr, ctx->lang, M_IMPORT_DUP_DB, phone, whoname, who);
			}
			if (nbad == 0)
				err_rc = ERR_EXISTS;
			nbad++;
			continue;
		}
		unsigned first = 0;
		for (size_t i = 0; i < nrows && !first; i++)
			if (strcmp(rows[i].phone, phone) == 0)
				first = rows[i].line;
		if (first) {
			if (++nerr <= IMPORT_MAX_ERRORS) {
				node_fsay(stderr, ctx->lang, M_IMPORT_LINE, c.start);
				node_fsay(stderr, ctx->lang, M_IMPORT_DUP_FILE, phone, first);
			}
			if (nbad == 0)
				err_rc = ERR_EXISTS;
			nbad++;
			continue;
		}
		/* V4: the same for the ID number, by its hash */
		if (*v[CSV_IDNUM]) {
			if (!idkey && (rc = node_idnum_key(ctx, station, &idkey)))
				goto out;
			if (node_idnum_digest(v[CSV_IDNUM], strlen(v[CSV_IDNUM]), idkey, &r->idn, NULL) !=
			    M_NONE) {
				rc = -ENOMEM;
				goto out;
			}
			if ((rc = node_idnum_owner(ctx, r->idn.hash, NULL, who, sizeof(who), whoname,
						   sizeof(whoname))))
				goto out;
			for (size_t i = 0; i < nrows && !first; i++)
				if (strcmp(rows[i].idn.hash, r->idn.hash) == 0)
					first = rows[i].line;
			if (who[0] || first) {
				if (++nerr <= IMPORT_MAX_ERRORS) {
					node_fsay(stderr, ctx->lang, M_IMPORT_LINE, c.start);
					if (who[0])
						node_fsay(stderr, ctx->lang, M_IMPORT_IDNUM_DUP_DB, r->idn.last4,
							  whoname, who);
					else
						node_fsay(stderr, ctx->lang, M_IMPORT_IDNUM_DUP_FILE, r->idn.last4,
							  first);
				}
				if (nbad == 0)
					err_rc = ERR_EXISTS;
				nbad++;
				memset(&r->idn, 0, sizeof(r->idn));
				continue;
			}
			if ((rc = node_idnum_elsewhere(ctx, &r->idn, station, NULL, c.start)))
				goto out;
		}
		r->name = node_strdup(v[CSV_NAME]);
		r->phone = node_strdup(phone);
		r->team = node_strdup(v[CSV_TEAM]);
		r->skills = node_strdup(skills);
		nrows++;
		if (!r->name || !r->phone || !r->team || !r->skills) {
			rc = -ENOMEM;
			goto out;
		}
	}
	if (rc < 0) {
		if (rc == ERR_CORRUPT)
			rc = node_fail(ctx, ERR_USAGE, M_IMPORT_QUOTE, c.start);
		else if (rc == ERR_TOOBIG)
			rc = node_fail(ctx, ERR_USAGE, M_IMPORT_FIELD_BIG, c.start);
		goto out;
	}
	if (nbad) {
		if (nerr > IMPORT_MAX_ERRORS)
			node_fsay(stderr, ctx->lang, M_IMPORT_MORE, nerr - IMPORT_MAX_ERRORS);
		rc = node_fail(ctx, err_rc, M_IMPORT_NOTHING, nbad, pos[0]);
		goto out;
	}
	if (nrows == 0) {
		rc = node_fail(ctx, ERR_USAGE, M_IMPORT_EMPTY, pos[0]);
		goto out;
	}

	/* V3: every row checked; now the commits. V5: each holds whole rows
	 * and at most SYNC_COMMIT_FIT body bytes (a row larger than that
	 * alone), so every one can travel to the hub over every link, LoRa
	 * and relays included (docs/protocol.md "Commit size"); all of them
	 * in one transaction, so the import is all or nothing here. */
	int64_t max;
	if ((rc = app_id_max(&ctx->app, "volunteers", 'v', &max)))
		goto out;
	w = mem_alloc(nrows * sizeof(*w));
	if (!w) {
		rc = -ENOMEM;
		goto out;
	}
	for (size_t i = 0; i < nrows; i++) {
		snprintf(rows[i].id, sizeof(rows[i].id), "%s-v%lld", app_id_prefix(&ctx->app),
			 (long long)(max + 1 + (int64_t)i));
		node_volunteer_fill(&w[i], rows[i].id, rows[i].name, rows[i].phone, station,
				    rows[i].team, rows[i].skills, &rows[i].idn, ctx->app.now_ms);
	}
	/* every commit in the command's write transaction (node_open began
	 * it): all of the import is on disk at node_write_end, or none */
	struct buf one;
	buf_init(&one, CRDT_BODY_MAX);
	for (size_t at = 0, i = 0, body = 0; i <= nrows && !rc; i++) {
		size_t wlen = 0;
		if (i < nrows) {
			buf_reset(&one);
			int erc = crdt_body_encode(&one, &w[i], 1);
			if (erc || one.err) {
				erc = erc ? erc : one.err;
				rc = node_fail(ctx, ERR_USAGE, M_BAD_VALUE, node_reason(ctx->lang, erc));
				break;
			}
			wlen = one.len - 1; /* the write without the count before it */
		}
		/* writes [at, i] would make a body of this many bytes */
		if (i > at && (i == nrows || varint_len(i + 1 - at) + body + wlen > SYNC_COMMIT_FIT)) {
			rc = node_commit_add(ctx, station, &w[at], i - at);
			ncommits++;
			at = i;
			body = 0;
		}
		body += wlen;
	}
	buf_release(&one);
	if (rc || (rc = node_write_end(ctx)))
		goto out; /* node_ctx_release rolls back what was added */
	if (ctx->json) {
		struct node_json j;
		node_json_init(&j, stdout);
		node_json_obj(&j);
		node_json_kint(&j, "imported", (int64_t)nrows);
		node_json_kint(&j, "commits", (int64_t)ncommits);
		node_json_key(&j, "ids");
		node_json_arr(&j);
		for (size_t i = 0; i < nrows; i++)
			node_json_str(&j, rows[i].id);
		node_json_end_arr(&j);
		node_json_end_obj(&j);
	} else {
		node_say(ctx, M_IMPORT_DONE, nrows, rows[0].id, rows[nrows - 1].id);
	}
	rc = 0;
out:
	if (f)
		fclose(f);
	node_csv_clear(&c);
	if (rows)
		for (size_t i = 0; i < nrows; i++) {
			mem_free(rows[i].name);
			mem_free(rows[i].phone);
			mem_free(rows[i].team);
			mem_free(rows[i].skills);
		}
	mem_free(rows);
	mem_free(w);
	sodium_free(idkey);
	if (data)
		sodium_memzero(data, len); /* the file may hold ID numbers */
	mem_free(data);
	return rc;
}
