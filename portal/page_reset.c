/* page_reset.c: /reset: a mailed link spent, the second factor proven (or an admin asked), a new password. */
#include <stdlib.h>
#include <string.h>

#include <microhttpd.h>

#include "portal.h"

/* A reset already under way in this session goes on where it was. */
static int
resetting(const struct req *r)
{
	return r->sess.stage == STAGE_RESET || r->sess.stage == STAGE_RESET_PW;
}

/*
 * GET /reset?token=... or /reset/{token}: only a page with a button. The
 * token is not looked at here: mail scanners open links. The link opened
 * again in a browser whose reset is under way goes on there (not "this
 * link has expired").
 */
int
page_reset(struct req *r)
{
	struct tmpl_vars *v;
	const char *t = r->args[0];

	if (resetting(r))
		return http_stage_redirect(r);
	if (t == NULL)
		t = http_query(r, "token");
	v = tv_new();
	if (reset_token_wellformed(t))
		tv_set(v, "token", t);
	else if (r->flash.error == NULL)
		return http_form(r, MHD_HTTP_BAD_REQUEST, "reset", v,
		    "reset.bad", 0);
	return http_page(r, MHD_HTTP_OK, "reset", v);
}

/*
 * An account that never logged in (a temporary password, no phone, no
 * recovery code): the link leads to linking a phone and choosing a
 * password, as the first login does; the mailbox already was enough for
 * that, since the temporary password came by mail. An account with a
 * password of its own never gets here: the mailbox alone does not stand
 * in for that password (after an admin reset that kept it, the reset page
 * offers a recovery code or a request to the administrator).
 */
static int
reset_first(struct req *r, const struct user *u)
{
	store_audit(u->id, 0, "reset.enrol", r->addr, "");
	return http_advance(r, u->id, STAGE_ENROL);
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

	if (resetting(r))
		return http_stage_redirect(r);
	if ((wait = throttle_wait("reset", NULL, r->addr, 0)) > 0) {
		store_audit(0, 0, "reset.throttled", r->addr, "");
		return http_back(r, "/reset", NULL, MHD_HTTP_TOO_MANY_REQUESTS,
		    "reset.throttled", wait);
	}
	uid = reset_link_take(http_field(r, "token"));
	if (uid <= 0 || store_user_find_id(uid, &u) != 1 || u.disabled) {
		throttle_fail("reset", NULL, r->addr);
		store_audit(uid > 0 ? uid : 0, 0, "reset.bad_token", r->addr, "");
		store_clear(&u);
		return http_back(r, "/reset", NULL, MHD_HTTP_BAD_REQUEST,
		    "reset.bad", 0);
	}
	store_audit(u.id, 0, "reset.link", r->addr, "");
	if (cfg.reset_reenrols) {
		if (reset_otp(&u, 0, r->addr, 2, 1) == -1) {
			store_clear(&u);
			return http_internal(r);
		}
		ret = http_advance(r, u.id, STAGE_ENROL);
	} else if (u.password_temp && store_device_count(u.id) == 0 &&
	    store_recovery_count(u.id) == 0)
		ret = reset_first(r, &u);
	else
		ret = http_advance(r, u.id, STAGE_RESET);
	store_clear(&u);
	return ret;
}

/* GET /reset/verify: a code of a phone, a recovery code, or ask the administrator. */
int
page_reset_verify(struct req *r)
{
	struct tmpl_vars *v = tv_new();

	if (store_device_count(r->user.id) > 0)
		tv_set(v, "has_devices", "1");
	return login_code_form(r, MHD_HTTP_OK, "reset_verify", NULL, 0, v);
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
		if (err != NULL && strcmp(err, "err.unavailable") == 0)
			return http_unavailable(r);
		if (err != NULL)
			return http_back(r, "/reset/verify", NULL, status, err,
			    wait);
		store_audit(r->user.id, 0, "reset.verified", r->addr,
		    "recovery code");
	} else {
		err = login_device_code(r, &status, &wait, NULL);
		if (err != NULL && *err == '\0')
			return http_back(r, "/reset/verify", NULL,
			    MHD_HTTP_BAD_REQUEST, "reset.nodevice", 0);
		if (err != NULL && strcmp(err, "err.unavailable") == 0)
			return http_unavailable(r);
		if (err != NULL && strcmp(err, "err.internal") == 0)
			return http_error(r, status, err);
		if (err != NULL)
			return http_back(r, "/reset/verify", "device", status,
			    err, wait);
		store_audit(r->user.id, 0, "reset.verified", r->addr, "device");
	}
	return http_advance(r, r->user.id, STAGE_RESET_PW);
}

/*
 * POST /reset/request (a reset link's) and POST /otp/lost (a login's,
 * after the password): neither the phone nor a recovery code: ask the
 * administrator for an authenticator reset. The session ends here; the
 * user and the administrators are told by mail.
 */
int
page_reset_request_post(struct req *r)
{
	if (reset_request(&r->user, r->addr) == -1)
		return http_internal(r);
	(void)http_end_session(r);
	return http_anew(r, "/reset/requested", NULL);
}

/* GET /reset/requested: the request is with the administrator; what happens next. */
int
page_reset_requested(struct req *r)
{
	return http_page(r, MHD_HTTP_OK, "reset_requested", tv_new());
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

	if (login_password_post(r, NULL, "password.reset", &rc) == -1)
		return rc;
	throttle_ok("pw", r->user.email, r->addr);
	account_notice(&r->user, "password_changed", r->addr, NULL, NULL);
	return http_advance(r, r->user.id, STAGE_IN);
}
