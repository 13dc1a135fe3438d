// SPDX-License-Identifier: MIT
/*
 * test_sync.c - feeds, the delta codec, chunks, bundles and the session:
 * round trips, golden vectors, every bit flip and truncation refused,
 * replay, bombs, missing dictionaries, gaps, forks, relays, and two
 * replicas converging through a lossy, reordering seeded driver.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <sodium.h>
#include <sys/stat.h>
#include <zstd.h>

#include "base/err.h"
#include "base/mem.h"
#include "sync/sync.h"
#include "sync/sync_internal.h"
#include "tests/golden.h"
#include "tests/helpers.h"

#define VOLUNTEERS 1
#define ORDERS 3
#define POINTS 5
#define DICT_PATH "sync/dict/cunlian-v1.dict"

struct t_node {
	struct sync_identity id;
	struct crdt_store *st;
	struct sync_ctx *ctx;
	int orders, vols, points;
};

struct t_chunks {
	size_t n;
	uint8_t *p[512];
	size_t len[512];
};

static const char *dir;
static struct sync_dict *dict;

static void node_open(struct t_node *n, const char *name, uint8_t seedb, const struct sync_options *opt)
{
	uint8_t seed[32];
	char path[256];
	struct crdt_options co = { .no_sync = true };
	memset(n, 0, sizeof(*n));
	memset(seed, seedb, sizeof(seed));
	assert_int_equal(sync_identity_from_seed(&n->id, seed), 0);
	snprintf(path, sizeof(path), "%s/%s.db", dir, name);
	assert_int_equal(crdt_store_open(&n->st, path, n->id.pk, &co), 0);
	assert_int_equal(sync_ctx_new(&n->ctx, n->st, &n->id, opt), 0);
}

static void node_close(struct t_node *n)
{
	sync_ctx_free(n->ctx);
	crdt_store_close(n->st);
	sync_identity_release(&n->id);
}

static struct sync_options opt_hub(void)
{
	struct sync_options o;
	memset(&o, 0, sizeof(o));
	o.apply.all = true;
	return o;
}

static struct sync_options opt_station(const char *scope)
{
	struct sync_options o;
	memset(&o, 0, sizeof(o));
	sync_scopes_add(&o.apply, scope);
	sync_scopes_add(&o.apply, "");
	return o;
}

static void digest(struct crdt_store *s, uint8_t out[32])
{
	assert_int_equal(crdt_store_digest(s, NULL, out), 0);
}

/* One random local commit at station scope (or county-wide, rarely). */
static void random_commit(struct t_node *n, const char *scope, unsigned *rs, uint64_t t)
{
	static const char *const status[] = { "dispatched", "accepted", "done", "cancelled", "rated" };
	static const char *const text[] = { "陪独居老人聊天解闷", "帮空巢老人打扫房间卫生", "维修",
					    "13800000001", "红马甲服务队", "" };
	struct crdt_write w;
	char pk[48], vol[48];
	int k = rand_r(rs) % 10;
	if (k < 3 || n->vols == 0) {
		snprintf(pk, sizeof(pk), "%s-v%d", scope, ++n->vols);
		crdt_write_init(&w, VOLUNTEERS, CRDT_UPSERT, pk);
		crdt_write_text(&w, "name", text[rand_r(rs) % 6]);
		crdt_write_text(&w, "phone", text[3]);
		crdt_write_text(&w, "station", scope);
		crdt_write_int(&w, "registered_at", (int64_t)t - rand_r(rs) % 1000);
	} else if (k < 6 || n->orders == 0) {
		snprintf(pk, sizeof(pk), "%s-o%d", scope, ++n->orders);
		crdt_write_init(&w, ORDERS, CRDT_UPSERT, pk);
		crdt_write_text(&w, "station", scope);
		crdt_write_text(&w, "detail", text[rand_r(rs) % 6]);
		crdt_write_text(&w, "status", "open");
		crdt_write_int(&w, "created_at", (int64_t)t);
		crdt_write_int(&w, "updated_at", (int64_t)t);
	} else if (k < 9) {
		snprintf(pk, sizeof(pk), "%s-o%d", scope, 1 + rand_r(rs) % n->orders);
		snprintf(vol, sizeof(vol), "%s-v%d", scope, 1 + rand_r(rs) % n->vols);
		crdt_write_init(&w, ORDERS, CRDT_UPSERT, pk);
		crdt_write_text(&w, "status", status[rand_r(rs) % 5]);
		crdt_write_text(&w, "volunteer", vol);
		crdt_write_real(&w, "hours", (rand_r(rs) % 9) * 0.5 + (rand_r(rs) % 7 == 0 ? 0.01 : 0));
		crdt_write_int(&w, "updated_at", (int64_t)t);
	} else {
		snprintf(pk, sizeof(pk), "%s-p%d", scope, ++n->points);
		snprintf(vol, sizeof(vol), "%s-v%d", scope, 1 + rand_r(rs) % n->vols);
		crdt_write_init(&w, POINTS, CRDT_UPSERT, pk);
		crdt_write_text(&w, "volunteer", vol);
		crdt_write_int(&w, "delta", (rand_r(rs) % 400) - 200);
		crdt_write_text(&w, "reason", "redeem");
		crdt_write_null(&w, "order");
		crdt_write_text(&w, "station", scope);
	}
	assert_int_equal(crdt_commit_local(n->st, t, scope, &w, 1, NULL), 0);
}

static int collect(void *arg, const uint8_t *chunk, size_t len, const struct sync_chunk_info *info)
{
	struct t_chunks *c = arg;
	(void)info;
	assert_true(c->n < 512);
	c->p[c->n] = malloc(len);
	memcpy(c->p[c->n], chunk, len);
	c->len[c->n++] = len;
	return 0;
}

static void chunks_free(struct t_chunks *c)
{
	for (size_t i = 0; i < c->n; i++)
		free(c->p[i]);
	c->n = 0;
}

static void export_all(struct t_node *from, struct t_node *to, const struct sync_scopes *wants,
		       struct t_chunks *out)
{
	struct crdt_vv_entry *vv = NULL;
	size_t n = 0;
	if (to)
		assert_int_equal(crdt_store_vv(to->st, &vv, &n), 0);
	assert_int_equal(sync_delta_export(from->ctx, vv, n, wants, collect, out), 0);
	mem_free(vv);
}

static int setup(void **state)
{
	(void)state;
	dir = t_tmpdir();
	return sync_init();
}

static int teardown(void **state)
{
	(void)state;
	t_rmdir(dir);
	return 0;
}

/* ---- round trip ------------------------------------------------------ */

static void test_roundtrip_random(void **state)
{
	(void)state;
	unsigned seed = (unsigned)(getenv("CUNLIAN_SEED") ? atoi(getenv("CUNLIAN_SEED")) : 20250301);
	static const size_t sizes[] = { 200, 1024, 0 };
	print_message("seed %u\n", seed);
	for (size_t si = 0; si < 3; si++) {
		struct t_node a, b;
		struct sync_options oa = opt_station("s0001"), ob = opt_hub();
		struct t_chunks ch = { 0 };
		struct sync_report rep;
		uint8_t da[32], db[32];
		char an[16], bn[16];
		unsigned rs = seed + (unsigned)si;
		uint64_t t = T_DAY0;
		oa.chunk_max = ob.chunk_max = sizes[si];
		oa.dict = ob.dict = si == 1 ? NULL : dict;
		snprintf(an, sizeof(an), "rt-a%zu", si);
		snprintf(bn, sizeof(bn), "rt-b%zu", si);
		node_open(&a, an, 1, &oa);
		node_open(&b, bn, 2, &ob);
		for (int i = 0; i < 60; i++)
			random_commit(&a, i % 17 == 16 ? "" : "s0001", &rs, t += 1 + (uint64_t)(rand_r(&rs) % 600000));
		export_all(&a, &b, NULL, &ch);
		assert_true(ch.n >= 1);
		memset(&rep, 0, sizeof(rep));
		for (size_t i = 0; i < ch.n; i++) {
			assert_true(ch.len[i] <= (sizes[si] ? sizes[si] : SYNC_CHUNK_DEFAULT));
			assert_int_equal(sync_chunk_apply(b.ctx, ch.p[i], ch.len[i], t, &rep, NULL, NULL), 0);
		}
		assert_int_equal(rep.applied, 60);
		assert_int_equal(rep.refused, 0);
		digest(a.st, da);
		digest(b.st, db);
		assert_memory_equal(da, db, 32);
		/* replay: no-op, digest unchanged */
		memset(&rep, 0, sizeof(rep));
		for (size_t i = 0; i < ch.n; i++)
			assert_int_equal(sync_chunk_apply(b.ctx, ch.p[i], ch.len[i], t, &rep, NULL, NULL), 0);
		assert_int_equal(rep.applied, 0);
		assert_int_equal(rep.duplicate, 60);
		digest(b.st, db);
		assert_memory_equal(da, db, 32);
		/* nothing more to send to b */
		chunks_free(&ch);
		export_all(&a, &b, NULL, &ch);
		assert_int_equal(ch.n, 0);
		node_close(&a);
		node_close(&b);
	}
}

/* A REAL of -0.0 is not a number of hundredths: sent as one, it came back
 * as +0.0, another body, so the hub refused the commit (broken chain). */
