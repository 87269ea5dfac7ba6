/* cli_subject.c: "kluis subject|grant|revoke|publish|files|unpublish": subjects and their files. */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "portal.h"

#define MAX_TO		256

static const char subject_usage[] =
"usage: kluis subject add CODE --title TITLE [--description TEXT] [--data DIR]\n"
"       kluis subject list [--data DIR]\n"
"\n"
"  add CODE      create a subject (\"onderwerp\"); CODE is 1-32 letters, digits,\n"
"                '-' or '_', e.g. DakMon, and appears in /subjects/CODE\n"
"  --title TEXT  the name users see\n"
"  --description TEXT  one paragraph shown above the files\n"
"  list          every subject with its grants and live files\n"
"  --data DIR    the data directory (default ./var)\n";

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

static const char publish_usage[] =
"usage: kluis publish CODE FILE [--to EMAIL ...] [--name NAME] [--expires DATE]\n"
"                    [--data DIR]\n"
"\n"
"Publish FILE on subject CODE. The content is copied into DIR/files/ under\n"
"its SHA-256, then published in one transaction. Every recipient gets a\n"
"\"new file\" email (without the file or the validation code).\n"
"\n"
"  --to EMAIL    publish to this grantee only (repeatable); default: every\n"
"                account the subject is granted to, now or later\n"
"  --name NAME   the download name (default: FILE's own name)\n"
"  --expires DATE  not downloadable from DATE on: YYYY-MM-DD (midnight,\n"
"                local time), YYYY-MM-DDTHH:MM[:SS], or @UNIXSECONDS\n"
"  --data DIR    the data directory (default ./var)\n";

static const char files_usage[] =
"usage: kluis files CODE [--data DIR]\n"
"\n"
"List the publications of subject CODE: id, date, size, downloads, state,\n"
"SHA-256 and name. The id is what kluis unpublish takes.\n";

static const char unpublish_usage[] =
"usage: kluis unpublish FILE_ID [--data DIR]\n"
"\n"
"Withdraw publication FILE_ID (see kluis files): it is no longer listed or\n"
"downloadable; its content is deleted once no publication uses it.\n";

/* subject_code_ok: 1..32 of [A-Za-z0-9_-]. */
int
subject_code_ok(const char *s)
{
	size_t n = strlen(s);

	if (n == 0 || n > 32)
		return 0;
	return strspn(s, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
	    "0123456789_-") == n;
}

static char *
email_arg(const char *cmd, const char *in)
{
	char *e = xstrdup(in);

	str_trim(e);
	str_lower(e);
	if (strchr(e, '@') == NULL || strpbrk(e, " <>,;\"\r\n") != NULL) {
		app_usage_error(cmd, "not an email address: %s", in);
		free(e);
		return NULL;
	}
	return e;
}

static int
subject_add(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "title", required_argument, NULL, 't' },
		{ "description", required_argument, NULL, 'D' },
		{ "data", required_argument, NULL, 'd' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 }
	};
	const char *title = NULL, *desc = "", *code;
	int64_t id;
	int c;

	optind = 1;
	while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (c) {
		case 't': title = optarg; break;
		case 'D': desc = optarg; break;
		case 'd': cfg.data = optarg; break;
		case 'h': fputs(subject_usage, stdout); return 0;
		default: return app_usage_error("subject", "unknown option");
		}
	}
	if (optind != argc - 1)
		return app_usage_error("subject", "add needs exactly one CODE");
	code = argv[optind];
	if (!subject_code_ok(code))
		return app_usage_error("subject", "CODE must be 1-32 letters, "
		    "digits, '-' or '_': %s", code);
	if (title == NULL || !subject_text_ok(title, SUBJECT_TITLE_MAX, 0))
		return app_usage_error("subject", "add needs --title with 1-%d "
		    "printable characters", SUBJECT_TITLE_MAX);
	if (*desc != '\0' && !subject_text_ok(desc, SUBJECT_DESC_MAX, 1))
		return app_usage_error("subject", "--description must be "
		    "printable UTF-8 of at most %d bytes", SUBJECT_DESC_MAX);
	if (app_open() == -1)
		return 1;
	id = store_subject_add(code, title, desc);
	if (id == -2)
		fprintf(stderr, "kluis subject: %s already exists\n", code);
	else if (id < 0)
		fprintf(stderr, "kluis subject: could not create %s\n", code);
	else {
		store_audit(0, 0, "subject.add", "cli", code);
		printf("created subject %s (id %lld)\n", code, (long long)id);
	}
	app_close();
	return id < 0 ? 1 : 0;
}

