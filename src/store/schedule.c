/* schedule.c - when a calendar works: its weekly opening hours, absences and
 * extra openings, its slot step, and the busy intervals the slot engine
 * subtracts.
 *
 * Opening hours are replaced as a whole (the API's PUT), inside one unit of
 * work, so a reader sees the old schedule or the new one, never half.
 * Absences and openings share one shape and one set of functions; `kind`
 * picks the table, and each kind has its own static statements, because the
 * statement cache is keyed by the SQL text's address.
 *
 * The busy list uses the bound explained at the top of appointments.c: no
 * appointment is longer than calendars.longest_appointment, so rows that
 * overlap [from, to) all start in [from - longest, to), an index range of
 * appointments_start.  The bound is a scalar subquery, evaluated once.
 * Busy means live, booked or noshow, and not empty: the same appointments
 * the overlap warning counts (appointments.c): a time is suggested exactly
 * when an appointment booked there would not warn (within opening hours). */
#include <assert.h>

#include "store/internal.h"

static const char SQL_HOURS_GET[] = "SELECT day, start_minute, stop_minute FROM opening_hours"
                                    " WHERE calendar_id = ? ORDER BY day, start_minute";
static const char SQL_HOURS_CLEAR[] = "DELETE FROM opening_hours WHERE calendar_id = ?";
static const char SQL_HOURS_ADD[] = "INSERT INTO opening_hours"
                                    " (calendar_id, day, start_minute, stop_minute)"
                                    " VALUES (?, ?, ?, ?)";
static const char SQL_CALENDAR_EXISTS[] = "SELECT 1 FROM calendars WHERE id = ?";
static const char SQL_SET_STEP[] = "UPDATE calendars SET slot_step = ? WHERE id = ? RETURNING id";

/* One set of statements per range kind. */
typedef struct range_sql {
    const char *list;
    const char *insert;
    const char *remove;
} range_sql;

static const range_sql range_statements[] = {
    [RANGE_ABSENCE] =
        {
            .list = "SELECT id, calendar_id, start, stop, title FROM absences"
                    " WHERE calendar_id = ? AND start < ? AND stop > ? ORDER BY start, id",
            .insert = "INSERT INTO absences (calendar_id, start, stop, title)"
                      " VALUES (?, ?, ?, ?) RETURNING id",
            .remove = "DELETE FROM absences WHERE id = ? AND calendar_id = ? RETURNING id",
        },
    [RANGE_OPENING] =
        {
            .list = "SELECT id, calendar_id, start, stop, title FROM openings"
                    " WHERE calendar_id = ? AND start < ? AND stop > ? ORDER BY start, id",
            .insert = "INSERT INTO openings (calendar_id, start, stop, title)"
                      " VALUES (?, ?, ?, ?) RETURNING id",
            .remove = "DELETE FROM openings WHERE id = ? AND calendar_id = ? RETURNING id",
        },
};

/* index appointments_start, bounded by the calendar's longest appointment */
static const char SQL_BUSY[] =
    "SELECT start, stop FROM appointments"
    " WHERE calendar_id = ?"
    " AND start >= ? - (SELECT longest_appointment FROM calendars WHERE id = ?)"
    " AND start < ? AND stop > ? AND stop > start"
    " AND deleted + 0 = 0 AND status IN ('booked', 'noshow')"
    " ORDER BY start";

/* Reads (day, start_minute, stop_minute) into *row (an opening_hour). */
static store_rc read_opening_hour(db_stmt *s, arena *a, void *row)
{
    (void)a;
    *(opening_hour *)row = (opening_hour){.day = (int)db_column_int64(s, 0),
                                          .start = (int)db_column_int64(s, 1),
                                          .stop = (int)db_column_int64(s, 2)};
    return STORE_OK;
}

store_rc store_opening_hours_get(store *st, int64_t calendar_id, arena *a, opening_hour **out,
                                 size_t *n)
{
    assert(st && a && out && n);
    const store_rows q = {
        .sql = SQL_HOURS_GET,
        .binds = (const store_value[]){STORE_INT64(calendar_id)},
        .n_binds = 1,
        .row_size = sizeof(opening_hour),
        .read = read_opening_hour,
    };
    void *rows = NULL;
    store_rc rc = store_rows_run(st->db, &q, a, &rows, n);
    if (rc == STORE_OK)
        *out = rows;
    return rc;
}

/* Runs a statement that takes the calendar id alone and returns whether it
 * produced a row. */
static store_rc calendar_statement(store *st, const char *sql, int64_t calendar_id, bool *row)
{
    db_stmt *s = NULL;
    store_rc rc = db_prepare(st->db, sql, &s);
    if (rc == STORE_OK) {
        db_bind_int64(s, 1, calendar_id);
        rc = store_step_write(s, row, NULL);
    }
    db_reset(s);
    return rc;
}

