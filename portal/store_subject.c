/* store_subject.c: the SQL of subjects, grants, published files, downloads and unlocks. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sqlite3.h>

#include "portal.h"

/*
 * A file F is visible to user :uid when it is live, not expired at :now,
 * and published to every grantee or to :uid by name. The grant itself is
 * checked by the callers' joins.
 */
#define VISIBLE(f) \
	f ".unpublished IS NULL AND (" f ".expires IS NULL OR " f ".expires > :now) " \
	"AND (" f ".all_grantees = 1 OR EXISTS (SELECT 1 FROM file_recipients rc " \
	"WHERE rc.file_id = " f ".id AND rc.user_id = :uid))"

void
subject_clear(struct subject *s)
{
	free(s->code);
	free(s->title);
	free(s->description);
	memset(s, 0, sizeof *s);
}

void
subjects_free(struct subject *list, int n)
{
	for (int i = 0; i < n; i++)
		subject_clear(&list[i]);
	free(list);
}

void
pubfile_clear(struct pubfile *f)
{
	free(f->name);
	memset(f, 0, sizeof *f);
}

void
pubfiles_free(struct pubfile *list, int n)
{
	for (int i = 0; i < n; i++)
		pubfile_clear(&list[i]);
	free(list);
}

void
strv_free(char **v, int n)
{
	for (int i = 0; i < n; i++)
		free(v[i]);
	free(v);
}

/* store_subject_add: the new id, -2 when the code exists, -1 on error. */
int64_t
store_subject_add(const char *code, const char *title, const char *desc)
{
	sqlite3_stmt *st = db_prepare("INSERT INTO subjects (code, title, "
	    "description, created) VALUES (:code, :title, :desc, :now)");
	int rc;

	if (st == NULL)
		return -1;
	db_bind_text(st, ":code", code);
	db_bind_text(st, ":title", title);
	db_bind_text(st, ":desc", desc ? desc : "");
	db_bind_int(st, ":now", now_unix());
	rc = db_step(st);
	db_done(st);
	if (rc == SQLITE_CONSTRAINT)
		return -2;
	return rc == SQLITE_DONE ? db_last_id() : -1;
}

static void
subject_read(sqlite3_stmt *st, struct subject *s)
{
	memset(s, 0, sizeof *s);
	s->id = sqlite3_column_int64(st, 0);
	s->code = db_text(st, 1);
	s->title = db_text(st, 2);
	s->description = db_text(st, 3);
	s->created = sqlite3_column_int64(st, 4);
	s->nfiles = sqlite3_column_int64(st, 5);
	s->ngrants = sqlite3_column_int64(st, 6);
}

/* store_subject_get: the subject CODE (any case); 0, or -1 when unknown. */
int
store_subject_get(const char *code, struct subject *s)
{
	sqlite3_stmt *st = db_prepare("SELECT id, code, title, description, "
	    "created, 0, 0 FROM subjects WHERE code = :code");
	int rc = -1;

	if (st == NULL)
		return -1;
	db_bind_text(st, ":code", code);
	if (db_step(st) == SQLITE_ROW) {
		subject_read(st, s);
		rc = 0;
	}
	db_done(st);
	return rc;
}

/* Collect subject rows from ST into *LIST; the count, or -1. */
static int
subject_rows(sqlite3_stmt *st, struct subject **list, int newcol)
{
	int n = 0, cap = 0, rc;

	*list = NULL;
	while ((rc = db_step(st)) == SQLITE_ROW) {
		*list = xgrow(*list, n, &cap, sizeof **list);
		subject_read(st, &(*list)[n]);
		if (newcol)
			(*list)[n].has_new = sqlite3_column_int(st, 7) > 0;
		n++;
	}
	db_done(st);
	if (rc != SQLITE_DONE) {
		subjects_free(*list, n);
		*list = NULL;
		return -1;
	}
	return n;
}

/* store_subjects: every subject with its live files and grants (caller frees). */
int
store_subjects(struct subject **list)
{
	sqlite3_stmt *st = db_prepare("SELECT s.id, s.code, s.title, "
	    "s.description, s.created, (SELECT count(*) FROM files f WHERE "
	    "f.subject_id = s.id AND f.unpublished IS NULL), (SELECT count(*) "
	    "FROM grants g WHERE g.subject_id = s.id) FROM subjects s "
	    "ORDER BY s.code");

	*list = NULL;
	if (st == NULL)
		return -1;
	return subject_rows(st, list, 0);
}

/*
 * store_subjects_of_user: the subjects granted to USER_ID, with the files
 * they can see and whether one was published after their last download in
 * that subject. The count, or -1; caller subjects_free()s.
 */
