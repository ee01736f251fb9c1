/* test_common.c - what every handler shares (api/common.c): failures and
 * field errors, the store-code mapping, and api_call's grant check, the
 * route's resource handed to the handler, and retries, on a real SQLite
 * store (the store suites' fixture, ../store/fixture.h). */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../store/fixture.h"
#include "../suites.h"
#include "api/api.h"
#include "api/resources.h"

static user who;
static int64_t granted_center, other_center, granted_calendar, other_calendar;

static void setup(void)
{
    setup_sqlite();
    granted_center = make_center("granted");
    other_center = make_center("other");
    granted_calendar = make_calendar(granted_center, "ada");
    other_calendar = make_calendar(other_center, "bob");
    who = (user){.email = "someone@example.com"};
    ck_assert_int_eq(store_user_create(st, &who), STORE_OK);
    ck_assert_int_eq(store_grant_add(st, who.id, granted_center), STORE_OK);
}

static api_request request(int64_t owner_id)
{
    static const api_limits limits = {.max_collection = 10, .page_size = 10};
    return (api_request){
        .arena = A, .store = st, .limits = &limits, .user = &who, .owner_id = owner_id};
}

START_TEST(failures_and_field_errors)
{
    api_response rs = {0};
    ck_assert_int_eq(api_fail(&rs, API_INVALID, "bad"), API_INVALID);
    ck_assert_str_eq(rs.message, "bad");
    api_field_error(&rs, "start", "must be a number");
    api_field_error(&rs, "start", "a second problem"); /* the first one stays */
    api_field_error(&rs, "stop", "must be after start");
    ck_assert_str_eq(cJSON_GetObjectItem(rs.errors, "start")->valuestring, "must be a number");
    ck_assert_int_eq(cJSON_GetArraySize(rs.errors), 2);
    cJSON_Delete(rs.errors);
}
END_TEST

START_TEST(store_codes_map_to_api_errors)
{
    static const struct {
        store_rc rc;
        api_err err;
    } map[] = {
        {STORE_NOT_FOUND, API_NOT_FOUND},     {STORE_CONFLICT, API_CONFLICT},
        {STORE_UNAVAILABLE, API_UNAVAILABLE}, {STORE_RETRY, API_RETRY},
        {STORE_ERROR, API_INTERNAL},
    };
    for (size_t i = 0; i < sizeof map / sizeof map[0]; i++) {
        api_response rs = {0};
        ck_assert_int_eq(api_from_store(&rs, map[i].rc, "patient not found"), map[i].err);
        ck_assert_ptr_nonnull(rs.message);
    }
    api_response rs = {0};
    api_from_store(&rs, STORE_NOT_FOUND, "patient not found");
    ck_assert_str_eq(rs.message, "patient not found");
    api_from_store(&rs, STORE_ERROR, "patient not found");
    ck_assert_str_eq(rs.message, "internal error"); /* never internals */
}
END_TEST

START_TEST(a_handlers_404_says_what_is_missing)
{
    /* The calendar is gone when the handler writes (over HTTP it cannot be:
     * the grant check finds it first, and calendars are never deleted), so
     * the store's NOT_FOUND comes from the handler's own call; its message
     * used to be the bare word "calendar". */
    api_request rq = request(987654);
    rq.calendar = (calendar){.id = 987654, .center_id = granted_center, .slot_step = 15};
    cJSON *body = cJSON_Parse("{\"opening_hours\": [], \"slot_step\": 20}");
    ck_assert_ptr_nonnull(body);
    rq.body = body;
    api_response rs = {0};
    ck_assert_int_eq(opening_hours_put(&rq, &rs), API_NOT_FOUND);
    ck_assert_str_eq(rs.message, "calendar not found");
    cJSON_Delete(rs.body);
    cJSON_Delete(rs.errors);
    cJSON_Delete(body);
}
END_TEST

static int calls;
static const resource *resource_seen;
static api_err count_and_succeed(api_request *rq, api_response *rs)
{
    (void)rs;
    calls++;
    resource_seen = rq->resource;
    return API_OK;
}

/* A route of `handler` scoped to `owner`, serving no resource. */
static api_route route(api_handler handler, api_owner owner)
{
    return (api_route){.method = "GET", .pattern = "x", .handler = handler, .owner = owner};
}

