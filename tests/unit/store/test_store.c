/* test_store.c - the storage layer against a real database: schema
 * migrations, accounts and grants, patients, services, appointments
 * (windows, warnings, joins), lists and paging, transactions, and two
 * connections writing from two threads.
 *
 * Every test runs against SQLite (a file in a fresh temporary directory)
 * and, when AGENDA_TEST_PG_URL names a PostgreSQL server (an admin URL such
 * as the one scripts/pg-test-server.sh prints), again against a fresh
 * database created on it for the test: the tests are written once, only the
 * opener differs (setup_sqlite, setup_pg).  A few PostgreSQL-only tests
 * follow (serialization failures, a bytea the driver cannot hold, concurrent
 * inserts and migrations, and, when AGENDA_TEST_PG_DIR names the test
 * cluster, a server restart). */
#include <check.h>
#include <dlfcn.h>
#include <libpq-fe.h>
#include <pthread.h>
#include <sqlite3.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "../suites.h"
#include "store/store.h"
#include "util/arena.h"

typedef enum test_engine {
    ENGINE_SQLITE,
    ENGINE_PG,
} test_engine;

static test_engine engine;
static char dir[64];    /* a temporary directory, for both engines */
static char path[1024]; /* the store's URL: a file or a PostgreSQL conninfo */
static char dbname[64]; /* PostgreSQL: the test's database */
static store *st;
static arena *A;

/* ---- engines ---------------------------------------------------------- */

/* Runs `sql` on the PostgreSQL server of AGENDA_TEST_PG_URL (admin). */
static void pg_admin(const char *sql)
{
    PGconn *c = PQconnectdb(getenv("AGENDA_TEST_PG_URL"));
    ck_assert_msg(PQstatus(c) == CONNECTION_OK, "admin connection: %s", PQerrorMessage(c));
    PGresult *r = PQexec(c, sql);
    ck_assert_msg(PQresultStatus(r) == PGRES_COMMAND_OK, "%s: %s", sql, PQerrorMessage(c));
    PQclear(r);
    PQfinish(c);
}

/* Creates a new, empty database on the test server and writes a conninfo
 * for it into out[size] (the admin URL's parameters, another dbname). */
static void pg_new_database(char *name, size_t name_size, char *out, size_t size)
{
    static int serial;
    snprintf(name, name_size, "agenda_t_%ld_%d_%ld", (long)getpid(), serial++,
             (long)time(NULL) % 100000);
    char sql[128];
    snprintf(sql, sizeof sql, "CREATE DATABASE %s", name);
    pg_admin(sql);
    char *err = NULL;
    PQconninfoOption *opts = PQconninfoParse(getenv("AGENDA_TEST_PG_URL"), &err);
    ck_assert_msg(opts != NULL, "AGENDA_TEST_PG_URL: %s", err ? err : "out of memory");
    size_t n = (size_t)snprintf(out, size, "dbname=%s", name);
    for (PQconninfoOption *o = opts; o->keyword; o++) {
        if (!o->val || !*o->val || strcmp(o->keyword, "dbname") == 0)
            continue;
        ck_assert_ptr_null(strpbrk(o->val, "' \\"));
        n += (size_t)snprintf(out + n, size - n, " %s='%s'", o->keyword, o->val);
        ck_assert_uint_lt(n, size);
    }
    PQconninfoFree(opts);
}

static void pg_drop_database(const char *name)
{
    char sql[128];
    snprintf(sql, sizeof sql, "DROP DATABASE IF EXISTS %s WITH (FORCE)", name);
    pg_admin(sql);
}

/* Runs `sql`, which answers one integer, on `url` with the engine's own
 * API (not the store's), and returns that integer. */
static int64_t raw_int(const char *url, const char *sql)
{
    int64_t v = -1;
    if (engine == ENGINE_SQLITE) {
        sqlite3 *db = NULL;
        sqlite3_stmt *s = NULL;
        ck_assert_int_eq(sqlite3_open(url, &db), SQLITE_OK);
        ck_assert_int_eq(sqlite3_prepare_v2(db, sql, -1, &s, NULL), SQLITE_OK);
        ck_assert_int_eq(sqlite3_step(s), SQLITE_ROW);
        v = sqlite3_column_int64(s, 0);
        sqlite3_finalize(s);
        sqlite3_close(db);
    } else {
        PGconn *c = PQconnectdb(url);
        ck_assert_int_eq(PQstatus(c), CONNECTION_OK);
        PGresult *r = PQexec(c, sql);
        ck_assert_int_eq(PQresultStatus(r), PGRES_TUPLES_OK);
        ck_assert_int_eq(PQntuples(r), 1);
        v = strtoll(PQgetvalue(r, 0, 0), NULL, 10);
        PQclear(r);
        PQfinish(c);
    }
    return v;
}

/* Runs `sql` (no answer) on `url` with the engine's own API. */
static void raw_exec(const char *url, const char *sql)
{
    if (engine == ENGINE_SQLITE) {
        sqlite3 *db = NULL;
        ck_assert_int_eq(sqlite3_open(url, &db), SQLITE_OK);
        ck_assert_int_eq(sqlite3_exec(db, sql, NULL, NULL, NULL), SQLITE_OK);
        sqlite3_close(db);
    } else {
        PGconn *c = PQconnectdb(url);
        ck_assert_int_eq(PQstatus(c), CONNECTION_OK);
        PGresult *r = PQexec(c, sql);
        ck_assert_int_eq(PQresultStatus(r), PGRES_COMMAND_OK);
        PQclear(r);
        PQfinish(c);
    }
}

/* Opens `path` (set by the engine's setup) and migrates it. */
static void open_store(void)
{
    char *err = NULL;
    ck_assert_int_eq(store_open(path, &st, &err), STORE_OK);
    ck_assert_ptr_null(err);
    ck_assert_int_eq(store_migrate(st), STORE_OK);
    A = arena_new(ARENA_DEFAULT_LIMIT);
    ck_assert_ptr_nonnull(A);
}

static void setup_sqlite(void)
{
    engine = ENGINE_SQLITE;
    strcpy(dir, "/tmp/agenda-store-XXXXXX");
    ck_assert_ptr_nonnull(mkdtemp(dir));
    snprintf(path, sizeof path, "%s/agenda.db", dir);
    open_store();
}

static void setup_pg(void)
{
    engine = ENGINE_PG;
    strcpy(dir, "/tmp/agenda-store-XXXXXX");
    ck_assert_ptr_nonnull(mkdtemp(dir));
    pg_new_database(dbname, sizeof dbname, path, sizeof path);
    open_store();
}

/* Removes a SQLite database file and its WAL companions. */
static void unlink_sqlite(const char *file)
{
    char name[1100];
    const char *suffixes[] = {"", "-wal", "-shm"};
    for (size_t i = 0; i < 3; i++) {
        snprintf(name, sizeof name, "%s%s", file, suffixes[i]);
        unlink(name);
    }
}

static void teardown(void)
{
    store_close(st);
    st = NULL;
    arena_free(A);
    A = NULL;
    if (engine == ENGINE_SQLITE)
        unlink_sqlite(path);
    else
        pg_drop_database(dbname);
    rmdir(dir);
}

/* A URL for a new, empty database of the engine under test; `name` gets
 * the PostgreSQL database's name (to drop it), "" for SQLite. */
static void new_database(char *name, size_t name_size, char *out, size_t size)
{
    static int serial;
    if (engine == ENGINE_PG) {
        pg_new_database(name, name_size, out, size);
        return;
    }
    snprintf(name, name_size, "%s", "");
    snprintf(out, size, "%s/fresh-%d.db", dir, serial++);
}

static void drop_database(const char *name, const char *url)
{
    if (engine == ENGINE_PG)
        pg_drop_database(name);
    else
        unlink_sqlite(url);
}

/* ---- fixtures --------------------------------------------------------- */

static int64_t make_center(const char *slug)
{
    center c = {.name = "Centre", .slug = slug, .timezone = "Europe/Brussels"};
    ck_assert_int_eq(store_center_create(st, &c), STORE_OK);
    ck_assert_int_gt(c.id, 0);
    return c.id;
}

static int64_t make_calendar(int64_t center_id, const char *slug)
{
    calendar k = {
        .center_id = center_id, .first_name = "Joris", .last_name = "Van Hecke", .slug = slug};
    ck_assert_int_eq(store_calendar_create(st, &k), STORE_OK);
    return k.id;
}

static patient new_patient(int64_t center_id, const char *remote_id, int64_t now)
{
    return (patient){.center_id = center_id,
                     .remote_id = remote_id,
                     .first_name = "Joris",
                     .last_name = "Van Hecke",
                     .email = "joris@example.org",
                     .phone_number = "+32470000000",
                     .birthdate = "1990-05-16",
                     .updated_at = now};
}

static int64_t add_patient(int64_t center_id, const char *remote_id, int64_t now)
{
    patient p = new_patient(center_id, remote_id, now);
    ck_assert_int_eq(store_patient_insert(st, &p), STORE_OK);
    return p.id;
}

static appointment new_appt(int64_t calendar_id, const char *remote_id, int64_t start, int64_t stop)
{
    return (appointment){.calendar_id = calendar_id,
                         .remote_id = remote_id,
                         .start = start,
                         .stop = stop,
                         .title = "",
                         .status = APPT_BOOKED,
                         .updated_at = 1000};
}

static int64_t add_appt(int64_t calendar_id, const char *remote_id, int64_t start, int64_t stop,
                        appt_status status)
{
    appointment ap = new_appt(calendar_id, remote_id, start, stop);
    ap.status = status;
    ck_assert_int_eq(store_appointment_insert(st, &ap), STORE_OK);
    return ap.id;
}

static appointment get_appt(int64_t calendar_id, const char *remote_id)
{
    appointment ap;
    object_ref ref = {.remote_id = remote_id};
    ck_assert_int_eq(store_appointment_get(st, calendar_id, &ref, A, &ap), STORE_OK);
    return ap;
}

/* Remote ids of the appointments overlapping [start, stop), joined by ','. */
static const char *window(int64_t calendar_id, int64_t start, int64_t stop)
{
    list_query q = {.has_start = true, .start = start, .has_stop = true, .stop = stop};
    appointment *rows = NULL;
    size_t n = 0;
    int64_t total = -1;
    ck_assert_int_eq(store_appointment_list(st, calendar_id, &q, A, &rows, &n, &total), STORE_OK);
    ck_assert_int_eq(total, (int64_t)n);
    char *out = arena_strdup(A, "");
    for (size_t i = 0; i < n; i++)
        out = arena_printf(A, "%s%s%s", out, i ? "," : "", rows[i].remote_id);
    return out;
}

/* ---- migrations and connection ---------------------------------------- */

START_TEST(migrations_are_idempotent)
{
    ck_assert_int_eq(store_migrate(st), STORE_OK);
    ck_assert_int_eq(store_migrate(st), STORE_OK);
    /* a second connection migrating finds nothing to do */
    store *other = NULL;
    ck_assert_int_eq(store_open(path, &other, NULL), STORE_OK);
    ck_assert_int_eq(store_migrate(other), STORE_OK);
    store_close(other);

    /* every step recorded once, up to the latest */
    ck_assert_int_eq(raw_int(path, "SELECT COUNT(*) FROM schema_migrations"),
                     store_schema_version());
    ck_assert_int_eq(raw_int(path, "SELECT MAX(version) FROM schema_migrations"),
                     store_schema_version());
    if (engine == ENGINE_SQLITE) {
        sqlite3 *db = NULL;
        sqlite3_stmt *s = NULL;
        ck_assert_int_eq(sqlite3_open(path, &db), SQLITE_OK);
        ck_assert_int_eq(sqlite3_prepare_v2(db, "PRAGMA journal_mode", -1, &s, NULL), SQLITE_OK);
        ck_assert_int_eq(sqlite3_step(s), SQLITE_ROW);
        ck_assert_str_eq((const char *)sqlite3_column_text(s, 0), "wal");
        sqlite3_finalize(s);
        sqlite3_close(db);
    }
    /* the data survived the repeated migrations */
    int64_t c = make_center("still-here");
    ck_assert_int_eq(store_migrate(st), STORE_OK);
    center out;
    ck_assert_int_eq(store_center_get(st, c, A, &out), STORE_OK);
}
END_TEST

static char fresh[1024];

/* Opens `fresh` and migrates it; returns the outcome as a pointer-sized
 * code (0 for success). */
static void *open_and_migrate(void *arg)
{
    (void)arg;
    store *s = NULL;
    store_rc rc = store_open(fresh, &s, NULL);
    if (rc == STORE_OK)
        rc = store_migrate(s);
    store_close(s);
    return (void *)(intptr_t)rc;
}

