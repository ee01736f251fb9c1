/* test_accounts.c - store/accounts.c: centers, calendars (with their
 * specialities), users (unique, case-insensitive emails) and the grants that
 * decide what a user sees.  On SQLite and PostgreSQL (fixture.h). */
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "../suites.h"
#include "fixture.h"

START_TEST(centers_round_trip_and_slugs_are_unique)
{
    center c = {.name = "Centre de Joris", .slug = "jorisvh", .timezone = "Europe/Brussels"};
    ck_assert_int_eq(store_center_create(st, &c), STORE_OK);
    center out;
    ck_assert_int_eq(store_center_get(st, c.id, A, &out), STORE_OK);
    ck_assert_int_eq(out.id, c.id);
    ck_assert_str_eq(out.name, "Centre de Joris");
    ck_assert_str_eq(out.slug, "jorisvh");
    ck_assert_str_eq(out.timezone, "Europe/Brussels");
    center dup = {.name = "Other", .slug = "jorisvh", .timezone = "UTC"};
    ck_assert_int_eq(store_center_create(st, &dup), STORE_CONFLICT);
    ck_assert_int_eq(store_center_get(st, c.id + 100, A, &out), STORE_NOT_FOUND);
}
END_TEST

START_TEST(calendars_round_trip_with_specialities)
{
    int64_t c = make_center("c");
    speciality sp1[] = {{.name = "surgeon_abdominal"}, {.name = "dentist"}};
    calendar k = {.center_id = c,
                  .first_name = "Joris",
                  .last_name = "Van Hecke",
                  .slug = "jorisvh",
                  .specialities = sp1,
                  .n_specialities = 2};
    ck_assert_int_eq(store_calendar_create(st, &k), STORE_OK);
    ck_assert_int_gt(k.id, 0);
    ck_assert_int_eq(k.slot_step, 15);
    ck_assert_int_gt(sp1[0].id, 0);
    ck_assert_int_gt(sp1[1].id, 0);
    ck_assert_int_ne(sp1[0].id, sp1[1].id);

    /* a second calendar sharing one speciality reuses its row */
    speciality sp2[] = {{.name = "dentist"}, {.name = "dentist"}};
    calendar k2 = {.center_id = c,
                   .first_name = "Ann",
                   .last_name = "Peeters",
                   .slug = "annp",
                   .slot_step = 20,
                   .specialities = sp2,
                   .n_specialities = 2};
    ck_assert_int_eq(store_calendar_create(st, &k2), STORE_OK);
    ck_assert_int_eq(sp2[0].id, sp1[1].id);

    calendar out;
    ck_assert_int_eq(store_calendar_get(st, k.id, A, &out), STORE_OK);
    ck_assert_int_eq(out.center_id, c);
    ck_assert_str_eq(out.first_name, "Joris");
    ck_assert_str_eq(out.last_name, "Van Hecke");
    ck_assert_str_eq(out.slug, "jorisvh");
    ck_assert_int_eq(out.slot_step, 15);
    ck_assert_uint_eq(out.n_specialities, 2);
    ck_assert_str_eq(out.specialities[0].name, "surgeon_abdominal");
    ck_assert_str_eq(out.specialities[1].name, "dentist");

    ck_assert_int_eq(store_calendar_get(st, k2.id, A, &out), STORE_OK);
    ck_assert_int_eq(out.slot_step, 20);
    ck_assert_uint_eq(out.n_specialities, 1);
    ck_assert_str_eq(out.specialities[0].name, "dentist");

    /* slug conflict and missing center leave nothing behind */
    speciality sp3[] = {{.name = "new_speciality"}};
    calendar dup = {.center_id = c,
                    .first_name = "X",
                    .last_name = "Y",
                    .slug = "jorisvh",
                    .specialities = sp3,
                    .n_specialities = 1};
    ck_assert_int_eq(store_calendar_create(st, &dup), STORE_CONFLICT);
    dup.slug = "fresh";
    dup.center_id = c + 100;
    ck_assert_int_eq(store_calendar_create(st, &dup), STORE_NOT_FOUND);
    ck_assert_int_eq(store_calendar_get(st, k.id + 100, A, &out), STORE_NOT_FOUND);
}
END_TEST

START_TEST(users_round_trip_and_emails_are_unique)
{
    user u = {.email = "joris@example.org"};
    memset(u.token_hash, 0xab, sizeof u.token_hash);
    ck_assert_int_eq(store_user_create(st, &u), STORE_OK);
    user out;
    ck_assert_int_eq(store_user_get_by_email(st, "joris@example.org", A, &out), STORE_OK);
    ck_assert_int_eq(out.id, u.id);
    ck_assert_str_eq(out.email, "joris@example.org");
    ck_assert_mem_eq(out.token_hash, u.token_hash, 32);
    ck_assert(!out.disabled);

    user dup = {.email = "joris@example.org"};
    ck_assert_int_eq(store_user_create(st, &dup), STORE_CONFLICT);
    ck_assert_int_eq(store_user_get_by_email(st, "nobody@example.org", A, &out), STORE_NOT_FOUND);

    ck_assert_int_eq(store_user_disable(st, u.id), STORE_OK);
    ck_assert_int_eq(store_user_get_by_email(st, "joris@example.org", A, &out), STORE_OK);
    ck_assert(out.disabled);

    unsigned char hash[32];
    memset(hash, 0x11, sizeof hash);
    ck_assert_int_eq(store_user_set_token(st, u.id, hash), STORE_OK);
    ck_assert_int_eq(store_user_get_by_email(st, "joris@example.org", A, &out), STORE_OK);
    ck_assert(!out.disabled);
    ck_assert_mem_eq(out.token_hash, hash, 32);

    ck_assert_int_eq(store_user_set_token(st, u.id + 100, hash), STORE_NOT_FOUND);
    ck_assert_int_eq(store_user_disable(st, u.id + 100), STORE_NOT_FOUND);
}
END_TEST

