/* SPDX-License-Identifier: MIT */
/*
 * enroll.h - enrolment and trust as operations (enroll.c), and the clock
 * rescue of a station that committed far-future times (rescue.c).
 *
 * Concept. A county root key (county.key, on the hub unless kept
 * elsewhere) signs statements that bind a node's key to its station and
 * role; a station asks with a signed request (a file, or POST /join with
 * a one-time code) and installs the statement it gets back (node.cert,
 * and county.pub: from then on trust is enforced). The root authors its
 * statements, revocations and sealed scope keys in its own feed of the
 * hub's replica, through the hub's own store handle (app_root_commit,
 * sync_root_commit; docs/security.md). Each root commit is a transaction
 * of its own and is durable when the call returns (these operations are
 * APP_AUTHORS).
 *
 * Files in the home: county.key, county.pub, node.cert, enroll.pending
 * (APP_PENDING: asked, not enrolled yet; the station's data never leaves
 * in plaintext), codes (mode 0600, hashes of one-time codes: "<hash hex>
 * <station> <expires ms> <used 0|1>"), rescue.pending (rescue.c).
 *
 * Errors. Every operation returns 0 or a negative code (base/err.h) and
 * records why in a->fail (app.h, why.h): a refusal changes nothing. A
 * county key named by the caller (county_key) is a path; NULL means
 * county.key in the home.
 *
 * Ownership. Inputs are borrowed for the call. Outputs are the caller's;
 * a one-time code in struct app_code is a secret: wipe it
 * (sodium_memzero) once shown.
 */
#ifndef CUNLIAN_APP_ENROLL_H
#define CUNLIAN_APP_ENROLL_H

#include "app/app.h"

#define APP_CODE_LEN 10                        /* characters of a one-time code */
#define APP_CODE_TTL_MS (24ULL * 3600 * 1000)  /* how long a code is good for */
#define APP_ENROLL_DAYS 1095                   /* a statement's default term */
#define APP_REVOKE_MAX 8                       /* keys one revoke names */
#define APP_HEX_KEY (2 * SYNC_PK_LEN + 1)

/* ---- a station asks ------------------------------------------------------- */

/* Write this node's signed enrolment request to path (whole or not at
 * all) and, when not enrolled yet, mark the home as pending. */
int app_enroll_request(struct app *a, const char *path);

/* Install a statement (the bytes of node.cert) for this node: it must
 * be for this key and station, from this node's county root when it
 * already has one. Writes node.cert and county.pub and ends the pending
 * mark. src names the bytes in reasons (a file, the hub's address).
 * ERR_USAGE/ERR_UNAUTH (a damaged or forged statement), ERR_RULE (not
 * ours, another station), ERR_UNAUTH (another county). */
int app_enroll_accept(struct app *a, const uint8_t *cert, size_t len, const char *src,
		      struct sync_statement *st);
/* The same from a file. */
int app_enroll_accept_file(struct app *a, const char *path, struct sync_statement *st);

/* ---- the hub signs, revokes, issues ------------------------------------- */

struct app_enroll_sign {
	const char *request;    /* the request file */
	const char *station;    /* the station it must name */
	uint8_t role;           /* SYNC_ROLE_STATION or SYNC_ROLE_HUB */
	int64_t days;           /* 1..36500 */
	const char *county_key; /* NULL: county.key in the home */
	const char *out;        /* where the certificate goes */
};
/* Hub only. Sign the request's key for in->station, record the statement
 * (with the station's scope keys and the county ID key, sync/trust.c
 * G7, T9) in the county feed, write it to in->out. st: what was signed;
 * name: the station's name as the request gave it (129 bytes). */
int app_enroll_sign(struct app *a, const struct app_enroll_sign *in, struct sync_statement *st,
		    char name[129]);

