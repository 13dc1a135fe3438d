// SPDX-License-Identifier: MIT
/*
 * trust.c - who may write what: the county root's statements and
 * revocations, the rules per role, and the scope keys that keep a
 * station's data readable only by that station and the hub.
 *
 * Invariants:
 *  T1. A statement counts only when it arrived in a commit the county
 *      root authored in scope "" (checked by the root's checkpoint like
 *      any feed), or as this node's own certificate, whose root signature
 *      is checked on load. Nothing else can add an enrolment.
 *  T2. A commit is accepted only when its author is the root (tables
 *      enrolments and revocations, scope "" only) or holds a statement
 *      whose period covers the commit's HLC time and that no revocation
 *      covers: by seq in the revoked feed, by time everywhere.
 *  T3. A station writes in scope "" only its own stations row and the
 *      service credits of its own orders done by volunteers of other
 *      stations (node/cmd_order.c O5); in its own scope, its volunteers,
 *      orders, order events, service points for its orders, and
 *      redemptions for volunteers whose home it is. A hub writes anything
 *      but statements and revocations. A write to a row is judged by the
 *      row's station as this commit sets it, or else as the replica holds
 *      it; a row not held yet is refused for now: the commit is held back
 *      and judged again as more arrives (sync/delta.c D4).
 *  T4. The key of scope S is BLAKE2b(key = M, "cunlian-scope-v1" || S),
 *      M = BLAKE2b(key = root seed, "cunlian-scope-master-v1"). A
 *      station's statement carries its key sealed to the station's key
 *      (X25519 from Ed25519); a hub's carries M. Scope "" is never
 *      encrypted.
 *  T5. An encrypted body is 0x00, a format byte F, then XChaCha20-Poly1305
 *      of the plaintext with associated data
 *      author || u8 len scope || scope || u64be seq || u64be hlc || F
 *      and the nonce BLAKE2b-192("cunlian-nonce-v2" || the same bytes
 *      but F). F = 2: the plaintext is the crdt body; 3: a zstd frame of
 *      it without its 4-byte magic, no dictionary; 4: the same with the
 *      dictionary SYNC_DICT_V1_ID. F = 1 (a random nonce sent in the
 *      body) was never deployed and is refused. The chain hash and
 *      checkpoint cover the encrypted body, so tampering is refused
 *      before anything is decrypted or decompressed.
 *  T6. The nonce is never used for two plaintexts under one key: a key
 *      is one scope's, and (author, scope, seq) names one commit for
 *      good: a node sends only durable commits, so it never hands out a
 *      seq twice, and a restored board gets a new key (docs/security.md,
 *      "Nonces"). The HLC in the nonce is a second difference should a
 *      seq ever be issued twice.
 *  T7. A compressed body is decompressed only after it opened (so after
 *      the chain and checkpoint held), only when its frame declares its
 *      size, that size is at most CRDT_BODY_MAX, and the frame is exactly
 *      the plaintext; into a buffer of that size, which it must fill.
 *      New bodies are written F = 2 only (O3); F = 3 and 4 are read.
 *  O1. An opened range (docs/protocol.md "Opened ranges") is sent only to
 *      a reader that holds the scope's key: a session peer whose statement
 *      is a hub's or that station's (sync_trust_reads), or a bundle
 *      exported for the hub or that station; and only by a node that holds
 *      the key, for a range whose every commit is sealed F = 2.
 *  O2. Its box is XChaCha20-Poly1305 under the scope key with a fresh
 *      random nonce sent with it, over a zstd frame (without its magic)
 *      of the commits' plaintexts, each length-prefixed; the associated
 *      data "cunlian-open-v1" || author || u8 len scope || scope ||
 *      u64be first_seq || u64be count || format binds it to its place.
 *  O3. F = 2 sealing is deterministic (T5's derived nonce, no
 *      compression), so the receiver rebuilds each stored body from its
 *      plaintext with the very function a local commit uses; the chain
 *      hash and checkpoint (sync_range_apply, unchanged) then prove the
 *      rebuilt bodies are the author's. A box that lies is refused there.
 *  O4. The box is opened only with the key (else ERR_UNAUTH, nothing
 *      changes), decompressed only when its frame declares a size of at
 *      most count bodies and decompress_max (checked before allocating),
 *      and split into exactly count bodies, each length checked.
 *  O5. Plaintexts (the sender's batch, the receiver's frame) are wiped
 *      (sodium_memzero) before their memory is freed.
 *  T8. Resident ID numbers are stored as BLAKE2b-256 keyed with
 *      BLAKE2b-256(key = K_S, "cunlian-idnum-v1") (sync_idnum_key): a
 *      key of its own, so a hash never reveals or reuses K_S, and the
 *      station and the hub (which derives K_S from M) agree on it.
 */
#include <errno.h>
#include <sodium.h>
#include <string.h>

#include "base/err.h"
#include "base/mem.h"
#include "sync/sync_internal.h"

#define STMT_MAGIC "CLST"
#define STMT_DOMAIN "cunlian-stmt-v1"
#define REQ_MAGIC "CLRQ"
#define REQ_DOMAIN "cunlian-req-v1"
#define MASTER_DOMAIN "cunlian-scope-master-v1"
#define SCOPE_DOMAIN "cunlian-scope-v1"
#define NONCE_DOMAIN "cunlian-nonce-v2"
#define IDNUM_DOMAIN "cunlian-idnum-v1"
/* The encrypted body's format byte (T5). */
enum { ENC_V1_RANDOM = 1, ENC_PLAIN = 2, ENC_ZSTD = 3, ENC_ZSTD_DICT = 4 };
#define ENC_HDR 2
#define ENC_TAG crypto_aead_xchacha20poly1305_ietf_ABYTES
#define OPEN_DOMAIN "cunlian-open-v1"
/* An opened range's box (O2): format, nonce, ciphertext and tag. */
enum { OPEN_ZSTD = 1, OPEN_ZSTD_DICT = 2 };
#define OPEN_NONCE crypto_aead_xchacha20poly1305_ietf_NPUBBYTES
#define OPEN_HDR (1 + OPEN_NONCE)
#define OPEN_AD_MAX (sizeof(OPEN_DOMAIN) - 1 + SYNC_PK_LEN + 1 + CRDT_SCOPE_MAX + 17)
#define ZSTD_MAGIC_LEN 4
static const uint8_t zstd_magic[ZSTD_MAGIC_LEN] = { 0x28, 0xB5, 0x2F, 0xFD };

/* table ids and columns used by the rules (crdt/schema.c) */
enum { T_STATIONS = 0, T_VOLUNTEERS = 1, T_ORDERS = 3, T_EVENTS = 4, T_POINTS = 5 };

struct trust_stmt {
	uint8_t node[SYNC_PK_LEN];
	char station[CRDT_SCOPE_MAX + 1];
	uint8_t role;
	uint64_t nb, na;
};

struct trust_rev {
	uint8_t node[SYNC_PK_LEN];
	char scope[CRDT_SCOPE_MAX + 1];
	uint64_t from_seq, from_ms, at;
};

struct sync_trust {
	uint8_t root[SYNC_PK_LEN];
	struct trust_stmt *st;
	size_t nst, capst;
	struct trust_rev *rv;
	size_t nrv, caprv;
	uint8_t *keys; /* sodium_malloc: [0..32) master, [32..64) own scope key */
	bool has_master, has_scope;
	char key_scope[CRDT_SCOPE_MAX + 1];
	bool self_revoked;
	uint64_t root_seq; /* the root's commits in scope "" learned up to here */
};

