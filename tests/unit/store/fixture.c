/* fixture.c - the engines and fixtures every store test shares: a fresh
 * database per test (a SQLite file in a new temporary directory, or a new
 * database on the PostgreSQL server of AGENDA_TEST_PG_URL), opened and
 * migrated; raw access to it through the engine's own API; and small
 * builders of centers, calendars, patients and appointments.  Contracts are
 * in fixture.h. */
#include <check.h>
#include <libpq-fe.h>
#include <sqlite3.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "fixture.h"

test_engine engine;
char dir[64];
char path[1024];
store *st;
arena *A;
static char dbname[64]; /* PostgreSQL: the test's database */

/* ---- engines ---------------------------------------------------------- */

/* Runs `sql` on the PostgreSQL server of AGENDA_TEST_PG_URL (admin). */
void pg_admin(const char *sql)
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
int64_t raw_int(const char *url, const char *sql)
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
void raw_exec(const char *url, const char *sql)
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

void setup_sqlite(void)
{
    engine = ENGINE_SQLITE;
    strcpy(dir, "/tmp/agenda-store-XXXXXX");
    ck_assert_ptr_nonnull(mkdtemp(dir));
    snprintf(path, sizeof path, "%s/agenda.db", dir);
    open_store();
}

void setup_pg(void)
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

void teardown(void)
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
void new_database(char *name, size_t name_size, char *out, size_t size)
{
    static int serial;
    if (engine == ENGINE_PG) {
        pg_new_database(name, name_size, out, size);
        return;
    }
    snprintf(name, name_size, "%s", "");
    snprintf(out, size, "%s/fresh-%d.db", dir, serial++);
}

void drop_database(const char *name, const char *url)
{
    if (engine == ENGINE_PG)
        pg_drop_database(name);
    else
        unlink_sqlite(url);
}

/* ---- fixtures --------------------------------------------------------- */

int64_t make_center(const char *slug)
{
    center c = {.name = "Centre", .slug = slug, .timezone = "Europe/Brussels"};
    ck_assert_int_eq(store_center_create(st, &c), STORE_OK);
    ck_assert_int_gt(c.id, 0);
    return c.id;
}

int64_t make_calendar(int64_t center_id, const char *slug)
{
    calendar k = {
        .center_id = center_id, .first_name = "Joris", .last_name = "Van Hecke", .slug = slug};
    ck_assert_int_eq(store_calendar_create(st, &k), STORE_OK);
    return k.id;
}

patient new_patient(int64_t center_id, const char *remote_id, int64_t now)
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

int64_t add_patient(int64_t center_id, const char *remote_id, int64_t now)
{
    patient p = new_patient(center_id, remote_id, now);
    ck_assert_int_eq(store_patient_insert(st, &p), STORE_OK);
    return p.id;
}

service new_service(int64_t calendar_id, const char *remote_id, int duration, const char *color)
{
    return (service){.calendar_id = calendar_id,
                     .remote_id = remote_id,
                     .name = "S",
                     .duration = duration,
                     .color = color,
                     .updated_at = 1000};
}

int64_t add_service(int64_t calendar_id, const char *remote_id, int duration, const char *color)
{
    service sv = new_service(calendar_id, remote_id, duration, color);
    ck_assert_int_eq(store_service_insert(st, &sv), STORE_OK);
    return sv.id;
}

appointment new_appt(int64_t calendar_id, const char *remote_id, int64_t start, int64_t stop)
{
    return (appointment){.calendar_id = calendar_id,
                         .remote_id = remote_id,
                         .start = start,
                         .stop = stop,
                         .title = "",
                         .status = APPT_BOOKED,
                         .updated_at = 1000};
}

int64_t add_appt(int64_t calendar_id, const char *remote_id, int64_t start, int64_t stop,
                 appt_status status)
{
    appointment ap = new_appt(calendar_id, remote_id, start, stop);
    ap.status = status;
    ck_assert_int_eq(store_appointment_insert(st, &ap), STORE_OK);
    return ap.id;
}

appointment get_appt(int64_t calendar_id, const char *remote_id)
{
    appointment ap;
    object_ref ref = {.remote_id = remote_id};
    ck_assert_int_eq(store_appointment_get(st, calendar_id, &ref, A, &ap), STORE_OK);
    return ap;
}

/* Remote ids of the appointments overlapping [start, stop), joined by ','. */
const char *window(int64_t calendar_id, int64_t start, int64_t stop)
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

Suite *store_suite(const char *name, void (*add_common)(TCase *), void (*add_pg_only)(TCase *))
{
    Suite *s = suite_create(name);
    TCase *tc = NULL;
    if (add_common) {
        tc = tcase_create("sqlite");
        tcase_add_checked_fixture(tc, setup_sqlite, teardown);
        tcase_set_timeout(tc, 120);
        add_common(tc);
        suite_add_tcase(s, tc);
    }
    const char *pg = getenv("AGENDA_TEST_PG_URL");
    if (pg && *pg) {
        tc = tcase_create("postgres");
        tcase_add_checked_fixture(tc, setup_pg, teardown);
        tcase_set_timeout(tc, 120);
        if (add_common)
            add_common(tc);
        if (add_pg_only)
            add_pg_only(tc);
        suite_add_tcase(s, tc);
    }
    return s;
}
