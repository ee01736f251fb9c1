/* ratelimit.c - failed-authentication counters per client address and
 * claimed identity (see ratelimit.h for the rules).
 *
 * Two fixed tables (so memory is bounded whatever the number of addresses
 * and identities): pairs, each holding an address, a keyed hash of the
 * identity, the start of its window and its failures; and addresses, each
 * holding how many identities got a pair in its window and the shared
 * count of failures for the identities beyond that.  A key is found by a
 * keyed hash (a random key per process, so nobody can aim collisions) and a
 * short linear probe; when the probe finds neither the key nor a free or
 * expired slot, the slot with the oldest window is taken over.  One mutex
 * guards both tables. */
#include "http/ratelimit.h"

#include <netinet/in.h>
#include <pthread.h>
#include <sodium.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#define PAIR_SLOTS    8192
#define ADDRESS_SLOTS 4096
#define PROBE         8
/* Bytes of an identity that count (an e-mail address has at most 254). */
#define IDENTITY_MAX 320

typedef struct slot {
    unsigned char key[24]; /* address (16: IPv4 mapped into IPv6), then identity hash (8) */
    bool used;
    int64_t window_start;
    unsigned failures;   /* pair: its failures; address: failures beyond its identities */
    unsigned identities; /* address only: identities holding a pair in this window */
} slot;

struct ratelimit {
    pthread_mutex_t lock;
    unsigned max_failures;
    unsigned window;
    unsigned char key[crypto_shorthash_KEYBYTES];
    slot pairs[PAIR_SLOTS];
    slot addresses[ADDRESS_SLOTS];
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

/* The pair key: the address, then a keyed hash of the identity in ASCII
 * lower case (its first IDENTITY_MAX bytes). */
static void pair_key(const ratelimit *rl, const unsigned char addr[16], const char *identity,
                     unsigned char out[24])
{
    char lower[IDENTITY_MAX];
    size_t n = 0;
    for (; identity[n] && n < sizeof lower; n++) {
        char c = identity[n];
        lower[n] = c >= 'A' && c <= 'Z' ? (char)(c - 'A' + 'a') : c;
    }
    memmove(out, addr, 16);
    crypto_shorthash(out + 16, (const unsigned char *)lower, n, rl->key);
}

static bool live(const ratelimit *rl, const slot *s, int64_t now)
{
    return s->used && now - s->window_start < rl->window;
}

/* The slot of `key` (its first key_len bytes) in table[0..n); when it has
 * none and `claim`, a slot to reuse for it (marked unused), else NULL.
 * Under the lock. */
static slot *slot_find(ratelimit *rl, slot *table, size_t n, const unsigned char *key,
                       size_t key_len, int64_t now, bool claim)
{
    unsigned char h[crypto_shorthash_BYTES];
    crypto_shorthash(h, key, key_len, rl->key);
    size_t start = ((size_t)h[0] | (size_t)h[1] << 8 | (size_t)h[2] << 16) % n;
    slot *reusable = NULL; /* free, or its window is over */
    slot *oldest = NULL;
    for (size_t i = 0; i < PROBE; i++) {
        slot *s = &table[(start + i) % n];
        if (s->used && memcmp(s->key, key, key_len) == 0)
            return s;
        if (!reusable && !live(rl, s, now))
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

/* (Re)starts slot s for key at now when it is not live. */
static void slot_start(ratelimit *rl, slot *s, const unsigned char *key, size_t key_len,
                       int64_t now)
{
    if (live(rl, s, now))
        return;
    memset(s, 0, sizeof *s);
    memcpy(s->key, key, key_len);
    s->used = true;
    s->window_start = now;
}

static unsigned wait_of(const ratelimit *rl, const slot *s, int64_t now)
{
    return (unsigned)(s->window_start + rl->window - now);
}

unsigned ratelimit_blocked(ratelimit *rl, const struct sockaddr *addr, const char *identity,
                           int64_t now)
{
    unsigned char key[24];
    unsigned wait = 0;
    if (!rl || !rl->max_failures || !identity || !address_key(addr, key))
        return 0;
    pair_key(rl, key, identity, key);
    pthread_mutex_lock(&rl->lock);
    slot *p = slot_find(rl, rl->pairs, PAIR_SLOTS, key, 24, now, false);
    if (p && live(rl, p, now)) {
        if (p->failures >= rl->max_failures)
            wait = wait_of(rl, p, now);
    } else {
        /* no count of its own: the address's shared count decides */
        slot *a = slot_find(rl, rl->addresses, ADDRESS_SLOTS, key, 16, now, false);
        if (a && live(rl, a, now) && a->failures >= rl->max_failures)
            wait = wait_of(rl, a, now);
    }
    pthread_mutex_unlock(&rl->lock);
    return wait;
}

void ratelimit_failed(ratelimit *rl, const struct sockaddr *addr, const char *identity, int64_t now)
{
    unsigned char key[24];
    if (!rl || !rl->max_failures || !identity || !address_key(addr, key))
        return;
    pair_key(rl, key, identity, key);
    pthread_mutex_lock(&rl->lock);
    slot *p = slot_find(rl, rl->pairs, PAIR_SLOTS, key, 24, now, false);
    if (p && live(rl, p, now)) {
        p->failures++;
    } else {
        slot *a = slot_find(rl, rl->addresses, ADDRESS_SLOTS, key, 16, now, true);
        slot_start(rl, a, key, 16, now);
        if (a->identities < RATELIMIT_IDENTITIES_PER_ADDRESS) {
            /* only now is a pair slot taken (perhaps from another key) */
            a->identities++;
            p = p ? p : slot_find(rl, rl->pairs, PAIR_SLOTS, key, 24, now, true);
            slot_start(rl, p, key, 24, now);
            p->failures = 1;
        } else {
            a->failures++;
        }
    }
    pthread_mutex_unlock(&rl->lock);
}
