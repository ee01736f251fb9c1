/* outbox.c - patient messages: planning them with every appointment write,
 * the dispatcher's reads and writes (claim, context, finish, receipts), and
 * the lists the command line and the API show.
 *
 * Planning.  store_outbox_plan runs inside the unit of work of every write
 * that creates, moves, cancels or deletes appointments (appointments.c, and
 * reminders.c when a center's rules change), so the messages can never
 * disagree with the appointment they are for: a crash leaves both or
 * neither.  An appointment's own row carries its messages state
 * (migrate.c, migration 9): its version, raised by every write of the row,
 * and what the patient was last told (told_*, NULL for "what the row
 * says"; set by every sent confirmation, change notice or reminder).  So a
 * new appointment's planning reads and writes nothing but its messages;
 * one written before is read once (version, told_*, and from its messages
 * whether a confirmation is still owed and a cancellation notice was
 * planned).  A planning
 *   1. marks the appointment's pending messages cancelled when it no longer
 *      takes place, then drops its untried pending and skipped messages and
 *      marks the tried ones (waiting for a retry) superseded; a message under
 *      lease is being sent and is left to its outcome;
 *   2. inserts the new version's messages: for a booked appointment still
 *      ahead, a confirmation while one is owed (from the first planning,
 *      when confirmations are on, until one went out), a change notice when
 *      start, stop or calendar differ from what the patient was told (due
 *      change_delay later: each further move pushes it on, and a move undone
 *      before then leaves nothing to send), and one reminder per rule
 *      (sched/remind.h: due, or skipped with the reason recorded); for an
 *      appointment cancelled or deleted, one cancellation notice, once.
 * Notices are planned with the channel "any": the dispatcher sends them by
 * email when the patient has an address, else by SMS.  A center without
 * reminder_settings plans nothing, at the cost of one lookup per write.
 *
 * The dispatcher checks again at send time (notify/dispatch.c): a message
 * whose version is not the appointment's planned version, or whose
 * appointment no longer fits its kind, is never sent. */
#include <assert.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sched/remind.h"
#include "sched/tzfile.h"
#include "store/internal.h"

/* ---- SQL -------------------------------------------------------------- */

static const char SQL_PLAN_SETTINGS[] =
    "SELECT rs.center_id, rs.rules, rs.quiet, rs.confirmation, rs.change_notice,"
    " rs.cancellation_notice, rs.change_delay, c.timezone"
    " FROM calendars k JOIN centers c ON c.id = k.center_id"
    " JOIN reminder_settings rs ON rs.center_id = c.id WHERE k.id = ?";
/* What a planning knows of an appointment it did not insert: its version
 * (raised by the write), what the patient was told, whether a confirmation
 * is still owed (one is pending: untried, or waiting for a retry) and
 * whether a cancellation notice was planned.  Read before the planning
 * touches any message. */
static const char SQL_STATE_BY_IDS[] =
    "SELECT a.id, a.version, COALESCE(a.told_start, a.start), COALESCE(a.told_stop, a.stop),"
    " COALESCE(a.told_calendar, a.calendar_id),"
    " EXISTS (SELECT 1 FROM messages m WHERE m.appointment_id = a.id"
    " AND m.kind = 'confirmation' AND m.state = 'pending'),"
    " EXISTS (SELECT 1 FROM messages m WHERE m.appointment_id = a.id"
    " AND m.kind = 'cancellation')"
    " FROM appointments a WHERE a.id IN (" BULK_LIST("?") ")";
/* A planning for new settings is a new revision of the rows' messages; for
 * a center's first settings, the patient has been told nothing: what the
 * rows say now is what later changes compare with. */
static const char SQL_RAISE_VERSION[] =
    "UPDATE appointments SET version = version + 1 WHERE id IN (" BULK_LIST("?") ")";
static const char SQL_RAISE_VERSION_UNTOLD[] =
    "UPDATE appointments SET version = version + 1, told_start = NULL, told_stop = NULL,"
    " told_calendar = NULL WHERE id IN (" BULK_LIST("?") ")";
/* A message leased to a dispatcher is being sent: a planning leaves it to
 * its outcome (a failure brings it back pending, and the dispatcher then
 * finds it stale), so a message that went out is never recorded otherwise.
 * The bind is now. */
#define NOT_IN_FLIGHT "(lease_until IS NULL OR lease_until <= CAST(? AS BIGINT))"
static const char SQL_CANCEL_PENDING[] =
    "UPDATE messages SET state = 'cancelled', last_error = 'the appointment was cancelled',"
    " lease_owner = NULL, lease_until = NULL, updated_at = ?"
    " WHERE appointment_id IN (" BULK_LIST("?") ") AND state = 'pending' AND " NOT_IN_FLIGHT;
static const char SQL_DROP_UNTRIED[] = "DELETE FROM messages WHERE appointment_id IN (" BULK_LIST(
    "?") ") AND state IN ('pending', 'skipped') AND attempts = 0";
