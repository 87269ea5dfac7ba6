/*
 * portal.h: the one private header of kluis. The prototypes are grouped by
 * the file that owns them, and the files by layer, from the bottom up:
 * util, crypto, db, store_*, the domain (no HTTP types), the web (http,
 * route, lang, page_*) and the commands (cli_*). A file uses only the
 * layers below it. docs/HACKING.md is the map.
 */
#ifndef KLUIS_PORTAL_H
#define KLUIS_PORTAL_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>
#include <stdio.h>
#include <stdarg.h>
#include <syslog.h>		/* LOG_ERR ... LOG_DEBUG: logmsg's levels */
#include <time.h>

#define KLUIS_VERSION "0.1.0"

#define PRINTF_LIKE(f, a) __attribute__((format(printf, f, a)))

/* ===== util: the program's small library =============================== */

/* time.c: the one formatter of instants, and its parsers */
#define TIME_ZONE_DEFAULT	"Europe/Amsterdam"
enum time_style {
	TIME_DATE,		/* 2026-12-01 (people: the portal's time zone) */
	TIME_CLOCK,		/* 14:03 */
	TIME_MINUTE,		/* 2026-12-01 14:03 */
	TIME_ZONED,		/* 2026-12-01 14:03 CET, with the zone's abbreviation */
	TIME_ISO,		/* 2026-12-01T14:03:00Z (machines: always UTC) */
	TIME_MAIL,		/* Tue, 01 Dec 2026 14:03:00 +0000 (RFC 5322) */
	TIME_STAMP		/* 20261201T140300Z (in file names) */
};
int	 time_zone_init(const char *name, char *err, size_t);
const char *time_zone(void);
void	 time_format(int64_t, enum time_style, char *out, size_t);
int	 time_fields(int64_t, int *year, int *month, int *day, int *hour,
	    int *minute, int *second);
void	 time_human(int64_t, enum time_style, const char *lang, char *out,
	    size_t);
int	 time_parse_day(const char *, int64_t *);
int64_t	 time_parse(const char *);

/* util.c: allocation that cannot fail, growable buffers, strings, files (named like the C library) */
struct buf {
	char	*data;		/* always NUL-terminated once anything was added */
	size_t	 len;
	size_t	 cap;
};
void	 fatal(const char *, ...) PRINTF_LIKE(1, 2) __attribute__((noreturn));
void	 log_setup(int level, int server);
const char *log_prefix(int level, char buf[8]);
void	 logmsg(int level, const char *, ...) PRINTF_LIKE(2, 3);
void	*xmalloc(size_t);
void	*xcalloc(size_t, size_t);
void	*xrealloc(void *, size_t);
void	*xgrow(void *, size_t n, size_t *cap, size_t);
char	*xstrdup(const char *);
char	*xasprintf(const char *, ...) PRINTF_LIKE(1, 2);
void	 buf_append(struct buf *, const void *, size_t);
void	 buf_puts(struct buf *, const char *);
void	 buf_putc(struct buf *, char);
void	 buf_printf(struct buf *, const char *, ...) PRINTF_LIKE(2, 3);
void	 buf_vprintf(struct buf *, const char *, va_list) PRINTF_LIKE(2, 0);
char	*buf_steal(struct buf *);	/* caller frees; buf is reset */
void	 buf_free(struct buf *);
void	 buf_wipe(struct buf *);	/* zero, then free: buffers that held secrets */
void	 strv_free(char **, int);
int	 str_has_prefix(const char *, const char *);
void	 str_lower(char *);
void	 str_trim(char *);
int	 str_text_ok(const char *, size_t max, int newline);
long	 str_utf8(const char *);
int	 write_file_atomic(const char *path, const void *, size_t, int mode);
void	 fsync_parent(const char *path);
int	 mkdir_p(const char *path, int mode);
int64_t	 now_unix(void);

/* config.c: the settings, their defaults and the table of options that set them */
struct config {
	const char	*listen;	/* ADDR:PORT */
	const char	*data;		/* data directory */
	const char	*share;		/* holds templates/, static/, data/ */
	const char	*public_url;	/* base of mailed links, no trailing / */
	const char	*admin_email;
	const char	*issuer;	/* otpauth issuer */
	const char	*smtp_url;	/* NULL: write var/outbox/ */
	const char	*smtp_user;	/* SMTP AUTH; or the URL's user */
	const char	*smtp_password_file; /* read by mail_init() */
	const char	*mail_from;
	const char	*tls_cert;
	const char	*tls_key;
	const char	*key_file;
	int		 https;		/* Secure cookies and HSTS */
	int		 trust_proxy;	/* client address from X-Forwarded-For */
	int		 threads;
	int64_t		 session_idle;
	int64_t		 session_max;
	uint64_t	 max_body;	/* bytes of a form */
	uint64_t	 max_upload;	/* bytes of a file uploaded in the console */
	int		 max_account_failures;
	int		 max_ip_failures;
	int64_t		 unlock_time;	/* seconds a validation code unlocks a subject */
	int64_t		 reset_ttl;	/* seconds a mailed reset link lives */
	int		 reset_reenrols; /* the link alone removes the devices */
	int		 api_tokens;	/* personal access tokens for scripts */
	int64_t		 header_timeout; /* seconds for a request's headers */
	int64_t		 shutdown_grace; /* seconds running requests get at exit */
	int		 max_conns;
	int		 max_conns_per_addr;
	int		 hash_threads;	/* password hashing pool; 0: one per core */
	int		 hash_queue;	/* requests waiting for it, at most */
	const char	*trusted_proxies; /* CIDR list: X-Forwarded-For read from these */
	int		 ipv6_prefix;	/* an IPv6 client is limited by its /N */
	int		 forgot_cap;	/* reset mails from everyone before delays */
	int		 smtp_without_tls; /* plain SMTP to another machine */
	int64_t		 audit_retention; /* seconds audit and download rows are kept */
	int64_t		 mail_retention;	/* seconds delivered mail is kept */
	const char	*access_log;	/* FILE, "-": stdout, NULL: none */
	int		 log_level;	/* LOG_ERR ... LOG_DEBUG: logged up to */
	const char	*metrics_listen; /* ADDR:PORT of /metrics; NULL: off */
	const char	*timezone;	/* of every time people read: Europe/Amsterdam */
	const char	*org_name;	/* whose portal: pages and mails say it */
	const char	*logo;		/* a PNG, SVG, JPEG or WebP file, served at /logo */
	const char	*contact_phone;	/* the helpdesk, on every page and mail */
	const char	*contact_email;
	const char	*contact_hours;
	const char	*contact_address;
};
extern struct config cfg;
enum config_kind {
	CONFIG_STRING,			/* const char *, a copy */
	CONFIG_FLAG,			/* int: on/off */
	CONFIG_NUMBER,			/* int, from min to max */
	CONFIG_SECONDS,			/* int64_t: a number of UNIT seconds */
	CONFIG_BYTES,			/* uint64_t */
	CONFIG_LEVEL			/* int: LOG_ERR ... LOG_DEBUG by name */
};
enum config_from {			/* where a setting came from; weakest first */
	CONFIG_FROM_DEFAULT,
	CONFIG_FROM_FILE,
	CONFIG_FROM_ENV,
	CONFIG_FROM_COMMAND
};
struct config_option {
	const char	*name;		/* --NAME; a file's "NAME = value" */
	enum config_kind kind;
	int		 every;		/* every command has it, not only serve */
	size_t		 off;		/* of its field in struct config */
	int64_t		 min, max;	/* numbers, in UNIT */
	int64_t		 unit;
	const char	*arg;		/* what --help calls the value, or NULL */
	const char	*help;		/* the --help text; \n starts a line */
};
extern const struct config_option config_options[];	/* ends with a NULL name */
const struct config_option *config_find(const char *name);
int	 config_set(const char *name, const char *value, char *err, size_t);
int	 config_set_from(const char *name, const char *value, int from,
	    char *err, size_t);
int	 config_load(const char *path, char *err, size_t);
int	 config_check(int serving, char *err, size_t);
void	 config_usage(FILE *, int all);

