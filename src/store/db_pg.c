/* db_pg.c - the PostgreSQL driver of the db.h layer (libpq).
 *
 * One connection per store (per worker thread), opened with a bounded
 * connect_timeout.  Every (re)connection is set up the same way: terse
 * error messages (never DETAIL, which quotes key values), notices dropped,
 * and default_transaction_isolation = read committed, whatever the server's
 * default.
 *
 * Isolation.  A write transaction (DB_BEGIN_WRITE: a caller's transaction,
 * or a unit of work of several statements) is SERIALIZABLE, so read-merge-
 * write and collection upserts lose nothing to a concurrent writer on any
 * server; a loser gets 40001 (STORE_RETRY) and runs again, and that second
 * run goes alone: write transactions share a table lock that a run after a
 * lost race takes exclusively (SQL_BEGIN_WRITE), so a long collection is not
 * starved by a stream of short writers that keep winning.  A read snapshot
 * is REPEATABLE READ, READ ONLY.  A single statement outside a transaction
 * is atomic alone and its invariants are the database's constraints
 * (unique remote_ids, references) or hold whatever runs beside it (a
 * reference the store checked just before, where migration 8 dropped the
 * foreign key: referenced rows are never removed), so it runs READ
 * COMMITTED: made serializable, such statements took part in conflict
 * detection and were cancelled as pivots by the thousand next to a long
 * collection transaction, which in turn could not commit while they kept
 * coming.
 *
 * Statements.  The cache is keyed by the address of the SQL text, as in the
 * SQLite driver.  A cached statement holds the text with `?` translated to
 * $1..$n and a generated name; it is prepared on the server (PQprepare) at
 * its first execution in a session, with the parameter types of that
 * execution's binds (int8, text, bytea; 0 - inferred by the server - for a
 * NULL), then run with PQexecPrepared.  A bulk statement that reads tables
 * (db.h: DB_BULK_PARAMS; any but an INSERT) is instead sent as text each
 * time, as the unnamed statement, which PostgreSQL plans with the values
 * and table sizes of that execution: after a few runs a prepared statement
 * gets a generic plan, made once and kept, and one made while a table was
 * nearly empty walks the whole table once it has grown (the touch of a
 * hundred appointments' neighbours took a second).  A bulk INSERT reads no
 * table, so it stays prepared: planning its VALUES at every run cost as
 * much as the insert itself.  Values travel as text, bytea as binary;
 * text and bytea are handed to libpq where the caller keeps them (db.h:
 * alive until db_reset), not copied, as the SQLite driver does.  Results
 * come back as text and the getters convert (integers with strtoll, bytea
 * by unescaping), so they return what SQLite's do.  A result is read whole,
 * so db_step just walks its rows.
 *
 * A failed statement leaves a transaction as it was.  SQLite undoes just
 * the failed statement; PostgreSQL aborts the whole transaction.  The store
 * relies on the former (a conflict inside a caller's transaction must leave
 * the earlier work usable), so inside a transaction every write runs between
 * SAVEPOINT agenda_stmt and RELEASE agenda_stmt, sent with it in one
 * pipeline (one round trip).  An expected failure (unique or foreign key
 * violation) rolls back to that savepoint; any other failure leaves the
 * transaction aborted, so it can only be rolled back (and COMMIT of an
 * aborted transaction is refused, not silently turned into a rollback).
 * Bulk statements are the exception (db.h): their callers roll back after
 * any failure, so they run without a savepoint, and a failed one leaves the
 * transaction aborted.
 *
 * Errors are classified by SQLSTATE in classify(), the one place where
 * PostgreSQL codes become store_rc values; see the table there.
 *
 * Reconnection.  Before each use the driver reads whatever the server sent
 * while the connection was idle (PQconsumeInput), which is how a connection
 * closed by a server restart is noticed before a statement is sent on it.
 * A bad connection is reset (PQreset, bounded by connect_timeout) and the
 * statement cache forgets what was prepared (server-side statements died
 * with the session).  After a failed attempt, calls fail at once with
 * STORE_UNAVAILABLE for RECONNECT_PAUSE_MS, so a worker never waits on a
 * dead server more than once per pause.  A connection lost inside a
 * transaction is not reset until the caller has rolled back: the
 * transaction died with the session, and the rest of the caller's unit of
 * work must not run in autocommit on a new one. */
#include <assert.h>
#include <ctype.h>
#include <inttypes.h>
#include <libpq-fe.h>
#include <poll.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "store/db.h"
#include "store/db_log.h"
#include "store/stmt_cache.h"

#define CONNECT_TIMEOUT    "3" /* seconds, per connection attempt */
#define RECONNECT_PAUSE_MS 500
/* The key of the advisory lock that serializes schema migrations ("agenda"
 * in ASCII, then 1). */
