/* db_sqlite.c - the SQLite driver of the db.h layer.
 *
 * One connection per store (per worker thread), opened with
 * SQLITE_OPEN_NOMUTEX since a store is used by one thread at a time.  At
 * open the connection is set up for a medical-records server:
 *   journal_mode=WAL    readers never block the writer nor it them;
 *   synchronous=FULL    the WAL is synced at every commit, so an
 *                       acknowledged write survives a power loss;
 *   busy_timeout=10s    writers (BEGIN IMMEDIATE) queue for the lock;
 *   foreign_keys=ON     references are checked by the database.
 *
 * Prepared statements are cached per connection (stmt_cache.c, keyed by
 * the address of the SQL text, see db.h), prepared with
 * SQLITE_PREPARE_PERSISTENT and reset after each use.  Extended result codes
 * are on, so constraint failures can be told apart; classify() is the one
 * place where SQLite codes become store_rc values.
 *
 * Two shortcuts keep writes close to what SQLite does from C by hand:
 * - Text and blobs are bound SQLITE_STATIC, not copied: db.h asks callers
 *   to keep them alive until db_reset, which also clears the bindings.
 * - SQLite answers RETURNING from a temporary table it builds for every
 *   statement, a tenth of the cost of a small INSERT.  A one-row "INSERT
 *   ... VALUES (...) RETURNING id" (always on a table whose id is the
 *   rowid) is therefore prepared without the clause, and its one row is
 *   answered from sqlite3_last_insert_rowid.  A bulk insert (INSERT ...
 *   SELECT, store/internal.h) keeps its RETURNING: it has a row per id. */
#include <assert.h>
#include <ctype.h>
#include <pthread.h>
#include <sqlite3.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "store/db.h"
#include "store/db_log.h"
#include "store/stmt_cache.h"

#define BUSY_TIMEOUT_MS 10000
#define RETRY_MS        5

typedef struct sqlite_db sqlite_db;

typedef struct sqlite_stmt {
    db_stmt base; /* first: the driver table */
    sqlite_db *owner;
    sqlite3_stmt *stmt;
    const char *sql; /* cache key, static storage */
    int bind_rc;     /* first bind failure since the last reset */
    bool in_use;     /* handed out by prepare, not yet reset */
    /* An INSERT prepared without its "RETURNING id" (see the top): */
    bool returns_rowid;
    int rowid_state; /* 0: not run; 1: its row is current; 2: done */
    sqlite3_int64 rowid;
} sqlite_stmt;

/* The clause an INSERT's rowid answers; see the top of the file. */
static const char RETURNING_ROWID[] = " RETURNING id";

/* True when sql is a one-row INSERT (no SELECT: a bulk insert's rows come
 * from one) ending in RETURNING_ROWID. */
static bool insert_returning_rowid(const char *sql)
{
    size_t len = strlen(sql), tail = sizeof RETURNING_ROWID - 1;
    return strncmp(sql, "INSERT ", 7) == 0 && !strstr(sql, " SELECT ") && len > tail &&
           strcmp(sql + len - tail, RETURNING_ROWID) == 0;
}

struct sqlite_db {
    db base; /* first: the driver table */
    sqlite3 *handle;
    stmt_cache stmts;
};

static sqlite_db *as_sqlite(db *d)
{
    assert(d && d->driver == &db_sqlite_driver);
    return (sqlite_db *)d;
}

static sqlite_stmt *as_stmt(db_stmt *s)
{
    assert(s && s->driver == &db_sqlite_driver);
    return (sqlite_stmt *)s;
}

/* ---- errors ----------------------------------------------------------- */

