// SPDX-License-Identifier: MIT
/*
 * enroll.c - enrolment by the county root, revocation with re-keying,
 * one-time codes and join, the county ID key for older boards, and the
 * hub's own enrolment (enroll.h; docs/security.md).
 *
 * Invariants:
 *  E1. A statement is committed in the county feed before its
 *      certificate leaves the hub (a file, or the answer to POST /join):
 *      a certificate the hub's replica does not hold is never handed out.
 *  E2. A station's statement carries the newest generation of its
 *      station's key and every older generation is sealed to it in the
 *      same commit (trust.c G7), with the county ID key (T9).
 *  E3. Revocations and the re-keying they call for are one root commit:
 *      no replica ever holds one without the other.
 *  E4. A one-time code is marked used (the file codes replaced whole)
 *      before its statement is signed: a failure later costs the code and
 *      never lets it be used twice. Only BLAKE2b(code) is kept.
 *  E5. The county key is wiped (sync_identity_release) on every path.
 */
#include <errno.h>
#include <fcntl.h>
#include <sodium.h>
#include <sqlite3.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "base/err.h"
#include "base/mem.h"
#include "app/clock.h"
#include "app/enroll.h"

#define DAY_MS (24ULL * 3600 * 1000)
#define KEYS_PER_COMMIT 32
#define READERS_MAX 64

/* ---- files of the home -------------------------------------------------- */

static int enroll_write(struct app *a, const char *path, const void *p, size_t n, unsigned mode)
{
	int rc = app_file_write(path, p, n, mode);
	return rc ? app_failf(a, rc, APP_W_ENROLL_FILE_WRITE, 1, path) : 0;
}

static int enroll_read(struct app *a, const char *path, uint8_t *buf, size_t cap, size_t *len)
{
	int rc = app_file_read(path, buf, cap, len);
	return rc ? app_failf(a, rc, APP_W_ENROLL_FILE_READ, 1, path) : 0;
}

/* Asked to be enrolled (APP_PENDING): nothing of the station in plaintext. */
static int enroll_pending_mark(struct app *a)
{
	char path[APP_PATH_MAX + 32];
	if (a->have_root)
		return 0;
	app_path(a, path, sizeof(path), APP_PENDING);
	return enroll_write(a, path, "1\n", 2, 0644);
}

static int enroll_pub_write(struct app *a, const uint8_t pk[SYNC_PK_LEN])
{
	char path[APP_PATH_MAX + 32], hex[APP_HEX_KEY + 1];
	int rc;
	app_hex(pk, SYNC_PK_LEN, hex);
	strcat(hex, "\n");
	app_path(a, path, sizeof(path), "county.pub");
	if ((rc = enroll_write(a, path, hex, strlen(hex), 0644)))
		return rc;
	memcpy(a->county_root, pk, SYNC_PK_LEN);
	a->have_root = true;
	return 0;
}

static int enroll_cert_write(struct app *a, const char *path, const struct sync_statement *st)
{
	struct buf b;
	int rc;
	buf_init(&b, SYNC_STMT_MAX);
	sync_statement_encode(&b, st);
	rc = b.err ? app_failf(a, b.err, APP_W_ENROLL_FILE_WRITE, 1, path)
		   : enroll_write(a, path, b.data, b.len, 0644);
	buf_release(&b);
	return rc;
}

static bool enroll_hub_only(struct app *a, const char *what)
{
	if (a->hub)
		return true;
	app_failf(a, ERR_RULE, APP_W_ENROLL_HUB_ONLY, 1, what);
	return false;
}

/* ---- the county root ------------------------------------------------------ */

static void enroll_key_path(const struct app *a, const char *county_key, char *out, size_t n)
{
	if (county_key)
		snprintf(out, n, "%s", county_key);
	else
		app_path(a, out, n, "county.key");
}