#define SCHEMA_LOCK_KEY "7450489929097265153"

/* Type OIDs of the parameters (fixed in PostgreSQL's catalog; libpq's
 * headers do not carry them). */
#define OID_BYTEA 17
#define OID_INT8  20
#define OID_TEXT  25

typedef struct pg_db pg_db;

typedef struct pg_stmt {
    db_stmt base; /* first: the driver table */
    pg_db *owner;
    const char *sql;   /* cache key, static storage */
    char *text;        /* with $1..$n */
    char name[24];     /* server-side name, unique in the connection */
    int n_params;      /* number of placeholders */
    bool is_write;     /* INSERT, UPDATE or DELETE */
    bool bulk;         /* a bulk statement (db.h): no savepoint of its own */
    bool each_time;    /* a bulk statement that reads: planned at every run */
    uint64_t prepared; /* session it was prepared in (0: none) */

    /* binds, n_params of each; text and bytea values are the caller's
     * (db.h: alive until db_reset), never copied */
    const char **values; /* NULL: SQL NULL */
    int *lengths;        /* for binary values */
    int *formats;        /* 0 text, 1 binary */
    Oid *types;          /* 0 until bound (or NULL: inferred) */
    char (*numbers)[24]; /* text of int64 binds */
    int bad_bind;        /* first out-of-range index since the last reset */

    /* execution */
    PGresult *res;         /* NULL until executed */
    int row;               /* current row of res */
    unsigned char **blobs; /* this row's unescaped bytea per column, NULL until asked */
    size_t *blob_lens;
    bool in_use; /* handed out by prepare, not yet reset */
} pg_stmt;

struct pg_db {
    db base; /* first: the driver table */
    PGconn *conn;
    stmt_cache stmts;
    unsigned next_name;
    uint64_t session;    /* bumped at every successful (re)connection */
    bool ready;          /* the session is set up (session_setup) */
    bool txn_open;       /* a transaction was open when last seen */
    bool down;           /* the connection was lost (logged once) */
    bool lost_race;      /* the last transaction failed with STORE_RETRY */
    int64_t retry_after; /* monotonic ms before which no reset is tried */
};

static pg_db *as_pg(db *d)
{
    assert(d && d->driver == &db_pg_driver);
    return (pg_db *)d;
}

static pg_stmt *as_stmt(db_stmt *s)
{
    assert(s && s->driver == &db_pg_driver);
    return (pg_stmt *)s;
}

static int64_t now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* ---- errors ----------------------------------------------------------- */

/* Maps a SQLSTATE (NULL when there is none, as for a lost connection) to a
 * store_rc.  `conn_bad` wins: whatever the error, the server is gone.
 *   23505 unique violation          -> CONFLICT
 *   23503 foreign key violation     -> NOT_FOUND
 *   40001 serialization failure,
 *   40P01 deadlock                  -> RETRY
 *   class 08 connection exception,
 *   57P01/57P02/57P03 shutdown, crash, not accepting connections,
 *   class 53 insufficient resources (disk full, too many connections),
 *   class 58 system (I/O) error     -> UNAVAILABLE (db.h: I/O, disk full)
 *   anything else                   -> ERROR */
static store_rc classify(const char *sqlstate, bool conn_bad)
{
    if (conn_bad)
        return STORE_UNAVAILABLE;
    if (!sqlstate || strlen(sqlstate) != 5)
        return STORE_ERROR;
    if (strcmp(sqlstate, "23505") == 0)
        return STORE_CONFLICT;
    if (strcmp(sqlstate, "23503") == 0)
        return STORE_NOT_FOUND;
    if (strcmp(sqlstate, "40001") == 0 || strcmp(sqlstate, "40P01") == 0)
        return STORE_RETRY;
    if (strncmp(sqlstate, "08", 2) == 0 || strcmp(sqlstate, "57P01") == 0 ||
        strcmp(sqlstate, "57P02") == 0 || strcmp(sqlstate, "57P03") == 0 ||
        strncmp(sqlstate, "53", 2) == 0 || strncmp(sqlstate, "58", 2) == 0)
        return STORE_UNAVAILABLE;
    return STORE_ERROR;
}

/* The first line of libpq's message for the connection (its own messages,
 * such as "server closed the connection unexpectedly", have no fields). */
static void conn_message(PGconn *conn, char *out, size_t size)
{
    const char *m = conn ? PQerrorMessage(conn) : "out of memory";
    size_t len = strcspn(m, "\n");
    char first[256];
    if (len >= sizeof first)
        len = sizeof first - 1;
    memcpy(first, m, len);
    first[len] = '\0';
    db_log_one_line(first, out, size);
}

