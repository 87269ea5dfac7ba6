/*
 * tokens.c: personal access tokens for researchers' scripts: made for a
 * fully logged-in user for subjects unlocked in that session, shown once,
 * kept as a keyed hash; checked, audited on every use, revoked by their
 * owner or when the account's credentials change.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "portal.h"

#define TOKEN_HEX	64	/* 32 random bytes */

/* tokens_wellformed: "kluis_" and 64 lowercase hex digits. */
int
tokens_wellformed(const char *s)
{
	size_t i, n = sizeof TOKEN_PREFIX - 1;

	if (s == NULL || strncmp(s, TOKEN_PREFIX, n) != 0)
		return 0;
	for (i = 0; i < TOKEN_HEX; i++)
		if (!((s[n + i] >= '0' && s[n + i] <= '9') ||
		    (s[n + i] >= 'a' && s[n + i] <= 'f')))
			return 0;
	return s[n + TOKEN_HEX] == '\0';
}

static void
token_mac(const char *token, uint8_t out[32])
{
	crypto_mac("api-token", token, strlen(token), out);
}

/* tokens_name_ok: text by str_text_ok of 1..TOKEN_NAME_MAX bytes on one line. */
int
tokens_name_ok(const char *name)
{
	return name != NULL && str_text_ok(name, TOKEN_NAME_MAX, 0);
}

struct create_tx {
	const struct user	*u;
	const char		*name;
	int64_t			 expires;
	const struct subject	*s;
	int			 n;
	const char		*addr;
	uint8_t			 mac[32];
	int64_t			 id;
	struct buf		 codes;
};

static int
create_tx(void *arg)
{
	struct create_tx *c = arg;
	char until[32], *d;
	int i, rc;

	if ((c->id = store_token_add(c->u->id, c->mac, c->name,
	    c->expires)) < 0)
		return -1;
	for (i = 0; i < c->n; i++)
		if (store_token_subject_add(c->id, c->s[i].id) == -1)
			return -1;
	time_format(c->expires, TIME_ISO, until, sizeof until);
	d = xasprintf("token %lld (%s) for %s until %s", (long long)c->id,
	    c->name, c->codes.data, until);
	rc = store_audit_add(c->u->id, 0, "token.create", c->addr, d);
	free(d);
	return rc;
}

/* The mail about a new token: its name, subjects and expiry, never itself. */
static void
created_mail(const struct user *u, const char *name, const char *codes,
    int64_t expires, const char *addr)
{
	struct tmpl_vars *v = tv_new();
	char when[96];

	tv_set(v, "name", u->name && *u->name ? u->name : u->email);
	tv_set(v, "email", u->email);
	tv_set(v, "token_name", name);
	tv_set(v, "subjects", codes);
	time_human(expires, TIME_MINUTE, tmpl_lang(u->lang), when, sizeof when);
	tv_set(v, "expires", when);
	time_human(now_unix(), TIME_MINUTE, tmpl_lang(u->lang), when,
	    sizeof when);
	tv_set(v, "when", when);
	if (addr != NULL && *addr != '\0')
		tv_set(v, "addr", addr);
	tv_set(v, "site", cfg.public_url ? cfg.public_url : "");
	if (mail_queue(u->email, "token_created", v, u->lang) == -1)
		logmsg(LOG_ERR, "tokens: could not queue the mail to user %lld",
		    (long long)u->id);
	tv_free(v);
}

/*
 * tokens_create: a token called NAME for U, valid DAYS days (1 to
 * TOKEN_DAYS_MAX), reading the N subjects S (the caller checked that each
 * is granted to U and unlocked in the session asking). Kept as a keyed
 * hash, audited, mailed about (without the token). Fills OUT with the
 * token, to be shown once, and *ID. 0, or -1.
 */
int
tokens_create(const struct user *u, const char *name, int days,
    const struct subject *s, int n, const char *addr,
    char out[TOKEN_LEN + 1], int64_t *id)
{
	struct create_tx c = { .u = u, .name = name, .s = s, .n = n,
	    .addr = addr ? addr : "" };
	uint8_t raw[TOKEN_HEX / 2];
	int i, rc;

	if (!tokens_name_ok(name) || days < 1 || days > TOKEN_DAYS_MAX ||
	    n < 1)
		return -1;
	if (crypto_random(raw, sizeof raw) == -1)
		return -1;
	memcpy(out, TOKEN_PREFIX, sizeof TOKEN_PREFIX - 1);
	crypto_hex(raw, sizeof raw, out + sizeof TOKEN_PREFIX - 1);
	explicit_bzero(raw, sizeof raw);
	token_mac(out, c.mac);
	c.expires = now_unix() + (int64_t)days * 86400;
	for (i = 0; i < n; i++)
		buf_printf(&c.codes, "%s%s", i ? ", " : "", s[i].code);
	rc = db_tx(create_tx, &c);
	if (rc == 0) {
		*id = c.id;
		created_mail(u, name, c.codes.data, c.expires, addr);
	} else
		explicit_bzero(out, TOKEN_LEN + 1);
	buf_free(&c.codes);
	return rc == 0 ? 0 : -1;
}