START_TEST(grants_decide_before_the_handler_runs)
{
    const api_route center_route = route(count_and_succeed, OWNER_CENTER);
    const api_route calendar_route = route(count_and_succeed, OWNER_CALENDAR);
    api_response rs = {0};
    api_request rq = request(granted_center);
    calls = 0;
    ck_assert_int_eq(api_call(&center_route, &rq, &rs), API_OK);
    ck_assert_int_eq(calls, 1);

    rq = request(other_center);
    rs = (api_response){0};
    ck_assert_int_eq(api_call(&center_route, &rq, &rs), API_NOT_FOUND);
    ck_assert_str_eq(rs.message, "center not found");
    rq = request(987654);
    ck_assert_int_eq(api_call(&center_route, &rq, &rs), API_NOT_FOUND);

    rq = request(granted_calendar);
    ck_assert_int_eq(api_call(&calendar_route, &rq, &rs), API_OK);
    ck_assert_int_eq(rq.calendar.id, granted_calendar);
    ck_assert_int_eq(rq.calendar.center_id, granted_center);
    rq = request(other_calendar);
    rs = (api_response){0};
    ck_assert_int_eq(api_call(&calendar_route, &rq, &rs), API_NOT_FOUND);
    ck_assert_str_eq(rs.message, "calendar not found");
    ck_assert_int_eq(calls, 2);
}
END_TEST

START_TEST(the_route_hands_its_resource_to_the_handler)
{
    api_route served = route(count_and_succeed, OWNER_CENTER);
    served.resource = &patients_resource;
    api_response rs = {0};
    api_request rq = request(granted_center);
    resource_seen = NULL;
    ck_assert_int_eq(api_call(&served, &rq, &rs), API_OK);
    ck_assert_ptr_eq(resource_seen, &patients_resource);
    /* a handler of its own gets none, whatever the request held before */
    served.resource = NULL;
    ck_assert_int_eq(api_call(&served, &rq, &rs), API_OK);
    ck_assert_ptr_null(resource_seen);
}
END_TEST

static int retries_left;
static const char *slug_to_write;
/* Writes a center, then loses a race `retries_left` times: each attempt must
 * start from a rolled-back store (store_begin refuses to nest, and the slug
 * would conflict) and an empty response. */
static api_err lose_races(api_request *rq, api_response *rs)
{
    calls++;
    ck_assert_ptr_null(rs->body);
    ck_assert_ptr_null(rs->errors);
    ck_assert_int_eq(store_begin(rq->store), STORE_OK);
    center c = {.name = slug_to_write, .slug = slug_to_write, .timezone = "UTC"};
    ck_assert_int_eq(store_center_create(rq->store, &c), STORE_OK);
    rs->body = cJSON_CreateObject();
    api_field_error(rs, "x", "y");
    if (retries_left-- > 0)
        return api_fail(rs, API_RETRY, "lost a race");
    ck_assert_int_eq(store_commit(rq->store), STORE_OK);
    return API_OK;
}

START_TEST(lost_races_run_again_from_scratch)
{
    const api_route racing_route = route(lose_races, OWNER_NONE);
    api_response rs = {0};
    api_request rq = request(0);
    calls = 0;
    retries_left = 3;
    slug_to_write = "written";
    ck_assert_int_eq(api_call(&racing_route, &rq, &rs), API_OK);
    ck_assert_int_eq(calls, 4);
    cJSON_Delete(rs.body);
    cJSON_Delete(rs.errors);

    /* a handler that always loses gives up, still API_RETRY (503 upstream) */
    rs = (api_response){0};
    calls = 0;
    retries_left = 1000;
    slug_to_write = "never";
    ck_assert_int_eq(api_call(&racing_route, &rq, &rs), API_RETRY);
    ck_assert_int_gt(calls, 1);
    ck_assert_int_lt(calls, 100);
    store_rollback(st);
    cJSON_Delete(rs.body);
    cJSON_Delete(rs.errors);

    /* the successful attempt was kept once, the failed ones not at all */
    center again = {.name = "written", .slug = "written", .timezone = "UTC"};
    ck_assert_int_eq(store_center_create(st, &again), STORE_CONFLICT);
    center never = {.name = "never", .slug = "never", .timezone = "UTC"};
    ck_assert_int_eq(store_center_create(st, &never), STORE_OK);
}
END_TEST

Suite *suite_common(void)
{
    Suite *s = suite_create("common");
    TCase *tc = tcase_create("common");
    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_add_test(tc, failures_and_field_errors);
    tcase_add_test(tc, store_codes_map_to_api_errors);
    tcase_add_test(tc, a_handlers_404_says_what_is_missing);
    tcase_add_test(tc, grants_decide_before_the_handler_runs);
    tcase_add_test(tc, the_route_hands_its_resource_to_the_handler);
    tcase_add_test(tc, lost_races_run_again_from_scratch);
    suite_add_tcase(s, tc);
    return s;
}
