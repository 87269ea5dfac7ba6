/* store_token.c: the SQL of personal access tokens (tables api_tokens and api_token_subjects). */
#include "portal.h"

#define TOKEN_COLS "t.id, t.user_id, t.name, t.created, t.expires, " \
	"coalesce(t.last_used, 0), coalesce(t.last_addr, ''), " \
	"coalesce(t.revoked, 0), coalesce(t.revoked_why, ''), " \
	"coalesce((SELECT group_concat(code, ', ') FROM (SELECT s.code FROM " \
	"api_token_subjects ts JOIN subjects s ON s.id = ts.subject_id WHERE " \
	"ts.token_id = t.id ORDER BY s.code)), '')"

#define F(k, f)	DB_COL(k, struct api_token, f)
const struct db_col store_token_fields[] = { F(I64, id), F(I64, user_id),
    F(TEXT, name), F(I64, created), F(I64, expires), F(I64, last_used),
    F(TEXT, last_addr), F(I64, revoked), F(TEXT, revoked_why),
    F(TEXT, subjects), F(I64, pw_changed),
    DB_COL_BLOB(struct api_token, hash, hash_len), DB_COL_END };
#undef F

/* store_token_add: a token of USER_ID found by HASH, until EXPIRES. Its id, or -1. */
int64_t
store_token_add(int64_t user_id, const uint8_t hash[32], const char *name,
    int64_t expires)
{
	int64_t id = db_insert(db_query("INSERT INTO api_tokens (user_id, hash, "
	    "name, created, expires) VALUES (:uid, :hash, :name, :now, "
	    ":expires)", DB_INT(":uid", user_id), DB_BLOB(":hash", hash, 32),
	    DB_TEXT(":name", name), DB_INT(":now", now_unix()),
	    DB_INT(":expires", expires)));

	return id < 0 ? -1 : id;
}

/* store_token_subject_add: token TOKEN_ID reads subject SUBJECT_ID. 0, or -1. */
int
store_token_subject_add(int64_t token_id, int64_t subject_id)
{
	return db_run(db_query("INSERT OR IGNORE INTO api_token_subjects "
	    "(token_id, subject_id) VALUES (:tid, :sid)", DB_INT(":tid", token_id),
	    DB_INT(":sid", subject_id)));
}

/*
 * store_token_find: the token whose keyed hash is HASH, whatever its state,
 * with its owner's last password change. 1, 0 when there is none, -1.
 */
int
store_token_find(const uint8_t hash[32], struct api_token *t)
{
	return db_find(db_query("SELECT " TOKEN_COLS ", coalesce(u.password_"
	    "changed, 0), t.hash FROM api_tokens t JOIN users u ON u.id = "
	    "t.user_id WHERE t.hash = :hash", DB_BLOB(":hash", hash, 32)), t, sizeof *t,
	    store_token_fields);
}

/* store_token_list: USER_ID's tokens, newest first (caller store_free()s). The count, or -1. */
int
store_token_list(int64_t user_id, struct api_token **list)
{
	return db_list(db_query("SELECT " TOKEN_COLS ", 0, NULL FROM api_tokens t "
	    "WHERE t.user_id = :uid ORDER BY t.id DESC", DB_INT(":uid", user_id)),
	    list, sizeof **list, store_token_fields);
}

/* store_token_used: token ID was used at NOW from ADDR. 0, or -1. */
int
store_token_used(int64_t id, int64_t now, const char *addr)
{
	return db_run(db_query("UPDATE api_tokens SET last_used = :now, "
	    "last_addr = :addr WHERE id = :id", DB_INT(":now", now),
	    DB_TEXT(":addr", addr), DB_INT(":id", id)));
}

/*
 * store_token_revoke: revoke USER_ID's token ID (0: all of them) that
 * still works, for WHY. How many were revoked, or -1.
 */
int
store_token_revoke(int64_t user_id, int64_t id, const char *why)
{
	return db_changed(db_query("UPDATE api_tokens SET revoked = :now, "
	    "revoked_why = :why WHERE user_id = :uid AND (:id IS NULL OR id = "
	    ":id) AND revoked IS NULL", DB_INT(":now", now_unix()),
	    DB_TEXT(":why", why), DB_INT(":uid", user_id), DB_ID(":id", id)));
}

/*
 * store_token_subjects: the subjects token TOKEN_ID reads that are still
 * granted to its owner, by code (caller store_free()s). The count, or -1.
 */
int
store_token_subjects(int64_t token_id, struct subject **list)
{
	return db_list(db_query("SELECT s.id, s.code, s.title, s.description, "
	    "s.created FROM api_token_subjects ts JOIN api_tokens t ON t.id = "
	    "ts.token_id JOIN subjects s ON s.id = ts.subject_id JOIN grants g "
	    "ON g.subject_id = s.id AND g.user_id = t.user_id WHERE "
	    "ts.token_id = :tid ORDER BY s.code", DB_INT(":tid", token_id)),
	    list, sizeof **list, store_subject_fields);
}
