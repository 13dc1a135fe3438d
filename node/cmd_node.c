// SPDX-License-Identifier: MIT
/*
 * cmd_node.c - the node itself: init, status, digest, log, doctor, and the
 * county's list of stations (station add/list).
 */
#include <dirent.h>
#include <errno.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sqlite3.h>
#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <unistd.h>

#include "base/afile.h"
#include "base/err.h"
#include "base/mem.h"
#include "app/log.h"
#include "app/station.h"
#include "app/peer.h"
#include "app/send.h"
#include "node/net.h"

#define NOPTS(a) (sizeof(a) / sizeof((a)[0]))

int node_cmd_init(struct node_ctx *ctx, const struct node_args *a)
{
	const char *station = node_arg(a, "station"), *name = node_arg(a, "name");
	const char *role = node_arg(a, "role");
	const char *level = node_arg(a, "level");
	struct app_station st;
	char hex[2 * CRDT_AUTHOR_LEN + 1];
	int rc;

	if (!station || !name)
		return node_fail(ctx, ERR_USAGE, M_INIT_NEEDS);
	if (!role)
		role = "station";
	if (!level)
		level = strcmp(role, "hub") == 0 ? "county" : "village";
	/* the station's language: Chinese unless --lang or CUNLIAN_LANG said */
	const char *lang = ctx->lang_fixed && ctx->lang == NODE_LANG_EN ? "en" : "zh";
	if ((rc = app_station_set(&ctx->app, &st, station, name, level, node_arg(a, "parent"))) ||
	    (rc = app_node_init(&ctx->app, &st, role, lang)))
		return node_fail_app(ctx, rc);
	/* The hub holds the county root (or is told where it is) and enrols
	 * itself with it (cmd_enroll.c, docs/security.md). */
	if (ctx->app.hub && (rc = node_hub_enrol(ctx, node_arg(a, "county-key"))))
		return rc;

	app_hex(ctx->app.author, CRDT_AUTHOR_LEN, hex);
	if (ctx->json) {
		struct node_json j;
		node_json_init(&j, stdout);
		node_json_obj(&j);
		node_json_kstr(&j, "id", st.id);
		node_json_kstr(&j, "name", st.name);
		node_json_kstr(&j, "role", role);
		node_json_kstr(&j, "level", st.level);
		node_json_kstr(&j, "parent", st.parent[0] ? st.parent : NULL);
		node_json_kstr(&j, "home", ctx->app.home);
		node_json_kstr(&j, "author", hex);
		node_json_end_obj(&j);
	} else {
		node_say(ctx, M_INIT_DONE, st.name, st.id, ctx->app.home,
			 node_msg(ctx->lang, ctx->app.hub ? M_ROLE_HUB : M_ROLE_STATION), hex);
	}
	return 0;
}

/* ---- status ------------------------------------------------------------ */

static int64_t node_count(struct node_ctx *ctx, const char *sql)
{
	int64_t n;
	return app_sql_int(&ctx->app, &n, sql, NULL) ? -1 : n;
}

/* A peer as status shows it: configured in node.conf, or synced with
 * (peers/<name>.last); the hub's records of nodes that synced with it
 * (peers/node-*.last) are report's, not listed here. */
#define NODE_STATUS_PEERS 64
struct node_status_peer {
	char name[APP_PEER_NAME_MAX + 1];
	char uri[NODE_URI_MAX]; /* "" when not configured */
	uint64_t last_ms;       /* 0: never */
	uint64_t pending;       /* own commits above what the peer last held */
};

static size_t node_status_peer_add(struct node_status_peer *v, size_t n, const char *name,
				   const char *uri)
{
	for (size_t i = 0; i < n; i++)
		if (strcmp(v[i].name, name) == 0)
			return n;
	if (n == NODE_STATUS_PEERS)
		return n;
	memset(&v[n], 0, sizeof(v[n]));
	snprintf(v[n].name, sizeof(v[n].name), "%s", name);
	snprintf(v[n].uri, sizeof(v[n].uri), "%s", uri);
	return n + 1;
}

/* Fill v (NODE_STATUS_PEERS entries); returns how many. */
static size_t node_status_peers(struct node_ctx *ctx, const struct crdt_vv_entry *vv, size_t nvv,
				struct node_status_peer *v)
{
	char path[NODE_PATH_MAX + 16], name[APP_PEER_NAME_MAX + 1];
	struct node_net_conf *nc = calloc(1, sizeof(*nc));
	enum node_msg_id why;
	size_t n = 0;
	int line;
	node_service_conf(ctx, NULL, path, sizeof(path));
	if (nc && node_net_conf_read(path, nc, &line, &why) == 0)
		for (size_t i = 0; i < nc->npeers; i++) {
			app_peer_name(nc->peer[i].host, nc->peer[i].port, name, sizeof(name));
			n = node_status_peer_add(v, n, name, nc->peer[i].uri);
		}
	free(nc);
	app_path(&ctx->app, path, sizeof(path), "peers");
	DIR *d = opendir(path);
	struct dirent *de;
	while (d && (de = readdir(d))) {
		size_t l = strlen(de->d_name);
		if (l <= 5 || l - 5 > APP_PEER_NAME_MAX || strcmp(de->d_name + l - 5, ".last") != 0 ||
		    strncmp(de->d_name, "node-", 5) == 0)
			continue;
		memcpy(name, de->d_name, l - 5);
		name[l - 5] = '\0';
		n = node_status_peer_add(v, n, name, "");
	}
	if (d)
		closedir(d);
	for (size_t i = 0; i < n; i++) {
		struct crdt_vv_entry *pv = NULL;
		size_t npv = 0;
		app_peer_last_load(&ctx->app, v[i].name, &v[i].last_ms);
		app_peer_vv_load(&ctx->app, v[i].name, &pv, &npv); /* none: the peer holds nothing */
		for (size_t a = 0; a < nvv; a++) {
			uint64_t held = 0;
			if (memcmp(vv[a].author, ctx->app.author, CRDT_AUTHOR_LEN) != 0)
				continue;
			for (size_t b = 0; b < npv; b++)
				if (memcmp(pv[b].author, vv[a].author, CRDT_AUTHOR_LEN) == 0 &&
				    strcmp(pv[b].scope, vv[a].scope) == 0)
					held = pv[b].seq;
			v[i].pending += vv[a].seq > held ? vv[a].seq - held : 0;
		}
		mem_free(pv);
	}
	return n;
}

