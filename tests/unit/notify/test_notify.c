/* test_notify.c - the senders' one-line reasons: escaping, truncation at a
 * character, and redaction of secrets. */
#include <check.h>
#include <string.h>

#include "../suites.h"
#include "notify/notify.h"

static void expect_add(const char *start, const char *bytes, size_t n, size_t errlen,
                       const char *want)
{
    char err[256];
    ck_assert(errlen <= sizeof err);
    memset(err, '#', sizeof err);
    strcpy(err, start);
    notify_reason_add(err, errlen, bytes, n);
    ck_assert_msg(strcmp(err, want) == 0, "got \"%s\", want \"%s\"", err, want);
    ck_assert(strlen(err) < errlen);
}

START_TEST(escapes)
{
    expect_add("", "plain text", 10, 64, "plain text");
    expect_add("HTTP 500: ", "{\"a\":1}", 7, 64, "HTTP 500: {\"a\":1}");
    expect_add("", "a\r\nb\tc\\d", 8, 64, "a\\r\\nb\\tc\\\\d");
    expect_add("", "nul\0del\x7f", 8, 64, "nul\\x00del\\x7f");
    /* whole UTF-8 characters stay; broken ones are bytes */
    expect_add("", "caf\xc3\xa9 \xe2\x82\xac", 9, 64, "caf\xc3\xa9 \xe2\x82\xac");
    expect_add("", "\xc3(\xff\xed\xa0\x80", 6, 64, "\\xc3(\\xff\\xed\\xa0\\x80");
    expect_add("", "\xf0\x9f\x98\x80!", 5, 64, "\xf0\x9f\x98\x80!");
    expect_add("", "\xe2\x82", 2, 64, "\\xe2\\x82"); /* cut short */
}
END_TEST

START_TEST(truncation)
{
    /* room for 9 characters after "ab" */
    expect_add("ab", "0123456789", 10, 12, "ab012345...");
    expect_add("ab", "012345678", 9, 12, "ab012345678"); /* fits exactly */
    /* an escape or a character is never cut in two */
    expect_add("", "123\n5678", 8, 8, "123...");
    expect_add("", "1234\xc3\xa9xyz", 9, 9, "1234...");
    expect_add("", "12\xc3\xa9wxyz", 8, 8, "12\xc3\xa9...");
    /* too little room even for the dots */
    expect_add("abcde", "xyz", 3, 7, "abcde.");
    expect_add("abcdef", "xyz", 3, 7, "abcdef");
    expect_add("", "", 0, 1, "");
    notify_reason_add(NULL, 0, "x", 1); /* nothing to write into */
}
END_TEST

START_TEST(redaction)
{
    char err[64] = "535 bad credentials for hunter2, hunter2!";
    notify_reason_redact(err, "hunter2");
    ck_assert_str_eq(err, "535 bad credentials for ***, ***!");
    strcpy(err, "ababab");
    notify_reason_redact(err, "ab");
    ck_assert_str_eq(err, "******");
    strcpy(err, "aaaa");
    notify_reason_redact(err, "aa");
    ck_assert_str_eq(err, "****");
    strcpy(err, "xyz");
    notify_reason_redact(err, NULL);
    notify_reason_redact(err, "");
    ck_assert_str_eq(err, "xyz");
}
END_TEST

START_TEST(result_names)
{
    ck_assert_str_eq(send_result_name(SEND_OK), "ok");
    ck_assert_str_eq(send_result_name(SEND_TEMPORARY), "temporary");
    ck_assert_str_eq(send_result_name(SEND_PERMANENT), "permanent");
}
END_TEST

Suite *suite_notify(void)
{
    Suite *s = suite_create("notify");
    TCase *tc = tcase_create("core");
    tcase_add_test(tc, escapes);
    tcase_add_test(tc, truncation);
    tcase_add_test(tc, redaction);
    tcase_add_test(tc, result_names);
    suite_add_tcase(s, tc);
    return s;
}
