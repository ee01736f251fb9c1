/* remind.h - reminder rules, quiet hours and when a reminder is due.
 *
 * A center's reminder rules say by which channel and how long before an
 * appointment a reminder goes out: a duration ("email 48h", "sms 90m",
 * "email 2d": real seconds before the start, so 48h is 48 hours of elapsed
 * time even across a daylight-saving change) or a wall-clock time on the
 * calendar day before the start's local day ("sms day-before@18:00", in the
 * center's zone, so it reads 18:00 on the patient's clock whatever the
 * offsets of the two days).  Quiet hours ("21:00-08:00", local, may wrap
 * midnight) pull a reminder due inside them back to the last second before
 * they began.
 *
 * The text of a rule is its key in the outbox, so it has exactly one spelling
 * per rule as typed: remind_rule_format(remind_rule_parse(t)) == t for every
 * accepted t.  A duration keeps the unit it was written in ("48h" stays
 * "48h", "2d" stays "2d"); those two are the same rule in meaning, which
 * remind_rule_equal tells, so a set of rules can refuse such twins.
 *
 * Pure functions over a zone from tzfile.h (any thread, no I/O). */
#ifndef AGENDA_SCHED_REMIND_H
#define AGENDA_SCHED_REMIND_H

#include <stdbool.h>
#include <stdint.h>

#include "sched/tzfile.h"

typedef enum remind_channel {
    REMIND_EMAIL = 0,
    REMIND_SMS,
} remind_channel;

typedef enum remind_lead {
    REMIND_BEFORE = 0,    /* a duration before the start */
    REMIND_DAY_BEFORE_AT, /* a local time on the day before the start's local day */
} remind_lead;

/* The unit a duration is written in.  AUTO (a rule built in code) prints
 * with the largest unit that divides it. */
typedef enum remind_unit {
    REMIND_UNIT_AUTO = 0,
    REMIND_UNIT_MINUTES,
    REMIND_UNIT_HOURS,
    REMIND_UNIT_DAYS,
} remind_unit;

/* Shortest and longest duration lead: 1m and 30d. */
#define REMIND_LEAD_MIN ((int64_t)60)
#define REMIND_LEAD_MAX ((int64_t)30 * 86400)

typedef struct remind_rule {
    remind_channel channel;
    remind_lead lead;
    int64_t seconds;   /* REMIND_BEFORE: due at start - seconds (LEAD_MIN..LEAD_MAX) */
    remind_unit unit;  /* REMIND_BEFORE: how the duration is written */
    int minute_of_day; /* REMIND_DAY_BEFORE_AT: local HH:MM as minutes, 0..1439 */
} remind_rule;

/* Room for the longest rule text ("email day-before@18:00", "email 43200m")
 * and its NUL. */
#define REMIND_RULE_TEXT_MAX 32

/* Parses "email 48h", "sms 90m", "email 2d", "sms day-before@18:00": the
 * channel (email or sms), one space, the lead: a number without leading
 * zeros and a unit m, h or d (1m .. 30d), or day-before@HH:MM (00:00 ..
 * 23:59).  Case and spacing are exact.  On success *out is set and *err is
 * untouched; otherwise false and *err is a static English phrase saying what
 * is wrong (for an API field error or a command-line message). */
bool remind_rule_parse(const char *text, remind_rule *out, const char **err);

/* Writes the canonical text of a valid rule: the form remind_rule_parse
 * reads, in the rule's unit.  The outbox keys messages by it. */
void remind_rule_format(const remind_rule *r, char out[REMIND_RULE_TEXT_MAX]);

/* True when a and b are the same rule in meaning: same channel and the same
 * due time for every appointment ("email 48h" and "email 2d" are). */
bool remind_rule_equal(const remind_rule *a, const remind_rule *b);

/* Quiet hours: local times [start, end) of every day, in minutes after
 * midnight; start > end wraps midnight (21:00-08:00).  on false: none. */
typedef struct remind_quiet {
    bool on;
    int start_minute; /* 0..1439 */
    int end_minute;   /* 0..1439, never equal to start_minute */
} remind_quiet;

/* Room for "21:00-08:00" (or "off") and its NUL. */
#define REMIND_QUIET_TEXT_MAX 12

/* Parses "HH:MM-HH:MM" (00:00 .. 23:59 each; 00:00 as the end means until
 * midnight), or "off" for none.  A start equal to the end is refused (it
 * would mean all day or never).  Errors as remind_rule_parse. */
bool remind_quiet_parse(const char *text, remind_quiet *out, const char **err);

/* Writes the form remind_quiet_parse reads: "21:00-08:00", or "off". */
void remind_quiet_format(const remind_quiet *q, char out[REMIND_QUIET_TEXT_MAX]);

/* Whether the local time of instant t in zone z lies inside the quiet
 * hours (false when q is NULL or off). */
bool remind_in_quiet(const remind_quiet *q, const tzfile *z, int64_t t);

typedef enum remind_outcome {
    REMIND_DUE = 0,      /* send at *due */
    REMIND_SKIP_PAST,    /* the lead had passed when the appointment was written */
    REMIND_SKIP_QUIET,   /* due in quiet hours, and the last second before them had passed */
    REMIND_SKIP_STARTED, /* the due time is not before the start */
} remind_outcome;

/* When the reminder of rule r for an appointment starting at instant
 * `start` is due, in zone z (the center's), with quiet hours q (NULL: none),
 * planned at instant `now`.  The steps, in order:
 *
 * 1. The due time: start - seconds; or, for day-before@HH:MM, that wall time
 *    on the calendar day before the start's local date, resolved in z: a
 *    time in a daylight-saving gap moves forward by the gap (02:30 on a day
 *    that jumps from 02:00 to 03:00 is 03:30), a repeated one is the earlier
 *    instant.
 * 2. due >= start: REMIND_SKIP_STARTED (a reminder never follows the start;
 *    only a zone that skips a whole day can bring this about).
 * 3. due < now: REMIND_SKIP_PAST (this takes precedence over quiet hours:
 *    the lead had passed anyway).
 * 4. due inside quiet hours: it moves to the last second before the quiet
 *    period that holds it began (its local start, resolved as the first
 *    instant the clock reads it or jumps past it, minus 1 s); if that is
 *    <= now: REMIND_SKIP_QUIET.
 * 5. Otherwise REMIND_DUE.
 *
 * *due is set in every case: the instant sent at, or the one that was
 * judged (for the record of a skip).  r must be valid (as from
 * remind_rule_parse). */
remind_outcome remind_due(const remind_rule *r, int64_t start, const tzfile *z,
                          const remind_quiet *q, int64_t now, int64_t *due);

/* "due", "past", "quiet", "started": a short name of an outcome, for logs
 * and stored reasons. */
const char *remind_outcome_name(remind_outcome o);

/* One English sentence on why a reminder was skipped (or "" for
 * REMIND_DUE), for the message's recorded reason. */
const char *remind_outcome_reason(remind_outcome o);

#endif
