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
#define TOKENS_PATH	"/account/tokens"
#define TOKENS_KEEP	"name days subject"	/* a failed form's fields */
/* A new token is shown here, from a sealed cookie, until the list is seen. */
#define TOKEN_COOKIE	"kluis_token"
#define TOKEN_PATH	"/account/tokens/new"
#define TOKEN_TTL	600

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

/*
 * GET /account/tokens: the user's tokens and the form for a new one (after
 * a failed try, with what it had).
 */
int
page_account_tokens(struct req *r)
{
	static const char *const done[] = { "tokens.done_revoked", NULL };
	struct tmpl_vars *v, *item;
	struct api_token *t;
	struct subject *s;
	const char *f;
	int64_t now = now_unix();
	int nt, ns, i, days = 30;

	if (!cfg.api_tokens)
		return http_not_found(r);
	v = tv_new();
	/*
	 * A new token shown on its page is not shown again. The browser sends
	 * its cookie only to TOKEN_PATH, so it is cleared whether or not it
	 * came here.
	 */
	flash_sealed_clear(r, TOKEN_COOKIE, TOKEN_PATH);
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
		if (ticked(r, s[i].code))
			tv_set(item, "checked", "1");
	}
	store_free(s, ns);
	if ((f = http_field(r, "name")) != NULL && strlen(f) <= TOKEN_NAME_MAX)
		tv_set(v, "f_name", f);
	if ((f = http_field(r, "days")) != NULL)
		days = atoi(f);
	for (i = 0; i < (int)(sizeof days_choices / sizeof days_choices[0]);
	    i++) {
		item = tv_add(v, "days");
		tv_setf(item, "n", "%d", days_choices[i]);
		tv_setf(item, "label", "tokens.days_%d", days_choices[i]);
		if (days_choices[i] == days)
			tv_set(item, "selected", "1");
	}
	http_notice(r, v, "notice", done);
	return http_page(r, MHD_HTTP_OK, "account_tokens", v);
}

/* A failed try: back to the form, with what it had (never the password). */
static int
tokens_back(struct req *r, unsigned status, const char *error, int64_t wait)
{
	return http_back(r, TOKENS_PATH, TOKENS_KEEP, status, error, wait);
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
 * unlocked in this session): a new token, shown on /account/tokens/new
 * until the list is seen again (or for TOKEN_TTL).
 */
int
page_account_tokens_post(struct req *r)
{
	char token[TOKEN_LEN + 1], shown[TOKEN_LEN + 32];
	struct subject *s;
	const char *err, *days_s = http_field(r, "days");
	char *name, *end;
	unsigned status;
	int64_t wait, id;
	long days;
	int n, k, rc;

	if (!cfg.api_tokens)
		return http_not_found(r);
	if ((err = login_reauth(r, &status, &wait)) != NULL)
		return tokens_back(r, status, err, wait);
	name = xstrdup(http_field(r, "name"));
	str_trim(name);
	if (!tokens_name_ok(name)) {
		free(name);
		return tokens_back(r, MHD_HTTP_BAD_REQUEST, "tokens.bad_name", 0);
	}
	days = days_s != NULL ? strtol(days_s, &end, 10) : 0;
	if (days_s == NULL || *days_s == '\0' || *end != '\0' || days < 1 ||
	    days > TOKEN_DAYS_MAX) {
		free(name);
		return tokens_back(r, MHD_HTTP_BAD_REQUEST, "tokens.bad_days", 0);
	}
	if ((n = chosen_subjects(r, &s, &err, &status)) < 0) {
		free(name);
		return status == MHD_HTTP_SERVICE_UNAVAILABLE ?
		    http_unavailable(r) : tokens_back(r, status, err, 0);
	}
	if ((k = working(r)) < 0 || k >= TOKENS_MAX) {
		free(name);
		store_free(s, n);
		return k < 0 ? http_unavailable(r) : tokens_back(r,
		    MHD_HTTP_CONFLICT, "tokens.too_many", 0);
	}
	if (tokens_create(&r->user, name, (int)days, s, n, r->addr, token,
	    &id) == -1) {
		free(name);
		store_free(s, n);
		return http_unavailable(r);
	}
	free(name);
	store_free(s, n);
	/* "ID TOKEN": the page finds the rest in the list. */
	snprintf(shown, sizeof shown, "%lld %s", (long long)id, token);
	explicit_bzero(token, sizeof token);
	rc = flash_sealed_put(r, TOKEN_COOKIE, TOKEN_PATH, shown, TOKEN_TTL);
	explicit_bzero(shown, sizeof shown);
	if (rc == -1)
		return http_internal(r);
	return http_redirect(r, TOKEN_PATH);
}

/*
 * GET /account/tokens/new: the token just made, to copy; again on Reload,
 * until the list is seen. Then the list says it is shown no more.
 */
int
page_account_tokens_new(struct req *r)
{
	struct tmpl_vars *v;
	struct api_token *t;
	char *text, *sp, when[96];
	int64_t id;
	int n, i;

	if (!cfg.api_tokens)
		return http_not_found(r);
	if ((text = flash_sealed_get(r, TOKEN_COOKIE)) == NULL ||
	    (sp = strchr(text, ' ')) == NULL) {
		free(text);
		return http_done(r, TOKENS_PATH, "tokens.gone");
	}
	id = strtoll(text, NULL, 10);
	if ((n = store_token_list(r->user.id, &t)) < 0) {
		explicit_bzero(text, strlen(text));
		free(text);
		return http_unavailable(r);
	}
	for (i = 0; i < n && t[i].id != id; i++)
		;
	if (i == n || t[i].revoked) {
		store_free(t, n);
		explicit_bzero(text, strlen(text));
		free(text);
		return http_done(r, TOKENS_PATH, "tokens.gone");
	}
	v = tv_new();
	tv_set(v, "token", sp + 1);
	explicit_bzero(text, strlen(text));
	free(text);
	tv_set(v, "name", t[i].name);
	tv_set(v, "subjects", t[i].subjects);
	time_human(t[i].expires, TIME_MINUTE, r->lang, when, sizeof when);
	tv_set(v, "expires", when);
	tv_set(v, "site", cfg.public_url ? cfg.public_url : "");
	store_free(t, n);
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
