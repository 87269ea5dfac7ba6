/*
 * backup.c: "kluis backup", "kluis restore" and "kluis check": a
 * consistent copy of the database (SQLite's online backup API) and of the
 * content of every live file, with a manifest of SHA-256s; a new data
 * directory rebuilt from one; and the checks that a data directory is
 * whole.
 */
#include <sys/file.h>
#include <sys/stat.h>

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <openssl/evp.h>

#include "portal.h"

#define MANIFEST	"MANIFEST"	/* sha256sum format; written last */
#define INFO		"BACKUP"	/* what the backup is, for people */

/* Report one problem: FN(line, ARG) and count it. */
struct report {
	void	(*fn)(const char *, void *);
	void	 *arg;
	int	  n;
};

static void
problem(struct report *r, const char *fmt, ...) PRINTF_LIKE(2, 3);

static void
problem(struct report *r, const char *fmt, ...)
{
	char line[8192];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(line, sizeof line, fmt, ap);
	va_end(ap);
	r->fn(line, r->arg);
	r->n++;
}

static void
fsync_path(const char *path, int dir)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC | (dir ? O_DIRECTORY : 0));

	if (fd != -1) {
		(void)fsync(fd);
		close(fd);
	}
}

/*
 * Copy the open file IN into a new file OUT (mode 0600; NULL: only read),
 * its SHA-256 as hex into SHA and its size into *SIZE. 0, or -1 with errno.
 */
static int
copy_fd(int in, const char *out, char sha[65], uint64_t *size)
{
	EVP_MD_CTX *md;
	uint8_t buf[1 << 16], dig[32];
	unsigned int dlen = 0;
	ssize_t r, w, off;
	int fd = -1, saved;

	*size = 0;
	if ((md = EVP_MD_CTX_new()) == NULL ||
	    EVP_DigestInit_ex(md, EVP_sha256(), NULL) != 1) {
		EVP_MD_CTX_free(md);
		errno = ENOMEM;
		return -1;
	}
	if (out != NULL && (fd = open(out, O_WRONLY | O_CREAT | O_EXCL |
	    O_NOFOLLOW | O_CLOEXEC, 0600)) == -1)
		goto fail;
	for (;;) {
		r = read(in, buf, sizeof buf);
		if (r == -1 && errno == EINTR)
			continue;
		if (r == -1)
			goto fail;
		if (r == 0)
			break;
		EVP_DigestUpdate(md, buf, (size_t)r);
		*size += (uint64_t)r;
		for (off = 0; fd != -1 && off < r; off += w) {
			w = write(fd, buf + off, (size_t)(r - off));
			if (w == -1 && errno == EINTR)
				w = 0;
			else if (w <= 0)
				goto fail;
		}
	}
	if (fd != -1 && (fsync(fd) == -1 || close(fd) == -1)) {
		fd = -1;
		goto fail;
	}
	EVP_DigestFinal_ex(md, dig, &dlen);
	EVP_MD_CTX_free(md);
	crypto_hex(dig, 32, sha);
	return 0;
 fail:
	saved = errno;
	EVP_MD_CTX_free(md);
	if (fd != -1) {
		close(fd);
		(void)unlink(out);
	}
	errno = saved;
	return -1;
}

/* copy_fd from the file SRC. */
static int
copy_path(const char *src, const char *out, char sha[65], uint64_t *size)
{
	int fd, rc, saved;

	if ((fd = open(src, O_RDONLY | O_CLOEXEC)) == -1)
		return -1;
	rc = copy_fd(fd, out, sha, size);
	saved = errno;
	close(fd);
	errno = saved;
	return rc;
}

/* 1 when DIR does not exist or is an empty directory. */
static int
empty_dir(const char *dir)
{
	struct dirent *de;
	DIR *d;
	int empty = 1;

	if ((d = opendir(dir)) == NULL)
		return errno == ENOENT;
	while ((de = readdir(d)) != NULL)
		if (strcmp(de->d_name, ".") != 0 && strcmp(de->d_name, "..") != 0)
			empty = 0;
	closedir(d);
	return empty;
}

