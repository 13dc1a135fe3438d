// SPDX-License-Identifier: MIT
/*
 * chunk.c - the frame every message travels in: header, payload (a
 * Zstandard frame, or plain), and the sender's Ed25519 signature over both;
 * and the zstd dictionary.
 *
 * Invariants:
 *  K1. sync_chunk_open() checks, in this order, and stops at the first
 *      failure: the header's shape and bounds; the signature over every
 *      byte before it (before anything is decompressed); the dictionary;
 *      the frame's declared content size against decompress_max (so a bomb
 *      is refused before its claimed size is allocated); the frame being
 *      exactly one frame that fills the payload; the decompressed size
 *      being exactly the declared one.
 *  K2. Nothing is read past len, and out is zeroed on failure.
 *  K3. A chunk's id is the first SYNC_ID_LEN bytes of its signature:
 *      Ed25519 is deterministic, so the same chunk has the same id.
 *  K4. A compact chunk (SYNC_WIRE_COMPACT) is the chunk it stands for
 *      without the sender's key and with its dictionary id as an index:
 *      expanding it with the sender's key gives back every byte the
 *      sender signed, so the signature, the id and whatever is stored or
 *      relayed are the chunk's. Only a session, which knows its peer's
 *      key from the HELLO, expands one; sync_chunk_open() refuses it
 *      (ERR_NOPEER): a bundle or a caller outside a session cannot tell
 *      whose it is.
 */
#include <errno.h>
#include <sodium.h>
#include <stdio.h>
#include <string.h>
#include <zdict.h>

#include "base/err.h"
#include "base/mem.h"
#include "sync/sync_internal.h"

/* ---- dictionary ------------------------------------------------------ */

int sync_dict_new(struct sync_dict **out, const void *bytes, size_t len)
{
	struct sync_dict *d;
	*out = NULL;
	if (len < 8 || len > ((size_t)1 << 24))
		return ERR_CORRUPT;
	unsigned id = ZDICT_getDictID(bytes, len);
	if (id == 0)
		return ERR_CORRUPT; /* not a zstd dictionary */
	d = mem_calloc(1, sizeof(*d));
	if (!d)
		return -ENOMEM;
	d->bytes = mem_alloc(len);
	if (!d->bytes) {
		mem_free(d);
		return -ENOMEM;
	}
	memcpy(d->bytes, bytes, len);
	d->len = len;
	d->id = id;
	d->dd = ZSTD_createDDict(d->bytes, len);
	if (!d->dd) {
		sync_dict_free(d);
		return ERR_CORRUPT;
	}
	*out = d;
	return 0;
}

