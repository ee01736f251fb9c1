/* credentials.c - decodes HTTP Basic credentials (see credentials.h).
 *
 * The base64 decoding is libsodium's, original variant: the standard
 * alphabet only, padding required, no whitespace inside, unused trailing bits
 * zero, nothing after the padding.  The encoded text is refused before
 * decoding when it could not fit the limit, so the buffer is on the stack. */
#include "http/credentials.h"

#include <assert.h>
#include <sodium.h>
#include <string.h>
#include <strings.h>

/* Ceiling on the decoded "email:token" text, in bytes. */
#define AUTH_MAX_DECODED 1024
/* Longest base64 text whose decoding can fit AUTH_MAX_DECODED. */
#define AUTH_MAX_ENCODED ((AUTH_MAX_DECODED + 2) / 3 * 4)

int credentials_parse_basic(arena *a, const char *header, const char **email, const char **token)
{
    assert(a != NULL && email != NULL && token != NULL);
    if (!header || strncasecmp(header, "Basic", 5) != 0 || header[5] != ' ')
        return -1;
    const char *b64 = header + 5;
    while (*b64 == ' ')
        b64++;
    size_t len = strlen(b64);
    while (len > 0 && (b64[len - 1] == ' ' || b64[len - 1] == '\t'))
        len--; /* trailing whitespace is not part of the credentials */
    if (len == 0 || len > AUTH_MAX_ENCODED)
        return -1;

    /* libsodium 1.0.18 (Debian 12) decodes bytes >= 0x80 as if they were
     * letters of the alphabet (a signed char in its constant-time lookup):
     * base64 is ASCII, so refuse them first. */
    for (size_t i = 0; i < len; i++)
        if ((unsigned char)b64[i] >= 0x80)
            return -1;

    unsigned char buf[AUTH_MAX_ENCODED / 4 * 3];
    size_t n;
    const char *end;
    if (sodium_base642bin(buf, sizeof buf, b64, len, NULL, &n, &end,
                          sodium_base64_VARIANT_ORIGINAL) != 0 ||
        end != b64 + len)
        return -1;
    if (n > AUTH_MAX_DECODED || memchr(buf, '\0', n) != NULL)
        return -1;
    const unsigned char *colon = memchr(buf, ':', n);
    if (!colon)
        return -1;
    size_t email_len = (size_t)(colon - buf);
    char *e = arena_strndup(a, (const char *)buf, email_len);
    char *t = arena_strndup(a, (const char *)colon + 1, n - email_len - 1);
    if (!e || !t)
        return -1;
    *email = e;
    *token = t;
    return 0;
}