struct app_revoke {
	const char *target;     /* 64 hex digits, or a station id (all its keys) */
	uint64_t from;          /* the first seq refused; 0: from now on */
	const char *scope;      /* NULL: the station of each key */
	const char *county_key; /* NULL: county.key in the home */
};
/* A new generation of a station's scope key (docs/security.md "Re-keying"). */
struct app_rekey {
	char scope[CRDT_SCOPE_MAX + 1];
	uint32_t gen;
	size_t readers; /* the keys it is sealed to */
};
struct app_revoked {
	size_t n;                                /* keys revoked */
	char node[APP_REVOKE_MAX][APP_HEX_KEY];
	size_t nrk;                              /* station scopes re-keyed */
	struct app_rekey rk[APP_REVOKE_MAX];
	size_t nhub;                             /* hub keys: nothing to re-key */
	char hub[APP_REVOKE_MAX][APP_HEX_KEY];
};
/* Hub only. Revoke the keys in->target names, and re-key every station
 * scope they could read, in one root commit. ERR_NOTFOUND: no such key. */
int app_enroll_revoke(struct app *a, const struct app_revoke *in, struct app_revoked *out);

struct app_code {
	char code[APP_CODE_LEN + 1]; /* a secret: wipe it once shown */
	uint64_t expires_ms;
};
/* Hub only. A new one-time code for station, good for APP_CODE_TTL_MS;
 * only its hash is kept (codes). */
int app_enroll_code(struct app *a, const char *station, struct app_code *out);

/* Hub only. Seal the county ID key (sync/trust.c T9) to every station
 * key enrolled and not revoked that lacks it, in root commits of at most
 * 32 rows (each durable: a failure halfway keeps those made, and running
 * it again gives the rest). given: sealed now; had: had it already.
 * Running it again gives nothing new. */
int app_enroll_keys(struct app *a, const char *county_key, size_t *given, size_t *had);

/* ---- join: enrolment by code over the network ------------------------------- */

/* The body of POST /join for code (read without regard to case): this
 * node's request and crypto_auth(request, key = BLAKE2b-256(code)); the
 * code itself never travels. Marks the home pending. ERR_UNAUTH
 * (APP_W_JOIN_REFUSED) when it cannot be a code. The hub's answer (a
 * statement) goes to app_enroll_accept(). */
int app_join_request(struct app *a, const char *code, struct buf *body);

/* The hub's side of join (POST /join, docs/protocol.md "CoAP resources"):
 * every unused, unexpired entry of codes for the request's station is
 * tried with crypto_auth_verify; the one that verifies is marked used
 * (before signing: a failure later costs the code, never reuses it) and
 * the statement signed as app_enroll_sign does goes to cert. ERR_UNAUTH
 * alike for a wrong, used, expired or unknown code; ERR_NOTFOUND when the
 * county key is not in the home. The store and the sync context stay
 * open: sessions being served go on. */
int app_join_serve(struct app *a, const uint8_t *body, size_t len, struct buf *cert);

/* ---- the root on the hub ---------------------------------------------------- */

/* init --role hub: load the county root (or make it, when county_key,
 * or county.key in the home, does not exist yet), enrol this hub with
 * it, write node.cert and county.pub. */
int app_hub_enrol(struct app *a, const char *county_key);

/* Commit w as the county root in its feed, through the app's store and
 * sync context (which learns the statements at once), after the clock's
 * check: durable when it returns. */
int app_root_commit(struct app *a, const struct sync_identity *root, const struct crdt_write *w,
		    size_t n);

/* ---- clock rescue (rescue.c; docs/field-guide.md "Clock rescue") ------------ */

struct app_rescue {
	bool needed;          /* false: no far-future commit, nothing done */
	uint64_t taken;       /* own far-future commits set aside */
	uint64_t first_ms;    /* the earliest of their times */
	char kept_in[APP_PATH_MAX]; /* the folder of the old replica and key */
	char old_key[APP_HEX_KEY], new_key[APP_HEX_KEY];
};
/* Step one, on a station whose clock is right again: a new key and a
 * new replica holding everything but its own far-future commits, which
 * wait in rescue.pending; the old replica and key move to kept_in.
 * ERR_RULE on the hub; ERR_CLOCK while a rescue is pending or the clock
 * is not right yet (code[0]: the verdict). */
int app_rescue(struct app *a, struct app_rescue *out);
/* Step two, once the new key is enrolled: commit the pending writes
 * again at the present time, all or none (n: how many commits).
 * ERR_NOTFOUND: nothing pending; ERR_RULE: not enrolled yet. */
int app_rescue_replay(struct app *a, uint64_t *n);

#endif
