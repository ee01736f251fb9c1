/* csrf.h - tokens that tie a form to the browser that asked for it
 * (libsodium's crypto_auth, HMAC-SHA-512-256).
 *
 * A token is "EXPIRES.MAC": the Unix time it stops being accepted, and the
 * URL-safe base64 (no padding) of the MAC, under the server's key, of the
 * session it was made for (the value of the browser's session cookie) and
 * that time.  It proves the form was served to that session by a server
 * holding the key, until it expires; it carries no secret of its own.
 * Checking compares in constant time. */
#ifndef AGENDA_WEB_CSRF_H
#define AGENDA_WEB_CSRF_H

#include <stdbool.h>
#include <stdint.h>

#define CSRF_KEY_BYTES 32
/* digits of an int64, '.', 43 base64 characters, NUL */
#define CSRF_TOKEN_MAX 72

/* Writes the token of `session` valid until `expires` into out. */
void csrf_make(const unsigned char key[CSRF_KEY_BYTES], const char *session, int64_t expires,
               char out[CSRF_TOKEN_MAX]);
/* True when `token` was made by csrf_make with this key and session and
 * has not expired at `now`. */
bool csrf_check(const unsigned char key[CSRF_KEY_BYTES], const char *session, const char *token,
                int64_t now);

#endif
