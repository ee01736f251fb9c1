/* test_services.c - store/services.c: services round trip, remote ids
 * unique within a calendar, update and the calendar's list.  On SQLite and
 * PostgreSQL (fixture.h). */
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "../suites.h"
#include "fixture.h"

START_TEST(services_round_trip)
{
    int64_t k = make_calendar(make_center("c"), "k");
    int64_t k2 = make_calendar(make_center("c2"), "k2");
    service s = {.calendar_id = k,
                 .remote_id = "abc",
                 .name = "Long appointment",
                 .duration = 60,
                 .color = "#FF0000",
                 .updated_at = 1000};
    ck_assert_int_eq(store_service_insert(st, &s), STORE_OK);
    service s2 = {
        .calendar_id = k, .remote_id = "xyz", .name = "Short", .duration = 30, .updated_at = 1000};
    ck_assert_int_eq(store_service_insert(st, &s2), STORE_OK);
    service dup = s2;
    ck_assert_int_eq(store_service_insert(st, &dup), STORE_CONFLICT);
    dup.calendar_id = k2;
    ck_assert_int_eq(store_service_insert(st, &dup), STORE_OK);

    service out;
    object_ref ref = {.remote_id = "abc"};
    ck_assert_int_eq(store_service_get(st, k, &ref, A, &out), STORE_OK);
    ck_assert_int_eq(out.id, s.id);
    ck_assert_str_eq(out.name, "Long appointment");
    ck_assert_int_eq(out.duration, 60);
    ck_assert_str_eq(out.color, "#FF0000");
    ref = (object_ref){.id = s2.id};
    ck_assert_int_eq(store_service_get(st, k, &ref, A, &out), STORE_OK);
    ck_assert_ptr_null(out.color);
    ck_assert_int_eq(store_service_get(st, k2, &ref, A, &out), STORE_NOT_FOUND);

    s2.duration = 45;
    s2.color = "#00ff00";
    ck_assert_int_eq(store_service_update(st, &s2), STORE_OK);
    s2.remote_id = "abc";
    ck_assert_int_eq(store_service_update(st, &s2), STORE_CONFLICT);
    s2.id += 100;
    ck_assert_int_eq(store_service_update(st, &s2), STORE_NOT_FOUND);

    service *rows = NULL;
    size_t n = 0;
    ck_assert_int_eq(store_service_list(st, k, A, &rows, &n), STORE_OK);
    ck_assert_uint_eq(n, 2);
    ck_assert_int_eq(rows[0].id, s.id);
    ck_assert_int_eq(rows[1].duration, 45);
    ck_assert_str_eq(rows[1].color, "#00ff00");
}
END_TEST

/* The tests every engine runs. */
static void add_common_tests(TCase *tc)
{
    tcase_add_test(tc, services_round_trip);
}

Suite *suite_services(void)
{
    return store_suite("services", add_common_tests, NULL);
}
