/* main.c: the kluis command: "serve" and the admin subcommands. */
#include <sys/stat.h>

#include <errno.h>
#include <getopt.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "portal.h"

static const char usage[] =
"usage: kluis COMMAND [ARGS]\n"
"\n"
"kluis is a download portal secured by password and authenticator app.\n"
"\n"
"commands:\n"
"  serve         run the portal (see kluis serve --help)\n"
"  user add      create an account; its temporary password is emailed\n"
"  user show|edit|list|disable|enable|resend|unlock|export|delete\n"
"                accounts (see kluis user --help)\n"
"  user reset-otp  remove a user's authenticators; they enrol again\n"
"  requests      pending requests for an authenticator reset; requests\n"
"                approve|refuse EMAIL answers one\n"
"  subject add|edit|list  subjects (\"onderwerpen\")\n"
"  grant         give an account a subject and email its validation code\n"
"  revoke        take a subject away from an account\n"
"  publish       publish a file on a subject for its grantees\n"
"  files         list a subject's files with their downloads\n"
"  downloads     the download log of one file\n"
"  unpublish     withdraw a published file\n"
"  audit         the audit log, filtered, as a table or CSV\n"
"  mail list     undelivered mail; mail retry: deliver it now\n"
"  mail test     send a test message now, the configured way\n"
"\n"
"  backup DIR    a consistent copy of the data directory, the server running\n"
"  restore DIR   a new data directory from a backup (--data NEW --key FILE)\n"
"  check         database integrity, every live file, the key\n"
"  key rotate    re-seal every secret under a new key\n"
"  housekeeping  delete what is kept past its retention, now\n"
"\n"
"Every command takes --config FILE (default /etc/kluis/kluis.conf when it\n"
"exists), --data DIR (default ./var), --share DIR, --key FILE and --help.\n"
"Settings come from the command line, else the environment (KLUIS_DATA,\n"
"...), else the configuration file; see kluis.conf(5).\n";

static const char serve_usage[] =
"usage: kluis serve [--config FILE] [options]\n"
"\n"
"Every option may be set in the configuration file (name = value) or the\n"
"environment (KLUIS_NAME, - as _) instead; the command line wins.\n"
"\n";

/*
 * On an empty database: the first admin. Its temporary password is shown
 * on a terminal; under a service manager stdout goes to the journal and
 * its backups, so there the password goes into a file in the data
 * directory that only this user can read, removed at the first login.
 */
static int
first_admin(void)
{
	char *temp = NULL, *text, *path;
	int64_t id;
	int rc;

	if (store_user_count() != 0)
		return 0;
	if ((id = account_invite(cfg.admin_email, "", 1, NULL, 0, "",
	    &temp)) < 0) {
		logmsg(LOG_ERR, "cannot create the first admin %s",
		    cfg.admin_email);
		return -1;
	}
	text = xasprintf("kluis: first admin account created\n"
	    "  email:              %s\n"
	    "  temporary password: %s\n"
	    "  open:               %s/login\n", cfg.admin_email, temp,
	    cfg.public_url);
	explicit_bzero(temp, strlen(temp));
	free(temp);
	rc = 0;
	if (isatty(STDOUT_FILENO)) {
		fputs(text, stdout);
		fflush(stdout);
	} else {
		path = account_first_admin_file();
		if (write_file_atomic(path, text, strlen(text), 0600) == -1) {
			logmsg(LOG_ERR, "cannot write %s: %s", path,
			    strerror(errno));
			rc = -1;
		} else
			logmsg(LOG_NOTICE, "first admin %s created; its "
			    "temporary password is in %s (readable by this "
			    "user only, removed at its first login)",
			    cfg.admin_email, path);
		free(path);
	}
	explicit_bzero(text, strlen(text));
	free(text);
	return rc;
}

