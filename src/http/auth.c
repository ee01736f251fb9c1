/* auth.c - decodes HTTP Basic credentials (see auth.h).
 *
 * The base64 decoder is strict and bounded: the standard alphabet only,
 * padding required, no whitespace inside, unused trailing bits zero, and the
 * encoded text is refused before decoding when it could not fit the limit. */
#include "http/auth.h"

#include <assert.h>
#include <stdint.h>
#include <string.h>
#include <strings.h>

/* Ceiling on the decoded "email:token" text, in bytes. */
#define AUTH_MAX_DECODED 1024
/* Longest base64 text whose decoding can fit AUTH_MAX_DECODED. */
#define AUTH_MAX_ENCODED ((AUTH_MAX_DECODED + 2) / 3 * 4)

/* The 6-bit value of a base64 character of the standard alphabet, or -1. */
static int auth_b64_value(unsigned char c)
{
    if (c >= 'A' && c <= 'Z')
        return c - 'A';
    if (c >= 'a' && c <= 'z')
        return c - 'a' + 26;
    if (c >= '0' && c <= '9')
        return c - '0' + 52;
    if (c == '+')
        return 62;
    if (c == '/')
        return 63;
    return -1;
}

/* Decodes padded base64 in[0..len) into out (room for len / 4 * 3 bytes).
 * Returns the decoded length, or -1 when the text is not canonical base64. */
static long auth_b64_decode(const char *in, size_t len, unsigned char *out)
{
    if (len % 4 != 0)
        return -1;
    size_t pad = 0;
    if (len >= 4 && in[len - 1] == '=')
        pad = in[len - 2] == '=' ? 2 : 1;
    size_t o = 0;
    for (size_t i = 0; i < len; i += 4) {
        int last = i + 4 == len;
        uint32_t acc = 0;
        for (size_t j = 0; j < 4; j++) {
            int v;
            if (last && j >= 4 - pad)
                v = 0;
            else if ((v = auth_b64_value((unsigned char)in[i + j])) < 0)
                return -1; /* includes a stray '=' in the middle */
            acc = acc << 6 | (uint32_t)v;
        }
        size_t keep = last ? 3 - pad : 3;
        /* bits that padding drops must be zero, or two texts mean one value */
        if ((pad == 1 && last && (acc & 0xffu) != 0) || (pad == 2 && last && (acc & 0xffffu) != 0))
            return -1;
        unsigned char bytes[3] = {(unsigned char)(acc >> 16), (unsigned char)(acc >> 8),
                                  (unsigned char)acc};
        memcpy(out + o, bytes, keep);
        o += keep;
    }
    return (long)o;
}

int auth_parse_basic(arena *a, const char *header, const char **email, const char **token)
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

    unsigned char buf[AUTH_MAX_ENCODED / 4 * 3];
    long n = auth_b64_decode(b64, len, buf);
    if (n < 0 || n > AUTH_MAX_DECODED || memchr(buf, '\0', (size_t)n) != NULL)
        return -1;
    const unsigned char *colon = memchr(buf, ':', (size_t)n);
    if (!colon)
        return -1;
    size_t email_len = (size_t)(colon - buf);
    char *e = arena_strndup(a, (const char *)buf, email_len);
    char *t = arena_strndup(a, (const char *)colon + 1, (size_t)n - email_len - 1);
    if (!e || !t)
        return -1;
    *email = e;
    *token = t;
    return 0;
}
