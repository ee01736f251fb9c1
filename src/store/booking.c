/* booking.c - online booking: a center's booking settings and the holds
 * of its page.
 *
 * Settings are one row per center (booking_settings) and the lists of what
 * the page offers, one row per calendar or service (booking_calendars,
 * booking_services); empty lists mean everything of the center's.  Writing
 * replaces the row and both lists in one unit of work, after checking every
 * id named: a list never holds another center's calendar, nor a service
 * outside the calendars offered, so readers trust them.
 *
 * Holds.  A hold is a row of booking_holds that counts as busy time while
 * expires_at > now (store_busy_list reads it, schedule.c), so the
 * suggestions, the bookings extension and other patients' placements skip
 * it, and an expired one stops counting at once without being removed.
 * Placing a hold and booking one follow the rule of bookings
 * (api/suggestions.c): the time is checked free and written in one write
 * unit of work, which SQLite runs under its write lock and PostgreSQL
 * SERIALIZABLE (the loser of a race retries and then sees the winner).
 * Cleanup is a bounded delete, not a background worker: each placement
 * first removes the calendar's expired holds, so a calendar keeps at most
 * the holds that expired since its last placement, and reads never depend
 * on the removal. */
#include <assert.h>
#include <string.h>

#include "store/internal.h"

#define HOLD_OWNER_MAX 255

#define SETTINGS_COLUMNS                                                                           \
    "center_id, enabled, horizon_days, min_notice, max_future, hold_seconds, updated_at"
static const char SQL_SETTINGS_GET[] =
    "SELECT " SETTINGS_COLUMNS " FROM booking_settings WHERE center_id = ?";
static const char SQL_SETTINGS_PUT[] =
    "INSERT INTO booking_settings (" SETTINGS_COLUMNS ") VALUES (?, ?, ?, ?, ?, ?, ?)"
    " ON CONFLICT (center_id) DO UPDATE SET enabled = excluded.enabled,"
    " horizon_days = excluded.horizon_days, min_notice = excluded.min_notice,"
    " max_future = excluded.max_future, hold_seconds = excluded.hold_seconds,"
    " updated_at = excluded.updated_at";
static const char SQL_CALENDARS_GET[] =
    "SELECT calendar_id FROM booking_calendars WHERE center_id = ? ORDER BY calendar_id";
static const char SQL_SERVICES_GET[] =
    "SELECT service_id FROM booking_services WHERE center_id = ? ORDER BY service_id";
static const char SQL_CALENDARS_CLEAR[] = "DELETE FROM booking_calendars WHERE center_id = ?";
static const char SQL_SERVICES_CLEAR[] = "DELETE FROM booking_services WHERE center_id = ?";
static const char SQL_CALENDAR_ADD[] =
    "INSERT INTO booking_calendars (center_id, calendar_id) VALUES (?, ?)";
static const char SQL_SERVICE_ADD[] =
    "INSERT INTO booking_services (center_id, service_id) VALUES (?, ?)";
/* the services offered: binds the center five times */
static const char SQL_OFFERED[] =
    "SELECT s.id, s.calendar_id, s.name, s.duration, k.first_name, k.last_name"
    " FROM calendars k JOIN services s ON s.calendar_id = k.id"
    " WHERE k.center_id = ? AND s.deleted + 0 = 0"
    " AND (NOT EXISTS (SELECT 1 FROM booking_calendars WHERE center_id = ?)"
    " OR k.id IN (SELECT calendar_id FROM booking_calendars WHERE center_id = ?))"
    " AND (NOT EXISTS (SELECT 1 FROM booking_services WHERE center_id = ?)"
    " OR s.id IN (SELECT service_id FROM booking_services WHERE center_id = ?))"
    " ORDER BY s.name, s.duration, s.id";
static const char SQL_CENTER_EXISTS[] = "SELECT id FROM centers WHERE id = ?";
static const char SQL_CALENDAR_OF_CENTER[] =
    "SELECT id FROM calendars WHERE id = ? AND center_id = ?";
/* the calendar of a live service of the center */
static const char SQL_SERVICE_OF_CENTER[] =
    "SELECT s.calendar_id FROM services s JOIN calendars k ON k.id = s.calendar_id"
    " WHERE s.id = ? AND k.center_id = ? AND s.deleted + 0 = 0";