static const char SQL_SUPERSEDE_TRIED[] =
    "UPDATE messages SET state = 'cancelled', last_error = 'superseded by a later change',"
    " lease_owner = NULL, lease_until = NULL, updated_at = ?"
    " WHERE appointment_id IN (" BULK_LIST("?") ") AND state = 'pending' AND " NOT_IN_FLIGHT;
/* center_id, appointment_id, kind, channel, rule, version, due_at, state,
 * last_error, created_at, updated_at */
#define MESSAGE_ROW                                                                                \
    "(" BULK_INT ", " BULK_INT ", ?, ?, ?, " BULK_INT ", " BULK_INT ", ?, ?, " BULK_INT            \
    ", " BULK_INT ")"
static const char SQL_MESSAGES_INSERT[] =
    "INSERT INTO messages (center_id, appointment_id, kind, channel, rule, version, due_at,"
    " state, last_error, created_at, updated_at)"
    " SELECT column1, column2, column3, column4, column5, column6, column7, column8, column9,"
    " column10, column11 FROM (VALUES " BULK_LIST(MESSAGE_ROW) ") AS v"
                                                               " WHERE column1 IS NOT NULL";

#define MESSAGE_COLUMNS                                                                            \
    "m.id, m.center_id, m.appointment_id, m.kind, m.channel, m.rule, m.version, m.due_at,"         \
    " m.state, m.attempts, m.last_error, m.recipient, m.language, m.provider_id, m.created_at,"    \
    " m.sent_at, m.delivered_at"
#define MESSAGE_N_COLUMNS 17
static const char SQL_LIST_FOR_APPOINTMENT[] =
    "SELECT " MESSAGE_COLUMNS " FROM messages m WHERE m.appointment_id = ? ORDER BY m.due_at, m.id";
static const char SQL_LIST_FOR_CENTER[] = "SELECT " MESSAGE_COLUMNS " FROM messages m"
                                          " WHERE m.center_id = ? ORDER BY m.due_at, m.id LIMIT ?";
static const char SQL_LIST_FOR_CENTER_STATE[] =
    "SELECT " MESSAGE_COLUMNS " FROM messages m"
    " WHERE m.center_id = ? AND m.state = ? ORDER BY m.due_at, m.id LIMIT ?";

/* The API's pages of a center's messages, newest first, through the
 * partial indexes: messages_center for the states past pending (the
 * predicate repeated word for word, so both engines use it), messages_due
 * for pending ones, and both for all. */
#define CENTER_PAST_PENDING                                                                        \
    "SELECT " MESSAGE_COLUMNS " FROM messages m WHERE m.center_id = ? AND m.state <> 'pending'"
#define CENTER_PENDING                                                                             \
    "SELECT " MESSAGE_COLUMNS " FROM messages m WHERE m.state = 'pending' AND m.center_id = ?"
#define NEWEST_FIRST " ORDER BY u.due_at DESC, u.id DESC LIMIT ? OFFSET ?"
static const char SQL_COUNT_CENTER[] =
    "SELECT (SELECT COUNT(*) FROM messages WHERE center_id = ? AND state <> 'pending')"
    " + (SELECT COUNT(*) FROM messages WHERE state = 'pending' AND center_id = ?)";
static const char SQL_PAGE_CENTER[] =
    "SELECT * FROM (" CENTER_PAST_PENDING " UNION ALL " CENTER_PENDING ") u" NEWEST_FIRST;
static const char SQL_COUNT_CENTER_PENDING[] =
    "SELECT COUNT(*) FROM messages WHERE state = 'pending' AND center_id = ?";
static const char SQL_PAGE_CENTER_PENDING[] = "SELECT * FROM (" CENTER_PENDING ") u" NEWEST_FIRST;
static const char SQL_COUNT_CENTER_STATE[] =
    "SELECT COUNT(*) FROM messages WHERE center_id = ? AND state <> 'pending' AND state = ?";
static const char SQL_PAGE_CENTER_STATE[] =
    "SELECT * FROM (" CENTER_PAST_PENDING " AND m.state = ?) u" NEWEST_FIRST;

/* The claim: SQLite runs it under its write lock; PostgreSQL's writers run
 * side by side, so it skips the rows another server is claiming. */
static const char SQL_CLAIM_SQLITE[] =
    "UPDATE messages SET lease_owner = ?, lease_until = ?, attempts = attempts + 1"
    " WHERE id IN (SELECT id FROM messages WHERE state = 'pending' AND due_at <= ?"
    " AND (lease_until IS NULL OR lease_until <= ?) ORDER BY due_at, id LIMIT ?) RETURNING id";
static const char SQL_CLAIM_POSTGRES[] =
    "UPDATE messages SET lease_owner = ?, lease_until = ?, attempts = attempts + 1"
    " WHERE id IN (SELECT id FROM messages WHERE state = 'pending' AND due_at <= ?"
    " AND (lease_until IS NULL OR lease_until <= ?) ORDER BY due_at, id LIMIT ?"
    " FOR UPDATE SKIP LOCKED) RETURNING id";
