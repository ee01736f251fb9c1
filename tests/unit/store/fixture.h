/* fixture.h - what the store's unit tests share (tests/unit/store/test_*.c,
 * one file per module of src/store/), and the suites above the store that
 * need a real one (tests/unit/api/: setup_sqlite and teardown).
 *
 * Every test runs against SQLite (a file in a fresh temporary directory)
 * and, when AGENDA_TEST_PG_URL names a PostgreSQL server (an admin URL such
 * as the one scripts/pg-test-server.sh prints), again against a fresh
 * database created on it for the test: the tests are written once, only the
 * opener differs (setup_sqlite, setup_pg).  store_suite() builds a suite of
 * that shape.  Every helper fails the running test (ck_assert) rather than
 * returning an error; what it allocates lives in A or in the store. */
#ifndef AGENDA_TEST_STORE_FIXTURE_H
#define AGENDA_TEST_STORE_FIXTURE_H

#include <check.h>
#include <stdint.h>

#include "store/store.h"
#include "util/arena.h"

typedef enum test_engine {
    ENGINE_SQLITE,
    ENGINE_PG,
} test_engine;

/* The running test's state, set by its setup and cleared by teardown. */
extern test_engine engine; /* the engine under test */
extern char dir[64];       /* a temporary directory, for both engines */
extern char path[1024];    /* the store's URL: a file or a PostgreSQL conninfo */
extern store *st;          /* the test's store, open and migrated */
extern arena *A;           /* an arena for the test's reads */

/* A suite `name` of the store's shape: case "sqlite" runs add_common's
 * tests on SQLite; when AGENDA_TEST_PG_URL is set, case "postgres" runs
 * them again on PostgreSQL, then add_pg_only's.  Either may be NULL. */
Suite *store_suite(const char *name, void (*add_common)(TCase *), void (*add_pg_only)(TCase *));

/* Checked fixtures: a new database of the engine in a new `dir`, opened as
 * `st` and migrated, and a new `A`; teardown closes and removes them all. */
void setup_sqlite(void);
void setup_pg(void);
void teardown(void);

/* Runs `sql` (no answer) on the PostgreSQL server of AGENDA_TEST_PG_URL
 * as its admin user. */
void pg_admin(const char *sql);

/* Run `sql` on `url` with the engine's own API (not the store's): raw_int
 * returns the one integer it answers, raw_exec expects no answer. */
int64_t raw_int(const char *url, const char *sql);
void raw_exec(const char *url, const char *sql);

/* A URL for a new, empty database of the engine under test in out[size];
 * `name` gets the PostgreSQL database's name (to drop it), "" for SQLite.
 * drop_database removes it again. */
void new_database(char *name, size_t name_size, char *out, size_t size);
void drop_database(const char *name, const char *url);

/* Creates a center (or a calendar in one) with that slug; returns its id. */
int64_t make_center(const char *slug);
int64_t make_calendar(int64_t center_id, const char *slug);

/* A valid patient of the center (not stored); add_patient stores one and
 * returns its id. */
patient new_patient(int64_t center_id, const char *remote_id, int64_t now);
int64_t add_patient(int64_t center_id, const char *remote_id, int64_t now);

/* A service "S" of the calendar, stamped 1000 (not stored); add_service
 * stores one and returns its id. */
service new_service(int64_t calendar_id, const char *remote_id, int duration, const char *color);
int64_t add_service(int64_t calendar_id, const char *remote_id, int duration, const char *color);

/* A booked appointment [start, stop) of the calendar, stamped 1000 (not
 * stored); add_appt stores one with `status` and returns its id. */
appointment new_appt(int64_t calendar_id, const char *remote_id, int64_t start, int64_t stop);
int64_t add_appt(int64_t calendar_id, const char *remote_id, int64_t start, int64_t stop,
                 appt_status status);

/* The stored appointment of the calendar with that remote_id (must exist). */
appointment get_appt(int64_t calendar_id, const char *remote_id);

/* Remote ids of the appointments overlapping [start, stop), joined by ','
 * (in A). */
const char *window(int64_t calendar_id, int64_t start, int64_t stop);

/* Rows for the bulk tests: more than two bulk statements take
 * (STORE_BULK_ROWS, 500), so chunks meet and the last one is partly unbound. */
#define MANY 1100

#endif
