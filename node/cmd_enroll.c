// SPDX-License-Identifier: MIT
/*
 * cmd_enroll.c - the command line of enrolment (app/enroll.c does it):
 *
 *   enroll request FILE                          a station asks (signed)
 *   enroll sign REQUEST --station ID --out CERT  the administrator signs
 *   enroll accept CERT                           the station installs it
 *   enroll revoke NODE --from SEQ|--now          refuse a node's commits
 *   enroll code --station ID                     a one-time code for join
 *   enroll keys                                  the county ID key to boards
 *                                                enrolled before it existed
 *   join coap://HUB --code CODE                  the same, online (POST /join)
 *
 * and init --role hub's enrolment (node_hub_enrol). Parse, call app/,
 * print; app/ says why it refused (node/why.c).
 */
#include <errno.h>
#include <sodium.h>
#include <stdio.h>
#include <string.h>

#include "base/err.h"
#include "app/enroll.h"
#include "node/net.h"
#include "node/node.h"

int node_hub_enrol(struct node_ctx *ctx, const char *county_key)
{
	int rc = app_hub_enrol(&ctx->app, county_key);
	return rc ? node_fail_app(ctx, rc) : 0;
}

/* ---- enroll request / sign / accept --------------------------------------- */

int node_cmd_enroll_request(struct node_ctx *ctx, const struct node_args *a)
{
	int rc;
	if (a->npos != 1)
		return node_fail(ctx, ERR_USAGE, M_ENROLL_NEED_FILE, "enroll request");
	if ((rc = node_open(ctx)))
		return rc;
	if ((rc = app_enroll_request(&ctx->app, a->pos[0])))
		return node_fail_app(ctx, rc);
	if (ctx->json) {
		struct node_json j;
		char hex[APP_HEX_KEY];
		app_hex(ctx->app.author, SYNC_PK_LEN, hex);
		node_json_init(&j, stdout);
		node_json_obj(&j);
		node_json_kstr(&j, "file", a->pos[0]);
		node_json_kstr(&j, "station", ctx->app.conf.station);
		node_json_kstr(&j, "node", hex);
		node_json_end_obj(&j);
	} else {
		node_say(ctx, M_ENROLL_REQUESTED, a->pos[0], ctx->app.conf.station);
	}
	return 0;
}

static const char *node_role_name(uint8_t role)
{
	return role == SYNC_ROLE_HUB ? "hub" : "station";
}

int node_cmd_enroll_sign(struct node_ctx *ctx, const struct node_args *a)
{
	struct app_enroll_sign in = { .request = a->pos[0], .station = node_arg(a, "station"),
				      .out = node_arg(a, "out"), .county_key = node_arg(a, "county-key"),
				      .days = APP_ENROLL_DAYS, .role = SYNC_ROLE_STATION };
	const char *role = node_arg(a, "role"), *days = node_arg(a, "days");
	struct sync_statement st;
	char name[129], t[32];
	int rc;
	if (a->npos != 1 || !in.station || !in.out)
		return node_fail(ctx, ERR_USAGE, M_ENROLL_SIGN_NEEDS);
	if (role && strcmp(role, "station") && strcmp(role, "hub"))
		return node_fail(ctx, ERR_USAGE, M_BAD_ROLE, role);
	if (role && strcmp(role, "hub") == 0)
		in.role = SYNC_ROLE_HUB;
	if (days && app_parse_int(days, 1, 36500, &in.days))
		return node_fail(ctx, ERR_USAGE, M_BAD_NUMBER, "--days", days);
	if ((rc = node_open(ctx)))
		return rc;
	if ((rc = app_enroll_sign(&ctx->app, &in, &st, name)))
		return node_fail_app(ctx, rc);
	if (ctx->json) {
		struct node_json j;
		char hex[APP_HEX_KEY];
		app_hex(st.node, SYNC_PK_LEN, hex);
		node_json_init(&j, stdout);
		node_json_obj(&j);
		node_json_kstr(&j, "cert", in.out);
		node_json_kstr(&j, "node", hex);
		node_json_kstr(&j, "station", st.station);
		node_json_kstr(&j, "role", node_role_name(st.role));
		node_json_kint(&j, "not_after", (int64_t)st.not_after);
		node_json_end_obj(&j);
	} else {
		app_time_fmt(st.not_after, t, sizeof(t));
		node_say(ctx, M_ENROLL_SIGNED, name, st.station, t, in.out);
	}
	return 0;
}

