/* login.c: what the login, enrolment, account and reset pages share: codes, devices, new passwords. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <microhttpd.h>

#include "portal.h"

/*
 * The secret of the account's enrolment in progress: created once and kept
 * sealed with the account until a phone is linked, so a reload, a second
 * tab or a new session after a timeout shows the same QR code. Returns 0
 * with *SECRET (caller wipes and frees) and, when SEALED is not NULL, the
 * sealed form (caller frees), or -1.
 */
static int
pending_secret(struct req *r, uint8_t **secret, uint8_t **sealed,
    size_t *sealed_len)
{
	uint8_t raw[TOTP_SECRET_LEN], *blob = NULL, *fresh;
	size_t n, len;
	int tries, rc;

	*secret = NULL;
	for (tries = 0; tries < 2; tries++) {
		if ((rc = store_user_enrol_secret(r->user.id, &blob, &len)) == -1)
			return -1;
		if (rc == 1) {
			*secret = crypto_open(blob, len, &n);
			if (*secret != NULL && n == TOTP_SECRET_LEN)
				break;
			/* Unreadable (not this key's): start afresh. */
			free(*secret);
			*secret = NULL;
			free(blob);
			blob = NULL;
			store_user_set_enrol_secret(r->user.id, NULL, 0);
		}
		if (totp_new_secret(raw) == -1 ||
		    (fresh = crypto_seal(raw, sizeof raw, &n)) == NULL) {
			explicit_bzero(raw, sizeof raw);
			return -1;
		}
		explicit_bzero(raw, sizeof raw);
		/* Only when none is there: a page opened at once may have won. */
		rc = store_user_set_enrol_secret(r->user.id, fresh, n);
		free(fresh);
		if (rc == -1)
			return -1;
	}
	if (*secret == NULL) {
		free(blob);
		return -1;
	}
	if (sealed != NULL) {
		*sealed = blob;
		*sealed_len = len;
	} else
		free(blob);
	return 0;
}

/* The otpauth URI of the pending secret; caller frees. NULL on failure. */
static char *
pending_uri(struct req *r, char **grouped)
{
	uint8_t *secret;
	char *b32, *uri;

	if (pending_secret(r, &secret, NULL, NULL) == -1)
		return NULL;
	b32 = totp_base32(secret, TOTP_SECRET_LEN);
	explicit_bzero(secret, TOTP_SECRET_LEN);
	free(secret);
	uri = totp_uri(cfg.issuer, r->user.email, b32);
	if (grouped != NULL)
		*grouped = totp_grouped(b32);
	explicit_bzero(b32, strlen(b32));
	free(b32);
	return uri;
}

/*
 * What an enrolment form shows (QR, secret in groups, issuer, the device
 * name typed so far) for the account's pending secret, created when there
 * is none. 0, or -1.
 */
static int
enrol_vars(struct req *r, struct tmpl_vars *v)
{
	char *uri, *grouped = NULL, *svg;
	const char *name = http_field(r, "device_name");

	if ((uri = pending_uri(r, &grouped)) == NULL)
		return -1;
	svg = qr_svg(uri);
	tv_set(v, "qr", svg ? svg : "");
	tv_set(v, "secret", grouped);
	tv_set(v, "issuer", cfg.issuer);
	if (name != NULL && strlen(name) <= DEVICE_NAME_MAX)
		tv_set(v, "device_name", name);
	explicit_bzero(uri, strlen(uri));
	free(uri);
	explicit_bzero(grouped, strlen(grouped));
	free(grouped);
	free(svg);
	return 0;
}

/*
 * login_enrol_form: PAGE, a form adding a phone that posts to ACTION, with
 * the message ERROR (a catalogue key, or NULL) and WAIT as http_form. V:
 * more variables (consumed; may be NULL).
 */
int
login_enrol_form(struct req *r, unsigned status, const char *page,
    const char *action, const char *error, int64_t wait, struct tmpl_vars *v)
{
	if (v == NULL)
		v = tv_new();
	if (enrol_vars(r, v) == -1) {
		tv_free(v);
		return http_internal(r);
	}
	tv_set(v, "action", action);
	return http_form(r, status, page, v, error, wait);
}

