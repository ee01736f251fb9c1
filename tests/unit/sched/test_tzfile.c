/* test_tzfile.c - the time zone engine: offsets around real transitions
 * (Europe/Brussels, America/New_York, Australia/Sydney, Asia/Kolkata, UTC)
 * from the system tz database, far-future years that only the footer rule
 * answers, gaps and repeats, TZif data built here byte by byte (v1, v2,
 * quoted names, permanent DST) and broken in every way a file can be,
 * loading through $TZDIR, unsafe names, and the shared cache under threads. */
#include <check.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "../suites.h"
#include "sched/civil.h"
#include "sched/tzfile.h"

#define HOUR 3600

/* Unix seconds of a UTC date and time. */
static int64_t utc(int64_t y, int mo, int d, int h, int mi)
{
    return civil_days_from_date(y, mo, d) * 86400 + h * HOUR + mi * 60;
}

/* Wall seconds of a local date and time (same arithmetic, other meaning). */
static int64_t wall(int64_t y, int mo, int d, int h, int mi)
{
    return utc(y, mo, d, h, mi);
}

static const tzfile *zone(const char *name)
{
    const tzfile *z = NULL;
    ck_assert_int_eq(tzfile_get(name, &z), TZFILE_OK);
    ck_assert_ptr_nonnull(z);
    ck_assert_str_eq(tzfile_name(z), name);
    return z;
}

/* ---- a TZif writer for synthetic files -------------------------------- */

typedef struct tzif_spec {
    char version; /* 0 for a v1 file, else '2', '3' or '4' */
    const int64_t *times;
    const unsigned char *idx;
    uint32_t timecnt;
    const int32_t *utoffs;
    uint32_t typecnt;
    const char *footer; /* v2+: the TZ string between the two newlines */
    uint32_t leapcnt;
} tzif_spec;

static size_t put32(unsigned char *p, uint32_t v)
{
    p[0] = (unsigned char)(v >> 24);
    p[1] = (unsigned char)(v >> 16);
    p[2] = (unsigned char)(v >> 8);
    p[3] = (unsigned char)v;
    return 4;
}

static size_t put_block(const tzif_spec *s, unsigned char *p, unsigned time_size)
{
    size_t n = 0;
    memcpy(p, "TZif", 4);
    p[4] = (unsigned char)s->version;
    memset(p + 5, 0, 15);
    n = 20;
    n += put32(p + n, 0); /* isutcnt */
    n += put32(p + n, 0); /* isstdcnt */
    n += put32(p + n, s->leapcnt);
    n += put32(p + n, s->timecnt);
    n += put32(p + n, s->typecnt);
    n += put32(p + n, 4); /* charcnt: "XXX\0" */
    for (uint32_t i = 0; i < s->timecnt; i++) {
        if (time_size == 8)
            n += put32(p + n, (uint32_t)((uint64_t)s->times[i] >> 32));
        n += put32(p + n, (uint32_t)(uint64_t)s->times[i]);
    }
    for (uint32_t i = 0; i < s->timecnt; i++)
        p[n++] = s->idx[i];
    for (uint32_t i = 0; i < s->typecnt; i++) {
        n += put32(p + n, (uint32_t)s->utoffs[i]);
        p[n++] = 0;
        p[n++] = 0;
    }
    memcpy(p + n, "XXX", 4);
    n += 4;
    memset(p + n, 0, (size_t)s->leapcnt * (time_size + 4));
    n += (size_t)s->leapcnt * (time_size + 4);
    return n;
}

/* Writes the file into buf (large enough) and returns its length. */
static size_t tzif_build(const tzif_spec *s, unsigned char *buf)
{
    size_t n = put_block(s, buf, 4);
    if (s->version == 0)
        return n;
    n += put_block(s, buf + n, 8);
    buf[n++] = '\n';
    size_t len = strlen(s->footer);
    memcpy(buf + n, s->footer, len);
    n += len;
    buf[n++] = '\n';
    return n;
}

/* A small valid v2 zone: UTC+1 until 2000, then the footer's rule. */
static const int64_t SMALL_TIMES[] = {0, 946684800};
static const unsigned char SMALL_IDX[] = {1, 0};
static const int32_t SMALL_OFFS[] = {3600, 7200};

static tzif_spec small_spec(const char *footer)
{
    return (tzif_spec){.version = '2',
                       .times = SMALL_TIMES,
                       .idx = SMALL_IDX,
                       .timecnt = 2,
                       .utoffs = SMALL_OFFS,
                       .typecnt = 2,
                       .footer = footer};
}

static tzfile_rc parse(const unsigned char *buf, size_t len)
{
    tzfile *z = NULL;
    tzfile_rc rc = tzfile_parse("test", buf, len, &z);
    if (rc == TZFILE_OK) {
        ck_assert_ptr_nonnull(z);
        tzfile_free(z);
    } else {
        ck_assert_ptr_null(z);
    }
    return rc;
}

