/* test_caldav.c - CalDAV links and their items' status (store/caldav.c),
 * on both engines: linking, relinking (same collection keeps the sync
 * state, another drops it), unlinking with the items, the worker's claim
 * and outcomes under its lease, and the items' own calls; the push's
 * work (appointment writes make the link due, the lagging appointments),
 * `caldav sync`'s lease, and unlinking with the link's busy time. */
#include <check.h>
#include <string.h>

#include "../suites.h"
#include "fixture.h"
#include "store/caldav.h"

static caldav_link link_of(int64_t calendar_id, const char *url)
{
    return (caldav_link){.calendar_id = calendar_id,
                         .url = url,
                         .username = "alice",
                         .password_sealed = "1.sealed",
                         .sync_collection = true};
}

static void put_item(int64_t calendar_id, const char *href, int64_t appointment_id)
{
    caldav_item it = {.calendar_id = calendar_id,
                      .href = href,
                      .uid = "u1",
                      .appointment_id = appointment_id,
                      .remote_etag = "\"e1\"",
                      .state = "synced",
                      .updated_at = 100};
    ck_assert_int_eq(store_caldav_item_put(st, &it), STORE_OK);
    ck_assert_int_gt(it.id, 0);
}

START_TEST(link_relink_and_unlink)
{
    int64_t k = make_calendar(make_center("c"), "k");
    caldav_link l = link_of(k, "https://dav.example.org/cal/");
    caldav_link got;
    int64_t n = 0;
    ck_assert_int_eq(store_caldav_link_get(st, k, A, &got), STORE_NOT_FOUND);
    l.calendar_id = 999;
    ck_assert_int_eq(store_caldav_link_set(st, &l, 100), STORE_NOT_FOUND);
    l.calendar_id = k;
    ck_assert_int_eq(store_caldav_link_set(st, &l, 100), STORE_OK);
    ck_assert_int_eq(store_caldav_link_get(st, k, A, &got), STORE_OK);
    ck_assert_str_eq(got.url, "https://dav.example.org/cal/");
    ck_assert_str_eq(got.state, "active");
    ck_assert_int_eq(got.due_at, 100);
    ck_assert_int_eq(got.last_success, 0);
    ck_assert_ptr_null(got.sync_token);

    /* a run records a token, counts and success */
    int64_t *ids = NULL;
    size_t n_ids = 0;
    ck_assert_int_eq(store_caldav_claim(st, "w1", 100, 60, 10, A, &ids, &n_ids), STORE_OK);
    ck_assert_uint_eq(n_ids, 1);
    ck_assert_int_eq(ids[0], k);
    caldav_outcome o = {.calendar_id = k,
                        .owner = "w1",
                        .ok = true,
                        .sync_token = "t1",
                        .ctag = "c1",
                        .pushed = 2,
                        .pulled = 3,
                        .due_at = 160,
                        .pull_at = 160};
    ck_assert_int_eq(store_caldav_record(st, &o, 101), STORE_OK);
    put_item(k, "/cal/a.ics", 0);

    /* the same collection, a new password: state kept */
    l.password_sealed = "1.other";
    ck_assert_int_eq(store_caldav_link_set(st, &l, 200), STORE_OK);
    ck_assert_int_eq(store_caldav_link_get(st, k, A, &got), STORE_OK);
    ck_assert_str_eq(got.password_sealed, "1.other");
    ck_assert_str_eq(got.sync_token, "t1");
    ck_assert_int_eq(got.pushed, 2);
    ck_assert_int_eq(got.due_at, 200);
    ck_assert_int_eq(store_caldav_item_count(st, k, &n), STORE_OK);
    ck_assert_int_eq(n, 1);

    /* another collection: state and items dropped */
    l.url = "https://dav.example.org/other/";
    ck_assert_int_eq(store_caldav_link_set(st, &l, 300), STORE_OK);
    ck_assert_int_eq(store_caldav_link_get(st, k, A, &got), STORE_OK);
    ck_assert_ptr_null(got.sync_token);
    ck_assert_int_eq(got.pushed, 0);
    ck_assert_int_eq(got.last_success, 0);
    ck_assert_int_eq(store_caldav_item_count(st, k, &n), STORE_OK);
    ck_assert_int_eq(n, 0);

    put_item(k, "/other/b.ics", 7);
    ck_assert_int_eq(store_caldav_unlink(st, k), STORE_OK);
    ck_assert_int_eq(store_caldav_link_get(st, k, A, &got), STORE_NOT_FOUND);
    ck_assert_int_eq(store_caldav_item_count(st, k, &n), STORE_OK);
    ck_assert_int_eq(n, 0);
    ck_assert_int_eq(store_caldav_unlink(st, k), STORE_NOT_FOUND);
}
END_TEST

