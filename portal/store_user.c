/* store_user.c: the SQL of accounts (table users). */
#include <stdlib.h>

#include "portal.h"

#define USER_COLS "id, email, name, is_admin, password_hash, password_temp, " \
	"disabled, lang"
#define F(k, f)	DB_COL(k, struct user, f)
const struct db_col store_user_fields[] = { F(I64, id), F(TEXT, email),
    F(TEXT, name), F(INT, is_admin), F(TEXT, password_hash),
    F(INT, password_temp), F(INT, disabled), F(TEXT, lang), DB_COL_END };
#undef F
/* A row of store_user_list: the account's columns, when created, its devices. */
const struct db_col store_user_row_fields[] = {
    DB_COL_NEST(struct user_row, u, store_user_fields),
    DB_COL(I64, struct user_row, created), DB_COL(INT, struct user_row, devices),
    DB_COL_END };

/*
 * store_user_find: the account of EMAIL: 1 with U filled (caller
 * store_clear()s), 0 when there is none, -1 when the database failed.
 */
int
store_user_find(const char *email, struct user *u)
{
	return db_find(db_query("SELECT " USER_COLS " FROM users WHERE "
	    "email = :email", DB_TEXT(":email", email)), u, sizeof *u,
	    store_user_fields);
}

/* store_user_find_id: account ID as store_user_find finds one: 1, 0, -1. */
int
store_user_find_id(int64_t id, struct user *u)
{
	return db_find(db_query("SELECT " USER_COLS " FROM users WHERE id = :id",
	    DB_INT(":id", id)), u, sizeof *u, store_user_fields);
}

/*
 * store_user_create: an account with a temporary password HASH of the
 * normalised form (PASSWORD_TEMP_NORMAL). The new id, -2 when the email has
 * an account, -1 on error.
 */
int64_t
store_user_create(const char *email, const char *name, int admin,
    const char *hash)
{
	return db_insert(db_query("INSERT INTO users (email, name, is_admin, "
	    "password_hash, password_temp, created) VALUES (:email, :name, "
	    ":admin, :hash, :temp, :now)", DB_TEXT(":email", email),
	    DB_TEXT(":name", name ? name : ""), DB_INT(":admin", admin != 0),
	    DB_TEXT(":hash", hash), DB_INT(":temp", PASSWORD_TEMP_NORMAL),
	    DB_INT(":now", now_unix())));
}

/*
 * store_user_update: the name, email, language and admin role of account
 * ID. 0, -2 when another account has EMAIL, -1 on error.
 */
int
store_user_update(int64_t id, const char *email, const char *name,
    const char *lang, int admin)
{
	int64_t other = db_value(db_query("SELECT id FROM users WHERE email = "
	    ":email AND id != :id", DB_TEXT(":email", email), DB_INT(":id", id)),
	    0);

	if (other != 0)
		return other > 0 ? -2 : -1;
	return db_changed(db_query("UPDATE users SET email = :email, name = "
	    ":name, lang = :lang, is_admin = :admin WHERE id = :id",
	    DB_TEXT(":email", email), DB_TEXT(":name", name ? name : ""),
	    DB_TEXT(":lang", lang ? lang : ""), DB_INT(":admin", admin != 0),
	    DB_INT(":id", id))) == 1 ? 0 : -1;
}

/* store_user_admins: the emails of the enabled admins into *EMAILS (strv_free); the count, or -1. */
int
store_user_admins(char ***emails)
{
	return db_texts(db_query("SELECT email FROM users WHERE is_admin = 1 "
	    "AND disabled = 0 ORDER BY id"), emails);
}

/*
 * store_user_enrol_secret: the sealed secret of account ID's enrolment in
 * progress into *P (caller frees). 1, 0 when there is none, -1.
 */
