/* csv.c: CSV cells (RFC 4180 quoting, a chosen separator), safe to open in a spreadsheet. */
#include <string.h>

#include "portal.h"

/*
 * csv_separator: the separator called NAME ("semicolon", "comma", "tab",
 * or the character itself), or 0 when NAME is none of them. Semicolons
 * are what a spreadsheet in a Dutch locale (Excel) splits on.
 */
char
csv_separator(const char *name)
{
	if (name == NULL || strcmp(name, "semicolon") == 0 ||
	    strcmp(name, ";") == 0)
		return ';';
	if (strcmp(name, "comma") == 0 || strcmp(name, ",") == 0)
		return ',';
	if (strcmp(name, "tab") == 0 || strcmp(name, "\t") == 0)
		return '\t';
	return 0;
}

/*
 * csv_begin: start a document: the UTF-8 byte order mark when BOM (how
 * Excel knows the bytes are UTF-8, so "Één" stays "Één").
 */
void
csv_begin(struct buf *b, int bom)
{
	if (bom)
		buf_puts(b, "\xef\xbb\xbf");
}

/*
 * csv_cell: append S as one CSV cell, after the separator SEP unless
 * FIRST. A cell a spreadsheet would read as a formula (starting with = +
 * - @, tab or carriage return) gets a leading quote; a cell holding the
 * separator, a quote or a line break is quoted with its quotes doubled.
 */
void
csv_cell(struct buf *b, const char *s, int first, char sep)
{
	const char *p;
	char special[] = { sep, '"', '\r', '\n', '\0' };
	int quote;

	if (!first)
		buf_putc(b, sep);
	if (s == NULL)
		s = "";
	quote = strpbrk(s, special) != NULL;
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
