/* metrics.h - the server's own counters, and their rendering in the
 * Prometheus text format (version 0.0.4) for GET /metrics.
 *
 * Requests are counted per route of the API table (api/routes.c) plus a few
 * fixed targets (the pages, the probes, anything else), per status, with a
 * latency histogram per target.  Labels are the route's method and pattern
 * ("GET /api/v2/calendars/{id}/appointments"), never a request's own path,
 * so the number of series is fixed whatever clients send.  Counters are
 * atomics updated without a lock; a scrape reads them one by one (a
 * scrape during traffic may see one counter a request ahead of another,
 * as Prometheus allows). */
#ifndef AGENDA_METRICS_H
#define AGENDA_METRICS_H

#include <stddef.h>
#include <stdint.h>

#include "util/buf.h"

/* The targets that are not API routes; API route i is METRICS_ROUTES + i. */
typedef enum metrics_target {
    METRICS_OTHER = 0, /* no route: 404s, refused heads, unknown paths */
    METRICS_PAGES,     /* the HTML pages and their assets (web.h) */
    METRICS_HEALTH,    /* /healthz */
    METRICS_READY,     /* /readyz */
    METRICS_SCRAPE,    /* /metrics */
    METRICS_ROUTES     /* the first API route */
} metrics_target;

/* Counters the server keeps besides requests. */
typedef enum metrics_event {
    METRICS_CONNECTIONS_OPENED = 0,
    METRICS_AUTH_FAILED,  /* failed authentications (wrong or unknown credentials) */
    METRICS_AUTH_LIMITED, /* requests refused by the failed-login limiter (429) */
    METRICS_EVENTS
} metrics_event;

/* What a scrape reads from elsewhere at that moment: gauges of the
 * server, counters of the API layer, the store's backlog (have_store false
 * when the store did not answer). */
typedef struct metrics_snapshot {
    int64_t connections_open;
    int64_t requests_in_flight;
    uint64_t store_errors, store_retries;
    bool have_store;
    int64_t messages_due, messages_pending, messages_failed;
    int64_t caldav_links_due, caldav_links_failing, caldav_links_paused;
    int64_t imports_due, imports_failing;
} metrics_snapshot;

/* Sets up the counters for the API's routes; false when out of memory.
 * Called once, before any request. */
bool metrics_init(void);
void metrics_free(void);

/* Counts one answered request of target t (an enum value above, or
 * METRICS_ROUTES + the route's index in api_routes) with its status and
 * duration in microseconds. */
void metrics_request(size_t target, unsigned status, int64_t micros);
void metrics_count(metrics_event e);

/* Renders every metric into out (text, no NUL inside).  false when out
 * would pass its limit. */
bool metrics_render(const metrics_snapshot *s, buf *out);

#endif
