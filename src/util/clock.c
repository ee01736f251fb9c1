/* clock.c - Unix time from CLOCK_REALTIME or from a clock file (see clock.h).
 *
 * The clock file's value is cached with the monotonic instant it was read;
 * readers under the mutex re-read it once the cache is CLOCK_FILE_REREAD_MS
 * old.  A read that fails (the test is rewriting the file, or left it empty
 * for an instant) keeps the last good value, so "now" never jumps to 0. */
#include "util/clock.h"

#include <assert.h>
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static pthread_mutex_t file_lock = PTHREAD_MUTEX_INITIALIZER;
static char *file_path;      /* NULL: CLOCK_REALTIME */
static int64_t file_value;   /* last good value read */
static int64_t file_read_at; /* clock_monotonic_ms() of that read */

int64_t clock_monotonic_ms(void)
{
    struct timespec ts;
    int rc = clock_gettime(CLOCK_MONOTONIC, &ts);
    assert(rc == 0); /* CLOCK_MONOTONIC always exists */
    (void)rc;
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static int64_t realtime_seconds(void)
{
    struct timespec ts;
    int rc = clock_gettime(CLOCK_REALTIME, &ts);
    assert(rc == 0); /* CLOCK_REALTIME always exists */
    (void)rc;
    return (int64_t)ts.tv_sec;
}

/* Reads a Unix time from `path` into *out; false when the file cannot be
 * read or holds anything else. */
static bool read_clock_file(const char *path, int64_t *out)
{
    char text[64];
    bool ok = false;
    FILE *f = fopen(path, "r");
    if (!f)
        return false;
    size_t n = fread(text, 1, sizeof text - 1, f);
    if (ferror(f) || !feof(f))
        goto done; /* longer than any Unix time */
    text[n] = '\0';
    char *p = text;
    while (*p == ' ' || *p == '\t' || *p == '\n' || *p == '\r')
        p++;
    if (*p < '0' || *p > '9')
        goto done;
    errno = 0;
    char *end = NULL;
    long long v = strtoll(p, &end, 10);
    if (errno != 0 || v > (1LL << 40))
        goto done;
    if (*end == '.') /* a fraction, as `date +%s.%N` writes it */
        for (end++; *end >= '0' && *end <= '9'; end++)
            ;
    while (*end == ' ' || *end == '\t' || *end == '\n' || *end == '\r')
        end++;
    if (*end != '\0')
        goto done;
    *out = (int64_t)v;
    ok = true;
done:
    fclose(f);
    return ok;
}

int64_t clock_unix_seconds(void)
{
    if (!__atomic_load_n(&file_path, __ATOMIC_ACQUIRE))
        return realtime_seconds();
    pthread_mutex_lock(&file_lock);
    int64_t now_ms = clock_monotonic_ms();
    if (now_ms - file_read_at >= CLOCK_FILE_REREAD_MS) {
        int64_t v;
        if (read_clock_file(file_path, &v))
            file_value = v;
        file_read_at = now_ms;
    }
    int64_t v = file_value;
    pthread_mutex_unlock(&file_lock);
    return v;
}

bool clock_use_file(const char *path, const char **err)
{
    int64_t v = 0;
    char *copy = NULL;
    if (path) {
        if (!read_clock_file(path, &v)) {
            *err = "cannot read a Unix time from the clock file";
            return false;
        }
        copy = strdup(path);
        if (!copy) {
            *err = "out of memory";
            return false;
        }
    }
    pthread_mutex_lock(&file_lock);
    char *old = file_path;
    file_value = v;
    file_read_at = clock_monotonic_ms();
    __atomic_store_n(&file_path, copy, __ATOMIC_RELEASE);
    pthread_mutex_unlock(&file_lock);
    free(old);
    return true;
}