/* What status shows, gathered once for both forms. */
struct node_status {
	struct crdt_vv_entry *vv;
	size_t nvv;
	uint64_t conflicts, own, others, refused, hlc;
	int64_t nvol, nord, nopen;
	int64_t hub_new; /* open orders the hub sent here (app/send.c) */
	struct node_status_peer *peers;
	size_t npeers;
	char hex[2 * CRDT_AUTHOR_LEN + 1], t1[32], t2[32];
};

static void node_status_json(struct node_ctx *ctx, const struct node_status *s)
{
	struct node_json j;
	node_json_init(&j, stdout);
	node_json_obj(&j);
	node_json_kstr(&j, "station", ctx->app.conf.station);
	node_json_kstr(&j, "name", ctx->app.conf.name);
	node_json_kstr(&j, "role", ctx->app.conf.role);
	node_json_kstr(&j, "level", ctx->app.conf.level);
	node_json_kstr(&j, "parent", ctx->app.conf.parent[0] ? ctx->app.conf.parent : NULL);
	node_json_kstr(&j, "home", ctx->app.home);
	node_json_kstr(&j, "author", s->hex);
	node_json_kint(&j, "now_ms", (int64_t)ctx->app.now_ms);
	node_json_kint(&j, "hlc_ms", (int64_t)CRDT_HLC_MS(s->hlc));
	node_json_key(&j, "feeds");
	node_json_arr(&j);
	for (size_t i = 0; i < s->nvv; i++) {
		char ah[2 * CRDT_AUTHOR_LEN + 1];
		app_hex(s->vv[i].author, CRDT_AUTHOR_LEN, ah);
		node_json_obj(&j);
		node_json_kstr(&j, "author", ah);
		node_json_kstr(&j, "scope", s->vv[i].scope);
		node_json_kint(&j, "seq", (int64_t)s->vv[i].seq);
		node_json_end_obj(&j);
	}
	node_json_end_arr(&j);
	node_json_kint(&j, "own_commits", (int64_t)s->own);
	node_json_kint(&j, "other_commits", (int64_t)s->others);
	node_json_kint(&j, "conflicts", (int64_t)s->conflicts);
	node_json_kint(&j, "volunteers", s->nvol);
	node_json_kint(&j, "orders", s->nord);
	node_json_kint(&j, "open_orders", s->nopen);
	node_json_kint(&j, "hub_new_orders", s->hub_new);
	node_json_key(&j, "enrolled");
	node_json_bool(&j, ctx->app.cert != NULL);
	node_json_kint(&j, "refused", (int64_t)s->refused);
	node_json_key(&j, "revoked");
	node_json_bool(&j, sync_ctx_revoked(ctx->app.sync));
	node_json_key(&j, "peers");
	node_json_arr(&j);
	for (size_t i = 0; i < s->npeers; i++) {
		node_json_obj(&j);
		node_json_kstr(&j, "name", s->peers[i].name);
		node_json_kstr(&j, "uri", s->peers[i].uri[0] ? s->peers[i].uri : NULL);
		node_json_key(&j, "configured");
		node_json_bool(&j, s->peers[i].uri[0] != '\0');
		node_json_key(&j, "last_sync");
		if (s->peers[i].last_ms)
			node_json_int(&j, (int64_t)s->peers[i].last_ms);
		else
			node_json_null(&j);
		node_json_kint(&j, "pending", (int64_t)s->peers[i].pending);
		node_json_end_obj(&j);
	}
	node_json_end_arr(&j);
	node_activity_status_json(ctx, &j); /* today's activities (issue 17) */
	node_json_end_obj(&j);
}

static void node_status_text(struct node_ctx *ctx, const struct node_status *s)
{
	node_say(ctx, M_STATUS, ctx->app.conf.name, ctx->app.conf.station,
		 node_msg(ctx->lang, ctx->app.hub ? M_ROLE_HUB : M_ROLE_STATION),
		 ctx->app.conf.parent[0] ? ctx->app.conf.parent : "-", ctx->app.home, s->hex, s->t1, s->t2,
		 (unsigned long long)s->own, (unsigned long long)s->others,
		 (unsigned long long)s->conflicts, (long long)s->nvol, (long long)s->nord,
		 (long long)s->nopen);
	if (s->hub_new)
		node_say(ctx, M_STATUS_HUB_NEW, (long long)s->hub_new);
	for (size_t i = 0; i < s->npeers; i++) {
		char when[32];
		if (s->peers[i].last_ms)
			app_time_fmt(s->peers[i].last_ms, when, sizeof(when));
		else
			snprintf(when, sizeof(when), "%s", node_msg(ctx->lang, M_NEVER));
		node_say(ctx, M_STATUS_PEER, s->peers[i].uri[0] ? s->peers[i].uri : s->peers[i].name, when,
			 (unsigned long long)s->peers[i].pending);
	}
	if (!s->npeers)
		node_say(ctx, M_STATUS_NO_PEERS);
	if (ctx->app.cert) {
		char st[CRDT_SCOPE_MAX + 1] = "-";
		uint8_t role = 0;
		sync_ctx_enrolment(ctx->app.sync, ctx->app.author, st, sizeof(st), &role);
		node_say(ctx, M_STATUS_TRUST, st,
			 node_msg(ctx->lang, role == SYNC_ROLE_HUB ? M_ROLE_HUB : M_ROLE_STATION),
			 (unsigned long long)s->refused, ctx->app.home);
	} else {
		node_say(ctx, M_STATUS_NOT_ENROLLED);
	}
	if (sync_ctx_revoked(ctx->app.sync))
		node_say(ctx, M_TRUST_REVOKED);
}

