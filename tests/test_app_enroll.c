// SPDX-License-Identifier: MIT
/*
 * test_app_enroll.c - the operations of app/enroll.c and app/rescue.c on
 * real homes in a temporary folder (node.conf, identity.key, replica.db,
 * the county key), with real signatures: a station enrolled by files
 * and by a one-time code, revoked with its scope re-keyed, the county ID
 * key given, the clock rescue of a far-future commit; and every refusal
 * with its reason, the replica (digest) and the files as they were.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <sodium.h>
#include <sqlite3.h>
#include <sys/stat.h>

#include "base/err.h"
#include "app/enroll.h"
#include "tests/helpers.h"

#define NOW T_DAY0
#define DAY (24ULL * 3600 * 1000)

static const char *dir;

static int setup(void **state)
{
	(void)state;
	dir = t_tmpdir();
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	t_rmdir(dir);
	return 0;
}

static void t_file(const char *home, const char *file, char *out, size_t n)
{
	snprintf(out, n, "%s/%s", home, file);
}

static bool t_exists(const char *home, const char *file)
{
	char p[APP_PATH_MAX + 64];
	t_file(home, file, p, sizeof(p));
	return access(p, F_OK) == 0;
}

/* Open the home dir/name again, as the next command does. */
static void t_open(struct app *a, const char *name)
{
	app_init(a);
	snprintf(a->home, sizeof(a->home), "%s/%s", dir, name);
	a->now_ms = NOW;
	a->access = APP_AUTHORS;
	assert_int_equal(app_open(a), 0);
}

/* A new home, as init leaves it (a hub enrolled with its county key). */
static void t_init(struct app *a, const char *name, const char *station, bool hub)
{
	struct app_conf c;
	char p[APP_PATH_MAX + 64], home[APP_PATH_MAX];
	uint8_t pk[CRDT_AUTHOR_LEN];
	snprintf(home, sizeof(home), "%s/%s", dir, name);
	assert_int_equal(mkdir(home, 0700), 0);
	memset(&c, 0, sizeof(c));
	snprintf(c.station, sizeof(c.station), "%s", station);
	snprintf(c.name, sizeof(c.name), "%s", hub ? "县中心" : "一村");
	snprintf(c.role, sizeof(c.role), "%s", hub ? "hub" : "station");
	snprintf(c.level, sizeof(c.level), "%s", hub ? "county" : "village");
	t_file(home, "node.conf", p, sizeof(p));
	assert_int_equal(app_conf_write(p, &c), 0);
	t_file(home, "identity.key", p, sizeof(p));
	assert_int_equal(app_identity_create(p, pk), 0);
	t_open(a, name);
	if (hub) {
		assert_int_equal(app_hub_enrol(a, NULL), 0);
		app_close(a);
		t_open(a, name); /* trust on from the next run */
		assert_true(a->have_root);
	}
}

static void t_digest(struct app *a, uint8_t d[32])
{
	assert_int_equal(crdt_store_digest(a->store, NULL, d), 0);
}

/* The last call failed with rc and why (and said so in a->fail). */
static void t_refused(struct app *a, int got, int rc, enum app_why why)
{
	assert_int_equal(got, rc);
	assert_int_equal(a->fail.rc, rc);
	assert_int_equal(a->fail.why, why);
	app_fail_clear(a);
}

static void t_request(struct app *s, const char *file, char *path, size_t n)
{
	snprintf(path, n, "%s/%s", dir, file);
	assert_int_equal(app_enroll_request(s, path), 0);
}

/* Enrol station s at hub h with files; the certificate in dir/name.cert. */
static void t_enrol(struct app *h, struct app *s, const char *name)
{
	char file[64], req[APP_PATH_MAX], cert[APP_PATH_MAX + 64], who[129];
	struct sync_statement st;
	snprintf(file, sizeof(file), "%s.req", name);
	t_request(s, file, req, sizeof(req));
	snprintf(cert, sizeof(cert), "%s/%s.cert", dir, name);
	struct app_enroll_sign in = { .request = req, .station = s->conf.station, .role = SYNC_ROLE_STATION,
				      .days = 30, .out = cert };
	assert_int_equal(app_enroll_sign(h, &in, &st, who), 0);
	assert_int_equal(app_enroll_accept_file(s, cert, &st), 0);
}

