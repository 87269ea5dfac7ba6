/* page_admin_user.c: the admin console's accounts: list and search, create, detail, edit, resend, disable, enable, unlock, delete. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <microhttpd.h>

#include "portal.h"

#define USERS_PAGE	50
#define SEARCH_MAX	100
#define RECENT_EVENTS	20

/* The notices after an action on a user (?done=NAME). */
static const char *const done_keys[] = { "admin.done.created",
    "admin.done.resent", "admin.done.disabled", "admin.done.enabled",
    "admin.done.reset", "admin.done.refused", "admin.done.granted",
    "admin.done.unlocked", "admin.done.edited", NULL };

/* The notices on the list (?done=NAME). */
static const char *const list_done_keys[] = { "admin.done.deleted", NULL };

/* A page number from the query string: 1 when absent or nonsense. */
static int
query_page(const struct req *r)
{
	const char *p = http_query(r, "page");
	long n;
	char *end;

	if (p == NULL)
		return 1;
	n = strtol(p, &end, 10);
	return *end != '\0' || n < 1 || n > 100000 ? 1 : (int)n;
}

/* Status flags every listing of an account shows. */
static void
set_status(struct tmpl_vars *v, const struct user *u, int devices)
{
	tv_setf(v, "id", "%lld", (long long)u->id);
	tv_set(v, "email", u->email);
	tv_set(v, "name", u->name ? u->name : "");
	tv_setf(v, "devices", "%d", devices);
	if (u->is_admin)
		tv_set(v, "is_admin_user", "1");
	if (u->password_temp)
		tv_set(v, "temp", "1");
	if (u->disabled)
		tv_set(v, "disabled", "1");
	if (account_locked(u->email))
		tv_set(v, "locked", "1");
	if (devices == 0)
		tv_set(v, "no_devices", "1");
}

/* Pending authenticator-reset requests into list "requests" of V. 0, or -1. */
static int
requests_vars(struct tmpl_vars *v)
{
	struct reset_request *list;
	struct tmpl_vars *item;
	int n, i;

	if ((n = store_reset_request_list(&list)) < 0)
		return -1;
	for (i = 0; i < n; i++) {
		item = tv_add(v, "requests");
		tv_setf(item, "uid", "%lld", (long long)list[i].user_id);
		tv_set(item, "email", list[i].email);
		tv_set_time(item, "at", list[i].created, TIME_MINUTE);
		tv_set(item, "addr", *list[i].addr ? list[i].addr : "-");
	}
	store_free(list, n);
	return 0;
}

/* GET /admin, /admin/users?q=...&page=N */
int
page_admin_user_list(struct req *r)
{
	struct tmpl_vars *v = tv_new(), *item;
	struct user_row *list;
	const char *q = http_query(r, "q");
	int page = query_page(r), n, i;

	if (q != NULL && strlen(q) > SEARCH_MAX)
		q = NULL;
	n = store_user_list(q, USERS_PAGE + 1, (page - 1) * USERS_PAGE, &list);
	if (n < 0) {
		tv_free(v);
		return http_internal(r);
	}
	tv_set(v, "admin_nav_users", "1");
	http_notice(r, v, "done", list_done_keys);
	if (q != NULL && *q != '\0')
		tv_set(v, "q", q);
	for (i = 0; i < n && i < USERS_PAGE; i++) {
		item = tv_add(v, "users");
		set_status(item, &list[i].u, list[i].devices);
	}
	if (n > USERS_PAGE)
		tv_setf(v, "next_page", "%d", page + 1);
	if (page > 1)
		tv_setf(v, "prev_page", "%d", page - 1);
	store_free(list, n);
	if (requests_vars(v) == -1) {
		tv_free(v);
		return http_internal(r);
	}
	return http_page(r, MHD_HTTP_OK, "admin/users", v);
}

/* The list "langs" of V: every language (code, its own name), CHOSEN (else the default) checked. */
static void
lang_choices(struct tmpl_vars *v, const char *chosen)
{
	struct tmpl_vars *item;
	const char *l;
	size_t i;

	for (i = 0; (l = tmpl_langs(i)) != NULL; i++) {
		item = tv_add(v, "langs");
		tv_set(item, "code", l);
		tv_set(item, "name", tmpl_msg(l, "lang.self"));
		if (strcmp(l, tmpl_lang(chosen)) == 0)
			tv_set(item, "checked", "1");
	}
}

