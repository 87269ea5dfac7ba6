/* store_session.c: the SQL of sessions, keyed by the SHA-256 of their cookie value. */
#include <stdio.h>
#include <stdlib.h>

#include "portal.h"

struct session_row {
	int64_t	 user_id;
	int	 stage;
	int64_t	 created;
	int64_t	 last_seen;
	char	*flash;
	char	*return_to;
};

#define F(k, f)	DB_COL(k, struct session_row, f)
static const struct db_col session_fields[] = { F(I64, user_id), F(INT, stage),
    F(I64, created), F(I64, last_seen), F(TEXT, flash), F(TEXT, return_to),
    DB_COL_END };
#undef F

/*
 * store_session_find: fill S's row fields for HASH: 1, 0 when unknown, -1
 * when the database failed.
 */
int
store_session_find(const uint8_t hash[32], struct session *s)
{
	struct session_row r;
	int rc;

	if ((rc = db_find(db_query("SELECT user_id, stage, created, last_seen, "
	    "flash, return_to FROM sessions WHERE id_hash = :h",
	    DB_BLOB(":h", hash, 32)), &r, sizeof r, session_fields)) != 1)
		return rc;
	s->user_id = r.user_id;
	s->stage = r.stage;
	s->created = r.created;
	s->last_seen = r.last_seen;
	free(s->flash);
	s->flash = r.flash;
	snprintf(s->return_to, sizeof s->return_to, "%s", r.return_to ?
	    r.return_to : "");
	free(r.return_to);
	return 1;
}

/* store_session_put: insert the row of S under HASH (its flash is not kept). 0, or -1. */
int
store_session_put(const uint8_t hash[32], const struct session *s,
    const char *addr)
{
	return db_run(db_query("INSERT INTO sessions (id_hash, user_id, stage, "
	    "created, last_seen, return_to, addr) VALUES (:h, :uid, :stage, "
	    ":created, :seen, :ret, :addr)", DB_BLOB(":h", hash, 32),
	    DB_ID(":uid", s->user_id), DB_INT(":stage", s->stage),
	    DB_INT(":created", s->created), DB_INT(":seen", s->last_seen),
	    DB_TEXT(":ret", *s->return_to ? s->return_to : NULL),
	    DB_TEXT(":addr", addr ? addr : "")));
}

int
store_session_delete(const uint8_t hash[32])
{
	return db_run(db_query("DELETE FROM sessions WHERE id_hash = :h",
	    DB_BLOB(":h", hash, 32)));
}

int
store_session_touch(const uint8_t hash[32], int64_t now)
{
	return db_run(db_query("UPDATE sessions SET last_seen = :now WHERE "
	    "id_hash = :h", DB_INT(":now", now), DB_BLOB(":h", hash, 32)));
}

/* store_session_set_flash: what session HASH's next page shows (NULL: nothing). 0, or -1. */
int
store_session_set_flash(const uint8_t hash[32], const char *flash)
{
	return db_run(db_query("UPDATE sessions SET flash = :f WHERE "
	    "id_hash = :h", DB_TEXT(":f", flash), DB_BLOB(":h", hash, 32)));
}

/* store_session_set_return: the page session HASH goes to once logged in (NULL: home). 0, or -1. */
int
store_session_set_return(const uint8_t hash[32], const char *path)
{
	return db_run(db_query("UPDATE sessions SET return_to = :p WHERE "
	    "id_hash = :h", DB_TEXT(":p", path), DB_BLOB(":h", hash, 32)));
}

/* store_session_end_user: end every session of USER_ID except KEEP (may be NULL). */
int
store_session_end_user(int64_t user_id, const uint8_t *keep)
{
	return db_run(db_query("DELETE FROM sessions WHERE user_id = :uid AND "
	    "id_hash IS NOT :keep", DB_INT(":uid", user_id),
	    DB_BLOB(":keep", keep, keep ? 32 : 0)));
}

/* store_session_expire: drop sessions idle for IDLE or older than MAX seconds. */
int
store_session_expire(int64_t idle, int64_t max)
{
	int64_t now = now_unix();

	return db_run(db_query("DELETE FROM sessions WHERE last_seen < :idle "
	    "OR created < :max", DB_INT(":idle", now - idle),
	    DB_INT(":max", now - max)));
}
