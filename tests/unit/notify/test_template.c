/* test_template.c - message texts: kind and channel names, the built-in
 * defaults of every language (valid, naming {time} and {calendar}, the SMS
 * ones GSM-7 in one segment for usual names and asking for the reply
 * keywords), the choice of language, every error template_check names, and
 * rendering: whole messages, names with a part missing, literal braces,
 * local dates and times on both sides of daylight-saving changes, subjects
 * kept to one line, and the buffer's limit. */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../suites.h"
#include "notify/sms_text.h"
#include "notify/template.h"
#include "sched/civil.h"
#include "sched/tzfile.h"

#define HOUR 3600

static int64_t utc(int64_t y, int mo, int d, int h, int mi)
{
    return civil_days_from_date(y, mo, d) * 86400 + h * HOUR + mi * 60;
}

static const tzfile *zone(const char *name)
{
    const tzfile *z = NULL;
    ck_assert_int_eq(tzfile_get(name, &z), TZFILE_OK);
    return z;
}

/* A typical Belgian practice, with the sample patient and calendar. */
static template_values sample(void)
{
    template_values v;
    template_sample(&v, "Cabinet médical du Parc", "Rue de la Loi 16, 1000 Bruxelles",
                    zone("Europe/Brussels"));
    return v;
}

/* Renders text (which must succeed) into a static string. */
static const char *render(const char *text, template_part part, const template_values *v)
{
    static char out[TEMPLATE_RENDER_MAX];
    buf b;
    buf_init(&b, TEMPLATE_RENDER_MAX, NULL);
    ck_assert_int_eq(template_render(text, part, v, &b), TEMPLATE_OK);
    ck_assert_uint_lt(b.len, sizeof out);
    memcpy(out, b.data ? b.data : "", b.len + 1);
    buf_free(&b);
    return out;
}

static bool starts_with(const char *s, const char *prefix)
{
    return strncmp(s, prefix, strlen(prefix)) == 0;
}

static void assert_valid(const char *text, template_part part)
{
    template_error err = {0};
    ck_assert_msg(template_check(text, part, &err), "refused \"%s\": %s", text, err.message);
}

/* ---- names ---------------------------------------------------------------- */

START_TEST(kind_and_channel_names)
{
    static const char *const kinds[] = {"reminder", "confirmation", "change", "cancellation"};
    for (int k = 0; k < TEMPLATE_KINDS; k++) {
        template_kind out = TEMPLATE_KINDS;
        ck_assert(template_kind_parse(kinds[k], &out));
        ck_assert_int_eq(out, k);
        ck_assert_str_eq(template_kind_name(out), kinds[k]);
    }
    template_channel c = TEMPLATE_CHANNELS;
    ck_assert(template_channel_parse("email", &c) && c == TEMPLATE_EMAIL);
    ck_assert(template_channel_parse("sms", &c) && c == TEMPLATE_SMS);
    ck_assert_str_eq(template_channel_name(TEMPLATE_SMS), "sms");
    ck_assert_str_eq(template_channel_name(TEMPLATE_EMAIL), "email");
    template_kind k = TEMPLATE_KINDS;
    ck_assert(!template_kind_parse("Reminder", &k));
    ck_assert(!template_kind_parse("", &k));
    ck_assert(!template_kind_parse(NULL, &k));
    ck_assert(!template_kind_parse("cancel", &k));
    ck_assert_int_eq(k, TEMPLATE_KINDS);
    ck_assert(!template_channel_parse("SMS", &c));
    ck_assert(!template_channel_parse("mail", &c));
}
END_TEST

/* ---- defaults ------------------------------------------------------------- */