/* ---- encodings -------------------------------------------------------- */

static void hex_put(char *out, const uint8_t *p, size_t n)
{
	static const char d[] = "0123456789abcdef";
	for (size_t i = 0; i < n; i++) {
		out[2 * i] = d[p[i] >> 4];
		out[2 * i + 1] = d[p[i] & 15];
	}
	out[2 * n] = '\0';
}

static int hex_get(const char *s, size_t slen, uint8_t *out, size_t n)
{
	if (slen != 2 * n)
		return ERR_CORRUPT;
	for (size_t i = 0; i < 2 * n; i++) {
		char c = s[i];
		int v = c >= '0' && c <= '9' ? c - '0' : c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1;
		if (v < 0)
			return ERR_CORRUPT;
		if (i % 2 == 0)
			out[i / 2] = (uint8_t)(v << 4);
		else
			out[i / 2] |= (uint8_t)v;
	}
	return 0;
}

static void stmt_body(struct buf *b, const struct sync_statement *st)
{
	size_t sl = strlen(st->station);
	buf_put(b, STMT_MAGIC, 4);
	buf_put_u8(b, 1);
	buf_put(b, st->root, SYNC_PK_LEN);
	buf_put(b, st->node, SYNC_PK_LEN);
	buf_put_u8(b, st->role);
	buf_put_u8(b, (uint8_t)sl);
	buf_put(b, st->station, sl);
	buf_put_u64be(b, st->not_before);
	buf_put_u64be(b, st->not_after);
	buf_put_u8(b, st->has_key ? SYNC_SEALED_LEN : 0);
	if (st->has_key)
		buf_put(b, st->sealed, SYNC_SEALED_LEN);
}

static int stmt_sigmsg(struct buf *m, const struct sync_statement *st)
{
	buf_put(m, STMT_DOMAIN, sizeof(STMT_DOMAIN) - 1);
	stmt_body(m, st);
	return m->err;
}

/* M from the root's seed; K_S from M (T4). */
static void trust_master(const struct sync_identity *root, uint8_t m[SYNC_KEY_LEN])
{
	crypto_generichash(m, SYNC_KEY_LEN, (const uint8_t *)MASTER_DOMAIN, sizeof(MASTER_DOMAIN) - 1,
			   root->sk, 32);
}

static void trust_scope_key(const uint8_t m[SYNC_KEY_LEN], const char *scope, uint8_t k[SYNC_KEY_LEN])
{
	crypto_generichash_state s;
	crypto_generichash_init(&s, m, SYNC_KEY_LEN, SYNC_KEY_LEN);
	crypto_generichash_update(&s, (const uint8_t *)SCOPE_DOMAIN, sizeof(SCOPE_DOMAIN) - 1);
	crypto_generichash_update(&s, (const uint8_t *)scope, strlen(scope));
	crypto_generichash_final(&s, k, SYNC_KEY_LEN);
}

int sync_statement_sign(struct sync_statement *st, const struct sync_identity *root)
{
	uint8_t *k = NULL, xpk[crypto_box_PUBLICKEYBYTES];
	struct buf m;
	int rc = 0;

	if (!root->sk || (st->role != SYNC_ROLE_STATION && st->role != SYNC_ROLE_HUB) ||
	    strlen(st->station) == 0 || strlen(st->station) > CRDT_SCOPE_MAX)
		return ERR_USAGE;
	memcpy(st->root, root->pk, SYNC_PK_LEN);
	if (crypto_sign_ed25519_pk_to_curve25519(xpk, st->node) != 0)
		return ERR_USAGE; /* not a valid Ed25519 point */
	k = sodium_malloc(2 * SYNC_KEY_LEN);
	if (!k)
		return -ENOMEM;
	trust_master(root, k);
	if (st->role == SYNC_ROLE_STATION)
		trust_scope_key(k, st->station, k + SYNC_KEY_LEN);
	else
		memcpy(k + SYNC_KEY_LEN, k, SYNC_KEY_LEN);
	crypto_box_seal(st->sealed, k + SYNC_KEY_LEN, SYNC_KEY_LEN, xpk);
	st->has_key = true;
	sodium_free(k);
	buf_init(&m, SYNC_STMT_MAX * 2);
	if ((rc = stmt_sigmsg(&m, st)) == 0)
		crypto_sign_detached(st->sig, NULL, m.data, m.len, root->sk);
	buf_release(&m);
	return rc;
}

void sync_statement_encode(struct buf *out, const struct sync_statement *st)
{
	stmt_body(out, st);
	buf_put(out, st->sig, SYNC_SIG_LEN);
}

int sync_statement_decode(const uint8_t *p, size_t len, struct sync_statement *out)
{
	struct cur c;
	const uint8_t *b;
	uint8_t ver, sl, kl;
	struct buf m;
	int rc;

	memset(out, 0, sizeof(*out));
	cur_init(&c, p, len);
	if (len > SYNC_STMT_MAX || cur_get_bytes(&c, 4, &b) || memcmp(b, STMT_MAGIC, 4) != 0 ||
	    cur_get_u8(&c, &ver) || ver != 1 || cur_copy(&c, out->root, SYNC_PK_LEN) ||
	    cur_copy(&c, out->node, SYNC_PK_LEN) || cur_get_u8(&c, &out->role) ||
	    cur_get_u8(&c, &sl) || sl == 0 || sl > CRDT_SCOPE_MAX || cur_copy(&c, out->station, sl) ||
	    memchr(out->station, 0, sl) || cur_get_u64be(&c, &out->not_before) ||
	    cur_get_u64be(&c, &out->not_after) || cur_get_u8(&c, &kl) ||
	    (kl != 0 && kl != SYNC_SEALED_LEN) || (kl && cur_copy(&c, out->sealed, kl)) ||
	    cur_copy(&c, out->sig, SYNC_SIG_LEN) || !cur_done(&c) ||
	    (out->role != SYNC_ROLE_STATION && out->role != SYNC_ROLE_HUB)) {
		memset(out, 0, sizeof(*out));
		return ERR_CORRUPT;
	}
	out->has_key = kl != 0;
	buf_init(&m, SYNC_STMT_MAX * 2);
	rc = stmt_sigmsg(&m, out);
	if (!rc && crypto_sign_verify_detached(out->sig, m.data, m.len, out->root) != 0)
		rc = ERR_BADSIG;
	buf_release(&m);
	if (rc)
		memset(out, 0, sizeof(*out));
	return rc;
}

int sync_statement_key(const struct sync_statement *st, const struct sync_identity *id,
		       uint8_t key[SYNC_KEY_LEN])
{
	uint8_t xpk[crypto_box_PUBLICKEYBYTES], *xsk;
	int rc = 0;

	if (!st->has_key)
		return ERR_NOTFOUND;
	if (!id->sk || memcmp(id->pk, st->node, SYNC_PK_LEN) != 0)
		return ERR_USAGE;
	xsk = sodium_malloc(crypto_box_SECRETKEYBYTES);
	if (!xsk)
		return -ENOMEM;
	if (crypto_sign_ed25519_pk_to_curve25519(xpk, id->pk) != 0 ||
	    crypto_sign_ed25519_sk_to_curve25519(xsk, id->sk) != 0 ||
	    crypto_box_seal_open(key, st->sealed, SYNC_SEALED_LEN, xpk, xsk) != 0)
		rc = ERR_BADSIG;
	sodium_free(xsk);
	if (rc)
		sodium_memzero(key, SYNC_KEY_LEN);
	return rc;
}

