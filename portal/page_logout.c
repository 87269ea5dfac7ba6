/* page_logout.c: POST /logout. */

#include <microhttpd.h>

#include "portal.h"

int
page_logout_post(struct req *r)
{
	if (r->sess.user_id > 0)
		store_audit(r->sess.user_id, 0, "logout", r->addr, "");
	http_end_session(r);
	return http_redirect(r, "/login");
}
