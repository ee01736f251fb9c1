/* reminders.c - a center's message settings and its own templates.
 *
 * Settings are one row per center (reminder_settings); writing them
 * replans, in the same unit of work, the messages of every booked
 * appointment of the center that is still ahead (outbox.c), so new rules
 * apply to appointments already made and removed rules leave nothing
 * behind.  Templates are rows keyed (center, kind, channel, language); the
 * built-in texts live in notify/template.c, not here. */
#include <assert.h>
#include <string.h>

#include "store/internal.h"

#define SETTINGS_COLUMNS                                                                           \
    "center_id, rules, quiet, language, sender_name, address, country, confirmation,"              \
    " change_notice, cancellation_notice, change_delay, sms_segments, sms_fallback_email,"         \
    " updated_at"
static const char SQL_SETTINGS_GET[] =
    "SELECT " SETTINGS_COLUMNS " FROM reminder_settings WHERE center_id = ?";
static const char SQL_SETTINGS_PUT[] =
    "INSERT INTO reminder_settings (" SETTINGS_COLUMNS ")"
    " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"
    " ON CONFLICT (center_id) DO UPDATE SET rules = excluded.rules, quiet = excluded.quiet,"
    " language = excluded.language, sender_name = excluded.sender_name,"
    " address = excluded.address, country = excluded.country,"
    " confirmation = excluded.confirmation, change_notice = excluded.change_notice,"
    " cancellation_notice = excluded.cancellation_notice, change_delay = excluded.change_delay,"
    " sms_segments = excluded.sms_segments, sms_fallback_email = excluded.sms_fallback_email,"
    " updated_at = excluded.updated_at";
static const char SQL_SETTINGS_EXIST[] =
    "SELECT COUNT(*) FROM reminder_settings WHERE center_id = ?";
static const char SQL_CENTER_CALENDARS[] =
    "SELECT id FROM calendars WHERE center_id = ? ORDER BY id";
/* The booked appointments of a calendar still ahead (index appointments_start). */
static const char SQL_AHEAD[] =
    "SELECT id, calendar_id, start, stop FROM appointments WHERE calendar_id = ? AND start > ?"
    " AND deleted + 0 = 0 AND status = 'booked' ORDER BY start, id";

#define TEMPLATE_COLUMNS "center_id, kind, channel, language, subject, body, updated_at"
static const char SQL_TEMPLATE_GET[] =
    "SELECT " TEMPLATE_COLUMNS " FROM message_templates"
    " WHERE center_id = ? AND kind = ? AND channel = ? AND language = ?";
static const char SQL_TEMPLATE_PUT[] =
    "INSERT INTO message_templates (" TEMPLATE_COLUMNS ") VALUES (?, ?, ?, ?, ?, ?, ?)"
    " ON CONFLICT (center_id, kind, channel, language) DO UPDATE SET subject = excluded.subject,"
    " body = excluded.body, updated_at = excluded.updated_at";
static const char SQL_TEMPLATE_DELETE[] =
    "DELETE FROM message_templates WHERE center_id = ? AND kind = ? AND channel = ?"
    " AND language = ? RETURNING center_id";
static const char SQL_TEMPLATE_LIST[] = "SELECT " TEMPLATE_COLUMNS " FROM message_templates"
                                        " WHERE center_id = ? ORDER BY kind, channel, language";

reminder_settings store_reminder_settings_default(int64_t center_id)
{
    return (reminder_settings){.center_id = center_id,
                               .rules = "",
                               .language = "en",
                               .country = "BE",
                               .change_delay = 180,
                               .sms_segments = 2};
}

static store_rc read_settings(db_stmt *s, arena *a, void *row)
{
    return store_reminder_settings_read(s, 0, a, row);
}

store_rc store_reminder_settings_get(store *st, int64_t center_id, arena *a, reminder_settings *out)
{
    const store_rows q = {SQL_SETTINGS_GET, sizeof *out, read_settings};
    const store_value binds[] = {STORE_INT64(center_id)};
    return store_row_get(st->db, &q, binds, 1, a, out);
}

static store_rc read_ahead(db_stmt *s, arena *a, void *row)
{
    (void)a;
    appointment *ap = row;
    ap->id = db_column_int64(s, 0);
    ap->calendar_id = db_column_int64(s, 1);
    ap->start = db_column_int64(s, 2);
    ap->stop = db_column_int64(s, 3);
    ap->status = APPT_BOOKED;
    return STORE_OK;
}

