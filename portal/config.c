/* config.c: the settings: their defaults in cfg, and the one table of every option that sets them. */
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <ini.h>

#include "portal.h"

#define CONFIG_DEFAULT_FILE	"/etc/kluis/kluis.conf"
#define CONFIG_MAX_OPTIONS	64

struct config cfg = {
	.listen = "127.0.0.1:8080",
	.data = "var",
	.share = NULL,		/* --share, KLUIS_SHARE, else app_share_default() */
	.public_url = NULL,
	.admin_email = "admin@localhost",
	.issuer = "kluis",
	.mail_from = "kluis <noreply@localhost>",
	.threads = 4,
	.session_idle = 30 * 60,
	.session_max = 10 * 3600,
	.max_body = 64 * 1024,
	.max_upload = 2ULL << 30,
	.max_account_failures = 5,
	.max_ip_failures = 50,
	.unlock_time = 30 * 60,
	.reset_ttl = 30 * 60,
	.header_timeout = 10,
	.shutdown_grace = 30,
	.max_conns = 16384,
	.max_conns_per_addr = 256,
	.hash_queue = 64,
	.trusted_proxies = "127.0.0.0/8, ::1",
	.ipv6_prefix = 64,
	.forgot_cap = 200,
	.audit_retention = 400 * 86400,
	.mail_retention = 30 * 86400,
	.log_level = LOG_INFO,
	.timezone = NULL,	/* TIME_ZONE_DEFAULT */
};

#define AT(f)	offsetof(struct config, f)
#define STRING(name, f, arg, help) \
	{ name, CONFIG_STRING, 0, AT(f), 0, 0, 1, arg, help }
#define COMMON(name, f, arg, help) \
	{ name, CONFIG_STRING, 1, AT(f), 0, 0, 1, arg, help }
#define FLAG(name, f, help) \
	{ name, CONFIG_FLAG, 0, AT(f), 0, 1, 1, NULL, help }
#define NUMBER(name, f, min, max, help) \
	{ name, CONFIG_NUMBER, 0, AT(f), min, max, 1, "N", help }
#define SECONDS(name, f, min, max, unit, arg, help) \
	{ name, CONFIG_SECONDS, 0, AT(f), min, max, unit, arg, help }
#define BYTES(name, f, min, max, help) \
	{ name, CONFIG_BYTES, 0, AT(f), min, max, 1, "BYTES", help }
#define LEVEL(name, f, help) \
	{ name, CONFIG_LEVEL, 0, AT(f), 0, 0, 1, "LEVEL", help }

/*
 * Every option of "kluis serve", in the order of its --help. The options
 * every command has are COMMON. A name is also what a configuration file
 * or the environment will call the setting.
 */