static void test_roundtrip_negative_zero(void **state)
{
	(void)state;
	struct t_node a, b;
	struct sync_options oa = opt_station("s0001"), ob = opt_hub();
	struct t_chunks ch = { 0 };
	struct sync_report rep;
	struct crdt_write w;
	uint8_t da[32], db[32];
	static const double vals[] = { -0.0, 0.0, -1.25, 1e300, -4.5e-300 };

	oa.dict = ob.dict = dict;
	node_open(&a, "nz-a", 1, &oa);
	node_open(&b, "nz-b", 2, &ob);
	for (size_t i = 0; i < sizeof(vals) / sizeof(vals[0]); i++) {
		char pk[32];
		snprintf(pk, sizeof(pk), "s0001-o%zu", i);
		crdt_write_init(&w, CRDT_T_ORDERS, CRDT_UPSERT, pk);
		crdt_write_set_text(&w, CRDT_C_ORDERS_STATION, "s0001");
		crdt_write_set_text(&w, CRDT_C_ORDERS_STATUS, "open");
		crdt_write_set_real(&w, CRDT_C_ORDERS_HOURS, vals[i]);
		assert_int_equal(crdt_commit_local(a.st, T_DAY0 + i, "s0001", &w, 1, NULL), 0);
	}
	export_all(&a, &b, NULL, &ch);
	memset(&rep, 0, sizeof(rep));
	for (size_t i = 0; i < ch.n; i++)
		assert_int_equal(sync_chunk_apply(b.ctx, ch.p[i], ch.len[i], T_DAY0 + 10, &rep, NULL, NULL), 0);
	assert_int_equal(rep.refused, 0);
	assert_int_equal(rep.applied, sizeof(vals) / sizeof(vals[0]));
	digest(a.st, da);
	digest(b.st, db);
	assert_memory_equal(da, db, 32);
	chunks_free(&ch);
	node_close(&a);
	node_close(&b);
}

/* ---- golden vectors -------------------------------------------------- */

static void golden_commits(struct t_node *n)
{
	struct crdt_write w;
	crdt_write_init(&w, VOLUNTEERS, CRDT_UPSERT, "s0042-v1");
	crdt_write_text(&w, "name", "王伟");
	crdt_write_text(&w, "phone", "13800000001");
	crdt_write_text(&w, "station", "s0042");
	assert_int_equal(crdt_commit_local(n->st, T_DAY0 + 1000, "s0042", &w, 1, NULL), 0);
	crdt_write_init(&w, ORDERS, CRDT_UPSERT, "s0042-o1");
	crdt_write_text(&w, "station", "s0042");
	crdt_write_text(&w, "category", "助老");
	crdt_write_text(&w, "detail", "陪独居老人聊天解闷");
	crdt_write_text(&w, "status", "open");
	crdt_write_int(&w, "created_at", (int64_t)(T_DAY0 + 2000));
	crdt_write_int(&w, "updated_at", (int64_t)(T_DAY0 + 2000));
	assert_int_equal(crdt_commit_local(n->st, T_DAY0 + 2000, "s0042", &w, 1, NULL), 0);
	crdt_write_init(&w, ORDERS, CRDT_UPSERT, "s0042-o1");
	crdt_write_text(&w, "status", "done");
	crdt_write_text(&w, "volunteer", "s0042-v1");
	crdt_write_real(&w, "hours", 1.5);
	crdt_write_int(&w, "updated_at", (int64_t)(T_DAY0 + 9000));
	assert_int_equal(crdt_commit_local(n->st, T_DAY0 + 9000, "s0042", &w, 1, NULL), 0);
	crdt_write_init(&w, 6, CRDT_UPSERT, "motd");
	crdt_write_text(&w, "value", "你好");
	assert_int_equal(crdt_commit_local(n->st, T_DAY0 + 9000, "", &w, 1, NULL), 0);
}

static void test_golden(void **state)
{
	(void)state;
	for (int d = 0; d < 2; d++) {
		struct t_node a, b;
		struct sync_options oa = opt_station("s0042"), ob = opt_hub();
		struct t_chunks ch = { 0 };
		uint8_t da[32], db[32];
		oa.dict = ob.dict = d ? dict : NULL;
		node_open(&a, d ? "g-a1" : "g-a0", 0x42, &oa);
		node_open(&b, d ? "g-b1" : "g-b0", 0x07, &ob);
		golden_commits(&a);
		export_all(&a, NULL, NULL, &ch);
		assert_int_equal(ch.n, 1);
		t_golden_check(d ? "delta_dict.bin" : "delta_nodict.bin", ch.p[0], ch.len[0]);
		assert_int_equal(sync_chunk_apply(b.ctx, ch.p[0], ch.len[0], T_DAY0 + 10000, NULL, NULL, NULL), 0);
		digest(a.st, da);
		digest(b.st, db);
		assert_memory_equal(da, db, 32);
		chunks_free(&ch);
		node_close(&a);
		node_close(&b);
	}
}

/* ---- refusals -------------------------------------------------------- */

static void sample(struct t_node *a, const char *name, struct t_chunks *ch, size_t chunk_max, int n)
{
	struct sync_options oa = opt_station("s0001");
	unsigned rs = 7;
	uint64_t t = T_DAY0;
	oa.chunk_max = chunk_max;
	oa.dict = dict;
	node_open(a, name, 1, &oa);
	for (int i = 0; i < n; i++)
		random_commit(a, "s0001", &rs, t += 60000);
	export_all(a, NULL, NULL, ch);
}

static void test_bitflip_refused(void **state)
{
	(void)state;
	struct t_node a, b;
	struct sync_options ob = opt_hub();
	struct t_chunks ch = { 0 };
	uint8_t d0[32], d1[32];
	ob.dict = dict;
	sample(&a, "sample1", &ch, 0, 6);
	node_open(&b, "flip", 2, &ob);
	digest(b.st, d0);
	uint8_t *p = malloc(ch.len[0]);
	for (size_t i = 0; i < ch.len[0] * 8; i++) {
		memcpy(p, ch.p[0], ch.len[0]);
		p[i / 8] ^= (uint8_t)(1u << (i % 8));
		int rc = sync_chunk_apply(b.ctx, p, ch.len[0], T_DAY0 + 86400000, NULL, NULL, NULL);
		if (rc == 0)
			fail_msg("bit %zu flipped was accepted", i);
	}
	digest(b.st, d1);
	assert_memory_equal(d0, d1, 32);
	assert_int_equal(sync_chunk_apply(b.ctx, ch.p[0], ch.len[0], T_DAY0 + 86400000, NULL, NULL, NULL), 0);
	free(p);
	chunks_free(&ch);
	node_close(&a);
	node_close(&b);
}

static void test_truncation(void **state)
{
	(void)state;
	struct t_node a, b;
	struct sync_options ob = opt_hub();
	struct t_chunks ch = { 0 };
	uint8_t d0[32], d1[32];
	char path[256];
	ob.dict = dict;
	sample(&a, "sample2", &ch, 256, 30);
	assert_true(ch.n >= 3);
	node_open(&b, "trunc", 2, &ob);
	/* a chunk cut anywhere is refused and changes nothing */
	digest(b.st, d0);
	for (size_t k = 0; k < ch.len[0]; k++)
		assert_int_not_equal(sync_chunk_apply(b.ctx, ch.p[0], k, T_DAY0 + 86400000, NULL, NULL, NULL), 0);
	digest(b.st, d1);
	assert_memory_equal(d0, d1, 32);
	/* a bundle cut anywhere yields exactly its complete chunks */
	snprintf(path, sizeof(path), "%s/t.bundle", dir);
	assert_int_equal(sync_bundle_export_path(a.ctx, path, NULL, 0, NULL), 0);
	FILE *f = fopen(path, "rb");
	uint8_t *bb = malloc(1 << 20);
	size_t blen = fread(bb, 1, 1 << 20, f);
	fclose(f);
	size_t ends[512], nends = 0, off = 42;
	for (size_t i = 0; i < ch.n; i++)
		ends[nends++] = off += ch.len[i];
	/* then the END (bundle.c B5), which closes the file */
	uint8_t eid[SYNC_ID_LEN];
	int etype;
	size_t elen;
	assert_int_equal(sync_chunk_peek(bb + off, blen - off, eid, &etype, &elen), 0);
	assert_int_equal(etype, 5);
	ends[nends++] = off += elen;
	assert_int_equal(off, blen);
	for (size_t k = 10; k <= blen; k++) {
		struct sync_report rep;
		size_t complete = 0, last_end = 42;
		memset(&rep, 0, sizeof(rep));
		for (size_t i = 0; i < nends; i++)
			if (ends[i] <= k) {
				complete += i + 1 < nends; /* the END is no chunk of data */
				last_end = ends[i];
			}
		assert_int_equal(sync_bundle_import_mem(b.ctx, bb, k, T_DAY0 + 86400000, &rep), 0);
		assert_int_equal(rep.chunks, complete);
		/* whole only with its END; cut short anywhere before it */
		if (k >= 42)
			assert_int_equal(rep.bundle, k == blen ? SYNC_BUNDLE_WHOLE : SYNC_BUNDLE_CUT);
		assert_int_equal(rep.refused, 0);
		assert_int_equal(rep.bytes_skipped, k > 42 ? k - last_end : (k < 42 ? k : 0));
		if (k > last_end && k > 42) {
			assert_int_equal(rep.nskips, 1);
			assert_int_equal(rep.skips[0].offset, last_end);
		}
	}
	digest(a.st, d0);
	digest(b.st, d1);
	assert_memory_equal(d0, d1, 32);
	free(bb);
	chunks_free(&ch);
	node_close(&a);
	node_close(&b);
}

