/* fuzz_tzfile.c - libFuzzer harness for the TZif time zone reader:
 * tzfile_parse (header counts, 32- and 64-bit blocks, the POSIX TZ footer)
 * and the queries on a zone it accepts.
 *
 * Input: 8 bytes (a little-endian instant to query around), then the TZif
 * data.  Properties checked on an accepted zone, at instants spread over a
 * day around that instant and at fixed instants across the whole range:
 * offsets stay under 26 hours; every instant t is among the instants
 * tzfile_local_to_utc finds for its own wall clock t + offset(t) (unless two
 * others were found first), each found instant reads that wall clock, and
 * they come earliest first; tzfile_resolve picks the first or last of them;
 * a local time in a gap resolves to the transition that skips it.  The
 * civil-date helpers round-trip. */
#include <stdbool.h>
#include <string.h>

#include "fuzz.h"
#include "sched/civil.h"
#include "sched/tzfile.h"

#define OFFSET_LIMIT 93600 /* 26 hours */
/* Queries stay well inside the clamping range, so nothing is clamped. */
#define QUERY_LIMIT (TZFILE_TIME_LIMIT / 4)

static int64_t clamp_query(int64_t t)
{
    if (t < -QUERY_LIMIT)
        return -QUERY_LIMIT;
    if (t > QUERY_LIMIT)
        return QUERY_LIMIT;
    return t;
}

/* Checks the wall clock L = t + offset(t), and L read as an arbitrary local
 * time (it may fall in a gap). */
static void check_instant(const tzfile *z, int64_t t)
{
    int32_t off = tzfile_offset_at(z, t);
    FUZZ_CHECK(off > -OFFSET_LIMIT && off < OFFSET_LIMIT);
    int64_t local = t + off;

    int64_t v[TZFILE_MAX_MATCHES];
    size_t n = tzfile_local_to_utc(z, local, v);
    FUZZ_CHECK(n >= 1 && n <= TZFILE_MAX_MATCHES);
    bool seen = false;
    for (size_t i = 0; i < n; i++) {
        FUZZ_CHECK(v[i] + tzfile_offset_at(z, v[i]) == local);
        FUZZ_CHECK(i == 0 || v[i - 1] < v[i]);
        seen |= v[i] == t;
    }
    FUZZ_CHECK(seen || n == TZFILE_MAX_MATCHES);
    FUZZ_CHECK(tzfile_resolve(z, local, TZFILE_EARLIEST) == v[0]);
    FUZZ_CHECK(tzfile_resolve(z, local, TZFILE_LATEST) == v[n - 1]);

    /* t itself as a wall clock reading */
    n = tzfile_local_to_utc(z, t, v);
    FUZZ_CHECK(n <= TZFILE_MAX_MATCHES);
    for (size_t i = 0; i < n; i++)
        FUZZ_CHECK(v[i] + tzfile_offset_at(z, v[i]) == t);
    if (n == 0) {
        /* in a gap: the clock jumps over t at the transition g */
        int64_t g = tzfile_resolve(z, t, TZFILE_EARLIEST);
        FUZZ_CHECK(g + tzfile_offset_at(z, g) > t);
        FUZZ_CHECK(g - 1 + tzfile_offset_at(z, g - 1) < t);
    }
}

static void check_days(int64_t days)
{
    int64_t y;
    int m, d;
    civil_date_from_days(days, &y, &m, &d);
    FUZZ_CHECK(m >= 1 && m <= 12 && d >= 1 && d <= 31);
    FUZZ_CHECK(civil_days_from_date(y, m, d) == days);
    int w = civil_weekday(days);
    FUZZ_CHECK(w >= 0 && w <= 6 && civil_weekday(days + 1) == (w + 1) % 7);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 8)
        return 0;
    uint64_t raw = 0;
    for (int i = 7; i >= 0; i--)
        raw = raw << 8 | data[i];
    int64_t around = clamp_query((int64_t)raw % QUERY_LIMIT);
    check_days(around / 86400);

    tzfile *z = NULL;
    tzfile_rc rc = tzfile_parse("Fuzz/Zone", data + 8, size - 8, &z);
    if (rc != TZFILE_OK) {
        FUZZ_CHECK(z == NULL);
        FUZZ_CHECK(tzfile_strerror(rc) != NULL);
        return 0;
    }
    FUZZ_CHECK(z != NULL && strcmp(tzfile_name(z), "Fuzz/Zone") == 0);

    static const int64_t fixed[] = {
        -QUERY_LIMIT,          -INT64_C(62135596800), /* year 1 */
        -INT64_C(2208988800),                         /* 1900 */
        -INT64_C(2147483648),  0,
        INT64_C(1711846799),                        /* Brussels, before spring forward */
        INT64_C(1711846800),   INT64_C(1729990800), /* Brussels, fall back */
        INT64_C(2147483647),   INT64_C(4102444800), /* 2100 */
        INT64_C(253402300799),                      /* 9999 */
        QUERY_LIMIT,
    };
    for (size_t i = 0; i < sizeof fixed / sizeof fixed[0]; i++)
        check_instant(z, fixed[i]);
    for (int k = -48; k <= 48; k++)
        check_instant(z, clamp_query(around + k * 1800));
    tzfile_free(z);
    return 0;
}