START_TEST(outcomes_are_written_only_under_the_lease)
{
    int64_t k = make_calendar(make_center("c"), "k");
    caldav_link l = link_of(k, "https://dav.example.org/cal/");
    caldav_link got;
    int64_t *ids = NULL;
    size_t n = 0;
    ck_assert_int_eq(store_caldav_link_set(st, &l, 100), STORE_OK);
    /* not due yet */
    ck_assert_int_eq(store_caldav_claim(st, "w1", 99, 60, 10, A, &ids, &n), STORE_OK);
    ck_assert_uint_eq(n, 0);
    ck_assert_int_eq(store_caldav_claim(st, "w1", 100, 60, 10, A, &ids, &n), STORE_OK);
    ck_assert_uint_eq(n, 1);
    /* held: nobody else takes it until the lease lapses */
    ck_assert_int_eq(store_caldav_claim(st, "w2", 120, 60, 10, A, &ids, &n), STORE_OK);
    ck_assert_uint_eq(n, 0);
    caldav_outcome fail = {.calendar_id = k,
                           .owner = "w2",
                           .ok = false,
                           .error = "PROPFIND: no answer",
                           .due_at = 200,
                           .pull_at = 200};
    ck_assert_int_eq(store_caldav_record(st, &fail, 121), STORE_NOT_FOUND);
    fail.owner = "w1";
    fail.reset_token = true;
    ck_assert_int_eq(store_caldav_record(st, &fail, 121), STORE_OK);
    ck_assert_int_eq(store_caldav_link_get(st, k, A, &got), STORE_OK);
    ck_assert_int_eq(got.attempts, 1);
    ck_assert_str_eq(got.last_error, "PROPFIND: no answer");
    ck_assert_int_eq(got.last_error_at, 121);
    ck_assert_int_eq(got.due_at, 200);
    ck_assert_ptr_null(got.lease_owner);

    /* a local change brings the run forward, never back */
    ck_assert_int_eq(store_caldav_wake(st, k, 150), STORE_OK);
    ck_assert_int_eq(store_caldav_wake(st, k, 180), STORE_OK);
    ck_assert_int_eq(store_caldav_link_get(st, k, A, &got), STORE_OK);
    ck_assert_int_eq(got.due_at, 150);

    /* a pull asked for: both times forward, never back */
    ck_assert_int_eq(store_caldav_pull_now(st, k, 140), STORE_OK);
    ck_assert_int_eq(store_caldav_pull_now(st, k, 145), STORE_OK);
    ck_assert_int_eq(store_caldav_link_get(st, k, A, &got), STORE_OK);
    ck_assert_int_eq(got.due_at, 140);
    ck_assert_int_eq(got.pull_at, 140);
    ck_assert_int_eq(store_caldav_pull_now(st, 999, 145), STORE_NOT_FOUND);

    /* relinking while a worker holds it: the worker's outcome is stale */
    ck_assert_int_eq(store_caldav_claim(st, "w1", 150, 60, 10, A, &ids, &n), STORE_OK);
    ck_assert_uint_eq(n, 1);
    ck_assert_int_eq(store_caldav_link_set(st, &l, 151), STORE_OK);
    caldav_outcome ok = {.calendar_id = k, .owner = "w1", .ok = true, .due_at = 300};
    ck_assert_int_eq(store_caldav_record(st, &ok, 152), STORE_NOT_FOUND);

    /* success clears the error; pausing takes the link off the queue */
    ck_assert_int_eq(store_caldav_claim(st, "w1", 151, 60, 10, A, &ids, &n), STORE_OK);
    ok.pause = "a pull would remove 30 of 40 items";
    ok.pulled = 1;
    ck_assert_int_eq(store_caldav_record(st, &ok, 152), STORE_OK);
    ck_assert_int_eq(store_caldav_link_get(st, k, A, &got), STORE_OK);
    ck_assert_int_eq(got.attempts, 0);
    ck_assert_ptr_null(got.last_error);
    ck_assert_int_eq(got.last_success, 152);
    ck_assert_str_eq(got.state, "paused");
    ck_assert_str_eq(got.paused_reason, "a pull would remove 30 of 40 items");
    ck_assert_int_eq(store_caldav_claim(st, "w1", 400, 60, 10, A, &ids, &n), STORE_OK);
    ck_assert_uint_eq(n, 0);
    /* linking again resumes it */
    ck_assert_int_eq(store_caldav_link_set(st, &l, 500), STORE_OK);
    ck_assert_int_eq(store_caldav_link_get(st, k, A, &got), STORE_OK);
    ck_assert_str_eq(got.state, "active");
    ck_assert_ptr_null(got.paused_reason);

    /* a pull asked for while a run works is not written over by its outcome */
    caldav_outcome later = {
        .calendar_id = k, .owner = "w1", .ok = true, .due_at = 900, .pull_at = 900};
    ck_assert_int_eq(store_caldav_claim(st, "w1", 600, 60, 10, A, &ids, &n), STORE_OK);
    ck_assert_uint_eq(n, 1);
    ck_assert_int_eq(store_caldav_record(st, &later, 600), STORE_OK); /* next pull at 900 */
    ck_assert_int_eq(store_caldav_wake(st, k, 610), STORE_OK);        /* a change to push */
    ck_assert_int_eq(store_caldav_claim(st, "w1", 610, 60, 10, A, &ids, &n), STORE_OK);
    ck_assert_uint_eq(n, 1);
    ck_assert_int_eq(store_caldav_link_get(st, k, A, &got), STORE_OK);
    later.pull_seen = got.pull_at; /* 900: this run does not pull */
    ck_assert_int_eq(got.pull_at, 900);
    ck_assert_int_eq(store_caldav_pull_now(st, k, 612), STORE_OK); /* asked for meanwhile */
    ck_assert_int_eq(store_caldav_record(st, &later, 615), STORE_OK);
    ck_assert_int_eq(store_caldav_link_get(st, k, A, &got), STORE_OK);
    ck_assert_int_eq(got.pull_at, 612);
    ck_assert_int_eq(got.due_at, 612);
    ck_assert_int_eq(store_caldav_claim(st, "w1", 615, 60, 10, A, &ids, &n), STORE_OK);
    ck_assert_uint_eq(n, 1); /* the pull runs now, not at 900 */
}
END_TEST

