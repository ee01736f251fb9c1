/* flow.c - the booking flow after the service (book.c): the practitioner
 * (step 2), a day and a time (step 3), holding the time, the patient's
 * details (step 4) and the confirmation (step 5).  Moving an appointment
 * (manage.c) runs steps 3 and 5 again with its private link carried along
 * as `move`.
 *
 * Every step works without JavaScript: GET forms between the steps that
 * change nothing, POST forms (with the session's token, page.h) for those
 * that write, each answered with a 303 to the next GET page (holding,
 * confirming) or with the page itself when nothing was written (details to
 * review, or errors).
 *
 * The service chosen in step 1 is a choice of the offered services of one
 * name and duration (book.c): the calendars offering it are the
 * practitioners; "any" merges their free times (slots_merge, as the
 * suggestions do: time order, ties in the calendars' order).  Every slot
 * comes from store_calendar_slots, the one path the suggestions share, so
 * the page and the API always offer the same times.  Starts are limited to
 * [now + minimum notice, now + horizon).
 *
 * A time is held inside one transaction that first asks the engine whether
 * it is still offered and then places the hold (the rule of the bookings
 * extension); a time taken meanwhile answers 409 with the nearest free
 * times.  Holding and booking count against the client address's limits
 * (store_booking_attempt): 20 holds per 10 minutes, 10 bookings per hour;
 * past them a 429 page, nothing written. */
#include <assert.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "sched/civil.h"
#include "util/parse.h"
#include "web/page.h"

#define HOLD_WINDOW  600
#define HOLD_MAX     20
#define BOOK_WINDOW  3600
#define BOOK_MAX     10
#define ATTEMPTS     8 /* runs of a write that lost a race */
#define ALTERNATIVES 6 /* nearest free times offered when one was taken */
#define FIELD_MAX    100
#define EMAIL_MAX    254

/* What a step knows of the request's booking. */
typedef struct flow {
    center c;
    booking_settings bs;
    booking_service *offered;
    size_t n_offered;
    const tzfile *zone;
    size_t group, group_end; /* offered[group, group_end): the service chosen */
    int64_t calendar_id;     /* the practitioner chosen; 0: any */
    int64_t earliest, latest;
    const char *move; /* the private link of an appointment being moved */
} flow;

/* The 404 every unknown or refused parameter gets: like an unknown page. */
static void not_found(web_request *rq, web_response *rs)
{
    page_message(rq, rs, 404, MSG_NOT_FOUND_TITLE, MSG_NOT_FOUND_TEXT);
}

/* A store failure: NOT_FOUND as the 404 page, anything else 503. */
static void store_failed(web_request *rq, web_response *rs, store_rc rc)
{
    if (rc == STORE_NOT_FOUND)
        not_found(rq, rs);
    else
        page_unavailable(rq, rs);
}

/* Loads the center of the path, its settings and offer, and the service
 * and practitioner chosen (texts of ids, calendar "any" or NULL for any).
 * False with rs answered when anything is unknown or off. */
static bool flow_load(web_request *rq, web_response *rs, flow *f, const char *service_text,
                      const char *calendar_text)
{
    int64_t service_id = 0;
    *f = (flow){0};
    store_rc rc = store_center_get_by_slug(rq->store, rq->args[0], rq->arena, &f->c);
    if (rc == STORE_OK)
        rc = store_booking_settings_get(rq->store, f->c.id, rq->arena, &f->bs);
    if (rc == STORE_OK && !f->bs.enabled)
        rc = STORE_NOT_FOUND;
    if (rc == STORE_OK)
        rc = store_booking_services(rq->store, f->c.id, rq->arena, &f->offered, &f->n_offered);
    if (rc == STORE_OK && tzfile_get(f->c.timezone, &f->zone) != TZFILE_OK)
        rc = STORE_ERROR;
    if (rc == STORE_OK && (!service_text || !parse_int64(service_text, &service_id)))
        rc = STORE_NOT_FOUND;
    size_t at = f->n_offered;
    for (size_t i = 0; rc == STORE_OK && i < f->n_offered; i++) {
        if (f->offered[i].id == service_id)
            at = i;
    }
    if (rc == STORE_OK && at == f->n_offered)
        rc = STORE_NOT_FOUND;
    if (rc != STORE_OK) {
        store_failed(rq, rs, rc);
        return false;
    }
    /* the offer is sorted by name, duration, id: a choice is one run */
    const booking_service *s = &f->offered[at];
    f->group = f->group_end = at;
    while (f->group > 0 && f->offered[f->group - 1].duration == s->duration &&
           strcmp(f->offered[f->group - 1].name, s->name) == 0)
        f->group--;
    while (f->group_end < f->n_offered && f->offered[f->group_end].duration == s->duration &&
           strcmp(f->offered[f->group_end].name, s->name) == 0)
        f->group_end++;
    if (calendar_text && *calendar_text && strcmp(calendar_text, "any") != 0) {
        bool known = parse_int64(calendar_text, &f->calendar_id);
        bool in_group = false;
        for (size_t i = f->group; known && i < f->group_end; i++)
            in_group = in_group || f->offered[i].calendar_id == f->calendar_id;
        if (!in_group) {
            not_found(rq, rs);
            return false;
        }
    }
    f->earliest = rq->now + f->bs.min_notice * 60;
    f->latest = rq->now + f->bs.horizon_days * 86400;
    return true;
}

/* The entry of the group for calendar k, or NULL. */
static const booking_service *entry_of(const flow *f, int64_t calendar_id)
{
    for (size_t i = f->group; i < f->group_end; i++) {
        if (f->offered[i].calendar_id == calendar_id)
            return &f->offered[i];
    }
    return NULL;
}

