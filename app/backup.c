// SPDX-License-Identifier: MIT
/*
 * backup.c - the backup file (backup.h): the whole node (replica,
 * node.conf, identity.key) encrypted with a passphrase, and its
 * restoration onto a fresh home on a new board.
 *
 * Backup while serving. The replica is copied with VACUUM INTO on a
 * read-only connection: one read transaction, so the copy is a consistent
 * snapshot even while `cunlian serve` commits (WAL readers never block the
 * writer). The copy is written inside the home (mode 0600 in a 0700
 * folder, never /tmp); when the home cannot take it (a file system that
 * went read-only, a full disk) it goes to a private folder (0700) in
 * /dev/shm, memory, and never to the target, a stick that may be lost. It
 * is opened once to take its digest for the manifest, streamed into the
 * backup and removed. The live replica is opened read-only
 * (crdt_store_open with read_only), which reads it on a file system gone
 * read-only and on a full disk too.
 *
 * File format (all integers little-endian):
 *
 *   offset size  field
 *   0      8     magic "CLBACKUP"
 *   8      1     version (1)
 *   9      1     crypto_pwhash algorithm (ARGON2ID13)
 *   10     2     zero
 *   12     4     opslimit
 *   16     8     memlimit (bytes)
 *   24     16    salt
 *   40     24    crypto_secretstream_xchacha20poly1305 header
 *   64     ...   messages: u32 length, then that many bytes of ciphertext
 *                (at most BK_CHUNK + ABYTES); the first message has the
 *                64 header bytes as additional data, the last has
 *                TAG_FINAL and nothing follows it.
 *
 * The key is crypto_pwhash(passphrase, salt, opslimit, memlimit). The
 * plaintext the messages carry, cut at any byte, is a sequence of records:
 *
 *   'M' u32 len, text     manifest: `key = value` lines (format, version,
 *                         station, name, role, author, created_ms, digest)
 *   'F' u8 len, name, u64 size, bytes   one file of the home
 *   'E'                   the end; must be the last plaintext byte
 *
 * Restore invariants:
 *   1. Nothing is restored without old_board_dead: installing the old
 *      key while the old board may still run would fork its feed.
 *   2. The old key is never installed. A new identity is made; the old
 *      public key (the manifest's author) is returned for revocation.
 *   3. The home must be absent or empty. Files are written under
 *      temporary names, the replica's digest is checked against the
 *      manifest, and only then renamed into place; on any failure every
 *      file written is removed (and the home, if restore created it).
 *   4. A wrong passphrase fails on the first message (ERR_BADSIG); any
 *      later damage or truncation is ERR_CORRUPT, with the byte offset.
 *   5. The replica is opened only once it is a whole SQLite file (its
 *      quick check passes: a damaged one may still give the digest its
 *      manifest states) whose schema holds tables and indexes alone: a
 *      trigger, view or virtual table in it (which cunlian never writes;
 *      the node's <table>_live views are TEMP, of each connection) would
 *      run inside the node at every open and every write, or show readers
 *      what it likes, so such a file is refused before anything runs it
 *      (ERR_CORRUPT).
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <pwd.h>
#include <sodium.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "app/backup.h"
#include "base/afile.h"
#include "base/err.h"
#include "base/mem.h"

#define BK_MAGIC "CLBACKUP"
#define BK_VERSION 1
#define BK_HEADER 64
#define BK_CHUNK 65536
#define BK_MSG_MAX (BK_CHUNK + crypto_secretstream_xchacha20poly1305_ABYTES)
#define BK_MANIFEST_MAX 4096
#define BK_SMALL_MAX ((uint64_t)1 << 20) /* node.conf, identity.key */
#define BK_MEMLIMIT_MAX ((uint64_t)1 << 30)
#define BK_OPSLIMIT_MAX 32
#define BK_NSMALL 2
#define BK_SHM "/dev/shm"

/* What a backup holds, besides the replica. */
static const char *const bk_small_files[BK_NSMALL] = { "node.conf", "identity.key" };

static void bk_le32(uint8_t *p, uint32_t v)
{
	for (int i = 0; i < 4; i++)
		p[i] = (uint8_t)(v >> (8 * i));
}

static void bk_le64(uint8_t *p, uint64_t v)
{
	for (int i = 0; i < 8; i++)
		p[i] = (uint8_t)(v >> (8 * i));
}

static uint32_t bk_get32(const uint8_t *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

static uint64_t bk_get64(const uint8_t *p)
{
	return (uint64_t)bk_get32(p) | (uint64_t)bk_get32(p + 4) << 32;
}

/* Write all of p or fail with -errno. */
static int bk_write_all(int fd, const void *p, size_t n)
{
	const uint8_t *b = p;
	while (n) {
		ssize_t w = write(fd, b, n);
		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			return w < 0 ? -errno : -EIO;
		b += w;
		n -= (size_t)w;
	}
	return 0;
}

/* Read up to n bytes; *got tells how many (short only at end of file). */
static int bk_read_full(int fd, void *p, size_t n, size_t *got)
{
	uint8_t *b = p;
	*got = 0;
	while (*got < n) {
		ssize_t r = read(fd, b + *got, n - *got);
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0)
			return -errno;
		if (r == 0)
			break;
		*got += (size_t)r;
	}
	return 0;
}

void app_bytes_fmt(uint64_t n, char *out, size_t len)
{
	if (n >= (1u << 20))
		snprintf(out, len, "%.1f MB (%llu B)", (double)n / (1 << 20), (unsigned long long)n);
	else if (n >= 1024)
		snprintf(out, len, "%.1f KB (%llu B)", (double)n / 1024, (unsigned long long)n);
	else
		snprintf(out, len, "%llu B", (unsigned long long)n);
}

