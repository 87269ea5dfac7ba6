/* store_session.c: the SQL of sessions, keyed by the SHA-256 of their cookie value. */
#include <stdlib.h>
#include <string.h>

#include <sqlite3.h>

#include "portal.h"

/* store_session_get: fill S's row fields for HASH; 0, or -1 when unknown. */
int
store_session_get(const uint8_t hash[32], struct session *s)
{
	sqlite3_stmt *st = db_prepare("SELECT user_id, stage, created, "
	    "last_seen, pending_secret FROM sessions WHERE id_hash = :h");
	int rc = -1;

	if (st == NULL)
		return -1;
	db_bind_blob(st, ":h", hash, 32);
	if (db_step(st) == SQLITE_ROW) {
		const void *p = sqlite3_column_blob(st, 4);

		s->user_id = sqlite3_column_int64(st, 0);
		s->stage = sqlite3_column_int(st, 1);
		s->created = sqlite3_column_int64(st, 2);
		s->last_seen = sqlite3_column_int64(st, 3);
		free(s->pending);
		s->pending = NULL;
		s->pending_len = 0;
		if (p != NULL) {
			s->pending_len = (size_t)sqlite3_column_bytes(st, 4);
			s->pending = xmalloc(s->pending_len);
			memcpy(s->pending, p, s->pending_len);
		}
		rc = 0;
	}
	db_done(st);
	return rc;
}

/* store_session_put: insert the row of S under HASH. 0, or -1. */
int
store_session_put(const uint8_t hash[32], const struct session *s,
    const char *addr)
{
	sqlite3_stmt *st = db_prepare("INSERT INTO sessions (id_hash, user_id, "
	    "stage, created, last_seen, pending_secret, addr) VALUES (:h, :uid, "
	    ":stage, :created, :seen, :pending, :addr)");

	if (st == NULL)
		return -1;
	db_bind_blob(st, ":h", hash, 32);
	if (s->user_id > 0)
		db_bind_int(st, ":uid", s->user_id);
	else
		db_bind_null(st, ":uid");
	db_bind_int(st, ":stage", s->stage);
	db_bind_int(st, ":created", s->created);
	db_bind_int(st, ":seen", s->last_seen);
	db_bind_blob(st, ":pending", s->pending, s->pending_len);
	db_bind_text(st, ":addr", addr ? addr : "");
	return db_run(st);
}

int
store_session_delete(const uint8_t hash[32])
{
	sqlite3_stmt *st = db_prepare("DELETE FROM sessions WHERE id_hash = :h");

	if (st == NULL)
		return -1;
	db_bind_blob(st, ":h", hash, 32);
	return db_run(st);
}

int
store_session_touch(const uint8_t hash[32], int64_t now)
{
	sqlite3_stmt *st = db_prepare("UPDATE sessions SET last_seen = :now "
	    "WHERE id_hash = :h");

	if (st == NULL)
		return -1;
	db_bind_int(st, ":now", now);
	db_bind_blob(st, ":h", hash, 32);
	return db_run(st);
}

int
store_session_set_pending(const uint8_t hash[32], const void *p, size_t n)
{
	sqlite3_stmt *st = db_prepare("UPDATE sessions SET pending_secret = :p "
	    "WHERE id_hash = :h");

	if (st == NULL)
		return -1;
	db_bind_blob(st, ":p", p, n);
	db_bind_blob(st, ":h", hash, 32);
	return db_run(st);
}

/* store_sessions_end_user: end every session of USER_ID except KEEP (may be NULL). */
int
store_sessions_end_user(int64_t user_id, const uint8_t *keep)
{
	sqlite3_stmt *st = db_prepare("DELETE FROM sessions WHERE "
	    "user_id = :uid AND id_hash IS NOT :keep");

	if (st == NULL)
		return -1;
	db_bind_int(st, ":uid", user_id);
	db_bind_blob(st, ":keep", keep, keep ? 32 : 0);
	return db_run(st);
}