/* stats.c: the counters behind /metrics, atomic */
enum stat_counter {
	STAT_LOGIN_OK,			/* logins by result */
	STAT_LOGIN_PASSWORD_OK,
	STAT_LOGIN_BAD_PASSWORD,
	STAT_LOGIN_BAD_CODE,
	STAT_LOGIN_THROTTLED,
	STAT_THROTTLE_LOGIN,		/* requests refused, by throttle */
	STAT_THROTTLE_CODE,
	STAT_THROTTLE_RECOVERY,
	STAT_THROTTLE_VALIDATION,
	STAT_THROTTLE_RESET,
	STAT_THROTTLE_PASSWORD,
	STAT_THROTTLE_HASH_QUEUE,
	STAT_THROTTLE_ADDRESS,
	STAT_DOWNLOADS,			/* downloads sent whole */
	STAT_DOWNLOADS_CUT,		/* downloads cut short */
	STAT_DOWNLOAD_BYTES,
	STAT_COUNT
};
void	 stats_init(int nroutes);
void	 stats_add(enum stat_counter, uint64_t);
uint64_t stats_get(enum stat_counter);
void	 stats_request(int route, unsigned status);
uint64_t stats_requests(int route, unsigned status);
void	 stats_audit(const char *event);

/* notify.c: telling systemd how the service is (sd_notify) */
void	 notify(const char *, ...) PRINTF_LIKE(1, 2);
void	 notify_reloading(void);

/* wake.c: the worker's doorbell: whoever queues work for it rings */
void	 wake_up(void);
void	 wake_wait(int seconds);

/* net.c: addresses: the listening socket, trusted proxies, the key a client
 * address is limited by */
int	 net_split(const char *spec, char *host, size_t, char *port, size_t);
int	 net_listen(const char *spec, int backlog, char *err, size_t);
int	 net_proxies_set(const char *list);
int	 net_is_proxy(const char *addr);
int	 net_is_addr(const char *text);
void	 net_addr_key(const char *addr, char *out, size_t);

/* html.c: escaping per context */
void	 html_text(struct buf *, const char *);
void	 html_attr(struct buf *, const char *);
void	 html_url(struct buf *, const char *);

/* crc32.c: the CRC-32 of zip files */
uint32_t crc32_update(uint32_t, const void *, size_t);

/* zip.c: the records of a streamed zip of stored entries */
#define ZIP_NAME_MAX	240	/* bytes of an entry's name, before " (N)" */
struct zip_entry {
	const char	*name;		/* see zip_name */
	uint64_t	 size;
	uint32_t	 crc;
	uint16_t	 dos_date, dos_time;
	uint64_t	 offset;	/* of its local header in the zip */
};
size_t	 zip_local(struct buf *, const struct zip_entry *);
void	 zip_central(struct buf *, const struct zip_entry *, size_t n,
	    uint64_t at);
void	 zip_name(struct buf *, const char *);
void	 zip_dos_time(int64_t, uint16_t *date, uint16_t *time);

/* json.c: JSON text for the API */
void	 json_string(struct buf *, const char *);
void	 json_member(struct buf *, const char *name, int first);

/* csv.c: RFC 4180 cells, safe in a spreadsheet */
char	 csv_separator(const char *name);
void	 csv_begin(struct buf *, int bom);
void	 csv_cell(struct buf *, const char *, int first, char sep);
void	 csv_end(struct buf *);

/* dl.c: pure helpers of downloads */
enum { DL_RANGE_NONE = 0, DL_RANGE_ONE = 1, DL_RANGE_UNSATISFIABLE = -1 };
void	 dl_disposition(struct buf *, const char *name);
int	 dl_range(const char *, uint64_t size, uint64_t *off, uint64_t *len);
const char *dl_mime(const char *name);
int	 dl_etag_match(const char *if_none_match, const char *etag);
void	 dl_size_human(uint64_t, char mark, char *out, size_t outlen);

/* qr.c: QR codes as SVG */
char	*qr_svg(const char *text);	/* SVG markup; caller frees */

/* tv.c: the variables a template is rendered with */
struct tmpl_vars;
struct tmpl_vars *tv_new(void);
void	 tv_free(struct tmpl_vars *);
void	 tv_set(struct tmpl_vars *, const char *name, const char *value);
void	 tv_setf(struct tmpl_vars *, const char *name, const char *, ...)
	    PRINTF_LIKE(3, 4);
void	 tv_set_time(struct tmpl_vars *, const char *name, int64_t,
	    enum time_style);
struct tmpl_vars *tv_add(struct tmpl_vars *, const char *list);	/* owned by parent */
struct tmpl_vars *tv_add_named(struct tmpl_vars *, const char *list,
	    int64_t id, const char *name);
int	 tv_get(const struct tmpl_vars *, const char *name, const char **value,
	    struct tmpl_vars *const **items, size_t *nitems);
int	 tv_has(const struct tmpl_vars *, const char *name);

/* tmpl.c: templates from templates/, escaped by default; the catalogues and their languages */
#define LANG_DEFAULT	"nl"	/* Dutch: its catalogue must exist; the fallback */
int	 tmpl_init(const char *dir);
int	 tmpl_render(struct buf *, const char *name, const struct tmpl_vars *,
	    const char *lang);
int	 tmpl_render_text(struct buf *, const char *name,
	    const struct tmpl_vars *, const char *lang);
void	 tmpl_globals(struct tmpl_vars *);
const char *tmpl_msg(const char *lang, const char *key);
const char *tmpl_langs(size_t);
const char *tmpl_lang_match(const char *, size_t);
int	 tmpl_lang_known(const char *lang);
const char *tmpl_lang(const char *lang);
const char *tmpl_lang_next(const char *lang);
void	 tmpl_size(uint64_t, const char *lang, char *out, size_t);

/* ===== crypto: random, hashes, sealed secrets, codes =================== */

/* crypto.c: OpenSSL random, hashes, constant-time compare, sealed secrets */
int	 crypto_random(void *, size_t);			/* 0, or -1 */
void	 crypto_sha256(const void *, size_t, uint8_t out[32]);
void	 crypto_hex(const uint8_t *, size_t, char *out);	/* out: 2n+1 */
int	 crypto_unhex(const char *, uint8_t *out, size_t n);	/* 0, or -1 */
int	 crypto_hexval(int);		/* -1 for a non-hex character */
int	 crypto_equal(const void *, const void *, size_t);	/* 1 when equal */
int	 crypto_streq(const char *, const char *);	/* 1 when equal */
char	*crypto_token(size_t nbytes);		/* hex of random bytes; caller frees */
int	 crypto_key_read(const char *path);	/* 0, 1: no such file, -1 */
int	 crypto_key_create(const char *path);	/* 0600; must not exist */
int	 crypto_key_load(const char *path);	/* read, create when missing (tests) */
void	 crypto_key_fingerprint(char out[65]);
int	 crypto_key_file_fingerprint(const char *path, char out[65]);
void	 crypto_key_confirm(int ok);		/* it is the database's key */
int	 crypto_key_ok(void);		/* loaded and confirmed: ready */
int	 crypto_key_next(const char *path, int create);	/* rotation */
void	 crypto_key_next_fingerprint(char out[65]);
void	 crypto_key_promote(void);
int	 crypto_mac_key_fresh(void);
int	 crypto_mac_key_open(const void *, size_t);
uint8_t	*crypto_mac_key_sealed(size_t *outlen);	/* caller frees */
void	 crypto_mac(const char *label, const void *, size_t, uint8_t out[32]);
uint8_t	*crypto_seal(const void *, size_t, size_t *outlen);	/* caller frees */
uint8_t	*crypto_open(const void *, size_t, size_t *outlen);	/* caller frees */
uint8_t	*crypto_reseal(const void *, size_t, size_t *outlen);	/* caller frees */

/* totp.c: RFC 6238 (SHA1, 6 digits, 30 s) through liboath */
#define TOTP_SECRET_LEN 20
#define TOTP_STEP	30
int	 totp_init(void);
int	 totp_new_secret(uint8_t out[TOTP_SECRET_LEN]);
char	*totp_base32(const uint8_t *, size_t);		/* caller frees */
char	*totp_grouped(const char *b32);			/* "ABCD EFGH ..."; caller frees */
int	 totp_base32_decode(const char *, uint8_t **out, size_t *outlen);
char	*totp_uri(const char *issuer, const char *account, const char *b32);
int	 totp_code_wellformed(const char *);		/* ^[0-9]{6}$ */
int	 totp_generate(const uint8_t *, size_t, int64_t now, char out[7]);
int	 totp_verify(const uint8_t *, size_t, const char *code, int64_t now,
	    int64_t last_step, int64_t *matched_step);	/* 0, or -1 */

/* password.c: argon2id hashing, the password rules, temporary passwords */
#define PASSWORD_MIN	12
#define PASSWORD_MAX	128
#define PASSWORD_TEMP_NORMAL	2	/* users.password_temp: hashed normalised */
#define PASSWORD_HASH_MAX 128
int	 password_hash(const char *, char out[PASSWORD_HASH_MAX]);
int	 password_verify(const char *phc, const char *);	/* 1 when it matches */
void	 password_burn(const char *);	/* spend the time of one verify */
int	 password_blocklist_load(const char *path);
const char *password_problem(const char *, const char *email);	/* NULL, or msg key */
char	*password_temporary(void);	/* caller frees */
int	 password_temp_normal(const char *, char *out, size_t);
int	 password_verify_as(const char *phc, int temp, const char *);
int	 password_hash_temp(const char *, char out[PASSWORD_HASH_MAX]);