static void test_bomb_refused(void **state)
{
	(void)state;
	struct t_node a, b;
	struct sync_options ob = opt_hub();
	struct buf out, pl;
	size_t big = (size_t)64 << 20;
	uint8_t *zeros = calloc(1, big);
	node_open(&a, "bomb-a", 1, NULL);
	node_open(&b, "bomb-b", 2, &ob);
	buf_init(&out, SYNC_CHUNK_MAX);
	buf_init(&pl, 0);
	/* 64 MiB of zeros compress to a few KiB: refused before allocating */
	assert_int_equal(sync_chunk_seal(a.ctx, SYNC_MSG_DELTA, zeros, big, true, &out), 0);
	assert_true(out.len < 8192);
	assert_int_equal(sync_chunk_apply(b.ctx, out.data, out.len, T_DAY0, NULL, NULL, NULL), ERR_TOOBIG);
	/* a frame without a content size is refused too */
	size_t zb = ZSTD_compressBound(100);
	uint8_t *z = malloc(zb);
	ZSTD_CCtx *cc = ZSTD_createCCtx();
	ZSTD_CCtx_setParameter(cc, ZSTD_c_contentSizeFlag, 0);
	ZSTD_inBuffer in = { zeros, 100, 0 };
	ZSTD_outBuffer o = { z, zb, 0 };
	assert_int_equal(ZSTD_compressStream2(cc, &o, &in, ZSTD_e_end), 0);
	ZSTD_freeCCtx(cc);
	assert_true(ZSTD_getFrameContentSize(z, o.pos) == ZSTD_CONTENTSIZE_UNKNOWN);
	buf_reset(&out);
	buf_put_u8(&out, 'C');
	buf_put_u8(&out, 'L');
	buf_put_u8(&out, 1);
	buf_put_u8(&out, SYNC_MSG_DELTA);
	buf_put_u8(&out, 1);
	buf_put_u32be(&out, 0);
	buf_put(&out, a.id.pk, 32);
	buf_put_lenbytes(&out, z, o.pos);
	uint8_t sig[64];
	crypto_sign_detached(sig, NULL, out.data, out.len, a.id.sk);
	buf_put(&out, sig, 64);
	assert_int_equal(sync_chunk_apply(b.ctx, out.data, out.len, T_DAY0, NULL, NULL, NULL), ERR_CORRUPT);
	free(z);
	free(zeros);
	buf_release(&out);
	buf_release(&pl);
	node_close(&a);
	node_close(&b);
}

static void test_unknown_dict(void **state)
{
	(void)state;
	struct t_node a, b;
	struct t_chunks ch = { 0 };
	struct sync_options ob = opt_hub();
	struct sync_report rep;
	sample(&a, "sample3", &ch, 0, 5);
	node_open(&b, "nodict", 2, &ob); /* no dictionary */
	memset(&rep, 0, sizeof(rep));
	assert_int_equal(sync_chunk_apply(b.ctx, ch.p[0], ch.len[0], T_DAY0, &rep, NULL, NULL), ERR_NODICT);
	assert_int_equal(rep.chunks_refused, 1);
	assert_int_equal(rep.reasons[0].rc, ERR_NODICT);
	chunks_free(&ch);
	node_close(&a);
	node_close(&b);
}

/* A range that does not link changes nothing; a relay without the
 * author's checkpoint is refused; a fork is refused. */
static void test_gap_chain_forgery(void **state)
{
	(void)state;
	struct t_node a, b, m;
	struct sync_options ob = opt_hub();
	struct t_chunks ch = { 0 }, ch2 = { 0 };
	struct sync_report rep;
	struct crdt_vv_entry vv;
	uint8_t d0[32], d1[32];
	unsigned rs = 3;
	node_open(&a, "gap-a", 1, NULL);
	node_open(&b, "gap-b", 2, &ob);
	node_open(&m, "gap-m", 3, &ob);
	for (int i = 0; i < 6; i++)
		random_commit(&a, "s0001", &rs, T_DAY0 + (uint64_t)i * 1000);
	/* pretend b holds 1..3: a sends 4..6, b has nothing: a gap */
	memcpy(vv.author, a.id.pk, 32);
	strcpy(vv.scope, "s0001");
	vv.seq = 3;
	assert_int_equal(sync_delta_export(a.ctx, &vv, 1, NULL, collect, &ch), 0);
	digest(b.st, d0);
	memset(&rep, 0, sizeof(rep));
	assert_int_equal(sync_chunk_apply(b.ctx, ch.p[0], ch.len[0], T_DAY0 + 9000, &rep, NULL, NULL), ERR_GAP);
	assert_int_equal(rep.refused, 3);
	assert_int_equal(rep.reasons[0].rc, ERR_GAP);
	digest(b.st, d1);
	assert_memory_equal(d0, d1, 32);
	chunks_free(&ch);

	/* m relays a's commits 1..6 as if unsigned: re-encode without sigs */
	struct sync_batch bt;
	struct buf pay, out;
	sync_batch_init(&bt);
	export_all(&a, NULL, NULL, &ch);
	struct sync_chunk c0;
	assert_int_equal(sync_chunk_open(a.ctx, ch.p[0], ch.len[0], &c0), 0);
	assert_int_equal(sync_payload_decode(c0.payload, c0.payload_len, a.id.pk, &bt), 0);
	struct sync_seg seg = { &bt.r[0], 0, bt.r[0].count, false };
	buf_init(&pay, 0);
	buf_init(&out, 0);
	assert_int_equal(sync_payload_encode(&pay, &bt, &seg, 1, m.id.pk), 0);
	assert_int_equal(sync_chunk_seal(m.ctx, SYNC_MSG_DELTA, pay.data, pay.len, true, &out), 0);
	memset(&rep, 0, sizeof(rep));
	assert_int_equal(sync_chunk_apply(b.ctx, out.data, out.len, T_DAY0 + 9000, &rep, NULL, NULL), 0);
	assert_int_equal(rep.refused, 6);
	assert_int_equal(rep.reasons[0].rc, ERR_BADSIG);
	/* ... or with the checkpoint but a changed body: the chain breaks */
	bt.arena.data[bt.cm[2].body_off + bt.cm[2].body_len - 1] ^= 1;
	seg.sig = true;
	buf_reset(&pay);
	assert_int_equal(sync_payload_encode(&pay, &bt, &seg, 1, m.id.pk), 0);
	assert_int_equal(sync_chunk_seal(m.ctx, SYNC_MSG_DELTA, pay.data, pay.len, true, &out), 0);
	memset(&rep, 0, sizeof(rep));
	assert_int_equal(sync_chunk_apply(b.ctx, out.data, out.len, T_DAY0 + 9000, &rep, NULL, NULL), 0);
	assert_int_equal(rep.refused, 6);
	assert_int_equal(rep.reasons[0].rc, ERR_BADSIG);
	digest(b.st, d1);
	assert_memory_equal(d0, d1, 32);
	/* the real thing applies */
	assert_int_equal(sync_chunk_apply(b.ctx, ch.p[0], ch.len[0], T_DAY0 + 9000, NULL, NULL, NULL), 0);
	assert_true(crdt_store_has(b.st, a.id.pk, "s0001", 6));
	buf_release(&pay);
	buf_release(&out);
	sync_batch_release(&bt);
	chunks_free(&ch);
	chunks_free(&ch2);
	node_close(&a);
	node_close(&b);
	node_close(&m);
}

static int refuse_all(void *arg, const uint8_t author[SYNC_PK_LEN], const char *scope, uint64_t seq,
		      uint64_t hlc)
{
	(void)author, (void)scope, (void)seq, (void)hlc;
	(*(int *)arg)++;
	return ERR_UNAUTH;
}

static void test_authorize(void **state)
{
	(void)state;
	struct t_node a, b;
	struct t_chunks ch = { 0 };
	struct sync_options ob = opt_hub();
	struct sync_report rep;
	int calls = 0;
	ob.authorize = refuse_all;
	ob.authorize_arg = &calls;
	ob.dict = dict;
	sample(&a, "sample4", &ch, 0, 4);
	node_open(&b, "auth", 2, &ob);
	memset(&rep, 0, sizeof(rep));
	assert_int_equal(sync_chunk_apply(b.ctx, ch.p[0], ch.len[0], T_DAY0 + 86400000, &rep, NULL, NULL), 0);
	assert_true(calls >= 1);
	assert_int_equal(rep.applied, 0);
	assert_int_equal(rep.refused, 4);
	assert_int_equal(rep.reasons[0].rc, ERR_UNAUTH);
	assert_false(crdt_store_has(b.st, a.id.pk, "s0001", 1));
	chunks_free(&ch);
	node_close(&a);
	node_close(&b);
}

/* ---- bundles and relays ---------------------------------------------- */