/* The passphrase from the front end, into sodium memory (*out; sodium_free
 * wipes it). A new one has at least APP_BK_PASS_MIN bytes. */
static int bk_pass(struct app *a, app_pass_fn fn, void *arg, bool confirm, char **out, size_t *len)
{
	char *pass = sodium_malloc(APP_BK_PASS_MAX), lo[16], hi[16];
	int rc;
	*out = NULL;
	*len = 0;
	if (!pass)
		return -ENOMEM;
	memset(pass, 0, APP_BK_PASS_MAX);
	if ((rc = fn(a, arg, confirm, pass, APP_BK_PASS_MAX, len)) == 0 &&
	    (*len == 0 || *len >= APP_BK_PASS_MAX || (confirm && *len < APP_BK_PASS_MIN))) {
		snprintf(lo, sizeof(lo), "%d", APP_BK_PASS_MIN);
		snprintf(hi, sizeof(hi), "%d", APP_BK_PASS_MAX - 1);
		rc = app_failf(a, ERR_USAGE, APP_W_BK_PASS_LEN, 2, lo, hi);
	}
	if (rc) {
		sodium_free(pass);
		*len = 0;
		return rc;
	}
	*out = pass;
	return 0;
}

/* ---- the encrypted stream -------------------------------------------------- */

struct bk_stream {
	int fd;
	crypto_secretstream_xchacha20poly1305_state st;
	uint8_t header[BK_HEADER]; /* additional data of the first message */
	bool first;
	bool final;       /* (reading) the final message was taken */
	uint8_t *plain;   /* BK_CHUNK bytes, sodium_malloc'd */
	uint8_t *cipher;  /* BK_MSG_MAX bytes */
	size_t n, pos;    /* plaintext held / consumed */
	uint64_t off;     /* file offset of the next message */
};

static int bk_stream_alloc(struct bk_stream *s, int fd)
{
	memset(s, 0, sizeof(*s));
	s->fd = fd;
	s->first = true;
	s->plain = sodium_malloc(BK_CHUNK);
	s->cipher = mem_alloc(BK_MSG_MAX);
	s->off = BK_HEADER;
	return s->plain && s->cipher ? 0 : -ENOMEM;
}

static void bk_stream_release(struct bk_stream *s)
{
	sodium_free(s->plain);
	mem_free(s->cipher);
	sodium_memzero(&s->st, sizeof(s->st));
	s->plain = NULL;
	s->cipher = NULL;
}

/* Derive the key from the passphrase and the header's salt and limits. */
static int bk_key(uint8_t *key, const char *pass, size_t len, const uint8_t *header)
{
	uint32_t ops = bk_get32(header + 12);
	uint64_t mem = bk_get64(header + 16);
	if (crypto_pwhash(key, crypto_secretstream_xchacha20poly1305_KEYBYTES, pass, len,
			  header + 24, ops, (size_t)mem, header[9]) != 0)
		return -ENOMEM;
	return 0;
}

/* (writing) Encrypt and write the plaintext held, as one message. */
static int bk_flush(struct bk_stream *s, unsigned char tag)
{
	unsigned long long clen;
	uint8_t lenb[4];
	crypto_secretstream_xchacha20poly1305_push(&s->st, s->cipher, &clen, s->plain, s->n,
						   s->first ? s->header : NULL,
						   s->first ? BK_HEADER : 0, tag);
	s->first = false;
	s->n = 0;
	bk_le32(lenb, (uint32_t)clen);
	int rc = bk_write_all(s->fd, lenb, 4);
	if (!rc)
		rc = bk_write_all(s->fd, s->cipher, (size_t)clen);
	s->off += 4 + clen;
	return rc;
}

static int bk_put(struct bk_stream *s, const void *p, size_t len)
{
	const uint8_t *b = p;
	int rc;
	while (len) {
		size_t k = BK_CHUNK - s->n < len ? BK_CHUNK - s->n : len;
		memcpy(s->plain + s->n, b, k);
		s->n += k;
		b += k;
		len -= k;
		if (s->n == BK_CHUNK && (rc = bk_flush(s, crypto_secretstream_xchacha20poly1305_TAG_MESSAGE)))
			return rc;
	}
	return 0;
}

/* (reading) Take the next message. ERR_BADSIG when the very first does not
 * open (wrong passphrase), ERR_CORRUPT for damage or truncation later. */
static int bk_next(struct bk_stream *s)
{
	uint8_t lenb[4];
	size_t got;
	unsigned long long plen;
	unsigned char tag;
	int rc;

	if (s->final)
		return ERR_CORRUPT; /* the plaintext ends before its end record */
	if ((rc = bk_read_full(s->fd, lenb, 4, &got)))
		return rc;
	uint32_t clen = bk_get32(lenb);
	if (got < 4 || clen < crypto_secretstream_xchacha20poly1305_ABYTES || clen > BK_MSG_MAX)
		return ERR_CORRUPT;
	if ((rc = bk_read_full(s->fd, s->cipher, clen, &got)))
		return rc;
	if (got < clen)
		return ERR_CORRUPT;
	if (crypto_secretstream_xchacha20poly1305_pull(&s->st, s->plain, &plen, &tag, s->cipher, clen,
						       s->first ? s->header : NULL,
						       s->first ? BK_HEADER : 0) != 0)
		return s->first ? ERR_BADSIG : ERR_CORRUPT;
	s->first = false;
	s->off += 4 + clen;
	s->n = (size_t)plen;
	s->pos = 0;
	if (tag == crypto_secretstream_xchacha20poly1305_TAG_FINAL)
		s->final = true;
	else if (tag != crypto_secretstream_xchacha20poly1305_TAG_MESSAGE)
		return ERR_CORRUPT;
	return 0;
}

