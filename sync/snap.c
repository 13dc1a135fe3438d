// SPDX-License-Identifier: MIT
/*
 * snap.c - the signed snapshot container: one scope's state (crdt/snapshot.c)
 * compressed, sealed for the scope's readers when the scope is a station's,
 * and signed by the hub that made it (docs/protocol.md "Snapshots").
 *
 * Layout (integers big-endian):
 *   "CLSN" u8 version(1) u8 flags (1: sealed)
 *   u8 len(scope) scope
 *   signer[32] u16 len(cert) cert (the signer's statement; may be empty)
 *   u64 made_ms (the signer's clock) u32 raw_len (the export's bytes)
 *   [sealed: u32 gen, nonce[24]]
 *   u32 len(body) body: a zstd frame of the export, or (sealed) the
 *       XChaCha20-Poly1305 of that frame under generation gen of the
 *       scope's key, the associated data being every byte before body
 *   sig[64]: Ed25519 of the signer over "cunlian-snap-v1" || every byte
 *       before it
 *
 * Invariants (checked in this order; the first that fails refuses the
 * whole snapshot with its reason, and the replica is untouched):
 *  S1. Every length is checked against the bytes left and its bound
 *      before use: the container at most SYNC_SNAP_MAX, raw_len at most
 *      CRDT_SNAP_MAX, the scope at most CRDT_SCOPE_MAX.
 *  S2. The signature verifies under signer, before anything is decrypted
 *      or decompressed.
 *  S3. The signer is trusted: with a county root, a hub whose statement
 *      the node holds and that no revocation covers at made_ms, or whose
 *      statement (carried in cert, signed by the root, role hub, period
 *      covering made_ms) the node checks itself (a new node that has not
 *      learned the county's enrolments yet); without one (an unenrolled
 *      county), exactly the peer the caller trusts (the one it syncs
 *      with, as it trusts that peer's deltas).
 *  S4. The scope is the one asked for and one the node merges.
 *  S5. With a county root, a station scope's snapshot must be sealed and
 *      opens only with the scope's key (a relay never reads it); scope ""
 *      is never sealed.
 *  S6. The frame is decompressed only when it declares exactly raw_len,
 *      into a buffer of that size, which it must fill.
 *  S7. The export decodes whole (crdt_snapshot_decode), names the same
 *      scope, and every head's checkpoint verifies under its author.
 *  S8. The county root's feed is never in a snapshot's heads: trust is
 *      learned from its commits (trust.c T1), so they always come by sync.
 *  S9. A relay keeps a hub's snapshot to pass it on (sync_snapshot_check,
 *      docs/replica.md R9): S1-S8 without the import, for any scope it
 *      was asked for; a station scope it holds no key of is checked up to
 *      S5 (signature, signer, scope, sealed) and passed on unread. It
 *      never makes or signs one itself, and never imports what it keeps.
 */
#include <errno.h>
#include <sodium.h>
#include <string.h>
#include <zstd.h>

#include "base/err.h"
#include "base/mem.h"
#include "sync/sync_internal.h"

#define SNAP_MAGIC "CLSN"
#define SNAP_VERSION 1
#define SNAP_SEALED 1
#define SNAP_DOMAIN "cunlian-snap-v1"
#define SNAP_NONCE crypto_aead_xchacha20poly1305_ietf_NPUBBYTES
#define SNAP_TAG crypto_aead_xchacha20poly1305_ietf_ABYTES
#define SNAP_LEVEL 6
#define SNAP_WINDOW_LOG 23

static void snap_why(struct sync_snap_info *info, const char *why)
{
	if (info && !info->why)
		info->why = why;
}

static int snap_split(const uint8_t *seal, size_t len, uint8_t hash[32], uint8_t sig[64], bool *has_sig)
{
	const uint8_t *h, *s;
	int rc = sync_seal_parse(seal, len, &h, &s);
	if (rc)
		return rc;
	memcpy(hash, h, SYNC_HASH_LEN);
	*has_sig = s != NULL;
	if (s)
		memcpy(sig, s, SYNC_SIG_LEN);
	return 0;
}

