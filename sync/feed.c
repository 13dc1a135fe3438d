// SPDX-License-Identifier: MIT
/*
 * feed.c - identities, the per-feed hash chain, checkpoints and the sealer
 * that seals every local commit.
 *
 * Invariants:
 *  F1. hash(seq) = BLAKE2b-256("cunlian-feed-v1" || hash(seq - 1) ||
 *      author || u8 scope length || scope || u64be seq || u64be hlc ||
 *      u32be body length || body), hash(0) = 32 zero bytes. A commit's
 *      hash therefore pins every commit before it in its feed.
 *  F2. A checkpoint is the author's Ed25519 signature over
 *      "cunlian-ckpt-v1" || hash; the prefix keeps it apart from chunk
 *      signatures, which cover bytes starting "CL".
 *  F3. Every local commit is sealed kind 2 (hash + checkpoint), so any
 *      range of the author's own feed ends at a checkpoint.
 *  F4. The secret key lives only in sodium_malloc memory and is wiped
 *      (sodium_free) on release; the key file holds the 32-byte seed.
 */
#include <errno.h>
#include <fcntl.h>
#include <sodium.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "base/err.h"
#include "sync/sync_internal.h"

#define FEED_DOMAIN "cunlian-feed-v1"
#define CKPT_DOMAIN "cunlian-ckpt-v1"
#define KEY_MAGIC "cunlian-key-v1\n"

int sync_init(void)
{
	return sodium_init() < 0 ? -EIO : 0;
}

static int sync_identity_alloc(struct sync_identity *id)
{
	memset(id, 0, sizeof(*id));
	if (sync_init())
		return -EIO;
	id->sk = sodium_malloc(crypto_sign_SECRETKEYBYTES);
	return id->sk ? 0 : -ENOMEM;
}

int sync_identity_from_seed(struct sync_identity *id, const uint8_t seed[32])
{
	int rc = sync_identity_alloc(id);
	if (rc)
		return rc;
	crypto_sign_seed_keypair(id->pk, id->sk, seed);
	return 0;
}

int sync_identity_generate(struct sync_identity *id)
{
	int rc = sync_identity_alloc(id);
	if (rc)
		return rc;
	crypto_sign_keypair(id->pk, id->sk);
	return 0;
}

void sync_identity_release(struct sync_identity *id)
{
	if (id->sk)
		sodium_free(id->sk); /* wipes */
	memset(id, 0, sizeof(*id));
}

int sync_identity_save(const struct sync_identity *id, const char *path)
{
	uint8_t rec[sizeof(KEY_MAGIC) - 1 + 32];
	int fd, rc = 0;

	if (!id->sk)
		return ERR_USAGE;
	fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
	if (fd < 0)
		return errno == EEXIST ? ERR_EXISTS : -errno;
	memcpy(rec, KEY_MAGIC, sizeof(KEY_MAGIC) - 1);
	memcpy(rec + sizeof(KEY_MAGIC) - 1, id->sk, 32); /* the seed */
	if (write(fd, rec, sizeof(rec)) != (ssize_t)sizeof(rec) || fsync(fd) != 0)
		rc = errno ? -errno : -EIO;
	sodium_memzero(rec, sizeof(rec));
	if (close(fd) != 0 && !rc)
		rc = -errno;
	if (rc)
		unlink(path);
	return rc;
}

int sync_identity_load(struct sync_identity *id, const char *path)
{
	uint8_t rec[sizeof(KEY_MAGIC) - 1 + 33];
	struct stat st;
	ssize_t n;
	int fd, rc;

	memset(id, 0, sizeof(*id));
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return errno == ENOENT ? ERR_NOTFOUND : -errno;
	if (fstat(fd, &st) != 0) {
		rc = -errno;
		goto out;
	}
	if (st.st_mode & 077) {
		rc = ERR_UNAUTH;
		goto out;
	}
	n = read(fd, rec, sizeof(rec));
	if (n != (ssize_t)sizeof(rec) - 1 || memcmp(rec, KEY_MAGIC, sizeof(KEY_MAGIC) - 1) != 0) {
		rc = n < 0 ? -errno : ERR_CORRUPT;
		goto out;
	}
	rc = sync_identity_from_seed(id, rec + sizeof(KEY_MAGIC) - 1);
out:
	sodium_memzero(rec, sizeof(rec));
	close(fd);
	return rc;
}