int sync_request_make(struct buf *out, const struct sync_identity *id, const char *station,
		      const char *name, uint64_t now_ms)
{
	size_t start = out->len, sl = strlen(station), nl = strlen(name);
	uint8_t sig[SYNC_SIG_LEN];
	struct buf m;

	if (!id->sk || sl == 0 || sl > CRDT_SCOPE_MAX || nl > 128)
		return ERR_USAGE;
	buf_put(out, REQ_MAGIC, 4);
	buf_put_u8(out, 1);
	buf_put(out, id->pk, SYNC_PK_LEN);
	buf_put_u8(out, (uint8_t)sl);
	buf_put(out, station, sl);
	buf_put_u8(out, (uint8_t)nl);
	buf_put(out, name, nl);
	buf_put_u64be(out, now_ms);
	if (out->err)
		return out->err;
	buf_init(&m, 1024);
	buf_put(&m, REQ_DOMAIN, sizeof(REQ_DOMAIN) - 1);
	buf_put(&m, out->data + start, out->len - start);
	crypto_sign_detached(sig, NULL, m.data, m.len, id->sk);
	buf_release(&m);
	buf_put(out, sig, sizeof(sig));
	return out->err;
}

int sync_request_decode(const uint8_t *p, size_t len, struct sync_request *out)
{
	struct cur c;
	const uint8_t *b;
	uint8_t ver, sl, nl;
	struct buf m;
	int rc = 0;

	memset(out, 0, sizeof(*out));
	cur_init(&c, p, len);
	if (len < SYNC_SIG_LEN || cur_get_bytes(&c, 4, &b) || memcmp(b, REQ_MAGIC, 4) != 0 ||
	    cur_get_u8(&c, &ver) || ver != 1 || cur_copy(&c, out->node, SYNC_PK_LEN) ||
	    cur_get_u8(&c, &sl) || sl == 0 || sl > CRDT_SCOPE_MAX || cur_copy(&c, out->station, sl) ||
	    memchr(out->station, 0, sl) || cur_get_u8(&c, &nl) || nl > 128 ||
	    cur_copy(&c, out->name, nl) || memchr(out->name, 0, nl) ||
	    cur_get_u64be(&c, &out->created) || cur_copy(&c, out->sig, SYNC_SIG_LEN) || !cur_done(&c)) {
		memset(out, 0, sizeof(*out));
		return ERR_CORRUPT;
	}
	buf_init(&m, 1024);
	buf_put(&m, REQ_DOMAIN, sizeof(REQ_DOMAIN) - 1);
	buf_put(&m, p, len - SYNC_SIG_LEN);
	if (m.err || crypto_sign_verify_detached(out->sig, m.data, m.len, out->node) != 0)
		rc = ERR_BADSIG;
	buf_release(&m);
	if (rc)
		memset(out, 0, sizeof(*out));
	return rc;
}

int sync_statement_row(struct sync_trust_row *r, const struct sync_statement *st)
{
	struct buf b;
	int rc;

	memset(r, 0, sizeof(*r));
	buf_init(&b, SYNC_STMT_MAX);
	sync_statement_encode(&b, st);
	if ((rc = b.err) == 0) {
		hex_put(r->text, b.data, b.len);
		hex_put(r->pk, st->sig, 16);
		hex_put(r->node, st->node, SYNC_PK_LEN);
		crdt_write_init(&r->w, SYNC_T_ENROLMENTS, CRDT_UPSERT, r->pk);
		crdt_write_text(&r->w, "node", r->node);
		crdt_write_text(&r->w, "station", st->station);
		crdt_write_text(&r->w, "role", st->role == SYNC_ROLE_HUB ? "hub" : "station");
		crdt_write_int(&r->w, "not_before", (int64_t)st->not_before);
		crdt_write_int(&r->w, "not_after", (int64_t)st->not_after);
		rc = crdt_write_text(&r->w, "cert", r->text);
	}
	buf_release(&b);
	return rc;
}

int sync_revocation_row(struct sync_trust_row *r, const uint8_t node[SYNC_PK_LEN],
			const char *scope, uint64_t from_seq, uint64_t from_ms, uint64_t at)
{
	memset(r, 0, sizeof(*r));
	if (strlen(scope) > CRDT_SCOPE_MAX || (!from_seq && !from_ms) || from_seq > INT64_MAX ||
	    from_ms > INT64_MAX || at > INT64_MAX)
		return ERR_USAGE;
	hex_put(r->node, node, SYNC_PK_LEN);
	snprintf(r->scope, sizeof(r->scope), "%s", scope);
	snprintf(r->pk, sizeof(r->pk), "r-%.24s-%llu", r->node, (unsigned long long)at);
	crdt_write_init(&r->w, SYNC_T_REVOCATIONS, CRDT_UPSERT, r->pk);
	crdt_write_text(&r->w, "node", r->node);
	crdt_write_text(&r->w, "scope", r->scope);
	if (from_seq)
		crdt_write_int(&r->w, "from_seq", (int64_t)from_seq);
	if (from_ms)
		crdt_write_int(&r->w, "from_ms", (int64_t)from_ms);
	return crdt_write_int(&r->w, "at", (int64_t)at);
}

/* ---- the trust state ---------------------------------------------------- */

static int trust_add_stmt(struct sync_trust *t, const struct trust_stmt *s)
{
	for (size_t i = 0; i < t->nst; i++)
		if (memcmp(&t->st[i], s, sizeof(*s)) == 0)
			return 0;
	if (t->nst == t->capst) {
		size_t cap = t->capst ? t->capst * 2 : 16;
		void *p = mem_realloc(t->st, cap * sizeof(*t->st));
		if (!p)
			return -ENOMEM;
		t->st = p;
		t->capst = cap;
	}
	t->st[t->nst++] = *s;
	return 0;
}

static int trust_add_rev(struct sync_trust *t, const struct trust_rev *r, const uint8_t *self)
{
	for (size_t i = 0; i < t->nrv; i++)
		if (memcmp(&t->rv[i], r, sizeof(*r)) == 0)
			return 0;
	if (t->nrv == t->caprv) {
		size_t cap = t->caprv ? t->caprv * 2 : 8;
		void *p = mem_realloc(t->rv, cap * sizeof(*t->rv));
		if (!p)
			return -ENOMEM;
		t->rv = p;
		t->caprv = cap;
	}
	t->rv[t->nrv++] = *r;
	if (memcmp(r->node, self, SYNC_PK_LEN) == 0)
		t->self_revoked = true;
	return 0;
}

static bool val_text(const struct crdt_write *w, unsigned col, const char **s, size_t *len)
{
	if (!(w->mask >> col & 1) || w->vals[col].type != CRDT_TEXT)
		return false;
	*s = w->vals[col].s;
	*len = w->vals[col].len;
	return true;
}

static uint64_t val_int(const struct crdt_write *w, unsigned col)
{
	if (!(w->mask >> col & 1) || w->vals[col].type != CRDT_INT || w->vals[col].i < 0)
		return 0;
	return (uint64_t)w->vals[col].i;
}

