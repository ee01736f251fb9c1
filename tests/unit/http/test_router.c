/* test_router.c - the matcher against the real route table: every route is
 * found by its own method and path, HEAD is GET, a known path with another
 * method lists the allowed ones, and ids and references parse strictly. */
#include <check.h>
#include <stdio.h>
#include <string.h>

#include "../suites.h"
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
    char buf[256];
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
        /* the pattern with 12 for {id} and 34 for {ref} */
        for (const char *p = r->pattern; *p && used < sizeof path - 4;) {
            if (strncmp(p, "{id}", 4) == 0) {
                used += (size_t)snprintf(path + used, sizeof path - used, "12");
                p += 4;
            } else if (strncmp(p, "{ref}", 5) == 0) {
                used += (size_t)snprintf(path + used, sizeof path - used, "34");
                p += 5;
            } else {
                path[used++] = *p++;
            }
        }
        path[used] = '\0';
        route_match m;
        char allow[128];
        ck_assert_msg(match(r->method, path, &m, allow, sizeof allow) == ROUTE_FOUND, "%s %s",
                      r->method, path);
        ck_assert_msg(m.handler == r->handler, "%s %s: another handler", r->method, path);
        ck_assert_int_eq(m.owner, r->owner);
        if (strstr(r->pattern, "{id}"))
            ck_assert_int_eq(m.owner_id, 12);
        ck_assert_int_eq(m.has_ref, strstr(r->pattern, "{ref}") != NULL);
        if (m.has_ref) {
            ck_assert_int_eq(m.ref.id, 34);
            ck_assert_ptr_null(m.ref.remote_id);
        }
    }
}
END_TEST

START_TEST(head_is_get_and_other_methods_list_allow)
{
    route_match m;
    char allow[128];
    ck_assert_int_eq(match("HEAD", "centers", &m, allow, sizeof allow), ROUTE_FOUND);
    ck_assert(m.handler == centers_list);

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
    tcase_add_test(tc, head_is_get_and_other_methods_list_allow);
    tcase_add_test(tc, unknown_paths_and_malformed_ids_are_not_found);
    tcase_add_test(tc, references_and_ids);
    suite_add_tcase(s, tc);
    return s;
}
