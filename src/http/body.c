/* body.c - request bodies to JSON trees: forms through form.c, JSON through
 * cJSON, after a scan for NULs (raw or escaped) that cJSON would truncate at.
 *
 * Two things are fixed up after cJSON has parsed a JSON body:
 * - Numbers keep their source text.  cJSON stores a number as a double, so
 *   9007199254740993 would read back as ...992.  A minimal scan of the raw
 *   text finds the number tokens in document order, which is the pre-order
 *   of the tree's number nodes; each node gets its token's text in
 *   `valuestring` (cJSON leaves it NULL for numbers; it is allocated through
 *   cJSON's hooks, so cJSON_Delete frees it, and printing uses valuedouble).
 *   The field readers take integers from that text (fields.h).
 * - A repeated key keeps its last value, as in a form (and as JSON.parse
 *   does): earlier members of the same name are removed. */
#include "http/body.h"

#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "http/form.h"
#include "util/utf8.h"

bool body_is_form(const char *content_type)
{
    static const char form[] = "application/x-www-form-urlencoded";
    return content_type && strncasecmp(content_type, form, sizeof form - 1) == 0;
}

/* True when a JSON text contains the escape \u0000 (an escape only when
 * preceded by an odd number of backslashes). */
static bool json_has_escaped_nul(const char *s, size_t len)
{
    size_t backslashes = 0;
    for (size_t i = 0; i < len; i++) {
        if (s[i] == '\\') {
            backslashes++;
            continue;
        }
        if (backslashes % 2 == 1 && s[i] == 'u' && len - i >= 5 && s[i + 1] == '0' &&
            s[i + 2] == '0' && s[i + 3] == '0' && s[i + 4] == '0')
            return true;
        backslashes = 0;
    }
    return false;
}

/* True when the first non-blank byte opens a JSON object or array: no form
 * key starts so, and `curl -d '{...}'` labels JSON as a form. */
static bool body_looks_like_json(const char *data, size_t len)
{
    size_t i = 0;
    while (i < len && (data[i] == ' ' || data[i] == '\t' || data[i] == '\r' || data[i] == '\n'))
        i++;
    return i < len && (data[i] == '{' || data[i] == '[');
}

/* True when every key and string of the tree is UTF-8 (form values come
 * percent-decoded, so any bytes may appear in them). */
static bool tree_is_utf8(const cJSON *item, int depth)
{
    for (; item; item = item->next) {
        if (item->string && !utf8_valid(item->string, strlen(item->string)))
            return false;
        if (cJSON_IsString(item) && item->valuestring &&
            !utf8_valid(item->valuestring, strlen(item->valuestring)))
            return false;
        /* the parsers bound the depth; this bound only guards the stack */
        if (item->child && (depth > 1000 || !tree_is_utf8(item->child, depth + 1)))
            return false;
    }
    return true;
}

/* A cursor over the raw JSON text, for json_number_texts. */
typedef struct number_scan {
    const char *p, *end;
} number_scan;

/* The next number token of the text at sc (strings are skipped whole; no
 * other token holds a digit or '-'); its length, or 0 when there is none. */
static size_t next_number(number_scan *sc, const char **start)
{
    while (sc->p < sc->end) {
        char c = *sc->p;
        if (c == '"') {
            for (sc->p++; sc->p < sc->end && *sc->p != '"'; sc->p++)
                if (*sc->p == '\\')
                    sc->p++;
            sc->p++;
            continue;
        }
        if (c == '-' || (c >= '0' && c <= '9')) {
            *start = sc->p;
            while (sc->p < sc->end && strchr("0123456789+-.eE", *sc->p) && *sc->p)
                sc->p++;
            return (size_t)(sc->p - *start);
        }
        sc->p++;
    }
    return 0;
}

/* Gives every number node from item on (pre-order) its source text; false
 * when memory runs out or the text and the tree disagree.  Depth is bounded
 * by cJSON's nesting limit. */