static int snap_sign(const struct sync_identity *id, const uint8_t *p, size_t len, uint8_t sig[SYNC_SIG_LEN])
{
	crypto_sign_state st;
	crypto_sign_init(&st);
	crypto_sign_update(&st, (const uint8_t *)SNAP_DOMAIN, sizeof(SNAP_DOMAIN) - 1);
	crypto_sign_update(&st, p, len);
	return crypto_sign_final_create(&st, sig, NULL, id->sk) == 0 ? 0 : ERR_USAGE;
}

static bool snap_verify(const uint8_t signer[SYNC_PK_LEN], const uint8_t *p, size_t len,
			const uint8_t sig[SYNC_SIG_LEN])
{
	crypto_sign_state st;
	crypto_sign_init(&st);
	crypto_sign_update(&st, (const uint8_t *)SNAP_DOMAIN, sizeof(SNAP_DOMAIN) - 1);
	crypto_sign_update(&st, p, len);
	return crypto_sign_final_verify(&st, sig, signer) == 0;
}

int sync_snapshot_make(struct sync_ctx *c, const char *scope, uint64_t wall_ms, struct buf *out,
		       struct sync_snap_info *info)
{
	struct crdt_snap_export ex = { .skip_author = c->opt.county_root, .split = snap_split };
	struct buf raw, z;
	uint8_t key[SYNC_KEY_LEN], sig[SYNC_SIG_LEN];
	uint32_t gen = 0;
	bool sealed = c->trust && *scope, has_key = false;
	size_t start = out->len, cert_len = c->opt.self_cert ? c->opt.self_cert_len : 0;
	ZSTD_CCtx *cc = NULL;
	int rc;

	if (info)
		memset(info, 0, sizeof(*info));
	if (!scope || strlen(scope) > CRDT_SCOPE_MAX || cert_len > UINT16_MAX)
		return ERR_USAGE;
	buf_init(&raw, CRDT_SNAP_MAX);
	buf_init(&z, SYNC_SNAP_MAX);
	if (sealed && !(has_key = sync_trust_key_newest(c, scope, &gen, key))) {
		rc = ERR_UNAUTH; /* S5: this node cannot seal the scope for its readers */
		snap_why(info, "this node does not hold the scope's key");
		goto out;
	}
	if ((rc = crdt_snapshot_export(c->store, scope, &ex, &raw)))
		goto out;
	/* compress (a level that a hub makes a city's county scope with in
	 * well under a second; the window bounded for the reader, S6) */
	if (!(cc = ZSTD_createCCtx())) {
		rc = -ENOMEM;
		goto out;
	}
	ZSTD_CCtx_setParameter(cc, ZSTD_c_compressionLevel, SNAP_LEVEL);
	ZSTD_CCtx_setParameter(cc, ZSTD_c_windowLog, SNAP_WINDOW_LOG);
	ZSTD_CCtx_setParameter(cc, ZSTD_c_contentSizeFlag, 1);
	size_t bound = ZSTD_compressBound(raw.len);
	if (bound + SNAP_TAG > SYNC_SNAP_MAX || !buf_reserve(&z, bound + SNAP_TAG)) {
		rc = ERR_TOOBIG;
		goto out;
	}
	size_t zn = ZSTD_compress2(cc, z.data, bound, raw.data, raw.len);
	if (ZSTD_isError(zn)) {
		rc = -ENOMEM;
		goto out;
	}
	z.len = zn;
	buf_put(out, SNAP_MAGIC, 4);
	buf_put_u8(out, SNAP_VERSION);
	buf_put_u8(out, sealed ? SNAP_SEALED : 0);
	buf_put_u8(out, (uint8_t)strlen(scope));
	buf_put(out, scope, strlen(scope));
	buf_put(out, c->id->pk, SYNC_PK_LEN);
	buf_put_u16be(out, (uint16_t)cert_len);
	if (cert_len)
		buf_put(out, c->opt.self_cert, cert_len);
	buf_put_u64be(out, wall_ms);
	buf_put_u32be(out, (uint32_t)raw.len);
	if (sealed) {
		uint8_t nonce[SNAP_NONCE];
		randombytes_buf(nonce, sizeof(nonce));
		buf_put_u32be(out, gen);
		buf_put(out, nonce, sizeof(nonce));
		buf_put_u32be(out, (uint32_t)(z.len + SNAP_TAG));
		if ((rc = out->err))
			goto out;
		uint8_t *p = buf_reserve(out, z.len + SNAP_TAG);
		if (!p) {
			rc = out->err;
			goto out;
		}
		unsigned long long clen;
		/* associated data: every byte before the body */
		crypto_aead_xchacha20poly1305_ietf_encrypt(p, &clen, z.data, z.len, out->data + start,
							   out->len - start, NULL, nonce, key);
		out->len += (size_t)clen;
	} else {
		buf_put_u32be(out, (uint32_t)z.len);
		buf_put(out, z.data, z.len);
	}
	if ((rc = out->err))
		goto out;
	if ((rc = snap_sign(c->id, out->data + start, out->len - start, sig)))
		goto out;
	buf_put(out, sig, sizeof(sig));
	if (!(rc = out->err) && out->len - start > SYNC_SNAP_MAX)
		rc = ERR_TOOBIG;
	if (info) {
		snprintf(info->scope, sizeof(info->scope), "%s", scope);
		memcpy(info->signer, c->id->pk, SYNC_PK_LEN);
		info->made_ms = wall_ms;
		info->raw_len = raw.len;
		info->sealed = sealed;
	}
out:
	if (has_key)
		sodium_memzero(key, sizeof(key));
	ZSTD_freeCCtx(cc);
	buf_release(&raw);
	buf_release(&z);
	if (rc) {
		out->len = start; /* nothing half-written */
		out->err = 0;
	}
	return rc;
}