static const char *who_of(arena *a, const booking_service *e)
{
    return person_name(a, e->first_name, e->last_name);
}

/* The chosen calendar's (or, for any, every calendar's) free times starting
 * in [from, to) within the page's window, merged in time order: picks'
 * `calendar` indexes the group (offered[group + calendar]).  False when the
 * store or the engine failed. */
static bool flow_slots(web_request *rq, const flow *f, int64_t from, int64_t to, slots_pick **out,
                       size_t *n)
{
    size_t n_lists = f->group_end - f->group;
    slots_list *lists = arena_calloc(rq->arena, n_lists, sizeof *lists);
    if (from < f->earliest)
        from = f->earliest;
    if (to > f->latest)
        to = f->latest;
    bool ok = lists != NULL;
    for (size_t i = 0; ok && i < n_lists && from < to; i++) {
        const booking_service *e = &f->offered[f->group + i];
        calendar k;
        calendar_slots_out found;
        if (f->calendar_id && e->calendar_id != f->calendar_id)
            continue;
        ok = store_calendar_get(rq->store, e->calendar_id, rq->arena, &k) == STORE_OK &&
             store_calendar_slots(rq->store, &k, (int)e->duration, from, to, rq->now,
                                  SLOTS_MAX_LIMIT, rq->arena, &found) == STORE_OK &&
             found.engine == SLOTS_OK;
        if (ok)
            lists[i] = (slots_list){found.slots, found.n};
    }
    *out = NULL;
    *n = 0;
    return ok && slots_merge(lists, n_lists, SLOTS_MAX_LIMIT, rq->arena, out, n) == SLOTS_OK;
}

/* "&move=..." when moving, else "". */
static const char *move_param(arena *a, const flow *f)
{
    return f->move ? arena_printf(a, "&move=%s", f->move) : "";
}

/* The address of the day page for `day` (a local day number). */
static const char *day_href(web_request *rq, const flow *f, int64_t day)
{
    const char *date = day_text(rq->arena, day);
    const char *move = move_param(rq->arena, f);
    const char *calendar =
        f->calendar_id ? arena_printf(rq->arena, "%" PRId64, f->calendar_id) : "any";
    if (!date || !move || !calendar)
        return NULL;
    return arena_printf(rq->arena, "/book/%s/day?service=%" PRId64 "&calendar=%s&date=%s%s",
                        f->c.slug, f->offered[f->group].id, calendar, date, move);
}

/* day_href with the page's language: the links of the strip and pager. */
static const char *day_link(web_request *rq, const flow *f, int64_t day)
{
    const char *href = day_href(rq, f, day);
    return href ? arena_printf(rq->arena, "%s&lang=%s", href, i18n_code(rq->lang)) : NULL;
}

/* The hidden fields every POST form of the flow carries. */
static void hidden_fields(html *h, web_request *rq, const flow *f, const char *token)
{
    HTML(h,
         "<input type=\"hidden\" name=\"csrf\" value=\"{}\">"
         "<input type=\"hidden\" name=\"lang\" value=\"{}\">",
         token, i18n_code(rq->lang));
    if (f->move)
        HTML(h, "<input type=\"hidden\" name=\"move\" value=\"{}\">", f->move);
}

/* One slot as a radio button whose label is its full name (date, times,
 * practitioner), the date and practitioner visually hidden unless the
 * practitioner is "any". */
static void slot_radio(html *h, web_request *rq, const flow *f, const slots_pick *p)
{
    const booking_service *e = &f->offered[f->group + p->calendar];
    const char *value =
        arena_printf(rq->arena, "%" PRId64 "-%" PRId64, e->calendar_id, p->slot.start);
    const char *id = value ? arena_printf(rq->arena, "t%s", value) : NULL;
    const char *date = date_text(rq->arena, rq->lang, f->zone, p->slot.start, true);
    const char *from = clock_text(rq->arena, f->zone, p->slot.start);
    const char *to = clock_text(rq->arena, f->zone, p->slot.stop);
    const char *who = who_of(rq->arena, e);
    if (!id || !date || !from || !to || !who) {
        h->failed = true;
        return;
    }
    HTML(h,
         "<label for=\"{}\"><input type=\"radio\" id=\"{}\" name=\"slot\" value=\"{}\" required>"
         "<span><span class=\"vh\">{}, </span>{}<span class=\"vh\"> {} {}, </span>",
         id, id, value, date, from, i18n_text(rq->lang, MSG_TO), to);
    if (f->calendar_id)
        HTML(h, "<span class=\"vh\">{}</span></span></label>", who);
    else
        HTML(h, "<span class=\"meta\">{}</span></span></label>", who);
}

/* The form of times picks[0..n) that holds the one chosen. */
static void slots_form(html *h, web_request *rq, const flow *f, const char *token,
                       const slots_pick *picks, size_t n, const char *legend)
{
    HTML(h,
         "<form method=\"post\" action=\"/book/{}/hold\" id=\"slots\"><fieldset><legend>{}</legend>"
         "<div class=\"slots\">",
         f->c.slug, legend);
    for (size_t i = 0; i < n; i++)
        slot_radio(h, rq, f, &picks[i]);
    const char *service = arena_printf(rq->arena, "%" PRId64, f->offered[f->group].id);
    const char *calendar =
        f->calendar_id ? arena_printf(rq->arena, "%" PRId64, f->calendar_id) : "any";
    HTML(h,
         "</div></fieldset><input type=\"hidden\" name=\"service\" value=\"{}\">"
         "<input type=\"hidden\" name=\"calendar\" value=\"{}\">",
         service, calendar);
    hidden_fields(h, rq, f, token);
    HTML(h, "<p><button type=\"submit\">{}</button></p></form>",
         i18n_text(rq->lang, MSG_HOLD_BUTTON));
}

