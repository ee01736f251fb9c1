/* busy.c - external busy time (imported feeds, CalDAV) and the imported
 * feeds' rows: what the sync worker writes and the slot engine reads
 * (through store_busy_list, schedule.c).
 *
 * Bounded windows.  A window [S, E) selects the rows with stop > S and
 * start < E.  As for appointments (appointments.c), only `start` is
 * indexed (external_busy_window), so the rows need a known longest length
 * to bound the scan from below; here it is a constant: every write splits
 * an interval longer than EXTERNAL_BUSY_PIECE into consecutive pieces of at
 * most that length, so stop > S implies start > S - piece, and a window
 * read is the index range [S - piece, E) whatever the calendar's history.
 * Pieces of one interval touch end to start, which the slot engine treats
 * as one blocked span; store_external_busy_list joins them back.
 *
 * Replacing.  A feed's busy time is replaced whole (delete the source's
 * rows, insert the new ones) inside one unit of work, so a reader sees the
 * old set or the new one.  The inserts are bulk statements (internal.h),
 * STORE_BULK_ROWS rows each: a feed of thousands of instances costs a few
 * statements, not a round trip per instance on PostgreSQL.
 *
 * Imports.  An import's fetch is claimed with a lease (lease.c) and its
 * outcome recorded by store_import_finish WHERE lease_owner is the
 * claimer's, first, and only then the busy time replaced, in one unit of
 * work: an import removed or taken over meanwhile writes nothing. */
#include <assert.h>
#include <stdint.h>
#include <string.h>

#include "store/internal.h"
#include "util/buf.h"

/* One row of the bulk insert: the source and item are shared texts. */
typedef struct busy_row {
    const char *source;
    const char *item;
    int64_t start;
    int64_t stop;
} busy_row;

#define BUSY_ROW "(?, ?, " BULK_INT ", " BULK_INT ")"
/* leads: calendar_id, source_id */
static const char SQL_BUSY_INSERT[] =
    "INSERT INTO external_busy (calendar_id, source, source_id, item, start, stop)"
    " SELECT CAST(? AS BIGINT), column1, CAST(? AS BIGINT), column2, column3, column4"
    " FROM (VALUES " BULK_LIST(BUSY_ROW) ") AS v WHERE column1 IS NOT NULL";
static const char SQL_BUSY_DELETE_SOURCE[] =
    "DELETE FROM external_busy WHERE source = ? AND source_id = ?";
static const char SQL_BUSY_DELETE_ITEM[] =
    "DELETE FROM external_busy WHERE source = ? AND source_id = ? AND item = ?";
static const char SQL_BUSY_WINDOW[] = "SELECT start, stop FROM external_busy"
                                      " WHERE calendar_id = ? AND start >= ? AND start < ?"
                                      " AND stop > ? ORDER BY start, stop";

#define IMPORT_COLUMNS                                                                             \
    "id, calendar_id, url, interval_seconds, etag, last_modified, due_at, attempts,"               \
    " last_attempt, last_success, last_error, events, intervals, created_at, expanded_at"
static const char SQL_IMPORT_INSERT[] =
    "INSERT INTO calendar_imports (calendar_id, url, interval_seconds, due_at, created_at)"
    " VALUES (?, ?, ?, ?, ?) RETURNING id";
static const char SQL_CALENDAR_EXISTS[] = "SELECT COUNT(*) FROM calendars WHERE id = ?";
static const char SQL_IMPORT_LIST[] =
    "SELECT " IMPORT_COLUMNS " FROM calendar_imports WHERE calendar_id = ? ORDER BY id";
static const char SQL_IMPORT_GET[] = "SELECT " IMPORT_COLUMNS " FROM calendar_imports WHERE id = ?";
static const char SQL_IMPORT_DELETE[] =
    "DELETE FROM calendar_imports WHERE id = ? AND (calendar_id = ? OR ? = 0) RETURNING id";
static const char SQL_CLAIM_SQLITE[] =
    "UPDATE calendar_imports SET lease_owner = ?, lease_until = ?"
    " WHERE id IN (SELECT id FROM calendar_imports WHERE due_at <= ?"
    " AND (lease_until IS NULL OR lease_until <= ?) ORDER BY due_at, id LIMIT ?) RETURNING id";
static const char SQL_CLAIM_POSTGRES[] =
    "UPDATE calendar_imports SET lease_owner = ?, lease_until = ?"
    " WHERE id IN (SELECT id FROM calendar_imports WHERE due_at <= ?"
    " AND (lease_until IS NULL OR lease_until <= ?) ORDER BY due_at, id LIMIT ?"
    " FOR UPDATE SKIP LOCKED) RETURNING id";
