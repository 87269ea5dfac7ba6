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
	char *d;
	int rc = 0;

	before = now - cfg.audit_retention;
	if ((c.audit = store_audit_expire(before)) < 0 ||
	    (c.downloads = store_download_expire(before)) < 0) {
		logmsg(LOG_ERR, "retention: cannot delete old audit rows");
		rc = -1;
	} else if (c.audit + c.downloads > 0) {
		d = xasprintf("%d audit and %d download rows older than %lld "
		    "days", c.audit, c.downloads,
		    (long long)(cfg.audit_retention / 86400));
		store_audit(0, 0, "retention.audit", "", d);
		free(d);
	}
	before = now - cfg.mail_retention;
	if ((c.mail = store_mail_expire(before)) < 0 ||
	    (c.outbox = outbox_expire(before)) < 0) {
		logmsg(LOG_ERR, "retention: cannot delete old mail");
		rc = -1;
	} else if (c.mail + c.outbox > 0) {
		d = xasprintf("%d delivered messages and %d outbox files older "
		    "than %lld days", c.mail, c.outbox,
		    (long long)(cfg.mail_retention / 86400));
		store_audit(0, 0, "retention.mail", "", d);
		free(d);
	}
	if ((c.files = content_expire()) < 0) {
		logmsg(LOG_ERR,
		    "retention: cannot delete the content of old files");
		rc = -1;
	} else if (c.files > 0) {
		d = xasprintf("the content of %d withdrawn or expired files",
		    c.files);
		store_audit(0, 0, "retention.files", "", d);
		free(d);
	}
	if (r != NULL)
		*r = c;
	return rc;
}
