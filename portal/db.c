/* db.c: the SQLite connection of each thread, migrations, prepared statements and transactions. */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <sqlite3.h>

#include "portal.h"

#define STMT_CACHE 512	/* more than the program has statements */

struct conn {
	sqlite3		*db;
	struct {
		const char	*sql;	/* string literal: compared by address */
		sqlite3_stmt	*st;
	} cache[STMT_CACHE];
	int		 ncache;
};

static char		*db_path;
static pthread_key_t	 conn_key;
static pthread_once_t	 conn_once = PTHREAD_ONCE_INIT;

static void
db_conn_close(void *p)
{
	struct conn *c = p;
	int i;

	if (c == NULL)
		return;
	for (i = 0; i < c->ncache; i++)
		sqlite3_finalize(c->cache[i].st);
	sqlite3_close(c->db);
	free(c);
}

static void
conn_key_init(void)
{
	if (pthread_key_create(&conn_key, db_conn_close) != 0)
		fatal("pthread_key_create failed");
}

static sqlite3 *
db_conn_open(void)
{
	sqlite3 *db = NULL;
	char *err = NULL;

	if (sqlite3_open_v2(db_path, &db, SQLITE_OPEN_READWRITE |
	    SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX, NULL) != SQLITE_OK) {
		logmsg(LOG_ERR, "db: cannot open %s: %s", db_path,
		    db ? sqlite3_errmsg(db) : "out of memory");
		sqlite3_close(db);
		return NULL;
	}
	sqlite3_busy_timeout(db, 5000);
	if (sqlite3_exec(db, "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;"
	    "PRAGMA foreign_keys=ON; PRAGMA secure_delete=ON;",
	    NULL, NULL, &err) != SQLITE_OK) {
		logmsg(LOG_ERR, "db: cannot configure %s: %s", db_path, err);
		sqlite3_free(err);
		sqlite3_close(db);
		return NULL;
	}
	return db;
}

/* db_conn: this thread's connection, opened on first use; NULL on failure. */
static struct conn *
db_conn(void)
{
	struct conn *c;

	pthread_once(&conn_once, conn_key_init);
	if ((c = pthread_getspecific(conn_key)) != NULL)
		return c;
	c = xcalloc(1, sizeof *c);
	if ((c->db = db_conn_open()) == NULL) {
		free(c);
		return NULL;
	}
	pthread_setspecific(conn_key, c);
	return c;
}

/*
 * db_recheck: SQLite opens a connection read-only, for good, when the file
 * cannot be written at that moment (a permission, a full or read-only file
 * system). Such a connection of this thread is closed once the file can be
 * written again, so the next use opens it afresh; only when nothing of it
 * is in use (no transaction, no statement running). Called where a request
 * or a job starts.
 */
void
db_recheck(void)
{
	struct conn *c;
	sqlite3_stmt *st = NULL;

	pthread_once(&conn_once, conn_key_init);
	if ((c = pthread_getspecific(conn_key)) == NULL ||
	    sqlite3_db_readonly(c->db, "main") != 1 ||
	    !sqlite3_get_autocommit(c->db) || access(db_path, W_OK) == -1)
		return;
	while ((st = sqlite3_next_stmt(c->db, st)) != NULL)
		if (sqlite3_stmt_busy(st))
			return;
	db_thread_done();
}

/* db_thread_done: close this thread's connection now (main thread at exit). */
void
db_thread_done(void)
{
	struct conn *c;

	pthread_once(&conn_once, conn_key_init);
	if ((c = pthread_getspecific(conn_key)) != NULL) {
		pthread_setspecific(conn_key, NULL);
		db_conn_close(c);
	}
}

static int
db_exec(sqlite3 *db, const char *sql)
{
	char *err = NULL;

	if (sqlite3_exec(db, sql, NULL, NULL, &err) != SQLITE_OK) {
		logmsg(LOG_ERR, "db: %s", err ? err : "error");
		sqlite3_free(err);
		return -1;
	}
	return 0;
}

static int
db_user_version(sqlite3 *db)
{
	sqlite3_stmt *st;
	int v = -1;

	if (sqlite3_prepare_v2(db, "PRAGMA user_version", -1, &st, NULL) != SQLITE_OK)
		return -1;
	if (sqlite3_step(st) == SQLITE_ROW)
		v = sqlite3_column_int(st, 0);
	sqlite3_finalize(st);
	return v;
}

