/*
 * access.c: the access log (--access-log FILE|-): one line per request,
 * written when its answer went out; SIGHUP reopens the file, so logrotate
 * can move it away.
 */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "portal.h"

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static int fd = -1;

static int
open_log(void)
{
	if (strcmp(cfg.access_log, "-") == 0)
		return STDOUT_FILENO;
	return open(cfg.access_log, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC,
	    0640);
}

/* access_open: open cfg.access_log, when set. 0, or -1 (logged). */
int
access_open(void)
{
	if (cfg.access_log == NULL)
		return 0;
	if ((fd = open_log()) == -1) {
		logmsg(LOG_ERR, "access log: cannot open %s: %s", cfg.access_log,
		    strerror(errno));
		return -1;
	}
	return 0;
}

/* access_reopen: SIGHUP: open the file again; on an error the old one stays. */
void
access_reopen(void)
{
	int nfd, old;

	if (cfg.access_log == NULL || strcmp(cfg.access_log, "-") == 0)
		return;
	if ((nfd = open_log()) == -1) {
		logmsg(LOG_WARNING, "access log: cannot reopen %s, going on "
		    "with the file open: %s", cfg.access_log, strerror(errno));
		return;
	}
	pthread_mutex_lock(&lock);
	old = fd;
	fd = nfd;
	pthread_mutex_unlock(&lock);
	if (old > STDERR_FILENO)
		close(old);
	logmsg(LOG_INFO, "access log: reopened %s", cfg.access_log);
}

/* access_close: at exit. */
void
access_close(void)
{
	pthread_mutex_lock(&lock);
	if (fd > STDERR_FILENO)
		close(fd);
	fd = -1;
	pthread_mutex_unlock(&lock);
}

/* Bytes of S that would make the line ambiguous or unsafe to view, as %XX. */
static void
put_escaped(struct buf *b, const char *s, size_t max)
{
	static const char hex[] = "0123456789ABCDEF";
	const unsigned char *p = (const unsigned char *)s;

	for (; *p && max > 0; p++, max--) {
		if (*p <= 0x20 || *p >= 0x7f || *p == '%' || *p == '"' ||
		    *p == '\\') {
			buf_putc(b, '%');
			buf_putc(b, hex[*p >> 4]);
			buf_putc(b, hex[*p & 15]);
		} else
			buf_putc(b, (char)*p);
	}
	if (*p)
		buf_puts(b, "...");
}

/*
 * access_write: one request: when (now), the client ADDR, METHOD, PATH
 * (no query string: tokens travel there), STATUS (0: none sent), BYTES
 * of the body sent, MS it took, the ACCOUNT id (0: none). Nothing when
 * there is no access log.
 */
void
access_write(const char *addr, const char *method, const char *path,
    unsigned status, uint64_t bytes, int64_t ms, int64_t account)
{
	struct buf b = { 0 };
	char ts[32];
	ssize_t w;
	size_t off = 0;

	if (fd == -1)
		return;
	time_format(now_unix(), TIME_ISO, ts, sizeof ts);
	buf_printf(&b, "%s ", ts);
	put_escaped(&b, addr, 64);
	buf_putc(&b, ' ');
	put_escaped(&b, method, 16);
	buf_putc(&b, ' ');
	put_escaped(&b, path, 1024);
	buf_printf(&b, " %u %llu %lld ", status, (unsigned long long)bytes,
	    (long long)ms);
	if (account > 0)
		buf_printf(&b, "%lld\n", (long long)account);
	else
		buf_puts(&b, "-\n");
	pthread_mutex_lock(&lock);
	while (fd != -1 && off < b.len) {
		if ((w = write(fd, b.data + off, b.len - off)) == -1 &&
		    errno == EINTR)
			continue;
		if (w <= 0)
			break;
		off += (size_t)w;
	}
	pthread_mutex_unlock(&lock);
	buf_free(&b);
}
