// SPDX-License-Identifier: MIT
/*
 * config.c - node.conf, the node's few settings as `key = value` lines.
 *
 *   # written by cunlian init
 *   station = s0001
 *   name = 东村志愿服务站
 *   role = station        (station or hub)
 *   level = village       (village, town or county)
 *   parent = t01          (may be empty)
 *
 *   lang = zh             (zh or en: the language of messages)
 *
 * Blank lines and lines starting with # are ignored. The file may also
 * hold the network settings (node/netconf.c reads them): keys this
 * reader does not know are left to that one, which refuses a key that
 * neither knows (app_conf_key), naming the line.
 */
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <unistd.h>

#include "base/afile.h"
#include "base/err.h"
#include "app/app.h"

static char *conf_trim(char *s)
{
	while (*s == ' ' || *s == '\t')
		s++;
	char *e = s + strlen(s);
	while (e > s && (e[-1] == ' ' || e[-1] == '\t' || e[-1] == '\n' || e[-1] == '\r'))
		*--e = '\0';
	return s;
}

/* Copy a value into its field; a value cut to fit loses the blanks (and
 * CR/LF) it then ends with, so what app_conf_write writes reads back the same. */
static void conf_set(char *dst, size_t n, const char *v)
{
	snprintf(dst, n, "%s", v);
	(void)conf_trim(dst); /* v starts with no blank: this only cuts the end */
}

static const char *const conf_keys[] = { "station", "name", "role", "level", "parent", "lang" };

bool app_conf_key(const char *k)
{
	for (size_t i = 0; i < sizeof(conf_keys) / sizeof(conf_keys[0]); i++)
		if (strcmp(k, conf_keys[i]) == 0)
			return true;
	return false;
}

int app_conf_read(const char *path, struct app_conf *c)
{
	char line[512];
	int at = 0;
	FILE *f = fopen(path, "r");
	memset(c, 0, sizeof(*c));
	if (!f)
		return errno == ENOENT ? ERR_NOTFOUND : -errno;
	while (fgets(line, sizeof(line), f)) {
		char *k = conf_trim(line), *eq;
		at++;
		if (*k == '\0' || *k == '#')
			continue;
		if (!(eq = strchr(k, '='))) {
			fclose(f);
			c->bad_line = at;
			return ERR_USAGE;
		}
		*eq = '\0';
		char *v = conf_trim(eq + 1);
		k = conf_trim(k);
		if (strcmp(k, "station") == 0) {
			conf_set(c->station, sizeof(c->station), v);
			c->station_line = at;
		} else if (strcmp(k, "role") == 0) {
			conf_set(c->role, sizeof(c->role), v);
			c->role_line = at;
		} else if (strcmp(k, "name") == 0) {
			conf_set(c->name, sizeof(c->name), v);
		} else if (strcmp(k, "level") == 0) {
			conf_set(c->level, sizeof(c->level), v);
		} else if (strcmp(k, "parent") == 0) {
			conf_set(c->parent, sizeof(c->parent), v);
		} else if (strcmp(k, "lang") == 0) {
			if (strcmp(v, "zh") != 0 && strcmp(v, "en") != 0) {
				fclose(f);
				c->bad_line = at;
				return ERR_USAGE;
			}
			conf_set(c->lang, sizeof(c->lang), v);
		}
	}
	fclose(f);
	if (!app_id_ok(c->station) || (strcmp(c->role, "station") && strcmp(c->role, "hub")))
		return ERR_CORRUPT;
	return 0;
}

int app_conf_write(const char *path, const struct app_conf *c)
{
	char tmp[APP_PATH_MAX + 16];
	snprintf(tmp, sizeof(tmp), "%s.tmp", path);
	FILE *f = fopen(tmp, "w");
	if (!f)
		return -errno;
	fprintf(f,
		"# cunlian node configuration, written by `cunlian init`\n"
		"station = %s\nname = %s\nrole = %s\nlevel = %s\nparent = %s\n"
		"# the language of messages: zh or en (--lang and CUNLIAN_LANG win)\nlang = %s\n",
		c->station, c->name, c->role, c->level, c->parent, c->lang[0] ? c->lang : "zh");
	return afile_publish(f, tmp, path, true); /* the new name on disk too */
}
