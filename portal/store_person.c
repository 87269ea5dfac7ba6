/*
 * store_person.c: the SQL of what is kept about one person, across the
 * tables: as JSON for an export (no secret, no hash), and its deletion
 * (the logs keep a pseudonym instead of the account).
 */
#include <stdlib.h>

#include "portal.h"

#define ISO(x)	"strftime('%Y-%m-%dT%H:%M:%SZ', " x ", 'unixepoch')"
#define BOOL(x)	"json(CASE WHEN " x " THEN 'true' ELSE 'false' END)"

/* The SQL of each part: :id is the account, :email its address. */
static const char *const part_sql[PERSON_PARTS] = {
	[PERSON_ACCOUNT] = "SELECT json_object('id', id, 'email', email, "
	    "'name', name, 'admin', " BOOL("is_admin") ", 'language', "
	    "lang, 'created', " ISO("created") ", 'password_changed', "
	    ISO("password_changed") ", 'temporary_password', "
	    BOOL("password_temp") ", 'disabled', " BOOL("disabled") ") "
	    "FROM users WHERE id = :id",
	[PERSON_DEVICES] = "SELECT json_group_array(json_object('name', name, "
	    "'added', " ISO("created") ", 'last_used', "
	    ISO("last_used") ")) FROM (SELECT * FROM devices WHERE "
	    "user_id = :id ORDER BY id)",
	[PERSON_RECOVERY] = "SELECT json_object('unused', count(*) - "
	    "count(used), 'used', count(used), 'created', "
	    ISO("max(created)") ") FROM recovery_codes WHERE user_id = :id",
	[PERSON_SESSIONS] = "SELECT json_group_array(json_object('started', "
	    ISO("created") ", 'last_seen', " ISO("last_seen") ", "
	    "'address', addr)) FROM (SELECT * FROM sessions WHERE "
	    "user_id = :id ORDER BY created)",
	[PERSON_GRANTS] = "SELECT json_group_array(json_object('subject', "
	    "s.code, 'title', s.title, 'granted', " ISO("g.created") ", "
	    "'code_sent', " ISO("g.code_set") ")) FROM grants g JOIN "
	    "subjects s ON s.id = g.subject_id WHERE g.user_id = :id",
	[PERSON_FILES] = "SELECT json_group_array(json_object('file', f.id, "
	    "'name', f.name, 'subject', s.code, 'published', "
	    ISO("f.published") ")) FROM file_recipients r JOIN files f "
	    "ON f.id = r.file_id JOIN subjects s ON s.id = f.subject_id "
	    "WHERE r.user_id = :id",
	[PERSON_DOWNLOADS] = "SELECT json_group_array(json_object('at', "
	    ISO("d.at") ", 'file', d.file_id, 'name', f.name, 'subject', "
	    "s.code, 'status', d.status, 'first_byte', d.first_byte, "
	    "'bytes', d.bytes, 'address', d.addr)) FROM (SELECT * FROM "
	    "downloads WHERE user_id = :id ORDER BY at, id) d LEFT JOIN "
	    "files f ON f.id = d.file_id LEFT JOIN subjects s ON s.id = "
	    "f.subject_id",
	[PERSON_RESETS] = "SELECT json_group_array(x) FROM (SELECT "
	    "json_object('kind', 'password reset link', 'made', "
	    ISO("created") ", 'expires', " ISO("expires") ", 'address', "
	    "addr) AS x FROM reset_tokens WHERE user_id = :id UNION ALL "
	    "SELECT json_object('kind', 'authenticator reset request', "
	    "'made', " ISO("created") ", 'address', addr) FROM "
	    "otp_reset_requests WHERE user_id = :id)",
	[PERSON_MAIL] = "SELECT json_group_array(json_object('queued', "
	    ISO("created") ", 'delivered', " ISO("sent") ", 'attempts', "
	    "attempts)) FROM (SELECT * FROM mail_queue WHERE rcpt = :email "
	    "COLLATE NOCASE ORDER BY id)",
	/* Events about them, and their own that are about nobody else. */
	[PERSON_AUDIT] = "SELECT json_group_array(json_object('at', "
	    ISO("a.at") ", 'event', a.event, 'by', CASE WHEN a.user_id = "
	    ":id THEN coalesce(x.email, a.actor_alias) END, 'address', "
	    "a.addr, 'detail', a.detail)) FROM (SELECT * FROM audit WHERE "
	    "user_id = :id OR (actor_id = :id AND user_id IS NULL AND "
	    "user_alias IS NULL) ORDER BY at, id) a LEFT JOIN users x ON "
	    "x.id = a.actor_id",
	/* What they are for and when used; never the keyed hash. */
	[PERSON_TOKENS] = "SELECT json_group_array(json_object('name', t.name, "
	    "'subjects', (SELECT json_group_array(s.code) FROM "
	    "api_token_subjects ts JOIN subjects s ON s.id = ts.subject_id "
	    "WHERE ts.token_id = t.id), 'created', " ISO("t.created") ", "
	    "'expires', " ISO("t.expires") ", 'last_used', "
	    ISO("t.last_used") ", 'last_address', t.last_addr, 'revoked', "
	    ISO("t.revoked") ", 'why', t.revoked_why)) FROM (SELECT * FROM "
	    "api_tokens WHERE user_id = :id ORDER BY id) t",
};

