// SPDX-License-Identifier: MIT
/*
 * bundle.c - bundle files: DELTA chunks back to back behind a small
 * header, carried on a USB stick or a phone (docs/protocol.md "Bundles").
 *
 * Invariants:
 *  B1. Import applies every complete chunk whose signature and contents
 *      check, each in its own transaction, and nothing else.
 *  B2. After a bad or truncated chunk, import looks for the next chunk
 *      start ("CL", version, DELTA) byte by byte; every byte range that
 *      yielded no chunk is reported with the first reason it failed.
 *  B3. Importing the same bundle again applies nothing (chunks are
 *      idempotent); importing in any order converges, since a range that
 *      needs earlier commits (ERR_GAP) applies on a later import.
 *  B4. A TIME chunk (docs/protocol.md "TIME") may follow the header; one
 *      that verifies is noted in the report, one that does not is
 *      skipped like any bad chunk. Nothing else in a bundle is a TIME.
 *  B5. Every byte of a bundle is checked. Each chunk is signed by the
 *      exporter, whose key the header names: a verified chunk signed by
 *      another key means a damaged header. The last chunk, END, signed
 *      too, holds the count of chunks before it, their bytes with the
 *      header's, and their BLAKE2b-256: so a changed header byte, a chunk
 *      lost or cut off at a chunk boundary is seen, and the report says so
 *      (rep->bundle), while every chunk that verifies is still imported
 *      (B1). The header's format byte says whether an END must come (1)
 *      or the bundle predates it (0); any other value is a damaged header.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sodium.h>
#include <unistd.h>

#include "base/afile.h"
#include "base/err.h"
#include "base/mem.h"
#include "sync/sync_internal.h"

#define BUNDLE_MAGIC "CLBUNDLE"
#define BUNDLE_HDR (8 + 1 + 1 + SYNC_PK_LEN)
#define BUNDLE_MAX ((size_t)1 << 30)
#define BUNDLE_FORMAT 1                  /* header byte 9: ends with END (B5) */
#define BUNDLE_END_LEN (4 + 8 + 32)      /* chunks, bytes, BLAKE2b-256 */

typedef int (*bundle_put_fn)(void *arg, const uint8_t *p, size_t len, const struct sync_chunk_info *info);

/* An export's writer, counting and hashing what it wrote for END (B5). */
struct bundle_out {
	bundle_put_fn put;
	void *arg;
	crypto_generichash_state h;
	uint32_t chunks; /* after the header */
	uint64_t bytes;
};

static int bundle_out_put(void *arg, const uint8_t *p, size_t len, const struct sync_chunk_info *info)
{
	struct bundle_out *o = arg;
	if (o->bytes) /* everything but the header is one chunk */
		o->chunks++;
	o->bytes += len;
	crypto_generichash_update(&o->h, p, len);
	return o->put(o->arg, p, len, info);
}

static int sync_bundle_write(void *arg, const uint8_t *chunk, size_t len,
			     const struct sync_chunk_info *info)
{
	(void)info;
	return fwrite(chunk, 1, len, arg) == len ? 0 : -EIO;
}

int sync_bundle_export(struct sync_ctx *c, FILE *f, const struct crdt_vv_entry *vv, size_t n,
		       const struct sync_scopes *wants)
{
	return sync_bundle_export_for(c, f, vv, n, wants, NULL);
}

/* The header, then the TIME this node has to say (B4), through the
 * export's own writer. */
