/* engine.c - CalDAV two-way sync of one calendar with one remote calendar
 * collection (engine.h): the sync worker's "caldav" queue and `agenda
 * caldav sync`.
 *
 * The status table.  store/caldav.h's items are vdirsyncer's status: one
 * row per remote resource the sync knows (by href), recording what each
 * side looked like when the two last agreed: the remote's ETag and a hash
 * of its content (remote_etag, remote_hash), the local appointment's
 * version and a hash of the VEVENT rendered from it (local_version,
 * local_hash).  A run compares each side with its row: a side whose
 * state differs from the row changed; both changed is a conflict.  Items
 * are of two kinds, never mixed up:
 *   - the platform's own events (appointment_id != 0): an appointment's
 *     copy on the remote, pushed from the store.  UID "agenda-<id>" where
 *     <id> is the appointment's id, so the same appointment always has the
 *     same UID (across relinks, crashes between a PUT and its row, and
 *     restarts: a second copy is recognised, never created);
 *   - the remote's events (appointment_id 0): pulled as busy time only
 *     (store_external_busy_replace_item, source 'caldav', item = href),
 *     never as appointments, never written or deleted by the platform.
 *
 * Push (local to remote).  Pending pushes come from the store, not from
 * hooks in the API: every path that writes an appointment (single,
 * collection, booking, an SMS reply's cancellation) goes through
 * store/appointments.c, which raises the row's version and, in the same
 * unit of work, brings the calendar's link due (store_caldav_wake's
 * statement: one indexed UPDATE, no row when the calendar has no link, no
 * network I/O).  A run asks the store for the appointments whose item
 * lags (store_caldav_pending: items whose local_version is not the
 * appointment's version, and live appointments from EXPAND_HORIZON_PAST
 * ago on that have no item, both by index).  Each becomes:
 *   - live (not deleted, not cancelled): the VEVENT rendered with libical
 *     (SEQUENCE = version, DTSTART/DTEND in UTC: exact, and every server
 *     and client reads them, where libical's VTIMEZONEs are refused by
 *     Xandikos; SUMMARY the service's name, never the patient's; STATUS
 *     CONFIRMED) and PUT: no item yet, `If-None-Match: *` at UID.ics; an
 *     item, `If-Match: remote_etag` at its href.
 *   - cancelled or deleted: DELETE with `If-Match: remote_etag`, then the
 *     item goes; 404 is as good (gone already).  No item: nothing.
 *   A PUT answered with no (strong) ETag is followed by a GET for it, so
 *   the next If-Match is exact.
 *
 * Pull (remote to local).  With sync-collection (the link's check found
 * it listed, or found no list of reports), from the stored token; a REPORT
 * refused with 400, 403, 405 or 501 naming no DAV:valid-sync-token
 * (dav_changes.unsupported) means the server does not do it after all:
 * the same run pulls as below and, once the ctag's PROPFIND has answered,
 * the link records it for good (store_caldav_drop_sync_collection: no
 * retry of the report, no failure, no pause; linking again decides anew).
 * Without, the collection's ctag first
 * (PROPFIND Depth 0): the ctag the last complete pull recorded means an
 * unchanged collection, nothing to list (unless an item's daily
 * re-expansion is due); another (or none) is a PROPFIND Depth 1 (ETags)
 * compared with the items.  Members whose ETag differs from their item's are
 * fetched with calendar-multiget (DAV_MULTIGET_MAX a request) and:
 *   - the platform's own (an item with an appointment, or a UID
 *     "agenda-<id>" of an appointment of this calendar with no item: a
 *     copy from before, adopted): content hash equal to the row's: only
 *     the ETag is recorded.  Different: the remote edited a platform
 *     event, a conflict (below).  A second copy of an appointment that has
 *     its item under another href is deleted (If-Match): the platform's
 *     UIDs are its own, never two copies.  Never busy time.
 *   - the remote's: expanded (expand_ics in the center's zone over the
 *     horizon, item = href) and its busy time replaced; an item that does
 *     not expand keeps its last busy time and the run records the error.
 * Removed members (404 in sync-collection, or absent from a complete
 * listing): the remote's events lose their busy time and their item; a
 * platform event removed there while its appointment is live is a
 * conflict (below).  The new token is stored only after every change is
 * applied (store_caldav_record), and so is the ctag (read before the
 * listing: a change in between leaves the older one, listed again next
 * time), so a run cut short is repeated, not
 * lost: every step above is idempotent.  Once a day each of the remote's
 * items is fetched and expanded again (its row's updated_at), so the
 * horizon slides.
 *
 * The conflict rule.  The platform's events are the platform's: whatever
 * the remote did to one, the platform's current state is written over it
 * and the link's `conflicts` counts it:
 *   - edited on the remote (a 412 on PUT, or a changed hash on pull): the
 *     item's local_version is cleared, so the next push (in the same run)
 *     PUTs the appointment again with `If-Match` of the ETag just read;
 *   - deleted on the remote while the appointment is live: recreated
 *     (`If-None-Match: *` at the same href);
 *   - edited on the remote and cancelled or deleted locally: a 412 on
 *     DELETE reads the new ETag and deletes with it (the platform's state,
 *     gone, wins).
 * The remote's events are the remote's alone: the platform only reads
 * them, so they never conflict.  Deletion propagates only from a side that
 * said so: locally by a cancellation or deletion (a new version), remotely
 * by a 404 or a complete listing without the member; a side that has not
 * changed never deletes anything on the other.
 *
 * Failures.  DAV_TRANSIENT (no answer, timeout, 5xx, bad XML) and
 * DAV_AUTH / DAV_REFUSED end the run with last_error and nothing deleted
 * or forgotten: what was applied stays (idempotent), the token stays as
 * it was, busy time stays as it was.  The link is due again after a
 * backoff doubling from RETRY_FIRST_S (30 s) to RETRY_MAX_S (1 h).  An
 * invalid token (DAV_INVALID_TOKEN; or Xandikos' 500 to a token,
 * token_suspect, again after a failure or on `caldav sync`, while
 * dav_check answers) resyncs from no token: the full listing compared
 * with the items, under the guard below.  Known limits: one appointment
 * the remote keeps refusing (DAV_REFUSED) holds the link's push back
 * until it changes; the daily re-expansion counts in `pulled`.
 *
 * The removal guard.  A pull that would remove more than half of the
 * items of a link that has more than ENGINE_REMOVAL_GUARD_MIN (20) of them
 * removes nothing and pauses the link with the reason (caldav status,
 * the API); `agenda caldav sync` on a paused link runs once with the guard
 * lifted (the operator's confirmation) and makes it active again.
 *
 * Timing.  A local change is due at once (the worker polls every 250 ms,
 * and sync_wake() shortens that); a pull every ENGINE_PULL_INTERVAL_S (60 s)
 * after the last complete one, or at once for `caldav sync` and the API's
 * POST .../caldav/sync (which only make the link due and wake the
 * worker: no request waits on the remote).  A run is push, then pull (when
 * due), then push again when the pull found conflicts; after its outcome
 * is recorded, the pending query runs once more and a change that arrived
 * during the run makes the link due at once (record wrote the next pull
 * time over the change's wake-up).  All times are clock_unix_seconds().
 * One run holds the link's lease (store_caldav_claim), so on PostgreSQL
 * one server works a link at a time; the outcome is written under it. */
