/* cli_housekeeping.c: "kluis housekeeping": the server's hourly retention round, now. */
#include <getopt.h>
#include <stdio.h>

#include "portal.h"

static const char housekeeping_usage[] =
"usage: kluis housekeeping [--audit-retention-days N] [--mail-retention-days N]\n"
"                          [--data DIR]\n"
"\n"
"What the running server does every hour, now: delete audit and download log\n"
"rows older than --audit-retention-days (default 400), delivered mail (queue\n"
"rows and outbox files) older than --mail-retention-days (default 30), the\n"
"content of withdrawn or expired files nothing else uses, and expired\n"
"sessions. Each deletion is recorded in the audit log by its count.\n";

/* cli_housekeeping: "kluis housekeeping". Returns the exit status. */
int
cli_housekeeping(int argc, char **argv)
{
	struct retention r;
	int status, rc;

	/* Both options are settings: cli_getopt applies them. */
	optind = 1;
	if (cli_getopt(argc, argv, "housekeeping", housekeeping_usage,
	    "audit-retention-days= mail-retention-days=", 0, &status) != -1)
		return status;
	if ((rc = cli_args(argc, argv, "housekeeping", 0, NULL)) != 0)
		return rc;
	if (app_open() == -1)
		return 1;
	store_session_expire(cfg.session_idle, cfg.session_max);
	store_throttle_expire();
	rc = retention_run(now_unix(), &r);
	printf("deleted %d audit rows and %d download rows older than %lld "
	    "days, %d delivered messages and %d outbox files older than %lld "
	    "days, the content of %d withdrawn or expired files\n", r.audit,
	    r.downloads, (long long)(cfg.audit_retention / 86400), r.mail,
	    r.outbox, (long long)(cfg.mail_retention / 86400), r.files);
	app_close();
	return rc == 0 ? 0 : 1;
}