START_TEST(defaults_in_five_languages)
{
    static const char *const langs[] = {"en", "fr", "nl", "de", "es"};
    for (size_t i = 0; i < 5; i++)
        ck_assert_str_eq(template_default_languages[i], langs[i]);
    ck_assert_ptr_null(template_default_languages[5]);

    for (size_t i = 0; i < 5; i++) {
        ck_assert(template_has_defaults(langs[i]));
        for (int k = 0; k < TEMPLATE_KINDS; k++) {
            for (int c = 0; c < TEMPLATE_CHANNELS; c++) {
                const char *subject = "x", *body = "x";
                ck_assert(template_default(k, c, langs[i], &subject, &body));
                assert_valid(body, TEMPLATE_BODY);
                /* the local start time as HH:MM and the calendar's name */
                ck_assert_msg(strstr(body, "{time}") && strstr(body, "{calendar}"), "%s %d %d: %s",
                              langs[i], k, c, body);
                if (c == TEMPLATE_SMS) {
                    ck_assert_ptr_null(subject);
                } else {
                    ck_assert_ptr_nonnull(subject);
                    assert_valid(subject, TEMPLATE_SUBJECT);
                    ck_assert(strstr(subject, "{time}") && strstr(subject, "{date}"));
                    ck_assert(strstr(body, "{patient_name}") && strstr(body, "{center}"));
                }
                /* a translation, not a copy of the English */
                const char *en_subject, *en_body;
                ck_assert(template_default(k, c, "en", &en_subject, &en_body));
                if (i > 0)
                    ck_assert_str_ne(body, en_body);
            }
        }
    }
    const char *subject = "x", *body = "x";
    ck_assert(template_default(TEMPLATE_REMINDER, TEMPLATE_SMS, "FR", &subject, &body));
    ck_assert(strstr(body, "Rappel"));
    ck_assert(!template_default(TEMPLATE_REMINDER, TEMPLATE_EMAIL, "it", &subject, &body));
    ck_assert_ptr_null(subject);
    ck_assert_ptr_null(body);
    ck_assert(!template_default(TEMPLATE_REMINDER, TEMPLATE_EMAIL, NULL, &subject, &body));
    ck_assert(!template_has_defaults("it"));
    ck_assert(!template_has_defaults(""));
    ck_assert(!template_has_defaults(NULL));
    ck_assert(!template_has_defaults("eng"));
}
END_TEST

START_TEST(sms_defaults_fit_one_gsm7_segment)
{
    /* the sample (Sophie Janssens with Thomas Peeters) at a typical
     * practice, and longer names that still occur */
    template_values usual = sample();
    template_values longer = usual;
    longer.calendar_first_name = "Anne-Sophie";
    longer.calendar_last_name = "Vandenberghe";
    longer.center = "Centre médical Saint-Michel";
    for (size_t i = 0; template_default_languages[i]; i++) {
        for (int k = 0; k < TEMPLATE_KINDS; k++) {
            const char *subject, *body;
            ck_assert(
                template_default(k, TEMPLATE_SMS, template_default_languages[i], &subject, &body));
            const template_values *vs[] = {&usual, &longer};
            for (size_t j = 0; j < 2; j++) {
                const char *text = render(body, TEMPLATE_BODY, vs[j]);
                sms_size size;
                ck_assert(sms_text_measure(text, strlen(text), &size));
                ck_assert_msg(size.encoding == SMS_GSM7, "not GSM-7: %s", text);
                ck_assert_msg(size.segments == 1, "%zu septets: %s", size.units, text);
            }
        }
    }
}
END_TEST

START_TEST(reminder_sms_asks_for_the_reply_keywords)
{
    /* the keywords the reply handler knows in each language */
    static const char *const keywords[][3] = {{"en", "YES", "NO"},
                                              {"fr", "OUI", "NON"},
                                              {"nl", "JA", "NEE"},
                                              {"de", "JA", "NEIN"},
                                              {"es", "SI", "NO"}};
    for (size_t i = 0; i < 5; i++) {
        const char *subject, *body;
        ck_assert(
            template_default(TEMPLATE_REMINDER, TEMPLATE_SMS, keywords[i][0], &subject, &body));
        ck_assert_msg(strstr(body, keywords[i][1]) && strstr(body, keywords[i][2]), "%s: %s",
                      keywords[i][0], body);
    }
}
END_TEST

