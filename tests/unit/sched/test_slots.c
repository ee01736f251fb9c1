/* test_slots.c - the slot engine: weekly ranges with breaks, absences,
 * overlapping and touching busy intervals, closing time, the step grid,
 * Europe/Brussels on the days the clocks change (exact slot lists with
 * offsets), Asia/Kolkata, ranges ending at 24:00, limit, `now`, extra
 * openings, the busy_longest shortcut, input limits, the multi-calendar
 * merge and ISO 8601 rendering.  Expected slots are written as the local
 * ISO 8601 strings the API will show. */
#include <check.h>
#include <stdint.h>
#include <string.h>

#include "../suites.h"
#include "sched/civil.h"
#include "sched/slots.h"

#define MIN  60
#define HOUR 3600

enum { MON, TUE, WED, THU, FRI, SAT, SUN };

static arena *A;

static void setup(void)
{
    A = arena_new(ARENA_DEFAULT_LIMIT);
    ck_assert_ptr_nonnull(A);
}

static void teardown(void)
{
    arena_free(A);
    A = NULL;
}

static const tzfile *zone(const char *name)
{
    const tzfile *z = NULL;
    ck_assert_int_eq(tzfile_get(name, &z), TZFILE_OK);
    return z;
}

/* The instant of a local wall time (unique: not on a gap or repeat). */
static int64_t at(const tzfile *z, int64_t y, int mo, int d, int h, int mi)
{
    int64_t v[TZFILE_MAX_MATCHES];
    int64_t local = civil_days_from_date(y, mo, d) * 86400 + h * HOUR + mi * MIN;
    ck_assert_uint_eq(tzfile_local_to_utc(z, local, v), 1);
    return v[0];
}

/* A Brussels query over Monday 2026-02-09 (CET, +01:00): step 15, a 30
 * minute service, a high limit, no `now`. */
static slots_query monday(const slots_range *weekly, size_t n)
{
    const tzfile *z = zone("Europe/Brussels");
    return (slots_query){.zone = z,
                         .weekly = weekly,
                         .weekly_count = n,
                         .from = at(z, 2026, 2, 9, 0, 0),
                         .to = at(z, 2026, 2, 10, 0, 0),
                         .now = 0,
                         .step = 15,
                         .duration = 30,
                         .limit = 1000};
}

static size_t run(const slots_query *q, slots_slot **out)
{
    size_t n = 99;
    ck_assert_int_eq(slots_compute(q, A, out, &n), SLOTS_OK);
    return n;
}

/* Checks the slots against local ISO 8601 starts, and that each stops
 * `duration` later. */
static void expect(const slots_query *q, const char *const *want, size_t nwant)
{
    slots_slot *s = NULL;
    size_t n = run(q, &s);
    for (size_t i = 0; i < n && i < nwant; i++) {
        char buf[SLOTS_ISO8601_SIZE];
        ck_assert_uint_gt(slots_format_iso8601(s[i].start, s[i].utc_offset, buf, sizeof buf), 0);
        ck_assert_msg(strcmp(buf, want[i]) == 0, "slot %zu: got %s, want %s", i, buf, want[i]);
        ck_assert_int_eq(s[i].stop - s[i].start, (int64_t)q->duration * MIN);
        ck_assert_int_eq(s[i].utc_offset, tzfile_offset_at(q->zone, s[i].start));
        if (i > 0)
            ck_assert_int_lt(s[i - 1].start, s[i].start);
    }
    ck_assert_uint_eq(n, nwant);
    if (n == 0)
        ck_assert_ptr_null(s);
}

#define EXPECT(q, ...)                                                                             \
    do {                                                                                           \
        const char *const want_[] = {__VA_ARGS__};                                                 \
        expect((q), want_, sizeof want_ / sizeof want_[0]);                                        \
    } while (0)

static const slots_range SPLIT[] = {{MON, 8 * 60 + 30, 12 * 60}, {MON, 13 * 60, 17 * 60 + 30}};

START_TEST(ranges_split_by_a_break)
{
    slots_query q = monday(SPLIT, 2);
    q.step = 60;
    q.duration = 60;
    /* 11:30 and 16:30 would end after closing */
    EXPECT(&q, "2026-02-09T08:30:00+01:00", "2026-02-09T09:30:00+01:00",
           "2026-02-09T10:30:00+01:00", "2026-02-09T13:00:00+01:00", "2026-02-09T14:00:00+01:00",
           "2026-02-09T15:00:00+01:00", "2026-02-09T16:00:00+01:00");
    /* other days of the week are closed */
    q.from = at(q.zone, 2026, 2, 10, 0, 0);
    q.to = at(q.zone, 2026, 2, 16, 0, 0);
    expect(&q, NULL, 0);
}
END_TEST

