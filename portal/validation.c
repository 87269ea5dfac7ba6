/* validation.c: the per-user validation codes of subjects: made, normalised, hashed. */
#include <stdio.h>
#include <string.h>

#include "portal.h"

/* No 0/O, 1/I/L: the code is read from a mail and typed by hand. */
static const char alphabet[] = "23456789ABCDEFGHJKMNPQRSTUVWXYZ";
#define ALPHABET_LEN	31
#define CODE_CHARS	12	/* 12 × log2(31) ≈ 59 bits */

/*
 * validation_new: a fresh code "XXXX-XXXX-XXXX" from the CSPRNG into OUT
 * (VALIDATION_LEN + 1 bytes). 0, or -1.
 */
int
validation_new(char out[VALIDATION_LEN + 1])
{
	uint8_t r[64];
	size_t i, k = 0, used = sizeof r;

	while (k < CODE_CHARS) {
		if (used == sizeof r) {
			if (crypto_random(r, sizeof r) == -1)
				return -1;
			used = 0;
		}
		/* Rejection sampling: 248 = 8 × 31 keeps every letter equally likely. */
		if (r[used] < 248) {
			i = k + k / 4;
			if (k > 0 && k % 4 == 0)
				out[i - 1] = '-';
			out[i] = alphabet[r[used] % ALPHABET_LEN];
			k++;
		}
		used++;
	}
	out[VALIDATION_LEN] = '\0';
	explicit_bzero(r, sizeof r);
	return 0;
}

/*
 * validation_normal: IN as typed, without spaces and dashes, in capitals,
 * into OUT (OUTLEN bytes). 0, or -1 when it cannot be a code (empty, too
 * long, or a character outside the alphabet).
 */
int
validation_normal(const char *in, char *out, size_t outlen)
{
	size_t n = 0;
	char c;

	if (in == NULL)
		return -1;
	for (; *in; in++) {
		if (*in == ' ' || *in == '-' || *in == '\t')
			continue;
		c = *in >= 'a' && *in <= 'z' ? (char)(*in - 'a' + 'A') : *in;
		if (strchr(alphabet, c) == NULL || c == '\0' || n + 1 >= outlen)
			return -1;
		out[n++] = c;
	}
	out[n] = '\0';
	return n == CODE_CHARS ? 0 : -1;
}

/*
 * validation_mac: the keyed hash stored for CODE (normalised or as
 * typed) of USER_ID on SUBJECT_ID: a code for one user or subject never
 * matches another's. A code that cannot be normalised hashes to a value no
 * stored code has.
 */
void
validation_mac(int64_t user_id, int64_t subject_id, const char *code,
    uint8_t out[32])
{
	char norm[64];
	struct buf b = { 0 };

	if (validation_normal(code, norm, sizeof norm) == -1)
		snprintf(norm, sizeof norm, "invalid");
	buf_printf(&b, "%lld\n%lld\n%s", (long long)user_id,
	    (long long)subject_id, norm);
	crypto_mac("validation", b.data, b.len, out);
	buf_wipe(&b);
	explicit_bzero(norm, sizeof norm);
}
