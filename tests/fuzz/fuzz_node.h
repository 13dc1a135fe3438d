/* SPDX-License-Identifier: MIT */
/*
 * fuzz_node.h - what the targets that run parts of the program (node/:
 * fuzz_coap, fuzz_backup, fuzz_csv) share, header-only: the command
 * table node/main.c would bring (they link every file of node/ but
 * main.c), temporary homes under /dev/shm (or /tmp) removed at exit,
 * and the county hub of fuzz.h as a real home, made by the program's own
 * functions from fixed keys so that the checked-in corpora stay valid.
 * Include it once per program, after fuzz.h.
 */
#ifndef CUNLIAN_FUZZ_NODE_H
#define CUNLIAN_FUZZ_NODE_H

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <sodium.h>
#include <sqlite3.h>
#include <stdio.h>
#include <sys/stat.h>
#include <unistd.h>

#include "app/enroll.h"
#include "node/net.h"
#include "node/node.h"
#include "tests/fuzz/fuzz.h"
#include "tests/fuzz/fuzz_home.h"

/* node/main.c holds the command table; the code these targets reach
 * only looks at ctx->cmd, which they leave NULL. */
const struct node_cmd node_cmds[] = { { .group = "serve", .help = M_LOG_SERVED, .access = APP_READS } };
const size_t node_ncmds = 0;

/* The one-time code of the county hub's codes file (for station s0004,
 * valid a day from FUZZ_NOW), and one already used (s0005). */
#define FUZZ_JOIN_CODE "FUZZ2345AB"
#define FUZZ_JOIN_USED "FUZZ6789CD"

__attribute__((unused)) static void fuzz_copy(const char *from, const char *to)
{
	int in = open(from, O_RDONLY | O_CLOEXEC), out;
	char b[65536];
	ssize_t n;
	struct stat sb;
	if (in < 0)
		return; /* not there: nothing to copy */
	fstat(in, &sb);
	out = open(to, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, sb.st_mode & 0777);
	if (out < 0)
		abort();
	while ((n = read(in, b, sizeof(b))) > 0)
		if (write(out, b, (size_t)n) != n)
			abort();
	close(in);
	close(out);
}

/* Copy the plain files of dir from into dir to (no subfolders). */
__attribute__((unused)) static void fuzz_copy_dir(const char *from, const char *to)
{
	DIR *d = opendir(from);
	struct dirent *e;
	char a[NODE_PATH_MAX + 300], b[NODE_PATH_MAX + 300];
	if (!d)
		abort();
	while ((e = readdir(d)) != NULL) {
		if (e->d_name[0] == '.')
			continue;
		snprintf(a, sizeof(a), "%s/%s", from, e->d_name);
		snprintf(b, sizeof(b), "%s/%s", to, e->d_name);
		fuzz_copy(a, b);
	}
	closedir(d);
}

__attribute__((unused)) static void fuzz_key_file(const char *home, const char *name, uint8_t seedb)
{
	struct sync_identity id;
	char path[NODE_PATH_MAX + 32];
	snprintf(path, sizeof(path), "%s/%s", home, name);
	fuzz_ident(&id, seedb);
	if (sync_identity_save(&id, path))
		abort();
	sync_identity_release(&id);
}

/*
 * The county hub of fuzz.h as a home in dir, as `cunlian init --role hub`
 * and the administrator's `enroll sign`, `enroll revoke` and `enroll
 * code` leave it: node.conf, identity.key (seed FUZZ_SEED_HUB), county.key
 * (FUZZ_SEED_ROOT), county.pub, node.cert, and in the replica the root's
 * statements for the hub, s0001, s0002, s0003 and the revocation of
 * s0003; codes holds FUZZ_JOIN_CODE for s0004 and FUZZ_JOIN_USED, used.
 * The stations' scope keys are the same in every run (fuzz.h).
 */