static void test_enrol_files(void **state)
{
	struct app h, s;
	struct sync_statement st;
	char req[APP_PATH_MAX], cert[APP_PATH_MAX], who[129], station[CRDT_SCOPE_MAX + 1];
	uint8_t role;
	(void)state;
	t_init(&h, "hub", "c01", true);
	t_init(&s, "s1", "s0001", false);
	t_request(&s, "s1.req", req, sizeof(req));
	assert_true(t_exists(s.home, APP_PENDING)); /* its data never leaves in plaintext now */
	snprintf(cert, sizeof(cert), "%s/s1.cert", dir);
	struct app_enroll_sign in = { .request = req, .station = "s0001", .role = SYNC_ROLE_STATION,
				      .days = 30, .out = cert };
	assert_int_equal(app_enroll_sign(&h, &in, &st, who), 0);
	assert_string_equal(who, "一村");
	assert_string_equal(st.station, "s0001");
	assert_memory_equal(st.node, s.author, SYNC_PK_LEN);
	assert_true(st.not_after == NOW + 30 * DAY);
	/* E1: the hub holds the statement it handed out */
	assert_int_equal(sync_ctx_enrolment(h.sync, s.author, station, sizeof(station), &role), 0);
	assert_string_equal(station, "s0001");
	assert_int_equal(role, SYNC_ROLE_STATION);
	memset(&st, 0, sizeof(st));
	assert_int_equal(app_enroll_accept_file(&s, cert, &st), 0);
	assert_string_equal(st.station, "s0001");
	assert_true(t_exists(s.home, "node.cert") && t_exists(s.home, "county.pub"));
	assert_false(t_exists(s.home, APP_PENDING));
	app_close(&s);
	t_open(&s, "s1");
	assert_true(s.have_root);
	assert_memory_equal(s.county_root, h.county_root, SYNC_PK_LEN);
	app_close(&s);
	app_close(&h);
}

static void test_sign_refused(void **state)
{
	struct app h, s;
	struct sync_statement st;
	char req[APP_PATH_MAX], cert[APP_PATH_MAX], bad[APP_PATH_MAX], other[APP_PATH_MAX], who[129];
	uint8_t d0[32], d1[32];
	struct sync_identity o;
	(void)state;
	t_init(&h, "hub", "c01", true);
	t_init(&s, "s1", "s0001", false);
	t_request(&s, "s1.req", req, sizeof(req));
	snprintf(cert, sizeof(cert), "%s/s1.cert", dir);
	snprintf(bad, sizeof(bad), "%s/garbage.req", dir);
	FILE *f = fopen(bad, "w");
	assert_non_null(f);
	fputs("not a request\n", f);
	fclose(f);
	snprintf(other, sizeof(other), "%s/other-county.key", dir);
	assert_int_equal(sync_identity_generate(&o), 0);
	assert_int_equal(sync_identity_save(&o, other), 0);
	sync_identity_release(&o);
	t_digest(&h, d0);

	struct app_enroll_sign in = { .request = req, .station = "s0002", .role = SYNC_ROLE_STATION,
				      .days = 30, .out = cert };
	t_refused(&h, app_enroll_sign(&h, &in, &st, who), ERR_RULE, APP_W_ENROLL_STATION_DIFFERS);
	in.station = "bad id!";
	t_refused(&h, app_enroll_sign(&h, &in, &st, who), ERR_USAGE, APP_W_ENROLL_BAD_STATION);
	in.station = "s0001";
	t_refused(&s, app_enroll_sign(&s, &in, &st, who), ERR_RULE, APP_W_ENROLL_HUB_ONLY);
	in.request = bad;
	t_refused(&h, app_enroll_sign(&h, &in, &st, who), ERR_CORRUPT, APP_W_ENROLL_BAD_REQUEST);
	in.request = "/nonexistent/s1.req";
	t_refused(&h, app_enroll_sign(&h, &in, &st, who), ERR_NOTFOUND, APP_W_ENROLL_FILE_READ);
	in.request = req;
	in.county_key = other;
	t_refused(&h, app_enroll_sign(&h, &in, &st, who), ERR_UNAUTH, APP_W_ENROLL_OTHER_COUNTY);
	in.county_key = "/nonexistent/county.key";
	t_refused(&h, app_enroll_sign(&h, &in, &st, who), ERR_NOTFOUND, APP_W_ENROLL_NO_COUNTY_KEY);

	t_digest(&h, d1);
	assert_memory_equal(d0, d1, 32);
	assert_int_not_equal(access(cert, F_OK), 0);
	app_close(&s);
	app_close(&h);
}

