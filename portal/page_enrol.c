/* page_enrol.c: /enrol: the first phone of an account, from its QR code and a first code. */
#include <stdlib.h>
#include <string.h>

#include <microhttpd.h>

#include "portal.h"

/* GET /enrol: the QR code of the account's enrolment, the name, the code. */
int
page_enrol(struct req *r)
{
	return login_enrol_form(r, MHD_HTTP_OK, "enrol", "/enrol", NULL, 0,
	    NULL);
}

int
page_enrol_qr(struct req *r)
{
	char *svg;

	if ((svg = login_enrol_qr(r)) == NULL)
		return http_internal(r);
	return http_send(r, MHD_HTTP_OK, "image/svg+xml", svg, strlen(svg));
}

/*
 * POST /enrol: the phone is linked; then a new password (when temporary)
 * and a fresh code. A login that linked the first phone ends on the page
 * that offers recovery codes, unless it was going elsewhere.
 */
int
page_enrol_post(struct req *r)
{
	const char *err;
	char *name;
	int64_t wait;
	unsigned status;
	int stage;

	err = login_add_device(r, &status, &wait, &name);
	if (err != NULL && status == MHD_HTTP_INTERNAL_SERVER_ERROR)
		return http_error(r, status, err);
	if (err != NULL)
		return http_back(r, "/enrol", "device_name", status, err, wait);
	free(name);
	if (r->sess.return_to[0] == '\0' && store_recovery_count(r->user.id) == 0)
		snprintf(r->sess.return_to, sizeof r->sess.return_to,
		    "/account/recovery");
	stage = r->user.password_temp ? STAGE_PASSWORD : STAGE_OTP;
	return http_advance(r, r->user.id, stage);
}
