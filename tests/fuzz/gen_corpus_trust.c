// SPDX-License-Identifier: MIT
/*
 * gen_corpus_trust.c - seeds for the trust-on modes of fuzz_session and
 * fuzz_bundle (#included by gen_corpus.c, which has put()): the county's
 * station s0001 with a day's data, in a real session with the county's
 * hub (every message, as records of kind 0, and its DELTA payloads as
 * sealed records) and as a bundle for the hub and for station s0002.
 */

static void gen_trust_data(struct fuzz_node *s1)
{
	struct crdt_write w;
	crdt_write_init(&w, 1, CRDT_UPSERT, "s0001-v7");
	crdt_write_text(&w, "name", "赵敏");
	crdt_write_text(&w, "phone", "13800000007");
	crdt_write_text(&w, "station", "s0001");
	crdt_write_int(&w, "registered_at", (int64_t)FUZZ_NOW);
	if (crdt_commit_local(s1->st, FUZZ_NOW + 2000, "s0001", &w, 1, NULL))
		abort();
	crdt_write_init(&w, 3, CRDT_UPSERT, "s0001-o7");
	crdt_write_text(&w, "station", "s0001");
	crdt_write_text(&w, "detail", "送药上门");
	crdt_write_text(&w, "status", "open");
	if (crdt_commit_local(s1->st, FUZZ_NOW + 3000, "s0001", &w, 1, NULL))
		abort();
}

/* fuzz_session reads trust on from bit 1 of the input's size: pad the
 * records (fewer than 3 bytes after the last are ignored) to get it. */
static void gen_trust_put_session(const char *name, struct buf *rec)
{
	while (!(rec->len & 2))
		buf_put_u8(rec, 0);
	put("fuzz_session", name, 0xff, rec->data, rec->len);
}

static void gen_trust_session(struct fuzz_node *s1, struct fuzz_node *hub)
{
	struct sync_session *sa, *sh;
	struct sync_session_options oi = { .initiator = 1 }, orr = { 0 };
	struct buf m, rec, sealed;
	struct sync_chunk c;
	int k = 0;
	if (sync_session_new(&sa, s1->ctx, &oi, FUZZ_NOW + 5000) ||
	    sync_session_new(&sh, hub->ctx, &orr, FUZZ_NOW + 5000))
		abort();
	buf_init(&m, SYNC_CHUNK_MAX);
	buf_init(&rec, 0);
	buf_init(&sealed, 0);
	for (int round = 0; round < 6; round++) {
		struct sync_session *from = round % 2 ? sh : sa, *to = round % 2 ? sa : sh;
		while (sync_session_output(from, &m, FUZZ_NOW + 5000) == 1) {
			buf_put_u8(&rec, 0);
			buf_put_u16be(&rec, (uint16_t)m.len);
			buf_put(&rec, m.data, m.len);
			/* the station's messages again, as payloads s0001 seals */
			if (from == sa && sync_chunk_open(hub->ctx, m.data, m.len, &c) == 0 && c.type >= 1 &&
			    c.type <= 3 && k < 8) {
				buf_put_u8(&sealed, (uint8_t)c.type);
				buf_put_u16be(&sealed, (uint16_t)c.payload_len);
				buf_put(&sealed, c.payload, c.payload_len);
				k++;
			}
			sync_session_input(to, m.data, m.len, FUZZ_NOW + 5000, NULL);
		}
	}
	gen_trust_put_session("county_exchange", &rec);
	gen_trust_put_session("county_sealed", &sealed);
	buf_release(&m);
	buf_release(&rec);
	buf_release(&sealed);
	sync_session_free(sa);
	sync_session_free(sh);
}

static void gen_trust_bundle(struct fuzz_node *s1)
{
	static uint8_t bb[1 << 16];
	const char *path = "/tmp/cunlian-gen-trust.bundle";
	remove(path);
	if (sync_bundle_export_path(s1->ctx, path, NULL, 0, NULL))
		abort();
	FILE *f = fopen(path, "rb");
	if (!f)
		abort();
	size_t n = fread(bb, 1, sizeof(bb), f);
	fclose(f);
	remove(path);
	put("fuzz_bundle", "county_hub", 0x08, bb, n);    /* raw, to the hub */
	put("fuzz_bundle", "county_s0002", 0x0a, bb, n);  /* raw, to a station */
}

static void gen_corpus_trust(void)
{
	struct fuzz_node s1, hub;
	fuzz_county_node(&s1, FUZZ_SEED_S1, "s0001", SYNC_ROLE_STATION);
	fuzz_county_rx(&hub, false);
	gen_trust_data(&s1);
	gen_trust_bundle(&s1);
	gen_trust_session(&s1, &hub);
	fuzz_node_close(&s1);
	fuzz_node_close(&hub);
}
