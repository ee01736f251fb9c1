/* auth.c - who is asking (email and token) and which centers they may use.
 *
 * The token is hashed and compared in constant time whether or not the
 * email exists, so response time does not tell which part was wrong.
 *
 * Both answers are remembered for AUTH_CACHE_TTL_MS (1 second) in small
 * caches per thread (no locks; each server worker has its own), so a busy
 * client does not cost a users-table lookup and a grants lookup per request:
 * those were a third of the server's work for a small GET.
 * - Credentials: only successes are cached, keyed by the email and the
 *   token's hash.
 * - Grants: the user's centers (id, name, slug, time zone), keyed by the
 *   store and the user id, in one malloc'd block per entry; a thread's
 *   entries are freed when it exits (a pthread key's destructor).
 * An entry is never used past its TTL, so a revoked user, a replaced token
 * or a removed grant stops working at most one second after the change,
 * whichever process made it (the admin command line, another server). */
#include <assert.h>
#include <pthread.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "api/api.h"
#include "util/token.h"

/* Longest credential we bother hashing; real tokens are 43 characters. */
#define AUTH_MAX_INPUT 1024

#define AUTH_CACHE_TTL_MS 1000
#define AUTH_CACHE_SLOTS  64 /* per thread; a power of two */
#define AUTH_CACHE_EMAIL  256

typedef struct auth_entry {
    int64_t expires_ms; /* monotonic; 0: empty */
    int64_t user_id;
    unsigned char hash[TOKEN_HASH_BYTES];
    char email[AUTH_CACHE_EMAIL];
} auth_entry;

static _Thread_local auth_entry auth_cache[AUTH_CACHE_SLOTS];

static int64_t monotonic_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* The slot for a token hash (the hash is uniform, so its first bytes do). */
static auth_entry *auth_slot(const unsigned char hash[TOKEN_HASH_BYTES])
{
    size_t i = ((size_t)hash[0] | (size_t)hash[1] << 8) & (AUTH_CACHE_SLOTS - 1);
    return &auth_cache[i];
}

/* True, with *out filled, when these credentials were verified less than
 * the TTL ago. */
static bool auth_cache_get(arena *a, const char *email, size_t email_len,
                           const unsigned char hash[TOKEN_HASH_BYTES], int64_t now_ms, user *out)
{
    const auth_entry *e = auth_slot(hash);
    if (e->expires_ms <= now_ms || email_len >= AUTH_CACHE_EMAIL ||
        !token_hash_equal(e->hash, hash) || strcmp(e->email, email) != 0)
        return false;
    out->email = arena_strdup(a, email);
    if (!out->email)
        return false;
    out->id = e->user_id;
    memcpy(out->token_hash, hash, TOKEN_HASH_BYTES);
    out->disabled = false;
    return true;
}

static void auth_cache_put(const char *email, size_t email_len,
                           const unsigned char hash[TOKEN_HASH_BYTES], int64_t user_id,
                           int64_t now_ms)
{
    if (email_len >= AUTH_CACHE_EMAIL)
        return;
    auth_entry *e = auth_slot(hash);
    memcpy(e->email, email, email_len + 1);
    memcpy(e->hash, hash, TOKEN_HASH_BYTES);
    e->user_id = user_id;
    e->expires_ms = now_ms + AUTH_CACHE_TTL_MS;
}

api_err api_authenticate(store *st, arena *a, const char *email, const char *token, user *out)
{
    static const unsigned char nobody[TOKEN_HASH_BYTES];
    unsigned char given[TOKEN_HASH_BYTES];

    if (!email || !token || !*email || !*token || strlen(token) > AUTH_MAX_INPUT ||
        strlen(email) > AUTH_MAX_INPUT)
        return API_UNAUTHORIZED;
    token_hash(token, strlen(token), given);
    size_t email_len = strlen(email);
    int64_t now_ms = monotonic_ms();
    if (auth_cache_get(a, email, email_len, given, now_ms, out))
        return API_OK;

    store_rc rc = store_user_get_by_email(st, email, a, out);
    if (rc == STORE_UNAVAILABLE)
        return API_UNAVAILABLE;
    if (rc != STORE_OK) {
        (void)token_hash_equal(given, nobody);
        return rc == STORE_NOT_FOUND ? API_UNAUTHORIZED : API_INTERNAL;
    }
    if (!token_hash_equal(given, out->token_hash) || out->disabled)
        return API_UNAUTHORIZED;
    auth_cache_put(email, email_len, given, out->id, now_ms);
    return API_OK;
}

/* ---- grants --------------------------------------------------------- */

#define GRANT_CACHE_SLOTS 64 /* per thread; a power of two */

