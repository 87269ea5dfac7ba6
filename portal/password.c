/* kluis: argon2id password hashing, the password rules and temporary passwords. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <argon2.h>

#include "portal.h"

#ifndef FUZZING_BUILD_MODE_UNSAFE_FOR_PRODUCTION
/* OWASP's argon2id minimum: 19 MiB, 2 passes, 1 lane. */
#define PW_T_COST	2
#define PW_M_COST	19456
#define PW_COST_PHC	"m=19456,t=2,p=1"
#else
/* The fuzzers' build only: the same code, hashes that cost microseconds. */
#define PW_T_COST	1
#define PW_M_COST	8
#define PW_COST_PHC	"m=8,t=1,p=1"
#endif
#define PW_LANES	1
#define PW_SALT_LEN	16
#define PW_HASH_LEN	32

/* Same parameters as real hashes, so verifying against it costs the same. */
static const char dummy_phc[] =
    "$argon2id$v=19$" PW_COST_PHC "$a2x1aXMtYnVybi1zYWx0IQ$"
    "MfoLQ7fN5lW8Syw9OuVonL8Pn0Ff+H3nNi83o/VzQD0";

/*
 * Temporary passwords: Crockford's base32 alphabet, in lower case: no i,
 * l, o or u, and case does not matter, so nothing looks like another
 * character; read back, o is 0 and i and l are 1 (password_temp_normal).
 */
static const char temp_alphabet[] = "0123456789abcdefghjkmnpqrstvwxyz";

static char	**blocklist;
static size_t	  nblocklist;

/* argon2id of pw with a fresh salt, as a PHC string into out; 0, or -1. */
int
password_hash(const char *pw, char out[PASSWORD_HASH_MAX])
{
	uint8_t salt[PW_SALT_LEN];

	if (pw == NULL || crypto_random(salt, sizeof(salt)) == -1)
		return -1;
	if (argon2id_hash_encoded(PW_T_COST, PW_M_COST, PW_LANES, pw,
	    strlen(pw), salt, sizeof(salt), PW_HASH_LEN, out,
	    PASSWORD_HASH_MAX) != ARGON2_OK)
		return -1;
	return 0;
}

/* 1 when pw matches the argon2id PHC string, 0 otherwise (also for garbage). */
int
password_verify(const char *phc, const char *pw)
{
	if (phc == NULL || pw == NULL || !str_has_prefix(phc, "$argon2id$"))
		return 0;
	return argon2id_verify(phc, pw, strlen(pw)) == ARGON2_OK;
}

/* Spend the time of one verify, for accounts that do not exist. */
void
password_burn(const char *pw)
{
	if (pw == NULL)
		pw = "";
	(void)argon2id_verify(dummy_phc, pw, strlen(pw));
}

