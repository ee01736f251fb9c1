/* csrf.c - the form tokens of csrf.h. */
#include "web/csrf.h"

#include <assert.h>
#include <inttypes.h>
#include <sodium.h>
#include <stdio.h>
#include <string.h>

#include "util/parse.h"

_Static_assert(CSRF_KEY_BYTES == crypto_auth_KEYBYTES, "the key is crypto_auth's");

/* The MAC of (session, expires) into mac. */
static void mac_of(const unsigned char key[CSRF_KEY_BYTES], const char *session, int64_t expires,
                   unsigned char mac[crypto_auth_BYTES])
{
    crypto_auth_hmacsha512256_state st;
    char when[24];
    int len = snprintf(when, sizeof when, "\n%" PRId64, expires);
    assert(len > 0 && (size_t)len < sizeof when);
    crypto_auth_hmacsha512256_init(&st, key, CSRF_KEY_BYTES);
    crypto_auth_hmacsha512256_update(&st, (const unsigned char *)session, strlen(session));
    crypto_auth_hmacsha512256_update(&st, (const unsigned char *)when, (size_t)len);
    crypto_auth_hmacsha512256_final(&st, mac);
}

void csrf_make(const unsigned char key[CSRF_KEY_BYTES], const char *session, int64_t expires,
               char out[CSRF_TOKEN_MAX])
{
    assert(key && session && out);
    unsigned char mac[crypto_auth_BYTES];
    mac_of(key, session, expires, mac);
    int len = snprintf(out, CSRF_TOKEN_MAX, "%" PRId64 ".", expires);
    assert(len > 0 && len < CSRF_TOKEN_MAX);
    sodium_bin2base64(out + len, (size_t)(CSRF_TOKEN_MAX - len), mac, sizeof mac,
                      sodium_base64_VARIANT_URLSAFE_NO_PADDING);
}

bool csrf_check(const unsigned char key[CSRF_KEY_BYTES], const char *session, const char *token,
                int64_t now)
{
    assert(key && session);
    bool ok = token != NULL;
    const char *dot = ok ? strchr(token, '.') : NULL;
    char when[24];
    int64_t expires = 0;
    unsigned char given[crypto_auth_BYTES], mac[crypto_auth_BYTES];
    size_t given_len = 0;
    ok = dot && (size_t)(dot - token) < sizeof when;
    if (ok) {
        memcpy(when, token, (size_t)(dot - token));
        when[dot - token] = '\0';
        ok = parse_int64(when, &expires) && expires > now;
    }
    ok = ok &&
         sodium_base642bin(given, sizeof given, dot + 1, strlen(dot + 1), NULL, &given_len, NULL,
                           sodium_base64_VARIANT_URLSAFE_NO_PADDING) == 0 &&
         given_len == sizeof given;
    if (ok) {
        mac_of(key, session, expires, mac);
        ok = sodium_memcmp(given, mac, sizeof mac) == 0;
    }
    return ok;
}
