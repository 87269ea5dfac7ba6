/* page_forgot.c: /forgot ("Wachtwoord vergeten?"): ask for a reset link, with the same answer for every address. */
#include <stdlib.h>
#include <string.h>

#include <microhttpd.h>

#include "portal.h"

static void
ttl_var(struct tmpl_vars *v)
{
	tv_setf(v, "ttl", "%lld", (long long)((cfg.reset_ttl + 59) / 60));
}

int
page_forgot(struct req *r)
{
	struct tmpl_vars *v = tv_new();
	const char *email = http_field(r, "email");

	ttl_var(v);
	if (email != NULL && strlen(email) <= MAIL_ADDRESS_MAX)
		tv_set(v, "email", email);
	return http_page(r, MHD_HTTP_OK, "forgot", v);
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
	char *email;

	if ((email = mail_address(http_field(r, "email"))) == NULL)
		return http_back(r, "/forgot", "email", MHD_HTTP_BAD_REQUEST,
		    "forgot.missing", 0);
	reset_forgot(email, r->addr);
	free(email);
	return http_redirect(r, "/forgot/sent");
}

/* GET /forgot/sent: what happens next (the same for every address). */
int
page_forgot_sent(struct req *r)
{
	struct tmpl_vars *v = tv_new();

	ttl_var(v);
	return http_page(r, MHD_HTTP_OK, "forgot_sent", v);
}