/* login_enrol_qr: the QR code (SVG markup) of the pending secret; caller frees. NULL on failure. */
char *
login_enrol_qr(struct req *r)
{
	char *uri, *svg;

	if ((uri = pending_uri(r, NULL)) == NULL)
		return NULL;
	svg = qr_svg(uri);
	explicit_bzero(uri, strlen(uri));
	free(uri);
	return svg;
}

/* login_device_name_ok: text by str_text_ok of 1..64 bytes; trims in place. */
int
login_device_name_ok(char *name)
{
	str_trim(name);
	return str_text_ok(name, DEVICE_NAME_MAX, 0);
}

/*
 * A code checked against a secret: wellformed, not throttled, right, not
 * replayed. Returns NULL with *STEP set, or the message key of the failure
 * with *STATUS set. Failures are counted and audited here.
 */
/*
 * login_code_normal: a code as apps show it ("123 456", "123-456", with
 * the spaces a copy brings) as its six digits into OUT. 0, or -1 when it
 * is not six digits then.
 */
int
login_code_normal(const char *in, char *out, size_t n)
{
	size_t o = 0;

	if (in == NULL || n < 7)
		return -1;
	for (; *in != '\0' && o < 7; in++) {
		if (*in == ' ' || *in == '-' || *in == '\t' || *in == '.')
			continue;
		/* U+00A0 and U+202F, the spaces a copy from an app may hold */
		if ((unsigned char)in[0] == 0xc2 && (unsigned char)in[1] == 0xa0) {
			in++;
			continue;
		}
		if ((unsigned char)in[0] == 0xe2 && (unsigned char)in[1] == 0x80 &&
		    (unsigned char)in[2] == 0xaf) {
			in += 2;
			continue;
		}
		out[o++] = *in;
	}
	out[o < 7 ? o : 6] = '\0';
	if (o != 6 || !totp_code_wellformed(out)) {
		explicit_bzero(out, n);
		return -1;
	}
	return 0;
}

static const char *
check_code(struct req *r, const uint8_t *secret, int64_t last_step,
    int64_t *step, unsigned *status, int64_t *wait)
{
	char code[8];
	const char *err = NULL;

	if (login_code_normal(http_field(r, "code"), code, sizeof code) == -1) {
		*status = MHD_HTTP_BAD_REQUEST;
		return "otp.malformed";
	}
	if ((*wait = throttle_wait("otp", r->user.email, r->addr,
	    !http_trusted(r, r->user.email))) > 0) {
		*status = MHD_HTTP_TOO_MANY_REQUESTS;
		store_audit(r->user.id, 0, "otp.throttled", r->addr, "");
		return "otp.throttled";
	}
	if (totp_verify(secret, TOTP_SECRET_LEN, code, now_unix(), last_step,
	    step) == -1) {
		throttle_fail("otp", r->user.email, r->addr);
		store_audit(r->user.id, 0, "otp.fail", r->addr, "");
		*status = MHD_HTTP_UNAUTHORIZED;
		err = "otp.bad";
	}
	explicit_bzero(code, sizeof code);
	return err;
}

/*
 * login_add_device: the account's pending secret becomes a device named by
 * the field "device_name" once the field "code" matches it (the next
 * enrolment gets a new secret). Returns NULL (device stored, audited,
 * *NAME set: caller frees), or the message key of the failure with
 * *STATUS and *WAIT set.
 */
