/*
 * archive.c: published files as one zip, streamed from their content:
 * its length known before the first byte, each file read once (its CRC-32
 * was stored when it was published), one file open at a time, memory that
 * does not grow with the files' sizes. No temporary file.
 */
#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "portal.h"

/* A piece of the zip: a local header (in HEADERS) or a file's content. */
struct piece {
	uint64_t	 at;		/* its offset in the zip */
	uint64_t	 len;
	size_t		 hdr;		/* a header: its offset in HEADERS */
	int		 entry;		/* content: of entry ENTRY; else -1 */
};

struct archive {
	struct zip_entry *e;
	char		**names;
	char		(*sha)[65];
	int64_t		*ids;
	int		 n;
	struct buf	 headers;	/* the local headers */
	struct buf	 tail;		/* the central directory and the end */
	struct piece	*pieces;	/* 2 per entry, then the tail */
	int		 npieces;
	uint64_t	 size;
	int		 cur;		/* the piece last read from */
	int		 fd;		/* the content of entry FD_ENTRY */
	int		 fd_entry;
};

/* NAME made unique among the first I names of A: "a (2).pdf" and so on. */
static char *
unique_name(struct archive *a, int i, const char *base)
{
	const char *dot = strrchr(base, '.');
	size_t stem = dot != NULL && dot != base ? (size_t)(dot - base) :
	    strlen(base);
	char *name = xstrdup(base);
	int k, j, taken;

	for (k = 2; ; k++) {
		taken = 0;
		/* Case differs only for someone: Windows and macOS mix them. */
		for (j = 0; j < i && !taken; j++)
			taken = strcasecmp(a->names[j], name) == 0;
		if (!taken)
			return name;
		free(name);
		name = xasprintf("%.*s (%d)%s", (int)stem, base, k, base + stem);
	}
}

/*
 * archive_new: a zip of the N files F (their content in DATA/files/), in
 * this order, named by zip_name and unique. A file without a stored CRC-32
 * gets it now (publish_crc). Every content must be there with its size.
 * NULL when one is missing or unreadable (logged).
 */
struct archive *
archive_new(const struct pubfile *f, int n)
{
	struct archive *a = xcalloc(1, sizeof *a);
	struct buf name = { 0 };
	struct stat sb;
	char path[4096];
	uint64_t at = 0;
	uint32_t crc;
	int i;

	a->n = n;
	a->fd = -1;
	a->fd_entry = -1;
	a->e = xcalloc((size_t)n + 1, sizeof *a->e);
	a->names = xcalloc((size_t)n + 1, sizeof *a->names);
	a->sha = xcalloc((size_t)n + 1, sizeof *a->sha);
	a->ids = xcalloc((size_t)n + 1, sizeof *a->ids);
	a->pieces = xcalloc(2 * (size_t)n + 1, sizeof *a->pieces);
	for (i = 0; i < n; i++) {
		if (publish_path(f[i].sha256, path, sizeof path) == -1 ||
		    stat(path, &sb) == -1 || !S_ISREG(sb.st_mode) ||
		    (uint64_t)sb.st_size != f[i].size) {
			logmsg(LOG_ERR, "zip: file %lld: its content %.12s... "
			    "is missing or not the published file", (long long)f[i].id,
			    f[i].sha256);
			goto fail;
		}
		if (f[i].crc32 >= 0)
			crc = (uint32_t)f[i].crc32;
		else if (publish_crc(f[i].sha256, &crc) == -1)
			goto fail;
		buf_free(&name);
		zip_name(&name, f[i].name);
		a->names[i] = unique_name(a, i, name.data);
		memcpy(a->sha[i], f[i].sha256, 65);
		a->ids[i] = f[i].id;
		a->e[i].name = a->names[i];
		a->e[i].size = f[i].size;
		a->e[i].crc = crc;
		zip_dos_time(f[i].published, &a->e[i].dos_date,
		    &a->e[i].dos_time);
		a->e[i].offset = at;
		a->pieces[a->npieces].at = at;
		a->pieces[a->npieces].hdr = a->headers.len;
		a->pieces[a->npieces].len = zip_local(&a->headers, &a->e[i]);
		a->pieces[a->npieces].entry = -1;
		at += a->pieces[a->npieces++].len;
		a->pieces[a->npieces].at = at;
		a->pieces[a->npieces].len = f[i].size;
		a->pieces[a->npieces++].entry = i;
		at += f[i].size;
	}
	buf_free(&name);
	zip_central(&a->tail, a->e, (size_t)n, at);
	a->pieces[a->npieces].at = at;
	a->pieces[a->npieces].len = a->tail.len;
	a->pieces[a->npieces++].entry = -2;
	a->size = at + a->tail.len;
	return a;
fail:
	buf_free(&name);
	archive_free(a);
	return NULL;
}

