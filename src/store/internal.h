/* internal.h - what the store's modules share and nothing outside src/store
 * may include: the store struct, units of work, and row-reading helpers.
 *
 * One way to read rows.  A statement that returns rows is described once
 * (store_rows: its SQL, the size of a row, a row reader) and run by
 * store_rows_run (every row), store_list_run (a counted page) or
 * store_row_get (the one row, or NOT_FOUND).  The first two step it,
 * append a zeroed row to an arena-backed buffer (util/buf.h) and let the
 * reader fill it, so a resource writes only its SQL, its binds (store_value:
 * typed, in placeholder order) and its reader.  A single write statement
 * goes through store_write_run (store_write_row when it must touch a row).
 * A row a resource writes both alone and in bulk has its values written
 * once (a store_row_values function), for both statements.
 *
 * A unit of work (store_op) makes one store_* call atomic and consistent
 * whether or not the caller opened a transaction:
 *   - outside a transaction, a write op is its own BEGIN IMMEDIATE ...
 *     COMMIT, and a read op of several statements is one read snapshot;
 *   - inside the caller's transaction, a write op is a savepoint, so a
 *     failed call leaves no partial effect and the caller may still commit
 *     what came before; a read op needs nothing.
 * Single-statement calls skip the op: one statement is atomic by itself.
 *
 * `deleted + 0 = 0`.  A statement meant for another index than the partial
 * ones (WHERE deleted = 0: get-by-remote_id and uniqueness) tests liveness
 * as `deleted + 0 = 0`, so that no partial index can serve it.  A planner
 * without statistics yet (PostgreSQL on a new database, say one filled by a
 * first large collection) takes `deleted = 0` to hold for 0.5% of the rows
 * and would walk every live row of the calendar or center through the
 * partial index, instead of the primary key or a time window: per row of
 * the collection, so quadratic.  Lookups by remote_id keep `deleted = 0`. */
#ifndef AGENDA_STORE_INTERNAL_H
#define AGENDA_STORE_INTERNAL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "store/db.h"
#include "store/store.h"
#include "util/arena.h"

struct store {
    db *db;
    bool erased; /* the open transaction erased personal data: store_erased */
};

typedef enum store_op_kind {
    STORE_OP_READ,
    STORE_OP_WRITE,
} store_op_kind;

typedef struct store_op {
    store_op_kind kind;
    bool began;     /* we opened a transaction: commit or roll back */
    bool savepoint; /* we opened a savepoint: release or roll back to it */
} store_op;

/* Starts a unit of work.  The caller always ends it with store_op_end,
 * passing its final code (ending a unit whose begin failed is harmless). */
store_rc store_op_begin(store *st, store_op *op, store_op_kind kind);
/* Ends the unit: keeps its effects when rc is STORE_OK (a failed commit
 * turns into its code), undoes them otherwise.  Returns the final code. */
store_rc store_op_end(store *st, store_op *op, store_rc rc);

/* Notes that the unit of work in progress erases personal data.  Once the
 * outermost transaction commits, store_op_end empties SQLite's write-ahead
 * log (PRAGMA wal_checkpoint(TRUNCATE)), which otherwise keeps the pages
 * as they were before until later writes happen to overwrite them.  A
 * checkpoint needs no reader behind it: when one is, the log keeps them
 * until the next erasure; the outcome is never the commit's. */
void store_erased(store *st);

/* Copies text column `col` into the arena; *out is NULL for SQL NULL.
 * STORE_ERROR (logged) when the arena is full or the driver could not
 * produce the text (db.h: column_text). */
store_rc store_column_text(db_stmt *s, int col, arena *a, const char **out);

/* Fills one row (of a known struct type) from the current row of s, copying
 * text into the arena; STORE_ERROR (logged) when the arena is full. */
typedef store_rc (*store_row_reader)(db_stmt *s, arena *a, void *row);