static const store_lease_queue message_queue = {
    .claim_sqlite = SQL_CLAIM_SQLITE,
    .claim_postgres = SQL_CLAIM_POSTGRES,
};

#define SETTINGS_COLUMNS                                                                           \
    "rs.center_id, rs.rules, rs.quiet, rs.language, rs.sender_name, rs.address, rs.country,"       \
    " rs.confirmation, rs.change_notice, rs.cancellation_notice, rs.change_delay,"                 \
    " rs.sms_segments, rs.sms_fallback_email, rs.updated_at"
#define SETTINGS_N_COLUMNS 14
static const char SQL_CONTEXT[] =
    "SELECT " MESSAGE_COLUMNS ", m.lease_owner, a.start, a.stop, a.calendar_id, a.status,"
    " a.deleted, a.version, COALESCE(a.told_start, a.start), COALESCE(a.told_stop, a.stop),"
    " COALESCE(a.told_calendar, a.calendar_id), p.id, p.first_name,"
    " p.last_name, p.email, p.phone_number, p.language_code, k.first_name, k.last_name, c.name,"
    " c.timezone, " SETTINGS_COLUMNS " FROM messages m"
    " JOIN appointments a ON a.id = m.appointment_id"
    " JOIN calendars k ON k.id = a.calendar_id JOIN centers c ON c.id = k.center_id"
    " LEFT JOIN patients p ON p.id = a.patient_id"
    " LEFT JOIN reminder_settings rs ON rs.center_id = c.id WHERE m.id = ?";
static const char SQL_FINISH[] =
    "UPDATE messages SET state = ?, channel = ?, due_at = COALESCE(CAST(? AS BIGINT), due_at),"
    " last_error = ?, recipient = ?,"
    " language = ?,"
    " provider_id = ?, sent_at = ?, lease_owner = NULL, lease_until = NULL, updated_at = ?"
    " WHERE id = ? AND lease_owner = ? RETURNING id";
/* What the patient now knows; neither a change of the appointment (no
 * version, no updated_at) nor of anything a `since` poller sees. */
static const char SQL_TOLD[] = "UPDATE appointments SET told_start = ?, told_stop = ?,"
                               " told_calendar = ? WHERE id = ?";
static const char SQL_RECEIPT_STATE[] =
    "SELECT id, state FROM messages WHERE provider_id = ? ORDER BY id DESC LIMIT 1";
static const char SQL_RECEIPT[] =
    "UPDATE messages SET state = ?, delivered_at = CASE WHEN ? = 'delivered' THEN ?"
    " ELSE delivered_at END, updated_at = ? WHERE id = ?";
static const char SQL_QUEUE_DEPTH[] =
    "SELECT COUNT(*) FROM messages WHERE state = 'pending' AND due_at <= ?"
    " AND (lease_until IS NULL OR lease_until <= ?)";

/* ---- planning ---------------------------------------------------------- */

/* A center's planning rules, read once per planning. */
typedef struct plan_settings {
    int64_t center_id;
    const char *rules;
    const char *quiet;
    bool confirmation, change_notice, cancellation_notice;
    int64_t change_delay;
    const char *timezone;
} plan_settings;

static store_rc read_plan_settings(db_stmt *s, arena *a, void *row)
{
    plan_settings *p = row;
    store_rc rc;
    p->center_id = db_column_int64(s, 0);
    if ((rc = store_column_text(s, 1, a, &p->rules)) != STORE_OK ||
        (rc = store_column_text(s, 2, a, &p->quiet)) != STORE_OK ||
        (rc = store_column_text(s, 7, a, &p->timezone)) != STORE_OK)
        return rc;
    p->confirmation = db_column_int64(s, 3) != 0;
    p->change_notice = db_column_int64(s, 4) != 0;
    p->cancellation_notice = db_column_int64(s, 5) != 0;
    p->change_delay = db_column_int64(s, 6);
    return STORE_OK;
}

/* An appointment's messages state (SQL_STATE_BY_IDS). */
typedef struct outbox_state {
    int64_t version;
    int64_t told_start, told_stop, told_calendar;
    bool confirmation_owed, cancellation_planned;
} outbox_state;

/* The rows of one planning, by appointment. */
typedef struct plan {
    const appointment *rows;
    size_t n;
    size_t *by_id;       /* the rows' indexes in increasing id order */
    outbox_state *state; /* found[i]: read for row i */
    bool *found;
} plan;

/* qsort_r's order of row indexes by the rows' ids. */
static int cmp_row_id(const void *x, const void *y, void *rows)
{
    const appointment *r = rows;
    int64_t a = r[*(const size_t *)x].id, b = r[*(const size_t *)y].id;
    return (a > b) - (a < b);
}

