/* cli_mail.c: "kluis mail ...": look into the mail queue and retry it. */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "portal.h"

static const char mail_usage[] =
"usage: kluis mail list [--data DIR]\n"
"       kluis mail retry [--data DIR]\n"
"       kluis mail test ADDRESS [serve options]\n"
"\n"
"  list    messages not delivered yet: id, recipient, attempts, last error\n"
"  retry   make every undelivered message due now; the running server\n"
"          delivers them within a second\n"
"  test    send a test message to ADDRESS now, the configured way (SMTP,\n"
"          else DIR/outbox/), and print what the SMTP server answered\n";

/* "kluis mail test ADDRESS": the settings of serve, no database. */
static int
mail_test_cmd(int argc, char **argv)
{
	char *to;
	int c, status, rc;

	optind = 1;
	while ((c = cli_getopt(argc, argv, "mail", mail_usage, NULL, 1,
	    &status)) != -1)
		if (c == CLI_EXIT)
			return status;
	if ((status = cli_args(argc, argv, "mail", 1,
	    "test needs exactly one ADDRESS")) != 0)
		return status;
	if ((to = cli_email("mail", argv[optind])) == NULL)
		return 2;
	if (mail_init() == -1 || app_open_mail() == -1) {
		free(to);
		return 1;
	}
	rc = mail_test(to, stdout);
	free(to);
	return rc == 0 ? 0 : 1;
}

static void
print_row(int64_t id, const char *rcpt, int attempts, int64_t next,
    const char *err)
{
	char when[32];

	time_format(next, TIME_ISO, when, sizeof when);
	printf("%lld\t%s\tattempts=%d\tnext=%s\t%s\n", (long long)id, rcpt,
	    attempts, when, err ? err : "");
}

/* "kluis mail list" and "kluis mail retry". */
static int
mail_queue_cmd(int argc, char **argv)
{
	int n;

	if ((n = cli_options(argc, argv, "mail", mail_usage, NULL, NULL, 0,
	    NULL)) != -1)
		return n;
	if (app_open() == -1)
		return 1;
	if (strcmp(argv[0], "list") == 0)
		n = store_mail_list(print_row);
	else if ((n = store_mail_retry_now()) >= 0)
		printf("%d message(s) due now\n", n);
	app_close();
	return n < 0 ? 1 : 0;
}

/* cli_mail: "kluis mail list|retry|test". Returns the exit status. */
int
cli_mail(int argc, char **argv)
{
	static const struct cli_command subs[] = {
		{ "list", mail_queue_cmd },
		{ "retry", mail_queue_cmd },
		{ "test", mail_test_cmd },
		{ NULL, NULL }
	};

	return cli_dispatch(argc, argv, "mail", mail_usage, subs);
}
