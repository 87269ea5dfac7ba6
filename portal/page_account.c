/* page_account.c: the account page: devices (add, remove), password change, recovery codes. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <microhttpd.h>

#include "portal.h"

static void
set_date(struct req *r, struct tmpl_vars *v, const char *name, int64_t t)
{
	char s[96];

	if (t <= 0)
		return;
	time_human(t, TIME_MINUTE, r->lang, s, sizeof s);
	tv_set(v, name, s);
}

/* The notice after a redirect back to /account; only known ones are shown. */
static void
set_done(struct req *r, struct tmpl_vars *v)
{
	static const char *const keys[] = { "account.done_added",
	    "account.done_removed", "account.done_password",
	    "account.done_recovery", NULL };

	http_notice(r, v, "notice", keys);
}

static int
account_form(struct req *r, unsigned status, const char *error, int64_t wait)
{
	struct tmpl_vars *v = tv_new(), *item;
	struct device *devs;
	int n, i, codes;

	if ((n = store_device_list(r->user.id, &devs)) < 0 ||
	    (codes = store_recovery_count(r->user.id)) < 0) {
		store_free(devs, n < 0 ? 0 : n);
		tv_free(v);
		return http_internal(r);
	}
	for (i = 0; i < n; i++) {
		item = tv_add_named(v, "devices", devs[i].id, devs[i].name);
		set_date(r, item, "added", devs[i].created);
		set_date(r, item, "used", devs[i].last_used);
		if (n > 1)
			tv_set(item, "removable", "1");
	}
	store_free(devs, n);
	if (n == 1)
		tv_set(v, "only_one", "1");
	tv_setf(v, "codes", "%d", codes);
	if (codes > 0)
		tv_set(v, "has_codes", "1");
	tv_setf(v, "min", "%d", PASSWORD_MIN);
	tv_setf(v, "max", "%d", PASSWORD_MAX);
	set_done(r, v);
	if (cfg.api_tokens)
		tv_set(v, "api_tokens", "1");
	return http_form(r, status, "account", v, error, wait);
}

int
page_account(struct req *r)
{
	return account_form(r, MHD_HTTP_OK, NULL, 0);
}

/* GET /account/add: another phone, with the QR of the account's enrolment secret. */
int
page_account_add(struct req *r)
{
	struct tmpl_vars *v = tv_new();

	tv_set(v, "reauth", "1");
	return login_enrol_form(r, MHD_HTTP_OK, "account_add", "/account/add",
	    NULL, 0, v);
}

int
page_account_add_post(struct req *r)
{
	const char *err;
	char *name;
	int64_t wait;
	unsigned status;

	if ((err = login_reauth(r, &status, &wait)) != NULL)
		return http_back(r, "/account/add", "device_name", status, err,
		    wait);
	err = login_add_device(r, &status, &wait, &name);
	if (err != NULL && status == MHD_HTTP_INTERNAL_SERVER_ERROR)
		return http_error(r, status, err);
	if (err != NULL)
		return http_back(r, "/account/add", "device_name", status, err,
		    wait);
	account_notice(&r->user, "device_added", r->addr, name, NULL);
	free(name);
	return http_redirect(r, "/account?done=added");
}

/* The device of the URL, when it is the user's; 0, or -1. */
static int
url_device(struct req *r, struct device *d)
{
	int64_t id = http_arg_id(r, 0);

	if (id < 0)
		return -1;
	return store_device_get(r->user.id, id, d);
}

/* GET /account/devices/{id}/remove: asks for a current code first. */
int
page_account_remove(struct req *r)
{
	struct tmpl_vars *v;
	struct device d;
	int n;

	if (url_device(r, &d) == -1)
		return http_not_found(r);
	v = tv_new();
	n = store_device_count(r->user.id);
	tv_setf(v, "target_id", "%lld", (long long)d.id);
	tv_set(v, "target", d.name);
	if (n <= 1)
		tv_set(v, "only_one", "1");
	tv_set(v, "device_legend", "account_remove.device");
	store_clear(&d);
	return login_code_form(r, MHD_HTTP_OK, "account_remove", NULL, 0, v);
}

