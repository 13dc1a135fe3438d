// SPDX-License-Identifier: MIT
/*
 * cmd_backup.c - `cunlian backup FILE` and `cunlian restore FILE`: the
 * whole node (replica, node.conf, identity.key) in one file encrypted with
 * a passphrase, and its restoration onto a fresh home on a new board.
 *
 * Backup while serving. The replica is copied with VACUUM INTO on a
 * read-only connection: one read transaction, so the copy is a consistent
 * snapshot even while `cunlian serve` commits (WAL readers never block the
 * writer). The copy is written inside the home (mode 0700, never /tmp),
 * opened once to take its digest for the manifest, streamed into the
 * backup and removed.
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
 *   1. Nothing is restored without --old-board-dead: installing the old
 *      key while the old board may still run would fork its feed.
 *   2. The old key is never installed. A new identity is made; the old
 *      public key (the manifest's author) is printed for revocation.
 *   3. The home must be absent or empty. Files are written under
 *      temporary names, the replica's digest is checked against the
 *      manifest, and only then renamed into place; on any failure every
 *      file written is removed (and the home, if restore created it).
 *   4. A wrong passphrase fails on the first message (ERR_BADSIG); any
 *      later damage or truncation is ERR_CORRUPT, with the byte offset.
 *   5. The replica is opened only once its schema holds tables and
 *      indexes alone: a trigger, view or virtual table in it (which
 *      cunlian never writes) would run inside the node at every open and
 *      every write, so such a file is refused before anything runs it
 *      (ERR_CORRUPT).
 */
#include <errno.h>
#include <fcntl.h>
#include <pwd.h>
#include <sodium.h>
#include <sqlite3.h>
#include <stdlib.h>
#include <string.h>
#include <dirent.h>
#include <sys/stat.h>
#include <termios.h>
#include <unistd.h>

#include "base/afile.h"
#include "base/err.h"
#include "base/mem.h"
#include "node/node.h"

#define NOPTS(a) (sizeof(a) / sizeof((a)[0]))

#define BK_MAGIC "CLBACKUP"
#define BK_VERSION 1
#define BK_HEADER 64
#define BK_CHUNK 65536
#define BK_MSG_MAX (BK_CHUNK + crypto_secretstream_xchacha20poly1305_ABYTES)
#define BK_PASS_MAX 1024
#define BK_PASS_MIN 8
#define BK_MANIFEST_MAX 4096
#define BK_SMALL_MAX ((uint64_t)1 << 20) /* node.conf, identity.key */
#define BK_MEMLIMIT_MAX ((uint64_t)1 << 30)
#define BK_OPSLIMIT_MAX 32

/* What a backup holds, besides the replica. */
static const char *const bk_small_files[] = { "node.conf", "identity.key" };

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

/* ---- passphrase ---------------------------------------------------------- */

/* Read one line from fd into pass (sodium memory), without the newline. */
static int bk_pass_line(int fd, char *pass, size_t *len)
{
	size_t n = 0;
	char c;
	for (;;) {
		ssize_t r = read(fd, &c, 1);
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0)
			return -errno;
		if (r == 0 || c == '\n')
			break;
		if (n + 1 >= BK_PASS_MAX)
			return ERR_TOOBIG;
		pass[n++] = c;
	}
	if (n && pass[n - 1] == '\r')
		n--;
	pass[n] = '\0';
	*len = n;
	return 0;
}

/* Prompt on the terminal with echo off. */
static int bk_pass_prompt(struct node_ctx *ctx, enum node_msg_id prompt, char *pass, size_t *len)
{
	struct termios old, quiet;
	int fd = open("/dev/tty", O_RDWR | O_CLOEXEC), rc;
	if (fd < 0)
		return -errno;
	const char *p = node_msg(ctx->lang, prompt);
	bk_write_all(fd, p, strlen(p));
	bool restore = tcgetattr(fd, &old) == 0;
	if (restore) {
		quiet = old;
		quiet.c_lflag &= ~(tcflag_t)ECHO;
		quiet.c_lflag |= ECHONL;
		tcsetattr(fd, TCSAFLUSH, &quiet);
	}
	rc = bk_pass_line(fd, pass, len);
	if (restore)
		tcsetattr(fd, TCSAFLUSH, &old);
	close(fd);
	return rc;
}