int sync_trust_learn(struct sync_ctx *c, const struct crdt_write *w, size_t n)
{
	struct sync_trust *t = c->trust;
	int rc = 0;

	for (size_t i = 0; i < n && !rc; i++) {
		const char *s, *sc, *role;
		size_t sl, scl, rl;
		if (w[i].op != CRDT_UPSERT || !val_text(&w[i], 0, &s, &sl))
			continue;
		if (w[i].table == SYNC_T_ENROLMENTS) {
			struct trust_stmt st;
			memset(&st, 0, sizeof(st));
			if (hex_get(s, sl, st.node, SYNC_PK_LEN) || !val_text(&w[i], 1, &sc, &scl) ||
			    scl == 0 || scl > CRDT_SCOPE_MAX || !val_text(&w[i], 2, &role, &rl))
				continue;
			memcpy(st.station, sc, scl);
			st.role = rl == 3 && memcmp(role, "hub", 3) == 0 ? SYNC_ROLE_HUB : SYNC_ROLE_STATION;
			st.nb = val_int(&w[i], 3);
			st.na = val_int(&w[i], 4);
			rc = trust_add_stmt(t, &st);
		} else if (w[i].table == SYNC_T_REVOCATIONS) {
			struct trust_rev rv;
			memset(&rv, 0, sizeof(rv));
			if (hex_get(s, sl, rv.node, SYNC_PK_LEN))
				continue;
			if (val_text(&w[i], 1, &sc, &scl) && scl <= CRDT_SCOPE_MAX)
				memcpy(rv.scope, sc, scl);
			rv.from_seq = val_int(&w[i], 2);
			rv.from_ms = val_int(&w[i], 3);
			rv.at = val_int(&w[i], 4);
			rc = trust_add_rev(t, &rv, c->id->pk);
		}
	}
	return rc;
}

int sync_root_commit(struct sync_ctx *c, struct crdt_store *store, const struct sync_identity *root,
		     uint64_t wall_ms, const struct crdt_write *w, size_t n)
{
	struct crdt_sealer sealer;
	int rc;
	sync_feed_sealer(&sealer, root);
	rc = crdt_commit_as(store, root->pk, &sealer, wall_ms, "", w, n, NULL);
	if (!rc && c && c->trust)
		rc = sync_trust_learn(c, w, n);
	return rc;
}

static int trust_load_one(void *arg, const struct crdt_log_entry *e)
{
	struct sync_ctx *c = arg;
	struct crdt_write *w;
	size_t n;
	c->trust->root_seq = e->seq;
	if (e->carried || crdt_body_decode(e->body, e->body_len, &w, &n))
		return 0;
	int rc = sync_trust_learn(c, w, n);
	mem_free(w);
	return rc;
}

int sync_trust_refresh(struct sync_ctx *c)
{
	if (!c->trust)
		return 0;
	int rc = crdt_log_each(c->store, c->trust->root, "", c->trust->root_seq, trust_load_one, c);
	return rc < 0 ? rc : 0;
}

int sync_trust_new(struct sync_ctx *c)
{
	struct sync_trust *t;
	struct sync_statement st;
	int rc;

	if (!c->opt.county_root)
		return 0;
	t = mem_calloc(1, sizeof(*t));
	if (!t)
		return -ENOMEM;
	t->keys = sodium_malloc(2 * SYNC_KEY_LEN);
	if (!t->keys) {
		mem_free(t);
		return -ENOMEM;
	}
	memcpy(t->root, c->opt.county_root, SYNC_PK_LEN);
	c->trust = t;
	if (c->opt.self_cert && c->opt.self_cert_len) {
		rc = sync_statement_decode(c->opt.self_cert, c->opt.self_cert_len, &st);
		if (!rc && (memcmp(st.root, t->root, SYNC_PK_LEN) != 0 ||
			    memcmp(st.node, c->id->pk, SYNC_PK_LEN) != 0))
			rc = ERR_BADSIG; /* another county's, or another node's */
		if (rc)
			return rc;
		struct trust_stmt s;
		memset(&s, 0, sizeof(s));
		memcpy(s.node, st.node, SYNC_PK_LEN);
		memcpy(s.station, st.station, sizeof(s.station));
		s.role = st.role;
		s.nb = st.not_before;
		s.na = st.not_after;
		if ((rc = trust_add_stmt(t, &s)))
			return rc;
		if (sync_statement_key(&st, c->id, st.role == SYNC_ROLE_HUB ? t->keys : t->keys + SYNC_KEY_LEN) == 0) {
			if (st.role == SYNC_ROLE_HUB) {
				t->has_master = true;
			} else {
				t->has_scope = true;
				memcpy(t->key_scope, st.station, sizeof(t->key_scope));
			}
		}
	}
	return sync_trust_refresh(c);
}

void sync_trust_free(struct sync_trust *t)
{
	if (!t)
		return;
	sodium_free(t->keys);
	mem_free(t->st);
	mem_free(t->rv);
	mem_free(t);
}

bool sync_ctx_revoked(const struct sync_ctx *c)
{
	return c->trust && c->trust->self_revoked;
}

int sync_ctx_enrolment(const struct sync_ctx *c, const uint8_t node[SYNC_PK_LEN], char *station,
		       size_t cap, uint8_t *role)
{
	const struct sync_trust *t = c->trust;
	for (size_t i = 0; t && i < t->nst; i++)
		if (memcmp(t->st[i].node, node, SYNC_PK_LEN) == 0) {
			snprintf(station, cap, "%s", t->st[i].station);
			*role = t->st[i].role;
			return 0;
		}
	return ERR_NOTFOUND;
}

bool sync_trust_key(const struct sync_ctx *c, const char *scope, uint8_t key[SYNC_KEY_LEN])
{
	const struct sync_trust *t = c->trust;
	if (!t || !*scope)
		return false;
	if (t->has_master) {
		trust_scope_key(t->keys, scope, key);
		return true;
	}
	if (t->has_scope && strcmp(scope, t->key_scope) == 0) {
		memcpy(key, t->keys + SYNC_KEY_LEN, SYNC_KEY_LEN);
		return true;
	}
	return false;
}

int sync_idnum_key(const struct sync_ctx *c, const char *scope, uint8_t key[SYNC_KEY_LEN])
{
	uint8_t *k = sodium_malloc(SYNC_KEY_LEN);
	int rc = 0;

	sodium_memzero(key, SYNC_KEY_LEN);
	if (!k)
		return -ENOMEM;
	if (sync_trust_key(c, scope, k))
		crypto_generichash(key, SYNC_KEY_LEN, (const uint8_t *)IDNUM_DOMAIN,
				   sizeof(IDNUM_DOMAIN) - 1, k, SYNC_KEY_LEN);
	else
		rc = ERR_NOTFOUND;
	sodium_free(k);
	return rc;
}

void sync_idnum_hash(uint8_t out[SYNC_HASH_LEN], const uint8_t key[SYNC_KEY_LEN], const char *num,
		     size_t len)
{
	crypto_generichash(out, SYNC_HASH_LEN, (const uint8_t *)num, len, key, SYNC_KEY_LEN);
}

