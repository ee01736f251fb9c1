/* test_sms_text.c - GSM-7 or UCS-2 and segment counts: the whole GSM 03.38
 * alphabet written out here, the extension table at two septets, the
 * characters that look alike but force UCS-2, the single-segment and
 * concatenated limits at their edges, two-unit characters that may not be
 * split across a segment boundary, and invalid UTF-8. */
#include <check.h>
#include <stdio.h>
#include <string.h>

#include "../suites.h"
#include "notify/sms_text.h"

static sms_size measure(const char *text)
{
    sms_size s = {.units = 999};
    ck_assert_msg(sms_text_measure(text, strlen(text), &s), "refused %s", text);
    return s;
}

/* n copies of the UTF-8 character c, then tail. */
static char *repeat(char *out, const char *c, size_t n, const char *tail)
{
    out[0] = '\0';
    for (size_t i = 0; i < n; i++)
        strcat(out, c);
    strcat(out, tail);
    return out;
}

START_TEST(the_gsm7_alphabet_is_one_septet_each)
{
    /* the 127 characters of the basic set, in table order (0x1B, the
     * escape, left out) */
    static const char alphabet[] =
        "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?"
        "¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà";
    sms_size s = measure(alphabet);
    ck_assert_int_eq(s.encoding, SMS_GSM7);
    ck_assert_uint_eq(s.units, 127);
    ck_assert_uint_eq(s.segments, 1);
    ck_assert_int_eq(sms_text_gsm7_septets('@'), 1);
    ck_assert_int_eq(sms_text_gsm7_septets(0x00E9), 1); /* é */
    ck_assert_int_eq(sms_text_gsm7_septets(0x03A9), 1); /* Ω */
}
END_TEST

START_TEST(the_extension_table_is_two_septets_each)
{
    sms_size s = measure("^{}\\[~]|€\f");
    ck_assert_int_eq(s.encoding, SMS_GSM7);
    ck_assert_uint_eq(s.units, 20);
    s = measure("Price: 10€ [incl. VAT]");
    ck_assert_int_eq(s.encoding, SMS_GSM7);
    ck_assert_uint_eq(s.units, 22 + 3);
    ck_assert_int_eq(sms_text_gsm7_septets(0x20AC), 2);
    ck_assert_int_eq(sms_text_gsm7_septets('|'), 2);
}
END_TEST

START_TEST(characters_outside_the_alphabet_make_ucs2)
{
    /* lookalikes: only capital Ç, grave ì ò ù è à and acute é É are GSM */
    static const char *const ucs2[] = {"`", "\t", "ç", "á", "í", "ó",        "ú",
                                       "ê", "ë",  "ï", "â", "œ", "α",        "ж",
                                       "ẞ", "’",  "“", "…", "–", "\xC2\xA0", "😀"};
    for (size_t i = 0; i < sizeof ucs2 / sizeof ucs2[0]; i++) {
        char text[64];
        snprintf(text, sizeof text, "Bonjour %s", ucs2[i]);
        sms_size s = measure(text);
        ck_assert_msg(s.encoding == SMS_UCS2, "'%s' is not GSM-7", ucs2[i]);
        ck_assert_uint_eq(s.units, strcmp(ucs2[i], "😀") == 0 ? 10 : 9);
        ck_assert_uint_eq(s.segments, 1);
    }
    /* in UCS-2 every character counts as UTF-16 units, extension ones too */
    sms_size s = measure("ж€{");
    ck_assert_int_eq(s.encoding, SMS_UCS2);
    ck_assert_uint_eq(s.units, 3);
    ck_assert_int_eq(sms_text_gsm7_septets('`'), 0);
    ck_assert_int_eq(sms_text_gsm7_septets(0x00E7), 0); /* ç */
    ck_assert_int_eq(sms_text_gsm7_septets(0x1F600), 0);
}
END_TEST