/* validation.c: the validation codes of subjects: made, normalised, keyed hashes */
#define VALIDATION_LEN	14	/* "XXXX-XXXX-XXXX" */
int	 validation_new(char out[VALIDATION_LEN + 1]);
int	 validation_normal(const char *, char *out, size_t outlen);
void	 validation_mac(int64_t user_id, int64_t subject_id, const char *code,
	    uint8_t out[32]);


/* ===== db: SQLite ======================================================= */

/* db.c: a connection per thread, migrations, statements; migrations.c is generated from migrations/ */
struct migration {
	int		 version;
	const char	*name;
	const char	*sql;
};
typedef struct sqlite3_stmt sqlite3_stmt;
extern const struct migration db_migrations[];
extern const int db_nmigrations;
struct db_bind {			/* one bind of db_query */
	const char	*name;		/* ":name"; NULL ends the list */
	int		 type;
	int64_t		 i;
	const void	*p;
	size_t		 n;
};
enum { DB_BIND_NULL, DB_BIND_INT, DB_BIND_TEXT, DB_BIND_BLOB };
#define DB_INT(name, v)		{ (name), DB_BIND_INT, (int64_t)(v), NULL, 0 }
#define DB_ID(name, v)		{ (name), (v) > 0 ? DB_BIND_INT : DB_BIND_NULL, \
				  (int64_t)(v), NULL, 0 }	/* NULL unless > 0 */
#define DB_TEXT(name, s)	{ (name), DB_BIND_TEXT, 0, (s), 0 }
#define DB_BLOB(name, p, len)	{ (name), DB_BIND_BLOB, 0, (p), (len) }
/*
 * How db_row and db_list read a row: one entry per column, in order, naming
 * the field it goes to; db_clear frees (after wiping) the TEXT and BLOB ones.
 */
struct db_col {
	int		 type;
	size_t		 off;		/* of the field */
	size_t		 aux;		/* BLOB: offset of its size_t length; CHARS: array size */
	const struct db_col *sub;	/* NEST: the columns of the struct at OFF */
};
enum { DB_C_END, DB_C_INT, DB_C_I64, DB_C_TEXT, DB_C_BLOB, DB_C_CHARS, DB_C_NEST };
#define DB_COL(type, st, f)	{ DB_C_##type, offsetof(st, f), 0, NULL }	/* INT, I64, TEXT */
#define DB_COL_BLOB(st, f, len)	{ DB_C_BLOB, offsetof(st, f), offsetof(st, len), NULL }
#define DB_COL_CHARS(st, f)	{ DB_C_CHARS, offsetof(st, f), sizeof(((st *)0)->f), NULL }
#define DB_COL_NEST(st, f, c)	{ DB_C_NEST, offsetof(st, f), 0, (c) }
#define DB_COL_END		{ DB_C_END, 0, 0, NULL }
/* db_query(sql literal, DB_INT(":id", id), ...): the prepared, bound statement. */
#define db_query(sql, ...)	db_prepare_bound((sql), (const struct db_bind[]){ \
				  __VA_ARGS__ __VA_OPT__(,) { NULL, 0, 0, NULL, 0 } })
int	 db_open(const char *path);		/* attach and migrate */
int	 db_attach(const char *path);		/* migrations lacking, or -1 */
int	 db_schema(void);
int	 db_migrate(void);
int	 db_backup(const char *dest);		/* online backup API */
int	 db_check(void (*)(const char *, void *), void *);	/* problems */
int	 db_checkpoint(void);
int	 db_snapshot_attach(const char *path);	/* as "snap" */
void	 db_snapshot_detach(void);
void	 db_recheck(void);
void	 db_thread_done(void);
int	 db_ping(void);
int	 db_writable(void);
sqlite3_stmt *db_prepare(const char *sql);
sqlite3_stmt *db_prepare_bound(const char *sql, const struct db_bind *);
void	 db_done(sqlite3_stmt *);
void	 db_bind_int(sqlite3_stmt *, const char *, int64_t);
void	 db_bind_text(sqlite3_stmt *, const char *, const char *);
void	 db_bind_blob(sqlite3_stmt *, const char *, const void *, size_t);
void	 db_bind_null(sqlite3_stmt *, const char *);
int	 db_step(sqlite3_stmt *);
int	 db_run(sqlite3_stmt *);
int	 db_changed(sqlite3_stmt *);
int64_t	 db_insert(sqlite3_stmt *);
int64_t	 db_value(sqlite3_stmt *, int64_t none);
int	 db_row(sqlite3_stmt *, void *out, size_t, const struct db_col *);
int	 db_find(sqlite3_stmt *, void *out, size_t, const struct db_col *);	/* 1, 0: none, -1 */
int	 db_bytes(sqlite3_stmt *, uint8_t **, size_t *);
void	 db_clear(void *, size_t, const struct db_col *);
int	 db_list(sqlite3_stmt *, void *listp, size_t, const struct db_col *);
void	 db_list_free(void *, int n, size_t, const struct db_col *);
char	*db_text(sqlite3_stmt *, int);
int	 db_texts(sqlite3_stmt *, char ***);
uint8_t	*db_blob(sqlite3_stmt *, int, size_t *);
char	*db_like(const char *);
int	 db_tx(int (*)(void *), void *);

/* ===== store_*: the SQL, one file per table or aggregate ================= */

/*
 * store_*.c: the SQL, one file per table or aggregate. What a store_* call
 * read into a struct is freed with store_clear(&x); a list it returned with
 * store_free(list, n). The struct's type picks its columns (the
 * store_*_fields table of the file that reads it).
 */
#define STORE_FIELDS(p)	_Generic((p), \
	struct user *: store_user_fields, \
	struct user_row *: store_user_row_fields, \
	struct device *: store_device_fields, \
	struct forgot_request *: store_reset_forgot_fields, \
	struct reset_request *: store_reset_request_fields, \
	struct audit_row *: store_audit_fields, \
	struct queued_mail *: store_mail_fields, \
	struct subject *: store_subject_fields, \
	struct grantee *: store_grant_fields, \
	struct pubfile *: store_file_fields, \
	struct download_row *: store_download_fields, \
	struct sealed *: store_keyring_sealed_fields, \
	struct api_token *: store_token_fields)
#define store_clear(p)		db_clear((p), sizeof *(p), STORE_FIELDS(p))
#define store_free(list, n)	db_list_free((list), (n), sizeof *(list), \
				    STORE_FIELDS(list))

/* store_user.c: accounts */
struct user {
	int64_t	 id;
	char	*email;
	char	*name;
	int	 is_admin;
	char	*password_hash;
	int	 password_temp;
	int	 disabled;
	char	*lang;
};
struct user_row {			/* an account in a list */
	struct user	 u;		/* password_hash is not filled */
	int		 devices;
	int64_t		 created;
};
extern const struct db_col store_user_fields[], store_user_row_fields[];
int	 store_user_find(const char *email, struct user *);	/* 1, 0, -1 */
int	 store_user_find_id(int64_t, struct user *);		/* 1, 0, -1 */
int64_t	 store_user_create(const char *email, const char *name, int admin,
	    const char *hash);
int	 store_user_set_password(int64_t, const char *hash, int temp);
int64_t	 store_user_count(void);
int64_t	 store_user_created(int64_t id);
int	 store_user_set_disabled(int64_t id, int disabled);
int	 store_user_set_lang(int64_t id, const char *lang);
int	 store_user_update(int64_t id, const char *email, const char *name,
	    const char *lang, int admin);
int	 store_user_admins(char ***emails);
int	 store_user_enrol_secret(int64_t id, uint8_t **, size_t *);
int	 store_user_set_enrol_secret(int64_t id, const void *, size_t);
int	 store_user_list(const char *q, int limit, int offset,
	    struct user_row **);

/* store_device.c: authenticator devices */
struct device {
	int64_t	 id;
	int64_t	 user_id;
	char	*name;
	uint8_t	*sealed;	/* the TOTP secret, sealed by crypto_seal */
	size_t	 sealed_len;
	int64_t	 last_step;
	int64_t	 created;
	int64_t	 last_used;
};
extern const struct db_col store_device_fields[];
int	 store_device_list(int64_t user_id, struct device **);
int	 store_device_get(int64_t user_id, int64_t id, struct device *);
int	 store_device_count(int64_t user_id);
int64_t	 store_device_add(int64_t user_id, const char *name, const void *,
	    size_t, int64_t step);
