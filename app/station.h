/* SPDX-License-Identifier: MIT */
/*
 * station.h - stations, towns and the county as records (station.c), and
 * making a node: init.
 */
#ifndef CUNLIAN_APP_STATION_H
#define CUNLIAN_APP_STATION_H

#include "app/app.h"

struct app_station {
	char id[CRDT_SCOPE_MAX + 1];
	char name[APP_NAME_MAX + 1];
	char level[16];                  /* village (default), town, county */
	char parent[CRDT_SCOPE_MAX + 1]; /* "" none */
};

/* Fill s from what a person typed (level, parent may be NULL) and check
 * it: ERR_USAGE with APP_W_BAD_STATION_ID (id), APP_W_BAD_NAME (name)
 * or APP_W_BAD_LEVEL (level); level defaults to village. */
int app_station_set(struct app *a, struct app_station *s, const char *id, const char *name,
		    const char *level, const char *parent);
/* Record s county-wide (scope ""), at the hub only (ERR_RULE,
 * APP_W_HUB_ONLY). Durable when it returns 0. */
int app_station_add(struct app *a, const struct app_station *s);
/* Every live station, by id: *out mem_alloc'd. */
int app_station_list(struct app *a, struct app_station **out, size_t *n);

/* Make a node in a->home (a->now_ms set): node.conf, identity.key (kept
 * when an init cut short left one), the replica and the station's row.
 * role: station or hub (APP_W_BAD_ROLE); lang: zh or en. ERR_EXISTS
 * (APP_W_INIT_EXISTS) when the home holds a node. The app is open after
 * it; a hub then enrols itself (enroll). */
int app_node_init(struct app *a, const struct app_station *s, const char *role, const char *lang);

#endif
