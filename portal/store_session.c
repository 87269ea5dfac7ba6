/* store_session.c: the SQL of sessions, keyed by the SHA-256 of their cookie value. */
#include <stdlib.h>

#include "portal.h"

struct session_row {
	int64_t	 user_id;
	int	 stage;
	int64_t	 created;
	int64_t	 last_seen;
	uint8_t	*pending;
	size_t	 pending_len;
};

#define F(k, f)	DB_COL(k, struct session_row, f)
static const struct db_col session_fields[] = { F(I64, user_id), F(INT, stage),
    F(I64, created), F(I64, last_seen),
    DB_COL_BLOB(struct session_row, pending, pending_len), DB_COL_END };
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
	    "pending_secret FROM sessions WHERE id_hash = :h",
	    DB_BLOB(":h", hash, 32)), &r, sizeof r, session_fields)) != 1)
		return rc;
	s->user_id = r.user_id;
	s->stage = r.stage;
	s->created = r.created;
	s->last_seen = r.last_seen;
	free(s->pending);
	s->pending = r.pending;
	s->pending_len = r.pending_len;
	return 1;
}

/* store_session_get: store_session_find; 0, or -1 when unknown (or on error). */
int
store_session_get(const uint8_t hash[32], struct session *s)
{
	return store_session_find(hash, s) == 1 ? 0 : -1;
}

/* store_session_put: insert the row of S under HASH. 0, or -1. */
int
store_session_put(const uint8_t hash[32], const struct session *s,
    const char *addr)
{
	return db_run(db_query("INSERT INTO sessions (id_hash, user_id, stage, "
	    "created, last_seen, pending_secret, addr) VALUES (:h, :uid, "
	    ":stage, :created, :seen, :pending, :addr)", DB_BLOB(":h", hash, 32),
	    DB_ID(":uid", s->user_id), DB_INT(":stage", s->stage),
	    DB_INT(":created", s->created), DB_INT(":seen", s->last_seen),
	    DB_BLOB(":pending", s->pending, s->pending_len),
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

/* store_session_set_pending: the sealed enrolment secret of session HASH (NULL: none). */
int
store_session_set_pending(const uint8_t hash[32], const void *p, size_t n)
{
	return db_run(db_query("UPDATE sessions SET pending_secret = :p WHERE "
	    "id_hash = :h", DB_BLOB(":p", p, n), DB_BLOB(":h", hash, 32)));
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
