// SPDX-License-Identifier: MIT
/*
 * fuzz_backup.c - app_restore() (app/backup.c, what `cunlian restore FILE
 * --old-board-dead` runs) on any backup file: the header's checks, the
 * key from the passphrase, the encrypted stream, the records behind it
 * (manifest, files, end), the check of the replica's digest and the new
 * home, into a home that does not exist yet. It links the library alone
 * (libcunlian.a), no file of node/. First byte:
 *   bit 0 clear: the rest is the file as found, but for Argon2's cost: a
 *                limit the header may hold that would cost more than
 *                opslimit 4 or 1 MiB is lowered to the least (1, 8 KiB),
 *                so the fuzzer does not spend its time in crypto_pwhash;
 *   bit 0 set:   the rest is the plaintext (the records of cmd_backup.c),
 *                which the target encrypts into a valid file with the
 *                passphrase, the least limits and a fixed salt: one
 *                message per piece between 0xff 0xfe pairs (at most
 *                64 KiB each), the last tagged final unless bit 1; bit 2
 *                adds a byte after the end; bit 3 restores with another
 *                passphrase.
 * What restore promises (app/backup.c, invariants 1-5; docs/cli.md): 0
 * leaves a home that opens (app_open), with a new key, whose replica
 * holds tables and indexes only (no trigger, view or virtual table of
 * the backup's runs in the node);
 * a refusal records why (a reason of app/why.h), is a code the program
 * exits 2, 3 or 5 for (or 1 for a damaged file), and leaves no home
 * behind.
 */
#include <sodium.h>
#include <sqlite3.h>

#include "app/backup.h"
#include "base/err.h"
#include "tests/fuzz/fuzz.h"
#include "tests/fuzz/fuzz_home.h"

#define FUZZ_BK_PASS "红星村 backup 2025"
#define FUZZ_BK_OTHER "not the passphrase"
#define FUZZ_BK_CHUNK 65536

static char fuzz_bk_dir[64];
static uint8_t fuzz_bk_key[crypto_secretstream_xchacha20poly1305_KEYBYTES];

static void fuzz_bk_cleanup(void)
{
	fuzz_rmtree(fuzz_bk_dir);
}

static void fuzz_le(uint8_t *p, uint64_t v, int n)
{
	for (int i = 0; i < n; i++)
		p[i] = (uint8_t)(v >> (8 * i));
}

static uint64_t fuzz_get_le(const uint8_t *p, int n)
{
	uint64_t v = 0;
	for (int i = n; i-- > 0;)
		v = v << 8 | p[i];
	return v;
}

/* The header of a sealed input: least limits, fixed salt. */
static void fuzz_bk_header(uint8_t h[64])
{
	memset(h, 0, 64);
	memcpy(h, "CLBACKUP", 8);
	h[8] = 1;
	h[9] = crypto_pwhash_ALG_ARGON2ID13;
	fuzz_le(h + 12, crypto_pwhash_OPSLIMIT_MIN, 4);
	fuzz_le(h + 16, crypto_pwhash_MEMLIMIT_MIN, 8);
	memset(h + 24, 0x5a, crypto_pwhash_SALTBYTES);
}

static void fuzz_bk_setup(void)
{
	static int made;
	char path[FUZZ_PATH_MAX];
	uint8_t h[64];
	if (made)
		return;
	made = 1;
	fuzz_init();
	fuzz_tmpdir(fuzz_bk_dir, "restore");
	snprintf(path, sizeof(path), "%s/pass", fuzz_bk_dir);
	fuzz_write_file(path, FUZZ_BK_PASS "\n", sizeof(FUZZ_BK_PASS));
	snprintf(path, sizeof(path), "%s/other", fuzz_bk_dir);
	fuzz_write_file(path, FUZZ_BK_OTHER "\n", sizeof(FUZZ_BK_OTHER));
	fuzz_bk_header(h);
	if (crypto_pwhash(fuzz_bk_key, sizeof(fuzz_bk_key), FUZZ_BK_PASS, strlen(FUZZ_BK_PASS), h + 24,
			  crypto_pwhash_OPSLIMIT_MIN, crypto_pwhash_MEMLIMIT_MIN, crypto_pwhash_ALG_ARGON2ID13))
		abort();
	atexit(fuzz_bk_cleanup);
}

/* A backup file around the plaintext p (bit 0 set, the header comment). */
static void fuzz_bk_seal(uint8_t mode, const uint8_t *p, size_t len, struct buf *out)
{
	crypto_secretstream_xchacha20poly1305_state st;
	uint8_t h[64], *c;
	size_t start = 0;
	bool first = true;
	fuzz_bk_header(h);
	crypto_secretstream_xchacha20poly1305_init_push(&st, h + 40, fuzz_bk_key);
	buf_put(out, h, 64);
	for (size_t i = 0; i <= len; i++) {
		bool end = i == len, cut = !end && i + 1 < len && p[i] == 0xff && p[i + 1] == 0xfe;
		if (!end && !cut && i - start < FUZZ_BK_CHUNK)
			continue;
		size_t n = i - start;
		unsigned long long clen;
		uint8_t lenb[4];
		unsigned char tag = end && !(mode & 2) ? crypto_secretstream_xchacha20poly1305_TAG_FINAL
						       : crypto_secretstream_xchacha20poly1305_TAG_MESSAGE;
		size_t at = out->len;
		buf_put(out, "\0\0\0\0", 4);
		if (!(c = buf_reserve(out, n + crypto_secretstream_xchacha20poly1305_ABYTES)))
			abort();
		crypto_secretstream_xchacha20poly1305_push(&st, c, &clen, p + start, n, first ? h : NULL,
							   first ? 64 : 0, tag);
		out->len += (size_t)clen;
		fuzz_le(lenb, clen, 4);
		memcpy(out->data + at, lenb, 4);
		first = false;
		start = cut ? i + 2 : i;
		if (cut)
			i++;
	}
	if (mode & 4)
		buf_put_u8(out, 0);
}