#include "sync/engine.h"

#include <assert.h>
#include <inttypes.h>
#include <libical/ical.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "sched/tzfile.h"
#include "store/caldav.h"
#include "sync/dav.h"
#include "sync/expand.h"
#include "util/clock.h"

#define RETRY_FIRST_S  30
#define RETRY_MAX_S    3600
#define ERROR_MAX      300
#define REEXPAND_S     86400
#define PENDING_BATCH  200
#define LEASE_MARGIN_S 600 /* a run of many requests: each has the timeout */
#define UID_PREFIX     "agenda-"
#define HASH_HEX       (2 * 16 + 1)

/* One run of one link. */
typedef struct run {
    store *st;
    arena *a;
    dav_client *c;
    const caldav_link *l;
    int64_t cal; /* the calendar (and the link's busy source id) */
    int64_t now;
    const tzfile *zone;
    const char *owner;                 /* the lease's */
    bool forced;                       /* caldav sync: guard lifted */
    bool no_sync_collection;           /* refused: pull without it (and record so) */
    int64_t pushed, pulled, conflicts; /* this run's */
    bool repush;                       /* the pull found conflicts */
    bool pulled_now;                   /* a complete pull happened */
    const char *token;                 /* the pull's new token */
    const char *ctag;                  /* the pull's ctag (no sync-collection) */
    bool reset_token;
    const char *pause; /* the removal guard's reason */
    char err[ERROR_MAX];
} run;

static bool fail(run *r, const char *what, dav_status s, const dav_result *dr)
{
    snprintf(r->err, sizeof r->err, "%s: %s (HTTP %ld%s%s)", what, dav_status_name(s), dr->http,
             dr->message[0] ? ", " : "", dr->message);
    return false;
}

static bool store_fail(run *r, const char *what, store_rc rc)
{
    snprintf(r->err, sizeof r->err, "%s: %s", what, store_rc_name(rc));
    return false;
}

