/* test_remind.c - reminder rules and quiet hours as text, and due times:
 * day-before@18:00 and 48h across both daylight-saving Sundays of 2026 in
 * Europe/Brussels (29 March and 25 October), wall times in a gap and a
 * repeat, quiet hours pulling a due time back to the second before they
 * began (also when they began at another offset, in a gap or twice), every
 * skip outcome (a whole day skipped by Pacific/Apia in 2011 for "started"),
 * and random appointments in several zones checked against the contract.
 *
 * Expected instants are written out as UTC from the known offsets (CET is
 * UTC+1, CEST UTC+2), not computed through the code under test. */
#include <check.h>
#include <stdint.h>
#include <string.h>

#include "../suites.h"
#include "sched/civil.h"
#include "sched/remind.h"
#include "sched/tzfile.h"

#define MIN  60
#define HOUR 3600
#define DAY  86400

/* Unix seconds of a UTC date and time. */
static int64_t utc(int64_t y, int mo, int d, int h, int mi)
{
    return civil_days_from_date(y, mo, d) * DAY + h * HOUR + mi * MIN;
}

static const tzfile *zone(const char *name)
{
    const tzfile *z = NULL;
    ck_assert_int_eq(tzfile_get(name, &z), TZFILE_OK);
    return z;
}

static remind_rule rule(const char *text)
{
    remind_rule r;
    const char *err = NULL;
    ck_assert_msg(remind_rule_parse(text, &r, &err), "refused %s: %s", text, err);
    return r;
}

static remind_quiet quiet(const char *text)
{
    remind_quiet q;
    const char *err = NULL;
    ck_assert_msg(remind_quiet_parse(text, &q, &err), "refused %s: %s", text, err);
    return q;
}

/* Long before every appointment of these tests. */
static const int64_t EARLY = 1704067200; /* 2024-01-01T00:00Z */

/* The due time of `text` for `start` in zone `zone_name`, planned long
 * before; asserts REMIND_DUE. */
static int64_t due_in(const char *zone_name, const char *text, int64_t start, const remind_quiet *q)
{
    remind_rule r = rule(text);
    int64_t due = 0;
    ck_assert_int_eq(remind_due(&r, start, zone(zone_name), q, EARLY, &due), REMIND_DUE);
    return due;
}

static int64_t brussels(const char *text, int64_t start, const remind_quiet *q)
{
    return due_in("Europe/Brussels", text, start, q);
}

/* ---- text forms --------------------------------------------------------- */

START_TEST(rules_round_trip)
{
    static const char *const good[] = {
        "email 48h",   "sms 90m",    "email 2d",   "sms day-before@18:00",   "email 1m",
        "sms 30d",     "email 720h", "sms 43200m", "email day-before@00:00", "sms day-before@23:59",
        "email 1440m", "sms 1h",
    };
    for (size_t i = 0; i < sizeof good / sizeof good[0]; i++) {
        remind_rule r = rule(good[i]);
        char text[REMIND_RULE_TEXT_MAX];
        remind_rule_format(&r, text);
        ck_assert_str_eq(text, good[i]);
    }
    remind_rule r = rule("email 48h");
    ck_assert_int_eq(r.channel, REMIND_EMAIL);
    ck_assert_int_eq(r.lead, REMIND_BEFORE);
    ck_assert_int_eq(r.seconds, 48 * HOUR);
    ck_assert_int_eq(r.unit, REMIND_UNIT_HOURS);
    r = rule("sms 90m");
    ck_assert_int_eq(r.channel, REMIND_SMS);
    ck_assert_int_eq(r.seconds, 90 * MIN);
    r = rule("email 2d");
    ck_assert_int_eq(r.seconds, 2 * DAY);
    ck_assert_int_eq(r.unit, REMIND_UNIT_DAYS);
    r = rule("sms day-before@18:00");
    ck_assert_int_eq(r.channel, REMIND_SMS);
    ck_assert_int_eq(r.lead, REMIND_DAY_BEFORE_AT);
    ck_assert_int_eq(r.minute_of_day, 18 * 60);
}
END_TEST

