// SPDX-License-Identifier: MIT
/*
 * cmd_team.c - teams, hours and recognition on the command line (issue
 * 17): team add|list|show|join|leave, points adjust, hours add and
 * report --top. Parse, call app/team.h, print; the rules are app/'s.
 */
#include <string.h>

#include "base/err.h"
#include "app/team.h"
#include "app/volunteer.h"
#include "app/range.h"
#include "node/node.h"

static void node_team_json(struct node_json *j, const struct app_team *t, bool hours)
{
	node_json_kstr(j, "id", t->id);
	node_json_kstr(j, "name", t->name);
	node_json_kstr(j, "station", t->station);
	node_json_kstr(j, "leader", t->leader[0] ? t->leader : NULL);
	node_json_kstr(j, "leader_name", t->leader_name[0] ? t->leader_name : NULL);
	node_json_kint(j, "members", t->members);
	if (hours)
		node_json_kreal(j, "hours", t->hours);
}

int node_cmd_team_add(struct node_ctx *ctx, const struct node_args *a)
{
	struct app_team_in in = { node_arg(a, "name"), node_arg(a, "station"), node_arg(a, "leader") };
	struct app_team t;
	int rc;
	if ((rc = node_open(ctx)))
		return rc;
	if ((rc = app_team_add(&ctx->app, &in, &t)))
		return node_fail_app(ctx, rc);
	if (ctx->json) {
		struct node_json j;
		node_json_init(&j, stdout);
		node_json_obj(&j);
		node_team_json(&j, &t, false);
		node_json_end_obj(&j);
	} else {
		node_say(ctx, M_TEAM_ADDED, t.id, t.name, t.station, t.leader[0] ? t.leader_name : "-");
	}
	return 0;
}

struct node_tlist {
	struct node_ctx *ctx;
	struct node_json j;
	struct node_table t;
	size_t n;
};

static int node_tlist_row(void *arg, const struct app_team *t)
{
	struct node_tlist *l = arg;
	char members[24], leader[APP_NAME_MAX + APP_ID_MAX + 4] = "-";
	l->n++;
	if (l->ctx->json) {
		node_json_obj(&l->j);
		node_team_json(&l->j, t, false);
		node_json_end_obj(&l->j);
		return 0;
	}
	snprintf(members, sizeof(members), "%lld", (long long)t->members);
	if (t->leader[0])
		snprintf(leader, sizeof(leader), "%s (%s)", t->leader_name[0] ? t->leader_name : "?",
			 t->leader);
	const char *cells[] = { t->id, t->name, t->station, leader, members };
	node_table_row(&l->t, cells);
	return 0;
}

int node_cmd_team_list(struct node_ctx *ctx, const struct node_args *a)
{
	struct node_tlist l = { .ctx = ctx };
	int rc;
	if ((rc = node_format_take(ctx, a)) || (rc = node_open(ctx))) /* --format csv (list.c) */
		return rc;
	const char *head[] = { node_msg(ctx->lang, M_COL_ID), node_msg(ctx->lang, M_COL_NAME),
			       node_msg(ctx->lang, M_COL_STATION), node_msg(ctx->lang, M_COL_LEADER),
			       node_msg(ctx->lang, M_COL_MEMBERS) };
	node_list_begin(ctx, &l.j, &l.t, 5, head, "teams");
	l.t.right[4] = true;
	rc = app_team_list(&ctx->app, node_arg(a, "station"), node_tlist_row, &l);
	node_list_end(ctx, &l.j, &l.t, l.n, M_NO_TEAMS);
	return rc ? node_fail_app(ctx, rc) : 0;
}

/* Stars as ★☆ (n of 5) into out (cap at least 16 bytes). */
static void node_stars(int n, char *out, size_t cap)
{
	out[0] = '\0';
	for (int i = 0; i < 5; i++)
		strncat(out, i < n ? "★" : "☆", cap - strlen(out) - 1);
}

struct node_members {
	struct node_ctx *ctx;
	struct node_json *j;
	struct node_table t;
	struct app_settings set;
	int rc;
};

static int node_member_row(void *arg, const struct app_volunteer *v)
{
	struct node_members *m = arg;
	char hs[32], stars[64];
	double h = 0;
	if ((m->rc = app_volunteer_hours(&m->ctx->app, v->id, &h)))
		return m->rc;
	int n = app_stars(&m->set, h);
	if (m->ctx->json) {
		node_json_obj(m->j);
		node_json_kstr(m->j, "id", v->id);
		node_json_kstr(m->j, "name", v->name);
		node_json_kreal(m->j, "hours", h);
		node_json_kint(m->j, "stars", n);
		node_json_end_obj(m->j);
		return 0;
	}
	app_real_fmt(h, hs, sizeof(hs));
	node_stars(n, stars, sizeof(stars));
	const char *cells[] = { v->id, v->name, hs, stars };
	node_table_row(&m->t, cells);
	return 0;
}

