/* auth.c - checking an email and token against the users table.
 *
 * The token is hashed and compared in constant time whether or not the
 * email exists, so response time does not tell which part was wrong. */
#include <string.h>

#include "api/api.h"
#include "util/token.h"

/* Longest credential we bother hashing; real tokens are 43 characters. */
#define AUTH_MAX_INPUT 1024

api_err api_authenticate(store *st, arena *a, const char *email, const char *token, user *out)
{
    static const unsigned char nobody[TOKEN_HASH_BYTES];
    unsigned char given[TOKEN_HASH_BYTES];

    if (!email || !token || !*email || !*token || strlen(token) > AUTH_MAX_INPUT ||
        strlen(email) > AUTH_MAX_INPUT)
        return API_UNAUTHORIZED;
    token_hash(token, strlen(token), given);
    store_rc rc = store_user_get_by_email(st, email, a, out);
    if (rc == STORE_UNAVAILABLE)
        return API_UNAVAILABLE;
    if (rc != STORE_OK) {
        (void)token_hash_equal(given, nobody);
        return rc == STORE_NOT_FOUND ? API_UNAUTHORIZED : API_INTERNAL;
    }
    if (!token_hash_equal(given, out->token_hash) || out->disabled)
        return API_UNAUTHORIZED;
    return API_OK;
}
