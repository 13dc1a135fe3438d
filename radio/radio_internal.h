/* SPDX-License-Identifier: MIT */
/*
 * radio_internal.h - what the files of radio/ share and nobody else uses.
 */
#ifndef CUNLIAN_RADIO_INTERNAL_H
#define CUNLIAN_RADIO_INTERNAL_H

#include <sys/socket.h>

/* "HOST:PORT" or "[V6]:PORT" into a socket address (linksim.c).
 * ERR_USAGE for a malformed one, ERR_NOTFOUND when the host does not
 * resolve. */
int radio_sockaddr(const char *s, struct sockaddr_storage *out, socklen_t *len);

#endif
