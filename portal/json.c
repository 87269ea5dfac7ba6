/* json.c: JSON text (RFC 8259) for the API: strings escaped, nothing else needed. */
#include <string.h>

#include "portal.h"

/*
 * json_string: append S as a JSON string to B: quotes and backslashes
 * escaped, control characters as \uXXXX (and \n, \r, \t), U+2028 and
 * U+2029 escaped too (some JavaScript parsers end a line there), the rest
 * of the UTF-8 as it is. A byte that is not part of valid UTF-8 becomes
 * U+FFFD, so the output is always valid JSON.
 */
void
json_string(struct buf *b, const char *s)
{
	static const char hex[] = "0123456789abcdef";
	const unsigned char *p = (const unsigned char *)s;
	int n, i;

	buf_putc(b, '"');
	while (*p) {
		if (*p < 0x80) {
			switch (*p) {
			case '"': buf_puts(b, "\\\""); break;
			case '\\': buf_puts(b, "\\\\"); break;
			case '\n': buf_puts(b, "\\n"); break;
			case '\r': buf_puts(b, "\\r"); break;
			case '\t': buf_puts(b, "\\t"); break;
			default:
				if (*p < 0x20 || *p == 0x7f) {
					buf_puts(b, "\\u00");
					buf_putc(b, hex[*p >> 4]);
					buf_putc(b, hex[*p & 15]);
				} else
					buf_putc(b, (char)*p);
			}
			p++;
			continue;
		}
		/* The length of a well-formed UTF-8 sequence here, or 0. */
		n = *p >= 0xc2 && *p <= 0xdf ? 2 : *p >= 0xe0 && *p <= 0xef ? 3 :
		    *p >= 0xf0 && *p <= 0xf4 ? 4 : 0;
		for (i = 1; i < n; i++)
			if ((p[i] & 0xc0) != 0x80)
				n = 0;
		if (n == 3 && ((*p == 0xe0 && p[1] < 0xa0) ||
		    (*p == 0xed && p[1] >= 0xa0)))
			n = 0;		/* overlong, or a surrogate */
		if (n == 4 && ((*p == 0xf0 && p[1] < 0x90) ||
		    (*p == 0xf4 && p[1] >= 0x90)))
			n = 0;		/* overlong, or past U+10FFFF */
		if (n == 0) {
			buf_puts(b, "\\ufffd");
			p++;
		} else if (n == 3 && p[0] == 0xe2 && p[1] == 0x80 &&
		    (p[2] == 0xa8 || p[2] == 0xa9)) {
			buf_puts(b, p[2] == 0xa8 ? "\\u2028" : "\\u2029");
			p += 3;
		} else {
			buf_append(b, p, (size_t)n);
			p += n;
		}
	}
	buf_putc(b, '"');
}

/* json_member: append ,"NAME": (no comma when FIRST) to B. */
void
json_member(struct buf *b, const char *name, int first)
{
	if (!first)
		buf_putc(b, ',');
	json_string(b, name);
	buf_putc(b, ':');
}
