// SPDX-License-Identifier: MIT
/*
 * account.c - the web pages' accounts (account.h): PINs as Argon2id
 * hashes in web.accounts, roles, the lockout after wrong PINs.
 *
 * The file. One account a line, fields separated by a tab:
 *   phone  role  fails  locked_until_ms  volunteer  hash  name
 * role is "admin" or "volunteer", volunteer may be empty, hash is
 * crypto_pwhash_str's string ("$argon2id$v=19$m=...,t=...,p=1$salt$tag"),
 * name runs to the end of the line (it holds no tab or newline:
 * app_text_ok). A line that does not parse makes the whole file refused
 * (ERR_CORRUPT, APP_W_ACCOUNT_FILE_BAD with its line) rather than
 * guessed at: `cunlian account set` on a fresh file is the way out.
 *
 * Each call takes the lock (flock on web.accounts.lock), reads the file,
 * changes what it changes in memory and writes the file whole
 * (app_file_write, 0600) before it lets go: A2's count is never lost to
 * a concurrent `account set`, nor the other way round.
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>
#include <sodium.h>

#include "base/err.h"
#include "base/mem.h"
#include "app/account.h"
#include "app/volunteer.h"

#define ACCOUNT_LINE_MAX (64 + 16 + 24 + 24 + APP_ID_MAX + APP_ACCOUNT_HASH_MAX + APP_NAME_MAX + 8)
#define ACCOUNT_FILE_MAX ((size_t)APP_ACCOUNTS_MAX * ACCOUNT_LINE_MAX)

struct account_set {
	struct app_account *v;
	size_t n;
	int lock; /* the lock file's descriptor, -1 none */
	char path[APP_PATH_MAX + 32];
};

int app_role_parse(struct app *a, const char *s, enum app_role *role)
{
	if (s && strcmp(s, "admin") == 0)
		*role = APP_ROLE_ADMIN;
	else if (s && strcmp(s, "volunteer") == 0)
		*role = APP_ROLE_VOLUNTEER;
	else
		return app_failf(a, ERR_USAGE, APP_W_ACCOUNT_BAD_ROLE, 1, s ? s : "");
	return 0;
}

const char *app_role_name(enum app_role role)
{
	return role == APP_ROLE_ADMIN ? "admin" : "volunteer";
}

int app_pin_check(struct app *a, const char *pin)
{
	size_t n = pin ? strlen(pin) : 0;
	bool ok = n >= APP_PIN_MIN && n <= APP_PIN_MAX;
	for (size_t i = 0; ok && i < n; i++)
		ok = pin[i] >= '0' && pin[i] <= '9';
	return ok ? 0 : app_failf(a, ERR_USAGE, APP_W_ACCOUNT_BAD_PIN, 0);
}

/* ---- the file ------------------------------------------------------------ */

static int account_u64(const char *s, uint64_t *out)
{
	char *end;
	if (!*s || strspn(s, "0123456789") != strlen(s) || strlen(s) > 19)
		return ERR_CORRUPT;
	errno = 0;
	*out = strtoull(s, &end, 10);
	return errno || *end ? ERR_CORRUPT : 0;
}

/* One line (NUL-terminated, no newline) into *x. */
static int account_parse(char *line, struct app_account *x)
{
	char *f[7];
	size_t nf = 0;
	uint64_t fails;
	char *p = line;
	memset(x, 0, sizeof(*x));
	for (; nf < 6; nf++) { /* the first six end at a tab; the name takes the rest */
		char *tab = strchr(p, '\t');
		if (!tab)
			return ERR_CORRUPT;
		*tab = '\0';
		f[nf] = p;
		p = tab + 1;
	}
	f[6] = p;
	if (!app_phone_ok(f[0]) || strlen(f[0]) >= sizeof(x->phone) ||
	    (strcmp(f[1], "admin") != 0 && strcmp(f[1], "volunteer") != 0) ||
	    account_u64(f[2], &fails) || fails > APP_ACCOUNT_TRIES ||
	    account_u64(f[3], &x->locked_until) || (f[4][0] && !app_id_ok(f[4])) ||
	    strlen(f[5]) >= sizeof(x->hash) || strncmp(f[5], "$argon2id$", 10) != 0 ||
	    !app_text_ok(f[6], APP_NAME_MAX))
		return ERR_CORRUPT;
	snprintf(x->phone, sizeof(x->phone), "%s", f[0]);
	x->role = strcmp(f[1], "admin") == 0 ? APP_ROLE_ADMIN : APP_ROLE_VOLUNTEER;
	x->fails = (unsigned)fails;
	snprintf(x->volunteer, sizeof(x->volunteer), "%s", f[4]);
	snprintf(x->hash, sizeof(x->hash), "%s", f[5]);
	snprintf(x->name, sizeof(x->name), "%s", f[6]);
	return 0;
}

