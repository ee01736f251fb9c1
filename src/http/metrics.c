/* metrics.c - request counters and latency histograms per target, and the
 * Prometheus text rendering (see metrics.h).
 *
 * Statuses are counted in a fixed table of the ones the server answers
 * (errors.c maps every api_err to one of them), plus "other" for anything
 * else a library might queue, so a target's series are known in advance
 * and one request is two atomic increments and a bucket's.  Durations are
 * kept in microseconds (integers: atomics need no lock) and rendered in
 * seconds, as Prometheus names them. */
#include "http/metrics.h"

#include <assert.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api/api.h"

static const unsigned statuses[] = {200, 201, 202, 204, 304, 400, 401, 403, 404, 405,
                                    409, 413, 414, 415, 422, 429, 431, 500, 503};
#define N_STATUSES (sizeof statuses / sizeof statuses[0] + 1) /* the last: any other */

/* Upper bounds of the latency buckets, microseconds (then +Inf). */
static const int64_t bounds[] = {1000,   2500,   5000,    10000,   25000,   50000,
                                 100000, 250000, 1000000, 2500000, 10000000};
#define N_BOUNDS (sizeof bounds / sizeof bounds[0])

typedef struct target_counters {
    atomic_uint_fast64_t by_status[N_STATUSES];
    atomic_uint_fast64_t buckets[N_BOUNDS + 1]; /* not cumulative; the last is +Inf */
    atomic_uint_fast64_t micros;                /* the durations' sum */
} target_counters;

static target_counters *targets;
static size_t n_targets;
static atomic_uint_fast64_t events[METRICS_EVENTS];

static const char *const fixed_names[METRICS_ROUTES] = {
    [METRICS_OTHER] = "other",     [METRICS_PAGES] = "pages",
    [METRICS_HEALTH] = "/healthz", /* any method: a refused one counts here too */
    [METRICS_READY] = "/readyz",   [METRICS_SCRAPE] = "/metrics",
};

bool metrics_init(void)
{
    n_targets = METRICS_ROUTES + api_route_count;
    targets = calloc(n_targets, sizeof *targets);
    return targets != NULL;
}

void metrics_free(void)
{
    free(targets);
    targets = NULL;
    n_targets = 0;
}

void metrics_request(size_t target, unsigned status, int64_t micros)
{
    if (!targets)
        return;
    assert(target < n_targets);
    target_counters *t = &targets[target];
    size_t s = 0;
    while (s < N_STATUSES - 1 && statuses[s] != status)
        s++;
    size_t b = 0;
    while (b < N_BOUNDS && micros > bounds[b])
        b++;
    atomic_fetch_add_explicit(&t->by_status[s], 1, memory_order_relaxed);
    atomic_fetch_add_explicit(&t->buckets[b], 1, memory_order_relaxed);
    atomic_fetch_add_explicit(&t->micros, (uint64_t)(micros > 0 ? micros : 0),
                              memory_order_relaxed);
}

void metrics_count(metrics_event e)
{
    assert(e < METRICS_EVENTS);
    atomic_fetch_add_explicit(&events[e], 1, memory_order_relaxed);
}

/* Appends printf-style text; false once the buffer has failed. */
static bool put(buf *out, const char *fmt, ...)
{
    char line[512];
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(line, sizeof line, fmt, ap);
    va_end(ap);
    assert(n >= 0 && (size_t)n < sizeof line); /* our own names and numbers only */
    return buf_add(out, line, (size_t)n);
}

/* The target's label value: "METHOD /api/v2/PATTERN" or a fixed name.
 * Patterns hold only letters, digits, '_', '/', '{', '}' and '.', so no
 * escape is needed inside the quotes. */
static void target_name(size_t i, char *out, size_t size)
{
    if (i < METRICS_ROUTES) {
        snprintf(out, size, "%s", fixed_names[i]);
        return;
    }
    const api_route *r = &api_routes[i - METRICS_ROUTES];
    snprintf(out, size, "%s /api/v2/%s", r->method, r->pattern);
}

static bool help(buf *out, const char *name, const char *type, const char *text)
{
    return put(out, "# HELP %s %s\n# TYPE %s %s\n", name, text, name, type);
}

static bool gauge(buf *out, const char *name, const char *text, int64_t v)
{
    return help(out, name, "gauge", text) && put(out, "%s %" PRId64 "\n", name, v);
}

static bool counter(buf *out, const char *name, const char *text, uint64_t v)
{
    return help(out, name, "counter", text) && put(out, "%s %" PRIu64 "\n", name, v);
}

