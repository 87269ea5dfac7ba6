/* publish.c: content-addressed storage under DATA/files/: stage, place, sweep. */
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

#define TMP_PREFIX	".tmp-"

/*
 * Locking: a publisher holds flock(LOCK_EX) on its file from the first
 * byte written until its transaction committed; a backup holds LOCK_SH on
 * the content it copies; content is only removed when it can be locked. Placing (rename) and removing content both happen
 * inside a BEGIN IMMEDIATE transaction, so they never interleave with the
 * database check that decides whether content is still referenced.
 */

static int
files_dir(char *out, size_t n)
{
	int w = snprintf(out, n, "%s/files", cfg.data);

	return w < 0 || (size_t)w >= n ? -1 : 0;
}

/*
 * publish_sha_ok: 1 when S is a SHA-256 as content is named: 64 lowercase
 * hex digits.
 */
int
publish_sha_ok(const char *s)
{
	size_t i;

	for (i = 0; i < 64; i++)
		if (!((s[i] >= '0' && s[i] <= '9') || (s[i] >= 'a' && s[i] <= 'f')))
			return 0;
	return s[64] == '\0';
}

/* publish_path: DATA/files/SHA into OUT; 0, or -1 when SHA is not a SHA-256. */
int
publish_path(const char *sha, char *out, size_t n)
{
	int w;

	if (!publish_sha_ok(sha))
		return -1;
	w = snprintf(out, n, "%s/files/%s", cfg.data, sha);
	return w < 0 || (size_t)w >= n ? -1 : 0;
}

static void
sync_dir(void)
{
	char dir[4096];
	int fd;

	if (files_dir(dir, sizeof dir) == -1)
		return;
	if ((fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC)) != -1) {
		fsync(fd);
		close(fd);
	}
}

/*
 * publish_begin: a new, locked temporary file in DATA/files/ for content
 * written with publish_write and closed with publish_finish; S is reset.
 * 0, or -1 with errno set (S needs no release then).
 */
int
publish_begin(struct staged *s)
{
	char dir[4096];
	int w, e;

	memset(s, 0, sizeof *s);
	s->fd = -1;
	if (files_dir(dir, sizeof dir) == -1) {
		errno = ENAMETOOLONG;
		return -1;
	}
	w = snprintf(s->tmp, sizeof s->tmp, "%s/" TMP_PREFIX "XXXXXX", dir);
	if (w < 0 || (size_t)w >= sizeof s->tmp) {
		errno = ENAMETOOLONG;
		return -1;
	}
	if ((s->fd = mkstemp(s->tmp)) == -1)
		return -1;
	if (flock(s->fd, LOCK_EX) == -1 ||
	    (s->md = EVP_MD_CTX_new()) == NULL ||
	    EVP_DigestInit_ex(s->md, EVP_sha256(), NULL) != 1) {
		e = errno ? errno : EIO;
		publish_release(s);
		errno = e;
		return -1;
	}
	return 0;
}

/*
 * publish_write: append N bytes of content, hashing them (SHA-256, and
 * the CRC-32 a zip names). 0, or -1 (errno).
 */
int
publish_write(struct staged *s, const void *data, size_t n)
{
	const unsigned char *p = data;
	size_t off = 0;
	ssize_t k;

	if (s->fd == -1 || s->md == NULL) {
		errno = EBADF;
		return -1;
	}
	if (EVP_DigestUpdate(s->md, data, n) != 1) {
		errno = EIO;
		return -1;
	}
	s->crc = crc32_update(s->crc, data, n);
	while (off < n) {
		k = write(s->fd, p + off, n - off);
		if (k == -1 && errno == EINTR)
			continue;
		if (k == -1)
			return -1;
		off += (size_t)k;
	}
	s->size += n;
	return 0;
}

