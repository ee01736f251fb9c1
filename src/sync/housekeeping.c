/* housekeeping.c - runs the housekeeping jobs the worker claims (see
 * housekeeping.h and store/housekeeping.c); each run is one transaction,
 * logged in one line when it changed something. */
#include "sync/housekeeping.h"

#include <inttypes.h>
#include <stdio.h>

#include "store/store.h"
#include "util/clock.h"

static void housekeeping_run(sync_job *job, int64_t id)
{
    int64_t purged = 0;
    int64_t days = job->tombstone_days > 0 ? job->tombstone_days : TOMBSTONE_DAYS_DEFAULT;
    store_rc rc = store_housekeeping_run(job->st, id, job->owner, clock_unix_seconds(),
                                         days * 86400, &purged);
    if (rc == STORE_NOT_FOUND)
        return; /* the lease lapsed: another server runs it */
    if (rc != STORE_OK)
        fprintf(stderr, "agenda: housekeeping job %" PRId64 " failed (%s); it runs again later\n",
                id, store_rc_name(rc));
    else if (purged)
        fprintf(stderr,
                "agenda: housekeeping: %" PRId64 " patient tombstones older than %" PRId64
                " days removed\n",
                purged, days);
}

const sync_queue sync_housekeeping_queue = {
    .name = "housekeeping",
    .claim = store_housekeeping_claim,
    .run = housekeeping_run,
    .lease_margin = 300,
};
