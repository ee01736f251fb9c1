/* store.h - the storage interface: what the API layer may ask of a database.
 *
 * One `store` is one connection, used by one thread at a time (each server
 * worker owns one).  The interface speaks in domain rows, never in SQL; the
 * drivers underneath (SQLite, PostgreSQL) share one set of SQL statements
 * through the engine-neutral layer in db.h.
 *
 * Conventions:
 * - Every function returns a store_rc; STORE_OK is 0.  Output parameters are
 *   only meaningful on STORE_OK.
 * - Strings in rows are NUL-terminated; NULL means SQL NULL.  Strings and
 *   arrays returned by the store are allocated from the arena the caller
 *   passes, and live as long as it does.
 * - Times are Unix seconds (int64_t).  `updated_at` is set by the caller (the
 *   API layer passes the request's clock), so one request stamps all of its
 *   rows with the same second.
 * - Reads of a center's or calendar's objects take the owning id; callers
 *   check the user's grant first (store_center_get_for_user and friends), so
 *   an object outside the grants is simply not found.
 * - Writes outside an explicit transaction are atomic on their own.  Inside
 *   store_begin/store_commit they join the transaction; on any error the
 *   caller calls store_rollback.
 * - Deleting a patient or an appointment marks it deleted (a tombstone kept
 *   for `since` pollers) and frees its remote_id for reuse.  Services carry
 *   the same flag, but nothing deletes one yet. */
#ifndef AGENDA_STORE_H
#define AGENDA_STORE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "sched/slots.h"
#include "sched/tzfile.h"
#include "sched/week.h"
#include "util/arena.h"

typedef struct store store;

typedef enum store_rc {
    STORE_OK = 0,
    STORE_NOT_FOUND,   /* no such row (or deleted) */
    STORE_CONFLICT,    /* a unique key (remote_id, slug, email) is taken */
    STORE_UNAVAILABLE, /* the database cannot be reached now; retry later */
    STORE_RETRY,       /* a concurrent transaction won (serialization failure or
                        * deadlock): roll back and run the whole unit again */
    STORE_ERROR,       /* anything else; the driver has logged the detail */
} store_rc;

/* Short English name of a code, for logs. */
const char *store_rc_name(store_rc rc);

/* ---- connection ------------------------------------------------------- */

/* Opens `url`: a file path (SQLite, created if missing), or a postgres:// or
 * postgresql:// URI or a libpq conninfo with dbname= or host= (PostgreSQL;
 * STORE_UNAVAILABLE when the server cannot be reached).  Does not migrate.
 * On failure returns non-OK and, if `err` is not NULL, sets *err to a
 * malloc'd one-line message the caller frees. */
store_rc store_open(const char *url, store **out, char **err);
void store_close(store *st);
/* The latest schema version this program knows. */
int64_t store_schema_version(void);
/* How many steps lead there: versions are numbered by change and a
 * branch may lack a number another one took, so not always the version. */
int64_t store_schema_steps(void);
/* Brings the schema to the latest version (idempotent, safe to run from
 * several processes at once). */
store_rc store_migrate(store *st);

/* A consistent copy of the live SQLite database db_url at `to` (replaced
 * atomically), checked before it takes that name; store_restore puts such a
 * copy into db_url (only over an existing database when `replace`).  Both
 * refuse PostgreSQL URLs.  STORE_ERROR with one line in err otherwise;
 * nothing changes at the destination then (backup.c). */
store_rc store_backup(const char *db_url, const char *to, char *err, size_t errlen);
store_rc store_restore(const char *from, const char *db_url, bool replace, char *err,
                       size_t errlen);

/* Write transaction.  SQLite: store_begin takes the write lock at once
 * (BEGIN IMMEDIATE), so concurrent writers queue instead of failing.
 * PostgreSQL: the transaction is SERIALIZABLE and writers run side by side;
 * one that loses a race gets STORE_RETRY (from any call, commit included),
 * and the caller rolls back and runs the whole transaction again, which
 * then runs alone. */
store_rc store_begin(store *st);
store_rc store_commit(store *st);
void store_rollback(store *st);

/* ---- accounts: centers, calendars, users, grants ---------------------- */

typedef struct center {
    int64_t id;
    const char *name;
    const char *slug;
    const char *timezone; /* IANA name */
} center;

typedef struct speciality {
    int64_t id;
    const char *name;
} speciality;

typedef struct calendar {
    int64_t id;
    int64_t center_id;
    const char *first_name;
    const char *last_name;
    const char *slug;
    int slot_step; /* minutes; 15 by default */
    speciality *specialities;
    size_t n_specialities;
} calendar;

typedef struct user {
    int64_t id;
    const char *email;
    unsigned char token_hash[32]; /* BLAKE2b-256 of the token */
    bool disabled;                /* revoked: no token is accepted */
} user;

/* CONFLICT when the slug is taken. Sets c->id. */
store_rc store_center_create(store *st, center *c);
/* NOT_FOUND when the center does not exist. */
store_rc store_center_get(store *st, int64_t center_id, arena *a, center *out);
/* The center with that slug (exactly); NOT_FOUND when none. */
store_rc store_center_get_by_slug(store *st, const char *slug, arena *a, center *out);
/* Creates the calendar and its specialities (created by name when new).
 * NOT_FOUND when the center does not exist, CONFLICT when the slug is taken.
 * Sets k->id and the specialities' ids. */