/* ---- offsets from the system database --------------------------------- */

START_TEST(brussels_2026_transitions)
{
    const tzfile *z = zone("Europe/Brussels");
    int64_t spring = utc(2026, 3, 29, 1, 0); /* 02:00 CET -> 03:00 CEST */
    int64_t fall = utc(2026, 10, 25, 1, 0);  /* 03:00 CEST -> 02:00 CET */
    ck_assert_int_eq(tzfile_offset_at(z, utc(2026, 1, 15, 12, 0)), HOUR);
    ck_assert_int_eq(tzfile_offset_at(z, spring - 1), HOUR);
    ck_assert_int_eq(tzfile_offset_at(z, spring), 2 * HOUR);
    ck_assert_int_eq(tzfile_offset_at(z, utc(2026, 7, 1, 0, 0)), 2 * HOUR);
    ck_assert_int_eq(tzfile_offset_at(z, fall - 1), 2 * HOUR);
    ck_assert_int_eq(tzfile_offset_at(z, fall), HOUR);
    ck_assert_int_eq(tzfile_offset_at(z, utc(2026, 12, 31, 23, 59)), HOUR);
}
END_TEST

START_TEST(brussels_far_future_follows_the_footer)
{
    /* the file's table ends in 2037; later years come from
     * "CET-1CEST,M3.5.0,M10.5.0/3" */
    const tzfile *z = zone("Europe/Brussels");
    const int years[] = {2038, 2100, 2500, 9999};
    for (size_t i = 0; i < 4; i++) {
        int64_t y = years[i];
        ck_assert_int_eq(tzfile_offset_at(z, utc(y, 1, 10, 12, 0)), HOUR);
        ck_assert_int_eq(tzfile_offset_at(z, utc(y, 7, 10, 12, 0)), 2 * HOUR);
        ck_assert_int_eq(tzfile_offset_at(z, utc(y, 12, 10, 12, 0)), HOUR);
    }
    ck_assert_int_eq(tzfile_offset_at(z, 4109878800 - 1), HOUR); /* 2100-03-28T01:00Z */
    ck_assert_int_eq(tzfile_offset_at(z, 4109878800), 2 * HOUR);
    ck_assert_int_eq(tzfile_offset_at(z, 4128627600 - 1), 2 * HOUR); /* 2100-10-31T01:00Z */
    ck_assert_int_eq(tzfile_offset_at(z, 4128627600), HOUR);
    ck_assert_int_eq(tzfile_offset_at(z, 16732659600), 2 * HOUR); /* 2500-03-28T01:00Z */
    ck_assert_int_eq(tzfile_offset_at(z, 16732659600 - 1), HOUR);
    /* a repeat in 2100 is found through the rule too */
    int64_t v[TZFILE_MAX_MATCHES];
    ck_assert_uint_eq(tzfile_local_to_utc(z, wall(2100, 10, 31, 2, 30), v), 2);
    ck_assert_int_eq(v[0], utc(2100, 10, 31, 0, 30));
    ck_assert_int_eq(v[1], utc(2100, 10, 31, 1, 30));
    ck_assert_uint_eq(tzfile_local_to_utc(z, wall(2100, 3, 28, 2, 30), v), 0);
    ck_assert_int_eq(tzfile_resolve(z, wall(2100, 3, 28, 2, 30), TZFILE_EARLIEST), 4109878800);
}
END_TEST

START_TEST(new_york_transitions)
{
    const tzfile *z = zone("America/New_York");
    int64_t spring = utc(2026, 3, 8, 7, 0);
    int64_t fall = utc(2026, 11, 1, 6, 0);
    ck_assert_int_eq(tzfile_offset_at(z, spring - 1), -5 * HOUR);
    ck_assert_int_eq(tzfile_offset_at(z, spring), -4 * HOUR);
    ck_assert_int_eq(tzfile_offset_at(z, fall - 1), -4 * HOUR);
    ck_assert_int_eq(tzfile_offset_at(z, fall), -5 * HOUR);
    ck_assert_int_eq(tzfile_offset_at(z, utc(2200, 3, 9, 7, 0) - 1), -5 * HOUR);
    ck_assert_int_eq(tzfile_offset_at(z, utc(2200, 3, 9, 7, 0)), -4 * HOUR);
    ck_assert_int_eq(tzfile_offset_at(z, utc(2200, 11, 2, 6, 0)), -5 * HOUR);

    int64_t v[TZFILE_MAX_MATCHES];
    ck_assert_uint_eq(tzfile_local_to_utc(z, wall(2026, 3, 8, 2, 30), v), 0);
    ck_assert_int_eq(tzfile_resolve(z, wall(2026, 3, 8, 2, 30), TZFILE_LATEST), spring);
    ck_assert_uint_eq(tzfile_local_to_utc(z, wall(2026, 11, 1, 1, 30), v), 2);
    ck_assert_int_eq(v[0], utc(2026, 11, 1, 5, 30));
    ck_assert_int_eq(v[1], utc(2026, 11, 1, 6, 30));
    ck_assert_uint_eq(tzfile_local_to_utc(z, wall(2026, 11, 1, 2, 0), v), 1);
    ck_assert_int_eq(v[0], utc(2026, 11, 1, 7, 0));
}
END_TEST