/* Maps an (extended) SQLite result code to a store_rc. */
static store_rc classify(int code)
{
    switch (code) {
    case SQLITE_CONSTRAINT_UNIQUE:
    case SQLITE_CONSTRAINT_PRIMARYKEY:
        return STORE_CONFLICT;
    case SQLITE_CONSTRAINT_FOREIGNKEY:
        return STORE_NOT_FOUND;
    default:
        break;
    }
    switch (code & 0xff) {
    case SQLITE_BUSY:
    case SQLITE_LOCKED:
    case SQLITE_IOERR:
    case SQLITE_CANTOPEN:
    case SQLITE_FULL:
    case SQLITE_PROTOCOL:
        return STORE_UNAVAILABLE;
    default:
        return STORE_ERROR;
    }
}

/* Logs one line about a failure (db_log.h): the engine's message and the
 * start of the statement's text.  Bound values are never part of either. */
static void log_failure(const char *message, int code, const char *sql)
{
    char cause[96];
    snprintf(cause, sizeof cause, "%s, code %d", sqlite3_errstr(code), code);
    db_log_failure("sqlite", message, cause, sql);
}

/* Classifies a failure of `code` on connection `d` while running `sql`,
 * logging it unless it is an expected outcome (conflict, missing
 * reference). */
static store_rc fail(sqlite_db *d, int code, const char *sql)
{
    store_rc rc = classify(code);
    if (rc == STORE_ERROR || rc == STORE_UNAVAILABLE)
        log_failure(sqlite3_errmsg(d->handle), code, sql);
    return rc;
}

/* Returns in *out the cached statement for `sql`, preparing it on first use.
 * The caller gives it back with sqlite_reset. */
static store_rc sqlite_prepare(db *dbase, const char *sql, db_stmt **out)
{
    sqlite_db *d = as_sqlite(dbase);
    sqlite_stmt *s = stmt_cache_find(&d->stmts, sql);
    if (s) {
        assert(!s->in_use && "statement used twice at once");
        s->in_use = true;
        *out = &s->base;
        return STORE_OK;
    }

    store_rc rc = STORE_OK;
    sqlite3_stmt *handle = NULL;
    const char *tail = NULL;
    bool returns_rowid = insert_returning_rowid(sql);
    int len = returns_rowid ? (int)(strlen(sql) - (sizeof RETURNING_ROWID - 1)) : -1;
    int code = sqlite3_prepare_v3(d->handle, sql, len, SQLITE_PREPARE_PERSISTENT, &handle, &tail);
    if (code != SQLITE_OK) {
        rc = fail(d, code, sql);
        goto done;
    }
    const char *end = returns_rowid ? sql + len : NULL; /* else the NUL */
    while (tail && tail != end && isspace((unsigned char)*tail))
        tail++;
    if (!handle || (tail && tail != end && *tail)) {
        log_failure("not exactly one statement", SQLITE_MISUSE, sql);
        rc = STORE_ERROR;
        goto done;
    }
    s = calloc(1, sizeof *s);
    if (!s) {
        log_failure("out of memory", SQLITE_NOMEM, sql);
        rc = STORE_ERROR;
        goto done;
    }
    s->base.driver = &db_sqlite_driver;
    s->owner = d;
    s->stmt = handle;
    s->sql = sql;
    s->returns_rowid = returns_rowid;
    if (!stmt_cache_add(&d->stmts, sql, s)) {
        log_failure("out of memory", SQLITE_NOMEM, sql);
        rc = STORE_ERROR;
        goto done;
    }
    handle = NULL; /* owned by the cache now */
    s->in_use = true;
    *out = &s->base;
    s = NULL;
done:
    if (s)
        free(s);
    sqlite3_finalize(handle);
    return rc;
}

static void sqlite_reset(db_stmt *sbase)
{
    sqlite_stmt *s = as_stmt(sbase);
    sqlite3_reset(s->stmt);
    sqlite3_clear_bindings(s->stmt);
    s->bind_rc = SQLITE_OK;
    s->in_use = false;
    s->rowid_state = 0;
}

/* ---- binding, stepping, columns --------------------------------------- */

static void bind_result(sqlite_stmt *s, int code)
{
    if (code != SQLITE_OK && s->bind_rc == SQLITE_OK)
        s->bind_rc = code;
}