/* What enroll accept and join print once a statement is installed. */
static void node_enrol_say(struct node_ctx *ctx, const struct sync_statement *st)
{
	char t[32];
	if (ctx->json) {
		struct node_json j;
		node_json_init(&j, stdout);
		node_json_obj(&j);
		node_json_kstr(&j, "station", st->station);
		node_json_kstr(&j, "role", node_role_name(st->role));
		node_json_kint(&j, "not_after", (int64_t)st->not_after);
		node_json_end_obj(&j);
	} else {
		app_time_fmt(st->not_after, t, sizeof(t));
		node_say(ctx, M_ENROLL_ACCEPTED, st->station, t);
	}
}

int node_cmd_enroll_accept(struct node_ctx *ctx, const struct node_args *a)
{
	struct sync_statement st;
	int rc;
	if (a->npos != 1)
		return node_fail(ctx, ERR_USAGE, M_ENROLL_NEED_FILE, "enroll accept");
	if ((rc = node_open(ctx)))
		return rc;
	if ((rc = app_enroll_accept_file(&ctx->app, a->pos[0], &st)))
		return node_fail_app(ctx, rc);
	node_enrol_say(ctx, &st);
	return 0;
}

/* ---- revoke --------------------------------------------------------------- */

static void node_revoked_say(struct node_ctx *ctx, const struct app_revoked *r, const char *from)
{
	struct node_json j;
	if (!ctx->json) {
		for (size_t i = 0; i < r->nhub; i++)
			node_say(ctx, M_ENROLL_HUB_NO_REKEY, r->hub[i]);
		for (size_t i = 0; i < r->n; i++)
			node_say(ctx, M_ENROLL_REVOKED, r->node[i], from ? from : "-");
		for (size_t i = 0; i < r->nrk; i++)
			node_say(ctx, M_ENROLL_REKEYED, r->rk[i].scope, (unsigned)r->rk[i].gen, r->rk[i].readers);
		return;
	}
	node_json_init(&j, stdout);
	node_json_obj(&j);
	node_json_kint(&j, "revoked", (int64_t)r->n);
	node_json_key(&j, "nodes");
	node_json_arr(&j);
	for (size_t i = 0; i < r->n; i++)
		node_json_str(&j, r->node[i]);
	node_json_end_arr(&j);
	node_json_key(&j, "rekeyed");
	node_json_arr(&j);
	for (size_t i = 0; i < r->nrk; i++) {
		node_json_obj(&j);
		node_json_kstr(&j, "scope", r->rk[i].scope);
		node_json_kint(&j, "gen", (int64_t)r->rk[i].gen);
		node_json_kint(&j, "readers", (int64_t)r->rk[i].readers);
		node_json_end_obj(&j);
	}
	node_json_end_arr(&j);
	node_json_end_obj(&j);
}

int node_cmd_enroll_revoke(struct node_ctx *ctx, const struct node_args *a)
{
	struct app_revoke in = { .target = a->pos[0], .scope = node_arg(a, "scope"),
				 .county_key = node_arg(a, "county-key") };
	const char *from = node_arg(a, "from");
	struct app_revoked out;
	int64_t seq = 0;
	int rc;
	if (a->npos != 1 || !from == !node_flag(a, "now"))
		return node_fail(ctx, ERR_USAGE, M_ENROLL_REVOKE_NEEDS);
	if (from && app_parse_int(from, 1, INT64_MAX, &seq))
		return node_fail(ctx, ERR_USAGE, M_BAD_NUMBER, "--from", from);
	in.from = (uint64_t)seq;
	if ((rc = node_open(ctx)))
		return rc;
	if ((rc = app_enroll_revoke(&ctx->app, &in, &out)))
		return node_fail_app(ctx, rc);
	node_revoked_say(ctx, &out, from);
	return 0;
}