START_TEST(concurrent_migrations_of_a_new_file)
{
    char name[64];
    new_database(name, sizeof name, fresh, sizeof fresh);
    pthread_t t[4];
    for (int i = 0; i < 4; i++)
        ck_assert_int_eq(pthread_create(&t[i], NULL, open_and_migrate, NULL), 0);
    for (int i = 0; i < 4; i++) {
        void *rc = NULL;
        ck_assert_int_eq(pthread_join(t[i], &rc), 0);
        ck_assert_int_eq((intptr_t)rc, STORE_OK);
    }
    ck_assert_int_eq(raw_int(fresh, "SELECT COUNT(*) FROM schema_migrations"),
                     store_schema_version());
    drop_database(name, fresh);
}
END_TEST

START_TEST(newer_schema_is_refused)
{
    raw_exec(path, "INSERT INTO schema_migrations (version, name, applied_at)"
                   " VALUES (999, 'future', 0)");
    ck_assert_int_eq(store_migrate(st), STORE_ERROR);
}
END_TEST

START_TEST(open_failures_explain_themselves)
{
    store *s = NULL;
    char *err = NULL;
    ck_assert_int_ne(store_open("/nonexistent-dir/x/agenda.db", &s, &err), STORE_OK);
    ck_assert_ptr_nonnull(err);
    ck_assert_ptr_null(strchr(err, '\n'));
    free(err);
    err = NULL;
    /* a file that is not a database */
    char junk[160];
    snprintf(junk, sizeof junk, "%s/junk.db", dir);
    FILE *f = fopen(junk, "w");
    ck_assert_ptr_nonnull(f);
    for (int i = 0; i < 200; i++)
        fputs("this is not an SQLite database file at all. ", f);
    fclose(f);
    ck_assert_int_eq(store_open(junk, &s, &err), STORE_ERROR);
    ck_assert_ptr_nonnull(err);
    free(err);
    unlink(junk);
    err = NULL;
    /* no server there: not now, rather than broken */
    ck_assert_int_eq(store_open("postgres://127.0.0.1:1/agenda", &s, &err), STORE_UNAVAILABLE);
    ck_assert_ptr_nonnull(err);
    ck_assert_ptr_null(strchr(err, '\n'));
    free(err);
    err = NULL;
    ck_assert_int_eq(store_open("postgresql://127.0.0.1/agenda?no_such_option=1", &s, &err),
                     STORE_ERROR);
    ck_assert_ptr_nonnull(err);
    free(err);
    ck_assert_str_eq(store_rc_name(STORE_CONFLICT), "conflict");
    ck_assert_str_eq(store_rc_name(STORE_OK), "ok");
}
END_TEST

/* ---- accounts --------------------------------------------------------- */

START_TEST(centers_round_trip_and_slugs_are_unique)
{
    center c = {.name = "Centre de Joris", .slug = "jorisvh", .timezone = "Europe/Brussels"};
    ck_assert_int_eq(store_center_create(st, &c), STORE_OK);
    center out;
    ck_assert_int_eq(store_center_get(st, c.id, A, &out), STORE_OK);
    ck_assert_int_eq(out.id, c.id);
    ck_assert_str_eq(out.name, "Centre de Joris");
    ck_assert_str_eq(out.slug, "jorisvh");
    ck_assert_str_eq(out.timezone, "Europe/Brussels");
    center dup = {.name = "Other", .slug = "jorisvh", .timezone = "UTC"};
    ck_assert_int_eq(store_center_create(st, &dup), STORE_CONFLICT);
    ck_assert_int_eq(store_center_get(st, c.id + 100, A, &out), STORE_NOT_FOUND);
}
END_TEST

START_TEST(calendars_round_trip_with_specialities)
{
    int64_t c = make_center("c");
    speciality sp1[] = {{.name = "surgeon_abdominal"}, {.name = "dentist"}};
    calendar k = {.center_id = c,
                  .first_name = "Joris",
                  .last_name = "Van Hecke",
                  .slug = "jorisvh",
                  .specialities = sp1,
                  .n_specialities = 2};
    ck_assert_int_eq(store_calendar_create(st, &k), STORE_OK);
    ck_assert_int_gt(k.id, 0);
    ck_assert_int_eq(k.slot_step, 15);
    ck_assert_int_gt(sp1[0].id, 0);
    ck_assert_int_gt(sp1[1].id, 0);
    ck_assert_int_ne(sp1[0].id, sp1[1].id);

    /* a second calendar sharing one speciality reuses its row */
    speciality sp2[] = {{.name = "dentist"}, {.name = "dentist"}};
    calendar k2 = {.center_id = c,
                   .first_name = "Ann",
                   .last_name = "Peeters",
                   .slug = "annp",
                   .slot_step = 20,
                   .specialities = sp2,
                   .n_specialities = 2};
    ck_assert_int_eq(store_calendar_create(st, &k2), STORE_OK);
    ck_assert_int_eq(sp2[0].id, sp1[1].id);

    calendar out;
    ck_assert_int_eq(store_calendar_get(st, k.id, A, &out), STORE_OK);
    ck_assert_int_eq(out.center_id, c);
    ck_assert_str_eq(out.first_name, "Joris");
    ck_assert_str_eq(out.last_name, "Van Hecke");
    ck_assert_str_eq(out.slug, "jorisvh");
    ck_assert_int_eq(out.slot_step, 15);
    ck_assert_uint_eq(out.n_specialities, 2);
    ck_assert_str_eq(out.specialities[0].name, "surgeon_abdominal");
    ck_assert_str_eq(out.specialities[1].name, "dentist");

    ck_assert_int_eq(store_calendar_get(st, k2.id, A, &out), STORE_OK);
    ck_assert_int_eq(out.slot_step, 20);
    ck_assert_uint_eq(out.n_specialities, 1);
    ck_assert_str_eq(out.specialities[0].name, "dentist");

    /* slug conflict and missing center leave nothing behind */
    speciality sp3[] = {{.name = "new_speciality"}};
    calendar dup = {.center_id = c,
                    .first_name = "X",
                    .last_name = "Y",
                    .slug = "jorisvh",
                    .specialities = sp3,
                    .n_specialities = 1};
    ck_assert_int_eq(store_calendar_create(st, &dup), STORE_CONFLICT);
    dup.slug = "fresh";
    dup.center_id = c + 100;
    ck_assert_int_eq(store_calendar_create(st, &dup), STORE_NOT_FOUND);
    ck_assert_int_eq(store_calendar_get(st, k.id + 100, A, &out), STORE_NOT_FOUND);
}
END_TEST

START_TEST(users_round_trip_and_emails_are_unique)
{
    user u = {.email = "joris@example.org"};
    memset(u.token_hash, 0xab, sizeof u.token_hash);
    ck_assert_int_eq(store_user_create(st, &u), STORE_OK);
    user out;
    ck_assert_int_eq(store_user_get_by_email(st, "joris@example.org", A, &out), STORE_OK);
    ck_assert_int_eq(out.id, u.id);
    ck_assert_str_eq(out.email, "joris@example.org");
    ck_assert_mem_eq(out.token_hash, u.token_hash, 32);
    ck_assert(!out.disabled);

    user dup = {.email = "joris@example.org"};
    ck_assert_int_eq(store_user_create(st, &dup), STORE_CONFLICT);
    ck_assert_int_eq(store_user_get_by_email(st, "nobody@example.org", A, &out), STORE_NOT_FOUND);

    ck_assert_int_eq(store_user_disable(st, u.id), STORE_OK);
    ck_assert_int_eq(store_user_get_by_email(st, "joris@example.org", A, &out), STORE_OK);
    ck_assert(out.disabled);

    unsigned char hash[32];
    memset(hash, 0x11, sizeof hash);
    ck_assert_int_eq(store_user_set_token(st, u.id, hash), STORE_OK);
    ck_assert_int_eq(store_user_get_by_email(st, "joris@example.org", A, &out), STORE_OK);
    ck_assert(!out.disabled);
    ck_assert_mem_eq(out.token_hash, hash, 32);

    ck_assert_int_eq(store_user_set_token(st, u.id + 100, hash), STORE_NOT_FOUND);
    ck_assert_int_eq(store_user_disable(st, u.id + 100), STORE_NOT_FOUND);
}
END_TEST

START_TEST(emails_are_case_insensitive)
{
    user u = {.email = "Joris.VH@Example.ORG"};
    memset(u.token_hash, 0xab, sizeof u.token_hash);
    ck_assert_int_eq(store_user_create(st, &u), STORE_OK);
    user out;
    static const char *const variants[] = {"joris.vh@example.org", "JORIS.VH@EXAMPLE.ORG",
                                           "Joris.VH@Example.ORG"};
    for (size_t i = 0; i < 3; i++) {
        ck_assert_int_eq(store_user_get_by_email(st, variants[i], A, &out), STORE_OK);
        ck_assert_int_eq(out.id, u.id);
        ck_assert_str_eq(out.email, "joris.vh@example.org"); /* stored folded */
    }
    user dup = {.email = "JORIS.vh@example.org"};
    ck_assert_int_eq(store_user_create(st, &dup), STORE_CONFLICT);
    /* only ASCII letters are folded */
    user accented = {.email = "\xc3\x89lise@example.org"};
    ck_assert_int_eq(store_user_create(st, &accented), STORE_OK);
    ck_assert_int_eq(store_user_get_by_email(st, "\xc3\xa9lise@example.org", A, &out),
                     STORE_NOT_FOUND);
    ck_assert_int_eq(store_user_get_by_email(st, "\xc3\x89LISE@EXAMPLE.ORG", A, &out), STORE_OK);
}
END_TEST

START_TEST(grants_decide_what_a_user_sees)
{
    int64_t c1 = make_center("c1"), c2 = make_center("c2"), c3 = make_center("c3");
    speciality sp[] = {{.name = "gp"}};
    calendar k1 = {.center_id = c1,
                   .first_name = "A",
                   .last_name = "A",
                   .slug = "k1",
                   .specialities = sp,
                   .n_specialities = 1};
    ck_assert_int_eq(store_calendar_create(st, &k1), STORE_OK);
    int64_t k2 = make_calendar(c2, "k2");
    int64_t k3 = make_calendar(c3, "k3");
    user u = {.email = "u@example.org"};
    ck_assert_int_eq(store_user_create(st, &u), STORE_OK);

    ck_assert_int_eq(store_grant_add(st, u.id, c1), STORE_OK);
    ck_assert_int_eq(store_grant_add(st, u.id, c1), STORE_OK); /* idempotent */
    ck_assert_int_eq(store_grant_add(st, u.id, c2), STORE_OK);
    ck_assert_int_eq(store_grant_add(st, u.id + 100, c1), STORE_NOT_FOUND);
    ck_assert_int_eq(store_grant_add(st, u.id, c3 + 100), STORE_NOT_FOUND);

    center *centers = NULL;
    size_t n = 0;
    ck_assert_int_eq(store_centers_for_user(st, u.id, A, &centers, &n), STORE_OK);
    ck_assert_uint_eq(n, 2);
    ck_assert_int_eq(centers[0].id, c1);
    ck_assert_int_eq(centers[1].id, c2);
    ck_assert_str_eq(centers[1].slug, "c2");

    calendar *cals = NULL;
    ck_assert_int_eq(store_calendars_for_user(st, u.id, A, &cals, &n), STORE_OK);
    ck_assert_uint_eq(n, 2);
    ck_assert_int_eq(cals[0].id, k1.id);
    ck_assert_uint_eq(cals[0].n_specialities, 1);
    ck_assert_str_eq(cals[0].specialities[0].name, "gp");
    ck_assert_int_eq(cals[1].id, k2);
    ck_assert_uint_eq(cals[1].n_specialities, 0);

    calendar k;
    ck_assert_int_eq(store_user_calendar(st, u.id, k1.id, A, &k), STORE_OK);
    ck_assert_str_eq(k.slug, "k1");
    ck_assert_uint_eq(k.n_specialities, 1);
    ck_assert_int_eq(store_user_calendar(st, u.id, k3, A, &k), STORE_NOT_FOUND);
    ck_assert_int_eq(store_user_calendar(st, u.id, k3 + 100, A, &k), STORE_NOT_FOUND);

    ck_assert_int_eq(store_grant_remove(st, u.id, c1), STORE_OK);
    ck_assert_int_eq(store_grant_remove(st, u.id, c1), STORE_NOT_FOUND);
    ck_assert_int_eq(store_centers_for_user(st, u.id, A, &centers, &n), STORE_OK);
    ck_assert_uint_eq(n, 1);
    ck_assert_int_eq(centers[0].id, c2);
    ck_assert_int_eq(store_user_calendar(st, u.id, k1.id, A, &k), STORE_NOT_FOUND);
    ck_assert_int_eq(store_calendars_for_user(st, u.id, A, &cals, &n), STORE_OK);
    ck_assert_uint_eq(n, 1);
}
END_TEST