/* Logs one line about a failure of `sql`: the primary message only, never
 * DETAIL or HINT.  A data exception's primary message can quote the
 * offending input (a bound value), so for class 22 only the code is told. */
static void log_failure(const char *primary, const char *sqlstate, const char *sql)
{
    char cause[32];
    if (sqlstate && strncmp(sqlstate, "22", 2) == 0)
        primary = "data exception";
    snprintf(cause, sizeof cause, "SQLSTATE %s", sqlstate ? sqlstate : "none");
    db_log_failure("postgres", primary, cause, sql);
}

/* Classifies the failed result `res` (NULL: no result at all) of `sql` on
 * d, logging it unless it is an expected outcome (conflict, missing
 * reference, serialization failure).  A lost connection is logged once per
 * outage. */
static store_rc fail(pg_db *d, const PGresult *res, const char *sql)
{
    const char *sqlstate = res ? PQresultErrorField(res, PG_DIAG_SQLSTATE) : NULL;
    bool bad = PQstatus(d->conn) != CONNECTION_OK;
    store_rc rc = classify(sqlstate, bad);
    if (rc == STORE_RETRY)
        d->lost_race = true; /* its next write transaction runs alone */
    if (rc != STORE_ERROR && rc != STORE_UNAVAILABLE)
        return rc;
    if (bad && d->down)
        return rc;
    d->down = bad;
    const char *primary = res ? PQresultErrorField(res, PG_DIAG_MESSAGE_PRIMARY) : NULL;
    char msg[256];
    if (!primary) {
        conn_message(d->conn, msg, sizeof msg);
        primary = msg;
    }
    log_failure(primary, sqlstate, sql);
    return rc;
}

/* Remembers whether a transaction is open, while the connection can tell. */
static void note_state(pg_db *d)
{
    if (PQstatus(d->conn) != CONNECTION_OK)
        return;
    PGTransactionStatusType t = PQtransactionStatus(d->conn);
    d->txn_open = t == PQTRANS_INTRANS || t == PQTRANS_INERROR || t == PQTRANS_ACTIVE;
}

/* ---- sessions --------------------------------------------------------- */

static void drop_notice(void *arg, const char *message)
{
    (void)arg;
    (void)message;
}

static const char SQL_SESSION[] = "SET default_transaction_isolation = 'read committed'";

/* Sets up a new session on d->conn (see the file comment). */
static store_rc session_setup(pg_db *d)
{
    PQsetErrorVerbosity(d->conn, PQERRORS_TERSE);
    PQsetNoticeProcessor(d->conn, drop_notice, NULL);
    PGresult *res = PQexec(d->conn, SQL_SESSION);
    store_rc rc = PQresultStatus(res) == PGRES_COMMAND_OK ? STORE_OK : fail(d, res, SQL_SESSION);
    PQclear(res);
    if (rc == STORE_OK) {
        d->ready = true;
        d->session++;
    }
    return rc;
}

/* Reads what the server sent while the connection was idle, without
 * blocking.  A server that went away sent a FATAL message (given to the
 * notice processor) and then closed the socket; reading that end of stream
 * marks the connection bad, before a statement is sent on it and lost. */
static void drain_idle(PGconn *conn)
{
    for (int i = 0; i < 4 && PQstatus(conn) == CONNECTION_OK; i++) {
        struct pollfd p = {.fd = PQsocket(conn), .events = POLLIN};
        if (p.fd < 0 || poll(&p, 1, 0) <= 0 || !PQconsumeInput(conn))
            return;
        (void)PQisBusy(conn); /* parses what was read */
    }
}

/* Makes sure d has a working session before a call uses it: notices a
 * connection closed while idle, and resets a bad one unless a transaction
 * was open on it (the caller must roll back first) or the last attempt
 * failed less than RECONNECT_PAUSE_MS ago. */
static store_rc ensure_session(pg_db *d)
{
    drain_idle(d->conn);
    if (PQstatus(d->conn) == CONNECTION_OK && d->ready)
        return STORE_OK;
    if (PQstatus(d->conn) != CONNECTION_OK) {
        if (!d->down) {
            char msg[256];
            conn_message(d->conn, msg, sizeof msg);
            fprintf(stderr, "agenda: store: postgres: connection lost: %s\n", msg);
            d->down = true;
        }
        if (d->txn_open)
            return STORE_UNAVAILABLE; /* the caller's transaction is gone */
        if (now_ms() < d->retry_after)
            return STORE_UNAVAILABLE;
        d->ready = false;
        PQreset(d->conn);
    }
    store_rc rc = PQstatus(d->conn) == CONNECTION_OK ? session_setup(d) : STORE_UNAVAILABLE;
    if (rc != STORE_OK) {
        d->retry_after = now_ms() + RECONNECT_PAUSE_MS;
        return STORE_UNAVAILABLE;
    }
    if (d->down)
        fprintf(stderr, "agenda: store: postgres: reconnected\n");
    d->down = false;
    d->retry_after = 0;
    d->txn_open = false;
    return STORE_OK;
}

