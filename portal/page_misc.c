/* page_misc.c: health check, static files and the language switch. */
#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include <microhttpd.h>

#include "portal.h"

int
page_healthz(struct req *r)
{
	if (db_ping() == -1)
		return http_send(r, MHD_HTTP_SERVICE_UNAVAILABLE,
		    "text/plain; charset=utf-8", xstrdup("database unavailable\n"),
		    21);
	return http_send(r, MHD_HTTP_OK, "text/plain; charset=utf-8",
	    xstrdup("ok\n"), 3);
}

static const char *
static_type(const char *name)
{
	const char *dot = strrchr(name, '.');

	if (dot == NULL)
		return NULL;
	if (strcmp(dot, ".css") == 0)
		return "text/css; charset=utf-8";
	if (strcmp(dot, ".svg") == 0)
		return "image/svg+xml";
	if (strcmp(dot, ".png") == 0)
		return "image/png";
	if (strcmp(dot, ".ico") == 0)
		return "image/x-icon";
	return NULL;
}

/* GET /static/NAME: a file straight from static/, by a plain name only. */
int
page_static(struct req *r)
{
	const char *name = r->args[0], *type, *p;
	char path[4096];
	struct stat st;
	int fd;

	for (p = name; *p; p++)
		if (!(*p == '-' || *p == '_' || *p == '.' ||
		    (*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') ||
		    (*p >= '0' && *p <= '9')))
			return http_error(r, MHD_HTTP_NOT_FOUND, "err.notfound");
	if (name[0] == '.' || (type = static_type(name)) == NULL)
		return http_error(r, MHD_HTTP_NOT_FOUND, "err.notfound");
	if ((size_t)snprintf(path, sizeof path, "%s/static/%s", cfg.share,
	    name) >= sizeof path)
		return http_error(r, MHD_HTTP_NOT_FOUND, "err.notfound");
	if ((fd = open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC)) == -1)
		return http_error(r, MHD_HTTP_NOT_FOUND, "err.notfound");
	if (fstat(fd, &st) == -1 || !S_ISREG(st.st_mode)) {
		close(fd);
		return http_error(r, MHD_HTTP_NOT_FOUND, "err.notfound");
	}
	return http_file(r, MHD_HTTP_OK, type, fd, 0, (uint64_t)st.st_size, 0);
}

/*
 * local_path: 1 when S is a path of this site that a browser cannot read
 * as another host: "/" and then only [A-Za-z0-9/_.-], never "//" (browsers
 * drop tabs and newlines and read "\\" as "/", so only a whitelist is safe).
 */
static int
local_path(const char *s)
{
	const char *p;

	if (s == NULL || s[0] != '/' || strlen(s) > 512)
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

/*
 * GET /lang?to=en&back=/path: remember the language in a cookie, and for a
 * known user in the account too, and go back. Only a local path is followed
 * back, never another site.
 */
int
page_lang(struct req *r)
{
	const char *to, *back, *fs;

	to = http_query(r, "to");
	back = http_query(r, "back");
	if (to == NULL || !tmpl_lang_known(to))
		return http_error(r, MHD_HTTP_BAD_REQUEST, "err.badrequest");
	if (!local_path(back))
		back = "/";
	to = tmpl_lang(to);
	lang_cookie(r, to);
	/*
	 * The account remembers it only when the click came from this site:
	 * a link elsewhere must not change the language of someone's mail.
	 */
	fs = http_header(r, "Sec-Fetch-Site");
	if (r->sess.user_id > 0 && (fs == NULL || strcmp(fs, "same-origin") == 0)
	    && store_user_set_lang(r->sess.user_id, to) == 0)
		store_audit(r->sess.user_id, 0, "user.lang", r->addr, to);
	return http_redirect(r, back);
}
