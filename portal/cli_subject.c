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

/*
 * The options of "subject add|edit": --title into *TITLE, --description
 * into *DESC, then exactly one CODE (NEED: the error without it). -1 to go
 * on, else the exit status.
 */
static int
subject_options(int argc, char **argv, const char *need, const char **title,
    const char **desc)
{
	enum { TITLE = 1, DESCRIPTION };
	int c, status;

	optind = 1;
	while ((c = cli_getopt(argc, argv, "subject", subject_usage,
	    "title= description=", 0, &status)) != -1) {
		if (c == CLI_EXIT)
			return status;
		if (c == TITLE)
			*title = optarg;
		else
			*desc = optarg;
	}
	if ((status = cli_args(argc, argv, "subject", 1, need)) != 0)
		return status;
	return -1;
}

/* What subjects_check says of CODE, TITLE and DESC: 0, or the usage error's status. */
static int
subject_check(const char *code, const char *title, const char *desc)
{
	const char *bad = subjects_check(code, title, desc);

	if (bad == NULL)
		return 0;
	if (strcmp(bad, "admin.subject.bad_code") == 0)
		return cli_usage_error("subject", "CODE must be 1-32 letters, "
		    "digits, '-' or '_': %s", code);
	if (strcmp(bad, "admin.subject.bad_title") == 0)
		return cli_usage_error("subject", "%s 1-%d printable "
		    "characters on one line", title == NULL ? "add needs "
		    "--title with" : "--title must be", SUBJECT_TITLE_MAX);
	return cli_usage_error("subject", "--description must be printable "
	    "UTF-8 of at most %d bytes", SUBJECT_DESC_MAX);
}

static int
subject_add(int argc, char **argv)
{
	const char *title = NULL, *desc = "", *code;
	int64_t id;
	int status;

	if ((status = subject_options(argc, argv, "add needs exactly one CODE",
	    &title, &desc)) != -1)
		return status;
	code = argv[optind];
	if ((status = subject_check(code, title, desc)) != 0)
		return status;
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
	const char *title = NULL, *desc = NULL;
	struct subject s;
	int status, rc = 1;

	if ((status = subject_options(argc, argv, "edit needs exactly one "
	    "CODE", &title, &desc)) != -1)
		return status;
	if (title == NULL && desc == NULL)
		return cli_usage_error("subject", "edit needs --title or "
		    "--description");
	if (cli_open_subject("subject", argv[optind], &s) != 0)
		return 1;
	if (title == NULL)
		title = s.title;
	if (desc == NULL)
		desc = s.description ? s.description : "";
	if ((status = subject_check(s.code, title, desc)) != 0)
		rc = status;
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