START_TEST(step_grid_with_a_longer_service)
{
    const slots_range r[] = {{MON, 9 * 60, 10 * 60}};
    slots_query q = monday(r, 1);
    q.step = 15;
    q.duration = 20;
    EXPECT(&q, "2026-02-09T09:00:00+01:00", "2026-02-09T09:15:00+01:00",
           "2026-02-09T09:30:00+01:00");
    /* ending exactly at closing is fine, one minute past it is not */
    q.duration = 45;
    EXPECT(&q, "2026-02-09T09:00:00+01:00", "2026-02-09T09:15:00+01:00");
    q.duration = 46;
    EXPECT(&q, "2026-02-09T09:00:00+01:00");
    q.duration = 60;
    EXPECT(&q, "2026-02-09T09:00:00+01:00");
    q.duration = 61;
    expect(&q, NULL, 0);
    q.duration = 20;
    q.step = 0; /* the default step is 15 */
    EXPECT(&q, "2026-02-09T09:00:00+01:00", "2026-02-09T09:15:00+01:00",
           "2026-02-09T09:30:00+01:00");
}
END_TEST

START_TEST(absences_cut_a_range)
{
    const slots_range r[] = {{MON, 8 * 60, 12 * 60}};
    slots_query q = monday(r, 1);
    const slots_interval absent[] = {
        {at(q.zone, 2026, 2, 9, 9, 10), at(q.zone, 2026, 2, 9, 10, 20)},
        {at(q.zone, 2026, 2, 10, 9, 0), at(q.zone, 2026, 2, 10, 9, 0)}};
    q.absences = absent;
    q.absences_count = 2;
    q.step = 30;
    /* the grid stays anchored at 08:00: 10:20 is not a start, 10:30 is */
    EXPECT(&q, "2026-02-09T08:00:00+01:00", "2026-02-09T08:30:00+01:00",
           "2026-02-09T10:30:00+01:00", "2026-02-09T11:00:00+01:00", "2026-02-09T11:30:00+01:00");
    /* an absence covering the whole day */
    const slots_interval all_day[] = {{q.from, q.to}};
    q.absences = all_day;
    q.absences_count = 1;
    expect(&q, NULL, 0);
}
END_TEST

START_TEST(busy_overlapping_and_touching)
{
    const slots_range r[] = {{MON, 9 * 60, 12 * 60}};
    slots_query q = monday(r, 1);
    const tzfile *z = q.zone;
    const slots_interval busy[] = {
        {at(z, 2026, 2, 9, 9, 0), at(z, 2026, 2, 9, 9, 30)},  /* double booking: */
        {at(z, 2026, 2, 9, 9, 15), at(z, 2026, 2, 9, 9, 45)}, /* overlaps the first */
        {at(z, 2026, 2, 9, 9, 45), at(z, 2026, 2, 9, 10, 0)}, /* touches the second */
        {at(z, 2026, 2, 9, 10, 30), at(z, 2026, 2, 9, 10, 45)},
        {at(z, 2026, 2, 9, 11, 0), at(z, 2026, 2, 9, 11, 0)},  /* empty: ignored */
        {at(z, 2026, 2, 9, 11, 45), at(z, 2026, 2, 9, 12, 0)}, /* touches closing */
    };
    q.busy = busy;
    q.busy_count = 6;
    q.duration = 15;
    const char *const want[] = {"2026-02-09T10:00:00+01:00", "2026-02-09T10:15:00+01:00",
                                "2026-02-09T10:45:00+01:00", "2026-02-09T11:00:00+01:00",
                                "2026-02-09T11:15:00+01:00", "2026-02-09T11:30:00+01:00"};
    expect(&q, want, 6);
    q.busy_longest = 30 * MIN; /* the sorted-list shortcut gives the same answer */
    expect(&q, want, 6);
    /* without the shortcut the order does not matter */
    const slots_interval shuffled[] = {busy[5], busy[2], busy[0], busy[4], busy[3], busy[1]};
    q.busy = shuffled;
    q.busy_longest = 0;
    expect(&q, want, 6);
    /* with it, out-of-order intervals inside the window are refused */
    q.busy_longest = 30 * MIN;
    slots_slot *s = NULL;
    size_t n = 0;
    ck_assert_int_eq(slots_compute(&q, A, &s, &n), SLOTS_INVALID);
    ck_assert_ptr_null(s);
    ck_assert_uint_eq(n, 0);
}
END_TEST

START_TEST(busy_longest_skips_history)
{
    /* ten years of half-hour appointments every day at 08:00, and one long
     * appointment from before the window that runs into it */
    const slots_range r[] = {{MON, 8 * 60, 12 * 60}};
    slots_query q = monday(r, 1);
    enum { DAYS = 3650 };
    static slots_interval busy[DAYS + 1];
    int64_t first = q.from - (int64_t)(DAYS - 10) * 86400;
    size_t n = 0;
    for (int64_t d = 0; d < DAYS; d++) {
        int64_t s = first + d * 86400 + 8 * HOUR;
        busy[n++] = (slots_interval){s, s + 30 * MIN};
        if (d == DAYS - 12) /* from the Saturday before until 10:00 on the Monday */
            busy[n++] = (slots_interval){s, q.from + 10 * HOUR};
    }
    q.busy = busy;
    q.busy_count = n;
    q.busy_longest = q.from + 10 * HOUR - (first + (DAYS - 12) * 86400 + 8 * HOUR);
    q.duration = 60;
    q.step = 60;
    EXPECT(&q, "2026-02-09T10:00:00+01:00", "2026-02-09T11:00:00+01:00");
    q.busy_longest = 0;
    EXPECT(&q, "2026-02-09T10:00:00+01:00", "2026-02-09T11:00:00+01:00");
}
END_TEST

