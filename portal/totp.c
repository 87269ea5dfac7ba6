/* kluis: TOTP (RFC 6238: SHA1, 6 digits, 30 s) through liboath, base32 and otpauth URIs. */
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include <liboath/oath.h>
#include <openssl/crypto.h>

#include "portal.h"

#define TOTP_DIGITS	6
#define TOTP_WINDOW	1

static const char b32_alphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";

static pthread_once_t	oath_once = PTHREAD_ONCE_INIT;
static int		init_rc = -1;

static void
oath_start(void)
{
	init_rc = oath_init() == OATH_OK ? 0 : -1;
}

/* Initialise liboath once (safe to call again); 0, or -1. */
int
totp_init(void)
{
	pthread_once(&oath_once, oath_start);
	if (init_rc == -1)
		logmsg(LOG_ERR, "totp: oath_init failed");
	return init_rc;
}

/* A fresh 160-bit secret from the CSPRNG; 0, or -1. */
int
totp_new_secret(uint8_t out[TOTP_SECRET_LEN])
{
	return crypto_random(out, TOTP_SECRET_LEN);
}

/* RFC 4648 base32, uppercase, without '=' padding; caller frees. */
char *
totp_base32(const uint8_t *p, size_t n)
{
	char *out, *o;
	uint32_t acc = 0;
	int bits = 0;
	size_t i;

	o = out = xmalloc((n * 8 + 4) / 5 + 1);
	for (i = 0; i < n; i++) {
		acc = (acc << 8 | p[i]) & 0xfff;
		bits += 8;
		while (bits >= 5) {
			bits -= 5;
			*o++ = b32_alphabet[(acc >> bits) & 31];
		}
	}
	if (bits > 0)
		*o++ = b32_alphabet[(acc << (5 - bits)) & 31];
	*o = '\0';
	return out;
}

/* The base32 secret in groups of four separated by spaces; caller frees. */
char *
totp_grouped(const char *b32)
{
	struct buf b = { 0 };
	size_t i;

	buf_puts(&b, "");
	for (i = 0; b32[i] != '\0'; i++) {
		if (i > 0 && i % 4 == 0)
			buf_putc(&b, ' ');
		buf_putc(&b, b32[i]);
	}
	return buf_steal(&b);
}

/*
 * Decode base32 in either case, ignoring spaces, with or without trailing
 * '=' padding.  On success *out (caller frees) holds *outlen bytes; 0.
 * -1 on a bad character, impossible length or empty input.
 */
int
totp_base32_decode(const char *s, uint8_t **out, size_t *outlen)
{
	uint8_t *o;
	uint32_t acc = 0;
	size_t n = 0, chars = 0, pad = 0;
	int bits = 0;
	const char *p, *hit;

	*out = NULL;
	*outlen = 0;
	if (s == NULL)
		return -1;
	o = xmalloc(strlen(s) * 5 / 8 + 1);
	for (p = s; *p != '\0'; p++) {
		int c = (unsigned char)*p;

		if (c == ' ')
			continue;
		if (c == '=') {
			pad++;
			continue;
		}
		if (pad > 0)
			goto fail;	/* data after padding */
		if (c >= 'a' && c <= 'z')
			c -= 'a' - 'A';
		if ((hit = strchr(b32_alphabet, c)) == NULL)
			goto fail;
		acc = (acc << 5 | (uint32_t)(hit - b32_alphabet)) & 0xfff;
		bits += 5;
		chars++;
		if (bits >= 8) {
			bits -= 8;
			o[n++] = (uint8_t)(acc >> bits);
		}
	}
	/* 1, 3 or 6 characters in the last group cannot come from whole bytes */
	switch (chars % 8) {
	case 1:
	case 3:
	case 6:
		goto fail;
	}
	if (chars == 0 || (pad > 0 && (chars + pad) % 8 != 0))
		goto fail;
	*out = o;
	*outlen = n;
	return 0;
 fail:
	OPENSSL_cleanse(o, strlen(s) * 5 / 8 + 1);
	free(o);
	return -1;
}

/*
 * otpauth://totp/ISSUER:ACCOUNT?secret=...&issuer=ISSUER&algorithm=SHA1&
 * digits=6&period=30, issuer and account percent-encoded; caller frees.
 */
char *
totp_uri(const char *issuer, const char *account, const char *b32)
{
	struct buf b = { 0 };

	buf_puts(&b, "otpauth://totp/");
	html_url(&b, issuer);
	buf_putc(&b, ':');
	html_url(&b, account);
	buf_puts(&b, "?secret=");
	html_url(&b, b32);
	buf_puts(&b, "&issuer=");
	html_url(&b, issuer);
	buf_printf(&b, "&algorithm=SHA1&digits=%d&period=%d", TOTP_DIGITS,
	    TOTP_STEP);
	return buf_steal(&b);
}

/* 1 when s is exactly six ASCII digits, else 0. */
int
totp_code_wellformed(const char *s)
{
	int i;

	if (s == NULL)
		return 0;
	for (i = 0; i < TOTP_DIGITS; i++)
		if (s[i] < '0' || s[i] > '9')
			return 0;
	return s[TOTP_DIGITS] == '\0';
}

/* The code for the time step containing now into out; 0, or -1. */
int
totp_generate(const uint8_t *secret, size_t n, int64_t now, char out[7])
{
	if (totp_init() == -1)
		return -1;
	if (oath_totp_generate((const char *)secret, n, (time_t)now, TOTP_STEP,
	    OATH_TOTP_DEFAULT_START_TIME, TOTP_DIGITS, out) != OATH_OK)
		return -1;
	return 0;
}

/* liboath's strcmp-like callback: 0 on a match, compared in constant time. */
static int
code_cmp(void *handle, const char *test_otp)
{
	const char *code = handle;

	if (strlen(test_otp) != TOTP_DIGITS)
		return 1;
	return CRYPTO_memcmp(code, test_otp, TOTP_DIGITS) != 0;
}

/*
 * Check a six-digit code against the steps around now (window ±1).  The
 * matching step must be later than last_step (a code is accepted once);
 * it is stored in *matched_step.  0 when accepted, -1 otherwise.
 */
int
totp_verify(const uint8_t *secret, size_t n, const char *code, int64_t now,
    int64_t last_step, int64_t *matched_step)
{
	uint64_t counter = 0;
	int pos = 0, rc;

	if (!totp_code_wellformed(code) || totp_init() == -1)
		return -1;
	rc = oath_totp_validate3_callback((const char *)secret, n, (time_t)now,
	    TOTP_STEP, OATH_TOTP_DEFAULT_START_TIME, TOTP_DIGITS, TOTP_WINDOW,
	    &pos, &counter, code_cmp, (void *)code);
	if (rc < 0)
		return -1;
	if (counter > INT64_MAX || (int64_t)counter <= last_step)
		return -1;	/* replay of an accepted code */
	*matched_step = (int64_t)counter;
	return 0;
}
