/* test_fields.c - the typed field readers: accept/reject tables for each
 * reader, error recording with prefixes, and body unwrapping. */
#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "../suites.h"
#include "api/fields.h"
#include "http/body.h"

static arena *a;
static field_errors fe;

static void setup(void)
{
    a = arena_new(ARENA_DEFAULT_LIMIT);
    ck_assert_ptr_nonnull(a);
    fe = (field_errors){.arena = a, .prefix = ""};
}

static void teardown(void)
{
    cJSON_Delete(fe.errors);
    arena_free(a);
    a = NULL;
}

/* Parses `json` ({"v": ...} usually) as a request body is parsed (numbers
 * keep their text) into a tree the test frees. */
static cJSON *obj(const char *json)
{
    const char *err = NULL;
    cJSON *o = body_parse(json, strlen(json), false, &err);
    ck_assert_msg(o != NULL, "bad test JSON %s", json);
    return o;
}

/* The same through cJSON alone: numbers without their text. */
static cJSON *raw_obj(const char *json)
{
    cJSON *o = cJSON_Parse(json);
    ck_assert_msg(o != NULL, "bad test JSON %s", json);
    return o;
}

/* The message recorded for `key`, or NULL. */
static const char *error_for(const char *key)
{
    return cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(fe.errors, key));
}

/* Expects fields_string on {"v": json} to give `want`. */
static void string_ok(const char *json, const char *want)
{
    cJSON *o = obj(json);
    const char *out = NULL;
    ck_assert_int_eq(fields_string(o, "v", &fe, &out), FIELD_SET);
    ck_assert_str_eq(out, want);
    ck_assert_int_eq(fe.count, 0);
    cJSON_Delete(o);
}

/* Expects `st` to be FIELD_INVALID with `message` recorded under "v", then
 * clears the errors for the next case. */
static void expect_invalid(field_state st, const char *json, const char *message)
{
    ck_assert_msg(st == FIELD_INVALID, "%s: state %d", json, (int)st);
    ck_assert_int_eq(fe.count, 1);
    ck_assert_ptr_nonnull(error_for("v"));
    ck_assert_str_eq(error_for("v"), message);
    cJSON_Delete(fe.errors);
    fe.errors = NULL;
    fe.count = 0;
}

static void string_bad(const char *json, const char *message)
{
    cJSON *o = obj(json);
    const char *out = "untouched";
    expect_invalid(fields_string(o, "v", &fe, &out), json, message);
    ck_assert_str_eq(out, "untouched");
    cJSON_Delete(o);
}

static void int_ok(const char *json, int64_t want)
{
    cJSON *o = obj(json);
    int64_t out = -12345;
    ck_assert_msg(fields_int(o, "v", &fe, &out) == FIELD_SET, "refused %s", json);
    ck_assert_int_eq(out, want);
    cJSON_Delete(o);
}

static void int_bad(const char *json)
{
    cJSON *o = obj(json);
    int64_t out = -12345;
    expect_invalid(fields_int(o, "v", &fe, &out), json, "must be a whole number");
    ck_assert_int_eq(out, -12345);
    cJSON_Delete(o);
}

static void timestamp_ok(const char *json, int64_t want)
{
    cJSON *o = obj(json);
    int64_t out = -12345;
    ck_assert_msg(fields_timestamp(o, "v", &fe, &out) == FIELD_SET, "refused %s", json);
    ck_assert_int_eq(out, want);
    cJSON_Delete(o);
}

static void timestamp_bad(const char *json)
{
    cJSON *o = obj(json);
    int64_t out = -12345;
    expect_invalid(fields_timestamp(o, "v", &fe, &out), json, "must be a timestamp (Unix seconds)");
    ck_assert_int_eq(out, -12345);
    cJSON_Delete(o);
}

static void bool_ok(const char *json, bool want)
{
    cJSON *o = obj(json);
    bool out = !want;
    ck_assert_msg(fields_bool(o, "v", &fe, &out) == FIELD_SET, "refused %s", json);
    ck_assert(out == want);
    cJSON_Delete(o);
}

