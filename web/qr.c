// SPDX-License-Identifier: MIT
/*
 * qr.c - a QR code as SVG (web_internal.h): libqrencode makes the matrix
 * (error correction M, byte mode), each horizontal run of dark modules
 * becomes one <rect>, inside a quiet zone of 4 modules. The SVG scales to
 * its box (viewBox, no fixed size), so it prints sharp on a poster and
 * fits a phone.
 */
#include <errno.h>
#include <string.h>
#include <qrencode.h>

#include "base/err.h"
#include "web/web_internal.h"

#define WEB_QR_QUIET 4
#define WEB_QR_TEXT_MAX 1000 /* bytes; far below what version 40 holds */

int web_qr_svg(struct buf *b, const char *text)
{
	if (strlen(text) > WEB_QR_TEXT_MAX)
		return ERR_TOOBIG;
	QRcode *q = QRcode_encodeString8bit(text, 0, QR_ECLEVEL_M);
	if (!q)
		return errno == ERANGE || errno == EINVAL ? ERR_TOOBIG : -ENOMEM;
	int w = q->width, size = w + 2 * WEB_QR_QUIET;
	web_rawf(b, "<svg xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 %d %d\""
		    " shape-rendering=\"crispEdges\" role=\"img\"><rect width=\"%d\" height=\"%d\" fill=\"#fff\"/>"
		    "<g fill=\"#000\">", size, size, size, size);
	for (int y = 0; y < w; y++) {
		for (int x = 0; x < w;) {
			if (!(q->data[y * w + x] & 1)) {
				x++;
				continue;
			}
			int run = 1;
			while (x + run < w && (q->data[y * w + x + run] & 1))
				run++;
			web_rawf(b, "<rect x=\"%d\" y=\"%d\" width=\"%d\" height=\"1\"/>", x + WEB_QR_QUIET,
				 y + WEB_QR_QUIET, run);
			x += run;
		}
	}
	web_raw(b, "</g></svg>");
	QRcode_free(q);
	return 0;
}
