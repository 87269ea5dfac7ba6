/* cli_user.c: "kluis user add|edit|show|list|disable|enable|resend|unlock|reset-otp|export|delete": accounts from the command line. */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "portal.h"

static const char user_usage[] =
"usage: kluis user add EMAIL [--name NAME] [--lang LANG] [--admin] [--data DIR]\n"
"       kluis user edit EMAIL [--email NEW] [--name NAME] [--lang LANG]\n"
"                       [--admin | --no-admin] [--data DIR]\n"
"       kluis user show EMAIL [--data DIR]\n"
"       kluis user reset-otp EMAIL [--keep-password] [--data DIR]\n"
"       kluis user list [--search TEXT] [--data DIR]\n"
"       kluis user disable|enable|resend|unlock EMAIL [--data DIR]\n"
"       kluis user export|delete EMAIL [--data DIR]\n"
"\n"
"  add EMAIL     create an account and email it a temporary password\n"
"  --name NAME   the person's name, shown in the portal\n"
"  --lang LANG   the language of the portal and the emails: nl or en\n"
"                (default nl)\n"
"  --admin       the account may use the admin console\n"
"  --data DIR    the data directory (default ./var)\n"
"\n"
"  edit EMAIL    change the account: --email NEW (both addresses are told),\n"
"                --name NAME, --lang LANG, --admin or --no-admin (the last\n"
"                admin keeps the role)\n"
"  show EMAIL    the account: status, phones (added, last used), subjects,\n"
"                a pending request for an authenticator reset\n"
"\n"
"  reset-otp EMAIL  remove the user's authenticators and recovery codes\n"
"                and end their sessions and access tokens; a new\n"
"                temporary password is emailed (--keep-password: not),\n"
"                and the next login enrols a phone again (see\n"
"                kluis user reset-otp --help)\n"
"\n"
"  list          accounts with their status (temporary password pending,\n"
"                devices, disabled, locked); --search matches email or name\n"
"  disable EMAIL the account can no longer log in; its sessions end and\n"
"                its access tokens are revoked\n"
"  enable EMAIL  the account can log in again\n"
"  resend EMAIL  email a new temporary password; the old password and the\n"
"                access tokens stop working\n"
"  unlock EMAIL  lift a lockout after too many wrong passwords or codes (the\n"
"                failures counted against the account start afresh)\n"
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
	enum { NAME = 1, LANG, ADMIN };
	const char *lang = NULL;
	char *name = NULL;
	char *email = NULL;
	int admin = 0, c, status;
	int64_t id;

	optind = 1;
	while ((c = cli_getopt(argc, argv, "user", user_usage, "name= lang= admin",
	    0,
	    &status)) != -1) {
		if (c == CLI_EXIT)
			return status;
		if (c == NAME) {
			free(name);
			name = xstrdup(optarg);
		} else if (c == LANG)
			lang = optarg;
		else
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
	if ((status = cli_lang("user", lang)) != 0) {
		free(email);
		free(name);
		app_close();
		return status;
	}
	id = account_invite(email, name, admin, lang, 0, "", NULL);
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

/* "kluis user edit EMAIL [--email NEW] [--name NAME] [--lang LANG] [--admin|--no-admin]" */
static int
user_edit(int argc, char **argv)
{
	enum { EMAIL = 1, NAME, LANG, ADMIN, NO_ADMIN };
	const char *new_email = NULL, *name = NULL, *lang = NULL;
	char *email = NULL, *nm = NULL, **admins;
	int admin = -1, c, status, rc = 1, n;
	struct user u;

	optind = 1;
	while ((c = cli_getopt(argc, argv, "user", user_usage,
	    "email= name= lang= admin no-admin", 0, &status)) != -1) {
		switch (c) {
		case CLI_EXIT:
			return status;
		case EMAIL:
			new_email = optarg;
			break;
		case NAME:
			name = optarg;
			break;
		case LANG:
			lang = optarg;
			break;
		case ADMIN:
			admin = 1;
			break;
		case NO_ADMIN:
			admin = 0;
			break;
		}
	}
	if ((status = cli_args(argc, argv, "user", 1,
	    "edit needs exactly one EMAIL")) != 0)
		return status;
	if (new_email == NULL && name == NULL && lang == NULL && admin == -1)
		return cli_usage_error("user", "edit needs --email, --name, "
		    "--lang, --admin or --no-admin");
	if (new_email != NULL && (email = cli_email("user", new_email)) == NULL)
		return 2;
	if (name != NULL && !account_name_ok(nm = xstrdup(name))) {
		free(email);
		free(nm);
		return cli_usage_error("user", "--name: at most %d bytes of "
		    "text on one line, without control or text-direction "
		    "characters", ACCOUNT_NAME_MAX);
	}
	if (app_open() == -1) {
		free(email);
		free(nm);
		return 1;
	}
	if ((status = cli_lang("user", lang)) != 0) {
		rc = status;
		goto done;
	}
	if (cli_account("user", argv[optind], &u) != 0)
		goto done;
	if (admin == 0 && u.is_admin && !u.disabled &&
	    (n = store_user_admins(&admins)) >= 0) {
		strv_free(admins, n);
		if (n <= 1) {
			fprintf(stderr, "kluis user: %s is the last admin; make "
			    "another account admin first\n", u.email);
			store_clear(&u);
			goto done;
		}
	}
	c = account_edit(&u, email ? email : u.email, nm ? nm : u.name ?
	    u.name : "", lang ? tmpl_lang(lang) : u.lang ? u.lang : "",
	    admin == -1 ? u.is_admin : admin, 0, "cli");
	if (c == -2)
		fprintf(stderr, "kluis user: %s already has an account\n", email);
	else if (c == -1)
		fprintf(stderr, "kluis user: could not change %s\n", u.email);
	else {
		printf("changed %s%s%s\n", u.email, email && strcmp(email,
		    u.email) != 0 ? ": now " : "", email && strcmp(email,
		    u.email) != 0 ? email : "");
		rc = 0;
	}
	store_clear(&u);
done:
	free(email);
	free(nm);
	app_close();
	return rc;
}

/* "kluis user show EMAIL": what the console's page of the account shows. */
static int
user_show(int argc, char **argv)
{
	struct device *devs;
	struct subject *subs;
	struct user u;
	char when[32], used[32];
	int64_t at;
	int rc, n, i;

	if ((rc = cli_options(argc, argv, "user", user_usage, NULL, NULL, 1,
	    "show needs exactly one EMAIL")) != -1)
		return rc;
	if (cli_open_account("user", argv[optind], &u) != 0)
		return 1;
	time_format(store_user_created(u.id), TIME_ZONED, when, sizeof when);
	printf("email:     %s\nname:      %s\nid:        %lld\n"
	    "language:  %s\ncreated:   %s\nstatus:   %s%s%s%s%s\n", u.email,
	    u.name && *u.name ? u.name : "-", (long long)u.id,
	    u.lang && *u.lang ? u.lang : "-", when,
	    u.is_admin ? " admin" : "",
	    u.password_temp ? " temporary-password" : "",
	    u.disabled ? " disabled" : "",
	    account_locked(u.email) ? " locked" : "",
	    !u.disabled && !account_locked(u.email) && !u.password_temp ?
	    " active" : "");
	if ((at = store_reset_request_of(u.id)) > 0) {
		time_format(at, TIME_ZONED, when, sizeof when);
		printf("request:   asked for an authenticator reset on %s "
		    "(kluis requests approve|refuse %s)\n", when, u.email);
	}
	if ((n = store_device_list(u.id, &devs)) >= 0) {
		printf("\n%-32s %-22s %s\n", "PHONE", "ADDED", "LAST USED");
		if (n == 0)
			printf("(none linked yet)\n");
		for (i = 0; i < n; i++) {
			time_format(devs[i].created, TIME_ZONED, when,
			    sizeof when);
			time_format(devs[i].last_used, TIME_ZONED, used,
			    sizeof used);
			printf("%-32s %-22s %s\n", devs[i].name, when, used);
		}
		store_free(devs, n);
	}
	if ((n = store_subject_list_of_user(u.id, &subs)) >= 0) {
		printf("\n%-16s %6s  %s\n", "SUBJECT", "FILES", "TITLE");
		if (n == 0)
			printf("(no access to any subject)\n");
		for (i = 0; i < n; i++)
			printf("%-16s %6lld  %s\n", subs[i].code,
			    (long long)subs[i].nfiles, subs[i].title);
		store_free(subs, n);
	}
	printf("\n%d unused recovery codes\n", store_recovery_count(u.id));
	store_clear(&u);
	app_close();
	return 0;
}

/*
 * disable, enable, resend, unlock, reset-otp (KEEP: --keep-password) of U; the
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
		} else if (strcmp(what, "unlock") == 0) {
			rc = account_unlock(u, 0, "cli");
			done = "unlocked: the failures counted against the "
			    "account start afresh";
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
		if ((rc = person_export(u, &out)) == 0) {
			fwrite(out.data, 1, out.len, stdout);
			store_audit(u->id, 0, "user.export", "cli", "");
		} else
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

/* disable, enable, resend, unlock, reset-otp, export, delete: one EMAIL. */
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
	if (cli_open_account("user", argv[optind], &u) != 0)
		return 1;
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
		{ "edit", user_edit },
		{ "show", user_show },
		{ "list", user_list },
		{ "disable", user_action },
		{ "enable", user_action },
		{ "resend", user_action },
		{ "unlock", user_action },
		{ "reset-otp", user_action },
		{ "export", user_action },
		{ "delete", user_action },
		{ NULL, NULL }
	};

	return cli_dispatch(argc, argv, "user", user_usage, subs);
}
