/* test_dl.c: unit test for dl.c and validation.c: Content-Disposition, Range, If-None-Match, sizes, media types, codes. */
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "portal.h"

#include "check.h"

static void
disposition(const char *in, const char *want)
{
	struct buf b = { 0 };

	dl_disposition(&b, in);
	if (strcmp(b.data, want) != 0) {
		printf("FAIL dl_disposition(\"%s\")\n  got  %s\n  want %s\n", in,
		    b.data, want);
		failures++;
	}
	for (size_t i = 0; i < b.len; i++)
		if ((unsigned char)b.data[i] < 0x20 ||
		    (unsigned char)b.data[i] >= 0x7f) {
			printf("FAIL dl_disposition(\"%s\"): byte 0x%02x\n", in,
			    (unsigned char)b.data[i]);
			failures++;
		}
	buf_free(&b);
}

static void
range(const char *h, uint64_t size, int want, uint64_t woff, uint64_t wlen)
{
	uint64_t off, len;
	int got = dl_range(h, size, &off, &len);

	if (got != want || off != woff || len != wlen) {
		printf("FAIL dl_range(\"%s\", %llu) = %d %llu+%llu, want %d "
		    "%llu+%llu\n", h ? h : "(null)", (unsigned long long)size,
		    got, (unsigned long long)off, (unsigned long long)len, want,
		    (unsigned long long)woff, (unsigned long long)wlen);
		failures++;
	}
}

static void
size(uint64_t n, const char *lang, const char *want)
{
	char out[32];

	/* The decimal mark of the catalogues: "nl" writes a comma. */
	dl_size_human(n, strcmp(lang, "nl") == 0 ? ',' : '.', out, sizeof out);
	if (strcmp(out, want) != 0) {
		printf("FAIL dl_size_human(%llu, %s) = %s, want %s\n",
		    (unsigned long long)n, lang, out, want);
		failures++;
	}
}

static void
mime(const char *name, const char *want)
{
	if (strcmp(dl_mime(name), want) != 0) {
		printf("FAIL dl_mime(%s) = %s, want %s\n", name, dl_mime(name),
		    want);
		failures++;
	}
}

static void
test_etag(void)
{
	const char *e = "\"abc\"";

	CHECK(dl_etag_match("\"abc\"", e));
	CHECK(dl_etag_match("W/\"abc\"", e));
	CHECK(dl_etag_match("\"x\", \"abc\"", e));
	CHECK(dl_etag_match("\"x\",W/\"abc\" ", e));
	CHECK(dl_etag_match("*", e));
	CHECK(!dl_etag_match(NULL, e));
	CHECK(!dl_etag_match("", e));
	CHECK(!dl_etag_match("\"abcd\"", e));
	CHECK(!dl_etag_match("\"ab\"", e));
	CHECK(!dl_etag_match("abc", e));
	CHECK(!dl_etag_match("\"abc", e));
	CHECK(!dl_etag_match("*x", e));
}