/* Load the county root; it must be this node's county's. */
static int enroll_root_load(struct app *a, const char *county_key, struct sync_identity *root)
{
	char path[APP_PATH_MAX + 32];
	int rc;
	enroll_key_path(a, county_key, path, sizeof(path));
	if ((rc = sync_init()) || (rc = sync_identity_load(root, path)))
		return rc == ERR_NOTFOUND ? app_failf(a, rc, APP_W_ENROLL_NO_COUNTY_KEY, 1, path)
					  : app_failf(a, rc, APP_W_KEY_BAD, 1, path);
	if (a->have_root && memcmp(root->pk, a->county_root, SYNC_PK_LEN) != 0) {
		sync_identity_release(root);
		return app_failf(a, ERR_UNAUTH, APP_W_ENROLL_OTHER_COUNTY, 1, path);
	}
	return 0;
}

int app_root_commit(struct app *a, const struct sync_identity *root, const struct crdt_write *w,
		    size_t n)
{
	int rc;
	if (!a->store && (rc = app_replica_open(a)))
		return rc;
	if ((rc = app_clock_check(a))) /* a statement dated by a wrong clock binds for years */
		return rc;
	/* the same handle: a hub serving sessions goes on serving them, and
	 * its sync context learns the statement at once */
	if ((rc = sync_root_commit(a->sync, a->store, root, a->now_ms, w, n)))
		return app_fail_store(a, rc);
	app_clock_wrote(a);
	return 0;
}

int app_hub_enrol(struct app *a, const char *county_key)
{
	char path[APP_PATH_MAX + 32];
	struct sync_identity root;
	struct sync_statement st;
	struct sync_trust_row row;
	int rc;

	enroll_key_path(a, county_key, path, sizeof(path));
	if ((rc = sync_init()))
		return app_failf(a, rc, APP_W_FAILED, 0);
	rc = sync_identity_load(&root, path);
	if (rc == ERR_NOTFOUND && (rc = sync_identity_generate(&root)) == 0 &&
	    (rc = sync_identity_save(&root, path)))
		sync_identity_release(&root);
	if (rc)
		return app_failf(a, rc, APP_W_ENROLL_KEY_WRITE, 1, path);
	memset(&st, 0, sizeof(st));
	memcpy(st.node, a->author, SYNC_PK_LEN);
	st.role = SYNC_ROLE_HUB;
	snprintf(st.station, sizeof(st.station), "%s", a->conf.station);
	st.not_after = a->now_ms + 20 * 365 * DAY_MS;
	if ((rc = sync_statement_sign(&st, &root)) || (rc = sync_statement_row(&row, &st))) {
		rc = app_failf(a, rc, APP_W_FAILED, 0);
		goto out;
	}
	if ((rc = app_root_commit(a, &root, &row.w, 1)))
		goto out;
	app_path(a, path, sizeof(path), "node.cert");
	if ((rc = enroll_cert_write(a, path, &st)) == 0)
		rc = enroll_pub_write(a, root.pk);
out:
	sync_identity_release(&root);
	return rc;
}

/* ---- request, sign, accept ------------------------------------------------ */

int app_enroll_request(struct app *a, const char *path)
{
	struct buf b;
	int rc;
	if ((rc = enroll_pending_mark(a)))
		return rc;
	buf_init(&b, 4096);
	rc = sync_request_make(&b, &a->id, a->conf.station, a->conf.name, a->now_ms);
	rc = rc ? app_failf(a, rc, APP_W_FAILED, 0) : enroll_write(a, path, b.data, b.len, 0644);
	buf_release(&b);
	return rc;
}

/* The rows of a statement's commit (E2): the statement, the station's
 * older key generations and the county ID key, sealed to node. w points
 * into row and kr. */
static int enroll_sign_rows(struct app *a, const struct sync_identity *root, const struct sync_statement *st,
			    struct sync_trust_row *row, struct sync_key_row *kr, struct crdt_write *w, size_t nw)
{
	int rc;
	if ((rc = sync_statement_row(row, st)))
		return app_failf(a, rc, APP_W_FAILED, 0);
	w[0] = row->w;
	for (uint32_t g = 0; g < st->gen; g++) {
		if ((rc = sync_key_row(&kr[g + 1], root, st->station, g, st->node, a->now_ms)))
			return app_failf(a, rc, APP_W_FAILED, 0);
		w[g + 1] = kr[g + 1].w;
	}
	if (st->role == SYNC_ROLE_STATION) {
		if ((rc = sync_key_row(&kr[nw - 1], root, SYNC_CIDNUM_SCOPE, 0, st->node, a->now_ms)))
			return app_failf(a, rc, APP_W_FAILED, 0);
		w[nw - 1] = kr[nw - 1].w;
	}
	return 0;
}

