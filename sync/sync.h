/* SPDX-License-Identifier: MIT */
/*
 * sync.h - feeds, signed compressed deltas, bundles and the sync session.
 *
 * Concept. Every local commit of a replica (crdt/) belongs to its author's
 * feed for its scope. The sealer installed by sync_ctx_new() gives each
 * local commit a seal: the BLAKE2b-256 chain hash over the previous
 * commit's hash and this commit, and the author's Ed25519 signature over
 * that hash (a checkpoint). A version vector (crdt_store_vv) says which
 * commits a replica holds; a delta for a peer is every commit of a wanted
 * scope above the peer's entry, cut into chunks. A chunk is a header, a
 * Zstandard frame (optionally with the shipped dictionary) and the
 * sender's signature over both, checked before anything is decompressed.
 * Inside, commit ranges are delta-encoded; a range ends at a checkpoint
 * signed by its author, so any node can relay any range and every receiver
 * checks the author, not the relay. docs/protocol.md has every byte.
 *
 * Invariants:
 *  1. Nothing received changes the replica before the chunk's signature,
 *     its bounded decoding, the range's hash chain from the commit the
 *     replica already holds and the author's checkpoint (or the author
 *     being the chunk's signer) are all checked.
 *  2. A commit range that does not link (ERR_GAP: commits missing before
 *     it; ERR_CHAIN: a hash does not match) is refused whole.
 *  3. Applying a chunk twice is a no-op: commits already held count as
 *     duplicates.
 *  4. Decompression never allocates more than decompress_max, whatever a
 *     frame claims.
 *
 * Ownership. sync_ctx_new() borrows the store, the identity and the
 * dictionary: they must outlive the context. It installs the sealer on the
 * store; sync_ctx_free() removes it. Chunks handed to callbacks are
 * borrowed for the call only. Thread safety: one thread per context; a
 * struct sync_dict may be shared read-only between contexts.
 *
 * Errors: 0 on success, negative codes of base/err.h or -errno.
 */
#ifndef CUNLIAN_SYNC_H
#define CUNLIAN_SYNC_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "crdt/crdt.h"

#define SYNC_WIRE_VERSION 1
/* The version byte of a compact chunk (docs/protocol.md §3 "Compact
 * chunks"): a session message without the sender's key, its dictionary
 * named by one byte; only inside a session, after the peer's HELLO. */
#define SYNC_WIRE_COMPACT 2
#define SYNC_PK_LEN 32   /* Ed25519 public key = author id */
#define SYNC_SIG_LEN 64
#define SYNC_HASH_LEN 32 /* BLAKE2b-256 */
#define SYNC_ID_LEN 16   /* a chunk's id: the first bytes of its signature */
#define SYNC_CHUNK_MIN 160
#define SYNC_CHUNK_DEFAULT ((size_t)60 << 10)
#define SYNC_CHUNK_MAX ((size_t)1 << 20)
/* A commit (or a relayed piece up to its checkpoint) that does not fit
 * chunk_max travels alone in a chunk of up to this many bytes
 * (sync/delta.c D7). */
#define SYNC_CHUNK_LONE SYNC_CHUNK_DEFAULT
/* A piece of a node's own feed of at least SYNC_BARE_MIN commits goes
 * without its checkpoint, except where the delta's part of that feed ends
 * and in at least every SYNC_CKPT_EVERY-th chunk in a row (sync/delta.c D9). */
#define SYNC_CKPT_EVERY 4
#define SYNC_BARE_MIN 8
/* The chunk of an IP (CoAP over UDP) link by default (node.conf chunk):
 * two CoAP blocks of 1024 bytes, sent block-wise like any larger body;
 * half the chunks of SYNC_CHUNK_LINK, so half the headers, signatures
 * and hub transactions of a station's day. */
#define SYNC_CHUNK_IP 2048
/* The smallest chunk a CoAP link is planned for (node.conf chunk = 1024,
 * the default before SYNC_CHUNK_IP: one datagram). Every commit a node
 * cuts fits it (SYNC_COMMIT_FIT), so each reaches the hub over any link. */
#define SYNC_CHUNK_LINK 1024
/* The longest plaintext commit body (crdt_body_encode bytes) that travels
 * in chunks of SYNC_CHUNK_LINK bytes however it goes: sealed for its
 * station (not compressed, +18 bytes), with its checkpoint, through a
 * relay that names its author, or opened to the hub. Measured limit
 * about 730 bytes (test_trust test_commit_fit); 640 leaves room for
 * longer scope names and larger seq and HLC varints. A node cuts a large
 * operation (volunteer import) into commits of at most this many body
 * bytes, so each commit can reach the hub over every link. */
#define SYNC_COMMIT_FIT 640
#define SYNC_DECOMPRESS_DEFAULT ((size_t)16 << 20)
#define SYNC_DICT_V1_ID 0x434C0001u /* sync/dict/cunlian-v1.dict */
#define SYNC_SCOPES_MAX 8

/* ---- identity -------------------------------------------------------- */

/* A node's signing key pair. pk is its author id; sk lives in
 * sodium_malloc memory (guarded, never swapped), wiped on release. */
struct sync_identity {
	uint8_t pk[SYNC_PK_LEN];
	uint8_t *sk; /* 64 bytes (seed || pk), or NULL when released */
};

/* Initialise libsodium; call once before anything else (idempotent). */
int sync_init(void);
int sync_identity_generate(struct sync_identity *id);
/* Deterministic key from a 32-byte seed (tests, golden vectors). */
int sync_identity_from_seed(struct sync_identity *id, const uint8_t seed[32]);
/* The key file: "cunlian-key-v1\n" then 32 seed bytes. save creates the
 * file with mode 0600 and refuses to overwrite (ERR_EXISTS); load refuses
 * a malformed file (ERR_CORRUPT) or one others can read (ERR_UNAUTH). */