START_TEST(sydney_southern_hemisphere)
{
    /* "AEST-10AEDT,M10.1.0,M4.1.0/3": DST spans the new year */
    const tzfile *z = zone("Australia/Sydney");
    ck_assert_int_eq(tzfile_offset_at(z, utc(2300, 1, 1, 0, 0)), 11 * HOUR);
    ck_assert_int_eq(tzfile_offset_at(z, utc(2300, 3, 31, 16, 0) - 1), 11 * HOUR);
    ck_assert_int_eq(tzfile_offset_at(z, utc(2300, 3, 31, 16, 0)), 10 * HOUR);
    ck_assert_int_eq(tzfile_offset_at(z, utc(2300, 10, 6, 16, 0) - 1), 10 * HOUR);
    ck_assert_int_eq(tzfile_offset_at(z, utc(2300, 10, 6, 16, 0)), 11 * HOUR);
    ck_assert_int_eq(tzfile_offset_at(z, utc(2300, 12, 31, 23, 0)), 11 * HOUR);
}
END_TEST

START_TEST(kolkata_half_hour_offset)
{
    const tzfile *z = zone("Asia/Kolkata");
    const int64_t at[] = {utc(2026, 3, 29, 1, 0), utc(2026, 10, 25, 1, 0), utc(2100, 6, 1, 0, 0),
                          utc(3000, 1, 1, 0, 0)};
    for (size_t i = 0; i < 4; i++)
        ck_assert_int_eq(tzfile_offset_at(z, at[i]), 5 * HOUR + 1800);
    int64_t v[TZFILE_MAX_MATCHES];
    ck_assert_uint_eq(tzfile_local_to_utc(z, wall(2026, 6, 1, 9, 0), v), 1);
    ck_assert_int_eq(v[0], utc(2026, 6, 1, 3, 30));
    ck_assert_uint_eq(tzfile_local_to_utc(z, wall(2400, 6, 1, 0, 0), v), 1);
    ck_assert_int_eq(v[0], utc(2400, 5, 31, 18, 30));
}
END_TEST

START_TEST(utc_is_identity)
{
    const tzfile *z = zone("UTC");
    int64_t v[TZFILE_MAX_MATCHES];
    const int64_t at[] = {-5000000000, 0, utc(2026, 3, 29, 1, 0), utc(2500, 1, 1, 0, 0)};
    for (size_t i = 0; i < 4; i++) {
        ck_assert_int_eq(tzfile_offset_at(z, at[i]), 0);
        ck_assert_uint_eq(tzfile_local_to_utc(z, at[i], v), 1);
        ck_assert_int_eq(v[0], at[i]);
    }
}
END_TEST

START_TEST(brussels_gap_and_repeat)
{
    const tzfile *z = zone("Europe/Brussels");
    int64_t v[TZFILE_MAX_MATCHES];
    /* spring: 02:00 to 02:59 never happen */
    ck_assert_uint_eq(tzfile_local_to_utc(z, wall(2026, 3, 29, 1, 59), v), 1);
    ck_assert_int_eq(v[0], utc(2026, 3, 29, 0, 59));
    ck_assert_uint_eq(tzfile_local_to_utc(z, wall(2026, 3, 29, 2, 0), v), 0);
    ck_assert_uint_eq(tzfile_local_to_utc(z, wall(2026, 3, 29, 2, 30), v), 0);
    ck_assert_uint_eq(tzfile_local_to_utc(z, wall(2026, 3, 29, 3, 0), v), 1);
    ck_assert_int_eq(v[0], utc(2026, 3, 29, 1, 0));
    ck_assert_int_eq(tzfile_resolve(z, wall(2026, 3, 29, 2, 0), TZFILE_EARLIEST),
                     utc(2026, 3, 29, 1, 0));
    ck_assert_int_eq(tzfile_resolve(z, wall(2026, 3, 29, 2, 45), TZFILE_LATEST),
                     utc(2026, 3, 29, 1, 0));
    /* fall: 02:00 to 02:59 happen twice, CEST first */
    ck_assert_uint_eq(tzfile_local_to_utc(z, wall(2026, 10, 25, 1, 59), v), 1);
    ck_assert_uint_eq(tzfile_local_to_utc(z, wall(2026, 10, 25, 2, 0), v), 2);
    ck_assert_int_eq(v[0], utc(2026, 10, 25, 0, 0));
    ck_assert_int_eq(v[1], utc(2026, 10, 25, 1, 0));
    ck_assert_uint_eq(tzfile_local_to_utc(z, wall(2026, 10, 25, 2, 59), v), 2);
    ck_assert_uint_eq(tzfile_local_to_utc(z, wall(2026, 10, 25, 3, 0), v), 1);
    ck_assert_int_eq(v[0], utc(2026, 10, 25, 2, 0));
    ck_assert_int_eq(tzfile_resolve(z, wall(2026, 10, 25, 2, 30), TZFILE_EARLIEST),
                     utc(2026, 10, 25, 0, 30));
    ck_assert_int_eq(tzfile_resolve(z, wall(2026, 10, 25, 2, 30), TZFILE_LATEST),
                     utc(2026, 10, 25, 1, 30));
}
END_TEST

