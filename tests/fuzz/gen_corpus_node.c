// SPDX-License-Identifier: MIT
/*
 * gen_corpus_node.c - the part of gen_corpus.c on the county of fuzz.h
 * and the program's homes of fuzz_node.h (included by gen_corpus.c, which
 * has put()): opened ranges for fuzz_chunk, real exchanges with the hub
 * for fuzz_coap, backups for fuzz_backup, volunteer files for fuzz_csv.
 */

/* A station's day: a volunteer, an order done with its credit. */
static void gen_station_day(struct fuzz_node *n, const char *scope, const char *station, uint64_t t)
{
	struct crdt_write w[2];
	char v[32], o[32], p[32], key[48];
	snprintf(v, sizeof(v), "%s-v7", station);
	snprintf(o, sizeof(o), "%s-o7", station);
	snprintf(p, sizeof(p), "%s-p7", station);
	snprintf(key, sizeof(key), "service:%s", o);
	crdt_write_init(&w[0], 1, CRDT_UPSERT, v);
	crdt_write_text(&w[0], "name", "刘洋");
	crdt_write_text(&w[0], "phone", "13600000007");
	crdt_write_text(&w[0], "station", station);
	crdt_write_text(&w[0], "status", "active");
	crdt_write_int(&w[0], "registered_at", (int64_t)t);
	if (crdt_commit_local(n->st, t, scope, w, 1, NULL))
		abort();
	crdt_write_init(&w[0], 3, CRDT_UPSERT, o);
	crdt_write_text(&w[0], "station", station);
	crdt_write_text(&w[0], "detail", "帮独居老人买药");
	crdt_write_text(&w[0], "status", "done");
	crdt_write_text(&w[0], "volunteer", v);
	crdt_write_real(&w[0], "hours", 2);
	crdt_write_init(&w[1], 5, CRDT_UPSERT, p);
	crdt_write_text(&w[1], "volunteer", v);
	crdt_write_int(&w[1], "delta", 20);
	crdt_write_text(&w[1], "reason", "service");
	crdt_write_text(&w[1], "order", o);
	crdt_write_real(&w[1], "hours", 2);
	crdt_write_text(&w[1], "station", station);
	crdt_write_text(&w[1], "key", key);
	if (crdt_commit_local(n->st, t + 60000, scope, w, 2, NULL))
		abort();
}

struct gen_plain {
	struct fuzz_node *n;
	struct sync_batch b;
};

/* Each commit's plaintext body into a batch, as an opened range holds it. */
static int gen_plain_one(void *arg, const struct crdt_log_entry *e)
{
	struct gen_plain *g = arg;
	struct buf out;
	const uint8_t *plain;
	size_t len;
	buf_init(&out, 0);
	if (sync_body_open(g->n->ctx, e, &out, &plain, &len))
		abort();
	struct sync_commit *cm = sync_batch_commit(&g->b);
	cm->seq = e->seq;
	cm->hlc = e->hlc;
	cm->plain_off = g->b.plain.len;
	cm->plain_len = len;
	buf_put(&g->b.plain, plain, len);
	buf_release(&out);
	return 0;
}

static void gen_put_chunks(const char *name, uint8_t mode, const struct chunks *k)
{
	char nm[64];
	for (size_t i = 0; i < k->n; i++) {
		snprintf(nm, sizeof(nm), "%s%zu", name, i);
		put("fuzz_chunk", nm, mode, k->c[i].data, k->c[i].len);
	}
}

static void gen_chunks_release(struct chunks *k)
{
	for (size_t i = 0; i < k->n; i++)
		buf_release(&k->c[i]);
	k->n = 0;
}

/* fuzz_chunk on the county: opened ranges, what is in their boxes, a
 * revoked station, a station writing another's scope. */
