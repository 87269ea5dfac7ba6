/*
 * zip.c: the records of a zip file whose entries are stored (method 0) and
 * whose sizes and CRC-32s are known before the first byte is written, so
 * it can be streamed with no data descriptors (PKWARE APPNOTE 6.3.10).
 * ZIP64 records only where a size, an offset or the count needs them.
 */
#include <string.h>

#include "portal.h"

#define SIG_LOCAL	0x04034b50u
#define SIG_CENTRAL	0x02014b50u
#define SIG_END64	0x06064b50u
#define SIG_LOCATOR64	0x07064b50u
#define SIG_END		0x06054b50u
#define MAX16		0xffffu
#define MAX32		0xffffffffu
#define FLAG_UTF8	0x0800u		/* names are UTF-8 (bit 11) */
#define MADE_BY		(3u << 8 | 63u)	/* Unix, APPNOTE 6.3 */
#define NEEDS		20u		/* stored entries, folders */
#define NEEDS64		45u		/* ZIP64 */
#define MODE_FILE	0100644u	/* a regular file, rw-r--r-- */
#define EXTRA64		0x0001u

static void
put16(struct buf *b, unsigned v)
{
	unsigned char p[2] = { v & 0xff, v >> 8 & 0xff };

	buf_append(b, p, 2);
}

static void
put32(struct buf *b, uint32_t v)
{
	unsigned char p[4] = { v & 0xff, v >> 8 & 0xff, v >> 16 & 0xff,
	    v >> 24 & 0xff };

	buf_append(b, p, 4);
}

static void
put64(struct buf *b, uint64_t v)
{
	put32(b, (uint32_t)v);
	put32(b, (uint32_t)(v >> 32));
}

static int
big(uint64_t v)
{
	return v >= MAX32;
}

/*
 * zip_local: append to B the local header of E (its name, size, CRC and
 * time); E's data follows it. With a size of 4 GiB or more both sizes are
 * in a ZIP64 extra field. Returns the header's length.
 */
size_t
zip_local(struct buf *b, const struct zip_entry *e)
{
	size_t before = b->len, n = strlen(e->name);
	int z64 = big(e->size);

	put32(b, SIG_LOCAL);
	put16(b, z64 ? NEEDS64 : NEEDS);
	put16(b, FLAG_UTF8);
	put16(b, 0);				/* stored */
	put16(b, e->dos_time);
	put16(b, e->dos_date);
	put32(b, e->crc);
	put32(b, z64 ? MAX32 : (uint32_t)e->size);	/* compressed */
	put32(b, z64 ? MAX32 : (uint32_t)e->size);
	put16(b, (unsigned)n);
	put16(b, z64 ? 20 : 0);
	buf_append(b, e->name, n);
	if (z64) {
		put16(b, EXTRA64);
		put16(b, 16);
		put64(b, e->size);
		put64(b, e->size);
	}
	return b->len - before;
}

/* The central directory's header of E, at E->offset. */
static void
central(struct buf *b, const struct zip_entry *e)
{
	size_t n = strlen(e->name);
	int zs = big(e->size), zo = big(e->offset);
	unsigned extra = (zs ? 16 : 0) + (zo ? 8 : 0);

	put32(b, SIG_CENTRAL);
	put16(b, MADE_BY);
	put16(b, zs || zo ? NEEDS64 : NEEDS);
	put16(b, FLAG_UTF8);
	put16(b, 0);
	put16(b, e->dos_time);
	put16(b, e->dos_date);
	put32(b, e->crc);
	put32(b, zs ? MAX32 : (uint32_t)e->size);
	put32(b, zs ? MAX32 : (uint32_t)e->size);
	put16(b, (unsigned)n);
	put16(b, extra ? extra + 4 : 0);
	put16(b, 0);				/* comment */
	put16(b, 0);				/* disk */
	put16(b, 0);				/* internal attributes */
	put32(b, (uint32_t)MODE_FILE << 16);
	put32(b, zo ? MAX32 : (uint32_t)e->offset);
	buf_append(b, e->name, n);
	if (extra) {
		/* Only the fields that overflowed, in this order. */
		put16(b, EXTRA64);
		put16(b, extra);
		if (zs) {
			put64(b, e->size);
			put64(b, e->size);
		}
		if (zo)
			put64(b, e->offset);
	}
}

