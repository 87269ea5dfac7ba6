/* store_admin.c: the SQL of the admin console: user lists, account flags, the audit query. */
#include <stdlib.h>
#include <string.h>

#include <sqlite3.h>

#include "portal.h"

/*
 * A LIKE pattern matching S anywhere, with LIKE's own wildcards in S taken
 * literally (ESCAPE '\'). Caller frees.
 */
static char *
like_pattern(const char *s)
{
	struct buf b = { 0 };

	buf_putc(&b, '%');
	for (; s != NULL && *s; s++) {
		if (*s == '%' || *s == '_' || *s == '\\')
			buf_putc(&b, '\\');
		buf_putc(&b, *s);
	}
	buf_putc(&b, '%');
	return buf_steal(&b);
}

/* admin_users_free: free a list from store_admin_users. */
void
admin_users_free(struct admin_user *list, int n)
{
	int i;

	for (i = 0; i < n; i++)
		user_clear(&list[i].u);
	free(list);
}

/*
 * store_admin_users: accounts whose email or name contains Q (all when Q is
 * NULL or empty), by email, at most LIMIT from OFFSET, into *LIST (caller
 * admin_users_free()s). Returns the count, or -1.
 */
int
store_admin_users(const char *q, int limit, int offset,
    struct admin_user **list)
{
	sqlite3_stmt *st = db_prepare("SELECT u.id, u.email, u.name, "
	    "u.is_admin, '', u.password_temp, u.disabled, u.lang, u.created, "
	    "(SELECT count(*) FROM devices d WHERE d.user_id = u.id) "
	    "FROM users u WHERE :pat IS NULL OR u.email LIKE :pat ESCAPE '\\' "
	    "OR u.name LIKE :pat ESCAPE '\\' ORDER BY u.email LIMIT :limit "
	    "OFFSET :offset");
	struct admin_user *a;
	char *pat = NULL;
	int n = 0, cap = 0, rc;

	*list = NULL;
	if (st == NULL)
		return -1;
	if (q != NULL && *q != '\0') {
		pat = like_pattern(q);
		db_bind_text(st, ":pat", pat);
	} else
		db_bind_null(st, ":pat");
	db_bind_int(st, ":limit", limit);
	db_bind_int(st, ":offset", offset);
	while ((rc = db_step(st)) == SQLITE_ROW) {
		*list = xgrow(*list, n, &cap, sizeof **list);
		a = &(*list)[n++];
		memset(a, 0, sizeof *a);
		a->u.id = sqlite3_column_int64(st, 0);
		a->u.email = db_text(st, 1);
		a->u.name = db_text(st, 2);
		a->u.is_admin = sqlite3_column_int(st, 3);
		a->u.password_temp = sqlite3_column_int(st, 5);
		a->u.disabled = sqlite3_column_int(st, 6);
		a->u.lang = db_text(st, 7);
		a->created = sqlite3_column_int64(st, 8);
		a->devices = sqlite3_column_int(st, 9);
	}
	db_done(st);
	free(pat);
	if (rc != SQLITE_DONE) {
		admin_users_free(*list, n);
		*list = NULL;
		return -1;
	}
	return n;
}

/* store_user_created: when the account was created (0 when unknown). */
int64_t
store_user_created(int64_t id)
{
	sqlite3_stmt *st = db_prepare("SELECT created FROM users WHERE id = :id");
	int64_t t = 0;

	if (st == NULL)
		return 0;
	db_bind_int(st, ":id", id);
	if (db_step(st) == SQLITE_ROW)
		t = sqlite3_column_int64(st, 0);
	db_done(st);
	return t;
}

/* store_user_set_disabled: set or clear the disabled flag. 0, or -1. */
int
store_user_set_disabled(int64_t id, int disabled)
{
	sqlite3_stmt *st = db_prepare("UPDATE users SET disabled = :d "
	    "WHERE id = :id");

	if (st == NULL)
		return -1;
	db_bind_int(st, ":d", disabled != 0);
	db_bind_int(st, ":id", id);
	if (db_run(st) == -1)
		return -1;
	return db_changes() == 1 ? 0 : -1;
}

/* store_user_set_lang: remember the user's language ("nl", "en"). 0, or -1. */
int
store_user_set_lang(int64_t id, const char *lang)
{
	sqlite3_stmt *st = db_prepare("UPDATE users SET lang = :lang "
	    "WHERE id = :id");

	if (st == NULL)
		return -1;
	db_bind_text(st, ":lang", lang);
	db_bind_int(st, ":id", id);
	return db_run(st);
}

