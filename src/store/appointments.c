/* appointments.c - a calendar's appointments: time-window and `since`
 * lists, get, insert, update, delete, with the joined fields and the
 * overlap warning.
 *
 * Bounded time windows.  A window [S, E) selects the rows that overlap it:
 * stop > S AND start < E.  Only `start` can be bounded by an index
 * (appointments_start: calendar_id, start), and "stop > S" alone says
 * nothing about start, so a naive query walks the calendar's whole history
 * before S.  Every calendar therefore records in
 * calendars.longest_appointment the longest stop - start ever written to it.
 * It is only ever raised, and in the same transaction as the appointment
 * write (a unit of work, internal.h), so every row of the calendar, live or
 * tombstone, satisfies stop - start <= longest, and
 *     stop > S  implies  start > S - longest.
 * Adding "start >= S - longest" changes no answer and turns the scan into an
 * index range of [S - longest, E).  The list reads `longest` and the rows in
 * one read snapshot, so a concurrent write of a longer appointment is seen
 * either with its raised bound or not at all.  The bound never shrinks (a
 * deleted or shortened long appointment leaves it raised); that costs a
 * wider range, never a wrong answer.
 *
 * The warning.  An appointment is flagged when it is live, takes its time
 * (status 'booked' or 'noshow': what the slot engine treats as busy, see
 * store_busy_list) and overlaps another live appointment of the calendar
 * that takes its time (half-open intervals: touching end to start is no
 * overlap, and an empty interval overlaps nothing).  The relation is
 * symmetric, and a cancelled appointment neither shows nor causes a
 * warning.  The probe is an EXISTS subquery per row using the same bound:
 * o.start >= a.start - longest AND o.start < a.stop.
 *
 * Joined fields.  patient_remote_id, service_remote_id and service_color
 * come from LEFT JOINs on the row's patient_id and service_id: by id, live
 * or not (the rows are tombstoned, never removed, so a reference always
 * resolves), never by remote_id, which a deleted patient hands on to the
 * next.  Both ids shown are therefore always one patient's; and as a
 * patient's deletion unlinks its appointments (patients.c), the patient
 * shown is a live one.
 *
 * References on write.  Before writing, the calendar must exist, patient_id
 * (when not 0) must be a live patient of the calendar's center and
 * service_id (when not 0) a service of the calendar; otherwise the write is
 * refused with STORE_NOT_FOUND, so one center's patients can never be
 * attached to another center's calendar, nor a deleted patient to anything.
 * These checks are the only ones on PostgreSQL, where appointments have no
 * foreign keys (migrate.c, migration 8); they hold there too because the
 * rows referenced are never removed, and the check and the write share one
 * transaction.
 *
 * Many at once.  store_appointment_write_many (collections) keeps every
 * rule above with bulk statements (internal.h): one check of the calendar,
 * one of the patients and one of the services per STORE_BULK_ROWS distinct
 * ids, one raise of the longest appointment for all, and the neighbours'
 * touch found by the written rows' ids, before the updates (old intervals)
 * and after all writes (new intervals).
 *
 * The audit log.  Every write adds one audit row per appointment it
 * created, changed or deleted (audit.c), in its unit of work.
 *
 * CalDAV.  Every write also makes the calendar's CalDAV link due now, in
 * its unit of work (one UPDATE by key, nothing when there is no link): the
 * sync engine finds what to push by version (sync/engine.c), so every path
 * that writes appointments is pushed without a hook of its own. */
#include <assert.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <stdio.h>
#include <string.h>

#include "store/internal.h"

/* The warning of appointment a of calendar c: 1 or 0. */
#define WARNING                                                                                    \
    "CASE WHEN a.deleted = 0 AND a.status IN ('booked', 'noshow') AND a.stop > a.start"            \
    " AND EXISTS ("                                                                                \
    "SELECT 1 FROM appointments o"                                                                 \
    " WHERE o.calendar_id = a.calendar_id"                                                         \
    " AND o.start >= a.start - c.longest_appointment AND o.start < a.stop"                         \
    " AND o.stop > a.start AND o.stop > o.start AND o.id <> a.id"                                  \
    " AND o.deleted + 0 = 0 AND o.status IN ('booked', 'noshow'))"                                 \
    " THEN 1 ELSE 0 END"

#define APPOINTMENT_SELECT                                                                         \
    "SELECT a.id, a.calendar_id, a.remote_id, a.start, a.stop, a.notes, a.color, a.title,"         \
    " a.status, a.patient_id, a.service_id, a.patient_arrived_at, a.deleted, a.updated_at,"        \
    " p.remote_id, s.remote_id, s.color, " WARNING ", a.version FROM appointments a"               \
    " JOIN calendars c ON c.id = a.calendar_id"                                                    \
    " LEFT JOIN patients p ON p.id = a.patient_id"                                                 \
    " LEFT JOIN services s ON s.id = a.service_id"