int
store_subjects_of_user(int64_t user_id, struct subject **list)
{
	sqlite3_stmt *st = db_prepare("SELECT s.id, s.code, s.title, "
	    "s.description, s.created, (SELECT count(*) FROM files f WHERE "
	    "f.subject_id = s.id AND " VISIBLE("f") "), 0, (SELECT count(*) "
	    "FROM files f WHERE f.subject_id = s.id AND " VISIBLE("f")
	    " AND f.published > coalesce((SELECT max(d.at) FROM downloads d "
	    "JOIN files f2 ON f2.id = d.file_id WHERE d.user_id = :uid AND "
	    "f2.subject_id = s.id), 0)) FROM grants g JOIN subjects s ON "
	    "s.id = g.subject_id WHERE g.user_id = :uid ORDER BY s.code");

	*list = NULL;
	if (st == NULL)
		return -1;
	db_bind_int(st, ":uid", user_id);
	db_bind_int(st, ":now", now_unix());
	return subject_rows(st, list, 1);
}

/*
 * store_grant_put: grant SUBJECT_ID to USER_ID with validation code MAC,
 * or replace the code of an existing grant. 0, or -1.
 */
int
store_grant_put(int64_t user_id, int64_t subject_id, const uint8_t mac[32])
{
	sqlite3_stmt *st = db_prepare("INSERT INTO grants (user_id, subject_id, "
	    "code_mac, created, code_set) VALUES (:uid, :sid, :mac, :now, :now) "
	    "ON CONFLICT (user_id, subject_id) DO UPDATE SET code_mac = :mac, "
	    "code_set = :now");

	if (st == NULL)
		return -1;
	db_bind_int(st, ":uid", user_id);
	db_bind_int(st, ":sid", subject_id);
	db_bind_blob(st, ":mac", mac, 32);
	db_bind_int(st, ":now", now_unix());
	return db_run(st);
}

/* store_grant_mac: the MAC of the grant's code; 0, or -1 when not granted. */
int
store_grant_mac(int64_t user_id, int64_t subject_id, uint8_t mac[32])
{
	sqlite3_stmt *st = db_prepare("SELECT code_mac FROM grants WHERE "
	    "user_id = :uid AND subject_id = :sid");
	int rc = -1;

	if (st == NULL)
		return -1;
	db_bind_int(st, ":uid", user_id);
	db_bind_int(st, ":sid", subject_id);
	if (db_step(st) == SQLITE_ROW && sqlite3_column_bytes(st, 0) == 32) {
		memcpy(mac, sqlite3_column_blob(st, 0), 32);
		rc = 0;
	}
	db_done(st);
	return rc;
}

/* store_grant_delete: 1 when a grant was removed, 0 when none, -1 on error. */
int
store_grant_delete(int64_t user_id, int64_t subject_id)
{
	sqlite3_stmt *st = db_prepare("DELETE FROM grants WHERE "
	    "user_id = :uid AND subject_id = :sid");

	if (st == NULL)
		return -1;
	db_bind_int(st, ":uid", user_id);
	db_bind_int(st, ":sid", subject_id);
	if (db_run(st) == -1)
		return -1;
	return db_changes() > 0;
}

/* store_grantee_emails: the enabled grantees' addresses (caller strv_free()s). */
int
store_grantee_emails(int64_t subject_id, char ***emails)
{
	sqlite3_stmt *st = db_prepare("SELECT u.email FROM grants g JOIN users "
	    "u ON u.id = g.user_id WHERE g.subject_id = :sid AND u.disabled = 0 "
	    "ORDER BY u.email");
	int n = 0, cap = 0, rc;

	*emails = NULL;
	if (st == NULL)
		return -1;
	db_bind_int(st, ":sid", subject_id);
	while ((rc = db_step(st)) == SQLITE_ROW) {
		*emails = xgrow(*emails, n, &cap, sizeof **emails);
		(*emails)[n++] = db_text(st, 0);
	}
	db_done(st);
	if (rc != SQLITE_DONE) {
		strv_free(*emails, n);
		*emails = NULL;
		return -1;
	}
	return n;
}

/* store_unlock_put: SUBJECT_ID is unlocked in SESSION until UNTIL. */
int
store_unlock_put(const uint8_t session[32], int64_t subject_id, int64_t until)
{
	sqlite3_stmt *st = db_prepare("INSERT INTO unlocks (session_hash, "
	    "subject_id, until) VALUES (:h, :sid, :until) ON CONFLICT "
	    "(session_hash, subject_id) DO UPDATE SET until = :until");

	if (st == NULL)
		return -1;
	db_bind_blob(st, ":h", session, 32);
	db_bind_int(st, ":sid", subject_id);
	db_bind_int(st, ":until", until);
	return db_run(st);
}

