/* housekeeping.h - the platform's periodic upkeep (store/housekeeping.c) as
 * a queue of the background worker (worker.h): the worker's threads run
 * every background job of a server, calendar sync's and this one. */
#ifndef AGENDA_SYNC_HOUSEKEEPING_H
#define AGENDA_SYNC_HOUSEKEEPING_H

#include "sync/worker.h"

/* How long a deleted patient's tombstone is kept by default, and the
 * range `[server] tombstone_days` allows. */
#define TOMBSTONE_DAYS_DEFAULT 180
#define TOMBSTONE_DAYS_MIN     7
#define TOMBSTONE_DAYS_MAX     3650

extern const sync_queue sync_housekeeping_queue;

_Static_assert(TOMBSTONE_DAYS_MIN == 7 && TOMBSTONE_DAYS_MAX == 3650,
               "config.c names this range in its message");

#endif
