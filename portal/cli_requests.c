/* cli_requests.c: "kluis requests [approve|refuse EMAIL]": who asked for an authenticator reset, and the answer. */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "portal.h"

static const char requests_usage[] =
"usage: kluis requests [--data DIR]\n"
"       kluis requests approve EMAIL [--keep-password] [--data DIR]\n"
"       kluis requests refuse EMAIL [--data DIR]\n"
"\n"
"List the users who asked for an authenticator reset (they have neither a\n"
"working phone nor a recovery code). Check who is asking (by phone, in\n"
"person) before you answer:\n"
"\n"
"  approve EMAIL remove the user's phones and recovery codes, as kluis user\n"
"                reset-otp does; a new temporary password is emailed\n"
"                (--keep-password: not)\n"
"  refuse EMAIL  close the request and tell the user by email; nothing on\n"
"                the account changes\n";

/* "kluis requests approve|refuse EMAIL". */
static int
answer(const char *what, int argc, char **argv)
{
	int keep = 0, approve = strcmp(what, "approve") == 0, rc;
	struct user u;

	if ((rc = cli_options(argc, argv, "requests", requests_usage,
	    approve ? "keep-password" : NULL, &keep, 1, approve ?
	    "approve needs exactly one EMAIL" : "refuse needs exactly one EMAIL"))
	    != -1)
		return rc;
	if (cli_open_account("requests", argv[optind], &u) != 0)
		return 1;
	rc = 1;
	if (store_reset_request_of(u.id) <= 0)
		fprintf(stderr, "kluis requests: %s has no pending request\n",
		    u.email);
	else if (approve && reset_otp(&u, 0, "cli", keep ? 0 : 1, 1) == -1)
		fprintf(stderr, "kluis requests: could not reset %s\n", u.email);
	else if (!approve && reset_refuse(&u, 0, "cli") < 0)
		fprintf(stderr, "kluis requests: could not refuse the request "
		    "of %s\n", u.email);
	else {
		printf(approve ? "approved: the authenticators of %s are reset; "
		    "%s\n" : "refused the request of %s; %s\n", u.email,
		    approve ? (keep ? "they enrol a phone at their next login" :
		    "a new temporary password is queued for mail") :
		    "they are told by mail");
		rc = 0;
	}
	store_clear(&u);
	app_close();
	return rc;
}

/* cli_requests: "kluis requests [approve|refuse EMAIL]". Returns the exit status. */
int
cli_requests(int argc, char **argv)
{
	struct reset_request *list;
	char when[32];
	int n, i, rc;

	if (argc >= 2 && (strcmp(argv[1], "approve") == 0 ||
	    strcmp(argv[1], "refuse") == 0))
		return answer(argv[1], argc - 1, argv + 1);
	if ((rc = cli_options(argc, argv, "requests", requests_usage, NULL,
	    NULL, 0, NULL)) != -1)
		return rc;
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
		time_format(list[i].created, TIME_ZONED, when, sizeof when);
		printf("%s\t%s\tfrom %s\n", list[i].email, when,
		    *list[i].addr ? list[i].addr : "-");
	}
	store_free(list, n);
	app_close();
	return 0;
}
