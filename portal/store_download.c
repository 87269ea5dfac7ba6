/* store_download.c: the SQL of the download log (table downloads). */
#include "portal.h"

#define F(k, f)	DB_COL(k, struct download_row, f)
const struct db_col store_download_fields[] = { F(I64, at), F(I64, user_id),
    F(TEXT, email), F(INT, status), F(I64, first_byte), F(I64, bytes),
    F(TEXT, addr), DB_COL_END };
#undef F

/*
 * store_download_begin: the log row of a download about to be sent, of
 * no bytes yet (store_download_end records them). Its id, or -1.
 */
int64_t
store_download_begin(int64_t user_id, int64_t file_id, unsigned status,
    uint64_t off, const char *addr)
{
	int64_t id = db_insert(db_query("INSERT INTO downloads (at, user_id, "
	    "file_id, status, first_byte, bytes, addr) VALUES (:now, :uid, "
	    ":fid, :status, :off, 0, :addr)", DB_INT(":now", now_unix()),
	    DB_INT(":uid", user_id), DB_INT(":fid", file_id),
	    DB_INT(":status", status), DB_INT(":off", off),
	    DB_TEXT(":addr", addr ? addr : "")));

	return id < 0 ? -1 : id;
}

/* store_download_end: download ID ended having sent BYTES. 0, or -1. */
int
store_download_end(int64_t id, uint64_t bytes)
{
	return db_run(db_query("UPDATE downloads SET bytes = :bytes, finished = "
	    ":now WHERE id = :id", DB_INT(":bytes", bytes),
	    DB_INT(":now", now_unix()), DB_INT(":id", id)));
}

/* store_download_expire: delete the rows from before BEFORE; how many, or -1. */
int
store_download_expire(int64_t before)
{
	return db_changed(db_query("DELETE FROM downloads WHERE at < :before",
	    DB_INT(":before", before)));
}

/* store_download_list: the newest LIMIT downloads of FILE_ID (caller store_free()s). The count, or -1. */
int
store_download_list(int64_t file_id, int limit, struct download_row **list)
{
	return db_list(db_query("SELECT d.at, coalesce(d.user_id, 0), "
	    "coalesce(u.email, d.user_alias, ''), "
	    "d.status, d.first_byte, d.bytes, d.addr FROM downloads d LEFT JOIN "
	    "users u ON u.id = d.user_id WHERE d.file_id = :fid ORDER BY d.at "
	    "DESC, d.id DESC LIMIT :limit", DB_INT(":fid", file_id),
	    DB_INT(":limit", limit)), list, sizeof **list,
	    store_download_fields);
}