/* ---- patients --------------------------------------------------------- */

START_TEST(patients_get_by_id_and_remote_id)
{
    int64_t c = make_center("c");
    patient p = new_patient(c, "698", 1000);
    p.address = "Rue Brederode, 16, 1000 Brussels";
    p.language_code = "fr";
    ck_assert_int_eq(store_patient_insert(st, &p), STORE_OK);
    ck_assert_int_gt(p.id, 0);

    patient out;
    object_ref by_id = {.id = p.id};
    ck_assert_int_eq(store_patient_get(st, c, &by_id, A, &out), STORE_OK);
    ck_assert_int_eq(out.id, p.id);
    ck_assert_int_eq(out.center_id, c);
    ck_assert_str_eq(out.remote_id, "698");
    ck_assert_str_eq(out.first_name, "Joris");
    ck_assert_str_eq(out.last_name, "Van Hecke");
    ck_assert_str_eq(out.email, "joris@example.org");
    ck_assert_str_eq(out.phone_number, "+32470000000");
    ck_assert_str_eq(out.birthdate, "1990-05-16");
    ck_assert_str_eq(out.address, "Rue Brederode, 16, 1000 Brussels");
    ck_assert_ptr_null(out.notes);
    ck_assert_str_eq(out.language_code, "fr");
    ck_assert(!out.deleted);
    ck_assert_int_eq(out.updated_at, 1000);

    object_ref by_remote = {.remote_id = "698"};
    ck_assert_int_eq(store_patient_get(st, c, &by_remote, A, &out), STORE_OK);
    ck_assert_int_eq(out.id, p.id);

    /* scoped to the center */
    int64_t other = make_center("other");
    ck_assert_int_eq(store_patient_get(st, other, &by_id, A, &out), STORE_NOT_FOUND);
    ck_assert_int_eq(store_patient_get(st, other, &by_remote, A, &out), STORE_NOT_FOUND);
    object_ref missing = {.remote_id = "nope"};
    ck_assert_int_eq(store_patient_get(st, c, &missing, A, &out), STORE_NOT_FOUND);

    /* platform-side patients have no remote_id, and several may exist */
    ck_assert_int_gt(add_patient(c, NULL, 1000), 0);
    ck_assert_int_gt(add_patient(c, NULL, 1000), 0);
}
END_TEST

START_TEST(patient_remote_ids_unique_among_live_rows)
{
    int64_t c = make_center("c"), c2 = make_center("c2");
    int64_t first = add_patient(c, "698", 1000);
    patient dup = new_patient(c, "698", 1001);
    ck_assert_int_eq(store_patient_insert(st, &dup), STORE_CONFLICT);
    /* another center may use the same remote_id */
    ck_assert_int_gt(add_patient(c2, "698", 1000), 0);

    ck_assert_int_eq(store_patient_delete(st, c, first, 2000), STORE_OK);
    ck_assert_int_eq(store_patient_delete(st, c, first, 2001), STORE_NOT_FOUND);
    object_ref by_id = {.id = first};
    patient out;
    ck_assert_int_eq(store_patient_get(st, c, &by_id, A, &out), STORE_NOT_FOUND);

    /* the deleted patient's remote_id is free again */
    int64_t second = add_patient(c, "698", 3000);
    ck_assert_int_ne(second, first);
    object_ref by_remote = {.remote_id = "698"};
    ck_assert_int_eq(store_patient_get(st, c, &by_remote, A, &out), STORE_OK);
    ck_assert_int_eq(out.id, second);
}
END_TEST

START_TEST(patient_update_and_delete)
{
    int64_t c = make_center("c");
    int64_t id = add_patient(c, "1", 1000);
    int64_t other = add_patient(c, "2", 1000);

    patient p = new_patient(c, "1b", 2000);
    p.id = id;
    p.email = NULL;
    p.notes = "allergic to penicillin";
    ck_assert_int_eq(store_patient_update(st, &p), STORE_OK);
    patient out;
    object_ref ref = {.id = id};
    ck_assert_int_eq(store_patient_get(st, c, &ref, A, &out), STORE_OK);
    ck_assert_str_eq(out.remote_id, "1b");
    ck_assert_ptr_null(out.email);
    ck_assert_str_eq(out.notes, "allergic to penicillin");
    ck_assert_int_eq(out.updated_at, 2000);

    /* remote_id clash with another live patient */
    p.remote_id = "2";
    ck_assert_int_eq(store_patient_update(st, &p), STORE_CONFLICT);
    /* unknown id, or another center's */
    p.remote_id = "1b";
    p.id = other + 100;
    ck_assert_int_eq(store_patient_update(st, &p), STORE_NOT_FOUND);
    p.id = id;
    p.center_id = c + 100;
    ck_assert_int_eq(store_patient_update(st, &p), STORE_NOT_FOUND);
    ck_assert_int_eq(store_patient_delete(st, c + 100, id, 3000), STORE_NOT_FOUND);
    /* deleted rows cannot be updated */
    p.center_id = c;
    ck_assert_int_eq(store_patient_delete(st, c, id, 3000), STORE_OK);
    ck_assert_int_eq(store_patient_update(st, &p), STORE_NOT_FOUND);
    ck_assert_int_eq(store_patient_delete(st, c, id + 100, 3000), STORE_NOT_FOUND);
}
END_TEST

START_TEST(patient_lists_page_and_count)
{
    int64_t c = make_center("c"), c2 = make_center("c2");
    ck_assert_int_eq(store_begin(st), STORE_OK);
    for (int i = 0; i < 2500; i++) {
        char remote[16];
        snprintf(remote, sizeof remote, "r%d", i);
        patient p = new_patient(c, remote, 1000);
        ck_assert_int_eq(store_patient_insert(st, &p), STORE_OK);
    }
    add_patient(c2, "elsewhere", 1000);
    ck_assert_int_eq(store_commit(st), STORE_OK);

    patient *rows = NULL;
    size_t n = 0;
    int64_t total = 0;
    list_query all = {0};
    ck_assert_int_eq(store_patient_list(st, c, &all, A, &rows, &n, &total), STORE_OK);
    ck_assert_uint_eq(n, 2500);
    ck_assert_int_eq(total, 2500);
    for (size_t i = 1; i < n; i++)
        ck_assert_int_lt(rows[i - 1].id, rows[i].id);
    ck_assert_str_eq(rows[0].remote_id, "r0");
    ck_assert_str_eq(rows[2499].remote_id, "r2499");

    list_query q = {.page = 1, .per_page = 1000};
    ck_assert_int_eq(store_patient_list(st, c, &q, A, &rows, &n, &total), STORE_OK);
    ck_assert_uint_eq(n, 1000);
    ck_assert_int_eq(total, 2500);
    ck_assert_str_eq(rows[0].remote_id, "r0");
    q.page = 3;
    ck_assert_int_eq(store_patient_list(st, c, &q, A, &rows, &n, &total), STORE_OK);
    ck_assert_uint_eq(n, 500);
    ck_assert_int_eq(total, 2500);
    ck_assert_str_eq(rows[0].remote_id, "r2000");
    ck_assert_str_eq(rows[499].remote_id, "r2499");
    q.page = 4;
    ck_assert_int_eq(store_patient_list(st, c, &q, A, &rows, &n, &total), STORE_OK);
    ck_assert_uint_eq(n, 0);
    ck_assert_int_eq(total, 2500);
    q.page = INT64_MAX; /* absurd pages are empty, not an overflow */
    ck_assert_int_eq(store_patient_list(st, c, &q, A, &rows, &n, &total), STORE_OK);
    ck_assert_uint_eq(n, 0);

    /* later: 10 updates and 5 deletions */
    object_ref ref = {.remote_id = "r10"};
    patient p;
    ck_assert_int_eq(store_patient_get(st, c, &ref, A, &p), STORE_OK);
    for (int i = 0; i < 10; i++) {
        p.id += 1;
        p.remote_id = arena_printf(A, "r%d", 10 + i + 1);
        p.updated_at = 5000;
        ck_assert_int_eq(store_patient_update(st, &p), STORE_OK);
    }
    for (int i = 0; i < 5; i++)
        ck_assert_int_eq(store_patient_delete(st, c, p.id - i, 6000), STORE_OK);

    ck_assert_int_eq(store_patient_list(st, c, &all, A, &rows, &n, &total), STORE_OK);
    ck_assert_int_eq(total, 2495);
    for (size_t i = 0; i < n; i++)
        ck_assert(!rows[i].deleted);

    list_query since = {.has_since = true, .since = 5000};
    ck_assert_int_eq(store_patient_list(st, c, &since, A, &rows, &n, &total), STORE_OK);
    ck_assert_uint_eq(n, 10);
    ck_assert_int_eq(total, 10);
    int deleted = 0;
    for (size_t i = 0; i < n; i++) {
        deleted += rows[i].deleted;
        ck_assert_int_ge(rows[i].updated_at, 5000);
        if (i)
            ck_assert_int_lt(rows[i - 1].id, rows[i].id);
    }
    ck_assert_int_eq(deleted, 5);
    since.since = 6000; /* inclusive */
    since.page = 1;
    since.per_page = 3;
    ck_assert_int_eq(store_patient_list(st, c, &since, A, &rows, &n, &total), STORE_OK);
    ck_assert_uint_eq(n, 3);
    ck_assert_int_eq(total, 5);
    ck_assert(rows[0].deleted);
    since.since = 6001;
    ck_assert_int_eq(store_patient_list(st, c, &since, A, &rows, &n, &total), STORE_OK);
    ck_assert_uint_eq(n, 0);
    ck_assert_int_eq(total, 0);
}
END_TEST

/* ---- services --------------------------------------------------------- */

START_TEST(services_round_trip)
{
    int64_t k = make_calendar(make_center("c"), "k");
    int64_t k2 = make_calendar(make_center("c2"), "k2");
    service s = {.calendar_id = k,
                 .remote_id = "abc",
                 .name = "Long appointment",
                 .duration = 60,
                 .color = "#FF0000",
                 .updated_at = 1000};
    ck_assert_int_eq(store_service_insert(st, &s), STORE_OK);
    service s2 = {
        .calendar_id = k, .remote_id = "xyz", .name = "Short", .duration = 30, .updated_at = 1000};
    ck_assert_int_eq(store_service_insert(st, &s2), STORE_OK);
    service dup = s2;
    ck_assert_int_eq(store_service_insert(st, &dup), STORE_CONFLICT);
    dup.calendar_id = k2;
    ck_assert_int_eq(store_service_insert(st, &dup), STORE_OK);

    service out;
    object_ref ref = {.remote_id = "abc"};
    ck_assert_int_eq(store_service_get(st, k, &ref, A, &out), STORE_OK);
    ck_assert_int_eq(out.id, s.id);
    ck_assert_str_eq(out.name, "Long appointment");
    ck_assert_int_eq(out.duration, 60);
    ck_assert_str_eq(out.color, "#FF0000");
    ref = (object_ref){.id = s2.id};
    ck_assert_int_eq(store_service_get(st, k, &ref, A, &out), STORE_OK);
    ck_assert_ptr_null(out.color);
    ck_assert_int_eq(store_service_get(st, k2, &ref, A, &out), STORE_NOT_FOUND);

    s2.duration = 45;
    s2.color = "#00ff00";
    ck_assert_int_eq(store_service_update(st, &s2), STORE_OK);
    s2.remote_id = "abc";
    ck_assert_int_eq(store_service_update(st, &s2), STORE_CONFLICT);
    s2.id += 100;
    ck_assert_int_eq(store_service_update(st, &s2), STORE_NOT_FOUND);

    service *rows = NULL;
    size_t n = 0;
    ck_assert_int_eq(store_service_list(st, k, A, &rows, &n), STORE_OK);
    ck_assert_uint_eq(n, 2);
    ck_assert_int_eq(rows[0].id, s.id);
    ck_assert_int_eq(rows[1].duration, 45);
    ck_assert_str_eq(rows[1].color, "#00ff00");
}
END_TEST

/* ---- appointments ----------------------------------------------------- */

