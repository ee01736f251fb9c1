/* tzfile.c - TZif reader, POSIX TZ rules, the zone cache and the check of
 * zone names (see tzfile.h).  Calendar arithmetic is civil.c's.
 *
 * Representation.  A zone keeps only what offsets need: the offset before
 * the first transition (time type 0, RFC 8536 section 3.2), then the list of
 * transitions that change the offset, each with its instant and the offset
 * after it, sorted.  Transitions that only rename the zone or flip isdst
 * without moving the clock are dropped at load.  The footer's POSIX TZ rule,
 * when present, decides at and after the file's last transition (and
 * everywhere when the file has no transitions).  Everything lives in one
 * allocation that is never written after tzfile_parse returns, which is what
 * makes a zone safe to share between threads.
 *
 * A POSIX rule "STDoff[DST[off],start[/time],end[/time]]" gives, for each
 * year, two transitions: DST starts at `start` (local standard time) and
 * ends at `end` (local daylight time).  The offset at an instant is that of
 * the latest rule transition at or before it among the years around it;
 * generating the neighbouring years as well covers southern-hemisphere rules
 * (end before start in the year), permanent DST ("0/0,J365/25"), and the
 * RFC 8536 extension of rule times from -167 to 167 hours.
 *
 * Local to UTC.  Offsets are bounded (|offset| < 26 h, checked at load), so
 * every instant whose wall clock reads L lies in (L - 26 h, L + 26 h).  That
 * window is split into segments of constant offset by the transitions in
 * it; segment [a, b) with offset o matches iff a <= L - o < b.  Segments are
 * in time order, so the matches come out earliest first.  When nothing
 * matches, L lies in a gap, and the transition whose jump skips over L is the
 * first instant after the gap.
 *
 * Limits.  Files are read up to TZFILE_MAX_BYTES; counts in the header are
 * checked against the bytes present before anything is indexed; at most 256
 * time types (a transition's type is one byte); offsets must be under 26
 * hours; rule times within +-167 hours; trailing bytes are refused.
 *
 * Names.  A zone name is a path under $TZDIR (or /usr/share/zoneinfo), so it
 * is checked for shape before any file is opened (name_is_safe); a name
 * that centers may use must also be one that tzdata.zi defines, which keeps
 * out the directory's other files (tzfile_is_iana_name). */
#include "sched/tzfile.h"

#include <assert.h>
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "sched/civil.h"

#define OFFSET_LIMIT 93600 /* |UTC offset| must stay below 26 hours */
#define TYPES_MAX    256
#define HEADER_BYTES 44
#define DEFAULT_DIR  "/usr/share/zoneinfo"

typedef struct tz_change {
    int64_t at;    /* instant of the transition */
    int32_t utoff; /* offset from `at` on */
} tz_change;

/* A POSIX rule date with its local time of day. */
typedef struct tz_date {
    char kind; /* 'J': day n of 1..365, Feb 29 never counted; 'D': day n of 0..365; 'M' */
    int n;
    int month, week, wday; /* 'M': month 1..12, week 1..5 (5 = last), wday 0..6 (Sunday 0) */
    int32_t time;          /* seconds after local midnight, may be negative or past 24 h */
} tz_date;

typedef struct tz_rule {
    int32_t std_off;
    int32_t dst_off;
    bool has_dst;
    tz_date start; /* DST begins, in local standard time */
    tz_date end;   /* DST ends, in local daylight time */
} tz_rule;

struct tzfile {
    char name[TZFILE_NAME_MAX + 1];
    int32_t initial; /* offset before the first transition */
    bool has_rule;   /* a footer rule decides from rule_from on */
    tz_rule rule;
    int64_t rule_from; /* the file's last transition, or INT64_MIN without one */
    size_t count;
    tz_change changes[]; /* `count` transitions, strictly increasing `at` */
};

