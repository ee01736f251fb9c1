/* test_booking.c - online booking in the store (booking.c): a center's
 * settings are read back as written, lists included; a center without any
 * has none (its page is off); writing replaces the lists whole; ids that
 * are not the center's are refused with nothing written.  Holds: an
 * unexpired hold is busy time and blocks other holds, an expired one is
 * ignored at once and removed by the calendar's next placement; a hold is
 * placed only on free time, released and booked only by its owner, and
 * booked atomically (an appointment written over it meanwhile refuses the
 * booking and keeps the hold).  Online bookings (online.c) match returning
 * patients, count their future ones and write nothing when refused;
 * attempts are counted in a sliding window; keys are made once.  On both
 * engines. */
#include <check.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "../suites.h"
#include "fixture.h"
#include "util/clock.h"

/* Holds are judged at the real clock by store_busy_list, so the tests place
 * them around it. */
static booking_hold new_hold(int64_t calendar_id, int64_t service_id, int64_t start, int64_t stop,
                             int64_t expires_at, const char *owner)
{
    return (booking_hold){.calendar_id = calendar_id,
                          .service_id = service_id,
                          .start = start,
                          .stop = stop,
                          .expires_at = expires_at,
                          .owner = owner,
                          .created_at = 1000};
}

static size_t busy_count(int64_t calendar_id, int64_t from, int64_t to)
{
    busy_interval *iv = NULL;
    size_t n = 0;
    ck_assert_int_eq(store_busy_list(st, calendar_id, from, to, A, &iv, &n), STORE_OK);
    return n;
}

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

START_TEST(the_page_offers_the_services_of_its_lists_or_all_of_the_centers)
{
    int64_t cid = make_center("c");
    int64_t k1 = make_calendar(cid, "k1"), k2 = make_calendar(cid, "k2");
    int64_t other = make_calendar(make_center("d"), "f");
    int64_t s1 = add_service(k1, "s1", 20, NULL), s2 = add_service(k2, "s2", 30, NULL);
    add_service(other, "sf", 20, NULL);
    center c;
    ck_assert_int_eq(store_center_get_by_slug(st, "c", A, &c), STORE_OK);
    ck_assert_int_eq(c.id, cid);
    ck_assert_int_eq(store_center_get_by_slug(st, "C", A, &c), STORE_NOT_FOUND);
    booking_service *offered = NULL;
    size_t n = 0;
    ck_assert_int_eq(store_booking_services(st, cid, A, &offered, &n), STORE_OK);
    ck_assert_uint_eq(n, 2);
    ck_assert(offered[0].id == s1 && offered[1].id == s2 && offered[1].duration == 30);
    ck_assert_int_eq(offered[0].calendar_id, k1);
    booking_settings bs = store_booking_settings_default(cid);
    booking_reject why = {0};
    bs.calendars = &k2, bs.n_calendars = 1;
    ck_assert_int_eq(store_booking_settings_set(st, &bs, &why), STORE_OK);
    ck_assert_int_eq(store_booking_services(st, cid, A, &offered, &n), STORE_OK);
    ck_assert(n == 1 && offered[0].id == s2);
    bs.n_calendars = 0;
    bs.services = &s1, bs.n_services = 1;
    ck_assert_int_eq(store_booking_settings_set(st, &bs, &why), STORE_OK);
    ck_assert_int_eq(store_booking_services(st, cid, A, &offered, &n), STORE_OK);
    ck_assert(n == 1 && offered[0].id == s1);
}
END_TEST

