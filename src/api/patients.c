/* patients.c - the patients resource (patients_resource), which the generic
 * flows of handler.c serve at /centers/{id}/patients: list, create, get,
 * update, delete, and patients_collections (routes.c).
 *
 * One reader (patient_read) applies a JSON object onto a patient row, for
 * creation (required fields enforced) and for partial updates alike, so the
 * single-object routes and the collection entries share every rule. */
#include <stddef.h>

#include "api/handler.h"
#include "api/resources.h"
#include "api/render.h"

/* Required fields that may be blank; null is taken as blank. */
static const struct {
    const char *name;
    size_t offset;
} blankable[] = {
    {"first_name", offsetof(patient, first_name)},
    {"last_name", offsetof(patient, last_name)},
    {"email", offsetof(patient, email)},
    {"phone_number", offsetof(patient, phone_number)},
};

#define PATIENT_FIELD(p, off) (*(const char **)((char *)(p) + (off)))

/* Applies obj's fields onto the patient row; problems go to fe.  When
 * `creating`, the required fields must be there.  Needs no store. */
static api_err patient_read(api_request *rq, api_response *rs, const cJSON *obj, field_errors *fe,
                            void *row, bool creating)
{
    (void)rq;
    (void)rs;
    patient *p = row;
    const char *s = NULL;
    fields_nonblank(obj, "remote_id", creating, fe, &p->remote_id);
    for (size_t i = 0; i < sizeof blankable / sizeof blankable[0]; i++) {
        switch (fields_string(obj, blankable[i].name, fe, &s)) {
        case FIELD_SET:
            PATIENT_FIELD(p, blankable[i].offset) = s;
            break;
        case FIELD_NULL:
            PATIENT_FIELD(p, blankable[i].offset) = "";
            break;
        case FIELD_ABSENT:
            if (creating)
                fields_error(fe, blankable[i].name, "is required (it may be blank)");
            break;
        case FIELD_INVALID:
            break;
        }
    }
    switch (fields_date(obj, "birthdate", fe, &s)) {
    case FIELD_SET:
        p->birthdate = s;
        break;
    case FIELD_NULL:
        p->birthdate = NULL;
        break;
    default:
        break;
    }
    switch (fields_string(obj, "address", fe, &s)) {
    case FIELD_SET:
        p->address = *s ? s : NULL; /* "" is a form's null */
        break;
    case FIELD_NULL:
        p->address = NULL;
        break;
    default:
        break;
    }
    switch (fields_string(obj, "notes", fe, &s)) {
    case FIELD_SET:
        p->notes = *s ? s : NULL; /* "" is a form's null */
        break;
    case FIELD_NULL:
        p->notes = NULL;
        break;
    default:
        break;
    }
    switch (fields_language(obj, "language_code", fe, &s)) {
    case FIELD_SET:
        p->language_code = s;
        break;
    case FIELD_NULL:
        p->language_code = NULL;
        break;
    default:
        break;
    }
    return API_OK;
}

/* The document's patient object; NULL on allocation failure. */
static cJSON *patient_render(const void *row)
{
    const patient *p = row;
    cJSON *o = cJSON_CreateObject();
    if (!o)
        return NULL;
    bool ok = render_number(o, "id", p->id) && render_string(o, "remote_id", p->remote_id) &&
              render_string(o, "last_name", p->last_name) &&
              render_string(o, "first_name", p->first_name) &&
              render_string(o, "email", p->email) &&
              render_string(o, "phone_number", p->phone_number) &&
              render_string(o, "birthdate", p->birthdate) &&
              render_string(o, "address", p->address) && render_string(o, "notes", p->notes) &&
              render_string(o, "status", p->deleted ? "deleted" : "active") &&
              render_string(o, "language_code", p->language_code);
    if (!ok) {
        cJSON_Delete(o);
        return NULL;
    }
    return o;
}

static void patient_init(api_request *rq, void *row)
{
    *(patient *)row = (patient){.center_id = rq->owner_id};
}

static store_rc patient_get(api_request *rq, const object_ref *ref, void *row)
{
    return store_patient_get(rq->store, rq->owner_id, ref, rq->arena, row);
}

static store_rc patient_list(api_request *rq, const list_query *q, void **rows, size_t *n,
                             int64_t *total)
{
    return store_patient_list(rq->store, rq->owner_id, q, rq->arena, (patient **)rows, n, total);
}

static store_rc patient_write(api_request *rq, void *row, bool creating)
{
    patient *p = row;
    p->updated_at = rq->now;
    return creating ? store_patient_insert(rq->store, p) : store_patient_update(rq->store, p);
}

static store_rc patient_get_many(api_request *rq, const object_ref *refs, size_t n, void *rows,
                                 bool *found)
{
    return store_patient_get_many(rq->store, rq->owner_id, refs, n, rq->arena, rows, found);
}

static store_rc patient_write_many(api_request *rq, void *rows, size_t n)
{
    patient *p = rows;
    for (size_t i = 0; i < n; i++)
        p[i].updated_at = rq->now;
    return store_patient_write_many(rq->store, p, n, rq->arena);
}

static store_rc patient_remove(api_request *rq, void *row)
{
    patient *p = row;
    store_rc rc = store_patient_delete(rq->store, rq->owner_id, p->id, rq->now);
    if (rc == STORE_OK) {
        p->deleted = true;
        p->updated_at = rq->now;
    }
    return rc;
}

const resource patients_resource = {
    .singular = "patient",
    .plural = "patients",
    .missing = "patient not found",
    .row_size = sizeof(patient),
    .init = patient_init,
    .get = patient_get,
    .read = patient_read,
    .write = patient_write,
    .list = patient_list,
    .paged_by_default = true,
    .remove = patient_remove,
    .render = patient_render,
    .remote_id_offset = offsetof(patient, remote_id),
    .get_many = patient_get_many,
    .write_many = patient_write_many,
};
