/* suggestions.c - the slot engine's two uses: GET /suggestions proposes free
 * times, POST /calendars/{id}/bookings takes one.
 *
 * Both ask store_calendar_slots() (store/freeslots.c, the path the booking
 * page shares) for a calendar's free slots in a window: it reads the
 * calendar's center zone, weekly hours, extra openings, absences and busy
 * time (each an indexed query bounded by the window, so the cost follows the
 * window, not the calendar's history) and hands them to the pure engine in
 * src/sched.
 *
 * Every suggestion is bookable as returned: a calendar proposes only with a
 * service of its own (a service belongs to one calendar), and a booking's
 * start may be the ISO 8601 text a suggestion carries.
 *
 * A booking is a suggestion taken atomically: inside one write transaction
 * the booking's time is checked to be a slot the engine would offer at that
 * moment, then the appointment is inserted.  On SQLite the transaction holds
 * the write lock from its start, so concurrent bookings run one after the
 * other and the second sees the first's appointment; on PostgreSQL the
 * transaction is SERIALIZABLE, so the loser of a race fails to commit, is
 * run again (api_call) and then sees the slot taken.  Either way two
 * requests for one slot give one 201 and one 409. */
#include <assert.h>
#include <string.h>

#include "api/handler.h"
#include "api/resources.h"
#include "api/render.h"
#include "sched/slots.h"
#include "sched/tzfile.h"
#include "util/parse.h"

#define DAY            ((int64_t)86400)
#define DEFAULT_WINDOW (14 * DAY)
#define MAX_WINDOW     (62 * DAY)
#define DEFAULT_LIMIT  50
#define MAX_LIMIT      1000
/* Calendars one suggestions request may merge. */
#define MAX_CALENDARS 20

/* Free slots of calendar k for a service of `minutes`, starting in
 * [from, to), at most `limit`, and the zone of its center
 * (store_calendar_slots).  Returns API_OK with *out, *n and *zone_out, or a
 * failure already recorded in rs. */
static api_err calendar_slots(api_request *rq, api_response *rs, const calendar *k, int minutes,
                              int64_t from, int64_t to, size_t limit, slots_slot **out, size_t *n,
                              const tzfile **zone_out)
{
    calendar_slots_out found;
    store_rc rc =
        store_calendar_slots(rq->store, k, minutes, from, to, rq->now, limit, rq->arena, &found);
    /* only the center can be NOT_FOUND, and a calendar's center exists */
    if (rc != STORE_OK)
        return api_from_store(rs, rc, "calendar not found");
    *zone_out = found.zone;
    *out = found.slots;
    *n = found.n;
    switch (found.engine) {
    case SLOTS_OK:
        return API_OK;
    case SLOTS_TOO_BIG:
        return api_fail(rs, API_TOO_LARGE, "too much to compute for one request");
    case SLOTS_INVALID:
    case SLOTS_NO_MEMORY:
        break;
    }
    return api_fail(rs, API_INTERNAL, NULL);
}

/* Reads an optional whole-number query parameter within [min, max]. */
static bool query_number(api_request *rq, api_response *rs, const char *name, int64_t min,
                         int64_t max, int64_t *out)
{
    const char *raw = rq->query(rq->query_ctx, name);
    if (!raw)
        return true;
    if (!parse_int64(raw, out) || *out < min || *out > max) {
        api_field_error(rs, name,
                        arena_printf(rq->arena, "must be a whole number from %lld to %lld",
                                     (long long)min, (long long)max));
        return false;
    }
    return true;
}

/* Parses calendar_id: one id or several, comma separated.  A repeated id
 * counts once, where it first appears (each calendar proposes its slots
 * once, and ties keep that order); the limit counts distinct calendars. */
