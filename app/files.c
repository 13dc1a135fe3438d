// SPDX-License-Identifier: MIT
/*
 * files.c - small files of the home, read whole and written whole or not
 * at all.
 */
#include <errno.h>
#include <stdio.h>
#include <sys/statvfs.h>
#include <sys/types.h>

#include "base/afile.h"
#include "base/err.h"
#include "app/app.h"

int app_file_read(const char *path, uint8_t *buf, size_t cap, size_t *len)
{
	FILE *f = fopen(path, "rb");
	*len = 0;
	if (!f)
		return errno == ENOENT ? ERR_NOTFOUND : -errno;
	*len = fread(buf, 1, cap, f);
	int rc = ferror(f) ? -EIO : !feof(f) ? ERR_TOOBIG : 0;
	fclose(f);
	return rc;
}

/* Whole or not at all, the folder fsynced after the rename (base/afile.h). */
int app_file_write(const char *path, const void *p, size_t n, unsigned mode)
{
	return afile_put(path, p, n, (mode_t)mode);
}

bool app_home_readonly(const struct app *a)
{
	struct statvfs vs;
	return statvfs(a->home, &vs) == 0 && (vs.f_flag & ST_RDONLY);
}
