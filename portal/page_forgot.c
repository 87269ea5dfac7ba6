/* page_forgot.c: /forgot ("Wachtwoord vergeten?"): ask for a reset link, with the same answer for every address. */
#include <stdlib.h>

#include <microhttpd.h>

#include "portal.h"

static int
forgot_form(struct req *r, unsigned status, const char *error)
{
	struct tmpl_vars *v = tv_new();

	tv_setf(v, "ttl", "%lld", (long long)((cfg.reset_ttl + 59) / 60));
	return http_form(r, status, "forgot", v, error, 0);
}

int
page_forgot(struct req *r)
{
	return forgot_form(r, MHD_HTTP_OK, NULL);
}

/*
 * POST /forgot: the same answer, status and body for a known, unknown or
 * disabled email and when throttled; only an active account gets a link.
 * Every request counts against the email and the address, so the mailbox
 * of a user cannot be flooded.
 */
int
page_forgot_post(struct req *r)
{
	struct tmpl_vars *v;
	char *email;

	if ((email = mail_address(http_field(r, "email"))) == NULL)
		return forgot_form(r, MHD_HTTP_BAD_REQUEST, "forgot.missing");
	reset_forgot(email, r->addr);
	free(email);
	v = tv_new();
	tv_setf(v, "ttl", "%lld", (long long)((cfg.reset_ttl + 59) / 60));
	return http_page(r, MHD_HTTP_OK, "forgot_sent", v);
}
