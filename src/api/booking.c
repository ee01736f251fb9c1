/* booking.c - /centers/{id}/booking: a center's booking page settings
 * (extension), read and changed as one object:
 *
 *   {"booking_settings": {"enabled": false, "calendars": [], "services": [],
 *     "horizon_days": 60, "min_notice": 120, "max_future_bookings": 3,
 *     "hold_seconds": 300}}
 *
 * A center that never set any has the defaults shown here (the page off).
 * `calendars` and `services` list the ids the page offers; [] or null
 * offers every one of the center's.  PUT changes the fields it names and
 * keeps the others (a list named replaces the whole list; an id given twice
 * counts once).  Every field is checked before anything is written, a bad
 * one is a 422 naming it, and the store refuses, in the same transaction as
 * the write, an id that is not the center's (or a service outside the
 * calendars named): 422 naming the list.  null on a number or `enabled`
 * keeps it (the README's rule for typed fields). */
#include <string.h>

#include "api/handler.h"
#include "api/render.h"
#include "api/resources.h"

/* The center's settings, or the defaults when it has none. */
static store_rc settings_get(api_request *rq, booking_settings *out)
{
    store_rc rc = store_booking_settings_get(rq->store, rq->owner_id, rq->arena, out);
    if (rc == STORE_NOT_FOUND) {
        *out = store_booking_settings_default(rq->owner_id);
        rc = STORE_OK;
    }
    return rc;
}

/* Reads the id list `name` (a list of positive ids; null: none) into
 * *ids, *n, without repeats.  Problems go to fe. */
static void ids_read(api_request *rq, const cJSON *obj, const char *name, field_errors *fe,
                     const int64_t **ids, size_t *n)
{
    const cJSON *list = cJSON_GetObjectItemCaseSensitive(obj, name);
    if (!list)
        return;
    if (cJSON_IsNull(list)) {
        *ids = NULL, *n = 0;
        return;
    }
    if (!cJSON_IsArray(list)) {
        fields_error(fe, name, "must be a list of ids");
        return;
    }
    if (cJSON_GetArraySize(list) > BOOKING_LIST_MAX) {
        fields_error(fe, name, "at most 100 ids");
        return;
    }
    int64_t *out = arena_calloc(rq->arena, BOOKING_LIST_MAX + 1, sizeof *out);
    if (!out) {
        fields_error(fe, name, "out of memory");
        return;
    }
    size_t count = 0;
    bool ok = true;
    const cJSON *item = NULL;
    cJSON_ArrayForEach(item, list)
    {
        double v = cJSON_IsNumber(item) ? item->valuedouble : 0;
        if (!cJSON_IsNumber(item) || v < 1 || v > 9007199254740991.0 || v != (double)(int64_t)v) {
            ok = false;
            break;
        }
        bool seen = false;
        for (size_t k = 0; k < count && !seen; k++)
            seen = out[k] == (int64_t)v;
        if (!seen)
            out[count++] = (int64_t)v;
    }
    if (!ok) {
        fields_error(fe, name, "must be a list of ids");
        return;
    }
    *ids = out, *n = count;
}

/* Reads the whole number `name` into *slot when it is within [min, max]. */
static void number_read(const cJSON *obj, const char *name, int64_t min, int64_t max,
                        field_errors *fe, int64_t *slot)
{
    int64_t v = 0;
    if (fields_int(obj, name, fe, &v) != FIELD_SET)
        return;
    if (v < min || v > max) {
        fields_error(fe, name, "is out of range");
        return;
    }
    *slot = v;
}