/*
 * POST /account/devices/{id}/remove: with a current code from any device
 * ("device" + "code"); the last device can only be replaced.
 */
int
page_account_remove_post(struct req *r)
{
	struct device d;
	const char *err;
	char *name = NULL;
	int64_t wait = 0;
	unsigned status;
	int n;

	if (url_device(r, &d) == -1)
		return http_not_found(r);
	if ((n = store_device_count(r->user.id)) <= 1) {
		store_clear(&d);
		if (n < 0)
			return http_internal(r);
		return http_back(r, NULL, NULL, MHD_HTTP_CONFLICT,
		    "account.last", 0);
	}
	err = login_device_code(r, &status, &wait, &name);
	if (err != NULL) {
		store_clear(&d);
		if (*err == '\0' || strcmp(err, "err.internal") == 0)
			return http_internal(r);
		return http_back(r, NULL, "device", status, err, wait);
	}
	free(name);
	if (store_device_remove(r->user.id, d.id) == -1) {
		/* Another request removed the other phone meanwhile. */
		store_clear(&d);
		return http_back(r, NULL, NULL, MHD_HTTP_CONFLICT,
		    "account.last", 0);
	}
	store_audit(r->user.id, 0, "device.remove", r->addr, d.name);
	account_notice(&r->user, "device_removed", r->addr, d.name, NULL);
	store_clear(&d);
	return http_redirect(r, "/account?done=removed");
}

/*
 * POST /account/password: the current password, then the new one twice
 * under the rules of /password. Ends the user's other sessions.
 */
int
page_account_password_post(struct req *r)
{
	const char *problem;
	int64_t wait;
	unsigned status;

	if ((problem = login_reauth(r, &status, &wait)) != NULL ||
	    (problem = login_new_password(r, "account.pw_same",
	    "password.change", "account", &status)) != NULL)
		return status == MHD_HTTP_INTERNAL_SERVER_ERROR ?
		    http_error(r, status, problem) :
		    http_back(r, "/account", NULL, status, problem, wait);
	account_notice(&r->user, "password_changed", r->addr, NULL, NULL);
	/* A new session id after a change of credentials. */
	if (session_advance(&r->sess, r->user.id, STAGE_IN, r->addr) == -1)
		return http_internal(r);
	return http_redirect(r, "/account?done=password");
}

/*
 * Recovery codes are shown until the user says they are kept (or for
 * CODES_TTL): Reload, a print and the text file show the same codes, and
 * nothing posts again. Between the pages they are in a cookie of their
 * own, sealed with the key and bound to this session; the database only
 * ever has their hashes.
 */
#define CODES_COOKIE	"kluis_codes"
#define CODES_PATH	"/account/recovery"
#define CODES_TTL	600

/* The codes this session was shown (CODES[RECOVERY_CODES]); their number, or 0. */
static int
codes_read(struct req *r, char codes[][16])
{
	char *text = flash_sealed_get(r, CODES_COOKIE), *line, *next;
	size_t len;
	int i = 0;

	if (text == NULL)
		return 0;
	len = strlen(text);
	/* one code a line */
	for (line = text; line != NULL && *line != '\0' && i < RECOVERY_CODES;
	    line = next) {
		if ((next = strchr(line, '\n')) != NULL)
			*next++ = '\0';
		if (*line != '\0' && strlen(line) < 16)
			snprintf(codes[i++], 16, "%s", line);
	}
	explicit_bzero(text, len);
	free(text);
	return i;
}

