/* test_totp.c: unit test for totp.c (RFC 6238 vectors, base32, URIs, verify window and replay). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "portal.h"

#include "check.h"

static const uint8_t rfc_secret[] = "12345678901234567890";
#define RFC_LEN 20

static void
test_rfc6238(void)
{
	static const struct {
		int64_t		 t;
		const char	*code;	/* last 6 of the RFC's 8 digits */
	} v[] = {
		{ 59, "287082" },		/* 94287082 */
		{ 1111111109, "081804" },	/* 07081804 */
		{ 1111111111, "050471" },	/* 14050471 */
		{ 1234567890, "005924" },	/* 89005924 */
		{ 2000000000, "279037" },	/* 69279037 */
		{ 20000000000LL, "353130" },	/* 65353130 */
	};
	char out[7];
	size_t i;

	for (i = 0; i < sizeof(v) / sizeof(v[0]); i++) {
		memset(out, 0, sizeof(out));
		CHECK(totp_generate(rfc_secret, RFC_LEN, v[i].t, out) == 0);
		if (strcmp(out, v[i].code) != 0) {
			printf("FAIL rfc6238 t=%lld: got %s want %s\n",
			    (long long)v[i].t, out, v[i].code);
			failures++;
		}
	}
}

static void
test_base32(void)
{
	static const struct {
		const char *in, *out;
	} v[] = {
		{ "", "" }, { "f", "MY" }, { "fo", "MZXQ" }, { "foo", "MZXW6" },
		{ "foob", "MZXW6YQ" }, { "fooba", "MZXW6YTB" },
		{ "foobar", "MZXW6YTBOI" },
		{ "12345678901234567890", "GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ" },
	};
	uint8_t *dec, sec[TOTP_SECRET_LEN], sec2[TOTP_SECRET_LEN];
	size_t i, declen;
	char *enc, *g;
	int round;

	for (i = 0; i < sizeof(v) / sizeof(v[0]); i++) {
		enc = totp_base32((const uint8_t *)v[i].in, strlen(v[i].in));
		if (strcmp(enc, v[i].out) != 0) {
			printf("FAIL base32(%s) = %s, want %s\n", v[i].in, enc,
			    v[i].out);
			failures++;
		}
		free(enc);
		if (*v[i].in == '\0')
			continue;
		CHECK(totp_base32_decode(v[i].out, &dec, &declen) == 0);
		CHECK(declen == strlen(v[i].in) &&
		    memcmp(dec, v[i].in, declen) == 0);
		free(dec);
	}
	/* padding, lower case, spaces */
	CHECK(totp_base32_decode("mzxw6ytboi======", &dec, &declen) == 0);
	CHECK(declen == 6 && memcmp(dec, "foobar", 6) == 0);
	free(dec);
	CHECK(totp_base32_decode("MZXW 6YTB oi", &dec, &declen) == 0);
	CHECK(declen == 6 && memcmp(dec, "foobar", 6) == 0);
	free(dec);
	CHECK(totp_base32_decode("MY======", &dec, &declen) == 0);
	CHECK(declen == 1 && dec[0] == 'f');
	free(dec);
	/* refused */
	CHECK(totp_base32_decode("", &dec, &declen) == -1 && dec == NULL);
	CHECK(totp_base32_decode("MZXW1", &dec, &declen) == -1);	/* '1' */
	CHECK(totp_base32_decode("MZXW0", &dec, &declen) == -1);
	CHECK(totp_base32_decode("M", &dec, &declen) == -1);	/* bad length */
	CHECK(totp_base32_decode("MY=A", &dec, &declen) == -1);
	CHECK(totp_base32_decode("MY===", &dec, &declen) == -1);
	CHECK(totp_base32_decode("MZ-XW", &dec, &declen) == -1);
	CHECK(totp_base32_decode(NULL, &dec, &declen) == -1);

	/* random secrets round-trip, and differ */
	for (round = 0; round < 50; round++) {
		CHECK(totp_new_secret(sec) == 0);
		enc = totp_base32(sec, sizeof(sec));
		CHECK(strlen(enc) == 32);
		CHECK(strchr(enc, '=') == NULL);
		g = totp_grouped(enc);
		CHECK(strlen(g) == 39);
		CHECK(totp_base32_decode(g, &dec, &declen) == 0);
		CHECK(declen == sizeof(sec) && memcmp(dec, sec, declen) == 0);
		free(dec);
		free(g);
		free(enc);
	}
	CHECK(totp_new_secret(sec2) == 0);
	CHECK(memcmp(sec, sec2, sizeof(sec)) != 0);
}

static void
test_grouped(void)
{
	static const struct {
		const char *in, *out;
	} v[] = {
		{ "", "" }, { "ABC", "ABC" }, { "ABCD", "ABCD" },
		{ "ABCDE", "ABCD E" }, { "ABCDEFGH", "ABCD EFGH" },
		{ "GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ",
		  "GEZD GNBV GY3T QOJQ GEZD GNBV GY3T QOJQ" },
	};
	size_t i;
	char *g;

	for (i = 0; i < sizeof(v) / sizeof(v[0]); i++) {
		g = totp_grouped(v[i].in);
		if (strcmp(g, v[i].out) != 0) {
			printf("FAIL grouped(%s) = \"%s\"\n", v[i].in, g);
			failures++;
		}
		free(g);
	}
}

