/* SPDX-License-Identifier: MIT */
/*
 * sha256.h - SHA-256 (FIPS 180-4), for the replica digest.
 *
 * crdt/ may use only libc and SQLite, so the digest's hash lives here
 * rather than coming from libsodium. Streaming: init, update any number of
 * times, final. The struct is the caller's; no allocation, no global state.
 */
#ifndef CUNLIAN_SHA256_H
#define CUNLIAN_SHA256_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define SHA256_LEN 32

struct sha256 {
	uint32_t h[8];
	uint64_t total; /* bytes hashed so far */
	uint8_t block[64];
	size_t fill;
};

void sha256_init(struct sha256 *s);
void sha256_update(struct sha256 *s, const void *p, size_t n);
/* Writes the 32-byte hash and wipes the state. */
void sha256_final(struct sha256 *s, uint8_t out[SHA256_LEN]);
/* For tests: on, the portable code even where the CPU has SHA-NI; off,
 * what the CPU has again. Not for use while another thread hashes. */
void sha256_portable(bool on);

#endif