START_TEST(brussels_spring_forward)
{
    /* Sunday 2026-03-29: 02:00 CET jumps to 03:00 CEST */
    const tzfile *z = zone("Europe/Brussels");
    const slots_range r[] = {{SUN, 1 * 60, 5 * 60}};
    slots_query q = {.zone = z,
                     .weekly = r,
                     .weekly_count = 1,
                     .from = at(z, 2026, 3, 29, 0, 0),
                     .to = at(z, 2026, 3, 30, 0, 0),
                     .step = 60,
                     .duration = 60,
                     .limit = 100};
    /* 01:00-05:00 local is three real hours */
    EXPECT(&q, "2026-03-29T01:00:00+01:00", "2026-03-29T03:00:00+02:00",
           "2026-03-29T04:00:00+02:00");
    q.step = 30;
    q.duration = 30;
    EXPECT(&q, "2026-03-29T01:00:00+01:00", "2026-03-29T01:30:00+01:00",
           "2026-03-29T03:00:00+02:00", "2026-03-29T03:30:00+02:00", "2026-03-29T04:00:00+02:00",
           "2026-03-29T04:30:00+02:00");
    /* the grid walks real time: 45 minutes after 01:45+01:00 is 03:30+02:00 */
    q.step = 45;
    EXPECT(&q, "2026-03-29T01:00:00+01:00", "2026-03-29T01:45:00+01:00",
           "2026-03-29T03:30:00+02:00", "2026-03-29T04:15:00+02:00");
    /* a range starting inside the gap starts when the gap ends */
    const slots_range in_gap[] = {{SUN, 2 * 60 + 30, 4 * 60}};
    q.weekly = in_gap;
    q.step = 30;
    EXPECT(&q, "2026-03-29T03:00:00+02:00", "2026-03-29T03:30:00+02:00");
    /* the Sunday before and after are ordinary four-hour ranges */
    q.weekly = r;
    q.step = 60;
    q.duration = 60;
    q.from = at(z, 2026, 3, 22, 0, 0);
    q.to = at(z, 2026, 4, 6, 0, 0);
    slots_slot *s = NULL;
    ck_assert_uint_eq(run(&q, &s), 4 + 3 + 4);
}
END_TEST

START_TEST(brussels_fall_back)
{
    /* Sunday 2026-10-25: 03:00 CEST goes back to 02:00 CET */
    const tzfile *z = zone("Europe/Brussels");
    const slots_range r[] = {{SUN, 1 * 60, 4 * 60}};
    slots_query q = {.zone = z,
                     .weekly = r,
                     .weekly_count = 1,
                     .from = at(z, 2026, 10, 25, 0, 0),
                     .to = at(z, 2026, 10, 26, 0, 0),
                     .step = 60,
                     .duration = 60,
                     .limit = 100};
    /* 01:00-04:00 local is four real hours; 02:00 is offered twice */
    EXPECT(&q, "2026-10-25T01:00:00+02:00", "2026-10-25T02:00:00+02:00",
           "2026-10-25T02:00:00+01:00", "2026-10-25T03:00:00+01:00");
    q.step = 30;
    q.duration = 30;
    EXPECT(&q, "2026-10-25T01:00:00+02:00", "2026-10-25T01:30:00+02:00",
           "2026-10-25T02:00:00+02:00", "2026-10-25T02:30:00+02:00", "2026-10-25T02:00:00+01:00",
           "2026-10-25T02:30:00+01:00", "2026-10-25T03:00:00+01:00", "2026-10-25T03:30:00+01:00");
    /* a 90 minute service crosses the change in real time */
    q.step = 60;
    q.duration = 90;
    EXPECT(&q, "2026-10-25T01:00:00+02:00", "2026-10-25T02:00:00+02:00",
           "2026-10-25T02:00:00+01:00");
    /* a range stopping in the repeated hour stops at its last occurrence */
    const slots_range stop_in_repeat[] = {{SUN, 0, 2 * 60 + 30}};
    q.weekly = stop_in_repeat;
    q.duration = 60;
    EXPECT(&q, "2026-10-25T00:00:00+02:00", "2026-10-25T01:00:00+02:00",
           "2026-10-25T02:00:00+02:00");
    /* a range starting in the repeated hour starts at its first occurrence */
    const slots_range in_repeat[] = {{SUN, 2 * 60 + 30, 3 * 60 + 30}};
    q.weekly = in_repeat;
    q.step = 30;
    q.duration = 30;
    EXPECT(&q, "2026-10-25T02:30:00+02:00", "2026-10-25T02:00:00+01:00",
           "2026-10-25T02:30:00+01:00", "2026-10-25T03:00:00+01:00");
}
END_TEST