static void gen_county_chunks(void)
{
	struct fuzz_node s1, s2, s3, hub;
	struct sync_scopes all;
	struct chunks k = { 0 };
	struct gen_plain g;
	struct buf m;
	char nm[64];
	struct crdt_vv_entry *vv = NULL;
	size_t nvv = 0;
	memset(&all, 0, sizeof(all));
	all.all = 1;
	fuzz_county_node(&s1, FUZZ_SEED_S1, "s0001", SYNC_ROLE_STATION);
	fuzz_county_node(&hub, FUZZ_SEED_HUB, "hub", SYNC_ROLE_HUB);
	gen_station_day(&s1, "s0001", "s0001", FUZZ_NOW + 3600000);
	/* what the hub lacks: not the root's feed, whose statements seal their
	 * keys afresh in every process (the receiver makes its own) */
	if (crdt_store_vv(hub.st, &vv, &nvv))
		abort();
	sync_delta_export_for(s1.ctx, vv, nvv, NULL, &all, keep, &k);
	gen_put_chunks("county_opened", 0x08, &k);
	gen_put_chunks("county_carry", 0x0c, &k);
	for (size_t i = 0; i < k.n; i++) {
		struct sync_chunk c;
		if (sync_chunk_open(hub.ctx, k.c[i].data, k.c[i].len, &c) == 0) {
			snprintf(nm, sizeof(nm), "county_payload%zu", i);
			put("fuzz_chunk", nm, 0x09, c.payload, c.payload_len);
			snprintf(nm, sizeof(nm), "county_payload_z%zu", i);
			put("fuzz_chunk", nm, 0x0b, c.payload, c.payload_len);
			snprintf(nm, sizeof(nm), "county_payload_carry%zu", i);
			put("fuzz_chunk", nm, 0x0d, c.payload, c.payload_len);
		}
	}
	gen_chunks_release(&k);
	sync_delta_export(s1.ctx, vv, nvv, NULL, keep, &k); /* commit by commit, bodies sealed */
	gen_put_chunks("county_sealed", 0x08, &k);
	gen_chunks_release(&k);
	/* inside the box: the plaintext streams, and their zstd frame */
	memset(&g, 0, sizeof(g));
	g.n = &s1;
	sync_batch_init(&g.b);
	crdt_log_each(s1.st, s1.id.pk, "s0001", 0, gen_plain_one, &g);
	buf_init(&m, 0);
	if (g.b.nc && sync_bodies_encode(&m, &g.b, "s0001", 0, g.b.nc) == 0) {
		uint8_t shape = (uint8_t)(g.b.nc - 1);
		struct buf in;
		buf_init(&in, 0);
		buf_put_u8(&in, shape);
		buf_put(&in, m.data, m.len);
		put("fuzz_chunk", "box_streams", 0x19, in.data, in.len);
		size_t cap = ZSTD_compressBound(m.len);
		uint8_t *z = malloc(cap);
		size_t zn = ZSTD_compress(z, cap, m.data, m.len, 3);
		if (!ZSTD_isError(zn) && zn > 4) {
			buf_reset(&in);
			buf_put_u8(&in, shape | 8);
			buf_put(&in, z + 4, zn - 4);
			put("fuzz_chunk", "box_frame", 0x19, in.data, in.len);
		}
		free(z);
		buf_release(&in);
	}
	buf_release(&m);
	sync_batch_release(&g.b);
	/* a revoked station's day, and a station writing another's scope */
	fuzz_county_node(&s3, FUZZ_SEED_S3, "s0003", SYNC_ROLE_STATION);
	gen_station_day(&s3, "s0003", "s0003", FUZZ_NOW + 3600000);
	sync_delta_export(s3.ctx, vv, nvv, NULL, keep, &k);
	gen_put_chunks("county_revoked", 0x08, &k);
	gen_chunks_release(&k);
	fuzz_county_node(&s2, FUZZ_SEED_S2, "s0002", SYNC_ROLE_STATION);
	gen_station_day(&s2, "s0001", "s0001", FUZZ_NOW + 3600000);
	sync_delta_export(s2.ctx, vv, nvv, NULL, keep, &k);
	gen_put_chunks("county_other_scope", 0x08, &k);
	gen_chunks_release(&k);
	mem_free(vv);
	fuzz_node_close(&s1);
	fuzz_node_close(&s2);
	fuzz_node_close(&s3);
	fuzz_node_close(&hub);
}

