/* SPDX-License-Identifier: MIT */
/*
 * idnum.h - volunteers' resident ID numbers (issue 4): checked, kept only
 * as a keyed hash and the last four characters, every copy wiped.
 *
 * What is kept of a number: its hash under the station's ID key (one live
 * volunteer per hash: volunteer.c V4), its hash under the county ID key
 * when this node holds that key (the hub finds one person registered at
 * two stations by it), and its last four characters. Never the number.
 *
 * Ownership. Keys come in sodium_malloc'd memory the caller
 * sodium_free()s (which wipes). Typed numbers are borrowed and never
 * wiped here: the front end wipes its own copy (argv, a CSV field).
 */
#ifndef CUNLIAN_APP_IDNUM_H
#define CUNLIAN_APP_IDNUM_H

#include <stddef.h>
#include <stdint.h>

#include "app/app.h"

struct app_idnum {
	char hash[2 * SYNC_HASH_LEN + 1];  /* hex of the keyed hash; "" none */
	char chash[2 * SYNC_HASH_LEN + 1]; /* under the county ID key; "" when not held */
	char last4[5];                     /* its last four characters */
};

/* The keys that hash ID numbers of station's volunteers, into *key
 * (APP_IDKEY_LEN bytes): first the station's, derived from its scope key
 * when this node holds it, else idnum.key in the home (made at first
 * use); then the county ID key (sync_idnum_county_key) and a byte that is
 * 1 when this node holds it (else the key is zeros). On failure *key is
 * NULL and a->fail says why (APP_W_IDNUM_KEY_BAD, or the code). */
#define APP_IDKEY_LEN (2 * SYNC_KEY_LEN + 1)
int app_idnum_key(struct app *a, const char *station, uint8_t **key);

/* Check the len bytes typed (docs/cli.md) and, with key (APP_IDKEY_LEN
 * bytes) and out, keep its hashes and last four characters in out (key
 * and out may be NULL: only the check). 0; ERR_USAGE for a number that is
 * not one (APP_W_IDNUM_LENGTH, _CHAR, _CHECK: where, not the number);
 * -ENOMEM. out is zeroed on failure. */
int app_idnum_digest(struct app *a, const char *typed, size_t len, const uint8_t *key,
		     struct app_idnum *out);

/* A number typed for a volunteer of station: checked, then hashed with
 * that station's keys (app_idnum_key). */
int app_idnum_take(struct app *a, const char *typed, const char *station, struct app_idnum *out);

/* "**************1234" from the last four; "" when there are none. */
void app_idnum_mask(const char *last4, char *out, size_t n);

#endif
