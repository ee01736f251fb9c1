/* test_signature.c - Twilio's request signature against Twilio's own
 * examples, the ordering rules, and verification's refusals. */
#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "../suites.h"
#include "notify/signature.h"

/* Twilio's documented example (its security page and its libraries). */
#define DOC_URL    "https://mycompany.com/myapp.php?foo=1&bar=2"
#define DOC_SECRET "12345"
#define DOC_SIG    "0/KCTR6DLpKmkAf8muzZqo1nDgQ="

static const signature_param doc_params[] = {
    {"CallSid", "CA1234567890ABCDE"}, {"Caller", "+12349013030"}, {"Digits", "1234"},
    {"From", "+12349013030"},         {"To", "+18005551212"},
};
#define DOC_N (sizeof doc_params / sizeof doc_params[0])

static void expect_sig(const char *secret, const char *url, const signature_param *p, size_t n,
                       const char *want)
{
    char out[SIGNATURE_CHARS + 1];
    const char *err = "unset";
    ck_assert_msg(signature_twilio(secret, url, p, n, out, &err), "refused: %s", err);
    ck_assert_ptr_null(err);
    ck_assert_str_eq(out, want);
    ck_assert(signature_twilio_valid(secret, url, p, n, want));
}

START_TEST(documented_example)
{
    expect_sig(DOC_SECRET, DOC_URL, doc_params, DOC_N, DOC_SIG);
}
END_TEST

/* The order the parameters arrive in does not matter, and the caller's
 * array is left as it was. */
START_TEST(parameter_order_is_irrelevant)
{
    signature_param shuffled[] = {
        {"To", "+18005551212"},   {"Digits", "1234"},         {"CallSid", "CA1234567890ABCDE"},
        {"From", "+12349013030"}, {"Caller", "+12349013030"},
    };
    expect_sig(DOC_SECRET, DOC_URL, shuffled, 5, DOC_SIG);
    ck_assert_str_eq(shuffled[0].name, "To");
    ck_assert_str_eq(shuffled[4].name, "Caller");
}
END_TEST

/* The voice-call example of Twilio's Ruby library: 27 parameters, some empty. */
START_TEST(library_voice_example)
{
    static const signature_param p[] = {
        {"ToState", "California"},
        {"CalledState", "California"},
        {"Direction", "inbound"},
        {"FromState", "CA"},
        {"AccountSid", "ACba8bc05eacf94afdae398e642c9cc32d"},
        {"Caller", "+14153595711"},
        {"CallerZip", "94108"},
        {"CallerCountry", "US"},
        {"From", "+14153595711"},
        {"FromCity", "SAN FRANCISCO"},
        {"CallerCity", "SAN FRANCISCO"},
        {"To", "+14157669926"},
        {"FromZip", "94108"},
        {"FromCountry", "US"},
        {"ToCity", ""},
        {"CallStatus", "ringing"},
        {"CalledCity", ""},
        {"CallerState", "CA"},
        {"CalledZip", ""},
        {"ToZip", ""},
        {"ToCountry", "US"},
        {"CallSid", "CA136d09cd59a3c0ec8dbff44da5c03f31"},
        {"CalledCountry", "US"},
        {"Called", "+14157669926"},
        {"ApiVersion", "2010-04-01"},
        {"ApplicationSid", "AP44efecad51364e80b133bb7c07eb8204"},
    };
    expect_sig("2bd9e9638872de601313dc77410d3b23", "http://twiliotests.heroku.com/validate/voice",
               p, sizeof p / sizeof p[0], "oVb2kXoVy8GEfwBDjR8bk/ZZ6eA=");
}
END_TEST

/* Values computed independently (Python's hmac and base64 over the same
 * concatenation): no parameters, names sorted bytewise (upper case before
 * lower case, UTF-8 after ASCII), one name twice sorted by value. */
