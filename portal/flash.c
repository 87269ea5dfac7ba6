/*
 * flash.c: what the page after a redirect shows (Post/Redirect/Get): a
 * form's error with the values it had, a notice after an action. Every
 * form answers with a redirect to a page, so Back and Reload never post
 * again.
 *
 * The text is never in the URL, where anyone could write it: a stored
 * session keeps it in its row; an anonymous one (nothing is stored before a
 * password was right) in a short-lived cookie with a MAC that binds it to
 * that session and the page. It holds catalogue keys, a status, the end of
 * a wait and the values of the fields a form names to keep, never a
 * password or a code.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <microhttpd.h>

#include "portal.h"

#define FLASH_COOKIE	"kluis_flash"
#define FLASH_TTL	300	/* seconds a cookie's message waits for its page */
#define FLASH_MAX	1800	/* bytes of a cookie's message (hex doubles it) */
#define FLASH_FIELD_MAX	4096	/* bytes of a kept value */

/* The field an error is about, for aria-invalid: by key, or by its prefix ending in ".". */
static const struct {
	const char	*key;
	const char	*field;
} error_fields[] = {
	{ "login.missing", "email" }, { "login.bad", "password" },
	{ "forgot.missing", "email" },
	{ "otp.choose", "device" }, { "otp.", "code" },
	{ "recovery.", "recovery_code" },
	{ "enrol.", "device_name" },
	{ "pw.", "password" }, { "account.pw_same", "password" },
	{ "account.pw_", "current_password" },
	{ "validation.", "validation_code" },
	{ "admin.new.bad_name", "name" }, { "admin.new.", "email" },
	{ "admin.edit.bad_name", "name" }, { "admin.edit.", "email" },
	{ "admin.subject.bad_title", "title" },
	{ "admin.subject.bad_description", "description" },
	{ "admin.subject.", "code" },
	{ "admin.grant.no_subject", "subject" }, { "admin.grant.", "email" },
	{ "admin.upload.bad_expires", "expires" },
	{ "admin.upload.bad_recipient", "to" },
	{ "admin.upload.no_recipients", "to" },
	{ "admin.upload.bad_replaces", "replaces" }, { "admin.upload.", "file" },
	{ "tokens.bad_name", "name" }, { "tokens.bad_days", "days" },
	{ "tokens.no_subject", "subject" }, { "tokens.bad_subject", "subject" },
	{ "tokens.locked", "subject" },
};

/* The field ERROR is about, or NULL. */
static const char *
error_field(const char *error)
{
	size_t i, n;

	for (i = 0; error != NULL && i < sizeof error_fields /
	    sizeof error_fields[0]; i++) {
		n = strlen(error_fields[i].key);
		if (error_fields[i].key[n - 1] == '.' ?
		    strncmp(error, error_fields[i].key, n) == 0 :
		    strcmp(error, error_fields[i].key) == 0)
			return error_fields[i].field;
	}
	return NULL;
}

/* flash_clear: free what F holds. */
void
flash_clear(struct flash *f)
{
	int i;

	free(f->path);
	free(f->error);
	free(f->notice);
	for (i = 0; i < f->nvars; i++) {
		free(f->vars[i].name);
		buf_wipe(&f->vars[i].value);
	}
	free(f->vars);
	memset(f, 0, sizeof *f);
}

static void
add_pair(struct field **list, int *n, const char *name, const char *value)
{
	size_t cap = (size_t)*n;

	*list = xgrow(*list, (size_t)*n, &cap, sizeof **list);
	(*list)[*n].name = xstrdup(name);
	memset(&(*list)[*n].value, 0, sizeof (*list)[*n].value);
	buf_puts(&(*list)[*n].value, value);
	(*n)++;
}

/* flash_var: a variable for the message of the next page ({device}). */
void
flash_var(struct req *r, const char *name, const char *value)
{
	add_pair(&r->flash.vars, &r->flash.nvars, name, value);
}

/* flash_get: the variable NAME of the message this page shows, or NULL. */
const char *
flash_get(const struct req *r, const char *name)
{
	int i;

	for (i = 0; i < r->flash.nvars; i++)
		if (strcmp(r->flash.vars[i].name, name) == 0)
			return r->flash.vars[i].value.data ?
			    r->flash.vars[i].value.data : "";
	return NULL;
}

static void
put(struct buf *b, const char *name, const char *value)
{
	if (b->len > 0)
		buf_putc(b, '&');
	html_url(b, name);
	buf_putc(b, '=');
	html_url(b, value);
}

