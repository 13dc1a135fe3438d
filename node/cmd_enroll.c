// SPDX-License-Identifier: MIT
/*
 * cmd_enroll.c - enrolment by the county root, revocation, one-time codes,
 * and the trust settings every node's sync context gets.
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
 * Files in the home: county.key (the county root's secret key; only on
 * the hub, unless kept elsewhere and named with --county-key), county.pub
 * (hex of the root's public key: trust is enforced once it is there),
 * node.cert (this node's statement), refused.log (every refused run of
 * commits: time, author, scope, seq, count, code, reason), codes (hashes
 * of one-time codes). The root authors its statements in its own feed of
 * the hub's replica, through the hub's own store handle
 * (node_root_commit, sync_root_commit; docs/security.md).
 */
#include <errno.h>
#include <fcntl.h>
#include <sodium.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "base/afile.h"
#include "base/err.h"
#include "base/mem.h"
#include "node/net.h"
#include "node/node.h"

#define NOPTS(a) (sizeof(a) / sizeof((a)[0]))
#define DAY_MS (24ULL * 3600 * 1000)
#define CODE_TTL_MS (24ULL * 3600 * 1000)
#define CODE_LEN 10

/* ---- trust settings for the sync context ---------------------------------- */


static int node_pending_mark(struct node_ctx *ctx)
{
	char path[NODE_PATH_MAX + 32];
	int rc;
	app_path(&ctx->app, path, sizeof(path), APP_PENDING);
	if ((rc = app_file_write(path, "1\n", 2, 0644)))
		return node_fail(ctx, rc, M_CONF_WRITE, path, node_reason(ctx->lang, rc));
	return 0;
}


/* ---- the county root ------------------------------------------------------ */

static void node_county_key_path(const struct node_ctx *ctx, const char *opt, char *out, size_t n)
{
	if (opt)
		snprintf(out, n, "%s", opt);
	else
		app_path(&ctx->app, out, n, "county.key");
}

static int node_root_load(struct node_ctx *ctx, const char *opt, struct sync_identity *root)
{
	char path[NODE_PATH_MAX + 32];
	int rc;
	node_county_key_path(ctx, opt, path, sizeof(path));
	if ((rc = sync_init()) || (rc = sync_identity_load(root, path)))
		return node_fail(ctx, rc == ERR_NOTFOUND ? ERR_NOTFOUND : rc,
				 rc == ERR_NOTFOUND ? M_ENROLL_NO_COUNTY_KEY : M_KEY_BAD, path);
	if (ctx->app.have_root && memcmp(root->pk, ctx->app.county_root, SYNC_PK_LEN) != 0) {
		sync_identity_release(root);
		return node_fail(ctx, ERR_UNAUTH, M_ENROLL_OTHER_COUNTY, path);
	}
	return 0;
}

int node_root_commit(struct node_ctx *ctx, const struct sync_identity *root,
		     const struct crdt_write *w, size_t n)
{
	int rc;
	if (!ctx->app.store && (rc = app_replica_open(&ctx->app)))
		return rc;
	if ((rc = app_clock_check(&ctx->app))) /* a statement dated by a wrong clock binds for years */
		return rc;
	/* the same handle: a hub serving sessions goes on serving them, and
	 * its sync context learns the statement at once */
	rc = sync_root_commit(ctx->app.sync, ctx->app.store, root, ctx->app.now_ms, w, n);
	if (rc == 0)
		app_clock_wrote(&ctx->app);
	return rc ? node_fail_store(ctx, rc) : 0;
}

static int node_pub_write(struct node_ctx *ctx, const uint8_t pk[SYNC_PK_LEN])
{
	char path[NODE_PATH_MAX + 32], hex[2 * SYNC_PK_LEN + 2];
	int rc;
	app_hex(pk, SYNC_PK_LEN, hex);
	strcat(hex, "\n");
	app_path(&ctx->app, path, sizeof(path), "county.pub");
	if ((rc = app_file_write(path, hex, strlen(hex), 0644)))
		return node_fail(ctx, rc, M_CONF_WRITE, path, node_reason(ctx->lang, rc));
	memcpy(ctx->app.county_root, pk, SYNC_PK_LEN);
	ctx->app.have_root = true;
	return 0;
}

static int node_cert_write(struct node_ctx *ctx, const char *path, const struct sync_statement *st)
{
	struct buf b;
	int rc;
	buf_init(&b, SYNC_STMT_MAX);
	sync_statement_encode(&b, st);
	rc = b.err ? b.err : app_file_write(path, b.data, b.len, 0644);
	buf_release(&b);
	return rc ? node_fail(ctx, rc, M_CONF_WRITE, path, node_reason(ctx->lang, rc)) : 0;
}