/* "All times are in the practice's time zone (Europe/Brussels)." */
static void zone_note(html *h, web_request *rq, const flow *f)
{
    char note[256];
    HTML(h, "<p class=\"tz\">{}</p>",
         i18n_fill(rq->lang, MSG_TIMES_IN, f->c.timezone, note, sizeof note));
}

/* Reads the private link of a move (field or parameter `move`, NULL: not
 * moving) into f: false with rs answered when it is not a live link of a
 * booked appointment of the chosen calendar.  *ap gets the appointment. */
static bool flow_move(web_request *rq, web_response *rs, flow *f, const char *token,
                      appointment *ap)
{
    int64_t id = 0, calendar_id = 0;
    if (!token || !*token)
        return true;
    object_ref ref = {0};
    bool ok = web_link_read(rq, token, &id, &calendar_id) && calendar_id == f->calendar_id;
    ref.id = id;
    ok = ok && store_appointment_get(rq->store, calendar_id, &ref, rq->arena, ap) == STORE_OK &&
         !ap->deleted && ap->status == APPT_BOOKED;
    if (!ok) {
        page_notice(rq, rs, 404, f->c.name, MSG_NOT_FOUND_TITLE, MSG_LINK_GONE_TEXT, NULL,
                    MSG_START_OVER);
        return false;
    }
    f->move = token;
    return true;
}

void page_practitioner(web_request *rq, web_response *rs)
{
    flow f;
    char step[64];
    if (!flow_load(rq, rs, &f, rq->query(rq->query_ctx, "service"), NULL))
        return;
    web_lang lang = rq->lang;
    const char *self = arena_printf(rq->arena, "/book/%s/practitioner?service=%" PRId64, f.c.slug,
                                    f.offered[f.group].id);
    html h;
    html_begin(&h, PAGE_LIMIT, rq->arena);
    frame_begin(&h, rq, f.c.name, i18n_text(lang, MSG_BOOK_TITLE), self);
    HTML(&h,
         "<p class=\"step\">{}</p><form method=\"get\" action=\"/book/{}/day\" id=\"practitioner\">"
         "<fieldset><legend>{}</legend><p class=\"meta\">{}</p><ul class=\"choices\">"
         "<li><label for=\"c-any\"><input type=\"radio\" id=\"c-any\" name=\"calendar\" "
         "value=\"any\" checked><span><span class=\"name\">{}</span>"
         "<span class=\"meta\">{}</span></span></label></li>",
         step_text(lang, 2, step), f.c.slug, i18n_text(lang, MSG_CHOOSE_PRACTITIONER),
         f.offered[f.group].name, i18n_text(lang, MSG_ANY), i18n_text(lang, MSG_ANY_HINT));
    for (size_t i = f.group; i < f.group_end; i++) {
        const booking_service *e = &f.offered[i];
        const char *value = arena_printf(rq->arena, "%" PRId64, e->calendar_id);
        const char *id = value ? arena_printf(rq->arena, "c%s", value) : NULL;
        const char *who = who_of(rq->arena, e);
        if (!id || !who) {
            h.failed = true;
            break;
        }
        HTML(&h,
             "<li><label for=\"{}\"><input type=\"radio\" id=\"{}\" name=\"calendar\" "
             "value=\"{}\"><span class=\"name\">{}</span></label></li>",
             id, id, value, who);
    }
    const char *service = arena_printf(rq->arena, "%" PRId64, f.offered[f.group].id);
    HTML(&h,
         "</ul></fieldset><input type=\"hidden\" name=\"service\" value=\"{}\">"
         "<input type=\"hidden\" name=\"lang\" value=\"{}\">"
         "<button type=\"submit\">{}</button></form>",
         service, i18n_code(lang), i18n_text(lang, MSG_CONTINUE));
    frame_end(&h, rs);
}

/* The week strip (7 local days from `monday`, each a link with its count
 * of free times, the days outside the window plain text) and the pager. */
static void week_strip(html *h, web_request *rq, const flow *f, int64_t monday, int64_t chosen,
                       const size_t counts[7], int64_t first_day, int64_t last_day)
{
    web_lang lang = rq->lang;
    HTML(h, "<nav aria-label=\"{}\"><ul class=\"week\">", i18n_text(lang, MSG_WEEK));
    for (int i = 0; i < 7; i++) {
        int64_t day = monday + i;
        int64_t at = local_day_start(f->zone, day);
        const char *date = date_text(rq->arena, lang, f->zone, at, false);
        const char *count = counts[i] == 0   ? i18n_text(lang, MSG_NONE_FREE)
                            : counts[i] == 1 ? i18n_text(lang, MSG_ONE_FREE)
                                             : NULL;
        char many[64], number[24];
        if (!count) {
            snprintf(number, sizeof number, "%zu", counts[i]);
            count = i18n_fill(lang, MSG_N_FREE, number, many, sizeof many);
        }
        if (!date) {
            h->failed = true;
            break;
        }
        if (day < first_day || day > last_day) {
            HTML(h, "<li><span>{}</span></li>", date);
            continue;
        }
        const char *href = day_link(rq, f, day);
        if (!href)
            h->failed = true;
        else if (day == chosen)
            HTML(h, "<li><a href=\"{}\" aria-current=\"date\">{}<br>{}</a></li>", href, date,
                 count);
        else
            HTML(h, "<li><a href=\"{}\">{}<br>{}</a></li>", href, date, count);
    }
    HTML_MARKUP(h, "</ul></nav><p class=\"pager\">");
    if (monday > first_day) {
        const char *href = day_link(rq, f, monday - 7 < first_day ? first_day : monday - 7);
        HTML(h, "<a href=\"{}\" rel=\"prev\">{}</a>", href, i18n_text(lang, MSG_PREV_WEEK));
    }
    if (monday + 7 <= last_day) {
        const char *href = day_link(rq, f, monday + 7);
        HTML(h, "<a href=\"{}\" rel=\"next\">{}</a>", href, i18n_text(lang, MSG_NEXT_WEEK));
    }
    HTML_MARKUP(h, "</p>");
}

