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

/*
 * A key: the 32 bytes of the key file and the subkey sealing secrets. The
 * current key seals and opens; during a rotation the next key seals what
 * the current one opened (crypto_reseal). Keyed hashes (crypto_mac) are
 * made under the hashing key, which the database keeps sealed, so that
 * they outlive a rotation: the codes they check are not stored anywhere.
 * Until one is set, the hashing key is the key file's (as databases made
 * before it existed have it).
 */
struct key {
	uint8_t	master[KEY_LEN];
	uint8_t	seal[KEY_LEN];
	int	loaded;
};
static struct key	cur, next;
static uint8_t		mac_root[KEY_LEN];
static int		have_mac_root;
static int		key_confirmed;

static void	derive(const uint8_t *, const char *, const char *,
		    uint8_t out[KEY_LEN]);
static int	key_read(int, const char *, uint8_t out[KEY_LEN]);
static int	key_file(const char *, int create, struct key *);
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

/* HMAC-SHA256(KEY, "kluis/" prefix "/" label): a subkey for one purpose. */
static void
derive(const uint8_t *key, const char *prefix, const char *label,
    uint8_t out[KEY_LEN])
{
	char *info;
	unsigned int len = KEY_LEN;

	info = xasprintf("kluis/%s/%s", prefix, label);
	if (HMAC(EVP_sha256(), key, KEY_LEN, (const uint8_t *)info,
	    strlen(info), out, &len) == NULL || len != KEY_LEN)
		fatal("crypto: HMAC failed");
	free(info);
}

static void
need_key(void)
{
	if (!cur.loaded)
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
		logmsg(LOG_ERR, "crypto: %s: fstat: %s", path, strerror(errno));
		return -1;
	}
	if (!S_ISREG(st.st_mode)) {
		logmsg(LOG_ERR, "crypto: %s: not a regular file", path);
		return -1;
	}
	if (st.st_mode & (S_IRWXG | S_IRWXO)) {
		logmsg(LOG_ERR,
		    "crypto: %s: group or other may access it (mode %03o), "
		    "chmod 600", path, (unsigned)(st.st_mode & 0777));
		return -1;
	}
	if (st.st_size != KEY_LEN) {
		logmsg(LOG_ERR,
		    "crypto: %s: must be exactly %d bytes", path, KEY_LEN);
		return -1;
	}
	while (got < KEY_LEN) {
		r = read(fd, out + got, KEY_LEN - got);
		if (r == -1 && errno == EINTR)
			continue;
		if (r <= 0) {
			logmsg(LOG_ERR, "crypto: %s: short read", path);
			return -1;
		}
		got += (size_t)r;
	}
	return 0;
}

/* A new key file at PATH (mode 0600, from the CSPRNG) into FRESH; 0, or -1. */
static int
key_new(const char *path, uint8_t fresh[KEY_LEN])
{
	size_t off = 0;
	ssize_t w;
	int fd;

	fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC,
	    0600);
	if (fd == -1) {
		int e = errno;

		logmsg(LOG_ERR,
		    "crypto: %s: create: %s", path, strerror(errno));
		errno = e;
		return -1;
	}
	if (crypto_random(fresh, KEY_LEN) == -1) {
		logmsg(LOG_ERR, "crypto: RAND_bytes failed");
		goto bad;
	}
	while (off < KEY_LEN) {
		w = write(fd, fresh + off, KEY_LEN - off);
		if (w == -1 && errno == EINTR)
			continue;
		if (w <= 0) {
			logmsg(LOG_ERR, "crypto: %s: write: %s", path, w == -1 ?
			    strerror(errno) : "short write");
			goto bad;
		}
		off += (size_t)w;
	}
	if (fsync(fd) == -1) {
		logmsg(LOG_ERR, "crypto: %s: fsync: %s", path, strerror(errno));
		goto bad;
	}
	close(fd);
	fsync_parent(path);
	logmsg(LOG_INFO, "crypto: created key file %s", path);
	return 0;
 bad:
	if (fd != -1)
		close(fd);
	(void)unlink(path);
	OPENSSL_cleanse(fresh, KEY_LEN);
	return -1;
}

/*
 * The key file PATH into K; with CREATE a new one is made (it must not
 * exist). 0, 1 when it does not exist (and CREATE is 0; nothing logged),
 * or -1 (logged). K is unchanged unless 0 is returned.
 */