START_TEST(an_unexpired_hold_is_busy_and_blocks_other_holds)
{
    int64_t cal = make_calendar(make_center("c"), "k");
    int64_t svc = add_service(cal, "s", 20, NULL);
    int64_t now = clock_unix_seconds();
    booking_hold h = new_hold(cal, svc, now + 3600, now + 4800, now + 300, "owner-a");
    ck_assert_int_eq(store_hold_place(st, &h, now, A), STORE_OK);
    ck_assert_int_gt(h.id, 0);
    busy_interval *iv = NULL;
    size_t n = 0;
    ck_assert_int_eq(store_busy_list(st, cal, now, now + 7200, A, &iv, &n), STORE_OK);
    ck_assert_uint_eq(n, 1);
    ck_assert(iv[0].start == now + 3600 && iv[0].stop == now + 4800);

    /* overlapping holds are refused, touching ones are not (half-open) */
    booking_hold b = new_hold(cal, svc, now + 4200, now + 5400, now + 300, "owner-b");
    ck_assert_int_eq(store_hold_place(st, &b, now, A), STORE_CONFLICT);
    b = new_hold(cal, svc, now + 4800, now + 6000, now + 300, "owner-b");
    ck_assert_int_eq(store_hold_place(st, &b, now, A), STORE_OK);
    /* another calendar is not blocked */
    int64_t other = make_calendar(make_center("d"), "l");
    int64_t other_svc = add_service(other, "s", 20, NULL);
    booking_hold o = new_hold(other, other_svc, now + 3600, now + 4800, now + 300, "owner-a");
    ck_assert_int_eq(store_hold_place(st, &o, now, A), STORE_OK);
    /* appointments and external busy time block holds */
    add_appt(cal, "a", now + 9000, now + 10200, APPT_BOOKED);
    booking_hold c = new_hold(cal, svc, now + 9600, now + 10800, now + 300, "owner-c");
    ck_assert_int_eq(store_hold_place(st, &c, now, A), STORE_CONFLICT);
    const external_busy rows[] = {{"uid", now + 20000, now + 21000}};
    ck_assert_int_eq(store_external_busy_replace(st, cal, BUSY_SOURCE_FEED, 1, rows, 1, A),
                     STORE_OK);
    c = new_hold(cal, svc, now + 20500, now + 21500, now + 300, "owner-c");
    ck_assert_int_eq(store_hold_place(st, &c, now, A), STORE_CONFLICT);
    /* a service of another calendar, or none */
    c = new_hold(cal, other_svc, now + 30000, now + 31200, now + 300, "owner-c");
    ck_assert_int_eq(store_hold_place(st, &c, now, A), STORE_NOT_FOUND);
    c = new_hold(cal, 987654, now + 30000, now + 31200, now + 300, "owner-c");
    ck_assert_int_eq(store_hold_place(st, &c, now, A), STORE_NOT_FOUND);
    ck_assert_int_eq(raw_int(path, "SELECT COUNT(*) FROM booking_holds"), 3);

    /* the overlap warning speaks of appointments only */
    add_appt(cal, "b", now + 3600, now + 4800, APPT_BOOKED);
    ck_assert(!get_appt(cal, "b").warning);
}
END_TEST

START_TEST(an_expired_hold_is_ignored_at_once_and_removed_by_the_next_placement)
{
    int64_t cal = make_calendar(make_center("c"), "k");
    int64_t svc = add_service(cal, "s", 20, NULL);
    int64_t now = clock_unix_seconds();
    /* placed at an earlier moment, expired now */
    booking_hold h = new_hold(cal, svc, now + 3600, now + 4800, now, "owner-a");
    ck_assert_int_eq(store_hold_place(st, &h, now - 300, A), STORE_OK);
    ck_assert_uint_eq(busy_count(cal, now, now + 7200), 0);
    booking_hold got;
    ck_assert_int_eq(store_hold_get(st, h.id, "owner-a", now, A, &got), STORE_NOT_FOUND);
    ck_assert_int_eq(store_hold_get(st, h.id, "owner-a", now - 1, A, &got), STORE_OK);
    ck_assert(got.start == now + 3600 && got.expires_at == now && got.service_id == svc);
    ck_assert_str_eq(got.owner, "owner-a");
    ck_assert_int_eq(raw_int(path, "SELECT COUNT(*) FROM booking_holds"), 1);
    /* another patient takes the time; the expired row goes */
    booking_hold b = new_hold(cal, svc, now + 3600, now + 4800, now + 300, "owner-b");
    ck_assert_int_eq(store_hold_place(st, &b, now, A), STORE_OK);
    ck_assert_int_eq(raw_int(path, "SELECT COUNT(*) FROM booking_holds"), 1);
    ck_assert_uint_eq(busy_count(cal, now, now + 7200), 1);
    /* the expired hold can no longer be booked */
    appointment ap = new_appt(cal, NULL, 0, 1);
    ck_assert_int_eq(store_hold_book(st, h.id, "owner-a", now, &ap, A), STORE_NOT_FOUND);
}
END_TEST