static const store_lease_queue import_queue = {
    .claim_sqlite = SQL_CLAIM_SQLITE,
    .claim_postgres = SQL_CLAIM_POSTGRES,
};
/* binds: at, due_at, error, id, owner; a failure keeps validators and
 * counts */
static const char SQL_IMPORT_FAILED[] =
    "UPDATE calendar_imports SET attempts = attempts + 1, last_attempt = ?, due_at = ?,"
    " last_error = ?, lease_owner = NULL, lease_until = NULL"
    " WHERE id = ? AND lease_owner = ? RETURNING calendar_id";
/* binds: at, at, due_at, id, owner (304: nothing new) */
static const char SQL_IMPORT_UNCHANGED[] =
    "UPDATE calendar_imports SET attempts = 0, last_attempt = ?, last_success = ?,"
    " due_at = ?, last_error = NULL, lease_owner = NULL, lease_until = NULL"
    " WHERE id = ? AND lease_owner = ? RETURNING calendar_id";
/* binds: at, at, at, due_at, etag, last_modified, events, intervals, id, owner */
static const char SQL_IMPORT_REPLACED[] =
    "UPDATE calendar_imports SET attempts = 0, last_attempt = ?, last_success = ?,"
    " expanded_at = ?, due_at = ?,"
    " last_error = NULL, etag = ?, last_modified = ?, events = ?, intervals = ?,"
    " lease_owner = NULL, lease_until = NULL"
    " WHERE id = ? AND lease_owner = ? RETURNING calendar_id";

static void bind_busy_row(db_stmt *s, int first, const void *items, size_t k)
{
    const busy_row *r = &((const busy_row *)items)[k];
    db_bind_text(s, first, r->source);
    db_bind_text(s, first + 1, r->item);
    db_bind_int64(s, first + 2, r->start);
    db_bind_int64(s, first + 3, r->stop);
}

/* Appends the pieces of [start, stop) to *rows (a buffer of busy_row). */
static store_rc add_pieces(buf *rows, const char *source, const char *item, int64_t start,
                           int64_t stop)
{
    assert(start < stop);
    for (int64_t s = start; s < stop;) {
        int64_t e = stop - s > EXTERNAL_BUSY_PIECE ? s + EXTERNAL_BUSY_PIECE : stop;
        busy_row r = {source, item, s, e};
        if (!buf_add(rows, &r, sizeof r))
            return store_out_of_memory("external busy rows");
        s = e;
    }
    return STORE_OK;
}

/* Inserts the rows of rows (busy_row), in bulk. */
static store_rc insert_rows(store *st, int64_t calendar_id, int64_t source_id, const buf *rows)
{
    const int64_t lead[] = {calendar_id, source_id};
    const store_bulk b = {.sql = SQL_BUSY_INSERT,
                          .lead = lead,
                          .n_lead = 2,
                          .per_row = 4,
                          .items = rows->data,
                          .n = rows->len / sizeof(busy_row),
                          .bind = bind_busy_row};
    return b.n ? store_bulk_run(st, &b, NULL) : STORE_OK;
}

static inline bool source_ok(const char *source)
{
    return source &&
           (strcmp(source, BUSY_SOURCE_FEED) == 0 || strcmp(source, BUSY_SOURCE_CALDAV) == 0);
}

/* Deletes the source's rows and inserts rows[0..n), inside the caller's
 * unit of work. */
static store_rc replace_source(store *st, int64_t calendar_id, const char *source,
                               int64_t source_id, const external_busy *rows, size_t n, arena *a)
{
    buf pieces;
    buf_init(&pieces, SIZE_MAX / 2, a);
    const store_value del[] = {STORE_TEXT(source), STORE_INT64(source_id)};
    store_rc rc = store_write_run(st->db, SQL_BUSY_DELETE_SOURCE, del, 2, NULL, NULL);
    for (size_t i = 0; i < n && rc == STORE_OK; i++) {
        assert(rows[i].item && rows[i].start < rows[i].stop);
        rc = add_pieces(&pieces, source, rows[i].item, rows[i].start, rows[i].stop);
    }
    if (rc == STORE_OK)
        rc = insert_rows(st, calendar_id, source_id, &pieces);
    return rc;
}

store_rc store_external_busy_replace(store *st, int64_t calendar_id, const char *source,
                                     int64_t source_id, const external_busy *rows, size_t n,
                                     arena *a)
{
    assert(st && source_ok(source) && (rows || n == 0) && a);
    store_op op;
    store_rc rc = store_op_begin(st, &op, STORE_OP_WRITE);
    if (rc == STORE_OK)
        rc = replace_source(st, calendar_id, source, source_id, rows, n, a);
    return store_op_end(st, &op, rc);
}

