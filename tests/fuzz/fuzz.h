/* fuzz.h - helpers shared by the libFuzzer harnesses in tests/fuzz/.
 *
 * Each harness feeds client bytes to one parser and, beyond crashes and
 * sanitizer reports, checks properties of the result (round trips, limits,
 * agreement with a simple reference).  A broken property aborts with a
 * message, which libFuzzer reports as a crash and saves as an artifact. */
#ifndef AGENDA_FUZZ_H
#define AGENDA_FUZZ_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Aborts with the failed condition when `cond` is false. */
#define FUZZ_CHECK(cond)                                                                           \
    do {                                                                                           \
        if (!(cond)) {                                                                             \
            fprintf(stderr, "%s:%d: property failed: %s\n", __FILE__, __LINE__, #cond);            \
            abort();                                                                               \
        }                                                                                          \
    } while (0)

/* The entry point libFuzzer calls once per input. */
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* A NUL-terminated malloc'd copy of data[0..size), cut at the first NUL (the
 * HTTP server hands C strings to the parsers).  Aborts on OOM. */
static inline char *fuzz_cstring(const uint8_t *data, size_t size)
{
    const uint8_t *nul = memchr(data, '\0', size);
    size_t n = nul ? (size_t)(nul - data) : size;
    char *s = malloc(n + 1);
    FUZZ_CHECK(s != NULL);
    if (n)
        memcpy(s, data, n);
    s[n] = '\0';
    return s;
}

/* A growable byte string for building inputs to parse again. */
typedef struct fuzz_buf {
    char *data;
    size_t len, cap;
} fuzz_buf;

/* Appends s[0..n); aborts on OOM.  data stays NUL-terminated. */
static inline void fuzz_buf_add(fuzz_buf *b, const char *s, size_t n)
{
    if (b->len + n + 1 > b->cap) {
        size_t cap = b->cap ? b->cap : 64;
        while (cap < b->len + n + 1)
            cap *= 2;
        char *grown = realloc(b->data, cap);
        FUZZ_CHECK(grown != NULL);
        b->data = grown;
        b->cap = cap;
    }
    if (n)
        memcpy(b->data + b->len, s, n);
    b->len += n;
    b->data[b->len] = '\0';
}

static inline void fuzz_buf_str(fuzz_buf *b, const char *s)
{
    fuzz_buf_add(b, s, strlen(s));
}

/* Appends s percent-encoded: everything but ASCII letters, digits and "-._~"
 * becomes %XX. */
static inline void fuzz_buf_escaped(fuzz_buf *b, const char *s)
{
    static const char hex[] = "0123456789ABCDEF";
    for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
        unsigned char c = *p;
        if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
            c == '-' || c == '.' || c == '_' || c == '~') {
            fuzz_buf_add(b, (const char *)p, 1);
        } else {
            char esc[3] = {'%', hex[c >> 4], hex[c & 15]};
            fuzz_buf_add(b, esc, 3);
        }
    }
}

static inline void fuzz_buf_free(fuzz_buf *b)
{
    free(b->data);
    *b = (fuzz_buf){0};
}

#endif
