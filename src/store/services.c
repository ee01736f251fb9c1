/* services.c - a calendar's services (appointment types).
 *
 * Same rules as patients: rows carry a `deleted` flag, only live rows are
 * listed or addressable, and "remote_id unique among a calendar's live
 * services" is the partial unique index services_remote_id, so the database
 * decides conflicts.  Every statement is scoped to the calendar; a
 * single-row call is one statement, hence atomic by itself, except an
 * update, which touches the service's appointments first in the same unit
 * of work; the *_many calls of collections run bulk statements
 * (internal.h). */
#include <assert.h>
#include <stddef.h>

#include "store/internal.h"

#define SERVICE_COLUMNS "id, calendar_id, remote_id, name, duration, color, updated_at"

/* index services_live */
static const char SQL_LIST[] = "SELECT " SERVICE_COLUMNS " FROM services"
                               " WHERE calendar_id = ? AND deleted = 0 ORDER BY id";
static const char SQL_GET_BY_ID[] = "SELECT " SERVICE_COLUMNS " FROM services"
                                    " WHERE id = ? AND calendar_id = ? AND deleted + 0 = 0";
static const char SQL_GET_BY_REMOTE_ID[] =
    "SELECT " SERVICE_COLUMNS " FROM services"
    " WHERE calendar_id = ? AND remote_id = ? AND deleted = 0";
static const char SQL_INSERT[] =
    "INSERT INTO services (calendar_id, remote_id, name, duration, color, deleted, updated_at)"
    " VALUES (?, ?, ?, ?, ?, 0, ?) RETURNING id";
/* Touches the live appointments of a service whose remote_id or color is
 * about to change: now, service id, now, service id, new remote_id, new
 * color. */
static const char SQL_TOUCH_APPOINTMENTS[] =
    "UPDATE appointments SET updated_at = ?"
    " WHERE service_id = ? AND deleted = 0 AND updated_at < ?"
    " AND EXISTS (SELECT 1 FROM services WHERE id = ?"
    " AND (remote_id IS DISTINCT FROM ? OR color IS DISTINCT FROM ?))";
static const char SQL_UPDATE[] =
    "UPDATE services SET remote_id = ?, name = ?, duration = ?, color = ?, updated_at = ?"
    " WHERE id = ? AND calendar_id = ? AND deleted + 0 = 0 RETURNING id";

/* Bulk statements (internal.h): lookups by ids and by remote_ids; inserts
 * and updates of many rows; the touch of the appointments of many services
 * whose remote_id or color changes (now, now, then rows of id, new
 * remote_id, new color). */
static const char SQL_GET_BY_IDS[] =
    "SELECT " SERVICE_COLUMNS
    " FROM services WHERE id IN (" BULK_LIST("?") ")"
                                                  " AND calendar_id + 0 = ? AND deleted + 0 = 0";
static const char SQL_GET_BY_REMOTE_IDS[] =
    "SELECT " SERVICE_COLUMNS " FROM services JOIN (VALUES " BULK_LIST(
        "(?)") ") AS v"
               " ON remote_id = v.column1 WHERE calendar_id = ? AND deleted = 0";
/* calendar_id, remote_id, name, duration, color, updated_at */
#define INSERT_ROW "(" BULK_INT ", ?, ?, " BULK_INT ", ?, " BULK_INT ")"
static const char SQL_INSERT_MANY[] =
    "INSERT INTO services (calendar_id, remote_id, name, duration, color, deleted, updated_at)"
    " SELECT column1, column2, column3, column4, column5, 0, column6"
    " FROM (VALUES " BULK_LIST(INSERT_ROW) ") AS v WHERE column1 IS NOT NULL RETURNING id";
