/* page_reset.c: /reset: a mailed link spent, the second factor proven (or an admin asked), a new password. */
#include <stdlib.h>
#include <string.h>

#include <microhttpd.h>

#include "portal.h"

static int
reset_form(struct req *r, unsigned status, const char *token,
    const char *error, int64_t wait)
{
	struct tmpl_vars *v = tv_new();

	if (token != NULL)
		tv_set(v, "token", token);
	return http_form(r, status, "reset", v, error, wait);
}

/*
 * GET /reset?token=... or /reset/{token}: only a page with a button. The
 * token is not looked at here: mail scanners open links.
 */
int
page_reset(struct req *r)
{
	const char *t = r->args[0];

	if (t == NULL)
		t = http_query(r, "token");
	if (!reset_token_wellformed(t))
		return reset_form(r, MHD_HTTP_BAD_REQUEST, NULL, "reset.bad", 0);
	return reset_form(r, MHD_HTTP_OK, t, NULL, 0);
}

/*
 * POST /reset: spend the token. By default the session then must prove the
 * second factor (STAGE_RESET); with --reset-reenrols the link alone removes
 * the devices and the user enrols again.
 */
int
page_reset_post(struct req *r)
{
	struct user u = { 0 };
	int64_t uid, wait;
	int ret;

	if ((wait = throttle_wait("reset", NULL, r->addr, 0)) > 0) {
		store_audit(0, 0, "reset.throttled", r->addr, "");
		return reset_form(r, MHD_HTTP_TOO_MANY_REQUESTS, NULL,
		    "reset.throttled", wait);
	}
	uid = reset_link_take(http_field(r, "token"));
	if (uid <= 0 || store_user_find_id(uid, &u) != 1 || u.disabled) {
		throttle_fail("reset", NULL, r->addr);
		store_audit(uid > 0 ? uid : 0, 0, "reset.bad_token", r->addr, "");
		store_clear(&u);
		return reset_form(r, MHD_HTTP_BAD_REQUEST, NULL, "reset.bad", 0);
	}
	store_audit(u.id, 0, "reset.link", r->addr, "");
	if (cfg.reset_reenrols) {
		if (reset_otp(&u, 0, r->addr, 2, 1) == -1) {
			store_clear(&u);
			return http_internal(r);
		}
		ret = http_advance(r, u.id, STAGE_ENROL);
	} else
		ret = http_advance(r, u.id, STAGE_RESET);
	store_clear(&u);
	return ret;
}

static int
verify_form(struct req *r, unsigned status, const char *error, int64_t wait)
{
	struct tmpl_vars *v = tv_new();

	if (store_device_count(r->user.id) > 0)
		tv_set(v, "has_devices", "1");
	return login_code_form(r, status, "reset_verify", error, wait, v);
}

int
page_reset_verify(struct req *r)
{
	return verify_form(r, MHD_HTTP_OK, NULL, 0);
}

/* POST /reset/verify: a code of the chosen device, or a recovery code. */
int
page_reset_verify_post(struct req *r)
{
	const char *rc = http_field(r, "recovery_code"), *err;
	int64_t wait;
	unsigned status;

	if (rc != NULL && *rc != '\0') {
		err = login_recovery_code(r, &status, &wait);
		if (err != NULL)
			return verify_form(r, status, err, wait);
		store_audit(r->user.id, 0, "reset.verified", r->addr,
		    "recovery code");
	} else {
		err = login_device_code(r, &status, &wait, NULL);
		if (err != NULL && *err == '\0')
			return verify_form(r, MHD_HTTP_BAD_REQUEST,
			    "reset.nodevice", 0);
		if (err != NULL)
			return verify_form(r, status, err, wait);
		store_audit(r->user.id, 0, "reset.verified", r->addr, "device");
	}
	return http_advance(r, r->user.id, STAGE_RESET_PW);
}

/* POST /reset/request: no device, no recovery code: ask an admin. */
int
page_reset_request_post(struct req *r)
{
	struct tmpl_vars *v;

	if (reset_request(&r->user, r->addr) == -1)
		return http_internal(r);
	(void)http_end_session(r);
	v = tv_new();
	return http_page(r, MHD_HTTP_OK, "reset_requested", v);
}

int
page_reset_password(struct req *r)
{
	return login_password_form(r, MHD_HTTP_OK, "reset_password", NULL);
}

/* POST /reset/password: the new password; every other session ends. */
int
page_reset_password_post(struct req *r)
{
	int rc;

	if (login_password_post(r, "reset_password", NULL, "password.reset",
	    &rc) == -1)
		return rc;
	throttle_ok("pw", r->user.email, r->addr);
	account_notice(&r->user, "password_changed", r->addr, NULL, NULL);
	return http_advance(r, r->user.id, STAGE_IN);
}