const struct config_option config_options[] = {
	STRING("listen", listen, "ADDR:PORT", "where to listen (default "
	    "127.0.0.1:8080; [::1]:8080 for IPv6)"),
	COMMON("data", data, "DIR", "database, key, files and outbox "
	    "(default ./var)"),
	STRING("public-url", public_url, "URL", "the address users open, used "
	    "in mailed links; an\nhttps:// URL also makes cookies Secure and "
	    "sends HSTS\n(default http://LISTEN)"),
	STRING("admin-email", admin_email, "EMAIL", "the first admin, created "
	    "on an empty database\n(default admin@localhost)"),
	STRING("issuer", issuer, "NAME", "the name authenticator apps show "
	    "(default kluis)"),
	STRING("smtp-url", smtp_url, "URL", "deliver mail by SMTP, e.g. "
	    "smtp://mail.example:587 or\nsmtps://host (default: "
	    "write .eml files\ninto DIR/outbox/); smtp:// needs STARTTLS "
	    "unless the\nhost resolves to this machine's loopback only"),
	FLAG("smtp-without-tls", smtp_without_tls, "send mail to another "
	    "machine even when it offers no\nSTARTTLS: temporary passwords and "
	    "reset links then\ncross the network readable (a relay on a "
	    "trusted\nnetwork only; logged as a warning at start)"),
	STRING("smtp-user", smtp_user, "NAME", "the user name for SMTP AUTH "
	    "(or in --smtp-url)"),
	STRING("smtp-password-file", smtp_password_file, "FILE", "the password "
	    "for SMTP AUTH, read from FILE (without\nits line end; an empty "
	    "file: no password), so it is\nnever on a command line"),
	STRING("mail-from", mail_from, "ADDR", "the From of every message\n"
	    "(default \"kluis <noreply@localhost>\")"),
	STRING("tls-cert", tls_cert, "FILE", "serve HTTPS with this PEM "
	    "certificate (chain)"),
	STRING("tls-key", tls_key, "FILE", "... and this PEM private key"),
	FLAG("trust-proxy", trust_proxy, "take the client address from "
	    "X-Forwarded-For (only\nbehind a reverse proxy that sets it)"),
	STRING("trusted-proxies", trusted_proxies, "CIDR,...", "with "
	    "--trust-proxy, the proxies whose X-Forwarded-For\nis read "
	    "(default 127.0.0.0/8, ::1)"),
	NUMBER("ipv6-prefix", ipv6_prefix, 32, 128, "an IPv6 client is "
	    "limited by this many leading bits\nof its address, one home "
	    "connection's network\n(default 64)"),
	COMMON("key", key_file, "FILE", "the key sealing secrets at rest "
	    "(default DIR/kluis.key;\nkeep it out of database backups)"),
	COMMON("share", share, "DIR", "where templates/, static/ and data/ "
	    "live"),
	NUMBER("threads", threads, 1, 256, "worker threads (default 4)"),
	SECONDS("session-idle", session_idle, 1, 86400, 1, "SECS", "idle "
	    "session timeout (default 1800)"),
	SECONDS("session-max", session_max, 1, 7 * 86400, 1, "SECS",
	    "absolute session timeout (default 36000)"),
	BYTES("max-body", max_body, 1024, 1L << 30, "largest form body "
	    "accepted (default 65536)"),
	BYTES("max-upload", max_upload, 1, 1LL << 46, "largest file the admin "
	    "console accepts for upload\n(default 2147483648, 2 GiB)"),
	NUMBER("max-account-failures", max_account_failures, 1, 1000000,
	    "free failures per account before delays (default 5)"),
	NUMBER("max-ip-failures", max_ip_failures, 1, 1000000, "free failures "
	    "per client address (default 50)"),
	SECONDS("unlock-minutes", unlock_time, 1, 24 * 60, 60, "N", "how long "
	    "a validation code unlocks a subject in a\nsession (default 30)"),
	SECONDS("unlock-seconds", unlock_time, 1, 24 * 3600, 1, "N", "the same "
	    "in seconds, for tests and demonstrations"),
	SECONDS("reset-ttl", reset_ttl, 1, 7 * 86400, 1, "SECS", "how long a "
	    "mailed password-reset link works\n(default 1800)"),
	FLAG("reset-reenrols", reset_reenrols, "the reset link alone removes "
	    "the user's devices and\nthey enrol again (the mailbox becomes a "
	    "single\nfactor; off by default)"),
	FLAG("api-tokens", api_tokens, "personal access tokens: users make them "
	    "at\n/account/tokens for scripts that list and download\nfiles "
	    "(Authorization: Bearer; off by default)"),
	SECONDS("header-timeout", header_timeout, 1, 3600, 1, "SECS", "a "
	    "request's headers must arrive within this time of\nthe "
	    "connection's start or the previous answer (default 10)"),
	SECONDS("shutdown-grace", shutdown_grace, 0, 3600, 1, "SECS", "on "
	    "SIGTERM, how long running requests (downloads)\nmay finish before "
	    "the server exits (default 30)"),
	NUMBER("max-connections", max_conns, 16, 1000000, "open connections "
	    "at most (default 16384; the open\nfile limit is raised to fit)"),
	NUMBER("max-connections-per-address", max_conns_per_addr, 1, 1000000,
	    "open connections of one client address,\nor with --trust-proxy "
	    "its requests in flight\n(default 256)"),
	NUMBER("hash-threads", hash_threads, 1, 256, "threads hashing "
	    "passwords, off the threads that serve\npages and downloads "
	    "(default: one per core)"),
	NUMBER("hash-queue", hash_queue, 1, 100000, "logins waiting for a "
	    "hashing thread, at most; more\nget 503 with Retry-After "
	    "(default 64)"),
	NUMBER("forgot-cap", forgot_cap, 1, 1000000, "\"Wachtwoord vergeten?\" "
	    "mails from all addresses\ntogether before growing delays "
	    "(default 200)"),
	SECONDS("audit-retention-days", audit_retention, 1, 36500, 86400,
	    "DAYS", "audit and download log rows older than this are\n"
	    "deleted (default 400)"),
	SECONDS("mail-retention-days", mail_retention, 1, 36500, 86400, "DAYS",
	    "delivered mail (queue rows and outbox files, which\nhold "
	    "temporary passwords) older than this is deleted\n(default 30)"),
	STRING("access-log", access_log, "FILE|-", "one line per request to "
	    "FILE (- : standard output);\nSIGHUP reopens it (default: none)"),
	LEVEL("log-level", log_level, "the least important events logged: "
	    "error, warning,\ninfo or debug (default info)"),
	STRING("metrics-listen", metrics_listen, "ADDR:PORT", "serve "
	    "Prometheus metrics at /metrics, and\n/readyz, on this address "
	    "only (default: off)"),
	COMMON("timezone", timezone, "ZONE", "the time zone of every time "
	    "people read or type,\nin pages, mails and commands (default "
	    "Europe/Amsterdam)"),
	COMMON("organisation-name", org_name, "NAME", "whose portal this is, "
	    "on every page and in every\nmail (e.g. \"Gemeente Utrecht\")"),
	STRING("logo", logo, "FILE", "the organisation's logo (PNG, SVG, JPEG "
	    "or WebP, at most\n1 MiB), shown in the header of every page"),
	COMMON("contact-phone", contact_phone, "TEXT", "the helpdesk's phone "
	    "number(s), on every page and mail"),
	COMMON("contact-email", contact_email, "EMAIL", "the helpdesk's email "
	    "address, on every page and mail"),
	COMMON("contact-hours", contact_hours, "TEXT", "when the helpdesk "
	    "answers (\"ma-vr 9.00-17.00 uur\")"),
	COMMON("contact-address", contact_address, "TEXT", "the helpdesk's "
	    "postal or visiting address"),
	{ NULL, 0, 0, 0, 0, 0, 0, NULL, NULL }
};

