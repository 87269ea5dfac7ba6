/* store_recovery.c: the SQL of recovery codes (table recovery_codes), kept as keyed hashes. */
#include <sqlite3.h>

#include "portal.h"

struct replace_arg {
	int64_t	  user_id;
	uint8_t	(*hashes)[32];
	int	  n;
};

static int
replace_tx(void *p)
{
	struct replace_arg *a = p;
	int i;

	if (db_run(db_query("DELETE FROM recovery_codes WHERE user_id = :uid",
	    DB_INT(":uid", a->user_id))) == -1)
		return -1;
	for (i = 0; i < a->n; i++)
		if (db_run(db_query("INSERT INTO recovery_codes (user_id, "
		    "code_hash, created) VALUES (:uid, :h, :now)",
		    DB_INT(":uid", a->user_id), DB_BLOB(":h", a->hashes[i], 32),
		    DB_INT(":now", now_unix()))) == -1)
			return -1;
	return 0;
}

/* store_recovery_replace: the user's codes become the N HASHES, all at once. 0, or -1. */
int
store_recovery_replace(int64_t user_id, uint8_t hashes[][32], int n)
{
	struct replace_arg a = { user_id, hashes, n };

	return db_tx(replace_tx, &a);
}

/*
 * store_recovery_use: spend the unused code of USER_ID with HASH. 0 when it
 * was unused (and now is used), -1 when it was not, -2 when the database
 * failed; two racing requests: one wins.
 */
int
store_recovery_use(int64_t user_id, const uint8_t hash[32])
{
	int n = db_changed(db_query("UPDATE recovery_codes SET used = :now WHERE "
	    "user_id = :uid AND code_hash = :h AND used IS NULL",
	    DB_INT(":now", now_unix()), DB_INT(":uid", user_id),
	    DB_BLOB(":h", hash, 32)));

	return n == 1 ? 0 : n == 0 ? -1 : -2;
}

/* store_recovery_count: the user's unused codes, or -1. */
int
store_recovery_count(int64_t user_id)
{
	return (int)db_value(db_query("SELECT count(*) FROM recovery_codes "
	    "WHERE user_id = :uid AND used IS NULL", DB_INT(":uid", user_id)),
	    -1);
}