/* GET /account/recovery: make recovery codes (after the first login, too). */
int
page_account_recovery(struct req *r)
{
	struct tmpl_vars *v = tv_new();
	int codes = store_recovery_count(r->user.id);

	if (codes < 0) {
		tv_free(v);
		return http_internal(r);
	}
	tv_setf(v, "codes", "%d", codes);
	if (codes > 0)
		tv_set(v, "has_codes", "1");
	return http_page(r, MHD_HTTP_OK, "recovery", v);
}

/* POST /account/recovery: 10 new codes; the old ones are void. */
int
page_account_recovery_post(struct req *r)
{
	char codes[RECOVERY_CODES][16];
	struct buf b = { 0 };
	const char *err;
	unsigned status;
	int64_t wait;
	int i, rc;

	if ((err = login_reauth(r, &status, &wait)) != NULL)
		return http_back(r, CODES_PATH, NULL, status, err, wait);
	if (recovery_new_codes(r->user.id, codes) == -1)
		return http_internal(r);
	store_audit(r->user.id, 0, "recovery.create", r->addr, "");
	account_notice(&r->user, "recovery_created", r->addr, NULL, NULL);
	for (i = 0; i < RECOVERY_CODES; i++)
		buf_printf(&b, "%s%s", i ? "\n" : "", codes[i]);
	explicit_bzero(codes, sizeof codes);
	rc = flash_sealed_put(r, CODES_COOKIE, CODES_PATH, b.data, CODES_TTL);
	buf_wipe(&b);
	if (rc == -1)
		return http_internal(r);
	return http_redirect(r, CODES_PATH "/codes");
}

/*
 * The variables of the new codes' page and of their text file (caller
 * frees, or hands them to http_page), or NULL when the cookie no longer
 * holds the codes.
 */
static struct tmpl_vars *
codes_vars(struct req *r)
{
	char codes[RECOVERY_CODES][16], when[96];
	struct tmpl_vars *v;
	int n, i;

	if ((n = codes_read(r, codes)) == 0)
		return NULL;
	v = tv_new();
	for (i = 0; i < n; i++)
		tv_set(tv_add(v, "codes"), "code", codes[i]);
	explicit_bzero(codes, sizeof codes);
	tv_set(v, "email", r->user.email);
	time_human(now_unix(), TIME_MINUTE, r->lang, when, sizeof when);
	tv_set(v, "made", when);
	return v;
}

/* GET /account/recovery/codes: the new codes, to print or save; again on Reload. */
int
page_account_recovery_codes(struct req *r)
{
	struct tmpl_vars *v = codes_vars(r);

	if (v == NULL)
		return http_done(r, CODES_PATH, "recovery_codes.gone");
	return http_page(r, MHD_HTTP_OK, "recovery_codes", v);
}

/* GET /account/recovery/codes.txt: the same codes as a text file to save. */
int
page_account_recovery_text(struct req *r)
{
	struct tmpl_vars *v = codes_vars(r);
	struct buf b = { 0 };
	char disp[96];
	size_t len;
	int i;

	if (v == NULL)
		return http_done(r, CODES_PATH, "recovery_codes.gone");
	tv_set(v, "site", cfg.public_url);
	i = tmpl_render_text(&b, "recovery_codes.txt", v, r->lang);
	tv_free(v);
	if (i == -1) {
		buf_wipe(&b);
		return http_internal(r);
	}
	/* The file's name in the user's language: a catalogue's plain word. */
	snprintf(disp, sizeof disp, "attachment; filename=\"%s\"",
	    tmpl_msg(r->lang, "recovery_codes.file_name"));
	http_add_header(r, MHD_HTTP_HEADER_CONTENT_DISPOSITION, disp);
	len = b.len;
	return http_send(r, MHD_HTTP_OK, "text/plain; charset=utf-8",
	    buf_steal(&b), len);
}

/* POST /account/recovery/done: the codes are kept; they are shown no more. */
int
page_account_recovery_done(struct req *r)
{
	flash_sealed_clear(r, CODES_COOKIE, CODES_PATH);
	return http_redirect(r, "/account?done=recovery");
}
