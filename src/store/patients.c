/* patients.c - a center's patients: lists, get, insert, update, delete.
 *
 * Patients are never removed: store_patient_delete leaves a tombstone
 * (deleted = 1) so `since` pollers learn about the deletion, and erases the
 * personal fields (names, email, phone, birthdate, address, notes,
 * language) in the same statement, and in the same unit of work what its
 * appointments' messages and SMS replies hold of them (the address or
 * number, a reply's text): the tombstone keeps ids and remote_id.  "remote_id is
 * unique among a center's live patients" is the partial unique index
 * patients_remote_id (WHERE deleted = 0), so the database decides conflicts,
 * atomically, and a deleted patient's remote_id is free again at once.
 * A get is one statement; an insert is two, the check that the center
 * exists (no foreign key does on PostgreSQL: migrate.c, migration 8) then
 * the insert, which need no unit of work since centers are never removed; a
 * list is two (the count and the page) in one read snapshot; an update or a
 * delete is two, the patient's row and its appointments', in one unit of
 * work (internal.h).
 * The *_many calls of collections run bulk statements (internal.h), whose
 * rows take the same values as the single-row statements' (insert_values
 * and friends).  Every statement is scoped to the center, and only live rows
 * are addressable.
 *
 * A deleted patient's appointments.  An appointment shows its patient's id
 * and remote_id; a deleted patient's remote_id may name another patient at
 * once, so deleting a patient clears the link of every appointment that
 * named it (tombstones included) and stamps them, so `since` pollers see
 * the change.  No appointment ever names a deleted patient: the store also
 * refuses to link one (appointments.c). */
#include <assert.h>
#include <stddef.h>

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
/* A patient's center must exist: on PostgreSQL no foreign key says so
 * (migrate.c, migration 8) */
static const char SQL_CENTER_EXISTS[] = "SELECT id FROM centers WHERE id = ?";
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
/* A deletion erases the personal fields in the same statement: the
 * tombstone keeps what `since` pollers need (ids, remote_id, the time). */
static const char SQL_DELETE[] =
    "UPDATE patients SET deleted = 1, updated_at = ?, first_name = '', last_name = '', email = '',"
    " phone_number = '', birthdate = NULL, address = NULL, notes = NULL, language_code = NULL"
    " WHERE id = ? AND center_id = ? AND deleted + 0 = 0 RETURNING id";
/* What the messages and SMS replies of the deleted patient's appointments
 * hold of them is erased too, before those lose their link: the address or
 * number a message went to, and the number and text of a reply (patient id;
 * indexes appointments_patient, then messages_appointment; the replies are
 * few and read by their appointment).  The rows stay, with their kinds,
 * states and times: what was sent when, not to whom. */
static const char SQL_ERASE_RECIPIENTS[] =
    "UPDATE messages SET recipient = NULL WHERE recipient IS NOT NULL AND appointment_id IN"
    " (SELECT id FROM appointments WHERE patient_id = ?)";
static const char SQL_ERASE_REPLIES[] =
    "UPDATE sms_replies SET from_number = '', body = '' WHERE appointment_id IN"
    " (SELECT id FROM appointments WHERE patient_id = ?)";
/* The deleted patient's appointments lose their link: now, patient id
 * (index appointments_patient). */
static const char SQL_UNLINK_APPOINTMENTS[] =
    "UPDATE appointments SET patient_id = NULL, updated_at = ? WHERE patient_id = ?";

/* Bulk statements (internal.h): lookups by ids and by remote_ids; inserts
 * and updates of many rows; the touch of the appointments of many patients
 * whose remote_id changes (now, now, then rows of id, new remote_id). */
static const char SQL_GET_BY_IDS[] =
    "SELECT " PATIENT_COLUMNS
    " FROM patients WHERE id IN (" BULK_LIST("?") ")"
                                                  " AND center_id + 0 = ? AND deleted + 0 = 0";
