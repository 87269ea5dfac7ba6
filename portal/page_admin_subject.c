/* page_admin_subject.c: the admin console's subjects: the list, a new one, a subject's page, its title and description. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <microhttpd.h>

#include "portal.h"

/* GET /admin/subjects: the list and the form for a new one (after a failed try, with what was typed). */
int
page_admin_subject_list(struct req *r)
{
	struct tmpl_vars *v = tv_new(), *item;
	struct subject *list;
	const char *f;
	int n, i;

	if ((n = store_subject_list(&list)) < 0) {
		tv_free(v);
		return http_internal(r);
	}
	tv_set(v, "admin_nav_subjects", "1");
	for (i = 0; i < n; i++) {
		item = tv_add(v, "subjects");
		tv_set(item, "code", list[i].code);
		tv_set(item, "title", list[i].title);
		tv_setf(item, "grants", "%lld", (long long)list[i].ngrants);
		tv_setf(item, "files", "%lld", (long long)list[i].nfiles);
	}
	store_free(list, n);
	if ((f = http_field(r, "code")) != NULL && strlen(f) <= 32)
		tv_set(v, "f_code", f);
	if ((f = http_field(r, "title")) != NULL &&
	    strlen(f) <= SUBJECT_TITLE_MAX)
		tv_set(v, "f_title", f);
	if ((f = http_field(r, "description")) != NULL &&
	    strlen(f) <= SUBJECT_DESC_MAX)
		tv_set(v, "f_description", f);
	return http_page(r, MHD_HTTP_OK, "admin/subjects", v);
}

/* A description from a textarea: CRLF as LF, trimmed; caller frees. */
static char *
description(const struct req *r)
{
	const char *in = http_field(r, "description");
	char *d = xstrdup(in ? in : ""), *p, *q;

	for (p = q = d; *p; p++)
		if (!(p[0] == '\r' && p[1] == '\n'))
			*q++ = *p;
	*q = '\0';
	str_trim(d);
	return d;
}

/* POST /admin/subjects: code, title, description */
int
page_admin_subject_create(struct req *r)
{
	static const char keep[] = "code title description";
	const char *code = http_field(r, "code"), *bad;
	char *title = xstrdup(http_field(r, "title") ? http_field(r, "title") :
	    ""), *desc = description(r);
	int64_t id;

	str_trim(title);
	if ((bad = subjects_check(code, title, desc)) != NULL) {
		free(title);
		free(desc);
		return http_back(r, "/admin/subjects", keep,
		    MHD_HTTP_BAD_REQUEST, bad, 0);
	}
	id = subjects_create(code, title, desc, r->user.id, r->addr);
	free(title);
	free(desc);
	if (id == -2)
		return http_back(r, "/admin/subjects", keep, MHD_HTTP_CONFLICT,
		    "admin.subject.exists", 0);
	if (id < 0)
		return http_internal(r);
	return console_back_subject(r, code, "created");
}

/* GET /admin/subjects/{code} */
int
page_admin_subject(struct req *r)
{
	return console_subject_page(r, r->args[0] ? r->args[0] : "", MHD_HTTP_OK,
	    NULL, NULL);
}

/* POST /admin/subjects/{code}/edit: title, description */
int
page_admin_subject_edit(struct req *r)
{
	struct subject s;
	const char *bad;
	char *title, *desc;
	int rc;

	if (console_subject(r, &s) == -1)
		return http_not_found(r);
	title = xstrdup(http_field(r, "title") ? http_field(r, "title") : "");
	str_trim(title);
	desc = description(r);
	if ((bad = subjects_check(s.code, title, desc)) != NULL) {
		free(title);
		free(desc);
		store_clear(&s);
		return http_back(r, NULL, "edit title description",
		    MHD_HTTP_BAD_REQUEST, bad, 0);
	}
	rc = subjects_edit(&s, title, desc, r->user.id, r->addr);
	free(title);
	free(desc);
	if (rc == -1) {
		store_clear(&s);
		return http_internal(r);
	}
	rc = console_back_subject(r, s.code, "edited");
	store_clear(&s);
	return rc;
}