static int
subject_list(int argc, char **argv)
{
	struct subject *list;
	int n, i, rc;

	if ((rc = app_options(argc, argv, "subject", subject_usage, NULL,
	    NULL)) != -1)
		return rc;
	if (optind != argc)
		return app_usage_error("subject", "list takes no arguments");
	if (app_open() == -1)
		return 1;
	if ((n = store_subject_list(&list)) < 0) {
		app_close();
		return 1;
	}
	printf("%-16s %6s %6s  %s\n", "CODE", "GRANTS", "FILES", "TITLE");
	for (i = 0; i < n; i++)
		printf("%-16s %6lld %6lld  %s\n", list[i].code,
		    (long long)list[i].ngrants, (long long)list[i].nfiles,
		    list[i].title);
	store_free(list, n);
	app_close();
	return 0;
}

/* cli_subject: "kluis subject add|list ...". Returns the exit status. */
int
cli_subject(int argc, char **argv)
{
	if (argc < 2 || strcmp(argv[1], "--help") == 0 ||
	    strcmp(argv[1], "-h") == 0) {
		fputs(subject_usage, argc < 2 ? stderr : stdout);
		return argc < 2 ? 2 : 0;
	}
	if (strcmp(argv[1], "add") == 0)
		return subject_add(argc - 1, argv + 1);
	if (strcmp(argv[1], "list") == 0)
		return subject_list(argc - 1, argv + 1);
	return app_usage_error("subject", "unknown subcommand %s", argv[1]);
}

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

/* cli_grant: "kluis grant [--resend] EMAIL CODE". */
int
cli_grant(int argc, char **argv)
{
	struct user u = { 0 };
	struct subject s = { 0 };
	uint8_t mac[32];
	char *email;
	int rc, granted, resend = 0;

	if ((rc = app_options(argc, argv, "grant", grant_usage, "resend",
	    &resend)) != -1)
		return rc;
	if (optind != argc - 2)
		return app_usage_error("grant", "needs EMAIL and CODE");
	if ((email = email_arg("grant", argv[optind])) == NULL)
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

/* cli_revoke: "kluis revoke EMAIL CODE". */
int
cli_revoke(int argc, char **argv)
{
	struct user u = { 0 };
	struct subject s = { 0 };
	char *email;
	int rc, n;

	if ((rc = app_options(argc, argv, "revoke", revoke_usage, NULL,
	    NULL)) != -1)
		return rc;
	if (optind != argc - 2)
		return app_usage_error("revoke", "needs EMAIL and CODE");
	if ((email = email_arg("revoke", argv[optind])) == NULL)
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

/* A file name on a terminal: control characters shown escaped. */
static void
print_name(const char *name)
{
	const unsigned char *q;

	for (q = (const unsigned char *)name; *q; q++)
		if (*q < 0x20 || *q == 0x7f)
			printf("\\x%02x", *q);
		else
			putchar(*q);
}

/* cli_publish: "kluis publish CODE FILE [--to EMAIL ...] [--name] [--expires]". */
int
cli_publish(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "to", required_argument, NULL, 't' },
		{ "name", required_argument, NULL, 'n' },
		{ "expires", required_argument, NULL, 'e' },
		{ "data", required_argument, NULL, 'd' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 }
	};
	struct publication p = { 0 };
	struct subject s = { 0 };
	struct staged st = { .fd = -1 };
	const char *to[MAX_TO], *file, *name = NULL, *slash;
	uint8_t mac[32];
	int nto = 0, c, i, rc = 1;

	optind = 1;
	while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (c) {
		case 't':
			if (nto == MAX_TO)
				return app_usage_error("publish", "at most %d "
				    "--to", MAX_TO);
			to[nto++] = optarg;
			break;
		case 'n': name = optarg; break;
		case 'e':
			if ((p.expires = subject_parse_date(optarg)) == -1)
				return app_usage_error("publish", "--expires "
				    "wants YYYY-MM-DD, YYYY-MM-DDTHH:MM or "
				    "@SECONDS, not %s", optarg);
			break;
		case 'd': cfg.data = optarg; break;
		case 'h': fputs(publish_usage, stdout); return 0;
		default: return app_usage_error("publish", "unknown option");
		}
	}
	if (optind != argc - 2)
		return app_usage_error("publish", "needs CODE and FILE");
	file = argv[optind + 1];
	if (name == NULL)
		name = (slash = strrchr(file, '/')) ? slash + 1 : file;
	if (!subject_file_name_ok(name))
		return app_usage_error("publish", "the name must be 1-%d bytes "
		    "of UTF-8 (use --name)", SUBJECT_FILE_NAME_MAX);
	if (p.expires > 0 && p.expires <= now_unix())
		return app_usage_error("publish", "--expires is in the past");
	if (app_open() == -1)
		return 1;
	if (store_subject_get(argv[optind], &s) == -1) {
		fprintf(stderr, "kluis publish: no subject %s; see kluis subject "
		    "list\n", argv[optind]);
		goto done;
	}
	p.to = xcalloc((size_t)nto + 1, sizeof *p.to);
	for (i = 0; i < nto; i++) {
		char *e = email_arg("publish", to[i]);

		if (e == NULL) {
			rc = 2;
			goto done;
		}
		if (store_user_by_email(e, &p.to[p.nto]) == -1 ||
		    store_grant_mac(p.to[p.nto].id, s.id, mac) == -1) {
			fprintf(stderr, "kluis publish: %s has no access to %s; "
			    "grant it first with kluis grant %s %s\n", e, s.code,
			    e, s.code);
			free(e);
			store_clear(&p.to[p.nto]);
			goto done;
		}
		free(e);
		p.nto++;
	}
	if (publish_stage(file, &st) == -1)
		goto done;
	p.s = &s;
	p.st = &st;
	p.name = name;
	p.addr = "cli";
	if (subjects_publish(&p) != 0) {
		fprintf(stderr, "kluis publish: could not publish %s; nothing "
		    "was published\n", file);
		goto done;
	}
	publish_release(&st);
	printf("published ");
	print_name(name);
	printf(" on %s as file %lld (%llu bytes, sha256 %s) for %s",
	    s.code, (long long)p.id, (unsigned long long)st.size, st.sha,
	    nto ? "" : "every grantee");
	for (i = 0; i < p.nto; i++)
		printf("%s%s", i ? ", " : "", p.to[i].email);
	printf("\n");
	rc = 0;
