/* test_password.c: unit test for password.c (argon2id, the password rules, temporary passwords). */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "portal.h"

#include "check.h"

static void
test_hash(void)
{
	char h1[PASSWORD_HASH_MAX], h2[PASSWORD_HASH_MAX];

	CHECK(password_hash("correct horse battery staple", h1) == 0);
	CHECK(str_has_prefix(h1, "$argon2id$v=19$m=19456,t=2,p=1$"));
	CHECK(password_verify(h1, "correct horse battery staple") == 1);
	CHECK(password_verify(h1, "correct horse battery stapl") == 0);
	CHECK(password_verify(h1, "Correct horse battery staple") == 0);
	CHECK(password_verify(h1, "") == 0);
	CHECK(password_verify(h1, NULL) == 0);
	CHECK(password_verify(NULL, "x") == 0);
	CHECK(password_verify("", "x") == 0);
	CHECK(password_verify("garbage", "x") == 0);
	CHECK(password_verify("$argon2id$v=19$m=19456,t=2,p=1$xx$yy", "x") == 0);
	CHECK(password_verify("$argon2i$v=19$m=19456,t=2,p=1$a2x1aXMtYnVybi1zYWx0IQ$"
	    "MfoLQ7fN5lW8Syw9OuVonL8Pn0Ff+H3nNi83o/VzQD0", "x") == 0);

	/* fresh salt each time */
	CHECK(password_hash("correct horse battery staple", h2) == 0);
	CHECK(strcmp(h1, h2) != 0);
	CHECK(password_verify(h2, "correct horse battery staple") == 1);

	/* UTF-8 passwords are bytes to argon2 */
	CHECK(password_hash("wachtw\xc3\xb6\xc3\xb6rd-\xe2\x82\xac", h1) == 0);
	CHECK(password_verify(h1, "wachtw\xc3\xb6\xc3\xb6rd-\xe2\x82\xac") == 1);

	password_burn("whatever");
	password_burn(NULL);
}

static void
test_rules(void)
{
	static const struct {
		const char	*pw;
		const char	*email;
		const char	*want;	/* NULL: acceptable */
	} v[] = {
		{ "", NULL, "pw.short" },
		{ "short", NULL, "pw.short" },
		{ "elevenchars", NULL, "pw.short" },		/* 11 */
		{ "twelve chars", NULL, NULL },			/* 12 */
		{ "zeebries-kat", NULL, NULL },
		/* 11 code points in 22 bytes is still short */
		{ "\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9"
		  "\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9", NULL, "pw.short" },
		/* 12 of them is fine */
		{ "\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9"
		  "\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9", NULL, NULL },
		/* invalid UTF-8 and control characters */
		{ "twelve chars\xff", NULL, "pw.invalid" },
		{ "twelve chars\xc3", NULL, "pw.invalid" },
		{ "twelve \xc0\xa0 chars", NULL, "pw.invalid" },	/* overlong */
		{ "twelve \xed\xa0\x80 chars", NULL, "pw.invalid" }, /* surrogate */
		{ "twelve \xf4\x90\x80\x80 chars", NULL, "pw.invalid" },
		{ "twelve\tchars!", NULL, "pw.invalid" },
		{ "twelve\nchars!", NULL, "pw.invalid" },
		{ "twelve\x7f" "chars!", NULL, "pw.invalid" },
		{ "twelve\xc2\x85" "chars!", NULL, "pw.invalid" },	/* C1 NEL */
		{ "twelve \xf0\x9f\x94\x91 chars", NULL, NULL },	/* emoji */
		/* common passwords */
		{ "password1234", NULL, "pw.common" },
		{ "Password1234!", NULL, "pw.common" },
		{ "PASSWORD!!!!!!!!", NULL, "pw.common" },
		{ "sunshine12345", NULL, "pw.common" },
		{ "qwertyuiop123", NULL, "pw.common" },
		{ "123456789012", NULL, NULL },		/* not on the list */
		{ "1234567890123", NULL, NULL },
		{ "password1234x", NULL, NULL },	/* trailing letter */
		/* email */
		{ "jan.jansen@example.nl", "jan.jansen@example.nl", "pw.email" },
		{ "Jan.Jansen@Example.NL", "jan.jansen@example.nl", "pw.email" },
		{ "jan.jansen.nl", "jan.jansen.nl@example.nl", "pw.email" },
		{ "JAN.JANSEN.NL", "jan.jansen.nl@example.nl", "pw.email" },
		{ "jan.jansen.nl!", "jan.jansen.nl@example.nl", NULL },
		{ "jan.jansen@example.nl", "piet@example.nl", NULL },
		{ NULL, NULL, "pw.invalid" },
	};
	char long_pw[PASSWORD_MAX + 2];
	const char *got;
	size_t i;

	for (i = 0; i < sizeof(v) / sizeof(v[0]); i++) {
		got = password_problem(v[i].pw, v[i].email);
		if ((got == NULL) != (v[i].want == NULL) ||
		    (got != NULL && strcmp(got, v[i].want) != 0)) {
			printf("FAIL password_problem(row %zu \"%s\") = %s, "
			    "want %s\n", i, v[i].pw ? v[i].pw : "(null)",
			    got ? got : "NULL", v[i].want ? v[i].want : "NULL");
			failures++;
		}
	}
	memset(long_pw, 'x', sizeof(long_pw));
	long_pw[PASSWORD_MAX] = '\0';
	CHECK(password_problem(long_pw, NULL) == NULL);		/* 128 */
	long_pw[PASSWORD_MAX] = 'y';
	long_pw[PASSWORD_MAX + 1] = '\0';
	got = password_problem(long_pw, NULL);
	CHECK(got != NULL && strcmp(got, "pw.long") == 0);	/* 129 */
}

