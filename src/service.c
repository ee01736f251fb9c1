/* service.c - systemd's notify protocol for `agenda serve` (service.h).
 *
 * One thread, started by service_ready once the server listens, owns a
 * store of its own and loops: ping the store; the first answer sends
 * READY=1, each later one WATCHDOG=1 (when the manager asked for a
 * watchdog); then wait half the watchdog's interval (one second while the
 * store has not answered yet) on a monotonic clock, or until service_free.
 * Without a watchdog the thread ends after READY=1.  A store that stops
 * answering is closed and opened again at the next round, so a database
 * that comes back (a PostgreSQL restart) resumes the pings; the change is
 * logged once each way, and shown in `systemctl status` (STATUS=).
 *
 * sd_notify opens a datagram to $NOTIFY_SOCKET on each call and is safe
 * from any thread; the environment is left as it is (the server starts no
 * other programs that could inherit it). */
#include "service.h"

#include <assert.h>
#include <errno.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <systemd/sd-daemon.h>
#include <time.h>

#include "store/store.h"

/* How often the store is tried while it has not answered yet. */
#define SERVICE_RETRY_USEC 1000000ULL

struct service_notifier {
    const char *db_url;
    uint64_t watchdog_usec; /* WATCHDOG_USEC for this process; 0: no watchdog */
    pthread_mutex_t lock;
    pthread_cond_t wake; /* on the monotonic clock */
    bool stop;           /* under lock: service_free asks the thread to end */
    bool started;        /* the thread runs (service_ready was called) */
    pthread_t thread;
};

service_notifier *service_new(const char *db_url)
{
    assert(db_url);
    service_notifier *svc = NULL;
    pthread_condattr_t attr;
    bool attr_made = false;
    const char *socket_path = getenv("NOTIFY_SOCKET");
    if (!socket_path || !*socket_path)
        goto done;
    svc = calloc(1, sizeof *svc);
    if (!svc || pthread_condattr_init(&attr) != 0) {
        fprintf(stderr, "agenda: service: out of memory; the service manager is not told\n");
        free(svc);
        svc = NULL;
        goto done;
    }
    attr_made = true;
    svc->db_url = db_url;
    /* > 0 only when WATCHDOG_USEC is set and WATCHDOG_PID, if set, is us. */
    if (sd_watchdog_enabled(0, &svc->watchdog_usec) <= 0)
        svc->watchdog_usec = 0;
    pthread_condattr_setclock(&attr, CLOCK_MONOTONIC);
    pthread_mutex_init(&svc->lock, NULL);
    pthread_cond_init(&svc->wake, &attr);
done:
    if (attr_made)
        pthread_condattr_destroy(&attr);
    return svc;
}

/* Opens *st when it is not open, then pings it; a store that fails is
 * closed (and opened again next time).  True when it answered. */
static bool store_answers(const char *db_url, store **st)
{
    bool answered = false;
    char *err = NULL;
    if (!*st && store_open(db_url, st, &err) != STORE_OK) {
        *st = NULL;
        goto done;
    }
    answered = store_ping(*st) == STORE_OK;
    if (!answered) {
        store_close(*st);
        *st = NULL;
    }
done:
    free(err);
    return answered;
}

/* Waits usec on the monotonic clock or until service_free; true when the
 * thread must end. */
static bool wait_or_stop(service_notifier *svc, uint64_t usec)
{
    struct timespec until;
    clock_gettime(CLOCK_MONOTONIC, &until);
    until.tv_sec += (time_t)(usec / 1000000ULL);
    until.tv_nsec += (long)(usec % 1000000ULL) * 1000L;
    until.tv_sec += until.tv_nsec / 1000000000L;
    until.tv_nsec %= 1000000000L;
    pthread_mutex_lock(&svc->lock);
    while (!svc->stop) {
        if (pthread_cond_timedwait(&svc->wake, &svc->lock, &until) == ETIMEDOUT)
            break;
    }
    bool stop = svc->stop;
    pthread_mutex_unlock(&svc->lock);
    return stop;
}

static void *service_thread(void *arg)
{
    service_notifier *svc = arg;
    store *st = NULL;
    bool ready = false;
    bool answering = true; /* as last logged */
    for (;;) {
        bool answers = store_answers(svc->db_url, &st);
        if (answers != answering) {
            fprintf(stderr, answers ? "agenda: service: the store answers again\n"
                                    : "agenda: service: the store does not answer; no "
                                      "readiness or watchdog pings until it does\n");
            sd_notify(0, answers ? "STATUS=serving" : "STATUS=the store does not answer");
            answering = answers;
        }
        if (answers && !ready) {
            sd_notify(0, "READY=1\nSTATUS=serving");
            ready = true;
        } else if (answers && svc->watchdog_usec) {
            sd_notify(0, "WATCHDOG=1");
        }
        if (ready && !svc->watchdog_usec)
            break;
        uint64_t interval = ready ? svc->watchdog_usec / 2 : SERVICE_RETRY_USEC;
        if (svc->watchdog_usec && interval > svc->watchdog_usec / 2)
            interval = svc->watchdog_usec / 2;
        if (wait_or_stop(svc, interval))
            break;
    }
    store_close(st);
    return NULL;
}

void service_ready(void *arg)
{
    service_notifier *svc = arg;
    if (!svc)
        return;
    assert(!svc->started);
    if (pthread_create(&svc->thread, NULL, service_thread, svc) != 0) {
        fprintf(stderr, "agenda: service: cannot start a thread; the service manager is not "
                        "told the server is ready\n");
        return;
    }
    svc->started = true;
}

void service_stopping(void *arg)
{
    if (arg)
        sd_notify(0, "STOPPING=1");
}

void service_free(service_notifier *svc)
{
    if (!svc)
        return;
    if (svc->started) {
        pthread_mutex_lock(&svc->lock);
        svc->stop = true;
        pthread_cond_broadcast(&svc->wake);
        pthread_mutex_unlock(&svc->lock);
        pthread_join(svc->thread, NULL);
    }
    pthread_cond_destroy(&svc->wake);
    pthread_mutex_destroy(&svc->lock);
    free(svc);
}
