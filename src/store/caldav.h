/* caldav.h - the store's CalDAV links and their items' sync status
 * (caldav.c; tables of migration 11).  Part of the storage interface, with
 * store.h's conventions (store_rc, arena strings, caller's clock); a header
 * of its own so that sync code includes only what it uses.
 *
 * A link ties one calendar to one remote calendar collection.  Its row
 * holds what linking gave (url, username, the password sealed by
 * sync/secret.h: the store never sees it in clear), the sync state (token,
 * ctag), the worker's queue columns (due_at, pull_at, lease, attempts for
 * backoff) and the status `caldav status` and the API show.
 *
 * An item is one remote resource the sync knows, by href: the status
 * table.  It records the remote side as last seen (remote_etag,
 * remote_hash) and the local side as last written or read (local_version,
 * local_hash) when both agreed, so the engine tells a change on either
 * side, or on both (a conflict), by comparing each side with its row, and
 * propagates a deletion only when the other side is unchanged.  An item
 * with appointment_id 0 is an external event (busy time); otherwise it is
 * the appointment's copy on the remote. */
#ifndef AGENDA_STORE_CALDAV_H
#define AGENDA_STORE_CALDAV_H

#include "store/store.h"

typedef struct caldav_link {
    int64_t calendar_id;
    const char *url; /* the collection, as linked */
    const char *username;
    const char *password_sealed; /* sync/secret.h's text; never shown */
    const char *state;           /* "active" or "paused" */
    const char *paused_reason;   /* why it is paused (NULL when active) */
    const char *sync_token;      /* RFC 6578 token of the last complete pull;
                                  * NULL: none yet (or reset) */
    const char *ctag;            /* CS:getctag at the last complete pull */
    bool sync_collection;        /* the server offers sync-collection (the
                                  * link's check); else ctag and ETags */
    int64_t due_at;              /* the worker takes the link at or after it */
    int64_t pull_at;             /* the next pull is due at (due_at <= it) */
    const char *lease_owner;     /* the worker holding it, NULL when none */
    int64_t lease_until;
    int64_t attempts;                  /* failures in a row since the last success */
    int64_t last_attempt;              /* 0: never */
    int64_t last_success;              /* 0: never */
    const char *last_error;            /* the last failure's one line, NULL after a
                                        * success */
    int64_t last_error_at;             /* 0: never */
    int64_t pushed, pulled, conflicts; /* items written each way, conflicts
                                        * resolved, since linked */
    int64_t created_at, updated_at;
} caldav_link;

/* Links calendar l->calendar_id to l->url (username, password_sealed and
 * sync_collection from l; the rest is the store's).  A new link is active
 * and due at once.  Relinking a linked calendar replaces its credentials
 * and makes it active and due at once; when the URL is the same its sync
 * state, items and counts stay (a new password changes nothing else),
 * when it differs they are dropped with its items (another collection).
 * NOT_FOUND when the calendar does not exist. */
store_rc store_caldav_link_set(store *st, const caldav_link *l, int64_t now);

/* The calendar's link; NOT_FOUND when it has none. */
store_rc store_caldav_link_get(store *st, int64_t calendar_id, arena *a, caldav_link *out);

/* Removes the calendar's link, all its items and the busy time it brought
 * (external_busy rows of source 'caldav' of this link), in one unit of
 * work.  NOT_FOUND when it has none.  (Relinking to another collection,
 * store_caldav_link_set, drops the same three.) */
store_rc store_caldav_unlink(store *st, int64_t calendar_id);

/* The number of items of the calendar's link (0 when none). */
store_rc store_caldav_item_count(store *st, int64_t calendar_id, int64_t *n);

/* ---- the worker's queue ------------------------------------------------ */

/* Claims up to `max` active links due at or before now and not under
 * lease, for `owner` until now + lease_seconds (store_lease_claim): *ids
 * gets an arena array of their calendar ids.  Errors as
 * store_lease_claim. */
store_rc store_caldav_claim(store *st, const char *owner, int64_t now, int64_t lease_seconds,
                            size_t max, arena *a, int64_t **ids, size_t *n);

/* Leases the calendar's link, active or paused, whatever its due time,
 * for `owner` until now + lease_seconds (`caldav sync`).  NOT_FOUND when
 * it has no link, CONFLICT when another holds a lease that has not
 * lapsed. */
store_rc store_caldav_claim_one(store *st, int64_t calendar_id, const char *owner, int64_t now,
                                int64_t lease_seconds);

