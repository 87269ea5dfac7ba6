/* recovery.c: recovery codes, the notices users get about their account, and authenticator resets. */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <microhttpd.h>

#include "portal.h"

/* 32 symbols, none easily confused with another (no i, l, o, u). */
static const char alphabet[] = "abcdefghjkmnpqrstvwxyz0123456789";
#define CODE_CHARS	12		/* 60 bits, written xxxx-xxxx-xxxx */

static void
code_hash(int64_t user_id, const char *norm, uint8_t out[32])
{
	char in[64];
	int n;

	n = snprintf(in, sizeof in, "%lld:%s", (long long)user_id, norm);
	crypto_mac("recovery", in, (size_t)n, out);
	explicit_bzero(in, sizeof in);
}

/*
 * recovery_new_codes: RECOVERY_CODES fresh codes for USER_ID into CODES
 * (shown once, never stored in clear); the old ones are void. 0, or -1.
 */
int
recovery_new_codes(int64_t user_id, char codes[][16])
{
	uint8_t raw[RECOVERY_CODES][CODE_CHARS], hashes[RECOVERY_CODES][32];
	char norm[CODE_CHARS + 1];
	int i, j, k, rc;

	if (crypto_random(raw, sizeof raw) == -1)
		return -1;
	for (i = 0; i < RECOVERY_CODES; i++) {
		for (j = 0, k = 0; j < CODE_CHARS; j++) {
			norm[j] = alphabet[raw[i][j] & 31];
			if (j > 0 && j % 4 == 0)
				codes[i][k++] = '-';
			codes[i][k++] = norm[j];
		}
		codes[i][k] = '\0';
		norm[CODE_CHARS] = '\0';
		code_hash(user_id, norm, hashes[i]);
	}
	explicit_bzero(raw, sizeof raw);
	explicit_bzero(norm, sizeof norm);
	rc = store_recovery_replace(user_id, hashes, RECOVERY_CODES);
	if (rc == -1)
		explicit_bzero(codes, RECOVERY_CODES * sizeof codes[0]);
	return rc;
}

/* The code as typed without spaces and dashes, lowercased; 0, or -1 when it cannot be one. */
static int
code_normal(const char *in, char out[CODE_CHARS + 1])
{
	size_t n = 0;

	for (; in != NULL && *in != '\0'; in++) {
		if (*in == ' ' || *in == '-')
			continue;
		if (n == CODE_CHARS || strchr(alphabet, tolower((unsigned char)*in))
		    == NULL)
			return -1;
		out[n++] = (char)tolower((unsigned char)*in);
	}
	out[n] = '\0';
	return n == CODE_CHARS ? 0 : -1;
}

/*
 * recovery_check: spend the field "recovery_code" of the session's user.
 * Returns NULL when it was an unused code of theirs (audited, mailed), or
 * the message key of the failure with *STATUS (and *WAIT when throttled).
 */
const char *
recovery_check(struct req *r, unsigned *status, int64_t *wait)
{
	char norm[CODE_CHARS + 1];
	uint8_t h[32];

	*wait = 0;
	if (code_normal(http_field(r, "recovery_code"), norm) == -1) {
		*status = MHD_HTTP_BAD_REQUEST;
		return "recovery.malformed";
	}
	if ((*wait = throttle_wait("recovery", r->user.email, r->addr)) > 0) {
		store_audit(r->user.id, 0, "recovery.throttled", r->addr, "");
		*status = MHD_HTTP_TOO_MANY_REQUESTS;
		return "recovery.throttled";
	}
	code_hash(r->user.id, norm, h);
	explicit_bzero(norm, sizeof norm);
	if (store_recovery_use(r->user.id, h) == -1) {
		throttle_fail("recovery", r->user.email, r->addr);
		store_audit(r->user.id, 0, "recovery.fail", r->addr, "");
		*status = MHD_HTTP_UNAUTHORIZED;
		return "recovery.bad";
	}
	throttle_ok("recovery", r->user.email);
	store_audit(r->user.id, 0, "recovery.use", r->addr, "");
	recovery_mail(&r->user, "recovery_used", r->addr, NULL, NULL);
	return NULL;
}

/*
 * recovery_mail: queue templates/mail/NAME.* for U, in their language: a
 * notice of a change to their account, from ADDR (may be NULL), about
 * DEVICE (may be NULL), with SECRET on its own line (may be NULL).
 */
void
recovery_mail(const struct user *u, const char *name, const char *addr,
    const char *device, const char *secret)
{
	struct tmpl_vars *v = tv_new();
	char when[64];
	time_t t = (time_t)now_unix();
	struct tm tm;

	gmtime_r(&t, &tm);
	strftime(when, sizeof when, "%Y-%m-%d %H:%M UTC", &tm);
	tv_set(v, "name", u->name && *u->name ? u->name : u->email);
	tv_set(v, "email", u->email);
	tv_set(v, "site", cfg.public_url);
	tv_set(v, "when", when);
	tv_setf(v, "ttl", "%lld", (long long)((cfg.reset_ttl + 59) / 60));
	if (addr != NULL && *addr != '\0')
		tv_set(v, "addr", addr);
	if (device != NULL)
		tv_set(v, "device", device);
	if (secret != NULL)
		tv_set(v, "secret", secret);
	if (mail_queue(u->email, name, v, u->lang && tmpl_lang_known(u->lang) ?
	    u->lang : "nl") == -1)
		logmsg("recovery: could not queue %s for user %lld", name,
		    (long long)u->id);
	tv_free(v);
}

/*
 * recovery_reset_otp: remove all of U's devices and recovery codes, end
 * their sessions, audit (ACTOR did it; 0: the user) and, when MAIL, send
 * the notice. NEW_TEMP 1: a new temporary password, mailed with it; 2:
 * the password stays but must be changed after enrolling. 0, or -1.
 */
int
recovery_reset_otp(const struct user *u, int64_t actor, const char *addr,
    int new_temp, int mail)
{
	char hash[PASSWORD_HASH_MAX], *temp = NULL;
	int rc = 0;

	if (store_reset_otp(u->id) == -1)
		return -1;
	store_session_end_user(u->id, NULL);
	if (new_temp == 1) {
		temp = password_temporary();
		if (password_hash(temp, hash) == -1 ||
		    store_user_set_password(u->id, hash, 1) == -1)
			rc = -1;
		explicit_bzero(hash, sizeof hash);
	} else if (new_temp == 2)
		rc = store_user_set_password(u->id, u->password_hash, 1);
	store_audit(u->id, actor, "otp.reset", addr, new_temp == 1 ?
	    "new temporary password" : new_temp == 2 ? "by reset link" : "");
	if (rc == 0 && mail)
		recovery_mail(u, "otp_reset", addr, NULL, temp);
	if (temp != NULL) {
		explicit_bzero(temp, strlen(temp));
		free(temp);
	}
	return rc;
}