static int sync_bundle_head(struct sync_ctx *c, bundle_put_fn put, void *arg)
{
	uint8_t hdr[BUNDLE_HDR], t[SYNC_TIME_LEN];
	struct buf tb;
	memcpy(hdr, BUNDLE_MAGIC, 8);
	hdr[8] = SYNC_WIRE_VERSION;
	hdr[9] = BUNDLE_FORMAT;
	memcpy(hdr + 10, c->id->pk, SYNC_PK_LEN);
	int rc = put(arg, hdr, sizeof(hdr), NULL);
	if (rc || !sync_time_payload(c, 0, t))
		return rc;
	buf_init(&tb, SYNC_CHUNK_MIN + SYNC_TIME_LEN);
	rc = sync_chunk_seal(c, SYNC_MSG_TIME, t, sizeof(t), false, &tb);
	if (!rc)
		rc = put(arg, tb.data, tb.len, NULL);
	buf_release(&tb);
	return rc;
}

/* END: what came before it, signed (B5). */
static int sync_bundle_end(struct sync_ctx *c, struct bundle_out *o)
{
	uint8_t e[BUNDLE_END_LEN];
	struct buf tb;
	e[0] = (uint8_t)(o->chunks >> 24);
	e[1] = (uint8_t)(o->chunks >> 16);
	e[2] = (uint8_t)(o->chunks >> 8);
	e[3] = (uint8_t)o->chunks;
	for (int i = 0; i < 8; i++)
		e[4 + i] = (uint8_t)(o->bytes >> (56 - 8 * i));
	crypto_generichash_final(&o->h, e + 12, 32);
	buf_init(&tb, SYNC_CHUNK_MIN + BUNDLE_END_LEN);
	int rc = sync_chunk_seal(c, SYNC_MSG_END, e, sizeof(e), false, &tb);
	if (!rc)
		rc = o->put(o->arg, tb.data, tb.len, NULL);
	buf_release(&tb);
	return rc;
}

/* The whole bundle through put: header, TIME, DELTAs, END. */
static int sync_bundle_write_all(struct sync_ctx *c, bundle_put_fn put, void *arg,
				 const struct crdt_vv_entry *vv, size_t n, const struct sync_scopes *wants,
				 const struct sync_scopes *reads)
{
	struct bundle_out o = { .put = put, .arg = arg };
	int rc;
	crypto_generichash_init(&o.h, NULL, 0, 32);
	if ((rc = sync_bundle_head(c, bundle_out_put, &o)) ||
	    (rc = sync_delta_export_for(c, vv, n, wants, reads, bundle_out_put, &o)))
		return rc;
	return sync_bundle_end(c, &o);
}

int sync_bundle_export_for(struct sync_ctx *c, FILE *f, const struct crdt_vv_entry *vv, size_t n,
			   const struct sync_scopes *wants, const struct sync_scopes *reads)
{
	int rc;
	if ((rc = sync_bundle_write_all(c, sync_bundle_write, f, vv, n, wants, reads)))
		return rc;
	if (fflush(f) != 0 || fsync(fileno(f)) != 0)
		return errno ? -errno : -EIO;
	return 0;
}

int sync_bundle_export_path(struct sync_ctx *c, const char *path, const struct crdt_vv_entry *vv,
			    size_t n, const struct sync_scopes *wants)
{
	return sync_bundle_export_path_for(c, path, vv, n, wants, NULL);
}

int sync_bundle_export_path_for(struct sync_ctx *c, const char *path, const struct crdt_vv_entry *vv,
				size_t n, const struct sync_scopes *wants,
				const struct sync_scopes *reads)
{
	return sync_bundle_export_file(c, path, vv, n, wants, reads, NULL);
}

/* A full disk stops the writing, not the export: the rest is only
 * counted, so the caller learns how much room the bundle needed (A2). */
static int sync_bundle_write_file(void *arg, const uint8_t *chunk, size_t len,
				  const struct sync_chunk_info *info)
{
	struct afile *a = arg;
	(void)info;
	int rc = afile_write(a, chunk, len);
	return rc == -ENOSPC || rc == -EDQUOT ? 0 : rc;
}