/*
 * db_attach: use PATH for every thread's connection (created when
 * missing) without migrating it. Returns the number of migrations it
 * lacks, or -1 with a message logged (also for a database newer than this
 * binary).
 */
int
db_attach(const char *path)
{
	struct conn *c;
	int v;

	db_thread_done();
	free(db_path);
	db_path = xstrdup(path);
	if ((c = db_conn()) == NULL)
		return -1;
	if ((v = db_user_version(c->db)) < 0) {
		logmsg(LOG_ERR,
		    "db: cannot read %s: %s", path, sqlite3_errmsg(c->db));
		return -1;
	}
	if (v > db_nmigrations) {
		logmsg(LOG_ERR,
		    "db: %s has schema version %d, but this kluis knows only "
		    "up to %d: run a newer kluis, or restore a backup", path, v,
		    db_nmigrations);
		return -1;
	}
	return db_nmigrations - v;
}

/* db_schema: the schema version (PRAGMA user_version), or -1. */
int
db_schema(void)
{
	struct conn *c = db_conn();

	return c == NULL ? -1 : db_user_version(c->db);
}

/*
 * db_migrate: apply the migrations the database lacks, each in its own
 * transaction with PRAGMA user_version. 0, or -1 (logged).
 */
int
db_migrate(void)
{
	struct conn *c;
	char pragma[64];
	int v, i;

	if ((c = db_conn()) == NULL || (v = db_user_version(c->db)) < 0)
		return -1;
	for (i = v; i < db_nmigrations; i++) {
		const struct migration *m = &db_migrations[i];

		snprintf(pragma, sizeof pragma, "PRAGMA user_version = %d;",
		    m->version);
		if (db_exec(c->db, "BEGIN IMMEDIATE;") == -1)
			return -1;
		if (db_exec(c->db, m->sql) == -1 || db_exec(c->db, pragma) == -1) {
			logmsg(LOG_ERR,
			    "db: migration %03d_%s failed", m->version, m->name);
			db_exec(c->db, "ROLLBACK;");
			return -1;
		}
		if (db_exec(c->db, "COMMIT;") == -1)
			return -1;
		logmsg(LOG_INFO,
		    "db: applied migration %03d_%s", m->version, m->name);
	}
	return 0;
}

/* db_open: db_attach, then db_migrate. 0, or -1 (logged). */
int
db_open(const char *path)
{
	if (db_attach(path) < 0)
		return -1;
	return db_migrate();
}

/*
 * db_backup: a consistent copy of the database into the new file DEST by
 * SQLite's online backup API: one read transaction, so the server goes on
 * writing meanwhile. The copy is a single file (no WAL). 0, or -1
 * (logged; DEST removed).
 */
int
db_backup(const char *dest)
{
	struct conn *c = db_conn();
	sqlite3 *out = NULL;
	sqlite3_backup *b;
	int rc;

	if (c == NULL)
		return -1;
	if (sqlite3_open_v2(dest, &out, SQLITE_OPEN_READWRITE |
	    SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX, NULL) != SQLITE_OK) {
		logmsg(LOG_ERR, "db: cannot create %s: %s", dest, out ?
		    sqlite3_errmsg(out) : "out of memory");
		goto fail;
	}
	if ((b = sqlite3_backup_init(out, "main", c->db, "main")) == NULL) {
		logmsg(LOG_ERR,
		    "db: cannot back up to %s: %s", dest, sqlite3_errmsg(out));
		goto fail;
	}
	/* All pages in one step: one snapshot, whatever the server writes. */
	while ((rc = sqlite3_backup_step(b, -1)) == SQLITE_BUSY ||
	    rc == SQLITE_LOCKED)
		sqlite3_sleep(50);
	sqlite3_backup_finish(b);
	if (rc != SQLITE_DONE) {
		logmsg(LOG_ERR,
		    "db: backup to %s failed: %s", dest, sqlite3_errstr(rc));
		goto fail;
	}
	if (db_exec(out, "PRAGMA journal_mode=DELETE;") == -1 ||
	    sqlite3_close(out) != SQLITE_OK) {
		out = NULL;
		goto fail;
	}
	return 0;
 fail:
	sqlite3_close(out);
	(void)remove(dest);
	return -1;
}