booking_settings store_booking_settings_default(int64_t center_id)
{
    return (booking_settings){.center_id = center_id,
                              .horizon_days = 60,
                              .min_notice = 120,
                              .max_future = 3,
                              .hold_seconds = 300};
}

static store_rc read_settings(db_stmt *s, arena *a, void *row)
{
    (void)a;
    booking_settings *bs = row;
    bs->center_id = db_column_int64(s, 0);
    bs->enabled = db_column_int64(s, 1) != 0;
    bs->horizon_days = db_column_int64(s, 2);
    bs->min_notice = db_column_int64(s, 3);
    bs->max_future = db_column_int64(s, 4);
    bs->hold_seconds = db_column_int64(s, 5);
    bs->updated_at = db_column_int64(s, 6);
    return STORE_OK;
}

store_rc store_booking_settings_get(store *st, int64_t center_id, arena *a, booking_settings *out)
{
    assert(st && a && out);
    store_op op;
    void *calendars = NULL, *services = NULL;
    const store_rows settings_q = {SQL_SETTINGS_GET, sizeof *out, read_settings};
    const store_rows calendars_q = {SQL_CALENDARS_GET, sizeof(int64_t), store_read_id};
    const store_rows services_q = {SQL_SERVICES_GET, sizeof(int64_t), store_read_id};
    const store_value binds[] = {STORE_INT64(center_id)};
    store_rc rc = store_op_begin(st, &op, STORE_OP_READ);
    if (rc == STORE_OK)
        rc = store_row_get(st->db, &settings_q, binds, 1, a, out);
    if (rc == STORE_OK)
        rc = store_rows_run(st->db, &calendars_q, binds, 1, a, &calendars, &out->n_calendars);
    if (rc == STORE_OK)
        rc = store_rows_run(st->db, &services_q, binds, 1, a, &services, &out->n_services);
    if (rc == STORE_OK) {
        out->calendars = calendars;
        out->services = services;
    }
    return store_op_end(st, &op, rc);
}

static store_rc read_offered(db_stmt *s, arena *a, void *row)
{
    booking_service *b = row;
    store_rc rc;
    b->id = db_column_int64(s, 0);
    b->calendar_id = db_column_int64(s, 1);
    b->duration = db_column_int64(s, 3);
    if ((rc = store_column_text(s, 2, a, &b->name)) != STORE_OK ||
        (rc = store_column_text(s, 4, a, &b->first_name)) != STORE_OK)
        return rc;
    return store_column_text(s, 5, a, &b->last_name);
}

store_rc store_booking_services(store *st, int64_t center_id, arena *a, booking_service **out,
                                size_t *n)
{
    assert(st && a && out && n);
    const store_rows q = {SQL_OFFERED, sizeof **out, read_offered};
    const store_value binds[] = {STORE_INT64(center_id), STORE_INT64(center_id),
                                 STORE_INT64(center_id), STORE_INT64(center_id),
                                 STORE_INT64(center_id)};
    void *rows = NULL;
    store_rc rc = store_rows_run(st->db, &q, binds, 5, a, &rows, n);
    *out = rows;
    return rc;
}

/* Checks the lists of bs against the center's calendars and live services:
 * CONFLICT with *why on the first id refused. */
static store_rc check_lists(store *st, const booking_settings *bs, booking_reject *why)
{
    const store_rows calendar_q = {SQL_CALENDAR_OF_CENTER, sizeof(int64_t), store_read_id};
    const store_rows service_q = {SQL_SERVICE_OF_CENTER, sizeof(int64_t), store_read_id};
    store_rc rc = STORE_OK;
    for (size_t i = 0; rc == STORE_OK && i < bs->n_calendars; i++) {
        int64_t id = 0;
        const store_value binds[] = {STORE_INT64(bs->calendars[i]), STORE_INT64(bs->center_id)};
        rc = store_row_get(st->db, &calendar_q, binds, 2, NULL, &id);
        if (rc == STORE_NOT_FOUND) {
            *why = (booking_reject){.calendar = true, .id = bs->calendars[i]};
            rc = STORE_CONFLICT;
        }
    }
    for (size_t i = 0; rc == STORE_OK && i < bs->n_services; i++) {
        int64_t calendar_id = 0;
        const store_value binds[] = {STORE_INT64(bs->services[i]), STORE_INT64(bs->center_id)};
        rc = store_row_get(st->db, &service_q, binds, 2, NULL, &calendar_id);
        bool offered = rc == STORE_OK && bs->n_calendars == 0;
        for (size_t k = 0; rc == STORE_OK && !offered && k < bs->n_calendars; k++)
            offered = bs->calendars[k] == calendar_id;
        if (rc == STORE_NOT_FOUND || (rc == STORE_OK && !offered)) {
            *why = (booking_reject){.calendar = false, .id = bs->services[i]};
            rc = STORE_CONFLICT;
        }
    }
    return rc;
}

