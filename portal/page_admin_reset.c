/* page_admin_reset.c: the admin console's authenticator resets: approve one (reset a user's phones) or refuse a request. */
#include <microhttpd.h>

#include "portal.h"

/*
 * GET /admin/users/{id}/reset-otp asks; POST after the confirmation removes every
 * phone and recovery code, end the sessions, mail the user: what
 * "kluis user reset-otp" does (keep_password=1: --keep-password). This is
 * also how a pending reset request is approved.
 */
int
page_admin_reset_otp(struct req *r)
{
	struct tmpl_vars *v;
	struct user u;
	int keep, rc;

	if (console_user(r, &u) == -1)
		return http_not_found(r);
	if (u.id == r->user.id)
		rc = console_refuse_user(r, u.id, NULL, MHD_HTTP_BAD_REQUEST,
		    "admin.self_reset");
	else if (!console_confirmed(r)) {
		v = tv_new();
		tv_set(v, "keep_option", "1");
		rc = console_confirm_user(r, &u, "admin.confirm.reset_otp",
		    "admin.reset_otp", v);
	} else {
		keep = http_field(r, "keep_password") != NULL;
		rc = reset_otp(&u, r->user.id, r->addr, keep ? 0 : 1, 1) == 0 ?
		    console_back_user(r, u.id, "reset") : http_internal(r);
	}
	store_clear(&u);
	return rc;
}

/* POST /admin/users/{id}/refuse: close the user's reset request, tell them by mail. */
int
page_admin_reset_refuse(struct req *r)
{
	struct user u;
	int n, rc;

	if (console_user(r, &u) == -1)
		return http_not_found(r);
	if ((n = reset_refuse(&u, r->user.id, r->addr)) <= 0) {
		rc = n == 0 ? console_refuse_user(r, u.id, NULL,
		    MHD_HTTP_CONFLICT, "admin.request.none") : http_internal(r);
		store_clear(&u);
		return rc;
	}
	rc = console_back_user(r, u.id, "refused");
	store_clear(&u);
	return rc;
}
