/* online.c - what the booking page writes besides holds: the server's
 * signing keys, the abuse limits per client address, and the booking of a
 * hold for a patient (matched or created) with its per-patient limit.
 *
 * Keys.  A key is 32 random bytes under a name (web_keys), made by the
 * first server that asks and read by every other: INSERT ... ON CONFLICT
 * DO NOTHING then SELECT, so two servers racing for the first key agree on
 * the one written first.
 *
 * Attempts.  A sliding window per (address, kind): the address's rows
 * older than the window are removed, those left are counted, and one more
 * is written only when under the limit, all in one write unit of work, so
 * servers sharing the database share the count.
 *
 * Booking.  store_online_book is one unit of work: the patient is matched
 * (same email and birth date, or same phone, among the center's live
 * patients; lowest id first) or inserted with no remote_id; a matched
 * patient with max_future future booked online appointments is refused;
 * then store_hold_book turns the hold into the appointment (its checks,
 * planning and outbox included) and booking_made records it.  Any refusal
 * undoes everything, the new patient included. */
#include <assert.h>
#include <sodium.h>
#include <string.h>

#include "store/internal.h"

static const char SQL_KEY_ADD[] = "INSERT INTO web_keys (name, secret, created_at) VALUES (?, ?, ?)"
                                  " ON CONFLICT (name) DO NOTHING";
static const char SQL_KEY_GET[] = "SELECT secret FROM web_keys WHERE name = ?";
static const char SQL_ATTEMPTS_OLD[] =
    "DELETE FROM booking_attempts WHERE address = ? AND kind = ? AND at <= ?";
static const char SQL_ATTEMPTS_COUNT[] =
    "SELECT COUNT(*) FROM booking_attempts WHERE address = ? AND kind = ? AND at > ?";
static const char SQL_ATTEMPT_ADD[] =
    "INSERT INTO booking_attempts (address, kind, at) VALUES (?, ?, ?)";
/* a returning patient: binds center, email, birthdate, phone */
static const char SQL_PATIENT_MATCH[] =
    "SELECT id FROM patients WHERE center_id = ? AND deleted + 0 = 0"
    " AND ((email IS NOT NULL AND lower(email) = lower(?) AND birthdate = ?)"
    " OR (phone_number IS NOT NULL AND phone_number = ?)) ORDER BY id LIMIT 1";
static const char SQL_FUTURE_ONLINE[] =
    "SELECT COUNT(*) FROM booking_made m JOIN appointments a ON a.id = m.appointment_id"
    " WHERE m.patient_id = ? AND a.deleted + 0 = 0 AND a.status = 'booked' AND a.start > ?";
static const char SQL_MADE_ADD[] =
    "INSERT INTO booking_made (appointment_id, patient_id, created_at) VALUES (?, ?, ?)";

typedef struct key_text {
    const char *text;
} key_text;

static store_rc read_key(db_stmt *s, arena *a, void *row)
{
    return store_column_text(s, 0, a, &((key_text *)row)->text);
}

store_rc store_web_key(store *st, const char *name, int64_t now, arena *a,
                       unsigned char key[STORE_WEB_KEY_BYTES])
{
    assert(st && name && a && key);
    store_op op;
    unsigned char fresh[STORE_WEB_KEY_BYTES];
    char hex[2 * STORE_WEB_KEY_BYTES + 1];
    key_text got = {0};
    size_t len = 0;
    const store_rows q = {SQL_KEY_GET, sizeof got, read_key};
    const store_value by_name[] = {STORE_TEXT(name)};
    store_rc rc = store_op_begin(st, &op, STORE_OP_READ);
    if (rc == STORE_OK)
        rc = store_row_get(st->db, &q, by_name, 1, a, &got);
    rc = store_op_end(st, &op, rc);
    if (rc == STORE_NOT_FOUND) {
        randombytes_buf(fresh, sizeof fresh);
        sodium_bin2hex(hex, sizeof hex, fresh, sizeof fresh);
        sodium_memzero(fresh, sizeof fresh);
        const store_value add[] = {STORE_TEXT(name), STORE_TEXT(hex), STORE_INT64(now)};
        rc = store_op_begin(st, &op, STORE_OP_WRITE);
        if (rc == STORE_OK)
            rc = store_write_run(st->db, SQL_KEY_ADD, add, 3, NULL, NULL);
        if (rc == STORE_OK)
            rc = store_row_get(st->db, &q, by_name, 1, a, &got);
        rc = store_op_end(st, &op, rc);
        sodium_memzero(hex, sizeof hex);
    }
    if (rc == STORE_OK && (!got.text ||
                           sodium_hex2bin(key, STORE_WEB_KEY_BYTES, got.text, strlen(got.text),
                                          NULL, &len, NULL) != 0 ||
                           len != STORE_WEB_KEY_BYTES))
        rc = STORE_ERROR; /* only this file writes the column */
    return rc;
}