/* id, calendar_id, remote_id, name, duration, color, updated_at */
#define UPDATE_ROW "(" BULK_INT ", " BULK_INT ", ?, ?, " BULK_INT ", ?, " BULK_INT ")"
static const char SQL_UPDATE_MANY[] =
    "UPDATE services SET remote_id = v.column3, name = v.column4, duration = v.column5,"
    " color = v.column6, updated_at = v.column7 FROM (VALUES " BULK_LIST(
        UPDATE_ROW) ") AS v"
                    " WHERE services.id = v.column1 AND services.calendar_id = v.column2"
                    " AND services.deleted + 0 = 0 RETURNING id";
static const char SQL_TOUCH_APPOINTMENTS_MANY[] =
    "UPDATE appointments SET updated_at = ? WHERE deleted = 0 AND updated_at < ?"
    " AND service_id IN (SELECT s.id FROM services s JOIN (VALUES " BULK_LIST(
        "(" BULK_INT ", ?, ?)") ") AS v ON s.id = v.column1"
                                " WHERE s.remote_id IS DISTINCT FROM v.column2 OR s.color IS "
                                "DISTINCT FROM v.column3)";

/* Reads the SERVICE_COLUMNS into *out. */
static store_rc read_service(db_stmt *s, arena *a, void *row)
{
    service *out = row;
    store_rc rc = STORE_OK;
    out->id = db_column_int64(s, 0);
    out->calendar_id = db_column_int64(s, 1);
    if ((rc = store_column_text(s, 2, a, &out->remote_id)) != STORE_OK ||
        (rc = store_column_text(s, 3, a, &out->name)) != STORE_OK)
        return rc;
    out->duration = db_column_int64(s, 4);
    if ((rc = store_column_text(s, 5, a, &out->color)) != STORE_OK)
        return rc;
    out->updated_at = db_column_int64(s, 6);
    return STORE_OK;
}

store_rc store_service_list(store *st, int64_t calendar_id, arena *a, service **out, size_t *n)
{
    assert(st && a && out && n);
    db_stmt *s = NULL;
    service *rows = NULL;
    size_t count = 0, cap = 0;
    bool row = false;
    store_rc rc = db_prepare(st->db, SQL_LIST, &s);
    if (rc != STORE_OK)
        goto done;
    db_bind_int64(s, 1, calendar_id);
    while ((rc = db_step(s, &row)) == STORE_OK && row) {
        rc = store_reserve(a, (void **)&rows, &cap, count, sizeof *rows);
        if (rc != STORE_OK)
            goto done;
        rc = read_service(s, a, &rows[count]);
        if (rc != STORE_OK)
            goto done;
        count++;
    }
    if (rc != STORE_OK)
        goto done;
    *out = rows;
    *n = count;
done:
    db_reset(s);
    return rc;
}

store_rc store_service_get(store *st, int64_t calendar_id, const object_ref *ref, arena *a,
                           service *out)
{
    assert(st && ref && a && out);
    return store_get_by_ref(st, SQL_GET_BY_ID, SQL_GET_BY_REMOTE_ID, calendar_id, ref, a,
                            read_service, out);
}

store_rc store_service_insert(store *st, service *sv)
{
    assert(st && sv && sv->name);
    db_stmt *s = NULL;
    int64_t id = 0;
    store_rc rc = db_prepare(st->db, SQL_INSERT, &s);
    if (rc != STORE_OK)
        goto done;
    db_bind_int64(s, 1, sv->calendar_id);
    db_bind_text(s, 2, sv->remote_id);
    db_bind_text(s, 3, sv->name);
    db_bind_int64(s, 4, sv->duration);
    db_bind_text(s, 5, sv->color);
    db_bind_int64(s, 6, sv->updated_at);
    rc = store_step_write(s, NULL, &id);
done:
    db_reset(s);
    if (rc == STORE_OK)
        sv->id = id;
    return rc;
}