START_TEST(absurd_instants_are_clamped)
{
    const tzfile *z = zone("Europe/Brussels");
    int64_t v[TZFILE_MAX_MATCHES];
    ck_assert_int_eq(tzfile_offset_at(z, INT64_MAX), tzfile_offset_at(z, TZFILE_TIME_LIMIT));
    ck_assert_int_eq(tzfile_offset_at(z, INT64_MIN), tzfile_offset_at(z, -TZFILE_TIME_LIMIT));
    ck_assert_uint_le(tzfile_local_to_utc(z, INT64_MAX, v), 2);
    ck_assert_uint_le(tzfile_local_to_utc(z, INT64_MIN, v), 2);
}
END_TEST

/* ---- synthetic TZif data ---------------------------------------------- */

START_TEST(synthetic_v2_with_rule)
{
    unsigned char buf[1024];
    tzif_spec s = small_spec("CET-1CEST,M3.5.0,M10.5.0/3");
    size_t len = tzif_build(&s, buf);
    tzfile *z = NULL;
    ck_assert_int_eq(tzfile_parse("Test/Zone", buf, len, &z), TZFILE_OK);
    ck_assert_str_eq(tzfile_name(z), "Test/Zone");
    ck_assert_int_eq(tzfile_offset_at(z, -1), 3600); /* type 0 before the first */
    ck_assert_int_eq(tzfile_offset_at(z, 0), 7200);  /* first transition */
    ck_assert_int_eq(tzfile_offset_at(z, 946684799), 7200);
    ck_assert_int_eq(tzfile_offset_at(z, utc(2026, 1, 1, 0, 0)), 3600); /* the rule */
    ck_assert_int_eq(tzfile_offset_at(z, utc(2026, 3, 29, 1, 0)), 7200);
    tzfile_free(z);
}
END_TEST

START_TEST(synthetic_v1_without_footer)
{
    unsigned char buf[1024];
    tzif_spec s = small_spec("");
    s.version = 0;
    size_t len = tzif_build(&s, buf);
    tzfile *z = NULL;
    ck_assert_int_eq(tzfile_parse("v1", buf, len, &z), TZFILE_OK);
    ck_assert_int_eq(tzfile_offset_at(z, -1), 3600);
    ck_assert_int_eq(tzfile_offset_at(z, 100), 7200);
    ck_assert_int_eq(tzfile_offset_at(z, utc(2100, 7, 1, 0, 0)), 3600); /* last type */
    tzfile_free(z);
    /* v3 and v4 share the v2 layout; an empty footer means "last type" */
    s = small_spec("");
    s.version = '3';
    len = tzif_build(&s, buf);
    ck_assert_int_eq(tzfile_parse("v3", buf, len, &z), TZFILE_OK);
    ck_assert_int_eq(tzfile_offset_at(z, utc(2100, 7, 1, 0, 0)), 3600);
    tzfile_free(z);
    s.version = '4';
    len = tzif_build(&s, buf);
    ck_assert_int_eq(parse(buf, len), TZFILE_OK);
}
END_TEST