static int64_t clamp_time(int64_t t)
{
    if (t < -TZFILE_TIME_LIMIT)
        return -TZFILE_TIME_LIMIT;
    if (t > TZFILE_TIME_LIMIT)
        return TZFILE_TIME_LIMIT;
    return t;
}

/* The UTC calendar year of instant t. */
static int64_t year_of(int64_t t)
{
    int64_t y;
    int m, d;
    civil_date_from_days(civil_floor_div(t, CIVIL_DAY_SECONDS), &y, &m, &d);
    return y;
}

/* ---- POSIX TZ rules --------------------------------------------------- */

/* The day number of rule date `d` in year y. */
static int64_t rule_day(const tz_date *d, int64_t y)
{
    int64_t jan1 = civil_days_from_date(y, 1, 1);
    switch (d->kind) {
    case 'J':
        return jan1 + d->n - 1 + (civil_is_leap(y) && d->n >= 60);
    case 'D':
        return jan1 + d->n;
    default: {
        assert(d->kind == 'M');
        int64_t first = civil_days_from_date(y, d->month, 1);
        int first_wday = (civil_weekday(first) + 1) % 7; /* Sunday 0 */
        int64_t day = first + (d->wday - first_wday + 7) % 7 + 7 * (d->week - 1);
        while (day >= first + civil_month_length(y, d->month))
            day -= 7;
        return day;
    }
    }
}

/* The two transitions of year y, DST end first so that, at equal instants
 * (permanent DST), the start wins. */
static void rule_year(const tz_rule *r, int64_t y, tz_change out[2])
{
    assert(r->has_dst);
    int64_t start = rule_day(&r->start, y) * CIVIL_DAY_SECONDS + r->start.time;
    int64_t end = rule_day(&r->end, y) * CIVIL_DAY_SECONDS + r->end.time;
    out[0] = (tz_change){.at = end - r->dst_off, .utoff = r->std_off};
    out[1] = (tz_change){.at = start - r->std_off, .utoff = r->dst_off};
}

/* Stable insertion sort by instant; n is tiny. */
static void changes_sort(tz_change *v, size_t n)
{
    for (size_t i = 1; i < n; i++) {
        tz_change x = v[i];
        size_t j = i;
        while (j > 0 && v[j - 1].at > x.at) {
            v[j] = v[j - 1];
            j--;
        }
        v[j] = x;
    }
}

/* The offset rule r gives at instant t: that of the latest of the
 * transitions of the years around t at or before it. */
static int32_t rule_offset(const tz_rule *r, int64_t t)
{
    if (!r->has_dst)
        return r->std_off;
    /* Rule times reach +-167 hours, so a transition of rule year y - 2 may
     * fall in year y - 1 and still be the latest one before t. */
    tz_change v[8];
    int64_t y = year_of(t);
    for (int i = 0; i < 4; i++)
        rule_year(r, y - 2 + i, v + 2 * i);
    changes_sort(v, 8);
    if (v[0].at > t) /* only with absurd rule times: the state before the first */
        return v[0].utoff == r->dst_off ? r->std_off : r->dst_off;
    size_t i = 0;
    while (i + 1 < 8 && v[i + 1].at <= t)
        i++;
    return v[i].utoff;
}

/* ---- offsets and local times ------------------------------------------ */

/* Index of the first change after t. */
static size_t changes_after(const tzfile *z, int64_t t)
{
    size_t lo = 0, hi = z->count;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (z->changes[mid].at <= t)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo;
}

int32_t tzfile_offset_at(const tzfile *z, int64_t t)
{
    assert(z != NULL);
    t = clamp_time(t);
    if (z->has_rule && t >= z->rule_from)
        return rule_offset(&z->rule, t);
    size_t i = changes_after(z, t);
    return i == 0 ? z->initial : z->changes[i - 1].utoff;
}