int sync_trust_rank(const struct sync_ctx *c, const uint8_t author[SYNC_PK_LEN])
{
	const struct sync_trust *t = c->trust;
	if (!t)
		return 2;
	if (memcmp(author, t->root, SYNC_PK_LEN) == 0)
		return 0;
	for (size_t i = 0; i < t->nst; i++)
		if (t->st[i].role == SYNC_ROLE_HUB && memcmp(t->st[i].node, author, SYNC_PK_LEN) == 0)
			return 1;
	return 2;
}

/* The statement that lets author write at ms (T2), or NULL with *why. */
static const struct trust_stmt *trust_find(const struct sync_trust *t, const uint8_t *author,
					   uint64_t ms, const char **why)
{
	const struct trust_stmt *found = NULL;
	bool known = false;
	for (size_t i = 0; i < t->nst && !found; i++) {
		if (memcmp(t->st[i].node, author, SYNC_PK_LEN) != 0)
			continue;
		known = true;
		if (ms >= t->st[i].nb && ms <= t->st[i].na)
			found = &t->st[i];
	}
	if (!found)
		*why = known ? "the author's enrolment statement is not valid at the commit's time (expired)"
			     : "the author is not enrolled by the county root";
	return found;
}

bool sync_trust_station_of(const struct sync_ctx *c, const uint8_t pk[SYNC_PK_LEN], uint64_t ms,
			   char *station)
{
	const struct trust_stmt *st;
	const char *why;
	station[0] = '\0';
	if (!c->trust || !(st = trust_find(c->trust, pk, ms, &why)) || st->role != SYNC_ROLE_STATION)
		return false;
	snprintf(station, CRDT_SCOPE_MAX + 1, "%s", st->station);
	return true;
}

int sync_trust_author(struct sync_ctx *c, const uint8_t author[SYNC_PK_LEN], const char *scope,
		      uint64_t seq, uint64_t hlc, const char **why)
{
	const struct sync_trust *t = c->trust;
	uint64_t ms = CRDT_HLC_MS(hlc);

	*why = NULL;
	if (!t)
		return 0;
	if (memcmp(author, t->root, SYNC_PK_LEN) == 0) {
		if (*scope) {
			*why = "the county root writes only county-wide statements";
			return ERR_UNAUTH;
		}
		return 0;
	}
	if (!trust_find(t, author, ms, why))
		return ERR_UNAUTH;
	for (size_t i = 0; i < t->nrv; i++) {
		const struct trust_rev *r = &t->rv[i];
		if (memcmp(r->node, author, SYNC_PK_LEN) != 0)
			continue;
		bool same = strcmp(r->scope, scope) == 0;
		if ((r->from_seq && same && seq >= r->from_seq) || (r->from_ms && ms >= r->from_ms) ||
		    (r->from_seq && !same && r->at && ms >= r->at)) {
			*why = "the author's enrolment was revoked before this commit";
			return ERR_REVOKED;
		}
	}
	return 0;
}

/* The station of row pk in table (column col): set by an earlier write of
 * this commit, else as held. */
static int trust_row_station(struct sync_ctx *c, const struct crdt_write *w, size_t upto,
			     unsigned table, const char *pk, size_t pk_len, unsigned col, char *out,
			     size_t cap)
{
	for (size_t i = upto; i-- > 0;) {
		const char *s;
		size_t sl;
		if (w[i].table == table && w[i].pk_len == pk_len && memcmp(w[i].pk, pk, pk_len) == 0 &&
		    val_text(&w[i], col, &s, &sl)) {
			if (sl >= cap)
				return ERR_TOOBIG;
			memcpy(out, s, sl);
			out[sl] = '\0';
			return 0;
		}
	}
	return crdt_row_text(c->store, table, pk, pk_len, col, out, cap);
}

static bool text_is(const char *s, size_t len, const char *want)
{
	return len == strlen(want) && memcmp(s, want, len) == 0;
}

/* Does write i of a station's commit stay within station S (T3)? */
static int trust_station_write(struct sync_ctx *c, const char *S, const struct crdt_write *w,
			       size_t n, size_t i, const char **why)
{
	const struct crdt_write *x = &w[i];
	char held[CRDT_SCOPE_MAX + 1];
	const char *s;
	size_t sl;
	int rc;
	(void)n;

	switch (x->table) {
	case T_VOLUNTEERS:
	case T_ORDERS: {
		unsigned col = x->table == T_ORDERS ? 0 : 2;
		bool sets = val_text(x, col, &s, &sl);
		if (sets && !text_is(s, sl, S))
			goto other;
		rc = trust_row_station(c, w, i, x->table, x->pk, x->pk_len, col, held, sizeof(held));
		if (rc == 0 && strcmp(held, S) != 0)
			goto other;
		if (rc == ERR_NOTFOUND && !sets) {
			*why = "the row is not held here yet: its station is unknown";
			return ERR_UNAUTH;
		}
		return rc == ERR_NOTFOUND ? 0 : rc;
	}
	case T_EVENTS:
		if (!val_text(x, 1, &s, &sl) || !text_is(s, sl, S))
			goto other;
		if (!val_text(x, 0, &s, &sl))
			return 0;
		rc = trust_row_station(c, w, n, T_ORDERS, s, sl, 0, held, sizeof(held));
		if (rc == 0 && strcmp(held, S) != 0)
			goto other;
		if (rc) {
			*why = "the event's order is not held here yet: its station is unknown";
			return ERR_UNAUTH;
		}
		return 0;
	case T_POINTS: {
		const char *reason, *ref;
		size_t rl, refl;
		if (!val_text(x, 5, &s, &sl) || !text_is(s, sl, S))
			goto other;
		if (!val_text(x, 2, &reason, &rl)) {
			*why = "a station's points entry must say its reason";
			return ERR_UNAUTH;
		}
		if (text_is(reason, rl, "service")) {
			if (!val_text(x, 3, &ref, &refl) || x->vals[1].type != CRDT_INT || x->vals[1].i < 0) {
				*why = "a service credit must name its order and be positive";
				return ERR_UNAUTH;
			}
			rc = trust_row_station(c, w, n, T_ORDERS, ref, refl, 0, held, sizeof(held));
			if (rc || strcmp(held, S) != 0) {
				*why = "service points for an order of another station";
				return ERR_UNAUTH;
			}
			return 0;
		}
		if (text_is(reason, rl, "redeem")) {
			if (!val_text(x, 0, &ref, &refl) || x->vals[1].type != CRDT_INT || x->vals[1].i > 0) {
				*why = "a redemption must name its volunteer and not add points";
				return ERR_UNAUTH;
			}
			rc = trust_row_station(c, w, n, T_VOLUNTEERS, ref, refl, 2, held, sizeof(held));
			if (rc || strcmp(held, S) != 0) {
				*why = "a redemption from a node without the volunteer's spending right";
				return ERR_UNAUTH;
			}
			return 0;
		}
		*why = "only the hub adjusts or reverses points";
		return ERR_UNAUTH;
	}
	default:
		*why = "a station may not write this table";
		return ERR_UNAUTH;
	}
other:
	*why = "a station writing another station's data";
	return ERR_UNAUTH;
}

/* A station's county-wide points entry (T3): only the service credit of
 * a volunteer of another station for one of its own orders, whose id it
 * made ("S-..."); where the order is held, its station must be S. */
