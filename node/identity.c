// SPDX-License-Identifier: MIT
/*
 * identity.c - the node's Ed25519 key pair (until sync/'s struct
 * sync_identity takes over: keep this file small and swappable).
 *
 * identity.key holds the 64-byte libsodium secret key (seed || public
 * key), raw, mode 0600. The secret key is only ever in sodium_malloc
 * memory and is wiped before it is freed; the program keeps only the
 * public key, which is the author id of every commit this node makes.
 */
#include <errno.h>
#include <fcntl.h>
#include <sodium.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "base/err.h"
#include "node/node.h"

static int node_identity_sodium(void)
{
	return sodium_init() < 0 ? -EIO : 0;
}

int node_identity_create(const char *path, uint8_t pk[CRDT_AUTHOR_LEN])
{
	unsigned char *sk = NULL;
	int fd = -1, rc;

	memset(pk, 0, CRDT_AUTHOR_LEN);
	if ((rc = node_identity_sodium()))
		return rc;
	sk = sodium_malloc(crypto_sign_SECRETKEYBYTES);
	if (!sk)
		return -ENOMEM;
	crypto_sign_keypair(pk, sk);
	fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
	if (fd < 0) {
		rc = errno == EEXIST ? ERR_EXISTS : -errno;
		goto out;
	}
	if (fchmod(fd, 0600) < 0 || write(fd, sk, crypto_sign_SECRETKEYBYTES) !=
					    (ssize_t)crypto_sign_SECRETKEYBYTES ||
	    fsync(fd) < 0) {
		rc = -errno ? -errno : -EIO;
		close(fd);
		fd = -1;
		unlink(path);
		goto out;
	}
	rc = 0;
out:
	if (fd >= 0 && close(fd) < 0 && !rc)
		rc = -errno;
	sodium_free(sk); /* wipes */
	if (rc)
		memset(pk, 0, CRDT_AUTHOR_LEN);
	return rc;
}

int node_identity_load(const char *path, uint8_t pk[CRDT_AUTHOR_LEN])
{
	unsigned char *sk = NULL;
	struct stat sb;
	int fd, rc;

	memset(pk, 0, CRDT_AUTHOR_LEN);
	if ((rc = node_identity_sodium()))
		return rc;
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return errno == ENOENT ? ERR_NOTFOUND : -errno;
	sk = sodium_malloc(crypto_sign_SECRETKEYBYTES + 1);
	if (!sk) {
		rc = -ENOMEM;
		goto out;
	}
	if (fstat(fd, &sb) < 0 || sb.st_size != crypto_sign_SECRETKEYBYTES ||
	    read(fd, sk, crypto_sign_SECRETKEYBYTES + 1) != (ssize_t)crypto_sign_SECRETKEYBYTES) {
		rc = ERR_CORRUPT;
		goto out;
	}
	/* The public half is stored in the key; check it matches the seed. */
	unsigned char seed_pk[crypto_sign_PUBLICKEYBYTES];
	crypto_sign_ed25519_sk_to_pk(pk, sk);
	unsigned char *sk2 = sodium_malloc(crypto_sign_SECRETKEYBYTES);
	if (!sk2) {
		rc = -ENOMEM;
		goto out;
	}
	crypto_sign_seed_keypair(seed_pk, sk2, sk);
	sodium_free(sk2);
	rc = sodium_memcmp(seed_pk, pk, sizeof(seed_pk)) == 0 ? 0 : ERR_CORRUPT;
out:
	close(fd);
	sodium_free(sk);
	if (rc)
		memset(pk, 0, CRDT_AUTHOR_LEN);
	return rc;
}
