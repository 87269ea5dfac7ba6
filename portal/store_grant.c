/* store_grant.c: the SQL of grants (table grants): who may open a subject, with the keyed hash of their validation code. */
#include <stdlib.h>
#include <string.h>

#include "portal.h"

/*
 * store_grant_put: grant SUBJECT_ID to USER_ID with validation code MAC,
 * or replace the code of an existing grant. 0, or -1.
 */
int
store_grant_put(int64_t user_id, int64_t subject_id, const uint8_t mac[32])
{
	return db_run(db_query("INSERT INTO grants (user_id, subject_id, "
	    "code_mac, created, code_set) VALUES (:uid, :sid, :mac, :now, :now) "
	    "ON CONFLICT (user_id, subject_id) DO UPDATE SET code_mac = :mac, "
	    "code_set = :now", DB_INT(":uid", user_id),
	    DB_INT(":sid", subject_id), DB_BLOB(":mac", mac, 32),
	    DB_INT(":now", now_unix())));
}

/*
 * store_grant_find: the MAC of the grant's code: 1, 0 when not granted,
 * -1 when the database failed.
 */
int
store_grant_find(int64_t user_id, int64_t subject_id, uint8_t mac[32])
{
	uint8_t *p;
	size_t len;
	int rc;

	rc = db_bytes(db_query("SELECT code_mac FROM grants "
	    "WHERE user_id = :uid AND subject_id = :sid",
	    DB_INT(":uid", user_id), DB_INT(":sid", subject_id)), &p, &len);
	if (rc == 1 && len == 32)
		memcpy(mac, p, 32);
	else if (rc == 1)
		rc = -1;
	if (p != NULL)
		explicit_bzero(p, len);
	free(p);
	return rc;
}

/* store_grant_mac: the MAC of the grant's code; 0, or -1 when not granted (or on error). */
int
store_grant_mac(int64_t user_id, int64_t subject_id, uint8_t mac[32])
{
	return store_grant_find(user_id, subject_id, mac) == 1 ? 0 : -1;
}

/* store_grant_delete: 1 when a grant was removed, 0 when none, -1 on error. */
int
store_grant_delete(int64_t user_id, int64_t subject_id)
{
	int n = db_changed(db_query("DELETE FROM grants WHERE user_id = :uid "
	    "AND subject_id = :sid", DB_INT(":uid", user_id),
	    DB_INT(":sid", subject_id)));

	return n < 0 ? -1 : n > 0;
}

/* store_grant_emails: the enabled grantees' addresses (caller strv_free()s); the count, or -1. */
int
store_grant_emails(int64_t subject_id, char ***emails)
{
	return db_texts(db_query("SELECT u.email FROM grants g JOIN users u "
	    "ON u.id = g.user_id WHERE g.subject_id = :sid AND u.disabled = 0 "
	    "ORDER BY u.email", DB_INT(":sid", subject_id)), emails);
}

#define F(k, f)	DB_COL(k, struct grantee, f)
const struct db_col store_grant_fields[] = { F(I64, user_id), F(TEXT, email),
    F(TEXT, name), F(I64, created), F(I64, code_set), F(INT, disabled),
    DB_COL_END };
#undef F

/* store_grant_list: the accounts holding SUBJECT_ID, by email (caller store_free()s). The count, or -1. */
int
store_grant_list(int64_t subject_id, struct grantee **list)
{
	return db_list(db_query("SELECT u.id, u.email, u.name, g.created, "
	    "g.code_set, u.disabled FROM grants g JOIN users u ON u.id = "
	    "g.user_id WHERE g.subject_id = :sid ORDER BY u.email",
	    DB_INT(":sid", subject_id)), list, sizeof **list,
	    store_grant_fields);
}