START_TEST(ordering_rules)
{
    expect_sig("secret", "https://example.org/api/v2/sms/status", NULL, 0,
               "D3JAjDGCtHPAkDv/AmkouBqvtXw=");
    signature_param bytewise[] = {{"b", "1"}, {"\xc3\xa9", "2"}, {"B", "3"}, {"a", "4"}};
    /* signed text: url "B3a4b1\xc3\xa9" "2" */
    expect_sig("secret", "https://example.org/x", bytewise, 4, "tkOaGuNqzf+5GkJ4hlN4Y6VfcEU=");
    signature_param twice[] = {{"k", "b"}, {"k", "a"}, {"j", "z"}};
    /* signed text: url "jzkakb" */
    expect_sig("secret", "https://example.org/x", twice, 3, "htg/Rgsd1/Z6synY18FRHbYXwqs=");
}
END_TEST

START_TEST(verification_refuses)
{
    ck_assert(!signature_twilio_valid(DOC_SECRET, DOC_URL, doc_params, DOC_N, NULL));
    ck_assert(!signature_twilio_valid(DOC_SECRET, DOC_URL, doc_params, DOC_N, ""));
    ck_assert(!signature_twilio_valid(NULL, DOC_URL, doc_params, DOC_N, DOC_SIG));
    ck_assert(!signature_twilio_valid("", DOC_URL, doc_params, DOC_N, DOC_SIG));
    ck_assert(!signature_twilio_valid("12346", DOC_URL, doc_params, DOC_N, DOC_SIG));
    /* one byte of the signature, of the URL, of a value, a parameter less */
    ck_assert(!signature_twilio_valid(DOC_SECRET, DOC_URL, doc_params, DOC_N,
                                      "0/KCTR6DLpKmkAf8muzZqo1nDgR="));
    ck_assert(!signature_twilio_valid(DOC_SECRET, DOC_URL, doc_params, DOC_N,
                                      "0/KCTR6DLpKmkAf8muzZqo1nDgQ"));
    ck_assert(!signature_twilio_valid(DOC_SECRET, DOC_URL, doc_params, DOC_N, DOC_SIG "="));
    ck_assert(!signature_twilio_valid(DOC_SECRET, "https://mycompany.com/myapp.php?foo=1&bar=3",
                                      doc_params, DOC_N, DOC_SIG));
    signature_param changed[DOC_N];
    memcpy(changed, doc_params, sizeof changed);
    changed[2].value = "1235";
    ck_assert(!signature_twilio_valid(DOC_SECRET, DOC_URL, changed, DOC_N, DOC_SIG));
    ck_assert(!signature_twilio_valid(DOC_SECRET, DOC_URL, doc_params, DOC_N - 1, DOC_SIG));
    /* a name and value moved across their boundary sign the same text: the
     * scheme's own weakness, shown so nobody relies on it */
    signature_param shifted[DOC_N];
    memcpy(shifted, doc_params, sizeof shifted);
    shifted[2] = (signature_param){"Digits1", "234"};
    ck_assert(signature_twilio_valid(DOC_SECRET, DOC_URL, shifted, DOC_N, DOC_SIG));
}
END_TEST

START_TEST(refusals_name_their_reason)
{
    char out[SIGNATURE_CHARS + 1];
    const char *err = NULL;
    ck_assert(!signature_twilio("", DOC_URL, doc_params, DOC_N, out, &err));
    ck_assert_str_eq(err, "no secret to sign with");
    size_t big = SIGNATURE_DATA_MAX;
    char *value = malloc(big + 1);
    ck_assert_ptr_nonnull(value);
    memset(value, 'v', big);
    value[big] = '\0';
    signature_param p[] = {{"Body", value}};
    err = NULL;
    ck_assert(!signature_twilio(DOC_SECRET, DOC_URL, p, 1, out, &err));
    ck_assert_str_eq(err, "too much data to sign");
    ck_assert(!signature_twilio_valid(DOC_SECRET, DOC_URL, p, 1, DOC_SIG));
    free(value);
}
END_TEST

Suite *suite_signature(void)
{
    Suite *s = suite_create("signature");
    TCase *tc = tcase_create("core");
    tcase_add_test(tc, documented_example);
    tcase_add_test(tc, parameter_order_is_irrelevant);
    tcase_add_test(tc, library_voice_example);
    tcase_add_test(tc, ordering_rules);
    tcase_add_test(tc, verification_refuses);
    tcase_add_test(tc, refusals_name_their_reason);
    suite_add_tcase(s, tc);
    return s;
}