struct held {			/* content locked against removal */
	char	 sha[65];
	int	 fd;
};

static int
held_find(struct held *h, int n, const char *sha)
{
	int i;

	for (i = 0; i < n; i++)
		if (strcmp(h[i].sha, sha) == 0)
			return i;
	return -1;
}

/* Open and lock (shared) the content SHA; the new entry's index, or -1. */
static int
hold(struct held **h, int *n, size_t *cap, const char *sha)
{
	char path[4096];
	int fd;

	if (publish_path(sha, path, sizeof path) == -1 ||
	    (fd = open(path, O_RDONLY | O_CLOEXEC)) == -1)
		return -1;
	if (flock(fd, LOCK_SH) == -1) {
		close(fd);
		return -1;
	}
	*h = xgrow(*h, (size_t)*n, cap, sizeof **h);
	snprintf((*h)[*n].sha, sizeof (*h)[*n].sha, "%s", sha);
	(*h)[*n].fd = fd;
	return (*n)++;
}

/*
 * backup_make: a backup of the data directory into DIR (new, or an empty
 * directory): DIR/kluis.db by the online backup API (the server may go on
 * serving), DIR/files/SHA for the content of every publication live in
 * that copy, DIR/kluis.key with WITH_KEY, then DIR/BACKUP (what it is) and
 * DIR/MANIFEST (the SHA-256 of each, as sha256sum(1) writes them; written
 * last: a backup without it is incomplete). Problems go to FN(line, ARG).
 * Returns the number of content files copied, or -1 when the backup is
 * not usable (a problem was reported).
 */
