/* http.c: the libmicrohttpd daemon, per-request state, forms, and every response kluis sends. */
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <netinet/in.h>
#include <arpa/inet.h>

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>

#include <microhttpd.h>

#include "portal.h"

#define MAX_FIELDS	4096	/* the bytes of all fields stay under cfg.max_body */
#define COOKIE_NAME	"kluis_session"
#define DEVICE_COOKIE	"kluis_device"
#define MARK_COOKIE	"kluis_in"	/* this browser had a stored session */
#define BODY_TIMEOUT	60	/* seconds for a form's body after its headers */
#define FD_RESERVE	256	/* descriptors besides connections: db, files, mail */
#define HASH_PER_ADDR	4	/* places one address may hold in the hash queue */
#define HTTP_STREAM_BLOCK (256 << 10)	/* bytes http_stream asks for at a time */

static struct MHD_Daemon *daemon_handle;
static volatile int draining;	/* shutting down: close after each answer */

static struct conn *conn_of(struct MHD_Connection *);

static const char *csp = "default-src 'none'; style-src 'self'; "
    "img-src 'self' data:; form-action 'self'; frame-ancestors 'none'; "
    "base-uri 'none'";

static int
method_of(const char *m)
{
	if (strcmp(m, "GET") == 0)
		return HTTP_GET;
	if (strcmp(m, "HEAD") == 0)
		return HTTP_HEAD;
	if (strcmp(m, "POST") == 0)
		return HTTP_POST;
	return HTTP_OTHER;
}

/* http_field: the value of form field NAME, or NULL. */
const char *
http_field(const struct req *r, const char *name)
{
	int i;

	for (i = 0; i < r->nfields; i++)
		if (strcmp(r->fields[i].name, name) == 0)
			return r->fields[i].value.data ? r->fields[i].value.data : "";
	return NULL;
}

/*
 * http_arg_id: path segment I ("{}" in the route) as a database id: 1 to 18
 * decimal digits, nothing else (no sign, space or leading zero). The id, or
 * -1 when it is not one.
 */
int64_t
http_arg_id(const struct req *r, int i)
{
	const char *p = r->args[i];
	int64_t id = 0;

	if (p == NULL || *p < '1' || *p > '9' || strlen(p) > 18)
		return -1;
	for (; *p; p++) {
		if (*p < '0' || *p > '9')
			return -1;
		id = id * 10 + (*p - '0');
	}
	return id;
}

/* http_query: an argument of the query string, or NULL. */
const char *
http_query(const struct req *r, const char *name)
{
	return MHD_lookup_connection_value(r->conn, MHD_GET_ARGUMENT_KIND, name);
}

/*
 * http_notice: the notice after an action: VAR in V is set to the one of
 * the catalogue KEYS (NULL-ended) that ends in "." or "_" and the query's
 * done=NAME. Unknown names show nothing.
 */
void
http_notice(const struct req *r, struct tmpl_vars *v, const char *var,
    const char *const keys[])
{
	const char *done = http_query(r, "done");
	size_t n, k;

	if (done == NULL || (n = strlen(done)) == 0)
		return;
	for (; *keys != NULL; keys++) {
		k = strlen(*keys);
		if (k > n && strcmp(*keys + k - n, done) == 0 &&
		    strchr("._", (*keys)[k - n - 1]) != NULL)
			tv_set(v, var, *keys);
	}
}

/* http_header: a request header, or NULL. */
const char *
http_header(const struct req *r, const char *name)
{
	return MHD_lookup_connection_value(r->conn, MHD_HEADER_KIND, name);
}

static const char *
http_cookie(const struct req *r, const char *name)
{
	return MHD_lookup_connection_value(r->conn, MHD_COOKIE_KIND, name);
}

static enum MHD_Result
field_cb(void *cls, enum MHD_ValueKind kind, const char *key,
    const char *filename, const char *ctype, const char *encoding,
    const char *data, uint64_t off, size_t size)
{
	struct req *r = cls;
	struct field *f = NULL;

	(void)kind;
	(void)encoding;
	/*
	 * Every pointer from libmicrohttpd may be NULL: a part without a
	 * quoted name has no key (RFC 7578 requires one), an empty value
	 * no data. A nameless part makes the whole form a bad request.
	 */
	if (key == NULL) {
		r->status = MHD_HTTP_BAD_REQUEST;
		return MHD_NO;
	}
	if (data == NULL && size != 0) {
		r->status = MHD_HTTP_BAD_REQUEST;
		return MHD_NO;
	}
	if (filename != NULL) {
		if (r->route != NULL && r->route->upload != NULL)
			return r->route->upload(r, key, filename, ctype, data,
			    off, size) == 0 ? MHD_YES : MHD_NO;
		return MHD_YES;	/* a file where none is expected: ignore */
	}
	/*
	 * Fields are kept in memory, so they count against the form limit
	 * even where the body may be larger (an upload's file goes to disk).
	 */
	r->form_bytes += strlen(key) + size;
	if (r->form_bytes > cfg.max_body) {
		r->status = MHD_HTTP_CONTENT_TOO_LARGE;
		return MHD_NO;
	}
	/*
	 * A value may come in pieces, OFF being its bytes so far, and a piece
	 * may be empty (libmicrohttpd holds back what could still be a
	 * boundary): a piece goes on the last field while OFF is its length.
	 */
	if (r->nfields > 0 &&
	    strcmp(r->fields[r->nfields - 1].name, key) == 0 &&
	    off == r->fields[r->nfields - 1].value.len)
		f = &r->fields[r->nfields - 1];
	if (f == NULL) {
		if (r->nfields == MAX_FIELDS) {
			r->status = MHD_HTTP_BAD_REQUEST;
			return MHD_NO;
		}
		r->fields = xgrow(r->fields, r->nfields, &r->fields_cap,
		    sizeof *r->fields);
		f = &r->fields[r->nfields++];
		f->name = xstrdup(key);
		memset(&f->value, 0, sizeof f->value);
		buf_append(&f->value, "", 0);
	}
	if (size > 0)
		buf_append(&f->value, data, size);
	return MHD_YES;
}

/* The text of the peer address of MC into OUT; "unknown" when none. */
static void
peer_addr(struct MHD_Connection *mc, char *out, size_t outlen)
{
	const union MHD_ConnectionInfo *ci;
	const struct sockaddr *sa;

	snprintf(out, outlen, "unknown");
	ci = MHD_get_connection_info(mc, MHD_CONNECTION_INFO_CLIENT_ADDRESS);
	if (ci == NULL || (sa = ci->client_addr) == NULL)
		return;
	if (sa->sa_family == AF_INET)
		inet_ntop(AF_INET, &((const struct sockaddr_in *)sa)->sin_addr,
		    out, (socklen_t)outlen);
	else if (sa->sa_family == AF_INET6)
		inet_ntop(AF_INET6, &((const struct sockaddr_in6 *)sa)->sin6_addr,
		    out, (socklen_t)outlen);
}

/*
 * The client's address: the peer's, unless the peer is a trusted proxy
 * (--trust-proxy, --trusted-proxies) that sent X-Forwarded-For: then the
 * list is walked from the right past trusted proxies to the first address
 * that is not one. A value that is not an address leaves the peer's.
 */
