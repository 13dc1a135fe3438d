/* SPDX-License-Identifier: MIT */
/*
 * sync_internal.h - what the files of sync/ share: the context, the
 * chunk frame, and a batch of commit ranges as the codec sees them.
 *
 * A batch owns its arrays and an arena holding every body; commits refer
 * to bodies by offset, so the arena may grow. Ranges hold consecutive
 * commits of one feed: commits[first_commit .. first_commit + count).
 */
#ifndef CUNLIAN_SYNC_INTERNAL_H
#define CUNLIAN_SYNC_INTERNAL_H

#include <zstd.h>

#include "base/buf.h"
#include "sync/sync.h"

enum sync_msg_type {
	SYNC_MSG_HELLO = 1,
	SYNC_MSG_DELTA = 2,
	SYNC_MSG_ACK = 3,
	SYNC_MSG_TIME = 4,
	SYNC_MSG_END = 5, /* the last chunk of a bundle (bundle.c B5) */
	SYNC_MSG_PRUNED = 6, /* "held only above seq N" (delta.c D8, session.c S11) */
};
/* A TIME payload: u8 kind (SYNC_TIME_OWN, SYNC_TIME_HEARD), u64be ms. */
#define SYNC_TIME_LEN 9

#define SYNC_MAGIC0 'C'
#define SYNC_MAGIC1 'L'
#define SYNC_FLAG_ZSTD 0x01
/* magic 2, version 1, type 1, flags 1, dict id 4, sender 32 */
#define SYNC_HDR_FIXED 41
/* a compact chunk's: magic 2, version 1, type 1, flags 1, dict index 1 */
#define SYNC_HDR_COMPACT 6
#define SYNC_SEAL_HASH 1 /* seal: kind 1 = hash, kind 2 = hash + signature */
#define SYNC_SEAL_SIGNED 2
/* kind 3 = hash + the proof of the commit (delta.c P1-P4): u8 signed,
 * varint n, n x (varint hlc, lenbytes body) of the commits after it,
 * then, when signed is 1, their author's checkpoint of the last of them
 * (signed 0: a proof still waiting for it) */
#define SYNC_SEAL_PROOF 3
#define SYNC_AUTHORS_MAX 4096
#define SYNC_ARENA_MAX ((size_t)256 << 20)

struct sync_dict {
	uint32_t id;
	void *bytes;
	size_t len;
	ZSTD_DDict *dd;
};

struct sync_ctx {
	struct crdt_store *store;
	const struct sync_identity *id;
	struct sync_options opt;
	ZSTD_CCtx *cctx;
	ZSTD_DCtx *dctx;
	ZSTD_CDict *cdict;
	bool grouped;
	bool group_nowait; /* the open group does not wait for the disk (delta.c G1) */
	/* groups begun; the last one whose end failed (rolled back): a
	 * session's held ACKs of that group are dropped (session.c S1) */
	uint64_t group_seq, group_lost;
	struct buf plain; /* a chunk's decompressed payload */
	struct buf tmp;   /* an encoded payload */
	struct sync_trust *trust; /* NULL without a county root */
	struct buf open;  /* a decrypted commit body */
	struct crdt_held_at held_at; /* where the next judging of held-back commits goes on (D4) */
	uint64_t withheld; /* commits the last export left out (trust.c G6) */
	uint64_t too_large; /* relayed commits it left out: pieces too large (delta.c D7) */
	/* feeds the last export could not send because the peer is behind
	 * their base (delta.c D8): the first SYNC_PRUNED_MAX, and how many */
	struct crdt_vv_entry pruned[SYNC_PRUNED_MAX];
	size_t npruned;
	uint64_t pruned_feeds;
	uint8_t time_kind; /* what TIME messages say (sync_ctx_set_time) */
	uint64_t time_ms, time_wall;
	uint64_t time_floor; /* sync_ctx_set_time_floor */
};

/* Begin a group that holds only peers' acks (session.c S12) and whose
 * end does not wait for the disk (delta.c G1). ERR_USAGE when one is open. */
int sync_ctx_group_begin_nowait(struct sync_ctx *c);

struct sync_chunk;
/* The TIME payload this node sends (9 bytes into p) at wall_ms (0: not
 * known); false when it sends none. */