/* ---- fuzz_coap: real requests to the county hub --------------------------- */

struct gen_hub {
	char tmpl[64], home[64];
	struct node_ctx ctx;
	struct node_net_server *srv;
};

/* The hub as the fuzzer starts from: a fresh copy of the home. */
static void gen_hub_open(struct gen_hub *h)
{
	fuzz_rmtree(h->home);
	if (mkdir(h->home, 0700))
		abort();
	fuzz_copy_dir(h->tmpl, h->home);
	fuzz_home_open(&h->ctx, h->home);
	if (node_net_sync_open(&h->ctx, 1024) || node_net_server_new(&h->srv, &h->ctx, 4))
		abort();
}

static void gen_hub_close(struct gen_hub *h)
{
	node_net_server_free(h->srv);
	node_ctx_release(&h->ctx);
}

/* One request, recorded in rec as fuzz_coap reads it; the answer's body
 * (after the flags byte for /s) into ans. */
static unsigned gen_req(struct gen_hub *h, struct buf *rec, uint8_t head, const char *query, const char *path,
			const uint8_t *body, size_t len, struct buf *ans)
{
	struct radio_req req;
	struct radio_resp resp = { .code = 205, .ct = 0 };
	buf_put_u8(rec, head);
	buf_put_u8(rec, (uint8_t)strlen(query));
	buf_put(rec, query, strlen(query));
	if ((head >> 1 & 3) == 3) {
		buf_put_u8(rec, (uint8_t)strlen(path));
		buf_put(rec, path, strlen(path));
	}
	buf_put_u16be(rec, (uint16_t)len);
	buf_put(rec, body, len);
	memset(&req, 0, sizeof(req));
	req.method = head & 1 ? RADIO_POST : RADIO_GET;
	req.path = path;
	req.query = query;
	req.body = len ? body : NULL;
	req.len = len;
	req.peer = "[::1]:5683";
	buf_init(&resp.body, (size_t)1 << 20);
	node_net_serve(h->srv, &req, &resp);
	if (ans) {
		buf_reset(ans);
		if (resp.body.len > 1)
			buf_put(ans, resp.body.data + 1, resp.body.len - 1);
		if (resp.body.len)
			ans->err = resp.body.data[0]; /* the flags, for the caller */
	}
	buf_release(&resp.body);
	return resp.code;
}

/* A station's whole exchange with the hub over /s (as node/link.c's
 * client: one message per request, or a poll), then GET /vv; written as
 * the raw requests, and as records sealed again by the station's key
 * (signer: fuzz_coap.c's kind bits 2-3). */
