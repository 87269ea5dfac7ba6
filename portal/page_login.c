/* page_login.c: /login: the email and password that start a login. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <microhttpd.h>

#include "portal.h"

/* The page to return to after the login: ?next=, or the form's field. */
static const char *
next_page(struct req *r)
{
	const char *next = http_field(r, "next");

	if (next == NULL)
		next = http_query(r, "next");
	return next != NULL && http_next_ok(next) ? next : NULL;
}

/*
 * GET /login: email and password; after a failed try the email typed, and
 * the page to go to once logged in (?next=, a page of this site).
 */
int
page_login(struct req *r)
{
	struct tmpl_vars *v = tv_new();
	const char *email = http_field(r, "email"), *next = next_page(r);

	if (email != NULL && strlen(email) <= MAIL_ADDRESS_MAX)
		tv_set(v, "email", email);
	if (next != NULL)
		tv_set(v, "next", next);
	return http_page(r, MHD_HTTP_OK, "login", v);
}

/* A failed login: back to the form with the email typed (never the password). */
static int
login_back(struct req *r, unsigned status, const char *error, int64_t wait)
{
	char where[SESSION_RETURN_MAX + 16];
	const char *next = next_page(r);

	if (next != NULL)
		snprintf(where, sizeof where, "/login?next=%s", next);
	else
		snprintf(where, sizeof where, "/login");
	return http_back(r, where, "email", status, error, wait);
}

/*
 * POST /login: an unknown email, a disabled account and a wrong password
 * get the same answer after the same work; failures are throttled per email
 * and per address whether or not the account exists. A database that
 * fails is 503, never "wrong password".
 */
int
page_login_post(struct req *r)
{
	const char *pw = http_field(r, "password");
	struct user u = { 0 };
	char *email;
	int64_t wait;
	int found, ok, ndev, stage, ret;

	if ((email = mail_address(http_field(r, "email"))) == NULL ||
	    pw == NULL || *pw == '\0') {
		free(email);
		return login_back(r, MHD_HTTP_BAD_REQUEST, "login.missing", 0);
	}
	if ((found = store_user_find(email, &u)) == -1) {
		free(email);
		return http_unavailable(r);
	}
	/* The account's own count spares the browser it knows (trust.c). */
	if ((wait = throttle_wait("pw", email, r->addr,
	    !http_trusted(r, email))) > 0) {
		/* The audit names the account under attack, when there is one. */
		store_audit(found ? u.id : 0, 0, "login.throttled", r->addr,
		    found ? "" : "unknown account");
		store_clear(&u);
		free(email);
		return login_back(r, MHD_HTTP_TOO_MANY_REQUESTS,
		    "login.throttled", wait);
	}
	if (found)
		ok = password_verify_as(u.password_hash, u.password_temp, pw) &&
		    !u.disabled;
	else {
		password_burn(pw);
		ok = 0;
	}
	if (!ok) {
		throttle_fail("pw", email, r->addr);
		store_audit(found ? u.id : 0, 0, "login.fail", r->addr,
		    found ? "password" : "unknown account");
		store_clear(&u);
		free(email);
		return login_back(r, MHD_HTTP_UNAUTHORIZED, "login.bad", 0);
	}
	throttle_ok("pw", email, r->addr);
	account_first_login(&u);
	free(email);
	if ((ndev = store_device_count(u.id)) < 0) {
		store_clear(&u);
		return http_unavailable(r);
	}
	/*
	 * With a phone the code comes first, also for a temporary password
	 * (an admin sent a new one): a mailbox alone changes nothing.
	 */
	stage = ndev == 0 ? STAGE_ENROL : STAGE_OTP;
	store_audit(u.id, 0, "login.password", r->addr, "");
	lang_login(r, &u);	/* the user's own language */
	/* Where the login ends: the page first asked for. */
	snprintf(r->sess.return_to, sizeof r->sess.return_to, "%s",
	    next_page(r) ? next_page(r) : "");
	ret = http_advance(r, u.id, stage);
	store_clear(&u);
	return ret;
}