/* SQL_STATE_BY_IDS's rows onto the plan, found by binary search in by_id
 * (a collection names each appointment once, so ids are distinct). */
static store_rc state_found(db_stmt *s, void *ctx)
{
    plan *p = ctx;
    int64_t id = db_column_int64(s, 0);
    size_t lo = 0, hi = p->n;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (p->rows[p->by_id[mid]].id < id)
            lo = mid + 1;
        else
            hi = mid;
    }
    if (lo == p->n || p->rows[p->by_id[lo]].id != id)
        return STORE_OK;
    size_t i = p->by_id[lo];
    p->state[i] = (outbox_state){
        .version = db_column_int64(s, 1),
        .told_start = db_column_int64(s, 2),
        .told_stop = db_column_int64(s, 3),
        .told_calendar = db_column_int64(s, 4),
        .confirmation_owed = db_column_int64(s, 5) != 0,
        .cancellation_planned = db_column_int64(s, 6) != 0,
    };
    p->found[i] = true;
    return STORE_OK;
}

/* A message to insert; the center and the time are the planning's. */
typedef struct new_message {
    int64_t appointment_id, version, due_at;
    const char *kind, *channel, *rule, *state, *reason;
} new_message;

/* Messages are inserted as they are made, a bulk statement's worth at a
 * time, so a planning's memory does not grow with the collection: fresh
 * memory costs page faults, a third of a 1,000-appointment planning's time
 * when it held every message at once. */
typedef struct message_batch {
    store *st;
    int64_t center_id, now;
    new_message rows[STORE_BULK_ROWS];
    size_t n;
} message_batch;

static void bind_id(db_stmt *s, int first, const void *items, size_t k)
{
    db_bind_int64(s, first, ((const int64_t *)items)[k]);
}

static void bind_message(db_stmt *s, int first, const void *items, size_t k)
{
    const message_batch *b = items;
    const new_message *m = &b->rows[k];
    db_bind_int64(s, first, b->center_id);
    db_bind_int64(s, first + 1, m->appointment_id);
    db_bind_text(s, first + 2, m->kind);
    db_bind_text(s, first + 3, m->channel);
    db_bind_text(s, first + 4, m->rule);
    db_bind_int64(s, first + 5, m->version);
    db_bind_int64(s, first + 6, m->due_at);
    db_bind_text(s, first + 7, m->state);
    if (m->reason)
        db_bind_text(s, first + 8, m->reason);
    else
        db_bind_null(s, first + 8);
    db_bind_int64(s, first + 9, b->now);
    db_bind_int64(s, first + 10, b->now);
}

/* Inserts the batch's messages and empties it. */
static store_rc batch_flush(message_batch *b)
{
    const store_bulk insert = {
        .sql = SQL_MESSAGES_INSERT, .per_row = 11, .items = b, .n = b->n, .bind = bind_message};
    store_rc rc = b->n ? store_bulk_run(b->st, &insert, NULL) : STORE_OK;
    b->n = 0;
    return rc;
}

/* A slot for one more message, flushing the batch when full; NULL after a
 * failed flush (*rc says why). */
static new_message *batch_next(message_batch *b, store_rc *rc)
{
    if (b->n == STORE_BULK_ROWS && (*rc = batch_flush(b)) != STORE_OK)
        return NULL;
    return &b->rows[b->n++];
}

static const char *skip_reason(remind_outcome o)
{
    switch (o) {
    case REMIND_SKIP_PAST:
        return "the reminder was due before the appointment was written";
    case REMIND_SKIP_QUIET:
        return "due in quiet hours, and the last instant before them had passed";
    case REMIND_SKIP_STARTED:
        return "the reminder would come after the appointment's start";
    case REMIND_DUE:
        break;
    }
    return NULL;
}

/* The rules and quiet hours of the settings; false when the stored text no
 * longer parses (it was checked when written: logged, nothing planned). */
static bool parse_plan_rules(const plan_settings *ps, remind_rule *rules, char (*texts)[64],
                             size_t *n_rules, remind_quiet *quiet)
{
    const char *err = NULL;
    *n_rules = 0;
    memset(quiet, 0, sizeof *quiet);
    if (ps->quiet && *ps->quiet && !remind_quiet_parse(ps->quiet, quiet, &err))
        goto bad;
    for (const char *p = ps->rules; p && *p;) {
        size_t len = strcspn(p, "\n");
        char line[64];
        if (len > 0) {
            if (len >= sizeof line || *n_rules == REMINDER_RULES_MAX)
                goto bad;
            memcpy(line, p, len);
            line[len] = '\0';
            if (!remind_rule_parse(line, &rules[*n_rules], &err))
                goto bad;
            snprintf(texts[*n_rules], sizeof texts[0], "%s", line);
            (*n_rules)++;
        }
        p += len + (p[len] == '\n');
    }
    return true;
bad:
    fprintf(stderr, "agenda: store: center %lld has reminder settings that no longer parse\n",
            (long long)ps->center_id);
    return false;
}