int sync_identity_save(const struct sync_identity *id, const char *path);
int sync_identity_load(struct sync_identity *id, const char *path);
void sync_identity_release(struct sync_identity *id);

/* ---- feeds ----------------------------------------------------------- */

/* The chain hash of a commit (docs/protocol.md "Feeds"); prev is the
 * previous commit's hash, NULL for seq 1. */
void sync_feed_hash(uint8_t out[SYNC_HASH_LEN], const uint8_t *prev,
		    const uint8_t author[SYNC_PK_LEN], const char *scope, uint64_t seq,
		    uint64_t hlc, const uint8_t *body, size_t body_len);
/* Split a seal into its hash and signature (*sig NULL when unsigned, or
 * when its checkpoint is a later commit's: kind 3, delta.c P1). */
int sync_seal_parse(const uint8_t *seal, size_t len, const uint8_t **hash, const uint8_t **sig);
/* A sealer for crdt_store_set_sealer() that hashes and signs every local
 * commit with id (borrowed; must outlive the store's use of it). */
void sync_feed_sealer(struct crdt_sealer *out, const struct sync_identity *id);

/* ---- dictionary ------------------------------------------------------ */

struct sync_dict;
/* Load a zstd dictionary (sync/dict/cunlian-v1.dict). ERR_CORRUPT if it is
 * not one, ERR_NOTFOUND if the file is missing. */
int sync_dict_load(struct sync_dict **out, const char *path);
int sync_dict_new(struct sync_dict **out, const void *bytes, size_t len);
void sync_dict_free(struct sync_dict *d);
uint32_t sync_dict_id(const struct sync_dict *d);

/* ---- context --------------------------------------------------------- */

/* A set of scopes: all, or up to SYNC_SCOPES_MAX names ("" = county). */
struct sync_scopes {
	bool all;
	size_t n;
	char name[SYNC_SCOPES_MAX][CRDT_SCOPE_MAX + 1];
};
int sync_scopes_add(struct sync_scopes *s, const char *scope);
bool sync_scopes_has(const struct sync_scopes *s, const char *scope);

/* May author write seq of (author, scope) at hlc? 0: yes; negative
 * (ERR_UNAUTH, ERR_REVOKED, ...): the whole range is refused and counted. */
typedef int (*sync_authorize_fn)(void *arg, const uint8_t author[SYNC_PK_LEN], const char *scope,
				 uint64_t seq, uint64_t hlc);

struct sync_options {
	size_t chunk_max;      /* bytes per chunk; 0: SYNC_CHUNK_DEFAULT */
	size_t decompress_max; /* 0: SYNC_DECOMPRESS_DEFAULT */
	int level;             /* zstd level; 0: 19 */
	const struct sync_dict *dict; /* compress with it and accept it; may be NULL */
	struct sync_scopes apply;     /* scopes merged here (a hub: all) */
	bool carry_others;            /* keep other scopes' commits to relay */
	/* Keep what each peer reports holding (its HELLO's vector, its ACKs'
	 * feeds) in the replica's _acks (crdt_store_acks_put), for log
	 * compaction (sync/compact.c): node/ sets it. */
	bool record_acks;
	/* Scopes this node relays for the stations that sync through it: a
	 * session's HELLO asks for apply and these (all of them when they do
	 * not fit, or without trust). A session adds the scope of an enrolled
	 * station that starts a session with this station. */
	struct sync_scopes relay;
	sync_authorize_fn authorize;  /* NULL: accept every author */
	void *authorize_arg;
	/* Trust (trust.c, docs/security.md). With county_root set, only
	 * commits whose author holds a valid, unrevoked statement of that
	 * root and whose role allows the writes are merged or carried; local
	 * commits of a scope whose key this node holds are encrypted. NULL:
	 * every author is accepted and nothing is encrypted. */
	const uint8_t *county_root;   /* SYNC_PK_LEN bytes; borrowed */
	const uint8_t *self_cert;     /* this node's statement (its keys); may be NULL */
	size_t self_cert_len;
	/* Told of every refused run of commits, with a reason in English
	 * (for the administrator's record); may be NULL. rc 0: a held-back
	 * commit (seq, n = 1) was merged at last; why says so. */
	void (*refused)(void *arg, const uint8_t author[SYNC_PK_LEN], const char *scope,
			uint64_t seq, uint64_t n, int rc, const char *why);
	void *refused_arg;
	/* Not enrolled yet, but asked to be: never send a commit of a
	 * station scope whose body is not encrypted (trust.c G6). With
	 * county_root set this holds anyway. */
	bool withhold_plain;
};

/* What a receive or an import did, for node/ to print. */
/* What a bundle's header and END chunk say of the file as a whole. */
enum sync_bundle_check {
	SYNC_BUNDLE_WHOLE = 0,   /* END verifies: every byte is as exported */
	SYNC_BUNDLE_OLD = 1,     /* format 0 (before END): chunks checked, the count not */
	SYNC_BUNDLE_CUT = 2,     /* no END: the file looks cut short */
	SYNC_BUNDLE_ALTERED = 3, /* END, count or hash disagree: bytes were changed or lost */
	SYNC_BUNDLE_HEADER = 4,  /* the header's format byte or exporter key is damaged */
};
#define SYNC_REASONS_MAX 8
#define SYNC_SKIPS_MAX 16
struct sync_report {
	uint64_t chunks;          /* chunks accepted (signature and decoding good) */
	uint64_t chunks_refused;  /* chunks refused whole */
	uint64_t applied;         /* commits merged */
	uint64_t carried;         /* commits kept to relay */
	uint64_t duplicate;       /* commits already held */
	uint64_t refused;         /* commits refused (by range, or one by one when held back) */
	uint64_t held;            /* of those, kept to judge again (a rule refused them) */
	uint64_t released;        /* held-back commits merged now that the rules allow them */
	uint64_t unwanted;        /* commits of scopes this node neither merges nor carries */
	uint64_t bytes_skipped;   /* bundle bytes that held no valid chunk */
	uint64_t pruned;          /* feeds the peer holds only above a base we are
				     behind (its PRUNED message; sync_session_pruned) */
	int bundle;               /* a bundle's own check (bundle.c B5): SYNC_BUNDLE_* */
	size_t nreasons;
	struct { int rc; uint64_t n; } reasons[SYNC_REASONS_MAX]; /* refusals per code */
	size_t nskips;            /* first SYNC_SKIPS_MAX skipped regions */
	struct { uint64_t offset, len; int rc; } skips[SYNC_SKIPS_MAX];
	/* The last TIME message that verified (docs/protocol.md "Time"):
	 * its kind (0: none came), the time it names, the wall_ms this node
	 * was given when it arrived, and the key that signed it. */
	uint8_t time_kind;
	uint64_t time_ms, time_at;
	uint8_t time_from[SYNC_PK_LEN];
};
/* Count one refusal of n items for rc. */
void sync_report_refuse(struct sync_report *r, int rc, uint64_t n);