static void test_accept_refused(void **state)
{
	struct app h, h2, s, s2;
	struct sync_statement st;
	char cert[APP_PATH_MAX], p[APP_PATH_MAX + 64];
	uint8_t buf[SYNC_STMT_MAX + 1], before[SYNC_STMT_MAX + 1];
	size_t len, blen;
	(void)state;
	t_init(&h, "hub", "c01", true);
	t_init(&h2, "hub2", "c02", true); /* another county */
	t_init(&s, "s1", "s0001", false);
	t_init(&s2, "s1b", "s0001", false); /* a second board of s0001 */
	t_enrol(&h, &s2, "s1b");

	/* a statement for another key */
	snprintf(cert, sizeof(cert), "%s/s1b.cert", dir);
	t_refused(&s, app_enroll_accept_file(&s, cert, &st), ERR_RULE, APP_W_ENROLL_NOT_OURS);
	/* damaged: its signature does not verify */
	assert_int_equal(app_file_read(cert, buf, sizeof(buf), &len), 0);
	buf[len - 1] ^= 1;
	t_refused(&s, app_enroll_accept(&s, buf, len, "x", &st), ERR_UNAUTH, APP_W_ENROLL_BAD_CERT);
	t_refused(&s, app_enroll_accept(&s, buf, 3, "x", &st), ERR_USAGE, APP_W_ENROLL_BAD_CERT);
	assert_false(t_exists(s.home, "node.cert") || t_exists(s.home, "county.pub"));

	/* enrolled in one county, a statement of another is refused */
	t_enrol(&h, &s, "s1");
	t_file(s.home, "node.cert", p, sizeof(p));
	assert_int_equal(app_file_read(p, before, sizeof(before), &blen), 0);
	char req[APP_PATH_MAX], cert2[APP_PATH_MAX], who[129];
	t_request(&s, "s1-again.req", req, sizeof(req));
	snprintf(cert2, sizeof(cert2), "%s/s1-other.cert", dir);
	struct app_enroll_sign in = { .request = req, .station = "s0001", .role = SYNC_ROLE_STATION,
				      .days = 30, .out = cert2 };
	assert_int_equal(app_enroll_sign(&h2, &in, &st, who), 0);
	t_refused(&s, app_enroll_accept_file(&s, cert2, &st), ERR_UNAUTH, APP_W_ENROLL_OTHER_COUNTY);
	assert_int_equal(app_file_read(p, buf, sizeof(buf), &len), 0);
	assert_int_equal(len, blen);
	assert_memory_equal(buf, before, len);
	app_close(&s2);
	app_close(&s);
	app_close(&h2);
	app_close(&h);
}

static void test_revoke(void **state)
{
	struct app h, s;
	struct app_revoked out;
	char hex[APP_HEX_KEY];
	uint8_t d0[32], d1[32];
	(void)state;
	t_init(&h, "hub", "c01", true);
	t_init(&s, "s1", "s0001", false);
	t_enrol(&h, &s, "s1");
	t_digest(&h, d0);
	struct app_revoke in = { .target = "s0009" };
	t_refused(&h, app_enroll_revoke(&h, &in, &out), ERR_NOTFOUND, APP_W_ENROLL_NO_NODE);
	in.target = "s0001";
	t_refused(&s, app_enroll_revoke(&s, &in, &out), ERR_RULE, APP_W_ENROLL_HUB_ONLY);
	t_digest(&h, d1);
	assert_memory_equal(d0, d1, 32);

	assert_int_equal(app_enroll_revoke(&h, &in, &out), 0);
	app_hex(s.author, SYNC_PK_LEN, hex);
	assert_int_equal(out.n, 1);
	assert_string_equal(out.node[0], hex);
	/* E3: its station's data gets a new key in the same commit */
	assert_int_equal(out.nrk, 1);
	assert_string_equal(out.rk[0].scope, "s0001");
	assert_int_equal(out.rk[0].gen, 1);
	assert_int_equal(out.rk[0].readers, 0);
	assert_int_equal(sync_scope_gen(h.sync, "s0001"), 1);
	sqlite3_stmt *q;
	assert_int_equal(app_sql(&h, &q, "SELECT count(*) FROM revocations WHERE node = ?1", hex, NULL), 0);
	assert_int_equal(sqlite3_step(q), SQLITE_ROW);
	assert_int_equal(sqlite3_column_int64(q, 0), 1);
	sqlite3_finalize(q);
	app_close(&s);
	app_close(&h);
}

