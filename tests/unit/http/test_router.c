/* test_router.c - the matcher against the real route table: every route is
 * found by its own method and path, each answers with the flow and the
 * resource written out here apart from the table, HEAD is GET, a known path
 * with another method lists the allowed ones, and ids and references parse
 * strictly. */
#include <check.h>
#include <stdio.h>
#include <string.h>

#include "../suites.h"
#include "api/handler.h"
#include "api/resources.h"
#include "http/router.h"

/* Splits a path like "centers/12/patients" into segs (pointing into buf). */
static size_t split(char *buf, const char **segs, size_t max)
{
    size_t n = 0;
    for (char *p = strtok(buf, "/"); p && n < max; p = strtok(NULL, "/"))
        segs[n++] = p;
    return n;
}

static route_result match(const char *method, const char *path, route_match *m, char *allow,
                          size_t allow_len)
{
    static char buf[256]; /* m's strings point into it: kept until the next call */
    const char *segs[16];
    snprintf(buf, sizeof buf, "%s", path);
    size_t n = split(buf, segs, 16);
    return router_match(method, segs, n, m, allow, allow_len);
}

START_TEST(every_route_of_the_table_is_found)
{
    for (size_t i = 0; i < api_route_count; i++) {
        const api_route *r = &api_routes[i];
        char path[256];
        size_t used = 0;
        size_t n_args = 0;
        /* the pattern with 12 for {id}, 34 for {ref} and arg0, arg1, ...
         * for the other captures */
        for (const char *p = r->pattern; *p && used < sizeof path - 8;) {
            if (strncmp(p, "{id}", 4) == 0) {
                used += (size_t)snprintf(path + used, sizeof path - used, "12");
                p += 4;
            } else if (strncmp(p, "{ref}", 5) == 0) {
                used += (size_t)snprintf(path + used, sizeof path - used, "34");
                p += 5;
            } else if (*p == '{') {
                used += (size_t)snprintf(path + used, sizeof path - used, "arg%zu", n_args++);
                p += strcspn(p, "}") + 1;
            } else {
                path[used++] = *p++;
            }
        }
        path[used] = '\0';
        route_match m;
        char allow[128];
        ck_assert_msg(match(r->method, path, &m, allow, sizeof allow) == ROUTE_FOUND, "%s %s",
                      r->method, path);
        ck_assert_msg(m.route == r, "%s %s: another route", r->method, path);
        if (strstr(r->pattern, "{id}"))
            ck_assert_int_eq(m.owner_id, 12);
        ck_assert_int_eq(m.has_ref, strstr(r->pattern, "{ref}") != NULL);
        if (m.has_ref) {
            ck_assert_int_eq(m.ref.id, 34);
            ck_assert_ptr_null(m.ref.remote_id);
        }
        ck_assert_uint_eq(m.n_args, n_args);
        for (size_t k = 0; k < n_args; k++) {
            char want[8];
            snprintf(want, sizeof want, "arg%zu", k);
            ck_assert_str_eq(m.args[k], want);
        }
    }
}
END_TEST

/* What every route must run, written out apart from the table: a generic
 * flow wired to another resource, or a resource's path to another flow,
 * would serve the wrong objects while every route is still "found". */