/* ordered by remote_id: internal.h, store_many */
#define REMOTE_IDS_IN " WHERE remote_id IN (" BULK_LIST("?") ")"
static const char SQL_GET_BY_REMOTE_IDS[] = "SELECT " PATIENT_COLUMNS " FROM patients" REMOTE_IDS_IN
                                            " AND center_id = ? AND deleted = 0 ORDER BY remote_id";
/* center_id, remote_id .. language_code, updated_at */
#define INSERT_ROW "(" BULK_INT ", ?, ?, ?, ?, ?, ?, ?, ?, ?, " BULK_INT ")"
static const char SQL_INSERT_MANY[] =
    "INSERT INTO patients (center_id, remote_id, first_name, last_name, email, phone_number,"
    " birthdate, address, notes, language_code, deleted, updated_at)"
    " SELECT column1, column2, column3, column4, column5, column6, column7, column8, column9,"
    " column10, 0, column11 FROM (VALUES " BULK_LIST(
        INSERT_ROW) ") AS v"
                    " WHERE column1 IS NOT NULL RETURNING id";
/* id, center_id, remote_id .. language_code, updated_at */
#define UPDATE_ROW "(" BULK_INT ", " BULK_INT ", ?, ?, ?, ?, ?, ?, ?, ?, ?, " BULK_INT ")"
static const char SQL_UPDATE_MANY[] =
    "UPDATE patients SET remote_id = v.column3, first_name = v.column4, last_name = v.column5,"
    " email = v.column6, phone_number = v.column7, birthdate = v.column8, address = v.column9,"
    " notes = v.column10, language_code = v.column11, updated_at = v.column12"
    " FROM (VALUES " BULK_LIST(
        UPDATE_ROW) ") AS v"
                    " WHERE patients.id = v.column1 AND patients.center_id = v.column2"
                    " AND patients.deleted + 0 = 0 RETURNING id";
static const char SQL_TOUCH_APPOINTMENTS_MANY[] =
    "UPDATE appointments SET updated_at = ? WHERE deleted = 0 AND updated_at < ?"
    " AND patient_id IN (SELECT p.id FROM patients p JOIN (VALUES " BULK_LIST(
        "(" BULK_INT ", ?)") ") AS v ON p.id = v.column1"
                             " WHERE p.remote_id IS DISTINCT FROM v.column2)";

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

/* The patient's data columns, remote_id .. language_code, into v[0..9). */
static void data_values(const patient *p, store_value v[9])
{
    const char *const data[] = {p->remote_id, p->first_name,   p->last_name,
                                p->email,     p->phone_number, p->birthdate,
                                p->address,   p->notes,        p->language_code};
    for (int i = 0; i < 9; i++)
        v[i] = STORE_TEXT(data[i]);
}

/* A row of SQL_INSERT and SQL_INSERT_MANY: center_id, the data columns,
 * updated_at (11 values). */
static void insert_values(const void *row, store_value *v)
{
    const patient *p = row;
    v[0] = STORE_INT64(p->center_id);
    data_values(p, v + 1);
    v[10] = STORE_INT64(p->updated_at);
}

/* NOT_FOUND unless the center exists.  A check and a write need no unit of
 * work: centers are never removed. */
static store_rc center_exists(db *d, int64_t center_id)
{
    const store_rows q = {SQL_CENTER_EXISTS, sizeof(int64_t), store_read_id};
    const store_value binds[] = {STORE_INT64(center_id)};
    int64_t id = 0;
    return store_row_get(d, &q, binds, 1, NULL, &id);
}