/* Percent-decoding of S[0..N) into OUT (caller frees); NULL for a bad escape. */
static char *
url_decode(const char *s, size_t n)
{
	struct buf b = { 0 };
	int hi, lo;
	size_t i;

	buf_puts(&b, "");
	for (i = 0; i < n; i++) {
		if (s[i] != '%') {
			buf_putc(&b, s[i]);
			continue;
		}
		if (i + 2 >= n) {
			buf_free(&b);
			return NULL;
		}
		if ((hi = crypto_hexval((unsigned char)s[i + 1])) < 0 ||
		    (lo = crypto_hexval((unsigned char)s[i + 2])) < 0 ||
		    (hi | lo) == 0) {
			buf_free(&b);
			return NULL;
		}
		buf_putc(&b, (char)(hi << 4 | lo));
		i += 2;
	}
	return buf_steal(&b);
}

/*
 * The message as text: "name=value&..." with p (the page), s (status), e
 * (error), u (wait until), n (notice), x (expires), v.NAME (message
 * variables) and f.NAME (kept fields). KEEP: the names of the fields of
 * this request to keep, separated by spaces.
 */
static void
serialise(struct req *r, struct buf *b, const char *where, const char *keep,
    int64_t expires, size_t max)
{
	char name[80], num[32];
	const char *k, *end;
	size_t n;
	int i;

	put(b, "p", where);
	if (r->flash.status) {
		snprintf(num, sizeof num, "%u", r->flash.status);
		put(b, "s", num);
	}
	if (r->flash.error != NULL)
		put(b, "e", r->flash.error);
	if (r->flash.until > 0) {
		snprintf(num, sizeof num, "%lld", (long long)r->flash.until);
		put(b, "u", num);
	}
	if (r->flash.notice != NULL)
		put(b, "n", r->flash.notice);
	if (expires > 0) {
		snprintf(num, sizeof num, "%lld", (long long)expires);
		put(b, "x", num);
	}
	for (i = 0; i < r->flash.nvars; i++) {
		snprintf(name, sizeof name, "v.%s", r->flash.vars[i].name);
		put(b, name, r->flash.vars[i].value.data ?
		    r->flash.vars[i].value.data : "");
	}
	for (k = keep; k != NULL && *k != '\0'; k = end) {
		while (*k == ' ')
			k++;
		end = k + strcspn(k, " ");
		n = (size_t)(end - k);
		if (n == 0 || n >= sizeof name - 2)
			continue;
		for (i = 0; i < r->nfields; i++) {
			const char *v = r->fields[i].value.data ?
			    r->fields[i].value.data : "";

			if (strlen(r->fields[i].name) != n ||
			    memcmp(r->fields[i].name, k, n) != 0 ||
			    strlen(v) > FLASH_FIELD_MAX)
				continue;
			snprintf(name, sizeof name, "f.%.*s", (int)n, k);
			if (b->len + strlen(name) + 3 * strlen(v) + 2 > max)
				continue;	/* a cookie has room for so much */
			put(b, name, v);
		}
	}
}

/* The MAC binding a cookie's message TEXT to session S. */
static void
cookie_mac(const struct session *s, const char *text, size_t n,
    char out[65])
{
	struct buf b = { 0 };
	uint8_t mac[32];

	buf_append(&b, s->hash, sizeof s->hash);
	buf_append(&b, text, n);
	crypto_mac("flash", b.data, b.len, mac);
	crypto_hex(mac, sizeof mac, out);
	buf_free(&b);
}

/*
 * flash_write: keep r->flash (status, error, wait, notice, variables) and
 * the fields named in KEEP for the page WHERE (a path of this site, with
 * or without its query) of this session. 0, or -1.
 */
int
flash_write(struct req *r, const char *where, const char *keep)
{
	struct buf b = { 0 }, c = { 0 };
	char mac[65], *hex;
	int rc = 0;

	if (r->sess.stage > STAGE_ANON) {
		serialise(r, &b, where, keep, 0, 65536);
		rc = store_session_set_flash(r->sess.hash, b.data);
		buf_free(&b);
		return rc;
	}
	if (r->sess.stage == STAGE_NONE)
		return -1;
	serialise(r, &b, where, keep, now_unix() + FLASH_TTL, FLASH_MAX);
	cookie_mac(&r->sess, b.data, b.len, mac);
	hex = xmalloc(2 * b.len + 1);
	crypto_hex((const uint8_t *)b.data, b.len, hex);
	buf_printf(&c, FLASH_COOKIE "=%s.%s; Path=/; HttpOnly; SameSite=Lax; "
	    "Max-Age=%d%s", hex, mac, FLASH_TTL, cfg.https ? "; Secure" : "");
	http_add_header(r, MHD_HTTP_HEADER_SET_COOKIE, c.data);
	free(hex);
	buf_free(&c);
	buf_wipe(&b);
	return rc;
}

/* The path of WHERE without its query or fragment, into OUT. */
static void
path_of(const char *where, char *out, size_t n)
{
	snprintf(out, n, "%.*s", (int)strcspn(where, "?#"), where);
}