static void test_bundle_idempotent(void **state)
{
	(void)state;
	struct t_node a, b;
	struct sync_options ob = opt_hub(), oa = opt_station("s0001");
	struct sync_report rep;
	char path[256];
	uint8_t da[32], db[32];
	unsigned rs = 11;
	oa.dict = ob.dict = dict;
	node_open(&a, "bun-a", 1, &oa);
	node_open(&b, "bun-b", 2, &ob);
	for (int i = 0; i < 40; i++)
		random_commit(&a, "s0001", &rs, T_DAY0 + (uint64_t)i * 7000);
	snprintf(path, sizeof(path), "%s/a.bundle", dir);
	assert_int_equal(sync_bundle_export_path(a.ctx, path, NULL, 0, NULL), 0);
	memset(&rep, 0, sizeof(rep));
	assert_int_equal(sync_bundle_import(b.ctx, path, T_DAY0 + 86400000, &rep), 0);
	assert_int_equal(rep.applied, 40);
	digest(a.st, da);
	digest(b.st, db);
	assert_memory_equal(da, db, 32);
	memset(&rep, 0, sizeof(rep));
	assert_int_equal(sync_bundle_import(b.ctx, path, T_DAY0 + 86400000, &rep), 0);
	assert_int_equal(rep.applied, 0);
	assert_int_equal(rep.duplicate, 40);
	digest(b.st, db);
	assert_memory_equal(da, db, 32);
	/* not a bundle */
	assert_int_equal(sync_bundle_import_mem(b.ctx, (const uint8_t *)"hello world", 11, 0, &rep), ERR_CORRUPT);
	node_close(&a);
	node_close(&b);
}

/* s0001 -> relay station s0002 (carries, does not apply) -> hub. */
static void test_relay_carry(void **state)
{
	(void)state;
	struct t_node a, r, h;
	struct sync_options oa = opt_station("s0001"), orl = opt_station("s0002"), oh = opt_hub();
	struct crdt_vv_entry *vv;
	struct sync_report rep;
	struct sync_scopes all = { .all = true };
	char p1[256], p2[256];
	uint8_t d1[32], d2[32];
	unsigned rs = 5;
	size_t n;
	orl.carry_others = true;
	oa.dict = orl.dict = oh.dict = dict;
	oa.chunk_max = 1024; /* the relay re-wraps into chunks of the same size */
	orl.chunk_max = 1024;
	node_open(&a, "rel-a", 1, &oa);
	node_open(&r, "rel-r", 2, &orl);
	node_open(&h, "rel-h", 3, &oh);
	for (int i = 0; i < 25; i++)
		random_commit(&a, "s0001", &rs, T_DAY0 + (uint64_t)i * 5000);
	snprintf(p1, sizeof(p1), "%s/a-to-r.bundle", dir);
	snprintf(p2, sizeof(p2), "%s/r-to-h.bundle", dir);
	assert_int_equal(sync_bundle_export_path(a.ctx, p1, NULL, 0, &all), 0);
	memset(&rep, 0, sizeof(rep));
	assert_int_equal(sync_bundle_import(r.ctx, p1, T_DAY0 + 86400000, &rep), 0);
	assert_int_equal(rep.carried, 25);
	assert_int_equal(rep.applied, 0);
	assert_true(crdt_store_has(r.st, a.id.pk, "s0001", 25));
	assert_int_equal(crdt_store_digest(r.st, "s0001", d1), 0);
	assert_int_equal(crdt_store_digest(h.st, "s0001", d2), 0);
	assert_memory_equal(d1, d2, 32); /* the relay merged nothing */
	/* the relay re-wraps what it carries in its own chunks */
	assert_int_equal(crdt_store_vv(h.st, &vv, &n), 0);
	assert_int_equal(sync_bundle_export_path(r.ctx, p2, vv, n, NULL), 0);
	mem_free(vv);
	memset(&rep, 0, sizeof(rep));
	assert_int_equal(sync_bundle_import(h.ctx, p2, T_DAY0 + 86400000, &rep), 0);
	assert_int_equal(rep.applied, 25);
	assert_int_equal(rep.refused, 0);
	digest(a.st, d1);
	digest(h.st, d2);
	assert_memory_equal(d1, d2, 32);
	node_close(&a);
	node_close(&r);
	node_close(&h);
}

/* An order of scope whose detail is 200 hex digits of seeded noise
 * (about 100 bytes once compressed). */
static void noisy_order(struct t_node *n, const char *scope, int k, unsigned *rs, uint64_t t)
{
	struct crdt_write w;
	char pk[32], detail[201];
	for (size_t i = 0; i < 200; i++)
		detail[i] = "0123456789abcdef"[rand_r(rs) % 16];
	detail[200] = '\0';
	snprintf(pk, sizeof(pk), "%s-o%d", scope, k);
	crdt_write_init(&w, ORDERS, CRDT_UPSERT, pk);
	crdt_write_text(&w, "station", scope);
	crdt_write_text(&w, "detail", detail);
	crdt_write_text(&w, "status", "open");
	crdt_write_int(&w, "created_at", (int64_t)t);
	crdt_write_int(&w, "updated_at", (int64_t)t);
	assert_int_equal(crdt_commit_local(n->st, t, scope, &w, 1, NULL), 0);
}

/* Issue 15: station A sent its commits to hub H in large chunks, so H
 * holds A's checkpoints only at their ends. A node N syncing from H at a
 * link's 1024-byte chunks got none of them (the piece between two
 * checkpoints does not fit 1024 bytes and was left out, uncounted). It
 * must go alone in a larger chunk (delta.c D7), and N end with all of
 * A's commits; a piece too large for even that is left out and counted
 * (sync_ctx_too_large), and every other feed still goes. */
static void test_relay_long_piece(void **state)
{
	(void)state;
	struct t_node a, b, h, n, n2;
	struct sync_options oa = opt_station("s0001"), ob = opt_station("s0002"), oh = opt_hub(),
			    on = opt_station("s0002");
	struct t_chunks ch = { 0 };
	struct sync_report rep;
	uint8_t d1[32], d2[32];
	unsigned rs = 15;
	size_t big = 0;
	oa.dict = ob.dict = oh.dict = on.dict = dict;
	oa.chunk_max = 256 << 10; /* A sends its history in very large chunks */
	ob.chunk_max = 0;         /* B in 60 KiB ones */
	oh.chunk_max = SYNC_CHUNK_LINK;
	on.chunk_max = SYNC_CHUNK_LINK;
	node_open(&a, "lp-a", 1, &oa);
	node_open(&b, "lp-b", 2, &ob);
	node_open(&h, "lp-h", 3, &oh);
	node_open(&n, "lp-n", 4, &on);
	sync_scopes_add(&on.apply, "s0001");
	node_open(&n2, "lp-n2", 5, &on);
	for (int k = 1; k <= 60; k++)
		noisy_order(&b, "s0002", k, &rs, T_DAY0 + (uint64_t)k * 1000);
	export_all(&b, &h, NULL, &ch);
	assert_int_equal(ch.n, 1); /* one piece: H holds B's checkpoint at 60 only */
	memset(&rep, 0, sizeof(rep));
	assert_int_equal(sync_chunk_apply(h.ctx, ch.p[0], ch.len[0], T_DAY0 + 86400000, &rep, NULL, NULL), 0);
	assert_int_equal(rep.applied, 60);
	chunks_free(&ch);

	/* H -> N at 1024 bytes: B's piece goes alone, in one larger chunk */
	struct sync_scopes s1 = { 0 };
	sync_scopes_add(&s1, "s0002");
	export_all(&h, &n, &s1, &ch);
	assert_int_equal(sync_ctx_too_large(h.ctx), 0);
	memset(&rep, 0, sizeof(rep));
	for (size_t i = 0; i < ch.n; i++) {
		print_message("chunk %zu: %zu bytes\n", i, ch.len[i]);
		if (ch.len[i] > SYNC_CHUNK_LINK)
			big++;
		assert_true(ch.len[i] <= SYNC_CHUNK_LONE);
		assert_int_equal(sync_chunk_apply(n.ctx, ch.p[i], ch.len[i], T_DAY0 + 86400000, &rep, NULL, NULL), 0);
	}
	chunks_free(&ch);
	assert_int_equal(big, 1);
	assert_int_equal(rep.applied, 60);
	assert_true(crdt_store_has(n.st, b.id.pk, "s0002", 60));
	assert_int_equal(crdt_store_digest(h.st, "s0002", d1), 0);
	assert_int_equal(crdt_store_digest(n.st, "s0002", d2), 0);
	assert_memory_equal(d1, d2, 32);

	/* A's piece (700 commits, ~80 KB compressed) is too large even for
	 * SYNC_CHUNK_LONE: left out of H's delta and counted; B's still goes */
	for (int k = 1; k <= 700; k++)
		noisy_order(&a, "s0001", k, &rs, T_DAY0 + (uint64_t)k * 1000);
	export_all(&a, &h, NULL, &ch);
	assert_int_equal(ch.n, 1);
	assert_true(ch.len[0] > SYNC_CHUNK_LONE);
	memset(&rep, 0, sizeof(rep));
	assert_int_equal(sync_chunk_apply(h.ctx, ch.p[0], ch.len[0], T_DAY0 + 86400000, &rep, NULL, NULL), 0);
	assert_int_equal(rep.applied, 700);
	chunks_free(&ch);
	struct sync_scopes s12 = { 0 };
	sync_scopes_add(&s12, "s0001");
	sync_scopes_add(&s12, "s0002");
	export_all(&h, &n2, &s12, &ch);
	assert_int_equal(sync_ctx_too_large(h.ctx), 700);
	assert_int_equal(sync_ctx_withheld(h.ctx), 0);
	memset(&rep, 0, sizeof(rep));
	for (size_t i = 0; i < ch.n; i++)
		assert_int_equal(sync_chunk_apply(n2.ctx, ch.p[i], ch.len[i], T_DAY0 + 86400000, &rep, NULL, NULL), 0);
	chunks_free(&ch);
	assert_int_equal(rep.applied, 60);
	assert_false(crdt_store_has(n2.st, a.id.pk, "s0001", 1));
	assert_true(crdt_store_has(n2.st, b.id.pk, "s0002", 60));
	node_close(&a);
	node_close(&b);
	node_close(&h);
	node_close(&n);
	node_close(&n2);
}

