// SPDX-License-Identifier: MIT
/*
 * afile.c - replace a file whole or not at all (afile.h).
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/statvfs.h>
#include <unistd.h>

#include "base/afile.h"

/* The folder of path into out ("." when it names none). */
static void afile_dir(const char *path, char *out, size_t n)
{
	const char *slash = strrchr(path, '/');
	if (!slash)
		snprintf(out, n, ".");
	else if (slash == path)
		snprintf(out, n, "/");
	else
		snprintf(out, n, "%.*s", (int)(slash - path), path);
}

int afile_open(struct afile *a, const char *path, mode_t mode)
{
	memset(a, 0, sizeof(*a));
	a->fd = -1;
	if (strlen(path) >= sizeof(a->path))
		return -ENAMETOOLONG;
	snprintf(a->path, sizeof(a->path), "%s", path);
	snprintf(a->tmp, sizeof(a->tmp), "%s.part", path);
	a->fd = open(a->tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW, mode);
	if (a->fd < 0)
		return -errno;
	return 0;
}

int afile_write(struct afile *a, const void *p, size_t n)
{
	const uint8_t *b = p;
	a->bytes += n;
	while (!a->err && n) {
		ssize_t w = write(a->fd, b, n);
		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0) {
			a->err = w < 0 ? -errno : -EIO;
			break;
		}
		b += w;
		n -= (size_t)w;
	}
	return a->err;
}

int afile_sync_dir(const char *path)
{
	char dir[AFILE_PATH_MAX];
	int fd, rc = 0;
	afile_dir(path, dir, sizeof(dir));
	fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	if (fsync(fd) < 0 && errno != EINVAL)
		rc = -errno;
	close(fd);
	return rc;
}

int afile_commit(struct afile *a)
{
	if (a->fd < 0)
		return a->err ? a->err : -EBADF;
	if (!a->err && fsync(a->fd) < 0)
		a->err = -errno;
	if (close(a->fd) < 0 && !a->err)
		a->err = -errno;
	a->fd = -1;
	if (!a->err && rename(a->tmp, a->path) < 0)
		a->err = -errno;
	if (a->err) {
		unlink(a->tmp);
		a->tmp[0] = '\0';
		return a->err;
	}
	a->tmp[0] = '\0';
	/* the new name is on disk once its folder is: a power cut after
	 * this returns cannot bring the old file back */
	return afile_sync_dir(a->path);
}

void afile_abort(struct afile *a)
{
	if (a->fd >= 0)
		close(a->fd);
	a->fd = -1;
	if (a->tmp[0])
		unlink(a->tmp);
	a->tmp[0] = '\0';
}

int afile_put(const char *path, const void *p, size_t n, mode_t mode)
{
	struct afile a;
	int rc = afile_open(&a, path, mode);
	if (rc)
		return rc;
	afile_write(&a, p, n);
	return afile_commit(&a);
}

static int afile_finish(FILE *f, const char *tmp, const char *path, bool sync_file, bool sync_dir)
{
	int rc = 0;
	errno = 0;
	if (fflush(f) != 0 || ferror(f) || (sync_file && fsync(fileno(f)) != 0))
		rc = errno ? -errno : -EIO;
	if (fclose(f) != 0 && !rc)
		rc = errno ? -errno : -EIO;
	if (!rc && rename(tmp, path) < 0)
		rc = -errno;
	if (rc) {
		unlink(tmp);
		return rc;
	}
	return sync_dir ? afile_sync_dir(path) : 0;
}

int afile_publish(FILE *f, const char *tmp, const char *path, bool sync_dir)
{
	return afile_finish(f, tmp, path, true, sync_dir);
}

int afile_replace(FILE *f, const char *tmp, const char *path)
{
	return afile_finish(f, tmp, path, false, false);
}

int64_t afile_free_bytes(const char *path)
{
	char dir[AFILE_PATH_MAX];
	struct statvfs sv;
	afile_dir(path, dir, sizeof(dir));
	if (statvfs(dir, &sv) < 0)
		return -1;
	return (int64_t)sv.f_bavail * (int64_t)sv.f_frsize;
}
