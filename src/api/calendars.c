/* calendars.c - GET /calendars: the calendars of the centers the user may
 * use, with their specialities. */
#include "api/handler.h"
#include "api/resources.h"
#include "api/render.h"

static cJSON *calendar_render(arena *a, const calendar *k)
{
    cJSON *o = cJSON_CreateObject();
    if (!o)
        return NULL;
    const char *full = arena_printf(a, "%s %s", k->first_name, k->last_name);
    bool ok = full && render_number(o, "id", k->id) &&
              render_number(o, "center_id", k->center_id) &&
              render_string(o, "first_name", k->first_name) &&
              render_string(o, "last_name", k->last_name) && render_string(o, "full_name", full) &&
              render_string(o, "slug", k->slug);
    cJSON *specs = ok ? cJSON_AddArrayToObject(o, "specialities") : NULL;
    for (size_t i = 0; specs && i < k->n_specialities; i++) {
        cJSON *s = cJSON_CreateObject();
        bool sok = s && render_string(s, "name", k->specialities[i].name) &&
                   render_number(s, "id", k->specialities[i].id);
        if (!sok) {
            cJSON_Delete(s);
            specs = NULL;
            break;
        }
        if (!render_append_wrapped(specs, "speciality", s))
            specs = NULL;
    }
    if (!specs) {
        cJSON_Delete(o);
        return NULL;
    }
    return o;
}

api_err calendars_list(api_request *rq, api_response *rs)
{
    calendar *rows = NULL;
    size_t n = 0;
    store_rc rc = store_calendars_for_user(rq->store, rq->user->id, rq->arena, &rows, &n);
    if (rc != STORE_OK)
        return api_from_store(rs, rc, "calendar not found"); /* a list: never NOT_FOUND */
    cJSON *list = NULL;
    rs->body = render_list_envelope("calendars", &list);
    if (!rs->body)
        return api_fail(rs, API_INTERNAL, NULL);
    for (size_t i = 0; i < n; i++) {
        if (!render_append_wrapped(list, "calendar", calendar_render(rq->arena, &rows[i])))
            return api_fail(rs, API_INTERNAL, NULL);
    }
    return API_OK;
}
