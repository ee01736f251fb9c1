/* slots.h - the slot engine: the free times of one calendar for one service,
 * and the merge of several calendars' free times.
 *
 * Pure computation: no I/O, no global state, no malloc.  Scratch memory and
 * the result come from the caller's arena, and every input has a hard limit
 * (SLOTS_MAX_*), so a hostile request cannot make it work or allocate
 * without bound.  Safe to call from many threads at once.
 *
 * The open set.  open = (weekly ranges, materialized for each local day
 * around the window, united with the extra openings) minus absences minus
 * busy intervals (booked and no-show appointments; they may overlap each
 * other).  All intervals are half-open, [start, stop), in Unix seconds.
 *
 * A slot [S, S + duration) is offered when it lies entirely inside the open
 * set (so a slot that would end after closing, or run into an appointment or
 * an absence, is not offered), S is on the step grid of an opening range
 * that contains S, now <= S, from <= S and S < to.  The grid of a weekly
 * range is anchored at that day's start of the range; the grid of an extra
 * opening at its start.  Where sources overlap, a start on either grid is
 * offered once.  A slot may run from one source into an adjoining one (a
 * range ending at 24:00 and the next day's range starting at 00:00).
 *
 * Daylight saving time.  A weekly range is materialized by converting the
 * local start and local stop of that day to instants (stop 1440 is the next
 * local day's 00:00); everything after that is real elapsed time:
 *   - spring forward: a range over the missing hour loses it
 *     (01:00-05:00 on the last Sunday of March in Europe/Brussels is three
 *     real hours);
 *   - fall back: the repeated hour is offered once per real instant, each
 *     slot with its own offset (01:00-04:00 on the last Sunday of October is
 *     four real hours, and 02:00+02:00 and 02:00+01:00 are both offered);
 *   - the step grid walks real time from the range's start instant, and a
 *     duration is real time too;
 *   - a range start or stop that falls in a gap resolves to the first instant
 *     after the gap (02:30-04:00 on the spring day starts at 03:00+02:00);
 *   - a range start that occurs twice resolves to its first occurrence and a
 *     range stop to its last, so a range covers every instant whose wall
 *     clock reads a time inside it.
 *
 * Cost.  The engine looks only at the local days around the window and, when
 * the caller gives busy_longest, finds the busy intervals that can touch the
 * window by binary search in the sorted list, so its cost grows with the
 * window and what lies in it, not with the calendar's history. */
#ifndef AGENDA_SLOTS_H
#define AGENDA_SLOTS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "sched/tzfile.h"
#include "util/arena.h"

#define SLOTS_DEFAULT_STEP  15                      /* minutes, when the calendar sets none */
#define SLOTS_MAX_STEP      1440                    /* minutes */
#define SLOTS_MAX_DURATION  (7 * 1440)              /* minutes */
#define SLOTS_MAX_WEEKLY    (7 * 96)                /* weekly ranges */
#define SLOTS_MAX_INTERVALS 100000                  /* openings, absences, busy: each */
#define SLOTS_MAX_WINDOW    ((int64_t)400 * 86400)  /* to - from, seconds */
#define SLOTS_MAX_LIMIT     10000                   /* slots per answer */
#define SLOTS_MAX_CALENDARS 1024                    /* lists slots_merge accepts */
#define SLOTS_TIME_MIN      ((int64_t)-62135596800) /* 0001-01-01T00:00:00Z */
#define SLOTS_TIME_MAX      ((int64_t)253402300799) /* 9999-12-31T23:59:59Z */
#define SLOTS_ISO8601_SIZE  32 /* buffer for slots_format_iso8601, NUL included */

typedef enum slots_rc {
    SLOTS_OK = 0,
    SLOTS_INVALID,   /* an input out of its range (message in the contract below) */
    SLOTS_TOO_BIG,   /* an input beyond its SLOTS_MAX_* limit */
    SLOTS_NO_MEMORY, /* the arena's limit was hit */
} slots_rc;

/* One range of the weekly schedule in the zone's local time (the layout of
 * the store's opening_hour): day 0 is Monday ... 6 Sunday; start and stop
 * are minutes after local midnight, 0 <= start < stop <= 1440. */
typedef struct slots_range {
    int day;
    int start;
    int stop;
} slots_range;