int
store_user_enrol_secret(int64_t id, uint8_t **p, size_t *n)
{
	struct sealed_row { uint8_t *p; size_t n; } row;
	static const struct db_col blob[] = { DB_COL_BLOB(struct sealed_row,
	    p, n), DB_COL_END };
	int rc;

	rc = db_find(db_query("SELECT enrol_secret FROM users WHERE id = :id "
	    "AND enrol_secret IS NOT NULL", DB_INT(":id", id)), &row,
	    sizeof row, blob);
	*p = rc == 1 ? row.p : NULL;
	*n = rc == 1 ? row.n : 0;
	return rc;
}

/*
 * store_user_set_enrol_secret: account ID's enrolment secret becomes P (N
 * bytes, sealed), only when it has none (two pages opened at once agree on
 * one); P NULL clears it. 0, or -1.
 */
int
store_user_set_enrol_secret(int64_t id, const void *p, size_t n)
{
	if (p == NULL)
		return db_run(db_query("UPDATE users SET enrol_secret = NULL "
		    "WHERE id = :id", DB_INT(":id", id)));
	return db_run(db_query("UPDATE users SET enrol_secret = :p WHERE id = "
	    ":id AND enrol_secret IS NULL", DB_BLOB(":p", p, n),
	    DB_INT(":id", id)));
}

/*
 * store_user_set_password: store a new hash; TEMP marks it temporary
 * (PASSWORD_TEMP_NORMAL: a hash of the normalised form, see password.c). A
 * password reset link still out there dies with the old password. 0, or -1.
 */
int
store_user_set_password(int64_t id, const char *hash, int temp)
{
	if (db_run(db_query("UPDATE users SET password_hash = :hash, "
	    "password_temp = :temp, password_changed = :now WHERE id = :id",
	    DB_TEXT(":hash", hash), DB_INT(":temp", temp < 0 ? 0 : temp),
	    DB_INT(":now", now_unix()), DB_INT(":id", id))) == -1)
		return -1;
	return db_run(db_query("DELETE FROM reset_tokens WHERE user_id = :id",
	    DB_INT(":id", id)));
}

/* store_user_count: the number of accounts, or -1. */
int64_t
store_user_count(void)
{
	return db_value(db_query("SELECT count(*) FROM users"), -1);
}

/* store_user_created: when account ID was created; 0 when unknown, -1 on error. */
int64_t
store_user_created(int64_t id)
{
	return db_value(db_query("SELECT created FROM users WHERE id = :id",
	    DB_INT(":id", id)), 0);
}

/* store_user_set_disabled: set or clear the disabled flag. 0, or -1 (no such account). */
int
store_user_set_disabled(int64_t id, int disabled)
{
	return db_changed(db_query("UPDATE users SET disabled = :d WHERE "
	    "id = :id", DB_INT(":d", disabled != 0), DB_INT(":id", id))) == 1 ?
	    0 : -1;
}

/* store_user_set_lang: remember the user's language (a catalogue's name). 0, or -1. */
int
store_user_set_lang(int64_t id, const char *lang)
{
	return db_run(db_query("UPDATE users SET lang = :lang WHERE id = :id",
	    DB_TEXT(":lang", lang), DB_INT(":id", id)));
}

/*
 * store_user_list: accounts whose email or name contains Q (all when Q is
 * NULL or empty), by email, at most LIMIT from OFFSET, with their devices,
 * into *LIST (caller store_free()s; no password hashes). Returns the count,
 * or -1.
 */
int
store_user_list(const char *q, int limit, int offset, struct user_row **list)
{
	char *pat = q != NULL && *q != '\0' ? db_like(q) : NULL;
	int n;

	n = db_list(db_query("SELECT u.id, u.email, u.name, u.is_admin, NULL, "
	    "u.password_temp, u.disabled, u.lang, u.created, (SELECT count(*) "
	    "FROM devices d WHERE d.user_id = u.id) FROM users u WHERE "
	    ":pat IS NULL OR u.email LIKE :pat ESCAPE '\\' OR u.name LIKE :pat "
	    "ESCAPE '\\' ORDER BY u.email LIMIT :limit OFFSET :offset",
	    DB_TEXT(":pat", pat), DB_INT(":limit", limit),
	    DB_INT(":offset", offset)), list, sizeof **list,
	    store_user_row_fields);
	free(pat);
	return n;
}
