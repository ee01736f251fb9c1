/* test_accesslog.c - credentials never reach the access log. */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../suites.h"
#include "http/accesslog.h"

static arena *A;

static void setup(void)
{
    A = arena_new(ARENA_DEFAULT_LIMIT);
}

static void teardown(void)
{
    arena_free(A);
}

START_TEST(tokens_are_redacted)
{
    ck_assert_str_eq(accesslog_redact(A, "/api/v2/centers?user_email=a%40b.be&user_token=s3cret"),
                     "/api/v2/centers?user_email=a%40b.be&user_token=[redacted]");
    ck_assert_str_eq(accesslog_redact(A, "/x?user_token=s3cret&page=2"),
                     "/x?user_token=[redacted]&page=2");
    ck_assert_str_eq(accesslog_redact(A, "/x?API_TOKEN=1&password=2&since=3"),
                     "/x?API_TOKEN=[redacted]&password=[redacted]&since=3");
}
END_TEST

START_TEST(encoded_key_names_are_redacted_too)
{
    /* the server decodes keys, so user%5Ftoken authenticates like user_token */
    ck_assert_str_eq(accesslog_redact(A, "/x?user%5Ftoken=s3cret"), "/x?user%5Ftoken=[redacted]");
    /* an undecodable key is treated as secret */
    ck_assert_str_eq(accesslog_redact(A, "/x?bad%zz=s3cret"), "/x?bad%zz=[redacted]");
}
END_TEST

START_TEST(private_links_are_redacted)
{
    /* a booking page's private link is a capability: in the path, and as
     * `move` while the appointment is moved */
    ck_assert_str_eq(accesslog_redact(A, "/book/centre-x/a/12-3-1803888000.AbC_d-e"),
                     "/book/centre-x/a/[redacted]");
    ck_assert_str_eq(accesslog_redact(A, "/book/centre-x/a/12-3-18.AbC/cancel?lang=fr"),
                     "/book/centre-x/a/[redacted]/cancel?lang=fr");
    ck_assert_str_eq(accesslog_redact(A, "/book/c/day?service=1&move=12-3-18.AbC&lang=en"),
                     "/book/c/day?service=1&move=[redacted]&lang=en");
    ck_assert_str_eq(accesslog_redact(A, "/book/c/a"), "/book/c/a");
    ck_assert_str_eq(accesslog_redact(A, "/book/c/day?date=2027-03-01"),
                     "/book/c/day?date=2027-03-01");
}
END_TEST

START_TEST(other_targets_are_kept)
{
    ck_assert_str_eq(accesslog_redact(A, "/api/v2/calendars"), "/api/v2/calendars");
    ck_assert_str_eq(accesslog_redact(A, "/x?a&b=&token"), "/x?a&b=&token");
}
END_TEST

START_TEST(one_line_per_request)
{
    char *text = NULL;
    size_t len = 0;
    FILE *out = open_memstream(&text, &len);
    accesslog_write(out, NULL, "GET", "/x?user_token=[redacted]", 401, 12);
    fclose(out);
    ck_assert_ptr_nonnull(strstr(text, " - GET /x?user_token=[redacted] 401 12us\n"));
    ck_assert_ptr_eq(strchr(text, '\n'), text + len - 1); /* exactly one line */
    free(text);
}
END_TEST

Suite *suite_accesslog(void)
{
    Suite *s = suite_create("accesslog");
    TCase *tc = tcase_create("core");
    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_add_test(tc, tokens_are_redacted);
    tcase_add_test(tc, encoded_key_names_are_redacted_too);
    tcase_add_test(tc, private_links_are_redacted);
    tcase_add_test(tc, other_targets_are_kept);
    tcase_add_test(tc, one_line_per_request);
    suite_add_tcase(s, tc);
    return s;
}
