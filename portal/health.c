/*
 * health.c: is the service ready for work (/readyz)? The database takes
 * writes, the key is loaded and its file still holds it, the data
 * directory has room, and mail does not wait too long.
 */
#include <sys/statvfs.h>

#include <stdio.h>
#include <unistd.h>

#include "portal.h"

#define ROOM_MIN_BYTES	(100ULL << 20)	/* 100 MiB free at least ... */
#define ROOM_MIN_PERCENT 1		/* ... and 1% of the file system */
#define MAIL_WAIT_MAX	(15 * 60)	/* seconds the oldest message may wait */

/*
 * health_ready: 0 when ready; else -1 with WHY (one line, no secret) saying
 * what is wrong.
 */
int
health_ready(char *why, size_t len)
{
	struct statvfs vfs;
	unsigned long long avail, total;
	int64_t oldest = 0, n;
	char loaded[65], file[65];

	if (db_writable() == -1) {
		snprintf(why, len, "database not writable: %s/kluis.db",
		    cfg.data);
		return -1;
	}
	if (!crypto_key_ok()) {
		snprintf(why, len, "key not loaded");
		return -1;
	}
	/* Quietly first: a probe every few seconds must not flood the log. */
	crypto_key_fingerprint(loaded);
	if (cfg.key_file == NULL || access(cfg.key_file, R_OK) == -1 ||
	    crypto_key_file_fingerprint(cfg.key_file, file) != 0 ||
	    !crypto_streq(loaded, file)) {
		snprintf(why, len, "key not loaded: %s cannot be read or holds "
		    "another key", cfg.key_file ? cfg.key_file : "(none)");
		return -1;
	}
	if (statvfs(cfg.data, &vfs) == 0) {
		avail = (unsigned long long)vfs.f_bavail * vfs.f_frsize;
		total = (unsigned long long)vfs.f_blocks * vfs.f_frsize;
		if (avail < ROOM_MIN_BYTES) {
			snprintf(why, len, "data directory nearly full: %llu MiB "
			    "free, less than %llu MiB", avail >> 20,
			    ROOM_MIN_BYTES >> 20);
			return -1;
		}
		if (avail * 100 < total * ROOM_MIN_PERCENT) {
			snprintf(why, len, "data directory nearly full: %llu MiB "
			    "free, less than %d%%", avail >> 20,
			    ROOM_MIN_PERCENT);
			return -1;
		}
	}
	if ((n = store_mail_pending(&oldest)) < 0) {
		snprintf(why, len, "database not readable (mail queue)");
		return -1;
	}
	if (n > 0 && now_unix() - oldest > MAIL_WAIT_MAX) {
		snprintf(why, len, "mail waiting too long: the oldest of %lld "
		    "undelivered messages was queued %lld minutes ago",
		    (long long)n, (long long)(now_unix() - oldest) / 60);
		return -1;
	}
	snprintf(why, len, "ready");
	return 0;
}