START_TEST(a_hold_is_released_and_booked_by_its_owner_only)
{
    int64_t center = make_center("c");
    int64_t cal = make_calendar(center, "k");
    int64_t svc = add_service(cal, "s", 20, NULL);
    int64_t patient_id = add_patient(center, NULL, 1000);
    int64_t now = clock_unix_seconds();
    booking_hold h = new_hold(cal, svc, now + 3600, now + 4800, now + 300, "owner-a");
    ck_assert_int_eq(store_hold_place(st, &h, now, A), STORE_OK);
    ck_assert_int_eq(store_hold_release(st, h.id, "owner-b"), STORE_NOT_FOUND);
    ck_assert_int_eq(store_hold_release(st, h.id, "owner-a"), STORE_OK);
    ck_assert_int_eq(store_hold_release(st, h.id, "owner-a"), STORE_NOT_FOUND);
    ck_assert_uint_eq(busy_count(cal, now, now + 7200), 0);

    ck_assert_int_eq(store_hold_place(st, &h, now, A), STORE_OK);
    appointment ap = new_appt(cal, NULL, 0, 1);
    ap.patient_id = patient_id;
    ap.title = "online";
    ck_assert_int_eq(store_hold_book(st, h.id, "owner-b", now, &ap, A), STORE_NOT_FOUND);
    ck_assert_int_eq(raw_int(path, "SELECT COUNT(*) FROM appointments"), 0);
    ck_assert_int_eq(store_hold_book(st, h.id, "owner-a", now, &ap, A), STORE_OK);
    ck_assert_int_gt(ap.id, 0);
    appointment got;
    const object_ref ref = {.id = ap.id};
    ck_assert_int_eq(store_appointment_get(st, cal, &ref, A, &got), STORE_OK);
    ck_assert(got.start == now + 3600 && got.stop == now + 4800 && got.service_id == svc &&
              got.patient_id == patient_id && got.status == APPT_BOOKED);
    ck_assert_int_eq(raw_int(path, "SELECT COUNT(*) FROM booking_holds"), 0);
    ck_assert_uint_eq(busy_count(cal, now, now + 7200), 1); /* the appointment alone */
    ck_assert_int_eq(store_hold_book(st, h.id, "owner-a", now, &ap, A), STORE_NOT_FOUND);
}
END_TEST

START_TEST(booking_a_hold_written_over_meanwhile_is_refused_and_keeps_the_hold)
{
    int64_t cal = make_calendar(make_center("c"), "k");
    int64_t svc = add_service(cal, "s", 20, NULL);
    int64_t now = clock_unix_seconds();
    booking_hold h = new_hold(cal, svc, now + 3600, now + 4800, now + 300, "owner-a");
    ck_assert_int_eq(store_hold_place(st, &h, now, A), STORE_OK);
    /* the practice software writes an appointment there (the API's
     * appointments do not look at holds) */
    add_appt(cal, "x", now + 4000, now + 5000, APPT_BOOKED);
    appointment ap = new_appt(cal, NULL, 0, 1);
    ck_assert_int_eq(store_hold_book(st, h.id, "owner-a", now, &ap, A), STORE_CONFLICT);
    ck_assert_int_eq(raw_int(path, "SELECT COUNT(*) FROM appointments"), 1);
    booking_hold got;
    ck_assert_int_eq(store_hold_get(st, h.id, "owner-a", now, A, &got), STORE_OK);
    /* inside a caller's transaction a refusal leaves the rest to commit */
    ck_assert_int_eq(store_begin(st), STORE_OK);
    add_appt(cal, "y", now + 90000, now + 91200, APPT_BOOKED);
    ck_assert_int_eq(store_hold_book(st, h.id, "owner-a", now, &ap, A), STORE_CONFLICT);
    ck_assert_int_eq(store_commit(st), STORE_OK);
    ck_assert_int_eq(raw_int(path, "SELECT COUNT(*) FROM appointments"), 2);
    ck_assert_int_eq(raw_int(path, "SELECT COUNT(*) FROM booking_holds"), 1);
}
END_TEST

