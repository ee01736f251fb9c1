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
    if (strcmp(key, "move") == 0) /* the booking page's private link */
        return true;
    for (size_t i = 0; i < sizeof suffixes / sizeof suffixes[0]; i++) {
        size_t n = strlen(suffixes[i]);
        if (len >= n && strncasecmp(key + len - n, suffixes[i], n) == 0)
            return true;
    }
    return false;
}

/* The length of the private link's segment in a path /book/{slug}/a/{link}
 * (page.h of web/) and where it starts, or 0. */
static size_t private_link(const char *path, size_t path_len, size_t *at)
{
    static const char book[] = "/book/";
    if (path_len <= sizeof book - 1 || strncmp(path, book, sizeof book - 1) != 0)
        return 0;
    const char *slug_end = memchr(path + sizeof book - 1, '/', path_len - (sizeof book - 1));
    if (!slug_end || (size_t)(path + path_len - slug_end) <= 3 || strncmp(slug_end, "/a/", 3) != 0)
        return 0;
    *at = (size_t)(slug_end + 3 - path);
    const char *end = memchr(path + *at, '/', path_len - *at);
    return (end ? (size_t)(end - path) : path_len) - *at;
}

char *accesslog_redact(arena *a, const char *target)
{
    static const char mask[] = "[redacted]";
    const char *query = strchr(target, '?');
    size_t path_len = query ? (size_t)(query - target) : strlen(target), link_at = 0;
    size_t link_len = private_link(target, path_len, &link_at);
    /* the result is at most the target plus one mask per parameter and one
     * for the path */
    size_t params = 2;
    for (const char *p = query; p && *p; p++)
        params += *p == '&';
    size_t cap = strlen(target) + params * sizeof mask + 1;
    char *out = arena_alloc(a, cap);
    if (!out)
        return NULL;
    size_t used = 0;
    if (link_len) {
        memcpy(out, target, link_at);
        memcpy(out + link_at, mask, sizeof mask - 1);
        used = link_at + sizeof mask - 1;
        memcpy(out + used, target + link_at + link_len, path_len - link_at - link_len);
        used += path_len - link_at - link_len;
    } else {
        memcpy(out, target, path_len);
        used = path_len;
    }
    if (!query) {
        out[used] = '\0';
        return out;
    }
    out[used++] = '?';
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