store_rc store_external_busy_replace_item(store *st, int64_t calendar_id, const char *source,
                                          int64_t source_id, const char *item,
                                          const busy_interval *iv, size_t n, arena *a)
{
    assert(st && source_ok(source) && item && (iv || n == 0) && a);
    buf pieces;
    buf_init(&pieces, SIZE_MAX / 2, a);
    store_op op;
    store_rc rc = store_op_begin(st, &op, STORE_OP_WRITE);
    const store_value del[] = {STORE_TEXT(source), STORE_INT64(source_id), STORE_TEXT(item)};
    if (rc == STORE_OK)
        rc = store_write_run(st->db, SQL_BUSY_DELETE_ITEM, del, 3, NULL, NULL);
    for (size_t i = 0; i < n && rc == STORE_OK; i++) {
        assert(iv[i].start < iv[i].stop);
        rc = add_pieces(&pieces, source, item, iv[i].start, iv[i].stop);
    }
    if (rc == STORE_OK)
        rc = insert_rows(st, calendar_id, source_id, &pieces);
    return store_op_end(st, &op, rc);
}

store_rc store_external_busy_drop(store *st, const char *source, int64_t source_id)
{
    assert(st && source_ok(source));
    const store_value del[] = {STORE_TEXT(source), STORE_INT64(source_id)};
    return store_write_run(st->db, SQL_BUSY_DELETE_SOURCE, del, 2, NULL, NULL);
}

static store_rc read_interval(db_stmt *s, arena *a, void *row)
{
    (void)a;
    *(busy_interval *)row =
        (busy_interval){.start = db_column_int64(s, 0), .stop = db_column_int64(s, 1)};
    return STORE_OK;
}

static const store_rows busy_window = {SQL_BUSY_WINDOW, sizeof(busy_interval), read_interval};

/* from - EXTERNAL_BUSY_PIECE without overflow */
static int64_t window_floor(int64_t from)
{
    return from < INT64_MIN + EXTERNAL_BUSY_PIECE ? INT64_MIN : from - EXTERNAL_BUSY_PIECE;
}

store_rc store_external_busy_list(store *st, int64_t calendar_id, int64_t from, int64_t to,
                                  arena *a, busy_interval **out, size_t *n)
{
    assert(st && a && out && n && from <= to);
    const store_value binds[] = {STORE_INT64(calendar_id), STORE_INT64(window_floor(from)),
                                 STORE_INT64(to), STORE_INT64(from)};
    void *rows = NULL;
    store_rc rc = store_rows_run(st->db, &busy_window, binds, 4, a, &rows, n);
    busy_interval *iv = rows;
    size_t k = 0;
    /* join the pieces (and any intervals that overlap or touch) */
    for (size_t i = 0; rc == STORE_OK && i < *n; i++) {
        if (k > 0 && iv[i].start <= iv[k - 1].stop) {
            if (iv[i].stop > iv[k - 1].stop)
                iv[k - 1].stop = iv[i].stop;
        } else {
            iv[k++] = iv[i];
        }
    }
    if (rc == STORE_OK)
        *n = k;
    *out = iv;
    return rc;
}

/* ---- imports ----------------------------------------------------------- */

static store_rc read_import(db_stmt *s, arena *a, void *row)
{
    calendar_import *im = row;
    im->id = db_column_int64(s, 0);
    im->calendar_id = db_column_int64(s, 1);
    im->interval = db_column_int64(s, 3);
    im->due_at = db_column_int64(s, 6);
    im->attempts = db_column_int64(s, 7);
    im->last_attempt = db_column_int64(s, 8);
    im->last_success = db_column_int64(s, 9);
    im->events = db_column_int64(s, 11);
    im->intervals = db_column_int64(s, 12);
    im->created_at = db_column_int64(s, 13);
    im->expanded_at = db_column_int64(s, 14);
    store_rc rc = store_column_text(s, 2, a, &im->url);
    if (rc == STORE_OK)
        rc = store_column_text(s, 4, a, &im->etag);
    if (rc == STORE_OK)
        rc = store_column_text(s, 5, a, &im->last_modified);
    if (rc == STORE_OK)
        rc = store_column_text(s, 10, a, &im->last_error);
    return rc;
}

static const store_rows imports_of_calendar = {SQL_IMPORT_LIST, sizeof(calendar_import),
                                               read_import};
static const store_rows import_by_id = {SQL_IMPORT_GET, sizeof(calendar_import), read_import};

