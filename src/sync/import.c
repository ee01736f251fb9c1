/* import.c - imported feeds (import.h): the sync worker's queue that
 * fetches a calendar's read-only iCalendar addresses and turns them into
 * busy time.
 *
 * One run: read the import, fetch its address with the validators of the
 * last good download (fetch.c), and then
 *   - 304 Not Modified: the busy time stays; a success;
 *   - 2xx with a body that expands (expand.c, in the calendar's center's
 *     zone, over the horizon from now): the feed's busy time is replaced by
 *     it, with the new validators, in one unit of work; a success;
 *   - anything else (no answer, a timeout, a status that is not 2xx or
 *     304, a body too large, a body that is no calendar or passes a limit):
 *     a failure, recorded with its reason; the busy time is NOT touched, so
 *     the last known busy times keep blocking.  A failed download is never
 *     free time.
 * Validators go out only while the last expansion is less than a day old,
 * so that a feed answering 304 for months still has its horizon slide.
 * A success is due again after the import's interval; a download cut short
 * by the server's stop is due at once (for the next server); a failure after a
 * backoff that doubles from RETRY_FIRST_S up to RETRY_MAX_S (never later
 * than the interval).  Each download expands again, so the horizon slides
 * with the clock.  The outcome is written under the lease
 * (store_import_finish): an import removed or taken over meanwhile writes
 * nothing.  One log line per run names the import by id, never by its
 * address. */
#include "sync/import.h"

#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "sched/tzfile.h"
#include "sync/expand.h"
#include "sync/fetch.h"
#include "sync/netguard.h"
#include "util/clock.h"

#define RETRY_FIRST_S 30
#define RETRY_MAX_S   3600
#define ERROR_MAX     300
#define REEXPAND_S    86400
/* store_import_finish runs in all, when it keeps losing races (PostgreSQL) */
#define FINISH_ATTEMPTS 8

const char *import_url_shown(const char *url, arena *a)
{
    const char *host = strstr(url, "://");
    if (!host)
        return "...";
    host += 3;
    size_t n = strcspn(host, "/?#");
    return arena_printf(a, "%.*s%.*s/...", (int)(host - url), url, (int)n, host);
}

import_add_rc import_add(store *st, calendar_import *im, arena *a, store_rc *src, const char **why)
{
    calendar_import *rows = NULL;
    size_t n = 0;
    *src = STORE_OK;
    if (!fetch_url_ok(im->url, why))
        return IMPORT_BAD_URL;
    if (im->interval < IMPORT_INTERVAL_MIN || im->interval > IMPORT_INTERVAL_MAX)
        return IMPORT_BAD_INTERVAL;
    char refused[NETGUARD_MESSAGE_MAX];
    if (!netguard_check_url(im->url, refused, sizeof refused)) {
        *why = arena_printf(a, "%s", refused);
        if (!*why)
            *why = "address not allowed; see [sync] allow_networks";
        return IMPORT_ADDRESS_REFUSED;
    }
    *src = store_import_list(st, im->calendar_id, a, &rows, &n);
    if (*src != STORE_OK)
        return IMPORT_STORE;
    if (n >= IMPORT_PER_CALENDAR_MAX)
        return IMPORT_TOO_MANY;
    im->created_at = im->due_at = clock_unix_seconds();
    *src = store_import_add(st, im);
    if (*src != STORE_OK)
        return IMPORT_STORE;
    sync_wake();
    return IMPORT_ADDED;
}

/* Seconds until the next attempt after `failures` failures in a row. */
static int64_t retry_delay(int64_t failures, int64_t interval)
{
    int64_t d = RETRY_FIRST_S;
    for (int64_t i = 1; i < failures && d < RETRY_MAX_S; i++)
        d *= 2;
    if (d > RETRY_MAX_S)
        d = RETRY_MAX_S;
    return d < interval ? d : interval;
}

/* The center's zone of the import's calendar. */
static bool calendar_zone(sync_job *job, int64_t calendar_id, const tzfile **zone, char *err,
                          size_t errlen)
{
    calendar k;
    center c;
    store_rc rc = store_calendar_get(job->st, calendar_id, job->a, &k);
    if (rc == STORE_OK)
        rc = store_center_get(job->st, k.center_id, job->a, &c);
    if (rc != STORE_OK) {
        snprintf(err, errlen, "cannot read the calendar (%s)", store_rc_name(rc));
        return false;
    }
    if (tzfile_get(c.timezone, zone) != TZFILE_OK) {
        snprintf(err, errlen, "cannot load the time zone %s", c.timezone);
        return false;
    }
    return true;
}