/* (reading) len bytes of plaintext into p (NULL: skip them). */
static int bk_get(struct bk_stream *s, void *p, size_t len)
{
	uint8_t *b = p;
	int rc;
	while (len) {
		if (s->pos == s->n && (rc = bk_next(s)))
			return rc;
		size_t k = s->n - s->pos < len ? s->n - s->pos : len;
		if (b) {
			memcpy(b, s->plain + s->pos, k);
			b += k;
		}
		s->pos += k;
		len -= k;
	}
	return 0;
}

/* ---- manifest and the replica's digest ------------------------------------- */

struct bk_manifest {
	struct app_conf conf; /* station, name, role */
	char author[2 * CRDT_AUTHOR_LEN + 1];
	char digest[65];
	int64_t created_ms;
	int64_t format;
};

static void bk_manifest_parse(char *text, struct bk_manifest *m)
{
	char *save = NULL;
	memset(m, 0, sizeof(*m));
	for (char *line = strtok_r(text, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		char *eq = strstr(line, " = ");
		if (!eq)
			continue;
		*eq = '\0';
		const char *k = line, *v = eq + 3;
		if (strcmp(k, "station") == 0)
			snprintf(m->conf.station, sizeof(m->conf.station), "%s", v);
		else if (strcmp(k, "name") == 0)
			snprintf(m->conf.name, sizeof(m->conf.name), "%s", v);
		else if (strcmp(k, "role") == 0)
			snprintf(m->conf.role, sizeof(m->conf.role), "%s", v);
		else if (strcmp(k, "author") == 0)
			snprintf(m->author, sizeof(m->author), "%s", v);
		else if (strcmp(k, "digest") == 0)
			snprintf(m->digest, sizeof(m->digest), "%s", v);
		else if (strcmp(k, "created_ms") == 0)
			app_parse_int(v, 0, INT64_MAX, &m->created_ms);
		else if (strcmp(k, "format") == 0)
			app_parse_int(v, 0, 1000, &m->format);
	}
}

/* The manifest record ('M', length, text) of the node in a, into out. */
static size_t bk_manifest_make(const struct app *a, const char *author, const char *digest,
			       char *out, size_t cap)
{
	int n = snprintf(out + 5, cap - 5,
			 "format = 1\nversion = 0.1\nstation = %s\nname = %s\nrole = %s\n"
			 "author = %s\ncreated_ms = %llu\ndigest = %s\n",
			 a->conf.station, a->conf.name, a->conf.role, author,
			 (unsigned long long)a->now_ms, digest);
	size_t len = n < 0 ? 0 : (size_t)n < cap - 5 ? (size_t)n : cap - 6;
	out[0] = 'M';
	bk_le32((uint8_t *)out + 1, (uint32_t)len);
	return 5 + len;
}

/* Digest of the replica at path, opened as the node self. */
static int bk_digest(const char *path, const uint8_t self[CRDT_AUTHOR_LEN], char hex[65])
{
	struct crdt_store *st = NULL;
	uint8_t d[32];
	int rc = crdt_store_open(&st, path, self, NULL);
	if (!rc)
		rc = crdt_store_digest(st, NULL, d);
	crdt_store_close(st);
	if (!rc)
		app_hex(d, 32, hex);
	return rc;
}

/* ---- backup -------------------------------------------------------------- */

/* Read a small file of the home whole; *out mem_alloc'd. */
static int bk_slurp(const char *path, uint8_t **out, size_t *len)
{
	struct stat sb;
	size_t got;
	int rc, fd = open(path, O_RDONLY | O_CLOEXEC);
	*out = NULL;
	*len = 0;
	if (fd < 0)
		return errno == ENOENT ? ERR_NOTFOUND : -errno;
	if (fstat(fd, &sb) < 0) {
		rc = -errno;
		goto out;
	}
	if ((uint64_t)sb.st_size > BK_SMALL_MAX) {
		rc = ERR_TOOBIG;
		goto out;
	}
	if (!(*out = mem_alloc((size_t)sb.st_size + 1))) {
		rc = -ENOMEM;
		goto out;
	}
	rc = bk_read_full(fd, *out, (size_t)sb.st_size, &got);
	*len = got;
out:
	close(fd);
	if (rc) {
		mem_free(*out);
		*out = NULL;
	}
	return rc;
}

static int bk_put_file_head(struct bk_stream *s, const char *name, uint64_t size)
{
	uint8_t h[2 + 255 + 8];
	size_t nl = strlen(name);
	h[0] = 'F';
	h[1] = (uint8_t)nl;
	memcpy(h + 2, name, nl);
	bk_le64(h + 2 + nl, size);
	return bk_put(s, h, 2 + nl + 8);
}

/* The size of a backup whose plaintext records are manifest, small (the
 * small files with their heads) and the replica snapshot of snap bytes:
 * the header, then one message per BK_CHUNK of plaintext and a final one
 * (bk_put, bk_flush), each with its length and tag. */
static uint64_t bk_size(size_t manifest, size_t small, uint64_t snap)
{
	uint64_t plain = (uint64_t)manifest + small + (2 + strlen("replica.db") + 8) + snap + 1;
	uint64_t msgs = plain / BK_CHUNK + 1;
	return BK_HEADER + plain + msgs * (4 + crypto_secretstream_xchacha20poly1305_ABYTES);
}

/* VACUUM INTO a new file snap (0600): -errno where it cannot be made. */
static int bk_vacuum_into(sqlite3 *h, const char *snap)
{
	sqlite3_stmt *st = NULL;
	int fd = open(snap, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
	if (fd < 0)
		return -errno;
	close(fd);
	int rc = sqlite3_prepare_v2(h, "VACUUM INTO ?1", -1, &st, NULL);
	if (rc == SQLITE_OK) {
		sqlite3_bind_text(st, 1, snap, -1, SQLITE_STATIC);
		rc = sqlite3_step(st);
	}
	sqlite3_finalize(st);
	return rc == SQLITE_DONE ? 0 : rc == SQLITE_FULL ? -ENOSPC : rc == SQLITE_CANTOPEN ? -EACCES : ERR_STORAGE;
}

/* The snapshot of the replica and where it lies. */
struct bk_snap {
	char path[APP_PATH_MAX + 64];
	char dir[64]; /* the private folder in /dev/shm, or "" */
	bool made;
};

static void bk_snap_remove(struct bk_snap *sn)
{
	char side[APP_PATH_MAX + 80];
	if (!sn->made)
		return;
	unlink(sn->path);
	snprintf(side, sizeof(side), "%s-wal", sn->path);
	unlink(side);
	snprintf(side, sizeof(side), "%s-shm", sn->path);
	unlink(side);
	if (sn->dir[0])
		rmdir(sn->dir);
	sn->made = false;
}

/* Copy the live replica: one read transaction (VACUUM INTO), into the
 * home, or into /dev/shm when the home cannot take it. */
static int bk_snapshot(struct app *a, struct bk_snap *sn)
{
	const struct crdt_options ro_opt = { .read_only = true };
	char db[APP_PATH_MAX + 32];
	struct crdt_store *st = NULL;
	app_path(a, db, sizeof(db), "replica.db");
	int rc = crdt_store_open(&st, db, a->author, &ro_opt);
	if (rc) {
		if (app_home_readonly(a))
			rc = app_failf(a, -EROFS, APP_W_BK_HOME_RO, 1, a->home);
		else if (rc == -EBUSY)
			rc = app_failf(a, rc, APP_W_DB_BUSY, 0);
		else if (rc == -ENOSPC || (rc == -EIO && afile_free_bytes(db) == 0))
			rc = app_failf(a, -ENOSPC, APP_W_BK_SNAP_FULL, 1, a->home);
		else
			rc = app_failf(a, rc, APP_W_BK_SNAPSHOT, 2, db, err_str(rc));
		return rc;
	}
	sqlite3 *h = crdt_store_db(st);
	snprintf(sn->path, sizeof(sn->path), "%s/.backup-%ld.db", a->home, (long)getpid());
	unlink(sn->path);
	sn->made = true;
	rc = bk_vacuum_into(h, sn->path);
	if (rc == -EROFS || rc == -EACCES || rc == -EPERM || rc == -ENOSPC || rc == -EDQUOT) {
		bk_snap_remove(sn); /* the home cannot take it: memory */
		snprintf(sn->dir, sizeof(sn->dir), "%s/cunlian-backup-XXXXXX", BK_SHM);
		if (!mkdtemp(sn->dir)) {
			sn->dir[0] = '\0';
		} else {
			snprintf(sn->path, sizeof(sn->path), "%s/replica.db", sn->dir);
			sn->made = true;
			rc = bk_vacuum_into(h, sn->path);
		}
	}
	if (rc == -EROFS)
		app_failf(a, rc, APP_W_BK_HOME_RO, 1, a->home);
	else if (rc == -ENOSPC || rc == -EDQUOT)
		app_failf(a, -ENOSPC, APP_W_BK_SNAP_FULL, 1, a->home);
	else if (rc)
		app_failf(a, rc, APP_W_BK_SNAPSHOT, 2, db, sqlite3_errmsg(h));
	crdt_store_close(st);
	return rc;
}

/* As root over a home owned by someone else (the service user), SQLite
 * could leave root-owned -wal/-shm files the service cannot open. */
static int bk_check_owner(struct app *a)
{
	struct stat sb;
	if (geteuid() != 0 || stat(a->home, &sb) < 0 || sb.st_uid == 0)
		return 0;
	struct passwd *pw = getpwuid(sb.st_uid);
	return app_failf(a, ERR_RULE, APP_W_BK_AS_OWNER, 3, a->home, pw ? pw->pw_name : "cunlian", "backup");
}

/* The node in the home: node.conf, its key, and the small files' bytes. */
static int bk_load(struct app *a, uint8_t *small[BK_NSMALL], size_t small_len[BK_NSMALL])
{
	char path[APP_PATH_MAX + 32];
	int rc;
	app_path(a, path, sizeof(path), "node.conf");
	rc = app_conf_read(path, &a->conf);
	if (rc == ERR_NOTFOUND)
		return app_failf(a, rc, APP_W_NO_HOME, 1, a->home);
	if (rc)
		return app_failf(a, rc, APP_W_CONF_BAD, 1, path);
	a->hub = strcmp(a->conf.role, "hub") == 0;
	app_path(a, path, sizeof(path), "identity.key");
	if ((rc = app_identity_load(path, a->author)))
		return app_failf(a, rc, rc == ERR_NOTFOUND ? APP_W_KEY_MISSING : APP_W_KEY_BAD, 1, path);
	if ((rc = bk_check_owner(a)))
		return rc;
	for (size_t i = 0; i < BK_NSMALL; i++) {
		app_path(a, path, sizeof(path), bk_small_files[i]);
		if ((rc = bk_slurp(path, &small[i], &small_len[i])))
			return app_failf(a, rc, APP_W_BK_READ, 1, path);
	}
	return 0;
}

/* A new header for s: magic, limits, a random salt; the key from pass. */
static int bk_begin(struct bk_stream *s, const char *pass, size_t plen)
{
	uint8_t key[crypto_secretstream_xchacha20poly1305_KEYBYTES];
	memcpy(s->header, BK_MAGIC, 8);
	s->header[8] = BK_VERSION;
	s->header[9] = crypto_pwhash_ALG_ARGON2ID13;
	/* INTERACTIVE limits (64 MiB): a Raspberry Pi Zero can restore it. */
	bk_le32(s->header + 12, (uint32_t)crypto_pwhash_OPSLIMIT_INTERACTIVE);
	bk_le64(s->header + 16, (uint64_t)crypto_pwhash_MEMLIMIT_INTERACTIVE);
	randombytes_buf(s->header + 24, crypto_pwhash_SALTBYTES);
	int rc = bk_key(key, pass, plen, s->header);
	if (!rc)
		crypto_secretstream_xchacha20poly1305_init_push(&s->st, s->header + 40, key);
	sodium_memzero(key, sizeof(key));
	return rc ? rc : bk_write_all(s->fd, s->header, BK_HEADER);
}

/* The records after the header: manifest, small files, the replica from
 * snap, the end. -errno of the target; ERR_CORRUPT (*snap_err) when the
 * snapshot cannot be read. */
static int bk_records(struct bk_stream *s, const char *manifest, size_t mlen,
		      uint8_t *const small[BK_NSMALL], const size_t small_len[BK_NSMALL],
		      const char *snap, bool *snap_err)
{
	uint8_t *rbuf = NULL;
	struct stat sb;
	int rc, sfd = -1;
	*snap_err = false;
	if ((rc = bk_put(s, manifest, mlen)))
		return rc;
	for (size_t i = 0; i < BK_NSMALL; i++)
		if ((rc = bk_put_file_head(s, bk_small_files[i], small_len[i])) ||
		    (rc = bk_put(s, small[i], small_len[i])))
			return rc;
	sfd = open(snap, O_RDONLY | O_CLOEXEC);
	if (sfd < 0 || fstat(sfd, &sb) < 0) {
		rc = -errno;
		*snap_err = true;
		goto out;
	}
	if (!(rbuf = mem_alloc(BK_CHUNK))) {
		rc = -ENOMEM;
		goto out;
	}
	if ((rc = bk_put_file_head(s, "replica.db", (uint64_t)sb.st_size)))
		goto out;
	for (uint64_t left = (uint64_t)sb.st_size; left;) {
		size_t want = left < BK_CHUNK ? (size_t)left : BK_CHUNK, got;
		if ((rc = bk_read_full(sfd, rbuf, want, &got)) || got != want) {
			rc = rc ? rc : ERR_CORRUPT;
			*snap_err = true;
			goto out;
		}
		if ((rc = bk_put(s, rbuf, got)))
			goto out;
		left -= got;
	}
	if (!(rc = bk_put(s, "E", 1)))
		rc = bk_flush(s, crypto_secretstream_xchacha20poly1305_TAG_FINAL);
out:
	mem_free(rbuf);
	if (sfd >= 0)
		close(sfd);
	return rc;
}

/* The target is full: how much room the backup needs and how much is
 * there (FILE.part removed first, so the room it took counts as free). */
static int bk_full(struct app *a, const char *file, size_t mlen, const size_t small_len[BK_NSMALL],
		   const char *snap, struct app_backup_info *info)
{
	struct stat ss;
	char needs[48], free_s[48] = "";
	size_t small_total = 0;
	for (size_t i = 0; i < BK_NSMALL; i++)
		small_total += 2 + strlen(bk_small_files[i]) + 8 + small_len[i];
	info->need = bk_size(mlen, small_total, stat(snap, &ss) == 0 ? (uint64_t)ss.st_size : 0);
	info->avail = afile_free_bytes(file);
	app_bytes_fmt(info->need, needs, sizeof(needs));
	if (info->avail >= 0)
		app_bytes_fmt((uint64_t)info->avail, free_s, sizeof(free_s));
	return app_failf(a, -ENOSPC, APP_W_BK_FULL, 3, file, needs, free_s);
}

/* Write the backup file: FILE.part, renamed over FILE once on disk. */
static int bk_write(struct app *a, const char *file, const char *pass, size_t plen,
		    const char *manifest, size_t mlen, uint8_t *const small[BK_NSMALL],
		    const size_t small_len[BK_NSMALL], const char *snap, struct app_backup_info *info)
{
	char tmp[APP_PATH_MAX + 16];
	struct bk_stream s;
	bool snap_err = false;
	int rc, fd;
	memset(&s, 0, sizeof(s));
	snprintf(tmp, sizeof(tmp), "%s.part", file);
	if ((fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600)) < 0)
		return app_failf(a, -errno, APP_W_BK_WRITE, 1, file);
	if (!(rc = bk_stream_alloc(&s, fd)) && !(rc = bk_begin(&s, pass, plen)) &&
	    !(rc = bk_records(&s, manifest, mlen, small, small_len, snap, &snap_err))) {
		info->bytes = s.off;
		rc = fsync(fd) < 0 ? -errno : 0;
	}
	if (close(fd) < 0 && !rc)
		rc = -errno;
	if (!rc && rename(tmp, file) < 0)
		rc = -errno;
	if (!rc) /* FILE now; the folder fsynced so the name stays */
		rc = afile_sync_dir(file);
	bk_stream_release(&s);
	if (!rc)
		return 0;
	unlink(tmp);
	if (snap_err)
		return app_failf(a, rc, APP_W_BK_SNAPSHOT, 2, snap, err_str(rc));
	if (rc == -ENOSPC || rc == -EDQUOT)
		return bk_full(a, file, mlen, small_len, snap, info);
	if (rc == -ENOMEM)
		return app_failf(a, rc, APP_W_FAILED, 0);
	return app_failf(a, rc, APP_W_BK_WRITE, 1, file);
}

int app_backup(struct app *a, const char *file, app_pass_fn pass_fn, void *arg,
	       struct app_backup_info *info)
{
	char manifest[BK_MANIFEST_MAX], *pass = NULL;
	uint8_t *small[BK_NSMALL] = { NULL, NULL };
	size_t small_len[BK_NSMALL] = { 0, 0 }, plen = 0;
	struct bk_snap sn;
	int rc;

	memset(info, 0, sizeof(*info));
	memset(&sn, 0, sizeof(sn));
	info->avail = -1;
	if (sodium_init() < 0)
		return app_failf(a, -EIO, APP_W_FAILED, 0);
	if ((rc = bk_load(a, small, small_len)) ||
	    (rc = bk_pass(a, pass_fn, arg, true, &pass, &plen)) || (rc = bk_snapshot(a, &sn)))
		goto out;
	if ((rc = bk_digest(sn.path, a->author, info->digest))) {
		char db[APP_PATH_MAX + 32];
		app_path(a, db, sizeof(db), "replica.db");
		app_failf(a, rc, APP_W_BK_SNAPSHOT, 2, db, err_str(rc));
		goto out;
	}
	app_hex(a->author, CRDT_AUTHOR_LEN, info->author);
	info->created_ms = a->now_ms;
	size_t mlen = bk_manifest_make(a, info->author, info->digest, manifest, sizeof(manifest));
	rc = bk_write(a, file, pass, plen, manifest, mlen, small, small_len, sn.path, info);
out:
	bk_snap_remove(&sn);
	for (size_t i = 0; i < BK_NSMALL; i++) {
		if (small[i])
			sodium_memzero(small[i], small_len[i]);
		mem_free(small[i]);
	}
	sodium_free(pass);
	return rc;
}

/* ---- restore ------------------------------------------------------------- */

/* The files restore writes, under temporary names first. */
enum { RS_CONF, RS_KEY, RS_DB, RS_N };
static const char *const rs_names[RS_N] = { "node.conf", "identity.key", "replica.db" };

struct rs_state {
	const char *file;
	int fd;
	struct bk_stream s;
	struct bk_manifest m;
	char *mtext;
	char tmp[RS_N][APP_PATH_MAX + 32];
	char final[RS_N][APP_PATH_MAX + 32];
	bool wrote[RS_N], placed[RS_N], have[RS_N];
	bool made_home, started;
	bool write_err; /* the last failure was writing the home */
};

static void rs_undo(struct app *a, struct rs_state *r)
{
	for (int i = 0; i < RS_N; i++) {
		char side[APP_PATH_MAX + 40];
		if (r->wrote[i])
			unlink(r->tmp[i]);
		if (!r->placed[i])
			continue;
		unlink(r->final[i]);
		snprintf(side, sizeof(side), "%s-wal", r->final[i]);
		unlink(side);
		snprintf(side, sizeof(side), "%s-shm", r->final[i]);
		unlink(side);
	}
	if (r->made_home)
		rmdir(a->home);
}

/* Absent (we make it, 0700) or an empty folder. */
static int rs_home_fresh(struct app *a, struct rs_state *r)
{
	DIR *d = opendir(a->home);
	if (!d) {
		if (errno != ENOENT || mkdir(a->home, 0700) < 0)
			return app_failf(a, -errno, APP_W_MKDIR, 1, a->home);
		r->made_home = true;
		return 0;
	}
	struct dirent *e;
	bool empty = true;
	int err;
	/* A folder that cannot be listed to its end counts as not empty. */
	for (errno = 0; (e = readdir(d)); errno = 0)
		if (strcmp(e->d_name, ".") && strcmp(e->d_name, ".."))
			empty = false;
	err = errno;
	closedir(d);
	if (err)
		return app_failf(a, -err, APP_W_RS_WRITE, 1, a->home);
	return empty ? 0 : app_failf(a, ERR_EXISTS, APP_W_RS_HOME_BUSY, 1, a->home);
}

/* Copy size bytes of the stream into a new file (mode 0600); path NULL:
 * read past them. A failure to write sets r->write_err. */
static int rs_write_file(struct rs_state *r, const char *path, uint64_t size)
{
	uint8_t *buf = sodium_malloc(BK_CHUNK);
	int rc = 0, fd = -1;
	if (!buf)
		return -ENOMEM;
	if (path && (fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600)) < 0) {
		rc = -errno;
		r->write_err = true;
		goto out;
	}
	for (uint64_t done = 0; done < size;) {
		size_t k = size - done < BK_CHUNK ? (size_t)(size - done) : BK_CHUNK;
		if ((rc = bk_get(&r->s, buf, k)))
			goto out;
		if (fd >= 0 && (rc = bk_write_all(fd, buf, k))) {
			r->write_err = true;
			goto out;
		}
		done += k;
	}
	if (fd >= 0 && fsync(fd) < 0) {
		rc = -errno;
		r->write_err = true;
	}
out:
	if (fd >= 0 && close(fd) < 0 && !rc) {
		rc = -errno;
		r->write_err = true;
	}
	sodium_free(buf);
	return rc;
}