static int
key_file(const char *path, int create, struct key *k)
{
	uint8_t fresh[KEY_LEN];
	int fd, rc;

	if (create)
		rc = key_new(path, fresh);
	else {
		fd = open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
		if (fd == -1 && errno == ENOENT)
			return 1;
		if (fd == -1) {
			logmsg(LOG_ERR,
			    "crypto: %s: open: %s", path, strerror(errno));
			return -1;
		}
		rc = key_read(fd, path, fresh);
		close(fd);
	}
	if (rc == 0) {
		memcpy(k->master, fresh, KEY_LEN);
		derive(k->master, "seal", "v1", k->seal);
		k->loaded = 1;
	}
	OPENSSL_cleanse(fresh, sizeof(fresh));
	return rc;
}

/*
 * The key file PATH (CREATE: made new) becomes the key, still to be
 * confirmed.
 */
static int
key_take(const char *path, int create)
{
	int rc = key_file(path, create, &cur);

	if (rc == 0)
		key_confirmed = 0;
	return rc;
}

/*
 * crypto_key_read: make the key file PATH the key. 0; 1 when there is no
 * such file (nothing logged, nothing created); -1 when it cannot be used
 * (logged: unreadable, wrong size, group or other may access it). A
 * failure keeps the key loaded before.
 */
int
crypto_key_read(const char *path)
{
	return key_take(path, 0);
}

/* crypto_key_create: a new key file PATH (it must not exist) becomes the key. 0, or -1 (logged). */
int
crypto_key_create(const char *path)
{
	return key_take(path, 1);
}

/*
 * crypto_key_load: crypto_key_read, creating the file (mode 0600, from the
 * CSPRNG) when it is missing. For tests; the program decides with the
 * database (custody.c). 0, or -1 (logged).
 */
int
crypto_key_load(const char *path)
{
	int rc = crypto_key_read(path);

	if (rc == 1 && (rc = crypto_key_create(path)) == -1 && errno == EEXIST)
		rc = crypto_key_read(path);	/* lost a race */
	return rc;
}

static void
fingerprint(const struct key *k, char out[65])
{
	uint8_t fp[KEY_LEN];

	derive(k->master, "fingerprint", "v1", fp);
	crypto_hex(fp, sizeof fp, out);
}

/*
 * crypto_key_fingerprint: what the database records of the key: a MAC of a
 * fixed label under it, as 64 hex digits into OUT. It tells keys apart and
 * reveals nothing of them.
 */
void
crypto_key_fingerprint(char out[65])
{
	need_key();
	fingerprint(&cur, out);
}

/*
 * crypto_key_file_fingerprint: the fingerprint of the key file PATH, which
 * does not become the key. 0, 1 when there is no such file, -1 (logged).
 */
int
crypto_key_file_fingerprint(const char *path, char out[65])
{
	struct key k;
	int rc;

	memset(&k, 0, sizeof k);
	if ((rc = key_file(path, 0, &k)) == 0)
		fingerprint(&k, out);
	OPENSSL_cleanse(&k, sizeof k);
	return rc;
}

/*
 * crypto_key_confirm: the loaded key is (OK 1) or is not the database's.
 * crypto_key_ok: 1 when a key is loaded and was confirmed: what a
 * readiness check asks.
 */
void
crypto_key_confirm(int ok)
{
	key_confirmed = ok && cur.loaded;
}

int
crypto_key_ok(void)
{
	return cur.loaded && key_confirmed;
}

/*
 * crypto_key_next: for a rotation, the key file PATH becomes the next key:
 * made new when CREATE (it must not exist), else read. crypto_reseal moves
 * secrets from the current key to it; crypto_key_promote makes it the
 * current one. 0, or -1 (logged; 1 when PATH does not exist and not CREATE).
 */
int
crypto_key_next(const char *path, int create)
{
	return key_file(path, create, &next);
}

/* crypto_key_next_fingerprint: crypto_key_fingerprint of the next key. */
void
crypto_key_next_fingerprint(char out[65])
{
	if (!next.loaded)
		fatal("crypto: no next key");
	fingerprint(&next, out);
}

