/* test_feed.c - the outgoing feed's rendering (sync/feed.c), read back with
 * libical's parser: the calendar's properties and VTIMEZONE, one VEVENT per
 * item with its UID, SEQUENCE, times in the center's zone (UTC when the
 * zone is unknown), DTSTAMP and LAST-MODIFIED, SUMMARY's rules (patient
 * names only with the option) and STATUS; the text is the same for the
 * same data (the ETag hashes it) and the UID does not follow the times;
 * the ETag changes with every field the text is made of (patient names
 * only when shown); If-None-Match lists are matched. */
#include <check.h>
#include <libical/ical.h>
#include <string.h>

#include "../suites.h"
#include "sync/feed.h"

static arena *a;

static void setup(void)
{
    a = arena_new(1 << 22);
}

static void teardown(void)
{
    arena_free(a);
}

/* 2026-10-06T08:00:00Z: 10:00 in Brussels (CEST); items changed at 2026-09-21T14:13:20Z */
#define TEN 1791273600

static feed_item item(int64_t id, int64_t start, const char *title)
{
    return (feed_item){.id = id,
                       .start = start,
                       .stop = start + 1800,
                       .title = title,
                       .status = APPT_BOOKED,
                       .updated_at = 1790000000,
                       .version = 3};
}

static const char *render(const feed_doc *d)
{
    const char *err = NULL;
    const char *text = feed_render(d, a, &err);
    ck_assert_msg(text != NULL, "%s", err ? err : "?");
    return text;
}

static icalcomponent *parse(const char *text)
{
    icalcomponent *c = icalparser_parse_string(text);
    ck_assert_ptr_nonnull(c);
    ck_assert_int_eq(icalcomponent_isa(c), ICAL_VCALENDAR_COMPONENT);
    return c;
}

/* The n-th VEVENT of cal. */
static icalcomponent *event(icalcomponent *cal, int n)
{
    icalcomponent *e = icalcomponent_get_first_component(cal, ICAL_VEVENT_COMPONENT);
    while (e && n-- > 0)
        e = icalcomponent_get_next_component(cal, ICAL_VEVENT_COMPONENT);
    ck_assert_ptr_nonnull(e);
    return e;
}

static const char *prop_text(icalcomponent *c, icalproperty_kind kind)
{
    icalproperty *p = icalcomponent_get_first_property(c, kind);
    ck_assert_ptr_nonnull(p);
    return icalproperty_get_value_as_string(p);
}

START_TEST(a_calendar_with_its_zone_and_one_event_per_item)
{
    feed_item items[] = {item(7, TEN, "Consultation"), item(8, TEN + 3600, "Cancelled one"),
                         item(9, TEN + 7200, "Deleted one"), item(10, TEN + 9000, "No-show")};
    items[1].status = APPT_CANCELLED;
    items[2].deleted = true;
    items[3].status = APPT_NOSHOW;
    feed_doc d = {.calendar_name = "Anna Peeters",
                  .timezone = "Europe/Brussels",
                  .salt = "0123456789abcdef",
                  .items = items,
                  .n = 4};
    const char *text = render(&d);
    ck_assert_ptr_nonnull(strstr(text, "\r\n"));
    icalcomponent *cal = parse(text);
    ck_assert_str_eq(prop_text(cal, ICAL_VERSION_PROPERTY), "2.0");
    ck_assert_str_eq(prop_text(cal, ICAL_PRODID_PROPERTY), FEED_PRODID);
    ck_assert_ptr_null(icalcomponent_get_first_property(cal, ICAL_METHOD_PROPERTY));
    icalproperty *x = icalcomponent_get_first_property(cal, ICAL_X_PROPERTY);
    ck_assert_str_eq(icalproperty_get_x_name(x), "X-WR-CALNAME");
    ck_assert_str_eq(icalproperty_get_x(x), "Anna Peeters");
    icalcomponent *tz = icalcomponent_get_first_component(cal, ICAL_VTIMEZONE_COMPONENT);
    ck_assert_ptr_nonnull(tz);
    ck_assert_str_eq(prop_text(tz, ICAL_TZID_PROPERTY), "Europe/Brussels");
    ck_assert_int_eq(icalcomponent_count_components(cal, ICAL_VEVENT_COMPONENT), 4);

    icalcomponent *e = event(cal, 0);
    ck_assert_str_eq(icalcomponent_get_uid(e), "7-0123456789abcdef@agenda");
    ck_assert_int_eq(icalcomponent_get_sequence(e), 3);
    icalproperty *start = icalcomponent_get_first_property(e, ICAL_DTSTART_PROPERTY);
    ck_assert_str_eq(
        icalparameter_get_tzid(icalproperty_get_first_parameter(start, ICAL_TZID_PARAMETER)),
        "Europe/Brussels");
    ck_assert_str_eq(icalproperty_get_value_as_string(start), "20261006T100000");
    ck_assert_str_eq(prop_text(e, ICAL_DTEND_PROPERTY), "20261006T103000");
    ck_assert_str_eq(prop_text(e, ICAL_DTSTAMP_PROPERTY), "20260921T141320Z");
    ck_assert_str_eq(prop_text(e, ICAL_LASTMODIFIED_PROPERTY), "20260921T141320Z");
    ck_assert_str_eq(icalcomponent_get_summary(e), "Consultation");
    ck_assert_int_eq(icalcomponent_get_status(e), ICAL_STATUS_CONFIRMED);
    ck_assert_int_eq(icalcomponent_get_status(event(cal, 1)), ICAL_STATUS_CANCELLED);
    ck_assert_int_eq(icalcomponent_get_status(event(cal, 2)), ICAL_STATUS_CANCELLED);
    ck_assert_int_eq(icalcomponent_get_status(event(cal, 3)), ICAL_STATUS_CONFIRMED);
    icalcomponent_free(cal);
}
END_TEST