store_rc store_patient_insert(store *st, patient *p)
{
    assert(st && p);
    store_value binds[11];
    int64_t id = 0;
    insert_values(p, binds);
    store_rc rc = center_exists(st->db, p->center_id);
    if (rc == STORE_OK)
        rc = store_write_run(st->db, SQL_INSERT, binds, 11, NULL, &id);
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
    store_value binds[12];
    data_values(p, binds);
    binds[9] = STORE_INT64(p->updated_at);
    binds[10] = STORE_INT64(p->id);
    binds[11] = STORE_INT64(p->center_id);
    store_rc rc = store_op_begin(st, &op, STORE_OP_WRITE);
    /* appointments show the patient's remote_id: a new one must reach the
     * `since` pollers of those appointments too (index appointments_patient) */
    if (rc == STORE_OK)
        rc = store_touch_appointments(st, SQL_TOUCH_APPOINTMENTS, p->updated_at, p->id,
                                      (const char *const[]){p->remote_id}, 1);
    if (rc == STORE_OK)
        rc = store_write_row(st->db, SQL_UPDATE, binds, 12);
    return store_op_end(st, &op, rc);
}

store_rc store_patient_delete(store *st, int64_t center_id, int64_t id, int64_t now)
{
    assert(st);
    store_op op;
    const store_value deleted[] = {STORE_INT64(now), STORE_INT64(id), STORE_INT64(center_id)};
    store_rc rc = store_op_begin(st, &op, STORE_OP_WRITE);
    const store_value patient_id[] = {STORE_INT64(id)};
    if (rc == STORE_OK)
        rc = store_write_row(st->db, SQL_DELETE, deleted, 3);
    if (rc == STORE_OK)
        rc = store_write_run(st->db, SQL_ERASE_RECIPIENTS, patient_id, 1, NULL, NULL);
    if (rc == STORE_OK)
        rc = store_write_run(st->db, SQL_ERASE_REPLIES, patient_id, 1, NULL, NULL);
    if (rc == STORE_OK)
        rc = store_write_run(st->db, SQL_UNLINK_APPOINTMENTS, deleted, 2, NULL, NULL);
    if (rc == STORE_OK)
        store_erased(st);
    return store_op_end(st, &op, rc);
}

/* ---- many at once ------------------------------------------------------ */

static const store_many patient_many = {
    .by_ids = SQL_GET_BY_IDS,
    .by_remote_ids = SQL_GET_BY_REMOTE_IDS,
    .read = read_patient,
    .row_size = sizeof(patient),
    .remote_id_offset = offsetof(patient, remote_id),
};

store_rc store_patient_get_many(store *st, int64_t center_id, const object_ref *refs, size_t n,
                                arena *a, patient *out, bool *found)
{
    return store_get_many(st, &patient_many, center_id, refs, n, a, out, found);
}

/* A row of SQL_UPDATE_MANY: id, center_id, the data columns, updated_at
 * (12 values). */
static void update_values(const void *row, store_value *v)
{
    const patient *p = row;
    v[0] = STORE_INT64(p->id);
    v[1] = STORE_INT64(p->center_id);
    data_values(p, v + 2);
    v[11] = STORE_INT64(p->updated_at);
}

/* A row of SQL_TOUCH_APPOINTMENTS_MANY: id, remote_id. */
static void touch_values(const void *row, store_value *v)
{
    const patient *p = row;
    v[0] = STORE_INT64(p->id);
    v[1] = STORE_TEXT(p->remote_id);
}

static const store_writes patient_writes = {
    .touch = SQL_TOUCH_APPOINTMENTS_MANY,
    .touch_per_row = 2,
    .touch_values = touch_values,
    .update = SQL_UPDATE_MANY,
    .update_per_row = 12,
    .update_values = update_values,
    .insert = SQL_INSERT_MANY,
    .insert_per_row = 11,
    .insert_values = insert_values,
};

store_rc store_patient_write_many(store *st, patient *rows, size_t n, arena *a)
{
    assert(st && (rows || n == 0) && a);
    for (size_t i = 0; i < n; i++)
        assert(!rows[i].deleted && rows[i].center_id == rows[0].center_id &&
               rows[i].updated_at == rows[0].updated_at);
    store_rc rc = n ? center_exists(st->db, rows[0].center_id) : STORE_OK;
    if (rc == STORE_OK)
        rc = store_write_many(st, &patient_writes, rows, sizeof *rows, n,
                              n ? rows[0].updated_at : 0, a);
    return rc;
}