store_rc store_reminder_settings_set(store *st, const reminder_settings *rs, int64_t now, arena *a)
{
    assert(st && rs && rs->rules && rs->language && rs->country && a);
    store_op op;
    int64_t *calendars = NULL;
    size_t n_calendars = 0;
    store_rc rc = store_op_begin(st, &op, STORE_OP_WRITE);
    if (rc != STORE_OK)
        goto done;
    const store_value binds[] = {
        STORE_INT64(rs->center_id),
        STORE_TEXT(rs->rules),
        STORE_TEXT(rs->quiet),
        STORE_TEXT(rs->language),
        STORE_TEXT(rs->sender_name),
        STORE_TEXT(rs->address),
        STORE_TEXT(rs->country),
        STORE_INT64(rs->confirmation),
        STORE_INT64(rs->change_notice),
        STORE_INT64(rs->cancellation_notice),
        STORE_INT64(rs->change_delay),
        STORE_INT64(rs->sms_segments),
        STORE_INT64(rs->sms_fallback_email),
        STORE_INT64(rs->updated_at),
    };
    /* a center's first settings: its patients have been told nothing yet */
    int64_t existed = 0;
    const store_rows exist_q = {SQL_SETTINGS_EXIST, sizeof existed, store_read_id};
    const store_value center_bind[] = {STORE_INT64(rs->center_id)};
    if ((rc = store_row_get(st->db, &exist_q, center_bind, 1, NULL, &existed)) != STORE_OK)
        goto done;
    /* a missing center fails the foreign key: NOT_FOUND */
    if ((rc = store_write_run(st->db, SQL_SETTINGS_PUT, binds, 14, NULL, NULL)) != STORE_OK)
        goto done;
    const store_rows calendars_q = {SQL_CENTER_CALENDARS, sizeof(int64_t), store_read_id};
    const store_value center[] = {STORE_INT64(rs->center_id)};
    rc = store_rows_run(st->db, &calendars_q, center, 1, a, (void **)&calendars, &n_calendars);
    for (size_t i = 0; rc == STORE_OK && i < n_calendars; i++) {
        appointment *ahead = NULL;
        size_t n = 0;
        const store_rows ahead_q = {SQL_AHEAD, sizeof(appointment), read_ahead};
        const store_value window[] = {STORE_INT64(calendars[i]), STORE_INT64(now)};
        rc = store_rows_run(st->db, &ahead_q, window, 2, a, (void **)&ahead, &n);
        if (rc == STORE_OK)
            rc = store_outbox_plan(st, ahead, NULL, n, existed ? OUTBOX_RULES : OUTBOX_FIRST_RULES,
                                   now, a);
    }
done:
    return store_op_end(st, &op, rc);
}

static store_rc read_template(db_stmt *s, arena *a, void *row)
{
    message_template *t = row;
    store_rc rc;
    t->center_id = db_column_int64(s, 0);
    if ((rc = store_column_text(s, 1, a, &t->kind)) != STORE_OK ||
        (rc = store_column_text(s, 2, a, &t->channel)) != STORE_OK ||
        (rc = store_column_text(s, 3, a, &t->language)) != STORE_OK ||
        (rc = store_column_text(s, 4, a, &t->subject)) != STORE_OK ||
        (rc = store_column_text(s, 5, a, &t->body)) != STORE_OK)
        return rc;
    t->updated_at = db_column_int64(s, 6);
    return STORE_OK;
}

store_rc store_template_get(store *st, int64_t center_id, const char *kind, const char *channel,
                            const char *language, arena *a, message_template *out)
{
    const store_rows q = {SQL_TEMPLATE_GET, sizeof *out, read_template};
    const store_value binds[] = {STORE_INT64(center_id), STORE_TEXT(kind), STORE_TEXT(channel),
                                 STORE_TEXT(language)};
    return store_row_get(st->db, &q, binds, 4, a, out);
}

store_rc store_template_set(store *st, const message_template *t)
{
    assert(st && t && t->kind && t->channel && t->language && t->body);
    const store_value binds[] = {STORE_INT64(t->center_id), STORE_TEXT(t->kind),
                                 STORE_TEXT(t->channel),    STORE_TEXT(t->language),
                                 STORE_TEXT(t->subject),    STORE_TEXT(t->body),
                                 STORE_INT64(t->updated_at)};
    /* a missing center fails the foreign key: NOT_FOUND */
    return store_write_run(st->db, SQL_TEMPLATE_PUT, binds, 7, NULL, NULL);
}

store_rc store_template_delete(store *st, int64_t center_id, const char *kind, const char *channel,
                               const char *language)
{
    const store_value binds[] = {STORE_INT64(center_id), STORE_TEXT(kind), STORE_TEXT(channel),
                                 STORE_TEXT(language)};
    return store_write_row(st->db, SQL_TEMPLATE_DELETE, binds, 4);
}

store_rc store_template_list(store *st, int64_t center_id, arena *a, message_template **out,
                             size_t *n)
{
    const store_rows q = {SQL_TEMPLATE_LIST, sizeof **out, read_template};
    const store_value binds[] = {STORE_INT64(center_id)};
    return store_rows_run(st->db, &q, binds, 1, a, (void **)out, n);
}
