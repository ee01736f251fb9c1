/* ranges.c - /calendars/{id}/absences and /calendars/{id}/openings: time
 * ranges that block a calendar (holidays, leave) or open it outside its
 * weekly schedule.  Both have the same shape, so one set of functions serves
 * both, with the kind and the envelope names as parameters:
 *
 *   {"absence": {"id": 4, "start": "1417682400", "stop": "1417690000",
 *                "title": "Holiday"}}
 *
 * Times are Unix seconds rendered as strings, as appointments' are. */
#include "api/handler.h"
#include "api/resources.h"
#include "api/render.h"
#include "sched/week.h"

typedef struct range_names {
    const char *singular;
    const char *plural;
    const char *missing;
} range_names;

static const range_names names[] = {
    [RANGE_ABSENCE] = {"absence", "absences", "absence not found"},
    [RANGE_OPENING] = {"opening", "openings", "opening not found"},
};

static cJSON *range_render(const time_range *r)
{
    cJSON *o = cJSON_CreateObject();
    bool ok = o && render_number(o, "id", r->id) && render_number_string(o, "start", r->start) &&
              render_number_string(o, "stop", r->stop) && render_string(o, "title", r->title);
    if (!ok) {
        cJSON_Delete(o);
        return NULL;
    }
    return o;
}

/* GET: every range, or those overlapping ?start=&stop=. */
static api_err range_list(range_kind kind, api_request *rq, api_response *rs)
{
    list_query q;
    api_err err = handler_list_query(rq, rs, &q, false, true);
    if (err != API_OK)
        return err;
    int64_t from = q.has_start ? q.start : INT64_MIN;
    int64_t to = q.has_stop ? q.stop : INT64_MAX;
    time_range *rows = NULL;
    size_t n = 0;
    store_rc rc = store_range_list(rq->store, kind, rq->owner_id, from, to, rq->arena, &rows, &n);
    if (rc != STORE_OK)
        return api_from_store(rs, rc, "calendar not found");
    cJSON *list = NULL;
    rs->body = render_list_envelope(names[kind].plural, &list);
    if (!rs->body)
        return api_fail(rs, API_INTERNAL, NULL);
    for (size_t i = 0; i < n; i++) {
        if (!render_append_wrapped(list, names[kind].singular, range_render(&rows[i])))
            return api_fail(rs, API_INTERNAL, NULL);
    }
    return API_OK;
}

/* POST: 201 with the new range. */
static api_err range_create(range_kind kind, api_request *rq, api_response *rs)
{
    const cJSON *obj = NULL;
    api_err err = handler_body_object(rq, rs, names[kind].singular, &obj);
    if (err != API_OK)
        return err;
    field_errors fe = {.arena = rq->arena, .prefix = ""};
    time_range r = {.calendar_id = rq->owner_id, .title = ""};
    static const char *const times[] = {"start", "stop"};
    for (int i = 0; i < 2; i++) {
        if (fields_timestamp(obj, times[i], &fe, i ? &r.stop : &r.start) != FIELD_SET &&
            !handler_field_failed(&fe, times[i]))
            fields_error(&fe, times[i], "is required");
    }
    const char *title = NULL;
    if (fields_string(obj, "title", &fe, &title) == FIELD_SET)
        r.title = title;
    if (fe.count == 0 && r.stop <= r.start)
        fields_error(&fe, "stop", "must be after start");
    if (fe.count == 0 && r.stop - r.start > RANGE_MAX_SECONDS)
        fields_error(&fe, "stop", "a range may last ten years at most");
    if (fe.count)
        return handler_fail_fields(
            rs, &fe, API_INVALID,
            arena_printf(rq->arena, "the %s is invalid", names[kind].singular));
    store_rc rc = store_range_insert(rq->store, kind, &r);
    if (rc != STORE_OK)
        return api_from_store(rs, rc, "calendar not found");
    return handler_render_single(rs, names[kind].singular, range_render(&r), API_CREATED);
}

/* DELETE by platform id: 204. */
static api_err range_delete(range_kind kind, api_request *rq, api_response *rs)
{
    if (rq->ref.remote_id)
        return api_fail(rs, API_NOT_FOUND, names[kind].missing);
    store_rc rc = store_range_delete(rq->store, kind, rq->owner_id, rq->ref.id);
    if (rc != STORE_OK)
        return api_from_store(rs, rc, names[kind].missing);
    rs->outcome = API_EMPTY;
    return API_OK;
}

api_err absences_list(api_request *rq, api_response *rs)
{
    return range_list(RANGE_ABSENCE, rq, rs);
}

api_err absences_create(api_request *rq, api_response *rs)
{
    return range_create(RANGE_ABSENCE, rq, rs);
}

api_err absences_delete(api_request *rq, api_response *rs)
{
    return range_delete(RANGE_ABSENCE, rq, rs);
}

api_err openings_list(api_request *rq, api_response *rs)
{
    return range_list(RANGE_OPENING, rq, rs);
}

api_err openings_create(api_request *rq, api_response *rs)
{
    return range_create(RANGE_OPENING, rq, rs);
}

api_err openings_delete(api_request *rq, api_response *rs)
{
    return range_delete(RANGE_OPENING, rq, rs);
}
