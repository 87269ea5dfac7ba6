/* page_enrol.c: /enrol: the first phone of an account, from its QR code and a first code. */
#include <stdlib.h>
#include <string.h>

#include <microhttpd.h>

#include "portal.h"

static int
enrol_form(struct req *r, unsigned status, const char *error, int64_t wait)
{
	struct tmpl_vars *v = tv_new();

	if (login_enrol_vars(r, v) == -1) {
		tv_free(v);
		return http_error(r, MHD_HTTP_INTERNAL_SERVER_ERROR, "err.internal");
	}
	tv_set(v, "action", "/enrol");
	return http_form(r, status, "enrol", v, error, wait);
}

int
page_enrol(struct req *r)
{
	return enrol_form(r, MHD_HTTP_OK, NULL, 0);
}

int
page_enrol_qr(struct req *r)
{
	char *svg;

	if ((svg = login_enrol_qr(r)) == NULL)
		return http_error(r, MHD_HTTP_INTERNAL_SERVER_ERROR, "err.internal");
	return http_send(r, MHD_HTTP_OK, "image/svg+xml", svg, strlen(svg));
}

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
		return enrol_form(r, status, err, wait);
	free(name);
	stage = r->user.password_temp ? STAGE_PASSWORD : STAGE_OTP;
	return http_advance(r, r->user.id, stage);
}
