/* SPDX-License-Identifier: MIT */
/*
 * account.h - who may log in to the station's web pages (web/staff.c,
 * web/hub.c): volunteers and staff, each by phone number and a PIN of 4
 * to 8 digits that a station admin sets (`cunlian account set`).
 *
 * Where. The accounts live in web.accounts in the home: a file of this
 * node only, never replicated (a PIN belongs to the board it was given
 * on), mode 0600, rewritten whole or not at all (app_file_write) under an
 * advisory lock (web.accounts.lock) so the daemon counting a wrong PIN
 * and the command line setting one never lose each other's change.
 *
 * Invariants (account.c A1..A4).
 *   A1. No PIN is ever written: only its Argon2id hash in libsodium's
 *       string form (crypto_pwhash_str, interactive limits), salt inside.
 *   A2. After APP_ACCOUNT_TRIES wrong PINs in a row for a phone, the
 *       phone is locked for APP_ACCOUNT_LOCK_MS from the last wrong one;
 *       while locked, even the right PIN is refused (and not checked).
 *       The count and the lock are in the file, so a restart keeps them.
 *   A3. A right PIN (not locked) clears the count; setting a PIN clears
 *       the count and the lock.
 *   A4. An unknown phone and a wrong PIN are refused alike (ERR_UNAUTH,
 *       APP_W_ACCOUNT_WRONG), so the answer does not tell which phones
 *       have accounts.
 * Time is a->now_ms (the caller's clock).
 *
 * Ownership. Texts passed in are borrowed for the call; a PIN passed in
 * is the caller's to wipe. Not thread-safe on one app (one app per
 * thread); processes share the file through the lock.
 */
#ifndef CUNLIAN_APP_ACCOUNT_H
#define CUNLIAN_APP_ACCOUNT_H

#include <stdbool.h>
#include <stdint.h>

#include "app/app.h"

#define APP_ACCOUNT_FILE "web.accounts"
#define APP_PIN_MIN 4
#define APP_PIN_MAX 8
#define APP_ACCOUNT_TRIES 5                        /* wrong PINs before the lock */
#define APP_ACCOUNT_LOCK_MS ((uint64_t)15 * 60 * 1000) /* how long it lasts */
#define APP_ACCOUNTS_MAX 2000                      /* accounts in one file */
#define APP_ACCOUNT_HASH_MAX 128                   /* crypto_pwhash_STRBYTES */

enum app_role { APP_ROLE_VOLUNTEER = 0, APP_ROLE_ADMIN = 1 };

/* One account as the file holds it. */
struct app_account {
	char phone[64];                 /* normalised (app_phone_norm) */
	char volunteer[APP_ID_MAX + 1]; /* the volunteer's id, "" for staff who are not one */
	char name[APP_NAME_MAX + 1];
	enum app_role role;
	unsigned fails;                 /* wrong PINs in a row */
	uint64_t locked_until;          /* ms; 0 or past: not locked */
	char hash[APP_ACCOUNT_HASH_MAX];
};

/* "admin", "volunteer": 0, else ERR_USAGE (APP_W_ACCOUNT_BAD_ROLE). */
int app_role_parse(struct app *a, const char *s, enum app_role *role);
const char *app_role_name(enum app_role role);

/* Is pin 4..8 ASCII digits? ERR_USAGE (APP_W_ACCOUNT_BAD_PIN) when not. */
int app_pin_check(struct app *a, const char *pin);

/*
 * Give the account of phone (as typed; normalised) the PIN and role,
 * creating it or replacing the one there (its count and lock cleared,
 * A3). volunteer may be "" (staff who are not volunteers), name is
 * shown on the pages. ERR_USAGE for a bad phone, name or PIN; ERR_TOOBIG
 * when the file holds APP_ACCOUNTS_MAX already; -errno or ERR_STORAGE
 * when the file cannot be read or written (nothing changed).
 */
int app_account_set(struct app *a, const char *phone, const char *volunteer, const char *name,
		    enum app_role role, const char *pin);

/*
 * Log in: 0 with the account in *out when phone has an account, is not
 * locked and pin is its PIN. ERR_UNAUTH (APP_W_ACCOUNT_WRONG: tries
 * left) for an unknown phone or a wrong PIN (A4); ERR_RULE
 * (APP_W_ACCOUNT_LOCKED: minutes left) while locked (A2). The count is
 * written to the file. *out zeroed on failure.
 */
int app_account_login(struct app *a, const char *phone, const char *pin, struct app_account *out);

/* The account of phone without checking a PIN (a session's account on
 * each request): 0, or ERR_NOTFOUND. *out zeroed on failure. */
int app_account_get(struct app *a, const char *phone, struct app_account *out);

/* Every account, in the file's order, to fn (0 goes on, else the walk
 * stops and returns it); the hashes are not passed (hash is ""). */
typedef int (*app_account_each_fn)(void *arg, const struct app_account *x);
int app_account_each(struct app *a, app_account_each_fn fn, void *arg);

/* May the account act now? 0 for staff who are not volunteers and for a
 * volunteer of this node whose status is active or paused; ERR_RULE
 * (APP_W_ACCOUNT_LEFT) for one who left. A volunteer this node does not
 * hold (removed) is ERR_NOTFOUND. Reads the replica (the web pages ask
 * at login and on every request). */
int app_account_active(struct app *a, const struct app_account *x);

/* Remove phone's account: 0, or ERR_NOTFOUND. */
int app_account_remove(struct app *a, const char *phone);

#endif