/* Placeholders of the window: calendar_id, S - longest, E, S. */
#define WINDOW " a.calendar_id = ? AND a.start >= ? AND a.start < ? AND a.stop > ?"
#define PAGE   " ORDER BY a.start, a.id LIMIT ? OFFSET ?"
/* The same order, written so that no index on start can provide it: a
 * planner then reads the few rows that changed (appointments_updated) and
 * sorts them, instead of walking the calendar's history in start order. */
#define PAGE_BY_EXPRESSION " ORDER BY a.start + 0, a.id LIMIT ? OFFSET ?"

static const char SQL_LONGEST[] = "SELECT longest_appointment FROM calendars WHERE id = ?";
/* live rows in a window (or all of them): index appointments_start */
static const char SQL_COUNT_LIVE[] =
    "SELECT COUNT(*) FROM appointments a WHERE" WINDOW " AND a.deleted + 0 = 0";
static const char SQL_LIST_LIVE[] =
    APPOINTMENT_SELECT " WHERE" WINDOW " AND a.deleted + 0 = 0" PAGE;
/* rows updated since, in a window: index appointments_start */
static const char SQL_COUNT_SINCE_WINDOW[] =
    "SELECT COUNT(*) FROM appointments a WHERE" WINDOW " AND a.updated_at >= ?";
static const char SQL_LIST_SINCE_WINDOW[] =
    APPOINTMENT_SELECT " WHERE" WINDOW " AND a.updated_at >= ?" PAGE;
/* rows updated since, no window (the pollers' query): index
 * appointments_updated, so a poll reads what changed, not the history */
static const char SQL_COUNT_SINCE[] =
    "SELECT COUNT(*) FROM appointments a WHERE a.calendar_id = ? AND a.updated_at >= ?";
static const char SQL_LIST_SINCE[] =
    APPOINTMENT_SELECT " WHERE a.calendar_id = ? AND a.updated_at >= ?" PAGE_BY_EXPRESSION;
/* a patient's appointments, tombstones included (index appointments_patient) */
static const char SQL_LIST_OF_PATIENT[] =
    APPOINTMENT_SELECT " WHERE a.patient_id = ? ORDER BY a.start, a.id";
static const char SQL_GET_BY_ID[] =
    APPOINTMENT_SELECT " WHERE a.id = ? AND a.calendar_id = ? AND a.deleted + 0 = 0";
static const char SQL_GET_BY_REMOTE_ID[] =
    APPOINTMENT_SELECT " WHERE a.calendar_id = ? AND a.remote_id = ? AND a.deleted = 0";

static const char SQL_CHECK_REFS[] =
    "SELECT (SELECT COUNT(*) FROM calendars WHERE id = ?),"
    " (SELECT COUNT(*) FROM patients p JOIN calendars c ON c.center_id = p.center_id"
    " WHERE p.id = ? AND c.id = ? AND p.deleted + 0 = 0),"
    " (SELECT COUNT(*) FROM services s WHERE s.id = ? AND s.calendar_id = ?)";
static const char SQL_RAISE_LONGEST[] = "UPDATE calendars SET longest_appointment = ?"
                                        " WHERE id = ? AND longest_appointment < ?";
/* Neighbours.  An appointment's warning depends on the appointments that
 * overlap it, so a write touches (updated_at = now) every other live,
 * not cancelled (a cancelled one never warns) appointment overlapping the
 * written one's old and new intervals: `since` pollers then see their
 * warnings change.  now, calendar id, except id, start, calendar id, stop,
 * start, now; index appointments_start, bounded as the lists are. */
static const char SQL_TOUCH_OVERLAPPING[] =
    "UPDATE appointments SET updated_at = ?"
    " WHERE calendar_id = ? AND id <> ? AND deleted + 0 = 0"
    " AND status IN ('booked', 'noshow')"
    " AND start >= ? - (SELECT longest_appointment FROM calendars WHERE id = ?)"
    " AND start < ? AND stop > ? AND updated_at < ?";
/* What every write of an appointment (update, deletion; an insert starts
 * at the columns' defaults) does to its messages state (migrate.c,
 * migration 9): a new version, and what the patient was told kept from the
 * values it replaces when it was "what the row says". */
#define NEW_REVISION                                                                               \
    "version = version + 1, told_start = COALESCE(told_start, start),"                             \
    " told_stop = COALESCE(told_stop, stop), told_calendar = COALESCE(told_calendar, calendar_id)"
static const char SQL_OLD_INTERVAL[] =
    "SELECT start, stop FROM appointments WHERE id = ? AND calendar_id = ? AND deleted + 0 = 0";
static const char SQL_INSERT[] =
    "INSERT INTO appointments (calendar_id, remote_id, start, stop, notes, color, title, status,"
    " patient_id, service_id, patient_arrived_at, deleted, updated_at)"
    " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 0, ?) RETURNING id";
static const char SQL_UPDATE[] =
    "UPDATE appointments SET remote_id = ?, start = ?, stop = ?, notes = ?, color = ?,"
    " title = ?, status = ?, patient_id = ?, service_id = ?, patient_arrived_at = ?,"
    " updated_at = ?, " NEW_REVISION " WHERE id = ? AND calendar_id = ? AND deleted + 0 = 0"
    " RETURNING id";