int node_cmd_status(struct node_ctx *ctx, int argc, char **argv)
{
	const char *pos[1];
	size_t npos;
	struct node_status s;
	int rc = node_opts_parse(ctx, argc, argv, NULL, 0, pos, 0, &npos);
	if (rc)
		return rc > 0 ? 0 : rc;
	if ((rc = node_open(ctx)))
		return rc;
	memset(&s, 0, sizeof(s));
	if ((rc = crdt_store_vv(ctx->app.store, &s.vv, &s.nvv)) ||
	    (rc = crdt_store_conflicts(ctx->app.store, &s.conflicts)))
		goto out;
	app_refused_count(&ctx->app, &s.refused);
	if (!(s.peers = calloc(NODE_STATUS_PEERS, sizeof(*s.peers)))) {
		rc = -ENOMEM;
		goto out;
	}
	s.npeers = node_status_peers(ctx, s.vv, s.nvv, s.peers);
	for (size_t i = 0; i < s.nvv; i++) {
		if (memcmp(s.vv[i].author, ctx->app.author, CRDT_AUTHOR_LEN) == 0)
			s.own += s.vv[i].seq;
		else
			s.others += s.vv[i].seq;
	}
	s.nvol = node_count(ctx, "SELECT count(*) FROM volunteers_live");
	s.nord = node_count(ctx, "SELECT count(*) FROM orders_live");
	s.nopen = node_count(ctx, "SELECT count(*) FROM orders_live"
			     " WHERE status IN ('open','dispatched','accepted')");
	if ((rc = app_send_new_count(&ctx->app, &s.hub_new)))
		goto out;
	s.hlc = crdt_store_hlc(ctx->app.store);
	app_hex(ctx->app.author, CRDT_AUTHOR_LEN, s.hex);
	app_time_fmt(ctx->app.now_ms, s.t1, sizeof(s.t1));
	app_time_fmt(CRDT_HLC_MS(s.hlc), s.t2, sizeof(s.t2));
	if (ctx->json)
		node_status_json(ctx, &s);
	else
		node_status_text(ctx, &s);
	if (!ctx->json)
		node_activity_status(ctx); /* today's activities (issue 17) */
out:
	free(s.peers);
	mem_free(s.vv);
	return rc ? node_fail_store(ctx, rc) : 0;
}

/* ---- digest ------------------------------------------------------------- */

int node_cmd_digest(struct node_ctx *ctx, int argc, char **argv)
{
	struct node_opt o[] = { { "scope", true, NULL } };
	const char *pos[1];
	size_t npos;
	uint8_t d[32];
	char hex[65];
	int rc = node_opts_parse(ctx, argc, argv, o, NOPTS(o), pos, 0, &npos);
	if (rc)
		return rc > 0 ? 0 : rc;
	const char *scope = o[0].val;
	if (scope && *scope && !app_id_ok(scope))
		return node_fail(ctx, ERR_USAGE, M_BAD_STATION_ID, scope);
	if ((rc = node_open(ctx)))
		return rc;
	if ((rc = crdt_store_digest(ctx->app.store, scope, d)))
		return node_fail_store(ctx, rc);
	app_hex(d, 32, hex);
	if (ctx->json) {
		struct node_json j;
		node_json_init(&j, stdout);
		node_json_obj(&j);
		node_json_kstr(&j, "scope", scope);
		node_json_kstr(&j, "digest", hex);
		node_json_end_obj(&j);
	} else {
		printf("%s\n", hex);
	}
	return 0;
}

/* ---- log ---------------------------------------------------------------- */

struct node_log_item {
	uint64_t hlc;
	uint8_t author[CRDT_AUTHOR_LEN];
	char scope[CRDT_SCOPE_MAX + 1];
	uint64_t seq;
	uint8_t table;
	uint8_t op;
	char pk[NODE_ID_MAX + 1];
	char *cols; /* "k=v k=v", mem_alloc'd */
	char *json; /* {"k":v,...}, mem_alloc'd */
};

struct node_log_walk {
	struct node_ctx *ctx;
	struct node_log_item *items;
	size_t n, cap;
};

/* Render a write's columns as text and as a JSON object. */
static int node_log_render(const struct crdt_write *w, char **text, char **json)
{
	const struct crdt_table *t = crdt_schema_table(w->table);
	char *tb = NULL, *jb = NULL;
	size_t tn = 0, jn = 0;
	FILE *tf = open_memstream(&tb, &tn), *jf = open_memstream(&jb, &jn);
	if (!tf || !jf) {
		if (tf)
			fclose(tf);
		if (jf)
			fclose(jf);
		free(tb);
		free(jb);
		return -ENOMEM;
	}
	struct node_json j;
	node_json_init(&j, jf);
	node_json_obj(&j);
	for (unsigned c = 0; t && c < t->ncols && w->op == CRDT_UPSERT; c++) {
		if (!(w->mask >> c & 1))
			continue;
		const struct crdt_value *v = &w->vals[c];
		char num[64];
		node_json_key(&j, t->cols[c].name);
		fprintf(tf, "%s%s=", ftell(tf) ? " " : "", t->cols[c].name);
		switch (v->type) {
		case CRDT_INT:
			fprintf(tf, "%lld", (long long)v->i);
			node_json_int(&j, v->i);
			break;
		case CRDT_REAL:
			app_real_fmt(v->r, num, sizeof(num));
			fputs(num, tf);
			node_json_real(&j, v->r);
			break;
		case CRDT_TEXT: {
			char *s = mem_strndup(v->s, v->len), masked[64];
			if (s) {
				/* the log is a list too: phone numbers masked */
				if (strstr(t->cols[c].name, "phone")) {
					app_phone_mask(s, masked, sizeof(masked));
					fputs(masked, tf);
					node_json_str(&j, masked);
				} else {
					fputs(s, tf);
					node_json_str(&j, s);
				}
				mem_free(s);
			}
			break;
		}
		case CRDT_NULL:
			fputs("-", tf);
			node_json_null(&j);
			break;
		}
	}
	fputc('}', jf);
	fclose(tf);
	fclose(jf);
	*text = mem_strndup(tb, tn);
	*json = mem_strndup(jb, jn);
	free(tb);
	free(jb);
	return *text && *json ? 0 : -ENOMEM;
}

