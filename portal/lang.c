/* lang.c: the language a person chose, remembered in a cookie and in their account. */
#include <stdio.h>
#include <string.h>

#include <microhttpd.h>

#include "portal.h"

/* lang_cookie: ask the browser to remember LANG. */
void
lang_cookie(struct req *r, const char *lang)
{
	char cookie[128];

	snprintf(cookie, sizeof cookie, LANG_COOKIE "=%s; Path=/; "
	    "Max-Age=31536000; SameSite=Lax%s", tmpl_lang(lang),
	    cfg.https ? "; Secure" : "");
	http_add_header(r, MHD_HTTP_HEADER_SET_COOKIE, cookie);
}

/*
 * lang_login: after U's password was accepted. A language U chose before
 * wins over the browser's; a user without one keeps what they explicitly
 * picked on the login page (the cookie), which is then remembered.
 */
void
lang_login(struct req *r, const struct user *u)
{
	const char *c;

	if (tmpl_lang_known(u->lang)) {
		r->lang = tmpl_lang(u->lang);
		lang_cookie(r, r->lang);
		return;
	}
	c = MHD_lookup_connection_value(r->conn, MHD_COOKIE_KIND, LANG_COOKIE);
	if (tmpl_lang_known(c))
		store_user_set_lang(u->id, tmpl_lang(c));
}
