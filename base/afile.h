/* SPDX-License-Identifier: MIT */
/*
 * afile.h - a file replaced whole or not at all: written to a temporary
 * file in the same folder, flushed, fsynced, renamed over the old one, and
 * the folder fsynced, so a power cut or a full disk leaves either the old
 * file or the new one, never a mixture and never a partial file.
 *
 * Invariants:
 *  A1. Until afile_commit() succeeds, path is untouched (the old file, if
 *      any, stays byte for byte); on any failure the temporary file is
 *      removed.
 *  A2. The first error is sticky (like struct buf): later writes are
 *      no-ops that still count their bytes, so after -ENOSPC the caller
 *      can go on producing the file only to learn its full size (bytes),
 *      which is what the disk lacked room for.
 *  A3. The temporary file is "<path>.part"; a stale one (from a power cut)
 *      is replaced by the next run.
 *
 * The caller owns struct afile; it is not thread-safe.
 */
#ifndef CUNLIAN_AFILE_H
#define CUNLIAN_AFILE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>
#include <stdint.h>
#include <sys/types.h>

#define AFILE_PATH_MAX 4096

struct afile {
	int fd;                       /* -1 once closed */
	char path[AFILE_PATH_MAX];
	char tmp[AFILE_PATH_MAX + 8];
	uint64_t bytes;               /* every byte handed to afile_write */
	int err;                      /* 0, or the first error (-errno) */
};

/* Create the temporary file for path with mode (0600, 0644 ...). Returns 0
 * or -errno (-ENAMETOOLONG for a path over AFILE_PATH_MAX); on failure
 * nothing was created. */
int afile_open(struct afile *a, const char *path, mode_t mode);
/* Append n bytes. Returns a->err (0 while all is well). */
int afile_write(struct afile *a, const void *p, size_t n);
/* Flush, fsync, close, rename over path, fsync the folder. Returns 0, or
 * the first error of the whole file (the temporary file then removed, path
 * untouched). Always closes a. */
int afile_commit(struct afile *a);
/* Drop the temporary file; path untouched. Safe after commit. */
void afile_abort(struct afile *a);
/* The whole of p as path, by the steps above. */
int afile_put(const char *path, const void *p, size_t n, mode_t mode);
/* The same steps for a file the caller wrote with stdio under a temporary
 * name of its own in path's folder (a name per process, or one a lock
 * guards): flush, fsync and close f, rename tmp over path, and with
 * sync_dir fsync the folder. On failure tmp is removed and path is as it
 * was. Returns 0 or -errno; f is closed either way. */
int afile_publish(FILE *f, const char *tmp, const char *path, bool sync_dir);
/* The same without any fsync, for a file whose last version may be lost
 * in a power cut (a time noted, not a record): still whole or absent after
 * a crash of the program, never partial (the rename). */
int afile_replace(FILE *f, const char *tmp, const char *path);
/* fsync the folder that holds path (so a rename in it is on disk).
 * Returns 0 or -errno; a file system that cannot fsync a folder (EINVAL)
 * counts as done. */
int afile_sync_dir(const char *path);
/* Bytes free for an unprivileged writer in the file system of path's
 * folder, or -1 if unknown. */
int64_t afile_free_bytes(const char *path);

#endif