int node_hub_enrol(struct node_ctx *ctx, const char *county_key)
{
	char path[NODE_PATH_MAX + 32];
	struct sync_identity root;
	struct sync_statement st;
	struct sync_trust_row row;
	int rc;

	node_county_key_path(ctx, county_key, path, sizeof(path));
	if ((rc = sync_init()))
		return rc;
	rc = sync_identity_load(&root, path);
	if (rc == ERR_NOTFOUND) {
		if ((rc = sync_identity_generate(&root)) == 0 && (rc = sync_identity_save(&root, path)))
			sync_identity_release(&root);
	}
	if (rc)
		return node_fail(ctx, rc, M_KEY_WRITE, path, node_reason(ctx->lang, rc));
	memset(&st, 0, sizeof(st));
	memcpy(st.node, ctx->app.author, SYNC_PK_LEN);
	st.role = SYNC_ROLE_HUB;
	snprintf(st.station, sizeof(st.station), "%s", ctx->app.conf.station);
	st.not_before = 0;
	st.not_after = ctx->app.now_ms + 20 * 365 * DAY_MS;
	if ((rc = sync_statement_sign(&st, &root)) || (rc = sync_statement_row(&row, &st)))
		goto out;
	if ((rc = node_root_commit(ctx, &root, &row.w, 1)))
		goto out;
	app_path(&ctx->app, path, sizeof(path), "node.cert");
	if ((rc = node_cert_write(ctx, path, &st)) == 0)
		rc = node_pub_write(ctx, root.pk);
out:
	sync_identity_release(&root);
	return rc;
}

/* ---- enroll request / sign / accept --------------------------------------- */

int node_cmd_enroll_request(struct node_ctx *ctx, int argc, char **argv)
{
	const char *pos[1];
	size_t npos;
	struct buf b;
	int rc = node_opts_parse(ctx, argc, argv, NULL, 0, pos, 1, &npos);
	if (rc)
		return rc > 0 ? 0 : rc;
	if (npos != 1)
		return node_fail(ctx, ERR_USAGE, M_ENROLL_NEED_FILE, "enroll request");
	if ((rc = node_open(ctx)))
		return rc;
	if (!ctx->app.have_root && (rc = node_pending_mark(ctx)))
		return rc;
	buf_init(&b, 4096);
	rc = sync_request_make(&b, &ctx->app.id, ctx->app.conf.station, ctx->app.conf.name, ctx->app.now_ms);
	if (!rc)
		rc = app_file_write(pos[0], b.data, b.len, 0644);
	buf_release(&b);
	if (rc)
		return node_fail(ctx, rc, M_CONF_WRITE, pos[0], node_reason(ctx->lang, rc));
	if (ctx->json) {
		struct node_json j;
		char hex[2 * SYNC_PK_LEN + 1];
		app_hex(ctx->app.author, SYNC_PK_LEN, hex);
		node_json_init(&j, stdout);
		node_json_obj(&j);
		node_json_kstr(&j, "file", pos[0]);
		node_json_kstr(&j, "station", ctx->app.conf.station);
		node_json_kstr(&j, "node", hex);
		node_json_end_obj(&j);
	} else {
		node_say(ctx, M_ENROLL_REQUESTED, pos[0], ctx->app.conf.station);
	}
	return 0;
}

/* Sign a statement for node as station/role valid for days, record it in
 * the county feed and write it to out (NULL: do not write a file). */
static int node_enrol_sign(struct node_ctx *ctx, const char *county_key, const uint8_t node[SYNC_PK_LEN],
			   const char *station, uint8_t role, int64_t days, struct sync_statement *st)
{
	struct sync_identity root;
	struct sync_trust_row row;
	struct sync_key_row *kr = NULL;
	struct crdt_write *w = NULL;
	uint32_t gens = 0;
	size_t nw = 1;
	int rc;

	if ((rc = node_root_load(ctx, county_key, &root)))
		return rc;
	memset(st, 0, sizeof(*st));
	memcpy(st->node, node, SYNC_PK_LEN);
	st->role = role;
	snprintf(st->station, sizeof(st->station), "%s", station);
	st->not_before = 0; /* the key did not exist before it was made */
	st->not_after = ctx->app.now_ms + (uint64_t)days * DAY_MS;
	/* a station's statement carries the newest generation of its
	 * station's key (version 2 after a re-keying), so it never writes
	 * under a replaced one; every older generation is sealed to it in
	 * the same commit, so it reads the station's history (trust.c G7) */
	gens = role == SYNC_ROLE_STATION ? sync_scope_gen(ctx->app.sync, station) : 0;
	st->gen = gens;
	if ((rc = sync_statement_sign(st, &root)) || (rc = sync_statement_row(&row, st))) {
		rc = node_fail(ctx, rc, M_FAILED, node_reason(ctx->lang, rc));
		goto out;
	}
	/* a station also gets the county ID key (trust.c T9), in the same
	 * commit: its ID numbers are comparable at the hub from the first */
	nw = gens + 1 + (role == SYNC_ROLE_STATION);
	if (!(kr = mem_calloc(nw, sizeof(*kr))) || !(w = mem_calloc(nw, sizeof(*w)))) {
		rc = node_fail(ctx, -ENOMEM, M_FAILED, node_reason(ctx->lang, -ENOMEM));
		goto out;
	}
	w[0] = row.w;
	for (uint32_t g = 0; g < gens && !rc; g++) {
		if ((rc = sync_key_row(&kr[g + 1], &root, station, g, node, ctx->app.now_ms)))
			rc = node_fail(ctx, rc, M_FAILED, node_reason(ctx->lang, rc));
		w[g + 1] = kr[g + 1].w;
	}
	if (!rc && role == SYNC_ROLE_STATION) {
		if ((rc = sync_key_row(&kr[nw - 1], &root, SYNC_CIDNUM_SCOPE, 0, node, ctx->app.now_ms)))
			rc = node_fail(ctx, rc, M_FAILED, node_reason(ctx->lang, rc));
		w[nw - 1] = kr[nw - 1].w;
	}
	if (!rc)
		rc = node_root_commit(ctx, &root, w, nw);
out:
	sync_identity_release(&root);
	if (kr)
		sodium_memzero(kr, nw * sizeof(*kr));
	mem_free(kr);
	mem_free(w);
	return rc;
}