/* store_unlock_until: until when SUBJECT_ID is unlocked in SESSION; 0: not. */
int64_t
store_unlock_until(const uint8_t session[32], int64_t subject_id)
{
	sqlite3_stmt *st = db_prepare("SELECT until FROM unlocks WHERE "
	    "session_hash = :h AND subject_id = :sid");
	int64_t until = 0;

	if (st == NULL)
		return 0;
	db_bind_blob(st, ":h", session, 32);
	db_bind_int(st, ":sid", subject_id);
	if (db_step(st) == SQLITE_ROW)
		until = sqlite3_column_int64(st, 0);
	db_done(st);
	return until;
}

/* store_unlocks_drop: lock SUBJECT_ID again in every session of USER_ID. */
int
store_unlocks_drop(int64_t user_id, int64_t subject_id)
{
	sqlite3_stmt *st = db_prepare("DELETE FROM unlocks WHERE subject_id = "
	    ":sid AND session_hash IN (SELECT id_hash FROM sessions WHERE "
	    "user_id = :uid)");

	if (st == NULL)
		return -1;
	db_bind_int(st, ":sid", subject_id);
	db_bind_int(st, ":uid", user_id);
	return db_run(st);
}

/* store_file_add: a publication of content SHA; the id, or -1. */
int64_t
store_file_add(int64_t subject_id, const char *sha, uint64_t size,
    const char *name, int all, int64_t expires, int64_t by)
{
	sqlite3_stmt *st = db_prepare("INSERT INTO files (subject_id, sha256, "
	    "size, name, all_grantees, published, published_by, expires) "
	    "VALUES (:sid, :sha, :size, :name, :all, :now, :by, :expires)");

	if (st == NULL)
		return -1;
	db_bind_int(st, ":sid", subject_id);
	db_bind_text(st, ":sha", sha);
	db_bind_int(st, ":size", (int64_t)size);
	db_bind_text(st, ":name", name);
	db_bind_int(st, ":all", all != 0);
	db_bind_int(st, ":now", now_unix());
	if (by > 0)
		db_bind_int(st, ":by", by);
	else
		db_bind_null(st, ":by");
	if (expires > 0)
		db_bind_int(st, ":expires", expires);
	else
		db_bind_null(st, ":expires");
	if (db_run(st) == -1)
		return -1;
	return db_last_id();
}

int
store_file_recipient(int64_t file_id, int64_t user_id)
{
	sqlite3_stmt *st = db_prepare("INSERT OR IGNORE INTO file_recipients "
	    "(file_id, user_id) VALUES (:fid, :uid)");

	if (st == NULL)
		return -1;
	db_bind_int(st, ":fid", file_id);
	db_bind_int(st, ":uid", user_id);
	return db_run(st);
}

/* store_file_live_sha: 1 when a live publication has content SHA, 0, -1. */
int
store_file_live_sha(const char *sha)
{
	sqlite3_stmt *st = db_prepare("SELECT 1 FROM files WHERE sha256 = :sha "
	    "AND unpublished IS NULL LIMIT 1");
	int rc;

	if (st == NULL)
		return -1;
	db_bind_text(st, ":sha", sha);
	rc = db_step(st);
	db_done(st);
	return rc == SQLITE_ROW ? 1 : rc == SQLITE_DONE ? 0 : -1;
}

#define FILE_COLS "f.id, f.subject_id, f.sha256, f.size, f.name, f.published, " \
	"coalesce(f.expires, 0), coalesce(f.unpublished, 0)"

static void
pubfile_read(sqlite3_stmt *st, struct pubfile *f)
{
	const char *sha;

	memset(f, 0, sizeof *f);
	f->id = sqlite3_column_int64(st, 0);
	f->subject_id = sqlite3_column_int64(st, 1);
	sha = (const char *)sqlite3_column_text(st, 2);
	snprintf(f->sha256, sizeof f->sha256, "%s", sha ? sha : "");
	f->size = (uint64_t)sqlite3_column_int64(st, 3);
	f->name = db_text(st, 4);
	f->published = sqlite3_column_int64(st, 5);
	f->expires = sqlite3_column_int64(st, 6);
	f->unpublished = sqlite3_column_int64(st, 7);
	f->last_download = sqlite3_column_int64(st, 8);
	f->downloads = sqlite3_column_int64(st, 9);
}

static int
pubfile_rows(sqlite3_stmt *st, struct pubfile **list)
{
	int n = 0, cap = 0, rc;

	*list = NULL;
	while ((rc = db_step(st)) == SQLITE_ROW) {
		*list = xgrow(*list, n, &cap, sizeof **list);
		pubfile_read(st, &(*list)[n++]);
	}
	db_done(st);
	if (rc != SQLITE_DONE) {
		pubfiles_free(*list, n);
		*list = NULL;
		return -1;
	}
	return n;
}

