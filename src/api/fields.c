/* fields.c - typed, validating readers for the fields of a JSON object (see
 * fields.h).  Each reader looks the field up, converts what a JSON or a form
 * client may send, and on a bad value records one short message in the
 * field_errors instead of stopping, so a handler reports every problem of a
 * request at once.  Whole numbers and dates are parsed by util/parse.c, the
 * same code the command line and the query parameters use. */
#include "api/fields.h"

#include <assert.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util/parse.h"

/* The largest magnitude a double holds exactly: 2^53 (numbers built without
 * their source text, e.g. by cJSON_CreateNumber). */
#define FIELDS_SAFE_INT 9007199254740992.0
/* 9999-12-31T23:59:59Z */
#define FIELDS_MAX_TIMESTAMP INT64_C(253402300799)

#define MSG_STRING     "must be a string"
#define MSG_STRING_INT "must be a string or a whole number"
#define MSG_TOO_LONG   "is too long"
#define MSG_INT        "must be a whole number"
#define MSG_TIMESTAMP  "must be a timestamp (Unix seconds)"
#define MSG_BOOL       "must be true or false"
#define MSG_DATE       "must be a date (yyyy-mm-dd)"
#define MSG_COLOR      "must be a color (#rrggbb)"
#define MSG_LANGUAGE   "must be a two-letter language code"
#define MSG_NO_MEMORY  "could not be stored (out of memory)"

void fields_error(field_errors *fe, const char *name, const char *problem)
{
    assert(fe != NULL && name != NULL && problem != NULL);
    fe->count++; /* counted even if the message below cannot be stored */
    if (!fe->errors) {
        fe->errors = cJSON_CreateObject();
        if (!fe->errors)
            return;
    }
    const char *prefix = fe->prefix ? fe->prefix : "";
    size_t plen = strlen(prefix), nlen = strlen(name);
    char *key = malloc(plen + nlen + 1);
    if (!key)
        return;
    memcpy(key, prefix, plen);
    memcpy(key + plen, name, nlen + 1);
    /* the first problem of a field is the one reported */
    if (!cJSON_GetObjectItemCaseSensitive(fe->errors, key))
        cJSON_AddStringToObject(fe->errors, key, problem);
    free(key);
}

/* Looks `name` up in `obj`: ABSENT, NULL, or SET with *item set. */
static field_state fields_find(const cJSON *obj, const char *name, const cJSON **item)
{
    assert(name != NULL);
    if (!cJSON_IsObject(obj))
        return FIELD_ABSENT;
    *item = cJSON_GetObjectItemCaseSensitive(obj, name);
    if (!*item)
        return FIELD_ABSENT;
    if (cJSON_IsNull(*item))
        return FIELD_NULL;
    return FIELD_SET;
}

/* Records `problem` for `name` and returns FIELD_INVALID. */
static field_state fields_invalid(field_errors *fe, const char *name, const char *problem)
{
    fields_error(fe, name, problem);
    return FIELD_INVALID;
}

/* True when s is a JSON integer literal: an optional '-' then digits (the
 * JSON grammar already excludes '+' and leading zeros). */
static bool fields_is_integer_text(const char *s)
{
    if (*s == '-')
        s++;
    if (*s < '0' || *s > '9')
        return false;
    while (*s >= '0' && *s <= '9')
        s++;
    return *s == '\0';
}

/* A JSON number as an exact integer.  A body's numbers carry their source
 * text in valuestring (body.c): only an integer literal within int64 is
 * taken ("1e3", "1.0" are not; "-0" is 0).  Without text, the double must be
 * integral and within +-2^53. */
static bool fields_number_to_int(const cJSON *item, int64_t *out)
{
    if (item->valuestring)
        return fields_is_integer_text(item->valuestring) && parse_int64(item->valuestring, out);
    double v = item->valuedouble;
    if (!(v >= -FIELDS_SAFE_INT && v <= FIELDS_SAFE_INT)) /* also NaN */
        return false;
    int64_t n = (int64_t)v; /* in range, so defined */
    if ((double)n != v)
        return false; /* fractional */
    *out = n;
    return true;
}