/* Hex hash of iCalendar text with line ends normalised and lines unfolded,
 * so multiget (\n) and GET (\r\n) of the same content agree. */
static const char *content_hash(const char *data, size_t len, arena *a)
{
    crypto_generichash_state h;
    unsigned char out[16];
    char *hex = arena_alloc(a, HASH_HEX);
    if (!hex)
        return NULL;
    crypto_generichash_init(&h, NULL, 0, sizeof out);
    size_t i = 0;
    while (i < len) {
        size_t j = i;
        while (j < len && data[j] != '\r' && data[j] != '\n')
            j++;
        crypto_generichash_update(&h, (const unsigned char *)data + i, j - i);
        /* skip the line end; a continuation line's leading blank joins it */
        while (j < len && (data[j] == '\r' || data[j] == '\n'))
            j++;
        if (j < len && (data[j] == ' ' || data[j] == '\t'))
            j++;
        else if (j < len || j > i)
            crypto_generichash_update(&h, (const unsigned char *)"\n", 1);
        i = j;
    }
    crypto_generichash_final(&h, out, sizeof out);
    sodium_bin2hex(hex, HASH_HEX, out, sizeof out);
    return hex;
}

/* The first UID of the text (unfolded enough for UIDs: one line), in the
 * arena, or NULL. */
static const char *scan_uid(const char *data, arena *a)
{
    for (const char *p = data; p && *p; p = strchr(p, '\n'), p = p ? p + 1 : NULL) {
        if (strncmp(p, "UID", 3) == 0 && (p[3] == ':' || p[3] == ';')) {
            const char *v = strchr(p, ':');
            if (!v)
                return NULL;
            v++;
            size_t n = strcspn(v, "\r\n");
            return arena_printf(a, "%.*s", (int)n, v);
        }
    }
    return NULL;
}

/* The appointment id of a platform UID ("agenda-<id>"), or 0. */
static int64_t uid_appointment(const char *uid)
{
    if (!uid || strncmp(uid, UID_PREFIX, strlen(UID_PREFIX)) != 0)
        return 0;
    const char *d = uid + strlen(UID_PREFIX);
    char *end = NULL;
    long long id = strtoll(d, &end, 10);
    return (end != d && *end == '\0' && id > 0 && d[0] != '0') ? (int64_t)id : 0;
}

/* The VEVENT of an appointment, rendered with libical. */
static char *render_event(const run *r, const caldav_pending *p, const char *uid)
{
    icaltimezone *utc = icaltimezone_get_utc_timezone();
    icalcomponent *cal = icalcomponent_new(ICAL_VCALENDAR_COMPONENT);
    icalcomponent *ev = icalcomponent_new(ICAL_VEVENT_COMPONENT);
    char *text = NULL;
    if (!cal || !ev) {
        if (cal)
            icalcomponent_free(cal);
        if (ev)
            icalcomponent_free(ev);
        return NULL;
    }
    icalcomponent_add_property(cal, icalproperty_new_version("2.0"));
    icalcomponent_add_property(cal, icalproperty_new_prodid("-//Agenda//CalDAV sync//EN"));
    icalcomponent_add_property(ev, icalproperty_new_uid(uid));
    icalcomponent_add_property(
        ev, icalproperty_new_dtstamp(icaltime_from_timet_with_zone((time_t)r->now, 0, utc)));
    /* UTC: exact, and read by every server and client (libical's
     * VTIMEZONEs carry RRULE UNTILs that Xandikos refuses: README) */
    icalcomponent_add_property(
        ev, icalproperty_new_dtstart(icaltime_from_timet_with_zone((time_t)p->start, 0, utc)));
    icalcomponent_add_property(
        ev, icalproperty_new_dtend(icaltime_from_timet_with_zone((time_t)p->stop, 0, utc)));
    icalcomponent_add_property(ev, icalproperty_new_sequence((int)p->version));
    icalcomponent_add_property(
        ev, icalproperty_new_summary(p->service && *p->service ? p->service : "Appointment"));
    icalcomponent_add_property(ev, icalproperty_new_status(ICAL_STATUS_CONFIRMED));
    icalcomponent_add_property(ev, icalproperty_new_transp(ICAL_TRANSP_OPAQUE));
    icalcomponent_add_component(cal, ev);
    char *s = icalcomponent_as_ical_string(cal); /* libical's ring buffer */
    if (s)
        text = arena_printf(r->a, "%s", s);
    icalcomponent_free(cal);
    return text;
}

/* Reads href's current ETag (and content hash) with a GET. */
static dav_status read_back(run *r, const char *href, const char **etag, const char **hash,
                            dav_result *dr)
{
    dav_item got;
    dav_status s = dav_get(r->c, href, r->a, &got, dr);
    if (s == DAV_OK) {
        *etag = got.etag;
        *hash = got.data ? content_hash(got.data, got.data_len, r->a) : NULL;
    }
    return s;
}

