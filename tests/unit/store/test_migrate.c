/* test_migrate.c - store/migrate.c and opening a store: migrations are
 * idempotent and safe to run from several connections at once, a newer
 * schema is refused, migration 4 unlinks the appointments of deleted
 * patients, and failures to open explain themselves in one line.  On
 * SQLite and PostgreSQL (fixture.h). */
#include <pthread.h>
#include <sqlite3.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "../suites.h"
#include "fixture.h"

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
    ck_assert_int_eq(raw_int(path, "SELECT COUNT(*) FROM schema_migrations"), store_schema_steps());
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
                     store_schema_steps());
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

/* ---- PostgreSQL only ---------------------------------------------------- */

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
                         store_schema_steps());
        drop_database(name, fresh);
    }
}
END_TEST

/* The tests every engine runs. */
static void add_common_tests(TCase *tc)
{
    tcase_add_test(tc, migrations_are_idempotent);
    tcase_add_test(tc, concurrent_migrations_of_a_new_file);
    tcase_add_test(tc, newer_schema_is_refused);
    tcase_add_test(tc, open_failures_explain_themselves);
    tcase_add_test(tc, migration_unlinks_appointments_of_deleted_patients);
}

static void add_pg_tests(TCase *tc)
{
    tcase_add_test(tc, pg_concurrent_migrations_from_two_connections);
}

Suite *suite_migrate(void)
{
    return store_suite("migrate", add_common_tests, add_pg_tests);
}
