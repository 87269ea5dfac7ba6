/* util.c: allocation that cannot fail, growable buffers, small string and file helpers. */
#include <sys/stat.h>

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <openssl/crypto.h>

#include "portal.h"

/* fatal: print and exit; only for start-up and impossible states. */
void
fatal(const char *fmt, ...)
{
	va_list ap;
	char pfx[8];

	va_start(ap, fmt);
	fprintf(stderr, "%skluis: ", log_prefix(LOG_ERR, pfx));
	vfprintf(stderr, fmt, ap);
	fputc('\n', stderr);
	va_end(ap);
	exit(1);
}

static pthread_once_t log_once = PTHREAD_ONCE_INIT;
static int log_journal;		/* stderr is a journald stream */
static int log_server;		/* kluis serve: timestamps and level words */
static int log_max = LOG_INFO;	/* the least important level written */

/*
 * Is stderr the stream journald gave us? JOURNAL_STREAM names its device
 * and inode; a stderr redirected elsewhere keeps the variable but not the
 * stream.
 */
static void
log_detect(void)
{
	const char *js = getenv("JOURNAL_STREAM");
	unsigned long long dev, ino;
	struct stat st;

	log_journal = js != NULL && sscanf(js, "%llu:%llu", &dev, &ino) == 2 &&
	    fstat(STDERR_FILENO, &st) == 0 && (unsigned long long)st.st_dev ==
	    dev && (unsigned long long)st.st_ino == ino;
}

/*
 * log_setup: events less important than LEVEL (LOG_ERR ... LOG_DEBUG) are
 * not written; SERVER: lines carry a timestamp and their level's name
 * (else "kluis: message", as a command's).
 */
void
log_setup(int level, int server)
{
	log_max = level;
	log_server = server;
}

/* log_prefix: "<N>" for LEVEL when stderr goes to journald, else "". */
const char *
log_prefix(int level, char buf[8])
{
	pthread_once(&log_once, log_detect);
	if (!log_journal)
		return "";
	snprintf(buf, 8, "<%d>", level & 7);
	return buf;
}

/*
 * logmsg: one line to stderr at LEVEL (LOG_ERR, LOG_WARNING, LOG_INFO,
 * LOG_DEBUG): under journald with its priority prefix ("<3>..."), else with
 * a UTC timestamp and the level's name; never pass secrets.
 */
void
logmsg(int level, const char *fmt, ...)
{
	static const char *const names[8] = { "emergency", "alert",
	    "critical", "error", "warning", "notice", "info", "debug" };
	char ts[32], pfx[8];
	va_list ap;

	if (level > log_max)
		return;
	log_prefix(level, pfx);
	va_start(ap, fmt);
	flockfile(stderr);
	if (log_journal)
		fputs(pfx, stderr);
	else if (log_server) {
		time_format(now_unix(), TIME_ISO, ts, sizeof ts);
		fprintf(stderr, "%s %s: ", ts, names[level & 7]);
	} else
		fputs("kluis: ", stderr);
	vfprintf(stderr, fmt, ap);
	fputc('\n', stderr);
	funlockfile(stderr);
	va_end(ap);
}

void *
xmalloc(size_t n)
{
	void *p = malloc(n ? n : 1);

	if (p == NULL)
		fatal("out of memory");
	return p;
}

void *
xcalloc(size_t n, size_t sz)
{
	void *p = calloc(n ? n : 1, sz ? sz : 1);

	if (p == NULL)
		fatal("out of memory");
	return p;
}

void *
xrealloc(void *p, size_t n)
{
	p = realloc(p, n ? n : 1);
	if (p == NULL)
		fatal("out of memory");
	return p;
}

/*
 * xgrow: P, an array of N elements of SIZE bytes with room for *CAP, made
 * room for one more (doubling). Returns the array, maybe moved.
 */
void *
xgrow(void *p, size_t n, size_t *cap, size_t size)
{
	if (n < *cap)
		return p;
	if (*cap > ((size_t)1 << 28))
		fatal("xgrow: array too large");
	*cap = *cap ? *cap * 2 : 8;
	return xrealloc(p, (size_t)*cap * size);
}

char *
xstrdup(const char *s)
{
	char *p = strdup(s ? s : "");

	if (p == NULL)
		fatal("out of memory");
	return p;
}

