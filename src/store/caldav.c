/* caldav.c - CalDAV links and the status table of their items (see
 * store/caldav.h; tables of migration 11).
 *
 * Linking reads the calendar's current link first, in the same unit of
 * work, to tell a new link from a new password for the same collection
 * (sync state kept) and from another collection (sync state and items
 * dropped).  Every write that changes who may work a link clears its
 * lease, so a worker still running on the old link records nothing
 * (store_caldav_record is WHERE lease_owner = ?).  The worker's claim is
 * store_lease_claim's (lease.c) over active links by due time. */
#include <assert.h>
#include <string.h>

#include "store/caldav.h"
#include "store/internal.h"

#define LINK_COLUMNS                                                                               \
    "calendar_id, url, username, password_sealed, state, paused_reason, sync_token, ctag,"         \
    " sync_collection, due_at, pull_at, lease_owner, lease_until, attempts, last_attempt,"         \
    " last_success, last_error, last_error_at, pushed, pulled, conflicts, created_at, updated_at"
static const char SQL_LINK_GET[] =
    "SELECT " LINK_COLUMNS " FROM caldav_links WHERE calendar_id = ?";
static const char SQL_LINK_URL[] = "SELECT url FROM caldav_links WHERE calendar_id = ?";
static const char SQL_LINK_INSERT[] =
    "INSERT INTO caldav_links (calendar_id, url, username, password_sealed, sync_collection,"
    " due_at, pull_at, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)";
/* the same collection: new credentials, active and due, sync state kept */
static const char SQL_LINK_RENEW[] =
    "UPDATE caldav_links SET username = ?, password_sealed = ?, sync_collection = ?,"
    " state = 'active', paused_reason = NULL, due_at = ?, pull_at = ?, lease_owner = NULL,"
    " lease_until = NULL, attempts = 0, updated_at = ? WHERE calendar_id = ?";
/* another collection: as a new link (its items are deleted first) */
static const char SQL_LINK_REPLACE[] =
    "UPDATE caldav_links SET url = ?, username = ?, password_sealed = ?, sync_collection = ?,"
    " state = 'active', paused_reason = NULL, sync_token = NULL, ctag = NULL, due_at = ?,"
    " pull_at = ?, lease_owner = NULL, lease_until = NULL, attempts = 0, last_attempt = NULL,"
    " last_success = NULL, last_error = NULL, last_error_at = NULL, pushed = 0, pulled = 0,"
    " conflicts = 0, created_at = ?, updated_at = ? WHERE calendar_id = ?";
static const char SQL_LINK_DELETE[] =
    "DELETE FROM caldav_links WHERE calendar_id = ? RETURNING calendar_id";
static const char SQL_ITEMS_DELETE[] = "DELETE FROM caldav_items WHERE calendar_id = ?";
static const char SQL_BUSY_DELETE[] =
    "DELETE FROM external_busy WHERE source = '" BUSY_SOURCE_CALDAV "' AND source_id = ?";
static const char SQL_ITEM_COUNT[] = "SELECT COUNT(*) FROM caldav_items WHERE calendar_id = ?";

static const char SQL_CLAIM_SQLITE[] =
    "UPDATE caldav_links SET lease_owner = ?, lease_until = ?"
    " WHERE calendar_id IN (SELECT calendar_id FROM caldav_links WHERE state = 'active'"
    " AND due_at <= ? AND (lease_until IS NULL OR lease_until <= ?)"
    " ORDER BY due_at, calendar_id LIMIT ?) RETURNING calendar_id";
static const char SQL_CLAIM_POSTGRES[] =
    "UPDATE caldav_links SET lease_owner = ?, lease_until = ?"
    " WHERE calendar_id IN (SELECT calendar_id FROM caldav_links WHERE state = 'active'"
    " AND due_at <= ? AND (lease_until IS NULL OR lease_until <= ?)"
    " ORDER BY due_at, calendar_id LIMIT ? FOR UPDATE SKIP LOCKED) RETURNING calendar_id";
static const store_lease_queue link_queue = {
    .claim_sqlite = SQL_CLAIM_SQLITE,
    .claim_postgres = SQL_CLAIM_POSTGRES,
};