bool metrics_render(const metrics_snapshot *s, buf *out)
{
    char name[160];
    bool ok = help(out, "agenda_http_requests_total", "counter",
                   "Requests answered, by route and status.");
    for (size_t i = 0; ok && i < n_targets; i++) {
        target_name(i, name, sizeof name);
        for (size_t k = 0; ok && k < N_STATUSES; k++) {
            uint64_t v = atomic_load_explicit(&targets[i].by_status[k], memory_order_relaxed);
            if (!v)
                continue; /* a series appears with its first request */
            if (k < N_STATUSES - 1)
                ok =
                    put(out, "agenda_http_requests_total{route=\"%s\",status=\"%u\"} %" PRIu64 "\n",
                        name, statuses[k], v);
            else
                ok = put(out,
                         "agenda_http_requests_total{route=\"%s\",status=\"other\"} %" PRIu64 "\n",
                         name, v);
        }
    }
    ok = ok && help(out, "agenda_http_request_duration_seconds", "histogram",
                    "Time from a request's first byte to its answer, by route.");
    for (size_t i = 0; ok && i < n_targets; i++) {
        uint64_t count = 0, cumulative[N_BOUNDS + 1];
        for (size_t b = 0; b <= N_BOUNDS; b++) {
            count += atomic_load_explicit(&targets[i].buckets[b], memory_order_relaxed);
            cumulative[b] = count;
        }
        if (!count)
            continue;
        target_name(i, name, sizeof name);
        for (size_t b = 0; ok && b < N_BOUNDS; b++)
            ok = put(out,
                     "agenda_http_request_duration_seconds_bucket{route=\"%s\",le=\"%g\"} %" PRIu64
                     "\n",
                     name, (double)bounds[b] / 1e6, cumulative[b]);
        uint64_t micros = atomic_load_explicit(&targets[i].micros, memory_order_relaxed);
        ok = ok &&
             put(out,
                 "agenda_http_request_duration_seconds_bucket{route=\"%s\",le=\"+Inf\"} %" PRIu64
                 "\n"
                 "agenda_http_request_duration_seconds_sum{route=\"%s\"} %.6f\n"
                 "agenda_http_request_duration_seconds_count{route=\"%s\"} %" PRIu64 "\n",
                 name, count, name, (double)micros / 1e6, name, count);
    }
    ok = ok &&
         gauge(out, "agenda_http_connections", "Connections open now.", s->connections_open) &&
         counter(out, "agenda_http_connections_opened_total", "Connections accepted.",
                 atomic_load(&events[METRICS_CONNECTIONS_OPENED])) &&
         gauge(out, "agenda_http_requests_in_flight", "Requests being read or answered now.",
               s->requests_in_flight) &&
         counter(out, "agenda_auth_failures_total",
                 "Requests whose credentials were wrong or unknown.",
                 atomic_load(&events[METRICS_AUTH_FAILED])) &&
         counter(out, "agenda_auth_limited_total",
                 "Requests refused by the failed-login limiter (429).",
                 atomic_load(&events[METRICS_AUTH_LIMITED])) &&
         counter(out, "agenda_store_errors_total",
                 "Requests the database failed (unavailable or an error).", s->store_errors) &&
         counter(out, "agenda_store_retries_total",
                 "Requests run again after losing a race with another transaction.",
                 s->store_retries) &&
         gauge(out, "agenda_store_up", "1 when the database answered this scrape.",
               s->have_store ? 1 : 0);
    if (ok && s->have_store)
        ok = gauge(out, "agenda_messages_due", "Patient messages due now and not being sent.",
                   s->messages_due) &&
             gauge(out, "agenda_messages_pending", "Patient messages not sent yet.",
                   s->messages_pending) &&
             gauge(out, "agenda_messages_failed", "Patient messages that failed for good.",
                   s->messages_failed) &&
             gauge(out, "agenda_caldav_links_due", "CalDAV links due for a sync now.",
                   s->caldav_links_due) &&
             gauge(out, "agenda_caldav_links_failing", "CalDAV links whose last sync failed.",
                   s->caldav_links_failing) &&
             gauge(out, "agenda_caldav_links_paused", "CalDAV links paused by the removal guard.",
                   s->caldav_links_paused) &&
             gauge(out, "agenda_imports_due", "Imported feeds due for a download now.",
                   s->imports_due) &&
             gauge(out, "agenda_imports_failing", "Imported feeds whose last download failed.",
                   s->imports_failing);
    return ok;
}