int	 store_device_use(int64_t id, int64_t step);
int	 store_device_remove(int64_t user_id, int64_t id);

/* store_session.c: sessions */
#define SESSION_RETURN_MAX	256	/* a path of this site, with room for its NUL */
struct session {
	uint8_t	 id[32];	/* the cookie's random bytes; never stored */
	uint8_t	 hash[32];	/* SHA-256 of id: the database key */
	char	 cookie[65];
	char	 csrf[65];
	int64_t	 user_id;
	int	 stage;		/* enum stage (session.c) */
	int64_t	 created;
	int64_t	 last_seen;
	char	*flash;		/* what the next page shows (flash.c), or NULL */
	char	 return_to[SESSION_RETURN_MAX];	/* the page once logged in, or "" */
	int	 rotated;	/* the cookie must be (re)sent */
	int	 ended;		/* session_load: the cookie's session had ended */
};
int	 store_session_find(const uint8_t hash[32], struct session *);	/* 1, 0, -1 */
int	 store_session_put(const uint8_t hash[32], const struct session *,
	    const char *addr);
int	 store_session_delete(const uint8_t hash[32]);
int	 store_session_touch(const uint8_t hash[32], int64_t now);
int	 store_session_set_flash(const uint8_t hash[32], const char *);
int	 store_session_set_return(const uint8_t hash[32], const char *);
int	 store_session_end_user(int64_t user_id, const uint8_t *keep);
int	 store_session_expire(int64_t idle, int64_t max);

/* store_throttle.c: failure counts */
int64_t	 store_throttle_until(const char *kind, const uint8_t key[32]);
int	 store_throttle_fail(const char *kind, const uint8_t key[32],
	    int allowance, int64_t first, int64_t max);
int	 store_throttle_clear(const char *kind, const uint8_t key[32]);
int	 store_throttle_expire(void);

/* store_recovery.c: recovery codes */
int	 store_recovery_replace(int64_t user_id, uint8_t hashes[][32], int n);
int	 store_recovery_use(int64_t user_id, const uint8_t hash[32]);
int	 store_recovery_count(int64_t user_id);

/* store_reset.c: reset links, forgot and authenticator-reset requests */
struct forgot_request {
	uint8_t	*sealed;		/* the email, sealed */
	size_t	 sealed_len;
	char	 addr[48];
	int	 throttled;
};
struct reset_request {			/* for an authenticator reset */
	int64_t	 user_id;
	char	*email;
	int64_t	 created;
	char	*addr;
};
extern const struct db_col store_reset_forgot_fields[], store_reset_request_fields[];
int	 store_reset_link_put(int64_t user_id, const uint8_t hash[32],
	    int64_t expires, const char *addr);
int64_t	 store_reset_link_take(const uint8_t hash[32]);
int	 store_reset_forgot_add(const void *, size_t, const char *addr,
	    int throttled);
int	 store_reset_forgot_take(struct forgot_request *);
int	 store_reset_request_put(int64_t user_id, const char *addr);
int	 store_reset_request_list(struct reset_request **);
int64_t	 store_reset_request_of(int64_t user_id);
int	 store_reset_request_delete(int64_t user_id);
int	 store_reset_otp(int64_t user_id);

/* store_audit.c: the audit log */
struct audit_filter {
	const char	*user;		/* substring of the account's or actor's email */
	const char	*event;		/* exact, or a prefix ending in "." */
	int64_t		 since;		/* 0, or from (inclusive) */
	int64_t		 until;		/* 0, or before (exclusive) */
	int64_t		 user_id;	/* 0, or events about or by this account */
};
struct audit_row {
	int64_t	 id;
	int64_t	 at;
	int64_t	 user_id;
	int64_t	 actor_id;
	char	*user_email;		/* NULL when none */
	char	*actor_email;
	char	*event;
	char	*addr;
	char	*detail;
};
extern const struct db_col store_audit_fields[];
int	 store_audit_add(int64_t user_id, int64_t actor_id, const char *event,
	    const char *addr, const char *detail);
void	 store_audit(int64_t user_id, int64_t actor_id, const char *event,
	    const char *addr, const char *detail);
int	 store_audit_expire(int64_t before);
int	 store_audit_list(const struct audit_filter *, int limit, int offset,
	    struct audit_row **);
int	 store_audit_events(char ***);
int	 store_audit_addrs(int64_t user_id, int64_t since, char ***);

/* store_mail.c: the mail queue */
struct queued_mail {
	int64_t	 id;
	char	*rcpt;
	uint8_t	*sealed;
	size_t	 sealed_len;
	int	 attempts;
};
extern const struct db_col store_mail_fields[];
int	 store_mail_add(const char *rcpt, const void *sealed, size_t len);
int	 store_mail_claim(struct queued_mail *, int64_t lease);
int	 store_mail_sent(int64_t id);
int	 store_mail_failed(int64_t id, int64_t next, const char *error);
int	 store_mail_list(void (*)(int64_t, const char *, int, int64_t,
	    const char *));
int	 store_mail_retry_now(void);
int64_t	 store_mail_pending(int64_t *oldest);
int	 store_mail_expire(int64_t before);

/* store_subject.c: subjects */
struct subject {
	int64_t	 id;
	char	*code;
	char	*title;
	char	*description;
	int64_t	 created;
	int64_t	 nfiles;	/* live files (for a user: visible to them) */
	int64_t	 ngrants;
	int	 has_new;	/* for a user: reports whose newest version they
			   have not downloaded */
};
extern const struct db_col store_subject_fields[];
int64_t	 store_subject_add(const char *code, const char *title, const char *desc);
int	 store_subject_find(const char *code, struct subject *);	/* 1, 0, -1 */
int	 store_subject_find_id(int64_t, struct subject *);		/* 1, 0, -1 */
int	 store_subject_update(int64_t id, const char *title, const char *desc);
int	 store_subject_list(struct subject **);
int	 store_subject_list_of_user(int64_t user_id, struct subject **);

/* store_grant.c: grants */
struct grantee {
	int64_t	 user_id;
	char	*email;
	char	*name;
	int64_t	 created;
	int64_t	 code_set;
	int	 disabled;
};
extern const struct db_col store_grant_fields[];
int	 store_grant_put(int64_t user_id, int64_t subject_id, const uint8_t mac[32]);
int	 store_grant_find(int64_t user_id, int64_t subject_id, uint8_t mac[32]);
int	 store_grant_mac(int64_t user_id, int64_t subject_id, uint8_t mac[32]);
int	 store_grant_delete(int64_t user_id, int64_t subject_id);
int	 store_grant_emails(int64_t subject_id, char ***emails);
int	 store_grant_list(int64_t subject_id, struct grantee **);

/* store_unlock.c: unlocks */
int	 store_unlock_put(const uint8_t session[32], int64_t subject_id,
	    int64_t until);
int64_t	 store_unlock_until(const uint8_t session[32], int64_t subject_id);
int	 store_unlock_drop(int64_t user_id, int64_t subject_id);

/* store_file.c: published files */
/*
 * STORE_FILE_VISIBLE(f): SQL true when file F is visible to user :uid: live,
 * not expired at :now, published to every grantee or to :uid by name. The
 * grant itself is checked by the query's joins.
 */
#define STORE_FILE_VISIBLE(f) \
	f ".unpublished IS NULL AND (" f ".expires IS NULL OR " f ".expires > :now) " \
	"AND (" f ".all_grantees = 1 OR EXISTS (SELECT 1 FROM file_recipients rc " \
	"WHERE rc.file_id = " f ".id AND rc.user_id = :uid))"
struct pubfile {
	int64_t	 id;
	int64_t	 subject_id;
	char	 sha256[65];
	uint64_t size;
	char	*name;
	int64_t	 published;
	int64_t	 expires;	/* 0: never */
	int64_t	 unpublished;	/* 0: live */
	int64_t	 report;	/* the first version's id: its chain of versions */
	int64_t	 replaces;	/* the version it follows; 0: the first */
	int64_t	 crc32;		/* of the content; -1: not computed yet */
	int64_t	 last_download;	/* for a user; 0: never */
	int64_t	 downloads;	/* count, for the admin */
	int64_t	 unlocked_until;	/* for the download check; 0: locked */
	int64_t	 version;	/* 1, 2, ... in its report (lists that say so) */
	int64_t	 superseded;	/* a newer version is live (for a user: one
				   they can see); lists that say so */
};
extern const struct db_col store_file_fields[];
/*
 * STORE_FILE_CURRENT(f): SQL true when no newer version of F's report is
 * visible to user :uid at :now (see STORE_FILE_VISIBLE).
 */