static const char SQL_RECORD_OK[] =
    "UPDATE caldav_links SET attempts = 0, last_attempt = ?, last_success = ?,"
    " last_error = NULL, last_error_at = NULL,"
    " sync_token = CASE WHEN CAST(? AS BIGINT) = 1 THEN NULL ELSE COALESCE(?, sync_token) END,"
    " ctag = COALESCE(?, ctag), pushed = pushed + ?, pulled = pulled + ?,"
    " conflicts = conflicts + ?,"
    /* a pull asked for while the run worked (store_caldav_pull_now moved
     * pull_at earlier than the run saw it) is kept, and due then */
    " due_at = CASE WHEN pull_at < CAST(? AS BIGINT) THEN pull_at ELSE ? END,"
    " pull_at = CASE WHEN pull_at < CAST(? AS BIGINT) THEN pull_at ELSE ? END,"
    " state = CASE WHEN CAST(? AS TEXT) IS NOT NULL THEN 'paused'"
    " WHEN CAST(? AS BIGINT) = 1 THEN 'active' ELSE state END,"
    " paused_reason = CASE WHEN CAST(? AS TEXT) IS NOT NULL THEN CAST(? AS TEXT)"
    " WHEN CAST(? AS BIGINT) = 1 THEN NULL ELSE paused_reason END,"
    " lease_owner = NULL, lease_until = NULL,"
    " updated_at = ? WHERE calendar_id = ? AND lease_owner = ? RETURNING calendar_id";
static const char SQL_CLAIM_ONE[] =
    "UPDATE caldav_links SET lease_owner = ?, lease_until = ? WHERE calendar_id = ?"
    " AND (lease_until IS NULL OR lease_until <= ?) RETURNING calendar_id";
static const char SQL_LINK_EXISTS[] = "SELECT calendar_id FROM caldav_links WHERE calendar_id = ?";
static const char SQL_RECORD_FAILED[] =
    "UPDATE caldav_links SET attempts = attempts + 1, last_attempt = ?, last_error = ?,"
    " last_error_at = ?,"
    " sync_token = CASE WHEN CAST(? AS BIGINT) = 1 THEN NULL ELSE sync_token END,"
    " pushed = pushed + ?, pulled = pulled + ?, conflicts = conflicts + ?, due_at = ?,"
    " pull_at = ?, state = CASE WHEN CAST(? AS TEXT) IS NULL THEN state ELSE 'paused' END,"
    " paused_reason = COALESCE(?, paused_reason), lease_owner = NULL, lease_until = NULL,"
    " updated_at = ? WHERE calendar_id = ? AND lease_owner = ? RETURNING calendar_id";
static const char SQL_DROP_SYNC[] =
    "UPDATE caldav_links SET sync_collection = 0, sync_token = NULL, ctag = NULL"
    " WHERE calendar_id = ? AND lease_owner = ? RETURNING calendar_id";
static const char SQL_WAKE[] =
    "UPDATE caldav_links SET due_at = CASE WHEN due_at > ? THEN ? ELSE due_at END"
    " WHERE calendar_id = ? RETURNING calendar_id";

static const char SQL_PULL_NOW[] =
    "UPDATE caldav_links SET due_at = CASE WHEN due_at > ? THEN ? ELSE due_at END,"
    " pull_at = CASE WHEN pull_at > ? THEN ? ELSE pull_at END"
    " WHERE calendar_id = ? RETURNING calendar_id";

#define ITEM_COLUMNS                                                                               \
    "id, calendar_id, href, uid, appointment_id, remote_etag, remote_hash, local_version,"         \
    " local_hash, state, updated_at"
static const char SQL_ITEM_PUT[] =
    "INSERT INTO caldav_items (calendar_id, href, uid, appointment_id, remote_etag, remote_hash,"
    " local_version, local_hash, state, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"
    " ON CONFLICT (calendar_id, href) DO UPDATE SET uid = excluded.uid,"
    " appointment_id = excluded.appointment_id, remote_etag = excluded.remote_etag,"
    " remote_hash = excluded.remote_hash, local_version = excluded.local_version,"
    " local_hash = excluded.local_hash, state = excluded.state, updated_at = excluded.updated_at"
    " RETURNING id";