store_rc store_booking_attempt(store *st, const char *address, booking_attempt_kind kind,
                               int64_t now, int64_t window, int64_t max)
{
    assert(st && address && window > 0 && max > 0);
    store_op op;
    int64_t count = 0;
    const store_rows q = {SQL_ATTEMPTS_COUNT, sizeof count, store_read_id};
    const store_value binds[] = {STORE_TEXT(address), STORE_INT64(kind), STORE_INT64(now - window)};
    const store_value add[] = {STORE_TEXT(address), STORE_INT64(kind), STORE_INT64(now)};
    store_rc rc = store_op_begin(st, &op, STORE_OP_WRITE);
    if (rc == STORE_OK)
        rc = store_write_run(st->db, SQL_ATTEMPTS_OLD, binds, 3, NULL, NULL);
    if (rc == STORE_OK)
        rc = store_row_get(st->db, &q, binds, 3, NULL, &count);
    if (rc == STORE_OK && count >= max)
        rc = STORE_CONFLICT;
    if (rc == STORE_OK)
        rc = store_write_run(st->db, SQL_ATTEMPT_ADD, add, 3, NULL, NULL);
    return store_op_end(st, &op, rc);
}

store_rc store_online_book(store *st, const online_booking *b, int64_t now, appointment *ap,
                           online_refusal *why, arena *a)
{
    assert(st && b && b->patient.first_name && ap && why && a);
    store_op op;
    int64_t patient_id = 0, future = 0;
    const store_rows match_q = {SQL_PATIENT_MATCH, sizeof patient_id, store_read_id};
    const store_rows future_q = {SQL_FUTURE_ONLINE, sizeof future, store_read_id};
    const store_value match[] = {STORE_INT64(b->patient.center_id), STORE_TEXT(b->patient.email),
                                 STORE_TEXT(b->patient.birthdate),
                                 STORE_TEXT(b->patient.phone_number)};
    *why = ONLINE_OK;
    store_rc rc = store_op_begin(st, &op, STORE_OP_WRITE);
    if (rc == STORE_OK) {
        rc = store_row_get(st->db, &match_q, match, 4, NULL, &patient_id);
        if (rc == STORE_NOT_FOUND) {
            patient p = b->patient;
            p.remote_id = NULL;
            p.updated_at = now;
            rc = store_patient_insert(st, &p);
            patient_id = p.id;
        } else if (rc == STORE_OK) {
            const store_value of[] = {STORE_INT64(patient_id), STORE_INT64(now)};
            rc = store_row_get(st->db, &future_q, of, 2, NULL, &future);
            if (rc == STORE_OK && future >= b->max_future) {
                *why = ONLINE_TOO_MANY;
                rc = STORE_CONFLICT;
            }
        }
    }
    if (rc == STORE_OK) {
        ap->patient_id = patient_id;
        rc = store_hold_book(st, b->hold_id, b->owner, now, ap, a);
        if (rc == STORE_NOT_FOUND)
            *why = ONLINE_HOLD_GONE;
        else if (rc == STORE_CONFLICT)
            *why = ONLINE_TAKEN;
    }
    if (rc == STORE_OK) {
        const store_value made[] = {STORE_INT64(ap->id), STORE_INT64(patient_id), STORE_INT64(now)};
        rc = store_write_run(st->db, SQL_MADE_ADD, made, 3, NULL, NULL);
    }
    return store_op_end(st, &op, rc);
}

store_rc store_online_move(store *st, int64_t hold_id, const char *owner, int64_t now,
                           appointment *ap, arena *a)
{
    assert(st && owner && ap && a);
    store_op op;
    booking_hold h;
    object_ref ref = {.id = ap->id};
    store_rc rc = store_op_begin(st, &op, STORE_OP_WRITE);
    if (rc == STORE_OK)
        rc = store_hold_get(st, hold_id, owner, now, a, &h);
    if (rc == STORE_OK && h.calendar_id != ap->calendar_id)
        rc = STORE_NOT_FOUND;
    if (rc == STORE_OK)
        rc = store_appointment_get(st, ap->calendar_id, &ref, a, ap);
    if (rc == STORE_OK && (ap->deleted || ap->status != APPT_BOOKED))
        rc = STORE_NOT_FOUND;
    /* the hold was placed on free time and is released in this unit, so
     * nothing else can have taken it */
    if (rc == STORE_OK)
        rc = store_hold_release(st, hold_id, owner);
    if (rc == STORE_OK) {
        ap->start = h.start;
        ap->stop = h.stop;
        ap->updated_at = now;
        rc = store_appointment_update(st, ap);
    }
    return store_op_end(st, &op, rc);
}