static void	buf_grow(struct buf *, size_t);

/* xasprintf: formatted string; caller frees. */
char *
xasprintf(const char *fmt, ...)
{
	struct buf b = { 0 };
	va_list ap;

	va_start(ap, fmt);
	buf_vprintf(&b, fmt, ap);
	va_end(ap);
	return buf_steal(&b);
}

static void
buf_grow(struct buf *b, size_t more)
{
	size_t need = b->len + more + 1;

	if (need < b->len)
		fatal("buffer overflow");
	if (need <= b->cap)
		return;
	if (b->cap == 0)
		b->cap = 256;
	while (b->cap < need)
		b->cap *= 2;
	b->data = xrealloc(b->data, b->cap);
}

void
buf_append(struct buf *b, const void *p, size_t n)
{
	buf_grow(b, n);
	if (n)
		memcpy(b->data + b->len, p, n);
	b->len += n;
	b->data[b->len] = '\0';
}

void
buf_puts(struct buf *b, const char *s)
{
	buf_append(b, s, strlen(s));
}

void
buf_putc(struct buf *b, char c)
{
	buf_append(b, &c, 1);
}

/*
 * buf_vprintf: append the formatted AP; the one printf of the program's
 * strings.
 */
void
buf_vprintf(struct buf *b, const char *fmt, va_list ap)
{
	va_list again;
	int n;

	va_copy(again, ap);
	n = vsnprintf(NULL, 0, fmt, again);
	va_end(again);
	if (n < 0)
		fatal("buf_vprintf: bad format");
	buf_grow(b, (size_t)n);
	vsnprintf(b->data + b->len, (size_t)n + 1, fmt, ap);
	b->len += (size_t)n;
}

void
buf_printf(struct buf *b, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	buf_vprintf(b, fmt, ap);
	va_end(ap);
}

/* buf_steal: the contents as a C string (never NULL); caller frees. */
char *
buf_steal(struct buf *b)
{
	char *p;

	if (b->data == NULL)
		return xstrdup("");
	p = b->data;
	memset(b, 0, sizeof *b);
	return p;
}

void
buf_free(struct buf *b)
{
	free(b->data);
	memset(b, 0, sizeof *b);
}

void
buf_wipe(struct buf *b)
{
	if (b->data)
		OPENSSL_cleanse(b->data, b->cap);
	buf_free(b);
}

/* strv_free: N strings of V, then V. */
void
strv_free(char **v, int n)
{
	for (int i = 0; i < n; i++)
		free(v[i]);
	free(v);
}

int
str_has_prefix(const char *s, const char *prefix)
{
	return strncmp(s, prefix, strlen(prefix)) == 0;
}

void
str_lower(char *s)
{
	for (; *s; s++)
		*s = (char)tolower((unsigned char)*s);
}

/* str_trim: strip ASCII white space at both ends, in place. */
void
str_trim(char *s)
{
	size_t n = strlen(s), i = 0;

	while (n > 0 && isspace((unsigned char)s[n - 1]))
		s[--n] = '\0';
	while (s[i] && isspace((unsigned char)s[i]))
		i++;
	if (i)
		memmove(s, s + i, n - i + 1);
}

/*
 * The code point *P starts, *P moved past it; -1 when *P starts no valid
 * UTF-8 (overlong forms, surrogates and values above U+10FFFF included).
 */
static long
utf8_next(const unsigned char **p)
{
	/* The lead byte of a sequence of 1 to 4 bytes, and its least value. */
	static const struct {
		unsigned char	 mask, bits;
		uint32_t	 min;
	} lead[] = { { 0x80, 0x00, 0 }, { 0xe0, 0xc0, 0x80 },
	    { 0xf0, 0xe0, 0x800 }, { 0xf8, 0xf0, 0x10000 } };
	const unsigned char *q = *p;
	uint32_t cp;
	int more, i;

	for (more = 0; more < 4 && (*q & lead[more].mask) != lead[more].bits;
	    more++)
		;
	if (more == 4)
		return -1;
	cp = *q++ & (unsigned char)~lead[more].mask;
	for (i = 0; i < more; i++, q++) {
		if ((*q & 0xc0) != 0x80)
			return -1;	/* also stops at the NUL */
		cp = cp << 6 | (*q & 0x3f);
	}
	if (cp < lead[more].min || cp > 0x10ffff ||
	    (cp >= 0xd800 && cp <= 0xdfff))
		return -1;
	*p = q;
	return (long)cp;
}