int sync_snapshot_signer(const uint8_t *p, size_t len, uint8_t out[SYNC_PK_LEN])
{
	struct cur k;
	const uint8_t *m, *sc, *signer;
	uint8_t ver, flags, sl;
	memset(out, 0, SYNC_PK_LEN);
	cur_init(&k, p, len);
	if (cur_get_bytes(&k, 4, &m) || memcmp(m, SNAP_MAGIC, 4) != 0 || cur_get_u8(&k, &ver) ||
	    ver != SNAP_VERSION || cur_get_u8(&k, &flags) || cur_get_u8(&k, &sl) || sl > CRDT_SCOPE_MAX ||
	    cur_get_bytes(&k, sl, &sc) || cur_get_bytes(&k, SYNC_PK_LEN, &signer))
		return ERR_CORRUPT;
	memcpy(out, signer, SYNC_PK_LEN);
	return 0;
}

int sync_snapshot_made(const uint8_t *p, size_t len, uint64_t *made_ms)
{
	struct cur k;
	const uint8_t *m, *skip;
	uint8_t ver, flags, sl;
	uint16_t cl;
	*made_ms = 0;
	cur_init(&k, p, len);
	if (cur_get_bytes(&k, 4, &m) || memcmp(m, SNAP_MAGIC, 4) != 0 || cur_get_u8(&k, &ver) ||
	    ver != SNAP_VERSION || cur_get_u8(&k, &flags) || cur_get_u8(&k, &sl) || sl > CRDT_SCOPE_MAX ||
	    cur_get_bytes(&k, (size_t)sl + SYNC_PK_LEN, &skip) || cur_get_u16be(&k, &cl) ||
	    (cl && cur_get_bytes(&k, cl, &skip)) || cur_get_u64be(&k, made_ms))
		return ERR_CORRUPT;
	return 0;
}

/* S3: may signer vouch for a snapshot made at ms? */
static int snap_signer_ok(struct sync_ctx *c, const uint8_t signer[SYNC_PK_LEN], const char *scope,
			  const uint8_t *cert, size_t cert_len, uint64_t ms, const uint8_t *peer,
			  struct sync_snap_info *info)
{
	char station[CRDT_SCOPE_MAX + 1];
	uint8_t role = 0;
	const char *why = NULL;