#define STORE_FILE_CURRENT(f) \
	"NOT EXISTS (SELECT 1 FROM files nv WHERE nv.report = " f ".report AND " \
	"nv.id > " f ".id AND " STORE_FILE_VISIBLE("nv") ")"
struct file_new {			/* a publication to record */
	int64_t		 subject_id;
	const char	*sha;
	uint64_t	 size;
	uint32_t	 crc;
	const char	*name;
	int		 all;		/* for every grantee */
	int64_t		 expires;	/* 0: never */
	int64_t		 by;		/* 0: the CLI */
	int64_t		 report;	/* its chain; 0: a new one */
	int64_t		 replaces;	/* the version it follows, or 0 */
};
int64_t	 store_file_add(const struct file_new *);
int	 store_file_chain(int64_t subject_id, int64_t file_id, const char *name,
	    int64_t *report, int64_t *head);
int	 store_file_saw_report(int64_t report, int64_t before, int64_t user_id);
int	 store_file_recipient_add(int64_t file_id, int64_t user_id);
int	 store_file_live_sha(const char *sha);
int	 store_file_known_sha(const char *sha);
int	 store_file_dead_shas(char ***);
int	 store_file_live_list(struct pubfile **);
int	 store_file_snapshot_shas(char ***);
int	 store_file_all_grantees(int64_t file_id);
int	 store_file_list_of_subject(int64_t subject_id, struct pubfile **);
int	 store_file_list_for_user(int64_t user_id, int64_t subject_id,
	    int64_t now, struct pubfile **);
int	 store_file_find_download(int64_t user_id, const uint8_t session[32],
	    int64_t file_id, int64_t now, struct pubfile *);	/* 1, 0, -1 */
int	 store_file_find_token_download(int64_t user_id, int64_t token_id,
	    int64_t file_id, int64_t now, struct pubfile *);	/* 1, 0, -1 */
int	 store_file_get(int64_t file_id, struct pubfile *);
int64_t	 store_file_next(int64_t file_id);
int	 store_file_crc_todo(int64_t after, int64_t *id, char sha[65]);
int	 store_file_set_crc(const char *sha, uint32_t crc);
int	 store_file_unpublish(int64_t file_id);

/* store_download.c: the download log */
struct download_row {
	int64_t	 at;
	int64_t	 user_id;
	char	*email;
	int	 status;
	uint64_t first_byte;
	uint64_t bytes;
	char	*addr;
};
extern const struct db_col store_download_fields[];
int64_t	 store_download_begin(int64_t user_id, int64_t file_id, unsigned status,
	    uint64_t off, const char *addr);
int	 store_download_end(int64_t id, uint64_t bytes);
int	 store_download_expire(int64_t before);
int	 store_download_list(int64_t file_id, int limit, struct download_row **);

/* store_token.c: personal access tokens */
struct api_token {
	int64_t	 id;
	int64_t	 user_id;
	char	*name;
	int64_t	 created;
	int64_t	 expires;
	int64_t	 last_used;	/* 0: never */
	char	*last_addr;
	int64_t	 revoked;	/* 0: works until it expires */
	char	*revoked_why;	/* user, password, authenticators, disabled */
	char	*subjects;	/* the codes it reads, ", " between them */
	int64_t	 pw_changed;	/* store_token_find: the owner's last password change */
	uint8_t	*hash;		/* store_token_find: the keyed hash it was found by */
	size_t	 hash_len;
};
extern const struct db_col store_token_fields[];
int64_t	 store_token_add(int64_t user_id, const uint8_t hash[32],
	    const char *name, int64_t expires);
int	 store_token_subject_add(int64_t token_id, int64_t subject_id);
int	 store_token_find(const uint8_t hash[32], struct api_token *);	/* 1, 0, -1 */
int	 store_token_list(int64_t user_id, struct api_token **);
int	 store_token_used(int64_t id, int64_t now, const char *addr);
int	 store_token_revoke(int64_t user_id, int64_t id, const char *why);
int	 store_token_subjects(int64_t token_id, struct subject **);

/* store_person.c: everything kept about one person, for an export or a deletion */
enum { PERSON_ACCOUNT, PERSON_DEVICES, PERSON_RECOVERY, PERSON_SESSIONS,
    PERSON_GRANTS, PERSON_FILES, PERSON_DOWNLOADS, PERSON_RESETS, PERSON_MAIL,
    PERSON_AUDIT, PERSON_TOKENS, PERSON_PARTS };
char	*store_person_json(int part, int64_t id, const char *email);
int	 store_person_delete(int64_t id, const char *email, const char *pseudonym);
int	 store_person_forgot_delete(int64_t rowid);

/* store_keyring.c: the hashing key, sealed; every sealed value, for a rotation */
enum { SEALED_DEVICE, SEALED_PENDING, SEALED_MAIL, SEALED_FORGOT, SEALED_KINDS };
struct sealed {				/* one sealed value, for a rotation */
	int64_t	 rowid;
	uint8_t	*blob;
	size_t	 len;
};
extern const struct db_col store_keyring_sealed_fields[];
int	 store_keyring_exists(void);
int	 store_keyring_get(const char *name, uint8_t **, size_t *);	/* 1, 0, -1 */
int	 store_keyring_put(const char *name, const void *, size_t);
int64_t	 store_keyring_in_use(void);
int	 store_keyring_sealed(int kind, struct sealed **);
int	 store_keyring_reseal(int kind, int64_t rowid, const void *, size_t);

/* ===== domain: what kluis does, without HTTP ============================ */

/* session.c: sessions: random ids kept as hashes, stages, timeouts, CSRF */
enum stage {				/* a stage is reached only through the one before */
	STAGE_NONE = 0,		/* no session */
	STAGE_ANON = 1,		/* login form shown, nobody known yet */
	STAGE_ENROL = 2,	/* password ok, no device yet: enrol one */
	STAGE_PASSWORD = 3,	/* temporary password: choose a new one */
	STAGE_OTP = 4,		/* password ok: a code from a device */
	STAGE_IN = 5,		/* fully logged in */
	STAGE_RESET = 6,	/* a mailed reset link spent: prove the second factor */
	STAGE_RESET_PW = 7,	/* second factor ok: choose a new password */
	STAGE_PASSWORD_IN = 8	/* code ok, temporary password: change it, then in */
};
#define STAGE_BIT(s)	(1u << (s))
void	 session_clear(struct session *);
int	 session_load(struct session *, const char *cookie);
int	 session_start(struct session *);
int	 session_advance(struct session *, int64_t user_id, int stage,
	    const char *addr);
int	 session_end(struct session *);
int	 session_csrf_ok(const struct session *, const char *);

/* throttle.c: growing delays after failures, per account and per address */
int64_t	 throttle_wait(const char *kind, const char *account, const char *addr,
	    int account_wide);
void	 throttle_fail(const char *kind, const char *account, const char *addr);
void	 throttle_ok(const char *kind, const char *account, const char *addr);
void	 throttle_lift(const char *account);
int64_t	 throttle_global_wait(const char *kind);
void	 throttle_global_count(const char *kind, int allowance);

/* trust.c: device cookies, bound to an account */
char	*trust_token(const char *account);
int	 trust_ok(const char *value, const char *account);
int64_t	 trust_max_age(void);

/* mime.c: header fields folded and encoded (RFC 5322, RFC 2047) */
void	 mime_header(struct buf *, const char *name, const char *value);
void	 mime_mailbox(struct buf *, const char *name, const char *mailbox);

/* mail.c: addresses, messages from templates, the queue, delivery */
#define MAIL_ADDRESS_MAX	254
char	*mail_address(const char *);
int	 mail_smtp_local(const char *url, char **resolve);
int	 mail_queue(const char *to, const char *name, const struct tmpl_vars *,
	    const char *lang);
int	 mail_init(void);
int	 mail_test(const char *to, FILE *out);
int	 mail_deliver(void);

/* account.c: accounts, temporary passwords, the notices users get about theirs */
#define ACCOUNT_NAME_MAX	100
int	 account_name_ok(char *);
char	*account_first_admin_file(void);
void	 account_first_login(const struct user *);
#define ACCOUNT_UNLOCK_SPAN	(24 * 3600)	/* addresses of so long ago are forgiven too */
int64_t	 account_invite(const char *email, const char *name, int admin,
	    const char *lang, int64_t actor, const char *addr, char **temp_out);
char	*account_temp_password(const struct user *);
int	 account_resend(int64_t id, int64_t actor, const char *addr);
int	 account_set_disabled(int64_t id, int disabled, int64_t actor,
	    const char *addr);
int	 account_locked(const char *email);
int	 account_unlock(const struct user *, int64_t actor, const char *addr);
int	 account_edit(const struct user *, const char *email, const char *name,
	    const char *lang, int admin, int64_t actor, const char *addr);