static void gen_exchange(struct gen_hub *h, struct fuzz_node *st, unsigned signer, const char *key,
			 const char *name)
{
	struct sync_session *s;
	struct sync_session_options o = { .initiator = 1 };
	struct buf rec, srec, m, ans, pl;
	char nm[64];
	uint64_t wall = node_net_wall_ms();
	buf_init(&rec, 0);
	buf_init(&srec, 0);
	buf_init(&m, SYNC_CHUNK_MAX);
	buf_init(&ans, 0);
	buf_init(&pl, 0);
	gen_hub_open(h);
	if (sync_session_new(&s, st->ctx, &o, wall))
		abort();
	for (int round = 0; round < 40; round++) {
		int have = sync_session_output(s, &m, wall) == 1;
		struct sync_chunk c;
		buf_reset(&pl);
		if (have && sync_chunk_open(st->ctx, m.data, m.len, &c) == 0) {
			buf_put_u8(&pl, (uint8_t)(c.type | signer << 2 | (m.data[4] & 1 ? 16 : 0)));
			buf_put_u16be(&pl, (uint16_t)c.payload_len);
			buf_put(&pl, c.payload, c.payload_len);
		}
		unsigned code = gen_req(h, &rec, 0x03, key, "s", have ? m.data : NULL, have ? m.len : 0, &ans);
		/* the same request in records, into srec (not sent twice) */
		buf_put_u8(&srec, 0x13);
		buf_put_u8(&srec, (uint8_t)strlen(key));
		buf_put(&srec, key, strlen(key));
		buf_put_u16be(&srec, (uint16_t)pl.len);
		buf_put(&srec, pl.data, pl.len);
		if (code != 204)
			break;
		int flags = ans.err;
		ans.err = 0;
		for (size_t off = 0; off < ans.len;) {
			uint8_t id[SYNC_ID_LEN];
			int type;
			size_t clen;
			if (sync_chunk_peek(ans.data + off, ans.len - off, id, &type, &clen) || !clen)
				break;
			sync_session_input(s, ans.data + off, clen, wall, NULL);
			off += clen;
		}
		if (!have && (flags & 1) && sync_session_idle(s))
			break;
	}
	gen_req(h, &rec, 0x00, "", "vv", NULL, 0, NULL);
	buf_put(&srec, "\x00\x00\x00\x00", 4);
	put("fuzz_coap", name, 0xff, rec.data, rec.len);
	snprintf(nm, sizeof(nm), "%s_sealed", name);
	put("fuzz_coap", nm, 0xff, srec.data, srec.len);
	sync_session_free(s);
	gen_hub_close(h);
	buf_release(&rec);
	buf_release(&srec);
	buf_release(&m);
	buf_release(&ans);
	buf_release(&pl);
}

/* POST /join: request of a new station's key, tag keyed by the code. */
static void gen_join(struct gen_hub *h, const char *name, const char *station, const char *code)
{
	struct sync_identity id;
	struct buf b, rec;
	uint8_t key[crypto_generichash_BYTES], tag[crypto_auth_BYTES];
	fuzz_ident(&id, 11);
	buf_init(&b, 0);
	buf_init(&rec, 0);
	if (sync_request_make(&b, &id, station, "新村服务站", FUZZ_NOW + 3600000))
		abort();
	crypto_generichash(key, sizeof(key), (const uint8_t *)code, strlen(code), NULL, 0);
	crypto_auth(tag, b.data, b.len, key);
	buf_put(&b, tag, sizeof(tag));
	gen_hub_open(h);
	gen_req(h, &rec, 0x07, "", "join", b.data, b.len, NULL);
	gen_req(h, &rec, 0x00, "scope=-", "vv", NULL, 0, NULL);
	gen_hub_close(h);
	put("fuzz_coap", name, 0xff, rec.data, rec.len);
	buf_release(&b);
	buf_release(&rec);
	sync_identity_release(&id);
}