static bool query_calendars(api_request *rq, api_response *rs, int64_t *ids, size_t *n)
{
    const char *raw = rq->query(rq->query_ctx, "calendar_id");
    *n = 0;
    if (!raw || !*raw) {
        api_field_error(rs, "calendar_id", "is required");
        return false;
    }
    for (const char *p = raw;;) {
        const char *comma = strchr(p, ',');
        size_t len = comma ? (size_t)(comma - p) : strlen(p);
        char *one = arena_strndup(rq->arena, p, len);
        int64_t id = 0;
        if (!one || !parse_int64(one, &id) || id <= 0) {
            api_field_error(rs, "calendar_id",
                            "must be calendar ids separated by commas (at most 20)");
            return false;
        }
        size_t seen = 0;
        while (seen < *n && ids[seen] != id)
            seen++;
        if (seen == *n) {
            if (*n == MAX_CALENDARS) {
                api_field_error(rs, "calendar_id",
                                "must be calendar ids separated by commas (at most 20)");
                return false;
            }
            ids[(*n)++] = id;
        }
        if (!comma)
            return true;
        p = comma + 1;
    }
}

static cJSON *suggestion_render(int64_t calendar_id, int64_t service_id, const tzfile *zone,
                                const slots_slot *s)
{
    char start[SLOTS_ISO8601_SIZE], stop[SLOTS_ISO8601_SIZE];
    slots_format_iso8601(s->start, s->utc_offset, start, sizeof start);
    /* the stop with its own offset: a slot may end after a clock change */
    slots_format_iso8601(s->stop, tzfile_offset_at(zone, s->stop), stop, sizeof stop);
    cJSON *o = cJSON_CreateObject();
    bool ok = o && render_number(o, "calendar_id", calendar_id) &&
              render_number(o, "service_id", service_id) && render_string(o, "start", start) &&
              render_string(o, "stop", stop);
    if (!ok) {
        cJSON_Delete(o);
        return NULL;
    }
    return o;
}

api_err suggestions_list(api_request *rq, api_response *rs)
{
    int64_t ids[MAX_CALENDARS];
    size_t n_calendars = 0;
    int64_t service_id = 0, limit = DEFAULT_LIMIT;
    int64_t from = rq->now, to = 0;
    bool ok = query_calendars(rq, rs, ids, &n_calendars);
    ok &= query_number(rq, rs, "service_id", 1, INT64_MAX, &service_id);
    ok &= query_number(rq, rs, "start", 0, SLOTS_TIME_MAX, &from);
    to = from + DEFAULT_WINDOW;
    ok &= query_number(rq, rs, "stop", 0, SLOTS_TIME_MAX, &to);
    ok &= query_number(rq, rs, "limit", 1, MAX_LIMIT, &limit);
    const char *service_remote_id = rq->query(rq->query_ctx, "service_remote_id");
    if (ok && !service_id && (!service_remote_id || !*service_remote_id)) {
        api_field_error(rs, "service_id", "service_id or service_remote_id is required");
        ok = false;
    }
    if (ok && to <= from) {
        api_field_error(rs, "stop", "must be after start");
        ok = false;
    }
    if (ok && to - from > MAX_WINDOW) {
        api_field_error(rs, "stop", "the window may span 62 days at most");
        ok = false;
    }
    if (!ok)
        return api_fail(rs, API_BAD_REQUEST, "invalid query parameters");

    calendar *cals = arena_calloc(rq->arena, n_calendars, sizeof *cals);
    service *svcs = arena_calloc(rq->arena, n_calendars, sizeof *svcs);
    bool *has = arena_calloc(rq->arena, n_calendars, sizeof *has);
    slots_list *lists = arena_calloc(rq->arena, n_calendars, sizeof *lists);
    const tzfile **zones = arena_calloc(rq->arena, n_calendars, sizeof *zones);
    if (!cals || !svcs || !has || !lists || !zones)
        return api_fail(rs, API_INTERNAL, NULL);
    /* Every calendar must be the user's.  A service belongs to one calendar,
     * and a suggestion must be bookable as returned (its calendar, service
     * and start): so a calendar proposes only with a service of its own.  A
     * service_id names a service of one of the calendars, and only that one
     * proposes; a service_remote_id is looked up in each calendar, and those
     * without it propose nothing. */
    bool found = false;
    for (size_t i = 0; i < n_calendars; i++) {
        store_rc rc = store_user_calendar(rq->store, rq->user->id, ids[i], rq->arena, &cals[i]);
        if (rc != STORE_OK)
            return api_from_store(rs, rc, "calendar not found");
        object_ref ref = {.id = service_id, .remote_id = service_id ? NULL : service_remote_id};
        rc = store_service_get(rq->store, ids[i], &ref, rq->arena, &svcs[i]);
        if (rc == STORE_OK)
            has[i] = found = true;
        else if (rc != STORE_NOT_FOUND)
            return api_from_store(rs, rc, "service not found"); /* NOT_FOUND above */
    }
    if (!found)
        return api_fail(rs, API_NOT_FOUND, "service not found");
    for (size_t i = 0; i < n_calendars; i++) {
        const service *sv = has[i] ? &svcs[i] : NULL;
        slots_slot *slots = NULL;
        size_t n = 0;
        if (!sv)
            continue;
        api_err err = calendar_slots(rq, rs, &cals[i], (int)sv->duration, from, to, (size_t)limit,
                                     &slots, &n, &zones[i]);
        if (err != API_OK)
            return err;
        lists[i] = (slots_list){slots, n};
    }
    slots_pick *picks = NULL;
    size_t n_picks = 0;
    if (slots_merge(lists, n_calendars, (size_t)limit, rq->arena, &picks, &n_picks) != SLOTS_OK)
        return api_fail(rs, API_INTERNAL, NULL);

    cJSON *list = NULL;
    rs->body = render_list_envelope("suggestions", &list);
    if (!rs->body)
        return api_fail(rs, API_INTERNAL, NULL);
    for (size_t i = 0; i < n_picks; i++) {
        size_t k = picks[i].calendar;
        assert(has[k]);
        cJSON *o = suggestion_render(cals[k].id, svcs[k].id, zones[k], &picks[i].slot);
        if (!render_append_wrapped(list, "suggestion", o))
            return api_fail(rs, API_INTERNAL, NULL);
    }
    return API_OK;
}

