/* sched_bench.c - times the slot engine (`make bench-sched`).
 *
 * A Europe/Brussels calendar open Monday to Friday, 08:30-12:00 and
 * 13:00-17:30, with 20,000 appointments of 15 to 45 minutes (some double
 * booked) spread over five years, 2023 to 2027, sorted by start as the
 * store returns them.  The query is the suggestions endpoint's: a 30-day
 * window (2026-03-16 to 2026-04-15, which includes the spring-forward
 * Sunday), step 15, a 30-minute service, every slot (limit 1,000); the
 * window holds about 300 of the appointments.
 *
 * Each scenario runs the same query RUNS times on a reused arena and
 * reports the median, 10th and 90th percentile wall time of one call:
 *   history  - all 20,000 appointments, busy_longest set (binary search);
 *   window   - only the appointments overlapping the window, as
 *              store_busy_list returns them;
 *   scan     - all 20,000 with busy_longest 0 (the engine reads them all).
 * The three must give the same slots; the program fails if not.
 *
 * A benchmark, not a test: it is built with -O2 and run by hand, and no
 * number here fails anything. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "sched/civil.h"
#include "sched/slots.h"
#include "sched/tzfile.h"
#include "util/arena.h"

#define APPOINTMENTS 20000
#define RUNS         2001
#define WARMUP       100

static uint64_t rng_state = 0x9E3779B97F4A7C15u;

/* xorshift64*: deterministic, so every run measures the same calendar. */
static uint64_t rng(void)
{
    rng_state ^= rng_state >> 12;
    rng_state ^= rng_state << 25;
    rng_state ^= rng_state >> 27;
    return rng_state * 0x2545F4914F6CDD1Du;
}

static int64_t local_instant(const tzfile *z, int64_t day, int minute)
{
    return tzfile_resolve(z, day * 86400 + (int64_t)minute * 60, TZFILE_EARLIEST);
}

static int interval_cmp(const void *pa, const void *pb)
{
    const slots_interval *a = pa, *b = pb;
    return (a->start > b->start) - (a->start < b->start);
}

static double now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec * 1e9 + (double)ts.tv_nsec;
}

static int double_cmp(const void *pa, const void *pb)
{
    double a = *(const double *)pa, b = *(const double *)pb;
    return (a > b) - (a < b);
}

typedef struct result {
    double p10, median, p90; /* microseconds */
    size_t slots;
    slots_slot first, last;
} result;

/* Runs q RUNS times (after a warm-up) and fills r; returns 0, or 1 when
 * the engine fails. */
static int measure(const slots_query *q, arena *a, result *r)
{
    static double samples[RUNS];
    slots_slot *out = NULL;
    size_t n = 0;
    for (int i = 0; i < WARMUP + RUNS; i++) {
        arena_reset(a);
        double t0 = now_ns();
        slots_rc rc = slots_compute(q, a, &out, &n);
        double t1 = now_ns();
        if (rc != SLOTS_OK)
            return 1;
        if (i >= WARMUP)
            samples[i - WARMUP] = (t1 - t0) / 1000.0;
    }
    qsort(samples, RUNS, sizeof samples[0], double_cmp);
    r->p10 = samples[RUNS / 10];
    r->median = samples[RUNS / 2];
    r->p90 = samples[RUNS * 9 / 10];
    r->slots = n;
    if (n > 0) {
        r->first = out[0];
        r->last = out[n - 1];
    }
    return 0;
}

