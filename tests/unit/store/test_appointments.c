/* test_appointments.c - store/appointments.c: round trip with the patient
 * and service joins, remote ids, update and delete, half-open windows (also
 * after moves and with `since`), overlap warnings, and the changes made
 * through other rows (a neighbour, the patient, the service) that stamp an
 * appointment too.  On SQLite and PostgreSQL (fixture.h). */
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "../suites.h"
#include "fixture.h"

START_TEST(appointment_round_trip_and_joins)
{
    int64_t c = make_center("c");
    int64_t k = make_calendar(c, "k");
    int64_t pid = add_patient(c, "104", 1000);
    service sv = new_service(k, "xyz", 20, "#101010");
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

/* What an appointment shows can change through other rows; those changes
 * stamp the appointment too, so `since` pollers see them. */
START_TEST(derived_changes_touch_appointments)
{
    int64_t c = make_center("derived");
    int64_t k = make_calendar(c, "derived-cal");
    int64_t pid = add_patient(c, "p-old", 1000);
    service sv = new_service(k, "s", 15, "#111111");
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

/* The tests every engine runs. */
START_TEST(bulk_appointments_get_and_write)
{
    int64_t c = make_center("bulk-a"), other = make_center("bulk-a-other");
    int64_t k = make_calendar(c, "bulk-a-cal"), k2 = make_calendar(c, "bulk-a-cal2");
    int64_t pid = add_patient(c, "p", 1000), foreign = add_patient(other, "f", 1000);
    const int64_t sv = add_service(k, "s", 15, NULL), sv2 = add_service(k2, "s", 15, NULL);
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
        rows[i].service_id = i % 2 ? sv : 0;
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
    bad.service_id = sv2;
    ck_assert_int_eq(store_begin(st), STORE_OK);
    ck_assert_int_eq(store_appointment_write_many(st, &bad, 1, A), STORE_NOT_FOUND);
    store_rollback(st);
    /* a calendar that does not exist, with or without references */
    bad.service_id = 0;
    bad.calendar_id = k + 100;
    ck_assert_int_eq(store_begin(st), STORE_OK);
    ck_assert_int_eq(store_appointment_write_many(st, &bad, 1, A), STORE_NOT_FOUND);
    store_rollback(st);
    bad.patient_id = 0;
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

static void add_common_tests(TCase *tc)
{
    tcase_add_test(tc, appointment_round_trip_and_joins);
    tcase_add_test(tc, appointment_remote_ids_update_and_delete);
    tcase_add_test(tc, appointment_windows_are_half_open);
    tcase_add_test(tc, appointment_windows_after_moves_and_since);
    tcase_add_test(tc, appointment_warnings);
    tcase_add_test(tc, derived_changes_touch_appointments);
    tcase_add_test(tc, bulk_appointments_get_and_write);
    tcase_add_test(tc, bulk_appointments_deleted_rows);
}

Suite *suite_appointments(void)
{
    return store_suite("appointments", add_common_tests, NULL);
}
