/* handler.c - list parameters, body envelopes and the collection runner
 * shared by every resource. */
#include "api/handler.h"

#include <stdio.h>

#include "api/render.h"

/* Reads an optional non-negative integer parameter; false after recording a
 * 400 detail when it is malformed. */
static bool query_int(api_request *rq, api_response *rs, const char *name, int64_t min,
                      bool *has, int64_t *out)
{
    const char *raw = rq->query(rq->query_ctx, name);
    *has = raw != NULL;
    if (!raw)
        return true;
    if (!fields_parse_int(raw, out) || *out < min) {
        api_field_error(rs, name, min > 0 ? "must be a positive whole number"
                                          : "must be a whole number, 0 or more");
        return false;
    }
    return true;
}

api_err handler_list_query(api_request *rq, api_response *rs, list_query *q,
                           bool paged_by_default, bool window)
{
    bool has_page = false;
    bool ok = true;
    *q = (list_query){.per_page = rq->limits->page_size};
    ok &= query_int(rq, rs, "page", 1, &has_page, &q->page);
    ok &= query_int(rq, rs, "since", 0, &q->has_since, &q->since);
    if (window) {
        ok &= query_int(rq, rs, "start", 0, &q->has_start, &q->start);
        ok &= query_int(rq, rs, "stop", 0, &q->has_stop, &q->stop);
        if (ok && q->has_start && q->has_stop && q->stop <= q->start) {
            api_field_error(rs, "stop", "must be after start");
            ok = false;
        }
    }
    if (!ok)
        return api_fail(rs, API_BAD_REQUEST, "invalid query parameters");
    if (!has_page)
        q->page = paged_by_default ? 1 : 0;
    return API_OK;
}

api_err handler_fail_fields(api_response *rs, field_errors *fe, api_err err, const char *message)
{
    if (fe->errors) {
        if (!rs->errors) {
            rs->errors = fe->errors;
        } else {
            cJSON *item = NULL;
            cJSON_ArrayForEach(item, fe->errors)
            {
                if (cJSON_IsString(item))
                    api_field_error(rs, item->string, item->valuestring);
            }
            cJSON_Delete(fe->errors);
        }
        fe->errors = NULL;
    }
    return api_fail(rs, err, message);
}

api_err handler_body_object(api_request *rq, api_response *rs, const char *name,
                            const cJSON **out)
{
    *out = rq->body ? fields_unwrap(rq->body, name) : NULL;
    if (*out)
        return API_OK;
    return api_fail(rs, API_BAD_REQUEST,
                    rq->body ? "the body must be a JSON object" : "a request body is required");
}

bool handler_field_failed(const field_errors *fe, const char *name)
{
    char key[256];
    if (!fe->errors)
        return false;
    snprintf(key, sizeof key, "%s%s", fe->prefix ? fe->prefix : "", name);
    return cJSON_GetObjectItemCaseSensitive(fe->errors, key) != NULL;
}

api_err handler_render_single(api_response *rs, const char *name, cJSON *item,
                              api_outcome outcome)
{
    rs->body = render_single_envelope(name, item);
    if (!rs->body)
        return api_fail(rs, API_INTERNAL, NULL);
    rs->outcome = outcome;
    return API_OK;
}

api_err handler_collection(const collection_kind *k, api_request *rq, api_response *rs)
{
    if (!rq->body)
        return api_fail(rs, API_BAD_REQUEST, "a request body is required");
    const cJSON *coll = fields_unwrap(rq->body, k->envelope);
    const cJSON *items = coll ? cJSON_GetObjectItemCaseSensitive(coll, k->plural) : NULL;
    if (!cJSON_IsArray(items)) {
        api_field_error(rs, k->plural, "must be a list");
        return api_fail(rs, API_INVALID, "the collection has no list of entries");
    }
    if (cJSON_GetArraySize(items) > rq->limits->max_collection)
        return api_fail(rs, API_TOO_LARGE,
                        arena_printf(rq->arena, "a collection may hold at most %lld entries",
                                     (long long)rq->limits->max_collection));

    cJSON *list = NULL;
    cJSON *env = render_list_envelope(k->plural, &list);
    if (!env)
        return api_fail(rs, API_INTERNAL, NULL);
    store_rc src = store_begin(rq->store);
    if (src != STORE_OK) {
        cJSON_Delete(env);
        return api_from_store(rs, src, "collection");
    }

    api_err err = API_OK;
    field_errors fe = {.arena = rq->arena};
    int index = 0;
    const cJSON *item = NULL;
    cJSON_ArrayForEach(item, items)
    {
        fe.prefix = arena_printf(rq->arena, "%s[%d].", k->plural, index);
        if (!fe.prefix) {
            err = api_fail(rs, API_INTERNAL, NULL);
            break;
        }
        const cJSON *entry = fields_unwrap(item, k->singular);
        cJSON *rendered = NULL;
        if (!entry) {
            api_field_error(rs, arena_printf(rq->arena, "%s[%d]", k->plural, index),
                            "must be an object");
            err = api_fail(rs, API_INVALID, "an entry of the collection is not an object");
            break;
        }
        err = k->upsert(rq, rs, entry, &fe, &rendered);
        if (err != API_OK) {
            if (!rs->message)
                rs->message = arena_printf(rq->arena, "entry %d of the collection was refused",
                                           index);
            handler_fail_fields(rs, &fe, err, rs->message);
            break;
        }
        if (!render_append_wrapped(list, k->singular, rendered)) {
            err = api_fail(rs, API_INTERNAL, NULL);
            break;
        }
        index++;
    }
    if (err == API_OK) {
        src = store_commit(rq->store);
        if (src != STORE_OK) {
            store_rollback(rq->store);
            err = api_from_store(rs, src, "collection");
        }
    } else {
        store_rollback(rq->store);
    }
    if (err != API_OK) {
        cJSON_Delete(fe.errors);
        cJSON_Delete(env);
        return err;
    }
    rs->body = env;
    rs->outcome = API_RENDERED;
    return API_OK;
}