/* Frees the bytea values decoded for the current row. */
static void forget_blobs(pg_stmt *s)
{
    if (!s->blobs)
        return;
    for (int i = 0; i < PQnfields(s->res); i++) {
        PQfreemem(s->blobs[i]);
        s->blobs[i] = NULL;
    }
}

/* Frees the statement's bind copies and result, leaving it unbound. */
static void stmt_clear(pg_stmt *s)
{
    for (int i = 0; i < s->n_params; i++) {
        s->values[i] = NULL;
        s->lengths[i] = 0;
        s->formats[i] = 0;
        s->types[i] = 0;
    }
    forget_blobs(s);
    free(s->blobs);
    free(s->blob_lens);
    s->blobs = NULL;
    s->blob_lens = NULL;
    PQclear(s->res);
    s->res = NULL;
    s->row = 0;
    s->bad_bind = 0;
}

static void stmt_free(pg_stmt *s)
{
    if (!s)
        return;
    stmt_clear(s);
    free(s->text);
    free(s->values);
    free(s->lengths);
    free(s->formats);
    free(s->types);
    free(s->numbers);
    free(s);
}

/* A malloc'd copy of sql with each `?` replaced by $1..$n; sets *n. */
static char *translate(const char *sql, int *n)
{
    size_t marks = 0;
    for (const char *p = sql; *p; p++)
        marks += *p == '?';
    char *out = malloc(strlen(sql) + marks * 6 + 1);
    if (!out)
        return NULL;
    char *o = out;
    int k = 0;
    for (const char *p = sql; *p; p++) {
        if (*p == '?')
            o += sprintf(o, "$%d", ++k);
        else
            *o++ = *p;
    }
    *o = '\0';
    *n = k;
    return out;
}

/* True when the statement writes (it may then fail on a constraint). */
static bool is_write(const char *sql)
{
    while (isspace((unsigned char)*sql))
        sql++;
    return strncasecmp(sql, "INSERT", 6) == 0 || strncasecmp(sql, "UPDATE", 6) == 0 ||
           strncasecmp(sql, "DELETE", 6) == 0;
}

/* A new cache entry for `sql`, not yet prepared on the server. */
static pg_stmt *stmt_new(pg_db *d, const char *sql)
{
    pg_stmt *s = calloc(1, sizeof *s);
    if (!s)
        return NULL;
    s->base.driver = &db_pg_driver;
    s->owner = d;
    s->sql = sql;
    s->is_write = is_write(sql);
    snprintf(s->name, sizeof s->name, "agenda_%u", d->next_name++);
    s->text = translate(sql, &s->n_params);
    s->bulk = s->n_params >= DB_BULK_PARAMS;
    s->each_time = s->bulk && strncasecmp(sql, "INSERT", 6) != 0;
    size_t n = s->n_params > 0 ? (size_t)s->n_params : 1;
    s->values = calloc(n, sizeof *s->values);
    s->lengths = calloc(n, sizeof *s->lengths);
    s->formats = calloc(n, sizeof *s->formats);
    s->types = calloc(n, sizeof *s->types);
    s->numbers = calloc(n, sizeof *s->numbers);
    if (!s->text || !s->values || !s->lengths || !s->formats || !s->types || !s->numbers) {
        stmt_free(s);
        return NULL;
    }
    return s;
}

/* Returns in *out the cached statement for `sql`, creating it on first use.
 * Nothing is sent to the server here: the statement is prepared at its
 * first execution, when the binds give the parameter types. */
static store_rc pg_prepare(db *dbase, const char *sql, db_stmt **out)
{
    pg_db *d = as_pg(dbase);
    pg_stmt *s = stmt_cache_find(&d->stmts, sql);
    store_rc rc = STORE_OK;
    if (!s) {
        s = stmt_new(d, sql);
        if (!s || !stmt_cache_add(&d->stmts, sql, s)) {
            log_failure("out of memory", NULL, sql);
            stmt_free(s);
            rc = STORE_ERROR;
            goto done;
        }
    }
    assert(!s->in_use && "statement used twice at once");
    s->in_use = true;
    *out = &s->base;
done:
    return rc;
}

static void pg_reset(db_stmt *sbase)
{
    pg_stmt *s = as_stmt(sbase);
    stmt_clear(s);
    s->in_use = false;
}

