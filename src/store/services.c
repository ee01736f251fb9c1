/* services.c - a calendar's services (appointment types).
 *
 * Same rules as patients: rows carry a `deleted` flag, only live rows are
 * listed or addressable, and "remote_id unique among a calendar's live
 * services" is the partial unique index services_remote_id, so the database
 * decides conflicts.  Every statement is scoped to the calendar.  A list, a
 * get or an insert is one statement, atomic by itself; an update is two,
 * the touch of the service's appointments then the service's row, in one
 * unit of work (internal.h).  There is no deletion.  The *_many calls of
 * collections run bulk statements (internal.h), whose rows take the same
 * values as the single-row statements' (insert_values and friends). */
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
/* ordered by remote_id: internal.h, store_many */
#define REMOTE_IDS_IN " WHERE remote_id IN (" BULK_LIST("?") ")"
static const char SQL_GET_BY_REMOTE_IDS[] =
    "SELECT " SERVICE_COLUMNS " FROM services" REMOTE_IDS_IN
    " AND calendar_id = ? AND deleted = 0 ORDER BY remote_id";
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

static const store_rows live_services = {SQL_LIST, sizeof(service), read_service};

store_rc store_service_list(store *st, int64_t calendar_id, arena *a, service **out, size_t *n)
{
    assert(st && a && out && n);
    const store_value binds[] = {STORE_INT64(calendar_id)};
    void *rows = NULL;
    store_rc rc = store_rows_run(st->db, &live_services, binds, 1, a, &rows, n);
    *out = rows;
    return rc;
}

store_rc store_service_get(store *st, int64_t calendar_id, const object_ref *ref, arena *a,
                           service *out)
{
    assert(st && ref && a && out);
    return store_get_by_ref(st, SQL_GET_BY_ID, SQL_GET_BY_REMOTE_ID, calendar_id, ref, a,
                            read_service, out);
}

/* A row of SQL_INSERT and SQL_INSERT_MANY: calendar_id, remote_id, name,
 * duration, color, updated_at (6 values). */
static void insert_values(const void *row, store_value *v)
{
    const service *sv = row;
    v[0] = STORE_INT64(sv->calendar_id);
    v[1] = STORE_TEXT(sv->remote_id);
    v[2] = STORE_TEXT(sv->name);
    v[3] = STORE_INT64(sv->duration);
    v[4] = STORE_TEXT(sv->color);
    v[5] = STORE_INT64(sv->updated_at);
}

/* A row of SQL_UPDATE_MANY: id, then insert_values (7 values). */
static void update_values(const void *row, store_value *v)
{
    const service *sv = row;
    v[0] = STORE_INT64(sv->id);
    insert_values(sv, v + 1);
}

store_rc store_service_insert(store *st, service *sv)
{
    assert(st && sv && sv->name);
    store_value binds[6];
    insert_values(sv, binds);
    return store_write_run(st->db, SQL_INSERT, binds, 6, NULL, &sv->id);
}

store_rc store_service_update(store *st, const service *sv)
{
    assert(st && sv && sv->name);
    store_op op;
    const store_value binds[] = {STORE_TEXT(sv->remote_id),   STORE_TEXT(sv->name),
                                 STORE_INT64(sv->duration),   STORE_TEXT(sv->color),
                                 STORE_INT64(sv->updated_at), STORE_INT64(sv->id),
                                 STORE_INT64(sv->calendar_id)};
    store_rc rc = store_op_begin(st, &op, STORE_OP_WRITE);
    /* appointments show the service's remote_id and color: changes must
     * reach their `since` pollers (index appointments_service) */
    if (rc == STORE_OK)
        rc = store_touch_appointments(st, SQL_TOUCH_APPOINTMENTS, sv->updated_at, sv->id,
                                      (const char *const[]){sv->remote_id, sv->color}, 2);
    if (rc == STORE_OK)
        rc = store_write_row(st->db, SQL_UPDATE, binds, 7);
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

/* A row of SQL_TOUCH_APPOINTMENTS_MANY: id, remote_id, color. */
static void touch_values(const void *row, store_value *v)
{
    const service *sv = row;
    v[0] = STORE_INT64(sv->id);
    v[1] = STORE_TEXT(sv->remote_id);
    v[2] = STORE_TEXT(sv->color);
}

static const store_writes service_writes = {
    .touch = SQL_TOUCH_APPOINTMENTS_MANY,
    .touch_per_row = 3,
    .touch_values = touch_values,
    .update = SQL_UPDATE_MANY,
    .update_per_row = 7,
    .update_values = update_values,
    .insert = SQL_INSERT_MANY,
    .insert_per_row = 6,
    .insert_values = insert_values,
};

store_rc store_service_write_many(store *st, service *rows, size_t n, arena *a)
{
    assert(st && (rows || n == 0) && a);
    for (size_t i = 0; i < n; i++)
        assert(rows[i].name && rows[i].updated_at == rows[0].updated_at);
    return store_write_many(st, &service_writes, rows, sizeof *rows, n, n ? rows[0].updated_at : 0,
                            a);
}