static int node_log_entry(void *arg, const struct crdt_log_entry *e, const struct crdt_write *w)
{
	struct node_log_walk *lw = arg;
	int rc = MEM_GROW(lw->items, lw->cap, lw->n + 1);
	if (rc)
		return rc;
	struct node_log_item *it = &lw->items[lw->n];
	memset(it, 0, sizeof(*it));
	it->hlc = e->hlc;
	memcpy(it->author, e->author, CRDT_AUTHOR_LEN);
	snprintf(it->scope, sizeof(it->scope), "%s", e->scope);
	it->seq = e->seq;
	it->table = w->table;
	it->op = w->op;
	snprintf(it->pk, sizeof(it->pk), "%.*s", (int)w->pk_len, w->pk);
	if ((rc = node_log_render(w, &it->cols, &it->json))) {
		mem_free(it->cols);
		mem_free(it->json);
		return rc;
	}
	lw->n++;
	return 0;
}

static int node_log_cmp(const void *a, const void *b)
{
	const struct node_log_item *x = a, *y = b;
	if (x->hlc != y->hlc)
		return x->hlc < y->hlc ? -1 : 1;
	int c = memcmp(x->author, y->author, CRDT_AUTHOR_LEN);
	if (c)
		return c;
	return strcmp(x->pk, y->pk);
}

int node_cmd_log(struct node_ctx *ctx, int argc, char **argv)
{
	struct node_opt o[] = { { "limit", true, NULL } };
	const char *pos[1];
	size_t npos;
	uint64_t hidden = 0;
	struct node_log_walk lw = { .ctx = ctx };
	int64_t limit = 50;
	int rc = node_opts_parse(ctx, argc, argv, o, NOPTS(o), pos, 1, &npos);
	if (rc)
		return rc > 0 ? 0 : rc;
	if (o[0].val && app_parse_int(o[0].val, 1, 1000000, &limit))
		return node_fail(ctx, ERR_USAGE, M_BAD_NUMBER, "--limit", o[0].val);
	if ((rc = node_open(ctx)))
		return rc;
	if ((rc = app_log_each(&ctx->app, npos ? pos[0] : NULL, node_log_entry, &lw, &hidden)))
		goto out;
	if (lw.n)
		qsort(lw.items, lw.n, sizeof(*lw.items), node_log_cmp);
	size_t from = lw.n > (size_t)limit ? lw.n - (size_t)limit : 0;
	const char *head[] = { node_msg(ctx->lang, M_COL_TIME), node_msg(ctx->lang, M_COL_NODE),
			       node_msg(ctx->lang, M_COL_SCOPE), node_msg(ctx->lang, M_COL_TABLE),
			       node_msg(ctx->lang, M_COL_ID),    node_msg(ctx->lang, M_COL_CHANGE) };
	struct node_table t;
	struct node_json j;
	node_list_begin(ctx, &j, &t, 6, head, "entries");
	for (size_t i = from; i < lw.n; i++) {
		struct node_log_item *it = &lw.items[i];
		char hex[2 * CRDT_AUTHOR_LEN + 1], when[32], who[48];
		const struct crdt_table *tb = crdt_schema_table(it->table);
		bool self = memcmp(it->author, ctx->app.author, CRDT_AUTHOR_LEN) == 0;
		app_hex(it->author, CRDT_AUTHOR_LEN, hex);
		app_time_fmt(CRDT_HLC_MS(it->hlc), when, sizeof(when));
		if (ctx->json) {
			node_json_obj(&j);
			node_json_kint(&j, "time_ms", (int64_t)CRDT_HLC_MS(it->hlc));
			node_json_kint(&j, "hlc", (int64_t)it->hlc);
			node_json_kstr(&j, "author", hex);
			node_json_key(&j, "self");
			node_json_bool(&j, self);
			node_json_kstr(&j, "scope", it->scope);
			node_json_kint(&j, "seq", (int64_t)it->seq);
			node_json_kstr(&j, "table", tb ? tb->name : "?");
			node_json_kstr(&j, "id", it->pk);
			node_json_kstr(&j, "op", it->op == CRDT_DELETE ? "delete" : "upsert");
			node_json_key(&j, "cols");
			node_json_raw(&j, it->json);
			node_json_end_obj(&j);
			continue;
		}
		snprintf(who, sizeof(who), "%.8s%s", hex, self ? node_msg(ctx->lang, M_SELF_MARK) : "");
		const char *cells[] = { when, who, it->scope[0] ? it->scope : "-", tb ? tb->name : "?",
					it->pk, it->op == CRDT_DELETE ? node_msg(ctx->lang, M_DELETED) : it->cols };
		node_table_row(&t, cells);
	}
	uint64_t compacted = 0;
	if ((rc = app_log_compacted(&ctx->app, &compacted)))
		goto out;
	if (ctx->json) {
		node_json_end_arr(&j);
		node_json_key(&j, "compacted_before_ms"); /* log compaction: older history pruned */
		if (compacted)
			node_json_int(&j, (int64_t)compacted);
		else
			node_json_null(&j);
		node_json_end_obj(&j);
	} else if (t.err) {
		rc = t.err;
	} else if (lw.n == 0) {
		node_say(ctx, M_LOG_EMPTY);
	} else {
		node_table_print(&t, stdout);
	}
	if (!ctx->json && hidden)
		node_say(ctx, M_LOG_HIDDEN, (unsigned long long)hidden);
	if (!ctx->json && compacted) {
		char when[32];
		app_time_fmt(compacted, when, sizeof(when));
		node_say(ctx, M_LOG_COMPACTED, when);
	}
	node_table_release(&t);
out:
	for (size_t i = 0; i < lw.n; i++) {
		mem_free(lw.items[i].cols);
		mem_free(lw.items[i].json);
	}
	mem_free(lw.items);
	return rc ? node_fail_app(ctx, rc) : 0;
}

