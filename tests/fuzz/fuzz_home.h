/* SPDX-License-Identifier: MIT */
/*
 * fuzz_home.h - temporary folders and files for the targets that need a
 * home on disk (fuzz_backup, and through fuzz_node.h those that run the
 * program's files), header-only: folders under /dev/shm (or /tmp) named
 * with the process id, swept when their process is gone.
 */
#ifndef CUNLIAN_FUZZ_HOME_H
#define CUNLIAN_FUZZ_HOME_H

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define FUZZ_PATH_MAX 1024

/* Remove dir and what it holds. */
__attribute__((unused)) static void fuzz_rmtree(const char *dir)
{
	DIR *d = opendir(dir);
	struct dirent *e;
	char path[FUZZ_PATH_MAX + 300];
	struct stat sb;
	while (d && (e = readdir(d)) != NULL) {
		if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0)
			continue;
		snprintf(path, sizeof(path), "%s/%s", dir, e->d_name);
		if (lstat(path, &sb) == 0 && S_ISDIR(sb.st_mode))
			fuzz_rmtree(path);
		else
			unlink(path);
	}
	if (d)
		closedir(d);
	rmdir(dir);
}

/* Remove the folders of base that fuzz_tmpdir made in processes that are
 * gone (libFuzzer does not always run atexit handlers: -merge, a crash). */
static void fuzz_tmp_sweep(const char *base)
{
	DIR *d = opendir(base);
	struct dirent *e;
	char path[FUZZ_PATH_MAX];
	while (d && (e = readdir(d)) != NULL) {
		const char *p = strncmp(e->d_name, "cunlian-fuzz-", 13) == 0 ? strchr(e->d_name + 13, '-') : NULL;
		long pid = p ? strtol(p + 1, NULL, 10) : 0;
		if (pid <= 0 || pid == (long)getpid() || kill((pid_t)pid, 0) == 0 || errno != ESRCH)
			continue;
		snprintf(path, sizeof(path), "%s/%s", base, e->d_name);
		fuzz_rmtree(path);
	}
	if (d)
		closedir(d);
}

/* A new private folder: /dev/shm when there is one (no disk writes),
 * else /tmp, named with the process id. out holds 64 bytes. */
__attribute__((unused)) static void fuzz_tmpdir(char *out, const char *what)
{
	static int swept;
	const char *base = access("/dev/shm", W_OK) == 0 ? "/dev/shm" : "/tmp";
	if (!swept++)
		fuzz_tmp_sweep(base);
	snprintf(out, 64, "%s/cunlian-fuzz-%s-%ld-XXXXXX", base, what, (long)getpid());
	if (!mkdtemp(out))
		abort();
}

/* Write len bytes to path (created, mode 0600), or abort. */
__attribute__((unused)) static void fuzz_write_file(const char *path, const void *p, size_t len)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	if (fd < 0 || (len && write(fd, p, len) != (ssize_t)len) || close(fd))
		abort();
}

#endif
