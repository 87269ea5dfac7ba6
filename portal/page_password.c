/* page_password.c: /password: a temporary password changed before anything else. */

#include <microhttpd.h>

#include "portal.h"

int
page_password(struct req *r)
{
	return login_password_form(r, MHD_HTTP_OK, "password", NULL);
}

/* POST /password: the forced change of a temporary password. */
int
page_password_post(struct req *r)
{
	int rc;

	if (login_password_post(r, "pw.same", "password.change", &rc) == -1)
		return rc;
	/* After a code was given in this login, the new password lets in. */
	return http_advance(r, r->user.id, r->sess.stage == STAGE_PASSWORD_IN ?
	    STAGE_IN : STAGE_OTP);
}