/* GET /admin/users/new: after a failed try, with what was typed. */
int
page_admin_user_new(struct req *r)
{
	struct tmpl_vars *v = tv_new();
	const char *email = http_field(r, "email");
	const char *name = http_field(r, "name");

	tv_set(v, "admin_nav_users", "1");
	if (email != NULL && strlen(email) <= MAIL_ADDRESS_MAX)
		tv_set(v, "email", email);
	if (name != NULL && strlen(name) <= ACCOUNT_NAME_MAX)
		tv_set(v, "name", name);
	lang_choices(v, http_field(r, "lang"));
	if (http_field(r, "admin") != NULL)
		tv_set(v, "admin_checked", "1");
	return http_page(r, MHD_HTTP_OK, "admin/user_new", v);
}

/* POST /admin/users: create an account; the temporary password goes by mail only. */
int
page_admin_user_create(struct req *r)
{
	static const char keep[] = "email name lang admin";
	const char *lang = http_field(r, "lang");
	char *email, *name;
	int64_t id;

	if ((email = mail_address(http_field(r, "email"))) == NULL)
		return http_back(r, "/admin/users/new", keep,
		    MHD_HTTP_BAD_REQUEST, "admin.new.bad_email", 0);
	name = xstrdup(http_field(r, "name") ? http_field(r, "name") : "");
	if (!account_name_ok(name)) {
		free(email);
		free(name);
		return http_back(r, "/admin/users/new", keep,
		    MHD_HTTP_BAD_REQUEST, "admin.new.bad_name", 0);
	}
	lang = tmpl_lang(lang);
	id = account_invite(email, name, http_field(r, "admin") != NULL, lang,
	    r->user.id, r->addr, NULL);
	free(email);
	free(name);
	if (id == -2)
		return http_back(r, "/admin/users/new", keep, MHD_HTTP_CONFLICT,
		    "admin.new.exists", 0);
	if (id < 0)
		return http_internal(r);
	return console_back_user(r, id, "created");
}

/* Recent audit events about or by account ID into list "events" of V. */
static int
add_events(struct tmpl_vars *v, int64_t id)
{
	struct audit_filter f = { .user_id = id };
	struct audit_row *rows;
	struct tmpl_vars *item;
	int n, i;

	if ((n = store_audit_list(&f, RECENT_EVENTS, 0, &rows)) < 0)
		return -1;
	for (i = 0; i < n; i++) {
		item = tv_add(v, "events");
		tv_set_time(item, "at", rows[i].at, TIME_MINUTE);
		console_event(item, rows[i].event);
		tv_set(item, "actor", rows[i].actor_email ?
		    rows[i].actor_email : "");
		tv_set(item, "addr", rows[i].addr);
		tv_set(item, "detail", rows[i].detail);
	}
	store_free(rows, n);
	return 0;
}

/*
 * What the user page shows of U besides the account: a pending reset
 * request ("request_at"), the grants ("grants") and the subjects that can
 * still be granted ("grantable"). 0, or -1.
 */
static int
user_vars(struct tmpl_vars *v, const struct user *u)
{
	struct subject *mine, *all;
	struct tmpl_vars *item;
	int64_t at;
	int n, m, i, j;

	if ((at = store_reset_request_of(u->id)) < 0)
		return -1;
	if (at > 0) {
		tv_set_time(v, "request_at", at, TIME_MINUTE);
	}
	if ((n = store_subject_list_of_user(u->id, &mine)) < 0)
		return -1;
	if ((m = store_subject_list(&all)) < 0) {
		store_free(mine, n);
		return -1;
	}
	for (i = 0; i < n; i++) {
		item = tv_add(v, "grants");
		tv_set(item, "code", mine[i].code);
		tv_set(item, "title", mine[i].title);
		tv_setf(item, "uid", "%lld", (long long)u->id);
		tv_setf(item, "files", "%lld", (long long)mine[i].nfiles);
	}
	for (j = 0; j < m; j++) {
		for (i = 0; i < n && mine[i].id != all[j].id; i++)
			;
		if (i < n)
			continue;
		item = tv_add(v, "grantable");
		tv_set(item, "code", all[j].code);
		tv_set(item, "title", all[j].title);
	}
	store_free(mine, n);
	store_free(all, m);
	return 0;
}

