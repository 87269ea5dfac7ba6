/*
 * custody.c: the key and the database belong together. The database
 * records the key's fingerprint; a command finding sealed data and a
 * missing or different key refuses to run; a key is made only for a
 * database that holds nothing made with a key. "kluis key rotate".
 */
#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "portal.h"

#define FP_SHOWN	16	/* hex digits of a fingerprint shown to people */

static int
exists(const char *path)
{
	struct stat st;

	return lstat(path, &st) == 0;
}

static char *
db_file(void)
{
	return xasprintf("%s/kluis.db", cfg.data);
}

/* The database's fingerprint into FP: 1, 0 when none is recorded, -1. */
static int
recorded(char fp[65])
{
	uint8_t *v;
	size_t n;
	int rc;

	fp[0] = '\0';
	if ((rc = store_keyring_get("fingerprint", &v, &n)) == 1) {
		if (n == 64) {
			memcpy(fp, v, 64);
			fp[64] = '\0';
		} else
			rc = -1;
	}
	free(v);
	return rc;
}

struct record {
	char	 fp[65];
	uint8_t	*mac;		/* the hashing key, sealed */
	size_t	 maclen;
	int	 clash;		/* another process recorded another key */
};

static int
record_tx(void *arg)
{
	struct record *r = arg;
	char have[65];
	int rc;

	if ((rc = recorded(have)) == -1)
		return -1;
	if (rc == 1) {
		r->clash = !crypto_streq(have, r->fp);
		return r->clash ? -1 : 1;	/* 1: nothing to write */
	}
	if (store_keyring_put("fingerprint", r->fp, 64) == -1 ||
	    store_keyring_put("mac_key", r->mac, r->maclen) == -1)
		return -1;
	store_audit(0, 0, "key.recorded", "", r->fp);
	return 0;
}

/*
 * Record the loaded key's fingerprint and the hashing key in use (a fresh
 * one when FRESH). 0, or -1 with MSG.
 */
static int
record_key(int fresh, struct buf *msg)
{
	struct record r = { 0 };
	int rc;

	if (fresh && crypto_mac_key_fresh() == -1) {
		buf_printf(msg, "cannot make a hashing key (random numbers)");
		return -1;
	}
	crypto_key_fingerprint(r.fp);
	if ((r.mac = crypto_mac_key_sealed(&r.maclen)) == NULL) {
		buf_printf(msg, "cannot seal the hashing key");
		return -1;
	}
	rc = db_tx(record_tx, &r);
	free(r.mac);
	if (rc == -1) {
		buf_printf(msg, r.clash ? "another kluis recorded another key "
		    "for this database at the same time; run the command again" :
		    "cannot record the key's fingerprint in the database");
		return -1;
	}
	return 0;
}

/* The hashing key the database keeps, sealed under the key. 0, or -1 with MSG. */
static int
load_mac_key(struct buf *msg)
{
	uint8_t *v;
	size_t n;
	int rc;

	if ((rc = store_keyring_get("mac_key", &v, &n)) == 1 &&
	    crypto_mac_key_open(v, n) == 0) {
		free(v);
		return 0;
	}
	free(v);
	buf_printf(msg, rc == 1 ? "the hashing key in the database does not "
	    "open with the key file %s, although the fingerprints match: the "
	    "database is damaged; restore it from a backup" : "cannot read "
	    "the hashing key from the database", cfg.key_file);
	return -1;
}

/*
 * A rotation that stopped after its transaction committed left the new
 * key as KEY.new: when that is the key the database records, put it in
 * place (the key file in use becomes KEY.old). 1 when done, 0 when there
 * is nothing to finish, -1 on error (logged).
 */
static int
finish_rotation(const char *want)
{
	char *newk = xasprintf("%s.new", cfg.key_file);
	char *oldk = xasprintf("%s.old", cfg.key_file);
	char fp[65];
	int rc = 0;

	if (crypto_key_file_fingerprint(newk, fp) != 0 ||
	    !crypto_streq(fp, want))
		goto done;
	rc = -1;
	if (!exists(oldk) && link(cfg.key_file, oldk) == -1) {
		logmsg(LOG_ERR, "key: cannot keep the old key as %s: %s", oldk,
		    strerror(errno));
		goto done;
	}
	if (rename(newk, cfg.key_file) == -1) {
		logmsg(LOG_ERR,
		    "key: cannot put %s in place: %s", newk, strerror(errno));
		goto done;
	}
	fsync_parent(cfg.key_file);
	if (crypto_key_read(cfg.key_file) != 0)
		goto done;
	logmsg(LOG_INFO,
	    "key: finished the rotation that was interrupted: %s is the "
	    "key now, the one before is %s", cfg.key_file, oldk);
	rc = 1;
 done:
	free(newk);
	free(oldk);
	return rc;
}

