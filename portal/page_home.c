/* page_home.c: the page a fully logged-in user lands on. */
#include <microhttpd.h>

#include "portal.h"

int
page_home(struct req *r)
{
	struct tmpl_vars *v = tv_new();

	tv_set(v, "name", r->user.name && *r->user.name ? r->user.name :
	    r->user.email);
	if (subject_home(r, v) == -1) {
		tv_free(v);
		return http_error(r, MHD_HTTP_INTERNAL_SERVER_ERROR, "err.internal");
	}
	return http_page(r, MHD_HTTP_OK, "home", v);
}