/* the calendar's CalDAV link (if any) is due now: its push (sync/engine.c)
 * finds the change by version */
static const char SQL_WAKE_LINK[] =
    "UPDATE caldav_links SET due_at = ? WHERE calendar_id = ? AND due_at > ?";
static const char SQL_DELETE[] =
    "UPDATE appointments SET deleted = 1, updated_at = ?, " NEW_REVISION
    " WHERE id = ? AND calendar_id = ? AND deleted + 0 = 0 RETURNING id";

/* Bulk statements (internal.h).  Lookups by ids and by remote_ids; the
 * reference checks of many rows (distinct ids, then the calendar id: the
 * count must be theirs); inserts and updates of many rows; and the touch of
 * the neighbours of many written rows, by their ids, as they are when it
 * runs (now, calendar id, calendar id, ids, now): before the updates for the
 * old intervals, after the writes for the new ones. */
static const char SQL_GET_BY_IDS[] = APPOINTMENT_SELECT
    " WHERE a.id IN (" BULK_LIST("?") ") AND a.calendar_id + 0 = ? AND a.deleted + 0 = 0";
static const char SQL_GET_BY_REMOTE_IDS[] = APPOINTMENT_SELECT
    " WHERE a.remote_id IN (" BULK_LIST("?") ") AND a.calendar_id = ? AND a.deleted = 0";
static const char SQL_WARNINGS_BY_IDS[] =
    "SELECT a.id, " WARNING " FROM appointments a JOIN calendars c ON c.id = a.calendar_id"
    " WHERE a.id IN (" BULK_LIST("?") ") AND a.calendar_id + 0 = ? AND a.deleted + 0 = 0";
static const char SQL_CHECK_PATIENTS_MANY[] =
    "SELECT COUNT(*) FROM patients p JOIN calendars c ON c.center_id = p.center_id + 0"
    " WHERE p.id IN (" BULK_LIST("?") ") AND c.id = ? AND p.deleted + 0 = 0";
static const char SQL_CHECK_SERVICES_MANY[] =
    "SELECT COUNT(*) FROM services WHERE id IN (" BULK_LIST("?") ") AND calendar_id + 0 = ?";
/* calendar_id, remote_id, start, stop, notes, color, title, status,
 * patient_id, service_id, patient_arrived_at, deleted, updated_at */
#define INSERT_ROW                                                                                 \
    "(" BULK_INT ", ?, " BULK_INT ", " BULK_INT ", ?, ?, ?, ?, " BULK_INT ", " BULK_INT            \
    ", " BULK_INT ", " BULK_INT ", " BULK_INT ")"
static const char SQL_INSERT_MANY[] =
    "INSERT INTO appointments (calendar_id, remote_id, start, stop, notes, color, title, status,"
    " patient_id, service_id, patient_arrived_at, deleted, updated_at)"
    " SELECT column1, column2, column3, column4, column5, column6, column7, column8, column9,"
    " column10, column11, column12, column13 FROM (VALUES " BULK_LIST(
        INSERT_ROW) ") AS v"
                    " WHERE column1 IS NOT NULL RETURNING id";
/* id, then the insert's row */
#define UPDATE_ROW                                                                                 \
    "(" BULK_INT ", " BULK_INT ", ?, " BULK_INT ", " BULK_INT ", ?, ?, ?, ?, " BULK_INT            \
    ", " BULK_INT ", " BULK_INT ", " BULK_INT ", " BULK_INT ")"
static const char SQL_UPDATE_MANY[] =
    "UPDATE appointments SET remote_id = v.column3, start = v.column4, stop = v.column5,"
    " notes = v.column6, color = v.column7, title = v.column8, status = v.column9,"
    " patient_id = v.column10, service_id = v.column11, patient_arrived_at = v.column12,"
    " deleted = v.column13, updated_at = v.column14, " NEW_REVISION " FROM (VALUES " BULK_LIST(
        UPDATE_ROW) ") AS v"
                    " WHERE appointments.id = v.column1 AND appointments.calendar_id = v.column2"
                    " AND appointments.deleted + 0 = 0 RETURNING id";
static const char SQL_TOUCH_AROUND_MANY[] =
    "UPDATE appointments SET updated_at = ? WHERE id IN ("
    "SELECT n.id FROM appointments w JOIN appointments n ON n.calendar_id = w.calendar_id"
    " AND n.start >= w.start - (SELECT longest_appointment FROM calendars WHERE id = ?)"
    " AND n.start < w.stop AND n.stop > w.start"
    " WHERE w.calendar_id + 0 = ? AND w.id IN (" BULK_LIST(
        "?") ")"
             " AND n.deleted + 0 = 0 AND n.status IN ('booked', 'noshow') AND n.updated_at + 0 < "
             "?)";

static const char *const status_names[] = {
    [APPT_BOOKED] = "booked",
    [APPT_CANCELLED] = "cancelled",
    [APPT_NOSHOW] = "noshow",
};