START_TEST(items_are_the_status_table)
{
    int64_t k = make_calendar(make_center("c"), "k");
    caldav_link l = link_of(k, "https://dav.example.org/cal/");
    caldav_item it = {.calendar_id = k, .href = "/cal/x.ics", .state = "synced"};
    ck_assert_int_eq(store_caldav_item_put(st, &it), STORE_NOT_FOUND); /* no link */
    ck_assert_int_eq(store_caldav_link_set(st, &l, 100), STORE_OK);
    put_item(k, "/cal/b.ics", 0);
    put_item(k, "/cal/a.ics", 42);
    caldav_item got;
    ck_assert_int_eq(store_caldav_item_get(st, k, "/cal/a.ics", A, &got), STORE_OK);
    ck_assert_int_eq(got.appointment_id, 42);
    ck_assert_str_eq(got.remote_etag, "\"e1\"");
    ck_assert_ptr_null(got.remote_hash);
    /* a put of the same href replaces it */
    got.remote_etag = "\"e2\"";
    got.local_version = 1234;
    got.local_hash = "h";
    int64_t id = got.id;
    ck_assert_int_eq(store_caldav_item_put(st, &got), STORE_OK);
    ck_assert_int_eq(got.id, id);
    ck_assert_int_eq(store_caldav_item_get_by_appointment(st, 42, A, &got), STORE_OK);
    ck_assert_str_eq(got.remote_etag, "\"e2\"");
    ck_assert_int_eq(got.local_version, 1234);
    ck_assert_int_eq(store_caldav_item_get_by_appointment(st, 0, A, &got), STORE_NOT_FOUND);
    ck_assert_int_eq(store_caldav_item_get_by_uid(st, k, "u1", A, &got), STORE_OK);
    ck_assert_str_eq(got.href, "/cal/b.ics"); /* the first written */
    ck_assert_int_eq(store_caldav_item_get_by_uid(st, k, "u2", A, &got), STORE_NOT_FOUND);
    caldav_item *items = NULL;
    size_t n = 0;
    ck_assert_int_eq(store_caldav_item_list(st, k, A, &items, &n), STORE_OK);
    ck_assert_uint_eq(n, 2);
    ck_assert_str_eq(items[0].href, "/cal/a.ics");
    ck_assert_str_eq(items[1].href, "/cal/b.ics");
    ck_assert_int_eq(store_caldav_item_delete(st, k, "/cal/b.ics"), STORE_OK);
    ck_assert_int_eq(store_caldav_item_delete(st, k, "/cal/b.ics"), STORE_NOT_FOUND);
}
END_TEST