int node_cmd_enroll_sign(struct node_ctx *ctx, int argc, char **argv)
{
	struct node_opt o[] = { { "station", true, NULL }, { "out", true, NULL },
				{ "role", true, NULL },    { "days", true, NULL },
				{ "county-key", true, NULL } };
	const char *pos[1];
	size_t npos, len;
	uint8_t buf[4096];
	struct sync_request rq;
	struct sync_statement st;
	int64_t days = 3 * 365;
	int rc = node_opts_parse(ctx, argc, argv, o, NOPTS(o), pos, 1, &npos);
	if (rc)
		return rc > 0 ? 0 : rc;
	const char *station = o[0].val, *out = o[1].val, *role = o[2].val ? o[2].val : "station";
	if (npos != 1 || !station || !out)
		return node_fail(ctx, ERR_USAGE, M_ENROLL_SIGN_NEEDS);
	if (!app_id_ok(station))
		return node_fail(ctx, ERR_USAGE, M_BAD_STATION_ID, station);
	if (strcmp(role, "station") && strcmp(role, "hub"))
		return node_fail(ctx, ERR_USAGE, M_BAD_ROLE, role);
	if (o[3].val && app_parse_int(o[3].val, 1, 36500, &days))
		return node_fail(ctx, ERR_USAGE, M_BAD_NUMBER, "--days", o[3].val);
	if ((rc = node_open(ctx)))
		return rc;
	if (!ctx->app.hub)
		return node_fail(ctx, ERR_RULE, M_HUB_ONLY, "enroll sign");
	rc = app_file_read(pos[0], buf, sizeof(buf), &len);
	if (rc)
		return node_fail(ctx, rc, M_BUNDLE_READ, pos[0], node_reason(ctx->lang, rc));
	if ((rc = sync_request_decode(buf, len, &rq)))
		return node_fail(ctx, rc, M_ENROLL_BAD_REQUEST, pos[0]);
	if (strcmp(rq.station, station) != 0)
		return node_fail(ctx, ERR_RULE, M_ENROLL_STATION_DIFFERS, pos[0], rq.station, station);
	rc = node_enrol_sign(ctx, o[4].val, rq.node, station,
			     strcmp(role, "hub") == 0 ? SYNC_ROLE_HUB : SYNC_ROLE_STATION, days, &st);
	if (rc)
		return rc;
	if ((rc = node_cert_write(ctx, out, &st)))
		return rc;
	if (ctx->json) {
		struct node_json j;
		char hex[2 * SYNC_PK_LEN + 1];
		app_hex(st.node, SYNC_PK_LEN, hex);
		node_json_init(&j, stdout);
		node_json_obj(&j);
		node_json_kstr(&j, "cert", out);
		node_json_kstr(&j, "node", hex);
		node_json_kstr(&j, "station", station);
		node_json_kstr(&j, "role", role);
		node_json_kint(&j, "not_after", (int64_t)st.not_after);
		node_json_end_obj(&j);
	} else {
		char t[32];
		app_time_fmt(st.not_after, t, sizeof(t));
		node_say(ctx, M_ENROLL_SIGNED, rq.name, station, t, out);
	}
	return 0;
}

/* Install a certificate (the bytes of a signed statement) as enroll
 * accept does and print what it prints; src names it in messages. */