static const char SQL_ITEM_GET[] =
    "SELECT " ITEM_COLUMNS " FROM caldav_items WHERE calendar_id = ? AND href = ?";
static const char SQL_ITEM_BY_APPOINTMENT[] =
    "SELECT " ITEM_COLUMNS " FROM caldav_items WHERE appointment_id = ? AND appointment_id <> 0"
    " ORDER BY id LIMIT 1";
static const char SQL_ITEM_BY_UID[] = "SELECT " ITEM_COLUMNS " FROM caldav_items"
                                      " WHERE calendar_id = ? AND uid = ? ORDER BY id LIMIT 1";
static const char SQL_ITEM_LIST[] =
    "SELECT " ITEM_COLUMNS " FROM caldav_items WHERE calendar_id = ? ORDER BY href";
static const char SQL_ITEM_DELETE[] =
    "DELETE FROM caldav_items WHERE calendar_id = ? AND href = ? RETURNING id";

/* the push's lag: items behind their appointment's version, then live
 * appointments without an item (from a start on) */
#define PENDING_COLUMNS                                                                            \
    "a.id, a.start, a.stop, CASE WHEN a.deleted = 0 AND a.status <> 'cancelled' THEN 1 ELSE 0"     \
    " END, a.version, s.name"
static const char SQL_PENDING[] =
    "SELECT " PENDING_COLUMNS " FROM caldav_items i JOIN appointments a ON a.id = i.appointment_id"
    " LEFT JOIN services s ON s.id = a.service_id"
    " WHERE i.calendar_id = ? AND i.appointment_id <> 0 AND i.local_version <> a.version"
    " UNION ALL SELECT " PENDING_COLUMNS " FROM appointments a"
    " LEFT JOIN services s ON s.id = a.service_id"
    " WHERE a.calendar_id = ? AND a.start >= ? AND a.deleted + 0 = 0 AND a.status <> 'cancelled'"
    " AND NOT EXISTS (SELECT 1 FROM caldav_items i WHERE i.appointment_id = a.id"
    " AND i.appointment_id <> 0) ORDER BY 1 LIMIT ?";

static store_rc read_link(db_stmt *s, arena *a, void *row)
{
    caldav_link *l = row;
    store_rc rc;
    l->calendar_id = db_column_int64(s, 0);
    if ((rc = store_column_text(s, 1, a, &l->url)) != STORE_OK ||
        (rc = store_column_text(s, 2, a, &l->username)) != STORE_OK ||
        (rc = store_column_text(s, 3, a, &l->password_sealed)) != STORE_OK ||
        (rc = store_column_text(s, 4, a, &l->state)) != STORE_OK ||
        (rc = store_column_text(s, 5, a, &l->paused_reason)) != STORE_OK ||
        (rc = store_column_text(s, 6, a, &l->sync_token)) != STORE_OK ||
        (rc = store_column_text(s, 7, a, &l->ctag)) != STORE_OK ||
        (rc = store_column_text(s, 11, a, &l->lease_owner)) != STORE_OK ||
        (rc = store_column_text(s, 16, a, &l->last_error)) != STORE_OK)
        return rc;
    l->sync_collection = db_column_int64(s, 8) != 0;
    l->due_at = db_column_int64(s, 9);
    l->pull_at = db_column_int64(s, 10);
    l->lease_until = db_column_int64(s, 12); /* NULL reads as 0 */
    l->attempts = db_column_int64(s, 13);
    l->last_attempt = db_column_int64(s, 14);
    l->last_success = db_column_int64(s, 15);
    l->last_error_at = db_column_int64(s, 17);
    l->pushed = db_column_int64(s, 18);
    l->pulled = db_column_int64(s, 19);
    l->conflicts = db_column_int64(s, 20);
    l->created_at = db_column_int64(s, 21);
    l->updated_at = db_column_int64(s, 22);
    return STORE_OK;
}

static store_rc read_url(db_stmt *s, arena *a, void *row)
{
    return store_column_text(s, 0, a, (const char **)row);
}