static void sqlite_bind_int64(db_stmt *sbase, int i, int64_t v)
{
    sqlite_stmt *s = as_stmt(sbase);
    bind_result(s, sqlite3_bind_int64(s->stmt, i, v));
}

static void sqlite_bind_text(db_stmt *sbase, int i, const char *v)
{
    sqlite_stmt *s = as_stmt(sbase);
    if (v)
        bind_result(s, sqlite3_bind_text(s->stmt, i, v, -1, SQLITE_STATIC));
    else
        bind_result(s, sqlite3_bind_null(s->stmt, i));
}

static void sqlite_bind_blob(db_stmt *sbase, int i, const void *v, size_t n)
{
    sqlite_stmt *s = as_stmt(sbase);
    bind_result(s, sqlite3_bind_blob64(s->stmt, i, v, n, SQLITE_STATIC));
}

static void sqlite_bind_null(db_stmt *sbase, int i)
{
    sqlite_stmt *s = as_stmt(sbase);
    bind_result(s, sqlite3_bind_null(s->stmt, i));
}

static store_rc sqlite_step(db_stmt *sbase, bool *row)
{
    sqlite_stmt *s = as_stmt(sbase);
    assert(s->in_use);
    *row = false;
    if (s->bind_rc != SQLITE_OK) {
        log_failure("bind failed", s->bind_rc, s->sql);
        return STORE_ERROR;
    }
    if (s->returns_rowid && s->rowid_state) {
        s->rowid_state = 2; /* past its one row */
        return STORE_OK;
    }
    int code = sqlite3_step(s->stmt);
    if (code == SQLITE_ROW) {
        *row = true;
        return STORE_OK;
    }
    if (code != SQLITE_DONE)
        return fail(s->owner, code, s->sql);
    if (s->returns_rowid && sqlite3_changes(s->owner->handle) > 0) {
        s->rowid = sqlite3_last_insert_rowid(s->owner->handle);
        s->rowid_state = 1;
        *row = true;
    }
    return STORE_OK;
}

static bool sqlite_column_is_null(db_stmt *sbase, int i)
{
    assert(!as_stmt(sbase)->returns_rowid);
    return sqlite3_column_type(as_stmt(sbase)->stmt, i) == SQLITE_NULL;
}

static int64_t sqlite_column_int64(db_stmt *sbase, int i)
{
    sqlite_stmt *s = as_stmt(sbase);
    if (s->returns_rowid) {
        assert(i == 0 && s->rowid_state == 1);
        return s->rowid;
    }
    return sqlite3_column_int64(s->stmt, i);
}

static const char *sqlite_column_text(db_stmt *sbase, int i)
{
    assert(!as_stmt(sbase)->returns_rowid);
    return (const char *)sqlite3_column_text(as_stmt(sbase)->stmt, i);
}

static store_rc sqlite_column_blob(db_stmt *sbase, int i, const void **out, size_t *n)
{
    sqlite_stmt *s = as_stmt(sbase);
    assert(!s->returns_rowid);
    const void *p = sqlite3_column_blob(s->stmt, i); /* before _bytes, as SQLite asks */
    int len = sqlite3_column_bytes(s->stmt, i);
    *out = NULL;
    *n = 0;
    if (p) {
        *out = p;
        *n = len > 0 ? (size_t)len : 0;
    } else if (sqlite3_column_type(s->stmt, i) != SQLITE_NULL) {
        /* SQLite gives NULL for an empty blob, and when a conversion to a
         * blob runs out of memory */
        if (sqlite3_errcode(s->owner->handle) == SQLITE_NOMEM) {
            log_failure("out of memory", SQLITE_NOMEM, s->sql);
            return STORE_ERROR;
        }
        *out = "";
    }
    return STORE_OK;
}

/* ---- transactions and plain SQL --------------------------------------- */

