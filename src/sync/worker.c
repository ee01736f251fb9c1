/* worker.c - THE sync worker (worker.h): the threads inside `agenda serve`
 * that do calendar sync's background work.
 *
 * The work is a table of queues: imported feeds (import.c), CalDAV links
 * (engine.c) and the platform's housekeeping (housekeeping.c: old patient
 * tombstones).  Each thread has its own store and loops: for
 * each queue, claim a few due rows with a lease (store/lease.c: two
 * servers on one PostgreSQL never hold one row; a killed server's lease
 * lapses and the row is claimed again), run each (the queue's run records
 * its outcome under the lease), and when no queue had anything due, wait
 * SYNC_IDLE_MS or until woken.  Due times are on clock_unix_seconds(), so a
 * `--clock-file` test moves sync with the rest of the server: polling a
 * few times a second (one indexed claim per queue) follows a clock that
 * may jump, where sleeping until the next due time could not.
 *
 * sync_wake() makes a waiting thread poll at once: the API calls it when it
 * adds an import or asks for a CalDAV sync (a local change to push needs
 * no wake-up: the store makes the link due, and the next poll finds it).  sync_stop() wakes every
 * thread and joins it; a run in progress finishes first, bounded by the remote's timeout.  The
 * threads are started after main.c has blocked SIGINT and SIGTERM, which they inherit, so the
 * server's sigwait alone takes them. */
#include "sync/worker.h"

#include <assert.h>
#include <errno.h>
#include <inttypes.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <sodium.h>

#include "sync/engine.h"
#include "sync/housekeeping.h"
#include "sync/import.h"
#include "util/clock.h"

#define SYNC_IDLE_MS   250
#define SYNC_BATCH     4
#define SYNC_ARENA     (64u << 20)
#define SYNC_OWNER_MAX 96

/* The queues, worked in this order. */
static const sync_queue *const queues[] = {
    &sync_import_queue,
    &sync_caldav_queue,
    &sync_housekeeping_queue,
};
#define N_QUEUES (sizeof queues / sizeof queues[0])

struct sync_worker {
    sync_config cfg;
    pthread_t threads[SYNC_MAX_THREADS];
    unsigned n_threads;
    pthread_mutex_t lock;
    pthread_cond_t wake;
    bool stopping;
    unsigned long wakes; /* raised by sync_wake */
};

typedef struct thread_state {
    sync_worker *w;
    store *st;
    arena *a;
    char owner[SYNC_OWNER_MAX];
} thread_state;

/* The running worker, for sync_wake. */
static pthread_mutex_t running_lock = PTHREAD_MUTEX_INITIALIZER;
static sync_worker *running;

void sync_wake(void)
{
    pthread_mutex_lock(&running_lock);
    sync_worker *w = running;
    if (w) {
        pthread_mutex_lock(&w->lock);
        w->wakes++;
        pthread_cond_broadcast(&w->wake);
        pthread_mutex_unlock(&w->lock);
    }
    pthread_mutex_unlock(&running_lock);
}

/* Waits up to ms milliseconds, or until a wake after `seen` or stop; true
 * when stopping.  *seen gets the current wake count. */
static bool wait_or_stop(sync_worker *w, int ms, unsigned long *seen)
{
    struct timespec until;
    clock_gettime(CLOCK_REALTIME, &until);
    until.tv_nsec += (long)ms * 1000000L;
    until.tv_sec += until.tv_nsec / 1000000000L;
    until.tv_nsec %= 1000000000L;
    pthread_mutex_lock(&w->lock);
    while (!w->stopping && w->wakes == *seen) {
        if (pthread_cond_timedwait(&w->wake, &w->lock, &until) == ETIMEDOUT)
            break;
    }
    bool stopping = w->stopping;
    *seen = w->wakes;
    pthread_mutex_unlock(&w->lock);
    return stopping;
}

static bool stopping(sync_worker *w)
{
    pthread_mutex_lock(&w->lock);
    bool s = w->stopping;
    pthread_mutex_unlock(&w->lock);
    return s;
}

static bool job_stopping(void *ctx)
{
    return stopping(ctx);
}

