/* account.c: accounts: create, temporary passwords, disable, and the notices a user gets about their account. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "portal.h"

/* Mail U its temporary password TEMP, in LANG. 0, or -1. */
static int
mail_temp(const struct user *u, const char *temp, const char *lang)
{
	struct tmpl_vars *v = tv_new();
	int rc;

	tv_set(v, "email", u->email);
	tv_set(v, "name", u->name && *u->name ? u->name : u->email);
	tv_set(v, "password", temp);
	tv_set(v, "site", cfg.public_url);
	rc = mail_queue(u->email, "temp_password", v, lang);
	tv_free(v);
	if (rc == -1)
		logmsg(LOG_ERR,
		    "account: could not queue the mail for user %lld",
		    (long long)u->id);
	return rc;
}

static void
temp_free(char *temp)
{
	if (temp != NULL) {
		explicit_bzero(temp, strlen(temp));
		free(temp);
	}
}

/*
 * account_name_ok: a person's name: empty, or text by str_text_ok of at
 * most ACCOUNT_NAME_MAX bytes. Trims in place.
 */
int
account_name_ok(char *name)
{
	str_trim(name);
	return *name == '\0' || str_text_ok(name, ACCOUNT_NAME_MAX, 0);
}

/* account_first_admin_file: where serve leaves the first admin's password when stdout is no terminal; caller frees. */
char *
account_first_admin_file(void)
{
	return xasprintf("%s/first-admin-password", cfg.data);
}

/*
 * account_first_login: U logged in with a temporary password: the file
 * that held the first admin's goes (it named the password, which is
 * about to change).
 */
void
account_first_login(const struct user *u)
{
	char *path;

	if (!u->password_temp || !u->is_admin)
		return;
	path = account_first_admin_file();
	if (unlink(path) == 0)
		store_audit(u->id, 0, "account.first_password_removed", "", "");
	free(path);
}

/*
 * account_invite: an account for EMAIL (from mail_address) with a fresh
 * temporary password, in language LANG when a catalogue has it (NULL: the
 * default), audited with ACTOR (0: the CLI or the server) and ADDR. When
 * TEMP_OUT is NULL the password is mailed, else handed to the caller (who
 * wipes and frees it) and not mailed. The id, -2 when the email exists, -1.
 */
int64_t
account_invite(const char *email, const char *name, int admin,
    const char *lang, int64_t actor, const char *addr, char **temp_out)
{
	char hash[PASSWORD_HASH_MAX], *temp;
	struct user u;
	int64_t id;

	/* Known already: refused before the work of hashing. */
	if (store_user_find(email, &u) == 1) {
		store_clear(&u);
		return -2;
	}
	temp = password_temporary();
	if (password_hash_temp(temp, hash) == -1)
		id = -1;
	else if ((id = store_user_create(email, name, admin, hash)) >= 0) {
		store_audit(id, actor, "user.create", addr, admin ? "admin" : "");
		if (tmpl_lang_known(lang))
			store_user_set_lang(id, tmpl_lang(lang));
		if (temp_out != NULL) {
			*temp_out = temp;
			temp = NULL;
		} else if (store_user_find_id(id, &u) == 1) {
			mail_temp(&u, temp, u.lang);
			store_clear(&u);
		}
	}
	explicit_bzero(hash, sizeof hash);
	temp_free(temp);
	return id;
}

/*
 * account_temp_password: a fresh temporary password for U, stored hashed
 * (the old password, temporary or not, stops working). The password
 * (caller wipes and frees it), or NULL.
 */
char *
account_temp_password(const struct user *u)
{
	char hash[PASSWORD_HASH_MAX], *temp = password_temporary();
	int rc;

	rc = password_hash_temp(temp, hash) == -1 ||
	    store_user_set_password(u->id, hash, PASSWORD_TEMP_NORMAL) == -1 ?
	    -1 : 0;
	explicit_bzero(hash, sizeof hash);
	if (rc == -1) {
		temp_free(temp);
		return NULL;
	}
	return temp;
}

/*
 * account_resend: a new temporary password for account ID, mailed; the old
 * password stops working, the account's sessions end and its personal
 * access tokens are revoked. 0, or -1.
 */
int
account_resend(int64_t id, int64_t actor, const char *addr)
{
	struct user u;
	char *temp;

	if (store_user_find_id(id, &u) != 1)
		return -1;
	if ((temp = account_temp_password(&u)) != NULL) {
		store_session_end_user(id, NULL);
		tokens_revoke_all(id, "password", actor, addr);
		mail_temp(&u, temp, u.lang);
		store_audit(id, actor, "user.resend", addr, "");
		temp_free(temp);
	}
	store_clear(&u);
	return temp != NULL ? 0 : -1;
}