static void gen_coap(void)
{
	struct gen_hub h;
	struct fuzz_node s1, s2, s3, x;
	struct buf rec;
	memset(&h, 0, sizeof(h));
	fuzz_tmpdir(h.tmpl, "gen-hub");
	fuzz_tmpdir(h.home, "gen-serve");
	fuzz_hub_home(h.tmpl);
	fuzz_county_node(&s1, FUZZ_SEED_S1, "s0001", SYNC_ROLE_STATION);
	gen_station_day(&s1, "s0001", "s0001", FUZZ_NOW + 3600000);
	gen_exchange(&h, &s1, 0, "k=5a01", "station_s0001");
	fuzz_county_node(&s2, FUZZ_SEED_S2, "s0002", SYNC_ROLE_STATION);
	gen_station_day(&s2, "s0002", "s0002", FUZZ_NOW + 3600000);
	gen_station_day(&s2, "s0001", "s0001", FUZZ_NOW + 7200000); /* not its scope */
	gen_exchange(&h, &s2, 1, "k=5a02", "station_s0002_other_scope");
	fuzz_county_node(&s3, FUZZ_SEED_S3, "s0003", SYNC_ROLE_STATION);
	gen_station_day(&s3, "s0003", "s0003", FUZZ_NOW + 3600000);
	gen_exchange(&h, &s3, 2, "k=5a03", "station_revoked");
	fuzz_county_node(&x, FUZZ_SEED_STRANGER, "s0009", SYNC_ROLE_STATION);
	gen_station_day(&x, "s0009", "s0009", FUZZ_NOW + 3600000);
	gen_exchange(&h, &x, 3, "k=5a09", "station_stranger");
	gen_join(&h, "join", "s0004", FUZZ_JOIN_CODE);
	gen_join(&h, "join_wrong_code", "s0004", "ABCDEFGHJK");
	gen_join(&h, "join_used_code", "s0005", FUZZ_JOIN_USED);
	gen_join(&h, "join_other_station", "s0001", FUZZ_JOIN_CODE);
	/* five stations at once on a server of four: the fifth is told 5.03 */
	buf_init(&rec, 0);
	gen_hub_open(&h);
	for (int i = 0; i < 5; i++) {
		struct sync_session *s;
		struct sync_session_options o = { .initiator = 1 };
		struct buf m;
		char q[16];
		buf_init(&m, SYNC_CHUNK_MAX);
		sync_session_new(&s, s1.ctx, &o, node_net_wall_ms());
		sync_session_output(s, &m, node_net_wall_ms());
		snprintf(q, sizeof(q), "k=%04x", 0xb000 + i);
		gen_req(&h, &rec, 0x03, q, "s", m.data, m.len, NULL);
		sync_session_free(s);
		buf_release(&m);
	}
	gen_req(&h, &rec, 0x04, "", ".well-known/core", NULL, 0, NULL);
	gen_req(&h, &rec, 0x01, "scope=s0001&scope=-", "vv", NULL, 0, NULL);
	gen_hub_close(&h);
	put("fuzz_coap", "busy", 0xff, rec.data, rec.len);
	buf_release(&rec);
	fuzz_node_close(&s1);
	fuzz_node_close(&s2);
	fuzz_node_close(&s3);
	fuzz_node_close(&x);
	fuzz_rmtree(h.tmpl);
	fuzz_rmtree(h.home);
}

/* ---- fuzz_backup: what `cunlian backup` writes -------------------------- */

#define GEN_BK_PASS "红星村 backup 2025" /* fuzz_backup.c's FUZZ_BK_PASS */

static void gen_slurp(const char *path, struct buf *out)
{
	FILE *f = fopen(path, "rb");
	uint8_t b[4096];
	size_t n;
	if (!f)
		abort();
	while ((n = fread(b, 1, sizeof(b), f)) > 0)
		buf_put(out, b, n);
	fclose(f);
}

/* The plaintext of a backup file, with the passphrase. */
static void gen_backup_open(const struct buf *file, struct buf *plain)
{
	crypto_secretstream_xchacha20poly1305_state st;
	uint8_t key[32], *m;
	const uint8_t *h = file->data;
	size_t off = 64;
	bool first = true;
	uint32_t ops = (uint32_t)h[12] | (uint32_t)h[13] << 8 | (uint32_t)h[14] << 16 | (uint32_t)h[15] << 24;
	uint64_t mem = 0;
	for (int i = 8; i-- > 0;)
		mem = mem << 8 | h[16 + i];
	if (crypto_pwhash(key, sizeof(key), GEN_BK_PASS, strlen(GEN_BK_PASS), h + 24, ops, (size_t)mem, h[9]) ||
	    crypto_secretstream_xchacha20poly1305_init_pull(&st, h + 40, key))
		abort();
	m = malloc(65536 + 64);
	while (off + 4 <= file->len) {
		uint32_t clen = (uint32_t)file->data[off] | (uint32_t)file->data[off + 1] << 8 |
				(uint32_t)file->data[off + 2] << 16 | (uint32_t)file->data[off + 3] << 24;
		unsigned long long mlen;
		unsigned char tag;
		off += 4;
		if (clen > file->len - off ||
		    crypto_secretstream_xchacha20poly1305_pull(&st, m, &mlen, &tag, file->data + off, clen,
							       first ? h : NULL, first ? 64 : 0))
			abort();
		buf_put(plain, m, (size_t)mlen);
		off += clen;
		first = false;
	}
	free(m);
	sodium_memzero(key, sizeof(key));
}