void	 account_notice(const struct user *, const char *name, const char *addr,
	    const char *device, const char *secret);

/* recovery.c: recovery codes */
#define RECOVERY_CODES	10
int	 recovery_new_codes(int64_t user_id, char codes[][16]);
int	 recovery_wellformed(const char *);
int	 recovery_use(int64_t user_id, const char *);

/* reset.c: "forgot" requests, reset links, authenticator resets */
void	 reset_forgot(const char *email, const char *addr);
void	 reset_run(void);
int	 reset_token_wellformed(const char *);
int64_t	 reset_link_take(const char *token);
int	 reset_request(const struct user *, const char *addr);
int	 reset_refuse(const struct user *, int64_t actor, const char *addr);
int	 reset_otp(const struct user *, int64_t actor, const char *addr,
	    int new_temp, int mail);

/* publish.c: the content of files under DATA/files/, named by its SHA-256 */
struct staged {
	char	 tmp[4096];	/* the temporary file while staged */
	char	 sha[65];
	uint64_t size;
	int	 fd;		/* open and flock()ed until released */
	int	 placed;	/* renamed to its SHA-256 name */
	int	 existed;	/* that content was stored before */
	int	 committed;	/* the publication is in the database */
	void	*md;		/* the running SHA-256 (EVP_MD_CTX) while written */
	uint32_t crc;		/* the CRC-32 of what was written */
};
int	 publish_stage(const char *src, struct staged *);
int	 publish_begin(struct staged *);
int	 publish_write(struct staged *, const void *, size_t);
int	 publish_finish(struct staged *);
int	 publish_place(struct staged *);
void	 publish_release(struct staged *);
void	 publish_sweep(void);
int	 publish_path(const char *sha, char *out, size_t outlen);
int	 publish_sha_ok(const char *);
int	 publish_drop_content(const char *sha);
int	 publish_crc(const char *sha, uint32_t *crc);
int	 publish_crc_backfill(int64_t *after);

/* subjects.c: subjects and their files: create, grant, revoke, publish, unpublish */
#define SUBJECT_TITLE_MAX	200
#define SUBJECT_DESC_MAX	2000
#define SUBJECT_FILE_NAME_MAX	255
struct publication {
	struct subject	*s;
	struct staged	*st;		/* finished (publish_finish) */
	const char	*name;
	int64_t		 expires;	/* 0: never */
	struct user	*to;		/* NTO grantees; none: all grantees */
	int		 nto;
	int64_t		 actor;		/* 0: the CLI */
	const char	*addr;
	int64_t		 replaces;	/* a version of this file's report;
					   0: of the newest of the same name */
	int64_t		 id;		/* out: the new file id */
	int64_t		 prev;		/* out: the version it follows, or 0 */
};
int	 subjects_code_ok(const char *);
int	 subjects_file_name_ok(const char *);
const char *subjects_check(const char *code, const char *title,
	    const char *desc);
int64_t	 subjects_create(const char *code, const char *title, const char *desc,
	    int64_t actor, const char *addr);
int	 subjects_edit(const struct subject *, const char *title,
	    const char *desc, int64_t actor, const char *addr);
int	 subjects_grant(const struct user *, const struct subject *, int resend,
	    int64_t actor, const char *addr);
int	 subjects_revoke(const struct user *, const struct subject *,
	    int64_t actor, const char *addr);
int	 subjects_publish(struct publication *);
int	 subjects_replaceable(const struct subject *, int64_t file_id);
int	 subjects_zip_begin(const struct user *, const struct subject *,
	    const struct pubfile *, int n, uint64_t size, const char *addr,
	    int64_t *rows);
int	 subjects_unpublish(int64_t file_id, int64_t actor, const char *addr);
int64_t	 subjects_download_begin(const struct user *, const struct pubfile *,
	    unsigned status, uint64_t off, uint64_t len, const char *addr);
int	 subjects_download_end(int64_t row, uint64_t bytes);

/* archive.c: published files as one zip, streamed from their content */
struct archive;
struct archive *archive_new(const struct pubfile *, int n);
uint64_t archive_size(const struct archive *);
ssize_t	 archive_read(struct archive *, uint64_t pos, void *, size_t);
uint64_t archive_entry_sent(const struct archive *, int i, uint64_t sent);
void	 archive_free(struct archive *);

/* tokens.c: personal access tokens for researchers' scripts */
#define TOKEN_PREFIX	"kluis_"
#define TOKEN_LEN	(sizeof TOKEN_PREFIX - 1 + 64)
#define TOKEN_NAME_MAX	64
#define TOKEN_DAYS_MAX	90
int	 tokens_wellformed(const char *);
int	 tokens_name_ok(const char *);
int	 tokens_create(const struct user *, const char *name, int days,
	    const struct subject *, int n, const char *addr,
	    char out[TOKEN_LEN + 1], int64_t *id);
int	 tokens_check(const char *token, const char *addr, struct api_token *,
	    struct user *);
int	 tokens_use(const struct api_token *, const char *addr,
	    const char *what);
int	 tokens_revoke(const struct user *, int64_t id, const char *addr);
int	 tokens_revoke_all(int64_t user_id, const char *why, int64_t actor,
	    const char *addr);

/* custody.c: the key belongs to the database; kluis key rotate */
int	 custody_key(int key_state, int check, struct buf *msg);
int	 custody_rotate(struct buf *msg);

/* backup.c: kluis backup, restore, check */
int	 backup_make(const char *dir, int with_key,
	    void (*)(const char *, void *), void *);
int	 backup_restore(const char *dir, const char *newdata, const char *key,
	    int *key_restored, void (*)(const char *, void *), void *);
int	 backup_check_files(int *nfiles, void (*)(const char *, void *), void *);

/* audit.c: the audit log as CSV */
int	 audit_csv(struct buf *, const struct audit_filter *, char sep, int bom,
	    const char *lang);
const char *audit_text(const char *event, const char *lang);

/* person.c: what is kept about a person: export, deletion */
int	 person_export(const struct user *, struct buf *);
void	 person_pseudonym(const char *email, char out[26]);
int	 person_delete(const struct user *, int64_t actor, const char *addr,
	    char *alias);

/* retention.c: old audit rows, delivered mail, unused content deleted */
struct retention {			/* what one round deleted */
	int	 audit;
	int	 downloads;
	int	 mail;
	int	 outbox;
	int	 files;
};
int	 retention_run(int64_t now, struct retention *);

/* health.c: ready for work? (/readyz) */
int	 health_ready(char *why, size_t);

/* worker.c: the background thread: forgot requests, mail, housekeeping */
int	 worker_start(void);
void	 worker_stop(void);

/* app.c: the start-up shared by the server and the commands */
enum { APP_RUN, APP_CHECK, APP_ALONE, APP_SERVE };
int	 app_start(int how, struct buf *keymsg);
int	 app_open(void);
int	 app_open_mail(void);
void	 app_public_url_save(void);
void	 app_mail_settings_save(void);
void	 app_close(void);

/* ===== web: HTTP, the routes, the pages ================================= */

/* http.c: the daemon, per-request state, forms, the entry check (gate) and every response */
enum { HTTP_OTHER = 0, HTTP_GET, HTTP_HEAD, HTTP_POST };
struct MHD_Connection;
struct MHD_Daemon;
struct MHD_PostProcessor;
struct MHD_Response;
struct req;
typedef int (*handler_fn)(struct req *);
typedef int (*upload_fn)(struct req *, const char *key, const char *filename,
    const char *type, const char *data, uint64_t off, size_t size);

struct route {
	int		 method;	/* HTTP_GET (answers HEAD too) or HTTP_POST */
	const char	*pattern;	/* "{}" matches one path segment */
	handler_fn	 handler;
	unsigned	 stages;	/* STAGE_BIT mask; 0: no session needed */
	int		 admin;		/* admins only; others get 404 */
	size_t		 max_body;	/* 0: cfg.max_body; ROUTE_MAX_UPLOAD */
	upload_fn	 upload;	/* multipart files, streamed */
	int		 pool;		/* hashes a password: run on the pool */
	void		(*cleanup)(struct req *);
	int		 secret;	/* a {} segment is a secret: logs show the pattern */
	int		 download;	/* counted as a download in /metrics */
	int		 saved;		/* a file to save (an export): never where a login ends */
	int		 bearer;	/* with api-tokens: Authorization: Bearer */
};

enum { POOL_NONE = 0, POOL_QUEUED, POOL_DONE, POOL_FULL };

#define ROUTE_MAX_UPLOAD	((size_t)-1)	/* .max_body: cfg.max_upload */

struct field {
	char		*name;
	struct buf	 value;
};

