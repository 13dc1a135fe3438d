// SPDX-License-Identifier: MIT
/*
 * idnum.c - volunteers' resident ID numbers (issue 4): which key hashes
 * them, and taking a typed number in: check it, keep only its keyed hash
 * and its last four characters, wipe every copy.
 *
 * Invariants:
 *  I1. A typed number is copied only into sodium_malloc'd memory, wiped
 *      when freed; the text it came from is wiped by its owner (argv by
 *      node/cmd_volunteer.c, a CSV field by the reader). It is never
 *      printed, logged, committed or written anywhere: messages about a
 *      number name only a position or its last four characters.
 *  I2. The key of a station's numbers is sync_idnum_key() when this node
 *      holds that station's scope key (an enrolled station for itself,
 *      the hub for any), so the station and the hub hash a number alike.
 *      Otherwise (not enrolled, a demo) it is idnum.key in the home: 32
 *      random bytes made at first use, mode 0600, published whole by a
 *      hard link so two runs never see half a file. Hashes under that key
 *      compare only on this node.
 *  I3. Keys live in sodium_malloc'd memory; the caller sodium_free()s.
 *  I4. Beside the station's hash, a number is hashed under the county ID
 *      key when this node holds it (the hub; a station the root sealed it
 *      to: sync/trust.c T9) into id_chash, which lets the hub find one
 *      person registered at two stations (cunlian report --duplicates).
 */
#include <errno.h>
#include <fcntl.h>
#include <sodium.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "base/err.h"
#include "base/idnum.h"
#include "app/idnum.h"

#define IDKEY_FILE "idnum.key"
#define IDNUM_TYPED_MAX 64 /* longer than this is refused unread */

static int app_idkey_read(const char *path, uint8_t *key)
{
	struct stat sb;
	int rc = 0, fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
	if (fd < 0)
		return errno == ENOENT ? ERR_NOTFOUND : -errno;
	if (fstat(fd, &sb) != 0)
		rc = -errno;
	else if (!S_ISREG(sb.st_mode) || sb.st_size != SYNC_KEY_LEN)
		rc = ERR_CORRUPT;
	else if (sb.st_mode & 077)
		rc = ERR_UNAUTH;
	else if (read(fd, key, SYNC_KEY_LEN) != SYNC_KEY_LEN)
		rc = ERR_CORRUPT;
	close(fd);
	if (rc)
		sodium_memzero(key, SYNC_KEY_LEN);
	return rc;
}

/* Make idnum.key: write a temporary file, then link it into place, so a
 * run that loses the race reads the winner's whole key (I2). */
static int app_idkey_make(const char *path, uint8_t *key)
{
	char tmp[APP_PATH_MAX + 48];
	int rc = 0, fd;

	snprintf(tmp, sizeof(tmp), "%s.%ld.tmp", path, (long)getpid());
	fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, 0600);
	if (fd < 0)
		return -errno;
	randombytes_buf(key, SYNC_KEY_LEN);
	if (write(fd, key, SYNC_KEY_LEN) != SYNC_KEY_LEN || fsync(fd) != 0)
		rc = errno ? -errno : -EIO;
	if (close(fd) != 0 && !rc)
		rc = -errno;
	if (!rc && link(tmp, path) != 0)
		rc = errno == EEXIST ? 1 : -errno; /* 1: another run made it */
	unlink(tmp);
	if (rc == 1)
		return app_idkey_read(path, key);
	if (rc)
		sodium_memzero(key, SYNC_KEY_LEN);
	return rc;
}

int app_idnum_key(struct app *a, const char *station, uint8_t **key)
{
	char path[APP_PATH_MAX + 32];
	int rc;

	*key = sodium_malloc(APP_IDKEY_LEN);
	if (!*key)
		return app_failf(a, -ENOMEM, APP_W_FAILED, 0);
	rc = sync_idnum_county_key(a->sync, *key + SYNC_KEY_LEN); /* I4 */
	(*key)[2 * SYNC_KEY_LEN] = rc == 0;
	rc = sync_idnum_key(a->sync, station, *key);
	if (rc == ERR_NOTFOUND) {
		app_path(a, path, sizeof(path), IDKEY_FILE);
		rc = app_idkey_read(path, *key);
		if (rc == ERR_NOTFOUND)
			rc = app_idkey_make(path, *key);
		if (rc)
			app_failf(a, rc, APP_W_IDNUM_KEY_BAD, 1, path);
	} else if (rc) {
		app_failf(a, rc, APP_W_FAILED, 0);
	}
	if (rc) {
		sodium_free(*key);
		*key = NULL;
	}
	return rc;
}

/* The problem in words' arguments: the length typed, or the position. */
static int app_idnum_bad(struct app *a, enum idnum_problem p, size_t where)
{
	char at[24];
	snprintf(at, sizeof(at), "%zu", where);
	switch (p) {
	case IDNUM_OK:
		return 0;
	case IDNUM_LENGTH:
		return app_failf(a, ERR_USAGE, APP_W_IDNUM_LENGTH, 1, at);
	case IDNUM_CHAR:
		return app_failf(a, ERR_USAGE, APP_W_IDNUM_CHAR, 1, at);
	case IDNUM_CHECK:
		return app_failf(a, ERR_USAGE, APP_W_IDNUM_CHECK, 0);
	}
	return app_failf(a, ERR_USAGE, APP_W_IDNUM_CHAR, 1, at);
}

int app_idnum_digest(struct app *a, const char *typed, size_t len, const uint8_t *key,
		     struct app_idnum *out)
{
	uint8_t h[SYNC_HASH_LEN];
	size_t at = 0;
	enum idnum_problem p;
	char *num;

	if (out)
		memset(out, 0, sizeof(*out));
	if (len > IDNUM_TYPED_MAX)
		return app_idnum_bad(a, IDNUM_LENGTH, len);
	/* sodium_init: a check may come before app_open (which inits it) */
	num = sodium_init() < 0 ? NULL : sodium_malloc(IDNUM_LEN + 1);
	if (!num)
		return app_failf(a, -ENOMEM, APP_W_FAILED, 0);
	p = idnum_parse(typed, len, num, &at);
	if (p == IDNUM_OK && key && out) {
		sync_idnum_hash(h, key, num, IDNUM_LEN);
		app_hex(h, sizeof(h), out->hash);
		if (key[2 * SYNC_KEY_LEN] == 1) { /* I4 */
			sync_idnum_hash(h, key + SYNC_KEY_LEN, num, IDNUM_LEN);
			app_hex(h, sizeof(h), out->chash);
		}
		memcpy(out->last4, num + IDNUM_LEN - 4, 4);
		out->last4[4] = '\0';
		sodium_memzero(h, sizeof(h));
	}
	sodium_free(num); /* wipes it */
	return app_idnum_bad(a, p, at);
}

int app_idnum_take(struct app *a, const char *typed, const char *station, struct app_idnum *out)
{
	uint8_t *key = NULL;
	int rc;

	memset(out, 0, sizeof(*out));
	if ((rc = app_idnum_digest(a, typed, strlen(typed), NULL, NULL)) ||
	    (rc = app_idnum_key(a, station, &key)))
		return rc;
	rc = app_idnum_digest(a, typed, strlen(typed), key, out);
	sodium_free(key);
	return rc;
}

void app_idnum_mask(const char *last4, char *out, size_t n)
{
	if (!last4 || strlen(last4) != 4)
		snprintf(out, n, "%s", "");
	else
		snprintf(out, n, "**************%s", last4);
}