START_TEST(new_york_spring_forward)
{
    const tzfile *z = zone("America/New_York");
    const slots_range r[] = {{SUN, 1 * 60, 4 * 60}};
    slots_query q = {.zone = z,
                     .weekly = r,
                     .weekly_count = 1,
                     .from = at(z, 2026, 3, 8, 0, 0),
                     .to = at(z, 2026, 3, 9, 0, 0),
                     .step = 60,
                     .duration = 60,
                     .limit = 100};
    EXPECT(&q, "2026-03-08T01:00:00-05:00", "2026-03-08T03:00:00-04:00");
}
END_TEST

START_TEST(kolkata_half_hour_offset)
{
    const tzfile *z = zone("Asia/Kolkata");
    const slots_range r[] = {{MON, 9 * 60, 11 * 60}};
    slots_query q = {.zone = z,
                     .weekly = r,
                     .weekly_count = 1,
                     .from = at(z, 2026, 2, 9, 0, 0),
                     .to = at(z, 2026, 2, 10, 0, 0),
                     .step = 30,
                     .duration = 45,
                     .limit = 100};
    EXPECT(&q, "2026-02-09T09:00:00+05:30", "2026-02-09T09:30:00+05:30",
           "2026-02-09T10:00:00+05:30");
    slots_slot *s = NULL;
    ck_assert_uint_eq(run(&q, &s), 3);
    ck_assert_int_eq(s[0].start, civil_days_from_date(2026, 2, 9) * 86400 + 3 * HOUR + 30 * MIN);
    ck_assert_int_eq(s[0].utc_offset, 5 * HOUR + 30 * MIN);
}
END_TEST

START_TEST(range_ending_at_midnight)
{
    const slots_range late[] = {{MON, 22 * 60, 1440}};
    slots_query q = monday(late, 1);
    q.step = 30;
    q.duration = 60;
    q.to = at(q.zone, 2026, 2, 11, 0, 0);
    EXPECT(&q, "2026-02-09T22:00:00+01:00", "2026-02-09T22:30:00+01:00",
           "2026-02-09T23:00:00+01:00");
    /* with Tuesday opening at 00:00 the open time runs on past midnight */
    const slots_range night[] = {{MON, 22 * 60, 1440}, {TUE, 0, 60}};
    q.weekly = night;
    q.weekly_count = 2;
    EXPECT(&q, "2026-02-09T22:00:00+01:00", "2026-02-09T22:30:00+01:00",
           "2026-02-09T23:00:00+01:00", "2026-02-09T23:30:00+01:00", "2026-02-10T00:00:00+01:00");
    /* a slot starting before `to` may end after it */
    q.to = at(q.zone, 2026, 2, 9, 23, 45);
    EXPECT(&q, "2026-02-09T22:00:00+01:00", "2026-02-09T22:30:00+01:00",
           "2026-02-09T23:00:00+01:00", "2026-02-09T23:30:00+01:00");
    /* a whole day, 00:00-24:00, with the day's last slot at 23:00 */
    const slots_range whole[] = {{WED, 0, 1440}};
    q.weekly = whole;
    q.weekly_count = 1;
    q.step = 60;
    q.from = at(q.zone, 2026, 2, 11, 0, 0);
    q.to = at(q.zone, 2026, 2, 12, 0, 0);
    slots_slot *s = NULL;
    ck_assert_uint_eq(run(&q, &s), 24);
    ck_assert_int_eq(s[23].stop, q.to);
}
END_TEST

START_TEST(limit_and_now)
{
    slots_query q = monday(SPLIT, 2);
    q.step = 60;
    q.duration = 60;
    q.limit = 3;
    EXPECT(&q, "2026-02-09T08:30:00+01:00", "2026-02-09T09:30:00+01:00",
           "2026-02-09T10:30:00+01:00");
    q.limit = 1;
    EXPECT(&q, "2026-02-09T08:30:00+01:00");
    q.limit = 0;
    expect(&q, NULL, 0);

    /* `now` in the middle of a range: the next grid point */
    const slots_range r[] = {{MON, 8 * 60 + 30, 12 * 60}};
    q = monday(r, 1);
    q.now = at(q.zone, 2026, 2, 9, 10, 7);
    EXPECT(&q, "2026-02-09T10:15:00+01:00", "2026-02-09T10:30:00+01:00",
           "2026-02-09T10:45:00+01:00", "2026-02-09T11:00:00+01:00", "2026-02-09T11:15:00+01:00",
           "2026-02-09T11:30:00+01:00");
    /* exactly on a grid point, that point is offered */
    q.now = at(q.zone, 2026, 2, 9, 11, 15);
    EXPECT(&q, "2026-02-09T11:15:00+01:00", "2026-02-09T11:30:00+01:00");
    /* `from` works the same way; the later of the two wins */
    q.now = 0;
    q.from = at(q.zone, 2026, 2, 9, 11, 1);
    EXPECT(&q, "2026-02-09T11:15:00+01:00", "2026-02-09T11:30:00+01:00");
    /* `to` bounds the starts */
    q.from = at(q.zone, 2026, 2, 9, 0, 0);
    q.to = at(q.zone, 2026, 2, 9, 9, 0);
    EXPECT(&q, "2026-02-09T08:30:00+01:00", "2026-02-09T08:45:00+01:00");
    /* now past the window */
    q.to = at(q.zone, 2026, 2, 10, 0, 0);
    q.now = q.to;
    expect(&q, NULL, 0);
}
END_TEST