/* ---- binding ---------------------------------------------------------- */

/* Slot of bind index i (1-based), or -1 (recorded, reported at step). */
static int bind_slot(pg_stmt *s, int i)
{
    if (i < 1 || i > s->n_params) {
        if (!s->bad_bind)
            s->bad_bind = i ? i : -1;
        return -1;
    }
    int k = i - 1;
    s->values[k] = NULL;
    s->lengths[k] = 0;
    s->formats[k] = 0;
    return k;
}

static void pg_bind_int64(db_stmt *sbase, int i, int64_t v)
{
    pg_stmt *s = as_stmt(sbase);
    int k = bind_slot(s, i);
    if (k < 0)
        return;
    snprintf(s->numbers[k], sizeof s->numbers[k], "%" PRId64, v);
    s->values[k] = s->numbers[k];
    s->types[k] = OID_INT8;
}

static void pg_bind_null(db_stmt *sbase, int i)
{
    pg_stmt *s = as_stmt(sbase);
    int k = bind_slot(s, i);
    if (k >= 0)
        s->types[k] = 0; /* the server infers it from the context */
}

static void pg_bind_text(db_stmt *sbase, int i, const char *v)
{
    pg_stmt *s = as_stmt(sbase);
    int k = bind_slot(s, i);
    if (k < 0)
        return;
    s->types[k] = v ? OID_TEXT : 0;
    s->values[k] = v; /* not copied: db.h keeps it alive until db_reset */
}

static void pg_bind_blob(db_stmt *sbase, int i, const void *v, size_t n)
{
    pg_stmt *s = as_stmt(sbase);
    int k = bind_slot(s, i);
    if (k < 0)
        return;
    s->types[k] = OID_BYTEA;
    if (n > INT32_MAX) {
        if (!s->bad_bind)
            s->bad_bind = i;
        return;
    }
    /* libpq reads `lengths` bytes of a binary value: any pointer will do
     * for an empty one, but not NULL (that is SQL NULL) */
    s->values[k] = n ? v : "";
    s->lengths[k] = (int)n;
    s->formats[k] = 1;
}

/* ---- execution -------------------------------------------------------- */

static const char SQL_STMT_SAVEPOINT[] = "SAVEPOINT agenda_stmt";
static const char SQL_STMT_RELEASE[] = "RELEASE SAVEPOINT agenda_stmt";
static const char SQL_STMT_UNDO[] =
    "ROLLBACK TO SAVEPOINT agenda_stmt; RELEASE SAVEPOINT agenda_stmt";

/* Prepares s on the server for the current session, with the types of its
 * current binds. */
static store_rc prepare_on_server(pg_db *d, pg_stmt *s)
{
    if (s->each_time || s->prepared == d->session)
        return STORE_OK;
    PGresult *res = PQprepare(d->conn, s->name, s->text, s->n_params, s->types);
    store_rc rc = PQresultStatus(res) == PGRES_COMMAND_OK ? STORE_OK : fail(d, res, s->sql);
    PQclear(res);
    if (rc == STORE_OK)
        s->prepared = d->session;
    return rc;
}

static bool result_ok(const PGresult *res)
{
    ExecStatusType st = PQresultStatus(res);
    return res && (st == PGRES_COMMAND_OK || st == PGRES_TUPLES_OK);
}

/* Sends s with its binds: by its server-side name, or, for a statement
 * planned at every execution, as text (the unnamed statement, which
 * PostgreSQL plans with the values it is given). */
static bool send_statement(PGconn *c, const pg_stmt *s)
{
    const char *const *values = (const char *const *)s->values;
    if (s->each_time)
        return PQsendQueryParams(c, s->text, s->n_params, s->types, values, s->lengths, s->formats,
                                 0);
    return PQsendQueryPrepared(c, s->name, s->n_params, values, s->lengths, s->formats, 0);
}

/* Reads the results of a pipeline of `n` queries and its sync into r[n]
 * (the first result of each query; NULL when none came).  Returns false
 * when the pipeline did not end cleanly (a lost connection). */
static bool pipeline_results(PGconn *conn, PGresult **r, int n)
{
    int q = 0;
    /* Each query's results end with NULL; the sync's result ends it all.
     * The bound only guards against a misbehaving connection. */
    for (int guard = 0; guard < 8 * (n + 1); guard++) {
        PGresult *x = PQgetResult(conn);
        if (x && PQresultStatus(x) == PGRES_PIPELINE_SYNC) {
            PQclear(x);
            return q == n;
        }
        if (!x) {
            if (PQstatus(conn) != CONNECTION_OK)
                return false;
            if (q < n)
                q++;
            continue;
        }
        if (q < n && !r[q])
            r[q] = x;
        else
            PQclear(x);
        if (PQstatus(conn) != CONNECTION_OK)
            return false;
    }
    return false;
}