static int trust_away_credit(struct sync_ctx *c, const char *S, const struct crdt_write *x,
			     const char **why)
{
	char held[CRDT_SCOPE_MAX + 1];
	const char *s, *ref;
	size_t sl, refl, Sl = strlen(S);
	int rc;

	if (!val_text(x, 2, &s, &sl) || !text_is(s, sl, "service") || !val_text(x, 5, &s, &sl) ||
	    !text_is(s, sl, S) || x->vals[1].type != CRDT_INT || x->vals[1].i < 0 ||
	    !val_text(x, 3, &ref, &refl)) {
		*why = "a station's county-wide points entry must be a service credit of its own";
		return ERR_UNAUTH;
	}
	if (refl <= Sl + 1 || memcmp(ref, S, Sl) != 0 || ref[Sl] != '-') {
		*why = "a service credit for an order this station did not make";
		return ERR_UNAUTH;
	}
	rc = trust_row_station(c, x, 0, T_ORDERS, ref, refl, 0, held, sizeof(held));
	if (rc == 0 && strcmp(held, S) != 0) {
		*why = "service points for an order of another station";
		return ERR_UNAUTH;
	}
	return rc == ERR_NOTFOUND ? 0 : rc;
}

int sync_trust_writes(struct sync_ctx *c, const uint8_t author[SYNC_PK_LEN], const char *scope,
		      uint64_t hlc, const struct crdt_write *w, size_t n, const char **why)
{
	const struct sync_trust *t = c->trust;
	const struct trust_stmt *st;
	bool root;
	int rc;

	*why = NULL;
	if (!t)
		return 0;
	root = memcmp(author, t->root, SYNC_PK_LEN) == 0;
	for (size_t i = 0; i < n; i++) {
		bool trust_table = w[i].table == SYNC_T_ENROLMENTS || w[i].table == SYNC_T_REVOCATIONS;
		if (root != trust_table) {
			*why = root ? "the county root writes only statements and revocations"
				    : "only the county root writes statements and revocations";
			return ERR_UNAUTH;
		}
	}
	if (root)
		return 0;
	if (!(st = trust_find(t, author, CRDT_HLC_MS(hlc), why)))
		return ERR_UNAUTH;
	if (st->role == SYNC_ROLE_HUB)
		return 0;
	if (!*scope) {
		for (size_t i = 0; i < n; i++) {
			if (w[i].op != CRDT_UPSERT) {
				*why = "a station deletes nothing of the county-wide data";
				return ERR_UNAUTH;
			}
			if (w[i].table == T_POINTS) {
				if ((rc = trust_away_credit(c, st->station, &w[i], why)))
					return rc;
			} else if (w[i].table != T_STATIONS || !text_is(w[i].pk, w[i].pk_len, st->station)) {
				*why = "a station writes only its own row and credits of visiting volunteers"
				       " in the county-wide data";
				return ERR_UNAUTH;
			}
		}
		return 0;
	}
	if (strcmp(scope, st->station) != 0) {
		*why = "a station writing another station's data";
		return ERR_UNAUTH;
	}
	for (size_t i = 0; i < n; i++)
		if ((rc = trust_station_write(c, st->station, w, n, i, why)))
			return rc;
	return 0;
}

/* ---- bodies ------------------------------------------------------------- */

bool sync_body_sealed(const uint8_t *body, size_t len)
{
	return len >= 1 && body[0] == 0;
}

/* The associated data of a body (T5) is ad[0, *adlen); the nonce is the
 * hash of the label and every byte of it but the last (the format). */
static void body_ad(uint8_t *ad, size_t *adlen, const uint8_t *author, const char *scope,
		    uint64_t seq, uint64_t hlc, uint8_t format)
{
	size_t sl = strlen(scope), k = 0;
	memcpy(ad, author, SYNC_PK_LEN);
	k = SYNC_PK_LEN;
	ad[k++] = (uint8_t)sl;
	memcpy(ad + k, scope, sl);
	k += sl;
	for (int i = 0; i < 8; i++)
		ad[k++] = (uint8_t)(seq >> (56 - 8 * i));
	for (int i = 0; i < 8; i++)
		ad[k++] = (uint8_t)(hlc >> (56 - 8 * i));
	ad[k++] = format;
	*adlen = k;
}

static void body_nonce(uint8_t n[crypto_aead_xchacha20poly1305_ietf_NPUBBYTES], const uint8_t *ad,
		       size_t adlen)
{
	crypto_generichash_state s;
	crypto_generichash_init(&s, NULL, 0, crypto_aead_xchacha20poly1305_ietf_NPUBBYTES);
	crypto_generichash_update(&s, (const uint8_t *)NONCE_DOMAIN, sizeof(NONCE_DOMAIN) - 1);
	crypto_generichash_update(&s, ad, adlen - 1);
	crypto_generichash_final(&s, n, crypto_aead_xchacha20poly1305_ietf_NPUBBYTES);
}

int sync_body_encrypt(struct sync_ctx *c, const uint8_t key[SYNC_KEY_LEN],
		      const struct crdt_log_entry *e, struct buf *out)
{
	uint8_t ad[SYNC_PK_LEN + 1 + CRDT_SCOPE_MAX + 17], nonce[crypto_aead_xchacha20poly1305_ietf_NPUBBYTES];
	size_t adlen;
	unsigned long long clen;
	uint8_t *p;

	(void)c;
	/* T5: F = 2 only, so the stored body is a function of the plaintext
	 * and the key (O3); F = 3 and 4 are still read (old commits). */
	body_ad(ad, &adlen, e->author, e->scope, e->seq, e->hlc, ENC_PLAIN);
	body_nonce(nonce, ad, adlen);
	p = buf_reserve(out, ENC_HDR + e->body_len + ENC_TAG);
	if (!p)
		return out->err;
	p[0] = 0;
	p[1] = ENC_PLAIN;
	crypto_aead_xchacha20poly1305_ietf_encrypt(p + ENC_HDR, &clen, e->body, e->body_len, ad, adlen,
						   NULL, nonce, key);
	out->len += ENC_HDR + (size_t)clen;
	return 0;
}

uint8_t sync_body_format(const uint8_t *body, size_t len)
{
	return sync_body_sealed(body, len) && len >= ENC_HDR ? body[1] : 0;
}

/* Decompress the frame f (its magic put back in f[0, 4)) into out, at
 * most max bytes (T7, O4). */
static int body_decompress(struct sync_ctx *c, uint8_t *f, size_t flen, bool dict, size_t max,
			   struct buf *out)
{
	unsigned long long size;
	size_t got;
	uint8_t *dst;

	memcpy(f, zstd_magic, ZSTD_MAGIC_LEN);
	size = ZSTD_getFrameContentSize(f, flen);
	if (size == ZSTD_CONTENTSIZE_UNKNOWN || size == ZSTD_CONTENTSIZE_ERROR || size == 0)
		return ERR_CORRUPT;
	if (size > max)
		return ERR_TOOBIG; /* refused before its claimed size is allocated */
	got = ZSTD_findFrameCompressedSize(f, flen);
	if (ZSTD_isError(got) || got != flen)
		return ERR_CORRUPT;
	if (!(dst = buf_reserve(out, (size_t)size)))
		return out->err;
	ZSTD_DCtx_reset(c->dctx, ZSTD_reset_session_and_parameters);
	ZSTD_DCtx_setParameter(c->dctx, ZSTD_d_windowLogMax, 24);
	if (dict)
		ZSTD_DCtx_refDDict(c->dctx, c->opt.dict->dd);
	got = ZSTD_decompressDCtx(c->dctx, dst, (size_t)size, f, flen);
	if (ZSTD_isError(got) || got != size)
		return ERR_CORRUPT;
	out->len = (size_t)size;
	return 0;
}

