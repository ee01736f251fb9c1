/* appointments.c - the appointments resource (appointments_resource), which
 * the generic flows of handler.c serve at /calendars/{id}/appointments: list,
 * create, get, update, delete, and appointments_collections (routes.c).  The
 * appointment's rendering is shared with bookings (suggestions.c).
 *
 * In appointments_collections, an entry with status "deleted" deletes the
 * appointment it names, as DELETE does (the document's "allows bulk
 * deletion"); elsewhere "deleted" is no status a write may set.
 *
 * appointment_read applies a JSON object onto a row for creation and partial
 * update alike.  Rules that involve more than one field are checked after
 * every field is read, on the merged row:
 * - stop after start, and at most APPOINTMENT_MAX_SECONDS later;
 * - status and noshow are one fact: status "noshow" is noshow true.  noshow
 *   true marks the appointment noshow; noshow false on a noshow appointment
 *   books it again; both sent and contradicting is refused;
 * - a cancelled appointment stays cancelled: neither booked nor noshow
 *   (from noshow, noshow false would book it again);
 * - patient_remote_id names a live patient of the calendar's center and
 *   service_remote_id a live service of the calendar (422 otherwise). */
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include "api/handler.h"
#include "api/resources.h"
#include "api/render.h"

static const char *const status_names[] = {
    [APPT_BOOKED] = "booked",
    [APPT_CANCELLED] = "cancelled",
    [APPT_NOSHOW] = "noshow",
};

static bool status_parse(const char *s, appt_status *out)
{
    for (size_t i = 0; i < sizeof status_names / sizeof status_names[0]; i++) {
        if (strcmp(s, status_names[i]) == 0) {
            *out = (appt_status)i;
            return true;
        }
    }
    return false;
}

/* A remote_id that a collection's entries reference, read ahead
 * (appointments_prefetch): whether it names a live patient (or service) and
 * which, with the service's color. */
typedef struct ref_ahead {
    const char *remote_id;
    bool found;
    int64_t id;
    const char *color;
} ref_ahead;

/* rq->prefetched of an appointments collection: sorted by remote_id. */
typedef struct refs_ahead {
    ref_ahead *patients;
    size_t n_patients;
    ref_ahead *services;
    size_t n_services;
} refs_ahead;

static int ref_ahead_cmp(const void *x, const void *y)
{
    return strcmp(((const ref_ahead *)x)->remote_id, ((const ref_ahead *)y)->remote_id);
}

/* What was read ahead for remote_id among v[0..n), or NULL. */
static const ref_ahead *ahead_find(const ref_ahead *v, size_t n, const char *remote_id)
{
    const ref_ahead key = {.remote_id = remote_id};
    return n ? bsearch(&key, v, n, sizeof *v, ref_ahead_cmp) : NULL;
}

/* The live patient of the calendar's center with this remote_id: its id,
 * STORE_NOT_FOUND, or the store's failure. */
static store_rc find_patient(api_request *rq, const char *remote_id, int64_t *id)
{
    const refs_ahead *ahead = rq->prefetched;
    const ref_ahead *known =
        ahead ? ahead_find(ahead->patients, ahead->n_patients, remote_id) : NULL;
    if (known) {
        *id = known->id;
        return known->found ? STORE_OK : STORE_NOT_FOUND;
    }
    patient p;
    object_ref ref = {.remote_id = remote_id};
    store_rc rc = store_patient_get(rq->store, rq->calendar.center_id, &ref, rq->arena, &p);
    *id = rc == STORE_OK ? p.id : 0;
    return rc;
}

/* The live service of the calendar with this remote_id, as find_patient,
 * with its color. */