/* Runs s inside its own savepoint (see the file comment) and returns its
 * result, or NULL with *rc set when something other than s failed. */
static PGresult *exec_in_savepoint(pg_db *d, pg_stmt *s, store_rc *rc)
{
    PGconn *c = d->conn;
    PGresult *r[3] = {NULL, NULL, NULL};
    PGresult *out = NULL;
    bool clean = PQenterPipelineMode(c) &&
                 PQsendQueryParams(c, SQL_STMT_SAVEPOINT, 0, NULL, NULL, NULL, NULL, 0) &&
                 send_statement(c, s) &&
                 PQsendQueryParams(c, SQL_STMT_RELEASE, 0, NULL, NULL, NULL, NULL, 0) &&
                 PQpipelineSync(c);
    if (clean)
        clean = pipeline_results(c, r, 3);
    if (PQpipelineStatus(c) != PQ_PIPELINE_OFF && !PQexitPipelineMode(c))
        clean = false;
    *rc = STORE_OK;
    if (!result_ok(r[0])) {
        *rc = fail(d, r[0], SQL_STMT_SAVEPOINT);
    } else if (!result_ok(r[1])) {
        /* the statement failed: an expected failure is undone */
        *rc = fail(d, r[1], s->sql);
        if (*rc == STORE_CONFLICT || *rc == STORE_NOT_FOUND) {
            PGresult *undo = PQexec(c, SQL_STMT_UNDO);
            if (!result_ok(undo))
                *rc = fail(d, undo, SQL_STMT_UNDO);
            PQclear(undo);
        }
    } else if (!result_ok(r[2])) {
        *rc = fail(d, r[2], SQL_STMT_RELEASE);
    } else if (!clean) {
        *rc = fail(d, NULL, s->sql);
    } else {
        out = r[1];
        r[1] = NULL;
    }
    for (int i = 0; i < 3; i++)
        PQclear(r[i]);
    return out;
}

/* Executes s (first step since its reset). */
static store_rc execute(pg_db *d, pg_stmt *s)
{
    assert(!s->res);
    store_rc rc = STORE_OK;
    PGresult *res = NULL;
    if (s->bad_bind) {
        fprintf(stderr, "agenda: store: postgres: bind %d failed in \"%.60s\"\n", s->bad_bind,
                s->sql);
        rc = STORE_ERROR;
        goto done;
    }
    if ((rc = ensure_session(d)) != STORE_OK || (rc = prepare_on_server(d, s)) != STORE_OK)
        goto done;
    if (s->is_write && !s->bulk && PQtransactionStatus(d->conn) == PQTRANS_INTRANS) {
        res = exec_in_savepoint(d, s, &rc);
        if (rc != STORE_OK)
            goto done;
    } else {
        const char *const *values = (const char *const *)s->values;
        res = s->each_time ? PQexecParams(d->conn, s->text, s->n_params, s->types, values,
                                          s->lengths, s->formats, 0)
                           : PQexecPrepared(d->conn, s->name, s->n_params, values, s->lengths,
                                            s->formats, 0);
        if (!result_ok(res)) {
            rc = fail(d, res, s->sql);
            goto done;
        }
    }
    s->res = res;
    res = NULL;
    s->row = 0;
done:
    PQclear(res);
    note_state(d);
    return rc;
}

static store_rc pg_step(db_stmt *sbase, bool *row)
{
    pg_stmt *s = as_stmt(sbase);
    assert(s->in_use);
    *row = false;
    store_rc rc = STORE_OK;
    if (!s->res) {
        rc = execute(s->owner, s);
        if (rc != STORE_OK)
            return rc;
    } else if (s->row < PQntuples(s->res)) {
        forget_blobs(s);
        s->row++;
    }
    *row = s->row < PQntuples(s->res);
    return rc;
}

/* ---- columns ---------------------------------------------------------- */

/* Asserts that s has a current row with a column i. */
static void check_column(const pg_stmt *s, int i)
{
    assert(s->res && s->row < PQntuples(s->res));
    assert(i >= 0 && i < PQnfields(s->res));
    (void)s;
    (void)i;
}

static bool pg_column_is_null(db_stmt *sbase, int i)
{
    pg_stmt *s = as_stmt(sbase);
    check_column(s, i);
    return PQgetisnull(s->res, s->row, i);
}

