/* test_crypto.c: unit test for crypto.c (sealing, tampering, key file handling, fingerprints, rotation, comparisons). */
#define _GNU_SOURCE	/* memmem */
#include <sys/stat.h>

#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "portal.h"

#include "check.h"

static void
put_file(const char *path, const void *p, size_t n, int mode)
{
	int fd;

	unlink(path);
	fd = open(path, O_WRONLY | O_CREAT | O_EXCL, mode);
	if (fd == -1 || write(fd, p, n) != (ssize_t)n)
		fatal("cannot write %s", path);
	fchmod(fd, (mode_t)mode);
	close(fd);
}

static void
test_basics(void)
{
	uint8_t a[32], b[32], h[32], raw[4] = { 0x00, 0x7f, 0xab, 0xff };
	char hex[65], *t1, *t2;

	CHECK(crypto_random(a, sizeof(a)) == 0);
	CHECK(crypto_random(b, sizeof(b)) == 0);
	CHECK(memcmp(a, b, sizeof(a)) != 0);
	CHECK(crypto_equal(a, a, sizeof(a)) == 1);
	CHECK(crypto_equal(a, b, sizeof(a)) == 0);
	CHECK(crypto_equal(a, b, 0) == 1);

	CHECK(crypto_streq("secret", "secret") == 1);
	CHECK(crypto_streq("secret", "secreT") == 0);
	CHECK(crypto_streq("secret", "secret ") == 0);
	CHECK(crypto_streq("", "") == 1);
	CHECK(crypto_streq("", "x") == 0);
	CHECK(crypto_streq(NULL, "x") == 0);
	CHECK(crypto_streq("x", NULL) == 0);
	CHECK(crypto_streq(NULL, NULL) == 0);

	crypto_hex(raw, sizeof(raw), hex);
	CHECK(strcmp(hex, "007fabff") == 0);
	memset(b, 0, sizeof(b));
	CHECK(crypto_unhex("007FabfF", b, 4) == 0);
	CHECK(memcmp(b, raw, 4) == 0);
	CHECK(crypto_unhex("007fab", b, 4) == -1);
	CHECK(crypto_unhex("007fabff00", b, 4) == -1);
	CHECK(crypto_unhex("007fabfg", b, 4) == -1);
	CHECK(crypto_unhex(NULL, b, 4) == -1);

	crypto_sha256("abc", 3, h);
	crypto_hex(h, 32, hex);
	CHECK(strcmp(hex, "ba7816bf8f01cfea414140de5dae2223"
	    "b00361a396177a9cb410ff61f20015ad") == 0);
	crypto_sha256("", 0, h);
	crypto_hex(h, 32, hex);
	CHECK(strcmp(hex, "e3b0c44298fc1c149afbf4c8996fb924"
	    "27ae41e4649b934ca495991b7852b855") == 0);

	t1 = crypto_token(32);
	t2 = crypto_token(32);
	CHECK(t1 != NULL && t2 != NULL);
	CHECK(strlen(t1) == 64 && strspn(t1, "0123456789abcdef") == 64);
	CHECK(strcmp(t1, t2) != 0);
	free(t1);
	free(t2);
}

