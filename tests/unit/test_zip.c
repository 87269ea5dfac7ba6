/* test_zip.c: unit test for crc32.c and zip.c: CRC-32 vectors, the records of a zip with and without ZIP64, entry names, DOS times. */
#include <stdlib.h>
#include <string.h>

#include "portal.h"

#include "check.h"

static uint32_t
le32(const char *p)
{
	const unsigned char *u = (const unsigned char *)p;

	return (uint32_t)u[0] | (uint32_t)u[1] << 8 | (uint32_t)u[2] << 16 |
	    (uint32_t)u[3] << 24;
}

static unsigned
le16(const char *p)
{
	const unsigned char *u = (const unsigned char *)p;

	return u[0] | u[1] << 8;
}

static uint64_t
le64(const char *p)
{
	return le32(p) | (uint64_t)le32(p + 4) << 32;
}

static void
test_crc32(void)
{
	char big[100000];
	uint32_t c = 0;
	size_t i;

	CHECK(crc32_update(0, "", 0) == 0);
	CHECK(crc32_update(0, "123456789", 9) == 0xcbf43926u);
	CHECK(crc32_update(0, "The quick brown fox jumps over the lazy dog",
	    43) == 0x414fa339u);
	/* In pieces of any length, the same as at once. */
	for (i = 0; i < sizeof big; i++)
		big[i] = (char)(i * 7 + i / 251);
	for (i = 0; i < sizeof big; i += 1 + i % 13)
		c = crc32_update(c, big + i, (i + 1 + i % 13 > sizeof big ?
		    sizeof big - i : 1 + i % 13));
	CHECK(c == crc32_update(0, big, sizeof big));
}

static char *
name(const char *in)
{
	struct buf b = { 0 };

	zip_name(&b, in);
	return buf_steal(&b);
}

static void
test_names(void)
{
	static const struct { const char *in, *out; } t[] = {
		{ "op-orde.pdf", "op-orde.pdf" },
		{ "../../etc/passwd", "_._.._etc_passwd" },
		{ "..", "__" },
		{ ".", "_" },
		{ "", "_" },
		{ ".bashrc", "_bashrc" },
		{ "a\\\\b:c*d?e\"f<g>h|i", "a__b_c_d_e_f_g_h_i" },
		{ "C:\\\\Windows", "C___Windows" },
		{ "line\r\nbreak\t.csv", "line__break_.csv" },
		{ "trailing. ", "trailing__" },
		{ "caf\xc3\xa9 \xe6\x97\xa5\xe6\x9c\xac.csv",
		    "caf\xc3\xa9 \xe6\x97\xa5\xe6\x9c\xac.csv" },
	};
	char long_name[300], *s;
	size_t i;

	for (i = 0; i < sizeof t / sizeof t[0]; i++) {
		s = name(t[i].in);
		if (strcmp(s, t[i].out) != 0)
			printf("zip_name(%s) = %s, want %s\n", t[i].in, s,
			    t[i].out);
		CHECK(strcmp(s, t[i].out) == 0);
		free(s);
	}
	/* Cut to ZIP_NAME_MAX bytes, never inside a character. */
	for (i = 0; i + 2 < sizeof long_name; i += 2)
		memcpy(long_name + i, "\xc3\xa9", 2);
	long_name[i] = '\0';
	s = name(long_name);
	CHECK(strlen(s) <= ZIP_NAME_MAX && strlen(s) >= ZIP_NAME_MAX - 1 &&
	    strlen(s) % 2 == 0);
	free(s);
}

/* A zip of small entries: classic records only, all at the offsets given. */
static void
test_small(void)
{
	struct zip_entry e[2] = {
		{ "a.txt", 3, 0x352441c2u, 0x5a21, 0x7000, 0 },
		{ "b.csv", 0, 0, 0x5a21, 0x7000, 0 },
	};
	struct buf b = { 0 };
	size_t h, at;

	h = zip_local(&b, &e[0]);
	CHECK(h == 30 + 5 && b.len == h);
	CHECK(le32(b.data) == 0x04034b50u && le16(b.data + 4) == 20 &&
	    le16(b.data + 6) == 0x0800 && le16(b.data + 8) == 0 &&
	    le32(b.data + 14) == 0x352441c2u && le32(b.data + 18) == 3 &&
	    le32(b.data + 22) == 3 && le16(b.data + 28) == 0 &&
	    memcmp(b.data + 30, "a.txt", 5) == 0);
	buf_append(&b, "abc", 3);
	e[1].offset = b.len;
	zip_local(&b, &e[1]);
	at = b.len;
	zip_central(&b, e, 2, at);
	CHECK(le32(b.data + at) == 0x02014b50u);
	CHECK(le32(b.data + at + 38) == 0100644u << 16);
	CHECK(le32(b.data + at + 42) == 0);
	CHECK(le32(b.data + at + 46 + 5 + 42) == e[1].offset);
	/* The end record: two entries, the directory's size and offset. */
	CHECK(le32(b.data + b.len - 22) == 0x06054b50u &&
	    le16(b.data + b.len - 12) == 2 &&
	    le32(b.data + b.len - 10) == b.len - 22 - at &&
	    le32(b.data + b.len - 6) == at);
	CHECK(strstr(b.data + at, "PK\x06\x06") == NULL);
	buf_free(&b);
}

