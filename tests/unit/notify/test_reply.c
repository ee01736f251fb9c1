/* test_reply.c - the keywords of SMS replies: every keyword in every case
 * and with accents, punctuation, emoji and white space around it; whatever
 * else a patient may write (sentences, two words, a keyword inside a word,
 * letters of other scripts, invalid UTF-8) is unclear. */
#include <check.h>
#include <stddef.h>

#include "../suites.h"
#include "notify/reply.h"

START_TEST(every_keyword_is_understood)
{
    static const char *const yes[] = {"yes", "oui", "ja", "si", "ok"};
    static const char *const no[] = {"no", "non", "nee", "nein", "cancel", "annuler", "annuleren"};
    for (size_t i = 0; i < sizeof yes / sizeof yes[0]; i++)
        ck_assert_int_eq(reply_intent_of(yes[i]), REPLY_CONFIRM);
    for (size_t i = 0; i < sizeof no / sizeof no[0]; i++)
        ck_assert_int_eq(reply_intent_of(no[i]), REPLY_CANCEL);
    ck_assert_str_eq(reply_intent_name(REPLY_CONFIRM), "confirm");
    ck_assert_str_eq(reply_intent_name(REPLY_CANCEL), "cancel");
    ck_assert_str_eq(reply_intent_name(REPLY_UNCLEAR), "unclear");
}
END_TEST

START_TEST(case_accents_and_surroundings_do_not_count)
{
    static const char *const yes[] = {
        "YES",   "Oui",    " oui ", "Sí",       "¡SÍ!",           "«Oui»",      "Yes.", "ok 👍",
        "OK!!!", "\tja\n", "“Ja”",  "\u00a0si", "yes 🙂\ufe0f", "... ok ...", "Ja, ",
    };
    static const char *const no[] = {
        "NO", "Non.", "NEE!", "Nein", "CANCEL", "Annulér", "annuleren…", "¿no?", " No ",
    };
    for (size_t i = 0; i < sizeof yes / sizeof yes[0]; i++)
        ck_assert_msg(reply_intent_of(yes[i]) == REPLY_CONFIRM, "%s", yes[i]);
    for (size_t i = 0; i < sizeof no / sizeof no[0]; i++)
        ck_assert_msg(reply_intent_of(no[i]) == REPLY_CANCEL, "%s", no[i]);
}
END_TEST

START_TEST(anything_else_is_unclear)
{
    static const char *const unclear[] = {
        "",
        "  ",
        "👍",
        "yes please",
        "Oui merci",
        "No problem, I'll be there",
        "o.k.",
        "yess",
        "nope",
        "noon",
        "y",
        "n",
        "ja-nee",
        "yes no",
        "да",
        "ja да",
        "æ",
        "okß",
        "annulerenannuleren",
        "1",
        "yes1",
        "s\xc3",
        "\xff",
        "no\x80",
    };
    for (size_t i = 0; i < sizeof unclear / sizeof unclear[0]; i++)
        ck_assert_msg(reply_intent_of(unclear[i]) == REPLY_UNCLEAR, "%s", unclear[i]);
    ck_assert_int_eq(reply_intent_of(NULL), REPLY_UNCLEAR);
}
END_TEST

Suite *suite_reply(void)
{
    Suite *s = suite_create("reply");
    TCase *tc = tcase_create("reply");
    tcase_add_test(tc, every_keyword_is_understood);
    tcase_add_test(tc, case_accents_and_surroundings_do_not_count);
    tcase_add_test(tc, anything_else_is_unclear);
    suite_add_tcase(s, tc);
    return s;
}
