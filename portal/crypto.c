/* kluis: OpenSSL random, hashes, constant-time compare, MACs and sealed secrets. */
#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/rand.h>

#include "portal.h"

#define KEY_LEN		32
#define SEAL_VERSION	1
#define SEAL_NONCE	12
#define SEAL_TAG	16
#define SEAL_OVERHEAD	(1 + SEAL_NONCE + SEAL_TAG)

static uint8_t	master_key[KEY_LEN];
static uint8_t	seal_key[KEY_LEN];
static int	have_key;

static void	derive(const char *, const char *, uint8_t out[KEY_LEN]);
static int	key_read(int, const char *, uint8_t out[KEY_LEN]);
static void	need_key(void);

/* RAND_bytes into p; 0, or -1 when the CSPRNG fails. */
int
crypto_random(void *p, size_t n)
{
	uint8_t *b = p;

	while (n > 0) {
		int chunk = n > 1 << 20 ? 1 << 20 : (int)n;

		if (RAND_bytes(b, chunk) != 1)
			return -1;
		b += chunk;
		n -= (size_t)chunk;
	}
	return 0;
}

/* SHA-256 of n bytes into out. */
void
crypto_sha256(const void *p, size_t n, uint8_t out[32])
{
	if (EVP_Digest(p, n, out, NULL, EVP_sha256(), NULL) != 1)
		fatal("crypto: EVP_Digest failed");
}

/* Lowercase hex of n bytes; out holds 2n+1 and is NUL-terminated. */
void
crypto_hex(const uint8_t *p, size_t n, char *out)
{
	static const char digits[] = "0123456789abcdef";
	size_t i;

	for (i = 0; i < n; i++) {
		out[2 * i] = digits[p[i] >> 4];
		out[2 * i + 1] = digits[p[i] & 0xf];
	}
	out[2 * n] = '\0';
}