struct sync_ctx;
int sync_ctx_new(struct sync_ctx **out, struct crdt_store *store, const struct sync_identity *id,
		 const struct sync_options *opt);
void sync_ctx_free(struct sync_ctx *c);

/*
 * Time in sessions and bundles (docs/protocol.md "Time"). A node may say
 * what time it is: SYNC_TIME_OWN, its own wall clock when the message is
 * made (a hub does: the receiver's evidence of the true time), or
 * SYNC_TIME_HEARD, a hub's clock it heard earlier (ms: a lower bound on
 * the true time). A session sends it after each HELLO, a bundle right
 * after its header; the receiver finds it in its sync_report. Kind 0
 * (the default): nothing is sent. sync/ never reads the clock.
 */
#define SYNC_TIME_NONE 0
#define SYNC_TIME_OWN 1
#define SYNC_TIME_HEARD 2
/* ms is the time at wall_ms (0: ms is sent as it is); a session's output
 * at a later wall_ms says ms plus the time elapsed since. */
void sync_ctx_set_time(struct sync_ctx *c, uint8_t kind, uint64_t ms, uint64_t wall_ms);
/* The node knows the true time is at least ms: a commit received is
 * judged "too far in the future" against max(wall_ms, ms), so a station
 * whose clock is slow still takes in the hub's data. 0: none. */
void sync_ctx_set_time_floor(struct sync_ctx *c, uint64_t ms);

/* Commit w (statements, revocations) as the county root, in scope "" of
 * the replica behind store, sealed as the root's feed, through that same
 * handle (a hub serving sessions keeps serving them). c, when not NULL,
 * is the context of that store: it learns the statements at once. */
int sync_root_commit(struct sync_ctx *c, struct crdt_store *store, const struct sync_identity *root,
		     uint64_t wall_ms, const struct crdt_write *w, size_t n);

/* A hub's grouping: chunks applied between begin and end share one
 * durable transaction (end returns once it is on disk). */
int sync_ctx_group_begin(struct sync_ctx *c);
int sync_ctx_group_end(struct sync_ctx *c);

/* ---- trust: statements, requests, revocations, scope keys ------------ */

/*
 * The county root (an Ed25519 key) enrols nodes with statements: signed
 * bytes binding a node's key to a station and a role for a period, with
 * the node's scope key sealed to it (a station: its station's key; a hub:
 * the master all scope keys derive from). Statements, revocations and
 * scope keys are rows of the tables enrolments, revocations and scope_keys
 * (CRDT_T_ENROLMENTS, CRDT_T_REVOCATIONS, CRDT_T_SCOPE_KEYS), written only in
 * commits the root itself authors in scope "", so they travel like any
 * data and every receiver checks them by the root's checkpoints.
 * docs/protocol.md "Trust" has the bytes, docs/security.md the reasons.
 */
#define SYNC_ROLE_STATION 1
#define SYNC_ROLE_HUB 2
#define SYNC_KEY_LEN 32
#define SYNC_SEALED_LEN (SYNC_KEY_LEN + 48) /* crypto_box_SEALBYTES */
#define SYNC_STMT_MAX 512
#define SYNC_GENS_MAX 256 /* key generations of one scope: 0 .. 255 */

struct sync_statement {
	uint8_t root[SYNC_PK_LEN];
	uint8_t node[SYNC_PK_LEN];
	uint8_t role;                       /* SYNC_ROLE_* */
	char station[CRDT_SCOPE_MAX + 1];
	uint64_t not_before, not_after;     /* ms since 1970, inclusive */
	bool has_key;
	uint8_t sealed[SYNC_SEALED_LEN];    /* the scope key, sealed to node */
	/* A station's: the generation of its station's key sealed in it
	 * (0: the first; a statement with gen >= 1 is version 2). */
	uint32_t gen;
	uint8_t sig[SYNC_SIG_LEN];
};

/* Fill st->root, the sealed key and the signature with the root key;
 * node, role, station, the period and (a station) gen must be set. */
int sync_statement_sign(struct sync_statement *st, const struct sync_identity *root);
void sync_statement_encode(struct buf *out, const struct sync_statement *st);
/* Decode and check the root's signature: ERR_CORRUPT, ERR_BADSIG. */
int sync_statement_decode(const uint8_t *p, size_t len, struct sync_statement *out);
/* The key sealed in st, opened with the node's identity: ERR_NOTFOUND
 * without one, ERR_BADSIG if it does not open. */
int sync_statement_key(const struct sync_statement *st, const struct sync_identity *id,
		       uint8_t key[SYNC_KEY_LEN]);

