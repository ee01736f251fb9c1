/* slots.c - interval arithmetic and the step-grid walk behind slots.h, and
 * the ISO 8601 form of an instant, written and read.
 *
 * slots_compute works in four passes over sorted interval lists, all in the
 * caller's arena:
 *
 *   1. sources: every weekly range of every local day that can touch the
 *      window, converted to instants (the DST rules of slots.h live in
 *      source_add_weekly), plus the extra openings; sorted by start.  Each
 *      source is also a step grid anchored at its start.
 *   2. blocked: absences and busy intervals that touch the window, sorted
 *      and merged (overlapping double bookings become one interval).
 *   3. open: the union of the sources minus blocked, as sorted, disjoint,
 *      maximal intervals, so "[S, S + d) is inside the open set" is "inside
 *      one open interval".
 *   4. the walk: one cursor per source yields, in order, the grid points of
 *      its source whose slot fits in an open interval; a k-way merge of the
 *      cursors emits each start once, in time order, until the limit.
 *      Cursors are activated in source order only when their source starts
 *      no later than the current minimum, so the merge holds only the few
 *      sources that overlap, and stops as soon as the limit is reached.
 *
 * The window only needs the open set over [lo, to + duration), lo being the
 * later of `from` and `now`: a slot starting before `to` ends before that.
 * The local days examined are those whose ranges can reach that span given
 * any offset under 26 hours. */
#include "sched/slots.h"

#include <assert.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sched/civil.h"

#define OFFSET_REACH (26 * 3600) /* beyond any UTC offset tzfile accepts */

static int64_t max64(int64_t a, int64_t b)
{
    return a > b ? a : b;
}

static int64_t min64(int64_t a, int64_t b)
{
    return a < b ? a : b;
}

static bool time_ok(int64_t t)
{
    return t >= SLOTS_TIME_MIN && t <= SLOTS_TIME_MAX;
}

/* ---- sorted interval lists -------------------------------------------- */

static int interval_cmp(const void *pa, const void *pb)
{
    const slots_interval *a = pa, *b = pb;
    if (a->start != b->start)
        return a->start < b->start ? -1 : 1;
    if (a->stop != b->stop)
        return a->stop < b->stop ? -1 : 1;
    return 0;
}

/* Sorts by start, skipping the sort when the list already is. */
static void intervals_sort(slots_interval *v, size_t n)
{
    for (size_t i = 1; i < n; i++) {
        if (v[i].start < v[i - 1].start) {
            qsort(v, n, sizeof *v, interval_cmp);
            return;
        }
    }
}

/* Merges a sorted list in place into disjoint, non-touching intervals;
 * returns the new length. */
static size_t intervals_merge(slots_interval *v, size_t n)
{
    size_t m = 0;
    for (size_t i = 0; i < n; i++) {
        if (m > 0 && v[i].start <= v[m - 1].stop)
            v[m - 1].stop = max64(v[m - 1].stop, v[i].stop);
        else
            v[m++] = v[i];
    }
    return m;
}

/* Index of the first interval of a sorted disjoint list ending after t. */
static size_t intervals_after(const slots_interval *v, size_t n, int64_t t)
{
    size_t lo = 0, hi = n;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (v[mid].stop <= t)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo;
}

/* Writes u minus b (both sorted, disjoint, non-touching) into out, which
 * has room for nu + nb intervals; returns the count. */
static size_t intervals_subtract(const slots_interval *u, size_t nu, const slots_interval *b,
                                 size_t nb, slots_interval *out)
{
    size_t n = 0, j = 0;
    for (size_t i = 0; i < nu; i++) {
        int64_t cur = u[i].start, end = u[i].stop;
        while (j < nb && b[j].stop <= cur)
            j++;
        size_t k = j;
        while (k < nb && b[k].start < end && cur < end) {
            if (b[k].start > cur)
                out[n++] = (slots_interval){cur, b[k].start};
            cur = max64(cur, b[k].stop);
            if (cur < end)
                k++;
        }
        if (cur < end)
            out[n++] = (slots_interval){cur, end};
        j = k;
    }
    assert(n <= nu + nb);
    return n;
}

