/* patients.c - a center's patients: lists, get, insert, update, delete.
 *
 * Patients are never removed: store_patient_delete leaves a tombstone
 * (deleted = 1) so `since` pollers learn about the deletion.  "remote_id is
 * unique among a center's live patients" is the partial unique index
 * patients_remote_id (WHERE deleted = 0), so the database decides conflicts,
 * atomically, and a deleted patient's remote_id is free again at once.
 * Every call is one statement (a list is two, in one read snapshot; an
 * update or a delete also writes the patient's appointments, in one unit
 * of work), every statement is scoped to the center, and only live rows are
 * addressable.
 *
 * A deleted patient's appointments.  An appointment shows its patient's id
 * and remote_id; a deleted patient's remote_id may name another patient at
 * once, so deleting a patient clears the link of every appointment that
 * named it (tombstones included) and stamps them, so `since` pollers see
 * the change.  No appointment ever names a deleted patient: the store also
 * refuses to link one (appointments.c). */
#include <assert.h>

#include "store/internal.h"

#define PATIENT_COLUMNS                                                                            \
    "id, center_id, remote_id, first_name, last_name, email, phone_number, birthdate,"             \
    " address, notes, language_code, deleted, updated_at"

/* live list: index patients_live; since list: index patients_updated */
static const char SQL_COUNT_LIVE[] =
    "SELECT COUNT(*) FROM patients WHERE center_id = ? AND deleted = 0";
static const char SQL_LIST_LIVE[] = "SELECT " PATIENT_COLUMNS " FROM patients"
                                    " WHERE center_id = ? AND deleted = 0"
                                    " ORDER BY id LIMIT ? OFFSET ?";
static const char SQL_COUNT_SINCE[] =
    "SELECT COUNT(*) FROM patients WHERE center_id = ? AND updated_at >= ?";
static const char SQL_LIST_SINCE[] = "SELECT " PATIENT_COLUMNS " FROM patients"
                                     " WHERE center_id = ? AND updated_at >= ?"
                                     " ORDER BY id LIMIT ? OFFSET ?";
static const char SQL_GET_BY_ID[] = "SELECT " PATIENT_COLUMNS " FROM patients"
                                    " WHERE id = ? AND center_id = ? AND deleted + 0 = 0";
static const char SQL_GET_BY_REMOTE_ID[] = "SELECT " PATIENT_COLUMNS " FROM patients"
                                           " WHERE center_id = ? AND remote_id = ? AND deleted = 0";
static const char SQL_INSERT[] =
    "INSERT INTO patients (center_id, remote_id, first_name, last_name, email, phone_number,"
    " birthdate, address, notes, language_code, deleted, updated_at)"
    " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 0, ?) RETURNING id";
/* Touches the live appointments of a patient whose remote_id is about to
 * change: now, patient id, now, patient id, new remote_id. */
static const char SQL_TOUCH_APPOINTMENTS[] =
    "UPDATE appointments SET updated_at = ?"
    " WHERE patient_id = ? AND deleted = 0 AND updated_at < ?"
    " AND EXISTS (SELECT 1 FROM patients WHERE id = ? AND remote_id IS DISTINCT FROM ?)";
static const char SQL_UPDATE[] =
    "UPDATE patients SET remote_id = ?, first_name = ?, last_name = ?, email = ?,"
    " phone_number = ?, birthdate = ?, address = ?, notes = ?, language_code = ?,"
    " updated_at = ? WHERE id = ? AND center_id = ? AND deleted + 0 = 0 RETURNING id";
static const char SQL_DELETE[] = "UPDATE patients SET deleted = 1, updated_at = ?"
                                 " WHERE id = ? AND center_id = ? AND deleted + 0 = 0 RETURNING id";
/* The deleted patient's appointments lose their link: now, patient id
 * (index appointments_patient). */
static const char SQL_UNLINK_APPOINTMENTS[] =
    "UPDATE appointments SET patient_id = NULL, updated_at = ? WHERE patient_id = ?";

/* Reads the PATIENT_COLUMNS into *row (a patient). */
static store_rc read_patient(db_stmt *s, arena *a, void *row)
{
    patient *p = row;
    store_rc rc = STORE_OK;
    p->id = db_column_int64(s, 0);
    p->center_id = db_column_int64(s, 1);
    if ((rc = store_column_text(s, 2, a, &p->remote_id)) != STORE_OK ||
        (rc = store_column_text(s, 3, a, &p->first_name)) != STORE_OK ||
        (rc = store_column_text(s, 4, a, &p->last_name)) != STORE_OK ||
        (rc = store_column_text(s, 5, a, &p->email)) != STORE_OK ||
        (rc = store_column_text(s, 6, a, &p->phone_number)) != STORE_OK ||
        (rc = store_column_text(s, 7, a, &p->birthdate)) != STORE_OK ||
        (rc = store_column_text(s, 8, a, &p->address)) != STORE_OK ||
        (rc = store_column_text(s, 9, a, &p->notes)) != STORE_OK ||
        (rc = store_column_text(s, 10, a, &p->language_code)) != STORE_OK)
        return rc;
    p->deleted = db_column_int64(s, 11) != 0;
    p->updated_at = db_column_int64(s, 12);
    return STORE_OK;
}