store_rc store_calendar_create(store *st, calendar *k);
/* Calendar with its specialities; NOT_FOUND when absent. */
store_rc store_calendar_get(store *st, int64_t calendar_id, arena *a, calendar *out);

/* Emails are case-insensitive: stored with ASCII letters lower-cased, and
 * looked up so.  CONFLICT when the email is taken (in any case). Sets u->id. */
store_rc store_user_create(store *st, user *u);
/* NOT_FOUND when no user has that email (compared case-insensitively). */
store_rc store_user_get_by_email(store *st, const char *email, arena *a, user *out);
/* Replaces the token hash and clears `disabled`. NOT_FOUND when absent. */
store_rc store_user_set_token(store *st, int64_t user_id, const unsigned char hash[32]);
/* Sets `disabled`; the user's token stops working. NOT_FOUND when absent. */
store_rc store_user_disable(store *st, int64_t user_id);
/* Grants are idempotent. NOT_FOUND when the user or center is absent. */
store_rc store_grant_add(store *st, int64_t user_id, int64_t center_id);
/* NOT_FOUND when there was no such grant. */
store_rc store_grant_remove(store *st, int64_t user_id, int64_t center_id);

/* Centers granted to the user, by id. */
store_rc store_centers_for_user(store *st, int64_t user_id, arena *a, center **out, size_t *n);
/* Calendars of the centers granted to the user, by id, with specialities. */
store_rc store_calendars_for_user(store *st, int64_t user_id, arena *a, calendar **out, size_t *n);
/* OK, with *out filled (with specialities), when the user may use the
 * calendar; NOT_FOUND otherwise, whether it does not exist or is not granted. */
store_rc store_user_calendar(store *st, int64_t user_id, int64_t calendar_id, arena *a,
                             calendar *out);

/* ---- lists ------------------------------------------------------------ */

/* What a list request asks for.  Without `since`, deleted rows are left out;
 * with it, rows updated at or after `since` are listed, tombstones included.
 * page 0 means "every row"; otherwise 1-based pages of `per_page` rows. */
typedef struct list_query {
    bool has_since;
    int64_t since;
    int64_t page;
    int64_t per_page;
    /* appointments only: rows overlapping [start, stop) */
    bool has_start;
    int64_t start;
    bool has_stop;
    int64_t stop;
} list_query;

/* How a path addresses one object: by platform id, or by remote_id when
 * remote_id is not NULL. */
typedef struct object_ref {
    int64_t id;
    const char *remote_id;
} object_ref;

/* ---- patients --------------------------------------------------------- */

typedef struct patient {
    int64_t id;
    int64_t center_id;
    const char *remote_id; /* NULL for patients made on the platform side */
    const char *first_name;
    const char *last_name;
    const char *email;
    const char *phone_number;
    const char *birthdate; /* yyyy-mm-dd or NULL */
    const char *address;
    const char *notes;
    const char *language_code;
    bool deleted;
    int64_t updated_at;
} patient;

/* Sorted by id.  *total counts every row the query matches (all pages). */
store_rc store_patient_list(store *st, int64_t center_id, const list_query *q, arena *a,
                            patient **out, size_t *n, int64_t *total);
/* A live (not deleted) patient of the center; NOT_FOUND otherwise. */
store_rc store_patient_get(store *st, int64_t center_id, const object_ref *ref, arena *a,
                           patient *out);
/* Inserts p (p->id ignored, then set).  CONFLICT when a live patient of the
 * center has the same remote_id; NOT_FOUND when the center does not exist. */
store_rc store_patient_insert(store *st, patient *p);
/* Writes every column of the live patient p->id.  NOT_FOUND, CONFLICT. */
store_rc store_patient_update(store *st, const patient *p);
/* Marks the live patient deleted at `now`, and unlinks its appointments
 * (patient_id cleared, updated_at = now), tombstones included, in the same
 * unit of work.  NOT_FOUND when absent. */
store_rc store_patient_delete(store *st, int64_t center_id, int64_t id, int64_t now);

/* ---- services --------------------------------------------------------- */

typedef struct service {
    int64_t id;
    int64_t calendar_id;
    const char *remote_id;
    const char *name;
    int64_t duration;  /* minutes, > 0 */
    const char *color; /* #rrggbb or NULL */
    int64_t updated_at;
} service;

/* Live services of the calendar, by id. */
store_rc store_service_list(store *st, int64_t calendar_id, arena *a, service **out, size_t *n);
store_rc store_service_get(store *st, int64_t calendar_id, const object_ref *ref, arena *a,
                           service *out);
/* CONFLICT when a live service of the calendar has the same remote_id. */
store_rc store_service_insert(store *st, service *s);
store_rc store_service_update(store *st, const service *s);

/* ---- appointments ----------------------------------------------------- */

typedef enum appt_status {
    APPT_BOOKED = 0,
    APPT_CANCELLED,
    APPT_NOSHOW,
} appt_status;