/* Issue 15 (delta.c D9): a station's day at the link's 1024-byte chunks
 * carried the author's 64-byte checkpoint in every chunk, though the
 * chunk's own signature vouches for the author's commits. Only the end of
 * the delta's part of the feed (and at least every SYNC_CKPT_EVERY-th
 * chunk) carries one now; the hub applies every chunk, keeps the commits
 * before the last checkpoint sealed without one, and still relays the
 * feed whole to another node, which checks it against the checkpoint. */
static void test_own_checkpoint_at_end(void **state)
{
	(void)state;
	struct t_node a, h, n;
	struct sync_options oa = opt_station("s0001"), oh = opt_hub(), on = opt_station("s0002");
	struct t_chunks ch = { 0 };
	struct sync_report rep;
	struct sync_batch b;
	struct sync_chunk c;
	uint8_t d1[32], d2[32];
	unsigned rs = 21;
	size_t sigs = 0, ranges = 0, bare_run = 0, bare_max = 0;
	oa.dict = oh.dict = on.dict = dict;
	oa.chunk_max = SYNC_CHUNK_LINK;
	oh.chunk_max = SYNC_CHUNK_LINK;
	sync_scopes_add(&on.apply, "s0001");
	node_open(&a, "ck-a", 1, &oa);
	node_open(&h, "ck-h", 2, &oh);
	node_open(&n, "ck-n", 3, &on);
	for (int i = 0; i < 1200; i++)
		random_commit(&a, "s0001", &rs, T_DAY0 + (uint64_t)i * 61237);
	export_all(&a, &h, NULL, &ch);
	assert_true(ch.n >= 2 * SYNC_CKPT_EVERY);
	sync_batch_init(&b);
	memset(&rep, 0, sizeof(rep));
	for (size_t i = 0; i < ch.n; i++) {
		assert_true(ch.len[i] <= SYNC_CHUNK_LINK);
		assert_int_equal(sync_chunk_open(h.ctx, ch.p[i], ch.len[i], &c), 0);
		sync_batch_clear(&b);
		assert_int_equal(sync_payload_decode(c.payload, c.payload_len, c.sender, &b), 0);
		bool sig = false;
		for (size_t r = 0; r < b.nr; r++) {
			ranges++;
			sig |= b.r[r].has_sig;
		}
		sigs += sig;
		bare_run = sig ? 0 : bare_run + 1;
		bare_max = bare_run > bare_max ? bare_run : bare_max;
		if (i + 1 == ch.n)
			assert_true(sig); /* the delta ends at a checkpoint */
		assert_int_equal(sync_chunk_apply(h.ctx, ch.p[i], ch.len[i], T_DAY0 + 86400000, &rep, NULL, NULL), 0);
	}
	sync_batch_release(&b);
	print_message("%zu chunks, %zu ranges, %zu with a checkpoint\n", ch.n, ranges, sigs);
	chunks_free(&ch);
	assert_int_equal(rep.applied, 1200);
	assert_true(sigs < ranges);              /* before D9: one in every chunk */
	assert_true(bare_max < SYNC_CKPT_EVERY); /* and at least every SYNC_CKPT_EVERY-th */
	/* the hub relays A's feed whole, each piece ending at A's checkpoint */
	export_all(&h, &n, NULL, &ch);
	assert_int_equal(sync_ctx_too_large(h.ctx), 0);
	memset(&rep, 0, sizeof(rep));
	for (size_t i = 0; i < ch.n; i++) {
		assert_true(ch.len[i] <= SYNC_CHUNK_LONE);
		assert_int_equal(sync_chunk_apply(n.ctx, ch.p[i], ch.len[i], T_DAY0 + 86400000, &rep, NULL, NULL), 0);
	}
	chunks_free(&ch);
	assert_int_equal(rep.applied, 1200);
	assert_int_equal(rep.refused, 0);
	assert_int_equal(crdt_store_digest(a.st, "s0001", d1), 0);
	assert_int_equal(crdt_store_digest(n.st, "s0001", d2), 0);
	assert_memory_equal(d1, d2, 32);
	/* chunks larger than SYNC_CHUNK_LONE / SYNC_CKPT_EVERY (a bundle's)
	 * each keep their checkpoint: SYNC_CKPT_EVERY of them would make a
	 * piece no relay can pass on (D7) */
	sync_ctx_free(a.ctx);
	oa.chunk_max = SYNC_CHUNK_LONE / SYNC_CKPT_EVERY + 1024;
	assert_int_equal(sync_ctx_new(&a.ctx, a.st, &a.id, &oa), 0);
	for (int i = 1200; i < 4000; i++)
		random_commit(&a, "s0001", &rs, T_DAY0 + (uint64_t)i * 61237);
	export_all(&a, NULL, NULL, &ch);
	assert_true(ch.n >= 2);
	sync_batch_init(&b);
	for (size_t i = 0; i < ch.n; i++) {
		assert_int_equal(sync_chunk_open(h.ctx, ch.p[i], ch.len[i], &c), 0);
		sync_batch_clear(&b);
		assert_int_equal(sync_payload_decode(c.payload, c.payload_len, c.sender, &b), 0);
		assert_int_equal(b.nr, 1);
		assert_true(b.r[0].has_sig);
	}
	sync_batch_release(&b);
	chunks_free(&ch);
	node_close(&a);
	node_close(&h);
	node_close(&n);
}

/* ---- session --------------------------------------------------------- */

struct t_msg {
	int to;
	uint8_t *p;
	size_t len;
};

static void test_session_lossy(void **state)
{
	(void)state;
	unsigned seed = 4242;
	for (int round = 0; round < 3; round++) {
		struct t_node n[2];
		struct sync_options o0 = opt_station("s0001"), o1 = opt_hub();
		struct sync_session *s[2];
		struct t_msg *q = calloc(100000, sizeof(*q));
		size_t nq = 0;
		unsigned rs = seed + (unsigned)round;
		struct buf m;
		uint64_t now = T_DAY0 + 86400000;
		char name[32];
		o0.chunk_max = o1.chunk_max = round == 0 ? 200 : round == 1 ? 700 : 0;
		o0.dict = o1.dict = round == 1 ? NULL : dict;
		print_message("session seed %u chunk %zu\n", rs, o0.chunk_max);
		snprintf(name, sizeof(name), "ses-st%d", round);
		node_open(&n[0], name, 1, &o0);
		snprintf(name, sizeof(name), "ses-hub%d", round);
		node_open(&n[1], name, 9, &o1);
		for (int i = 0; i < 40; i++)
			random_commit(&n[0], "s0001", &rs, T_DAY0 + (uint64_t)i * 1000);
		for (int i = 0; i < 15; i++)
			random_commit(&n[1], i % 3 ? "s0001" : "", &rs, T_DAY0 + 500 + (uint64_t)i * 1000);
		struct sync_session_options so0 = { .initiator = true, .rto_ms = 1000 };
		struct sync_session_options so1 = { .group = round == 2, .rto_ms = 1000 };
		assert_int_equal(sync_session_new(&s[0], n[0].ctx, &so0, now), 0);
		assert_int_equal(sync_session_new(&s[1], n[1].ctx, &so1, now), 0);
		buf_init(&m, SYNC_CHUNK_MAX);
		int quiet = 0, steps = 0;
		for (; steps < 5000 && quiet < 3; steps++) {
			now += 400;
			bool sent = false;
			for (int k = 0; k < 2; k++) {
				sync_session_tick(s[k], now);
				int rc;
				while ((rc = sync_session_output(s[k], &m, now)) == 1) {
					sent = true;
					unsigned r = (unsigned)rand_r(&rs) % 10;
					if (r == 0)
						continue; /* dropped */
					for (int c = 0; c < (r == 1 ? 2 : 1); c++) { /* duplicated */
						assert_true(nq < 100000);
						q[nq].to = 1 - k;
						q[nq].p = malloc(m.len);
						memcpy(q[nq].p, m.data, m.len);
						q[nq].len = m.len;
						nq++;
					}
				}
				assert_int_equal(rc, 0);
			}
			/* deliver a random subset in random order */
			size_t deliver = nq ? 1 + (size_t)rand_r(&rs) % nq : 0;
			for (size_t d = 0; d < deliver; d++) {
				size_t i = (size_t)rand_r(&rs) % nq;
				struct t_msg msg = q[i];
				q[i] = q[--nq];
				assert_int_equal(sync_session_input(s[msg.to], msg.p, msg.len, now, NULL), 0);
				free(msg.p);
			}
			if (so1.group)
				assert_int_equal(sync_session_flush(s[1]), 0);
			if (!sent && nq == 0 && sync_session_idle(s[0]) && sync_session_idle(s[1]))
				quiet++;
			else
				quiet = 0;
		}
		assert_true(sync_session_idle(s[0]) && sync_session_idle(s[1]));
		uint8_t d0[32], d1[32];
		assert_int_equal(crdt_store_digest(n[0].st, "s0001", d0), 0);
		assert_int_equal(crdt_store_digest(n[1].st, "s0001", d1), 0);
		assert_memory_equal(d0, d1, 32);
		assert_int_equal(crdt_store_digest(n[0].st, "", d0), 0);
		assert_int_equal(crdt_store_digest(n[1].st, "", d1), 0);
		assert_memory_equal(d0, d1, 32);
		assert_memory_equal(sync_session_peer(s[0]), n[1].id.pk, 32);
		print_message("converged after %d steps\n", steps);
		while (nq)
			free(q[--nq].p);
		free(q);
		buf_release(&m);
		sync_session_free(s[0]);
		sync_session_free(s[1]);
		node_close(&n[0]);
		node_close(&n[1]);
	}
}

