/* cli_audit.c: "kluis audit": the audit log, filtered, as a table or CSV. */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "portal.h"

static const char audit_usage[] =
"usage: kluis audit [--user EMAIL] [--event E] [--since DATE] [--until DATE]\n"
"                   [--limit N] [--csv [--separator S] [--no-bom]] [--lang LANG]\n"
"                   [--data DIR]\n"
"\n"
"  --user EMAIL  events about or by accounts whose email contains EMAIL\n"
"  --event E     one event (login.fail), or all starting with E when it ends\n"
"                in a dot (login.)\n"
"  --since DATE  from this day on (YYYY-MM-DD, in the portal's time zone)\n"
"  --until DATE  up to and including this day (YYYY-MM-DD)\n"
"  --limit N     at most N events, newest first (default 100; the CSV has all)\n"
"  --csv         CSV with a header line, as the console's export: separated\n"
"                by semicolons, after a UTF-8 byte order mark (what Excel in\n"
"                a Dutch locale opens as columns)\n"
"  --separator S semicolon (default), comma or tab\n"
"  --no-bom      no byte order mark (for programs that do not expect one)\n"
"  --lang LANG   the language of what each event means (the last column;\n"
"                default en)\n"
"  --data DIR    the data directory (default ./var)\n";

/* cli_audit: "kluis audit ...". Returns the exit status. */
int
cli_audit(int argc, char **argv)
{
	enum { USER = 1, EVENT, SINCE, UNTIL, LIMIT, CSV, SEPARATOR, NO_BOM,
	    LANG };
	struct audit_filter f = { 0 };
	struct audit_row *rows;
	struct buf b = { 0 };
	char when[32], *end;
	const char *lang = "en";
	long limit = 100;
	int c, csv = 0, bom = 1, n, i, status, rc;
	char sep = ';';

	optind = 1;
	while ((c = cli_getopt(argc, argv, "audit", audit_usage,
	    "user= event= since= until= limit= csv separator= no-bom lang=", 0,
	    &status)) != -1) {
		switch (c) {
		case CLI_EXIT:
			return status;
		case USER:
			f.user = optarg;
			break;
		case EVENT:
			f.event = optarg;
			break;
		case SINCE:
			if (time_parse_day(optarg, &f.since) == -1)
				return cli_usage_error("audit", "--since wants "
				    "YYYY-MM-DD, not %s", optarg);
			break;
		case UNTIL:
			if (time_parse_day(optarg, &f.until) == -1)
				return cli_usage_error("audit", "--until wants "
				    "YYYY-MM-DD, not %s", optarg);
			f.until += 86400;
			break;
		case LIMIT:
			limit = strtol(optarg, &end, 10);
			if (*end != '\0' || limit < 1 || limit > 10000000)
				return cli_usage_error("audit", "--limit wants "
				    "a number from 1");
			break;
		case CSV:
			csv = 1;
			break;
		case SEPARATOR:
			if ((sep = csv_separator(optarg)) == 0)
				return cli_usage_error("audit", "--separator is "
				    "semicolon, comma or tab, not %s", optarg);
			break;
		case NO_BOM:
			bom = 0;
			break;
		case LANG:
			lang = optarg;
			break;
		}
	}
	if ((rc = cli_args(argc, argv, "audit", 0, NULL)) != 0)
		return rc;
	if (app_open() == -1)
		return 1;
	if ((rc = cli_lang("audit", lang)) != 0) {
		app_close();
		return rc;
	}
	if (csv) {
		n = audit_csv(&b, &f, sep, bom, lang);
		if (n >= 0)
			fwrite(b.data, 1, b.len, stdout);
		buf_free(&b);
	} else if ((n = store_audit_list(&f, (int)limit, 0, &rows)) >= 0) {
		for (i = 0; i < n; i++) {
			time_format(rows[i].at, TIME_MINUTE, when, sizeof when);
			printf("%s  %-28s %-22s %-28s %-15s %s%s%s\n", when,
			    rows[i].user_email ? rows[i].user_email : "-",
			    rows[i].event,
			    rows[i].actor_email ? rows[i].actor_email : "-",
			    *rows[i].addr ? rows[i].addr : "-", rows[i].detail,
			    *rows[i].detail ? " | " : "| ",
			    audit_text(rows[i].event, lang));
		}
		store_free(rows, n);
	}
	if (n < 0)
		fprintf(stderr, "kluis audit: cannot read the audit log\n");
	app_close();
	return n < 0 ? 1 : 0;
}