field_state fields_string(const cJSON *obj, const char *name, field_errors *fe, const char **out)
{
    assert(fe != NULL && out != NULL);
    const cJSON *item = NULL;
    field_state st = fields_find(obj, name, &item);
    if (st != FIELD_SET)
        return st;
    if (cJSON_IsString(item) && item->valuestring) {
        if (strnlen(item->valuestring, FIELD_MAX_STRING + 1) > FIELD_MAX_STRING)
            return fields_invalid(fe, name, MSG_TOO_LONG);
        *out = item->valuestring;
        return FIELD_SET;
    }
    if (!cJSON_IsNumber(item))
        return fields_invalid(fe, name, MSG_STRING);
    /* an integer literal keeps exactly the digits sent, whatever its size */
    if (item->valuestring) {
        if (!fields_is_integer_text(item->valuestring))
            return fields_invalid(fe, name, MSG_STRING_INT);
        if (strnlen(item->valuestring, FIELD_MAX_STRING + 1) > FIELD_MAX_STRING)
            return fields_invalid(fe, name, MSG_TOO_LONG);
        *out = item->valuestring;
        return FIELD_SET;
    }
    int64_t n;
    if (!fields_number_to_int(item, &n))
        return fields_invalid(fe, name, MSG_STRING_INT);
    assert(fe->arena != NULL);
    char *s = arena_printf(fe->arena, "%" PRId64, n);
    if (!s)
        return fields_invalid(fe, name, MSG_NO_MEMORY);
    *out = s;
    return FIELD_SET;
}

field_state fields_nonblank(const cJSON *obj, const char *name, bool required, field_errors *fe,
                            const char **out)
{
    assert(fe != NULL && out != NULL);
    const char *s = NULL;
    field_state st = fields_string(obj, name, fe, &s);
    if (st == FIELD_ABSENT && required)
        return fields_invalid(fe, name, "is required");
    if (st == FIELD_NULL || (st == FIELD_SET && fields_is_blank(s)))
        return fields_invalid(fe, name, "can't be blank");
    if (st == FIELD_SET)
        *out = s;
    return st;
}

/* Reads a whole number without recording anything: ABSENT, NULL, SET with
 * *out set, or INVALID.  An empty string is NULL: it is the only null a form
 * body can send. */
static field_state fields_lookup_int(const cJSON *obj, const char *name, int64_t *out)
{
    const cJSON *item = NULL;
    field_state st = fields_find(obj, name, &item);
    if (st != FIELD_SET)
        return st;
    if (cJSON_IsString(item) && item->valuestring && !*item->valuestring)
        return FIELD_NULL;
    bool ok = false;
    if (cJSON_IsNumber(item))
        ok = fields_number_to_int(item, out);
    else if (cJSON_IsString(item))
        ok = parse_int64(item->valuestring, out);
    return ok ? FIELD_SET : FIELD_INVALID;
}

field_state fields_int(const cJSON *obj, const char *name, field_errors *fe, int64_t *out)
{
    assert(fe != NULL && out != NULL);
    int64_t n = 0;
    field_state st = fields_lookup_int(obj, name, &n);
    if (st == FIELD_INVALID)
        return fields_invalid(fe, name, MSG_INT);
    if (st == FIELD_SET)
        *out = n;
    return st;
}

field_state fields_timestamp(const cJSON *obj, const char *name, field_errors *fe, int64_t *out)
{
    assert(fe != NULL && out != NULL);
    int64_t t = 0;
    field_state st = fields_lookup_int(obj, name, &t);
    if (st == FIELD_INVALID || (st == FIELD_SET && (t < 0 || t > FIELDS_MAX_TIMESTAMP)))
        return fields_invalid(fe, name, MSG_TIMESTAMP);
    if (st == FIELD_SET)
        *out = t;
    return st;
}

field_state fields_bool(const cJSON *obj, const char *name, field_errors *fe, bool *out)
{
    assert(fe != NULL && out != NULL);
    const cJSON *item = NULL;
    field_state st = fields_find(obj, name, &item);
    if (st != FIELD_SET)
        return st;
    if (cJSON_IsBool(item)) {
        *out = cJSON_IsTrue(item);
        return FIELD_SET;
    }
    if (cJSON_IsString(item) && item->valuestring) {
        const char *s = item->valuestring;
        if (*s == '\0')
            return FIELD_NULL; /* a form's null */
        if (strcmp(s, "true") == 0 || strcmp(s, "1") == 0) {
            *out = true;
            return FIELD_SET;
        }
        if (strcmp(s, "false") == 0 || strcmp(s, "0") == 0) {
            *out = false;
            return FIELD_SET;
        }
    }
    return fields_invalid(fe, name, MSG_BOOL);
}

