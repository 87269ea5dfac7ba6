/* cli_mail.c: "kluis mail ...": look into the mail queue and retry it. */
#include <stdio.h>
#include <string.h>

#include "portal.h"

static const char mail_usage[] =
"usage: kluis mail list [--data DIR]\n"
"       kluis mail retry [--data DIR]\n"
"\n"
"  list    messages not delivered yet: id, recipient, attempts, last error\n"
"  retry   make every undelivered message due now; the running server\n"
"          delivers them within a second\n";

static void
print_row(int64_t id, const char *rcpt, int attempts, int64_t next,
    const char *err)
{
	char when[32];

	time_format(next, TIME_ISO, when, sizeof when);
	printf("%lld\t%s\tattempts=%d\tnext=%s\t%s\n", (long long)id, rcpt,
	    attempts, when, err ? err : "");
}

/* cli_mail: "kluis mail list|retry". Returns the exit status. */
int
cli_mail(int argc, char **argv)
{
	const char *cmd;
	int n;

	if (argc < 2 || strcmp(argv[1], "--help") == 0) {
		fputs(mail_usage, argc < 2 ? stderr : stdout);
		return argc < 2 ? 2 : 0;
	}
	cmd = argv[1];
	if ((n = cli_options(argc - 1, argv + 1, "mail", mail_usage, NULL,
	    NULL)) != -1)
		return n;
	if (strcmp(cmd, "list") != 0 && strcmp(cmd, "retry") != 0)
		return cli_usage_error("mail", "unknown subcommand %s", cmd);
	if (app_open() == -1)
		return 1;
	if (strcmp(cmd, "list") == 0)
		n = store_mail_list(print_row);
	else if ((n = store_mail_retry_now()) >= 0)
		printf("%d message(s) due now\n", n);
	app_close();
	return n < 0 ? 1 : 0;
}