/*
 * db_check: PRAGMA integrity_check of the database: FN(message, ARG) for
 * each problem it names. The number of problems (an error of the check
 * itself is one), so 0 when the database is sound.
 */
int
db_check(void (*fn)(const char *, void *), void *arg)
{
	struct conn *c = db_conn();
	sqlite3_stmt *st;
	const char *msg;
	int rc, n = 0;

	if (c == NULL) {
		fn("cannot open the database", arg);
		return 1;
	}
	if (sqlite3_prepare_v2(c->db, "PRAGMA integrity_check", -1, &st,
	    NULL) != SQLITE_OK) {
		fn(sqlite3_errmsg(c->db), arg);
		return 1;
	}
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		msg = (const char *)sqlite3_column_text(st, 0);
		if (msg != NULL && strcmp(msg, "ok") != 0) {
			fn(msg, arg);
			n++;
		}
	}
	if (rc != SQLITE_DONE) {
		fn(sqlite3_errmsg(c->db), arg);
		n++;
	}
	sqlite3_finalize(st);
	return n;
}

/*
 * db_checkpoint: copy the WAL into the database file and empty it, so
 * that what was deleted (with secure_delete) is gone from both. 0, or -1
 * when a reader kept part of it (logged).
 */
int
db_checkpoint(void)
{
	struct conn *c = db_conn();
	int log = 0, done = 0;

	if (c == NULL)
		return -1;
	if (sqlite3_wal_checkpoint_v2(c->db, NULL, SQLITE_CHECKPOINT_TRUNCATE,
	    &log, &done) != SQLITE_OK) {
		logmsg(LOG_ERR, "db: checkpoint: %s", sqlite3_errmsg(c->db));
		return -1;
	}
	return 0;
}

/*
 * db_snapshot_attach: the database file PATH (a backup's copy) attached to
 * this thread's connection as "snap", for store queries naming snap.TABLE;
 * db_snapshot_detach lets go of it. 0, or -1 (logged).
 */
int
db_snapshot_attach(const char *path)
{
	return db_run(db_query("ATTACH DATABASE :path AS snap",
	    DB_TEXT(":path", path)));
}

void
db_snapshot_detach(void)
{
	struct conn *c = db_conn();

	if (c != NULL)
		db_exec(c->db, "DETACH DATABASE snap;");
}

/*
 * db_writable: 0 when the database can take writes: this thread's
 * connection is not read-only, and the file and its directory (journal
 * and WAL files) may be written, also for root (a read-only mount, an
 * immutable file). -1 otherwise.
 */
int
db_writable(void)
{
	struct conn *c = db_conn();
	char *dir, *slash;
	int rc;

	if (c == NULL || sqlite3_db_readonly(c->db, "main") != 0 ||
	    access(db_path, W_OK) == -1)
		return -1;
	dir = xstrdup(db_path);
	if ((slash = strrchr(dir, '/')) == NULL)
		strcpy(dir, ".");
	else
		slash[slash == dir] = '\0';
	rc = access(dir, W_OK);
	free(dir);
	return rc == 0 ? 0 : -1;
}

/* db_ping: 0 when a trivial query on this thread's connection works. */
int
db_ping(void)
{
	return db_value(db_query("SELECT count(*) FROM sqlite_master"), -1) < 0 ?
	    -1 : 0;
}

/*
 * db_prepare: the cached prepared statement for SQL, a string literal.
 * Returns NULL when this thread's connection cannot be opened (logged);
 * every db_* function below takes that NULL and fails. SQL that does not
 * prepare is a bug in the program: fatal. Hand the statement back with
 * db_done() once the rows are read.
 */
sqlite3_stmt *
db_prepare(const char *sql)
{
	struct conn *c = db_conn();
	sqlite3_stmt *st;
	int i;

	if (c == NULL)
		return NULL;
	for (i = 0; i < c->ncache; i++)
		if (c->cache[i].sql == sql)
			return c->cache[i].st;
	if (sqlite3_prepare_v3(c->db, sql, -1, SQLITE_PREPARE_PERSISTENT, &st,
	    NULL) != SQLITE_OK)
		fatal("db: cannot prepare \"%s\": %s", sql, sqlite3_errmsg(c->db));
	if (c->ncache < STMT_CACHE) {
		c->cache[c->ncache].sql = sql;
		c->cache[c->ncache].st = st;
		c->ncache++;
	} else
		fatal("db: statement cache full");
	return st;
}