START_TEST(extra_openings)
{
    /* a Saturday opening with its own grid, anchored at 10:10 */
    slots_query q = monday(NULL, 0);
    const tzfile *z = q.zone;
    const slots_interval sat[] = {{at(z, 2026, 2, 14, 10, 10), at(z, 2026, 2, 14, 11, 10)}};
    q.openings = sat;
    q.openings_count = 1;
    q.to = at(z, 2026, 2, 16, 0, 0);
    EXPECT(&q, "2026-02-14T10:10:00+01:00", "2026-02-14T10:25:00+01:00",
           "2026-02-14T10:40:00+01:00");

    /* an opening over the lunch break joins the two ranges */
    const slots_interval lunch[] = {{at(z, 2026, 2, 9, 12, 0), at(z, 2026, 2, 9, 13, 0)}};
    q = monday(SPLIT, 2);
    q.openings = lunch;
    q.openings_count = 1;
    q.step = 60;
    q.duration = 60;
    EXPECT(&q, "2026-02-09T08:30:00+01:00", "2026-02-09T09:30:00+01:00",
           "2026-02-09T10:30:00+01:00", "2026-02-09T11:30:00+01:00", "2026-02-09T12:00:00+01:00",
           "2026-02-09T13:00:00+01:00", "2026-02-09T14:00:00+01:00", "2026-02-09T15:00:00+01:00",
           "2026-02-09T16:00:00+01:00");

    /* an absence wins over an opening; overlapping openings offer a start once */
    const slots_interval twice[] = {{at(z, 2026, 2, 14, 10, 0), at(z, 2026, 2, 14, 11, 0)},
                                    {at(z, 2026, 2, 14, 10, 0), at(z, 2026, 2, 14, 10, 30)}};
    const slots_interval away[] = {{at(z, 2026, 2, 14, 10, 30), at(z, 2026, 2, 14, 10, 45)}};
    q = monday(NULL, 0);
    q.to = at(z, 2026, 2, 16, 0, 0);
    q.openings = twice;
    q.openings_count = 2;
    q.absences = away;
    q.absences_count = 1;
    q.duration = 15;
    EXPECT(&q, "2026-02-14T10:00:00+01:00", "2026-02-14T10:15:00+01:00",
           "2026-02-14T10:45:00+01:00");
}
END_TEST

START_TEST(a_full_week)
{
    const slots_range week[] = {{MON, 9 * 60, 12 * 60}, {TUE, 9 * 60, 12 * 60},
                                {WED, 9 * 60, 12 * 60}, {THU, 9 * 60, 12 * 60},
                                {FRI, 9 * 60, 12 * 60}, {FRI, 14 * 60, 16 * 60}};
    slots_query q = monday(week, 6);
    q.to = at(q.zone, 2026, 2, 16, 0, 0);
    slots_slot *s = NULL;
    size_t n = run(&q, &s);
    ck_assert_uint_eq(n, 5 * 11 + 7);
    for (size_t i = 1; i < n; i++)
        ck_assert_int_lt(s[i - 1].start, s[i].start);
}
END_TEST