void page_day(web_request *rq, web_response *rs)
{
    flow f;
    appointment moved;
    char step[64], token[CSRF_TOKEN_MAX];
    if (!flow_load(rq, rs, &f, rq->query(rq->query_ctx, "service"),
                   rq->query(rq->query_ctx, "calendar")) ||
        !flow_move(rq, rs, &f, rq->query(rq->query_ctx, "move"), &moved))
        return;
    web_lang lang = rq->lang;
    int64_t first_day = local_day(f.zone, f.earliest);
    int64_t last_day = local_day(f.zone, f.latest - 1);
    int64_t chosen = first_day;
    bool asked = day_parse(rq->query(rq->query_ctx, "date"), &chosen);
    if (chosen < first_day)
        chosen = first_day;
    if (chosen > last_day)
        chosen = last_day;
    int64_t monday = chosen - civil_weekday(chosen);
    slots_pick *picks = NULL;
    size_t n = 0, counts[7] = {0};
    const char *session = web_session(rq, rs);
    if (!session || !web_form_token(rq, session, token) ||
        !flow_slots(rq, &f, local_day_start(f.zone, monday), local_day_start(f.zone, monday + 7),
                    &picks, &n)) {
        page_unavailable(rq, rs);
        return;
    }
    for (size_t i = 0; i < n; i++) {
        int64_t d = local_day(f.zone, picks[i].slot.start) - monday;
        assert(d >= 0 && d < 7);
        counts[d]++;
    }
    /* without a day asked, the first of the week with a free time */
    for (int i = 0; !asked && i < 7; i++) {
        if (counts[i] && monday + i >= first_day) {
            chosen = monday + i;
            break;
        }
    }
    const char *self = day_href(rq, &f, chosen);
    html h;
    html_begin(&h, PAGE_LIMIT, rq->arena);
    frame_begin(&h, rq, f.c.name, i18n_text(lang, f.move ? MSG_MOVE_TITLE : MSG_BOOK_TITLE), self);
    HTML(&h, "<p class=\"step\">{}</p><p>{} · {}</p>", step_text(lang, 3, step),
         f.offered[f.group].name,
         f.calendar_id ? who_of(rq->arena, entry_of(&f, f.calendar_id)) : i18n_text(lang, MSG_ANY));
    zone_note(&h, rq, &f);
    HTML(&h, "<h2>{}</h2>", i18n_text(lang, MSG_CHOOSE_DAY));
    week_strip(&h, rq, &f, monday, chosen, counts, first_day, last_day);
    size_t from = 0;
    while (from < n && local_day(f.zone, picks[from].slot.start) < chosen)
        from++;
    size_t to = from;
    while (to < n && local_day(f.zone, picks[to].slot.start) == chosen)
        to++;
    const char *day_name =
        date_text(rq->arena, lang, f.zone, local_day_start(f.zone, chosen), true);
    HTML(&h, "<h2 id=\"day\">{}</h2>", day_name);
    if (to == from)
        HTML(&h, "<p>{}</p>", i18n_text(lang, MSG_NO_SLOTS_DAY));
    else
        slots_form(&h, rq, &f, token, picks + from, to - from, i18n_text(lang, MSG_CHOOSE_TIME));
    frame_end(&h, rs);
}

/* The at most `max` picks nearest to `start` in picks[0..n) (sorted by
 * time): a run picks[*from, *to), grown from where `start` would be towards
 * the nearer side each time. */
static void nearest(const slots_pick *picks, size_t n, int64_t start, size_t max, size_t *from,
                    size_t *to)
{
    size_t lo = 0;
    while (lo < n && picks[lo].slot.start < start)
        lo++;
    size_t hi = lo;
    while (hi - lo < max && (lo > 0 || hi < n)) {
        bool take_left =
            hi == n || (lo > 0 && start - picks[lo - 1].slot.start <= picks[hi].slot.start - start);
        if (take_left)
            lo--;
        else
            hi++;
    }
    *from = lo;
    *to = hi;
}

/* The 409 page of a time taken meanwhile: the message and the free times
 * nearest to `start` (within a day either side), to hold one of them. */
static void page_taken(web_request *rq, web_response *rs, const flow *f, int64_t start)
{
    slots_pick *picks = NULL;
    size_t n = 0;
    char token[CSRF_TOKEN_MAX];
    const char *session = web_session(rq, rs);
    if (!session || !web_form_token(rq, session, token) ||
        !flow_slots(rq, f, start - 86400, start + 86400, &picks, &n)) {
        page_unavailable(rq, rs);
        return;
    }
    size_t from = 0, to = 0;
    nearest(picks, n, start, ALTERNATIVES, &from, &to);
    html h;
    html_begin(&h, PAGE_LIMIT, rq->arena);
    rs->status = 409;
    frame_begin(&h, rq, f->c.name, i18n_text(rq->lang, MSG_TAKEN_TITLE),
                day_href(rq, f, local_day(f->zone, start)));
    HTML(&h, "<div class=\"alert\" role=\"alert\"><p>{}</p></div>",
         i18n_text(rq->lang, MSG_TAKEN_TEXT));
    zone_note(&h, rq, f);
    if (to > from)
        slots_form(&h, rq, f, token, picks + from, to - from, i18n_text(rq->lang, MSG_CHOOSE_TIME));
    HTML(&h, "<p><a href=\"{}\">{}</a></p>", day_link(rq, f, local_day(f->zone, start)),
         i18n_text(rq->lang, MSG_CHOOSE_AGAIN));
    frame_end(&h, rs);
}