START_TEST(appointment_round_trip_and_joins)
{
    int64_t c = make_center("c");
    int64_t k = make_calendar(c, "k");
    int64_t pid = add_patient(c, "104", 1000);
    service sv = {.calendar_id = k,
                  .remote_id = "xyz",
                  .name = "Consult",
                  .duration = 20,
                  .color = "#101010",
                  .updated_at = 1000};
    ck_assert_int_eq(store_service_insert(st, &sv), STORE_OK);

    appointment ap = new_appt(k, "8401", 1417682400, 1417683600);
    ap.notes = "bring X-rays";
    ap.color = "#abcdef";
    ap.title = "Consult";
    ap.patient_id = pid;
    ap.service_id = sv.id;
    ap.has_arrived = true;
    ap.patient_arrived_at = 1417682300;
    ck_assert_int_eq(store_appointment_insert(st, &ap), STORE_OK);

    appointment out = get_appt(k, "8401");
    ck_assert_int_eq(out.id, ap.id);
    ck_assert_int_eq(out.calendar_id, k);
    ck_assert_int_eq(out.start, 1417682400);
    ck_assert_int_eq(out.stop, 1417683600);
    ck_assert_str_eq(out.notes, "bring X-rays");
    ck_assert_str_eq(out.color, "#abcdef");
    ck_assert_str_eq(out.title, "Consult");
    ck_assert_int_eq(out.status, APPT_BOOKED);
    ck_assert_int_eq(out.patient_id, pid);
    ck_assert_int_eq(out.service_id, sv.id);
    ck_assert(out.has_arrived);
    ck_assert_int_eq(out.patient_arrived_at, 1417682300);
    ck_assert(!out.deleted);
    ck_assert_int_eq(out.updated_at, 1000);
    ck_assert_str_eq(out.patient_remote_id, "104");
    ck_assert_str_eq(out.service_remote_id, "xyz");
    ck_assert_str_eq(out.service_color, "#101010");
    ck_assert(!out.warning);

    object_ref by_id = {.id = ap.id};
    ck_assert_int_eq(store_appointment_get(st, k, &by_id, A, &out), STORE_OK);
    ck_assert_str_eq(out.remote_id, "8401");

    /* without patient or service the joined fields are NULL */
    out.patient_id = 0;
    out.service_id = 0;
    out.has_arrived = false;
    out.status = APPT_NOSHOW;
    out.notes = NULL;
    out.updated_at = 2000;
    ck_assert_int_eq(store_appointment_update(st, &out), STORE_OK);
    out = get_appt(k, "8401");
    ck_assert_int_eq(out.patient_id, 0);
    ck_assert_ptr_null(out.patient_remote_id);
    ck_assert_ptr_null(out.service_remote_id);
    ck_assert_ptr_null(out.service_color);
    ck_assert_ptr_null(out.notes);
    ck_assert(!out.has_arrived);
    ck_assert_int_eq(out.status, APPT_NOSHOW);
    ck_assert_int_eq(out.updated_at, 2000);

    /* another center's patient, another calendar's service: refused */
    int64_t c2 = make_center("c2");
    int64_t k2 = make_calendar(c2, "k2");
    int64_t foreign = add_patient(c2, "104", 1000);
    appointment bad = new_appt(k, "bad", 0, 10);
    bad.patient_id = foreign;
    ck_assert_int_eq(store_appointment_insert(st, &bad), STORE_NOT_FOUND);
    bad.patient_id = 0;
    bad.service_id = sv.id;
    bad.calendar_id = k2;
    ck_assert_int_eq(store_appointment_insert(st, &bad), STORE_NOT_FOUND);
    bad.service_id = 0;
    bad.calendar_id = k2 + 100;
    ck_assert_int_eq(store_appointment_insert(st, &bad), STORE_NOT_FOUND);
}
END_TEST

START_TEST(appointment_remote_ids_update_and_delete)
{
    int64_t k = make_calendar(make_center("c"), "k");
    int64_t k2 = make_calendar(make_center("c2"), "k2");
    int64_t a1 = add_appt(k, "1", 100, 200, APPT_BOOKED);
    add_appt(k, "2", 300, 400, APPT_BOOKED);
    appointment dup = new_appt(k, "1", 500, 600);
    ck_assert_int_eq(store_appointment_insert(st, &dup), STORE_CONFLICT);
    dup.calendar_id = k2;
    ck_assert_int_eq(store_appointment_insert(st, &dup), STORE_OK);

    appointment ap = get_appt(k, "1");
    ap.remote_id = "2";
    ck_assert_int_eq(store_appointment_update(st, &ap), STORE_CONFLICT);
    ap.remote_id = "1";
    ap.calendar_id = k2;
    ck_assert_int_eq(store_appointment_update(st, &ap), STORE_NOT_FOUND);
    ap.calendar_id = k;

    ck_assert_int_eq(store_appointment_delete(st, k2, a1, 900), STORE_NOT_FOUND);
    ck_assert_int_eq(store_appointment_delete(st, k, a1, 900), STORE_OK);
    ck_assert_int_eq(store_appointment_delete(st, k, a1, 901), STORE_NOT_FOUND);
    ck_assert_int_eq(store_appointment_update(st, &ap), STORE_NOT_FOUND);
    object_ref ref = {.remote_id = "1"};
    appointment out;
    ck_assert_int_eq(store_appointment_get(st, k, &ref, A, &out), STORE_NOT_FOUND);
    /* the remote_id is free again */
    int64_t again = add_appt(k, "1", 100, 200, APPT_BOOKED);
    ck_assert_int_ne(again, a1);
    ck_assert_int_eq(get_appt(k, "1").id, again);
}
END_TEST

START_TEST(appointment_windows_are_half_open)
{
    int64_t k = make_calendar(make_center("c"), "k");
    add_appt(k, "a", 100, 200, APPT_BOOKED);
    ck_assert_str_eq(window(k, 200, 300), ""); /* starts where it ends */
    ck_assert_str_eq(window(k, 0, 100), "");   /* ends where it starts */
    ck_assert_str_eq(window(k, 199, 200), "a");
    ck_assert_str_eq(window(k, 0, 101), "a");
    ck_assert_str_eq(window(k, 150, 160), "a"); /* inside */
    ck_assert_str_eq(window(k, 0, 1000), "a");  /* around */

    /* a very long appointment far before the window still overlaps it */
    add_appt(k, "long", -100000, 1000000, APPT_CANCELLED);
    add_appt(k, "b", 150, 170, APPT_BOOKED);
    add_appt(k, "c", 5000, 5100, APPT_BOOKED);
    ck_assert_str_eq(window(k, 5050, 5060), "long,c");
    ck_assert_str_eq(window(k, 160, 161), "long,a,b");
    ck_assert_str_eq(window(k, 2000000, 3000000), "");

    /* open-ended windows */
    list_query from = {.has_start = true, .start = 180};
    appointment *rows = NULL;
    size_t n = 0;
    int64_t total = 0;
    ck_assert_int_eq(store_appointment_list(st, k, &from, A, &rows, &n, &total), STORE_OK);
    ck_assert_int_eq(total, 3); /* long, a, c */
    ck_assert_str_eq(rows[0].remote_id, "long");
    list_query until = {.has_stop = true, .stop = 150};
    ck_assert_int_eq(store_appointment_list(st, k, &until, A, &rows, &n, &total), STORE_OK);
    ck_assert_int_eq(total, 2); /* long, a */
    list_query every = {0};
    ck_assert_int_eq(store_appointment_list(st, k, &every, A, &rows, &n, &total), STORE_OK);
    ck_assert_int_eq(total, 4);
    /* sorted by start, then id */
    ck_assert_str_eq(rows[0].remote_id, "long");
    ck_assert_str_eq(rows[1].remote_id, "a");
    ck_assert_str_eq(rows[2].remote_id, "b");
    ck_assert_str_eq(rows[3].remote_id, "c");
    list_query page = {.page = 2, .per_page = 3};
    ck_assert_int_eq(store_appointment_list(st, k, &page, A, &rows, &n, &total), STORE_OK);
    ck_assert_uint_eq(n, 1);
    ck_assert_int_eq(total, 4);
    ck_assert_str_eq(rows[0].remote_id, "c");
}
END_TEST

START_TEST(appointment_windows_after_moves_and_since)
{
    int64_t k = make_calendar(make_center("c"), "k");
    /* a long appointment shortened and moved keeps the bound conservative */
    add_appt(k, "x", 0, 100000, APPT_BOOKED);
    appointment x = get_appt(k, "x");
    x.start = 90000;
    x.stop = 90100;
    x.updated_at = 2000;
    ck_assert_int_eq(store_appointment_update(st, &x), STORE_OK);
    ck_assert_str_eq(window(k, 50, 60), "");
    ck_assert_str_eq(window(k, 90050, 90060), "x");
    /* an update that lengthens an appointment raises the bound */
    x.start = 10;
    x.stop = 500000;
    ck_assert_int_eq(store_appointment_update(st, &x), STORE_OK);
    ck_assert_str_eq(window(k, 400000, 400001), "x");

    add_appt(k, "y", 1000, 2000, APPT_BOOKED);
    appointment y = get_appt(k, "y");
    ck_assert_int_eq(store_appointment_delete(st, k, y.id, 3000), STORE_OK);
    ck_assert_str_eq(window(k, 1500, 1600), "x");

    /* since lists include tombstones, within the window */
    list_query q = {.has_since = true,
                    .since = 2000,
                    .has_start = true,
                    .start = 1500,
                    .has_stop = true,
                    .stop = 1600};
    appointment *rows = NULL;
    size_t n = 0;
    int64_t total = 0;
    ck_assert_int_eq(store_appointment_list(st, k, &q, A, &rows, &n, &total), STORE_OK);
    ck_assert_uint_eq(n, 2);
    ck_assert_int_eq(total, 2);
    ck_assert_str_eq(rows[0].remote_id, "x");
    ck_assert(!rows[0].deleted);
    ck_assert_str_eq(rows[1].remote_id, "y");
    ck_assert(rows[1].deleted);
    ck_assert(!rows[1].warning);         /* tombstones never warn */
    ck_assert(rows[0].warning == false); /* y is deleted */
    /* deleting y at 3000 changed x's warning, so x was touched then too */
    q.since = 3000;
    ck_assert_int_eq(store_appointment_list(st, k, &q, A, &rows, &n, &total), STORE_OK);
    ck_assert_uint_eq(n, 2);
    ck_assert_str_eq(rows[0].remote_id, "x");
    ck_assert_str_eq(rows[1].remote_id, "y");

    /* the pollers' query: since, no window, still sorted by start */
    add_appt(k, "early", -500, -400, APPT_BOOKED);
    list_query poll = {.has_since = true, .since = 1000};
    ck_assert_int_eq(store_appointment_list(st, k, &poll, A, &rows, &n, &total), STORE_OK);
    ck_assert_uint_eq(n, 3);
    ck_assert_int_eq(total, 3);
    ck_assert_str_eq(rows[0].remote_id, "early");
    ck_assert_str_eq(rows[1].remote_id, "x");
    ck_assert_str_eq(rows[2].remote_id, "y");
    ck_assert(rows[2].deleted);
    poll.since = 2000;
    poll.page = 2;
    poll.per_page = 1;
    ck_assert_int_eq(store_appointment_list(st, k, &poll, A, &rows, &n, &total), STORE_OK);
    ck_assert_uint_eq(n, 1);
    ck_assert_int_eq(total, 2);
    ck_assert_str_eq(rows[0].remote_id, "y");
    q.since = 3001;
    ck_assert_int_eq(store_appointment_list(st, k, &q, A, &rows, &n, &total), STORE_OK);
    ck_assert_uint_eq(n, 0);
    ck_assert_int_eq(total, 0);
}
END_TEST

