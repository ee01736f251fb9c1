/* replies.c - replies to SMS: the appointments a reply can answer, the
 * confirmations it records, and the replies kept for the practice.
 *
 * Matching.  A reply answers its sender's next appointment that an SMS
 * reminder was sent for.  Patients' phone numbers are free text ("0470 12
 * 34 56"), compared only once normalised to E.164 with the center's country
 * (notify/phone.h, a layer above), so no index can find them by number:
 * store_reply_candidates reads instead the appointments that could be
 * answered at all - live, booked, still ahead, a patient linked, an SMS
 * reminder sent - through the reminders sent lately (the partial index
 * messages_sms_sent, whose predicate the query repeats word for word so
 * both engines use it), and the caller keeps those whose number matches.  A
 * reminder is sent at most REMIND_LEAD_MAX before the start, and quiet
 * hours move it at most a day earlier; REPLY_LOOKBACK adds a day more for
 * retries and clocks.
 *
 * Confirmations live in appointment_confirmations (migration 7), not in the
 * appointments table: an appointment's documented object and its writes do
 * not change, and the first confirmation's time is kept.  A cancellation by
 * reply is an ordinary appointment update (store_appointment_update), made
 * by the caller. */
#include <assert.h>

#include "sched/remind.h"
#include "store/internal.h"

/* How far back an SMS reminder for an appointment still ahead can have
 * been sent. */
#define REPLY_LOOKBACK (REMIND_LEAD_MAX + 2 * 86400)

static const char SQL_CANDIDATES[] =
    "SELECT DISTINCT a.id, a.calendar_id, k.center_id, a.start, p.phone_number, rs.country"
    " FROM messages m JOIN appointments a ON a.id = m.appointment_id"
    " JOIN calendars k ON k.id = a.calendar_id"
    " JOIN patients p ON p.id = a.patient_id"
    " JOIN reminder_settings rs ON rs.center_id = k.center_id"
    " WHERE m.kind = 'reminder' AND m.channel = 'sms' AND m.sent_at IS NOT NULL AND m.sent_at >= ?"
    " AND a.start > ? AND a.deleted + 0 = 0 AND a.status = 'booked' AND p.deleted + 0 = 0"
    " ORDER BY a.start, a.id";
/* Only a live appointment is confirmed; a second confirmation keeps the
 * first (the WHERE also keeps SQLite's parser from reading ON CONFLICT as
 * a join's). */
static const char SQL_CONFIRM[] =
    "INSERT INTO appointment_confirmations (appointment_id, confirmed_at)"
    " SELECT id, ? FROM appointments WHERE id = ? AND deleted + 0 = 0"
    " ON CONFLICT (appointment_id) DO NOTHING";
static const char SQL_CONFIRMED_AT[] =
    "SELECT confirmed_at FROM appointment_confirmations WHERE appointment_id = ?";

#define REPLY_COLUMNS "id, center_id, appointment_id, from_number, body, outcome, received_at"
static const char SQL_REPLY_INSERT[] =
    "INSERT INTO sms_replies (center_id, appointment_id, from_number, body, outcome, received_at)"
    " VALUES (CAST(? AS BIGINT), CAST(? AS BIGINT), ?, ?, ?, ?) RETURNING id";
/* index sms_replies_center_id; with an outcome, sms_replies_center */
static const char SQL_REPLY_COUNT[] = "SELECT COUNT(*) FROM sms_replies WHERE center_id = ?";
static const char SQL_REPLY_PAGE[] = "SELECT " REPLY_COLUMNS " FROM sms_replies"
                                     " WHERE center_id = ? ORDER BY id DESC LIMIT ? OFFSET ?";
static const char SQL_REPLY_COUNT_OUTCOME[] =
    "SELECT COUNT(*) FROM sms_replies WHERE center_id = ? AND outcome = ?";
static const char SQL_REPLY_PAGE_OUTCOME[] =
    "SELECT " REPLY_COLUMNS " FROM sms_replies WHERE center_id = ? AND outcome = ?"
    " ORDER BY id DESC LIMIT ? OFFSET ?";