static int node_enrol_install(struct node_ctx *ctx, const uint8_t *buf, size_t len, const char *src)
{
	struct sync_statement st;
	char path[NODE_PATH_MAX + 32];
	int rc;
	if ((rc = sync_statement_decode(buf, len, &st)))
		return node_fail(ctx, rc == ERR_BADSIG ? ERR_UNAUTH : ERR_USAGE, M_ENROLL_BAD_CERT, src);
	if (memcmp(st.node, ctx->app.author, SYNC_PK_LEN) != 0)
		return node_fail(ctx, ERR_RULE, M_ENROLL_NOT_OURS, src);
	if (strcmp(st.station, ctx->app.conf.station) != 0)
		return node_fail(ctx, ERR_RULE, M_ENROLL_STATION_DIFFERS, src, st.station, ctx->app.conf.station);
	if (ctx->app.have_root && memcmp(st.root, ctx->app.county_root, SYNC_PK_LEN) != 0)
		return node_fail(ctx, ERR_UNAUTH, M_ENROLL_OTHER_COUNTY, src);
	app_path(&ctx->app, path, sizeof(path), "node.cert");
	if ((rc = node_cert_write(ctx, path, &st)) || (rc = node_pub_write(ctx, st.root)))
		return rc;
	app_path(&ctx->app, path, sizeof(path), APP_PENDING);
	unlink(path); /* enrolled: trust is on from now on, which withholds as much */
	if (ctx->json) {
		struct node_json j;
		node_json_init(&j, stdout);
		node_json_obj(&j);
		node_json_kstr(&j, "station", st.station);
		node_json_kstr(&j, "role", st.role == SYNC_ROLE_HUB ? "hub" : "station");
		node_json_kint(&j, "not_after", (int64_t)st.not_after);
		node_json_end_obj(&j);
	} else {
		char t[32];
		app_time_fmt(st.not_after, t, sizeof(t));
		node_say(ctx, M_ENROLL_ACCEPTED, st.station, t);
	}
	return 0;
}

int node_cmd_enroll_accept(struct node_ctx *ctx, int argc, char **argv)
{
	const char *pos[1];
	size_t npos, len;
	uint8_t buf[SYNC_STMT_MAX + 1];
	int rc = node_opts_parse(ctx, argc, argv, NULL, 0, pos, 1, &npos);
	if (rc)
		return rc > 0 ? 0 : rc;
	if (npos != 1)
		return node_fail(ctx, ERR_USAGE, M_ENROLL_NEED_FILE, "enroll accept");
	if ((rc = node_open(ctx)))
		return rc;
	rc = app_file_read(pos[0], buf, sizeof(buf), &len);
	if (rc)
		return node_fail(ctx, rc, M_BUNDLE_READ, pos[0], node_reason(ctx->lang, rc));
	return node_enrol_install(ctx, buf, len, pos[0]);
}

/* ---- revoke --------------------------------------------------------------- */

/* The keys NODE names: 64 hex digits, or a station id (every key
 * enrolled for it). */
static int node_revoke_targets(struct node_ctx *ctx, const char *name, uint8_t (*keys)[SYNC_PK_LEN],
			       char (*scopes)[CRDT_SCOPE_MAX + 1], size_t max, size_t *n)
{
	sqlite3_stmt *st;
	char hex[2 * SYNC_PK_LEN + 1];
	int rc;
	*n = 0;
	if (strlen(name) == 2 * SYNC_PK_LEN && app_hex_parse(name, keys[0], SYNC_PK_LEN) == 0) {
		uint8_t role;
		if (sync_ctx_enrolment(ctx->app.sync, keys[0], scopes[0], sizeof(scopes[0]), &role))
			scopes[0][0] = '\0';
		*n = 1;
		return 0;
	}
	if ((rc = node_sql(ctx, &st, "SELECT DISTINCT node FROM enrolments WHERE station = ?1", name, NULL)))
		return rc;
	while (*n < max && sqlite3_step(st) == SQLITE_ROW) {
		app_col_text(st, 0, hex, sizeof(hex));
		if (app_hex_parse(hex, keys[*n], SYNC_PK_LEN) == 0) {
			snprintf(scopes[*n], sizeof(scopes[*n]), "%s", name);
			(*n)++;
		}
	}
	sqlite3_finalize(st);
	return 0;
}

/* A new key generation of a station scope (docs/security.md "Re-keying"). */
struct node_rekey {
	char scope[CRDT_SCOPE_MAX + 1];
	uint32_t gen;
	size_t readers;
};

#define NODE_READERS_MAX 64

/* The rows that re-key every station scope a revoked node could read:
 * for each, its next generation announced and sealed to the scope's
 * remaining readers (hubs derive it). Appended to *rows (grown). */
