/* subjects.c: the actions on subjects and files shared by the console and the CLI: grant, revoke, publish, unpublish. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "portal.h"

/* subjects_code_ok: a subject's code: 1..32 of [A-Za-z0-9_-]. */
int
subjects_code_ok(const char *s)
{
	size_t n = strlen(s);

	if (n == 0 || n > 32)
		return 0;
	return strspn(s, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
	    "0123456789_-") == n;
}

/*
 * subjects_file_name_ok: a name a file may be published under: text by
 * str_text_ok of at most 255 bytes, no path ("/" or "\\"), not hidden
 * (".htaccess", "." and ".."), no space at either end.
 */
int
subjects_file_name_ok(const char *s)
{
	size_t n = strlen(s);

	return str_text_ok(s, SUBJECT_FILE_NAME_MAX, 0) && s[0] != '.' &&
	    strpbrk(s, "/\\") == NULL && s[0] != ' ' && s[n - 1] != ' ';
}

/*
 * subjects_check: NULL when CODE, TITLE and DESC (may be empty) make a
 * subject, else the catalogue key of the first problem.
 */
const char *
subjects_check(const char *code, const char *title, const char *desc)
{
	if (code == NULL || !subjects_code_ok(code))
		return "admin.subject.bad_code";
	if (title == NULL || !str_text_ok(title, SUBJECT_TITLE_MAX, 0))
		return "admin.subject.bad_title";
	if (desc != NULL && *desc != '\0' &&
	    !str_text_ok(desc, SUBJECT_DESC_MAX, 1))
		return "admin.subject.bad_description";
	return NULL;
}

/*
 * subjects_edit: S gets TITLE and DESC (checked by subjects_check first),
 * audited with ACTOR (0: the CLI) and ADDR. 0, or -1.
 */
int
subjects_edit(const struct subject *s, const char *title, const char *desc,
    int64_t actor, const char *addr)
{
	if (subjects_check(s->code, title, desc) != NULL ||
	    store_subject_update(s->id, title, desc) == -1)
		return -1;
	store_audit(0, actor, "subject.edit", addr, s->code);
	return 0;
}

/*
 * subjects_create: the subject CODE with TITLE and DESC, audited with
 * ACTOR (0: the CLI) and ADDR. The new id, -2 when the code exists, -1 when
 * subjects_check refuses the text or on an error.
 */
int64_t
subjects_create(const char *code, const char *title, const char *desc,
    int64_t actor, const char *addr)
{
	int64_t id;

	if (subjects_check(code, title, desc) != NULL)
		return -1;
	if ((id = store_subject_add(code, title, desc)) >= 0)
		store_audit(0, actor, "subject.add", addr ? addr : "", code);
	return id;
}

struct grant_tx {
	const struct user	*u;
	const struct subject	*s;
	int			 resend;
	int64_t			 actor;
	const char		*addr;
	char			 code[VALIDATION_LEN + 1];
};

/* The new code's hash, the end of open unlocks, the audit and the mail: all or nothing. */
static int
grant_tx(void *arg)
{
	struct grant_tx *g = arg;
	struct tmpl_vars *v;
	uint8_t mac[32];
	int rc;

	validation_mac(g->u->id, g->s->id, g->code, mac);
	if (store_grant_put(g->u->id, g->s->id, mac) == -1 ||
	    store_unlock_drop(g->u->id, g->s->id) == -1)
		return -1;
	store_audit(g->u->id, g->actor, g->resend ? "grant.resend" : "grant",
	    g->addr, g->s->code);
	v = tv_new();
	tv_set(v, "name", g->u->name && *g->u->name ? g->u->name : g->u->email);
	tv_set(v, "subject", g->s->code);
	tv_set(v, "title", g->s->title);
	tv_set(v, "code", g->code);
	tv_set(v, "site", cfg.public_url ? cfg.public_url : "");
	tv_setf(v, "link", "%s/subjects/%s", cfg.public_url ? cfg.public_url :
	    "", g->s->code);
	rc = mail_queue(g->u->email, "validation_code", v, g->u->lang);
	tv_free(v);
	return rc;
}

/*
 * subjects_grant: give U access to S (RESEND: a new code for an existing
 * grant) with a new validation code, stored as a keyed hash and mailed;
 * open unlocks end. Audited with ACTOR (0: the CLI) and ADDR. 0, or -1.
 * The caller checks whether a grant exists.
 */
int
subjects_grant(const struct user *u, const struct subject *s, int resend,
    int64_t actor, const char *addr)
{
	struct grant_tx g = { .u = u, .s = s, .resend = resend, .actor = actor,
	    .addr = addr ? addr : "" };
	int rc = -1;

	if (validation_new(g.code) == 0)
		rc = db_tx(grant_tx, &g) == 0 ? 0 : -1;
	explicit_bzero(g.code, sizeof g.code);
	return rc;
}

