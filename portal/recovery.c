/* recovery.c: recovery codes: made, shown once, kept as keyed hashes, spent. */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "portal.h"

/* 32 symbols, none easily confused with another (no i, l, o, u). */
static const char alphabet[] = "abcdefghjkmnpqrstvwxyz0123456789";
#define CODE_CHARS	12		/* 60 bits, written xxxx-xxxx-xxxx */

static void
code_hash(int64_t user_id, const char *norm, uint8_t out[32])
{
	char in[64];
	int n;

	n = snprintf(in, sizeof in, "%lld:%s", (long long)user_id, norm);
	crypto_mac("recovery", in, (size_t)n, out);
	explicit_bzero(in, sizeof in);
}

/*
 * recovery_new_codes: RECOVERY_CODES fresh codes for USER_ID into CODES
 * (shown once, never stored in clear); the old ones are void. 0, or -1.
 */
int
recovery_new_codes(int64_t user_id, char codes[][16])
{
	uint8_t raw[RECOVERY_CODES][CODE_CHARS], hashes[RECOVERY_CODES][32];
	char norm[CODE_CHARS + 1];
	int i, j, k, rc;

	if (crypto_random(raw, sizeof raw) == -1)
		return -1;
	for (i = 0; i < RECOVERY_CODES; i++) {
		for (j = 0, k = 0; j < CODE_CHARS; j++) {
			norm[j] = alphabet[raw[i][j] & 31];
			if (j > 0 && j % 4 == 0)
				codes[i][k++] = '-';
			codes[i][k++] = norm[j];
		}
		codes[i][k] = '\0';
		norm[CODE_CHARS] = '\0';
		code_hash(user_id, norm, hashes[i]);
	}
	explicit_bzero(raw, sizeof raw);
	explicit_bzero(norm, sizeof norm);
	rc = store_recovery_replace(user_id, hashes, RECOVERY_CODES);
	if (rc == -1)
		explicit_bzero(codes, RECOVERY_CODES * sizeof codes[0]);
	return rc;
}

/* The code as typed without spaces and dashes, lowercased; 0, or -1 when it cannot be one. */
static int
code_normal(const char *in, char out[CODE_CHARS + 1])
{
	size_t n = 0;

	for (; in != NULL && *in != '\0'; in++) {
		if (*in == ' ' || *in == '-')
			continue;
		if (n == CODE_CHARS || strchr(alphabet, tolower((unsigned char)*in))
		    == NULL)
			return -1;
		out[n++] = (char)tolower((unsigned char)*in);
	}
	out[n] = '\0';
	return n == CODE_CHARS ? 0 : -1;
}

/* recovery_wellformed: 1 when TYPED can be a recovery code (spaces and dashes aside). */
int
recovery_wellformed(const char *typed)
{
	char norm[CODE_CHARS + 1];
	int ok = code_normal(typed, norm) == 0;

	explicit_bzero(norm, sizeof norm);
	return ok;
}

/*
 * recovery_use: spend TYPED, a recovery code as typed, of USER_ID. 0 when
 * it was one of their unused codes (now spent), -1 when it was not, -2 when
 * the database failed.
 */
int
recovery_use(int64_t user_id, const char *typed)
{
	char norm[CODE_CHARS + 1];
	uint8_t h[32];

	if (code_normal(typed, norm) == -1)
		return -1;
	code_hash(user_id, norm, h);
	explicit_bzero(norm, sizeof norm);
	return store_recovery_use(user_id, h);
}