START_TEST(an_unknown_zone_writes_utc)
{
    feed_item items[] = {item(7, TEN, "Consultation")};
    static const char *const zones[] = {"Nowhere/Land", "UTC", ""};
    for (size_t i = 0; i < sizeof zones / sizeof zones[0]; i++) {
        feed_doc d = {.calendar_name = "Anna Peeters",
                      .timezone = zones[i],
                      .salt = "0123456789abcdef",
                      .items = items,
                      .n = 1};
        icalcomponent *cal = parse(render(&d));
        ck_assert_ptr_null(icalcomponent_get_first_component(cal, ICAL_VTIMEZONE_COMPONENT));
        ck_assert_str_eq(prop_text(event(cal, 0), ICAL_DTSTART_PROPERTY), "20261006T080000Z");
        icalcomponent_free(cal);
    }
}
END_TEST

START_TEST(summary_rules_and_patient_names_only_with_the_option)
{
    feed_item items[] = {item(1, TEN, "Visit; first, of two"), item(2, TEN, ""), item(3, TEN, ""),
                         item(4, TEN, "Bell\arang")};
    items[0].patient_first_name = "Wouter";
    items[0].patient_last_name = "Claes";
    items[1].service_name = "Check-up";
    feed_doc d = {.calendar_name = "Anna Peeters",
                  .timezone = "Europe/Brussels",
                  .salt = "0123456789abcdef",
                  .items = items,
                  .n = 4};
    const char *without = render(&d);
    ck_assert_ptr_null(strstr(without, "Wouter"));
    icalcomponent *cal = parse(without);
    ck_assert_str_eq(icalcomponent_get_summary(event(cal, 0)), "Visit; first, of two");
    ck_assert_str_eq(icalcomponent_get_summary(event(cal, 1)), "Check-up");
    ck_assert_str_eq(icalcomponent_get_summary(event(cal, 2)), "Appointment");
    ck_assert_str_eq(icalcomponent_get_summary(event(cal, 3)), "Bell rang");
    icalcomponent_free(cal);

    d.patient_names = true;
    cal = parse(render(&d));
    ck_assert_str_eq(icalcomponent_get_summary(event(cal, 0)),
                     "Visit; first, of two (Wouter Claes)");
    ck_assert_str_eq(icalcomponent_get_summary(event(cal, 1)), "Check-up"); /* no patient */
    icalcomponent_free(cal);
}
END_TEST

START_TEST(the_same_data_gives_the_same_text_and_a_move_keeps_the_uid)
{
    feed_item items[] = {item(7, TEN, "Consultation")};
    feed_doc d = {.calendar_name = "Anna Peeters",
                  .timezone = "Europe/Brussels",
                  .salt = "0123456789abcdef",
                  .items = items,
                  .n = 1};
    const char *first = render(&d);
    ck_assert_str_eq(render(&d), first);
    items[0].start += 86400;
    items[0].stop += 86400;
    items[0].version++;
    const char *moved = render(&d);
    ck_assert_str_ne(moved, first);
    icalcomponent *before = parse(first), *after = parse(moved);
    ck_assert_str_eq(icalcomponent_get_uid(event(after, 0)),
                     icalcomponent_get_uid(event(before, 0)));
    ck_assert_int_eq(icalcomponent_get_sequence(event(after, 0)), 4);
    icalcomponent_free(before);
    icalcomponent_free(after);
    /* another feed's salt: other UIDs */
    d.salt = "fedcba9876543210";
    ck_assert_ptr_nonnull(strstr(render(&d), "UID:7-fedcba9876543210@agenda"));
}
END_TEST

