/*
 * tls.c: the HTTPS identity (certificate chain and key) handed to GnuTLS,
 * libmicrohttpd's TLS library, per handshake, so SIGHUP can replace it
 * without a restart; and the protocol versions and suites offered.
 */
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <gnutls/abstract.h>
#include <gnutls/gnutls.h>

#include "portal.h"

#define TLS_CHAIN_MAX	8

/* A loaded identity; older ones stay allocated for sessions that use them. */
struct tls_id {
	gnutls_pcert_st	 pcert[TLS_CHAIN_MAX];
	unsigned	 npcert;
	gnutls_privkey_t key;
	struct tls_id	*older;
};

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static struct tls_id *current;

/*
 * TLS 1.2 and 1.3 only; forward-secret key exchange with AEAD suites
 * (Mozilla "intermediate"); the server's order wins.
 */
static const char priorities[] =
    "NORMAL:-VERS-ALL:+VERS-TLS1.3:+VERS-TLS1.2:"
    "-CIPHER-ALL:+AES-128-GCM:+AES-256-GCM:+CHACHA20-POLY1305:"
    "-MAC-ALL:+AEAD:-KX-ALL:+ECDHE-ECDSA:+ECDHE-RSA:+DHE-RSA:"
    "%SERVER_PRECEDENCE";

/* tls_priorities: the GnuTLS priority string for the server. */
const char *
tls_priorities(void)
{
	return priorities;
}

static int
read_all(const char *path, gnutls_datum_t *d, char *err, size_t errlen)
{
	FILE *f = fopen(path, "r");
	struct buf b = { 0 };
	char chunk[4096];
	size_t n;

	if (f == NULL) {
		snprintf(err, errlen, "cannot read %s: %s", path, strerror(errno));
		return -1;
	}
	while ((n = fread(chunk, 1, sizeof chunk, f)) > 0)
		buf_append(&b, chunk, n);
	fclose(f);
	buf_append(&b, "", 0);
	d->size = (unsigned)b.len;
	d->data = (unsigned char *)buf_steal(&b);
	return 0;
}

static void
id_free(struct tls_id *id)
{
	unsigned i;

	for (i = 0; i < id->npcert; i++)
		gnutls_pcert_deinit(&id->pcert[i]);
	if (id->key != NULL)
		gnutls_privkey_deinit(id->key);
	free(id);
}

/* 1 when KEY is the private key of CERT's public key. */
static int
key_matches(gnutls_pcert_st *cert, gnutls_privkey_t key)
{
	gnutls_pubkey_t pub;
	unsigned char a[64], b[64];
	size_t alen = sizeof a, blen = sizeof b;
	int ok = 0;

	if (gnutls_pubkey_init(&pub) < 0)
		return 0;
	if (gnutls_pubkey_import_privkey(pub, key, 0, 0) == 0 &&
	    gnutls_pubkey_get_key_id(pub, GNUTLS_KEYID_USE_SHA256, a, &alen) == 0 &&
	    gnutls_pubkey_get_key_id(cert->pubkey, GNUTLS_KEYID_USE_SHA256, b,
	    &blen) == 0)
		ok = alen == blen && memcmp(a, b, alen) == 0;
	gnutls_pubkey_deinit(pub);
	return ok;
}

/*
 * tls_load: read the PEM chain CERT and key KEY and make them the identity
 * of new handshakes. On failure the identity in use stays. 0, or -1 with
 * the reason in ERR.
 */
int
tls_load(const char *cert, const char *key, char *err, size_t errlen)
{
	gnutls_datum_t c = { 0 }, k = { 0 };
	struct tls_id *id = xcalloc(1, sizeof *id);
	int rc = -1, e;

	if (read_all(cert, &c, err, errlen) == -1 ||
	    read_all(key, &k, err, errlen) == -1)
		goto out;
	id->npcert = TLS_CHAIN_MAX;
	if ((e = gnutls_pcert_list_import_x509_raw(id->pcert, &id->npcert, &c,
	    GNUTLS_X509_FMT_PEM, 0)) < 0 || id->npcert == 0) {
		id->npcert = 0;
		snprintf(err, errlen, "%s: not a PEM certificate chain: %s", cert,
		    gnutls_strerror(e));
		goto out;
	}
	if (gnutls_privkey_init(&id->key) < 0 ||
	    (e = gnutls_privkey_import_x509_raw(id->key, &k, GNUTLS_X509_FMT_PEM,
	    NULL, 0)) < 0) {
		snprintf(err, errlen, "%s: not a PEM private key: %s", key,
		    gnutls_strerror(e));
		goto out;
	}
	if (!key_matches(&id->pcert[0], id->key)) {
		snprintf(err, errlen, "%s is not the key of the certificate in %s",
		    key, cert);
		goto out;
	}
	pthread_mutex_lock(&lock);
	id->older = current;
	current = id;
	pthread_mutex_unlock(&lock);
	id = NULL;
	rc = 0;
out:
	if (k.data != NULL)
		explicit_bzero(k.data, k.size);
	free(k.data);
	free(c.data);
	if (id != NULL)
		id_free(id);
	return rc;
}

/* GnuTLS asks for the identity at each handshake. */
static int
retrieve(gnutls_session_t s, const gnutls_datum_t *req_ca_rdn, int nreqs,
    const gnutls_pk_algorithm_t *pk_algos, int pk_algos_length,
    gnutls_pcert_st **pcert, unsigned int *pcert_length,
    gnutls_privkey_t *privkey)
{
	(void)s;
	(void)req_ca_rdn;
	(void)nreqs;
	(void)pk_algos;
	(void)pk_algos_length;
	pthread_mutex_lock(&lock);
	if (current == NULL) {
		pthread_mutex_unlock(&lock);
		return -1;
	}
	*pcert = current->pcert;
	*pcert_length = current->npcert;
	*privkey = current->key;
	pthread_mutex_unlock(&lock);
	return 0;
}

/* tls_callback: the function for MHD_OPTION_HTTPS_CERT_CALLBACK. */
void *
tls_callback(void)
{
	return (void *)retrieve;
}

/* tls_free: forget every identity (after the server stopped). */
void
tls_free(void)
{
	struct tls_id *id, *older;

	pthread_mutex_lock(&lock);
	for (id = current; id != NULL; id = older) {
		older = id->older;
		id_free(id);
	}
	current = NULL;
	pthread_mutex_unlock(&lock);
}
