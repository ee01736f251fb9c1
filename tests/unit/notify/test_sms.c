/* test_sms.c - the SMS gateway's pure parts: the body template (check,
 * expansion, escaping for JSON and forms, parsed back), the provider's id in
 * an answer, what a status makes of a send, and the refusals sms_send makes
 * before it connects (no network here: real sinks are in
 * tests/notify_peers/). */
#include <check.h>
#include <cjson/cJSON.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../suites.h"
#include "http/form.h"
#include "notify/sms.h"

#define UNKNOWN                                                                                    \
    "unknown placeholder in the SMS body template (known: {to}, {text}, {id}, {status_url})"

static const sms_message sample = {
    .to = "+32470123456",
    .text = "Rappel: rendez-vous demain \xc3\xa0 09:00 avec Dr. \"Jo\" \\ Van Hecke",
    .id = "m42.reminder.v3",
    .status_url = "https://agenda.example.org/api/v2/sms/status",
};

static char *expand(const char *tpl, sms_format format, const sms_message *m)
{
    buf out;
    buf_init(&out, SMS_BODY_MAX, NULL);
    const char *err = NULL;
    ck_assert_msg(sms_body_expand(tpl, format, m, &out, &err), "%s: %s", tpl, err ? err : "");
    ck_assert_ptr_null(err);
    size_t len;
    return buf_take(&out, &len);
}

static void expect_expand(const char *tpl, sms_format format, const sms_message *m,
                          const char *want)
{
    char *got = expand(tpl, format, m);
    ck_assert_msg(strcmp(got, want) == 0, "%s\n  gave %s\n  want %s", tpl, got, want);
    free(got);
}

START_TEST(template_check)
{
    const char *err = NULL;
    const char *good[] = {"", "{\"to\": \"{to}\", \"text\": \"{text}\", \"reference\": \"{id}\"}",
                          "To={to}&Body={text}&StatusCallback={status_url}&From=%2B3212345",
                          "{}{{}}{ to }{\"a\":{\"b\":[{}]}}{1x}{-}{to",
                          "{to}{text}{id}{status_url}"};
    for (size_t i = 0; i < sizeof good / sizeof good[0]; i++)
        ck_assert_msg(sms_body_template_check(good[i], &err), "%s: %s", good[i], err);
    const char *bad[] = {"{from}", "{To}", "x={text}&y={stat_url}", "{t0}", "{_}", "{text_}"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        err = NULL;
        ck_assert_msg(!sms_body_template_check(bad[i], &err), "accepted %s", bad[i]);
        ck_assert_str_eq(err, UNKNOWN);
    }
    ck_assert(!sms_body_template_check(NULL, &err));
    ck_assert_str_eq(err, "no SMS body template");
    ck_assert(sms_body_template_check("{to}", NULL));
}
END_TEST

/* A JSON body parses, and each value comes back exactly. */
START_TEST(json_bodies)
{
    const char *tpl = "{\"to\": \"{to}\", \"text\": \"{text}\", \"reference\": \"{id}\", "
                      "\"callback\": \"{status_url}\", \"nested\": {\"again\": \"{to}\"}}";
    sms_message m = sample;
    char nasty[64] = "ctl:\x01\x1f\x7f tab\t nl\n cr\r bs\b ff\f q\" b\\ /";
    m.text = nasty;
    char *body = expand(tpl, SMS_FORMAT_JSON, &m);
    ck_assert_ptr_nonnull(strstr(body, "\\u0001\\u001f\\u007f tab\\t nl\\n cr\\r bs\\b ff\\f "
                                       "q\\\" b\\\\ /"));
    cJSON *tree = cJSON_Parse(body);
    ck_assert_msg(tree != NULL, "not JSON: %s", body);
    ck_assert_str_eq(cJSON_GetObjectItem(tree, "to")->valuestring, m.to);
    ck_assert_str_eq(cJSON_GetObjectItem(tree, "text")->valuestring, nasty);
    ck_assert_str_eq(cJSON_GetObjectItem(tree, "reference")->valuestring, m.id);
    ck_assert_str_eq(cJSON_GetObjectItem(tree, "callback")->valuestring, m.status_url);
    ck_assert_str_eq(cJSON_GetObjectItem(cJSON_GetObjectItem(tree, "nested"), "again")->valuestring,
                     m.to);
    cJSON_Delete(tree);
    free(body);

    /* non-ASCII stays UTF-8, not \u escapes */
    expect_expand("\"{text}\"", SMS_FORMAT_JSON, &sample,
                  "\"Rappel: rendez-vous demain \xc3\xa0 09:00 avec Dr. \\\"Jo\\\" \\\\ Van "
                  "Hecke\"");
    /* a missing status_url is empty; the template's own braces stay */
    m = sample;
    m.status_url = NULL;
    expect_expand("{\"u\":\"{status_url}\",\"x\":{}}", SMS_FORMAT_JSON, &m,
                  "{\"u\":\"\",\"x\":{}}");
}
END_TEST

