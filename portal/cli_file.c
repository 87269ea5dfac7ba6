/* cli_file.c: "kluis publish|files|downloads|unpublish": the files of a subject from the command line. */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "portal.h"

#define MAX_TO		256

static const char publish_usage[] =
"usage: kluis publish CODE FILE [--to EMAIL ...] [--name NAME] [--expires DATE]\n"
"                    [--replaces ID] [--data DIR]\n"
"\n"
"Publish FILE on subject CODE. The content is copied into DIR/files/ under\n"
"its SHA-256, then published in one transaction. Every recipient gets a\n"
"\"new file\" email (without the file or the validation code).\n"
"\n"
"A file with the name of an earlier publication on CODE is its new version:\n"
"users see the newest version of each report, the older ones under\n"
"\"Eerdere versies\", and the mail says it is a new version.\n"
"\n"
"  --to EMAIL    publish to this grantee only (repeatable); default: every\n"
"                account the subject is granted to, now or later\n"
"  --name NAME   the download name (default: FILE's own name)\n"
"  --expires DATE  not downloadable from DATE on: YYYY-MM-DD (midnight,\n"
"                UTC), YYYY-MM-DDTHH:MM[:SS] (UTC), or @UNIXSECONDS\n"
"  --replaces ID the new version of the report that publication ID (see\n"
"                kluis files) is a version of, whatever its name\n"
"  --data DIR    the data directory (default ./var)\n";

static const char files_usage[] =
"usage: kluis files CODE [--data DIR]\n"
"\n"
"List the publications of subject CODE: id, date, size, downloads, state,\n"
"version, the publication it replaces, SHA-256 and name. The versions of a\n"
"report are listed together, newest first; STATE says \"superseded\" when a\n"
"newer version is live. The id is what kluis unpublish and\n"
"kluis publish --replaces take.\n";

static const char downloads_usage[] =
"usage: kluis downloads FILE_ID [--limit N] [--data DIR]\n"
"\n"
"The download log of publication FILE_ID (see kluis files), newest first:\n"
"when, who, HTTP status, the bytes sent and the client address, as the\n"
"console's file page shows it (default: the last 500).\n";

static const char unpublish_usage[] =
"usage: kluis unpublish FILE_ID [--data DIR]\n"
"\n"
"Withdraw publication FILE_ID (see kluis files): it is no longer listed or\n"
"downloadable; its content is deleted once no publication uses it.\n";

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