START_TEST(emails_are_case_insensitive)
{
    user u = {.email = "Joris.VH@Example.ORG"};
    memset(u.token_hash, 0xab, sizeof u.token_hash);
    ck_assert_int_eq(store_user_create(st, &u), STORE_OK);
    user out;
    static const char *const variants[] = {"joris.vh@example.org", "JORIS.VH@EXAMPLE.ORG",
                                           "Joris.VH@Example.ORG"};
    for (size_t i = 0; i < 3; i++) {
        ck_assert_int_eq(store_user_get_by_email(st, variants[i], A, &out), STORE_OK);
        ck_assert_int_eq(out.id, u.id);
        ck_assert_str_eq(out.email, "joris.vh@example.org"); /* stored folded */
    }
    user dup = {.email = "JORIS.vh@example.org"};
    ck_assert_int_eq(store_user_create(st, &dup), STORE_CONFLICT);
    /* only ASCII letters are folded */
    user accented = {.email = "\xc3\x89lise@example.org"};
    ck_assert_int_eq(store_user_create(st, &accented), STORE_OK);
    ck_assert_int_eq(store_user_get_by_email(st, "\xc3\xa9lise@example.org", A, &out),
                     STORE_NOT_FOUND);
    ck_assert_int_eq(store_user_get_by_email(st, "\xc3\x89LISE@EXAMPLE.ORG", A, &out), STORE_OK);
}
END_TEST

START_TEST(grants_decide_what_a_user_sees)
{
    int64_t c1 = make_center("c1"), c2 = make_center("c2"), c3 = make_center("c3");
    speciality sp[] = {{.name = "gp"}};
    calendar k1 = {.center_id = c1,
                   .first_name = "A",
                   .last_name = "A",
                   .slug = "k1",
                   .specialities = sp,
                   .n_specialities = 1};
    ck_assert_int_eq(store_calendar_create(st, &k1), STORE_OK);
    int64_t k2 = make_calendar(c2, "k2");
    int64_t k3 = make_calendar(c3, "k3");
    user u = {.email = "u@example.org"};
    ck_assert_int_eq(store_user_create(st, &u), STORE_OK);

    ck_assert_int_eq(store_grant_add(st, u.id, c1), STORE_OK);
    ck_assert_int_eq(store_grant_add(st, u.id, c1), STORE_OK); /* idempotent */
    ck_assert_int_eq(store_grant_add(st, u.id, c2), STORE_OK);
    ck_assert_int_eq(store_grant_add(st, u.id + 100, c1), STORE_NOT_FOUND);
    ck_assert_int_eq(store_grant_add(st, u.id, c3 + 100), STORE_NOT_FOUND);

    center *centers = NULL;
    size_t n = 0;
    ck_assert_int_eq(store_centers_for_user(st, u.id, A, &centers, &n), STORE_OK);
    ck_assert_uint_eq(n, 2);
    ck_assert_int_eq(centers[0].id, c1);
    ck_assert_int_eq(centers[1].id, c2);
    ck_assert_str_eq(centers[1].slug, "c2");

    calendar *cals = NULL;
    ck_assert_int_eq(store_calendars_for_user(st, u.id, A, &cals, &n), STORE_OK);
    ck_assert_uint_eq(n, 2);
    ck_assert_int_eq(cals[0].id, k1.id);
    ck_assert_uint_eq(cals[0].n_specialities, 1);
    ck_assert_str_eq(cals[0].specialities[0].name, "gp");
    ck_assert_int_eq(cals[1].id, k2);
    ck_assert_uint_eq(cals[1].n_specialities, 0);

    calendar k;
    ck_assert_int_eq(store_user_calendar(st, u.id, k1.id, A, &k), STORE_OK);
    ck_assert_str_eq(k.slug, "k1");
    ck_assert_uint_eq(k.n_specialities, 1);
    ck_assert_int_eq(store_user_calendar(st, u.id, k3, A, &k), STORE_NOT_FOUND);
    ck_assert_int_eq(store_user_calendar(st, u.id, k3 + 100, A, &k), STORE_NOT_FOUND);

    ck_assert_int_eq(store_grant_remove(st, u.id, c1), STORE_OK);
    ck_assert_int_eq(store_grant_remove(st, u.id, c1), STORE_NOT_FOUND);
    ck_assert_int_eq(store_centers_for_user(st, u.id, A, &centers, &n), STORE_OK);
    ck_assert_uint_eq(n, 1);
    ck_assert_int_eq(centers[0].id, c2);
    ck_assert_int_eq(store_user_calendar(st, u.id, k1.id, A, &k), STORE_NOT_FOUND);
    ck_assert_int_eq(store_calendars_for_user(st, u.id, A, &cals, &n), STORE_OK);
    ck_assert_uint_eq(n, 1);
}
END_TEST

/* The tests every engine runs. */
static void add_common_tests(TCase *tc)
{
    tcase_add_test(tc, centers_round_trip_and_slugs_are_unique);
    tcase_add_test(tc, calendars_round_trip_with_specialities);
    tcase_add_test(tc, users_round_trip_and_emails_are_unique);
    tcase_add_test(tc, emails_are_case_insensitive);
    tcase_add_test(tc, grants_decide_what_a_user_sees);
}

Suite *suite_accounts(void)
{
    return store_suite("accounts", add_common_tests, NULL);
}
