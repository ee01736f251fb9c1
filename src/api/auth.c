/* auth.c - checking an email and token against the users table.
 *
 * The token is hashed and compared in constant time whether or not the
 * email exists, so response time does not tell which part was wrong.
 *
 * Verified credentials are remembered for AUTH_CACHE_TTL_MS (1 second) in a
 * small cache per thread (no locks; each server worker has its own), so a
 * busy client does not cost a users-table lookup per request.  Only
 * successes are cached, keyed by the email and the token's hash; an entry is
 * never used past its TTL, so a revoked user or a replaced token stops
 * working at most one second after the change. */
#include <stdint.h>
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
