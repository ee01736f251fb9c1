/* expand.h - iCalendar text to busy intervals: what an external calendar
 * (an imported feed, later a CalDAV resource) says its owner is busy with,
 * as [start, stop) intervals within a horizon (design in expand.c).
 *
 * Pure computation on the caller's thread: no I/O, no global state of ours
 * (libical keeps its own, which is why only the sync worker calls this). */
#ifndef AGENDA_SYNC_EXPAND_H
#define AGENDA_SYNC_EXPAND_H

#include <stddef.h>
#include <stdint.h>

#include "sched/tzfile.h"
#include "store/store.h"
#include "util/arena.h"

/* Hard limits: beyond any of them the whole text is refused
 * (EXPAND_TOO_BIG) and nothing is expanded. */
#define EXPAND_MAX_BYTES     ((size_t)16 << 20) /* text in */
#define EXPAND_MAX_EVENTS    20000              /* VEVENT components */
#define EXPAND_MAX_INSTANCES 10000              /* of one event within the horizon */
#define EXPAND_MAX_STEPS     200000             /* recurrence steps of one rule from DTSTART */
#define EXPAND_MAX_INTERVALS 100000             /* intervals in all */

/* The horizon the sync worker expands in: from a day before now (an
 * instance under way still blocks) to 400 days after (the slot engine's
 * widest window, SLOTS_MAX_WINDOW).  Each fetch expands again, so the
 * horizon slides with the clock. */
#define EXPAND_HORIZON_PAST   ((int64_t)86400)
#define EXPAND_HORIZON_FUTURE ((int64_t)400 * 86400)

typedef enum expand_rc {
    EXPAND_OK = 0,
    EXPAND_INVALID,   /* not an iCalendar text (err says why) */
    EXPAND_TOO_BIG,   /* a limit above was passed (err says which) */
    EXPAND_NO_MEMORY, /* the arena's limit was hit */
} expand_rc;

typedef struct expand_options {
    const tzfile *zone; /* the center's: floating times, all-day dates and
                         * TZIDs that name no zone are read in it */
    int64_t from, to;   /* the horizon: intervals overlapping [from, to) */
    /* The calendar owner's addresses (with or without "mailto:"), by which
     * a declined event is recognised; may be empty (expand.c). */
    const char *const *owners;
    size_t n_owners;
    /* When not NULL, every interval's item is this text (a CalDAV
     * resource's href) instead of the event's UID. */
    const char *item;
} expand_options;

typedef struct expand_result {
    external_busy *busy; /* arena array, sorted by start then stop */
    size_t n;
    size_t events; /* VEVENTs read */
} expand_result;

/* Expands text[0..len) (NUL-terminated at len).  On EXPAND_OK *out holds
 * the blocking intervals (items and texts in `a`); otherwise err holds one
 * line.  Never changes anything outside `a`. */
expand_rc expand_ics(const char *text, size_t len, const expand_options *o, arena *a,
                     expand_result *out, char *err, size_t errlen);

#endif