int
backup_make(const char *dir, int with_key, void (*fn)(const char *, void *),
    void *arg)
{
	struct report rep = { fn, arg, 0 };
	struct pubfile *live = NULL;
	struct held *held = NULL;
	struct buf man = { 0 }, info = { 0 };
	char path[4200], out[4200], sha[65], fp[65], when[32], **snap = NULL;
	size_t cap = 0;
	uint64_t size;
	int nlive = -1, nsnap = -1, nheld = 0, i, k, copied = 0;

	if (!empty_dir(dir)) {
		problem(&rep, "%s exists and is not empty: back up into a new "
		    "directory", dir);
		return -1;
	}
	snprintf(path, sizeof path, "%s/files", dir);
	if (mkdir_p(path, 0700) == -1) {
		problem(&rep, "cannot create %s: %s", path, strerror(errno));
		return -1;
	}
	/*
	 * Lock the live content first (a withdrawal cannot remove what is
	 * locked), then copy the database: every content the copy names is
	 * then still there, or was published meanwhile and is locked next.
	 */
	if ((nlive = store_file_live_list(&live)) < 0) {
		problem(&rep, "cannot list the files (see the lines above)");
		goto fail;
	}
	for (i = 0; i < nlive; i++)
		if (held_find(held, nheld, live[i].sha256) == -1 &&
		    hold(&held, &nheld, &cap, live[i].sha256) == -1)
			problem(&rep, "file %lld (%s): its content files/%s "
			    "cannot be read: %s", (long long)live[i].id,
			    live[i].name, live[i].sha256, strerror(errno));
	snprintf(path, sizeof path, "%s/kluis.db", dir);
	if (db_backup(path) == -1) {
		problem(&rep, "cannot copy the database to %s (see the lines "
		    "above)", path);
		goto fail;
	}
	if (db_snapshot_attach(path) == -1) {
		problem(&rep, "cannot read the copy %s", path);
		goto fail;
	}
	nsnap = store_file_snapshot_shas(&snap);
	db_snapshot_detach();
	if (nsnap < 0) {
		problem(&rep, "cannot list the files of the copy %s", path);
		goto fail;
	}
	if (copy_path(path, NULL, sha, &size) == -1) {
		problem(&rep, "cannot read the copy %s: %s", path,
		    strerror(errno));
		goto fail;
	}
	buf_printf(&man, "%s  kluis.db\n", sha);
	for (i = 0; i < nsnap; i++) {
		if (!publish_sha_ok(snap[i]))
			continue;
		if ((k = held_find(held, nheld, snap[i])) == -1 &&
		    (k = hold(&held, &nheld, &cap, snap[i])) == -1) {
			if (errno != ENOENT || store_file_live_sha(snap[i]) != 0)
				problem(&rep, "content files/%s cannot be read: "
				    "%s", snap[i], strerror(errno));
			else
				problem(&rep, "content files/%s was removed while "
				    "the backup ran: run the backup again", snap[i]);
			continue;
		}
		snprintf(out, sizeof out, "%s/files/%s", dir, snap[i]);
		if (lseek(held[k].fd, 0, SEEK_SET) == -1 ||
		    copy_fd(held[k].fd, out, sha, &size) == -1) {
			problem(&rep, "cannot copy files/%s: %s", snap[i],
			    strerror(errno));
			continue;
		}
		if (strcmp(sha, snap[i]) != 0)
			problem(&rep, "content files/%s is damaged: its SHA-256 "
			    "is %s (copied as it is; restore it from an older "
			    "backup)", snap[i], sha);
		buf_printf(&man, "%s  files/%s\n", sha, snap[i]);
		copied++;
	}
	fsync_path(path, 0);
	snprintf(path, sizeof path, "%s/files", dir);
	fsync_path(path, 1);
	if (with_key) {
		snprintf(out, sizeof out, "%s/kluis.key", dir);
		if (copy_path(cfg.key_file, out, sha, &size) == -1) {
			problem(&rep, "cannot copy the key %s: %s", cfg.key_file,
			    strerror(errno));
			goto fail;
		}
		buf_printf(&man, "%s  kluis.key\n", sha);
	}
	time_format(now_unix(), TIME_ISO, when, sizeof when);
	crypto_key_fingerprint(fp);
	buf_printf(&info, "kluis backup\nmade: %s\nkluis: %s\nschema: %d\n"
	    "files: %d\nkey: %s\nkey fingerprint: %s\n", when, KLUIS_VERSION,
	    db_schema(), copied, with_key ? "included (kluis.key: keep this "
	    "backup as safe as the key)" : "not included (restore with --key "
	    "FILE)", fp);
	snprintf(path, sizeof path, "%s/" INFO, dir);
	snprintf(out, sizeof out, "%s/" MANIFEST, dir);
	if (write_file_atomic(path, info.data, info.len, 0600) == -1 ||
	    write_file_atomic(out, man.data, man.len, 0600) == -1) {
		problem(&rep, "cannot write %s: %s", out, strerror(errno));
		goto fail;
	}
	fsync_path(dir, 1);
	goto done;
 fail:
	copied = -1;
 done:
	for (i = 0; i < nheld; i++)
		close(held[i].fd);
	free(held);
	if (live != NULL)
		store_free(live, nlive);
	strv_free(snap, nsnap);
	buf_free(&man);
	buf_free(&info);
	return rep.n > 0 && copied >= 0 ? -1 : copied;
}

struct entry {
	char	 sha[65];
	char	*path;		/* kluis.db, kluis.key or files/SHA */
};

