/* test_expand.c - iCalendar text to busy intervals: a weekly meeting with a
 * moved instance and an EXDATE across Europe/Brussels' autumn DST change
 * (exact instants, with the VTIMEZONE in the text and with only its name),
 * RDATE, all-day days in the center's zone, floating times, durations,
 * what does not block (transparent, cancelled, declined by the owner), the
 * horizon, the limits and texts that are no calendars. */
#include <check.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../suites.h"
#include "sched/civil.h"
#include "sched/tzfile.h"
#include "sync/expand.h"
#include "util/buf.h"

#define HOUR 3600

static int64_t utc(int64_t y, int mo, int d, int h, int mi)
{
    return civil_days_from_date(y, mo, d) * 86400 + h * HOUR + mi * 60;
}

static arena *a;
static char err[256];

static void setup(void)
{
    a = arena_new(64u << 20);
}

static void teardown(void)
{
    arena_free(a);
}

static expand_options options(void)
{
    const tzfile *z = NULL;
    ck_assert_int_eq(tzfile_get("Europe/Brussels", &z), TZFILE_OK);
    return (expand_options){.zone = z, .from = utc(2026, 1, 1, 0, 0), .to = utc(2028, 1, 1, 0, 0)};
}

static expand_rc run(const char *text, const expand_options *o, expand_result *r)
{
    return expand_ics(text, strlen(text), o, a, r, err, sizeof err);
}

/* Asserts r holds exactly the n intervals of want (start, stop pairs). */
static void check_intervals(const expand_result *r, const int64_t *want, size_t n)
{
    for (size_t i = 0; i < r->n && i < n; i++) {
        ck_assert_msg(r->busy[i].start == want[2 * i] && r->busy[i].stop == want[2 * i + 1],
                      "interval %zu is [%lld, %lld), want [%lld, %lld)", i,
                      (long long)r->busy[i].start, (long long)r->busy[i].stop,
                      (long long)want[2 * i], (long long)want[2 * i + 1]);
    }
    ck_assert_uint_eq(r->n, n);
}

static const char BRUSSELS_VTIMEZONE[] = "BEGIN:VTIMEZONE\r\n"
                                         "TZID:Europe/Brussels\r\n"
                                         "BEGIN:DAYLIGHT\r\n"
                                         "TZOFFSETFROM:+0100\r\n"
                                         "TZOFFSETTO:+0200\r\n"
                                         "TZNAME:CEST\r\n"
                                         "DTSTART:19700329T020000\r\n"
                                         "RRULE:FREQ=YEARLY;BYMONTH=3;BYDAY=-1SU\r\n"
                                         "END:DAYLIGHT\r\n"
                                         "BEGIN:STANDARD\r\n"
                                         "TZOFFSETFROM:+0200\r\n"
                                         "TZOFFSETTO:+0100\r\n"
                                         "TZNAME:CET\r\n"
                                         "DTSTART:19701025T030000\r\n"
                                         "RRULE:FREQ=YEARLY;BYMONTH=10;BYDAY=-1SU\r\n"
                                         "END:STANDARD\r\n"
                                         "END:VTIMEZONE\r\n";

/* Weekly on Mondays 10:00-11:00 Brussels from 12 October 2026, 5 times;
 * 26 October (after the change to CET) excluded, 2 November moved to
 * Tuesday 3 November 14:00-15:00. */
static char *weekly(bool with_vtimezone)
{
    return arena_printf(a,
                        "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//test//EN\r\n%s"
                        "BEGIN:VEVENT\r\nUID:weekly-1\r\nDTSTAMP:20260101T000000Z\r\n"
                        "DTSTART;TZID=Europe/Brussels:20261012T100000\r\n"
                        "DTEND;TZID=Europe/Brussels:20261012T110000\r\n"
                        "RRULE:FREQ=WEEKLY;COUNT=5\r\n"
                        "EXDATE;TZID=Europe/Brussels:20261026T100000\r\n"
                        "SUMMARY:Private\r\nEND:VEVENT\r\n"
                        "BEGIN:VEVENT\r\nUID:weekly-1\r\nDTSTAMP:20260101T000000Z\r\n"
                        "RECURRENCE-ID;TZID=Europe/Brussels:20261102T100000\r\n"
                        "DTSTART;TZID=Europe/Brussels:20261103T140000\r\n"
                        "DTEND;TZID=Europe/Brussels:20261103T150000\r\n"
                        "END:VEVENT\r\nEND:VCALENDAR\r\n",
                        with_vtimezone ? BRUSSELS_VTIMEZONE : "");
}

