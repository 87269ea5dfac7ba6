/*
 * console.c: what the admin console's pages share (cgit's ui-shared.c):
 * the account or subject the URL names, the confirmation step of a
 * destructive action, the way back with a notice, the subject page.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <microhttpd.h>

#include "portal.h"

#define FILES_LIST_MAX	500

/* The notices after an action on a subject (?done=NAME). */
static const char *const subject_done[] = { "admin.subject.done.created",
    "admin.subject.done.edited", "admin.subject.done.granted",
    "admin.subject.done.resent", "admin.subject.done.revoked",
    "admin.subject.done.published", "admin.subject.done.unpublished", NULL };

/* console_confirmed: 1 when the POST is the second, confirming one. */
int
console_confirmed(const struct req *r)
{
	const char *c = http_field(r, "confirm");

	return c != NULL && strcmp(c, "1") == 0;
}

/*
 * console_event: EVENT (an audit code, "login.fail") into ITEM as "event"
 * and, when the catalogue has one, its text as "event_text" (the key
 * audit.event.CODE: "Inloggen mislukt: verkeerd wachtwoord").
 */
void
console_event(struct tmpl_vars *item, const char *event)
{
	char key[96];

	tv_set(item, "event", event);
	snprintf(key, sizeof key, "audit.event.%s", event);
	if (strcmp(tmpl_msg(LANG_DEFAULT, key), key) != 0)
		tv_set(item, "event_text", key);
}

/*
 * console_confirm: the confirmation step of a destructive action, under
 * the menu item NAV: QUESTION (catalogue key, filled from V), the button
 * BUTTON (catalogue key) POSTing to ACTION again with confirm=1, and a way
 * back to V's "cancel". V: the page's variables (consumed). The page is a
 * GET of ACTION; a POST without the confirmation is sent there.
 */
int
console_confirm(struct req *r, const char *nav, const char *action,
    const char *question, const char *button, struct tmpl_vars *v)
{
	/* Asked by a GET of the action's own path: Back and Reload are safe. */
	if (r->method == HTTP_POST) {
		tv_free(v);
		return http_redirect(r, action);
	}
	tv_set(v, nav, "1");
	tv_set(v, "action", action);
	tv_set(v, "question", question);
	tv_set(v, "button", button);
	return http_page(r, MHD_HTTP_OK, "admin/confirm", v);
}

/*
 * console_confirm_user: console_confirm of the POST to this URL about U,
 * back to U's page.
 */
int
console_confirm_user(struct req *r, const struct user *u,
    const char *question, const char *button, struct tmpl_vars *v)
{
	if (v == NULL)
		v = tv_new();
	tv_setf(v, "id", "%lld", (long long)u->id);
	tv_set(v, "email", u->email);
	tv_setf(v, "cancel", "/admin/users/%lld", (long long)u->id);
	return console_confirm(r, "admin_nav_users", r->path, question, button,
	    v);
}

/* console_user: the account the URL names (/admin/users/{id}/...): 0 and U (caller store_clear()s), or -1. */
int
console_user(struct req *r, struct user *u)
{
	int64_t id = http_arg_id(r, 0);

	memset(u, 0, sizeof *u);
	if (id < 0)
		return -1;
	return store_user_find_id(id, u) == 1 ? 0 : -1;
}

/* console_back_user: back to the page of account ID with the notice DONE. */
int
console_back_user(struct req *r, int64_t id, const char *done)
{
	char where[80];

	snprintf(where, sizeof where, "/admin/users/%lld?done=%s",
	    (long long)id, done);
	return http_redirect(r, where);
}

/*
 * console_refuse_user: back to the page of account ID saying ERROR with
 * STATUS, the fields of KEEP in its form (http_back); a 500 is an error
 * page at once.
 */
int
console_refuse_user(struct req *r, int64_t id, const char *keep,
    unsigned status, const char *error)
{
	char where[64];

	if (status == MHD_HTTP_INTERNAL_SERVER_ERROR)
		return http_error(r, status, error);
	snprintf(where, sizeof where, "/admin/users/%lld", (long long)id);
	return http_back(r, where, keep, status, error, 0);
}

/* console_subject: the subject the URL names (/admin/subjects/{code}/...): 0 and S, or -1. */
int
console_subject(struct req *r, struct subject *s)
{
	memset(s, 0, sizeof *s);
	if (r->args[0] == NULL || !subjects_code_ok(r->args[0]))
		return -1;
	return store_subject_find(r->args[0], s) == 1 ? 0 : -1;
}

/* console_back_subject: back to the page of subject CODE with the notice DONE. */
int
console_back_subject(struct req *r, const char *code, const char *done)
{
	char where[96];

	snprintf(where, sizeof where, "/admin/subjects/%s?done=%s", code, done);
	return http_redirect(r, where);
}

/* console_refuse_subject: console_refuse_user for the page of subject CODE. */
int
console_refuse_subject(struct req *r, const char *code, const char *keep,
    unsigned status, const char *error)
{
	char where[96];

	if (status == MHD_HTTP_INTERNAL_SERVER_ERROR)
		return http_error(r, status, error);
	snprintf(where, sizeof where, "/admin/subjects/%s", code);
	return http_back(r, where, keep, status, error, 0);
}

/* 1 when the form this page shows again had the field "to" with user ID ticked. */
static int
ticked(const struct req *r, int64_t id)
{
	int i;

	for (i = 0; i < r->nfields; i++)
		if (strcmp(r->fields[i].name, "to") == 0 &&
		    r->fields[i].value.data != NULL &&
		    strtoll(r->fields[i].value.data, NULL, 10) == id)
			return 1;
	return 0;
}