static void bool_bad(const char *json)
{
    cJSON *o = obj(json);
    bool out = true;
    expect_invalid(fields_bool(o, "v", &fe, &out), json, "must be true or false");
    ck_assert(out);
    cJSON_Delete(o);
}

typedef field_state (*text_reader)(const cJSON *, const char *, field_errors *, const char **);

/* Expects reader on {"v": json} to give `want` (NULL: FIELD_NULL). */
static void text_ok(text_reader read, const char *json, const char *want)
{
    cJSON *o = obj(json);
    const char *out = "untouched";
    field_state st = read(o, "v", &fe, &out);
    if (want) {
        ck_assert_msg(st == FIELD_SET, "refused %s", json);
        ck_assert_str_eq(out, want);
    } else {
        ck_assert_msg(st == FIELD_NULL, "%s is not null", json);
        ck_assert_str_eq(out, "untouched");
    }
    ck_assert_int_eq(fe.count, 0);
    cJSON_Delete(o);
}

static void text_bad(text_reader read, const char *json, const char *message)
{
    cJSON *o = obj(json);
    const char *out = "untouched";
    expect_invalid(read(o, "v", &fe, &out), json, message);
    ck_assert_str_eq(out, "untouched");
    cJSON_Delete(o);
}

START_TEST(absent_and_null_for_every_reader)
{
    cJSON *o = obj("{\"n\": null, \"e\": \"\"}");
    const char *s = "untouched";
    int64_t i = 7;
    bool b = true;
    ck_assert_int_eq(fields_string(o, "x", &fe, &s), FIELD_ABSENT);
    ck_assert_int_eq(fields_string(o, "n", &fe, &s), FIELD_NULL);
    ck_assert_int_eq(fields_int(o, "x", &fe, &i), FIELD_ABSENT);
    ck_assert_int_eq(fields_int(o, "n", &fe, &i), FIELD_NULL);
    ck_assert_int_eq(fields_timestamp(o, "x", &fe, &i), FIELD_ABSENT);
    ck_assert_int_eq(fields_timestamp(o, "n", &fe, &i), FIELD_NULL);
    ck_assert_int_eq(fields_timestamp(o, "e", &fe, &i), FIELD_NULL);
    ck_assert_int_eq(fields_int(o, "e", &fe, &i), FIELD_NULL);
    ck_assert_int_eq(fields_bool(o, "x", &fe, &b), FIELD_ABSENT);
    ck_assert_int_eq(fields_bool(o, "n", &fe, &b), FIELD_NULL);
    ck_assert_int_eq(fields_date(o, "x", &fe, &s), FIELD_ABSENT);
    ck_assert_int_eq(fields_date(o, "n", &fe, &s), FIELD_NULL);
    ck_assert_int_eq(fields_color(o, "x", &fe, &s), FIELD_ABSENT);
    ck_assert_int_eq(fields_color(o, "n", &fe, &s), FIELD_NULL);
    ck_assert_int_eq(fields_language(o, "x", &fe, &s), FIELD_ABSENT);
    ck_assert_int_eq(fields_language(o, "n", &fe, &s), FIELD_NULL);
    /* keys are case-sensitive */
    ck_assert_int_eq(fields_string(o, "N", &fe, &s), FIELD_ABSENT);
    /* no object, or not an object: absent */
    ck_assert_int_eq(fields_string(NULL, "n", &fe, &s), FIELD_ABSENT);
    cJSON *arr = obj("[1, 2]");
    ck_assert_int_eq(fields_int(arr, "0", &fe, &i), FIELD_ABSENT);
    cJSON_Delete(arr);
    ck_assert_str_eq(s, "untouched");
    ck_assert_int_eq(i, 7);
    ck_assert(b);
    ck_assert_int_eq(fe.count, 0);
    ck_assert_ptr_null(fe.errors);
    cJSON_Delete(o);
}
END_TEST