/* Binds the id of the k-th known row of a plan (items: the plan). */
static void bind_known_id(db_stmt *s, int first, const void *items, size_t k)
{
    const plan *p = items;
    db_bind_int64(s, first, p->rows[p->by_id[k]].id);
}

store_rc store_outbox_plan(store *st, const appointment *rows, const bool *fresh, size_t n,
                           outbox_cause cause, int64_t now, arena *a)
{
    assert(st && (rows || n == 0) && a);
    assert(!fresh || cause == OUTBOX_WRITTEN);
    store_rc rc = STORE_OK;
    plan_settings ps;
    remind_rule rules[REMINDER_RULES_MAX];
    char rule_texts[REMINDER_RULES_MAX][64];
    size_t n_rules = 0;
    remind_quiet quiet;
    const tzfile *zone = NULL;
    if (n == 0)
        return STORE_OK;
    const store_value calendar_bind[] = {STORE_INT64(rows[0].calendar_id)};
    const store_rows settings_q = {SQL_PLAN_SETTINGS, sizeof ps, read_plan_settings};
    rc = store_row_get(st->db, &settings_q, calendar_bind, 1, a, &ps);
    if (rc == STORE_NOT_FOUND)
        return STORE_OK; /* the center sends nothing */
    if (rc != STORE_OK)
        return rc;
    if (!parse_plan_rules(&ps, rules, rule_texts, &n_rules, &quiet) ||
        tzfile_get(ps.timezone, &zone) != TZFILE_OK)
        return STORE_OK;

    /* The rows this unit of work did not insert ("known") have a state to
     * read and messages to replace; the ones no longer taking place
     * ("gone") have pending messages to cancel. */
    plan p = {.rows = rows};
    size_t n_gone = 0;
    for (size_t i = 0; i < n; i++)
        if (!fresh || !fresh[i]) {
            p.n++;
            n_gone += rows[i].deleted || rows[i].status == APPT_CANCELLED;
        }
    int64_t *gone = n_gone ? arena_alloc(a, n_gone * sizeof *gone) : NULL;
    p.by_id = p.n ? arena_alloc(a, p.n * sizeof *p.by_id) : NULL;
    p.state = p.n ? arena_alloc(a, n * sizeof *p.state) : NULL;
    p.found = p.n ? arena_calloc(a, n, sizeof *p.found) : NULL;
    message_batch *batch = arena_alloc(a, sizeof *batch);
    if ((n_gone && !gone) || (p.n && (!p.by_id || !p.state || !p.found)) || !batch)
        return store_out_of_memory("outbox planning");
    for (size_t i = 0, k = 0, g = 0; i < n; i++)
        if (!fresh || !fresh[i]) {
            p.by_id[k++] = i;
            if (rows[i].deleted || rows[i].status == APPT_CANCELLED)
                gone[g++] = rows[i].id;
        }
    if (p.n > 1) /* qsort_r wants a non-NULL base, and one row is in order */
        qsort_r(p.by_id, p.n, sizeof *p.by_id, cmp_row_id, (void *)rows);

    const store_bulk raise = {.sql = cause == OUTBOX_FIRST_RULES ? SQL_RAISE_VERSION_UNTOLD
                                                                 : SQL_RAISE_VERSION,
                              .per_row = 1,
                              .items = &p,
                              .n = p.n,
                              .bind = bind_known_id};
    const store_bulk read = {.sql = SQL_STATE_BY_IDS,
                             .per_row = 1,
                             .items = &p,
                             .n = p.n,
                             .bind = bind_known_id,
                             .row = state_found,
                             .ctx = &p};
    const store_bulk cancel = {.sql = SQL_CANCEL_PENDING,
                               .lead = &now,
                               .n_lead = 1,
                               .trail = &now,
                               .n_trail = 1,
                               .per_row = 1,
                               .items = gone,
                               .n = n_gone,
                               .bind = bind_id};
    const store_bulk drop = {
        .sql = SQL_DROP_UNTRIED, .per_row = 1, .items = &p, .n = p.n, .bind = bind_known_id};
    const store_bulk supersede = {.sql = SQL_SUPERSEDE_TRIED,
                                  .lead = &now,
                                  .n_lead = 1,
                                  .trail = &now,
                                  .n_trail = 1,
                                  .per_row = 1,
                                  .items = &p,
                                  .n = p.n,
                                  .bind = bind_known_id};
    /* the state is read before any message is touched */
    if (p.n && ((cause != OUTBOX_WRITTEN && (rc = store_bulk_run(st, &raise, NULL)) != STORE_OK) ||
                (rc = store_bulk_run(st, &read, NULL)) != STORE_OK ||
                (n_gone && (rc = store_bulk_run(st, &cancel, NULL)) != STORE_OK) ||
                (rc = store_bulk_run(st, &drop, NULL)) != STORE_OK ||
                (rc = store_bulk_run(st, &supersede, NULL)) != STORE_OK))
        return rc;

    *batch = (message_batch){.st = st, .center_id = ps.center_id, .now = now};
    new_message *m = NULL;
    for (size_t i = 0; i < n && rc == STORE_OK; i++) {
        const appointment *ap = &rows[i];
        bool live = !ap->deleted && ap->status == APPT_BOOKED;
        bool ended = ap->deleted || ap->status == APPT_CANCELLED;
        bool ahead = ap->start > now;
        bool inserted = fresh && fresh[i];
        if (!inserted && !p.found[i])
            continue; /* no such row: nothing to plan */
        outbox_state was = inserted ? (outbox_state){.version = 1,
                                                     .told_start = ap->start,
                                                     .told_stop = ap->stop,
                                                     .told_calendar = ap->calendar_id}
                                    : p.state[i];
        /* a confirmation is owed from the first planning on, until it went out */
        bool first = inserted || cause == OUTBOX_FIRST_RULES;
        bool owed = first ? ps.confirmation && live && ahead : was.confirmation_owed && live;
        const new_message base = {.appointment_id = ap->id,
                                  .version = was.version,
                                  .due_at = now,
                                  .kind = "confirmation",
                                  .channel = "any",
                                  .rule = "",
                                  .state = "pending"};
        if (live && ahead) {
            bool moved = ap->start != was.told_start || ap->stop != was.told_stop ||
                         ap->calendar_id != was.told_calendar;
            if (owed || (ps.change_notice && moved)) {
                if (!(m = batch_next(batch, &rc)))
                    break;
                *m = base;
                if (!owed) {
                    m->kind = "change";
                    m->due_at = now + ps.change_delay;
                }
            }
            for (size_t r = 0; r < n_rules; r++) {
                int64_t due = now;
                remind_outcome o = remind_due(&rules[r], ap->start, zone, &quiet, now, &due);
                if (!(m = batch_next(batch, &rc)))
                    break;
                *m = base;
                m->kind = "reminder";
                m->channel = rules[r].channel == REMIND_SMS ? "sms" : "email";
                m->rule = rule_texts[r];
                if (o == REMIND_DUE) {
                    m->due_at = due;
                } else {
                    m->state = "skipped";
                    m->reason = skip_reason(o);
                }
            }
        } else if (ended && !inserted && !was.cancellation_planned && ps.cancellation_notice &&
                   ahead) {
            if (!(m = batch_next(batch, &rc)))
                break;
            *m = base;
            m->kind = "cancellation";
        }
    }
    return rc == STORE_OK ? batch_flush(batch) : rc;
}