int node_cmd_team_show(struct node_ctx *ctx, const struct node_args *a)
{
	struct app_volunteer_filter f = { 0 };
	struct node_members m = { .ctx = ctx };
	struct node_json j;
	struct app_team t;
	char hs[32], leader[APP_NAME_MAX + APP_ID_MAX + 4] = "-";
	int rc;
	if ((rc = node_args_one(ctx, a, M_NEED_ID)))
		return rc;
	if ((rc = app_team_find(&ctx->app, a->pos[0], &t)) ||
	    (rc = app_settings_load(&ctx->app, &m.set)))
		return node_fail_app(ctx, rc);
	const char *head[] = { node_msg(ctx->lang, M_COL_ID), node_msg(ctx->lang, M_COL_NAME),
			       node_msg(ctx->lang, M_RCOL_HOURS), node_msg(ctx->lang, M_COL_STARS) };
	node_table_init(&m.t, 4, head);
	m.t.right[2] = true;
	m.j = &j;
	node_json_init(&j, stdout);
	if (ctx->json) {
		node_json_obj(&j);
		node_team_json(&j, &t, true);
		node_json_key(&j, "volunteers");
		node_json_arr(&j);
	} else {
		app_real_fmt(t.hours, hs, sizeof(hs));
		if (t.leader[0])
			snprintf(leader, sizeof(leader), "%s (%s)", t.leader_name[0] ? t.leader_name : "?",
				 t.leader);
		node_say(ctx, M_TEAM_SHOW, t.id, t.name, t.station, leader, (long long)t.members, hs);
	}
	f.team = t.id;
	rc = app_volunteer_list(&ctx->app, &f, node_member_row, &m);
	if (!rc && ctx->json) {
		node_json_end_arr(&j);
		node_json_end_obj(&j);
	} else if (!rc && m.t.nrows) {
		node_say(ctx, M_TEAM_MEMBERS);
		node_table_print(&m.t, stdout);
	}
	node_table_release(&m.t);
	return rc ? node_fail_app(ctx, rc) : 0;
}

static void node_move_print(struct node_ctx *ctx, const struct app_team_move *r, bool join)
{
	if (ctx->json) {
		struct node_json j;
		node_json_init(&j, stdout);
		node_json_obj(&j);
		node_json_kstr(&j, "volunteer", r->v.id);
		node_json_kstr(&j, "team", join ? r->team.id : NULL);
		node_json_kstr(&j, "before", r->before[0] ? r->before : NULL);
		node_json_end_obj(&j);
	} else if (join) {
		node_say(ctx, M_TEAM_JOINED, r->v.name, r->v.id, r->team.name, r->team.id);
	} else {
		node_say(ctx, M_TEAM_LEFT, r->v.name, r->v.id, r->team.name);
	}
}

int node_cmd_team_join(struct node_ctx *ctx, const struct node_args *a)
{
	struct app_volunteer_found f;
	struct app_team_move r;
	int rc;
	if (a->npos != 2)
		return node_fail(ctx, ERR_USAGE, M_NEED_VID, "team join TEAM");
	if ((rc = node_open(ctx)))
		return rc;
	if ((rc = app_team_join(&ctx->app, a->pos[0], a->pos[1], &f, &r)))
		return node_fail_found(ctx, rc, &f);
	node_move_print(ctx, &r, true);
	return 0;
}

int node_cmd_team_leave(struct node_ctx *ctx, const struct node_args *a)
{
	struct app_volunteer_found f;
	struct app_team_move r;
	int rc;
	if ((rc = node_args_one(ctx, a, M_NEED_VID)))
		return rc;
	if ((rc = app_team_leave(&ctx->app, a->pos[0], &f, &r)))
		return node_fail_found(ctx, rc, &f);
	node_move_print(ctx, &r, false);
	return 0;
}

/* ---- points adjust, hours add ------------------------------------------- */