store_rc store_booking_settings_set(store *st, const booking_settings *bs, booking_reject *why)
{
    assert(st && bs && why);
    assert(bs->n_calendars <= BOOKING_LIST_MAX && bs->n_services <= BOOKING_LIST_MAX);
    store_op op;
    int64_t found = 0;
    const store_rows center_q = {SQL_CENTER_EXISTS, sizeof found, store_read_id};
    const store_value center[] = {STORE_INT64(bs->center_id)};
    const store_value binds[] = {STORE_INT64(bs->center_id),    STORE_INT64(bs->enabled),
                                 STORE_INT64(bs->horizon_days), STORE_INT64(bs->min_notice),
                                 STORE_INT64(bs->max_future),   STORE_INT64(bs->hold_seconds),
                                 STORE_INT64(bs->updated_at)};
    store_rc rc = store_op_begin(st, &op, STORE_OP_WRITE);
    if (rc == STORE_OK)
        rc = store_row_get(st->db, &center_q, center, 1, NULL, &found);
    if (rc == STORE_OK)
        rc = check_lists(st, bs, why);
    if (rc == STORE_OK)
        rc = store_write_run(st->db, SQL_SETTINGS_PUT, binds, 7, NULL, NULL);
    if (rc == STORE_OK)
        rc = store_write_run(st->db, SQL_CALENDARS_CLEAR, center, 1, NULL, NULL);
    if (rc == STORE_OK)
        rc = store_write_run(st->db, SQL_SERVICES_CLEAR, center, 1, NULL, NULL);
    for (size_t i = 0; rc == STORE_OK && i < bs->n_calendars; i++) {
        const store_value row[] = {STORE_INT64(bs->center_id), STORE_INT64(bs->calendars[i])};
        rc = store_write_run(st->db, SQL_CALENDAR_ADD, row, 2, NULL, NULL);
    }
    for (size_t i = 0; rc == STORE_OK && i < bs->n_services; i++) {
        const store_value row[] = {STORE_INT64(bs->center_id), STORE_INT64(bs->services[i])};
        rc = store_write_run(st->db, SQL_SERVICE_ADD, row, 2, NULL, NULL);
    }
    return store_op_end(st, &op, rc);
}

#define HOLD_COLUMNS "id, calendar_id, service_id, start, stop, expires_at, owner, created_at"
static const char SQL_SERVICE_OF_CALENDAR[] =
    "SELECT id FROM services WHERE id = ? AND calendar_id = ? AND deleted + 0 = 0";
static const char SQL_HOLDS_EXPIRED_DELETE[] =
    "DELETE FROM booking_holds WHERE calendar_id = ? AND expires_at <= ?";
static const char SQL_HOLD_INSERT[] =
    "INSERT INTO booking_holds (calendar_id, service_id, start, stop, expires_at, owner,"
    " created_at) VALUES (?, ?, ?, ?, ?, ?, ?) RETURNING id";
static const char SQL_HOLD_GET[] = "SELECT " HOLD_COLUMNS " FROM booking_holds"
                                   " WHERE id = ? AND owner = ? AND expires_at > ?";
static const char SQL_HOLD_DELETE[] =
    "DELETE FROM booking_holds WHERE id = ? AND owner = ? RETURNING id";

static store_rc read_hold(db_stmt *s, arena *a, void *row)
{
    booking_hold *h = row;
    h->id = db_column_int64(s, 0);
    h->calendar_id = db_column_int64(s, 1);
    h->service_id = db_column_int64(s, 2);
    h->start = db_column_int64(s, 3);
    h->stop = db_column_int64(s, 4);
    h->expires_at = db_column_int64(s, 5);
    h->created_at = db_column_int64(s, 7);
    return store_column_text(s, 6, a, &h->owner);
}