static store_rc read_candidate(db_stmt *s, arena *a, void *row)
{
    reply_candidate *c = row;
    store_rc rc;
    c->appointment_id = db_column_int64(s, 0);
    c->calendar_id = db_column_int64(s, 1);
    c->center_id = db_column_int64(s, 2);
    c->start = db_column_int64(s, 3);
    if ((rc = store_column_text(s, 4, a, &c->phone_number)) != STORE_OK)
        return rc;
    return store_column_text(s, 5, a, &c->country);
}

store_rc store_reply_candidates(store *st, int64_t now, arena *a, reply_candidate **out, size_t *n)
{
    assert(st && a && out && n);
    const store_rows q = {SQL_CANDIDATES, sizeof **out, read_candidate};
    const store_value binds[] = {STORE_INT64(now - REPLY_LOOKBACK), STORE_INT64(now)};
    return store_rows_run(st->db, &q, binds, 2, a, (void **)out, n);
}

store_rc store_appointment_confirm(store *st, int64_t appointment_id, int64_t at)
{
    assert(st);
    const store_value binds[] = {STORE_INT64(at), STORE_INT64(appointment_id)};
    return store_write_run(st->db, SQL_CONFIRM, binds, 2, NULL, NULL);
}

store_rc store_appointment_confirmed_at(store *st, int64_t appointment_id, int64_t *at)
{
    assert(st && at);
    const store_rows q = {SQL_CONFIRMED_AT, sizeof *at, store_read_id};
    const store_value binds[] = {STORE_INT64(appointment_id)};
    store_rc rc = store_row_get(st->db, &q, binds, 1, NULL, at);
    if (rc == STORE_NOT_FOUND) {
        *at = 0;
        rc = STORE_OK;
    }
    return rc;
}

store_rc store_reply_insert(store *st, sms_reply *r)
{
    assert(st && r && r->from_number && r->body && r->outcome);
    const store_value binds[] = {
        r->center_id ? STORE_INT64(r->center_id) : STORE_TEXT(NULL),
        r->appointment_id ? STORE_INT64(r->appointment_id) : STORE_TEXT(NULL),
        STORE_TEXT(r->from_number),
        STORE_TEXT(r->body),
        STORE_TEXT(r->outcome),
        STORE_INT64(r->received_at),
    };
    /* a missing center or appointment fails its foreign key: NOT_FOUND */
    return store_write_run(st->db, SQL_REPLY_INSERT, binds, 6, NULL, &r->id);
}

static store_rc read_reply(db_stmt *s, arena *a, void *row)
{
    sms_reply *r = row;
    store_rc rc;
    r->id = db_column_int64(s, 0);
    r->center_id = db_column_int64(s, 1);      /* NULL reads as 0 */
    r->appointment_id = db_column_int64(s, 2); /* likewise */
    if ((rc = store_column_text(s, 3, a, &r->from_number)) != STORE_OK ||
        (rc = store_column_text(s, 4, a, &r->body)) != STORE_OK ||
        (rc = store_column_text(s, 5, a, &r->outcome)) != STORE_OK)
        return rc;
    r->received_at = db_column_int64(s, 6);
    return STORE_OK;
}

store_rc store_reply_list(store *st, int64_t center_id, const char *outcome, const list_query *q,
                          arena *a, sms_reply **out, size_t *n, int64_t *total)
{
    const store_rows rows = {outcome ? SQL_REPLY_PAGE_OUTCOME : SQL_REPLY_PAGE, sizeof(sms_reply),
                             read_reply};
    const store_value binds[] = {STORE_INT64(center_id), STORE_TEXT(outcome)};
    return store_page_run(st, outcome ? SQL_REPLY_COUNT_OUTCOME : SQL_REPLY_COUNT, &rows, binds,
                          outcome ? 2 : 1, q, a, (void **)out, n, total);
}
