/* messages.c - what was sent to patients and what they answered
 * (extension), read only:
 *
 *   GET /calendars/{id}/appointments/{ref}/messages   one appointment's
 *       messages, by due time, and whether the patient confirmed it:
 *       {"messages": [{"message": {...}}], "confirmed_at": "1700000000"}
 *   GET /centers/{id}/messages[?state=failed]         the center's, newest
 *       due first, pages of 1,000 (X-Total-Count)
 *   GET /centers/{id}/replies[?outcome=unclear]       the SMS replies of
 *       its patients, newest first, pages of 1,000 (X-Total-Count)
 *
 * {ref} is found as GET of the appointment finds it (a platform id or
 * remote_id:X of a live appointment of the calendar, else 404).  Times are
 * strings of Unix seconds like the appointments', null when there is none;
 * ids of messages and replies are numbers like absences', appointment ids
 * strings like the appointment's own.  A message's channel is "any" while
 * a notice waits: it is resolved when it is sent.  Confirmation state and
 * messages are only here: the documented appointment object gains no
 * field. */
#include <string.h>

#include "api/handler.h"
#include "api/render.h"
#include "api/resources.h"

/* A time that may be unset (0): a string of seconds, or null. */
static bool render_time(cJSON *o, const char *key, int64_t t)
{
    return t ? render_number_string(o, key, t) : render_null(o, key);
}

/* A text that may be unset or empty: the text, or null. */
static bool render_text(cJSON *o, const char *key, const char *s)
{
    return render_string(o, key, s && *s ? s : NULL);
}

static cJSON *message_render(const message *m)
{
    cJSON *o = cJSON_CreateObject();
    bool ok =
        o && render_number(o, "id", m->id) &&
        render_number_string(o, "appointment_id", m->appointment_id) &&
        render_string(o, "kind", m->kind) && render_string(o, "channel", m->channel) &&
        render_text(o, "rule", m->rule) && render_text(o, "recipient", m->recipient) &&
        render_text(o, "language", m->language) && render_number_string(o, "due_at", m->due_at) &&
        render_string(o, "state", m->state) && render_number(o, "attempts", m->attempts) &&
        render_text(o, "last_error", m->last_error) && render_time(o, "sent_at", m->sent_at) &&
        render_time(o, "delivered_at", m->delivered_at);
    if (!ok) {
        cJSON_Delete(o);
        return NULL;
    }
    return o;
}

static cJSON *reply_render(const sms_reply *r)
{
    cJSON *o = cJSON_CreateObject();
    bool ok = o && render_number(o, "id", r->id) &&
              (r->appointment_id ? render_number_string(o, "appointment_id", r->appointment_id)
                                 : render_null(o, "appointment_id")) &&
              render_string(o, "from", r->from_number) && render_string(o, "body", r->body) &&
              render_string(o, "outcome", r->outcome) &&
              render_number_string(o, "received_at", r->received_at);
    if (!ok) {
        cJSON_Delete(o);
        return NULL;
    }
    return o;
}

/* {"messages": [...]} of rows[0..n), in rs->body. */
static api_err messages_answer(api_response *rs, const message *rows, size_t n)
{
    cJSON *list = NULL;
    rs->body = render_list_envelope("messages", &list);
    if (!rs->body)
        return api_fail(rs, API_INTERNAL, NULL);
    for (size_t i = 0; i < n; i++)
        if (!render_append_wrapped(list, "message", message_render(&rows[i])))
            return api_fail(rs, API_INTERNAL, NULL);
    return API_OK;
}

api_err appointment_messages_list(api_request *rq, api_response *rs)
{
    appointment ap;
    message *rows = NULL;
    size_t n = 0;
    int64_t confirmed_at = 0;
    store_rc rc = store_appointment_get(rq->store, rq->owner_id, &rq->ref, rq->arena, &ap);
    if (rc == STORE_OK)
        rc = store_message_list_for_appointment(rq->store, ap.id, rq->arena, &rows, &n);
    if (rc == STORE_OK)
        rc = store_appointment_confirmed_at(rq->store, ap.id, &confirmed_at);
    if (rc != STORE_OK)
        return api_from_store(rs, rc, "appointment not found");
    api_err err = messages_answer(rs, rows, n);
    if (err == API_OK && !render_time(rs->body, "confirmed_at", confirmed_at))
        err = api_fail(rs, API_INTERNAL, NULL);
    return err;
}

/* The value of query parameter `name` when it is one of `allowed` (NULL
 * when absent); false after a 400 detail naming it otherwise. */
static bool query_choice(api_request *rq, api_response *rs, const char *name,
                         const char *const *allowed, const char *list, const char **out)
{
    const char *v = rq->query(rq->query_ctx, name);
    *out = NULL;
    if (!v)
        return true;
    for (size_t i = 0; allowed[i]; i++) {
        if (strcmp(v, allowed[i]) == 0) {
            *out = allowed[i];
            return true;
        }
    }
    api_field_error(rs, name, arena_printf(rq->arena, "must be one of %s", list));
    return false;
}

api_err center_messages_list(api_request *rq, api_response *rs)
{
    static const char *const states[] = {"pending", "sent",    "delivered", "undelivered",
                                         "failed",  "skipped", "cancelled", NULL};
    list_query q;
    const char *state = NULL;
    message *rows = NULL;
    size_t n = 0;
    api_err err = handler_list_query(rq, rs, &q, true, false);
    if (err != API_OK)
        return err;
    if (!query_choice(rq, rs, "state", states,
                      "pending, sent, delivered, undelivered, failed, skipped, cancelled", &state))
        return api_fail(rs, API_BAD_REQUEST, "invalid query parameters");
    store_rc rc = store_message_page_for_center(rq->store, rq->owner_id, state, &q, rq->arena,
                                                &rows, &n, &rs->total);
    if (rc != STORE_OK)
        return api_from_store(rs, rc, "center not found"); /* a list: never NOT_FOUND */
    rs->has_total = true;
    return messages_answer(rs, rows, n);
}

api_err center_replies_list(api_request *rq, api_response *rs)
{
    static const char *const outcomes[] = {"confirmed", "cancelled", "unclear", NULL};
    list_query q;
    const char *outcome = NULL;
    sms_reply *rows = NULL;
    size_t n = 0;
    api_err err = handler_list_query(rq, rs, &q, true, false);
    if (err != API_OK)
        return err;
    if (!query_choice(rq, rs, "outcome", outcomes, "confirmed, cancelled, unclear", &outcome))
        return api_fail(rs, API_BAD_REQUEST, "invalid query parameters");
    store_rc rc =
        store_reply_list(rq->store, rq->owner_id, outcome, &q, rq->arena, &rows, &n, &rs->total);
    if (rc != STORE_OK)
        return api_from_store(rs, rc, "center not found"); /* a list: never NOT_FOUND */
    rs->has_total = true;
    cJSON *list = NULL;
    rs->body = render_list_envelope("replies", &list);
    if (!rs->body)
        return api_fail(rs, API_INTERNAL, NULL);
    for (size_t i = 0; i < n; i++)
        if (!render_append_wrapped(list, "reply", reply_render(&rows[i])))
            return api_fail(rs, API_INTERNAL, NULL);
    return API_OK;
}