/* ---- doctor --------------------------------------------------------------- */

enum node_check_level { CHECK_OK, CHECK_WARN, CHECK_FAIL };

struct node_checks {
	struct node_ctx *ctx;
	struct node_json j;
	int fails, warns;
};

static void node_check(struct node_checks *k, const char *name, enum node_check_level lv,
		       enum node_msg_id id, ...)
{
	static const char *const lvname[] = { "ok", "warn", "fail" };
	static const enum node_msg_id lvmsg[] = { M_CHECK_OK, M_CHECK_WARN, M_CHECK_FAIL };
	char text[1024];
	va_list ap;
	va_start(ap, id);
	vsnprintf(text, sizeof(text), node_msg(k->ctx->lang, id), ap);
	va_end(ap);
	if (lv == CHECK_FAIL)
		k->fails++;
	if (lv == CHECK_WARN)
		k->warns++;
	if (k->ctx->json) {
		node_json_obj(&k->j);
		node_json_kstr(&k->j, "check", name);
		node_json_kstr(&k->j, "status", lvname[lv]);
		node_json_kstr(&k->j, "message", text);
		node_json_end_obj(&k->j);
	} else {
		printf("%s %s\n", node_msg(k->ctx->lang, lvmsg[lv]), text);
	}
}

/* ---- doctor: do the configured peers answer? ---------------------------- */

#define DOCTOR_PEER_WAIT_S 3

struct node_doctor_probe {
	bool done;
	int rc;
	unsigned code;
};

static void node_doctor_probe_done(void *arg, int rc, unsigned code, const uint8_t *body, size_t len)
{
	struct node_doctor_probe *pr = arg;
	(void)body;
	(void)len;
	pr->done = true;
	pr->rc = rc;
	pr->code = code;
}

/* GET /vv of one peer (as an exchange ends, link.c), waiting at most
 * DOCTOR_PEER_WAIT_S: does it answer at all? */
static bool node_doctor_probe(struct radio *r, const struct node_net_peer *peer)
{
	struct node_doctor_probe pr = { 0 };
	struct radio_link link = peer->link;
	struct radio_peer *p = NULL;
	link.ack_timeout_ms = 1000; /* libcoap's least: two sends fit the wait */
	link.retransmit = 1;
	if (radio_peer_new(r, &p, peer->host, peer->port, &link))
		return false;
	if (radio_peer_request(p, RADIO_GET, "vv", "scope=-", NULL, 0, node_doctor_probe_done, &pr) == 0) {
		uint64_t end = node_net_mono_ms() + DOCTOR_PEER_WAIT_S * 1000;
		while (!pr.done && node_net_mono_ms() < end)
			radio_run(r, 20);
	}
	radio_peer_free(p); /* ends a request still pending (-ECANCELED) */
	return pr.done && pr.rc == 0 && pr.code / 100 == 2;
}

void node_service_conf(struct node_ctx *ctx, const char *given, char *out, size_t n)
{
	char lock[NODE_PATH_MAX + 16];
	size_t len = 0;
	if (given) {
		snprintf(out, n, "%s", given);
		return;
	}
	app_path(&ctx->app, lock, sizeof(lock), NODE_SERVE_LOCK);
	if (app_file_read(lock, (uint8_t *)out, n - 1, &len) == 0 && len > 0) {
		out[len] = '\0';
		if (access(out, R_OK) == 0)
			return;
	}
	if (access(NODE_SYSTEM_CONF, F_OK) == 0)
		snprintf(out, n, "%s", NODE_SYSTEM_CONF);
	else
		app_path(&ctx->app, out, n, "node.conf");
}

/* The service: running (it holds serve.lock), its config file, how long
 * since the last sync with anyone, and the commits refused so far. */
