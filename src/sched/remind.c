/* remind.c - reminder rules, quiet hours and due times (see remind.h).
 *
 * Every computation on local time goes through the zone: an instant's local
 * wall time is t + tzfile_offset_at(z, t), and a wall time becomes an
 * instant through tzfile_local_to_utc/tzfile_resolve, so the offsets of the
 * two ends of a daylight-saving change are each read where they apply.
 *
 * A wall time in a gap: day-before@HH:MM reads it with the offset in effect
 * before the gap (RFC 5545's rule, and what a person whose clock skipped
 * that hour expects: an hour later on the new clock).  The start of a quiet
 * period in a gap is different: quiet begins when the clock first reads the
 * start time or jumps past it, which is the transition itself
 * (tzfile_resolve).  For a quiet start that occurs twice (fall back), the
 * period that holds the due time began at the latest of the two that is not
 * after it. */
#include "sched/remind.h"

#include <assert.h>
#include <stdio.h>
#include <string.h>

#include "sched/civil.h"
#include "sched/week.h"

#define MINUTE 60
#define HOUR   3600
#define DAY    CIVIL_DAY_SECONDS

/* Leads up to 30d have at most 5 digits (43200m); longer numbers are out of
 * range before they could overflow. */
#define LEAD_DIGITS_MAX 6

static const char ERR_RULE[] = "a rule is a channel, one space and a lead, such as \"email 48h\" "
                               "or \"sms day-before@18:00\"";
static const char ERR_CHANNEL[] = "the channel must be email or sms";
static const char ERR_LEAD[] = "the lead must be minutes, hours or days (90m, 48h, 2d) or "
                               "day-before@HH:MM";
static const char ERR_RANGE[] = "the lead must be between 1m and 30d";
static const char ERR_AT[] = "day-before@ takes a time HH:MM from 00:00 to 23:59";
static const char ERR_QUIET[] = "quiet hours must be HH:MM-HH:MM (such as 21:00-08:00) or off";
static const char ERR_QUIET_EQUAL[] = "quiet hours must not start and end at the same time";

static int64_t unit_seconds(remind_unit u)
{
    switch (u) {
    case REMIND_UNIT_MINUTES:
        return MINUTE;
    case REMIND_UNIT_HOURS:
        return HOUR;
    case REMIND_UNIT_DAYS:
        return DAY;
    case REMIND_UNIT_AUTO:
        break;
    }
    return 0;
}

static const char *channel_name(remind_channel c)
{
    return c == REMIND_SMS ? "sms" : "email";
}

/* Parses a time "HH:MM" of 00:00 .. 23:59 into minutes. */
static bool parse_clock(const char *s, size_t len, int *out)
{
    char copy[6];
    if (len != 5)
        return false;
    memcpy(copy, s, 5);
    copy[5] = '\0';
    return week_parse_time(copy, false, out);
}

/* Parses "48h" (digits without a leading zero, then m, h or d). */
static bool parse_duration(const char *s, remind_rule *out, const char **err)
{
    size_t n = strspn(s, "0123456789");
    bool ok = false;
    if (n == 0 || (s[n] != 'm' && s[n] != 'h' && s[n] != 'd') || s[n + 1] != '\0' ||
        (s[0] == '0' && n > 1)) {
        *err = ERR_LEAD;
        goto done;
    }
    if (n > LEAD_DIGITS_MAX) {
        *err = ERR_RANGE;
        goto done;
    }
    int64_t value = 0;
    for (size_t i = 0; i < n; i++)
        value = value * 10 + (s[i] - '0');
    remind_unit unit = s[n] == 'm'   ? REMIND_UNIT_MINUTES
                       : s[n] == 'h' ? REMIND_UNIT_HOURS
                                     : REMIND_UNIT_DAYS;
    int64_t seconds = value * unit_seconds(unit);
    if (seconds < REMIND_LEAD_MIN || seconds > REMIND_LEAD_MAX) {
        *err = ERR_RANGE;
        goto done;
    }
    out->lead = REMIND_BEFORE;
    out->seconds = seconds;
    out->unit = unit;
    out->minute_of_day = 0;
    ok = true;
done:
    return ok;
}

