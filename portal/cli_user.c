/* cli_user.c: "kluis user add|list|disable|enable|resend|reset-otp|export|delete": accounts from the command line. */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "portal.h"

static const char user_usage[] =
"usage: kluis user add EMAIL [--name NAME] [--admin] [--data DIR]\n"
"       kluis user reset-otp EMAIL [--keep-password] [--data DIR]\n"
"       kluis user list [--search TEXT] [--data DIR]\n"
"       kluis user disable|enable|resend EMAIL [--data DIR]\n"
"       kluis user export|delete EMAIL [--data DIR]\n"
"\n"
"  add EMAIL     create an account and email it a temporary password\n"
"  --name NAME   the person's name, shown in the portal\n"
"  --admin       the account may use the admin console\n"
"  --data DIR    the data directory (default ./var)\n"
"\n"
"  reset-otp EMAIL  remove the user's authenticators and recovery codes\n"
"                and end their sessions and access tokens; a new\n"
"                temporary password is emailed (--keep-password: not),\n"
"                and the next login\n"
"                enrols a phone again (see kluis user reset-otp --help)\n"
"\n"
"  list          accounts with their status (temporary password pending,\n"
"                devices, disabled, locked); --search matches email or name\n"
"  disable EMAIL the account can no longer log in; its sessions end and\n"
"                its access tokens are revoked\n"
"  enable EMAIL  the account can log in again\n"
"  resend EMAIL  email a new temporary password; the old password and the\n"
"                access tokens stop working\n"
"\n"
"  export EMAIL  everything kept about the person as JSON on stdout: account,\n"
"                devices by name and date, grants, downloads, audit events;\n"
"                no secret and no hash\n"
"  delete EMAIL  delete the account and its personal data: devices, sessions,\n"
"                grants, codes, reset links, mail; the audit log keeps a\n"
"                pseudonym (deleted-user-...) instead of the email\n";

static const char reset_usage[] =
"usage: kluis user reset-otp EMAIL [--keep-password] [--data DIR]\n"
"\n"
"Remove all authenticator devices and recovery codes of EMAIL, end their\n"
"sessions and email them. By default a new temporary password is emailed\n"
"too (the user may have forgotten theirs); --keep-password keeps the\n"
"current one. The next login enrols a phone again.\n";

static int
user_add(int argc, char **argv)
{
	enum { NAME = 1, ADMIN };
	char *name = NULL;
	char *email = NULL;
	int admin = 0, c, status;
	int64_t id;

	optind = 1;
	while ((c = cli_getopt(argc, argv, "user", user_usage, "name= admin", 0,
	    &status)) != -1) {
		if (c == CLI_EXIT)
			return status;
		if (c == NAME) {
			free(name);
			name = xstrdup(optarg);
		} else
			admin = 1;
	}
	if (name == NULL)
		name = xstrdup("");
	if (!account_name_ok(name))
		status = cli_usage_error("user", "--name: at most %d bytes of "
		    "text on one line, without control or text-direction "
		    "characters", ACCOUNT_NAME_MAX);
	else if ((status = cli_args(argc, argv, "user", 1,
	    "add needs exactly one EMAIL")) == 0 &&
	    (email = cli_email("user", argv[optind])) == NULL)
		status = 2;
	if (status != 0) {
		free(name);
		return status;
	}
	if (app_open() == -1) {
		free(email);
		free(name);
		return 1;
	}
	id = account_invite(email, name, admin, NULL, 0, "", NULL);
	free(name);
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

static int
user_list(int argc, char **argv)
{
	struct user_row *list;
	const char *q = NULL;
	int c, n, i, status;

	optind = 1;
	while ((c = cli_getopt(argc, argv, "user", user_usage, "search=", 0,
	    &status)) != -1) {
		if (c == CLI_EXIT)
			return status;
		q = optarg;
	}
	if ((status = cli_args(argc, argv, "user", 0, NULL)) != 0)
		return status;
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
		    account_locked(u->email) ? "locked" : "");
	}
	store_free(list, n);
	app_close();
	return 0;
}

/*
 * disable, enable, resend, reset-otp (KEEP: --keep-password) of U; the
 * exit status.
 */
static int
user_change(const char *what, const struct user *u, int keep)
{
	const char *done;
	int rc;

	if (strcmp(what, "reset-otp") == 0) {
		if ((rc = reset_otp(u, 0, "cli", keep ? 0 : 1, 1)) == 0)
			printf("reset the authenticators of %s; %s\n", u->email,
			    keep ? "they enrol a phone at their next login" :
			    "a new temporary password is queued for mail");
		what = "reset";
	} else {
		if (strcmp(what, "resend") == 0) {
			rc = account_resend(u->id, 0, "cli");
			done = "a new temporary password is queued for mail";
		} else {
			rc = account_set_disabled(u->id, strcmp(what,
			    "disable") == 0, 0, "cli");
			done = strcmp(what, "disable") == 0 ?
			    "disabled, sessions ended, access tokens revoked" :
			    "enabled";
		}
		if (rc == 0)
			printf("%s: %s\n", u->email, done);
	}
	if (rc == -1)
		fprintf(stderr, "kluis user: could not %s %s\n", what,
		    u->email);
	return rc == -1 ? 1 : 0;
}

/* export, delete of U; the exit status. */
static int
user_person(const char *what, const struct user *u)
{
	struct buf out = { 0 };
	char alias[26];
	int rc;

	if (strcmp(what, "export") == 0) {
		if ((rc = person_export(u, &out)) == 0)
			fwrite(out.data, 1, out.len, stdout);
		else
			fprintf(stderr, "kluis user: cannot read what is kept "
			    "about %s\n", u->email);
		buf_free(&out);
	} else if ((rc = person_delete(u, 0, "cli", alias)) == 0)
		printf("deleted %s and its personal data; the audit log calls "
		    "it %s\n", u->email, alias);
	else
		fprintf(stderr, "kluis user: could not delete %s: nothing was "
		    "deleted\n", u->email);
	return rc == 0 ? 0 : 1;
}

/* ARGV[0] disable, enable, resend, reset-otp, export or delete: one EMAIL. */
static int
user_action(int argc, char **argv)
{
	const char *what = argv[0];
	struct user u;
	char need[64];
	int keep = 0, reset = strcmp(what, "reset-otp") == 0, rc;

	snprintf(need, sizeof need, "%s needs exactly one EMAIL", what);
	if ((rc = cli_options(argc, argv, "user", reset ? reset_usage :
	    user_usage, reset ? "keep-password" : NULL, &keep, 1, need)) != -1)
		return rc;
	if (app_open() == -1)
		return 1;
	if (cli_account("user", argv[optind], &u) != 0) {
		app_close();
		return 1;
	}
	if (strcmp(what, "export") == 0 || strcmp(what, "delete") == 0)
		rc = user_person(what, &u);
	else
		rc = user_change(what, &u, keep);
	store_clear(&u);
	app_close();
	return rc;
}

/* cli_user: "kluis user SUBCOMMAND ...". Returns the exit status. */
int
cli_user(int argc, char **argv)
{
	static const struct cli_command subs[] = {
		{ "add", user_add },
		{ "list", user_list },
		{ "disable", user_action },
		{ "enable", user_action },
		{ "resend", user_action },
		{ "reset-otp", user_action },
		{ "export", user_action },
		{ "delete", user_action },
		{ NULL, NULL }
	};

	return cli_dispatch(argc, argv, "user", user_usage, subs);
}
