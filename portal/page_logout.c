/* page_logout.c: POST /logout. */

#include <microhttpd.h>

#include "portal.h"

/*
 * POST /logout: the session ends server-side, then the cookie goes. When
 * the database will not delete it, the user is told they are still logged
 * in (503, the cookie kept): never a "logged out" that is not true. Else
 * /login says "U bent uitgelogd".
 */
int
page_logout_post(struct req *r)
{
	int64_t uid = r->sess.user_id;

	if (http_end_session(r) == -1) {
		store_audit(uid, 0, "logout.failed", r->addr, "");
		http_add_header(r, MHD_HTTP_HEADER_RETRY_AFTER, "30");
		return http_error(r, MHD_HTTP_SERVICE_UNAVAILABLE, "err.logout");
	}
	if (uid > 0)
		store_audit(uid, 0, "logout", r->addr, "");
	return http_anew(r, "/login", "logout.done");
}