static void test_join(void **state)
{
	struct app h, s, s2;
	struct app_code c, c2;
	struct sync_statement st;
	struct buf body, cert, again;
	char p[APP_PATH_MAX + 64], lower[APP_CODE_LEN + 1];
	uint8_t d0[32], d1[32], codes[4096];
	size_t len;
	(void)state;
	t_init(&h, "hub", "c01", true);
	t_init(&s, "s1", "s0001", false);
	t_init(&s2, "s2", "s0002", false);
	t_refused(&s, app_enroll_code(&s, "s0001", &c), ERR_RULE, APP_W_ENROLL_HUB_ONLY);
	t_refused(&h, app_enroll_code(&h, "no such id", &c), ERR_USAGE, APP_W_ENROLL_BAD_STATION);
	assert_int_equal(app_enroll_code(&h, "s0001", &c), 0);
	assert_int_equal(strlen(c.code), APP_CODE_LEN);
	assert_true(c.expires_ms == NOW + APP_CODE_TTL_MS);
	t_file(h.home, "codes", p, sizeof(p));
	assert_int_equal(app_file_read(p, codes, sizeof(codes) - 1, &len), 0);
	codes[len] = '\0';
	assert_null(strstr((const char *)codes, c.code)); /* E4: only its hash */
	struct stat sb;
	assert_int_equal(stat(p, &sb), 0);
	assert_int_equal(sb.st_mode & 0777, 0600); /* and nobody else reads that */

	/* the code is read aloud: any case does */
	for (size_t i = 0; i <= APP_CODE_LEN; i++)
		lower[i] = (char)(c.code[i] >= 'A' && c.code[i] <= 'Z' ? c.code[i] - 'A' + 'a' : c.code[i]);
	buf_init(&body, 8192);
	buf_init(&cert, SYNC_STMT_MAX);
	buf_init(&again, SYNC_STMT_MAX);
	assert_int_equal(app_join_request(&s, lower, &body), 0);
	assert_true(t_exists(s.home, APP_PENDING));
	assert_int_equal(app_join_serve(&h, body.data, body.len, &cert), 0);
	assert_int_equal(app_enroll_accept(&s, cert.data, cert.len, "coap://hub", &st), 0);
	assert_string_equal(st.station, "s0001");
	assert_true(t_exists(s.home, "node.cert"));

	/* the same code again, a wrong one, and a short one: refused alike */
	t_digest(&h, d0);
	t_refused(&h, app_join_serve(&h, body.data, body.len, &again), ERR_UNAUTH, APP_W_JOIN_REFUSED);
	buf_reset(&body);
	assert_int_equal(app_enroll_code(&h, "s0002", &c2), 0);
	assert_int_equal(app_join_request(&s2, "23456789AB", &body), 0);
	t_refused(&h, app_join_serve(&h, body.data, body.len, &again), ERR_UNAUTH, APP_W_JOIN_REFUSED);
	t_refused(&h, app_join_serve(&h, body.data, 10, &again), ERR_UNAUTH, APP_W_JOIN_REFUSED);
	t_refused(&s2, app_join_request(&s2, "ABC", &body), ERR_UNAUTH, APP_W_JOIN_REFUSED);
	/* the county key kept elsewhere: nothing to sign with */
	char key[APP_PATH_MAX + 64], moved[APP_PATH_MAX + 64];
	t_file(h.home, "county.key", key, sizeof(key));
	snprintf(moved, sizeof(moved), "%s/county.key.away", dir);
	assert_int_equal(rename(key, moved), 0);
	buf_reset(&body);
	assert_int_equal(app_join_request(&s2, c2.code, &body), 0);
	t_refused(&h, app_join_serve(&h, body.data, body.len, &again), ERR_NOTFOUND,
		  APP_W_ENROLL_NO_COUNTY_KEY);
	assert_int_equal(again.len, 0);
	t_digest(&h, d1);
	assert_memory_equal(d0, d1, 32);
	/* and the unspent code still works once the key is back */
	assert_int_equal(rename(moved, key), 0);
	assert_int_equal(app_join_serve(&h, body.data, body.len, &again), 0);
	sodium_memzero(&c, sizeof(c));
	sodium_memzero(&c2, sizeof(c2));
	buf_release(&body);
	buf_release(&cert);
	buf_release(&again);
	app_close(&s2);
	app_close(&s);
	app_close(&h);
}