/* Writes a live appointment to the remote (the platform wins) and its
 * item; false with r->err. */
static bool push_live(run *r, const caldav_pending *p, caldav_item *it, bool have_item)
{
    dav_result dr = {0};
    const char *uid =
        have_item && it->uid ? it->uid : arena_printf(r->a, UID_PREFIX "%" PRId64, p->id);
    const char *href =
        have_item ? it->href : dav_member_href(r->c, arena_printf(r->a, "%s.ics", uid), r->a);
    char *body = render_event(r, p, uid);
    if (!uid || !href || !body)
        return store_fail(r, "rendering an appointment", STORE_ERROR);
    size_t len = strlen(body);
    const char *if_match = have_item ? it->remote_etag : NULL;
    const char *etag = NULL, *hash = NULL;
    dav_status s = dav_put(r->c, href, body, len, if_match, r->a, &etag, &dr);
    if (s == DAV_PRECONDITION || (s == DAV_NOT_FOUND && if_match)) {
        /* changed (412: read its ETag, write over it) or deleted there (404
         * to If-Match: recreate): the platform's event, the platform wins */
        if (have_item)
            r->conflicts++;
        const char *now_etag = NULL;
        dav_status g = s == DAV_PRECONDITION ? read_back(r, href, &now_etag, &hash, &dr) : s;
        if (g != DAV_OK && g != DAV_NOT_FOUND)
            return fail(r, "reading an event back", g, &dr);
        s = dav_put(r->c, href, body, len, g == DAV_OK ? now_etag : NULL, r->a, &etag, &dr);
    }
    if (s != DAV_OK)
        return fail(r, "writing an appointment", s, &dr);
    if (!etag) {
        s = read_back(r, href, &etag, &hash, &dr);
        if (s != DAV_OK)
            return fail(r, "reading an event's ETag", s, &dr);
    } else {
        hash = content_hash(body, len, r->a);
    }
    caldav_item out = {.calendar_id = r->cal,
                       .href = href,
                       .uid = uid,
                       .appointment_id = p->id,
                       .remote_etag = etag,
                       .remote_hash = hash,
                       .local_version = p->version,
                       .local_hash = content_hash(body, len, r->a),
                       .state = "synced",
                       .updated_at = r->now};
    store_rc rc = store_caldav_item_put(r->st, &out);
    if (rc != STORE_OK)
        return store_fail(r, "recording a pushed item", rc);
    r->pushed++;
    return true;
}

/* Removes a cancelled or deleted appointment's copy and its item. */
static bool push_gone(run *r, const caldav_item *it)
{
    dav_result dr = {0};
    dav_status s = dav_delete(r->c, it->href, it->remote_etag, &dr);
    if (s == DAV_PRECONDITION) {
        /* edited there meanwhile: the platform's state (gone) wins */
        const char *etag = NULL, *hash = NULL;
        r->conflicts++;
        s = read_back(r, it->href, &etag, &hash, &dr);
        if (s == DAV_OK)
            s = dav_delete(r->c, it->href, etag, &dr);
    }
    if (s != DAV_OK && s != DAV_NOT_FOUND)
        return fail(r, "deleting an appointment's event", s, &dr);
    store_rc rc = store_caldav_item_delete(r->st, r->cal, it->href);
    if (rc != STORE_OK && rc != STORE_NOT_FOUND)
        return store_fail(r, "forgetting a deleted item", rc);
    r->pushed++;
    return true;
}

/* Pushes every lagging appointment; false with r->err at the first
 * failure (what was done stays done). */
static bool push(run *r)
{
    for (;;) {
        caldav_pending *p = NULL;
        size_t n = 0;
        store_rc rc = store_caldav_pending(r->st, r->cal, r->now - EXPAND_HORIZON_PAST,
                                           PENDING_BATCH, r->a, &p, &n);
        if (rc != STORE_OK)
            return store_fail(r, "reading the changes to push", rc);
        for (size_t i = 0; i < n; i++) {
            caldav_item it;
            rc = store_caldav_item_get_by_appointment(r->st, p[i].id, r->a, &it);
            if (rc != STORE_OK && rc != STORE_NOT_FOUND)
                return store_fail(r, "reading an item", rc);
            bool have = rc == STORE_OK;
            if (!(p[i].live ? push_live(r, &p[i], &it, have) : (have ? push_gone(r, &it) : true)))
                return false;
        }
        if (n < PENDING_BATCH)
            return true;
    }
}

/* ---- pull --------------------------------------------------------------- */