/* The transitions in (lo, hi], in order: the file's, then the rule's. */
typedef struct change_iter {
    const tzfile *z;
    int64_t hi;
    size_t next; /* into z->changes */
    tz_change rule[8];
    size_t nrule, rnext;
} change_iter;

/* Starts an iteration over (lo, hi], a span of at most four days.  The
 * rule's transitions are kept only after the file's last one. */
static void change_iter_init(change_iter *it, const tzfile *z, int64_t lo, int64_t hi)
{
    assert(hi >= lo && hi - lo <= 4 * CIVIL_DAY_SECONDS); /* so four rule years cover it */
    it->z = z;
    it->hi = hi;
    it->next = changes_after(z, lo);
    it->nrule = it->rnext = 0;
    if (!z->has_rule || !z->rule.has_dst || hi < z->rule_from)
        return;
    int64_t y0 = year_of(lo) - 1, y1 = year_of(hi) + 1;
    assert(y1 - y0 + 1 <= 4);
    for (int64_t y = y0; y <= y1; y++) {
        tz_change two[2];
        rule_year(&z->rule, y, two);
        for (int i = 0; i < 2; i++)
            if (two[i].at > lo && two[i].at <= hi && two[i].at > z->rule_from)
                it->rule[it->nrule++] = two[i];
    }
    changes_sort(it->rule, it->nrule);
}

/* The next transition into *out; false when the span is exhausted. */
static bool change_iter_next(change_iter *it, tz_change *out)
{
    const tzfile *z = it->z;
    if (it->next < z->count && z->changes[it->next].at <= it->hi) {
        *out = z->changes[it->next++];
        return true;
    }
    if (it->rnext < it->nrule) {
        *out = it->rule[it->rnext++];
        return true;
    }
    return false;
}

/* The matches of `local` (see the file comment); when there are none,
 * *gap_end is the transition that skips over it. */
static size_t zone_locate(const tzfile *z, int64_t local, int64_t out[TZFILE_MAX_MATCHES],
                          int64_t *gap_end)
{
    local = clamp_time(local);
    int64_t lo = local - OFFSET_LIMIT, hi = local + OFFSET_LIMIT;
    int32_t off = tzfile_offset_at(z, lo);
    int64_t seg_start = lo;
    bool gap_found = false;
    size_t n = 0;
    change_iter it;
    change_iter_init(&it, z, lo, hi);
    for (;;) {
        tz_change c;
        bool more = change_iter_next(&it, &c);
        int64_t seg_end = more ? c.at : hi + 1;
        int64_t t = local - off;
        if (t >= seg_start && t < seg_end && n < TZFILE_MAX_MATCHES)
            out[n++] = t;
        if (!more)
            break;
        if (!gap_found && c.utoff > off && c.at + off <= local && local < c.at + c.utoff) {
            *gap_end = c.at;
            gap_found = true;
        }
        off = c.utoff;
        seg_start = c.at;
    }
    if (n == 0 && !gap_found) {
        /* unreachable with offsets under 26 h; answer something sane */
        assert(!"local time neither matched nor in a gap");
        *gap_end = local - tzfile_offset_at(z, local);
    }
    return n;
}

size_t tzfile_local_to_utc(const tzfile *z, int64_t local, int64_t out[TZFILE_MAX_MATCHES])
{
    assert(z != NULL && out != NULL);
    int64_t gap_end;
    return zone_locate(z, local, out, &gap_end);
}

int64_t tzfile_resolve(const tzfile *z, int64_t local, tzfile_pick pick)
{
    assert(z != NULL);
    int64_t v[TZFILE_MAX_MATCHES], gap_end = 0;
    size_t n = zone_locate(z, local, v, &gap_end);
    if (n == 0)
        return gap_end;
    return pick == TZFILE_EARLIEST ? v[0] : v[n - 1];
}

/* ---- the POSIX TZ string of the footer -------------------------------- */

typedef struct tz_scan {
    const char *p, *end;
} tz_scan;