/*
 * The passphrase, from --passphrase-file, else $CUNLIAN_PASSPHRASE, else a
 * prompt on the terminal (twice when confirm). Never from the command
 * line, where every user of the board could read it in ps. *out is
 * sodium_malloc'd (sodium_free wipes it); NULL on failure (message said).
 */
static int bk_pass_get(struct node_ctx *ctx, const char *file, bool confirm, char **out,
		       size_t *len)
{
	char *pass = sodium_malloc(BK_PASS_MAX), *again = NULL;
	const char *env = getenv("CUNLIAN_PASSPHRASE");
	int rc = 0;

	*out = NULL;
	*len = 0;
	if (!pass)
		return -ENOMEM;
	if (file) {
		int fd = open(file, O_RDONLY | O_CLOEXEC);
		if (fd < 0) {
			rc = node_fail(ctx, errno == ENOENT ? ERR_NOTFOUND : -errno, M_BK_PASS_FILE,
				       file, node_reason(ctx->lang, -errno));
			goto out;
		}
		rc = bk_pass_line(fd, pass, len);
		close(fd);
		if (rc) {
			rc = node_fail(ctx, ERR_USAGE, M_BK_PASS_FILE, file, node_reason(ctx->lang, rc));
			goto out;
		}
	} else if (env && *env) {
		*len = strlen(env);
		if (*len >= BK_PASS_MAX) {
			rc = node_fail(ctx, ERR_USAGE, M_BK_PASS_LEN, BK_PASS_MIN, BK_PASS_MAX - 1);
			goto out;
		}
		memcpy(pass, env, *len + 1);
	} else if (isatty(STDIN_FILENO) || access("/dev/tty", R_OK | W_OK) == 0) {
		if ((rc = bk_pass_prompt(ctx, M_BK_PROMPT, pass, len))) {
			rc = node_fail(ctx, ERR_USAGE, M_BK_NO_PASS);
			goto out;
		}
		if (confirm) {
			size_t len2 = 0;
			if (!(again = sodium_malloc(BK_PASS_MAX))) {
				rc = -ENOMEM;
				goto out;
			}
			if ((rc = bk_pass_prompt(ctx, M_BK_PROMPT_AGAIN, again, &len2)) ||
			    len2 != *len || sodium_memcmp(again, pass, *len) != 0) {
				rc = node_fail(ctx, ERR_USAGE, M_BK_PASS_MISMATCH);
				goto out;
			}
		}
	} else {
		rc = node_fail(ctx, ERR_USAGE, M_BK_NO_PASS);
		goto out;
	}
	if (*len == 0 || (confirm && *len < BK_PASS_MIN)) {
		rc = node_fail(ctx, ERR_USAGE, M_BK_PASS_LEN, BK_PASS_MIN, BK_PASS_MAX - 1);
		goto out;
	}
out:
	sodium_free(again);
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

/* ---- manifest ------------------------------------------------------------ */

struct bk_manifest {
	char station[CRDT_SCOPE_MAX + 1];
	char name[NODE_NAME_MAX + 1];
	char role[16];
	char author[2 * CRDT_AUTHOR_LEN + 1];
	char digest[65];
	int64_t created_ms;
	int64_t format;
};

static void bk_manifest_parse(char *text, struct bk_manifest *m)
{
	memset(m, 0, sizeof(*m));
	for (char *line = strtok(text, "\n"); line; line = strtok(NULL, "\n")) {
		char *eq = strstr(line, " = ");
		if (!eq)
			continue;
		*eq = '\0';
		const char *k = line, *v = eq + 3;
		if (strcmp(k, "station") == 0)
			snprintf(m->station, sizeof(m->station), "%s", v);
		else if (strcmp(k, "name") == 0)
			snprintf(m->name, sizeof(m->name), "%s", v);
		else if (strcmp(k, "role") == 0)
			snprintf(m->role, sizeof(m->role), "%s", v);
		else if (strcmp(k, "author") == 0)
			snprintf(m->author, sizeof(m->author), "%s", v);
		else if (strcmp(k, "digest") == 0)
			snprintf(m->digest, sizeof(m->digest), "%s", v);
		else if (strcmp(k, "created_ms") == 0)
			node_parse_int(v, 0, INT64_MAX, &m->created_ms);
		else if (strcmp(k, "format") == 0)
			node_parse_int(v, 0, 1000, &m->format);
	}
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
		node_hex(d, 32, hex);
	return rc;
}

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

/* ---- backup -------------------------------------------------------------- */

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

/* Copy the live replica into snap: one read transaction (VACUUM INTO). */
static int bk_snapshot(struct node_ctx *ctx, const char *db, const char *snap)
{
	sqlite3 *h = NULL;
	sqlite3_stmt *st = NULL;
	int rc = sqlite3_open_v2(db, &h, SQLITE_OPEN_READONLY, NULL);
	if (rc == SQLITE_OK) {
		sqlite3_busy_timeout(h, 10000);
		rc = sqlite3_prepare_v2(h, "VACUUM INTO ?1", -1, &st, NULL);
	}
	if (rc == SQLITE_OK) {
		sqlite3_bind_text(st, 1, snap, -1, SQLITE_STATIC);
		rc = sqlite3_step(st);
		if (rc == SQLITE_DONE)
			rc = SQLITE_OK;
	}
	if (rc != SQLITE_OK)
		node_fail(ctx, rc == SQLITE_FULL ? -ENOSPC : ERR_STORAGE, M_BK_SNAPSHOT, db,
			  h ? sqlite3_errmsg(h) : sqlite3_errstr(rc));
	sqlite3_finalize(st);
	sqlite3_close(h);
	return rc == SQLITE_OK ? 0 : rc == SQLITE_FULL ? -ENOSPC : ERR_STORAGE;
}

/* As root over a home owned by someone else (the service user), SQLite
 * could leave root-owned -wal/-shm files the service cannot open. */
static int bk_check_owner(struct node_ctx *ctx, const char *cmd)
{
	struct stat sb;
	if (geteuid() != 0 || stat(ctx->home, &sb) < 0 || sb.st_uid == 0)
		return 0;
	struct passwd *pw = getpwuid(sb.st_uid);
	return node_fail(ctx, ERR_RULE, M_BK_AS_OWNER, ctx->home, pw ? pw->pw_name : "cunlian", cmd);
}

int node_cmd_backup(struct node_ctx *ctx, int argc, char **argv)
{
	struct node_opt o[] = { { "passphrase-file", true, NULL } };
	const char *pos[1];
	size_t npos, plen = 0, len;
	char path[NODE_PATH_MAX + 32], snap[NODE_PATH_MAX + 64], tmp[NODE_PATH_MAX + 16];
	char hex[2 * CRDT_AUTHOR_LEN + 1], digest[65], *pass = NULL, manifest[BK_MANIFEST_MAX];
	uint8_t key[crypto_secretstream_xchacha20poly1305_KEYBYTES], *small[2] = { NULL, NULL };
	uint8_t *rbuf = NULL;
	size_t small_len[2] = { 0, 0 };
	struct bk_stream s;
	int fd = -1, sfd = -1, rc;
	bool snapped = false;

	memset(&s, 0, sizeof(s));
	tmp[0] = '\0';
	rc = node_opts_parse(ctx, argc, argv, o, NOPTS(o), pos, 1, &npos);
	if (rc)
		return rc > 0 ? 0 : rc;
	if (npos != 1)
		return node_fail(ctx, ERR_USAGE, M_BK_NEED_FILE, "backup");
	const char *file = pos[0];
	if (sodium_init() < 0)
		return -EIO;

	/* The home: a node is there, its key loads, the owner runs us. */
	node_path(ctx, path, sizeof(path), "node.conf");
	rc = node_conf_read(path, &ctx->conf);
	if (rc == ERR_NOTFOUND)
		return node_fail(ctx, rc, M_NO_HOME, ctx->home);
	if (rc)
		return node_fail(ctx, rc, M_CONF_BAD, path);
	node_path(ctx, path, sizeof(path), "identity.key");
	if ((rc = node_identity_load(path, ctx->author)))
		return node_fail(ctx, rc, rc == ERR_NOTFOUND ? M_KEY_MISSING : M_KEY_BAD, path);
	if ((rc = bk_check_owner(ctx, "backup")))
		return rc;
	for (size_t i = 0; i < 2; i++) {
		node_path(ctx, path, sizeof(path), bk_small_files[i]);
		if ((rc = bk_slurp(path, &small[i], &small_len[i]))) {
			node_fail(ctx, rc, M_FILE_OPEN, path, node_reason(ctx->lang, rc));
			goto out;
		}
	}
	if ((rc = bk_pass_get(ctx, o[0].val, true, &pass, &plen)))
		goto out;

	/* The snapshot, inside the home (private), and its digest. */
	node_path(ctx, path, sizeof(path), "replica.db");
	snprintf(snap, sizeof(snap), "%s/.backup-%ld.db", ctx->home, (long)getpid());
	unlink(snap);
	snapped = true;
	if ((rc = bk_snapshot(ctx, path, snap)))
		goto out;
	if ((rc = bk_digest(snap, ctx->author, digest))) {
		node_fail(ctx, rc, M_BK_SNAPSHOT, path, node_reason(ctx->lang, rc));
		goto out;
	}
	node_hex(ctx->author, CRDT_AUTHOR_LEN, hex);

	len = (size_t)snprintf(manifest + 5, sizeof(manifest) - 5,
			       "format = 1\nversion = 0.1\nstation = %s\nname = %s\nrole = %s\n"
			       "author = %s\ncreated_ms = %llu\ndigest = %s\n",
			       ctx->conf.station, ctx->conf.name, ctx->conf.role, hex,
			       (unsigned long long)ctx->now_ms, digest);
	manifest[0] = 'M';
	bk_le32((uint8_t *)manifest + 1, (uint32_t)len);

	/* The output: FILE.part, renamed over FILE once complete and on disk. */
	snprintf(tmp, sizeof(tmp), "%s.part", file);
	fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	if (fd < 0) {
		rc = -errno;
		node_fail(ctx, rc, M_BK_WRITE, file, node_reason(ctx->lang, -errno));
		goto out;
	}
	if ((rc = bk_stream_alloc(&s, fd)))
		goto out;
	memcpy(s.header, BK_MAGIC, 8);
	s.header[8] = BK_VERSION;
	s.header[9] = crypto_pwhash_ALG_ARGON2ID13;
	/* INTERACTIVE limits (64 MiB): a Raspberry Pi Zero can restore it. */
	bk_le32(s.header + 12, (uint32_t)crypto_pwhash_OPSLIMIT_INTERACTIVE);
	bk_le64(s.header + 16, (uint64_t)crypto_pwhash_MEMLIMIT_INTERACTIVE);
	randombytes_buf(s.header + 24, crypto_pwhash_SALTBYTES);
	if ((rc = bk_key(key, pass, plen, s.header)))
		goto out;
	crypto_secretstream_xchacha20poly1305_init_push(&s.st, s.header + 40, key);
	sodium_memzero(key, sizeof(key));
	if ((rc = bk_write_all(fd, s.header, BK_HEADER)))
		goto wfail;

	if ((rc = bk_put(&s, manifest, 5 + len)))
		goto wfail;
	for (size_t i = 0; i < 2; i++)
		if ((rc = bk_put_file_head(&s, bk_small_files[i], small_len[i])) ||
		    (rc = bk_put(&s, small[i], small_len[i])))
			goto wfail;
	sfd = open(snap, O_RDONLY | O_CLOEXEC);
	struct stat sb;
	if (sfd < 0 || fstat(sfd, &sb) < 0) {
		rc = -errno;
		node_fail(ctx, rc, M_BK_SNAPSHOT, path, node_reason(ctx->lang, -errno));
		goto out;
	}
	if ((rc = bk_put_file_head(&s, "replica.db", (uint64_t)sb.st_size)))
		goto wfail;
	if (!(rbuf = mem_alloc(BK_CHUNK))) {
		rc = -ENOMEM;
		goto out;
	}
	for (uint64_t left = (uint64_t)sb.st_size; left;) {
		size_t want = left < BK_CHUNK ? (size_t)left : BK_CHUNK, got;
		if ((rc = bk_read_full(sfd, rbuf, want, &got)) || got != want) {
			rc = rc ? rc : ERR_CORRUPT;
			node_fail(ctx, rc, M_BK_SNAPSHOT, path, node_reason(ctx->lang, rc));
			goto out;
		}
		if ((rc = bk_put(&s, rbuf, got)))
			goto wfail;
		left -= got;
	}
	if ((rc = bk_put(&s, "E", 1)) ||
	    (rc = bk_flush(&s, crypto_secretstream_xchacha20poly1305_TAG_FINAL)))
		goto wfail;
	if (fsync(fd) < 0 || close(fd) < 0) {
		fd = -1;
		rc = -errno;
		goto wfail;
	}
	fd = -1;
	if (rename(tmp, file) < 0) {
		rc = -errno;
		goto wfail;
	}
	tmp[0] = '\0'; /* FILE now; the folder fsynced so the name stays */
	if ((rc = afile_sync_dir(file)))
		goto wfail;

	if (ctx->json) {
		struct node_json j;
		node_json_init(&j, stdout);
		node_json_obj(&j);
		node_json_kstr(&j, "file", file);
		node_json_kstr(&j, "station", ctx->conf.station);
		node_json_kstr(&j, "author", hex);
		node_json_kstr(&j, "digest", digest);
		node_json_kint(&j, "bytes", (int64_t)s.off);
		node_json_kint(&j, "created_ms", (int64_t)ctx->now_ms);
		node_json_end_obj(&j);
	} else {
		char bytes[32];
		snprintf(bytes, sizeof(bytes), "%llu", (unsigned long long)s.off);
		node_say(ctx, M_BK_DONE, file, bytes, ctx->conf.name, ctx->conf.station, digest, file);
	}
	rc = 0;
	goto out;
wfail:
	if (rc == -ENOSPC || rc == -EDQUOT) {
		struct stat ss;
		char needs[48], free_s[48];
		size_t small_total = 0;
		for (size_t i = 0; i < 2; i++)
			small_total += 2 + strlen(bk_small_files[i]) + 8 + small_len[i];
		uint64_t need = bk_size(5 + len, small_total, stat(snap, &ss) == 0 ? (uint64_t)ss.st_size : 0);
		if (fd >= 0)
			close(fd);
		fd = -1;
		unlink(tmp); /* so the room it took counts as free */
		int64_t avail = afile_free_bytes(file);
		node_bytes_fmt(need, needs, sizeof(needs));
		if (avail >= 0)
			node_bytes_fmt((uint64_t)avail, free_s, sizeof(free_s));
		else
			snprintf(free_s, sizeof(free_s), "%s", node_msg(ctx->lang, M_FULL_FREE_UNKNOWN));
		rc = -ENOSPC;
		node_fail(ctx, rc, M_FULL_BACKUP, file, needs, free_s);
	} else {
		node_fail(ctx, rc, M_BK_WRITE, file, node_reason(ctx->lang, rc));
	}
out:
	if (fd >= 0)
		close(fd);
	if (rc && tmp[0])
		unlink(tmp);
	mem_free(rbuf);
	if (sfd >= 0)
		close(sfd);
	if (snapped) {
		unlink(snap);
		char side[NODE_PATH_MAX + 80];
		snprintf(side, sizeof(side), "%s-wal", snap);
		unlink(side);
		snprintf(side, sizeof(side), "%s-shm", snap);
		unlink(side);
	}
	for (size_t i = 0; i < 2; i++) {
		if (small[i])
			sodium_memzero(small[i], small_len[i]);
		mem_free(small[i]);
	}
	bk_stream_release(&s);
	sodium_free(pass);
	return rc;
}

/* ---- restore ------------------------------------------------------------- */

/* The files restore writes, under temporary names first. */
enum { RS_CONF, RS_KEY, RS_DB, RS_N };
static const char *const rs_names[RS_N] = { "node.conf", "identity.key", "replica.db" };

struct rs_state {
	char tmp[RS_N][NODE_PATH_MAX + 32];
	char final[RS_N][NODE_PATH_MAX + 32];
	bool wrote[RS_N], placed[RS_N];
	bool made_home;
};

static void rs_undo(struct node_ctx *ctx, struct rs_state *r)
{
	for (int i = 0; i < RS_N; i++) {
		char side[NODE_PATH_MAX + 40];
		if (r->wrote[i])
			unlink(r->tmp[i]);
		if (r->placed[i])
			unlink(r->final[i]);
		snprintf(side, sizeof(side), "%s-wal", r->final[i]);
		if (r->placed[i])
			unlink(side);
		snprintf(side, sizeof(side), "%s-shm", r->final[i]);
		if (r->placed[i])
			unlink(side);
	}
	if (r->made_home)
		rmdir(ctx->home);
}

/* Absent (we make it, 0700) or an empty folder. */
static int rs_home_fresh(struct node_ctx *ctx, struct rs_state *r)
{
	DIR *d = opendir(ctx->home);
	if (!d) {
		if (errno != ENOENT)
			return node_fail(ctx, -errno, M_MKDIR_FAILED, ctx->home, node_reason(ctx->lang, -errno));
		if (mkdir(ctx->home, 0700) < 0)
			return node_fail(ctx, -errno, M_MKDIR_FAILED, ctx->home, node_reason(ctx->lang, -errno));
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
		return node_fail(ctx, -err, M_RS_WRITE, ctx->home, node_reason(ctx->lang, -err));
	return empty ? 0 : node_fail(ctx, ERR_EXISTS, M_RS_HOME_BUSY, ctx->home);
}

/* Copy size bytes of the stream into a new file (mode 0600). */
static int rs_write_file(struct bk_stream *s, const char *path, uint64_t size)
{
	uint8_t *buf = sodium_malloc(BK_CHUNK);
	int rc = 0, fd = -1;
	if (!buf)
		return -ENOMEM;
	if (path && (fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600)) < 0) {
		rc = -errno;
		goto out;
	}
	for (uint64_t done = 0; done < size;) {
		size_t k = size - done < BK_CHUNK ? (size_t)(size - done) : BK_CHUNK;
		if ((rc = bk_get(s, buf, k)))
			goto out;
		if (fd >= 0 && (rc = bk_write_all(fd, buf, k)))
			goto out;
		done += k;
	}
	if (fd >= 0 && fsync(fd) < 0)
		rc = -errno;
out:
	if (fd >= 0 && close(fd) < 0 && !rc)
		rc = -errno;
	sodium_free(buf);
	return rc;
}

/* Invariant 5: tables and indexes only. The file is read as it is: no
 * statement of the backup's schema runs here. */
static int rs_schema_plain(const char *path)
{
	sqlite3 *h = NULL;
	sqlite3_stmt *st = NULL;
	int rc = sqlite3_open_v2(path, &h, SQLITE_OPEN_READWRITE, NULL);
	if (rc == SQLITE_OK)
		rc = sqlite3_prepare_v2(h, "SELECT count(*) FROM sqlite_master WHERE type NOT IN ('table', 'index')"
					" OR sql LIKE 'create virtual %'", -1, &st, NULL);
	if (rc == SQLITE_OK)
		rc = sqlite3_step(st) == SQLITE_ROW && sqlite3_column_int64(st, 0) == 0 ? SQLITE_OK : SQLITE_CORRUPT;
	sqlite3_finalize(st);
	sqlite3_close(h);
	return rc == SQLITE_OK ? 0 : ERR_CORRUPT;
}

static void rs_fsync_dir(const char *dir)
{
	int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd >= 0) {
		fsync(fd);
		close(fd);
	}
}