store_rc store_caldav_link_set(store *st, const caldav_link *l, int64_t now)
{
    assert(st && l && l->url && l->username && l->password_sealed);
    store_op op;
    const char *old_url = NULL;
    arena *a = arena_new(64 * 1024);
    store_rc rc = a ? store_op_begin(st, &op, STORE_OP_WRITE) : store_out_of_memory("caldav link");
    if (!a)
        return rc;
    if (rc != STORE_OK)
        goto done;
    const store_rows url_q = {SQL_LINK_URL, sizeof old_url, read_url};
    const store_value key[] = {STORE_INT64(l->calendar_id)};
    rc = store_row_get(st->db, &url_q, key, 1, a, &old_url);
    if (rc == STORE_NOT_FOUND) {
        const store_value binds[] = {STORE_INT64(l->calendar_id),
                                     STORE_TEXT(l->url),
                                     STORE_TEXT(l->username),
                                     STORE_TEXT(l->password_sealed),
                                     STORE_INT64(l->sync_collection),
                                     STORE_INT64(now),
                                     STORE_INT64(now),
                                     STORE_INT64(now),
                                     STORE_INT64(now)};
        /* a missing calendar fails the foreign key: NOT_FOUND */
        rc = store_write_run(st->db, SQL_LINK_INSERT, binds, 9, NULL, NULL);
    } else if (rc == STORE_OK && old_url && strcmp(old_url, l->url) == 0) {
        const store_value binds[] = {STORE_TEXT(l->username),
                                     STORE_TEXT(l->password_sealed),
                                     STORE_INT64(l->sync_collection),
                                     STORE_INT64(now),
                                     STORE_INT64(now),
                                     STORE_INT64(now),
                                     STORE_INT64(l->calendar_id)};
        rc = store_write_run(st->db, SQL_LINK_RENEW, binds, 7, NULL, NULL);
    } else if (rc == STORE_OK) {
        rc = store_write_run(st->db, SQL_ITEMS_DELETE, key, 1, NULL, NULL);
        if (rc == STORE_OK)
            rc = store_write_run(st->db, SQL_BUSY_DELETE, key, 1, NULL, NULL);
        const store_value binds[] = {STORE_TEXT(l->url),
                                     STORE_TEXT(l->username),
                                     STORE_TEXT(l->password_sealed),
                                     STORE_INT64(l->sync_collection),
                                     STORE_INT64(now),
                                     STORE_INT64(now),
                                     STORE_INT64(now),
                                     STORE_INT64(now),
                                     STORE_INT64(l->calendar_id)};
        if (rc == STORE_OK)
            rc = store_write_run(st->db, SQL_LINK_REPLACE, binds, 9, NULL, NULL);
    }
done:
    rc = store_op_end(st, &op, rc);
    arena_free(a);
    return rc;
}

store_rc store_caldav_link_get(store *st, int64_t calendar_id, arena *a, caldav_link *out)
{
    const store_rows q = {SQL_LINK_GET, sizeof *out, read_link};
    const store_value binds[] = {STORE_INT64(calendar_id)};
    return store_row_get(st->db, &q, binds, 1, a, out);
}

store_rc store_caldav_unlink(store *st, int64_t calendar_id)
{
    store_op op;
    const store_value key[] = {STORE_INT64(calendar_id)};
    store_rc rc = store_op_begin(st, &op, STORE_OP_WRITE);
    if (rc == STORE_OK)
        rc = store_write_run(st->db, SQL_ITEMS_DELETE, key, 1, NULL, NULL);
    if (rc == STORE_OK)
        rc = store_write_run(st->db, SQL_BUSY_DELETE, key, 1, NULL, NULL);
    if (rc == STORE_OK)
        rc = store_write_row(st->db, SQL_LINK_DELETE, key, 1);
    return store_op_end(st, &op, rc);
}

store_rc store_caldav_item_count(store *st, int64_t calendar_id, int64_t *n)
{
    const store_rows q = {SQL_ITEM_COUNT, sizeof *n, store_read_id};
    const store_value binds[] = {STORE_INT64(calendar_id)};
    return store_row_get(st->db, &q, binds, 1, NULL, n);
}

