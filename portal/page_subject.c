/* page_subject.c: subjects on the home page, unlocking with the validation code, downloads. */
#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <microhttpd.h>

#include "portal.h"

#define VALIDATION_INPUT_MAX	64

/*
 * NAME in V: the instant T to the minute as people of R's language read
 * it, or empty when there is none.
 */
static void
minute_or_none(struct req *r, struct tmpl_vars *v, const char *name,
    int64_t t)
{
	char s[96];

	if (t > 0) {
		time_human(t, TIME_MINUTE, r->lang, s, sizeof s);
		tv_set(v, name, s);
	} else
		tv_set(v, name, "");
}

/*
 * The subject of the URL, if granted to this user: 0 with S filled, -1
 * (unknown and not granted look the same: 404), or -2 when the database
 * failed.
 */
static int
granted_subject(struct req *r, struct subject *s)
{
	uint8_t mac[32];
	int rc;

	memset(s, 0, sizeof *s);
	if (r->args[0] == NULL || !subjects_code_ok(r->args[0]))
		return -1;
	if ((rc = store_subject_find(r->args[0], s)) != 1)
		return rc == 0 ? -1 : -2;
	if ((rc = store_grant_find(r->user.id, s->id, mac)) != 1) {
		store_clear(s);
		return rc == 0 ? -1 : -2;
	}
	return 0;
}

/* The answer when granted_subject said RC (-1 or -2). */
static int
not_granted(struct req *r, int rc)
{
	if (rc == -2)
		return http_unavailable(r);
	return http_not_found(r);
}

static int
subject_page(struct req *r, struct subject *s, unsigned status,
    const char *error, int64_t wait)
{
	struct tmpl_vars *v = tv_new(), *item;
	struct pubfile *files;
	char buf[96];
	int64_t now = now_unix(), until;
	int n, i;

	tv_set(v, "code", s->code);
	tv_set(v, "title", s->title);
	tv_set(v, "description", s->description);
	until = store_unlock_until(r->sess.hash, s->id);
	if (until <= now) {
		store_clear(s);
		return http_form(r, status, "subject", v, error, wait);
	}
	tv_set(v, "unlocked", "1");
	time_human(until, TIME_CLOCK, r->lang, buf, sizeof buf);
	tv_set(v, "until", buf);
	if ((n = store_file_list_for_user(r->user.id, s->id, now, &files)) < 0) {
		tv_free(v);
		store_clear(s);
		return http_internal(r);
	}
	/*
	 * The newest version of each report the user can see, "new" until
	 * they downloaded it; the older ones below, still downloadable.
	 */
	for (i = 0; i < n; i++) {
		item = tv_add_named(v, files[i].superseded ? "older" : "files",
		    files[i].id, files[i].name);
		tmpl_size(files[i].size, r->lang, buf, sizeof buf);
		tv_set(item, "size", buf);
		tv_setf(item, "bytes", "%llu", (unsigned long long)files[i].size);
		minute_or_none(r, item, "date", files[i].published);
		tv_set(item, "sha256", files[i].sha256);
		minute_or_none(r, item, "last", files[i].last_download);
		if (files[i].last_download <= 0 && !files[i].superseded)
			tv_set(item, "new", "1");
		minute_or_none(r, item, "expires", files[i].expires);
	}
	store_free(files, n);
	store_clear(s);
	return http_form(r, status, "subject", v, error, wait);
}

/* A failed unlock: back to the subject's page, which says what went wrong. */
static int
subject_back(struct req *r, struct subject *s, unsigned status,
    const char *error, int64_t wait)
{
	char *to = xasprintf("/subjects/%s", s->code);
	int ret = http_back(r, to, NULL, status, error, wait);

	free(to);
	store_clear(s);
	return ret;
}

/* GET /subjects/{code}: the validation code form, or the files once unlocked. */
int
page_subject(struct req *r)
{
	struct subject s;
	int rc;

	if ((rc = granted_subject(r, &s)) < 0)
		return not_granted(r, rc);
	return subject_page(r, &s, MHD_HTTP_OK, NULL, 0);
}

/*
 * POST /subjects/{code}/unlock: the validation code of this user for this
 * subject unlocks it in this session. Wrong codes are throttled per user
 * and subject and per address, and audited; a malformed code is not a
 * guess and is not counted.
 */