START_TEST(rules_refused_with_a_reason)
{
    static const struct {
        const char *text;
        const char *phrase; /* part of the error */
    } bad[] = {
        {"", "a rule is a channel"},
        {"email", "a rule is a channel"},
        {"email ", "a rule is a channel"},
        {"email  48h", "a rule is a channel"},
        {"email\t48h", "a rule is a channel"},
        {"Email 48h", "email or sms"},
        {"fax 48h", "email or sms"},
        {" email 48h", "email or sms"},
        {"emails 48h", "email or sms"},
        {"email 48", "minutes, hours or days"},
        {"email h", "minutes, hours or days"},
        {"email 48H", "minutes, hours or days"},
        {"email 48h ", "minutes, hours or days"},
        {"email 048h", "minutes, hours or days"},
        {"email -5m", "minutes, hours or days"},
        {"email +5m", "minutes, hours or days"},
        {"email 1.5h", "minutes, hours or days"},
        {"email 2w", "minutes, hours or days"},
        {"email 48hh", "minutes, hours or days"},
        {"email day-before", "minutes, hours or days"},
        {"email 0m", "between 1m and 30d"},
        {"email 0d", "between 1m and 30d"},
        {"email 31d", "between 1m and 30d"},
        {"email 721h", "between 1m and 30d"},
        {"email 43201m", "between 1m and 30d"},
        {"email 99999999999999999999999h", "between 1m and 30d"},
        {"email day-before@24:00", "HH:MM from 00:00"},
        {"email day-before@8:00", "HH:MM from 00:00"},
        {"email day-before@18:60", "HH:MM from 00:00"},
        {"email day-before@18:00 ", "HH:MM from 00:00"},
        {"email day-before@", "HH:MM from 00:00"},
        {"email day-before@18h00", "HH:MM from 00:00"},
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        remind_rule r = {.seconds = 12345};
        const char *err = NULL;
        ck_assert_msg(!remind_rule_parse(bad[i].text, &r, &err), "accepted '%s'", bad[i].text);
        ck_assert_ptr_nonnull(err);
        ck_assert_msg(strstr(err, bad[i].phrase) != NULL, "'%s': %s", bad[i].text, err);
        ck_assert_int_eq(r.seconds, 12345); /* untouched */
    }
}
END_TEST

START_TEST(rules_built_in_code_print_in_their_largest_unit)
{
    char text[REMIND_RULE_TEXT_MAX];
    remind_rule r = {.channel = REMIND_EMAIL, .lead = REMIND_BEFORE, .seconds = 2 * DAY};
    remind_rule_format(&r, text);
    ck_assert_str_eq(text, "email 2d");
    r.seconds = 90 * MIN;
    remind_rule_format(&r, text);
    ck_assert_str_eq(text, "email 90m");
    r.seconds = 36 * HOUR;
    remind_rule_format(&r, text);
    ck_assert_str_eq(text, "email 36h");
    /* a unit that does not divide the duration gives way */
    r = (remind_rule){.channel = REMIND_SMS, .seconds = 2 * HOUR, .unit = REMIND_UNIT_DAYS};
    remind_rule_format(&r, text);
    ck_assert_str_eq(text, "sms 2h");
    r.unit = REMIND_UNIT_MINUTES;
    remind_rule_format(&r, text);
    ck_assert_str_eq(text, "sms 120m");
}
END_TEST

START_TEST(rules_equal_in_meaning)
{
    remind_rule a = rule("email 48h"), b = rule("email 2d"), c = rule("email 2880m");
    ck_assert(remind_rule_equal(&a, &b));
    ck_assert(remind_rule_equal(&b, &c));
    remind_rule d = rule("sms 48h"), e = rule("email 47h");
    ck_assert(!remind_rule_equal(&a, &d));
    ck_assert(!remind_rule_equal(&a, &e));
    remind_rule f = rule("sms day-before@18:00"), g = rule("sms day-before@18:00");
    remind_rule h = rule("sms day-before@18:01"), i = rule("email day-before@18:00");
    ck_assert(remind_rule_equal(&f, &g));
    ck_assert(!remind_rule_equal(&f, &h));
    ck_assert(!remind_rule_equal(&f, &i));
    remind_rule j = rule("sms 1d");
    ck_assert(!remind_rule_equal(&f, &j));
}
END_TEST