START_TEST(empty_and_invalid_inputs)
{
    slots_query q = monday(NULL, 0);
    expect(&q, NULL, 0); /* nothing open */
    q = monday(SPLIT, 2);
    q.to = q.from; /* empty window */
    expect(&q, NULL, 0);
    q.to = q.from - 1;
    expect(&q, NULL, 0);

    slots_slot *s = (slots_slot *)&q;
    size_t n = 5;
    q = monday(SPLIT, 2);
    q.zone = NULL;
    ck_assert_int_eq(slots_compute(&q, A, &s, &n), SLOTS_INVALID);
    ck_assert_ptr_null(s);
    ck_assert_uint_eq(n, 0);

    const slots_range bad_ranges[][1] = {{{7, 60, 120}},   {{-1, 60, 120}}, {{MON, 120, 120}},
                                         {{MON, 120, 60}}, {{MON, -5, 60}}, {{MON, 60, 1441}}};
    for (size_t i = 0; i < sizeof bad_ranges / sizeof bad_ranges[0]; i++) {
        q = monday(bad_ranges[i], 1);
        ck_assert_int_eq(slots_compute(&q, A, &s, &n), SLOTS_INVALID);
    }
    q = monday(NULL, 1); /* a count without its array */
    ck_assert_int_eq(slots_compute(&q, A, &s, &n), SLOTS_INVALID);
    q = monday(SPLIT, 2);
    q.busy_count = 1;
    ck_assert_int_eq(slots_compute(&q, A, &s, &n), SLOTS_INVALID);
    q = monday(SPLIT, 2);
    q.step = -1;
    ck_assert_int_eq(slots_compute(&q, A, &s, &n), SLOTS_INVALID);
    q.step = SLOTS_MAX_STEP + 1;
    ck_assert_int_eq(slots_compute(&q, A, &s, &n), SLOTS_INVALID);
    q = monday(SPLIT, 2);
    q.duration = 0;
    ck_assert_int_eq(slots_compute(&q, A, &s, &n), SLOTS_INVALID);
    q.duration = SLOTS_MAX_DURATION + 1;
    ck_assert_int_eq(slots_compute(&q, A, &s, &n), SLOTS_INVALID);
    q = monday(SPLIT, 2);
    q.now = INT64_MAX;
    ck_assert_int_eq(slots_compute(&q, A, &s, &n), SLOTS_INVALID);
    q = monday(SPLIT, 2);
    q.busy_longest = -1;
    ck_assert_int_eq(slots_compute(&q, A, &s, &n), SLOTS_INVALID);
    const slots_interval wild[] = {{INT64_MIN, 0}};
    q = monday(SPLIT, 2);
    q.openings = wild;
    q.openings_count = 1;
    ck_assert_int_eq(slots_compute(&q, A, &s, &n), SLOTS_INVALID);
    /* absences and busy intervals may be anything: they are only compared */
    const slots_interval huge[] = {{INT64_MIN, INT64_MAX}};
    q = monday(SPLIT, 2);
    q.absences = huge;
    q.absences_count = 1;
    expect(&q, NULL, 0);

    q = monday(SPLIT, 2);
    q.limit = SLOTS_MAX_LIMIT + 1;
    ck_assert_int_eq(slots_compute(&q, A, &s, &n), SLOTS_TOO_BIG);
    q = monday(SPLIT, 2);
    q.to = q.from + SLOTS_MAX_WINDOW + 1;
    ck_assert_int_eq(slots_compute(&q, A, &s, &n), SLOTS_TOO_BIG);
    q = monday(SPLIT, 2);
    q.busy_count = SLOTS_MAX_INTERVALS + 1;
    q.busy = huge; /* never read: the count is refused first */
    ck_assert_int_eq(slots_compute(&q, A, &s, &n), SLOTS_TOO_BIG);
}
END_TEST

START_TEST(arena_exhaustion_is_reported)
{
    arena *tiny = arena_new(64);
    ck_assert_ptr_nonnull(tiny);
    slots_query q = monday(SPLIT, 2);
    slots_slot *s = NULL;
    size_t n = 7;
    ck_assert_int_eq(slots_compute(&q, tiny, &s, &n), SLOTS_NO_MEMORY);
    ck_assert_ptr_null(s);
    ck_assert_uint_eq(n, 0);
    arena_free(tiny);
}
END_TEST

/* ---- the merge -------------------------------------------------------- */

static slots_slot slot_at(int64_t t)
{
    return (slots_slot){.start = t, .stop = t + 30 * MIN, .utc_offset = HOUR};
}

START_TEST(merge_is_time_ordered_and_stable)
{
    const slots_slot a[] = {slot_at(100), slot_at(300), slot_at(500)};
    const slots_slot b[] = {slot_at(100), slot_at(200), slot_at(500), slot_at(600)};
    const slots_slot c[] = {slot_at(50), slot_at(300)};
    const slots_list lists[] = {{a, 3}, {NULL, 0}, {b, 4}, {c, 2}};
    slots_pick *p = NULL;
    size_t n = 0;
    ck_assert_int_eq(slots_merge(lists, 4, 100, A, &p, &n), SLOTS_OK);
    const int64_t want_start[] = {50, 100, 100, 200, 300, 300, 500, 500, 600};
    const size_t want_cal[] = {3, 0, 2, 2, 0, 3, 0, 2, 2};
    ck_assert_uint_eq(n, 9);
    for (size_t i = 0; i < n; i++) {
        ck_assert_int_eq(p[i].slot.start, want_start[i]);
        ck_assert_uint_eq(p[i].calendar, want_cal[i]);
        ck_assert_int_eq(p[i].slot.stop, want_start[i] + 30 * MIN);
    }
    /* the limit cuts the merged list, not each list */
    ck_assert_int_eq(slots_merge(lists, 4, 3, A, &p, &n), SLOTS_OK);
    ck_assert_uint_eq(n, 3);
    ck_assert_uint_eq(p[2].calendar, 2);
    /* nothing to merge */
    ck_assert_int_eq(slots_merge(lists + 1, 1, 10, A, &p, &n), SLOTS_OK);
    ck_assert_uint_eq(n, 0);
    ck_assert_ptr_null(p);
    ck_assert_int_eq(slots_merge(NULL, 0, 10, A, &p, &n), SLOTS_OK);
    ck_assert_uint_eq(n, 0);
    ck_assert_int_eq(slots_merge(lists, 4, 0, A, &p, &n), SLOTS_OK);
    ck_assert_uint_eq(n, 0);
    /* refused inputs */
    const slots_list broken[] = {{NULL, 2}};
    ck_assert_int_eq(slots_merge(broken, 1, 10, A, &p, &n), SLOTS_INVALID);
    ck_assert_int_eq(slots_merge(NULL, 2, 10, A, &p, &n), SLOTS_INVALID);
    ck_assert_int_eq(slots_merge(lists, SLOTS_MAX_CALENDARS + 1, 10, A, &p, &n), SLOTS_TOO_BIG);
    ck_assert_int_eq(slots_merge(lists, 4, SLOTS_MAX_LIMIT + 1, A, &p, &n), SLOTS_TOO_BIG);
}
END_TEST