/* Sign a statement for node as station/role valid for days and record it
 * in the county feed (E1, E2). */
static int enroll_sign(struct app *a, const char *county_key, const uint8_t node[SYNC_PK_LEN],
		       const char *station, uint8_t role, int64_t days, struct sync_statement *st)
{
	struct sync_identity root;
	struct sync_trust_row row;
	struct sync_key_row *kr = NULL;
	struct crdt_write *w = NULL;
	size_t nw = 0;
	int rc;

	if ((rc = enroll_root_load(a, county_key, &root)))
		return rc;
	memset(st, 0, sizeof(*st));
	memcpy(st->node, node, SYNC_PK_LEN);
	st->role = role;
	snprintf(st->station, sizeof(st->station), "%s", station);
	st->not_before = 0; /* the key did not exist before it was made */
	st->not_after = a->now_ms + (uint64_t)days * DAY_MS;
	st->gen = role == SYNC_ROLE_STATION ? sync_scope_gen(a->sync, station) : 0;
	if ((rc = sync_statement_sign(st, &root))) {
		rc = app_failf(a, rc, APP_W_FAILED, 0);
		goto out;
	}
	nw = st->gen + 1 + (role == SYNC_ROLE_STATION);
	if (!(kr = mem_calloc(nw, sizeof(*kr))) || !(w = mem_calloc(nw, sizeof(*w)))) {
		rc = app_failf(a, -ENOMEM, APP_W_FAILED, 0);
		goto out;
	}
	if ((rc = enroll_sign_rows(a, &root, st, &row, kr, w, nw)) == 0)
		rc = app_root_commit(a, &root, w, nw);
out:
	sync_identity_release(&root);
	if (kr)
		sodium_memzero(kr, nw * sizeof(*kr));
	mem_free(kr);
	mem_free(w);
	return rc;
}

int app_enroll_sign(struct app *a, const struct app_enroll_sign *in, struct sync_statement *st,
		    char name[129])
{
	uint8_t buf[4096];
	struct sync_request rq;
	size_t len;
	int rc;

	memset(st, 0, sizeof(*st));
	name[0] = '\0';
	if (!app_id_ok(in->station))
		return app_failf(a, ERR_USAGE, APP_W_ENROLL_BAD_STATION, 1, in->station);
	if (!enroll_hub_only(a, "enroll sign"))
		return a->fail.rc;
	if (in->role != SYNC_ROLE_STATION && in->role != SYNC_ROLE_HUB)
		return app_failf(a, ERR_USAGE, APP_W_BAD_VALUE, 0);
	if (in->days < 1 || in->days > 36500)
		return app_failf(a, ERR_USAGE, APP_W_BAD_VALUE, 0);
	if ((rc = enroll_read(a, in->request, buf, sizeof(buf), &len)))
		return rc;
	if ((rc = sync_request_decode(buf, len, &rq)))
		return app_failf(a, rc, APP_W_ENROLL_BAD_REQUEST, 1, in->request);
	if (strcmp(rq.station, in->station) != 0)
		return app_failf(a, ERR_RULE, APP_W_ENROLL_STATION_DIFFERS, 3, in->request, rq.station,
				 in->station);
	if ((rc = enroll_sign(a, in->county_key, rq.node, in->station, in->role, in->days, st)))
		return rc;
	snprintf(name, 129, "%s", rq.name);
	return enroll_cert_write(a, in->out, st);
}

