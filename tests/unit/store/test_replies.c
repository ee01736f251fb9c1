/* test_replies.c - store/replies.c and the API's message pages
 * (outbox.c): the appointments an SMS reply can answer (only those an SMS
 * reminder was sent for, booked, ahead, with a live patient, each once),
 * confirmations (the first time kept, only live appointments), the replies
 * kept and listed newest first by outcome, and a center's messages newest
 * first by state, and delivery receipts.  Messages are planned and sent through the real outbox
 * (settings, appointment writes, claim, finish).  On SQLite and PostgreSQL
 * (fixture.h). */
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "../suites.h"
#include "fixture.h"

#define DAY 86400
/* appointments start a few days after they are written (at 1000) */
#define START (1000 + 10 * DAY)

/* Gives the center reminder settings with one rule per text of `rules`
 * (newline separated). */
static void set_rules(int64_t center_id, const char *rules)
{
    reminder_settings rs = {.center_id = center_id,
                            .rules = rules,
                            .language = "en",
                            .country = "BE",
                            .change_delay = 180,
                            .sms_segments = 2,
                            .updated_at = 1000};
    ck_assert_int_eq(store_reminder_settings_set(st, &rs, 1000, A), STORE_OK);
}

/* A booked appointment of the patient at `start`; its id. */
static int64_t book(int64_t calendar_id, const char *remote_id, int64_t patient_id, int64_t start)
{
    appointment ap = new_appt(calendar_id, remote_id, start, start + 1800);
    ap.patient_id = patient_id;
    ck_assert_int_eq(store_appointment_insert(st, &ap), STORE_OK);
    return ap.id;
}

/* Claims every message due at `now` and records each of kind `kind` and
 * channel `channel` as sent (the others as skipped); how many were sent. */
static int send_due(int64_t now, const char *kind, const char *channel)
{
    int64_t *ids = NULL;
    size_t n = 0;
    int sent = 0;
    ck_assert_int_eq(store_message_claim(st, "test", now, 300, 100, A, &ids, &n), STORE_OK);
    for (size_t i = 0; i < n; i++) {
        message_context c;
        ck_assert_int_eq(store_message_context(st, ids[i], A, &c), STORE_OK);
        bool match = strcmp(c.msg.kind, kind) == 0 && strcmp(c.msg.channel, channel) == 0;
        message_outcome o = {.appointment_id = c.msg.appointment_id,
                             .kind = c.msg.kind,
                             .channel = c.msg.channel,
                             .state = match ? "sent" : "skipped",
                             .recipient = "+32470000000",
                             .language = "en",
                             .provider_id = match ? "SM-test" : NULL,
                             .at = now};
        ck_assert_int_eq(store_message_finish(st, ids[i], "test", &o), STORE_OK);
        sent += match;
    }
    return sent;
}

/* The candidates' appointment ids, joined by ',' (in A). */
static const char *candidates(int64_t now)
{
    reply_candidate *c = NULL;
    size_t n = 0;
    ck_assert_int_eq(store_reply_candidates(st, now, A, &c, &n), STORE_OK);
    char *out = arena_calloc(A, n * 24 + 1, 1);
    ck_assert_ptr_nonnull(out);
    for (size_t i = 0; i < n; i++)
        sprintf(out + strlen(out), "%s%lld", i ? "," : "", (long long)c[i].appointment_id);
    return out;
}

START_TEST(candidates_are_appointments_an_sms_reminder_was_sent_for)
{
    int64_t c = make_center("c");
    int64_t k = make_calendar(c, "k");
    set_rules(c, "sms 1d\nsms 2d\nemail 3d");
    int64_t pid = add_patient(c, "p", 1000);
    int64_t other = add_patient(c, "q", 1000);
    int64_t a1 = book(k, "a1", pid, START);
    int64_t a2 = book(k, "a2", pid, START + 5 * DAY); /* its reminders are not due */
    int64_t a3 = book(k, "a3", other, START - DAY / 2);
    int64_t no_patient = book(k, "a4", 0, START);
    (void)a2;
    (void)no_patient;
    ck_assert_str_eq(candidates(1000), "");

    /* the email reminders go first: they make no candidate */
    ck_assert_int_eq(send_due(START - 3 * DAY, "reminder", "email"), 3);
    ck_assert_str_eq(candidates(START - 3 * DAY), "");
    /* both SMS rules of a1 sent: a1 once; a3's too, and it starts first;
     * a4's, which has no patient, make none */
    ck_assert_int_eq(send_due(START - DAY, "reminder", "sms"), 6);
    char want[64];
    snprintf(want, sizeof want, "%lld,%lld", (long long)a3, (long long)a1);
    ck_assert_str_eq(candidates(START - DAY), want);

    reply_candidate *rows = NULL;
    size_t n = 0;
    ck_assert_int_eq(store_reply_candidates(st, START - DAY, A, &rows, &n), STORE_OK);
    ck_assert_uint_eq(n, 2);
    ck_assert_int_eq(rows[1].calendar_id, k);
    ck_assert_int_eq(rows[1].center_id, c);
    ck_assert_int_eq(rows[1].start, START);
    ck_assert_str_eq(rows[1].phone_number, "+32470000000");
    ck_assert_str_eq(rows[1].country, "BE");

    /* started, cancelled, deleted, or its patient deleted: no longer */
    snprintf(want, sizeof want, "%lld", (long long)a1);
    ck_assert_str_eq(candidates(START - DAY / 2), want);
    appointment ap = get_appt(k, "a1");
    ap.status = APPT_CANCELLED;
    ap.updated_at = START - DAY;
    ck_assert_int_eq(store_appointment_update(st, &ap), STORE_OK);
    snprintf(want, sizeof want, "%lld", (long long)a3);
    ck_assert_str_eq(candidates(START - DAY), want);
    ck_assert_int_eq(store_patient_delete(st, c, other, START - DAY), STORE_OK);
    ck_assert_str_eq(candidates(START - DAY), "");
}
END_TEST