/* What one run of a link ended with, written by its lease holder. */
typedef struct caldav_outcome {
    int64_t calendar_id;
    const char *owner;                 /* the lease holder */
    bool ok;                           /* true: last_success = now, attempts = 0, last_error
                                        * cleared; false: attempts + 1, last_error = error */
    const char *error;                 /* when !ok: one line, never a password */
    const char *sync_token;            /* the new token (ok only; NULL: unchanged) */
    const char *ctag;                  /* the new ctag (ok only; NULL: unchanged) */
    bool reset_token;                  /* forget the token (invalid: resync next) */
    int64_t pushed, pulled, conflicts; /* added to the counts */
    int64_t due_at, pull_at;           /* when to run again (backoff is the
                                        * caller's: due_at after a failure) */
    int64_t pull_seen;                 /* ok only: the link's pull_at when the run
                                        * read it; one found earlier at the record
                                        * (a pull asked for meanwhile) is kept, and
                                        * due_at with it */
    const char *pause;                 /* non-NULL: pause the link with this reason */
    bool resume;                       /* ok only, no pause: make a paused link active */
} caldav_outcome;

/* Records o at `now` and gives the lease up, WHERE lease_owner is still
 * o->owner.  NOT_FOUND when the link is gone or its lease was lost (another
 * worker has it now, or it was relinked: the outcome is stale). */
store_rc store_caldav_record(store *st, const caldav_outcome *o, int64_t now);

/* Records that the linked collection does not do sync-collection after
 * all (it refused the report, and a PROPFIND then worked): its token is
 * forgotten and every later pull goes by ctag and listing, until the
 * calendar is linked again (the link's check decides anew).  Only while
 * `owner` holds the lease; NOT_FOUND otherwise (or no link). */
store_rc store_caldav_drop_sync_collection(store *st, int64_t calendar_id, const char *owner);

/* Brings the link's next run forward to `at` (a local change to push: now
 * plus a short delay; `caldav sync`: now); a later due time is kept as is.
 * NOT_FOUND when the calendar has no link. */
store_rc store_caldav_wake(store *st, int64_t calendar_id, int64_t at);

/* Brings the link's next run and its next pull forward to `at` (a pull
 * asked for: the API's POST .../caldav/sync).  NOT_FOUND when the calendar
 * has no link. */
store_rc store_caldav_pull_now(store *st, int64_t calendar_id, int64_t at);

/* ---- items: the status table ------------------------------------------- */

typedef struct caldav_item {
    int64_t id;
    int64_t calendar_id;
    const char *href;        /* absolute path on the server (sync/dav.h) */
    const char *uid;         /* the VEVENT's UID, NULL when unknown */
    int64_t appointment_id;  /* the local appointment; 0: an external event */
    const char *remote_etag; /* the ETag when last in agreement; NULL when
                              * the server gave none yet (fetch it) */
    const char *remote_hash; /* hash of the remote content then, NULL when
                              * unknown (servers that change ETags alone) */
    int64_t local_version;   /* the appointment's version (its updated_at)
                              * when last in agreement; 0 for external */
    const char *local_hash;  /* hash of what was pushed, NULL when none */
    const char *state;       /* the engine's: "synced" (both sides agree),
                              * or a pending step it names */
    int64_t updated_at;
} caldav_item;

/* Inserts or replaces the item (calendar_id, href) with *it, setting it->id.
 * NOT_FOUND when the calendar has no link. */
store_rc store_caldav_item_put(store *st, caldav_item *it);

/* The item (calendar_id, href); NOT_FOUND when there is none. */
store_rc store_caldav_item_get(store *st, int64_t calendar_id, const char *href, arena *a,
                               caldav_item *out);

/* The item of an appointment (at most one: an appointment has one copy);
 * NOT_FOUND when there is none. */
store_rc store_caldav_item_get_by_appointment(store *st, int64_t appointment_id, arena *a,
                                              caldav_item *out);

/* The item of the calendar's link with that UID (the first written, when
 * a server holds copies under several hrefs); NOT_FOUND when none. */
store_rc store_caldav_item_get_by_uid(store *st, int64_t calendar_id, const char *uid, arena *a,
                                      caldav_item *out);

/* Every item of the calendar's link, by href: *out gets an arena array. */
store_rc store_caldav_item_list(store *st, int64_t calendar_id, arena *a, caldav_item **out,
                                size_t *n);

/* Removes the item (calendar_id, href); NOT_FOUND when there is none. */
store_rc store_caldav_item_delete(store *st, int64_t calendar_id, const char *href);

/* ---- the push's work ---------------------------------------------------- */

/* An appointment of a linked calendar whose remote copy lags, as the push
 * renders it. */
typedef struct caldav_pending {
    int64_t id;
    int64_t start, stop;
    bool live;           /* not deleted and not cancelled: wanted on the remote */
    int64_t version;     /* the appointment's (store.h) */
    const char *service; /* its service's name, NULL when none */
} caldav_pending;

/* Up to `max` appointments of the calendar whose copy lags, by id: those
 * with an item whose local_version is not their version, and live ones
 * starting at or after `from` that have no item.  Both parts are index
 * reads (caldav_items_appointment and the items of the link;
 * appointments_start).  *out gets an arena array. */
store_rc store_caldav_pending(store *st, int64_t calendar_id, int64_t from, size_t max, arena *a,
                              caldav_pending **out, size_t *n);

#endif