typedef struct appointment {
    int64_t id;
    int64_t calendar_id;
    const char *remote_id;
    int64_t start;
    int64_t stop;
    const char *notes; /* NULL: none */
    const char *color; /* NULL: none */
    const char *title; /* never NULL on write; "" by default */
    appt_status status;
    int64_t patient_id; /* 0: none; else a live patient (a deletion unlinks) */
    int64_t service_id; /* 0: none */
    bool has_arrived;
    int64_t patient_arrived_at;
    bool deleted;
    int64_t updated_at;

    /* Filled on reads only, ignored on writes. */
    const char *patient_remote_id; /* of patient_id, or NULL */
    const char *service_remote_id; /* of service_id, or NULL */
    const char *service_color;     /* of service_id, or NULL */
    bool warning;    /* live, booked or noshow, and overlaps another live booked or noshow
                      * appointment of the calendar (symmetric; what suggestions treat as busy) */
    int64_t version; /* 1 when inserted, raised by every write of the row (not by the touch
                      * of a neighbour): the revision its messages are planned for */
} appointment;

/* Sorted by start, then id; `has_start`/`has_stop` select the rows that
 * overlap the window. *total counts every row matched (all pages). */
store_rc store_appointment_list(store *st, int64_t calendar_id, const list_query *q, arena *a,
                                appointment **out, size_t *n, int64_t *total);
store_rc store_appointment_get(store *st, int64_t calendar_id, const object_ref *ref, arena *a,
                               appointment *out);
/* Every appointment linked to the patient, of all its center's calendars,
 * deleted ones included, by start then id. */
store_rc store_appointment_list_of_patient(store *st, int64_t patient_id, arena *a,
                                           appointment **out, size_t *n);
/* CONFLICT when a live appointment of the calendar has the same remote_id. */
store_rc store_appointment_insert(store *st, appointment *ap);
store_rc store_appointment_update(store *st, const appointment *ap);
store_rc store_appointment_delete(store *st, int64_t calendar_id, int64_t id, int64_t now);

/* ---- collections: many rows at once ----------------------------------- */

/* A collection reads and writes its rows with these: a few statements per
 * hundred rows instead of a few per row (on PostgreSQL each statement is a
 * round trip, and a write inside a transaction also a savepoint).  They run
 * inside the caller's transaction (store_begin) and are no units of work:
 * after any failure the caller rolls the transaction back.
 *
 * *_get_many: for each i < n, found[i] tells whether refs[i] names a live
 * row of the owner, by id or by remote_id as *_get does, and out[i] is that
 * row.  Several refs may name one row.
 *
 * *_write_many: writes rows[0..n) as the single-row calls would: a row with
 * id 0 is inserted (its id is set), any other is updated (every column;
 * NOT_FOUND when it is not live), with the same touching of the appointments
 * that show it.  The rows must be distinct objects of one owner, all stamped
 * with the same updated_at.  Updates go first, then inserts.  CONFLICT when
 * a remote_id would be taken twice among live rows; it may also come when
 * the rows only trade remote_ids among themselves (a database checks each
 * row as it writes it, in an order of its choosing), so on CONFLICT a
 * caller that needs an order writes the rows one by one in that order.
 * `a` holds working memory. */
store_rc store_patient_get_many(store *st, int64_t center_id, const object_ref *refs, size_t n,
                                arena *a, patient *out, bool *found);
store_rc store_patient_write_many(store *st, patient *rows, size_t n, arena *a);
store_rc store_service_get_many(store *st, int64_t calendar_id, const object_ref *refs, size_t n,
                                arena *a, service *out, bool *found);
store_rc store_service_write_many(store *st, service *rows, size_t n, arena *a);
/* Appointments: the references are checked as single writes check them
 * (NOT_FOUND), the calendar's longest appointment is raised, and every
 * other appointment that store_appointment_update would touch around a
 * written row's old or new interval is touched.  A row with `deleted` set
 * is written as a tombstone (store_appointment_delete; an existing row must
 * still be live before).  The rows' joined fields and warning are not read
 * back. */
store_rc store_appointment_get_many(store *st, int64_t calendar_id, const object_ref *refs,
                                    size_t n, arena *a, appointment *out, bool *found);
store_rc store_appointment_write_many(store *st, appointment *rows, size_t n, arena *a);
/* For each i < n: warnings[i] is the warning of the calendar's live
 * appointment ids[i] (false when there is none), as a get would read it:
 * what a collection reads back once everything is written.  Several ids
 * may be the same. */
store_rc store_appointment_warnings(store *st, int64_t calendar_id, const int64_t *ids, size_t n,
                                    arena *a, bool *warnings);

/* ---- working hours ---------------------------------------------------- */

/* The weekly schedule, sorted by day then start. */
store_rc store_opening_hours_get(store *st, int64_t calendar_id, arena *a, opening_hour **out,
                                 size_t *n);
/* Replaces the whole weekly schedule atomically (the caller has checked
 * that ranges of one day do not overlap).  NOT_FOUND when the calendar does
 * not exist. */
store_rc store_opening_hours_set(store *st, int64_t calendar_id, const opening_hour *hours,
                                 size_t n);
/* Sets the calendar's slot step (minutes, > 0). NOT_FOUND when absent. */
store_rc store_calendar_set_slot_step(store *st, int64_t calendar_id, int minutes);

/* Absences (ranges that block) and extra openings (ranges that open outside
 * the weekly schedule): the same shape, two tables. */
typedef enum range_kind {
    RANGE_ABSENCE = 0,
    RANGE_OPENING,
} range_kind;

typedef struct time_range {
    int64_t id;
    int64_t calendar_id;
    int64_t start; /* Unix seconds, [start, stop) */
    int64_t stop;
    const char *title; /* never NULL on write; "" by default */
} time_range;

/* The calendar's ranges overlapping [from, to), sorted by start then id. */
store_rc store_range_list(store *st, range_kind kind, int64_t calendar_id, int64_t from, int64_t to,
                          arena *a, time_range **out, size_t *n);