/* ---- one-time codes, join, keys ---------------------------------------------- */

int node_cmd_enroll_code(struct node_ctx *ctx, const struct node_args *a)
{
	const char *station = node_arg(a, "station");
	struct app_code c;
	char t[32];
	int rc;
	if (!station)
		return node_fail(ctx, ERR_USAGE, M_ENROLL_CODE_NEEDS);
	if ((rc = node_open(ctx)))
		return rc;
	if ((rc = app_enroll_code(&ctx->app, station, &c)))
		return node_fail_app(ctx, rc);
	if (ctx->json) {
		struct node_json j;
		node_json_init(&j, stdout);
		node_json_obj(&j);
		node_json_kstr(&j, "station", station);
		node_json_kstr(&j, "code", c.code);
		node_json_kint(&j, "expires", (int64_t)c.expires_ms);
		node_json_end_obj(&j);
	} else {
		app_time_fmt(c.expires_ms, t, sizeof(t));
		node_say(ctx, M_ENROLL_CODE, station, c.code, t);
	}
	sodium_memzero(&c, sizeof(c));
	return 0;
}

int node_cmd_join(struct node_ctx *ctx, const struct node_args *a)
{
	const char *code = node_arg(a, "code"), *tmo = node_arg(a, "timeout");
	struct sync_statement st;
	struct buf b, resp;
	unsigned status = 0;
	int64_t timeout = 60;
	int rc;
	if (a->npos != 1 || !code)
		return node_fail(ctx, ERR_USAGE, M_JOIN_NEEDS);
	if (tmo && app_parse_int(tmo, 1, 86400, &timeout))
		return node_fail(ctx, ERR_USAGE, M_BAD_NUMBER, "--timeout", tmo);
	if ((rc = node_open(ctx)))
		return rc;
	buf_init(&b, 4096 + crypto_auth_BYTES);
	buf_init(&resp, SYNC_STMT_MAX);
	if ((rc = app_join_request(&ctx->app, code, &b))) {
		rc = node_fail_app(ctx, rc);
		goto out;
	}
	rc = node_net_post(ctx, a->pos[0], "join", b.data, b.len, (uint64_t)timeout * 1000, &status, &resp);
	if (rc)
		rc = node_fail(ctx, rc == ERR_USAGE ? ERR_USAGE : -EHOSTUNREACH,
			       rc == ERR_USAGE ? M_NET_BAD_URI : M_NET_UNREACHABLE, a->pos[0],
			       node_reason(ctx->lang, rc));
	else if (status == 205 && (rc = app_enroll_accept(&ctx->app, resp.data, resp.len, a->pos[0], &st)))
		rc = node_fail_app(ctx, rc);
	else if (status == 205)
		node_enrol_say(ctx, &st);
	else if (status == 501)
		rc = node_fail(ctx, ERR_RULE, M_JOIN_NO_KEY, a->pos[0]);
	else
		rc = node_fail(ctx, ERR_UNAUTH, M_JOIN_REFUSED);
out:
	buf_release(&b);
	buf_release(&resp);
	return rc;
}

int node_cmd_enroll_keys(struct node_ctx *ctx, const struct node_args *a)
{
	size_t given, had;
	int rc;
	if ((rc = node_open(ctx)))
		return rc;
	if ((rc = app_enroll_keys(&ctx->app, node_arg(a, "county-key"), &given, &had)))
		return node_fail_app(ctx, rc);
	if (ctx->json) {
		struct node_json j;
		node_json_init(&j, stdout);
		node_json_obj(&j);
		node_json_kint(&j, "given", (int64_t)given);
		node_json_kint(&j, "had", (int64_t)had);
		node_json_end_obj(&j);
	} else {
		node_say(ctx, M_ENROLL_KEYS_DONE, given, had);
	}
	return 0;
}