START_TEST(synthetic_footers)
{
    unsigned char buf[1024];
    tzfile *z = NULL;
    /* quoted names, negative rule time (America/Nuuk) */
    tzif_spec s = small_spec("<-02>2<-01>,M3.5.0/-1,M10.5.0/0");
    size_t len = tzif_build(&s, buf);
    ck_assert_int_eq(tzfile_parse("nuuk", buf, len, &z), TZFILE_OK);
    ck_assert_int_eq(tzfile_offset_at(z, 4109878800 - 1), -2 * HOUR); /* 2100-03-28T01:00Z */
    ck_assert_int_eq(tzfile_offset_at(z, 4109878800), -HOUR);
    ck_assert_int_eq(tzfile_offset_at(z, 4128627600), -2 * HOUR);
    tzfile_free(z);
    /* permanent DST (RFC 8536 section 3.3.1) */
    s = small_spec("EST5EDT,0/0,J365/25");
    len = tzif_build(&s, buf);
    ck_assert_int_eq(tzfile_parse("perm", buf, len, &z), TZFILE_OK);
    const int64_t at[] = {utc(2026, 1, 1, 0, 0), utc(2026, 1, 1, 5, 0), utc(2026, 7, 1, 0, 0),
                          utc(2026, 12, 31, 23, 59), utc(2027, 1, 1, 4, 30)};
    for (size_t i = 0; i < 5; i++)
        ck_assert_int_eq(tzfile_offset_at(z, at[i]), -4 * HOUR);
    tzfile_free(z);
    /* zero-based and Julian days, explicit DST offset, seconds */
    s = small_spec("<+0530>-5:30:15ABC-7,J60/1:30,300");
    len = tzif_build(&s, buf);
    ck_assert_int_eq(tzfile_parse("odd", buf, len, &z), TZFILE_OK);
    ck_assert_int_eq(tzfile_offset_at(z, utc(2026, 2, 1, 0, 0)), 5 * HOUR + 1815);
    ck_assert_int_eq(tzfile_offset_at(z, utc(2026, 6, 1, 0, 0)), 7 * HOUR);
    ck_assert_int_eq(tzfile_offset_at(z, utc(2026, 12, 1, 0, 0)), 5 * HOUR + 1815);
    tzfile_free(z);
}
END_TEST

/* Asserts that instant t is among the instants whose wall clock reads
 * t + offset(t), and that each of those reads it. */
static void assert_wall_clock_round_trips(const tzfile *z, int64_t t)
{
    int64_t local = t + tzfile_offset_at(z, t), v[TZFILE_MAX_MATCHES];
    size_t n = tzfile_local_to_utc(z, local, v);
    bool seen = false;
    for (size_t i = 0; i < n; i++) {
        ck_assert_msg(v[i] + tzfile_offset_at(z, v[i]) == local, "t=%lld: %lld reads %lld",
                      (long long)t, (long long)v[i], (long long)(v[i] + tzfile_offset_at(z, v[i])));
        seen |= v[i] == t;
    }
    ck_assert_msg(seen, "t=%lld is not among the %zu instants of its wall clock", (long long)t, n);
}

START_TEST(footer_disagreeing_with_the_last_transition)
{
    /* Found by tests/fuzz/fuzz_tzfile.c: the last transition (2000) says
     * UTC+1, the footer's rule says UTC-2 there.  Offsets followed the rule
     * from that transition on, local times followed the transition until the
     * rule's next change, so tzfile_local_to_utc answered instants whose wall
     * clock was not the one asked for. */
    unsigned char buf[1024];
    tzif_spec s = small_spec("<-02>2<-01>,M3.5.0/-1,M10.5.0/0");
    tzfile *z = NULL;
    ck_assert_int_eq(tzfile_parse("mismatch", buf, tzif_build(&s, buf), &z), TZFILE_OK);
    const int64_t at[] = {946684800 - 1,          946684800,
                          946684800 + HOUR,       utc(2000, 2, 1, 0, 0),
                          utc(2000, 3, 26, 3, 0), utc(2000, 7, 1, 0, 0)};
    for (size_t i = 0; i < sizeof at / sizeof at[0]; i++)
        assert_wall_clock_round_trips(z, at[i]);
    tzfile_free(z);
}
END_TEST

START_TEST(rule_times_past_the_end_of_the_year)
{
    /* Found by tests/fuzz/fuzz_tzfile.c: DST from day 1 (2 January) 00:00
     * to 31 December + 75 h, so each year's end falls on 3 January of the
     * next year, after that year's start; the latest change before early
     * January is then the end of the year before the last one, which offsets
     * did not look at while local times did. */
    unsigned char buf[1024];
    tzif_spec s = {.version = '2',
                   .times = NULL,
                   .idx = NULL,
                   .timecnt = 0,
                   .utoffs = (const int32_t[]){-HOUR},
                   .typecnt = 1,
                   .footer = "EST1EDT,1/0,J365/75"};
    tzfile *z = NULL;
    ck_assert_int_eq(tzfile_parse("overlap", buf, tzif_build(&s, buf), &z), TZFILE_OK);
    for (int64_t y = 1970; y <= 2030; y += 12)
        for (int day = 1; day <= 4; day++)
            for (int h = 0; h < 24; h += 5)
                assert_wall_clock_round_trips(z, utc(y, 1, day, h, 0));
    assert_wall_clock_round_trips(z, utc(2026, 7, 1, 0, 0));
    assert_wall_clock_round_trips(z, utc(2026, 12, 31, 23, 0));
    tzfile_free(z);
}
END_TEST

