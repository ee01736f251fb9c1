/* ics.h - the iCalendar file (RFC 5545) attached to a patient's email, so
 * the appointment can be added to a calendar with one click.
 *
 * One VCALENDAR (VERSION 2.0, our PRODID, METHOD:PUBLISH) holding one
 * VEVENT.  Its UID is `appointment-<id>@<host>`, the same for every message
 * about that appointment, and its SEQUENCE the appointment's version: a
 * calendar that imported the confirmation replaces the event with the
 * change notice's and marks it cancelled with the cancellation's (STATUS
 * CANCELLED), instead of keeping two events.  Times are written in UTC
 * (DTSTART:...Z), which every client converts to its own zone, so no
 * VTIMEZONE is needed.  Built with libical, which escapes and folds the
 * text; lines end in CRLF. */
#ifndef AGENDA_NOTIFY_ICS_H
#define AGENDA_NOTIFY_ICS_H

#include <stdbool.h>
#include <stdint.h>

#include "util/buf.h"

#define ICS_PRODID "-//Agenda//Agenda appointment reminders//EN"
/* 3000-12-31T23:59:59Z: libical writes no later time (the API takes times
 * up to 9999; an appointment after 3000 gets no calendar file) */
#define ICS_TIME_MAX INT64_C(32535215999)

typedef struct ics_event {
    int64_t appointment_id; /* >= 0 */
    const char *host;       /* the UID's domain: the server's public host name */
    int64_t version;        /* SEQUENCE: 0 .. INT32_MAX */
    int64_t now;            /* DTSTAMP, Unix seconds, 0 .. ICS_TIME_MAX */
    int64_t start, stop;    /* DTSTART and DTEND, as now; stop >= start */
    const char *summary;    /* UTF-8; NULL or "": no SUMMARY */
    const char *location;   /* UTF-8; NULL or "": no LOCATION */
    bool cancelled;         /* STATUS:CANCELLED, else STATUS:CONFIRMED */
} ics_event;

/* Appends the calendar of `e` to `out` (NUL-terminated as every buf).
 * False and *err (a static English phrase) when a field is out of range
 * (an id or version out of range, a host that is empty or holds anything but
 * letters, digits, '-' and '.', text that is not UTF-8, a stop before the
 * start, a time outside 0 .. ICS_TIME_MAX), when libical fails, or when `out`
 * fails (its limit or memory); `out` may then hold part of the calendar. */
bool ics_build(const ics_event *e, buf *out, const char **err);

#endif