int app_enroll_accept(struct app *a, const uint8_t *cert, size_t len, const char *src,
		      struct sync_statement *st)
{
	char path[APP_PATH_MAX + 32];
	int rc;
	if ((rc = sync_statement_decode(cert, len, st))) {
		memset(st, 0, sizeof(*st));
		return app_failf(a, rc == ERR_BADSIG ? ERR_UNAUTH : ERR_USAGE, APP_W_ENROLL_BAD_CERT, 1, src);
	}
	if (memcmp(st->node, a->author, SYNC_PK_LEN) != 0)
		return app_failf(a, ERR_RULE, APP_W_ENROLL_NOT_OURS, 1, src);
	if (strcmp(st->station, a->conf.station) != 0)
		return app_failf(a, ERR_RULE, APP_W_ENROLL_STATION_DIFFERS, 3, src, st->station,
				 a->conf.station);
	if (a->have_root && memcmp(st->root, a->county_root, SYNC_PK_LEN) != 0)
		return app_failf(a, ERR_UNAUTH, APP_W_ENROLL_OTHER_COUNTY, 1, src);
	app_path(a, path, sizeof(path), "node.cert");
	if ((rc = enroll_cert_write(a, path, st)) || (rc = enroll_pub_write(a, st->root)))
		return rc;
	app_path(a, path, sizeof(path), APP_PENDING);
	unlink(path); /* enrolled: trust is on from now on, which withholds as much */
	return 0;
}

int app_enroll_accept_file(struct app *a, const char *path, struct sync_statement *st)
{
	uint8_t buf[SYNC_STMT_MAX + 1];
	size_t len;
	int rc;
	memset(st, 0, sizeof(*st));
	if ((rc = enroll_read(a, path, buf, sizeof(buf), &len)))
		return rc;
	return app_enroll_accept(a, buf, len, path, st);
}

/* ---- revoke ----------------------------------------------------------------- */

/* The keys target names: 64 hex digits, or a station id (every key
 * enrolled for it), with the station each was enrolled for. */
static int enroll_targets(struct app *a, const char *target, uint8_t (*keys)[SYNC_PK_LEN],
			  char (*scopes)[CRDT_SCOPE_MAX + 1], size_t *n)
{
	sqlite3_stmt *st;
	char hex[APP_HEX_KEY];
	uint8_t role;
	int rc;
	*n = 0;
	if (strlen(target) == 2 * SYNC_PK_LEN && app_hex_parse(target, keys[0], SYNC_PK_LEN) == 0) {
		if (sync_ctx_enrolment(a->sync, keys[0], scopes[0], sizeof(scopes[0]), &role))
			scopes[0][0] = '\0';
		*n = 1;
		return 0;
	}
	if ((rc = app_sql(a, &st, "SELECT DISTINCT node FROM enrolments WHERE station = ?1", target, NULL)))
		return rc;
	while (*n < APP_REVOKE_MAX && (rc = sqlite3_step(st)) == SQLITE_ROW) {
		app_col_text(st, 0, hex, sizeof(hex));
		if (app_hex_parse(hex, keys[*n], SYNC_PK_LEN) == 0) {
			snprintf(scopes[*n], sizeof(scopes[*n]), "%s", target);
			(*n)++;
		}
	}
	sqlite3_finalize(st);
	return rc == SQLITE_ROW || rc == SQLITE_DONE ? 0 : app_fail_store(a, ERR_STORAGE);
}

/* Re-key station: its next generation announced and sealed to its
 * remaining readers (revoked: the keys leaving); rows appended to
 * *rows (grown). */
