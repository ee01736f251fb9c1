/* fetch.h - one conditional HTTP GET of a calendar address, with libcurl,
 * bounded in size and time (design in fetch.c). */
#ifndef AGENDA_SYNC_FETCH_H
#define AGENDA_SYNC_FETCH_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "util/arena.h"

#define FETCH_URL_MAX 2048

typedef struct fetch_request {
    const char *url;           /* http://, https:// or webcal:// (read as https) */
    const char *etag;          /* If-None-Match, or NULL */
    const char *last_modified; /* If-Modified-Since, or NULL */
    int64_t timeout;           /* seconds for the whole transfer */
    size_t max_bytes;          /* a longer body fails the fetch */
    /* Polled during the transfer when not NULL: true aborts it (the
     * server is stopping). */
    bool (*cancelled)(void *ctx);
    void *cancelled_ctx;
} fetch_request;

typedef struct fetch_result {
    long status; /* the final HTTP status; 0 when none came */
    char *body;  /* NUL-terminated, in the arena; NULL unless 2xx */
    size_t len;
    const char *etag; /* the final response's validators, or NULL */
    const char *last_modified;
} fetch_result;

/* True when url is an address fetch_get accepts: http, https or webcal,
 * a host, at most FETCH_URL_MAX bytes, no spaces or control characters.
 * Otherwise false with *why a static phrase. */
bool fetch_url_ok(const char *url, const char **why);

/* GETs req->url (following up to 5 redirects, http and https only).  True
 * when a response came (any status: the caller judges it); false with err
 * set (timeout, refused, too large, ...).  Thread-safe once libcurl's
 * global initialisation has run. */
bool fetch_get(const fetch_request *req, arena *a, fetch_result *out, char *err, size_t errlen);

#endif