/* Run as root over a home that belongs to the service's user (sudo
 * cunlian account set ...), a file we made is given to that user, or the
 * daemon could not read the accounts nor take their lock. */
static void account_owner(const struct app *a, const char *path)
{
	struct stat sb;
	if (geteuid() != 0 || stat(a->home, &sb) < 0 || sb.st_uid == 0)
		return;
	if (chown(path, sb.st_uid, sb.st_gid) < 0)
		return; /* the daemon's open then says why */
}

static void account_close(struct account_set *s)
{
	if (s->v) {
		sodium_memzero(s->v, s->n * sizeof(*s->v));
		mem_free(s->v);
	}
	s->v = NULL;
	s->n = 0;
	if (s->lock >= 0) {
		flock(s->lock, LOCK_UN);
		close(s->lock);
	}
	s->lock = -1;
}

/* Take the lock and read the file (absent: no accounts). */
static int account_open(struct app *a, struct account_set *s)
{
	char lock[APP_PATH_MAX + 48];
	uint8_t *data = NULL;
	size_t len = 0;
	int rc;

	memset(s, 0, sizeof(*s));
	s->lock = -1;
	app_path(a, s->path, sizeof(s->path), APP_ACCOUNT_FILE);
	snprintf(lock, sizeof(lock), "%s.lock", s->path);
	if ((s->lock = open(lock, O_RDWR | O_CREAT | O_CLOEXEC, 0600)) < 0) {
		rc = -errno;
		return app_failf(a, rc, APP_W_ACCOUNT_IO, 1, lock);
	}
	account_owner(a, lock);
	while (flock(s->lock, LOCK_EX) < 0) {
		if (errno != EINTR) {
			rc = -errno;
			account_close(s);
			return app_failf(a, rc, APP_W_ACCOUNT_IO, 1, lock);
		}
	}
	if (!(data = mem_alloc(ACCOUNT_FILE_MAX + 1))) {
		account_close(s);
		return app_failf(a, -ENOMEM, APP_W_FAILED, 0);
	}
	rc = app_file_read(s->path, data, ACCOUNT_FILE_MAX, &len);
	if (rc == ERR_NOTFOUND) {
		rc = 0;
		len = 0;
	} else if (rc) {
		mem_free(data);
		account_close(s);
		return app_failf(a, rc, APP_W_ACCOUNT_IO, 1, s->path);
	}
	data[len] = '\0';
	if (strlen((char *)data) != len) { /* a NUL inside */
		rc = ERR_CORRUPT;
		goto bad;
	}
	size_t lines = 0;
	for (size_t i = 0; i < len; i++)
		lines += data[i] == '\n';
	if (lines > APP_ACCOUNTS_MAX || (len && data[len - 1] != '\n')) {
		rc = ERR_CORRUPT;
		goto bad;
	}
	if (lines && !(s->v = mem_calloc(lines, sizeof(*s->v)))) {
		rc = -ENOMEM;
		goto bad;
	}
	char *p = (char *)data;
	for (size_t i = 0; i < lines; i++) {
		char *nl = strchr(p, '\n');
		*nl = '\0';
		if ((rc = account_parse(p, &s->v[s->n]))) {
			char at[32];
			snprintf(at, sizeof(at), "%zu", i + 1);
			sodium_memzero(data, len);
			mem_free(data);
			account_close(s);
			return app_failf(a, rc, APP_W_ACCOUNT_FILE_BAD, 2, s->path, at);
		}
		s->n++;
		p = nl + 1;
	}
	sodium_memzero(data, len);
	mem_free(data);
	return 0;
bad:
	sodium_memzero(data, len);
	mem_free(data);
	account_close(s);
	if (rc == -ENOMEM)
		return app_failf(a, rc, APP_W_FAILED, 0);
	return app_failf(a, rc, APP_W_ACCOUNT_FILE_BAD, 2, s->path, "?");
}

