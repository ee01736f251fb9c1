/* json_out.c - compact JSON printing of cJSON trees; see json_out.h.
 *
 * Compatibility with cJSON 1.7 (print.c of cJSON_PrintUnformatted):
 * - numbers: NaN and infinities print as null; others as "%1.15g", or
 *   "%1.17g" when 15 digits do not read back to nearly the same double.  A whole
 *   number below 1e15 in magnitude (negative zero aside, "-0") prints as its
 *   plain digits either way, so those take a fast path without printf.
 * - strings: '"', '\\', \b, \f, \n, \r, \t escaped by name, other bytes
 *   below 0x20 as \u00xx (lower-case hex); every other byte as is.  A NULL
 *   string prints as "".
 * - raw items print verbatim. */
#include "util/json_out.h"

#include <float.h>
#include <math.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util/buf.h"

/* Every writer below appends to one buffer; a failure (the limit, or
 * memory) sticks in it and is checked once, at the end. */
typedef buf out;

static void out_bytes(out *o, const char *s, size_t n)
{
    (void)buf_add(o, s, n);
}

static void out_char(out *o, char c)
{
    (void)buf_add_char(o, c);
}

/* The bytes a JSON string may hold as they are. */
static bool is_plain(unsigned char c)
{
    return c >= 0x20 && c != '"' && c != '\\';
}

static void out_string(out *o, const char *s)
{
    out_char(o, '"');
    if (s) {
        const unsigned char *p = (const unsigned char *)s;
        for (;;) {
            const unsigned char *run = p;
            while (*p && is_plain(*p))
                p++;
            out_bytes(o, (const char *)run, (size_t)(p - run));
            if (!*p)
                break;
            char esc[7] = {'\\', 0};
            size_t n = 2;
            switch (*p) {
            case '"':
                esc[1] = '"';
                break;
            case '\\':
                esc[1] = '\\';
                break;
            case '\b':
                esc[1] = 'b';
                break;
            case '\f':
                esc[1] = 'f';
                break;
            case '\n':
                esc[1] = 'n';
                break;
            case '\r':
                esc[1] = 'r';
                break;
            case '\t':
                esc[1] = 't';
                break;
            default:
                snprintf(esc + 1, sizeof esc - 1, "u%04x", (unsigned)*p);
                n = 6;
            }
            out_bytes(o, esc, n);
            p++;
        }
    }
    out_char(o, '"');
}

static void out_int(out *o, int64_t v)
{
    char digits[24];
    size_t n = 0;
    uint64_t u = v < 0 ? (uint64_t)0 - (uint64_t)v : (uint64_t)v;
    do {
        digits[n++] = (char)('0' + u % 10);
        u /= 10;
    } while (u);
    if (v < 0)
        digits[n++] = '-';
    if (!buf_reserve(o, n))
        return;
    while (n)
        o->data[o->len++] = digits[--n];
    o->data[o->len] = '\0';
}

/* cJSON's test of whether 15 digits read back close enough. */
static bool nearly_equal(double a, double b)
{
    double fa = a < 0 ? -a : a, fb = b < 0 ? -b : b;
    double diff = a - b < 0 ? b - a : a - b;
    return diff <= (fa > fb ? fa : fb) * DBL_EPSILON;
}

static void out_number(out *o, const cJSON *item)
{
    double d = item->valuedouble;
    if (isnan(d) || isinf(d)) {
        out_bytes(o, "null", 4);
    } else if (d > -1e15 && d < 1e15 && d == (double)(int64_t)d && !(d == 0 && signbit(d))) {
        out_int(o, (int64_t)d);
    } else {
        char text[32];
        double back = 0;
        int n = snprintf(text, sizeof text, "%1.15g", d);
        if (sscanf(text, "%lg", &back) != 1 || !nearly_equal(back, d))
            n = snprintf(text, sizeof text, "%1.17g", d);
        out_bytes(o, text, (size_t)n);
    }
}

static void out_value(out *o, const cJSON *item);

static void out_children(out *o, const cJSON *item, bool keys)
{
    out_char(o, keys ? '{' : '[');
    for (const cJSON *c = item->child; c && o->state == BUF_OK; c = c->next) {
        if (c != item->child)
            out_char(o, ',');
        if (keys) {
            out_string(o, c->string);
            out_char(o, ':');
        }
        out_value(o, c);
    }
    out_char(o, keys ? '}' : ']');
}

static void out_value(out *o, const cJSON *item)
{
    switch (item->type & 0xFF) {
    case cJSON_NULL:
        out_bytes(o, "null", 4);
        break;
    case cJSON_False:
        out_bytes(o, "false", 5);
        break;
    case cJSON_True:
        out_bytes(o, "true", 4);
        break;
    case cJSON_Number:
        out_number(o, item);
        break;
    case cJSON_String:
        out_string(o, item->valuestring);
        break;
    case cJSON_Raw:
        if (item->valuestring)
            out_bytes(o, item->valuestring, strlen(item->valuestring));
        else
            o->state = BUF_NO_MEMORY; /* not printable: fail the whole */
        break;
    case cJSON_Array:
        out_children(o, item, false);
        break;
    case cJSON_Object:
        out_children(o, item, true);
        break;
    default:
        o->state = BUF_NO_MEMORY; /* an invalid item: fail the whole */
    }
}

char *json_print(const cJSON *item, size_t *len)
{
    if (!item)
        return NULL;
    out o;
    buf_init(&o, JSON_PRINT_LIMIT, NULL);
    out_value(&o, item);
    return buf_take(&o, len);
}
