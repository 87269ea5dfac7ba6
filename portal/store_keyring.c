/* store_keyring.c: the SQL of the key's fingerprint and the sealed hashing key (table keyring), and of every sealed value for a rotation. */
#include <stdlib.h>
#include <string.h>

#include "portal.h"

struct value_row {
	uint8_t	*p;
	size_t	 len;
};

static const struct db_col value_fields[] = {
	DB_COL_BLOB(struct value_row, p, len), DB_COL_END
};

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
	struct value_row v;
	int rc;

	*val = NULL;
	*len = 0;
	rc = db_find(db_query("SELECT value FROM keyring WHERE name = :name",
	    DB_TEXT(":name", name)), &v, sizeof v, value_fields);
	if (rc == 1) {
		*val = v.p != NULL ? v.p : xcalloc(1, 1);
		*len = v.len;
	}
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
	    "(SELECT count(*) FROM sessions WHERE pending_secret IS NOT NULL) + "
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
 * store_keyring_sealed: every sealed value of KIND (SEALED_*) with its row
 * into *LIST (caller store_free()s). The count, or -1.
 */
int
store_keyring_sealed(int kind, struct sealed **list)
{
	sqlite3_stmt *st;

	switch (kind) {
	case SEALED_DEVICE:
		st = db_query("SELECT id, secret FROM devices ORDER BY id");
		break;
	case SEALED_PENDING:
		st = db_query("SELECT rowid, pending_secret FROM sessions "
		    "WHERE pending_secret IS NOT NULL ORDER BY rowid");
		break;
	case SEALED_MAIL:
		st = db_query("SELECT id, message FROM mail_queue WHERE "
		    "sent IS NULL AND length(message) > 0 ORDER BY id");
		break;
	case SEALED_FORGOT:
		st = db_query("SELECT id, email FROM forgot_requests ORDER BY id");
		break;
	default:
		*list = NULL;
		return -1;
	}
	return db_list(st, list, sizeof **list, store_keyring_sealed_fields);
}

/* store_keyring_reseal: the sealed value of KIND in row ROWID becomes P. 0, or -1. */
int
store_keyring_reseal(int kind, int64_t rowid, const void *p, size_t n)
{
	sqlite3_stmt *st;

	switch (kind) {
	case SEALED_DEVICE:
		st = db_query("UPDATE devices SET secret = :v WHERE id = :id",
		    DB_BLOB(":v", p, n), DB_INT(":id", rowid));
		break;
	case SEALED_PENDING:
		st = db_query("UPDATE sessions SET pending_secret = :v WHERE "
		    "rowid = :id", DB_BLOB(":v", p, n), DB_INT(":id", rowid));
		break;
	case SEALED_MAIL:
		st = db_query("UPDATE mail_queue SET message = :v WHERE id = :id",
		    DB_BLOB(":v", p, n), DB_INT(":id", rowid));
		break;
	case SEALED_FORGOT:
		st = db_query("UPDATE forgot_requests SET email = :v WHERE "
		    "id = :id", DB_BLOB(":v", p, n), DB_INT(":id", rowid));
		break;
	default:
		return -1;
	}
	return db_changed(st) == 1 ? 0 : -1;
}