store_rc store_caldav_claim(store *st, const char *owner, int64_t now, int64_t lease_seconds,
                            size_t max, arena *a, int64_t **ids, size_t *n)
{
    return store_lease_claim(st, &link_queue, owner, now, lease_seconds, max, a, ids, n);
}

store_rc store_caldav_claim_one(store *st, int64_t calendar_id, const char *owner, int64_t now,
                                int64_t lease_seconds)
{
    const store_value binds[] = {STORE_TEXT(owner), STORE_INT64(now + lease_seconds),
                                 STORE_INT64(calendar_id), STORE_INT64(now)};
    store_rc rc = store_write_row(st->db, SQL_CLAIM_ONE, binds, 4);
    if (rc == STORE_NOT_FOUND) {
        /* no link, or a lease held: tell them apart */
        int64_t id = 0;
        const store_rows q = {SQL_LINK_EXISTS, sizeof id, store_read_id};
        rc = store_row_get(st->db, &q, binds + 2, 1, NULL, &id);
        if (rc == STORE_OK)
            rc = STORE_CONFLICT;
    }
    return rc;
}

store_rc store_caldav_record(store *st, const caldav_outcome *o, int64_t now)
{
    assert(st && o && o->owner && (o->ok || o->error));
    if (o->ok) {
        const store_value binds[] = {STORE_INT64(now),
                                     STORE_INT64(now),
                                     STORE_INT64(o->reset_token),
                                     STORE_TEXT(o->sync_token),
                                     STORE_TEXT(o->ctag),
                                     STORE_INT64(o->pushed),
                                     STORE_INT64(o->pulled),
                                     STORE_INT64(o->conflicts),
                                     STORE_INT64(o->pull_seen),
                                     STORE_INT64(o->due_at),
                                     STORE_INT64(o->pull_seen),
                                     STORE_INT64(o->pull_at),
                                     STORE_TEXT(o->pause),
                                     STORE_INT64(o->resume),
                                     STORE_TEXT(o->pause),
                                     STORE_TEXT(o->pause),
                                     STORE_INT64(o->resume),
                                     STORE_INT64(now),
                                     STORE_INT64(o->calendar_id),
                                     STORE_TEXT(o->owner)};
        return store_write_row(st->db, SQL_RECORD_OK, binds, 20);
    }
    const store_value binds[] = {STORE_INT64(now),
                                 STORE_TEXT(o->error),
                                 STORE_INT64(now),
                                 STORE_INT64(o->reset_token),
                                 STORE_INT64(o->pushed),
                                 STORE_INT64(o->pulled),
                                 STORE_INT64(o->conflicts),
                                 STORE_INT64(o->due_at),
                                 STORE_INT64(o->pull_at),
                                 STORE_TEXT(o->pause),
                                 STORE_TEXT(o->pause),
                                 STORE_INT64(now),
                                 STORE_INT64(o->calendar_id),
                                 STORE_TEXT(o->owner)};
    return store_write_row(st->db, SQL_RECORD_FAILED, binds, 14);
}

store_rc store_caldav_drop_sync_collection(store *st, int64_t calendar_id, const char *owner)
{
    assert(st && owner);
    const store_value binds[] = {STORE_INT64(calendar_id), STORE_TEXT(owner)};
    return store_write_row(st->db, SQL_DROP_SYNC, binds, 2);
}

store_rc store_caldav_wake(store *st, int64_t calendar_id, int64_t at)
{
    const store_value binds[] = {STORE_INT64(at), STORE_INT64(at), STORE_INT64(calendar_id)};
    return store_write_row(st->db, SQL_WAKE, binds, 3);
}

store_rc store_caldav_pull_now(store *st, int64_t calendar_id, int64_t at)
{
    const store_value binds[] = {STORE_INT64(at), STORE_INT64(at), STORE_INT64(at), STORE_INT64(at),
                                 STORE_INT64(calendar_id)};
    return store_write_row(st->db, SQL_PULL_NOW, binds, 5);
}