static store_rc find_service(api_request *rq, const char *remote_id, int64_t *id,
                             const char **color)
{
    const refs_ahead *ahead = rq->prefetched;
    const ref_ahead *known =
        ahead ? ahead_find(ahead->services, ahead->n_services, remote_id) : NULL;
    if (known) {
        *id = known->id;
        *color = known->color;
        return known->found ? STORE_OK : STORE_NOT_FOUND;
    }
    service sv;
    object_ref ref = {.remote_id = remote_id};
    store_rc rc = store_service_get(rq->store, rq->owner_id, &ref, rq->arena, &sv);
    *id = rc == STORE_OK ? sv.id : 0;
    *color = rc == STORE_OK ? sv.color : NULL;
    return rc;
}

/* Resolves patient_remote_id / service_remote_id if present, with the
 * fields an appointment shows of them.  Returns API_OK (unknown names are
 * recorded in fe) or the store failure. */
static api_err appointment_read_refs(api_request *rq, api_response *rs, const cJSON *obj,
                                     field_errors *fe, appointment *ap)
{
    const char *s = NULL;
    store_rc rc;
    switch (fields_string(obj, "patient_remote_id", fe, &s)) {
    case FIELD_SET:
        if (*s) {
            int64_t id = 0;
            rc = find_patient(rq, s, &id);
            if (rc == STORE_NOT_FOUND)
                fields_error(fe, "patient_remote_id",
                             "no patient of this center has this remote_id");
            else if (rc != STORE_OK)
                return api_from_store(rs, rc, "patient not found"); /* NOT_FOUND above */
            else {
                ap->patient_id = id;
                ap->patient_remote_id = s;
            }
        } else {
            ap->patient_id = 0; /* blank means no patient */
            ap->patient_remote_id = NULL;
        }
        break;
    case FIELD_NULL:
        ap->patient_id = 0;
        ap->patient_remote_id = NULL;
        break;
    default:
        break;
    }
    switch (fields_string(obj, "service_remote_id", fe, &s)) {
    case FIELD_SET:
        if (*s) {
            int64_t id = 0;
            const char *color = NULL;
            rc = find_service(rq, s, &id, &color);
            if (rc == STORE_NOT_FOUND)
                fields_error(fe, "service_remote_id",
                             "no service of this calendar has this remote_id");
            else if (rc != STORE_OK)
                return api_from_store(rs, rc, "service not found"); /* NOT_FOUND above */
            else {
                ap->service_id = id;
                ap->service_remote_id = s;
                ap->service_color = color;
            }
        } else {
            ap->service_id = 0;
            ap->service_remote_id = ap->service_color = NULL;
        }
        break;
    case FIELD_NULL:
        ap->service_id = 0;
        ap->service_remote_id = ap->service_color = NULL;
        break;
    default:
        break;
    }
    return API_OK;
}

/* Applies obj onto *ap (`creating`: required fields enforced, defaults set
 * by the caller).  Field problems go to fe; returns a store failure only. */
