/* page_static.c: /static/NAME: the style sheet and images, straight from static/. */
#include <sys/stat.h>

#include <errno.h>
#include <stdlib.h>

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

#define LOGO_MAX	(1024 * 1024)

/* The organisation's logo (--logo), read once at start-up. */
static struct {
	char		*data;
	size_t		 len;
	const char	*type;
} logo;

/* The image type of a logo by its first bytes, or NULL. */
static const char *
logo_type(const unsigned char *p, size_t n)
{
	size_t i;

	if (n >= 8 && memcmp(p, "\x89PNG\r\n\x1a\n", 8) == 0)
		return "image/png";
	if (n >= 3 && memcmp(p, "\xff\xd8\xff", 3) == 0)
		return "image/jpeg";
	if (n >= 12 && memcmp(p, "RIFF", 4) == 0 && memcmp(p + 8, "WEBP", 4) == 0)
		return "image/webp";
	for (i = 0; i < n && strchr(" \t\r\n", p[i]) != NULL; i++)
		;
	if (n - i >= 5 && (memcmp(p + i, "<?xml", 5) == 0 ||
	    memcmp(p + i, "<svg", 4) == 0))
		return "image/svg+xml";
	return NULL;
}

/*
 * page_static_logo_load: read --logo (when set) for /logo: a PNG, JPEG,
 * WebP or SVG file of at most 1 MiB. 0, or -1 with ERR: a logo that cannot
 * be shown stops the start.
 */
int
page_static_logo_load(char *err, size_t errlen)
{
	struct stat st;
	ssize_t got;
	int fd;

	if (cfg.logo == NULL)
		return 0;
	if ((fd = open(cfg.logo, O_RDONLY | O_CLOEXEC)) == -1 ||
	    fstat(fd, &st) == -1 || !S_ISREG(st.st_mode)) {
		snprintf(err, errlen, "--logo %s: %s", cfg.logo, fd == -1 ?
		    strerror(errno) : "not a regular file");
		if (fd != -1)
			close(fd);
		return -1;
	}
	if (st.st_size <= 0 || st.st_size > LOGO_MAX) {
		close(fd);
		snprintf(err, errlen, "--logo %s: must be 1 byte to 1 MiB",
		    cfg.logo);
		return -1;
	}
	logo.data = xmalloc((size_t)st.st_size);
	got = read(fd, logo.data, (size_t)st.st_size);
	close(fd);
	if (got != st.st_size || (logo.type = logo_type((const unsigned char *)
	    logo.data, (size_t)got)) == NULL) {
		snprintf(err, errlen, "--logo %s: %s", cfg.logo, got !=
		    st.st_size ? "cannot read it whole" : "not a PNG, JPEG, "
		    "WebP or SVG image");
		free(logo.data);
		logo.data = NULL;
		return -1;
	}
	logo.len = (size_t)got;
	return 0;
}

/* GET /logo: the organisation's logo, or 404 without one. */
int
page_static_logo(struct req *r)
{
	struct MHD_Response *resp;

	if (logo.data == NULL)
		return http_not_found(r);
	resp = MHD_create_response_from_buffer(logo.len, logo.data,
	    MHD_RESPMEM_PERSISTENT);
	if (resp == NULL)
		return MHD_NO;
	MHD_add_response_header(resp, MHD_HTTP_HEADER_CONTENT_TYPE, logo.type);
	return http_respond(r, MHD_HTTP_OK, resp, 0);
}