/* ---- input checks ----------------------------------------------------- */

/* Checks every input against its range and limit (the error codes of
 * slots_compute) before anything is allocated. */
static slots_rc query_check(const slots_query *q)
{
    if (!q->zone || (q->weekly_count && !q->weekly) || (q->openings_count && !q->openings) ||
        (q->absences_count && !q->absences) || (q->busy_count && !q->busy))
        return SLOTS_INVALID;
    if (q->weekly_count > SLOTS_MAX_WEEKLY || q->openings_count > SLOTS_MAX_INTERVALS ||
        q->absences_count > SLOTS_MAX_INTERVALS || q->busy_count > SLOTS_MAX_INTERVALS ||
        q->limit > SLOTS_MAX_LIMIT)
        return SLOTS_TOO_BIG;
    if (q->step < 0 || q->step > SLOTS_MAX_STEP || q->duration < 1 ||
        q->duration > SLOTS_MAX_DURATION)
        return SLOTS_INVALID;
    if (!time_ok(q->from) || !time_ok(q->to) || !time_ok(q->now) || q->busy_longest < 0 ||
        q->busy_longest > SLOTS_TIME_MAX - SLOTS_TIME_MIN)
        return SLOTS_INVALID;
    if (q->to > q->from && q->to - q->from > SLOTS_MAX_WINDOW)
        return SLOTS_TOO_BIG;
    for (size_t i = 0; i < q->weekly_count; i++) {
        const slots_range *r = &q->weekly[i];
        if (r->day < 0 || r->day > 6 || r->start < 0 || r->start >= r->stop || r->stop > 1440)
            return SLOTS_INVALID;
    }
    /* an opening's start anchors a grid, so it takes part in arithmetic */
    for (size_t i = 0; i < q->openings_count; i++)
        if (!time_ok(q->openings[i].start) || !time_ok(q->openings[i].stop))
            return SLOTS_INVALID;
    return SLOTS_OK;
}

/* ---- pass 1: sources -------------------------------------------------- */

typedef struct span {
    int64_t lo;    /* first possible slot start */
    int64_t hi;    /* slot starts are before this */
    int64_t reach; /* the open set matters up to here */
} span;

static int range_cmp(const void *pa, const void *pb)
{
    const slots_range *a = pa, *b = pb;
    if (a->day != b->day)
        return a->day - b->day;
    return a->start - b->start;
}

/* Materializes weekly range r on local day `day` (days since 1970-01-01):
 * its start resolves to the first instant the wall clock reads it, its stop
 * to the last, and either one inside a gap to the end of the gap.  Appends
 * it to src when non-empty and touching [w->lo, w->reach). */
static void source_add_weekly(const tzfile *z, int64_t day, const slots_range *r, const span *w,
                              slots_interval *src, size_t *n)
{
    int64_t midnight = day * CIVIL_DAY_SECONDS;
    int64_t start = tzfile_resolve(z, midnight + (int64_t)r->start * 60, TZFILE_EARLIEST);
    int64_t stop = tzfile_resolve(z, midnight + (int64_t)r->stop * 60, TZFILE_LATEST);
    if (start < stop && stop > w->lo && start < w->reach)
        src[(*n)++] = (slots_interval){start, stop};
}

/* The sources touching the span, sorted by start, into a new arena array;
 * NULL on arena exhaustion (then *n is 0). */
