/* store_console.c: the SQL of the console's subject, file and reset-request pages. */
#include <sqlite3.h>
#include <stdlib.h>
#include <string.h>

#include "portal.h"

/* store_subject_by_id: subject ID; 0, or -1 when unknown. */
int
store_subject_by_id(int64_t id, struct subject *s)
{
	sqlite3_stmt *st = db_prepare("SELECT id, code, title, description, "
	    "created FROM subjects WHERE id = :id");
	int rc = -1;

	if (st == NULL)
		return -1;
	db_bind_int(st, ":id", id);
	if (db_step(st) == SQLITE_ROW) {
		memset(s, 0, sizeof *s);
		s->id = sqlite3_column_int64(st, 0);
		s->code = db_text(st, 1);
		s->title = db_text(st, 2);
		s->description = db_text(st, 3);
		s->created = sqlite3_column_int64(st, 4);
		rc = 0;
	}
	db_done(st);
	return rc;
}

/* store_subject_update: a new title and description for subject ID. 0, or -1. */
int
store_subject_update(int64_t id, const char *title, const char *desc)
{
	sqlite3_stmt *st = db_prepare("UPDATE subjects SET title = :title, "
	    "description = :desc WHERE id = :id");

	if (st == NULL)
		return -1;
	db_bind_text(st, ":title", title);
	db_bind_text(st, ":desc", desc);
	db_bind_int(st, ":id", id);
	return db_run(st);
}

void
grantees_free(struct grantee *list, int n)
{
	for (int i = 0; i < n; i++) {
		free(list[i].email);
		free(list[i].name);
	}
	free(list);
}

/* store_grantees: the accounts holding SUBJECT_ID, by email (caller grantees_free()s). The count, or -1. */
int
store_grantees(int64_t subject_id, struct grantee **list)
{
	sqlite3_stmt *st = db_prepare("SELECT u.id, u.email, u.name, g.created, "
	    "g.code_set, u.disabled FROM grants g JOIN users u ON u.id = "
	    "g.user_id WHERE g.subject_id = :sid ORDER BY u.email");
	int n = 0, cap = 0, rc;

	*list = NULL;
	if (st == NULL)
		return -1;
	db_bind_int(st, ":sid", subject_id);
	while ((rc = db_step(st)) == SQLITE_ROW) {
		*list = xgrow(*list, n, &cap, sizeof **list);
		(*list)[n].user_id = sqlite3_column_int64(st, 0);
		(*list)[n].email = db_text(st, 1);
		(*list)[n].name = db_text(st, 2);
		(*list)[n].created = sqlite3_column_int64(st, 3);
		(*list)[n].code_set = sqlite3_column_int64(st, 4);
		(*list)[n].disabled = sqlite3_column_int(st, 5);
		n++;
	}
	db_done(st);
	if (rc != SQLITE_DONE) {
		grantees_free(*list, n);
		*list = NULL;
		return -1;
	}
	return n;
}

/* store_file_recipient_ids: 1 when USER_ID is a named recipient of FILE_ID, 0, -1. */
int
store_file_is_recipient(int64_t file_id, int64_t user_id)
{
	sqlite3_stmt *st = db_prepare("SELECT 1 FROM file_recipients WHERE "
	    "file_id = :fid AND user_id = :uid");
	int rc;

	if (st == NULL)
		return -1;
	db_bind_int(st, ":fid", file_id);
	db_bind_int(st, ":uid", user_id);
	rc = db_step(st);
	db_done(st);
	return rc == SQLITE_ROW ? 1 : rc == SQLITE_DONE ? 0 : -1;
}

/* store_file_all_grantees: 1 when FILE_ID is for every grantee, 0, -1. */
int
store_file_all_grantees(int64_t file_id)
{
	sqlite3_stmt *st = db_prepare("SELECT all_grantees FROM files WHERE "
	    "id = :fid");
	int rc = -1;

	if (st == NULL)
		return -1;
	db_bind_int(st, ":fid", file_id);
	if (db_step(st) == SQLITE_ROW)
		rc = sqlite3_column_int(st, 0) != 0;
	db_done(st);
	return rc;
}

void
download_rows_free(struct download_row *list, int n)
{
	for (int i = 0; i < n; i++) {
		free(list[i].email);
		free(list[i].addr);
	}
	free(list);
}

/* store_file_downloads: the newest LIMIT downloads of FILE_ID (caller download_rows_free()s). The count, or -1. */
int
store_file_downloads(int64_t file_id, int limit, struct download_row **list)
{
	sqlite3_stmt *st = db_prepare("SELECT d.at, d.user_id, coalesce(u.email, "
	    "''), d.status, d.first_byte, d.bytes, d.addr FROM downloads d LEFT "
	    "JOIN users u ON u.id = d.user_id WHERE d.file_id = :fid ORDER BY "
	    "d.at DESC, d.id DESC LIMIT :limit");
	int n = 0, cap = 0, rc;

	*list = NULL;
	if (st == NULL)
		return -1;
	db_bind_int(st, ":fid", file_id);
	db_bind_int(st, ":limit", limit);
	while ((rc = db_step(st)) == SQLITE_ROW) {
		*list = xgrow(*list, n, &cap, sizeof **list);
		(*list)[n].at = sqlite3_column_int64(st, 0);
		(*list)[n].user_id = sqlite3_column_int64(st, 1);
		(*list)[n].email = db_text(st, 2);
		(*list)[n].status = sqlite3_column_int(st, 3);
		(*list)[n].first_byte = (uint64_t)sqlite3_column_int64(st, 4);
		(*list)[n].bytes = (uint64_t)sqlite3_column_int64(st, 5);
		(*list)[n].addr = db_text(st, 6);
		n++;
	}
	db_done(st);
	if (rc != SQLITE_DONE) {
		download_rows_free(*list, n);
		*list = NULL;
		return -1;
	}
	return n;
}

/* store_otp_request_of: when USER_ID asked for an authenticator reset (0: no request), or -1. */
int64_t
store_otp_request_of(int64_t user_id)
{
	sqlite3_stmt *st = db_prepare("SELECT created FROM otp_reset_requests "
	    "WHERE user_id = :uid");
	int64_t at = 0;
	int rc;

	if (st == NULL)
		return -1;
	db_bind_int(st, ":uid", user_id);
	if ((rc = db_step(st)) == SQLITE_ROW)
		at = sqlite3_column_int64(st, 0);
	db_done(st);
	return rc == SQLITE_ROW || rc == SQLITE_DONE ? at : -1;
}

/* store_otp_request_delete: close USER_ID's request. 1 when there was one, 0, -1. */
int
store_otp_request_delete(int64_t user_id)
{
	sqlite3_stmt *st = db_prepare("DELETE FROM otp_reset_requests WHERE "
	    "user_id = :uid");

	if (st == NULL)
		return -1;
	db_bind_int(st, ":uid", user_id);
	if (db_run(st) == -1)
		return -1;
	return db_changes() > 0;
}