/* Sets r->id.  NOT_FOUND when the calendar does not exist. */
store_rc store_range_insert(store *st, range_kind kind, time_range *r);
/* Removes the range.  NOT_FOUND when the calendar has no such range. */
store_rc store_range_delete(store *st, range_kind kind, int64_t calendar_id, int64_t id);

/* A busy interval [start, stop) of a calendar, for the slot engine. */
typedef struct busy_interval {
    int64_t start;
    int64_t stop;
} busy_interval;

/* What blocks the calendar in [from, to), sorted by start: its live booked
 * or noshow appointments, its external busy time (imported feeds, CalDAV;
 * busy.c) and its booking holds unexpired at clock_unix_seconds() (the one
 * clock, so --clock-file drives it; booking.c).  Cost grows with the rows in the window, not with
 * the calendar's history.  The appointments' overlap warning counts appointments only. */
store_rc store_busy_list(store *st, int64_t calendar_id, int64_t from, int64_t to, arena *a,
                         busy_interval **out, size_t *n);

/* A calendar's free slots (freeslots.c): the zone of its center, and the
 * engine's answer. */
typedef struct calendar_slots_out {
    const tzfile *zone;
    slots_rc engine; /* SLOTS_OK, or why the engine computed nothing */
    slots_slot *slots;
    size_t n;
} calendar_slots_out;

/* The free slots of calendar k for a service of `minutes`, starting in
 * [from, to) and not before `now`, at most `limit`, in time order: the
 * calendar's hours, openings, absences and busy time (store_busy_list)
 * handed to slots_compute.  The one path the suggestions, the bookings and
 * the booking page share.  STORE_OK with out->engine other than SLOTS_OK
 * when the engine refused (SLOTS_TOO_BIG: too much for one request);
 * out->zone is set on STORE_OK even when the window is empty. */
store_rc store_calendar_slots(store *st, const calendar *k, int minutes, int64_t from, int64_t to,
                              int64_t now, size_t limit, arena *a, calendar_slots_out *out);

/* ---- external busy time and imported feeds (busy.c) --------------------
 *
 * External busy time is what the calendar's owner has elsewhere: intervals
 * per source (an imported feed, a CalDAV link) and item (an event's UID, a
 * CalDAV resource's href), written only by the sync worker, read by
 * store_busy_list.  Titles are never stored. */

/* The sources; source_id is the calendar_imports id, or the CalDAV link's. */
#define BUSY_SOURCE_FEED   "feed"
#define BUSY_SOURCE_CALDAV "caldav"
/* The longest row: a longer interval is stored as consecutive pieces, so a
 * window read is an index range bounded by this constant (busy.c). */
#define EXTERNAL_BUSY_PIECE ((int64_t)7 * 86400)

/* One interval [start, stop) of an item; start < stop. */
typedef struct external_busy {
    const char *item;
    int64_t start;
    int64_t stop;
} external_busy;

/* Replaces every interval of the source (all its items) by rows[0..n), as
 * one unit of work: a reader sees the old set or the new one.  `a` holds
 * working memory. */
store_rc store_external_busy_replace(store *st, int64_t calendar_id, const char *source,
                                     int64_t source_id, const external_busy *rows, size_t n,
                                     arena *a);
/* Replaces the intervals of one item of the source by iv[0..n) (n = 0
 * drops the item), as one unit of work. */
store_rc store_external_busy_replace_item(store *st, int64_t calendar_id, const char *source,
                                          int64_t source_id, const char *item,
                                          const busy_interval *iv, size_t n, arena *a);
/* Removes every interval of the source (a link or import going away). */
store_rc store_external_busy_drop(store *st, const char *source, int64_t source_id);
/* The calendar's external busy time overlapping [from, to), sorted by
 * start, pieces joined back where they touch (no item, no source). */
store_rc store_external_busy_list(store *st, int64_t calendar_id, int64_t from, int64_t to,
                                  arena *a, busy_interval **out, size_t *n);

/* An imported feed: a read-only iCalendar URL fetched on an interval. */
typedef struct calendar_import {
    int64_t id;
    int64_t calendar_id;
    const char *url;
    int64_t interval; /* seconds between fetches */
    const char *etag; /* validators of the last 200, or NULL */
    const char *last_modified;
    int64_t due_at;         /* next fetch */
    int64_t attempts;       /* failed attempts since the last success */
    int64_t last_attempt;   /* 0: never */
    int64_t last_success;   /* 0: never */
    const char *last_error; /* of the last attempt; NULL when it succeeded */
    int64_t expanded_at;    /* when a body was last expanded; 0: never */
    int64_t events;         /* VEVENTs in the last body read */
    int64_t intervals;      /* busy intervals it gave */
    int64_t created_at;
} calendar_import;

/* Inserts im (id set; url, interval, due_at and created_at as given).
 * NOT_FOUND when the calendar does not exist, CONFLICT when it imports that
 * URL already. */
store_rc store_import_add(store *st, calendar_import *im);
/* The calendar's imports, by id. */
store_rc store_import_list(store *st, int64_t calendar_id, arena *a, calendar_import **out,
                           size_t *n);
/* Import `id` (of any calendar). NOT_FOUND when absent. */
store_rc store_import_get(store *st, int64_t id, arena *a, calendar_import *out);
/* Removes the import and its busy time, as one unit of work.  calendar_id
 * 0 matches any calendar.  NOT_FOUND when there is no such import. */