/* An enrolment request, signed by the node that asks. */
struct sync_request {
	uint8_t node[SYNC_PK_LEN];
	char station[CRDT_SCOPE_MAX + 1];
	char name[129];
	uint64_t created;
	uint8_t sig[SYNC_SIG_LEN];
};
int sync_request_make(struct buf *out, const struct sync_identity *id, const char *station,
		      const char *name, uint64_t now_ms);
int sync_request_decode(const uint8_t *p, size_t len, struct sync_request *out);

/* The row of a statement or revocation, as the root commits it (scope
 * ""). The write borrows the struct's buffers. */
struct sync_trust_row {
	char pk[CRDT_PK_MAX + 1];
	char node[2 * SYNC_PK_LEN + 1];
	char text[2 * SYNC_STMT_MAX + 1];
	char scope[CRDT_SCOPE_MAX + 1];
	struct crdt_write w;
};
int sync_statement_row(struct sync_trust_row *r, const struct sync_statement *st);
/* Commits of node refused from seq from_seq of its feed in scope (0:
 * not by seq) and, in every scope, from HLC time from_ms (0: not by
 * time; a --from SEQ revocation passes at). */
int sync_revocation_row(struct sync_trust_row *r, const uint8_t node[SYNC_PK_LEN],
			const char *scope, uint64_t from_seq, uint64_t from_ms, uint64_t at);

/*
 * Re-keying (docs/security.md "Re-keying"). The key of a station scope
 * has generations: 0 is the key the statement carries; the root starts
 * generation g >= 1 when it revokes a reader, with rows of table
 * scope_keys (9) in its feed: one announcing (scope, g), and one per
 * remaining reader with that generation's key sealed to it. Writers seal
 * with the newest generation they hold; readers open a body with the
 * generation it names.
 */
struct sync_key_row {
	char pk[CRDT_PK_MAX + 1];
	char scope[CRDT_SCOPE_MAX + 1];
	char node[2 * SYNC_PK_LEN + 1];
	char sealed[2 * SYNC_SEALED_LEN + 1];
	struct crdt_write w;
};
/* The row of generation gen (< SYNC_GENS_MAX) of scope's key: sealed
 * to node, or (node NULL, gen >= 1) its announcement. The root key
 * derives the key. The write borrows r's buffers. */
int sync_key_row(struct sync_key_row *r, const struct sync_identity *root, const char *scope,
		 uint32_t gen, const uint8_t *node, uint64_t at);
/* The newest generation of scope's key this node has heard of (0: none
 * announced). */
uint32_t sync_scope_gen(const struct sync_ctx *c, const char *scope);
/* The readers of station scope at ms: nodes with a station statement for
 * it valid then and no revocation, but those in ex (nex keys), into out
 * (at most max; ERR_TOOBIG beyond). Hubs are not listed: they derive
 * every key from the master. */
int sync_scope_readers(const struct sync_ctx *c, const char *scope, uint64_t ms,
		       const uint8_t (*ex)[SYNC_PK_LEN], size_t nex, uint8_t (*out)[SYNC_PK_LEN],
		       size_t max, size_t *n);

/* Learn the statements and revocations that the county root's feed in
 * scope "" gained since the last look, whoever committed them (another
 * process writing the same replica: `enroll sign` or `revoke` while the
 * daemon serves, a bundle import, a sync). One indexed read when nothing
 * is new. The sync layer calls it before it judges any message (a
 * session's input, a delta's chunk inside its write transaction), so a
 * trust change is in force for the very next message. */
int sync_trust_refresh(struct sync_ctx *c);

/* How many commits the last export (delta or bundle) of c left out
 * because they may travel only inside an opened range, to a reader of
 * their scope (not encrypted, or under a replaced key generation:
 * docs/security.md "Re-keying"); send them with bundle export --for or
 * a direct sync. */
uint64_t sync_ctx_withheld(const struct sync_ctx *c);
/* How many commits of other authors the last export of c left out
 * because the piece up to their author's next checkpoint held does not
 * fit even a chunk of SYNC_CHUNK_LONE bytes (delta.c D7: the author sent
 * them in larger chunks); the rest of each such feed is left out with
 * it. The peer gets them from their author, or from a node that holds
 * more of the author's checkpoints. */
uint64_t sync_ctx_too_large(const struct sync_ctx *c);

/* Log compaction (crdt/compact.c, sync/compact.c). A feed this node
 * holds only above its base (the commits up to it pruned) cannot be sent
 * to a peer that is behind the base: the last export left it out and
 * named it here (entry seq = the base: "pruned below seq + 1"), the
 * first SYNC_PRUNED_MAX of them; *n the number named, the return value
 * how many feeds in all. A session sends them to the peer in a PRUNED
 * message (docs/protocol.md §5 "PRUNED"). */
#define SYNC_PRUNED_MAX 64
uint64_t sync_ctx_pruned(const struct sync_ctx *c, const struct crdt_vv_entry **v, size_t *n);

/*
 * Log compaction (sync/compact.c, the rule R1-R7; docs/replica.md
 * "Compaction"): prune every feed's log down to the highest commit that
 * every reader of its scope acknowledged, that carries its author's
 * checkpoint, and that is older than the retention, in transactions of
 * at most txn_commits commits each (a power cut loses nothing; a serve
 * running beside it waits at most one of them).
 */