static bool json_number_texts(cJSON *item, number_scan *sc)
{
    for (; item; item = item->next) {
        if (cJSON_IsNumber(item)) {
            const char *start = NULL;
            size_t n = next_number(sc, &start);
            if (n == 0 || item->valuestring)
                return false;
            item->valuestring = cJSON_malloc(n + 1);
            if (!item->valuestring)
                return false;
            memcpy(item->valuestring, start, n);
            item->valuestring[n] = '\0';
        }
        if (item->child && !json_number_texts(item->child, sc))
            return false;
    }
    return true;
}

/* One member of an object, for json_last_wins. */
typedef struct member {
    cJSON *item;
    size_t pos;
} member;

/* qsort order: by name, then by position. */
static int member_order(const void *x, const void *y)
{
    const member *a = x, *b = y;
    int c = strcmp(a->item->string, b->item->string);
    return c ? c : (a->pos > b->pos) - (a->pos < b->pos);
}

/* Removes, in every object from item on, each member followed by a later one
 * of the same name (sorting: no crafted body makes it quadratic).  False
 * when memory runs out. */
static bool json_last_wins(cJSON *item)
{
    for (; item; item = item->next) {
        size_t n = 0;
        for (cJSON *c = cJSON_IsObject(item) ? item->child : NULL; c; c = c->next)
            n++;
        if (n >= 2 && n <= 16) {
            /* the usual object: pairwise, without allocating */
            cJSON *next = NULL;
            for (cJSON *c = item->child; c; c = next) {
                next = c->next;
                for (cJSON *d = next; d; d = d->next)
                    if (strcmp(c->string, d->string) == 0) {
                        cJSON_Delete(cJSON_DetachItemViaPointer(item, c));
                        break;
                    }
            }
        } else if (n > 16) {
            member *m = malloc(n * sizeof *m);
            if (!m)
                return false;
            size_t i = 0;
            for (cJSON *c = item->child; c; c = c->next, i++)
                m[i] = (member){.item = c, .pos = i};
            qsort(m, n, sizeof *m, member_order);
            for (i = 0; i + 1 < n; i++) {
                if (strcmp(m[i].item->string, m[i + 1].item->string) == 0)
                    cJSON_Delete(cJSON_DetachItemViaPointer(item, m[i].item));
            }
            free(m);
        }
        if (item->child && !json_last_wins(item->child))
            return false;
    }
    return true;
}

/* Parses without the UTF-8 check; see body_parse. */
static cJSON *body_parse_tree(const char *data, size_t len, bool form, const char **err)
{
    if (form && !body_looks_like_json(data, len))
        return form_parse(data, len, err);
    if (json_has_escaped_nul(data, len)) {
        *err = "JSON strings may not contain \\u0000";
        return NULL;
    }
    /* A raw NUL byte is never valid JSON, but cJSON reads it as white space
     * between tokens and ends a string at it, silently dropping the rest:
     * "a<NUL>b" would be stored as "a". */
    if (memchr(data, '\0', len) != NULL) {
        *err = "malformed JSON body";
        return NULL;
    }
    const char *end = NULL;
    cJSON *tree = cJSON_ParseWithLengthOpts(data, len, &end, 0);
    /* Only white space may follow the value. */
    while (tree && end < data + len &&
           (*end == ' ' || *end == '\t' || *end == '\r' || *end == '\n'))
        end++;
    if (tree && end != data + len) {
        cJSON_Delete(tree);
        tree = NULL;
    }
    number_scan sc = {.p = data, .end = data + len};
    if (tree && (!json_number_texts(tree, &sc) || !json_last_wins(tree))) {
        cJSON_Delete(tree);
        tree = NULL;
    }
    if (!tree)
        *err = "malformed JSON body";
    return tree;
}

cJSON *body_parse(const char *data, size_t len, bool form, const char **err)
{
    cJSON *tree = body_parse_tree(data, len, form, err);
    if (tree && !tree_is_utf8(tree, 0)) {
        cJSON_Delete(tree);
        *err = "text in the body must be UTF-8";
        return NULL;
    }
    return tree;
}
