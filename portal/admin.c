/* admin.c: the admin actions on accounts, shared by the console and the CLI. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "portal.h"

/*
 * admin_mail_temp: mail U its temporary password TEMP in U's language.
 * Returns 0, or -1.
 */
int
admin_mail_temp(const struct user *u, const char *temp)
{
	struct tmpl_vars *v = tv_new();
	int rc;

	tv_set(v, "email", u->email);
	tv_set(v, "name", u->name && *u->name ? u->name : u->email);
	tv_set(v, "password", temp);
	tv_set(v, "site", cfg.public_url);
	rc = mail_queue(u->email, "temp_password", v, lang_user(u));
	tv_free(v);
	return rc;
}

/*
 * admin_create: an account for EMAIL (normalised by the caller) whose
 * temporary password is mailed in LANG and never returned. Returns the id,
 * -2 when the email has an account, -1 on error.
 */
int64_t
admin_create(const char *email, const char *name, int admin,
    const char *lang, int64_t actor, const char *addr)
{
	struct user u = { 0 };
	char *temp = NULL;
	int64_t id;

	(void)addr;
	if ((id = user_invite(email, name, admin, actor, addr, &temp)) < 0)
		return id;
	if (lang != NULL && tmpl_lang_known(lang))
		store_user_set_lang(id, lang);
	if (store_user_by_id(id, &u) == -1 || admin_mail_temp(&u, temp) == -1)
		logmsg("admin: could not queue the mail for user %lld",
		    (long long)id);
	store_clear(&u);
	explicit_bzero(temp, strlen(temp));
	free(temp);
	return id;
}

/*
 * admin_resend: a new temporary password for account ID, mailed; the old
 * password (temporary or not) stops working and the account's sessions
 * end. Returns 0, or -1.
 */
int
admin_resend(int64_t id, int64_t actor, const char *addr)
{
	char hash[PASSWORD_HASH_MAX], *temp;
	struct user u;
	int rc = -1;

	if (store_user_by_id(id, &u) == -1)
		return -1;
	temp = password_temporary();
	if (password_hash(temp, hash) == -1 ||
	    store_user_set_password(id, hash, 1) == -1)
		goto done;
	store_session_end_user(id, NULL);
	if (admin_mail_temp(&u, temp) == -1)
		logmsg("admin: could not queue the mail for user %lld",
		    (long long)id);
	store_audit(id, actor, "user.resend", addr, "");
	rc = 0;
done:
	explicit_bzero(hash, sizeof hash);
	explicit_bzero(temp, strlen(temp));
	free(temp);
	store_clear(&u);
	return rc;
}

/*
 * admin_set_disabled: disable (ending every session) or enable account ID.
 * Returns 0, or -1.
 */
int
admin_set_disabled(int64_t id, int disabled, int64_t actor, const char *addr)
{
	if (store_user_set_disabled(id, disabled) == -1)
		return -1;
	if (disabled)
		store_session_end_user(id, NULL);
	store_audit(id, actor, disabled ? "user.disable" : "user.enable", addr,
	    "");
	return 0;
}

/* admin_locked: 1 when logins of EMAIL are being delayed right now. */
int
admin_locked(const char *email)
{
	return throttle_wait("pw", email, NULL) > 0 ||
	    throttle_wait("otp", email, NULL) > 0;
}

/*
 * admin_date: parse YYYY-MM-DD as the start of that day in UTC into *T.
 * Returns 0, or -1 when S is not such a date.
 */
int
admin_date(const char *s, int64_t *t)
{
	struct tm tm = { 0 }, back;
	time_t tt;
	int y, m, d, i;

	if (s == NULL || strlen(s) != 10 || s[4] != '-' || s[7] != '-')
		return -1;
	for (i = 0; i < 10; i++)
		if (i != 4 && i != 7 && (s[i] < '0' || s[i] > '9'))
			return -1;
	if (sscanf(s, "%4d-%2d-%2d", &y, &m, &d) != 3 || y < 1970)
		return -1;
	tm.tm_year = y - 1900;
	tm.tm_mon = m - 1;
	tm.tm_mday = d;
	tt = timegm(&tm);
	/* 2024-02-31 normalises to March: not a date. */
	if (gmtime_r(&tt, &back) == NULL || back.tm_mday != d ||
	    back.tm_mon != m - 1)
		return -1;
	*t = (int64_t)tt;
	return 0;
}

/*
 * user_invite: create an account with a fresh temporary password. When
 * TEMP_OUT is NULL the password is emailed, else handed to the caller (who
 * frees it) and not mailed. Returns the id, -2 when the email exists, -1.
 */
int64_t
user_invite(const char *email, const char *name, int admin, int64_t actor,
    const char *addr, char **temp_out)
{
	char hash[PASSWORD_HASH_MAX], *temp;
	struct user u = { 0 };
	int64_t id;

	if (store_user_by_email(email, &u) == 0) {
		store_clear(&u);
		return -2;
	}
	temp = password_temporary();
	if (password_hash(temp, hash) == -1 ||
	    (id = store_user_create(email, name, admin, hash)) < 0) {
		explicit_bzero(temp, strlen(temp));
		free(temp);
		return -1;
	}
	explicit_bzero(hash, sizeof hash);
	store_audit(id, actor, "user.create", addr, admin ? "admin" : "");
	if (temp_out != NULL) {
		*temp_out = temp;
		return id;
	}
	if (store_user_by_id(id, &u) == -1 || admin_mail_temp(&u, temp) == -1)
		logmsg("user: could not queue the mail for user %lld",
		    (long long)id);
	store_clear(&u);
	explicit_bzero(temp, strlen(temp));
	free(temp);
	return id;
}