START_TEST(strings)
{
    string_ok("{\"v\": \"abc\"}", "abc");
    string_ok("{\"v\": \"\"}", "");
    string_ok("{\"v\": \"caf\\u00e9\"}", "caf\xc3\xa9");
    /* numbers: integer literals only, exactly as written */
    string_ok("{\"v\": 698}", "698");
    string_ok("{\"v\": -5}", "-5");
    string_ok("{\"v\": 0}", "0");
    string_ok("{\"v\": -0}", "-0");
    string_ok("{\"v\": 9007199254740992}", "9007199254740992");
    string_ok("{\"v\": 9007199254740993}", "9007199254740993");
    string_ok("{\"v\": -9007199254740993}", "-9007199254740993");
    string_ok("{\"v\": 1234567890123456789}", "1234567890123456789");
    string_ok("{\"v\": 123456789012345678901234567890}", "123456789012345678901234567890");
    string_ok("{\"w\": [1.5, {\"x\": -2e3}, \"9\\\"8\"], \"v\": 18014398509481985}",
              "18014398509481985");
    string_bad("{\"v\": 1e3}", "must be a string or a whole number");
    string_bad("{\"v\": 1e20}", "must be a string or a whole number");
    string_bad("{\"v\": 1.5}", "must be a string or a whole number");
    string_bad("{\"v\": 1.0}", "must be a string or a whole number");
    string_bad("{\"v\": -2E+2}", "must be a string or a whole number");
    string_bad("{\"v\": true}", "must be a string");
    string_bad("{\"v\": false}", "must be a string");
    string_bad("{\"v\": []}", "must be a string");
    string_bad("{\"v\": {}}", "must be a string");
    string_bad("{\"v\": [\"a\"]}", "must be a string");
}
END_TEST

START_TEST(string_length_limit)
{
    char *json = malloc(FIELD_MAX_STRING + 16);
    ck_assert_ptr_nonnull(json);
    strcpy(json, "{\"v\": \"");
    size_t o = strlen(json);
    memset(json + o, 'x', FIELD_MAX_STRING);
    strcpy(json + o + FIELD_MAX_STRING, "\"}");
    cJSON *ok = obj(json);
    const char *out = NULL;
    ck_assert_int_eq(fields_string(ok, "v", &fe, &out), FIELD_SET);
    ck_assert_uint_eq(strlen(out), FIELD_MAX_STRING);
    cJSON_Delete(ok);
    strcpy(json + o + FIELD_MAX_STRING, "x\"}");
    string_bad(json, "is too long");
    free(json);
}
END_TEST

START_TEST(whole_numbers)
{
    int_ok("{\"v\": 42}", 42);
    int_ok("{\"v\": -42}", -42);
    int_ok("{\"v\": 0}", 0);
    int_ok("{\"v\": -0}", 0);
    int_ok("{\"v\": 9007199254740992}", INT64_C(9007199254740992));
    int_ok("{\"v\": -9007199254740992}", -INT64_C(9007199254740992));
    /* past 2^53 a double would round: the text is read */
    int_ok("{\"v\": 9007199254740993}", INT64_C(9007199254740993));
    int_ok("{\"v\": 9223372036854775807}", INT64_MAX);
    int_ok("{\"v\": -9223372036854775808}", INT64_MIN);
    int_bad("{\"v\": 9223372036854775808}");
    int_bad("{\"v\": 1e2}");
    int_bad("{\"v\": 60.0}");
    int_bad("{\"v\": 1E2}");
    int_ok("{\"v\": \"42\"}", 42);
    int_ok("{\"v\": \"-42\"}", -42);
    int_ok("{\"v\": \"0\"}", 0);
    int_ok("{\"v\": \"-0\"}", 0);
    int_ok("{\"v\": \"007\"}", 7);
    int_ok("{\"v\": \"9223372036854775807\"}", INT64_MAX);
    int_ok("{\"v\": \"-9223372036854775808\"}", INT64_MIN);
    int_bad("{\"v\": 1.5}");
    int_bad("{\"v\": -0.25}");
    int_bad("{\"v\": 1e20}");
    int_bad("{\"v\": \"9223372036854775808\"}");
    int_bad("{\"v\": \"-9223372036854775809\"}");
    int_bad("{\"v\": \"99999999999999999999\"}");
    int_bad("{\"v\": \"-\"}");
    int_bad("{\"v\": \"+1\"}");
    int_bad("{\"v\": \" 1\"}");
    int_bad("{\"v\": \"1 \"}");
    int_bad("{\"v\": \"1.0\"}");
    int_bad("{\"v\": \"1e2\"}");
    int_bad("{\"v\": \"0x10\"}");
    int_bad("{\"v\": \"--1\"}");
    int_bad("{\"v\": \"1-\"}");
    int_bad("{\"v\": \"abc\"}");
    int_bad("{\"v\": true}");
    int_bad("{\"v\": []}");
    int_bad("{\"v\": {}}");
}
END_TEST