/* Claims and runs the due rows of one queue; true when there were any. */
static bool work_queue(thread_state *t, const sync_queue *q)
{
    sync_worker *w = t->w;
    arena_reset(t->a);
    int64_t *ids = NULL;
    size_t n = 0;
    store_rc rc = q->claim(t->st, t->owner, clock_unix_seconds(), w->cfg.timeout + q->lease_margin,
                           SYNC_BATCH, t->a, &ids, &n);
    if (rc == STORE_UNAVAILABLE) {
        store_close(t->st);
        t->st = NULL;
    }
    if (rc != STORE_OK || n == 0)
        return false;
    /* the ids live in the arena each run resets: copy them */
    int64_t batch[SYNC_BATCH];
    memcpy(batch, ids, n * sizeof *ids);
    for (size_t i = 0; i < n && !stopping(w); i++) {
        arena_reset(t->a);
        sync_job job = {.st = t->st,
                        .a = t->a,
                        .owner = t->owner,
                        .timeout = w->cfg.timeout,
                        .key = w->cfg.key,
                        .tombstone_days = w->cfg.tombstone_days,
                        .stopping = job_stopping,
                        .stopping_ctx = w};
        q->run(&job, batch[i]);
    }
    return true;
}

static void *thread_main(void *arg)
{
    thread_state *t = arg;
    sync_worker *w = t->w;
    unsigned long seen = 0;
    while (!stopping(w)) {
        if (!t->st) {
            char *err = NULL;
            if (store_open(w->cfg.db_url, &t->st, &err) != STORE_OK) {
                fprintf(stderr, "agenda: sync: cannot open the database: %s\n",
                        err ? err : "unknown error");
                free(err);
                t->st = NULL;
                if (wait_or_stop(w, 1000, &seen))
                    break;
                continue;
            }
        }
        bool worked = false;
        for (size_t i = 0; i < N_QUEUES && t->st && !stopping(w); i++)
            worked = work_queue(t, queues[i]) || worked;
        if (!worked && wait_or_stop(w, SYNC_IDLE_MS, &seen))
            break;
    }
    if (t->st)
        store_close(t->st);
    arena_free(t->a);
    free(t);
    return NULL;
}

bool sync_start(const sync_config *cfg, sync_worker **out, char *err, size_t errlen)
{
    assert(cfg && cfg->db_url && out);
    unsigned n = cfg->threads ? cfg->threads : 1;
    if (n > SYNC_MAX_THREADS) {
        snprintf(err, errlen, "at most %d sync threads", SYNC_MAX_THREADS);
        return false;
    }
    sync_worker *w = calloc(1, sizeof *w);
    if (!w) {
        snprintf(err, errlen, "out of memory");
        return false;
    }
    w->cfg = *cfg;
    if (w->cfg.timeout <= 0)
        w->cfg.timeout = SYNC_TIMEOUT_DEFAULT;
    pthread_mutex_init(&w->lock, NULL);
    pthread_cond_init(&w->wake, NULL);
    char host[64] = "host";
    gethostname(host, sizeof host - 1);
    uint32_t tag = randombytes_random();
    for (unsigned i = 0; i < n; i++) {
        thread_state *t = calloc(1, sizeof *t);
        arena *a = arena_new(SYNC_ARENA);
        if (!t || !a) {
            free(t);
            arena_free(a);
            snprintf(err, errlen, "out of memory");
            break;
        }
        t->w = w;
        t->a = a;
        snprintf(t->owner, sizeof t->owner, "%.40s:%ld:%08" PRIx32 ":sync%u", host, (long)getpid(),
                 tag, i);
        if (pthread_create(&w->threads[i], NULL, thread_main, t) != 0) {
            arena_free(a);
            free(t);
            snprintf(err, errlen, "cannot start a sync thread");
            break;
        }
        w->n_threads++;
    }
    if (w->n_threads < n) {
        sync_stop(w);
        return false;
    }
    pthread_mutex_lock(&running_lock);
    running = w;
    pthread_mutex_unlock(&running_lock);
    *out = w;
    return true;
}

void sync_stop(sync_worker *w)
{
    if (!w)
        return;
    pthread_mutex_lock(&running_lock);
    if (running == w)
        running = NULL;
    pthread_mutex_unlock(&running_lock);
    pthread_mutex_lock(&w->lock);
    w->stopping = true;
    pthread_cond_broadcast(&w->wake);
    pthread_mutex_unlock(&w->lock);
    for (unsigned i = 0; i < w->n_threads; i++)
        pthread_join(w->threads[i], NULL);
    pthread_cond_destroy(&w->wake);
    pthread_mutex_destroy(&w->lock);
    free(w);
}