/* The file is a whole SQLite database (its quick check passes): a
 * damaged one may well give the digest it should and fail later. */
static int rs_db_whole(sqlite3 *h)
{
	sqlite3_stmt *st = NULL;
	int rc = sqlite3_prepare_v2(h, "PRAGMA quick_check(1)", -1, &st, NULL);
	if (rc == SQLITE_OK)
		rc = sqlite3_step(st) == SQLITE_ROW && sqlite3_column_text(st, 0) &&
				     strcmp((const char *)sqlite3_column_text(st, 0), "ok") == 0
			     ? SQLITE_OK
			     : SQLITE_CORRUPT;
	sqlite3_finalize(st);
	return rc;
}

/* Invariant 5: a whole database of tables and indexes only. The file is
 * read as it is: no statement of the backup's schema runs here.
 * ERR_CORRUPT (*damaged: not whole). */
static int rs_schema_plain(const char *path, bool *damaged)
{
	sqlite3 *h = NULL;
	sqlite3_stmt *st = NULL;
	int rc = sqlite3_open_v2(path, &h, SQLITE_OPEN_READWRITE, NULL);
	*damaged = rc != SQLITE_OK || (rc = rs_db_whole(h)) != SQLITE_OK;
	if (rc == SQLITE_OK)
		rc = sqlite3_prepare_v2(h, "SELECT count(*) FROM sqlite_master WHERE type NOT IN ('table', 'index')"
					" OR sql LIKE 'create virtual %'", -1, &st, NULL);
	if (rc == SQLITE_OK)
		rc = sqlite3_step(st) == SQLITE_ROW && sqlite3_column_int64(st, 0) == 0 ? SQLITE_OK : SQLITE_CORRUPT;
	sqlite3_finalize(st);
	sqlite3_close(h);
	return rc == SQLITE_OK ? 0 : ERR_CORRUPT;
}