START_TEST(timestamps)
{
    timestamp_ok("{\"v\": 0}", 0);
    timestamp_ok("{\"v\": 1417682400}", 1417682400);
    timestamp_ok("{\"v\": \"1417683600\"}", 1417683600);
    timestamp_ok("{\"v\": 253402300799}", INT64_C(253402300799));
    timestamp_ok("{\"v\": \"253402300799\"}", INT64_C(253402300799));
    timestamp_bad("{\"v\": 253402300800}");
    timestamp_bad("{\"v\": -1}");
    timestamp_bad("{\"v\": \"-1\"}");
    timestamp_bad("{\"v\": 1417682400.5}");
    timestamp_bad("{\"v\": \"2014-12-04\"}");
    timestamp_bad("{\"v\": \"99999999999999999999\"}");
    timestamp_bad("{\"v\": false}");
}
END_TEST

START_TEST(booleans)
{
    bool_ok("{\"v\": true}", true);
    bool_ok("{\"v\": false}", false);
    bool_ok("{\"v\": \"true\"}", true);
    bool_ok("{\"v\": \"false\"}", false);
    bool_ok("{\"v\": \"1\"}", true);
    bool_ok("{\"v\": \"0\"}", false);
    {
        /* "" is a form's null */
        cJSON *o = obj("{\"v\": \"\"}");
        bool out = true;
        ck_assert_int_eq(fields_bool(o, "v", &fe, &out), FIELD_NULL);
        ck_assert_int_eq(fe.count, 0);
        cJSON_Delete(o);
    }
    bool_bad("{\"v\": \"TRUE\"}");
    bool_bad("{\"v\": \"True\"}");
    bool_bad("{\"v\": \"yes\"}");
    bool_bad("{\"v\": \"t\"}");
    bool_bad("{\"v\": \" true\"}");
    bool_bad("{\"v\": \"01\"}");
    bool_bad("{\"v\": 1}");
    bool_bad("{\"v\": 0}");
    bool_bad("{\"v\": []}");
}
END_TEST

START_TEST(dates)
{
    const char *m = "must be a date (yyyy-mm-dd)";
    text_ok(fields_date, "{\"v\": \"1990-05-16\"}", "1990-05-16");
    text_ok(fields_date, "{\"v\": \"\"}", NULL);
    /* leap years: every 4th, not every 100th, but every 400th */
    text_ok(fields_date, "{\"v\": \"2024-02-29\"}", "2024-02-29");
    text_ok(fields_date, "{\"v\": \"2000-02-29\"}", "2000-02-29");
    text_bad(fields_date, "{\"v\": \"1900-02-29\"}", m);
    text_bad(fields_date, "{\"v\": \"2023-02-29\"}", m);
    text_ok(fields_date, "{\"v\": \"2023-02-28\"}", "2023-02-28");
    text_bad(fields_date, "{\"v\": \"2024-02-30\"}", m);
    /* month lengths */
    text_ok(fields_date, "{\"v\": \"2023-01-31\"}", "2023-01-31");
    text_ok(fields_date, "{\"v\": \"2023-04-30\"}", "2023-04-30");
    text_bad(fields_date, "{\"v\": \"2023-04-31\"}", m);
    text_bad(fields_date, "{\"v\": \"2023-06-31\"}", m);
    text_ok(fields_date, "{\"v\": \"2023-12-31\"}", "2023-12-31");
    text_bad(fields_date, "{\"v\": \"2023-12-32\"}", m);
    text_bad(fields_date, "{\"v\": \"2023-13-01\"}", m);
    text_bad(fields_date, "{\"v\": \"2023-00-10\"}", m);
    text_bad(fields_date, "{\"v\": \"2023-01-00\"}", m);
    /* year range */
    text_ok(fields_date, "{\"v\": \"1000-01-01\"}", "1000-01-01");
    text_ok(fields_date, "{\"v\": \"9999-12-31\"}", "9999-12-31");
    text_bad(fields_date, "{\"v\": \"0999-12-31\"}", m);
    text_bad(fields_date, "{\"v\": \"10000-01-01\"}", m);
    /* shape */
    text_bad(fields_date, "{\"v\": \"2023-1-01\"}", m);
    text_bad(fields_date, "{\"v\": \"2023-01-1\"}", m);
    text_bad(fields_date, "{\"v\": \"2023/01/01\"}", m);
    text_bad(fields_date, "{\"v\": \"2023-01-01T00:00:00Z\"}", m);
    text_bad(fields_date, "{\"v\": \" 2023-01-01\"}", m);
    text_bad(fields_date, "{\"v\": \"2023-01-01 \"}", m);
    text_bad(fields_date, "{\"v\": \"+202-01-01\"}", m);
    text_bad(fields_date, "{\"v\": \"2023-+1-01\"}", m);
    text_bad(fields_date, "{\"v\": \"16/05/1990\"}", m);
    text_bad(fields_date, "{\"v\": 19900516}", m);
    text_bad(fields_date, "{\"v\": true}", m);
}
END_TEST

