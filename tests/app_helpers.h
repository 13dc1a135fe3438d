/* SPDX-License-Identifier: MIT */
/*
 * app_helpers.h - real homes for the tests of app/ (header-only, static):
 * node.conf, an Ed25519 identity and a SQLite replica with signed
 * commits, as `cunlian init` and a first order leave them.
 */
#ifndef CUNLIAN_TEST_APP_HELPERS_H
#define CUNLIAN_TEST_APP_HELPERS_H

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/stat.h>
#include <cmocka.h>

#include "app/app.h"
#include "tests/helpers.h"

__attribute__((unused)) static void t_app(struct app *a, const char *home, enum app_access access)
{
	app_init(a);
	snprintf(a->home, sizeof(a->home), "%s", home);
	a->now_ms = T_DAY0 + 86400000;
	a->access = access;
}

/* A home as init leaves it (role "station" or "hub"), with a volunteer
 * and an order of station. */
__attribute__((unused)) static void t_node(const char *home, const char *station, const char *role)
{
	char path[APP_PATH_MAX + 32];
	struct app_conf c;
	uint8_t pk[CRDT_AUTHOR_LEN];
	struct app a;
	struct crdt_write w[2];
	char vid[32], oid[32];

	assert_int_equal(mkdir(home, 0700), 0);
	memset(&c, 0, sizeof(c));
	snprintf(c.station, sizeof(c.station), "%s", station);
	snprintf(c.name, sizeof(c.name), "东村服务站");
	snprintf(c.role, sizeof(c.role), "%s", role);
	snprintf(c.level, sizeof(c.level), "%s", strcmp(role, "hub") == 0 ? "county" : "village");
	snprintf(path, sizeof(path), "%s/node.conf", home);
	assert_int_equal(app_conf_write(path, &c), 0);
	snprintf(path, sizeof(path), "%s/identity.key", home);
	assert_int_equal(app_identity_create(path, pk), 0);
	t_app(&a, home, APP_WRITES);
	assert_int_equal(app_open(&a), 0);
	snprintf(vid, sizeof(vid), "%s-v1", station);
	snprintf(oid, sizeof(oid), "%s-o1", station);
	crdt_write_init(&w[0], CRDT_T_VOLUNTEERS, CRDT_UPSERT, vid);
	assert_int_equal(crdt_write_set_text(&w[0], CRDT_C_VOLUNTEERS_NAME, "王芳"), 0);
	assert_int_equal(crdt_write_set_text(&w[0], CRDT_C_VOLUNTEERS_PHONE, "13800001111"), 0);
	assert_int_equal(crdt_write_set_text(&w[0], CRDT_C_VOLUNTEERS_STATION, station), 0);
	crdt_write_init(&w[1], CRDT_T_ORDERS, CRDT_UPSERT, oid);
	assert_int_equal(crdt_write_set_text(&w[1], CRDT_C_ORDERS_STATION, station), 0);
	assert_int_equal(crdt_write_set_text(&w[1], CRDT_C_ORDERS_CATEGORY, "助老"), 0);
	assert_int_equal(crdt_write_set_text(&w[1], CRDT_C_ORDERS_STATUS, "open"), 0);
	assert_int_equal(app_commit(&a, station, w, 2), 0);
	app_close(&a);
}

/* The digest of the whole replica of home, and its key. */
__attribute__((unused)) static void t_digest(const char *home, uint8_t d[32], uint8_t author[CRDT_AUTHOR_LEN])
{
	struct app a;
	t_app(&a, home, APP_READS);
	assert_int_equal(app_open(&a), 0);
	assert_int_equal(crdt_store_digest(a.store, NULL, d), 0);
	memcpy(author, a.author, CRDT_AUTHOR_LEN);
	app_close(&a);
}

/* cmocka teardown: *state is a struct (calloc'd) whose first member is
 * its temporary folder's path, char[]: the folder and the struct go. */
__attribute__((unused)) static int t_env_teardown(void **state)
{
	t_rmdir((const char *)*state);
	free(*state);
	return 0;
}

#endif