/* db_done: reset a statement from db_prepare for its next use. */
void
db_done(sqlite3_stmt *st)
{
	if (st == NULL)
		return;
	sqlite3_reset(st);
	sqlite3_clear_bindings(st);
}

static int
param(sqlite3_stmt *st, const char *name)
{
	int i = sqlite3_bind_parameter_index(st, name);

	/* An unknown name is a bug in the program, never in the input. */
	if (i == 0)
		fatal("db: no parameter %s in \"%s\"", name, sqlite3_sql(st));
	return i;
}

void
db_bind_int(sqlite3_stmt *st, const char *name, int64_t v)
{
	if (st != NULL)
		sqlite3_bind_int64(st, param(st, name), v);
}

/* db_bind_text: S, or SQL NULL when S is NULL. */
void
db_bind_text(sqlite3_stmt *st, const char *name, const char *s)
{
	if (st == NULL)
		return;
	if (s == NULL)
		sqlite3_bind_null(st, param(st, name));
	else
		sqlite3_bind_text(st, param(st, name), s, -1, SQLITE_TRANSIENT);
}

/* db_bind_blob: N bytes at P, or SQL NULL when P is NULL. */
void
db_bind_blob(sqlite3_stmt *st, const char *name, const void *p, size_t n)
{
	if (st == NULL)
		return;
	if (p == NULL)
		sqlite3_bind_null(st, param(st, name));
	else
		sqlite3_bind_blob(st, param(st, name), p, (int)n,
		    SQLITE_TRANSIENT);
}

void
db_bind_null(sqlite3_stmt *st, const char *name)
{
	if (st != NULL)
		sqlite3_bind_null(st, param(st, name));
}

/*
 * db_prepare_bound: db_prepare(SQL) with the BINDS (ended by a NULL name)
 * bound; what db_query(sql, DB_INT(...), ...) expands to. NULL as
 * db_prepare.
 */
sqlite3_stmt *
db_prepare_bound(const char *sql, const struct db_bind *b)
{
	sqlite3_stmt *st = db_prepare(sql);

	for (; st != NULL && b->name != NULL; b++) {
		switch (b->type) {
		case DB_BIND_INT:
			db_bind_int(st, b->name, b->i);
			break;
		case DB_BIND_TEXT:
			db_bind_text(st, b->name, b->p);
			break;
		case DB_BIND_BLOB:
			db_bind_blob(st, b->name, b->p, b->n);
			break;
		default:
			db_bind_null(st, b->name);
			break;
		}
	}
	return st;
}

/* db_step: sqlite3_step, logging real errors; SQLITE_ROW, SQLITE_DONE or an error. */
int
db_step(sqlite3_stmt *st)
{
	int rc;

	if (st == NULL)
		return SQLITE_ERROR;
	rc = sqlite3_step(st);

	if (rc != SQLITE_ROW && rc != SQLITE_DONE)
		logmsg(LOG_ERR, "db: \"%s\": %s", sqlite3_sql(st),
		    sqlite3_errmsg(sqlite3_db_handle(st)));
	return rc;
}

/* db_run: step a statement that returns no rows, then db_done. 0, or -1. */
int
db_run(sqlite3_stmt *st)
{
	int rc = db_step(st);

	db_done(st);
	return rc == SQLITE_DONE ? 0 : -1;
}

/* db_changed: db_run, then the number of rows it changed; -1 on error. */
int
db_changed(sqlite3_stmt *st)
{
	if (db_run(st) == -1)
		return -1;
	return sqlite3_changes(sqlite3_db_handle(st));
}

/*
 * db_insert: db_run an INSERT. The new row's id, -2 when a constraint
 * refused the row (a duplicate), -1 on another error.
 */
