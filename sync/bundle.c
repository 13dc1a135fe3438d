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
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "base/afile.h"
#include "base/err.h"
#include "base/mem.h"
#include "sync/sync_internal.h"

#define BUNDLE_MAGIC "CLBUNDLE"
#define BUNDLE_HDR (8 + 1 + 1 + SYNC_PK_LEN)
#define BUNDLE_MAX ((size_t)1 << 30)

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
static int sync_bundle_head(struct sync_ctx *c,
			    int (*put)(void *arg, const uint8_t *p, size_t len, const struct sync_chunk_info *info),
			    void *arg)
{
	uint8_t hdr[BUNDLE_HDR], t[SYNC_TIME_LEN];
	struct buf tb;
	memcpy(hdr, BUNDLE_MAGIC, 8);
	hdr[8] = SYNC_WIRE_VERSION;
	hdr[9] = 0;
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

int sync_bundle_export_for(struct sync_ctx *c, FILE *f, const struct crdt_vv_entry *vv, size_t n,
			   const struct sync_scopes *wants, const struct sync_scopes *reads)
{
	int rc;
	if ((rc = sync_bundle_head(c, sync_bundle_write, f)) ||
	    (rc = sync_delta_export_for(c, vv, n, wants, reads, sync_bundle_write, f)))
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
	rc = sync_bundle_head(c, sync_bundle_write_file, a);
	if (!rc)
		rc = sync_delta_export_for(c, vv, n, wants, reads, sync_bundle_write_file, a);
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

/* The next offset at or after pos where a DELTA chunk could start. */
static size_t sync_bundle_resync(const uint8_t *p, size_t len, size_t pos)
{
	for (; pos + 4 <= len; pos++)
		if (p[pos] == SYNC_MAGIC0 && p[pos + 1] == SYNC_MAGIC1 && p[pos + 2] == SYNC_WIRE_VERSION &&
		    p[pos + 3] == SYNC_MSG_DELTA)
			return pos;
	return len;
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
	pos = len < BUNDLE_HDR ? len : BUNDLE_HDR;
	if (pos < BUNDLE_HDR)
		sync_bundle_skip(rep, 0, len, ERR_CORRUPT);
	while (pos < len) {
		uint8_t id[SYNC_ID_LEN];
		int type, rc;
		size_t clen;
		rc = sync_chunk_peek(p + pos, len - pos, id, &type, &clen);
		if (rc == 0 && type == SYNC_MSG_TIME && pos == BUNDLE_HDR) { /* B4 */
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