const char *
login_add_device(struct req *r, unsigned *status, int64_t *wait, char **name)
{
	const char *in = http_field(r, "device_name"), *err;
	uint8_t *secret, *sealed = NULL;
	size_t sealed_len = 0;
	int64_t step, id;

	*wait = 0;
	*name = xstrdup(in ? in : "");
	if (!login_device_name_ok(*name)) {
		*status = MHD_HTTP_BAD_REQUEST;
		err = "enrol.name";
		goto fail;
	}
	if (pending_secret(r, &secret, &sealed, &sealed_len) == -1) {
		*status = MHD_HTTP_INTERNAL_SERVER_ERROR;
		err = "err.internal";
		goto fail;
	}
	err = check_code(r, secret, 0, &step, status, wait);
	explicit_bzero(secret, TOTP_SECRET_LEN);
	free(secret);
	if (err != NULL)
		goto fail;
	id = store_device_add(r->user.id, *name, sealed, sealed_len, step);
	if (id < 0) {
		*status = id == -2 ? MHD_HTTP_BAD_REQUEST :
		    MHD_HTTP_INTERNAL_SERVER_ERROR;
		err = id == -2 ? "enrol.exists" : "err.internal";
		goto fail;
	}
	free(sealed);
	store_user_set_enrol_secret(r->user.id, NULL, 0);
	throttle_ok("otp", r->user.email, r->addr);
	store_audit(r->user.id, 0, "device.add", r->addr, *name);
	return NULL;
fail:
	free(sealed);
	free(*name);
	*name = NULL;
	return err;
}

/* login_password_form: PAGE, a form for a new password, with ERROR (or NULL). */
int
login_password_form(struct req *r, unsigned status, const char *page,
    const char *error)
{
	struct tmpl_vars *v = tv_new();

	tv_setf(v, "min", "%d", PASSWORD_MIN);
	tv_setf(v, "max", "%d", PASSWORD_MAX);
	if (r->user.password_temp && r->sess.stage != STAGE_RESET_PW)
		tv_set(v, "temp", "1");
	return http_form(r, status, page, v, error, 0);
}

/*
 * login_new_password: the new password of the form (fields password and
 * password_confirm): the two equal, the rules kept, and, when SAME is a
 * message key, different from the current password. Stores it, ends every
 * other session of the user and audits EVENT with DETAIL. NULL when done,
 * else the message key of the problem with *STATUS set.
 */
const char *
login_new_password(struct req *r, const char *same, const char *event,
    const char *detail, unsigned *status)
{
	const char *pw = http_field(r, "password");
	const char *pw2 = http_field(r, "password_confirm");
	const char *problem;
	char hash[PASSWORD_HASH_MAX];

	*status = MHD_HTTP_BAD_REQUEST;
	if (pw == NULL || pw2 == NULL || !crypto_streq(pw, pw2))
		return "pw.mismatch";
	if ((problem = password_problem(pw, r->user.email)) != NULL)
		return problem;
	if (same != NULL && password_verify_as(r->user.password_hash,
	    r->user.password_temp, pw))
		return same;
	*status = MHD_HTTP_INTERNAL_SERVER_ERROR;
	if (password_hash(pw, hash) == -1 ||
	    store_user_set_password(r->user.id, hash, 0) == -1)
		return "err.internal";
	explicit_bzero(hash, sizeof hash);
	store_session_end_user(r->user.id, r->sess.hash);
	tokens_revoke_all(r->user.id, "password", 0, r->addr);
	store_audit(r->user.id, 0, event, r->addr, detail);
	return NULL;
}

/*
 * login_password_post: the POST of a form for a new password, changed as
 * login_new_password changes it (SAME, EVENT). 0 when done, else -1 with
 * *RC the answer: back to the form (GET) with the problem, or an error.
 */
int
login_password_post(struct req *r, const char *same,
    const char *event, int *rc)
{
	const char *problem;
	unsigned status;

	if ((problem = login_new_password(r, same, event, "", &status)) == NULL)
		return 0;
	*rc = status == MHD_HTTP_INTERNAL_SERVER_ERROR ?
	    http_error(r, status, problem) :
	    http_back(r, NULL, NULL, status, problem, 0);
	return -1;
}

/*
 * With more than one device, the list "devices" of radio choices (id,
 * name, checked) for the field "device".
 */
static void
device_list(struct req *r, struct tmpl_vars *v)
{
	struct tmpl_vars *item;
	struct device *devs;
	const char *chosen = http_field(r, "device");
	int n, i;

	/* After a code of another phone: that phone. */
	if (flash_get(r, "choose_device") != NULL)
		chosen = flash_get(r, "choose_device");
	if ((n = store_device_list(r->user.id, &devs)) <= 1) {
		store_free(devs, n < 0 ? 0 : n);
		return;
	}
	for (i = 0; i < n; i++) {
		item = tv_add_named(v, "devices", devs[i].id, devs[i].name);
		if ((chosen == NULL && i == 0) || (chosen != NULL &&
		    strtoll(chosen, NULL, 10) == devs[i].id))
			tv_set(item, "checked", "1");
	}
	store_free(devs, n);
}

