/* caldav.c - /calendars/{id}/caldav (extension): the calendar's link to a
 * CalDAV collection, read, set and removed as one object:
 *
 *   PUT    {"caldav": {"url": "...", "username": "...", "password": "..."}}
 *   GET    {"caldav": {"url", "username", "state", "paused_reason",
 *           "last_success", "last_error", "last_error_at", "attempts",
 *           "pushed", "pulled", "conflicts", "items", "next_run",
 *           "linked_at"}}   (times: strings of Unix seconds, or null)
 *   DELETE 204
 *   POST   .../caldav/sync: 202 with the link object; the link's push
 *          and pull are due now and the sync worker woken (the request never waits on the
 *          remote: the outcome shows in GET's last_success/last_error)
 *
 * PUT checks the collection with the password before anything is stored,
 * as `agenda caldav link` does (sync/link.h): a URL that is no calendar
 * collection or cannot be reached is a 422 naming `url`, a refused
 * password one naming `password`; a server without a sync key
 * ([sync] key_file) refuses every PUT with a 422.  The check is the one
 * request that waits on a remote, and it runs before the transaction, so
 * no lock is held while it does.  The password is sealed (sync/secret.h)
 * and never rendered, logged or echoed in an error. */
#include <string.h>

#include "api/handler.h"
#include "api/render.h"
#include "api/resources.h"
#include "store/caldav.h"
#include "sync/link.h"
#include "sync/secret.h"
#include "sync/worker.h"

#define NO_LINK "the calendar has no CalDAV link"

/* A time that may be unset (0): a string of seconds, or null. */
static bool render_time(cJSON *o, const char *key, int64_t t)
{
    return t ? render_number_string(o, key, t) : render_null(o, key);
}

static cJSON *link_render(const caldav_link *l, int64_t items)
{
    cJSON *o = cJSON_CreateObject();
    bool ok = o && render_string(o, "url", l->url) && render_string(o, "username", l->username) &&
              render_string(o, "state", l->state) &&
              render_string(o, "paused_reason", l->paused_reason) &&
              render_time(o, "last_success", l->last_success) &&
              render_string(o, "last_error", l->last_error) &&
              render_time(o, "last_error_at", l->last_error_at) &&
              render_number(o, "attempts", l->attempts) && render_number(o, "pushed", l->pushed) &&
              render_number(o, "pulled", l->pulled) &&
              render_number(o, "conflicts", l->conflicts) && render_number(o, "items", items) &&
              render_time(o, "next_run", l->due_at) && render_time(o, "linked_at", l->created_at);
    if (!ok) {
        cJSON_Delete(o);
        return NULL;
    }
    return o;
}

/* Renders the calendar's link with `outcome`, or fails as the store does. */
static api_err link_answer_as(api_request *rq, api_response *rs, api_outcome outcome)
{
    caldav_link l;
    int64_t items = 0;
    store_rc rc = store_caldav_link_get(rq->store, rq->owner_id, rq->arena, &l);
    if (rc == STORE_OK)
        rc = store_caldav_item_count(rq->store, rq->owner_id, &items);
    if (rc != STORE_OK)
        return api_from_store(rs, rc, NO_LINK);
    return handler_render_single(rs, "caldav", link_render(&l, items), outcome);
}

static api_err link_answer(api_request *rq, api_response *rs)
{
    return link_answer_as(rq, rs, API_RENDERED);
}

api_err caldav_get(api_request *rq, api_response *rs)
{
    return link_answer(rq, rs);
}

/* A required one-line text field of at most `max` bytes into *out. */
static void line_read(const cJSON *obj, const char *name, size_t max, field_errors *fe,
                      const char **out)
{
    if (fields_nonblank(obj, name, true, fe, out) != FIELD_SET)
        return;
    if (strlen(*out) > max)
        fields_error(fe, name,
                     max == SECRET_PASSWORD_MAX ? "may be 1024 bytes at most"
                                                : "may be 2048 bytes at most");
    else if (strpbrk(*out, "\r\n"))
        fields_error(fe, name, "must be one line");
}

api_err caldav_put(api_request *rq, api_response *rs)
{
    const cJSON *obj = NULL;
    const char *url = NULL, *username = NULL, *password = NULL;
    field_errors fe = {.arena = rq->arena, .prefix = ""};
    api_err err = handler_body_object(rq, rs, "caldav", &obj);
    if (err != API_OK)
        return err;
    if (!rq->settings || !rq->settings->sync_key)
        return api_fail(rs, API_INVALID,
                        "this server has no sync key ([sync] key_file): CalDAV links are refused");
    line_read(obj, "url", 2048, &fe, &url);
    line_read(obj, "username", 2048, &fe, &username);
    line_read(obj, "password", SECRET_PASSWORD_MAX, &fe, &password);
    link_check check = {0};
    if (!fe.count && !link_check_collection(url, username, password, rq->arena, &check))
        fields_error(&fe, check.problem == LINK_REFUSED_AUTH ? "password" : "url", check.message);
    if (fe.count)
        return handler_fail_fields(rs, &fe, API_INVALID, "the CalDAV link is refused");
    caldav_link l = {.calendar_id = rq->owner_id,
                     .url = url,
                     .username = username,
                     .password_sealed = secret_seal(rq->settings->sync_key, password, rq->arena),
                     .sync_collection = check.sync_collection};
    if (!l.password_sealed)
        return api_fail(rs, API_INTERNAL, "out of memory");
    err = handler_begin(rq, rs);
    if (err != API_OK)
        return err;
    store_rc rc = store_caldav_link_set(rq->store, &l, rq->now);
    if (rc != STORE_OK)
        err = api_from_store(rs, rc, "calendar not found");
    err = handler_finish(rq, rs, err);
    if (err != API_OK)
        return err;
    cJSON_Delete(fe.errors);
    return link_answer(rq, rs);
}

api_err caldav_delete(api_request *rq, api_response *rs)
{
    store_rc rc = store_caldav_unlink(rq->store, rq->owner_id);
    if (rc != STORE_OK)
        return api_from_store(rs, rc, NO_LINK);
    rs->outcome = API_EMPTY;
    return API_OK;
}

api_err caldav_sync(api_request *rq, api_response *rs)
{
    store_rc rc = store_caldav_pull_now(rq->store, rq->owner_id, rq->now);
    if (rc != STORE_OK)
        return api_from_store(rs, rc, NO_LINK);
    sync_wake();
    return link_answer_as(rq, rs, API_ACCEPTED);
}