static int enroll_rekey_one(struct app *a, const struct sync_identity *root, const char *station,
			    const uint8_t (*revoked)[SYNC_PK_LEN], size_t nrevoked,
			    uint8_t (*readers)[SYNC_PK_LEN], struct sync_key_row **rows, size_t *nrows,
			    size_t *cap, struct app_rekey *rk)
{
	uint32_t gen = sync_scope_gen(a->sync, station) + 1;
	size_t nr = 0;
	char g[16];
	int rc;
	if (gen >= SYNC_GENS_MAX) {
		snprintf(g, sizeof(g), "%u", (unsigned)gen - 1);
		return app_failf(a, ERR_RULE, APP_W_ENROLL_REKEY_FULL, 2, station, g);
	}
	if ((rc = sync_scope_readers(a->sync, station, a->now_ms, revoked, nrevoked, readers, READERS_MAX,
				     &nr)))
		return app_failf(a, rc, APP_W_FAILED, 0);
	if ((rc = MEM_GROW(*rows, *cap, *nrows + nr + 1)))
		return app_failf(a, rc, APP_W_FAILED, 0);
	for (size_t j = 0; j <= nr; j++) /* the last: the generation announced, to nobody */
		if ((rc = sync_key_row(&(*rows)[(*nrows)++], root, station, gen, j < nr ? readers[j] : NULL,
				       a->now_ms)))
			return app_failf(a, rc, APP_W_FAILED, 0);
	snprintf(rk->scope, sizeof(rk->scope), "%s", station);
	rk->gen = gen;
	rk->readers = nr;
	return 0;
}

/* The rows that re-key every station scope a revoked key could read
 * (docs/security.md "Re-keying"); a hub's key is listed in out->hub. */
static int enroll_rekey_rows(struct app *a, const struct sync_identity *root, const uint8_t (*keys)[SYNC_PK_LEN],
			     size_t n, struct sync_key_row **rows, size_t *nrows, struct app_revoked *out)
{
	uint8_t (*readers)[SYNC_PK_LEN] = mem_calloc(READERS_MAX, SYNC_PK_LEN);
	size_t cap = 0;
	int rc = 0;
	if (!readers)
		return app_failf(a, -ENOMEM, APP_W_FAILED, 0);
	for (size_t i = 0; i < n && !rc; i++) {
		char station[CRDT_SCOPE_MAX + 1];
		uint8_t role;
		size_t k;
		if (sync_ctx_enrolment(a->sync, keys[i], station, sizeof(station), &role))
			continue; /* no statement: it could read nothing */
		if (role == SYNC_ROLE_HUB) {
			app_hex(keys[i], SYNC_PK_LEN, out->hub[out->nhub++]);
			continue;
		}
		for (k = 0; k < out->nrk && strcmp(out->rk[k].scope, station) != 0; k++)
			;
		if (k < out->nrk)
			continue; /* re-keyed already in this commit */
		rc = enroll_rekey_one(a, root, station, keys, n, readers, rows, nrows, &cap, &out->rk[out->nrk]);
		if (!rc)
			out->nrk++;
	}
	mem_free(readers);
	return rc;
}

int app_enroll_revoke(struct app *a, const struct app_revoke *in, struct app_revoked *out)
{
	uint8_t keys[APP_REVOKE_MAX][SYNC_PK_LEN];
	char scopes[APP_REVOKE_MAX][CRDT_SCOPE_MAX + 1];
	struct sync_trust_row rows[APP_REVOKE_MAX];
	struct sync_key_row *kr = NULL;
	struct crdt_write *w = NULL;
	struct sync_identity root;
	size_t n = 0, nkr = 0;
	int rc;

	memset(out, 0, sizeof(*out));
	if (!enroll_hub_only(a, "enroll revoke"))
		return a->fail.rc;
	if ((rc = enroll_targets(a, in->target, keys, scopes, &n)))
		return rc;
	if (n == 0)
		return app_failf(a, ERR_NOTFOUND, APP_W_ENROLL_NO_NODE, 1, in->target);
	for (size_t i = 0; i < n; i++) {
		rc = sync_revocation_row(&rows[i], keys[i], in->scope ? in->scope : scopes[i], in->from,
					 in->from ? 0 : a->now_ms, a->now_ms);
		if (rc)
			return app_failf(a, rc, APP_W_FAILED, 0);
	}
	if ((rc = enroll_root_load(a, in->county_key, &root)))
		return rc;
	/* E3: the revocations and the new key generations in one commit */
	if ((rc = enroll_rekey_rows(a, &root, (const uint8_t(*)[SYNC_PK_LEN])keys, n, &kr, &nkr, out)))
		goto out;
	if (!(w = mem_calloc(n + nkr, sizeof(*w)))) {
		rc = app_failf(a, -ENOMEM, APP_W_FAILED, 0);
		goto out;
	}
	for (size_t i = 0; i < n; i++)
		w[i] = rows[i].w;
	for (size_t i = 0; i < nkr; i++)
		w[n + i] = kr[i].w;
	if ((rc = app_root_commit(a, &root, w, n + nkr)))
		goto out;
	out->n = n;
	for (size_t i = 0; i < n; i++)
		snprintf(out->node[i], sizeof(out->node[i]), "%s", rows[i].node);
out:
	sync_identity_release(&root);
	mem_free(w);
	if (kr)
		sodium_memzero(kr, nkr * sizeof(*kr));
	mem_free(kr);
	if (rc) {
		memset(out, 0, sizeof(*out));
	}
	return rc;
}

