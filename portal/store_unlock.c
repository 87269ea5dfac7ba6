/* store_unlock.c: the SQL of unlocks (table unlocks): a subject opened by its validation code in one session. */
#include "portal.h"

/* store_unlock_put: SUBJECT_ID is unlocked in SESSION until UNTIL. 0, or -1. */
int
store_unlock_put(const uint8_t session[32], int64_t subject_id, int64_t until)
{
	return db_run(db_query("INSERT INTO unlocks (session_hash, subject_id, "
	    "until) VALUES (:h, :sid, :until) ON CONFLICT (session_hash, "
	    "subject_id) DO UPDATE SET until = :until",
	    DB_BLOB(":h", session, 32), DB_INT(":sid", subject_id),
	    DB_INT(":until", until)));
}

/* store_unlock_until: until when SUBJECT_ID is unlocked in SESSION; 0: not, -1: error. */
int64_t
store_unlock_until(const uint8_t session[32], int64_t subject_id)
{
	return db_value(db_query("SELECT until FROM unlocks WHERE session_hash "
	    "= :h AND subject_id = :sid", DB_BLOB(":h", session, 32),
	    DB_INT(":sid", subject_id)), 0);
}

/* store_unlock_drop: lock SUBJECT_ID again in every session of USER_ID. 0, or -1. */
int
store_unlock_drop(int64_t user_id, int64_t subject_id)
{
	return db_run(db_query("DELETE FROM unlocks WHERE subject_id = :sid AND "
	    "session_hash IN (SELECT id_hash FROM sessions WHERE user_id = :uid)",
	    DB_INT(":sid", subject_id), DB_INT(":uid", user_id)));
}
