/* test_week.c - the weekly schedule's text forms and overlap rule, shared by
 * the API and the command line. */
#include <check.h>
#include <string.h>

#include "../suites.h"
#include "sched/week.h"

START_TEST(times_and_days)
{
    int m = -1;
    ck_assert(week_parse_time("08:30", false, &m) && m == 510);
    ck_assert(week_parse_time("00:00", false, &m) && m == 0);
    ck_assert(week_parse_time("24:00", true, &m) && m == 1440);
    ck_assert(!week_parse_time("24:00", false, &m)); /* a start cannot be midnight's end */
    ck_assert(!week_parse_time("24:01", true, &m));
    ck_assert(!week_parse_time("12:60", false, &m));
    ck_assert(!week_parse_time("8:30", false, &m));
    ck_assert(!week_parse_time("08-30", false, &m));
    int d = -1;
    ck_assert(week_parse_day("sunday", &d) && d == 6);
    ck_assert(!week_parse_day("Monday", &d));
    ck_assert_str_eq(week_day_name(2), "wednesday");
    char t[6];
    week_format_time(1440, t);
    ck_assert_str_eq(t, "24:00");
}
END_TEST

START_TEST(ranges_round_trip)
{
    static const char *const good[] = {"monday 08:30-12:00", "wednesday 00:00-24:00",
                                       "sunday 23:59-24:00"};
    for (size_t i = 0; i < sizeof good / sizeof good[0]; i++) {
        opening_hour h;
        ck_assert_msg(week_parse_range(good[i], &h), "refused %s", good[i]);
        char text[WEEK_RANGE_TEXT];
        week_format_range(&h, text);
        ck_assert_str_eq(text, good[i]);
    }
    static const char *const bad[] = {"monday 12:00-08:30",  "monday 08:30-08:30",
                                      "monday 08:30-12:00 ", "funday 08:30-12:00",
                                      "monday08:30-12:00",   ""};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        opening_hour h;
        ck_assert_msg(!week_parse_range(bad[i], &h), "accepted '%s'", bad[i]);
    }
}
END_TEST

START_TEST(overlaps_are_found_after_sorting)
{
    opening_hour ok[] = {{1, 600, 720}, {0, 780, 1050}, {0, 510, 720}, {0, 720, 780}};
    size_t bad = 99;
    ck_assert(week_check(ok, 4, &bad)); /* touching ranges are fine */
    ck_assert_int_eq(ok[0].day, 0);
    ck_assert_int_eq(ok[0].start, 510);
    ck_assert_int_eq(ok[3].day, 1);

    opening_hour overlap[] = {{2, 600, 720}, {2, 510, 601}};
    ck_assert(!week_check(overlap, 2, &bad));
    ck_assert_int_eq(bad, 1);
    ck_assert_int_eq(overlap[bad].start, 600);
    ck_assert(week_check(NULL, 0, &bad));
}
END_TEST

Suite *suite_week(void)
{
    Suite *s = suite_create("week");
    TCase *tc = tcase_create("week");
    tcase_add_test(tc, times_and_days);
    tcase_add_test(tc, ranges_round_trip);
    tcase_add_test(tc, overlaps_are_found_after_sorting);
    suite_add_tcase(s, tc);
    return s;
}
