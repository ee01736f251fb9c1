/* manage.c - the private link of a booked appointment (page.h):
 * GET /book/{slug}/a/{token} shows the appointment and, while the
 * practice's minimum notice allows, a form that cancels it and a link that
 * moves it (steps 3 and 5 of flow.c for the same service and practitioner,
 * the link carried as `move`); POST .../cancel cancels it and answers a
 * 303 back to the link.
 *
 * The link is the only key: it names the appointment and its calendar and
 * is signed until the appointment's start, so no account or password is
 * needed, and a link whose appointment was deleted, is another center's,
 * or has begun answers the same 404 as a forged one.  The page is also
 * the confirmation page of a booking (`booked=1`) and of a move
 * (`moved=1`). */
#include <inttypes.h>
#include <string.h>

#include "web/page.h"

/* What the link names. */
typedef struct managed {
    center c;
    booking_settings bs;
    appointment ap;
    const tzfile *zone;
    const char *token;
} managed;

/* Loads the link's appointment: false with rs answered (404 for a link
 * that is no longer valid). */
static bool managed_load(web_request *rq, web_response *rs, managed *m)
{
    int64_t id = 0, calendar_id = 0;
    calendar k;
    object_ref ref = {0};
    store_rc rc = store_center_get_by_slug(rq->store, rq->args[0], rq->arena, &m->c);
    if (rc == STORE_OK)
        rc = store_booking_settings_get(rq->store, m->c.id, rq->arena, &m->bs);
    if (rc == STORE_OK && !web_link_read(rq, rq->args[1], &id, &calendar_id))
        rc = STORE_NOT_FOUND;
    ref.id = id;
    if (rc == STORE_OK)
        rc = store_calendar_get(rq->store, calendar_id, rq->arena, &k);
    if (rc == STORE_OK && k.center_id != m->c.id)
        rc = STORE_NOT_FOUND;
    if (rc == STORE_OK)
        rc = store_appointment_get(rq->store, calendar_id, &ref, rq->arena, &m->ap);
    if (rc == STORE_OK && m->ap.deleted)
        rc = STORE_NOT_FOUND;
    if (rc == STORE_OK && tzfile_get(m->c.timezone, &m->zone) != TZFILE_OK)
        rc = STORE_ERROR;
    if (rc == STORE_NOT_FOUND)
        page_notice(rq, rs, 404, NULL, MSG_NOT_FOUND_TITLE, MSG_LINK_GONE_TEXT, NULL,
                    MSG_START_OVER);
    else if (rc != STORE_OK)
        page_unavailable(rq, rs);
    m->token = rq->args[1];
    return rc == STORE_OK;
}

/* Whether the practice's rules still let the patient change it. */
static bool changeable(const web_request *rq, const managed *m)
{
    return m->ap.status == APPT_BOOKED && m->ap.start - rq->now >= m->bs.min_notice * 60;
}

