/* test_civil.c - Gregorian day numbers: known dates, weekdays, leap years,
 * month lengths, the round trip over +-2,000 years, and flooring division. */
#include <check.h>

#include "../suites.h"
#include "sched/civil.h"

START_TEST(known_dates_and_weekdays)
{
    ck_assert_int_eq(civil_days_from_date(1970, 1, 1), 0);
    ck_assert_int_eq(civil_days_from_date(2000, 3, 1), 11017);
    ck_assert_int_eq(civil_days_from_date(2026, 3, 29) * CIVIL_DAY_SECONDS + 3600, 1774746000);
    ck_assert_int_eq(civil_weekday(civil_days_from_date(2026, 3, 29)), 6);  /* Sunday */
    ck_assert_int_eq(civil_weekday(civil_days_from_date(1970, 1, 1)), 3);   /* Thursday */
    ck_assert_int_eq(civil_weekday(civil_days_from_date(1969, 12, 29)), 0); /* Monday */
    /* out-of-range days count on */
    ck_assert_int_eq(civil_days_from_date(2026, 1, 32), civil_days_from_date(2026, 2, 1));
}
END_TEST

START_TEST(round_trip)
{
    for (int64_t d = -800000; d <= 800000; d += 997) {
        int64_t y;
        int m, day;
        civil_date_from_days(d, &y, &m, &day);
        ck_assert_int_eq(civil_days_from_date(y, m, day), d);
        ck_assert(day >= 1 && day <= civil_month_length(y, m));
    }
    int64_t y;
    int m, d;
    civil_date_from_days(civil_days_from_date(2024, 2, 29), &y, &m, &d);
    ck_assert(y == 2024 && m == 2 && d == 29);
}
END_TEST

START_TEST(leap_years_and_month_lengths)
{
    ck_assert(civil_is_leap(2024));
    ck_assert(!civil_is_leap(2100));
    ck_assert(civil_is_leap(2000));
    ck_assert(!civil_is_leap(2026));
    ck_assert_int_eq(civil_month_length(2024, 2), 29);
    ck_assert_int_eq(civil_month_length(2100, 2), 28);
    ck_assert_int_eq(civil_month_length(2026, 4), 30);
    ck_assert_int_eq(civil_month_length(2026, 12), 31);
}
END_TEST

START_TEST(floor_division_rounds_down)
{
    ck_assert_int_eq(civil_floor_div(7, 7), 1);
    ck_assert_int_eq(civil_floor_div(6, 7), 0);
    ck_assert_int_eq(civil_floor_div(-1, 7), -1);
    ck_assert_int_eq(civil_floor_div(-7, 7), -1);
    ck_assert_int_eq(civil_floor_div(-8, 7), -2);
    ck_assert_int_eq(civil_floor_div(-1, CIVIL_DAY_SECONDS), -1); /* 1969-12-31 */
}
END_TEST

Suite *suite_civil(void)
{
    Suite *s = suite_create("civil");
    TCase *tc = tcase_create("civil");
    tcase_add_test(tc, known_dates_and_weekdays);
    tcase_add_test(tc, round_trip);
    tcase_add_test(tc, leap_years_and_month_lengths);
    tcase_add_test(tc, floor_division_rounds_down);
    suite_add_tcase(s, tc);
    return s;
}