/* crypto_key_promote: the next key becomes the key. */
void
crypto_key_promote(void)
{
	if (!next.loaded)
		fatal("crypto: no next key");
	cur = next;
	OPENSSL_cleanse(&next, sizeof next);
	key_confirmed = 1;
}

/*
 * crypto_mac_key_fresh: a new random hashing key (for a new database).
 * crypto_mac_key_open: the hashing key from what crypto_mac_key_sealed
 * made. crypto_mac_key_sealed: the hashing key sealed under the key (the
 * key file's own bytes until one was set); caller frees. 0 / NULL on
 * failure.
 */
int
crypto_mac_key_fresh(void)
{
	if (crypto_random(mac_root, sizeof mac_root) == -1)
		return -1;
	have_mac_root = 1;
	return 0;
}

int
crypto_mac_key_open(const void *sealed, size_t n)
{
	uint8_t *k;
	size_t len;

	if ((k = crypto_open(sealed, n, &len)) == NULL)
		return -1;
	if (len != KEY_LEN) {
		OPENSSL_cleanse(k, len);
		free(k);
		return -1;
	}
	memcpy(mac_root, k, KEY_LEN);
	have_mac_root = 1;
	OPENSSL_cleanse(k, len);
	free(k);
	return 0;
}

uint8_t *
crypto_mac_key_sealed(size_t *outlen)
{
	need_key();
	return crypto_seal(have_mac_root ? mac_root : cur.master, KEY_LEN,
	    outlen);
}

/*
 * HMAC-SHA256 of n bytes under a subkey derived from the hashing key and
 * label, so MACs for different purposes never collide.
 */
void
crypto_mac(const char *label, const void *p, size_t n, uint8_t out[32])
{
	uint8_t sub[KEY_LEN];
	unsigned int len = 32;

	need_key();
	derive(have_mac_root ? mac_root : cur.master, "mac", label, sub);
	if (HMAC(EVP_sha256(), sub, KEY_LEN, p, n, out, &len) == NULL ||
	    len != 32)
		fatal("crypto: HMAC failed");
	OPENSSL_cleanse(sub, sizeof(sub));
}

/*
 * AES-256-GCM under K's seal subkey: version byte || 12-byte nonce ||
 * ciphertext || 16-byte tag (the version byte is authenticated too).
 */
static uint8_t *
seal_with(const struct key *k, const void *p, size_t n, size_t *outlen)
{
	EVP_CIPHER_CTX *ctx = NULL;
	uint8_t *out = NULL, *nonce, *ct;
	int len;

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
	if (EVP_EncryptInit_ex(ctx, EVP_aes_256_gcm(), NULL, k->seal,
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

static uint8_t *
open_with(const struct key *k, const void *p, size_t n, size_t *outlen)
{
	EVP_CIPHER_CTX *ctx = NULL;
	const uint8_t *in = p, *nonce, *ct;
	uint8_t *out = NULL, tag[SEAL_TAG];
	size_t ctlen;
	int len;

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
	if (EVP_DecryptInit_ex(ctx, EVP_aes_256_gcm(), NULL, k->seal,
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

/* crypto_seal: P sealed under the key (see seal_with). Caller frees; NULL on failure. */
uint8_t *
crypto_seal(const void *p, size_t n, size_t *outlen)
{
	need_key();
	return seal_with(&cur, p, n, outlen);
}

/*
 * Verify and decrypt what crypto_seal made.  Returns the plaintext (one
 * extra NUL byte after it, not counted in *outlen); caller frees.  NULL when
 * anything is wrong: version, length, key, tampering.
 */
uint8_t *
crypto_open(const void *p, size_t n, size_t *outlen)
{
	need_key();
	return open_with(&cur, p, n, outlen);
}

/*
 * crypto_reseal: what crypto_seal made under the key, sealed under the next
 * key (crypto_key_next). Caller frees; NULL when it does not open.
 */
uint8_t *
crypto_reseal(const void *p, size_t n, size_t *outlen)
{
	uint8_t *plain, *out;
	size_t len;

	need_key();
	if (!next.loaded)
		fatal("crypto: no next key");
	if ((plain = open_with(&cur, p, n, &len)) == NULL)
		return NULL;
	out = seal_with(&next, plain, len, outlen);
	OPENSSL_cleanse(plain, len);
	free(plain);
	return out;
}