/* sync_session_pending says exactly whether output has a message: a hub
 * that answered a HELLO and has nothing the station lacks has nothing
 * pending and is idle (so it does not tell the station MORE, link.c X6);
 * a due delta is built and counted. */
static void test_session_pending(void **state)
{
	(void)state;
	struct t_node n[2];
	struct sync_options o0 = opt_station("s0001"), o1 = opt_hub();
	struct sync_session *s[2];
	struct sync_session_options so0 = { .initiator = true }, so1 = { 0 };
	uint64_t now = T_DAY0 + 86400000;
	unsigned rs = 77;
	struct buf m, hello;
	int type;
	size_t clen;
	uint8_t id[SYNC_ID_LEN];
	o0.dict = o1.dict = dict;
	node_open(&n[0], "pend-st", 1, &o0);
	node_open(&n[1], "pend-hub", 9, &o1);
	for (int i = 0; i < 3; i++)
		random_commit(&n[0], "s0001", &rs, T_DAY0 + (uint64_t)i * 1000);
	assert_int_equal(sync_session_new(&s[0], n[0].ctx, &so0, now), 0);
	assert_int_equal(sync_session_new(&s[1], n[1].ctx, &so1, now), 0);
	buf_init(&m, SYNC_CHUNK_MAX);
	buf_init(&hello, SYNC_CHUNK_MAX);
	assert_int_equal(sync_session_pending(s[1], now), 0); /* no HELLO yet: nothing */
	assert_int_equal(sync_session_pending(s[0], now), 1); /* its HELLO */
	assert_int_equal(sync_session_output(s[0], &m, now), 1);
	assert_int_equal(sync_session_pending(s[0], now), 0); /* waits for the hub's HELLO */
	assert_int_equal(sync_session_input(s[1], m.data, m.len, now, NULL), 0);
	assert_false(sync_session_idle(s[1])); /* a HELLO to answer, a delta to build */
	assert_int_equal(sync_session_pending(s[1], now), 1); /* the HELLO reply; the delta built */
	assert_int_equal(sync_session_output(s[1], &hello, now), 1);
	assert_int_equal(sync_session_pending(s[1], now), 0); /* the station lacks nothing */
	assert_true(sync_session_idle(s[1]));
	assert_int_equal(sync_session_output(s[1], &m, now), 0);
	/* the hub's HELLO makes the station's delta due: pending builds it,
	 * and output gives it */
	assert_int_equal(sync_session_input(s[0], hello.data, hello.len, now, NULL), 0);
	assert_int_equal(sync_session_pending(s[0], now), 1);
	assert_int_equal(sync_session_output(s[0], &m, now), 1);
	assert_int_equal(sync_chunk_peek(m.data, m.len, id, &type, &clen), 0);
	assert_int_equal(type, SYNC_MSG_DELTA);
	assert_int_equal(sync_session_pending(s[0], now), 0); /* sent, waiting for its ACK */
	/* a new commit at the hub for the station: pending once refreshed */
	random_commit(&n[1], "s0001", &rs, T_DAY0 + 9000);
	assert_int_equal(sync_session_pending(s[1], now), 0);
	assert_int_equal(sync_session_refresh(s[1]), 0);
	assert_int_equal(sync_session_pending(s[1], now), 1);
	assert_int_equal(sync_session_output(s[1], &m, now), 1);
	assert_int_equal(sync_chunk_peek(m.data, m.len, id, &type, &clen), 0);
	assert_int_equal(type, SYNC_MSG_DELTA);
	buf_release(&hello);
	buf_release(&m);
	sync_session_free(s[0]);
	sync_session_free(s[1]);
	node_close(&n[0]);
	node_close(&n[1]);
}

/* One session between a station and the hub, everything delivered; the
 * hub's report, and the size of the hub's HELLO. */
static void hello_session(struct t_node *st, struct t_node *hub, uint64_t *now, int drop_hellos,
			  struct sync_report *hub_rep, struct sync_report *st_rep, size_t *hub_hello)
{
	struct sync_session *s[2];
	struct sync_session_options so0 = { .initiator = true, .rto_ms = 1000 }, so1 = { .rto_ms = 1000 };
	struct buf m;
	buf_init(&m, SYNC_CHUNK_MAX);
	assert_int_equal(sync_session_new(&s[0], st->ctx, &so0, *now), 0);
	assert_int_equal(sync_session_new(&s[1], hub->ctx, &so1, *now), 0);
	for (int i = 0; i < drop_hellos; i++) { /* lost: the station sends its HELLO again */
		assert_int_equal(sync_session_output(s[0], &m, *now), 1);
		*now += 1000;
		sync_session_tick(s[0], *now);
	}
	*hub_hello = 0;
	for (int steps = 0; steps < 400 && !(sync_session_idle(s[0]) && sync_session_idle(s[1])); steps++) {
		*now += 100;
		for (int k = 0; k < 2; k++) {
			int rc, type;
			size_t clen;
			uint8_t id[SYNC_ID_LEN];
			while ((rc = sync_session_output(s[k], &m, *now)) == 1) {
				assert_int_equal(sync_chunk_peek(m.data, m.len, id, &type, &clen), 0);
				if (k == 1 && type == SYNC_MSG_HELLO)
					*hub_hello = m.len;
				assert_int_equal(sync_session_input(s[1 - k], m.data, m.len, *now, NULL), 0);
			}
			assert_int_equal(rc, 0);
		}
	}
	assert_true(sync_session_idle(s[0]) && sync_session_idle(s[1]));
	*hub_rep = *sync_session_report(s[1]);
	*st_rep = *sync_session_report(s[0]);
	sync_session_free(s[0]);
	sync_session_free(s[1]);
	buf_release(&m);
}

/* A hub with 120 feeds answers a station's HELLO with only what the
 * station must know (session.c S10), so a station's daily sync sends the
 * hub only its new commits: nothing the hub holds comes again (it did,
 * as "duplicate", when the hub's HELLO was cut at about 22 feeds). Also
 * after two lost HELLOs, when the station falls back to format 1. */
static void test_hello_whole_vector(void **state)
{
	(void)state;
	struct t_node st, hub;
	struct sync_options os = opt_station("s0001"), oh = opt_hub();
	struct sync_report hr, sr;
	uint64_t now = T_DAY0 + 86400000;
	unsigned rs = 31;
	size_t hello;
	os.dict = oh.dict = dict;
	os.chunk_max = oh.chunk_max = 1024; /* SYNC_CHUNK_LINK: the smallest chunk of a CoAP link */
	node_open(&st, "hello-st", 1, &os);
	node_open(&hub, "hello-hub", 9, &oh);
	for (int i = 0; i < 120; i++) { /* 120 feeds of the hub's, around the station's */
		char scope[16];
		snprintf(scope, sizeof(scope), "s%04d", i < 60 ? 100 + i : i - 60 + 2);
		random_commit(&hub, scope, &rs, T_DAY0 + (uint64_t)i);
	}
	random_commit(&hub, "s0001", &rs, T_DAY0 + 500);
	random_commit(&hub, "", &rs, T_DAY0 + 600);
	for (int i = 0; i < 30; i++)
		random_commit(&st, "s0001", &rs, T_DAY0 + 1000 + (uint64_t)i);
	hello_session(&st, &hub, &now, 0, &hr, &sr, &hello);
	assert_int_equal(hr.applied, 30);
	assert_int_equal(sr.applied, 2); /* the hub's commits of s0001 and "" */
	for (int day = 1; day <= 3; day++) {
		if (now < T_DAY0 + (uint64_t)day * 86400000) /* the clock goes on with the days */
			now = T_DAY0 + (uint64_t)day * 86400000;
		for (int i = 0; i < 10; i++)
			random_commit(&st, "s0001", &rs, T_DAY0 + (uint64_t)day * 86400000 + (uint64_t)i);
		random_commit(&hub, "s0001", &rs, T_DAY0 + (uint64_t)day * 86400000 + 50);
		/* day 2: the station's first two HELLOs (format 3) are lost, the
		 * third is format 2; day 3: four are lost, the fifth is format 1 */
		hello_session(&st, &hub, &now, day == 2 ? 2 : day == 3 ? 4 : 0, &hr, &sr, &hello);
		print_message("day %d: hub applied %llu duplicate %llu, station applied %llu duplicate %llu, "
			      "hub HELLO %zu bytes\n",
			      day, (unsigned long long)hr.applied, (unsigned long long)hr.duplicate,
			      (unsigned long long)sr.applied, (unsigned long long)sr.duplicate, hello);
		assert_int_equal(hr.applied, 10);
		assert_int_equal(hr.duplicate, 0);
		assert_int_equal(sr.applied, 1);
		assert_int_equal(sr.duplicate, 0);
		if (day == 1)
			assert_true(hello < 200); /* the answer names 1 feed, not 123 */
	}
	uint8_t d0[32], d1[32];
	assert_int_equal(crdt_store_digest(st.st, "s0001", d0), 0);
	assert_int_equal(crdt_store_digest(hub.st, "s0001", d1), 0);
	assert_memory_equal(d0, d1, 32);
	node_close(&st);
	node_close(&hub);
}

