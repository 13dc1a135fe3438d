// SPDX-License-Identifier: MIT
/*
 * crashvfs.c - a SQLite VFS shim that simulates power cuts (tests only).
 *
 * Like SQLite's own test_vfs.c / crash tests, it wraps the default (unix)
 * VFS and registers itself under the name "crash" (as the default VFS when
 * asked, so crdt_store_open needs no URI). Files whose path starts with a
 * registered domain prefix (one domain per simulated node, e.g.
 * "/dev/shm/x/n3.db" covers n3.db, n3.db-wal, n3.db-shm) are watched:
 *
 *  1. Every xWrite and xTruncate is passed through and recorded with the
 *     bytes it replaced (its pre-image), until the file's next xSync.
 *     xSync does not call fsync: durability is simulated, which keeps the
 *     simulation fast on any disk.
 *  2. A domain can be armed with a countdown: the Nth write, truncate or
 *     sync from then on "trips" it, and that operation and every later one
 *     fails (SQLITE_IOERR_*), as if the power went at that instant. So a
 *     trip inside crdt_apply_remote or a chunk's transaction is a power
 *     cut in the middle of applying a delta. cv_trip() trips at once.
 *  3. After the store is closed (its writes all fail, so closing changes
 *     nothing), cv_cut() decides, seeded, for each write not yet synced:
 *     drop it (restore the pre-image), keep it, or garble it (random bytes
 *     over part of it). Unsynced writes are undone newest first, then the
 *     kept and garbled ones redone oldest first, so overlapping writes
 *     come out as a disk could have left them.
 *
 * All of this is process-wide state: it is a test harness, used by one
 * thread. Include this file into the test program (#include).
 */
#include <errno.h>
#include <fcntl.h>
#include <sqlite3.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "base/mem.h"

/* The API below: not every test program uses every call. */
#define CV_API static __attribute__((unused))

#define CV_DOMAINS_MAX 64
#define CV_PATH_MAX 512

enum cv_fate { CV_DROP = 0, CV_KEEP = 1, CV_GARBLE = 2 };

struct cv_op {
	bool trunc;
	int64_t off;       /* write: offset; truncate: new size */
	int64_t size_before;
	uint8_t *old;      /* bytes replaced: [off, min(off+len, size_before)) or [off, size_before) */
	size_t old_len;
	uint8_t *data;     /* write: the bytes written */
	size_t len;
};

struct cv_rec { /* one watched path */
	char path[CV_PATH_MAX];
	int dom;
	struct cv_op *ops;
	size_t n, cap;
	struct cv_rec *next;
};

struct cv_domain {
	bool used;
	char prefix[CV_PATH_MAX];
	long countdown; /* 0: not armed */
	bool tripped;
	uint64_t ops;   /* writes, truncates and syncs seen */
	uint64_t cuts, dropped, kept, garbled;
};

struct cv_file {
	sqlite3_file base;
	sqlite3_file *real;
	struct cv_rec *rec; /* NULL: not watched */
};

static struct {
	sqlite3_vfs vfs;
	sqlite3_vfs *real;
	struct cv_domain dom[CV_DOMAINS_MAX];
	struct cv_rec *recs;
	uint64_t rand_state; /* xRandomness: seeded, so runs replay */
} cv;