START_TEST(quiet_hours_as_text)
{
    static const char *const good[] = {"21:00-08:00", "12:00-14:00", "22:00-00:00",
                                       "00:00-06:00", "23:59-00:00", "off"};
    for (size_t i = 0; i < sizeof good / sizeof good[0]; i++) {
        remind_quiet q = quiet(good[i]);
        char text[REMIND_QUIET_TEXT_MAX];
        remind_quiet_format(&q, text);
        ck_assert_str_eq(text, good[i]);
    }
    remind_quiet q = quiet("21:00-08:00");
    ck_assert(q.on);
    ck_assert_int_eq(q.start_minute, 21 * 60);
    ck_assert_int_eq(q.end_minute, 8 * 60);
    q = quiet("off");
    ck_assert(!q.on);

    static const struct {
        const char *text;
        const char *phrase;
    } bad[] = {
        {"21:00-21:00", "must not start and end at the same time"},
        {"00:00-00:00", "must not start and end at the same time"},
        {"21:00-24:00", "HH:MM-HH:MM"},
        {"21:00 - 08:00", "HH:MM-HH:MM"},
        {"21:00-08:00 ", "HH:MM-HH:MM"},
        {"2100-0800", "HH:MM-HH:MM"},
        {"21:00", "HH:MM-HH:MM"},
        {"25:00-08:00", "HH:MM-HH:MM"},
        {"21:00-08:60", "HH:MM-HH:MM"},
        {"21:00_08:00", "HH:MM-HH:MM"},
        {"9:00-17:00", "HH:MM-HH:MM"},
        {"", "HH:MM-HH:MM"},
        {"Off", "HH:MM-HH:MM"},
        {"none", "HH:MM-HH:MM"},
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        remind_quiet out = {.start_minute = 7};
        const char *err = NULL;
        ck_assert_msg(!remind_quiet_parse(bad[i].text, &out, &err), "accepted '%s'", bad[i].text);
        ck_assert_msg(err && strstr(err, bad[i].phrase), "'%s': %s", bad[i].text, err);
        ck_assert_int_eq(out.start_minute, 7);
    }
}
END_TEST

START_TEST(in_quiet_at_the_edges)
{
    const tzfile *z = zone("Europe/Brussels");
    remind_quiet night = quiet("21:00-08:00");
    /* Monday 2 March 2026, CET (UTC+1) */
    ck_assert(!remind_in_quiet(&night, z, utc(2026, 3, 2, 19, 59) + 59)); /* 20:59:59 */
    ck_assert(remind_in_quiet(&night, z, utc(2026, 3, 2, 20, 0)));        /* 21:00 */
    ck_assert(remind_in_quiet(&night, z, utc(2026, 3, 2, 22, 59) + 59));  /* 23:59:59 */
    ck_assert(remind_in_quiet(&night, z, utc(2026, 3, 2, 23, 0)));        /* 00:00 */
    ck_assert(remind_in_quiet(&night, z, utc(2026, 3, 3, 6, 59) + 59));   /* 07:59:59 */
    ck_assert(!remind_in_quiet(&night, z, utc(2026, 3, 3, 7, 0)));        /* 08:00 */
    ck_assert(!remind_in_quiet(&night, z, utc(2026, 3, 3, 11, 0)));       /* noon */
    /* in summer the same wall times are an hour earlier in UTC */
    ck_assert(remind_in_quiet(&night, z, utc(2026, 7, 1, 19, 0))); /* 21:00 CEST */
    ck_assert(!remind_in_quiet(&night, z, utc(2026, 7, 1, 6, 0))); /* 08:00 CEST */
    ck_assert(remind_in_quiet(&night, z, utc(2026, 7, 1, 5, 59))); /* 07:59 CEST */
    /* the night of the spring change: 03:30 CEST is quiet */
    ck_assert(remind_in_quiet(&night, z, utc(2026, 3, 29, 1, 30)));

    remind_quiet lunch = quiet("12:00-14:00");
    ck_assert(!remind_in_quiet(&lunch, z, utc(2026, 3, 2, 10, 59))); /* 11:59 */
    ck_assert(remind_in_quiet(&lunch, z, utc(2026, 3, 2, 11, 0)));   /* 12:00 */
    ck_assert(remind_in_quiet(&lunch, z, utc(2026, 3, 2, 12, 59)));  /* 13:59 */
    ck_assert(!remind_in_quiet(&lunch, z, utc(2026, 3, 2, 13, 0)));  /* 14:00 */
    ck_assert(!remind_in_quiet(&lunch, z, utc(2026, 3, 2, 22, 0)));  /* 23:00 */

    remind_quiet off = quiet("off");
    ck_assert(!remind_in_quiet(&off, z, utc(2026, 3, 2, 23, 0)));
    ck_assert(!remind_in_quiet(NULL, z, utc(2026, 3, 2, 23, 0)));
}
END_TEST