START_TEST(a_confirmation_keeps_its_first_time_and_needs_a_live_appointment)
{
    int64_t c = make_center("c");
    int64_t k = make_calendar(c, "k");
    int64_t a = add_appt(k, "a", START, START + 1800, APPT_BOOKED);
    int64_t gone = add_appt(k, "g", START + DAY, START + DAY + 1800, APPT_BOOKED);
    ck_assert_int_eq(store_appointment_delete(st, k, gone, 2000), STORE_OK);
    int64_t at = -1;
    ck_assert_int_eq(store_appointment_confirmed_at(st, a, &at), STORE_OK);
    ck_assert_int_eq(at, 0);
    ck_assert_int_eq(store_appointment_confirm(st, a, 5000), STORE_OK);
    ck_assert_int_eq(store_appointment_confirm(st, a, 6000), STORE_OK);
    ck_assert_int_eq(store_appointment_confirmed_at(st, a, &at), STORE_OK);
    ck_assert_int_eq(at, 5000);
    ck_assert_int_eq(store_appointment_confirm(st, gone, 5000), STORE_OK);
    ck_assert_int_eq(store_appointment_confirmed_at(st, gone, &at), STORE_OK);
    ck_assert_int_eq(at, 0);
    /* the appointment itself is untouched: not stamped for pollers */
    ck_assert_int_eq(get_appt(k, "a").updated_at, 1000);
}
END_TEST

START_TEST(replies_are_listed_newest_first_by_outcome)
{
    int64_t c = make_center("c");
    int64_t other = make_center("o");
    int64_t k = make_calendar(c, "k");
    int64_t a = add_appt(k, "a", START, START + 1800, APPT_BOOKED);
    const char *outcomes[] = {"confirmed", "unclear", "cancelled", "unclear"};
    int64_t ids[4];
    for (int i = 0; i < 4; i++) {
        sms_reply r = {.center_id = c,
                       .appointment_id = i == 1 ? 0 : a,
                       .from_number = "+32470000000",
                       .body = outcomes[i],
                       .outcome = outcomes[i],
                       .received_at = 2000 + i};
        ck_assert_int_eq(store_reply_insert(st, &r), STORE_OK);
        ids[i] = r.id;
    }
    sms_reply lost = {.from_number = "+15550000000", .body = "?", .outcome = "unclear"};
    ck_assert_int_eq(store_reply_insert(st, &lost), STORE_OK);
    sms_reply bad = {.center_id = 987654, .from_number = "x", .body = "x", .outcome = "unclear"};
    ck_assert_int_eq(store_reply_insert(st, &bad), STORE_NOT_FOUND);

    list_query q = {.page = 1, .per_page = 2};
    sms_reply *rows = NULL;
    size_t n = 0;
    int64_t total = 0;
    ck_assert_int_eq(store_reply_list(st, c, NULL, &q, A, &rows, &n, &total), STORE_OK);
    ck_assert_int_eq(total, 4);
    ck_assert_uint_eq(n, 2);
    ck_assert_int_eq(rows[0].id, ids[3]);
    ck_assert_int_eq(rows[1].id, ids[2]);
    ck_assert_str_eq(rows[1].outcome, "cancelled");
    ck_assert_int_eq(rows[1].appointment_id, a);
    ck_assert_int_eq(rows[1].center_id, c);
    ck_assert_int_eq(rows[1].received_at, 2002);
    ck_assert_str_eq(rows[1].from_number, "+32470000000");

    q.page = 0;
    ck_assert_int_eq(store_reply_list(st, c, "unclear", &q, A, &rows, &n, &total), STORE_OK);
    ck_assert_int_eq(total, 2);
    ck_assert_uint_eq(n, 2);
    ck_assert_int_eq(rows[0].id, ids[3]);
    ck_assert_int_eq(rows[1].id, ids[1]);
    ck_assert_int_eq(rows[1].appointment_id, 0);
    ck_assert_int_eq(store_reply_list(st, other, NULL, &q, A, &rows, &n, &total), STORE_OK);
    ck_assert_int_eq(total, 0);
    ck_assert_uint_eq(n, 0);
}
END_TEST

