// SPDX-License-Identifier: MIT
/*
 * fuzz_csv.c - `cunlian volunteer import FILE` (node/cmd_volunteer.c over
 * app/volunteer_import.c and the CSV reader of app/csv.c) on
 * any file contents: the CSV reader (quotes, doubled quotes, CRLF, a
 * BOM), the header's column names, each row's checks (name, phone,
 * team, skills, ID number), the duplicate checks against the file and
 * the replica, and the one commit. The command runs as the program runs
 * it, on station s0001 of fuzz_node.h (enrolled, with three volunteers
 * imported before), on a copy of that home made again after an input
 * that imported anything.
 *
 * What the command promises (V1-V4, docs/cli.md): it
 * imports every row or none; 0 adds at least one live volunteer; a
 * refusal is exit 2 (usage: the file) or 3 (refused: a duplicate), says
 * why, and leaves the replica as it was.
 */
#include "tests/fuzz/fuzz_node.h"

static char fuzz_csv_tmpl[64], fuzz_csv_home[64], fuzz_csv_in[64];
static uint8_t fuzz_csv_d0[32];
static int64_t fuzz_csv_n0;
static int fuzz_csv_dirty = 1;

static void fuzz_csv_cleanup(void)
{
	fuzz_rmtree(fuzz_csv_tmpl);
	fuzz_rmtree(fuzz_csv_home);
	fuzz_rmtree(fuzz_csv_in);
}

static int64_t fuzz_csv_live(struct node_ctx *ctx)
{
	sqlite3_stmt *st;
	int64_t n = -1;
	if (sqlite3_prepare_v2(crdt_store_db(ctx->app.store), "SELECT count(*) FROM volunteers WHERE _dead IS NULL",
			       -1, &st, NULL) == SQLITE_OK &&
	    sqlite3_step(st) == SQLITE_ROW)
		n = sqlite3_column_int64(st, 0);
	sqlite3_finalize(st);
	return n;
}

static void fuzz_csv_setup(void)
{
	static int made;
	struct node_ctx ctx;
	if (!made) {
		made = 1;
		fuzz_tmpdir(fuzz_csv_tmpl, "station");
		fuzz_tmpdir(fuzz_csv_home, "import");
		fuzz_tmpdir(fuzz_csv_in, "csv");
		fuzz_station_home(fuzz_csv_tmpl);
		fuzz_home_open(&ctx, fuzz_csv_tmpl);
		if (crdt_store_digest(ctx.app.store, NULL, fuzz_csv_d0) || (fuzz_csv_n0 = fuzz_csv_live(&ctx)) < 1)
			abort();
		node_ctx_release(&ctx);
		atexit(fuzz_csv_cleanup);
	}
	if (!fuzz_csv_dirty)
		return;
	fuzz_rmtree(fuzz_csv_home);
	if (mkdir(fuzz_csv_home, 0700))
		abort();
	fuzz_copy_dir(fuzz_csv_tmpl, fuzz_csv_home);
	fuzz_csv_dirty = 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct node_ctx ctx;
	char path[NODE_PATH_MAX];
	uint8_t d1[32];
	fuzz_csv_setup();
	snprintf(path, sizeof(path), "%s/volunteers.csv", fuzz_csv_in);
	fuzz_write_file(path, data, size);
	node_ctx_init(&ctx);
	snprintf(ctx.app.home, sizeof(ctx.app.home), "%s", fuzz_csv_home);
	ctx.app.now_ms = FUZZ_NOW + 3600000;
	ctx.cmd = &fuzz_cmd_import;
	fuzz_quiet(true);
	int rc = fuzz_import(&ctx, path);
	fuzz_quiet(false);
	if (!ctx.app.store)
		fuzz_fail("the import did not open the home");
	if (ctx.app.writing) { /* what the process's exit would undo */
		crdt_store_abort(ctx.app.store);
		ctx.app.writing = false;
	}
	if (crdt_store_digest(ctx.app.store, NULL, d1))
		abort();
	int64_t n1 = fuzz_csv_live(&ctx);
	if (rc == 0) {
		fuzz_csv_dirty = 1;
		if (!memcmp(fuzz_csv_d0, d1, 32) || n1 <= fuzz_csv_n0)
			fuzz_fail("import returned 0 with no volunteer added");
	} else {
		int code = node_exit_code(rc);
		if (code != NODE_EXIT_USAGE && code != NODE_EXIT_REFUSED && rc != -ENOMEM)
			fuzz_fail("import refused with an exit status other than 2 or 3");
		if (!ctx.said)
			fuzz_fail("import refused without saying why");
		if (memcmp(fuzz_csv_d0, d1, 32) || n1 != fuzz_csv_n0)
			fuzz_fail("a refused import changed the replica");
	}
	fuzz_note(rc == 0);
	node_ctx_release(&ctx);
	unlink(path);
	return 0;
}