/* crypto_hexval: the value of hex digit C (either case), or -1. */
int
crypto_hexval(int c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/* Exactly 2n hex digits (either case) into n bytes; 0, or -1. */
int
crypto_unhex(const char *s, uint8_t *out, size_t n)
{
	size_t i;
	int hi, lo;

	if (s == NULL || strlen(s) != 2 * n)
		return -1;
	for (i = 0; i < n; i++) {
		if ((hi = crypto_hexval((unsigned char)s[2 * i])) < 0 ||
		    (lo = crypto_hexval((unsigned char)s[2 * i + 1])) < 0)
			return -1;
		out[i] = (uint8_t)(hi << 4 | lo);
	}
	return 0;
}

/* Constant-time comparison of n bytes; 1 when equal. */
int
crypto_equal(const void *a, const void *b, size_t n)
{
	return CRYPTO_memcmp(a, b, n) == 0;
}

/*
 * Compare two strings without leaking where they differ: the digests are
 * compared, so the time depends on the lengths only.  NULL is never equal.
 */
int
crypto_streq(const char *a, const char *b)
{
	uint8_t da[32], db[32];

	if (a == NULL || b == NULL)
		return 0;
	crypto_sha256(a, strlen(a), da);
	crypto_sha256(b, strlen(b), db);
	return CRYPTO_memcmp(da, db, sizeof(da)) == 0;
}

/* nbytes random bytes as lowercase hex; caller frees.  NULL when the CSPRNG fails. */
char *
crypto_token(size_t nbytes)
{
	uint8_t *raw;
	char *hex;

	raw = xmalloc(nbytes ? nbytes : 1);
	if (crypto_random(raw, nbytes) == -1) {
		free(raw);
		return NULL;
	}
	hex = xmalloc(2 * nbytes + 1);
	crypto_hex(raw, nbytes, hex);
	OPENSSL_cleanse(raw, nbytes);
	free(raw);
	return hex;
}

/* HMAC-SHA256(key, prefix || label): a subkey for one purpose. */
static void
derive(const char *prefix, const char *label, uint8_t out[KEY_LEN])
{
	char *info;
	unsigned int len = KEY_LEN;

	info = xasprintf("kluis/%s/%s", prefix, label);
	if (HMAC(EVP_sha256(), master_key, KEY_LEN, (const uint8_t *)info,
	    strlen(info), out, &len) == NULL || len != KEY_LEN)
		fatal("crypto: HMAC failed");
	free(info);
}

static void
need_key(void)
{
	if (!have_key)
		fatal("crypto: master key not loaded");
}

/* Read exactly KEY_LEN bytes from an open key file after checking it. */
static int
key_read(int fd, const char *path, uint8_t out[KEY_LEN])
{
	struct stat st;
	size_t got = 0;
	ssize_t r;

	if (fstat(fd, &st) == -1) {
		logmsg("crypto: %s: fstat: %s", path, strerror(errno));
		return -1;
	}
	if (!S_ISREG(st.st_mode)) {
		logmsg("crypto: %s: not a regular file", path);
		return -1;
	}
	if (st.st_mode & (S_IRWXG | S_IRWXO)) {
		logmsg("crypto: %s: group or other may access it (mode %03o), "
		    "chmod 600", path, (unsigned)(st.st_mode & 0777));
		return -1;
	}
	if (st.st_size != KEY_LEN) {
		logmsg("crypto: %s: must be exactly %d bytes", path, KEY_LEN);
		return -1;
	}
	while (got < KEY_LEN) {
		r = read(fd, out + got, KEY_LEN - got);
		if (r == -1 && errno == EINTR)
			continue;
		if (r <= 0) {
			logmsg("crypto: %s: short read", path);
			return -1;
		}
		got += (size_t)r;
	}
	return 0;
}

/*
 * Load the 32-byte master key from path, creating it (mode 0600, from the
 * CSPRNG) when missing.  Refuses a file of the wrong size or one that group
 * or other may access.  0, or -1 (logged).
 */
int
crypto_key_load(const char *path)
{
	uint8_t fresh[KEY_LEN];
	size_t off = 0;
	ssize_t w;
	int fd, rc = -1;

	fd = open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
	if (fd == -1 && errno == ENOENT) {
		fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW |
		    O_CLOEXEC, 0600);
		if (fd == -1 && errno == EEXIST)
			return crypto_key_load(path);	/* lost a race */
		if (fd == -1) {
			logmsg("crypto: %s: create: %s", path, strerror(errno));
			return -1;
		}
		if (crypto_random(fresh, sizeof(fresh)) == -1) {
			logmsg("crypto: RAND_bytes failed");
			goto bad_new;
		}
		while (off < sizeof(fresh)) {
			w = write(fd, fresh + off, sizeof(fresh) - off);
			if (w == -1 && errno == EINTR)
				continue;
			if (w <= 0) {
				logmsg("crypto: %s: write: %s", path,
				    strerror(errno));
				goto bad_new;
			}
			off += (size_t)w;
		}
		if (fsync(fd) == -1) {
			logmsg("crypto: %s: fsync: %s", path, strerror(errno));
			goto bad_new;
		}
		logmsg("crypto: created master key %s", path);
		rc = 0;
		goto done;
 bad_new:
		(void)unlink(path);
		goto done;
	}
	if (fd == -1) {
		logmsg("crypto: %s: open: %s", path, strerror(errno));
		return -1;
	}
	rc = key_read(fd, path, fresh);
 done:
	close(fd);
	if (rc == 0) {
		memcpy(master_key, fresh, KEY_LEN);
		have_key = 1;
		derive("seal", "v1", seal_key);
	}
	OPENSSL_cleanse(fresh, sizeof(fresh));
	return rc;
}

/*
 * HMAC-SHA256 of n bytes under a subkey derived from the master key and
 * label, so MACs for different purposes never collide.
 */
void
crypto_mac(const char *label, const void *p, size_t n, uint8_t out[32])
{
	uint8_t sub[KEY_LEN];
	unsigned int len = 32;

	need_key();
	derive("mac", label, sub);
	if (HMAC(EVP_sha256(), sub, KEY_LEN, p, n, out, &len) == NULL ||
	    len != 32)
		fatal("crypto: HMAC failed");
	OPENSSL_cleanse(sub, sizeof(sub));
}