START_TEST(default_messages_rendered)
{
    template_values v = sample();
    const char *subject, *body;
    ck_assert(template_default(TEMPLATE_REMINDER, TEMPLATE_EMAIL, "en", &subject, &body));
    ck_assert_str_eq(render(subject, TEMPLATE_SUBJECT, &v),
                     "Reminder: your appointment on 2026-03-30 at 09:00");
    ck_assert_str_eq(render(body, TEMPLATE_BODY, &v),
                     "Dear Sophie Janssens,\n\n"
                     "This is a reminder of your appointment with Thomas Peeters on 2026-03-30 "
                     "at 09:00.\n\n"
                     "If you cannot come, please let us know as soon as possible so that we can "
                     "offer the time to another patient.\n\n"
                     "Kind regards,\n"
                     "Cabinet médical du Parc\n"
                     "Rue de la Loi 16, 1000 Bruxelles\n");
    ck_assert(template_default(TEMPLATE_REMINDER, TEMPLATE_SMS, "fr", &subject, &body));
    ck_assert_str_eq(render(body, TEMPLATE_BODY, &v),
                     "Rappel : RDV avec Thomas Peeters le 2026-03-30 à 09:00 (Cabinet médical du "
                     "Parc). Répondez OUI pour confirmer ou NON pour annuler.");
    ck_assert(template_default(TEMPLATE_CANCELLATION, TEMPLATE_SMS, "de", &subject, &body));
    ck_assert_str_eq(render(body, TEMPLATE_BODY, &v),
                     "Ihr Termin bei Thomas Peeters am 2026-03-30 um 09:00 Uhr wurde abgesagt. "
                     "Cabinet médical du Parc");
    /* no default leaves a brace behind */
    for (size_t i = 0; template_default_languages[i]; i++) {
        for (int k = 0; k < TEMPLATE_KINDS; k++) {
            for (int c = 0; c < TEMPLATE_CHANNELS; c++) {
                ck_assert(template_default(k, c, template_default_languages[i], &subject, &body));
                const char *text = render(body, TEMPLATE_BODY, &v);
                ck_assert(!strchr(text, '{') && !strchr(text, '}'));
                ck_assert(strstr(text, "09:00") && strstr(text, "Thomas Peeters"));
            }
        }
    }
}
END_TEST

/* ---- language ------------------------------------------------------------- */

START_TEST(language_choice)
{
    const char *none[] = {NULL};
    ck_assert_str_eq(template_choose_language("fr", "nl", none, 0), "fr");
    ck_assert_str_eq(template_choose_language("it", "nl", none, 0), "nl");
    ck_assert_str_eq(template_choose_language("it", "pt", none, 0), "en");
    ck_assert_str_eq(template_choose_language(NULL, "de", none, 0), "de");
    ck_assert_str_eq(template_choose_language("", "de", none, 0), "de");
    ck_assert_str_eq(template_choose_language(NULL, NULL, none, 0), "en");
    ck_assert_str_eq(template_choose_language("", "", NULL, 0), "en");
    ck_assert_str_eq(template_choose_language("FR", "nl", none, 0), "fr");
    ck_assert_str_eq(template_choose_language("it", "ES", none, 0), "es");

    /* a custom template makes a language usable */
    const char *custom[] = {"pt", NULL, "it"};
    const char *lang = template_choose_language("it", "nl", custom, 3);
    ck_assert_ptr_eq(lang, custom[2]);
    ck_assert_ptr_eq(template_choose_language("IT", "nl", custom, 3), custom[2]);
    ck_assert_ptr_eq(template_choose_language("pl", "pt", custom, 3), custom[0]);
    ck_assert_str_eq(template_choose_language("pl", "ru", custom, 3), "en");
    /* the patient's language comes first, even when the center's has a
     * custom template */
    ck_assert_str_eq(template_choose_language("de", "it", custom, 3), "de");
    /* a custom template in a language that also has defaults */
    const char *fr[] = {"fr"};
    ck_assert_ptr_eq(template_choose_language("fr", "nl", fr, 1), fr[0]);
}
END_TEST

/* ---- checking ------------------------------------------------------------- */

