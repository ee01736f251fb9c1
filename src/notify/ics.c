/* ics.c - the appointment as an iCalendar file, with libical (see ics.h).
 *
 * libical escapes TEXT values (commas, semicolons, backslashes, line
 * breaks) and folds long lines; what it leaves alone are the other control
 * characters, which iCalendar forbids in text: they become spaces here
 * rather than failing the whole email over a stray byte in a name. */
#include "notify/ics.h"

#include <assert.h>
#include <libical/ical.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util/utf8.h"

#define HOST_MAX 253

static bool host_ok(const char *host)
{
    size_t n = strlen(host);
    if (n == 0 || n > HOST_MAX)
        return false;
    for (size_t i = 0; i < n; i++) {
        char c = host[i];
        if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
              c == '-' || c == '.'))
            return false;
    }
    return true;
}

/* A malloc'd copy of s with the control characters iCalendar forbids in
 * text (all but TAB, LF and CR) made spaces; NULL when memory fails. */
static char *text_copy(const char *s)
{
    char *copy = strdup(s);
    for (char *p = copy; p && *p; p++)
        if ((*p > 0 && *p < 0x20 && *p != '\t' && *p != '\n' && *p != '\r') || *p == 0x7f)
            *p = ' ';
    return copy;
}

/* Adds p to c; false when p is NULL (libical ran out of memory). */
static bool add(icalcomponent *c, icalproperty *p)
{
    if (!p)
        return false;
    icalcomponent_add_property(c, p);
    return true;
}

static struct icaltimetype utc(int64_t t)
{
    return icaltime_from_timet_with_zone((time_t)t, 0, icaltimezone_get_utc_timezone());
}

bool ics_build(const ics_event *e, buf *out, const char **err)
{
    assert(e != NULL && e->host != NULL && out != NULL);
    bool ok = false;
    const char *why = NULL;
    icalcomponent *cal = NULL;
    icalcomponent *event = NULL;
    char *summary = NULL;
    char *location = NULL;
    char *text = NULL;
    /* libical's parser takes an empty text value for an error: leave it out */
    const char *sum = e->summary && *e->summary ? e->summary : NULL;
    const char *loc = e->location && *e->location ? e->location : NULL;

    if (e->appointment_id < 0 || e->version < 0 || e->version > INT32_MAX) {
        why = "appointment id or version out of range";
        goto done;
    }
    if (!host_ok(e->host)) {
        why = "the calendar's host name is empty or not a host name";
        goto done;
    }
    if (e->now < 0 || e->now > ICS_TIME_MAX || e->start < 0 || e->start > ICS_TIME_MAX ||
        e->stop < 0 || e->stop > ICS_TIME_MAX) {
        why = "time out of range for a calendar";
        goto done;
    }
    if (e->stop < e->start) {
        why = "the appointment ends before it starts";
        goto done;
    }
    if ((sum && !utf8_valid(sum, strlen(sum))) || (loc && !utf8_valid(loc, strlen(loc)))) {
        why = "calendar text is not UTF-8";
        goto done;
    }
    char uid[sizeof "appointment-@" + 20 + HOST_MAX];
    snprintf(uid, sizeof uid, "appointment-%lld@%s", (long long)e->appointment_id, e->host);

    summary = sum ? text_copy(sum) : NULL;
    location = loc ? text_copy(loc) : NULL;
    cal = icalcomponent_new_vcalendar();
    event = icalcomponent_new_vevent();
    if ((sum && !summary) || (loc && !location) || !cal || !event) {
        why = "out of memory";
        goto done;
    }
    if (!add(cal, icalproperty_new_version("2.0")) ||
        !add(cal, icalproperty_new_prodid(ICS_PRODID)) ||
        !add(cal, icalproperty_new_method(ICAL_METHOD_PUBLISH)) ||
        !add(event, icalproperty_new_uid(uid)) ||
        !add(event, icalproperty_new_sequence((int)e->version)) ||
        !add(event, icalproperty_new_dtstamp(utc(e->now))) ||
        !add(event, icalproperty_new_dtstart(utc(e->start))) ||
        !add(event, icalproperty_new_dtend(utc(e->stop))) ||
        (summary && !add(event, icalproperty_new_summary(summary))) ||
        (location && !add(event, icalproperty_new_location(location))) ||
        !add(event, icalproperty_new_status(e->cancelled ? ICAL_STATUS_CANCELLED
                                                         : ICAL_STATUS_CONFIRMED))) {
        why = "out of memory";
        goto done;
    }
    icalcomponent_add_component(cal, event);
    event = NULL; /* the calendar owns it now */
    text = icalcomponent_as_ical_string_r(cal);
    if (!text) {
        why = "libical could not write the calendar";
        goto done;
    }
    if (!buf_add(out, text, strlen(text))) {
        why = out->state == BUF_TOO_LARGE ? "calendar too large" : "out of memory";
        goto done;
    }
    ok = true;
done:
    if (text)
        icalmemory_free_buffer(text);
    if (event)
        icalcomponent_free(event);
    if (cal)
        icalcomponent_free(cal);
    free(summary);
    free(location);
    if (err)
        *err = why;
    return ok;
}