static int node_rekey_rows(struct node_ctx *ctx, const struct sync_identity *root,
			   const uint8_t (*keys)[SYNC_PK_LEN], size_t n, struct sync_key_row **rows,
			   size_t *nrows, struct node_rekey *rk, size_t *nrk)
{
	uint8_t (*readers)[SYNC_PK_LEN] = mem_calloc(NODE_READERS_MAX, SYNC_PK_LEN);
	int rc = 0;

	*nrk = 0;
	if (!readers)
		return node_fail(ctx, -ENOMEM, M_FAILED, node_reason(ctx->lang, -ENOMEM));
	for (size_t i = 0; i < n && !rc; i++) {
		char station[CRDT_SCOPE_MAX + 1];
		uint8_t role;
		size_t nr = 0, k;
		char hex[2 * SYNC_PK_LEN + 1];
		if (sync_ctx_enrolment(ctx->app.sync, keys[i], station, sizeof(station), &role))
			continue; /* no statement: it could read nothing */
		if (role == SYNC_ROLE_HUB) {
			app_hex(keys[i], SYNC_PK_LEN, hex);
			if (!ctx->json)
				node_say(ctx, M_ENROLL_HUB_NO_REKEY, hex);
			continue;
		}
		for (k = 0; k < *nrk && strcmp(rk[k].scope, station) != 0; k++)
			;
		if (k < *nrk)
			continue; /* re-keyed already in this commit */
		uint32_t gen = sync_scope_gen(ctx->app.sync, station) + 1;
		if (gen >= SYNC_GENS_MAX) {
			rc = node_fail(ctx, ERR_RULE, M_ENROLL_REKEY_FULL, station, (unsigned)gen - 1);
			break;
		}
		if ((rc = sync_scope_readers(ctx->app.sync, station, ctx->app.now_ms, keys, n, readers, NODE_READERS_MAX,
					     &nr))) {
			rc = node_fail(ctx, rc, M_FAILED, node_reason(ctx->lang, rc));
			break;
		}
		struct sync_key_row *p = mem_realloc(*rows, (*nrows + nr + 1) * sizeof(**rows));
		if (!p) {
			rc = node_fail(ctx, -ENOMEM, M_FAILED, node_reason(ctx->lang, -ENOMEM));
			break;
		}
		*rows = p;
		for (size_t j = 0; j <= nr && !rc; j++)
			rc = sync_key_row(&p[(*nrows)++], root, station, gen, j < nr ? readers[j] : NULL,
					  ctx->app.now_ms);
		if (rc) {
			rc = node_fail(ctx, rc, M_FAILED, node_reason(ctx->lang, rc));
			break;
		}
		snprintf(rk[*nrk].scope, sizeof(rk[*nrk].scope), "%s", station);
		rk[*nrk].gen = gen;
		rk[*nrk].readers = nr;
		(*nrk)++;
	}
	mem_free(readers);
	return rc;
}

int node_cmd_enroll_revoke(struct node_ctx *ctx, int argc, char **argv)
{
	struct node_opt o[] = { { "from", true, NULL }, { "now", false, NULL },
				{ "scope", true, NULL }, { "county-key", true, NULL } };
	const char *pos[1];
	size_t npos, n = 0, nkr = 0, nrk = 0;
	uint8_t keys[8][SYNC_PK_LEN];
	char scopes[8][CRDT_SCOPE_MAX + 1];
	struct sync_trust_row rows[8];
	struct sync_key_row *kr = NULL;
	struct node_rekey rk[8];
	struct crdt_write *w = NULL;
	struct sync_identity root;
	int64_t from = 0;
	int rc = node_opts_parse(ctx, argc, argv, o, NOPTS(o), pos, 1, &npos);
	if (rc)
		return rc > 0 ? 0 : rc;
	if (npos != 1 || (!o[0].val == !o[1].val))
		return node_fail(ctx, ERR_USAGE, M_ENROLL_REVOKE_NEEDS);
	if (o[0].val && app_parse_int(o[0].val, 1, INT64_MAX, &from))
		return node_fail(ctx, ERR_USAGE, M_BAD_NUMBER, "--from", o[0].val);
	if ((rc = node_open(ctx)))
		return rc;
	if (!ctx->app.hub)
		return node_fail(ctx, ERR_RULE, M_HUB_ONLY, "enroll revoke");
	if ((rc = node_revoke_targets(ctx, pos[0], keys, scopes, 8, &n)))
		return rc;
	if (n == 0)
		return node_fail(ctx, ERR_NOTFOUND, M_ENROLL_NO_NODE, pos[0]);
	for (size_t i = 0; i < n; i++) {
		const char *scope = o[2].val ? o[2].val : scopes[i];
		rc = sync_revocation_row(&rows[i], keys[i], scope, (uint64_t)from, from ? 0 : ctx->app.now_ms,
					 ctx->app.now_ms);
		if (rc)
			return node_fail(ctx, rc, M_FAILED, node_reason(ctx->lang, rc));
	}
	if ((rc = node_root_load(ctx, o[3].val, &root)))
		return rc;
	/* the revocations and the new key generations in one commit */
	if ((rc = node_rekey_rows(ctx, &root, (const uint8_t(*)[SYNC_PK_LEN])keys, n, &kr, &nkr, rk, &nrk)))
		goto out;
	if (!(w = mem_calloc(n + nkr, sizeof(*w)))) {
		rc = node_fail(ctx, -ENOMEM, M_FAILED, node_reason(ctx->lang, -ENOMEM));
		goto out;
	}
	for (size_t i = 0; i < n; i++)
		w[i] = rows[i].w;
	for (size_t i = 0; i < nkr; i++)
		w[n + i] = kr[i].w;
	if ((rc = node_root_commit(ctx, &root, w, n + nkr)))
		goto out;
	if (ctx->json) {
		struct node_json j;
		node_json_init(&j, stdout);
		node_json_obj(&j);
		node_json_kint(&j, "revoked", (int64_t)n);
		node_json_key(&j, "nodes");
		node_json_arr(&j);
		for (size_t i = 0; i < n; i++)
			node_json_str(&j, rows[i].node);
		node_json_end_arr(&j);
		node_json_key(&j, "rekeyed");
		node_json_arr(&j);
		for (size_t i = 0; i < nrk; i++) {
			node_json_obj(&j);
			node_json_kstr(&j, "scope", rk[i].scope);
			node_json_kint(&j, "gen", (int64_t)rk[i].gen);
			node_json_kint(&j, "readers", (int64_t)rk[i].readers);
			node_json_end_obj(&j);
		}
		node_json_end_arr(&j);
		node_json_end_obj(&j);
	} else {
		for (size_t i = 0; i < n; i++)
			node_say(ctx, M_ENROLL_REVOKED, rows[i].node, o[0].val ? o[0].val : "-");
		for (size_t i = 0; i < nrk; i++)
			node_say(ctx, M_ENROLL_REKEYED, rk[i].scope, (unsigned)rk[i].gen, rk[i].readers);
	}
out:
	sync_identity_release(&root);
	mem_free(w);
	if (kr)
		sodium_memzero(kr, nkr * sizeof(*kr));
	mem_free(kr);
	return rc;
}