static uint64_t cv_rand(uint64_t *s)
{
	uint64_t z = (*s += 0x9e3779b97f4a7c15ULL);
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

static void cv_op_free(struct cv_op *o)
{
	free(o->old);
	free(o->data);
}

static void cv_rec_clear(struct cv_rec *r)
{
	for (size_t i = 0; i < r->n; i++)
		cv_op_free(&r->ops[i]);
	r->n = 0;
}

static int cv_domain_of(const char *path)
{
	if (!path)
		return -1;
	for (int i = 0; i < CV_DOMAINS_MAX; i++)
		if (cv.dom[i].used && strncmp(path, cv.dom[i].prefix, strlen(cv.dom[i].prefix)) == 0)
			return i;
	return -1;
}

static struct cv_rec *cv_rec_get(const char *path)
{
	int d = cv_domain_of(path);
	if (d < 0)
		return NULL;
	for (struct cv_rec *r = cv.recs; r; r = r->next)
		if (strcmp(r->path, path) == 0)
			return r;
	struct cv_rec *r = calloc(1, sizeof(*r));
	if (!r)
		abort();
	snprintf(r->path, sizeof(r->path), "%s", path);
	r->dom = d;
	r->next = cv.recs;
	cv.recs = r;
	return r;
}

/* Count one operation on a watched file; true when it must fail. */
static bool cv_fails(struct cv_rec *r)
{
	if (!r)
		return false;
	struct cv_domain *d = &cv.dom[r->dom];
	if (d->tripped)
		return true;
	d->ops++;
	if (d->countdown > 0 && --d->countdown == 0) {
		d->tripped = true;
		return true;
	}
	return false;
}

static int cv_pwrite_all(int fd, const uint8_t *p, size_t n, int64_t off)
{
	while (n) {
		ssize_t k = pwrite(fd, p, n, (off_t)off);
		if (k <= 0)
			return -1;
		p += k, n -= (size_t)k, off += k;
	}
	return 0;
}

static void *cv_push(struct cv_rec *r)
{
	if (MEM_GROW(r->ops, r->cap, r->n + 1))
		abort();
	memset(&r->ops[r->n], 0, sizeof(r->ops[0]));
	return &r->ops[r->n++];
}

/* ---- io methods ------------------------------------------------------- */

static int cv_close(sqlite3_file *f)
{
	struct cv_file *p = (struct cv_file *)f;
	int rc = p->real->pMethods ? p->real->pMethods->xClose(p->real) : SQLITE_OK;
	return rc;
}

static int cv_read(sqlite3_file *f, void *b, int n, sqlite3_int64 off)
{
	struct cv_file *p = (struct cv_file *)f;
	return p->real->pMethods->xRead(p->real, b, n, off);
}

static int cv_write(sqlite3_file *f, const void *b, int n, sqlite3_int64 off)
{
	struct cv_file *p = (struct cv_file *)f;
	if (p->rec) {
		sqlite3_int64 size = 0;
		if (cv_fails(p->rec))
			return SQLITE_IOERR_WRITE;
		int rc = p->real->pMethods->xFileSize(p->real, &size);
		if (rc != SQLITE_OK)
			return rc;
		struct cv_op *o = cv_push(p->rec);
		o->off = off;
		o->size_before = size;
		o->len = (size_t)n;
		o->data = malloc((size_t)n);
		memcpy(o->data, b, (size_t)n);
		if (off < size) {
			o->old_len = (size_t)((off + n < size ? off + n : size) - off);
			o->old = malloc(o->old_len);
			rc = p->real->pMethods->xRead(p->real, o->old, (int)o->old_len, off);
			if (rc != SQLITE_OK)
				return rc;
		}
	}
	return p->real->pMethods->xWrite(p->real, b, n, off);
}

static int cv_truncate(sqlite3_file *f, sqlite3_int64 size)
{
	struct cv_file *p = (struct cv_file *)f;
	if (p->rec) {
		sqlite3_int64 before = 0;
		if (cv_fails(p->rec))
			return SQLITE_IOERR_TRUNCATE;
		int rc = p->real->pMethods->xFileSize(p->real, &before);
		if (rc != SQLITE_OK)
			return rc;
		struct cv_op *o = cv_push(p->rec);
		o->trunc = true;
		o->off = size;
		o->size_before = before;
		if (size < before) {
			o->old_len = (size_t)(before - size);
			o->old = malloc(o->old_len);
			rc = p->real->pMethods->xRead(p->real, o->old, (int)o->old_len, size);
			if (rc != SQLITE_OK)
				return rc;
		}
	}
	return p->real->pMethods->xTruncate(p->real, size);
}

static int cv_sync(sqlite3_file *f, int flags)
{
	struct cv_file *p = (struct cv_file *)f;
	(void)flags;
	if (!p->rec)
		return p->real->pMethods->xSync(p->real, flags);
	if (cv_fails(p->rec))
		return SQLITE_IOERR_FSYNC;
	cv_rec_clear(p->rec); /* durable from here on */
	return SQLITE_OK;
}

static int cv_file_size(sqlite3_file *f, sqlite3_int64 *size)
{
	struct cv_file *p = (struct cv_file *)f;
	return p->real->pMethods->xFileSize(p->real, size);
}

static int cv_lock(sqlite3_file *f, int l)
{
	struct cv_file *p = (struct cv_file *)f;
	return p->real->pMethods->xLock(p->real, l);
}

static int cv_unlock(sqlite3_file *f, int l)
{
	struct cv_file *p = (struct cv_file *)f;
	return p->real->pMethods->xUnlock(p->real, l);
}

static int cv_check_reserved(sqlite3_file *f, int *out)
{
	struct cv_file *p = (struct cv_file *)f;
	return p->real->pMethods->xCheckReservedLock(p->real, out);
}

static int cv_file_control(sqlite3_file *f, int op, void *arg)
{
	struct cv_file *p = (struct cv_file *)f;
	return p->real->pMethods->xFileControl(p->real, op, arg);
}

static int cv_sector_size(sqlite3_file *f)
{
	struct cv_file *p = (struct cv_file *)f;
	return p->real->pMethods->xSectorSize(p->real);
}

static int cv_device_chars(sqlite3_file *f)
{
	struct cv_file *p = (struct cv_file *)f;
	return p->real->pMethods->xDeviceCharacteristics(p->real);
}

static int cv_shm_map(sqlite3_file *f, int pg, int pgsz, int extend, void volatile **pp)
{
	struct cv_file *p = (struct cv_file *)f;
	return p->real->pMethods->xShmMap(p->real, pg, pgsz, extend, pp);
}

static int cv_shm_lock(sqlite3_file *f, int off, int n, int flags)
{
	struct cv_file *p = (struct cv_file *)f;
	return p->real->pMethods->xShmLock(p->real, off, n, flags);
}

static void cv_shm_barrier(sqlite3_file *f)
{
	struct cv_file *p = (struct cv_file *)f;
	p->real->pMethods->xShmBarrier(p->real);
}

static int cv_shm_unmap(sqlite3_file *f, int del)
{
	struct cv_file *p = (struct cv_file *)f;
	return p->real->pMethods->xShmUnmap(p->real, del);
}

static const sqlite3_io_methods cv_io = {
	2, /* shared memory, but no xFetch: SQLite reads through xRead */
	cv_close, cv_read, cv_write, cv_truncate, cv_sync, cv_file_size, cv_lock, cv_unlock,
	cv_check_reserved, cv_file_control, cv_sector_size, cv_device_chars,
	cv_shm_map, cv_shm_lock, cv_shm_barrier, cv_shm_unmap, NULL, NULL,
};

/* ---- vfs methods ------------------------------------------------------ */

static int cv_open(sqlite3_vfs *v, const char *name, sqlite3_file *f, int flags, int *out_flags)
{
	struct cv_file *p = (struct cv_file *)f;
	(void)v;
	memset(p, 0, sizeof(*p));
	p->real = (sqlite3_file *)(p + 1);
	int rc = cv.real->xOpen(cv.real, name, p->real, flags, out_flags);
	if (rc != SQLITE_OK) {
		p->base.pMethods = NULL;
		return rc;
	}
	p->rec = cv_rec_get(name);
	p->base.pMethods = &cv_io;
	return SQLITE_OK;
}

static int cv_delete(sqlite3_vfs *v, const char *name, int dir_sync)
{
	(void)v;
	struct cv_rec *r = cv_rec_get(name);
	if (r) {
		if (cv_fails(r))
			return SQLITE_IOERR_DELETE;
		cv_rec_clear(r);
	}
	return cv.real->xDelete(cv.real, name, dir_sync);
}

static int cv_access(sqlite3_vfs *v, const char *name, int flags, int *out)
{
	(void)v;
	return cv.real->xAccess(cv.real, name, flags, out);
}

static int cv_full_path(sqlite3_vfs *v, const char *name, int n, char *out)
{
	(void)v;
	return cv.real->xFullPathname(cv.real, name, n, out);
}

static void *cv_dl_open(sqlite3_vfs *v, const char *p)
{
	(void)v;
	return cv.real->xDlOpen(cv.real, p);
}

static void cv_dl_error(sqlite3_vfs *v, int n, char *msg)
{
	(void)v;
	cv.real->xDlError(cv.real, n, msg);
}

static void (*cv_dl_sym(sqlite3_vfs *v, void *h, const char *s))(void)
{
	(void)v;
	return cv.real->xDlSym(cv.real, h, s);
}

static void cv_dl_close(sqlite3_vfs *v, void *h)
{
	(void)v;
	cv.real->xDlClose(cv.real, h);
}

static int cv_randomness(sqlite3_vfs *v, int n, char *out)
{
	(void)v;
	/* seeded (cv.rand_state): the same seed gives the same files */
	for (int i = 0; i < n; i++)
		out[i] = (char)cv_rand(&cv.rand_state);
	return n;
}

static int cv_sleep(sqlite3_vfs *v, int us)
{
	(void)v;
	return cv.real->xSleep(cv.real, us);
}

static int cv_current_time(sqlite3_vfs *v, double *t)
{
	(void)v;
	return cv.real->xCurrentTime(cv.real, t);
}

static int cv_last_error(sqlite3_vfs *v, int n, char *s)
{
	(void)v;
	return cv.real->xGetLastError(cv.real, n, s);
}

static int cv_current_time64(sqlite3_vfs *v, sqlite3_int64 *t)
{
	(void)v;
	return cv.real->xCurrentTimeInt64(cv.real, t);
}

/* Register the shim (idempotent); as the default VFS when make_default. */
CV_API int cv_register(bool make_default)
{
	if (cv.real)
		return SQLITE_OK;
	cv.real = sqlite3_vfs_find(NULL);
	if (!cv.real)
		return SQLITE_ERROR;
	cv.vfs.iVersion = 2;
	cv.vfs.szOsFile = (int)sizeof(struct cv_file) + cv.real->szOsFile;
	cv.vfs.mxPathname = cv.real->mxPathname;
	cv.vfs.zName = "crash";
	cv.vfs.xOpen = cv_open;
	cv.vfs.xDelete = cv_delete;
	cv.vfs.xAccess = cv_access;
	cv.vfs.xFullPathname = cv_full_path;
	cv.vfs.xDlOpen = cv_dl_open;
	cv.vfs.xDlError = cv_dl_error;
	cv.vfs.xDlSym = cv_dl_sym;
	cv.vfs.xDlClose = cv_dl_close;
	cv.vfs.xRandomness = cv_randomness;
	cv.vfs.xSleep = cv_sleep;
	cv.vfs.xCurrentTime = cv_current_time;
	cv.vfs.xGetLastError = cv_last_error;
	cv.vfs.xCurrentTimeInt64 = cv_current_time64;
	return sqlite3_vfs_register(&cv.vfs, make_default);
}

/* Watch every file whose path starts with prefix; returns the domain id. */
CV_API int cv_domain_add(const char *prefix)
{
	for (int i = 0; i < CV_DOMAINS_MAX; i++)
		if (!cv.dom[i].used) {
			memset(&cv.dom[i], 0, sizeof(cv.dom[i]));
			cv.dom[i].used = true;
			snprintf(cv.dom[i].prefix, sizeof(cv.dom[i].prefix), "%s", prefix);
			return i;
		}
	abort();
}

/* Forget a domain and its records (its files are about to be removed). */
CV_API void cv_domain_remove(int d)
{
	struct cv_rec **pp = &cv.recs;
	while (*pp) {
		struct cv_rec *r = *pp;
		if (r->dom == d) {
			*pp = r->next;
			cv_rec_clear(r);
			free(r->ops);
			free(r);
		} else {
			pp = &r->next;
		}
	}
	cv.dom[d].used = false;
}

/* Trip after n more operations (1: the next one); 0 disarms. */
CV_API void cv_arm(int d, long n)
{
	cv.dom[d].countdown = n;
}

CV_API void cv_trip(int d)
{
	cv.dom[d].tripped = true;
	cv.dom[d].countdown = 0;
}

CV_API bool cv_tripped(int d)
{
	return cv.dom[d].tripped;
}

/*
 * The power cut: for each watched file of domain d, every write since its
 * last sync is dropped, kept or garbled (fates chosen from *rng; force >= 0
 * gives every write that fate). Call with the store closed. Returns 0, or
 * -1 when a file could not be rewritten.
 */
CV_API int cv_cut(int d, uint64_t *rng, int force)
{
	struct cv_domain *dom = &cv.dom[d];
	int rc = 0;
	dom->cuts++;
	for (struct cv_rec *r = cv.recs; r; r = r->next) {
		if (r->dom != d || r->n == 0)
			continue;
		int fd = open(r->path, O_RDWR);
		if (fd < 0) { /* the file is gone: nothing of it was durable anyway */
			cv_rec_clear(r);
			continue;
		}
		/* undo, newest first: back to the synced image */
		for (size_t i = r->n; i-- > 0;) {
			struct cv_op *o = &r->ops[i];
			if (o->trunc) {
				if (ftruncate(fd, (off_t)o->size_before) ||
				    (o->old_len && cv_pwrite_all(fd, o->old, o->old_len, o->off)))
					rc = -1;
			} else {
				if (o->old_len && cv_pwrite_all(fd, o->old, o->old_len, o->off))
					rc = -1;
				if (o->size_before < o->off + (int64_t)o->len &&
				    ftruncate(fd, (off_t)o->size_before))
					rc = -1;
			}
		}
		/* redo, oldest first, what the disk happened to keep */
		for (size_t i = 0; i < r->n; i++) {
			struct cv_op *o = &r->ops[i];
			int fate = force >= 0 ? force : (int)(cv_rand(rng) % 3);
			if (fate == CV_DROP) {
				dom->dropped++;
				continue;
			}
			if (o->trunc) {
				dom->kept++;
				if (ftruncate(fd, (off_t)o->off))
					rc = -1;
				continue;
			}
			if (fate == CV_GARBLE && o->len) {
				size_t a = (size_t)(cv_rand(rng) % o->len), b = (size_t)(cv_rand(rng) % o->len);
				if (a > b) {
					size_t t = a;
					a = b;
					b = t;
				}
				for (size_t k = a; k <= b; k++)
					o->data[k] = (uint8_t)cv_rand(rng);
				dom->garbled++;
			} else {
				dom->kept++;
			}
			if (cv_pwrite_all(fd, o->data, o->len, o->off))
				rc = -1;
		}
		close(fd);
		cv_rec_clear(r);
	}
	dom->tripped = false;
	dom->countdown = 0;
	return rc;
}
