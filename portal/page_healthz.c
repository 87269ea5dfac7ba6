/* page_healthz.c: /healthz: the server answers and its database works. */

#include <microhttpd.h>

#include "portal.h"

int
page_healthz(struct req *r)
{
	if (db_ping() == -1)
		return http_send(r, MHD_HTTP_SERVICE_UNAVAILABLE,
		    "text/plain; charset=utf-8", xstrdup("database unavailable\n"),
		    21);
	return http_send(r, MHD_HTTP_OK, "text/plain; charset=utf-8",
	    xstrdup("ok\n"), 3);
}