#define SYNC_COMPACT_TXN 2000
#define SYNC_COMPACT_READERS_MAX 4096
struct sync_compact_options {
	uint64_t now_ms;     /* the wall clock: retention and statements' periods */
	uint64_t keep_ms;    /* R3: commits whose HLC is later than now_ms - keep_ms stay */
	bool hub;            /* this node is the hub (R1) */
	bool dry_run;        /* count what would go; change nothing */
	size_t txn_commits;  /* commits per transaction; 0: SYNC_COMPACT_TXN */
	size_t max_txns;     /* stop after this many transactions (report.more); 0: no limit */
	/* Who must have acknowledged a commit of scope (R1) when the node
	 * has no county root (an unenrolled mesh, the simulation): up to max
	 * keys into out; returns how many, or a negative error. NULL: by the
	 * root's statements (sync_trust), and nobody without a root (then
	 * nothing is pruned). */
	int (*readers)(void *arg, const char *scope, uint8_t (*out)[SYNC_PK_LEN], size_t max);
	void *readers_arg;
};
struct sync_compact_scope {
	char scope[CRDT_SCOPE_MAX + 1];
	uint64_t commits, bytes;
};
struct sync_compact_report {
	uint64_t commits, bytes;  /* pruned (or, dry run, that would be) */
	uint64_t feeds, txns;     /* feeds pruned, transactions run */
	bool more;                /* stopped at max_txns: run again for the rest */
	/* feeds where nothing could go, by the first rule that stopped it:
	 * a reader that has not acknowledged (or never reported), no
	 * checkpoint held, within the retention, not merged here */
	uint64_t kept_unacked, kept_unsigned, kept_recent, kept_carried;
	struct sync_compact_scope *scopes; /* per scope pruned, by name; mem_alloc'd */
	size_t nscopes, scopes_cap;
};
/* Run (or with dry_run, plan) compaction of c's replica. 0, or a storage
 * error (the transactions before it are done and durable; run again).
 * Release r with sync_compact_report_release whatever it returns. */
int sync_compact(struct sync_ctx *c, const struct sync_compact_options *o, struct sync_compact_report *r);
void sync_compact_report_release(struct sync_compact_report *r);

/* This node learned it was revoked: it must stop syncing. */
bool sync_ctx_revoked(const struct sync_ctx *c);
/* Is a statement of node's key held (and the period)? 0 or ERR_NOTFOUND. */
int sync_ctx_enrolment(const struct sync_ctx *c, const uint8_t node[SYNC_PK_LEN], char *station,
		       size_t cap, uint8_t *role);
/* A body as the log keeps it, made readable: *plain points at body
 * (not encrypted) or into out (decrypted). ERR_UNAUTH when this node
 * lacks the scope's key, ERR_BADSIG when it does not open. */
int sync_body_open(struct sync_ctx *c, const struct crdt_log_entry *e, struct buf *out,
		   const uint8_t **plain, size_t *plain_len);

/*
 * The key that hashes resident ID numbers of scope's volunteers (T8 in
 * trust.c): BLAKE2b-256(key = the scope key, "cunlian-idnum-v1"). A
 * station derives it for its own scope, the hub for any station; so both
 * get the same key and the same hash of one number. key should be
 * sodium_malloc'd (the caller wipes it). 0, or ERR_NOTFOUND (key zeroed)
 * when this node does not hold the scope's key (not enrolled, another
 * station, scope ""), -ENOMEM.
 */
int sync_idnum_key(const struct sync_ctx *c, const char *scope, uint8_t key[SYNC_KEY_LEN]);
/*
 * The county ID key (docs/security.md "Duplicate people across
 * stations"): BLAKE2b-256(key = M, "cunlian-idnum-county-v1"), the same
 * for every station, so the hub finds one number registered at two
 * stations. The hub derives it; a station holds it once the root sealed
 * it to its node key in a row of scope_keys of scope SYNC_CIDNUM_SCOPE,
 * generation 0 (sync_key_row with that scope). 0, or ERR_NOTFOUND (key
 * zeroed) when this node holds no such key (not enrolled, a relay, a
 * station whose row it has not learned yet).
 */
#define SYNC_CIDNUM_SCOPE "*idnum" /* never a station id (no '*' in one) */
int sync_idnum_county_key(const struct sync_ctx *c, uint8_t key[SYNC_KEY_LEN]);
/* The keyed hash of a normalised ID number (len bytes, docs/security.md
 * "ID numbers"): BLAKE2b-256(key = key, number). */
void sync_idnum_hash(uint8_t out[SYNC_HASH_LEN], const uint8_t key[SYNC_KEY_LEN], const char *num,
		     size_t len);

/* ---- deltas ---------------------------------------------------------- */

/* What one chunk carries, per feed: the last seq it brings. */
struct sync_chunk_info {
	uint8_t id[SYNC_ID_LEN];
	size_t nfeeds;
	const struct crdt_vv_entry *feeds; /* borrowed for the callback */
};
typedef int (*sync_emit_fn)(void *arg, const uint8_t *chunk, size_t len,
			    const struct sync_chunk_info *info);

/* The summary of a version vector a probe compares (docs/protocol.md,
 * "CoAP resources", vvq): the first SYNC_VV_HASH_LEN bytes of
 * BLAKE2b-128("cunlian-vv-v1" || per entry, in (author, scope) byte
 * order: author[32], u8 len(scope), scope, u64be seq). v need not be
 * sorted; entries with seq 0 are left out. Returns 0 or -ENOMEM. */
#define SYNC_VV_HASH_LEN 8
int sync_vv_hash(const struct crdt_vv_entry *v, size_t n, uint8_t out[SYNC_VV_HASH_LEN]);

/* Every commit of a scope in wants that the peer lacks according to vv
 * (n entries; NULL, 0: it holds nothing), in chunks of at most chunk_max
 * bytes, handed to emit in order; a commit that does not fit goes alone
 * in a chunk of up to SYNC_CHUNK_LONE bytes (delta.c D7), and so does
 * a relayed piece up to its author's next checkpoint. Relayed feeds
 * end at the last commit whose author checkpoint is held. A non-zero
 * return of emit stops and is returned. ERR_TOOBIG if one commit of this
 * node's cannot fit even so. */
int sync_delta_export(struct sync_ctx *c, const struct crdt_vv_entry *vv, size_t n,
		      const struct sync_scopes *wants, sync_emit_fn emit, void *arg);