START_TEST(colors)
{
    const char *m = "must be a color (#rrggbb)";
    text_ok(fields_color, "{\"v\": \"#101010\"}", "#101010");
    text_ok(fields_color, "{\"v\": \"#FF0000\"}", "#FF0000");
    text_ok(fields_color, "{\"v\": \"#aBcDeF\"}", "#aBcDeF"); /* stored as given */
    text_ok(fields_color, "{\"v\": \"\"}", NULL);
    text_bad(fields_color, "{\"v\": \"#fff\"}", m);
    text_bad(fields_color, "{\"v\": \"#12345\"}", m);
    text_bad(fields_color, "{\"v\": \"#1234567\"}", m);
    text_bad(fields_color, "{\"v\": \"123456\"}", m);
    text_bad(fields_color, "{\"v\": \"#12345g\"}", m);
    text_bad(fields_color, "{\"v\": \"# 12345\"}", m);
    text_bad(fields_color, "{\"v\": \"red\"}", m);
    text_bad(fields_color, "{\"v\": 101010}", m);
    ck_assert(fields_is_color("#00ff00"));
    ck_assert(!fields_is_color(NULL));
    ck_assert(!fields_is_color("#00ff0"));
}
END_TEST

START_TEST(languages)
{
    const char *m = "must be a two-letter language code";
    text_ok(fields_language, "{\"v\": \"en\"}", "en");
    text_ok(fields_language, "{\"v\": \"FR\"}", "fr");
    text_ok(fields_language, "{\"v\": \"Nl\"}", "nl");
    text_ok(fields_language, "{\"v\": \"eS\"}", "es");
    text_ok(fields_language, "{\"v\": \"\"}", NULL);
    text_bad(fields_language, "{\"v\": \"e\"}", m);
    text_bad(fields_language, "{\"v\": \"eng\"}", m);
    text_bad(fields_language, "{\"v\": \"e1\"}", m);
    text_bad(fields_language, "{\"v\": \"1e\"}", m);
    text_bad(fields_language, "{\"v\": \" en\"}", m);
    text_bad(fields_language, "{\"v\": \"en-US\"}", m);
    text_bad(fields_language, "{\"v\": \"\\u00e9\"}", m); /* two bytes, not letters */
    text_bad(fields_language, "{\"v\": 12}", m);
}
END_TEST