/* The value of one placeholder: an integer, text (NULL: SQL NULL), the
 * `size` bytes of a blob, or SQL NULL. */
typedef struct store_value {
    enum { STORE_VALUE_INT64, STORE_VALUE_TEXT, STORE_VALUE_BLOB, STORE_VALUE_NULL } kind;
    int64_t int64;
    const char *text;
    const void *blob;
    size_t size;
} store_value;

#define STORE_INT64(v)   ((store_value){.kind = STORE_VALUE_INT64, .int64 = (v)})
#define STORE_TEXT(v)    ((store_value){.kind = STORE_VALUE_TEXT, .text = (v)})
#define STORE_BLOB(v, n) ((store_value){.kind = STORE_VALUE_BLOB, .blob = (v), .size = (n)})
#define STORE_NULL       ((store_value){.kind = STORE_VALUE_NULL})
/* v, or SQL NULL when `present` is false (an optional integer column) */
#define STORE_INT64_IF(present, v) ((present) ? STORE_INT64(v) : STORE_NULL)

/* Binds values[0..n) to placeholders first .. first + n - 1 (texts are not
 * copied: db.h). */
void store_bind_values(db_stmt *s, int first, const store_value *values, int n);

/* Runs the write statement `sql` with binds[0..n_binds) for its
 * placeholders, stepped to its end (store_step_write): *row (NULL: not
 * wanted) tells whether it returned a row, and *id (NULL: not wanted) gets
 * that row's first column.  Errors as db_step. */
store_rc store_write_run(db *d, const char *sql, const store_value *binds, int n_binds, bool *row,
                         int64_t *id);
/* store_write_run for a statement that names one row and returns it:
 * NOT_FOUND when it returned none. */
store_rc store_write_row(db *d, const char *sql, const store_value *binds, int n_binds);

/* A statement that returns rows, and how to read them: `sql` (static, as
 * db.h asks) and `read`, which fills one row of row_size bytes.  Written
 * once per statement, next to its reader. */
typedef struct store_rows {
    const char *sql;
    size_t row_size;
    store_row_reader read;
} store_rows;

/* Runs q->sql on d with binds[0..n_binds) for its placeholders, in order,
 * and reads every row it returns: *out gets an arena array of the *n rows
 * (NULL when there are none, or on failure).  One statement, so no unit of
 * work: a caller reading several in one snapshot opens one.  STORE_ERROR
 * (logged) when the arena is full; otherwise errors as db_step. */
store_rc store_rows_run(db *d, const store_rows *q, const store_value *binds, int n_binds, arena *a,
                        void **out, size_t *n);

/* Runs q->sql (which selects at most one row) with binds[0..n_binds) and
 * reads its row into *row (`a` may be NULL for a reader that copies
 * nothing).  NOT_FOUND when there is none; otherwise errors as
 * store_rows_run. */
store_rc store_row_get(db *d, const store_rows *q, const store_value *binds, int n_binds, arena *a,
                       void *row);

/* A row reader for a statement whose first column is an integer (an id, a
 * count): *row is an int64_t.  Copies nothing. */
store_rc store_read_id(db_stmt *s, arena *a, void *row);

/* store_busy_list at `now` (holds with expires_at > now count), leaving
 * out hold `except_hold` (0: none): what booking a hold checks is free but
 * for the hold itself. */
store_rc store_busy_window(store *st, int64_t calendar_id, int64_t from, int64_t to, int64_t now,
                           int64_t except_hold, arena *a, busy_interval **out, size_t *n);

/* LIMIT and OFFSET for a list query's page (page 0: every row). */
void store_page_window(const list_query *q, int64_t *limit, int64_t *offset);
/* Rows a page will hold out of `total` matches: an initial capacity. */
size_t store_page_rows(int64_t total, int64_t limit, int64_t offset);

