/* feeds.c - a calendar's outgoing iCalendar feed: its secret's hash and
 * options (feeds.h; table calendar_feeds of migration 10), and the rows a
 * feed shows.
 *
 * The token's hash is a BLOB of 32 bytes, as users' (accounts.c); the caller
 * hashes and compares (util/token.h, constant time).  Giving a new token is
 * one upsert, so two concurrent rotations leave one of the two tokens, never
 * a mix, and never a second row.
 *
 * The rows read the same index range as the appointment lists
 * (appointments_start, bounded below by calendars.longest_appointment:
 * appointments.c explains the bound), in one statement. */
#include "store/feeds.h"

#include <assert.h>
#include <stdio.h>
#include <string.h>

#include "store/internal.h"

#define FEED_COLUMNS "calendar_id, token_hash, patient_names, salt, created_at, rotated_at"

/* calendar id, hash, names (NULL: keep), salt, now, now, names (NULL: keep) */
static const char SQL_ROTATE[] =
    "INSERT INTO calendar_feeds (" FEED_COLUMNS ") VALUES (?, ?, COALESCE(CAST(? AS BIGINT), 0),"
    " ?, ?, ?) ON CONFLICT (calendar_id) DO UPDATE SET token_hash = excluded.token_hash,"
    " patient_names = COALESCE(CAST(? AS BIGINT), calendar_feeds.patient_names),"
    " rotated_at = excluded.rotated_at";
static const char SQL_GET[] = "SELECT " FEED_COLUMNS " FROM calendar_feeds WHERE calendar_id = ?";
static const char SQL_REMOVE[] =
    "DELETE FROM calendar_feeds WHERE calendar_id = ? RETURNING calendar_id";
/* names (1: join the patient), calendar id, from, calendar id, from,
 * shown_since, limit */
static const char SQL_ITEMS[] =
    "SELECT a.id, a.start, a.stop, a.title, a.status, a.deleted, a.updated_at, a.version,"
    " s.name, p.first_name, p.last_name FROM appointments a"
    " LEFT JOIN services s ON s.id = a.service_id"
    " LEFT JOIN patients p ON p.id = a.patient_id AND CAST(? AS BIGINT) = 1"
    " WHERE a.calendar_id = ?"
    " AND a.start >= CAST(? AS BIGINT) - (SELECT longest_appointment FROM calendars WHERE id = ?)"
    " AND a.stop > ? AND ((a.deleted + 0 = 0 AND a.status <> 'cancelled') OR a.updated_at >= ?)"
    " ORDER BY a.start, a.id LIMIT ?";

/* Reads FEED_COLUMNS into *row (a calendar_feed). */
static store_rc read_feed(db_stmt *s, arena *a, void *row)
{
    (void)a;
    calendar_feed *f = row;
    const void *hash = NULL;
    size_t len = 0;
    const char *salt = db_column_text(s, 3);
    f->calendar_id = db_column_int64(s, 0);
    store_rc rc = db_column_blob(s, 1, &hash, &len);
    if (rc != STORE_OK)
        return rc;
    if (!hash || len != sizeof f->token_hash || !salt || strlen(salt) != FEED_SALT_CHARS) {
        fprintf(stderr, "agenda: store: the feed of calendar %lld is malformed\n",
                (long long)f->calendar_id);
        return STORE_ERROR;
    }
    memcpy(f->token_hash, hash, sizeof f->token_hash);
    memcpy(f->salt, salt, FEED_SALT_CHARS + 1);
    f->patient_names = db_column_int64(s, 2) != 0;
    f->created_at = db_column_int64(s, 4);
    f->rotated_at = db_column_int64(s, 5);
    return STORE_OK;
}

store_rc store_feed_get(store *st, int64_t calendar_id, calendar_feed *out)
{
    assert(st && out);
    const store_rows q = {SQL_GET, sizeof *out, read_feed};
    const store_value binds[] = {STORE_INT64(calendar_id)};
    return store_row_get(st->db, &q, binds, 1, NULL, out);
}

store_rc store_feed_rotate(store *st, int64_t calendar_id, const unsigned char hash[32],
                           const char *salt, feed_names names, int64_t now, calendar_feed *out)
{
    assert(st && hash && salt && strlen(salt) == FEED_SALT_CHARS && out);
    const store_value flag =
        names == FEED_NAMES_KEEP ? STORE_NULL : STORE_INT64(names == FEED_NAMES_ON ? 1 : 0);
    const store_value binds[] = {
        STORE_INT64(calendar_id), STORE_BLOB(hash, 32), flag, STORE_TEXT(salt),
        STORE_INT64(now),         STORE_INT64(now),     flag};
    store_op op;
    store_rc rc = store_op_begin(st, &op, STORE_OP_WRITE);
    if (rc == STORE_OK) /* a missing calendar fails the foreign key: NOT_FOUND */
        rc = store_write_run(st->db, SQL_ROTATE, binds, 7, NULL, NULL);
    if (rc == STORE_OK)
        rc = store_feed_get(st, calendar_id, out);
    return store_op_end(st, &op, rc);
}

store_rc store_feed_remove(store *st, int64_t calendar_id)
{
    assert(st);
    const store_value binds[] = {STORE_INT64(calendar_id)};
    return store_write_row(st->db, SQL_REMOVE, binds, 1);
}

/* Reads SQL_ITEMS's columns into *row (a feed_item). */
static store_rc read_item(db_stmt *s, arena *a, void *row)
{
    feed_item *it = row;
    const char *status = db_column_text(s, 4);
    store_rc rc = STORE_OK;
    it->id = db_column_int64(s, 0);
    it->start = db_column_int64(s, 1);
    it->stop = db_column_int64(s, 2);
    if (!status || (strcmp(status, "booked") != 0 && strcmp(status, "cancelled") != 0 &&
                    strcmp(status, "noshow") != 0)) {
        fprintf(stderr, "agenda: store: appointment %lld has an unknown status\n",
                (long long)it->id);
        return STORE_ERROR;
    }
    it->status = strcmp(status, "booked") == 0      ? APPT_BOOKED
                 : strcmp(status, "cancelled") == 0 ? APPT_CANCELLED
                                                    : APPT_NOSHOW;
    it->deleted = db_column_int64(s, 5) != 0;
    it->updated_at = db_column_int64(s, 6);
    it->version = db_column_int64(s, 7);
    if ((rc = store_column_text(s, 3, a, &it->title)) != STORE_OK ||
        (rc = store_column_text(s, 8, a, &it->service_name)) != STORE_OK ||
        (rc = store_column_text(s, 9, a, &it->patient_first_name)) != STORE_OK ||
        (rc = store_column_text(s, 10, a, &it->patient_last_name)) != STORE_OK)
        return rc;
    if (!it->title)
        it->title = "";
    return STORE_OK;
}

store_rc store_feed_items(store *st, int64_t calendar_id, int64_t from, int64_t shown_since,
                          bool patient_names, size_t max, arena *a, feed_item **out, size_t *n)
{
    assert(st && a && out && n);
    const store_rows q = {SQL_ITEMS, sizeof(feed_item), read_item};
    const store_value binds[] = {
        STORE_INT64(patient_names ? 1 : 0), STORE_INT64(calendar_id), STORE_INT64(from),
        STORE_INT64(calendar_id),           STORE_INT64(from),        STORE_INT64(shown_since),
        STORE_INT64((int64_t)max)};
    return store_rows_run(st->db, &q, binds, 7, a, (void **)out, n);
}
