/* test_body.c - body decoding by content type, and the escaped-NUL guard. */
#include <check.h>
#include <string.h>

#include "../suites.h"
#include "http/body.h"

static cJSON *parse(const char *text, bool form, const char **err)
{
    *err = NULL;
    return body_parse(text, strlen(text), form, err);
}

START_TEST(content_types)
{
    ck_assert(body_is_form("application/x-www-form-urlencoded"));
    ck_assert(body_is_form("Application/X-WWW-Form-Urlencoded; charset=utf-8"));
    ck_assert(!body_is_form("application/json"));
    ck_assert(!body_is_form("multipart/form-data"));
    ck_assert(!body_is_form(NULL));
}
END_TEST

START_TEST(json_and_form_give_the_same_tree)
{
    const char *err;
    cJSON *a = parse("{\"patient\":{\"first_name\":\"Jo\"}}", false, &err);
    cJSON *b = parse("patient%5Bfirst_name%5D=Jo", true, &err);
    ck_assert_ptr_nonnull(a);
    ck_assert_ptr_nonnull(b);
    ck_assert(cJSON_Compare(a, b, 1));
    cJSON_Delete(a);
    cJSON_Delete(b);
}
END_TEST

START_TEST(json_labelled_as_form_is_read_as_json)
{
    const char *err;
    cJSON *t = parse("  {\"a\":\"1\"}", true, &err);
    ck_assert_ptr_nonnull(t);
    ck_assert_str_eq(cJSON_GetObjectItem(t, "a")->valuestring, "1");
    cJSON_Delete(t);
}
END_TEST

START_TEST(escaped_nul_is_refused)
{
    const char *err;
    ck_assert_ptr_null(parse("{\"a\":\"x\\u0000y\"}", false, &err));
    ck_assert_str_eq(err, "JSON strings may not contain \\u0000");
    ck_assert_ptr_null(parse("{\"a\":\"\\\\\\u0000\"}", false, &err));
}
END_TEST

START_TEST(escaped_backslash_before_u0000_is_text)
{
    const char *err;
    /* "\\u0000" in JSON is a backslash followed by the letters u0000 */
    cJSON *t = parse("{\"a\":\"\\\\u0000\"}", false, &err);
    ck_assert_ptr_nonnull(t);
    ck_assert_str_eq(cJSON_GetObjectItem(t, "a")->valuestring, "\\u0000");
    cJSON_Delete(t);
}
END_TEST

/* Found by tests/fuzz/fuzz_body.c: cJSON copies a string up to a raw NUL
 * byte and drops the rest, so {"remote_id": "a<NUL>b"} read as "a". */
START_TEST(raw_nul_is_refused)
{
    static const char in_value[] = "{\"remote_id\":\"a\0b\"}";
    static const char in_key[] = "{\"remote_id\0x\":\"a\"}";
    static const char between[] = "{\"a\":\0\"b\"}";
    const char *err = NULL;
    ck_assert_ptr_null(body_parse(in_value, sizeof in_value - 1, false, &err));
    ck_assert_str_eq(err, "malformed JSON body");
    err = NULL;
    ck_assert_ptr_null(body_parse(in_key, sizeof in_key - 1, false, &err));
    ck_assert_ptr_nonnull(err);
    err = NULL;
    ck_assert_ptr_null(body_parse(between, sizeof between - 1, false, &err));
    ck_assert_ptr_nonnull(err);
    err = NULL; /* JSON labelled as a form takes the same path */
    ck_assert_ptr_null(body_parse(in_value, sizeof in_value - 1, true, &err));
    ck_assert_ptr_nonnull(err);
}
END_TEST

START_TEST(malformed_json)
{
    const char *err;
    ck_assert_ptr_null(parse("{\"a\":", false, &err));
    ck_assert_str_eq(err, "malformed JSON body");
    ck_assert_ptr_null(parse("{\"a\":1} trailing", false, &err));
}
END_TEST

Suite *suite_body(void)
{
    Suite *s = suite_create("body");
    TCase *tc = tcase_create("core");
    tcase_add_test(tc, content_types);
    tcase_add_test(tc, json_and_form_give_the_same_tree);
    tcase_add_test(tc, json_labelled_as_form_is_read_as_json);
    tcase_add_test(tc, escaped_nul_is_refused);
    tcase_add_test(tc, escaped_backslash_before_u0000_is_text);
    tcase_add_test(tc, raw_nul_is_refused);
    tcase_add_test(tc, malformed_json);
    suite_add_tcase(s, tc);
    return s;
}
