/* centers.c - GET /centers: the centers the user may use. */
#include "api/handler.h"
#include "api/render.h"

api_err centers_list(api_request *rq, api_response *rs)
{
    center *rows = NULL;
    size_t n = 0;
    store_rc rc = store_centers_for_user(rq->store, rq->user->id, rq->arena, &rows, &n);
    if (rc != STORE_OK)
        return api_from_store(rs, rc, "centers");
    cJSON *list = NULL;
    rs->body = render_list_envelope("centers", &list);
    if (!rs->body)
        return api_fail(rs, API_INTERNAL, NULL);
    for (size_t i = 0; i < n; i++) {
        cJSON *o = cJSON_CreateObject();
        bool ok = o && render_number(o, "id", rows[i].id) &&
                  render_string(o, "slug", rows[i].slug) && render_string(o, "name", rows[i].name);
        if (!ok) {
            cJSON_Delete(o);
            return api_fail(rs, API_INTERNAL, NULL);
        }
        if (!render_append_wrapped(list, "center", o))
            return api_fail(rs, API_INTERNAL, NULL);
    }
    return API_OK;
}