store_rc store_import_remove(store *st, int64_t calendar_id, int64_t id);
/* Leases up to `max` due imports (due_at <= now, no live lease) to owner
 * until now + lease_seconds (lease.c). */
store_rc store_import_claim(store *st, const char *owner, int64_t now, int64_t lease_seconds,
                            size_t max, arena *a, int64_t **ids, size_t *n);

/* What one fetch of an import gave. */
typedef struct import_outcome {
    bool ok;      /* fetched: a new body read, or 304 Not Modified */
    bool replace; /* a new body: rows[0..n) replace the feed's busy time,
                   * etag and last_modified its validators, events counted */
    const external_busy *rows;
    size_t n;
    const char *etag;
    const char *last_modified;
    int64_t events;
    const char *error; /* !ok: why; the busy time is left as it was */
    int64_t at;        /* now */
    int64_t due_at;    /* next attempt */
} import_outcome;

/* Records the outcome of import `id`, leased to `owner`, and releases the
 * lease; with `replace`, the busy time is replaced in the same unit of
 * work.  NOT_FOUND (nothing written) when the lease is no longer owner's or
 * the import was removed meanwhile. */
store_rc store_import_finish(store *st, int64_t id, const char *owner, const import_outcome *o,
                             arena *a);

/* ---- online booking: settings and holds (booking.c) -------------------
 *
 * A center's booking page is off until it sets booking_settings with
 * `enabled`.  Holds reserve a slot for a patient who is booking it: an
 * unexpired hold is busy time (store_busy_list) for the suggestions, the
 * bookings extension and other patients' holds. */

typedef struct booking_settings {
    int64_t center_id;
    bool enabled;
    /* what the page offers: none named means all of the center's */
    const int64_t *calendars;
    size_t n_calendars;
    const int64_t *services;
    size_t n_services;
    int64_t horizon_days; /* how far ahead a slot may start */
    int64_t min_notice;   /* minutes between now and the earliest start */
    int64_t max_future;   /* future online bookings a patient may hold */
    int64_t hold_seconds; /* how long a chosen slot stays held */
    int64_t updated_at;
} booking_settings;

/* The limits every writer of settings checks (the API and the command
 * line). */
#define BOOKING_LIST_MAX         100
#define BOOKING_HORIZON_DAYS_MAX 730
#define BOOKING_NOTICE_MAX       (60 * 24 * 60) /* minutes: 60 days */
#define BOOKING_MAX_FUTURE_MAX   100
#define BOOKING_HOLD_MIN         60
#define BOOKING_HOLD_MAX         3600

/* The settings of a center that never set any: off, every calendar and
 * service, 60 days ahead, 120 minutes' notice, 3 future bookings per
 * patient, holds of 300 s. */
booking_settings store_booking_settings_default(int64_t center_id);
/* NOT_FOUND when the center has none (its page is off). */
store_rc store_booking_settings_get(store *st, int64_t center_id, arena *a, booking_settings *out);

/* Why store_booking_settings_set refused a list. */
typedef struct booking_reject {
    bool calendar; /* true: calendars[]; false: services[] */
    int64_t id;    /* the first id refused */
} booking_reject;

/* Creates or replaces the center's settings, lists included, as one unit
 * of work.  NOT_FOUND when the center does not exist.  CONFLICT, with *why
 * set and nothing written, when a calendar named is not the center's, or a
 * service named is not a live service of one of the center's calendars (of
 * the calendars named, when some are).  The lists hold distinct ids. */
store_rc store_booking_settings_set(store *st, const booking_settings *bs, booking_reject *why);

/* A service the booking page offers, with its calendar's names. */
typedef struct booking_service {
    int64_t id;
    int64_t calendar_id;
    const char *name;
    int64_t duration;                   /* minutes */
    const char *first_name, *last_name; /* of the calendar */
} booking_service;

/* The live services the center's page offers (its lists, or everything of
 * the center's where a list is empty), by name, duration, then id; whether
 * the page is on is not looked at. */
store_rc store_booking_services(store *st, int64_t center_id, arena *a, booking_service **out,
                                size_t *n);

/* A slot held while a patient books it: [start, stop) of a calendar, for a
 * service, until expires_at, for whoever has `owner` (a key the caller
 * makes and keeps secret, opaque to the store; at most 255 bytes). */
typedef struct booking_hold {
    int64_t id;
    int64_t calendar_id;
    int64_t service_id;
    int64_t start;
    int64_t stop;
    int64_t expires_at;
    const char *owner;
    int64_t created_at;
} booking_hold;

/* Places h (h->id set) when [start, stop) is free in the calendar at
 * `now`: no live booked or noshow appointment, external busy time or hold
 * unexpired at `now` overlaps it (what store_busy_list reads).  The
 * calendar's expired holds are removed in the same unit of work.  CONFLICT
 * when the time is not free, NOT_FOUND when the service is not a live
 * service of the calendar.
 * Whether the time is a slot the engine offers is the caller's to check,
 * inside its own transaction (store_begin) around this call, as bookings
 * do: on PostgreSQL the loser of two placements racing for one time gets
 * STORE_RETRY and, run again, CONFLICT.  `a` holds working memory (here
 * and in store_hold_book). */