bool sync_time_payload(const struct sync_ctx *c, uint64_t wall_ms, uint8_t p[SYNC_TIME_LEN]);
/* Take in an opened TIME chunk: checked, then noted in rep (may be NULL)
 * with the wall_ms it arrived at. ERR_CORRUPT for a malformed one. */
int sync_time_note(const struct sync_chunk *ch, uint64_t wall_ms, struct sync_report *rep);

struct sync_commit {
	uint64_t seq, hlc;
	size_t body_off, body_len; /* in the batch arena */
	/* in the batch's plain: export, an opened range's plaintexts; import,
	 * a sealed body's that sync_range_unbox kept (trust.c O6); 0: none */
	size_t plain_off, plain_len;
	bool has_sig;
	uint8_t sig[SYNC_SIG_LEN];
};

struct sync_range {
	uint8_t author[SYNC_PK_LEN];
	char scope[CRDT_SCOPE_MAX + 1];
	uint64_t first_seq;
	size_t first_commit, count;
	bool has_sig; /* decoded: the last commit carries a checkpoint */
	/* An opened range (docs/protocol.md "Opened ranges"): on export, every
	 * commit's plaintext is in the batch's plain; decoded, the box is
	 * arena[box_off, box_off + box_len) and the bodies are empty until
	 * sync_range_unbox() rebuilds them. */
	bool opened;
	size_t box_off, box_len;
};

struct sync_batch;
/* Seal commits [lo, hi) of the opened range r (first seq first_seq) as one
 * box into out (reset first). */
typedef int (*sync_box_fn)(void *arg, const struct sync_batch *b, const struct sync_range *r,
			   uint64_t first_seq, size_t lo, size_t hi, struct buf *out);

struct sync_batch {
	struct sync_range *r;
	size_t nr, rcap;
	struct sync_commit *cm;
	size_t nc, ccap;
	struct buf arena;
	struct buf plain; /* plaintext bodies of opened ranges (secret: wiped on clear) */
	sync_box_fn box;  /* export: how the encoder seals an opened piece */
	void *box_arg;
};

/* A piece of a range to encode: commits [lo, hi) of range r, with the
 * checkpoint of commit hi - 1 when sig. */
struct sync_seg {
	const struct sync_range *r;
	size_t lo, hi;
	bool sig;
};

/* A verified chunk, as sync_chunk_open() leaves it. */
struct sync_chunk {
	int type;
	uint32_t dict_id;
	uint8_t sender[SYNC_PK_LEN];
	uint8_t id[SYNC_ID_LEN];
	size_t len;              /* bytes of the whole chunk */
	const uint8_t *payload;  /* plaintext: in ctx->plain or the chunk */
	size_t payload_len;
};

void sync_batch_init(struct sync_batch *b);
void sync_batch_release(struct sync_batch *b);
void sync_batch_clear(struct sync_batch *b);
/* The proof of a kind-3 seal (SYNC_SEAL_PROOF): *p and *n, the bytes
 * after its hash; false for any other seal. */
bool sync_seal_proof(const uint8_t *seal, size_t len, const uint8_t **p, size_t *n);
struct sync_range *sync_batch_range(struct sync_batch *b);
struct sync_commit *sync_batch_commit(struct sync_batch *b);

/* codec.c: the DELTA payload. */
int sync_payload_encode(struct buf *out, const struct sync_batch *b, const struct sync_seg *segs,
			size_t nsegs, const uint8_t sender[SYNC_PK_LEN]);
int sync_payload_decode(const uint8_t *p, size_t len, const uint8_t sender[SYNC_PK_LEN],
			struct sync_batch *out);
/* The plaintext of an opened range's box (codec.c P5): the plaintext
 * bodies of commits [lo, hi) of b (in b->plain) as five streams, into out
 * (reset first). Decode: count = r->count bodies of commits cm (their
 * HLCs) appended to out, their lengths in lens; ERR_CORRUPT, ERR_TOOBIG. */
int sync_bodies_encode(struct buf *out, const struct sync_batch *b, const char *scope, size_t lo,
		       size_t hi);
int sync_bodies_decode(const uint8_t *p, size_t len, const struct sync_range *r,
		       const struct sync_commit *cm, struct buf *out, size_t *lens);

/* chunk.c: frame, compress and sign a payload; check and open a chunk. */
int sync_chunk_seal(struct sync_ctx *c, int type, const uint8_t *payload, size_t len,
		    bool compress, struct buf *out);