/* Parse TEXT into r->flash (and r->fields), for the page of this request. */
static void
parse(struct req *r, const char *text)
{
	struct flash *f = &r->flash;
	const char *p, *end, *eq;
	char *name, *value, page[SESSION_RETURN_MAX];
	int64_t expires = 0;
	int ok = 1;

	flash_clear(f);
	for (p = text; *p != '\0' && ok; p = *end ? end + 1 : end) {
		end = p + strcspn(p, "&");
		if ((eq = memchr(p, '=', (size_t)(end - p))) == NULL)
			continue;
		name = url_decode(p, (size_t)(eq - p));
		value = url_decode(eq + 1, (size_t)(end - eq - 1));
		if (name == NULL || value == NULL)
			ok = 0;
		else if (strcmp(name, "p") == 0 && f->path == NULL)
			f->path = xstrdup(value);
		else if (strcmp(name, "s") == 0)
			f->status = (unsigned)strtoul(value, NULL, 10);
		else if (strcmp(name, "e") == 0 && f->error == NULL)
			f->error = xstrdup(value);
		else if (strcmp(name, "u") == 0)
			f->until = strtoll(value, NULL, 10);
		else if (strcmp(name, "n") == 0 && f->notice == NULL)
			f->notice = xstrdup(value);
		else if (strcmp(name, "x") == 0)
			expires = strtoll(value, NULL, 10);
		else if (str_has_prefix(name, "v."))
			add_pair(&f->vars, &f->nvars, name + 2, value);
		else if (str_has_prefix(name, "f.") && r->method != HTTP_POST)
			add_pair(&r->fields, &r->nfields, name + 2, value);
		free(name);
		if (value != NULL)
			explicit_bzero(value, strlen(value));
		free(value);
	}
	/* Only for the page it was meant for, and only while it is fresh. */
	if (f->path != NULL)
		path_of(f->path, page, sizeof page);
	if (!ok || f->path == NULL || strcmp(page, r->path) != 0 ||
	    (expires > 0 && expires < now_unix())) {
		flash_clear(f);
		if (r->method != HTTP_POST) {
			for (int i = 0; i < r->nfields; i++) {
				free(r->fields[i].name);
				buf_wipe(&r->fields[i].value);
			}
			free(r->fields);
			r->fields = NULL;
			r->nfields = 0;
		}
	}
	if (f->status < 200 || f->status > 599)
		f->status = 0;
	/* A form may name the field itself (one error, two forms). */
	if ((f->field = flash_get(r, "error_field")) == NULL)
		f->field = error_field(f->error);
}

/*
 * flash_read: the message this GET's page shows, taken (it shows once):
 * from the session's row, or from the cookie of an anonymous session
 * when its MAC binds it to this session. The kept fields become the
 * request's fields (http_field), so the form shows what was typed.
 */
void
flash_read(struct req *r, const char *cookie)
{
	char mac[65], *text, *hex;
	const char *dot;
	size_t n;
	int rc;

	if (r->method == HTTP_POST)
		return;
	if (r->sess.stage > STAGE_ANON) {
		if (r->sess.flash == NULL)
			return;
		store_session_set_flash(r->sess.hash, NULL);
		parse(r, r->sess.flash);
		return;
	}
	if (cookie == NULL)
		return;
	flash_forget(r);
	if ((dot = strchr(cookie, '.')) == NULL || strlen(dot + 1) != 64 ||
	    (n = (size_t)(dot - cookie)) % 2 != 0 || n / 2 > FLASH_MAX)
		return;
	hex = xmalloc(n + 1);
	memcpy(hex, cookie, n);
	hex[n] = '\0';
	text = xmalloc(n / 2 + 1);
	rc = crypto_unhex(hex, (uint8_t *)text, n / 2);
	free(hex);
	if (rc == -1) {
		free(text);
		return;
	}
	text[n / 2] = '\0';
	cookie_mac(&r->sess, text, n / 2, mac);
	if (strlen(text) == n / 2 && crypto_streq(mac, dot + 1))
		parse(r, text);
	explicit_bzero(text, n / 2);
	free(text);
}

/* flash_forget: clear the flash cookie in this response. */
void
flash_forget(struct req *r)
{
	char c[128];

	snprintf(c, sizeof c, FLASH_COOKIE "=; Path=/; HttpOnly; "
	    "SameSite=Lax; Max-Age=0%s", cfg.https ? "; Secure" : "");
	http_add_header(r, MHD_HTTP_HEADER_SET_COOKIE, c);
}

/*
 * flash_apply: what the page's variables V get from the message: "error"
 * (with "error_field", "invalid_FIELD", "minutes"), "notice" and the
 * message variables, unless the handler set them. Returns the status the
 * page answers with (the form's failure, once), else STATUS.
 */