START_TEST(valid_templates)
{
    assert_valid("Hello {first_name}", TEMPLATE_BODY);
    assert_valid("Prix: {{prix}} {center}", TEMPLATE_BODY);
    assert_valid("{{{time}}}", TEMPLATE_BODY);
    assert_valid("}}{{", TEMPLATE_BODY);
    assert_valid("\tIndented\r\nlines\n", TEMPLATE_BODY);
    assert_valid("{patient_name}{first_name}{last_name}{date}{time}{calendar}{center}{address}",
                 TEMPLATE_SUBJECT);
    assert_valid("Zoë, ça marche ? 😀 €", TEMPLATE_SUBJECT);
    assert_valid("x", TEMPLATE_SUBJECT);
}
END_TEST

START_TEST(invalid_templates_say_why)
{
    static const struct {
        const char *text;
        template_part part;
        const char *message; /* the start of the message */
        size_t offset;
    } bad[] = {
        {"Hello {fist_name}", TEMPLATE_BODY,
         "has an unknown placeholder {fist_name}; the placeholders "
         "are {patient_name}, {first_name}, {last_name}, "
         "{date}, {time}, {calendar}, {center}, {address}",
         6},
        {"Dear {patient name}", TEMPLATE_BODY, "has an unknown placeholder {patient name};", 5},
        {"At {Time}", TEMPLATE_SUBJECT, "has an unknown placeholder {Time};", 3},
        {"{}", TEMPLATE_BODY, "has an unknown placeholder {};", 0},
        {"Hello {", TEMPLATE_BODY,
         "has an unbalanced brace: the { at character 7 is not closed (write {{ for a literal "
         "brace)",
         6},
        {"Hi {first_name", TEMPLATE_BODY,
         "has an unbalanced brace: the { at character 4 is not closed", 3},
        {"{first_name {last_name}", TEMPLATE_BODY,
         "has an unbalanced brace: the { at character 1 is not closed", 0},
        {"Hello }", TEMPLATE_BODY,
         "has an unbalanced brace: the } at character 7 has no opening { (write }} for a literal "
         "brace)",
         6},
        {"{time}} ok", TEMPLATE_BODY,
         "has an unbalanced brace: the } at character 7 has no opening {", 6},
        {"ééé {", TEMPLATE_BODY, "has an unbalanced brace: the { at character 5 is not closed", 7},
        {"{a\nb}", TEMPLATE_BODY, "has an unknown placeholder at character 1;", 0},
        {"Line\nbreak", TEMPLATE_SUBJECT,
         "must be a single line (a control character at character 5)", 4},
        {"Tab\there", TEMPLATE_SUBJECT, "must be a single line", 3},
        {"Bell\x07", TEMPLATE_BODY, "has a control character (U+0007) at character 5", 4},
        {"Del\x7f", TEMPLATE_BODY, "has a control character (U+007F) at character 4", 3},
        {"", TEMPLATE_BODY, "must not be empty", 0},
        {" \r\n\t", TEMPLATE_BODY, "must not be empty", 0},
        {"", TEMPLATE_SUBJECT, "must not be empty", 0},
        {"caf\xC3", TEMPLATE_BODY, "is not valid UTF-8", 0},
        {"\xED\xA0\x80", TEMPLATE_SUBJECT, "is not valid UTF-8", 0},
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        template_error err = {.offset = 999};
        ck_assert_msg(!template_check(bad[i].text, bad[i].part, &err), "accepted \"%s\"",
                      bad[i].text);
        ck_assert_msg(starts_with(err.message, bad[i].message), "\"%s\": %s", bad[i].text,
                      err.message);
        ck_assert_uint_eq(err.offset, bad[i].offset);
    }
}
END_TEST