START_TEST(times_libical_cannot_write_are_left_out)
{
    feed_item items[] = {item(1, TEN, "Kept"), item(2, FEED_TIME_MAX, "Too late"),
                         item(3, -100, "Too early")};
    feed_doc d = {.calendar_name = "",
                  .timezone = "Europe/Brussels",
                  .salt = "0123456789abcdef",
                  .items = items,
                  .n = 3};
    icalcomponent *cal = parse(render(&d));
    ck_assert_int_eq(icalcomponent_count_components(cal, ICAL_VEVENT_COMPONENT), 1);
    ck_assert_str_eq(icalcomponent_get_summary(event(cal, 0)), "Kept");
    icalcomponent_free(cal);
}
END_TEST

/* The ETag of d holding the one item `it`. */
static const char *etag_with(feed_doc d, feed_item it)
{
    d.items = &it;
    d.n = 1;
    const char *etag = feed_etag(&d, a);
    ck_assert_ptr_nonnull(etag);
    return etag;
}

START_TEST(the_etag_follows_everything_the_text_is_made_of)
{
    feed_item it = item(7, TEN, "Consultation");
    it.service_name = "Check-up";
    it.patient_first_name = "Wouter";
    it.patient_last_name = "Claes";
    feed_doc d = {
        .calendar_name = "Anna Peeters", .timezone = "Europe/Brussels", .salt = "0123456789abcdef"};
    const char *base = etag_with(d, it);
    ck_assert_int_eq(strlen(base), 34);
    ck_assert(base[0] == '"' && base[33] == '"');
    ck_assert_str_eq(etag_with(d, it), base);

    feed_item changed[11];
    for (size_t i = 0; i < sizeof changed / sizeof changed[0]; i++)
        changed[i] = it;
    changed[0].id++;
    changed[1].start++;
    changed[2].stop++;
    changed[3].title = "Consultation ";
    changed[4].service_name = "Check-up 2";
    changed[5].service_name = NULL;
    changed[6].status = APPT_CANCELLED;
    changed[7].deleted = true;
    changed[8].updated_at++;
    changed[9].version++;
    changed[10].title = "";
    for (size_t i = 0; i < sizeof changed / sizeof changed[0]; i++)
        ck_assert_msg(strcmp(etag_with(d, changed[i]), base) != 0, "change %zu", i);

    /* patient names count only when shown */
    feed_item renamed = it;
    renamed.patient_last_name = "Claessens";
    ck_assert_str_eq(etag_with(d, renamed), base);
    d.patient_names = true;
    const char *named = etag_with(d, it);
    ck_assert_str_ne(named, base);
    ck_assert_str_ne(etag_with(d, renamed), named);
    d.patient_names = false;

    feed_doc other = d;
    other.calendar_name = "Anna Peeters-Claes";
    ck_assert_str_ne(etag_with(other, it), base);
    other = d;
    other.timezone = "Europe/Paris";
    ck_assert_str_ne(etag_with(other, it), base);
    other = d;
    other.salt = "fedcba9876543210";
    ck_assert_str_ne(etag_with(other, it), base);
    /* one item fewer */
    other = d;
    other.n = 0;
    ck_assert_str_ne(feed_etag(&other, a), base);
}
END_TEST

START_TEST(if_none_match_lists)
{
    const char *etag = "\"abc\"";
    ck_assert(feed_etag_matches("\"abc\"", etag));
    ck_assert(feed_etag_matches("W/\"abc\"", etag));
    ck_assert(feed_etag_matches("\"x\", \"abc\"", etag));
    ck_assert(feed_etag_matches(" \"x\" ,W/\"abc\" ", etag));
    ck_assert(feed_etag_matches("*", etag));
    ck_assert(!feed_etag_matches("\"abcd\"", etag));
    ck_assert(!feed_etag_matches("abc", etag));
    ck_assert(!feed_etag_matches("", etag));
    ck_assert(!feed_etag_matches(NULL, etag));
}
END_TEST

Suite *suite_feed(void)
{
    Suite *s = suite_create("feed");
    TCase *tc = tcase_create("feed");
    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_add_test(tc, a_calendar_with_its_zone_and_one_event_per_item);
    tcase_add_test(tc, an_unknown_zone_writes_utc);
    tcase_add_test(tc, summary_rules_and_patient_names_only_with_the_option);
    tcase_add_test(tc, the_same_data_gives_the_same_text_and_a_move_keeps_the_uid);
    tcase_add_test(tc, times_libical_cannot_write_are_left_out);
    tcase_add_test(tc, the_etag_follows_everything_the_text_is_made_of);
    tcase_add_test(tc, if_none_match_lists);
    suite_add_tcase(s, tc);
    return s;
}
