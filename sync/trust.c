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
 *      orders, teams, order events, service points for its orders,
 *      redemptions, adjustments and hours for volunteers whose home it
 *      is, and its gift shelf (items and stock moves of its own items:
 *      app/gift.c), and its own additions to the service menu
 *      (categories rows of its station: app/category.c; the county's
 *      list, in scope "", is the hub's); never an order event whose
 *      actor is "hub" (the hub's mark of an order it sent: app/send.c).
 *      A hub writes anything but
 *      statements and revocations,
 *      and takes no stock off a shelf (no stock move below zero: only the
 *      item's station has the right to take stock, as only the home
 *      station spends points). Activities (app/activity.c): a station
 *      writes its own; sign-up requests and cancellations for its own or
 *      county-wide ones, in its scope; seats, decisions on them, check-in
 *      and check-out only for its own (the home), and the hub only for
 *      county-wide ones; a station's county-wide hours credit only for an
 *      activity of its own. A write to a row is judged by the
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
 *      the key, for a range whose every commit is sealed F = 2 or 5 (or
 *      not encrypted, G5, G6).
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
 *  O6. The receiver keeps a range's plaintexts, in the one buffer they
 *      were split into, as the batch's plain until the next opened range
 *      or the batch's end (O5 wipes them there), each sealed commit's at
 *      plain_off/plain_len: a body it just sealed from them (O3) is not
 *      opened again to be judged and merged (sync/delta.c). Its key is
 *      derived once per generation a range uses, not once per commit.
 *  G1. Key generations (docs/security.md "Re-keying"): the key of scope S
 *      in generation 0 is T4's; in generation g >= 1 it is
 *      BLAKE2b(key = M, "cunlian-scope-gen-v1" || u32be g || S). The root
 *      starts a generation by rows of table scope_keys in its feed: one
 *      announcing (S, g, at), and one per remaining reader with the key
 *      sealed to it. A hub derives every generation from M; a station
 *      holds generation 0 from its statement and the ones sealed to it.
 *  G2. A writer seals with the newest generation it holds (a hub: the
 *      newest announced); F = 2 for generation 0 (unchanged bytes), F = 5
 *      (the generation in the body and in its associated data) after.
 *  G3. A reader looks the key up by the body's generation; a generation
 *      it does not hold is a key it does not hold (carried, not read).
 *  G4. Only the root writes scope_keys, as it alone writes statements.
 *  G7. A station enrolled after its station was re-keyed gets a statement
 *      of version 2 carrying the newest generation's key (and its number),
 *      so it never seals under a replaced one; the older generations
 *      (generation 0 included) are sealed to it in rows of scope_keys in
 *      the same root commit, so it reads the station's history.
 *  G5. An opened range of bodies sealed F = 2 under generation 0 only, by
 *      a node that knows no later generation of the scope, is boxed as
 *      before (formats 1, 2). Else it is boxed under the newest generation
 *      the sender holds (formats 3, 4: the generation after the format
 *      byte and in the associated data), its plaintext preceded by one
 *      form per commit: 0, the body is kept as it is (not encrypted:
 *      written before its author was enrolled), or g + 1, sealed F = 2/5
 *      under generation g, which the receiver must hold to rebuild it.
 *  G6. A station-scope body that is not encrypted (with trust on, or
 *      when the node asked to be enrolled) travels only inside an opened
 *      range, to a reader of the scope; the export leaves it and the rest
 *      of its feed out for anyone else (sync/delta.c D6). So no station
 *      data leaves a node in plaintext. (A body sealed under a replaced
 *      generation still travels as it is: a relay cannot box it, and
 *      holding it back would stall the feed for good; docs/security.md
 *      "Re-keying" has the window this leaves.)
 *  T8. Resident ID numbers are stored as BLAKE2b-256 keyed with
 *      BLAKE2b-256(key = K_S, "cunlian-idnum-v1") (sync_idnum_key): a
 *      key of its own, so a hash never reveals or reuses K_S, and the
 *      station and the hub (which derives K_S from M) agree on it.
 *  T9. The county ID key K_c = BLAKE2b-256(key = M, "cunlian-idnum-county-v1")
 *      hashes the same numbers a second time (volunteers.id_chash) so the
 *      hub finds one person registered at two stations. The hub derives
 *      it; a station gets it sealed to its node key in a row of
 *      scope_keys of the reserved scope SYNC_CIDNUM_SCOPE ("*idnum", which
 *      no station id can be), generation 0, written by the root with the
 *      station's statement. Such a row never announces a generation and
 *      is never taken for a station's key (docs/security.md "Duplicate
 *      people across stations").
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
#define GEN_DOMAIN "cunlian-scope-gen-v1"
#define CIDNUM_DOMAIN "cunlian-idnum-county-v1"
/* The encrypted body's format byte (T5, G2). */
enum { ENC_V1_RANDOM = 1, ENC_PLAIN = 2, ENC_ZSTD = 3, ENC_ZSTD_DICT = 4, ENC_GEN = 5 };
#define ENC_HDR 2
#define ENC_AD_MAX (SYNC_PK_LEN + 1 + CRDT_SCOPE_MAX + 17 + 4)
#define ENC_TAG crypto_aead_xchacha20poly1305_ietf_ABYTES
#define OPEN_DOMAIN "cunlian-open-v1"
/* An opened range's box (O2): format, nonce, ciphertext and tag. */
enum { OPEN_ZSTD = 1, OPEN_ZSTD_DICT = 2, OPEN_GEN_ZSTD = 3, OPEN_GEN_ZSTD_DICT = 4 };
#define OPEN_NONCE crypto_aead_xchacha20poly1305_ietf_NPUBBYTES
#define OPEN_HDR (1 + OPEN_NONCE)
#define OPEN_AD_MAX (sizeof(OPEN_DOMAIN) - 1 + SYNC_PK_LEN + 1 + CRDT_SCOPE_MAX + 17 + 4)
#define ZSTD_MAGIC_LEN 4
static const uint8_t zstd_magic[ZSTD_MAGIC_LEN] = { 0x28, 0xB5, 0x2F, 0xFD };

/* table ids and columns used by the rules (crdt/schema.c) */

/* A generation of a scope's key the root announced (G1), and when. */
struct trust_gen {
	char scope[CRDT_SCOPE_MAX + 1];
	uint32_t gen;
	uint64_t at;
};

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
	/* sodium_malloc: [0..32) master, then generation g of the own
	 * scope's key at 32 * (1 + g), g < SYNC_GENS_MAX (G1), then the
	 * county ID key sealed to this node (T9) at 32 * (1 + SYNC_GENS_MAX) */
	uint8_t *keys;
	bool has_cidkey;
	uint8_t held[SYNC_GENS_MAX / 8]; /* generations of the own scope held */
	struct trust_gen *gn;
	size_t ngn, capgn;
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
	buf_put_u8(b, st->gen ? 2 : 1); /* G7 */
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
	if (st->gen)
		buf_put_u32be(b, st->gen);
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

/* Generation gen of scope's key (G1); generation 0 is T4's key. */
static void trust_gen_key(const uint8_t m[SYNC_KEY_LEN], const char *scope, uint32_t gen,
			  uint8_t k[SYNC_KEY_LEN])
{
	crypto_generichash_state s;
	uint8_t g[4] = { (uint8_t)(gen >> 24), (uint8_t)(gen >> 16), (uint8_t)(gen >> 8), (uint8_t)gen };
	if (gen == 0) {
		trust_scope_key(m, scope, k);
		return;
	}
	crypto_generichash_init(&s, m, SYNC_KEY_LEN, SYNC_KEY_LEN);
	crypto_generichash_update(&s, (const uint8_t *)GEN_DOMAIN, sizeof(GEN_DOMAIN) - 1);
	crypto_generichash_update(&s, g, sizeof(g));
	crypto_generichash_update(&s, (const uint8_t *)scope, strlen(scope));
	crypto_generichash_final(&s, k, SYNC_KEY_LEN);
}

/* Open a key sealed to id (crypto_box_seal to its X25519 key). */
static int trust_unseal(const struct sync_identity *id, const uint8_t sealed[SYNC_SEALED_LEN],
			uint8_t key[SYNC_KEY_LEN])
{
	uint8_t xpk[crypto_box_PUBLICKEYBYTES], *xsk;
	int rc = 0;

	if (!id->sk)
		return ERR_USAGE;
	xsk = sodium_malloc(crypto_box_SECRETKEYBYTES);
	if (!xsk)
		return -ENOMEM;
	if (crypto_sign_ed25519_pk_to_curve25519(xpk, id->pk) != 0 ||
	    crypto_sign_ed25519_sk_to_curve25519(xsk, id->sk) != 0 ||
	    crypto_box_seal_open(key, sealed, SYNC_SEALED_LEN, xpk, xsk) != 0)
		rc = ERR_BADSIG;
	sodium_free(xsk);
	if (rc)
		sodium_memzero(key, SYNC_KEY_LEN);
	return rc;
}

int sync_statement_sign(struct sync_statement *st, const struct sync_identity *root)
{
	uint8_t *k = NULL, xpk[crypto_box_PUBLICKEYBYTES];
	struct buf m;
	int rc = 0;

	if (!root->sk || (st->role != SYNC_ROLE_STATION && st->role != SYNC_ROLE_HUB) ||
	    strlen(st->station) == 0 || strlen(st->station) > CRDT_SCOPE_MAX || st->gen >= SYNC_GENS_MAX ||
	    (st->gen && st->role != SYNC_ROLE_STATION))
		return ERR_USAGE;
	memcpy(st->root, root->pk, SYNC_PK_LEN);
	if (crypto_sign_ed25519_pk_to_curve25519(xpk, st->node) != 0)
		return ERR_USAGE; /* not a valid Ed25519 point */
	k = sodium_malloc(2 * SYNC_KEY_LEN);
	if (!k)
		return -ENOMEM;
	trust_master(root, k);
	if (st->role == SYNC_ROLE_STATION)
		trust_gen_key(k, st->station, st->gen, k + SYNC_KEY_LEN);
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
	    cur_get_u8(&c, &ver) || (ver != 1 && ver != 2) || cur_copy(&c, out->root, SYNC_PK_LEN) ||
	    cur_copy(&c, out->node, SYNC_PK_LEN) || cur_get_u8(&c, &out->role) ||
	    cur_get_u8(&c, &sl) || sl == 0 || sl > CRDT_SCOPE_MAX || cur_copy(&c, out->station, sl) ||
	    memchr(out->station, 0, sl) || cur_get_u64be(&c, &out->not_before) ||
	    cur_get_u64be(&c, &out->not_after) || cur_get_u8(&c, &kl) ||
	    (kl != 0 && kl != SYNC_SEALED_LEN) || (kl && cur_copy(&c, out->sealed, kl)) ||
	    (ver == 2 && (cur_get_u32be(&c, &out->gen) || out->gen == 0 || out->gen >= SYNC_GENS_MAX ||
			  out->role != SYNC_ROLE_STATION)) ||
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
	if (!st->has_key)
		return ERR_NOTFOUND;
	if (!id->sk || memcmp(id->pk, st->node, SYNC_PK_LEN) != 0)
		return ERR_USAGE;
	return trust_unseal(id, st->sealed, key);
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
		crdt_write_init(&r->w, CRDT_T_ENROLMENTS, CRDT_UPSERT, r->pk);
		crdt_write_set_text(&r->w, CRDT_C_ENROLMENTS_NODE, r->node);
		crdt_write_set_text(&r->w, CRDT_C_ENROLMENTS_STATION, st->station);
		crdt_write_set_text(&r->w, CRDT_C_ENROLMENTS_ROLE,
				    st->role == SYNC_ROLE_HUB ? "hub" : "station");
		crdt_write_set_int(&r->w, CRDT_C_ENROLMENTS_NOT_BEFORE, (int64_t)st->not_before);
		crdt_write_set_int(&r->w, CRDT_C_ENROLMENTS_NOT_AFTER, (int64_t)st->not_after);
		crdt_write_set_text(&r->w, CRDT_C_ENROLMENTS_CERT, r->text);
		rc = r->w.err;
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
	crdt_write_init(&r->w, CRDT_T_REVOCATIONS, CRDT_UPSERT, r->pk);
	crdt_write_set_text(&r->w, CRDT_C_REVOCATIONS_NODE, r->node);
	crdt_write_set_text(&r->w, CRDT_C_REVOCATIONS_SCOPE, r->scope);
	if (from_seq)
		crdt_write_set_int(&r->w, CRDT_C_REVOCATIONS_FROM_SEQ, (int64_t)from_seq);
	if (from_ms)
		crdt_write_set_int(&r->w, CRDT_C_REVOCATIONS_FROM_MS, (int64_t)from_ms);
	crdt_write_set_int(&r->w, CRDT_C_REVOCATIONS_AT, (int64_t)at);
	return r->w.err;
}

int sync_key_row(struct sync_key_row *r, const struct sync_identity *root, const char *scope,
		 uint32_t gen, const uint8_t *node, uint64_t at)
{
	uint8_t m[SYNC_KEY_LEN], *k, xpk[crypto_box_PUBLICKEYBYTES], sealed[SYNC_SEALED_LEN];

	memset(r, 0, sizeof(*r));
	if (!root->sk || !*scope || strlen(scope) > CRDT_SCOPE_MAX || gen >= SYNC_GENS_MAX ||
	    (gen == 0 && !node) || at > INT64_MAX ||
	    (strcmp(scope, SYNC_CIDNUM_SCOPE) == 0 && gen != 0))
		return ERR_USAGE;
	snprintf(r->scope, sizeof(r->scope), "%s", scope);
	if (node) {
		if (crypto_sign_ed25519_pk_to_curve25519(xpk, node) != 0)
			return ERR_USAGE;
		if (!(k = sodium_malloc(SYNC_KEY_LEN)))
			return -ENOMEM;
		trust_master(root, m);
		if (strcmp(scope, SYNC_CIDNUM_SCOPE) == 0)
			crypto_generichash(k, SYNC_KEY_LEN, (const uint8_t *)CIDNUM_DOMAIN,
					   sizeof(CIDNUM_DOMAIN) - 1, m, SYNC_KEY_LEN); /* T9 */
		else
			trust_gen_key(m, scope, gen, k);
		sodium_memzero(m, sizeof(m));
		crypto_box_seal(sealed, k, SYNC_KEY_LEN, xpk);
		sodium_free(k);
		hex_put(r->node, node, SYNC_PK_LEN);
		hex_put(r->sealed, sealed, SYNC_SEALED_LEN);
		snprintf(r->pk, sizeof(r->pk), "k-%s-%u-%.24s", scope, (unsigned)gen, r->node);
	} else {
		snprintf(r->pk, sizeof(r->pk), "k-%s-%u", scope, (unsigned)gen);
	}
	crdt_write_init(&r->w, CRDT_T_SCOPE_KEYS, CRDT_UPSERT, r->pk);
	crdt_write_set_text(&r->w, CRDT_C_SCOPE_KEYS_SCOPE, r->scope);
	crdt_write_set_int(&r->w, CRDT_C_SCOPE_KEYS_GEN, (int64_t)gen);
	if (node) {
		crdt_write_set_text(&r->w, CRDT_C_SCOPE_KEYS_NODE, r->node);
		crdt_write_set_text(&r->w, CRDT_C_SCOPE_KEYS_SEALED, r->sealed);
	}
	crdt_write_set_int(&r->w, CRDT_C_SCOPE_KEYS_AT, (int64_t)at);
	return r->w.err;
}

/* ---- the trust state ---------------------------------------------------- */

/* Note that the root announced generation gen of scope at time at (G1). */
static int trust_note_gen(struct sync_trust *t, const char *scope, uint32_t gen, uint64_t at)
{
	for (size_t i = 0; i < t->ngn; i++)
		if (t->gn[i].gen == gen && strcmp(t->gn[i].scope, scope) == 0)
			return 0;
	int rc = MEM_GROW(t->gn, t->capgn, t->ngn + 1);
	if (rc)
		return rc;
	memset(&t->gn[t->ngn], 0, sizeof(t->gn[0]));
	snprintf(t->gn[t->ngn].scope, sizeof(t->gn[0].scope), "%s", scope);
	t->gn[t->ngn].gen = gen;
	t->gn[t->ngn].at = at;
	t->ngn++;
	return 0;
}

static int trust_add_stmt(struct sync_trust *t, const struct trust_stmt *s)
{
	for (size_t i = 0; i < t->nst; i++)
		if (memcmp(&t->st[i], s, sizeof(*s)) == 0)
			return 0;
	int rc = MEM_GROW(t->st, t->capst, t->nst + 1);
	if (rc)
		return rc;
	t->st[t->nst++] = *s;
	return 0;
}

static int trust_add_rev(struct sync_trust *t, const struct trust_rev *r, const uint8_t *self)
{
	for (size_t i = 0; i < t->nrv; i++)
		if (memcmp(&t->rv[i], r, sizeof(*r)) == 0)
			return 0;
	int rc = MEM_GROW(t->rv, t->caprv, t->nrv + 1);
	if (rc)
		return rc;
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

/* A row of scope_keys (G1): note the generation; open the key when it
 * is sealed to this node for its own station. */
static int trust_learn_key(struct sync_ctx *c, const struct crdt_write *w)
{
	struct sync_trust *t = c->trust;
	char scope[CRDT_SCOPE_MAX + 1];
	uint8_t node[SYNC_PK_LEN], sealed[SYNC_SEALED_LEN];
	uint64_t gen = val_int(w, CRDT_C_SCOPE_KEYS_GEN);
	const char *s;
	size_t sl;
	int rc;

	if (!val_text(w, CRDT_C_SCOPE_KEYS_SCOPE, &s, &sl) || sl == 0 || sl > CRDT_SCOPE_MAX || memchr(s, 0, sl) ||
	    gen >= SYNC_GENS_MAX)
		return 0; /* not a row this version can use */
	memcpy(scope, s, sl);
	scope[sl] = '\0';
	bool cid = strcmp(scope, SYNC_CIDNUM_SCOPE) == 0; /* T9: no generations */
	if (cid && gen)
		return 0;
	if (gen && (rc = trust_note_gen(t, scope, (uint32_t)gen, val_int(w, CRDT_C_SCOPE_KEYS_AT))))
		return rc;
	if ((!cid && (!t->has_scope || strcmp(scope, t->key_scope) != 0)) ||
	    !val_text(w, CRDT_C_SCOPE_KEYS_NODE, &s, &sl) || hex_get(s, sl, node, SYNC_PK_LEN) ||
	    memcmp(node, c->id->pk, SYNC_PK_LEN) != 0 || !val_text(w, CRDT_C_SCOPE_KEYS_SEALED, &s, &sl) ||
	    hex_get(s, sl, sealed, SYNC_SEALED_LEN))
		return 0;
	uint8_t k[SYNC_KEY_LEN]; /* a row that does not open leaves a held key as it was */
	rc = trust_unseal(c->id, sealed, k);
	if (rc == 0 && cid) {
		memcpy(t->keys + SYNC_KEY_LEN * (1 + SYNC_GENS_MAX), k, SYNC_KEY_LEN);
		t->has_cidkey = true;
	} else if (rc == 0) {
		memcpy(t->keys + SYNC_KEY_LEN * (1 + gen), k, SYNC_KEY_LEN);
		t->held[gen / 8] |= (uint8_t)(1u << (gen % 8));
	}
	sodium_memzero(k, sizeof(k));
	return rc == -ENOMEM ? rc : 0;
}

int sync_trust_learn(struct sync_ctx *c, const struct crdt_write *w, size_t n)
{
	struct sync_trust *t = c->trust;
	int rc = 0;

	for (size_t i = 0; i < n && !rc; i++) {
		const char *s, *sc, *role;
		size_t sl, scl, rl;
		if (w[i].op != CRDT_UPSERT)
			continue;
		if (w[i].table == CRDT_T_ENROLMENTS) {
			struct trust_stmt st;
			memset(&st, 0, sizeof(st));
			if (!val_text(&w[i], CRDT_C_ENROLMENTS_NODE, &s, &sl) ||
			    hex_get(s, sl, st.node, SYNC_PK_LEN) ||
			    !val_text(&w[i], CRDT_C_ENROLMENTS_STATION, &sc, &scl) || scl == 0 ||
			    scl > CRDT_SCOPE_MAX || !val_text(&w[i], CRDT_C_ENROLMENTS_ROLE, &role, &rl))
				continue;
			memcpy(st.station, sc, scl);
			st.role = rl == 3 && memcmp(role, "hub", 3) == 0 ? SYNC_ROLE_HUB : SYNC_ROLE_STATION;
			st.nb = val_int(&w[i], CRDT_C_ENROLMENTS_NOT_BEFORE);
			st.na = val_int(&w[i], CRDT_C_ENROLMENTS_NOT_AFTER);
			rc = trust_add_stmt(t, &st);
		} else if (w[i].table == CRDT_T_REVOCATIONS) {
			struct trust_rev rv;
			memset(&rv, 0, sizeof(rv));
			if (!val_text(&w[i], CRDT_C_REVOCATIONS_NODE, &s, &sl) ||
			    hex_get(s, sl, rv.node, SYNC_PK_LEN))
				continue;
			if (val_text(&w[i], CRDT_C_REVOCATIONS_SCOPE, &sc, &scl) && scl <= CRDT_SCOPE_MAX)
				memcpy(rv.scope, sc, scl);
			rv.from_seq = val_int(&w[i], CRDT_C_REVOCATIONS_FROM_SEQ);
			rv.from_ms = val_int(&w[i], CRDT_C_REVOCATIONS_FROM_MS);
			rv.at = val_int(&w[i], CRDT_C_REVOCATIONS_AT);
			rc = trust_add_rev(t, &rv, c->id->pk);
		} else if (w[i].table == CRDT_T_SCOPE_KEYS) {
			rc = trust_learn_key(c, &w[i]);
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
	t->keys = sodium_malloc((2 + SYNC_GENS_MAX) * SYNC_KEY_LEN);
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
		if (sync_statement_key(&st, c->id,
				       st.role == SYNC_ROLE_HUB ? t->keys : t->keys + SYNC_KEY_LEN * (1 + st.gen)) == 0) {
			if (st.role == SYNC_ROLE_HUB) {
				t->has_master = true;
			} else {
				t->has_scope = true;
				t->held[st.gen / 8] |= (uint8_t)(1u << (st.gen % 8)); /* G1, G7 */
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
	mem_free(t->gn);
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

uint32_t sync_scope_gen(const struct sync_ctx *c, const char *scope)
{
	const struct sync_trust *t = c->trust;
	uint32_t g = 0;
	for (size_t i = 0; t && i < t->ngn; i++)
		if (t->gn[i].gen > g && strcmp(t->gn[i].scope, scope) == 0)
			g = t->gn[i].gen;
	return g;
}

bool sync_trust_key_gen(const struct sync_ctx *c, const char *scope, uint32_t gen,
			uint8_t key[SYNC_KEY_LEN])
{
	const struct sync_trust *t = c->trust;
	if (!t || !*scope || gen >= SYNC_GENS_MAX)
		return false;
	if (t->has_master) {
		trust_gen_key(t->keys, scope, gen, key);
		return true;
	}
	if (t->has_scope && strcmp(scope, t->key_scope) == 0 && (t->held[gen / 8] >> (gen % 8) & 1)) {
		memcpy(key, t->keys + SYNC_KEY_LEN * (1 + gen), SYNC_KEY_LEN);
		return true;
	}
	return false;
}

bool sync_trust_key(const struct sync_ctx *c, const char *scope, uint8_t key[SYNC_KEY_LEN])
{
	return sync_trust_key_gen(c, scope, 0, key);
}

/* G2: a hub, the newest generation announced; a station, the newest it
 * holds of its own scope. */
bool sync_trust_key_newest(const struct sync_ctx *c, const char *scope, uint32_t *gen,
			   uint8_t key[SYNC_KEY_LEN])
{
	const struct sync_trust *t = c->trust;
	uint32_t g = 0;
	*gen = 0;
	if (!t || !*scope)
		return false;
	if (t->has_master) {
		g = sync_scope_gen(c, scope);
	} else if (t->has_scope && strcmp(scope, t->key_scope) == 0) {
		for (uint32_t i = SYNC_GENS_MAX; i-- > 0;)
			if (t->held[i / 8] >> (i % 8) & 1) {
				g = i;
				break;
			}
	}
	if (!sync_trust_key_gen(c, scope, g, key))
		return false;
	*gen = g;
	return true;
}

/* Is node revoked, by any revocation? */
static bool trust_revoked(const struct sync_trust *t, const uint8_t node[SYNC_PK_LEN])
{
	for (size_t i = 0; i < t->nrv; i++)
		if (memcmp(t->rv[i].node, node, SYNC_PK_LEN) == 0)
			return true;
	return false;
}

int sync_scope_readers(const struct sync_ctx *c, const char *scope, uint64_t ms,
		       const uint8_t (*ex)[SYNC_PK_LEN], size_t nex, uint8_t (*out)[SYNC_PK_LEN],
		       size_t max, size_t *n)
{
	const struct sync_trust *t = c->trust;
	*n = 0;
	for (size_t i = 0; t && i < t->nst; i++) {
		const struct trust_stmt *st = &t->st[i];
		bool skip = st->role != SYNC_ROLE_STATION || strcmp(st->station, scope) != 0 || ms > st->na ||
			    trust_revoked(t, st->node);
		for (size_t k = 0; k < nex && !skip; k++)
			skip = memcmp(ex[k], st->node, SYNC_PK_LEN) == 0;
		for (size_t k = 0; k < *n && !skip; k++)
			skip = memcmp(out[k], st->node, SYNC_PK_LEN) == 0;
		if (skip)
			continue;
		if (*n == max)
			return ERR_TOOBIG;
		memcpy(out[(*n)++], st->node, SYNC_PK_LEN);
	}
	return 0;
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

int sync_idnum_county_key(const struct sync_ctx *c, uint8_t key[SYNC_KEY_LEN])
{
	const struct sync_trust *t = c->trust;

	sodium_memzero(key, SYNC_KEY_LEN);
	if (!t)
		return ERR_NOTFOUND;
	if (t->has_master) /* T9: the hub derives it */
		crypto_generichash(key, SYNC_KEY_LEN, (const uint8_t *)CIDNUM_DOMAIN, sizeof(CIDNUM_DOMAIN) - 1,
				   t->keys, SYNC_KEY_LEN);
	else if (t->has_cidkey)
		memcpy(key, t->keys + SYNC_KEY_LEN * (1 + SYNC_GENS_MAX), SYNC_KEY_LEN);
	else
		return ERR_NOTFOUND;
	return 0;
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

int sync_trust_compact_readers(const struct sync_ctx *c, const char *scope, bool hub, uint64_t ms,
			       uint8_t (*out)[SYNC_PK_LEN], size_t max, size_t *n)
{
	const struct sync_trust *t = c->trust;
	*n = 0;
	if (!t)
		return 0;
	for (size_t i = 0; i < t->nst; i++) {
		const struct trust_stmt *st = &t->st[i];
		bool reads = hub ? st->role == SYNC_ROLE_HUB || !*scope || strcmp(st->station, scope) == 0
				 : st->role == SYNC_ROLE_HUB;
		bool dup = false;
		if (!reads || ms > st->na || memcmp(st->node, c->id->pk, SYNC_PK_LEN) == 0 ||
		    trust_revoked(t, st->node))
			continue;
		for (size_t k = 0; k < *n && !dup; k++)
			dup = memcmp(out[k], st->node, SYNC_PK_LEN) == 0;
		if (dup)
			continue;
		if (*n == max)
			return ERR_TOOBIG;
		memcpy(out[(*n)++], st->node, SYNC_PK_LEN);
	}
	return 0;
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

/* Is the points entry's delta an integer of sign (1: >= 0, -1: <= 0)? A
 * decoded write's value without its mask bit is zeroed (type NULL): no. */
static bool points_delta(const struct crdt_write *x, int sign)
{
	const struct crdt_value *v = &x->vals[CRDT_C_POINTS_DELTA];
	return v->type == CRDT_INT && (sign > 0 ? v->i >= 0 : v->i <= 0);
}

/* Does write i of a station's commit stay within station S (T3)? */
static int trust_other(const char **why)
{
	*why = "a station writing another station's data";
	return ERR_UNAUTH;
}

/* A station's points entry (T3): a service credit of its own order, or a
 * redemption, an adjustment or hours for a volunteer whose home it is. */
static int trust_points_write(struct sync_ctx *c, const char *S, const struct crdt_write *w,
			      size_t n, const struct crdt_write *x, const char **why)
{
	char held[CRDT_SCOPE_MAX + 1];
	const char *s;
	size_t sl;
	int rc;
	const char *reason, *ref;
	size_t rl, refl;
	if (!val_text(x, CRDT_C_POINTS_STATION, &s, &sl) || !text_is(s, sl, S))
		return trust_other(why);
	if (!val_text(x, CRDT_C_POINTS_REASON, &reason, &rl)) {
		*why = "a station's points entry must say its reason";
		return ERR_UNAUTH;
	}
	if (text_is(reason, rl, "service")) {
		if (!val_text(x, CRDT_C_POINTS_ORDER, &ref, &refl) || !points_delta(x, 1)) {
			*why = "a service credit must name its order and be positive";
			return ERR_UNAUTH;
		}
		rc = trust_row_station(c, w, n, CRDT_T_ORDERS, ref, refl, CRDT_C_ORDERS_STATION,
				       held, sizeof(held));
		if (rc || strcmp(held, S) != 0) {
			*why = "service points for an order of another station";
			return ERR_UNAUTH;
		}
		return 0;
	}
	/* a redemption, an adjustment and hours recorded outside orders
	 * (app/team.c TM6): only for a volunteer whose home is S */
	bool adjust = text_is(reason, rl, "adjust"), hours = text_is(reason, rl, "hours");
	if (adjust || hours || text_is(reason, rl, "redeem")) {
		if (!val_text(x, CRDT_C_POINTS_VOLUNTEER, &ref, &refl) ||
		    (!adjust && !points_delta(x, hours ? 1 : -1))) {
			*why = hours ? "hours must name their volunteer and not take points"
				     : "a redemption must name its volunteer and not add points";
			return ERR_UNAUTH;
		}
		rc = trust_row_station(c, w, n, CRDT_T_VOLUNTEERS, ref, refl,
				       CRDT_C_VOLUNTEERS_STATION, held, sizeof(held));
		if (rc || strcmp(held, S) != 0) {
			*why = "a redemption from a node without the volunteer's spending right";
			return ERR_UNAUTH;
		}
		return 0;
	}
	*why = "only the hub reverses points";
	return ERR_UNAUTH;
}

/* Is a sign-up of this kind one that holds or decides a seat (app/activity.c
 * A2: firm, wait, grant, defer), which only the activity's home writes? */
static bool activity_seat_kind(const char *k, size_t kl)
{
	return text_is(k, kl, "firm") || text_is(k, kl, "wait") || text_is(k, kl, "grant") ||
	       text_is(k, kl, "defer");
}

/* The home of the activity a sign-up or attendance row x names: its
 * station ("" county-wide), set in this commit or held. */
static int trust_activity_home(struct sync_ctx *c, const struct crdt_write *w, size_t n,
			       const struct crdt_write *x, char *home, size_t cap, const char **why)
{
	unsigned col = x->table == CRDT_T_ACTIVITY_SIGNUPS ? CRDT_C_ACTIVITY_SIGNUPS_ACTIVITY
							   : CRDT_C_ACTIVITY_ATTENDANCE_ACTIVITY;
	const char *ref;
	size_t refl;
	if (!val_text(x, col, &ref, &refl)) {
		*why = "a sign-up or attendance must name its activity";
		return ERR_UNAUTH;
	}
	int rc = trust_row_station(c, w, n, CRDT_T_ACTIVITIES, ref, refl, CRDT_C_ACTIVITIES_STATION, home, cap);
	if (rc == ERR_NOTFOUND)
		*why = "the activity is not held here yet: its home is unknown";
	return rc == ERR_NOTFOUND ? ERR_UNAUTH : rc;
}

/* A station's sign-up or attendance row (T3, app/activity.c A2, A3, A6):
 * in its own scope; a request or a cancellation for an activity of its
 * own or a county-wide one; a seat, a decision, a check-in or out only
 * for its own activity (it is the home). */
static int trust_activity_write(struct sync_ctx *c, const char *S, const struct crdt_write *w,
				size_t n, const struct crdt_write *x, const char **why)
{
	char home[CRDT_SCOPE_MAX + 1];
	const char *s, *k = NULL;
	size_t sl, kl = 0;
	int rc;
	bool signup = x->table == CRDT_T_ACTIVITY_SIGNUPS;
	if (!val_text(x, signup ? CRDT_C_ACTIVITY_SIGNUPS_STATION : CRDT_C_ACTIVITY_ATTENDANCE_STATION, &s,
		      &sl) ||
	    !text_is(s, sl, S))
		return trust_other(why);
	if (signup && !val_text(x, CRDT_C_ACTIVITY_SIGNUPS_KIND, &k, &kl)) {
		*why = "a sign-up must say its kind";
		return ERR_UNAUTH;
	}
	if ((rc = trust_activity_home(c, w, n, x, home, sizeof(home), why)))
		return rc;
	if (strcmp(home, S) == 0)
		return 0;
	if (signup && !home[0] && !activity_seat_kind(k, kl))
		return 0;
	*why = "a seat, a check-in or a check-out of an activity this station does not hold";
	return ERR_UNAUTH;
}

/* The hub's sign-up or attendance row: a seat, a decision, a check-in or
 * out only for a county-wide activity (its own; app/activity.c A2). */
static int trust_hub_activity(struct sync_ctx *c, const struct crdt_write *w, size_t n,
			      const struct crdt_write *x, const char **why)
{
	char home[CRDT_SCOPE_MAX + 1];
	const char *k;
	size_t kl;
	int rc;
	if (x->table != CRDT_T_ACTIVITY_ATTENDANCE &&
	    (x->table != CRDT_T_ACTIVITY_SIGNUPS || !val_text(x, CRDT_C_ACTIVITY_SIGNUPS_KIND, &k, &kl) ||
	     !activity_seat_kind(k, kl)))
		return 0;
	if ((rc = trust_activity_home(c, w, n, x, home, sizeof(home), why)))
		return rc;
	if (home[0]) {
		*why = "the hub deciding a seat or a check-in of a station's activity";
		return ERR_UNAUTH;
	}
	return 0;
}

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
	case CRDT_T_VOLUNTEERS:
	case CRDT_T_TEAMS:
	case CRDT_T_ORDERS:
	case CRDT_T_GIFTS: /* rows of a station (the gift shelf: app/gift.c G1, G3) */
	case CRDT_T_ACTIVITIES: { /* and its activities (app/activity.c A1) */
		unsigned col = x->table == CRDT_T_ORDERS ? CRDT_C_ORDERS_STATION
			       : x->table == CRDT_T_TEAMS ? CRDT_C_TEAMS_STATION
			       : x->table == CRDT_T_GIFTS ? CRDT_C_GIFTS_STATION
			       : x->table == CRDT_T_ACTIVITIES ? CRDT_C_ACTIVITIES_STATION
							  : CRDT_C_VOLUNTEERS_STATION;
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
	case CRDT_T_ORDER_EVENTS:
		if (!val_text(x, CRDT_C_ORDER_EVENTS_STATION, &s, &sl) || !text_is(s, sl, S))
			goto other;
		/* an order sent by the hub is the hub's mark (app/send.c): no
		 * station writes an event in the hub's name ("hub" is no
		 * station's id) */
		if (val_text(x, CRDT_C_ORDER_EVENTS_ACTOR, &s, &sl) && text_is(s, sl, "hub")) {
			*why = "an order event in the hub's name";
			return ERR_UNAUTH;
		}
		if (!val_text(x, CRDT_C_ORDER_EVENTS_ORDER, &s, &sl))
			return 0;
		rc = trust_row_station(c, w, n, CRDT_T_ORDERS, s, sl, CRDT_C_ORDERS_STATION, held,
				       sizeof(held));
		if (rc == 0 && strcmp(held, S) != 0)
			goto other;
		if (rc) {
			*why = "the event's order is not held here yet: its station is unknown";
			return ERR_UNAUTH;
		}
		return 0;
	case CRDT_T_POINTS:
		return trust_points_write(c, S, w, n, x, why);
	case CRDT_T_CATEGORIES: { /* the station's own menu (app/category.c C2) */
		bool sets = val_text(x, CRDT_C_CATEGORIES_STATION, &s, &sl);
		if (sets && !text_is(s, sl, S))
			goto other;
		rc = trust_row_station(c, w, i, CRDT_T_CATEGORIES, x->pk, x->pk_len, CRDT_C_CATEGORIES_STATION,
				       held, sizeof(held));
		if (rc == 0 && strcmp(held, S) != 0)
			goto other;
		if (rc == ERR_NOTFOUND && !sets) {
			*why = "the row is not held here yet: its station is unknown";
			return ERR_UNAUTH;
		}
		return rc == ERR_NOTFOUND ? 0 : rc;
	}
	case CRDT_T_GIFT_MOVES: { /* stock moves of the station's own items (G5) */
		const char *ref;
		size_t refl;
		if (!val_text(x, CRDT_C_GIFT_MOVES_STATION, &s, &sl) || !text_is(s, sl, S))
			goto other;
		if (!val_text(x, CRDT_C_GIFT_MOVES_GIFT, &ref, &refl) ||
		    x->vals[CRDT_C_GIFT_MOVES_DELTA].type != CRDT_INT) {
			*why = "a stock move must name its item and its number";
			return ERR_UNAUTH;
		}
		rc = trust_row_station(c, w, n, CRDT_T_GIFTS, ref, refl, CRDT_C_GIFTS_STATION, held,
				       sizeof(held));
		if (rc || strcmp(held, S) != 0) {
			*why = "a stock move for an item of another station";
			return ERR_UNAUTH;
		}
		return 0;
	}
	case CRDT_T_ACTIVITY_SIGNUPS:
	case CRDT_T_ACTIVITY_ATTENDANCE:
		return trust_activity_write(c, S, w, n, x, why);
	default:
		*why = "a station may not write this table";
		return ERR_UNAUTH;
	}
other:
	return trust_other(why);
}

/* A station's county-wide hours credit (T3, app/activity.c A7): of an
 * activity it made ("act:S-...:<volunteer>"), whose home, where held, is S. */
static int trust_away_activity(struct sync_ctx *c, const char *S, const struct crdt_write *x,
			       const char **why)
{
	char home[CRDT_SCOPE_MAX + 1];
	const char *s, *key;
	size_t sl, kl, Sl = strlen(S);
	int rc;
	if (!val_text(x, CRDT_C_POINTS_STATION, &s, &sl) || !text_is(s, sl, S) || !points_delta(x, 1) ||
	    !val_text(x, CRDT_C_POINTS_KEY, &key, &kl) || kl <= 4 + Sl + 1 || memcmp(key, "act:", 4) != 0 ||
	    memcmp(key + 4, S, Sl) != 0 || key[4 + Sl] != '-') {
		*why = "a station's county-wide hours must be the credit of an activity of its own";
		return ERR_UNAUTH;
	}
	const char *end = memchr(key + 4, ':', kl - 4);
	if (!end) {
		*why = "a station's county-wide hours must be the credit of an activity of its own";
		return ERR_UNAUTH;
	}
	rc = crdt_row_text(c->store, CRDT_T_ACTIVITIES, key + 4, (size_t)(end - key - 4),
			   CRDT_C_ACTIVITIES_STATION, home, sizeof(home));
	if (rc == 0 && strcmp(home, S) != 0) {
		*why = "hours of an activity of another station";
		return ERR_UNAUTH;
	}
	return rc == ERR_NOTFOUND ? 0 : rc;
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

	if (val_text(x, CRDT_C_POINTS_REASON, &s, &sl) && text_is(s, sl, "hours"))
		return trust_away_activity(c, S, x, why);
	if (!val_text(x, CRDT_C_POINTS_REASON, &s, &sl) || !text_is(s, sl, "service") ||
	    !val_text(x, CRDT_C_POINTS_STATION, &s, &sl) || !text_is(s, sl, S) || !points_delta(x, 1) ||
	    !val_text(x, CRDT_C_POINTS_ORDER, &ref, &refl)) {
		*why = "a station's county-wide points entry must be a service credit of its own";
		return ERR_UNAUTH;
	}
	if (refl <= Sl + 1 || memcmp(ref, S, Sl) != 0 || ref[Sl] != '-') {
		*why = "a service credit for an order this station did not make";
		return ERR_UNAUTH;
	}
	rc = trust_row_station(c, x, 0, CRDT_T_ORDERS, ref, refl, CRDT_C_ORDERS_STATION, held,
			       sizeof(held));
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
		bool trust_table = w[i].table == CRDT_T_ENROLMENTS || w[i].table == CRDT_T_REVOCATIONS ||
				   w[i].table == CRDT_T_SCOPE_KEYS;
		if (root != trust_table) {
			*why = root ? "the county root writes only statements, revocations and scope keys"
				    : "only the county root writes statements, revocations and scope keys";
			return ERR_UNAUTH;
		}
	}
	if (root)
		return 0;
	if (!(st = trust_find(t, author, CRDT_HLC_MS(hlc), why)))
		return ERR_UNAUTH;
	if (st->role == SYNC_ROLE_HUB) {
		/* The right to take stock is the item's station's (app/gift.c G5):
		 * the hub restocks and corrects, but takes nothing off a shelf. */
		for (size_t i = 0; i < n; i++)
			if (w[i].table == CRDT_T_GIFT_MOVES &&
			    (w[i].vals[CRDT_C_GIFT_MOVES_DELTA].type != CRDT_INT ||
			     w[i].vals[CRDT_C_GIFT_MOVES_DELTA].i < 0)) {
				*why = "the hub taking stock off a station's shelf";
				return ERR_UNAUTH;
			}
		/* Seats are the activity's home's (app/activity.c A2). */
		for (size_t i = 0; i < n; i++)
			if ((rc = trust_hub_activity(c, w, n, &w[i], why)))
				return rc;
		return 0;
	}
	if (!*scope) {
		for (size_t i = 0; i < n; i++) {
			if (w[i].op != CRDT_UPSERT) {
				*why = "a station deletes nothing of the county-wide data";
				return ERR_UNAUTH;
			}
			if (w[i].table == CRDT_T_POINTS) {
				if ((rc = trust_away_credit(c, st->station, &w[i], why)))
					return rc;
			} else if (w[i].table != CRDT_T_STATIONS || !text_is(w[i].pk, w[i].pk_len, st->station)) {
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

/* The associated data of a body (T5, G2) is ad[0, *adlen); the nonce is
 * the hash of the label and every byte of it before the format. */
static void body_ad(uint8_t *ad, size_t *adlen, const uint8_t *author, const char *scope,
		    uint64_t seq, uint64_t hlc, uint8_t format, uint32_t gen)
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
	if (format == ENC_GEN)
		for (int i = 0; i < 4; i++)
			ad[k++] = (uint8_t)(gen >> (24 - 8 * i));
	*adlen = k;
}

static void body_nonce(uint8_t n[crypto_aead_xchacha20poly1305_ietf_NPUBBYTES], const uint8_t *ad,
		       size_t adlen)
{
	crypto_generichash_state s;
	size_t fmt = ad[SYNC_PK_LEN] + SYNC_PK_LEN + 1 + 16; /* where the format byte is */
	(void)adlen;
	crypto_generichash_init(&s, NULL, 0, crypto_aead_xchacha20poly1305_ietf_NPUBBYTES);
	crypto_generichash_update(&s, (const uint8_t *)NONCE_DOMAIN, sizeof(NONCE_DOMAIN) - 1);
	crypto_generichash_update(&s, ad, fmt);
	crypto_generichash_final(&s, n, crypto_aead_xchacha20poly1305_ietf_NPUBBYTES);
}

int sync_body_encrypt_gen(struct sync_ctx *c, const uint8_t key[SYNC_KEY_LEN], uint32_t gen,
			  const struct crdt_log_entry *e, struct buf *out)
{
	uint8_t ad[ENC_AD_MAX], nonce[crypto_aead_xchacha20poly1305_ietf_NPUBBYTES];
	uint8_t format = gen ? ENC_GEN : ENC_PLAIN;
	size_t adlen, hdr;
	unsigned long long clen;
	uint8_t *p;

	(void)c;
	/* T5: F = 2 (generation 0) or 5 only, so the stored body is a
	 * function of the plaintext, the key and the generation (O3); F = 3
	 * and 4 are still read (old commits). */
	body_ad(ad, &adlen, e->author, e->scope, e->seq, e->hlc, format, gen);
	body_nonce(nonce, ad, adlen);
	hdr = ENC_HDR + (gen ? varint_len(gen) : 0);
	p = buf_reserve(out, hdr + e->body_len + ENC_TAG);
	if (!p)
		return out->err;
	p[0] = 0;
	p[1] = format;
	for (size_t i = ENC_HDR; i < hdr; i++) /* the generation, a minimal varint */
		p[i] = (uint8_t)((gen >> (7 * (i - ENC_HDR)) & 0x7f) | (i + 1 < hdr ? 0x80 : 0));
	crypto_aead_xchacha20poly1305_ietf_encrypt(p + hdr, &clen, e->body, e->body_len, ad, adlen, NULL,
						   nonce, key);
	out->len += hdr + (size_t)clen;
	return 0;
}

int sync_body_encrypt(struct sync_ctx *c, const uint8_t key[SYNC_KEY_LEN],
		      const struct crdt_log_entry *e, struct buf *out)
{
	return sync_body_encrypt_gen(c, key, 0, e, out);
}

/* The generation of a sealed body and where its ciphertext starts. */
static int body_gen_hdr(const uint8_t *body, size_t len, uint32_t *gen, size_t *hdr)
{
	struct cur c;
	uint64_t g;
	*gen = 0;
	*hdr = ENC_HDR;
	if (len < ENC_HDR || body[0] != 0)
		return ERR_CORRUPT;
	if (body[1] != ENC_GEN)
		return 0;
	cur_init(&c, body + ENC_HDR, len - ENC_HDR);
	if (cur_get_varint(&c, &g) || g == 0 || g > UINT32_MAX)
		return ERR_CORRUPT;
	*gen = (uint32_t)g;
	*hdr = ENC_HDR + c.pos;
	return 0;
}

int sync_body_gen(const uint8_t *body, size_t len, uint32_t *gen)
{
	size_t hdr;
	return body_gen_hdr(body, len, gen, &hdr);
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
	uint8_t ad[ENC_AD_MAX], nonce[crypto_aead_xchacha20poly1305_ietf_NPUBBYTES];
	size_t adlen, mcap, room, hdr;
	unsigned long long mlen;
	uint8_t *m = NULL, format;
	uint32_t gen;
	bool plain;
	int rc = 0;

	buf_reset(out);
	if (len < ENC_HDR + ENC_TAG || body[0] != 0 || strlen(scope) > CRDT_SCOPE_MAX)
		return ERR_CORRUPT;
	format = body[1];
	if (format != ENC_PLAIN && format != ENC_ZSTD && format != ENC_ZSTD_DICT && format != ENC_GEN)
		return ERR_CORRUPT; /* ENC_V1_RANDOM included: never deployed */
	if (body_gen_hdr(body, len, &gen, &hdr) || len < hdr + ENC_TAG)
		return ERR_CORRUPT;
	if (format == ENC_ZSTD_DICT && (!c->opt.dict || c->opt.dict->id != SYNC_DICT_V1_ID))
		return ERR_NODICT;
	body_ad(ad, &adlen, author, scope, seq, hlc, format, gen);
	body_nonce(nonce, ad, adlen);
	plain = format == ENC_PLAIN || format == ENC_GEN;
	/* a frame lands after room to put its magic back */
	room = plain ? 0 : ZSTD_MAGIC_LEN;
	mcap = room + len - hdr - ENC_TAG;
	if (plain) {
		if (!(m = buf_reserve(out, mcap)))
			return out->err;
	} else if (!(m = mem_alloc(mcap))) {
		return -ENOMEM;
	}
	if (crypto_aead_xchacha20poly1305_ietf_decrypt(m + room, &mlen, NULL, body + hdr, len - hdr, ad,
						       adlen, nonce, key) != 0) {
		rc = ERR_BADSIG;
		goto out;
	}
	if (plain)
		out->len = (size_t)mlen;
	else
		rc = body_decompress(c, m, room + (size_t)mlen, format == ENC_ZSTD_DICT, CRDT_BODY_MAX, out);
out:
	if (!plain) {
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
	uint32_t gen;
	int rc;

	*plain = NULL;
	*plain_len = 0;
	if (!sync_body_sealed(e->body, e->body_len)) {
		*plain = e->body;
		*plain_len = e->body_len;
		return 0;
	}
	if (sync_body_gen(e->body, e->body_len, &gen))
		return ERR_CORRUPT;
	if (!sync_trust_key_gen(c, e->scope, gen, key))
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
	if (!c->trust || !(st = trust_find(c->trust, pk, ms, &why)) || trust_revoked(c->trust, pk))
		return false; /* a revoked node reads nothing more */
	if (st->role == SYNC_ROLE_HUB)
		out->all = true;
	else if (sync_scopes_add(out, st->station))
		return false;
	return true;
}

/* The associated data of a box (O2, G5): formats 3 and 4 add the
 * generation of the key that sealed it, u32be. */
static void open_ad(uint8_t *ad, size_t *adlen, const uint8_t *author, const char *scope,
		    uint64_t first_seq, uint64_t count, uint8_t format, uint32_t gen)
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
	if (format == OPEN_GEN_ZSTD || format == OPEN_GEN_ZSTD_DICT)
		for (int i = 0; i < 4; i++)
			ad[k++] = (uint8_t)(gen >> (24 - 8 * i));
	*adlen = k;
}

static void wipe_buf(struct buf *b)
{
	if (b->data && b->cap)
		sodium_memzero(b->data, b->cap);
	buf_release(b);
}

/* How a stored body is rebuilt from a box (G5): 0 kept as it is (not
 * encrypted: written before its author held a key), g + 1 sealed (F = 2
 * or 5) under generation g; -1 neither (F = 3, 4: sent commit by commit). */
static int64_t body_form(const uint8_t *body, size_t len)
{
	uint32_t g;
	if (!sync_body_sealed(body, len))
		return 0;
	if (len < ENC_HDR || (body[1] != ENC_PLAIN && body[1] != ENC_GEN) || sync_body_gen(body, len, &g))
		return -1;
	return (int64_t)g + 1;
}

bool sync_body_boxable(const uint8_t *body, size_t len)
{
	return body_form(body, len) >= 0;
}

int sync_range_box(void *arg, const struct sync_batch *b, const struct sync_range *r,
		   uint64_t first_seq, size_t lo, size_t hi, struct buf *out)
{
	struct sync_ctx *c = arg;
	const struct sync_dict *d = c->opt.dict;
	uint8_t key[SYNC_KEY_LEN], ad[OPEN_AD_MAX], *z = NULL, *p, format;
	size_t adlen, zcap = 0, n, hdr;
	unsigned long long clen;
	struct buf m, forms, m2;
	bool dict = d && d->id == SYNC_DICT_V1_ID && c->cdict, legacy = true, has_key = false;
	uint32_t gen = 0;
	int rc = 0;

	buf_reset(out);
	buf_init(&m, SYNC_ARENA_MAX);
	buf_init(&m2, SYNC_ARENA_MAX);
	buf_init(&forms, (hi - lo) * 5 + 16);
	if (lo >= hi || !*r->scope) {
		rc = ERR_USAGE;
		goto out;
	}
	for (size_t k = lo; k < hi; k++) {
		int64_t f = body_form(b->arena.data + b->cm[k].body_off, b->cm[k].body_len);
		if (f < 0) {
			rc = ERR_USAGE;
			goto out;
		}
		legacy = legacy && f == 1;
		buf_put_varint(&forms, (uint64_t)f);
	}
	if (!(has_key = sync_trust_key_newest(c, r->scope, &gen, key))) {
		rc = ERR_UNAUTH;
		goto out;
	}
	/* G5: formats 1 and 2 (generation 0, every body F = 2) as before
	 * re-keying existed; else 3 and 4, under the newest generation */
	legacy = legacy && gen == 0;
	if ((rc = forms.err) || (rc = sync_bodies_encode(&m, b, r->scope, lo, hi)))
		goto out;
	if (!legacy) {
		if (!buf_reserve(&m2, varint_len(forms.len) + forms.len + m.len)) {
			rc = m2.err;
			goto out;
		}
		buf_put_lenbytes(&m2, forms.data, forms.len);
		buf_put(&m2, m.data, m.len);
	}
	{
		const struct buf *src = legacy ? &m : &m2;
		zcap = ZSTD_compressBound(src->len);
		if (!(z = mem_alloc(zcap))) {
			rc = -ENOMEM;
			goto out;
		}
		ZSTD_CCtx_reset(c->cctx, ZSTD_reset_session_only);
		ZSTD_CCtx_refCDict(c->cctx, dict ? c->cdict : NULL);
		n = ZSTD_compress2(c->cctx, z, zcap, src->data, src->len);
	}
	if (ZSTD_isError(n) || n <= ZSTD_MAGIC_LEN || memcmp(z, zstd_magic, ZSTD_MAGIC_LEN) != 0) {
		rc = -ENOMEM;
		goto out;
	}
	if (legacy)
		format = dict ? OPEN_ZSTD_DICT : OPEN_ZSTD;
	else
		format = dict ? OPEN_GEN_ZSTD_DICT : OPEN_GEN_ZSTD;
	hdr = legacy ? 1 : 1 + varint_len(gen);
	open_ad(ad, &adlen, r->author, r->scope, first_seq, hi - lo, format, gen);
	if (!(p = buf_reserve(out, hdr + OPEN_NONCE + n - ZSTD_MAGIC_LEN + ENC_TAG))) {
		rc = out->err;
		goto out;
	}
	p[0] = format;
	for (size_t i = 1; i < hdr; i++) /* the generation, a minimal varint */
		p[i] = (uint8_t)((gen >> (7 * (i - 1)) & 0x7f) | (i + 1 < hdr ? 0x80 : 0));
	randombytes_buf(p + hdr, OPEN_NONCE); /* O2: fresh for every box */
	crypto_aead_xchacha20poly1305_ietf_encrypt(p + hdr + OPEN_NONCE, &clen, z + ZSTD_MAGIC_LEN,
						   n - ZSTD_MAGIC_LEN, ad, adlen, NULL, p + hdr, key);
	out->len += hdr + OPEN_NONCE + (size_t)clen;
out:
	if (has_key)
		sodium_memzero(key, sizeof(key));
	if (z) {
		sodium_memzero(z, zcap);
		mem_free(z);
	}
	wipe_buf(&m);
	wipe_buf(&m2);
	buf_release(&forms);
	if (rc)
		buf_reset(out);
	return rc;
}

/* The opened range's box header (O1, G5): 0 with its format, key
 * generation and header length, or ERR_CORRUPT or ERR_NODICT with *why. */
static int unbox_header(const struct sync_ctx *c, const struct sync_batch *b, const struct sync_range *r,
			uint8_t *format, uint32_t *gen, size_t *hdr, const char **why)
{
	size_t bl = r->box_len;
	uint8_t f;

	*gen = 0;
	*hdr = 1;
	if (!r->opened || bl < 1 || r->box_off + bl > b->arena.len) {
		*why = "the opened range's box is too short";
		return ERR_CORRUPT;
	}
	f = b->arena.data[r->box_off];
	if (f != OPEN_ZSTD && f != OPEN_ZSTD_DICT && f != OPEN_GEN_ZSTD && f != OPEN_GEN_ZSTD_DICT) {
		*why = "the opened range's box has an unknown format";
		return ERR_CORRUPT;
	}
	*format = f;
	if (f == OPEN_GEN_ZSTD || f == OPEN_GEN_ZSTD_DICT) { /* G5: the generation of the box's key */
		struct cur k;
		uint64_t g;
		cur_init(&k, b->arena.data + r->box_off + 1, bl - 1);
		if (cur_get_varint(&k, &g) || g > UINT32_MAX) {
			*why = "the opened range's box has a malformed key generation";
			return ERR_CORRUPT;
		}
		*gen = (uint32_t)g;
		*hdr = 1 + k.pos;
	}
	if (bl < *hdr + OPEN_NONCE + ENC_TAG + 1) {
		*why = "the opened range's box is too short";
		return ERR_CORRUPT;
	}
	if ((f == OPEN_ZSTD_DICT || f == OPEN_GEN_ZSTD_DICT) &&
	    (!c->opt.dict || c->opt.dict->id != SYNC_DICT_V1_ID)) {
		*why = "the opened range needs the zstd dictionary, which this node lacks";
		return ERR_NODICT;
	}
	return 0;
}

/* Opens the box with the scope's key and decompresses it into pl, at most
 * max bytes (O4): 0, or ERR_BADSIG or the decompression's error with
 * *why, or -ENOMEM. The plaintext frame is wiped before it is freed. */
static int unbox_open(struct sync_ctx *c, const struct sync_batch *b, const struct sync_range *r,
		      const uint8_t key[SYNC_KEY_LEN], uint8_t format, uint32_t gen, size_t hdr, size_t max,
		      struct buf *pl, const char **why)
{
	const uint8_t *bx = b->arena.data + r->box_off; /* the arena does not move before the split */
	size_t bl = r->box_len, adlen, mcap = ZSTD_MAGIC_LEN + bl - hdr - OPEN_NONCE - ENC_TAG;
	uint8_t ad[OPEN_AD_MAX], *m;
	unsigned long long mlen;
	int rc;

	if (!(m = mem_alloc(mcap)))
		return -ENOMEM;
	open_ad(ad, &adlen, r->author, r->scope, r->first_seq, r->count, format, gen);
	if (crypto_aead_xchacha20poly1305_ietf_decrypt(m + ZSTD_MAGIC_LEN, &mlen, NULL, bx + hdr + OPEN_NONCE,
						       bl - hdr - OPEN_NONCE, ad, adlen, bx + hdr, key) != 0) {
		rc = ERR_BADSIG;
		*why = "the opened range's box does not open with the scope's key";
		goto out;
	}
	if ((rc = body_decompress(c, m, ZSTD_MAGIC_LEN + (size_t)mlen,
				  format == OPEN_ZSTD_DICT || format == OPEN_GEN_ZSTD_DICT, max, pl)))
		*why = "the opened range's compressed frame is malformed or too large";
out:
	sodium_memzero(m, mcap);
	mem_free(m);
	return rc;
}

/* The form of each of the range's count bodies (G5): read from the front
 * of a generation box's payload, or 1 for each body of a legacy box. 0
 * with the body streams that follow, or ERR_CORRUPT with *why. */
static int unbox_forms(const struct sync_range *r, const struct buf *pl, bool gens, uint32_t *form,
		       const uint8_t **streams, size_t *streams_len, const char **why)
{
	struct cur k, f;
	const uint8_t *fp;
	size_t fl;
	int rc;

	if (!gens) {
		for (size_t i = 0; i < r->count; i++)
			form[i] = 1; /* every body F = 2, generation 0 */
		*streams = pl->data;
		*streams_len = pl->len;
		return 0;
	}
	/* G5: one form per commit, exactly */
	cur_init(&k, pl->data, pl->len);
	rc = cur_get_lenbytes(&k, r->count * 10, &fp, &fl) ? ERR_CORRUPT : 0;
	cur_init(&f, fp, rc ? 0 : fl);
	for (size_t i = 0; i < r->count && !rc; i++) {
		uint64_t v;
		if (cur_get_varint(&f, &v) || v > SYNC_GENS_MAX)
			rc = ERR_CORRUPT;
		else
			form[i] = (uint32_t)v;
	}
	if (rc || !cur_done(&f)) {
		*why = "the opened range's bodies do not match its count and lengths";
		return ERR_CORRUPT;
	}
	*streams = pl->data + k.pos;
	*streams_len = pl->len - k.pos;
	return 0;
}

/* Appends each decoded body (lens[k] bytes each, one after another in
 * bodies) to the arena as its author sealed it (O3), or as written for
 * form 0, and points its commit there, and a sealed one's plaintext at
 * its place in bodies (O6): 0, or ERR_TOOBIG, ERR_CORRUPT or ERR_UNAUTH
 * with *why, or the arena's or the encryption's error. */
static int unbox_reseal(struct sync_ctx *c, struct sync_batch *b, const struct sync_range *r,
			struct sync_commit *cm, const struct buf *bodies, const size_t *lens,
			const uint32_t *form, const char **why)
{
	uint8_t kg[SYNC_KEY_LEN];
	uint32_t kgen = 0; /* kg is generation kgen - 1's key; 0: none yet */
	int rc = 0;

	for (size_t k = 0, off = 0; k < r->count && !rc; off += lens[k], k++) {
		const uint8_t *p = bodies->data + off;
		size_t len = lens[k];
		if (len > CRDT_BODY_MAX - ENC_HDR - 5 - ENC_TAG) {
			*why = "the opened range's bodies do not match its count and lengths";
			rc = ERR_TOOBIG;
			break;
		}
		cm[k].body_off = b->arena.len;
		cm[k].plain_len = 0;
		if (form[k] == 0) { /* kept as its author wrote it (G5) */
			if (len == 0 || p[0] == 0) {
				*why = "the opened range's bodies do not match its count and lengths";
				rc = ERR_CORRUPT;
				break;
			}
			buf_put(&b->arena, p, len);
			rc = b->arena.err;
			cm[k].body_len = len;
			continue;
		}
		if (kgen != form[k] && !sync_trust_key_gen(c, r->scope, form[k] - 1, kg)) {
			*why = "an opened range of a scope whose key this node does not hold";
			rc = ERR_UNAUTH;
			break;
		}
		kgen = form[k];
		struct crdt_log_entry e;
		memset(&e, 0, sizeof(e));
		memcpy(e.author, r->author, SYNC_PK_LEN);
		memcpy(e.scope, r->scope, sizeof(e.scope));
		e.seq = cm[k].seq;
		e.hlc = cm[k].hlc;
		e.body = p;
		e.body_len = len;
		rc = sync_body_encrypt_gen(c, kg, form[k] - 1, &e, &b->arena); /* O3: as the author sealed it */
		cm[k].body_len = b->arena.len - cm[k].body_off;
		cm[k].plain_off = off;
		cm[k].plain_len = len;
	}
	sodium_memzero(kg, sizeof(kg));
	return rc;
}

int sync_range_unbox(struct sync_ctx *c, struct sync_batch *b, struct sync_range *r,
		     const char **why)
{
	struct sync_commit *cm = &b->cm[r->first_commit];
	uint8_t key[SYNC_KEY_LEN], format = 0;
	size_t max, mark = b->arena.len, obound, *lens = NULL, hdr = 1;
	struct buf pl, bodies;
	bool has_key = false;
	uint32_t gen = 0, *form = NULL;
	const uint8_t *streams;
	size_t streams_len;
	int rc = 0;

	*why = NULL;
	buf_init(&pl, 1);
	buf_init(&bodies, 1);
	if ((rc = unbox_header(c, b, r, &format, &gen, &hdr, why)))
		goto out;
	if (!(has_key = sync_trust_key_gen(c, r->scope, gen, key))) {
		rc = ERR_UNAUTH;
		*why = "an opened range of a scope whose key this node does not hold";
		goto out;
	}
	/* O4: at most what count bodies (and their forms) can be, and what a
	 * chunk may hold */
	max = c->opt.decompress_max;
	if (r->count < max / (CRDT_BODY_MAX + 9))
		max = r->count * (CRDT_BODY_MAX + 9) + 16;
	buf_init(&pl, max);
	if ((rc = unbox_open(c, b, r, key, format, gen, hdr, max, &pl, why)))
		goto out;
	if (!(form = mem_calloc(r->count, sizeof(*form)))) {
		rc = -ENOMEM;
		goto out;
	}
	if ((rc = unbox_forms(r, &pl, format == OPEN_GEN_ZSTD || format == OPEN_GEN_ZSTD_DICT, form,
			      &streams, &streams_len, why)))
		goto out;
	/* O4: exactly count bodies, each length checked, nothing after; into
	 * one buffer reserved once (a stream byte gives at most 40 bytes of
	 * body: P5), never grown, so no copy of them is left behind (O5) */
	obound = streams_len < (max - 64) / 40 ? 40 * streams_len + 64 : max;
	buf_init(&bodies, obound);
	if (!(lens = mem_calloc(r->count, sizeof(*lens))) || !buf_reserve(&bodies, obound)) {
		rc = -ENOMEM;
		goto out;
	}
	if ((rc = sync_bodies_decode(streams, streams_len, r, cm, &bodies, lens))) {
		*why = "the opened range's bodies do not match its count and lengths";
		goto out;
	}
	if (!(rc = unbox_reseal(c, b, r, cm, &bodies, lens, form, why))) {
		/* O6: the plaintexts stay, as the batch's plain, until the next
		 * range replaces them or the batch is released (both wipe) */
		wipe_buf(&b->plain);
		b->plain = bodies;
		buf_init(&bodies, 1);
	}
out:
	mem_free(lens);
	mem_free(form);
	wipe_buf(&bodies);
	if (has_key)
		sodium_memzero(key, sizeof(key));
	wipe_buf(&pl);
	if (rc) {
		for (size_t k = 0; k < r->count; k++) {
			cm[k].body_off = mark;
			cm[k].body_len = 0;
			cm[k].plain_len = 0;
		}
		if (b->arena.len > mark)
			b->arena.len = mark;
		if (b->arena.err == -ENOMEM || rc == -ENOMEM)
			rc = -ENOMEM;
	}
	return rc;
}

bool sync_trust_withheld(const struct sync_ctx *c, const char *scope, const uint8_t *body, size_t len,
			 uint64_t hlc)
{
	(void)hlc;
	if (!*scope)
		return false; /* county-wide data is never encrypted (T4) */
	return !sync_body_sealed(body, len) && (c->trust || c->opt.withhold_plain);
}

uint64_t sync_ctx_withheld(const struct sync_ctx *c)
{
	return c->withheld;
}

uint64_t sync_ctx_too_large(const struct sync_ctx *c)
{
	return c->too_large;
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
	uint32_t gen;
	int rc;

	if (memcmp(e->author, c->id->pk, SYNC_PK_LEN) != 0)
		return ERR_USAGE;
	if (e->seq > 1 && prev_len == SYNC_HASH_LEN)
		ph = prev; /* only the feed's base holds the previous commit: its hash */
	else if (e->seq > 1 && sync_seal_parse(prev, prev_len, &ph, &psig))
		return ERR_CHAIN;
	if (sync_trust_key_newest(c, e->scope, &gen, key)) { /* G2 */
		rc = sync_body_encrypt_gen(c, key, gen, e, body);
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