	if (!c->trust) {
		if (peer && memcmp(peer, signer, SYNC_PK_LEN) == 0)
			return 0;
		snap_why(info, "signed by another node than the peer this node syncs with");
		return ERR_UNAUTH;
	}
	if (sync_ctx_enrolment(c, signer, station, sizeof(station), &role) == 0) {
		if (role != SYNC_ROLE_HUB) {
			snap_why(info, "signed by a node that is not a hub");
			return ERR_UNAUTH;
		}
		/* any revocation of its feed in the scope (whatever seq it
		 * starts at), or by time from before made_ms, refuses it */
		int rc = sync_trust_author(c, signer, scope, INT64_MAX, CRDT_HLC(ms, 0), &why);
		if (rc)
			snap_why(info, why ? why : "the hub's enrolment does not allow it");
		return rc;
	}
	struct sync_statement st;
	if (!cert_len || sync_statement_decode(cert, cert_len, &st) != 0) {
		snap_why(info, "signed by a node this county has not enrolled");
		return ERR_UNAUTH;
	}
	if (memcmp(st.root, c->opt.county_root, SYNC_PK_LEN) != 0 || memcmp(st.node, signer, SYNC_PK_LEN) != 0 ||
	    st.role != SYNC_ROLE_HUB || ms < st.not_before || ms > st.not_after) {
		snap_why(info, "the signer's statement is not a hub's of this county for that time");
		return ERR_UNAUTH;
	}
	return 0;
}

/* S1-S8 over the bytes p, into *out (which borrows raw: the caller
 * releases both, raw wiped). how: SYNC_SNAP_KEEP (a relay: any scope,
 * a sealed one it cannot open only S1-S5, *opened false), SYNC_SNAP_NOSIG
 * (S2 and S3 skipped: bytes this node checked when it kept them). */
static int snap_open(struct sync_ctx *c, const uint8_t *p, size_t len, const char *want_scope,
		     const uint8_t *peer, unsigned how, struct sync_snap_info *info, struct buf *raw,
		     struct crdt_snapshot *out, bool *opened)
{
	struct cur k;
	const uint8_t *m, *sc, *signer, *cert = NULL, *nonce = NULL, *body, *sig;
	uint8_t ver, flags, sl, key[SYNC_KEY_LEN];
	uint16_t cert_len;
	uint32_t raw_len, gen = 0, body_len;
	uint64_t made;
	char scope[CRDT_SCOPE_MAX + 1];
	struct buf z;
	bool has_key = false;
	int rc = ERR_CORRUPT;