/* ---- one-time codes ------------------------------------------------------- */

/*
 * A code is CODE_LEN characters of an alphabet without look-alikes (no 0,
 * O, 1, I, L), about 48 bits. The hub keeps only BLAKE2b(code) in the file
 * codes ("<hash hex> <station> <expires ms> <used 0|1>"), so a copy of the
 * home does not give the code away. join sends
 * the request and crypto_auth(request, key = BLAKE2b(code)): the code never
 * travels, the hub finds the unused, unexpired entry whose key verifies the
 * tag, marks it used and answers with the certificate. A wrong code gets
 * the same answer as an expired or used one.
 */
static const char node_code_alphabet[] = "23456789ABCDEFGHJKMNPQRSTUVWXYZ";

int node_cmd_enroll_code(struct node_ctx *ctx, int argc, char **argv)
{
	struct node_opt o[] = { { "station", true, NULL } };
	const char *pos[1];
	size_t npos;
	char code[CODE_LEN + 1], path[NODE_PATH_MAX + 32], hex[65], t[32];
	uint8_t h[32];
	FILE *f;
	int rc = node_opts_parse(ctx, argc, argv, o, NOPTS(o), pos, 0, &npos);
	if (rc)
		return rc > 0 ? 0 : rc;
	if (!o[0].val)
		return node_fail(ctx, ERR_USAGE, M_ENROLL_CODE_NEEDS);
	if (!app_id_ok(o[0].val))
		return node_fail(ctx, ERR_USAGE, M_BAD_STATION_ID, o[0].val);
	if ((rc = node_open(ctx)))
		return rc;
	if (!ctx->app.hub)
		return node_fail(ctx, ERR_RULE, M_HUB_ONLY, "enroll code");
	for (size_t i = 0; i < CODE_LEN; i++)
		code[i] = node_code_alphabet[randombytes_uniform(sizeof(node_code_alphabet) - 1)];
	code[CODE_LEN] = '\0';
	crypto_generichash(h, sizeof(h), (const uint8_t *)code, CODE_LEN, NULL, 0);
	app_hex(h, sizeof(h), hex);
	app_path(&ctx->app, path, sizeof(path), "codes");
	if (!(f = fopen(path, "a")))
		return node_fail(ctx, -errno, M_CONF_WRITE, path, node_reason(ctx->lang, -errno));
	fprintf(f, "%s %s %llu 0\n", hex, o[0].val, (unsigned long long)(ctx->app.now_ms + CODE_TTL_MS));
	if (fclose(f) != 0)
		return node_fail(ctx, -EIO, M_CONF_WRITE, path, node_reason(ctx->lang, -EIO));
	app_time_fmt(ctx->app.now_ms + CODE_TTL_MS, t, sizeof(t));
	if (ctx->json) {
		struct node_json j;
		node_json_init(&j, stdout);
		node_json_obj(&j);
		node_json_kstr(&j, "station", o[0].val);
		node_json_kstr(&j, "code", code);
		node_json_kint(&j, "expires", (int64_t)(ctx->app.now_ms + CODE_TTL_MS));
		node_json_end_obj(&j);
	} else {
		node_say(ctx, M_ENROLL_CODE, o[0].val, code, t);
	}
	sodium_memzero(code, sizeof(code));
	return 0;
}

/*
 * The hub's side of join (POST /join, docs/protocol.md "CoAP resources").
 * body = request || crypto_auth(request, key = BLAKE2b-256(code)). Every
 * entry of codes is tried (unused, unexpired, for the request's station)
 * with crypto_auth_verify, which compares in constant time; the code
 * itself never travels. ERR_UNAUTH alike for a wrong, used, expired or
 * unknown code; ERR_NOTFOUND when the county key is not in the home.
 * On success the entry is marked used, the statement is signed as
 * enroll sign does, and its bytes are in cert. The store and the sync
 * context stay open: sessions being served go on.
 */