/* A form body parses back (with the server's own form parser) to the values. */
START_TEST(form_bodies)
{
    const char *tpl = "To={to}&From=%2B3225550000&Body={text}&StatusCallback={status_url}"
                      "&Reference={id}";
    sms_message m = sample;
    m.text = "a b+c&d=e%f\xc3\xa9\xe2\x82\xac *-._~!'()\n";
    char *body = expand(tpl, SMS_FORMAT_FORM, &m);
    ck_assert_str_eq(body, "To=%2B32470123456&From=%2B3225550000&Body=a+b%2Bc%26d%3De%25f%C3%A9%E2"
                           "%82%AC+*-._%7E%21%27%28%29%0A&StatusCallback=https%3A%2F%2Fagenda."
                           "example.org%2Fapi%2Fv2%2Fsms%2Fstatus&Reference=m42.reminder.v3");
    const char *err = NULL;
    cJSON *tree = form_parse(body, strlen(body), &err);
    ck_assert_msg(tree != NULL, "%s", err);
    ck_assert_str_eq(cJSON_GetObjectItem(tree, "To")->valuestring, m.to);
    ck_assert_str_eq(cJSON_GetObjectItem(tree, "From")->valuestring, "+3225550000");
    ck_assert_str_eq(cJSON_GetObjectItem(tree, "Body")->valuestring, m.text);
    ck_assert_str_eq(cJSON_GetObjectItem(tree, "StatusCallback")->valuestring, m.status_url);
    ck_assert_str_eq(cJSON_GetObjectItem(tree, "Reference")->valuestring, m.id);
    cJSON_Delete(tree);
    free(body);
}
END_TEST

START_TEST(expansion_refusals)
{
    buf out;
    buf_init(&out, SMS_BODY_MAX, NULL);
    const char *err = NULL;
    ck_assert(!sms_body_expand("{\"x\":\"{sender}\"}", SMS_FORMAT_JSON, &sample, &out, &err));
    ck_assert_str_eq(err, UNKNOWN);
    buf_free(&out);
    sms_message m = sample;
    m.text = "caf\xe9";
    ck_assert(!sms_body_expand("{text}", SMS_FORMAT_FORM, &m, &out, &err));
    ck_assert_str_eq(err, "an SMS value is not UTF-8");
    buf_free(&out);
    buf small;
    buf_init(&small, 10, NULL);
    ck_assert(!sms_body_expand("{text}", SMS_FORMAT_JSON, &sample, &small, &err));
    ck_assert_str_eq(err, "SMS request body too large");
    buf_free(&small);
}
END_TEST

static void expect_id(const char *answer, const char *field, const char *want)
{
    char out[SMS_PROVIDER_ID_MAX + 1];
    const char *err = "unset";
    ck_assert_msg(sms_answer_id(answer, strlen(answer), field, out, &err), "%s at %s: %s", answer,
                  field, err);
    ck_assert_ptr_null(err);
    ck_assert_str_eq(out, want);
}

