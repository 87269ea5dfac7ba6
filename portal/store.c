/* store.c: the SQL of accounts, devices, sessions, audit and throttling. */
#include <stdlib.h>
#include <string.h>

#include <sqlite3.h>

#include "portal.h"

#define USER_COLS "id, email, name, is_admin, password_hash, password_temp, " \
	"disabled, lang"

static void
user_read(sqlite3_stmt *st, struct user *u)
{
	memset(u, 0, sizeof *u);
	u->id = sqlite3_column_int64(st, 0);
	u->email = db_text(st, 1);
	u->name = db_text(st, 2);
	u->is_admin = sqlite3_column_int(st, 3);
	u->password_hash = db_text(st, 4);
	u->password_temp = sqlite3_column_int(st, 5);
	u->disabled = sqlite3_column_int(st, 6);
	u->lang = db_text(st, 7);
}

/* user_clear: free what a store_user_* call filled in. */
void
user_clear(struct user *u)
{
	free(u->email);
	free(u->name);
	if (u->password_hash)
		explicit_bzero(u->password_hash, strlen(u->password_hash));
	free(u->password_hash);
	free(u->lang);
	memset(u, 0, sizeof *u);
}

static int
user_one(sqlite3_stmt *st, struct user *u)
{
	int rc = -1;

	memset(u, 0, sizeof *u);	/* user_clear() is safe after a miss */
	if (st == NULL)
		return -1;
	if (db_step(st) == SQLITE_ROW) {
		user_read(st, u);
		rc = 0;
	}
	db_done(st);
	return rc;
}

/* store_user_by_email: 0 and U filled (caller user_clear()s), or -1. */
int
store_user_by_email(const char *email, struct user *u)
{
	sqlite3_stmt *st = db_prepare("SELECT " USER_COLS
	    " FROM users WHERE email = :email");

	if (st == NULL)
		return -1;
	db_bind_text(st, ":email", email);
	return user_one(st, u);
}

/* store_user_by_id: 0 and U filled (caller user_clear()s), or -1. */
int
store_user_by_id(int64_t id, struct user *u)
{
	sqlite3_stmt *st = db_prepare("SELECT " USER_COLS
	    " FROM users WHERE id = :id");

	if (st == NULL)
		return -1;
	db_bind_int(st, ":id", id);
	return user_one(st, u);
}

/* store_user_create: the new id, or -1 (also when the email exists). */
int64_t
store_user_create(const char *email, const char *name, int admin,
    const char *hash)
{
	sqlite3_stmt *st = db_prepare("INSERT INTO users (email, name, "
	    "is_admin, password_hash, password_temp, created) VALUES "
	    "(:email, :name, :admin, :hash, 1, :now)");

	if (st == NULL)
		return -1;
	db_bind_text(st, ":email", email);
	db_bind_text(st, ":name", name ? name : "");
	db_bind_int(st, ":admin", admin != 0);
	db_bind_text(st, ":hash", hash);
	db_bind_int(st, ":now", now_unix());
	if (db_run(st) == -1)
		return -1;
	return db_last_id();
}

/*
 * store_user_set_password: store a new hash; TEMP marks it temporary. A
 * password reset link still out there dies with the old password.
 */
int
store_user_set_password(int64_t id, const char *hash, int temp)
{
	sqlite3_stmt *st = db_prepare("UPDATE users SET password_hash = :hash, "
	    "password_temp = :temp, password_changed = :now WHERE id = :id");

	if (st == NULL)
		return -1;
	db_bind_text(st, ":hash", hash);
	db_bind_int(st, ":temp", temp != 0);
	db_bind_int(st, ":now", now_unix());
	db_bind_int(st, ":id", id);
	if (db_run(st) == -1)
		return -1;
	if ((st = db_prepare("DELETE FROM reset_tokens WHERE user_id = :id"))
	    == NULL)
		return -1;
	db_bind_int(st, ":id", id);
	return db_run(st);
}

/* store_user_count: number of accounts, or -1. */
int64_t
store_user_count(void)
{
	sqlite3_stmt *st = db_prepare("SELECT count(*) FROM users");
	int64_t n = -1;

	if (st == NULL)
		return -1;
	if (db_step(st) == SQLITE_ROW)
		n = sqlite3_column_int64(st, 0);
	db_done(st);
	return n;
}

#define DEVICE_COLS "id, user_id, name, secret, last_step, created, last_used"