int sync_body_decrypt(struct sync_ctx *c, const uint8_t key[SYNC_KEY_LEN], const uint8_t *author,
		      const char *scope, uint64_t seq, uint64_t hlc, const uint8_t *body, size_t len,
		      struct buf *out)
{
	uint8_t ad[SYNC_PK_LEN + 1 + CRDT_SCOPE_MAX + 17], nonce[crypto_aead_xchacha20poly1305_ietf_NPUBBYTES];
	size_t adlen, mcap, room;
	unsigned long long mlen;
	uint8_t *m = NULL, format;
	int rc = 0;

	buf_reset(out);
	if (len < ENC_HDR + ENC_TAG || body[0] != 0 || strlen(scope) > CRDT_SCOPE_MAX)
		return ERR_CORRUPT;
	format = body[1];
	if (format != ENC_PLAIN && format != ENC_ZSTD && format != ENC_ZSTD_DICT)
		return ERR_CORRUPT; /* ENC_V1_RANDOM included: never deployed */
	if (format == ENC_ZSTD_DICT && (!c->opt.dict || c->opt.dict->id != SYNC_DICT_V1_ID))
		return ERR_NODICT;
	body_ad(ad, &adlen, author, scope, seq, hlc, format);
	body_nonce(nonce, ad, adlen);
	/* a frame lands after room to put its magic back */
	room = format == ENC_PLAIN ? 0 : ZSTD_MAGIC_LEN;
	mcap = room + len - ENC_HDR - ENC_TAG;
	if (format == ENC_PLAIN) {
		if (!(m = buf_reserve(out, mcap)))
			return out->err;
	} else if (!(m = mem_alloc(mcap))) {
		return -ENOMEM;
	}
	if (crypto_aead_xchacha20poly1305_ietf_decrypt(m + room, &mlen, NULL, body + ENC_HDR, len - ENC_HDR,
						       ad, adlen, nonce, key) != 0) {
		rc = ERR_BADSIG;
		goto out;
	}
	if (format == ENC_PLAIN)
		out->len = (size_t)mlen;
	else
		rc = body_decompress(c, m, room + (size_t)mlen, format == ENC_ZSTD_DICT, CRDT_BODY_MAX, out);
out:
	if (format != ENC_PLAIN) {
		sodium_memzero(m, mcap);
		mem_free(m);
	}
	if (rc) {
		if (out->data && out->cap)
			sodium_memzero(out->data, out->cap);
		buf_reset(out);
	}
	return rc;
}

int sync_body_open(struct sync_ctx *c, const struct crdt_log_entry *e, struct buf *out,
		   const uint8_t **plain, size_t *plain_len)
{
	uint8_t key[SYNC_KEY_LEN];
	int rc;

	*plain = NULL;
	*plain_len = 0;
	if (!sync_body_sealed(e->body, e->body_len)) {
		*plain = e->body;
		*plain_len = e->body_len;
		return 0;
	}
	if (!sync_trust_key(c, e->scope, key))
		return ERR_UNAUTH;
	rc = sync_body_decrypt(c, key, e->author, e->scope, e->seq, e->hlc, e->body, e->body_len, out);
	sodium_memzero(key, sizeof(key));
	if (!rc) {
		*plain = out->data;
		*plain_len = out->len;
	}
	return rc;
}

/* ---- opened ranges (O1-O5) --------------------------------------------- */

bool sync_trust_reads(const struct sync_ctx *c, const uint8_t pk[SYNC_PK_LEN], uint64_t ms,
		      struct sync_scopes *out)
{
	const struct trust_stmt *st;
	const char *why;

	memset(out, 0, sizeof(*out));
	if (!c->trust || !(st = trust_find(c->trust, pk, ms, &why)))
		return false;
	if (st->role == SYNC_ROLE_HUB)
		out->all = true;
	else if (sync_scopes_add(out, st->station))
		return false;
	return true;
}

/* The associated data of a box (O2). */
static void open_ad(uint8_t *ad, size_t *adlen, const uint8_t *author, const char *scope,
		    uint64_t first_seq, uint64_t count, uint8_t format)
{
	size_t sl = strlen(scope), k;
	memcpy(ad, OPEN_DOMAIN, sizeof(OPEN_DOMAIN) - 1);
	k = sizeof(OPEN_DOMAIN) - 1;
	memcpy(ad + k, author, SYNC_PK_LEN);
	k += SYNC_PK_LEN;
	ad[k++] = (uint8_t)sl;
	memcpy(ad + k, scope, sl);
	k += sl;
	for (int i = 0; i < 8; i++)
		ad[k++] = (uint8_t)(first_seq >> (56 - 8 * i));
	for (int i = 0; i < 8; i++)
		ad[k++] = (uint8_t)(count >> (56 - 8 * i));
	ad[k++] = format;
	*adlen = k;
}

static void wipe_buf(struct buf *b)
{
	if (b->data && b->cap)
		sodium_memzero(b->data, b->cap);
	buf_release(b);
}

int sync_range_box(void *arg, const struct sync_batch *b, const struct sync_range *r,
		   uint64_t first_seq, size_t lo, size_t hi, struct buf *out)
{
	struct sync_ctx *c = arg;
	const struct sync_dict *d = c->opt.dict;
	uint8_t key[SYNC_KEY_LEN], ad[OPEN_AD_MAX], *z = NULL, *p, format;
	size_t adlen, zcap = 0, n;
	unsigned long long clen;
	struct buf m;
	bool dict = d && d->id == SYNC_DICT_V1_ID && c->cdict;
	int rc = 0;

	buf_reset(out);
	buf_init(&m, SYNC_ARENA_MAX);
	if (lo >= hi || !*r->scope)
		return ERR_USAGE;
	if (!sync_trust_key(c, r->scope, key))
		return ERR_UNAUTH;
	if ((rc = sync_bodies_encode(&m, b, r->scope, lo, hi)))
		goto out;
	zcap = ZSTD_compressBound(m.len);
	if (!(z = mem_alloc(zcap))) {
		rc = -ENOMEM;
		goto out;
	}
	ZSTD_CCtx_reset(c->cctx, ZSTD_reset_session_only);
	ZSTD_CCtx_refCDict(c->cctx, dict ? c->cdict : NULL);
	n = ZSTD_compress2(c->cctx, z, zcap, m.data, m.len);
	if (ZSTD_isError(n) || n <= ZSTD_MAGIC_LEN || memcmp(z, zstd_magic, ZSTD_MAGIC_LEN) != 0) {
		rc = -ENOMEM;
		goto out;
	}
	format = dict ? OPEN_ZSTD_DICT : OPEN_ZSTD;
	open_ad(ad, &adlen, r->author, r->scope, first_seq, hi - lo, format);
	if (!(p = buf_reserve(out, OPEN_HDR + n - ZSTD_MAGIC_LEN + ENC_TAG))) {
		rc = out->err;
		goto out;
	}
	p[0] = format;
	randombytes_buf(p + 1, OPEN_NONCE); /* O2: fresh for every box */
	crypto_aead_xchacha20poly1305_ietf_encrypt(p + OPEN_HDR, &clen, z + ZSTD_MAGIC_LEN, n - ZSTD_MAGIC_LEN,
						   ad, adlen, NULL, p + 1, key);
	out->len += OPEN_HDR + (size_t)clen;
out:
	sodium_memzero(key, sizeof(key));
	if (z) {
		sodium_memzero(z, zcap);
		mem_free(z);
	}
	wipe_buf(&m);
	if (rc)
		buf_reset(out);
	return rc;
}