/*
 * store_person_json: part PART (PERSON_*) of what is kept about account ID
 * with EMAIL, as JSON (an object for the account and the recovery codes,
 * else an array, oldest first). Caller frees; NULL on error.
 */
char *
store_person_json(int part, int64_t id, const char *email)
{
	sqlite3_stmt *st;
	char **rows, *json = NULL;
	int n;

	if (part < 0 || part >= PERSON_PARTS)
		return NULL;
	if (part == PERSON_MAIL)
		st = db_query(part_sql[part], DB_TEXT(":email", email));
	else
		st = db_query(part_sql[part], DB_INT(":id", id));
	if ((n = db_texts(st, &rows)) < 0)
		return NULL;
	if (n == 1) {
		json = rows[0];
		rows[0] = NULL;
	}
	strv_free(rows, n);
	return json;
}

/* Where the logs name an account: :id becomes the pseudonym :p. */
static const char *const alias_sql[] = {
	"UPDATE audit SET user_alias = :p, user_id = NULL WHERE user_id = :id",
	"UPDATE audit SET actor_alias = :p, actor_id = NULL WHERE "
	    "actor_id = :id",
	"UPDATE downloads SET user_alias = :p, user_id = NULL WHERE "
	    "user_id = :id",
};

/*
 * store_person_delete: account ID with EMAIL goes, and with it (by the
 * schema's cascades) its devices, sessions and their unlocks, grants,
 * named publications, recovery codes, reset links and requests, access
 * tokens; its mail goes; the audit and download rows about or by it keep
 * PSEUDONYM instead (the email in a detail too). Call inside a
 * transaction. 0, or -1.
 */
int
store_person_delete(int64_t id, const char *email, const char *pseudonym)
{
	size_t i;

	for (i = 0; i < sizeof alias_sql / sizeof alias_sql[0]; i++)
		if (db_run(db_query(alias_sql[i], DB_TEXT(":p", pseudonym),
		    DB_INT(":id", id))) == -1)
			return -1;
	if (db_run(db_query("UPDATE audit SET detail = replace(replace(detail, "
	    ":email, :p), lower(:email), :p) WHERE instr(lower(detail), "
	    "lower(:email)) > 0", DB_TEXT(":email", email),
	    DB_TEXT(":p", pseudonym))) == -1 ||
	    db_run(db_query("UPDATE files SET published_by = NULL WHERE "
	    "published_by = :id", DB_INT(":id", id))) == -1 ||
	    db_run(db_query("DELETE FROM mail_queue WHERE rcpt = :email COLLATE "
	    "NOCASE", DB_TEXT(":email", email))) == -1)
		return -1;
	return db_changed(db_query("DELETE FROM users WHERE id = :id",
	    DB_INT(":id", id))) == 1 ? 0 : -1;
}

/* store_person_forgot_delete: the "forgot" request in row ROWID goes. 0, or -1. */
int
store_person_forgot_delete(int64_t rowid)
{
	return db_run(db_query("DELETE FROM forgot_requests WHERE id = :id",
	    DB_INT(":id", rowid)));
}
