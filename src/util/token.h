/* token.h - API tokens: generation and hashing (libsodium).
 *
 * A token is 32 random bytes, shown once as URL-safe base64 without padding
 * (43 characters, safe in a query string).  Only its BLAKE2b-256 hash is
 * stored: the token has 256 bits of entropy, so a slow password hash would
 * add nothing but latency to every request. */
#ifndef AGENDA_TOKEN_H
#define AGENDA_TOKEN_H

#include <stdbool.h>
#include <stddef.h>

#define TOKEN_CHARS      43
#define TOKEN_HASH_BYTES 32

/* Initialises libsodium; returns false when it cannot (no entropy source). */
bool token_init(void);
/* Writes a new token and its NUL into out[TOKEN_CHARS + 1]. */
void token_generate(char out[TOKEN_CHARS + 1]);
/* Hashes any string (the check hashes whatever the client sent). */
void token_hash(const char *token, size_t len, unsigned char out[TOKEN_HASH_BYTES]);
/* Constant-time comparison of two hashes. */
bool token_hash_equal(const unsigned char a[TOKEN_HASH_BYTES],
                      const unsigned char b[TOKEN_HASH_BYTES]);

#endif
