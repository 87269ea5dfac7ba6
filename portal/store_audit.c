/* store_audit.c: the SQL of the audit log (table audit). */
#include <stdlib.h>

#include "portal.h"

#define F(k, f)	DB_COL(k, struct audit_row, f)
const struct db_col store_audit_fields[] = { F(I64, id), F(I64, at),
    F(I64, user_id), F(I64, actor_id), F(TEXT, user_email),
    F(TEXT, actor_email), F(TEXT, event), F(TEXT, addr), F(TEXT, detail),
    DB_COL_END };
#undef F

/*
 * store_audit_add: append one audit event (counted for /metrics when it
 * is a login's result or a throttle's); DETAIL never holds a secret.
 * 0, or -1 when it could not be written (what must not happen unaudited
 * then does not happen).
 */
int
store_audit_add(int64_t user_id, int64_t actor_id, const char *event,
    const char *addr, const char *detail)
{
	stats_audit(event);
	return db_run(db_query("INSERT INTO audit (at, user_id, actor_id, event, "
	    "addr, detail) VALUES (:at, :uid, :actor, :event, :addr, :detail)",
	    DB_INT(":at", now_unix()), DB_ID(":uid", user_id),
	    DB_ID(":actor", actor_id), DB_TEXT(":event", event),
	    DB_TEXT(":addr", addr ? addr : ""),
	    DB_TEXT(":detail", detail ? detail : "")));
}

/* store_audit: store_audit_add, a failure only logged. */
void
store_audit(int64_t user_id, int64_t actor_id, const char *event,
    const char *addr, const char *detail)
{
	if (store_audit_add(user_id, actor_id, event, addr, detail) == -1)
		logmsg(LOG_ERR, "audit: could not record %s", event);
}

/* store_audit_expire: delete the events from before BEFORE; how many, or -1. */
int
store_audit_expire(int64_t before)
{
	return db_changed(db_query("DELETE FROM audit WHERE at < :before",
	    DB_INT(":before", before)));
}

/*
 * store_audit_list: audit events matching F, newest first, at most LIMIT
 * from OFFSET, into *LIST (caller store_free()s). F->user
 * matches the email of the account or of the actor (substring); F->event
 * the event name exactly or, ending in ".", as a prefix; F->since/until
 * bound the time (0: unbounded; until is exclusive); F->user_id > 0 keeps
 * events about or by that account. Returns the count, or -1.
 */
int
store_audit_list(const struct audit_filter *f, int limit, int offset,
    struct audit_row **list)
{
	char *pat = f->user != NULL && *f->user != '\0' ? db_like(f->user) :
	    NULL;
	int n;

	n = db_list(db_query("SELECT a.id, a.at, a.user_id, a.actor_id, "
	    "coalesce(u.email, a.user_alias), coalesce(x.email, a.actor_alias), "
	    "a.event, a.addr, a.detail FROM audit a "
	    "LEFT JOIN users u ON u.id = a.user_id "
	    "LEFT JOIN users x ON x.id = a.actor_id WHERE "
	    "(:pat IS NULL OR coalesce(u.email, a.user_alias) LIKE :pat "
	    "ESCAPE '\\' OR coalesce(x.email, a.actor_alias) LIKE :pat "
	    "ESCAPE '\\') AND "
	    "(:event IS NULL OR a.event = :event OR "
	    " (substr(:event, -1) = '.' AND "
	    "  substr(a.event, 1, length(:event)) = :event)) AND "
	    "(:since = 0 OR a.at >= :since) AND "
	    "(:until = 0 OR a.at < :until) AND "
	    "(:uid = 0 OR a.user_id = :uid OR a.actor_id = :uid) "
	    "ORDER BY a.at DESC, a.id DESC LIMIT :limit OFFSET :offset",
	    DB_TEXT(":pat", pat), DB_TEXT(":event", f->event != NULL &&
	    *f->event != '\0' ? f->event : NULL), DB_INT(":since", f->since),
	    DB_INT(":until", f->until), DB_INT(":uid", f->user_id),
	    DB_INT(":limit", limit), DB_INT(":offset", offset)),
	    list, sizeof **list, store_audit_fields);
	free(pat);
	return n;
}

/*
 * store_audit_events: the distinct event names recorded, sorted, in *LIST
 * (caller strv_free()s). Returns the count, or -1.
 */
int
store_audit_events(char ***list)
{
	return db_texts(db_query("SELECT DISTINCT event FROM audit ORDER BY "
	    "event LIMIT 500"), list);
}

/*
 * store_audit_addrs: the client addresses of the events about account
 * USER_ID since SINCE, once each, into *ADDRS (strv_free). The count, or
 * -1.
 */
int
store_audit_addrs(int64_t user_id, int64_t since, char ***addrs)
{
	return db_texts(db_query("SELECT DISTINCT addr FROM audit WHERE "
	    "user_id = :uid AND at >= :since AND addr != '' AND addr != 'cli' "
	    "LIMIT 1000", DB_INT(":uid", user_id), DB_INT(":since", since)),
	    addrs);
}
