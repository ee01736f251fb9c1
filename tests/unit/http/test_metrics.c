/* test_metrics.c - request counters, histograms and their Prometheus text. */
#include <check.h>
#include <stdio.h>
#include <string.h>

#include "../suites.h"
#include "api/api.h"
#include "http/metrics.h"

/* The rendering of the counters as they are, in a buffer of `limit` bytes
 * (NULL when it does not fit). */
static char *render(const metrics_snapshot *s, size_t limit)
{
    static char text[1 << 16];
    buf out;
    buf_init(&out, limit, NULL);
    bool ok = metrics_render(s, &out);
    if (ok)
        snprintf(text, sizeof text, "%s", out.data ? out.data : "");
    buf_free(&out);
    return ok ? text : NULL;
}

START_TEST(requests_count_by_route_status_and_bucket)
{
    ck_assert(metrics_init());
    size_t route = METRICS_ROUTES;           /* api_routes[0] */
    metrics_request(route, 200, 800);        /* the 1 ms bucket */
    metrics_request(route, 200, 3000);       /* the 5 ms bucket */
    metrics_request(route, 404, 2000000);    /* the 2.5 s bucket */
    metrics_request(METRICS_OTHER, 299, 10); /* a status of no row of its own */
    metrics_count(METRICS_AUTH_FAILED);
    char line[256];
    const char *text = render(&(metrics_snapshot){.connections_open = 3}, 1 << 20);
    ck_assert_ptr_nonnull(text);
    snprintf(line, sizeof line,
             "agenda_http_requests_total{route=\"%s /api/v2/%s\",status=\"200\"} 2\n",
             api_routes[0].method, api_routes[0].pattern);
    ck_assert_ptr_nonnull(strstr(text, line));
    snprintf(
        line, sizeof line,
        "agenda_http_request_duration_seconds_bucket{route=\"%s /api/v2/%s\",le=\"0.005\"} 2\n",
        api_routes[0].method, api_routes[0].pattern);
    ck_assert_ptr_nonnull(strstr(text, line)); /* cumulative */
    snprintf(line, sizeof line,
             "agenda_http_request_duration_seconds_bucket{route=\"%s /api/v2/%s\",le=\"+Inf\"} 3\n",
             api_routes[0].method, api_routes[0].pattern);
    ck_assert_ptr_nonnull(strstr(text, line));
    snprintf(line, sizeof line,
             "agenda_http_request_duration_seconds_sum{route=\"%s /api/v2/%s\"} 2.003800\n",
             api_routes[0].method, api_routes[0].pattern);
    ck_assert_ptr_nonnull(strstr(text, line));
    ck_assert_ptr_nonnull(strstr(text, "{route=\"other\",status=\"other\"} 1\n"));
    ck_assert_ptr_nonnull(strstr(text, "agenda_auth_failures_total 1\n"));
    ck_assert_ptr_nonnull(strstr(text, "agenda_http_connections 3\n"));
    /* a route nobody asked for has no series yet */
    ck_assert_ptr_null(strstr(text, "route=\"pages\""));
    /* without the store's answer, its gauges are left out */
    ck_assert_ptr_nonnull(strstr(text, "agenda_store_up 0\n"));
    ck_assert_ptr_null(strstr(text, "agenda_messages_due"));
    metrics_free();
}
END_TEST

START_TEST(the_store_gauges_and_the_buffer_limit)
{
    ck_assert(metrics_init());
    const metrics_snapshot s = {.have_store = true, .messages_due = 7, .caldav_links_paused = 2};
    const char *text = render(&s, 1 << 20);
    ck_assert_ptr_nonnull(text);
    ck_assert_ptr_nonnull(
        strstr(text, "# TYPE agenda_messages_due gauge\nagenda_messages_due 7\n"));
    ck_assert_ptr_nonnull(strstr(text, "agenda_caldav_links_paused 2\n"));
    ck_assert_ptr_nonnull(strstr(text, "agenda_store_up 1\n"));
    /* a buffer too small for the text fails, rather than cutting it */
    ck_assert_ptr_null(render(&s, 64));
    metrics_free();
}
END_TEST

Suite *suite_metrics(void)
{
    Suite *s = suite_create("metrics");
    TCase *tc = tcase_create("core");
    tcase_add_test(tc, requests_count_by_route_status_and_bucket);
    tcase_add_test(tc, the_store_gauges_and_the_buffer_limit);
    suite_add_tcase(s, tc);
    return s;
}
