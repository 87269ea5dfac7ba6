/* audit.c: the audit log as CSV, for the console's export and "kluis audit --csv". */
#include <stdio.h>
#include <string.h>

#include "portal.h"

#define AUDIT_CSV_MAX	1000000		/* rows in one export */

/*
 * audit_text: what audit code EVENT means in LANG ("Inloggen mislukt"), or
 * EVENT itself when the catalogue has no text for it.
 */
const char *
audit_text(const char *event, const char *lang)
{
	char key[96];
	const char *t;

	snprintf(key, sizeof key, "audit.event.%s", event);
	t = tmpl_msg(lang, key);
	return strcmp(t, key) == 0 ? event : t;
}

/*
 * audit_csv: the events matching F as CSV into B, cells separated by SEP,
 * after a byte order mark when BOM, a header first, newest first, at most
 * AUDIT_CSV_MAX: the code of each event and, last, what it means in LANG.
 * Returns the number of rows, or -1.
 */
int
audit_csv(struct buf *b, const struct audit_filter *f, char sep, int bom,
    const char *lang)
{
	struct audit_row *rows;
	char when[32], num[24];
	int n, i;

	if ((n = store_audit_list(f, AUDIT_CSV_MAX, 0, &rows)) < 0)
		return -1;
	csv_begin(b, bom);
	csv_cell(b, "time_utc", 1, sep);
	csv_cell(b, "user", 0, sep);
	csv_cell(b, "actor", 0, sep);
	csv_cell(b, "event", 0, sep);
	csv_cell(b, "address", 0, sep);
	csv_cell(b, "detail", 0, sep);
	csv_cell(b, "id", 0, sep);
	csv_cell(b, "event_text", 0, sep);
	csv_end(b);
	for (i = 0; i < n; i++) {
		time_format(rows[i].at, TIME_ISO, when, sizeof when);
		csv_cell(b, when, 1, sep);
		csv_cell(b, rows[i].user_email, 0, sep);
		csv_cell(b, rows[i].actor_email, 0, sep);
		csv_cell(b, rows[i].event, 0, sep);
		csv_cell(b, rows[i].addr, 0, sep);
		csv_cell(b, rows[i].detail, 0, sep);
		snprintf(num, sizeof num, "%lld", (long long)rows[i].id);
		csv_cell(b, num, 0, sep);
		csv_cell(b, audit_text(rows[i].event, lang), 0, sep);
		csv_end(b);
	}
	store_free(rows, n);
	return n;
}
