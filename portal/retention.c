/*
 * retention.c: what is kept, and for how long: audit and download rows
 * (addresses, who did what) for audit-retention-days, delivered mail
 * (queue rows and DATA/outbox/ files, which hold temporary passwords) for
 * mail-retention-days, and the content of withdrawn or expired files until
 * nothing live uses it. Each deletion is audited by its count.
 */
#include <sys/stat.h>

#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "portal.h"

/* Outbox files (delivered .eml, and .tmp a crash left) older than BEFORE. */
static int
outbox_expire(int64_t before)
{
	char dir[4096], path[4096 + 256];
	struct dirent *de;
	struct stat st;
	size_t len;
	DIR *d;
	int n = 0;

	snprintf(dir, sizeof dir, "%s/outbox", cfg.data);
	if ((d = opendir(dir)) == NULL)
		return errno == ENOENT ? 0 : -1;
	while ((de = readdir(d)) != NULL) {
		len = strlen(de->d_name);
		if (!(len > 4 && strcmp(de->d_name + len - 4, ".eml") == 0) &&
		    !(len > 4 && strcmp(de->d_name + len - 4, ".tmp") == 0))
			continue;
		snprintf(path, sizeof path, "%s/%s", dir, de->d_name);
		if (lstat(path, &st) == 0 && S_ISREG(st.st_mode) &&
		    (int64_t)st.st_mtime < before && unlink(path) == 0)
			n++;
	}
	closedir(d);
	return n;
}

/* Content of withdrawn or expired publications nothing live uses. */
static int
content_expire(void)
{
	char **shas;
	int n, i, removed = 0;

	if ((n = store_file_dead_shas(&shas)) < 0)
		return -1;
	for (i = 0; i < n; i++)
		if (publish_drop_content(shas[i]) == 1)
			removed++;
	strv_free(shas, n);
	return removed;
}

/*
 * Audit EVENT with the detail FMT when N things were deleted; log that
 * WHAT could not be deleted when N is -1. 0, or -1.
 */
static int PRINTF_LIKE(4, 5)
report(const char *event, const char *what, int n, const char *fmt, ...)
{
	struct buf d = { 0 };
	va_list ap;

	if (n < 0) {
		logmsg(LOG_ERR, "retention: cannot delete %s", what);
		return -1;
	}
	if (n > 0) {
		va_start(ap, fmt);
		buf_vprintf(&d, fmt, ap);
		va_end(ap);
		store_audit(0, 0, event, "", d.data);
		buf_free(&d);
	}
	return 0;
}

/*
 * retention_run: one round of retention at NOW, its counts into *R (may
 * be NULL), each kind of deletion audited ("retention.audit",
 * "retention.mail", "retention.files") when there was any. 0, or -1 when
 * a part failed (logged; the others ran).
 */
int
retention_run(int64_t now, struct retention *r)
{
	struct retention c = { 0 };
	int64_t before;
	int rc = 0;

	before = now - cfg.audit_retention;
	c.audit = store_audit_expire(before);
	c.downloads = c.audit < 0 ? 0 : store_download_expire(before);
	rc |= report("retention.audit", "old audit rows", c.audit < 0 ||
	    c.downloads < 0 ? -1 : c.audit + c.downloads,
	    "%d audit and %d download rows older than %lld days", c.audit,
	    c.downloads, (long long)(cfg.audit_retention / 86400));
	before = now - cfg.mail_retention;
	c.mail = store_mail_expire(before);
	c.outbox = c.mail < 0 ? 0 : outbox_expire(before);
	rc |= report("retention.mail", "old mail", c.mail < 0 || c.outbox < 0 ?
	    -1 : c.mail + c.outbox,
	    "%d delivered messages and %d outbox files older than %lld days",
	    c.mail, c.outbox, (long long)(cfg.mail_retention / 86400));
	c.files = content_expire();
	rc |= report("retention.files", "the content of old files", c.files,
	    "the content of %d withdrawn or expired files", c.files);
	if (r != NULL)
		*r = c;
	return rc;
}
