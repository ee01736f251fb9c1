/* test_feeds.c - outgoing feeds (feeds.c): a rotation replaces the token's
 * hash and keeps the salt and creation time, the names option is kept
 * unless given, a missing calendar or feed is NOT_FOUND; the rows a feed
 * shows are the window's live appointments plus the cancelled and deleted
 * ones changed recently, sorted, capped, with patient names only when
 * asked.  On both engines. */
#include <check.h>
#include <stdint.h>
#include <string.h>

#include "../suites.h"
#include "fixture.h"
#include "store/feeds.h"

static const unsigned char HASH_A[32] = {1, 2, 3};
static const unsigned char HASH_B[32] = {4, 5, 6};

START_TEST(rotation_replaces_the_hash_and_keeps_the_rest)
{
    int64_t cal = make_calendar(make_center("c"), "k");
    calendar_feed f, g;
    ck_assert_int_eq(store_feed_get(st, cal, &f), STORE_NOT_FOUND);
    ck_assert_int_eq(
        store_feed_rotate(st, cal, HASH_A, "0123456789abcdef", FEED_NAMES_KEEP, 100, &f), STORE_OK);
    ck_assert(!f.patient_names);
    ck_assert_str_eq(f.salt, "0123456789abcdef");
    ck_assert_int_eq(f.created_at, 100);
    ck_assert_int_eq(f.rotated_at, 100);
    ck_assert_int_eq(memcmp(f.token_hash, HASH_A, 32), 0);

    ck_assert_int_eq(store_feed_rotate(st, cal, HASH_B, "ffffffffffffffff", FEED_NAMES_ON, 200, &g),
                     STORE_OK);
    ck_assert_int_eq(memcmp(g.token_hash, HASH_B, 32), 0);
    ck_assert_str_eq(g.salt, "0123456789abcdef");
    ck_assert(g.patient_names);
    ck_assert_int_eq(g.created_at, 100);
    ck_assert_int_eq(g.rotated_at, 200);
    ck_assert_int_eq(
        store_feed_rotate(st, cal, HASH_A, "ffffffffffffffff", FEED_NAMES_KEEP, 300, &g), STORE_OK);
    ck_assert(g.patient_names);
    ck_assert_int_eq(
        store_feed_rotate(st, cal, HASH_A, "ffffffffffffffff", FEED_NAMES_OFF, 300, &g), STORE_OK);
    ck_assert(!g.patient_names);

    ck_assert_int_eq(store_feed_remove(st, cal), STORE_OK);
    ck_assert_int_eq(store_feed_get(st, cal, &g), STORE_NOT_FOUND);
    ck_assert_int_eq(store_feed_remove(st, cal), STORE_NOT_FOUND);
    ck_assert_int_eq(
        store_feed_rotate(st, cal, HASH_A, "ffffffffffffffff", FEED_NAMES_KEEP, 400, &g), STORE_OK);
    ck_assert_str_eq(g.salt, "ffffffffffffffff"); /* a new feed: a new salt */
    ck_assert_int_eq(
        store_feed_rotate(st, cal + 1000, HASH_A, "0123456789abcdef", FEED_NAMES_KEEP, 100, &f),
        STORE_NOT_FOUND);
}
END_TEST

/* The remote ids of the rows store_feed_items gives, joined by ','. */
static const char *items(int64_t cal, int64_t from, int64_t since, bool names, size_t max)
{
    feed_item *rows = NULL;
    size_t n = 0;
    ck_assert_int_eq(store_feed_items(st, cal, from, since, names, max, A, &rows, &n), STORE_OK);
    char *out = arena_strdup(A, "");
    for (size_t i = 0; i < n; i++) {
        /* a deleted row is no longer read by id: named by its state */
        appointment ap;
        const object_ref ref = {.id = rows[i].id};
        const char *rid = rows[i].deleted                                            ? "deleted"
                          : store_appointment_get(st, cal, &ref, A, &ap) == STORE_OK ? ap.remote_id
                                                                                     : "?";
        out = arena_printf(A, "%s%s%s", out, i ? "," : "", rid);
        ck_assert(names || !rows[i].patient_first_name);
    }
    return out;
}

START_TEST(items_are_the_window_and_the_recent_cancellations)
{
    int64_t center = make_center("c");
    int64_t cal = make_calendar(center, "k");
    int64_t other = make_calendar(center, "o");
    add_appt(cal, "old", 100, 200, APPT_BOOKED); /* ends before the window */
    add_appt(cal, "b", 5000, 6000, APPT_BOOKED);
    add_appt(cal, "a", 4000, 4500, APPT_NOSHOW);
    add_appt(cal, "c", 7000, 8000, APPT_CANCELLED); /* stamped 1000 */
    int64_t d = add_appt(cal, "d", 9000, 9500, APPT_BOOKED);
    add_appt(other, "x", 5000, 6000, APPT_BOOKED);
    ck_assert_int_eq(store_appointment_delete(st, cal, d, 3000), STORE_OK);

    ck_assert_str_eq(items(cal, 1000, 0, false, 100), "a,b,c,deleted");
    ck_assert_str_eq(items(cal, 1000, 2000, false, 100), "a,b,deleted"); /* c changed at 1000 */
    ck_assert_str_eq(items(cal, 1000, 4000, false, 100), "a,b");
    ck_assert_str_eq(items(cal, 0, 4000, false, 100), "old,a,b");
    ck_assert_str_eq(items(cal, 1000, 0, false, 2), "a,b");
}
END_TEST

START_TEST(patient_names_are_read_only_when_asked)
{
    int64_t center = make_center("c");
    int64_t cal = make_calendar(center, "k");
    appointment ap = new_appt(cal, "a", 5000, 6000);
    ap.patient_id = add_patient(center, "p", 1000);
    ap.title = "Visit";
    ck_assert_int_eq(store_appointment_insert(st, &ap), STORE_OK);
    feed_item *rows = NULL;
    size_t n = 0;
    ck_assert_int_eq(store_feed_items(st, cal, 0, 0, false, 10, A, &rows, &n), STORE_OK);
    ck_assert_uint_eq(n, 1);
    ck_assert_ptr_null(rows[0].patient_first_name);
    ck_assert_ptr_null(rows[0].patient_last_name);
    ck_assert_str_eq(rows[0].title, "Visit");
    ck_assert_int_eq(rows[0].version, 1);
    ck_assert_int_eq(store_feed_items(st, cal, 0, 0, true, 10, A, &rows, &n), STORE_OK);
    ck_assert_uint_eq(n, 1);
    ck_assert_str_eq(rows[0].patient_first_name, "Joris");
    ck_assert_str_eq(rows[0].patient_last_name, "Van Hecke");
}
END_TEST

static void add_common_tests(TCase *tc)
{
    tcase_add_test(tc, rotation_replaces_the_hash_and_keeps_the_rest);
    tcase_add_test(tc, items_are_the_window_and_the_recent_cancellations);
    tcase_add_test(tc, patient_names_are_read_only_when_asked);
}

Suite *suite_feeds(void)
{
    return store_suite("feeds", add_common_tests, NULL);
}
