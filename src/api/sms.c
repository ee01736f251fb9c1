/* sms.c - the SMS gateway's callbacks (extension, public: no user):
 *
 *   POST /sms/status   a delivery receipt: MessageSid, MessageStatus
 *   POST /sms/inbound  a patient's reply: From, Body
 *
 * Both are Twilio's form posts, signed with its X-Twilio-Signature
 * (notify/signature.h) under the configured [sms] secret over the URL the
 * gateway called: [server] public_url followed by the request target as
 * sent (path and query), or, without public_url, http://HOST followed by it
 * (HOST from the Host header).  No secret, no or a wrong signature: 403 and
 * nothing changes.  A signed request is answered 200 with an empty TwiML
 * document whatever it said (an unknown message, a status that is not a
 * delivery state, a reply nobody matches), so the gateway does not retry
 * it; only a store failure answers otherwise (503: a retry may succeed).
 *
 * Receipts move a message forward only (store_message_receipt): sent,
 * delivered, undelivered, failed; queued and Twilio's other statuses are
 * not delivery states and change nothing.
 *
 * Replies, in one transaction (a lost race runs it again): the sender is
 * matched to the appointments an SMS reminder was sent for
 * (store_reply_candidates), by E.164 numbers (notify/phone.h, each number
 * read in the candidate center's country); the reply answers the matching
 * appointment that starts first.  Two matching appointments starting at
 * the same time (a parent's number on two children's files) cannot be told
 * apart: the reply is then unclear.  notify/reply.h reads the keyword: yes
 * records the confirmation (store_appointment_confirm), no cancels the
 * appointment as a PUT with status cancelled does (store_appointment_update
 * stamped with the request's time: `since` pollers see it, the slot is
 * free, and the outbox plans the cancellation notice), anything else is
 * unclear.  Every reply is kept (sms_replies) with its outcome, under the
 * matched appointment's center; one that matched nothing has no center and
 * shows in no list. */
#include <stdio.h>
#include <string.h>

#include "api/handler.h"
#include "api/resources.h"
#include "notify/phone.h"
#include "notify/reply.h"
#include "notify/signature.h"

#define TWIML_EMPTY "<Response/>"

/* The first value of form field `name`, or NULL. */
static const char *form_get(const api_request *rq, const char *name)
{
    for (size_t i = 0; i < rq->n_form; i++)
        if (strcmp(rq->form[i].name, name) == 0)
            return rq->form[i].value;
    return NULL;
}

/* API_OK when the request carries a valid X-Twilio-Signature under the
 * configured secret, else API_FORBIDDEN (or API_INTERNAL without memory). */
static api_err signature_check(api_request *rq, api_response *rs)
{
    const char *secret = rq->settings ? rq->settings->sms_secret : NULL;
    if (!secret || !*secret)
        return api_fail(rs, API_FORBIDDEN, "SMS callbacks are refused: no [sms] secret is set");
    const char *url = NULL;
    if (rq->settings->public_url) {
        url = arena_printf(rq->arena, "%s%s", rq->settings->public_url, rq->target);
    } else {
        const char *host = rq->header(rq->header_ctx, "Host");
        url = host ? arena_printf(rq->arena, "http://%s%s", host, rq->target) : "";
    }
    signature_param *params = arena_calloc(rq->arena, rq->n_form + 1, sizeof *params);
    if (!url || !params)
        return api_fail(rs, API_INTERNAL, NULL);
    for (size_t i = 0; i < rq->n_form; i++)
        params[i] = (signature_param){.name = rq->form[i].name, .value = rq->form[i].value};
    const char *signature = rq->header(rq->header_ctx, "X-Twilio-Signature");
    if (!*url || !signature_twilio_valid(secret, url, params, rq->n_form, signature))
        return api_fail(rs, API_FORBIDDEN, "the request's X-Twilio-Signature is missing or wrong");
    return API_OK;
}

/* The answer to every signed request: an empty TwiML document. */
static api_err twiml_answer(api_response *rs)
{
    rs->outcome = API_TEXT;
    rs->text = TWIML_EMPTY;
    rs->content_type = "text/xml";
    return API_OK;
}

