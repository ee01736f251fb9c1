/* url.c - splits a raw request target into decoded path segments and query
 * parameters, and a form body into its flat fields (see url.h).
 *
 * Every output string is a fresh arena copy, so the caller's target may be
 * freed afterwards.  Nothing here grows without bound: decoded strings are
 * never longer than their input, and the segment and parameter arrays have
 * fixed sizes that turn overflow into an error. */
#include "http/url.h"

#include <assert.h>
#include <stdbool.h>
#include <string.h>

#include "util/utf8.h"

/* The value of one hex digit, or -1. */
static int url_hex_value(unsigned char c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return -1;
}

/* A NUL byte, escaped or raw, is refused: either would cut the string short. */
int url_decode_into(char *out, const char *s, size_t len, int plus_is_space)
{
    assert(out != NULL);
    assert(s != NULL || len == 0);
    size_t o = 0;
    for (size_t i = 0; i < len; i++) {
        unsigned char c = (unsigned char)s[i];
        if (c == '%') {
            if (len - i < 3)
                return -1;
            int hi = url_hex_value((unsigned char)s[i + 1]);
            int lo = url_hex_value((unsigned char)s[i + 2]);
            if (hi < 0 || lo < 0)
                return -1;
            c = (unsigned char)(hi << 4 | lo);
            i += 2;
        } else if (c == '+' && plus_is_space) {
            c = ' ';
        }
        if (c == '\0')
            return -1;
        out[o++] = (char)c;
    }
    assert(o <= len);
    out[o] = '\0';
    return 0;
}

char *url_decode(arena *a, const char *s, size_t len, int plus_is_space)
{
    assert(a != NULL);
    assert(s != NULL || len == 0);
    char *out = arena_alloc(a, len + 1);
    if (!out || url_decode_into(out, s, len, plus_is_space) != 0)
        return NULL;
    return out;
}

/* url_decode with distinct messages for a bad escape and a full arena. */
static char *url_decode_part(arena *a, const char *s, size_t len, int plus_is_space,
                             const char *bad_escape, const char **err)
{
    char *out = arena_alloc(a, len + 1);
    if (!out) {
        *err = "out of memory";
        return NULL;
    }
    if (url_decode_into(out, s, len, plus_is_space) != 0) {
        *err = bad_escape;
        return NULL;
    }
    return out;
}

/* Splits path[0..len) on '/' into out->segments, dropping empty segments. */
static int url_parse_path(arena *a, const char *path, size_t len, parsed_url *out, const char **err)
{
    size_t i = 0;
    while (i < len) {
        size_t start = i;
        while (i < len && path[i] != '/')
            i++;
        if (i > start) {
            if (out->n_segments == URL_MAX_SEGMENTS) {
                *err = "too many path segments";
                return -1;
            }
            char *seg = url_decode_part(a, path + start, i - start, 0,
                                        "malformed percent-escape in path", err);
            if (!seg)
                return -1;
            out->segments[out->n_segments++] = seg;
        }
        i++; /* skip the '/' */
    }
    return 0;
}

/* Splits query[0..len) on '&' into key=value pairs, appended to
 * pairs[*n..cap); empty keys are skipped and a pair without '=' has an empty
 * value.  `too_many` and `bad` are the messages past cap and for a bad
 * escape. */
static int url_split_pairs(arena *a, const char *query, size_t len, url_param *pairs, size_t cap,
                           size_t *n, const char *too_many, const char *bad, const char **err)
{
    size_t i = 0;
    while (i < len) {
        size_t start = i;
        while (i < len && query[i] != '&')
            i++;
        const char *pair = query + start;
        size_t pair_len = i - start;
        i++; /* skip the '&' */
        const char *eq = memchr(pair, '=', pair_len);
        size_t key_len = eq ? (size_t)(eq - pair) : pair_len;
        if (key_len == 0)
            continue;
        if (*n == cap) {
            *err = too_many;
            return -1;
        }
        char *key = url_decode_part(a, pair, key_len, 1, bad, err);
        if (!key)
            return -1;
        size_t value_len = eq ? pair_len - key_len - 1 : 0;
        char *value = url_decode_part(a, eq ? eq + 1 : "", value_len, 1, bad, err);
        if (!value)
            return -1;
        pairs[*n].key = key;
        pairs[*n].value = value;
        (*n)++;
    }
    return 0;
}

static bool pairs_are_utf8(const url_param *pairs, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        if (!utf8_valid(pairs[i].key, strlen(pairs[i].key)) ||
            !utf8_valid(pairs[i].value, strlen(pairs[i].value)))
            return false;
    }
    return true;
}

/* True when every decoded segment, key and value is UTF-8 text. */
static bool url_is_utf8(const parsed_url *u)
{
    for (size_t i = 0; i < u->n_segments; i++) {
        if (!utf8_valid(u->segments[i], strlen(u->segments[i])))
            return false;
    }
    return pairs_are_utf8(u->params, u->n_params);
}

int url_parse(arena *a, const char *target, parsed_url *out, const char **err)
{
    assert(a != NULL && target != NULL && out != NULL && err != NULL);
    memset(out, 0, sizeof *out);
    size_t end = strcspn(target, "#"); /* the fragment is never the server's */
    size_t path_len = strcspn(target, "?#");
    int rc = url_parse_path(a, target, path_len, out, err);
    if (rc == 0 && path_len < end)
        rc = url_split_pairs(a, target + path_len + 1, end - path_len - 1, out->params,
                             URL_MAX_PARAMS, &out->n_params, "too many query parameters",
                             "malformed percent-escape in query", err);
    if (rc == 0 && !url_is_utf8(out)) {
        *err = "the request target must decode to UTF-8";
        rc = -1;
    }
    if (rc != 0)
        memset(out, 0, sizeof *out);
    return rc;
}

int url_parse_form(arena *a, const char *data, size_t len, url_param **out, size_t *n,
                   const char **err)
{
    assert(a != NULL && (data != NULL || len == 0) && out != NULL && n != NULL && err != NULL);
    *out = NULL;
    *n = 0;
    url_param *pairs = arena_calloc(a, URL_MAX_FORM_FIELDS, sizeof *pairs);
    if (!pairs) {
        *err = "out of memory";
        return -1;
    }
    size_t got = 0;
    if (url_split_pairs(a, data, len, pairs, URL_MAX_FORM_FIELDS, &got, "too many form fields",
                        "malformed percent-escape in the form body", err) != 0)
        return -1;
    if (!pairs_are_utf8(pairs, got)) {
        *err = "the form body must decode to UTF-8";
        return -1;
    }
    *out = pairs;
    *n = got;
    return 0;
}

const char *url_param_get(const parsed_url *u, const char *key)
{
    if (!u || !key)
        return NULL;
    for (size_t i = 0; i < u->n_params; i++)
        if (strcmp(u->params[i].key, key) == 0)
            return u->params[i].value;
    return NULL;
}
