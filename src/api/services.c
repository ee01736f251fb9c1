/* services.c - the services resource (services_resource), which the generic
 * flows of handler.c serve at /calendars/{id}/services (list) and
 * services_collections (bulk create or update of appointment types); see
 * routes.c.  A service's remote_id may be absent (null or ""), but never
 * white space alone. */
#include <stddef.h>

#include "api/handler.h"
#include "api/resources.h"
#include "api/render.h"

/* Longest service the platform accepts: a week, in minutes. */
#define SERVICE_MAX_MINUTES (7 * 24 * 60)

/* Applies obj onto the service row; `creating` enforces name and duration. */
static api_err service_read(api_request *rq, api_response *rs, const cJSON *obj, field_errors *fe,
                            void *row, bool creating)
{
    (void)rq;
    (void)rs;
    service *s = row;
    const char *str = NULL;
    switch (fields_string(obj, "remote_id", fe, &str)) {
    case FIELD_SET:
        /* "" is a form's null (no remote_id); white space alone is blank */
        if (!*str)
            s->remote_id = NULL;
        else if (fields_is_blank(str))
            fields_error(fe, "remote_id", "can't be blank");
        else
            s->remote_id = str;
        break;
    case FIELD_NULL:
        s->remote_id = NULL;
        break;
    default:
        break;
    }
    fields_nonblank(obj, "name", creating, fe, &s->name);
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
    return API_OK;
}

static cJSON *service_render(const void *row)
{
    const service *s = row;
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

static void service_init(api_request *rq, void *row)
{
    *(service *)row = (service){.calendar_id = rq->owner_id};
}

static store_rc service_get(api_request *rq, const object_ref *ref, void *row)
{
    return store_service_get(rq->store, rq->owner_id, ref, rq->arena, row);
}

static store_rc service_list(api_request *rq, const list_query *q, void **rows, size_t *n,
                             int64_t *total)
{
    (void)q;
    store_rc rc = store_service_list(rq->store, rq->owner_id, rq->arena, (service **)rows, n);
    *total = (int64_t)*n;
    return rc;
}

static store_rc service_write(api_request *rq, void *row, bool creating)
{
    service *s = row;
    s->updated_at = rq->now;
    return creating ? store_service_insert(rq->store, s) : store_service_update(rq->store, s);
}

static store_rc service_get_many(api_request *rq, const object_ref *refs, size_t n, void *rows,
                                 bool *found)
{
    return store_service_get_many(rq->store, rq->owner_id, refs, n, rq->arena, rows, found);
}

static store_rc service_write_many(api_request *rq, void *rows, size_t n)
{
    service *s = rows;
    for (size_t i = 0; i < n; i++)
        s[i].updated_at = rq->now;
    return store_service_write_many(rq->store, s, n, rq->arena);
}

const resource services_resource = {
    .singular = "service",
    .plural = "services",
    .missing = "service not found",
    .row_size = sizeof(service),
    .init = service_init,
    .get = service_get,
    .read = service_read,
    .write = service_write,
    .list = service_list,
    .render = service_render,
    .remote_id_offset = offsetof(service, remote_id),
    .get_many = service_get_many,
    .write_many = service_write_many,
};