static void
test_keyfile(const char *dir)
{
	uint8_t m1[32], m2[32], m3[32], junk[32];
	char *path, *bad;
	struct stat st;
	uint8_t *sealed, *opened;
	size_t slen, olen;

	path = xasprintf("%s/master.key", dir);
	CHECK(crypto_key_load(path) == 0);		/* created */
	CHECK(stat(path, &st) == 0);
	CHECK((st.st_mode & 0777) == 0600);
	CHECK(st.st_size == 32);
	crypto_mac("csrf", "data", 4, m1);
	sealed = crypto_seal("totp secret", 11, &slen);
	CHECK(sealed != NULL);

	CHECK(crypto_key_load(path) == 0);		/* reloaded: same key */
	crypto_mac("csrf", "data", 4, m2);
	CHECK(memcmp(m1, m2, 32) == 0);
	crypto_mac("lookup", "data", 4, m3);		/* labels separate */
	CHECK(memcmp(m1, m3, 32) != 0);
	crypto_mac("csrf", "datb", 4, m3);
	CHECK(memcmp(m1, m3, 32) != 0);
	opened = crypto_open(sealed, slen, &olen);
	CHECK(opened != NULL && olen == 11 && memcmp(opened, "totp secret", 11) == 0);
	free(opened);

	/* refused: wrong size, readable by group/other, missing directory */
	bad = xasprintf("%s/short.key", dir);
	put_file(bad, junk, 31, 0600);
	CHECK(crypto_key_load(bad) == -1);
	free(bad);
	bad = xasprintf("%s/long.key", dir);
	put_file(bad, "0123456789012345678901234567890123", 33, 0600);
	CHECK(crypto_key_load(bad) == -1);
	free(bad);
	bad = xasprintf("%s/open.key", dir);
	put_file(bad, junk, 32, 0644);
	CHECK(crypto_key_load(bad) == -1);
	free(bad);
	bad = xasprintf("%s/nodir/x.key", dir);
	CHECK(crypto_key_load(bad) == -1);
	free(bad);

	/* a failed load keeps the key that was loaded */
	opened = crypto_open(sealed, slen, &olen);
	CHECK(opened != NULL);
	free(opened);

	/* another key cannot open it */
	bad = xasprintf("%s/other.key", dir);
	CHECK(crypto_key_load(bad) == 0);
	CHECK(crypto_open(sealed, slen, &olen) == NULL);
	crypto_mac("csrf", "data", 4, m3);
	CHECK(memcmp(m1, m3, 32) != 0);
	unlink(bad);
	free(bad);
	CHECK(crypto_key_load(path) == 0);
	opened = crypto_open(sealed, slen, &olen);
	CHECK(opened != NULL);
	free(opened);
	free(sealed);
	unlink(path);
	free(path);
}

static void
test_seal(void)
{
	const char *msg = "JBSWY3DPEHPK3PXP";
	uint8_t *s1, *s2, *o;
	size_t n1, n2, on, i, bit;
	int refused = 1;

	s1 = crypto_seal(msg, strlen(msg), &n1);
	s2 = crypto_seal(msg, strlen(msg), &n2);
	CHECK(s1 != NULL && s2 != NULL);
	CHECK(n1 == 1 + 12 + strlen(msg) + 16 && n2 == n1);
	CHECK(s1[0] == 1);
	CHECK(memcmp(s1, s2, n1) != 0);		/* fresh nonce each time */
	CHECK(memmem(s1, n1, msg, strlen(msg)) == NULL);

	o = crypto_open(s1, n1, &on);
	CHECK(o != NULL && on == strlen(msg) && strcmp((char *)o, msg) == 0);
	free(o);

	/* every single bit flip is detected */
	for (i = 0; i < n1; i++) {
		for (bit = 0; bit < 8; bit++) {
			s1[i] ^= (uint8_t)(1u << bit);
			if ((o = crypto_open(s1, n1, &on)) != NULL) {
				refused = 0;
				free(o);
			}
			s1[i] ^= (uint8_t)(1u << bit);
		}
	}
	CHECK(refused);
	CHECK(crypto_open(s1, n1 - 1, &on) == NULL);	/* truncated */
	CHECK(crypto_open(s1, 28, &on) == NULL);
	CHECK(crypto_open(s1, 0, &on) == NULL);
	CHECK(crypto_open(NULL, 0, &on) == NULL);
	o = crypto_open(s1, n1, &on);
	CHECK(o != NULL);
	free(o);
	free(s1);
	free(s2);

	/* empty plaintext */
	s1 = crypto_seal("", 0, &n1);
	CHECK(s1 != NULL && n1 == 29);
	o = crypto_open(s1, n1, &on);
	CHECK(o != NULL && on == 0 && o[0] == '\0');
	free(o);
	free(s1);
}

/*
 * The key as custody.c uses it: read without creating, fingerprints, the
 * hashing key kept apart from the key file, a rotation re-sealing under
 * the next key while keyed hashes stay the same.
 */