/* True for "-?[0-9]+": the text of a number of Unix seconds. */
static bool is_integer_text(const char *s)
{
    s += *s == '-';
    return *s && strspn(s, "0123456789") == strlen(s);
}

/* Reads the booking's start: Unix seconds as every timestamp, or the ISO
 * 8601 form the suggestions return, with its offset (any offset: it names
 * an instant).  Problems, a missing start included, go to fe. */
static void booking_start(const cJSON *obj, field_errors *fe, int64_t *start)
{
    const cJSON *item = cJSON_GetObjectItemCaseSensitive(obj, "start");
    if (cJSON_IsString(item) && item->valuestring && *item->valuestring &&
        !is_integer_text(item->valuestring)) {
        int64_t t = 0;
        if (slots_parse_iso8601(item->valuestring, &t) && t >= 0 && t <= SLOTS_TIME_MAX)
            *start = t;
        else
            fields_error(fe, "start",
                         "must be Unix seconds or ISO 8601 with its UTC offset, such as "
                         "2027-03-01T08:30:00+01:00, from 1970 to 9999");
        return;
    }
    if (fields_timestamp(obj, "start", fe, start) != FIELD_SET &&
        !handler_field_failed(fe, "start"))
        fields_error(fe, "start", "is required");
}

/* Reads the booking body onto ap (start, patient, service, remote_id);
 * *minutes is the service's duration.  Field problems go to fe. */
