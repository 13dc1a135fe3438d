// SPDX-License-Identifier: MIT
/*
 * cmd_volunteer.c - the volunteer commands (add, set, list, show, import):
 * read the options, call app/volunteer.h, print. The rules are in
 * app/volunteer.c and app/volunteer_import.c.
 *
 * A resident ID number typed as --id-number is wiped from argv (and so
 * from /proc/PID/cmdline) as soon as app/ has taken it, whatever the
 * result (app/idnum.c I1).
 */
#include <sodium.h>
#include <string.h>

#include "base/err.h"
#include "app/find.h"
#include "app/idnum.h"
#include "app/team.h"
#include "app/volunteer.h"
#include "app/range.h"
#include "node/node.h"

/* ---- add, set --------------------------------------------------------- */

/* The options of add and set as app/ takes them. */
static struct app_volunteer_in node_volunteer_in(const struct node_args *a, bool add)
{
	struct app_volunteer_in in = {
		.name = node_arg(a, "name"),
		.phone = node_arg(a, "phone"),
		.team = node_arg(a, "team"),
		.skills = node_arg(a, "skills"),
		.id_number = node_arg(a, "id-number"),
	};
	if (add)
		in.station = node_arg(a, "station");
	else
		in.status = node_arg(a, "status");
	return in;
}

/* I1: argv's copy of the number goes, whatever happened. */
static void node_idnum_wipe(const struct app_volunteer_in *in)
{
	if (in->id_number)
		sodium_memzero((char *)in->id_number, strlen(in->id_number));
}

static void node_print_id(struct node_ctx *ctx, const char *id, enum node_msg_id msg, const char *name)
{
	if (ctx->json) {
		struct node_json j;
		node_json_init(&j, stdout);
		node_json_obj(&j);
		node_json_kstr(&j, "id", id);
		node_json_end_obj(&j);
	} else {
		node_say(ctx, msg, id, name);
	}
}

int node_cmd_volunteer_add(struct node_ctx *ctx, const struct node_args *a)
{
	struct app_volunteer_in in = node_volunteer_in(a, true);
	char id[APP_ID_MAX + 1];
	int rc = app_volunteer_check(&ctx->app, &in, true);
	if (!rc && !(rc = node_open(ctx)))
		rc = app_volunteer_add(&ctx->app, &in, id, sizeof(id));
	node_idnum_wipe(&in);
	if (rc)
		return ctx->said ? rc : node_fail_app(ctx, rc);
	node_note_app(ctx);
	node_print_id(ctx, id, M_VOLUNTEER_ADDED, in.name);
	return 0;
}

/* The one volunteer `who` names (an id, a phone or a name: app/find.h),
 * into id; when none or several match, says so (listing them). */
static int node_volunteer_pick(struct node_ctx *ctx, const char *who, char *id, size_t n)
{
	struct app_volunteer_found f;
	int rc = app_volunteer_find_held(&ctx->app, who, &f);
	if (rc)
		return node_fail_found(ctx, rc, &f);
	snprintf(id, n, "%s", f.c[0].id);
	return 0;
}

int node_cmd_volunteer_set(struct node_ctx *ctx, const struct node_args *a)
{
	struct app_volunteer_in in = node_volunteer_in(a, false);
	struct app_volunteer v;
	char id[APP_ID_MAX + 1];
	int rc;
	if (a->npos != 1)
		rc = node_fail(ctx, ERR_USAGE, M_NEED_ID, "volunteer set");
	else if (!(rc = app_volunteer_check(&ctx->app, &in, false)) && !(rc = node_open(ctx)) &&
		 !(rc = node_volunteer_pick(ctx, a->pos[0], id, sizeof(id))))
		rc = app_volunteer_set(&ctx->app, id, &in, &v);
	node_idnum_wipe(&in);
	if (rc)
		return ctx->said ? rc : node_fail_app(ctx, rc);
	node_note_app(ctx);
	node_print_id(ctx, v.id, M_VOLUNTEER_UPDATED, in.name ? in.name : v.name);
	return 0;
}

/* ---- list, show ------------------------------------------------------- */

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

struct node_vlist {
	struct node_ctx *ctx;
	struct node_json j;
	struct node_table t;
	size_t n;
	struct app_settings set; /* stars (issue 17) */
};

/* The volunteer's team for people (team.h) and its id when it is a team
 * record's ("" for an old free-text team). */