int sync_bundle_export_file(struct sync_ctx *c, const char *path, const struct crdt_vv_entry *vv,
			    size_t n, const struct sync_scopes *wants, const struct sync_scopes *reads,
			    uint64_t *bytes)
{
	struct afile *a = mem_alloc(sizeof(*a));
	int rc;
	if (bytes)
		*bytes = 0;
	if (!a)
		return -ENOMEM;
	if ((rc = afile_open(a, path, 0644)))
		goto out;
	rc = sync_bundle_write_all(c, sync_bundle_write_file, a, vv, n, wants, reads);
	if (bytes)
		*bytes = a->bytes;
	if (rc) {
		afile_abort(a);
		goto out;
	}
	rc = afile_commit(a);
out:
	mem_free(a);
	return rc;
}

static void sync_bundle_skip(struct sync_report *rep, uint64_t off, uint64_t len, int rc)
{
	rep->bytes_skipped += len;
	if (rep->nskips < SYNC_SKIPS_MAX) {
		rep->skips[rep->nskips].offset = off;
		rep->skips[rep->nskips].len = len;
		rep->skips[rep->nskips].rc = rc;
		rep->nskips++;
	}
}

/* The next offset at or after pos where a DELTA or the END could start. */
static size_t sync_bundle_resync(const uint8_t *p, size_t len, size_t pos)
{
	for (; pos + 4 <= len; pos++)
		if (p[pos] == SYNC_MAGIC0 && p[pos + 1] == SYNC_MAGIC1 && p[pos + 2] == SYNC_WIRE_VERSION &&
		    (p[pos + 3] == SYNC_MSG_DELTA || p[pos + 3] == SYNC_MSG_END))
			return pos;
	return len;
}

/* The verdict of B5 only ever gets worse, but for an END that checks. */
static void bundle_verdict(struct sync_report *rep, int v)
{
	if (v > rep->bundle)
		rep->bundle = v;
}

/* The END at pos (clen bytes, the file's last): signed by the header's
 * key, and the count, bytes and hash of everything before it agree. */
static int sync_bundle_end_check(struct sync_ctx *c, const uint8_t *p, size_t len, size_t pos, size_t clen,
				 uint32_t chunks, struct sync_report *rep)
{
	struct sync_chunk ch;
	uint8_t h[32];
	int rc = sync_chunk_open(c, p + pos, clen, &ch);
	if (rc)
		return rc;
	if (memcmp(ch.sender, p + 10, SYNC_PK_LEN) != 0) {
		bundle_verdict(rep, SYNC_BUNDLE_HEADER);
		return 0;
	}
	const uint8_t *e = ch.payload;
	uint64_t bytes = 0;
	if (ch.payload_len != BUNDLE_END_LEN || pos + clen != len) {
		bundle_verdict(rep, SYNC_BUNDLE_ALTERED);
		return 0;
	}
	for (int i = 0; i < 8; i++)
		bytes = bytes << 8 | e[4 + i];
	uint32_t n = (uint32_t)e[0] << 24 | (uint32_t)e[1] << 16 | (uint32_t)e[2] << 8 | e[3];
	crypto_generichash(h, sizeof(h), p, pos, NULL, 0);
	if (n != chunks || bytes != pos || sodium_memcmp(h, e + 12, sizeof(h)) != 0)
		bundle_verdict(rep, SYNC_BUNDLE_ALTERED);
	else if (rep->bundle == SYNC_BUNDLE_CUT)
		rep->bundle = SYNC_BUNDLE_WHOLE;
	return 0;
}

int sync_bundle_import_mem(struct sync_ctx *c, const uint8_t *p, size_t len, uint64_t wall_ms,
			   struct sync_report *rep)
{
	struct sync_report dummy;
	size_t pos, bad_at = 0;
	int bad_rc = 0;
	bool bad = false;