int node_join_serve(struct node_ctx *ctx, const uint8_t *body, size_t len, struct buf *cert)
{
	char path[NODE_PATH_MAX + 32], line[256];
	struct sync_request rq;
	struct sync_statement st;
	struct buf nb;
	FILE *f;
	size_t rlen;
	int rc, found = 0;

	node_county_key_path(ctx, NULL, path, sizeof(path));
	if (access(path, R_OK) != 0)
		return ERR_NOTFOUND;
	if (len <= crypto_auth_BYTES)
		return ERR_UNAUTH;
	rlen = len - crypto_auth_BYTES;
	if (sync_request_decode(body, rlen, &rq))
		return ERR_UNAUTH;
	app_path(&ctx->app, path, sizeof(path), "codes");
	if (!(f = fopen(path, "r")))
		return ERR_UNAUTH;
	buf_init(&nb, 1 << 20);
	while (fgets(line, sizeof(line), f)) {
		char hex[80], station[64];
		unsigned long long exp;
		int used;
		uint8_t key[crypto_auth_KEYBYTES];
		if (sscanf(line, "%79s %63s %llu %d", hex, station, &exp, &used) == 4 && !found && !used &&
		    exp > ctx->app.now_ms && strcmp(station, rq.station) == 0 &&
		    app_hex_parse(hex, key, sizeof(key)) == 0 &&
		    crypto_auth_verify(body + rlen, body, rlen, key) == 0) {
			found = 1;
			snprintf(line, sizeof(line), "%s %s %llu 1\n", hex, station, exp);
		}
		sodium_memzero(key, sizeof(key));
		buf_put(&nb, line, strlen(line));
	}
	fclose(f);
	rc = !found ? ERR_UNAUTH : nb.err ? nb.err : app_file_write(path, nb.data, nb.len, 0600);
	buf_release(&nb);
	if (rc) /* used before it signs: a failure later costs the code, never reuses it */
		return rc;
	rc = node_enrol_sign(ctx, NULL, rq.node, rq.station, SYNC_ROLE_STATION, 3 * 365, &st);
	if (rc)
		return rc;
	sync_statement_encode(cert, &st);
	return cert->err;
}

int node_cmd_join(struct node_ctx *ctx, int argc, char **argv)
{
	struct node_opt o[] = { { "code", true, NULL }, { "timeout", true, NULL } };
	const char *pos[1];
	size_t npos;
	char code[CODE_LEN + 1];
	uint8_t key[crypto_generichash_BYTES];
	struct buf b, resp;
	unsigned status = 0;
	int64_t timeout = 60;
	int rc = node_opts_parse(ctx, argc, argv, o, NOPTS(o), pos, 1, &npos);
	if (rc)
		return rc > 0 ? 0 : rc;
	if (npos != 1 || !o[0].val)
		return node_fail(ctx, ERR_USAGE, M_JOIN_NEEDS);
	if (o[1].val && app_parse_int(o[1].val, 1, 86400, &timeout))
		return node_fail(ctx, ERR_USAGE, M_BAD_NUMBER, "--timeout", o[1].val);
	if (strlen(o[0].val) != CODE_LEN)
		return node_fail(ctx, ERR_UNAUTH, M_JOIN_REFUSED);
	for (size_t i = 0; i < CODE_LEN; i++) /* codes are read aloud: case does not matter */
		code[i] = (char)((o[0].val[i] >= 'a' && o[0].val[i] <= 'z') ? o[0].val[i] - 32 : o[0].val[i]);
	code[CODE_LEN] = '\0';
	if ((rc = node_open(ctx)))
		return rc;
	if (!ctx->app.have_root && (rc = node_pending_mark(ctx))) {
		sodium_memzero(code, sizeof(code));
		return rc;
	}
	crypto_generichash(key, sizeof(key), (const uint8_t *)code, CODE_LEN, NULL, 0);
	sodium_memzero(code, sizeof(code));
	buf_init(&b, 4096 + crypto_auth_BYTES);
	buf_init(&resp, SYNC_STMT_MAX);
	rc = sync_request_make(&b, &ctx->app.id, ctx->app.conf.station, ctx->app.conf.name, ctx->app.now_ms);
	if (!rc) {
		uint8_t tag[crypto_auth_BYTES];
		crypto_auth(tag, b.data, b.len, key);
		buf_put(&b, tag, sizeof(tag));
		rc = b.err;
	}
	sodium_memzero(key, sizeof(key));
	if (rc) {
		rc = node_fail(ctx, rc, M_FAILED, node_reason(ctx->lang, rc));
		goto out;
	}
	rc = node_net_post(ctx, pos[0], "join", b.data, b.len, (uint64_t)timeout * 1000, &status, &resp);
	if (rc) {
		rc = node_fail(ctx, rc == ERR_USAGE ? ERR_USAGE : -EHOSTUNREACH,
			       rc == ERR_USAGE ? M_NET_BAD_URI : M_NET_UNREACHABLE, pos[0], node_reason(ctx->lang, rc));
		goto out;
	}
	if (status == 205)
		rc = node_enrol_install(ctx, resp.data, resp.len, pos[0]);
	else if (status == 501)
		rc = node_fail(ctx, ERR_RULE, M_JOIN_NO_KEY, pos[0]);
	else
		rc = node_fail(ctx, ERR_UNAUTH, M_JOIN_REFUSED);
out:
	buf_release(&b);
	buf_release(&resp);
	return rc;
}

