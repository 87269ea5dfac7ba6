/* page_lang.c: /lang: the language switch, remembered in a cookie and the account. */
#include <string.h>

#include <microhttpd.h>

#include "portal.h"

/*
 * GET /lang?to=en&back=/path: remember the language in a cookie, and for a
 * known user in the account too, and go back. Only a local path is followed
 * back, never another site.
 */
int
page_lang(struct req *r)
{
	const char *to, *back, *fs;

	to = http_query(r, "to");
	back = http_query(r, "back");
	if (to == NULL || !tmpl_lang_known(to))
		return http_error(r, MHD_HTTP_BAD_REQUEST, "err.badrequest");
	if (!http_local_path(back))
		back = "/";
	to = tmpl_lang(to);
	lang_cookie(r, to);
	/*
	 * The account remembers it only when the click came from this site:
	 * a link elsewhere must not change the language of someone's mail.
	 */
	fs = http_header(r, "Sec-Fetch-Site");
	if (r->sess.user_id > 0 && (fs == NULL || strcmp(fs, "same-origin") == 0)
	    && store_user_set_lang(r->sess.user_id, to) == 0)
		store_audit(r->sess.user_id, 0, "user.lang", r->addr, to);
	return http_redirect(r, back);
}