static const struct {
    const char *method, *path;
    api_handler handler;
    const resource *resource;
    api_owner owner;
} expected[] = {
    {"GET", "centers", centers_list, NULL, OWNER_NONE},
    {"GET", "calendars", calendars_list, NULL, OWNER_NONE},
    {"GET", "centers/3/patients", handler_list, &patients_resource, OWNER_CENTER},
    {"POST", "centers/3/patients", handler_create, &patients_resource, OWNER_CENTER},
    {"GET", "centers/3/patients/remote_id:p", handler_get, &patients_resource, OWNER_CENTER},
    {"PUT", "centers/3/patients/5", handler_update, &patients_resource, OWNER_CENTER},
    {"DELETE", "centers/3/patients/5", handler_delete, &patients_resource, OWNER_CENTER},
    {"POST", "centers/3/patients_collections", handler_collection, &patients_resource,
     OWNER_CENTER},
    {"GET", "calendars/3/appointments", handler_list, &appointments_resource, OWNER_CALENDAR},
    {"POST", "calendars/3/appointments", handler_create, &appointments_resource, OWNER_CALENDAR},
    {"GET", "calendars/3/appointments/5", handler_get, &appointments_resource, OWNER_CALENDAR},
    {"PUT", "calendars/3/appointments/remote_id:a", handler_update, &appointments_resource,
     OWNER_CALENDAR},
    {"DELETE", "calendars/3/appointments/5", handler_delete, &appointments_resource,
     OWNER_CALENDAR},
    {"POST", "calendars/3/appointments_collections", handler_collection, &appointments_resource,
     OWNER_CALENDAR},
    {"GET", "calendars/3/services", handler_list, &services_resource, OWNER_CALENDAR},
    {"POST", "calendars/3/services_collections", handler_collection, &services_resource,
     OWNER_CALENDAR},
    {"GET", "calendars/3/opening_hours", opening_hours_get, NULL, OWNER_CALENDAR},
    {"PUT", "calendars/3/opening_hours", opening_hours_put, NULL, OWNER_CALENDAR},
    {"GET", "calendars/3/absences", absences_list, NULL, OWNER_CALENDAR},
    {"POST", "calendars/3/absences", absences_create, NULL, OWNER_CALENDAR},
    {"DELETE", "calendars/3/absences/5", absences_delete, NULL, OWNER_CALENDAR},
    {"GET", "calendars/3/openings", openings_list, NULL, OWNER_CALENDAR},
    {"POST", "calendars/3/openings", openings_create, NULL, OWNER_CALENDAR},
    {"DELETE", "calendars/3/openings/5", openings_delete, NULL, OWNER_CALENDAR},
    {"GET", "calendars/3/imports", imports_list, NULL, OWNER_CALENDAR},
    {"POST", "calendars/3/imports", imports_create, NULL, OWNER_CALENDAR},
    {"DELETE", "calendars/3/imports/5", imports_delete, NULL, OWNER_CALENDAR},
    {"GET", "calendars/3/busy", calendar_busy_list, NULL, OWNER_CALENDAR},
    {"GET", "suggestions", suggestions_list, NULL, OWNER_NONE},
    {"POST", "calendars/3/bookings", bookings_create, NULL, OWNER_CALENDAR},
    {"GET", "centers/3/reminders", reminders_get, NULL, OWNER_CENTER},
    {"PUT", "centers/3/reminders", reminders_put, NULL, OWNER_CENTER},
    {"GET", "centers/3/templates", templates_list, NULL, OWNER_CENTER},
    {"PUT", "centers/3/templates/reminder/sms/fr", templates_put, NULL, OWNER_CENTER},
    {"DELETE", "centers/3/templates/change/email/en", templates_delete, NULL, OWNER_CENTER},
    {"GET", "calendars/3/appointments/remote_id:a/messages", appointment_messages_list, NULL,
     OWNER_CALENDAR},
    {"GET", "centers/3/messages", center_messages_list, NULL, OWNER_CENTER},
    {"GET", "centers/3/replies", center_replies_list, NULL, OWNER_CENTER},
    {"GET", "centers/3/booking", booking_get, NULL, OWNER_CENTER},
    {"PUT", "centers/3/booking", booking_put, NULL, OWNER_CENTER},
    {"GET", "calendars/3/caldav", caldav_get, NULL, OWNER_CALENDAR},
    {"PUT", "calendars/3/caldav", caldav_put, NULL, OWNER_CALENDAR},
    {"DELETE", "calendars/3/caldav", caldav_delete, NULL, OWNER_CALENDAR},
    {"POST", "calendars/3/caldav/sync", caldav_sync, NULL, OWNER_CALENDAR},
    {"GET", "calendars/3/feed", feed_get, NULL, OWNER_CALENDAR},
    {"POST", "calendars/3/feed", feed_create, NULL, OWNER_CALENDAR},
    {"DELETE", "calendars/3/feed", feed_delete, NULL, OWNER_CALENDAR},
    {"GET", "calendars/3/feed.ics", feed_ics, NULL, OWNER_PUBLIC},
    {"POST", "sms/status", sms_status, NULL, OWNER_PUBLIC},
    {"POST", "sms/inbound", sms_inbound, NULL, OWNER_PUBLIC},
    {"GET", "openapi.json", openapi_get, NULL, OWNER_PUBLIC},
};