static void
test_custody(const char *dir)
{
	char *path, *other, *missing, fp1[65], fp2[65], fpf[65];
	uint8_t m1[32], m2[32], *sealed, *mk, *re, *o;
	size_t slen, mklen, relen, olen;
	struct stat st;

	path = xasprintf("%s/custody.key", dir);
	other = xasprintf("%s/custody.key.new", dir);
	missing = xasprintf("%s/missing.key", dir);
	CHECK(crypto_key_read(missing) == 1);		/* not there, not made */
	CHECK(stat(missing, &st) == -1);
	CHECK(crypto_key_create(path) == 0);
	CHECK(crypto_key_create(path) == -1);		/* never over a key */
	CHECK(crypto_key_read(path) == 0);
	CHECK(!crypto_key_ok());			/* not confirmed yet */
	crypto_key_confirm(1);
	CHECK(crypto_key_ok());
	crypto_key_fingerprint(fp1);
	CHECK(strlen(fp1) == 64);
	CHECK(crypto_key_file_fingerprint(path, fpf) == 0);
	CHECK(strcmp(fp1, fpf) == 0);
	CHECK(crypto_key_file_fingerprint(missing, fpf) == 1);

	/* The hashing key: the key file's bytes until one is set. */
	crypto_mac("validation", "code", 4, m1);
	mk = crypto_mac_key_sealed(&mklen);
	CHECK(mk != NULL);
	CHECK(crypto_mac_key_fresh() == 0);
	crypto_mac("validation", "code", 4, m2);
	CHECK(memcmp(m1, m2, 32) != 0);			/* a new one differs */
	CHECK(crypto_mac_key_open(mk, mklen) == 0);
	crypto_mac("validation", "code", 4, m2);
	CHECK(memcmp(m1, m2, 32) == 0);			/* the stored one is back */
	CHECK(crypto_mac_key_open("junk", 4) == -1);

	/* A rotation: what the old key sealed opens under the new one only. */
	sealed = crypto_seal("totp secret", 11, &slen);
	CHECK(crypto_key_next(other, 1) == 0);
	crypto_key_next_fingerprint(fp2);
	CHECK(strcmp(fp1, fp2) != 0);
	re = crypto_reseal(sealed, slen, &relen);
	CHECK(re != NULL);
	CHECK(crypto_reseal("junk", 4, &relen) == NULL);
	free(mk);
	mk = NULL;
	{
		uint8_t *cur = crypto_mac_key_sealed(&mklen);

		mk = crypto_reseal(cur, mklen, &mklen);
		free(cur);
	}
	crypto_key_promote();
	crypto_key_fingerprint(fpf);
	CHECK(strcmp(fpf, fp2) == 0);
	CHECK(crypto_key_ok());
	CHECK(crypto_open(sealed, slen, &olen) == NULL);
	o = crypto_open(re, relen, &olen);
	CHECK(o != NULL && olen == 11 && memcmp(o, "totp secret", 11) == 0);
	free(o);
	CHECK(crypto_mac_key_open(mk, mklen) == 0);
	crypto_mac("validation", "code", 4, m2);
	CHECK(memcmp(m1, m2, 32) == 0);			/* hashes outlive it */

	/* A failed read keeps the key in use. */
	CHECK(crypto_key_read(missing) == 1);
	o = crypto_open(re, relen, &olen);
	CHECK(o != NULL);
	free(o);
	free(sealed);
	free(re);
	free(mk);
	unlink(path);
	unlink(other);
	free(path);
	free(other);
	free(missing);
}

int
main(void)
{
	char dir[] = "/tmp/kluis-test-crypto-XXXXXX";

	if (mkdtemp(dir) == NULL)
		fatal("mkdtemp");
	test_basics();
	test_keyfile(dir);
	test_seal();
	test_custody(dir);
	{
		char *cmd = xasprintf("rm -rf '%s'", dir);

		if (system(cmd) != 0)
			printf("warning: could not remove %s\n", dir);
		free(cmd);
	}
	if (failures)
		printf("test_crypto: %d failure(s)\n", failures);
	else
		printf("test_crypto: ok\n");
	return check_done();
}