/* PostgreSQL runs writers side by side: two placements racing for one
 * time both see it free, and the second to commit must lose (STORE_RETRY),
 * then, run again, see the first's hold. */
/* A new patient's fields for store_online_book. */
static online_booking online(int64_t center, int64_t hold_id, const char *owner, const char *email,
                             const char *phone, const char *birthdate)
{
    return (online_booking){.hold_id = hold_id,
                            .owner = owner,
                            .patient = {.center_id = center,
                                        .first_name = "Marie",
                                        .last_name = "Dubois",
                                        .email = email,
                                        .phone_number = phone,
                                        .birthdate = birthdate,
                                        .language_code = "fr"},
                            .max_future = 2};
}

START_TEST(online_bookings_match_returning_patients_and_count_their_future_ones)
{
    int64_t center = make_center("c");
    int64_t cal = make_calendar(center, "k");
    int64_t svc = add_service(cal, "s", 20, NULL);
    int64_t now = clock_unix_seconds();
    online_refusal why;
    int64_t ids[4];
    const char *emails[] = {"m@example.com", "M@EXAMPLE.com", "other@example.com", "m@example.com"};
    const char *phones[] = {"+32470000001", "+32470000002", "+32470000001", "+32470000003"};
    const char *births[] = {"1980-05-17", "1980-05-17", NULL, NULL};
    for (int i = 0; i < 4; i++) {
        char owner[16];
        snprintf(owner, sizeof owner, "owner-%d", i);
        booking_hold h =
            new_hold(cal, svc, now + 3600 * (i + 1), now + 3600 * (i + 1) + 1200, now + 300, owner);
        ck_assert_int_eq(store_hold_place(st, &h, now, A), STORE_OK);
        online_booking b = online(center, h.id, owner, emails[i], phones[i], births[i]);
        appointment ap = new_appt(cal, NULL, 0, 1);
        store_rc rc = store_online_book(st, &b, now, &ap, &why, A);
        if (i == 2) { /* the same phone: the first patient, who has 2 future ones */
            ck_assert_int_eq(rc, STORE_CONFLICT);
            ck_assert_int_eq(why, ONLINE_TOO_MANY);
            ck_assert_int_eq(raw_int(path, "SELECT COUNT(*) FROM booking_holds"), 1);
            ids[i] = 0;
            continue;
        }
        ck_assert_int_eq(rc, STORE_OK);
        ck_assert_int_eq(why, ONLINE_OK);
        ids[i] = ap.patient_id;
    }
    /* email and birth date (any case) matched; email without a birth date did not */
    ck_assert_int_eq(ids[0], ids[1]);
    ck_assert_int_ne(ids[3], ids[0]);
    ck_assert_int_eq(raw_int(path, "SELECT COUNT(*) FROM patients"), 2);
    ck_assert_int_eq(raw_int(path, "SELECT COUNT(*) FROM patients WHERE remote_id IS NULL"), 2);
    ck_assert_int_eq(raw_int(path, "SELECT COUNT(*) FROM booking_made"), 3);
    /* a gone hold writes nothing, not even the new patient */
    online_booking b = online(center, 987654, "nobody", "new@example.com", "+32470000009", NULL);
    appointment ap = new_appt(cal, NULL, 0, 1);
    ck_assert_int_eq(store_online_book(st, &b, now, &ap, &why, A), STORE_NOT_FOUND);
    ck_assert_int_eq(why, ONLINE_HOLD_GONE);
    ck_assert_int_eq(raw_int(path, "SELECT COUNT(*) FROM patients"), 2);
}
END_TEST