START_TEST(malformed_data_is_refused)
{
    unsigned char good[1024], buf[1024];
    tzif_spec s = small_spec("CET-1CEST,M3.5.0,M10.5.0/3");
    size_t len = tzif_build(&s, good);
    ck_assert_int_eq(parse(good, len), TZFILE_OK);

    /* every truncation, and one trailing byte */
    for (size_t cut = 0; cut < len; cut++)
        ck_assert_int_eq(parse(good, cut), TZFILE_MALFORMED);
    memcpy(buf, good, len);
    buf[len] = 'x';
    ck_assert_int_eq(parse(buf, len + 1), TZFILE_MALFORMED);
    ck_assert_int_eq(tzfile_parse("null", NULL, 0, &(tzfile *){NULL}), TZFILE_MALFORMED);

    /* bad magic, unknown version */
    memcpy(buf, good, len);
    buf[0] = 'X';
    ck_assert_int_eq(parse(buf, len), TZFILE_MALFORMED);
    memcpy(buf, good, len);
    buf[4] = '9';
    ck_assert_int_eq(parse(buf, len), TZFILE_UNSUPPORTED);

    /* huge counts in either header do not read past the data */
    const size_t v2 = 44 + 2 * 5 + 2 * 6 + 4; /* the second header */
    const size_t count_at[] = {32, 36, 40, v2 + 32, v2 + 36, v2 + 40, v2 + 20};
    for (size_t i = 0; i < sizeof count_at / sizeof count_at[0]; i++) {
        memcpy(buf, good, len);
        put32(buf + count_at[i], 0xFFFFFFFFu);
        ck_assert_int_eq(parse(buf, len), TZFILE_MALFORMED);
    }

    /* zero types, unsorted times, type index out of range, 26 h offset */
    int64_t unsorted[] = {946684800, 0};
    unsigned char bad_idx[] = {1, 2};
    int32_t huge[] = {3600, 26 * HOUR};
    tzif_spec t = small_spec("CET-1");
    t.typecnt = 0;
    t.timecnt = 0;
    ck_assert_int_eq(parse(buf, tzif_build(&t, buf)), TZFILE_MALFORMED);
    t = small_spec("CET-1");
    t.times = unsorted;
    ck_assert_int_eq(parse(buf, tzif_build(&t, buf)), TZFILE_MALFORMED);
    t = small_spec("CET-1");
    t.idx = bad_idx;
    ck_assert_int_eq(parse(buf, tzif_build(&t, buf)), TZFILE_MALFORMED);
    t = small_spec("CET-1");
    t.utoffs = huge;
    ck_assert_int_eq(parse(buf, tzif_build(&t, buf)), TZFILE_MALFORMED);

    /* leap seconds are not ours to count */
    t = small_spec("CET-1");
    t.leapcnt = 1;
    ck_assert_int_eq(parse(buf, tzif_build(&t, buf)), TZFILE_UNSUPPORTED);

    /* footers */
    const char *bad_footers[] = {
        "CET",                          /* no offset */
        "CE-1",                         /* name too short */
        "CET-1CEST",                    /* DST without rules */
        "CET-1CEST,M3.5.0",             /* one rule */
        "CET-1CEST,M13.5.0,M10.5.0",    /* month 13 */
        "CET-1CEST,M3.6.0,M10.5.0",     /* week 6 */
        "CET-1CEST,M3.5.7,M10.5.0",     /* weekday 7 */
        "CET-1CEST,J0,J365",            /* Julian day 0 */
        "CET-1CEST,366,J365",           /* day 366 */
        "CET-1CEST,M3.5.0/168,M10.5.0", /* rule time past 167 h */
        "CET-25",                       /* offset past 24 h */
        "CET-1:60",                     /* minutes */
        "<CE>-1",                       /* quoted name too short */
        "<CET-1",                       /* unterminated quote */
        "<C!T>-1",                      /* bad character */
        "CET-1CEST,M3.5.0,M10.5.0/3x",  /* trailing text */
        "CET-1\nCET-1",                 /* two lines */
        "CET-0001",                     /* four digits */
    };
    for (size_t i = 0; i < sizeof bad_footers / sizeof bad_footers[0]; i++) {
        t = small_spec(bad_footers[i]);
        ck_assert_msg(parse(buf, tzif_build(&t, buf)) == TZFILE_MALFORMED, "footer %s",
                      bad_footers[i]);
    }

    /* oversized input, bad names */
    ck_assert_int_eq(tzfile_parse("big", good, TZFILE_MAX_BYTES + 1, &(tzfile *){NULL}),
                     TZFILE_TOO_BIG);
    char long_name[TZFILE_NAME_MAX + 2];
    memset(long_name, 'a', sizeof long_name - 1);
    long_name[sizeof long_name - 1] = '\0';
    ck_assert_int_eq(tzfile_parse(long_name, good, len, &(tzfile *){NULL}), TZFILE_BAD_NAME);
}
END_TEST