bool remind_rule_parse(const char *text, remind_rule *out, const char **err)
{
    assert(text != NULL && out != NULL && err != NULL);
    static const char at[] = "day-before@";
    remind_rule r = {0};
    bool ok = false;
    const char *space = strchr(text, ' ');
    if (!space || space[1] == '\0' || space[1] == ' ') {
        *err = ERR_RULE;
        goto done;
    }
    size_t channel_len = (size_t)(space - text);
    if (channel_len == 5 && memcmp(text, "email", 5) == 0) {
        r.channel = REMIND_EMAIL;
    } else if (channel_len == 3 && memcmp(text, "sms", 3) == 0) {
        r.channel = REMIND_SMS;
    } else {
        *err = ERR_CHANNEL;
        goto done;
    }
    const char *lead = space + 1;
    if (strncmp(lead, at, sizeof at - 1) == 0) {
        const char *clock = lead + sizeof at - 1;
        if (!parse_clock(clock, strlen(clock), &r.minute_of_day)) {
            *err = ERR_AT;
            goto done;
        }
        r.lead = REMIND_DAY_BEFORE_AT;
    } else if (!parse_duration(lead, &r, err)) {
        goto done;
    }
    *out = r;
    ok = true;
done:
    return ok;
}

/* The unit a duration prints with: its own when it divides the seconds,
 * else the largest that does. */
static remind_unit print_unit(const remind_rule *r)
{
    int64_t own = unit_seconds(r->unit);
    if (own != 0 && r->seconds % own == 0)
        return r->unit;
    if (r->seconds % DAY == 0)
        return REMIND_UNIT_DAYS;
    if (r->seconds % HOUR == 0)
        return REMIND_UNIT_HOURS;
    return REMIND_UNIT_MINUTES;
}

void remind_rule_format(const remind_rule *r, char out[REMIND_RULE_TEXT_MAX])
{
    assert(r != NULL && out != NULL);
    if (r->lead == REMIND_DAY_BEFORE_AT) {
        assert(r->minute_of_day >= 0 && r->minute_of_day < 1440);
        char clock[6];
        week_format_time(r->minute_of_day, clock);
        snprintf(out, REMIND_RULE_TEXT_MAX, "%s day-before@%s", channel_name(r->channel), clock);
    } else {
        assert(r->seconds >= REMIND_LEAD_MIN && r->seconds <= REMIND_LEAD_MAX &&
               r->seconds % MINUTE == 0);
        remind_unit u = print_unit(r);
        char letter = u == REMIND_UNIT_DAYS ? 'd' : u == REMIND_UNIT_HOURS ? 'h' : 'm';
        snprintf(out, REMIND_RULE_TEXT_MAX, "%s %lld%c", channel_name(r->channel),
                 (long long)(r->seconds / unit_seconds(u)), letter);
    }
}

bool remind_rule_equal(const remind_rule *a, const remind_rule *b)
{
    assert(a != NULL && b != NULL);
    if (a->channel != b->channel || a->lead != b->lead)
        return false;
    if (a->lead == REMIND_DAY_BEFORE_AT)
        return a->minute_of_day == b->minute_of_day;
    return a->seconds == b->seconds;
}

bool remind_quiet_parse(const char *text, remind_quiet *out, const char **err)
{
    assert(text != NULL && out != NULL && err != NULL);
    remind_quiet q = {0};
    bool ok = false;
    if (strcmp(text, "off") == 0) {
        *out = q;
        ok = true;
        goto done;
    }
    if (strlen(text) != 11 || text[5] != '-' || !parse_clock(text, 5, &q.start_minute) ||
        !parse_clock(text + 6, 5, &q.end_minute)) {
        *err = ERR_QUIET;
        goto done;
    }
    if (q.start_minute == q.end_minute) {
        *err = ERR_QUIET_EQUAL;
        goto done;
    }
    q.on = true;
    *out = q;
    ok = true;
done:
    return ok;
}

void remind_quiet_format(const remind_quiet *q, char out[REMIND_QUIET_TEXT_MAX])
{
    assert(q != NULL && out != NULL);
    if (q->on) {
        assert(q->start_minute >= 0 && q->start_minute < 1440);
        assert(q->end_minute >= 0 && q->end_minute < 1440);
        week_format_time(q->start_minute, out);
        out[5] = '-';
        week_format_time(q->end_minute, out + 6);
    } else {
        snprintf(out, REMIND_QUIET_TEXT_MAX, "off");
    }
}

/* t within the zone's range, so that local-time arithmetic on an absurd
 * instant cannot overflow. */
static int64_t clamp(int64_t t)
{
    return t > TZFILE_TIME_LIMIT    ? TZFILE_TIME_LIMIT
           : t < -TZFILE_TIME_LIMIT ? -TZFILE_TIME_LIMIT
                                    : t;
}