static void
device_read(sqlite3_stmt *st, struct device *d)
{
	const void *p;

	memset(d, 0, sizeof *d);
	d->id = sqlite3_column_int64(st, 0);
	d->user_id = sqlite3_column_int64(st, 1);
	d->name = db_text(st, 2);
	p = sqlite3_column_blob(st, 3);
	d->sealed_len = (size_t)sqlite3_column_bytes(st, 3);
	d->sealed = xmalloc(d->sealed_len);
	if (d->sealed_len)
		memcpy(d->sealed, p, d->sealed_len);
	d->last_step = sqlite3_column_int64(st, 4);
	d->created = sqlite3_column_int64(st, 5);
	d->last_used = sqlite3_column_int64(st, 6);
}

void
device_clear(struct device *d)
{
	free(d->name);
	free(d->sealed);
	memset(d, 0, sizeof *d);
}

/* devices_free: free a list from store_devices. */
void
devices_free(struct device *list, int n)
{
	int i;

	for (i = 0; i < n; i++)
		device_clear(&list[i]);
	free(list);
}

/*
 * store_devices: the user's devices, oldest first, in *LIST (caller
 * devices_free()s). Returns the count, or -1.
 */
int
store_devices(int64_t user_id, struct device **list)
{
	sqlite3_stmt *st = db_prepare("SELECT " DEVICE_COLS " FROM devices "
	    "WHERE user_id = :uid ORDER BY created, id");
	int n = 0, cap = 0, rc;

	*list = NULL;
	if (st == NULL)
		return -1;
	db_bind_int(st, ":uid", user_id);
	while ((rc = db_step(st)) == SQLITE_ROW) {
		*list = xgrow(*list, n, &cap, sizeof **list);
		device_read(st, &(*list)[n++]);
	}
	db_done(st);
	if (rc != SQLITE_DONE) {
		devices_free(*list, n);
		*list = NULL;
		return -1;
	}
	return n;
}

/* store_device_get: the device ID if it belongs to USER_ID; 0, or -1. */
int
store_device_get(int64_t user_id, int64_t id, struct device *d)
{
	sqlite3_stmt *st = db_prepare("SELECT " DEVICE_COLS " FROM devices "
	    "WHERE id = :id AND user_id = :uid");
	int rc = -1;

	if (st == NULL)
		return -1;
	db_bind_int(st, ":id", id);
	db_bind_int(st, ":uid", user_id);
	if (db_step(st) == SQLITE_ROW) {
		device_read(st, d);
		rc = 0;
	}
	db_done(st);
	return rc;
}

/* store_device_count: the user's devices, or -1. */
int
store_device_count(int64_t user_id)
{
	sqlite3_stmt *st = db_prepare("SELECT count(*) FROM devices "
	    "WHERE user_id = :uid");
	int n = -1;

	if (st == NULL)
		return -1;
	db_bind_int(st, ":uid", user_id);
	if (db_step(st) == SQLITE_ROW)
		n = sqlite3_column_int(st, 0);
	db_done(st);
	return n;
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
	sqlite3_stmt *st = db_prepare("INSERT INTO devices (user_id, name, "
	    "secret, last_step, created, last_used) VALUES (:uid, :name, "
	    ":secret, :step, :now, :now)");
	int rc;

	if (st == NULL)
		return -1;
	db_bind_int(st, ":uid", user_id);
	db_bind_text(st, ":name", name);
	db_bind_blob(st, ":secret", sealed, len);
	db_bind_int(st, ":step", step);
	db_bind_int(st, ":now", now_unix());
	rc = db_step(st);
	db_done(st);
	if (rc == SQLITE_CONSTRAINT)
		return -2;
	if (rc != SQLITE_DONE)
		return -1;
	return db_last_id();
}

/*
 * store_device_use: record that the code of STEP was accepted, only if no
 * code of that step or a later one was (two racing requests with the same
 * code: one wins). Returns 0, or -1 for a replay or an error.
 */
int
store_device_use(int64_t id, int64_t step)
{
	sqlite3_stmt *st = db_prepare("UPDATE devices SET last_step = :step, "
	    "last_used = :now WHERE id = :id AND last_step < :step");

	if (st == NULL)
		return -1;
	db_bind_int(st, ":step", step);
	db_bind_int(st, ":now", now_unix());
	db_bind_int(st, ":id", id);
	if (db_run(st) == -1)
		return -1;
	return db_changes() == 1 ? 0 : -1;
}

