/* test_clock.c - the program's Unix time never lags a precise reading taken
 * before it, across a second boundary (time() does: it reads the kernel's
 * coarse clock, up to a tick behind). */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>
#include <unistd.h>

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

static void write_file(const char *path, const char *text)
{
    FILE *f = fopen(path, "w");
    ck_assert_ptr_nonnull(f);
    fputs(text, f);
    fclose(f);
}

/* The clock file: its value is "now", a rewrite is seen once the cache is
 * CLOCK_FILE_REREAD_MS old, an unreadable moment keeps the last good value,
 * and NULL gives the real clock back. */
START_TEST(clock_file_drives_now)
{
    char path[] = "/tmp/agenda-clock-XXXXXX";
    int fd = mkstemp(path);
    ck_assert_int_ge(fd, 0);
    close(fd);
    const char *err = NULL;
    write_file(path, "not a time\n");
    ck_assert(!clock_use_file(path, &err));
    ck_assert_ptr_nonnull(err);
    write_file(path, "1700000000.25\n");
    ck_assert(clock_use_file(path, &err));
    ck_assert_int_eq(clock_unix_seconds(), 1700000000);
    write_file(path, "1700000100");
    int64_t first_change = clock_monotonic_ms();
    while (clock_unix_seconds() != 1700000100)
        ck_assert_int_lt(clock_monotonic_ms() - first_change, 5000);
    write_file(path, "");
    int64_t since = clock_monotonic_ms();
    while (clock_monotonic_ms() - since < 3 * CLOCK_FILE_REREAD_MS)
        ck_assert_int_eq(clock_unix_seconds(), 1700000100);
    ck_assert(clock_use_file(NULL, &err));
    ck_assert_int_gt(clock_unix_seconds(), 1700000100);
    unlink(path);
}
END_TEST

Suite *suite_clock(void)
{
    Suite *s = suite_create("clock");
    TCase *tc = tcase_create("clock");
    tcase_add_test(tc, never_behind_a_precise_reading_before_it);
    tcase_add_test(tc, clock_file_drives_now);
    suite_add_tcase(s, tc);
    return s;
}