int sync_range_unbox(struct sync_ctx *c, struct sync_batch *b, struct sync_range *r,
		     const char **why)
{
	struct sync_commit *cm = &b->cm[r->first_commit];
	uint8_t key[SYNC_KEY_LEN], ad[OPEN_AD_MAX], *m = NULL, format;
	size_t adlen, mcap = 0, max, mark = b->arena.len, bl = r->box_len, obound, *lens = NULL;
	unsigned long long mlen;
	struct buf pl, bodies;
	bool has_key = false;
	int rc = 0;

	*why = NULL;
	buf_init(&pl, 1);
	buf_init(&bodies, 1);
	if (!r->opened || bl < OPEN_HDR + ENC_TAG + 1 || r->box_off + bl > b->arena.len) {
		rc = ERR_CORRUPT;
		*why = "the opened range's box is too short";
		goto out;
	}
	format = b->arena.data[r->box_off];
	if (format != OPEN_ZSTD && format != OPEN_ZSTD_DICT) {
		rc = ERR_CORRUPT;
		*why = "the opened range's box has an unknown format";
		goto out;
	}
	if (format == OPEN_ZSTD_DICT && (!c->opt.dict || c->opt.dict->id != SYNC_DICT_V1_ID)) {
		rc = ERR_NODICT;
		*why = "the opened range needs the zstd dictionary, which this node lacks";
		goto out;
	}
	if (!(has_key = sync_trust_key(c, r->scope, key))) {
		rc = ERR_UNAUTH;
		*why = "an opened range of a scope whose key this node does not hold";
		goto out;
	}
	/* O4: at most what count bodies can be, and what a chunk may hold */
	max = c->opt.decompress_max;
	if (r->count < max / (CRDT_BODY_MAX + 4))
		max = r->count * (CRDT_BODY_MAX + 4);
	buf_init(&pl, max);
	mcap = ZSTD_MAGIC_LEN + bl - OPEN_HDR - ENC_TAG;
	if (!(m = mem_alloc(mcap))) {
		rc = -ENOMEM;
		goto out;
	}
	open_ad(ad, &adlen, r->author, r->scope, r->first_seq, r->count, format);
	{
		const uint8_t *bx = b->arena.data + r->box_off; /* the arena does not move before the split */
		if (crypto_aead_xchacha20poly1305_ietf_decrypt(m + ZSTD_MAGIC_LEN, &mlen, NULL, bx + OPEN_HDR,
							       bl - OPEN_HDR, ad, adlen, bx + 1, key) != 0) {
			rc = ERR_BADSIG;
			*why = "the opened range's box does not open with the scope's key";
			goto out;
		}
	}
	if ((rc = body_decompress(c, m, ZSTD_MAGIC_LEN + (size_t)mlen, format == OPEN_ZSTD_DICT, max, &pl))) {
		*why = "the opened range's compressed frame is malformed or too large";
		goto out;
	}
	/* O4: exactly count bodies, each length checked, nothing after; into
	 * one buffer reserved once (a stream byte gives at most 40 bytes of
	 * body: P5), never grown, so no copy of them is left behind (O5) */
	obound = pl.len < (max - 64) / 40 ? 40 * pl.len + 64 : max;
	buf_init(&bodies, obound);
	if (!(lens = mem_calloc(r->count, sizeof(*lens))) || !buf_reserve(&bodies, obound)) {
		rc = -ENOMEM;
		goto out;
	}
	if ((rc = sync_bodies_decode(pl.data, pl.len, r, cm, &bodies, lens))) {
		*why = "the opened range's bodies do not match its count and lengths";
		goto out;
	}
	for (size_t k = 0, off = 0; k < r->count; off += lens[k], k++) {
		const uint8_t *p = bodies.data + off;
		size_t len = lens[k];
		if (len > CRDT_BODY_MAX - ENC_HDR - ENC_TAG) {
			rc = ERR_TOOBIG;
			*why = "the opened range's bodies do not match its count and lengths";
			goto out;
		}
		struct crdt_log_entry e;
		memset(&e, 0, sizeof(e));
		memcpy(e.author, r->author, SYNC_PK_LEN);
		memcpy(e.scope, r->scope, sizeof(e.scope));
		e.seq = cm[k].seq;
		e.hlc = cm[k].hlc;
		e.body = p;
		e.body_len = len;
		cm[k].body_off = b->arena.len;
		if ((rc = sync_body_encrypt(c, key, &e, &b->arena))) /* O3: as the author sealed it */
			goto out;
		cm[k].body_len = b->arena.len - cm[k].body_off;
	}
out:
	mem_free(lens);
	wipe_buf(&bodies);
	if (has_key)
		sodium_memzero(key, sizeof(key));
	if (m) {
		sodium_memzero(m, mcap);
		mem_free(m);
	}
	wipe_buf(&pl);
	if (rc) {
		for (size_t k = 0; k < r->count; k++) {
			cm[k].body_off = mark;
			cm[k].body_len = 0;
		}
		if (b->arena.len > mark)
			b->arena.len = mark;
		if (b->arena.err == -ENOMEM || rc == -ENOMEM)
			rc = -ENOMEM;
	}
	return rc;
}

/* ---- the sealer: encrypt a station scope's commit, then hash and sign -- */

static int sync_trust_seal(void *arg, const struct crdt_log_entry *e, const uint8_t *prev,
			   size_t prev_len, struct buf *seal, struct buf *body)
{
	struct sync_ctx *c = arg;
	const uint8_t *ph = NULL, *psig;
	uint8_t h[SYNC_HASH_LEN], sig[SYNC_SIG_LEN], key[SYNC_KEY_LEN];
	const uint8_t *kept = e->body;
	size_t kept_len = e->body_len;
	int rc;

	if (memcmp(e->author, c->id->pk, SYNC_PK_LEN) != 0)
		return ERR_USAGE;
	if (e->seq > 1 && sync_seal_parse(prev, prev_len, &ph, &psig))
		return ERR_CHAIN;
	if (sync_trust_key(c, e->scope, key)) {
		rc = sync_body_encrypt(c, key, e, body);
		sodium_memzero(key, sizeof(key));
		if (rc)
			return rc;
		kept = body->data;
		kept_len = body->len;
	}
	sync_feed_hash(h, ph, e->author, e->scope, e->seq, e->hlc, kept, kept_len);
	if (sync_checkpoint_sign(c->id, h, sig))
		return ERR_USAGE;
	buf_put_u8(seal, SYNC_SEAL_SIGNED);
	buf_put(seal, h, sizeof(h));
	buf_put(seal, sig, sizeof(sig));
	return seal->err;
}

void sync_trust_sealer(struct crdt_sealer *out, struct sync_ctx *c)
{
	out->seal = sync_trust_seal;
	out->arg = c;
}