/* The 403 page of a form whose token is missing, forged or expired. */
static void bad_form(web_request *rq, web_response *rs, unsigned status)
{
    const char *home = arena_printf(rq->arena, "/book/%s", rq->args[0]);
    page_notice(rq, rs, status, NULL, MSG_BAD_FORM_TITLE, MSG_BAD_FORM_TEXT, home, MSG_START_OVER);
}

/* Counts an attempt of the client: false with the 429 page (or 503) when
 * over the limit. */
static bool attempt(web_request *rq, web_response *rs, const flow *f, booking_attempt_kind kind)
{
    /* two requests of one address at once count in one window: on
     * PostgreSQL the loser of that race is run again, as the API's are */
    store_rc rc = STORE_RETRY;
    for (int i = 0; i < ATTEMPTS && rc == STORE_RETRY; i++)
        rc = kind == ATTEMPT_HOLD ? store_booking_attempt(rq->store, rq->client, kind, rq->now,
                                                          HOLD_WINDOW, HOLD_MAX)
                                  : store_booking_attempt(rq->store, rq->client, kind, rq->now,
                                                          BOOK_WINDOW, BOOK_MAX);
    if (rc == STORE_CONFLICT) {
        page_notice(rq, rs, 429, f->c.name, MSG_LIMIT_TITLE, MSG_LIMIT_TEXT, NULL, MSG_START_OVER);
        web_header(rs, "Retry-After", kind == ATTEMPT_HOLD ? "600" : "3600");
    } else if (rc != STORE_OK) {
        page_unavailable(rq, rs);
    }
    return rc == STORE_OK;
}

/* Holds [start, start + duration) of e's calendar for `owner` when the
 * engine still offers it: CONFLICT when it does not or a race took it. */
static store_rc hold_place(web_request *rq, const flow *f, const booking_service *e, int64_t start,
                           const char *owner, booking_hold *hold)
{
    store_rc rc = STORE_RETRY;
    for (int i = 0; i < ATTEMPTS && rc == STORE_RETRY; i++) {
        calendar k;
        calendar_slots_out found;
        *hold = (booking_hold){.calendar_id = e->calendar_id,
                               .service_id = e->id,
                               .start = start,
                               .stop = start + e->duration * 60,
                               .expires_at = rq->now + f->bs.hold_seconds,
                               .owner = owner,
                               .created_at = rq->now};
        rc = store_begin(rq->store);
        if (rc == STORE_OK)
            rc = store_calendar_get(rq->store, e->calendar_id, rq->arena, &k);
        if (rc == STORE_OK)
            rc = store_calendar_slots(rq->store, &k, (int)e->duration, start, start + 1, rq->now, 1,
                                      rq->arena, &found);
        if (rc == STORE_OK &&
            (found.engine != SLOTS_OK || found.n == 0 || found.slots[0].start != start))
            rc = STORE_CONFLICT;
        if (rc == STORE_OK)
            rc = store_hold_place(rq->store, hold, rq->now, rq->arena);
        if (rc == STORE_OK)
            rc = store_commit(rq->store);
        if (rc != STORE_OK)
            store_rollback(rq->store);
    }
    return rc;
}

void page_hold(web_request *rq, web_response *rs)
{
    flow f;
    appointment moved;
    booking_hold hold;
    int64_t calendar_id = 0, start = 0;
    if (!web_form_ok(rq)) {
        bad_form(rq, rs, 403);
        return;
    }
    if (!flow_load(rq, rs, &f, rq->form(rq->form_ctx, "service"),
                   rq->form(rq->form_ctx, "calendar")) ||
        !flow_move(rq, rs, &f, rq->form(rq->form_ctx, "move"), &moved))
        return;
    const char *slot = rq->form(rq->form_ctx, "slot");
    const char *dash = slot ? strchr(slot, '-') : NULL;
    char cal[24];
    bool ok = dash && (size_t)(dash - slot) < sizeof cal;
    if (ok) {
        memcpy(cal, slot, (size_t)(dash - slot));
        cal[dash - slot] = '\0';
        ok = parse_int64(cal, &calendar_id) && parse_int64(dash + 1, &start);
    }
    const booking_service *e = ok ? entry_of(&f, calendar_id) : NULL;
    if (!e || (f.calendar_id && calendar_id != f.calendar_id)) {
        /* no time chosen (a browser without validation): the day again */
        const char *back = day_link(rq, &f, local_day(f.zone, f.earliest));
        page_redirect(rs, back ? back : "/");
        return;
    }
    const char *session = web_session_sent(rq);
    assert(session); /* web_form_ok checked it */
    if (!attempt(rq, rs, &f, ATTEMPT_HOLD))
        return;
    store_rc rc = STORE_CONFLICT;
    if (start >= f.earliest && start < f.latest)
        rc = hold_place(rq, &f, e, start, session, &hold);
    if (rc == STORE_CONFLICT || rc == STORE_NOT_FOUND) {
        page_taken(rq, rs, &f, start);
        return;
    }
    if (rc != STORE_OK) {
        page_unavailable(rq, rs);
        return;
    }
    const char *next =
        arena_printf(rq->arena, "/book/%s/details?hold=%" PRId64 "&lang=%s%s", f.c.slug, hold.id,
                     i18n_code(rq->lang), move_param(rq->arena, &f));
    page_redirect(rs, next ? next : "/");
}

/* The patient's fields of step 4, their values and errors. */
enum { F_FIRST, F_LAST, F_EMAIL, F_PHONE, F_BIRTH, F_COUNT };
static const char *const field_names[F_COUNT] = {"first_name", "last_name", "email", "phone",
                                                 "birthdate"};