/* The same for a reader that can read the scopes in reads (a hub: all;
 * a station: its own; NULL: none): a range of such a scope whose commits
 * this node can read and are all sealed F = 2 or 5, or not encrypted,
 * travels opened, its bodies
 * compressed together in one box under the scope key (docs/protocol.md
 * "Opened ranges"), which only a holder of that key can apply. Never name
 * in reads a scope the reader does not hold the key of. */
int sync_delta_export_for(struct sync_ctx *c, const struct crdt_vv_entry *vv, size_t n,
			  const struct sync_scopes *wants, const struct sync_scopes *reads,
			  sync_emit_fn emit, void *arg);

/* Verify, decode and apply one DELTA chunk (in its own transaction unless
 * grouped). Returns 0 when the chunk was good (commits may still have been
 * refused by range: see rep), or the chunk's refusal: ERR_CORRUPT,
 * ERR_TOOBIG, ERR_BADSIG, ERR_NODICT, ERR_NOPEER (a compact chunk: only a
 * session can rebuild it); or ERR_GAP when the chunk was good
 * but some range needs commits not held yet (the rest was applied; resend
 * it after the earlier chunks). rep (may be NULL) accumulates;
 * held (may be NULL) receives the last seq held per feed of the chunk
 * (mem_alloc'd array, *nheld entries; mem_free it). */
int sync_chunk_apply(struct sync_ctx *c, const uint8_t *chunk, size_t len, uint64_t wall_ms,
		     struct sync_report *rep, struct crdt_vv_entry **held, size_t *nheld);

/* The chunk's id (first SYNC_ID_LEN bytes of its signature), type and
 * length, from its header only, in either form: a chunk (version 1) or a
 * compact chunk (SYNC_WIRE_COMPACT: the id and type are those of the
 * chunk it stands for); ERR_CORRUPT if it has no header of either. */
int sync_chunk_peek(const uint8_t *chunk, size_t len, uint8_t id[SYNC_ID_LEN], int *type,
		    size_t *chunk_len);
/* Compact chunks (docs/protocol.md §3 "Compact chunks").
 * sync_chunk_compact: the compact form of the chunk (exactly len bytes,
 * version 1, type DELTA, ACK, TIME or PRUNED) into out (reset first):
 * 35 bytes less. Returns 1 when written; 0 when the chunk has no compact
 * form (a HELLO or END, or a dictionary without an index, see
 * sync_dict_index), out then empty; ERR_CORRUPT for bytes that are no
 * chunk; out's error when it has no room. The signature is the chunk's.
 * sync_chunk_expand: the chunk a compact chunk (exactly len bytes) stands
 * for, with sender as its key, into out (reset first), byte for byte the
 * chunk the sender signed; ERR_CORRUPT for bytes that are no compact
 * chunk, ERR_NODICT for a dictionary index with no dictionary. Nothing is
 * verified here: the chunk is then opened as any other. out is empty on
 * failure. */
int sync_chunk_compact(const uint8_t *chunk, size_t len, struct buf *out);
int sync_chunk_expand(const uint8_t *compact, size_t len, const uint8_t sender[SYNC_PK_LEN], struct buf *out);
/* The dictionary index of a compact chunk for a dictionary id: 0 for 0
 * (none), 1 for SYNC_DICT_V1_ID; -1 for any other (such a chunk travels
 * whole). sync_dict_of_index: the id of an index, ERR_NODICT for an
 * index with none. */
int sync_dict_index(uint32_t id);
int sync_dict_of_index(uint8_t index, uint32_t *id);

/* ---- bundles --------------------------------------------------------- */

/* Write a bundle of everything the peer lacks (vv as in export; wants:
 * the scopes it merges or relays, NULL for "hub" = all). */
int sync_bundle_export(struct sync_ctx *c, FILE *f, const struct crdt_vv_entry *vv, size_t n,
		       const struct sync_scopes *wants);
int sync_bundle_export_path(struct sync_ctx *c, const char *path, const struct crdt_vv_entry *vv,
			    size_t n, const struct sync_scopes *wants);
/* A bundle for a known reader (reads as in sync_delta_export_for): the
 * node it is for, e.g. `bundle export --for hub`. A node that cannot
 * read a scope refuses its opened ranges, so it cannot relay them. */
int sync_bundle_export_for(struct sync_ctx *c, FILE *f, const struct crdt_vv_entry *vv, size_t n,
			   const struct sync_scopes *wants, const struct sync_scopes *reads);
int sync_bundle_export_path_for(struct sync_ctx *c, const char *path, const struct crdt_vv_entry *vv,
				size_t n, const struct sync_scopes *wants,
				const struct sync_scopes *reads);
/* The same, written to path whole or not at all (base/afile.h): a
 * temporary file in path's folder, fsynced and renamed over path, the
 * folder fsynced. On any failure path is untouched and no temporary file
 * is left. *bytes (may be NULL) gets the bundle's size: on -ENOSPC the
 * size it needed (export goes on counting after the disk filled up). */
int sync_bundle_export_file(struct sync_ctx *c, const char *path, const struct crdt_vv_entry *vv,
			    size_t n, const struct sync_scopes *wants, const struct sync_scopes *reads,
			    uint64_t *bytes);
/* Apply every complete, valid chunk of a bundle; rep says what was
 * applied and which byte ranges were skipped and why. Returns 0 when the
 * file could be read (even if parts were skipped), -errno or ERR_NOTFOUND
 * otherwise; ERR_CORRUPT only when the file is not a bundle at all. */
int sync_bundle_import(struct sync_ctx *c, const char *path, uint64_t wall_ms,
		       struct sync_report *rep);
int sync_bundle_import_mem(struct sync_ctx *c, const uint8_t *p, size_t len, uint64_t wall_ms,
			   struct sync_report *rep);

/* ---- snapshots (snap.c, docs/protocol.md "Snapshots") ------------------ */