START_TEST(errors_use_the_prefix_and_accumulate)
{
    cJSON *o = obj("{\"birthdate\": \"1990-02-30\", \"start\": \"soon\", \"noshow\": \"maybe\"}");
    fe.prefix = "patients[3].";
    const char *s;
    int64_t i;
    bool b;
    ck_assert_ptr_null(fe.errors);
    ck_assert_int_eq(fields_date(o, "birthdate", &fe, &s), FIELD_INVALID);
    ck_assert_ptr_nonnull(fe.errors);
    ck_assert_int_eq(fields_timestamp(o, "start", &fe, &i), FIELD_INVALID);
    ck_assert_int_eq(fields_bool(o, "noshow", &fe, &b), FIELD_INVALID);
    ck_assert_int_eq(fe.count, 3);
    ck_assert_str_eq(error_for("patients[3].birthdate"), "must be a date (yyyy-mm-dd)");
    ck_assert_str_eq(error_for("patients[3].start"), "must be a timestamp (Unix seconds)");
    ck_assert_str_eq(error_for("patients[3].noshow"), "must be true or false");
    ck_assert_int_eq(cJSON_GetArraySize(fe.errors), 3);
    cJSON_Delete(o);
}
END_TEST

START_TEST(fields_error_directly)
{
    fields_error(&fe, "remote_id", "is required");
    fields_error(&fe, "remote_id", "is taken"); /* the first message stays */
    ck_assert_int_eq(fe.count, 2);
    ck_assert_int_eq(cJSON_GetArraySize(fe.errors), 1);
    ck_assert_str_eq(error_for("remote_id"), "is required");
    fe.prefix = NULL; /* read as "" */
    fields_error(&fe, "x", "is wrong");
    ck_assert_str_eq(error_for("x"), "is wrong");
    ck_assert_int_eq(fe.count, 3);
}
END_TEST

START_TEST(unwrap_both_envelopes)
{
    cJSON *wrapped = obj("{\"patient\": {\"remote_id\": \"698\"}}");
    const cJSON *p = fields_unwrap(wrapped, "patient");
    ck_assert_ptr_eq(p, cJSON_GetObjectItem(wrapped, "patient"));
    const char *s = NULL;
    ck_assert_int_eq(fields_string(p, "remote_id", &fe, &s), FIELD_SET);
    ck_assert_str_eq(s, "698");

    cJSON *flat = obj("{\"remote_id\": \"698\"}");
    ck_assert_ptr_eq(fields_unwrap(flat, "patient"), flat);
    ck_assert_ptr_eq(fields_unwrap(flat, NULL), flat);

    /* an envelope key that is not an object: nothing (the caller refuses) */
    cJSON *odd = obj("{\"patient\": \"x\", \"remote_id\": \"1\"}");
    ck_assert_ptr_null(fields_unwrap(odd, "patient"));
    cJSON *null_env = obj("{\"patient\": null}");
    ck_assert_ptr_null(fields_unwrap(null_env, "patient"));
    cJSON_Delete(null_env);

    cJSON *arr = obj("[{\"patient\": {}}]");
    ck_assert_ptr_null(fields_unwrap(arr, "patient"));
    cJSON *str = obj("\"patient\"");
    ck_assert_ptr_null(fields_unwrap(str, "patient"));
    ck_assert_ptr_null(fields_unwrap(NULL, "patient"));
    cJSON_Delete(wrapped);
    cJSON_Delete(flat);
    cJSON_Delete(odd);
    cJSON_Delete(arr);
    cJSON_Delete(str);
}
END_TEST

START_TEST(numbers_without_text)
{
    /* trees not from a body (cJSON_CreateNumber): the double, up to 2^53 */
    cJSON *o = raw_obj("{\"a\": 1e3, \"b\": 18014398509481984, \"c\": 60.0}");
    const char *s = NULL;
    int64_t n = 0;
    ck_assert_int_eq(fields_string(o, "a", &fe, &s), FIELD_SET);
    ck_assert_str_eq(s, "1000");
    ck_assert_int_eq(fields_int(o, "c", &fe, &n), FIELD_SET);
    ck_assert_int_eq(n, 60);
    ck_assert_int_eq(fe.count, 0);
    ck_assert_int_eq(fields_string(o, "b", &fe, &s), FIELD_INVALID);
    ck_assert_int_eq(fields_int(o, "b", &fe, &n), FIELD_INVALID);
    cJSON_Delete(o);
}
END_TEST