static void
client_addr(struct req *r)
{
	const char *xff, *end, *start, *b;
	char hop[48];	/* as r->addr: an IPv6 address fits */
	size_t n;

	peer_addr(r->conn, r->addr, sizeof r->addr);
	if (!cfg.trust_proxy || !net_is_proxy(r->addr))
		return;
	r->via_proxy = 1;
	if ((xff = http_header(r, "X-Forwarded-For")) == NULL)
		return;
	for (end = xff + strlen(xff); end > xff; end = start - 1) {
		for (start = end; start > xff && start[-1] != ','; start--)
			;
		for (b = start; b < end && (*b == ' ' || *b == '\t'); b++)
			;
		n = (size_t)(end - b);
		while (n > 0 && (b[n - 1] == ' ' || b[n - 1] == '\t'))
			n--;
		if (n == 0 || n >= sizeof hop)
			return;
		memcpy(hop, b, n);
		hop[n] = '\0';
		if (!net_is_addr(hop))
			return;
		snprintf(r->addr, sizeof r->addr, "%s", hop);
		if (!net_is_proxy(hop) || start == xff)
			return;
	}
}

/*
 * The language R is answered in, before its session is known: the
 * cookie's choice, else the first language of Accept-Language that has a
 * catalogue (quality values are rare), else the default. The gate puts the
 * account's choice first.
 */
