/* fuzz_fields.c - libFuzzer harness for the scalar parsers: whole numbers
 * and dates (parse_int64, parse_is_date in src/util/parse.h), the typed
 * field readers built on them (numbers, timestamps, booleans, dates, colors,
 * language codes and strings, src/api/fields.h), and the opening-hours range
 * syntax (week_parse_range, src/sched/week.h).
 *
 * Input: one text up to the first NUL (a JSON string or a form value never
 * holds a NUL).  It is judged by the pure checks, which must agree with
 * independent references (the C library's timegm for dates, strtoll for
 * numbers); then the typed readers read it as {"v": text} and, when the text
 * is a JSON number, as {"v": number} (built by cJSON alone, and parsed as a
 * request body, whose numbers are read from their text), and must agree
 * with the pure checks,
 * record an error exactly when they answer FIELD_INVALID, and keep their
 * documented ranges. */
#include <errno.h>
#include <inttypes.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "api/api.h"
#include "api/fields.h"
#include "http/body.h"
#include "sched/week.h"
#include "util/parse.h"
#include "fuzz.h"

#define SAFE_INT      9007199254740992.0 /* 2^53 */
#define MAX_TIMESTAMP INT64_C(253402300799)

/* Reference date check: the shape, years 1000-9999, and a day that timegm
 * does not move to another month. */
static bool reference_date(const char *s)
{
    if (strlen(s) != 10 || s[4] != '-' || s[7] != '-')
        return false;
    for (int i = 0; i < 10; i++)
        if (i != 4 && i != 7 && (s[i] < '0' || s[i] > '9'))
            return false;
    int y = atoi(s), m = atoi(s + 5), d = atoi(s + 8);
    if (y < 1000 || m < 1 || m > 12 || d < 1)
        return false;
    struct tm tm = {.tm_year = y - 1900, .tm_mon = m - 1, .tm_mday = d, .tm_hour = 12};
    time_t t = timegm(&tm);
    struct tm back;
    if (!gmtime_r(&t, &back))
        return false;
    return back.tm_year == y - 1900 && back.tm_mon == m - 1 && back.tm_mday == d;
}

/* Reference integer parse: -?[0-9]+ within int64. */
static bool reference_int(const char *s, int64_t *out)
{
    const char *digits = s[0] == '-' ? s + 1 : s;
    size_t n = strlen(digits);
    if (n == 0 || strspn(digits, "0123456789") != n)
        return false;
    errno = 0;
    long long v = strtoll(s, NULL, 10);
    if (errno == ERANGE)
        return false;
    *out = v;
    return true;
}

static bool reference_color(const char *s)
{
    return strlen(s) == 7 && s[0] == '#' && strspn(s + 1, "0123456789abcdefABCDEF") == 6;
}