static const int64_t *weekly_want(void)
{
    static int64_t w[8];
    w[0] = utc(2026, 10, 12, 8, 0), w[1] = utc(2026, 10, 12, 9, 0); /* CEST */
    w[2] = utc(2026, 10, 19, 8, 0), w[3] = utc(2026, 10, 19, 9, 0);
    w[4] = utc(2026, 11, 3, 13, 0), w[5] = utc(2026, 11, 3, 14, 0); /* moved, CET */
    w[6] = utc(2026, 11, 9, 9, 0), w[7] = utc(2026, 11, 9, 10, 0);
    return w;
}

START_TEST(weekly_exception_and_exdate_across_dst_with_vtimezone)
{
    expand_options o = options();
    expand_result r;
    ck_assert_int_eq(run(weekly(true), &o, &r), EXPAND_OK);
    check_intervals(&r, weekly_want(), 4);
    ck_assert_uint_eq(r.events, 2);
    ck_assert_str_eq(r.busy[0].item, "weekly-1");
}
END_TEST

START_TEST(weekly_exception_and_exdate_across_dst_by_zone_name)
{
    expand_options o = options();
    expand_result r;
    ck_assert_int_eq(run(weekly(false), &o, &r), EXPAND_OK);
    check_intervals(&r, weekly_want(), 4);
}
END_TEST

START_TEST(cancelled_override_and_until)
{
    /* daily 09:00Z until the 4th inclusive; the 3rd cancelled */
    static const char text[] = "BEGIN:VCALENDAR\r\nVERSION:2.0\r\n"
                               "BEGIN:VEVENT\r\nUID:d\r\nDTSTART:20260801T090000Z\r\n"
                               "DURATION:PT1H\r\nRRULE:FREQ=DAILY;UNTIL=20260804T090000Z\r\n"
                               "END:VEVENT\r\n"
                               "BEGIN:VEVENT\r\nUID:d\r\nRECURRENCE-ID:20260803T090000Z\r\n"
                               "DTSTART:20260803T090000Z\r\nDURATION:PT1H\r\nSTATUS:CANCELLED\r\n"
                               "END:VEVENT\r\nEND:VCALENDAR\r\n";
    expand_options o = options();
    expand_result r;
    ck_assert_int_eq(run(text, &o, &r), EXPAND_OK);
    const int64_t want[] = {utc(2026, 8, 1, 9, 0),  utc(2026, 8, 1, 10, 0), utc(2026, 8, 2, 9, 0),
                            utc(2026, 8, 2, 10, 0), utc(2026, 8, 4, 9, 0),  utc(2026, 8, 4, 10, 0)};
    check_intervals(&r, want, 3);
}
END_TEST

START_TEST(rdate_adds_instances)
{
    static const char text[] =
        "BEGIN:VCALENDAR\r\nVERSION:2.0\r\n"
        "BEGIN:VEVENT\r\nUID:r\r\nDTSTART:20260901T120000Z\r\nDTEND:20260901T123000Z\r\n"
        "RDATE:20260905T120000Z,20260910T080000Z\r\n"
        "RDATE;VALUE=PERIOD:20260920T100000Z/PT2H\r\n"
        "END:VEVENT\r\nEND:VCALENDAR\r\n";
    expand_options o = options();
    expand_result r;
    ck_assert_int_eq(run(text, &o, &r), EXPAND_OK);
    const int64_t want[] = {utc(2026, 9, 1, 12, 0),  utc(2026, 9, 1, 12, 30),
                            utc(2026, 9, 5, 12, 0),  utc(2026, 9, 5, 12, 30),
                            utc(2026, 9, 10, 8, 0),  utc(2026, 9, 10, 8, 30),
                            utc(2026, 9, 20, 10, 0), utc(2026, 9, 20, 12, 0)};
    check_intervals(&r, want, 4);
}
END_TEST