/* The file and its header; the home fresh; the key from the passphrase. */
static int rs_open(struct app *a, struct rs_state *r, app_pass_fn pass_fn, void *arg)
{
	uint8_t key[crypto_secretstream_xchacha20poly1305_KEYBYTES];
	char *pass = NULL;
	size_t got, plen;
	int rc;
	if ((r->fd = open(r->file, O_RDONLY | O_CLOEXEC)) < 0)
		return app_failf(a, errno == ENOENT ? ERR_NOTFOUND : -errno, APP_W_RS_OPEN, 1, r->file);
	if ((rc = bk_stream_alloc(&r->s, r->fd)))
		return app_failf(a, rc, APP_W_FAILED, 0);
	if ((rc = bk_read_full(r->fd, r->s.header, BK_HEADER, &got)))
		return app_failf(a, rc, APP_W_RS_OPEN, 1, r->file);
	const uint8_t *h = r->s.header;
	uint32_t ops = bk_get32(h + 12);
	uint64_t mem = bk_get64(h + 16);
	if (got < BK_HEADER || memcmp(h, BK_MAGIC, 8) != 0 || h[8] != BK_VERSION ||
	    h[9] != crypto_pwhash_ALG_ARGON2ID13 || ops < crypto_pwhash_OPSLIMIT_MIN ||
	    ops > BK_OPSLIMIT_MAX || mem < crypto_pwhash_MEMLIMIT_MIN || mem > BK_MEMLIMIT_MAX)
		return app_failf(a, ERR_CORRUPT, APP_W_RS_NOT_BACKUP, 1, r->file);
	if ((rc = rs_home_fresh(a, r)))
		return rc;
	r->started = true;
	if ((rc = bk_pass(a, pass_fn, arg, false, &pass, &plen)))
		return rc;
	rc = bk_key(key, pass, plen, h);
	sodium_free(pass);
	if (rc)
		return app_failf(a, rc, APP_W_FAILED, 0);
	rc = crypto_secretstream_xchacha20poly1305_init_pull(&r->s.st, h + 40, key);
	sodium_memzero(key, sizeof(key));
	if (rc != 0)
		return app_failf(a, ERR_CORRUPT, APP_W_RS_NOT_BACKUP, 1, r->file);
	for (int i = 0; i < RS_N; i++) {
		snprintf(r->final[i], sizeof(r->final[i]), "%s/%s", a->home, rs_names[i]);
		snprintf(r->tmp[i], sizeof(r->tmp[i]), "%s/.restore-%s", a->home, rs_names[i]);
	}
	return 0;
}

