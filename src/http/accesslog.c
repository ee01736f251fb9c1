/* accesslog.c - redacted access log lines; see accesslog.h. */
#include "http/accesslog.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdbool.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "http/url.h"
#include "util/clock.h"

/* True when a query key, as sent (it may be percent-encoded, the server
 * decodes it), names a credential: its value is never logged.  A key too
 * long or malformed to decode is treated as secret. */
static bool key_is_secret(const char *raw, size_t raw_len)
{
    static const char *const suffixes[] = {"token", "password"};
    char key[256];
    if (raw_len >= sizeof key || url_decode_into(key, raw, raw_len, 1) != 0)
        return true;
    size_t len = strlen(key);
    for (size_t i = 0; i < sizeof suffixes / sizeof suffixes[0]; i++) {
        size_t n = strlen(suffixes[i]);
        if (len >= n && strncasecmp(key + len - n, suffixes[i], n) == 0)
            return true;
    }
    return false;
}

char *accesslog_redact(arena *a, const char *target)
{
    static const char mask[] = "[redacted]";
    const char *query = strchr(target, '?');
    if (!query)
        return arena_strdup(a, target);
    /* the result is at most the target plus one mask per parameter */
    size_t params = 1;
    for (const char *p = query; *p; p++)
        params += *p == '&';
    size_t cap = strlen(target) + params * sizeof mask + 1;
    char *out = arena_alloc(a, cap);
    if (!out)
        return NULL;
    size_t used = (size_t)(query - target) + 1;
    memcpy(out, target, used);
    const char *p = query + 1;
    while (*p) {
        const char *end = strchr(p, '&');
        size_t len = end ? (size_t)(end - p) : strlen(p);
        const char *eq = memchr(p, '=', len);
        size_t key_len = eq ? (size_t)(eq - p) : len;
        if (eq && key_is_secret(p, key_len)) {
            memcpy(out + used, p, key_len + 1);
            used += key_len + 1;
            memcpy(out + used, mask, sizeof mask - 1);
            used += sizeof mask - 1;
        } else {
            memcpy(out + used, p, len);
            used += len;
        }
        if (!end)
            break;
        out[used++] = '&';
        p = end + 1;
    }
    out[used] = '\0';
    return out;
}

void accesslog_write(FILE *out, const struct sockaddr *client, const char *method,
                     const char *redacted_target, unsigned status, int64_t micros)
{
    char addr[INET6_ADDRSTRLEN] = "-";
    if (client && client->sa_family == AF_INET)
        inet_ntop(AF_INET, &((const struct sockaddr_in *)client)->sin_addr, addr, sizeof addr);
    else if (client && client->sa_family == AF_INET6)
        inet_ntop(AF_INET6, &((const struct sockaddr_in6 *)client)->sin6_addr, addr, sizeof addr);
    char when[32];
    struct tm tm;
    time_t now = (time_t)clock_unix_seconds();
    strftime(when, sizeof when, "%Y-%m-%dT%H:%M:%SZ", gmtime_r(&now, &tm));
    /* one fprintf per line: stdio locks the stream for the whole call */
    fprintf(out, "%s %s %s %s %u %lldus\n", when, addr, method, redacted_target, status,
            (long long)micros);
}