api_err sms_status(api_request *rq, api_response *rs)
{
    static const char *const delivery[] = {"sent", "delivered", "undelivered", "failed"};
    api_err err = signature_check(rq, rs);
    if (err != API_OK)
        return err;
    const char *sid = form_get(rq, "MessageSid");
    const char *status = form_get(rq, "MessageStatus");
    if (!sid)
        sid = form_get(rq, "SmsSid"); /* Twilio's older names */
    if (!status)
        status = form_get(rq, "SmsStatus");
    bool is_delivery = false;
    for (size_t i = 0; status && i < sizeof delivery / sizeof delivery[0]; i++)
        is_delivery |= strcmp(status, delivery[i]) == 0;
    if (sid && *sid && is_delivery) {
        store_rc rc = store_message_receipt(rq->store, sid, status, rq->now);
        if (rc != STORE_OK && rc != STORE_NOT_FOUND) /* an unknown sid changes nothing */
            return api_from_store(rs, rc, "message not found");
    }
    return twiml_answer(rs);
}

/* What the sender matched among the candidates. */
typedef struct reply_match {
    const reply_candidate *first; /* the matching appointment starting first, or NULL */
    bool ambiguous;               /* another one starts at the same time */
    bool same_center;             /* ... and all of them are of first's center */
} reply_match;

/* Matches `from` against the candidates (sorted by start). */
static reply_match match_sender(const char *from, const reply_candidate *c, size_t n)
{
    reply_match m = {.same_center = true};
    char from_e164[PHONE_E164_MAX] = "", from_country[3] = "";
    for (size_t i = 0; i < n; i++) {
        char patient[PHONE_E164_MAX];
        if (m.first && c[i].start != m.first->start)
            break; /* only ties with the first can make it ambiguous */
        const char *country = c[i].country ? c[i].country : "";
        if (strcmp(country, from_country) != 0) { /* read From in this country */
            snprintf(from_country, sizeof from_country, "%s", country);
            if (!phone_to_e164(from, country, from_e164))
                from_e164[0] = '\0';
        }
        if (!from_e164[0] || !phone_to_e164(c[i].phone_number, country, patient) ||
            strcmp(patient, from_e164) != 0)
            continue;
        if (!m.first) {
            m.first = &c[i];
        } else {
            m.ambiguous = true;
            m.same_center &= c[i].center_id == m.first->center_id;
        }
    }
    return m;
}

/* Cancels the appointment as a PUT with status cancelled would. */
static store_rc cancel_appointment(api_request *rq, const reply_candidate *c)
{
    appointment ap;
    object_ref ref = {.id = c->appointment_id};
    store_rc rc = store_appointment_get(rq->store, c->calendar_id, &ref, rq->arena, &ap);
    if (rc != STORE_OK)
        return rc;
    ap.status = APPT_CANCELLED;
    ap.updated_at = rq->now;
    return store_appointment_update(rq->store, &ap);
}

api_err sms_inbound(api_request *rq, api_response *rs)
{
    api_err err = signature_check(rq, rs);
    if (err != API_OK)
        return err;
    const char *from = form_get(rq, "From");
    const char *body = form_get(rq, "Body");
    sms_reply reply = {
        .from_number = from ? from : "", .body = body ? body : "", .outcome = "unclear"};
    char e164[PHONE_E164_MAX];
    if (phone_to_e164(reply.from_number, NULL, e164))
        reply.from_number = arena_strdup(rq->arena, e164);
    if (!reply.from_number)
        return api_fail(rs, API_INTERNAL, NULL);
    const reply_intent intent = reply_intent_of(reply.body);

    err = handler_begin(rq, rs);
    if (err != API_OK)
        return err;
    reply_candidate *candidates = NULL;
    size_t n = 0;
    reply.received_at = rq->now;
    store_rc rc = store_reply_candidates(rq->store, rq->now, rq->arena, &candidates, &n);
    reply_match m = {0};
    if (rc == STORE_OK && from)
        m = match_sender(from, candidates, n);
    if (rc == STORE_OK && m.first && !m.ambiguous) {
        reply.center_id = m.first->center_id;
        reply.appointment_id = m.first->appointment_id;
        if (intent == REPLY_CONFIRM) {
            rc = store_appointment_confirm(rq->store, m.first->appointment_id, rq->now);
            reply.outcome = "confirmed";
        } else if (intent == REPLY_CANCEL) {
            rc = cancel_appointment(rq, m.first);
            reply.outcome = "cancelled";
        }
    } else if (m.first && m.same_center) {
        reply.center_id = m.first->center_id; /* the practice reads it */
    }
    if (rc == STORE_OK)
        rc = store_reply_insert(rq->store, &reply);
    err = handler_finish(rq, rs,
                         rc == STORE_OK ? API_OK : api_from_store(rs, rc, "appointment not found"));
    if (err != API_OK)
        return err;
    return twiml_answer(rs);
}