	*opened = false;
	buf_init(&z, SYNC_SNAP_MAX);
	if (len > SYNC_SNAP_MAX) {
		rc = ERR_TOOBIG;
		snap_why(info, "larger than a snapshot may be");
		goto out;
	}
	/* S1 */
	cur_init(&k, p, len);
	if (cur_get_bytes(&k, 4, &m) || memcmp(m, SNAP_MAGIC, 4) != 0) {
		snap_why(info, "not a snapshot");
		goto out;
	}
	if (cur_get_u8(&k, &ver) || ver != SNAP_VERSION || cur_get_u8(&k, &flags) || (flags & ~SNAP_SEALED) ||
	    cur_get_u8(&k, &sl) || sl > CRDT_SCOPE_MAX || cur_get_bytes(&k, sl, &sc) || memchr(sc, 0, sl) ||
	    cur_get_bytes(&k, SYNC_PK_LEN, &signer) || cur_get_u16be(&k, &cert_len) ||
	    (cert_len && cur_get_bytes(&k, cert_len, &cert)) || cur_get_u64be(&k, &made) ||
	    cur_get_u32be(&k, &raw_len) ||
	    ((flags & SNAP_SEALED) && (cur_get_u32be(&k, &gen) || cur_get_bytes(&k, SNAP_NONCE, &nonce))) ||
	    cur_get_u32be(&k, &body_len)) {
		snap_why(info, "the header is cut short or malformed");
		goto out;
	}
	memcpy(scope, sc, sl);
	scope[sl] = '\0';
	if (info) {
		snprintf(info->scope, sizeof(info->scope), "%s", scope);
		memcpy(info->signer, signer, SYNC_PK_LEN);
		info->made_ms = made;
		info->raw_len = raw_len;
		info->sealed = flags & SNAP_SEALED;
	}
	size_t signed_len = k.pos + (size_t)body_len;
	if (raw_len > CRDT_SNAP_MAX) {
		rc = ERR_TOOBIG;
		snap_why(info, "its contents would be larger than a snapshot may be");
		goto out;
	}
	if (cur_get_bytes(&k, body_len, &body) || cur_get_bytes(&k, SYNC_SIG_LEN, &sig) || !cur_done(&k)) {
		snap_why(info, "cut short, or bytes after its end");
		goto out;
	}
	/* S2 */
	if (!(how & SYNC_SNAP_NOSIG) && !snap_verify(signer, p, signed_len, sig)) {
		rc = ERR_BADSIG;
		snap_why(info, "the signature does not verify: the bytes were changed");
		goto out;
	}
	/* S3, S4 */
	if (!(how & SYNC_SNAP_NOSIG) && (rc = snap_signer_ok(c, signer, scope, cert, cert_len, made, peer, info)))
		goto out;
	if ((want_scope && strcmp(want_scope, scope) != 0) ||
	    (!(how & SYNC_SNAP_KEEP) && !sync_scopes_has(&c->opt.apply, scope))) {
		rc = ERR_UNAUTH;
		snap_why(info, "a scope this node did not ask for or does not keep");
		goto out;
	}
	/* S5 */
	if ((flags & SNAP_SEALED) && !*scope) {
		snap_why(info, "the county-wide scope is never sealed");
		rc = ERR_CORRUPT;
		goto out;
	}
	if (c->trust && *scope && !(flags & SNAP_SEALED)) {
		rc = ERR_UNAUTH;
		snap_why(info, "a station's data not sealed for its readers");
		goto out;
	}
	if (flags & SNAP_SEALED) {
		if (body_len < SNAP_TAG) {
			snap_why(info, "the sealed body is cut short");
			goto out;
		}
		if (!(has_key = sync_trust_key_gen(c, scope, gen, key)) && (how & SYNC_SNAP_KEEP)) {
			rc = 0; /* a relay passes on what it cannot read (S5) */
			goto out;
		}
		if (!has_key) {
			rc = ERR_UNAUTH;
			snap_why(info, "this node does not hold the key of that scope");
			goto out;
		}
		unsigned long long mlen;
		uint8_t *d = buf_reserve(&z, body_len - SNAP_TAG);
		if (!d) {
			rc = z.err;
			goto out;
		}
		if (crypto_aead_xchacha20poly1305_ietf_decrypt(d, &mlen, NULL, body, body_len, p,
							       (size_t)(body - p), nonce, key) != 0) {
			rc = ERR_BADSIG;
			snap_why(info, "the sealed body does not open with the scope's key");
			goto out;
		}
		z.len = (size_t)mlen;
	} else {
		buf_put(&z, body, body_len);
		if ((rc = z.err))
			goto out;
	}
	/* S6 */
	unsigned long long size = ZSTD_getFrameContentSize(z.data, z.len);
	size_t fsz = ZSTD_findFrameCompressedSize(z.data, z.len);
	if (size != raw_len || ZSTD_isError(fsz) || fsz != z.len) {
		rc = ERR_CORRUPT;
		snap_why(info, "the compressed contents do not declare the size the header gives");
		goto out;
	}
	uint8_t *d = buf_reserve(raw, raw_len ? raw_len : 1);
	if (!d) {
		rc = raw->err;
		goto out;
	}
	ZSTD_DCtx_reset(c->dctx, ZSTD_reset_session_and_parameters);
	ZSTD_DCtx_setParameter(c->dctx, ZSTD_d_windowLogMax, SNAP_WINDOW_LOG);
	size_t got = ZSTD_decompressDCtx(c->dctx, d, raw_len, z.data, z.len);
	ZSTD_DCtx_reset(c->dctx, ZSTD_reset_session_and_parameters);
	if (ZSTD_isError(got) || got != raw_len) {
		rc = ERR_CORRUPT;
		snap_why(info, "the compressed contents do not decompress");
		goto out;
	}
	raw->len = raw_len;
	/* S7 */
	if ((rc = crdt_snapshot_decode(raw->data, raw->len, out)) || strcmp(out->scope, scope) != 0) {
		rc = rc ? rc : ERR_CORRUPT;
		snap_why(info, "its contents do not decode");
		goto out;
	}
	for (size_t i = 0; i < out->nheads; i++) {
		const struct crdt_snap_head *h = &out->heads[i];
		if (c->opt.county_root && memcmp(h->author, c->opt.county_root, SYNC_PK_LEN) == 0) {
			rc = ERR_CORRUPT; /* S8 */
			snap_why(info, "it names the county root's feed");
			goto out;
		}
		if (h->has_sig && !sync_checkpoint_verify(h->author, h->hash, h->sig)) {
			rc = ERR_BADSIG;
			snap_why(info, "a feed's checkpoint does not verify");
			goto out;
		}
	}
	if (info) {
		info->nheads = out->nheads;
		info->nentries = out->nentries;
	}
	*opened = true;
	rc = 0;
out:
	if (has_key)
		sodium_memzero(key, sizeof(key));
	if (z.data)
		sodium_memzero(z.data, z.len);
	buf_release(&z);
	return rc;
}

