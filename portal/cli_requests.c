/* cli_requests.c: "kluis requests": who asked for an authenticator reset. */
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

/* cli_requests: "kluis requests". Returns the exit status. */
int
cli_requests(int argc, char **argv)
{
	struct reset_request *list;
	char when[32];
	int n, i, rc;

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
