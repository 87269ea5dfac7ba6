/* page_account.c: the account page: devices (add, remove), password change, recovery codes. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <microhttpd.h>

#include "portal.h"

static void
set_date(struct tmpl_vars *v, const char *name, int64_t t)
{
	if (t > 0)
		tv_set_time(v, name, t, TIME_ZONED);
}

/* The notice after a redirect back to /account; only known ones are shown. */
static void
set_done(struct req *r, struct tmpl_vars *v)
{
	static const char *const keys[] = { "account.done_added",
	    "account.done_removed", "account.done_password", NULL };

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
		set_date(item, "added", devs[i].created);
		set_date(item, "used", devs[i].last_used);
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

static int
add_form(struct req *r, unsigned status, const char *error, int64_t wait)
{
	struct tmpl_vars *v = tv_new();

	tv_set(v, "reauth", "1");
	return login_enrol_form(r, status, "account_add", "/account/add", error,
	    wait, v);
}

/* reauth: login_reauth, the current password asked again. */
static const char *
reauth(struct req *r, unsigned *status, int64_t *wait)
{
	return login_reauth(r, status, wait);
}

/* GET /account/add: another phone, with the QR of a secret kept in the session. */
int
page_account_add(struct req *r)
{
	return add_form(r, MHD_HTTP_OK, NULL, 0);
}

int
page_account_add_post(struct req *r)
{
	const char *err;
	char *name;
	int64_t wait;
	unsigned status;

	if ((err = reauth(r, &status, &wait)) != NULL)
		return add_form(r, status, err, wait);
	err = login_add_device(r, &status, &wait, &name);
	if (err != NULL && status == MHD_HTTP_INTERNAL_SERVER_ERROR)
		return http_error(r, status, err);
	if (err != NULL)
		return add_form(r, status, err, wait);
	login_pending_clear(r);
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

static int
remove_form(struct req *r, const struct device *target, unsigned status,
    const char *error, int64_t wait)
{
	struct tmpl_vars *v = tv_new();
	int n = store_device_count(r->user.id);

	tv_setf(v, "target_id", "%lld", (long long)target->id);
	tv_set(v, "target", target->name);
	if (n <= 1)
		tv_set(v, "only_one", "1");
	tv_set(v, "device_legend", "account_remove.device");
	return login_code_form(r, status, "account_remove", error, wait, v);
}

/* GET /account/devices/{id}/remove: asks for a current code first. */
int
page_account_remove(struct req *r)
{
	struct device d;
	int ret;

	if (url_device(r, &d) == -1)
		return http_not_found(r);
	ret = remove_form(r, &d, MHD_HTTP_OK, NULL, 0);
	store_clear(&d);
	return ret;
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
	int n, ret;

	if (url_device(r, &d) == -1)
		return http_not_found(r);
	if ((n = store_device_count(r->user.id)) <= 1) {
		ret = remove_form(r, &d, n < 0 ? MHD_HTTP_INTERNAL_SERVER_ERROR :
		    MHD_HTTP_CONFLICT, n < 0 ? "err.internal" : "account.last", 0);
		store_clear(&d);
		return ret;
	}
	err = login_device_code(r, &status, &wait, &name);
	if (err != NULL) {
		ret = remove_form(r, &d, status, *err ? err : "err.internal",
		    wait);
		store_clear(&d);
		return ret;
	}
	free(name);
	if (store_device_remove(r->user.id, d.id) == -1) {
		/* Another request removed the other phone meanwhile. */
		ret = remove_form(r, &d, MHD_HTTP_CONFLICT, "account.last", 0);
		store_clear(&d);
		return ret;
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

	if ((problem = reauth(r, &status, &wait)) != NULL ||
	    (problem = login_new_password(r, "account.pw_same",
	    "password.change", "account", &status)) != NULL)
		return status == MHD_HTTP_INTERNAL_SERVER_ERROR ?
		    http_error(r, status, problem) :
		    account_form(r, status, problem, wait);
	account_notice(&r->user, "password_changed", r->addr, NULL, NULL);
	/* A new session id after a change of credentials. */
	if (session_advance(&r->sess, r->user.id, STAGE_IN, r->addr) == -1)
		return http_internal(r);
	return http_redirect(r, "/account?done=password");
}

/* POST /account/recovery: 10 new codes, shown once; the old ones are void. */
int
page_account_recovery_post(struct req *r)
{
	char codes[RECOVERY_CODES][16];
	struct tmpl_vars *v, *item;
	const char *err;
	unsigned status;
	int64_t wait;
	int i;

	if ((err = reauth(r, &status, &wait)) != NULL)
		return account_form(r, status, err, wait);
	if (recovery_new_codes(r->user.id, codes) == -1)
		return http_internal(r);
	store_audit(r->user.id, 0, "recovery.create", r->addr, "");
	account_notice(&r->user, "recovery_created", r->addr, NULL, NULL);
	v = tv_new();
	for (i = 0; i < RECOVERY_CODES; i++) {
		item = tv_add(v, "codes");
		tv_set(item, "code", codes[i]);
	}
	explicit_bzero(codes, sizeof codes);
	return http_page(r, MHD_HTTP_OK, "recovery_codes", v);
}
