/* centers.c - GET /centers: the centers the user may use. */
#include "api/handler.h"
#include "api/resources.h"
#include "api/render.h"

api_err centers_list(api_request *rq, api_response *rs)
{
    const center *rows = NULL;
    size_t n = 0;
    api_err err = api_user_centers(rq, &rows, &n);
    if (err != API_OK)
        return api_fail(rs, err, NULL);
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