/* Write the accounts back, whole (0600). */
static int account_save(struct app *a, struct account_set *s)
{
	struct buf b;
	int rc;
	buf_init(&b, ACCOUNT_FILE_MAX);
	for (size_t i = 0; i < s->n; i++) {
		const struct app_account *x = &s->v[i];
		char line[ACCOUNT_LINE_MAX + 64];
		int n = snprintf(line, sizeof(line), "%s\t%s\t%u\t%" PRIu64 "\t%s\t%s\t%s\n", x->phone,
				 app_role_name(x->role), x->fails, x->locked_until, x->volunteer, x->hash,
				 x->name);
		if (n < 0 || (size_t)n >= sizeof(line)) {
			b.err = ERR_TOOBIG;
			break;
		}
		buf_put(&b, line, (size_t)n);
		sodium_memzero(line, sizeof(line));
	}
	if (b.err)
		rc = app_failf(a, b.err, APP_W_FAILED, 0);
	else if ((rc = app_file_write(s->path, b.data, b.len, 0600)))
		rc = app_failf(a, rc, APP_W_ACCOUNT_IO, 1, s->path);
	else
		account_owner(a, s->path);
	if (b.data)
		sodium_memzero(b.data, b.len);
	buf_release(&b);
	return rc;
}

static struct app_account *account_find(struct account_set *s, const char *phone)
{
	for (size_t i = 0; i < s->n; i++)
		if (strcmp(s->v[i].phone, phone) == 0)
			return &s->v[i];
	return NULL;
}

/* The phone as typed, checked and normalised into out. */
static int account_phone(struct app *a, const char *typed, char out[64])
{
	if (!typed || !app_phone_ok(typed))
		return app_failf(a, ERR_USAGE, APP_W_ACCOUNT_BAD_PHONE, 1, typed ? typed : "");
	app_phone_norm(typed, out, 64);
	return 0;
}

/* ---- operations ---------------------------------------------------------- */

int app_account_set(struct app *a, const char *phone, const char *volunteer, const char *name,
		    enum app_role role, const char *pin)
{
	struct account_set s;
	struct app_account *x;
	char hash[crypto_pwhash_STRBYTES], p[64];
	int rc;

	if ((rc = account_phone(a, phone, p)) || (rc = app_pin_check(a, pin)))
		return rc;
	if (!app_text_ok(name, APP_NAME_MAX))
		return app_failf(a, ERR_USAGE, APP_W_BAD_NAME, 1, name ? name : "");
	if (volunteer && volunteer[0] && !app_id_ok(volunteer))
		return app_failf(a, ERR_USAGE, APP_W_VOLUNTEER_NOT_FOUND, 1, volunteer);
	/* A1: the hash before the lock (it takes a while), the PIN never kept. */
	if (crypto_pwhash_str(hash, pin, strlen(pin), crypto_pwhash_OPSLIMIT_INTERACTIVE,
			      crypto_pwhash_MEMLIMIT_INTERACTIVE) != 0)
		return app_failf(a, -ENOMEM, APP_W_FAILED, 0);
	if (strlen(hash) >= APP_ACCOUNT_HASH_MAX || strncmp(hash, "$argon2id$", 10) != 0) {
		sodium_memzero(hash, sizeof(hash));
		return app_failf(a, ERR_CORRUPT, APP_W_FAILED, 0);
	}
	if ((rc = account_open(a, &s)))
		goto out;
	if (!(x = account_find(&s, p))) {
		if (s.n >= APP_ACCOUNTS_MAX) {
			char max[16];
			snprintf(max, sizeof(max), "%d", APP_ACCOUNTS_MAX);
			rc = app_failf(a, ERR_TOOBIG, APP_W_ACCOUNT_FULL, 1, max);
			goto out;
		}
		struct app_account *v = mem_realloc(s.v, (s.n + 1) * sizeof(*s.v));
		if (!v) {
			rc = app_failf(a, -ENOMEM, APP_W_FAILED, 0);
			goto out;
		}
		s.v = v;
		x = &s.v[s.n++];
	}
	memset(x, 0, sizeof(*x));
	snprintf(x->phone, sizeof(x->phone), "%s", p);
	snprintf(x->volunteer, sizeof(x->volunteer), "%s", volunteer ? volunteer : "");
	snprintf(x->name, sizeof(x->name), "%s", name);
	snprintf(x->hash, sizeof(x->hash), "%s", hash);
	x->role = role; /* A3: fails and lock cleared */
	rc = account_save(a, &s);
out:
	sodium_memzero(hash, sizeof(hash));
	account_close(&s);
	return rc;
}

