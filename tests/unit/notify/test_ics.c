/* test_ics.c - the appointment's calendar file, parsed back with libical:
 * every property, UTC times, escaping and folding of text, cancellation,
 * and each refusal. */
#include <check.h>
#include <libical/ical.h>
#include <stdlib.h>
#include <string.h>

#include "../suites.h"
#include "notify/ics.h"
#include "util/utf8.h"

#define LIMIT (64 * 1024)

/* 2026-12-03 09:00:00Z to 09:30:00Z, stamped 2026-12-01 08:00:00Z */
#define START INT64_C(1796288400)
#define STOP  INT64_C(1796290200)
#define NOW   INT64_C(1796112000)

static ics_event sample(void)
{
    return (ics_event){
        .appointment_id = 42,
        .host = "agenda.example.org",
        .version = 3,
        .now = NOW,
        .start = START,
        .stop = STOP,
        .summary = "Appointment with Dr. Jane Doe",
        .location = "Rue de la Loi 16, 1000 Brussels",
        .cancelled = false,
    };
}

/* Builds e into a fresh buffer and returns it (malloc'd). */
static char *build(const ics_event *e)
{
    buf out;
    buf_init(&out, LIMIT, NULL);
    const char *err = NULL;
    ck_assert_msg(ics_build(e, &out, &err), "refused: %s", err ? err : "");
    ck_assert_ptr_null(err);
    size_t len;
    char *text = buf_take(&out, &len);
    ck_assert_ptr_nonnull(text);
    ck_assert_uint_eq(strlen(text), len);
    return text;
}

/* Every line ends in CRLF, no bare CR or LF anywhere, no line over 75
 * octets (RFC 5545's folding), each line whole UTF-8. */
static void check_lines(const char *text)
{
    const char *line = text;
    while (*line) {
        const char *end = strstr(line, "\r\n");
        ck_assert_msg(end != NULL, "unterminated line: %s", line);
        size_t n = (size_t)(end - line);
        ck_assert_msg(n <= 75, "line of %zu octets: %.*s", n, (int)n, line);
        ck_assert_ptr_null(memchr(line, '\r', n));
        ck_assert_ptr_null(memchr(line, '\n', n));
        ck_assert_msg(utf8_valid(line, n), "line cut inside a character: %.*s", (int)n, line);
        line = end + 2;
    }
}

static icalcomponent *parse(const char *text)
{
    icalcomponent *cal = icalparser_parse_string(text);
    ck_assert_ptr_nonnull(cal);
    ck_assert_int_eq(icalcomponent_isa(cal), ICAL_VCALENDAR_COMPONENT);
    ck_assert_int_eq(icalcomponent_count_errors(cal), 0);
    ck_assert_int_eq(icalcomponent_count_components(cal, ICAL_ANY_COMPONENT), 1);
    return cal;
}

static int64_t utc_of(struct icaltimetype t)
{
    ck_assert(icaltime_is_utc(t));
    return (int64_t)icaltime_as_timet_with_zone(t, icaltimezone_get_utc_timezone());
}

START_TEST(every_property_parses_back)
{
    ics_event e = sample();
    char *text = build(&e);
    check_lines(text);
    ck_assert_msg(strncmp(text, "BEGIN:VCALENDAR\r\n", 17) == 0, "%s", text);
    ck_assert_ptr_nonnull(strstr(text, "\r\nDTSTART:20261203T090000Z\r\n"));
    ck_assert_ptr_nonnull(strstr(text, "\r\nDTEND:20261203T093000Z\r\n"));
    ck_assert_ptr_nonnull(strstr(text, "\r\nDTSTAMP:20261201T080000Z\r\n"));
    ck_assert_ptr_nonnull(strstr(text, "\r\nMETHOD:PUBLISH\r\n"));

    icalcomponent *cal = parse(text);
    icalproperty *version = icalcomponent_get_first_property(cal, ICAL_VERSION_PROPERTY);
    ck_assert_ptr_nonnull(version);
    ck_assert_str_eq(icalproperty_get_version(version), "2.0");
    icalproperty *prodid = icalcomponent_get_first_property(cal, ICAL_PRODID_PROPERTY);
    ck_assert_ptr_nonnull(prodid);
    ck_assert_str_eq(icalproperty_get_prodid(prodid), ICS_PRODID);
    ck_assert_int_eq(icalcomponent_get_method(cal), ICAL_METHOD_PUBLISH);

    icalcomponent *ev = icalcomponent_get_first_component(cal, ICAL_VEVENT_COMPONENT);
    ck_assert_ptr_nonnull(ev);
    ck_assert_str_eq(icalcomponent_get_uid(ev), "appointment-42@agenda.example.org");
    ck_assert_int_eq(icalcomponent_get_sequence(ev), 3);
    ck_assert_int_eq(utc_of(icalcomponent_get_dtstamp(ev)), NOW);
    ck_assert_int_eq(utc_of(icalcomponent_get_dtstart(ev)), START);
    ck_assert_int_eq(utc_of(icalcomponent_get_dtend(ev)), STOP);
    ck_assert_str_eq(icalcomponent_get_summary(ev), e.summary);
    ck_assert_str_eq(icalcomponent_get_location(ev), e.location);
    ck_assert_int_eq(icalcomponent_get_status(ev), ICAL_STATUS_CONFIRMED);
    icalcomponent_free(cal);
    free(text);
}
END_TEST

