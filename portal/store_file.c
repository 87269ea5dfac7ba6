/* store_file.c: the SQL of published files (tables files and file_recipients). */
#include <string.h>

#include "portal.h"

#define FILE_COLS "f.id, f.subject_id, f.sha256, f.size, f.name, f.published, " \
	"coalesce(f.expires, 0), coalesce(f.unpublished, 0), f.report, " \
	"coalesce(f.replaces, 0), coalesce(f.crc32, -1)"
/* FILE_COLS's version of F in its report. */
#define FILE_VERSION "(SELECT count(*) FROM files vn WHERE vn.report = " \
	"f.report AND vn.id <= f.id)"
/* FILE_COLS's newer live version of F, for anyone. */
#define FILE_SUPERSEDED "EXISTS (SELECT 1 FROM files nl WHERE nl.report = " \
	"f.report AND nl.id > f.id AND " STORE_FILE_LIVE("nl") ")"

/*
 * The columns of FILE_COLS, then the last download, the downloads, the
 * unlock, the version and whether it is superseded.
 */
#define F(k, f)	DB_COL(k, struct pubfile, f)
const struct db_col store_file_fields[] = { F(I64, id), F(I64, subject_id),
    DB_COL_CHARS(struct pubfile, sha256), F(I64, size), F(TEXT, name),
    F(I64, published), F(I64, expires), F(I64, unpublished), F(I64, report),
    F(I64, replaces), F(I64, crc32), F(I64, last_download), F(I64, downloads),
    F(I64, unlocked_until), F(I64, version), F(I64, superseded), DB_COL_END };
#undef F

/*
 * STORE_FILE_LIVE(f): SQL true while publication F may be downloaded by
 * someone: not withdrawn, not expired at :now. Its content must be kept.
 */
#define STORE_FILE_LIVE(f) \
	f ".unpublished IS NULL AND (" f ".expires IS NULL OR " f ".expires > :now)"

/*
 * store_file_add: publication N (of BY; 0: the CLI), in the chain N->report
 * after N->replaces, or the first of a new chain. The id, or -1.
 */
int64_t
store_file_add(const struct file_new *n)
{
	int64_t id = db_insert(db_query("INSERT INTO files (subject_id, sha256, "
	    "size, crc32, name, all_grantees, published, published_by, expires, "
	    "report, replaces) VALUES (:sid, :sha, :size, :crc, :name, :all, "
	    ":now, :by, :expires, :report, :replaces)",
	    DB_INT(":sid", n->subject_id), DB_TEXT(":sha", n->sha),
	    DB_INT(":size", n->size), DB_INT(":crc", n->crc),
	    DB_TEXT(":name", n->name), DB_INT(":all", n->all != 0),
	    DB_INT(":now", now_unix()), DB_ID(":by", n->by),
	    DB_ID(":expires", n->expires), DB_ID(":report", n->report),
	    DB_ID(":replaces", n->replaces)));

	if (id < 0)
		return -1;
	if (n->report <= 0 && db_run(db_query("UPDATE files SET report = id "
	    "WHERE id = :id", DB_INT(":id", id))) == -1)
		return -1;
	return id;
}

struct chain {
	int64_t	report, head;
};
static const struct db_col chain_fields[] = {
    DB_COL(I64, struct chain, report), DB_COL(I64, struct chain, head),
    DB_COL_END };

/*
 * store_file_chain: the report (*REPORT) and its newest version (*HEAD)
 * that a new publication in SUBJECT_ID continues: that of FILE_ID when
 * it is > 0, else that of the newest publication called NAME, whatever
 * their state. 1, 0 when there is none (in that subject), -1.
 */
int
store_file_chain(int64_t subject_id, int64_t file_id, const char *name,
    int64_t *report, int64_t *head)
{
	struct chain c = { 0, 0 };
	int rc;

	rc = db_find(db_query("SELECT f.report, (SELECT max(h.id) FROM files h "
	    "WHERE h.report = f.report) FROM files f WHERE f.subject_id = :sid "
	    "AND (f.id = :id OR f.name = :name) ORDER BY f.id DESC LIMIT 1",
	    DB_INT(":sid", subject_id), DB_ID(":id", file_id),
	    DB_TEXT(":name", file_id > 0 ? NULL : name)), &c, sizeof c,
	    chain_fields);
	*report = c.report;
	*head = c.head;
	return rc;
}

/*
 * store_file_saw_report: 1 when USER_ID was a recipient (by name, or as a
 * grantee of a file for every grantee) of a version of REPORT older than
 * file BEFORE, 0, -1.
 */
int
store_file_saw_report(int64_t report, int64_t before, int64_t user_id)
{
	return (int)db_value(db_query("SELECT EXISTS (SELECT 1 FROM files f "
	    "WHERE f.report = :report AND f.id < :before AND (f.all_grantees = 1 "
	    "OR EXISTS (SELECT 1 FROM file_recipients rc WHERE rc.file_id = f.id "
	    "AND rc.user_id = :uid)))", DB_INT(":report", report),
	    DB_INT(":before", before), DB_INT(":uid", user_id)), -1);
}