/*
 * AES-256-GCM under the seal subkey: version byte || 12-byte nonce ||
 * ciphertext || 16-byte tag (the version byte is authenticated too).
 * Caller frees; NULL on failure.
 */
uint8_t *
crypto_seal(const void *p, size_t n, size_t *outlen)
{
	EVP_CIPHER_CTX *ctx = NULL;
	uint8_t *out = NULL, *nonce, *ct;
	int len;

	need_key();
	if (n > INT32_MAX - SEAL_OVERHEAD)
		return NULL;
	out = xmalloc(n + SEAL_OVERHEAD);
	out[0] = SEAL_VERSION;
	nonce = out + 1;
	ct = nonce + SEAL_NONCE;
	if (crypto_random(nonce, SEAL_NONCE) == -1)
		goto fail;
	if ((ctx = EVP_CIPHER_CTX_new()) == NULL)
		goto fail;
	if (EVP_EncryptInit_ex(ctx, EVP_aes_256_gcm(), NULL, seal_key,
	    nonce) != 1)
		goto fail;
	if (EVP_EncryptUpdate(ctx, NULL, &len, out, 1) != 1)
		goto fail;
	if (n > 0 && EVP_EncryptUpdate(ctx, ct, &len, p, (int)n) != 1)
		goto fail;
	if (EVP_EncryptFinal_ex(ctx, ct + n, &len) != 1)
		goto fail;
	if (EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_GCM_GET_TAG, SEAL_TAG,
	    ct + n) != 1)
		goto fail;
	EVP_CIPHER_CTX_free(ctx);
	*outlen = n + SEAL_OVERHEAD;
	return out;
 fail:
	EVP_CIPHER_CTX_free(ctx);
	OPENSSL_cleanse(out, n + SEAL_OVERHEAD);
	free(out);
	return NULL;
}

/*
 * Verify and decrypt what crypto_seal made.  Returns the plaintext (one
 * extra NUL byte after it, not counted in *outlen); caller frees.  NULL when
 * anything is wrong: version, length, key, tampering.
 */
uint8_t *
crypto_open(const void *p, size_t n, size_t *outlen)
{
	EVP_CIPHER_CTX *ctx = NULL;
	const uint8_t *in = p, *nonce, *ct;
	uint8_t *out = NULL, tag[SEAL_TAG];
	size_t ctlen;
	int len;

	need_key();
	if (p == NULL || n < SEAL_OVERHEAD || n > INT32_MAX ||
	    in[0] != SEAL_VERSION)
		return NULL;
	nonce = in + 1;
	ct = nonce + SEAL_NONCE;
	ctlen = n - SEAL_OVERHEAD;
	memcpy(tag, ct + ctlen, SEAL_TAG);
	out = xmalloc(ctlen + 1);
	if ((ctx = EVP_CIPHER_CTX_new()) == NULL)
		goto fail;
	if (EVP_DecryptInit_ex(ctx, EVP_aes_256_gcm(), NULL, seal_key,
	    nonce) != 1)
		goto fail;
	if (EVP_DecryptUpdate(ctx, NULL, &len, in, 1) != 1)
		goto fail;
	if (ctlen > 0 && EVP_DecryptUpdate(ctx, out, &len, ct,
	    (int)ctlen) != 1)
		goto fail;
	if (EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_GCM_SET_TAG, SEAL_TAG,
	    tag) != 1)
		goto fail;
	if (EVP_DecryptFinal_ex(ctx, out + ctlen, &len) != 1)
		goto fail;
	EVP_CIPHER_CTX_free(ctx);
	out[ctlen] = '\0';
	*outlen = ctlen;
	return out;
 fail:
	EVP_CIPHER_CTX_free(ctx);
	OPENSSL_cleanse(out, ctlen + 1);
	free(out);
	return NULL;
}