START_TEST(a_centers_messages_page_newest_first_by_state)
{
    int64_t c = make_center("c");
    int64_t k = make_calendar(c, "k");
    set_rules(c, "sms 1d\nemail 2d");
    int64_t pid = add_patient(c, "p", 1000);
    book(k, "a1", pid, START);
    book(k, "a2", pid, START + DAY);
    ck_assert_int_eq(send_due(START - 2 * DAY, "reminder", "email"), 1);

    list_query q = {.page = 1, .per_page = 3};
    message *rows = NULL;
    size_t n = 0;
    int64_t total = 0;
    ck_assert_int_eq(store_message_page_for_center(st, c, NULL, &q, A, &rows, &n, &total),
                     STORE_OK);
    ck_assert_int_eq(total, 4);
    ck_assert_uint_eq(n, 3);
    ck_assert_int_eq(rows[0].due_at, START);
    ck_assert_str_eq(rows[0].channel, "sms");
    ck_assert_int_eq(rows[1].due_at, START - DAY);
    ck_assert_int_eq(rows[2].due_at, START - DAY);
    ck_assert_int_gt(rows[1].id, rows[2].id);
    q.page = 2;
    ck_assert_int_eq(store_message_page_for_center(st, c, NULL, &q, A, &rows, &n, &total),
                     STORE_OK);
    ck_assert_uint_eq(n, 1);
    ck_assert_int_eq(rows[0].due_at, START - 2 * DAY);
    ck_assert_str_eq(rows[0].state, "sent");

    q.page = 0;
    ck_assert_int_eq(store_message_page_for_center(st, c, "sent", &q, A, &rows, &n, &total),
                     STORE_OK);
    ck_assert_int_eq(total, 1);
    ck_assert_uint_eq(n, 1);
    ck_assert_str_eq(rows[0].recipient, "+32470000000");
    ck_assert_int_eq(rows[0].sent_at, START - 2 * DAY);
    ck_assert_int_eq(store_message_page_for_center(st, c, "failed", &q, A, &rows, &n, &total),
                     STORE_OK);
    ck_assert_int_eq(total, 0);
    ck_assert_uint_eq(n, 0);
}
END_TEST

/* Regression: the receipt read its message's state into an arena smaller
 * than an arena's first block, so every receipt failed (STORE_ERROR). */
START_TEST(a_delivery_receipt_moves_a_sent_message_forward_only)
{
    int64_t c = make_center("c");
    int64_t k = make_calendar(c, "k");
    set_rules(c, "sms 1d");
    book(k, "a1", add_patient(c, "p", 1000), START);
    ck_assert_int_eq(send_due(START - DAY, "reminder", "sms"), 1);
    message *m = NULL;
    size_t n = 0;
    ck_assert_int_eq(store_message_receipt(st, "SM-test", "delivered", START - 100), STORE_OK);
    ck_assert_int_eq(store_message_list_for_center(st, c, NULL, 10, A, &m, &n), STORE_OK);
    ck_assert_uint_eq(n, 1);
    ck_assert_str_eq(m[0].state, "delivered");
    ck_assert_int_eq(m[0].delivered_at, START - 100);
    ck_assert_int_eq(store_message_receipt(st, "SM-test", "sent", START - 50), STORE_OK);
    ck_assert_int_eq(store_message_receipt(st, "SM-other", "failed", START - 50), STORE_NOT_FOUND);
    ck_assert_int_eq(store_message_list_for_center(st, c, NULL, 10, A, &m, &n), STORE_OK);
    ck_assert_str_eq(m[0].state, "delivered");
    ck_assert_int_eq(m[0].delivered_at, START - 100);
}
END_TEST

static void add_common_tests(TCase *tc)
{
    tcase_add_test(tc, candidates_are_appointments_an_sms_reminder_was_sent_for);
    tcase_add_test(tc, a_confirmation_keeps_its_first_time_and_needs_a_live_appointment);
    tcase_add_test(tc, replies_are_listed_newest_first_by_outcome);
    tcase_add_test(tc, a_centers_messages_page_newest_first_by_state);
    tcase_add_test(tc, a_delivery_receipt_moves_a_sent_message_forward_only);
}

Suite *suite_replies(void)
{
    return store_suite("replies", add_common_tests, NULL);
}