START_TEST(random_corruption_never_crashes)
{
    /* flip bytes of a real file; whatever parses must answer queries */
    FILE *f = fopen("/usr/share/zoneinfo/Europe/Brussels", "rb");
    ck_assert_ptr_nonnull(f);
    static unsigned char real[8192], buf[8192];
    size_t len = fread(real, 1, sizeof real, f);
    fclose(f);
    ck_assert_uint_gt(len, 44);
    uint32_t seed = 12345;
    for (int round = 0; round < 3000; round++) {
        memcpy(buf, real, len);
        for (int k = 0; k < 3; k++) {
            seed = seed * 1103515245u + 12345u;
            buf[(seed >> 8) % len] = (unsigned char)(seed >> 3);
        }
        tzfile *z = NULL;
        if (tzfile_parse("fuzz", buf, len, &z) != TZFILE_OK)
            continue;
        int64_t v[TZFILE_MAX_MATCHES];
        for (int64_t t = -4000000000; t < 20000000000; t += 777777777) {
            int32_t off = tzfile_offset_at(z, t);
            ck_assert(off > -26 * HOUR && off < 26 * HOUR);
            ck_assert_uint_le(tzfile_local_to_utc(z, t, v), 2);
        }
        tzfile_free(z);
    }
}
END_TEST

/* ---- files and names -------------------------------------------------- */

static char tzdir[64];

static void write_file(const char *name, const void *data, size_t len)
{
    char path[160];
    snprintf(path, sizeof path, "%s/%s", tzdir, name);
    FILE *f = fopen(path, "wb");
    ck_assert_ptr_nonnull(f);
    ck_assert_uint_eq(fwrite(data, 1, len, f), len);
    fclose(f);
}

static void tzdir_setup(void)
{
    strcpy(tzdir, "/tmp/agenda-tz-XXXXXX");
    ck_assert_ptr_nonnull(mkdtemp(tzdir));
    setenv("TZDIR", tzdir, 1);
}

static void tzdir_teardown(void)
{
    const char *names[] = {"Good", "Bad", "Empty", "Huge", "Sub/Zone"};
    char path[160];
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++) {
        snprintf(path, sizeof path, "%s/%s", tzdir, names[i]);
        unlink(path);
    }
    snprintf(path, sizeof path, "%s/Sub", tzdir);
    rmdir(path);
    rmdir(tzdir);
    unsetenv("TZDIR");
}

START_TEST(loads_from_tzdir)
{
    unsigned char buf[1024];
    tzif_spec s = small_spec("CET-1CEST,M3.5.0,M10.5.0/3");
    size_t len = tzif_build(&s, buf);
    write_file("Good", buf, len);
    char sub[160];
    snprintf(sub, sizeof sub, "%s/Sub", tzdir);
    ck_assert_int_eq(mkdir(sub, 0700), 0);
    write_file("Sub/Zone", buf, len);
    write_file("Bad", buf, len - 1);
    write_file("Empty", "", 0);
    unsigned char *huge = calloc(1, TZFILE_MAX_BYTES + 1);
    ck_assert_ptr_nonnull(huge);
    memcpy(huge, buf, len);
    write_file("Huge", huge, TZFILE_MAX_BYTES + 1);
    free(huge);

    tzfile *z = NULL;
    ck_assert_int_eq(tzfile_load("Good", &z), TZFILE_OK);
    ck_assert_int_eq(tzfile_offset_at(z, utc(2026, 7, 1, 0, 0)), 2 * HOUR);
    tzfile_free(z);
    ck_assert_int_eq(tzfile_load("Sub/Zone", &z), TZFILE_OK);
    tzfile_free(z);
    ck_assert_int_eq(tzfile_load("Bad", &z), TZFILE_MALFORMED);
    ck_assert_ptr_null(z);
    ck_assert_int_eq(tzfile_load("Empty", &z), TZFILE_MALFORMED);
    ck_assert_int_eq(tzfile_load("Huge", &z), TZFILE_TOO_BIG);
    ck_assert_int_eq(tzfile_load("Missing", &z), TZFILE_NOT_FOUND);
    ck_assert_int_eq(tzfile_load("Sub", &z), TZFILE_NOT_FOUND); /* a directory */
    ck_assert_int_eq(tzfile_load("Europe/Brussels", &z), TZFILE_NOT_FOUND);
    tzfile_free(NULL);
}
END_TEST