/* A paged list: a COUNT(*) statement and a rows statement sharing their
 * leading int64 placeholders (binds[0..n_binds)); the rows statement ends
 * with "LIMIT ? OFFSET ?".  `read` fills one row of row_size bytes. */
typedef struct store_list {
    const char *count_sql;
    const char *rows_sql;
    const int64_t *binds;
    int n_binds;
    size_t row_size;
    store_row_reader read;
} store_list;

/* Runs a paged list in one read snapshot: *total gets the count of every
 * match, *out an arena array of the page's *n rows (NULL when empty). */
store_rc store_list_run(store *st, const store_list *l, const list_query *q, arena *a, void **out,
                        size_t *n, int64_t *total);

/* A paged list whose binds are of any type: count_sql (one COUNT(*)) and
 * rows_q->sql share their leading placeholders, binds[0..n_binds) (at most
 * STORE_PAGE_MAX_BINDS), and rows_q->sql ends with "LIMIT ? OFFSET ?".  In
 * one read snapshot: *total gets the count of every match, *out an arena
 * array of the page's *n rows (NULL when empty). */
#define STORE_PAGE_MAX_BINDS 8
store_rc store_page_run(store *st, const char *count_sql, const store_rows *rows_q,
                        const store_value *binds, int n_binds, const list_query *q, arena *a,
                        void **out, size_t *n, int64_t *total);

/* Reads the one live row an object_ref names within its owner (a center or
 * a calendar): by_id takes (id, owner), by_remote_id takes (owner,
 * remote_id).  NOT_FOUND when there is none; `read` fills *row. */
store_rc store_get_by_ref(store *st, const char *by_id, const char *by_remote_id, int64_t owner,
                          const object_ref *ref, arena *a,
                          store_rc (*read)(db_stmt *s, arena *a, void *row), void *row);

/* Runs a statement that touches the appointments of a referenced row
 * (patient or service) whose shown fields change: binds now, id, now, id,
 * then the n (at most 2) new values.  Errors as db_step. */
store_rc store_touch_appointments(store *st, const char *sql, int64_t now, int64_t id,
                                  const char *const *values, int n);

/* ---- bulk statements (collections) ------------------------------------
 *
 * A bulk statement does for up to STORE_BULK_ROWS rows what a single-row
 * statement does for one, so a collection costs a few statements per
 * STORE_BULK_ROWS entries instead of a few per entry (on PostgreSQL each is
 * a round trip).  Its text is static like every statement's: BULK_LIST
 * repeats one row of placeholders STORE_BULK_ROWS times, as an IN list or as
 * the rows of a VALUES list.  A call with fewer rows leaves the rest unbound,
 * that is NULL, and every bulk statement ignores NULL rows: an IN list
 * matches no NULL, and a VALUES list is filtered on its first column (which
 * is never NULL in a real row).  The same text runs on both engines: VALUES
 * columns are named column1, column2, ... by both, and integer placeholders
 * are written CAST(? AS BIGINT) so that PostgreSQL knows their type even
 * when the first execution binds NULL to them. */
#define STORE_BULK_ROWS 500
#define BULK_R4(x)      x x x x
#define BULK_R9(x)      x x x x x x x x x
#define BULK_R10(x)     x x x x x x x x x x
/* r, then ", " r 499 times: STORE_BULK_ROWS copies in all */
#define BULK_LIST(r) r BULK_R9(", " r) BULK_R9(BULK_R10(", " r)) BULK_R4(BULK_R10(BULK_R10(", " r)))
#define BULK_INT     "CAST(? AS BIGINT)"

/* One bulk statement run over items[0..n), STORE_BULK_ROWS at a time. */
typedef struct store_bulk {
    const char *sql;     /* n_lead placeholders, STORE_BULK_ROWS rows, n_trail */
    const int64_t *lead; /* int64 values of the leading placeholders */
    int n_lead;
    const int64_t *trail; /* and of the trailing ones */
    int n_trail;
    int per_row; /* placeholders per row */
    const void *items;
    size_t n;
    /* Binds item k (k < n) to placeholders first .. first + per_row - 1. */
    void (*bind)(db_stmt *s, int first, const void *items, size_t k);
    /* Called for each row the statement returns, if not NULL. */
    store_rc (*row)(db_stmt *s, void *ctx);
    void *ctx;
} store_bulk;