/* The form to edit U on its page: what was typed after a failed try, else U. */
static void
edit_vars(struct req *r, struct tmpl_vars *v, const struct user *u)
{
	const char *email = http_field(r, "email");
	const char *name = http_field(r, "name");
	int again = http_field(r, "edit") != NULL;

	tv_set(v, "edit_email", again && email != NULL &&
	    strlen(email) <= MAIL_ADDRESS_MAX ? email : u->email);
	tv_set(v, "edit_name", again && name != NULL &&
	    strlen(name) <= ACCOUNT_NAME_MAX ? name : u->name ? u->name : "");
	lang_choices(v, again ? http_field(r, "lang") : u->lang);
	if (again ? http_field(r, "admin") != NULL : u->is_admin)
		tv_set(v, "edit_admin", "1");
}

/* GET /admin/users/{id} */
int
page_admin_user(struct req *r)
{
	struct tmpl_vars *v, *item;
	struct device *devs;
	struct user u;
	int n, i;

	if (console_user(r, &u) == -1)
		return http_not_found(r);
	if ((n = store_device_list(u.id, &devs)) < 0) {
		store_clear(&u);
		return http_internal(r);
	}
	v = tv_new();
	tv_set(v, "admin_nav_users", "1");
	set_status(v, &u, n);
	tv_setf(v, "user_lang", "lang.%s", tmpl_lang(u.lang));
	tv_set_time(v, "created", store_user_created(u.id), TIME_MINUTE);
	if (u.id == r->user.id)
		tv_set(v, "self", "1");
	http_notice(r, v, "done", done_keys);
	for (i = 0; i < n; i++) {
		item = tv_add(v, "devs");
		tv_set(item, "name", devs[i].name);
		tv_set_time(item, "created", devs[i].created, TIME_MINUTE);
		tv_set_time(item, "last_used", devs[i].last_used, TIME_MINUTE);
	}
	store_free(devs, n);
	edit_vars(r, v, &u);
	if (add_events(v, u.id) == -1 || user_vars(v, &u) == -1) {
		tv_free(v);
		store_clear(&u);
		return http_internal(r);
	}
	store_clear(&u);
	return http_page(r, MHD_HTTP_OK, "admin/user", v);
}

/*
 * GET /admin/users/{id}/resend asks; POST with confirm=1 sends a new
 * temporary password (a POST without it asks first).
 */
int
page_admin_user_resend(struct req *r)
{
	struct user u;
	int rc;

	if (console_user(r, &u) == -1)
		return http_not_found(r);
	if (!console_confirmed(r))
		rc = console_confirm_user(r, &u, u.password_temp ?
		    "admin.confirm.resend" : "admin.confirm.resend_active",
		    "admin.resend", NULL);
	else if (account_resend(u.id, r->user.id, r->addr) == -1)
		rc = http_internal(r);
	else
		rc = console_back_user(r, u.id, "resent");
	store_clear(&u);
	return rc;
}

/*
 * /admin/users/{id}/disable (asked first; never one's own account) and
 * POST /enable.
 */
static int
set_disabled(struct req *r, int disabled)
{
	struct user u;
	int rc;

	if (console_user(r, &u) == -1)
		return http_not_found(r);
	if (disabled && u.id == r->user.id)
		rc = console_refuse_user(r, u.id, NULL, MHD_HTTP_BAD_REQUEST,
		    "admin.self");
	else if (disabled && !console_confirmed(r))
		rc = console_confirm_user(r, &u, "admin.confirm.disable",
		    "admin.disable", NULL);
	else if (account_set_disabled(u.id, disabled, r->user.id,
	    r->addr) == -1)
		rc = http_internal(r);
	else
		rc = console_back_user(r, u.id, disabled ? "disabled" :
		    "enabled");
	store_clear(&u);
	return rc;
}