/* ---- one-time codes and join -------------------------------------------------- */

/*
 * A code is APP_CODE_LEN characters of an alphabet without look-alikes
 * (no 0, O, 1, I, L), about 49 bits. The hub keeps only BLAKE2b(code) in
 * codes; join sends the request and crypto_auth(request, key =
 * BLAKE2b(code)): the code never travels, the hub finds the unused,
 * unexpired entry whose key verifies the tag (E4).
 */
static const char enroll_code_alphabet[] = "23456789ABCDEFGHJKMNPQRSTUVWXYZ";

int app_enroll_code(struct app *a, const char *station, struct app_code *out)
{
	char path[APP_PATH_MAX + 32], hex[65];
	uint8_t h[32];
	FILE *f;
	memset(out, 0, sizeof(*out));
	if (!app_id_ok(station))
		return app_failf(a, ERR_USAGE, APP_W_ENROLL_BAD_STATION, 1, station);
	if (!enroll_hub_only(a, "enroll code"))
		return a->fail.rc;
	for (size_t i = 0; i < APP_CODE_LEN; i++)
		out->code[i] = enroll_code_alphabet[randombytes_uniform(sizeof(enroll_code_alphabet) - 1)];
	out->expires_ms = a->now_ms + APP_CODE_TTL_MS;
	crypto_generichash(h, sizeof(h), (const uint8_t *)out->code, APP_CODE_LEN, NULL, 0);
	app_hex(h, sizeof(h), hex);
	app_path(a, path, sizeof(path), "codes");
	/* mode 0600 like the rest of the node's secrets: a hash of 49 bits
	 * can be searched, so nobody else reads it in its day */
	int fd = open(path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0600);
	if (fd < 0 || fchmod(fd, 0600) != 0 || !(f = fdopen(fd, "a"))) { /* (one an older version made) */
		int rc = errno ? -errno : -EIO;
		if (fd >= 0)
			close(fd);
		sodium_memzero(out, sizeof(*out));
		return app_failf(a, rc, APP_W_ENROLL_FILE_WRITE, 1, path);
	}
	fprintf(f, "%s %s %llu 0\n", hex, station, (unsigned long long)out->expires_ms);
	if (fclose(f) != 0) {
		sodium_memzero(out, sizeof(*out));
		return app_failf(a, -EIO, APP_W_ENROLL_FILE_WRITE, 1, path);
	}
	return 0;
}

int app_join_request(struct app *a, const char *code, struct buf *body)
{
	char c[APP_CODE_LEN + 1];
	uint8_t key[crypto_generichash_BYTES], tag[crypto_auth_BYTES];
	int rc;
	if (strlen(code) != APP_CODE_LEN)
		return app_failf(a, ERR_UNAUTH, APP_W_JOIN_REFUSED, 0);
	for (size_t i = 0; i < APP_CODE_LEN; i++) /* codes are read aloud: case does not matter */
		c[i] = (char)(code[i] >= 'a' && code[i] <= 'z' ? code[i] - 'a' + 'A' : code[i]);
	c[APP_CODE_LEN] = '\0';
	crypto_generichash(key, sizeof(key), (const uint8_t *)c, APP_CODE_LEN, NULL, 0);
	sodium_memzero(c, sizeof(c));
	if ((rc = enroll_pending_mark(a)))
		goto out;
	size_t start = body->len;
	if ((rc = sync_request_make(body, &a->id, a->conf.station, a->conf.name, a->now_ms))) {
		rc = app_failf(a, rc, APP_W_FAILED, 0);
		goto out;
	}
	crypto_auth(tag, body->data + start, body->len - start, key);
	buf_put(body, tag, sizeof(tag));
	if (body->err)
		rc = app_failf(a, body->err, APP_W_FAILED, 0);
out:
	sodium_memzero(key, sizeof(key));
	return rc;
}

