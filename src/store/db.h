/* db.h - the engine-neutral SQL layer under the store.
 *
 * The resource modules (accounts.c, patients.c, ...) write each SQL statement
 * once, as a static string with `?` placeholders, and run it through this
 * interface; they never call an engine's API.  A driver (db_sqlite.c and
 * db_pg.c) fills a db_driver table of functions, and every connection
 * and statement starts with a pointer to its driver, so both drivers can be
 * linked into one program and store_open picks one by the URL.
 *
 * Rules a driver follows, and the resource code relies on:
 * - Statements are prepared once per connection and cached, keyed by the
 *   address of the SQL text.  db_prepare must only be given SQL in static
 *   storage (string literals, static const arrays), never a built string.
 *   A PostgreSQL driver translates the `?` placeholders to $1..$n when it
 *   prepares; SQL therefore never contains a `?` inside a literal, and each
 *   placeholder is bound separately (a value used twice is bound twice).
 * - Binds carry their type (int8, text, bytea), so a driver that needs
 *   parameter types (PostgreSQL) can pass them with the statement.
 * - A statement with DB_BULK_PARAMS placeholders or more is a bulk statement
 *   (store/internal.h).  One that reads tables (any but an INSERT) is
 *   planned at every execution, for the values and table sizes of that
 *   execution, by a driver whose engine would otherwise keep one plan.
 *   After a failed bulk statement the caller rolls back: the driver may
 *   have left the transaction unusable (PostgreSQL aborts it whole).
 * - Errors are classified here and only here, into store_rc:
 *     unique / primary key violation  -> STORE_CONFLICT (not logged)
 *     foreign key violation           -> STORE_NOT_FOUND (not logged: the
 *                                        referenced row does not exist)
 *     busy after the timeout, I/O,
 *     cannot open, disk full          -> STORE_UNAVAILABLE (logged)
 *     anything else                   -> STORE_ERROR (logged)
 *   A log entry is one line on stderr starting "agenda: store:" with the
 *   engine's message and the start of the SQL text (db_log.h writes it);
 *   it never contains a bound value (PostgreSQL's DETAIL field, which quotes key values, must
 *   not be logged).
 * - Bind errors (a bad index) are sticky: the bind functions return nothing
 *   and the next db_step reports STORE_ERROR.
 * - After use, every statement obtained from db_prepare is given back with
 *   db_reset (which also clears the bindings), on every path. */
#ifndef AGENDA_STORE_DB_H
#define AGENDA_STORE_DB_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "store/store.h"

/* Placeholders from which a statement is a bulk statement (see above). */
#define DB_BULK_PARAMS 100

typedef struct db db;
typedef struct db_stmt db_stmt;
typedef struct db_driver db_driver;

typedef enum db_engine {
    DB_ENGINE_SQLITE,
    DB_ENGINE_POSTGRES,
} db_engine;

/* Transaction control.  The BEGIN kinds differ per engine:
 *   DB_BEGIN_READ    a consistent snapshot for several reads
 *                    (SQLite: BEGIN; PostgreSQL: REPEATABLE READ, READ ONLY)
 *   DB_BEGIN_WRITE   takes the write lock at once so writers queue
 *                    (SQLite: BEGIN IMMEDIATE)
 *   DB_BEGIN_SCHEMA  a write transaction that also excludes every other
 *                    schema migration (SQLite: BEGIN IMMEDIATE already does;
 *                    PostgreSQL: BEGIN plus a transaction advisory lock)
 * The savepoint operations use one fixed savepoint name; they do not nest. */
typedef enum db_control {
    DB_BEGIN_READ,
    DB_BEGIN_WRITE,
    DB_BEGIN_SCHEMA,
    DB_COMMIT,
    DB_ROLLBACK,
    DB_SAVEPOINT,
    DB_RELEASE,
    DB_ROLLBACK_TO,
} db_control;

/* The functions of one driver.  Column indexes are 0-based, bind indexes
 * 1-based (the n-th `?`). */