/* archive_size: the zip's length in bytes. */
uint64_t
archive_size(const struct archive *a)
{
	return a->size;
}

/* The piece holding byte POS: reads go forward, so from the last one on. */
static int
piece_at(struct archive *a, uint64_t pos)
{
	int i = a->cur < a->npieces && a->pieces[a->cur].at <= pos ? a->cur : 0;

	for (; i < a->npieces; i++)
		if (pos < a->pieces[i].at + a->pieces[i].len)
			return a->cur = i;
	return -1;
}

/* Entry I's content open in A->fd, the one before it closed. 0, or -1. */
static int
open_entry(struct archive *a, int i)
{
	char path[4096];
	struct stat sb;

	if (a->fd_entry == i)
		return 0;
	if (a->fd != -1)
		close(a->fd);
	a->fd_entry = -1;
	if (publish_path(a->sha[i], path, sizeof path) == -1 ||
	    (a->fd = open(path, O_RDONLY | O_CLOEXEC)) == -1) {
		logmsg(LOG_ERR, "zip: file %lld: cannot open its content "
		    "%.12s...: %s",
		    (long long)a->ids[i], a->sha[i], strerror(errno));
		return -1;
	}
	if (fstat(a->fd, &sb) == -1 || (uint64_t)sb.st_size != a->e[i].size) {
		logmsg(LOG_ERR, "zip: file %lld: its content %.12s... changed",
		    (long long)a->ids[i], a->sha[i]);
		close(a->fd);
		a->fd = -1;
		return -1;
	}
	(void)posix_fadvise(a->fd, 0, 0, POSIX_FADV_SEQUENTIAL);
	a->fd_entry = i;
	return 0;
}

/*
 * archive_read: up to MAX bytes of the zip from offset POS into BUF. The
 * bytes read, 0 at the end, or -1 when a content could not be read (it
 * vanished or changed since archive_new: the zip cannot be finished).
 */
ssize_t
archive_read(struct archive *a, uint64_t pos, void *buf, size_t max)
{
	struct piece *p;
	uint64_t off, want;
	ssize_t n;
	int i;

	if (pos >= a->size || max == 0)
		return 0;
	if ((i = piece_at(a, pos)) == -1)
		return -1;
	p = &a->pieces[i];
	off = pos - p->at;
	want = p->len - off < max ? p->len - off : max;
	if (p->entry == -1) {
		memcpy(buf, a->headers.data + p->hdr + off, (size_t)want);
		return (ssize_t)want;
	}
	if (p->entry == -2) {
		memcpy(buf, a->tail.data + off, (size_t)want);
		return (ssize_t)want;
	}
	if (open_entry(a, p->entry) == -1)
		return -1;
	do
		n = pread(a->fd, buf, (size_t)want, (off_t)off);
	while (n == -1 && errno == EINTR);
	if (n <= 0) {
		logmsg(LOG_ERR, "zip: file %lld: cannot read its content: %s",
		    (long long)a->ids[p->entry], n == 0 ? "it is shorter" :
		    strerror(errno));
		return -1;
	}
	if (off + (uint64_t)n == p->len) {
		close(a->fd);
		a->fd = -1;
		a->fd_entry = -1;
	}
	return n;
}

/*
 * archive_entry_sent: of the first SENT bytes of the zip, how many were
 * entry I's content.
 */
uint64_t
archive_entry_sent(const struct archive *a, int i, uint64_t sent)
{
	const struct piece *p = &a->pieces[2 * i + 1];

	if (sent <= p->at)
		return 0;
	return sent - p->at < p->len ? sent - p->at : p->len;
}

/* archive_free: A and what it holds open. */
void
archive_free(struct archive *a)
{
	int i;

	if (a == NULL)
		return;
	if (a->fd != -1)
		close(a->fd);
	for (i = 0; i < a->n; i++)
		free(a->names[i]);
	free(a->names);
	free(a->e);
	free(a->sha);
	free(a->ids);
	free(a->pieces);
	buf_free(&a->headers);
	buf_free(&a->tail);
	free(a);
}
