/* page_admin_audit.c: the audit log in the console: a paged, filtered view and its CSV export. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <microhttpd.h>

#include "portal.h"

#define AUDIT_PAGE	50
#define FILTER_MAX	100

struct audit_form {
	struct audit_filter f;
	const char	*user;
	const char	*event;
	const char	*since;
	const char	*until;
	int		 page;
	const char	*error;		/* catalogue key, or NULL */
};

static const char *
arg(const struct req *r, const char *name)
{
	const char *s = http_query(r, name);

	return s != NULL && *s != '\0' && strlen(s) <= FILTER_MAX ? s : NULL;
}

/* The filters of the query string; a bad date leaves that bound out and says so. */
static void
read_form(const struct req *r, struct audit_form *a)
{
	const char *p;
	char *end;
	long n;

	memset(a, 0, sizeof *a);
	a->user = a->f.user = arg(r, "user");
	a->event = a->f.event = arg(r, "event");
	a->since = arg(r, "since");
	a->until = arg(r, "until");
	if (a->since != NULL && time_parse_day(a->since, &a->f.since) == -1) {
		a->error = "admin.audit.bad_date";
		a->f.since = 0;
	}
	if (a->until != NULL) {
		if (time_parse_day(a->until, &a->f.until) == -1) {
			a->error = "admin.audit.bad_date";
			a->f.until = 0;
		} else
			a->f.until += 86400;	/* the whole day of "until" */
	}
	a->page = 1;
	if ((p = arg(r, "page")) != NULL) {
		n = strtol(p, &end, 10);
		if (*end == '\0' && n >= 1 && n <= 1000000)
			a->page = (int)n;
	}
}

/* The filters again as a query string (for paging and the export link). */
static void
query_string(struct buf *b, const struct audit_form *a)
{
	const char *names[] = { "user", "event", "since", "until" };
	const char *vals[] = { a->user, a->event, a->since, a->until };
	size_t i;

	for (i = 0; i < 4; i++) {
		if (vals[i] == NULL)
			continue;
		buf_puts(b, b->len ? "&" : "?");
		buf_puts(b, names[i]);
		buf_putc(b, '=');
		html_url(b, vals[i]);
	}
}

/* GET /admin/audit?user=&event=&since=&until=&page= */
int
page_admin_audit(struct req *r)
{
	struct tmpl_vars *v = tv_new(), *item;
	struct audit_form a;
	struct audit_row *rows;
	struct buf qs = { 0 };
	char **events;
	int n, i, ne;

	read_form(r, &a);
	n = store_audit_list(&a.f, AUDIT_PAGE + 1, (a.page - 1) * AUDIT_PAGE,
	    &rows);
	if (n < 0 || (ne = store_audit_events(&events)) < 0) {
		if (n >= 0)
			store_free(rows, n);
		tv_free(v);
		return http_internal(r);
	}
	tv_set(v, "admin_nav_audit", "1");
	tv_set(v, "f_user", a.user);
	tv_set(v, "f_event", a.event);
	tv_set(v, "f_since", a.since);
	tv_set(v, "f_until", a.until);
	if (a.error != NULL)
		tv_set(v, "error", a.error);
	for (i = 0; i < ne; i++) {
		item = tv_add(v, "event_names");
		console_event(item, events[i]);
		tv_set(item, "name", events[i]);
		if (a.event != NULL && strcmp(a.event, events[i]) == 0)
			tv_set(item, "selected", "1");
		free(events[i]);
	}
	free(events);
	for (i = 0; i < n && i < AUDIT_PAGE; i++) {
		item = tv_add(v, "rows");
		tv_set_time(item, "at", rows[i].at, TIME_MINUTE);
		tv_set(item, "user", rows[i].user_email ? rows[i].user_email : "");
		if (rows[i].user_id > 0)
			tv_setf(item, "user_id", "%lld",
			    (long long)rows[i].user_id);
		tv_set(item, "actor", rows[i].actor_email ?
		    rows[i].actor_email : "");
		console_event(item, rows[i].event);
		tv_set(item, "addr", rows[i].addr);
		tv_set(item, "detail", rows[i].detail);
	}
	query_string(&qs, &a);
	tv_set(v, "qs", qs.data ? qs.data : "");
	tv_set(v, "qs_amp", qs.len ? "&" : "?");
	if (n > AUDIT_PAGE)
		tv_setf(v, "next_page", "%d", a.page + 1);
	if (a.page > 1)
		tv_setf(v, "prev_page", "%d", a.page - 1);
	store_free(rows, n);
	buf_free(&qs);
	return http_page(r, a.error ? MHD_HTTP_BAD_REQUEST : MHD_HTTP_OK,
	    "admin/audit", v);
}

/* GET /admin/audit.csv with the filters of the view: an attachment. */
int
page_admin_audit_csv(struct req *r)
{
	struct audit_form a;
	struct buf b = { 0 };
	const char *p;
	size_t len;
	char sep;
	int n, bom;

	read_form(r, &a);
	if (a.error != NULL)
		return http_error(r, MHD_HTTP_BAD_REQUEST, a.error);
	/* Semicolons and a byte order mark unless asked otherwise: Excel. */
	if ((sep = csv_separator(http_query(r, "sep"))) == 0)
		return http_error(r, MHD_HTTP_BAD_REQUEST, "err.badrequest");
	bom = (p = http_query(r, "bom")) == NULL || strcmp(p, "0") != 0;
	if ((n = audit_csv(&b, &a.f, sep, bom, r->lang)) < 0) {
		buf_free(&b);
		return http_internal(r);
	}
	store_audit(0, r->user.id, "audit.export", r->addr, "");
	http_add_header(r, MHD_HTTP_HEADER_CONTENT_DISPOSITION,
	    "attachment; filename=\"kluis-audit.csv\"");
	len = b.len;
	return http_send(r, MHD_HTTP_OK, "text/csv; charset=utf-8",
	    buf_steal(&b), len);
}