START_TEST(long_names_and_texts)
{
    template_error err;
    /* an unknown name is quoted up to 32 bytes, never inside a character */
    ck_assert(!template_check("{abcdefghijklmnopqrstuvwxyz0123456789}", TEMPLATE_BODY, &err));
    ck_assert_msg(starts_with(err.message,
                              "has an unknown placeholder {abcdefghijklmnopqrstuvwxyz012345...};"),
                  "%s", err.message);
    ck_assert(!template_check("{abcdefghijklmnopqrstuvwxyz01234é6789}", TEMPLATE_BODY, &err));
    ck_assert_msg(starts_with(err.message,
                              "has an unknown placeholder {abcdefghijklmnopqrstuvwxyz01234...};"),
                  "%s", err.message);

    static char text[TEMPLATE_BODY_MAX + 2];
    memset(text, 'a', TEMPLATE_SUBJECT_MAX);
    text[TEMPLATE_SUBJECT_MAX] = '\0';
    assert_valid(text, TEMPLATE_SUBJECT);
    text[TEMPLATE_SUBJECT_MAX] = 'a';
    text[TEMPLATE_SUBJECT_MAX + 1] = '\0';
    ck_assert(!template_check(text, TEMPLATE_SUBJECT, &err));
    ck_assert_str_eq(err.message, "is longer than 255 bytes");
    assert_valid(text, TEMPLATE_BODY);
    memset(text, 'a', TEMPLATE_BODY_MAX);
    text[TEMPLATE_BODY_MAX] = '\0';
    assert_valid(text, TEMPLATE_BODY);
    text[TEMPLATE_BODY_MAX] = 'a';
    text[TEMPLATE_BODY_MAX + 1] = '\0';
    ck_assert(!template_check(text, TEMPLATE_BODY, &err));
    ck_assert_str_eq(err.message, "is longer than 8192 bytes");
}
END_TEST

/* ---- rendering ------------------------------------------------------------ */

START_TEST(placeholders_and_braces)
{
    template_values v = sample();
    ck_assert_str_eq(
        render("{patient_name}|{first_name}|{last_name}|{date}|{time}|{calendar}|{center}|"
               "{address}",
               TEMPLATE_BODY, &v),
        "Sophie Janssens|Sophie|Janssens|2026-03-30|09:00|Thomas Peeters|Cabinet médical du "
        "Parc|Rue de la Loi 16, 1000 Bruxelles");
    ck_assert_str_eq(render("{{time}} is {time}, {{{time}}}; }}{{", TEMPLATE_BODY, &v),
                     "{time} is 09:00, {09:00}; }{");
    /* a part of a name missing leaves no stray space */
    v.last_name = "";
    v.calendar_first_name = NULL;
    ck_assert_str_eq(render("[{patient_name}] [{calendar}]", TEMPLATE_BODY, &v),
                     "[Sophie] [Peeters]");
    v.first_name = NULL;
    v.last_name = "Janssens";
    v.calendar_last_name = "";
    v.address = NULL;
    ck_assert_str_eq(
        render("[{patient_name}] [{calendar}] [{address}] [{first_name}]", TEMPLATE_BODY, &v),
        "[Janssens] [] [] []");
}
END_TEST

START_TEST(local_date_and_time_across_changes)
{
    template_values v = sample();
    static const struct {
        const char *zone;
        int64_t start;
        const char *want;
    } cases[] = {
        {"Europe/Brussels", 0, "2026-03-30 09:00"},          /* the sample itself */
        {"Europe/Brussels", 1774747800, "2026-03-29 03:30"}, /* 01:30Z, just after the jump */
        {"Europe/Brussels", 1774742400, "2026-03-29 01:00"}, /* 00:00Z, CET */
        {"Europe/Brussels", 1774823400, "2026-03-30 00:30"}, /* 22:30Z the day before */
        {"Europe/Brussels", 1792888200, "2026-10-25 02:30"}, /* 00:30Z, the first 02:30 */
        {"Europe/Brussels", 1792891800, "2026-10-25 02:30"}, /* 01:30Z, the second */
        {"America/New_York", 1774747800, "2026-03-28 21:30"},
        {"UTC", 1774747800, "2026-03-29 01:30"},
        {"Asia/Kolkata", 1774747800, "2026-03-29 07:00"},
    };
    ck_assert_int_eq(v.start, utc(2026, 3, 30, 7, 0));
    ck_assert_int_eq(utc(2026, 3, 29, 1, 30), 1774747800);
    ck_assert_int_eq(utc(2026, 3, 29, 22, 30), 1774823400);
    ck_assert_int_eq(utc(2026, 10, 25, 0, 30), 1792888200);
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        if (cases[i].start != 0)
            v.start = cases[i].start;
        v.zone = zone(cases[i].zone);
        ck_assert_str_eq(render("{date} {time}", TEMPLATE_SUBJECT, &v), cases[i].want);
    }
}
END_TEST