/* ---- due times across daylight saving ------------------------------------ */

START_TEST(day_before_at_18_across_the_spring_change)
{
    /* Clocks go from 02:00 CET to 03:00 CEST on Sunday 29 March 2026
     * (01:00Z).  Monday 30 March 09:00 CEST is 07:00Z; its reminder is
     * Sunday 18:00 CEST, 16:00Z. */
    ck_assert_int_eq(brussels("sms day-before@18:00", utc(2026, 3, 30, 7, 0), NULL),
                     utc(2026, 3, 29, 16, 0));
    ck_assert_int_eq(brussels("email day-before@18:00", utc(2026, 3, 30, 7, 0), NULL),
                     utc(2026, 3, 29, 16, 0));
    /* the Monday before: 09:00 CET (08:00Z) -> Sunday 18:00 CET (17:00Z) */
    ck_assert_int_eq(brussels("sms day-before@18:00", utc(2026, 3, 23, 8, 0), NULL),
                     utc(2026, 3, 22, 17, 0));
    /* Sunday 29 March 09:00 CEST (07:00Z) -> Saturday 18:00 CET (17:00Z):
     * 14 real hours, not 15 */
    ck_assert_int_eq(brussels("sms day-before@18:00", utc(2026, 3, 29, 7, 0), NULL),
                     utc(2026, 3, 28, 17, 0));
    /* Monday 30 March 00:30 CEST is Sunday 22:30Z: its day before is
     * Sunday by the local date, not Saturday by the UTC one */
    ck_assert_int_eq(brussels("sms day-before@18:00", utc(2026, 3, 29, 22, 30), NULL),
                     utc(2026, 3, 29, 16, 0));
}
END_TEST

START_TEST(day_before_at_18_across_the_autumn_change)
{
    /* Clocks go from 03:00 CEST back to 02:00 CET on Sunday 25 October 2026
     * (01:00Z).  Monday 26 October 09:00 CET is 08:00Z; its reminder is
     * Sunday 18:00 CET, 17:00Z. */
    ck_assert_int_eq(brussels("sms day-before@18:00", utc(2026, 10, 26, 8, 0), NULL),
                     utc(2026, 10, 25, 17, 0));
    /* the Monday before: 09:00 CEST (07:00Z) -> Sunday 18:00 CEST (16:00Z) */
    ck_assert_int_eq(brussels("sms day-before@18:00", utc(2026, 10, 19, 7, 0), NULL),
                     utc(2026, 10, 18, 16, 0));
    /* Sunday 25 October 09:00 CET (08:00Z) -> Saturday 18:00 CEST (16:00Z):
     * 16 real hours */
    ck_assert_int_eq(brussels("sms day-before@18:00", utc(2026, 10, 25, 8, 0), NULL),
                     utc(2026, 10, 24, 16, 0));
}
END_TEST

START_TEST(durations_are_real_hours_across_changes)
{
    /* Monday 30 March 09:00 CEST (07:00Z): 48 hours earlier is Saturday
     * 07:00Z, which Brussels clocks show as 08:00 CET */
    int64_t start = utc(2026, 3, 30, 7, 0);
    int64_t due = brussels("email 48h", start, NULL);
    ck_assert_int_eq(due, utc(2026, 3, 28, 7, 0));
    ck_assert_int_eq(start - due, 48 * HOUR);
    ck_assert_int_eq(tzfile_offset_at(zone("Europe/Brussels"), due), HOUR);
    ck_assert_int_eq(brussels("email 2d", start, NULL), due);
    ck_assert_int_eq(brussels("sms 2880m", start, NULL), due);
    /* Monday 26 October 09:00 CET (08:00Z): Saturday 08:00Z, 10:00 CEST */
    start = utc(2026, 10, 26, 8, 0);
    ck_assert_int_eq(brussels("email 48h", start, NULL), utc(2026, 10, 24, 8, 0));
    /* 90 minutes before Sunday 29 March 03:30 CEST (01:30Z) is 00:00Z,
     * 01:00 CET: two and a half hours on the wall clock */
    ck_assert_int_eq(brussels("sms 90m", utc(2026, 3, 29, 1, 30), NULL), utc(2026, 3, 29, 0, 0));
}
END_TEST

