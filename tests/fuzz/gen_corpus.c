// SPDX-License-Identifier: MIT
/*
 * gen_corpus.c - writes the seed corpora tests/fuzz/corpus/<target>/ from
 * real bytes: commit bodies, chunks and their payloads, a bundle, the
 * messages of a session, a config file, LoRa frames, an enrolment
 * statement and request; and, on the county of fuzz.h, the opened
 * ranges of an enrolled station and what is inside their boxes, the
 * requests of real sync exchanges of the county's stations with its hub
 * (node_net_serve), a join with the one-time code, backups made by
 * `cunlian backup` (the file, and what it holds, for fuzz_backup to seal
 * again) and volunteer files as stations import them. Deterministic
 * (fixed keys, fixed times) but for what is randomised on purpose
 * (crypto_box_seal, box and stream nonces, the backup's salt): `make
 * fuzz-corpus` rewrites the seed files; the inputs the fuzzer found
 * stay. Run from the repository root.
 */
#include <stdio.h>
#include <sys/stat.h>

#include "radio/radio.h"
#include "tests/fuzz/fuzz.h"
#include "tests/fuzz/fuzz_node.h"

static void put(const char *target, const char *name, uint8_t mode, const uint8_t *p, size_t len)
{
	char path[256];
	snprintf(path, sizeof(path), "tests/fuzz/corpus/%s", target);
	mkdir(path, 0755);
	snprintf(path, sizeof(path), "tests/fuzz/corpus/%s/%s", target, name);
	FILE *f = fopen(path, "wb");
	if (!f)
		abort();
	if (mode != 0xff)
		fputc(mode, f);
	fwrite(p, 1, len, f);
	fclose(f);
}

struct chunks {
	size_t n;
	struct buf c[16];
};

static int keep(void *arg, const uint8_t *chunk, size_t len, const struct sync_chunk_info *info)
{
	struct chunks *k = arg;
	(void)info;
	if (k->n < 16) {
		buf_init(&k->c[k->n], 0);
		buf_put(&k->c[k->n++], chunk, len);
	}
	return 0;
}

static int keep_body(void *arg, const struct crdt_log_entry *e)
{
	int *i = arg;
	char name[32];
	snprintf(name, sizeof(name), "body%d", (*i)++);
	put("fuzz_body", name, 0xff, e->body, e->body_len);
	put("fuzz_roundtrip", name, 0, e->body, e->body_len);
	return 0;
}

#include "tests/fuzz/gen_corpus_node.c"
#include "tests/fuzz/gen_corpus_trust.c"

