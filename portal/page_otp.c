/* page_otp.c: /otp: the code of a phone; a lost phone: a recovery code, another phone, or an administrator. */
#include <string.h>

#include <microhttpd.h>

#include "portal.h"

/* GET /otp: the code of the chosen phone. */
int
page_otp(struct req *r)
{
	return login_code_form(r, MHD_HTTP_OK, "otp", NULL, 0, NULL);
}

/* POST /otp: the code is checked against the chosen device only. */
int
page_otp_post(struct req *r)
{
	const char *err;
	int64_t wait;
	unsigned status;

	err = login_device_code(r, &status, &wait, NULL);
	if (err != NULL && *err == '\0')
		/* The authenticators were reset while this login was under way. */
		return http_advance(r, r->user.id, STAGE_ENROL);
	if (err != NULL && strcmp(err, "err.unavailable") == 0)
		return http_unavailable(r);
	if (err != NULL && strcmp(err, "err.internal") == 0)
		return http_error(r, status, err);
	if (err != NULL)
		return http_back(r, "/otp", "device", status, err, wait);
	store_audit(r->user.id, 0, "login.ok", r->addr, "");
	return login_second_factor_done(r);
}

/* GET /otp/recovery: "Gebruik een herstelcode" instead of the app's code. */
int
page_otp_recovery(struct req *r)
{
	struct tmpl_vars *v = tv_new();

	tv_set(v, "email", r->user.email);
	return http_page(r, MHD_HTTP_OK, "otp_recovery", v);
}

int
page_otp_recovery_post(struct req *r)
{
	const char *err;
	int64_t wait;
	unsigned status;

	if ((err = login_recovery_code(r, &status, &wait)) != NULL &&
	    strcmp(err, "err.unavailable") == 0)
		return http_unavailable(r);
	if (err != NULL)
		return http_back(r, "/otp/recovery", NULL, status, err, wait);
	store_audit(r->user.id, 0, "login.ok", r->addr, "recovery code");
	return login_second_factor_done(r);
}

/*
 * GET /otp/lost ("Telefoon kwijt?"): the ways on without the phone: a
 * recovery code, another phone (when there is one), or asking the
 * administrator to reset the authenticator.
 */
int
page_otp_lost(struct req *r)
{
	struct tmpl_vars *v = tv_new();
	int n = store_device_count(r->user.id), codes;

	tv_set(v, "email", r->user.email);
	if (n > 1)
		tv_setf(v, "other_phones", "%d", n - 1);
	if ((codes = store_recovery_count(r->user.id)) > 0)
		tv_setf(v, "codes", "%d", codes);
	if (store_reset_request_of(r->user.id) > 0)
		tv_set(v, "requested", "1");
	return http_page(r, MHD_HTTP_OK, "otp_lost", v);
}