typedef struct details {
    const char *value[F_COUNT];
    int error[F_COUNT]; /* a web_msg, or 0: none */
    size_t n_errors;
} details;

/* True for a plausible address: one '@', a local part, a dotted domain, no
 * space or control character. */
static bool email_ok(const char *s)
{
    const char *at = strchr(s, '@');
    if (!at || at == s || strchr(at + 1, '@') || !strchr(at + 1, '.') || at[1] == '.' ||
        s[strlen(s) - 1] == '.')
        return false;
    for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
        if (*p <= ' ' || *p == 0x7f)
            return false;
    }
    return true;
}

/* The phone without spaces, dots, dashes, slashes and parentheses, when it
 * is then an optional '+' and 6 to 20 digits; NULL otherwise. */
static const char *phone_normal(arena *a, const char *s)
{
    char *out = arena_alloc(a, strlen(s) + 1);
    size_t n = 0;
    if (!out)
        return NULL;
    for (const char *p = s; *p; p++) {
        if (strchr(" .-/()", *p))
            continue;
        if (*p == '+' && n == 0)
            out[n++] = '+';
        else if (*p >= '0' && *p <= '9')
            out[n++] = *p;
        else
            return NULL;
    }
    out[n] = '\0';
    size_t digits = n - (n && out[0] == '+');
    return digits >= 6 && digits <= 20 ? out : NULL;
}

/* Reads and checks the form's fields into d (trimmed; the phone
 * normalized). */
static void details_read(web_request *rq, details *d)
{
    *d = (details){0};
    for (int i = 0; i < F_COUNT; i++) {
        const char *v = rq->form(rq->form_ctx, field_names[i]);
        v = v ? v : "";
        while (*v == ' ' || *v == '\t')
            v++;
        size_t len = strlen(v);
        while (len && (v[len - 1] == ' ' || v[len - 1] == '\t'))
            len--;
        d->value[i] = arena_strndup(rq->arena, v, len);
        if (!d->value[i])
            d->value[i] = "";
        int err = 0;
        if (i != F_BIRTH && len == 0)
            err = MSG_ERR_REQUIRED;
        else if (len > (i == F_EMAIL ? EMAIL_MAX : FIELD_MAX))
            err = MSG_ERR_TOO_LONG;
        else if (i == F_EMAIL && !email_ok(d->value[i]))
            err = MSG_ERR_EMAIL;
        else if (i == F_PHONE && !phone_normal(rq->arena, d->value[i]))
            err = MSG_ERR_PHONE;
        else if (i == F_BIRTH && len) {
            int64_t day = 0;
            if (!day_parse(d->value[i], &day) || day * 86400 > rq->now)
                err = MSG_ERR_DATE;
        }
        d->error[i] = err;
        d->n_errors += err != 0;
    }
    if (!d->error[F_PHONE])
        d->value[F_PHONE] = phone_normal(rq->arena, d->value[F_PHONE]);
}

/* The hold of the request's session: false with rs answered (410 when it
 * expired or is not this browser's) otherwise. */
static bool hold_of(web_request *rq, web_response *rs, const char *hold_text, booking_hold *hold)
{
    int64_t id = 0;
    const char *session = web_session_sent(rq);
    store_rc rc = STORE_NOT_FOUND;
    if (session && hold_text && parse_int64(hold_text, &id))
        rc = store_hold_get(rq->store, id, session, rq->now, rq->arena, hold);
    if (rc == STORE_NOT_FOUND) {
        const char *home =
            arena_printf(rq->arena, "/book/%s?lang=%s", rq->args[0], i18n_code(rq->lang));
        page_notice(rq, rs, 410, NULL, MSG_EXPIRED_TITLE, MSG_EXPIRED_TEXT, home, MSG_CHOOSE_AGAIN);
    } else if (rc != STORE_OK) {
        page_unavailable(rq, rs);
    }
    return rc == STORE_OK;
}

/* The summary of a hold: service, practitioner, time, and how long it is
 * held (plain text: the page has no script). */
static void hold_summary(html *h, web_request *rq, const flow *f, const booking_hold *hold)
{
    const booking_service *e = entry_of(f, hold->calendar_id);
    const char *when = slot_name(rq->arena, rq->lang, f->zone, hold->start, hold->stop, NULL);
    char until[128], left[128], minutes[24];
    int64_t remaining = (hold->expires_at - rq->now + 59) / 60;
    snprintf(minutes, sizeof minutes, "%" PRId64, remaining < 1 ? 1 : remaining);
    const char *expires = clock_text(rq->arena, f->zone, hold->expires_at);
    HTML(h, "<dl><dt>{}</dt><dd>{}</dd><dt>{}</dt><dd>{}</dd><dt>{}</dt><dd>{}</dd></dl>",
         i18n_text(rq->lang, MSG_SERVICE), e ? e->name : "", i18n_text(rq->lang, MSG_PRACTITIONER),
         e ? who_of(rq->arena, e) : "", i18n_text(rq->lang, MSG_WHEN), when);
    zone_note(h, rq, f);
    HTML(h, "<p class=\"ok\" id=\"held\">{} {}</p>",
         i18n_fill(rq->lang, MSG_HELD_UNTIL, expires ? expires : "", until, sizeof until),
         i18n_fill(rq->lang, MSG_TIME_LEFT, minutes, left, sizeof left));
}

/* Step 4: the form of the patient's details, with d's values and errors
 * (d NULL: empty), status 200 or 422. */
