/* app.c: the start-up shared by the server and the CLI. */
#include <sys/file.h>
#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <curl/curl.h>

#include "portal.h"

static void app_public_url_load(void);
static void app_mail_settings_load(void);
static void app_globals(void);

static int lock_fd = -1;

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
 * Every command holds DATA/kluis.lock shared while it runs; a key rotation
 * holds it alone (EXCLUSIVE), so no server or command uses the old key
 * meanwhile. 0, or -1 with the reason printed.
 */
static int
app_lock(int exclusive)
{
	char path[4096];

	snprintf(path, sizeof path, "%s/kluis.lock", cfg.data);
	if (lock_fd == -1 && (lock_fd = open(path, O_RDWR | O_CREAT |
	    O_CLOEXEC, 0600)) == -1) {
		logmsg(LOG_ERR, "cannot open %s: %s", path,
		    strerror(errno));
		return -1;
	}
	if (flock(lock_fd, (exclusive ? LOCK_EX : LOCK_SH) | LOCK_NB) == 0)
		return 0;
	if (exclusive)
		logmsg(LOG_ERR, "%s is in use by a running kluis (the "
		    "server, or another command): stop it first, so that "
		    "nothing goes on with the old key", cfg.data);
	else
		logmsg(LOG_ERR, "a key rotation is running on %s: try "
		    "again when it is done", cfg.data);
	return -1;
}

/*
 * A migration changes the database for good: first a copy of it goes to
 * DATA/backups/ (by the online backup API; a server may be running).
 */
static int
app_backup_before(int from, int pending)
{
	char dir[4096], path[4200], when[32];

	time_format(now_unix(), TIME_STAMP, when, sizeof when);
	snprintf(dir, sizeof dir, "%s/backups", cfg.data);
	snprintf(path, sizeof path, "%s/before-migration-%03d-%s.db", dir,
	    from + pending, when);
	if (mkdir_p(dir, 0700) == -1 || db_backup(path) == -1) {
		logmsg(LOG_ERR, "cannot back up the database to %s before "
		    "migrating it (see the line above): nothing was changed; "
		    "make room, then start again", path);
		return -1;
	}
	logmsg(LOG_INFO,
	    "db: backed up schema version %d to %s before migrating", from,
	    path);
	return 0;
}

/*
 * app_start: create the data directory, load templates, password list,
 * key and database (migrated, after a backup of a database in use), and
 * hold DATA/kluis.lock (APP_ALONE: no other kluis may use DATA; APP_SERVE:
 * the server, whose settings commands follow). The key
 * must be the database's (custody.c); with APP_CHECK a key problem is
 * only described in KEYMSG (may be NULL otherwise). Returns 0, or -1 with
 * the reason printed.
 */
int
app_start(int how, struct buf *keymsg)
{
	struct buf msg = { 0 };
	char path[4096];
	int key_state, pending, from;

	char err[256];

	if (cfg.share == NULL)
		cfg.share = getenv("KLUIS_SHARE");
	if (cfg.share == NULL || *cfg.share == '\0')
		cfg.share = app_share_default();
	if (how != APP_SERVE)	/* the server says what they are */
		app_mail_settings_load();
	if (time_zone_init(cfg.timezone, err, sizeof err) == -1) {
		fprintf(stderr, "kluis: --timezone %s %s\n", cfg.timezone, err);
		return -1;
	}
	if (mkdir_p(cfg.data, 0700) == -1) {
		logmsg(LOG_ERR, "cannot create %s: %s", cfg.data,
		    strerror(errno));
		return -1;
	}
	if (app_lock(how == APP_ALONE) == -1)
		return -1;
	snprintf(path, sizeof path, "%s/outbox", cfg.data);
	if (mkdir_p(path, 0700) == -1) {
		logmsg(LOG_ERR, "cannot create %s: %s", path,
		    strerror(errno));
		return -1;
	}
	snprintf(path, sizeof path, "%s/files", cfg.data);
	if (mkdir_p(path, 0700) == -1) {
		logmsg(LOG_ERR, "cannot create %s: %s", path,
		    strerror(errno));
		return -1;
	}
	if (cfg.key_file == NULL)
		cfg.key_file = xasprintf("%s/kluis.key", cfg.data);
	key_state = crypto_key_read(cfg.key_file);
	snprintf(path, sizeof path, "%s/templates", cfg.share);
	if (tmpl_init(path) == -1) {
		logmsg(LOG_ERR, "cannot load templates from %s "
		    "(set --share to the directory holding templates/)", path);
		return -1;
	}
	snprintf(path, sizeof path, "%s/data/common-passwords.txt", cfg.share);
	if (password_blocklist_load(path) == -1) {
		logmsg(LOG_ERR, "cannot load %s", path);
		return -1;
	}
	if (totp_init() == -1)
		return -1;
	curl_global_init(CURL_GLOBAL_DEFAULT);
	if (cfg.public_url == NULL)
		app_public_url_load();
	app_globals();
	snprintf(path, sizeof path, "%s/kluis.db", cfg.data);
	if ((pending = db_attach(path)) < 0 || (from = db_schema()) < 0) {
		logmsg(LOG_ERR, "cannot open the database %s", path);
		return -1;
	}
	if (pending > 0 && from > 0 && app_backup_before(from, pending) == -1)
		return -1;
	if (db_migrate() == -1) {
		logmsg(LOG_ERR, "cannot migrate the database %s", path);
		return -1;
	}
	if (custody_key(key_state, how == APP_CHECK, &msg) == -1) {
		if (how == APP_CHECK && keymsg != NULL) {
			buf_puts(keymsg, msg.data ? msg.data : "");
			buf_free(&msg);
		} else {
			logmsg(LOG_ERR, "%s", msg.data ? msg.data : "");
			buf_free(&msg);
			db_thread_done();
			return -1;
		}
	}
	/* What a killed publish left in files/ (see publish.c). */
	if (how != APP_CHECK)
		publish_sweep();
	return 0;
}