/* Issue 15: the station's HELLO named its own key in 32 bytes, which the
 * chunk's header already holds. Format 3 names it by its place: the
 * bytes below are written out by hand from docs/protocol.md §5. */
static void test_hello_v3_bytes(void **state)
{
	(void)state;
	struct crdt_vv_entry v[3], *got = NULL;
	uint8_t a[32], b[32];
	struct buf out;
	struct cur c;
	size_t n = 0;
	memset(a, 0x11, sizeof(a));
	memset(b, 0x22, sizeof(b));
	memset(v, 0, sizeof(v));
	memcpy(v[0].author, a, 32); /* sorted by (author, scope) */
	v[0].seq = 5;
	memcpy(v[1].author, b, 32);
	v[1].seq = 2;
	memcpy(v[2].author, b, 32);
	snprintf(v[2].scope, sizeof(v[2].scope), "s0001");
	v[2].seq = 300;
	/* nauthors 2, place 2 (b is the sender), a's key, 1 feed: "" 5;
	 * b's key left out, 2 feeds: "" 2, "s0001" 300 */
	uint8_t want[64], *w = want;
	*w++ = 2;
	*w++ = 2;
	memcpy(w, a, 32);
	w += 32;
	*w++ = 1, *w++ = 0, *w++ = 5;
	*w++ = 2, *w++ = 0, *w++ = 2;
	*w++ = 5;
	memcpy(w, "s0001", 5);
	w += 5;
	*w++ = 0xac, *w++ = 0x02;
	buf_init(&out, 4096);
	sync_vv_put2(&out, v, 3, b);
	assert_int_equal(out.len, (size_t)(w - want));
	assert_memory_equal(out.data, want, out.len);
	cur_init(&c, out.data, out.len);
	assert_int_equal(sync_vv_get2(&c, &got, &n, 100, b), 0);
	assert_true(cur_done(&c));
	assert_int_equal(n, 3);
	assert_memory_equal(got, v, sizeof(v));
	mem_free(got);
	/* format 2 of the same vector: 31 bytes more (b's key, no place) */
	buf_reset(&out);
	sync_vv_put2(&out, v, 3, NULL);
	assert_int_equal(out.len, (size_t)(w - want) + 31);
	/* the sender's key at the wrong place breaks the order: refused
	 * (b named first by its place, then a's key and feed) */
	{
		uint8_t bad[64], *q = bad;
		*q++ = 2, *q++ = 1;
		*q++ = 2, *q++ = 0, *q++ = 2, *q++ = 5;
		memcpy(q, "s0001", 5);
		q += 5;
		*q++ = 0xac, *q++ = 0x02;
		memcpy(q, a, 32);
		q += 32;
		*q++ = 1, *q++ = 0, *q++ = 5;
		cur_init(&c, bad, (size_t)(q - bad));
		assert_int_equal(sync_vv_get2(&c, &got, &n, 100, b), ERR_CORRUPT);
		assert_null(got);
	}
	/* the sender's key written out (place 0, or beside its place): refused */
	{
		uint8_t bad[64], *q = bad;
		*q++ = 1, *q++ = 0;
		memcpy(q, b, 32);
		q += 32;
		*q++ = 1, *q++ = 0, *q++ = 2;
		cur_init(&c, bad, (size_t)(q - bad));
		assert_int_equal(sync_vv_get2(&c, &got, &n, 100, b), ERR_CORRUPT);
		assert_null(got);
		{ /* the same vector in format 2 is good */
			uint8_t two[64];
			two[0] = 1;
			memcpy(two + 1, bad + 2, (size_t)(q - bad) - 2);
			cur_init(&c, two, (size_t)(q - bad) - 1);
			assert_int_equal(sync_vv_get2(&c, &got, &n, 100, NULL), 0);
			assert_int_equal(n, 1);
			mem_free(got);
			got = NULL;
		}
	}
	/* a place beyond the authors, and a cut vector: refused */
	want[1] = 3;
	cur_init(&c, want, (size_t)(w - want));
	assert_int_equal(sync_vv_get2(&c, &got, &n, 100, b), ERR_CORRUPT);
	want[1] = 2;
	for (size_t cut = 0; cut < (size_t)(w - want); cut++) {
		cur_init(&c, want, cut);
		assert_true(sync_vv_get2(&c, &got, &n, 100, b) < 0);
		assert_null(got);
	}
	buf_release(&out);
}

/* The initiator's HELLOs: format 3 twice, then format 2 twice (for a hub
 * before format 3, which refuses bit 3 as malformed and never answers),
 * then format 1 (for one before format 2). A hub of today reads all
 * three (test_hello_whole_vector) and refuses a format 3 flag with REL or
 * without V2. A station that heard the hub's time says it inside a
 * format 3 HELLO (bit 4) instead of in a TIME chunk of its own (115 bytes
 * more before), and in a TIME chunk after the older formats. */
static void test_hello_fallback(void **state)
{
	(void)state;
	struct t_node st, hub;
	struct sync_options os = opt_station("s0001"), oh = opt_hub();
	struct sync_session *s, *h;
	struct sync_session_options so = { .initiator = true, .rto_ms = 1000 }, sh = { .rto_ms = 1000 };
	struct sync_chunk ch;
	struct buf m, bad;
	uint64_t now = T_DAY0 + 86400000;
	unsigned rs = 41;
	/* the first says it reads compact chunks (session.c S13); the second
	 * is the one a hub of session 6, which refuses that bit, answers */
	static const uint8_t want[6] = { 0x3b, 0x1b, 0x03, 0x03, 0x01, 0x01 };
	size_t len[6];
	node_open(&st, "fb-st", 1, &os);
	node_open(&hub, "fb-hub", 9, &oh);
	for (int i = 0; i < 5; i++)
		random_commit(&st, "s0001", &rs, T_DAY0 + (uint64_t)i);
	buf_init(&m, SYNC_CHUNK_MAX);
	buf_init(&bad, SYNC_CHUNK_MAX);
	const uint64_t heard = now - 5000;
	sync_ctx_set_time(st.ctx, SYNC_TIME_HEARD, heard, 0); /* as node/ does (app_clock_say_time) */
	assert_int_equal(sync_session_new(&s, st.ctx, &so, now), 0);
	for (int i = 0; i < 6; i++) {
		assert_int_equal(sync_session_output(s, &m, now), 1);
		assert_int_equal(sync_chunk_open(hub.ctx, m.data, m.len, &ch), 0);
		assert_int_equal(ch.type, SYNC_MSG_HELLO);
		print_message("HELLO %d: flags 0x%02x, %zu bytes\n", i + 1, ch.payload[0], m.len);
		assert_int_equal(ch.payload[0], want[i]);
		len[i] = m.len;
		/* each is understood by a hub of today */
		struct sync_input_result res;
		assert_int_equal(sync_session_new(&h, hub.ctx, &sh, now), 0);
		assert_int_equal(sync_session_input(h, m.data, m.len, now, &res), 0);
		assert_int_equal(res.kind, SYNC_IN_HELLO);
		if (i < 2) { /* the time, from the HELLO alone */
			assert_int_equal(sync_session_report(h)->time_kind, SYNC_TIME_HEARD);
			assert_int_equal(sync_session_report(h)->time_ms, heard);
		}
		sync_session_free(h);
		if (i == 0) { /* V3 with REL, V3 without V2, TIME without V3 or REL, a bad time,
			       COMPACT without V2: malformed */
			for (int k = 0; k < 5; k++) {
				uint8_t p[256];
				assert_true(ch.payload_len < sizeof(p));
				memcpy(p, ch.payload, ch.payload_len);
				p[0] = k == 0 ? 0x1f : k == 1 ? 0x19 : k == 2 ? 0x13 : k == 3 ? 0x1b : 0x21;
				if (k == 3)
					p[ch.payload_len - 9] = 3; /* no such kind of time */
				assert_int_equal(sync_chunk_seal(st.ctx, SYNC_MSG_HELLO, p, ch.payload_len, false, &bad), 0);
				assert_int_equal(sync_session_new(&h, hub.ctx, &sh, now), 0);
				assert_int_equal(sync_session_input(h, bad.data, bad.len, now, &res), 0);
				assert_int_equal(res.kind, SYNC_IN_REFUSED);
				assert_int_equal(res.why, ERR_CORRUPT);
				sync_session_free(h);
			}
		}
		m.len = 0;
		int after = 0;
		while (sync_session_output(s, &m, now) == 1) { /* the TIME after it, if any */
			assert_int_equal(sync_chunk_open(hub.ctx, m.data, m.len, &ch), 0);
			assert_int_equal(ch.type, SYNC_MSG_TIME);
			after++;
			m.len = 0;
		}
		assert_int_equal(after, i < 2 ? 0 : 1);
		now += 1000;
		sync_session_tick(s, now);
	}
	assert_int_equal(len[0] + 31, len[2] + SYNC_TIME_LEN); /* the station's key once, by place */
	sync_session_free(s);
	buf_release(&m);
	buf_release(&bad);
	node_close(&st);
	node_close(&hub);
}

