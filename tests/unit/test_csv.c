/* test_csv.c: unit test for csv.c (RFC 4180 quoting with a chosen separator, the byte order mark, formula neutralisation) and time_parse_day. */
#include <stdio.h>
#include <string.h>

#include "portal.h"

#include "check.h"

static void
cell_sep(const char *in, char sep, const char *want)
{
	struct buf b = { 0 };

	csv_cell(&b, in, 1, sep);
	if (strcmp(b.data ? b.data : "", want) != 0) {
		printf("FAIL csv_cell(\"%s\") = [%s], want [%s]\n", in,
		    b.data ? b.data : "", want);
		failures++;
	}
	buf_free(&b);
}

static void
cell(const char *in, const char *want)
{
	cell_sep(in, ',', want);
}

static void
date(const char *in, int ok, int64_t want)
{
	int64_t t = -1;
	int rc = time_parse_day(in, &t);

	if ((rc == 0) != ok || (ok && t != want)) {
		printf("FAIL time_parse_day(\"%s\") = %d/%lld, want %s/%lld\n", in,
		    rc, (long long)t, ok ? "ok" : "error", (long long)want);
		failures++;
	}
}

int
main(void)
{
	struct buf row = { 0 };

	cell("", "");
	cell("plain", "plain");
	cell("a,b", "\"a,b\"");
	cell("say \"hi\"", "\"say \"\"hi\"\"\"");
	cell("two\nlines", "\"two\nlines\"");
	cell("cr\rhere", "\"cr\rhere\"");
	cell("=1+2", "'=1+2");
	cell("+31 6", "'+31 6");
	cell("-1", "'-1");
	cell("@SUM(A1)", "'@SUM(A1)");
	cell("\tx", "'\tx");
	cell("=HYPERLINK(\"x\"),y", "\"'=HYPERLINK(\"\"x\"\"),y\"");
	cell("a=b", "a=b");
	cell("2025-01-01", "2025-01-01");

	/* Semicolons: a comma no longer needs quotes, a semicolon does. */
	cell_sep("a,b", ';', "a,b");
	cell_sep("a;b", ';', "\"a;b\"");
	cell_sep("a\tb", '\t', "\"a\tb\"");
	cell_sep("=1;2", ';', "\"'=1;2\"");

	csv_cell(&row, "a", 1, ',');
	csv_cell(&row, "b", 0, ',');
	csv_end(&row);
	if (strcmp(row.data, "a,b\r\n") != 0) {
		printf("FAIL row = [%s]\n", row.data);
		failures++;
	}
	buf_free(&row);
	csv_begin(&row, 1);
	csv_cell(&row, "\xc3\x89\xc3\xa9n", 1, ';');
	csv_cell(&row, "b", 0, ';');
	csv_end(&row);
	if (row.len != 12 || memcmp(row.data, "\xef\xbb\xbf\xc3\x89\xc3\xa9n;b\r\n",
	    12) != 0) {
		printf("FAIL BOM row = [%s]\n", row.data);
		failures++;
	}
	buf_free(&row);
	CHECK(csv_separator(NULL) == ';');
	CHECK(csv_separator("semicolon") == ';');
	CHECK(csv_separator("comma") == ',');
	CHECK(csv_separator("tab") == '\t');
	CHECK(csv_separator("pipe") == 0);
	CHECK(csv_separator("") == 0);

	date("1970-01-01", 1, 0);
	date("2024-02-29", 1, 1709164800);
	date("2023-02-29", 0, 0);
	date("2025-02-31", 0, 0);
	date("2025-13-01", 0, 0);
	date("2025-1-01", 0, 0);
	date("2025-01-01x", 0, 0);
	date("yesterday", 0, 0);
	date("", 0, 0);
	date("1969-12-31", 0, 0);

	if (failures == 0)
		printf("test_csv: all passed\n");
	return check_done();
}