static const char SQL_BEGIN_READ[] = "BEGIN";
static const char SQL_BEGIN_WRITE[] = "BEGIN IMMEDIATE";
static const char SQL_COMMIT[] = "COMMIT";
static const char SQL_ROLLBACK[] = "ROLLBACK";
static const char SQL_SAVEPOINT[] = "SAVEPOINT store_op";
static const char SQL_RELEASE[] = "RELEASE store_op";
static const char SQL_ROLLBACK_TO[] = "ROLLBACK TO store_op";

static bool sqlite_in_transaction(db *dbase)
{
    return sqlite3_get_autocommit(as_sqlite(dbase)->handle) == 0;
}

/* Runs one transaction-control statement (cached like any other). */
static store_rc sqlite_control(db *dbase, db_control op)
{
    const char *sql = NULL;
    switch (op) {
    case DB_BEGIN_READ:
        sql = SQL_BEGIN_READ;
        break;
    case DB_BEGIN_WRITE:
    case DB_BEGIN_SCHEMA: /* the write lock is database-wide already */
        sql = SQL_BEGIN_WRITE;
        break;
    case DB_COMMIT:
        sql = SQL_COMMIT;
        break;
    case DB_ROLLBACK:
        sql = SQL_ROLLBACK;
        break;
    case DB_SAVEPOINT:
        sql = SQL_SAVEPOINT;
        break;
    case DB_RELEASE:
        sql = SQL_RELEASE;
        break;
    case DB_ROLLBACK_TO:
        sql = SQL_ROLLBACK_TO;
        break;
    }
    assert(sql);
    db_stmt *s = NULL;
    bool row = false;
    store_rc rc = sqlite_prepare(dbase, sql, &s);
    if (rc == STORE_OK)
        rc = sqlite_step(s, &row);
    if (s)
        sqlite_reset(s);
    return rc;
}

static store_rc sqlite_exec(db *dbase, const char *sql)
{
    sqlite_db *d = as_sqlite(dbase);
    int code = sqlite3_exec(d->handle, sql, NULL, NULL, NULL);
    return code == SQLITE_OK ? STORE_OK : fail(d, code, sql);
}

/* ---- connection ------------------------------------------------------- */

/* Finalizes and frees a cached statement (stmt_cache_clear's callback). */
static void stmt_release(void *stmt)
{
    sqlite_stmt *s = stmt;
    sqlite3_finalize(s->stmt);
    free(s);
}

static void sqlite_close(db *dbase)
{
    if (!dbase)
        return;
    sqlite_db *d = as_sqlite(dbase);
    stmt_cache_clear(&d->stmts, stmt_release);
    int code = sqlite3_close(d->handle);
    if (code != SQLITE_OK)
        log_failure(sqlite3_errstr(code), code, "close");
    free(d);
}

/* Runs a PRAGMA that answers with one text value and checks it equals
 * `want` (case-insensitive).  Sets *code to SQLite's result code. */
static store_rc pragma_expect(sqlite_db *d, const char *sql, const char *want, int *code,
                              char **err)
{
    store_rc rc = STORE_OK;
    sqlite3_stmt *st = NULL;
    *code = sqlite3_prepare_v2(d->handle, sql, -1, &st, NULL);
    if (*code == SQLITE_OK)
        *code = sqlite3_step(st);
    if (*code != SQLITE_ROW) {
        rc = classify(*code);
        db_log_set_error(err, sql, sqlite3_errmsg(d->handle));
        goto done;
    }
    const char *got = (const char *)sqlite3_column_text(st, 0);
    if (!got || strcasecmp(got, want) != 0) {
        rc = STORE_ERROR;
        db_log_set_error(err, sql, got ? got : "no answer");
        goto done;
    }
done:
    sqlite3_finalize(st);
    return rc;
}

/* Switches the file to WAL.  While another connection is creating the same
 * new database the switch can fail at once with "database is locked"
 * (SQLite does not wait in the busy handler there), so it is retried for up
 * to the busy timeout. */
