/*
 * reset.c: resets: "forgot" requests that the worker turns into mailed
 * links, spending a link, requests for an authenticator reset, and the
 * authenticator reset itself.
 */
#include <stdlib.h>
#include <string.h>

#include "portal.h"

#define TOKEN_BYTES	32

/*
 * reset_forgot: a "forgot" request for EMAIL (from mail_address) from
 * ADDR: the same work whether or not the account exists. It is counted
 * against the pair and the address and queued, sealed, for the worker,
 * which looks the account up (reset_run); an address that sprays requests
 * writes nothing.
 */
void
reset_forgot(const char *email, const char *addr)
{
	uint8_t *sealed;
	size_t len;
	int throttled;

	if (throttle_wait("forgot", NULL, addr, 0) > 0)
		return;
	/*
	 * Allowances per (email, address) and for everyone together, not per
	 * email: a stranger's requests cannot use up the owner's, whose own
	 * request from their own address still gets its mail.
	 */
	throttled = throttle_wait("forgot", email, addr, 0) > 0 ||
	    throttle_global_wait("forgot") > 0;
	throttle_fail("forgot", email, addr);
	if (!throttled)
		throttle_global_count("forgot", cfg.forgot_cap);
	sealed = crypto_seal(email, strlen(email), &len);
	if (sealed == NULL || store_reset_forgot_add(sealed, len, addr,
	    throttled) == -1)
		logmsg(LOG_ERR, "reset: could not queue a request");
	else
		wake_up();
	free(sealed);
}

/* Mail U a fresh reset link; links mailed before stay live until used or expired. */
static void
send_link(const struct user *u, const char *addr)
{
	char *token, *link;
	uint8_t h[32];

	if ((token = crypto_token(TOKEN_BYTES)) == NULL)
		return;
	crypto_mac("reset", token, strlen(token), h);
	if (store_reset_link_put(u->id, h, now_unix() + cfg.reset_ttl,
	    addr) == 0) {
		link = xasprintf("%s/reset?token=%s", cfg.public_url, token);
		account_notice(u, "reset_link", addr, NULL, link);
		store_audit(u->id, 0, "reset.mail", addr, "");
		explicit_bzero(link, strlen(link));
		free(link);
	}
	explicit_bzero(token, strlen(token));
	free(token);
}

/*
 * reset_run: handle the queued "forgot" requests (the worker): a reset
 * link for an active account, an audit line for every request.
 */
void
reset_run(void)
{
	struct forgot_request f;
	struct user u;
	uint8_t *email;
	size_t elen;

	while (store_reset_forgot_take(&f) == 1) {
		email = crypto_open(f.sealed, f.sealed_len, &elen);
		if (email == NULL) {
			store_clear(&f);
			continue;
		}
		if (store_user_find((const char *)email, &u) == 1) {
			if (f.throttled)
				store_audit(u.id, 0, "reset.throttled", f.addr, "");
			else if (u.disabled)
				store_audit(u.id, 0, "reset.refused", f.addr,
				    "disabled");
			else
				send_link(&u, f.addr);
			store_clear(&u);
		} else
			store_audit(0, 0, "reset.unknown", f.addr, "");
		explicit_bzero(email, elen);
		free(email);
		store_clear(&f);
	}
}

/* reset_token_wellformed: 1 when T can be a token of a mailed link. */
int
reset_token_wellformed(const char *t)
{
	size_t i;

	if (t == NULL || strlen(t) != 2 * TOKEN_BYTES)
		return 0;
	for (i = 0; t[i] != '\0'; i++)
		if (strchr("0123456789abcdef", t[i]) == NULL)
			return 0;
	return 1;
}

/*
 * reset_link_take: spend the live link of TOKEN (once). The id of its
 * account, or -1 when the token is not one or is spent or expired.
 */
int64_t
reset_link_take(const char *token)
{
	uint8_t h[32];

	if (!reset_token_wellformed(token))
		return -1;
	crypto_mac("reset", token, strlen(token), h);
	return store_reset_link_take(h);
}

/*
 * reset_request: U, without a device or a recovery code, asks from ADDR
 * for an authenticator reset: recorded, audited, U told by mail and every
 * admin too, with a link to U's page in the console (where it is approved
 * or refused; also "kluis requests"). 0, or -1.
 */
int
reset_request(const struct user *u, const char *addr)
{
	struct user admin;
	char **admins, *link;
	int n, i;

	if (store_reset_request_put(u->id, addr) == -1)
		return -1;
	store_audit(u->id, 0, "otp.reset_request", addr, "");
	account_notice(u, "otp_reset_requested", addr, NULL, NULL);
	if ((n = store_user_admins(&admins)) < 0)
		return 0;
	link = xasprintf("%s/admin/users/%lld#request", cfg.public_url ?
	    cfg.public_url : "", (long long)u->id);
	for (i = 0; i < n; i++) {
		if (store_user_find(admins[i], &admin) == 1)
			account_notice(&admin, "otp_reset_request_admin", addr,
			    u->email, link);
		store_clear(&admin);
	}
	free(link);
	strv_free(admins, n);
	return 0;
}

/*
 * reset_refuse: close U's request for an authenticator reset (the console,
 * "kluis requests refuse"), audited as by ACTOR, U told by mail. 1, 0 when
 * there was none, -1.
 */
int
reset_refuse(const struct user *u, int64_t actor, const char *addr)
{
	int n;

	if ((n = store_reset_request_delete(u->id)) <= 0)
		return n;
	store_audit(u->id, actor, "otp.request.refuse", addr, "");
	account_notice(u, "otp_reset_refused", NULL, NULL, NULL);
	return 1;
}

/*
 * reset_otp: remove all of U's devices and recovery codes, end their
 * sessions, revoke their personal access tokens, audit (ACTOR did it; 0: the user) and, when MAIL, send the
 * notice. NEW_TEMP 1: a new temporary password, mailed with it; 2: the
 * password stays but must be changed after enrolling. 0, or -1.
 */
int
reset_otp(const struct user *u, int64_t actor, const char *addr,
    int new_temp, int mail)
{
	char *temp = NULL;
	int rc = 0;

	if (store_reset_otp(u->id) == -1)
		return -1;
	store_session_end_user(u->id, NULL);
	tokens_revoke_all(u->id, "authenticators", actor, addr);
	if (new_temp == 1 && (temp = account_temp_password(u)) == NULL)
		rc = -1;
	else if (new_temp == 2)
		rc = store_user_set_password(u->id, u->password_hash, 1);
	store_audit(u->id, actor, "otp.reset", addr, new_temp == 1 ?
	    "new temporary password" : new_temp == 2 ? "by reset link" : "");
	if (rc == 0 && mail)
		account_notice(u, "otp_reset", addr, NULL, temp);
	if (temp != NULL) {
		explicit_bzero(temp, strlen(temp));
		free(temp);
	}
	return rc;
}