static void gen_record_file(struct buf *b, const char *name, const void *p, size_t len)
{
	buf_put_u8(b, 'F');
	buf_put_u8(b, (uint8_t)strlen(name));
	buf_put(b, name, strlen(name));
	for (int i = 0; i < 8; i++)
		buf_put_u8(b, (uint8_t)((uint64_t)len >> (8 * i)));
	buf_put(b, p, len);
}

static void gen_backup(void)
{
	char dir[64], home[128], pass[128], out[128], db[NODE_PATH_MAX];
	struct node_ctx ctx;
	struct buf file, plain, small, conf, key;
	struct crdt_store *st;
	uint8_t d[32], pk[32] = { 1 };
	char hex[65], man[512];
	fuzz_tmpdir(dir, "gen-backup");
	snprintf(home, sizeof(home), "%s/home", dir);
	snprintf(pass, sizeof(pass), "%s/pass", dir);
	snprintf(out, sizeof(out), "%s/s0001.backup", dir);
	if (mkdir(home, 0700))
		abort();
	fuzz_station_home(home);
	fuzz_write_file(pass, GEN_BK_PASS "\n", strlen(GEN_BK_PASS) + 1);
	node_ctx_init(&ctx);
	snprintf(ctx.app.home, sizeof(ctx.app.home), "%s", home);
	ctx.app.now_ms = FUZZ_NOW + 7200000;
	char *argv[] = { out, "--passphrase-file", pass, NULL };
	/* declared as node/main.c declares `backup` */
	static const struct node_cmd cmd_backup = {
		.group = "backup", .run = node_run_backup, .help = M_LOG_SERVED, .access = APP_READS,
		.opts = "passphrase-file=", .maxpos = 1,
	};
	struct node_args na;
	ctx.cmd = &cmd_backup;
	fuzz_quiet(true);
	int rc = node_args_parse(&ctx, &cmd_backup, 3, argv, &na);
	if (!rc)
		rc = node_run_backup(&ctx, &na);
	fuzz_quiet(false);
	node_ctx_release(&ctx);
	if (rc)
		abort();
	buf_init(&file, 0);
	buf_init(&plain, 0);
	gen_slurp(out, &file);
	gen_backup_open(&file, &plain);
	put("fuzz_backup", "file", 0x00, file.data, file.len);
	put("fuzz_backup", "file_header", 0x00, file.data, 64);
	put("fuzz_backup", "plain", 0x01, plain.data, plain.len);
	/* a small one that restores: the manifest, the station's files and an
	 * empty replica (SQLite makes it), whose digest the manifest holds */
	snprintf(db, sizeof(db), "%s/empty.db", dir);
	if (crdt_store_open(&st, db, pk, NULL) || crdt_store_digest(st, NULL, d))
		abort();
	crdt_store_close(st);
	app_hex(d, 32, hex);
	buf_init(&small, 0);
	buf_init(&conf, 0);
	buf_init(&key, 0);
	snprintf(db, sizeof(db), "%s/node.conf", home);
	gen_slurp(db, &conf);
	snprintf(db, sizeof(db), "%s/identity.key", home);
	gen_slurp(db, &key);
	int ml = snprintf(man, sizeof(man),
			  "format = 1\nversion = 0.1\nstation = s0001\nname = 红星村服务站\nrole = station\n"
			  "author = 00\ncreated_ms = %llu\ndigest = %s\n",
			  (unsigned long long)FUZZ_NOW, hex);
	buf_put_u8(&small, 'M');
	for (int i = 0; i < 4; i++)
		buf_put_u8(&small, (uint8_t)((unsigned)ml >> (8 * i)));
	buf_put(&small, man, (size_t)ml);
	gen_record_file(&small, "node.conf", conf.data, conf.len);
	buf_put(&small, "\xff\xfe", 2); /* a new message here */
	gen_record_file(&small, "identity.key", key.data, key.len);
	gen_record_file(&small, "replica.db", "", 0);
	buf_put_u8(&small, 'E');
	put("fuzz_backup", "small", 0x01, small.data, small.len);
	put("fuzz_backup", "small_not_final", 0x03, small.data, small.len);
	put("fuzz_backup", "small_trailing", 0x05, small.data, small.len);
	put("fuzz_backup", "small_other_pass", 0x09, small.data, small.len);
	put("fuzz_backup", "small_cut", 0x01, small.data, small.len - 3);
	buf_release(&file);
	buf_release(&plain);
	buf_release(&small);
	buf_release(&conf);
	buf_release(&key);
	fuzz_rmtree(dir);
}