START_TEST(day_before_in_a_gap_or_a_repeat)
{
    /* Sunday 29 March 02:30 does not exist in Brussels: it moves forward by
     * the gap, to 03:30 CEST (01:30Z) */
    ck_assert_int_eq(brussels("sms day-before@02:30", utc(2026, 3, 30, 8, 0), NULL),
                     utc(2026, 3, 29, 1, 30));
    ck_assert_int_eq(brussels("sms day-before@02:00", utc(2026, 3, 30, 8, 0), NULL),
                     utc(2026, 3, 29, 1, 0));
    ck_assert_int_eq(brussels("sms day-before@03:00", utc(2026, 3, 30, 8, 0), NULL),
                     utc(2026, 3, 29, 1, 0));
    /* Sunday 25 October 02:30 happens twice: the first, CEST (00:30Z) */
    ck_assert_int_eq(brussels("sms day-before@02:30", utc(2026, 10, 26, 9, 0), NULL),
                     utc(2026, 10, 25, 0, 30));
    /* New York: Sunday 8 March 2026 02:30 is skipped -> 03:30 EDT (07:30Z) */
    ck_assert_int_eq(
        due_in("America/New_York", "sms day-before@02:30", utc(2026, 3, 9, 14, 0), NULL),
        utc(2026, 3, 8, 7, 30));
    /* Kolkata has no changes: 18:00 IST is 12:30Z */
    ck_assert_int_eq(due_in("Asia/Kolkata", "sms day-before@18:00", utc(2026, 3, 30, 4, 0), NULL),
                     utc(2026, 3, 29, 12, 30));
}
END_TEST

/* ---- quiet hours ------------------------------------------------------- */

/* The moved due time is the last second before quiet: outside, and the
 * next second inside. */
static void assert_last_before_quiet(const remind_quiet *q, int64_t due)
{
    const tzfile *z = zone("Europe/Brussels");
    ck_assert(!remind_in_quiet(q, z, due));
    ck_assert(remind_in_quiet(q, z, due + 1));
}

START_TEST(quiet_hours_move_a_due_time_back)
{
    remind_quiet night = quiet("21:00-08:00");
    /* Tuesday 3 March 08:30 CET (07:30Z), 90m -> 07:00 CET, quiet since
     * Monday 21:00 CET (20:00Z) -> 19:59:59Z */
    int64_t due = brussels("sms 90m", utc(2026, 3, 3, 7, 30), &night);
    ck_assert_int_eq(due, utc(2026, 3, 2, 20, 0) - 1);
    assert_last_before_quiet(&night, due);
    /* a due time of 20:59:59 is not quiet and stays; 21:00 moves */
    ck_assert_int_eq(brussels("sms 1h", utc(2026, 3, 2, 20, 59) + 59, &night),
                     utc(2026, 3, 2, 19, 59) + 59);
    ck_assert_int_eq(brussels("sms 1h", utc(2026, 3, 2, 21, 0), &night),
                     utc(2026, 3, 2, 20, 0) - 1);
    /* day-before@22:00 -> 20:59:59 the same evening: Monday 30 March 09:00
     * CEST -> Sunday 20:59:59 CEST (18:59:59Z) */
    due = brussels("sms day-before@22:00", utc(2026, 3, 30, 7, 0), &night);
    ck_assert_int_eq(due, utc(2026, 3, 29, 19, 0) - 1);
    assert_last_before_quiet(&night, due);
    /* day-before@18:00 is outside quiet hours and stays */
    ck_assert_int_eq(brussels("sms day-before@18:00", utc(2026, 3, 30, 7, 0), &night),
                     utc(2026, 3, 29, 16, 0));
    /* quiet hours that do not wrap: 13:30 CET -> 11:59:59 CET */
    remind_quiet lunch = quiet("12:00-14:00");
    due = brussels("email 1h", utc(2026, 3, 2, 13, 30), &lunch);
    ck_assert_int_eq(due, utc(2026, 3, 2, 11, 0) - 1);
    assert_last_before_quiet(&lunch, due);
}
END_TEST