/*
 * A new node (or one whose peer pruned what it lacks) starts from a hub's
 * signed snapshot of a scope instead of the scope's whole history: the
 * export of crdt_snapshot_export, compressed, sealed for the scope's
 * readers (a station scope, with trust on), signed by the hub. Checks
 * S1-S8 in snap.c; a refusal changes nothing.
 */
#define SYNC_SNAP_MAX ((size_t)16 << 20) /* bytes of one container */
struct sync_snap_info {
	char scope[CRDT_SCOPE_MAX + 1];
	uint8_t signer[SYNC_PK_LEN];
	uint64_t made_ms;      /* the signer's clock when it made it */
	size_t raw_len;        /* bytes of the export inside */
	size_t nheads, nentries;
	bool sealed;
	const char *why;       /* a refusal's reason, in English (static) */
};
/* Append the snapshot of scope, made at wall_ms, to out (ceiling at least
 * SYNC_SNAP_MAX); info (may be NULL) says what it holds. ERR_UNAUTH when a
 * station scope must be sealed and this node lacks its key, ERR_TOOBIG,
 * storage errors; out is as it was on failure. */
int sync_snapshot_make(struct sync_ctx *c, const char *scope, uint64_t wall_ms, struct buf *out,
		       struct sync_snap_info *info);
/* Check a snapshot (S1-S8) and import it into the replica in one
 * transaction. want_scope: the scope asked for (NULL: any the node
 * merges). peer: the key this node trusts in a county without a root (the
 * peer it syncs with); may be NULL. 0, or ERR_CORRUPT, ERR_TOOBIG,
 * ERR_BADSIG, ERR_UNAUTH, ERR_REVOKED, ERR_CLOCK, storage errors, with
 * info->why, and the replica untouched. */
int sync_snapshot_apply(struct sync_ctx *c, const uint8_t *p, size_t len, const char *want_scope,
			const uint8_t *peer, uint64_t wall_ms, struct sync_snap_info *info);
/* A relay keeps the hub's snapshot bytes to pass on (it never signs one;
 * docs/replica.md R9). sync_snapshot_check runs apply's checks without
 * importing: any scope (S4 only asks that it is want_scope), and a sealed
 * station scope this node holds no key of is checked up to S5 (signature,
 * signer, scope, sealed) with *opened false and no feeds. how:
 * SYNC_SNAP_NOSIG skips S2 and S3, for bytes this node checked when it
 * kept them (a station never trusts a relay: it checks them itself).
 * *feeds (mem_alloc'd, the caller frees with mem_free): the heads the
 * snapshot names, when opened. Returns as sync_snapshot_apply. */
#define SYNC_SNAP_KEEP 1u  /* (internal) any scope; a sealed one may stay closed */
#define SYNC_SNAP_NOSIG 2u
struct sync_snap_feed {
	uint8_t author[SYNC_PK_LEN];
	uint64_t seq;
};
int sync_snapshot_check(struct sync_ctx *c, const uint8_t *p, size_t len, const char *want_scope,
			const uint8_t *peer, unsigned how, struct sync_snap_info *info,
			struct sync_snap_feed **feeds, size_t *nfeeds, bool *opened);
/* The key a snapshot names as its signer (not checked: apply checks it);
 * ERR_CORRUPT when the header is not a snapshot's. */
int sync_snapshot_signer(const uint8_t *p, size_t len, uint8_t out[SYNC_PK_LEN]);
/* The signer's clock a snapshot's header gives (not checked); ERR_CORRUPT
 * when the header is not a snapshot's. */
int sync_snapshot_made(const uint8_t *p, size_t len, uint64_t *made_ms);

/* ---- session --------------------------------------------------------- */

/*
 * The sans-I/O session with one peer: feed it every message that arrives
 * (sync_session_input), take the messages it wants sent
 * (sync_session_output) and call sync_session_tick with the time now and
 * then, so it resends what was lost. Messages are chunks (docs/protocol.md
 * "Session"): HELLO (node id, certificate slot, wanted scopes, version
 * vector), DELTA, ACK. A DELTA is acknowledged once durable; unacknowledged
 * ones are resent after rto_ms. Nothing is lost when a session stops
 * anywhere: a new one starts from the version vectors.
 */
struct sync_session;
struct sync_session_options {
	bool initiator;       /* sends the first HELLO */
	bool group;           /* share one transaction, hold acks until sync_session_flush() */
	uint64_t rto_ms;      /* resend after; 0: 3000 */
	const uint8_t *cert;  /* the node's certificate (trust issue); may be NULL */
	size_t cert_len;
};
int sync_session_new(struct sync_session **out, struct sync_ctx *c,
		     const struct sync_session_options *opt, uint64_t wall_ms);
void sync_session_free(struct sync_session *s);

/*
 * What one message did (sync_session_input). The session owns the rest:
 * it acknowledges what must be, holds what must wait, and counts
 * everything in its report; a caller reads the kind only to say or log
 * something. Kinds, by what arrived:
 *
 *   kind               message  what happened
 *   -----------------  -------  ------------------------------------------
 *   SYNC_IN_HELLO      HELLO    the peer's HELLO was taken in
 *   SYNC_IN_ACK        ACK      the chunks it names are no longer outstanding
 *   SYNC_IN_TIME       TIME     its time is in the report (time_kind ...)
 *   SYNC_IN_MERGED     DELTA    verified and applied, nothing refused (some
 *                               commits may have been held already);
 *                               acknowledged once durable
 *   SYNC_IN_DUPLICATE  DELTA    verified; every commit was held already;
 *                               acknowledged again
 *   SYNC_IN_NEED_MORE  DELTA    verified, but a range needs commits of a chunk
 *                               not here yet (ERR_GAP): what linked is applied,
 *                               the chunk is held by the session and applied
 *                               again, and acknowledged, once the gap fills
 *                               (it is not acknowledged before, so when the
 *                               hold is full the peer's resend brings it);
 *                               why and refused say what of it was refused
 *                               meanwhile, if anything
 *   SYNC_IN_REFUSED    any      dropped or refused for good, why = the ERR_
 *                               code: a message that does not frame or verify
 *                               (ERR_CORRUPT, ERR_BADSIG, ERR_NODICT,
 *                               ERR_TOOBIG), a compact chunk before the peer's
 *                               HELLO (ERR_NOPEER), a HELLO/ACK/TIME of another
 *                               key than the peer's (ERR_UNAUTH); or a DELTA some
 *                               of whose commits were refused (ERR_UNAUTH,
 *                               ERR_REVOKED, ERR_CHAIN, ERR_RULE ...: the
 *                               first reason; the counts say what else of it
 *                               applied). A message refused whole changes
 *                               nothing.
 *
 * The counts are commits, of this message and of the held chunks it
 * released (released: how many such chunks applied now, in the order
 * they arrived). A gap is never counted as a refusal.
 */