int app_account_login(struct app *a, const char *phone, const char *pin, struct app_account *out)
{
	struct account_set s;
	struct app_account *x;
	char p[64], left[24];
	int rc;

	memset(out, 0, sizeof(*out));
	if (!phone || !app_phone_ok(phone) || app_pin_check(a, pin)) { /* A4: alike */
		app_fail_clear(a);
		snprintf(left, sizeof(left), "%d", APP_ACCOUNT_TRIES);
		return app_failf(a, ERR_UNAUTH, APP_W_ACCOUNT_WRONG, 1, left);
	}
	app_phone_norm(phone, p, sizeof(p));
	if ((rc = account_open(a, &s)))
		return rc;
	if (!(x = account_find(&s, p))) {
		account_close(&s);
		snprintf(left, sizeof(left), "%d", APP_ACCOUNT_TRIES);
		return app_failf(a, ERR_UNAUTH, APP_W_ACCOUNT_WRONG, 1, left);
	}
	if (x->locked_until > a->now_ms) { /* A2: not even checked */
		uint64_t min = (x->locked_until - a->now_ms + 59999) / 60000;
		snprintf(left, sizeof(left), "%" PRIu64, min);
		account_close(&s);
		return app_failf(a, ERR_RULE, APP_W_ACCOUNT_LOCKED, 1, left);
	}
	if (crypto_pwhash_str_verify(x->hash, pin, strlen(pin)) == 0) {
		bool changed = x->fails || x->locked_until;
		x->fails = 0; /* A3 */
		x->locked_until = 0;
		*out = *x;
		rc = changed ? account_save(a, &s) : 0;
		account_close(&s);
		if (rc)
			memset(out, 0, sizeof(*out));
		return rc;
	}
	if (x->locked_until) /* a lock that ran out: a fresh count */
		x->fails = 0;
	x->locked_until = 0;
	x->fails++;
	if (x->fails >= APP_ACCOUNT_TRIES) {
		x->fails = APP_ACCOUNT_TRIES;
		x->locked_until = a->now_ms + APP_ACCOUNT_LOCK_MS;
	}
	unsigned remain = APP_ACCOUNT_TRIES - x->fails;
	if ((rc = account_save(a, &s))) {
		account_close(&s);
		return rc;
	}
	account_close(&s);
	if (remain == 0) {
		snprintf(left, sizeof(left), "%" PRIu64, APP_ACCOUNT_LOCK_MS / 60000);
		return app_failf(a, ERR_RULE, APP_W_ACCOUNT_LOCKED, 1, left);
	}
	snprintf(left, sizeof(left), "%u", remain);
	return app_failf(a, ERR_UNAUTH, APP_W_ACCOUNT_WRONG, 1, left);
}

int app_account_get(struct app *a, const char *phone, struct app_account *out)
{
	struct account_set s;
	struct app_account *x;
	char p[64];
	int rc;
	memset(out, 0, sizeof(*out));
	if (!phone || !app_phone_ok(phone))
		return app_failf(a, ERR_NOTFOUND, APP_W_ACCOUNT_NOT_FOUND, 1, phone ? phone : "");
	app_phone_norm(phone, p, sizeof(p));
	if ((rc = account_open(a, &s)))
		return rc;
	if ((x = account_find(&s, p)))
		*out = *x;
	account_close(&s);
	return x ? 0 : app_failf(a, ERR_NOTFOUND, APP_W_ACCOUNT_NOT_FOUND, 1, p);
}

int app_account_remove(struct app *a, const char *phone)
{
	struct account_set s;
	struct app_account *x;
	char p[64];
	int rc;
	if (!phone || !app_phone_ok(phone))
		return app_failf(a, ERR_NOTFOUND, APP_W_ACCOUNT_NOT_FOUND, 1, phone ? phone : "");
	app_phone_norm(phone, p, sizeof(p));
	if ((rc = account_open(a, &s)))
		return rc;
	if (!(x = account_find(&s, p))) {
		account_close(&s);
		return app_failf(a, ERR_NOTFOUND, APP_W_ACCOUNT_NOT_FOUND, 1, p);
	}
	size_t i = (size_t)(x - s.v);
	memmove(&s.v[i], &s.v[i + 1], (s.n - i - 1) * sizeof(*s.v));
	s.n--;
	rc = account_save(a, &s);
	account_close(&s);
	return rc;
}

int app_account_each(struct app *a, app_account_each_fn fn, void *arg)
{
	struct account_set s;
	int rc = account_open(a, &s);
	for (size_t i = 0; !rc && i < s.n; i++) {
		struct app_account x = s.v[i];
		x.hash[0] = '\0';
		rc = fn(arg, &x);
	}
	account_close(&s);
	return rc;
}

int app_account_active(struct app *a, const struct app_account *x)
{
	struct app_volunteer v;
	int rc;
	if (!x->volunteer[0])
		return 0;
	if ((rc = app_volunteer_load(a, x->volunteer, &v)))
		return rc;
	if (strcmp(v.status, "left") == 0)
		return app_failf(a, ERR_RULE, APP_W_ACCOUNT_LEFT, 3, v.name, v.id, v.status);
	return 0;
}
