/* lang.c: the language of a request: the account's, the cookie's, the browser's, else the default; remembered in a cookie and the account. */
#include <stdio.h>
#include <string.h>

#include <microhttpd.h>

#include "portal.h"

/*
 * lang_request: the language R is answered in, before its session is
 * known: the cookie's choice, else the first language of Accept-Language
 * that has a catalogue (quality values are rare), else the default.
 */
void
lang_request(struct req *r)
{
	const char *c, *al, *p;
	size_t n;

	c = MHD_lookup_connection_value(r->conn, MHD_COOKIE_KIND, LANG_COOKIE);
	r->lang = tmpl_lang(c);
	if (tmpl_lang_known(c) || (al = http_header(r, "Accept-Language")) == NULL)
		return;
	for (p = al; *p; p++) {
		if (p != al && p[-1] != ',' && p[-1] != ' ')
			continue;
		n = strspn(p, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz");
		if (n > 0 && strchr("-,;", p[n]) != NULL &&
		    tmpl_lang_match(p, n) != NULL) {
			r->lang = tmpl_lang_match(p, n);
			return;
		}
	}
}

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
