/* page_admin_reset.c: the admin console's authenticator resets, reset requests, and a user's grants. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <microhttpd.h>

#include "portal.h"

/* admin_requests_vars: pending authenticator-reset requests into list "requests" of V. 0, or -1. */
int
admin_requests_vars(struct tmpl_vars *v)
{
	struct reset_request *list;
	struct tmpl_vars *item;
	char when[32];
	int n, i;

	if ((n = store_reset_request_list(&list)) < 0)
		return -1;
	for (i = 0; i < n; i++) {
		item = tv_add(v, "requests");
		tv_setf(item, "uid", "%lld", (long long)list[i].user_id);
		tv_set(item, "email", list[i].email);
		time_format(list[i].created, TIME_MINUTE, when, sizeof when);
		tv_set(item, "at", when);
		tv_set(item, "addr", *list[i].addr ? list[i].addr : "-");
	}
	store_free(list, n);
	return 0;
}

/*
 * admin_user_vars: what the user page adds for U: a pending reset
 * request ("request_at"), the grants ("grants") and the subjects that
 * can still be granted ("grantable"). 0, or -1.
 */
int
admin_user_vars(struct tmpl_vars *v, const struct user *u)
{
	struct subject *mine, *all;
	struct tmpl_vars *item;
	char when[32];
	int64_t at;
	int n, m, i, j;

	if ((at = store_reset_request_of(u->id)) < 0)
		return -1;
	if (at > 0) {
		time_format(at, TIME_MINUTE, when, sizeof when);
		tv_set(v, "request_at", when);
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

/*
 * POST /admin/users/{id}/reset-otp: after a confirmation, remove every
 * phone and recovery code, end the sessions, mail the user: what
 * "kluis user reset-otp" does (keep_password=1: --keep-password). This is
 * also how a pending reset request is approved.
 */
int
page_admin_user_reset_otp(struct req *r)
{
	struct user u;
	char action[64], cancel[64];
	int keep, rc;

	if (admin_target_user(r, &u) == -1)
		return http_error(r, MHD_HTTP_NOT_FOUND, "err.notfound");
	if (u.id == r->user.id) {
		store_clear(&u);
		return http_error(r, MHD_HTTP_BAD_REQUEST, "admin.self_reset");
	}
	if (!admin_confirmed(r)) {
		struct tmpl_vars *v = tv_new();

		snprintf(action, sizeof action, "/admin/users/%lld/reset-otp",
		    (long long)u.id);
		snprintf(cancel, sizeof cancel, "/admin/users/%lld",
		    (long long)u.id);
		tv_set(v, "email", u.email);
		tv_set(v, "button", "admin.reset_otp");
		tv_set(v, "keep_option", "1");
		tv_setf(v, "id", "%lld", (long long)u.id);
		store_clear(&u);
		return admin_confirm(r, "admin_nav_users", action, cancel,
		    "admin.confirm.reset_otp", v);
	}
	keep = http_field(r, "keep_password") != NULL;
	rc = reset_otp(&u, r->user.id, r->addr, keep ? 0 : 1, 1);
	rc = rc == 0 ? admin_back_user(r, u.id, "reset") : http_error(r,
	    MHD_HTTP_INTERNAL_SERVER_ERROR, "err.internal");
	store_clear(&u);
	return rc;
}

/* POST /admin/users/{id}/refuse: close the user's reset request, tell them by mail. */
int
page_admin_user_refuse(struct req *r)
{
	struct user u;
	int n, rc;

	if (admin_target_user(r, &u) == -1)
		return http_error(r, MHD_HTTP_NOT_FOUND, "err.notfound");
	if ((n = store_reset_request_delete(u.id)) <= 0) {
		store_clear(&u);
		return http_error(r, n == 0 ? MHD_HTTP_CONFLICT :
		    MHD_HTTP_INTERNAL_SERVER_ERROR, n == 0 ?
		    "admin.request.none" : "err.internal");
	}
	store_audit(u.id, r->user.id, "otp.request.refuse", r->addr, "");
	account_notice(&u, "otp_reset_refused", NULL, NULL, NULL);
	rc = admin_back_user(r, u.id, "refused");
	store_clear(&u);
	return rc;
}

/* POST /admin/users/{id}/grant: subject=CODE; the validation code is mailed. */
int
page_admin_user_grant(struct req *r)
{
	const char *code = http_field(r, "subject");
	struct subject s;
	struct user u;
	uint8_t mac[32];
	int rc;

	if (admin_target_user(r, &u) == -1)
		return http_error(r, MHD_HTTP_NOT_FOUND, "err.notfound");
	if (code == NULL || !subjects_code_ok(code) ||
	    store_subject_get(code, &s) == -1) {
		store_clear(&u);
		return http_error(r, MHD_HTTP_BAD_REQUEST,
		    "admin.grant.no_subject");
	}
	if (store_grant_mac(u.id, s.id, mac) == 0)
		rc = http_error(r, MHD_HTTP_CONFLICT, "admin.grant.exists");
	else if (u.disabled)
		rc = http_error(r, MHD_HTTP_BAD_REQUEST, "admin.grant.disabled");
	else if (subjects_grant(&u, &s, 0, r->user.id, r->addr) == -1)
		rc = http_error(r, MHD_HTTP_INTERNAL_SERVER_ERROR,
		    "err.internal");
	else
		rc = admin_back_user(r, u.id, "granted");
	store_clear(&u);
	store_clear(&s);
	return rc;
}
