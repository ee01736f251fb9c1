/* import.h - imported feeds: a read-only iCalendar address per calendar,
 * fetched on an interval as busy time (design in import.c). */
#ifndef AGENDA_SYNC_IMPORT_H
#define AGENDA_SYNC_IMPORT_H

#include <stdint.h>

#include "sync/worker.h"

#define IMPORT_INTERVAL_DEFAULT 900 /* seconds between fetches */
#define IMPORT_INTERVAL_MIN     60
#define IMPORT_INTERVAL_MAX     86400
#define IMPORT_PER_CALENDAR_MAX 20

/* The worker's queue of imports (worker.c's table). */
extern const sync_queue sync_import_queue;

/* Why import_add refused. */
typedef enum import_add_rc {
    IMPORT_ADDED = 0,
    IMPORT_BAD_URL,         /* *why says what is wrong with it */
    IMPORT_ADDRESS_REFUSED, /* its host is an internal address not allowed
                             * (netguard_check_url): *why, in the arena,
                             * names it */
    IMPORT_BAD_INTERVAL,    /* not in [IMPORT_INTERVAL_MIN, IMPORT_INTERVAL_MAX] */
    IMPORT_TOO_MANY,        /* the calendar has IMPORT_PER_CALENDAR_MAX already */
    IMPORT_STORE,           /* *src says: NOT_FOUND (no such calendar), CONFLICT
                             * (the calendar imports that address already), ... */
} import_add_rc;

/* Checks and adds im (calendar_id, url, interval; the rest is set: due at
 * once, created now) and wakes this process's sync worker, if any, so the
 * feed is fetched within moments.  The one rule for the command line and
 * the API. */
import_add_rc import_add(store *st, calendar_import *im, arena *a, store_rc *src, const char **why);

/* The address as it may be shown again: scheme and host, the path and
 * query (which hold a secret address's secret) replaced by "/...". */
const char *import_url_shown(const char *url, arena *a);

#endif
