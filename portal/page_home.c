/* page_home.c: the page a fully logged-in user lands on. */
#include <microhttpd.h>

#include "portal.h"

int
page_home(struct req *r)
{
	struct tmpl_vars *v = tv_new();

	tv_set(v, "name", r->user.name && *r->user.name ? r->user.name :
	    r->user.email);
	return http_page(r, MHD_HTTP_OK, "home", v);
}