/* One 'F' record (its 'F' read): the files restore keeps go to their
 * temporary names. ERR_CORRUPT, ERR_BADSIG, or -errno of the home. */
static int rs_file(struct rs_state *r)
{
	uint8_t b[8], nl;
	char name[256];
	int rc, which = -1;
	if ((rc = bk_get(&r->s, &nl, 1)) || (rc = bk_get(&r->s, name, nl)) || (rc = bk_get(&r->s, b, 8)))
		return rc;
	name[nl] = '\0';
	uint64_t size = bk_get64(b);
	for (int i = 0; i < RS_N; i++)
		if (strcmp(name, rs_names[i]) == 0)
			which = i;
	if (which >= 0 && (r->have[which] || (which != RS_DB && size > BK_SMALL_MAX)))
		return ERR_CORRUPT;
	/* The old key is read past, never installed (invariant 2); unknown
	 * files (a newer cunlian's) are skipped. */
	const char *dest = which == RS_CONF || which == RS_DB ? r->tmp[which] : NULL;
	if (dest)
		r->wrote[which] = true;
	if ((rc = rs_write_file(r, dest, size)))
		return rc;
	if (which >= 0)
		r->have[which] = true;
	return 0;
}

/* The records, up to 'E', which ends the last message, with nothing
 * after it; a manifest of format 1 and the files restore needs. */
