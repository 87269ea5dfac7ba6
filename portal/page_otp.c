/* page_otp.c: /otp: the code of a phone, or at /otp/recovery a recovery code. */
#include <string.h>

#include <microhttpd.h>

#include "portal.h"

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
		return login_code_form(r, status, "otp", err, wait, NULL);
	store_audit(r->user.id, 0, "login.ok", r->addr, "");
	return login_second_factor_done(r);
}

static int
otp_recovery_form(struct req *r, unsigned status, const char *error,
    int64_t wait)
{
	struct tmpl_vars *v = tv_new();

	tv_set(v, "email", r->user.email);
	return http_form(r, status, "otp_recovery", v, error, wait);
}

/* GET /otp/recovery: "Gebruik een herstelcode" instead of the app's code. */
int
page_otp_recovery(struct req *r)
{
	return otp_recovery_form(r, MHD_HTTP_OK, NULL, 0);
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
		return otp_recovery_form(r, status, err, wait);
	store_audit(r->user.id, 0, "login.ok", r->addr, "recovery code");
	return login_second_factor_done(r);
}
