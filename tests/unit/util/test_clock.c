/* test_clock.c - the program's Unix time never lags a precise reading taken
 * before it, across a second boundary (time() does: it reads the kernel's
 * coarse clock, up to a tick behind). */
#include <check.h>
#include <time.h>

#include "../suites.h"
#include "util/clock.h"

START_TEST(never_behind_a_precise_reading_before_it)
{
    struct timespec start, now;
    clock_gettime(CLOCK_MONOTONIC, &start);
    long checks = 0;
    do {
        struct timespec precise;
        clock_gettime(CLOCK_REALTIME, &precise);
        int64_t ours = clock_unix_seconds();
        ck_assert_msg(ours >= (int64_t)precise.tv_sec, "%lld read after %lld.%09ld",
                      (long long)ours, (long long)precise.tv_sec, precise.tv_nsec);
        checks++;
        clock_gettime(CLOCK_MONOTONIC, &now);
    } while (now.tv_sec - start.tv_sec < 2); /* spans at least one second boundary */
    ck_assert_int_gt(checks, 1000);
}
END_TEST

Suite *suite_clock(void)
{
    Suite *s = suite_create("clock");
    TCase *tc = tcase_create("clock");
    tcase_add_test(tc, never_behind_a_precise_reading_before_it);
    suite_add_tcase(s, tc);
    return s;
}