int main(void)
{
    int rc = 1;
    arena *a = NULL;
    slots_interval *busy = malloc(APPOINTMENTS * sizeof *busy);
    slots_interval *window_busy = malloc(APPOINTMENTS * sizeof *window_busy);
    const tzfile *z = NULL;
    if (!busy || !window_busy || tzfile_get("Europe/Brussels", &z) != TZFILE_OK) {
        fprintf(stderr, "sched_bench: setup failed (out of memory or no Europe/Brussels)\n");
        goto done;
    }
    a = arena_new(ARENA_DEFAULT_LIMIT);
    if (!a)
        goto done;

    /* the weekly schedule */
    static const slots_range weekly[] = {
        {0, 510, 720},  {0, 780, 1050}, {1, 510, 720},  {1, 780, 1050}, {2, 510, 720},
        {2, 780, 1050}, {3, 510, 720},  {3, 780, 1050}, {4, 510, 720},  {4, 780, 1050},
    };

    /* five years of appointments on working days, inside working hours */
    int64_t first_day = civil_days_from_date(2023, 1, 1);
    int64_t last_day = civil_days_from_date(2028, 1, 1);
    int64_t longest = 0;
    for (size_t i = 0; i < APPOINTMENTS; i++) {
        int64_t day;
        do
            day = first_day + (int64_t)(rng() % (uint64_t)(last_day - first_day));
        while (civil_weekday(day) > 4);
        int minute = 510 + 15 * (int)(rng() % 34); /* 08:30 .. 16:45 on the 15 grid */
        int length = 15 * (1 + (int)(rng() % 3));
        int64_t start = local_instant(z, day, minute);
        busy[i] = (slots_interval){start, start + (int64_t)length * 60};
        if (busy[i].stop - busy[i].start > longest)
            longest = busy[i].stop - busy[i].start;
    }
    qsort(busy, APPOINTMENTS, sizeof *busy, interval_cmp);

    slots_query q = {
        .zone = z,
        .weekly = weekly,
        .weekly_count = sizeof weekly / sizeof weekly[0],
        .busy = busy,
        .busy_count = APPOINTMENTS,
        .busy_longest = longest,
        .from = local_instant(z, civil_days_from_date(2026, 3, 16), 0),
        .to = local_instant(z, civil_days_from_date(2026, 4, 15), 0),
        .step = 15,
        .duration = 30,
        .limit = 1000,
    };
    q.now = q.from;

    /* the window's appointments alone, as the store would return them */
    size_t in_window = 0;
    for (size_t i = 0; i < APPOINTMENTS; i++)
        if (busy[i].stop > q.from && busy[i].start < q.to)
            window_busy[in_window++] = busy[i];

    result history, window, scan;
    slots_query qw = q;
    qw.busy = window_busy;
    qw.busy_count = in_window;
    slots_query qs = q;
    qs.busy_longest = 0;
    if (measure(&q, a, &history) || measure(&qw, a, &window) || measure(&qs, a, &scan)) {
        fprintf(stderr, "sched_bench: slots_compute failed\n");
        goto done;
    }
    if (history.slots != window.slots || history.slots != scan.slots ||
        memcmp(&history.first, &window.first, sizeof history.first) != 0 ||
        memcmp(&history.last, &scan.last, sizeof history.last) != 0) {
        fprintf(stderr, "sched_bench: the scenarios disagree\n");
        goto done;
    }

    char first[SLOTS_ISO8601_SIZE], last[SLOTS_ISO8601_SIZE];
    slots_format_iso8601(history.first.start, history.first.utc_offset, first, sizeof first);
    slots_format_iso8601(history.last.start, history.last.utc_offset, last, sizeof last);
    printf("slot engine: Europe/Brussels, 30-day window, %d appointments over 5 years, "
           "%zu in the window\n",
           APPOINTMENTS, in_window);
    printf("  %zu slots, %s .. %s; %d runs each\n", history.slots, first, last, RUNS);
    printf("  %-8s median %8.1f us   p10 %8.1f us   p90 %8.1f us\n", "history", history.median,
           history.p10, history.p90);
    printf("  %-8s median %8.1f us   p10 %8.1f us   p90 %8.1f us\n", "window", window.median,
           window.p10, window.p90);
    printf("  %-8s median %8.1f us   p10 %8.1f us   p90 %8.1f us\n", "scan", scan.median, scan.p10,
           scan.p90);
    rc = 0;
done:
    arena_free(a);
    free(window_busy);
    free(busy);
    return rc;
}
