/* page_static.c: /static/NAME: the style sheet and images, straight from static/. */
#include <sys/stat.h>

#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include <microhttpd.h>

#include "portal.h"

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
	char path[4096], etag[64];
	struct stat st;
	int fd;

	for (p = name; *p; p++)
		if (!(*p == '-' || *p == '_' || *p == '.' ||
		    (*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') ||
		    (*p >= '0' && *p <= '9')))
			return http_not_found(r);
	if (name[0] == '.' || (type = static_type(name)) == NULL)
		return http_not_found(r);
	if ((size_t)snprintf(path, sizeof path, "%s/static/%s", cfg.share,
	    name) >= sizeof path)
		return http_not_found(r);
	if ((fd = open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC)) == -1)
		return http_not_found(r);
	if (fstat(fd, &st) == -1 || !S_ISREG(st.st_mode)) {
		close(fd);
		return http_not_found(r);
	}
	/* The file's size and time of change name its version. */
	snprintf(etag, sizeof etag, "\"%llx-%llx%09lx\"",
	    (unsigned long long)st.st_size, (unsigned long long)st.st_mtim.tv_sec,
	    (long)st.st_mtim.tv_nsec);
	http_add_header(r, MHD_HTTP_HEADER_ETAG, etag);
	if (dl_etag_match(http_header(r, MHD_HTTP_HEADER_IF_NONE_MATCH), etag)) {
		close(fd);
		return http_not_modified(r, 0);
	}
	return http_file(r, MHD_HTTP_OK, type, fd, 0, (uint64_t)st.st_size, 0);
}
