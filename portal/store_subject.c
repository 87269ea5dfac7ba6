/* store_subject.c: the SQL of subjects (table subjects), with their counts of files and grants. */
#include "portal.h"

#define SUBJECT_COLS "s.id, s.code, s.title, s.description, s.created"

#define F(k, f)	DB_COL(k, struct subject, f)
const struct db_col store_subject_fields[] = { F(I64, id), F(TEXT, code),
    F(TEXT, title), F(TEXT, description), F(I64, created), DB_COL_END };
/* The rows of a list: the subject, its files, its grants, whether a file is new. */
static const struct db_col listed_fields[] = {
    { DB_C_NEST, 0, 0, store_subject_fields }, F(I64, nfiles), F(I64, ngrants),
    F(INT, has_new), DB_COL_END };
#undef F

/* store_subject_add: the new id, -2 when the code exists, -1 on error. */
int64_t
store_subject_add(const char *code, const char *title, const char *desc)
{
	return db_insert(db_query("INSERT INTO subjects (code, title, "
	    "description, created) VALUES (:code, :title, :desc, :now)",
	    DB_TEXT(":code", code), DB_TEXT(":title", title),
	    DB_TEXT(":desc", desc ? desc : ""), DB_INT(":now", now_unix())));
}

/*
 * store_subject_find: the subject CODE: 1 (caller store_clear()s), 0 when
 * unknown, -1 when the database failed.
 */
int
store_subject_find(const char *code, struct subject *s)
{
	return db_find(db_query("SELECT " SUBJECT_COLS " FROM subjects s WHERE "
	    "s.code = :code", DB_TEXT(":code", code)), s, sizeof *s,
	    store_subject_fields);
}

/* store_subject_find_id: subject ID as store_subject_find finds one. */
int
store_subject_find_id(int64_t id, struct subject *s)
{
	return db_find(db_query("SELECT " SUBJECT_COLS " FROM subjects s WHERE "
	    "s.id = :id", DB_INT(":id", id)), s, sizeof *s,
	    store_subject_fields);
}

/* store_subject_update: a new title and description for subject ID. 0, or -1. */
int
store_subject_update(int64_t id, const char *title, const char *desc)
{
	return db_run(db_query("UPDATE subjects SET title = :title, "
	    "description = :desc WHERE id = :id", DB_TEXT(":title", title),
	    DB_TEXT(":desc", desc), DB_INT(":id", id)));
}

/* store_subject_list: every subject with its live files and grants (caller store_free()s). */
int
store_subject_list(struct subject **list)
{
	return db_list(db_query("SELECT " SUBJECT_COLS ", (SELECT count(*) "
	    "FROM files f WHERE f.subject_id = s.id AND f.unpublished IS NULL), "
	    "(SELECT count(*) FROM grants g WHERE g.subject_id = s.id), 0 "
	    "FROM subjects s ORDER BY s.code"), list, sizeof **list,
	    listed_fields);
}

/*
 * store_subject_list_of_user: the subjects granted to USER_ID, with the
 * reports they can see (the newest visible version of each) and how many
 * of those they have not downloaded yet (has_new). The count, or -1;
 * caller store_free()s.
 */
int
store_subject_list_of_user(int64_t user_id, struct subject **list)
{
	return db_list(db_query("SELECT " SUBJECT_COLS ", (SELECT count(*) "
	    "FROM files f WHERE f.subject_id = s.id AND " STORE_FILE_VISIBLE("f")
	    " AND " STORE_FILE_CURRENT("f") "), 0, (SELECT count(*) FROM files "
	    "f WHERE f.subject_id = s.id AND " STORE_FILE_VISIBLE("f") " AND "
	    STORE_FILE_CURRENT("f") " AND NOT EXISTS (SELECT 1 FROM downloads d "
	    "WHERE d.file_id = f.id AND d.user_id = :uid)) FROM grants g JOIN "
	    "subjects s ON s.id = g.subject_id WHERE g.user_id = :uid ORDER BY "
	    "s.code", DB_INT(":uid", user_id), DB_INT(":now", now_unix())), list,
	    sizeof **list, listed_fields);
}
