/* expand.c - iCalendar text to busy intervals, with libical (expand.h).
 *
 * Every VEVENT of every VCALENDAR in the text is read.  A VEVENT with a
 * RECURRENCE-ID is an override of one instance of its UID's recurring
 * event; any other is a master.  Intervals are half-open, [start, stop), in
 * Unix seconds, and kept when they overlap the horizon.
 *
 * Masters.  The recurrence set is DTSTART, every RRULE's instances and
 * every RDATE (a PERIOD RDATE keeps its own end), minus the EXDATEs, minus
 * the instances an override replaces (same UID, RECURRENCE-ID equal to the
 * instance's start as an instant).  Rules are iterated by libical in the
 * wall clock of DTSTART, and each instance is turned into an instant in
 * DTSTART's zone, so a weekly 10:00 Europe/Brussels meeting stays at 10:00
 * local across a DST change.  UNTIL is compared here, as an instant (libical
 * 3.0 compares it in mixed zones).  EXRULE (deprecated by RFC 5545) is
 * ignored.
 *
 * Overrides are events of their own: their DTSTART/DTEND, their status.
 * A moved instance blocks its new time only; a cancelled one (STATUS:
 * CANCELLED) blocks nothing.  RANGE=THISANDFUTURE is read as this instance
 * only.  An override whose master is missing blocks like a single event.
 *
 * Times.  A DATE-TIME in UTC is an instant.  One with a TZID is read in the
 * VTIMEZONE of that TZID in the same VCALENDAR when there is one, else in
 * the IANA zone of that name (sched/tzfile; most feeds name Olson zones),
 * else in the center's zone.  A floating DTSTART is in the center's zone;
 * floating EXDATE, RDATE and RECURRENCE-ID values are in DTSTART's zone.  A
 * local time that occurs twice is its first instant; one in a gap is the
 * first instant after it.  All-day events (VALUE=DATE) cover the center's
 * local days, from local midnight to local midnight.  A value that is no
 * real date (libical reads any digits) is dropped with what needs it: an
 * event without a real DTSTART or DTEND blocks nothing, and a bad EXDATE,
 * RDATE, RECURRENCE-ID or UNTIL is ignored, which can only block more.
 *
 * Durations.  DTEND (exact: the instants' difference, applied to every
 * instance), else DURATION (its days and weeks are nominal: added to the
 * local date; its hours, minutes, seconds exact), else RFC 5545's default:
 * one day for an all-day event, nothing for a timed one (it blocks no
 * time).  An event ending at or before its start blocks nothing.
 *
 * Not blocking: TRANSP:TRANSPARENT, STATUS:CANCELLED, and declined events.
 * An event is declined when an ATTENDEE that is the calendar's owner has
 * PARTSTAT=DECLINED.  The owner's addresses are the caller's (a CalDAV
 * account's), plus the VCALENDAR's X-WR-CALNAME when it is an address
 * (Google names a primary calendar's secret feed after its owner).  Other
 * attendees' answers do not matter, and without a known owner nothing is
 * taken as declined: a wrong guess then blocks time, never frees it. */
#include "sync/expand.h"

#include <assert.h>
#include <libical/ical.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "sched/civil.h"
#include "util/buf.h"

#define DAY           ((int64_t)86400)
#define SPAN_DAYS_MAX ((int64_t)1000)
#define OWNERS_MAX    16
#define ADDRESS_MAX   320
#define ROWS_LIMIT    ((size_t)EXPAND_MAX_INTERVALS * sizeof(external_busy) + 1)
#define INSTANCE_MAX  ((size_t)EXPAND_MAX_INSTANCES * 2 * sizeof(busy_interval) + 1)

/* The zone a time value is read in: a VTIMEZONE of the text, or a tzfile
 * zone (exactly one is set). */
typedef struct zone_ref {
    icaltimezone *ical;
    const tzfile *tz;
} zone_ref;

/* An override's key: its UID and the instant it replaces. */
typedef struct override_key {
    const char *uid;
    int64_t rid;
} override_key;

typedef struct ctx {
    const expand_options *o;
    arena *a;
    icalcomponent *vcal; /* the VCALENDAR being read */
    const char *owners[OWNERS_MAX + 1];
    size_t n_owners;
    override_key *overrides; /* sorted */
    size_t n_overrides;
    buf rows; /* external_busy */
    size_t events;
    char *err;
    size_t errlen;
} ctx;

