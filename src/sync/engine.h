/* engine.h - CalDAV two-way sync of a calendar with its linked collection
 * (design in engine.c): the sync worker's queue and one run on demand. */
#ifndef AGENDA_SYNC_ENGINE_H
#define AGENDA_SYNC_ENGINE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "store/store.h"
#include "sync/secret.h"
#include "sync/worker.h"
#include "util/arena.h"

#define ENGINE_PULL_INTERVAL_S   60 /* a pull this long after the last one */
#define ENGINE_REMOVAL_GUARD_MIN 20 /* links with more items than this: guarded */

/* The worker's queue of CalDAV links (store_caldav_claim). */
extern const sync_queue sync_caldav_queue;

/* `agenda caldav sync`: leases the calendar's link (active or paused),
 * runs a push and a pull now with the removal guard lifted, and records
 * the outcome (a success makes a paused link active).  libcurl
 * initialised (dav_global_init).  True on success; false with one line in
 * err (no link, a lease held by a server now, the remote's failure). */
bool engine_sync_now(store *st, const secret_key *key, int64_t calendar_id, int64_t timeout,
                     arena *a, char *err, size_t errlen);

#endif