/* Find the entry of codes whose key verifies the tag over req (E4) and
 * write codes back with it marked used. ERR_UNAUTH when none does. */
static int enroll_code_spend(struct app *a, const uint8_t *req, size_t rlen, const uint8_t *tag,
			     const char *station)
{
	char path[APP_PATH_MAX + 32], line[256];
	struct buf nb;
	bool found = false;
	FILE *f;
	int rc;
	app_path(a, path, sizeof(path), "codes");
	if (!(f = fopen(path, "r")))
		return app_failf(a, ERR_UNAUTH, APP_W_JOIN_REFUSED, 0);
	buf_init(&nb, 1 << 20);
	while (fgets(line, sizeof(line), f)) {
		char hex[80], st[64];
		unsigned long long exp;
		int used;
		uint8_t key[crypto_auth_KEYBYTES];
		if (sscanf(line, "%79s %63s %llu %d", hex, st, &exp, &used) == 4 && !found && !used &&
		    exp > a->now_ms && strcmp(st, station) == 0 && app_hex_parse(hex, key, sizeof(key)) == 0 &&
		    crypto_auth_verify(tag, req, rlen, key) == 0) {
			found = true;
			snprintf(line, sizeof(line), "%s %s %llu 1\n", hex, st, exp);
		}
		sodium_memzero(key, sizeof(key));
		buf_put(&nb, line, strlen(line));
	}
	fclose(f);
	if (!found)
		rc = app_failf(a, ERR_UNAUTH, APP_W_JOIN_REFUSED, 0);
	else if (nb.err)
		rc = app_failf(a, nb.err, APP_W_FAILED, 0);
	else
		rc = enroll_write(a, path, nb.data, nb.len, 0600);
	buf_release(&nb);
	return rc;
}

int app_join_serve(struct app *a, const uint8_t *body, size_t len, struct buf *cert)
{
	char path[APP_PATH_MAX + 32];
	struct sync_request rq;
	struct sync_statement st;
	size_t rlen;
	int rc;

	enroll_key_path(a, NULL, path, sizeof(path));
	if (access(path, R_OK) != 0)
		return app_failf(a, ERR_NOTFOUND, APP_W_ENROLL_NO_COUNTY_KEY, 1, path);
	if (len <= crypto_auth_BYTES)
		return app_failf(a, ERR_UNAUTH, APP_W_JOIN_REFUSED, 0);
	rlen = len - crypto_auth_BYTES;
	if (sync_request_decode(body, rlen, &rq))
		return app_failf(a, ERR_UNAUTH, APP_W_JOIN_REFUSED, 0);
	if ((rc = enroll_code_spend(a, body, rlen, body + rlen, rq.station)))
		return rc;
	rc = enroll_sign(a, NULL, rq.node, rq.station, SYNC_ROLE_STATION, APP_ENROLL_DAYS, &st);
	if (rc)
		return rc;
	sync_statement_encode(cert, &st);
	return cert->err ? app_failf(a, cert->err, APP_W_FAILED, 0) : 0;
}

/* ---- enroll keys ------------------------------------------------------------ */

/* Has the root sealed the county ID key to node (hex) already? */
static int enroll_cid_has(struct app *a, const char *hex, bool *has)
{
	sqlite3_stmt *st;
	int rc = app_sql(a, &st, "SELECT 1 FROM scope_keys WHERE scope = ?1 AND node = ?2 LIMIT 1",
			 SYNC_CIDNUM_SCOPE, hex, NULL);
	if (rc)
		return rc;
	rc = sqlite3_step(st);
	sqlite3_finalize(st);
	*has = rc == SQLITE_ROW;
	return rc == SQLITE_ROW || rc == SQLITE_DONE ? 0 : app_fail_store(a, ERR_STORAGE);
}

