/* store_mail.c: the SQL of the durable mail queue (table mail_queue). */
#include <sqlite3.h>

#include "portal.h"

/* store_mail_add: queue a sealed message for RCPT. 0, or -1. */
int
store_mail_add(const char *rcpt, const void *sealed, size_t len)
{
	return db_run(db_query("INSERT INTO mail_queue (rcpt, message, created, "
	    "next_try) VALUES (:rcpt, :msg, :now, :now)", DB_TEXT(":rcpt", rcpt),
	    DB_BLOB(":msg", sealed, len), DB_INT(":now", now_unix())));
}

#define F(k, f)	DB_COL(k, struct queued_mail, f)
const struct db_col store_mail_fields[] = { F(I64, id), F(TEXT, rcpt),
    DB_COL_BLOB(struct queued_mail, sealed, sealed_len), F(INT, attempts),
    DB_COL_END };
#undef F

/*
 * store_mail_claim: claim the oldest due message for LEASE seconds so no
 * other process sends it meanwhile. Returns 1 with the row in *M (caller
 * store_clear()s), 0 when nothing is due or on error.
 */
int
store_mail_claim(struct queued_mail *m, int64_t lease)
{
	int64_t now = now_unix();

	return db_row(db_query("UPDATE mail_queue SET claimed_until = :until "
	    "WHERE id = (SELECT id FROM mail_queue WHERE sent IS NULL AND "
	    "next_try <= :now AND claimed_until < :now ORDER BY id LIMIT 1) "
	    "RETURNING id, rcpt, message, attempts",
	    DB_INT(":until", now + lease), DB_INT(":now", now)), m, sizeof *m,
	    store_mail_fields) == 0;
}

/* store_mail_sent: mark delivered and drop the message text. */
int
store_mail_sent(int64_t id)
{
	return db_run(db_query("UPDATE mail_queue SET sent = :now, message = "
	    "X'', last_error = NULL WHERE id = :id", DB_INT(":now", now_unix()),
	    DB_INT(":id", id)));
}

/* store_mail_failed: count a failed attempt and retry at NEXT. */
int
store_mail_failed(int64_t id, int64_t next, const char *error)
{
	return db_run(db_query("UPDATE mail_queue SET attempts = attempts + 1, "
	    "next_try = :next, claimed_until = 0, last_error = :err WHERE "
	    "id = :id", DB_INT(":next", next), DB_TEXT(":err", error),
	    DB_INT(":id", id)));
}

/*
 * store_mail_list: call FN for each undelivered message (no contents):
 * id, recipient, attempts, next try, last error. Returns 0, or -1.
 */
int
store_mail_list(void (*fn)(int64_t, const char *, int, int64_t, const char *))
{
	sqlite3_stmt *st = db_query("SELECT id, rcpt, attempts, next_try, "
	    "last_error FROM mail_queue WHERE sent IS NULL ORDER BY id");
	int rc;

	while ((rc = db_step(st)) == SQLITE_ROW)
		fn(sqlite3_column_int64(st, 0),
		    (const char *)sqlite3_column_text(st, 1),
		    sqlite3_column_int(st, 2), sqlite3_column_int64(st, 3),
		    (const char *)sqlite3_column_text(st, 4));
	db_done(st);
	return rc == SQLITE_DONE ? 0 : -1;
}

/* store_mail_retry_now: make every undelivered message due now; how many, or -1. */
int
store_mail_retry_now(void)
{
	return db_changed(db_query("UPDATE mail_queue SET next_try = 0, "
	    "claimed_until = 0 WHERE sent IS NULL"));
}

/*
 * store_mail_pending: the messages not delivered yet, with in *OLDEST when
 * the oldest of them was queued (0: none). The count, or -1.
 */
int64_t
store_mail_pending(int64_t *oldest)
{
	sqlite3_stmt *st = db_query("SELECT count(*), coalesce(min(created), 0) "
	    "FROM mail_queue WHERE sent IS NULL");
	int64_t n = -1;

	*oldest = 0;
	if (st != NULL && db_step(st) == SQLITE_ROW) {
		n = sqlite3_column_int64(st, 0);
		*oldest = sqlite3_column_int64(st, 1);
	}
	db_done(st);
	return n;
}

/*
 * store_mail_expire: delete the rows of messages delivered before BEFORE
 * (their text was dropped on delivery). How many, or -1.
 */
int
store_mail_expire(int64_t before)
{
	return db_changed(db_query("DELETE FROM mail_queue WHERE sent IS NOT "
	    "NULL AND sent < :before", DB_INT(":before", before)));
}