/* store_file_recipient_add: USER_ID is a named recipient of FILE_ID. 0, or -1. */
int
store_file_recipient_add(int64_t file_id, int64_t user_id)
{
	return db_run(db_query("INSERT OR IGNORE INTO file_recipients (file_id, "
	    "user_id) VALUES (:fid, :uid)", DB_INT(":fid", file_id),
	    DB_INT(":uid", user_id)));
}

/*
 * store_file_live_sha: 1 when a live publication (not withdrawn, not
 * expired) has content SHA, 0, -1.
 */
int
store_file_live_sha(const char *sha)
{
	return (int)db_value(db_query("SELECT 1 FROM files f WHERE f.sha256 = "
	    ":sha AND " STORE_FILE_LIVE("f") " LIMIT 1", DB_TEXT(":sha", sha),
	    DB_INT(":now", now_unix())), 0);
}

/* store_file_known_sha: 1 when any publication, live or not, has content SHA, 0, -1. */
int
store_file_known_sha(const char *sha)
{
	return (int)db_value(db_query("SELECT 1 FROM files WHERE sha256 = :sha "
	    "LIMIT 1", DB_TEXT(":sha", sha)), 0);
}

/*
 * store_file_dead_shas: the contents that only withdrawn or expired
 * publications refer to, into *LIST (caller strv_free()s). The count, or -1.
 */
int
store_file_dead_shas(char ***list)
{
	return db_texts(db_query("SELECT DISTINCT f.sha256 FROM files f WHERE "
	    "NOT EXISTS (SELECT 1 FROM files g WHERE g.sha256 = f.sha256 AND "
	    STORE_FILE_LIVE("g") ") ORDER BY f.sha256",
	    DB_INT(":now", now_unix())), list);
}

/*
 * store_file_live_list: every live publication (not withdrawn, not
 * expired), by id, into *LIST (caller store_free()s). The count, or -1.
 */
int
store_file_live_list(struct pubfile **list)
{
	return db_list(db_query("SELECT " FILE_COLS ", 0, 0, 0, 0, 0 FROM "
	    "files f WHERE " STORE_FILE_LIVE("f") " ORDER BY f.id",
	    DB_INT(":now", now_unix())), list, sizeof **list,
	    store_file_fields);
}

/*
 * store_file_snapshot_shas: the live contents as the database attached as
 * "snap" (db_snapshot_attach) has them, into *LIST (caller strv_free()s).
 * The count, or -1.
 */
int
store_file_snapshot_shas(char ***list)
{
	return db_texts(db_query("SELECT DISTINCT f.sha256 FROM snap.files f "
	    "WHERE " STORE_FILE_LIVE("f") " ORDER BY f.sha256",
	    DB_INT(":now", now_unix())), list);
}

/* store_file_all_grantees: 1 when FILE_ID is for every grantee, 0 when for named recipients, -1. */
int
store_file_all_grantees(int64_t file_id)
{
	return (int)db_value(db_query("SELECT all_grantees != 0 FROM files "
	    "WHERE id = :fid", DB_INT(":fid", file_id)), -1);
}

/*
 * store_file_list_of_subject: every publication with its download counts,
 * its version and whether a newer one is live; the versions of a report
 * together, newest first, the report with the newest version first.
 */
int
store_file_list_of_subject(int64_t subject_id, struct pubfile **list)
{
	return db_list(db_query("SELECT " FILE_COLS ", (SELECT max(at) FROM "
	    "downloads d WHERE d.file_id = f.id), (SELECT count(*) FROM "
	    "downloads d WHERE d.file_id = f.id), 0, " FILE_VERSION ", "
	    FILE_SUPERSEDED " FROM files f WHERE f.subject_id = :sid ORDER BY "
	    "(SELECT max(h.id) FROM files h WHERE h.report = f.report) DESC, "
	    "f.id DESC", DB_INT(":sid", subject_id), DB_INT(":now", now_unix())),
	    list, sizeof **list, store_file_fields);
}

/*
 * store_file_list_for_user: the files of SUBJECT_ID that USER_ID (who must
 * hold a grant) can download at NOW, newest first, with their last
 * download and whether a newer version is visible to them (superseded).
 */
int
store_file_list_for_user(int64_t user_id, int64_t subject_id, int64_t now,
    struct pubfile **list)
{
	return db_list(db_query("SELECT " FILE_COLS ", (SELECT max(at) FROM "
	    "downloads d WHERE d.file_id = f.id AND d.user_id = :uid), 0, 0, 0, "
	    "NOT " STORE_FILE_CURRENT("f") " FROM files f JOIN grants g ON "
	    "g.subject_id = f.subject_id AND g.user_id = :uid WHERE "
	    "f.subject_id = :sid AND " STORE_FILE_VISIBLE("f") " ORDER BY "
	    "f.published DESC, f.id DESC",
	    DB_INT(":uid", user_id), DB_INT(":sid", subject_id),
	    DB_INT(":now", now)), list, sizeof **list, store_file_fields);
}

