/*
 * page_account_tokens.c: /account/tokens (api-tokens on): a user's personal
 * access tokens for scripts: made after the current password for subjects
 * unlocked in this session, shown once, listed with their last use,
 * revoked.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <microhttpd.h>

#include "portal.h"

#define TOKENS_MAX	10	/* working tokens of one account */

static const int days_choices[] = { 7, 30, 90 };

/* Was subject CODE ticked in the form? */
static int
ticked(const struct req *r, const char *code)
{
	int i;

	for (i = 0; i < r->nfields; i++)
		if (strcmp(r->fields[i].name, "subject") == 0 &&
		    r->fields[i].value.data != NULL &&
		    strcmp(r->fields[i].value.data, code) == 0)
			return 1;
	return 0;
}

static void
set_time(struct req *r, struct tmpl_vars *v, const char *name, int64_t t)
{
	char s[96];

	time_human(t, TIME_MINUTE, r->lang, s, sizeof s);
	tv_set(v, name, t > 0 ? s : "");
}

/* The page: the user's tokens and the form for a new one. */
static int
tokens_page(struct req *r, unsigned status, const char *error, int64_t wait)
{
	static const char *const done[] = { "tokens.done_revoked", NULL };
	struct tmpl_vars *v = tv_new(), *item;
	struct api_token *t;
	struct subject *s;
	const char *f;
	int64_t now = now_unix();
	int nt, ns, i, days = 30;

	if ((nt = store_token_list(r->user.id, &t)) < 0) {
		tv_free(v);
		return http_unavailable(r);
	}
	if ((ns = store_subject_list_of_user(r->user.id, &s)) < 0) {
		store_free(t, nt);
		tv_free(v);
		return http_unavailable(r);
	}
	for (i = 0; i < nt; i++) {
		item = tv_add(v, "tokens");
		tv_setf(item, "id", "%lld", (long long)t[i].id);
		tv_set(item, "name", t[i].name);
		tv_set(item, "subjects", t[i].subjects);
		set_time(r, item, "created", t[i].created);
		set_time(r, item, "expires", t[i].expires);
		set_time(r, item, "used", t[i].last_used);
		tv_set(item, "addr", t[i].last_addr);
		if (t[i].revoked) {
			tv_setf(item, "state", "tokens.state.revoked_%s",
			    t[i].revoked_why);
		} else if (t[i].expires <= now)
			tv_set(item, "state", "tokens.state.expired");
		else {
			tv_set(item, "state", "tokens.state.live");
			tv_set(item, "live", "1");
		}
	}
	store_free(t, nt);
	for (i = 0; i < ns; i++) {
		item = tv_add(v, "subjects");
		tv_set(item, "code", s[i].code);
		tv_set(item, "title", s[i].title);
		if (store_unlock_until(r->sess.hash, s[i].id) > now)
			tv_set(item, "unlocked", "1");
		if (error != NULL && ticked(r, s[i].code))
			tv_set(item, "checked", "1");
	}
	store_free(s, ns);
	if (error != NULL) {
		if ((f = http_field(r, "name")) != NULL &&
		    strlen(f) <= TOKEN_NAME_MAX)
			tv_set(v, "f_name", f);
		if ((f = http_field(r, "days")) != NULL)
			days = atoi(f);
	}
	for (i = 0; i < (int)(sizeof days_choices / sizeof days_choices[0]);
	    i++) {
		item = tv_add(v, "days");
		tv_setf(item, "n", "%d", days_choices[i]);
		tv_setf(item, "label", "tokens.days_%d", days_choices[i]);
		if (days_choices[i] == days)
			tv_set(item, "selected", "1");
	}
	http_notice(r, v, "notice", done);
	return http_form(r, status, "account_tokens", v, error, wait);
}

/* GET /account/tokens */
int
page_account_tokens(struct req *r)
{
	if (!cfg.api_tokens)
		return http_not_found(r);
	return tokens_page(r, MHD_HTTP_OK, NULL, 0);
}

/*
 * The subjects ticked in the form, each granted to the user and unlocked
 * in this session, into *OUT (caller store_free()s). The count, or -1 with
 * *ERR (a message key) and *STATUS.
 */
