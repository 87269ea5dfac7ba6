/* kluis: escaping per output context (HTML text, attribute values, URL parts). */
#include <string.h>

#include "portal.h"

/* Shared by text and attribute escaping: the five characters that matter. */
static void
escape_markup(struct buf *b, const char *s)
{
	const char *run;

	if (s == NULL)
		s = "";
	for (run = s; *s != '\0'; s++) {
		const char *rep;

		switch (*s) {
		case '&':
			rep = "&amp;";
			break;
		case '<':
			rep = "&lt;";
			break;
		case '>':
			rep = "&gt;";
			break;
		case '"':
			rep = "&quot;";
			break;
		case '\'':
			rep = "&#39;";
			break;
		default:
			continue;
		}
		buf_append(b, run, (size_t)(s - run));
		buf_puts(b, rep);
		run = s + 1;
	}
	buf_append(b, run, (size_t)(s - run));
}

/* Append s escaped for HTML element content; NULL appends nothing. */
void
html_text(struct buf *b, const char *s)
{
	escape_markup(b, s);
}

/* Append s escaped for a quoted attribute value; NULL appends nothing. */
void
html_attr(struct buf *b, const char *s)
{
	escape_markup(b, s);
}

/*
 * Append s percent-encoded for a URL path segment or query value: only
 * RFC 3986 unreserved characters (ALPHA DIGIT - . _ ~) stay as they are.
 */
void
html_url(struct buf *b, const char *s)
{
	static const char hex[] = "0123456789ABCDEF";
	const unsigned char *p;
	char enc[3];

	if (s == NULL)
		s = "";
	for (p = (const unsigned char *)s; *p != '\0'; p++) {
		if ((*p >= 'A' && *p <= 'Z') || (*p >= 'a' && *p <= 'z') ||
		    (*p >= '0' && *p <= '9') || *p == '-' || *p == '.' ||
		    *p == '_' || *p == '~') {
			buf_putc(b, (char)*p);
			continue;
		}
		enc[0] = '%';
		enc[1] = hex[*p >> 4];
		enc[2] = hex[*p & 0xf];
		buf_append(b, enc, 3);
	}
}