START_TEST(all_day_is_the_centers_local_days)
{
    /* 25 October 2026 has 25 hours in Brussels; a two-day event in July */
    static const char text[] = "BEGIN:VCALENDAR\r\nVERSION:2.0\r\n"
                               "BEGIN:VEVENT\r\nUID:a\r\nDTSTART;VALUE=DATE:20261025\r\n"
                               "END:VEVENT\r\n"
                               "BEGIN:VEVENT\r\nUID:b\r\nDTSTART;VALUE=DATE:20260710\r\n"
                               "DTEND;VALUE=DATE:20260712\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n";
    expand_options o = options();
    expand_result r;
    ck_assert_int_eq(run(text, &o, &r), EXPAND_OK);
    const int64_t want[] = {utc(2026, 7, 9, 22, 0), utc(2026, 7, 11, 22, 0),
                            utc(2026, 10, 24, 22, 0), utc(2026, 10, 25, 23, 0)};
    check_intervals(&r, want, 2);
}
END_TEST

START_TEST(floating_and_durations)
{
    /* floating 09:00 is Brussels time; no DTEND and no DURATION blocks
     * nothing; DURATION P1D across the spring change is a local day */
    static const char text[] =
        "BEGIN:VCALENDAR\r\nVERSION:2.0\r\n"
        "BEGIN:VEVENT\r\nUID:f\r\nDTSTART:20260701T090000\r\nDURATION:PT45M\r\nEND:VEVENT\r\n"
        "BEGIN:VEVENT\r\nUID:z\r\nDTSTART:20260702T090000Z\r\nEND:VEVENT\r\n"
        "BEGIN:VEVENT\r\nUID:n\r\nDTSTART;TZID=Europe/Brussels:20270327T120000\r\n"
        "DURATION:P1D\r\nEND:VEVENT\r\n"
        "BEGIN:VEVENT\r\nUID:w\r\nDTSTART;TZID=Windows Zone Name:20260703T090000\r\n"
        "DTEND;TZID=Windows Zone Name:20260703T100000\r\nEND:VEVENT\r\n"
        "END:VCALENDAR\r\n";
    expand_options o = options();
    expand_result r;
    ck_assert_int_eq(run(text, &o, &r), EXPAND_OK);
    const int64_t want[] = {utc(2026, 7, 1, 7, 0),   utc(2026, 7, 1, 7, 45),
                            utc(2026, 7, 3, 7, 0),   utc(2026, 7, 3, 8, 0),
                            utc(2027, 3, 27, 11, 0), utc(2027, 3, 28, 10, 0)};
    check_intervals(&r, want, 3);
}
END_TEST

START_TEST(transparent_cancelled_declined_do_not_block)
{
    static const char text[] =
        "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nX-WR-CALNAME:doctor@example.org\r\n"
        "BEGIN:VEVENT\r\nUID:t\r\nDTSTART:20260601T090000Z\r\nDTEND:20260601T100000Z\r\n"
        "TRANSP:TRANSPARENT\r\nEND:VEVENT\r\n"
        "BEGIN:VEVENT\r\nUID:c\r\nDTSTART:20260602T090000Z\r\nDTEND:20260602T100000Z\r\n"
        "STATUS:CANCELLED\r\nEND:VEVENT\r\n"
        "BEGIN:VEVENT\r\nUID:d\r\nDTSTART:20260603T090000Z\r\nDTEND:20260603T100000Z\r\n"
        "ATTENDEE;PARTSTAT=DECLINED:mailto:Doctor@Example.org\r\n"
        "ATTENDEE;PARTSTAT=ACCEPTED:mailto:other@example.org\r\nEND:VEVENT\r\n"
        "BEGIN:VEVENT\r\nUID:o\r\nDTSTART:20260604T090000Z\r\nDTEND:20260604T100000Z\r\n"
        "ATTENDEE;PARTSTAT=ACCEPTED:mailto:doctor@example.org\r\n"
        "ATTENDEE;PARTSTAT=DECLINED:mailto:other@example.org\r\nEND:VEVENT\r\n"
        "BEGIN:VEVENT\r\nUID:p\r\nDTSTART:20260605T090000Z\r\nDTEND:20260605T100000Z\r\n"
        "TRANSP:OPAQUE\r\nSTATUS:CONFIRMED\r\nEND:VEVENT\r\n"
        "END:VCALENDAR\r\n";
    expand_options o = options();
    expand_result r;
    ck_assert_int_eq(run(text, &o, &r), EXPAND_OK);
    const int64_t want[] = {utc(2026, 6, 4, 9, 0), utc(2026, 6, 4, 10, 0), utc(2026, 6, 5, 9, 0),
                            utc(2026, 6, 5, 10, 0)};
    check_intervals(&r, want, 2);
    ck_assert_uint_eq(r.events, 5);
}
END_TEST