/* What the page after a redirect shows (flash.c). */
struct flash {
	char		*path;		/* the page it is for */
	unsigned	 status;	/* the form's failure: 400, 401, 429... */
	char		*error;		/* catalogue key */
	const char	*field;		/* the field the error is about */
	int64_t		 until;		/* throttled until */
	char		*notice;	/* catalogue key */
	struct field	*vars;		/* the message's variables */
	int		 nvars;
};

/* Per-request state: allocated on MHD's first callback, freed when it completes. */
struct req {
	struct MHD_Connection	*conn;
	int			 method;
	const char		*path;		/* MHD's, valid for the request */
	char			 addr[48];	/* client address */
	const char		*lang;		/* a language with a catalogue */
	const struct route	*route;
	char			*args[2];	/* the {} segments, decoded */
	struct MHD_PostProcessor *pp;
	struct field		*fields;	/* the form, in memory */
	int			 nfields;
	size_t			 fields_cap;
	uint64_t		 form_bytes;	/* names and values of fields */
	uint64_t		 body;		/* bytes of body received */
	uint64_t		 max_body;
	unsigned		 status;	/* an error found while reading */
	int			 responded;
	int			 counted;	/* in conn.c's requests in flight */
	int			 pool;		/* POOL_*: on the hash pool */
	int			 pool_ret;	/* what the handler returned there */
	int			 defer;		/* http_respond keeps the answer */
	struct MHD_Response	*deferred;	/* ... here, until the resume */
	unsigned		 deferred_status;
	int			 addr_counted;	/* in conn.c's per-address count */
	int			 via_proxy;	/* the peer is a trusted proxy */
	int64_t			 retry_after;	/* seconds, for a 429 or 503 */
	struct session		 sess;
	int			 sess_ended;	/* clear the cookie */
	struct user		 user;		/* filled when the session has one */
	struct api_token	 token;		/* a bearer route's token; id 0: none */
	struct flash		 flash;		/* for this page, or for the next */
	struct {
		char		 name[40];
		char		*value;
	}			 extra[8];	/* headers for the response */
	int			 nextra;
	void			*ctx;		/* handler state across callbacks */
	uint64_t		 file_len;	/* http_file: the bytes to send */
	int64_t			 acked0;	/* ... the peer's acknowledged bytes then */
	uint64_t		 sent;		/* for .cleanup: file bytes sent, about */
	const char		*method_name;	/* MHD's, for the access log */
	int64_t			 start_us;	/* monotonic, headers received */
	unsigned		 sent_status;	/* of the answer queued; 0: none */
	uint64_t		 sent_bytes;	/* its body's size */
};

const char *http_field(const struct req *, const char *);
const char *http_header(const struct req *, const char *);
const char *http_query(const struct req *, const char *);
void	 http_notice(const struct req *, struct tmpl_vars *, const char *var,
	    const char *const keys[]);
int64_t	 http_arg_id(const struct req *, int);
void	 http_add_header(struct req *, const char *, const char *);
int	 http_respond(struct req *, unsigned, struct MHD_Response *, int private);
int	 http_send(struct req *, unsigned, const char *type, char *body, size_t);
int	 http_redirect(struct req *, const char *);
int	 http_not_modified(struct req *, int private);
int	 http_back(struct req *, const char *where, const char *keep,
	    unsigned status, const char *error, int64_t wait);
int	 http_done(struct req *, const char *where, const char *notice);
int	 http_anew(struct req *, const char *where, const char *notice);
int	 http_local_path(const char *);
int	 http_next_ok(const char *);
int	 http_page(struct req *, unsigned, const char *page, struct tmpl_vars *);
int	 http_error(struct req *, unsigned, const char *msg);
int	 http_unavailable(struct req *);
int	 http_json(struct req *, unsigned, struct buf *);
int	 http_token_refused(struct req *, unsigned, const char *error,
	    int64_t wait);
int	 http_internal(struct req *);
int	 http_not_found(struct req *);
int	 http_form(struct req *, unsigned, const char *page, struct tmpl_vars *,
	    const char *error, int64_t wait);
int	 http_file(struct req *, unsigned, const char *type, int fd,
	    uint64_t off, uint64_t size, int private);
typedef ssize_t (*http_reader)(void *, uint64_t pos, char *, size_t);
int	 http_stream(struct req *, unsigned, const char *type, uint64_t size,
	    http_reader, void *);
int	 http_stage_redirect(struct req *);
int	 http_advance(struct req *, int64_t user_id, int stage);
int	 http_end_session(struct req *);
int	 http_trusted(const struct req *, const char *account);
int	 http_start(void);
int	 http_connections(void);
void	 http_reload(void);
int	 http_quiesce(int64_t grace);
struct MHD_Daemon *http_start_fuzz(void);
void	 http_stop(void);
int	 http_upload_allowed(struct req *);

/* access.c: the access log */
int	 access_open(void);
void	 access_reopen(void);
void	 access_close(void);
void	 access_write(const char *addr, const char *method, const char *path,
	    unsigned status, uint64_t bytes, int64_t ms, int64_t account);

/* metrics.c: the monitoring listener: /metrics, /readyz, /healthz */
int	 metrics_start(void);
void	 metrics_stop(void);
/* flash.c: what the page after a redirect shows: a form's error, a notice (Post/Redirect/Get) */
void	 flash_var(struct req *, const char *name, const char *value);
const char *flash_get(const struct req *, const char *name);
int	 flash_write(struct req *, const char *where, const char *keep);
void	 flash_read(struct req *, const char *cookie);
void	 flash_forget(struct req *);
int	 flash_sealed_put(struct req *, const char *name, const char *path,
	    const char *text, int ttl);
char	*flash_sealed_get(struct req *, const char *name);
void	 flash_sealed_clear(struct req *, const char *name, const char *path);
unsigned flash_apply(struct req *, struct tmpl_vars *, unsigned status);
void	 flash_clear(struct flash *);

/* conn.c: header deadlines, requests per address, requests in flight */
struct conn;
struct conn *conn_open(int fd, const char *peer, int *over);
void	 conn_close(struct conn *);
int64_t	 conn_acked(const struct conn *);	/* bytes the peer acknowledged */
void	 conn_deadline(struct conn *, int64_t secs);
void	 conn_begin(struct conn *);
void	 conn_end(struct conn *);
int	 conn_addr_enter(const char *addr);
void	 conn_addr_leave(const char *addr);
int	 conn_start(void);
int	 conn_drain(int64_t grace);
void	 conn_stop(void);
uint64_t conn_cut_count(void);

/* pool.c: threads for password hashing, with a bounded, fair queue */
int	 pool_start(int n, int qmax, int per_key);
int	 pool_submit(void (*)(void *), void *, const char *key);
int	 pool_depth(void);
void	 pool_stop(void);

/* tls.c: the HTTPS identity, reloadable, and the suites offered */
int	 tls_load(const char *cert, const char *key, char *err, size_t);
const char *tls_priorities(void);
void	*tls_callback(void);
void	 tls_free(void);

/* route.c: the table of routes, the map of the site, and the entry check's rules */
enum route_verdict {
	ROUTE_OK,		/* run the handler */
	ROUTE_START,		/* no session: start an anonymous one, check again */
	ROUTE_FORBIDDEN,	/* 403: a POST without a session or its CSRF token */
	ROUTE_LOGIN,		/* to /login */
	ROUTE_USER_GONE,	/* the account is gone or disabled: end, to /login */
	ROUTE_STAGE,		/* to the page of the session's stage */
	ROUTE_NOT_FOUND		/* 404: the console, to anyone but an admin */
};
const struct route *route_find(const char *path, int method, int *allowed,
	    char *args[2]);
const char *route_allow(int allowed);
const char *route_stage_home(int stage);
int	 route_verdict(const struct route *, int method, int stage, int csrf_ok,
	    int user_ok, int admin);
int	 route_count(void);
const struct route *route_at(int);
int	 route_index(const struct route *);

/* lang.c: the language a person chose, remembered in a cookie and the account */
#define LANG_COOKIE	"kluis_lang"
void	 lang_cookie(struct req *, const char *lang);
void	 lang_login(struct req *, const struct user *);

/* login.c: what the login, account and reset pages share */
#define DEVICE_NAME_MAX	64
int	 login_enrol_form(struct req *, unsigned, const char *page,
	    const char *action, const char *error, int64_t wait,
	    struct tmpl_vars *);
char	*login_enrol_qr(struct req *);
int	 login_device_name_ok(char *);
int	 login_code_normal(const char *, char *out, size_t);
const char *login_add_device(struct req *, unsigned *status, int64_t *wait,
	    char **name);
int	 login_password_form(struct req *, unsigned, const char *page,
	    const char *error);