/* ---- fuzz_csv: volunteer files as stations write them --------------------- */

static void gen_csv(void)
{
	static const struct {
		const char *name, *text;
	} f[] = {
		{ "excel_bom_crlf", "\xef\xbb\xbf姓名,电话,服务队,技能\r\n赵敏,13500000001,青年队,\"理发,陪聊\"\r\n"
				    "钱多,135-0000-0002,,送餐\r\n" },
		{ "english", "name,phone,team,skills,id_number\nAlice,13500000003,A,cooking,\n"
			     "Bob,13500000004,,\"driving, repair\",440524188001010014\n" },
		{ "aliases", "名字,手机号,服务队,特长,身份证号码\n孙丽,13500000005,红星队,维修、送餐,510108198511119875\n" },
		{ "quotes", "name,phone\n\"周\"\"小\"\"明\",13500000006\n\"吴\n二\",13500000007\n" },
		{ "blank_lines", "name,phone\n\n郑一,13500000008\n \n" },
		{ "dup_in_file", "name,phone\n冯二,13500000009\n陈三,135 0000 0009\n" },
		{ "dup_in_replica", "name,phone\n楚四,13800001234\n" },
		{ "idnum_in_replica", "name,phone,id_number\n魏五,13500000010,11010519491231002x\n" },
		{ "idnum_bad", "name,phone,id_number\n蒋六,13500000011,110105194912310021\n" },
		{ "fields", "name,phone\n沈七,13500000012,多余\n" },
		{ "unclosed_quote", "name,phone\n\"韩八,13500000013\n" },
		{ "not_utf8", "name,phone\n\xd5\xc5\xc8\xfd,13500000014\n" },
		{ "bad_header", "name,phone,wechat\n杨九,13500000015,yj\n" },
		{ "no_phone_column", "name,team\n朱十,红星队\n" },
		{ "bad_phone", "name,phone\n秦一,12345\n" },
		{ "header_only", "name,phone\n" },
		{ "empty", "" },
	};
	for (size_t i = 0; i < sizeof(f) / sizeof(f[0]); i++)
		put("fuzz_csv", f[i].name, 0xff, (const uint8_t *)f[i].text, strlen(f[i].text));
	put("fuzz_csv", "station_seed", 0xff, (const uint8_t *)FUZZ_STATION_CSV, sizeof(FUZZ_STATION_CSV) - 1);
}