store_rc store_hold_place(store *st, booking_hold *h, int64_t now, arena *a);
/* The hold `id` of `owner` if unexpired at `now`; NOT_FOUND otherwise. */
store_rc store_hold_get(store *st, int64_t id, const char *owner, int64_t now, arena *a,
                        booking_hold *out);
/* Removes the hold `id` of `owner`, expired or not.  NOT_FOUND when there
 * is none. */
store_rc store_hold_release(store *st, int64_t id, const char *owner);
/* Turns the hold `id` of `owner` into the appointment ap, as one unit of
 * work: ap's calendar_id, start, stop and service_id are set from the hold,
 * the rest is the caller's (as for store_appointment_insert, whose checks
 * and planning apply), and the hold is removed.  NOT_FOUND when the hold is
 * gone or expired at `now`; CONFLICT when its time is no longer free but
 * for the hold itself (an appointment written over it meanwhile); nothing
 * is written on either. */
store_rc store_hold_book(store *st, int64_t id, const char *owner, int64_t now, appointment *ap,
                         arena *a);

/* ---- online booking: the patients' side (online.c) --------------------- */

#define STORE_WEB_KEY_BYTES 32

/* The server's signing key called `name` (32 random bytes), made by the
 * first caller and the same for every server of the database afterwards.
 * `a` holds working memory. */
store_rc store_web_key(store *st, const char *name, int64_t now, arena *a,
                       unsigned char key[STORE_WEB_KEY_BYTES]);

typedef enum booking_attempt_kind { ATTEMPT_HOLD = 1, ATTEMPT_BOOK = 2 } booking_attempt_kind;

/* Counts one attempt of `kind` from `address` at `now` when fewer than
 * `max` were counted in the `window` seconds before; CONFLICT (nothing
 * written) otherwise. */
store_rc store_booking_attempt(store *st, const char *address, booking_attempt_kind kind,
                               int64_t now, int64_t window, int64_t max);

/* A hold booked for a patient from the page. */
typedef struct online_booking {
    int64_t hold_id;
    const char *owner;
    /* center_id, first_name, last_name, email, phone_number, birthdate
     * (NULL: none), language_code; the rest unused */
    patient patient;
    int64_t max_future; /* the settings' per-patient maximum */
} online_booking;

typedef enum online_refusal {
    ONLINE_OK = 0,
    ONLINE_HOLD_GONE, /* the hold expired or is not the owner's */
    ONLINE_TAKEN,     /* its time was taken meanwhile */
    ONLINE_TOO_MANY,  /* the patient has max_future future online bookings */
} online_refusal;

/* Books b's hold, as one unit of work: the patient is the center's live
 * patient with the same email and birth date, or the same phone (lowest id
 * first; never changed), else a new one with no remote_id; then
 * store_hold_book with ap (whose non-hold fields are the caller's; its
 * patient_id is set here), and the booking is recorded as made online.
 * CONFLICT or NOT_FOUND with *why set, and nothing written, on a refusal. */
store_rc store_online_book(store *st, const online_booking *b, int64_t now, appointment *ap,
                           online_refusal *why, arena *a);
/* Moves the live booked appointment ap->id of ap->calendar_id to the time
 * of hold `hold_id` of `owner` (same calendar) and releases the hold, as
 * one unit of work (store_appointment_update: its planning applies); *ap is
 * the moved row.  NOT_FOUND when the hold is gone or expired, of another
 * calendar, or the appointment is no longer booked. */
store_rc store_online_move(store *st, int64_t hold_id, const char *owner, int64_t now,
                           appointment *ap, arena *a);

/* ---- patient messages: settings, templates, the outbox ----------------
 *
 * Every write that creates, moves, cancels or deletes an appointment
 * replans its messages in the same unit of work (outbox.c): pending
 * messages of the older version are dropped (or marked cancelled when the
 * appointment no longer takes place) and the new version's are inserted,
 * keyed (appointment, kind, rule, version).  A center without
 * reminder_settings plans nothing. */

typedef struct reminder_settings {
    int64_t center_id;
    const char *rules;       /* canonical rule texts (sched/remind.h), one per
                              * line; "" for none */
    const char *quiet;       /* "HH:MM-HH:MM" local, or NULL */
    const char *language;    /* default language of the center's messages */
    const char *sender_name; /* NULL: the configured sender's */
    const char *address;     /* the center's postal address, or NULL */
    const char *country;     /* region of national phone numbers ("BE") */
    bool confirmation;       /* booking confirmations on */
    bool change_notice;      /* change notices on */
    bool cancellation_notice;
    int64_t change_delay; /* seconds a change notice waits */
    int64_t sms_segments; /* most SMS segments a template may take */
    bool sms_fallback_email;
    int64_t updated_at;
} reminder_settings;

/* The limits every writer of settings checks (the API and the command
 * line), and the planner relies on. */
#define REMINDER_RULES_MAX        16
#define REMINDER_CHANGE_DELAY_MAX 86400
#define REMINDER_SMS_SEGMENTS_MAX 10

/* The settings of a center that never set any: no rules, English, Belgian
 * numbers, notices off, a 180 s change delay, SMS of at most 2 segments. */
reminder_settings store_reminder_settings_default(int64_t center_id);

/* NOT_FOUND when the center has none (it sends nothing). */
store_rc store_reminder_settings_get(store *st, int64_t center_id, arena *a,
                                     reminder_settings *out);