/* ---- lists -------------------------------------------------------------- */

/* Reads MESSAGE_COLUMNS from column `first` on into *m. */
static store_rc read_message_at(db_stmt *s, int first, arena *a, message *m)
{
    store_rc rc;
    m->id = db_column_int64(s, first);
    m->center_id = db_column_int64(s, first + 1);
    m->appointment_id = db_column_int64(s, first + 2);
    if ((rc = store_column_text(s, first + 3, a, &m->kind)) != STORE_OK ||
        (rc = store_column_text(s, first + 4, a, &m->channel)) != STORE_OK ||
        (rc = store_column_text(s, first + 5, a, &m->rule)) != STORE_OK ||
        (rc = store_column_text(s, first + 8, a, &m->state)) != STORE_OK ||
        (rc = store_column_text(s, first + 10, a, &m->last_error)) != STORE_OK ||
        (rc = store_column_text(s, first + 11, a, &m->recipient)) != STORE_OK ||
        (rc = store_column_text(s, first + 12, a, &m->language)) != STORE_OK ||
        (rc = store_column_text(s, first + 13, a, &m->provider_id)) != STORE_OK)
        return rc;
    m->version = db_column_int64(s, first + 6);
    m->due_at = db_column_int64(s, first + 7);
    m->attempts = db_column_int64(s, first + 9);
    m->created_at = db_column_int64(s, first + 14);
    m->sent_at = db_column_int64(s, first + 15);
    m->delivered_at = db_column_int64(s, first + 16);
    return STORE_OK;
}

static store_rc read_message(db_stmt *s, arena *a, void *row)
{
    return read_message_at(s, 0, a, row);
}

store_rc store_message_list_for_appointment(store *st, int64_t appointment_id, arena *a,
                                            message **out, size_t *n)
{
    const store_rows q = {SQL_LIST_FOR_APPOINTMENT, sizeof(message), read_message};
    const store_value binds[] = {STORE_INT64(appointment_id)};
    return store_rows_run(st->db, &q, binds, 1, a, (void **)out, n);
}