START_TEST(declined_needs_a_known_owner)
{
    static const char text[] =
        "BEGIN:VCALENDAR\r\nVERSION:2.0\r\n"
        "BEGIN:VEVENT\r\nUID:d\r\nDTSTART:20260603T090000Z\r\nDTEND:20260603T100000Z\r\n"
        "ATTENDEE;PARTSTAT=DECLINED:mailto:doctor@example.org\r\nEND:VEVENT\r\n"
        "END:VCALENDAR\r\n";
    expand_options o = options();
    expand_result r;
    ck_assert_int_eq(run(text, &o, &r), EXPAND_OK);
    ck_assert_uint_eq(r.n, 1); /* unknown owner: it blocks */
    const char *owners[] = {"mailto:doctor@example.org"};
    o.owners = owners;
    o.n_owners = 1;
    ck_assert_int_eq(run(text, &o, &r), EXPAND_OK);
    ck_assert_uint_eq(r.n, 0);
}
END_TEST

START_TEST(horizon_and_item)
{
    /* weekly forever from 2020: only the horizon's instances, item given */
    static const char text[] = "BEGIN:VCALENDAR\r\nVERSION:2.0\r\n"
                               "BEGIN:VEVENT\r\nUID:w\r\nDTSTART:20200106T090000Z\r\n"
                               "DTEND:20200106T100000Z\r\nRRULE:FREQ=WEEKLY\r\nEND:VEVENT\r\n"
                               "END:VCALENDAR\r\n";
    expand_options o = options();
    o.from = utc(2026, 3, 1, 0, 0);
    o.to = utc(2026, 3, 15, 0, 0);
    o.item = "/cal/w.ics";
    expand_result r;
    ck_assert_int_eq(run(text, &o, &r), EXPAND_OK);
    const int64_t want[] = {utc(2026, 3, 2, 9, 0), utc(2026, 3, 2, 10, 0), utc(2026, 3, 9, 9, 0),
                            utc(2026, 3, 9, 10, 0)};
    check_intervals(&r, want, 2);
    ck_assert_str_eq(r.busy[1].item, "/cal/w.ics");
}
END_TEST

START_TEST(limits)
{
    expand_options o = options();
    expand_result r;
    /* an instance every minute for the horizon */
    static const char minutely[] = "BEGIN:VCALENDAR\r\nVERSION:2.0\r\n"
                                   "BEGIN:VEVENT\r\nUID:m\r\nDTSTART:20260101T000000Z\r\n"
                                   "DURATION:PT1M\r\nRRULE:FREQ=MINUTELY\r\nEND:VEVENT\r\n"
                                   "END:VCALENDAR\r\n";
    ck_assert_int_eq(run(minutely, &o, &r), EXPAND_TOO_BIG);
    ck_assert_ptr_nonnull(strstr(err, "instances"));
    ck_assert_uint_eq(r.n, 0);
    /* too many bytes */
    size_t big = EXPAND_MAX_BYTES + 1;
    char *text = malloc(big + 1);
    ck_assert_ptr_nonnull(text);
    memset(text, 'x', big);
    text[big] = '\0';
    ck_assert_int_eq(expand_ics(text, big, &o, a, &r, err, sizeof err), EXPAND_TOO_BIG);
    ck_assert_ptr_nonnull(strstr(err, "bytes"));
    free(text);
    /* too many events */
    buf b;
    buf_init(&b, SIZE_MAX / 2, NULL);
    buf_add(&b, "BEGIN:VCALENDAR\r\nVERSION:2.0\r\n", 30);
    for (int i = 0; i <= EXPAND_MAX_EVENTS; i++) {
        char ev[128];
        int n = snprintf(ev, sizeof ev,
                         "BEGIN:VEVENT\r\nUID:%d\r\nDTSTART:20260101T000000Z\r\nEND:VEVENT\r\n", i);
        buf_add(&b, ev, (size_t)n);
    }
    buf_add(&b, "END:VCALENDAR\r\n", 15);
    ck_assert_int_eq(b.state, BUF_OK);
    ck_assert_int_eq(expand_ics(b.data, b.len, &o, a, &r, err, sizeof err), EXPAND_TOO_BIG);
    ck_assert_ptr_nonnull(strstr(err, "events"));
    buf_free(&b);
}
END_TEST

