/* common.c - what every handler shares: failures, store-code mapping,
 * limits, and api_call, which runs a route's handler: the grant check in
 * front of it, the route's resource handed to it, and the runs again after
 * a lost race. */
#include <assert.h>
#include <stdatomic.h>

#include "api/api.h"

api_limits api_limits_default(void)
{
    return (api_limits){.max_collection = 10000, .page_size = 1000};
}

api_err api_fail(api_response *rs, api_err err, const char *message)
{
    assert(err != API_OK);
    rs->message = message;
    return err;
}

void api_field_error(api_response *rs, const char *field, const char *problem)
{
    if (!rs->errors)
        rs->errors = cJSON_CreateObject();
    /* On allocation failure the field detail is lost but the status stays. */
    if (rs->errors && !cJSON_GetObjectItemCaseSensitive(rs->errors, field))
        cJSON_AddStringToObject(rs->errors, field, problem);
}

/* For metrics (api_counters_read): requests the store failed, and runs
 * again after a lost race. */
static atomic_uint_fast64_t store_errors, store_retries;

void api_counters_read(uint64_t *errors, uint64_t *retries)
{
    *errors = atomic_load(&store_errors);
    *retries = atomic_load(&store_retries);
}

api_err api_from_store(api_response *rs, store_rc rc, const char *not_found)
{
    assert(rc != STORE_OK);
    if (rc == STORE_UNAVAILABLE || rc == STORE_ERROR)
        atomic_fetch_add(&store_errors, 1);
    switch (rc) {
    case STORE_NOT_FOUND:
        return api_fail(rs, API_NOT_FOUND, not_found);
    case STORE_CONFLICT:
        return api_fail(rs, API_CONFLICT, "remote_id is already in use");
    case STORE_UNAVAILABLE:
        return api_fail(rs, API_UNAVAILABLE, "the database is unavailable, retry later");
    case STORE_RETRY:
        return api_fail(rs, API_RETRY, "too much contention on this data, retry later");
    case STORE_OK:
    case STORE_ERROR:
        break;
    }
    return api_fail(rs, API_INTERNAL, "internal error");
}

/* How many times a request that lost a race is run in all. */
#define API_ATTEMPTS 8

static api_err api_call_once(const api_route *route, api_request *rq, api_response *rs)
{
    store_rc rc = STORE_OK;
    switch (route->owner) {
    case OWNER_NONE:
    case OWNER_PUBLIC:
        break;
    case OWNER_CENTER: {
        api_err err = api_user_may_use_center(rq, rq->owner_id);
        if (err != API_OK)
            return api_fail(rs, err, err == API_NOT_FOUND ? "center not found" : NULL);
        break;
    }
    case OWNER_CALENDAR:
        rc = store_user_calendar(rq->store, rq->user->id, rq->owner_id, rq->arena, &rq->calendar);
        if (rc != STORE_OK)
            return api_from_store(rs, rc, "calendar not found");
        break;
    }
    rq->resource = route->resource;
    return route->handler(rq, rs);
}

api_err api_call(const api_route *route, api_request *rq, api_response *rs)
{
    api_err err = API_RETRY;
    for (int attempt = 0; attempt < API_ATTEMPTS && err == API_RETRY; attempt++) {
        if (attempt) {
            atomic_fetch_add(&store_retries, 1);
            /* Start again from nothing: the store was rolled back. */
            store_rollback(rq->store);
            cJSON_Delete(rs->body);
            cJSON_Delete(rs->errors);
            *rs = (api_response){0};
        }
        err = api_call_once(route, rq, rs);
    }
    return err;
}