START_TEST(quiet_hours_that_began_at_another_offset)
{
    remind_quiet night = quiet("21:00-08:00");
    /* 48h before Monday 30 March 07:30 CEST (05:30Z) is Saturday 05:30Z,
     * 06:30 CET: quiet since Friday 21:00 CET (20:00Z) */
    int64_t due = brussels("email 48h", utc(2026, 3, 30, 5, 30), &night);
    ck_assert_int_eq(due, utc(2026, 3, 27, 20, 0) - 1);
    assert_last_before_quiet(&night, due);
    /* due Sunday 29 March 04:30 CEST (02:30Z), in the night the clocks
     * jumped: quiet since Saturday 21:00 CET (20:00Z), 6.5 real hours
     * earlier though the wall clock moved 7.5 */
    due = brussels("sms 24h", utc(2026, 3, 30, 2, 30), &night);
    ck_assert_int_eq(due, utc(2026, 3, 28, 20, 0) - 1);
    assert_last_before_quiet(&night, due);
    /* due Sunday 25 October 07:00 CET (06:00Z): quiet since Saturday 21:00
     * CEST (19:00Z) */
    due = brussels("sms 1h", utc(2026, 10, 25, 7, 0), &night);
    ck_assert_int_eq(due, utc(2026, 10, 24, 19, 0) - 1);
    assert_last_before_quiet(&night, due);
}
END_TEST

START_TEST(quiet_start_in_a_gap_or_a_repeat)
{
    /* quiet from 02:30: on 29 March the clock jumps from 02:00 past it to
     * 03:00 (01:00Z), so quiet begins then; due 04:00 CEST (02:00Z) moves
     * to 00:59:59Z, 01:59:59 CET */
    remind_quiet q = quiet("02:30-05:00");
    int64_t due = brussels("sms 1h", utc(2026, 3, 29, 3, 0), &q);
    ck_assert_int_eq(due, utc(2026, 3, 29, 1, 0) - 1);
    assert_last_before_quiet(&q, due);
    /* on 25 October 02:30 comes twice: 00:30Z (CEST), then 01:30Z (CET);
     * between them the clock reads 02:00-02:30 CET, outside.  Due 02:45
     * CET (01:45Z) is in the second period, which began at 01:30Z */
    q = quiet("02:30-04:00");
    due = brussels("sms 1h", utc(2026, 10, 25, 2, 45), &q);
    ck_assert_int_eq(due, utc(2026, 10, 25, 1, 30) - 1);
    assert_last_before_quiet(&q, due);
    /* due 02:45 CEST (00:45Z), in the first: began at 00:30Z */
    due = brussels("sms 1h", utc(2026, 10, 25, 1, 45), &q);
    ck_assert_int_eq(due, utc(2026, 10, 25, 0, 30) - 1);
    assert_last_before_quiet(&q, due);
}
END_TEST

/* ---- skips ---------------------------------------------------------------- */