/* Creates or replaces the center's settings and replans the messages of its
 * live appointments that start after `now`, as one unit of work.  NOT_FOUND
 * when the center does not exist.  `a` holds working memory. */
store_rc store_reminder_settings_set(store *st, const reminder_settings *rs, int64_t now, arena *a);

typedef struct message_template {
    int64_t center_id;
    const char *kind;     /* reminder, confirmation, change, cancellation */
    const char *channel;  /* email, sms */
    const char *language; /* en, fr, ... */
    const char *subject;  /* email only; NULL for sms */
    const char *body;
    int64_t updated_at;
} message_template;

/* The center's own template; NOT_FOUND when it has none (the built-in one
 * applies). */
store_rc store_template_get(store *st, int64_t center_id, const char *kind, const char *channel,
                            const char *language, arena *a, message_template *out);
/* Creates or replaces.  NOT_FOUND when the center does not exist. */
store_rc store_template_set(store *st, const message_template *t);
/* Removes the center's own template.  NOT_FOUND when there was none. */
store_rc store_template_delete(store *st, int64_t center_id, const char *kind, const char *channel,
                               const char *language);
/* The center's own templates, by kind, channel, language. */
store_rc store_template_list(store *st, int64_t center_id, arena *a, message_template **out,
                             size_t *n);

typedef struct message {
    int64_t id;
    int64_t center_id;
    int64_t appointment_id;
    const char *kind;    /* reminder, confirmation, change, cancellation */
    const char *channel; /* email, sms */
    const char *rule;    /* the reminder rule's text; "" for notices */
    int64_t version;
    int64_t due_at;
    const char *state; /* pending, sent, delivered, undelivered, failed, skipped,
                        * cancelled */
    int64_t attempts;
    const char *last_error; /* or the reason it was skipped or cancelled */
    const char *recipient;  /* set when sent or tried */
    const char *language;
    const char *provider_id;
    int64_t created_at;
    int64_t sent_at;      /* 0: not sent */
    int64_t delivered_at; /* 0: no receipt */
} message;

/* The appointment's messages, by due time then id. */
store_rc store_message_list_for_appointment(store *st, int64_t appointment_id, arena *a,
                                            message **out, size_t *n);
/* The center's messages in `state` (NULL: all), by due time then id, at
 * most `limit`. */
store_rc store_message_list_for_center(store *st, int64_t center_id, const char *state,
                                       int64_t limit, arena *a, message **out, size_t *n);

/* The center's messages in `state` (NULL: all), newest first (due time,
 * then id, descending), in pages of list_query (page 0: all); *total
 * counts every match. */
store_rc store_message_page_for_center(store *st, int64_t center_id, const char *state,
                                       const list_query *q, arena *a, message **out, size_t *n,
                                       int64_t *total);

/* The dispatcher's side.  store_message_claim leases up to `max` due
 * pending messages (due_at <= now, no live lease) to `owner` until now +
 * lease_seconds and counts an attempt: two servers never hold one message,
 * and a lease left by a killed server lapses (lease.c).  *ids is an arena
 * array. */
store_rc store_message_claim(store *st, const char *owner, int64_t now, int64_t lease_seconds,
                             size_t max, arena *a, int64_t **ids, size_t *n);

/* Everything a message needs to be checked and written, read in one
 * snapshot. */
typedef struct message_context {
    message msg;
    const char *lease_owner;
    /* the appointment now */
    int64_t start, stop, calendar_id;
    appt_status status;
    bool deleted;
    int64_t planned_version; /* the appointment's version now */
    int64_t told_start, told_stop, told_calendar;
    /* its patient (all NULL when none is linked) */
    bool has_patient;
    const char *first_name, *last_name, *email, *phone_number, *language_code;
    /* its calendar and center */
    const char *calendar_first_name, *calendar_last_name;
    const char *center_name, *timezone;
    reminder_settings settings;
} message_context;

/* NOT_FOUND when there is no such message. */
store_rc store_message_context(store *st, int64_t id, arena *a, message_context *out);

/* The outcome of one attempt. */
typedef struct message_outcome {
    int64_t appointment_id;
    const char *kind;
    const char *channel;     /* the channel used (a notice's "any" resolved) */
    const char *state;       /* sent, failed, skipped; or pending to retry */
    int64_t retry_at;        /* pending: the next due time */
    const char *error;       /* reason, or NULL */
    const char *recipient;   /* or NULL */
    const char *language;    /* or NULL */
    const char *provider_id; /* or NULL */
    int64_t at;              /* now */
    bool told;               /* the patient now knows the appointment's
                              * current start, stop and calendar */
    int64_t told_start, told_stop, told_calendar;
} message_outcome;

/* Records the outcome of message `id`, leased to `owner`, and releases the
 * lease.  NOT_FOUND when the lease is no longer owner's (it lapsed and
 * another server took the message over: its outcome counts). */
store_rc store_message_finish(store *st, int64_t id, const char *owner, const message_outcome *out);

/* A delivery receipt: moves the message with that provider id forward to
 * `state` (sent < delivered, undelivered, failed), never back.  NOT_FOUND
 * when no message has that id; OK and nothing changed when it is not
 * forward. */
store_rc store_message_receipt(store *st, const char *provider_id, const char *state, int64_t at);

/* Pending messages due at or before `now` not under lease, for the logs. */
store_rc store_message_queue_depth(store *st, int64_t now, int64_t *depth);

/* ---- the audit log (audit.c) -------------------------------------------- */