START_TEST(segment_limits)
{
    static char text[2048];
    static const struct {
        const char *c;
        size_t n;
        size_t segments;
    } cases[] = {
        {"a", 160, 1}, {"a", 161, 2}, {"a", 306, 2}, {"a", 307, 3}, {"a", 459, 3},
        {"a", 460, 4}, {"ж", 70, 1},  {"ж", 71, 2},  {"ж", 134, 2}, {"ж", 135, 3},
        {"é", 160, 1}, {"é", 161, 2}, {"€", 80, 1},  {"€", 81, 2},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        sms_size s = measure(repeat(text, cases[i].c, cases[i].n, ""));
        ck_assert_msg(s.segments == cases[i].segments, "%zu x %s: %zu segments", cases[i].n,
                      cases[i].c, s.segments);
    }
    sms_size s = measure("");
    ck_assert_int_eq(s.encoding, SMS_GSM7);
    ck_assert_uint_eq(s.units, 0);
    ck_assert_uint_eq(s.segments, 1);
}
END_TEST

START_TEST(two_unit_characters_are_not_split)
{
    static char text[2048], tail[1024];
    /* 158 + 2 = 160 fits one; 159 + 2 does not */
    sms_size s = measure(repeat(text, "a", 158, "€"));
    ck_assert_uint_eq(s.units, 160);
    ck_assert_uint_eq(s.segments, 1);
    s = measure(repeat(text, "a", 159, "€"));
    ck_assert_uint_eq(s.units, 161);
    ck_assert_uint_eq(s.segments, 2);
    /* 152 + € + 152 = 306 septets, yet the escape pair cannot straddle the
     * first boundary: 152 | € + 151 | 1 */
    repeat(tail, "a", 152, "");
    repeat(text, "a", 152, "€");
    strcat(text, tail);
    s = measure(text);
    ck_assert_uint_eq(s.units, 306);
    ck_assert_uint_eq(s.segments, 3);
    /* 153 + € + 151 = 306 fills two exactly */
    repeat(tail, "a", 151, "");
    repeat(text, "a", 153, "€");
    strcat(text, tail);
    s = measure(text);
    ck_assert_uint_eq(s.units, 306);
    ck_assert_uint_eq(s.segments, 2);
    /* UCS-2: 66 + a surrogate pair + 66 = 134 units: 66 | 2 + 65 | 1 */
    repeat(tail, "ж", 66, "");
    repeat(text, "ж", 66, "😀");
    strcat(text, tail);
    s = measure(text);
    ck_assert_int_eq(s.encoding, SMS_UCS2);
    ck_assert_uint_eq(s.units, 134);
    ck_assert_uint_eq(s.segments, 3);
    /* 69 + 😀 = 71 units: over 70, so two segments */
    s = measure(repeat(text, "ж", 69, "😀"));
    ck_assert_uint_eq(s.units, 71);
    ck_assert_uint_eq(s.segments, 2);
    s = measure(repeat(text, "ж", 68, "😀"));
    ck_assert_uint_eq(s.segments, 1);
}
END_TEST

START_TEST(invalid_utf8_is_refused)
{
    static const char *const bad[] = {"\xC3",         "abc\xC3(",     "\xC0\xAF",
                                      "\xE0\x80\xAF", "\xED\xA0\x80", "\xF4\x90\x80\x80",
                                      "\xFF",         "\x80"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        sms_size s = {.units = 42};
        ck_assert_msg(!sms_text_measure(bad[i], strlen(bad[i]), &s), "accepted case %zu", i);
        ck_assert_uint_eq(s.units, 42);
    }
    /* the length given is what is measured */
    sms_size s;
    ck_assert(sms_text_measure("abc\xC3", 3, &s));
    ck_assert_uint_eq(s.units, 3);
    ck_assert(sms_text_measure(NULL, 0, &s));
    ck_assert_uint_eq(s.units, 0);
}
END_TEST

START_TEST(encoding_names)
{
    ck_assert_str_eq(sms_text_encoding_name(SMS_GSM7), "GSM-7");
    ck_assert_str_eq(sms_text_encoding_name(SMS_UCS2), "UCS-2");
}
END_TEST

Suite *suite_sms_text(void)
{
    Suite *s = suite_create("sms_text");
    TCase *tc = tcase_create("core");
    tcase_add_test(tc, the_gsm7_alphabet_is_one_septet_each);
    tcase_add_test(tc, the_extension_table_is_two_septets_each);
    tcase_add_test(tc, characters_outside_the_alphabet_make_ucs2);
    tcase_add_test(tc, segment_limits);
    tcase_add_test(tc, two_unit_characters_are_not_split);
    tcase_add_test(tc, invalid_utf8_is_refused);
    tcase_add_test(tc, encoding_names);
    suite_add_tcase(s, tc);
    return s;
}