START_TEST(skip_outcomes)
{
    const tzfile *z = zone("Europe/Brussels");
    remind_quiet night = quiet("21:00-08:00");
    int64_t due = 0;

    /* booked 24 hours ahead with a 48h rule: the lead has passed */
    int64_t now = utc(2026, 3, 2, 10, 0); /* 11:00 CET */
    remind_rule r = rule("email 48h");
    ck_assert_int_eq(remind_due(&r, now + DAY, z, &night, now, &due), REMIND_SKIP_PAST);
    ck_assert_int_eq(due, now - DAY);
    /* due exactly now is still due; a second earlier is past */
    ck_assert_int_eq(remind_due(&r, now + 2 * DAY, z, &night, now, &due), REMIND_DUE);
    ck_assert_int_eq(due, now);
    ck_assert_int_eq(remind_due(&r, now + 2 * DAY - 1, z, &night, now, &due), REMIND_SKIP_PAST);
    /* an appointment written after it started */
    ck_assert_int_eq(remind_due(&r, now - HOUR, z, &night, now, &due), REMIND_SKIP_PAST);

    /* past wins over quiet: due at 22:00 CET, written at 23:00 */
    r = rule("sms 12h");
    now = utc(2026, 3, 2, 22, 0);
    ck_assert_int_eq(remind_due(&r, utc(2026, 3, 3, 9, 0), z, &night, now, &due), REMIND_SKIP_PAST);
    ck_assert_int_eq(due, utc(2026, 3, 2, 21, 0));

    /* written at 21:30 CET for Tuesday 08:30: due 07:00, quiet since 21:00,
     * so the last moment before it (20:59:59) has passed */
    r = rule("sms 90m");
    int64_t start = utc(2026, 3, 3, 7, 30);
    int64_t moved = utc(2026, 3, 2, 20, 0) - 1;
    ck_assert_int_eq(remind_due(&r, start, z, &night, utc(2026, 3, 2, 20, 30), &due),
                     REMIND_SKIP_QUIET);
    ck_assert_int_eq(due, moved);
    ck_assert_int_eq(remind_due(&r, start, z, &night, moved, &due), REMIND_SKIP_QUIET);
    ck_assert_int_eq(remind_due(&r, start, z, &night, moved - 1, &due), REMIND_DUE);
    ck_assert_int_eq(due, moved);
    /* without quiet hours it would be due */
    ck_assert_int_eq(remind_due(&r, start, z, NULL, utc(2026, 3, 2, 20, 30), &due), REMIND_DUE);
    ck_assert_int_eq(due, start - 90 * MIN);

    /* Samoa skipped Friday 30 December 2011: 23:59:59 -10 on the 29th was
     * followed by 00:00 +14 on the 31st (10:00Z on the 30th).  For
     * Saturday 31 December 00:30 (+14, 10:30Z on the 30th) the day before
     * at 18:00 does not exist; moved forward by the 24-hour gap it is
     * Saturday 18:00 +14 (04:00Z on the 31st), after the start */
    const tzfile *apia = zone("Pacific/Apia");
    r = rule("sms day-before@18:00");
    start = utc(2011, 12, 30, 10, 30);
    ck_assert_int_eq(remind_due(&r, start, apia, NULL, utc(2011, 12, 1, 0, 0), &due),
                     REMIND_SKIP_STARTED);
    ck_assert_int_eq(due, utc(2011, 12, 31, 4, 0));
    /* Saturday 31 December 20:00 +14 (06:00Z): due 18:00 +14 that day */
    ck_assert_int_eq(
        remind_due(&r, utc(2011, 12, 31, 6, 0), apia, NULL, utc(2011, 12, 1, 0, 0), &due),
        REMIND_DUE);
    ck_assert_int_eq(due, utc(2011, 12, 31, 4, 0));
}
END_TEST

START_TEST(outcome_names_and_reasons)
{
    ck_assert_str_eq(remind_outcome_name(REMIND_DUE), "due");
    ck_assert_str_eq(remind_outcome_name(REMIND_SKIP_PAST), "past");
    ck_assert_str_eq(remind_outcome_name(REMIND_SKIP_QUIET), "quiet");
    ck_assert_str_eq(remind_outcome_name(REMIND_SKIP_STARTED), "started");
    ck_assert_str_eq(remind_outcome_reason(REMIND_DUE), "");
    ck_assert(strstr(remind_outcome_reason(REMIND_SKIP_PAST), "passed"));
    ck_assert(strstr(remind_outcome_reason(REMIND_SKIP_QUIET), "quiet hours"));
    ck_assert(strstr(remind_outcome_reason(REMIND_SKIP_STARTED), "started"));
}
END_TEST

/* ---- the contract on random appointments --------------------------------- */