/* config_find: the option called NAME, or NULL. */
const struct config_option *
config_find(const char *name)
{
	const struct config_option *o;

	for (o = config_options; name != NULL && o->name != NULL; o++)
		if (strcmp(o->name, name) == 0)
			return o;
	return NULL;
}

/* A flag's value: 1 or 0, -1 when VALUE says neither. */
static int
flag_value(const char *value)
{
	static const char *const on[] = { "on", "yes", "true", "1" };
	static const char *const off[] = { "off", "no", "false", "0" };
	size_t i;

	for (i = 0; i < sizeof on / sizeof on[0]; i++) {
		if (strcasecmp(value, on[i]) == 0)
			return 1;
		if (strcasecmp(value, off[i]) == 0)
			return 0;
	}
	return -1;
}

/* A level's value (LOG_ERR ... LOG_DEBUG), -1 when VALUE names none. */
static int
level_value(const char *value)
{
	static const struct {
		const char	*name;
		int		 level;
	} levels[] = { { "error", LOG_ERR }, { "warning", LOG_WARNING },
	    { "info", LOG_INFO }, { "debug", LOG_DEBUG } };
	size_t i;

	for (i = 0; i < sizeof levels / sizeof levels[0]; i++)
		if (strcasecmp(value, levels[i].name) == 0)
			return levels[i].level;
	return -1;
}