int main(void)
{
	struct fuzz_node a, h;
	struct crdt_write w[2];
	struct chunks ch = { 0 };
	char name[64];
	fuzz_node_open(&a, 1, 1);
	fuzz_node_open(&h, 2, 0);
	crdt_write_init(&w[0], 1, CRDT_UPSERT, "s0001-v1");
	crdt_write_text(&w[0], "name", "王伟");
	crdt_write_text(&w[0], "phone", "13800000001");
	crdt_write_text(&w[0], "station", "s0001");
	crdt_write_int(&w[0], "registered_at", (int64_t)FUZZ_NOW);
	crdt_commit_local(a.st, FUZZ_NOW, "s0001", w, 1, NULL);
	crdt_write_init(&w[0], 3, CRDT_UPSERT, "s0001-o1");
	crdt_write_text(&w[0], "station", "s0001");
	crdt_write_text(&w[0], "detail", "陪独居老人聊天解闷");
	crdt_write_text(&w[0], "status", "done");
	crdt_write_text(&w[0], "volunteer", "s0001-v1");
	crdt_write_real(&w[0], "hours", 1.5);
	crdt_write_init(&w[1], 5, CRDT_UPSERT, "s0001-p1");
	crdt_write_text(&w[1], "volunteer", "s0001-v1");
	crdt_write_int(&w[1], "delta", 15);
	crdt_write_text(&w[1], "reason", "service");
	crdt_write_text(&w[1], "station", "s0001");
	crdt_write_text(&w[1], "key", "service:s0001-o1");
	crdt_commit_local(a.st, FUZZ_NOW + 60000, "s0001", w, 2, NULL);
	crdt_write_init(&w[0], 1, CRDT_DELETE, "s0001-v1");
	crdt_commit_local(a.st, FUZZ_NOW + 120000, "s0001", w, 1, NULL);
	crdt_write_init(&w[0], 6, CRDT_UPSERT, "motd");
	crdt_write_text(&w[0], "value", "你好");
	crdt_commit_local(a.st, FUZZ_NOW + 180000, "", w, 1, NULL);
	int bi = 0;
	crdt_log_each(a.st, a.id.pk, "s0001", 0, keep_body, &bi);
	crdt_log_each(a.st, a.id.pk, "", 0, keep_body, &bi);

	/* chunks as they travel, and their payloads for the sealed modes */
	sync_delta_export(a.ctx, NULL, 0, NULL, keep, &ch);
	for (size_t i = 0; i < ch.n; i++) {
		struct sync_chunk c;
		snprintf(name, sizeof(name), "chunk%zu", i);
		put("fuzz_chunk", name, 0, ch.c[i].data, ch.c[i].len);
		if (sync_chunk_open(h.ctx, ch.c[i].data, ch.c[i].len, &c) == 0) {
			snprintf(name, sizeof(name), "payload%zu", i);
			put("fuzz_chunk", name, 1, c.payload, c.payload_len);
			put("fuzz_roundtrip", name, 2, c.payload, c.payload_len);
			/* a session record: kind 2 (sealed DELTA), u16be length */
			struct buf r;
			buf_init(&r, 0);
			buf_put_u8(&r, 2);
			buf_put_u16be(&r, (uint16_t)c.payload_len);
			buf_put(&r, c.payload, c.payload_len);
			snprintf(name, sizeof(name), "delta%zu", i);
			put("fuzz_session", name, 0xff, r.data, r.len);
			buf_release(&r);
		}
	}
	/* a bundle */
	FILE *f = fopen("/tmp/cunlian-gen.bundle", "w");
	fclose(f);
	remove("/tmp/cunlian-gen.bundle");
	if (sync_bundle_export_path(a.ctx, "/tmp/cunlian-gen.bundle", NULL, 0, NULL) == 0) {
		static uint8_t bb[1 << 16];
		f = fopen("/tmp/cunlian-gen.bundle", "rb");
		size_t n = fread(bb, 1, sizeof(bb), f);
		fclose(f);
		remove("/tmp/cunlian-gen.bundle");
		put("fuzz_bundle", "bundle", 0, bb, n);
	}
	/* a session's real messages: the station's HELLO and the hub's answers
	 * (after the HELLOs compact chunks, docs/protocol.md §3); and the
	 * station's compact ones alone, as a session that heard no HELLO
	 * gets them (refused: nothing names their sender) */
	struct sync_session *sa, *sh;
	struct sync_session_options oi = { .initiator = 1 }, orr = { 0 };
	struct buf m, rec, coap, early;
	static const char coap_q[] = "k=00112233445566ff";
	sync_session_new(&sa, a.ctx, &oi, FUZZ_NOW);
	sync_session_new(&sh, h.ctx, &orr, FUZZ_NOW);
	buf_init(&m, SYNC_CHUNK_MAX);
	buf_init(&rec, 0);
	buf_init(&coap, 0);
	buf_init(&early, 0);
	for (int round = 0; round < 6; round++) {
		struct sync_session *from = round % 2 ? sh : sa, *to = round % 2 ? sa : sh;
		while (sync_session_output(from, &m, FUZZ_NOW) == 1) {
			buf_put_u8(&rec, 0);
			buf_put_u16be(&rec, (uint16_t)m.len);
			buf_put(&rec, m.data, m.len);
			if (from == sa && m.data[2] == SYNC_WIRE_COMPACT) {
				buf_put_u8(&early, 0);
				buf_put_u16be(&early, (uint16_t)m.len);
				buf_put(&early, m.data, m.len);
			}
			if (round == 0) { /* the station's HELLO, POSTed to /s (fuzz_coap.c) */
				buf_put_u8(&coap, 0x03);
				buf_put_u8(&coap, (uint8_t)strlen(coap_q));
				buf_put(&coap, coap_q, strlen(coap_q));
				buf_put_u16be(&coap, (uint16_t)m.len);
				buf_put(&coap, m.data, m.len);
			}
			sync_session_input(to, m.data, m.len, FUZZ_NOW, NULL);
		}
	}
	put("fuzz_session", "exchange", 0xff, rec.data, rec.len);
	put("fuzz_session", "compact_early", 0xff, early.data, early.len);
	buf_release(&early);
	/* then a poll of the same session and a GET /vv?scope=- */
	buf_put(&coap, "\x03\x12", 2);
	buf_put(&coap, coap_q, strlen(coap_q));
	buf_put(&coap, "\0\0\x00\x07scope=-\0\0", 13);
	put("fuzz_coap", "hello", 0xff, coap.data, coap.len);
	put("fuzz_coap", "vv", 0xff, (const uint8_t *)"\0\0\0\0", 4);
	buf_release(&coap);
	buf_release(&m);
	buf_release(&rec);
	sync_session_free(sa);
	sync_session_free(sh);
	/* an enrolment statement signed by a county root, and a request */
	struct sync_identity root;
	uint8_t rs[32];
	memset(rs, 0x77, sizeof(rs));
	if (sync_identity_from_seed(&root, rs) == 0) {
		struct sync_statement stm;
		struct buf sb;
		memset(&stm, 0, sizeof(stm));
		memcpy(stm.node, a.id.pk, SYNC_PK_LEN);
		stm.role = SYNC_ROLE_STATION;
		snprintf(stm.station, sizeof(stm.station), "s0001");
		stm.not_before = FUZZ_NOW;
		stm.not_after = FUZZ_NOW + 365ULL * 86400000;
		buf_init(&sb, 0);
		if (sync_statement_sign(&stm, &root) == 0) {
			sync_statement_encode(&sb, &stm);
			put("fuzz_statement", "statement", 0xff, sb.data, sb.len);
		}
		/* version 2: a station's statement after a re-keying */
		stm.gen = 3;
		buf_reset(&sb);
		if (sync_statement_sign(&stm, &root) == 0) {
			sync_statement_encode(&sb, &stm);
			put("fuzz_statement", "statement_v2", 0xff, sb.data, sb.len);
		}
		stm.gen = 0;
		buf_reset(&sb);
		if (sync_request_make(&sb, &a.id, "s0001", "红星村", FUZZ_NOW) == 0)
			put("fuzz_statement", "request", 0xff, sb.data, sb.len);
		buf_release(&sb);
		sync_identity_release(&root);
	}
	/* an opened range (docs/protocol.md "Opened ranges"): an enrolled
	 * station's own scope as it sends it to the hub, so fuzz_chunk
	 * reaches the decoder of flag bit 1 and the box */
	memset(rs, 0x77, sizeof(rs));
	if (sync_identity_from_seed(&root, rs) == 0) {
		struct fuzz_node e;
		struct sync_statement stm;
		struct sync_options so;
		struct crdt_options co = { .no_sync = true };
		struct buf cert;
		struct sync_scopes hub;
		struct chunks oc = { 0 };
		uint8_t es[32];
		memset(&e, 0, sizeof(e));
		memset(es, 5, sizeof(es));
		memset(&stm, 0, sizeof(stm));
		memset(&so, 0, sizeof(so));
		memset(&hub, 0, sizeof(hub));
		hub.all = 1;
		buf_init(&cert, 0);
		if (sync_identity_from_seed(&e.id, es) || crdt_store_open(&e.st, ":memory:", e.id.pk, &co))
			abort();
		memcpy(stm.node, e.id.pk, SYNC_PK_LEN);
		stm.role = SYNC_ROLE_STATION;
		snprintf(stm.station, sizeof(stm.station), "s0001");
		stm.not_after = FUZZ_NOW + 365ULL * 86400000;
		if (sync_statement_sign(&stm, &root))
			abort();
		sync_statement_encode(&cert, &stm);
		sync_scopes_add(&so.apply, "s0001");
		sync_scopes_add(&so.apply, "");
		so.dict = fuzz_dict;
		so.level = 1;
		so.county_root = root.pk;
		so.self_cert = cert.data;
		so.self_cert_len = cert.len;
		if (sync_ctx_new(&e.ctx, e.st, &e.id, &so))
			abort();
		crdt_write_init(&w[0], 1, CRDT_UPSERT, "s0001-v2");
		crdt_write_text(&w[0], "name", "李娜");
		crdt_write_text(&w[0], "station", "s0001");
		crdt_commit_local(e.st, FUZZ_NOW, "s0001", w, 1, NULL);
		crdt_write_init(&w[0], 3, CRDT_UPSERT, "s0001-o2");
		crdt_write_text(&w[0], "station", "s0001");
		crdt_write_text(&w[0], "status", "open");
		crdt_commit_local(e.st, FUZZ_NOW + 1000, "s0001", w, 1, NULL);
		sync_delta_export_for(e.ctx, NULL, 0, NULL, &hub, keep, &oc);
		for (size_t i = 0; i < oc.n; i++) {
			struct sync_chunk c;
			snprintf(name, sizeof(name), "opened%zu", i);
			put("fuzz_chunk", name, 0, oc.c[i].data, oc.c[i].len);
			if (sync_chunk_open(h.ctx, oc.c[i].data, oc.c[i].len, &c) == 0) {
				snprintf(name, sizeof(name), "opened_payload%zu", i);
				put("fuzz_chunk", name, 1, c.payload, c.payload_len);
				put("fuzz_roundtrip", name, 2, c.payload, c.payload_len);
			}
			buf_release(&oc.c[i]);
		}
		buf_release(&cert);
		fuzz_node_close(&e);
		sync_identity_release(&root);
	}
	/* configuration files */
	static const char conf1[] = "# cunlian node\nstation = s0001\nname = 红星村服务站\nrole = station\n"
				    "level = village\nparent = t01\n";
	static const char conf2[] = "station=hub\nrole=hub\n";
	put("fuzz_config", "station", 0xff, (const uint8_t *)conf1, sizeof(conf1) - 1);
	put("fuzz_config", "hub", 0xff, (const uint8_t *)conf2, sizeof(conf2) - 1);
	/* LoRa frames, one with bytes that need escaping */
	struct buf lf;
	buf_init(&lf, 0);
	radio_lora_encode(&lf, (const uint8_t *)"\x40\x01\x00\x01\x7e\x7d hello", 12);
	radio_lora_encode(&lf, ch.c[0].data, ch.c[0].len > RADIO_LORA_PAYLOAD ? RADIO_LORA_PAYLOAD : ch.c[0].len);
	put("fuzz_lora", "frames", 0xff, lf.data, lf.len);
	buf_release(&lf);
	for (size_t i = 0; i < ch.n; i++)
		buf_release(&ch.c[i]);
	fuzz_node_close(&a);
	fuzz_node_close(&h);
	gen_county_chunks();
	gen_coap();
	gen_backup();
	gen_csv();
	gen_corpus_trust();
	sync_dict_free(fuzz_dict);
	printf("corpora written under tests/fuzz/corpus/\n");
	return 0;
}