int
page_admin_user_disable(struct req *r)
{
	return set_disabled(r, 1);
}

int
page_admin_user_enable(struct req *r)
{
	return set_disabled(r, 0);
}

/* POST /admin/users/{id}/unlock: lift a lockout (too many wrong passwords or codes). */
int
page_admin_user_unlock(struct req *r)
{
	struct user u;
	int rc;

	if (console_user(r, &u) == -1)
		return http_not_found(r);
	rc = account_unlock(&u, r->user.id, r->addr) == -1 ? http_internal(r) :
	    console_back_user(r, u.id, "unlocked");
	store_clear(&u);
	return rc;
}

/*
 * POST /admin/users/{id}/edit: email, name, lang, admin. An admin keeps
 * their own admin role (another admin can take it).
 */
int
page_admin_user_edit(struct req *r)
{
	static const char keep[] = "edit email name lang admin";
	const char *lang = http_field(r, "lang");
	char *email = NULL, *name = NULL;
	int admin = http_field(r, "admin") != NULL, rc;
	struct user u;

	if (console_user(r, &u) == -1)
		return http_not_found(r);
	name = xstrdup(http_field(r, "name") ? http_field(r, "name") : "");
	if ((email = mail_address(http_field(r, "email"))) == NULL)
		rc = console_refuse_user(r, u.id, keep, MHD_HTTP_BAD_REQUEST,
		    "admin.edit.bad_email");
	else if (!account_name_ok(name))
		rc = console_refuse_user(r, u.id, keep, MHD_HTTP_BAD_REQUEST,
		    "admin.edit.bad_name");
	else if (u.id == r->user.id && u.is_admin && !admin)
		rc = console_refuse_user(r, u.id, keep, MHD_HTTP_BAD_REQUEST,
		    "admin.edit.self_admin");
	else if ((rc = account_edit(&u, email, name, tmpl_lang_known(lang) ?
	    tmpl_lang(lang) : "", admin, r->user.id, r->addr)) == -2)
		rc = console_refuse_user(r, u.id, keep, MHD_HTTP_CONFLICT,
		    "admin.edit.exists");
	else if (rc == -1)
		rc = http_internal(r);
	else
		rc = console_back_user(r, u.id, "edited");
	free(email);
	free(name);
	store_clear(&u);
	return rc;
}

/*
 * GET /admin/users/{id}/delete asks; POST with confirm=1 deletes the
 * account and its personal data ("kluis user delete"; never one's own).
 */
int
page_admin_user_delete(struct req *r)
{
	struct user u;
	int rc;

	if (console_user(r, &u) == -1)
		return http_not_found(r);
	if (u.id == r->user.id)
		rc = console_refuse_user(r, u.id, NULL, MHD_HTTP_BAD_REQUEST,
		    "admin.self_delete");
	else if (!console_confirmed(r))
		rc = console_confirm_user(r, &u, "admin.confirm.delete",
		    "admin.delete", NULL);
	else if (person_delete(&u, r->user.id, r->addr, NULL) == -1)
		rc = http_unavailable(r);
	else
		rc = http_redirect(r, "/admin/users?done=deleted");
	store_clear(&u);
	return rc;
}

/*
 * GET /admin/users/{id}/export: everything kept about the person as JSON
 * ("kluis user export"): no secret, no hash; audited.
 */
int
page_admin_user_export(struct req *r)
{
	struct buf out = { 0 };
	struct user u;
	char cd[96];
	size_t len;

	if (console_user(r, &u) == -1)
		return http_not_found(r);
	if (person_export(&u, &out) == -1) {
		buf_free(&out);
		store_clear(&u);
		return http_unavailable(r);
	}
	store_audit(u.id, r->user.id, "user.export", r->addr, "");
	snprintf(cd, sizeof cd, "attachment; filename=\"kluis-user-%lld.json\"",
	    (long long)u.id);
	http_add_header(r, MHD_HTTP_HEADER_CONTENT_DISPOSITION, cd);
	store_clear(&u);
	len = out.len;
	return http_send(r, MHD_HTTP_OK, "application/json; charset=utf-8",
	    buf_steal(&out), len);
}