/* Runs b->sql once per chunk of STORE_BULK_ROWS items; *rows (if not NULL)
 * gets the number of rows returned in all.  Errors as db_step; it is no
 * unit of work: the caller rolls its transaction back on failure. */
store_rc store_bulk_run(store *st, const store_bulk *b, size_t *rows);

/* Runs a bulk "INSERT ... SELECT ... FROM (VALUES ...) RETURNING id" over
 * b->items and sets *ids to an arena array of the b->n new ids in the order
 * of the items: both engines give ids out in increasing order as they
 * insert the VALUES rows, whatever order RETURNING lists them in.
 * STORE_ERROR when another number of rows came back. */
store_rc store_bulk_insert(store *st, const store_bulk *b, arena *a, int64_t **ids);

/* The rows of a bulk write that a statement binds: row picked[k] (row k
 * when picked is NULL) of rows, for k < n; row_size bytes each, id first. */
typedef struct store_pick {
    char *rows;
    size_t row_size;
    const size_t *picked;
    size_t n;
} store_pick;

/* Row k of the store_pick a bulk statement has as its items. */
static inline void *store_picked(const void *items, size_t k)
{
    const store_pick *p = items;
    return p->rows + (p->picked ? p->picked[k] : k) * p->row_size;
}

/* Splits rows[0..n) into *old (id set: to update) and *fresh (id 0: to
 * insert), each in input order.  STORE_ERROR when the arena is full. */
store_rc store_pick_split(void *rows, size_t row_size, size_t n, arena *a, store_pick *old,
                          store_pick *fresh);

/* Fills out[0..per_row) with the values `row` binds to its row of
 * placeholders in a bulk statement, in placeholder order. */
typedef void (*store_row_values)(const void *row, store_value *out);
/* The most placeholders a row of a bulk statement has. */
#define STORE_ROW_VALUES_MAX 16

/* The bulk statements of a *_write_many, each binding the values of
 * store_pick rows. */
typedef struct store_writes {
    const char *touch; /* optional: now, now, then rows to update */
    int touch_per_row;
    store_row_values touch_values;
    const char *update; /* RETURNING a row per live row updated */
    int update_per_row;
    store_row_values update_values;
    const char *insert; /* as store_bulk_insert */
    int insert_per_row;
    store_row_values insert_values;
} store_writes;

/* Runs w: the touch and updates of `old` (NOT_FOUND unless each updates a
 * live row), then the inserts of `fresh`, whose ids it sets.  Updates go
 * first: a remote_id one of them gives up may be taken by an insert. */
store_rc store_write_picks(store *st, const store_writes *w, const store_pick *old,
                           const store_pick *fresh, int64_t now, arena *a);

/* A *_write_many of a resource with nothing more to do: rows[0..n), of
 * row_size bytes each and all stamped `now`, split (store_pick_split) and
 * written (store_write_picks). */
store_rc store_write_many(store *st, const store_writes *w, void *rows, size_t row_size, size_t n,
                          int64_t now, arena *a);

/* What store_get_many needs of a resource: its bulk lookups of live rows by
 * id and by remote_id (an IN list, then the owner), its row
 * reader, and where a row keeps its id (first) and remote_id.
 *
 * Planners without statistics (a new SQLite database is never analyzed,
 * PostgreSQL's tables are not while a first load fills them) weigh an IN
 * list of a hundred values against any index with an equality on the
 * owner, and may walk every row of the owner: so bulk statements write the
 * owner of rows found by id as `owner + 0 = ?`, and lookups by remote_id
 * ask for their rows ORDER BY remote_id when another index starts with the
 * owner: SQLite then takes the remote_id index, which gives that order,
 * and PostgreSQL probes it with the list as it always does.  (A join of
 * VALUES rows does for SQLite too, but PostgreSQL, taking the owner to
 * have a row or two, hashed every row of the owner at each lookup.) */