static int cmp_item_href(const void *a, const void *b)
{
    return strcmp(((const caldav_item *)a)->href, ((const caldav_item *)b)->href);
}

static caldav_item *find_item(caldav_item *items, size_t n, const char *href)
{
    caldav_item key = {.href = href};
    return n ? bsearch(&key, items, n, sizeof *items, cmp_item_href) : NULL; /* items NULL: none */
}

static int cmp_str(const void *a, const void *b)
{
    return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/* Applies one fetched member. */
static bool apply_member(run *r, caldav_item *items, size_t n_items, const dav_item *m)
{
    caldav_item *it = find_item(items, n_items, m->href);
    const char *hash = content_hash(m->data, m->data_len, r->a);
    const char *uid = scan_uid(m->data, r->a);
    store_rc rc = STORE_OK;
    if (it && it->appointment_id) {
        caldav_item upd = *it;
        upd.remote_etag = m->etag;
        if (!it->remote_hash || !hash || strcmp(it->remote_hash, hash) != 0) {
            /* edited there: the platform's version is written over it */
            upd.remote_hash = hash;
            upd.local_version = 0;
            r->conflicts++;
            r->repush = true;
        }
        rc = store_caldav_item_put(r->st, &upd);
        return rc == STORE_OK ? true : store_fail(r, "recording an item", rc);
    }
    int64_t appointment_id = uid_appointment(uid);
    if (appointment_id) {
        appointment ap;
        caldav_item own;
        rc = store_appointment_get(r->st, r->cal, &(object_ref){.id = appointment_id}, r->a, &ap);
        if (rc == STORE_OK) {
            rc = store_caldav_item_get_by_appointment(r->st, appointment_id, r->a, &own);
            if (rc == STORE_OK && strcmp(own.href, m->href) != 0) {
                /* a second copy of a platform event: the platform's UIDs
                 * are its own, one copy each */
                dav_result dr = {0};
                dav_status s = dav_delete(r->c, m->href, m->etag, &dr);
                if (s != DAV_OK && s != DAV_NOT_FOUND && s != DAV_PRECONDITION)
                    return fail(r, "deleting a second copy", s, &dr);
                return true;
            }
            if (rc == STORE_NOT_FOUND) {
                /* a copy from before (a relink, a PUT whose row was lost):
                 * adopted, and written over by the next push */
                caldav_item adopt = {.calendar_id = r->cal,
                                     .href = m->href,
                                     .uid = uid,
                                     .appointment_id = appointment_id,
                                     .remote_etag = m->etag,
                                     .remote_hash = hash,
                                     .state = "synced",
                                     .updated_at = r->now};
                r->repush = true;
                rc = store_external_busy_replace_item(r->st, r->cal, BUSY_SOURCE_CALDAV, r->cal,
                                                      m->href, NULL, 0, r->a);
                if (rc == STORE_OK)
                    rc = store_caldav_item_put(r->st, &adopt);
                return rc == STORE_OK ? true : store_fail(r, "adopting an item", rc);
            }
        }
        if (rc != STORE_OK && rc != STORE_NOT_FOUND)
            return store_fail(r, "reading an appointment", rc);
    }
    /* the remote's own event: busy time */
    const expand_options eo = {.zone = r->zone,
                               .from = r->now - EXPAND_HORIZON_PAST,
                               .to = r->now + EXPAND_HORIZON_FUTURE,
                               .item = m->href};
    expand_result res;
    char why[200];
    if (expand_ics(m->data, m->data_len, &eo, r->a, &res, why, sizeof why) != EXPAND_OK) {
        fprintf(stderr,
                "agenda: sync: caldav %" PRId64 ": an event cannot be used (%s);"
                " its busy time stays\n",
                r->cal, why);
        return true;
    }
    busy_interval *iv = res.n ? arena_calloc(r->a, res.n, sizeof *iv) : NULL;
    if (res.n && !iv)
        return store_fail(r, "expanding an event", STORE_ERROR);
    for (size_t i = 0; i < res.n; i++) {
        iv[i].start = res.busy[i].start;
        iv[i].stop = res.busy[i].stop;
    }
    rc = store_external_busy_replace_item(r->st, r->cal, BUSY_SOURCE_CALDAV, r->cal, m->href, iv,
                                          res.n, r->a);
    caldav_item ext = {.calendar_id = r->cal,
                       .href = m->href,
                       .uid = uid,
                       .remote_etag = m->etag,
                       .remote_hash = hash,
                       .state = "synced",
                       .updated_at = r->now};
    if (rc == STORE_OK)
        rc = store_caldav_item_put(r->st, &ext);
    if (rc != STORE_OK)
        return store_fail(r, "recording an event's busy time", rc);
    r->pulled++;
    return true;
}

/* Applies a member removed there. */
static bool apply_removed(run *r, const caldav_item *it)
{
    store_rc rc;
    if (it->appointment_id) {
        appointment ap;
        rc = store_appointment_get(r->st, r->cal, &(object_ref){.id = it->appointment_id}, r->a,
                                   &ap);
        if (rc == STORE_OK && ap.status != APPT_CANCELLED) {
            /* deleted there while live here: recreated at the same href */
            caldav_item upd = *it;
            upd.remote_etag = NULL;
            upd.remote_hash = NULL;
            upd.local_version = 0;
            r->conflicts++;
            r->repush = true;
            rc = store_caldav_item_put(r->st, &upd);
            return rc == STORE_OK ? true : store_fail(r, "recording an item", rc);
        }
        if (rc != STORE_OK && rc != STORE_NOT_FOUND)
            return store_fail(r, "reading an appointment", rc);
    } else {
        rc = store_external_busy_replace_item(r->st, r->cal, BUSY_SOURCE_CALDAV, r->cal, it->href,
                                              NULL, 0, r->a);
        if (rc != STORE_OK)
            return store_fail(r, "dropping an event's busy time", rc);
        r->pulled++;
    }
    rc = store_caldav_item_delete(r->st, r->cal, it->href);
    return rc == STORE_OK || rc == STORE_NOT_FOUND ? true : store_fail(r, "forgetting an item", rc);
}

/* Whether one of the remote's items is due for its daily re-expansion. */
static bool any_stale(const run *r, const caldav_item *items, size_t n_items)
{
    for (size_t i = 0; i < n_items; i++)
        if (!items[i].appointment_id && r->now - items[i].updated_at >= REEXPAND_S)
            return true;
    return false;
}

/* The members (href and ETag) and the removed hrefs since the last pull,
 * by sync-collection or by a listing; *complete when members is every
 * member (removed is then what items lack there).  Without sync-collection
 * the collection's ctag comes first (PROPFIND Depth 0): the one the last
 * complete pull recorded means nothing changed there, so no listing (no
 * members, not complete) unless an item is due for re-expansion. */
static bool list_changes(run *r, const caldav_item *items, size_t n_items, dav_item **members,
                         size_t *n, bool *complete)
{
    dav_result dr = {0};
    if (r->l->sync_collection) {
        dav_changes ch = {0};
        const char *token = r->l->sync_token && *r->l->sync_token ? r->l->sync_token : NULL;
        dav_status s = dav_sync_collection(r->c, token, r->a, &ch, &dr);
        bool resync = s == DAV_INVALID_TOKEN;
        if (s == DAV_TRANSIENT && ch.token_suspect && (r->l->attempts >= 1 || r->forced)) {
            /* Xandikos' 500 to a token it lost, again (or on `caldav
             * sync`), while the collection answers: resync from no token */
            dav_collection col;
            dav_result cr = {0};
            resync = dav_check(r->c, r->a, &col, &cr) == DAV_OK;
        }
        if (resync && token) {
            ch = (dav_changes){0};
            token = NULL;
            s = dav_sync_collection(r->c, NULL, r->a, &ch, &dr);
        }
        if (s == DAV_OK) {
            *members = ch.items;
            *n = ch.n;
            *complete = token == NULL;
            r->token = ch.token;
            return true;
        }
        if (!ch.unsupported)
            return fail(r, "sync-collection", s, &dr);
        /* listed (or no reports listed) but refused, naming no token: the
         * server does not do it; pull as without, and remember that once
         * the PROPFIND below shows the collection answers (a 403 that was
         * really the password fails there, and changes nothing) */
        fprintf(stderr,
                "agenda: sync: caldav %" PRId64 ": sync-collection refused (HTTP %ld):"
                " pulling by ctag and listing from now on\n",
                r->cal, dr.http);
        r->no_sync_collection = true;
    }
    dav_collection col;
    /* read before the listing: a change between the two leaves the older
     * ctag recorded, so the next pull lists again */
    dav_status s = dav_check(r->c, r->a, &col, &dr);
    if (s != DAV_OK)
        return fail(r, "reading the collection's ctag", s, &dr);
    if (r->no_sync_collection) {
        store_rc rc = store_caldav_drop_sync_collection(r->st, r->cal, r->owner);
        if (rc != STORE_OK)
            return store_fail(r, "recording a collection without sync-collection", rc);
    }
    r->ctag = col.ctag;
    if (col.ctag && r->l->ctag && !r->no_sync_collection && strcmp(col.ctag, r->l->ctag) == 0 &&
        !any_stale(r, items, n_items)) {
        *members = NULL;
        *n = 0;
        *complete = false;
        return true;
    }
    s = dav_list(r->c, r->a, members, n, &dr);
    if (s != DAV_OK)
        return fail(r, "listing the collection", s, &dr);
    *complete = true;
    return true;
}

static bool pull(run *r)
{
    caldav_item *items = NULL;
    size_t n_items = 0;
    dav_item *m = NULL;
    size_t n = 0;
    bool complete = false;
    store_rc rc = store_caldav_item_list(r->st, r->cal, r->a, &items, &n_items);
    if (rc != STORE_OK)
        return store_fail(r, "reading the items", rc);
    if (!list_changes(r, items, n_items, &m, &n, &complete))
        return false;
    /* the removed: gone members, or (complete) items the listing lacks */
    const caldav_item **removed = arena_calloc(r->a, n_items + 1, sizeof *removed);
    const char **fetch = arena_calloc(r->a, n + n_items + 1, sizeof *fetch);
    const char **seen = arena_calloc(r->a, n + 1, sizeof *seen);
    size_t n_removed = 0, n_fetch = 0, n_seen = 0;
    if (!removed || !fetch || !seen)
        return store_fail(r, "pulling", STORE_ERROR);
    for (size_t i = 0; i < n; i++) {
        caldav_item *it = find_item(items, n_items, m[i].href);
        if (m[i].gone) {
            if (it && it->state[0] != 'x') {
                removed[n_removed++] = it;
                it->state = "x"; /* listed once */
            }
            continue;
        }
        seen[n_seen++] = m[i].href;
        bool stale = it && !it->appointment_id && r->now - it->updated_at >= REEXPAND_S;
        if (!it || !it->remote_etag || !m[i].etag || strcmp(it->remote_etag, m[i].etag) != 0 ||
            stale)
            fetch[n_fetch++] = m[i].href;
    }
    if (complete) {
        qsort(seen, n_seen, sizeof *seen, cmp_str);
        for (size_t i = 0; i < n_items; i++)
            if (!bsearch(&items[i].href, seen, n_seen, sizeof *seen, cmp_str) &&
                items[i].state[0] != 'x' && items[i].remote_etag)
                removed[n_removed++] = &items[i];
    }
    if (n_items > ENGINE_REMOVAL_GUARD_MIN && n_removed * 2 > n_items && !r->forced) {
        r->pause = arena_printf(r->a,
                                "the remote would remove %zu of %zu items: nothing removed;"
                                " 'agenda caldav sync' applies it",
                                n_removed, n_items);
        r->token = NULL;
        return true;
    }
    for (size_t i = 0; i < n_fetch; i += DAV_MULTIGET_MAX) {
        size_t k = n_fetch - i < DAV_MULTIGET_MAX ? n_fetch - i : DAV_MULTIGET_MAX;
        dav_item *got = NULL;
        size_t n_got = 0;
        dav_result dr = {0};
        dav_status s = dav_multiget(r->c, fetch + i, k, r->a, &got, &n_got, &dr);
        if (s != DAV_OK)
            return fail(r, "calendar-multiget", s, &dr);
        for (size_t j = 0; j < n_got; j++) {
            if (got[j].gone || !got[j].data)
                continue; /* removed since the listing: the next pull says so */
            if (!apply_member(r, items, n_items, &got[j]))
                return false;
        }
    }
    for (size_t i = 0; i < n_removed; i++)
        if (!apply_removed(r, removed[i]))
            return false;
    r->pulled_now = true;
    return true;
}

/* ---- one run ------------------------------------------------------------ */

static bool open_run(run *r, const secret_key *key, int64_t timeout)
{
    calendar k;
    center c;
    store_rc rc = store_calendar_get(r->st, r->cal, r->a, &k);
    if (rc == STORE_OK)
        rc = store_center_get(r->st, k.center_id, r->a, &c);
    if (rc != STORE_OK)
        return store_fail(r, "reading the calendar", rc);
    if (tzfile_get(c.timezone, &r->zone) != TZFILE_OK) {
        snprintf(r->err, sizeof r->err, "cannot load the time zone %s", c.timezone);
        return false;
    }
    if (!key) {
        snprintf(r->err, sizeof r->err, "no sync key ([sync] key_file) to open the password with");
        return false;
    }
    char *password = secret_open(key, r->l->password_sealed);
    if (!password) {
        snprintf(r->err, sizeof r->err, "the password cannot be opened with the sync key");
        return false;
    }
    char err[200];
    r->c = dav_open(&(dav_options){.url = r->l->url,
                                   .username = r->l->username,
                                   .password = password,
                                   .timeout_s = timeout},
                    err, sizeof err);
    secret_password_free(password);
    if (!r->c)
        snprintf(r->err, sizeof r->err, "%s", err);
    return r->c != NULL;
}

static int64_t retry_delay(int64_t failures)
{
    int64_t d = RETRY_FIRST_S;
    for (int64_t i = 1; i < failures && d < RETRY_MAX_S; i++)
        d *= 2;
    return d > RETRY_MAX_S ? RETRY_MAX_S : d;
}

/* Runs the leased link and records the outcome; true on success. */
static bool run_link(store *st, const secret_key *key, arena *a, const char *owner,
                     int64_t calendar_id, int64_t timeout, bool forced, char *err, size_t errlen)
{
    caldav_link l;
    store_rc rc = store_caldav_link_get(st, calendar_id, a, &l);
    if (rc != STORE_OK || !l.lease_owner || strcmp(l.lease_owner, owner) != 0) {
        snprintf(err, errlen, "the link is gone or taken over meanwhile");
        return false;
    }
    run r = {.st = st,
             .a = a,
             .l = &l,
             .cal = calendar_id,
             .owner = owner,
             .now = clock_unix_seconds(),
             .forced = forced};
    bool pull_due = forced || r.now >= l.pull_at || !l.last_success;
    bool ok = open_run(&r, key, timeout) && push(&r) && (!pull_due || pull(&r)) &&
              (!r.repush || push(&r));
    dav_close(r.c);
    caldav_outcome o = {.calendar_id = calendar_id,
                        .owner = owner,
                        .ok = ok,
                        .error = ok ? NULL : r.err,
                        .sync_token = ok && r.pulled_now ? r.token : NULL,
                        .ctag = ok && r.pulled_now ? r.ctag : NULL,
                        .pushed = r.pushed,
                        .pulled = r.pulled,
                        .conflicts = r.conflicts,
                        .pause = r.pause,
                        .resume = forced && ok && !r.pause};
    if (ok) {
        o.pull_at = r.pulled_now || r.pause ? r.now + ENGINE_PULL_INTERVAL_S : l.pull_at;
        o.due_at = o.pull_at;
        o.pull_seen = l.pull_at;
    } else {
        o.pull_at = l.pull_at;
        o.due_at = r.now + retry_delay(l.attempts + 1);
    }
    rc = store_caldav_record(st, &o, r.now);
    if (rc != STORE_OK) {
        snprintf(err, errlen, "cannot record the outcome (%s)", store_rc_name(rc));
        return false;
    }
    if (ok && !r.pause) {
        /* a change written while this run worked: its wake-up was written
         * over by the record above */
        caldav_pending *p = NULL;
        size_t n = 0;
        if (store_caldav_pending(st, calendar_id, r.now - EXPAND_HORIZON_PAST, 1, a, &p, &n) ==
                STORE_OK &&
            n > 0)
            store_caldav_wake(st, calendar_id, r.now);
    }
    if (!ok)
        snprintf(err, errlen, "%s", r.err);
    else if (r.pause)
        snprintf(err, errlen, "paused: %s", r.pause);
    return ok && !r.pause;
}

static void caldav_run(sync_job *job, int64_t calendar_id)
{
    char err[ERROR_MAX + 40] = "";
    if (!run_link(job->st, job->key, job->a, job->owner, calendar_id, job->timeout, false, err,
                  sizeof err))
        fprintf(stderr, "agenda: sync: caldav %" PRId64 ": %s\n", calendar_id, err);
}

const sync_queue sync_caldav_queue = {
    .name = "caldav",
    .claim = store_caldav_claim,
    .run = caldav_run,
    .lease_margin = LEASE_MARGIN_S,
};

bool engine_sync_now(store *st, const secret_key *key, int64_t calendar_id, int64_t timeout,
                     arena *a, char *err, size_t errlen)
{
    char owner[64];
    snprintf(owner, sizeof owner, "cli:%ld:%08" PRIx32, (long)getpid(), randombytes_random());
    int64_t t = timeout > 0 ? timeout : SYNC_TIMEOUT_DEFAULT;
    store_rc rc =
        store_caldav_claim_one(st, calendar_id, owner, clock_unix_seconds(), t + LEASE_MARGIN_S);
    if (rc == STORE_NOT_FOUND) {
        snprintf(err, errlen, "calendar %" PRId64 " has no CalDAV link", calendar_id);
        return false;
    }
    if (rc == STORE_CONFLICT) {
        snprintf(err, errlen, "calendar %" PRId64 "'s link is being synced now; try again",
                 calendar_id);
        return false;
    }
    if (rc != STORE_OK) {
        snprintf(err, errlen, "cannot lease the link (%s)", store_rc_name(rc));
        return false;
    }
    return run_link(st, key, a, owner, calendar_id, t, true, err, errlen);
}