/* CONFLICT when something busy at `now` overlaps [start, stop) of the
 * calendar, hold `except` left out. */
static store_rc check_free(store *st, int64_t calendar_id, int64_t start, int64_t stop, int64_t now,
                           int64_t except, arena *a)
{
    busy_interval *busy = NULL;
    size_t n = 0;
    store_rc rc = store_busy_window(st, calendar_id, start, stop, now, except, a, &busy, &n);
    if (rc == STORE_OK && n > 0)
        rc = STORE_CONFLICT;
    return rc;
}

store_rc store_hold_place(store *st, booking_hold *h, int64_t now, arena *a)
{
    assert(st && a && h && h->owner && h->start < h->stop && strlen(h->owner) <= HOLD_OWNER_MAX);
    store_op op;
    int64_t found = 0, id = 0;
    const store_rows service_q = {SQL_SERVICE_OF_CALENDAR, sizeof found, store_read_id};
    const store_value service[] = {STORE_INT64(h->service_id), STORE_INT64(h->calendar_id)};
    const store_value expired[] = {STORE_INT64(h->calendar_id), STORE_INT64(now)};
    const store_value binds[] = {STORE_INT64(h->calendar_id), STORE_INT64(h->service_id),
                                 STORE_INT64(h->start),       STORE_INT64(h->stop),
                                 STORE_INT64(h->expires_at),  STORE_TEXT(h->owner),
                                 STORE_INT64(h->created_at)};
    store_rc rc = store_op_begin(st, &op, STORE_OP_WRITE);
    if (rc == STORE_OK)
        rc = store_row_get(st->db, &service_q, service, 2, NULL, &found);
    if (rc == STORE_OK)
        rc = store_write_run(st->db, SQL_HOLDS_EXPIRED_DELETE, expired, 2, NULL, NULL);
    if (rc == STORE_OK)
        rc = check_free(st, h->calendar_id, h->start, h->stop, now, 0, a);
    if (rc == STORE_OK)
        rc = store_write_run(st->db, SQL_HOLD_INSERT, binds, 7, NULL, &id);
    rc = store_op_end(st, &op, rc);
    if (rc == STORE_OK)
        h->id = id;
    return rc;
}

store_rc store_hold_get(store *st, int64_t id, const char *owner, int64_t now, arena *a,
                        booking_hold *out)
{
    assert(st && owner && a && out);
    const store_rows q = {SQL_HOLD_GET, sizeof *out, read_hold};
    const store_value binds[] = {STORE_INT64(id), STORE_TEXT(owner), STORE_INT64(now)};
    return store_row_get(st->db, &q, binds, 3, a, out);
}

store_rc store_hold_release(store *st, int64_t id, const char *owner)
{
    assert(st && owner);
    const store_value binds[] = {STORE_INT64(id), STORE_TEXT(owner)};
    return store_write_row(st->db, SQL_HOLD_DELETE, binds, 2);
}

store_rc store_hold_book(store *st, int64_t id, const char *owner, int64_t now, appointment *ap,
                         arena *a)
{
    assert(st && owner && ap && a);
    store_op op;
    booking_hold h;
    const store_rows q = {SQL_HOLD_GET, sizeof h, read_hold};
    const store_value binds[] = {STORE_INT64(id), STORE_TEXT(owner), STORE_INT64(now)};
    const store_value key[] = {STORE_INT64(id), STORE_TEXT(owner)};
    store_rc rc = store_op_begin(st, &op, STORE_OP_WRITE);
    if (rc == STORE_OK)
        rc = store_row_get(st->db, &q, binds, 3, a, &h);
    if (rc == STORE_OK)
        rc = check_free(st, h.calendar_id, h.start, h.stop, now, h.id, a);
    if (rc == STORE_OK) {
        ap->calendar_id = h.calendar_id;
        ap->start = h.start;
        ap->stop = h.stop;
        ap->service_id = h.service_id;
        rc = store_write_row(st->db, SQL_HOLD_DELETE, key, 2);
    }
    if (rc == STORE_OK)
        rc = store_appointment_insert(st, ap);
    return store_op_end(st, &op, rc);
}