static int
chosen_subjects(struct req *r, struct subject **out, const char **err,
    unsigned *status)
{
	struct subject *s = NULL;
	uint8_t mac[32];
	size_t cap = 0;
	int i, n = 0, rc;

	*out = NULL;
	*status = MHD_HTTP_BAD_REQUEST;
	for (i = 0; i < r->nfields; i++) {
		const char *code = r->fields[i].value.data;

		if (strcmp(r->fields[i].name, "subject") != 0)
			continue;
		s = xgrow(s, (size_t)n, &cap, sizeof *s);
		memset(&s[n], 0, sizeof s[n]);
		if (code == NULL || !subjects_code_ok(code) ||
		    (rc = store_subject_find(code, &s[n])) == 0 ||
		    (rc == 1 && (rc = store_grant_find(r->user.id, s[n].id,
		    mac)) == 0)) {
			*err = "tokens.bad_subject";
			goto fail;
		}
		if (rc == -1) {
			*status = MHD_HTTP_SERVICE_UNAVAILABLE;
			*err = "err.unavailable";
			goto fail;
		}
		/* The validation code stays a factor: unlocked here and now. */
		if (store_unlock_until(r->sess.hash, s[n].id) <= now_unix()) {
			*status = MHD_HTTP_FORBIDDEN;
			*err = "tokens.locked";
			goto fail;
		}
		n++;
	}
	if (n == 0) {
		*err = "tokens.no_subject";
		goto fail;
	}
	*out = s;
	return n;
fail:
	if (s != NULL)
		store_clear(&s[n]);	/* the one being checked */
	store_free(s, n);
	return -1;
}

/* The working tokens of the user: how many, or -1. */
static int
working(const struct req *r)
{
	struct api_token *t;
	int n, i, k = 0;

	if ((n = store_token_list(r->user.id, &t)) < 0)
		return -1;
	for (i = 0; i < n; i++)
		k += !t[i].revoked && t[i].expires > now_unix();
	store_free(t, n);
	return k;
}

/*
 * POST /account/tokens: current_password, name, days, subject (each
 * unlocked in this session): a new token, shown once on the page this
 * answers with.
 */
int
page_account_tokens_post(struct req *r)
{
	char token[TOKEN_LEN + 1], when[32];
	struct tmpl_vars *v;
	struct subject *s;
	const char *err, *days_s = http_field(r, "days");
	char *name, *end;
	unsigned status;
	int64_t wait, id, expires;
	long days;
	int n, k, i;

	if (!cfg.api_tokens)
		return http_not_found(r);
	if ((err = login_reauth(r, &status, &wait)) != NULL)
		return tokens_page(r, status, err, wait);
	name = xstrdup(http_field(r, "name"));
	str_trim(name);
	if (!tokens_name_ok(name)) {
		free(name);
		return tokens_page(r, MHD_HTTP_BAD_REQUEST, "tokens.bad_name", 0);
	}
	days = days_s != NULL ? strtol(days_s, &end, 10) : 0;
	if (days_s == NULL || *days_s == '\0' || *end != '\0' || days < 1 ||
	    days > TOKEN_DAYS_MAX) {
		free(name);
		return tokens_page(r, MHD_HTTP_BAD_REQUEST, "tokens.bad_days", 0);
	}
	if ((n = chosen_subjects(r, &s, &err, &status)) < 0) {
		free(name);
		return status == MHD_HTTP_SERVICE_UNAVAILABLE ?
		    http_unavailable(r) : tokens_page(r, status, err, 0);
	}
	if ((k = working(r)) < 0 || k >= TOKENS_MAX) {
		free(name);
		store_free(s, n);
		return k < 0 ? http_unavailable(r) : tokens_page(r,
		    MHD_HTTP_CONFLICT, "tokens.too_many", 0);
	}
	if (tokens_create(&r->user, name, (int)days, s, n, r->addr, token,
	    &id) == -1) {
		free(name);
		store_free(s, n);
		return http_unavailable(r);
	}
	expires = now_unix() + days * 86400;
	v = tv_new();
	tv_set(v, "token", token);
	explicit_bzero(token, sizeof token);
	tv_set(v, "name", name);
	for (i = 0; i < n; i++)
		tv_setf(tv_add(v, "subjects"), "code", "%s", s[i].code);
	time_human(expires, TIME_MINUTE, r->lang, when, sizeof when);
	tv_set(v, "expires", when);
	tv_set(v, "site", cfg.public_url ? cfg.public_url : "");
	free(name);
	store_free(s, n);
	return http_page(r, MHD_HTTP_OK, "token_created", v);
}

/* POST /account/tokens/{id}/revoke */
int
page_account_tokens_revoke(struct req *r)
{
	int n;

	if (!cfg.api_tokens)
		return http_not_found(r);
	if ((n = tokens_revoke(&r->user, http_arg_id(r, 0), r->addr)) < 0)
		return http_unavailable(r);
	if (n == 0)
		return http_not_found(r);
	return http_redirect(r, "/account/tokens?done=revoked");
}
