/* cli_grant.c: "kluis grant" and "kluis revoke": who may open a subject. */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "portal.h"

static const char grant_usage[] =
"usage: kluis grant [--resend] EMAIL CODE [--data DIR]\n"
"\n"
"Give the account EMAIL access to subject CODE: a new validation code\n"
"(12 characters) is made, stored only as a keyed hash, and emailed.\n"
"\n"
"  --resend      the account already has access: make and email a new\n"
"                code; the old code stops working and open unlocks end\n"
"  --data DIR    the data directory (default ./var)\n";

static const char revoke_usage[] =
"usage: kluis revoke EMAIL CODE [--data DIR]\n"
"\n"
"Take subject CODE away from EMAIL: the validation code stops working, open\n"
"unlocks end, and none of the subject's files can be downloaded by EMAIL.\n";

/* The account and subject named on a command line; 0, or an exit status. */
static int
load_pair(const char *cmd, const char *email, const char *code,
    struct user *u, struct subject *s)
{
	if (store_user_by_email(email, u) == -1) {
		fprintf(stderr, "kluis %s: no account for %s; create it first "
		    "with kluis user add %s\n", cmd, email, email);
		return 1;
	}
	if (store_subject_get(code, s) == -1) {
		fprintf(stderr, "kluis %s: no subject %s; see kluis subject "
		    "list\n", cmd, code);
		store_clear(u);
		return 1;
	}
	return 0;
}

/* cli_grant: "kluis grant [--resend] EMAIL CODE". Returns the exit status. */
int
cli_grant(int argc, char **argv)
{
	struct user u = { 0 };
	struct subject s = { 0 };
	uint8_t mac[32];
	char *email;
	int rc, granted, resend = 0;

	if ((rc = cli_options(argc, argv, "grant", grant_usage, "resend",
	    &resend)) != -1)
		return rc;
	if (optind != argc - 2)
		return cli_usage_error("grant", "needs EMAIL and CODE");
	if ((email = cli_email("grant", argv[optind])) == NULL)
		return 2;
	if (app_open() == -1) {
		free(email);
		return 1;
	}
	if ((rc = load_pair("grant", email, argv[optind + 1], &u, &s)) != 0)
		goto done;
	rc = 1;
	granted = store_grant_mac(u.id, s.id, mac) == 0;
	if (granted && !resend) {
		fprintf(stderr, "kluis grant: %s already has access to %s; use "
		    "kluis grant --resend to email a new code\n", email, s.code);
		goto done;
	}
	if (!granted && resend) {
		fprintf(stderr, "kluis grant: %s has no access to %s yet; "
		    "grant it without --resend\n", email, s.code);
		goto done;
	}
	if (subjects_grant(&u, &s, resend, 0, "cli") != 0) {
		fprintf(stderr, "kluis grant: could not grant %s to %s\n",
		    s.code, email);
		goto done;
	}
	printf("%s %s to %s; the validation code is queued for mail\n",
	    resend ? "renewed the code of" : "granted", s.code, email);
	rc = 0;
done:
	store_clear(&u);
	store_clear(&s);
	free(email);
	app_close();
	return rc;
}

/* cli_grant_revoke: "kluis revoke EMAIL CODE". Returns the exit status. */
int
cli_grant_revoke(int argc, char **argv)
{
	struct user u = { 0 };
	struct subject s = { 0 };
	char *email;
	int rc, n;

	if ((rc = cli_options(argc, argv, "revoke", revoke_usage, NULL,
	    NULL)) != -1)
		return rc;
	if (optind != argc - 2)
		return cli_usage_error("revoke", "needs EMAIL and CODE");
	if ((email = cli_email("revoke", argv[optind])) == NULL)
		return 2;
	if (app_open() == -1) {
		free(email);
		return 1;
	}
	if ((rc = load_pair("revoke", email, argv[optind + 1], &u, &s)) != 0)
		goto done;
	if ((n = subjects_revoke(&u, &s, 0, "cli")) < 0) {
		fprintf(stderr, "kluis revoke: could not revoke\n");
		rc = 1;
	} else if (n == 0) {
		fprintf(stderr, "kluis revoke: %s had no access to %s\n",
		    email, s.code);
		rc = 1;
	} else {
		printf("revoked %s from %s\n", s.code, email);
	}
done:
	store_clear(&u);
	store_clear(&s);
	free(email);
	app_close();
	return rc;
}