static int64_t pg_column_int64(db_stmt *sbase, int i)
{
    pg_stmt *s = as_stmt(sbase);
    check_column(s, i);
    if (PQgetisnull(s->res, s->row, i))
        return 0;
    return strtoll(PQgetvalue(s->res, s->row, i), NULL, 10);
}

static const char *pg_column_text(db_stmt *sbase, int i)
{
    pg_stmt *s = as_stmt(sbase);
    check_column(s, i);
    return PQgetisnull(s->res, s->row, i) ? NULL : PQgetvalue(s->res, s->row, i);
}

static store_rc pg_column_blob(db_stmt *sbase, int i, const void **out, size_t *n)
{
    pg_stmt *s = as_stmt(sbase);
    check_column(s, i);
    *out = NULL;
    *n = 0;
    if (PQgetisnull(s->res, s->row, i))
        return STORE_OK;
    if (!s->blobs) {
        s->blobs = calloc((size_t)PQnfields(s->res), sizeof *s->blobs);
        s->blob_lens = calloc((size_t)PQnfields(s->res), sizeof *s->blob_lens);
        if (!s->blobs || !s->blob_lens) {
            free(s->blobs);
            free(s->blob_lens);
            s->blobs = NULL;
            s->blob_lens = NULL;
        }
    }
    if (s->blobs && !s->blobs[i]) {
        const char *hex = PQgetvalue(s->res, s->row, i);
        /* NULL only when libpq cannot allocate the bytes */
        s->blobs[i] = PQunescapeBytea((const unsigned char *)hex, &s->blob_lens[i]);
    }
    if (!s->blobs || !s->blobs[i]) {
        log_failure("out of memory", NULL, s->sql);
        return STORE_ERROR;
    }
    *out = s->blobs[i];
    *n = s->blob_lens[i];
    return STORE_OK;
}

/* ---- transactions and plain SQL --------------------------------------- */

static const char SQL_BEGIN_READ[] = "BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY";
/* Write transactions also take a lock on the table schema_migrations
 * (which every migrated database has and no request writes), first, before
 * the transaction's snapshot: ROW SHARE, which write transactions share,
 * or, for a transaction run again after losing a race, EXCLUSIVE, which
 * waits for the running ones and holds new ones back until it ends. */
static const char SQL_BEGIN_WRITE[] = "BEGIN ISOLATION LEVEL SERIALIZABLE;"
                                      " LOCK TABLE schema_migrations IN ROW SHARE MODE";
static const char SQL_BEGIN_WRITE_ALONE[] = "BEGIN ISOLATION LEVEL SERIALIZABLE;"
                                            " LOCK TABLE schema_migrations IN EXCLUSIVE MODE";
/* Read committed: after waiting for the lock, each statement sees what the
 * migration that held it committed (a serializable snapshot would not). */
static const char SQL_BEGIN_SCHEMA[] = "BEGIN ISOLATION LEVEL READ COMMITTED;"
                                       " SELECT pg_advisory_xact_lock(" SCHEMA_LOCK_KEY ")";
static const char SQL_COMMIT[] = "COMMIT";
static const char SQL_ROLLBACK[] = "ROLLBACK";
static const char SQL_SAVEPOINT[] = "SAVEPOINT store_op";
static const char SQL_RELEASE[] = "RELEASE SAVEPOINT store_op";
static const char SQL_ROLLBACK_TO[] = "ROLLBACK TO SAVEPOINT store_op";

static bool pg_in_transaction(db *dbase)
{
    pg_db *d = as_pg(dbase);
    note_state(d);
    return d->txn_open;
}

/* Runs `sql` (no parameters, possibly several statements) and checks it
 * succeeded; with `tag`, also that the last command reported that tag. */
static store_rc run_simple(pg_db *d, const char *sql, const char *tag)
{
    PGresult *res = PQexec(d->conn, sql);
    store_rc rc = STORE_OK;
    if (!result_ok(res))
        rc = fail(d, res, sql);
    else if (tag && strcmp(PQcmdStatus(res), tag) != 0)
        rc = fail(d, NULL, sql);
    PQclear(res);
    note_state(d);
    return rc;
}