/* The codes the program turns into exit 2, 3 or 5, or a damaged file. */
static bool fuzz_bk_rc_ok(int rc)
{
	switch (rc) {
	case ERR_USAGE: case ERR_RULE: case ERR_EXISTS: case ERR_CONFLICT:
	case ERR_STORAGE: case ERR_CORRUPT: case ERR_SCHEMA: case -EIO: case -ENOSPC: case -EBUSY:
	case ERR_BADSIG: case -ENOMEM:
		return true;
	default:
		return false;
	}
}

/* app_pass_fn: the passphrase of the file arg names. */
static int fuzz_bk_pass(struct app *a, void *arg, bool confirm, char *pass, size_t cap, size_t *len)
{
	const char *p = *(const bool *)arg ? FUZZ_BK_OTHER : FUZZ_BK_PASS;
	(void)a;
	(void)confirm;
	*len = strlen(p);
	if (*len >= cap)
		abort();
	memcpy(pass, p, *len + 1);
	return 0;
}

/* What the replica's file holds besides tables and indexes (the node's
 * own views are TEMP, in no file). */
static int64_t fuzz_bk_alien_schema(sqlite3 *db)
{
	sqlite3_stmt *q;
	int64_t n = -1;
	if (sqlite3_prepare_v2(db,
			       "SELECT count(*) FROM main.sqlite_master WHERE type NOT IN ('table', 'index')"
			       " OR sql LIKE 'create virtual %'",
			       -1, &q, NULL) == SQLITE_OK &&
	    sqlite3_step(q) == SQLITE_ROW)
		n = sqlite3_column_int64(q, 0);
	sqlite3_finalize(q);
	return n;
}

/* A restored home: it opens, with the key restore made, not the old
 * board's, and nothing of the backup's schema but tables and indexes. */
static void fuzz_bk_check_home(const char *home, const uint8_t made[CRDT_AUTHOR_LEN])
{
	struct app h;
	struct sync_identity s1;
	app_init(&h);
	snprintf(h.home, sizeof(h.home), "%s", home);
	h.now_ms = FUZZ_NOW + 86400000;
	h.access = APP_READS;
	if (app_open(&h))
		fuzz_fail("restore returned 0, yet the home does not open");
	if (memcmp(h.author, made, CRDT_AUTHOR_LEN))
		fuzz_fail("the home opens with another key than restore made");
	if (fuzz_bk_alien_schema(crdt_store_db(h.store)) != 0)
		fuzz_fail("restore installed a replica with triggers, views or virtual tables");
	fuzz_ident(&s1, FUZZ_SEED_S1); /* the key of the backups in the corpus */
	if (!memcmp(h.author, s1.pk, SYNC_PK_LEN))
		fuzz_fail("restore installed the old board's key");
	sync_identity_release(&s1);
	app_close(&h);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct app a;
	struct app_backup_info info;
	struct buf file;
	char path[FUZZ_PATH_MAX], home[FUZZ_PATH_MAX];
	if (size < 1)
		return 0;
	fuzz_bk_setup();
	buf_init(&file, 0);
	if (data[0] & 1) {
		fuzz_bk_seal(data[0], data + 1, size - 1, &file);
	} else {
		buf_put(&file, data + 1, size - 1);
		if (file.len >= 24) {
			uint64_t ops = fuzz_get_le(file.data + 12, 4), mem = fuzz_get_le(file.data + 16, 8);
			if (ops > 4 && ops <= 32)
				fuzz_le(file.data + 12, crypto_pwhash_OPSLIMIT_MIN, 4);
			if (mem > ((uint64_t)1 << 20) && mem <= ((uint64_t)1 << 30))
				fuzz_le(file.data + 16, crypto_pwhash_MEMLIMIT_MIN, 8);
		}
	}
	snprintf(path, sizeof(path), "%s/node.backup", fuzz_bk_dir);
	fuzz_write_file(path, file.data, file.len);
	buf_release(&file);
	snprintf(home, sizeof(home), "%s/home", fuzz_bk_dir);
	app_init(&a);
	snprintf(a.home, sizeof(a.home), "%s", home);
	a.now_ms = FUZZ_NOW + 86400000;
	a.access = APP_AUTHORS;
	bool other = (data[0] & 9) == 9;
	int rc = app_restore(&a, path, true, fuzz_bk_pass, &other, &info);
	uint8_t made[CRDT_AUTHOR_LEN];
	memcpy(made, a.author, sizeof(made));
	enum app_why why = a.fail.why;
	app_close(&a);
	if (rc == 0) {
		fuzz_bk_check_home(home, made);
	} else {
		if (!fuzz_bk_rc_ok(rc))
			fuzz_fail("restore refused with a code outside the documented exits");
		if (why == APP_W_NONE)
			fuzz_fail("restore refused without saying why");
		if (access(home, F_OK) == 0)
			fuzz_fail("a refused restore left the home behind");
	}
	fuzz_note(rc == 0);
	fuzz_rmtree(home);
	return 0;
}