void page_manage(web_request *rq, web_response *rs)
{
    managed m;
    service sv = {0};
    calendar k;
    char token[CSRF_TOKEN_MAX];
    if (!managed_load(rq, rs, &m))
        return;
    web_lang lang = rq->lang;
    object_ref sref = {.id = m.ap.service_id};
    if (m.ap.service_id &&
        store_service_get(rq->store, m.ap.calendar_id, &sref, rq->arena, &sv) != STORE_OK)
        sv.name = "";
    const char *session = web_session(rq, rs);
    if (store_calendar_get(rq->store, m.ap.calendar_id, rq->arena, &k) != STORE_OK || !session ||
        !web_form_token(rq, session, token)) {
        page_unavailable(rq, rs);
        return;
    }
    const char *booked = rq->query(rq->query_ctx, "booked");
    const char *moved = rq->query(rq->query_ctx, "moved");
    web_msg title = MSG_YOUR_APPOINTMENT;
    if (m.ap.status == APPT_BOOKED && booked && strcmp(booked, "1") == 0)
        title = MSG_BOOKED_TITLE;
    const char *self = arena_printf(rq->arena, "/book/%s/a/%s", m.c.slug, m.token);
    const char *host = rq->header(rq->header_ctx, "Host");
    const char *full =
        arena_printf(rq->arena, "%s://%s%s", rq->secure ? "https" : "http", host ? host : "", self);
    char note[256];
    html h;
    html_begin(&h, PAGE_LIMIT, rq->arena);
    frame_begin(&h, rq, m.c.name, i18n_text(lang, title), self);
    if (m.ap.status == APPT_BOOKED && moved && strcmp(moved, "1") == 0)
        HTML(&h, "<p class=\"ok\" role=\"status\">{}</p>", i18n_text(lang, MSG_MOVED));
    HTML(&h,
         "<dl "
         "id=\"appointment\"><dt>{}</dt><dd>{}</dd><dt>{}</dt><dd>{}</dd><dt>{}</dt><dd>{}</dd></"
         "dl>",
         i18n_text(lang, MSG_SERVICE), sv.name ? sv.name : "", i18n_text(lang, MSG_PRACTITIONER),
         person_name(rq->arena, k.first_name, k.last_name), i18n_text(lang, MSG_WHEN),
         slot_name(rq->arena, lang, m.zone, m.ap.start, m.ap.stop, NULL));
    HTML(&h, "<p class=\"tz\">{}</p>",
         i18n_fill(lang, MSG_TIMES_IN, m.c.timezone, note, sizeof note));
    if (m.ap.status == APPT_CANCELLED) {
        HTML(&h, "<p class=\"alert\" role=\"status\" id=\"cancelled\">{}</p>",
             i18n_text(lang, MSG_CANCELLED));
        frame_end(&h, rs);
        return;
    }
    HTML(&h, "<p>{}</p><p class=\"link\"><a href=\"{}\" id=\"private-link\">{}</a></p>",
         i18n_text(lang, MSG_PRIVATE_LINK), self, full);
    if (!changeable(rq, &m)) {
        HTML(&h, "<p>{}</p>", i18n_text(lang, MSG_TOO_LATE));
        frame_end(&h, rs);
        return;
    }
    const char *move = arena_printf(
        rq->arena, "/book/%s/day?service=%" PRId64 "&calendar=%" PRId64 "&move=%s&lang=%s",
        m.c.slug, m.ap.service_id, m.ap.calendar_id, m.token, i18n_code(lang));
    HTML(&h,
         "<p><a href=\"{}\" id=\"move\">{}</a></p>"
         "<form method=\"post\" action=\"{}/cancel\" class=\"inline\" id=\"cancel\">"
         "<input type=\"hidden\" name=\"csrf\" value=\"{}\">"
         "<input type=\"hidden\" name=\"lang\" value=\"{}\">"
         "<button type=\"submit\">{}</button></form>",
         move, i18n_text(lang, MSG_MOVE_LINK), self, token, i18n_code(lang),
         i18n_text(lang, MSG_CANCEL_BUTTON));
    frame_end(&h, rs);
}

void page_cancel(web_request *rq, web_response *rs)
{
    managed m;
    if (!web_form_ok(rq)) {
        const char *home = arena_printf(rq->arena, "/book/%s", rq->args[0]);
        page_notice(rq, rs, 403, NULL, MSG_BAD_FORM_TITLE, MSG_BAD_FORM_TEXT, home, MSG_START_OVER);
        return;
    }
    if (!managed_load(rq, rs, &m))
        return;
    if (m.ap.status == APPT_BOOKED) {
        if (!changeable(rq, &m)) {
            page_notice(rq, rs, 403, m.c.name, MSG_YOUR_APPOINTMENT, MSG_TOO_LATE, NULL,
                        MSG_START_OVER);
            return;
        }
        m.ap.status = APPT_CANCELLED;
        m.ap.updated_at = rq->now;
        store_rc rc = STORE_RETRY;
        for (int i = 0; i < 8 && rc == STORE_RETRY; i++)
            rc = store_appointment_update(rq->store, &m.ap);
        if (rc != STORE_OK) {
            page_unavailable(rq, rs);
            return;
        }
    }
    page_redirect(rs, arena_printf(rq->arena, "/book/%s/a/%s?lang=%s", m.c.slug, m.token,
                                   i18n_code(rq->lang)));
}