store_rc store_import_add(store *st, calendar_import *im)
{
    assert(st && im && im->url && im->interval > 0);
    int64_t exists = 0;
    const store_rows q = {SQL_CALENDAR_EXISTS, sizeof exists, store_read_id};
    const store_value cal[] = {STORE_INT64(im->calendar_id)};
    const store_value binds[] = {STORE_INT64(im->calendar_id), STORE_TEXT(im->url),
                                 STORE_INT64(im->interval), STORE_INT64(im->due_at),
                                 STORE_INT64(im->created_at)};
    store_op op;
    store_rc rc = store_op_begin(st, &op, STORE_OP_WRITE);
    if (rc == STORE_OK)
        rc = store_row_get(st->db, &q, cal, 1, NULL, &exists);
    if (rc == STORE_OK && exists == 0)
        rc = STORE_NOT_FOUND;
    if (rc == STORE_OK)
        rc = store_write_run(st->db, SQL_IMPORT_INSERT, binds, 5, NULL, &im->id);
    return store_op_end(st, &op, rc);
}

store_rc store_import_list(store *st, int64_t calendar_id, arena *a, calendar_import **out,
                           size_t *n)
{
    assert(st && a && out && n);
    const store_value binds[] = {STORE_INT64(calendar_id)};
    void *rows = NULL;
    store_rc rc = store_rows_run(st->db, &imports_of_calendar, binds, 1, a, &rows, n);
    *out = rows;
    return rc;
}

store_rc store_import_get(store *st, int64_t id, arena *a, calendar_import *out)
{
    assert(st && a && out);
    const store_value binds[] = {STORE_INT64(id)};
    return store_row_get(st->db, &import_by_id, binds, 1, a, out);
}

store_rc store_import_remove(store *st, int64_t calendar_id, int64_t id)
{
    assert(st);
    const store_value binds[] = {STORE_INT64(id), STORE_INT64(calendar_id),
                                 STORE_INT64(calendar_id)};
    store_op op;
    store_rc rc = store_op_begin(st, &op, STORE_OP_WRITE);
    if (rc == STORE_OK)
        rc = store_write_row(st->db, SQL_IMPORT_DELETE, binds, 3);
    if (rc == STORE_OK)
        rc = store_external_busy_drop(st, BUSY_SOURCE_FEED, id);
    return store_op_end(st, &op, rc);
}

store_rc store_import_claim(store *st, const char *owner, int64_t now, int64_t lease_seconds,
                            size_t max, arena *a, int64_t **ids, size_t *n)
{
    return store_lease_claim(st, &import_queue, owner, now, lease_seconds, max, a, ids, n);
}

store_rc store_import_finish(store *st, int64_t id, const char *owner, const import_outcome *o,
                             arena *a)
{
    assert(st && owner && o && a && (o->ok || o->error) && (!o->replace || o->ok));
    store_op op;
    int64_t calendar_id = 0;
    store_rc rc = store_op_begin(st, &op, STORE_OP_WRITE);
    if (rc != STORE_OK)
        goto done;
    if (!o->ok) {
        const store_value b[] = {STORE_INT64(o->at), STORE_INT64(o->due_at), STORE_TEXT(o->error),
                                 STORE_INT64(id), STORE_TEXT(owner)};
        rc = store_write_run(st->db, SQL_IMPORT_FAILED, b, 5, NULL, &calendar_id);
    } else if (!o->replace) {
        const store_value b[] = {STORE_INT64(o->at), STORE_INT64(o->at), STORE_INT64(o->due_at),
                                 STORE_INT64(id), STORE_TEXT(owner)};
        rc = store_write_run(st->db, SQL_IMPORT_UNCHANGED, b, 5, NULL, &calendar_id);
    } else {
        const store_value b[] = {STORE_INT64(o->at),     STORE_INT64(o->at),
                                 STORE_INT64(o->at),     STORE_INT64(o->due_at),
                                 STORE_TEXT(o->etag),    STORE_TEXT(o->last_modified),
                                 STORE_INT64(o->events), STORE_INT64((int64_t)o->n),
                                 STORE_INT64(id),        STORE_TEXT(owner)};
        rc = store_write_run(st->db, SQL_IMPORT_REPLACED, b, 10, NULL, &calendar_id);
    }
    /* no row: the lease is no longer ours, or the import is gone */
    if (rc == STORE_OK && calendar_id == 0)
        rc = STORE_NOT_FOUND;
    if (rc == STORE_OK && o->replace)
        rc = replace_source(st, calendar_id, BUSY_SOURCE_FEED, id, o->rows, o->n, a);
done:
    return store_op_end(st, &op, rc);
}
