/* test_handler.c - the helpers every resource shares (api/handler.c): list
 * query parameters, body envelopes, field errors into the response, and the
 * write transaction with its `since` stamp, on a real SQLite store (the
 * store suites' fixture, ../store/fixture.h). */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../store/fixture.h"
#include "../suites.h"
#include "api/handler.h"

static const api_limits limits = {.max_collection = 10, .page_size = 1000};

/* The query of the request under test: "key=value" pairs, NULL-ended. */
static const char *const *query_pairs;
static const char *query_lookup(const void *ctx, const char *key)
{
    (void)ctx;
    size_t n = strlen(key);
    for (const char *const *p = query_pairs; p && *p; p++)
        if (strncmp(*p, key, n) == 0 && (*p)[n] == '=')
            return *p + n + 1;
    return NULL;
}

static api_request request(const char *const *pairs, const cJSON *body)
{
    query_pairs = pairs;
    return (api_request){
        .arena = A, .store = st, .limits = &limits, .query = query_lookup, .body = body};
}

START_TEST(list_query_defaults_and_since_margin)
{
    api_response rs = {0};
    list_query q;
    api_request rq = request((const char *const[]){NULL}, NULL);
    ck_assert_int_eq(handler_list_query(&rq, &rs, &q, true, false), API_OK);
    ck_assert_int_eq(q.page, 1); /* paged by default */
    ck_assert_int_eq(q.per_page, 1000);
    ck_assert_int_eq(handler_list_query(&rq, &rs, &q, false, false), API_OK);
    ck_assert_int_eq(q.page, 0); /* every row */

    rq = request((const char *const[]){"page=3", "since=1000", "start=5", "stop=9", NULL}, NULL);
    ck_assert_int_eq(handler_list_query(&rq, &rs, &q, false, true), API_OK);
    ck_assert_int_eq(q.page, 3);
    ck_assert(q.has_since);
    ck_assert_int_eq(q.since, 1000 - SINCE_MARGIN); /* reaches back */
    ck_assert(q.has_start && q.start == 5 && q.has_stop && q.stop == 9);

    rq = request((const char *const[]){"since=10", NULL}, NULL);
    ck_assert_int_eq(handler_list_query(&rq, &rs, &q, false, false), API_OK);
    ck_assert_int_eq(q.since, 0); /* never before the epoch */

    /* without `window`, start and stop are not read at all */
    rq = request((const char *const[]){"start=x", NULL}, NULL);
    ck_assert_int_eq(handler_list_query(&rq, &rs, &q, false, false), API_OK);
    ck_assert(!q.has_start);
}
END_TEST

START_TEST(list_query_refusals_name_the_parameter)
{
    static const struct {
        const char *pair;
        const char *field;
    } bad[] = {{"page=0", "page"},    {"page=-1", "page"},     {"page=1x", "page"},
               {"since=-5", "since"}, {"start=soon", "start"}, {"stop=", "stop"}};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        api_response rs = {0};
        list_query q;
        api_request rq = request((const char *const[]){bad[i].pair, NULL}, NULL);
        ck_assert_int_eq(handler_list_query(&rq, &rs, &q, false, true), API_BAD_REQUEST);
        ck_assert_msg(cJSON_GetObjectItem(rs.errors, bad[i].field) != NULL, "%s", bad[i].pair);
        cJSON_Delete(rs.errors);
    }
    api_response rs = {0};
    list_query q;
    api_request rq = request((const char *const[]){"start=9", "stop=9", NULL}, NULL);
    ck_assert_int_eq(handler_list_query(&rq, &rs, &q, false, true), API_BAD_REQUEST);
    ck_assert_str_eq(cJSON_GetObjectItem(rs.errors, "stop")->valuestring, "must be after start");
    cJSON_Delete(rs.errors);
}
END_TEST