enum sync_in_kind {
	SYNC_IN_HELLO = 1,
	SYNC_IN_ACK,
	SYNC_IN_TIME,
	SYNC_IN_MERGED,
	SYNC_IN_DUPLICATE,
	SYNC_IN_NEED_MORE,
	SYNC_IN_REFUSED,
	SYNC_IN_PRUNED,     /* PRUNED: the peer holds feeds only above a base
			       this node is behind (sync_session_pruned) */
};
struct sync_input_result {
	enum sync_in_kind kind;
	int why;                /* SYNC_IN_REFUSED (or NEED_MORE with refusals): an ERR_ code; else 0 */
	uint64_t applied, carried, duplicate, refused;
	size_t released;        /* held DELTAs this one let apply */
};
/* The chunks a session holds for a gap: at most SYNC_HOLD_MAX, and
 * SYNC_HOLD_BYTES in all, per session; a chunk beyond either is not held
 * (not acknowledged either: the peer sends it again after its rto). */
#define SYNC_HOLD_MAX 16
#define SYNC_HOLD_BYTES ((size_t)1 << 20)

/* Consume one message; res (may be NULL) says what it was and did.
 * Returns 0 for every message (a refused or stale one too: see res and
 * sync_session_report), or -ENOMEM / ERR_STORAGE (the message may be
 * fed again). */
int sync_session_input(struct sync_session *s, const uint8_t *msg, size_t len, uint64_t wall_ms,
		       struct sync_input_result *res);
/* A body of messages back to back (the framing of a link that carries
 * several per datagram or request: each chunk's header gives its
 * length): each is consumed as sync_session_input does; bytes that do
 * not frame end the body (what follows them cannot be found, and counts
 * as one refused message). *n (may be NULL): messages consumed. Returns
 * 0 or -ENOMEM / ERR_STORAGE. */
int sync_session_input_body(struct sync_session *s, const uint8_t *p, size_t len, uint64_t wall_ms,
			    size_t *n);
/* The next message to send into *out (reset first): 1 when there is one,
 * 0 when there is nothing to send, negative on error. */
int sync_session_output(struct sync_session *s, struct buf *out, uint64_t wall_ms);
/* Messages for one response of a link that answers requests: appended to
 * out (not reset) while it holds fewer than soft bytes, and at most one
 * DELTA (it ends the body, so a response needs one block on the way back
 * at most beyond small messages). *more (may be NULL): whether output has
 * another message now, when it stopped for either reason (exact, as
 * sync_session_pending), or ACKs wait for sync_session_flush (grouped).
 * Returns messages appended, or < 0. */
int sync_session_output_body(struct sync_session *s, struct buf *out, size_t soft, uint64_t wall_ms,
			     bool *more);
/* 1 when sync_session_output has a message to give now, 0 when not,
 * negative on error. Builds the delta the peer lacks first when that is
 * due (what output would do), so the answer is exact, not "maybe". */
int sync_session_pending(struct sync_session *s, uint64_t wall_ms);
/* Time passes: queue resends of what was not acknowledged. */
int sync_session_tick(struct sync_session *s, uint64_t wall_ms);
/* Grouped sessions (options.group): chunks apply in one transaction of
 * the context shared by all its grouped sessions, and their ACKs are held.
 * Flush ends that transaction when it is open (the first flush after the
 * chunks commits them for every session) and queues this session's held
 * ACKs; every grouped session must be flushed for its ACKs to go. A
 * commit that fails rolls the group back: its ACKs are dropped (the peers
 * send those chunks again) and the error is returned (ERR_STORAGE,
 * -ENOSPC, ...). A session that is not grouped ends an open group before
 * it applies anything (session.c S1). */
int sync_session_flush(struct sync_session *s);
/* Local data changed: offer the peer what it lacks. */
int sync_session_refresh(struct sync_session *s);
/* The peer's HELLO arrived and every chunk sent was acknowledged. */
bool sync_session_idle(const struct sync_session *s);
/* Does the peer hold fewer of its own commits than this node holds of
 * them? (Its HELLO lists its own feeds first.) 1 with the first such
 * scope ("" county-wide) and both seqs: its replica was lost or restored
 * from an older copy, and it must recover (docs/cli.md `recover`); 0
 * when not, or before its HELLO; or a storage error. */
int sync_session_own_behind(const struct sync_session *s, char *scope, size_t cap, uint64_t *peer_seq,
			    uint64_t *held_seq);
/* The peer's node id, once its HELLO arrived (NULL before). */
const uint8_t *sync_session_peer(const struct sync_session *s);
const struct sync_report *sync_session_report(const struct sync_session *s);
/* The feeds the peer's last PRUNED message named (S11): each entry's seq
 * is the peer's base, "pruned below seq + 1"; this node must start those
 * feeds from a snapshot. *v lives as long as the session. */
size_t sync_session_pruned(const struct sync_session *s, const struct crdt_vv_entry **v);

#endif