static void
test_temporary(void)
{
	char *p[20], norm[64], typed[64], hash[PASSWORD_HASH_MAX];
	size_t i, j;

	for (i = 0; i < 20; i++) {
		p[i] = password_temporary();
		CHECK(p[i] != NULL);
		CHECK(strlen(p[i]) == 19);
		for (j = 0; j < 19; j++) {
			if (j % 5 == 4)
				CHECK(p[i][j] == '-');
			else	/* Crockford's base32: no i, l, o, u; lower case */
				CHECK(strchr("0123456789abcdefghjkmnpqrstvwxyz",
				    p[i][j]) != NULL);
		}
		CHECK(strpbrk(p[i], "ilouILOU") == NULL);
		for (j = 0; j < i; j++)
			CHECK(strcmp(p[i], p[j]) != 0);
	}
	/* The normal form: no spaces or hyphens, lower case, o 0, i and l 1. */
	CHECK(password_temp_normal("  7KX2-m9rt EFGH-jkmn\n", norm,
	    sizeof norm) == 0 && strcmp(norm, "7kx2m9rtefghjkmn") == 0);
	CHECK(password_temp_normal("OoIiLl", norm, sizeof norm) == 0 &&
	    strcmp(norm, "001111") == 0);
	CHECK(password_temp_normal("abcdefgh", norm, 4) == -1);
	/* Hashed in its normal form: typed in capitals, without hyphens, works. */
	CHECK(password_hash_temp(p[0], hash) == 0);
	for (i = j = 0; p[0][i] != '\0'; i++)
		if (p[0][i] != '-')
			typed[j++] = (char)toupper((unsigned char)p[0][i]);
	typed[j] = '\0';
	CHECK(password_verify_as(hash, PASSWORD_TEMP_NORMAL, typed) == 1);
	CHECK(password_verify_as(hash, PASSWORD_TEMP_NORMAL, p[0]) == 1);
	CHECK(password_verify_as(hash, PASSWORD_TEMP_NORMAL, p[1]) == 0);
	CHECK(password_verify_as(hash, 1, typed) == 0);	/* as typed: no */
	/* A temporary password of before (hashed as mailed) keeps working. */
	CHECK(password_hash("Kx7m-RtQ2-abcd-EFGH", hash) == 0);
	CHECK(password_verify_as(hash, 1, "Kx7m-RtQ2-abcd-EFGH") == 1);
	for (i = 0; i < 20; i++)
		free(p[i]);
}

int
main(void)
{
	const char *share = getenv("KLUIS_SHARE");
	char *path;

	path = xasprintf("%s/data/common-passwords.txt", share ? share : ".");
	if (password_blocklist_load(path) == -1) {
		printf("FAIL cannot load %s (set KLUIS_SHARE)\n", path);
		return 1;
	}
	CHECK(password_blocklist_load("/nonexistent/list.txt") == -1);
	free(path);
	test_hash();
	test_rules();
	test_temporary();
	if (failures)
		printf("test_password: %d failure(s)\n", failures);
	else
		printf("test_password: ok\n");
	return check_done();
}