static int rs_records(struct rs_state *r)
{
	uint8_t t, b[4], extra;
	size_t got;
	int rc;
	for (;;) {
		if ((rc = bk_get(&r->s, &t, 1)))
			return rc;
		if (t == 'E')
			break;
		if (t == 'F') {
			if ((rc = rs_file(r)))
				return rc;
			continue;
		}
		if (t != 'M' || r->mtext)
			return ERR_CORRUPT;
		if ((rc = bk_get(&r->s, b, 4)))
			return rc;
		uint32_t ml = bk_get32(b);
		if (ml > BK_MANIFEST_MAX)
			return ERR_CORRUPT;
		if (!(r->mtext = mem_alloc(ml + 1)))
			return -ENOMEM;
		if ((rc = bk_get(&r->s, r->mtext, ml)))
			return rc;
		r->mtext[ml] = '\0';
		bk_manifest_parse(r->mtext, &r->m);
	}
	if (!r->s.final || r->s.pos != r->s.n || bk_read_full(r->fd, &extra, 1, &got) || got)
		return ERR_CORRUPT;
	if (!r->mtext || !r->have[RS_CONF] || !r->have[RS_DB] || r->m.format != 1 ||
	    strlen(r->m.digest) != 64)
		return ERR_CORRUPT;
	return 0;
}

