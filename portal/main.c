/* main.c: the kluis command: "serve" and the admin subcommands. */
#include <sys/stat.h>

#include <getopt.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "portal.h"

static const char usage[] =
"usage: kluis COMMAND [ARGS]\n"
"\n"
"kluis is a download portal secured by password and authenticator app.\n"
"\n"
"commands:\n"
"  serve         run the portal (see kluis serve --help)\n"
"  user add      create an account; its temporary password is emailed\n"
"  user list|disable|enable|resend   accounts (see kluis user --help)\n"
"  user reset-otp  remove a user's authenticators; they enrol again\n"
"  requests      list pending requests for an authenticator reset\n"
"  subject add   create a subject (\"onderwerp\"); subject list: all of them\n"
"  grant         give an account a subject and email its validation code\n"
"  revoke        take a subject away from an account\n"
"  publish       publish a file on a subject for its grantees\n"
"  files         list a subject's files with their downloads\n"
"  unpublish     withdraw a published file\n"
"  audit         the audit log, filtered, as a table or CSV\n"
"  mail list     undelivered mail; mail retry: deliver it now\n"
"\n"
"Every command takes --data DIR (default ./var) and --help.\n";

static const char serve_usage[] =
"usage: kluis serve [options]\n"
"\n"
"  --listen ADDR:PORT     where to listen (default 127.0.0.1:8080; [::1]:8080 for IPv6)\n"
"  --data DIR             database, key, files and outbox (default ./var)\n"
"  --public-url URL       the address users open, used in mailed links; an\n"
"                         https:// URL also makes cookies Secure and sends HSTS\n"
"                         (default http://LISTEN)\n"
"  --admin-email EMAIL    the first admin, created on an empty database\n"
"                         (default admin@localhost)\n"
"  --issuer NAME          the name authenticator apps show (default kluis)\n"
"  --smtp-url URL         deliver mail by SMTP, e.g. smtp://mail.example:587 or\n"
"                         smtps://user:pass@host (default: write .eml files\n"
"                         into DIR/outbox/); smtp:// needs STARTTLS unless the\n"
"                         server is on this machine (localhost, 127.x, [::1])\n"
"  --mail-from ADDR       the From of every message\n"
"                         (default \"kluis <noreply@localhost>\")\n"
"  --tls-cert FILE        serve HTTPS with this PEM certificate (chain)\n"
"  --tls-key FILE         ... and this PEM private key\n"
"  --trust-proxy          take the client address from X-Forwarded-For (only\n"
"                         behind a reverse proxy that sets it)\n"
"  --key FILE             the key sealing secrets at rest (default DIR/kluis.key;\n"
"                         keep it out of database backups)\n"
"  --share DIR            where templates/, static/ and data/ live\n"
"  --threads N            worker threads (default 4)\n"
"  --session-idle SECS    idle session timeout (default 1800)\n"
"  --session-max SECS     absolute session timeout (default 36000)\n"
"  --max-body BYTES       largest form body accepted (default 65536)\n"
"  --max-upload BYTES     largest file the admin console accepts for upload\n"
"                         (default 2147483648, 2 GiB)\n"
"  --max-account-failures N  free failures per account before delays (default 5)\n"
"  --max-ip-failures N    free failures per client address (default 50)\n"
"  --unlock-minutes N     how long a validation code unlocks a subject in a\n"
"                         session (default 30)\n"
"  --unlock-seconds N     the same in seconds, for tests and demonstrations\n"
"  --reset-ttl SECS       how long a mailed password-reset link works\n"
"                         (default 1800)\n"
"  --reset-reenrols       the reset link alone removes the user's devices and\n"
"                         they enrol again (the mailbox becomes a single\n"
"                         factor; off by default)\n"
"  --header-timeout SECS  a request's headers must arrive within this time of\n"
"                         its first byte (default 10)\n"
"  --shutdown-grace SECS  on SIGTERM, how long running requests (downloads)\n"
"                         may finish before the server exits (default 30)\n"
"  --max-connections N    open connections at most (default 10000; the open\n"
"                         file limit is raised to fit)\n"
"  --max-connections-per-address N  open connections of one client address,\n"
"                         or with --trust-proxy its requests in flight\n"
"                         (default 256)\n"
"  --hash-threads N       threads hashing passwords, off the threads that serve\n"
"                         pages and downloads (default: one per core)\n"
"  --hash-queue N         logins waiting for a hashing thread, at most; more\n"
"                         get 503 with Retry-After (default 64)\n";

static long
number(const char *s, long min, long max, const char *what)
{
	char *end;
	long v = strtol(s, &end, 10);

	if (*s == '\0' || *end != '\0' || v < min || v > max) {
		fprintf(stderr, "kluis serve: %s must be a number from %ld to %ld\n",
		    what, min, max);
		exit(2);
	}
	return v;
}