/*
 * zip_central: append to B the central directory of the N entries E (each
 * with its local header's offset), starting at offset AT of the zip, and
 * the end records: a ZIP64 end record and locator when the count, the
 * directory's size or its offset overflow the classic end record.
 */
void
zip_central(struct buf *b, const struct zip_entry *e, size_t n, uint64_t at)
{
	size_t before = b->len, i;
	uint64_t size;
	int z64;

	for (i = 0; i < n; i++)
		central(b, &e[i]);
	size = b->len - before;
	z64 = n >= MAX16 || big(size) || big(at);
	if (z64) {
		put32(b, SIG_END64);
		put64(b, 44);			/* the record after this field */
		put16(b, MADE_BY);
		put16(b, NEEDS64);
		put32(b, 0);			/* this disk */
		put32(b, 0);			/* the directory's disk */
		put64(b, n);
		put64(b, n);
		put64(b, size);
		put64(b, at);
		put32(b, SIG_LOCATOR64);
		put32(b, 0);
		put64(b, at + size);		/* where the ZIP64 end record is */
		put32(b, 1);			/* disks */
	}
	put32(b, SIG_END);
	put16(b, 0);
	put16(b, 0);
	put16(b, n >= MAX16 ? MAX16 : (unsigned)n);
	put16(b, n >= MAX16 ? MAX16 : (unsigned)n);
	put32(b, big(size) ? MAX32 : (uint32_t)size);
	put32(b, big(at) ? MAX32 : (uint32_t)at);
	put16(b, 0);				/* comment */
}

/* Bytes that make a path, a device or a trap on some system: "_" instead. */
static int
name_byte_bad(unsigned char c)
{
	return c < 0x20 || c == 0x7f || strchr("/\\:*?\"<>|", c) != NULL;
}

/*
 * zip_name: append to B the entry name for a file called NAME (UTF-8): one
 * plain name in the zip's top level that no system takes for a path, a
 * drive, a device or a hidden file: separators, control characters and
 * the characters Windows refuses become "_", as do a leading dot and the
 * trailing dots and spaces Windows drops; at most ZIP_NAME_MAX bytes,
 * cut between characters; never empty.
 */
void
zip_name(struct buf *b, const char *name)
{
	const unsigned char *p = (const unsigned char *)name;
	size_t start = b->len, n = strlen(name), cut = n, i;

	if (n > ZIP_NAME_MAX) {
		cut = ZIP_NAME_MAX;
		while (cut > 0 && (p[cut] & 0xc0) == 0x80)
			cut--;
	}
	for (i = 0; i < cut; i++)
		buf_putc(b, name_byte_bad(p[i]) || (i == 0 && p[i] == '.') ?
		    '_' : (char)p[i]);
	for (i = b->len; i > start && (b->data[i - 1] == '.' ||
	    b->data[i - 1] == ' '); i--)
		b->data[i - 1] = '_';
	if (b->len == start)
		buf_putc(b, '_');
}

/*
 * zip_dos_time: instant T as the DOS date and time of a zip entry, in the
 * portal's time zone; before 1980 (DOS's epoch), 1980-01-01 00:00.
 */
void
zip_dos_time(int64_t t, uint16_t *date, uint16_t *time)
{
	int y, mo, d, h, mi, s;

	if (time_fields(t, &y, &mo, &d, &h, &mi, &s) == -1 || y < 1980) {
		*date = 1 << 5 | 1;
		*time = 0;
		return;
	}
	if (y > 2107)
		y = 2107;
	*date = (uint16_t)((y - 1980) << 9 | mo << 5 | d);
	*time = (uint16_t)(h << 11 | mi << 5 | s / 2);
}
