/* page_admin_file.c: the admin console's files: streamed upload, publication, the file page with its download log, unpublish. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <microhttpd.h>

#include "portal.h"

#define DOWNLOADS_SHOWN	500

/* An upload in progress: the request's ctx from the first file byte on. */
struct upload {
	struct staged	 st;
	int		 checked;	/* http_upload_allowed was asked */
	int		 refused;	/* not an admin with csrf first: dropped */
	int		 started;	/* ST holds a temporary file */
	int		 done;		/* the file part ended (another came) */
	char		*filename;
};

/*
 * page_admin_file_upload_chunk: the route's upload hook: the part "file" streamed
 * into a locked temporary file in DATA/files/, hashed as it comes. Only
 * an admin whose csrf field precedes the file gets anything stored.
 * 0, or -1 (with r->status) to stop reading the body.
 */
int
page_admin_file_upload_chunk(struct req *r, const char *key, const char *filename,
    const char *type, const char *data, uint64_t off, size_t size)
{
	struct upload *u = r->ctx;

	(void)type;
	if (u == NULL)
		u = r->ctx = xcalloc(1, sizeof *u);
	if (!u->checked) {
		u->checked = 1;
		u->refused = !http_upload_allowed(r);
	}
	if (u->refused || strcmp(key, "file") != 0 || filename == NULL ||
	    *filename == '\0')
		return 0;
	/*
	 * OFF counts the part's bytes so far, and libmicrohttpd may call
	 * with none at all (bytes that could still be a boundary are held
	 * back): the part goes on while OFF is what was written; OFF 0 after
	 * bytes is a second file.
	 */
	if (off == 0 && !u->started) {
		if (publish_begin(&u->st) == -1) {
			logmsg(LOG_ERR,
			    "upload: cannot create a file in %s/files: %s",
			    cfg.data, strerror(errno));
			r->status = MHD_HTTP_INTERNAL_SERVER_ERROR;
			return -1;
		}
		u->started = 1;
		u->filename = xstrdup(filename);
	} else if (!u->started || off != u->st.size) {
		r->status = MHD_HTTP_BAD_REQUEST;	/* one file per upload */
		return -1;
	}
	if (u->st.size + size > cfg.max_upload) {
		r->status = MHD_HTTP_CONTENT_TOO_LARGE;
		return -1;
	}
	if (size > 0 && publish_write(&u->st, data, size) == -1) {
		logmsg(LOG_ERR,
		    "upload: cannot write %s: %s", u->st.tmp, strerror(errno));
		r->status = errno == ENOSPC ? MHD_HTTP_INSUFFICIENT_STORAGE :
		    MHD_HTTP_INTERNAL_SERVER_ERROR;
		return -1;
	}
	return 0;
}

/* page_admin_file_upload_cleanup: the route's cleanup: an unpublished upload leaves nothing behind. */
void
page_admin_file_upload_cleanup(struct req *r)
{
	struct upload *u = r->ctx;

	if (u == NULL)
		return;
	if (u->started)
		publish_release(&u->st);
	free(u->filename);
	free(u);
	r->ctx = NULL;
}

/* The name a browser sent, without any directory part. */
static const char *
base_name(const char *s)
{
	const char *p;

	for (p = s; *p; p++)
		if (*p == '/' || *p == '\\')
			s = p + 1;
	return s;
}

/*
 * A refused upload: the subject's page with MSG and the form as it was
 * sent (the same audience, the same ticked users: never wider); the file
 * itself must be chosen again, which the page says.
 */
static int
refuse(struct req *r, const char *code, unsigned status, const char *msg)
{
	flash_var(r, "reattach", "1");
	return console_refuse_subject(r, code, "audience to expires replaces",
	    status, msg);
}

/* POST /admin/subjects/{code}/upload: multipart csrf, file, audience, to..., expires */
int
page_admin_file_upload(struct req *r)
{
	struct upload *u = r->ctx;
	struct publication p = { 0 };
	struct subject s;
	const char *audience = http_field(r, "audience"), *exp, *name, *rep;
	const char *code = r->args[0];
	uint8_t mac[32];
	int i, rc;

	if (console_subject(r, &s) == -1)
		return http_not_found(r);
	if (u == NULL || !u->started) {
		store_clear(&s);
		return refuse(r, code, MHD_HTTP_BAD_REQUEST,
		    "admin.upload.no_file");
	}
	name = base_name(u->filename);
	if (!subjects_file_name_ok(name)) {
		store_clear(&s);
		return refuse(r, code, MHD_HTTP_BAD_REQUEST,
		    "admin.upload.bad_name");
	}
	if ((rep = http_field(r, "replaces")) != NULL && *rep != '\0') {
		char *end;

		p.replaces = strtoll(rep, &end, 10);
		if (*end != '\0' || p.replaces <= 0 ||
		    subjects_replaceable(&s, p.replaces) != 1) {
			store_clear(&s);
			return refuse(r, code, MHD_HTTP_BAD_REQUEST,
			    "admin.upload.bad_replaces");
		}
	}
	if ((exp = http_field(r, "expires")) != NULL && *exp != '\0') {
		p.expires = time_parse(exp);
		if (p.expires <= now_unix()) {
			store_clear(&s);
			return refuse(r, code, MHD_HTTP_BAD_REQUEST,
			    "admin.upload.bad_expires");
		}
	}
	p.to = xcalloc((size_t)r->nfields + 1, sizeof *p.to);
	if (audience != NULL && strcmp(audience, "chosen") == 0) {
		for (i = 0; i < r->nfields; i++) {
			const char *id = r->fields[i].value.data;
			char *end;
			long long uid;

			if (strcmp(r->fields[i].name, "to") != 0)
				continue;
			uid = strtoll(id ? id : "", &end, 10);
			if (id == NULL || *end != '\0' || uid <= 0 ||
			    store_user_find_id((int64_t)uid, &p.to[p.nto]) != 1) {
				rc = refuse(r, code, MHD_HTTP_BAD_REQUEST,
				    "admin.upload.bad_recipient");
				goto done;
			}
			if (store_grant_mac(p.to[p.nto].id, s.id, mac) == -1) {
				store_clear(&p.to[p.nto]);
				rc = refuse(r, code, MHD_HTTP_BAD_REQUEST,
				    "admin.upload.bad_recipient");
				goto done;
			}
			p.nto++;
		}
		if (p.nto == 0) {
			rc = refuse(r, code, MHD_HTTP_BAD_REQUEST,
			    "admin.upload.no_recipients");
			goto done;
		}
	}
	if (publish_finish(&u->st) == -1) {
		logmsg(LOG_ERR, "upload: cannot sync %s: %s", u->st.tmp,
		    strerror(errno));
		rc = http_internal(r);
		goto done;
	}
	p.s = &s;
	p.st = &u->st;
	p.name = name;
	p.actor = r->user.id;
	p.addr = r->addr;
	if (subjects_publish(&p) == -1) {
		rc = http_internal(r);
		goto done;
	}
	publish_release(&u->st);
	u->started = 0;
	rc = console_back_subject(r, s.code, "published");
done:
	for (i = 0; i < p.nto; i++)
		store_clear(&p.to[i]);
	free(p.to);
	store_clear(&s);
	return rc;
}

