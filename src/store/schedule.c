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
 * when an appointment booked there would not warn (within opening hours).
 * External busy time (busy.c: imported feeds, CalDAV) is added to the list
 * by a UNION ALL of its own bounded range (rows of at most
 * EXTERNAL_BUSY_PIECE), so it blocks suggestions and bookings; the warning,
 * which speaks of appointments only, does not see it.  So are the booking
 * page's unexpired holds (booking.c): a third UNION ALL reads the
 * calendar's holds with expires_at > now through booking_holds_live, which
 * holds only the few live ones plus those expired since the calendar's last
 * placement, so no bound on their length is needed. */
#include <assert.h>

#include "store/internal.h"
#include "util/clock.h"

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
    "SELECT start, stop FROM ("
    "SELECT start, stop FROM appointments"
    " WHERE calendar_id = ?"
    " AND start >= ? - (SELECT longest_appointment FROM calendars WHERE id = ?)"
    " AND start < ? AND stop > ? AND stop > start"
    " AND deleted + 0 = 0 AND status IN ('booked', 'noshow')"
    " UNION ALL "
    "SELECT start, stop FROM external_busy"
    " WHERE calendar_id = ? AND start >= ? AND start < ? AND stop > ?"
    " UNION ALL "
    "SELECT start, stop FROM booking_holds"
    " WHERE calendar_id = ? AND expires_at > ? AND start < ? AND stop > ? AND id <> ?"
    ") AS busy ORDER BY start";

/* Reads (day, start_minute, stop_minute) into *row (an opening_hour). */
static store_rc read_opening_hour(db_stmt *s, arena *a, void *row)
{
    (void)a;
    *(opening_hour *)row = (opening_hour){.day = (int)db_column_int64(s, 0),
                                          .start = (int)db_column_int64(s, 1),
                                          .stop = (int)db_column_int64(s, 2)};
    return STORE_OK;
}

static const store_rows hours_of_calendar = {SQL_HOURS_GET, sizeof(opening_hour),
                                             read_opening_hour};

store_rc store_opening_hours_get(store *st, int64_t calendar_id, arena *a, opening_hour **out,
                                 size_t *n)
{
    assert(st && a && out && n);
    const store_value binds[] = {STORE_INT64(calendar_id)};
    void *rows = NULL;
    store_rc rc = store_rows_run(st->db, &hours_of_calendar, binds, 1, a, &rows, n);
    *out = rows;
    return rc;
}

store_rc store_opening_hours_set(store *st, int64_t calendar_id, const opening_hour *hours,
                                 size_t n)
{
    assert(st && (hours || n == 0));
    store_op op;
    bool exists = false;
    const store_value calendar[] = {STORE_INT64(calendar_id)};
    store_rc rc = store_op_begin(st, &op, STORE_OP_WRITE);
    if (rc == STORE_OK)
        rc = store_write_run(st->db, SQL_CALENDAR_EXISTS, calendar, 1, &exists, NULL);
    if (rc == STORE_OK && !exists)
        rc = STORE_NOT_FOUND;
    if (rc == STORE_OK)
        rc = store_write_run(st->db, SQL_HOURS_CLEAR, calendar, 1, NULL, NULL);
    for (size_t i = 0; rc == STORE_OK && i < n; i++) {
        assert(hours[i].day >= 0 && hours[i].day < 7);
        assert(hours[i].start >= 0 && hours[i].start < hours[i].stop && hours[i].stop <= 1440);
        const store_value hour[] = {STORE_INT64(calendar_id), STORE_INT64(hours[i].day),
                                    STORE_INT64(hours[i].start), STORE_INT64(hours[i].stop)};
        rc = store_write_run(st->db, SQL_HOURS_ADD, hour, 4, NULL, NULL);
    }
    return store_op_end(st, &op, rc);
}

store_rc store_calendar_set_slot_step(store *st, int64_t calendar_id, int minutes)
{
    assert(st && minutes > 0);
    const store_value binds[] = {STORE_INT64(minutes), STORE_INT64(calendar_id)};
    return store_write_row(st->db, SQL_SET_STEP, binds, 2);
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
    const store_rows q = {range_statements[kind].list, sizeof(time_range), read_range};
    const store_value binds[] = {STORE_INT64(calendar_id), STORE_INT64(to), STORE_INT64(from)};
    void *rows = NULL;
    store_rc rc = store_rows_run(st->db, &q, binds, 3, a, &rows, n);
    *out = rows;
    return rc;
}

store_rc store_range_insert(store *st, range_kind kind, time_range *r)
{
    assert(st && r && r->start < r->stop && (kind == RANGE_ABSENCE || kind == RANGE_OPENING));
    const store_value binds[] = {STORE_INT64(r->calendar_id), STORE_INT64(r->start),
                                 STORE_INT64(r->stop), STORE_TEXT(r->title ? r->title : "")};
    return store_write_run(st->db, range_statements[kind].insert, binds, 4, NULL, &r->id);
}

store_rc store_range_delete(store *st, range_kind kind, int64_t calendar_id, int64_t id)
{
    assert(st && (kind == RANGE_ABSENCE || kind == RANGE_OPENING));
    const store_value binds[] = {STORE_INT64(id), STORE_INT64(calendar_id)};
    return store_write_row(st->db, range_statements[kind].remove, binds, 2);
}

/* Reads (start, stop) into *row (a busy_interval). */
static store_rc read_busy(db_stmt *s, arena *a, void *row)
{
    (void)a;
    *(busy_interval *)row =
        (busy_interval){.start = db_column_int64(s, 0), .stop = db_column_int64(s, 1)};
    return STORE_OK;
}

static const store_rows busy_of_calendar = {SQL_BUSY, sizeof(busy_interval), read_busy};

store_rc store_busy_window(store *st, int64_t calendar_id, int64_t from, int64_t to, int64_t now,
                           int64_t except_hold, arena *a, busy_interval **out, size_t *n)
{
    assert(st && a && out && n && from <= to);
    /* external rows are no longer than EXTERNAL_BUSY_PIECE (busy.c) */
    int64_t floor = from < INT64_MIN + EXTERNAL_BUSY_PIECE ? INT64_MIN : from - EXTERNAL_BUSY_PIECE;
    const store_value binds[] = {
        STORE_INT64(calendar_id), STORE_INT64(from),       STORE_INT64(calendar_id),
        STORE_INT64(to),          STORE_INT64(from),       STORE_INT64(calendar_id),
        STORE_INT64(floor),       STORE_INT64(to),         STORE_INT64(from),
        STORE_INT64(calendar_id), STORE_INT64(now),        STORE_INT64(to),
        STORE_INT64(from),        STORE_INT64(except_hold)};
    void *rows = NULL;
    store_rc rc = store_rows_run(st->db, &busy_of_calendar, binds, 14, a, &rows, n);
    *out = rows;
    return rc;
}

store_rc store_busy_list(store *st, int64_t calendar_id, int64_t from, int64_t to, arena *a,
                         busy_interval **out, size_t *n)
{
    return store_busy_window(st, calendar_id, from, to, clock_unix_seconds(), 0, a, out, n);
}
