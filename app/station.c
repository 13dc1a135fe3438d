// SPDX-License-Identifier: MIT
/*
 * station.c - stations as records, and init (station.h).
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <sqlite3.h>

#include "base/err.h"
#include "base/mem.h"
#include "app/app.h"
#include "app/clock.h"
#include "app/station.h"

static bool station_level_ok(const char *s)
{
	return strcmp(s, "village") == 0 || strcmp(s, "town") == 0 || strcmp(s, "county") == 0;
}

static bool station_id_ok(const char *id)
{
	return app_id_ok(id) && strcmp(id, "hub") != 0; /* hub: the hub's own id prefix */
}

int app_station_set(struct app *a, struct app_station *s, const char *id, const char *name,
		    const char *level, const char *parent)
{
	memset(s, 0, sizeof(*s));
	if (!level)
		level = "village";
	if (!station_id_ok(id))
		return app_failf(a, ERR_USAGE, APP_W_BAD_STATION_ID, 1, id);
	if (!app_text_ok(name, APP_NAME_MAX))
		return app_failf(a, ERR_USAGE, APP_W_BAD_NAME, 1, name);
	if (!station_level_ok(level))
		return app_failf(a, ERR_USAGE, APP_W_BAD_LEVEL, 1, level);
	if (parent && *parent && !app_id_ok(parent))
		return app_failf(a, ERR_USAGE, APP_W_BAD_STATION_ID, 1, parent);
	snprintf(s->id, sizeof(s->id), "%s", id);
	snprintf(s->name, sizeof(s->name), "%s", name);
	snprintf(s->level, sizeof(s->level), "%s", level);
	snprintf(s->parent, sizeof(s->parent), "%s", parent ? parent : "");
	return 0;
}

/* One county-wide commit of a stations row. */
static int station_write(struct app *a, const struct app_station *s)
{
	struct crdt_write w;
	crdt_write_init(&w, CRDT_T_STATIONS, CRDT_UPSERT, s->id);
	crdt_write_set_text(&w, CRDT_C_STATIONS_NAME, s->name);
	crdt_write_set_text(&w, CRDT_C_STATIONS_LEVEL, s->level);
	if (s->parent[0])
		crdt_write_set_text(&w, CRDT_C_STATIONS_PARENT, s->parent);
	return app_commit(a, "", &w, 1);
}

int app_station_add(struct app *a, const struct app_station *s)
{
	if (!a->hub)
		return app_failf(a, ERR_RULE, APP_W_HUB_ONLY, 1, "station add");
	return station_write(a, s);
}

int app_station_list(struct app *a, struct app_station **out, size_t *n)
{
	struct app_station *v = NULL;
	size_t cap = 0;
	sqlite3_stmt *st;
	int rc;

	*out = NULL;
	*n = 0;
	if ((rc = app_sql(a, &st, "SELECT pk, name, level, parent FROM stations_live ORDER BY pk", NULL)))
		return rc;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		if ((rc = MEM_GROW(v, cap, *n + 1)))
			break;
		struct app_station *s = &v[(*n)++];
		app_col_text(st, 0, s->id, sizeof(s->id));
		app_col_text(st, 1, s->name, sizeof(s->name));
		app_col_text(st, 2, s->level, sizeof(s->level));
		app_col_text(st, 3, s->parent, sizeof(s->parent));
	}
	sqlite3_finalize(st);
	if (rc != SQLITE_DONE) {
		mem_free(v);
		*n = 0;
		return rc < 0 ? app_failf(a, rc, APP_W_FAILED, 0) : app_fail_store(a, ERR_STORAGE);
	}
	*out = v;
	return 0;
}

int app_node_init(struct app *a, const struct app_station *s, const char *role, const char *lang)
{
	char path[APP_PATH_MAX + 32];
	struct app_conf c;
	struct stat sb;
	int rc;

	if (strcmp(role, "station") && strcmp(role, "hub"))
		return app_failf(a, ERR_USAGE, APP_W_BAD_ROLE, 1, role);
	app_path(a, path, sizeof(path), "node.conf");
	if (stat(path, &sb) == 0)
		return app_failf(a, ERR_EXISTS, APP_W_INIT_EXISTS, 1, a->home);
	if ((rc = app_clock_check(a))) /* before a key or a file is made */
		return rc;
	if (mkdir(a->home, 0700) < 0 && errno != EEXIST)
		return app_failf(a, -errno, APP_W_MKDIR, 1, a->home);

	memset(&c, 0, sizeof(c));
	snprintf(c.station, sizeof(c.station), "%s", s->id);
	snprintf(c.name, sizeof(c.name), "%s", s->name);
	snprintf(c.role, sizeof(c.role), "%s", role);
	snprintf(c.level, sizeof(c.level), "%s", s->level);
	snprintf(c.parent, sizeof(c.parent), "%s", s->parent);
	snprintf(c.lang, sizeof(c.lang), "%s", lang);
	a->conf = c;
	a->hub = strcmp(role, "hub") == 0;

	/* An init cut short leaves a key but no node.conf: keep that key. */
	app_path(a, path, sizeof(path), "identity.key");
	rc = app_identity_create(path, a->author);
	if (rc == ERR_EXISTS)
		rc = app_identity_load(path, a->author);
	if (rc)
		return app_failf(a, rc, APP_W_KEY_WRITE, 1, path);
	if ((rc = app_replica_open(a)) || (rc = station_write(a, s)))
		return rc;
	app_path(a, path, sizeof(path), "node.conf");
	if ((rc = app_conf_write(path, &c)))
		return app_failf(a, rc, APP_W_CONF_WRITE, 1, path);
	return 0;
}