/* Local wall seconds of instant t. */
static int64_t local_of(const tzfile *z, int64_t t)
{
    t = clamp(t);
    return t + tzfile_offset_at(z, t);
}

bool remind_in_quiet(const remind_quiet *q, const tzfile *z, int64_t t)
{
    assert(z != NULL);
    bool in = false;
    if (q && q->on) {
        assert(q->start_minute != q->end_minute);
        int64_t local = local_of(z, t);
        int64_t second = local - civil_floor_div(local, DAY) * DAY;
        int64_t start = (int64_t)q->start_minute * MINUTE;
        int64_t end = (int64_t)q->end_minute * MINUTE;
        in = start < end ? second >= start && second < end : second >= start || second < end;
    }
    return in;
}

/* The instant of wall time `local`; in a gap, read with the offset in effect
 * before it (so it moves forward by the gap); repeated: the earlier. */
static int64_t wall_to_instant(const tzfile *z, int64_t local)
{
    int64_t v[TZFILE_MAX_MATCHES];
    int64_t t = 0;
    if (tzfile_local_to_utc(z, local, v) > 0) {
        t = v[0];
    } else {
        int64_t transition = tzfile_resolve(z, local, TZFILE_EARLIEST);
        t = local - tzfile_offset_at(z, transition - 1);
    }
    return t;
}

/* The instant at which the quiet period holding instant t (inside the quiet
 * hours) began. */
static int64_t quiet_began(const remind_quiet *q, const tzfile *z, int64_t t)
{
    int64_t local = local_of(z, t);
    int64_t day = civil_floor_div(local, DAY);
    int64_t start = (int64_t)q->start_minute * MINUTE;
    if (local - day * DAY < start)
        day--; /* the wrapped part after midnight: it began the evening before */
    int64_t began_local = day * DAY + start;
    int64_t v[TZFILE_MAX_MATCHES];
    size_t n = tzfile_local_to_utc(z, began_local, v);
    if (n == 0)
        return tzfile_resolve(z, began_local, TZFILE_EARLIEST); /* the jump past it */
    int64_t began = v[0];
    for (size_t i = 1; i < n; i++) {
        if (v[i] <= t)
            began = v[i];
    }
    return began;
}

/* The due time of rule r before `start`, ignoring quiet hours. */
static int64_t raw_due(const remind_rule *r, int64_t start, const tzfile *z)
{
    int64_t due = start - r->seconds;
    if (r->lead == REMIND_DAY_BEFORE_AT) {
        int64_t day = civil_floor_div(local_of(z, start), DAY);
        due = wall_to_instant(z, (day - 1) * DAY + (int64_t)r->minute_of_day * MINUTE);
    }
    return due;
}

remind_outcome remind_due(const remind_rule *r, int64_t start, const tzfile *z,
                          const remind_quiet *q, int64_t now, int64_t *due)
{
    assert(r != NULL && z != NULL && due != NULL);
    assert(r->lead == REMIND_DAY_BEFORE_AT
               ? r->minute_of_day >= 0 && r->minute_of_day < 1440
               : r->seconds >= REMIND_LEAD_MIN && r->seconds <= REMIND_LEAD_MAX);
    assert(start > INT64_MIN + REMIND_LEAD_MAX);
    remind_outcome rc = REMIND_DUE;
    int64_t d = raw_due(r, start, z);
    if (d >= start) {
        rc = REMIND_SKIP_STARTED;
    } else if (d < now) {
        rc = REMIND_SKIP_PAST;
    } else if (remind_in_quiet(q, z, d)) {
        d = quiet_began(q, z, d) - 1;
        if (d <= now)
            rc = REMIND_SKIP_QUIET;
    }
    *due = d;
    return rc;
}

const char *remind_outcome_name(remind_outcome o)
{
    switch (o) {
    case REMIND_DUE:
        return "due";
    case REMIND_SKIP_PAST:
        return "past";
    case REMIND_SKIP_QUIET:
        return "quiet";
    case REMIND_SKIP_STARTED:
        return "started";
    }
    return "unknown";
}

const char *remind_outcome_reason(remind_outcome o)
{
    switch (o) {
    case REMIND_DUE:
        return "";
    case REMIND_SKIP_PAST:
        return "the reminder's lead time had already passed when the appointment was written";
    case REMIND_SKIP_QUIET:
        return "the reminder fell in quiet hours and the last moment before them had passed";
    case REMIND_SKIP_STARTED:
        return "the reminder would have been due after the appointment started";
    }
    return "unknown outcome";
}