store_rc store_patient_list(store *st, int64_t center_id, const list_query *q, arena *a,
                            patient **out, size_t *n, int64_t *total)
{
    assert(st && q && a && out && n && total);
    const int64_t binds[] = {center_id, q->since};
    const store_list list = {
        .count_sql = q->has_since ? SQL_COUNT_SINCE : SQL_COUNT_LIVE,
        .rows_sql = q->has_since ? SQL_LIST_SINCE : SQL_LIST_LIVE,
        .binds = binds,
        .n_binds = q->has_since ? 2 : 1,
        .row_size = sizeof(patient),
        .read = read_patient,
    };
    void *rows = NULL;
    store_rc rc = store_list_run(st, &list, q, a, &rows, n, total);
    if (rc == STORE_OK)
        *out = rows;
    return rc;
}

store_rc store_patient_get(store *st, int64_t center_id, const object_ref *ref, arena *a,
                           patient *out)
{
    assert(st && ref && a && out);
    return store_get_by_ref(st, SQL_GET_BY_ID, SQL_GET_BY_REMOTE_ID, center_id, ref, a,
                            read_patient, out);
}

/* Binds the patient's data columns, remote_id .. language_code, to
 * placeholders first .. first + 8. */
static void bind_data(db_stmt *s, int first, const patient *p)
{
    db_bind_text(s, first, p->remote_id);
    db_bind_text(s, first + 1, p->first_name);
    db_bind_text(s, first + 2, p->last_name);
    db_bind_text(s, first + 3, p->email);
    db_bind_text(s, first + 4, p->phone_number);
    db_bind_text(s, first + 5, p->birthdate);
    db_bind_text(s, first + 6, p->address);
    db_bind_text(s, first + 7, p->notes);
    db_bind_text(s, first + 8, p->language_code);
}

store_rc store_patient_insert(store *st, patient *p)
{
    assert(st && p);
    db_stmt *s = NULL;
    int64_t id = 0;
    store_rc rc = db_prepare(st->db, SQL_INSERT, &s);
    if (rc != STORE_OK)
        goto done;
    db_bind_int64(s, 1, p->center_id);
    bind_data(s, 2, p);
    db_bind_int64(s, 11, p->updated_at);
    rc = store_step_write(s, NULL, &id);
done:
    db_reset(s);
    if (rc == STORE_OK) {
        p->id = id;
        p->deleted = false;
    }
    return rc;
}

store_rc store_patient_update(store *st, const patient *p)
{
    assert(st && p);
    store_op op;
    db_stmt *s = NULL;
    bool row = false;
    store_rc rc = store_op_begin(st, &op, STORE_OP_WRITE);
    if (rc != STORE_OK)
        goto done;
    /* appointments show the patient's remote_id: a new one must reach the
     * `since` pollers of those appointments too (index appointments_patient) */
    rc = store_touch_appointments(st, SQL_TOUCH_APPOINTMENTS, p->updated_at, p->id,
                                  (const char *const[]){p->remote_id}, 1);
    if (rc != STORE_OK)
        goto done;
    rc = db_prepare(st->db, SQL_UPDATE, &s);
    if (rc != STORE_OK)
        goto done;
    bind_data(s, 1, p);
    db_bind_int64(s, 10, p->updated_at);
    db_bind_int64(s, 11, p->id);
    db_bind_int64(s, 12, p->center_id);
    rc = store_step_write(s, &row, NULL);
    if (rc == STORE_OK && !row)
        rc = STORE_NOT_FOUND;
done:
    db_reset(s);
    return store_op_end(st, &op, rc);
}

store_rc store_patient_delete(store *st, int64_t center_id, int64_t id, int64_t now)
{
    assert(st);
    store_op op;
    db_stmt *s = NULL;
    bool row = false;
    store_rc rc = store_op_begin(st, &op, STORE_OP_WRITE);
    if (rc != STORE_OK)
        goto done;
    rc = db_prepare(st->db, SQL_DELETE, &s);
    if (rc != STORE_OK)
        goto done;
    db_bind_int64(s, 1, now);
    db_bind_int64(s, 2, id);
    db_bind_int64(s, 3, center_id);
    rc = store_step_write(s, &row, NULL);
    if (rc == STORE_OK && !row)
        rc = STORE_NOT_FOUND;
    db_reset(s);
    s = NULL;
    if (rc != STORE_OK)
        goto done;
    rc = db_prepare(st->db, SQL_UNLINK_APPOINTMENTS, &s);
    if (rc != STORE_OK)
        goto done;
    db_bind_int64(s, 1, now);
    db_bind_int64(s, 2, id);
    rc = store_step_write(s, NULL, NULL);
done:
    db_reset(s);
    return store_op_end(st, &op, rc);
}
