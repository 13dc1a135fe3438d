/* SPDX-License-Identifier: MIT */
/*
 * web.h - the station's web pages (docs/web.md): residents order at the
 * kiosk or from a phone, volunteers and staff work from their phones, the
 * county sees its dashboard; served over plain HTTP by `cunlian serve
 * --http ADDR:PORT` next to the CoAP service.
 *
 * Concept. A front end over app/, like the command line: every page
 * parses a request, calls app/ and renders HTML; no domain rule lives
 * here. The server (libmicrohttpd) runs one thread of its own that owns
 * its own struct app (its own SQLite connection): requests are handled
 * one at a time, and every write is one write transaction of app/, so
 * the daemon's merges and the command line's writes interleave safely.
 *
 * Ownership. web_start() returns a server the caller stops with
 * web_stop(). Not thread-safe: start and stop from one thread.
 */
#ifndef CUNLIAN_WEB_H
#define CUNLIAN_WEB_H

#include <stdbool.h>
#include <stdint.h>

struct web;

struct web_options {
	const char *home;   /* the node's home folder */
	const char *listen; /* ADDR:PORT, e.g. 0.0.0.0:8080 */
	/* the wall clock now, in ms (the run's: CUNLIAN_NOW_MS in tests); a
	 * request's time is it plus the monotonic time since web_start() */
	uint64_t wall_ms;
	/* the residents' pages (kiosk.c): the station's Wi-Fi for the poster's
	 * QR code (NULL or "": none) */
	const char *wifi_ssid, *wifi_password;
};

/* Open the node (its own app) and start serving. ERR_USAGE for a bad
 * address, -errno when the port cannot be had, or app_open()'s code;
 * why (APP_PATH_MAX bytes, may be NULL) gets a line for the log. */
int web_start(struct web **out, const struct web_options *o, char *why, size_t whylen);
void web_stop(struct web *w);
/* The port it listens on (for a listen address that said port 0). */
unsigned web_port(const struct web *w);

#endif