static void node_doctor_service(struct node_checks *k, const char *conf)
{
	struct node_ctx *ctx = k->ctx;
	char path[NODE_PATH_MAX + 16], ago[32];
	struct node_net_conf *nc = calloc(1, sizeof(*nc));
	enum node_msg_id why;
	int line, fd;

	app_path(&ctx->app, path, sizeof(path), NODE_SERVE_LOCK);
	bool running = (fd = open(path, O_RDONLY | O_CLOEXEC)) >= 0 && flock(fd, LOCK_SH | LOCK_NB) < 0;
	if (fd >= 0)
		close(fd);
	node_check(k, "service", running ? CHECK_OK : CHECK_WARN,
		   running ? M_DOC_SERVICE_ON : M_DOC_SERVICE_OFF);
	int rc = nc ? node_net_conf_read(conf, nc, &line, &why) : -ENOMEM;
	if (rc == 0)
		node_check(k, "service-config", CHECK_OK, M_DOC_NETCONF_OK, conf, (unsigned)nc->npeers);
	else if (rc == ERR_USAGE)
		node_check(k, "service-config", CHECK_FAIL, M_DOC_NETCONF_BAD, conf, line,
			   node_msg(ctx->lang, why));
	else
		node_check(k, "service-config", CHECK_FAIL, M_DOC_NETCONF_OPEN, conf,
			   node_reason(ctx->lang, rc));
	free(nc);

	uint64_t last = 0;
	app_path(&ctx->app, path, sizeof(path), "peers");
	DIR *d = opendir(path);
	struct dirent *de;
	while (d && (de = readdir(d))) {
		size_t l = strlen(de->d_name);
		uint64_t ms = 0;
		char name[APP_PEER_NAME_MAX + 1];
		if (l <= 5 || l - 5 > APP_PEER_NAME_MAX || strcmp(de->d_name + l - 5, ".last") != 0)
			continue;
		memcpy(name, de->d_name, l - 5);
		name[l - 5] = '\0';
		if (app_peer_last_load(&ctx->app, name, &ms) == 0 && ms > last)
			last = ms;
	}
	if (d)
		closedir(d);
	if (!last) {
		node_check(k, "last-sync", CHECK_WARN, M_DOC_NEVER_SYNCED);
	} else {
		app_time_fmt(last, ago, sizeof(ago));
		uint64_t h = ctx->app.now_ms > last ? (ctx->app.now_ms - last) / 3600000 : 0;
		node_check(k, "last-sync", h >= 24 ? CHECK_WARN : CHECK_OK, M_DOC_LAST_SYNC, ago,
			   (unsigned long long)h);
	}
	uint64_t refused = 0;
	app_refused_count(&ctx->app, &refused);
	node_check(k, "refused", refused ? CHECK_WARN : CHECK_OK, M_DOC_REFUSED,
		   (unsigned long long)refused, ctx->app.home);
}

static void node_doctor_peers(struct node_checks *k, const char *conf)
{
	struct node_net_conf *nc = calloc(1, sizeof(*nc));
	struct radio *r = NULL;
	struct radio_options ro = { 0 };
	enum node_msg_id why;
	int line;
	if (!nc || node_net_conf_read(conf, nc, &line, &why)) /* the config check said why */
		goto out;
	if (nc->npeers == 0) {
		node_check(k, "peers", CHECK_OK, M_DOC_NO_PEERS);
		goto out;
	}
	if (radio_new(&r, &ro))
		r = NULL;
	for (size_t i = 0; i < nc->npeers; i++) {
		const struct node_net_peer *p = &nc->peer[i];
		if (r && node_doctor_probe(r, p))
			node_check(k, "peers", CHECK_OK, M_DOC_PEER_OK, p->uri);
		else
			node_check(k, "peers", CHECK_FAIL, M_DOC_PEER_DOWN, p->uri,
				   (unsigned)DOCTOR_PEER_WAIT_S, p->uri);
	}
out:
	radio_free(r);
	free(nc);
}

/* node.conf: the station and role it names */
static void node_doctor_conf(struct node_checks *k)
{
	struct node_ctx *ctx = k->ctx;
	char path[NODE_PATH_MAX + 32];
	app_path(&ctx->app, path, sizeof(path), "node.conf");
	int rc = app_conf_read(path, &ctx->app.conf);
	if (rc == ERR_NOTFOUND)
		node_check(k, "config", CHECK_FAIL, M_DOC_NO_CONF, ctx->app.home);
	else if (rc)
		node_check(k, "config", CHECK_FAIL, M_DOC_BAD_CONF, path);
	else
		node_check(k, "config", CHECK_OK, M_DOC_CONF_OK, ctx->app.conf.station, ctx->app.conf.role);
	ctx->app.hub = strcmp(ctx->app.conf.role, "hub") == 0;
}

/* identity.key: there, mode 600, loads; true when it does */
static bool node_doctor_identity(struct node_checks *k)
{
	struct node_ctx *ctx = k->ctx;
	char path[NODE_PATH_MAX + 32];
	struct stat sb;
	app_path(&ctx->app, path, sizeof(path), "identity.key");
	if (stat(path, &sb) < 0) {
		node_check(k, "identity", CHECK_FAIL, M_DOC_NO_KEY, path);
	} else if ((sb.st_mode & 077) != 0) { /* before loading: a loader refuses it too */
		node_check(k, "identity", CHECK_FAIL, M_DOC_KEY_MODE, path,
			   (unsigned)(sb.st_mode & 0777), path);
	} else if (app_identity_load(path, ctx->app.author) != 0) {
		node_check(k, "identity", CHECK_FAIL, M_DOC_KEY_BAD, path);
	} else {
		char hex[2 * CRDT_AUTHOR_LEN + 1];
		app_hex(ctx->app.author, CRDT_AUTHOR_LEN, hex);
		node_check(k, "identity", CHECK_OK, M_DOC_KEY_OK, hex);
		return true;
	}
	return false;
}

/* replica.db: opens, and SQLite's integrity check passes */
/* Open the replica for the checks: on a home gone read-only or a full
 * disk, read-only, and say so (the way out is the card or the space, not
 * a restore). ERR_STORAGE once that was said. */
static int node_doctor_db_open(struct node_checks *k, const char *path)
{
	struct node_ctx *ctx = k->ctx;
	const struct crdt_options ro = { .read_only = true };
	bool readonly = app_home_readonly(&ctx->app), full = afile_free_bytes(path) == 0;
	if (readonly)
		node_check(k, "home", CHECK_FAIL, M_DOC_HOME_RO, ctx->app.home);
	else if (full)
		node_check(k, "home", CHECK_FAIL, M_DOC_HOME_FULL, ctx->app.home);
	if (!readonly && !full)
		return crdt_store_open(&ctx->app.store, path, ctx->app.author, NULL);
	return crdt_store_open(&ctx->app.store, path, ctx->app.author, &ro) ? ERR_STORAGE : 0;
}