store_rc store_opening_hours_set(store *st, int64_t calendar_id, const opening_hour *hours,
                                 size_t n)
{
    assert(st && (hours || n == 0));
    store_op op;
    db_stmt *s = NULL;
    bool exists = false;
    store_rc rc = store_op_begin(st, &op, STORE_OP_WRITE);
    if (rc != STORE_OK)
        goto done;
    rc = calendar_statement(st, SQL_CALENDAR_EXISTS, calendar_id, &exists);
    if (rc == STORE_OK && !exists)
        rc = STORE_NOT_FOUND;
    if (rc == STORE_OK)
        rc = calendar_statement(st, SQL_HOURS_CLEAR, calendar_id, NULL);
    for (size_t i = 0; rc == STORE_OK && i < n; i++) {
        assert(hours[i].day >= 0 && hours[i].day < 7);
        assert(hours[i].start >= 0 && hours[i].start < hours[i].stop && hours[i].stop <= 1440);
        rc = db_prepare(st->db, SQL_HOURS_ADD, &s);
        if (rc != STORE_OK)
            break;
        db_bind_int64(s, 1, calendar_id);
        db_bind_int64(s, 2, hours[i].day);
        db_bind_int64(s, 3, hours[i].start);
        db_bind_int64(s, 4, hours[i].stop);
        rc = store_step_write(s, NULL, NULL);
        db_reset(s);
        s = NULL;
    }
done:
    return store_op_end(st, &op, rc);
}

store_rc store_calendar_set_slot_step(store *st, int64_t calendar_id, int minutes)
{
    assert(st && minutes > 0);
    db_stmt *s = NULL;
    bool row = false;
    store_rc rc = db_prepare(st->db, SQL_SET_STEP, &s);
    if (rc != STORE_OK)
        goto done;
    db_bind_int64(s, 1, minutes);
    db_bind_int64(s, 2, calendar_id);
    rc = store_step_write(s, &row, NULL);
    if (rc == STORE_OK && !row)
        rc = STORE_NOT_FOUND;
done:
    db_reset(s);
    return rc;
}

/* Reads (id, calendar_id, start, stop, title) into *row (a time_range). */
static store_rc read_range(db_stmt *s, arena *a, void *row)
{
    time_range *r = row;
    r->id = db_column_int64(s, 0);
    r->calendar_id = db_column_int64(s, 1);
    r->start = db_column_int64(s, 2);
    r->stop = db_column_int64(s, 3);
    return store_column_text(s, 4, a, &r->title);
}

store_rc store_range_list(store *st, range_kind kind, int64_t calendar_id, int64_t from, int64_t to,
                          arena *a, time_range **out, size_t *n)
{
    assert(st && a && out && n && (kind == RANGE_ABSENCE || kind == RANGE_OPENING));
    const store_rows q = {
        .sql = range_statements[kind].list,
        .binds =
            (const store_value[]){STORE_INT64(calendar_id), STORE_INT64(to), STORE_INT64(from)},
        .n_binds = 3,
        .row_size = sizeof(time_range),
        .read = read_range,
    };
    void *rows = NULL;
    store_rc rc = store_rows_run(st->db, &q, a, &rows, n);
    if (rc == STORE_OK)
        *out = rows;
    return rc;
}

store_rc store_range_insert(store *st, range_kind kind, time_range *r)
{
    assert(st && r && r->start < r->stop && (kind == RANGE_ABSENCE || kind == RANGE_OPENING));
    db_stmt *s = NULL;
    int64_t id = 0;
    store_rc rc = db_prepare(st->db, range_statements[kind].insert, &s);
    if (rc != STORE_OK)
        goto done;
    db_bind_int64(s, 1, r->calendar_id);
    db_bind_int64(s, 2, r->start);
    db_bind_int64(s, 3, r->stop);
    db_bind_text(s, 4, r->title ? r->title : "");
    rc = store_step_write(s, NULL, &id);
    if (rc == STORE_OK)
        r->id = id;
done:
    db_reset(s);
    return rc;
}

store_rc store_range_delete(store *st, range_kind kind, int64_t calendar_id, int64_t id)
{
    assert(st && (kind == RANGE_ABSENCE || kind == RANGE_OPENING));
    db_stmt *s = NULL;
    bool row = false;
    store_rc rc = db_prepare(st->db, range_statements[kind].remove, &s);
    if (rc != STORE_OK)
        goto done;
    db_bind_int64(s, 1, id);
    db_bind_int64(s, 2, calendar_id);
    rc = store_step_write(s, &row, NULL);
    if (rc == STORE_OK && !row)
        rc = STORE_NOT_FOUND;
done:
    db_reset(s);
    return rc;
}

/* Reads (start, stop) into *row (a busy_interval). */
static store_rc read_busy(db_stmt *s, arena *a, void *row)
{
    (void)a;
    *(busy_interval *)row =
        (busy_interval){.start = db_column_int64(s, 0), .stop = db_column_int64(s, 1)};
    return STORE_OK;
}

store_rc store_busy_list(store *st, int64_t calendar_id, int64_t from, int64_t to, arena *a,
                         busy_interval **out, size_t *n)
{
    assert(st && a && out && n && from <= to);
    const store_rows q = {
        .sql = SQL_BUSY,
        .binds =
            (const store_value[]){STORE_INT64(calendar_id), STORE_INT64(from),
                                  STORE_INT64(calendar_id), STORE_INT64(to), STORE_INT64(from)},
        .n_binds = 5,
        .row_size = sizeof(busy_interval),
        .read = read_busy,
    };
    void *rows = NULL;
    store_rc rc = store_rows_run(st->db, &q, a, &rows, n);
    if (rc == STORE_OK)
        *out = rows;
    return rc;
}