/* On an empty database: the first admin, whose password is printed once. */
static int
first_admin(void)
{
	char *temp = NULL;
	int64_t id;

	if (store_user_count() != 0)
		return 0;
	if ((id = user_invite(cfg.admin_email, "", 1, 0, "", &temp)) < 0) {
		fprintf(stderr, "kluis: cannot create the first admin %s\n",
		    cfg.admin_email);
		return -1;
	}
	printf("kluis: first admin account created\n"
	    "  email:              %s\n"
	    "  temporary password: %s\n"
	    "  open:               %s/login\n", cfg.admin_email, temp,
	    cfg.public_url);
	fflush(stdout);
	explicit_bzero(temp, strlen(temp));
	free(temp);
	return 0;
}

static int
serve(int argc, char **argv)
{
	enum { O_LISTEN = 256, O_DATA, O_URL, O_ADMIN, O_ISSUER, O_SMTP, O_FROM,
	    O_CERT, O_KEYF, O_PROXY, O_KEY, O_SHARE, O_THREADS, O_IDLE, O_MAX,
	    O_BODY, O_ACCT, O_IP, O_HELP, O_UNLOCK_MIN, O_UNLOCK_SEC,
	    O_RESET_TTL, O_REENROL, O_UPLOAD, O_HEADER_TIMEOUT, O_GRACE,
	    O_CONNS, O_CONNS_ADDR, O_HASH_THREADS, O_HASH_QUEUE };
	static const struct option opts[] = {
		{ "listen", required_argument, NULL, O_LISTEN },
		{ "data", required_argument, NULL, O_DATA },
		{ "public-url", required_argument, NULL, O_URL },
		{ "admin-email", required_argument, NULL, O_ADMIN },
		{ "issuer", required_argument, NULL, O_ISSUER },
		{ "smtp-url", required_argument, NULL, O_SMTP },
		{ "mail-from", required_argument, NULL, O_FROM },
		{ "tls-cert", required_argument, NULL, O_CERT },
		{ "tls-key", required_argument, NULL, O_KEYF },
		{ "trust-proxy", no_argument, NULL, O_PROXY },
		{ "key", required_argument, NULL, O_KEY },
		{ "share", required_argument, NULL, O_SHARE },
		{ "threads", required_argument, NULL, O_THREADS },
		{ "session-idle", required_argument, NULL, O_IDLE },
		{ "session-max", required_argument, NULL, O_MAX },
		{ "max-body", required_argument, NULL, O_BODY },
		{ "max-account-failures", required_argument, NULL, O_ACCT },
		{ "max-ip-failures", required_argument, NULL, O_IP },
		{ "help", no_argument, NULL, O_HELP },
		{ "unlock-minutes", required_argument, NULL, O_UNLOCK_MIN },
		{ "unlock-seconds", required_argument, NULL, O_UNLOCK_SEC },
		{ "reset-ttl", required_argument, NULL, O_RESET_TTL },
		{ "reset-reenrols", no_argument, NULL, O_REENROL },
		{ "max-upload", required_argument, NULL, O_UPLOAD },
		{ "header-timeout", required_argument, NULL, O_HEADER_TIMEOUT },
		{ "shutdown-grace", required_argument, NULL, O_GRACE },
		{ "max-connections", required_argument, NULL, O_CONNS },
		{ "max-connections-per-address", required_argument, NULL,
		    O_CONNS_ADDR },
		{ "hash-threads", required_argument, NULL, O_HASH_THREADS },
		{ "hash-queue", required_argument, NULL, O_HASH_QUEUE },
		{ NULL, 0, NULL, 0 }
	};
	sigset_t sigs;
	char *url = NULL;
	int c, sig, left;

	optind = 1;
	while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (c) {
		case O_LISTEN: cfg.listen = optarg; break;
		case O_DATA: cfg.data = optarg; break;
		case O_URL: cfg.public_url = optarg; break;
		case O_ADMIN: cfg.admin_email = optarg; break;
		case O_ISSUER: cfg.issuer = optarg; break;
		case O_SMTP: cfg.smtp_url = optarg; break;
		case O_FROM: cfg.mail_from = optarg; break;
		case O_CERT: cfg.tls_cert = optarg; break;
		case O_KEYF: cfg.tls_key = optarg; break;
		case O_PROXY: cfg.trust_proxy = 1; break;
		case O_KEY: cfg.key_file = optarg; break;
		case O_SHARE: cfg.share = optarg; break;
		case O_THREADS:
			cfg.threads = (int)number(optarg, 1, 256, "--threads");
			break;
		case O_IDLE:
			cfg.session_idle = number(optarg, 1, 86400, "--session-idle");
			break;
		case O_MAX:
			cfg.session_max = number(optarg, 1, 7 * 86400, "--session-max");
			break;
		case O_BODY:
			cfg.max_body = (size_t)number(optarg, 1024, 1L << 30,
			    "--max-body");
			break;
		case O_ACCT:
			cfg.max_account_failures = (int)number(optarg, 1, 1000000,
			    "--max-account-failures");
			break;
		case O_IP:
			cfg.max_ip_failures = (int)number(optarg, 1, 1000000,
			    "--max-ip-failures");
			break;
		case O_UNLOCK_MIN:
			subject_unlock_time = 60 * number(optarg, 1, 24 * 60,
			    "--unlock-minutes");
			break;
		case O_UNLOCK_SEC:
			subject_unlock_time = number(optarg, 1, 24 * 3600,
			    "--unlock-seconds");
			break;
		case O_RESET_TTL:
			cfg.reset_ttl = number(optarg, 1, 7 * 86400,
			    "--reset-ttl");
			break;
		case O_REENROL: cfg.reset_reenrols = 1; break;
		case O_UPLOAD:	/* issue 5b */
			admin_max_upload = (uint64_t)number(optarg, 1,
			    1L << 46, "--max-upload");
			break;
		case O_HEADER_TIMEOUT:
			cfg.header_timeout = number(optarg, 1, 3600,
			    "--header-timeout");
			break;
		case O_GRACE:
			cfg.shutdown_grace = number(optarg, 0, 3600,
			    "--shutdown-grace");
			break;
		case O_CONNS:
			cfg.max_conns = (int)number(optarg, 16, 1000000,
			    "--max-connections");
			break;
		case O_CONNS_ADDR:
			cfg.max_conns_per_addr = (int)number(optarg, 1, 1000000,
			    "--max-connections-per-address");
			break;
		case O_HASH_THREADS:
			cfg.hash_threads = (int)number(optarg, 1, 256,
			    "--hash-threads");
			break;
		case O_HASH_QUEUE:
			cfg.hash_queue = (int)number(optarg, 1, 100000,
			    "--hash-queue");
			break;
		case O_HELP:
			fputs(serve_usage, stdout);
			return 0;
		default:
			return app_usage_error("serve", "unknown option");
		}
	}
	if (optind != argc)
		return app_usage_error("serve", "unexpected argument %s",
		    argv[optind]);
	if ((cfg.tls_cert == NULL) != (cfg.tls_key == NULL))
		return app_usage_error("serve", "--tls-cert and --tls-key go together");
	if (cfg.public_url == NULL)
		cfg.public_url = url = xasprintf("%s://%s", cfg.tls_cert ?
		    "https" : "http", cfg.listen);
	else if (!str_has_prefix(cfg.public_url, "http://") &&
	    !str_has_prefix(cfg.public_url, "https://"))
		return app_usage_error("serve", "--public-url must start with "
		    "http:// or https://");
	cfg.https = str_has_prefix(cfg.public_url, "https://");
	if (app_open() == -1 || first_admin() == -1)
		return 1;
	app_public_url_save();

	/* Threads inherit the blocked set; only sigwait() below sees these. */
	sigemptyset(&sigs);
	sigaddset(&sigs, SIGINT);
	sigaddset(&sigs, SIGTERM);
	sigaddset(&sigs, SIGHUP);
	pthread_sigmask(SIG_BLOCK, &sigs, NULL);
	signal(SIGPIPE, SIG_IGN);
	if (http_start() == -1 || mail_start() == -1) {
		http_stop();
		return 1;
	}
	logmsg("kluis %s listening on %s; open %s/login", KLUIS_VERSION,
	    cfg.listen, cfg.public_url);
	for (;;) {
		if (sigwait(&sigs, &sig) != 0)
			continue;
		if (sig != SIGHUP)
			break;
		logmsg("SIGHUP: reloading");
		http_reload();
	}
	logmsg("stopping on signal %d: no new connections; waiting up to "
	    "%llds for running requests", sig, (long long)cfg.shutdown_grace);
	if ((left = http_quiesce(cfg.shutdown_grace)) > 0)
		logmsg("stopping with %d requests still running", left);
	http_stop();
	mail_stop();
	app_close();
	free(url);
	return 0;
}

/* The subcommands; each parses its own options (cli_*.c). */
static const struct {
	const char	*name;
	int		(*fn)(int, char **);
} commands[] = {
	{ "serve", serve },
	{ "user", cli_user },
	{ "mail", cli_mail },
	{ "subject", cli_subject },
	{ "grant", cli_grant },
	{ "revoke", cli_revoke },
	{ "publish", cli_publish },
	{ "files", cli_files },
	{ "unpublish", cli_unpublish },
	{ "requests", cli_requests },
	{ "audit", cli_audit },
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
			return commands[i].fn(argc - 1, argv + 1);
	fprintf(stderr, "kluis: unknown command %s\n", argv[1]);
	fputs(usage, stderr);
	return 2;
}