/* audit_rows_free: free a list from store_audit_query. */
void
audit_rows_free(struct audit_row *list, int n)
{
	int i;

	for (i = 0; i < n; i++) {
		free(list[i].user_email);
		free(list[i].actor_email);
		free(list[i].event);
		free(list[i].addr);
		free(list[i].detail);
	}
	free(list);
}

/*
 * store_audit_query: audit events matching F, newest first, at most LIMIT
 * from OFFSET, into *LIST (caller audit_rows_free()s). F->user matches the
 * email of the account or of the actor (substring); F->event the event name
 * exactly or, ending in ".", as a prefix; F->since/until bound the time
 * (0: unbounded; until is exclusive); F->user_id > 0 keeps events about or
 * by that account. Returns the count, or -1.
 */
int
store_audit_query(const struct audit_filter *f, int limit, int offset,
    struct audit_row **list)
{
	sqlite3_stmt *st = db_prepare("SELECT a.id, a.at, a.user_id, "
	    "a.actor_id, u.email, x.email, a.event, a.addr, a.detail "
	    "FROM audit a LEFT JOIN users u ON u.id = a.user_id "
	    "LEFT JOIN users x ON x.id = a.actor_id WHERE "
	    "(:pat IS NULL OR u.email LIKE :pat ESCAPE '\\' OR "
	    " x.email LIKE :pat ESCAPE '\\') AND "
	    "(:event IS NULL OR a.event = :event OR "
	    " (substr(:event, -1) = '.' AND "
	    "  substr(a.event, 1, length(:event)) = :event)) AND "
	    "(:since = 0 OR a.at >= :since) AND "
	    "(:until = 0 OR a.at < :until) AND "
	    "(:uid = 0 OR a.user_id = :uid OR a.actor_id = :uid) "
	    "ORDER BY a.at DESC, a.id DESC LIMIT :limit OFFSET :offset");
	struct audit_row *a;
	char *pat = NULL;
	int n = 0, cap = 0, rc;

	*list = NULL;
	if (st == NULL)
		return -1;
	if (f->user != NULL && *f->user != '\0') {
		pat = like_pattern(f->user);
		db_bind_text(st, ":pat", pat);
	} else
		db_bind_null(st, ":pat");
	if (f->event != NULL && *f->event != '\0')
		db_bind_text(st, ":event", f->event);
	else
		db_bind_null(st, ":event");
	db_bind_int(st, ":since", f->since);
	db_bind_int(st, ":until", f->until);
	db_bind_int(st, ":uid", f->user_id);
	db_bind_int(st, ":limit", limit);
	db_bind_int(st, ":offset", offset);
	while ((rc = db_step(st)) == SQLITE_ROW) {
		*list = xgrow(*list, n, &cap, sizeof **list);
		a = &(*list)[n++];
		a->id = sqlite3_column_int64(st, 0);
		a->at = sqlite3_column_int64(st, 1);
		a->user_id = sqlite3_column_int64(st, 2);
		a->actor_id = sqlite3_column_int64(st, 3);
		a->user_email = db_text(st, 4);
		a->actor_email = db_text(st, 5);
		a->event = db_text(st, 6);
		a->addr = db_text(st, 7);
		a->detail = db_text(st, 8);
	}
	db_done(st);
	free(pat);
	if (rc != SQLITE_DONE) {
		audit_rows_free(*list, n);
		*list = NULL;
		return -1;
	}
	return n;
}

/*
 * store_audit_events: the distinct event names recorded, sorted, in *LIST
 * (caller frees each and the array). Returns the count, or -1.
 */
int
store_audit_events(char ***list)
{
	sqlite3_stmt *st = db_prepare("SELECT DISTINCT event FROM audit "
	    "ORDER BY event LIMIT 500");
	int n = 0, cap = 0, rc;

	*list = NULL;
	if (st == NULL)
		return -1;
	while ((rc = db_step(st)) == SQLITE_ROW) {
		*list = xgrow(*list, n, &cap, sizeof **list);
		(*list)[n++] = db_text(st, 0);
	}
	db_done(st);
	if (rc != SQLITE_DONE) {
		while (n > 0)
			free((*list)[--n]);
		free(*list);
		*list = NULL;
		return -1;
	}
	return n;
}