__attribute__((unused)) static void fuzz_hub_home(const char *dir)
{
	static const struct {
		uint8_t seed;
		const char *station;
	} st[] = { { FUZZ_SEED_S1, "s0001" }, { FUZZ_SEED_S2, "s0002" }, { FUZZ_SEED_S3, "s0003" } };
	struct app a;
	struct sync_identity root;
	struct sync_trust_row row;
	char path[NODE_PATH_MAX + 32], hex[65];
	uint8_t h[32];
	FILE *f;
	fuzz_init();
	app_init(&a);
	snprintf(a.home, sizeof(a.home), "%s", dir);
	a.now_ms = FUZZ_NOW;
	snprintf(a.conf.station, sizeof(a.conf.station), "hub");
	snprintf(a.conf.name, sizeof(a.conf.name), "县中心");
	snprintf(a.conf.role, sizeof(a.conf.role), "hub");
	snprintf(a.conf.level, sizeof(a.conf.level), "county");
	a.hub = true;
	app_path(&a, path, sizeof(path), "node.conf");
	if (app_conf_write(path, &a.conf))
		abort();
	fuzz_key_file(dir, "identity.key", FUZZ_SEED_HUB);
	fuzz_key_file(dir, "county.key", FUZZ_SEED_ROOT);
	if (app_replica_open(&a) || app_hub_enrol(&a, NULL))
		abort();
	fuzz_ident(&root, FUZZ_SEED_ROOT);
	for (size_t i = 0; i < sizeof(st) / sizeof(st[0]); i++) {
		struct sync_identity id;
		struct sync_statement stm;
		fuzz_ident(&id, st[i].seed);
		a.now_ms = FUZZ_NOW + 1 + i;
		fuzz_statement_make(&stm, &root, id.pk, st[i].station, SYNC_ROLE_STATION);
		if (sync_statement_row(&row, &stm) || app_root_commit(&a, &root, &row.w, 1))
			abort();
		if (st[i].seed == FUZZ_SEED_S3) {
			a.now_ms = FUZZ_NOW + 10;
			if (sync_revocation_row(&row, id.pk, "s0003", 0, FUZZ_NOW, FUZZ_NOW + 10) ||
			    app_root_commit(&a, &root, &row.w, 1))
				abort();
		}
		sync_identity_release(&id);
	}
	sync_identity_release(&root);
	app_path(&a, path, sizeof(path), "codes");
	if (!(f = fopen(path, "w")))
		abort();
	crypto_generichash(h, sizeof(h), (const uint8_t *)FUZZ_JOIN_CODE, strlen(FUZZ_JOIN_CODE), NULL, 0);
	app_hex(h, sizeof(h), hex);
	fprintf(f, "%s s0004 %llu 0\n", hex, (unsigned long long)(FUZZ_NOW + 86400000));
	crypto_generichash(h, sizeof(h), (const uint8_t *)FUZZ_JOIN_USED, strlen(FUZZ_JOIN_USED), NULL, 0);
	app_hex(h, sizeof(h), hex);
	fprintf(f, "%s s0005 %llu 1\n", hex, (unsigned long long)(FUZZ_NOW + 86400000));
	fclose(f);
	chmod(path, 0600);
	app_close(&a);
}

/* The program prints what it did and why it refused: to /dev/null while
 * a target runs it, so a long run's log keeps only what fails (unless
 * FUZZ_VERBOSE is set in the environment: to see why an input fared as
 * it did). */
static int fuzz_quiet_fd[2] = { -1, -1 };

__attribute__((unused)) static void fuzz_quiet(bool on)
{
	if (getenv("FUZZ_VERBOSE"))
		return;
	fflush(stdout);
	fflush(stderr);
	if (on) {
		int null = open("/dev/null", O_WRONLY | O_CLOEXEC);
		fuzz_quiet_fd[0] = dup(1);
		fuzz_quiet_fd[1] = dup(2);
		dup2(null, 1);
		dup2(null, 2);
		close(null);
	} else if (fuzz_quiet_fd[0] >= 0) {
		dup2(fuzz_quiet_fd[0], 1);
		dup2(fuzz_quiet_fd[1], 2);
		close(fuzz_quiet_fd[0]);
		close(fuzz_quiet_fd[1]);
		fuzz_quiet_fd[0] = fuzz_quiet_fd[1] = -1;
	}
}

/* A table entry for a command run by hand (node_open reads its access). */
/* declared as node/main.c declares `volunteer import` */
__attribute__((unused)) static const struct node_cmd fuzz_cmd_import = {
	.group = "volunteer", .verb = "import", .run = node_cmd_volunteer_import, .help = M_LOG_SERVED,
	.access = APP_WRITES, .opts = "station=", .maxpos = 1,
};

