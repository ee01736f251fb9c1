/* test_parse.c - whole numbers and calendar dates from text (util/parse.c):
 * the int64 edges, what is refused (and leaves the output untouched), and
 * month lengths, leap years and the shape of a date. */
#include <check.h>
#include <stdint.h>

#include "../suites.h"
#include "util/parse.h"

START_TEST(whole_numbers)
{
    int64_t v = 99;
    ck_assert(parse_int64("123", &v));
    ck_assert_int_eq(v, 123);
    ck_assert(parse_int64("-0", &v));
    ck_assert_int_eq(v, 0);
    ck_assert(parse_int64("-9223372036854775808", &v));
    ck_assert_int_eq(v, INT64_MIN);
    ck_assert(parse_int64("9223372036854775807", &v));
    ck_assert_int_eq(v, INT64_MAX);
    ck_assert(parse_int64("922337203685477580", &v)); /* INT64_MAX / 10 */
    ck_assert(parse_int64("00000000000000000000000000001", &v));
    ck_assert_int_eq(v, 1);
    ck_assert(parse_int64("42", NULL)); /* a check only */
}
END_TEST

START_TEST(refused_numbers_leave_the_output_untouched)
{
    static const char *const bad[] = {
        "",
        "-",
        "--1",
        "+1",
        " 1",
        "1 ",
        "1\n",
        "12a",
        "1e3",
        "1.0",
        "0x10",
        "9223372036854775808",
        "-9223372036854775809",
        "92233720368547758070",
    };
    int64_t v = 99;
    ck_assert(!parse_int64(NULL, &v));
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
        ck_assert_msg(!parse_int64(bad[i], &v), "'%s' was accepted", bad[i]);
    ck_assert_int_eq(v, 99);
}
END_TEST

START_TEST(dates)
{
    static const char *const good[] = {
        "1990-05-16", "2024-02-29", "2000-02-29", "2023-02-28", "2023-01-31",
        "2023-04-30", "2023-12-31", "1000-01-01", "9999-12-31",
    };
    static const char *const bad[] = {
        "",
        "1900-02-29",
        "2023-02-29",
        "2024-02-30",
        "2023-04-31",
        "2023-06-31",
        "2023-12-32",
        "2023-13-01",
        "2023-00-10",
        "2023-01-00",
        "0999-12-31",
        "10000-01-01",
        "2023-1-01",
        "2023-01-1",
        "2023/01/01",
        " 2023-01-01",
        "2023-01-01 ",
        "+202-01-01",
        "2023-+1-01",
        "16/05/1990",
        "2023-01-01T00:00:00Z",
    };
    for (size_t i = 0; i < sizeof good / sizeof good[0]; i++)
        ck_assert_msg(parse_is_date(good[i]), "'%s' was refused", good[i]);
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
        ck_assert_msg(!parse_is_date(bad[i]), "'%s' was accepted", bad[i]);
    ck_assert(!parse_is_date(NULL));
}
END_TEST

Suite *suite_parse(void)
{
    Suite *s = suite_create("parse");
    TCase *tc = tcase_create("parse");
    tcase_add_test(tc, whole_numbers);
    tcase_add_test(tc, refused_numbers_leave_the_output_untouched);
    tcase_add_test(tc, dates);
    suite_add_tcase(s, tc);
    return s;
}