/* ---- enroll keys ------------------------------------------------------------ */

#define KEYS_PER_COMMIT 32

/* Has the root sealed the county ID key to node (hex) already? */
static int node_cid_has(struct node_ctx *ctx, const char *hex, bool *has)
{
	sqlite3_stmt *st;
	int rc = node_sql(ctx, &st, "SELECT 1 FROM scope_keys WHERE scope = ?1 AND node = ?2 LIMIT 1",
			  SYNC_CIDNUM_SCOPE, hex, NULL);
	if (rc)
		return rc;
	rc = sqlite3_step(st);
	sqlite3_finalize(st);
	*has = rc == SQLITE_ROW;
	return rc == SQLITE_ROW || rc == SQLITE_DONE ? 0 : node_fail_store(ctx, ERR_STORAGE);
}

/*
 * enroll keys: seal the county ID key (sync/trust.c T9) to every station
 * board with a statement valid now and no revocation that has no such
 * row yet (boards enrolled before this version), in root commits of at
 * most KEYS_PER_COMMIT rows. Running it again issues nothing new.
 */
int node_cmd_enroll_keys(struct node_ctx *ctx, int argc, char **argv)
{
	struct node_opt o[] = { { "county-key", true, NULL } };
	const char *pos[1];
	size_t npos, given = 0, had = 0, nk = 0;
	char (*stations)[CRDT_SCOPE_MAX + 1] = NULL;
	size_t ns = 0, caps = 0;
	uint8_t readers[64][SYNC_PK_LEN];
	struct sync_key_row *kr = NULL;
	struct crdt_write w[KEYS_PER_COMMIT];
	struct sync_identity root;
	bool loaded = false;
	sqlite3_stmt *st;
	int rc = node_opts_parse(ctx, argc, argv, o, NOPTS(o), pos, 0, &npos);
	if (rc)
		return rc > 0 ? 0 : rc;
	if ((rc = node_open(ctx)))
		return rc;
	if (!ctx->app.hub)
		return node_fail(ctx, ERR_RULE, M_HUB_ONLY, "enroll keys");
	if ((rc = node_sql(ctx, &st, "SELECT DISTINCT station FROM enrolments WHERE role = 'station'"
				     " ORDER BY station", NULL)))
		return rc;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		if (ns == caps) {
			size_t c2 = caps ? caps * 2 : 16;
			void *p = mem_realloc(stations, c2 * sizeof(*stations));
			if (!p) {
				rc = -ENOMEM;
				break;
			}
			stations = p;
			caps = c2;
		}
		app_col_text(st, 0, stations[ns], sizeof(stations[0]));
		if (stations[ns][0])
			ns++;
	}
	sqlite3_finalize(st);
	if (rc != SQLITE_DONE) {
		rc = rc == -ENOMEM ? node_fail(ctx, rc, M_FAILED, node_reason(ctx->lang, rc))
				   : node_fail_store(ctx, ERR_STORAGE);
		goto out;
	}
	if (!(kr = mem_calloc(KEYS_PER_COMMIT, sizeof(*kr)))) {
		rc = node_fail(ctx, -ENOMEM, M_FAILED, node_reason(ctx->lang, -ENOMEM));
		goto out;
	}
	rc = 0;
	for (size_t s = 0; s < ns && !rc; s++) {
		size_t nr = 0;
		if ((rc = sync_scope_readers(ctx->app.sync, stations[s], ctx->app.now_ms, NULL, 0, readers, 64, &nr))) {
			rc = node_fail(ctx, rc, M_FAILED, node_reason(ctx->lang, rc));
			break;
		}
		for (size_t i = 0; i < nr && !rc; i++) {
			char hex[2 * SYNC_PK_LEN + 1];
			bool has = false;
			app_hex(readers[i], SYNC_PK_LEN, hex);
			if ((rc = node_cid_has(ctx, hex, &has)))
				break;
			if (has) {
				had++;
				continue;
			}
			if (!loaded && (rc = node_root_load(ctx, o[0].val, &root)))
				break;
			loaded = true;
			if ((rc = sync_key_row(&kr[nk], &root, SYNC_CIDNUM_SCOPE, 0, readers[i], ctx->app.now_ms))) {
				rc = node_fail(ctx, rc, M_FAILED, node_reason(ctx->lang, rc));
				break;
			}
			w[nk] = kr[nk].w;
			if (++nk == KEYS_PER_COMMIT) {
				if ((rc = node_root_commit(ctx, &root, w, nk)))
					break;
				given += nk;
				sodium_memzero(kr, KEYS_PER_COMMIT * sizeof(*kr));
				nk = 0;
			}
		}
	}
	if (!rc && nk) {
		if ((rc = node_root_commit(ctx, &root, w, nk)) == 0)
			given += nk;
	}
	if (rc)
		goto out;
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
out:
	if (loaded)
		sync_identity_release(&root);
	if (kr)
		sodium_memzero(kr, KEYS_PER_COMMIT * sizeof(*kr));
	mem_free(kr);
	mem_free(stations);
	return rc;
}
