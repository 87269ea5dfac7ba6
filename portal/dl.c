/* dl.c: pure helpers of downloads: Content-Disposition, Range, media types, sizes. */
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "portal.h"

#define FALLBACK_MAX	150	/* bytes of the ASCII fallback name */

/* The name with its path and control characters made harmless: never a
 * directory, never a header break, never a hidden file. */
static int
name_byte_bad(unsigned char c)
{
	return c < 0x20 || c == 0x7f || c == '/' || c == '\\';
}

/*
 * dl_disposition: append an RFC 6266 Content-Disposition value for NAME to
 * B: attachment; filename="ASCII fallback"; filename*=UTF-8''percent-encoded.
 * Slashes, backslashes and control characters become "_" in both; quotes
 * and other non-token bytes become "_" in the fallback; non-ASCII becomes
 * one "_" per character in the fallback and is percent-encoded in filename*.
 * The result is always a single header line of printable ASCII.
 */
void
dl_disposition(struct buf *b, const char *name)
{
	static const char hex[] = "0123456789ABCDEF";
	const unsigned char *p;
	struct buf fb = { 0 };
	size_t n = 0;
	int any = 0;

	if (name == NULL)
		name = "";
	/* The fallback: a conservative set that needs no escaping in quotes. */
	for (p = (const unsigned char *)name; *p && n < FALLBACK_MAX; p++) {
		if ((*p & 0xc0) == 0x80)
			continue;	/* UTF-8 continuation: one "_" per character */
		if ((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') ||
		    (*p >= '0' && *p <= '9') || strchr(" .,-_+()[]=@#&!~", *p)) {
			if (*p == '.' && fb.len == 0)
				buf_putc(&fb, '_');	/* no hidden files */
			else
				buf_putc(&fb, (char)*p);
			any |= *p != ' ' && *p != '.';
		} else
			buf_putc(&fb, '_');
		n++;
	}
	while (fb.len > 0 && fb.data[fb.len - 1] == ' ')
		fb.data[--fb.len] = '\0';
	buf_puts(b, "attachment; filename=\"");
	buf_puts(b, any && fb.len ? fb.data : "download");
	buf_puts(b, "\"");
	buf_free(&fb);
	if (*name == '\0')
		return;
	/* filename*: RFC 8187 attr-chars stay, every other byte is %XX. */
	buf_puts(b, "; filename*=UTF-8''");
	for (p = (const unsigned char *)name; *p; p++) {
		unsigned char c = name_byte_bad(*p) ? '_' : *p;

		if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
		    (c >= '0' && c <= '9') || strchr("!#$&+-.^_`|~", c))
			buf_putc(b, (char)c);
		else {
			buf_putc(b, '%');
			buf_putc(b, hex[c >> 4]);
			buf_putc(b, hex[c & 15]);
		}
	}
}

/* A decimal without sign or overflow; advances *P. 0, or -1. */
static int
parse_u64(const char **pp, uint64_t *out)
{
	const char *p = *pp;
	uint64_t v = 0;

	if (*p < '0' || *p > '9')
		return -1;
	for (; *p >= '0' && *p <= '9'; p++) {
		uint64_t d = (uint64_t)(*p - '0');

		if (v > (UINT64_MAX - d) / 10)
			return -1;
		v = v * 10 + d;
	}
	*pp = p;
	*out = v;
	return 0;
}

static const char *
skip_ows(const char *p)
{
	while (*p == ' ' || *p == '\t')
		p++;
	return p;
}

/*
 * dl_range: a Range header (RFC 9110 §14) against a representation of SIZE
 * bytes. Returns DL_RANGE_NONE (absent, another unit, invalid syntax, or
 * more than one range: send the whole representation with 200),
 * DL_RANGE_ONE with *OFF and *LEN set (206), or DL_RANGE_UNSATISFIABLE
 * (416 with Content-Range: bytes * /SIZE).
 */
int
dl_range(const char *h, uint64_t size, uint64_t *off, uint64_t *len)
{
	const char *p;
	uint64_t first = 0, last = 0, n = 0;
	int suffix, count = 0;

	*off = 0;
	*len = size;
	if (h == NULL)
		return DL_RANGE_NONE;
	p = skip_ows(h);
	if (strncasecmp(p, "bytes", 5) != 0)
		return DL_RANGE_NONE;
	p = skip_ows(p + 5);
	if (*p++ != '=')
		return DL_RANGE_NONE;
	/* Syntax first: the whole list must parse before anything is decided. */
	for (;;) {
		p = skip_ows(p);
		if (*p == ',') {	/* empty list elements are allowed */
			p++;
			continue;
		}
		if (*p == '\0')
			break;
		suffix = *p == '-';
		if (suffix) {
			p++;
			if (parse_u64(&p, &n) == -1)
				return DL_RANGE_NONE;
			first = 0;
			last = n;
		} else {
			if (parse_u64(&p, &first) == -1 || *p++ != '-')
				return DL_RANGE_NONE;
			last = UINT64_MAX;
			if (*p >= '0' && *p <= '9') {
				if (parse_u64(&p, &last) == -1 || last < first)
					return DL_RANGE_NONE;
			}
		}
		p = skip_ows(p);
		if (*p != ',' && *p != '\0')
			return DL_RANGE_NONE;
		if (++count == 1) {
			if (suffix) {
				if (n == 0 || size == 0)
					*len = 0;
				else {
					*len = n < size ? n : size;
					*off = size - *len;
				}
			} else if (first >= size) {
				*len = 0;
			} else {
				*off = first;
				*len = (last >= size ? size - 1 : last) - first + 1;
			}
		}
	}
	if (count != 1) {
		/* None parsed, or several: ignoring Range is always allowed. */
		*off = 0;
		*len = size;
		return DL_RANGE_NONE;
	}
	if (size == 0) {
		*off = 0;
		*len = 0;
		return DL_RANGE_NONE;
	}
	if (*len == 0) {
		*off = 0;
		*len = size;
		return DL_RANGE_UNSATISFIABLE;
	}
	return DL_RANGE_ONE;
}