static int
strp_cmp(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static void
ascii_lower(char *s)
{
	for (; *s != '\0'; s++)
		if (*s >= 'A' && *s <= 'Z')
			*s += 'a' - 'A';
}

/*
 * Load the common-password list (one per line) for password_problem,
 * lowercased and sorted.  Replaces a list loaded before.  0, or -1.
 */
int
password_blocklist_load(const char *path)
{
	FILE *f;
	char *line = NULL, **words = NULL;
	size_t cap = 0, n = 0, wcap = 0, i;
	ssize_t len;

	if ((f = fopen(path, "re")) == NULL) {
		logmsg(LOG_ERR, "password: %s: cannot open", path);
		return -1;
	}
	while ((len = getline(&line, &cap, f)) != -1) {
		while (len > 0 && (line[len - 1] == '\n' ||
		    line[len - 1] == '\r' || line[len - 1] == ' '))
			line[--len] = '\0';
		if (len == 0)
			continue;
		words = xgrow(words, n, &wcap, sizeof(*words));
		ascii_lower(line);
		words[n++] = xstrdup(line);
	}
	free(line);
	if (ferror(f)) {
		logmsg(LOG_ERR, "password: %s: read error", path);
		fclose(f);
		for (i = 0; i < n; i++)
			free(words[i]);
		free(words);
		return -1;
	}
	fclose(f);
	if (n > 0)
		qsort(words, n, sizeof(*words), strp_cmp);
	for (i = 0; i < nblocklist; i++)
		free(blocklist[i]);
	free(blocklist);
	blocklist = words;
	nblocklist = n;
	return 0;
}

static int
listed(const char *lower)
{
	if (nblocklist == 0 || *lower == '\0')
		return 0;
	return bsearch(&lower, blocklist, nblocklist, sizeof(*blocklist),
	    strp_cmp) != NULL;
}

static int
is_common(const char *pw)
{
	char *lower;
	size_t n;
	int hit;

	lower = xstrdup(pw);
	ascii_lower(lower);
	hit = listed(lower);
	if (!hit) {
		/* "Password1234!" is "password" with digits and symbols added */
		n = strlen(lower);
		while (n > 0 && (unsigned char)lower[n - 1] < 0x80 &&
		    !(lower[n - 1] >= 'a' && lower[n - 1] <= 'z'))
			lower[--n] = '\0';
		hit = listed(lower);
	}
	free(lower);
	return hit;
}

static int
is_email(const char *pw, const char *email)
{
	const char *at;
	size_t local;

	if (email == NULL || *email == '\0')
		return 0;
	if (strcasecmp(pw, email) == 0)
		return 1;
	if ((at = strrchr(email, '@')) == NULL)
		return 0;
	local = (size_t)(at - email);
	return local > 0 && strlen(pw) == local &&
	    strncasecmp(pw, email, local) == 0;
}

/*
 * NULL when pw is acceptable as a new password for the account email
 * (which may be NULL), else a message key: "pw.invalid", "pw.short",
 * "pw.long", "pw.email" or "pw.common".  Lengths count code points.
 */
const char *
password_problem(const char *pw, const char *email)
{
	long n;

	if (pw == NULL || (n = str_utf8(pw)) == -1)
		return "pw.invalid";
	if (n < PASSWORD_MIN)
		return "pw.short";
	if (n > PASSWORD_MAX)
		return "pw.long";
	if (is_email(pw, email))
		return "pw.email";
	if (is_common(pw))
		return "pw.common";
	return NULL;
}

/*
 * A temporary password: four groups of four characters of Crockford's
 * base32 (80 bits) joined by '-', e.g. "7kx2-m9rt-...", as it is mailed;
 * what is hashed is its normal form (password_temp_normal). Caller frees.
 * Never NULL: a CSPRNG that fails is no state to hand out passwords in, so
 * it stops.
 */
char *
password_temporary(void)
{
	const size_t nalpha = sizeof(temp_alphabet) - 1;
	uint8_t rnd[16];
	char *out;
	size_t i, o = 0;

	out = xmalloc(20);
	if (crypto_random(rnd, sizeof(rnd)) == -1)
		fatal("the random generator failed");
	for (i = 0; i < sizeof(rnd); i++) {
		if (o % 5 == 4)
			out[o++] = '-';
		out[o++] = temp_alphabet[rnd[i] % nalpha];	/* 256 % 32 == 0 */
	}
	out[o] = '\0';
	explicit_bzero(rnd, sizeof(rnd));
	return out;
}

/*
 * password_temp_normal: a temporary password as typed, in its normal
 * form: without spaces (a line copied from a mail may bring its indent),
 * hyphens and dots, in lower case, o read as 0 and i and l as 1. Into OUT
 * (N bytes); truncated input is refused: -1.
 */
int
password_temp_normal(const char *in, char *out, size_t n)
{
	size_t o = 0;
	char c;

	for (; in != NULL && *in != '\0'; in++) {
		c = *in;
		if (c == ' ' || c == '-' || c == '\t' || c == '.' || c == '\r' ||
		    c == '\n')
			continue;
		if (c >= 'A' && c <= 'Z')
			c += 'a' - 'A';
		if (c == 'o')
			c = '0';
		else if (c == 'i' || c == 'l')
			c = '1';
		if (o + 1 >= n)
			return -1;
		out[o++] = c;
	}
	if (n == 0)
		return -1;
	out[o] = '\0';
	return 0;
}

/*
 * password_verify_as: password_verify for a password whose hash PHC is of
 * kind TEMP (users.password_temp): a temporary password hashed in its
 * normal form (PASSWORD_TEMP_NORMAL) is compared in that form, so case,
 * spaces and hyphens do not matter; others as typed (temporary passwords
 * of before keep working). The same work either way.
 */
int
password_verify_as(const char *phc, int temp, const char *pw)
{
	char norm[PASSWORD_MAX + 1];
	int ok;

	if (temp != PASSWORD_TEMP_NORMAL)
		return password_verify(phc, pw);
	if (password_temp_normal(pw, norm, sizeof norm) == -1) {
		password_burn(pw);
		return 0;
	}
	ok = password_verify(phc, norm);
	explicit_bzero(norm, sizeof norm);
	return ok;
}

/* password_hash_temp: password_hash of a temporary password's normal form. 0, or -1. */
int
password_hash_temp(const char *temp, char out[PASSWORD_HASH_MAX])
{
	char norm[PASSWORD_MAX + 1];
	int rc;

	if (password_temp_normal(temp, norm, sizeof norm) == -1)
		return -1;
	rc = password_hash(norm, out);
	explicit_bzero(norm, sizeof norm);
	return rc;
}
