// SPDX-License-Identifier: MIT
/*
 * peer.c - peers/<name>.vv and peers/<name>.last in the home (peer.h).
 */
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

#include "app/peer.h"
#include "base/afile.h"
#include "base/mem.h"

void app_peer_name(const char *host, unsigned port, char *out, size_t n)
{
	size_t k = 0;
	for (const char *c = host; *c && k + 8 < n; c++) {
		bool safe = (*c >= 'a' && *c <= 'z') || (*c >= 'A' && *c <= 'Z') ||
			    (*c >= '0' && *c <= '9') || *c == '.' || *c == '-';
		out[k++] = safe ? *c : '_';
	}
	snprintf(out + k, n - k, "_%u", port);
}

/* peers/<peer><ext> in the home. */
static void app_peer_path(const struct app *a, const char *peer, const char *ext, char *out, size_t n)
{
	char file[APP_PEER_NAME_MAX + 16];
	snprintf(file, sizeof(file), "peers/%s%s", peer, ext);
	app_path(a, out, n, file);
}

/* Open a new version of peers/<peer><ext> for writing (*tmp its name). */
static int app_peer_create(const struct app *a, const char *peer, const char *ext, char *path,
			   char *tmp, size_t n, FILE **f)
{
	app_path(a, path, n, "peers");
	if (mkdir(path, 0700) < 0 && errno != EEXIST)
		return -errno;
	app_peer_path(a, peer, ext, path, n);
	snprintf(tmp, n, "%s.tmp", path);
	if (!(*f = fopen(tmp, "w")))
		return -errno;
	return 0;
}

int app_peer_last_save(const struct app *a, const char *peer, uint64_t ms)
{
	char path[APP_PATH_MAX + 200], tmp[APP_PATH_MAX + 200];
	FILE *f;
	int rc = app_peer_create(a, peer, ".last", path, tmp, sizeof(path), &f);
	if (rc)
		return rc;
	/* a time, not a record: replaced whole by a rename, but not fsynced
	 * (two fsyncs were about 6 % of a hub's CPU a session): a power cut
	 * may leave the time before, or an empty file that reads as never,
	 * and the next sync notes it again (relays learn the station then) */
	fprintf(f, "%llu\n", (unsigned long long)ms);
	return afile_replace(f, tmp, path);
}

int app_peer_last_load(const struct app *a, const char *peer, uint64_t *ms)
{
	char path[APP_PATH_MAX + 200];
	unsigned long long v = 0;
	FILE *f;
	*ms = 0;
	app_peer_path(a, peer, ".last", path, sizeof(path));
	if (!(f = fopen(path, "r")))
		return errno == ENOENT ? 0 : -errno;
	if (fscanf(f, "%llu", &v) == 1)
		*ms = v; /* a damaged file reads as never */
	fclose(f);
	return 0;
}

/* One line of a .vv file into e: "<author hex> <seq> [<scope>]" and
 * nothing more; false for a damaged line. */
static bool app_peer_vv_line(const char *line, struct crdt_vv_entry *e)
{
	char buf[256], *save = NULL;
	int64_t seq;
	snprintf(buf, sizeof(buf), "%s", line);
	const char *hex = strtok_r(buf, " \t\r\n", &save), *seqs = strtok_r(NULL, " \t\r\n", &save);
	const char *scope = strtok_r(NULL, " \t\r\n", &save);
	memset(e, 0, sizeof(*e));
	if (!hex || !seqs || strtok_r(NULL, " \t\r\n", &save) || strlen(hex) != 2 * CRDT_AUTHOR_LEN ||
	    app_hex_parse(hex, e->author, CRDT_AUTHOR_LEN) || app_parse_int(seqs, 0, INT64_MAX, &seq) ||
	    (scope && strlen(scope) > CRDT_SCOPE_MAX))
		return false;
	if (scope && strcmp(scope, "-") != 0) /* "-" is the county-wide scope "" */
		memcpy(e->scope, scope, strlen(scope) + 1); /* fits: checked above */
	e->seq = (uint64_t)seq;
	return true;
}

int app_peer_vv_load(const struct app *a, const char *peer, struct crdt_vv_entry **out, size_t *n)
{
	char path[APP_PATH_MAX + 200], line[256];
	struct crdt_vv_entry *v = NULL;
	size_t len = 0, cap = 0;
	FILE *f;

	*out = NULL;
	*n = 0;
	app_peer_path(a, peer, ".vv", path, sizeof(path));
	if (!(f = fopen(path, "r")))
		return errno == ENOENT ? 0 : -errno;
	while (fgets(line, sizeof(line), f)) {
		int rc = MEM_GROW(v, cap, len + 1);
		if (rc) {
			fclose(f);
			mem_free(v);
			return rc;
		}
		if (app_peer_vv_line(line, &v[len]))
			len++;
	}
	fclose(f);
	*out = v;
	*n = len;
	return 0;
}

int app_peer_vv_save(const struct app *a, const char *peer, const struct crdt_vv_entry *vv, size_t n)
{
	char path[APP_PATH_MAX + 200], tmp[APP_PATH_MAX + 200], hex[2 * CRDT_AUTHOR_LEN + 1];
	FILE *f;
	int rc = app_peer_create(a, peer, ".vv", path, tmp, sizeof(path), &f);
	if (rc)
		return rc;
	for (size_t i = 0; i < n; i++) {
		app_hex(vv[i].author, CRDT_AUTHOR_LEN, hex);
		fprintf(f, "%s %llu %s\n", hex, (unsigned long long)vv[i].seq,
			vv[i].scope[0] ? vv[i].scope : "-");
	}
	return afile_publish(f, tmp, path, true);
}
