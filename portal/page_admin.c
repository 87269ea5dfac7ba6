/* page_admin.c: the admin console's accounts: list and search, create, detail, resend, disable, enable. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <microhttpd.h>

#include "portal.h"

#define USERS_PAGE	50
#define SEARCH_MAX	100
#define NAME_MAX_LEN	100
#define RECENT_EVENTS	20

/* The notices after an action on a user (?done=NAME). */
static const char *const done_keys[] = { "admin.done.created",
    "admin.done.resent", "admin.done.disabled", "admin.done.enabled",
    "admin.done.reset", "admin.done.refused", "admin.done.granted", NULL };

/* A page number from the query string: 1 when absent or nonsense. */
static int
page_number(const struct req *r)
{
	const char *p = http_query(r, "page");
	long n;
	char *end;

	if (p == NULL)
		return 1;
	n = strtol(p, &end, 10);
	return *end != '\0' || n < 1 || n > 100000 ? 1 : (int)n;
}

/* admin_target_user: the account the URL names (/admin/users/{id}/...): 0 and U, or -1. */
int
admin_target_user(struct req *r, struct user *u)
{
	int64_t id = http_arg_id(r, 0);

	if (id < 0)
		return -1;
	return store_user_by_id((int64_t)id, u);
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

/* GET /admin, /admin/users?q=...&page=N */
int
page_admin_users(struct req *r)
{
	struct tmpl_vars *v = tv_new(), *item;
	struct user_row *list;
	const char *q = http_query(r, "q");
	int page = page_number(r), n, i;

	if (q != NULL && strlen(q) > SEARCH_MAX)
		q = NULL;
	n = store_user_list(q, USERS_PAGE + 1, (page - 1) * USERS_PAGE, &list);
	if (n < 0) {
		tv_free(v);
		return http_error(r, MHD_HTTP_INTERNAL_SERVER_ERROR,
		    "err.internal");
	}
	tv_set(v, "admin_nav_users", "1");
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
	if (admin_requests_vars(v) == -1) {	/* issue 5b */
		tv_free(v);
		return http_error(r, MHD_HTTP_INTERNAL_SERVER_ERROR,
		    "err.internal");
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

static int
new_form(struct req *r, unsigned status, const char *error)
{
	struct tmpl_vars *v = tv_new();
	const char *email = http_field(r, "email");
	const char *name = http_field(r, "name");
	const char *lang = http_field(r, "lang");

	tv_set(v, "admin_nav_users", "1");
	if (email != NULL && strlen(email) <= MAIL_ADDRESS_MAX)
		tv_set(v, "email", email);
	if (name != NULL && strlen(name) <= NAME_MAX_LEN)
		tv_set(v, "name", name);
	lang_choices(v, lang);
	if (http_field(r, "admin") != NULL)
		tv_set(v, "admin_checked", "1");
	return http_form(r, status, "admin/user_new", v, error, 0);
}

/* GET /admin/users/new */
int
page_admin_user_new(struct req *r)
{
	return new_form(r, MHD_HTTP_OK, NULL);
}

/* A person's name: at most 100 bytes, no control characters; trimmed in place. */
static int
name_ok(char *name)
{
	const unsigned char *p;

	str_trim(name);
	if (strlen(name) > NAME_MAX_LEN)
		return 0;
	for (p = (const unsigned char *)name; *p; p++)
		if (*p < 0x20 || *p == 0x7f)
			return 0;
	return 1;
}

/* POST /admin/users: create an account; the temporary password goes by mail only. */
int
page_admin_user_create(struct req *r)
{
	const char *lang = http_field(r, "lang");
	char *email, *name, where[64];
	int64_t id;

	if ((email = mail_address(http_field(r, "email"))) == NULL)
		return new_form(r, MHD_HTTP_BAD_REQUEST, "admin.new.bad_email");
	name = xstrdup(http_field(r, "name") ? http_field(r, "name") : "");
	if (!name_ok(name)) {
		free(email);
		free(name);
		return new_form(r, MHD_HTTP_BAD_REQUEST, "admin.new.bad_name");
	}
	lang = tmpl_lang(lang);
	id = account_invite(email, name, http_field(r, "admin") != NULL, lang,
	    r->user.id, r->addr, NULL);
	free(email);
	free(name);
	if (id == -2)
		return new_form(r, MHD_HTTP_CONFLICT, "admin.new.exists");
	if (id < 0)
		return http_error(r, MHD_HTTP_INTERNAL_SERVER_ERROR,
		    "err.internal");
	snprintf(where, sizeof where, "/admin/users/%lld?done=created",
	    (long long)id);
	return http_redirect(r, where);
}

/* Recent audit events about or by account ID into list "events" of V. */
static int
add_events(struct tmpl_vars *v, int64_t id)
{
	struct audit_filter f = { .user_id = id };
	struct audit_row *rows;
	struct tmpl_vars *item;
	char when[32];
	int n, i;

	if ((n = store_audit_list(&f, RECENT_EVENTS, 0, &rows)) < 0)
		return -1;
	for (i = 0; i < n; i++) {
		item = tv_add(v, "events");
		time_format(rows[i].at, TIME_MINUTE, when, sizeof when);
		tv_set(item, "at", when);
		tv_set(item, "event", rows[i].event);
		tv_set(item, "actor", rows[i].actor_email ?
		    rows[i].actor_email : "");
		tv_set(item, "addr", rows[i].addr);
		tv_set(item, "detail", rows[i].detail);
	}
	store_free(rows, n);
	return 0;
}

/* GET /admin/users/{id} */
int
page_admin_user(struct req *r)
{
	struct tmpl_vars *v, *item;
	struct device *devs;
	struct user u;
	char when[32];
	int n, i;

	if (admin_target_user(r, &u) == -1)
		return http_error(r, MHD_HTTP_NOT_FOUND, "err.notfound");
	if ((n = store_device_list(u.id, &devs)) < 0) {
		store_clear(&u);
		return http_error(r, MHD_HTTP_INTERNAL_SERVER_ERROR,
		    "err.internal");
	}
	v = tv_new();
	tv_set(v, "admin_nav_users", "1");
	set_status(v, &u, n);
	tv_setf(v, "user_lang", "lang.%s", tmpl_lang(u.lang));
	time_format(store_user_created(u.id), TIME_MINUTE, when, sizeof when);
	tv_set(v, "created", when);
	if (u.id == r->user.id)
		tv_set(v, "self", "1");
	http_notice(r, v, "done", done_keys);
	for (i = 0; i < n; i++) {
		item = tv_add(v, "devs");
		tv_set(item, "name", devs[i].name);
		time_format(devs[i].created, TIME_MINUTE, when, sizeof when);
		tv_set(item, "created", when);
		time_format(devs[i].last_used, TIME_MINUTE, when, sizeof when);
		tv_set(item, "last_used", when);
	}
	store_free(devs, n);
	if (add_events(v, u.id) == -1 ||
	    admin_user_vars(v, &u) == -1) {	/* issue 5b: grants, request */
		tv_free(v);
		store_clear(&u);
		return http_error(r, MHD_HTTP_INTERNAL_SERVER_ERROR,
		    "err.internal");
	}
	store_clear(&u);
	return http_page(r, MHD_HTTP_OK, "admin/user", v);
}

/*
 * The confirmation step of a destructive action: the same POST again with
 * confirm=1, after the admin read what will happen.
 */
static int
confirm_page(struct req *r, const struct user *u, const char *action,
    const char *question, const char *button)
{
	struct tmpl_vars *v = tv_new();

	tv_set(v, "admin_nav_users", "1");
	tv_setf(v, "id", "%lld", (long long)u->id);
	tv_set(v, "email", u->email);
	tv_setf(v, "action", "/admin/users/%lld/%s", (long long)u->id, action);
	tv_setf(v, "cancel", "/admin/users/%lld", (long long)u->id);
	tv_set(v, "question", question);
	tv_set(v, "button", button);
	return http_page(r, MHD_HTTP_OK, "admin/confirm", v);
}

/* admin_back_user: back to the user's page with the notice DONE. */
int
admin_back_user(struct req *r, int64_t id, const char *done)
{
	char where[80];

	snprintf(where, sizeof where, "/admin/users/%lld?done=%s",
	    (long long)id, done);
	return http_redirect(r, where);
}

/* POST /admin/users/{id}/resend: a new temporary password, after a confirmation. */
int
page_admin_user_resend(struct req *r)
{
	struct user u;
	int64_t id;

	if (admin_target_user(r, &u) == -1)
		return http_error(r, MHD_HTTP_NOT_FOUND, "err.notfound");
	if (!admin_confirmed(r)) {
		int ret = confirm_page(r, &u, "resend",
		    u.password_temp ? "admin.confirm.resend" :
		    "admin.confirm.resend_active", "admin.resend");
		store_clear(&u);
		return ret;
	}
	id = u.id;
	store_clear(&u);
	if (account_resend(id, r->user.id, r->addr) == -1)
		return http_error(r, MHD_HTTP_INTERNAL_SERVER_ERROR,
		    "err.internal");
	return admin_back_user(r, id, "resent");
}

/* POST /admin/users/{id}/disable: after a confirmation; never one's own account. */
int
page_admin_user_disable(struct req *r)
{
	struct user u;
	int64_t id;

	if (admin_target_user(r, &u) == -1)
		return http_error(r, MHD_HTTP_NOT_FOUND, "err.notfound");
	if (u.id == r->user.id) {
		store_clear(&u);
		return http_error(r, MHD_HTTP_BAD_REQUEST, "admin.self");
	}
	if (!admin_confirmed(r)) {
		int ret = confirm_page(r, &u, "disable",
		    "admin.confirm.disable", "admin.disable");
		store_clear(&u);
		return ret;
	}
	id = u.id;
	store_clear(&u);
	if (account_set_disabled(id, 1, r->user.id, r->addr) == -1)
		return http_error(r, MHD_HTTP_INTERNAL_SERVER_ERROR,
		    "err.internal");
	return admin_back_user(r, id, "disabled");
}

/* POST /admin/users/{id}/enable */
int
page_admin_user_enable(struct req *r)
{
	struct user u;
	int64_t id;

	if (admin_target_user(r, &u) == -1)
		return http_error(r, MHD_HTTP_NOT_FOUND, "err.notfound");
	id = u.id;
	store_clear(&u);
	if (account_set_disabled(id, 0, r->user.id, r->addr) == -1)
		return http_error(r, MHD_HTTP_INTERNAL_SERVER_ERROR,
		    "err.internal");
	return admin_back_user(r, id, "enabled");
}
