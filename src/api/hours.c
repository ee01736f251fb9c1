/* hours.c - /calendars/{id}/opening_hours: a calendar's weekly schedule,
 * read and replaced as a whole, with its slot step.
 *
 *   {"opening_hours": [{"opening_hour": {"day": "monday", "start": "08:30",
 *                                         "stop": "12:00"}}, ...],
 *    "slot_step": 15}
 *
 * Times are local to the calendar's center; "24:00" is allowed as a stop.
 * Ranges of one day may touch but not overlap.  The schedule and the step
 * are validated completely before anything is written.  "opening_hours":
 * null, or "" (a form's null: `opening_hours=`), is the empty list: closed
 * every day. */
#include <assert.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api/handler.h"
#include "api/resources.h"
#include "api/render.h"
#include "sched/week.h"

/* Longest slot step: a day. */
#define MAX_SLOT_STEP (24 * 60)
/* More ranges than anyone needs in a week, small enough to bound the work. */
#define MAX_OPENING_HOURS 100

/* Reads one {"day", "start", "stop"} object; problems go to fe. */
static void hours_read_one(const cJSON *obj, field_errors *fe, opening_hour *out)
{
    const char *s = NULL;
    if (fields_string(obj, "day", fe, &s) != FIELD_SET)
        fields_error(fe, "day", "must be a day of the week (monday to sunday)");
    else if (!week_parse_day(s, &out->day))
        fields_error(fe, "day", "must be a day of the week (monday to sunday)");
    static const char *const names[] = {"start", "stop"};
    for (int i = 0; i < 2; i++) {
        int *slot = i ? &out->stop : &out->start;
        if (fields_string(obj, names[i], fe, &s) != FIELD_SET || !week_parse_time(s, i, slot))
            fields_error(fe, names[i],
                         i ? "must be a time HH:MM (00:01 to 24:00)"
                           : "must be a time HH:MM (00:00 to 23:59)");
    }
    if (fe->count == 0 && out->stop <= out->start)
        fields_error(fe, "stop", "must be after start");
}

static cJSON *hours_render(const opening_hour *hours, size_t n, int slot_step)
{
    cJSON *list = NULL;
    cJSON *env = render_list_envelope("opening_hours", &list);
    for (size_t i = 0; env && i < n; i++) {
        char start[6], stop[6];
        week_format_time(hours[i].start, start);
        week_format_time(hours[i].stop, stop);
        cJSON *o = cJSON_CreateObject();
        bool ok = o && render_string(o, "day", week_day_name(hours[i].day)) &&
                  render_string(o, "start", start) && render_string(o, "stop", stop);
        if (!ok) {
            cJSON_Delete(o);
            o = NULL;
        }
        if (!render_append_wrapped(list, "opening_hour", o)) {
            cJSON_Delete(env);
            env = NULL;
        }
    }
    if (env && !render_number(env, "slot_step", slot_step)) {
        cJSON_Delete(env);
        env = NULL;
    }
    return env;
}

api_err opening_hours_get(api_request *rq, api_response *rs)
{
    opening_hour *hours = NULL;
    size_t n = 0;
    store_rc rc = store_opening_hours_get(rq->store, rq->owner_id, rq->arena, &hours, &n);
    if (rc != STORE_OK)
        return api_from_store(rs, rc, "calendar not found");
    rs->body = hours_render(hours, n, rq->calendar.slot_step);
    return rs->body ? API_OK : api_fail(rs, API_INTERNAL, NULL);
}

api_err opening_hours_put(api_request *rq, api_response *rs)
{
    if (!rq->body || !cJSON_IsObject(rq->body))
        return api_fail(rs, API_BAD_REQUEST, "a JSON object body is required");
    const cJSON *list = cJSON_GetObjectItemCaseSensitive(rq->body, "opening_hours");
    /* null, or "" (a form's null: `opening_hours=`), is the empty list:
     * closed every day */
    static const cJSON empty_list = {.type = cJSON_Array};
    if (cJSON_IsNull(list) || (cJSON_IsString(list) && list->valuestring && !*list->valuestring))
        list = &empty_list;
    field_errors fe = {.arena = rq->arena, .prefix = ""};
    int64_t step = rq->calendar.slot_step;
    if (fields_int(rq->body, "slot_step", &fe, &step) == FIELD_SET &&
        (step <= 0 || step > MAX_SLOT_STEP))
        fields_error(&fe, "slot_step", "must be a number of minutes from 1 to 1440");
    if (!cJSON_IsArray(list)) {
        fields_error(&fe, "opening_hours", "must be a list");
        return handler_fail_fields(rs, &fe, API_INVALID, "the opening hours are invalid");
    }
    int n = cJSON_GetArraySize(list);
    if (n > MAX_OPENING_HOURS)
        return api_fail(rs, API_TOO_LARGE, "at most 100 opening hours per calendar");
    opening_hour *hours = arena_calloc(rq->arena, (size_t)n + 1, sizeof *hours);
    if (!hours)
        return api_fail(rs, API_INTERNAL, NULL);
    int i = 0;
    const cJSON *item = NULL;
    cJSON_ArrayForEach(item, list)
    {
        const cJSON *obj = fields_unwrap(item, "opening_hour");
        fe.prefix = arena_printf(rq->arena, "opening_hours[%d].", i);
        if (!obj)
            fields_error(&fe, "day", "must be an object with day, start and stop");
        else
            hours_read_one(obj, &fe, &hours[i]);
        if (fe.count)
            return handler_fail_fields(rs, &fe, API_INVALID, "the opening hours are invalid");
        i++;
    }
    if (fe.count) /* slot_step, with no range to stop at above */
        return handler_fail_fields(rs, &fe, API_INVALID, "the opening hours are invalid");
    size_t bad = 0;
    if (!week_check(hours, (size_t)n, &bad)) {
        char text[WEEK_RANGE_TEXT];
        week_format_range(&hours[bad], text);
        fe.prefix = "";
        fields_error(&fe, "opening_hours",
                     arena_printf(rq->arena, "%s overlaps another range", text));
        return handler_fail_fields(rs, &fe, API_INVALID, "the opening hours overlap");
    }
    api_err err = handler_begin(rq, rs);
    if (err != API_OK)
        return err;
    store_rc rc = store_opening_hours_set(rq->store, rq->owner_id, hours, (size_t)n);
    if (rc == STORE_OK && step != rq->calendar.slot_step)
        rc = store_calendar_set_slot_step(rq->store, rq->owner_id, (int)step);
    err = handler_finish(rq, rs,
                         rc == STORE_OK ? API_OK : api_from_store(rs, rc, "calendar not found"));
    if (err != API_OK)
        return err;
    rs->body = hours_render(hours, (size_t)n, (int)step);
    return rs->body ? API_OK : api_fail(rs, API_INTERNAL, NULL);
}