START_TEST(appointment_warnings)
{
    int64_t c = make_center("c");
    int64_t k = make_calendar(c, "k");
    int64_t k2 = make_calendar(c, "k2");

    /* two booked appointments overlapping: both warn */
    add_appt(k, "a", 100, 200, APPT_BOOKED);
    add_appt(k, "b", 150, 250, APPT_BOOKED);
    ck_assert(get_appt(k, "a").warning);
    ck_assert(get_appt(k, "b").warning);

    /* touching end to start: no warning */
    add_appt(k, "c", 1000, 1100, APPT_BOOKED);
    add_appt(k, "d", 1100, 1200, APPT_BOOKED);
    ck_assert(!get_appt(k, "c").warning);
    ck_assert(!get_appt(k, "d").warning);

    /* a cancelled appointment neither causes nor shows a warning */
    add_appt(k, "e", 2000, 2100, APPT_BOOKED);
    add_appt(k, "f", 2050, 2150, APPT_CANCELLED);
    ck_assert(!get_appt(k, "e").warning);
    ck_assert(!get_appt(k, "f").warning);

    /* a no-show takes its time, as in the suggestions: both sides warn */
    add_appt(k, "g", 3000, 3100, APPT_BOOKED);
    add_appt(k, "h", 3000, 3100, APPT_NOSHOW);
    ck_assert(get_appt(k, "g").warning);
    ck_assert(get_appt(k, "h").warning);
    add_appt(k, "h2", 3200, 3300, APPT_NOSHOW);
    add_appt(k, "h3", 3250, 3350, APPT_NOSHOW);
    ck_assert(get_appt(k, "h2").warning);
    ck_assert(get_appt(k, "h3").warning);

    /* a deleted neighbour does not count */
    add_appt(k, "i", 4000, 4100, APPT_BOOKED);
    int64_t j = add_appt(k, "j", 4050, 4060, APPT_BOOKED);
    ck_assert(get_appt(k, "i").warning);
    ck_assert_int_eq(store_appointment_delete(st, k, j, 5000), STORE_OK);
    ck_assert(!get_appt(k, "i").warning);

    /* another calendar's appointments do not count */
    add_appt(k2, "a", 100, 200, APPT_BOOKED);
    add_appt(k2, "z", 5000, 6000, APPT_BOOKED);
    ck_assert(!get_appt(k2, "a").warning);

    /* a long booked appointment starting well before still conflicts */
    add_appt(k2, "long", -50000, 5500, APPT_BOOKED);
    ck_assert(get_appt(k2, "z").warning);
    ck_assert(get_appt(k2, "a").warning);

    /* the list computes the same flags */
    list_query q = {.has_start = true, .start = 0, .has_stop = true, .stop = 3000};
    appointment *rows = NULL;
    size_t n = 0;
    int64_t total = 0;
    ck_assert_int_eq(store_appointment_list(st, k, &q, A, &rows, &n, &total), STORE_OK);
    ck_assert_uint_eq(n, 6);
    const char *expect_ids = "a,b,c,d,e,f";
    const bool expect_warn[] = {true, true, false, false, false, false};
    char *ids = arena_strdup(A, "");
    for (size_t i = 0; i < n; i++) {
        ids = arena_printf(A, "%s%s%s", ids, i ? "," : "", rows[i].remote_id);
        ck_assert_msg(rows[i].warning == expect_warn[i], "warning of %s", rows[i].remote_id);
    }
    ck_assert_str_eq(ids, expect_ids);
}
END_TEST

/* ---- transactions ----------------------------------------------------- */

START_TEST(rollback_leaves_nothing)
{
    int64_t c = make_center("c");
    int64_t k = make_calendar(c, "k");
    ck_assert_int_eq(store_begin(st), STORE_OK);
    ck_assert_int_eq(store_begin(st), STORE_ERROR); /* no nesting */
    int64_t pid = add_patient(c, "p", 1000);
    appointment ap = new_appt(k, "a", 100, 1000000);
    ap.patient_id = pid;
    ck_assert_int_eq(store_appointment_insert(st, &ap), STORE_OK);
    /* a failed call inside the transaction leaves the earlier work intact */
    patient dup = new_patient(c, "p", 1000);
    ck_assert_int_eq(store_patient_insert(st, &dup), STORE_CONFLICT);
    appointment dup_ap = new_appt(k, "a", 0, 10);
    ck_assert_int_eq(store_appointment_insert(st, &dup_ap), STORE_CONFLICT);
    ck_assert_str_eq(window(k, 0, 2000000), "a");
    store_rollback(st);

    patient *pats = NULL;
    size_t n = 0;
    int64_t total = -1;
    list_query all = {0};
    ck_assert_int_eq(store_patient_list(st, c, &all, A, &pats, &n, &total), STORE_OK);
    ck_assert_int_eq(total, 0);
    ck_assert_str_eq(window(k, INT64_MIN / 2, INT64_MAX / 2), "");
    ck_assert_int_eq(store_commit(st), STORE_ERROR); /* nothing to commit */
    store_rollback(st);                              /* harmless */

    /* and a committed transaction keeps everything */
    ck_assert_int_eq(store_begin(st), STORE_OK);
    add_patient(c, "p", 1000);
    add_appt(k, "a", 100, 200, APPT_BOOKED);
    ck_assert_int_eq(store_commit(st), STORE_OK);
    ck_assert_int_eq(store_patient_list(st, c, &all, A, &pats, &n, &total), STORE_OK);
    ck_assert_int_eq(total, 1);
    ck_assert_str_eq(window(k, 0, 1000), "a");
}
END_TEST

typedef struct writer {
    int64_t center_id;
    int64_t calendar_id;
    int number;
    int failures;
} writer;

#define WRITES 60

/* Writes entries first .. first + n - 1 of writer w: a patient and its
 * appointment each.  In a transaction when `batch`: a lost race
 * (STORE_RETRY) then ends it and is returned, for the caller to run the
 * whole batch again; otherwise each call that loses a race runs again
 * alone, as the API would run its request again. */
static store_rc write_entries(store *mine, const writer *w, int first, int n, bool batch)
{
    store_rc rc = batch ? store_begin(mine) : STORE_OK;
    for (int i = first; rc == STORE_OK && i < first + n; i++) {
        char remote[32];
        snprintf(remote, sizeof remote, "w%d-%d", w->number, i);
        patient p = new_patient(w->center_id, remote, 1000);
        int tries = batch ? 1 : 20;
        rc = STORE_RETRY;
        for (int t = 0; t < tries && rc == STORE_RETRY; t++)
            rc = store_patient_insert(mine, &p);
        appointment ap = new_appt(w->calendar_id, remote, i * 100, i * 100 + 50);
        ap.patient_id = p.id;
        if (rc == STORE_OK) {
            rc = STORE_RETRY;
            for (int t = 0; t < tries && rc == STORE_RETRY; t++)
                rc = store_appointment_insert(mine, &ap);
        }
    }
    if (batch && rc == STORE_OK)
        rc = store_commit(mine);
    if (rc != STORE_OK)
        store_rollback(mine);
    return rc;
}

/* Opens its own connection and writes patients and appointments, half
 * singly, half in transactions of five (run again when they lose a race). */
static void *write_many(void *arg)
{
    writer *w = arg;
    store *mine = NULL;
    if (store_open(path, &mine, NULL) != STORE_OK) {
        w->failures++;
        return NULL;
    }
    for (int i = 0; i < WRITES;) {
        bool batch = i >= WRITES / 2;
        int n = batch ? 5 : 1;
        store_rc rc = STORE_RETRY;
        for (int attempt = 0; attempt < 20 && rc == STORE_RETRY; attempt++)
            rc = write_entries(mine, w, i, n, batch);
        if (rc != STORE_OK) {
            fprintf(stderr, "writer %d, entry %d: %s\n", w->number, i, store_rc_name(rc));
            w->failures++;
        }
        i += n;
    }
    store_close(mine);
    return NULL;
}

START_TEST(two_connections_write_concurrently)
{
    int64_t c = make_center("c");
    int64_t k = make_calendar(c, "k");
    writer w[2] = {{c, k, 0, 0}, {c, k, 1, 0}};
    pthread_t t[2];
    for (int i = 0; i < 2; i++)
        ck_assert_int_eq(pthread_create(&t[i], NULL, write_many, &w[i]), 0);
    for (int i = 0; i < 2; i++)
        ck_assert_int_eq(pthread_join(t[i], NULL), 0);
    ck_assert_int_eq(w[0].failures, 0);
    ck_assert_int_eq(w[1].failures, 0);

    patient *pats = NULL;
    appointment *appts = NULL;
    size_t n = 0;
    int64_t total = 0;
    list_query all = {0};
    ck_assert_int_eq(store_patient_list(st, c, &all, A, &pats, &n, &total), STORE_OK);
    ck_assert_int_eq(total, 2 * WRITES);
    ck_assert_int_eq(store_appointment_list(st, k, &all, A, &appts, &n, &total), STORE_OK);
    ck_assert_int_eq(total, 2 * WRITES);
    /* each writer's slots coincide with the other's: every one warns */
    for (size_t i = 0; i < n; i++) {
        ck_assert(appts[i].warning);
        ck_assert_str_eq(appts[i].patient_remote_id, appts[i].remote_id);
    }
}
END_TEST

/* ---- PostgreSQL only ---------------------------------------------------- */

/* Opens a second connection to the test's database. */
static store *open_other(void)
{
    store *other = NULL;
    ck_assert_int_eq(store_open(path, &other, NULL), STORE_OK);
    return other;
}

typedef struct begin_waiter {
    store *other;
    atomic_bool first_done; /* set just before the first one commits */
    bool began_after;       /* the other's begin returned after that */
    store_rc rc;
} begin_waiter;

/* Begins a write transaction on w->other and notes whether that happened
 * only once the first transaction was done. */
static void *begin_and_note(void *arg)
{
    begin_waiter *w = arg;
    w->rc = store_begin(w->other);
    w->began_after = atomic_load(&w->first_done);
    return NULL;
}

START_TEST(pg_serialization_failures_are_retry)
{
    int64_t c = make_center("c");
    int64_t id = add_patient(c, "p", 1000);
    store *other = open_other();

    /* read-merge-write: the row changed since this transaction read it */
    ck_assert_int_eq(store_begin(st), STORE_OK);
    patient mine;
    object_ref ref = {.id = id};
    ck_assert_int_eq(store_patient_get(st, c, &ref, A, &mine), STORE_OK);
    patient theirs = mine;
    theirs.first_name = "Theirs";
    theirs.updated_at = 2000;
    ck_assert_int_eq(store_patient_update(other, &theirs), STORE_OK);
    mine.first_name = "Mine";
    mine.updated_at = 2000;
    ck_assert_int_eq(store_patient_update(st, &mine), STORE_RETRY);
    store_rollback(st);
    /* run again from the start, it reads the new row and wins; it runs
     * alone: another connection's write transaction waits for its end */
    ck_assert_int_eq(store_begin(st), STORE_OK);
    begin_waiter w = {.other = other};
    pthread_t t;
    ck_assert_int_eq(pthread_create(&t, NULL, begin_and_note, &w), 0);
    ck_assert_int_eq(store_patient_get(st, c, &ref, A, &mine), STORE_OK);
    ck_assert_str_eq(mine.first_name, "Theirs");
    mine.last_name = "Merged";
    ck_assert_int_eq(store_patient_update(st, &mine), STORE_OK);
    usleep(300 * 1000);
    atomic_store(&w.first_done, true);
    ck_assert_int_eq(store_commit(st), STORE_OK);
    ck_assert_int_eq(pthread_join(t, NULL), 0);
    ck_assert_int_eq(w.rc, STORE_OK);
    ck_assert(w.began_after); /* it waited */
    store_rollback(other);

    /* write skew: each reads the list, then adds to it */
    patient *rows = NULL;
    size_t n = 0;
    int64_t total = 0;
    list_query all = {0};
    ck_assert_int_eq(store_begin(st), STORE_OK);
    ck_assert_int_eq(store_begin(other), STORE_OK);
    ck_assert_int_eq(store_patient_list(st, c, &all, A, &rows, &n, &total), STORE_OK);
    ck_assert_int_eq(store_patient_list(other, c, &all, A, &rows, &n, &total), STORE_OK);
    add_patient(c, "a", 3000);
    patient b = new_patient(c, "b", 3000);
    store_rc rc = store_patient_insert(other, &b);
    ck_assert_int_eq(store_commit(st), STORE_OK);
    if (rc == STORE_OK)
        rc = store_commit(other);
    else /* failed inside: the transaction cannot be committed, only rolled back */
        ck_assert_int_eq(store_commit(other), STORE_ERROR);
    ck_assert_int_eq(rc, STORE_RETRY);
    store_rollback(other);
    ck_assert_int_eq(store_patient_list(st, c, &all, A, &rows, &n, &total), STORE_OK);
    ck_assert_int_eq(total, 2); /* p and a */
    store_close(other);
}
END_TEST

START_TEST(pg_a_failed_transaction_cannot_commit)
{
    int64_t c = make_center("c");
    int64_t k = make_calendar(c, "k");
    ck_assert_int_eq(store_begin(st), STORE_OK);
    add_patient(c, "p", 1000);
    /* an unexpected failure (a CHECK constraint) aborts the transaction */
    service bad = {.calendar_id = k, .remote_id = "s", .name = "Bad", .updated_at = 1000};
    ck_assert_int_eq(store_service_insert(st, &bad), STORE_ERROR);
    /* PostgreSQL would answer COMMIT with a rollback: refused, not "done" */
    ck_assert_int_eq(store_commit(st), STORE_ERROR);
    store_rollback(st);
    object_ref ref = {.remote_id = "p"};
    patient p;
    ck_assert_int_eq(store_patient_get(st, c, &ref, A, &p), STORE_NOT_FOUND);
    /* and the store goes on */
    add_patient(c, "p", 2000);
    ck_assert_int_eq(store_patient_get(st, c, &ref, A, &p), STORE_OK);
}
END_TEST

/* While set, libpq's PQunescapeBytea, which the PostgreSQL driver calls to
 * read a bytea, fails as it does when out of memory.  The driver is linked
 * into this program, so it calls this definition; the real one is found
 * with RTLD_NEXT. */
static atomic_bool unescape_fails;