static slots_interval *sources_build(const slots_query *q, const span *w, arena *a, size_t *n)
{
    *n = 0;
    int64_t first = civil_floor_div(w->lo - OFFSET_REACH, CIVIL_DAY_SECONDS) - 1;
    int64_t last = civil_floor_div(w->reach + OFFSET_REACH, CIVIL_DAY_SECONDS) + 1;
    assert(last >= first && last - first < 1000);
    size_t weeks = (size_t)(last - first) / 7 + 2;
    size_t cap = weeks * q->weekly_count + q->openings_count;
    slots_interval *src = arena_alloc(a, (cap ? cap : 1) * sizeof *src);
    slots_range *week = arena_alloc(a, (q->weekly_count ? q->weekly_count : 1) * sizeof *week);
    if (!src || !week)
        return NULL;

    /* the week sorted by day then start, and where each day begins in it */
    if (q->weekly_count > 0) {
        memcpy(week, q->weekly, q->weekly_count * sizeof *week);
        qsort(week, q->weekly_count, sizeof *week, range_cmp);
    }
    size_t day_at[8] = {0};
    for (size_t i = 0; i < q->weekly_count; i++)
        day_at[week[i].day + 1] = i + 1;
    for (int d = 1; d <= 7; d++)
        day_at[d] = day_at[d] > day_at[d - 1] ? day_at[d] : day_at[d - 1];

    if (q->weekly_count > 0) {
        for (int64_t day = first; day <= last; day++) {
            int wd = civil_weekday(day);
            for (size_t i = day_at[wd]; i < day_at[wd + 1]; i++)
                source_add_weekly(q->zone, day, &week[i], w, src, n);
        }
    }
    for (size_t i = 0; i < q->openings_count; i++) {
        slots_interval o = q->openings[i];
        if (o.start < o.stop && o.stop > w->lo && o.start < w->reach)
            src[(*n)++] = o;
    }
    assert(*n <= cap);
    intervals_sort(src, *n);
    return src;
}

/* ---- pass 2: blocked -------------------------------------------------- */

/* Index of the first busy interval whose start is after t (sorted list). */
static size_t busy_first_after(const slots_interval *v, size_t n, int64_t t)
{
    size_t lo = 0, hi = n;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (v[mid].start <= t)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo;
}

/* Absences and busy intervals touching the span, sorted and merged, into
 * a new arena array.  SLOTS_INVALID when busy_longest is set and the
 * selected busy intervals are out of order. */
static slots_rc blocked_build(const slots_query *q, const span *w, arena *a, slots_interval **out,
                              size_t *n)
{
    *out = NULL;
    *n = 0;
    size_t b0 = 0, b1 = q->busy_count;
    if (q->busy_longest > 0) {
        /* stop - start <= longest, so stop > lo implies start > lo - longest */
        b0 = busy_first_after(q->busy, q->busy_count, w->lo - q->busy_longest);
        b1 = busy_first_after(q->busy, q->busy_count, w->reach - 1);
        if (b1 < b0)
            return SLOTS_INVALID;
    }
    size_t cap = q->absences_count + (b1 - b0);
    slots_interval *v = arena_alloc(a, (cap ? cap : 1) * sizeof *v);
    if (!v)
        return SLOTS_NO_MEMORY;
    size_t m = 0;
    for (size_t i = 0; i < q->absences_count; i++) {
        slots_interval x = q->absences[i];
        if (x.start < x.stop && x.stop > w->lo && x.start < w->reach)
            v[m++] = x;
    }
    for (size_t i = b0; i < b1; i++) {
        slots_interval x = q->busy[i];
        if (q->busy_longest > 0 && i > b0 && x.start < q->busy[i - 1].start)
            return SLOTS_INVALID;
        if (x.start < x.stop && x.stop > w->lo && x.start < w->reach)
            v[m++] = x;
    }
    intervals_sort(v, m);
    *out = v;
    *n = intervals_merge(v, m);
    return SLOTS_OK;
}

/* ---- pass 4: the grid walk -------------------------------------------- */

typedef struct cursor {
    int64_t anchor; /* the source's start: its grid is anchor + k * step */
    int64_t stop;   /* the source's stop: grid points must lie before it */
    size_t oi;      /* first open interval that may still hold a slot */
    int64_t head;   /* the current candidate */
} cursor;