/* publish_finish: fsync the content and name its SHA-256. 0, or -1 (errno). */
int
publish_finish(struct staged *s)
{
	unsigned char md[32];

	if (s->md == NULL || EVP_DigestFinal_ex(s->md, md, NULL) != 1) {
		errno = EIO;
		return -1;
	}
	EVP_MD_CTX_free(s->md);
	s->md = NULL;
	if (fsync(s->fd) == -1)
		return -1;
	crypto_hex(md, sizeof md, s->sha);
	return 0;
}

/*
 * publish_stage: copy SRC into a locked temporary file in DATA/files/,
 * hashing it, and fsync it. Returns 0 with S filled (release it with
 * publish_release), or -1 with the reason printed.
 */
int
publish_stage(const char *src, struct staged *s)
{
	unsigned char buf[1 << 16];
	struct stat sb;
	ssize_t n;
	int in;

	memset(s, 0, sizeof *s);
	s->fd = -1;
	if ((in = open(src, O_RDONLY | O_CLOEXEC)) == -1) {
		fprintf(stderr, "kluis: cannot open %s: %s\n", src, strerror(errno));
		return -1;
	}
	if (fstat(in, &sb) == -1 || !S_ISREG(sb.st_mode)) {
		fprintf(stderr, "kluis: %s is not a regular file\n", src);
		goto fail;
	}
	if (publish_begin(s) == -1) {
		fprintf(stderr, "kluis: cannot create a file in %s/files: %s\n",
		    cfg.data, strerror(errno));
		goto fail;
	}
	for (;;) {
		n = read(in, buf, sizeof buf);
		if (n == -1 && errno == EINTR)
			continue;
		if (n == -1) {
			fprintf(stderr, "kluis: cannot read %s: %s\n", src,
			    strerror(errno));
			goto fail;
		}
		if (n == 0)
			break;
		if (publish_write(s, buf, (size_t)n) == -1) {
			fprintf(stderr, "kluis: cannot write %s: %s\n", s->tmp,
			    strerror(errno));
			goto fail;
		}
	}
	if (publish_finish(s) == -1) {
		fprintf(stderr, "kluis: cannot sync %s: %s\n", s->tmp,
		    strerror(errno));
		goto fail;
	}
	close(in);
	return 0;
fail:
	close(in);
	publish_release(s);
	return -1;
}

/*
 * publish_place: rename the staged file to its SHA-256 name (call inside
 * the publishing transaction). Sets S->existed when that content was
 * already stored. 0, or -1.
 */
int
publish_place(struct staged *s)
{
	char path[4096];
	struct stat sb;

	if (publish_path(s->sha, path, sizeof path) == -1)
		return -1;
	s->existed = stat(path, &sb) == 0;
	if (rename(s->tmp, path) == -1) {
		logmsg(LOG_ERR,
		    "publish: cannot rename to %s: %s", path, strerror(errno));
		return -1;
	}
	s->placed = 1;
	sync_dir();
	return 0;
}

/*
 * publish_release: end a publication attempt. After a failure (COMMITTED
 * 0) the temporary file, or content placed by this attempt alone, is
 * removed; then the lock is let go.
 */
void
publish_release(struct staged *s)
{
	if (s->md != NULL) {
		EVP_MD_CTX_free(s->md);
		s->md = NULL;
	}
	if (s->fd == -1)
		return;
	if (!s->committed && !s->placed)
		unlink(s->tmp);
	close(s->fd);
	s->fd = -1;
	/*
	 * Placed but not recorded: drop the content only if no publication
	 * uses it, checked in a transaction (another upload of the same bytes
	 * may have committed meanwhile).
	 */
	if (!s->committed && s->placed && !s->existed)
		publish_drop_content(s->sha);
}

struct drop {
	const char	*sha;
	int		 orphans;	/* only content no publication names */
	int		 removed;
};