int sync_chunk_open(struct sync_ctx *c, const uint8_t *p, size_t len, struct sync_chunk *out);

/* feed.c: the checkpoint signature over a chain hash. */
int sync_checkpoint_sign(const struct sync_identity *id, const uint8_t hash[SYNC_HASH_LEN],
			 uint8_t sig[SYNC_SIG_LEN]);
bool sync_checkpoint_verify(const uint8_t author[SYNC_PK_LEN], const uint8_t hash[SYNC_HASH_LEN],
			    const uint8_t sig[SYNC_SIG_LEN]);

/* trust.c: who may write what (docs/security.md). */
struct sync_trust;
int sync_trust_new(struct sync_ctx *c);
void sync_trust_free(struct sync_trust *t);
/* May author write (scope, seq) at hlc? 0, ERR_UNAUTH or ERR_REVOKED,
 * with *why in English. */
int sync_trust_author(struct sync_ctx *c, const uint8_t author[SYNC_PK_LEN], const char *scope,
		      uint64_t seq, uint64_t hlc, const char **why);
/* May author write these writes in scope at hlc (after sync_trust_author)? */
int sync_trust_writes(struct sync_ctx *c, const uint8_t author[SYNC_PK_LEN], const char *scope,
		      uint64_t hlc, const struct crdt_write *w, size_t n, const char **why);
/* A root commit was merged: take in its statements and revocations. */
int sync_trust_learn(struct sync_ctx *c, const struct crdt_write *w, size_t n);
/* Export order: 0 the root, 1 hubs, 2 the others. */
int sync_trust_rank(const struct sync_ctx *c, const uint8_t author[SYNC_PK_LEN]);
/* The nodes that must have acknowledged a commit of scope before this
 * node prunes it (compact.c R1): at a hub (hub true), every node with a
 * statement not expired at ms and not revoked that reads scope (a hub:
 * every scope; a station: its own and ""); at a station, every such hub.
 * Never this node itself. Into out (max keys), *n of them; ERR_TOOBIG
 * when there are more than max. */
int sync_trust_compact_readers(const struct sync_ctx *c, const char *scope, bool hub, uint64_t ms,
			       uint8_t (*out)[SYNC_PK_LEN], size_t max, size_t *n);
/* The station of node pk when a station statement of it is valid at ms:
 * into station (CRDT_SCOPE_MAX + 1 bytes); false when none is. */
bool sync_trust_station_of(const struct sync_ctx *c, const uint8_t pk[SYNC_PK_LEN], uint64_t ms,
			   char *station);
/* The key of scope in generation 0 (the statement's), if this node holds
 * it; in generation gen; the newest generation it holds (*gen). */
bool sync_trust_key(const struct sync_ctx *c, const char *scope, uint8_t key[SYNC_KEY_LEN]);
bool sync_trust_key_gen(const struct sync_ctx *c, const char *scope, uint32_t gen,
			uint8_t key[SYNC_KEY_LEN]);
bool sync_trust_key_newest(const struct sync_ctx *c, const char *scope, uint32_t *gen,
			   uint8_t key[SYNC_KEY_LEN]);
/* The scopes node pk can read at ms (its statement's): a hub every
 * scope, a station its own; false (out empty) when it can read none. */
bool sync_trust_reads(const struct sync_ctx *c, const uint8_t pk[SYNC_PK_LEN], uint64_t ms,
		      struct sync_scopes *out);
/* Is body an encrypted one (first byte 0: no crdt body starts so)? */
bool sync_body_sealed(const uint8_t *body, size_t len);
/* Encrypt a body of (author, scope, seq, hlc) with key, as F = 2 (not
 * compressed: the bytes follow from the plaintext and the key alone, so
 * an opened range can be sealed again by its receiver); appended to out.
 * The format byte of a sealed body, 0 if it is none. Decrypt one into
 * out (reset first): ERR_BADSIG
 * when it does not open, ERR_NODICT when it needs the dictionary and c
 * lacks it, ERR_TOOBIG / ERR_CORRUPT for a frame that declares more than
 * CRDT_BODY_MAX or does not decompress to exactly what it declares;
 * out is empty on failure. docs/protocol.md "Encrypted body". */