/* cli_file_publish: "kluis publish CODE FILE [--to EMAIL ...] [--name] [--expires]". */
int
cli_file_publish(int argc, char **argv)
{
	enum { TO = 1, NAME, EXPIRES, REPLACES };
	struct publication p = { 0 };
	struct subject s = { 0 };
	struct staged st = { .fd = -1 };
	const char *to[MAX_TO], *file, *name = NULL, *slash;
	char *end;
	uint8_t mac[32];
	int nto = 0, c, i, rc = 1, status;

	optind = 1;
	while ((c = cli_getopt(argc, argv, "publish", publish_usage,
	    "to= name= expires= replaces=", 0, &status)) != -1) {
		switch (c) {
		case CLI_EXIT:
			return status;
		case TO:
			if (nto == MAX_TO)
				return cli_usage_error("publish", "at most %d "
				    "--to", MAX_TO);
			to[nto++] = optarg;
			break;
		case NAME:
			name = optarg;
			break;
		case REPLACES:
			p.replaces = strtoll(optarg, &end, 10);
			if (*optarg == '\0' || *end != '\0' || p.replaces <= 0)
				return cli_usage_error("publish", "--replaces "
				    "takes a file id from kluis files, not %s",
				    optarg);
			break;
		case EXPIRES:
			if ((p.expires = time_parse(optarg)) == -1)
				return cli_usage_error("publish", "--expires "
				    "wants YYYY-MM-DD, YYYY-MM-DDTHH:MM or "
				    "@SECONDS, not %s", optarg);
			break;
		}
	}
	if ((status = cli_args(argc, argv, "publish", 2,
	    "needs CODE and FILE")) != 0)
		return status;
	file = argv[optind + 1];
	if (name == NULL)
		name = (slash = strrchr(file, '/')) ? slash + 1 : file;
	if (!subjects_file_name_ok(name))
		return cli_usage_error("publish", "the name must be 1-%d bytes "
		    "of text without control or text-direction characters, no "
		    "path, not starting with a dot or a space nor ending with "
		    "a space (use --name)", SUBJECT_FILE_NAME_MAX);
	if (p.expires > 0 && p.expires <= now_unix())
		return cli_usage_error("publish", "--expires is in the past");
	if (cli_open_subject("publish", argv[optind], &s) != 0)
		return 1;
	if (p.replaces > 0 && subjects_replaceable(&s, p.replaces) != 1) {
		fprintf(stderr, "kluis publish: file %lld is not a publication "
		    "of %s; see kluis files %s\n", (long long)p.replaces, s.code,
		    s.code);
		goto done;
	}
	p.to = xcalloc((size_t)nto + 1, sizeof *p.to);
	for (i = 0; i < nto; i++) {
		char *e = cli_email("publish", to[i]);

		if (e == NULL) {
			rc = 2;
			goto done;
		}
		if (store_user_find(e, &p.to[p.nto]) != 1 ||
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
	if (p.prev > 0)
		printf("; a new version, replacing file %lld", (long long)p.prev);
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

/* cli_file_list: "kluis files CODE". */
int
cli_file_list(int argc, char **argv)
{
	struct subject s = { 0 };
	struct pubfile *list;
	char date[32], size[32], prev[24];
	const char *state;
	int64_t now = now_unix();
	int n, i, rc;

	if ((rc = cli_options(argc, argv, "files", files_usage, NULL, NULL, 1,
	    "needs CODE")) != -1)
		return rc;
	if (cli_open_subject("files", argv[optind], &s) != 0)
		return 1;
	if ((n = store_file_list_of_subject(s.id, &list)) < 0) {
		store_clear(&s);
		app_close();
		return 1;
	}
	printf("%-6s %-16s %9s %9s %-11s %7s %8s %-64s %s\n", "ID", "PUBLISHED",
	    "SIZE", "DOWNLOADS", "STATE", "VERSION", "REPLACES", "SHA256",
	    "NAME");
	for (i = 0; i < n; i++) {
		time_format(list[i].published, TIME_MINUTE, date, sizeof date);
		dl_size_human(list[i].size, '.', size, sizeof size);
		state = list[i].unpublished ? "unpublished" : list[i].expires &&
		    list[i].expires <= now ? "expired" : list[i].superseded ?
		    "superseded" : "live";
		if (list[i].replaces > 0)
			snprintf(prev, sizeof prev, "%lld",
			    (long long)list[i].replaces);
		else
			snprintf(prev, sizeof prev, "-");
		printf("%-6lld %-16s %9s %9lld %-11s %7lld %8s %-64s ",
		    (long long)list[i].id, date, size,
		    (long long)list[i].downloads, state,
		    (long long)list[i].version, prev, list[i].sha256);
		print_name(list[i].name);
		putchar('\n');
	}
	store_free(list, n);
	store_clear(&s);
	app_close();
	return 0;
}

/*
 * app_open(), then the file of the FILE_ID argument ARG of command CMD: 0
 * with the data open and F filled (caller store_clear()s and
 * app_close()s), else the exit status (2: not a number, 1: no such file)
 * with the reason printed and nothing open.
 */
static int
open_file(const char *cmd, const char *arg, struct pubfile *f)
{
	char *end;
	long long id = strtoll(arg, &end, 10);

	if (*arg == '\0' || *end != '\0' || id <= 0)
		return cli_usage_error(cmd, "FILE_ID is a number from kluis "
		    "files");
	if (app_open() == -1)
		return 1;
	if (store_file_get(id, f) == -1) {
		fprintf(stderr, "kluis %s: no file %lld; see kluis files CODE\n",
		    cmd, id);
		app_close();
		return 1;
	}
	return 0;
}

/* cli_file_unpublish: "kluis unpublish FILE_ID". */
int
cli_file_unpublish(int argc, char **argv)
{
	struct pubfile f;
	long long id;
	int rc, n;

	if ((rc = cli_options(argc, argv, "unpublish", unpublish_usage,
	    NULL, NULL, 1, "needs FILE_ID")) != -1)
		return rc;
	if ((rc = open_file("unpublish", argv[optind], &f)) != 0)
		return rc;
	id = (long long)f.id;
	rc = 1;
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
	app_close();
	return rc;
}

/* cli_file_downloads: "kluis downloads FILE_ID [--limit N]". */
int
cli_file_downloads(int argc, char **argv)
{
	struct download_row *dl;
	struct pubfile f;
	char when[32], *end;
	long limit = 500;
	int c, status, n, i;

	optind = 1;
	while ((c = cli_getopt(argc, argv, "downloads", downloads_usage,
	    "limit=", 0, &status)) != -1) {
		if (c == CLI_EXIT)
			return status;
		limit = strtol(optarg, &end, 10);
		if (*optarg == '\0' || *end != '\0' || limit < 1 ||
		    limit > 10000000)
			return cli_usage_error("downloads", "--limit wants a "
			    "number from 1");
	}
	if ((status = cli_args(argc, argv, "downloads", 1,
	    "needs FILE_ID")) != 0 ||
	    (status = open_file("downloads", argv[optind], &f)) != 0)
		return status;
	if ((n = store_download_list(f.id, (int)limit, &dl)) < 0) {
		fprintf(stderr, "kluis downloads: cannot read the log\n");
		store_clear(&f);
		app_close();
		return 1;
	}
	printf("file %lld: ", (long long)f.id);
	print_name(f.name);
	printf(" (sha256 %s)\n%-22s %-32s %6s %12s  %s\n", f.sha256, "TIME",
	    "USER", "STATUS", "BYTES", "ADDRESS");
	if (n == 0)
		printf("(nobody has downloaded it yet)\n");
	for (i = 0; i < n; i++) {
		time_format(dl[i].at, TIME_ZONED, when, sizeof when);
		printf("%-22s %-32s %6d %12llu  %s\n", when, dl[i].email ?
		    dl[i].email : "-", dl[i].status,
		    (unsigned long long)dl[i].bytes, dl[i].addr ? dl[i].addr :
		    "-");
	}
	store_free(dl, n);
	store_clear(&f);
	app_close();
	return 0;
}