/* What enroll keys carries from one station to the next. */
struct enroll_keys {
	const char *county_key;
	struct sync_identity root;
	bool loaded;
	struct sync_key_row kr[KEYS_PER_COMMIT];
	struct crdt_write w[KEYS_PER_COMMIT];
	size_t nk, given, had;
};

static int enroll_keys_flush(struct app *a, struct enroll_keys *k)
{
	int rc;
	if (!k->nk)
		return 0;
	if ((rc = app_root_commit(a, &k->root, k->w, k->nk)))
		return rc;
	k->given += k->nk;
	sodium_memzero(k->kr, sizeof(k->kr));
	k->nk = 0;
	return 0;
}

/* Seal the county ID key to each reader of station that lacks it. */
static int enroll_keys_station(struct app *a, struct enroll_keys *k, const char *station,
			       uint8_t (*readers)[SYNC_PK_LEN])
{
	size_t nr = 0;
	int rc;
	if ((rc = sync_scope_readers(a->sync, station, a->now_ms, NULL, 0, readers, READERS_MAX, &nr)))
		return app_failf(a, rc, APP_W_FAILED, 0);
	for (size_t i = 0; i < nr; i++) {
		char hex[APP_HEX_KEY];
		bool has = false;
		app_hex(readers[i], SYNC_PK_LEN, hex);
		if ((rc = enroll_cid_has(a, hex, &has)))
			return rc;
		if (has) {
			k->had++;
			continue;
		}
		if (!k->loaded && (rc = enroll_root_load(a, k->county_key, &k->root)))
			return rc;
		k->loaded = true;
		if ((rc = sync_key_row(&k->kr[k->nk], &k->root, SYNC_CIDNUM_SCOPE, 0, readers[i], a->now_ms)))
			return app_failf(a, rc, APP_W_FAILED, 0);
		k->w[k->nk] = k->kr[k->nk].w;
		if (++k->nk == KEYS_PER_COMMIT && (rc = enroll_keys_flush(a, k)))
			return rc;
	}
	return 0;
}

int app_enroll_keys(struct app *a, const char *county_key, size_t *given, size_t *had)
{
	struct enroll_keys *k = NULL;
	uint8_t (*readers)[SYNC_PK_LEN] = NULL;
	char station[CRDT_SCOPE_MAX + 1], last[CRDT_SCOPE_MAX + 1] = "";
	sqlite3_stmt *st = NULL;
	int rc;

	*given = *had = 0;
	if (!enroll_hub_only(a, "enroll keys"))
		return a->fail.rc;
	if (!(k = mem_calloc(1, sizeof(*k))) || !(readers = mem_calloc(READERS_MAX, SYNC_PK_LEN))) {
		rc = app_failf(a, -ENOMEM, APP_W_FAILED, 0);
		goto out;
	}
	k->county_key = county_key;
	/* one station at a time, in order: the statement is finalised before
	 * each root commit, which writes the replica it reads */
	for (;;) {
		if ((rc = app_sql(a, &st, "SELECT min(station) FROM enrolments WHERE role = 'station'"
					  " AND station > ?1",
				  last, NULL)))
			goto out;
		rc = sqlite3_step(st);
		app_col_text(st, 0, station, sizeof(station));
		sqlite3_finalize(st);
		if (rc != SQLITE_ROW) {
			rc = app_fail_store(a, ERR_STORAGE);
			goto out;
		}
		if (!station[0])
			break;
		if ((rc = enroll_keys_station(a, k, station, readers)))
			goto out;
		snprintf(last, sizeof(last), "%s", station);
	}
	if ((rc = enroll_keys_flush(a, k)) == 0) {
		*given = k->given;
		*had = k->had;
	}
out:
	if (k) {
		if (k->loaded)
			sync_identity_release(&k->root);
		sodium_memzero(k, sizeof(*k));
	}
	mem_free(k);
	mem_free(readers);
	return rc;
}
