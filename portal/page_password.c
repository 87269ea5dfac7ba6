/* page_password.c: /password: a temporary password changed before anything else. */

#include <microhttpd.h>

#include "portal.h"

static int
password_form(struct req *r, unsigned status, const char *error)
{
	return login_password_form(r, status, "password", error);
}

int
page_password(struct req *r)
{
	return password_form(r, MHD_HTTP_OK, NULL);
}

/* POST /password: the forced change of a temporary password. */
int
page_password_post(struct req *r)
{
	const char *problem;
	unsigned status;

	if ((problem = login_new_password(r, "pw.same", "password.change", "",
	    &status)) != NULL)
		return status == MHD_HTTP_INTERNAL_SERVER_ERROR ?
		    http_error(r, status, problem) :
		    password_form(r, status, problem);
	/* After a code was given in this login, the new password lets in. */
	return http_advance(r, r->user.id, r->sess.stage == STAGE_PASSWORD_IN ?
	    STAGE_IN : STAGE_OTP);
}