int sync_body_encrypt(struct sync_ctx *c, const uint8_t key[SYNC_KEY_LEN],
		      const struct crdt_log_entry *e, struct buf *out);
/* The same under generation gen of the key: F = 2 for 0, else F = 5. */
int sync_body_encrypt_gen(struct sync_ctx *c, const uint8_t key[SYNC_KEY_LEN], uint32_t gen,
			  const struct crdt_log_entry *e, struct buf *out);
/* The key generation a sealed body was made with (0 for F = 2, 3, 4);
 * ERR_CORRUPT when it is not a sealed body or its generation is
 * malformed. */
int sync_body_gen(const uint8_t *body, size_t len, uint32_t *gen);
int sync_body_decrypt(struct sync_ctx *c, const uint8_t key[SYNC_KEY_LEN], const uint8_t *author,
		      const char *scope, uint64_t seq, uint64_t hlc, const uint8_t *body, size_t len,
		      struct buf *out);
uint8_t sync_body_format(const uint8_t *body, size_t len);
/* Can a stored body travel in an opened range (not encrypted, or F = 2
 * or 5)? */
bool sync_body_boxable(const uint8_t *body, size_t len);
/* Must this stored body of (scope, hlc) travel only inside an opened
 * range, to a reader of its scope (trust.c G6)? Not encrypted in a
 * station scope, with trust on or when asked to be enrolled. */
bool sync_trust_withheld(const struct sync_ctx *c, const char *scope, const uint8_t *body, size_t len,
			 uint64_t hlc);
/* Opened ranges (docs/protocol.md "Opened ranges", O1-O5 in trust.c).
 * sync_range_box is a sync_box_fn (arg: the context): the plaintexts of
 * commits [lo, hi), zstd-compressed together and encrypted as one box.
 * sync_range_unbox opens the box of a decoded opened range r of b, checks
 * every length, and appends each commit's body sealed again (F = 2) to
 * b's arena, setting the commits' bodies, and keeps the plaintexts of
 * the sealed ones as b's plain (O6); ERR_UNAUTH without the scope's
 * key, ERR_NODICT, ERR_BADSIG when the box does not open, ERR_TOOBIG,
 * ERR_CORRUPT; *why in English. On failure the commits' bodies stay
 * empty and nothing secret is left behind. */
int sync_range_box(void *arg, const struct sync_batch *b, const struct sync_range *r,
		   uint64_t first_seq, size_t lo, size_t hi, struct buf *out);
int sync_range_unbox(struct sync_ctx *c, struct sync_batch *b, struct sync_range *r,
		     const char **why);
/* The sealer sync_ctx_new installs when trust is on: encrypt, then seal. */
void sync_trust_sealer(struct crdt_sealer *out, struct sync_ctx *c);

/* delta.c: count n items refused for rc among a report's reasons (the
 * last slot collects codes beyond SYNC_REASONS_MAX). */
void sync_report_reason(struct sync_report *r, int rc, uint64_t n);

/* vv entries: sort by (author, scope) and look up. */
void sync_vv_sort(struct crdt_vv_entry *v, size_t n);
const struct crdt_vv_entry *sync_vv_find(const struct crdt_vv_entry *v, size_t n,
					 const uint8_t author[SYNC_PK_LEN], const char *scope);
void sync_vv_put(struct buf *b, const struct crdt_vv_entry *v, size_t n);
int sync_vv_get(struct cur *c, struct crdt_vv_entry **out, size_t *n, size_t max);
/* The same in format 2 (docs/protocol.md §5): v sorted by (author, scope),
 * each author's 32 bytes once; get refuses entries out of order
 * (ERR_CORRUPT). *out is mem_alloc'd (NULL when n is 0). With self (the
 * chunk's sender, borrowed for the call) format 3: the sender's own key is
 * named by its place instead of its 32 bytes; NULL: format 2. */
void sync_vv_put2(struct buf *b, const struct crdt_vv_entry *v, size_t n, const uint8_t *self);
int sync_vv_get2(struct cur *c, struct crdt_vv_entry **out, size_t *n, size_t max, const uint8_t *self);
/* This node's version vector for the scopes of wants (NULL or all: every
 * feed), from the feeds' heads (crdt_store_vv_scopes), sorted. */
int sync_vv_wanted(struct sync_ctx *c, const struct sync_scopes *wants, struct crdt_vv_entry **out,
		   size_t *n);

#endif
