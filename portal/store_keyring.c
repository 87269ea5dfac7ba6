/* store_keyring.c: the SQL of the key's fingerprint and the sealed hashing key (table keyring), and of every sealed value for a rotation. */
#include <stdlib.h>
#include <string.h>

#include "portal.h"

/*
 * store_keyring_exists: 1 when the database has the keyring (a database
 * not migrated yet may not), 0, -1 on error.
 */
int
store_keyring_exists(void)
{
	return (int)db_value(db_query("SELECT count(*) FROM sqlite_master WHERE "
	    "type = 'table' AND name = 'keyring'"), -1);
}

/*
 * store_keyring_get: the value NAME into *VAL (caller frees) and *LEN.
 * 1, 0 when there is none, -1 on error.
 */
int
store_keyring_get(const char *name, uint8_t **val, size_t *len)
{
	int rc = db_bytes(db_query("SELECT value FROM keyring WHERE name = "
	    ":name", DB_TEXT(":name", name)), val, len);

	if (rc == 1 && *val == NULL)
		*val = xcalloc(1, 1);
	return rc;
}

/* store_keyring_put: set NAME to the LEN bytes at VAL. 0, or -1. */
int
store_keyring_put(const char *name, const void *val, size_t len)
{
	return db_run(db_query("INSERT INTO keyring (name, value) VALUES "
	    "(:name, :value) ON CONFLICT (name) DO UPDATE SET value = :value",
	    DB_TEXT(":name", name), DB_BLOB(":value", val, len)));
}

/*
 * store_keyring_in_use: how many rows hold something made with the key:
 * sealed secrets, and keyed hashes of codes and tokens stored nowhere
 * else. 0 for a database a new key may start; -1 on error.
 */
int64_t
store_keyring_in_use(void)
{
	return db_value(db_query("SELECT (SELECT count(*) FROM devices) + "
	    "(SELECT count(*) FROM users WHERE enrol_secret IS NOT NULL) + "
	    "(SELECT count(*) FROM mail_queue WHERE sent IS NULL) + "
	    "(SELECT count(*) FROM forgot_requests) + "
	    "(SELECT count(*) FROM grants) + "
	    "(SELECT count(*) FROM recovery_codes) + "
	    "(SELECT count(*) FROM reset_tokens)"), -1);
}

#define F(k, f)	DB_COL(k, struct sealed, f)
const struct db_col store_keyring_sealed_fields[] = { F(I64, rowid),
    DB_COL_BLOB(struct sealed, blob, len), DB_COL_END };
#undef F

/*
 * The sealed values of each kind: how to read them (the row, the value)
 * and how to store one sealed again (:v in row :id).
 */
static const struct {
	const char	*rows;
	const char	*reseal;
} sealed_sql[SEALED_KINDS] = {
	[SEALED_DEVICE] = { "SELECT id, secret FROM devices ORDER BY id",
	    "UPDATE devices SET secret = :v WHERE id = :id" },
	[SEALED_PENDING] = { "SELECT id, enrol_secret FROM users WHERE "
	    "enrol_secret IS NOT NULL ORDER BY id",
	    "UPDATE users SET enrol_secret = :v WHERE id = :id" },
	[SEALED_MAIL] = { "SELECT id, message FROM mail_queue WHERE sent IS "
	    "NULL AND length(message) > 0 ORDER BY id",
	    "UPDATE mail_queue SET message = :v WHERE id = :id" },
	[SEALED_FORGOT] = { "SELECT id, email FROM forgot_requests ORDER BY id",
	    "UPDATE forgot_requests SET email = :v WHERE id = :id" },
};

/*
 * store_keyring_sealed: every sealed value of KIND (SEALED_*) with its row
 * into *LIST (caller store_free()s). The count, or -1.
 */
int
store_keyring_sealed(int kind, struct sealed **list)
{
	if (kind < 0 || kind >= SEALED_KINDS) {
		*list = NULL;
		return -1;
	}
	return db_list(db_query(sealed_sql[kind].rows), list, sizeof **list,
	    store_keyring_sealed_fields);
}

/* store_keyring_reseal: the sealed value of KIND in row ROWID becomes P. 0, or -1. */
int
store_keyring_reseal(int kind, int64_t rowid, const void *p, size_t n)
{
	if (kind < 0 || kind >= SEALED_KINDS)
		return -1;
	return db_changed(db_query(sealed_sql[kind].reseal, DB_BLOB(":v", p, n),
	    DB_INT(":id", rowid))) == 1 ? 0 : -1;
}