int64_t
db_insert(sqlite3_stmt *st)
{
	int rc = db_step(st);

	db_done(st);
	if (rc == SQLITE_CONSTRAINT)
		return -2;
	if (rc != SQLITE_DONE)
		return -1;
	return sqlite3_last_insert_rowid(sqlite3_db_handle(st));
}

/*
 * db_value: column 0 of the first row of ST as an integer, NONE when there
 * is no row, -1 on error. The statement runs to its end (an UPDATE or
 * DELETE ... RETURNING is complete).
 */
int64_t
db_value(sqlite3_stmt *st, int64_t none)
{
	int64_t v = none;
	int rc;

	if ((rc = db_step(st)) == SQLITE_ROW)
		v = sqlite3_column_int64(st, 0);
	while (rc == SQLITE_ROW)
		rc = db_step(st);
	db_done(st);
	return rc == SQLITE_DONE ? v : -1;
}

/* Read the columns of ST from *COL on into the fields COLS describes in P. */
static void
read_cols(sqlite3_stmt *st, int *col, char *p, const struct db_col *c)
{
	for (; c->type != DB_C_END; c++) {
		char *f = p + c->off;
		const unsigned char *t;

		switch (c->type) {
		case DB_C_INT:
			*(int *)f = sqlite3_column_int(st, (*col)++);
			break;
		case DB_C_I64:
			*(int64_t *)f = sqlite3_column_int64(st, (*col)++);
			break;
		case DB_C_TEXT:
			*(char **)f = db_text(st, (*col)++);
			break;
		case DB_C_BLOB:
			*(uint8_t **)f = db_blob(st, (*col)++,
			    (size_t *)(p + c->aux));
			break;
		case DB_C_CHARS:
			t = sqlite3_column_text(st, (*col)++);
			snprintf(f, c->aux, "%s", t ? (const char *)t : "");
			break;
		case DB_C_NEST:
			read_cols(st, col, f, c->sub);
			break;
		}
	}
}

/* Free (after wiping) the strings and bytes of the fields COLS describes in P. */
static void
clear_cols(char *p, const struct db_col *c)
{
	for (; c->type != DB_C_END; c++) {
		char **f = (char **)(p + c->off);

		if (c->type == DB_C_NEST)
			clear_cols(p + c->off, c->sub);
		else if (c->type == DB_C_TEXT && *f != NULL) {
			explicit_bzero(*f, strlen(*f));
			free(*f);
		} else if (c->type == DB_C_BLOB && *f != NULL) {
			explicit_bzero(*f, *(size_t *)(p + c->aux));
			free(*f);
		}
	}
}

/*
 * db_find: the first row of ST read into OUT as db_row does, telling a
 * missing row from an error: 1 with the row, 0 when there is none (OUT
 * zeroed), -1 on error (OUT zeroed).
 */
int
db_find(sqlite3_stmt *st, void *out, size_t size, const struct db_col *cols)
{
	int rc, col = 0, found = 0;

	memset(out, 0, size);
	if ((rc = db_step(st)) == SQLITE_ROW) {
		read_cols(st, &col, out, cols);
		found = 1;
	}
	while (rc == SQLITE_ROW)
		rc = db_step(st);
	db_done(st);
	if (rc != SQLITE_DONE) {
		if (found)
			clear_cols(out, cols);
		memset(out, 0, size);
		return -1;
	}
	return found;
}

struct bytes_row {
	uint8_t	*p;
	size_t	 len;
};

static const struct db_col bytes_fields[] = {
	DB_COL_BLOB(struct bytes_row, p, len), DB_COL_END
};

/*
 * db_bytes: the blob in column 0 of the first row of ST, as db_find: 1
 * with *P (caller frees; NULL for SQL NULL) and *LEN, 0 when there is no
 * row, -1 on error.
 */
int
db_bytes(sqlite3_stmt *st, uint8_t **p, size_t *len)
{
	struct bytes_row b;
	int rc = db_find(st, &b, sizeof b, bytes_fields);

	*p = b.p;
	*len = b.len;
	return rc;
}

/*
 * db_row: the first row of ST read into OUT (SIZE bytes, zeroed first), one
 * column after the other into the fields COLS names. 0, or -1 when there is
 * no row or on error (OUT stays zeroed). The statement runs to its end (an
 * UPDATE or DELETE ... RETURNING is complete).
 */
