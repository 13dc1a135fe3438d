// SPDX-License-Identifier: MIT
/*
 * idnum.c - volunteers' resident ID numbers (issue 4): which key hashes
 * them, and taking a typed number in: check it, keep only its keyed hash
 * and its last four characters, wipe every copy.
 *
 * Invariants:
 *  I1. A typed number is copied only into sodium_malloc'd memory, wiped
 *      when freed; the option value it came from is wiped once taken (the
 *      caller of node_idnum_digest wipes a CSV field itself). It is never
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
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "base/err.h"
#include "base/idnum.h"
#include "node/node.h"

#define IDKEY_FILE "idnum.key"
#define IDNUM_TYPED_MAX 64 /* longer than this is refused unread */

static int node_idkey_read(const char *path, uint8_t *key)
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
static int node_idkey_make(const char *path, uint8_t *key)
{
	char tmp[NODE_PATH_MAX + 48];
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
		return node_idkey_read(path, key);
	if (rc)
		sodium_memzero(key, SYNC_KEY_LEN);
	return rc;
}

int node_idnum_key(struct node_ctx *ctx, const char *station, uint8_t **key)
{
	char path[NODE_PATH_MAX + 32];
	int rc;

	*key = sodium_malloc(NODE_IDKEY_LEN);
	if (!*key)
		return node_fail(ctx, -ENOMEM, M_FAILED, node_reason(ctx->lang, -ENOMEM));
	rc = sync_idnum_county_key(ctx->app.sync, *key + SYNC_KEY_LEN); /* I4 */
	(*key)[2 * SYNC_KEY_LEN] = rc == 0;
	rc = sync_idnum_key(ctx->app.sync, station, *key);
	if (rc == ERR_NOTFOUND) {
		app_path(&ctx->app, path, sizeof(path), IDKEY_FILE);
		rc = node_idkey_read(path, *key);
		if (rc == ERR_NOTFOUND)
			rc = node_idkey_make(path, *key);
		if (rc)
			node_fail(ctx, rc, M_IDKEY_BAD, path, node_reason(ctx->lang, rc));
	} else if (rc) {
		node_fail(ctx, rc, M_FAILED, node_reason(ctx->lang, rc));
	}
	if (rc) {
		sodium_free(*key);
		*key = NULL;
	}
	return rc;
}

static enum node_msg_id node_idnum_msg(enum idnum_problem p)
{
	switch (p) {
	case IDNUM_OK:
		return M_NONE;
	case IDNUM_LENGTH:
		return M_BAD_IDNUM_LENGTH;
	case IDNUM_CHAR:
		return M_BAD_IDNUM_CHAR;
	case IDNUM_CHECK:
		return M_BAD_IDNUM_CHECK;
	}
	return M_BAD_IDNUM_CHAR;
}

enum node_msg_id node_idnum_digest(const char *typed, size_t len, const uint8_t *key,
				   struct node_idnum *out, size_t *where)
{
	uint8_t h[SYNC_HASH_LEN];
	size_t at = 0;
	enum idnum_problem p;
	char *num;

	if (out)
		memset(out, 0, sizeof(*out));
	if (where)
		*where = 0;
	if (len > IDNUM_TYPED_MAX) {
		if (where)
			*where = len;
		return M_BAD_IDNUM_LENGTH;
	}
	num = sodium_malloc(IDNUM_LEN + 1);
	if (!num)
		return M_FAILED;
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
	if (where)
		*where = at;
	return node_idnum_msg(p);
}

int node_idnum_arg(struct node_ctx *ctx, const char *val, const char *station,
		   struct node_idnum *out)
{
	size_t len = strlen(val), where;
	uint8_t *key = NULL;
	enum node_msg_id bad = node_idnum_digest(val, len, NULL, NULL, &where);
	int rc = 0;

	memset(out, 0, sizeof(*out));
	if (bad == M_FAILED)
		rc = node_fail(ctx, -ENOMEM, M_FAILED, node_reason(ctx->lang, -ENOMEM));
	else if (bad != M_NONE)
		rc = node_fail(ctx, ERR_USAGE, bad, where);
	else if (!(rc = node_idnum_key(ctx, station, &key)) &&
		 node_idnum_digest(val, len, key, out, NULL) != M_NONE)
		rc = node_fail(ctx, -ENOMEM, M_FAILED, node_reason(ctx->lang, -ENOMEM));
	sodium_free(key);
	/* I1: argv is writable; the number leaves the process's memory
	 * (and /proc/PID/cmdline) here */
	sodium_memzero((char *)val, len);
	return rc;
}

void node_idnum_mask(const char *last4, char *out, size_t n)
{
	if (!last4 || strlen(last4) != 4)
		snprintf(out, n, "%s", "");
	else
		snprintf(out, n, "**************%s", last4);
}
