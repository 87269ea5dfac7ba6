/* store_recovery.c: the SQL of recovery codes, reset links, device removal and authenticator resets. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

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
	sqlite3_stmt *st;
	int i;

	if ((st = db_prepare("DELETE FROM recovery_codes WHERE user_id = :uid"))
	    == NULL)
		return -1;
	db_bind_int(st, ":uid", a->user_id);
	if (db_run(st) == -1)
		return -1;
	for (i = 0; i < a->n; i++) {
		if ((st = db_prepare("INSERT INTO recovery_codes (user_id, "
		    "code_hash, created) VALUES (:uid, :h, :now)")) == NULL)
			return -1;
		db_bind_int(st, ":uid", a->user_id);
		db_bind_blob(st, ":h", a->hashes[i], 32);
		db_bind_int(st, ":now", now_unix());
		if (db_run(st) == -1)
			return -1;
	}
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
 * was unused (and now is used), -1 otherwise; two racing requests: one wins.
 */
int
store_recovery_use(int64_t user_id, const uint8_t hash[32])
{
	sqlite3_stmt *st = db_prepare("UPDATE recovery_codes SET used = :now "
	    "WHERE user_id = :uid AND code_hash = :h AND used IS NULL");

	if (st == NULL)
		return -1;
	db_bind_int(st, ":now", now_unix());
	db_bind_int(st, ":uid", user_id);
	db_bind_blob(st, ":h", hash, 32);
	if (db_run(st) == -1)
		return -1;
	return db_changes() == 1 ? 0 : -1;
}

/* store_recovery_count: the user's unused codes, or -1. */
int
store_recovery_count(int64_t user_id)
{
	sqlite3_stmt *st = db_prepare("SELECT count(*) FROM recovery_codes "
	    "WHERE user_id = :uid AND used IS NULL");
	int n = -1;

	if (st == NULL)
		return -1;
	db_bind_int(st, ":uid", user_id);
	if (db_step(st) == SQLITE_ROW)
		n = sqlite3_column_int(st, 0);
	db_done(st);
	return n;
}

/* store_reset_put: the user's one live reset link; an older one dies. 0, or -1. */
int
store_reset_put(int64_t user_id, const uint8_t hash[32], int64_t expires,
    const char *addr)
{
	sqlite3_stmt *st = db_prepare("INSERT INTO reset_tokens (user_id, "
	    "token_hash, created, expires, addr) VALUES (:uid, :h, :now, :exp, "
	    ":addr) ON CONFLICT (user_id) DO UPDATE SET token_hash = :h, "
	    "created = :now, expires = :exp, addr = :addr");

	if (st == NULL)
		return -1;
	db_bind_int(st, ":uid", user_id);
	db_bind_blob(st, ":h", hash, 32);
	db_bind_int(st, ":now", now_unix());
	db_bind_int(st, ":exp", expires);
	db_bind_text(st, ":addr", addr ? addr : "");
	return db_run(st);
}

/*
 * store_reset_take: spend the live reset link with HASH (single use).
 * Returns its user id, or -1 when there is none or it expired.
 */
int64_t
store_reset_take(const uint8_t hash[32])
{
	sqlite3_stmt *st = db_prepare("DELETE FROM reset_tokens WHERE "
	    "token_hash = :h AND expires > :now RETURNING user_id");
	int64_t uid = -1;

	if (st == NULL)
		return -1;
	db_bind_blob(st, ":h", hash, 32);
	db_bind_int(st, ":now", now_unix());
	if (db_step(st) == SQLITE_ROW)
		uid = sqlite3_column_int64(st, 0);
	db_done(st);
	return uid;
}

/*
 * store_device_remove: delete device ID of USER_ID unless it is their last
 * one, in one statement (two racing removals cannot both pass a count).
 * 0, or -1 when nothing was deleted.
 */
int
store_device_remove(int64_t user_id, int64_t id)
{
	sqlite3_stmt *st = db_prepare("DELETE FROM devices WHERE id = :id "
	    "AND user_id = :uid AND (SELECT count(*) FROM devices "
	    "WHERE user_id = :uid) > 1");

	if (st == NULL)
		return -1;
	db_bind_int(st, ":id", id);
	db_bind_int(st, ":uid", user_id);
	if (db_run(st) == -1)
		return -1;
	return db_changes() == 1 ? 0 : -1;
}