int
page_subject_unlock(struct req *r)
{
	const char *code = http_field(r, "validation_code");
	struct subject s;
	uint8_t want[32], got[32];
	char norm[VALIDATION_INPUT_MAX], *acct;
	int64_t wait;
	int rc;

	if ((rc = granted_subject(r, &s)) < 0)
		return not_granted(r, rc);
	acct = xasprintf("%s\n%lld", r->user.email, (long long)s.id);
	if ((wait = throttle_wait("validation", acct, r->addr,
	    !http_trusted(r, r->user.email))) > 0) {
		store_audit(r->user.id, 0, "validation.throttled", r->addr, s.code);
		free(acct);
		return subject_back(r, &s, MHD_HTTP_TOO_MANY_REQUESTS,
		    "validation.throttled", wait);
	}
	if (code == NULL || strlen(code) >= VALIDATION_INPUT_MAX ||
	    validation_normal(code, norm, sizeof norm) == -1) {
		free(acct);
		return subject_back(r, &s, MHD_HTTP_BAD_REQUEST,
		    code == NULL || *code == '\0' ? "validation.missing" :
		    "validation.malformed", 0);
	}
	validation_mac(r->user.id, s.id, norm, got);
	explicit_bzero(norm, sizeof norm);
	if ((rc = store_grant_find(r->user.id, s.id, want)) == -1) {
		/* Not knowing the right code is not a wrong code. */
		free(acct);
		store_clear(&s);
		return http_unavailable(r);
	}
	if (rc == 0 || !crypto_equal(want, got, sizeof want)) {
		throttle_fail("validation", acct, r->addr);
		store_audit(r->user.id, 0, "validation.fail", r->addr, s.code);
		wait = throttle_wait("validation", acct, r->addr,
		    !http_trusted(r, r->user.email));
		free(acct);
		/* Wrong is 401; the page already says when to try again. */
		return subject_back(r, &s, MHD_HTTP_UNAUTHORIZED, wait > 0 ?
		    "validation.throttled" : "validation.bad", wait);
	}
	throttle_ok("validation", acct, r->addr);
	free(acct);
	if (store_unlock_put(r->sess.hash, s.id, now_unix() +
	    cfg.unlock_time) == -1) {
		store_clear(&s);
		return http_unavailable(r);
	}
	store_audit(r->user.id, 0, "subject.unlock", r->addr, s.code);
	{
		char *to = xasprintf("/subjects/%s", s.code);
		int ret = http_redirect(r, to);

		free(to);
		store_clear(&s);
		return ret;
	}
}

/*
 * The one place that decides whether this request may download file ID:
 * session fully logged in, subject granted to this user, file published to
 * them, live and not expired (all in one query), subject unlocked in this
 * session and not expired; or, instead of the session and the unlock, a
 * personal access token (checked by the gate) that reads the subject.
 * Returns 0 with F filled (caller store_clear()s), 404 for a file the user
 * (or the token) may not know about, 403 for a subject that is locked (its
 * id in *SUBJECT_ID), 503
 * when the database failed.
 */
static unsigned
file_check(struct req *r, int64_t id, struct pubfile *f, int64_t *subject_id)
{
	int rc;

	memset(f, 0, sizeof *f);
	*subject_id = 0;
	if (r->user.id <= 0 || id < 0)
		return MHD_HTTP_NOT_FOUND;
	if (r->token.id > 0)
		rc = store_file_find_token_download(r->user.id, r->token.id, id,
		    now_unix(), f);
	else if (r->sess.stage == STAGE_IN)
		rc = store_file_find_download(r->user.id, r->sess.hash, id,
		    now_unix(), f);
	else
		return MHD_HTTP_NOT_FOUND;
	if (rc != 1)
		return rc == 0 ? MHD_HTTP_NOT_FOUND : MHD_HTTP_SERVICE_UNAVAILABLE;
	if (f->unlocked_until <= now_unix()) {
		*subject_id = f->subject_id;
		store_clear(f);
		/* A token knows only the subjects it reads. */
		return r->token.id > 0 ? MHD_HTTP_NOT_FOUND : MHD_HTTP_FORBIDDEN;
	}
	return 0;
}

/*
 * A file of a locked subject (its unlock expired while the page was open):
 * the subject's page, which asks for the validation code and says why.
 */
static int
file_locked(struct req *r, int64_t subject_id)
{
	struct subject s;
	char *to;
	int ret;

	if (store_subject_find_id(subject_id, &s) != 1)
		return http_error(r, MHD_HTTP_FORBIDDEN, "file.locked");
	to = xasprintf("/subjects/%s", s.code);
	ret = http_back(r, to, NULL, MHD_HTTP_FORBIDDEN, "file.locked", 0);
	free(to);
	store_clear(&s);
	return ret;
}

