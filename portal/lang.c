/* lang.c: the language of a person: remembered per account, used for pages and mails. */
#include <stdio.h>
#include <string.h>

#include <microhttpd.h>

#include "portal.h"


/* lang_user: the language mails to U use: U's choice, else Dutch. */
const char *
lang_user(const struct user *u)
{
	return u != NULL && u->lang != NULL && strcmp(u->lang, "en") == 0 ?
	    "en" : "nl";
}

/* lang_cookie: ask the browser to remember LANG ("nl" or "en"). */
void
lang_cookie(struct req *r, const char *lang)
{
	char cookie[128];

	snprintf(cookie, sizeof cookie, LANG_COOKIE "=%s; Path=/; "
	    "Max-Age=31536000; SameSite=Lax%s", strcmp(lang, "en") == 0 ?
	    "en" : "nl", cfg.https ? "; Secure" : "");
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

	if (u->lang != NULL && tmpl_lang_known(u->lang) && *u->lang != '\0') {
		r->lang = strcmp(u->lang, "en") == 0 ? "en" : "nl";
		lang_cookie(r, r->lang);
		return;
	}
	c = MHD_lookup_connection_value(r->conn, MHD_COOKIE_KIND, LANG_COOKIE);
	if (c != NULL && tmpl_lang_known(c))
		store_user_set_lang(u->id, strcmp(c, "en") == 0 ? "en" : "nl");
}