static api_err appointment_read(api_request *rq, api_response *rs, const cJSON *obj,
                                field_errors *fe, void *row, bool creating)
{
    appointment *ap = row;
    const char *s = NULL;
    const appt_status before = ap->status;

    fields_nonblank(obj, "remote_id", creating, fe, &ap->remote_id);
    static const char *const times[] = {"start", "stop"};
    bool times_sent = false;
    for (int i = 0; i < 2; i++) {
        int64_t *slot = i == 0 ? &ap->start : &ap->stop;
        switch (fields_timestamp(obj, times[i], fe, slot)) {
        case FIELD_SET:
            times_sent = true;
            break;
        case FIELD_NULL:
            fields_error(fe, times[i], "is required");
            break;
        case FIELD_ABSENT:
            if (creating)
                fields_error(fe, times[i], "is required");
            break;
        default:
            break;
        }
    }
    /* notes: text, or false/null/"" for none */
    const cJSON *notes = cJSON_GetObjectItemCaseSensitive(obj, "notes");
    if (cJSON_IsFalse(notes)) {
        ap->notes = NULL;
    } else {
        switch (fields_string(obj, "notes", fe, &s)) {
        case FIELD_SET:
            ap->notes = *s ? s : NULL;
            break;
        case FIELD_NULL:
            ap->notes = NULL;
            break;
        default:
            break;
        }
    }
    switch (fields_color(obj, "color", fe, &s)) {
    case FIELD_SET:
        ap->color = s;
        break;
    case FIELD_NULL:
        ap->color = NULL;
        break;
    default:
        break;
    }
    switch (fields_string(obj, "title", fe, &s)) {
    case FIELD_SET:
        ap->title = s;
        break;
    case FIELD_NULL:
        ap->title = "";
        break;
    default:
        break;
    }
    bool status_sent = false;
    switch (fields_string(obj, "status", fe, &s)) {
    case FIELD_SET:
        if (status_parse(s, &ap->status))
            status_sent = true;
        else
            fields_error(fe, "status", "must be one of booked, cancelled, noshow");
        break;
    case FIELD_NULL:
        fields_error(fe, "status", "must be one of booked, cancelled, noshow");
        break;
    default:
        break;
    }
    bool noshow = false;
    if (fields_bool(obj, "noshow", fe, &noshow) == FIELD_SET) {
        if (status_sent) {
            if ((ap->status == APPT_NOSHOW) != noshow)
                fields_error(fe, "noshow", "contradicts status");
        } else if (noshow) {
            ap->status = APPT_NOSHOW;
        } else if (ap->status == APPT_NOSHOW) {
            ap->status = APPT_BOOKED;
        }
    }
    int64_t arrived = 0;
    switch (fields_timestamp(obj, "patient_arrived_at", fe, &arrived)) {
    case FIELD_SET:
        ap->has_arrived = true;
        ap->patient_arrived_at = arrived;
        break;
    case FIELD_NULL:
        ap->has_arrived = false;
        ap->patient_arrived_at = 0;
        break;
    default:
        break;
    }
    api_err err = appointment_read_refs(rq, rs, obj, fe, ap);
    if (err != API_OK)
        return err;

    /* Not only booked: a noshow could then be booked again (noshow false). */
    if (!creating && before == APPT_CANCELLED && ap->status != APPT_CANCELLED)
        fields_error(fe, status_sent ? "status" : "noshow",
                     "a cancelled appointment stays cancelled");
    if (!handler_field_failed(fe, "start") && !handler_field_failed(fe, "stop")) {
        if (ap->stop <= ap->start)
            fields_error(fe, "stop", "must be after start");
        /* checked when the span is written, so a longer one stored before
         * the cap can still be cancelled or renamed */
        else if (times_sent && ap->stop - ap->start > APPOINTMENT_MAX_SECONDS)
            fields_error(fe, "stop", "an appointment may last 7 days (604800 seconds) at most");
    }
    return API_OK;
}

/* The document's appointment object; NULL on allocation failure. */
cJSON *appointment_render(const void *row)
{
    const appointment *ap = row;
    cJSON *o = cJSON_CreateObject();
    if (!o)
        return NULL;
    const char *color = ap->color ? ap->color : ap->service_color ? ap->service_color : "";
    bool ok =
        render_number_string(o, "id", ap->id) && render_string(o, "remote_id", ap->remote_id) &&
        render_number_string(o, "start", ap->start) && render_number_string(o, "stop", ap->stop) &&
        (ap->notes ? render_string(o, "notes", ap->notes) : render_bool(o, "notes", false)) &&
        render_bool(o, "warning", ap->warning) && render_string(o, "color", color) &&
        render_string(o, "title", ap->title ? ap->title : "") &&
        render_string(o, "status", ap->deleted ? "deleted" : status_names[ap->status]) &&
        (ap->patient_id ? render_number_string(o, "patient_id", ap->patient_id)
                        : render_null(o, "patient_id")) &&
        render_string(o, "patient_remote_id", ap->patient_remote_id) &&
        render_string(o, "service_remote_id", ap->service_remote_id) &&
        render_bool(o, "noshow", !ap->deleted && ap->status == APPT_NOSHOW) &&
        (ap->has_arrived ? render_number_string(o, "patient_arrived_at", ap->patient_arrived_at)
                         : render_null(o, "patient_arrived_at"));
    if (!ok) {
        cJSON_Delete(o);
        return NULL;
    }
    return o;
}