/* ---- reading ---------------------------------------------------------- */

/* Reads the APPOINTMENT_SELECT columns into *row (an appointment). */
static store_rc read_appointment(db_stmt *s, arena *a, void *row)
{
    appointment *ap = row;
    store_rc rc = STORE_OK;
    const char *status = db_column_text(s, 8);
    *ap = (appointment){0};
    ap->id = db_column_int64(s, 0);
    ap->calendar_id = db_column_int64(s, 1);
    ap->start = db_column_int64(s, 3);
    ap->stop = db_column_int64(s, 4);
    size_t k = 0;
    for (; status && k < sizeof status_names / sizeof status_names[0]; k++)
        if (strcmp(status, status_names[k]) == 0)
            break;
    if (!status || k == sizeof status_names / sizeof status_names[0]) {
        fprintf(stderr, "agenda: store: appointment %lld has an unknown status\n",
                (long long)ap->id);
        return STORE_ERROR;
    }
    ap->status = (appt_status)k;
    if ((rc = store_column_text(s, 2, a, &ap->remote_id)) != STORE_OK ||
        (rc = store_column_text(s, 5, a, &ap->notes)) != STORE_OK ||
        (rc = store_column_text(s, 6, a, &ap->color)) != STORE_OK ||
        (rc = store_column_text(s, 7, a, &ap->title)) != STORE_OK ||
        (rc = store_column_text(s, 14, a, &ap->patient_remote_id)) != STORE_OK ||
        (rc = store_column_text(s, 15, a, &ap->service_remote_id)) != STORE_OK ||
        (rc = store_column_text(s, 16, a, &ap->service_color)) != STORE_OK)
        return rc;
    ap->patient_id = db_column_is_null(s, 9) ? 0 : db_column_int64(s, 9);
    ap->service_id = db_column_is_null(s, 10) ? 0 : db_column_int64(s, 10);
    ap->has_arrived = !db_column_is_null(s, 11);
    ap->patient_arrived_at = ap->has_arrived ? db_column_int64(s, 11) : 0;
    ap->deleted = db_column_int64(s, 12) != 0;
    ap->updated_at = db_column_int64(s, 13);
    ap->warning = db_column_int64(s, 17) != 0;
    ap->version = db_column_int64(s, 18);
    return STORE_OK;
}

/* Sets *longest to the calendar's longest appointment (0 when the calendar
 * does not exist: its list is empty anyway). */
static store_rc longest_of(db *d, int64_t calendar_id, int64_t *longest)
{
    const store_rows q = {SQL_LONGEST, sizeof(int64_t), store_read_id};
    const store_value binds[] = {STORE_INT64(calendar_id)};
    *longest = 0;
    store_rc rc = store_row_get(d, &q, binds, 1, NULL, longest);
    return rc == STORE_NOT_FOUND ? STORE_OK : rc;
}

/* Chooses the list statements for q and fills binds[] for them; returns
 * the number of binds. */
static int list_plan(const list_query *q, int64_t calendar_id, int64_t longest, store_list *list,
                     int64_t binds[5])
{
    binds[0] = calendar_id;
    if (q->has_since && !q->has_start && !q->has_stop) {
        list->count_sql = SQL_COUNT_SINCE;
        list->rows_sql = SQL_LIST_SINCE;
        binds[1] = q->since;
        return 2;
    }
    assert(longest >= 0);
    const int64_t from = q->has_start ? q->start : INT64_MIN;
    binds[1] = from < INT64_MIN + longest ? INT64_MIN : from - longest;
    binds[2] = q->has_stop ? q->stop : INT64_MAX;
    binds[3] = from;
    if (!q->has_since) {
        list->count_sql = SQL_COUNT_LIVE;
        list->rows_sql = SQL_LIST_LIVE;
        return 4;
    }
    list->count_sql = SQL_COUNT_SINCE_WINDOW;
    list->rows_sql = SQL_LIST_SINCE_WINDOW;
    binds[4] = q->since;
    return 5;
}

store_rc store_appointment_list(store *st, int64_t calendar_id, const list_query *q, arena *a,
                                appointment **out, size_t *n, int64_t *total)
{
    assert(st && q && a && out && n && total);
    store_op op;
    int64_t longest = 0;
    int64_t binds[5];
    store_list list = {
        .binds = binds,
        .row_size = sizeof(appointment),
        .read = read_appointment,
    };
    void *rows = NULL;
    store_rc rc = store_op_begin(st, &op, STORE_OP_READ);
    if (rc != STORE_OK)
        goto done;
    rc = longest_of(st->db, calendar_id, &longest);
    if (rc != STORE_OK)
        goto done;
    list.n_binds = list_plan(q, calendar_id, longest, &list, binds);
    rc = store_list_run(st, &list, q, a, &rows, n, total);
    if (rc == STORE_OK)
        *out = rows;
done:
    return store_op_end(st, &op, rc);
}