/* Read DIR/MANIFEST into *LIST; the count, or -1 (reported). */
static int
manifest_read(const char *dir, struct entry **list, struct report *rep)
{
	char path[4200], line[512];
	struct entry *e = NULL;
	size_t cap = 0, len;
	int n = 0, lineno = 0;
	FILE *f;

	*list = NULL;
	snprintf(path, sizeof path, "%s/" MANIFEST, dir);
	if ((f = fopen(path, "r")) == NULL) {
		problem(rep, "%s: %s (a backup without it is incomplete)", path,
		    strerror(errno));
		return -1;
	}
	while (fgets(line, sizeof line, f) != NULL) {
		lineno++;
		len = strlen(line);
		if (len > 0 && line[len - 1] == '\n')
			line[--len] = '\0';
		if (len < 67 || line[64] != ' ' || line[65] != ' ' ||
		    (line[64] = '\0', !publish_sha_ok(line)) ||
		    (strcmp(line + 66, "kluis.db") != 0 &&
		    strcmp(line + 66, "kluis.key") != 0 &&
		    !(str_has_prefix(line + 66, "files/") &&
		    publish_sha_ok(line + 72)))) {
			problem(rep, "%s line %d is not a line of a kluis backup's "
			    "manifest", path, lineno);
			continue;
		}
		e = xgrow(e, (size_t)n, &cap, sizeof *e);
		memcpy(e[n].sha, line, 65);
		e[n].path = xstrdup(line + 66);
		n++;
	}
	fclose(f);
	*list = e;
	return n;
}

static void
entries_free(struct entry *e, int n)
{
	int i;

	for (i = 0; i < n; i++)
		free(e[i].path);
	free(e);
}

static void
report_line(const char *line, void *arg)
{
	struct buf *b = arg;

	buf_printf(b, "%s\n", line);
}

/*
 * backup_restore: a new data directory NEWDATA (new or empty) from the
 * backup DIR: each file is checked against the manifest while copied; the
 * key is KEY (a file), else the backup's kluis.key, else none (the portal
 * then refuses to start until one is put in place). A key that is not the
 * database's is refused. Problems go to FN(line, ARG). Returns the number
 * of content files restored, or -1.
 */
int
backup_restore(const char *dir, const char *newdata, const char *key,
    int *key_restored, void (*fn)(const char *, void *), void *arg)
{
	struct report rep = { fn, arg, 0 };
	struct entry *e = NULL;
	struct buf dbproblems = { 0 };
	char src[4200], dst[4200], sha[65], have[65], want[65];
	const char *keysrc = key;
	uint8_t *v = NULL;
	int keyent = -1;
	size_t vlen;
	uint64_t size;
	int n, i, files = 0, rc;

	*key_restored = 0;
	if ((n = manifest_read(dir, &e, &rep)) < 0)
		return -1;
	if (rep.n > 0)
		goto fail;
	if (!empty_dir(newdata)) {
		problem(&rep, "%s exists and is not empty: restore into a new "
		    "directory", newdata);
		goto fail;
	}
	snprintf(dst, sizeof dst, "%s/files", newdata);
	if (mkdir_p(dst, 0700) == -1) {
		problem(&rep, "cannot create %s: %s", dst, strerror(errno));
		goto fail;
	}
	snprintf(dst, sizeof dst, "%s/outbox", newdata);
	(void)mkdir_p(dst, 0700);
	for (i = 0; i < n; i++) {
		if (strcmp(e[i].path, "kluis.key") == 0) {
			keyent = i;
			continue;
		}
		snprintf(src, sizeof src, "%s/%s", dir, e[i].path);
		snprintf(dst, sizeof dst, "%s/%s", newdata, e[i].path);
		if (copy_path(src, dst, sha, &size) == -1) {
			problem(&rep, "cannot copy %s: %s", src, strerror(errno));
			continue;
		}
		if (strcmp(sha, e[i].sha) != 0) {
			problem(&rep, "%s is not what the backup holds: its SHA-256 "
			    "is %s, the manifest says %s", src, sha, e[i].sha);
			continue;
		}
		if (strcmp(e[i].path, "kluis.db") != 0)
			files++;
	}
	snprintf(dst, sizeof dst, "%s/files", newdata);
	fsync_path(dst, 1);
	if (rep.n > 0)
		goto fail;
	snprintf(dst, sizeof dst, "%s/kluis.db", newdata);
	if (db_attach(dst) < 0 || db_check(report_line, &dbproblems) != 0) {
		problem(&rep, "the restored database %s is damaged: %s", dst,
		    dbproblems.data ? dbproblems.data : "cannot open it");
		goto fail;
	}
	if (store_keyring_exists() == 1 &&
	    (rc = store_keyring_get("fingerprint", &v, &vlen)) == 1 &&
	    vlen == 64) {
		memcpy(want, v, 64);
		want[64] = '\0';
	} else
		want[0] = '\0';
	free(v);
	if (keysrc == NULL && keyent >= 0) {
		/* The backup's own key (made with --with-key). */
		snprintf(src, sizeof src, "%s/kluis.key", dir);
		if (copy_path(src, NULL, sha, &size) == -1 ||
		    strcmp(sha, e[keyent].sha) != 0) {
			problem(&rep, "%s is not what the backup holds: restore "
			    "with --key FILE", src);
			goto fail;
		}
		keysrc = src;
	}
	if (keysrc != NULL) {
		snprintf(dst, sizeof dst, "%s/kluis.key", newdata);
		if ((rc = crypto_key_file_fingerprint(keysrc, have)) != 0) {
			problem(&rep, "cannot use the key %s%s", keysrc, rc == 1 ?
			    ": no such file" : " (see the line above)");
			goto fail;
		}
		if (*want && strcmp(have, want) != 0) {
			problem(&rep, "the key %s is not the key of this backup: the "
			    "database was sealed with the key whose fingerprint "
			    "starts %.16s, this one's starts %.16s", keysrc, want,
			    have);
			goto fail;
		}
		if (copy_path(keysrc, dst, sha, &size) == -1) {
			problem(&rep, "cannot copy the key to %s: %s", dst,
			    strerror(errno));
			goto fail;
		}
		*key_restored = 1;
	}
	fsync_path(newdata, 1);
	db_thread_done();
	entries_free(e, n);
	buf_free(&dbproblems);
	return files;
 fail:
	db_thread_done();
	entries_free(e, n < 0 ? 0 : n);
	buf_free(&dbproblems);
	return -1;
}