START_TEST(random_appointments_keep_the_contract)
{
    static const char *const zones[] = {"Europe/Brussels", "America/New_York", "Australia/Sydney",
                                        "Asia/Kolkata", "UTC"};
    static const char *const rules[] = {"email 48h",
                                        "sms 90m",
                                        "email 2d",
                                        "sms 1m",
                                        "sms day-before@18:00",
                                        "email day-before@07:15",
                                        "sms day-before@02:30",
                                        "email 30d"};
    static const char *const quiets[] = {"off", "21:00-08:00", "12:00-14:00", "02:30-03:30"};
    uint32_t seed = 20260329;
    int64_t base = utc(2026, 1, 1, 0, 0);
    for (int i = 0; i < 20000; i++) {
        seed = seed * 1103515245u + 12345u;
        const tzfile *z = zone(zones[(seed >> 4) % 5]);
        remind_rule r = rule(rules[(seed >> 9) % 8]);
        remind_quiet q = quiet(quiets[(seed >> 14) % 4]);
        seed = seed * 1103515245u + 12345u;
        int64_t start = base + (int64_t)(seed % (2 * 366)) * DAY / 2 + (seed >> 20) % DAY;
        seed = seed * 1103515245u + 12345u;
        int64_t now = start - (int64_t)(seed % (3 * DAY));
        int64_t due = 0;
        remind_outcome o = remind_due(&r, start, z, &q, now, &due);
        int64_t raw = 0;
        remind_outcome plain = remind_due(&r, start, z, NULL, INT64_MIN / 2, &raw);
        ck_assert_int_eq(plain, REMIND_DUE); /* no real zone skips a day in 2026 */
        ck_assert_int_lt(raw, start);
        if (r.lead == REMIND_BEFORE) {
            ck_assert_int_eq(raw, start - r.seconds);
        } else {
            /* the wall clock reads HH:MM (or later, in a gap) on the
             * local day before the start's */
            int64_t ls = start + tzfile_offset_at(z, start);
            int64_t ld = raw + tzfile_offset_at(z, raw);
            ck_assert_int_eq(civil_floor_div(ld, DAY), civil_floor_div(ls, DAY) - 1);
            int64_t second = ld - civil_floor_div(ld, DAY) * DAY;
            ck_assert_int_ge(second, r.minute_of_day * MIN);
            ck_assert_int_le(second, r.minute_of_day * MIN + HOUR);
        }
        switch (o) {
        case REMIND_DUE:
            ck_assert_int_ge(due, now);
            ck_assert_int_le(due, raw);
            ck_assert(!remind_in_quiet(&q, z, due));
            if (due != raw) {
                ck_assert(remind_in_quiet(&q, z, raw));
                ck_assert(remind_in_quiet(&q, z, due + 1));
                ck_assert_int_gt(due, now);
            }
            break;
        case REMIND_SKIP_PAST:
            ck_assert_int_eq(due, raw);
            ck_assert_int_lt(raw, now);
            break;
        case REMIND_SKIP_QUIET:
            ck_assert_int_ge(raw, now);
            ck_assert(remind_in_quiet(&q, z, raw));
            ck_assert_int_le(due, now);
            ck_assert(!remind_in_quiet(&q, z, due));
            break;
        case REMIND_SKIP_STARTED:
            ck_abort_msg("started in an ordinary zone");
            break;
        }
    }
}
END_TEST

Suite *suite_remind(void)
{
    Suite *s = suite_create("remind");
    TCase *tc = tcase_create("core");
    tcase_add_test(tc, rules_round_trip);
    tcase_add_test(tc, rules_refused_with_a_reason);
    tcase_add_test(tc, rules_built_in_code_print_in_their_largest_unit);
    tcase_add_test(tc, rules_equal_in_meaning);
    tcase_add_test(tc, quiet_hours_as_text);
    tcase_add_test(tc, in_quiet_at_the_edges);
    tcase_add_test(tc, day_before_at_18_across_the_spring_change);
    tcase_add_test(tc, day_before_at_18_across_the_autumn_change);
    tcase_add_test(tc, durations_are_real_hours_across_changes);
    tcase_add_test(tc, day_before_in_a_gap_or_a_repeat);
    tcase_add_test(tc, quiet_hours_move_a_due_time_back);
    tcase_add_test(tc, quiet_hours_that_began_at_another_offset);
    tcase_add_test(tc, quiet_start_in_a_gap_or_a_repeat);
    tcase_add_test(tc, skip_outcomes);
    tcase_add_test(tc, outcome_names_and_reasons);
    tcase_add_test(tc, random_appointments_keep_the_contract);
    suite_add_tcase(s, tc);
    return s;
}