/* [start, stop) in Unix seconds; empty ones (stop <= start) are ignored. */
typedef struct slots_interval {
    int64_t start;
    int64_t stop;
} slots_interval;

typedef struct slots_query {
    const tzfile *zone; /* the center's zone */
    const slots_range *weekly;
    size_t weekly_count;
    const slots_interval *openings; /* any order */
    size_t openings_count;
    const slots_interval *absences; /* any order */
    size_t absences_count;
    /* Booked or no-show appointments, sorted by start (the store's order),
     * overlapping allowed.  busy_longest > 0 promises that no busy interval
     * is longer (calendars.longest_appointment): the engine then skips, by
     * binary search, those that cannot touch the window.  With 0 every
     * interval is scanned, in any order. */
    const slots_interval *busy;
    size_t busy_count;
    int64_t busy_longest;
    int64_t from; /* window [from, to) for slot starts */
    int64_t to;
    int64_t now;  /* no slot starts before it */
    int step;     /* minutes, 1..SLOTS_MAX_STEP; 0 means SLOTS_DEFAULT_STEP */
    int duration; /* minutes, 1..SLOTS_MAX_DURATION */
    size_t limit; /* at most this many slots, <= SLOTS_MAX_LIMIT */
} slots_query;

typedef struct slots_slot {
    int64_t start;
    int64_t stop;       /* start + duration */
    int32_t utc_offset; /* seconds east of UTC at `start`, for rendering */
} slots_slot;

/* Computes the slots of q in time order into a new array from `a`:
 * *out (NULL when none) and *count.  SLOTS_INVALID when the zone is
 * missing, a count is non-zero with a NULL array, step, duration or a
 * weekly range is out of range, or a time lies outside
 * [SLOTS_TIME_MIN, SLOTS_TIME_MAX]; SLOTS_INVALID also when busy_longest > 0
 * and the busy intervals it selects are not sorted by start.  SLOTS_TOO_BIG
 * beyond a SLOTS_MAX_* limit, SLOTS_NO_MEMORY when the arena is exhausted.
 * An empty window (to <= from, or now >= to) or limit 0 is not an error:
 * no slots.  On error *out is NULL and *count 0; scratch memory stays in
 * the arena either way. */
slots_rc slots_compute(const slots_query *q, arena *a, slots_slot **out, size_t *count);

/* One calendar's slots, as slots_compute returned them (sorted by start). */
typedef struct slots_list {
    const slots_slot *items;
    size_t count;
} slots_list;

/* A slot of the merged answer and the index of the list it came from. */
typedef struct slots_pick {
    slots_slot slot;
    size_t calendar;
} slots_pick;

/* Merges `nlists` sorted lists into one list sorted by start, at most
 * `limit` long, into a new array from `a` (*out, NULL when empty; *count).
 * Equal starts keep the order of their lists (a stable merge), and each
 * list's own order is kept.  SLOTS_INVALID on a NULL array with a non-zero
 * count, SLOTS_TOO_BIG beyond SLOTS_MAX_CALENDARS or SLOTS_MAX_LIMIT,
 * SLOTS_NO_MEMORY when the arena is exhausted. */
slots_rc slots_merge(const slots_list *lists, size_t nlists, size_t limit, arena *a,
                     slots_pick **out, size_t *count);

/* Writes instant t as local ISO 8601 with the given offset, e.g.
 * "2018-02-12T10:00:00+01:00", "2026-06-01T09:00:00+05:30",
 * "2026-03-08T01:00:00-05:00" (offsets with seconds get ":ss"), into
 * buf[size] with its NUL.  Returns the length written, or 0 (buf set to ""
 * when size > 0) when the buffer is too small (SLOTS_ISO8601_SIZE always
 * suffices) or the local year is outside 0000..9999. */
size_t slots_format_iso8601(int64_t t, int32_t utc_offset, char *buf, size_t size);

/* Reads what slots_format_iso8601 writes, with any offset: exactly
 * "yyyy-mm-ddThh:mm:ss" (a real date, hours 00-23, no leap second) then "Z",
 * "+hh:mm", "-hh:mm" or the same with ":ss" (offsets under 24 hours).  Sets
 * *out to the instant and returns true; false, *out untouched, for anything
 * else (no offset: a local time without a zone names no instant). */
bool slots_parse_iso8601(const char *text, int64_t *out);

#endif