static void refuse_id(const char *answer, const char *field, const char *want)
{
    char out[SMS_PROVIDER_ID_MAX + 1] = "junk";
    const char *err = NULL;
    ck_assert_msg(!sms_answer_id(answer, strlen(answer), field, out, &err), "read %s", out);
    ck_assert_msg(strcmp(err, want) == 0, "%s: got %s", answer, err);
    ck_assert_str_eq(out, "");
}

START_TEST(provider_ids)
{
    /* Twilio's answer */
    expect_id("{\"sid\": \"SM1234567890abcdef1234567890abcdef\", \"status\": \"queued\"}", "sid",
              "SM1234567890abcdef1234567890abcdef");
    expect_id("{\"data\": {\"message\": {\"id\": \"abc-1\"}}}", "data.message.id", "abc-1");
    /* Vonage's: an array on the way */
    expect_id("{\"messages\": [{\"message-id\": \"0A000000\"}, {\"message-id\": \"x\"}]}",
              "messages.0.message-id", "0A000000");
    expect_id("{\"messages\": [{\"id\": 1}, {\"id\": 2}]}", "messages.1.id", "2");
    /* numbers as their text */
    expect_id("{\"id\": 12345}", "id", "12345");
    expect_id("{\"id\": -7}", "id", "-7");
    expect_id("{\"id\": 9007199254740992}", "id", "9007199254740992");
    expect_id("{\"id\": 1.5}", "id", "1.5");
    expect_id("{\"id\": 1e300}", "id", "1.0000000000000001e+300");
    expect_id("{\"id\": \"caf\xc3\xa9\"}", "id", "caf\xc3\xa9");
    expect_id("{\"a.b\": \"x\", \"a\": {\"b\": \"y\"}}", "a.b", "y"); /* dots always nest */

    refuse_id("", "sid", "the gateway's answer is not JSON");
    refuse_id("<html>oops</html>", "sid", "the gateway's answer is not JSON");
    refuse_id("{\"sid\": \"x\"", "sid", "the gateway's answer is not JSON");
    refuse_id("{\"other\": \"x\"}", "sid", "the gateway's answer has no id_field");
    refuse_id("{\"Sid\": \"x\"}", "sid", "the gateway's answer has no id_field");
    refuse_id("{\"a\": {\"b\": \"x\"}}", "a.c", "the gateway's answer has no id_field");
    refuse_id("{\"a\": \"x\"}", "a.b", "the gateway's answer has no id_field");
    refuse_id("{\"a\": [\"x\"]}", "a.1", "the gateway's answer has no id_field");
    refuse_id("{\"a\": [\"x\"]}", "a.-0", "the gateway's answer has no id_field");
    refuse_id("{\"a\": \"x\"}", "a.", "the gateway's answer has no id_field");
    refuse_id("{\"a\": \"x\"}", ".a", "the gateway's answer has no id_field");
    refuse_id("[\"x\"]", "sid", "the gateway's answer has no id_field");
    refuse_id("{\"sid\": null}", "sid", "the gateway's id_field is neither a string nor a number");
    refuse_id("{\"sid\": {}}", "sid", "the gateway's id_field is neither a string nor a number");
    refuse_id("{\"sid\": true}", "sid", "the gateway's id_field is neither a string nor a number");
    refuse_id("{\"sid\": \"\"}", "sid", "the provider id is empty, too long or not UTF-8");
    refuse_id("{\"sid\": \"a\\nb\"}", "sid", "the provider id holds a control character");
    char big[400];
    snprintf(big, sizeof big, "{\"sid\": \"%0129d\"}", 0);
    refuse_id(big, "sid", "the provider id is empty, too long or not UTF-8");
    snprintf(big, sizeof big, "{\"sid\": \"%0128d\"}", 0);
    char out[SMS_PROVIDER_ID_MAX + 1];
    ck_assert(sms_answer_id(big, strlen(big), "sid", out, NULL));
    ck_assert_uint_eq(strlen(out), 128);
    /* the answer is read to len, not to a NUL */
    ck_assert(sms_answer_id("{\"sid\": \"x\"}garbage", 12, "sid", out, NULL));
    ck_assert_str_eq(out, "x");
}
END_TEST

