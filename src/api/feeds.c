/* feeds.c - a calendar's outgoing iCalendar feed (README "The calendar
 * feed"): the feed itself, public, opened by its secret token, and the
 * routes that make, show and revoke that secret.
 *
 *   GET /calendars/{id}/feed.ics?token=SECRET       (OWNER_PUBLIC)
 *
 * answers the calendar (sync/feed.c) as text/calendar with an ETag (a hash
 * of what the text is made of) and Last-Modified (the newest change shown),
 * and 304 with no body to a matching If-None-Match, or, without one, to an
 * If-Modified-Since at or after Last-Modified (RFC 9110 13.2.2's order):
 * both are decided from the rows read, before any rendering.  A missing, wrong or
 * revoked token, another calendar's token and a calendar that does not
 * exist all answer the same 404 (the API's JSON error): the answer tells
 * nothing but "no".
 *
 *   POST   /calendars/{id}/feed   {"feed": {"patient_names": false}} (optional)
 *   GET    /calendars/{id}/feed
 *   DELETE /calendars/{id}/feed
 *
 * POST gives the calendar's feed a new token (making the feed when there is
 * none) and answers it once, with the feed's address, 201:
 *   {"feed": {"token": "...", "url": "https://.../api/v2/calendars/7/feed.ics?token=...",
 *             "patient_names": false, "created_at": "1417680000",
 *             "rotated_at": "1417682400"}}
 * the previous token stops working at once; patient_names, when given, sets
 * the option (otherwise it stays as it was, off for a new feed).  The url is
 * absolute when [server] public_url is set, else a path.  GET shows the
 * feed without its token (which is not stored: only its hash is); DELETE
 * revokes it (204).  Both answer 404 when the calendar has no feed. */
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "api/handler.h"
#include "api/render.h"
#include "api/resources.h"
#include "sync/feed.h"
#include "util/token.h"

#define NO_FEED       "the calendar has no feed"
#define FEED_NOT_OPEN "feed not found"

static cJSON *feed_render_json(const calendar_feed *f, const char *token, const char *url)
{
    cJSON *o = cJSON_CreateObject();
    bool ok = o && (!token || render_string(o, "token", token)) &&
              (!url || render_string(o, "url", url)) &&
              render_bool(o, "patient_names", f->patient_names) &&
              render_number_string(o, "created_at", f->created_at) &&
              render_number_string(o, "rotated_at", f->rotated_at);
    if (!ok) {
        cJSON_Delete(o);
        return NULL;
    }
    return o;
}

api_err feed_create(api_request *rq, api_response *rs)
{
    feed_names names = FEED_NAMES_KEEP;
    if (rq->body) {
        const cJSON *obj = NULL;
        field_errors fe = {.arena = rq->arena, .prefix = ""};
        bool on = false;
        api_err err = handler_body_object(rq, rs, "feed", &obj);
        if (err != API_OK)
            return err;
        if (fields_bool(obj, "patient_names", &fe, &on) == FIELD_SET)
            names = on ? FEED_NAMES_ON : FEED_NAMES_OFF;
        if (fe.count)
            return handler_fail_fields(rs, &fe, API_INVALID, "the feed is invalid");
    }
    char token[TOKEN_CHARS + 1];
    calendar_feed f;
    store_rc rc = feed_issue(rq->store, rq->owner_id, names, rq->now, token, &f);
    if (rc != STORE_OK)
        return api_from_store(rs, rc, "calendar not found");
    const char *base = rq->settings && rq->settings->public_url ? rq->settings->public_url : "";
    const char *url = arena_printf(rq->arena, "%s/api/v2/calendars/%lld/feed.ics?token=%s", base,
                                   (long long)rq->owner_id, token);
    const char *shown = arena_strdup(rq->arena, token);
    if (!url || !shown)
        return api_fail(rs, API_INTERNAL, "out of memory");
    return handler_render_single(rs, "feed", feed_render_json(&f, shown, url), API_CREATED);
}

api_err feed_get(api_request *rq, api_response *rs)
{
    calendar_feed f;
    store_rc rc = store_feed_get(rq->store, rq->owner_id, &f);
    if (rc != STORE_OK)
        return api_from_store(rs, rc, NO_FEED);
    return handler_render_single(rs, "feed", feed_render_json(&f, NULL, NULL), API_RENDERED);
}

api_err feed_delete(api_request *rq, api_response *rs)
{
    store_rc rc = store_feed_remove(rq->store, rq->owner_id);
    if (rc != STORE_OK)
        return api_from_store(rs, rc, NO_FEED);
    rs->outcome = API_EMPTY;
    return API_OK;
}

/* An HTTP-date (IMF-fixdate, RFC 9110 5.6.7) as Unix seconds; false when
 * `s` is not one (a malformed date is ignored, as the RFC asks). */
static bool http_date(const char *s, int64_t *out)
{
    struct tm tm = {0};
    const char *end = s ? strptime(s, "%a, %d %b %Y %H:%M:%S GMT", &tm) : NULL;
    if (!end || *end)
        return false;
    *out = (int64_t)timegm(&tm);
    return true;
}

api_err feed_ics(api_request *rq, api_response *rs)
{
    calendar_feed f;
    const char *token = rq->query(rq->query_ctx, "token");
    store_rc rc = feed_open(rq->store, rq->owner_id, token, &f);
    if (rc != STORE_OK)
        return api_from_store(rs, rc, FEED_NOT_OPEN);
    feed_state state;
    rc = feed_load(rq->store, &f, rq->now, rq->arena, &state);
    if (rc != STORE_OK) /* the feed was there a moment ago: only a race */
        return api_from_store(rs, rc, FEED_NOT_OPEN);
    rs->etag = state.etag;
    rs->last_modified = state.last_modified;
    const char *inm = rq->header ? rq->header(rq->header_ctx, "If-None-Match") : NULL;
    const char *ims = rq->header ? rq->header(rq->header_ctx, "If-Modified-Since") : NULL;
    int64_t since = 0;
    if (inm ? feed_etag_matches(inm, state.etag)
            : http_date(ims, &since) && state.last_modified <= since) {
        rs->outcome = API_NOT_MODIFIED; /* decided without rendering */
        return API_OK;
    }
    const char *why = NULL;
    rs->text = feed_render(&state.doc, rq->arena, &why);
    if (!rs->text) {
        fprintf(stderr, "agenda: feed of calendar %lld: %s\n", (long long)rq->owner_id, why);
        return api_fail(rs, API_INTERNAL, NULL);
    }
    rs->outcome = API_TEXT;
    rs->content_type = "text/calendar; charset=utf-8";
    return API_OK;
}
