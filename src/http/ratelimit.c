/* ratelimit.c - failed-authentication counters per client address.
 *
 * A fixed table of slots (so memory is bounded whatever the number of
 * addresses), each holding an address, the start of its window and its
 * failures in that window.  An address is found by a keyed hash (a random
 * key per process, so nobody can aim collisions) and a short linear probe;
 * when the probe finds neither the address nor a free or expired slot, the
 * slot with the oldest window is taken over.  One mutex guards the table:
 * it is touched only by requests that fail authentication or come from an
 * address with failures, never on the ordinary path's hot loop. */
#include "http/ratelimit.h"

#include <netinet/in.h>
#include <pthread.h>
#include <sodium.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#define SLOTS 4096
#define PROBE 8

typedef struct slot {
    unsigned char addr[16]; /* IPv4 addresses mapped into IPv6 */
    bool used;
    int64_t window_start;
    unsigned failures;
} slot;

struct ratelimit {
    pthread_mutex_t lock;
    unsigned max_failures;
    unsigned window;
    unsigned char key[crypto_shorthash_KEYBYTES];
    slot slots[SLOTS];
};

ratelimit *ratelimit_new(unsigned max_failures, unsigned window)
{
    ratelimit *rl = calloc(1, sizeof *rl);
    if (!rl)
        return NULL;
    pthread_mutex_init(&rl->lock, NULL);
    rl->max_failures = max_failures;
    rl->window = window ? window : 1;
    crypto_shorthash_keygen(rl->key);
    return rl;
}

void ratelimit_free(ratelimit *rl)
{
    if (!rl)
        return;
    pthread_mutex_destroy(&rl->lock);
    free(rl);
}

/* The 16-byte form of an address (v4 as ::ffff:a.b.c.d); false for other
 * families, which are never limited. */
static bool address_key(const struct sockaddr *addr, unsigned char out[16])
{
    if (!addr)
        return false;
    if (addr->sa_family == AF_INET6) {
        memcpy(out, &((const struct sockaddr_in6 *)addr)->sin6_addr, 16);
        return true;
    }
    if (addr->sa_family == AF_INET) {
        memset(out, 0, 10);
        out[10] = out[11] = 0xff;
        memcpy(out + 12, &((const struct sockaddr_in *)addr)->sin_addr, 4);
        return true;
    }
    return false;
}

/* The slot of `key`; when it has none and `claim`, a slot to reuse for it
 * (marked unused), else NULL.  Under the lock. */
static slot *slot_find(ratelimit *rl, const unsigned char key[16], int64_t now, bool claim)
{
    unsigned char h[crypto_shorthash_BYTES];
    crypto_shorthash(h, key, 16, rl->key);
    size_t start = ((size_t)h[0] | (size_t)h[1] << 8) % SLOTS;
    slot *reusable = NULL; /* free, or its window is over */
    slot *oldest = NULL;
    for (size_t i = 0; i < PROBE; i++) {
        slot *s = &rl->slots[(start + i) % SLOTS];
        if (s->used && memcmp(s->addr, key, 16) == 0)
            return s;
        if (!reusable && (!s->used || now - s->window_start >= rl->window))
            reusable = s;
        if (!oldest || s->window_start < oldest->window_start)
            oldest = s;
    }
    if (!claim)
        return NULL;
    slot *victim = reusable ? reusable : oldest;
    victim->used = false;
    return victim;
}

unsigned ratelimit_blocked(ratelimit *rl, const struct sockaddr *addr, int64_t now)
{
    unsigned char key[16];
    unsigned wait = 0;
    if (!rl || !rl->max_failures || !address_key(addr, key))
        return 0;
    pthread_mutex_lock(&rl->lock);
    slot *s = slot_find(rl, key, now, false);
    if (s && now - s->window_start < rl->window && s->failures >= rl->max_failures)
        wait = (unsigned)(s->window_start + rl->window - now);
    pthread_mutex_unlock(&rl->lock);
    return wait;
}

void ratelimit_failed(ratelimit *rl, const struct sockaddr *addr, int64_t now)
{
    unsigned char key[16];
    if (!rl || !rl->max_failures || !address_key(addr, key))
        return;
    pthread_mutex_lock(&rl->lock);
    slot *s = slot_find(rl, key, now, true);
    if (!s->used || now - s->window_start >= rl->window) {
        memcpy(s->addr, key, 16);
        s->used = true;
        s->window_start = now;
        s->failures = 0;
    }
    s->failures++;
    pthread_mutex_unlock(&rl->lock);
}
