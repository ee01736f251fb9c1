/* reaper.c - request deadlines enforced by a thread of their own.
 *
 * Connections live in a fixed array with a free list, sized to the
 * server's connection limit; one mutex guards it.  Every second the thread
 * walks the array and shuts down (shutdown(2), on our duplicate of the
 * socket) each connection that is receiving a request and has been doing so
 * for longer than the timeout.  libmicrohttpd then sees the socket fail and
 * closes the connection through its usual path, which calls reaper_forget;
 * the duplicate is closed there, after which its number may be reused. */
#include "http/reaper.h"

#include <fcntl.h>
#include <pthread.h>
#include <stdint.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

struct reaper_conn {
    int fd; /* our duplicate, -1 when the slot is free */
    bool answering;
    bool shut;
    int64_t since; /* monotonic seconds */
    reaper_conn *next_free;
};

struct reaper {
    pthread_mutex_t lock;
    pthread_cond_t wake;
    pthread_t thread;
    bool stopping;
    unsigned timeout;
    unsigned capacity;
    reaper_conn *free_list;
    reaper_conn conns[];
};

static int64_t monotonic_seconds(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec;
}

static void *reaper_main(void *arg)
{
    reaper *r = arg;
    pthread_mutex_lock(&r->lock);
    while (!r->stopping) {
        struct timespec until;
        clock_gettime(CLOCK_REALTIME, &until);
        until.tv_sec += 1;
        pthread_cond_timedwait(&r->wake, &r->lock, &until);
        int64_t now = monotonic_seconds();
        for (unsigned i = 0; i < r->capacity; i++) {
            reaper_conn *c = &r->conns[i];
            if (c->fd >= 0 && !c->answering && !c->shut && now - c->since > r->timeout) {
                shutdown(c->fd, SHUT_RDWR);
                c->shut = true;
            }
        }
    }
    pthread_mutex_unlock(&r->lock);
    return NULL;
}

reaper *reaper_start(unsigned capacity, unsigned timeout)
{
    reaper *r = calloc(1, sizeof *r + (size_t)capacity * sizeof(reaper_conn));
    if (!r)
        return NULL;
    pthread_mutex_init(&r->lock, NULL);
    pthread_cond_init(&r->wake, NULL);
    r->timeout = timeout;
    r->capacity = capacity;
    for (unsigned i = capacity; i-- > 0;) {
        r->conns[i].fd = -1;
        r->conns[i].next_free = r->free_list;
        r->free_list = &r->conns[i];
    }
    if (pthread_create(&r->thread, NULL, reaper_main, r) != 0) {
        pthread_cond_destroy(&r->wake);
        pthread_mutex_destroy(&r->lock);
        free(r);
        return NULL;
    }
    return r;
}

void reaper_stop(reaper *r)
{
    if (!r)
        return;
    pthread_mutex_lock(&r->lock);
    r->stopping = true;
    pthread_cond_signal(&r->wake);
    pthread_mutex_unlock(&r->lock);
    pthread_join(r->thread, NULL);
    for (unsigned i = 0; i < r->capacity; i++) {
        if (r->conns[i].fd >= 0)
            close(r->conns[i].fd);
    }
    pthread_cond_destroy(&r->wake);
    pthread_mutex_destroy(&r->lock);
    free(r);
}

reaper_conn *reaper_track(reaper *r, int fd)
{
    if (!r || fd < 0)
        return NULL;
    int copy = fcntl(fd, F_DUPFD_CLOEXEC, 0);
    if (copy < 0)
        return NULL;
    pthread_mutex_lock(&r->lock);
    reaper_conn *c = r->free_list;
    if (c) {
        r->free_list = c->next_free;
        *c = (reaper_conn){.fd = copy, .since = monotonic_seconds()};
    }
    pthread_mutex_unlock(&r->lock);
    if (!c)
        close(copy);
    return c;
}

void reaper_forget(reaper *r, reaper_conn *c)
{
    if (!r || !c)
        return;
    pthread_mutex_lock(&r->lock);
    int fd = c->fd;
    c->fd = -1;
    c->next_free = r->free_list;
    r->free_list = c;
    pthread_mutex_unlock(&r->lock);
    close(fd);
}

void reaper_answering(reaper *r, reaper_conn *c)
{
    if (!r || !c)
        return;
    pthread_mutex_lock(&r->lock);
    c->answering = true;
    pthread_mutex_unlock(&r->lock);
}

void reaper_answered(reaper *r, reaper_conn *c)
{
    if (!r || !c)
        return;
    pthread_mutex_lock(&r->lock);
    c->answering = false;
    c->since = monotonic_seconds();
    pthread_mutex_unlock(&r->lock);
}
