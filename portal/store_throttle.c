/* store_throttle.c: the SQL of failure counts and delays (table throttle). */
#include "portal.h"

#define THROTTLE_FORGET	(24 * 3600)	/* a count this old starts again */

/*
 * store_throttle_until: the time until which KIND/KEY is blocked: 0 when
 * it is not (or was never counted), -1 on error.
 */
int64_t
store_throttle_until(const char *kind, const uint8_t key[32])
{
	return db_value(db_query("SELECT blocked_until FROM throttle WHERE "
	    "kind = :kind AND key = :key", DB_TEXT(":kind", kind),
	    DB_BLOB(":key", key, 32)), 0);
}

/*
 * store_throttle_fail: count one failure of KIND/KEY in one statement (two
 * racing failures are both counted). Once ALLOWANCE failures are reached the
 * subject is blocked for FIRST seconds, doubling per further failure up to
 * MAX; a count older than THROTTLE_FORGET starts again. 0, or -1.
 */
int
store_throttle_fail(const char *kind, const uint8_t key[32], int allowance,
    int64_t first, int64_t max)
{
	return db_run(db_query("INSERT INTO throttle (kind, key, failures, "
	    "last_failure, blocked_until) VALUES (:kind, :key, 1, :now, "
	    "CASE WHEN 1 >= :allow THEN :now + :first ELSE 0 END) "
	    "ON CONFLICT (kind, key) DO UPDATE SET "
	    "failures = CASE WHEN :now - last_failure > :forget THEN 1 "
	    "ELSE failures + 1 END, "
	    "blocked_until = CASE WHEN (CASE WHEN :now - last_failure > :forget "
	    "THEN 1 ELSE failures + 1 END) >= :allow THEN :now + min(:max, "
	    ":first << min(8, (CASE WHEN :now - last_failure > :forget THEN 1 "
	    "ELSE failures + 1 END) - :allow)) ELSE 0 END, "
	    "last_failure = :now", DB_TEXT(":kind", kind),
	    DB_BLOB(":key", key, 32), DB_INT(":now", now_unix()),
	    DB_INT(":allow", allowance), DB_INT(":first", first),
	    DB_INT(":max", max), DB_INT(":forget", THROTTLE_FORGET)));
}

/* store_throttle_clear: forget the failures of KIND/KEY. 0, or -1. */
int
store_throttle_clear(const char *kind, const uint8_t key[32])
{
	return db_run(db_query("DELETE FROM throttle WHERE kind = :kind AND "
	    "key = :key", DB_TEXT(":kind", kind), DB_BLOB(":key", key, 32)));
}

/* store_throttle_expire: drop counts that are forgotten and block nothing. */
int
store_throttle_expire(void)
{
	int64_t now = now_unix();

	return db_run(db_query("DELETE FROM throttle WHERE last_failure < :old "
	    "AND blocked_until < :now", DB_INT(":old", now - THROTTLE_FORGET),
	    DB_INT(":now", now)));
}