static void details_form(web_request *rq, web_response *rs, const flow *f, const booking_hold *hold,
                         const details *d)
{
    static const web_msg labels[F_COUNT] = {MSG_FIRST_NAME, MSG_LAST_NAME, MSG_EMAIL, MSG_PHONE,
                                            MSG_BIRTHDATE};
    static const char *const types[F_COUNT] = {"text", "text", "email", "tel", "date"};
    static const char *const complete[F_COUNT] = {"given-name", "family-name", "email", "tel",
                                                  "bday"};
    char step[64], token[CSRF_TOKEN_MAX];
    web_lang lang = rq->lang;
    const char *session = web_session(rq, rs);
    if (!session || !web_form_token(rq, session, token)) {
        page_unavailable(rq, rs);
        return;
    }
    html h;
    html_begin(&h, PAGE_LIMIT, rq->arena);
    rs->status = d && d->n_errors ? 422 : 200;
    frame_begin(&h, rq, f->c.name, i18n_text(lang, MSG_YOUR_DETAILS),
                arena_printf(rq->arena, "/book/%s/details?hold=%" PRId64, f->c.slug, hold->id));
    HTML(&h, "<p class=\"step\">{}</p>", step_text(lang, 4, step));
    if (d && d->n_errors)
        HTML(&h, "<div class=\"alert\" role=\"alert\" id=\"errors\"><p>{}</p></div>",
             i18n_text(lang, MSG_ERR_SUMMARY));
    hold_summary(&h, rq, f, hold);
    HTML(&h, "<form method=\"post\" action=\"/book/{}/details\" id=\"details\">", f->c.slug);
    for (int i = 0; i < F_COUNT; i++) {
        const char *name = field_names[i];
        const char *value = d ? d->value[i] : "";
        const char *id = arena_printf(rq->arena, "f-%s", name);
        const char *err_id = arena_printf(rq->arena, "e-%s", name);
        HTML(&h,
             "<div class=\"field\"><label for=\"{}\">{}</label><input id=\"{}\" name=\"{}\" "
             "type=\"{}\" autocomplete=\"{}\" value=\"{}\"",
             id, i18n_text(lang, labels[i]), id, name, types[i], complete[i], value);
        if (i != F_BIRTH)
            HTML_MARKUP(&h, " required");
        if (d && d->error[i])
            HTML(&h,
                 " aria-invalid=\"true\" aria-describedby=\"{}\"><p class=\"error\" "
                 "id=\"{}\">{}</p></div>",
                 err_id, err_id, i18n_text(lang, (web_msg)d->error[i]));
        else
            HTML_MARKUP(&h, "></div>");
    }
    const char *hold_id = arena_printf(rq->arena, "%" PRId64, hold->id);
    HTML(&h,
         "<div class=\"hp\" aria-hidden=\"true\"><label for=\"f-website\">{}</label>"
         "<input id=\"f-website\" name=\"website\" type=\"text\" tabindex=\"-1\" "
         "autocomplete=\"off\"></div><input type=\"hidden\" name=\"hold\" value=\"{}\">",
         i18n_text(lang, MSG_HONEYPOT), hold_id);
    hidden_fields(&h, rq, f, token);
    HTML(&h, "<button type=\"submit\">{}</button></form>", i18n_text(lang, MSG_CONTINUE));
    frame_end(&h, rs);
}

/* Step 5: the review of a booking (d: the patient's details) or of a move
 * (d NULL), and the form that confirms it. */
static void confirm_form(web_request *rq, web_response *rs, const flow *f, const booking_hold *hold,
                         const details *d)
{
    char step[64], token[CSRF_TOKEN_MAX];
    web_lang lang = rq->lang;
    const char *session = web_session(rq, rs);
    if (!session || !web_form_token(rq, session, token)) {
        page_unavailable(rq, rs);
        return;
    }
    html h;
    html_begin(&h, PAGE_LIMIT, rq->arena);
    frame_begin(&h, rq, f->c.name, i18n_text(lang, f->move ? MSG_MOVE_TITLE : MSG_CONFIRM_TITLE),
                NULL);
    HTML(&h, "<p class=\"step\">{}</p>", step_text(lang, 5, step));
    hold_summary(&h, rq, f, hold);
    const char *hold_id = arena_printf(rq->arena, "%" PRId64, hold->id);
    HTML(&h, "<form method=\"post\" action=\"/book/{}/confirm\" id=\"confirm\">", f->c.slug);
    if (d) {
        HTML(&h, "<dl><dt>{}</dt><dd>{} {}</dd><dt>{}</dt><dd>{}</dd><dt>{}</dt><dd>{}</dd>",
             i18n_text(lang, MSG_YOUR_DETAILS), d->value[F_FIRST], d->value[F_LAST],
             i18n_text(lang, MSG_EMAIL), d->value[F_EMAIL], i18n_text(lang, MSG_PHONE),
             d->value[F_PHONE]);
        if (*d->value[F_BIRTH])
            HTML(&h, "<dt>{}</dt><dd>{}</dd>", i18n_text(lang, MSG_BIRTHDATE), d->value[F_BIRTH]);
        HTML_MARKUP(&h, "</dl>");
        for (int i = 0; i < F_COUNT; i++)
            HTML(&h, "<input type=\"hidden\" name=\"{}\" value=\"{}\">", field_names[i],
                 d->value[i]);
    }
    HTML(&h, "<input type=\"hidden\" name=\"hold\" value=\"{}\">", hold_id);
    hidden_fields(&h, rq, f, token);
    HTML(&h, "<button type=\"submit\">{}</button></form>",
         i18n_text(lang, f->move ? MSG_MOVE_BUTTON : MSG_CONFIRM_BUTTON));
    if (d)
        HTML(&h, "<p><a href=\"/book/{}/details?hold={}&amp;lang={}\">{}</a></p>", f->c.slug,
             hold_id, i18n_code(lang), i18n_text(lang, MSG_CHANGE_DETAILS));
    frame_end(&h, rs);
}