int
main(void)
{
	char code[VALIDATION_LEN + 1], norm[64], key[64];
	uint8_t a[32], b[32];
	int i;

	test_etag();
	/* Content-Disposition: quotes, CR/LF, slashes, non-ASCII, empty. */
	disposition("report.pdf",
	    "attachment; filename=\"report.pdf\"; filename*=UTF-8''report.pdf");
	disposition("op orde 2024.csv", "attachment; filename=\"op orde "
	    "2024.csv\"; filename*=UTF-8''op%20orde%202024.csv");
	disposition("we\"ird.csv", "attachment; filename=\"we_ird.csv\"; "
	    "filename*=UTF-8''we%22ird.csv");
	disposition("a\\b.txt", "attachment; filename=\"a_b.txt\"; "
	    "filename*=UTF-8''a_b.txt");
	disposition("x\r\nSet-Cookie: a=b", "attachment; filename=\"x__Set-"
	    "Cookie_ a=b\"; filename*=UTF-8''x__Set-Cookie%3A%20a%3Db");
	disposition("../../etc/passwd", "attachment; filename=\"_._.._etc_"
	    "passwd\"; filename*=UTF-8''.._.._etc_passwd");
	disposition("caf\xc3\xa9 \xe2\x82\xac.xlsx", "attachment; filename=\""
	    "caf_ _.xlsx\"; filename*=UTF-8''caf%C3%A9%20%E2%82%AC.xlsx");
	disposition(".hidden", "attachment; filename=\"_hidden\"; "
	    "filename*=UTF-8''.hidden");
	disposition("\xe6\x97\xa5\xe6\x9c\xac", "attachment; filename=\"download\"; "
	    "filename*=UTF-8''%E6%97%A5%E6%9C%AC");
	disposition("", "attachment; filename=\"download\"");
	disposition("\"\"", "attachment; filename=\"download\"; "
	    "filename*=UTF-8''%22%22");
	disposition("a;b=c%d'e", "attachment; filename=\"a_b=c_d_e\"; "
	    "filename*=UTF-8''a%3Bb%3Dc%25d%27e");

	/* Range: RFC 9110 §14.1.2 and §14.2. */
	range(NULL, 100, DL_RANGE_NONE, 0, 100);
	range("bytes=0-0", 100, DL_RANGE_ONE, 0, 1);
	range("bytes=0-99", 100, DL_RANGE_ONE, 0, 100);
	range("bytes=0-999", 100, DL_RANGE_ONE, 0, 100);
	range("bytes=10-19", 100, DL_RANGE_ONE, 10, 10);
	range("bytes=90-", 100, DL_RANGE_ONE, 90, 10);
	range("bytes=-10", 100, DL_RANGE_ONE, 90, 10);
	range("bytes=-1000", 100, DL_RANGE_ONE, 0, 100);
	range("Bytes = 5-6 ", 100, DL_RANGE_ONE, 5, 2);
	range("bytes=99-99", 100, DL_RANGE_ONE, 99, 1);
	range("bytes=100-", 100, DL_RANGE_UNSATISFIABLE, 0, 100);
	range("bytes=100-200", 100, DL_RANGE_UNSATISFIABLE, 0, 100);
	range("bytes=-0", 100, DL_RANGE_UNSATISFIABLE, 0, 100);
	range("bytes=0-1,5-6", 100, DL_RANGE_NONE, 0, 100);	/* multi: whole */
	range("bytes=0-1, 200-300", 100, DL_RANGE_NONE, 0, 100);
	range("bytes=0-1,", 100, DL_RANGE_ONE, 0, 2);	/* empty elements */
	range("bytes=5-2", 100, DL_RANGE_NONE, 0, 100);	/* invalid: ignored */
	range("bytes=abc", 100, DL_RANGE_NONE, 0, 100);
	range("bytes=", 100, DL_RANGE_NONE, 0, 100);
	range("bytes=-", 100, DL_RANGE_NONE, 0, 100);
	range("bytes=1-2-3", 100, DL_RANGE_NONE, 0, 100);
	range("bytes=+1-2", 100, DL_RANGE_NONE, 0, 100);
	range("bytes 0-1", 100, DL_RANGE_NONE, 0, 100);
	range("items=0-1", 100, DL_RANGE_NONE, 0, 100);
	range("bytes=0-1;x", 100, DL_RANGE_NONE, 0, 100);
	range("bytes=99999999999999999999999-", 100, DL_RANGE_NONE, 0, 100);
	range("bytes=18446744073709551615-", 100, DL_RANGE_UNSATISFIABLE, 0, 100);
	range("bytes=0-", 0, DL_RANGE_NONE, 0, 0);	/* empty file: whole */

	/* Sizes, decimal units, Dutch decimal comma. */
	size(0, "nl", "0 B");
	size(999, "nl", "999 B");
	size(1000, "nl", "1,0 kB");
	size(1500, "nl", "1,5 kB");
	size(1500, "en", "1.5 kB");
	size(99940, "nl", "99,9 kB");
	size(99950, "nl", "100 kB");
	size(999960, "nl", "1,0 MB");
	size(268435456, "nl", "268 MB");
	size(3500000000ULL, "en", "3.5 GB");
	size(UINT64_MAX, "en", "18.4 EB");

	mime("a.PDF", "application/pdf");
	mime("a.csv", "text/csv; charset=utf-8");
	mime("a.html", "application/octet-stream");
	mime("a.svg", "application/octet-stream");
	mime("noext", "application/octet-stream");
	mime(".csv", "application/octet-stream");

	/* Validation codes: shape, normalisation, and MACs bound to user+subject. */
	snprintf(key, sizeof key, "/tmp/kluis-test-dl-%ld.key", (long)getpid());
	if (crypto_key_load(key) == -1) {
		printf("FAIL crypto_key_load\n");
		return 1;
	}
	for (i = 0; i < 50; i++) {
		if (validation_new(code) == -1 || strlen(code) != 14 ||
		    code[4] != '-' || code[9] != '-' ||
		    validation_normal(code, norm, sizeof norm) == -1 ||
		    strlen(norm) != 12) {
			printf("FAIL validation_new: %s\n", code);
			failures++;
		}
	}
	if (validation_normal("abcd efgh-jkmn", norm, sizeof norm) != 0 ||
	    strcmp(norm, "ABCDEFGHJKMN") != 0 ||
	    validation_normal("ABCD-EFGH-JKM0", norm, sizeof norm) != -1 ||
	    validation_normal("ABCD-EFGH-JKM", norm, sizeof norm) != -1 ||
	    validation_normal("", norm, sizeof norm) != -1) {
		printf("FAIL validation_normal\n");
		failures++;
	}
	validation_mac(1, 2, "ABCD-EFGH-JKMN", a);
	validation_mac(1, 2, "abcdefghjkmn", b);
	if (!crypto_equal(a, b, 32)) {
		printf("FAIL validation_mac differs for the same code\n");
		failures++;
	}
	validation_mac(1, 3, "ABCD-EFGH-JKMN", b);
	if (crypto_equal(a, b, 32)) {
		printf("FAIL validation_mac ignores the subject\n");
		failures++;
	}
	validation_mac(2, 2, "ABCD-EFGH-JKMN", b);
	if (crypto_equal(a, b, 32)) {
		printf("FAIL validation_mac ignores the user\n");
		failures++;
	}
	remove(key);
	printf("%s\n", failures ? "FAILED" : "ok");
	return check_done();
}