int
db_row(sqlite3_stmt *st, void *out, size_t size, const struct db_col *cols)
{
	return db_find(st, out, size, cols) == 1 ? 0 : -1;
}

/* db_clear: free what db_row read into P (SIZE bytes) by COLS, and zero it. */
void
db_clear(void *p, size_t size, const struct db_col *cols)
{
	clear_cols(p, cols);
	memset(p, 0, size);
}

/*
 * db_list: every row of ST, each read as db_row does into an element of
 * SIZE bytes of a new array, stored in *LISTP (a T ** for elements of type
 * T; caller frees the list with store_free or db_list_free). Returns the
 * count, or -1 with *LISTP NULL.
 */
int
db_list(sqlite3_stmt *st, void *listp, size_t size, const struct db_col *cols)
{
	char *list = NULL;
	size_t cap = 0, k = 0;
	int rc, col;

	while ((rc = db_step(st)) == SQLITE_ROW) {
		list = xgrow(list, k, &cap, size);
		memset(list + k * size, 0, size);
		col = 0;
		read_cols(st, &col, list + k * size, cols);
		k++;
	}
	db_done(st);
	if (rc != SQLITE_DONE) {
		db_list_free(list, (int)k, size, cols);
		list = NULL;
	}
	/* Every pointer to an object has this representation: a copy, not a cast. */
	memcpy(listp, &list, sizeof list);
	return rc == SQLITE_DONE ? (int)k : -1;
}

/* db_list_free: free a list of N elements of SIZE bytes from db_list with COLS. */
void
db_list_free(void *list, int n, size_t size, const struct db_col *cols)
{
	char *p = list;
	int i;

	for (i = 0; i < n; i++)
		clear_cols(p + (size_t)i * size, cols);
	free(list);
}

/* db_texts: column 0 of every row of ST as strings in *LIST (caller strv_free()s); the count, or -1. */
int
db_texts(sqlite3_stmt *st, char ***list)
{
	static const struct db_col text[] = { { DB_C_TEXT, 0, 0, NULL },
	    DB_COL_END };

	return db_list(st, list, sizeof **list, text);
}

/* db_text: column I as a fresh string (NULL stays NULL); caller frees. */
char *
db_text(sqlite3_stmt *st, int i)
{
	const unsigned char *s = sqlite3_column_text(st, i);

	return s ? xstrdup((const char *)s) : NULL;
}

/*
 * db_blob: column I as fresh bytes with *LEN their number, or NULL (and
 * *LEN 0) for SQL NULL; caller frees.
 */
uint8_t *
db_blob(sqlite3_stmt *st, int i, size_t *len)
{
	const void *p = sqlite3_column_blob(st, i);
	uint8_t *copy;

	*len = (size_t)sqlite3_column_bytes(st, i);
	if (p == NULL && sqlite3_column_type(st, i) == SQLITE_NULL) {
		*len = 0;
		return NULL;
	}
	copy = xmalloc(*len);
	if (*len)
		memcpy(copy, p, *len);
	return copy;
}

/*
 * db_like: a LIKE pattern (used with ESCAPE '\') that matches S anywhere,
 * LIKE's own wildcards in S taken literally. Caller frees.
 */
char *
db_like(const char *s)
{
	struct buf b = { 0 };

	buf_putc(&b, '%');
	for (; s != NULL && *s; s++) {
		if (*s == '%' || *s == '_' || *s == '\\')
			buf_putc(&b, '\\');
		buf_putc(&b, *s);
	}
	buf_putc(&b, '%');
	return buf_steal(&b);
}

/*
 * db_tx: run FN(ARG) inside BEGIN IMMEDIATE; commit when it returns 0, roll
 * back otherwise. Returns FN's result, or -1 when the transaction failed.
 */
int
db_tx(int (*fn)(void *), void *arg)
{
	struct conn *c = db_conn();
	int rc;

	if (c == NULL || db_exec(c->db, "BEGIN IMMEDIATE;") == -1)
		return -1;
	if ((rc = fn(arg)) != 0) {
		db_exec(c->db, "ROLLBACK;");
		return rc;
	}
	if (db_exec(c->db, "COMMIT;") == -1) {
		db_exec(c->db, "ROLLBACK;");
		return -1;
	}
	return 0;
}