static void test_keys(void **state)
{
	struct app h, s;
	size_t given = 9, had = 9;
	(void)state;
	t_init(&h, "hub", "c01", true);
	t_init(&s, "s1", "s0001", false);
	t_enrol(&h, &s, "s1");
	t_refused(&s, app_enroll_keys(&s, NULL, &given, &had), ERR_RULE, APP_W_ENROLL_HUB_ONLY);
	/* enrolled with this version: the statement's commit gave it (E2) */
	assert_int_equal(app_enroll_keys(&h, NULL, &given, &had), 0);
	assert_int_equal(given, 0);
	assert_int_equal(had, 1);
	app_close(&s);
	app_close(&h);
}

/* The volunteers row s0001-v1 as the station holds it: registered_at. */
static int64_t t_registered(struct app *a)
{
	sqlite3_stmt *q;
	int64_t v = -1;
	assert_int_equal(app_sql(a, &q, "SELECT registered_at FROM volunteers_live WHERE pk = 's0001-v1'", NULL),
			 0);
	if (sqlite3_step(q) == SQLITE_ROW)
		v = sqlite3_column_int64(q, 0);
	sqlite3_finalize(q);
	return v;
}

/* A station whose log was compacted (sync/compact.c) and that committed
 * far ahead: the rescue rebuilds the replica from the log, which would
 * lose the compacted history from the tables; it is refused, nothing
 * changed. */
static void test_rescue_compacted(void **state)
{
	struct app s;
	struct app_rescue r;
	struct crdt_write w;
	struct crdt_base b;
	uint8_t before[32], after[32];
	char old[APP_HEX_KEY];
	(void)state;
	t_init(&s, "s1", "s0001", false);
	crdt_write_init(&w, 1, CRDT_UPSERT, "s0001-v1");
	crdt_write_text(&w, "name", "王伟");
	crdt_write_text(&w, "phone", "13800000001");
	crdt_write_text(&w, "station", "s0001");
	crdt_write_int(&w, "registered_at", (int64_t)(NOW + 10 * DAY));
	assert_int_equal(crdt_commit_local(s.store, NOW + 10 * DAY, "s0001", &w, 1, NULL), 0);
	/* the hub's feed of s0001, compacted here down to its seq 5 */
	memset(&b, 0, sizeof(b));
	memset(b.author, 0x5a, sizeof(b.author));
	snprintf(b.scope, sizeof(b.scope), "s0001");
	b.seq = 5;
	b.hlc = CRDT_HLC(NOW - 40 * DAY, 0);
	b.has_sig = true;
	assert_int_equal(crdt_store_base_set(s.store, &b), 0);
	app_hex(s.author, CRDT_AUTHOR_LEN, old);
	assert_int_equal(crdt_store_digest(s.store, NULL, before), 0);
	t_refused(&s, app_rescue(&s, &r), ERR_RULE, APP_W_RESCUE_COMPACTED);
	assert_false(r.needed);
	assert_false(t_exists(s.home, "rescue.pending"));
	assert_int_equal(crdt_store_digest(s.store, NULL, after), 0);
	assert_memory_equal(before, after, 32);
	char now_key[APP_HEX_KEY];
	app_hex(s.author, CRDT_AUTHOR_LEN, now_key);
	assert_string_equal(now_key, old);
	app_close(&s);
}

