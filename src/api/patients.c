/* patients.c - /centers/{id}/patients: list, create, get, update, delete,
 * and patients_collections.
 *
 * One reader (patient_read) applies a JSON object onto a patient row, for
 * creation (required fields enforced) and for partial updates alike, so the
 * single-object routes and the collection entries share every rule. */
#include <stddef.h>

#include "api/handler.h"
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

/* Applies obj's fields onto *p; problems go to fe.  When `creating`, the
 * required fields must be there. */
static void patient_read(const cJSON *obj, field_errors *fe, patient *p, bool creating)
{
    const char *s = NULL;
    switch (fields_string(obj, "remote_id", fe, &s)) {
    case FIELD_SET:
        if (*s)
            p->remote_id = s;
        else
            fields_error(fe, "remote_id", "can't be blank");
        break;
    case FIELD_NULL:
        fields_error(fe, "remote_id", "can't be blank");
        break;
    case FIELD_ABSENT:
        if (creating)
            fields_error(fe, "remote_id", "is required");
        break;
    case FIELD_INVALID:
        break;
    }
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
        p->address = s;
        break;
    case FIELD_NULL:
        p->address = NULL;
        break;
    default:
        break;
    }
    switch (fields_string(obj, "notes", fe, &s)) {
    case FIELD_SET:
        p->notes = s;
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
}

/* The document's patient object; NULL on allocation failure. */
static cJSON *patient_render(const patient *p)
{
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

api_err patients_list(api_request *rq, api_response *rs)
{
    list_query q;
    patient *rows = NULL;
    size_t n = 0;
    api_err err = handler_list_query(rq, rs, &q, true, false);
    if (err != API_OK)
        return err;
    store_rc rc = store_patient_list(rq->store, rq->owner_id, &q, rq->arena, &rows, &n, &rs->total);
    if (rc != STORE_OK)
        return api_from_store(rs, rc, "center not found");
    cJSON *list = NULL;
    rs->body = render_list_envelope("patients", &list);
    if (!rs->body)
        return api_fail(rs, API_INTERNAL, NULL);
    for (size_t i = 0; i < n; i++) {
        if (!render_append_wrapped(list, "patient", patient_render(&rows[i])))
            return api_fail(rs, API_INTERNAL, NULL);
    }
    rs->has_total = true;
    return API_OK;
}

api_err patients_get(api_request *rq, api_response *rs)
{
    patient p;
    store_rc rc = store_patient_get(rq->store, rq->owner_id, &rq->ref, rq->arena, &p);
    if (rc != STORE_OK)
        return api_from_store(rs, rc, "patient not found");
    return handler_render_single(rs, "patient", patient_render(&p), API_RENDERED);
}

api_err patients_create(api_request *rq, api_response *rs)
{
    const cJSON *obj = NULL;
    api_err err = handler_body_object(rq, rs, "patient", &obj);
    if (err != API_OK)
        return err;
    field_errors fe = {.arena = rq->arena, .prefix = ""};
    patient p = {.center_id = rq->owner_id};
    patient_read(obj, &fe, &p, true);
    if (fe.count)
        return handler_fail_fields(rs, &fe, API_INVALID, "the patient is invalid");
    p.updated_at = rq->now;
    store_rc rc = store_patient_insert(rq->store, &p);
    if (rc != STORE_OK)
        return api_from_store(rs, rc, "center not found");
    return handler_render_single(rs, "patient", patient_render(&p), API_CREATED);
}

api_err patients_update(api_request *rq, api_response *rs)
{
    const cJSON *obj = NULL;
    api_err err = handler_body_object(rq, rs, "patient", &obj);
    if (err != API_OK)
        return err;
    store_rc rc = store_begin(rq->store);
    if (rc != STORE_OK)
        return api_from_store(rs, rc, "patient");
    patient p;
    field_errors fe = {.arena = rq->arena, .prefix = ""};
    rc = store_patient_get(rq->store, rq->owner_id, &rq->ref, rq->arena, &p);
    if (rc != STORE_OK) {
        err = api_from_store(rs, rc, "patient not found");
        goto done;
    }
    patient_read(obj, &fe, &p, false);
    if (fe.count) {
        err = handler_fail_fields(rs, &fe, API_INVALID, "the patient is invalid");
        goto done;
    }
    p.updated_at = rq->now;
    rc = store_patient_update(rq->store, &p);
    if (rc == STORE_OK)
        rc = store_commit(rq->store);
    if (rc != STORE_OK) {
        if (rc == STORE_CONFLICT)
            api_field_error(rs, "remote_id", "is already in use");
        err = api_from_store(rs, rc, "patient not found");
        goto done;
    }
    return handler_render_single(rs, "patient", patient_render(&p), API_RENDERED);
done:
    store_rollback(rq->store);
    return err;
}

api_err patients_delete(api_request *rq, api_response *rs)
{
    patient p;
    store_rc rc = store_patient_get(rq->store, rq->owner_id, &rq->ref, rq->arena, &p);
    if (rc == STORE_OK)
        rc = store_patient_delete(rq->store, rq->owner_id, p.id, rq->now);
    if (rc != STORE_OK)
        return api_from_store(rs, rc, "patient not found");
    rs->outcome = API_EMPTY;
    return API_OK;
}

/* One entry of patients_collections; see collection_upsert. */
static api_err patient_upsert(api_request *rq, api_response *rs, const cJSON *entry,
                              field_errors *fe, cJSON **rendered)
{
    patient p = {.center_id = rq->owner_id};
    object_ref ref = {0};
    bool named = false;
    const char *remote = NULL;

    if (fields_int(entry, "id", fe, &ref.id) == FIELD_SET) {
        named = true;
    } else if (fields_string(entry, "remote_id", fe, &remote) == FIELD_SET && *remote) {
        ref.remote_id = remote;
        named = true;
    }
    if (fe->count)
        return API_INVALID;
    bool found = false;
    if (named) {
        store_rc rc = store_patient_get(rq->store, rq->owner_id, &ref, rq->arena, &p);
        if (rc == STORE_OK)
            found = true;
        else if (rc != STORE_NOT_FOUND)
            return api_from_store(rs, rc, "patient");
        else if (!ref.remote_id) {
            fields_error(fe, "id", "no patient of this center has this id");
            return API_INVALID;
        }
    }
    patient_read(entry, fe, &p, !found);
    if (fe->count)
        return API_INVALID;
    p.updated_at = rq->now;
    store_rc rc = found ? store_patient_update(rq->store, &p) : store_patient_insert(rq->store, &p);
    if (rc == STORE_CONFLICT) {
        fields_error(fe, "remote_id", "is already in use");
        return api_fail(rs, API_CONFLICT, "a remote_id of the collection is already in use");
    }
    if (rc != STORE_OK)
        return api_from_store(rs, rc, "patient");
    *rendered = patient_render(&p);
    return *rendered ? API_OK : api_fail(rs, API_INTERNAL, NULL);
}

api_err patients_collection(api_request *rq, api_response *rs)
{
    static const collection_kind kind = {
        .envelope = "patients_collection",
        .plural = "patients",
        .singular = "patient",
        .upsert = patient_upsert,
    };
    return handler_collection(&kind, rq, rs);
}