typedef struct walk {
    const slots_interval *open;
    size_t nopen;
    int64_t hi, step, dur;
} walk;

/* The first grid point >= t (t >= anchor). */
static int64_t grid_ceil(int64_t anchor, int64_t step, int64_t t)
{
    assert(t >= anchor);
    return anchor + (t - anchor + step - 1) / step * step;
}

/* Moves c->head to the first grid point >= t whose slot fits in an open
 * interval and that lies in the source and before the window's end;
 * false when there is none. */
static bool cursor_seek(cursor *c, const walk *k, int64_t t)
{
    int64_t s = grid_ceil(c->anchor, k->step, max64(t, c->anchor));
    while (c->oi < k->nopen) {
        const slots_interval *o = &k->open[c->oi];
        if (s >= c->stop || s >= k->hi)
            return false;
        if (o->stop - s < k->dur) {
            c->oi++; /* no later grid point fits in this one either */
            continue;
        }
        if (s < o->start) {
            s = grid_ceil(c->anchor, k->step, o->start);
            continue;
        }
        c->head = s;
        return true;
    }
    return false;
}

/* An upper bound of the slots the sources can yield, capped at limit. */
static size_t slots_bound(const slots_interval *src, size_t nsrc, const span *w, int64_t step,
                          size_t limit)
{
    size_t total = 0;
    for (size_t i = 0; i < nsrc && total < limit; i++) {
        int64_t s = max64(src[i].start, w->lo), e = min64(src[i].stop, w->hi);
        if (s < e)
            total += (size_t)((e - s) / step + 1);
    }
    return total < limit ? total : limit;
}

/* Emits the slot starts in order into out[0..cap); returns the count.
 * `act` has room for nsrc cursors. */
static size_t walk_run(const walk *k, const slots_interval *src, size_t nsrc, const span *w,
                       const tzfile *z, cursor *act, slots_slot *out, size_t cap)
{
    size_t next = 0, nact = 0, n = 0;
    while (n < cap) {
        int64_t m = INT64_MAX;
        for (size_t i = 0; i < nact; i++)
            m = min64(m, act[i].head);
        /* a source starting after m cannot hold anything before m */
        while (next < nsrc && src[next].start < w->hi && (nact == 0 || src[next].start <= m)) {
            cursor c = {.anchor = src[next].start, .stop = src[next].stop};
            next++;
            int64_t t = max64(w->lo, c.anchor);
            c.oi = intervals_after(k->open, k->nopen, t);
            if (cursor_seek(&c, k, t)) {
                act[nact++] = c;
                m = min64(m, c.head);
            }
        }
        if (nact == 0)
            break;
        out[n++] =
            (slots_slot){.start = m, .stop = m + k->dur, .utc_offset = tzfile_offset_at(z, m)};
        for (size_t i = 0; i < nact;) {
            if (act[i].head == m && !cursor_seek(&act[i], k, m + 1))
                act[i] = act[--nact];
            else
                i++;
        }
    }
    return n;
}