const char *login_new_password(struct req *, const char *same,
	    const char *event, const char *detail, unsigned *status);
int	 login_password_post(struct req *, const char *same, const char *event,
	    int *rc);
int	 login_code_form(struct req *, unsigned, const char *page,
	    const char *error, int64_t wait, struct tmpl_vars *);
const char *login_device_code(struct req *, unsigned *status, int64_t *wait,
	    char **device_name);
const char *login_recovery_code(struct req *, unsigned *status, int64_t *wait);
int	 login_second_factor_done(struct req *);
const char *login_reauth(struct req *, unsigned *status, int64_t *wait);

/* console.c: what the admin console's pages share */
int	 console_confirmed(const struct req *);
void	 console_event(struct tmpl_vars *, const char *event);
int	 console_confirm(struct req *, const char *nav, const char *action,
	    const char *question, const char *button, struct tmpl_vars *);
int	 console_confirm_user(struct req *, const struct user *,
	    const char *question, const char *button, struct tmpl_vars *);
int	 console_user(struct req *, struct user *);
int	 console_back_user(struct req *, int64_t id, const char *done);
int	 console_refuse_user(struct req *, int64_t id, const char *keep,
	    unsigned status, const char *error);
int	 console_subject(struct req *, struct subject *);
int	 console_back_subject(struct req *, const char *code, const char *done);
int	 console_refuse_subject(struct req *, const char *code,
	    const char *keep, unsigned status, const char *error);
int	 console_subject_page(struct req *, const char *code, unsigned status,
	    const char *error, struct tmpl_vars *);

/* page_healthz.c: /healthz */
int	 page_healthz(struct req *);

/* page_readyz.c: /readyz */
int	 page_readyz(struct req *);

/* page_static.c: /static/NAME, /logo */
int	 page_static(struct req *);
int	 page_static_logo_load(char *err, size_t);
int	 page_static_logo(struct req *);

/* page_lang.c: /lang, the language switch */
int	 page_lang(struct req *);

/* page_login.c: /login, email and password */
int	 page_login(struct req *);
int	 page_login_post(struct req *);

/* page_enrol.c: /enrol, the first phone */
int	 page_enrol(struct req *);
int	 page_enrol_qr(struct req *);
int	 page_enrol_post(struct req *);

/* page_password.c: /password, a temporary password changed */
int	 page_password(struct req *);
int	 page_password_post(struct req *);

/* page_otp.c: /otp, a phone's code, a recovery code, a lost phone */
int	 page_otp(struct req *);
int	 page_otp_post(struct req *);
int	 page_otp_recovery(struct req *);
int	 page_otp_recovery_post(struct req *);
int	 page_otp_lost(struct req *);

/* page_logout.c: /logout */
int	 page_logout_post(struct req *);

/* page_forgot.c: /forgot, asking for a reset link */
int	 page_forgot(struct req *);
int	 page_forgot_post(struct req *);
int	 page_forgot_sent(struct req *);

/* page_reset.c: /reset, a link spent, the second factor (or an admin asked), a new password */
int	 page_reset(struct req *);
int	 page_reset_post(struct req *);
int	 page_reset_verify(struct req *);
int	 page_reset_verify_post(struct req *);
int	 page_reset_request_post(struct req *);
int	 page_reset_requested(struct req *);
int	 page_reset_password(struct req *);
int	 page_reset_password_post(struct req *);

/* page_home.c: /, the subjects of the user */
int	 page_home(struct req *);

/* page_subject.c: a subject, unlocked by its validation code; its files */
int	 page_subject(struct req *);
int	 page_subject_unlock(struct req *);
int	 page_subject_file(struct req *);
int	 page_subject_zip(struct req *);
void	 page_subject_zip_done(struct req *);
void	 page_subject_file_done(struct req *);

/* page_api.c: /api/v1: what scripts read with a personal access token */
int	 page_api_files(struct req *);

/* page_account_tokens.c: /account/tokens, personal access tokens */
int	 page_account_tokens(struct req *);
int	 page_account_tokens_post(struct req *);
int	 page_account_tokens_new(struct req *);
int	 page_account_tokens_revoke(struct req *);

/* page_account.c: phones, password, recovery codes */
int	 page_account(struct req *);
int	 page_account_add(struct req *);
int	 page_account_add_post(struct req *);
int	 page_account_remove(struct req *);
int	 page_account_remove_post(struct req *);
int	 page_account_password_post(struct req *);
int	 page_account_recovery(struct req *);
int	 page_account_recovery_post(struct req *);
int	 page_account_recovery_codes(struct req *);
int	 page_account_recovery_text(struct req *);
int	 page_account_recovery_done(struct req *);

/* page_admin_user.c: the console's accounts: list, new, page, edit, resend, disable, enable, unlock, delete */
int	 page_admin_user_list(struct req *);
int	 page_admin_user_new(struct req *);
int	 page_admin_user_create(struct req *);
int	 page_admin_user(struct req *);
int	 page_admin_user_resend(struct req *);
int	 page_admin_user_disable(struct req *);
int	 page_admin_user_enable(struct req *);
int	 page_admin_user_unlock(struct req *);
int	 page_admin_user_edit(struct req *);
int	 page_admin_user_delete(struct req *);
int	 page_admin_user_export(struct req *);

/* page_admin_reset.c: the console's authenticator resets */
int	 page_admin_reset_otp(struct req *);
int	 page_admin_reset_refuse(struct req *);

/* page_admin_subject.c: the console's subjects */
int	 page_admin_subject_list(struct req *);
int	 page_admin_subject_create(struct req *);
int	 page_admin_subject(struct req *);
int	 page_admin_subject_edit(struct req *);

/* page_admin_grant.c: the console's grants */
int	 page_admin_grant_user(struct req *);
int	 page_admin_grant_subject(struct req *);
int	 page_admin_grant_resend(struct req *);
int	 page_admin_grant_revoke(struct req *);

/* page_admin_file.c: the console's files: streamed uploads, the file page, unpublish */
int	 page_admin_file_upload_chunk(struct req *, const char *key,
	    const char *filename, const char *type, const char *data,
	    uint64_t off, size_t size);
void	 page_admin_file_upload_cleanup(struct req *);
int	 page_admin_file_upload(struct req *);
int	 page_admin_file(struct req *);
int	 page_admin_file_unpublish(struct req *);

/* page_admin_audit.c: the console's audit log */
int	 page_admin_audit(struct req *);
int	 page_admin_audit_csv(struct req *);

/* ===== cli: the commands ================================================= */

/* cli.c: what the commands share: options, usage errors, arguments */
#define CLI_EXIT	(-2)	/* cli_getopt: exit with *status */
int	 cli_getopt(int, char **, const char *cmd, const char *usage,
	    const char *own, int all, int *status);
int	 cli_options(int, char **, const char *cmd, const char *usage,
	    const char *flag, int *set, int n, const char *need);
int	 cli_args(int, char **, const char *cmd, int n, const char *need);
struct cli_command {
	const char	*name;
	int		(*run)(int, char **);	/* argv[0] is the name */
};
int	 cli_dispatch(int, char **, const char *cmd, const char *usage,
	    const struct cli_command *);
char	*cli_email(const char *cmd, const char *arg);
int	 cli_account(const char *cmd, const char *arg, struct user *);
int	 cli_open_account(const char *cmd, const char *arg, struct user *);
int	 cli_open_subject(const char *cmd, const char *code, struct subject *);
int	 cli_lang(const char *cmd, const char *lang);
int	 cli_usage_error(const char *cmd, const char *fmt, ...) PRINTF_LIKE(2, 3);

/* cli_user.c: kluis user */
int	 cli_user(int, char **);

/* cli_subject.c: kluis subject */
int	 cli_subject(int, char **);

/* cli_grant.c: kluis grant, kluis revoke */
int	 cli_grant(int, char **);
int	 cli_grant_revoke(int, char **);

/* cli_file.c: kluis publish, files, downloads, unpublish */
int	 cli_file_publish(int, char **);
int	 cli_file_list(int, char **);
int	 cli_file_unpublish(int, char **);
int	 cli_file_downloads(int, char **);

/* cli_requests.c: kluis requests [approve|refuse] */
int	 cli_requests(int, char **);

/* cli_audit.c: kluis audit */
int	 cli_audit(int, char **);

/* cli_mail.c: kluis mail */
int	 cli_mail(int, char **);

/* cli_backup.c: kluis backup, restore, check */
int	 cli_backup(int, char **);
int	 cli_backup_restore(int, char **);
int	 cli_backup_check(int, char **);

/* cli_housekeeping.c: kluis housekeeping */
int	 cli_housekeeping(int, char **);

/* cli_key.c: kluis key */
int	 cli_key(int, char **);

#endif
