/* time.c: instants as people and machines read and write them: the one formatter and its parsers. */
#define _GNU_SOURCE	/* strptime, timegm */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "portal.h"

/*
 * zone_tm: T broken down in the portal's time zone, the zone of every time
 * people read or type (pages, mails, the commands' tables). Today that zone
 * is UTC; a configured zone is applied here and in zone_mktime, its inverse.
 * NULL when T cannot be broken down.
 */
static struct tm *
zone_tm(int64_t t, struct tm *tm)
{
	time_t tt = (time_t)t;

	return gmtime_r(&tt, tm);
}

/* zone_mktime: the instant TM names in the portal's time zone (see zone_tm). */
static int64_t
zone_mktime(struct tm *tm)
{
	return (int64_t)timegm(tm);
}

/*
 * time_format: T as STYLE into OUT (N bytes; 32 hold any style). The styles for
 * people use the portal's time zone; TIME_ISO and TIME_MAIL are UTC. A time
 * of 0 or less (none) is "-".
 */
void
time_format(int64_t t, enum time_style style, char *out, size_t n)
{
	/* In the order of enum time_style. */
	static const char *const fmt[] = { "%Y-%m-%d", "%H:%M",
	    "%Y-%m-%d %H:%M", "%Y-%m-%d %H:%M UTC", "%Y-%m-%dT%H:%M:%SZ",
	    "%a, %d %b %Y %H:%M:%S +0000" };
	time_t tt = (time_t)t;
	struct tm tm, *ok;

	if (style == TIME_ISO || style == TIME_MAIL)
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