START_TEST(merge_of_computed_calendars)
{
    /* two doctors in the same center: one mornings, one from 10:00 */
    const slots_range morning[] = {{MON, 9 * 60, 11 * 60}};
    const slots_range later[] = {{MON, 10 * 60, 12 * 60}};
    slots_query q1 = monday(morning, 1), q2 = monday(later, 1);
    q1.step = q2.step = 60;
    q1.duration = q2.duration = 60;
    slots_slot *s1 = NULL, *s2 = NULL;
    size_t n1 = run(&q1, &s1), n2 = run(&q2, &s2);
    const slots_list lists[] = {{s1, n1}, {s2, n2}};
    slots_pick *p = NULL;
    size_t n = 0;
    ck_assert_int_eq(slots_merge(lists, 2, 10, A, &p, &n), SLOTS_OK);
    ck_assert_uint_eq(n, 4);
    const char *const want[] = {"2026-02-09T09:00:00+01:00", "2026-02-09T10:00:00+01:00",
                                "2026-02-09T10:00:00+01:00", "2026-02-09T11:00:00+01:00"};
    const size_t cal[] = {0, 0, 1, 1};
    for (size_t i = 0; i < n; i++) {
        char buf[SLOTS_ISO8601_SIZE];
        slots_format_iso8601(p[i].slot.start, p[i].slot.utc_offset, buf, sizeof buf);
        ck_assert_str_eq(buf, want[i]);
        ck_assert_uint_eq(p[i].calendar, cal[i]);
    }
}
END_TEST

/* ---- rendering -------------------------------------------------------- */

START_TEST(iso8601_rendering)
{
    char buf[SLOTS_ISO8601_SIZE];
    int64_t t = 1518426000; /* 2018-02-12T09:00:00Z */
    ck_assert_uint_eq(slots_format_iso8601(t, HOUR, buf, sizeof buf), 25);
    ck_assert_str_eq(buf, "2018-02-12T10:00:00+01:00");
    slots_format_iso8601(t, 0, buf, sizeof buf);
    ck_assert_str_eq(buf, "2018-02-12T09:00:00+00:00");
    slots_format_iso8601(t, 5 * HOUR + 30 * MIN, buf, sizeof buf);
    ck_assert_str_eq(buf, "2018-02-12T14:30:00+05:30");
    slots_format_iso8601(t, -5 * HOUR, buf, sizeof buf);
    ck_assert_str_eq(buf, "2018-02-12T04:00:00-05:00");
    slots_format_iso8601(t, -(3 * HOUR + 30 * MIN), buf, sizeof buf);
    ck_assert_str_eq(buf, "2018-02-12T05:30:00-03:30");
    slots_format_iso8601(t - 9 * HOUR - 1, 0, buf, sizeof buf);
    ck_assert_str_eq(buf, "2018-02-11T23:59:59+00:00");
    slots_format_iso8601(-1, 0, buf, sizeof buf);
    ck_assert_str_eq(buf, "1969-12-31T23:59:59+00:00");
    /* local mean time offsets keep their seconds */
    ck_assert_uint_eq(slots_format_iso8601(t, 1050, buf, sizeof buf), 28);
    ck_assert_str_eq(buf, "2018-02-12T09:17:30+00:17:30");
    /* too small a buffer, years beyond four digits */
    ck_assert_uint_eq(slots_format_iso8601(t, HOUR, buf, 25), 0);
    ck_assert_str_eq(buf, "");
    ck_assert_uint_eq(slots_format_iso8601(t, HOUR, NULL, 0), 0);
    ck_assert_uint_eq(slots_format_iso8601(SLOTS_TIME_MAX, 14 * HOUR, buf, sizeof buf), 0);
    ck_assert_uint_eq(slots_format_iso8601(INT64_MAX, 0, buf, sizeof buf), 0);
    ck_assert_uint_eq(slots_format_iso8601(INT64_MIN, 0, buf, sizeof buf), 0);
}
END_TEST