static void node_ledger_print(struct node_ctx *ctx, const struct app_ledger_result *r, const char *reason)
{
	char hs[32];
	if (ctx->json) {
		struct node_json j;
		node_json_init(&j, stdout);
		node_json_obj(&j);
		node_json_kstr(&j, "id", r->id);
		node_json_kstr(&j, "volunteer", r->v.id);
		node_json_kint(&j, "points", r->points);
		if (r->hours > 0)
			node_json_kreal(&j, "hours", r->hours);
		node_json_kstr(&j, "reason", reason);
		node_json_kint(&j, "balance", r->balance);
		node_json_end_obj(&j);
		return;
	}
	app_real_fmt(r->hours, hs, sizeof(hs));
	if (r->hours > 0)
		node_say(ctx, M_HOURS_ADDED, r->v.name, r->v.id, hs, (long long)r->points, reason,
			 (long long)r->balance, r->id);
	else
		node_say(ctx, M_ADJUSTED, r->v.name, r->v.id, (long long)r->points, reason,
			 (long long)r->balance, r->id);
}

int node_cmd_points_adjust(struct node_ctx *ctx, const struct node_args *a)
{
	struct app_volunteer_found f;
	struct app_ledger_result r;
	const char *reason = node_arg(a, "reason");
	int rc;
	if ((rc = node_args_one(ctx, a, M_NEED_VID)))
		return rc;
	if ((rc = app_points_adjust(&ctx->app, a->pos[0], node_arg(a, "points"), reason, &f, &r)))
		return node_fail_found(ctx, rc, &f);
	node_ledger_print(ctx, &r, reason);
	return 0;
}

int node_cmd_hours_add(struct node_ctx *ctx, const struct node_args *a)
{
	struct app_volunteer_found f;
	struct app_ledger_result r;
	const char *reason = node_arg(a, "reason");
	int rc;
	if ((rc = node_args_one(ctx, a, M_NEED_VID)))
		return rc;
	if ((rc = app_hours_add(&ctx->app, a->pos[0], node_arg(a, "hours"), reason, &f, &r)))
		return node_fail_found(ctx, rc, &f);
	node_ledger_print(ctx, &r, reason);
	return 0;
}

/* ---- report --top ------------------------------------------------------- */

struct node_top {
	struct node_ctx *ctx;
	struct node_json j;
	struct node_table t;
	size_t n;
};

static int node_top_row(void *arg, const struct app_top_row *r)
{
	struct node_top *l = arg;
	char rank[16], hs[32], stars[64];
	l->n++;
	if (l->ctx->json) {
		node_json_obj(&l->j);
		node_json_kstr(&l->j, "period", r->period);
		node_json_kstr(&l->j, "group", r->group[0] ? r->group : NULL);
		node_json_kint(&l->j, "rank", r->rank);
		node_json_kstr(&l->j, "volunteer", r->id);
		node_json_kstr(&l->j, "name", r->name);
		node_json_kstr(&l->j, "station", r->station);
		node_json_kreal(&l->j, "hours", r->hours);
		node_json_kint(&l->j, "stars", r->stars);
		node_json_end_obj(&l->j);
		return 0;
	}
	snprintf(rank, sizeof(rank), "%d", r->rank);
	app_real_fmt(r->hours, hs, sizeof(hs));
	node_stars(r->stars, stars, sizeof(stars));
	const char *cells[] = { r->period, r->group[0] ? r->group : "-", rank, r->id, r->name,
				r->station, hs, stars };
	node_table_row(&l->t, cells);
	return 0;
}

int node_report_top(struct node_ctx *ctx, const char *period, const char *by, const struct app_range *range)
{
	struct node_top l = { .ctx = ctx };
	enum app_top_period p = APP_TOP_MONTH;
	enum app_top_by g = APP_TOP_COUNTY;
	int rc;
	if (period && app_top_period_parse(period, &p))
		return node_fail_app(ctx, app_failf(&ctx->app, ERR_USAGE, APP_W_TOP_BAD_PERIOD, 1, period));
	if (by && app_top_by_parse(by, &g))
		return node_fail_app(ctx, app_failf(&ctx->app, ERR_USAGE, APP_W_TOP_BAD_BY, 1, by));
	if ((rc = node_open(ctx)))
		return rc;
	const char *head[] = { node_msg(ctx->lang, M_COL_PERIOD), node_msg(ctx->lang, M_RCOL_GROUP),
			       node_msg(ctx->lang, M_COL_RANK),   node_msg(ctx->lang, M_COL_ID),
			       node_msg(ctx->lang, M_COL_NAME),   node_msg(ctx->lang, M_COL_STATION),
			       node_msg(ctx->lang, M_RCOL_HOURS), node_msg(ctx->lang, M_COL_STARS) };
	node_list_begin(ctx, &l.j, &l.t, 8, head, "top");
	l.t.right[2] = l.t.right[6] = true;
	rc = app_top_list_range(&ctx->app, p, g, 10, range->from_ms, range->to_ms, node_top_row, &l);
	node_list_end(ctx, &l.j, &l.t, l.n, M_NO_TOP);
	return rc ? node_fail_app(ctx, rc) : 0;
}