store_rc store_appointment_list_of_patient(store *st, int64_t patient_id, arena *a,
                                           appointment **out, size_t *n)
{
    assert(st && a && out && n);
    const store_rows q = {SQL_LIST_OF_PATIENT, sizeof(appointment), read_appointment};
    const store_value binds[] = {STORE_INT64(patient_id)};
    return store_rows_run(st->db, &q, binds, 1, a, (void **)out, n);
}

store_rc store_appointment_get(store *st, int64_t calendar_id, const object_ref *ref, arena *a,
                               appointment *out)
{
    assert(st && ref && a && out);
    return store_get_by_ref(st, SQL_GET_BY_ID, SQL_GET_BY_REMOTE_ID, calendar_id, ref, a,
                            read_appointment, out);
}

/* ---- writing ---------------------------------------------------------- */

/* The row of SQL_CHECK_REFS: how many calendars, patients and services
 * match the references. */
typedef struct ref_counts {
    int64_t calendars, patients, services;
} ref_counts;

static store_rc read_ref_counts(db_stmt *s, arena *a, void *row)
{
    (void)a;
    *(ref_counts *)row = (ref_counts){.calendars = db_column_int64(s, 0),
                                      .patients = db_column_int64(s, 1),
                                      .services = db_column_int64(s, 2)};
    return STORE_OK;
}

/* NOT_FOUND unless ap's calendar exists, its patient (if any) belongs to
 * the calendar's center and its service (if any) to the calendar.  On
 * PostgreSQL no foreign key checks the calendar, nor the others (migrate.c,
 * migration 8). */
static store_rc check_references(db *d, const appointment *ap)
{
    const store_rows q = {SQL_CHECK_REFS, sizeof(ref_counts), read_ref_counts};
    const store_value binds[] = {STORE_INT64(ap->calendar_id), STORE_INT64(ap->patient_id),
                                 STORE_INT64(ap->calendar_id), STORE_INT64(ap->service_id),
                                 STORE_INT64(ap->calendar_id)};
    ref_counts n = {0};
    store_rc rc = store_row_get(d, &q, binds, 5, NULL, &n);
    if (rc == STORE_OK && (n.calendars != 1 || (ap->patient_id != 0 && n.patients != 1) ||
                           (ap->service_id != 0 && n.services != 1)))
        rc = STORE_NOT_FOUND;
    return rc;
}

/* Raises the calendar's longest_appointment to ap's duration if shorter. */
static store_rc raise_longest(db *d, const appointment *ap)
{
    const int64_t duration = ap->stop > ap->start ? ap->stop - ap->start : 0;
    const store_value binds[] = {STORE_INT64(duration), STORE_INT64(ap->calendar_id),
                                 STORE_INT64(duration)};
    return store_write_run(d, SQL_RAISE_LONGEST, binds, 3, NULL, NULL);
}

/* The data columns remote_id, start, stop, notes, color, title, status,
 * patient_id, service_id, patient_arrived_at into v[0..10). */
static void data_values(const appointment *ap, store_value v[10])
{
    assert((size_t)ap->status < sizeof status_names / sizeof status_names[0]);
    v[0] = STORE_TEXT(ap->remote_id);
    v[1] = STORE_INT64(ap->start);
    v[2] = STORE_INT64(ap->stop);
    v[3] = STORE_TEXT(ap->notes);
    v[4] = STORE_TEXT(ap->color);
    v[5] = STORE_TEXT(ap->title ? ap->title : "");
    v[6] = STORE_TEXT(status_names[ap->status]);
    v[7] = STORE_INT64_IF(ap->patient_id != 0, ap->patient_id);
    v[8] = STORE_INT64_IF(ap->service_id != 0, ap->service_id);
    v[9] = STORE_INT64_IF(ap->has_arrived, ap->patient_arrived_at);
}

/* Touches the appointments overlapping [start, stop) other than `except`
 * (see SQL_TOUCH_OVERLAPPING). */
static store_rc touch_overlapping(db *d, int64_t calendar_id, int64_t except, int64_t start,
                                  int64_t stop, int64_t now)
{
    const store_value binds[] = {STORE_INT64(now),   STORE_INT64(calendar_id), STORE_INT64(except),
                                 STORE_INT64(start), STORE_INT64(calendar_id), STORE_INT64(stop),
                                 STORE_INT64(start), STORE_INT64(now)};
    return store_write_run(d, SQL_TOUCH_OVERLAPPING, binds, 8, NULL, NULL);
}

/* An appointment's [start, stop), as SQL_OLD_INTERVAL reads it. */
typedef struct interval {
    int64_t start, stop;
} interval;

static store_rc read_interval(db_stmt *s, arena *a, void *row)
{
    (void)a;
    *(interval *)row = (interval){.start = db_column_int64(s, 0), .stop = db_column_int64(s, 1)};
    return STORE_OK;
}

/* The interval of a live appointment before it is rewritten; NOT_FOUND
 * when there is none. */