/* Who writes through a store from now on, for the audit log: kind is "api"
 * (user_id and name: the user and their email), "admin" (name: the
 * command, "patient-export"), "public" (name: the route), "booking" (name:
 * "page"), "sync" (name: the queue) or "system" (NULL: back to it).  The
 * strings are copied (the name cut at 255 bytes, spaces made '_'). */
typedef struct store_actor {
    const char *kind;
    int64_t user_id; /* 0: none */
    const char *name;
} store_actor;
void store_set_actor(store *st, const store_actor *who);

/* One row of the audit log: who did what to which object, when. */
typedef struct audit_entry {
    int64_t id, at;
    const char *actor_kind;
    int64_t actor_user_id; /* 0: none */
    const char *actor;
    const char *action;      /* create, update, delete */
    const char *object_kind; /* patient, appointment */
    int64_t object_id;
} audit_entry;

/* Which rows: of one object (object_kind set), else of one actor (actor
 * set), else all; newest first, at most limit (> 0). */
typedef struct audit_filter {
    const char *object_kind;
    int64_t object_id;
    const char *actor;
    int64_t limit;
} audit_filter;
store_rc store_audit_list(store *st, const audit_filter *f, arena *a, audit_entry **out, size_t *n);

/* ---- housekeeping (housekeeping.c) -------------------------------------- */

/* The jobs (rows of `housekeeping`), and how often each runs. */
#define HOUSEKEEPING_PURGE_TOMBSTONES 1 /* patient tombstones past the retention */
#define HOUSEKEEPING_INTERVAL         3600

/* Leases up to max due jobs to owner until now + lease_seconds (lease.c). */
store_rc store_housekeeping_claim(store *st, const char *owner, int64_t now, int64_t lease_seconds,
                                  size_t max, arena *a, int64_t **ids, size_t *n);
/* Runs job `id` under owner's lease, in one transaction: removes the
 * tombstones of patients deleted more than tombstone_seconds before now
 * (*purged: how many), and makes the job due again in
 * HOUSEKEEPING_INTERVAL.  NOT_FOUND when the lease is no longer owner's
 * (nothing done). */
store_rc store_housekeeping_run(store *st, int64_t id, const char *owner, int64_t now,
                                int64_t tombstone_seconds, int64_t *purged);

/* ---- operations (ops.c) ------------------------------------------------ */

/* Whether the store answers a trivial query: STORE_OK, else why not. */
store_rc store_ping(store *st);

/* The background work's backlog and failures, for metrics: messages due
 * now and not under lease, pending in all, and failed for good; CalDAV
 * links due now (active ones), failing (their last attempts failed) and
 * paused; imported feeds due now and failing. */
typedef struct store_ops {
    int64_t messages_due, messages_pending, messages_failed;
    int64_t caldav_links_due, caldav_links_failing, caldav_links_paused;
    int64_t imports_due, imports_failing;
} store_ops;
store_rc store_ops_read(store *st, int64_t now, store_ops *out);

/* ---- replies to SMS, confirmations (replies.c) --------------------------
 *
 * An inbound SMS answers the sender's next appointment that an SMS reminder
 * was sent for.  Patients' numbers are free text, matched after
 * normalisation (notify/phone.h, above the store), so the store hands out
 * the few candidates a reply can be about and the caller matches the
 * number; the reply itself is kept in sms_replies with what it did. */

/* An appointment a reply may answer, with what matching its sender needs. */
typedef struct reply_candidate {
    int64_t appointment_id;
    int64_t calendar_id;
    int64_t center_id;
    int64_t start;
    const char *phone_number; /* the patient's, as typed */
    const char *country;      /* the center's region for national numbers */
} reply_candidate;

/* The live booked appointments starting after `now`, with a live patient,
 * for which an SMS reminder was sent (one whose sent_at is set): by start,
 * then id, each once.  Such a reminder went out at most the longest lead
 * (sched/remind.h) and a day of quiet hours before the start, so only the
 * reminders sent since then are read (index messages_sms_sent). */
store_rc store_reply_candidates(store *st, int64_t now, arena *a, reply_candidate **out, size_t *n);

/* Records that the patient confirmed the appointment at `at`, when it is
 * live; a later confirmation keeps the first time.  OK whether or not
 * anything was written (the caller read the appointment in its
 * transaction). */
store_rc store_appointment_confirm(store *st, int64_t appointment_id, int64_t at);
/* When the patient confirmed the appointment: *at, or 0 when never. */
store_rc store_appointment_confirmed_at(store *st, int64_t appointment_id, int64_t *at);

typedef struct sms_reply {
    int64_t id;
    int64_t center_id;       /* 0: the sender matched no appointment */
    int64_t appointment_id;  /* 0: none (no match, or several) */
    const char *from_number; /* E.164 when it could be read, else as received */
    const char *body;
    const char *outcome; /* confirmed, cancelled, unclear */
    int64_t received_at;
} sms_reply;

/* Inserts r (r->id ignored, then set).  A center or appointment that does
 * not exist fails its foreign key: NOT_FOUND. */
store_rc store_reply_insert(store *st, sms_reply *r);
/* The center's replies with `outcome` (NULL: all), newest first (by id), in
 * pages of list_query (page 0: all); *total counts every match. */
store_rc store_reply_list(store *st, int64_t center_id, const char *outcome, const list_query *q,
                          arena *a, sms_reply **out, size_t *n, int64_t *total);

#endif