/* The flow of a hold: its service and calendar as the choice. */
static bool flow_of_hold(web_request *rq, web_response *rs, flow *f, const booking_hold *hold)
{
    const char *service = arena_printf(rq->arena, "%" PRId64, hold->service_id);
    const char *calendar = arena_printf(rq->arena, "%" PRId64, hold->calendar_id);
    return flow_load(rq, rs, f, service, calendar);
}

void page_details(web_request *rq, web_response *rs)
{
    flow f;
    booking_hold hold;
    appointment moved;
    if (!hold_of(rq, rs, rq->query(rq->query_ctx, "hold"), &hold) ||
        !flow_of_hold(rq, rs, &f, &hold) ||
        !flow_move(rq, rs, &f, rq->query(rq->query_ctx, "move"), &moved))
        return;
    if (f.move)
        confirm_form(rq, rs, &f, &hold, NULL);
    else
        details_form(rq, rs, &f, &hold, NULL);
}

void page_details_post(web_request *rq, web_response *rs)
{
    flow f;
    booking_hold hold;
    details d;
    if (!web_form_ok(rq)) {
        bad_form(rq, rs, 403);
        return;
    }
    if (!hold_of(rq, rs, rq->form(rq->form_ctx, "hold"), &hold) || !flow_of_hold(rq, rs, &f, &hold))
        return;
    const char *trap = rq->form(rq->form_ctx, "website");
    if (trap && *trap) {
        bad_form(rq, rs, 400);
        return;
    }
    details_read(rq, &d);
    if (d.n_errors)
        details_form(rq, rs, &f, &hold, &d);
    else
        confirm_form(rq, rs, &f, &hold, &d);
}

/* Confirms a move: the appointment of the link goes to the hold's time. */
static void confirm_move(web_request *rq, web_response *rs, flow *f, const booking_hold *hold,
                         appointment *ap)
{
    store_rc rc = STORE_RETRY;
    if (ap->start - rq->now < f->bs.min_notice * 60) {
        page_notice(rq, rs, 403, f->c.name, MSG_YOUR_APPOINTMENT, MSG_TOO_LATE, NULL,
                    MSG_START_OVER);
        return;
    }
    for (int i = 0; i < ATTEMPTS && rc == STORE_RETRY; i++)
        rc = store_online_move(rq->store, hold->id, hold->owner, rq->now, ap, rq->arena);
    if (rc == STORE_NOT_FOUND) {
        hold_of(rq, rs, NULL, NULL); /* answers the 410 page */
        return;
    }
    const char *link =
        rc == STORE_OK ? web_link_make(rq, ap->id, ap->calendar_id, ap->start) : NULL;
    if (!link) {
        page_unavailable(rq, rs);
        return;
    }
    page_redirect(rs, arena_printf(rq->arena, "/book/%s/a/%s?lang=%s&moved=1", f->c.slug, link,
                                   i18n_code(rq->lang)));
}

void page_confirm(web_request *rq, web_response *rs)
{
    flow f;
    booking_hold hold;
    appointment moved;
    details d;
    if (!web_form_ok(rq)) {
        bad_form(rq, rs, 403);
        return;
    }
    if (!hold_of(rq, rs, rq->form(rq->form_ctx, "hold"), &hold) ||
        !flow_of_hold(rq, rs, &f, &hold) ||
        !flow_move(rq, rs, &f, rq->form(rq->form_ctx, "move"), &moved))
        return;
    if (f.move) {
        confirm_move(rq, rs, &f, &hold, &moved);
        return;
    }
    details_read(rq, &d);
    if (d.n_errors) {
        details_form(rq, rs, &f, &hold, &d);
        return;
    }
    if (!attempt(rq, rs, &f, ATTEMPT_BOOK))
        return;
    online_booking b = {
        .hold_id = hold.id,
        .owner = hold.owner,
        .patient = {.center_id = f.c.id,
                    .first_name = d.value[F_FIRST],
                    .last_name = d.value[F_LAST],
                    .email = d.value[F_EMAIL],
                    .phone_number = d.value[F_PHONE],
                    .birthdate = *d.value[F_BIRTH] ? d.value[F_BIRTH] : NULL,
                    .language_code = i18n_code(rq->lang)},
        .max_future = f.bs.max_future,
    };
    appointment ap;
    online_refusal why = ONLINE_OK;
    store_rc rc = STORE_RETRY;
    for (int i = 0; i < ATTEMPTS && rc == STORE_RETRY; i++) {
        ap = (appointment){.title = "", .status = APPT_BOOKED, .updated_at = rq->now};
        rc = store_online_book(rq->store, &b, rq->now, &ap, &why, rq->arena);
    }
    switch (rc == STORE_OK ? ONLINE_OK : why) {
    case ONLINE_OK:
        break;
    case ONLINE_HOLD_GONE:
        hold_of(rq, rs, NULL, NULL); /* answers the 410 page */
        return;
    case ONLINE_TAKEN:
        page_taken(rq, rs, &f, hold.start);
        return;
    case ONLINE_TOO_MANY:
        page_notice(rq, rs, 429, f.c.name, MSG_LIMIT_TITLE, MSG_REFUSED_TEXT, NULL, MSG_START_OVER);
        return;
    }
    const char *link = rc == STORE_OK ? web_link_make(rq, ap.id, ap.calendar_id, ap.start) : NULL;
    if (!link) {
        page_unavailable(rq, rs);
        return;
    }
    page_redirect(rs, arena_printf(rq->arena, "/book/%s/a/%s?lang=%s&booked=1", f.c.slug, link,
                                   i18n_code(rq->lang)));
}
