/* test_patients.c - store/patients.c: reads by id and remote_id, remote ids
 * unique among live rows, update and delete (a deletion unlinks the
 * patient's appointments), lists, paging and counts.  On SQLite and
 * PostgreSQL (fixture.h). */
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "../suites.h"
#include "fixture.h"

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

    /* no patient of a center that does not exist */
    patient lost = new_patient(other + 100, "lost", 1000);
    ck_assert_int_eq(store_patient_insert(st, &lost), STORE_NOT_FOUND);
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

/* The tests every engine runs. */
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
    /* new patients of a center that does not exist */
    patient lost = new_patient(c + 100, "lost", 3000);
    ck_assert_int_eq(store_begin(st), STORE_OK);
    ck_assert_int_eq(store_patient_write_many(st, &lost, 1, A), STORE_NOT_FOUND);
    store_rollback(st);
    /* nothing to write is no statement at all */
    ck_assert_int_eq(store_patient_write_many(st, NULL, 0, A), STORE_OK);
}
END_TEST

static void add_common_tests(TCase *tc)
{
    tcase_add_test(tc, patients_get_by_id_and_remote_id);
    tcase_add_test(tc, patient_remote_ids_unique_among_live_rows);
    tcase_add_test(tc, patient_update_and_delete);
    tcase_add_test(tc, patient_lists_page_and_count);
    tcase_add_test(tc, patient_delete_unlinks_appointments);
    tcase_add_test(tc, bulk_patients_get_and_write);
}

Suite *suite_patients(void)
{
    return store_suite("patients", add_common_tests, NULL);
}