static void appointment_init(api_request *rq, void *row)
{
    *(appointment *)row =
        (appointment){.calendar_id = rq->owner_id, .title = "", .status = APPT_BOOKED};
}

static store_rc appointment_get(api_request *rq, const object_ref *ref, void *row)
{
    return store_appointment_get(rq->store, rq->owner_id, ref, rq->arena, row);
}

static store_rc appointment_list(api_request *rq, const list_query *q, void **rows, size_t *n,
                                 int64_t *total)
{
    return store_appointment_list(rq->store, rq->owner_id, q, rq->arena, (appointment **)rows, n,
                                  total);
}

/* Writes the row, then reads it back so the answer carries the joined
 * remote_ids and the computed warning. */
static store_rc appointment_write(api_request *rq, void *row, bool creating)
{
    appointment *ap = row;
    ap->updated_at = rq->now;
    store_rc rc = creating ? store_appointment_insert(rq->store, ap)
                           : store_appointment_update(rq->store, ap);
    object_ref ref = {.id = ap->id};
    return rc == STORE_OK ? appointment_get(rq, &ref, ap) : rc;
}

/* Collects into v the distinct non-blank values of `field` in the entries
 * of items, sorted; *n their number.  NULL v on allocation failure. */
static ref_ahead *ahead_keys(api_request *rq, const cJSON *items, const char *field, size_t *n)
{
    size_t cap = (size_t)cJSON_GetArraySize(items) + 1, k = 0;
    ref_ahead *v = arena_calloc(rq->arena, cap, sizeof *v);
    field_errors scratch = {.arena = rq->arena, .prefix = ""};
    const cJSON *item = NULL;
    if (!v)
        return NULL;
    cJSON_ArrayForEach(item, items)
    {
        const char *s = NULL;
        const cJSON *entry = fields_unwrap(item, "appointment");
        if (entry && fields_string(entry, field, &scratch, &s) == FIELD_SET && *s)
            v[k++].remote_id = s;
    }
    cJSON_Delete(scratch.errors);
    if (k > 1)
        qsort(v, k, sizeof *v, ref_ahead_cmp);
    size_t u = 0;
    for (size_t i = 0; i < k; i++)
        if (u == 0 || strcmp(v[u - 1].remote_id, v[i].remote_id) != 0)
            v[u++] = v[i];
    *n = u;
    return v;
}

/* Reads ahead the patients and services the entries name by remote_id, so
 * that appointment_read finds them without a statement each. */
static api_err appointments_prefetch(api_request *rq, api_response *rs, const cJSON *items)
{
    arena *a = rq->arena;
    refs_ahead *ahead = arena_calloc(a, 1, sizeof *ahead);
    if (!ahead)
        return api_fail(rs, API_INTERNAL, NULL);
    ahead->patients = ahead_keys(rq, items, "patient_remote_id", &ahead->n_patients);
    ahead->services = ahead_keys(rq, items, "service_remote_id", &ahead->n_services);
    size_t most = ahead->n_patients > ahead->n_services ? ahead->n_patients : ahead->n_services;
    object_ref *refs = arena_calloc(a, most + 1, sizeof *refs);
    bool *found = arena_calloc(a, most + 1, sizeof *found);
    patient *patients = arena_calloc(a, ahead->n_patients + 1, sizeof *patients);
    service *services = arena_calloc(a, ahead->n_services + 1, sizeof *services);
    if (!ahead->patients || !ahead->services || !refs || !found || !patients || !services)
        return api_fail(rs, API_INTERNAL, NULL);
    for (size_t i = 0; i < ahead->n_patients; i++)
        refs[i] = (object_ref){.remote_id = ahead->patients[i].remote_id};
    store_rc rc = store_patient_get_many(rq->store, rq->calendar.center_id, refs, ahead->n_patients,
                                         a, patients, found);
    if (rc != STORE_OK)
        return api_from_store(rs, rc, "patient");
    for (size_t i = 0; i < ahead->n_patients; i++) {
        ahead->patients[i].found = found[i];
        ahead->patients[i].id = found[i] ? patients[i].id : 0;
    }
    for (size_t i = 0; i < ahead->n_services; i++)
        refs[i] = (object_ref){.remote_id = ahead->services[i].remote_id};
    rc = store_service_get_many(rq->store, rq->owner_id, refs, ahead->n_services, a, services,
                                found);
    if (rc != STORE_OK)
        return api_from_store(rs, rc, "service");
    for (size_t i = 0; i < ahead->n_services; i++) {
        ahead->services[i].found = found[i];
        ahead->services[i].id = found[i] ? services[i].id : 0;
        ahead->services[i].color = found[i] ? services[i].color : NULL;
    }
    rq->prefetched = ahead;
    return API_OK;
}