/*
 * account_set_disabled: disable (ending every session and revoking every
 * personal access token) or enable account ID. 0, or -1.
 */
int
account_set_disabled(int64_t id, int disabled, int64_t actor,
    const char *addr)
{
	if (store_user_set_disabled(id, disabled) == -1)
		return -1;
	if (disabled) {
		store_session_end_user(id, NULL);
		tokens_revoke_all(id, "disabled", actor, addr);
	}
	store_audit(id, actor, disabled ? "user.disable" : "user.enable", addr,
	    "");
	return 0;
}

/* The account-wide throttles of a login, for account_locked and account_unlock. */
static const char *const login_kinds[] = { "pw", "otp", "recovery", NULL };

/* account_locked: 1 when logins of EMAIL are being delayed right now. */
int
account_locked(const char *email)
{
	size_t i;

	for (i = 0; login_kinds[i] != NULL; i++)
		if (throttle_wait(login_kinds[i], email, NULL, 1) > 0)
			return 1;
	return 0;
}

/*
 * account_unlock: lift U's lockout ("kluis user unlock", the console): the
 * failures counted against the account are forgiven (passwords, codes,
 * recovery codes, the validation codes of its subjects), also those of
 * the account paired with each address it was tried from lately (the
 * user's own office among them); the counts of the addresses themselves
 * stay. Audited. 0, or -1.
 */
int
account_unlock(const struct user *u, int64_t actor, const char *addr)
{
	struct subject *list;
	char *acct, **addrs;
	int n, na, i, j, k;

	throttle_lift(u->email);
	if ((na = store_audit_addrs(u->id, now_unix() - ACCOUNT_UNLOCK_SPAN,
	    &addrs)) < 0)
		return -1;
	if ((n = store_subject_list_of_user(u->id, &list)) < 0) {
		strv_free(addrs, na);
		return -1;
	}
	for (j = 0; j < na; j++)
		for (k = 0; login_kinds[k] != NULL; k++)
			throttle_ok(login_kinds[k], u->email, addrs[j]);
	for (i = 0; i < n; i++) {
		acct = xasprintf("%s\n%lld", u->email, (long long)list[i].id);
		throttle_ok("validation", acct, NULL);
		for (j = 0; j < na; j++)
			throttle_ok("validation", acct, addrs[j]);
		free(acct);
	}
	store_free(list, n);
	strv_free(addrs, na);
	store_audit(u->id, actor, "user.unlock", addr, "");
	return 0;
}

/*
 * account_edit: U's email (from mail_address), name, language (a known
 * one, or "" for none) and admin role become these; audited with what
 * changed. A new email is told to both addresses. 0, -2 when another
 * account has EMAIL, -1.
 */
int
account_edit(const struct user *u, const char *email, const char *name,
    const char *lang, int admin, int64_t actor, const char *addr)
{
	struct buf what = { 0 };
	struct user now;
	int rc, moved = strcmp(u->email, email) != 0;

	if ((rc = store_user_update(u->id, email, name, lang, admin)) != 0)
		return rc;
	if (moved)
		buf_printf(&what, "email %s -> %s; ", u->email, email);
	if (strcmp(u->name ? u->name : "", name) != 0)
		buf_puts(&what, "name; ");
	if (strcmp(u->lang ? u->lang : "", lang) != 0)
		buf_printf(&what, "lang %s; ", *lang ? lang : "-");
	if ((u->is_admin != 0) != (admin != 0))
		buf_puts(&what, admin ? "admin role given; " :
		    "admin role taken; ");
	if (what.len >= 2)
		what.data[what.len -= 2] = '\0';
	store_audit(u->id, actor, "user.edit", addr, what.data ? what.data : "");
	buf_free(&what);
	if (moved) {
		account_notice(u, "email_changed", addr, email, NULL);
		if (store_user_find_id(u->id, &now) == 1) {
			account_notice(&now, "email_changed", addr, email, NULL);
			store_clear(&now);
		}
	}
	return 0;
}

/*
 * account_notice: queue templates/mail/NAME.* for U, in their language: a
 * notice of a change to their account, from ADDR (may be NULL), about
 * DEVICE (may be NULL), with SECRET on its own line (may be NULL).
 */
void
account_notice(const struct user *u, const char *name, const char *addr,
    const char *device, const char *secret)
{
	struct tmpl_vars *v = tv_new();
	char when[96];

	time_human(now_unix(), TIME_MINUTE, tmpl_lang(u->lang), when,
	    sizeof when);
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
	if (mail_queue(u->email, name, v, u->lang) == -1)
		logmsg(LOG_ERR,
		    "account: could not queue %s for user %lld", name,
		    (long long)u->id);
	tv_free(v);
}