unsigned
flash_apply(struct req *r, struct tmpl_vars *v, unsigned status)
{
	struct flash *f = &r->flash;
	char name[96];
	int64_t wait;
	int i;

	if (f->path == NULL)
		return status;
	for (i = 0; i < f->nvars; i++)
		if (!tv_has(v, f->vars[i].name))
			tv_set(v, f->vars[i].name, f->vars[i].value.data ?
			    f->vars[i].value.data : "");
	if (f->notice != NULL && !tv_has(v, "notice"))
		tv_set(v, "notice", f->notice);
	if (f->error != NULL && !tv_has(v, "error")) {
		tv_set(v, "error", f->error);
		if (f->field != NULL) {
			tv_set(v, "error_field", f->field);
			snprintf(name, sizeof name, "invalid_%s", f->field);
			tv_set(v, name, "1");
		}
		if (f->until > 0) {
			wait = f->until - now_unix();
			if (wait < 1)
				wait = 1;
			tv_setf(v, "minutes", "%lld", (long long)((wait + 59) / 60));
			if (f->status == MHD_HTTP_TOO_MANY_REQUESTS) {
				snprintf(name, sizeof name, "%lld", (long long)wait);
				http_add_header(r, MHD_HTTP_HEADER_RETRY_AFTER, name);
			}
		}
		if (status == MHD_HTTP_OK && f->status != 0)
			status = f->status;
	}
	return status;
}

/*
 * flash_sealed_put: TEXT, a secret shown on the pages under PATH until the
 * user is done with it or for TTL seconds (new recovery codes, a new
 * access token), in the cookie NAME: sealed with the key and bound to this
 * session, so Reload, a print or a download show it again while nothing
 * is posted twice and the database keeps only its hash. 0, or -1.
 */
int
flash_sealed_put(struct req *r, const char *name, const char *path,
    const char *text, int ttl)
{
	struct buf b = { 0 };
	char hash[65], *hex, *c;
	uint8_t *sealed;
	size_t len;

	crypto_hex(r->sess.hash, sizeof r->sess.hash, hash);
	buf_printf(&b, "%s %lld\n%s", hash, (long long)(now_unix() + ttl),
	    text);
	sealed = crypto_seal(b.data, b.len, &len);
	buf_wipe(&b);
	if (sealed == NULL)
		return -1;
	hex = xmalloc(2 * len + 1);
	crypto_hex(sealed, len, hex);
	free(sealed);
	c = xasprintf("%s=%s; Path=%s; HttpOnly; SameSite=Strict; Max-Age=%d%s",
	    name, hex, path, ttl, cfg.https ? "; Secure" : "");
	http_add_header(r, MHD_HTTP_HEADER_SET_COOKIE, c);
	free(c);
	free(hex);
	return 0;
}

/*
 * flash_sealed_get: the text flash_sealed_put left in the cookie NAME for
 * this session, while it lasts (caller wipes and frees), or NULL.
 */
char *
flash_sealed_get(struct req *r, const char *name)
{
	const char *c = MHD_lookup_connection_value(r->conn, MHD_COOKIE_KIND,
	    name);
	char hash[65], *text, *out = NULL;
	uint8_t *sealed;
	size_t n, len;

	if (c == NULL || (n = strlen(c)) % 2 != 0 || n == 0 || n > 8192)
		return NULL;
	sealed = xmalloc(n / 2);
	if (crypto_unhex(c, sealed, n / 2) == -1 ||
	    (text = (char *)crypto_open(sealed, n / 2, &len)) == NULL) {
		free(sealed);
		return NULL;
	}
	free(sealed);
	text = xrealloc(text, len + 1);
	text[len] = '\0';
	crypto_hex(r->sess.hash, sizeof r->sess.hash, hash);
	/* "HASH UNTIL\nTEXT": this session's, not expired */
	if (strlen(text) == len && len > 65 && crypto_equal(text, hash, 64) &&
	    text[64] == ' ' && strtoll(text + 65, NULL, 10) > now_unix() &&
	    strchr(text, '\n') != NULL)
		out = xstrdup(strchr(text, '\n') + 1);
	explicit_bzero(text, len);
	free(text);
	return out;
}

/* flash_sealed_clear: the cookie NAME of PATH goes; its secret is shown no more. */
void
flash_sealed_clear(struct req *r, const char *name, const char *path)
{
	char *c = xasprintf("%s=; Path=%s; HttpOnly; SameSite=Strict; "
	    "Max-Age=0%s", name, path, cfg.https ? "; Secure" : "");

	http_add_header(r, MHD_HTTP_HEADER_SET_COOKIE, c);
	free(c);
}