/*
 * Grantees of S into V: list "grantees", and "recipients" for the upload
 * form, ticked as the form that failed had them. The count, or -1.
 */
static int
add_grantees(struct req *r, struct tmpl_vars *v, const struct subject *s)
{
	struct grantee *g;
	struct tmpl_vars *item;
	int n, i;

	if ((n = store_grant_list(s->id, &g)) < 0)
		return -1;
	for (i = 0; i < n; i++) {
		item = tv_add(v, "grantees");
		tv_setf(item, "uid", "%lld", (long long)g[i].user_id);
		tv_set(item, "email", g[i].email);
		tv_set(item, "name", g[i].name ? g[i].name : "");
		tv_set(item, "code", s->code);
		tv_set_time(item, "granted", g[i].created, TIME_MINUTE);
		tv_set_time(item, "code_set", g[i].code_set, TIME_MINUTE);
		if (g[i].disabled)
			tv_set(item, "disabled", "1");
		/* the upload form's recipients */
		item = tv_add(v, "recipients");
		tv_setf(item, "uid", "%lld", (long long)g[i].user_id);
		tv_set(item, "email", g[i].email);
		if (ticked(r, g[i].user_id))
			tv_set(item, "checked", "1");
	}
	store_free(g, n);
	return n;
}

static int
add_files(struct req *r, struct tmpl_vars *v, const struct subject *s,
    const char *lang)
{
	struct pubfile *f;
	struct tmpl_vars *item;
	char size[32];
	const char *rep;
	int64_t now = now_unix();
	int n, i;

	if ((n = store_file_list_of_subject(s->id, &f)) < 0)
		return -1;
	for (i = 0; i < n && i < FILES_LIST_MAX; i++) {
		item = tv_add_named(v, "files", f[i].id, f[i].name);
		tmpl_size(f[i].size, lang, size, sizeof size);
		tv_set(item, "size", size);
		tv_set_time(item, "published", f[i].published, TIME_MINUTE);
		tv_set_time(item, "expires", f[i].expires, TIME_MINUTE);
		tv_setf(item, "downloads", "%lld", (long long)f[i].downloads);
		tv_set(item, "sha", f[i].sha256);
		tv_setf(item, "version", "%lld", (long long)f[i].version);
		if (f[i].replaces > 0)
			tv_setf(item, "replaces", "%lld",
			    (long long)f[i].replaces);
		if (f[i].unpublished)
			tv_set(item, "state", "admin.file.state.unpublished");
		else if (f[i].expires && f[i].expires <= now)
			tv_set(item, "state", "admin.file.state.expired");
		else if (f[i].superseded) {
			tv_set(item, "state", "admin.file.state.superseded");
			tv_set(item, "live", "1");
		} else {
			tv_set(item, "state", "admin.file.state.live");
			tv_set(item, "live", "1");
			/* the upload form's "new version of" choices */
			item = tv_add(v, "reports");
			tv_setf(item, "id", "%lld", (long long)f[i].id);
			tv_set(item, "name", f[i].name);
			tv_setf(item, "version", "%lld",
			    (long long)f[i].version);
			if ((rep = http_field(r, "replaces")) != NULL &&
			    strtoll(rep, NULL, 10) == f[i].id)
				tv_set(item, "selected", "1");
		}
	}
	store_free(f, n);
	return n;
}

/*
 * console_subject_page: the page of subject CODE (/admin/subjects/{code}),
 * with ERROR (a catalogue key, or NULL) and STATUS; V: extra variables
 * (consumed; may be NULL).
 */
int
console_subject_page(struct req *r, const char *code, unsigned status,
    const char *error, struct tmpl_vars *v)
{
	struct subject s;
	char max[32];
	const char *f;

	if (v == NULL)
		v = tv_new();
	if (!subjects_code_ok(code) || store_subject_find(code, &s) != 1) {
		tv_free(v);
		return http_not_found(r);
	}
	tv_set(v, "admin_nav_subjects", "1");
	tv_set(v, "code", s.code);
	tv_set(v, "title", s.title);
	tv_set(v, "description", s.description ? s.description : "");
	/* The forms as they were sent when one failed: never wider. */
	f = http_field(r, "edit") != NULL ? http_field(r, "title") : NULL;
	tv_set(v, "edit_title", f != NULL && strlen(f) <= SUBJECT_TITLE_MAX ?
	    f : s.title);
	f = http_field(r, "edit") != NULL ? http_field(r, "description") : NULL;
	tv_set(v, "edit_description", f != NULL && strlen(f) <=
	    SUBJECT_DESC_MAX ? f : s.description ? s.description : "");
	if ((f = http_field(r, "email")) != NULL && strlen(f) <= MAIL_ADDRESS_MAX)
		tv_set(v, "grant_email", f);
	if ((f = http_field(r, "audience")) != NULL && strcmp(f, "chosen") == 0)
		tv_set(v, "audience_chosen", "1");
	if ((f = http_field(r, "expires")) != NULL && strlen(f) <= 10)
		tv_set(v, "f_expires", f);
	tv_set_time(v, "created", s.created, TIME_MINUTE);
	tmpl_size(cfg.max_upload, r->lang, max, sizeof max);
	tv_set(v, "max_upload", max);
	tv_set(v, "upload_hint", "admin.upload.hint");
	if (error != NULL)
		tv_set(v, "error", error);
	http_notice(r, v, "done", subject_done);
	if (add_grantees(r, v, &s) < 0 || add_files(r, v, &s, r->lang) < 0) {
		store_clear(&s);
		tv_free(v);
		return http_internal(r);
	}
	store_clear(&s);
	return http_page(r, status, "admin/subject", v);
}