slots_rc slots_compute(const slots_query *q, arena *a, slots_slot **out, size_t *count)
{
    assert(q != NULL && a != NULL && out != NULL && count != NULL);
    *out = NULL;
    *count = 0;
    slots_rc rc = query_check(q);
    if (rc != SLOTS_OK)
        return rc;
    span w = {.lo = max64(q->from, q->now), .hi = q->to};
    if (q->limit == 0 || w.lo >= w.hi)
        return SLOTS_OK;
    int64_t step = (int64_t)(q->step ? q->step : SLOTS_DEFAULT_STEP) * 60;
    int64_t dur = (int64_t)q->duration * 60;
    w.reach = w.hi + dur;

    size_t nsrc = 0, nblocked = 0, nunion = 0;
    slots_interval *blocked = NULL, *uni = NULL, *open = NULL;
    cursor *act = NULL;
    slots_slot *res = NULL;
    slots_interval *src = sources_build(q, &w, a, &nsrc);
    if (!src) {
        rc = SLOTS_NO_MEMORY;
        goto done;
    }
    if (nsrc == 0)
        goto done;
    rc = blocked_build(q, &w, a, &blocked, &nblocked);
    if (rc != SLOTS_OK)
        goto done;

    /* pass 3: open = union of the sources minus blocked */
    uni = arena_alloc(a, nsrc * sizeof *uni);
    open = arena_alloc(a, (nsrc + nblocked) * sizeof *open);
    act = arena_alloc(a, nsrc * sizeof *act);
    size_t cap = slots_bound(src, nsrc, &w, step, q->limit);
    res = arena_alloc(a, (cap ? cap : 1) * sizeof *res);
    if (!uni || !open || !act || !res) {
        rc = SLOTS_NO_MEMORY;
        goto done;
    }
    memcpy(uni, src, nsrc * sizeof *uni);
    nunion = intervals_merge(uni, nsrc);
    walk k = {.hi = w.hi, .step = step, .dur = dur, .open = open};
    k.nopen = intervals_subtract(uni, nunion, blocked, nblocked, open);

    size_t n = walk_run(&k, src, nsrc, &w, q->zone, act, res, cap);
    if (n > 0) {
        *out = res;
        *count = n;
    }
done:
    return rc;
}

/* ---- merging calendars ------------------------------------------------ */

typedef struct heap_item {
    int64_t start;
    size_t list;
    size_t pos;
} heap_item;

/* Earlier start first; at equal starts the lower list index (stability). */
static bool heap_less(const heap_item *a, const heap_item *b)
{
    return a->start < b->start || (a->start == b->start && a->list < b->list);
}

/* Restores the min-heap property below index i. */
static void heap_down(heap_item *h, size_t n, size_t i)
{
    for (;;) {
        size_t l = 2 * i + 1, r = l + 1, m = i;
        if (l < n && heap_less(&h[l], &h[m]))
            m = l;
        if (r < n && heap_less(&h[r], &h[m]))
            m = r;
        if (m == i)
            return;
        heap_item t = h[i];
        h[i] = h[m];
        h[m] = t;
        i = m;
    }
}

slots_rc slots_merge(const slots_list *lists, size_t nlists, size_t limit, arena *a,
                     slots_pick **out, size_t *count)
{
    assert(a != NULL && out != NULL && count != NULL);
    *out = NULL;
    *count = 0;
    if (nlists > SLOTS_MAX_CALENDARS || limit > SLOTS_MAX_LIMIT)
        return SLOTS_TOO_BIG;
    if (nlists > 0 && !lists)
        return SLOTS_INVALID;
    size_t total = 0;
    for (size_t i = 0; i < nlists; i++) {
        if (lists[i].count > 0 && !lists[i].items)
            return SLOTS_INVALID;
        total += lists[i].count < limit ? lists[i].count : limit;
        if (total > limit)
            total = limit;
    }
    if (total == 0)
        return SLOTS_OK;

    heap_item *heap = arena_alloc(a, nlists * sizeof *heap);
    slots_pick *res = arena_alloc(a, total * sizeof *res);
    if (!heap || !res)
        return SLOTS_NO_MEMORY;
    size_t nh = 0;
    for (size_t i = 0; i < nlists; i++)
        if (lists[i].count > 0)
            heap[nh++] = (heap_item){.start = lists[i].items[0].start, .list = i, .pos = 0};
    for (size_t i = nh / 2; i-- > 0;)
        heap_down(heap, nh, i);

    size_t n = 0;
    while (n < total && nh > 0) {
        heap_item *top = &heap[0];
        const slots_list *l = &lists[top->list];
        res[n++] = (slots_pick){.slot = l->items[top->pos], .calendar = top->list};
        if (++top->pos < l->count)
            top->start = l->items[top->pos].start;
        else
            heap[0] = heap[--nh];
        heap_down(heap, nh, 0);
    }
    *out = res;
    *count = n;
    return SLOTS_OK;
}