/* Applies obj onto *bs; problems go to fe (nothing is written on any). */
static void settings_read(api_request *rq, const cJSON *obj, field_errors *fe, booking_settings *bs)
{
    bool on = false;
    if (fields_bool(obj, "enabled", fe, &on) == FIELD_SET)
        bs->enabled = on;
    ids_read(rq, obj, "calendars", fe, &bs->calendars, &bs->n_calendars);
    ids_read(rq, obj, "services", fe, &bs->services, &bs->n_services);
    number_read(obj, "horizon_days", 1, BOOKING_HORIZON_DAYS_MAX, fe, &bs->horizon_days);
    number_read(obj, "min_notice", 0, BOOKING_NOTICE_MAX, fe, &bs->min_notice);
    number_read(obj, "max_future_bookings", 1, BOOKING_MAX_FUTURE_MAX, fe, &bs->max_future);
    number_read(obj, "hold_seconds", BOOKING_HOLD_MIN, BOOKING_HOLD_MAX, fe, &bs->hold_seconds);
}

static cJSON *ids_render(const int64_t *ids, size_t n)
{
    cJSON *list = cJSON_CreateArray();
    for (size_t i = 0; list && i < n; i++) {
        cJSON *item = cJSON_CreateNumber((double)ids[i]);
        if (!item || !cJSON_AddItemToArray(list, item)) {
            cJSON_Delete(item);
            cJSON_Delete(list);
            return NULL;
        }
    }
    return list;
}

static cJSON *settings_render(const booking_settings *bs)
{
    cJSON *o = cJSON_CreateObject();
    cJSON *calendars = ids_render(bs->calendars, bs->n_calendars);
    cJSON *services = ids_render(bs->services, bs->n_services);
    bool ok = o && calendars && services && render_bool(o, "enabled", bs->enabled) &&
              cJSON_AddItemToObject(o, "calendars", calendars);
    if (ok)
        calendars = NULL; /* owned by o */
    ok = ok && cJSON_AddItemToObject(o, "services", services);
    if (ok)
        services = NULL;
    ok = ok && render_number(o, "horizon_days", bs->horizon_days) &&
         render_number(o, "min_notice", bs->min_notice) &&
         render_number(o, "max_future_bookings", bs->max_future) &&
         render_number(o, "hold_seconds", bs->hold_seconds);
    cJSON_Delete(calendars);
    cJSON_Delete(services);
    if (!ok) {
        cJSON_Delete(o);
        return NULL;
    }
    return o;
}

api_err booking_get(api_request *rq, api_response *rs)
{
    booking_settings settings;
    store_rc rc = settings_get(rq, &settings);
    if (rc != STORE_OK)
        return api_from_store(rs, rc, "center not found"); /* settings_get: never NOT_FOUND */
    return handler_render_single(rs, "booking_settings", settings_render(&settings), API_RENDERED);
}

api_err booking_put(api_request *rq, api_response *rs)
{
    const cJSON *obj = NULL;
    booking_settings settings;
    booking_reject why = {0};
    field_errors fe = {.arena = rq->arena, .prefix = ""};
    api_err err = handler_body_object(rq, rs, "booking_settings", &obj);
    if (err != API_OK)
        return err;
    err = handler_begin(rq, rs);
    if (err != API_OK)
        return err;
    store_rc rc = settings_get(rq, &settings);
    if (rc == STORE_OK)
        settings_read(rq, obj, &fe, &settings);
    if (rc == STORE_OK && fe.count) {
        err = api_fail(rs, API_INVALID, "the booking settings are invalid");
    } else if (rc == STORE_OK) {
        settings.updated_at = rq->now;
        rc = store_booking_settings_set(rq->store, &settings, &why);
    }
    if (rc == STORE_CONFLICT) {
        fields_error(&fe, why.calendar ? "calendars" : "services",
                     why.calendar ? arena_printf(rq->arena, "calendar %lld is not the center's",
                                                 (long long)why.id)
                                  : arena_printf(rq->arena,
                                                 "service %lld is not a service of the center's "
                                                 "calendars offered",
                                                 (long long)why.id));
        err = api_fail(rs, API_INVALID, "the booking settings are invalid");
    } else if (rc != STORE_OK) {
        err = api_from_store(rs, rc, "center not found");
    }
    err = handler_finish(rq, rs, err);
    if (err != API_OK)
        return handler_fail_fields(rs, &fe, err, rs->message);
    cJSON_Delete(fe.errors);
    return handler_render_single(rs, "booking_settings", settings_render(&settings), API_RENDERED);
}
