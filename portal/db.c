/* db.c: the SQLite connection of each thread, migrations, prepared statements and transactions. */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

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
		logmsg("db: cannot open %s: %s", db_path,
		    db ? sqlite3_errmsg(db) : "out of memory");
		sqlite3_close(db);
		return NULL;
	}
	sqlite3_busy_timeout(db, 5000);
	if (sqlite3_exec(db, "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;"
	    "PRAGMA foreign_keys=ON; PRAGMA secure_delete=ON;",
	    NULL, NULL, &err) != SQLITE_OK) {
		logmsg("db: cannot configure %s: %s", db_path, err);
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
		logmsg("db: %s", err ? err : "error");
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
 * db_open: use PATH for every thread's connection, apply the migrations the
 * database lacks, each in its own transaction with PRAGMA user_version.
 * Returns 0, or -1 with a message logged (also for a database newer than
 * this binary).
 */
int
db_open(const char *path)
{
	struct conn *c;
	char pragma[64];
	int v, i;

	free(db_path);
	db_path = xstrdup(path);
	if ((c = db_conn()) == NULL)
		return -1;
	if ((v = db_user_version(c->db)) < 0)
		return -1;
	if (v > db_nmigrations) {
		logmsg("db: %s has schema version %d, but this kluis knows only "
		    "up to %d: run a newer kluis, or restore a backup", path, v,
		    db_nmigrations);
		return -1;
	}
	for (i = v; i < db_nmigrations; i++) {
		const struct migration *m = &db_migrations[i];

		snprintf(pragma, sizeof pragma, "PRAGMA user_version = %d;",
		    m->version);
		if (db_exec(c->db, "BEGIN IMMEDIATE;") == -1)
			return -1;
		if (db_exec(c->db, m->sql) == -1 || db_exec(c->db, pragma) == -1) {
			logmsg("db: migration %03d_%s failed", m->version, m->name);
			db_exec(c->db, "ROLLBACK;");
			return -1;
		}
		if (db_exec(c->db, "COMMIT;") == -1)
			return -1;
		logmsg("db: applied migration %03d_%s", m->version, m->name);
	}
	return 0;
}

/* db_ping: 0 when a trivial query on this thread's connection works. */
int
db_ping(void)
{
	sqlite3_stmt *st = db_prepare("SELECT count(*) FROM sqlite_master");
	int rc;

	if (st == NULL)
		return -1;
	rc = db_step(st) == SQLITE_ROW ? 0 : -1;
	db_done(st);
	return rc;
}

/*
 * db_prepare: the cached prepared statement for SQL, a string literal.
 * Returns NULL if the connection or the SQL is broken. Hand it back with
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
	sqlite3_bind_int64(st, param(st, name), v);
}

void
db_bind_text(sqlite3_stmt *st, const char *name, const char *s)
{
	int i = param(st, name);

	if (s == NULL)
		sqlite3_bind_null(st, i);
	else
		sqlite3_bind_text(st, i, s, -1, SQLITE_TRANSIENT);
}

void
db_bind_blob(sqlite3_stmt *st, const char *name, const void *p, size_t n)
{
	int i = param(st, name);

	if (p == NULL)
		sqlite3_bind_null(st, i);
	else
		sqlite3_bind_blob(st, i, p, (int)n, SQLITE_TRANSIENT);
}

void
db_bind_null(sqlite3_stmt *st, const char *name)
{
	sqlite3_bind_null(st, param(st, name));
}

/* db_step: sqlite3_step, logging real errors; SQLITE_ROW, SQLITE_DONE or an error. */
int
db_step(sqlite3_stmt *st)
{
	int rc = sqlite3_step(st);

	if (rc != SQLITE_ROW && rc != SQLITE_DONE)
		logmsg("db: \"%s\": %s", sqlite3_sql(st),
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

/* db_changes: rows changed by the last statement on this thread. */
int
db_changes(void)
{
	struct conn *c = db_conn();

	return c ? sqlite3_changes(c->db) : 0;
}

int64_t
db_last_id(void)
{
	struct conn *c = db_conn();

	return c ? sqlite3_last_insert_rowid(c->db) : 0;
}

/* db_text: column I as a fresh string (NULL stays NULL); caller frees. */
char *
db_text(sqlite3_stmt *st, int i)
{
	const unsigned char *s = sqlite3_column_text(st, i);

	return s ? xstrdup((const char *)s) : NULL;
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