/* Fetches and expands; fills *o (its error in err). */
static void attempt(sync_job *job, const calendar_import *im, int64_t now, import_outcome *o,
                    char *err, size_t errlen)
{
    const tzfile *zone = NULL;
    fetch_result got;
    /* validators only while the last expansion is fresh: a feed answering
     * 304 for months would otherwise freeze the horizon */
    bool fresh = im->expanded_at > 0 && now - im->expanded_at < REEXPAND_S;
    const fetch_request req = {.url = im->url,
                               .etag = fresh ? im->etag : NULL,
                               .last_modified = fresh ? im->last_modified : NULL,
                               .timeout = job->timeout,
                               .max_bytes = EXPAND_MAX_BYTES,
                               .cancelled = job->stopping,
                               .cancelled_ctx = job->stopping_ctx};
    if (!calendar_zone(job, im->calendar_id, &zone, err, errlen))
        return;
    if (!fetch_get(&req, job->a, &got, err, errlen))
        return;
    if (got.status == 304) {
        o->ok = true;
        return;
    }
    if (got.status < 200 || got.status >= 300) {
        snprintf(err, errlen, "HTTP status %ld", got.status);
        return;
    }
    const expand_options eo = {
        .zone = zone, .from = now - EXPAND_HORIZON_PAST, .to = now + EXPAND_HORIZON_FUTURE};
    expand_result r;
    char why[200];
    if (expand_ics(got.body, got.len, &eo, job->a, &r, why, sizeof why) != EXPAND_OK) {
        snprintf(err, errlen, "the feed cannot be used: %s", why);
        return;
    }
    *o = (import_outcome){.ok = true,
                          .replace = true,
                          .rows = r.busy,
                          .n = r.n,
                          .etag = got.etag,
                          .last_modified = got.last_modified,
                          .events = (int64_t)r.events};
}

static void import_run(sync_job *job, int64_t id)
{
    calendar_import im;
    store_rc rc = store_import_get(job->st, id, job->a, &im);
    if (rc != STORE_OK) {
        if (rc != STORE_NOT_FOUND) /* else removed since the claim */
            fprintf(stderr, "agenda: sync: import %" PRId64 ": cannot read it (%s)\n", id,
                    store_rc_name(rc));
        return;
    }
    int64_t now = clock_unix_seconds();
    char err[ERROR_MAX] = "";
    import_outcome o = {0};
    attempt(job, &im, now, &o, err, sizeof err);
    o.at = now;
    if (o.ok) {
        o.due_at = now + im.interval;
    } else if (job->stopping && job->stopping(job->stopping_ctx)) {
        /* cut short by the server's stop: due at once for the next one */
        snprintf(err, sizeof err, "interrupted: the server stopped");
        o.error = err;
        o.due_at = now;
    } else {
        o.error = err;
        o.due_at = now + retry_delay(im.attempts + 1, im.interval);
    }
    for (int i = 0; i < FINISH_ATTEMPTS; i++) {
        rc = store_import_finish(job->st, id, job->owner, &o, job->a);
        if (rc != STORE_RETRY)
            break;
    }
    if (rc == STORE_NOT_FOUND)
        fprintf(stderr, "agenda: sync: import %" PRId64 ": removed or taken over meanwhile\n", id);
    else if (rc != STORE_OK)
        fprintf(stderr, "agenda: sync: import %" PRId64 ": cannot record the outcome (%s)\n", id,
                store_rc_name(rc));
    else if (!o.ok)
        fprintf(stderr,
                "agenda: sync: import %" PRId64 ": failed (%s); its busy time stays, next try"
                " in %" PRId64 " s\n",
                id, err, o.due_at - now);
    else if (o.replace)
        fprintf(stderr,
                "agenda: sync: import %" PRId64 ": %" PRId64 " events, %zu busy intervals\n", id,
                o.events, o.n);
}

const sync_queue sync_import_queue = {
    .name = "import",
    .claim = store_import_claim,
    .run = import_run,
    .lease_margin = 120,
};