/*
 * login_code_form: PAGE, a form asking for a phone's code (which phone,
 * when the user has more than one; their email), with ERROR and WAIT as
 * http_form. V: more variables (consumed; may be NULL).
 */
int
login_code_form(struct req *r, unsigned status, const char *page,
    const char *error, int64_t wait, struct tmpl_vars *v)
{
	if (v == NULL)
		v = tv_new();
	device_list(r, v);
	tv_set(v, "email", r->user.email);
	return http_form(r, status, page, v, error, wait);
}

/*
 * The code of the field "code" failed for the chosen device CHOSEN (and
 * was counted as a failure): when it is a current, unused code of another
 * of the user's devices, say which one ("otp.other_phone", the device in
 * the message and chosen on the next page), as the manual's "Let op!"
 * warns. Nothing is accepted here, and that code is spent on its device:
 * the user enters that phone's next code. So trying every phone gives a
 * guesser no better odds than trying the chosen one (a lucky guess of
 * another phone's code only burns it). ERR, or the hint.
 */
static const char *
other_device(struct req *r, struct device *devs, int n,
    const struct device *chosen, const char *err)
{
	char code[8], id[24];
	uint8_t *secret;
	size_t len;
	int64_t step;
	int i, hit = -1;

	if (login_code_normal(http_field(r, "code"), code, sizeof code) == -1)
		return err;
	for (i = 0; i < n && hit < 0; i++) {
		if (&devs[i] == chosen || (secret = crypto_open(devs[i].sealed,
		    devs[i].sealed_len, &len)) == NULL)
			continue;
		if (len == TOTP_SECRET_LEN && totp_verify(secret, len, code,
		    now_unix(), devs[i].last_step, &step) == 0)
			hit = i;
		explicit_bzero(secret, len);
		free(secret);
	}
	explicit_bzero(code, sizeof code);
	if (hit < 0 || store_device_use(devs[hit].id, step) != 0)
		return err;	/* no hint without the code spent */
	store_audit(r->user.id, 0, "otp.other_device", r->addr,
	    devs[hit].name);
	flash_var(r, "other_device", devs[hit].name);
	snprintf(id, sizeof id, "%lld", (long long)devs[hit].id);
	flash_var(r, "choose_device", id);
	return "otp.other_phone";
}

/*
 * login_device_code: the field "code" checked against the device chosen in
 * the field "device" (or the only one), and recorded as used. Returns NULL
 * on success (with *DEVICE_NAME, caller frees, when not NULL), "" when the
 * user has no device, or the message key of the failure with *STATUS set.
 * A code is never tried against another device than the chosen one.
 */
const char *
login_device_code(struct req *r, unsigned *status, int64_t *wait,
    char **device_name)
{
	const char *chosen = http_field(r, "device"), *err;
	struct device *devs, *d = NULL;
	uint8_t *secret;
	size_t len;
	int64_t step;
	int n, i, used;

	*wait = 0;
	*status = MHD_HTTP_SERVICE_UNAVAILABLE;
	if ((n = store_device_list(r->user.id, &devs)) < 0)
		return "err.unavailable";
	*status = MHD_HTTP_INTERNAL_SERVER_ERROR;
	if (n == 0) {
		store_free(devs, n);
		return "";
	}
	if (chosen == NULL && n == 1)
		d = &devs[0];
	for (i = 0; chosen != NULL && i < n; i++)
		if (strtoll(chosen, NULL, 10) == devs[i].id)
			d = &devs[i];
	if (d == NULL) {
		store_free(devs, n);
		*status = MHD_HTTP_BAD_REQUEST;
		return "otp.choose";
	}
	if ((secret = crypto_open(d->sealed, d->sealed_len, &len)) == NULL ||
	    len != TOTP_SECRET_LEN) {
		free(secret);
		store_free(devs, n);
		return "err.internal";
	}
	err = check_code(r, secret, d->last_step, &step, status, wait);
	explicit_bzero(secret, len);
	free(secret);
	if (err != NULL && strcmp(err, "otp.bad") == 0 && n > 1)
		err = other_device(r, devs, n, d, err);
	if (err == NULL && (used = store_device_use(d->id, step)) == -2) {
		*status = MHD_HTTP_SERVICE_UNAVAILABLE;
		err = "err.unavailable";
	} else if (err == NULL && used == -1) {
		/* Another request used this code a moment ago. */
		throttle_fail("otp", r->user.email, r->addr);
		store_audit(r->user.id, 0, "otp.fail", r->addr, "replay");
		*status = MHD_HTTP_UNAUTHORIZED;
		err = "otp.bad";
	}
	if (err == NULL) {
		throttle_ok("otp", r->user.email, r->addr);
		if (device_name != NULL)
			*device_name = xstrdup(d->name);
	}
	store_free(devs, n);
	return err;
}

