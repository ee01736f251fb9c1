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
START_TEST(bulk_services_get_and_write)
{
    int64_t c = make_center("bulk-s");
    int64_t k = make_calendar(c, "bulk-s-cal"), k2 = make_calendar(c, "bulk-s-cal2");
    service sv = new_service(k, "s", 15, "#111111");
    ck_assert_int_eq(store_service_insert(st, &sv), STORE_OK);
    appointment a = new_appt(k, "a", 100, 200);
    a.service_id = sv.id;
    ck_assert_int_eq(store_appointment_insert(st, &a), STORE_OK);

    const object_ref refs[] = {{.remote_id = "s"}, {.id = sv.id}, {.remote_id = "t"}};
    service got[3];
    bool found[3];
    ck_assert_int_eq(store_service_get_many(st, k, refs, 3, A, got, found), STORE_OK);
    ck_assert(found[0] && found[1] && !found[2]);
    ck_assert_int_eq(got[0].id, sv.id);
    ck_assert_int_eq(got[1].duration, 15);
    ck_assert_int_eq(store_service_get_many(st, k2, refs, 3, A, got, found), STORE_OK);
    ck_assert(!found[0] && !found[1] && !found[2]);

    service *rows = arena_calloc(A, MANY + 1, sizeof *rows);
    rows[0] = sv;
    rows[0].color = "#222222";
    rows[0].updated_at = 2000;
    for (int i = 1; i <= MANY; i++)
        rows[i] = (service){.calendar_id = k,
                            .remote_id = i % 2 ? arena_printf(A, "t%d", i) : NULL,
                            .name = arena_printf(A, "T%d", i),
                            .duration = i,
                            .updated_at = 2000};
    ck_assert_int_eq(store_begin(st), STORE_OK);
    ck_assert_int_eq(store_service_write_many(st, rows, MANY + 1, A), STORE_OK);
    ck_assert_int_eq(store_commit(st), STORE_OK);
    service *list = NULL;
    size_t n = 0;
    ck_assert_int_eq(store_service_list(st, k, A, &list, &n), STORE_OK);
    ck_assert_uint_eq(n, MANY + 1);
    for (size_t i = 0; i < n; i++) {
        ck_assert_int_eq(list[i].id, rows[i].id); /* by id: in the order written */
        ck_assert_str_eq(list[i].name, rows[i].name);
        ck_assert_int_eq(list[i].duration, i ? (int64_t)i : 15);
    }
    /* the new color shows on the service's appointment: touched */
    ck_assert_int_eq(get_appt(k, "a").updated_at, 2000);
    ck_assert_str_eq(get_appt(k, "a").service_color, "#222222");
}
END_TEST

static void add_common_tests(TCase *tc)
{
    tcase_add_test(tc, services_round_trip);
    tcase_add_test(tc, bulk_services_get_and_write);
}

Suite *suite_services(void)
{
    return store_suite("services", add_common_tests, NULL);
}
