// SPDX-License-Identifier: MIT
/*
 * demo_replica.c - two station replicas edit the same records offline,
 * conflicting, then exchange their commits and agree: the smallest demo
 * of the replica (make demo runs it before the full hub-and-stations demo).
 */
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "base/err.h"
#include "crdt/crdt.h"

#define T0 1740704400000ULL /* 2025-02-28 09:00 +08:00 */

static void must(int rc, const char *what)
{
	if (rc < 0) {
		fprintf(stderr, "demo: %s: %s\n", what, err_str(rc));
		exit(1);
	}
}

static void commit(struct crdt_store *s, uint64_t t, struct crdt_write *w, size_t n)
{
	must(crdt_commit_local(s, t, "s0001", w, n, NULL), "commit");
}

struct copy {
	struct crdt_store *dst;
	int n;
};

static int copy_one(void *arg, const struct crdt_log_entry *e)
{
	struct copy *c = arg;
	int rc = crdt_apply_remote(c->dst, T0 + 7200000, e->author, e->scope, e->seq, e->hlc, e->body,
				   e->body_len);
	must(rc, "apply");
	c->n += rc == 0;
	return 0;
}

static int merge_into(struct crdt_store *src, struct crdt_store *dst)
{
	struct crdt_vv_entry *vv;
	size_t n;
	struct copy c = { dst, 0 };
	must(crdt_store_vv(src, &vv, &n), "vv");
	for (size_t i = 0; i < n; i++)
		must(crdt_log_each(src, vv[i].author, vv[i].scope, 0, copy_one, &c), "log");
	free(vv);
	return c.n;
}

static void show(struct crdt_store *s, const char *who)
{
	sqlite3_stmt *st;
	uint8_t d[32];
	printf("  %s:\n", who);
	sqlite3_prepare_v2(crdt_store_db(s),
			   "SELECT pk, name, phone, team FROM volunteers WHERE _dead IS NULL ORDER BY pk", -1, &st,
			   NULL);
	while (sqlite3_step(st) == SQLITE_ROW)
		printf("    志愿者 %s  %s  电话 %s  队伍 %s\n", sqlite3_column_text(st, 0),
		       sqlite3_column_text(st, 1), sqlite3_column_text(st, 2),
		       sqlite3_column_text(st, 3) ? (const char *)sqlite3_column_text(st, 3) : "-");
	sqlite3_finalize(st);
	sqlite3_prepare_v2(crdt_store_db(s), "SELECT pk, status, volunteer FROM orders ORDER BY pk", -1, &st, NULL);
	while (sqlite3_step(st) == SQLITE_ROW)
		printf("    订单   %s  状态 %s  志愿者 %s\n", sqlite3_column_text(st, 0), sqlite3_column_text(st, 1),
		       sqlite3_column_text(st, 2) ? (const char *)sqlite3_column_text(st, 2) : "-");
	sqlite3_finalize(st);
	must(crdt_store_digest(s, NULL, d), "digest");
	printf("    摘要 digest ");
	for (int i = 0; i < 8; i++)
		printf("%02x", d[i]);
	printf("…\n");
}

int main(void)
{
	char dir[] = "/tmp/cunlian-demo-XXXXXX", pa[64], pb[64];
	uint8_t ida[CRDT_AUTHOR_LEN] = "station-s0001", idb[CRDT_AUTHOR_LEN] = "hub";
	struct crdt_store *a, *b;
	struct crdt_write w[2];

	if (!mkdtemp(dir))
		return 1;
	snprintf(pa, sizeof(pa), "%s/station.db", dir);
	snprintf(pb, sizeof(pb), "%s/hub.db", dir);
	must(crdt_store_open(&a, pa, ida, NULL), "open station");
	must(crdt_store_open(&b, pb, idb, NULL), "open hub");

	printf("1. 站点登记志愿者并接到一张订单，同步到县中心\n");
	crdt_write_init(&w[0], 1, CRDT_UPSERT, "s0001-v1");
	crdt_write_text(&w[0], "name", "王秀英");
	crdt_write_text(&w[0], "phone", "13800001111");
	crdt_write_text(&w[0], "station", "s0001");
	crdt_write_init(&w[1], 3, CRDT_UPSERT, "s0001-o1");
	crdt_write_text(&w[1], "station", "s0001");
	crdt_write_text(&w[1], "category", "助老");
	crdt_write_text(&w[1], "detail", "帮独居老人修理漏水的水管");
	crdt_write_text(&w[1], "status", "dispatched");
	crdt_write_text(&w[1], "volunteer", "s0001-v1");
	commit(a, T0, w, 2);
	merge_into(a, b);

	printf("2. 断网期间：站点完成订单、改了电话；县中心改派订单、改了队伍\n");
	crdt_write_init(&w[0], 3, CRDT_UPSERT, "s0001-o1");
	crdt_write_text(&w[0], "status", "done");
	crdt_write_real(&w[0], "hours", 2.0);
	commit(a, T0 + 600000, w, 1);
	crdt_write_init(&w[0], 1, CRDT_UPSERT, "s0001-v1");
	crdt_write_text(&w[0], "phone", "13900002222");
	commit(a, T0 + 700000, w, 1);
	crdt_write_init(&w[0], 3, CRDT_UPSERT, "s0001-o1");
	crdt_write_text(&w[0], "status", "dispatched");
	crdt_write_text(&w[0], "volunteer", "s0001-v7");
	commit(b, T0 + 900000, w, 1);
	crdt_write_init(&w[0], 1, CRDT_UPSERT, "s0001-v1");
	crdt_write_text(&w[0], "team", "红马甲服务队");
	commit(b, T0 + 650000, w, 1);
	show(a, "站点 station");
	show(b, "县中心 hub");

	printf("3. 恢复联网，双向交换变更\n");
	printf("   站点收到 %d 条，县中心收到 %d 条\n", merge_into(b, a), merge_into(a, b));
	show(a, "站点 station");
	show(b, "县中心 hub");
	uint8_t da[32], db[32];
	must(crdt_store_digest(a, NULL, da), "digest");
	must(crdt_store_digest(b, NULL, db), "digest");
	int same = memcmp(da, db, 32) == 0;
	printf("4. %s：已完成的订单不会被改派，两边各自的修改都保留（按列取最新）\n",
	       same ? "两个副本一致 replicas agree" : "副本不一致 REPLICAS DIFFER");
	crdt_store_close(a);
	crdt_store_close(b);
	unlink(pa);
	unlink(pb);
	char cmd[96];
	snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
	if (system(cmd) != 0)
		return 1;
	return same ? 0 : 1;
}