/* dl_mime: the media type for a file NAME, by its extension; never HTML. */
const char *
dl_mime(const char *name)
{
	static const struct {
		const char *ext, *type;
	} types[] = {
		{ "pdf", "application/pdf" },
		{ "csv", "text/csv; charset=utf-8" },
		{ "txt", "text/plain; charset=utf-8" },
		{ "json", "application/json" },
		{ "xml", "application/xml" },
		{ "zip", "application/zip" },
		{ "gz", "application/gzip" },
		{ "tgz", "application/gzip" },
		{ "7z", "application/x-7z-compressed" },
		{ "xlsx", "application/vnd.openxmlformats-officedocument."
		    "spreadsheetml.sheet" },
		{ "xls", "application/vnd.ms-excel" },
		{ "docx", "application/vnd.openxmlformats-officedocument."
		    "wordprocessingml.document" },
		{ "doc", "application/msword" },
		{ "pptx", "application/vnd.openxmlformats-officedocument."
		    "presentationml.presentation" },
		{ "ods", "application/vnd.oasis.opendocument.spreadsheet" },
		{ "odt", "application/vnd.oasis.opendocument.text" },
		{ "parquet", "application/vnd.apache.parquet" },
		{ "sav", "application/x-spss-sav" },
		{ "png", "image/png" },
		{ "jpg", "image/jpeg" },
		{ "jpeg", "image/jpeg" },
	};
	const char *dot;
	size_t i;

	if (name == NULL || (dot = strrchr(name, '.')) == NULL || dot == name)
		return "application/octet-stream";
	for (i = 0; i < sizeof types / sizeof types[0]; i++)
		if (strcasecmp(dot + 1, types[i].ext) == 0)
			return types[i].type;
	return "application/octet-stream";
}

/*
 * dl_size_human: SIZE in bytes as people read it, in decimal units with
 * one decimal below 100 ("999 B", "1,5 kB", "268 MB") written with the
 * decimal MARK. OUT holds at least 32 bytes.
 */
void
dl_size_human(uint64_t size, char mark, char *out, size_t outlen)
{
	static const char *units[] = { "kB", "MB", "GB", "TB", "PB", "EB" };
	uint64_t div = 1000, tenths;
	int u = 0;

	if (size < 1000) {
		snprintf(out, outlen, "%llu B", (unsigned long long)size);
		return;
	}
	while (u < 5 && size / div >= 1000) {
		div *= 1000;
		u++;
	}
	/* Rounded to tenths; a carry may need the next unit ("999,96 kB"). */
	tenths = (size / (div / 1000) + 50) / 100;
	if (tenths >= 10000 && u < 5) {
		div *= 1000;
		u++;
		tenths = (size / (div / 1000) + 50) / 100;
	}
	if (tenths >= 1000)
		snprintf(out, outlen, "%llu %s",
		    (unsigned long long)((tenths + 5) / 10), units[u]);
	else
		snprintf(out, outlen, "%llu%c%llu %s",
		    (unsigned long long)(tenths / 10), mark,
		    (unsigned long long)(tenths % 10), units[u]);
}

/*
 * dl_etag_match: 1 when the If-None-Match value HDR names ETAG (a quoted
 * strong tag) or is "*". The comparison is weak (RFC 9110 13.1.2): W/"x"
 * names "x" too. A malformed list matches nothing.
 */
int
dl_etag_match(const char *hdr, const char *etag)
{
	const char *p = hdr, *end;
	size_t n = strlen(etag);

	if (hdr == NULL)
		return 0;
	for (;;) {
		while (*p == ' ' || *p == '\t' || *p == ',')
			p++;
		if (*p == '\0')
			return 0;
		if (*p == '*')
			return p[1] == '\0' || p[1] == ' ' || p[1] == ',';
		if (p[0] == 'W' && p[1] == '/')
			p += 2;
		if (*p != '"' || (end = strchr(p + 1, '"')) == NULL)
			return 0;
		if ((size_t)(end + 1 - p) == n && memcmp(p, etag, n) == 0)
			return 1;
		p = end + 1;
	}
}