/* Reads a string field whose empty value means null: ABSENT, NULL (JSON null
 * or ""), SET with *s set, or INVALID (not a string) with `problem`. */
static field_state fields_find_text(const cJSON *obj, const char *name, field_errors *fe,
                                    const char *problem, const char **s)
{
    const cJSON *item = NULL;
    field_state st = fields_find(obj, name, &item);
    if (st != FIELD_SET)
        return st;
    if (!cJSON_IsString(item) || !item->valuestring)
        return fields_invalid(fe, name, problem);
    if (item->valuestring[0] == '\0')
        return FIELD_NULL;
    *s = item->valuestring;
    return FIELD_SET;
}

field_state fields_date(const cJSON *obj, const char *name, field_errors *fe, const char **out)
{
    assert(fe != NULL && out != NULL);
    const char *s = NULL;
    field_state st = fields_find_text(obj, name, fe, MSG_DATE, &s);
    if (st != FIELD_SET)
        return st;
    if (!parse_is_date(s))
        return fields_invalid(fe, name, MSG_DATE);
    *out = s;
    return FIELD_SET;
}

bool fields_is_color(const char *s)
{
    if (!s || strlen(s) != 7 || s[0] != '#')
        return false;
    for (int i = 1; i < 7; i++) {
        char c = s[i];
        if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F')))
            return false;
    }
    return true;
}

field_state fields_color(const cJSON *obj, const char *name, field_errors *fe, const char **out)
{
    assert(fe != NULL && out != NULL);
    const char *s = NULL;
    field_state st = fields_find_text(obj, name, fe, MSG_COLOR, &s);
    if (st != FIELD_SET)
        return st;
    if (!fields_is_color(s))
        return fields_invalid(fe, name, MSG_COLOR);
    *out = s;
    return FIELD_SET;
}

/* An ASCII letter lower-cased, or 0 when c is not one. */
static char fields_lower_letter(char c)
{
    if (c >= 'a' && c <= 'z')
        return c;
    if (c >= 'A' && c <= 'Z')
        return (char)(c - 'A' + 'a');
    return 0;
}

field_state fields_language(const cJSON *obj, const char *name, field_errors *fe, const char **out)
{
    assert(fe != NULL && out != NULL);
    const char *s = NULL;
    field_state st = fields_find_text(obj, name, fe, MSG_LANGUAGE, &s);
    if (st != FIELD_SET)
        return st;
    char lower[3] = {fields_lower_letter(s[0]), 0, 0};
    if (lower[0])
        lower[1] = fields_lower_letter(s[1]);
    if (!lower[0] || !lower[1] || s[2] != '\0')
        return fields_invalid(fe, name, MSG_LANGUAGE);
    assert(fe->arena != NULL);
    char *copy = arena_strndup(fe->arena, lower, 2);
    if (!copy)
        return fields_invalid(fe, name, MSG_NO_MEMORY);
    *out = copy;
    return FIELD_SET;
}

const cJSON *fields_unwrap(const cJSON *body, const char *name)
{
    if (!cJSON_IsObject(body))
        return NULL;
    const cJSON *inner = name ? cJSON_GetObjectItemCaseSensitive(body, name) : NULL;
    if (!inner)
        return body;
    return cJSON_IsObject(inner) ? inner : NULL;
}

bool fields_is_blank(const char *s)
{
    assert(s != NULL);
    const unsigned char *p = (const unsigned char *)s;
    while (*p) {
        unsigned c = *p;
        size_t n = 1;
        if (c >= 0xc0 && c < 0xe0 && (p[1] & 0xc0) == 0x80) {
            c = (c & 0x1fu) << 6 | (p[1] & 0x3fu);
            n = 2;
        } else if (c >= 0xe0 && c < 0xf0 && (p[1] & 0xc0) == 0x80 && (p[2] & 0xc0) == 0x80) {
            c = (c & 0x0fu) << 12 | (p[1] & 0x3fu) << 6 | (p[2] & 0x3fu);
            n = 3;
        }
        /* Unicode's White_Space property (all below U+10000) */
        bool space = (c >= 0x09 && c <= 0x0d) || c == 0x20 || c == 0x85 || c == 0xa0 ||
                     c == 0x1680 || (c >= 0x2000 && c <= 0x200a) || c == 0x2028 || c == 0x2029 ||
                     c == 0x202f || c == 0x205f || c == 0x3000;
        if (!space)
            return false;
        p += n;
    }
    return true;
}