START_TEST(blank)
{
    ck_assert(fields_is_blank(""));
    ck_assert(fields_is_blank(" "));
    ck_assert(fields_is_blank(" \t\r\n\v\f"));
    ck_assert(fields_is_blank("\xc2\xa0"));                  /* U+00A0 */
    ck_assert(fields_is_blank("\xe2\x80\x83 \xe3\x80\x80")); /* U+2003, U+3000 */
    ck_assert(!fields_is_blank("a"));
    ck_assert(!fields_is_blank("  a "));
    ck_assert(!fields_is_blank("\xe2\x80\x8b")); /* U+200B is not white space */
    ck_assert(!fields_is_blank("\xc3\xa9"));
}
END_TEST

START_TEST(nonblank_text)
{
    cJSON *o = obj("{\"id\": \" 698 \", \"space\": \" \\u00a0\", \"none\": null, "
                   "\"empty\": \"\", \"number\": 42, \"list\": []}");
    const char *out = NULL;
    ck_assert_int_eq(fields_nonblank(o, "id", true, &fe, &out), FIELD_SET);
    ck_assert_str_eq(out, " 698 ");
    ck_assert_int_eq(fields_nonblank(o, "number", true, &fe, &out), FIELD_SET);
    ck_assert_str_eq(out, "42");
    ck_assert_int_eq(fields_nonblank(o, "absent", false, &fe, &out), FIELD_ABSENT);
    ck_assert_int_eq(fe.count, 0);
    out = "kept";
    ck_assert_int_eq(fields_nonblank(o, "absent", true, &fe, &out), FIELD_INVALID);
    ck_assert_str_eq(error_for("absent"), "is required");
    static const char *const blank[] = {"space", "none", "empty"};
    for (size_t i = 0; i < 3; i++) {
        ck_assert_int_eq(fields_nonblank(o, blank[i], false, &fe, &out), FIELD_INVALID);
        ck_assert_str_eq(error_for(blank[i]), "can't be blank");
    }
    ck_assert_int_eq(fields_nonblank(o, "list", false, &fe, &out), FIELD_INVALID);
    ck_assert_str_eq(error_for("list"), "must be a string");
    ck_assert_int_eq(fe.count, 5);
    ck_assert_str_eq(out, "kept"); /* untouched unless FIELD_SET */
    cJSON_Delete(o);
}
END_TEST

START_TEST(full_arena_is_recorded)
{
    arena *tiny = arena_new(64);
    field_errors small = {.arena = tiny, .prefix = ""};
    cJSON *o = raw_obj("{\"n\": 698, \"l\": \"EN\"}");
    const char *s = NULL;
    ck_assert_int_eq(fields_string(o, "n", &small, &s), FIELD_INVALID);
    ck_assert_int_eq(fields_language(o, "l", &small, &s), FIELD_INVALID);
    ck_assert_int_eq(small.count, 2);
    ck_assert_ptr_nonnull(cJSON_GetObjectItem(small.errors, "n"));
    cJSON_Delete(small.errors);
    cJSON_Delete(o);
    arena_free(tiny);
}
END_TEST

Suite *suite_fields(void)
{
    Suite *s = suite_create("fields");
    TCase *tc = tcase_create("core");
    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_add_test(tc, absent_and_null_for_every_reader);
    tcase_add_test(tc, strings);
    tcase_add_test(tc, string_length_limit);
    tcase_add_test(tc, whole_numbers);
    tcase_add_test(tc, timestamps);
    tcase_add_test(tc, booleans);
    tcase_add_test(tc, dates);
    tcase_add_test(tc, colors);
    tcase_add_test(tc, languages);
    tcase_add_test(tc, errors_use_the_prefix_and_accumulate);
    tcase_add_test(tc, fields_error_directly);
    tcase_add_test(tc, unwrap_both_envelopes);
    tcase_add_test(tc, numbers_without_text);
    tcase_add_test(tc, blank);
    tcase_add_test(tc, nonblank_text);
    tcase_add_test(tc, full_arena_is_recorded);
    suite_add_tcase(s, tc);
    return s;
}