START_TEST(cancelled_and_without_location)
{
    ics_event e = sample();
    e.cancelled = true;
    e.location = NULL;
    e.version = 0;
    e.appointment_id = 0;
    char *text = build(&e);
    ck_assert_ptr_null(strstr(text, "LOCATION"));
    icalcomponent *cal = parse(text);
    icalcomponent *ev = icalcomponent_get_first_component(cal, ICAL_VEVENT_COMPONENT);
    ck_assert_int_eq(icalcomponent_get_status(ev), ICAL_STATUS_CANCELLED);
    ck_assert_int_eq(icalcomponent_get_sequence(ev), 0);
    ck_assert_str_eq(icalcomponent_get_uid(ev), "appointment-0@agenda.example.org");
    /* METHOD stays PUBLISH: the event is published with its new status */
    ck_assert_int_eq(icalcomponent_get_method(cal), ICAL_METHOD_PUBLISH);
    icalcomponent_free(cal);
    free(text);

    e.location = ""; /* empty is none too */
    text = build(&e);
    ck_assert_ptr_null(strstr(text, "LOCATION"));
    free(text);
}
END_TEST

/* Commas, semicolons, backslashes and line breaks come back as given; long
 * non-ASCII text is folded between characters; other control characters
 * become spaces. */
START_TEST(text_escaped_and_folded)
{
    ics_event e = sample();
    char summary[600] = "Dr. Van Hecke; \"room\" 2, floor\\1\nsecond line";
    for (int i = 0; i < 60; i++)
        strcat(summary, " \xc3\xa9\xe2\x82\xac");
    e.summary = summary;
    e.location = "Gen\xc3\xa8ve\x01here\ttab";
    char *text = build(&e);
    check_lines(text);
    icalcomponent *cal = parse(text);
    icalcomponent *ev = icalcomponent_get_first_component(cal, ICAL_VEVENT_COMPONENT);
    ck_assert_str_eq(icalcomponent_get_summary(ev), summary);
    ck_assert_str_eq(icalcomponent_get_location(ev), "Gen\xc3\xa8ve here\ttab");
    icalcomponent_free(cal);
    free(text);

    /* no summary: none written (libical's parser refuses an empty one) */
    e.summary = "";
    text = build(&e);
    ck_assert_ptr_null(strstr(text, "SUMMARY"));
    icalcomponent_free(parse(text));
    free(text);
    e.summary = NULL;
    text = build(&e);
    ck_assert_ptr_null(strstr(text, "SUMMARY"));
    free(text);
}
END_TEST

START_TEST(range_edges_accepted)
{
    ics_event e = sample();
    e.version = INT32_MAX;
    e.start = e.stop = 0;
    e.now = ICS_TIME_MAX;
    e.appointment_id = INT64_MAX;
    char *text = build(&e);
    ck_assert_ptr_nonnull(strstr(text, "DTSTART:19700101T000000Z\r\n"));
    ck_assert_ptr_nonnull(strstr(text, "DTSTAMP:30001231T235959Z\r\n"));
    ck_assert_ptr_nonnull(strstr(text, "UID:appointment-9223372036854775807@agenda.example.org"));
    ck_assert_ptr_nonnull(strstr(text, "SEQUENCE:2147483647\r\n"));
    free(text);
}
END_TEST

static void refused(const ics_event *e, const char *want)
{
    buf out;
    buf_init(&out, LIMIT, NULL);
    const char *err = NULL;
    ck_assert(!ics_build(e, &out, &err));
    ck_assert_ptr_nonnull(err);
    ck_assert_msg(strcmp(err, want) == 0, "got \"%s\", want \"%s\"", err, want);
    buf_free(&out);
}

START_TEST(refusals)
{
    ics_event e = sample();
    e.version = -1;
    refused(&e, "appointment id or version out of range");
    e.version = (int64_t)INT32_MAX + 1;
    refused(&e, "appointment id or version out of range");
    e = sample();
    e.appointment_id = -5;
    refused(&e, "appointment id or version out of range");
    e = sample();
    const char *hosts[] = {"", "bad host", "a@b", "x\r\ny", "h\xc3\xa9.org", "a/b"};
    for (size_t i = 0; i < sizeof hosts / sizeof hosts[0]; i++) {
        e.host = hosts[i];
        refused(&e, "the calendar's host name is empty or not a host name");
    }
    e = sample();
    e.stop = e.start - 1;
    refused(&e, "the appointment ends before it starts");
    e = sample();
    e.start = -1;
    refused(&e, "time out of range for a calendar");
    e = sample();
    e.stop = ICS_TIME_MAX + 1;
    refused(&e, "time out of range for a calendar");
    e = sample();
    e.now = INT64_MIN;
    refused(&e, "time out of range for a calendar");
    e = sample();
    e.summary = "caf\xe9";
    refused(&e, "calendar text is not UTF-8");
    e = sample();
    e.location = "\xc3";
    refused(&e, "calendar text is not UTF-8");

    e = sample();
    buf small;
    buf_init(&small, 100, NULL);
    const char *err = NULL;
    ck_assert(!ics_build(&e, &small, &err));
    ck_assert_str_eq(err, "calendar too large");
    buf_free(&small);
}
END_TEST

Suite *suite_ics(void)
{
    Suite *s = suite_create("ics");
    TCase *tc = tcase_create("core");
    tcase_add_test(tc, every_property_parses_back);
    tcase_add_test(tc, cancelled_and_without_location);
    tcase_add_test(tc, text_escaped_and_folded);
    tcase_add_test(tc, range_edges_accepted);
    tcase_add_test(tc, refusals);
    suite_add_tcase(s, tc);
    return s;
}