START_TEST(appointment_writes_are_pending_pushes)
{
    int64_t k = make_calendar(make_center("c"), "k");
    int64_t other = make_calendar(make_center("c2"), "k2");
    caldav_link l = link_of(k, "https://dav.example.org/cal/");
    caldav_pending *p = NULL;
    caldav_link got;
    size_t n = 0;
    ck_assert_int_eq(store_caldav_link_set(st, &l, 100), STORE_OK);
    int64_t *ids = NULL;
    size_t n_ids = 0;
    ck_assert_int_eq(store_caldav_claim(st, "w1", 100, 60, 10, A, &ids, &n_ids), STORE_OK);
    caldav_outcome o = {.calendar_id = k, .owner = "w1", .ok = true, .due_at = 5000};
    ck_assert_int_eq(store_caldav_record(st, &o, 100), STORE_OK);

    /* a write of an appointment makes its calendar's link due at once */
    appointment ap = new_appt(k, "a1", 3000, 3600);
    ck_assert_int_eq(store_appointment_insert(st, &ap), STORE_OK);
    appointment far = new_appt(k, "a0", 100, 200); /* before `from`: not pushed */
    ck_assert_int_eq(store_appointment_insert(st, &far), STORE_OK);
    appointment elsewhere = new_appt(other, "b1", 3000, 3600);
    ck_assert_int_eq(store_appointment_insert(st, &elsewhere), STORE_OK);
    ck_assert_int_eq(store_caldav_link_get(st, k, A, &got), STORE_OK);
    ck_assert_int_eq(got.due_at, 1000);
    ck_assert_int_eq(store_caldav_pending(st, k, 500, 10, A, &p, &n), STORE_OK);
    ck_assert_uint_eq(n, 1);
    ck_assert_int_eq(p[0].id, ap.id);
    ck_assert(p[0].live);
    ck_assert_int_eq(p[0].version, 1);

    /* pushed: its item holds the version; nothing pending */
    caldav_item it = {.calendar_id = k,
                      .href = "/cal/agenda-1.ics",
                      .appointment_id = ap.id,
                      .local_version = 1,
                      .state = "synced",
                      .updated_at = 1000};
    ck_assert_int_eq(store_caldav_item_put(st, &it), STORE_OK);
    ck_assert_int_eq(store_caldav_pending(st, k, 500, 10, A, &p, &n), STORE_OK);
    ck_assert_uint_eq(n, 0);
    /* cancelled: pending again, not live */
    ap.status = APPT_CANCELLED;
    ap.updated_at = 1100;
    ck_assert_int_eq(store_appointment_update(st, &ap), STORE_OK);
    ck_assert_int_eq(store_caldav_pending(st, k, 500, 10, A, &p, &n), STORE_OK);
    ck_assert_uint_eq(n, 1);
    ck_assert(!p[0].live);
    ck_assert_int_eq(p[0].version, 2);
    /* deleted once its copy is gone: nothing left to do */
    ck_assert_int_eq(store_caldav_item_delete(st, k, "/cal/agenda-1.ics"), STORE_OK);
    ck_assert_int_eq(store_appointment_delete(st, k, ap.id, 1200), STORE_OK);
    ck_assert_int_eq(store_caldav_pending(st, k, 500, 10, A, &p, &n), STORE_OK);
    ck_assert_uint_eq(n, 0);
}
END_TEST