static store_rc appointment_get_many(api_request *rq, const object_ref *refs, size_t n, void *rows,
                                     bool *found)
{
    return store_appointment_get_many(rq->store, rq->owner_id, refs, n, rq->arena, rows, found);
}

static store_rc appointment_write_many(api_request *rq, void *rows, size_t n)
{
    appointment *ap = rows;
    for (size_t i = 0; i < n; i++)
        ap[i].updated_at = rq->now;
    return store_appointment_write_many(rq->store, ap, n, rq->arena);
}

/* The warnings of the written rows, which depend on the whole calendar. */
static store_rc appointment_refresh(api_request *rq, void *rows, size_t n)
{
    appointment *ap = rows;
    int64_t *ids = arena_calloc(rq->arena, n + 1, sizeof *ids);
    bool *warnings = arena_calloc(rq->arena, n + 1, sizeof *warnings);
    if (!ids || !warnings)
        return STORE_ERROR;
    for (size_t i = 0; i < n; i++)
        ids[i] = ap[i].id;
    store_rc rc = store_appointment_warnings(rq->store, rq->owner_id, ids, n, rq->arena, warnings);
    for (size_t i = 0; rc == STORE_OK && i < n; i++)
        ap[i].warning = warnings[i];
    return rc;
}

static store_rc appointment_remove(api_request *rq, void *row)
{
    appointment *ap = row;
    store_rc rc = store_appointment_delete(rq->store, rq->owner_id, ap->id, rq->now);
    if (rc == STORE_OK) {
        ap->deleted = true;
        ap->warning = false; /* a tombstone overlaps nothing */
        ap->updated_at = rq->now;
    }
    return rc;
}

/* Bulk deletion: an appointments_collections entry whose status is
 * "deleted" deletes the appointment it names (its other fields are not
 * read). */
static bool appointment_deletes(const cJSON *entry)
{
    const cJSON *status = cJSON_GetObjectItemCaseSensitive(entry, "status");
    return cJSON_IsString(status) && status->valuestring &&
           strcmp(status->valuestring, "deleted") == 0;
}

const resource appointments_resource = {
    .singular = "appointment",
    .plural = "appointments",
    .missing = "appointment not found",
    .row_size = sizeof(appointment),
    .init = appointment_init,
    .get = appointment_get,
    .read = appointment_read,
    .write = appointment_write,
    .list = appointment_list,
    .has_window = true,
    .remove = appointment_remove,
    .deletes = appointment_deletes,
    .render = appointment_render,
    .remote_id_offset = offsetof(appointment, remote_id),
    .deleted_offset = offsetof(appointment, deleted),
    .get_many = appointment_get_many,
    .write_many = appointment_write_many,
    .prefetch = appointments_prefetch,
    .refresh = appointment_refresh,
};