typedef struct store_many {
    const char *by_ids;
    const char *by_remote_ids;
    store_rc (*read)(db_stmt *s, arena *a, void *row);
    size_t row_size;
    size_t remote_id_offset;
} store_many;

/* For each i < n: the live row refs[i] names within `owner` into
 * out[i * row_size], found[i] whether there is one (store.h: *_get_many). */
store_rc store_get_many(store *st, const store_many *m, int64_t owner, const object_ref *refs,
                        size_t n, arena *a, void *out, bool *found);

/* ---- work claimed with a lease ------------------------------------------
 *
 * Background work (messages to send; later calendar pushes, holds) lives in
 * rows with a due time and a lease: `lease_owner` and `lease_until`.  A
 * server claims due rows by writing its name and an expiry into them, in
 * one statement, and records the outcome only WHERE lease_owner is still
 * its own.  A killed server's lease simply lapses and the rows are claimed
 * again, so nothing is lost; on PostgreSQL the claim locks the rows it takes
 * and skips the ones another server is taking (FOR UPDATE SKIP LOCKED), so
 * no row is held by two servers at once.  On SQLite the claim runs under
 * the database's write lock.  A queue gives the claim statement per engine:
 * binds owner, lease_until, now, now, max; returns the ids claimed. */
typedef struct store_lease_queue {
    const char *claim_sqlite;
    const char *claim_postgres;
} store_lease_queue;

/* Claims up to `max` due rows of q for `owner` until now + lease_seconds;
 * *ids gets an arena array of the *n ids.  STORE_RETRY when a concurrent
 * claim won a race (try again later); otherwise errors as db_step. */
store_rc store_lease_claim(store *st, const store_lease_queue *q, const char *owner, int64_t now,
                           int64_t lease_seconds, size_t max, arena *a, int64_t **ids, size_t *n);

/* Why a planning runs (outbox.c). */
typedef enum outbox_cause {
    OUTBOX_WRITTEN,     /* the caller wrote the rows (their versions are raised) */
    OUTBOX_RULES,       /* the center's settings changed; the rows did not */
    OUTBOX_FIRST_RULES, /* the center has had settings since now: nothing was told */
} outbox_cause;

/* Replans the messages of the appointments rows[0..n) (ids set; a deleted
 * one needs only id, calendar_id, start and `deleted`), all of one calendar,
 * inside the caller's unit of work (outbox.c).  fresh[i] (fresh NULL: none)
 * says row i was inserted by this unit of work: version 1, nothing told,
 * no messages yet, so nothing is read for it.  `a` holds working memory.
 * Errors as db_step. */
store_rc store_outbox_plan(store *st, const appointment *rows, const bool *fresh, size_t n,
                           outbox_cause cause, int64_t now, arena *a);

/* Reads the reminder_settings columns, in their table order from column
 * `first` on, into *rs (outbox.c, for reminders.c). */
store_rc store_reminder_settings_read(db_stmt *s, int first, arena *a, reminder_settings *rs);

/* Logs an arena exhaustion and returns STORE_ERROR. */
store_rc store_out_of_memory(const char *where);

/* Lower-cases the ASCII letters of s in place: how emails are stored and
 * compared (accounts.c, migrate.c). */
void store_email_fold(char *s);

/* Steps a write statement to its end (a RETURNING row, if any, then done),
 * reporting in *row whether it returned a row (NULL: not wanted) and, when
 * id is not NULL, the first column of that row. */
store_rc store_step_write(db_stmt *s, bool *row, int64_t *id);

#endif