static bool scan_is(const tz_scan *s, char c)
{
    return s->p < s->end && *s->p == c;
}

static bool is_digit(char c)
{
    return c >= '0' && c <= '9';
}

static bool is_alpha(char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

/* A zone abbreviation: 3+ letters, or <...> of 3+ letters, digits, + and -. */
static bool scan_name(tz_scan *s)
{
    const char *start;
    if (scan_is(s, '<')) {
        start = ++s->p;
        while (s->p < s->end && *s->p != '>') {
            char c = *s->p;
            if (!is_alpha(c) && !is_digit(c) && c != '+' && c != '-')
                return false;
            s->p++;
        }
        if (s->p == s->end || s->p - start < 3)
            return false;
        s->p++;
        return true;
    }
    start = s->p;
    while (s->p < s->end && is_alpha(*s->p))
        s->p++;
    return s->p - start >= 3;
}

/* An unsigned number of 1 to 3 digits, at most max. */
static bool scan_number(tz_scan *s, int max, int *out)
{
    int v = 0, digits = 0;
    while (s->p < s->end && is_digit(*s->p) && digits < 3) {
        v = v * 10 + (*s->p - '0');
        s->p++;
        digits++;
    }
    if (digits == 0 || v > max || (s->p < s->end && is_digit(*s->p)))
        return false;
    *out = v;
    return true;
}

/* [+|-]hh[:mm[:ss]] with hh <= max_hours, as signed seconds. */
static bool scan_time(tz_scan *s, int max_hours, int32_t *out)
{
    int sign = 1, h, m = 0, sec = 0;
    if (scan_is(s, '+') || scan_is(s, '-'))
        sign = *s->p++ == '-' ? -1 : 1;
    if (!scan_number(s, max_hours, &h))
        return false;
    if (scan_is(s, ':')) {
        s->p++;
        if (!scan_number(s, 59, &m))
            return false;
        if (scan_is(s, ':')) {
            s->p++;
            if (!scan_number(s, 59, &sec))
                return false;
        }
    }
    *out = sign * (h * 3600 + m * 60 + sec);
    return true;
}

/* A rule date, Jn | n | Mm.w.d, with an optional /time (default 02:00). */
static bool scan_date(tz_scan *s, tz_date *d)
{
    memset(d, 0, sizeof *d);
    if (scan_is(s, 'J')) {
        s->p++;
        d->kind = 'J';
        if (!scan_number(s, 365, &d->n) || d->n < 1)
            return false;
    } else if (scan_is(s, 'M')) {
        s->p++;
        d->kind = 'M';
        if (!scan_number(s, 12, &d->month) || d->month < 1 || !scan_is(s, '.'))
            return false;
        s->p++;
        if (!scan_number(s, 5, &d->week) || d->week < 1 || !scan_is(s, '.'))
            return false;
        s->p++;
        if (!scan_number(s, 6, &d->wday))
            return false;
    } else {
        d->kind = 'D';
        if (!scan_number(s, 365, &d->n))
            return false;
    }
    d->time = 2 * 3600;
    if (scan_is(s, '/')) {
        s->p++;
        return scan_time(s, 167, &d->time);
    }
    return true;
}

/* Parses a whole TZ string; a DST name without rules is refused (POSIX
 * leaves it implementation-defined and zic never writes one). */
static bool rule_parse(const char *str, size_t len, tz_rule *r)
{
    tz_scan s = {.p = str, .end = str + len};
    int32_t off;
    memset(r, 0, sizeof *r);
    if (!scan_name(&s) || !scan_time(&s, 24, &off))
        return false;
    r->std_off = -off; /* POSIX counts west of Greenwich as positive */
    if (s.p == s.end)
        return true;
    if (!scan_name(&s))
        return false;
    r->has_dst = true;
    r->dst_off = r->std_off + 3600;
    if (!scan_is(&s, ',')) {
        if (!scan_time(&s, 24, &off))
            return false;
        r->dst_off = -off;
    }
    if (!scan_is(&s, ','))
        return false;
    s.p++;
    if (!scan_date(&s, &r->start) || !scan_is(&s, ','))
        return false;
    s.p++;
    if (!scan_date(&s, &r->end))
        return false;
    return s.p == s.end && r->dst_off > -OFFSET_LIMIT && r->dst_off < OFFSET_LIMIT;
}

/* ---- TZif ------------------------------------------------------------- */

typedef struct tzif_header {
    char version; /* 0, '2', '3' or '4' */
    uint32_t isutcnt, isstdcnt, leapcnt, timecnt, typecnt, charcnt;
} tzif_header;

static uint32_t be32(const unsigned char *p)
{
    return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

/* Big-endian two's complement, converted without implementation-defined
 * casts. */
static int64_t be64(const unsigned char *p)
{
    uint64_t u = (uint64_t)be32(p) << 32 | be32(p + 4);
    return u > INT64_MAX ? -(int64_t)(~u) - 1 : (int64_t)u;
}

static int32_t be32_signed(const unsigned char *p)
{
    uint32_t u = be32(p);
    return u > INT32_MAX ? -(int32_t)(~u) - 1 : (int32_t)u;
}

/* Reads and checks the 44-byte header at p (avail bytes left): magic,
 * version, and counts consistent with each other.  Whether the data block
 * they announce fits is checked by the caller. */
static tzfile_rc header_read(const unsigned char *p, size_t avail, tzif_header *h)
{
    if (avail < HEADER_BYTES || memcmp(p, "TZif", 4) != 0)
        return TZFILE_MALFORMED;
    h->version = (char)p[4];
    if (h->version != 0 && h->version != '2' && h->version != '3' && h->version != '4')
        return TZFILE_UNSUPPORTED;
    h->isutcnt = be32(p + 20);
    h->isstdcnt = be32(p + 24);
    h->leapcnt = be32(p + 28);
    h->timecnt = be32(p + 32);
    h->typecnt = be32(p + 36);
    h->charcnt = be32(p + 40);
    if (h->typecnt == 0 || h->typecnt > TYPES_MAX || h->charcnt == 0 ||
        (h->isutcnt != 0 && h->isutcnt != h->typecnt) ||
        (h->isstdcnt != 0 && h->isstdcnt != h->typecnt))
        return TZFILE_MALFORMED;
    return TZFILE_OK;
}

/* Bytes of the data block after a header; counts are < 2^32, so no
 * overflow in 64 bits. */
static uint64_t block_bytes(const tzif_header *h, unsigned time_size)
{
    return (uint64_t)h->timecnt * (time_size + 1) + (uint64_t)h->typecnt * 6 + h->charcnt +
           (uint64_t)h->leapcnt * (time_size + 4) + h->isstdcnt + h->isutcnt;
}

/* Builds the zone from a data block already known to fit in the buffer. */
static tzfile_rc zone_build(const char *name, const tzif_header *h, const unsigned char *block,
                            unsigned time_size, const char *footer, size_t footer_len, tzfile **out)
{
    int32_t utoff[TYPES_MAX];
    const unsigned char *times = block;
    const unsigned char *idx = times + (size_t)h->timecnt * time_size;
    const unsigned char *types = idx + h->timecnt;
    const unsigned char *stdflags =
        types + (size_t)h->typecnt * 6 + h->charcnt + (size_t)h->leapcnt * (time_size + 4);
    const unsigned char *utflags = stdflags + h->isstdcnt;

    for (uint32_t i = 0; i < h->typecnt; i++) {
        const unsigned char *t = types + (size_t)i * 6;
        utoff[i] = be32_signed(t);
        if (utoff[i] <= -OFFSET_LIMIT || utoff[i] >= OFFSET_LIMIT || t[4] > 1 || t[5] >= h->charcnt)
            return TZFILE_MALFORMED;
    }
    for (uint32_t i = 0; i < h->isstdcnt; i++)
        if (stdflags[i] > 1)
            return TZFILE_MALFORMED;
    for (uint32_t i = 0; i < h->isutcnt; i++)
        if (utflags[i] > 1)
            return TZFILE_MALFORMED;

    /* validate the transitions and count the ones that move the clock */
    size_t count = 0;
    int32_t prev = utoff[0];
    int64_t last = INT64_MIN;
    for (uint32_t i = 0; i < h->timecnt; i++) {
        int64_t at =
            time_size == 8 ? be64(times + (size_t)i * 8) : be32_signed(times + (size_t)i * 4);
        if ((i > 0 && at <= last) || idx[i] >= h->typecnt)
            return TZFILE_MALFORMED;
        last = at;
        if (utoff[idx[i]] != prev)
            count++;
        prev = utoff[idx[i]];
    }

    tz_rule rule;
    bool has_rule = footer_len > 0;
    if (has_rule && !rule_parse(footer, footer_len, &rule))
        return TZFILE_MALFORMED;

    /* From the last transition on the footer's rule gives the offset
     * (tzfile_offset_at).  RFC 8536 wants the two to agree there; where a
     * file's do not, the last transition takes the rule's offset, so that
     * local times (zone_locate) agree with offsets.  One more change may be
     * needed for that. */
    tzfile *z = calloc(1, sizeof *z + (count + 1) * sizeof(tz_change));
    if (!z)
        return TZFILE_NO_MEMORY;
    snprintf(z->name, sizeof z->name, "%s", name);
    z->initial = utoff[0];
    z->has_rule = has_rule;
    if (has_rule)
        z->rule = rule;
    z->rule_from = last;
    prev = utoff[0];
    for (uint32_t i = 0; i < h->timecnt; i++) {
        if (utoff[idx[i]] == prev)
            continue;
        prev = utoff[idx[i]];
        z->changes[z->count++] = (tz_change){
            .at = time_size == 8 ? be64(times + (size_t)i * 8) : be32_signed(times + (size_t)i * 4),
            .utoff = prev,
        };
    }
    assert(z->count == count);
    if (has_rule && h->timecnt > 0) {
        int32_t from_rule = rule_offset(&rule, last);
        if (z->count > 0 && z->changes[z->count - 1].at == last)
            z->changes[z->count - 1].utoff = from_rule;
        else if (from_rule != prev)
            z->changes[z->count++] = (tz_change){.at = last, .utoff = from_rule};
    }
    *out = z;
    return TZFILE_OK;
}

tzfile_rc tzfile_parse(const char *name, const unsigned char *data, size_t len, tzfile **out)
{
    assert(out != NULL);
    *out = NULL;
    if (!name || strlen(name) > TZFILE_NAME_MAX)
        return TZFILE_BAD_NAME;
    if (len > TZFILE_MAX_BYTES)
        return TZFILE_TOO_BIG;
    if (!data)
        return TZFILE_MALFORMED;

    tzif_header h1, h2;
    tzfile_rc rc = header_read(data, len, &h1);
    if (rc != TZFILE_OK)
        return rc;
    uint64_t size1 = block_bytes(&h1, 4);
    if (size1 > len - HEADER_BYTES)
        return TZFILE_MALFORMED;
    if (h1.version == 0) {
        if (HEADER_BYTES + size1 != len)
            return TZFILE_MALFORMED;
        if (h1.leapcnt != 0)
            return TZFILE_UNSUPPORTED;
        return zone_build(name, &h1, data + HEADER_BYTES, 4, NULL, 0, out);
    }

    /* version 2+: skip the 32-bit block, read the 64-bit one and the footer */
    size_t pos = HEADER_BYTES + (size_t)size1;
    rc = header_read(data + pos, len - pos, &h2);
    if (rc != TZFILE_OK)
        return rc;
    if (h2.version != h1.version)
        return TZFILE_MALFORMED;
    pos += HEADER_BYTES;
    uint64_t size2 = block_bytes(&h2, 8);
    if (size2 > len - pos)
        return TZFILE_MALFORMED;
    const unsigned char *block = data + pos;
    pos += (size_t)size2;
    if (pos == len || data[pos] != '\n')
        return TZFILE_MALFORMED;
    const char *footer = (const char *)data + pos + 1;
    const char *nl = memchr(footer, '\n', len - pos - 1);
    if (!nl || (const unsigned char *)nl + 1 != data + len)
        return TZFILE_MALFORMED;
    if (h2.leapcnt != 0)
        return TZFILE_UNSUPPORTED;
    return zone_build(name, &h2, block, 8, footer, (size_t)(nl - footer), out);
}

void tzfile_free(tzfile *z)
{
    free(z);
}

const char *tzfile_name(const tzfile *z)
{
    assert(z != NULL);
    return z->name;
}

const char *tzfile_strerror(tzfile_rc rc)
{
    switch (rc) {
    case TZFILE_OK:
        return "ok";
    case TZFILE_BAD_NAME:
        return "invalid time zone name";
    case TZFILE_NOT_FOUND:
        return "unknown time zone";
    case TZFILE_TOO_BIG:
        return "time zone file too large";
    case TZFILE_MALFORMED:
        return "malformed time zone file";
    case TZFILE_UNSUPPORTED:
        return "unsupported time zone file";
    case TZFILE_NO_MEMORY:
        return "out of memory";
    case TZFILE_CACHE_FULL:
        return "too many time zones";
    }
    return "unknown error";
}

/* ---- files ------------------------------------------------------------ */

/* The shape of an IANA name: letters, digits and / _ - +, neither starting
 * with '/' nor containing "..", so that a name read from a client or a
 * database can never reach a file outside the tz directory.  tzfile_load,
 * tzfile_get and tzfile_is_iana_name check it first. */
static bool name_is_safe(const char *name)
{
    if (!name)
        return false;
    size_t len = strlen(name);
    if (len == 0 || len > TZFILE_NAME_MAX || name[0] == '/' || strstr(name, "..") != NULL)
        return false;
    for (const char *p = name; *p; p++)
        if (!is_alpha(*p) && !is_digit(*p) && *p != '/' && *p != '_' && *p != '-' && *p != '+')
            return false;
    return true;
}

/* Reads a regular file of at most TZFILE_MAX_BYTES into a new buffer
 * (*data, freed by the caller) on TZFILE_OK. */
static tzfile_rc file_read(const char *path, unsigned char **data, size_t *len)
{
    tzfile_rc rc = TZFILE_OK;
    unsigned char *buf = NULL;
    size_t got = 0;
    struct stat st;
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return TZFILE_NOT_FOUND;
    if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
        rc = TZFILE_NOT_FOUND;
        goto done;
    }
    if (st.st_size > (off_t)TZFILE_MAX_BYTES) {
        rc = TZFILE_TOO_BIG;
        goto done;
    }
    /* one byte more than allowed, to notice a file that grew meanwhile */
    buf = malloc(TZFILE_MAX_BYTES + 1);
    if (!buf) {
        rc = TZFILE_NO_MEMORY;
        goto done;
    }
    while (got < TZFILE_MAX_BYTES + 1) {
        ssize_t n = read(fd, buf + got, TZFILE_MAX_BYTES + 1 - got);
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0) {
            rc = TZFILE_NOT_FOUND;
            goto done;
        }
        if (n == 0)
            break;
        got += (size_t)n;
    }
    if (got > TZFILE_MAX_BYTES)
        rc = TZFILE_TOO_BIG;
done:
    close(fd);
    if (rc == TZFILE_OK) {
        *data = buf;
        *len = got;
    } else {
        free(buf);
    }
    return rc;
}