/*
 * login_recovery_code: spend the field "recovery_code" of the session's
 * user. NULL when it was an unused code of theirs (audited, mailed), or
 * the message key of the failure with *STATUS (and *WAIT when throttled).
 */
const char *
login_recovery_code(struct req *r, unsigned *status, int64_t *wait)
{
	const char *code = http_field(r, "recovery_code");
	int used;

	*wait = 0;
	if (!recovery_wellformed(code)) {
		*status = MHD_HTTP_BAD_REQUEST;
		return "recovery.malformed";
	}
	if ((*wait = throttle_wait("recovery", r->user.email,
	    r->addr, !http_trusted(r, r->user.email))) > 0) {
		store_audit(r->user.id, 0, "recovery.throttled", r->addr, "");
		*status = MHD_HTTP_TOO_MANY_REQUESTS;
		return "recovery.throttled";
	}
	if ((used = recovery_use(r->user.id, code)) == -2) {
		*status = MHD_HTTP_SERVICE_UNAVAILABLE;
		return "err.unavailable";
	}
	if (used == -1) {
		throttle_fail("recovery", r->user.email, r->addr);
		store_audit(r->user.id, 0, "recovery.fail", r->addr, "");
		*status = MHD_HTTP_UNAUTHORIZED;
		return "recovery.bad";
	}
	throttle_ok("recovery", r->user.email, r->addr);
	store_audit(r->user.id, 0, "recovery.use", r->addr, "");
	account_notice(&r->user, "recovery_used", r->addr, NULL, NULL);
	return NULL;
}

/*
 * login_second_factor_done: a code (or recovery code) was accepted at /otp:
 * in, or first the forced change of a temporary password.
 */
int
login_second_factor_done(struct req *r)
{
	return http_advance(r, r->user.id, r->user.password_temp ?
	    STAGE_PASSWORD_IN : STAGE_IN);
}

/*
 * login_reauth: the current password, field current_password, asked again
 * before a change that would outlive a stolen session (a new phone, new
 * recovery codes, a new password, a personal access token). NULL when it
 * is right, else the message key with *STATUS and *WAIT set; failures are
 * throttled and audited like logins.
 */
const char *
login_reauth(struct req *r, unsigned *status, int64_t *wait)
{
	const char *cur = http_field(r, "current_password");

	*wait = 0;
	if (cur == NULL || *cur == '\0') {
		*status = MHD_HTTP_BAD_REQUEST;
		return "account.pw_current";
	}
	if ((*wait = throttle_wait("pw", r->user.email, r->addr,
	    !http_trusted(r, r->user.email))) > 0) {
		store_audit(r->user.id, 0, "password.throttled", r->addr, "");
		*status = MHD_HTTP_TOO_MANY_REQUESTS;
		return "login.throttled";
	}
	if (!password_verify_as(r->user.password_hash, r->user.password_temp,
	    cur)) {
		throttle_fail("pw", r->user.email, r->addr);
		store_audit(r->user.id, 0, "password.fail", r->addr, "current");
		*status = MHD_HTTP_UNAUTHORIZED;
		return "account.pw_bad";
	}
	throttle_ok("pw", r->user.email, r->addr);
	return NULL;
}