/*
 * custody_key: the key and the database, after db_attach/db_migrate and
 * crypto_key_read (whose result, 0, 1 or -1, is KEY_STATE). Refuses when
 * the database holds something made with a key and the key file is
 * missing, unreadable or another key; makes a key file only for a
 * database that holds nothing made with one (not when CHECK: "kluis
 * check" only looks). Records the fingerprint the first time. Returns 0
 * with the key confirmed (crypto_key_ok), or -1 with MSG saying what is
 * wrong and what to do.
 */
int
custody_key(int key_state, int check, struct buf *msg)
{
	char want[65], have[65], *db = db_file();
	int64_t inuse;
	int rc, fresh = 0;

	crypto_key_confirm(0);
	if ((rc = recorded(want)) == -1) {
		buf_printf(msg, "cannot read the key's fingerprint from the "
		    "database %s (see the lines above)", db);
		goto fail;
	}
	if (rc == 1) {
		if (key_state == 0) {
			crypto_key_fingerprint(have);
			if (!crypto_streq(have, want) &&
			    (rc = finish_rotation(want)) != 1) {
				if (rc == -1)
					goto fail_text;
				buf_printf(msg, "the key file %s is not the key of "
				    "the database %s: the database was sealed with "
				    "the key whose fingerprint starts %.*s, this "
				    "file's starts %.*s.\nRestore the key file that "
				    "belongs to this database (or the database that "
				    "belongs to this key); \"kluis key fingerprint\" "
				    "shows a key file's fingerprint. See \"Losing "
				    "the key\" in the README.", cfg.key_file, db,
				    FP_SHOWN, want, FP_SHOWN, have);
				goto fail;
			}
		} else
			goto refuse;
		if (load_mac_key(msg) == -1)
			goto fail;
		crypto_key_confirm(1);
		free(db);
		return 0;
	}
	/* No fingerprint yet: a new database, or one made before they were kept. */
	if ((inuse = store_keyring_in_use()) < 0) {
		buf_printf(msg, "cannot read the database %s (see the lines "
		    "above)", db);
		goto fail;
	}
	if (key_state == 1 && inuse == 0 && check) {
		buf_printf(msg, "the key file %s does not exist yet: the next "
		    "command (other than check) makes it", cfg.key_file);
		goto fail;
	}
	if (key_state == -1 || (key_state == 1 && inuse > 0))
		goto refuse;
	if (key_state == 1) {
		if (crypto_key_create(cfg.key_file) == -1 &&
		    (errno != EEXIST || crypto_key_read(cfg.key_file) != 0)) {
			buf_printf(msg, "cannot create the key file %s (see the "
			    "line above)", cfg.key_file);
			goto fail;
		}
		fresh = 1;
	} else if (inuse > 0) {
		/* Its secrets must open with this key, or it is not theirs. */
		struct sealed *list;
		uint8_t *plain = NULL;
		size_t n;
		int k, cnt = 0;

		for (k = 0; k < SEALED_KINDS && cnt == 0; k++) {
			if ((cnt = store_keyring_sealed(k, &list)) < 0) {
				buf_printf(msg, "cannot read the database %s",
				    db);
				goto fail;
			}
			if (cnt > 0 && (plain = crypto_open(list[0].blob,
			    list[0].len, &n)) != NULL) {
				explicit_bzero(plain, n);
				free(plain);
			}
			store_free(list, cnt);
		}
		if (cnt > 0 && plain == NULL) {
			buf_printf(msg, "the key file %s does not open the secrets "
			    "sealed in the database %s: it is not its key.\n"
			    "Restore the key file that belongs to this database; "
			    "see \"Losing the key\" in the README.", cfg.key_file,
			    db);
			goto fail;
		}
	} else
		fresh = 1;
	/*
	 * Keyed hashes made so far were made under the key file's own bytes:
	 * an existing database keeps that hashing key; a new one gets its own.
	 */
	if (record_key(fresh, msg) == -1)
		goto fail;
	crypto_key_confirm(1);
	free(db);
	return 0;
 refuse:
	if (key_state == 1 && *want)
		buf_printf(msg, "the key file %s is missing, but the database %s "
		    "holds secrets sealed with its key (the key whose fingerprint "
		    "starts %.*s).\n", cfg.key_file, db, FP_SHOWN, want);
	else if (key_state == 1)
		buf_printf(msg, "the key file %s is missing, but the database %s "
		    "holds secrets sealed with its key.\n", cfg.key_file, db);
	else
		buf_printf(msg, "cannot use the key file %s (see the line above; "
		    "it must be a file of exactly 32 bytes that only its owner "
		    "may read: chmod 600), and the database %s needs it.\n",
		    cfg.key_file, db);
	buf_printf(msg, "Restore the key file that belongs to this database "
	    "from where you keep it, apart from the backups (or name it with "
	    "--key FILE); see \"Losing the key\" in the README.%s",
	    key_state == 1 ? "\nNo new key was made: it could not open those "
	    "secrets." : "");
	goto fail;
 fail_text:
	buf_printf(msg, "cannot finish the key rotation that was interrupted "
	    "(see the line above)");
 fail:
	free(db);
	return -1;
}