static void test_rescue(void **state)
{
	struct app h, s;
	struct app_rescue r;
	struct crdt_write w;
	uint64_t n = 9;
	char old[APP_HEX_KEY];
	(void)state;
	t_init(&h, "hub", "c01", true);
	t_init(&s, "s1", "s0001", false);
	t_refused(&h, app_rescue(&h, &r), ERR_RULE, APP_W_RESCUE_HUB);
	assert_int_equal(app_rescue(&s, &r), 0); /* nothing far-future: nothing done */
	assert_false(r.needed);
	t_refused(&s, app_rescue_replay(&s, &n), ERR_NOTFOUND, APP_W_RESCUE_NO_PENDING);
	assert_int_equal(n, 0);

	/* a commit as an older version let a wrong clock make it, 10 days ahead */
	crdt_write_init(&w, 1, CRDT_UPSERT, "s0001-v1");
	crdt_write_text(&w, "name", "王伟");
	crdt_write_text(&w, "phone", "13800000001");
	crdt_write_text(&w, "station", "s0001");
	crdt_write_int(&w, "registered_at", (int64_t)(NOW + 10 * DAY));
	assert_int_equal(crdt_commit_local(s.store, NOW + 10 * DAY, "s0001", &w, 1, NULL), 0);
	app_hex(s.author, CRDT_AUTHOR_LEN, old);
	/* not with the clock still wrong: the verdict says why */
	s.now_ms = 1000;
	assert_int_equal(app_rescue(&s, &r), ERR_CLOCK);
	assert_int_equal(s.fail.why, APP_W_RESCUE_CLOCK);
	assert_int_not_equal(s.fail.code[0], CRDT_TIME_OK);
	assert_int_not_equal(s.fail.code[0], CRDT_TIME_FEED_AHEAD);
	app_fail_clear(&s);
	assert_false(t_exists(s.home, "rescue.pending"));
	s.now_ms = NOW;
	assert_int_equal(app_rescue(&s, &r), 0);
	assert_true(r.needed);
	assert_int_equal(r.taken, 1);
	assert_true(r.first_ms >= NOW + 10 * DAY);
	assert_string_equal(r.old_key, old);
	assert_string_not_equal(r.new_key, old);
	assert_true(t_exists(r.kept_in, "identity.key") && t_exists(r.kept_in, "replica.db"));
	assert_true(t_exists(s.home, "rescue.pending"));
	app_close(&s);

	t_open(&s, "s1");
	app_hex(s.author, CRDT_AUTHOR_LEN, old);
	assert_string_equal(old, r.new_key);
	assert_int_equal(t_registered(&s), -1); /* R1: the new replica holds no far-future time */
	t_refused(&s, app_rescue(&s, &r), ERR_CLOCK, APP_W_CLOCK_RESCUE_PENDING);
	/* in a county, the new key must be enrolled first */
	char pub[APP_PATH_MAX + 64], spub[APP_PATH_MAX + 64];
	uint8_t d0[32], d1[32];
	t_file(h.home, "county.pub", pub, sizeof(pub));
	t_file(s.home, "county.pub", spub, sizeof(spub));
	assert_int_equal(link(pub, spub), 0);
	app_close(&s);
	t_open(&s, "s1");
	assert_true(s.have_root);
	t_digest(&s, d0);
	t_refused(&s, app_rescue_replay(&s, &n), ERR_RULE, APP_W_RESCUE_NOT_ENROLLED);
	t_digest(&s, d1);
	assert_memory_equal(d0, d1, 32);
	assert_true(t_exists(s.home, "rescue.pending"));
	app_close(&s);
	assert_int_equal(unlink(spub), 0);
	t_open(&s, "s1"); /* (this test's station stays outside the county) */
	/* R3: all or none: a damaged record after a good one takes nothing,
	 * and the write transaction is not left open */
	char pend[APP_PATH_MAX + 64];
	uint8_t keep[4096];
	size_t klen;
	t_file(s.home, "rescue.pending", pend, sizeof(pend));
	assert_int_equal(app_file_read(pend, keep, sizeof(keep), &klen), 0);
	FILE *f = fopen(pend, "ab");
	assert_non_null(f);
	fputs("\x05s0001\xff\xff", f); /* a scope, then a length cut short */
	fclose(f);
	t_digest(&s, d0);
	t_refused(&s, app_rescue_replay(&s, &n), ERR_CORRUPT, APP_W_DB_ERROR);
	assert_false(s.writing);
	assert_int_equal(n, 0);
	t_digest(&s, d1);
	assert_memory_equal(d0, d1, 32);
	assert_int_equal(t_registered(&s), -1);
	f = fopen(pend, "wb"); /* as step one left it */
	assert_non_null(f);
	assert_int_equal(fwrite(keep, 1, klen, f), klen);
	fclose(f);
	assert_int_equal(app_rescue_replay(&s, &n), 0);
	assert_int_equal(n, 1);
	assert_false(t_exists(s.home, "rescue.pending"));
	assert_int_equal(t_registered(&s), (int64_t)NOW); /* R3: at the present time */
	app_close(&s);
	app_close(&h);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_enrol_files, setup, teardown),
		cmocka_unit_test_setup_teardown(test_sign_refused, setup, teardown),
		cmocka_unit_test_setup_teardown(test_accept_refused, setup, teardown),
		cmocka_unit_test_setup_teardown(test_revoke, setup, teardown),
		cmocka_unit_test_setup_teardown(test_join, setup, teardown),
		cmocka_unit_test_setup_teardown(test_keys, setup, teardown),
		cmocka_unit_test_setup_teardown(test_rescue, setup, teardown),
		cmocka_unit_test_setup_teardown(test_rescue_compacted, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
