/* fuzz_credentials.c - libFuzzer harness for the Authorization header:
 * credentials_parse_basic.
 *
 * Input: the first byte picks a mode.  Even: the rest (up to the first NUL)
 * is the raw header value.  Odd: the rest is the decoded credentials, sent
 * as "Basic " + base64 of them, so the decoder's acceptance rules are
 * exercised on every byte string.  Properties checked: an accepted header is
 * canonical (encoding what it decoded to gives the header's base64 text
 * back), the e-mail has no ':' and nothing has a NUL, the outputs are
 * untouched on refusal, and a well-formed header is accepted exactly when
 * its text has a ':', no NUL and at most 1024 bytes. */
#include <stdbool.h>
#include <string.h>

#include "fuzz.h"
#include "http/credentials.h"

#define AUTH_MAX_DECODED 1024

/* Standard padded base64 of in[0..len), appended to b. */
static void base64(fuzz_buf *b, const uint8_t *in, size_t len)
{
    static const char alphabet[] =
        "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    for (size_t i = 0; i < len; i += 3) {
        uint32_t acc = (uint32_t)in[i] << 16;
        if (i + 1 < len)
            acc |= (uint32_t)in[i + 1] << 8;
        if (i + 2 < len)
            acc |= in[i + 2];
        char quad[4] = {alphabet[acc >> 18 & 63], alphabet[acc >> 12 & 63],
                        i + 1 < len ? alphabet[acc >> 6 & 63] : '=',
                        i + 2 < len ? alphabet[acc & 63] : '='};
        fuzz_buf_add(b, quad, 4);
    }
}

/* Checks one accepted result against the header it came from. */
static void check_accepted(const char *header, const char *email, const char *token)
{
    FUZZ_CHECK(strchr(email, ':') == NULL);
    size_t elen = strlen(email), tlen = strlen(token);
    FUZZ_CHECK(elen + 1 + tlen <= AUTH_MAX_DECODED);

    /* the base64 text: after "Basic" and its spaces, before trailing blanks */
    const char *b64 = header + 5;
    while (*b64 == ' ')
        b64++;
    size_t len = strlen(b64);
    while (len > 0 && (b64[len - 1] == ' ' || b64[len - 1] == '\t'))
        len--;

    fuzz_buf text = {0}, enc = {0};
    fuzz_buf_add(&text, email, elen);
    fuzz_buf_add(&text, ":", 1);
    fuzz_buf_add(&text, token, tlen);
    base64(&enc, (const uint8_t *)text.data, text.len);
    FUZZ_CHECK(enc.len == len && memcmp(enc.data, b64, len) == 0);
    fuzz_buf_free(&text);
    fuzz_buf_free(&enc);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size == 0)
        return 0;
    arena *a = arena_new(ARENA_DEFAULT_LIMIT);
    FUZZ_CHECK(a != NULL);
    const char *untouched = "untouched";
    const char *email = untouched, *token = untouched;

    if (data[0] % 2 == 0) {
        char *header = fuzz_cstring(data + 1, size - 1);
        if (credentials_parse_basic(a, header, &email, &token) == 0)
            check_accepted(header, email, token);
        else
            FUZZ_CHECK(email == untouched && token == untouched);
        free(header);
    } else {
        const uint8_t *text = data + 1;
        size_t len = size - 1;
        fuzz_buf header = {0};
        fuzz_buf_str(&header, "Basic ");
        base64(&header, text, len);
        bool expect = len > 0 && len <= AUTH_MAX_DECODED && memchr(text, ':', len) &&
                      !memchr(text, '\0', len);
        int rc = credentials_parse_basic(a, header.data, &email, &token);
        FUZZ_CHECK((rc == 0) == expect);
        if (rc == 0) {
            size_t elen = strlen(email);
            FUZZ_CHECK(elen + 1 + strlen(token) == len);
            FUZZ_CHECK(memcmp(text, email, elen) == 0 && text[elen] == ':');
            FUZZ_CHECK(memcmp(text + elen + 1, token, len - elen - 1) == 0);
            check_accepted(header.data, email, token);
        }
        fuzz_buf_free(&header);
    }
    arena_free(a);
    return 0;
}