/*
 * store_file_find_download: file FILE_ID as USER_ID may download it at NOW
 * in SESSION: granted, published to them, live and not expired, with
 * F->unlocked_until the session's unlock of its subject (0: locked).
 * Returns 1, 0 when the user may not know the file, -1 when the database
 * failed.
 */
int
store_file_find_download(int64_t user_id, const uint8_t session[32],
    int64_t file_id, int64_t now, struct pubfile *f)
{
	return db_find(db_query("SELECT " FILE_COLS ", 0, 0, coalesce((SELECT "
	    "u.until FROM unlocks u WHERE u.session_hash = :h AND u.subject_id = "
	    "f.subject_id), 0), 0, 0 FROM files f JOIN grants g ON g.subject_id = "
	    "f.subject_id AND g.user_id = :uid WHERE f.id = :id AND "
	    STORE_FILE_VISIBLE("f"), DB_BLOB(":h", session, 32),
	    DB_INT(":uid", user_id), DB_INT(":id", file_id),
	    DB_INT(":now", now)), f, sizeof *f, store_file_fields);
}

/*
 * store_file_find_token_download: store_file_find_download for a request
 * with USER_ID's personal access token TOKEN_ID instead of a session:
 * F->unlocked_until is the token's expiry when it reads the file's subject
 * and is not revoked (0: it does not).
 */
int
store_file_find_token_download(int64_t user_id, int64_t token_id,
    int64_t file_id, int64_t now, struct pubfile *f)
{
	return db_find(db_query("SELECT " FILE_COLS ", 0, 0, coalesce((SELECT "
	    "t.expires FROM api_tokens t JOIN api_token_subjects ts ON "
	    "ts.token_id = t.id WHERE t.id = :tok AND t.user_id = :uid AND "
	    "t.revoked IS NULL AND ts.subject_id = f.subject_id), 0), 0, 0 FROM "
	    "files f JOIN grants g ON g.subject_id = f.subject_id AND g.user_id "
	    "= :uid WHERE f.id = :id AND " STORE_FILE_VISIBLE("f"),
	    DB_INT(":tok", token_id), DB_INT(":uid", user_id),
	    DB_INT(":id", file_id), DB_INT(":now", now)), f, sizeof *f,
	    store_file_fields);
}

/*
 * store_file_get: publication FILE_ID whatever its state, with its version
 * and whether a newer one is live; 0, or -1.
 */
int
store_file_get(int64_t file_id, struct pubfile *f)
{
	return db_row(db_query("SELECT " FILE_COLS ", 0, 0, 0, " FILE_VERSION
	    ", " FILE_SUPERSEDED " FROM files f WHERE f.id = :id",
	    DB_INT(":id", file_id), DB_INT(":now", now_unix())), f, sizeof *f,
	    store_file_fields);
}

/*
 * store_file_next: the id of the version after FILE_ID in its report, 0
 * when it is the newest, -1.
 */
int64_t
store_file_next(int64_t file_id)
{
	return db_value(db_query("SELECT coalesce((SELECT min(n.id) FROM files "
	    "n JOIN files f ON n.report = f.report AND n.id > f.id WHERE f.id = "
	    ":id), 0)", DB_INT(":id", file_id)), -1);
}

/* store_file_unpublish: 1 when FILE_ID was live and is now not, 0, -1. */
int
store_file_unpublish(int64_t file_id)
{
	int n = db_changed(db_query("UPDATE files SET unpublished = :now WHERE "
	    "id = :id AND unpublished IS NULL", DB_INT(":now", now_unix()),
	    DB_INT(":id", file_id)));

	return n < 0 ? -1 : n > 0;
}

/*
 * store_file_crc_todo: the first live publication after file AFTER whose
 * content has no CRC-32 yet: its id into *ID and content into SHA. 1, 0
 * when there is none, -1.
 */
int
store_file_crc_todo(int64_t after, int64_t *id, char sha[65])
{
	struct pubfile f;
	int rc;

	rc = db_find(db_query("SELECT " FILE_COLS ", 0, 0, 0, 0, 0 FROM files f "
	    "WHERE f.id > :after AND f.crc32 IS NULL AND " STORE_FILE_LIVE("f")
	    " ORDER BY f.id LIMIT 1", DB_INT(":after", after),
	    DB_INT(":now", now_unix())), &f, sizeof f, store_file_fields);
	if (rc == 1) {
		*id = f.id;
		memcpy(sha, f.sha256, 65);
		store_clear(&f);
	}
	return rc;
}

/* store_file_set_crc: content SHA has CRC-32 CRC, for every publication of it. 0, or -1. */
int
store_file_set_crc(const char *sha, uint32_t crc)
{
	return db_run(db_query("UPDATE files SET crc32 = :crc WHERE sha256 = "
	    ":sha AND crc32 IS NULL", DB_INT(":crc", crc), DB_TEXT(":sha", sha)));
}