/* ---- rendering -------------------------------------------------------- */

size_t slots_format_iso8601(int64_t t, int32_t utc_offset, char *buf, size_t size)
{
    assert(buf != NULL || size == 0);
    if (size > 0)
        buf[0] = '\0';
    /* keeps t + offset far from overflow, and the offset to two hour digits */
    if (t < 2 * SLOTS_TIME_MIN || t > 2 * SLOTS_TIME_MAX || utc_offset <= -100 * 3600 ||
        utc_offset >= 100 * 3600)
        return 0;
    int64_t local = t + utc_offset;
    int64_t days = civil_floor_div(local, CIVIL_DAY_SECONDS);
    int64_t secs = local - days * CIVIL_DAY_SECONDS;
    int64_t year;
    int month, day;
    civil_date_from_days(days, &year, &month, &day);
    if (year < 0 || year > 9999)
        return 0;
    int32_t off = utc_offset < 0 ? -utc_offset : utc_offset;
    char sign = utc_offset < 0 ? '-' : '+';
    char tail[8] = "";
    if (off % 60 != 0)
        snprintf(tail, sizeof tail, ":%02d", (int)(off % 60));
    int n = snprintf(buf, size, "%04d-%02d-%02dT%02d:%02d:%02d%c%02d:%02d%s", (int)year, month, day,
                     (int)(secs / 3600), (int)(secs / 60 % 60), (int)(secs % 60), sign,
                     (int)(off / 3600), (int)(off / 60 % 60), tail);
    if (n < 0 || (size_t)n >= size) {
        if (size > 0)
            buf[0] = '\0';
        return 0;
    }
    return (size_t)n;
}

/* Reads exactly n digits at s into *out. */
static bool digits(const char *s, int n, int *out)
{
    int v = 0;
    for (int i = 0; i < n; i++) {
        if (s[i] < '0' || s[i] > '9')
            return false;
        v = v * 10 + (s[i] - '0');
    }
    *out = v;
    return true;
}

bool slots_parse_iso8601(const char *text, int64_t *out)
{
    assert(text != NULL && out != NULL);
    /* yyyy-mm-ddThh:mm:ss, 19 characters, then the offset */
    int year, month, day, hour, minute, second;
    const char *s = text;
    if (strlen(s) < 20 || !digits(s, 4, &year) || s[4] != '-' || !digits(s + 5, 2, &month) ||
        s[7] != '-' || !digits(s + 8, 2, &day) || s[10] != 'T' || !digits(s + 11, 2, &hour) ||
        s[13] != ':' || !digits(s + 14, 2, &minute) || s[16] != ':' || !digits(s + 17, 2, &second))
        return false;
    if (month < 1 || month > 12 || day < 1 || hour > 23 || minute > 59 || second > 59)
        return false;
    int64_t days = civil_days_from_date(year, month, day);
    int64_t y2;
    int m2, d2;
    civil_date_from_days(days, &y2, &m2, &d2);
    if (y2 != year || m2 != month || d2 != day)
        return false; /* February 30th and the like */
    s += 19;
    int32_t offset = 0;
    if (strcmp(s, "Z") != 0) {
        int oh, om, os = 0;
        size_t len = strlen(s);
        if ((s[0] != '+' && s[0] != '-') || (len != 6 && len != 9) || !digits(s + 1, 2, &oh) ||
            s[3] != ':' || !digits(s + 4, 2, &om) ||
            (len == 9 && (s[6] != ':' || !digits(s + 7, 2, &os))))
            return false;
        if (oh > 23 || om > 59 || os > 59)
            return false;
        offset = (oh * 3600 + om * 60 + os) * (s[0] == '-' ? -1 : 1);
    }
    *out = days * CIVIL_DAY_SECONDS + hour * 3600 + minute * 60 + second - offset;
    return true;
}
