/* test_smtp.c - what an SMTP reply makes of a send, and the refusals
 * smtp_send makes before it connects (no network here: real servers are in
 * tests/notify_peers/). */
#include <check.h>
#include <string.h>

#include "../suites.h"
#include "notify/smtp.h"

START_TEST(reply_results)
{
    struct {
        const char *command;
        int code;
        send_result want;
    } cases[] = {
        {"DATA", 250, SEND_OK},        {"DATA", 354, SEND_OK},
        {"MAIL", 550, SEND_PERMANENT}, {"RCPT", 550, SEND_PERMANENT},
        {"RCPT", 553, SEND_PERMANENT}, {"DATA", 554, SEND_PERMANENT},
        {"DATA", 552, SEND_PERMANENT}, {"RCPT", 450, SEND_TEMPORARY},
        {"DATA", 451, SEND_TEMPORARY}, {"MAIL", 421, SEND_TEMPORARY},
        {"", 554, SEND_TEMPORARY},     {"", 421, SEND_TEMPORARY},
        {"EHLO", 550, SEND_TEMPORARY}, {"HELO", 501, SEND_TEMPORARY},
        {"AUTH", 535, SEND_TEMPORARY}, {"STARTTLS", 554, SEND_TEMPORARY},
        {"RCPT", 0, SEND_TEMPORARY},   {"RCPT", 600, SEND_TEMPORARY},
        {"rcpt", 550, SEND_TEMPORARY}, /* verbs are upper case, as sent */
        {"MAIL", 530, SEND_TEMPORARY}, {"RCPT", 530, SEND_TEMPORARY},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++)
        ck_assert_msg(smtp_reply_result(cases[i].command, cases[i].code) == cases[i].want, "%s %d",
                      cases[i].command, cases[i].code);
}
END_TEST

static smtp_settings settings(void)
{
    return (smtp_settings){
        .on = true,
        /* port 1 on loopback: nothing listens, and nothing is tried below */
        .url = "smtp://127.0.0.1:1",
        .starttls = SMTP_STARTTLS_OFF,
        .username = "user",
        .password = "s3cret-pass",
        .from = "Demo <noreply@example.org>",
    };
}

static void expect(const smtp_settings *s, const char *to, send_result want, const char *reason)
{
    char err[256];
    memset(err, 'x', sizeof err);
    send_result got = smtp_send(s, to, "x\r\n", 3, err, sizeof err);
    ck_assert_msg(got == want, "%s: got %s (%s)", to, send_result_name(got), err);
    ck_assert_str_eq(err, reason);
}

START_TEST(refused_before_connecting)
{
    smtp_settings s = settings();
    expect(&s, "not an address", SEND_PERMANENT,
           "SMTP: not a usable recipient address: not an address");
    expect(&s, "a@b\r\nRCPT TO:<c@d>", SEND_PERMANENT,
           "SMTP: not a usable recipient address: a@b\\r\\nRCPT TO:<c@d>");
    expect(&s, "", SEND_PERMANENT, "SMTP: not a usable recipient address: ");
    s.from = "Demo <nope>";
    expect(&s, "jo@example.com", SEND_TEMPORARY,
           "SMTP: the from setting: malformed sender address");
    s.from = NULL;
    expect(&s, "jo@example.com", SEND_TEMPORARY, "SMTP: the from setting: missing");
    s = settings();
    s.url = NULL;
    expect(&s, "jo@example.com", SEND_TEMPORARY, "SMTP: no server configured");
    s.url = "";
    expect(&s, "jo@example.com", SEND_TEMPORARY, "SMTP: no server configured");
    /* errlen 0: nothing is written */
    s = settings();
    ck_assert_int_eq(smtp_send(&s, "bad", "x", 1, NULL, 0), SEND_PERMANENT);
    /* a reason cut short stays one terminated line */
    char err[16];
    ck_assert_int_eq(smtp_send(&s, "bad address here", "x", 1, err, sizeof err), SEND_PERMANENT);
    ck_assert_str_eq(err, "SMTP: not a ...");
}
END_TEST

Suite *suite_smtp(void)
{
    Suite *s = suite_create("smtp");
    TCase *tc = tcase_create("core");
    tcase_add_test(tc, reply_results);
    tcase_add_test(tc, refused_before_connecting);
    suite_add_tcase(s, tc);
    return s;
}