static expand_rc fail(ctx *x, expand_rc rc, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static expand_rc fail(ctx *x, expand_rc rc, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(x->err, x->errlen, fmt, ap);
    va_end(ap);
    return rc;
}

/* ---- time ------------------------------------------------------------- */

/* True when t is a date (and time) that exists: libical reads any digits
 * (a month 73, a 31 February), and nothing else here accepts them. */
static bool valid(struct icaltimetype t)
{
    if (icaltime_is_null_time(t) || t.year < 1 || t.year > 9999 || t.month < 1 || t.month > 12 ||
        t.day < 1 || t.day > civil_month_length(t.year, t.month))
        return false;
    return t.is_date || (t.hour >= 0 && t.hour <= 23 && t.minute >= 0 && t.minute <= 59 &&
                         t.second >= 0 && t.second <= 60);
}

/* The wall-clock fields of t as seconds of a UTC-like count. */
static int64_t wall_seconds(struct icaltimetype t)
{
    int64_t days = civil_days_from_date(t.year, t.month, t.day);
    if (t.is_date)
        return days * DAY;
    return days * DAY + t.hour * 3600 + t.minute * 60 + t.second;
}

/* Local midnight of t's date in the center's zone. */
static int64_t center_midnight(const ctx *x, struct icaltimetype t)
{
    return tzfile_resolve(x->o->zone, civil_days_from_date(t.year, t.month, t.day) * DAY,
                          TZFILE_EARLIEST);
}

/* t (valid) as an instant: a date is the center's local midnight, UTC is
 * UTC, else the wall clock in z. */
static int64_t to_unix(const ctx *x, struct icaltimetype t, zone_ref z)
{
    assert(valid(t));
    if (t.is_date)
        return center_midnight(x, t);
    if (icaltime_is_utc(t))
        return wall_seconds(t);
    if (z.ical) {
        struct icaltimetype local = t;
        local.zone = NULL;
        return (int64_t)icaltime_as_timet_with_zone(local, z.ical);
    }
    return tzfile_resolve(z.tz, wall_seconds(t), TZFILE_EARLIEST);
}

/* The zone of property p's TZID, or `dflt` when it has none. */
static zone_ref prop_zone(const ctx *x, icalproperty *p, zone_ref dflt)
{
    icalparameter *param = icalproperty_get_first_parameter(p, ICAL_TZID_PARAMETER);
    const char *tzid = param ? icalparameter_get_tzid(param) : NULL;
    if (!tzid || !*tzid)
        return dflt;
    icaltimezone *own = icalcomponent_get_timezone(x->vcal, tzid);
    if (own)
        return (zone_ref){.ical = own};
    const tzfile *z = NULL;
    if (tzfile_is_iana_name(tzid) && tzfile_get(tzid, &z) == TZFILE_OK)
        return (zone_ref){.tz = z};
    return (zone_ref){.tz = x->o->zone};
}

/* t moved by `days` local days (wall clock). */
static struct icaltimetype add_days(struct icaltimetype t, int64_t days)
{
    t.day += (int)days;
    return icaltime_normalize(t);
}

/* ---- what blocks ------------------------------------------------------ */

/* The address without "mailto:". */
static const char *bare_address(const char *s)
{
    return strncasecmp(s, "mailto:", 7) == 0 ? s + 7 : s;
}

static bool is_owner(const ctx *x, const char *address)
{
    const char *a = bare_address(address);
    for (size_t i = 0; i < x->n_owners; i++)
        if (strcasecmp(a, bare_address(x->owners[i])) == 0)
            return true;
    return false;
}

static bool declined(const ctx *x, icalcomponent *ev)
{
    if (x->n_owners == 0)
        return false;
    for (icalproperty *p = icalcomponent_get_first_property(ev, ICAL_ATTENDEE_PROPERTY); p;
         p = icalcomponent_get_next_property(ev, ICAL_ATTENDEE_PROPERTY)) {
        const char *who = icalproperty_get_attendee(p);
        icalparameter *ps = icalproperty_get_first_parameter(p, ICAL_PARTSTAT_PARAMETER);
        if (who && ps && icalparameter_get_partstat(ps) == ICAL_PARTSTAT_DECLINED &&
            is_owner(x, who))
            return true;
    }
    return false;
}

static bool blocks(const ctx *x, icalcomponent *ev)
{
    icalproperty *transp = icalcomponent_get_first_property(ev, ICAL_TRANSP_PROPERTY);
    if (transp) {
        icalproperty_transp t = icalproperty_get_transp(transp);
        if (t == ICAL_TRANSP_TRANSPARENT || t == ICAL_TRANSP_TRANSPARENTNOCONFLICT)
            return false;
    }
    icalproperty *status = icalcomponent_get_first_property(ev, ICAL_STATUS_PROPERTY);
    if (status && icalproperty_get_status(status) == ICAL_STATUS_CANCELLED)
        return false;
    return !declined(x, ev);
}

/* ---- output ----------------------------------------------------------- */

static const char *event_uid(icalcomponent *ev)
{
    const char *uid = icalcomponent_get_uid(ev);
    return uid ? uid : "";
}

/* Appends [start, stop) of `uid` when it blocks time in the horizon. */
static expand_rc emit(ctx *x, const char *uid, int64_t start, int64_t stop)
{
    if (stop <= start || stop <= x->o->from || start >= x->o->to)
        return EXPAND_OK;
    if (x->rows.len / sizeof(external_busy) >= EXPAND_MAX_INTERVALS)
        return fail(x, EXPAND_TOO_BIG, "more than %d busy intervals in the horizon",
                    EXPAND_MAX_INTERVALS);
    const char *item = x->o->item ? x->o->item : arena_strdup(x->a, uid);
    external_busy row = {.item = item, .start = start, .stop = stop};
    if (!item || !buf_add(&x->rows, &row, sizeof row))
        return fail(x, EXPAND_NO_MEMORY, "out of memory");
    return EXPAND_OK;
}

/* ---- one event -------------------------------------------------------- */

/* How long each instance of an event lasts. */
typedef struct span {
    bool ok; /* false: an end that is no date (the event is skipped) */
    bool all_day;
    int64_t days;  /* nominal: local days added to the start */
    int64_t exact; /* seconds added after that */
} span;

static span event_span(const ctx *x, icalcomponent *ev, struct icaltimetype dt, zone_ref z)
{
    span s = {.ok = true, .all_day = dt.is_date != 0};
    icalproperty *end = icalcomponent_get_first_property(ev, ICAL_DTEND_PROPERTY);
    icalproperty *dur = icalcomponent_get_first_property(ev, ICAL_DURATION_PROPERTY);
    if (end) {
        struct icaltimetype de = icalproperty_get_dtend(end);
        if (!valid(de)) {
            s.ok = false;
            return s;
        }
        if (s.all_day)
            s.days = civil_days_from_date(de.year, de.month, de.day) -
                     civil_days_from_date(dt.year, dt.month, dt.day);
        else
            s.exact = to_unix(x, de, prop_zone(x, end, z)) - to_unix(x, dt, z);
    } else if (dur) {
        struct icaldurationtype d = icalproperty_get_duration(dur);
        if (d.is_neg)
            return s;
        int64_t days = (int64_t)d.days + 7 * (int64_t)d.weeks;
        int64_t secs = (int64_t)d.hours * 3600 + (int64_t)d.minutes * 60 + d.seconds;
        if (s.all_day) {
            s.days = days + (secs + DAY - 1) / DAY;
        } else {
            s.days = days;
            s.exact = secs;
        }
    } else if (s.all_day) {
        s.days = 1;
    }
    /* nothing longer is worth reading (the horizon is 401 days), and the
     * wall-clock arithmetic stays small */
    if (s.days > SPAN_DAYS_MAX)
        s.days = SPAN_DAYS_MAX;
    if (s.exact > SPAN_DAYS_MAX * DAY)
        s.exact = SPAN_DAYS_MAX * DAY;
    return s;
}

/* The interval of the instance starting at wall time t in zone z. */
static busy_interval instance(const ctx *x, struct icaltimetype t, zone_ref z, span s)
{
    busy_interval iv = {.start = to_unix(x, t, z)};
    if (s.all_day) {
        iv.stop = center_midnight(x, add_days(t, s.days));
    } else {
        iv.stop = (s.days ? to_unix(x, add_days(t, s.days), z) : iv.start) + s.exact;
    }
    return iv;
}

static int cmp_override(const void *pa, const void *pb)
{
    const override_key *a = pa, *b = pb;
    int c = strcmp(a->uid, b->uid);
    return c ? c : (a->rid > b->rid) - (a->rid < b->rid);
}

static bool overridden(const ctx *x, const char *uid, int64_t start)
{
    override_key key = {uid, start};
    return x->n_overrides &&
           bsearch(&key, x->overrides, x->n_overrides, sizeof key, cmp_override) != NULL;
}

static int cmp_interval(const void *pa, const void *pb)
{
    const busy_interval *a = pa, *b = pb;
    if (a->start != b->start)
        return (a->start > b->start) - (a->start < b->start);
    return (a->stop > b->stop) - (a->stop < b->stop);
}

/* Adds one instance to the event's set when it may touch the horizon. */
static expand_rc add_instance(ctx *x, buf *set, busy_interval iv, const char *uid)
{
    if (iv.stop <= x->o->from || iv.start >= x->o->to)
        return EXPAND_OK;
    if (set->len / sizeof iv >= EXPAND_MAX_INSTANCES)
        return fail(x, EXPAND_TOO_BIG, "event '%.80s' has more than %d instances in the horizon",
                    uid, EXPAND_MAX_INSTANCES);
    if (!buf_add(set, &iv, sizeof iv))
        return fail(x, EXPAND_NO_MEMORY, "out of memory");
    return EXPAND_OK;
}

/* The instances of one RRULE, from DTSTART to the horizon's end. */
static expand_rc add_rule(ctx *x, buf *set, icalproperty *p, struct icaltimetype dt, zone_ref z,
                          span s, const char *uid)
{
    struct icalrecurrencetype rule = icalproperty_get_rrule(p);
    /* an UNTIL that is no date is ignored: the horizon bounds the rule */
    bool has_until = valid(rule.until);
    int64_t until = 0;
    if (has_until) {
        if (rule.until.is_date && !dt.is_date) /* the whole of that day */
            until = to_unix(x, add_days(rule.until, 1), z) - 1;
        else
            until = to_unix(x, rule.until, z);
    }
    rule.until = icaltime_null_time();
    struct icaltimetype start = dt;
    start.zone = NULL;
    icalrecur_iterator *it = icalrecur_iterator_new(rule, start);
    if (!it)
        return EXPAND_OK; /* a rule libical cannot read: DTSTART alone */
    expand_rc rc = EXPAND_OK;
    size_t steps = 0;
    for (;;) {
        struct icaltimetype t = icalrecur_iterator_next(it);
        if (icaltime_is_null_time(t) || !valid(t))
            break;
        if (++steps > EXPAND_MAX_STEPS) {
            rc = fail(x, EXPAND_TOO_BIG, "event '%.80s' recurs more than %d times", uid,
                      EXPAND_MAX_STEPS);
            break;
        }
        t.is_date = dt.is_date;
        t.zone = dt.zone; /* UTC stays UTC */
        busy_interval iv = instance(x, t, z, s);
        if ((has_until && iv.start > until) || iv.start >= x->o->to)
            break;
        if ((rc = add_instance(x, set, iv, uid)) != EXPAND_OK)
            break;
    }
    icalrecur_iterator_free(it);
    return rc;
}

/* A master event: its recurrence set, minus EXDATEs and overridden
 * instances. */
static expand_rc expand_master(ctx *x, icalcomponent *ev, struct icaltimetype dt, zone_ref z)
{
    const char *uid = event_uid(ev);
    span s = event_span(x, ev, dt, z);
    if (!s.ok)
        return EXPAND_OK;
    buf set, ex;
    buf_init(&set, INSTANCE_MAX, x->a);
    buf_init(&ex, SIZE_MAX / 2, x->a);
    expand_rc rc = add_instance(x, &set, instance(x, dt, z, s), uid);
    for (icalproperty *p = icalcomponent_get_first_property(ev, ICAL_RRULE_PROPERTY);
         p && rc == EXPAND_OK; p = icalcomponent_get_next_property(ev, ICAL_RRULE_PROPERTY))
        rc = add_rule(x, &set, p, dt, z, s, uid);
    for (icalproperty *p = icalcomponent_get_first_property(ev, ICAL_RDATE_PROPERTY);
         p && rc == EXPAND_OK; p = icalcomponent_get_next_property(ev, ICAL_RDATE_PROPERTY)) {
        struct icaldatetimeperiodtype r = icalproperty_get_rdate(p);
        zone_ref rz = prop_zone(x, p, z);
        if (valid(r.time)) {
            rc = add_instance(x, &set, instance(x, r.time, rz, s), uid);
        } else if (valid(r.period.start)) {
            busy_interval iv = {.start = to_unix(x, r.period.start, rz)};
            if (valid(r.period.end))
                iv.stop = to_unix(x, r.period.end, rz);
            else if (!r.period.duration.is_neg)
                iv.stop = iv.start + icaldurationtype_as_int(r.period.duration);
            rc = add_instance(x, &set, iv, uid);
        }
    }
    for (icalproperty *p = icalcomponent_get_first_property(ev, ICAL_EXDATE_PROPERTY);
         p && rc == EXPAND_OK; p = icalcomponent_get_next_property(ev, ICAL_EXDATE_PROPERTY)) {
        struct icaltimetype e = icalproperty_get_exdate(p);
        int64_t t = valid(e) ? to_unix(x, e, prop_zone(x, p, z)) : 0;
        if (valid(e) && !buf_add(&ex, &t, sizeof t))
            rc = fail(x, EXPAND_NO_MEMORY, "out of memory");
    }
    if (rc != EXPAND_OK)
        return rc;
    busy_interval *iv = (busy_interval *)set.data;
    size_t n = set.len / sizeof *iv;
    const int64_t *exdates = (const int64_t *)ex.data;
    size_t n_ex = ex.len / sizeof *exdates;
    if (n > 1)
        qsort(iv, n, sizeof *iv, cmp_interval);
    for (size_t i = 0; i < n && rc == EXPAND_OK; i++) {
        if (i > 0 && iv[i].start == iv[i - 1].start)
            continue; /* an RDATE repeating a rule's instance */
        bool excluded = overridden(x, uid, iv[i].start);
        for (size_t k = 0; k < n_ex && !excluded; k++)
            excluded = exdates[k] == iv[i].start;
        if (!excluded)
            rc = emit(x, uid, iv[i].start, iv[i].stop);
    }
    return rc;
}

/* One VEVENT: an override (a single instance) or a master. */
static expand_rc expand_event(ctx *x, icalcomponent *ev)
{
    icalproperty *start = icalcomponent_get_first_property(ev, ICAL_DTSTART_PROPERTY);
    if (!start || !blocks(x, ev))
        return EXPAND_OK;
    struct icaltimetype dt = icalproperty_get_dtstart(start);
    if (!valid(dt))
        return EXPAND_OK; /* no time to block */
    zone_ref z = prop_zone(x, start, (zone_ref){.tz = x->o->zone});
    if (icalcomponent_get_first_property(ev, ICAL_RECURRENCEID_PROPERTY)) {
        span s = event_span(x, ev, dt, z);
        if (!s.ok)
            return EXPAND_OK;
        busy_interval iv = instance(x, dt, z, s);
        return emit(x, event_uid(ev), iv.start, iv.stop);
    }
    return expand_master(x, ev, dt, z);
}

/* ---- the text --------------------------------------------------------- */

/* Reads the VCALENDAR's overrides into x->overrides and its X-WR-CALNAME
 * into the owners. */
static expand_rc read_calendar(ctx *x, icalcomponent *vcal)
{
    x->vcal = vcal;
    x->n_owners = 0;
    for (size_t i = 0; i < x->o->n_owners && x->n_owners < OWNERS_MAX; i++)
        x->owners[x->n_owners++] = x->o->owners[i];
    for (icalproperty *p = icalcomponent_get_first_property(vcal, ICAL_X_PROPERTY); p;
         p = icalcomponent_get_next_property(vcal, ICAL_X_PROPERTY)) {
        const char *name = icalproperty_get_x_name(p);
        const char *value = icalproperty_get_x(p);
        if (x->n_owners <= OWNERS_MAX && name && value && strcasecmp(name, "X-WR-CALNAME") == 0 &&
            strchr(value, '@') && !strchr(value, ' ') && strlen(value) <= ADDRESS_MAX)
            x->owners[x->n_owners++] = arena_strdup(x->a, value);
    }
    buf keys;
    buf_init(&keys, SIZE_MAX / 2, x->a);
    for (icalcomponent *ev = icalcomponent_get_first_component(vcal, ICAL_VEVENT_COMPONENT); ev;
         ev = icalcomponent_get_next_component(vcal, ICAL_VEVENT_COMPONENT)) {
        if (++x->events > EXPAND_MAX_EVENTS)
            return fail(x, EXPAND_TOO_BIG, "more than %d events", EXPAND_MAX_EVENTS);
        icalproperty *rid = icalcomponent_get_first_property(ev, ICAL_RECURRENCEID_PROPERTY);
        icalproperty *start = icalcomponent_get_first_property(ev, ICAL_DTSTART_PROPERTY);
        struct icaltimetype when = rid ? icalproperty_get_recurrenceid(rid) : icaltime_null_time();
        if (!valid(when))
            continue; /* no instance to replace: the master's stay */
        /* a floating RECURRENCE-ID is read in the zone of DTSTART */
        zone_ref z = start ? prop_zone(x, start, (zone_ref){.tz = x->o->zone})
                           : (zone_ref){.tz = x->o->zone};
        override_key k = {arena_strdup(x->a, event_uid(ev)),
                          to_unix(x, when, prop_zone(x, rid, z))};
        if (!k.uid || !buf_add(&keys, &k, sizeof k))
            return fail(x, EXPAND_NO_MEMORY, "out of memory");
    }
    x->overrides = (override_key *)keys.data;
    x->n_overrides = keys.len / sizeof(override_key);
    if (x->n_overrides > 1)
        qsort(x->overrides, x->n_overrides, sizeof(override_key), cmp_override);
    return EXPAND_OK;
}

static expand_rc expand_calendar(ctx *x, icalcomponent *vcal)
{
    expand_rc rc = read_calendar(x, vcal);
    for (icalcomponent *ev = icalcomponent_get_first_component(vcal, ICAL_VEVENT_COMPONENT);
         ev && rc == EXPAND_OK; ev = icalcomponent_get_next_component(vcal, ICAL_VEVENT_COMPONENT))
        rc = expand_event(x, ev);
    return rc;
}

/* True when the text's last line is END:VCALENDAR: a body cut short
 * (a connection closed mid-transfer without framing) is not a calendar
 * that lost its last events. */
static bool ends_with_calendar(const char *text, size_t len)
{
    while (len > 0 && (text[len - 1] == '\n' || text[len - 1] == '\r' || text[len - 1] == ' ' ||
                       text[len - 1] == '\t'))
        len--;
    static const char tail[] = "END:VCALENDAR";
    size_t t = sizeof tail - 1;
    return len >= t && strncasecmp(text + len - t, tail, t) == 0 &&
           (len == t || text[len - t - 1] == '\n');
}

static int cmp_busy(const void *pa, const void *pb)
{
    const external_busy *a = pa, *b = pb;
    if (a->start != b->start)
        return (a->start > b->start) - (a->start < b->start);
    return (a->stop > b->stop) - (a->stop < b->stop);
}

expand_rc expand_ics(const char *text, size_t len, const expand_options *o, arena *a,
                     expand_result *out, char *err, size_t errlen)
{
    assert(text && o && o->zone && a && out && err && errlen > 0 && text[len] == '\0');
    assert(o->from <= o->to && (o->owners || o->n_owners == 0));
    ctx x = {.o = o, .a = a, .err = err, .errlen = errlen};
    buf_init(&x.rows, ROWS_LIMIT, a);
    icalcomponent *root = NULL;
    expand_rc rc = EXPAND_OK;
    err[0] = '\0';
    *out = (expand_result){0};
    if (len > EXPAND_MAX_BYTES) {
        rc = fail(&x, EXPAND_TOO_BIG, "more than %zu bytes", EXPAND_MAX_BYTES);
        goto done;
    }
    if (memchr(text, '\0', len) || !ends_with_calendar(text, len)) {
        rc = fail(&x, EXPAND_INVALID, "not an iCalendar text (no END:VCALENDAR at its end)");
        goto done;
    }
    root = icalparser_parse_string(text);
    if (!root) {
        rc = fail(&x, EXPAND_INVALID, "not an iCalendar text");
        goto done;
    }
    icalcomponent_kind kind = icalcomponent_isa(root);
    if (kind == ICAL_VCALENDAR_COMPONENT) {
        rc = expand_calendar(&x, root);
    } else if (kind == ICAL_XROOT_COMPONENT) {
        size_t calendars = 0;
        for (icalcomponent *c = icalcomponent_get_first_component(root, ICAL_VCALENDAR_COMPONENT);
             c && rc == EXPAND_OK;
             c = icalcomponent_get_next_component(root, ICAL_VCALENDAR_COMPONENT), calendars++)
            rc = expand_calendar(&x, c);
        if (rc == EXPAND_OK && calendars == 0)
            rc = fail(&x, EXPAND_INVALID, "no VCALENDAR in the text");
    } else {
        rc = fail(&x, EXPAND_INVALID, "not an iCalendar text (no VCALENDAR)");
    }
    if (rc != EXPAND_OK)
        goto done;
    out->busy = (external_busy *)x.rows.data;
    out->n = x.rows.len / sizeof(external_busy);
    out->events = x.events;
    if (out->n > 1)
        qsort(out->busy, out->n, sizeof *out->busy, cmp_busy);
done:
    if (root)
        icalcomponent_free(root);
    if (rc != EXPAND_OK)
        *out = (expand_result){0};
    return rc;
}
