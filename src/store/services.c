/* services.c - a calendar's services (appointment types).
 *
 * Same rules as patients: rows carry a `deleted` flag, only live rows are
 * listed or addressable, and "remote_id unique among a calendar's live
 * services" is the partial unique index services_remote_id, so the database
 * decides conflicts.  Every call is a single statement scoped to the
 * calendar, hence atomic by itself. */
#include <assert.h>

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
