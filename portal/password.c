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

/* Readable alphabet: no 0 O o 1 l I. */
static const char temp_alphabet[] =
    "abcdefghijkmnpqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789";

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
 * A temporary password: four groups of four characters from a readable
 * alphabet joined by '-', e.g. "Kx7m-RtQ2-..."; caller frees. Never NULL:
 * a CSPRNG that fails is no state to hand out passwords in, so it stops.
 */
char *
password_temporary(void)
{
	const size_t nalpha = sizeof(temp_alphabet) - 1;
	const unsigned limit = 256 - 256 % nalpha;	/* no modulo bias */
	uint8_t rnd[64];
	char *out;
	size_t i, o;

	out = xmalloc(20);
	do {
		o = 0;
		while (o < 19) {
			if (crypto_random(rnd, sizeof(rnd)) == -1)
				fatal("the random generator failed");
			for (i = 0; i < sizeof(rnd) && o < 19; i++) {
				if (rnd[i] >= limit)
					continue;
				if (o % 5 == 4)
					out[o++] = '-';
				out[o++] = temp_alphabet[rnd[i] % nalpha];
			}
		}
		out[19] = '\0';
	} while (password_problem(out, NULL) != NULL);
	explicit_bzero(rnd, sizeof(rnd));
	return out;
}