static store_rc read_item(db_stmt *s, arena *a, void *row)
{
    caldav_item *it = row;
    store_rc rc;
    it->id = db_column_int64(s, 0);
    it->calendar_id = db_column_int64(s, 1);
    if ((rc = store_column_text(s, 2, a, &it->href)) != STORE_OK ||
        (rc = store_column_text(s, 3, a, &it->uid)) != STORE_OK ||
        (rc = store_column_text(s, 5, a, &it->remote_etag)) != STORE_OK ||
        (rc = store_column_text(s, 6, a, &it->remote_hash)) != STORE_OK ||
        (rc = store_column_text(s, 8, a, &it->local_hash)) != STORE_OK ||
        (rc = store_column_text(s, 9, a, &it->state)) != STORE_OK)
        return rc;
    it->appointment_id = db_column_int64(s, 4);
    it->local_version = db_column_int64(s, 7);
    it->updated_at = db_column_int64(s, 10);
    return STORE_OK;
}

store_rc store_caldav_item_put(store *st, caldav_item *it)
{
    assert(st && it && it->href && it->state);
    const store_value binds[] = {
        STORE_INT64(it->calendar_id),    STORE_TEXT(it->href),        STORE_TEXT(it->uid),
        STORE_INT64(it->appointment_id), STORE_TEXT(it->remote_etag), STORE_TEXT(it->remote_hash),
        STORE_INT64(it->local_version),  STORE_TEXT(it->local_hash),  STORE_TEXT(it->state),
        STORE_INT64(it->updated_at)};
    /* a calendar without a link fails the foreign key: NOT_FOUND */
    return store_write_run(st->db, SQL_ITEM_PUT, binds, 10, NULL, &it->id);
}

store_rc store_caldav_item_get(store *st, int64_t calendar_id, const char *href, arena *a,
                               caldav_item *out)
{
    const store_rows q = {SQL_ITEM_GET, sizeof *out, read_item};
    const store_value binds[] = {STORE_INT64(calendar_id), STORE_TEXT(href)};
    return store_row_get(st->db, &q, binds, 2, a, out);
}

store_rc store_caldav_item_get_by_appointment(store *st, int64_t appointment_id, arena *a,
                                              caldav_item *out)
{
    const store_rows q = {SQL_ITEM_BY_APPOINTMENT, sizeof *out, read_item};
    const store_value binds[] = {STORE_INT64(appointment_id)};
    return store_row_get(st->db, &q, binds, 1, a, out);
}

store_rc store_caldav_item_get_by_uid(store *st, int64_t calendar_id, const char *uid, arena *a,
                                      caldav_item *out)
{
    const store_rows q = {SQL_ITEM_BY_UID, sizeof *out, read_item};
    const store_value binds[] = {STORE_INT64(calendar_id), STORE_TEXT(uid)};
    return store_row_get(st->db, &q, binds, 2, a, out);
}

store_rc store_caldav_item_list(store *st, int64_t calendar_id, arena *a, caldav_item **out,
                                size_t *n)
{
    const store_rows q = {SQL_ITEM_LIST, sizeof **out, read_item};
    const store_value binds[] = {STORE_INT64(calendar_id)};
    return store_rows_run(st->db, &q, binds, 1, a, (void **)out, n);
}

store_rc store_caldav_item_delete(store *st, int64_t calendar_id, const char *href)
{
    const store_value binds[] = {STORE_INT64(calendar_id), STORE_TEXT(href)};
    return store_write_row(st->db, SQL_ITEM_DELETE, binds, 2);
}

static store_rc read_pending(db_stmt *s, arena *a, void *row)
{
    caldav_pending *p = row;
    p->id = db_column_int64(s, 0);
    p->start = db_column_int64(s, 1);
    p->stop = db_column_int64(s, 2);
    p->live = db_column_int64(s, 3) != 0;
    p->version = db_column_int64(s, 4);
    return store_column_text(s, 5, a, &p->service);
}

store_rc store_caldav_pending(store *st, int64_t calendar_id, int64_t from, size_t max, arena *a,
                              caldav_pending **out, size_t *n)
{
    const store_rows q = {SQL_PENDING, sizeof **out, read_pending};
    const store_value binds[] = {STORE_INT64(calendar_id), STORE_INT64(calendar_id),
                                 STORE_INT64(from), STORE_INT64((int64_t)max)};
    return store_rows_run(st->db, &q, binds, 4, a, (void **)out, n);
}