/* A C0 or C1 control character, or DEL. */
static int
is_control(long c)
{
	return c < 0x20 || (c >= 0x7f && c <= 0x9f);
}

/*
 * str_utf8: the characters (code points) of S when it is valid UTF-8 with
 * no control character (C0, DEL, C1), else -1.
 */
long
str_utf8(const char *s)
{
	const unsigned char *p = (const unsigned char *)s;
	long count = 0, c;

	while (*p != '\0') {
		if ((c = utf8_next(&p)) == -1 || is_control(c))
			return -1;
		count++;
	}
	return count;
}

/*
 * str_text_ok: S is valid UTF-8 of 1 to MAX bytes, not only whitespace,
 * with no C0 or C1 control character (but a newline where NEWLINE), no
 * DEL, and no bidirectional mark, embedding, override or isolate (U+061C,
 * U+200E, U+200F, U+202A-U+202E, U+2066-U+2069): with one of those a name
 * could reorder the text around it ("txt.exe" shown as "exe.txt").
 */
int
str_text_ok(const char *s, size_t max, int newline)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t n = strlen(s);
	long c;
	int seen = 0;

	if (n == 0 || n > max)
		return 0;
	while (*p) {
		if ((c = utf8_next(&p)) == -1)
			return 0;
		if (is_control(c) && !(newline && c == '\n'))
			return 0;
		if (c == 0x061c || c == 0x200e || c == 0x200f ||
		    (c >= 0x202a && c <= 0x202e) || (c >= 0x2066 && c <= 0x2069))
			return 0;
		if (c != ' ' && c != '\n' && c != '\t')
			seen = 1;
	}
	return seen;
}

/*
 * fsync_parent: fsync the directory holding PATH, so that a new name in it
 * lasts.
 */
void
fsync_parent(const char *path)
{
	const char *slash = strrchr(path, '/');
	char *dir = slash == NULL ? xstrdup(".") :
	    xasprintf("%.*s", (int)(slash - path) + (slash == path), path);
	int fd;

	if ((fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC)) != -1) {
		(void)fsync(fd);
		close(fd);
	}
	free(dir);
}

/*
 * write_file_atomic: write to PATH.tmp, fsync, rename over PATH, fsync the
 * directory. Returns 0, or -1 with errno set.
 */
int
write_file_atomic(const char *path, const void *p, size_t n, int mode)
{
	char tmp[4096];
	ssize_t w;
	size_t off = 0;
	int fd, saved;

	if ((size_t)snprintf(tmp, sizeof tmp, "%s.tmp", path) >= sizeof tmp) {
		errno = ENAMETOOLONG;
		return -1;
	}
	if ((fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, mode)) == -1)
		return -1;
	while (off < n) {
		if ((w = write(fd, (const char *)p + off, n - off)) == -1) {
			if (errno == EINTR)
				continue;
			goto fail;
		}
		off += (size_t)w;
	}
	if (fsync(fd) == -1)
		goto fail;
	if (close(fd) == -1) {
		fd = -1;
		goto fail;
	}
	fd = -1;
	if (rename(tmp, path) == -1)
		goto fail;
	fsync_parent(path);
	return 0;
fail:
	saved = errno;
	if (fd != -1)
		close(fd);
	unlink(tmp);
	errno = saved;
	return -1;
}

/* mkdir_p: create PATH and its parents; 0, or -1 with errno set. */
int
mkdir_p(const char *path, int mode)
{
	char tmp[4096], *p;

	if ((size_t)snprintf(tmp, sizeof tmp, "%s", path) >= sizeof tmp) {
		errno = ENAMETOOLONG;
		return -1;
	}
	for (p = tmp + 1; *p; p++) {
		if (*p != '/')
			continue;
		*p = '\0';
		if (mkdir(tmp, (mode_t)mode) == -1 && errno != EEXIST)
			return -1;
		*p = '/';
	}
	if (mkdir(tmp, (mode_t)mode) == -1 && errno != EEXIST)
		return -1;
	return 0;
}

int64_t
now_unix(void)
{
	return (int64_t)time(NULL);
}
