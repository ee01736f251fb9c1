/* test_json_out.c - the one-pass printer gives exactly cJSON's bytes. */
#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "../suites.h"
#include "util/json_out.h"

/* Parses `text`, prints it both ways and compares. */
static void same_as_cjson(const char *text)
{
    cJSON *tree = cJSON_Parse(text);
    ck_assert_msg(tree != NULL, "bad fixture %s", text);
    char *want = cJSON_PrintUnformatted(tree);
    size_t len = 0;
    char *got = json_print(tree, &len);
    ck_assert_ptr_nonnull(got);
    ck_assert_str_eq(got, want);
    ck_assert_uint_eq(len, strlen(want));
    free(got);
    free(want);
    cJSON_Delete(tree);
}

START_TEST(documents_of_the_api)
{
    same_as_cjson("{\"patients\":[{\"patient\":{\"id\":3,\"remote_id\":\"698\",\"last_name\":"
                  "\"Van Hecke\",\"birthdate\":\"1990-05-16\",\"notes\":null,\"status\":\"active\","
                  "\"language_code\":null}}]}");
    same_as_cjson("{\"appointment\":{\"id\":\"57\",\"notes\":false,\"warning\":true,"
                  "\"patient_arrived_at\":null}}");
    same_as_cjson("{\"suggestions\":[]}");
    same_as_cjson("[]");
    same_as_cjson("{}");
}
END_TEST

START_TEST(numbers)
{
    same_as_cjson("[0,-0,1,-1,42,1417682400,253402300799,-62135596800,9007199254740992]");
    same_as_cjson("[0.5,-1.25,3.141592653589793,1e300,-2.5e-300,123456789012345678]");
}
END_TEST

START_TEST(strings_and_escapes)
{
    same_as_cjson("[\"\",\"plain\",\"quote \\\" backslash \\\\ slash /\",\"\\b\\f\\n\\r\\t\","
                  "\"\\u0001\\u001f\",\"caf\\u00e9 \\u20ac \\ud83d\\ude00\",\"<>&'\"]");
    same_as_cjson("{\"k\\\"ey\":\"v\",\"\\u00e9\":1}");
}
END_TEST

START_TEST(nesting)
{
    same_as_cjson("{\"a\":{\"b\":[{\"c\":[[],{},[null,true,false]]}]}}");
}
END_TEST

Suite *suite_json_out(void)
{
    Suite *s = suite_create("json_out");
    TCase *tc = tcase_create("core");
    tcase_add_test(tc, documents_of_the_api);
    tcase_add_test(tc, numbers);
    tcase_add_test(tc, strings_and_escapes);
    tcase_add_test(tc, nesting);
    suite_add_tcase(s, tc);
    return s;
}
