/* imports.c - /calendars/{id}/imports (a calendar's imported feeds) and
 * /calendars/{id}/busy (its external busy time, opaque): extensions of the
 * API for calendar sync (README "Imported feeds").
 *
 *   {"import": {"id": 3, "url": "https://calendar.google.com/...",
 *               "interval": 900, "next_fetch": "1417682400",
 *               "last_success": "1417681500", "last_error": null,
 *               "attempts": 0, "events": 12, "intervals": 40}}
 *
 * POST takes {"import": {"url": ..., "interval": ...}} (interval optional,
 * 60 to 86400 seconds, default 900) and answers 201; the sync worker of
 * the server fetches it at once (sync_wake).  The address is shown back by
 * its scheme and host only: a Google secret address is its own password.
 * DELETE removes the import and its busy time (204).
 *
 *   GET /calendars/{id}/busy?from=UNIX&to=UNIX
 *   {"busy": [{"start": "1417682400", "stop": "1417686000"}, ...]}
 *
 * lists the external busy time (imported feeds and CalDAV) overlapping
 * [from, to) (default: now to 14 days later; at most 400 days), joined
 * where intervals touch: start and stop only, never titles or sources.
 * Times are Unix seconds rendered as strings, as appointments' are. */
#include "api/handler.h"
#include "api/render.h"
#include "api/resources.h"
#include "sync/import.h"
#include "util/parse.h"

#define BUSY_DEFAULT_WINDOW ((int64_t)14 * 86400)
#define BUSY_MAX_WINDOW     ((int64_t)400 * 86400)

static cJSON *import_render(const calendar_import *im, arena *a)
{
    cJSON *o = cJSON_CreateObject();
    bool ok = o && render_number(o, "id", im->id) &&
              render_string(o, "url", import_url_shown(im->url, a)) &&
              render_number(o, "interval", im->interval) &&
              render_number_string(o, "next_fetch", im->due_at) &&
              (im->last_success ? render_number_string(o, "last_success", im->last_success)
                                : render_null(o, "last_success")) &&
              render_string(o, "last_error", im->last_error) &&
              render_number(o, "attempts", im->attempts) &&
              render_number(o, "events", im->events) &&
              render_number(o, "intervals", im->intervals);
    if (!ok) {
        cJSON_Delete(o);
        return NULL;
    }
    return o;
}

api_err imports_list(api_request *rq, api_response *rs)
{
    calendar_import *rows = NULL;
    size_t n = 0;
    store_rc rc = store_import_list(rq->store, rq->owner_id, rq->arena, &rows, &n);
    if (rc != STORE_OK)
        return api_from_store(rs, rc, "calendar not found");
    cJSON *list = NULL;
    rs->body = render_list_envelope("imports", &list);
    if (!rs->body)
        return api_fail(rs, API_INTERNAL, NULL);
    for (size_t i = 0; i < n; i++) {
        if (!render_append_wrapped(list, "import", import_render(&rows[i], rq->arena)))
            return api_fail(rs, API_INTERNAL, NULL);
    }
    return API_OK;
}

api_err imports_create(api_request *rq, api_response *rs)
{
    const cJSON *obj = NULL;
    api_err err = handler_body_object(rq, rs, "import", &obj);
    if (err != API_OK)
        return err;
    field_errors fe = {.arena = rq->arena, .prefix = ""};
    calendar_import im = {.calendar_id = rq->owner_id, .interval = IMPORT_INTERVAL_DEFAULT};
    if (fields_string(obj, "url", &fe, &im.url) != FIELD_SET && !handler_field_failed(&fe, "url"))
        fields_error(&fe, "url", "is required");
    (void)fields_int(obj, "interval", &fe, &im.interval);
    if (fe.count)
        return handler_fail_fields(rs, &fe, API_INVALID, "the import is invalid");
    const char *why = NULL;
    store_rc rc = STORE_OK;
    switch (import_add(rq->store, &im, rq->arena, &rc, &why)) {
    case IMPORT_ADDED:
        break;
    case IMPORT_BAD_URL:
    case IMPORT_ADDRESS_REFUSED:
        fields_error(&fe, "url", why);
        return handler_fail_fields(rs, &fe, API_INVALID, "the import is invalid");
    case IMPORT_BAD_INTERVAL:
        fields_error(&fe, "interval", "must be a whole number of seconds from 60 to 86400");
        return handler_fail_fields(rs, &fe, API_INVALID, "the import is invalid");
    case IMPORT_TOO_MANY:
        return api_fail(rs, API_CONFLICT, "the calendar imports 20 feeds already");
    case IMPORT_STORE:
        if (rc == STORE_CONFLICT)
            return api_fail(rs, API_CONFLICT, "the calendar imports this address already");
        return api_from_store(rs, rc, "calendar not found");
    }
    calendar_import added;
    rc = store_import_get(rq->store, im.id, rq->arena, &added);
    if (rc != STORE_OK)
        return api_from_store(rs, rc, "import not found");
    return handler_render_single(rs, "import", import_render(&added, rq->arena), API_CREATED);
}

api_err imports_delete(api_request *rq, api_response *rs)
{
    if (rq->ref.remote_id)
        return api_fail(rs, API_NOT_FOUND, "import not found");
    store_rc rc = store_import_remove(rq->store, rq->owner_id, rq->ref.id);
    if (rc != STORE_OK)
        return api_from_store(rs, rc, "import not found");
    rs->outcome = API_EMPTY;
    return API_OK;
}

/* Reads query parameter `name` as Unix seconds into *out when present. */
static bool query_time(api_request *rq, field_errors *fe, const char *name, int64_t *out)
{
    const char *raw = rq->query(rq->query_ctx, name);
    if (!raw)
        return true;
    if (!parse_int64(raw, out) || *out < 0 || *out > 253402300799) {
        fields_error(fe, name, "must be Unix seconds");
        return false;
    }
    return true;
}

api_err calendar_busy_list(api_request *rq, api_response *rs)
{
    field_errors fe = {.arena = rq->arena, .prefix = ""};
    int64_t from = rq->now, to = -1;
    bool ok = query_time(rq, &fe, "from", &from);
    ok = query_time(rq, &fe, "to", &to) && ok;
    if (ok && to < 0)
        to = from + BUSY_DEFAULT_WINDOW;
    if (ok && to <= from) {
        fields_error(&fe, "to", "must be after from");
        ok = false;
    }
    if (ok && to - from > BUSY_MAX_WINDOW) {
        fields_error(&fe, "to", "may be at most 400 days after from");
        ok = false;
    }
    if (!ok)
        return handler_fail_fields(rs, &fe, API_BAD_REQUEST, "invalid parameters");
    busy_interval *iv = NULL;
    size_t n = 0;
    store_rc rc = store_external_busy_list(rq->store, rq->owner_id, from, to, rq->arena, &iv, &n);
    if (rc != STORE_OK)
        return api_from_store(rs, rc, "calendar not found");
    cJSON *list = NULL;
    rs->body = render_list_envelope("busy", &list);
    if (!rs->body)
        return api_fail(rs, API_INTERNAL, NULL);
    for (size_t i = 0; i < n; i++) {
        cJSON *o = cJSON_CreateObject();
        if (!o || !render_number_string(o, "start", iv[i].start) ||
            !render_number_string(o, "stop", iv[i].stop) || !cJSON_AddItemToArray(list, o)) {
            cJSON_Delete(o);
            return api_fail(rs, API_INTERNAL, NULL);
        }
    }
    return API_OK;
}