/* ---- time in sessions and bundles (docs/protocol.md "Time") ------------ */

/* Run two sessions until both are idle, delivering everything. */
static void session_run(struct sync_session *s[2], uint64_t *now)
{
	struct buf m;
	buf_init(&m, SYNC_CHUNK_MAX);
	for (int steps = 0; steps < 200 && !(sync_session_idle(s[0]) && sync_session_idle(s[1])); steps++) {
		*now += 100;
		for (int k = 0; k < 2; k++) {
			int rc;
			while ((rc = sync_session_output(s[k], &m, *now)) == 1)
				assert_int_equal(sync_session_input(s[1 - k], m.data, m.len, *now, NULL), 0);
			assert_int_equal(rc, 0);
		}
	}
	assert_true(sync_session_idle(s[0]) && sync_session_idle(s[1]));
	buf_release(&m);
}

static void test_time_travels(void **state)
{
	(void)state;
	struct t_node st, hub;
	struct sync_options os = opt_station("s0001"), oh = opt_hub();
	struct sync_session *s[2];
	struct sync_report rep;
	uint64_t now = T_DAY0 + 86400000, set_at = now - 5000;
	unsigned rs = 5;
	char path[256];
	os.dict = oh.dict = dict;
	node_open(&st, "time-st", 1, &os);
	node_open(&hub, "time-hub", 9, &oh);
	for (int i = 0; i < 5; i++)
		random_commit(&st, "s0001", &rs, T_DAY0 + (uint64_t)i * 1000);

	/* nobody says a time: none arrives */
	struct sync_session_options si = { .initiator = true }, sr = { 0 };
	assert_int_equal(sync_session_new(&s[0], st.ctx, &si, now), 0);
	assert_int_equal(sync_session_new(&s[1], hub.ctx, &sr, now), 0);
	session_run(s, &now);
	assert_int_equal(sync_session_report(s[0])->time_kind, SYNC_TIME_NONE);
	assert_int_equal(sync_session_report(s[1])->time_kind, SYNC_TIME_NONE);
	sync_session_free(s[0]);
	sync_session_free(s[1]);

	/* the hub says its clock (set 5 s before, so 5 s and more have passed);
	 * the station relays the hub time it heard before */
	sync_ctx_set_time(hub.ctx, SYNC_TIME_OWN, T_DAY0 + 777000, set_at);
	sync_ctx_set_time(st.ctx, SYNC_TIME_HEARD, T_DAY0 + 1000, 0);
	assert_int_equal(sync_session_new(&s[0], st.ctx, &si, now), 0);
	assert_int_equal(sync_session_new(&s[1], hub.ctx, &sr, now), 0);
	uint64_t start = now;
	session_run(s, &now);
	const struct sync_report *r0 = sync_session_report(s[0]), *r1 = sync_session_report(s[1]);
	assert_int_equal(r0->time_kind, SYNC_TIME_OWN);
	assert_true(r0->time_ms >= T_DAY0 + 777000 + (start - set_at) && r0->time_ms <= T_DAY0 + 777000 + (now - set_at));
	assert_true(r0->time_at >= start && r0->time_at <= now);
	assert_memory_equal(r0->time_from, hub.id.pk, SYNC_PK_LEN);
	assert_int_equal(r1->time_kind, SYNC_TIME_HEARD);
	assert_int_equal(r1->time_ms, T_DAY0 + 1000);
	assert_memory_equal(r1->time_from, st.id.pk, SYNC_PK_LEN);
	sync_session_free(s[0]);
	sync_session_free(s[1]);

	/* a bundle carries the hub's time, signed, right after its header */
	random_commit(&hub, "", &rs, T_DAY0 + 9000);
	snprintf(path, sizeof(path), "%s/time.bundle", dir);
	sync_ctx_set_time(hub.ctx, SYNC_TIME_OWN, T_DAY0 + 888000, 0);
	assert_int_equal(sync_bundle_export_path(hub.ctx, path, NULL, 0, NULL), 0);
	uint8_t *p;
	size_t len;
	FILE *f = fopen(path, "rb");
	assert_non_null(f);
	fseek(f, 0, SEEK_END);
	len = (size_t)ftell(f);
	fseek(f, 0, SEEK_SET);
	p = malloc(len);
	assert_int_equal(fread(p, 1, len, f), len);
	fclose(f);
	memset(&rep, 0, sizeof(rep));
	assert_int_equal(sync_bundle_import_mem(st.ctx, p, len, now, &rep), 0);
	assert_int_equal(rep.time_kind, SYNC_TIME_OWN);
	assert_int_equal(rep.time_ms, T_DAY0 + 888000);
	assert_memory_equal(rep.time_from, hub.id.pk, SYNC_PK_LEN);
	assert_int_equal(rep.chunks_refused, 0);
	assert_int_equal(rep.bytes_skipped, 0);
	uint64_t applied = rep.applied;
	assert_true(applied >= 1);
	/* a forged time (one byte of its payload changed) is refused and
	 * skipped; the deltas after it still apply */
	size_t at = 8 + 1 + 1 + SYNC_PK_LEN + SYNC_HDR_FIXED + 1 + 3; /* a byte of the ms */
	p[at] ^= 0x40;
	struct t_node st2;
	node_open(&st2, "time-st2", 1, &os);
	memset(&rep, 0, sizeof(rep));
	assert_int_equal(sync_bundle_import_mem(st2.ctx, p, len, now, &rep), 0);
	assert_int_equal(rep.time_kind, SYNC_TIME_NONE);
	assert_int_equal(rep.chunks_refused, 1);
	assert_true(rep.bytes_skipped > 0);
	assert_true(rep.applied >= applied);
	uint8_t d0[32], d1[32];
	assert_int_equal(crdt_store_digest(st2.st, "", d0), 0);
	assert_int_equal(crdt_store_digest(hub.st, "", d1), 0);
	assert_memory_equal(d0, d1, 32);
	assert_int_equal(crdt_store_digest(st2.st, "s0001", d0), 0);
	assert_int_equal(crdt_store_digest(hub.st, "s0001", d1), 0);
	assert_memory_equal(d0, d1, 32);
	free(p);
	node_close(&st2);
	node_close(&st);
	node_close(&hub);
}

/* ---- identity -------------------------------------------------------- */

static void test_identity_file(void **state)
{
	(void)state;
	struct sync_identity a, b;
	char path[256];
	struct stat st;
	snprintf(path, sizeof(path), "%s/node.key", dir);
	assert_int_equal(sync_identity_generate(&a), 0);
	assert_int_equal(sync_identity_save(&a, path), 0);
	assert_int_equal(stat(path, &st), 0);
	assert_int_equal(st.st_mode & 0777, 0600);
	assert_int_equal(sync_identity_save(&a, path), ERR_EXISTS);
	assert_int_equal(sync_identity_load(&b, path), 0);
	assert_memory_equal(a.pk, b.pk, 32);
	assert_memory_equal(a.sk, b.sk, 64);
	sync_identity_release(&b);
	chmod(path, 0644);
	assert_int_equal(sync_identity_load(&b, path), ERR_UNAUTH);
	assert_null(b.sk);
	sync_identity_release(&a);
	snprintf(path, sizeof(path), "%s/none.key", dir);
	assert_int_equal(sync_identity_load(&b, path), ERR_NOTFOUND);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_identity_file),
		cmocka_unit_test(test_roundtrip_random),
		cmocka_unit_test(test_roundtrip_negative_zero),
		cmocka_unit_test(test_golden),
		cmocka_unit_test(test_bitflip_refused),
		cmocka_unit_test(test_truncation),
		cmocka_unit_test(test_bomb_refused),
		cmocka_unit_test(test_unknown_dict),
		cmocka_unit_test(test_gap_chain_forgery),
		cmocka_unit_test(test_authorize),
		cmocka_unit_test(test_bundle_idempotent),
		cmocka_unit_test(test_relay_carry),
		cmocka_unit_test(test_relay_long_piece),
		cmocka_unit_test(test_own_checkpoint_at_end),
		cmocka_unit_test(test_session_lossy),
		cmocka_unit_test(test_session_pending),
		cmocka_unit_test(test_hello_whole_vector),
		cmocka_unit_test(test_hello_v3_bytes),
		cmocka_unit_test(test_hello_fallback),
		cmocka_unit_test(test_time_travels),
	};
	int rc;
	if (sync_init())
		return 1;
	if (sync_dict_load(&dict, DICT_PATH) != 0)
		fprintf(stderr, "note: %s missing; dictionary cases run without it\n", DICT_PATH);
	rc = cmocka_run_group_tests(tests, setup, teardown);
	sync_dict_free(dict);
	return rc;
}