/* GET /files/{id}: the file, whole or one range, straight from disk. */
int
page_subject_file(struct req *r)
{
	struct pubfile f;
	struct buf cd = { 0 };
	struct stat sb;
	char path[4096], etag[68], range[96];
	const char *rh, *ir;
	uint64_t off = 0, len = 0;
	unsigned status;
	int64_t row = 0, subject_id;
	int fd, kind, ret;

	if ((status = file_check(r, http_arg_id(r, 0), &f, &subject_id)) ==
	    MHD_HTTP_SERVICE_UNAVAILABLE)
		return http_unavailable(r);
	if (status != 0) {
		snprintf(range, sizeof range, "file %.40s: %u", r->args[0] ?
		    r->args[0] : "", status);
		store_audit(r->user.id, 0, "download.refused", r->addr, range);
		if (status == MHD_HTTP_FORBIDDEN)
			return file_locked(r, subject_id);
		return http_error(r, status, "err.notfound");
	}
	if (publish_path(f.sha256, path, sizeof path) == -1 ||
	    (fd = open(path, O_RDONLY | O_CLOEXEC)) == -1) {
		logmsg(LOG_ERR,
		    "download: file %lld: cannot open its content %.12s: %s",
		    (long long)f.id, f.sha256, strerror(errno));
		store_clear(&f);
		return http_internal(r);
	}
	if (fstat(fd, &sb) == -1 || !S_ISREG(sb.st_mode) ||
	    (uint64_t)sb.st_size != f.size) {
		logmsg(LOG_ERR,
		    "download: file %lld: content %.12s is not the published "
		    "file", (long long)f.id, f.sha256);
		close(fd);
		store_clear(&f);
		return http_internal(r);
	}
	snprintf(etag, sizeof etag, "\"%s\"", f.sha256);
	http_add_header(r, MHD_HTTP_HEADER_ETAG, etag);
	/* The client has these bytes already: 304, audited as such. */
	if (dl_etag_match(http_header(r, MHD_HTTP_HEADER_IF_NONE_MATCH), etag)) {
		close(fd);
		snprintf(range, sizeof range, "file %lld", (long long)f.id);
		store_audit(r->user.id, 0, "download.not_modified", r->addr, range);
		store_clear(&f);
		return http_not_modified(r, 1);
	}
	rh = http_header(r, MHD_HTTP_HEADER_RANGE);
	ir = http_header(r, MHD_HTTP_HEADER_IF_RANGE);
	/* If-Range with anything but our current strong ETag: the whole file. */
	if (rh != NULL && ir != NULL && strcmp(ir, etag) != 0)
		rh = NULL;
	kind = dl_range(rh, f.size, &off, &len);
	http_add_header(r, "Accept-Ranges", "bytes");
	if (kind == DL_RANGE_UNSATISFIABLE) {
		close(fd);
		snprintf(range, sizeof range, "bytes */%llu",
		    (unsigned long long)f.size);
		http_add_header(r, MHD_HTTP_HEADER_CONTENT_RANGE, range);
		store_clear(&f);
		return http_error(r, MHD_HTTP_RANGE_NOT_SATISFIABLE, "file.range");
	}
	status = MHD_HTTP_OK;
	if (kind == DL_RANGE_ONE) {
		status = MHD_HTTP_PARTIAL_CONTENT;
		snprintf(range, sizeof range, "bytes %llu-%llu/%llu",
		    (unsigned long long)off, (unsigned long long)(off + len - 1),
		    (unsigned long long)f.size);
		http_add_header(r, MHD_HTTP_HEADER_CONTENT_RANGE, range);
	}
	/*
	 * Fail closed: the download's log and audit rows are written before
	 * a byte is sent, or nothing is sent. The bytes it sent are recorded
	 * when the response ends (page_subject_file_done).
	 */
	if (r->method == HTTP_GET && (row = subjects_download_begin(&r->user,
	    &f, status, off, len, r->addr)) < 0) {
		close(fd);
		store_clear(&f);
		return http_unavailable(r);
	}
	dl_disposition(&cd, f.name);
	http_add_header(r, MHD_HTTP_HEADER_CONTENT_DISPOSITION, cd.data);
	buf_free(&cd);
	if (r->method == HTTP_GET) {
		r->ctx = xmalloc(sizeof row);
		memcpy(r->ctx, &row, sizeof row);
	}
	ret = http_file(r, status, dl_mime(f.name), fd, off, len, 1);
	store_clear(&f);
	return ret;
}

/*
 * page_subject_file_done: the route's cleanup, when the download's
 * response ended (sent whole, cut off, or the server stopping): its row
 * gets the bytes actually sent.
 */
void
page_subject_file_done(struct req *r)
{
	int64_t row;

	if (r->ctx == NULL)
		return;
	memcpy(&row, r->ctx, sizeof row);
	free(r->ctx);
	r->ctx = NULL;
	if (subjects_download_end(row, r->sent) == -1)
		logmsg(LOG_ERR,
		    "download: could not record the %llu bytes sent by "
		    "download %lld", (unsigned long long)r->sent, (long long)row);
}

/* A zip on its way: the archive, and the download row of each entry. */
struct zipdl {
	struct archive	*a;
	int64_t		*rows;		/* NULL for HEAD */
	int		 n;
};