static void snap_close(struct buf *raw, struct crdt_snapshot *snap)
{
	crdt_snapshot_release(snap);
	if (raw->data) /* a station's data in plaintext */
		sodium_memzero(raw->data, raw->len);
	buf_release(raw);
}

int sync_snapshot_apply(struct sync_ctx *c, const uint8_t *p, size_t len, const char *want_scope,
			const uint8_t *peer, uint64_t wall_ms, struct sync_snap_info *info)
{
	struct buf raw;
	struct crdt_snapshot snap;
	struct sync_snap_info local;
	bool opened;
	int rc;

	if (!info)
		info = &local;
	memset(info, 0, sizeof(*info));
	memset(&snap, 0, sizeof(snap));
	buf_init(&raw, CRDT_SNAP_MAX);
	if ((rc = snap_open(c, p, len, want_scope, peer, 0, info, &raw, &snap, &opened)))
		goto out;
	uint64_t made = info->made_ms;
	if ((rc = crdt_snapshot_import(c->store, wall_ms > made ? wall_ms : made, &snap))) {
		snap_why(info, rc == ERR_CLOCK ? "a clock in it is too far in the future" : "the replica could not take it");
		goto out;
	}
	rc = sync_trust_refresh(c);
out:
	snap_close(&raw, &snap);
	return rc;
}

int sync_snapshot_check(struct sync_ctx *c, const uint8_t *p, size_t len, const char *want_scope,
			const uint8_t *peer, unsigned how, struct sync_snap_info *info,
			struct sync_snap_feed **feeds, size_t *nfeeds, bool *opened)
{
	struct buf raw;
	struct crdt_snapshot snap;
	int rc;

	*feeds = NULL;
	*nfeeds = 0;
	if (info)
		memset(info, 0, sizeof(*info));
	memset(&snap, 0, sizeof(snap));
	buf_init(&raw, CRDT_SNAP_MAX);
	rc = snap_open(c, p, len, want_scope, peer, how | SYNC_SNAP_KEEP, info, &raw, &snap, opened);
	if (rc == 0 && *opened && snap.nheads) {
		if (!(*feeds = mem_alloc(snap.nheads * sizeof(**feeds)))) {
			rc = -ENOMEM;
			goto out;
		}
		for (size_t i = 0; i < snap.nheads; i++) {
			memcpy((*feeds)[i].author, snap.heads[i].author, SYNC_PK_LEN);
			(*feeds)[i].seq = snap.heads[i].seq;
		}
		*nfeeds = snap.nheads;
	}
out:
	snap_close(&raw, &snap);
	return rc;
}
