/* test_body.c - body decoding by content type, and the escaped-NUL guard. */
#include <check.h>
#include <stdio.h>
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

START_TEST(numbers_keep_their_text)
{
    const char *err;
    cJSON *t = parse("{\"a\": 9007199254740993, \"s\": \"1 \\\" 2\", \"l\": [-0, 1.50, "
                     "{\"x\": 1E+2}], \"k\": 123456789012345678901234567890}",
                     false, &err);
    ck_assert_ptr_nonnull(t);
    ck_assert_str_eq(cJSON_GetObjectItem(t, "a")->valuestring, "9007199254740993");
    const cJSON *l = cJSON_GetObjectItem(t, "l");
    ck_assert_str_eq(cJSON_GetArrayItem(l, 0)->valuestring, "-0");
    ck_assert_str_eq(cJSON_GetArrayItem(l, 1)->valuestring, "1.50");
    ck_assert_str_eq(cJSON_GetObjectItem(cJSON_GetArrayItem(l, 2), "x")->valuestring, "1E+2");
    ck_assert_str_eq(cJSON_GetObjectItem(t, "k")->valuestring, "123456789012345678901234567890");
    /* still numbers: printed from their double, not their text */
    ck_assert(cJSON_IsNumber(cJSON_GetObjectItem(t, "a")));
    char *printed = cJSON_PrintUnformatted(cJSON_GetObjectItem(t, "l"));
    ck_assert_str_eq(printed, "[-0,1.5,{\"x\":100}]");
    cJSON_free(printed);
    cJSON_Delete(t);
}
END_TEST

START_TEST(repeated_key_keeps_the_last_value)
{
    const char *err;
    cJSON *t = parse("{\"a\": 1, \"b\": {\"x\": \"1\", \"x\": \"2\"}, \"a\": \"z\", "
                     "\"a\": 3, \"c\": [{\"y\": 1, \"y\": null}]}",
                     false, &err);
    ck_assert_ptr_nonnull(t);
    ck_assert_int_eq(cJSON_GetArraySize(t), 3);
    ck_assert_str_eq(cJSON_GetObjectItem(t, "a")->valuestring, "3");
    const cJSON *b = cJSON_GetObjectItem(t, "b");
    ck_assert_int_eq(cJSON_GetArraySize(b), 1);
    ck_assert_str_eq(cJSON_GetObjectItem(b, "x")->valuestring, "2");
    const cJSON *c0 = cJSON_GetArrayItem(cJSON_GetObjectItem(t, "c"), 0);
    ck_assert(cJSON_IsNull(cJSON_GetObjectItem(c0, "y")));
    cJSON_Delete(t);
    /* a large object (sorted rather than compared pairwise) */
    char big[512] = "{";
    for (int i = 0; i < 20; i++)
        snprintf(big + strlen(big), sizeof big - strlen(big), "\"k%d\": %d, ", i % 15, i);
    strcat(big, "\"k3\": \"last\"}");
    t = parse(big, false, &err);
    ck_assert_ptr_nonnull(t);
    ck_assert_int_eq(cJSON_GetArraySize(t), 15);
    ck_assert_str_eq(cJSON_GetObjectItem(t, "k3")->valuestring, "last");
    ck_assert_str_eq(cJSON_GetObjectItem(t, "k4")->valuestring, "19");
    ck_assert_str_eq(cJSON_GetObjectItem(t, "k5")->valuestring, "5");
    cJSON_Delete(t);
    /* the same rule as a form */
    cJSON *f = parse("a=1&a=3", true, &err);
    ck_assert_str_eq(cJSON_GetObjectItem(f, "a")->valuestring, "3");
    cJSON_Delete(f);
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
    tcase_add_test(tc, numbers_keep_their_text);
    tcase_add_test(tc, repeated_key_keeps_the_last_value);
    suite_add_tcase(s, tc);
    return s;
}