/*
 * What every page and mail shows (tmpl_globals): the organisation
 * ("org"), its logo, the helpdesk ("contact_phone", ... and "has_contact"
 * when any is set), the time zone ("zone") and the public URL ("site").
 */
static void
app_globals(void)
{
	struct tmpl_vars *v = tv_new();
	static const struct {
		const char	*var;
		const char	**value;
	} contact[] = { { "contact_phone", &cfg.contact_phone },
	    { "contact_email", &cfg.contact_email },
	    { "contact_hours", &cfg.contact_hours },
	    { "contact_address", &cfg.contact_address } };
	size_t i;

	if (cfg.org_name != NULL && *cfg.org_name != '\0')
		tv_set(v, "org", cfg.org_name);
	if (cfg.logo != NULL)
		tv_set(v, "has_logo", "1");
	tv_set(v, "zone", time_zone());
	if (cfg.public_url != NULL)
		tv_set(v, "site", cfg.public_url);
	for (i = 0; i < sizeof contact / sizeof contact[0]; i++)
		if (*contact[i].value != NULL && **contact[i].value != '\0') {
			tv_set(v, contact[i].var, *contact[i].value);
			tv_set(v, "has_contact", "1");
		}
	tmpl_globals(v);
}

/* app_open: app_start for a command: the key must be the database's. */
int
app_open(void)
{
	return app_start(APP_RUN, NULL);
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
		logmsg(LOG_WARNING,
		    "cannot write %s: %s", path, strerror(errno));
}

/*
 * What every mail says besides the public URL: the organisation, its
 * helpdesk and the time zone. The server keeps the values it runs with in
 * DATA/mail-settings ("name = value" lines), so that mail a command queues
 * says the same; an option given to the command wins.
 */
static const char *const mail_settings[] = { "organisation-name",
    "contact-phone", "contact-email", "contact-hours", "contact-address",
    "timezone", NULL };

/* The field of option NAME in cfg (a string option). */
static const char **
setting_field(const char *name)
{
	const struct config_option *o = config_find(name);

	return o != NULL ? (const char **)((char *)&cfg + o->off) : NULL;
}

/* app_mail_settings_save: the server's mail settings into DATA/mail-settings. */
void
app_mail_settings_save(void)
{
	struct buf b = { 0 };
	const char **f;
	char path[4096];
	size_t i;

	for (i = 0; mail_settings[i] != NULL; i++)
		if ((f = setting_field(mail_settings[i])) != NULL && *f != NULL &&
		    strchr(*f, '\n') == NULL)
			buf_printf(&b, "%s = %s\n", mail_settings[i], *f);
	snprintf(path, sizeof path, "%s/mail-settings", cfg.data);
	if (write_file_atomic(path, b.data ? b.data : "", b.len, 0600) == -1)
		logmsg(LOG_ERR, "cannot write %s: %s", path, strerror(errno));
	buf_free(&b);
}

/* The settings of DATA/mail-settings that no option of this command set. */
static void
app_mail_settings_load(void)
{
	char path[4096], line[1024], err[128], *eq, *name, *value;
	const char **f;
	FILE *fp;
	size_t i;

	snprintf(path, sizeof path, "%s/mail-settings", cfg.data);
	if ((fp = fopen(path, "re")) == NULL)
		return;
	while (fgets(line, sizeof line, fp) != NULL) {
		if ((eq = strchr(line, '=')) == NULL)
			continue;
		*eq = '\0';
		name = line;
		value = eq + 1;
		str_trim(name);
		str_trim(value);
		for (i = 0; mail_settings[i] != NULL; i++)
			if (strcmp(name, mail_settings[i]) == 0)
				break;
		if (mail_settings[i] == NULL || (f = setting_field(name)) ==
		    NULL || *f != NULL)
			continue;
		if (config_set(name, value, err, sizeof err) == -1)
			logmsg(LOG_WARNING, "%s: %s %s", path, name, err);
	}
	fclose(fp);
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
	if (lock_fd != -1) {
		close(lock_fd);
		lock_fd = -1;
	}
	curl_global_cleanup();
}

/*
 * app_open_mail: what "kluis mail test" needs: the templates and libcurl,
 * not the database or the key, so that root may run it with the password
 * file the service's credential comes from. 0, or -1 with the reason
 * printed.
 */
int
app_open_mail(void)
{
	char path[4096];

	if (cfg.share == NULL || *cfg.share == '\0')
		cfg.share = app_share_default();
	snprintf(path, sizeof path, "%s/templates", cfg.share);
	if (tmpl_init(path) == -1) {
		logmsg(LOG_ERR, "cannot load templates from %s "
		    "(set --share to the directory holding templates/)", path);
		return -1;
	}
	curl_global_init(CURL_GLOBAL_DEFAULT);
	return 0;
}