static store_rc old_interval(db *d, int64_t calendar_id, int64_t id, interval *was)
{
    const store_rows q = {SQL_OLD_INTERVAL, sizeof(interval), read_interval};
    const store_value binds[] = {STORE_INT64(id), STORE_INT64(calendar_id)};
    return store_row_get(d, &q, binds, 2, NULL, was);
}

/* Makes the calendar's CalDAV link due at `now`, in the unit of work of
 * the appointment write: no row when it has none. */
static store_rc wake_link(db *d, int64_t calendar_id, int64_t now)
{
    const store_value binds[] = {STORE_INT64(now), STORE_INT64(calendar_id), STORE_INT64(now)};
    return store_write_run(d, SQL_WAKE_LINK, binds, 3, NULL, NULL);
}

/* Replans the messages of one appointment this unit of work wrote
 * (inserted: `inserted`), with working memory of its own: a few kB, taken
 * only when the center sends messages. */
static store_rc plan_one(store *st, const appointment *ap, bool inserted, int64_t now)
{
    arena *a = arena_new(1 << 20);
    if (!a)
        return store_out_of_memory("outbox planning");
    store_rc rc = store_outbox_plan(st, ap, &inserted, 1, OUTBOX_WRITTEN, now, a);
    arena_free(a);
    return rc;
}

store_rc store_appointment_insert(store *st, appointment *ap)
{
    assert(st && ap);
    store_op op;
    store_value binds[12];
    int64_t id = 0;
    binds[0] = STORE_INT64(ap->calendar_id);
    data_values(ap, binds + 1);
    binds[11] = STORE_INT64(ap->updated_at);
    store_rc rc = store_op_begin(st, &op, STORE_OP_WRITE);
    if (rc == STORE_OK && (rc = check_references(st->db, ap)) == STORE_OK &&
        (rc = raise_longest(st->db, ap)) == STORE_OK)
        rc = store_write_run(st->db, SQL_INSERT, binds, 12, NULL, &id);
    if (rc == STORE_OK)
        rc = touch_overlapping(st->db, ap->calendar_id, id, ap->start, ap->stop, ap->updated_at);
    if (rc == STORE_OK) {
        appointment written = *ap;
        written.id = id;
        written.deleted = false;
        rc = plan_one(st, &written, true, ap->updated_at);
    }
    if (rc == STORE_OK)
        rc = wake_link(st->db, ap->calendar_id, ap->updated_at);
    if (rc == STORE_OK)
        rc = store_audit(st, "appointment", &id, NULL, "create", 1, ap->updated_at);
    rc = store_op_end(st, &op, rc);
    if (rc == STORE_OK) {
        ap->id = id;
        ap->deleted = false;
    }
    return rc;
}

store_rc store_appointment_update(store *st, const appointment *ap)
{
    assert(st && ap);
    store_op op;
    store_value binds[13];
    interval was = {0, 0};
    data_values(ap, binds);
    binds[10] = STORE_INT64(ap->updated_at);
    binds[11] = STORE_INT64(ap->id);
    binds[12] = STORE_INT64(ap->calendar_id);
    store_rc rc = store_op_begin(st, &op, STORE_OP_WRITE);
    if (rc == STORE_OK && (rc = old_interval(st->db, ap->calendar_id, ap->id, &was)) == STORE_OK &&
        (rc = check_references(st->db, ap)) == STORE_OK &&
        (rc = raise_longest(st->db, ap)) == STORE_OK)
        rc = store_write_row(st->db, SQL_UPDATE, binds, 13);
    if (rc == STORE_OK)
        rc =
            touch_overlapping(st->db, ap->calendar_id, ap->id, was.start, was.stop, ap->updated_at);
    if (rc == STORE_OK)
        rc =
            touch_overlapping(st->db, ap->calendar_id, ap->id, ap->start, ap->stop, ap->updated_at);
    if (rc == STORE_OK)
        rc = plan_one(st, ap, false, ap->updated_at);
    if (rc == STORE_OK)
        rc = wake_link(st->db, ap->calendar_id, ap->updated_at);
    if (rc == STORE_OK)
        rc = store_audit(st, "appointment", &ap->id, NULL, "update", 1, ap->updated_at);
    return store_op_end(st, &op, rc);
}

store_rc store_appointment_delete(store *st, int64_t calendar_id, int64_t id, int64_t now)
{
    assert(st);
    store_op op;
    const store_value binds[] = {STORE_INT64(now), STORE_INT64(id), STORE_INT64(calendar_id)};
    interval was = {0, 0};
    store_rc rc = store_op_begin(st, &op, STORE_OP_WRITE);
    if (rc == STORE_OK && (rc = old_interval(st->db, calendar_id, id, &was)) == STORE_OK)
        rc = store_write_row(st->db, SQL_DELETE, binds, 3);
    if (rc == STORE_OK)
        rc = touch_overlapping(st->db, calendar_id, id, was.start, was.stop, now);
    if (rc == STORE_OK) {
        const appointment gone = {.id = id,
                                  .calendar_id = calendar_id,
                                  .start = was.start,
                                  .stop = was.stop,
                                  .deleted = true};
        rc = plan_one(st, &gone, false, now);
    }
    if (rc == STORE_OK)
        rc = wake_link(st->db, calendar_id, now);
    if (rc == STORE_OK)
        rc = store_audit(st, "appointment", &id, NULL, "delete", 1, now);
    return store_op_end(st, &op, rc);
}