void sync_feed_hash(uint8_t out[SYNC_HASH_LEN], const uint8_t *prev,
		    const uint8_t author[SYNC_PK_LEN], const char *scope, uint64_t seq,
		    uint64_t hlc, const uint8_t *body, size_t body_len)
{
	static const uint8_t zero[SYNC_HASH_LEN];
	crypto_generichash_state st;
	uint8_t hdr[1 + 8 + 8 + 4];
	size_t sl = strlen(scope);

	crypto_generichash_init(&st, NULL, 0, SYNC_HASH_LEN);
	crypto_generichash_update(&st, (const uint8_t *)FEED_DOMAIN, sizeof(FEED_DOMAIN) - 1);
	crypto_generichash_update(&st, prev ? prev : zero, SYNC_HASH_LEN);
	crypto_generichash_update(&st, author, SYNC_PK_LEN);
	hdr[0] = (uint8_t)sl;
	crypto_generichash_update(&st, hdr, 1);
	crypto_generichash_update(&st, (const uint8_t *)scope, sl);
	for (int i = 0; i < 8; i++) {
		hdr[i] = (uint8_t)(seq >> (56 - 8 * i));
		hdr[8 + i] = (uint8_t)(hlc >> (56 - 8 * i));
	}
	for (int i = 0; i < 4; i++)
		hdr[16 + i] = (uint8_t)((uint64_t)body_len >> (24 - 8 * i));
	crypto_generichash_update(&st, hdr, 20);
	crypto_generichash_update(&st, body, body_len);
	crypto_generichash_final(&st, out, SYNC_HASH_LEN);
}

int sync_seal_parse(const uint8_t *seal, size_t len, const uint8_t **hash, const uint8_t **sig)
{
	*hash = NULL;
	*sig = NULL;
	if (seal && len == 1 + SYNC_HASH_LEN && seal[0] == SYNC_SEAL_HASH) {
		*hash = seal + 1;
		return 0;
	}
	if (seal && len == 1 + SYNC_HASH_LEN + SYNC_SIG_LEN && seal[0] == SYNC_SEAL_SIGNED) {
		*hash = seal + 1;
		*sig = seal + 1 + SYNC_HASH_LEN;
		return 0;
	}
	if (seal && len > 1 + SYNC_HASH_LEN + 1 && seal[0] == SYNC_SEAL_PROOF) {
		*hash = seal + 1; /* its checkpoint is a later commit's (delta.c P1) */
		return 0;
	}
	return ERR_CORRUPT;
}

bool sync_seal_proof(const uint8_t *seal, size_t len, const uint8_t **p, size_t *n)
{
	*p = NULL;
	*n = 0;
	if (!seal || len <= 1 + SYNC_HASH_LEN + 1 || seal[0] != SYNC_SEAL_PROOF)
		return false;
	*p = seal + 1 + SYNC_HASH_LEN;
	*n = len - 1 - SYNC_HASH_LEN;
	return true;
}

int sync_checkpoint_sign(const struct sync_identity *id, const uint8_t hash[SYNC_HASH_LEN],
			 uint8_t sig[SYNC_SIG_LEN])
{
	uint8_t m[sizeof(CKPT_DOMAIN) - 1 + SYNC_HASH_LEN];
	memcpy(m, CKPT_DOMAIN, sizeof(CKPT_DOMAIN) - 1);
	memcpy(m + sizeof(CKPT_DOMAIN) - 1, hash, SYNC_HASH_LEN);
	return crypto_sign_detached(sig, NULL, m, sizeof(m), id->sk) == 0 ? 0 : ERR_USAGE;
}

bool sync_checkpoint_verify(const uint8_t author[SYNC_PK_LEN], const uint8_t hash[SYNC_HASH_LEN],
			    const uint8_t sig[SYNC_SIG_LEN])
{
	uint8_t m[sizeof(CKPT_DOMAIN) - 1 + SYNC_HASH_LEN];
	memcpy(m, CKPT_DOMAIN, sizeof(CKPT_DOMAIN) - 1);
	memcpy(m + sizeof(CKPT_DOMAIN) - 1, hash, SYNC_HASH_LEN);
	return crypto_sign_verify_detached(sig, m, sizeof(m), author) == 0;
}

static int sync_feed_seal(void *arg, const struct crdt_log_entry *e, const uint8_t *prev,
			  size_t prev_len, struct buf *seal, struct buf *body)
{
	const struct sync_identity *id = arg;
	const uint8_t *ph = NULL, *psig;
	uint8_t h[SYNC_HASH_LEN], sig[SYNC_SIG_LEN];
	(void)body;

	if (memcmp(e->author, id->pk, SYNC_PK_LEN) != 0)
		return ERR_USAGE; /* the store's author is not this identity */
	if (e->seq > 1 && prev_len == SYNC_HASH_LEN)
		ph = prev; /* only the feed's base holds the previous commit: its hash */
	else if (e->seq > 1 && sync_seal_parse(prev, prev_len, &ph, &psig))
		return ERR_CHAIN; /* the previous commit was never sealed */
	sync_feed_hash(h, ph, e->author, e->scope, e->seq, e->hlc, e->body, e->body_len);
	if (sync_checkpoint_sign(id, h, sig))
		return ERR_USAGE;
	buf_put_u8(seal, SYNC_SEAL_SIGNED);
	buf_put(seal, h, sizeof(h));
	buf_put(seal, sig, sizeof(sig));
	return seal->err;
}

void sync_feed_sealer(struct crdt_sealer *out, const struct sync_identity *id)
{
	out->seal = sync_feed_seal;
	out->arg = (void *)id;
}
