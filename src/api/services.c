/* services.c - /calendars/{id}/services (list) and services_collections
 * (bulk create or update of appointment types). */
#include "api/handler.h"
#include "api/render.h"

/* Longest service the platform accepts: a week, in minutes. */
#define SERVICE_MAX_MINUTES (7 * 24 * 60)

/* Applies obj onto *s; `creating` enforces name and duration. */
static void service_read(const cJSON *obj, field_errors *fe, service *s, bool creating)
{
    const char *str = NULL;
    switch (fields_string(obj, "remote_id", fe, &str)) {
    case FIELD_SET:
        s->remote_id = *str ? str : NULL;
        break;
    case FIELD_NULL:
        s->remote_id = NULL;
        break;
    default:
        break;
    }
    switch (fields_string(obj, "name", fe, &str)) {
    case FIELD_SET:
        if (*str)
            s->name = str;
        else
            fields_error(fe, "name", "can't be blank");
        break;
    case FIELD_NULL:
        fields_error(fe, "name", "can't be blank");
        break;
    case FIELD_ABSENT:
        if (creating)
            fields_error(fe, "name", "is required");
        break;
    case FIELD_INVALID:
        break;
    }
    int64_t minutes = 0;
    switch (fields_int(obj, "duration", fe, &minutes)) {
    case FIELD_SET:
        if (minutes > 0 && minutes <= SERVICE_MAX_MINUTES)
            s->duration = minutes;
        else
            fields_error(fe, "duration", "must be a positive number of minutes, at most a week");
        break;
    case FIELD_NULL:
        fields_error(fe, "duration", "is required");
        break;
    case FIELD_ABSENT:
        if (creating)
            fields_error(fe, "duration", "is required");
        break;
    case FIELD_INVALID:
        break;
    }
    switch (fields_color(obj, "color", fe, &str)) {
    case FIELD_SET:
        s->color = str;
        break;
    case FIELD_NULL:
        s->color = NULL;
        break;
    default:
        break;
    }
}

static cJSON *service_render(const service *s)
{
    cJSON *o = cJSON_CreateObject();
    if (!o)
        return NULL;
    bool ok = render_number(o, "id", s->id) && render_string(o, "remote_id", s->remote_id) &&
              render_number(o, "duration", s->duration) && render_string(o, "name", s->name) &&
              render_string(o, "color", s->color);
    if (!ok) {
        cJSON_Delete(o);
        return NULL;
    }
    return o;
}

api_err services_list(api_request *rq, api_response *rs)
{
    service *rows = NULL;
    size_t n = 0;
    store_rc rc = store_service_list(rq->store, rq->owner_id, rq->arena, &rows, &n);
    if (rc != STORE_OK)
        return api_from_store(rs, rc, "calendar not found");
    cJSON *list = NULL;
    rs->body = render_list_envelope("services", &list);
    if (!rs->body)
        return api_fail(rs, API_INTERNAL, NULL);
    for (size_t i = 0; i < n; i++) {
        if (!render_append_wrapped(list, "service", service_render(&rows[i])))
            return api_fail(rs, API_INTERNAL, NULL);
    }
    return API_OK;
}

/* One entry of services_collections; see collection_upsert. */
static api_err service_upsert(api_request *rq, api_response *rs, const cJSON *entry,
                              field_errors *fe, cJSON **rendered)
{
    service s = {.calendar_id = rq->owner_id};
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
        store_rc rc = store_service_get(rq->store, rq->owner_id, &ref, rq->arena, &s);
        if (rc == STORE_OK)
            found = true;
        else if (rc != STORE_NOT_FOUND)
            return api_from_store(rs, rc, "service");
        else if (!ref.remote_id) {
            fields_error(fe, "id", "no service of this calendar has this id");
            return API_INVALID;
        }
    }
    service_read(entry, fe, &s, !found);
    if (fe->count)
        return API_INVALID;
    s.updated_at = rq->now;
    store_rc rc = found ? store_service_update(rq->store, &s) : store_service_insert(rq->store, &s);
    if (rc == STORE_CONFLICT) {
        fields_error(fe, "remote_id", "is already in use");
        return api_fail(rs, API_CONFLICT, "a remote_id of the collection is already in use");
    }
    if (rc != STORE_OK)
        return api_from_store(rs, rc, "service");
    *rendered = service_render(&s);
    return *rendered ? API_OK : api_fail(rs, API_INTERNAL, NULL);
}

api_err services_collection(api_request *rq, api_response *rs)
{
    static const collection_kind kind = {
        .envelope = "services_collection",
        .plural = "services",
        .singular = "service",
        .upsert = service_upsert,
    };
    return handler_collection(&kind, rq, rs);
}