store_rc store_service_update(store *st, const service *sv)
{
    assert(st && sv && sv->name);
    store_op op;
    db_stmt *s = NULL;
    bool row = false;
    store_rc rc = store_op_begin(st, &op, STORE_OP_WRITE);
    if (rc != STORE_OK)
        goto done;
    /* appointments show the service's remote_id and color: changes must
     * reach their `since` pollers (index appointments_service) */
    rc = store_touch_appointments(st, SQL_TOUCH_APPOINTMENTS, sv->updated_at, sv->id,
                                  (const char *const[]){sv->remote_id, sv->color}, 2);
    if (rc != STORE_OK)
        goto done;
    rc = db_prepare(st->db, SQL_UPDATE, &s);
    if (rc != STORE_OK)
        goto done;
    db_bind_text(s, 1, sv->remote_id);
    db_bind_text(s, 2, sv->name);
    db_bind_int64(s, 3, sv->duration);
    db_bind_text(s, 4, sv->color);
    db_bind_int64(s, 5, sv->updated_at);
    db_bind_int64(s, 6, sv->id);
    db_bind_int64(s, 7, sv->calendar_id);
    rc = store_step_write(s, &row, NULL);
    if (rc == STORE_OK && !row)
        rc = STORE_NOT_FOUND;
done:
    db_reset(s);
    return store_op_end(st, &op, rc);
}

/* ---- many at once ------------------------------------------------------ */

static const store_many service_many = {
    .by_ids = SQL_GET_BY_IDS,
    .by_remote_ids = SQL_GET_BY_REMOTE_IDS,
    .read = read_service,
    .row_size = sizeof(service),
    .remote_id_offset = offsetof(service, remote_id),
};

store_rc store_service_get_many(store *st, int64_t calendar_id, const object_ref *refs, size_t n,
                                arena *a, service *out, bool *found)
{
    return store_get_many(st, &service_many, calendar_id, refs, n, a, out, found);
}

static void bind_insert_row(db_stmt *s, int first, const void *items, size_t k)
{
    const service *sv = store_picked(items, k);
    db_bind_int64(s, first, sv->calendar_id);
    db_bind_text(s, first + 1, sv->remote_id);
    db_bind_text(s, first + 2, sv->name);
    db_bind_int64(s, first + 3, sv->duration);
    db_bind_text(s, first + 4, sv->color);
    db_bind_int64(s, first + 5, sv->updated_at);
}

static void bind_update_row(db_stmt *s, int first, const void *items, size_t k)
{
    const service *sv = store_picked(items, k);
    db_bind_int64(s, first, sv->id);
    db_bind_int64(s, first + 1, sv->calendar_id);
    db_bind_text(s, first + 2, sv->remote_id);
    db_bind_text(s, first + 3, sv->name);
    db_bind_int64(s, first + 4, sv->duration);
    db_bind_text(s, first + 5, sv->color);
    db_bind_int64(s, first + 6, sv->updated_at);
}

static void bind_touch_row(db_stmt *s, int first, const void *items, size_t k)
{
    const service *sv = store_picked(items, k);
    db_bind_int64(s, first, sv->id);
    db_bind_text(s, first + 1, sv->remote_id);
    db_bind_text(s, first + 2, sv->color);
}

static const store_writes service_writes = {
    .touch = SQL_TOUCH_APPOINTMENTS_MANY,
    .touch_per_row = 3,
    .touch_bind = bind_touch_row,
    .update = SQL_UPDATE_MANY,
    .update_per_row = 7,
    .update_bind = bind_update_row,
    .insert = SQL_INSERT_MANY,
    .insert_per_row = 6,
    .insert_bind = bind_insert_row,
};

store_rc store_service_write_many(store *st, service *rows, size_t n, arena *a)
{
    assert(st && (rows || n == 0) && a);
    store_pick old, fresh;
    for (size_t i = 0; i < n; i++)
        assert(rows[i].name && rows[i].updated_at == rows[0].updated_at);
    store_rc rc = store_pick_split(rows, sizeof *rows, n, a, &old, &fresh);
    if (rc == STORE_OK)
        rc = store_write_picks(st, &service_writes, &old, &fresh, n ? rows[0].updated_at : 0, a);
    return rc;
}