START_TEST(unsafe_names_are_refused)
{
    const char *names[] = {"",
                           "/etc/passwd",
                           "../etc/passwd",
                           "Europe/../UTC",
                           "Europe/..",
                           "Europe/Brus sels",
                           "Europe\\Brussels",
                           "UTC;rm",
                           "Europe/Brussels\n"};
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++) {
        tzfile *z = NULL;
        const tzfile *c = NULL;
        ck_assert_int_eq(tzfile_load(names[i], &z), TZFILE_BAD_NAME);
        ck_assert_int_eq(tzfile_get(names[i], &c), TZFILE_BAD_NAME);
        ck_assert_ptr_null(c);
    }
    tzfile *z = NULL;
    ck_assert_int_eq(tzfile_load(NULL, &z), TZFILE_BAD_NAME);
    char long_name[TZFILE_NAME_MAX + 2];
    memset(long_name, 'a', sizeof long_name - 1);
    long_name[sizeof long_name - 1] = '\0';
    ck_assert_int_eq(tzfile_load(long_name, &z), TZFILE_BAD_NAME);
    ck_assert_int_eq(tzfile_load("Etc/GMT+5", &z), TZFILE_OK); /* '+' is fine */
    ck_assert_int_eq(tzfile_offset_at(z, 0), -5 * HOUR);
    tzfile_free(z);
    ck_assert_str_eq(tzfile_strerror(TZFILE_MALFORMED), "malformed time zone file");
}
END_TEST

/* ---- the cache -------------------------------------------------------- */

static void *cache_worker(void *arg)
{
    const char *const names[] = {"Europe/Brussels", "Asia/Kolkata", "America/New_York", "UTC"};
    const tzfile **seen = arg;
    for (int round = 0; round < 200; round++) {
        for (size_t i = 0; i < 4; i++) {
            const tzfile *z = NULL;
            if (tzfile_get(names[i], &z) != TZFILE_OK)
                return (void *)1;
            if (seen[i] && seen[i] != z)
                return (void *)1;
            seen[i] = z;
            (void)tzfile_offset_at(z, utc(2026, 3, 29, 1, round));
        }
    }
    return NULL;
}

START_TEST(cache_is_shared_between_threads)
{
    const tzfile *a = zone("Europe/Brussels");
    ck_assert_ptr_eq(zone("Europe/Brussels"), a);
    ck_assert_ptr_ne(zone("Europe/Paris"), a);
    const tzfile *z = NULL;
    ck_assert_int_eq(tzfile_get("No/Such_Zone", &z), TZFILE_NOT_FOUND);
    ck_assert_ptr_null(z);

    enum { THREADS = 8 };
    pthread_t th[THREADS];
    const tzfile *seen[THREADS][4];
    memset(seen, 0, sizeof seen);
    for (int i = 0; i < THREADS; i++)
        ck_assert_int_eq(pthread_create(&th[i], NULL, cache_worker, seen[i]), 0);
    for (int i = 0; i < THREADS; i++) {
        void *ret = NULL;
        pthread_join(th[i], &ret);
        ck_assert_ptr_null(ret);
    }
    for (int i = 1; i < THREADS; i++)
        ck_assert_mem_eq(seen[i], seen[0], sizeof seen[0]);
    ck_assert_ptr_eq(seen[0][0], a);
}
END_TEST

Suite *suite_tzfile(void)
{
    Suite *s = suite_create("tzfile");
    TCase *tc = tcase_create("core");
    tcase_add_test(tc, brussels_2026_transitions);
    tcase_add_test(tc, brussels_far_future_follows_the_footer);
    tcase_add_test(tc, new_york_transitions);
    tcase_add_test(tc, sydney_southern_hemisphere);
    tcase_add_test(tc, kolkata_half_hour_offset);
    tcase_add_test(tc, utc_is_identity);
    tcase_add_test(tc, brussels_gap_and_repeat);
    tcase_add_test(tc, absurd_instants_are_clamped);
    tcase_add_test(tc, synthetic_v2_with_rule);
    tcase_add_test(tc, synthetic_v1_without_footer);
    tcase_add_test(tc, synthetic_footers);
    tcase_add_test(tc, footer_disagreeing_with_the_last_transition);
    tcase_add_test(tc, rule_times_past_the_end_of_the_year);
    tcase_add_test(tc, malformed_data_is_refused);
    tcase_add_test(tc, random_corruption_never_crashes);
    tcase_add_test(tc, unsafe_names_are_refused);
    tcase_add_test(tc, cache_is_shared_between_threads);
    suite_add_tcase(s, tc);

    TCase *files = tcase_create("files");
    tcase_add_checked_fixture(files, tzdir_setup, tzdir_teardown);
    tcase_add_test(files, loads_from_tzdir);
    suite_add_tcase(s, files);
    return s;
}