/* ---- many at once ------------------------------------------------------ */

static const store_many appointment_many = {
    .by_ids = SQL_GET_BY_IDS,
    .by_remote_ids = SQL_GET_BY_REMOTE_IDS,
    .read = read_appointment,
    .row_size = sizeof(appointment),
    .remote_id_offset = offsetof(appointment, remote_id),
};

store_rc store_appointment_get_many(store *st, int64_t calendar_id, const object_ref *refs,
                                    size_t n, arena *a, appointment *out, bool *found)
{
    return store_get_many(st, &appointment_many, calendar_id, refs, n, a, out, found);
}

/* A row of SQL_INSERT_MANY: calendar_id, the data columns, deleted,
 * updated_at (13 values). */
static void insert_values(const void *row, store_value *v)
{
    const appointment *ap = row;
    v[0] = STORE_INT64(ap->calendar_id);
    data_values(ap, v + 1);
    v[11] = STORE_INT64(ap->deleted ? 1 : 0);
    v[12] = STORE_INT64(ap->updated_at);
}

/* A row of SQL_UPDATE_MANY: id, then insert_values (14 values). */
static void update_values(const void *row, store_value *v)
{
    const appointment *ap = row;
    v[0] = STORE_INT64(ap->id);
    insert_values(ap, v + 1);
}

static void bind_picked_id(db_stmt *s, int first, const void *items, size_t k)
{
    db_bind_int64(s, first, ((const appointment *)store_picked(items, k))->id);
}

static void bind_int64_item(db_stmt *s, int first, const void *items, size_t k)
{
    db_bind_int64(s, first, ((const int64_t *)items)[k]);
}

static int cmp_int64(const void *x, const void *y)
{
    int64_t a = *(const int64_t *)x, b = *(const int64_t *)y;
    return (a > b) - (a < b);
}

/* store_bulk_run's row callback summing a COUNT(*) per chunk. */
static store_rc add_count(db_stmt *s, void *ctx)
{
    *(int64_t *)ctx += db_column_int64(s, 0);
    return STORE_OK;
}

/* Runs the bulk statement `sql`, whose rows are ids (ids[0..n)) and whose
 * trailing placeholder is the calendar id, handing each row it returns to
 * row(s, ctx). */
static store_rc run_by_ids(store *st, const char *sql, int64_t calendar_id, const int64_t *ids,
                           size_t n, store_rc (*row)(db_stmt *s, void *ctx), void *ctx)
{
    const store_bulk b = {
        .sql = sql,
        .trail = &calendar_id,
        .n_trail = 1,
        .per_row = 1,
        .items = ids,
        .n = n,
        .bind = bind_int64_item,
        .row = row,
        .ctx = ctx,
    };
    return store_bulk_run(st, &b, NULL);
}

/* NOT_FOUND unless the distinct non-zero references of rows (the patient_id
 * or service_id at `offset`) all belong to the calendar (its center for
 * patients): check_references for many rows. */
static store_rc check_references_many(store *st, const char *sql, int64_t calendar_id,
                                      const appointment *rows, size_t n, size_t offset, arena *a)
{
    int64_t *ids = n ? arena_alloc(a, n * sizeof *ids) : NULL;
    size_t distinct = 0;
    if (n && !ids)
        return store_out_of_memory("bulk reference check");
    for (size_t i = 0; i < n; i++) {
        int64_t id = *(const int64_t *)((const char *)&rows[i] + offset);
        if (id && !rows[i].deleted) /* a deletion checks nothing, as a single one */
            ids[distinct++] = id;
    }
    if (distinct > 1)
        qsort(ids, distinct, sizeof *ids, cmp_int64);
    size_t u = 0;
    for (size_t i = 0; i < distinct; i++)
        if (u == 0 || ids[u - 1] != ids[i])
            ids[u++] = ids[i];
    int64_t count = 0;
    store_rc rc = run_by_ids(st, sql, calendar_id, ids, u, add_count, &count);
    if (rc == STORE_OK && count != (int64_t)u)
        rc = STORE_NOT_FOUND;
    return rc;
}

/* Touches the neighbours of the rows `pick` lists, as they are now (see
 * SQL_TOUCH_AROUND_MANY). */
static store_rc touch_around_many(store *st, int64_t calendar_id, int64_t now,
                                  const store_pick *pick)
{
    const int64_t lead[] = {now, calendar_id, calendar_id};
    const store_bulk b = {
        .sql = SQL_TOUCH_AROUND_MANY,
        .lead = lead,
        .n_lead = 3,
        .trail = &now,
        .n_trail = 1,
        .per_row = 1,
        .items = pick,
        .n = pick->n,
        .bind = bind_picked_id,
    };
    return store_bulk_run(st, &b, NULL);
}