START_TEST(dates_that_do_not_exist_are_dropped)
{
    /* libical reads any digits; found by the fuzzer (a month 73 aborted) */
    static const char text[] =
        "BEGIN:VCALENDAR\r\nVERSION:2.0\r\n"
        "BEGIN:VEVENT\r\nUID:w\r\nDTSTART:20261012T100000Z\r\nDTEND:20261012T110000Z\r\n"
        "RRULE:FREQ=DAILY;COUNT=3\r\nEXDATE:20260231T100000Z\r\n"
        "RDATE:56337398T100000Z\r\nEND:VEVENT\r\n"
        "BEGIN:VEVENT\r\nUID:w\r\nRECURRENCE-ID:56337398T100000\r\n"
        "DTSTART:20261013T140000Z\r\nDTEND:20261013T150000Z\r\nEND:VEVENT\r\n"
        "BEGIN:VEVENT\r\nUID:x\r\nDTSTART:20261000T100000Z\r\nEND:VEVENT\r\n"
        "BEGIN:VEVENT\r\nUID:y\r\nDTSTART:20261020T100000Z\r\nDTEND:20261020T250000Z\r\n"
        "END:VEVENT\r\nEND:VCALENDAR\r\n";
    expand_options o = options();
    expand_result r;
    ck_assert_int_eq(run(text, &o, &r), EXPAND_OK);
    /* the three daily instances (bad EXDATE and RDATE ignored) and the
     * override's own time; x and y have no real start or end */
    const int64_t want[] = {utc(2026, 10, 12, 10, 0), utc(2026, 10, 12, 11, 0),
                            utc(2026, 10, 13, 10, 0), utc(2026, 10, 13, 11, 0),
                            utc(2026, 10, 13, 14, 0), utc(2026, 10, 13, 15, 0),
                            utc(2026, 10, 14, 10, 0), utc(2026, 10, 14, 11, 0)};
    check_intervals(&r, want, 4);
}
END_TEST

START_TEST(garbage_is_refused)
{
    expand_options o = options();
    expand_result r;
    /* cut short: no END:VCALENDAR at the end */
    static const char cut_short[] = "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nBEGIN:VEVENT\r\nUID:x\r\n"
                                    "DTSTART:20260101T000000Z\r\nEND:VEVENT\r\n";
    static const char *const texts[] = {
        "",
        "hello world",
        "<html><body>Service unavailable</body></html>",
        cut_short,
        "BEGIN:VCARD\r\nFN:x\r\nEND:VCARD\r\nEND:VCALENDAR\r\n",
    };
    for (size_t i = 0; i < sizeof texts / sizeof texts[0]; i++) {
        ck_assert_msg(run(texts[i], &o, &r) == EXPAND_INVALID, "text %zu accepted", i);
        ck_assert_msg(err[0] != '\0', "text %zu: no message", i);
    }
    /* an empty calendar is a calendar: nothing busy */
    ck_assert_int_eq(run("BEGIN:VCALENDAR\r\nVERSION:2.0\r\nEND:VCALENDAR\r\n", &o, &r), EXPAND_OK);
    ck_assert_uint_eq(r.n, 0);
}
END_TEST

Suite *suite_expand(void)
{
    Suite *s = suite_create("expand");
    TCase *tc = tcase_create("expand");
    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_set_timeout(tc, 60);
    tcase_add_test(tc, weekly_exception_and_exdate_across_dst_with_vtimezone);
    tcase_add_test(tc, weekly_exception_and_exdate_across_dst_by_zone_name);
    tcase_add_test(tc, cancelled_override_and_until);
    tcase_add_test(tc, rdate_adds_instances);
    tcase_add_test(tc, all_day_is_the_centers_local_days);
    tcase_add_test(tc, floating_and_durations);
    tcase_add_test(tc, transparent_cancelled_declined_do_not_block);
    tcase_add_test(tc, declined_needs_a_known_owner);
    tcase_add_test(tc, horizon_and_item);
    tcase_add_test(tc, limits);
    tcase_add_test(tc, dates_that_do_not_exist_are_dropped);
    tcase_add_test(tc, garbage_is_refused);
    suite_add_tcase(s, tc);
    return s;
}