/*
 * subjects_revoke: take S away from U: the code stops working, unlocks
 * end. Audited. 1 when revoked, 0 when U had no grant, -1 on error.
 */
int
subjects_revoke(const struct user *u, const struct subject *s, int64_t actor,
    const char *addr)
{
	int n;

	store_unlock_drop(u->id, s->id);
	if ((n = store_grant_delete(u->id, s->id)) > 0)
		store_audit(u->id, actor, "revoke", addr ? addr : "", s->code);
	return n < 0 ? -1 : n > 0;
}

/*
 * The "new file" mail of P to U, in U's language: "a new version" when U
 * received an earlier version of its report.
 */
static void
new_file_mail(struct publication *p, int64_t report, const struct user *u)
{
	struct tmpl_vars *v = tv_new();
	char size[32];

	tmpl_size(p->st->size, tmpl_lang(u->lang), size, sizeof size);
	tv_set(v, "name", u->name && *u->name ? u->name : u->email);
	tv_set(v, "subject", p->s->code);
	tv_set(v, "title", p->s->title);
	tv_set(v, "file", p->name);
	tv_set(v, "size", size);
	if (p->prev > 0 && store_file_saw_report(report, p->id, u->id) == 1)
		tv_set(v, "version", "1");
	tv_set(v, "site", cfg.public_url ? cfg.public_url : "");
	tv_setf(v, "link", "%s/subjects/%s", cfg.public_url ? cfg.public_url :
	    "", p->s->code);
	if (mail_queue(u->email, "new_file", v, u->lang) == -1)
		logmsg(LOG_ERR,
		    "publish: could not queue the mail to %s", u->email);
	tv_free(v);
}

struct publish_tx {
	struct publication	*p;
	char			**mails;	/* all grantees when NTO == 0 */
	int			 nmails;
};

/*
 * Place the content, record the publication as the next version of its
 * report (P->replaces', else the newest of the same name's, else a new
 * one), queue the mails: all or nothing.
 */
static int
publish_tx(void *arg)
{
	struct publish_tx *t = arg;
	struct publication *p = t->p;
	struct file_new n = { .subject_id = p->s->id, .sha = p->st->sha,
	    .size = p->st->size, .crc = p->st->crc, .name = p->name,
	    .all = p->nto == 0, .expires = p->expires, .by = p->actor };
	struct user u;
	int i, rc;

	rc = store_file_chain(p->s->id, p->replaces, p->name, &n.report,
	    &n.replaces);
	if (rc == -1 || (rc == 0 && p->replaces > 0))
		return -1;
	if (publish_place(p->st) == -1)
		return -1;
	if ((p->id = store_file_add(&n)) < 0)
		return -1;
	p->prev = n.replaces;
	if (n.report <= 0)
		n.report = p->id;
	for (i = 0; i < p->nto; i++) {
		if (store_file_recipient_add(p->id, p->to[i].id) == -1)
			return -1;
		new_file_mail(p, n.report, &p->to[i]);
	}
	for (i = 0; i < t->nmails; i++) {
		if (store_user_find(t->mails[i], &u) != 1)
			continue;
		new_file_mail(p, n.report, &u);
		store_clear(&u);
	}
	{
		char *d, prev[48] = "";

		if (p->prev > 0)
			snprintf(prev, sizeof prev, ", replaces file %lld",
			    (long long)p->prev);
		d = xasprintf("file %lld %s on %s, sha256 %s, %s%s",
		    (long long)p->id, p->name, p->s->code, p->st->sha,
		    p->nto == 0 ? "all grantees" : "chosen recipients", prev);
		store_audit(0, p->actor, "file.publish", p->addr ? p->addr :
		    "", d);
		free(d);
	}
	return 0;
}

/*
 * subjects_publish: publish the staged content P->st (finished) on P->s as
 * P->name, to the P->nto accounts P->to (each holding a grant; none: every
 * grantee, now or later), in one transaction with the "new file" mails and
 * the audit. It is the next version of the report of file P->replaces
 * (which must be in P->s; see subjects_replaceable), else of the newest
 * publication of the same name in P->s, else the first of a new report.
 * Sets P->id, P->prev and P->st->committed. 0, or -1 (nothing published;
 * the caller releases P->st either way).
 */
