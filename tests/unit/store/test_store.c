/* test_store.c - store/store.c's own behaviour: transactions (rollback,
 * commit, no nesting) and two connections writing from two threads, on
 * SQLite and PostgreSQL (fixture.h); then on PostgreSQL only, serialization
 * failures answered as STORE_RETRY, a failed transaction that cannot
 * commit, concurrent inserts of one remote_id, and, when AGENDA_TEST_PG_DIR
 * names the test cluster, reconnecting after a server restart. */
#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "../suites.h"
#include "fixture.h"

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

/* The tests every engine runs. */
static void add_common_tests(TCase *tc)
{
    tcase_add_test(tc, rollback_leaves_nothing);
    tcase_add_test(tc, two_connections_write_concurrently);
}

static void add_pg_tests(TCase *tc)
{
    tcase_add_test(tc, pg_serialization_failures_are_retry);
    tcase_add_test(tc, pg_a_failed_transaction_cannot_commit);
    tcase_add_test(tc, pg_concurrent_inserts_of_one_remote_id_conflict);
    const char *cluster = getenv("AGENDA_TEST_PG_DIR");
    if (cluster && *cluster)
        tcase_add_test(tc, pg_reconnects_after_a_server_restart);
}

Suite *suite_store(void)
{
    return store_suite("store", add_common_tests, add_pg_tests);
}