static int
serve(int argc, char **argv)
{
	sigset_t sigs;
	char err[512];
	int c, sig, left, status;

	/* Every option is a setting of the table in config.c. */
	optind = 1;
	while ((c = cli_getopt(argc, argv, "serve", serve_usage, NULL, 1,
	    &status)) != -1)
		if (c == CLI_EXIT)
			return status;
	if ((status = cli_args(argc, argv, "serve", 0, NULL)) != 0)
		return status;
	if (config_check(1, err, sizeof err) == -1)
		return cli_usage_error("serve", "%s", err);
	log_setup(cfg.log_level, 1);
	if (mail_init() == -1 || access_open() == -1)
		return 1;
	if (page_static_logo_load(err, sizeof err) == -1) {
		logmsg(LOG_ERR, "kluis serve: %s", err);
		return 1;
	}
	if (app_start(APP_SERVE, NULL) == -1 || first_admin() == -1)
		return 1;
	app_public_url_save();
	app_mail_settings_save();

	/* Threads inherit the blocked set; only sigwait() below sees these. */
	sigemptyset(&sigs);
	sigaddset(&sigs, SIGINT);
	sigaddset(&sigs, SIGTERM);
	sigaddset(&sigs, SIGHUP);
	pthread_sigmask(SIG_BLOCK, &sigs, NULL);
	signal(SIGPIPE, SIG_IGN);
	if (http_start() == -1 || metrics_start() == -1 ||
	    worker_start() == -1) {
		metrics_stop();
		http_stop();
		return 1;
	}
	if (cfg.smtp_url != NULL && cfg.smtp_without_tls &&
	    !mail_smtp_local(cfg.smtp_url, NULL))
		logmsg(LOG_WARNING, "smtp-without-tls: mail to %s may go "
		    "without TLS; temporary passwords and reset links can be "
		    "read on the network", "the SMTP server");
	logmsg(LOG_INFO, "kluis %s listening on %s; open %s/login",
	    KLUIS_VERSION, cfg.listen, cfg.public_url);
	notify("READY=1\nSTATUS=listening on %s", cfg.listen);
	for (;;) {
		if (sigwait(&sigs, &sig) != 0)
			continue;
		if (sig != SIGHUP)
			break;
		logmsg(LOG_INFO, "SIGHUP: reloading");
		notify_reloading();
		http_reload();
		access_reopen();
		notify("READY=1\nSTATUS=listening on %s", cfg.listen);
	}
	notify("STOPPING=1\nSTATUS=stopping: waiting up to %llds for running "
	    "requests", (long long)cfg.shutdown_grace);
	logmsg(LOG_INFO, "stopping on signal %d: no new connections; waiting "
	    "up to %llds for running requests", sig,
	    (long long)cfg.shutdown_grace);
	if ((left = http_quiesce(cfg.shutdown_grace)) > 0)
		logmsg(LOG_WARNING, "stopping with %d requests still running",
		    left);
	metrics_stop();
	http_stop();
	worker_stop();
	access_close();
	app_close();
	return 0;
}

/* The subcommands; each parses its own options (cli_*.c). */
static const struct cli_command commands[] = {
	{ "serve", serve },
	{ "user", cli_user },
	{ "mail", cli_mail },
	{ "subject", cli_subject },
	{ "grant", cli_grant },
	{ "revoke", cli_grant_revoke },
	{ "publish", cli_file_publish },
	{ "files", cli_file_list },
	{ "downloads", cli_file_downloads },
	{ "unpublish", cli_file_unpublish },
	{ "requests", cli_requests },
	{ "audit", cli_audit },
	{ "backup", cli_backup },
	{ "restore", cli_backup_restore },
	{ "check", cli_backup_check },
	{ "key", cli_key },
	{ "housekeeping", cli_housekeeping },
};

int
main(int argc, char **argv)
{
	size_t i;

	/* The database, key, files and mail are nobody else's business. */
	umask(077);
	if (argc < 2) {
		fputs(usage, stderr);
		return 2;
	}
	if (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0 ||
	    strcmp(argv[1], "help") == 0) {
		fputs(usage, stdout);
		return 0;
	}
	if (strcmp(argv[1], "--version") == 0) {
		printf("kluis %s\n", KLUIS_VERSION);
		return 0;
	}
	for (i = 0; i < sizeof commands / sizeof commands[0]; i++)
		if (strcmp(argv[1], commands[i].name) == 0)
			return commands[i].run(argc - 1, argv + 1);
	fprintf(stderr, "kluis: unknown command %s\n", argv[1]);
	fputs(usage, stderr);
	return 2;
}