/*
 * backup_check_files: every live publication's content present under
 * DATA/files/ with its SHA-256 and size; a line to FN(line, ARG) for each
 * that is not. Returns the number of problems (-1: the database could not
 * be read), *NFILES the contents checked.
 */
int
backup_check_files(int *nfiles, void (*fn)(const char *, void *), void *arg)
{
	struct report rep = { fn, arg, 0 };
	struct pubfile *live;
	char path[4096], sha[65], **seen = NULL;
	size_t cap = 0;
	uint64_t size;
	int n, i, j, nseen = 0, dup;

	*nfiles = 0;
	if ((n = store_file_live_list(&live)) < 0) {
		problem(&rep, "files: cannot read the list of files from the "
		    "database");
		return -1;
	}
	for (i = 0; i < n; i++) {
		for (dup = 0, j = 0; j < nseen && !dup; j++)
			dup = strcmp(seen[j], live[i].sha256) == 0;
		if (dup)
			continue;
		seen = xgrow(seen, (size_t)nseen, &cap, sizeof *seen);
		seen[nseen++] = xstrdup(live[i].sha256);
		(*nfiles)++;
		if (publish_path(live[i].sha256, path, sizeof path) == -1 ||
		    copy_path(path, NULL, sha, &size) == -1) {
			problem(&rep, "file %lld (%s): its content files/%s is "
			    "%s", (long long)live[i].id, live[i].name,
			    live[i].sha256, errno == ENOENT ? "missing" :
			    strerror(errno));
			continue;
		}
		if (strcmp(sha, live[i].sha256) != 0)
			problem(&rep, "file %lld (%s): its content files/%s is "
			    "altered: its SHA-256 is now %s", (long long)live[i].id,
			    live[i].name, live[i].sha256, sha);
		else if (size != live[i].size)
			problem(&rep, "file %lld (%s): its content files/%s has "
			    "%llu bytes, not %llu", (long long)live[i].id,
			    live[i].name, live[i].sha256, (unsigned long long)size,
			    (unsigned long long)live[i].size);
	}
	strv_free(seen, nseen);
	store_free(live, n);
	return rep.n;
}
