/* token.c - API tokens with libsodium; see token.h for the design. */
#include "util/token.h"

#include <sodium.h>

bool token_init(void)
{
    return sodium_init() >= 0;
}

void token_generate(char out[TOKEN_CHARS + 1])
{
    unsigned char raw[32];
    randombytes_buf(raw, sizeof raw);
    sodium_bin2base64(out, TOKEN_CHARS + 1, raw, sizeof raw,
                      sodium_base64_VARIANT_URLSAFE_NO_PADDING);
    sodium_memzero(raw, sizeof raw);
}

void token_hash(const char *token, size_t len, unsigned char out[TOKEN_HASH_BYTES])
{
    crypto_generichash(out, TOKEN_HASH_BYTES, (const unsigned char *)token, len, NULL, 0);
}

bool token_hash_equal(const unsigned char a[TOKEN_HASH_BYTES],
                      const unsigned char b[TOKEN_HASH_BYTES])
{
    return sodium_memcmp(a, b, TOKEN_HASH_BYTES) == 0;
}