START_TEST(status_results)
{
    long ok[] = {200, 201, 202, 204, 299};
    long temporary[] = {408, 429, 500, 502, 503, 504, 599};
    long permanent[] = {0, 100, 199, 300, 301, 302, 304, 400, 401, 403, 404, 409, 413, 422, 600};
    for (size_t i = 0; i < sizeof ok / sizeof ok[0]; i++)
        ck_assert_int_eq(sms_status_result(ok[i]), SEND_OK);
    for (size_t i = 0; i < sizeof temporary / sizeof temporary[0]; i++)
        ck_assert_msg(sms_status_result(temporary[i]) == SEND_TEMPORARY, "%ld", temporary[i]);
    for (size_t i = 0; i < sizeof permanent / sizeof permanent[0]; i++)
        ck_assert_msg(sms_status_result(permanent[i]) == SEND_PERMANENT, "%ld", permanent[i]);
}
END_TEST

static sms_settings settings(void)
{
    return (sms_settings){
        .on = true,
        .url = "http://127.0.0.1:1/send", /* nothing is tried below */
        .method = NULL,
        .format = SMS_FORMAT_JSON,
        .body = "{\"to\": \"{to}\", \"text\": \"{text}\"}",
        .headers = {"Authorization: Bearer tok-123"},
        .n_headers = 1,
        .password = "pw",
    };
}

static void expect_send(const sms_settings *s, const sms_message *m, send_result want,
                        const char *reason)
{
    char id[SMS_PROVIDER_ID_MAX + 1] = "junk";
    char err[256];
    send_result got = sms_send(s, m, id, err, sizeof err);
    ck_assert_msg(got == want, "got %s (%s)", send_result_name(got), err);
    ck_assert_str_eq(err, reason);
    ck_assert_str_eq(id, "");
}

START_TEST(refused_before_connecting)
{
    sms_settings s = settings();
    s.url = NULL;
    expect_send(&s, &sample, SEND_TEMPORARY, "SMS gateway: no url configured");
    s = settings();
    s.body = "{\"to\": \"{number}\"}";
    expect_send(&s, &sample, SEND_TEMPORARY, "SMS gateway: " UNKNOWN);
    s = settings();
    s.method = "post me";
    expect_send(&s, &sample, SEND_TEMPORARY, "SMS gateway: malformed method");
    s = settings();
    const char *headers[] = {"NoColon", ": empty name", "Bad Name: x", "X-Ok: a\r\nX-Evil: b"};
    for (size_t i = 0; i < sizeof headers / sizeof headers[0]; i++) {
        s.headers[0] = headers[i];
        expect_send(&s, &sample, SEND_TEMPORARY, "SMS gateway: malformed header setting");
    }
    s = settings();
    sms_message m = sample;
    m.to = "";
    expect_send(&s, &m, SEND_PERMANENT, "SMS gateway: no number to send to");
    m = sample;
    m.text = "\xff";
    expect_send(&s, &m, SEND_PERMANENT, "SMS gateway: an SMS value is not UTF-8");
    char id[SMS_PROVIDER_ID_MAX + 1];
    s.url = "";
    ck_assert_int_eq(sms_send(&s, &sample, id, NULL, 0), SEND_TEMPORARY);
}
END_TEST

Suite *suite_sms(void)
{
    Suite *s = suite_create("sms");
    TCase *tc = tcase_create("core");
    tcase_add_test(tc, template_check);
    tcase_add_test(tc, json_bodies);
    tcase_add_test(tc, form_bodies);
    tcase_add_test(tc, expansion_refusals);
    tcase_add_test(tc, provider_ids);
    tcase_add_test(tc, status_results);
    tcase_add_test(tc, refused_before_connecting);
    suite_add_tcase(s, tc);
    return s;
}
