/* worker.h - THE sync worker: the threads inside `agenda serve` that do
 * calendar sync's background work, one queue after the other (design in
 * worker.c).  A queue is a claim (leases due rows, store/lease.c) and a run
 * (works one claimed row and records its outcome under the lease); adding
 * one is one entry in worker.c's table. */
#ifndef AGENDA_SYNC_WORKER_H
#define AGENDA_SYNC_WORKER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "store/store.h"
#include "sync/secret.h"
#include "util/arena.h"

#define SYNC_MAX_THREADS     4
#define SYNC_TIMEOUT_DEFAULT 30 /* seconds a remote request may take */
#define SYNC_TIMEOUT_MAX     600

typedef struct sync_config {
    const char *db_url;     /* each thread opens its own store */
    unsigned threads;       /* 1 to SYNC_MAX_THREADS; 0 means 1 */
    int64_t timeout;        /* seconds per remote request; 0 means the default */
    const secret_key *key;  /* [sync] key_file's key, NULL when none (CalDAV
                             * links then fail with a clear error) */
    int64_t tombstone_days; /* [server] tombstone_days (housekeeping.h); 0: default */
} sync_config;

/* What a queue's run gets for one claimed row. */
typedef struct sync_job {
    store *st;
    arena *a;               /* reset before each row */
    const char *owner;      /* the lease owner to finish under */
    int64_t timeout;        /* seconds per remote request */
    const secret_key *key;  /* the sync key, NULL when none */
    int64_t tombstone_days; /* how long patient tombstones are kept */
    /* True once the worker is stopping: a long remote request polls it
     * and gives up (fetch.h's cancelled). */
    bool (*stopping)(void *ctx);
    void *stopping_ctx;
} sync_job;

typedef struct sync_queue {
    const char *name; /* for logs */
    /* Leases up to max due rows to owner until now + lease_seconds. */
    store_rc (*claim)(store *st, const char *owner, int64_t now, int64_t lease_seconds, size_t max,
                      arena *a, int64_t **ids, size_t *n);
    /* Works row `id` and records its outcome (never fails: a failure is
     * an outcome, logged and written for a retry). */
    void (*run)(sync_job *job, int64_t id);
    /* Longer than one run can take, the remote's timeout included. */
    int64_t lease_margin; /* seconds added to the timeout */
} sync_queue;

typedef struct sync_worker sync_worker;

/* Starts the threads; cfg->db_url must outlive the worker.  libcurl's
 * global initialisation must have run.  False with a one-line message in
 * err when they cannot start (nothing is left running). */
bool sync_start(const sync_config *cfg, sync_worker **out, char *err, size_t errlen);

/* Stops the threads (a run in progress finishes first, bounded by the
 * timeout) and frees w.  NULL is a no-op. */
void sync_stop(sync_worker *w);

/* Makes the running worker of this process (if any) look for due work now
 * instead of at its next poll: for a change that wants to go out at once
 * (a new import; later, a local change to push).  Safe from any thread. */
void sync_wake(void);

#endif