static api_err booking_read(api_request *rq, api_response *rs, const cJSON *obj, field_errors *fe,
                            appointment *ap, int *minutes)
{
    service sv;
    object_ref ref = {0};
    const char *s = NULL;
    store_rc rc;

    if (fields_int(obj, "service_id", fe, &ref.id) != FIELD_SET) {
        if (fields_string(obj, "service_remote_id", fe, &s) == FIELD_SET && *s)
            ref.remote_id = s;
        else if (!fe->count)
            fields_error(fe, "service_id", "service_id or service_remote_id is required");
    }
    if (ref.id || ref.remote_id) {
        rc = store_service_get(rq->store, rq->owner_id, &ref, rq->arena, &sv);
        if (rc == STORE_NOT_FOUND)
            fields_error(fe, ref.remote_id ? "service_remote_id" : "service_id",
                         "no service of this calendar has it");
        else if (rc != STORE_OK)
            return api_from_store(rs, rc, "service not found"); /* NOT_FOUND above */
        else {
            ap->service_id = sv.id;
            *minutes = (int)sv.duration;
        }
    }
    booking_start(obj, fe, &ap->start);
    if (fields_string(obj, "patient_remote_id", fe, &s) != FIELD_SET || !*s) {
        if (!handler_field_failed(fe, "patient_remote_id"))
            fields_error(fe, "patient_remote_id", "is required");
    } else {
        patient p;
        object_ref pref = {.remote_id = s};
        rc = store_patient_get(rq->store, rq->calendar.center_id, &pref, rq->arena, &p);
        if (rc == STORE_NOT_FOUND)
            fields_error(fe, "patient_remote_id", "no patient of this center has this remote_id");
        else if (rc != STORE_OK)
            return api_from_store(rs, rc, "patient not found"); /* NOT_FOUND above */
        else
            ap->patient_id = p.id;
    }
    switch (fields_string(obj, "remote_id", fe, &s)) {
    case FIELD_SET:
        ap->remote_id = *s ? s : NULL;
        break;
    default:
        break;
    }
    return API_OK;
}

api_err bookings_create(api_request *rq, api_response *rs)
{
    const cJSON *obj = NULL;
    api_err err = handler_body_object(rq, rs, "booking", &obj);
    if (err != API_OK)
        return err;
    field_errors fe = {.arena = rq->arena, .prefix = ""};
    appointment ap = {.calendar_id = rq->owner_id, .title = "", .status = APPT_BOOKED};
    int minutes = 0;
    slots_slot *slots = NULL;
    size_t n = 0;
    cJSON *rendered = NULL;

    store_rc rc = STORE_OK;
    err = handler_begin(rq, rs);
    if (err != API_OK)
        return err;
    err = booking_read(rq, rs, obj, &fe, &ap, &minutes);
    if (err == API_OK && fe.count)
        err = api_fail(rs, API_INVALID, "the booking is invalid");
    /* Is the time a slot the engine offers now?  Asked inside the transaction
     * that takes it, so no other booking can slip in between. */
    const tzfile *zone = NULL;
    if (err == API_OK)
        err = calendar_slots(rq, rs, &rq->calendar, minutes, ap.start, ap.start + 1, 1, &slots, &n,
                             &zone);
    if (err == API_OK && (n == 0 || slots[0].start != ap.start))
        err = api_fail(rs, API_CONFLICT, "this time is not free for this service");
    if (err == API_OK) {
        ap.stop = ap.start + (int64_t)minutes * 60;
        ap.updated_at = rq->now;
        rc = store_appointment_insert(rq->store, &ap);
        object_ref ref = {.id = ap.id};
        if (rc == STORE_OK)
            rc = store_appointment_get(rq->store, rq->owner_id, &ref, rq->arena, &ap);
        if (rc == STORE_CONFLICT)
            fields_error(&fe, "remote_id", "is already in use");
        /* NOT_FOUND would be a patient or service gone since booking_read
         * found them in this transaction: it cannot happen */
        if (rc != STORE_OK)
            err = api_from_store(rs, rc, "the booking's patient or service was not found");
    }
    if (err == API_OK) {
        rendered = appointment_render(&ap);
        if (!rendered)
            err = api_fail(rs, API_INTERNAL, NULL);
    }
    err = handler_finish(rq, rs, err);
    if (err != API_OK) {
        cJSON_Delete(rendered);
        return handler_fail_fields(rs, &fe, err, rs->message);
    }
    return handler_render_single(rs, "appointment", rendered, API_CREATED);
}