static void
test_uri(void)
{
	char *u;

	u = totp_uri("kluis", "jan@example.nl", "GEZDGNBV");
	CHECK(strcmp(u, "otpauth://totp/kluis:jan%40example.nl?secret=GEZDGNBV"
	    "&issuer=kluis&algorithm=SHA1&digits=6&period=30") == 0);
	free(u);
	u = totp_uri("CBS Portaal & Co", "a b/c?d:e", "AB");
	CHECK(strcmp(u, "otpauth://totp/CBS%20Portaal%20%26%20Co:"
	    "a%20b%2Fc%3Fd%3Ae?secret=AB&issuer=CBS%20Portaal%20%26%20Co"
	    "&algorithm=SHA1&digits=6&period=30") == 0);
	free(u);
	u = totp_uri("k", "\xc3\xa9@x.nl", "AB");	/* é */
	CHECK(strstr(u, "totp/k:%C3%A9%40x.nl?") != NULL);
	free(u);
}

static void
test_wellformed(void)
{
	static const struct {
		const char	*s;
		int		 ok;
	} v[] = {
		{ "123456", 1 }, { "000000", 1 }, { "999999", 1 },
		{ " 12345", 0 }, { "12345 ", 0 }, { "1234567", 0 },
		{ "12345", 0 }, { "12a456", 0 }, { "", 0 }, { "123 456", 0 },
		{ "-12345", 0 }, { "+12345", 0 }, { "12345\n", 0 },
		{ "\xd9\xa1\xd9\xa2\xd9\xa3", 0 },	/* Arabic-Indic digits */
		{ "１２３４５６", 0 },	/* fullwidth */
	};
	size_t i;

	for (i = 0; i < sizeof(v) / sizeof(v[0]); i++) {
		if (totp_code_wellformed(v[i].s) != v[i].ok) {
			printf("FAIL wellformed(\"%s\") != %d\n", v[i].s,
			    v[i].ok);
			failures++;
		}
	}
	CHECK(totp_code_wellformed(NULL) == 0);
}

static void
test_verify(void)
{
	const int64_t now = 1111111111;
	const int64_t step = now / TOTP_STEP;
	char c[5][7];
	int64_t m;
	int i;

	for (i = 0; i < 5; i++)
		CHECK(totp_generate(rfc_secret, RFC_LEN,
		    now + (i - 2) * TOTP_STEP, c[i]) == 0);
	/* c[2] is now, c[1] and c[3] one step off, c[0] and c[4] two */
	m = -1;
	CHECK(totp_verify(rfc_secret, RFC_LEN, c[2], now, 0, &m) == 0);
	CHECK(m == step);
	m = -1;
	CHECK(totp_verify(rfc_secret, RFC_LEN, c[1], now, 0, &m) == 0);
	CHECK(m == step - 1);
	m = -1;
	CHECK(totp_verify(rfc_secret, RFC_LEN, c[3], now, 0, &m) == 0);
	CHECK(m == step + 1);
	m = -1;
	CHECK(totp_verify(rfc_secret, RFC_LEN, c[0], now, 0, &m) == -1);
	CHECK(totp_verify(rfc_secret, RFC_LEN, c[4], now, 0, &m) == -1);
	CHECK(m == -1);

	/* replay: the step must be later than the last accepted one */
	CHECK(totp_verify(rfc_secret, RFC_LEN, c[2], now, step, &m) == -1);
	CHECK(totp_verify(rfc_secret, RFC_LEN, c[2], now, step + 1, &m) == -1);
	CHECK(totp_verify(rfc_secret, RFC_LEN, c[1], now, step - 1, &m) == -1);
	CHECK(totp_verify(rfc_secret, RFC_LEN, c[2], now, step - 1, &m) == 0);
	CHECK(m == step);
	CHECK(totp_verify(rfc_secret, RFC_LEN, c[3], now, step, &m) == 0);
	CHECK(m == step + 1);

	/* malformed codes are refused before liboath sees them */
	CHECK(totp_verify(rfc_secret, RFC_LEN, "", now, 0, &m) == -1);
	CHECK(totp_verify(rfc_secret, RFC_LEN, NULL, now, 0, &m) == -1);
	CHECK(totp_verify(rfc_secret, RFC_LEN, "12345", now, 0, &m) == -1);
	CHECK(totp_verify(rfc_secret, RFC_LEN, "050471 ", now, 0, &m) == -1);
	CHECK(totp_verify(rfc_secret, RFC_LEN, "14050471", now, 0, &m) == -1);
	/* the right code for another secret */
	CHECK(totp_verify((const uint8_t *)"01234567890123456789", RFC_LEN,
	    c[2], now, 0, &m) == -1);
}

int
main(void)
{
	CHECK(totp_init() == 0);
	CHECK(totp_init() == 0);
	test_rfc6238();
	test_base32();
	test_grouped();
	test_uri();
	test_wellformed();
	test_verify();
	if (failures)
		printf("test_totp: %d failure(s)\n", failures);
	else
		printf("test_totp: ok\n");
	return check_done();
}