/* Runs one transaction-control operation. */
static store_rc pg_control(db *dbase, db_control op)
{
    pg_db *d = as_pg(dbase);
    store_rc rc = STORE_OK;
    drain_idle(d->conn);
    note_state(d);
    if (op == DB_ROLLBACK && PQstatus(d->conn) != CONNECTION_OK) {
        /* the server dropped the transaction with the session */
        d->txn_open = false;
        goto done;
    }
    if ((rc = ensure_session(d)) != STORE_OK)
        goto done;
    switch (op) {
    case DB_BEGIN_READ:
        rc = run_simple(d, SQL_BEGIN_READ, NULL);
        break;
    case DB_BEGIN_WRITE:
        rc = run_simple(d, d->lost_race ? SQL_BEGIN_WRITE_ALONE : SQL_BEGIN_WRITE, NULL);
        if (rc == STORE_OK)
            d->lost_race = false;
        break;
    case DB_BEGIN_SCHEMA:
        rc = run_simple(d, SQL_BEGIN_SCHEMA, NULL);
        break;
    case DB_COMMIT:
        if (PQtransactionStatus(d->conn) == PQTRANS_INERROR) {
            /* PostgreSQL would answer COMMIT with a rollback */
            fprintf(stderr, "agenda: store: postgres: commit of a failed transaction\n");
            (void)run_simple(d, SQL_ROLLBACK, NULL);
            rc = STORE_ERROR;
            break;
        }
        rc = run_simple(d, SQL_COMMIT, "COMMIT");
        break;
    case DB_ROLLBACK:
        rc = run_simple(d, SQL_ROLLBACK, NULL);
        if (PQstatus(d->conn) != CONNECTION_OK)
            d->txn_open = false; /* lost on the way: gone all the same */
        break;
    case DB_SAVEPOINT:
        rc = run_simple(d, SQL_SAVEPOINT, NULL);
        break;
    case DB_RELEASE:
        rc = run_simple(d, SQL_RELEASE, NULL);
        break;
    case DB_ROLLBACK_TO:
        rc = run_simple(d, SQL_ROLLBACK_TO, NULL);
        break;
    }
done:
    return rc;
}

static store_rc pg_exec(db *dbase, const char *sql)
{
    pg_db *d = as_pg(dbase);
    store_rc rc = ensure_session(d);
    if (rc == STORE_OK)
        rc = run_simple(d, sql, NULL);
    return rc;
}

/* ---- connection ------------------------------------------------------- */

/* stmt_cache_clear's callback. */
static void stmt_release(void *stmt)
{
    stmt_free(stmt);
}

static void pg_close(db *dbase)
{
    if (!dbase)
        return;
    pg_db *d = as_pg(dbase);
    stmt_cache_clear(&d->stmts, stmt_release);
    PQfinish(d->conn);
    free(d);
}

static store_rc pg_open(const char *url, db **out, char **err)
{
    assert(url && out);
    if (err)
        *err = NULL;
    store_rc rc = STORE_OK;
    pg_db *d = calloc(1, sizeof *d);
    if (!d) {
        db_log_set_error(err, "cannot connect to PostgreSQL", "out of memory");
        return STORE_ERROR;
    }
    d->base.driver = &db_pg_driver;
    char *bad = NULL;
    PQconninfoOption *parsed = PQconninfoParse(url, &bad);
    if (!parsed) {
        /* malformed: no use retrying (libpq's message quotes no password) */
        db_log_set_error(err, "invalid PostgreSQL URL", bad ? bad : "out of memory");
        PQfreemem(bad);
        rc = STORE_ERROR;
        goto done;
    }
    PQconninfoFree(parsed);
    /* `url` comes last, so what it says overrides these defaults */
    const char *const keys[] = {"connect_timeout", "application_name", "client_encoding", "dbname",
                                NULL};
    const char *const values[] = {CONNECT_TIMEOUT, "agenda", "UTF8", url, NULL};
    d->conn = PQconnectdbParams(keys, values, 1);
    if (PQstatus(d->conn) != CONNECTION_OK) {
        /* unreachable, refused, starting up, unknown database: not now */
        char msg[256];
        conn_message(d->conn, msg, sizeof msg);
        db_log_set_error(err, "cannot connect to PostgreSQL", msg);
        rc = STORE_UNAVAILABLE;
        goto done;
    }
    rc = session_setup(d);
    if (rc != STORE_OK) {
        db_log_set_error(err, "cannot set up the PostgreSQL session", PQerrorMessage(d->conn));
        goto done;
    }
    *out = &d->base;
    d = NULL;
done:
    if (d) {
        PQfinish(d->conn);
        free(d);
    }
    return rc;
}

const db_driver db_pg_driver = {
    .engine = DB_ENGINE_POSTGRES,
    .open = pg_open,
    .close = pg_close,
    .in_transaction = pg_in_transaction,
    .control = pg_control,
    .exec = pg_exec,
    .prepare = pg_prepare,
    .bind_int64 = pg_bind_int64,
    .bind_text = pg_bind_text,
    .bind_blob = pg_bind_blob,
    .bind_null = pg_bind_null,
    .step = pg_step,
    .reset = pg_reset,
    .column_is_null = pg_column_is_null,
    .column_int64 = pg_column_int64,
    .column_text = pg_column_text,
    .column_blob = pg_column_blob,
};