static void node_team_of(struct node_ctx *ctx, const char *team, char *label, size_t n,
			 const char **id)
{
	app_team_label(&ctx->app, team, label, n);
	*id = team[0] && strcmp(label, team) != 0 ? team : NULL;
}

static int node_vlist_row(void *arg, const struct app_volunteer *v)
{
	struct node_vlist *l = arg;
	char masked[64], team[APP_NAME_MAX + 1], stars[8];
	const char *team_id;
	double hours = 0;
	int rc;
	app_phone_mask(v->phone, masked, sizeof(masked));
	if ((rc = app_volunteer_hours(&l->ctx->app, v->id, &hours)))
		return rc;
	node_team_of(l->ctx, v->team, team, sizeof(team), &team_id);
	int nstars = app_stars(&l->set, hours);
	snprintf(stars, sizeof(stars), "%d", nstars);
	l->n++;
	if (l->ctx->json) {
		node_json_obj(&l->j);
		node_json_kstr(&l->j, "id", v->id);
		node_json_kstr(&l->j, "name", v->name);
		node_json_kstr(&l->j, "phone", masked);
		node_json_kstr(&l->j, "station", v->station);
		node_json_kstr(&l->j, "team", team[0] ? team : NULL);
		node_json_kstr(&l->j, "team_id", team_id);
		node_json_kint(&l->j, "stars", nstars);
		node_json_skills(&l->j, v->skills);
		node_json_kstr(&l->j, "status", v->status);
		node_json_end_obj(&l->j);
	} else {
		const char *cells[] = { v->id, v->name, masked, team[0] ? team : "-",
					v->skills[0] ? v->skills : "-", node_vstatus_name(l->ctx, v->status), stars };
		node_table_row(&l->t, cells);
	}
	return 0;
}

/* volunteer list's options for reports (issue 17): --format, --from/--to
 * (when registered), --search, --limit/--page. */
static int node_vlist_opts(struct node_ctx *ctx, const struct node_args *a, struct app_volunteer_filter *f,
			   struct app_range *range, struct app_page *page)
{
	int rc;
	if ((rc = node_format_take(ctx, a)) || (rc = node_range_take(ctx, a, range)) ||
	    (rc = node_page_take(ctx, a, page)))
		return rc;
	f->range = range;
	f->search = node_arg(a, "search");
	f->page = page;
	return 0;
}

int node_cmd_volunteer_list(struct node_ctx *ctx, const struct node_args *a)
{
	struct app_volunteer_filter f = { .team = node_arg(a, "team"), .skill = node_arg(a, "skill"),
					  .status = node_arg(a, "status"), .station = node_arg(a, "station") };
	struct app_range range;
	struct app_page page;
	struct node_vlist l = { .ctx = ctx };
	int rc;
	if (f.status && !app_volunteer_status_ok(f.status))
		return node_fail_app(ctx, app_failf(&ctx->app, ERR_USAGE, APP_W_VOL_BAD_STATUS, 1, f.status));
	if ((rc = node_vlist_opts(ctx, a, &f, &range, &page)))
		return rc;
	if ((rc = node_open(ctx)))
		return rc;
	if ((rc = app_settings_load(&ctx->app, &l.set)))
		return node_fail_app(ctx, rc);
	const char *head[] = { node_msg(ctx->lang, M_COL_ID),	  node_msg(ctx->lang, M_COL_NAME),
			       node_msg(ctx->lang, M_COL_PHONE),  node_msg(ctx->lang, M_COL_TEAM),
			       node_msg(ctx->lang, M_COL_SKILLS), node_msg(ctx->lang, M_COL_STATUS),
			       node_msg(ctx->lang, M_COL_STARS) };
	node_list_begin(ctx, &l.j, &l.t, 7, head, "volunteers");
	l.t.right[6] = true;
	rc = app_volunteer_list(&ctx->app, &f, node_vlist_row, &l);
	node_list_end_page(ctx, &l.j, &l.t, l.n, M_NO_VOLUNTEERS, &page);
	return rc ? node_fail_app(ctx, rc) : 0;
}

