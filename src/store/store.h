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
/* Brings the schema to the latest version (idempotent, safe to run from
 * several processes at once). */
store_rc store_migrate(store *st);

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
    bool warning; /* live, booked or noshow, and overlaps another live booked or noshow
                   * appointment of the calendar (symmetric; what suggestions treat as busy) */
} appointment;

/* Sorted by start, then id; `has_start`/`has_stop` select the rows that
 * overlap the window. *total counts every row matched (all pages). */
store_rc store_appointment_list(store *st, int64_t calendar_id, const list_query *q, arena *a,
                                appointment **out, size_t *n, int64_t *total);
store_rc store_appointment_get(store *st, int64_t calendar_id, const object_ref *ref, arena *a,
                               appointment *out);
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

/* The calendar's live booked or noshow appointments overlapping [from, to),
 * sorted by start.  Cost grows with the rows in the window, not with the
 * calendar's history. */
store_rc store_busy_list(store *st, int64_t calendar_id, int64_t from, int64_t to, arena *a,
                         busy_interval **out, size_t *n);

#endif