tzfile_rc tzfile_load(const char *name, tzfile **out)
{
    assert(out != NULL);
    *out = NULL;
    if (!name_is_safe(name))
        return TZFILE_BAD_NAME;
    const char *dir = getenv("TZDIR");
    if (!dir || !*dir)
        dir = DEFAULT_DIR;
    char path[4096];
    int n = snprintf(path, sizeof path, "%s/%s", dir, name);
    if (n < 0 || (size_t)n >= sizeof path)
        return TZFILE_NOT_FOUND;
    unsigned char *data = NULL;
    size_t len = 0;
    tzfile_rc rc = file_read(path, &data, &len);
    if (rc == TZFILE_OK)
        rc = tzfile_parse(name, data, len, out);
    free(data);
    return rc;
}

/* True when the line `line` of tzdata.zi defines `name`: "Z NAME ..." (a
 * zone) or "L TARGET NAME" (a link). */
static bool zi_line_names(const char *line, const char *name)
{
    size_t nlen = strlen(name);
    const char *p = NULL;
    if (line[0] == 'Z' && line[1] == ' ') {
        p = line + 2;
    } else if (line[0] == 'L' && line[1] == ' ') {
        p = strchr(line + 2, ' ');
        if (!p)
            return false;
        p++;
    } else {
        return false;
    }
    return strncmp(p, name, nlen) == 0 && (p[nlen] == ' ' || p[nlen] == '\n' || p[nlen] == '\0');
}