START_TEST(each_route_runs_its_flow_on_its_resource)
{
    ck_assert_uint_eq(api_route_count, sizeof expected / sizeof expected[0]);
    for (size_t i = 0; i < sizeof expected / sizeof expected[0]; i++) {
        route_match m;
        char allow[128];
        ck_assert_msg(match(expected[i].method, expected[i].path, &m, allow, sizeof allow) ==
                          ROUTE_FOUND,
                      "%s %s", expected[i].method, expected[i].path);
        ck_assert_msg(m.route->handler == expected[i].handler, "%s %s: another handler",
                      expected[i].method, expected[i].path);
        ck_assert_msg(m.route->resource == expected[i].resource, "%s %s: another resource",
                      expected[i].method, expected[i].path);
        ck_assert_int_eq(m.route->owner, expected[i].owner);
    }
}
END_TEST

START_TEST(head_is_get_and_other_methods_list_allow)
{
    route_match m;
    char allow[128];
    ck_assert_int_eq(match("HEAD", "centers", &m, allow, sizeof allow), ROUTE_FOUND);
    ck_assert(m.route->handler == centers_list);

    ck_assert_int_eq(match("PATCH", "centers/1/patients/remote_id:x", &m, allow, sizeof allow),
                     ROUTE_BAD_METHOD);
    ck_assert_str_eq(allow, "GET, PUT, DELETE");
    ck_assert_int_eq(match("DELETE", "centers/1/patients", &m, allow, sizeof allow),
                     ROUTE_BAD_METHOD);
    ck_assert_str_eq(allow, "GET, POST");
    /* a short buffer truncates the list, never overflows */
    char tiny[6];
    ck_assert_int_eq(match("PATCH", "centers/1/patients/7", &m, tiny, sizeof tiny),
                     ROUTE_BAD_METHOD);
    ck_assert(strlen(tiny) < sizeof tiny);
}
END_TEST

START_TEST(unknown_paths_and_malformed_ids_are_not_found)
{
    route_match m;
    char allow[128];
    static const char *const paths[] = {
        "centers/0/patients",
        "centers/-1/patients",
        "centers/1x/patients",
        "centers/1/patients/0",
        "centers/1/patients/remote_id:",
        "centers/1/unknown",
        "centers/1/patients/1/x",
        "",
        "centers/1234567890123456789/patients",
    };
    for (size_t i = 0; i < sizeof paths / sizeof paths[0]; i++)
        ck_assert_msg(match("GET", paths[i], &m, allow, sizeof allow) == ROUTE_NOT_FOUND,
                      "'%s' matched", paths[i]);
}
END_TEST

START_TEST(references_and_ids)
{
    object_ref ref;
    ck_assert(router_parse_ref("remote_id:a/b c", &ref));
    ck_assert_int_eq(ref.id, 0);
    ck_assert_str_eq(ref.remote_id, "a/b c");
    ck_assert(router_parse_ref("42", &ref));
    ck_assert_int_eq(ref.id, 42);
    ck_assert_ptr_null(ref.remote_id);
    ck_assert(!router_parse_ref("remote_id:", &ref));
    ck_assert(!router_parse_ref("REMOTE_ID:x", &ref));

    int64_t id = 0;
    ck_assert(router_parse_id("999999999999999999", &id)); /* 18 digits */
    ck_assert_int_eq(id, 999999999999999999);
    ck_assert(!router_parse_id("1000000000000000000", &id)); /* 19 digits */
    ck_assert(!router_parse_id("0", &id));
    ck_assert(!router_parse_id("+1", &id));
    ck_assert(!router_parse_id("", &id));
    ck_assert(router_parse_id("007", &id) && id == 7);
}
END_TEST

Suite *suite_router(void)
{
    Suite *s = suite_create("router");
    TCase *tc = tcase_create("router");
    tcase_add_test(tc, every_route_of_the_table_is_found);
    tcase_add_test(tc, each_route_runs_its_flow_on_its_resource);
    tcase_add_test(tc, head_is_get_and_other_methods_list_allow);
    tcase_add_test(tc, unknown_paths_and_malformed_ids_are_not_found);
    tcase_add_test(tc, references_and_ids);
    suite_add_tcase(s, tc);
    return s;
}
