/* freeslots.c - a calendar's free slots: the store's rows handed to the
 * slot engine (sched/slots.h).
 *
 * The one path from the database to the engine, shared by the suggestions
 * and bookings of the API and by the booking page (src/web/), so both
 * always offer the same slots: it reads the calendar's center zone, weekly
 * hours, extra openings, absences and busy time (each an indexed query
 * bounded by the window, so the cost follows the window, not the
 * calendar's history) and asks slots_compute. */
#include <assert.h>

#include "store/internal.h"

store_rc store_calendar_slots(store *st, const calendar *k, int minutes, int64_t from, int64_t to,
                              int64_t now, size_t limit, arena *a, calendar_slots_out *out)
{
    assert(st && k && a && out && minutes > 0);
    center c;
    opening_hour *hours = NULL;
    time_range *openings = NULL, *absences = NULL;
    busy_interval *busy = NULL;
    size_t n_hours = 0, n_openings = 0, n_absences = 0, n_busy = 0;
    *out = (calendar_slots_out){.engine = SLOTS_OK};
    /* No slot may end after the last representable second. */
    int64_t last_start = SLOTS_TIME_MAX + 1 - (int64_t)minutes * 60;
    if (to > last_start)
        to = last_start;
    if (to <= from)
        to = from; /* nothing to offer, but the zone is still wanted */
    /* what can touch a slot that starts in the window */
    int64_t reach = to + (int64_t)minutes * 60;

    store_rc rc = store_center_get(st, k->center_id, a, &c);
    if (rc == STORE_OK)
        rc = store_opening_hours_get(st, k->id, a, &hours, &n_hours);
    if (rc == STORE_OK)
        rc = store_range_list(st, RANGE_OPENING, k->id, from, reach, a, &openings, &n_openings);
    if (rc == STORE_OK)
        rc = store_range_list(st, RANGE_ABSENCE, k->id, from, reach, a, &absences, &n_absences);
    if (rc == STORE_OK)
        rc = store_busy_list(st, k->id, from, reach, a, &busy, &n_busy);
    /* zones are checked when centers are made */
    if (rc == STORE_OK && tzfile_get(c.timezone, &out->zone) != TZFILE_OK)
        rc = STORE_ERROR;
    if (rc != STORE_OK || to <= from)
        return rc;

    /* The store's rows have the engine's layout but not its types. */
    slots_range *weekly = arena_calloc(a, n_hours + 1, sizeof *weekly);
    slots_interval *iv = arena_calloc(a, n_openings + n_absences + n_busy + 1, sizeof *iv);
    if (!weekly || !iv) {
        out->engine = SLOTS_NO_MEMORY;
        return STORE_OK;
    }
    for (size_t i = 0; i < n_hours; i++)
        weekly[i] = (slots_range){hours[i].day, hours[i].start, hours[i].stop};
    for (size_t i = 0; i < n_openings; i++)
        iv[i] = (slots_interval){openings[i].start, openings[i].stop};
    for (size_t i = 0; i < n_absences; i++)
        iv[n_openings + i] = (slots_interval){absences[i].start, absences[i].stop};
    for (size_t i = 0; i < n_busy; i++)
        iv[n_openings + n_absences + i] = (slots_interval){busy[i].start, busy[i].stop};

    slots_query q = {
        .zone = out->zone,
        .weekly = weekly,
        .weekly_count = n_hours,
        .openings = iv,
        .openings_count = n_openings,
        .absences = iv + n_openings,
        .absences_count = n_absences,
        .busy = iv + n_openings + n_absences,
        .busy_count = n_busy,
        .from = from,
        .to = to,
        .now = now,
        .step = k->slot_step,
        .duration = minutes,
        .limit = limit,
    };
    out->engine = slots_compute(&q, a, &out->slots, &out->n);
    return STORE_OK;
}