START_TEST(attempts_are_counted_in_a_sliding_window_and_keys_are_kept)
{
    for (int i = 0; i < 3; i++)
        ck_assert_int_eq(store_booking_attempt(st, "192.0.2.1", ATTEMPT_HOLD, 1000 + i, 60, 3),
                         STORE_OK);
    ck_assert_int_eq(store_booking_attempt(st, "192.0.2.1", ATTEMPT_HOLD, 1003, 60, 3),
                     STORE_CONFLICT);
    /* another kind, another address: counted apart */
    ck_assert_int_eq(store_booking_attempt(st, "192.0.2.1", ATTEMPT_BOOK, 1003, 60, 3), STORE_OK);
    ck_assert_int_eq(store_booking_attempt(st, "192.0.2.2", ATTEMPT_HOLD, 1003, 60, 3), STORE_OK);
    /* the first one leaves the window at 1060 */
    ck_assert_int_eq(store_booking_attempt(st, "192.0.2.1", ATTEMPT_HOLD, 1060, 60, 3), STORE_OK);
    ck_assert_int_eq(raw_int(path, "SELECT COUNT(*) FROM booking_attempts"), 5);

    unsigned char k1[STORE_WEB_KEY_BYTES], k2[STORE_WEB_KEY_BYTES], k3[STORE_WEB_KEY_BYTES];
    ck_assert_int_eq(store_web_key(st, "csrf", 1000, A, k1), STORE_OK);
    ck_assert_int_eq(store_web_key(st, "csrf", 2000, A, k2), STORE_OK);
    ck_assert_int_eq(store_web_key(st, "link", 2000, A, k3), STORE_OK);
    ck_assert(memcmp(k1, k2, sizeof k1) == 0 && memcmp(k1, k3, sizeof k1) != 0);
}
END_TEST

START_TEST(two_placements_racing_for_one_time_give_one_hold)
{
    int64_t cal = make_calendar(make_center("c"), "k");
    int64_t svc = add_service(cal, "s", 20, NULL);
    int64_t now = clock_unix_seconds();
    store *second = NULL;
    ck_assert_int_eq(store_open(path, &second, NULL), STORE_OK);
    booking_hold a = new_hold(cal, svc, now + 3600, now + 4800, now + 300, "owner-a");
    booking_hold b = new_hold(cal, svc, now + 4200, now + 5400, now + 300, "owner-b");
    ck_assert_int_eq(store_begin(st), STORE_OK);
    ck_assert_int_eq(store_begin(second), STORE_OK);
    ck_assert_int_eq(store_hold_place(st, &a, now, A), STORE_OK);
    store_rc rc = store_hold_place(second, &b, now, A);
    ck_assert(rc == STORE_OK || rc == STORE_RETRY);
    ck_assert_int_eq(store_commit(st), STORE_OK);
    if (rc == STORE_OK)
        rc = store_commit(second);
    ck_assert_int_eq(rc, STORE_RETRY);
    store_rollback(second);
    ck_assert_int_eq(store_hold_place(second, &b, now, A), STORE_CONFLICT);
    store_close(second);
    ck_assert_int_eq(raw_int(path, "SELECT COUNT(*) FROM booking_holds"), 1);
}
END_TEST

static void add_pg_only_tests(TCase *tc)
{
    tcase_add_test(tc, two_placements_racing_for_one_time_give_one_hold);
}

static void add_common_tests(TCase *tc)
{
    tcase_add_test(tc, the_page_offers_the_services_of_its_lists_or_all_of_the_centers);
    tcase_add_test(tc, an_unexpired_hold_is_busy_and_blocks_other_holds);
    tcase_add_test(tc, online_bookings_match_returning_patients_and_count_their_future_ones);
    tcase_add_test(tc, attempts_are_counted_in_a_sliding_window_and_keys_are_kept);
    tcase_add_test(tc, an_expired_hold_is_ignored_at_once_and_removed_by_the_next_placement);
    tcase_add_test(tc, a_hold_is_released_and_booked_by_its_owner_only);
    tcase_add_test(tc, booking_a_hold_written_over_meanwhile_is_refused_and_keeps_the_hold);
    tcase_add_test(tc, settings_are_read_back_as_written_and_lists_are_replaced_whole);
    tcase_add_test(tc, ids_outside_the_center_are_refused_and_nothing_is_written);
}

Suite *suite_booking(void)
{
    return store_suite("booking", add_common_tests, add_pg_only_tests);
}
