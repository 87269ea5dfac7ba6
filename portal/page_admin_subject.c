/* page_admin_subject.c: the admin console's subjects: list, create, edit, grant, resend a code, revoke. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <microhttpd.h>

#include "portal.h"

#define FILES_LIST_MAX	500

/* The notices after an action on a subject (?done=NAME). */
static const char *const done_keys[] = { "admin.subject.done.created",
    "admin.subject.done.edited", "admin.subject.done.granted",
    "admin.subject.done.resent", "admin.subject.done.revoked",
    "admin.subject.done.published", "admin.subject.done.unpublished", NULL };

/* admin_confirmed: 1 when the POST is the second, confirming one. */
int
admin_confirmed(const struct req *r)
{
	const char *c = http_field(r, "confirm");

	return c != NULL && strcmp(c, "1") == 0;
}

/*
 * admin_confirm: the confirmation page of a destructive action: QUESTION
 * (catalogue key, filled from V), a button POSTing to ACTION again with
 * confirm=1, a way back to CANCEL. V must set "button". Consumes V.
 */
int
admin_confirm(struct req *r, const char *nav, const char *action,
    const char *cancel, const char *question, struct tmpl_vars *v)
{
	tv_set(v, nav, "1");
	tv_set(v, "action", action);
	tv_set(v, "cancel", cancel);
	tv_set(v, "question", question);
	return http_page(r, MHD_HTTP_OK, "admin/confirm", v);
}

/* The subject the URL names; 0 and S, or -1. */
static int
target(struct req *r, struct subject *s)
{
	if (r->args[0] == NULL || !subjects_code_ok(r->args[0]))
		return -1;
	return store_subject_get(r->args[0], s);
}

