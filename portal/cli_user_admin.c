/* cli_user_admin.c: "kluis user list|disable|enable|resend": the console's account actions from the command line. */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "portal.h"

/* The part of "kluis user --help" these subcommands add. */
const char cli_user_admin_usage[] =
"       kluis user list [--search TEXT] [--data DIR]\n"
"       kluis user disable|enable|resend EMAIL [--data DIR]\n"
"\n"
"  list          accounts with their status (temporary password pending,\n"
"                devices, disabled, locked); --search matches email or name\n"
"  disable EMAIL the account can no longer log in; its sessions end\n"
"  enable EMAIL  the account can log in again\n"
"  resend EMAIL  email a new temporary password; the old password stops working\n";

static int
user_list(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "search", required_argument, NULL, 's' },
		{ "data", required_argument, NULL, 'd' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 }
	};
	struct user_row *list;
	const char *q = NULL;
	int c, n, i;

	optind = 1;
	while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (c) {
		case 's':
			q = optarg;
			break;
		case 'd':
			cfg.data = optarg;
			break;
		case 'h':
			fputs(cli_user_admin_usage, stdout);
			return 0;
		default:
			return app_usage_error("user", "unknown option");
		}
	}
	if (optind != argc)
		return app_usage_error("user", "list takes no argument %s",
		    argv[optind]);
	if (app_open() == -1)
		return 1;
	if ((n = store_user_list(q, 1000000, 0, &list)) < 0) {
		fprintf(stderr, "kluis user: cannot list the accounts\n");
		app_close();
		return 1;
	}
	printf("%-6s %-36s %-24s %-7s %s\n", "ID", "EMAIL", "NAME", "DEVICES",
	    "STATUS");
	for (i = 0; i < n; i++) {
		struct user *u = &list[i].u;

		printf("%-6lld %-36s %-24s %-7d %s%s%s%s\n", (long long)u->id,
		    u->email, u->name, list[i].devices,
		    u->is_admin ? "admin " : "",
		    u->password_temp ? "temporary-password " : "",
		    u->disabled ? "disabled " : "",
		    admin_locked(u->email) ? "locked" : "");
	}
	store_free(list, n);
	app_close();
	return 0;
}

/* disable, enable, resend: one EMAIL. */
static int
user_action(const char *what, int argc, char **argv)
{
	struct user u;
	int rc;

	if ((rc = app_options(argc, argv, "user", cli_user_admin_usage, NULL,
	    NULL)) != -1)
		return rc;
	if (optind != argc - 1)
		return app_usage_error("user", "%s needs exactly one EMAIL", what);
	if (app_open() == -1)
		return 1;
	if (app_user_arg("user", argv[optind], &u) != 0) {
		app_close();
		return 1;
	}
	if (strcmp(what, "resend") == 0)
		rc = admin_resend(u.id, 0, "cli");
	else
		rc = admin_set_disabled(u.id, strcmp(what, "disable") == 0, 0,
		    "cli");
	if (rc == -1)
		fprintf(stderr, "kluis user: could not %s %s\n", what, u.email);
	else {
		printf("%s: %s\n", u.email, strcmp(what, "resend") == 0 ?
		    "a new temporary password is queued for mail" :
		    strcmp(what, "disable") == 0 ? "disabled, sessions ended" :
		    "enabled");
	}
	store_clear(&u);
	app_close();
	return rc == -1 ? 1 : 0;
}

/*
 * cli_user_admin: "kluis user list|disable|enable|resend ...". Returns the
 * exit status, or -1 when ARGV[1] is none of these.
 */
int
cli_user_admin(int argc, char **argv)
{
	if (strcmp(argv[1], "list") == 0)
		return user_list(argc - 1, argv + 1);
	if (strcmp(argv[1], "disable") == 0 || strcmp(argv[1], "enable") == 0 ||
	    strcmp(argv[1], "resend") == 0)
		return user_action(argv[1], argc - 1, argv + 1);
	return -1;
}