/* `cunlian volunteer import path` in ctx, its arguments parsed as main.c
 * parses them. */
__attribute__((unused)) static int fuzz_import(struct node_ctx *ctx, char *path)
{
	struct node_args a;
	char *argv[] = { path, NULL };
	int rc = node_args_parse(ctx, &fuzz_cmd_import, 1, argv, &a);
	return rc ? rc : node_cmd_volunteer_import(ctx, &a);
}

/* The volunteers station s0001 registered before (fuzz_station_home):
 * a real import, so the duplicate checks against the replica are met. */
#define FUZZ_STATION_CSV                                                                         \
	"\xef\xbb\xbf姓名,电话,服务队,技能,身份证号\r\n"                                                 \
	"王伟,138-0000-1234,红星队,\"陪聊,理发\",11010519491231002X\r\n"                             \
	"李娜,13900000002,,,\r\n"                                                                  \
	"张三,13700000011,红星队,维修、送餐,320106199003071234\r\n"

/*
 * Station s0001 of the county as a home in dir, as `cunlian init` and
 * `enroll accept` leave it (node.conf, identity.key of FUZZ_SEED_S1,
 * county.pub, node.cert: its scope key, which hashes ID numbers), with
 * the volunteers of FUZZ_STATION_CSV imported by the program.
 */
__attribute__((unused)) static void fuzz_station_home(const char *dir)
{
	const struct fuzz_county *cy = fuzz_county();
	struct node_ctx ctx;
	struct app_conf conf;
	struct sync_identity id;
	struct sync_statement stm;
	struct buf cert;
	char path[NODE_PATH_MAX + 32], hex[2 * SYNC_PK_LEN + 2];
	memset(&conf, 0, sizeof(conf));
	snprintf(conf.station, sizeof(conf.station), "s0001");
	snprintf(conf.name, sizeof(conf.name), "红星村服务站");
	snprintf(conf.role, sizeof(conf.role), "station");
	snprintf(conf.level, sizeof(conf.level), "village");
	snprintf(conf.parent, sizeof(conf.parent), "hub");
	snprintf(path, sizeof(path), "%s/node.conf", dir);
	if (app_conf_write(path, &conf))
		abort();
	fuzz_key_file(dir, "identity.key", FUZZ_SEED_S1);
	fuzz_ident(&id, FUZZ_SEED_S1);
	fuzz_statement_make(&stm, &cy->root, id.pk, "s0001", SYNC_ROLE_STATION);
	sync_identity_release(&id);
	buf_init(&cert, SYNC_STMT_MAX);
	sync_statement_encode(&cert, &stm);
	snprintf(path, sizeof(path), "%s/node.cert", dir);
	fuzz_write_file(path, cert.data, cert.len);
	buf_release(&cert);
	app_hex(cy->root.pk, SYNC_PK_LEN, hex);
	strcat(hex, "\n");
	snprintf(path, sizeof(path), "%s/county.pub", dir);
	fuzz_write_file(path, hex, strlen(hex));
	snprintf(path, sizeof(path), "%s/seed.csv", dir);
	fuzz_write_file(path, FUZZ_STATION_CSV, sizeof(FUZZ_STATION_CSV) - 1);
	node_ctx_init(&ctx);
	snprintf(ctx.app.home, sizeof(ctx.app.home), "%s", dir);
	ctx.app.now_ms = FUZZ_NOW;
	ctx.cmd = &fuzz_cmd_import;
	fuzz_quiet(true);
	int rc = fuzz_import(&ctx, path);
	fuzz_quiet(false);
	if (rc)
		abort();
	node_ctx_release(&ctx);
	unlink(path);
}

/* Open the home in dir as `cunlian serve` does, clock at FUZZ_NOW. */
__attribute__((unused)) static void fuzz_home_open(struct node_ctx *ctx, const char *dir)
{
	node_ctx_init(ctx);
	snprintf(ctx->app.home, sizeof(ctx->app.home), "%s", dir);
	ctx->app.now_ms = FUZZ_NOW;
	if (node_open(ctx))
		abort();
}

#endif