static void node_show_json(const struct app_volunteer_card *c, const char *idmask, const char *team,
			   const char *team_id)
{
	struct node_json j;
	node_json_init(&j, stdout);
	node_json_obj(&j);
	node_json_kstr(&j, "id", c->v.id);
	node_json_kstr(&j, "name", c->v.name);
	node_json_kstr(&j, "phone", c->v.phone);
	node_json_kstr(&j, "id_number", idmask[0] ? idmask : NULL);
	node_json_kstr(&j, "station", c->v.station);
	node_json_kstr(&j, "team", team[0] ? team : NULL);
	node_json_kstr(&j, "team_id", team_id);
	node_json_skills(&j, c->v.skills);
	node_json_kstr(&j, "status", c->v.status);
	node_json_kint(&j, "registered_at", c->v.registered_at);
	node_json_kreal(&j, "hours", c->hours);
	node_json_kint(&j, "stars", c->stars);
	node_json_kint(&j, "balance", c->balance);
	node_json_end_obj(&j);
}

int node_cmd_volunteer_show(struct node_ctx *ctx, const struct node_args *a)
{
	struct app_volunteer_card c;
	char id[APP_ID_MAX + 1], when[32], hs[32], idmask[32], star_text[64] = "";
	int rc;
	if (a->npos != 1)
		return node_fail(ctx, ERR_USAGE, M_NEED_ID, "volunteer show");
	if ((rc = node_open(ctx)) || (rc = node_volunteer_pick(ctx, a->pos[0], id, sizeof(id))))
		return rc;
	if ((rc = app_volunteer_card(&ctx->app, id, &c)))
		return node_fail_app(ctx, rc);
	char team[APP_NAME_MAX + 1];
	const char *team_id;
	node_team_of(ctx, c.v.team, team, sizeof(team), &team_id);
	app_idnum_mask(c.v.id_last4, idmask, sizeof(idmask));
	if (ctx->json) {
		node_show_json(&c, idmask, team, team_id);
		return 0;
	}
	app_time_fmt((uint64_t)c.v.registered_at, when, sizeof(when));
	app_real_fmt(c.hours, hs, sizeof(hs));
	for (int i = 0; i < 5; i++)
		strcat(star_text, i < c.stars ? "★" : "☆");
	node_say(ctx, M_VOLUNTEER_SHOW, c.v.id, c.v.name, c.v.phone, idmask[0] ? idmask : "-",
		 c.v.station, team[0] ? team : "-", c.v.skills[0] ? c.v.skills : "-",
		 node_vstatus_name(ctx, c.v.status), when, hs, star_text, c.stars, (long long)c.balance);
	return 0;
}

/* ---- import ------------------------------------------------------------- */

static void node_import_list(struct node_ctx *ctx, const struct app_import_issue *list, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		node_fsay(stderr, ctx->lang, M_IMPORT_LINE, list[i].line);
		node_why_say(ctx, stderr, &list[i].f);
	}
}

static void node_import_done(struct node_ctx *ctx, const struct app_import *r)
{
	char first[APP_ID_MAX + 1], last[APP_ID_MAX + 1];
	if (!ctx->json) {
		app_import_id(r, 0, first, sizeof(first));
		app_import_id(r, r->imported - 1, last, sizeof(last));
		node_say(ctx, M_IMPORT_DONE, r->imported, first, last);
		return;
	}
	struct node_json j;
	node_json_init(&j, stdout);
	node_json_obj(&j);
	node_json_kint(&j, "imported", (int64_t)r->imported);
	node_json_kint(&j, "commits", (int64_t)r->commits);
	node_json_key(&j, "ids");
	node_json_arr(&j);
	for (size_t i = 0; i < r->imported; i++) {
		app_import_id(r, i, first, sizeof(first));
		node_json_str(&j, first);
	}
	node_json_end_arr(&j);
	node_json_end_obj(&j);
}

int node_cmd_volunteer_import(struct node_ctx *ctx, const struct node_args *a)
{
	struct app_import r;
	int rc;
	if (a->npos != 1)
		return node_fail(ctx, ERR_USAGE, M_NEED_FILE);
	if ((rc = node_open(ctx)))
		return rc;
	rc = app_volunteer_import(&ctx->app, a->pos[0], node_arg(a, "station"), &r);
	node_import_list(ctx, r.note, r.nnote);
	if (r.notes_more)
		node_fsay(stderr, ctx->lang, M_IMPORT_MORE_NOTES, r.notes_more);
	node_import_list(ctx, r.issue, r.nissue);
	if (r.bad > r.nissue)
		node_fsay(stderr, ctx->lang, M_IMPORT_MORE, (unsigned)(r.bad - r.nissue));
	if (rc)
		node_fail_app(ctx, rc);
	else
		node_import_done(ctx, &r);
	app_import_release(&r);
	return rc;
}