static const store_writes appointment_writes = {
    .update = SQL_UPDATE_MANY,
    .update_per_row = 14,
    .update_values = update_values,
    .insert = SQL_INSERT_MANY,
    .insert_per_row = 13,
    .insert_values = insert_values,
};

/* The audit rows of a collection's writes: created, deleted or updated. */
static store_rc audit_many(store *st, const appointment *rows, const bool *inserted, size_t n,
                           int64_t now, arena *a)
{
    int64_t *ids = arena_alloc(a, n * sizeof *ids);
    const char **actions = arena_alloc(a, n * sizeof *actions);
    if (!ids || !actions)
        return store_out_of_memory("audit");
    for (size_t i = 0; i < n; i++) {
        ids[i] = rows[i].id;
        actions[i] = inserted[i] ? "create" : rows[i].deleted ? "delete" : "update";
    }
    return store_audit(st, "appointment", ids, actions, NULL, n, now);
}

store_rc store_appointment_write_many(store *st, appointment *rows, size_t n, arena *a)
{
    assert(st && (rows || n == 0) && a);
    if (n == 0)
        return STORE_OK;
    const int64_t calendar_id = rows[0].calendar_id, now = rows[0].updated_at;
    appointment longest = {.calendar_id = calendar_id};
    for (size_t i = 0; i < n; i++) {
        assert(rows[i].calendar_id == calendar_id && rows[i].updated_at == now);
        if (!rows[i].deleted && rows[i].stop - rows[i].start > longest.stop - longest.start) {
            longest.start = rows[i].start;
            longest.stop = rows[i].stop;
        }
    }
    store_pick old, fresh;
    const store_pick all = {.rows = (char *)rows, .row_size = sizeof *rows, .n = n};
    store_rc rc = store_pick_split(rows, sizeof *rows, n, a, &old, &fresh);
    /* `longest` names no patient nor service: its check is the calendar's */
    if (rc != STORE_OK || (rc = check_references(st->db, &longest)) != STORE_OK ||
        (rc = check_references_many(st, SQL_CHECK_PATIENTS_MANY, calendar_id, rows, n,
                                    offsetof(appointment, patient_id), a)) != STORE_OK ||
        (rc = check_references_many(st, SQL_CHECK_SERVICES_MANY, calendar_id, rows, n,
                                    offsetof(appointment, service_id), a)) != STORE_OK ||
        (rc = raise_longest(st->db, &longest)) != STORE_OK ||
        (rc = touch_around_many(st, calendar_id, now, &old)) != STORE_OK)
        return rc;
    bool *inserted = arena_calloc(a, n, sizeof *inserted);
    if (!inserted)
        return store_out_of_memory("bulk write");
    for (size_t k = 0; k < fresh.n; k++)
        inserted[fresh.picked[k]] = true;
    rc = store_write_picks(st, &appointment_writes, &old, &fresh, now, a);
    if (rc == STORE_OK)
        rc = touch_around_many(st, calendar_id, now, &all);
    if (rc == STORE_OK)
        rc = store_outbox_plan(st, rows, inserted, n, OUTBOX_WRITTEN, now, a);
    if (rc == STORE_OK)
        rc = wake_link(st->db, calendar_id, now);
    return rc == STORE_OK ? audit_many(st, rows, inserted, n, now, a) : rc;
}

/* store_appointment_warnings' collection of (id, warning) rows. */
typedef struct warning_rows {
    int64_t (*rows)[2];
    size_t n, cap;
} warning_rows;

static store_rc warning_row(db_stmt *s, void *ctx)
{
    warning_rows *w = ctx;
    if (w->n == w->cap) {
        fprintf(stderr, "agenda: store: more warnings than appointments asked for\n");
        return STORE_ERROR;
    }
    w->rows[w->n][0] = db_column_int64(s, 0);
    w->rows[w->n][1] = db_column_int64(s, 1);
    w->n++;
    return STORE_OK;
}

store_rc store_appointment_warnings(store *st, int64_t calendar_id, const int64_t *ids, size_t n,
                                    arena *a, bool *warnings)
{
    assert(st && (ids || n == 0) && a && (warnings || n == 0));
    warning_rows w = {.cap = n};
    if (n == 0)
        return STORE_OK;
    w.rows = arena_alloc(a, n * sizeof *w.rows);
    if (!w.rows)
        return store_out_of_memory("bulk warnings");
    store_rc rc = run_by_ids(st, SQL_WARNINGS_BY_IDS, calendar_id, ids, n, warning_row, &w);
    if (rc != STORE_OK)
        return rc;
    if (w.n > 1)
        qsort(w.rows, w.n, sizeof *w.rows, cmp_int64); /* by id, the first member */
    for (size_t i = 0; i < n; i++) {
        const int64_t key[2] = {ids[i], 0};
        const int64_t(*hit)[2] = w.n ? bsearch(key, w.rows, w.n, sizeof *w.rows, cmp_int64) : NULL;
        warnings[i] = hit && (*hit)[1] != 0;
    }
    return STORE_OK;
}