/* An entry of 5 GiB, and one after it: ZIP64 sizes, offsets and end. */
static void
test_zip64(void)
{
	uint64_t big = 5ULL << 30;
	struct zip_entry e[2] = {
		{ "big.bin", big, 1, 0x5a21, 0, 0 },
		{ "after.txt", 2, 2, 0x5a21, 0, 0 },
	};
	struct buf b = { 0 };
	size_t h, c, l;
	uint64_t at;

	h = zip_local(&b, &e[0]);
	CHECK(h == 30 + 7 + 20);
	CHECK(le16(b.data + 4) == 45 && le32(b.data + 18) == 0xffffffffu &&
	    le32(b.data + 22) == 0xffffffffu && le16(b.data + 28) == 20);
	CHECK(le16(b.data + 37) == 1 && le16(b.data + 39) == 16 &&
	    le64(b.data + 41) == big && le64(b.data + 49) == big);
	e[1].offset = h + big;
	buf_free(&b);
	h = zip_local(&b, &e[1]);
	CHECK(h == 30 + 9 && le16(b.data + 4) == 20);	/* small: classic */
	buf_free(&b);
	at = e[1].offset + 30 + 9 + 2;
	zip_central(&b, e, 2, at);
	/* Entry 1: both sizes in the extra; its offset fits. */
	CHECK(le16(b.data + 6) == 45 && le32(b.data + 20) == 0xffffffffu &&
	    le16(b.data + 30) == 20 && le32(b.data + 42) == 0 &&
	    le64(b.data + 46 + 7 + 4) == big);
	c = 46 + 7 + 20;
	/* Entry 2: only the offset in the extra. */
	CHECK(le32(b.data + c + 20) == 2 && le16(b.data + c + 30) == 12 &&
	    le32(b.data + c + 42) == 0xffffffffu &&
	    le16(b.data + c + 46 + 9) == 1 && le16(b.data + c + 46 + 9 + 2) == 8 &&
	    le64(b.data + c + 46 + 9 + 4) == e[1].offset);
	l = c + 46 + 9 + 12;			/* the directory's size */
	CHECK(le32(b.data + l) == 0x06064b50u && le64(b.data + l + 4) == 44 &&
	    le64(b.data + l + 24) == 2 && le64(b.data + l + 32) == 2 &&
	    le64(b.data + l + 40) == l && le64(b.data + l + 48) == at);
	CHECK(le32(b.data + l + 56) == 0x07064b50u &&
	    le64(b.data + l + 64) == at + l && le32(b.data + l + 72) == 1);
	CHECK(le32(b.data + l + 76) == 0x06054b50u &&
	    le16(b.data + l + 86) == 2 && le32(b.data + l + 88) == l &&
	    le32(b.data + l + 92) == 0xffffffffu && b.len == l + 76 + 22);
	buf_free(&b);
}

static void
test_dos_time(void)
{
	uint16_t d, t;
	int y, mo, dd, h, mi, sec;

	/* 2025-12-01 15:03:43 UTC, as the portal's time zone reads it */
	CHECK(time_fields(1764601423, &y, &mo, &dd, &h, &mi, &sec) == 0);
	CHECK(y == 2025 && mo == 12 && sec == 43);
	zip_dos_time(1764601423, &d, &t);
	CHECK(d == ((y - 1980) << 9 | mo << 5 | dd));
	CHECK(t == (h << 11 | mi << 5 | sec / 2));
	zip_dos_time(0, &d, &t);		/* before DOS: its epoch */
	CHECK(d == (1 << 5 | 1) && t == 0);
}

int
main(void)
{
	test_crc32();
	test_names();
	test_small();
	test_zip64();
	test_dos_time();
	return check_done();
}