static int rs_corrupt(struct app *a, const struct rs_state *r)
{
	char at[32];
	snprintf(at, sizeof(at), "%llu", (unsigned long long)r->s.off);
	return app_failf(a, ERR_CORRUPT, APP_W_RS_CORRUPT, 2, r->file, at);
}

/* A new identity (invariant 2), everything into place, then the checks
 * of the replica (invariant 5, the digest) and the owner. */
static int rs_place(struct app *a, struct rs_state *r, struct app_backup_info *info)
{
	struct stat home_sb;
	bool damaged;
	int rc;
	if ((rc = app_identity_create(r->tmp[RS_KEY], a->author)))
		return app_failf(a, rc, APP_W_KEY_WRITE, 1, r->final[RS_KEY]);
	r->wrote[RS_KEY] = true;
	if (app_conf_read(r->tmp[RS_CONF], &a->conf))
		return rs_corrupt(a, r);
	a->hub = strcmp(a->conf.role, "hub") == 0;
	for (int i = 0; i < RS_N; i++) {
		if (rename(r->tmp[i], r->final[i]) < 0)
			return app_failf(a, -errno, APP_W_RS_WRITE, 1, a->home);
		r->wrote[i] = false;
		r->placed[i] = true;
	}
	afile_sync_dir(r->final[RS_DB]);
	if ((rc = rs_schema_plain(r->final[RS_DB], &damaged)))
		return app_failf(a, rc, damaged ? APP_W_RS_DB_DAMAGED : APP_W_RS_NOT_REPLICA, 1, r->file);
	if ((rc = bk_digest(r->final[RS_DB], a->author, info->digest)))
		return app_failf(a, rc, APP_W_RS_DIGEST_ERR, 2, r->file, r->m.digest);
	if (strcmp(info->digest, r->m.digest) != 0)
		return app_failf(a, ERR_CORRUPT, APP_W_RS_DIGEST, 3, r->file, r->m.digest, info->digest);
	/* Run as root into the service user's home: hand the files over. */
	if (geteuid() == 0 && stat(a->home, &home_sb) == 0 && home_sb.st_uid != 0) {
		for (int i = 0; i < RS_N; i++)
			if (chown(r->final[i], home_sb.st_uid, home_sb.st_gid) < 0)
				return app_failf(a, -errno, APP_W_RS_WRITE, 1, a->home);
	}
	return 0;
}

int app_restore(struct app *a, const char *file, bool old_board_dead, app_pass_fn pass_fn, void *arg,
		struct app_backup_info *info)
{
	struct rs_state r;
	int rc;

	memset(info, 0, sizeof(*info));
	memset(&r, 0, sizeof(r));
	info->avail = -1;
	r.file = file;
	r.fd = -1;
	if (!old_board_dead)
		return app_failf(a, ERR_RULE, APP_W_RS_NEED_DEAD, 1, file);
	if (sodium_init() < 0)
		return app_failf(a, -EIO, APP_W_FAILED, 0);
	if ((rc = rs_open(a, &r, pass_fn, arg)))
		goto out;
	rc = rs_records(&r);
	if (rc == ERR_BADSIG)
		app_failf(a, rc, APP_W_RS_BAD_PASS, 1, file);
	else if (rc == ERR_CORRUPT)
		rs_corrupt(a, &r);
	else if (rc == -ENOMEM)
		app_failf(a, rc, APP_W_FAILED, 0);
	else if (rc && r.write_err && (rc == -ENOSPC || rc == -EDQUOT))
		rc = app_failf(a, -ENOSPC, APP_W_DISK_FULL, 1, a->home);
	else if (rc && r.write_err)
		app_failf(a, rc, APP_W_RS_WRITE, 1, a->home);
	else if (rc)
		app_failf(a, rc, APP_W_RS_OPEN, 1, file);
	if (rc || (rc = rs_place(a, &r, info)))
		goto out;
	snprintf(info->old_author, sizeof(info->old_author), "%s", r.m.author);
	app_hex(a->author, CRDT_AUTHOR_LEN, info->author);
	info->created_ms = r.m.created_ms > 0 ? (uint64_t)r.m.created_ms : 0;
out:
	if (rc && r.started)
		rs_undo(a, &r);
	if (r.fd >= 0)
		close(r.fd);
	mem_free(r.mtext);
	bk_stream_release(&r.s);
	return rc;
}