static bool is_letter(char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

/* Checks a reader's state against the error count it left behind. */
static void check_errors(field_errors *fe, field_state st, int before)
{
    FUZZ_CHECK(st == FIELD_INVALID ? fe->count == before + 1 : fe->count == before);
    if (st == FIELD_INVALID)
        FUZZ_CHECK(cJSON_GetObjectItemCaseSensitive(fe->errors, "v") != NULL);
}

/* Reads {"v": text} with every reader. */
static void read_text(arena *a, const char *s)
{
    cJSON *obj = cJSON_CreateObject();
    FUZZ_CHECK(obj && cJSON_AddStringToObject(obj, "v", s));
    field_errors fe = {.arena = a, .prefix = ""};
    int before;
    field_state st;

    int64_t n = 0, want = 0;
    bool is_int = reference_int(s, &want);
    before = fe.count;
    st = fields_int(obj, "v", &fe, &n);
    check_errors(&fe, st, before);
    FUZZ_CHECK(st == (!*s ? FIELD_NULL : is_int ? FIELD_SET : FIELD_INVALID));
    FUZZ_CHECK(st != FIELD_SET || n == want);

    int64_t t = 0;
    before = fe.count;
    st = fields_timestamp(obj, "v", &fe, &t);
    check_errors(&fe, st, before);
    bool in_range = is_int && want >= 0 && want <= MAX_TIMESTAMP;
    FUZZ_CHECK(st == (!*s ? FIELD_NULL : in_range ? FIELD_SET : FIELD_INVALID));
    FUZZ_CHECK(st != FIELD_SET || t == want);

    bool b = false;
    before = fe.count;
    st = fields_bool(obj, "v", &fe, &b);
    check_errors(&fe, st, before);
    bool truthy = !strcmp(s, "true") || !strcmp(s, "1");
    bool falsy = !strcmp(s, "false") || !strcmp(s, "0");
    FUZZ_CHECK(st == (!*s ? FIELD_NULL : truthy || falsy ? FIELD_SET : FIELD_INVALID));
    FUZZ_CHECK(st != FIELD_SET || b == truthy);

    const char *out = NULL;
    before = fe.count;
    st = fields_date(obj, "v", &fe, &out);
    check_errors(&fe, st, before);
    FUZZ_CHECK(st == (!*s ? FIELD_NULL : reference_date(s) ? FIELD_SET : FIELD_INVALID));
    FUZZ_CHECK(st != FIELD_SET || strcmp(out, s) == 0);

    before = fe.count;
    st = fields_color(obj, "v", &fe, &out);
    check_errors(&fe, st, before);
    FUZZ_CHECK(st == (!*s ? FIELD_NULL : reference_color(s) ? FIELD_SET : FIELD_INVALID));

    before = fe.count;
    st = fields_language(obj, "v", &fe, &out);
    check_errors(&fe, st, before);
    bool lang = strlen(s) == 2 && is_letter(s[0]) && is_letter(s[1]);
    FUZZ_CHECK(st == (!*s ? FIELD_NULL : lang ? FIELD_SET : FIELD_INVALID));
    if (st == FIELD_SET)
        FUZZ_CHECK(strlen(out) == 2 && out[0] >= 'a' && out[0] <= 'z' && out[1] >= 'a' &&
                   out[1] <= 'z' && (out[0] | 0x20) == (s[0] | 0x20) &&
                   (out[1] | 0x20) == (s[1] | 0x20));

    before = fe.count;
    st = fields_string(obj, "v", &fe, &out);
    check_errors(&fe, st, before);
    FUZZ_CHECK(st == (strlen(s) <= FIELD_MAX_STRING ? FIELD_SET : FIELD_INVALID));
    FUZZ_CHECK(st != FIELD_SET || strcmp(out, s) == 0);

    cJSON_Delete(fe.errors);
    cJSON_Delete(obj);
}

/* Reads {"v": number} where `num` is a parsed JSON number. */
static void read_number(arena *a, const cJSON *num)
{
    cJSON *obj = cJSON_CreateObject();
    cJSON *copy = cJSON_Duplicate(num, 0);
    FUZZ_CHECK(obj && copy && cJSON_AddItemToObject(obj, "v", copy));
    field_errors fe = {.arena = a, .prefix = ""};
    double v = num->valuedouble;
    bool whole = v >= -SAFE_INT && v <= SAFE_INT && (double)(int64_t)v == v;
    int before;
    field_state st;

    int64_t n = 0;
    before = fe.count;
    st = fields_int(obj, "v", &fe, &n);
    check_errors(&fe, st, before);
    FUZZ_CHECK(st == (whole ? FIELD_SET : FIELD_INVALID));
    FUZZ_CHECK(st != FIELD_SET || (double)n == v);

    int64_t t = 0;
    before = fe.count;
    st = fields_timestamp(obj, "v", &fe, &t);
    check_errors(&fe, st, before);
    bool in_range = whole && v >= 0 && v <= (double)MAX_TIMESTAMP;
    FUZZ_CHECK(st == (in_range ? FIELD_SET : FIELD_INVALID));

    const char *out = NULL;
    before = fe.count;
    st = fields_string(obj, "v", &fe, &out);
    check_errors(&fe, st, before);
    FUZZ_CHECK(st == (whole ? FIELD_SET : FIELD_INVALID));
    if (st == FIELD_SET) {
        int64_t back = 0;
        FUZZ_CHECK(parse_int64(out, &back) && (double)back == v);
    }

    bool b;
    FUZZ_CHECK(fields_bool(obj, "v", &fe, &b) == FIELD_INVALID);
    FUZZ_CHECK(fields_date(obj, "v", &fe, &out) == FIELD_INVALID);
    FUZZ_CHECK(fields_color(obj, "v", &fe, &out) == FIELD_INVALID);
    FUZZ_CHECK(fields_language(obj, "v", &fe, &out) == FIELD_INVALID);

    cJSON_Delete(fe.errors);
    cJSON_Delete(obj);
}

/* True when s is a JSON integer literal: optional '-', then digits. */
static bool is_integer_text(const char *s)
{
    if (*s == '-')
        s++;
    if (*s < '0' || *s > '9')
        return false;
    while (*s >= '0' && *s <= '9')
        s++;
    return *s == '\0';
}

/* Reads {"v": s} parsed as a request body, where s is a JSON number: the
 * readers go by its text (body.c keeps it), never by the double. */
static void read_number_text(arena *a, const char *text)
{
    /* the number's own text: without the white space around it */
    size_t len = strlen(text);
    char *s = malloc(len + 1), *json = malloc(len + 8);
    FUZZ_CHECK(s != NULL && json != NULL);
    text += strspn(text, " \t\r\n");
    len = strlen(text);
    while (len > 0 && strchr(" \t\r\n", text[len - 1]))
        len--;
    memcpy(s, text, len);
    s[len] = '\0';
    sprintf(json, "{\"v\":%s}", s);
    const char *err = NULL;
    /* only a bare number (cJSON takes any control byte for white space) */
    bool bare = len > 0 && strspn(s, "0123456789+-.eE") == len;
    cJSON *obj = bare ? body_parse(json, strlen(json), false, &err) : NULL;
    const cJSON *v = obj ? cJSON_GetObjectItemCaseSensitive(obj, "v") : NULL;
    if (cJSON_IsNumber(v)) {
        FUZZ_CHECK(v->valuestring != NULL && strcmp(v->valuestring, s) == 0);
        field_errors fe = {.arena = a, .prefix = ""};
        int64_t want = 0, n = 0;
        bool fits = is_integer_text(s) && reference_int(s, &want);
        FUZZ_CHECK(fields_int(obj, "v", &fe, &n) == (fits ? FIELD_SET : FIELD_INVALID));
        FUZZ_CHECK(!fits || n == want);
        const char *out = NULL;
        bool text_ok = is_integer_text(s) && strlen(s) <= FIELD_MAX_STRING;
        FUZZ_CHECK(fields_string(obj, "v", &fe, &out) == (text_ok ? FIELD_SET : FIELD_INVALID));
        FUZZ_CHECK(!text_ok || strcmp(out, s) == 0);
        cJSON_Delete(fe.errors);
    }
    cJSON_Delete(obj);
    free(json);
    free(s);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *s = fuzz_cstring(data, size);
    arena *a = arena_new(ARENA_DEFAULT_LIMIT);
    FUZZ_CHECK(a != NULL);

    FUZZ_CHECK(parse_is_date(s) == reference_date(s));
    FUZZ_CHECK(fields_is_color(s) == reference_color(s));
    int64_t got = 0, want = 0;
    bool ok = parse_int64(s, &got);
    FUZZ_CHECK(ok == reference_int(s, &want));
    FUZZ_CHECK(!ok || got == want);

    read_text(a, s);
    cJSON *num = cJSON_Parse(s);
    if (cJSON_IsNumber(num)) {
        read_number(a, num);
        read_number_text(a, s);
    }
    cJSON_Delete(num);

    opening_hour h = {0};
    if (week_parse_range(s, &h))
        FUZZ_CHECK(h.day >= 0 && h.day <= 6 && h.start >= 0 && h.start < h.stop &&
                   h.stop <= 24 * 60);

    arena_free(a);
    free(s);
    return 0;
}