/* Where each option's value came from (enum config_from), by table index. */
static unsigned char from_of[CONFIG_MAX_OPTIONS];
/* The option's string is a copy config_set_from made (the defaults are not). */
static unsigned char owned[CONFIG_MAX_OPTIONS];

/*
 * The strongest source that set O's field so far: options may share one
 * (unlock-minutes and unlock-seconds).
 */
static int
field_from(const struct config_option *o)
{
	const struct config_option *p;
	int from = CONFIG_FROM_DEFAULT;

	for (p = config_options; p->name != NULL; p++)
		if (p->off == o->off && from_of[p - config_options] > from)
			from = from_of[p - config_options];
	return from;
}

/*
 * config_set_from: option NAME takes VALUE (a copy; NULL for a flag given
 * without one: on), which comes from FROM (enum config_from). The value is
 * always checked; it is taken unless a stronger source set the setting
 * already (the command line over the environment over the file). A number
 * is decimal, from the option's min to its max, in its unit. 0, or -1 with
 * ERR saying what is wrong (to follow the option's name: "must be a number
 * from 1 to 256").
 */
int
config_set_from(const char *name, const char *value, int from, char *err,
    size_t errlen)
{
	const struct config_option *o = config_find(name);
	char *f, *end;
	long long v = 0;
	int b = 0;

	if (o == NULL) {
		snprintf(err, errlen, "is not a setting");
		return -1;
	}
	if (o->kind == CONFIG_FLAG) {
		if ((b = value == NULL ? 1 : flag_value(value)) == -1) {
			snprintf(err, errlen, "must be on or off");
			return -1;
		}
	} else if (value == NULL || *value == '\0') {
		snprintf(err, errlen, "needs a value");
		return -1;
	} else if (o->kind == CONFIG_LEVEL) {
		if ((b = level_value(value)) == -1) {
			snprintf(err, errlen, "must be error, warning, info or "
			    "debug");
			return -1;
		}
	} else if (o->kind != CONFIG_STRING) {
		v = strtoll(value, &end, 10);
		if (*end != '\0' || v < o->min || v > o->max) {
			snprintf(err, errlen, "must be a number from %lld to %lld",
			    (long long)o->min, (long long)o->max);
			return -1;
		}
	}
	if (from < field_from(o))
		return 0;
	from_of[o - config_options] = (unsigned char)from;
	f = (char *)&cfg + o->off;
	if (o->kind == CONFIG_FLAG || o->kind == CONFIG_LEVEL)
		*(int *)f = b;
	else if (o->kind == CONFIG_STRING) {
		/* The file's value gives way to the environment's: no leak. */
		if (owned[o - config_options])
			free(*(char **)f);
		*(const char **)f = xstrdup(value);
		owned[o - config_options] = 1;
	}
	else if (o->kind == CONFIG_NUMBER)
		*(int *)f = (int)v;
	else if (o->kind == CONFIG_SECONDS)
		*(int64_t *)f = (int64_t)v * o->unit;
	else
		*(uint64_t *)f = (uint64_t)v;
	return 0;
}

/* config_set: config_set_from the command line, the strongest source. */
int
config_set(const char *name, const char *value, char *err, size_t errlen)
{
	return config_set_from(name, value, CONFIG_FROM_COMMAND, err, errlen);
}

/* A configuration file being read, for inih's callbacks. */
struct conf_file {
	FILE	*f;
	char	 text[INI_MAX_LINE];	/* the line read last */
	int	 line;		/* of the line read last */
	int	 too_long;	/* the first line longer than inih's buffer */
	int	 err_line;	/* the first line with an error */
	char	 err[256];
};