START_TEST(sync_now_leases_and_unlink_drops_busy_time)
{
    int64_t k = make_calendar(make_center("c"), "k");
    caldav_link l = link_of(k, "https://dav.example.org/cal/");
    caldav_link got;
    ck_assert_int_eq(store_caldav_claim_one(st, k, "cli", 100, 60), STORE_NOT_FOUND);
    ck_assert_int_eq(store_caldav_link_set(st, &l, 100), STORE_OK);
    ck_assert_int_eq(store_caldav_claim_one(st, k, "cli", 100, 60), STORE_OK);
    ck_assert_int_eq(store_caldav_claim_one(st, k, "w1", 120, 60), STORE_CONFLICT);
    /* a paused link is taken too, and a success resumes it */
    caldav_outcome o = {.calendar_id = k, .owner = "cli", .ok = true, .pause = "guard"};
    ck_assert_int_eq(store_caldav_record(st, &o, 130), STORE_OK);
    ck_assert_int_eq(store_caldav_claim_one(st, k, "cli", 140, 60), STORE_OK);
    o = (caldav_outcome){.calendar_id = k, .owner = "cli", .ok = true, .resume = true};
    ck_assert_int_eq(store_caldav_record(st, &o, 150), STORE_OK);
    ck_assert_int_eq(store_caldav_link_get(st, k, A, &got), STORE_OK);
    ck_assert_str_eq(got.state, "active");
    ck_assert_ptr_null(got.paused_reason);

    const busy_interval iv[] = {{1000, 1100}};
    busy_interval *out = NULL;
    size_t n = 0;
    ck_assert_int_eq(
        store_external_busy_replace_item(st, k, BUSY_SOURCE_CALDAV, k, "/cal/x.ics", iv, 1, A),
        STORE_OK);
    ck_assert_int_eq(store_external_busy_list(st, k, 0, 5000, A, &out, &n), STORE_OK);
    ck_assert_uint_eq(n, 1);
    ck_assert_int_eq(store_caldav_unlink(st, k), STORE_OK);
    ck_assert_int_eq(store_external_busy_list(st, k, 0, 5000, A, &out, &n), STORE_OK);
    ck_assert_uint_eq(n, 0);
}
END_TEST

static void add_common_tests(TCase *tc)
{
    tcase_add_test(tc, link_relink_and_unlink);
    tcase_add_test(tc, outcomes_are_written_only_under_the_lease);
    tcase_add_test(tc, items_are_the_status_table);
    tcase_add_test(tc, appointment_writes_are_pending_pushes);
    tcase_add_test(tc, sync_now_leases_and_unlink_drops_busy_time);
}

Suite *suite_caldav(void)
{
    return store_suite("caldav", add_common_tests, NULL);
}