/* Audit a refused token of T's owner (known) with WHY. */
static void
refused(const struct api_token *t, const char *addr, const char *why)
{
	char *d = xasprintf("token %lld (%s): %s", (long long)t->id, t->name,
	    why);

	store_audit(t->user_id, 0, "token.refused", addr, d);
	free(d);
}

/*
 * tokens_check: TOKEN as an Authorization: Bearer from ADDR. 1 when it
 * works, with T (its row) and U (its owner) filled (caller store_clear()s
 * both); 0 when it does not (unknown, malformed, expired, revoked, its
 * owner's password changed since or the account disabled), audited; -1
 * when the database failed (nothing filled). The token is never logged.
 */
int
tokens_check(const char *token, const char *addr, struct api_token *t,
    struct user *u)
{
	uint8_t mac[32];
	int rc;

	memset(t, 0, sizeof *t);
	memset(u, 0, sizeof *u);
	if (!tokens_wellformed(token)) {
		store_audit(0, 0, "token.fail", addr, "malformed");
		return 0;
	}
	token_mac(token, mac);
	if ((rc = store_token_find(mac, t)) == -1)
		return -1;
	/* Found by its hash; compared again in constant time all the same. */
	if (rc == 0 || t->hash_len != sizeof mac ||
	    !crypto_equal(t->hash, mac, sizeof mac)) {
		store_clear(t);
		store_audit(0, 0, "token.fail", addr, "unknown");
		return 0;
	}
	if (t->revoked)
		refused(t, addr, "revoked");
	else if (t->expires <= now_unix())
		refused(t, addr, "expired");
	else if (t->created < t->pw_changed) {
		/* A password change that did not revoke it: now it is. */
		store_token_revoke(t->user_id, t->id, "password");
		refused(t, addr, "the password changed");
	} else if ((rc = store_user_find_id(t->user_id, u)) != 1) {
		store_clear(t);
		return rc == -1 ? -1 : 0;
	} else if (u->disabled) {
		store_token_revoke(t->user_id, 0, "disabled");
		refused(t, addr, "the account is disabled");
	} else
		return 1;
	store_clear(t);
	store_clear(u);
	return 0;
}

struct use_tx {
	const struct api_token	*t;
	const char		*addr;
	const char		*what;
};

static int
use_tx(void *arg)
{
	struct use_tx *x = arg;
	char *d;
	int rc;

	if (store_token_used(x->t->id, now_unix(), x->addr) == -1)
		return -1;
	d = xasprintf("token %lld (%s): %s", (long long)x->t->id, x->t->name,
	    x->what);
	rc = store_audit_add(x->t->user_id, 0, "token.use", x->addr, d);
	free(d);
	return rc;
}

/*
 * tokens_use: token T is used from ADDR for WHAT (the request): its last
 * use and the audit row, in one transaction. 0, or -1 when they could not
 * be written: then the request must not be answered.
 */
int
tokens_use(const struct api_token *t, const char *addr, const char *what)
{
	struct use_tx x = { t, addr ? addr : "", what };

	return db_tx(use_tx, &x) == 0 ? 0 : -1;
}

/*
 * tokens_revoke: U revokes their token ID from ADDR. 1 when revoked, 0
 * when they have no such working token, -1.
 */
int
tokens_revoke(const struct user *u, int64_t id, const char *addr)
{
	char d[48];
	int n;

	if (id <= 0)
		return 0;
	if ((n = store_token_revoke(u->id, id, "user")) > 0) {
		snprintf(d, sizeof d, "token %lld", (long long)id);
		store_audit(u->id, 0, "token.revoke", addr ? addr : "", d);
	}
	return n < 0 ? -1 : n > 0;
}

/*
 * tokens_revoke_all: every working token of USER_ID stops working, for
 * WHY ("password", "authenticators", "disabled"); audited when there were
 * any (ACTOR did it; 0: the user or the system). 0, or -1.
 */
int
tokens_revoke_all(int64_t user_id, const char *why, int64_t actor,
    const char *addr)
{
	char d[64];
	int n;

	if ((n = store_token_revoke(user_id, 0, why)) > 0) {
		snprintf(d, sizeof d, "%d tokens: %s", n, why);
		store_audit(user_id, actor, "token.revoke", addr ? addr : "", d);
	}
	return n < 0 ? -1 : 0;
}