/* Reading is the inverse of writing, for every offset and any instant the
 * writer renders; the same instant in another offset reads the same. */
START_TEST(iso8601_reading)
{
    char buf[SLOTS_ISO8601_SIZE];
    int64_t t = 0;
    const int32_t offsets[] = {0,
                               HOUR,
                               2 * HOUR,
                               -5 * HOUR,
                               5 * HOUR + 30 * MIN,
                               1050,
                               -(3 * HOUR + 30 * MIN),
                               14 * HOUR,
                               -(23 * HOUR + 59 * MIN)};
    const int64_t instants[] = {0,         1518426000,          1518426000 - 9 * HOUR - 1,
                                951782400, 4107542400,          253402300799 - 15 * HOUR,
                                -1,        -62135596800 + 86400};
    for (size_t i = 0; i < sizeof instants / sizeof instants[0]; i++) {
        for (size_t j = 0; j < sizeof offsets / sizeof offsets[0]; j++) {
            ck_assert_uint_gt(slots_format_iso8601(instants[i], offsets[j], buf, sizeof buf), 0);
            t = 42;
            ck_assert_msg(slots_parse_iso8601(buf, &t), "%s", buf);
            ck_assert_msg(t == instants[i], "%s read as %lld", buf, (long long)t);
        }
    }
    ck_assert(slots_parse_iso8601("2018-02-12T09:00:00Z", &t));
    ck_assert_int_eq(t, 1518426000);
    ck_assert(slots_parse_iso8601("2018-02-12T09:00:00-00:00", &t));
    ck_assert_int_eq(t, 1518426000);
    ck_assert(slots_parse_iso8601("2024-02-29T00:00:00+00:00", &t)); /* a leap day */
    ck_assert_int_eq(t, 1709164800);
    ck_assert(slots_parse_iso8601("2000-02-29T23:59:59+23:59", &t));

    const char *const bad[] = {
        "",
        "Z",
        "2018-02-12T09:00:00",
        "2018-02-12T09:00:00+01",
        "2018-02-12T09:00:00+0100",
        "2018-02-12T09:00:00+01:00:",
        "2018-02-12T09:00:00+01:00:5",
        "2018-02-12T09:00:00+24:00",
        "2018-02-12T09:00:00+01:60",
        "2018-02-12T09:00:00+01:00:60",
        "2018-02-12T09:00:00z",
        "2018-02-12T09:00:00ZZ",
        "2018-02-12T09:00:00 Z",
        "2018-02-12t09:00:00Z",
        "2018-02-12 09:00:00Z",
        "2018-02-12T09:00Z",
        "2018-02-12T09:00:00.5Z",
        "2018-2-12T09:00:00Z",
        "18-02-12T09:00:00Z",
        "+2018-02-12T09:00:00Z",
        "2018-13-12T09:00:00Z",
        "2018-00-12T09:00:00Z",
        "2018-02-00T09:00:00Z",
        "2018-02-29T09:00:00Z", /* not a leap year */
        "1900-02-29T09:00:00Z",
        "2018-04-31T09:00:00Z",
        "2018-02-12T24:00:00Z",
        "2018-02-12T09:60:00Z",
        "2018-02-12T09:00:60Z",
        "2018-02-12T-9:00:00Z",
        " 2018-02-12T09:00:00Z",
        "2018-02-12T09:00:00Z ",
        "2018-02-12T09:00:00+01:00\n",
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        t = 42;
        ck_assert_msg(!slots_parse_iso8601(bad[i], &t), "accepted %s", bad[i]);
        ck_assert_int_eq(t, 42);
    }
}
END_TEST

Suite *suite_slots(void)
{
    Suite *s = suite_create("slots");
    TCase *tc = tcase_create("core");
    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_add_test(tc, ranges_split_by_a_break);
    tcase_add_test(tc, step_grid_with_a_longer_service);
    tcase_add_test(tc, absences_cut_a_range);
    tcase_add_test(tc, busy_overlapping_and_touching);
    tcase_add_test(tc, busy_longest_skips_history);
    tcase_add_test(tc, brussels_spring_forward);
    tcase_add_test(tc, brussels_fall_back);
    tcase_add_test(tc, new_york_spring_forward);
    tcase_add_test(tc, kolkata_half_hour_offset);
    tcase_add_test(tc, range_ending_at_midnight);
    tcase_add_test(tc, limit_and_now);
    tcase_add_test(tc, extra_openings);
    tcase_add_test(tc, a_full_week);
    tcase_add_test(tc, empty_and_invalid_inputs);
    tcase_add_test(tc, arena_exhaustion_is_reported);
    tcase_add_test(tc, merge_is_time_ordered_and_stable);
    tcase_add_test(tc, merge_of_computed_calendars);
    tcase_add_test(tc, iso8601_rendering);
    tcase_add_test(tc, iso8601_reading);
    suite_add_tcase(s, tc);
    return s;
}