unsigned char *PQunescapeBytea(const unsigned char *strtext, size_t *retbuflen)
{
    unsigned char *(*real)(const unsigned char *, size_t *) = NULL;
    if (atomic_load(&unescape_fails))
        return NULL;
    *(void **)&real = dlsym(RTLD_NEXT, "PQunescapeBytea");
    return real ? real(strtext, retbuflen) : NULL;
}

/* A bytea the driver cannot hold is an error of its own, logged as out of
 * memory, not read as SQL NULL (which the token hash check would log as a
 * malformed hash). */
START_TEST(pg_a_blob_out_of_memory_is_not_a_malformed_hash)
{
    user u = {.email = "oom@example.org"};
    memset(u.token_hash, 0x5a, sizeof u.token_hash);
    ck_assert_int_eq(store_user_create(st, &u), STORE_OK);
    FILE *log = tmpfile();
    ck_assert_ptr_nonnull(log);
    fflush(stderr);
    int saved = dup(STDERR_FILENO);
    ck_assert_int_ge(dup2(fileno(log), STDERR_FILENO), 0);
    atomic_store(&unescape_fails, true);
    user out;
    store_rc rc = store_user_get_by_email(st, "oom@example.org", A, &out);
    atomic_store(&unescape_fails, false);
    fflush(stderr);
    dup2(saved, STDERR_FILENO);
    close(saved);
    char text[512] = {0};
    rewind(log);
    size_t n = fread(text, 1, sizeof text - 1, log);
    fclose(log);
    text[n] = '\0';
    ck_assert_int_eq(rc, STORE_ERROR);
    ck_assert_msg(strstr(text, "out of memory") && !strstr(text, "malformed"), "logged: %s", text);
    /* and the next read is whole again */
    ck_assert_int_eq(store_user_get_by_email(st, "oom@example.org", A, &out), STORE_OK);
    ck_assert_mem_eq(out.token_hash, u.token_hash, sizeof u.token_hash);
}
END_TEST

typedef struct inserter {
    int64_t center_id;
    const char *remote_id;
    bool in_transaction;
    store_rc rc;
} inserter;

/* Inserts a patient from a connection of its own (in a transaction of its
 * own when asked); the outcome goes to ins->rc. */
static void *insert_from_another_connection(void *arg)
{
    inserter *ins = arg;
    store *other = NULL;
    ins->rc = store_open(path, &other, NULL);
    if (ins->rc == STORE_OK && ins->in_transaction)
        ins->rc = store_begin(other);
    patient p = new_patient(ins->center_id, ins->remote_id, 1000);
    if (ins->rc == STORE_OK)
        ins->rc = store_patient_insert(other, &p);
    if (ins->rc == STORE_OK && ins->in_transaction)
        ins->rc = store_commit(other);
    store_close(other);
    return NULL;
}

/* Starts an insert of remote_id from another connection while this one's
 * transaction holds an uncommitted insert of it, then ends this one's
 * transaction (commit or rollback); returns the other insert's outcome. */
static store_rc race_insert(int64_t c, const char *remote_id, bool other_in_transaction,
                            bool commit)
{
    ck_assert_int_eq(store_begin(st), STORE_OK);
    add_patient(c, remote_id, 1000);
    inserter ins = {.center_id = c, .remote_id = remote_id, .in_transaction = other_in_transaction};
    pthread_t t;
    ck_assert_int_eq(pthread_create(&t, NULL, insert_from_another_connection, &ins), 0);
    usleep(300 * 1000); /* the other insert now waits on ours */
    if (commit)
        ck_assert_int_eq(store_commit(st), STORE_OK);
    else
        store_rollback(st);
    ck_assert_int_eq(pthread_join(t, NULL), 0);
    return ins.rc;
}

START_TEST(pg_concurrent_inserts_of_one_remote_id_conflict)
{
    int64_t c = make_center("c");
    ck_assert_int_eq(race_insert(c, "x", false, true), STORE_CONFLICT);
    ck_assert_int_eq(race_insert(c, "y", true, true), STORE_CONFLICT);
    /* when the first one gives up, the waiting one wins */
    ck_assert_int_eq(race_insert(c, "z", false, false), STORE_OK);
    patient *rows = NULL;
    size_t n = 0;
    int64_t total = 0;
    list_query all = {0};
    ck_assert_int_eq(store_patient_list(st, c, &all, A, &rows, &n, &total), STORE_OK);
    ck_assert_int_eq(total, 3);
}
END_TEST

static pthread_barrier_t migrate_start;

/* open_and_migrate, the two threads released together. */
static void *open_and_migrate_together(void *arg)
{
    pthread_barrier_wait(&migrate_start);
    return open_and_migrate(arg);
}

START_TEST(pg_concurrent_migrations_from_two_connections)
{
    for (int round = 0; round < 5; round++) {
        char name[64];
        new_database(name, sizeof name, fresh, sizeof fresh);
        ck_assert_int_eq(pthread_barrier_init(&migrate_start, NULL, 2), 0);
        pthread_t t[2];
        for (int i = 0; i < 2; i++)
            ck_assert_int_eq(pthread_create(&t[i], NULL, open_and_migrate_together, NULL), 0);
        for (int i = 0; i < 2; i++) {
            void *rc = NULL;
            ck_assert_int_eq(pthread_join(t[i], &rc), 0);
            ck_assert_int_eq((intptr_t)rc, STORE_OK);
        }
        pthread_barrier_destroy(&migrate_start);
        ck_assert_int_eq(raw_int(fresh, "SELECT COUNT(*) FROM schema_migrations"),
                         store_schema_version());
        drop_database(name, fresh);
    }
}
END_TEST

/* Runs the test cluster's script: `pause` or `resume` the server. */
static void pg_server(const char *what)
{
    const char *script = getenv("AGENDA_TEST_PG_CTL");
    char cmd[1200];
    snprintf(cmd, sizeof cmd, "sh '%s' %s '%s' >&2", script ? script : "scripts/pg-test-server.sh",
             what, getenv("AGENDA_TEST_PG_DIR"));
    ck_assert_msg(system(cmd) == 0, "%s failed", cmd);
}

static double seconds_since(const struct timespec *t0)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)(t.tv_sec - t0->tv_sec) + (double)(t.tv_nsec - t0->tv_nsec) / 1e9;
}

/* Calls store_center_get until it answers OK, for up to 10 s. */
static void wait_until_usable(int64_t c)
{
    struct timespec t0;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    center out;
    store_rc rc = STORE_UNAVAILABLE;
    while ((rc = store_center_get(st, c, A, &out)) == STORE_UNAVAILABLE && seconds_since(&t0) < 10)
        usleep(50 * 1000);
    ck_assert_int_eq(rc, STORE_OK);
}

START_TEST(pg_reconnects_after_a_server_restart)
{
    int64_t c = make_center("c");
    add_patient(c, "before", 1000);
    object_ref before = {.remote_id = "before"};
    patient p;

    /* restarted while this connection was idle: the next call just works */
    pg_server("pause");
    pg_server("resume");
    ck_assert_int_eq(store_patient_get(st, c, &before, A, &p), STORE_OK);

    /* down: every call fails at once */
    pg_server("pause");
    struct timespec t0;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    for (int i = 0; i < 20; i++) {
        patient q = new_patient(c, "during", 1000);
        ck_assert_int_eq(store_patient_get(st, c, &before, A, &p), STORE_UNAVAILABLE);
        ck_assert_int_eq(store_patient_insert(st, &q), STORE_UNAVAILABLE);
        ck_assert_int_eq(store_begin(st), STORE_UNAVAILABLE);
        store_rollback(st);
    }
    ck_assert_msg(seconds_since(&t0) < 2.0, "60 calls took %.2f s", seconds_since(&t0));

    /* back: the same store works again, statements prepared anew */
    pg_server("resume");
    wait_until_usable(c);
    ck_assert_int_eq(store_patient_get(st, c, &before, A, &p), STORE_OK);
    add_patient(c, "after", 2000);

    /* a transaction cut by a restart: the rest of it must not run on the
     * new session, outside any transaction */
    ck_assert_int_eq(store_begin(st), STORE_OK);
    add_patient(c, "lost", 3000);
    pg_server("pause");
    pg_server("resume");
    patient late = new_patient(c, "late", 3000);
    ck_assert_int_eq(store_patient_insert(st, &late), STORE_UNAVAILABLE);
    ck_assert_int_eq(store_commit(st), STORE_UNAVAILABLE);
    store_rollback(st);
    wait_until_usable(c);
    object_ref lost = {.remote_id = "lost"}, late_ref = {.remote_id = "late"};
    ck_assert_int_eq(store_patient_get(st, c, &lost, A, &p), STORE_NOT_FOUND);
    ck_assert_int_eq(store_patient_get(st, c, &late_ref, A, &p), STORE_NOT_FOUND);
    ck_assert_int_eq(store_patient_get(st, c, &before, A, &p), STORE_OK);

    /* the same, rolled back at once: nothing was written, the store goes on */
    ck_assert_int_eq(store_begin(st), STORE_OK);
    add_patient(c, "lost-too", 4000);
    pg_server("pause");
    pg_server("resume");
    store_rollback(st);
    wait_until_usable(c);
    object_ref lost_too = {.remote_id = "lost-too"};
    ck_assert_int_eq(store_patient_get(st, c, &lost_too, A, &p), STORE_NOT_FOUND);
    ck_assert_int_eq(store_begin(st), STORE_OK);
    add_patient(c, "kept", 5000);
    ck_assert_int_eq(store_commit(st), STORE_OK);
}
END_TEST

/* What an appointment shows can change through other rows; those changes
 * stamp the appointment too, so `since` pollers see them. */
START_TEST(derived_changes_touch_appointments)
{
    int64_t c = make_center("derived");
    int64_t k = make_calendar(c, "derived-cal");
    int64_t pid = add_patient(c, "p-old", 1000);
    service sv = {.calendar_id = k,
                  .remote_id = "s",
                  .name = "S",
                  .duration = 15,
                  .color = "#111111",
                  .updated_at = 1000};
    ck_assert_int_eq(store_service_insert(st, &sv), STORE_OK);
    appointment a = new_appt(k, "a", 100, 200);
    a.patient_id = pid;
    a.service_id = sv.id;
    ck_assert_int_eq(store_appointment_insert(st, &a), STORE_OK);
    add_appt(k, "far", 5000, 6000, APPT_BOOKED); /* overlaps nothing */

    /* a neighbour written at 2000 changes a's warning */
    appointment b = new_appt(k, "b", 150, 250);
    b.updated_at = 2000;
    ck_assert_int_eq(store_appointment_insert(st, &b), STORE_OK);
    ck_assert_int_eq(get_appt(k, "a").updated_at, 2000);
    ck_assert(get_appt(k, "a").warning);
    ck_assert_int_eq(get_appt(k, "far").updated_at, 1000);

    /* moving b away at 3000 changes it back */
    b.start = 7000;
    b.stop = 7100;
    b.updated_at = 3000;
    ck_assert_int_eq(store_appointment_update(st, &b), STORE_OK);
    ck_assert_int_eq(get_appt(k, "a").updated_at, 3000);
    ck_assert(!get_appt(k, "a").warning);

    /* the patient's new remote_id at 4000 */
    patient p;
    object_ref pref = {.id = pid};
    ck_assert_int_eq(store_patient_get(st, c, &pref, A, &p), STORE_OK);
    p.remote_id = "p-new";
    p.updated_at = 4000;
    ck_assert_int_eq(store_patient_update(st, &p), STORE_OK);
    ck_assert_int_eq(get_appt(k, "a").updated_at, 4000);
    ck_assert_str_eq(get_appt(k, "a").patient_remote_id, "p-new");
    /* ...but a patient update that keeps the remote_id touches nothing */
    p.notes = "only notes";
    p.updated_at = 4500;
    ck_assert_int_eq(store_patient_update(st, &p), STORE_OK);
    ck_assert_int_eq(get_appt(k, "a").updated_at, 4000);

    /* the service's new color at 5000 */
    sv.color = "#222222";
    sv.updated_at = 5000;
    ck_assert_int_eq(store_service_update(st, &sv), STORE_OK);
    ck_assert_int_eq(get_appt(k, "a").updated_at, 5000);
    ck_assert_int_eq(get_appt(k, "far").updated_at, 1000);

    /* a new overlapping appointment at 6000 touches its noshow neighbour,
     * whose warning changes, not its cancelled one, whose warning cannot */
    add_appt(k, "cancelled", 8000, 9000, APPT_CANCELLED);
    add_appt(k, "noshow", 8000, 9000, APPT_NOSHOW);
    appointment d = new_appt(k, "d", 8500, 8600);
    d.updated_at = 6000;
    ck_assert_int_eq(store_appointment_insert(st, &d), STORE_OK);
    ck_assert_int_eq(get_appt(k, "noshow").updated_at, 6000);
    ck_assert(get_appt(k, "noshow").warning);
    ck_assert_int_eq(get_appt(k, "cancelled").updated_at, 1000);
    ck_assert(!get_appt(k, "cancelled").warning);
}
END_TEST