/* Files of the tz directory that are not zones a center may use (when
 * tzdata.zi cannot be read): the first path component or the whole name. */
static bool name_is_denied(const char *name)
{
    static const char *const denied[] = {"localtime",   "posixrules", "Factory",
                                         "leapseconds", "posix",      "right"};
    for (size_t i = 0; i < sizeof denied / sizeof denied[0]; i++) {
        size_t n = strlen(denied[i]);
        if (strncmp(name, denied[i], n) == 0 && (name[n] == '\0' || name[n] == '/'))
            return true;
    }
    return false;
}

bool tzfile_is_iana_name(const char *name)
{
    if (!name_is_safe(name) || name_is_denied(name))
        return false;
    const char *dir = getenv("TZDIR");
    if (!dir || !*dir)
        dir = DEFAULT_DIR;
    char path[4096];
    int n = snprintf(path, sizeof path, "%s/tzdata.zi", dir);
    FILE *f = n > 0 && (size_t)n < sizeof path ? fopen(path, "re") : NULL;
    if (!f)
        return true; /* no list to check against: the deny list above */
    bool found = false;
    char line[512];
    while (!found && fgets(line, sizeof line, f))
        found = zi_line_names(line, name);
    fclose(f);
    return found;
}

/* ---- the cache -------------------------------------------------------- */

static pthread_mutex_t cache_lock = PTHREAD_MUTEX_INITIALIZER;
static tzfile *cache_zones[TZFILE_CACHE_MAX];
static size_t cache_count;

tzfile_rc tzfile_get(const char *name, const tzfile **out)
{
    assert(out != NULL);
    *out = NULL;
    if (!name_is_safe(name))
        return TZFILE_BAD_NAME;
    tzfile_rc rc = TZFILE_OK;
    pthread_mutex_lock(&cache_lock);
    for (size_t i = 0; i < cache_count; i++) {
        if (strcmp(cache_zones[i]->name, name) == 0) {
            *out = cache_zones[i];
            goto done;
        }
    }
    if (cache_count == TZFILE_CACHE_MAX) {
        rc = TZFILE_CACHE_FULL;
        goto done;
    }
    tzfile *z = NULL;
    rc = tzfile_load(name, &z);
    if (rc == TZFILE_OK) {
        cache_zones[cache_count++] = z;
        *out = z;
    }
done:
    pthread_mutex_unlock(&cache_lock);
    return rc;
}