int node_cmd_restore(struct node_ctx *ctx, int argc, char **argv)
{
	struct node_opt o[] = { { "passphrase-file", true, NULL }, { "old-board-dead", false, NULL } };
	const char *pos[1];
	size_t npos, plen = 0, got;
	char *pass = NULL, hex[2 * CRDT_AUTHOR_LEN + 1], digest[65], *mtext = NULL;
	uint8_t key[crypto_secretstream_xchacha20poly1305_KEYBYTES], newpk[CRDT_AUTHOR_LEN];
	struct bk_manifest m;
	struct bk_stream s;
	struct rs_state r;
	struct stat home_sb;
	bool have[RS_N] = { false, false, false }, started = false;
	int fd = -1, rc;

	memset(&s, 0, sizeof(s));
	memset(&r, 0, sizeof(r));
	memset(&m, 0, sizeof(m));
	rc = node_opts_parse(ctx, argc, argv, o, NOPTS(o), pos, 1, &npos);
	if (rc)
		return rc > 0 ? 0 : rc;
	if (npos != 1)
		return node_fail(ctx, ERR_USAGE, M_BK_NEED_FILE, "restore");
	const char *file = pos[0];
	if (!o[1].val)
		return node_fail(ctx, ERR_RULE, M_RS_NEED_DEAD, file);
	if (sodium_init() < 0)
		return -EIO;

	fd = open(file, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return node_fail(ctx, errno == ENOENT ? ERR_NOTFOUND : -errno, M_FILE_OPEN, file,
				 node_reason(ctx->lang, -errno));
	if ((rc = bk_stream_alloc(&s, fd)))
		goto out;
	if ((rc = bk_read_full(fd, s.header, BK_HEADER, &got)))
		goto out;
	uint32_t ops = bk_get32(s.header + 12);
	uint64_t mem = bk_get64(s.header + 16);
	if (got < BK_HEADER || memcmp(s.header, BK_MAGIC, 8) != 0 || s.header[8] != BK_VERSION ||
	    s.header[9] != crypto_pwhash_ALG_ARGON2ID13 || ops < crypto_pwhash_OPSLIMIT_MIN ||
	    ops > BK_OPSLIMIT_MAX || mem < crypto_pwhash_MEMLIMIT_MIN || mem > BK_MEMLIMIT_MAX) {
		rc = node_fail(ctx, ERR_CORRUPT, M_RS_NOT_BACKUP, file);
		goto out;
	}
	if ((rc = rs_home_fresh(ctx, &r)))
		goto out;
	started = true;
	if ((rc = bk_pass_get(ctx, o[0].val, false, &pass, &plen)))
		goto out;
	if ((rc = bk_key(key, pass, plen, s.header)))
		goto out;
	if (crypto_secretstream_xchacha20poly1305_init_pull(&s.st, s.header + 40, key) != 0) {
		sodium_memzero(key, sizeof(key));
		rc = node_fail(ctx, ERR_CORRUPT, M_RS_NOT_BACKUP, file);
		goto out;
	}
	sodium_memzero(key, sizeof(key));

	for (int i = 0; i < RS_N; i++) {
		snprintf(r.final[i], sizeof(r.final[i]), "%s/%s", ctx->home, rs_names[i]);
		snprintf(r.tmp[i], sizeof(r.tmp[i]), "%s/.restore-%s", ctx->home, rs_names[i]);
	}

	/* The records, up to 'E'. */
	for (;;) {
		uint8_t t, b[8], nl;
		char name[256];
		if ((rc = bk_get(&s, &t, 1)))
			goto bad;
		if (t == 'E')
			break;
		if (t == 'M') {
			if ((rc = bk_get(&s, b, 4)))
				goto bad;
			uint32_t ml = bk_get32(b);
			if (ml > BK_MANIFEST_MAX || mtext) {
				rc = ERR_CORRUPT;
				goto bad;
			}
			if (!(mtext = mem_alloc(ml + 1))) {
				rc = -ENOMEM;
				goto out;
			}
			if ((rc = bk_get(&s, mtext, ml)))
				goto bad;
			mtext[ml] = '\0';
			bk_manifest_parse(mtext, &m);
			continue;
		}
		if (t != 'F' || (rc = bk_get(&s, &nl, 1)) || (rc = bk_get(&s, name, nl)) ||
		    (rc = bk_get(&s, b, 8))) {
			rc = rc ? rc : ERR_CORRUPT;
			goto bad;
		}
		name[nl] = '\0';
		uint64_t size = bk_get64(b);
		int which = -1;
		for (int i = 0; i < RS_N; i++)
			if (strcmp(name, rs_names[i]) == 0)
				which = i;
		if (which >= 0 && have[which]) {
			rc = ERR_CORRUPT;
			goto bad;
		}
		/* The old key is read past, never installed (invariant 2);
		 * unknown files (a newer cunlian's) are skipped. */
		const char *dest = which == RS_CONF || which == RS_DB ? r.tmp[which] : NULL;
		if (which >= 0 && which != RS_DB && size > BK_SMALL_MAX) {
			rc = ERR_CORRUPT;
			goto bad;
		}
		if (dest)
			r.wrote[which] = true;
		rc = rs_write_file(&s, dest, size);
		if (rc) {
			if (rc == ERR_CORRUPT || rc == ERR_BADSIG)
				goto bad;
			node_fail(ctx, rc, rc == -ENOSPC ? M_DISK_FULL : M_RS_WRITE, ctx->home,
				  node_reason(ctx->lang, rc));
			goto out;
		}
		if (which >= 0)
			have[which] = true;
	}
	/* 'E' is the last byte of the last message, and nothing follows. */
	{
		uint8_t extra;
		if (!s.final || s.pos != s.n || bk_read_full(fd, &extra, 1, &got) || got) {
			rc = ERR_CORRUPT;
			goto bad;
		}
	}
	if (!mtext || !have[RS_CONF] || !have[RS_DB] || m.format != 1 || strlen(m.digest) != 64) {
		rc = ERR_CORRUPT;
		goto bad;
	}

	/* A new identity (invariant 2), then everything into place. */
	if ((rc = node_identity_create(r.tmp[RS_KEY], newpk))) {
		node_fail(ctx, rc, M_KEY_WRITE, r.final[RS_KEY], node_reason(ctx->lang, rc));
		goto out;
	}
	r.wrote[RS_KEY] = true;
	if ((rc = node_conf_read(r.tmp[RS_CONF], &ctx->conf))) {
		rc = ERR_CORRUPT;
		goto bad;
	}
	for (int i = 0; i < RS_N; i++) {
		if (rename(r.tmp[i], r.final[i]) < 0) {
			rc = -errno;
			node_fail(ctx, rc, M_RS_WRITE, ctx->home, node_reason(ctx->lang, -errno));
			goto out;
		}
		r.wrote[i] = false;
		r.placed[i] = true;
	}
	rs_fsync_dir(ctx->home);
	memcpy(ctx->author, newpk, CRDT_AUTHOR_LEN);
	if ((rc = rs_schema_plain(r.final[RS_DB]))) {
		node_fail(ctx, rc, M_RS_NOT_REPLICA, file);
		goto out;
	}
	if ((rc = bk_digest(r.final[RS_DB], newpk, digest)) || strcmp(digest, m.digest) != 0) {
		rc = rc ? rc : ERR_CORRUPT;
		node_fail(ctx, rc, M_RS_DIGEST, file, m.digest,
			  rc == ERR_CORRUPT ? digest : node_reason(ctx->lang, rc));
		goto out;
	}
	/* Run as root into the service user's home: hand the files over. */
	if (geteuid() == 0 && stat(ctx->home, &home_sb) == 0 && home_sb.st_uid != 0) {
		for (int i = 0; i < RS_N; i++)
			if (chown(r.final[i], home_sb.st_uid, home_sb.st_gid) < 0) {
				rc = -errno;
				node_fail(ctx, rc, M_RS_WRITE, ctx->home, node_reason(ctx->lang, -errno));
				goto out;
			}
		if (r.made_home && chown(ctx->home, home_sb.st_uid, home_sb.st_gid) < 0) {
			rc = -errno;
			goto out;
		}
	}

	node_hex(newpk, CRDT_AUTHOR_LEN, hex);
	if (ctx->json) {
		struct node_json j;
		node_json_init(&j, stdout);
		node_json_obj(&j);
		node_json_kstr(&j, "home", ctx->home);
		node_json_kstr(&j, "station", ctx->conf.station);
		node_json_kstr(&j, "name", ctx->conf.name);
		node_json_kstr(&j, "role", ctx->conf.role);
		node_json_kstr(&j, "old_author", m.author);
		node_json_kstr(&j, "author", hex);
		node_json_kstr(&j, "digest", digest);
		node_json_kint(&j, "backup_created_ms", m.created_ms);
		node_json_end_obj(&j);
	} else {
		char when[32];
		node_time_fmt((uint64_t)m.created_ms, when, sizeof(when));
		node_say(ctx, M_RS_DONE, ctx->conf.name, ctx->conf.station, ctx->home, when, digest,
			 m.author, hex);
		node_say(ctx, M_RS_STEPS, ctx->conf.station, m.author, ctx->conf.station);
	}
	rc = 0;
	goto out;
bad:
	if (rc == ERR_BADSIG)
		node_fail(ctx, rc, M_RS_BAD_PASS, file);
	else if (rc == ERR_CORRUPT) {
		char at[32];
		snprintf(at, sizeof(at), "%llu", (unsigned long long)s.off);
		node_fail(ctx, rc, M_RS_CORRUPT, file, at);
	} else
		node_fail(ctx, rc, M_FILE_OPEN, file, node_reason(ctx->lang, rc));
out:
	if (rc && started)
		rs_undo(ctx, &r);
	if (fd >= 0)
		close(fd);
	mem_free(mtext);
	bk_stream_release(&s);
	sodium_free(pass);
	return rc;
}
