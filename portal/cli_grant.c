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
	if (store_user_find(email, u) != 1) {
		fprintf(stderr, "kluis %s: no account for %s; create it first "
		    "with kluis user add %s\n", cmd, email, email);
		return 1;
	}
	if (store_subject_find(code, s) != 1) {
		fprintf(stderr, "kluis %s: no subject %s; see kluis subject "
		    "list\n", cmd, code);
		store_clear(u);
		return 1;
	}
	return 0;
}

/* Grant S to U (RESEND: a new code); the exit status. */
static int
grant(const struct user *u, const struct subject *s, int resend)
{
	uint8_t mac[32];
	int granted = store_grant_mac(u->id, s->id, mac) == 0;

	if (granted && !resend) {
		fprintf(stderr, "kluis grant: %s already has access to %s; use "
		    "kluis grant --resend to email a new code\n", u->email,
		    s->code);
		return 1;
	}
	if (!granted && resend) {
		fprintf(stderr, "kluis grant: %s has no access to %s yet; "
		    "grant it without --resend\n", u->email, s->code);
		return 1;
	}
	if (subjects_grant(u, s, resend, 0, "cli") != 0) {
		fprintf(stderr, "kluis grant: could not grant %s to %s\n",
		    s->code, u->email);
		return 1;
	}
	printf("%s %s to %s; the validation code is queued for mail\n",
	    resend ? "renewed the code of" : "granted", s->code, u->email);
	return 0;
}

/* Take S away from U; the exit status. */
static int
revoke(const struct user *u, const struct subject *s)
{
	int n;

	if ((n = subjects_revoke(u, s, 0, "cli")) < 0)
		fprintf(stderr, "kluis revoke: could not revoke\n");
	else if (n == 0)
		fprintf(stderr, "kluis revoke: %s had no access to %s\n",
		    u->email, s->code);
	else
		printf("revoked %s from %s\n", s->code, u->email);
	return n > 0 ? 0 : 1;
}

/* "kluis grant|revoke EMAIL CODE": the exit status. */
static int
pair_command(const char *cmd, const char *usage, int argc, char **argv)
{
	struct user u = { 0 };
	struct subject s = { 0 };
	char *email;
	int rc, resend = 0;

	if ((rc = cli_options(argc, argv, cmd, usage, strcmp(cmd, "grant") ==
	    0 ? "resend" : NULL, &resend, 2, "needs EMAIL and CODE")) != -1)
		return rc;
	if ((email = cli_email(cmd, argv[optind])) == NULL)
		return 2;
	if (app_open() == -1) {
		free(email);
		return 1;
	}
	if ((rc = load_pair(cmd, email, argv[optind + 1], &u, &s)) == 0)
		rc = strcmp(cmd, "grant") == 0 ? grant(&u, &s, resend) :
		    revoke(&u, &s);
	store_clear(&u);
	store_clear(&s);
	free(email);
	app_close();
	return rc;
}

/* cli_grant: "kluis grant [--resend] EMAIL CODE". Returns the exit status. */
int
cli_grant(int argc, char **argv)
{
	return pair_command("grant", grant_usage, argc, argv);
}

/* cli_grant_revoke: "kluis revoke EMAIL CODE". Returns the exit status. */
int
cli_grant_revoke(int argc, char **argv)
{
	return pair_command("revoke", revoke_usage, argc, argv);
}