int sync_dict_load(struct sync_dict **out, const char *path)
{
	uint8_t *p = NULL;
	long n;
	int rc;
	FILE *f = fopen(path, "rb");

	*out = NULL;
	if (!f)
		return errno == ENOENT ? ERR_NOTFOUND : -errno;
	if (fseek(f, 0, SEEK_END) != 0 || (n = ftell(f)) < 0 || fseek(f, 0, SEEK_SET) != 0) {
		rc = -EIO;
		goto out;
	}
	if (n > (1L << 24)) {
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
	rc = sync_dict_new(out, p, (size_t)n);
out:
	mem_free(p);
	fclose(f);
	return rc;
}

void sync_dict_free(struct sync_dict *d)
{
	if (!d)
		return;
	ZSTD_freeDDict(d->dd);
	mem_free(d->bytes);
	mem_free(d);
}

uint32_t sync_dict_id(const struct sync_dict *d)
{
	return d ? d->id : 0;
}

/* ---- frame ----------------------------------------------------------- */

int sync_chunk_seal(struct sync_ctx *c, int type, const uint8_t *payload, size_t len, bool compress,
		    struct buf *out)
{
	const struct sync_dict *d = c->opt.dict;
	uint8_t *z = NULL;
	size_t zlen = 0;
	int rc = 0;

	buf_reset(out);
	if (compress && len > 0) {
		size_t bound = ZSTD_compressBound(len);
		z = mem_alloc(bound);
		if (!z)
			return -ENOMEM;
		ZSTD_CCtx_reset(c->cctx, ZSTD_reset_session_only);
		ZSTD_CCtx_refCDict(c->cctx, c->cdict);
		zlen = ZSTD_compress2(c->cctx, z, bound, payload, len);
		if (ZSTD_isError(zlen)) {
			rc = -ENOMEM;
			goto out;
		}
		compress = zlen < len;
	} else {
		compress = false;
	}
	buf_put_u8(out, SYNC_MAGIC0);
	buf_put_u8(out, SYNC_MAGIC1);
	buf_put_u8(out, SYNC_WIRE_VERSION);
	buf_put_u8(out, (uint8_t)type);
	buf_put_u8(out, compress ? SYNC_FLAG_ZSTD : 0);
	buf_put_u32be(out, compress && d ? d->id : 0);
	buf_put(out, c->id->pk, SYNC_PK_LEN);
	if (compress)
		buf_put_lenbytes(out, z, zlen);
	else
		buf_put_lenbytes(out, payload, len);
	uint8_t *sig = buf_reserve(out, SYNC_SIG_LEN);
	if (!sig) {
		rc = out->err;
		goto out;
	}
	crypto_sign_detached(sig, NULL, out->data, out->len, c->id->sk);
	out->len += SYNC_SIG_LEN;
out:
	mem_free(z);
	if (rc)
		buf_reset(out);
	return rc;
}

/* Whether a compact chunk may be of this type: a session message that
 * is not a HELLO (which names the peer) and not an END (bundles only). */
static bool sync_compact_type(int type)
{
	return type == SYNC_MSG_DELTA || type == SYNC_MSG_ACK || type == SYNC_MSG_TIME || type == SYNC_MSG_PRUNED;
}

int sync_chunk_peek(const uint8_t *p, size_t len, uint8_t id[SYNC_ID_LEN], int *type,
		    size_t *chunk_len)
{
	struct cur c;
	uint64_t plen;
	size_t hdr;
	memset(id, 0, SYNC_ID_LEN);
	*type = 0;
	*chunk_len = 0;
	cur_init(&c, p, len);
	if (len < SYNC_HDR_COMPACT + 1 + SYNC_SIG_LEN || p[0] != SYNC_MAGIC0 || p[1] != SYNC_MAGIC1 ||
	    p[3] < SYNC_MSG_HELLO || p[3] > SYNC_MSG_PRUNED || p[4] > SYNC_FLAG_ZSTD)
		return ERR_CORRUPT;
	if (p[2] == SYNC_WIRE_VERSION)
		hdr = SYNC_HDR_FIXED;
	else if (p[2] == SYNC_WIRE_COMPACT && sync_compact_type(p[3]))
		hdr = SYNC_HDR_COMPACT;
	else
		return ERR_CORRUPT;
	if (len < hdr + 1 + SYNC_SIG_LEN)
		return ERR_CORRUPT;
	c.pos = hdr;
	if (cur_get_varint(&c, &plen) || plen > SYNC_CHUNK_MAX || plen > cur_left(&c) ||
	    cur_left(&c) - plen < SYNC_SIG_LEN)
		return ERR_CORRUPT;
	*chunk_len = c.pos + (size_t)plen + SYNC_SIG_LEN;
	memcpy(id, p + c.pos + plen, SYNC_ID_LEN);
	*type = p[3];
	return 0;
}

/* ---- compact chunks (K4) --------------------------------------------- */

int sync_dict_index(uint32_t id)
{
	return id == 0 ? 0 : id == SYNC_DICT_V1_ID ? 1 : -1;
}

int sync_dict_of_index(uint8_t index, uint32_t *id)
{
	*id = index == 0 ? 0 : index == 1 ? SYNC_DICT_V1_ID : 0;
	return index <= 1 ? 0 : ERR_NODICT;
}

int sync_chunk_compact(const uint8_t *p, size_t len, struct buf *out)
{
	uint8_t id[SYNC_ID_LEN];
	size_t clen;
	int type, index;

	buf_reset(out);
	if (sync_chunk_peek(p, len, id, &type, &clen) || clen != len || p[2] != SYNC_WIRE_VERSION)
		return ERR_CORRUPT;
	index = sync_dict_index((uint32_t)p[5] << 24 | (uint32_t)p[6] << 16 | (uint32_t)p[7] << 8 | p[8]);
	if (!sync_compact_type(type) || index < 0)
		return 0;
	buf_put(out, p, 2);
	buf_put_u8(out, SYNC_WIRE_COMPACT);
	buf_put(out, p + 3, 2); /* type, flags */
	buf_put_u8(out, (uint8_t)index);
	buf_put(out, p + SYNC_HDR_FIXED, len - SYNC_HDR_FIXED); /* length, payload, signature */
	if (out->err) {
		int rc = out->err;
		buf_reset(out);
		return rc;
	}
	return 1;
}

int sync_chunk_expand(const uint8_t *p, size_t len, const uint8_t sender[SYNC_PK_LEN], struct buf *out)
{
	uint8_t id[SYNC_ID_LEN];
	uint32_t dict;
	size_t clen;
	int type, rc;

	buf_reset(out);
	if (sync_chunk_peek(p, len, id, &type, &clen) || clen != len || p[2] != SYNC_WIRE_COMPACT)
		return ERR_CORRUPT;
	if ((rc = sync_dict_of_index(p[5], &dict)))
		return rc;
	if (!(p[4] & SYNC_FLAG_ZSTD) && dict != 0)
		return ERR_CORRUPT; /* as a chunk's dictionary id without compression */
	buf_put(out, p, 2);
	buf_put_u8(out, SYNC_WIRE_VERSION);
	buf_put(out, p + 3, 2);
	buf_put_u32be(out, dict);
	buf_put(out, sender, SYNC_PK_LEN);
	buf_put(out, p + SYNC_HDR_COMPACT, len - SYNC_HDR_COMPACT);
	if (out->err) {
		rc = out->err;
		buf_reset(out);
		return rc;
	}
	return 0;
}

int sync_chunk_open(struct sync_ctx *c, const uint8_t *p, size_t len, struct sync_chunk *out)
{
	size_t clen, plen, hlen;
	uint64_t size;
	int type, rc;

	memset(out, 0, sizeof(*out));
	if ((rc = sync_chunk_peek(p, len, out->id, &type, &clen)))
		goto fail;
	if (p[2] != SYNC_WIRE_VERSION) { /* K4: only a session knows whose it is */
		rc = ERR_NOPEER;
		goto fail;
	}
	hlen = clen - SYNC_SIG_LEN;
	{
		struct cur cu;
		uint64_t v;
		cur_init(&cu, p, hlen);
		cu.pos = SYNC_HDR_FIXED;
		cur_get_varint(&cu, &v);
		plen = (size_t)v;
		out->payload = p + cu.pos;
	}
	out->payload_len = plen;
	out->type = type;
	out->len = clen;
	out->dict_id = (uint32_t)p[5] << 24 | (uint32_t)p[6] << 16 | (uint32_t)p[7] << 8 | p[8];
	memcpy(out->sender, p + 9, SYNC_PK_LEN);
	if (!(p[4] & SYNC_FLAG_ZSTD) && out->dict_id != 0) {
		rc = ERR_CORRUPT;
		goto fail;
	}
	if (crypto_sign_verify_detached(p + hlen, p, hlen, out->sender) != 0) {
		rc = ERR_BADSIG;
		goto fail;
	}
	if (!(p[4] & SYNC_FLAG_ZSTD))
		return 0;
	const struct sync_dict *d = c->opt.dict;
	if (out->dict_id && (!d || d->id != out->dict_id)) {
		rc = ERR_NODICT;
		goto fail;
	}
	size = ZSTD_getFrameContentSize(out->payload, plen);
	if (size == ZSTD_CONTENTSIZE_UNKNOWN || size == ZSTD_CONTENTSIZE_ERROR) {
		rc = ERR_CORRUPT;
		goto fail;
	}
	if (size > c->opt.decompress_max) {
		rc = ERR_TOOBIG;
		goto fail;
	}
	size_t fsz = ZSTD_findFrameCompressedSize(out->payload, plen);
	if (ZSTD_isError(fsz) || fsz != plen) {
		rc = ERR_CORRUPT;
		goto fail;
	}
	buf_reset(&c->plain);
	uint8_t *dst = buf_reserve(&c->plain, (size_t)size + 1);
	if (!dst) {
		rc = c->plain.err;
		goto fail;
	}
	ZSTD_DCtx_reset(c->dctx, ZSTD_reset_session_and_parameters);
	ZSTD_DCtx_setParameter(c->dctx, ZSTD_d_windowLogMax, 24);
	if (out->dict_id)
		ZSTD_DCtx_refDDict(c->dctx, d->dd);
	size_t got = ZSTD_decompressDCtx(c->dctx, dst, (size_t)size, out->payload, plen);
	if (ZSTD_isError(got) || got != size) {
		rc = ERR_CORRUPT;
		goto fail;
	}
	c->plain.len = (size_t)size;
	out->payload = c->plain.data;
	out->payload_len = (size_t)size;
	return 0;
fail:
	memset(out, 0, sizeof(*out));
	return rc;
}

/* ---- time ------------------------------------------------------------ */

void sync_ctx_set_time(struct sync_ctx *c, uint8_t kind, uint64_t ms, uint64_t wall_ms)
{
	bool ok = (kind == SYNC_TIME_OWN || kind == SYNC_TIME_HEARD) && ms > 0 && ms < (1ULL << 48);
	c->time_kind = ok ? kind : SYNC_TIME_NONE;
	c->time_ms = ok ? ms : 0;
	c->time_wall = ok ? wall_ms : 0;
}

void sync_ctx_set_time_floor(struct sync_ctx *c, uint64_t ms)
{
	c->time_floor = ms;
}

bool sync_time_payload(const struct sync_ctx *c, uint64_t wall_ms, uint8_t p[SYNC_TIME_LEN])
{
	uint64_t ms = c->time_ms;
	if (c->time_kind == SYNC_TIME_OWN && c->time_wall && wall_ms > c->time_wall)
		ms += wall_ms - c->time_wall; /* the time elapsed since it was set */
	if (c->time_kind == SYNC_TIME_NONE || ms == 0 || ms >= (1ULL << 48))
		return false;
	p[0] = c->time_kind;
	for (int i = 0; i < 8; i++)
		p[1 + i] = (uint8_t)(ms >> (56 - 8 * i));
	return true;
}

int sync_time_note(const struct sync_chunk *ch, uint64_t wall_ms, struct sync_report *rep)
{
	uint64_t ms = 0;
	if (ch->payload_len != SYNC_TIME_LEN ||
	    (ch->payload[0] != SYNC_TIME_OWN && ch->payload[0] != SYNC_TIME_HEARD))
		return ERR_CORRUPT;
	for (int i = 0; i < 8; i++)
		ms = ms << 8 | ch->payload[1 + i];
	if (ms == 0 || ms >= (1ULL << 48))
		return ERR_CORRUPT;
	if (rep) {
		rep->time_kind = ch->payload[0];
		rep->time_ms = ms;
		rep->time_at = wall_ms;
		memcpy(rep->time_from, ch->sender, SYNC_PK_LEN);
	}
	return 0;
}
