/* store_device.c: the SQL of authenticator devices (table devices). */
#include "portal.h"

#define DEVICE_COLS "id, user_id, name, secret, last_step, created, last_used"
#define F(k, f)	DB_COL(k, struct device, f)
const struct db_col store_device_fields[] = { F(I64, id), F(I64, user_id),
    F(TEXT, name), DB_COL_BLOB(struct device, sealed, sealed_len),
    F(I64, last_step), F(I64, created), F(I64, last_used), DB_COL_END };
#undef F

/*
 * store_device_list: the user's devices, oldest first, in *LIST (caller
 * store_free()s). Returns the count, or -1.
 */
int
store_device_list(int64_t user_id, struct device **list)
{
	return db_list(db_query("SELECT " DEVICE_COLS " FROM devices WHERE "
	    "user_id = :uid ORDER BY created, id", DB_INT(":uid", user_id)),
	    list, sizeof **list, store_device_fields);
}

/* store_device_get: device ID if it belongs to USER_ID; 0 (caller store_clear()s), or -1. */
int
store_device_get(int64_t user_id, int64_t id, struct device *d)
{
	return db_row(db_query("SELECT " DEVICE_COLS " FROM devices WHERE "
	    "id = :id AND user_id = :uid", DB_INT(":id", id),
	    DB_INT(":uid", user_id)), d, sizeof *d, store_device_fields);
}

/* store_device_count: the user's devices, or -1. */
int
store_device_count(int64_t user_id)
{
	return (int)db_value(db_query("SELECT count(*) FROM devices WHERE "
	    "user_id = :uid", DB_INT(":uid", user_id)), -1);
}

/*
 * store_device_add: a device with a sealed secret whose code for STEP was
 * just accepted. Returns the id, -2 when the user has a device of that name,
 * -1 on error.
 */
int64_t
store_device_add(int64_t user_id, const char *name, const void *sealed,
    size_t len, int64_t step)
{
	return db_insert(db_query("INSERT INTO devices (user_id, name, secret, "
	    "last_step, created, last_used) VALUES (:uid, :name, :secret, "
	    ":step, :now, :now)", DB_INT(":uid", user_id), DB_TEXT(":name", name),
	    DB_BLOB(":secret", sealed, len), DB_INT(":step", step),
	    DB_INT(":now", now_unix())));
}

/*
 * store_device_use: record that the code of STEP was accepted, only if no
 * code of that step or a later one was (two racing requests with the same
 * code: one wins). Returns 0, -1 for a replay, -2 when the database failed.
 */
int
store_device_use(int64_t id, int64_t step)
{
	int n = db_changed(db_query("UPDATE devices SET last_step = :step, "
	    "last_used = :now WHERE id = :id AND last_step < :step",
	    DB_INT(":step", step), DB_INT(":now", now_unix()),
	    DB_INT(":id", id)));

	return n == 1 ? 0 : n == 0 ? -1 : -2;
}

/*
 * store_device_remove: delete device ID of USER_ID unless it is their last
 * one, in one statement (two racing removals cannot both pass a count).
 * 0, or -1 when nothing was deleted.
 */
int
store_device_remove(int64_t user_id, int64_t id)
{
	return db_changed(db_query("DELETE FROM devices WHERE id = :id AND "
	    "user_id = :uid AND (SELECT count(*) FROM devices WHERE "
	    "user_id = :uid) > 1", DB_INT(":id", id),
	    DB_INT(":uid", user_id))) == 1 ? 0 : -1;
}