static store_rc set_wal(sqlite_db *d, char **err)
{
    int code = SQLITE_OK;
    store_rc rc = STORE_OK;
    for (int waited = 0;; waited += RETRY_MS) {
        rc = pragma_expect(d, "PRAGMA journal_mode = WAL", "wal", &code, err);
        int primary = code & 0xff;
        if (rc == STORE_OK || (primary != SQLITE_BUSY && primary != SQLITE_LOCKED) ||
            waited >= BUSY_TIMEOUT_MS)
            return rc;
        if (err) {
            free(*err);
            *err = NULL;
        }
        sqlite3_sleep(RETRY_MS);
    }
}

/* Once per process, before the first connection: SQLite's memory
 * statistics take a global mutex on every allocation, which every worker
 * thread then contends for; nothing here reads those statistics. */
static void sqlite_configure(void)
{
    sqlite3_config(SQLITE_CONFIG_MEMSTATUS, 0);
}

static store_rc sqlite_open(const char *url, db **out, char **err)
{
    static pthread_once_t configured = PTHREAD_ONCE_INIT;
    pthread_once(&configured, sqlite_configure);
    assert(url && out);
    if (err)
        *err = NULL;
    store_rc rc = STORE_OK;
    sqlite_db *d = calloc(1, sizeof *d);
    if (!d) {
        db_log_set_error(err, "cannot open database", "out of memory");
        return STORE_ERROR;
    }
    d->base.driver = &db_sqlite_driver;
    const int flags =
        SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX | SQLITE_OPEN_URI;
    int code = sqlite3_open_v2(url, &d->handle, flags, NULL);
    if (code != SQLITE_OK) {
        rc = d->handle ? classify(sqlite3_extended_errcode(d->handle)) : STORE_ERROR;
        db_log_set_error(err, url, d->handle ? sqlite3_errmsg(d->handle) : sqlite3_errstr(code));
        goto done;
    }
    sqlite3_extended_result_codes(d->handle, 1);
    sqlite3_busy_timeout(d->handle, BUSY_TIMEOUT_MS);

    /* WAL is a property of the file and needs the file to be a database:
     * this is also where "not a database" shows. */
    rc = set_wal(d, err);
    if (rc != STORE_OK)
        goto done;
    /* secure_delete FAST: content a write removes (an erased patient's
     * fields) is zeroed where that costs no extra I/O, not left in free
     * space of the page */
    code = sqlite3_exec(d->handle,
                        "PRAGMA synchronous = FULL; PRAGMA foreign_keys = ON;"
                        " PRAGMA secure_delete = FAST",
                        NULL, NULL, NULL);
    if (code != SQLITE_OK) {
        rc = classify(code);
        db_log_set_error(err, url, sqlite3_errmsg(d->handle));
        goto done;
    }
    rc = pragma_expect(d, "PRAGMA foreign_keys", "1", &code, err);
    if (rc != STORE_OK)
        goto done;
    rc = pragma_expect(d, "PRAGMA synchronous", "2", &code, err);
    if (rc != STORE_OK)
        goto done;

    *out = &d->base;
    d = NULL;
done:
    if (d) {
        sqlite3_close(d->handle);
        free(d);
    }
    return rc;
}

const db_driver db_sqlite_driver = {
    .engine = DB_ENGINE_SQLITE,
    .open = sqlite_open,
    .close = sqlite_close,
    .in_transaction = sqlite_in_transaction,
    .control = sqlite_control,
    .exec = sqlite_exec,
    .prepare = sqlite_prepare,
    .bind_int64 = sqlite_bind_int64,
    .bind_text = sqlite_bind_text,
    .bind_blob = sqlite_bind_blob,
    .bind_null = sqlite_bind_null,
    .step = sqlite_step,
    .reset = sqlite_reset,
    .column_is_null = sqlite_column_is_null,
    .column_int64 = sqlite_column_int64,
    .column_text = sqlite_column_text,
    .column_blob = sqlite_column_blob,
};
