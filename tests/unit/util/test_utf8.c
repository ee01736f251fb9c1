/* test_utf8.c - strict UTF-8 validation. */
#include <check.h>
#include <string.h>

#include "../suites.h"
#include "util/utf8.h"

static bool valid(const char *s)
{
    return utf8_valid(s, strlen(s));
}

START_TEST(well_formed_text)
{
    ck_assert(valid(""));
    ck_assert(valid("Van Hecke"));
    ck_assert(valid("Fran\xc3\xa7oise"));             /* 2 bytes */
    ck_assert(valid("\xe2\x82\xac 100"));             /* 3 bytes: euro */
    ck_assert(valid("\xf0\x9f\x98\x80"));             /* 4 bytes: emoji */
    ck_assert(valid("\xef\xbf\xbf\xf4\x8f\xbf\xbf")); /* U+FFFF, U+10FFFF */
}
END_TEST

START_TEST(malformed_text)
{
    ck_assert(!valid("\xff"));
    ck_assert(!valid("\x80"));             /* lone continuation */
    ck_assert(!valid("\xc3"));             /* truncated */
    ck_assert(!valid("\xc3\x28"));         /* bad continuation */
    ck_assert(!valid("\xc0\xaf"));         /* overlong '/' */
    ck_assert(!valid("\xe0\x80\xaf"));     /* overlong, 3 bytes */
    ck_assert(!valid("\xed\xa0\x80"));     /* surrogate U+D800 */
    ck_assert(!valid("\xf4\x90\x80\x80")); /* above U+10FFFF */
    ck_assert(!valid("\xf5\x80\x80\x80"));
    ck_assert(!valid("ok\xe2\x82")); /* truncated at the end */
}
END_TEST

START_TEST(length_is_respected)
{
    ck_assert(utf8_valid("\xc3\xa7", 2));
    ck_assert(!utf8_valid("\xc3\xa7", 1));
    ck_assert(utf8_valid("ab\xff", 2));
}
END_TEST

Suite *suite_utf8(void)
{
    Suite *s = suite_create("utf8");
    TCase *tc = tcase_create("core");
    tcase_add_test(tc, well_formed_text);
    tcase_add_test(tc, malformed_text);
    tcase_add_test(tc, length_is_respected);
    suite_add_tcase(s, tc);
    return s;
}
