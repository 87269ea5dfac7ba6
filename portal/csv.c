/* csv.c: RFC 4180 cells, safe to open in a spreadsheet. */
#include <string.h>

#include "portal.h"

/*
 * csv_cell: append S as one CSV cell, with a separating comma unless FIRST.
 * A cell a spreadsheet would read as a formula (starting with = + - @, tab
 * or carriage return) gets a leading quote; a cell holding a comma, quote
 * or line break is quoted with its quotes doubled.
 */
void
csv_cell(struct buf *b, const char *s, int first)
{
	const char *p;
	int quote;

	if (!first)
		buf_putc(b, ',');
	if (s == NULL)
		s = "";
	quote = strpbrk(s, ",\"\r\n") != NULL;
	if (quote)
		buf_putc(b, '"');
	if (strchr("=+-@\t\r", s[0]) != NULL && s[0] != '\0')
		buf_putc(b, '\'');
	for (p = s; *p; p++) {
		if (*p == '"')
			buf_putc(b, '"');
		buf_putc(b, *p);
	}
	if (quote)
		buf_putc(b, '"');
}

/* csv_end: end a row (CRLF, as RFC 4180 says). */
void
csv_end(struct buf *b)
{
	buf_puts(b, "\r\n");
}
