/* store_mail.c: the SQL of the durable mail queue. */
#include <stdlib.h>
#include <string.h>

#include <sqlite3.h>

#include "portal.h"

/* store_mail_add: queue a sealed message for RCPT. 0, or -1. */
int
store_mail_add(const char *rcpt, const void *sealed, size_t len)
{
	sqlite3_stmt *st = db_prepare("INSERT INTO mail_queue (rcpt, message, "
	    "created, next_try) VALUES (:rcpt, :msg, :now, :now)");

	if (st == NULL)
		return -1;
	db_bind_text(st, ":rcpt", rcpt);
	db_bind_blob(st, ":msg", sealed, len);
	db_bind_int(st, ":now", now_unix());
	return db_run(st);
}

/*
 * store_mail_claim: claim the oldest due message for LEASE seconds so no
 * other process sends it meanwhile. Returns 1 with the row in *M (caller
 * frees m->rcpt and m->sealed), 0 when nothing is due, -1 on error.
 */
int
store_mail_claim(struct queued_mail *m, int64_t lease)
{
	sqlite3_stmt *st = db_prepare("UPDATE mail_queue SET claimed_until = "
	    ":until WHERE id = (SELECT id FROM mail_queue WHERE sent IS NULL "
	    "AND next_try <= :now AND claimed_until < :now ORDER BY id "
	    "LIMIT 1) RETURNING id, rcpt, message, attempts");
	int64_t now = now_unix();
	int rc, ret = 0;

	memset(m, 0, sizeof *m);
	if (st == NULL)
		return -1;
	db_bind_int(st, ":until", now + lease);
	db_bind_int(st, ":now", now);
	if ((rc = db_step(st)) == SQLITE_ROW) {
		const void *p = sqlite3_column_blob(st, 2);

		m->id = sqlite3_column_int64(st, 0);
		m->rcpt = db_text(st, 1);
		m->sealed_len = (size_t)sqlite3_column_bytes(st, 2);
		m->sealed = xmalloc(m->sealed_len);
		if (m->sealed_len)
			memcpy(m->sealed, p, m->sealed_len);
		m->attempts = sqlite3_column_int(st, 3);
		ret = 1;
	} else if (rc != SQLITE_DONE)
		ret = -1;
	/* Step to the end so the UPDATE is complete before the reset. */
	while (rc == SQLITE_ROW)
		rc = sqlite3_step(st);
	db_done(st);
	return ret;
}

/* store_mail_sent: mark delivered and drop the message text. */
int
store_mail_sent(int64_t id)
{
	sqlite3_stmt *st = db_prepare("UPDATE mail_queue SET sent = :now, "
	    "message = X'', last_error = NULL WHERE id = :id");

	if (st == NULL)
		return -1;
	db_bind_int(st, ":now", now_unix());
	db_bind_int(st, ":id", id);
	return db_run(st);
}

/* store_mail_failed: count a failed attempt and retry at NEXT. */
int
store_mail_failed(int64_t id, int64_t next, const char *error)
{
	sqlite3_stmt *st = db_prepare("UPDATE mail_queue SET attempts = "
	    "attempts + 1, next_try = :next, claimed_until = 0, "
	    "last_error = :err WHERE id = :id");

	if (st == NULL)
		return -1;
	db_bind_int(st, ":next", next);
	db_bind_text(st, ":err", error);
	db_bind_int(st, ":id", id);
	return db_run(st);
}

/* store_mail_pending: messages not yet delivered, or -1. */
int64_t
store_mail_pending(void)
{
	sqlite3_stmt *st = db_prepare("SELECT count(*) FROM mail_queue "
	    "WHERE sent IS NULL");
	int64_t n = -1;

	if (st == NULL)
		return -1;
	if (db_step(st) == SQLITE_ROW)
		n = sqlite3_column_int64(st, 0);
	db_done(st);
	return n;
}

/*
 * store_mail_list: call FN for each undelivered message (no contents):
 * id, recipient, attempts, last error. Returns 0, or -1.
 */
int
store_mail_list(void (*fn)(int64_t, const char *, int, int64_t, const char *))
{
	sqlite3_stmt *st = db_prepare("SELECT id, rcpt, attempts, next_try, "
	    "last_error FROM mail_queue WHERE sent IS NULL ORDER BY id");
	int rc;

	if (st == NULL)
		return -1;
	while ((rc = db_step(st)) == SQLITE_ROW)
		fn(sqlite3_column_int64(st, 0),
		    (const char *)sqlite3_column_text(st, 1),
		    sqlite3_column_int(st, 2), sqlite3_column_int64(st, 3),
		    (const char *)sqlite3_column_text(st, 4));
	db_done(st);
	return rc == SQLITE_DONE ? 0 : -1;
}

/* store_mail_retry_now: make every undelivered message due now. */
int
store_mail_retry_now(void)
{
	sqlite3_stmt *st = db_prepare("UPDATE mail_queue SET next_try = 0, "
	    "claimed_until = 0 WHERE sent IS NULL");

	if (st == NULL)
		return -1;
	if (db_run(st) == -1)
		return -1;
	return db_changes();
}
