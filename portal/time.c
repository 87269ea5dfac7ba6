/* time.c: instants as people and machines read and write them: the one formatter and its parsers. */
#define _GNU_SOURCE	/* strptime, timegm */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "portal.h"

#define ZONE_NAME_MAX	64

static char zone_name[ZONE_NAME_MAX] = TIME_ZONE_DEFAULT;

/*
 * time_zone_init: the portal's time zone becomes NAME (NULL: the default,
 * TIME_ZONE_DEFAULT), an IANA name ("Europe/Amsterdam", "UTC") whose file
 * the system's time zone database has; C's local time is that zone from
 * then on. Call before any thread starts. 0, or -1 with ERR: an unknown
 * zone is refused, never read as UTC without a word.
 */
int
time_zone_init(const char *name, char *err, size_t errlen)
{
	const char *dir = getenv("TZDIR"), *p;
	char path[512], magic[4];
	FILE *f;

	if (name == NULL || *name == '\0')
		name = TIME_ZONE_DEFAULT;
	if (strlen(name) >= ZONE_NAME_MAX || name[0] == '/' ||
	    strstr(name, "..") != NULL) {
		snprintf(err, errlen, "is not a time zone name such as "
		    "Europe/Amsterdam");
		return -1;
	}
	for (p = name; *p; p++)
		if (!((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') ||
		    (*p >= '0' && *p <= '9') || strchr("/_+-", *p) != NULL)) {
			snprintf(err, errlen, "is not a time zone name such as "
			    "Europe/Amsterdam");
			return -1;
		}
	snprintf(path, sizeof path, "%s/%s", dir && *dir ? dir :
	    "/usr/share/zoneinfo", name);
	if ((f = fopen(path, "re")) == NULL || fread(magic, 1, 4, f) != 4 ||
	    memcmp(magic, "TZif", 4) != 0) {
		if (f != NULL)
			fclose(f);
		snprintf(err, errlen, "is not in the time zone database (%s; "
		    "install tzdata)", path);
		return -1;
	}
	fclose(f);
	snprintf(zone_name, sizeof zone_name, "%s", name);
	setenv("TZ", zone_name, 1);
	tzset();
	return 0;
}

/* time_zone: the name of the portal's time zone ("Europe/Amsterdam"). */
const char *
time_zone(void)
{
	return zone_name;
}

/*
 * zone_tm: T broken down in the portal's time zone, the zone of every time
 * people read or type (pages, mails, the commands' tables): C's local time,
 * which time_zone_init set. zone_mktime is its inverse. NULL when T cannot
 * be broken down.
 */
static struct tm *
zone_tm(int64_t t, struct tm *tm)
{
	time_t tt = (time_t)t;

	return localtime_r(&tt, tm);
}

/* zone_mktime: the instant TM names in the portal's time zone (see zone_tm). */
static int64_t
zone_mktime(struct tm *tm)
{
	tm->tm_isdst = -1;	/* the zone knows whether it is summer time */
	return (int64_t)mktime(tm);
}

/*
 * time_format: T as STYLE into OUT (N bytes; 32 hold any style). The styles
 * for people use the portal's time zone; TIME_ISO, TIME_MAIL and TIME_STAMP
 * are UTC. A time of 0 or less (none) is "-".
 */
void
time_format(int64_t t, enum time_style style, char *out, size_t n)
{
	static const char *const fmt[] = {
		[TIME_DATE] = "%Y-%m-%d",
		[TIME_CLOCK] = "%H:%M",
		[TIME_MINUTE] = "%Y-%m-%d %H:%M",
		[TIME_ZONED] = "%Y-%m-%d %H:%M %Z",
		[TIME_ISO] = "%Y-%m-%dT%H:%M:%SZ",
		[TIME_MAIL] = "%a, %d %b %Y %H:%M:%S +0000",
		[TIME_STAMP] = "%Y%m%dT%H%M%SZ",
	};
	time_t tt = (time_t)t;
	struct tm tm, *ok;

	if (style >= TIME_ISO)
		ok = gmtime_r(&tt, &tm);
	else
		ok = zone_tm(t, &tm);
	if (t <= 0 || ok == NULL || strftime(out, n, fmt[style], &tm) == 0)
		snprintf(out, n, "-");
}

/*
 * time_fields: T broken down in the portal's time zone, as people read it
 * (month 1-12). 0, or -1 when T cannot be.
 */
int
time_fields(int64_t t, int *year, int *month, int *day, int *hour,
    int *minute, int *second)
{
	struct tm tm;

	if (zone_tm(t, &tm) == NULL)
		return -1;
	*year = tm.tm_year + 1900;
	*month = tm.tm_mon + 1;
	*day = tm.tm_mday;
	*hour = tm.tm_hour;
	*minute = tm.tm_min;
	*second = tm.tm_sec;
	return 0;
}

/*
 * time_human: T as people of LANG read it, in the portal's time zone, from
 * the catalogue's patterns: TIME_DATE "1 december 2026", TIME_MINUTE
 * "1 december 2026 om 18:59", TIME_CLOCK "18:59", TIME_ZONED as TIME_MINUTE
 * with the zone's abbreviation ("... 18:59 CET"). Other styles as
 * time_format. A time of 0 or less is "-".
 */
void
time_human(int64_t t, enum time_style style, const char *lang, char *out,
    size_t n)
{
	char key[24], clock[16], zone[16], date[96];
	const char *pat, *p;
	struct tm tm;
	struct buf b = { 0 };

	if (style != TIME_DATE && style != TIME_MINUTE && style != TIME_ZONED) {
		time_format(t, style, out, n);
		return;
	}
	if (t <= 0 || zone_tm(t, &tm) == NULL) {
		snprintf(out, n, "-");
		return;
	}
	snprintf(key, sizeof key, "time.month.%d", tm.tm_mon + 1);
	snprintf(date, sizeof date, "%d %s %d", tm.tm_mday,
	    tmpl_msg(lang, key), tm.tm_year + 1900);
	strftime(clock, sizeof clock, "%H:%M", &tm);
	strftime(zone, sizeof zone, "%Z", &tm);
	pat = style == TIME_DATE ? "{date}" : tmpl_msg(lang, style ==
	    TIME_ZONED ? "time.zoned" : "time.minute");
	/* The pattern's {date}, {time} and {zone}; other text as it is. */
	for (p = pat; *p; p++) {
		if (str_has_prefix(p, "{date}")) {
			buf_puts(&b, date);
			p += 5;
		} else if (str_has_prefix(p, "{time}")) {
			buf_puts(&b, clock);
			p += 5;
		} else if (str_has_prefix(p, "{zone}")) {
			buf_puts(&b, zone);
			p += 5;
		} else
			buf_putc(&b, *p);
	}
	snprintf(out, n, "%s", b.data ? b.data : "-");
	buf_free(&b);
}

/*
 * time_parse_day: S as YYYY-MM-DD, the start of that day in the portal's
 * time zone, into *T. 0, or -1 when S is not such a date.
 */
int
time_parse_day(const char *s, int64_t *t)
{
	struct tm tm = { 0 }, back;
	int y, m, d, i;

	if (s == NULL || strlen(s) != 10 || s[4] != '-' || s[7] != '-')
		return -1;
	for (i = 0; i < 10; i++)
		if (i != 4 && i != 7 && (s[i] < '0' || s[i] > '9'))
			return -1;
	if (sscanf(s, "%4d-%2d-%2d", &y, &m, &d) != 3 || y < 1970)
		return -1;
	tm.tm_year = y - 1900;
	tm.tm_mon = m - 1;
	tm.tm_mday = d;
	*t = zone_mktime(&tm);
	/* 2024-02-31 normalises to March: not a date. */
	if (zone_tm(*t, &back) == NULL || back.tm_mday != d ||
	    back.tm_mon != m - 1)
		return -1;
	return 0;
}

/*
 * time_parse: an instant as people type it: YYYY-MM-DD (the start of the
 * day), YYYY-MM-DDTHH:MM[:SS] (or a space for the T), in the portal's time
 * zone, or @UNIXSECONDS. -1 when unreadable.
 */
int64_t
time_parse(const char *s)
{
	struct tm tm;
	const char *end;
	char *e;
	long long v;

	if (s[0] == '@') {
		v = strtoll(s + 1, &e, 10);
		return s[1] != '\0' && *e == '\0' && v > 0 ? (int64_t)v : -1;
	}
	memset(&tm, 0, sizeof tm);
	if ((end = strptime(s, "%Y-%m-%d", &tm)) == NULL)
		return -1;
	if (*end == 'T' || *end == ' ') {
		const char *t = strptime(end + 1, "%H:%M", &tm);

		if (t == NULL)
			return -1;
		if (*t == ':' && (t = strptime(t + 1, "%S", &tm)) == NULL)
			return -1;
		end = t;
	}
	if (*end != '\0')
		return -1;
	return zone_mktime(&tm);
}