START_TEST(body_envelopes)
{
    static const struct {
        const char *json; /* NULL: no body */
        api_err err;
    } cases[] = {
        {"{\"patient\": {\"remote_id\": \"1\"}}", API_OK},
        {"{\"remote_id\": \"1\"}", API_OK}, /* fields at the top level */
        {"{\"patient\": \"abc\"}", API_INVALID},
        {"{\"patient\": null}", API_INVALID},
        {"[1, 2]", API_BAD_REQUEST},
        {"\"text\"", API_BAD_REQUEST},
        {NULL, API_BAD_REQUEST},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        cJSON *body = cases[i].json ? cJSON_Parse(cases[i].json) : NULL;
        ck_assert(!cases[i].json || body);
        api_response rs = {0};
        api_request rq = request(NULL, body);
        const cJSON *obj = NULL;
        ck_assert_msg(handler_body_object(&rq, &rs, "patient", &obj) == cases[i].err, "%s",
                      cases[i].json ? cases[i].json : "(none)");
        if (cases[i].err == API_OK)
            ck_assert_str_eq(cJSON_GetObjectItem(obj, "remote_id")->valuestring, "1");
        else
            ck_assert_ptr_nonnull(rs.message);
        if (cases[i].err == API_INVALID)
            ck_assert_ptr_nonnull(cJSON_GetObjectItem(rs.errors, "patient"));
        cJSON_Delete(rs.errors);
        cJSON_Delete(body);
    }
}
END_TEST

START_TEST(field_errors_move_into_the_response)
{
    api_response rs = {0};
    api_field_error(&rs, "remote_id", "is already in use");
    field_errors fe = {.arena = A, .prefix = "patients[2]."};
    fields_error(&fe, "birthdate", "must be a date (yyyy-mm-dd)");
    ck_assert(handler_field_failed(&fe, "birthdate"));
    ck_assert(!handler_field_failed(&fe, "email"));
    ck_assert_int_eq(handler_fail_fields(&rs, &fe, API_INVALID, "invalid"), API_INVALID);
    ck_assert_ptr_null(fe.errors); /* taken over */
    ck_assert_str_eq(cJSON_GetObjectItem(rs.errors, "patients[2].birthdate")->valuestring,
                     "must be a date (yyyy-mm-dd)");
    ck_assert_ptr_nonnull(cJSON_GetObjectItem(rs.errors, "remote_id"));
    ck_assert_str_eq(rs.message, "invalid");
    cJSON_Delete(rs.errors);
}
END_TEST

/* A center written inside handler_begin/handler_finish; true if it was kept. */
static bool write_center(const char *slug, api_err outcome, int64_t age, api_err *finished)
{
    api_response rs = {0};
    api_request rq = request(NULL, NULL);
    ck_assert_int_eq(handler_begin(&rq, &rs), API_OK);
    ck_assert_int_gt(rq.now, 0); /* stamped once the transaction holds the lock */
    center c = {.name = slug, .slug = slug, .timezone = "UTC"};
    ck_assert_int_eq(store_center_create(st, &c), STORE_OK);
    rq.now -= age;
    *finished = handler_finish(&rq, &rs, outcome == API_OK ? API_OK : api_fail(&rs, outcome, "no"));
    center again = {.name = slug, .slug = slug, .timezone = "UTC"};
    store_rc rc = store_center_create(st, &again);
    ck_assert(rc == STORE_OK || rc == STORE_CONFLICT);
    return rc == STORE_CONFLICT;
}

START_TEST(transactions_commit_roll_back_and_time_out)
{
    api_err finished;
    ck_assert(write_center("kept", API_OK, 0, &finished));
    ck_assert_int_eq(finished, API_OK);
    ck_assert(!write_center("refused", API_INVALID, 0, &finished));
    ck_assert_int_eq(finished, API_INVALID);
    /* stamped SINCE_MARGIN seconds ago or more: a poller may have passed it */
    ck_assert(!write_center("late", API_OK, SINCE_MARGIN, &finished));
    ck_assert_int_eq(finished, API_RETRY);
    ck_assert(write_center("in-time", API_OK, SINCE_MARGIN - 2, &finished));
    ck_assert_int_eq(finished, API_OK);
}
END_TEST

Suite *suite_handler(void)
{
    Suite *s = suite_create("handler");
    TCase *tc = tcase_create("handler");
    tcase_add_checked_fixture(tc, setup_sqlite, teardown);
    tcase_add_test(tc, list_query_defaults_and_since_margin);
    tcase_add_test(tc, list_query_refusals_name_the_parameter);
    tcase_add_test(tc, body_envelopes);
    tcase_add_test(tc, field_errors_move_into_the_response);
    tcase_add_test(tc, transactions_commit_roll_back_and_time_out);
    suite_add_tcase(s, tc);
    return s;
}
