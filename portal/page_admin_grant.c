/* page_admin_grant.c: the admin console's grants: give a subject to an account (from either page), a new code, revoke. */
#include <stdlib.h>
#include <string.h>

#include <microhttpd.h>

#include "portal.h"

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

/* POST /admin/users/{id}/grant: subject=CODE; the validation code is mailed. */
int
page_admin_grant_user(struct req *r)
{
	const char *code = http_field(r, "subject"), *bad;
	struct subject s;
	struct user u;
	unsigned status;
	int rc;

	if (console_user(r, &u) == -1)
		return http_not_found(r);
	flash_var(r, "error_field", "subject");
	if (code == NULL || !subjects_code_ok(code) ||
	    store_subject_find(code, &s) != 1) {
		rc = console_refuse_user(r, u.id, NULL, MHD_HTTP_BAD_REQUEST,
		    "admin.grant.no_subject");
		store_clear(&u);
		return rc;
	}
	if ((bad = grant(r, &u, &s, 0, &status)) != NULL)
		rc = console_refuse_user(r, u.id, NULL, status, bad);
	else
		rc = console_back_user(r, u.id, "granted");
	store_clear(&u);
	store_clear(&s);
	return rc;
}

/* POST /admin/subjects/{code}/grant: email */
int
page_admin_grant_subject(struct req *r)
{
	struct subject s;
	struct user u;
	const char *bad = NULL;
	char *email;
	unsigned status = MHD_HTTP_BAD_REQUEST;
	int rc;

	if (console_subject(r, &s) == -1)
		return http_not_found(r);
	email = mail_address(http_field(r, "email"));
	if (email == NULL || store_user_find(email, &u) != 1)
		bad = "admin.grant.no_user";
	else {
		bad = grant(r, &u, &s, 0, &status);
		store_clear(&u);
	}
	free(email);
	rc = bad != NULL ? console_refuse_subject(r, s.code, "email", status,
	    bad) : console_back_subject(r, s.code, "granted");
	store_clear(&s);
	return rc;
}

/* The subject and grantee of /admin/subjects/{code}/grants/{uid}/...; 0, or -1. */
static int
grant_target(struct req *r, struct subject *s, struct user *u)
{
	int64_t id = http_arg_id(r, 1);

	memset(u, 0, sizeof *u);
	if (id < 0 || console_subject(r, s) == -1)
		return -1;
	if (store_user_find_id(id, u) != 1) {
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
		return http_not_found(r);
	bad = grant(r, &u, &s, 1, &status);
	store_clear(&u);
	rc = bad != NULL ? console_refuse_subject(r, s.code, NULL, status, bad) :
	    console_back_subject(r, s.code, "resent");
	store_clear(&s);
	return rc;
}

/* GET /admin/subjects/{code}/grants/{uid}/revoke asks; POST after the confirmation revokes. */
int
page_admin_grant_revoke(struct req *r)
{
	struct tmpl_vars *v;
	struct subject s;
	struct user u;
	int n, rc;

	if (grant_target(r, &s, &u) == -1)
		return http_not_found(r);
	if (!console_confirmed(r)) {
		v = tv_new();
		tv_set(v, "email", u.email);
		tv_set(v, "subject", s.code);
		tv_setf(v, "cancel", "/admin/subjects/%s", s.code);
		rc = console_confirm(r, "admin_nav_subjects", r->path,
		    "admin.confirm.revoke", "admin.grant.revoke", v);
	} else if ((n = subjects_revoke(&u, &s, r->user.id, r->addr)) <= 0)
		rc = n == 0 ? http_not_found(r) : http_internal(r);
	else
		rc = console_back_subject(r, s.code, "revoked");
	store_clear(&u);
	store_clear(&s);
	return rc;
}
