/* cli_user.c: "kluis user ...": accounts from the command line. */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "portal.h"

static const char user_usage[] =
"usage: kluis user add EMAIL [--name NAME] [--admin] [--data DIR]\n"
"       kluis user reset-otp EMAIL [--keep-password] [--data DIR]\n"
"\n"
"  add EMAIL     create an account and email it a temporary password\n"
"  --name NAME   the person's name, shown in the portal\n"
"  --admin       the account may use the admin console\n"
"  --data DIR    the data directory (default ./var)\n"
"\n"
"  reset-otp EMAIL  remove the user's authenticators and recovery codes\n"
"                and end their sessions; a new temporary password is\n"
"                emailed (--keep-password: not), and the next login\n"
"                enrols a phone again (see kluis user reset-otp --help)\n";

static int
user_add(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "name", required_argument, NULL, 'n' },
		{ "admin", no_argument, NULL, 'a' },
		{ "data", required_argument, NULL, 'd' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 }
	};
	const char *name = "";
	char *email;
	int admin = 0, c;
	int64_t id;

	optind = 1;
	while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (c) {
		case 'n':
			name = optarg;
			break;
		case 'a':
			admin = 1;
			break;
		case 'd':
			cfg.data = optarg;
			break;
		case 'h':
			fputs(user_usage, stdout);
			return 0;
		default:
			return app_usage_error("user", "unknown option");
		}
	}
	if (optind != argc - 1)
		return app_usage_error("user", "add needs exactly one EMAIL");
	email = xstrdup(argv[optind]);
	str_trim(email);
	str_lower(email);
	if (strchr(email, '@') == NULL || strpbrk(email, " <>,;\"\r\n") != NULL) {
		free(email);
		return app_usage_error("user", "not an email address: %s",
		    argv[optind]);
	}
	if (app_open() == -1) {
		free(email);
		return 1;
	}
	id = user_invite(email, name, admin, 0, "", NULL);
	if (id == -2)
		fprintf(stderr, "kluis user: %s already has an account\n", email);
	else if (id < 0)
		fprintf(stderr, "kluis user: could not create %s\n", email);
	else
		printf("created %s (id %lld); the temporary password is queued "
		    "for mail (the running server delivers it)\n", email,
		    (long long)id);
	free(email);
	app_close();
	return id < 0 ? 1 : 0;
}

/* cli_user: "kluis user SUBCOMMAND ...". Returns the exit status. */
int
cli_user(int argc, char **argv)
{
	if (argc < 2 || strcmp(argv[1], "--help") == 0 ||
	    strcmp(argv[1], "-h") == 0) {
		fputs(user_usage, argc < 2 ? stderr : stdout);
		fputs(cli_user_admin_usage, argc < 2 ? stderr : stdout);
		return argc < 2 ? 2 : 0;
	}
	if (strcmp(argv[1], "add") == 0)
		return user_add(argc - 1, argv + 1);
	if (strcmp(argv[1], "reset-otp") == 0)
		return cli_user_reset_otp(argc - 1, argv + 1);
	/* issue 5: list, disable, enable, resend (cli_user_admin.c) */
	{
		int rc = cli_user_admin(argc, argv);

		if (rc != -1)
			return rc;
	}
	return app_usage_error("user", "unknown subcommand %s", argv[1]);
}