/* The file the URL names; 0 and F, or -1. */
static int
target(struct req *r, struct pubfile *f)
{
	int64_t id = http_arg_id(r, 0);

	if (id < 0)
		return -1;
	return store_file_get(id, f);
}

/* GET /admin/files/{id}: the publication and who downloaded it. */
int
page_admin_file(struct req *r)
{
	struct tmpl_vars *v, *item;
	struct download_row *dl;
	struct pubfile f;
	struct subject s;
	char size[32];
	int64_t next;
	int n, i;

	if (target(r, &f) == -1)
		return http_not_found(r);
	if (store_subject_find_id(f.subject_id, &s) != 1 ||
	    (n = store_download_list(f.id, DOWNLOADS_SHOWN, &dl)) < 0) {
		store_clear(&f);
		return http_internal(r);
	}
	v = tv_new();
	tv_set(v, "admin_nav_subjects", "1");
	tv_setf(v, "id", "%lld", (long long)f.id);
	tv_set(v, "name", f.name);
	tv_set(v, "code", s.code);
	tv_set(v, "title", s.title);
	tmpl_size(f.size, r->lang, size, sizeof size);
	tv_set(v, "size", size);
	tv_setf(v, "bytes", "%llu", (unsigned long long)f.size);
	tv_set(v, "sha", f.sha256);
	tv_set_time(v, "published", f.published, TIME_MINUTE);
	tv_set_time(v, "expires", f.expires, TIME_MINUTE);
	if (store_file_all_grantees(f.id) == 1)
		tv_set(v, "all", "1");
	tv_setf(v, "version", "%lld", (long long)f.version);
	if (f.replaces > 0)
		tv_setf(v, "replaces", "%lld", (long long)f.replaces);
	if ((next = store_file_next(f.id)) > 0)
		tv_setf(v, "next", "%lld", (long long)next);
	if (f.unpublished) {
		tv_set_time(v, "unpublished", f.unpublished, TIME_MINUTE);
	} else {
		tv_set(v, "live", "1");
		if (f.superseded)
			tv_set(v, "superseded", "1");
	}
	for (i = 0; i < n; i++) {
		item = tv_add(v, "downloads");
		tv_set_time(item, "at", dl[i].at, TIME_MINUTE);
		tv_setf(item, "uid", "%lld", (long long)dl[i].user_id);
		tv_set(item, "email", dl[i].email);
		tv_setf(item, "status", "%d", dl[i].status);
		tv_setf(item, "bytes", "%llu", (unsigned long long)dl[i].bytes);
		tv_setf(item, "first", "%llu",
		    (unsigned long long)dl[i].first_byte);
		tv_set(item, "addr", dl[i].addr);
	}
	store_free(dl, n);
	store_clear(&f);
	store_clear(&s);
	return http_page(r, MHD_HTTP_OK, "admin/file", v);
}

/* GET /admin/files/{id}/unpublish asks; POST after the confirmation unpublishes. */
int
page_admin_file_unpublish(struct req *r)
{
	struct tmpl_vars *v;
	struct pubfile f;
	struct subject s;
	int rc;

	if (target(r, &f) == -1)
		return http_not_found(r);
	if (store_subject_find_id(f.subject_id, &s) != 1)
		rc = http_internal(r);
	else if (!console_confirmed(r)) {
		v = tv_new();
		tv_set(v, "file", f.name);
		tv_set(v, "subject", s.code);
		tv_setf(v, "cancel", "/admin/files/%lld", (long long)f.id);
		rc = console_confirm(r, "admin_nav_subjects", r->path,
		    "admin.confirm.unpublish", "admin.file.unpublish", v);
	} else if (subjects_unpublish(f.id, r->user.id, r->addr) < 0)
		rc = http_internal(r);
	else
		rc = console_back_subject(r, s.code, "unpublished");
	store_clear(&f);
	store_clear(&s);
	return rc;
}
