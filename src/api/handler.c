/* handler.c - what the handlers of api/ share (see handler.h):
 *
 * - list query parsing: page, since (moved SINCE_MARGIN back) and the
 *   start/stop window, each malformed one a 400 naming it;
 * - body envelopes: the object a request is about, wrapped or at the top
 *   level, and field errors moved into the response;
 * - write transactions: handler_begin takes the store's write transaction
 *   and only then stamps the request (rq->now, the `since` stamp), and
 *   handler_finish commits, or rolls back and asks for a run again
 *   (API_RETRY) a transaction older than SINCE_MARGIN;
 * - the generic flows, which serve any `resource` the route table names
 *   (rq->resource): list, get, create, update, delete;
 * - the collection runner (handler_collection): every entry matched by id,
 *   else remote_id, else created, in one transaction; each bad entry's
 *   errors collected under its index, up to COLLECTION_MAX_ERRORS, so that
 *   all are reported and nothing is written; and bulk deletion, an entry the
 *   resource's `deletes` marks removing the row it names as DELETE does.
 *   It writes in bulk (bulk.c) when the resource can, else entry by entry,
 *   and falls back to entry by entry when only that can name the entries
 *   at fault;
 * - rendering helpers: the single-object envelope and the test for a field
 *   already refused. */
#include "api/handler.h"

#include <assert.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "api/bulk.h"
#include "api/render.h"
#include "util/clock.h"
#include "util/parse.h"

/* Reads an optional non-negative integer parameter; false after recording a
 * 400 detail when it is malformed. */
static bool query_int(api_request *rq, api_response *rs, const char *name, int64_t min, bool *has,
                      int64_t *out)
{
    const char *raw = rq->query(rq->query_ctx, name);
    *has = raw != NULL;
    if (!raw)
        return true;
    if (!parse_int64(raw, out) || *out < min) {
        api_field_error(rs, name,
                        min > 0 ? "must be a positive whole number"
                                : "must be a whole number, 0 or more");
        return false;
    }
    return true;
}

api_err handler_list_query(api_request *rq, api_response *rs, list_query *q, bool paged_by_default,
                           bool window)
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
    /* see SINCE_MARGIN: a row stamped before `since` may have committed
     * after the poller's previous poll */
    if (q->has_since)
        q->since = q->since > SINCE_MARGIN ? q->since - SINCE_MARGIN : 0;
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