static void node_doctor_db(struct node_checks *k, bool have_key)
{
	struct node_ctx *ctx = k->ctx;
	char path[NODE_PATH_MAX + 32];
	struct stat sb;
	int rc;
	app_path(&ctx->app, path, sizeof(path), "replica.db");
	if (stat(path, &sb) < 0) {
		node_check(k, "database", CHECK_FAIL, M_DOC_NO_DB, path);
	} else if (!have_key) {
		node_check(k, "database", CHECK_WARN, M_DOC_DB_SKIPPED);
	} else if ((rc = node_doctor_db_open(k, path)) != 0) {
		node_check(k, "database", CHECK_FAIL, M_DOC_DB_OPEN, path, node_reason(ctx->lang, rc));
	} else {
		sqlite3_stmt *st;
		char res[256] = "";
		if (sqlite3_prepare_v2(crdt_store_db(ctx->app.store), "PRAGMA integrity_check", -1, &st,
				       NULL) == SQLITE_OK) {
			if (sqlite3_step(st) == SQLITE_ROW)
				app_col_text(st, 0, res, sizeof(res));
			sqlite3_finalize(st);
		}
		if (strcmp(res, "ok") == 0)
			node_check(k, "database", CHECK_OK, M_DOC_DB_OK);
		else
			node_check(k, "database", CHECK_FAIL, M_DOC_DB_BAD, res);
	}
}

/* the replica against the numbers this identity has used (feed.mark) */
static void node_doctor_mark(struct node_checks *k)
{
	struct node_ctx *ctx = k->ctx;
	if (ctx->app.store) {
		bool bad = false;
		int mrc = app_mark_status(&ctx->app, &bad);
		if (mrc != 0)
			node_check(k, "numbering", CHECK_FAIL, M_DOC_MARK_IO, ctx->app.home, node_reason(ctx->lang, mrc));
		else if (bad && ctx->app.mark->damaged)
			node_check(k, "numbering", CHECK_FAIL, M_DOC_MARK_DAMAGED, ctx->app.home);
		else if (bad)
			node_check(k, "numbering", CHECK_FAIL, M_DOC_MARK_BAD,
				   ctx->app.mark->bad_scope[0] ? ctx->app.mark->bad_scope : node_msg(ctx->lang, M_MARK_COUNTY),
				   (unsigned long long)ctx->app.mark->bad_held, (unsigned long long)ctx->app.mark->bad_floor);
		else if (!ctx->app.mark->nfeed)
			node_check(k, "numbering", CHECK_OK, M_DOC_MARK_NONE);
		else
			node_check(k, "numbering", CHECK_OK, M_DOC_MARK_OK);
	}
}

/* the station's own row */
static void node_doctor_station(struct node_checks *k)
{
	struct node_ctx *ctx = k->ctx;
	if (ctx->app.store && ctx->app.conf.station[0]) {
		sqlite3_stmt *st;
		bool found = false;
		if (node_sql(ctx, &st, "SELECT 1 FROM stations WHERE pk = ?1 AND _dead IS NULL",
			     ctx->app.conf.station, NULL) == 0) {
			found = sqlite3_step(st) == SQLITE_ROW;
			sqlite3_finalize(st);
		}
		if (found)
			node_check(k, "station", CHECK_OK, M_DOC_STATION_OK, ctx->app.conf.station);
		else
			node_check(k, "station", CHECK_WARN, M_DOC_STATION_MISSING, ctx->app.conf.station);
	}
}

/* free space where the home is */
static void node_doctor_disk(struct node_checks *k)
{
	struct node_ctx *ctx = k->ctx;
	struct statvfs vfs;
	if (statvfs(ctx->app.home, &vfs) == 0) {
		unsigned long long mb = (unsigned long long)vfs.f_bavail * vfs.f_frsize >> 20;
		if (mb < 20)
			node_check(k, "disk", CHECK_FAIL, M_DOC_DISK_LOW, mb, ctx->app.home);
		else if (mb < 200)
			node_check(k, "disk", CHECK_WARN, M_DOC_DISK_LOW, mb, ctx->app.home);
		else
			node_check(k, "disk", CHECK_OK, M_DOC_DISK_OK, mb);
	} else {
		node_check(k, "disk", CHECK_WARN, M_DOC_DISK_UNKNOWN, ctx->app.home);
	}
}

/* the clock against its bounds (app/clock.c): the same verdict a write
 * gets, so doctor never calls a clock fine that writes refuse */
static void node_doctor_clock(struct node_checks *k)
{
	struct node_ctx *ctx = k->ctx;
	struct app_clock c;
	char now[32], lo[32], hi[32], own[32];
	app_time_fmt(ctx->app.now_ms, now, sizeof(now));
	char pend[NODE_PATH_MAX + 32];
	struct stat sb;
	app_path(&ctx->app, pend, sizeof(pend), "rescue.pending");
	if (stat(pend, &sb) == 0) {
		node_check(k, "clock", CHECK_FAIL, M_DOC_CLOCK_PENDING);
	} else if (app_clock_judge(&ctx->app, &c) != 0) {
		node_check(k, "clock", CHECK_WARN, M_DOC_CLOCK_UNVERIFIED, now);
	} else if (c.verdict == CRDT_TIME_FEED_AHEAD) {
		app_time_fmt(c.n.own_hlc_ms, own, sizeof(own));
		node_check(k, "clock", CHECK_FAIL, M_DOC_CLOCK_RESCUE, own);
	} else if (c.verdict != CRDT_TIME_OK) {
		node_check(k, "clock", CHECK_FAIL, M_DOC_CLOCK_BAD,
			   node_msg(ctx->lang, node_clock_verdict_msg(c.verdict)), now);
	} else if (c.b.upper) {
		app_time_fmt(c.b.lower ? c.b.lower : CRDT_TIME_FLOOR_MS, lo, sizeof(lo));
		app_time_fmt(c.b.upper, hi, sizeof(hi));
		node_check(k, "clock", CHECK_OK, M_DOC_CLOCK_GOOD, now, lo, hi);
	} else {
		node_check(k, "clock", ctx->app.hub ? CHECK_OK : CHECK_WARN, M_DOC_CLOCK_UNVERIFIED, now);
	}
}

