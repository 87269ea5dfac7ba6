/*
 * store_reset.c: the SQL of resets: mailed reset links (reset_tokens), the
 * queue of "forgot" requests (forgot_requests), requests for an
 * authenticator reset (otp_reset_requests), and the reset itself.
 */
#include "portal.h"

/*
 * store_reset_link_put: one more live reset link of the user; the others
 * stay live (a stranger's request must not void the owner's). Expired
 * links go. 0, or -1.
 */
int
store_reset_link_put(int64_t user_id, const uint8_t hash[32], int64_t expires,
    const char *addr)
{
	if (db_run(db_query("DELETE FROM reset_tokens WHERE expires <= :now",
	    DB_INT(":now", now_unix()))) == -1)
		return -1;
	return db_run(db_query("INSERT INTO reset_tokens (user_id, token_hash, "
	    "created, expires, addr) VALUES (:uid, :h, :now, :exp, :addr)",
	    DB_INT(":uid", user_id), DB_BLOB(":h", hash, 32),
	    DB_INT(":now", now_unix()), DB_INT(":exp", expires),
	    DB_TEXT(":addr", addr ? addr : "")));
}

/*
 * store_reset_link_take: spend the live reset link with HASH (single use).
 * Returns its user id, or -1 when there is none or it expired.
 */
int64_t
store_reset_link_take(const uint8_t hash[32])
{
	return db_value(db_query("DELETE FROM reset_tokens WHERE token_hash = "
	    ":h AND expires > :now RETURNING user_id", DB_BLOB(":h", hash, 32),
	    DB_INT(":now", now_unix())), -1);
}

/* store_reset_forgot_add: queue a "forgot" request (the email sealed) for the worker. */
int
store_reset_forgot_add(const void *sealed, size_t len, const char *addr,
    int throttled)
{
	return db_run(db_query("INSERT INTO forgot_requests (email, addr, "
	    "throttled, created) VALUES (:email, :addr, :thr, :now)",
	    DB_BLOB(":email", sealed, len), DB_TEXT(":addr", addr),
	    DB_INT(":thr", throttled != 0), DB_INT(":now", now_unix())));
}

const struct db_col store_reset_forgot_fields[] = {
    DB_COL_BLOB(struct forgot_request, sealed, sealed_len),
    DB_COL_CHARS(struct forgot_request, addr),
    DB_COL(INT, struct forgot_request, throttled), DB_COL_END };

/*
 * store_reset_forgot_take: remove the oldest "forgot" request and return
 * it: 1 with F filled (caller store_clear()s), 0 when there is none or on
 * error.
 */
int
store_reset_forgot_take(struct forgot_request *f)
{
	return db_row(db_query("DELETE FROM forgot_requests WHERE id = (SELECT "
	    "min(id) FROM forgot_requests) RETURNING email, addr, throttled"),
	    f, sizeof *f, store_reset_forgot_fields) == 0;
}

/* store_reset_request_put: record (or renew) the user's request for an authenticator reset. */
int
store_reset_request_put(int64_t user_id, const char *addr)
{
	return db_run(db_query("INSERT INTO otp_reset_requests (user_id, "
	    "created, addr) VALUES (:uid, :now, :addr) ON CONFLICT (user_id) "
	    "DO UPDATE SET created = :now, addr = :addr",
	    DB_INT(":uid", user_id), DB_INT(":now", now_unix()),
	    DB_TEXT(":addr", addr ? addr : "")));
}

#define F(k, f)	DB_COL(k, struct reset_request, f)
const struct db_col store_reset_request_fields[] = { F(I64, user_id),
    F(TEXT, email), F(I64, created), F(TEXT, addr), DB_COL_END };
#undef F

/*
 * store_reset_request_list: pending requests for an authenticator reset,
 * oldest first, in *LIST (caller store_free()s). The
 * count, or -1.
 */
int
store_reset_request_list(struct reset_request **list)
{
	return db_list(db_query("SELECT r.user_id, u.email, r.created, r.addr "
	    "FROM otp_reset_requests r JOIN users u ON u.id = r.user_id "
	    "ORDER BY r.created, r.user_id"), list, sizeof **list,
	    store_reset_request_fields);
}

/* store_reset_request_of: when USER_ID asked for an authenticator reset (0: no request), or -1. */
int64_t
store_reset_request_of(int64_t user_id)
{
	return db_value(db_query("SELECT created FROM otp_reset_requests WHERE "
	    "user_id = :uid", DB_INT(":uid", user_id)), 0);
}

/* store_reset_request_delete: close USER_ID's request. 1 when there was one, 0, -1. */
int
store_reset_request_delete(int64_t user_id)
{
	int n = db_changed(db_query("DELETE FROM otp_reset_requests WHERE "
	    "user_id = :uid", DB_INT(":uid", user_id)));

	return n < 0 ? -1 : n > 0;
}

static int
otp_reset_tx(void *p)
{
	int64_t uid = *(int64_t *)p;

	if (db_run(db_query("DELETE FROM devices WHERE user_id = :uid",
	    DB_INT(":uid", uid))) == -1 ||
	    db_run(db_query("DELETE FROM recovery_codes WHERE user_id = :uid",
	    DB_INT(":uid", uid))) == -1 ||
	    db_run(db_query("DELETE FROM reset_tokens WHERE user_id = :uid",
	    DB_INT(":uid", uid))) == -1 ||
	    db_run(db_query("UPDATE users SET enrol_secret = NULL WHERE "
	    "id = :uid", DB_INT(":uid", uid))) == -1)
		return -1;
	return db_run(db_query("DELETE FROM otp_reset_requests WHERE "
	    "user_id = :uid", DB_INT(":uid", uid)));
}

/*
 * store_reset_otp: remove every device, recovery code, reset link,
 * enrolment in progress and pending reset request of USER_ID, in one
 * transaction. 0, or -1.
 */
int
store_reset_otp(int64_t user_id)
{
	return db_tx(otp_reset_tx, &user_id);
}