api_err handler_body_object(api_request *rq, api_response *rs, const char *name, const cJSON **out)
{
    *out = rq->body ? fields_unwrap(rq->body, name) : NULL;
    if (*out)
        return API_OK;
    if (cJSON_IsObject(rq->body)) { /* {"patient": "abc"}, {"patient": null} */
        api_field_error(rs, name, "must be an object");
        return api_fail(rs, API_INVALID, arena_printf(rq->arena, "the %s is not an object", name));
    }
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

api_err handler_render_single(api_response *rs, const char *name, cJSON *item, api_outcome outcome)
{
    rs->body = render_single_envelope(name, item);
    if (!rs->body)
        return api_fail(rs, API_INTERNAL, NULL);
    rs->outcome = outcome;
    return API_OK;
}

/* Applies obj onto row and writes it, inside the caller's transaction, or,
 * with `b`, stages it there as entry `index` (bulk.c).  On success
 * *rendered is the row's rendering (none when staged).  A remote_id conflict
 * is a 409, or, when `conflict_is_a_race`, a lost race (API_RETRY). */
static api_err resource_apply(const resource *r, api_request *rq, api_response *rs,
                              const cJSON *obj, field_errors *fe, void *row, bool creating,
                              bool conflict_is_a_race, bulk *b, int index, cJSON **rendered)
{
    api_err err = r->read(rq, rs, obj, fe, row, creating);
    if (err != API_OK)
        return err;
    if (fe->count)
        return api_fail(rs, API_INVALID, arena_printf(rq->arena, "the %s is invalid", r->singular));
    store_rc rc = b ? bulk_stage(b, index, row, creating) : r->write(rq, row, creating);
    /* A collection entry found nothing by its remote_id, yet its insert
     * conflicts: a concurrent request created it meanwhile (PostgreSQL).
     * Run the request again: the entry then updates that row. */
    if (rc == STORE_CONFLICT && conflict_is_a_race)
        return api_fail(rs, API_RETRY, "a concurrent request created this object");
    if (rc == STORE_CONFLICT) {
        fields_error(fe, "remote_id", "is already in use");
        return api_fail(rs, API_CONFLICT, "remote_id is already in use");
    }
    if (rc != STORE_OK)
        return api_from_store(rs, rc, r->missing);
    if (b)
        return API_OK;
    *rendered = r->render(row);
    return *rendered ? API_OK : api_fail(rs, API_INTERNAL, NULL);
}

/* Finds the row a collection entry names (by id, else by non-blank
 * remote_id) into row, from the store or, with `b`, from what the entries
 * before it left there (bulk.c); *found tells whether it exists.  An id that
 * names nothing is a field error. */
static api_err resource_match(const resource *r, api_request *rq, api_response *rs,
                              const cJSON *entry, field_errors *fe, bulk *b, void *row, bool *found)
{
    object_ref ref = {0};
    const char *remote = NULL;
    bool named = false;
    *found = false;
    if (fields_int(entry, "id", fe, &ref.id) == FIELD_SET) {
        named = true;
    } else if (fields_string(entry, "remote_id", fe, &remote) == FIELD_SET && *remote) {
        ref.remote_id = remote;
        named = true;
    }
    if (fe->count || !named)
        return API_OK;
    store_rc rc = b ? bulk_get(b, &ref, row) : r->get(rq, &ref, row);
    if (rc == STORE_OK)
        *found = true;
    else if (rc != STORE_NOT_FOUND)
        return api_from_store(rs, rc, r->missing);
    else if (!ref.remote_id)
        fields_error(fe, "id", arena_printf(rq->arena, "no %s here has this id", r->singular));
    return API_OK;
}

/* A collection entry that asks for deletion (r->deletes): the row it
 * matched becomes a tombstone, as with DELETE, rendered as such (with `b`,
 * staged as entry `index`, bulk.c).  An entry that matches no live row is
 * refused, as DELETE answers 404: by id that is resource_match's error, here
 * by remote_id or by naming nothing. */
static api_err resource_remove_matched(const resource *r, api_request *rq, api_response *rs,
                                       const cJSON *entry, field_errors *fe, bulk *b, int index,
                                       void *row, bool found, cJSON **rendered)
{
    assert(r->remove);
    if (!found) {
        const char *remote = NULL;
        if (fields_string(entry, "remote_id", fe, &remote) == FIELD_SET && *remote)
            fields_error(
                fe, "remote_id",
                arena_printf(rq->arena, "no %s here has this remote_id to delete", r->singular));
        else
            fields_error(fe, "status", "deleting needs the id or remote_id of what to delete");
        return api_fail(rs, API_INVALID, NULL);
    }
    if (b) {
        bulk_remove(b, index, row);
        return API_OK;
    }
    store_rc rc = r->remove(rq, row);
    if (rc != STORE_OK)
        return api_from_store(rs, rc, r->missing);
    *rendered = r->render(row);
    return *rendered ? API_OK : api_fail(rs, API_INTERNAL, NULL);
}

api_err handler_begin(api_request *rq, api_response *rs)
{
    store_rc rc = store_begin(rq->store);
    if (rc != STORE_OK)
        return api_from_store(rs, rc, "not found"); /* store_begin: never NOT_FOUND */
    rq->now = clock_unix_seconds();
    return API_OK;
}

api_err handler_finish(api_request *rq, api_response *rs, api_err err)
{
    if (err == API_OK && clock_unix_seconds() - rq->now >= SINCE_MARGIN)
        err = api_fail(rs, API_RETRY, "the write took too long, retry later");
    if (err == API_OK) {
        store_rc rc = store_commit(rq->store);
        if (rc == STORE_OK)
            return API_OK;
        err = api_from_store(rs, rc, "not found"); /* store_commit: never NOT_FOUND */
    }
    store_rollback(rq->store);
    return err;
}

/* Create (ref NULL) or update (ref) of one object in one transaction. */
static api_err resource_save(const resource *r, api_request *rq, api_response *rs,
                             const object_ref *ref)
{
    assert(r);
    const cJSON *obj = NULL;
    cJSON *rendered = NULL;
    field_errors fe = {.arena = rq->arena, .prefix = ""};
    api_err err = handler_body_object(rq, rs, r->singular, &obj);
    if (err != API_OK)
        return err;
    void *row = arena_calloc(rq->arena, 1, r->row_size);
    if (!row)
        return api_fail(rs, API_INTERNAL, NULL);
    err = handler_begin(rq, rs);
    if (err != API_OK)
        return err;
    store_rc rc = STORE_OK;
    if (ref) {
        rc = r->get(rq, ref, row);
        err = rc == STORE_OK ? API_OK : api_from_store(rs, rc, r->missing);
    } else {
        r->init(rq, row);
    }
    if (err == API_OK)
        err = resource_apply(r, rq, rs, obj, &fe, row, ref == NULL, false, NULL, 0, &rendered);
    err = handler_finish(rq, rs, err);
    if (err != API_OK) {
        cJSON_Delete(rendered);
        return handler_fail_fields(rs, &fe, err, rs->message);
    }
    return handler_render_single(rs, r->singular, rendered, ref ? API_RENDERED : API_CREATED);
}

api_err handler_list(api_request *rq, api_response *rs)
{
    const resource *r = rq->resource;
    assert(r);
    list_query q;
    void *rows = NULL;
    size_t n = 0;
    api_err err = handler_list_query(rq, rs, &q, r->paged_by_default, r->has_window);
    if (err != API_OK)
        return err;
    store_rc rc = r->list(rq, &q, &rows, &n, &rs->total);
    if (rc != STORE_OK)
        return api_from_store(rs, rc, r->missing);
    cJSON *list = NULL;
    rs->body = render_list_envelope(r->plural, &list);
    if (!rs->body)
        return api_fail(rs, API_INTERNAL, NULL);
    for (size_t i = 0; i < n; i++) {
        const void *row = (const char *)rows + i * r->row_size;
        if (!render_append_wrapped(list, r->singular, r->render(row)))
            return api_fail(rs, API_INTERNAL, NULL);
    }
    rs->has_total = true;
    return API_OK;
}

api_err handler_create(api_request *rq, api_response *rs)
{
    return resource_save(rq->resource, rq, rs, NULL);
}

api_err handler_update(api_request *rq, api_response *rs)
{
    return resource_save(rq->resource, rq, rs, &rq->ref);
}

api_err handler_get(api_request *rq, api_response *rs)
{
    const resource *r = rq->resource;
    assert(r);
    void *row = arena_calloc(rq->arena, 1, r->row_size);
    if (!row)
        return api_fail(rs, API_INTERNAL, NULL);
    store_rc rc = r->get(rq, &rq->ref, row);
    if (rc != STORE_OK)
        return api_from_store(rs, rc, r->missing);
    return handler_render_single(rs, r->singular, r->render(row), API_RENDERED);
}

api_err handler_delete(api_request *rq, api_response *rs)
{
    const resource *r = rq->resource;
    assert(r && r->remove);
    void *row = arena_calloc(rq->arena, 1, r->row_size);
    if (!row)
        return api_fail(rs, API_INTERNAL, NULL);
    api_err err = handler_begin(rq, rs);
    if (err != API_OK)
        return err;
    store_rc rc = r->get(rq, &rq->ref, row);
    if (rc == STORE_OK)
        rc = r->remove(rq, row);
    err = handler_finish(rq, rs, rc == STORE_OK ? API_OK : api_from_store(rs, rc, r->missing));
    if (err != API_OK)
        return err;
    rs->outcome = API_EMPTY;
    return API_OK;
}

/* At most this many field errors are listed for a refused collection. */
#define COLLECTION_MAX_ERRORS 100

/* The answer to a collection with `refused` bad entries, whose problems are
 * in fe->errors in input order: the first COLLECTION_MAX_ERRORS are listed,
 * and the message says how many were left out.  (Below the limit the
 * message holds no number: errors name the entries, and a number in a
 * message could be read as an id.) */
static api_err collection_refused(api_request *rq, api_response *rs, field_errors *fe,
                                  api_err refusal, int refused)
{
    int total = fe->errors ? cJSON_GetArraySize(fe->errors) : 0;
    for (int n = total; n > COLLECTION_MAX_ERRORS; n--)
        cJSON_Delete(cJSON_DetachItemViaPointer(fe->errors, fe->errors->child->prev));
    const char *message =
        total > COLLECTION_MAX_ERRORS
            ? arena_printf(rq->arena,
                           "%d entries of the collection were refused; only the first %d of "
                           "%d errors are listed",
                           refused, COLLECTION_MAX_ERRORS, total)
        : refused == 1 ? "an entry of the collection was refused"
                       : "entries of the collection were refused";
    return handler_fail_fields(rs, fe, refusal, message);
}

/* Runs a collection's entries in order inside the open transaction, each
 * written at once and its rendering appended to list, or, with `b`, staged
 * (bulk.c: bulk_finish writes and renders them).  A refused entry does not
 * stop the others from being checked; the answer then lists their problems
 * (API_INVALID or API_CONFLICT, the first refused entry's).  Anything else
 * ends the run. */
static api_err collection_entries(const resource *r, api_request *rq, api_response *rs,
                                  const cJSON *items, bulk *b, cJSON *list)
{
    void *row = arena_calloc(rq->arena, 1, r->row_size);
    if (!row)
        return api_fail(rs, API_INTERNAL, NULL);
    api_err err = API_OK;
    field_errors fe = {.arena = rq->arena};
    api_err refusal = API_OK; /* the first entry refused: its status answers */
    int refused = 0, index = 0;
    const cJSON *item = NULL;
    cJSON_ArrayForEach(item, items)
    {
        const cJSON *entry = fields_unwrap(item, r->singular);
        cJSON *rendered = NULL;
        bool found = false;
        fe.count = 0; /* this entry's problems; fe.errors keeps them all */
        fe.prefix = arena_printf(rq->arena, "%s[%d].", r->plural, index);
        if (!fe.prefix) {
            err = api_fail(rs, API_INTERNAL, NULL);
            break;
        }
        memset(row, 0, r->row_size);
        const bool deleting = entry && r->deletes && r->deletes(entry);
        if (!entry) {
            bool wrapped = cJSON_GetObjectItemCaseSensitive(item, r->singular) != NULL;
            fe.prefix = "";
            fields_error(&fe,
                         arena_printf(rq->arena, "%s[%d]%s%s", r->plural, index, wrapped ? "." : "",
                                      wrapped ? r->singular : ""),
                         "must be an object");
            err = api_fail(rs, API_INVALID, NULL);
        } else {
            err = resource_match(r, rq, rs, entry, &fe, b, row, &found);
        }
        if (err == API_OK && fe.count)
            err = api_fail(rs, API_INVALID, NULL);
        if (err == API_OK && deleting)
            err = resource_remove_matched(r, rq, rs, entry, &fe, b, index, row, found, &rendered);
        if (err == API_OK && !deleting && !found)
            r->init(rq, row);
        if (err == API_OK && !deleting)
            err = resource_apply(r, rq, rs, entry, &fe, row, !found, !found, b, index, &rendered);
        if (err == API_OK && !b && !render_append_wrapped(list, r->singular, rendered))
            err = api_fail(rs, API_INTERNAL, NULL);
        /* A refused entry does not stop the others from being checked (and
         * written: the transaction is rolled back), so that every bad entry
         * is reported; anything else ends the request. */
        if (err == API_INVALID || err == API_CONFLICT) {
            refused++;
            if (refusal == API_OK)
                refusal = err;
            err = API_OK;
        } else if (err != API_OK) {
            break;
        }
        index++;
    }
    if (err == API_OK && refusal != API_OK)
        err = collection_refused(rq, rs, &fe, refusal, refused);
    cJSON_Delete(fe.errors);
    return err;
}

/* Writes the collection in bulk (bulk.c), or entry by entry when the
 * resource has no bulk operations or only that can name the entries at
 * fault; *env is the answer's envelope, made anew for a second run. */
static api_err collection_write(const resource *r, api_request *rq, api_response *rs,
                                const cJSON *items, cJSON **env, cJSON **list)
{
    bulk *b = NULL;
    api_err err = bulk_start(r, rq, rs, items, &b);
    if (err == API_OK)
        err = collection_entries(r, rq, rs, items, b, *list);
    if (!b || (err != API_OK && err != API_INVALID && err != API_CONFLICT))
        return err;
    /* Refused entries: the rows of the others are still written (and
     * rolled back), to learn whether the database refuses one of them too,
     * as entry by entry would report. */
    const bool refused = err != API_OK;
    store_rc rc = bulk_finish(b, refused ? NULL : *list);
    if (rc == STORE_OK)
        return err;
    if (rc != STORE_CONFLICT && rc != STORE_NOT_FOUND)
        return api_from_store(rs, rc, r->missing);
    /* a row no entry named is in the way: run again entry by entry, from a
     * new transaction (and stamp), to learn which entries it refuses */
    store_rollback(rq->store);
    rq->prefetched = NULL;
    cJSON_Delete(rs->errors);
    rs->errors = NULL;
    rs->message = NULL;
    cJSON_Delete(*env);
    *env = render_list_envelope(r->plural, list);
    if (!*env)
        return api_fail(rs, API_INTERNAL, NULL);
    err = handler_begin(rq, rs);
    if (err == API_OK)
        err = collection_entries(r, rq, rs, items, NULL, *list);
    return err;
}

api_err handler_collection(api_request *rq, api_response *rs)
{
    const resource *r = rq->resource;
    assert(r);
    if (!rq->body)
        return api_fail(rs, API_BAD_REQUEST, "a request body is required");
    const char *envelope = arena_printf(rq->arena, "%s_collection", r->plural);
    if (!envelope)
        return api_fail(rs, API_INTERNAL, NULL);
    const cJSON *coll = fields_unwrap(rq->body, envelope);
    const cJSON *items = coll ? cJSON_GetObjectItemCaseSensitive(coll, r->plural) : NULL;
    if (!cJSON_IsArray(items)) {
        api_field_error(rs, r->plural, "must be a list");
        return api_fail(rs, API_INVALID, "the collection has no list of entries");
    }
    if (cJSON_GetArraySize(items) > rq->limits->max_collection)
        return api_fail(rs, API_TOO_LARGE,
                        arena_printf(rq->arena, "a collection may hold at most %lld entries",
                                     (long long)rq->limits->max_collection));

    cJSON *list = NULL;
    cJSON *env = render_list_envelope(r->plural, &list);
    if (!env)
        return api_fail(rs, API_INTERNAL, NULL);
    api_err err = handler_begin(rq, rs);
    if (err == API_OK)
        err = collection_write(r, rq, rs, items, &env, &list);
    rq->prefetched = NULL;
    err = handler_finish(rq, rs, err);
    if (err != API_OK) {
        cJSON_Delete(env);
        return err;
    }
    rs->body = env;
    rs->outcome = API_RENDERED;
    return API_OK;
}