typedef struct grant_entry {
    int64_t expires_ms; /* monotonic; 0: empty */
    const store *st;
    int64_t user_id;
    center *centers; /* malloc'd: the array, then its strings */
    size_t n;
} grant_entry;

static pthread_key_t grant_key;
static pthread_once_t grant_key_once = PTHREAD_ONCE_INIT;

static void grant_cache_free(void *cache)
{
    grant_entry *slots = cache;
    for (size_t i = 0; i < GRANT_CACHE_SLOTS; i++)
        free(slots[i].centers);
    free(slots);
}

static void grant_key_create(void)
{
    (void)pthread_key_create(&grant_key, grant_cache_free);
}

/* This thread's slots, created on first use; NULL when out of memory or
 * when the key could not be made (then nothing is cached). */
static grant_entry *grant_cache(void)
{
    (void)pthread_once(&grant_key_once, grant_key_create);
    grant_entry *slots = pthread_getspecific(grant_key);
    if (slots)
        return slots;
    slots = calloc(GRANT_CACHE_SLOTS, sizeof *slots);
    if (slots && pthread_setspecific(grant_key, slots) != 0) {
        free(slots);
        slots = NULL;
    }
    return slots;
}

/* Copies n centers and their strings into one malloc'd block; NULL when out
 * of memory.  The caller frees the block (the array is its start). */
static center *centers_copy(const center *rows, size_t n)
{
    size_t size = n * sizeof *rows;
    for (size_t i = 0; i < n; i++)
        size += strlen(rows[i].name) + strlen(rows[i].slug) + strlen(rows[i].timezone) + 3;
    center *copy = malloc(size ? size : 1);
    if (!copy)
        return NULL;
    char *text = (char *)(copy + n);
    for (size_t i = 0; i < n; i++) {
        const char *from[3] = {rows[i].name, rows[i].slug, rows[i].timezone};
        const char *to[3];
        for (int k = 0; k < 3; k++) {
            size_t len = strlen(from[k]) + 1;
            memcpy(text, from[k], len);
            to[k] = text;
            text += len;
        }
        copy[i] = (center){.id = rows[i].id, .name = to[0], .slug = to[1], .timezone = to[2]};
    }
    assert((size_t)(text - (char *)copy) == size);
    return copy;
}

/* The user's centers, from this thread's cache (*cached set true) unless
 * `fresh` or the entry is missing or expired; then from the store,
 * refreshing the entry. */
static api_err user_centers(api_request *rq, bool fresh, const center **out, size_t *n,
                            bool *cached)
{
    assert(rq && rq->user && out && n && cached);
    int64_t now_ms = monotonic_ms();
    grant_entry *slots = grant_cache();
    grant_entry *e = slots ? &slots[(uint64_t)rq->user->id & (GRANT_CACHE_SLOTS - 1)] : NULL;
    *cached =
        !fresh && e && e->expires_ms > now_ms && e->st == rq->store && e->user_id == rq->user->id;
    if (*cached) {
        *out = e->centers;
        *n = e->n;
        return API_OK;
    }

    center *rows = NULL;
    size_t count = 0;
    store_rc rc = store_centers_for_user(rq->store, rq->user->id, rq->arena, &rows, &count);
    if (rc == STORE_UNAVAILABLE)
        return API_UNAVAILABLE;
    if (rc != STORE_OK)
        return API_INTERNAL;
    *out = rows;
    *n = count;
    center *copy = e ? centers_copy(rows, count) : NULL;
    if (copy) {
        free(e->centers);
        *e = (grant_entry){.expires_ms = now_ms + AUTH_CACHE_TTL_MS,
                           .st = rq->store,
                           .user_id = rq->user->id,
                           .centers = copy,
                           .n = count};
    }
    return API_OK;
}

api_err api_user_centers(api_request *rq, const center **out, size_t *n)
{
    bool cached = false;
    return user_centers(rq, false, out, n, &cached);
}

/* A center missing from the remembered list is looked up again before the
 * answer is no, so a new grant works at once; only removals wait out the
 * TTL. */
static bool centers_hold(const center *rows, size_t n, int64_t center_id)
{
    for (size_t i = 0; i < n; i++)
        if (rows[i].id == center_id)
            return true;
    return false;
}

api_err api_user_may_use_center(api_request *rq, int64_t center_id)
{
    const center *rows = NULL;
    size_t n = 0;
    bool cached = false;
    api_err err = user_centers(rq, false, &rows, &n, &cached);
    if (err == API_OK && cached && !centers_hold(rows, n, center_id))
        err = user_centers(rq, true, &rows, &n, &cached);
    if (err != API_OK)
        return err;
    return centers_hold(rows, n, center_id) ? API_OK : API_NOT_FOUND;
}