START_TEST(subjects_stay_one_line)
{
    template_values v = sample();
    v.center = "Evil\r\nBcc: all@example.org";
    v.first_name = "Tab\there";
    ck_assert_str_eq(render("{center} {first_name}", TEMPLATE_SUBJECT, &v),
                     "Evil  Bcc: all@example.org Tab here");
    /* a body takes values as they are */
    ck_assert_str_eq(render("{center}", TEMPLATE_BODY, &v), "Evil\r\nBcc: all@example.org");
}
END_TEST

START_TEST(the_buffer_limit_holds)
{
    template_values v = sample();
    buf b;
    /* "Hello Sophie Janssens" is 21 bytes */
    buf_init(&b, 21, NULL);
    ck_assert_int_eq(template_render("Hello {patient_name}", TEMPLATE_BODY, &v, &b), TEMPLATE_OK);
    ck_assert_str_eq(b.data, "Hello Sophie Janssens");
    buf_free(&b);
    buf_init(&b, 20, NULL);
    ck_assert_int_eq(template_render("Hello {patient_name}", TEMPLATE_BODY, &v, &b),
                     TEMPLATE_TOO_LONG);
    buf_free(&b);
    buf_init(&b, 20, NULL);
    ck_assert_int_eq(template_render("Hello {{ and more text than fits", TEMPLATE_BODY, &v, &b),
                     TEMPLATE_TOO_LONG);
    buf_free(&b);
    /* rendering appends */
    buf_init(&b, 100, NULL);
    ck_assert(buf_add(&b, "> ", 2));
    ck_assert_int_eq(template_render("{time}", TEMPLATE_BODY, &v, &b), TEMPLATE_OK);
    ck_assert_str_eq(b.data, "> 09:00");
    buf_free(&b);
    /* a text that is no template */
    static const char *const invalid[] = {"Hello {", "Hello }", "{nope}"};
    for (size_t i = 0; i < 3; i++) {
        buf_init(&b, 100, NULL);
        ck_assert_int_eq(template_render(invalid[i], TEMPLATE_BODY, &v, &b), TEMPLATE_INVALID);
        buf_free(&b);
    }
}
END_TEST

START_TEST(sample_values)
{
    template_values v;
    template_sample(&v, "Centre", NULL, zone("America/New_York"));
    ck_assert_str_eq(v.first_name, "Sophie");
    ck_assert_str_eq(v.last_name, "Janssens");
    ck_assert_str_eq(v.calendar_first_name, "Thomas");
    ck_assert_str_eq(v.calendar_last_name, "Peeters");
    ck_assert_str_eq(v.center, "Centre");
    ck_assert_ptr_null(v.address);
    ck_assert_int_eq(v.start, utc(2026, 3, 30, 13, 0)); /* 09:00 EDT */
    ck_assert_str_eq(render("{date} {time} at {center}{address}", TEMPLATE_BODY, &v),
                     "2026-03-30 09:00 at Centre");
}
END_TEST

Suite *suite_template(void)
{
    Suite *s = suite_create("template");
    TCase *tc = tcase_create("core");
    tcase_add_test(tc, kind_and_channel_names);
    tcase_add_test(tc, defaults_in_five_languages);
    tcase_add_test(tc, sms_defaults_fit_one_gsm7_segment);
    tcase_add_test(tc, reminder_sms_asks_for_the_reply_keywords);
    tcase_add_test(tc, default_messages_rendered);
    tcase_add_test(tc, language_choice);
    tcase_add_test(tc, valid_templates);
    tcase_add_test(tc, invalid_templates_say_why);
    tcase_add_test(tc, long_names_and_texts);
    tcase_add_test(tc, placeholders_and_braces);
    tcase_add_test(tc, local_date_and_time_across_changes);
    tcase_add_test(tc, subjects_stay_one_line);
    tcase_add_test(tc, the_buffer_limit_holds);
    tcase_add_test(tc, sample_values);
    suite_add_tcase(s, tc);
    return s;
}
