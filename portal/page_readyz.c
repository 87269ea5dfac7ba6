/* page_readyz.c: /readyz: ready for work, or 503 with the reason. */
#include <string.h>

#include <microhttpd.h>

#include "portal.h"

/* GET /readyz: 200 "ready", or 503 with what is wrong (health_ready). */
int
page_readyz(struct req *r)
{
	char why[256];
	int rc = health_ready(why, sizeof why);

	return http_send(r, rc == 0 ? MHD_HTTP_OK : MHD_HTTP_SERVICE_UNAVAILABLE,
	    "text/plain; charset=utf-8", xasprintf("%s\n", why),
	    strlen(why) + 1);
}