/* A deleted patient's remote_id may be taken by the next patient at once:
 * its appointments must not show it, so the deletion unlinks them (live
 * and tombstones) and stamps them; no write may link a deleted patient. */
START_TEST(patient_delete_unlinks_appointments)
{
    int64_t c = make_center("unlink");
    int64_t k = make_calendar(c, "unlink-k");
    int64_t k2 = make_calendar(c, "unlink-k2");
    int64_t pid = add_patient(c, "104", 1000);
    int64_t other = add_patient(c, "105", 1000);
    appointment a = new_appt(k, "a", 100, 200);
    a.patient_id = pid;
    ck_assert_int_eq(store_appointment_insert(st, &a), STORE_OK);
    appointment b = new_appt(k2, "b", 100, 200);
    b.patient_id = pid;
    ck_assert_int_eq(store_appointment_insert(st, &b), STORE_OK);
    appointment gone = new_appt(k, "gone", 300, 400);
    gone.patient_id = pid;
    ck_assert_int_eq(store_appointment_insert(st, &gone), STORE_OK);
    ck_assert_int_eq(store_appointment_delete(st, k, gone.id, 1500), STORE_OK);
    appointment keep = new_appt(k, "keep", 500, 600);
    keep.patient_id = other;
    ck_assert_int_eq(store_appointment_insert(st, &keep), STORE_OK);

    ck_assert_int_eq(store_patient_delete(st, c + 100, pid, 2000), STORE_NOT_FOUND);
    ck_assert_int_eq(get_appt(k, "a").patient_id, pid);
    ck_assert_int_eq(store_patient_delete(st, c, pid, 2000), STORE_OK);
    ck_assert_int_eq(add_patient(c, "104", 2100) != pid, 1); /* the remote_id, reused */
    for (int i = 0; i < 2; i++) {
        appointment out = get_appt(i ? k2 : k, i ? "b" : "a");
        ck_assert_int_eq(out.patient_id, 0);
        ck_assert_ptr_null(out.patient_remote_id);
        ck_assert_int_eq(out.updated_at, 2000);
    }
    appointment kept = get_appt(k, "keep");
    ck_assert_int_eq(kept.patient_id, other);
    ck_assert_str_eq(kept.patient_remote_id, "105");
    ck_assert_int_eq(kept.updated_at, 1000);

    /* the tombstone too, as a `since` poller sees it */
    list_query q = {.has_since = true, .since = 2000};
    appointment *rows = NULL;
    size_t n = 0;
    int64_t total = 0;
    ck_assert_int_eq(store_appointment_list(st, k, &q, A, &rows, &n, &total), STORE_OK);
    ck_assert_uint_eq(n, 2);
    for (size_t i = 0; i < n; i++) {
        ck_assert_int_eq(rows[i].patient_id, 0);
        ck_assert_ptr_null(rows[i].patient_remote_id);
    }
    ck_assert(rows[0].deleted != rows[1].deleted);

    /* the deleted patient can no longer be linked */
    appointment again = get_appt(k, "a");
    again.patient_id = pid;
    ck_assert_int_eq(store_appointment_update(st, &again), STORE_NOT_FOUND);
    appointment fresh = new_appt(k, "fresh", 700, 800);
    fresh.patient_id = pid;
    ck_assert_int_eq(store_appointment_insert(st, &fresh), STORE_NOT_FOUND);
}
END_TEST

/* Migration 4 unlinks the appointments of patients deleted before it. */
START_TEST(migration_unlinks_appointments_of_deleted_patients)
{
    int64_t c = make_center("mig");
    int64_t k = make_calendar(c, "mig-k");
    int64_t pid = add_patient(c, "104", 1000);
    int64_t live = add_patient(c, "105", 1000);
    appointment a = new_appt(k, "a", 100, 200);
    a.patient_id = pid;
    ck_assert_int_eq(store_appointment_insert(st, &a), STORE_OK);
    appointment b = new_appt(k, "b", 300, 400);
    b.patient_id = live;
    ck_assert_int_eq(store_appointment_insert(st, &b), STORE_OK);
    /* the state a deletion left before: the patient gone, the link kept */
    char sql[160];
    snprintf(sql, sizeof sql, "UPDATE patients SET deleted = 1 WHERE id = %lld", (long long)pid);
    raw_exec(path, sql);
    raw_exec(path, "DELETE FROM schema_migrations WHERE version >= 4");
    int64_t before = (int64_t)time(NULL);
    ck_assert_int_eq(store_migrate(st), STORE_OK);
    appointment out = get_appt(k, "a");
    ck_assert_int_eq(out.patient_id, 0);
    ck_assert_ptr_null(out.patient_remote_id);
    ck_assert_int_ge(out.updated_at, before);
    ck_assert_int_le(out.updated_at, (int64_t)time(NULL));
    out = get_appt(k, "b");
    ck_assert_int_eq(out.patient_id, live);
    ck_assert_int_eq(out.updated_at, 1000);
}
END_TEST

/* ---- collections: many rows at once ------------------------------------ */

/* More rows than two bulk statements take (STORE_BULK_ROWS, 500), so
 * chunks meet and the last one is partly unbound. */
#define MANY 1100

START_TEST(bulk_patients_get_and_write)
{
    int64_t c = make_center("bulk"), other = make_center("bulk-other");
    int64_t k = make_calendar(c, "bulk-cal");
    int64_t kept = add_patient(c, "kept", 1000), renamed = add_patient(c, "old-name", 1000);
    int64_t elsewhere = add_patient(other, "elsewhere", 1000);
    int64_t gone = add_patient(c, "gone", 1000);
    ck_assert_int_eq(store_patient_delete(st, c, gone, 1000), STORE_OK);
    appointment a = new_appt(k, "a", 100, 200);
    a.patient_id = renamed;
    ck_assert_int_eq(store_appointment_insert(st, &a), STORE_OK);
    appointment b = new_appt(k, "b", 300, 400);
    b.patient_id = kept;
    ck_assert_int_eq(store_appointment_insert(st, &b), STORE_OK);

    /* lookups by id and by remote_id, several naming one row, some nothing */
    const object_ref refs[] = {{.id = kept},
                               {.remote_id = "old-name"},
                               {.remote_id = "none"},
                               {.id = elsewhere},
                               {.remote_id = "elsewhere"},
                               {.id = gone},
                               {.remote_id = "kept"},
                               {.id = renamed}};
    const size_t n_refs = sizeof refs / sizeof refs[0];
    patient got[sizeof refs / sizeof refs[0]];
    bool found[sizeof refs / sizeof refs[0]];
    ck_assert_int_eq(store_patient_get_many(st, c, refs, n_refs, A, got, found), STORE_OK);
    const bool want[] = {true, true, false, false, false, false, true, true};
    for (size_t i = 0; i < n_refs; i++)
        ck_assert_msg(found[i] == want[i], "ref %zu", i);
    ck_assert_int_eq(got[0].id, kept);
    ck_assert_str_eq(got[0].remote_id, "kept");
    ck_assert_int_eq(got[1].id, renamed);
    ck_assert_str_eq(got[1].birthdate, "1990-05-16");
    ck_assert_int_eq(got[6].id, kept);
    ck_assert_str_eq(got[7].remote_id, "old-name");

    /* one write: two updates (one renames) and MANY inserts, one of which
     * takes the name the rename gives up */
    patient *rows = arena_calloc(A, MANY + 2, sizeof *rows);
    rows[0] = got[1];
    rows[0].remote_id = "new-name";
    rows[1] = got[0];
    rows[1].notes = "kept, with notes";
    for (int i = 0; i < MANY; i++)
        rows[2 + i] = new_patient(c, i == 0 ? "old-name" : arena_printf(A, "n%d", i), 2000);
    rows[2 + MANY - 1].birthdate = NULL;
    rows[0].updated_at = rows[1].updated_at = 2000;
    ck_assert_int_eq(store_begin(st), STORE_OK);
    ck_assert_int_eq(store_patient_write_many(st, rows, MANY + 2, A), STORE_OK);
    ck_assert_int_eq(store_commit(st), STORE_OK);
    ck_assert_int_eq(rows[0].id, renamed);
    for (int i = 0; i < MANY + 2; i++) {
        patient p;
        object_ref by_id = {.id = rows[i].id};
        ck_assert_int_eq(store_patient_get(st, c, &by_id, A, &p), STORE_OK);
        ck_assert_str_eq(p.remote_id, rows[i].remote_id);
        ck_assert_int_eq(p.updated_at, 2000);
    }
    patient p;
    object_ref last = {.remote_id = rows[2 + MANY - 1].remote_id};
    ck_assert_int_eq(store_patient_get(st, c, &last, A, &p), STORE_OK);
    ck_assert_ptr_null(p.birthdate);
    object_ref by_kept = {.id = kept};
    ck_assert_int_eq(store_patient_get(st, c, &by_kept, A, &p), STORE_OK);
    ck_assert_str_eq(p.notes, "kept, with notes");
    /* the renamed patient's appointment shows a new remote_id: touched */
    ck_assert_int_eq(get_appt(k, "a").updated_at, 2000);
    ck_assert_str_eq(get_appt(k, "a").patient_remote_id, "new-name");
    ck_assert_int_eq(get_appt(k, "b").updated_at, 1000);

    /* a remote_id a live patient outside the rows holds: CONFLICT */
    patient clash[] = {new_patient(c, "fresh", 3000), new_patient(c, "kept", 3000)};
    ck_assert_int_eq(store_begin(st), STORE_OK);
    ck_assert_int_eq(store_patient_write_many(st, clash, 2, A), STORE_CONFLICT);
    store_rollback(st);
    object_ref fresh_ref = {.remote_id = "fresh"};
    ck_assert_int_eq(store_patient_get(st, c, &fresh_ref, A, &p), STORE_NOT_FOUND);
    /* an update of a patient that is not live (or of another center) */
    patient dead = new_patient(c, "dead", 3000);
    dead.id = gone;
    ck_assert_int_eq(store_begin(st), STORE_OK);
    ck_assert_int_eq(store_patient_write_many(st, &dead, 1, A), STORE_NOT_FOUND);
    store_rollback(st);
    patient moved = new_patient(c, "moved", 3000);
    moved.id = elsewhere;
    ck_assert_int_eq(store_begin(st), STORE_OK);
    ck_assert_int_eq(store_patient_write_many(st, &moved, 1, A), STORE_NOT_FOUND);
    store_rollback(st);
    /* nothing to write is no statement at all */
    ck_assert_int_eq(store_patient_write_many(st, NULL, 0, A), STORE_OK);
}
END_TEST

START_TEST(bulk_services_get_and_write)
{
    int64_t c = make_center("bulk-s");
    int64_t k = make_calendar(c, "bulk-s-cal"), k2 = make_calendar(c, "bulk-s-cal2");
    service sv = {.calendar_id = k,
                  .remote_id = "s",
                  .name = "S",
                  .duration = 15,
                  .color = "#111111",
                  .updated_at = 1000};
    ck_assert_int_eq(store_service_insert(st, &sv), STORE_OK);
    appointment a = new_appt(k, "a", 100, 200);
    a.service_id = sv.id;
    ck_assert_int_eq(store_appointment_insert(st, &a), STORE_OK);

    const object_ref refs[] = {{.remote_id = "s"}, {.id = sv.id}, {.remote_id = "t"}};
    service got[3];
    bool found[3];
    ck_assert_int_eq(store_service_get_many(st, k, refs, 3, A, got, found), STORE_OK);
    ck_assert(found[0] && found[1] && !found[2]);
    ck_assert_int_eq(got[0].id, sv.id);
    ck_assert_int_eq(got[1].duration, 15);
    ck_assert_int_eq(store_service_get_many(st, k2, refs, 3, A, got, found), STORE_OK);
    ck_assert(!found[0] && !found[1] && !found[2]);

    service *rows = arena_calloc(A, MANY + 1, sizeof *rows);
    rows[0] = sv;
    rows[0].color = "#222222";
    rows[0].updated_at = 2000;
    for (int i = 1; i <= MANY; i++)
        rows[i] = (service){.calendar_id = k,
                            .remote_id = i % 2 ? arena_printf(A, "t%d", i) : NULL,
                            .name = arena_printf(A, "T%d", i),
                            .duration = i,
                            .updated_at = 2000};
    ck_assert_int_eq(store_begin(st), STORE_OK);
    ck_assert_int_eq(store_service_write_many(st, rows, MANY + 1, A), STORE_OK);
    ck_assert_int_eq(store_commit(st), STORE_OK);
    service *list = NULL;
    size_t n = 0;
    ck_assert_int_eq(store_service_list(st, k, A, &list, &n), STORE_OK);
    ck_assert_uint_eq(n, MANY + 1);
    for (size_t i = 0; i < n; i++) {
        ck_assert_int_eq(list[i].id, rows[i].id); /* by id: in the order written */
        ck_assert_str_eq(list[i].name, rows[i].name);
        ck_assert_int_eq(list[i].duration, i ? (int64_t)i : 15);
    }
    /* the new color shows on the service's appointment: touched */
    ck_assert_int_eq(get_appt(k, "a").updated_at, 2000);
    ck_assert_str_eq(get_appt(k, "a").service_color, "#222222");
}
END_TEST