	if (!rep) {
		memset(&dummy, 0, sizeof(dummy));
		rep = &dummy;
	}
	if (len < 10 || memcmp(p, BUNDLE_MAGIC, 8) != 0 || p[8] != SYNC_WIRE_VERSION)
		return ERR_CORRUPT;
	/* B5: a bundle of this format is cut short until its END checks */
	rep->bundle = p[9] == BUNDLE_FORMAT ? SYNC_BUNDLE_CUT : p[9] == 0 ? SYNC_BUNDLE_OLD
									   : SYNC_BUNDLE_HEADER;
	pos = len < BUNDLE_HDR ? len : BUNDLE_HDR;
	if (pos < BUNDLE_HDR)
		sync_bundle_skip(rep, 0, len, ERR_CORRUPT);
	uint32_t chunks = 0;
	while (pos < len) {
		uint8_t id[SYNC_ID_LEN];
		int type, rc;
		size_t clen;
		rc = sync_chunk_peek(p + pos, len - pos, id, &type, &clen);
		if (rc == 0 && type == SYNC_MSG_END) {
			rc = p[9] == BUNDLE_FORMAT ? sync_bundle_end_check(c, p, len, pos, clen, chunks, rep)
						   : ERR_CORRUPT; /* an END the header does not announce */
			if (rc) {
				bundle_verdict(rep, p[9] == BUNDLE_FORMAT ? SYNC_BUNDLE_ALTERED : SYNC_BUNDLE_HEADER);
				rep->chunks_refused++;
			}
		} else if (rc == 0 && type == SYNC_MSG_TIME && pos == BUNDLE_HDR) { /* B4 */
			struct sync_chunk ch;
			rc = sync_chunk_open(c, p + pos, clen, &ch);
			if (!rc)
				rc = sync_time_note(&ch, wall_ms, rep);
			if (rc)
				rep->chunks_refused++;
		} else if (rc == 0 && type == SYNC_MSG_DELTA) {
			rc = sync_chunk_apply(c, p + pos, clen, wall_ms, rep, NULL, NULL);
			if (rc == ERR_GAP)
				rc = 0; /* counted in rep; the rest of the chunk was applied */
			if (rc == -ENOMEM || rc == ERR_STORAGE)
				return rc;
		} else {
			rc = rc ? rc : ERR_CORRUPT;
			rep->chunks_refused++;
		}
		if (rc == 0) {
			if (bad)
				sync_bundle_skip(rep, bad_at, pos - bad_at, bad_rc);
			bad = false;
			if (type != SYNC_MSG_END) { /* a verified chunk: the header's key signed it */
				chunks++;
				if (memcmp(p + pos + 9, p + 10, SYNC_PK_LEN) != 0)
					bundle_verdict(rep, SYNC_BUNDLE_HEADER);
			}
			pos += clen;
			continue;
		}
		if (!bad) {
			bad = true;
			bad_at = pos;
			bad_rc = rc;
		}
		pos = sync_bundle_resync(p, len, pos + 1);
	}
	if (bad)
		sync_bundle_skip(rep, bad_at, len - bad_at, bad_rc);
	return 0;
}

int sync_bundle_import(struct sync_ctx *c, const char *path, uint64_t wall_ms, struct sync_report *rep)
{
	FILE *f = fopen(path, "rb");
	uint8_t *p = NULL;
	long n;
	int rc;

	if (!f)
		return errno == ENOENT ? ERR_NOTFOUND : -errno;
	if (fseek(f, 0, SEEK_END) != 0 || (n = ftell(f)) < 0 || fseek(f, 0, SEEK_SET) != 0) {
		rc = -EIO;
		goto out;
	}
	if ((size_t)n > BUNDLE_MAX) {
		rc = ERR_TOOBIG;
		goto out;
	}
	p = mem_alloc((size_t)n + 1);
	if (!p) {
		rc = -ENOMEM;
		goto out;
	}
	if (fread(p, 1, (size_t)n, f) != (size_t)n) {
		rc = -EIO;
		goto out;
	}
	rc = sync_bundle_import_mem(c, p, (size_t)n, wall_ms, rep);
out:
	mem_free(p);
	fclose(f);
	return rc;
}