int
subjects_publish(struct publication *p)
{
	struct publish_tx t = { .p = p };
	int rc;

	if (p->nto == 0 &&
	    (t.nmails = store_grant_emails(p->s->id, &t.mails)) < 0)
		return -1;
	rc = db_tx(publish_tx, &t) == 0 ? 0 : -1;
	if (rc == 0)
		p->st->committed = 1;
	strv_free(t.mails, t.nmails);
	return rc;
}

/*
 * subjects_replaceable: 1 when a publication on S may name FILE_ID as the
 * file it replaces (a publication of S, in whatever state: the new one
 * follows the newest version of its report), 0 when not, -1.
 */
int
subjects_replaceable(const struct subject *s, int64_t file_id)
{
	int64_t report, head;

	if (file_id <= 0)
		return 0;
	return store_file_chain(s->id, file_id, NULL, &report, &head);
}

/*
 * subjects_unpublish: withdraw FILE_ID; its content goes when nothing
 * else uses it. 1 when withdrawn, 0 when it already was, -1 when there
 * is no such file or on error.
 */
int
subjects_unpublish(int64_t file_id, int64_t actor, const char *addr)
{
	struct pubfile f;
	int n;

	if (store_file_get(file_id, &f) == -1)
		return -1;
	if ((n = store_file_unpublish(file_id)) > 0) {
		char *d = xasprintf("file %lld %s, sha256 %s", (long long)f.id,
		    f.name, f.sha256);

		store_audit(0, actor, "file.unpublish", addr ? addr : "", d);
		free(d);
		publish_drop_content(f.sha256);
	}
	store_clear(&f);
	return n < 0 ? -1 : n;
}

struct download {
	const struct user	*u;
	const struct pubfile	*f;
	unsigned		 status;
	uint64_t		 off, len;
	const char		*addr;
	int64_t			 row;
};

static int
download_tx(void *arg)
{
	struct download *d = arg;
	char *detail;
	int rc;

	if ((d->row = store_download_begin(d->u->id, d->f->id, d->status,
	    d->off, d->addr)) < 0)
		return -1;
	if (d->status == 206)
		detail = xasprintf("file %lld %s, bytes %llu-%llu of %llu",
		    (long long)d->f->id, d->f->name, (unsigned long long)d->off,
		    (unsigned long long)(d->off + d->len - 1),
		    (unsigned long long)d->f->size);
	else
		detail = xasprintf("file %lld %s, %llu bytes",
		    (long long)d->f->id, d->f->name,
		    (unsigned long long)d->f->size);
	rc = store_audit_add(d->u->id, 0, "download", d->addr, detail);
	free(detail);
	return rc;
}

/*
 * subjects_download_begin: U is about to download LEN bytes from OFF of
 * file F (STATUS 200 or 206) from ADDR: its log row and its audit row, in
 * one transaction. The row's id (for subjects_download_end), or -1 when
 * they could not be written: then the download must not happen.
 */
int64_t
subjects_download_begin(const struct user *u, const struct pubfile *f,
    unsigned status, uint64_t off, uint64_t len, const char *addr)
{
	struct download d = { u, f, status, off, len, addr, -1 };

	return db_tx(download_tx, &d) == 0 ? d.row : -1;
}

/* subjects_download_end: download ROW ended having sent BYTES. 0, or -1. */
int
subjects_download_end(int64_t row, uint64_t bytes)
{
	return store_download_end(row, bytes);
}

struct zip_begin {
	const struct user	*u;
	const struct subject	*s;
	const struct pubfile	*f;
	int			 n;
	uint64_t		 size;
	const char		*addr;
	int64_t			*rows;
};

static int
zip_begin_tx(void *arg)
{
	struct zip_begin *z = arg;
	char *detail;
	int i, rc;

	for (i = 0; i < z->n; i++)
		if ((z->rows[i] = store_download_begin(z->u->id, z->f[i].id,
		    200, 0, z->addr)) < 0)
			return -1;
	detail = xasprintf("%s.zip, %d files, %llu bytes", z->s->code, z->n,
	    (unsigned long long)z->size);
	rc = store_audit_add(z->u->id, 0, "download.zip", z->addr, detail);
	free(detail);
	return rc;
}

/*
 * subjects_zip_begin: U is about to download the N files F of S as one zip
 * of SIZE bytes from ADDR: one audit row for the zip and a download row
 * for each file, their ids into ROWS (for subjects_download_end), in one
 * transaction. 0, or -1 when they could not be written: then the zip must
 * not be sent.
 */
int
subjects_zip_begin(const struct user *u, const struct subject *s,
    const struct pubfile *f, int n, uint64_t size, const char *addr,
    int64_t *rows)
{
	struct zip_begin z = { u, s, f, n, size, addr, rows };

	return db_tx(zip_begin_tx, &z) == 0 ? 0 : -1;
}