struct db_driver {
    db_engine engine;
    /* Opens a connection; on failure sets *err (if not NULL) to a malloc'd
     * one-line message the caller frees. */
    store_rc (*open)(const char *url, db **out, char **err);
    /* Finalizes every cached statement and closes.  NULL is a no-op. */
    void (*close)(db *d);
    /* True while a transaction is open (ground truth from the engine: an
     * engine may end a transaction by itself after some errors). */
    bool (*in_transaction)(db *d);
    store_rc (*control)(db *d, db_control op);
    /* Runs SQL text without parameters, possibly several statements; not
     * cached (schema migrations only). */
    store_rc (*exec)(db *d, const char *sql);
    /* The cached statement for `sql` (static storage), reset and unbound. */
    store_rc (*prepare)(db *d, const char *sql, db_stmt **out);
    void (*bind_int64)(db_stmt *s, int i, int64_t v);
    /* NULL binds SQL NULL.  The value is not copied: it must stay valid
     * until the statement is reset (text and blobs alike). */
    void (*bind_text)(db_stmt *s, int i, const char *v);
    void (*bind_blob)(db_stmt *s, int i, const void *v, size_t n);
    void (*bind_null)(db_stmt *s, int i);
    /* Executes or advances: *row is true when a row is available.  A write
     * is complete (and, outside a transaction, committed) only once a step
     * has returned *row == false. */
    store_rc (*step)(db_stmt *s, bool *row);
    /* Gives the statement back: resets it and clears its bindings. */
    void (*reset)(db_stmt *s);
    bool (*column_is_null)(db_stmt *s, int i);
    int64_t (*column_int64)(db_stmt *s, int i);
    /* NULL for SQL NULL, or when the engine cannot convert the value for
     * lack of memory (column_is_null tells them apart); valid until the next
     * step or reset. */
    const char *(*column_text)(db_stmt *s, int i);
    /* Sets *out and *n to the bytes and length (NULL, 0 for SQL NULL; an
     * empty blob is not NULL), valid as column_text.  STORE_ERROR (logged
     * as out of memory, *out NULL) when the driver cannot hold them. */
    store_rc (*column_blob)(db_stmt *s, int i, const void **out, size_t *n);
};

/* Every driver's connection and statement structs begin with this member. */
struct db {
    const db_driver *driver;
};
struct db_stmt {
    const db_driver *driver;
};

extern const db_driver db_sqlite_driver;
extern const db_driver db_pg_driver;

/* True when `url` names a PostgreSQL server rather than a SQLite file. */
static inline bool db_url_is_postgres(const char *url)
{
    return strncmp(url, "postgres://", 11) == 0 || strncmp(url, "postgresql://", 13) == 0 ||
           strstr(url, "dbname=") != NULL || strstr(url, "host=") != NULL;
}

/* The driver for `url`: PostgreSQL for its URLs and conninfo strings, SQLite
 * (a file path) for everything else.  Never NULL. */
static inline const db_driver *db_driver_for(const char *url)
{
    return db_url_is_postgres(url) ? &db_pg_driver : &db_sqlite_driver;
}

/* ---- calls through the driver table ---------------------------------- */

static inline db_engine db_engine_of(const db *d)
{
    return d->driver->engine;
}
static inline void db_close(db *d)
{
    if (d)
        d->driver->close(d);
}
static inline bool db_in_transaction(db *d)
{
    return d->driver->in_transaction(d);
}
static inline store_rc db_control_run(db *d, db_control op)
{
    return d->driver->control(d, op);
}
static inline store_rc db_exec(db *d, const char *sql)
{
    return d->driver->exec(d, sql);
}
static inline store_rc db_prepare(db *d, const char *sql, db_stmt **out)
{
    return d->driver->prepare(d, sql, out);
}
static inline void db_bind_int64(db_stmt *s, int i, int64_t v)
{
    s->driver->bind_int64(s, i, v);
}
static inline void db_bind_text(db_stmt *s, int i, const char *v)
{
    s->driver->bind_text(s, i, v);
}
static inline void db_bind_blob(db_stmt *s, int i, const void *v, size_t n)
{
    s->driver->bind_blob(s, i, v, n);
}
static inline void db_bind_null(db_stmt *s, int i)
{
    s->driver->bind_null(s, i);
}
static inline store_rc db_step(db_stmt *s, bool *row)
{
    return s->driver->step(s, row);
}
/* NULL is a no-op, so exit paths can reset unconditionally. */
static inline void db_reset(db_stmt *s)
{
    if (s)
        s->driver->reset(s);
}
static inline bool db_column_is_null(db_stmt *s, int i)
{
    return s->driver->column_is_null(s, i);
}
static inline int64_t db_column_int64(db_stmt *s, int i)
{
    return s->driver->column_int64(s, i);
}
static inline const char *db_column_text(db_stmt *s, int i)
{
    return s->driver->column_text(s, i);
}
static inline store_rc db_column_blob(db_stmt *s, int i, const void **out, size_t *n)
{
    return s->driver->column_blob(s, i, out, n);
}

#endif
