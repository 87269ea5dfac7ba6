/* app.c: the start-up shared by the server and the CLI. */
#include <sys/stat.h>

#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <curl/curl.h>

#include "portal.h"

static void app_public_url_load(void);

/*
 * app_share_default: where templates/, static/ and data/ are when neither
 * --share nor KLUIS_SHARE says: the source tree for a binary that runs from
 * its own build tree (make run, the tests), else the directory it was
 * installed with (PREFIX/share/kluis). Both paths are fixed at build time, so
 * an installed binary never depends on where it was copied or on what lies
 * beside it.
 */
static const char *
app_share_default(void)
{
	char exe[PATH_MAX], build[PATH_MAX];
	ssize_t n;
	size_t len;

	n = readlink("/proc/self/exe", exe, sizeof exe - 1);
	if (n <= 0 || realpath(KLUIS_BUILD_DIR, build) == NULL)
		return KLUIS_INSTALL_SHARE;
	exe[n] = '\0';
	len = strlen(build);
	if (strncmp(exe, build, len) == 0 && exe[len] == '/')
		return KLUIS_TREE_SHARE;
	return KLUIS_INSTALL_SHARE;
}

/*
 * app_open: create the data directory, load the key, templates, password
 * list and database. Returns 0, or -1 with the reason printed.
 */
int
app_open(void)
{
	char path[4096];

	if (cfg.share == NULL)
		cfg.share = getenv("KLUIS_SHARE");
	if (cfg.share == NULL || *cfg.share == '\0')
		cfg.share = app_share_default();
	if (mkdir_p(cfg.data, 0700) == -1) {
		fprintf(stderr, "kluis: cannot create %s: %s\n", cfg.data,
		    strerror(errno));
		return -1;
	}
	snprintf(path, sizeof path, "%s/outbox", cfg.data);
	if (mkdir_p(path, 0700) == -1) {
		fprintf(stderr, "kluis: cannot create %s: %s\n", path,
		    strerror(errno));
		return -1;
	}
	snprintf(path, sizeof path, "%s/files", cfg.data);
	if (mkdir_p(path, 0700) == -1) {
		fprintf(stderr, "kluis: cannot create %s: %s\n", path,
		    strerror(errno));
		return -1;
	}
	if (cfg.key_file == NULL)
		cfg.key_file = xasprintf("%s/kluis.key", cfg.data);
	if (crypto_key_load(cfg.key_file) == -1) {
		fprintf(stderr, "kluis: cannot use key file %s (it must be 32 "
		    "bytes, readable by its owner only)\n", cfg.key_file);
		return -1;
	}
	snprintf(path, sizeof path, "%s/templates", cfg.share);
	if (tmpl_init(path) == -1) {
		fprintf(stderr, "kluis: cannot load templates from %s "
		    "(set --share to the directory holding templates/)\n", path);
		return -1;
	}
	snprintf(path, sizeof path, "%s/data/common-passwords.txt", cfg.share);
	if (password_blocklist_load(path) == -1) {
		fprintf(stderr, "kluis: cannot load %s\n", path);
		return -1;
	}
	if (totp_init() == -1)
		return -1;
	curl_global_init(CURL_GLOBAL_DEFAULT);
	if (cfg.public_url == NULL)
		app_public_url_load();
	snprintf(path, sizeof path, "%s/kluis.db", cfg.data);
	if (db_open(path) == -1) {
		fprintf(stderr, "kluis: cannot open the database %s\n", path);
		return -1;
	}
	/* What a killed publish left in files/ (see publish.c). */
	publish_sweep();
	return 0;
}

/*
 * The server remembers its public URL in DATA/public-url, so that mail
 * queued by the CLI links to the same address.
 */
void
app_public_url_save(void)
{
	char path[4096];

	snprintf(path, sizeof path, "%s/public-url", cfg.data);
	if (write_file_atomic(path, cfg.public_url, strlen(cfg.public_url),
	    0600) == -1)
		logmsg("cannot write %s: %s", path, strerror(errno));
}

static void
app_public_url_load(void)
{
	char path[4096], url[1024];
	FILE *f;

	snprintf(path, sizeof path, "%s/public-url", cfg.data);
	if ((f = fopen(path, "r")) == NULL)
		return;
	if (fgets(url, sizeof url, f) != NULL) {
		str_trim(url);
		if (str_has_prefix(url, "http://") || str_has_prefix(url, "https://"))
			cfg.public_url = xstrdup(url);
	}
	fclose(f);
}

void
app_close(void)
{
	db_thread_done();
	curl_global_cleanup();
}
