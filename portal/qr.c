/* kluis: QR codes as compact inline SVG through libqrencode. */
#include <stdlib.h>

#include <qrencode.h>

#include "portal.h"

#define QR_QUIET	4	/* modules of white border, as ISO 18004 asks */
#define QR_PIXELS	6	/* suggested on-screen pixels per module */

/*
 * A standalone SVG of text as a QR code (error correction M, 8-bit mode):
 * white background, 4-module quiet zone, the dark modules as one path of
 * merged horizontal runs.  Caller frees; NULL when text cannot be encoded.
 */
char *
qr_svg(const char *text)
{
	struct buf b = { 0 };
	QRcode *qr;
	int x, y, run, size;

	if (text == NULL ||
	    (qr = QRcode_encodeString(text, 0, QR_ECLEVEL_M, QR_MODE_8, 1)) ==
	    NULL)
		return NULL;
	size = qr->width + 2 * QR_QUIET;
	buf_printf(&b, "<svg xmlns=\"http://www.w3.org/2000/svg\" "
	    "viewBox=\"0 0 %d %d\" width=\"%d\" height=\"%d\" "
	    "shape-rendering=\"crispEdges\" role=\"img\" "
	    "aria-labelledby=\"qr-caption\">"	/* enrol.html's figcaption */
	    "<rect width=\"%d\" height=\"%d\" fill=\"#fff\"/>"
	    "<path fill=\"#000\" d=\"",
	    size, size, size * QR_PIXELS, size * QR_PIXELS, size, size);
	for (y = 0; y < qr->width; y++) {
		for (x = 0; x < qr->width; x += run) {
			const unsigned char *row = qr->data + y * qr->width;

			run = 1;
			if (!(row[x] & 1))
				continue;
			while (x + run < qr->width && (row[x + run] & 1))
				run++;
			buf_printf(&b, "M%d %dh%dv1h-%dz", x + QR_QUIET,
			    y + QR_QUIET, run, run);
		}
	}
	buf_puts(&b, "\"/></svg>");
	QRcode_free(qr);
	return buf_steal(&b);
}
