/* test_busy.c - external busy time and imported feeds (busy.c): the busy
 * list the slot engine reads includes external time and the overlap warning
 * does not; long intervals are stored as pieces of at most
 * EXTERNAL_BUSY_PIECE and read back whole; a source or an item is replaced
 * whole; imports are added, claimed under a lease, finished only by their
 * lease's owner (a failure keeps the busy time) and removed with their busy
 * time.  On both engines. */
#include <check.h>
#include <stdint.h>
#include <string.h>

#include "../suites.h"
#include "fixture.h"

#define DAY ((int64_t)86400)

static size_t busy_count(int64_t calendar_id, int64_t from, int64_t to)
{
    busy_interval *iv = NULL;
    size_t n = 0;
    ck_assert_int_eq(store_busy_list(st, calendar_id, from, to, A, &iv, &n), STORE_OK);
    return n;
}

START_TEST(busy_list_includes_external_time_and_the_warning_does_not)
{
    int64_t cal = make_calendar(make_center("c"), "k");
    add_appt(cal, "a", 1000, 2000, APPT_BOOKED);
    const external_busy rows[] = {{"uid-1", 1500, 2500}, {"uid-2", 5000, 6000}};
    ck_assert_int_eq(store_external_busy_replace(st, cal, BUSY_SOURCE_FEED, 7, rows, 2, A),
                     STORE_OK);
    busy_interval *iv = NULL;
    size_t n = 0;
    ck_assert_int_eq(store_busy_list(st, cal, 0, 10000, A, &iv, &n), STORE_OK);
    ck_assert_uint_eq(n, 3);
    ck_assert(iv[0].start == 1000 && iv[0].stop == 2000);
    ck_assert(iv[1].start == 1500 && iv[1].stop == 2500);
    ck_assert(iv[2].start == 5000 && iv[2].stop == 6000);
    ck_assert_uint_eq(busy_count(cal, 2500, 5000), 0); /* half-open */
    ck_assert(!get_appt(cal, "a").warning);
    /* another calendar sees none of it */
    int64_t other = make_calendar(make_center("d"), "l");
    ck_assert_uint_eq(busy_count(other, 0, 10000), 0);
}
END_TEST

START_TEST(long_intervals_are_stored_as_pieces_and_read_back_whole)
{
    int64_t cal = make_calendar(make_center("c"), "k");
    const external_busy rows[] = {{"leave", 0, 20 * DAY}};
    ck_assert_int_eq(store_external_busy_replace(st, cal, BUSY_SOURCE_CALDAV, 3, rows, 1, A),
                     STORE_OK);
    ck_assert_int_eq(raw_int(path, "SELECT COUNT(*) FROM external_busy"), 3);
    ck_assert_int_eq(raw_int(path, "SELECT MAX(stop - start) FROM external_busy"),
                     EXTERNAL_BUSY_PIECE);
    /* a window deep inside the interval still finds it */
    ck_assert_uint_eq(busy_count(cal, 15 * DAY, 15 * DAY + 1), 1);
    busy_interval *iv = NULL;
    size_t n = 0;
    ck_assert_int_eq(store_external_busy_list(st, cal, 10 * DAY, 30 * DAY, A, &iv, &n), STORE_OK);
    ck_assert_uint_eq(n, 1); /* the pieces that overlap the window, joined */
    ck_assert(iv[0].start <= 10 * DAY && iv[0].stop == 20 * DAY);
    ck_assert_int_eq(store_external_busy_list(st, cal, 0, 30 * DAY, A, &iv, &n), STORE_OK);
    ck_assert_uint_eq(n, 1);
    ck_assert(iv[0].start == 0 && iv[0].stop == 20 * DAY);
}
END_TEST

START_TEST(a_source_or_an_item_is_replaced_whole)
{
    int64_t cal = make_calendar(make_center("c"), "k");
    const external_busy feed[] = {{"a", 100, 200}, {"b", 300, 400}};
    const external_busy caldav[] = {{"/x.ics", 500, 600}, {"/y.ics", 700, 800}};
    ck_assert_int_eq(store_external_busy_replace(st, cal, BUSY_SOURCE_FEED, 1, feed, 2, A),
                     STORE_OK);
    ck_assert_int_eq(store_external_busy_replace(st, cal, BUSY_SOURCE_CALDAV, 1, caldav, 2, A),
                     STORE_OK);
    const external_busy again[] = {{"c", 900, 950}};
    ck_assert_int_eq(store_external_busy_replace(st, cal, BUSY_SOURCE_FEED, 1, again, 1, A),
                     STORE_OK);
    ck_assert_uint_eq(busy_count(cal, 0, 1000), 3); /* c, /x.ics, /y.ics */
    const busy_interval moved[] = {{1000, 1100}, {1200, 1300}};
    ck_assert_int_eq(
        store_external_busy_replace_item(st, cal, BUSY_SOURCE_CALDAV, 1, "/x.ics", moved, 2, A),
        STORE_OK);
    ck_assert_uint_eq(busy_count(cal, 400, 600), 0);
    ck_assert_uint_eq(busy_count(cal, 0, 2000), 4);
    ck_assert_int_eq(
        store_external_busy_replace_item(st, cal, BUSY_SOURCE_CALDAV, 1, "/y.ics", NULL, 0, A),
        STORE_OK);
    ck_assert_uint_eq(busy_count(cal, 0, 2000), 3);
    ck_assert_int_eq(store_external_busy_drop(st, BUSY_SOURCE_CALDAV, 1), STORE_OK);
    ck_assert_uint_eq(busy_count(cal, 0, 2000), 1);
}
END_TEST