struct rotation {
	int	 n;		/* values re-sealed */
	char	 fp[65];	/* of the new key */
	int	 bad;		/* a value did not open */
};

static int
rotate_tx(void *arg)
{
	struct rotation *t = arg;
	struct sealed *list;
	uint8_t *v, *out;
	size_t n, outlen;
	int k, cnt, i, rc = 0;

	for (k = 0; k < SEALED_KINDS && rc == 0; k++) {
		if ((cnt = store_keyring_sealed(k, &list)) < 0)
			return -1;
		for (i = 0; i < cnt && rc == 0; i++) {
			if ((out = crypto_reseal(list[i].blob, list[i].len,
			    &outlen)) == NULL) {
				t->bad = 1;
				rc = -1;
				break;
			}
			rc = store_keyring_reseal(k, list[i].rowid, out, outlen);
			free(out);
			t->n++;
		}
		store_free(list, cnt);
	}
	if (rc == -1)
		return -1;
	if (store_keyring_get("mac_key", &v, &n) != 1)
		return -1;
	out = crypto_reseal(v, n, &outlen);
	free(v);
	if (out == NULL) {
		t->bad = 1;
		return -1;
	}
	rc = store_keyring_put("mac_key", out, outlen);
	free(out);
	if (rc == -1 || store_keyring_put("fingerprint", t->fp, 64) == -1)
		return -1;
	{
		char *d = xasprintf("%d sealed values, new key %.*s", t->n,
		    FP_SHOWN, t->fp);

		store_audit(0, 0, "key.rotate", "cli", d);
		free(d);
	}
	return 0;
}

/*
 * custody_rotate: a new key file; every sealed secret (authenticator
 * secrets, enrolments in progress, queued mail, reset requests) and the
 * hashing key re-sealed under it in one transaction; the key file in use
 * kept as KEY.old. Keyed hashes need no change: the hashing key stays the
 * same. Nothing else may use the data directory meanwhile (the caller
 * holds it alone). Returns the number of values re-sealed, or -1 with MSG.
 */
int
custody_rotate(struct buf *msg)
{
	char *newk = xasprintf("%s.new", cfg.key_file);
	char *oldk = xasprintf("%s.old", cfg.key_file);
	struct rotation t = { 0 };
	int rc = -1;

	if (exists(oldk)) {
		buf_printf(msg, "%s exists: the key before an earlier rotation. "
		    "Keep it with the backups made before that rotation (they "
		    "need it), move it out of the way, then rotate again.", oldk);
		goto done;
	}
	if (exists(newk)) {
		/* Not the database's key (custody_key would have finished it). */
		logmsg(LOG_INFO,
		    "key: removing %s, left by a rotation that did not commit",
		    newk);
		if (unlink(newk) == -1) {
			buf_printf(msg, "cannot remove %s: %s", newk,
			    strerror(errno));
			goto done;
		}
	}
	if (crypto_key_next(newk, 1) != 0) {
		buf_printf(msg, "cannot create the new key file %s (see the "
		    "line above)", newk);
		goto done;
	}
	crypto_key_next_fingerprint(t.fp);
	if (db_tx(rotate_tx, &t) != 0) {
		(void)unlink(newk);
		buf_printf(msg, t.bad ? "a sealed value in the database does not "
		    "open with the key: nothing was changed; run \"kluis check\"" :
		    "the database refused the new seals (see the lines above): "
		    "nothing was changed");
		goto done;
	}
	/* Committed: from here on the new key is the database's. */
	if (link(cfg.key_file, oldk) == -1 || rename(newk, cfg.key_file) == -1) {
		buf_printf(msg, "the database is sealed with the new key %s, but "
		    "it could not be put in place of %s: %s. The next kluis "
		    "command finishes this (or rename it yourself, keeping the "
		    "old key as %s).", newk, cfg.key_file, strerror(errno), oldk);
		goto done;
	}
	fsync_parent(cfg.key_file);
	crypto_key_promote();
	rc = t.n;
 done:
	free(newk);
	free(oldk);
	return rc;
}
