/* test_framing.c - refusing ambiguous request framing. */
#include <check.h>
#include <string.h>

#include "../suites.h"
#include "http/framing.h"

/* The verdict on headers given as "name", "value" pairs (NULL ends them). */
static const char *verdict(const char *version, const char *const *pairs)
{
    framing_check fc;
    framing_begin(&fc);
    for (size_t i = 0; pairs[i]; i += 2)
        framing_add(&fc, pairs[i], strlen(pairs[i]), pairs[i + 1], strlen(pairs[i + 1]));
    return framing_end(&fc, version);
}

#define OK(version, ...)                                                                           \
    ck_assert_ptr_null(verdict(version, (const char *const[]){__VA_ARGS__, NULL}))
#define BAD(version, ...)                                                                          \
    ck_assert_ptr_nonnull(verdict(version, (const char *const[]){__VA_ARGS__, NULL}))

START_TEST(unambiguous_heads_pass)
{
    OK("HTTP/1.1", "Host", "x");
    OK("HTTP/1.1", "Host", "x", "Content-Length", "0");
    OK("HTTP/1.0", "content-length", "1234567890123456789");
    OK("HTTP/1.1", "Transfer-Encoding", "chunked");
    OK("HTTP/1.1", "TRANSFER-ENCODING", "Chunked");
    OK("HTTP/1.1", "X-Odd!#$%&'*+-.^_`|~", "anything at all, even : colons");
}
END_TEST

START_TEST(content_length_ambiguities_refused)
{
    BAD("HTTP/1.1", "Content-Length", "5", "Content-Length", "50");
    BAD("HTTP/1.1", "Content-Length", "5", "content-length", "5");
    BAD("HTTP/1.1", "Content-Length", "5, 5");
    BAD("HTTP/1.1", "Content-Length", "+5");
    BAD("HTTP/1.1", "Content-Length", "-1");
    BAD("HTTP/1.1", "Content-Length", "1 0");
    BAD("HTTP/1.1", "Content-Length", "0x10");
    BAD("HTTP/1.1", "Content-Length", "");
    BAD("HTTP/1.1", "Content-Length", "12345678901234567890");
}
END_TEST

START_TEST(transfer_encoding_ambiguities_refused)
{
    BAD("HTTP/1.1", "Transfer-Encoding", "chunked", "Content-Length", "5");
    BAD("HTTP/1.1", "Content-Length", "5", "Transfer-Encoding", "chunked");
    BAD("HTTP/1.1", "Transfer-Encoding", "gzip");
    BAD("HTTP/1.1", "Transfer-Encoding", "gzip, chunked");
    BAD("HTTP/1.1", "Transfer-Encoding", "chunked, gzip");
    BAD("HTTP/1.1", "Transfer-Encoding", "chunked", "Transfer-Encoding", "chunked");
    BAD("HTTP/1.0", "Transfer-Encoding", "chunked");
}
END_TEST

START_TEST(malformed_names_and_values_refused)
{
    BAD("HTTP/1.1", "Content-Length ", "5");
    BAD("HTTP/1.1", "Transfer-Encoding\t", "chunked");
    BAD("HTTP/1.1", "X Thing", "1");
    BAD("HTTP/1.1", "", "1");
    BAD("HTTP/1.1", "X-A", "a\rb");
    framing_check fc;
    framing_begin(&fc);
    framing_add(&fc, "X-A", 3, "a\0b", 3); /* a NUL inside a value */
    ck_assert_ptr_nonnull(framing_end(&fc, "HTTP/1.1"));
}
END_TEST

Suite *suite_framing(void)
{
    Suite *s = suite_create("framing");
    TCase *tc = tcase_create("core");
    tcase_add_test(tc, unambiguous_heads_pass);
    tcase_add_test(tc, content_length_ambiguities_refused);
    tcase_add_test(tc, transfer_encoding_ambiguities_refused);
    tcase_add_test(tc, malformed_names_and_values_refused);
    suite_add_tcase(s, tc);
    return s;
}