int node_cmd_doctor(struct node_ctx *ctx, int argc, char **argv)
{
	struct node_opt o[] = { { "config", true, NULL } };
	const char *pos[1];
	size_t npos;
	char conf[NODE_PATH_MAX + 32];
	struct node_checks k = { .ctx = ctx };
	struct stat sb;
	int rc = node_opts_parse(ctx, argc, argv, o, NOPTS(o), pos, 0, &npos);
	if (rc)
		return rc > 0 ? 0 : rc;
	node_service_conf(ctx, o[0].val, conf, sizeof(conf));
	node_json_init(&k.j, stdout);
	if (ctx->json) {
		node_json_obj(&k.j);
		node_json_key(&k.j, "checks");
		node_json_arr(&k.j);
	}
	node_doctor_conf(&k);
	node_doctor_db(&k, node_doctor_identity(&k));
	node_doctor_mark(&k);
	node_doctor_station(&k);
	node_doctor_disk(&k);
	node_doctor_clock(&k);
	node_doctor_service(&k, conf);
	node_doctor_peers(&k, conf);
	/* enrolment: the county's key, and (a station) this node's statement */
	char cert[NODE_PATH_MAX + 16], pub[NODE_PATH_MAX + 16];
	app_path(&ctx->app, pub, sizeof(pub), "county.pub");
	app_path(&ctx->app, cert, sizeof(cert), "node.cert");
	if (stat(pub, &sb) == 0 && (ctx->app.hub || stat(cert, &sb) == 0))
		node_check(&k, "enrolment", CHECK_OK, M_DOC_ENROL_OK);
	else
		node_check(&k, "enrolment", CHECK_WARN, M_DOC_NO_ENROL);

	if (ctx->json) {
		node_json_end_arr(&k.j);
		node_json_key(&k.j, "ok");
		node_json_bool(&k.j, k.fails == 0);
		node_json_end_obj(&k.j);
	} else {
		node_say(ctx, k.fails ? M_DOC_SUMMARY_BAD : M_DOC_SUMMARY_OK, k.fails, k.warns);
	}
	if (k.fails) {
		ctx->said = true;
		return -EPERM; /* exit status 1: problems found */
	}
	return 0;
}

/* ---- stations ----------------------------------------------------------- */

int node_cmd_station_add(struct node_ctx *ctx, const struct node_args *a)
{
	const char *id = node_arg(a, "id"), *name = node_arg(a, "name");
	struct app_station st;
	int rc;
	if (!id || !name)
		return node_fail(ctx, ERR_USAGE, M_STATION_NEEDS);
	if ((rc = app_station_set(&ctx->app, &st, id, name, node_arg(a, "level"), node_arg(a, "parent"))))
		return node_fail_app(ctx, rc);
	if ((rc = node_open(ctx)))
		return rc;
	if ((rc = app_station_add(&ctx->app, &st)))
		return node_fail_app(ctx, rc);
	if (ctx->json) {
		struct node_json j;
		node_json_init(&j, stdout);
		node_json_obj(&j);
		node_json_kstr(&j, "id", st.id);
		node_json_end_obj(&j);
	} else {
		node_say(ctx, M_STATION_ADDED, st.id, st.name);
	}
	return 0;
}

int node_cmd_station_list(struct node_ctx *ctx, const struct node_args *a)
{
	struct app_station *v = NULL;
	size_t n = 0;
	int rc;
	if ((rc = node_format_take(ctx, a)) || (rc = node_open(ctx))) /* --format csv (list.c) */
		return rc;
	if ((rc = app_station_list(&ctx->app, &v, &n)))
		return node_fail_app(ctx, rc);
	const char *head[] = { node_msg(ctx->lang, M_COL_ID), node_msg(ctx->lang, M_COL_NAME),
			       node_msg(ctx->lang, M_COL_LEVEL), node_msg(ctx->lang, M_COL_PARENT) };
	struct node_table t;
	struct node_json j;
	node_table_init(&t, 4, head);
	node_json_init(&j, stdout);
	if (ctx->json) {
		node_json_obj(&j);
		node_json_key(&j, "stations");
		node_json_arr(&j);
	} else if (ctx->csv) {
		node_csv_begin(&t); /* rows go out as they come */
	}
	for (size_t i = 0; i < n; i++) {
		const struct app_station *s = &v[i];
		if (ctx->json) {
			node_json_obj(&j);
			node_json_kstr(&j, "id", s->id);
			node_json_kstr(&j, "name", s->name);
			node_json_kstr(&j, "level", s->level);
			node_json_kstr(&j, "parent", s->parent[0] ? s->parent : NULL);
			node_json_end_obj(&j);
		} else {
			const char *cells[] = { s->id, s->name, s->level, s->parent[0] ? s->parent : "-" };
			node_table_row(&t, cells);
		}
	}
	if (ctx->json) {
		node_json_end_arr(&j);
		node_json_end_obj(&j);
	} else if (!ctx->csv) {
		node_table_print(&t, stdout);
	}
	node_table_release(&t);
	mem_free(v);
	return 0;
}