START_TEST(imports_are_claimed_finished_under_their_lease_and_removed)
{
    int64_t cal = make_calendar(make_center("c"), "k");
    calendar_import im = {.calendar_id = cal,
                          .url = "https://example.org/a.ics",
                          .interval = 900,
                          .due_at = 1000,
                          .created_at = 1000};
    ck_assert_int_eq(store_import_add(st, &im), STORE_OK);
    calendar_import dup = im;
    ck_assert_int_eq(store_import_add(st, &dup), STORE_CONFLICT);
    dup.calendar_id = 999999;
    ck_assert_int_eq(store_import_add(st, &dup), STORE_NOT_FOUND);

    int64_t *ids = NULL;
    size_t n = 0;
    ck_assert_int_eq(store_import_claim(st, "one", 999, 60, 4, A, &ids, &n), STORE_OK);
    ck_assert_uint_eq(n, 0); /* not due yet */
    ck_assert_int_eq(store_import_claim(st, "one", 1000, 60, 4, A, &ids, &n), STORE_OK);
    ck_assert_uint_eq(n, 1);
    ck_assert_int_eq(ids[0], im.id);
    ck_assert_int_eq(store_import_claim(st, "two", 1001, 60, 4, A, &ids, &n), STORE_OK);
    ck_assert_uint_eq(n, 0); /* leased */

    const external_busy rows[] = {{"u", 5000, 6000}};
    import_outcome ok = {.ok = true,
                         .replace = true,
                         .rows = rows,
                         .n = 1,
                         .etag = "\"v1\"",
                         .events = 1,
                         .at = 1002,
                         .due_at = 1902};
    ck_assert_int_eq(store_import_finish(st, im.id, "two", &ok, A), STORE_NOT_FOUND);
    ck_assert_uint_eq(busy_count(cal, 0, 10000), 0);
    ck_assert_int_eq(store_import_finish(st, im.id, "one", &ok, A), STORE_OK);
    ck_assert_uint_eq(busy_count(cal, 0, 10000), 1);
    calendar_import got;
    ck_assert_int_eq(store_import_get(st, im.id, A, &got), STORE_OK);
    ck_assert_str_eq(got.etag, "\"v1\"");
    ck_assert(got.last_modified == NULL && got.last_error == NULL);
    ck_assert_int_eq(got.last_success, 1002);
    ck_assert_int_eq(got.expanded_at, 1002);
    ck_assert_int_eq(got.due_at, 1902);
    ck_assert_int_eq(got.intervals, 1);

    /* a failure keeps the busy time and the validators */
    ck_assert_int_eq(store_import_claim(st, "one", 1902, 60, 4, A, &ids, &n), STORE_OK);
    ck_assert_uint_eq(n, 1);
    import_outcome failed = {.error = "HTTP status 500", .at = 1903, .due_at = 1933};
    ck_assert_int_eq(store_import_finish(st, im.id, "one", &failed, A), STORE_OK);
    ck_assert_uint_eq(busy_count(cal, 0, 10000), 1);
    ck_assert_int_eq(store_import_get(st, im.id, A, &got), STORE_OK);
    ck_assert_str_eq(got.last_error, "HTTP status 500");
    ck_assert_str_eq(got.etag, "\"v1\"");
    ck_assert_int_eq(got.attempts, 1);
    ck_assert_int_eq(got.last_success, 1002);

    calendar_import *list = NULL;
    ck_assert_int_eq(store_import_list(st, cal, A, &list, &n), STORE_OK);
    ck_assert_uint_eq(n, 1);
    ck_assert_int_eq(store_import_remove(st, cal + 1, im.id), STORE_NOT_FOUND);
    ck_assert_int_eq(store_import_remove(st, cal, im.id), STORE_OK);
    ck_assert_uint_eq(busy_count(cal, 0, 10000), 0);
    ck_assert_int_eq(store_import_remove(st, 0, im.id), STORE_NOT_FOUND);
}
END_TEST

static void add_common_tests(TCase *tc)
{
    tcase_add_test(tc, busy_list_includes_external_time_and_the_warning_does_not);
    tcase_add_test(tc, long_intervals_are_stored_as_pieces_and_read_back_whole);
    tcase_add_test(tc, a_source_or_an_item_is_replaced_whole);
    tcase_add_test(tc, imports_are_claimed_finished_under_their_lease_and_removed);
}

Suite *suite_busy(void)
{
    return store_suite("busy", add_common_tests, NULL);
}
