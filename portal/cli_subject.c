/* cli_subject.c: "kluis subject add|edit|list": subjects from the command line. */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "portal.h"

static const char subject_usage[] =
"usage: kluis subject add CODE --title TITLE [--description TEXT] [--data DIR]\n"
"       kluis subject edit CODE [--title TITLE] [--description TEXT] [--data DIR]\n"
"       kluis subject list [--data DIR]\n"
"\n"
"  add CODE      create a subject (\"onderwerp\"); CODE is 1-32 letters, digits,\n"
"                '-' or '_', e.g. DakMon, and appears in /subjects/CODE\n"
"  --title TEXT  the name users see\n"
"  --description TEXT  one paragraph shown above the files\n"
"  edit CODE     a new title and/or description (--description \"\" clears it)\n"
"  list          every subject with its grants and live files\n"
"  --data DIR    the data directory (default ./var)\n";

static int
subject_add(int argc, char **argv)
{
	enum { TITLE = 1, DESCRIPTION };
	const char *title = NULL, *desc = "", *code;
	int64_t id;
	int c, status;

	optind = 1;
	while ((c = cli_getopt(argc, argv, "subject", subject_usage,
	    "title= description=", 0, &status)) != -1) {
		if (c == CLI_EXIT)
			return status;
		if (c == TITLE)
			title = optarg;
		else
			desc = optarg;
	}
	if ((status = cli_args(argc, argv, "subject", 1,
	    "add needs exactly one CODE")) != 0)
		return status;
	code = argv[optind];
	if (!subjects_code_ok(code))
		return cli_usage_error("subject", "CODE must be 1-32 letters, "
		    "digits, '-' or '_': %s", code);
	if (title == NULL || !str_text_ok(title, SUBJECT_TITLE_MAX, 0))
		return cli_usage_error("subject", "add needs --title with 1-%d "
		    "printable characters", SUBJECT_TITLE_MAX);
	if (*desc != '\0' && !str_text_ok(desc, SUBJECT_DESC_MAX, 1))
		return cli_usage_error("subject", "--description must be "
		    "printable UTF-8 of at most %d bytes", SUBJECT_DESC_MAX);
	if (app_open() == -1)
		return 1;
	id = subjects_create(code, title, desc, 0, "cli");
	if (id == -2)
		fprintf(stderr, "kluis subject: %s already exists\n", code);
	else if (id < 0)
		fprintf(stderr, "kluis subject: could not create %s\n", code);
	else
		printf("created subject %s (id %lld)\n", code, (long long)id);
	app_close();
	return id < 0 ? 1 : 0;
}

static int
subject_edit(int argc, char **argv)
{
	enum { TITLE = 1, DESCRIPTION };
	const char *title = NULL, *desc = NULL, *bad;
	struct subject s;
	int c, status, rc = 1;

	optind = 1;
	while ((c = cli_getopt(argc, argv, "subject", subject_usage,
	    "title= description=", 0, &status)) != -1) {
		if (c == CLI_EXIT)
			return status;
		if (c == TITLE)
			title = optarg;
		else
			desc = optarg;
	}
	if ((status = cli_args(argc, argv, "subject", 1,
	    "edit needs exactly one CODE")) != 0)
		return status;
	if (title == NULL && desc == NULL)
		return cli_usage_error("subject", "edit needs --title or "
		    "--description");
	if (app_open() == -1)
		return 1;
	if (store_subject_find(argv[optind], &s) != 1) {
		fprintf(stderr, "kluis subject: no subject %s; see kluis subject "
		    "list\n", argv[optind]);
		app_close();
		return 1;
	}
	if (title == NULL)
		title = s.title;
	if (desc == NULL)
		desc = s.description ? s.description : "";
	if ((bad = subjects_check(s.code, title, desc)) != NULL)
		rc = cli_usage_error("subject", "%s", strcmp(bad,
		    "admin.subject.bad_title") == 0 ? "--title must be 1-200 "
		    "printable characters on one line" : "--description must be "
		    "printable UTF-8 of at most 2000 bytes");
	else if (subjects_edit(&s, title, desc, 0, "cli") == -1)
		fprintf(stderr, "kluis subject: could not change %s\n", s.code);
	else {
		printf("changed subject %s\n", s.code);
		rc = 0;
	}
	store_clear(&s);
	app_close();
	return rc;
}

static int
subject_list(int argc, char **argv)
{
	struct subject *list;
	int n, i, rc;

	if ((rc = cli_options(argc, argv, "subject", subject_usage, NULL,
	    NULL, 0, NULL)) != -1)
		return rc;
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

/* cli_subject: "kluis subject add|edit|list ...". Returns the exit status. */
int
cli_subject(int argc, char **argv)
{
	static const struct cli_command subs[] = {
		{ "add", subject_add },
		{ "edit", subject_edit },
		{ "list", subject_list },
		{ NULL, NULL }
	};

	return cli_dispatch(argc, argv, "subject", subject_usage, subs);
}