static int
subjects_page(struct req *r, unsigned status, const char *error)
{
	struct tmpl_vars *v = tv_new(), *item;
	struct subject *list;
	const char *f;
	int n, i;

	if ((n = store_subject_list(&list)) < 0) {
		tv_free(v);
		return http_error(r, MHD_HTTP_INTERNAL_SERVER_ERROR,
		    "err.internal");
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
	if (error != NULL) {
		tv_set(v, "error", error);
		if ((f = http_field(r, "code")) != NULL && strlen(f) <= 32)
			tv_set(v, "f_code", f);
		if ((f = http_field(r, "title")) != NULL &&
		    strlen(f) <= SUBJECT_TITLE_MAX)
			tv_set(v, "f_title", f);
		if ((f = http_field(r, "description")) != NULL &&
		    strlen(f) <= SUBJECT_DESC_MAX)
			tv_set(v, "f_description", f);
	}
	return http_page(r, status, "admin/subjects", v);
}

/* GET /admin/subjects */
int
page_admin_subjects(struct req *r)
{
	return subjects_page(r, MHD_HTTP_OK, NULL);
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
	const char *code = http_field(r, "code"), *bad;
	char *title = xstrdup(http_field(r, "title") ? http_field(r, "title") :
	    ""), *desc = description(r), where[96];
	int64_t id;

	str_trim(title);
	if ((bad = subjects_check(code, title, desc)) != NULL) {
		free(title);
		free(desc);
		return subjects_page(r, MHD_HTTP_BAD_REQUEST, bad);
	}
	id = subjects_create(code, title, desc, r->user.id, r->addr);
	free(title);
	free(desc);
	if (id == -2)
		return subjects_page(r, MHD_HTTP_CONFLICT, "admin.subject.exists");
	if (id < 0)
		return http_error(r, MHD_HTTP_INTERNAL_SERVER_ERROR,
		    "err.internal");
	snprintf(where, sizeof where, "/admin/subjects/%s?done=created", code);
	return http_redirect(r, where);
}

/* Grantees of S into V: list "grantees"; the count, or -1. */
static int
add_grantees(struct tmpl_vars *v, const struct subject *s)
{
	struct grantee *g;
	struct tmpl_vars *item;
	char when[32];
	int n, i;

	if ((n = store_grant_list(s->id, &g)) < 0)
		return -1;
	for (i = 0; i < n; i++) {
		item = tv_add(v, "grantees");
		tv_setf(item, "uid", "%lld", (long long)g[i].user_id);
		tv_set(item, "email", g[i].email);
		tv_set(item, "name", g[i].name ? g[i].name : "");
		tv_set(item, "code", s->code);
		time_format(g[i].created, TIME_MINUTE, when, sizeof when);
		tv_set(item, "granted", when);
		time_format(g[i].code_set, TIME_MINUTE, when, sizeof when);
		tv_set(item, "code_set", when);
		if (g[i].disabled)
			tv_set(item, "disabled", "1");
		/* the upload form's recipients */
		item = tv_add(v, "recipients");
		tv_setf(item, "uid", "%lld", (long long)g[i].user_id);
		tv_set(item, "email", g[i].email);
	}
	store_free(g, n);
	return n;
}

static int
add_files(struct tmpl_vars *v, const struct subject *s, const char *lang)
{
	struct pubfile *f;
	struct tmpl_vars *item;
	char when[32], size[32];
	int64_t now = now_unix();
	int n, i;

	if ((n = store_file_list_of_subject(s->id, &f)) < 0)
		return -1;
	for (i = 0; i < n && i < FILES_LIST_MAX; i++) {
		item = tv_add(v, "files");
		tv_setf(item, "id", "%lld", (long long)f[i].id);
		tv_set(item, "name", f[i].name);
		tmpl_size(f[i].size, lang, size, sizeof size);
		tv_set(item, "size", size);
		time_format(f[i].published, TIME_MINUTE, when, sizeof when);
		tv_set(item, "published", when);
		time_format(f[i].expires, TIME_MINUTE, when, sizeof when);
		tv_set(item, "expires", when);
		tv_setf(item, "downloads", "%lld", (long long)f[i].downloads);
		tv_set(item, "sha", f[i].sha256);
		if (f[i].unpublished)
			tv_set(item, "state", "admin.file.state.unpublished");
		else if (f[i].expires && f[i].expires <= now)
			tv_set(item, "state", "admin.file.state.expired");
		else {
			tv_set(item, "state", "admin.file.state.live");
			tv_set(item, "live", "1");
		}
	}
	store_free(f, n);
	return n;
}

/*
 * admin_subject_page: the page of subject CODE, with ERROR (a catalogue
 * key, or NULL) and STATUS; FORM: extra variables (consumed; may be NULL).
 */
int
admin_subject_page(struct req *r, const char *code, unsigned status,
    const char *error, struct tmpl_vars *v)
{
	struct subject s;
	char when[32], max[32];

	if (v == NULL)
		v = tv_new();
	if (!subjects_code_ok(code) || store_subject_get(code, &s) == -1) {
		tv_free(v);
		return http_error(r, MHD_HTTP_NOT_FOUND, "err.notfound");
	}
	tv_set(v, "admin_nav_subjects", "1");
	tv_set(v, "code", s.code);
	tv_set(v, "title", s.title);
	tv_set(v, "description", s.description ? s.description : "");
	time_format(s.created, TIME_MINUTE, when, sizeof when);
	tv_set(v, "created", when);
	tmpl_size(cfg.max_upload, r->lang, max, sizeof max);
	tv_set(v, "max_upload", max);
	tv_set(v, "upload_hint", "admin.upload.hint");
	if (error != NULL)
		tv_set(v, "error", error);
	http_notice(r, v, "done", done_keys);
	if (add_grantees(v, &s) < 0 || add_files(v, &s, r->lang) < 0) {
		store_clear(&s);
		tv_free(v);
		return http_error(r, MHD_HTTP_INTERNAL_SERVER_ERROR,
		    "err.internal");
	}
	store_clear(&s);
	return http_page(r, status, "admin/subject", v);
}

/* GET /admin/subjects/{code} */
int
page_admin_subject(struct req *r)
{
	return admin_subject_page(r, r->args[0] ? r->args[0] : "", MHD_HTTP_OK,
	    NULL, NULL);
}

static int
back(struct req *r, const char *code, const char *done)
{
	char where[96];

	snprintf(where, sizeof where, "/admin/subjects/%s?done=%s", code, done);
	return http_redirect(r, where);
}

/* POST /admin/subjects/{code}/edit: title, description */
int
page_admin_subject_edit(struct req *r)
{
	struct subject s;
	const char *bad;
	char *title, *desc;
	int rc;

	if (target(r, &s) == -1)
		return http_error(r, MHD_HTTP_NOT_FOUND, "err.notfound");
	title = xstrdup(http_field(r, "title") ? http_field(r, "title") : "");
	str_trim(title);
	desc = description(r);
	if ((bad = subjects_check(s.code, title, desc)) != NULL) {
		free(title);
		free(desc);
		store_clear(&s);
		return admin_subject_page(r, r->args[0],
		    MHD_HTTP_BAD_REQUEST, bad, NULL);
	}
	rc = store_subject_update(s.id, title, desc);
	if (rc == 0)
		store_audit(0, r->user.id, "subject.edit", r->addr, s.code);
	free(title);
	free(desc);
	if (rc == -1) {
		store_clear(&s);
		return http_error(r, MHD_HTTP_INTERNAL_SERVER_ERROR,
		    "err.internal");
	}
	rc = back(r, s.code, "edited");
	store_clear(&s);
	return rc;
}

/*
 * Grant S to U from the console (RESEND: a new code). Returns NULL, or
 * the catalogue key of the refusal with *STATUS.
 */
static const char *
grant(struct req *r, const struct user *u, const struct subject *s,
    int resend, unsigned *status)
{
	uint8_t mac[32];
	int granted = store_grant_mac(u->id, s->id, mac) == 0;

	*status = MHD_HTTP_CONFLICT;
	if (granted && !resend)
		return "admin.grant.exists";
	if (!granted && resend) {
		*status = MHD_HTTP_NOT_FOUND;
		return "err.notfound";
	}
	if (u->disabled) {
		*status = MHD_HTTP_BAD_REQUEST;
		return "admin.grant.disabled";
	}
	if (subjects_grant(u, s, resend, r->user.id, r->addr) == -1) {
		*status = MHD_HTTP_INTERNAL_SERVER_ERROR;
		return "err.internal";
	}
	return NULL;
}

/* POST /admin/subjects/{code}/grant: email */
int
page_admin_subject_grant(struct req *r)
{
	struct subject s;
	struct user u;
	const char *bad = NULL;
	char *email;
	unsigned status = MHD_HTTP_BAD_REQUEST;
	int rc;

	if (target(r, &s) == -1)
		return http_error(r, MHD_HTTP_NOT_FOUND, "err.notfound");
	email = mail_address(http_field(r, "email"));
	if (email == NULL || store_user_by_email(email, &u) == -1)
		bad = "admin.grant.no_user";
	else {
		bad = grant(r, &u, &s, 0, &status);
		store_clear(&u);
	}
	free(email);
	if (bad != NULL) {
		struct tmpl_vars *v = tv_new();
		const char *e = http_field(r, "email");

		if (e != NULL && strlen(e) <= 254)
			tv_set(v, "grant_email", e);
		store_clear(&s);
		return admin_subject_page(r, r->args[0], status, bad, v);
	}
	rc = back(r, s.code, "granted");
	store_clear(&s);
	return rc;
}

/* The subject and grantee of /admin/subjects/{code}/grants/{uid}/...; 0, or -1. */
static int
grant_target(struct req *r, struct subject *s, struct user *u)
{
	char *end;
	long long id;

	if (r->args[1] == NULL)
		return -1;
	id = strtoll(r->args[1], &end, 10);
	if (*end != '\0' || id <= 0 || target(r, s) == -1)
		return -1;
	if (store_user_by_id((int64_t)id, u) == -1) {
		store_clear(s);
		return -1;
	}
	return 0;
}

/* POST /admin/subjects/{code}/grants/{uid}/resend: a new validation code, mailed. */
int
page_admin_grant_resend(struct req *r)
{
	struct subject s;
	struct user u;
	const char *bad;
	unsigned status;
	int rc;

	if (grant_target(r, &s, &u) == -1)
		return http_error(r, MHD_HTTP_NOT_FOUND, "err.notfound");
	bad = grant(r, &u, &s, 1, &status);
	store_clear(&u);
	if (bad != NULL) {
		store_clear(&s);
		return http_error(r, status, bad);
	}
	rc = back(r, s.code, "resent");
	store_clear(&s);
	return rc;
}

/* POST /admin/subjects/{code}/grants/{uid}/revoke: after a confirmation. */
int
page_admin_grant_revoke(struct req *r)
{
	struct subject s;
	struct user u;
	char action[160], cancel[96];
	int n;

	if (grant_target(r, &s, &u) == -1)
		return http_error(r, MHD_HTTP_NOT_FOUND, "err.notfound");
	if (!admin_confirmed(r)) {
		struct tmpl_vars *v = tv_new();

		snprintf(action, sizeof action, "/admin/subjects/%s/grants/%lld/"
		    "revoke", s.code, (long long)u.id);
		snprintf(cancel, sizeof cancel, "/admin/subjects/%s", s.code);
		tv_set(v, "email", u.email);
		tv_set(v, "subject", s.code);
		tv_set(v, "button", "admin.grant.revoke");
		store_clear(&u);
		store_clear(&s);
		return admin_confirm(r, "admin_nav_subjects", action, cancel,
		    "admin.confirm.revoke", v);
	}
	n = subjects_revoke(&u, &s, r->user.id, r->addr);
	store_clear(&u);
	if (n <= 0) {
		store_clear(&s);
		return http_error(r, n == 0 ? MHD_HTTP_NOT_FOUND :
		    MHD_HTTP_INTERNAL_SERVER_ERROR, n == 0 ? "err.notfound" :
		    "err.internal");
	}
	n = back(r, s.code, "revoked");
	store_clear(&s);
	return n;
}