/* store_audit: append one audit event; DETAIL never holds a secret. */
void
store_audit(int64_t user_id, int64_t actor_id, const char *event,
    const char *addr, const char *detail)
{
	sqlite3_stmt *st = db_prepare("INSERT INTO audit (at, user_id, "
	    "actor_id, event, addr, detail) VALUES (:at, :uid, :actor, "
	    ":event, :addr, :detail)");

	if (st == NULL)
		return;
	db_bind_int(st, ":at", now_unix());
	if (user_id > 0)
		db_bind_int(st, ":uid", user_id);
	else
		db_bind_null(st, ":uid");
	if (actor_id > 0)
		db_bind_int(st, ":actor", actor_id);
	else
		db_bind_null(st, ":actor");
	db_bind_text(st, ":event", event);
	db_bind_text(st, ":addr", addr ? addr : "");
	db_bind_text(st, ":detail", detail ? detail : "");
	if (db_run(st) == -1)
		logmsg("audit: could not record %s", event);
}

/*
 * store_throttle_get: failures so far and the time until which KIND/KEY is
 * blocked. Returns 0 (zeros when unknown), or -1.
 */
int
store_throttle_get(const char *kind, const uint8_t key[32], int64_t *failures,
    int64_t *last, int64_t *blocked_until)
{
	sqlite3_stmt *st = db_prepare("SELECT failures, last_failure, "
	    "blocked_until FROM throttle WHERE kind = :kind AND key = :key");
	int rc;

	*failures = *last = *blocked_until = 0;
	if (st == NULL)
		return -1;
	db_bind_text(st, ":kind", kind);
	db_bind_blob(st, ":key", key, 32);
	if ((rc = db_step(st)) == SQLITE_ROW) {
		*failures = sqlite3_column_int64(st, 0);
		*last = sqlite3_column_int64(st, 1);
		*blocked_until = sqlite3_column_int64(st, 2);
	}
	db_done(st);
	return rc == SQLITE_ROW || rc == SQLITE_DONE ? 0 : -1;
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
	sqlite3_stmt *st = db_prepare("INSERT INTO throttle (kind, key, "
	    "failures, last_failure, blocked_until) VALUES (:kind, :key, 1, "
	    ":now, CASE WHEN 1 >= :allow THEN :now + :first ELSE 0 END) "
	    "ON CONFLICT (kind, key) DO UPDATE SET "
	    "failures = CASE WHEN :now - last_failure > :forget THEN 1 "
	    "ELSE failures + 1 END, "
	    "blocked_until = CASE WHEN (CASE WHEN :now - last_failure > :forget "
	    "THEN 1 ELSE failures + 1 END) >= :allow THEN :now + min(:max, "
	    ":first << min(8, (CASE WHEN :now - last_failure > :forget THEN 1 "
	    "ELSE failures + 1 END) - :allow)) ELSE 0 END, "
	    "last_failure = :now");

	if (st == NULL)
		return -1;
	db_bind_text(st, ":kind", kind);
	db_bind_blob(st, ":key", key, 32);
	db_bind_int(st, ":now", now_unix());
	db_bind_int(st, ":allow", allowance);
	db_bind_int(st, ":first", first);
	db_bind_int(st, ":max", max);
	db_bind_int(st, ":forget", THROTTLE_FORGET);
	return db_run(st);
}

int
store_throttle_clear(const char *kind, const uint8_t key[32])
{
	sqlite3_stmt *st = db_prepare("DELETE FROM throttle "
	    "WHERE kind = :kind AND key = :key");

	if (st == NULL)
		return -1;
	db_bind_text(st, ":kind", kind);
	db_bind_blob(st, ":key", key, 32);
	return db_run(st);
}

/* store_housekeeping: drop sessions and throttle rows past any use. */
void
store_housekeeping(int64_t idle, int64_t max)
{
	sqlite3_stmt *st = db_prepare("DELETE FROM sessions WHERE "
	    "last_seen < :idle OR created < :max");
	int64_t now = now_unix();

	if (st != NULL) {
		db_bind_int(st, ":idle", now - idle);
		db_bind_int(st, ":max", now - max);
		db_run(st);
	}
	st = db_prepare("DELETE FROM throttle WHERE last_failure < :old "
	    "AND blocked_until < :now");
	if (st != NULL) {
		db_bind_int(st, ":old", now - THROTTLE_FORGET);
		db_bind_int(st, ":now", now);
		db_run(st);
	}
}