/* store_files_of_subject: every publication, newest first, with download counts. */
int
store_files_of_subject(int64_t subject_id, struct pubfile **list)
{
	sqlite3_stmt *st = db_prepare("SELECT " FILE_COLS ", (SELECT max(at) "
	    "FROM downloads d WHERE d.file_id = f.id), (SELECT count(*) FROM "
	    "downloads d WHERE d.file_id = f.id) FROM files f WHERE "
	    "f.subject_id = :sid ORDER BY f.published DESC, f.id DESC");

	*list = NULL;
	if (st == NULL)
		return -1;
	db_bind_int(st, ":sid", subject_id);
	return pubfile_rows(st, list);
}

/*
 * store_files_for_user: the files of SUBJECT_ID that USER_ID (who must hold
 * a grant) can download at NOW, newest first, with their last download.
 */
int
store_files_for_user(int64_t user_id, int64_t subject_id, int64_t now,
    struct pubfile **list)
{
	sqlite3_stmt *st = db_prepare("SELECT " FILE_COLS ", (SELECT max(at) "
	    "FROM downloads d WHERE d.file_id = f.id AND d.user_id = :uid), 0 "
	    "FROM files f JOIN grants g ON g.subject_id = f.subject_id AND "
	    "g.user_id = :uid WHERE f.subject_id = :sid AND " VISIBLE("f")
	    " ORDER BY f.published DESC, f.id DESC");

	*list = NULL;
	if (st == NULL)
		return -1;
	db_bind_int(st, ":uid", user_id);
	db_bind_int(st, ":sid", subject_id);
	db_bind_int(st, ":now", now);
	return pubfile_rows(st, list);
}

/*
 * store_file_for_download: file FILE_ID as USER_ID may download it at NOW
 * in SESSION: granted, published to them, live and not expired, with
 * F->unlocked_until the session's unlock of its subject (0: locked).
 * Returns 0, or -1 when the user may not know the file.
 */
int
store_file_for_download(int64_t user_id, const uint8_t session[32],
    int64_t file_id, int64_t now, struct pubfile *f)
{
	sqlite3_stmt *st = db_prepare("SELECT " FILE_COLS ", 0, 0, "
	    "coalesce((SELECT u.until FROM unlocks u WHERE u.session_hash = :h "
	    "AND u.subject_id = f.subject_id), 0) FROM files f JOIN grants g ON "
	    "g.subject_id = f.subject_id AND g.user_id = :uid WHERE f.id = :id "
	    "AND " VISIBLE("f"));
	int rc = -1;

	if (st == NULL)
		return -1;
	db_bind_blob(st, ":h", session, 32);
	db_bind_int(st, ":uid", user_id);
	db_bind_int(st, ":id", file_id);
	db_bind_int(st, ":now", now);
	if (db_step(st) == SQLITE_ROW) {
		pubfile_read(st, f);
		f->unlocked_until = sqlite3_column_int64(st, 10);
		rc = 0;
	}
	db_done(st);
	return rc;
}

/* store_file_get: publication FILE_ID whatever its state; 0, or -1. */
int
store_file_get(int64_t file_id, struct pubfile *f)
{
	sqlite3_stmt *st = db_prepare("SELECT " FILE_COLS ", 0, 0 FROM files f "
	    "WHERE f.id = :id");
	int rc = -1;

	if (st == NULL)
		return -1;
	db_bind_int(st, ":id", file_id);
	if (db_step(st) == SQLITE_ROW) {
		pubfile_read(st, f);
		rc = 0;
	}
	db_done(st);
	return rc;
}

/* store_file_unpublish: 1 when FILE_ID was live and is now not, 0, -1. */
int
store_file_unpublish(int64_t file_id)
{
	sqlite3_stmt *st = db_prepare("UPDATE files SET unpublished = :now "
	    "WHERE id = :id AND unpublished IS NULL");

	if (st == NULL)
		return -1;
	db_bind_int(st, ":now", now_unix());
	db_bind_int(st, ":id", file_id);
	if (db_run(st) == -1)
		return -1;
	return db_changes() > 0;
}

/* store_download_add: the audit row of one download. 0, or -1. */
int
store_download_add(int64_t user_id, int64_t file_id, unsigned status,
    uint64_t off, uint64_t bytes, const char *addr)
{
	sqlite3_stmt *st = db_prepare("INSERT INTO downloads (at, user_id, "
	    "file_id, status, first_byte, bytes, addr) VALUES (:now, :uid, :fid, "
	    ":status, :off, :bytes, :addr)");

	if (st == NULL)
		return -1;
	db_bind_int(st, ":now", now_unix());
	db_bind_int(st, ":uid", user_id);
	db_bind_int(st, ":fid", file_id);
	db_bind_int(st, ":status", status);
	db_bind_int(st, ":off", (int64_t)off);
	db_bind_int(st, ":bytes", (int64_t)bytes);
	db_bind_text(st, ":addr", addr ? addr : "");
	return db_run(st);
}