static ssize_t
zip_read(void *cls, uint64_t pos, char *buf, size_t max)
{
	return archive_read(cls, pos, buf, max);
}

static int
by_name(const void *a, const void *b)
{
	const struct pubfile *x = a, *y = b;
	int c = strcmp(x->name, y->name);

	return c != 0 ? c : x->id < y->id ? -1 : x->id > y->id;
}

/*
 * The newest version of each report of S that this request may download,
 * each passed by file_check, by name, into *OUT (caller store_free()s).
 * The count, or -1 when the database failed.
 */
static int
zip_files(struct req *r, const struct subject *s, struct pubfile **out)
{
	struct pubfile *list, *ok;
	int64_t locked;
	int n, i, k = 0;
	unsigned st;

	*out = NULL;
	if ((n = store_file_list_for_user(r->user.id, s->id, now_unix(),
	    &list)) < 0)
		return -1;
	ok = xcalloc((size_t)n + 1, sizeof *ok);
	for (i = 0; i < n; i++) {
		if (list[i].superseded)
			continue;
		st = file_check(r, list[i].id, &ok[k], &locked);
		if (st == MHD_HTTP_SERVICE_UNAVAILABLE) {
			store_free(list, n);
			store_free(ok, k);
			return -1;
		}
		if (st == 0)
			k++;
	}
	store_free(list, n);
	qsort(ok, (size_t)k, sizeof *ok, by_name);
	*out = ok;
	return k;
}

/*
 * GET /subjects/{code}.zip: the newest version of every file of the
 * subject that the user may download (each passed by file_check), as one
 * zip of stored entries streamed from their content. Its Content-Length
 * is known before the first byte; one audit row for the zip and a
 * download row for each file are written first (fail closed), and get
 * the bytes that reached the client when the response ends
 * (page_subject_zip_done). No Range: a zip is fetched whole.
 */
int
page_subject_zip(struct req *r)
{
	struct subject s;
	struct pubfile *files;
	struct zipdl *z;
	struct buf cd = { 0 };
	char name[48];
	int n, rc;

	if ((rc = granted_subject(r, &s)) < 0)
		return not_granted(r, rc);
	if (store_unlock_until(r->sess.hash, s.id) <= now_unix()) {
		snprintf(name, sizeof name, "%s.zip: 403", s.code);
		store_audit(r->user.id, 0, "download.refused", r->addr, name);
		return subject_back(r, &s, MHD_HTTP_FORBIDDEN, "zip.locked", 0);
	}
	if ((n = zip_files(r, &s, &files)) < 0) {
		store_clear(&s);
		return http_unavailable(r);
	}
	if (n == 0) {
		store_free(files, n);
		store_clear(&s);
		return http_error(r, MHD_HTTP_NOT_FOUND, "zip.empty");
	}
	z = xcalloc(1, sizeof *z);
	z->n = n;
	if ((z->a = archive_new(files, n)) == NULL) {
		free(z);
		store_free(files, n);
		store_clear(&s);
		return http_internal(r);
	}
	if (r->method == HTTP_GET) {
		z->rows = xcalloc((size_t)n, sizeof *z->rows);
		if (subjects_zip_begin(&r->user, &s, files, n,
		    archive_size(z->a), r->addr, z->rows) == -1) {
			archive_free(z->a);
			free(z->rows);
			free(z);
			store_free(files, n);
			store_clear(&s);
			return http_unavailable(r);
		}
	}
	r->ctx = z;
	snprintf(name, sizeof name, "%s.zip", s.code);
	dl_disposition(&cd, name);
	http_add_header(r, MHD_HTTP_HEADER_CONTENT_DISPOSITION, cd.data);
	http_add_header(r, "Accept-Ranges", "none");
	buf_free(&cd);
	store_free(files, n);
	store_clear(&s);
	return http_stream(r, MHD_HTTP_OK, "application/zip",
	    archive_size(z->a), zip_read, z->a);
}

/*
 * page_subject_zip_done: the route's cleanup: each file's download row
 * gets the bytes of its content that reached the client.
 */
void
page_subject_zip_done(struct req *r)
{
	struct zipdl *z = r->ctx;
	uint64_t sent;
	int i;

	if (z == NULL)
		return;
	r->ctx = NULL;
	for (i = 0; z->rows != NULL && i < z->n; i++) {
		sent = archive_entry_sent(z->a, i, r->sent);
		if (subjects_download_end(z->rows[i], sent) == -1)
			logmsg(LOG_ERR, "download: could not record the %llu "
			    "bytes sent by download %lld", (unsigned long long)sent,
			    (long long)z->rows[i]);
	}
	archive_free(z->a);
	free(z->rows);
	free(z);
}