static void
choose_lang(struct req *r)
{
	const char *c, *al, *p;
	size_t n;

	c = http_cookie(r, LANG_COOKIE);
	r->lang = tmpl_lang(c);
	if (tmpl_lang_known(c) || (al = http_header(r, "Accept-Language")) == NULL)
		return;
	for (p = al; *p; p++) {
		if (p != al && p[-1] != ',' && p[-1] != ' ')
			continue;
		n = strspn(p, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz");
		if (n > 0 && strchr("-,;", p[n]) != NULL &&
		    tmpl_lang_match(p, n) != NULL) {
			r->lang = tmpl_lang_match(p, n);
			return;
		}
	}
}

static void
add_security_headers(struct MHD_Response *resp, int private)
{
	MHD_add_response_header(resp, "Content-Security-Policy", csp);
	MHD_add_response_header(resp, "X-Frame-Options", "DENY");
	MHD_add_response_header(resp, "X-Content-Type-Options", "nosniff");
	MHD_add_response_header(resp, "Referrer-Policy", "no-referrer");
	MHD_add_response_header(resp, "Cross-Origin-Opener-Policy", "same-origin");
	MHD_add_response_header(resp, "Cache-Control",
	    private ? "no-store" : "public, max-age=3600");
	if (cfg.https)
		MHD_add_response_header(resp, "Strict-Transport-Security",
		    "max-age=31536000; includeSubDomains");
}

/*
 * The session cookie when it changed, or its end. Beside it, MARK_COOKIE
 * says that this browser holds a stored session (logged in, or on the
 * way): when that session is gone by the next request, the page can say
 * "Uw sessie is verlopen" instead of starting over without a word (an
 * unknown cookie is otherwise an anonymous session).
 */
static void
add_session_cookie(struct req *r, struct MHD_Response *resp)
{
	char c[256];
	const char *secure = cfg.https ? "; Secure" : "";

	if (r->sess.rotated && r->sess.stage != STAGE_NONE) {
		snprintf(c, sizeof c, COOKIE_NAME "=%s; Path=/; HttpOnly; "
		    "SameSite=Lax%s", r->sess.cookie, secure);
		MHD_add_response_header(resp, MHD_HTTP_HEADER_SET_COOKIE, c);
		if (r->sess.stage > STAGE_ANON)
			snprintf(c, sizeof c, MARK_COOKIE "=1; Path=/; "
			    "HttpOnly; SameSite=Lax%s", secure);
		else
			snprintf(c, sizeof c, MARK_COOKIE "=; Path=/; HttpOnly; "
			    "SameSite=Lax; Max-Age=0%s", secure);
	} else if (r->sess_ended) {
		snprintf(c, sizeof c, COOKIE_NAME "=; Path=/; HttpOnly; "
		    "SameSite=Lax; Max-Age=0%s", secure);
		MHD_add_response_header(resp, MHD_HTTP_HEADER_SET_COOKIE, c);
		snprintf(c, sizeof c, MARK_COOKIE "=; Path=/; HttpOnly; "
		    "SameSite=Lax; Max-Age=0%s", secure);
	} else if (r->sess.ended) {
		snprintf(c, sizeof c, MARK_COOKIE "=; Path=/; HttpOnly; "
		    "SameSite=Lax; Max-Age=0%s", secure);
	} else
		return;
	MHD_add_response_header(resp, MHD_HTTP_HEADER_SET_COOKIE, c);
}

/*
 * A browser that has just completed a login gets the device cookie of
 * its account (trust.c): its owner's own browser keeps working while a
 * stranger's failures hold the account back.
 */
static void
add_device_cookie(struct req *r, struct MHD_Response *resp)
{
	char c[256], *token;

	if (!r->sess.rotated || r->sess.stage != STAGE_IN || r->user.id <= 0 ||
	    r->user.email == NULL)
		return;
	token = trust_token(r->user.email);
	snprintf(c, sizeof c, DEVICE_COOKIE "=%s; Path=/; HttpOnly; "
	    "SameSite=Lax; Max-Age=%lld%s", token, (long long)trust_max_age(),
	    cfg.https ? "; Secure" : "");
	free(token);
	MHD_add_response_header(resp, MHD_HTTP_HEADER_SET_COOKIE, c);
}

/* 429 and 503 say when to come back (RFC 6585, RFC 9110). */
static void
add_retry_after(struct req *r, struct MHD_Response *resp, unsigned status)
{
	char v[24];
	int i;

	if (status != MHD_HTTP_TOO_MANY_REQUESTS &&
	    status != MHD_HTTP_SERVICE_UNAVAILABLE)
		return;
	for (i = 0; i < r->nextra; i++)
		if (strcasecmp(r->extra[i].name, MHD_HTTP_HEADER_RETRY_AFTER) == 0)
			return;
	snprintf(v, sizeof v, "%lld", r->retry_after > 0 ?
	    (long long)r->retry_after : status == MHD_HTTP_TOO_MANY_REQUESTS ?
	    60LL : 5LL);
	MHD_add_response_header(resp, MHD_HTTP_HEADER_RETRY_AFTER, v);
}

/*
 * http_trusted: 1 when the request carries a live device cookie of
 * ACCOUNT (the normalised email): the account-wide throttle spares it.
 */
int
http_trusted(const struct req *r, const char *account)
{
	return trust_ok(http_cookie(r, DEVICE_COOKIE), account);
}

/*
 * http_respond: queue RESP with the security headers and the session
 * cookie, then destroy our reference. Every response goes through here.
 */
int
http_respond(struct req *r, unsigned status, struct MHD_Response *resp,
    int private)
{
	enum MHD_Result ret;

	if (resp == NULL)
		return MHD_NO;
	add_security_headers(resp, private);
	add_session_cookie(r, resp);
	add_device_cookie(r, resp);
	add_retry_after(r, resp, status);
	for (int i = 0; i < r->nextra; i++)
		MHD_add_response_header(resp, r->extra[i].name, r->extra[i].value);
	if (draining)
		MHD_add_response_header(resp, MHD_HTTP_HEADER_CONNECTION, "close");
	r->responded = 1;
	r->sent_status = status;
	conn_deadline(conn_of(r->conn), 0);
	if (r->defer) {
		/* On a pool thread: the HTTP thread queues it after the resume. */
		if (r->deferred != NULL)
			MHD_destroy_response(r->deferred);
		r->deferred = resp;
		r->deferred_status = status;
		return MHD_YES;
	}
	ret = MHD_queue_response(r->conn, status, resp);
	MHD_destroy_response(resp);
	return ret;
}

/* http_add_header: a header for the response this request will send (copied). */
void
http_add_header(struct req *r, const char *name, const char *value)
{
	if (r->nextra == (int)(sizeof r->extra / sizeof r->extra[0])) {
		logmsg(LOG_WARNING, "http: header %s dropped: too many", name);
		return;
	}
	snprintf(r->extra[r->nextra].name, sizeof r->extra[0].name, "%s", name);
	r->extra[r->nextra].value = xstrdup(value);
	r->nextra++;
}

/* http_send: send BODY (consumed) as TYPE. */
int
http_send(struct req *r, unsigned status, const char *type, char *body,
    size_t len)
{
	struct MHD_Response *resp;

	resp = MHD_create_response_from_buffer(len, body, MHD_RESPMEM_MUST_FREE);
	if (resp == NULL) {
		free(body);
		return MHD_NO;
	}
	MHD_add_response_header(resp, MHD_HTTP_HEADER_CONTENT_TYPE, type);
	r->sent_bytes = len;
	return http_respond(r, status, resp, 1);
}

/* http_redirect: 303 See Other to LOCATION, a path of this site. */
int
http_redirect(struct req *r, const char *location)
{
	struct MHD_Response *resp;

	resp = MHD_create_response_from_buffer(0, "", MHD_RESPMEM_PERSISTENT);
	if (resp == NULL)
		return MHD_NO;
	MHD_add_response_header(resp, MHD_HTTP_HEADER_LOCATION, location);
	r->sent_bytes = 0;
	return http_respond(r, MHD_HTTP_SEE_OTHER, resp, 1);
}

/*
 * http_not_modified: 304, the client's copy is current (its ETag and the
 * other headers were added with http_add_header).
 */
int
http_not_modified(struct req *r, int private)
{
	struct MHD_Response *resp;

	resp = MHD_create_response_from_buffer(0, "", MHD_RESPMEM_PERSISTENT);
	if (resp == NULL)
		return MHD_NO;
	return http_respond(r, MHD_HTTP_NOT_MODIFIED, resp, private);
}

/*
 * http_local_path: 1 when S is a path of this site that a browser cannot
 * read as another host: "/" and then only [A-Za-z0-9/_.-], never "//"
 * (browsers drop tabs and newlines and read "\\" as "/", so only a
 * whitelist is safe).
 */
int
http_local_path(const char *s)
{
	const char *p;

	if (s == NULL || s[0] != '/' || strlen(s) >= SESSION_RETURN_MAX)
		return 0;
	for (p = s; *p; p++) {
		if (!(*p == '/' || *p == '_' || *p == '.' || *p == '-' ||
		    (*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') ||
		    (*p >= '0' && *p <= '9')))
			return 0;
		if (p[0] == '/' && p[1] == '/')
			return 0;
	}
	return 1;
}

/* The route that answers GET PATH, or NULL. */
static const struct route *
get_route(const char *path)
{
	const struct route *rt;
	char *args[2] = { NULL, NULL };
	int allowed;

	rt = route_find(path, HTTP_GET, &allowed, args);
	free(args[0]);
	free(args[1]);
	return rt;
}

/*
 * http_next_ok: 1 when PATH may be where a login ends: a local path of a
 * page or a file a logged-in user GETs (a file of a new session is still
 * locked: its subject's page asks for the code); never one that changes
 * anything (/lang), the home page itself, or an export (route.c's SAVED),
 * which a crafted login link could otherwise make an admin's browser save.
 */
int
http_next_ok(const char *path)
{
	const struct route *rt;

	if (!http_local_path(path) || strcmp(path, "/") == 0 ||
	    str_has_prefix(path, "/lang"))
		return 0;
	rt = get_route(path);
	return rt != NULL && (rt->stages & STAGE_BIT(STAGE_IN)) != 0 &&
	    rt->stages != 0 && !rt->saved;
}

/*
 * The page of the form that R posted: its path, or the nearest path above
 * it that a GET answers (/account/password: /account; /subjects/X/unlock:
 * /subjects/X), into OUT.
 */
static void
form_page(const struct req *r, char *out, size_t n)
{
	char *slash;

	snprintf(out, n, "%s", r->path);
	while (strlen(out) > 1 && get_route(out) == NULL) {
		if ((slash = strrchr(out, '/')) == NULL)
			break;
		if (slash == out)
			slash[1] = '\0';
		else
			*slash = '\0';
	}
}

/*
 * http_back: the form of this POST failed: the page WHERE (NULL: the form's
 * own, see form_page) shows ERROR (a catalogue key) with the values of the
 * fields named in KEEP (separated by spaces; never passwords or codes),
 * answering STATUS once, with the minutes of WAIT when it is not 0. A 303
 * to that page: Back and Reload never post the form again.
 */
int
http_back(struct req *r, const char *where, const char *keep, unsigned status,
    const char *error, int64_t wait)
{
	char page[SESSION_RETURN_MAX];

	if (where == NULL) {
		form_page(r, page, sizeof page);
		where = page;
	}
	r->flash.status = status;
	free(r->flash.error);
	r->flash.error = error ? xstrdup(error) : NULL;
	r->flash.until = wait > 0 ? now_unix() + wait : 0;
	if (flash_write(r, where, keep) == -1)
		logmsg(LOG_WARNING, "http: the message for %s was not kept", where);
	return http_redirect(r, where);
}

/* http_done: an action succeeded: the page WHERE shows NOTICE (a catalogue key) once. */
int
http_done(struct req *r, const char *where, const char *notice)
{
	free(r->flash.notice);
	r->flash.notice = notice ? xstrdup(notice) : NULL;
	if (flash_write(r, where, NULL) == -1)
		logmsg(LOG_WARNING, "http: the notice for %s was not kept", where);
	return http_redirect(r, where);
}

/*
 * http_anew: the session has ended (http_end_session: a logout, a request
 * sent): go on as a new anonymous one to WHERE, which shows NOTICE (a
 * catalogue key, or NULL).
 */
int
http_anew(struct req *r, const char *where, const char *notice)
{
	if (session_start(&r->sess) == -1)
		return http_redirect(r, where);
	r->sess_ended = 0;	/* the new cookie replaces the old one */
	return notice != NULL ? http_done(r, where, notice) :
	    http_redirect(r, where);
}

/*
 * http_page: render templates/PAGE.html inside the layout and send it with
 * STATUS. Sets the variables every page has (page, lang, csrf, user, when
 * the session ends) and what a redirect brought (flash.c: the error of a
 * form, answered with its status once). Consumes V.
 */
int
http_page(struct req *r, unsigned status, const char *page,
    struct tmpl_vars *v)
{
	struct buf body = { 0 }, out = { 0 };
	char name[64];
	int rc;

	tv_set(v, "page", page);
	{	/* pages in subfolders ("admin/users": title.admin.users) */
		char key[80], *p;

		snprintf(key, sizeof key, "title.%s", page);
		for (p = key; (p = strchr(p, '/')) != NULL; )
			*p = '.';
		tv_set(v, "title_key", key);
	}
	tv_set(v, "lang", r->lang);
	tv_set(v, "other_lang", tmpl_lang_next(r->lang));
	tv_set(v, "path", r->path);
	status = flash_apply(r, v, status);
	if (tv_has(v, "error"))
		tv_set(v, "has_error", "1");
	if (r->sess.stage != STAGE_NONE)
		tv_set(v, "csrf", r->sess.csrf);
	if (r->sess.stage > STAGE_ANON && !r->sess_ended) {
		/* No script: each page says when the session ends unused. */
		int64_t end = r->sess.last_seen + cfg.session_idle;
		char when[32];

		if (r->sess.created + cfg.session_max < end)
			end = r->sess.created + cfg.session_max;
		time_human(end, TIME_CLOCK, r->lang, when, sizeof when);
		tv_set(v, "session_ends", when);
	}
	if (r->sess.stage == STAGE_IN) {
		tv_set(v, "logged_in", "1");
		if (r->user.id) {
			tv_set(v, "user_email", r->user.email);
			if (r->user.is_admin)
				tv_set(v, "is_admin", "1");
		}
	}
	snprintf(name, sizeof name, "%s.html", page);
	if (tmpl_render(&body, name, v, r->lang) == -1) {
		logmsg(LOG_ERR, "http: cannot render %s", name);
		buf_free(&body);
		tv_free(v);
		return http_send(r, MHD_HTTP_INTERNAL_SERVER_ERROR,
		    "text/plain; charset=utf-8", xstrdup("500\n"), 4);
	}
	tv_set(v, "body", body.data ? body.data : "");
	buf_free(&body);
	rc = tmpl_render(&out, "layout.html", v, r->lang);
	tv_free(v);
	if (rc == -1) {
		buf_free(&out);
		return http_send(r, MHD_HTTP_INTERNAL_SERVER_ERROR,
		    "text/plain; charset=utf-8", xstrdup("500\n"), 4);
	}
	rc = (int)out.len;
	return http_send(r, status, "text/html; charset=utf-8", buf_steal(&out),
	    (size_t)rc);
}

/*
 * http_form: http_page for a form shown again: with the message of catalogue
 * key ERROR (NULL: none) and, when WAIT > 0, the minutes to wait before the
 * next try ({minutes} in the message). Consumes V.
 */
int
http_form(struct req *r, unsigned status, const char *page,
    struct tmpl_vars *v, const char *error, int64_t wait)
{
	if (error != NULL)
		tv_set(v, "error", error);
	if (wait > 0) {
		tv_setf(v, "minutes", "%lld", (long long)((wait + 59) / 60));
		r->retry_after = wait;
	}
	return http_page(r, status, page, v);
}

/*
 * http_unavailable: 503 "temporarily unavailable" with Retry-After: what a
 * request gets when the database failed it (never an answer that would
 * mean something else, such as a wrong password).
 */
int
http_unavailable(struct req *r)
{
	http_add_header(r, MHD_HTTP_HEADER_RETRY_AFTER, "30");
	return http_error(r, MHD_HTTP_SERVICE_UNAVAILABLE, "err.unavailable");
}

/* http_json: send the JSON text in B (consumed) with STATUS. */
int
http_json(struct req *r, unsigned status, struct buf *b)
{
	size_t n;

	buf_putc(b, '\n');
	n = b->len;
	return http_send(r, status, "application/json", buf_steal(b), n);
}

/*
 * http_token_refused: the answer to a request whose bearer token was
 * missing, refused or throttled: STATUS (401, 429) with
 * {"error": ERROR}, WWW-Authenticate (RFC 6750) and, when WAIT > 0,
 * Retry-After.
 */
int
http_token_refused(struct req *r, unsigned status, const char *error,
    int64_t wait)
{
	struct buf b = { 0 };
	char h[96];

	if (status == MHD_HTTP_UNAUTHORIZED) {
		snprintf(h, sizeof h, "Bearer realm=\"kluis\"%s%s%s",
		    strcmp(error, "token_required") == 0 ? "" : ", error=\"",
		    strcmp(error, "token_required") == 0 ? "" : error,
		    strcmp(error, "token_required") == 0 ? "" : "\"");
		http_add_header(r, MHD_HTTP_HEADER_WWW_AUTHENTICATE, h);
	}
	if (wait > 0) {
		snprintf(h, sizeof h, "%lld", (long long)wait);
		http_add_header(r, MHD_HTTP_HEADER_RETRY_AFTER, h);
	}
	buf_putc(&b, '{');
	json_member(&b, "error", 1);
	json_string(&b, error);
	buf_putc(&b, '}');
	return http_json(r, status, &b);
}

/* The token of an Authorization: Bearer header, or NULL. */
static const char *
bearer_token(const struct req *r)
{
	const char *h = http_header(r, MHD_HTTP_HEADER_AUTHORIZATION);

	if (h == NULL || strncasecmp(h, "Bearer", 6) != 0 ||
	    (h[6] != ' ' && h[6] != '\t'))
		return NULL;
	for (h += 6; *h == ' ' || *h == '\t'; h++)
		;
	return h;
}

/*
 * bearer: a bearer route's request with a token (api-tokens on): the token,
 * not a session, says who this is. Refused tokens are throttled per
 * address like other failures; every use is audited (fail closed).
 * Returns -1 when a response was already queued.
 */
static int
bearer(struct req *r, const char *token, int *ret)
{
	char what[160];
	int64_t wait;
	int rc;

	if ((wait = throttle_wait("token", NULL, r->addr, 0)) > 0) {
		store_audit(0, 0, "token.throttled", r->addr, "");
		*ret = http_token_refused(r, MHD_HTTP_TOO_MANY_REQUESTS,
		    "throttled", wait);
		return -1;
	}
	if ((rc = tokens_check(token, r->addr, &r->token, &r->user)) == -1) {
		*ret = http_unavailable(r);
		return -1;
	}
	if (rc == 0) {
		throttle_fail("token", NULL, r->addr);
		*ret = http_token_refused(r, MHD_HTTP_UNAUTHORIZED,
		    "invalid_token", 0);
		return -1;
	}
	snprintf(what, sizeof what, "%s %.140s", r->method == HTTP_HEAD ?
	    "HEAD" : "GET", r->path);
	if (tokens_use(&r->token, r->addr, what) == -1) {
		*ret = http_unavailable(r);
		return -1;
	}
	if (tmpl_lang_known(r->user.lang))
		r->lang = tmpl_lang(r->user.lang);
	return 0;
}

/* http_internal: 500, the request failed inside (err.internal). */
int
http_internal(struct req *r)
{
	return http_error(r, MHD_HTTP_INTERNAL_SERVER_ERROR, "err.internal");
}

/* http_not_found: 404 (err.notfound), also for what the user may not see. */
int
http_not_found(struct req *r)
{
	return http_error(r, MHD_HTTP_NOT_FOUND, "err.notfound");
}

/* http_error: an error page with STATUS and the message of catalogue key MSG. */
int
http_error(struct req *r, unsigned status, const char *msg)
{
	struct tmpl_vars *v = tv_new();

	tv_setf(v, "status", "%u", status);
	tv_set(v, "error", msg);
	return http_page(r, status, "error", v);
}

/*
 * Send RESP (NULL: it could not be made) of SIZE bytes as TYPE; from here
 * completed_cb counts the bytes the peer acknowledges.
 */
static int
respond_counted(struct req *r, unsigned status, struct MHD_Response *resp,
    const char *type, uint64_t size, int private)
{
	if (resp == NULL)
		return MHD_NO;
	r->file_len = size;
	r->acked0 = conn_acked(conn_of(r->conn));
	MHD_add_response_header(resp, MHD_HTTP_HEADER_CONTENT_TYPE, type);
	return http_respond(r, status, resp, private);
}

/* http_file: send the open file FD (consumed) of SIZE bytes from OFF. */
int
http_file(struct req *r, unsigned status, const char *type, int fd,
    uint64_t off, uint64_t size, int private)
{
	struct MHD_Response *resp;

	resp = MHD_create_response_from_fd_at_offset64(size, fd, off);
	if (resp == NULL)
		close(fd);
	r->sent_bytes = size;
	return respond_counted(r, status, resp, type, size, private);
}

/* The reader of http_stream: libmicrohttpd's ends instead of 0 and -1. */
struct stream {
	http_reader	 read;
	void		*cls;
};

static ssize_t
stream_read(void *cls, uint64_t pos, char *buf, size_t max)
{
	struct stream *s = cls;
	ssize_t n = s->read(s->cls, pos, buf, max);

	if (n < 0)
		return MHD_CONTENT_READER_END_WITH_ERROR;
	return n == 0 ? MHD_CONTENT_READER_END_OF_STREAM : n;
}

/*
 * http_stream: send SIZE bytes (the Content-Length) as TYPE, each piece
 * from READ(CLS, pos, buf, max): the bytes put in BUF, 0 at the end, -1
 * when the rest cannot be produced (the connection is then cut, so the
 * client sees a short body, never a complete-looking one). READ runs on
 * the connection's thread, a block of HTTP_STREAM_BLOCK bytes at a time;
 * CLS is the caller's until the request's cleanup.
 */
int
http_stream(struct req *r, unsigned status, const char *type, uint64_t size,
    http_reader read, void *cls)
{
	struct MHD_Response *resp;
	struct stream *s = xmalloc(sizeof *s);

	s->read = read;
	s->cls = cls;
	resp = MHD_create_response_from_callback(size, HTTP_STREAM_BLOCK,
	    stream_read, s, free);
	if (resp == NULL)
		free(s);
	return respond_counted(r, status, resp, type, size, 1);
}

/* http_stage_redirect: send the user to the page of the session's stage. */
int
http_stage_redirect(struct req *r)
{
	return http_redirect(r, route_stage_home(r->sess.stage));
}

/*
 * http_advance: move the session to STAGE for USER_ID and redirect there;
 * 503 when the database would not store it; once logged in, to the page
 * first asked for (the session's return_to), if any.
 */
int
http_advance(struct req *r, int64_t user_id, int stage)
{
	char to[SESSION_RETURN_MAX];

	if (session_advance(&r->sess, user_id, stage, r->addr) == -1)
		return http_unavailable(r);
	if (stage == STAGE_IN && r->sess.return_to[0] != '\0') {
		snprintf(to, sizeof to, "%s", r->sess.return_to);
		r->sess.return_to[0] = '\0';
		store_session_set_return(r->sess.hash, NULL);
		if (http_next_ok(to))
			return http_redirect(r, to);
	}
	return http_stage_redirect(r);
}

/*
 * The way to /login: with ?next=PATH when PATH is where the login should
 * end (the page asked for), into OUT.
 */
static void
login_url(const char *path, char *out, size_t n)
{
	if (path != NULL && http_next_ok(path))
		snprintf(out, n, "/login?next=%s", path);
	else
		snprintf(out, n, "/login");
}

/*
 * The session this request came with has ended (timed out, or gone from
 * the server): it goes on as an anonymous session under the same cookie
 * (so a login form open in it still posts), and a page that needs more
 * sends the user to /login, which says so and brings them back.
 */
static int
session_expired(struct req *r)
{
	char page[SESSION_RETURN_MAX], to[SESSION_RETURN_MAX + 16];

	if (r->method == HTTP_POST)
		form_page(r, page, sizeof page);
	else
		snprintf(page, sizeof page, "%s", r->path);
	login_url(page, to, sizeof to);
	free(r->flash.notice);
	r->flash.notice = xstrdup("session.expired");
	flash_write(r, to, NULL);
	return http_redirect(r, to);
}

/*
 * http_end_session: log out server-side; the cookie is cleared in the
 * reply. 0, or -1 when the database would not delete the session (it goes
 * on, and so does its cookie).
 */
int
http_end_session(struct req *r)
{
	if (session_end(&r->sess) == -1)
		return -1;
	r->sess_ended = 1;
	return 0;
}

/*
 * The entry check of every request, before any handler runs: the session,
 * its stage, the CSRF token of a POST and the admin role, decided by
 * route_verdict. Returns -1 when a response was already queued.
 */
static int
gate(struct req *r, int *ret)
{
	const struct route *rt = r->route;
	const char *cookie;
	const char *token;
	int v, rc, csrf_ok, user_ok = 1;

	/* Only where a route allows it does a bearer token count; else it is ignored. */
	if (rt->bearer && cfg.api_tokens && r->method != HTTP_POST &&
	    (token = bearer_token(r)) != NULL)
		return bearer(r, token, ret) == -1 ? -1 : 0;
	if (rt->stages == 0)
		return 0;
	cookie = http_cookie(r, COOKIE_NAME);
	if ((rc = session_load(&r->sess, cookie)) == -1 && cookie != NULL)
		r->sess_ended = 1;	/* a dead session: its cookie goes */
	if (rc == -2) {
		/* Not knowing who this is is not "nobody": fail closed. */
		*ret = http_unavailable(r);
		return -1;
	}
	if (rc == 0 && r->sess.stage == STAGE_ANON &&
	    http_cookie(r, MARK_COOKIE) != NULL)
		r->sess.ended = 1;	/* a stored session, gone from the server */
	/*
	 * A session that timed out goes on as an anonymous one (a login form
	 * open in it still posts); a page that needs more says so.
	 */
	if (r->sess.ended && (rt->stages & STAGE_BIT(STAGE_ANON)) == 0) {
		*ret = session_expired(r);
		return -1;
	}
	csrf_ok = session_csrf_ok(&r->sess, http_field(r, "csrf"));
	if (r->sess.user_id > 0) {
		if ((rc = store_user_find_id(r->sess.user_id, &r->user)) == -1) {
			*ret = http_unavailable(r);
			return -1;
		}
		user_ok = rc == 1 && !r->user.disabled;
	}
	v = route_verdict(rt, r->method, r->sess.stage, csrf_ok, user_ok,
	    r->user.is_admin);
	if (v == ROUTE_START) {
		if (session_start(&r->sess) == -1) {
			*ret = http_internal(r);
			return -1;
		}
		v = route_verdict(rt, r->method, r->sess.stage, 0, 1, 0);
	}
	/* A language the user chose wins over the browser's. */
	if (v != ROUTE_FORBIDDEN && user_ok && tmpl_lang_known(r->user.lang))
		r->lang = tmpl_lang(r->user.lang);
	switch (v) {
	case ROUTE_OK:
		flash_read(r, http_cookie(r, "kluis_flash"));
		return 0;
	case ROUTE_FORBIDDEN:
		/*
		 * A live session, the token of another: a page left open
		 * while the session changed (a login in another tab). Filled
		 * in again, the form works.
		 */
		if (r->method == HTTP_POST && r->sess.stage > STAGE_ANON &&
		    user_ok && http_field(r, "csrf") != NULL)
			*ret = http_back(r, NULL, NULL, MHD_HTTP_FORBIDDEN,
			    "err.form_stale", 0);
		else
			*ret = http_error(r, MHD_HTTP_FORBIDDEN, "err.csrf");
		break;
	case ROUTE_USER_GONE:
		(void)http_end_session(r);
		*ret = http_redirect(r, "/login");
		break;
	case ROUTE_LOGIN: {
		char to[SESSION_RETURN_MAX + 16];

		login_url(r->path, to, sizeof to);
		*ret = http_redirect(r, to);
		break;
	}
	case ROUTE_STAGE:
		*ret = http_stage_redirect(r);
		break;
	default:
		*ret = http_not_found(r);
		break;
	}
	return -1;
}

/*
 * upload_admin: 1 when the request's cookie is a logged-in admin's session
 * and, when CSRF, its csrf field (which must come before the file) is right.
 */
static int
upload_admin(struct req *r, int csrf)
{
	struct session s;
	struct user u;
	int ok = 0;

	if (session_load(&s, http_cookie(r, COOKIE_NAME)) < 0)
		return 0;
	if (s.stage == STAGE_IN && (!csrf || session_csrf_ok(&s,
	    http_field(r, "csrf"))) && store_user_find_id(s.user_id, &u) == 1) {
		ok = u.is_admin && !u.disabled;
		store_clear(&u);
	}
	session_clear(&s);
	return ok;
}

/*
 * http_upload_allowed: 1 when this request may stream a file to disk: a
 * logged-in admin whose csrf field came before the file. The gate still
 * decides the answer; a refused upload is only not stored.
 */
int
http_upload_allowed(struct req *r)
{
	return upload_admin(r, 1);
}

/* The gate, then the handler: on an HTTP thread or a pool thread. */
static int
run(struct req *r)
{
	int ret;

	if (gate(r, &ret) == -1)
		return ret;
	return r->route->handler(r);
}

/* A pool thread: run the request, keep its answer, wake the connection. */
static void
pool_job(void *arg)
{
	struct req *r = arg;

	r->pool_ret = run(r);
	r->pool = POOL_DONE;
	MHD_resume_connection(r->conn);
}

/*
 * The connection is back from the pool: send the answer the handler left,
 * or 503 when the pool had no room.
 */
static int
pool_finish(struct req *r)
{
	struct MHD_Response *resp = r->deferred;
	enum MHD_Result ret;

	if (r->pool == POOL_FULL) {
		stats_add(STAT_THROTTLE_HASH_QUEUE, 1);
		r->pool = POOL_NONE;
		r->defer = 0;
		http_add_header(r, MHD_HTTP_HEADER_RETRY_AFTER, "5");
		return http_error(r, MHD_HTTP_SERVICE_UNAVAILABLE, "err.busy");
	}
	if (resp == NULL)
		return r->pool_ret;
	r->deferred = NULL;
	ret = MHD_queue_response(r->conn, r->deferred_status, resp);
	MHD_destroy_response(resp);
	return ret;
}

static int
dispatch(struct req *r)
{
	if (r->status != 0)
		return http_error(r, r->status, r->status ==
		    MHD_HTTP_CONTENT_TOO_LARGE ? "err.toolarge" : "err.badrequest");
	if (!r->route->pool)
		return run(r);
	/*
	 * Password hashing (argon2id) takes tens of milliseconds of a core:
	 * the request waits suspended while a pool thread runs it, so the
	 * HTTP threads go on serving. Suspended first, so the pool's resume
	 * always follows it.
	 */
	r->defer = 1;
	conn_deadline(conn_of(r->conn), 0);
	MHD_suspend_connection(r->conn);
	r->pool = POOL_QUEUED;	/* before the pool thread may set POOL_DONE */
	if (pool_submit(pool_job, r, r->addr) == -1) {
		r->pool = POOL_FULL;
		MHD_resume_connection(r->conn);
	}
	return MHD_YES;
}

/* conn.c's state of the connection of MC, or NULL. */
static struct conn *
conn_of(struct MHD_Connection *mc)
{
	const union MHD_ConnectionInfo *ci;

	ci = MHD_get_connection_info(mc, MHD_CONNECTION_INFO_SOCKET_CONTEXT);
	return ci != NULL ? ci->socket_context : NULL;
}

static void
notify_cb(void *cls, struct MHD_Connection *mc, void **socket_context,
    enum MHD_ConnectionNotificationCode code)
{
	const union MHD_ConnectionInfo *ci;
	char peer[INET6_ADDRSTRLEN];
	int fd, over;

	(void)cls;
	if (socket_context == NULL)
		return;
	if (code == MHD_CONNECTION_NOTIFY_STARTED) {
		ci = MHD_get_connection_info(mc, MHD_CONNECTION_INFO_CONNECTION_FD);
		fd = ci != NULL ? ci->connect_fd : -1;
		/*
		 * Connections are limited per client address; a trusted
		 * proxy's carry many clients, limited per request instead.
		 */
		peer_addr(mc, peer, sizeof peer);
		*socket_context = conn_open(fd, cfg.trust_proxy &&
		    net_is_proxy(peer) ? NULL : peer, &over);
		if (over && fd >= 0)
			shutdown(fd, SHUT_RDWR);
	} else {
		/* Called before libmicrohttpd closes the socket. */
		conn_close(*socket_context);
		*socket_context = NULL;
	}
}

static enum MHD_Result
count_framing(void *cls, enum MHD_ValueKind kind, const char *key,
    const char *value)
{
	int *n = cls;

	(void)kind;
	(void)value;
	if (key == NULL)
		return MHD_YES;
	if (strcasecmp(key, MHD_HTTP_HEADER_CONTENT_LENGTH) == 0)
		n[0]++;
	else if (strcasecmp(key, MHD_HTTP_HEADER_TRANSFER_ENCODING) == 0)
		n[1]++;
	return MHD_YES;
}

/*
 * framing_bad: 1 when the body's length is ambiguous (RFC 9112 6.3):
 * both Content-Length and Transfer-Encoding, either given twice, or a
 * transfer coding other than chunked. Reading such a request one way
 * while a proxy reads it the other is how requests are smuggled.
 */
static int
framing_bad(struct req *r)
{
	const char *te;
	int n[2] = { 0, 0 };

	MHD_get_connection_values(r->conn, MHD_HEADER_KIND, count_framing, n);
	if (n[0] > 1 || n[1] > 1 || (n[0] && n[1]))
		return 1;
	te = http_header(r, MHD_HTTP_HEADER_TRANSFER_ENCODING);
	return te != NULL && strcasecmp(te, "chunked") != 0;
}

static int64_t
mono_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

/*
 * The request is over: count it for /metrics and write its access log
 * line. The body's bytes when it went out whole; of a file cut short (the
 * client left, a timeout, the shutdown) what the client acknowledged of it
 * (r->sent, completed_cb); of another answer cut short, 0.
 */
static void
request_done(struct req *r, enum MHD_RequestTerminationCode toe)
{
	const struct route *rt = r->route;
	int whole = toe == MHD_REQUEST_TERMINATED_COMPLETED_OK;
	uint64_t bytes = r->method == HTTP_HEAD ? 0 : r->file_len > 0 ?
	    r->sent : whole ? r->sent_bytes : 0;

	if (r->sent_status != 0)
		stats_request(route_index(rt), r->sent_status);
	if (rt != NULL && rt->download && (r->sent_status == MHD_HTTP_OK ||
	    r->sent_status == MHD_HTTP_PARTIAL_CONTENT) &&
	    r->method == HTTP_GET) {
		stats_add(whole ? STAT_DOWNLOADS : STAT_DOWNLOADS_CUT, 1);
		stats_add(STAT_DOWNLOAD_BYTES, bytes);
	}
	access_write(r->addr, r->method_name, rt != NULL && rt->secret ?
	    rt->pattern : r->path, r->sent_status, bytes,
	    (mono_us() - r->start_us) / 1000, r->sess.user_id > 0 ?
	    r->sess.user_id : r->user.id);
}

static enum MHD_Result
access_cb(void *cls, struct MHD_Connection *conn, const char *url,
    const char *method, const char *version, const char *upload_data,
    size_t *upload_data_size, void **con_cls)
{
	struct req *r = *con_cls;
	const char *cl;
	int allowed;

	(void)cls;
	(void)version;
	if (r == NULL) {
		db_recheck();
		r = xcalloc(1, sizeof *r);
		r->conn = conn;
		r->method = method_of(method);
		r->method_name = method;
		r->path = url;
		r->start_us = mono_us();
		*con_cls = r;
		conn_begin(conn_of(conn));
		r->counted = 1;
		client_addr(r);
		choose_lang(r);
		if (framing_bad(r)) {
			/* Which length is meant is unknowable: read nothing more. */
			http_add_header(r, MHD_HTTP_HEADER_CONNECTION, "close");
			return http_error(r, MHD_HTTP_BAD_REQUEST, "err.badrequest");
		}
		if (r->via_proxy) {
			if (conn_addr_enter(r->addr) == -1) {
				stats_add(STAT_THROTTLE_ADDRESS, 1);
				http_add_header(r, MHD_HTTP_HEADER_RETRY_AFTER, "5");
				return http_error(r, MHD_HTTP_TOO_MANY_REQUESTS,
				    "err.busy");
			}
			r->addr_counted = 1;
		}
		r->route = route_find(url, r->method, &allowed, r->args);
		if (r->route == NULL) {
			if (allowed) {
				http_add_header(r, "Allow", route_allow(allowed));
				return http_error(r, MHD_HTTP_METHOD_NOT_ALLOWED,
				    "err.method");
			}
			return http_not_found(r);
		}
		/* A large body is read only for an admin: refuse others now. */
		if (r->route->upload != NULL && !upload_admin(r, 0))
			return http_not_found(r);
		r->max_body = r->route->max_body ? r->route->max_body :
		    cfg.max_body;
		if (r->route->max_body == ROUTE_MAX_UPLOAD)
			r->max_body = cfg.max_upload + 64 * 1024;
		cl = http_header(r, MHD_HTTP_HEADER_CONTENT_LENGTH);
		if (cl != NULL && strtoull(cl, NULL, 10) > r->max_body)
			return http_error(r, MHD_HTTP_CONTENT_TOO_LARGE,
			    "err.toolarge");
		if (r->method == HTTP_POST) {
			r->pp = MHD_create_post_processor(conn, 16 * 1024,
			    field_cb, r);
			/* A form's body must come in time; an upload is an admin's. */
			if (r->route->upload == NULL)
				conn_deadline(conn_of(conn), BODY_TIMEOUT);
		}
		return MHD_YES;
	}
	if (r->pool == POOL_DONE || r->pool == POOL_FULL)
		return (enum MHD_Result)pool_finish(r);
	if (r->responded) {
		*upload_data_size = 0;
		return MHD_YES;
	}
	if (*upload_data_size != 0) {
		r->body += *upload_data_size;
		if (r->body > r->max_body)
			r->status = MHD_HTTP_CONTENT_TOO_LARGE;
		if (r->status == 0 && r->pp != NULL &&
		    MHD_post_process(r->pp, upload_data, *upload_data_size) !=
		    MHD_YES && r->status == 0)
			r->status = MHD_HTTP_BAD_REQUEST;
		*upload_data_size = 0;
		return MHD_YES;
	}
	return (enum MHD_Result)dispatch(r);
}

static void
completed_cb(void *cls, struct MHD_Connection *conn, void **con_cls,
    enum MHD_RequestTerminationCode toe)
{
	struct req *r = *con_cls;
	int i;

	(void)cls;
	if (r == NULL)
		return;
	/*
	 * The bytes of a file response that reached the client: all of them
	 * when libmicrohttpd sent it whole, else what the peer acknowledged
	 * since (the headers are a few hundred bytes of it). A route's
	 * cleanup reads it.
	 */
	r->sent = r->file_len;
	if (toe != MHD_REQUEST_TERMINATED_COMPLETED_OK) {
		int64_t acked = conn_acked(conn_of(conn));

		r->sent = 0;
		if (acked >= 0 && r->acked0 >= 0 && acked > r->acked0)
			r->sent = (uint64_t)(acked - r->acked0) < r->file_len ?
			    (uint64_t)(acked - r->acked0) : r->file_len;
	}
	request_done(r, toe);
	if (r->deferred != NULL)
		MHD_destroy_response(r->deferred);
	if (r->counted)
		conn_end(conn_of(conn));
	if (r->addr_counted)
		conn_addr_leave(r->addr);
	if (r->route != NULL && r->route->cleanup != NULL)
		r->route->cleanup(r);
	if (r->pp != NULL)
		MHD_destroy_post_processor(r->pp);
	for (i = 0; i < r->nfields; i++) {
		free(r->fields[i].name);
		buf_wipe(&r->fields[i].value);
	}
	free(r->fields);
	for (i = 0; i < r->nextra; i++)
		free(r->extra[i].value);
	free(r->args[0]);
	free(r->args[1]);
	flash_clear(&r->flash);
	session_clear(&r->sess);
	store_clear(&r->user);
	store_clear(&r->token);
	free(r);
	*con_cls = NULL;
}

/*
 * Percent-decoding of the path and query, in place. "%00" stays as it is:
 * a NUL in the middle would cut the path short of what was asked for.
 */
static size_t
unescape_cb(void *cls, struct MHD_Connection *c, char *s)
{
	char *w = s;
	const char *p = s;
	int hi, lo;

	(void)cls;
	(void)c;
	while (*p) {
		if (p[0] == '%' &&
		    (hi = crypto_hexval((unsigned char)p[1])) >= 0 &&
		    (lo = crypto_hexval((unsigned char)p[2])) >= 0 &&
		    (hi | lo) != 0) {
			*w++ = (char)(hi << 4 | lo);
			p += 3;
		} else
			*w++ = *p++;
	}
	*w = '\0';
	return (size_t)(w - s);
}

/* Room for cfg.max_conns connections: raise the soft descriptor limit. */
static void
raise_nofile(void)
{
	struct rlimit rl;
	rlim_t want = (rlim_t)cfg.max_conns + FD_RESERVE;

	if (getrlimit(RLIMIT_NOFILE, &rl) == -1 || rl.rlim_cur >= want)
		return;
	rl.rlim_cur = rl.rlim_max == RLIM_INFINITY || rl.rlim_max >= want ?
	    want : rl.rlim_max;
	if (setrlimit(RLIMIT_NOFILE, &rl) == -1 || rl.rlim_cur < want) {
		cfg.max_conns = rl.rlim_cur > FD_RESERVE * 2 ?
		    (int)(rl.rlim_cur - FD_RESERVE) : FD_RESERVE;
		logmsg(LOG_WARNING,
		    "http: the system allows %llu open files, so at most %d "
		    "connections (raise LimitNOFILE= or ulimit -n to %llu for "
		    "--max-connections)", (unsigned long long)rl.rlim_cur,
		    cfg.max_conns, (unsigned long long)want);
	}
}

/*
 * The options every kluis daemon has, the server's and the fuzzer's
 * alike: the memory of a connection and the callbacks. One list, so the
 * fuzzer drives the daemon the server runs.
 */
static const struct MHD_OptionItem *
daemon_options(void)
{
	static struct MHD_OptionItem o[5];

	o[0] = (struct MHD_OptionItem){ MHD_OPTION_CONNECTION_MEMORY_LIMIT,
	    128 * 1024, NULL };
	o[1] = (struct MHD_OptionItem){ MHD_OPTION_NOTIFY_COMPLETED,
	    (intptr_t)completed_cb, NULL };
	o[2] = (struct MHD_OptionItem){ MHD_OPTION_NOTIFY_CONNECTION,
	    (intptr_t)notify_cb, NULL };
	o[3] = (struct MHD_OptionItem){ MHD_OPTION_UNESCAPE_CALLBACK,
	    (intptr_t)unescape_cb, NULL };
	o[4] = (struct MHD_OptionItem){ MHD_OPTION_END, 0, NULL };
	return o;
}

/* http_start: listen on cfg.listen with the thread pool. 0, or -1. */
int
http_start(void)
{
	unsigned flags = MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_EPOLL |
	    MHD_USE_ERROR_LOG | MHD_USE_ITC | MHD_ALLOW_SUSPEND_RESUME;
	char err[512];
	int fd;

	raise_nofile();
	stats_init(route_count());
	if (cfg.hash_threads == 0)
		cfg.hash_threads = sysconf(_SC_NPROCESSORS_ONLN) > 0 ?
		    (int)sysconf(_SC_NPROCESSORS_ONLN) : 1;
	if (cfg.tls_cert != NULL) {
		if (tls_load(cfg.tls_cert, cfg.tls_key, err, sizeof err) == -1) {
			logmsg(LOG_ERR, "http: %s", err);
			return -1;
		}
		flags |= MHD_USE_TLS;
	}
	if ((fd = net_listen(cfg.listen, 1024, err, sizeof err)) == -1) {
		logmsg(LOG_ERR, "http: %s", err);
		return -1;
	}
	daemon_handle = MHD_start_daemon(flags, 0, NULL, NULL, access_cb, NULL,
	    MHD_OPTION_LISTEN_SOCKET, fd,
	    MHD_OPTION_THREAD_POOL_SIZE, (unsigned)cfg.threads,
	    MHD_OPTION_CONNECTION_TIMEOUT, (unsigned)30,
	    MHD_OPTION_CONNECTION_LIMIT, (unsigned)cfg.max_conns,
	    MHD_OPTION_ARRAY, daemon_options(),
	    cfg.tls_cert ? MHD_OPTION_HTTPS_CERT_CALLBACK : MHD_OPTION_END,
	    tls_callback(),
	    MHD_OPTION_HTTPS_PRIORITIES, tls_priorities(),
	    MHD_OPTION_END);
	if (daemon_handle == NULL) {
		logmsg(LOG_ERR,
		    "http: cannot start the server on %s", cfg.listen);
		close(fd);
		return -1;
	}
	if (conn_start() == -1 || pool_start(cfg.hash_threads, cfg.hash_queue,
	    HASH_PER_ADDR) == -1) {
		logmsg(LOG_ERR, "http: cannot start the server's threads");
		http_stop();
		return -1;
	}
	return 0;
}

/* http_connections: the public server's open connections. */
int
http_connections(void)
{
	const union MHD_DaemonInfo *di;

	if (daemon_handle == NULL || (di = MHD_get_daemon_info(daemon_handle,
	    MHD_DAEMON_INFO_CURRENT_CONNECTIONS)) == NULL)
		return 0;
	return (int)di->num_connections;
}

/*
 * http_reload: SIGHUP: read the TLS certificate and key again; on an
 * error the ones in use stay.
 */
void
http_reload(void)
{
	char err[512];

	if (cfg.tls_cert == NULL)
		return;
	if (tls_load(cfg.tls_cert, cfg.tls_key, err, sizeof err) == -1)
		logmsg(LOG_WARNING,
		    "http: keeping the TLS certificate in use: %s", err);
	else
		logmsg(LOG_INFO,
		    "http: TLS certificate %s loaded", cfg.tls_cert);
}

/*
 * http_quiesce: stop accepting connections and let the running requests
 * finish for up to GRACE seconds. Returns the requests still running.
 */
int
http_quiesce(int64_t grace)
{
	MHD_socket fd;

	if (daemon_handle == NULL)
		return 0;
	draining = 1;
	fd = MHD_quiesce_daemon(daemon_handle);
	if (fd != MHD_INVALID_SOCKET)
		close(fd);
	return conn_drain(grace);
}

/*
 * http_start_fuzz: http_start without a listening socket, TLS or threads
 * of the daemon's own, for the request fuzzer (tests/fuzz/fuzz_request.c):
 * it hands the daemon connections with MHD_add_connection() and runs it
 * with MHD_run(); one pool thread hashes. The daemon, or NULL.
 */
struct MHD_Daemon *
http_start_fuzz(void)
{
	stats_init(route_count());
	daemon_handle = MHD_start_daemon(MHD_USE_NO_LISTEN_SOCKET |
	    MHD_USE_ITC | MHD_ALLOW_SUSPEND_RESUME, 0, NULL, NULL, access_cb,
	    NULL, MHD_OPTION_ARRAY, daemon_options(), MHD_OPTION_END);
	if (daemon_handle == NULL || conn_start() == -1 ||
	    pool_start(1, cfg.hash_queue, HASH_PER_ADDR) == -1) {
		http_stop();
		return NULL;
	}
	return daemon_handle;
}

void
http_stop(void)
{
	pool_stop();	/* its requests are resumed before the daemon goes */
	if (daemon_handle != NULL)
		MHD_stop_daemon(daemon_handle);
	daemon_handle = NULL;
	conn_stop();
	tls_free();
}