/*
 * inih's reader: one line, with the leading blanks dropped (inih would take
 * an indented line as the continuation of the value before it). A line
 * longer than the buffer is noted and its rest skipped.
 */
static char *
conf_read(char *str, int num, void *arg)
{
	struct conf_file *cf = arg;
	size_t n, skip;
	int c;

	if (fgets(str, num, cf->f) == NULL)
		return NULL;
	cf->line++;
	n = strlen(str);
	if (n > 0 && str[n - 1] != '\n' && !feof(cf->f)) {
		while ((c = getc(cf->f)) != EOF && c != '\n')
			;
		if (cf->too_long == 0)
			cf->too_long = cf->line;
	}
	skip = strspn(str, " \t");
	memmove(str, str + skip, n - skip + 1);
	snprintf(cf->text, sizeof cf->text, "%s", str);
	return str;
}

static int
conf_error(struct conf_file *cf, const char *fmt, ...)
{
	va_list ap;

	if (cf->err_line == 0) {
		cf->err_line = cf->line;
		va_start(ap, fmt);
		vsnprintf(cf->err, sizeof cf->err, fmt, ap);
		va_end(ap);
	}
	return 0;
}

/* inih's handler: one "name = value" line. 1, or 0 on an error. */
static int
conf_line(void *arg, const char *section, const char *name, const char *value)
{
	struct conf_file *cf = arg;
	const struct config_option *o;
	char err[160];

	if (cf->too_long == cf->line)
		return conf_error(cf, "line too long (at most %d characters)",
		    INI_MAX_LINE - 2);
	/* inih takes "name: value" too; kluis.conf(5) says "name = value". */
	if (cf->text[strcspn(cf->text, "=:")] != '=')
		return conf_error(cf, "not \"name = value\"");
	if (section != NULL && *section != '\0')
		return conf_error(cf, "sections ([%s]) are not used", section);
	if ((o = config_find(name)) == NULL)
		return conf_error(cf, "unknown setting \"%s\"", name);
	if (o->kind == CONFIG_FLAG && *value == '\0')
		return conf_error(cf, "%s must be on or off", name);
	if (config_set_from(name, value, CONFIG_FROM_FILE, err,
	    sizeof err) == -1)
		return conf_error(cf, "%s %s", name, err);
	return 1;
}

/*
 * The configuration file PATH; OPTIONAL: a missing file is none. 0, or -1
 * with ERR "PATH:LINE: message".
 */
static int
conf_file(const char *path, int optional, char *err, size_t errlen)
{
	struct conf_file cf = { 0 };
	int rc;

	if ((cf.f = fopen(path, "r")) == NULL) {
		if (optional && errno == ENOENT)
			return 0;
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		return -1;
	}
	rc = ini_parse_stream(conf_read, &cf, conf_line, &cf);
	if (rc == 0 && ferror(cf.f))
		snprintf(err, errlen, "%s: cannot read it", path);
	else if (rc > 0 && cf.err_line == rc)
		snprintf(err, errlen, "%s:%d: %s", path, rc, cf.err);
	else if (rc > 0 && cf.too_long == rc)
		snprintf(err, errlen, "%s:%d: line too long (at most %d "
		    "characters)", path, rc, INI_MAX_LINE - 2);
	else if (rc > 0)
		snprintf(err, errlen, "%s:%d: not \"name = value\"", path, rc);
	else if (rc < 0)
		snprintf(err, errlen, "%s: out of memory", path);
	fclose(cf.f);
	return rc == 0 && err[0] == '\0' ? 0 : -1;
}