START_TEST(bulk_appointments_get_and_write)
{
    int64_t c = make_center("bulk-a"), other = make_center("bulk-a-other");
    int64_t k = make_calendar(c, "bulk-a-cal"), k2 = make_calendar(c, "bulk-a-cal2");
    int64_t pid = add_patient(c, "p", 1000), foreign = add_patient(other, "f", 1000);
    service sv = {
        .calendar_id = k, .remote_id = "s", .name = "S", .duration = 15, .updated_at = 1000};
    service sv2 = {
        .calendar_id = k2, .remote_id = "s", .name = "S", .duration = 15, .updated_at = 1000};
    ck_assert_int_eq(store_service_insert(st, &sv), STORE_OK);
    ck_assert_int_eq(store_service_insert(st, &sv2), STORE_OK);
    add_appt(k, "moved", 100, 200, APPT_BOOKED);
    add_appt(k, "old-neighbour", 150, 250, APPT_BOOKED);
    add_appt(k, "new-neighbour", 10000, 10100, APPT_BOOKED);
    add_appt(k, "far", 5000, 5100, APPT_BOOKED);

    appointment *rows = arena_calloc(A, MANY + 1, sizeof *rows);
    rows[0] = get_appt(k, "moved");
    rows[0].start = 10050;
    rows[0].stop = 10150;
    rows[0].updated_at = 2000;
    for (int i = 1; i <= MANY; i++) {
        /* back to back from 20000, each 100 s; the last one lasts a day */
        rows[i] = new_appt(k, arena_printf(A, "n%d", i), 20000 + i * 100, 20000 + i * 100 + 100);
        rows[i].patient_id = i % 3 ? pid : 0;
        rows[i].service_id = i % 2 ? sv.id : 0;
        rows[i].notes = i % 5 ? NULL : "notes";
        rows[i].status = i % 7 ? APPT_BOOKED : APPT_CANCELLED;
        rows[i].has_arrived = i % 11 == 0;
        rows[i].patient_arrived_at = i % 11 ? 0 : 20000;
        rows[i].updated_at = 2000;
    }
    rows[MANY].stop = rows[MANY].start + 86400;
    ck_assert_int_eq(store_begin(st), STORE_OK);
    ck_assert_int_eq(store_appointment_write_many(st, rows, MANY + 1, A), STORE_OK);
    ck_assert_int_eq(store_commit(st), STORE_OK);

    /* the old and the new neighbours of the moved row are touched */
    ck_assert_int_eq(get_appt(k, "old-neighbour").updated_at, 2000);
    ck_assert(!get_appt(k, "old-neighbour").warning);
    ck_assert_int_eq(get_appt(k, "new-neighbour").updated_at, 2000);
    ck_assert(get_appt(k, "new-neighbour").warning);
    ck_assert_int_eq(get_appt(k, "far").updated_at, 1000);
    /* the longest appointment was raised: a window well after its start finds it */
    ck_assert_str_eq(window(k, rows[MANY].start + 80000, rows[MANY].start + 80001),
                     rows[MANY].remote_id);

    /* read back by id, in input order, with joined fields */
    object_ref *refs = arena_calloc(A, MANY + 1, sizeof *refs);
    for (int i = 0; i <= MANY; i++)
        refs[i] = (object_ref){.id = rows[i].id};
    appointment *got = arena_calloc(A, MANY + 1, sizeof *got);
    bool *found = arena_calloc(A, MANY + 1, sizeof *found);
    ck_assert_int_eq(store_appointment_get_many(st, k, refs, MANY + 1, A, got, found), STORE_OK);
    for (int i = 0; i <= MANY; i++) {
        ck_assert(found[i]);
        ck_assert_str_eq(got[i].remote_id, rows[i].remote_id);
        ck_assert_int_eq(got[i].start, rows[i].start);
        ck_assert_int_eq(got[i].stop, rows[i].stop);
        if (i == 0)
            continue;
        ck_assert_int_eq(got[i].status, rows[i].status);
        ck_assert_int_eq(got[i].has_arrived, rows[i].has_arrived);
        ck_assert_int_eq(got[i].patient_id, rows[i].patient_id);
        if (rows[i].patient_id)
            ck_assert_str_eq(got[i].patient_remote_id, "p");
        if (rows[i].service_id)
            ck_assert_str_eq(got[i].service_remote_id, "s");
        if (rows[i].notes)
            ck_assert_str_eq(got[i].notes, "notes");
        else
            ck_assert_ptr_null(got[i].notes);
        /* back to back is no overlap; the day-long last one overlaps nothing
         * after it, and the one before it ends where it starts */
        ck_assert(!got[i].warning);
    }
    ck_assert(got[0].warning);
    /* warnings alone, by id; an id of nothing live here is no warning */
    const int64_t ids[] = {
        rows[0].id, rows[1].id, rows[0].id, get_appt(k, "new-neighbour").id, get_appt(k, "far").id,
        987654321};
    bool warned[6];
    ck_assert_int_eq(store_appointment_warnings(st, k, ids, 6, A, warned), STORE_OK);
    ck_assert(warned[0] && !warned[1] && warned[2] && warned[3] && !warned[4] && !warned[5]);
    ck_assert_int_eq(store_appointment_warnings(st, k2, ids, 6, A, warned), STORE_OK);
    ck_assert(!warned[0] && !warned[3]);
    /* the same by remote_id, and nothing of another calendar */
    object_ref by_remote[] = {{.remote_id = "n1"}, {.remote_id = "far"}, {.remote_id = "nope"}};
    ck_assert_int_eq(store_appointment_get_many(st, k, by_remote, 3, A, got, found), STORE_OK);
    ck_assert(found[0] && found[1] && !found[2]);
    ck_assert_int_eq(got[0].id, rows[1].id);
    ck_assert_int_eq(store_appointment_get_many(st, k2, by_remote, 3, A, got, found), STORE_OK);
    ck_assert(!found[0] && !found[1] && !found[2]);

    /* references outside the calendar's center, or its services: NOT_FOUND */
    appointment bad = new_appt(k, "bad", 1000000, 1000100);
    bad.patient_id = foreign;
    ck_assert_int_eq(store_begin(st), STORE_OK);
    ck_assert_int_eq(store_appointment_write_many(st, &bad, 1, A), STORE_NOT_FOUND);
    store_rollback(st);
    bad.patient_id = pid;
    bad.service_id = sv2.id;
    ck_assert_int_eq(store_begin(st), STORE_OK);
    ck_assert_int_eq(store_appointment_write_many(st, &bad, 1, A), STORE_NOT_FOUND);
    store_rollback(st);
    /* a taken remote_id */
    appointment taken = new_appt(k, "far", 1000000, 1000100);
    ck_assert_int_eq(store_begin(st), STORE_OK);
    ck_assert_int_eq(store_appointment_write_many(st, &taken, 1, A), STORE_CONFLICT);
    store_rollback(st);
    ck_assert_str_eq(window(k, 1000000, 1000100), "");
}
END_TEST

/* Bulk writes of tombstones: a deletion as store_appointment_delete does
 * it, of an existing row or of one the same call inserts. */
START_TEST(bulk_appointments_deleted_rows)
{
    int64_t c = make_center("bulk-d");
    int64_t k = make_calendar(c, "bulk-d-cal");
    add_appt(k, "gone", 100, 200, APPT_BOOKED);
    add_appt(k, "neighbour", 150, 250, APPT_BOOKED);
    ck_assert(get_appt(k, "neighbour").warning);
    appointment rows[3] = {get_appt(k, "gone"), new_appt(k, "never", 500, 600),
                           new_appt(k, "gone", 700, 800)};
    rows[0].deleted = true;
    rows[1].deleted = true;
    for (int i = 0; i < 3; i++)
        rows[i].updated_at = 2000;
    ck_assert_int_eq(store_begin(st), STORE_OK);
    ck_assert_int_eq(store_appointment_write_many(st, rows, 3, A), STORE_OK);
    ck_assert_int_eq(store_commit(st), STORE_OK);
    /* the remote_id was free for the new row; the neighbour was touched */
    ck_assert_int_eq(get_appt(k, "gone").id, rows[2].id);
    ck_assert_int_ne(rows[0].id, rows[2].id);
    ck_assert_int_eq(get_appt(k, "neighbour").updated_at, 2000);
    ck_assert(!get_appt(k, "neighbour").warning);
    object_ref never = {.remote_id = "never"};
    appointment ap;
    ck_assert_int_eq(store_appointment_get(st, k, &never, A, &ap), STORE_NOT_FOUND);
    list_query q = {.has_since = true, .since = 2000};
    appointment *list = NULL;
    size_t n = 0;
    int64_t total = 0;
    ck_assert_int_eq(store_appointment_list(st, k, &q, A, &list, &n, &total), STORE_OK);
    int deleted = 0;
    for (size_t i = 0; i < n; i++)
        deleted += list[i].deleted;
    ck_assert_int_eq(deleted, 2);
}
END_TEST

/* The tests every engine runs. */
static void add_common_tests(TCase *tc)
{
    tcase_add_test(tc, migrations_are_idempotent);
    tcase_add_test(tc, concurrent_migrations_of_a_new_file);
    tcase_add_test(tc, newer_schema_is_refused);
    tcase_add_test(tc, open_failures_explain_themselves);
    tcase_add_test(tc, centers_round_trip_and_slugs_are_unique);
    tcase_add_test(tc, calendars_round_trip_with_specialities);
    tcase_add_test(tc, users_round_trip_and_emails_are_unique);
    tcase_add_test(tc, emails_are_case_insensitive);
    tcase_add_test(tc, grants_decide_what_a_user_sees);
    tcase_add_test(tc, patients_get_by_id_and_remote_id);
    tcase_add_test(tc, patient_remote_ids_unique_among_live_rows);
    tcase_add_test(tc, patient_update_and_delete);
    tcase_add_test(tc, patient_lists_page_and_count);
    tcase_add_test(tc, services_round_trip);
    tcase_add_test(tc, appointment_round_trip_and_joins);
    tcase_add_test(tc, appointment_remote_ids_update_and_delete);
    tcase_add_test(tc, appointment_windows_are_half_open);
    tcase_add_test(tc, appointment_windows_after_moves_and_since);
    tcase_add_test(tc, appointment_warnings);
    tcase_add_test(tc, derived_changes_touch_appointments);
    tcase_add_test(tc, patient_delete_unlinks_appointments);
    tcase_add_test(tc, migration_unlinks_appointments_of_deleted_patients);
    tcase_add_test(tc, bulk_patients_get_and_write);
    tcase_add_test(tc, bulk_services_get_and_write);
    tcase_add_test(tc, bulk_appointments_get_and_write);
    tcase_add_test(tc, bulk_appointments_deleted_rows);
    tcase_add_test(tc, rollback_leaves_nothing);
    tcase_add_test(tc, two_connections_write_concurrently);
}

Suite *suite_store(void)
{
    Suite *s = suite_create("store");
    TCase *tc = tcase_create("sqlite");
    tcase_add_checked_fixture(tc, setup_sqlite, teardown);
    tcase_set_timeout(tc, 120);
    add_common_tests(tc);
    suite_add_tcase(s, tc);

    const char *pg = getenv("AGENDA_TEST_PG_URL");
    if (pg && *pg) {
        tc = tcase_create("postgres");
        tcase_add_checked_fixture(tc, setup_pg, teardown);
        tcase_set_timeout(tc, 120);
        add_common_tests(tc);
        tcase_add_test(tc, pg_serialization_failures_are_retry);
        tcase_add_test(tc, pg_a_failed_transaction_cannot_commit);
        tcase_add_test(tc, pg_a_blob_out_of_memory_is_not_a_malformed_hash);
        tcase_add_test(tc, pg_concurrent_inserts_of_one_remote_id_conflict);
        tcase_add_test(tc, pg_concurrent_migrations_from_two_connections);
        const char *cluster = getenv("AGENDA_TEST_PG_DIR");
        if (cluster && *cluster)
            tcase_add_test(tc, pg_reconnects_after_a_server_restart);
        suite_add_tcase(s, tc);
    }
    return s;
}