static int
otp_reset_tx(void *p)
{
	int64_t uid = *(int64_t *)p;
	sqlite3_stmt *st;

	if ((st = db_prepare("DELETE FROM devices WHERE user_id = :uid")) == NULL)
		return -1;
	db_bind_int(st, ":uid", uid);
	if (db_run(st) == -1)
		return -1;
	if ((st = db_prepare("DELETE FROM recovery_codes WHERE user_id = :uid"))
	    == NULL)
		return -1;
	db_bind_int(st, ":uid", uid);
	if (db_run(st) == -1)
		return -1;
	if ((st = db_prepare("DELETE FROM reset_tokens WHERE user_id = :uid"))
	    == NULL)
		return -1;
	db_bind_int(st, ":uid", uid);
	if (db_run(st) == -1)
		return -1;
	if ((st = db_prepare("DELETE FROM otp_reset_requests WHERE "
	    "user_id = :uid")) == NULL)
		return -1;
	db_bind_int(st, ":uid", uid);
	return db_run(st);
}

/*
 * store_otp_reset: remove every device, recovery code, reset link and
 * pending reset request of USER_ID, in one transaction. 0, or -1.
 */
int
store_otp_reset(int64_t user_id)
{
	return db_tx(otp_reset_tx, &user_id);
}

/* store_otp_request_put: record (or renew) the user's request for an authenticator reset. */
int
store_otp_request_put(int64_t user_id, const char *addr)
{
	sqlite3_stmt *st = db_prepare("INSERT INTO otp_reset_requests (user_id, "
	    "created, addr) VALUES (:uid, :now, :addr) ON CONFLICT (user_id) "
	    "DO UPDATE SET created = :now, addr = :addr");

	if (st == NULL)
		return -1;
	db_bind_int(st, ":uid", user_id);
	db_bind_int(st, ":now", now_unix());
	db_bind_text(st, ":addr", addr ? addr : "");
	return db_run(st);
}

void
otp_requests_free(struct otp_request *list, int n)
{
	int i;

	for (i = 0; i < n; i++) {
		free(list[i].email);
		free(list[i].addr);
	}
	free(list);
}

/* store_otp_requests: pending requests, oldest first, in *LIST (caller otp_requests_free()s). The count, or -1. */
int
store_otp_requests(struct otp_request **list)
{
	sqlite3_stmt *st = db_prepare("SELECT r.user_id, u.email, r.created, "
	    "r.addr FROM otp_reset_requests r JOIN users u ON u.id = r.user_id "
	    "ORDER BY r.created, r.user_id");
	int n = 0, cap = 0, rc;

	*list = NULL;
	if (st == NULL)
		return -1;
	while ((rc = db_step(st)) == SQLITE_ROW) {
		*list = xgrow(*list, n, &cap, sizeof **list);
		(*list)[n].user_id = sqlite3_column_int64(st, 0);
		(*list)[n].email = db_text(st, 1);
		(*list)[n].created = sqlite3_column_int64(st, 2);
		(*list)[n].addr = db_text(st, 3);
		n++;
	}
	db_done(st);
	if (rc != SQLITE_DONE) {
		otp_requests_free(*list, n);
		*list = NULL;
		return -1;
	}
	return n;
}

/* store_forgot_add: queue a "forgot" request for the background thread. */
int
store_forgot_add(const void *sealed, size_t len, const char *addr,
    int throttled)
{
	sqlite3_stmt *st = db_prepare("INSERT INTO forgot_requests (email, "
	    "addr, throttled, created) VALUES (:email, :addr, :thr, :now)");

	if (st == NULL)
		return -1;
	db_bind_blob(st, ":email", sealed, len);
	db_bind_text(st, ":addr", addr);
	db_bind_int(st, ":thr", throttled != 0);
	db_bind_int(st, ":now", now_unix());
	return db_run(st);
}

/*
 * store_forgot_take: remove the oldest request and return it: 1 with the
 * sealed email in *SEALED (caller frees) and ADDR filled, 0 when none, -1.
 */
int
store_forgot_take(uint8_t **sealed, size_t *len, char *addr, size_t addrlen,
    int *throttled)
{
	sqlite3_stmt *st = db_prepare("DELETE FROM forgot_requests WHERE id = "
	    "(SELECT min(id) FROM forgot_requests) RETURNING email, addr, "
	    "throttled");
	int rc, ret = 0;

	*sealed = NULL;
	if (st == NULL)
		return -1;
	if ((rc = db_step(st)) == SQLITE_ROW) {
		*len = (size_t)sqlite3_column_bytes(st, 0);
		*sealed = xmalloc(*len ? *len : 1);
		if (*len)
			memcpy(*sealed, sqlite3_column_blob(st, 0), *len);
		snprintf(addr, addrlen, "%s", sqlite3_column_text(st, 1) ?
		    (const char *)sqlite3_column_text(st, 1) : "");
		*throttled = sqlite3_column_int(st, 2);
		ret = 1;
	} else if (rc != SQLITE_DONE)
		ret = -1;
	while (rc == SQLITE_ROW)
		rc = sqlite3_step(st);
	db_done(st);
	return ret;
}