/* The environment: KLUIS_NAME for each option NAME (- as _). 0, or -1. */
static int
conf_env(char *err, size_t errlen)
{
	const struct config_option *o;
	char var[64], e[160], *p;
	const char *v;

	for (o = config_options; o->name != NULL; o++) {
		snprintf(var, sizeof var, "KLUIS_%s", o->name);
		for (p = var; *p; p++)
			*p = *p == '-' ? '_' : (char)toupper((unsigned char)*p);
		if ((v = getenv(var)) == NULL || *v == '\0')
			continue;
		if (config_set_from(o->name, v, CONFIG_FROM_ENV, e,
		    sizeof e) == -1) {
			snprintf(err, errlen, "environment %s: %s", var, e);
			return -1;
		}
	}
	return 0;
}

/*
 * config_load: the settings of the configuration file PATH (NULL: the one
 * KLUIS_CONFIG names, else /etc/kluis/kluis.conf when it exists) and of
 * the environment, each taken only where no stronger source (the command
 * line) set it. 0, or -1 with ERR ("FILE:LINE: message" for the file).
 */
int
config_load(const char *path, char *err, size_t errlen)
{
	int optional = 0, n;

	for (n = 0; config_options[n].name != NULL; n++)
		;
	if (n > CONFIG_MAX_OPTIONS)
		fatal("config: %d options, room for %d", n, CONFIG_MAX_OPTIONS);
	err[0] = '\0';
	if (path == NULL && (path = getenv("KLUIS_CONFIG")) != NULL &&
	    *path == '\0')
		path = NULL;
	if (path == NULL) {
		path = CONFIG_DEFAULT_FILE;
		optional = 1;
	}
	if (conf_file(path, optional, err, errlen) == -1)
		return -1;
	return conf_env(err, errlen);
}

/*
 * config_check: the settings together, once every source was applied:
 * TLS certificate and key go together, the public URL is http(s)://; a
 * server (SERVING) without one derives it from --listen. Sets cfg.https.
 * 0, or -1 with ERR.
 */
int
config_check(int serving, char *err, size_t errlen)
{
	if ((cfg.tls_cert == NULL) != (cfg.tls_key == NULL)) {
		snprintf(err, errlen, "--tls-cert and --tls-key go together");
		return -1;
	}
	if (cfg.public_url == NULL && serving)
		cfg.public_url = xasprintf("%s://%s", cfg.tls_cert ? "https" :
		    "http", cfg.listen);
	if (cfg.public_url != NULL && !str_has_prefix(cfg.public_url,
	    "http://") && !str_has_prefix(cfg.public_url, "https://")) {
		snprintf(err, errlen, "--public-url must start with http:// or "
		    "https://");
		return -1;
	}
	if (net_proxies_set(cfg.trusted_proxies) == -1) {
		snprintf(err, errlen, "--trusted-proxies must be addresses or "
		    "networks (ADDR/BITS) separated by commas");
		return -1;
	}
	if (cfg.metrics_listen != NULL && strcmp(cfg.metrics_listen,
	    cfg.listen) == 0) {
		snprintf(err, errlen, "--metrics-listen must not be the public "
		    "--listen");
		return -1;
	}
	cfg.https = cfg.public_url != NULL &&
	    str_has_prefix(cfg.public_url, "https://");
	return 0;
}

/* config_usage: the --help lines of the options (only the COMMON ones unless ALL) to F. */
void
config_usage(FILE *f, int all)
{
	const struct config_option *o;
	const char *p;
	char opt[64];

	for (o = config_options; o->name != NULL; o++) {
		if (!all && !o->every)
			continue;
		snprintf(opt, sizeof opt, "--%s%s%s", o->name, o->arg ? " " : "",
		    o->arg ? o->arg : "");
		fprintf(f, "  %-22s%s", opt, strlen(opt) < 22 ? " " : "  ");
		for (p = o->help; *p; p++) {
			fputc(*p, f);
			if (*p == '\n')
				fprintf(f, "%25s", "");
		}
		fputc('\n', f);
	}
}
