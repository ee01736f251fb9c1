/* test_booking.c - online booking in the store (booking.c): a center's
 * settings are read back as written, lists included; a center without any
 * has none (its page is off); writing replaces the lists whole; ids that
 * are not the center's are refused with nothing written.  On both
 * engines. */
#include <check.h>
#include <stdint.h>
#include <string.h>

#include "../suites.h"
#include "fixture.h"

START_TEST(settings_are_read_back_as_written_and_lists_are_replaced_whole)
{
    int64_t center = make_center("c");
    int64_t k1 = make_calendar(center, "k1"), k2 = make_calendar(center, "k2");
    int64_t s1 = add_service(k1, "s1", 20, NULL), s2 = add_service(k2, "s2", 30, NULL);
    booking_settings got;
    ck_assert_int_eq(store_booking_settings_get(st, center, A, &got), STORE_NOT_FOUND);

    booking_settings bs = store_booking_settings_default(center);
    ck_assert(!bs.enabled && bs.hold_seconds == 300 && bs.n_calendars == 0);
    const int64_t calendars[] = {k2, k1};
    const int64_t services[] = {s2};
    bs.enabled = true;
    bs.calendars = calendars, bs.n_calendars = 2;
    bs.services = services, bs.n_services = 1;
    bs.horizon_days = 30, bs.min_notice = 0, bs.max_future = 5, bs.hold_seconds = 600;
    bs.updated_at = 1000;
    booking_reject why = {0};
    ck_assert_int_eq(store_booking_settings_set(st, &bs, &why), STORE_OK);
    ck_assert_int_eq(store_booking_settings_get(st, center, A, &got), STORE_OK);
    ck_assert(got.enabled && got.center_id == center);
    ck_assert_uint_eq(got.n_calendars, 2);
    ck_assert(got.calendars[0] == k1 && got.calendars[1] == k2); /* by id */
    ck_assert_uint_eq(got.n_services, 1);
    ck_assert_int_eq(got.services[0], s2);
    ck_assert(got.horizon_days == 30 && got.min_notice == 0 && got.max_future == 5 &&
              got.hold_seconds == 600 && got.updated_at == 1000);

    /* off, and the lists emptied: everything of the center's */
    bs.enabled = false;
    bs.n_calendars = 0, bs.n_services = 0;
    ck_assert_int_eq(store_booking_settings_set(st, &bs, &why), STORE_OK);
    ck_assert_int_eq(store_booking_settings_get(st, center, A, &got), STORE_OK);
    ck_assert(!got.enabled && got.n_calendars == 0 && got.n_services == 0);
    ck_assert_int_eq(raw_int(path, "SELECT COUNT(*) FROM booking_calendars"), 0);
    ck_assert_int_eq(raw_int(path, "SELECT COUNT(*) FROM booking_services"), 0);
    /* a service of any of the center's calendars when none is named */
    const int64_t one[] = {s1};
    bs.services = one, bs.n_services = 1;
    ck_assert_int_eq(store_booking_settings_set(st, &bs, &why), STORE_OK);
}
END_TEST

START_TEST(ids_outside_the_center_are_refused_and_nothing_is_written)
{
    int64_t center = make_center("c"), other = make_center("d");
    int64_t k1 = make_calendar(center, "k1"), k2 = make_calendar(center, "k2");
    int64_t foreign = make_calendar(other, "f");
    int64_t s1 = add_service(k1, "s1", 20, NULL), s2 = add_service(k2, "s2", 20, NULL);
    int64_t sf = add_service(foreign, "sf", 20, NULL);
    booking_settings bs = store_booking_settings_default(center);
    bs.enabled = true;
    bs.updated_at = 1000;
    booking_reject why = {0};
    booking_settings got;

    const int64_t bad_calendars[] = {k1, foreign};
    bs.calendars = bad_calendars, bs.n_calendars = 2;
    ck_assert_int_eq(store_booking_settings_set(st, &bs, &why), STORE_CONFLICT);
    ck_assert(why.calendar && why.id == foreign);
    ck_assert_int_eq(store_booking_settings_get(st, center, A, &got), STORE_NOT_FOUND);

    /* another center's service; a service outside the calendars named; a
     * service that does not exist */
    const int64_t calendars[] = {k1};
    bs.calendars = calendars, bs.n_calendars = 1;
    const int64_t cases[] = {sf, s2, 987654};
    for (size_t i = 0; i < 3; i++) {
        bs.services = &cases[i], bs.n_services = 1;
        why = (booking_reject){0};
        ck_assert_int_eq(store_booking_settings_set(st, &bs, &why), STORE_CONFLICT);
        ck_assert(!why.calendar && why.id == cases[i]);
    }
    ck_assert_int_eq(store_booking_settings_get(st, center, A, &got), STORE_NOT_FOUND);
    bs.services = &s1;
    ck_assert_int_eq(store_booking_settings_set(st, &bs, &why), STORE_OK);
    /* a refused write keeps the settings there were */
    bs.services = &sf;
    ck_assert_int_eq(store_booking_settings_set(st, &bs, &why), STORE_CONFLICT);
    ck_assert_int_eq(store_booking_settings_get(st, center, A, &got), STORE_OK);
    ck_assert(got.n_services == 1 && got.services[0] == s1);
    /* a center that does not exist */
    bs = store_booking_settings_default(987654);
    ck_assert_int_eq(store_booking_settings_set(st, &bs, &why), STORE_NOT_FOUND);
}
END_TEST

static void add_common_tests(TCase *tc)
{
    tcase_add_test(tc, settings_are_read_back_as_written_and_lists_are_replaced_whole);
    tcase_add_test(tc, ids_outside_the_center_are_refused_and_nothing_is_written);
}

Suite *suite_booking(void)
{
    return store_suite("booking", add_common_tests, NULL);
}