store_rc store_message_list_for_center(store *st, int64_t center_id, const char *state,
                                       int64_t limit, arena *a, message **out, size_t *n)
{
    if (state) {
        const store_rows q = {SQL_LIST_FOR_CENTER_STATE, sizeof(message), read_message};
        const store_value binds[] = {STORE_INT64(center_id), STORE_TEXT(state), STORE_INT64(limit)};
        return store_rows_run(st->db, &q, binds, 3, a, (void **)out, n);
    }
    const store_rows q = {SQL_LIST_FOR_CENTER, sizeof(message), read_message};
    const store_value binds[] = {STORE_INT64(center_id), STORE_INT64(limit)};
    return store_rows_run(st->db, &q, binds, 2, a, (void **)out, n);
}

store_rc store_message_page_for_center(store *st, int64_t center_id, const char *state,
                                       const list_query *q, arena *a, message **out, size_t *n,
                                       int64_t *total)
{
    const bool pending = state && strcmp(state, "pending") == 0;
    const char *count = !state    ? SQL_COUNT_CENTER
                        : pending ? SQL_COUNT_CENTER_PENDING
                                  : SQL_COUNT_CENTER_STATE;
    const store_rows rows = {!state    ? SQL_PAGE_CENTER
                             : pending ? SQL_PAGE_CENTER_PENDING
                                       : SQL_PAGE_CENTER_STATE,
                             sizeof(message), read_message};
    /* all: the center for each half; a state past pending: and the state */
    const store_value binds[] = {STORE_INT64(center_id),
                                 state ? STORE_TEXT(state) : STORE_INT64(center_id)};
    return store_page_run(st, count, &rows, binds, pending ? 1 : 2, q, a, (void **)out, n, total);
}

/* ---- the dispatcher's side ---------------------------------------------- */

store_rc store_message_claim(store *st, const char *owner, int64_t now, int64_t lease_seconds,
                             size_t max, arena *a, int64_t **ids, size_t *n)
{
    return store_lease_claim(st, &message_queue, owner, now, lease_seconds, max, a, ids, n);
}

static store_rc read_settings_at(db_stmt *s, int first, arena *a, reminder_settings *rs)
{
    store_rc rc;
    rs->center_id = db_column_int64(s, first);
    if ((rc = store_column_text(s, first + 1, a, &rs->rules)) != STORE_OK ||
        (rc = store_column_text(s, first + 2, a, &rs->quiet)) != STORE_OK ||
        (rc = store_column_text(s, first + 3, a, &rs->language)) != STORE_OK ||
        (rc = store_column_text(s, first + 4, a, &rs->sender_name)) != STORE_OK ||
        (rc = store_column_text(s, first + 5, a, &rs->address)) != STORE_OK ||
        (rc = store_column_text(s, first + 6, a, &rs->country)) != STORE_OK)
        return rc;
    rs->confirmation = db_column_int64(s, first + 7) != 0;
    rs->change_notice = db_column_int64(s, first + 8) != 0;
    rs->cancellation_notice = db_column_int64(s, first + 9) != 0;
    rs->change_delay = db_column_int64(s, first + 10);
    rs->sms_segments = db_column_int64(s, first + 11);
    rs->sms_fallback_email = db_column_int64(s, first + 12) != 0;
    rs->updated_at = db_column_int64(s, first + 13);
    return STORE_OK;
}

store_rc store_reminder_settings_read(db_stmt *s, int first, arena *a, reminder_settings *rs)
{
    return read_settings_at(s, first, a, rs);
}

static store_rc read_context(db_stmt *s, arena *a, void *row)
{
    message_context *c = row;
    int k = MESSAGE_N_COLUMNS;
    store_rc rc = read_message_at(s, 0, a, &c->msg);
    if (rc != STORE_OK || (rc = store_column_text(s, k, a, &c->lease_owner)) != STORE_OK)
        return rc;
    c->start = db_column_int64(s, k + 1);
    c->stop = db_column_int64(s, k + 2);
    c->calendar_id = db_column_int64(s, k + 3);
    const char *status = NULL;
    if ((rc = store_column_text(s, k + 4, a, &status)) != STORE_OK)
        return rc;
    c->status = status && strcmp(status, "cancelled") == 0 ? APPT_CANCELLED
                : status && strcmp(status, "noshow") == 0  ? APPT_NOSHOW
                                                           : APPT_BOOKED;
    c->deleted = db_column_int64(s, k + 5) != 0;
    c->planned_version = db_column_int64(s, k + 6);
    c->told_start = db_column_int64(s, k + 7);
    c->told_stop = db_column_int64(s, k + 8);
    c->told_calendar = db_column_int64(s, k + 9);
    c->has_patient = !db_column_is_null(s, k + 10);
    if ((rc = store_column_text(s, k + 11, a, &c->first_name)) != STORE_OK ||
        (rc = store_column_text(s, k + 12, a, &c->last_name)) != STORE_OK ||
        (rc = store_column_text(s, k + 13, a, &c->email)) != STORE_OK ||
        (rc = store_column_text(s, k + 14, a, &c->phone_number)) != STORE_OK ||
        (rc = store_column_text(s, k + 15, a, &c->language_code)) != STORE_OK ||
        (rc = store_column_text(s, k + 16, a, &c->calendar_first_name)) != STORE_OK ||
        (rc = store_column_text(s, k + 17, a, &c->calendar_last_name)) != STORE_OK ||
        (rc = store_column_text(s, k + 18, a, &c->center_name)) != STORE_OK ||
        (rc = store_column_text(s, k + 19, a, &c->timezone)) != STORE_OK)
        return rc;
    return read_settings_at(s, k + 20, a, &c->settings);
}

