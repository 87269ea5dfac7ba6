/* cli_recovery.c: "kluis requests" and "kluis user reset-otp": authenticator resets by an admin. */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "portal.h"

static const char requests_usage[] =
"usage: kluis requests [--data DIR]\n"
"\n"
"List the users who asked for an authenticator reset (they have neither a\n"
"working phone nor a recovery code). Approve one, after checking who is\n"
"asking, with: kluis user reset-otp EMAIL\n";

static const char reset_usage[] =
"usage: kluis user reset-otp EMAIL [--keep-password] [--data DIR]\n"
"\n"
"Remove all authenticator devices and recovery codes of EMAIL, end their\n"
"sessions and email them. By default a new temporary password is emailed\n"
"too (the user may have forgotten theirs); --keep-password keeps the\n"
"current one. The next login enrols a phone again.\n";

/* cli_requests: "kluis requests". Returns the exit status. */
int
cli_requests(int argc, char **argv)
{
	struct reset_request *list;
	char when[32];
	struct tm tm;
	time_t t;
	int n, i, rc;

	if ((rc = app_options(argc, argv, "requests", requests_usage, NULL,
	    NULL)) != -1)
		return rc;
	if (optind != argc)
		return app_usage_error("requests", "unexpected argument %s",
		    argv[optind]);
	if (app_open() == -1)
		return 1;
	if ((n = store_reset_request_list(&list)) < 0) {
		fprintf(stderr, "kluis requests: cannot read the requests\n");
		app_close();
		return 1;
	}
	if (n == 0)
		printf("no pending requests\n");
	for (i = 0; i < n; i++) {
		t = (time_t)list[i].created;
		gmtime_r(&t, &tm);
		strftime(when, sizeof when, "%Y-%m-%d %H:%M UTC", &tm);
		printf("%s\t%s\tfrom %s\n", list[i].email, when,
		    *list[i].addr ? list[i].addr : "-");
	}
	store_free(list, n);
	app_close();
	return 0;
}

/* cli_user_reset_otp: "kluis user reset-otp EMAIL". Returns the exit status. */
int
cli_user_reset_otp(int argc, char **argv)
{
	struct user u;
	int keep = 0, rc;

	if ((rc = app_options(argc, argv, "user", reset_usage, "keep-password",
	    &keep)) != -1)
		return rc;
	if (optind != argc - 1)
		return app_usage_error("user", "reset-otp needs exactly one EMAIL");
	if (app_open() == -1)
		return 1;
	if (app_user_arg("user", argv[optind], &u) != 0) {
		app_close();
		return 1;
	}
	rc = recovery_reset_otp(&u, 0, "cli", keep ? 0 : 1, 1);
	if (rc == 0) {
		printf("reset the authenticators of %s; %s\n", u.email, keep ?
		    "they enrol a phone at their next login" :
		    "a new temporary password is queued for mail");
	} else
		fprintf(stderr, "kluis user: could not reset %s\n", u.email);
	store_clear(&u);
	app_close();
	return rc == 0 ? 0 : 1;
}