done:
	publish_release(&st);
	for (i = 0; i < p.nto; i++)
		store_clear(&p.to[i]);
	free(p.to);
	store_clear(&s);
	app_close();
	return rc;
}

/* cli_files: "kluis files CODE". */
int
cli_files(int argc, char **argv)
{
	struct subject s = { 0 };
	struct pubfile *list;
	char date[32], size[32];
	const char *state;
	int64_t now = now_unix();
	struct tm tm;
	time_t t;
	int n, i, rc;

	if ((rc = app_options(argc, argv, "files", files_usage, NULL,
	    NULL)) != -1)
		return rc;
	if (optind != argc - 1)
		return app_usage_error("files", "needs CODE");
	if (app_open() == -1)
		return 1;
	if (store_subject_get(argv[optind], &s) == -1) {
		fprintf(stderr, "kluis files: no subject %s; see kluis subject "
		    "list\n", argv[optind]);
		app_close();
		return 1;
	}
	if ((n = store_file_list_of_subject(s.id, &list)) < 0) {
		store_clear(&s);
		app_close();
		return 1;
	}
	printf("%-6s %-16s %9s %9s %-11s %-64s %s\n", "ID", "PUBLISHED", "SIZE",
	    "DOWNLOADS", "STATE", "SHA256", "NAME");
	for (i = 0; i < n; i++) {
		t = (time_t)list[i].published;
		localtime_r(&t, &tm);
		strftime(date, sizeof date, "%Y-%m-%d %H:%M", &tm);
		dl_size_human(list[i].size, "en", size, sizeof size);
		state = list[i].unpublished ? "unpublished" : list[i].expires &&
		    list[i].expires <= now ? "expired" : "live";
		printf("%-6lld %-16s %9s %9lld %-11s %-64s ", (long long)list[i].id,
		    date, size, (long long)list[i].downloads, state,
		    list[i].sha256);
		print_name(list[i].name);
		putchar('\n');
	}
	store_free(list, n);
	store_clear(&s);
	app_close();
	return 0;
}

/* cli_unpublish: "kluis unpublish FILE_ID". */
int
cli_unpublish(int argc, char **argv)
{
	struct pubfile f;
	char *end;
	long long id;
	int rc, n;

	if ((rc = app_options(argc, argv, "unpublish", unpublish_usage,
	    NULL, NULL)) != -1)
		return rc;
	if (optind != argc - 1)
		return app_usage_error("unpublish", "needs FILE_ID");
	id = strtoll(argv[optind], &end, 10);
	if (*argv[optind] == '\0' || *end != '\0' || id <= 0)
		return app_usage_error("unpublish", "FILE_ID is a number from "
		    "kluis files");
	if (app_open() == -1)
		return 1;
	rc = 1;
	if (store_file_get(id, &f) == -1) {
		fprintf(stderr, "kluis unpublish: no file %lld; see kluis files "
		    "CODE\n", id);
		goto done;
	}
	if ((n = subjects_unpublish(id, 0, "cli")) < 0)
		fprintf(stderr, "kluis unpublish: could not unpublish %lld\n", id);
	else if (n == 0)
		fprintf(stderr, "kluis unpublish: file %lld was already "
		    "unpublished\n", id);
	else {
		printf("unpublished file %lld\n", id);
		rc = 0;
	}
	store_clear(&f);
done:
	app_close();
	return rc;
}