/* Remove content SHA if nothing (live) refers to it and nobody holds it. */
static int
drop_tx(void *arg)
{
	struct drop *d = arg;
	char path[4096];
	int fd, used;

	used = d->orphans ? store_file_known_sha(d->sha) :
	    store_file_live_sha(d->sha);
	if (used != 0)
		return used < 0 ? -1 : 0;
	if (publish_path(d->sha, path, sizeof path) == -1)
		return -1;
	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) == -1)
		return 0;
	/* A publisher, or a backup copying it, holds a lock: keep it. */
	if (flock(fd, LOCK_EX | LOCK_NB) == 0 && unlink(path) == 0) {
		logmsg(LOG_ERR,
		    "publish: removed %s content %.12s...", d->orphans ?
		    "unreferenced" : "withdrawn or expired", d->sha);
		d->removed = 1;
	}
	close(fd);
	return 0;
}

static int
drop(const char *sha, int orphans)
{
	struct drop d = { sha, orphans, 0 };
	int rc = db_tx(drop_tx, &d);

	if (d.removed)
		sync_dir();
	return rc == 0 ? d.removed : -1;
}

/*
 * publish_drop_content: delete DATA/files/SHA when no live publication
 * (withdrawn or expired ones do not count) refers to it any more. 1 when
 * removed, 0 when kept or absent, -1 on error.
 */
int
publish_drop_content(const char *sha)
{
	return drop(sha, 0);
}

/*
 * publish_sweep: at start-up, remove what a killed publisher left behind:
 * temporary files nobody holds, and content no publication refers to.
 * (Content of withdrawn and expired files goes by retention.c, audited.)
 */
void
publish_sweep(void)
{
	char dir[4096], path[4096 + 256];
	struct dirent *de;
	DIR *d;
	int fd;

	if (files_dir(dir, sizeof dir) == -1 || (d = opendir(dir)) == NULL)
		return;
	while ((de = readdir(d)) != NULL) {
		if (str_has_prefix(de->d_name, TMP_PREFIX)) {
			snprintf(path, sizeof path, "%s/%s", dir, de->d_name);
			if ((fd = open(path, O_RDONLY | O_CLOEXEC)) == -1)
				continue;
			if (flock(fd, LOCK_EX | LOCK_NB) == 0 && unlink(path) == 0)
				logmsg(LOG_INFO,
				    "publish: removed the unfinished %s",
				    de->d_name);
			close(fd);
		} else if (publish_sha_ok(de->d_name))
			drop(de->d_name, 1);
	}
	closedir(d);
}

/*
 * publish_crc: the CRC-32 of content SHA, read from disk once and stored
 * with its publications (content published before CRCs were computed at
 * publication). 0, or -1.
 */
int
publish_crc(const char *sha, uint32_t *crc)
{
	unsigned char *buf;
	char path[4096];
	ssize_t n;
	uint32_t c = 0;
	int fd;

	if (publish_path(sha, path, sizeof path) == -1 ||
	    (fd = open(path, O_RDONLY | O_CLOEXEC)) == -1)
		return -1;
	(void)posix_fadvise(fd, 0, 0, POSIX_FADV_SEQUENTIAL);
	buf = xmalloc(1 << 20);
	while ((n = read(fd, buf, 1 << 20)) != 0) {
		if (n == -1 && errno == EINTR)
			continue;
		if (n == -1) {
			logmsg(LOG_ERR, "publish: cannot read %.12s...: %s",
			    sha, strerror(errno));
			free(buf);
			close(fd);
			return -1;
		}
		c = crc32_update(c, buf, (size_t)n);
	}
	free(buf);
	close(fd);
	*crc = c;
	return store_file_set_crc(sha, c);
}

/*
 * publish_crc_backfill: the CRC-32 of the next live content after
 * publication *AFTER (start with 0) that has none yet, for the worker: one
 * file a call. 1 when one was done (or failed: *AFTER moves past it), 0
 * when none is left.
 */
int
publish_crc_backfill(int64_t *after)
{
	char sha[65];
	uint32_t crc;
	int64_t id;

	if (store_file_crc_todo(*after, &id, sha) != 1)
		return 0;
	*after = id;
	if (publish_crc(sha, &crc) == 0)
		logmsg(LOG_INFO, "publish: CRC-32 of %.12s... computed for "
		    "zips", sha);
	return 1;
}