store_rc store_message_context(store *st, int64_t id, arena *a, message_context *out)
{
    const store_rows q = {SQL_CONTEXT, sizeof *out, read_context};
    const store_value binds[] = {STORE_INT64(id)};
    return store_row_get(st->db, &q, binds, 1, a, out);
}

store_rc store_message_finish(store *st, int64_t id, const char *owner, const message_outcome *o)
{
    assert(st && owner && o && o->state);
    store_op op;
    store_rc rc = store_op_begin(st, &op, STORE_OP_WRITE);
    if (rc != STORE_OK)
        goto done;
    bool pending = strcmp(o->state, "pending") == 0;
    const store_value finish[] = {
        STORE_TEXT(o->state),
        STORE_TEXT(o->channel),
        pending ? STORE_INT64(o->retry_at) : STORE_TEXT(NULL),
        STORE_TEXT(o->error),
        STORE_TEXT(o->recipient),
        STORE_TEXT(o->language),
        STORE_TEXT(o->provider_id),
        strcmp(o->state, "sent") == 0 ? STORE_INT64(o->at) : STORE_TEXT(NULL),
        STORE_INT64(o->at),
        STORE_INT64(id),
        STORE_TEXT(owner),
    };
    /* a message that is not pending keeps its due time: when it was meant
     * to go */
    rc = store_write_row(st->db, SQL_FINISH, finish, 11);
    if (rc == STORE_OK && o->told) {
        const store_value told[] = {STORE_INT64(o->told_start), STORE_INT64(o->told_stop),
                                    STORE_INT64(o->told_calendar), STORE_INT64(o->appointment_id)};
        rc = store_write_run(st->db, SQL_TOLD, told, 4, NULL, NULL);
    }
done:
    return store_op_end(st, &op, rc);
}

/* The order of delivery states: a receipt only moves a message forward. */
static int state_rank(const char *state)
{
    static const char *const order[] = {"pending", "sent", "delivered"};
    if (strcmp(state, "undelivered") == 0 || strcmp(state, "failed") == 0)
        return 3;
    for (int i = 0; i < 3; i++)
        if (strcmp(state, order[i]) == 0)
            return i;
    return -1;
}

typedef struct receipt_row {
    int64_t id;
    const char *state;
} receipt_row;

static store_rc read_receipt_row(db_stmt *s, arena *a, void *row)
{
    receipt_row *r = row;
    r->id = db_column_int64(s, 0);
    return store_column_text(s, 1, a, &r->state);
}

store_rc store_message_receipt(store *st, const char *provider_id, const char *state, int64_t at)
{
    assert(st && provider_id && state && state_rank(state) > 0);
    store_op op;
    receipt_row r = {0};
    /* room for the state text: an arena's limit must pass its first block
     * (util/arena.c), or nothing fits at all */
    arena *a = arena_new(1 << 16);
    store_rc rc = a ? store_op_begin(st, &op, STORE_OP_WRITE) : STORE_ERROR;
    if (!a)
        return store_out_of_memory("receipt");
    if (rc != STORE_OK)
        goto done;
    const store_rows q = {SQL_RECEIPT_STATE, sizeof r, read_receipt_row};
    const store_value by_provider[] = {STORE_TEXT(provider_id)};
    rc = store_row_get(st->db, &q, by_provider, 1, a, &r);
    if (rc != STORE_OK || state_rank(state) <= state_rank(r.state) ||
        strcmp(r.state, "cancelled") == 0 || strcmp(r.state, "skipped") == 0)
        goto done;
    const store_value binds[] = {STORE_TEXT(state), STORE_TEXT(state), STORE_INT64(at),
                                 STORE_INT64(at), STORE_INT64(r.id)};
    rc = store_write_run(st->db, SQL_RECEIPT, binds, 5, NULL, NULL);
done:
    rc = store_op_end(st, &op, rc);
    arena_free(a);
    return rc;
}

store_rc store_message_queue_depth(store *st, int64_t now, int64_t *depth)
{
    const store_rows q = {SQL_QUEUE_DEPTH, sizeof *depth, store_read_id};
    const store_value binds[] = {STORE_INT64(now), STORE_INT64(now)};
    return store_row_get(st->db, &q, binds, 2, NULL, depth);
}
